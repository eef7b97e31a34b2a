//! What the store tells the server about changed keys: the raw material of
//! WATCH invalidation, keyspace notifications and (later) client-side
//! caching.
//!
//! Recording is off by default and costs one branch per write while off.
//! The server switches it on while anything listens (a WATCH, a
//! `notify-keyspace-events` setting, tracking) and drains the log after
//! every command, in order.

/// Notification classes, with the same bits as the server's
/// `notify-keyspace-events` mask.
pub mod class {
    /// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: a key expired.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: a key was evicted.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: a read missed.
    pub const KEY_MISS: u32 = 1 << 11;
    /// `n`: a key was created.
    pub const NEW: u32 = 1 << 13;
}

/// One change to one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEvent {
    /// Database index.
    pub db: usize,
    /// The key.
    pub key: Vec<u8>,
    /// Redis's event name (`set`, `del`, `expired`, `rename_from`, ...).
    pub name: &'static str,
    /// One of the [`class`] bits.
    pub class: u32,
}

impl KeyEvent {
    /// Whether the event means the key's value or TTL may have changed
    /// (everything but a read miss): what invalidates a WATCH.
    pub fn modifies(&self) -> bool {
        self.class != class::KEY_MISS
    }
}

/// The store's event log.
#[derive(Debug, Default)]
pub(crate) struct EventLog {
    pub(crate) enabled: bool,
    pub(crate) events: Vec<KeyEvent>,
}
