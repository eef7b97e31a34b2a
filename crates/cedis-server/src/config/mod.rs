//! Server configuration: the parameter table, `redis.conf` and command-line
//! loading, and the logic behind `CONFIG GET`, `CONFIG SET` and
//! `CONFIG REWRITE`.
//!
//! - [`table`]: every redis-server 7.0.15 parameter as data ([`Param`],
//!   [`ParamSpec`]: name, aliases, kind, default, flags).
//! - [`value`]: parsing and formatting of values, with Redis's error texts.
//! - [`parse`]: `redis.conf` loading (quoting, `include`, repeated lines).
//! - [`cli`]: `cedis-server [/path/to/redis.conf] [--option value ...] [-]`.
//! - [`rewrite`]: `CONFIG REWRITE`.
//!
//! This module never acts on a value: it does not chdir, bind, open log
//! files or resize anything. [`Config::set_many`] returns the parameters set
//! and the server applies them (e.g. `chdir(config.dir())` for
//! [`Param::Dir`]); if applying fails, it restores a clone taken before.
//! Parameters flagged [`Flags::STORED_ONLY`] are accepted, validated, stored
//! and reported, but cedis has no behaviour behind them.

pub mod cli;
mod glob;
pub mod parse;
pub mod rewrite;
pub mod table;
pub mod value;

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

pub use cli::{parse_args, CliAction, CliArgs};
pub use parse::LoadError;
pub use table::{Flags, Kind, Param, ParamSpec, PARAMS};
pub use value::{notify, ClientClass, MemoryOrPercent, OutputBufferLimit, SavePoint, Value};

use value::ParseCtx;

/// A `CONFIG SET` failure. `Display` gives Redis's exact error text
/// (without the leading `-`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigSetError {
    /// Odd number of arguments after `CONFIG SET` (`ERR syntax error`).
    Syntax,
    /// No such parameter.
    Unknown {
        /// The name as given.
        name: String,
    },
    /// The parameter exists but the request failed.
    Failed {
        /// The name as given.
        name: String,
        /// `can't set immutable config`, `duplicate parameter`, a value error...
        reason: Cow<'static, str>,
    },
}

impl fmt::Display for ConfigSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSetError::Syntax => f.write_str("ERR syntax error"),
            ConfigSetError::Unknown { name } => {
                write!(
                    f,
                    "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
                )
            }
            ConfigSetError::Failed { name, reason } => {
                write!(
                    f,
                    "ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}"
                )
            }
        }
    }
}

impl std::error::Error for ConfigSetError {}

/// The configuration of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    values: Vec<Value>,
    startup_dir: PathBuf,
    /// The absolute path of the configuration file, if started with one
    /// (`CONFIG REWRITE` needs it).
    pub config_file: Option<PathBuf>,
    /// `rename-command old new` lines: stored, not applied yet.
    pub rename_commands: Vec<(String, String)>,
    /// `user ...` lines (ACL): stored, not applied yet.
    pub users: Vec<Vec<String>>,
    /// `loadmodule path args...` lines: stored; cedis loads no modules.
    pub load_modules: Vec<Vec<String>>,
    /// `module.name value` lines: stored; cedis loads no modules.
    pub module_configs: Vec<(String, String)>,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// The defaults, with `dir` the current directory.
    pub fn new() -> Self {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        Self::with_dir(cwd)
    }

    /// The defaults, with `dir` set to `dir` (tests, embedding).
    pub fn with_dir(dir: PathBuf) -> Self {
        let values = PARAMS
            .iter()
            .map(|spec| {
                if spec.id == Param::Dir {
                    return Value::Dir(dir.clone());
                }
                let args: Vec<Vec<u8>> = if spec.kind.is_multi_arg() && !spec.default.is_empty() {
                    spec.default
                        .split(' ')
                        .map(|w| w.as_bytes().to_vec())
                        .collect()
                } else {
                    vec![spec.default.as_bytes().to_vec()]
                };
                let placeholder = Value::Bool(false);
                let ctx = ParseCtx {
                    cwd: &dir,
                    current: &placeholder,
                };
                match (spec.kind, value::parse(spec.kind, &args, &ctx)) {
                    (_, Ok(v)) => v,
                    (Kind::Special(table::Special::ReplicaOf), Err(_)) => Value::ReplicaOf(None),
                    (Kind::Special(table::Special::Bind), Err(_)) => Value::Bind(Vec::new()),
                    (_, Err(e)) => unreachable!("default of {}: {e}", spec.name),
                }
            })
            .collect();
        Config {
            values,
            startup_dir: dir,
            config_file: None,
            rename_commands: Vec::new(),
            users: Vec::new(),
            load_modules: Vec::new(),
            module_configs: Vec::new(),
        }
    }

    /// Loads `redis.conf` text over the defaults (no command line).
    pub fn from_text(text: &[u8]) -> Result<Config, LoadError> {
        let mut cfg = Config::new();
        parse::Loader::new(&mut cfg).load_text(text)?;
        Ok(cfg)
    }

    /// Loads a `redis.conf` file over the defaults.
    pub fn from_file(path: &Path) -> Result<Config, LoadError> {
        let mut cfg = Config::new();
        parse::Loader::new(&mut cfg).load_file(path)?;
        cfg.config_file = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// The value of a parameter.
    pub fn get(&self, p: Param) -> &Value {
        &self.values[p as usize]
    }

    pub(crate) fn store(&mut self, p: Param, mut v: Value) {
        if let (Param::Hz, Value::Int(n)) = (p, &mut v) {
            *n = (*n).clamp(1, 500);
        }
        self.values[p as usize] = v;
    }

    /// A parameter's value formatted as CONFIG GET shows it, by name or alias.
    pub fn get_one(&self, name: &str) -> Option<String> {
        let p = Param::lookup(name.as_bytes())?;
        Some(value::format_get(p.spec().kind, self.get(p)))
    }

    /// `CONFIG GET pattern...`: name/value pairs as redis-server 7.0 returns
    /// them. A pattern without `*`, `?` or `[` is an exact, case-insensitive
    /// name (hidden parameters included; the name is echoed as given);
    /// otherwise it is a glob over names and aliases. No duplicates.
    pub fn get_matching(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut push =
            |out: &mut Vec<(String, String)>, shown: String, key: &'static str, p: Param| {
                if !seen.contains(&key) {
                    seen.push(key);
                    out.push((shown, value::format_get(p.spec().kind, self.get(p))));
                }
            };
        for pat in patterns {
            if !pat.iter().any(|c| matches!(c, b'*' | b'?' | b'[')) {
                let hit = PARAMS.iter().find_map(|s| {
                    std::iter::once(s.name)
                        .chain(s.aliases.iter().copied())
                        .find(|n| n.as_bytes().eq_ignore_ascii_case(pat))
                        .map(|n| (n, s.id))
                });
                if let Some((key, p)) = hit {
                    push(&mut out, String::from_utf8_lossy(pat).into_owned(), key, p);
                }
                continue;
            }
            for s in PARAMS.iter().filter(|s| !s.flags.contains(Flags::HIDDEN)) {
                for n in std::iter::once(s.name).chain(s.aliases.iter().copied()) {
                    if glob::matches(pat, n.as_bytes()) {
                        push(&mut out, n.to_string(), n, s.id);
                    }
                }
            }
        }
        out
    }

    /// `CONFIG SET name value [name value ...]` from a non-local client.
    /// See [`Config::set_many_from`].
    pub fn set_many(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<Param>, ConfigSetError> {
        self.set_many_from(pairs, false)
    }

    /// `CONFIG SET`, atomically: either every pair is applied or none is.
    /// Checks run as in redis-server 7.0: first, pair by pair, unknown name,
    /// immutable, protected (allowed when `enable-protected-configs` is `yes`,
    /// or `local` and `client_is_local`), repeated name; then the values.
    /// Returns the parameters set, in order, for the server to apply.
    pub fn set_many_from(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        client_is_local: bool,
    ) -> Result<Vec<Param>, ConfigSetError> {
        let name_of = |n: &[u8]| String::from_utf8_lossy(n).into_owned();
        let failed = |n: &[u8], reason: Cow<'static, str>| ConfigSetError::Failed {
            name: name_of(n),
            reason,
        };
        let protected_ok = match self.enum_value(Param::EnableProtectedConfigs) {
            1 => true,
            2 => client_is_local,
            _ => false,
        };
        let mut params = Vec::with_capacity(pairs.len());
        for (i, (name, _)) in pairs.iter().enumerate() {
            let p = Param::lookup(name).ok_or_else(|| ConfigSetError::Unknown {
                name: name_of(name),
            })?;
            let flags = p.spec().flags;
            if flags.contains(Flags::IMMUTABLE) {
                return Err(failed(name, "can't set immutable config".into()));
            }
            if flags.contains(Flags::PROTECTED) && !protected_ok {
                return Err(failed(name, "can't set protected config".into()));
            }
            if pairs[..i].iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                return Err(failed(name, "duplicate parameter".into()));
            }
            params.push(p);
        }
        let mut staged = self.values.clone();
        for (&p, (name, val)) in params.iter().zip(pairs) {
            let kind = p.spec().kind;
            let args: Vec<Vec<u8>> = if kind.is_multi_arg() {
                if val.is_empty() {
                    Vec::new()
                } else {
                    val.split(|&b| b == b' ').map(<[u8]>::to_vec).collect()
                }
            } else {
                vec![val.to_vec()]
            };
            let ctx = ParseCtx {
                cwd: self.dir(),
                current: &staged[p as usize],
            };
            let v = value::parse(kind, &args, &ctx).map_err(|r| failed(name, r.into()))?;
            staged[p as usize] = v;
        }
        let old = std::mem::replace(&mut self.values, staged);
        for &p in &params {
            let v = std::mem::replace(&mut self.values[p as usize], Value::Bool(false));
            self.store(p, v);
        }
        drop(old);
        Ok(params)
    }

    /// `CONFIG SET` with the raw arguments after `SET` (checks the pairing:
    /// an odd count is `ERR syntax error`; fewer than two is an arity error
    /// for the command handler to report).
    pub fn set_args(&mut self, args: &[&[u8]]) -> Result<Vec<Param>, ConfigSetError> {
        if args.len() % 2 != 0 {
            return Err(ConfigSetError::Syntax);
        }
        let pairs: Vec<(&[u8], &[u8])> = args.chunks(2).map(|c| (c[0], c[1])).collect();
        self.set_many(&pairs)
    }

    /// `CONFIG REWRITE` into `path` (normally [`Config::config_file`]).
    pub fn rewrite(&self, path: &Path) -> std::io::Result<()> {
        rewrite::rewrite(self, path)
    }

    /// The working directory at startup (the default of `dir`).
    pub fn startup_dir(&self) -> &Path {
        &self.startup_dir
    }

    // ---- typed access -------------------------------------------------

    fn int(&self, p: Param) -> i64 {
        match self.get(p) {
            Value::Int(n) => *n,
            v => unreachable!("{} is {v:?}", p.name()),
        }
    }
    fn mem(&self, p: Param) -> u64 {
        match self.get(p) {
            Value::Memory(n) => *n,
            v => unreachable!("{} is {v:?}", p.name()),
        }
    }
    fn flag(&self, p: Param) -> bool {
        match self.get(p) {
            Value::Bool(b) => *b,
            v => unreachable!("{} is {v:?}", p.name()),
        }
    }
    fn string(&self, p: Param) -> &str {
        match self.get(p) {
            Value::Str(s) => s,
            v => unreachable!("{} is {v:?}", p.name()),
        }
    }
    fn enum_value(&self, p: Param) -> u32 {
        match self.get(p) {
            Value::Enum(n) => *n,
            v => unreachable!("{} is {v:?}", p.name()),
        }
    }
}

/// `loglevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `debug`.
    Debug,
    /// `verbose`.
    Verbose,
    /// `notice`.
    Notice,
    /// `warning`.
    Warning,
}

/// `enable-debug-command`, `enable-module-command`, `enable-protected-configs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnableFor {
    /// `no`.
    No,
    /// `yes`.
    Yes,
    /// `local`: only for connections from loopback or a unix socket.
    Local,
}

impl EnableFor {
    /// Whether a client (local or not) is allowed.
    pub fn allows(self, client_is_local: bool) -> bool {
        match self {
            EnableFor::No => false,
            EnableFor::Yes => true,
            EnableFor::Local => client_is_local,
        }
    }
}

/// `appendfsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendFsync {
    /// `no`.
    No,
    /// `always`.
    Always,
    /// `everysec`.
    EverySec,
}

macro_rules! getters {
    ($($(#[$m:meta])* $fn:ident: $ty:ty = $how:ident($p:ident);)*) => {
        impl Config {
            $($(#[$m])* pub fn $fn(&self) -> $ty { self.$how(Param::$p) as $ty })*
        }
    };
}

getters! {
    /// `port`.
    port: u16 = int(Port);
    /// `timeout` (seconds, 0 = never).
    timeout: u64 = int(Timeout);
    /// `tcp-keepalive` (seconds).
    tcp_keepalive: u64 = int(TcpKeepalive);
    /// `tcp-backlog`.
    tcp_backlog: u32 = int(TcpBacklog);
    /// `maxclients`.
    maxclients: u64 = int(Maxclients);
    /// `client-query-buffer-limit` (bytes).
    client_query_buffer_limit: u64 = mem(ClientQueryBufferLimit);
    /// `proto-max-bulk-len` (bytes).
    proto_max_bulk_len: u64 = mem(ProtoMaxBulkLen);
    /// `daemonize`.
    daemonize: bool = flag(Daemonize);
    /// `databases`.
    databases: usize = int(Databases);
    /// `hz` (already clamped to 1..=500).
    hz: u32 = int(Hz);
    /// `dynamic-hz`.
    dynamic_hz: bool = flag(DynamicHz);
    /// `active-expire-effort` (1..=10).
    active_expire_effort: u32 = int(ActiveExpireEffort);
    /// `maxmemory` (bytes, 0 = no limit).
    maxmemory: u64 = mem(Maxmemory);
    /// `maxmemory-samples`.
    maxmemory_samples: u32 = int(MaxmemorySamples);
    /// `maxmemory-eviction-tenacity`.
    maxmemory_eviction_tenacity: u32 = int(MaxmemoryEvictionTenacity);
    /// `lazyfree-lazy-eviction`.
    lazyfree_lazy_eviction: bool = flag(LazyfreeLazyEviction);
    /// `lazyfree-lazy-expire`.
    lazyfree_lazy_expire: bool = flag(LazyfreeLazyExpire);
    /// `lazyfree-lazy-server-del`.
    lazyfree_lazy_server_del: bool = flag(LazyfreeLazyServerDel);
    /// `lazyfree-lazy-user-del`.
    lazyfree_lazy_user_del: bool = flag(LazyfreeLazyUserDel);
    /// `lazyfree-lazy-user-flush`.
    lazyfree_lazy_user_flush: bool = flag(LazyfreeLazyUserFlush);
    /// `appendonly`.
    appendonly: bool = flag(Appendonly);
    /// `hash-max-listpack-entries`.
    hash_max_listpack_entries: u64 = int(HashMaxListpackEntries);
    /// `hash-max-listpack-value` (bytes).
    hash_max_listpack_value: u64 = mem(HashMaxListpackValue);
    /// `zset-max-listpack-entries`.
    zset_max_listpack_entries: u64 = int(ZsetMaxListpackEntries);
    /// `zset-max-listpack-value` (bytes).
    zset_max_listpack_value: u64 = mem(ZsetMaxListpackValue);
    /// `set-max-intset-entries`.
    set_max_intset_entries: u64 = int(SetMaxIntsetEntries);
    /// `list-max-listpack-size` (negative: size class -1..-5).
    list_max_listpack_size: i32 = int(ListMaxListpackSize);
    /// `list-compress-depth`.
    list_compress_depth: u32 = int(ListCompressDepth);
    /// `stream-node-max-bytes`.
    stream_node_max_bytes: u64 = mem(StreamNodeMaxBytes);
    /// `stream-node-max-entries`.
    stream_node_max_entries: u64 = int(StreamNodeMaxEntries);
    /// `hll-sparse-max-bytes`.
    hll_sparse_max_bytes: u64 = mem(HllSparseMaxBytes);
    /// `slowlog-log-slower-than` (microseconds, -1 = off).
    slowlog_log_slower_than: i64 = int(SlowlogLogSlowerThan);
    /// `slowlog-max-len`.
    slowlog_max_len: u64 = int(SlowlogMaxLen);
    /// `latency-monitor-threshold` (milliseconds).
    latency_monitor_threshold: u64 = int(LatencyMonitorThreshold);
    /// `protected-mode`.
    protected_mode: bool = flag(ProtectedMode);
    /// `tracking-table-max-keys`.
    tracking_table_max_keys: u64 = int(TrackingTableMaxKeys);
    /// `busy-reply-threshold` / `lua-time-limit` (milliseconds).
    busy_reply_threshold: u64 = int(BusyReplyThreshold);
    /// `set-proc-title`.
    set_proc_title: bool = flag(SetProcTitle);
    /// `io-threads`.
    io_threads: u32 = int(IoThreads);
    /// `lfu-log-factor`.
    lfu_log_factor: u32 = int(LfuLogFactor);
    /// `lfu-decay-time`.
    lfu_decay_time: u32 = int(LfuDecayTime);
    /// `stop-writes-on-bgsave-error`.
    stop_writes_on_bgsave_error: bool = flag(StopWritesOnBgsaveError);
    /// `rdbcompression`.
    rdbcompression: bool = flag(Rdbcompression);
    /// `rdbchecksum`.
    rdbchecksum: bool = flag(Rdbchecksum);
}

impl Config {
    /// `bind` addresses (empty: listen on no TCP address).
    pub fn bind(&self) -> &[String] {
        match self.get(Param::Bind) {
            Value::Bind(v) => v,
            v => unreachable!("bind is {v:?}"),
        }
    }
    /// `unixsocket` (`None` when unset).
    pub fn unixsocket(&self) -> Option<&str> {
        Some(self.string(Param::Unixsocket)).filter(|s| !s.is_empty())
    }
    /// `unixsocketperm` (0: leave as created).
    pub fn unixsocketperm(&self) -> u32 {
        match self.get(Param::Unixsocketperm) {
            Value::Octal(n) => *n,
            v => unreachable!("unixsocketperm is {v:?}"),
        }
    }
    /// `loglevel`.
    pub fn loglevel(&self) -> LogLevel {
        match self.enum_value(Param::Loglevel) {
            0 => LogLevel::Debug,
            1 => LogLevel::Verbose,
            2 => LogLevel::Notice,
            _ => LogLevel::Warning,
        }
    }
    /// `logfile` (`""`: standard output).
    pub fn logfile(&self) -> &str {
        self.string(Param::Logfile)
    }
    /// `pidfile` (`None` when unset).
    pub fn pidfile(&self) -> Option<&str> {
        Some(self.string(Param::Pidfile)).filter(|s| !s.is_empty())
    }
    /// `dir`: the absolute working directory (the server chdirs there).
    pub fn dir(&self) -> &Path {
        match self.get(Param::Dir) {
            Value::Dir(p) => p,
            v => unreachable!("dir is {v:?}"),
        }
    }
    /// `dbfilename`.
    pub fn dbfilename(&self) -> &str {
        self.string(Param::Dbfilename)
    }
    /// `requirepass` (`None` when unset).
    pub fn requirepass(&self) -> Option<&str> {
        Some(self.string(Param::Requirepass)).filter(|s| !s.is_empty())
    }
    /// `maxmemory-policy`: what the store evicts with (`None`: `noeviction`).
    pub fn maxmemory_policy(&self) -> Option<cedis_store::EvictPolicy> {
        use cedis_store::EvictPolicy::*;
        [
            VolatileLru,
            VolatileLfu,
            VolatileRandom,
            VolatileTtl,
            AllkeysLru,
            AllkeysLfu,
            AllkeysRandom,
        ]
        .get(self.enum_value(Param::MaxmemoryPolicy) as usize)
        .copied()
    }
    /// `save` points (empty: RDB snapshots disabled).
    pub fn save(&self) -> &[SavePoint] {
        match self.get(Param::Save) {
            Value::Save(v) => v,
            v => unreachable!("save is {v:?}"),
        }
    }
    /// `appendfsync`.
    pub fn appendfsync(&self) -> AppendFsync {
        match self.enum_value(Param::Appendfsync) {
            1 => AppendFsync::Always,
            2 => AppendFsync::EverySec,
            _ => AppendFsync::No,
        }
    }
    /// `notify-keyspace-events` as a bit set (see [`notify`]).
    pub fn notify_keyspace_events(&self) -> u32 {
        match self.get(Param::NotifyKeyspaceEvents) {
            Value::Notify(n) => *n,
            v => unreachable!("notify-keyspace-events is {v:?}"),
        }
    }
    /// `client-output-buffer-limit` of one class.
    pub fn client_output_buffer_limit(&self, class: ClientClass) -> OutputBufferLimit {
        match self.get(Param::ClientOutputBufferLimit) {
            Value::OutputBufferLimits(l) => l[class as usize],
            v => unreachable!("client-output-buffer-limit is {v:?}"),
        }
    }
    fn enable_for(&self, p: Param) -> EnableFor {
        match self.enum_value(p) {
            1 => EnableFor::Yes,
            2 => EnableFor::Local,
            _ => EnableFor::No,
        }
    }
    /// `enable-debug-command`.
    pub fn enable_debug_command(&self) -> EnableFor {
        self.enable_for(Param::EnableDebugCommand)
    }
    /// `enable-module-command`.
    pub fn enable_module_command(&self) -> EnableFor {
        self.enable_for(Param::EnableModuleCommand)
    }
    /// `enable-protected-configs`.
    pub fn enable_protected_configs(&self) -> EnableFor {
        self.enable_for(Param::EnableProtectedConfigs)
    }
    /// `replicaof` host and port, if set.
    pub fn replicaof(&self) -> Option<(&str, u16)> {
        match self.get(Param::Replicaof) {
            Value::ReplicaOf(Some((h, p))) => Some((h, *p)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
