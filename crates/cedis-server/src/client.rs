//! Per-connection session state and the registry of connected clients.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use cedis_resp::Protocol;
use tokio::sync::Notify;

/// A client's unique, increasing id (CLIENT ID).
pub type ClientId = u64;

/// CLIENT REPLY mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    /// Replies are sent.
    On,
    /// Replies are discarded.
    Off,
    /// The next command's reply is discarded.
    Skip,
    /// Set by SKIP while the skipped command runs.
    SkipThis,
}

/// A connected client's session, as CLIENT LIST shows it.
#[derive(Debug)]
pub struct Client {
    /// CLIENT ID.
    pub id: ClientId,
    /// Peer address (`ip:port`, or the unix socket path).
    pub addr: String,
    /// Local address.
    pub laddr: String,
    /// Socket file descriptor, for CLIENT LIST's `fd=`.
    pub fd: i32,
    /// Whether this is a unix-socket connection.
    pub unix: bool,
    /// CLIENT SETNAME.
    pub name: Option<Vec<u8>>,
    /// CLIENT SETINFO lib-name / lib-ver.
    pub lib_name: Option<Vec<u8>>,
    /// CLIENT SETINFO lib-ver.
    pub lib_ver: Option<Vec<u8>>,
    /// Selected database.
    pub db: usize,
    /// RESP version (HELLO).
    pub proto: Protocol,
    /// Whether AUTH succeeded (or no password is required).
    pub authenticated: bool,
    /// Authenticated user name.
    pub user: String,
    /// When the connection was accepted.
    pub created: Instant,
    /// Last command time.
    pub last_interaction: Instant,
    /// Full name of the last command (`client|list` form, `NULL` if unknown).
    pub last_cmd: &'static str,
    /// CLIENT REPLY.
    pub reply_mode: ReplyMode,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// CLIENT NO-TOUCH.
    pub no_touch: bool,
    /// Its blocked command is being served now (it skips the maxmemory
    /// check, as Redis serves blocked clients outside processCommand).
    pub serving_unblocked: bool,
    /// Close after the pending replies are written (QUIT, CLIENT KILL of self).
    pub close_after_reply: bool,
    /// Killed by another client: close as soon as possible.
    pub killed: bool,
    /// Wakes the connection task when another client acts on it.
    pub wake: Arc<Notify>,
    /// Query buffer size at the last read (for CLIENT LIST `qbuf=`).
    pub qbuf: usize,
    /// Whether this client is a MONITOR.
    pub monitor: bool,
    /// Total commands processed for this client.
    pub commands: u64,
    /// Blocked on keys (BLPOP and friends): what it waits for.
    pub block: Option<crate::blocking::BlockState>,
    /// Waiting (for a CLIENT PAUSE to end, or blocked on keys):
    /// counted in INFO `blocked_clients`.
    pub blocked: bool,
    /// Output produced for this client by other clients' commands (MONITOR
    /// feeds, pub/sub messages), as shared chunks (one pub/sub frame is
    /// queued on every subscriber without copying): the connection takes
    /// them when woken through [`Client::wake`] and writes them after the
    /// replies that precede them.
    pub pending: std::collections::VecDeque<bytes::Bytes>,
    /// Bytes in `pending`.
    pub pending_bytes: usize,
    /// Bytes the connection holds but has not written yet (updated by the
    /// connection under the lock): with `pending_bytes`, what
    /// `client-output-buffer-limit` is checked against.
    pub unsent: usize,
    /// Since when the output has been over the soft output buffer limit.
    pub obuf_soft_since: Option<Instant>,
    /// Pub/Sub subscriptions.
    pub subs: crate::pubsub::Subscriptions,
    /// MULTI state and watched keys.
    pub tx: crate::cmd::multi::Transaction,
    /// CLIENT TRACKING settings.
    pub tracking: crate::tracking::ClientTracking,
}

impl Client {
    /// A new session for an accepted connection.
    pub fn new(
        id: ClientId,
        addr: String,
        laddr: String,
        fd: i32,
        unix: bool,
        needs_auth: bool,
    ) -> Client {
        let now = Instant::now();
        Client {
            id,
            addr,
            laddr,
            fd,
            unix,
            name: None,
            lib_name: None,
            lib_ver: None,
            db: 0,
            proto: Protocol::Resp2,
            authenticated: !needs_auth,
            user: "default".to_string(),
            created: now,
            last_interaction: now,
            last_cmd: "NULL",
            reply_mode: ReplyMode::On,
            no_evict: false,
            no_touch: false,
            serving_unblocked: false,
            close_after_reply: false,
            killed: false,
            wake: Arc::new(Notify::new()),
            qbuf: 0,
            monitor: false,
            commands: 0,
            blocked: false,
            block: None,
            pending: std::collections::VecDeque::new(),
            pending_bytes: 0,
            unsent: 0,
            obuf_soft_since: None,
            subs: Default::default(),
            tx: Default::default(),
            tracking: Default::default(),
        }
    }

    /// Queues a copy of `bytes` for this client from elsewhere and wakes
    /// its task.
    pub fn push_output(&mut self, bytes: &[u8]) {
        self.push_shared(bytes::Bytes::copy_from_slice(bytes));
    }

    /// Queues a shared chunk for this client (no copy) and wakes its task.
    pub fn push_shared(&mut self, bytes: bytes::Bytes) {
        if bytes.is_empty() {
            return;
        }
        let was_empty = self.pending.is_empty();
        self.pending_bytes += bytes.len();
        self.pending.push_back(bytes);
        if was_empty {
            self.wake.notify_one();
        }
    }

    /// Output queued or held for this client and not written yet.
    pub fn output_bytes(&self) -> usize {
        self.pending_bytes + self.unsent
    }

    /// Frees the queued output (the client is being closed).
    pub fn drop_pending(&mut self) {
        self.pending = Default::default();
        self.pending_bytes = 0;
        self.unsent = 0;
    }

    /// Flags letters as CLIENT LIST prints them.
    pub fn flags(&self) -> String {
        let mut f = String::new();
        if self.monitor {
            f.push('O');
        }
        if self.subs.is_subscribed() {
            f.push('P');
        }
        if self.tx.in_multi() {
            f.push('x');
        }
        if self.blocked {
            f.push('b');
        }
        if self.tracking.on {
            f.push('t');
            if self.tracking.broken_redir {
                f.push('R');
            }
            if self.tracking.bcast {
                f.push('B');
            }
        }
        if self.tx.dirty_cas {
            f.push('d');
        }
        if self.close_after_reply {
            f.push('c');
        }
        if self.unix {
            f.push('U');
        }
        if self.no_evict {
            f.push('e');
        }
        if self.no_touch {
            f.push('T');
        }
        if f.is_empty() {
            f.push('N');
        }
        f
    }
}

/// The connected clients, by id. During a command the running client is
/// checked out (see [`Clients::checkout`]) and handed to the handler
/// separately, so handlers see it as `ctx.client` and the rest here.
#[derive(Debug, Default)]
pub struct Clients {
    map: BTreeMap<ClientId, Client>,
    next_id: ClientId,
}

impl Clients {
    /// Allocates the next client id.
    pub fn next_id(&mut self) -> ClientId {
        self.next_id += 1;
        self.next_id
    }

    /// Registers a client.
    pub fn add(&mut self, c: Client) {
        self.map.insert(c.id, c);
    }

    /// Unregisters a client.
    pub fn remove(&mut self, id: ClientId) -> Option<Client> {
        self.map.remove(&id)
    }

    /// Takes a client out for the duration of a batch of commands.
    pub fn checkout(&mut self, id: ClientId) -> Option<Client> {
        self.map.remove(&id)
    }

    /// Returns a checked-out client.
    pub fn checkin(&mut self, c: Client) {
        self.map.insert(c.id, c);
    }

    /// Number of registered clients (the checked-out one excluded).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no other client is registered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Iterates registered clients in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Client> {
        self.map.values()
    }

    /// Iterates registered clients mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Client> {
        self.map.values_mut()
    }

    /// A client by id.
    pub fn get_mut(&mut self, id: ClientId) -> Option<&mut Client> {
        self.map.get_mut(&id)
    }
}
