//! The command table: one static record per command, driving dispatch,
//! arity errors, COMMAND's replies and (later) ACL and propagation.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::error::CmdResult;
use super::Ctx;

/// A command handler: `argv[0]` is the command name as the client sent it.
pub type Handler = fn(&mut Ctx<'_>, &[Bytes]) -> CmdResult;

/// Command flags, as COMMAND INFO names them.
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MULTI: u32 = 1 << 14;
    pub const MOVABLE_KEYS: u32 = 1 << 15;
    pub const ALLOW_BUSY: u32 = 1 << 16;
    pub const NO_ASYNC_LOADING: u32 = 1 << 17;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 18;
    pub const SENTINEL: u32 = 1 << 19;
    pub const ONLY_SENTINEL: u32 = 1 << 20;

    /// Names in the order Redis 7.0 prints them in COMMAND INFO.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
    ];
}

/// One command (or one subcommand of a container command).
#[derive(Debug)]
pub struct CommandSpec {
    /// Lower-case name (`get`, or `get` under `config` for `config|get`).
    pub name: &'static str,
    /// Redis arity: exact count if positive, minimum if negative (name included).
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u32,
    /// First key position (0: none).
    pub first_key: i32,
    /// Last key position (-1: last argument).
    pub last_key: i32,
    /// Step between keys.
    pub step: i32,
    /// ACL categories without the `@` (e.g. `string`, `fast`).
    pub acl: &'static [&'static str],
    /// The handler; container commands dispatch to `subcommands`.
    pub handler: Handler,
    /// Subcommands of a container command (CONFIG, CLIENT, ...).
    pub subcommands: &'static [CommandSpec],
}

/// Per-command counters.
#[derive(Debug, Default)]
pub struct CmdCounters {
    /// Calls that ran.
    pub calls: AtomicU64,
    /// Microseconds spent.
    pub usec: AtomicU64,
    /// Calls rejected before running.
    pub rejected: AtomicU64,
    /// Calls that replied with an error.
    pub failed: AtomicU64,
}

impl CmdCounters {
    /// All zero.
    pub const fn new() -> Self {
        CmdCounters {
            calls: AtomicU64::new(0),
            usec: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        }
    }

    /// Zeroes every counter (CONFIG RESETSTAT).
    pub fn reset(&self) {
        for c in [&self.calls, &self.usec, &self.rejected, &self.failed] {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// Adds one to `c`.
    pub fn bump(c: &AtomicU64, by: u64) {
        c.store(c.load(Ordering::Relaxed) + by, Ordering::Relaxed);
    }
}

impl CommandSpec {
    /// Whether `argc` arguments (name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        (a > 0 && argc == a as usize) || (a < 0 && argc >= (-a) as usize)
    }

    /// Has flag bits `f`.
    pub fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// Finds a subcommand, ignoring case.
    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands
            .iter()
            .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
    }
}

/// A compact constructor for table entries.
#[allow(clippy::too_many_arguments)]
pub const fn cmd(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: (i32, i32, i32),
    acl: &'static [&'static str],
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        first_key: keys.0,
        last_key: keys.1,
        step: keys.2,
        acl,
        handler,
        subcommands: &[],
    }
}

/// A container command whose handler dispatches on the subcommand.
pub const fn container(
    name: &'static str,
    arity: i32,
    acl: &'static [&'static str],
    subcommands: &'static [CommandSpec],
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: 0,
        first_key: 0,
        last_key: 0,
        step: 0,
        acl,
        handler: super::dispatch::container_handler,
        subcommands,
    }
}

/// A command as the server runs it: its static spec, its counters, its
/// subcommands and its full name (`config|get`).
#[derive(Debug)]
pub struct Command {
    /// The static description.
    pub spec: &'static CommandSpec,
    /// `parent|name` for subcommands, `name` otherwise.
    pub full_name: String,
    /// INFO commandstats counters.
    pub stats: CmdCounters,
    /// Subcommands, in table order.
    pub subcommands: Vec<Command>,
}

impl Command {
    fn new(spec: &'static CommandSpec, parent: Option<&str>) -> Command {
        let full_name = match parent {
            Some(p) => format!("{p}|{}", spec.name),
            None => spec.name.to_string(),
        };
        let subcommands = spec
            .subcommands
            .iter()
            .map(|s| Command::new(s, Some(spec.name)))
            .collect();
        Command {
            spec,
            full_name,
            stats: CmdCounters::new(),
            subcommands,
        }
    }

    /// Finds a subcommand, ignoring case.
    pub fn subcommand(&self, name: &[u8]) -> Option<&Command> {
        self.subcommands
            .iter()
            .find(|s| s.spec.name.as_bytes().eq_ignore_ascii_case(name))
    }
}

/// FNV-1a for command names: short, trusted strings looked up on every
/// request, where SipHash's setup cost dominates.
#[derive(Debug, Default, Clone, Copy)]
pub struct NameHash;

impl std::hash::BuildHasher for NameHash {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

/// The FNV-1a state.
#[derive(Debug)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Case-insensitive lookup of top-level commands without allocating.
#[derive(Debug)]
pub struct CommandTable {
    by_name: std::collections::HashMap<&'static [u8], usize, NameHash>,
    all: Vec<Command>,
}

impl CommandTable {
    /// Builds the table from the families' static lists.
    pub fn new(families: &[&'static [CommandSpec]]) -> CommandTable {
        let mut all: Vec<Command> = families
            .iter()
            .flat_map(|f| f.iter())
            .map(|s| Command::new(s, None))
            .collect();
        all.sort_by_key(|c| c.spec.name);
        let by_name = all
            .iter()
            .enumerate()
            .map(|(i, c)| (c.spec.name.as_bytes(), i))
            .collect();
        CommandTable { by_name, all }
    }

    /// Looks a command up by name, ignoring ASCII case.
    pub fn get(&self, name: &[u8]) -> Option<&Command> {
        let mut buf = [0u8; 32];
        if name.len() > buf.len() {
            return None;
        }
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        self.by_name.get(&*lower).map(|&i| &self.all[i])
    }

    /// Every top-level command, sorted by name.
    pub fn all(&self) -> &[Command] {
        &self.all
    }
}
