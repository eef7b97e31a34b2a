//! `cedis-server`: networking, sessions and command dispatch (placeholder, being written).
