//! The server's shared state: the keyspace plus everything the commands
//! read and change (settings, clients, statistics), behind one lock that
//! a connection takes once per batch of parsed commands.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use cedis_store::Store;
use tokio::sync::Notify;

use crate::client::Clients;
use crate::config::{Config, EnableFor};

/// Settings the server's own hot paths read: a typed copy of the parts of
/// [`Config`] they need, refreshed whenever CONFIG SET changes one.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `requirepass` (None: no password).
    pub requirepass: Option<Vec<u8>>,
    /// `proto-max-bulk-len`.
    pub proto_max_bulk_len: u64,
    /// `client-query-buffer-limit`.
    pub client_query_buffer_limit: usize,
    /// `maxclients`.
    pub maxclients: usize,
    /// `timeout` in seconds (0: never).
    pub timeout: u64,
    /// `hz`.
    pub hz: u32,
    /// `enable-debug-command`.
    pub enable_debug_command: EnableFor,
    /// `notify-keyspace-events` bits (see [`crate::config::notify`]).
    pub notify_keyspace_events: u32,
    /// `client-output-buffer-limit`, indexed by [`crate::config::ClientClass`].
    pub client_output_buffer_limit: [crate::config::OutputBufferLimit; 3],
    /// `maxmemory` in bytes (0: no limit, and no per-command check).
    pub maxmemory: u64,
}

impl Settings {
    /// The typed view of `config`.
    pub fn from_config(config: &Config) -> Settings {
        Settings {
            requirepass: config.requirepass().map(|p| p.as_bytes().to_vec()),
            proto_max_bulk_len: config.proto_max_bulk_len(),
            client_query_buffer_limit: usize::try_from(config.client_query_buffer_limit())
                .unwrap_or(usize::MAX),
            maxclients: usize::try_from(config.maxclients()).unwrap_or(usize::MAX),
            timeout: config.timeout(),
            hz: config.hz(),
            enable_debug_command: config.enable_debug_command(),
            notify_keyspace_events: config.notify_keyspace_events(),
            client_output_buffer_limit: [
                crate::config::ClientClass::Normal,
                crate::config::ClientClass::Replica,
                crate::config::ClientClass::Pubsub,
            ]
            .map(|c| config.client_output_buffer_limit(c)),
            maxmemory: config.maxmemory(),
        }
    }
}

/// Per-command counters (INFO commandstats).
#[derive(Debug, Default, Clone, Copy)]
pub struct CommandStat {
    /// Calls that ran.
    pub calls: u64,
    /// Microseconds spent.
    pub usec: u64,
    /// Calls rejected before running (arity, auth, ...).
    pub rejected_calls: u64,
    /// Calls that ran and replied with an error.
    pub failed_calls: u64,
}

/// Server-wide counters (INFO stats).
#[derive(Debug, Default)]
pub struct ServerStats {
    /// Connections accepted.
    pub total_connections_received: u64,
    /// Commands processed.
    pub total_commands_processed: u64,
    /// Connections refused for maxclients.
    pub rejected_connections: u64,
    /// Bytes read from clients.
    pub net_input_bytes: u64,
    /// Bytes written to clients.
    pub net_output_bytes: u64,
    /// Error replies by error code (INFO errorstats).
    pub errors: HashMap<String, u64>,
    /// Total error replies.
    pub total_error_replies: u64,
    /// Socket reads that returned data (INFO total_reads_processed).
    pub total_reads_processed: u64,
    /// Output flushes that wrote data (INFO total_writes_processed).
    pub total_writes_processed: u64,
    /// Per-command counters by full name (`config|get`).
    pub commands: HashMap<String, CommandStat>,
}

/// How SHUTDOWN asked the server to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownRequest {
    /// Stop (saving as configured once persistence exists).
    Default,
}

/// Everything commands can see besides the keyspace.
#[derive(Debug)]
pub struct ServerState {
    /// Clients blocked on keys.
    pub blocked: crate::blocking::Blocked,
    /// The command clock.
    pub clock: Clock,
    /// The configuration (CONFIG GET/SET).
    pub config: Config,
    /// Typed view of the hot settings.
    pub settings: Settings,
    /// Connected clients (the running one checked out).
    pub clients: Clients,
    /// Counters.
    pub stats: ServerStats,
    /// Process start.
    pub started: Instant,
    /// 40 hex chars, fresh per process.
    pub run_id: String,
    /// Unix time of the last successful save.
    pub lastsave: i64,
    /// Set by SHUTDOWN.
    pub shutdown: Option<ShutdownRequest>,
    /// Pub/Sub subscriptions, server-wide.
    pub pubsub: crate::pubsub::PubSub,
    /// WATCHed keys, server-wide.
    pub watches: crate::watch::Watches,
    /// Client-side caching: the tracking table and BCAST prefixes.
    pub tracking: crate::tracking::Tracking,
    /// Ids of the clients in MONITOR mode (empty: no feed, no cost).
    pub monitors: Vec<crate::client::ClientId>,
    /// CLIENT PAUSE in effect, if any.
    pub pause: Option<crate::cmd::ClientPause>,
    /// SLOWLOG, LATENCY events and per-command latency histograms.
    pub introspection: crate::cmd::Introspection,
    /// INFO's sampled rates, memory baseline and peak, replication id.
    pub info: crate::cmd::InfoMetrics,
    /// The TCP listeners (CONFIG SET port/bind rebinds them).
    pub listeners: crate::server::TcpListeners,
    /// maxmemory eviction bookkeeping.
    pub eviction: crate::evict::Eviction,
}

/// The lock-protected state.
#[derive(Debug)]
pub struct State {
    /// The keyspace.
    pub store: Store,
    /// The rest.
    pub server: ServerState,
}

/// What connection tasks share.
#[derive(Debug)]
pub struct Shared {
    state: Mutex<State>,
    /// Signalled when the server must stop.
    pub shutdown: Notify,
}

impl Shared {
    /// Wraps a fresh state.
    pub fn new(config: Config) -> Arc<Shared> {
        let settings = Settings::from_config(&config);
        let mut store = Store::new(config.databases());
        crate::cmd::apply_store_config(&mut store.config, &config);
        let run_id: String = (0..40)
            .map(|_| char::from(b"0123456789abcdef"[rand::random::<usize>() % 16]))
            .collect();
        let server = ServerState {
            config,
            settings,
            clients: Clients::default(),
            stats: ServerStats::default(),
            started: Instant::now(),
            clock: Clock::new(),
            blocked: Default::default(),
            run_id,
            lastsave: unix_ms() / 1000,
            shutdown: None,
            pubsub: Default::default(),
            watches: Default::default(),
            tracking: Default::default(),
            monitors: Vec::new(),
            pause: None,
            introspection: Default::default(),
            info: Default::default(),
            listeners: Default::default(),
            eviction: Default::default(),
        };
        Arc::new(Shared {
            state: Mutex::new(State { store, server }),
            shutdown: Notify::new(),
        })
    }

    /// Locks the state. A poisoned lock (a panic while holding it) is
    /// recovered: handlers leave the state consistent between mutations.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The command clock: one monotonic reading per command, chained (a
/// command's end is the next one's start), with wall-clock milliseconds
/// derived from it, so the hot path reads the clock once per command as
/// Redis's `call()` does at most twice.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base: Instant,
    /// Wall-clock nanoseconds at `base`: kept in ns so that a reading,
    /// truncated to ms once, never lags the wall clock by a millisecond
    /// (a client that sends `PXAT now+10000` must see a PTTL <= 10000).
    base_unix_ns: i64,
    /// The latest reading: the end of the last command, or the start of
    /// the current batch.
    pub last: Instant,
}

impl Clock {
    /// A clock synchronised with the wall clock now.
    pub fn new() -> Clock {
        let now = Instant::now();
        Clock {
            base: now,
            base_unix_ns: unix_ns(),
            last: now,
        }
    }

    /// Reads the monotonic clock and records the reading.
    pub fn tick(&mut self) -> Instant {
        self.last = Instant::now();
        self.last
    }

    /// Wall-clock milliseconds at a reading.
    pub fn unix_ms_at(&self, t: Instant) -> i64 {
        (self.base_unix_ns + t.saturating_duration_since(self.base).as_nanos() as i64)
            .div_euclid(1_000_000)
    }

    /// Re-synchronises with the wall clock (the cron calls this, so a
    /// stepped system clock is followed within a tick).
    pub fn resync(&mut self) {
        self.base = Instant::now();
        self.base_unix_ns = unix_ns();
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Nanoseconds since the Unix epoch.
fn unix_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Microseconds since the Unix epoch.
pub fn unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_never_lags_the_wall_clock() {
        // A reading taken after the wall clock shows `wall` ms must not be
        // earlier than `wall`, whatever the phase of the clock's base. The
        // run stays about as short as the cron's resync interval (100 ms at
        // hz 10), over which the monotonic and wall clocks drift by well
        // under a microsecond.
        let mut c = Clock::new();
        for _ in 0..2_000 {
            std::thread::sleep(std::time::Duration::from_nanos(1300));
            let wall = unix_ms();
            let t = c.tick();
            assert!(c.unix_ms_at(t) >= wall);
        }
    }
}
