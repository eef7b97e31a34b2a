//! `cedis-server`: networking, sessions and command dispatch — the parts of
//! a Redis server around the keyspace engine.
//!
//! Role: accept TCP and unix-socket connections, decode requests with
//! `cedis-resp`, run them through the command table against a
//! `cedis-store` keyspace, and write the replies. The `cedis-server` binary
//! only parses the configuration and calls [`server::serve`].
//!
//! Boundaries: handlers ([`cmd`]) never touch sockets: they get a [`cmd::Ctx`]
//! and append replies to a buffer, so the same path will serve MULTI/EXEC,
//! scripts, AOF replay and replication. Execution is serialized by one lock
//! on [`state::State`], taken once per batch of parsed requests of a
//! connection and never held across I/O.

pub mod alloc;
pub mod blocking;
pub mod client;
pub mod cmd;
pub mod config;
pub mod conn;
pub mod evict;
pub mod log;
pub mod notify;
pub mod pubsub;
pub mod server;
pub mod state;
pub mod tracking;
pub mod watch;

/// The Redis version cedis reports (clients gate features on it).
pub const REDIS_VERSION: &str = "7.0.15";

/// cedis's own version.
pub const CEDIS_VERSION: &str = env!("CARGO_PKG_VERSION");
