//! `cedis-persist`: persistence — RDB files in Redis's format and the
//! append-only file.
//!
//! Role: turn a point-in-time view of a `cedis-store` keyspace into an RDB
//! byte stream and back, and journal/replay write commands as an AOF.
//!
//! Boundary: knows the on-disk formats only. It reads and writes the store
//! through the store's public snapshot/load interfaces, never its internals,
//! and knows nothing of sockets or sessions.
//!
//! Status: not built yet. Nothing here is implemented; the crate exists so
//! the workspace has its final shape.
