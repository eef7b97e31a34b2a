//! `cedis-store`: the keyspace engine (placeholder, being written).
