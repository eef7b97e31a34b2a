//! `cedis-server`: networking, sessions and command dispatch (being written).

pub mod config;
