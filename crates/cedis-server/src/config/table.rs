//! The parameter table: every configuration parameter redis-server 7.0.15
//! knows, as data (name, aliases, kind, default, flags).
//!
//! Gathered from a real `redis-server` 7.0.15: `CONFIG GET *` for names and
//! defaults, `CONFIG SET` probes for kinds, ranges, enum values and
//! immutability.

/// Flags of a parameter. A plain bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags(u8);

impl Flags {
    /// No flag.
    pub const NONE: Flags = Flags(0);
    /// Only settable at startup (`can't set immutable config`).
    pub const IMMUTABLE: Flags = Flags(1);
    /// Settable only when `enable-protected-configs` allows it
    /// (`can't set protected config`).
    pub const PROTECTED: Flags = Flags(2);
    /// Holds a secret: redact it in logs, SLOWLOG and MONITOR. CONFIG GET still
    /// returns it, as redis-server does.
    pub const SENSITIVE: Flags = Flags(4);
    /// Not returned by glob patterns in CONFIG GET, only by its exact name.
    pub const HIDDEN: Flags = Flags(8);
    /// Accepted, validated, stored and reported, but cedis does not act on it.
    pub const STORED_ONLY: Flags = Flags(16);

    /// Whether all bits of `other` are set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

const IMM: Flags = Flags::IMMUTABLE;
const NA: Flags = Flags::STORED_ONLY;
const IMM_NA: Flags = Flags(Flags::IMMUTABLE.0 | Flags::STORED_ONLY.0);
const NONE: Flags = Flags::NONE;
const SENS: Flags = Flags::SENSITIVE;
const SENS_NA: Flags = Flags(Flags::SENSITIVE.0 | Flags::STORED_ONLY.0);
const PROT: Flags = Flags::PROTECTED;
const HID_NA: Flags = Flags(Flags::HIDDEN.0 | Flags::STORED_ONLY.0);

/// Extra validation of a string parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrCheck {
    /// Any string.
    Any,
    /// `cluster-announce-hostname`: alphanumerics, `-` and `.`.
    Hostname,
    /// `proc-title-template`: `{title}` required, known variables only.
    ProcTitle,
    /// `dbfilename`, `appendfilename`: no `/`.
    FileName(&'static str),
    /// `appenddirname`: no `/`.
    DirName(&'static str),
}

/// The special parameters, each with its own syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// `save`: seconds/changes pairs.
    Save,
    /// `client-output-buffer-limit`: class hard soft seconds, repeated.
    ClientOutputBufferLimit,
    /// `notify-keyspace-events`: class letters.
    NotifyKeyspaceEvents,
    /// `oom-score-adj-values`: three integers.
    OomScoreAdjValues,
    /// `bind`: up to 16 addresses.
    Bind,
    /// `replicaof`: host port, or `no one`.
    ReplicaOf,
    /// `latency-tracking-info-percentiles`: floats in [0, 100].
    Percentiles,
    /// `dir`: the working directory (setting it is a chdir, done by the server).
    Dir,
    /// `maxmemory-clients`: memory value or percentage.
    MemoryOrPercent,
}

/// The kind of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `yes`/`no`, case-insensitive.
    Bool,
    /// A strict decimal integer within `min..=max`.
    Int { min: i64, max: i64 },
    /// A memory value (`1gb`, `10k`...) within `min..=max`.
    Memory { min: u64, max: u64 },
    /// An octal integer within `0..=max`, shown in octal.
    Octal { max: u32 },
    /// One of the names; several names may share a value (the first one is
    /// shown). `multi` enums (`shutdown-on-sigint`) are bit sets of values.
    Enum {
        names: &'static [(&'static str, u32)],
        multi: bool,
    },
    /// A string.
    Str(StrCheck),
    /// A parameter with its own syntax.
    Special(Special),
}

impl Kind {
    /// Whether a single value argument is split into several words
    /// (`--save "900 1"`, `CONFIG SET bind "a b"`).
    pub fn is_multi_arg(self) -> bool {
        matches!(
            self,
            Kind::Special(
                Special::Save
                    | Special::ClientOutputBufferLimit
                    | Special::OomScoreAdjValues
                    | Special::Bind
                    | Special::ReplicaOf
                    | Special::Percentiles
            ) | Kind::Enum { multi: true, .. }
        )
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct ParamSpec {
    /// The parameter.
    pub id: Param,
    /// Its name.
    pub name: &'static str,
    /// Other names it answers to (all shown by `CONFIG GET *`, as Redis does).
    pub aliases: &'static [&'static str],
    /// Its kind.
    pub kind: Kind,
    /// Its default, in config-file syntax (`dir`'s default is the start-up cwd).
    pub default: &'static str,
    /// Its flags.
    pub flags: Flags,
}

const I32: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);
const INT: Kind = Kind::Int {
    min: 0,
    max: i32::MAX as i64,
};
const LONG: Kind = Kind::Int {
    min: 0,
    max: i64::MAX,
};
const PORT: Kind = Kind::Int { min: 0, max: 65535 };
const MEM: Kind = Kind::Memory {
    min: 0,
    max: i64::MAX as u64,
};
const ULLMEM: Kind = Kind::Memory {
    min: 0,
    max: u64::MAX,
};
const STR: Kind = Kind::Str(StrCheck::Any);
const B: Kind = Kind::Bool;

const fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}
const fn en(names: &'static [(&'static str, u32)]) -> Kind {
    Kind::Enum {
        names,
        multi: false,
    }
}
const fn sp(s: Special) -> Kind {
    Kind::Special(s)
}

const YES_NO_LOCAL: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("local", 2)];
const SHUTDOWN: &[(&str, u32)] = &[
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];

/// Values of `maxmemory-policy`.
pub const MAXMEMORY_POLICIES: &[(&str, u32)] = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];

macro_rules! params {
    ($($var:ident $name:literal [$($alias:literal),*] $kind:expr, $def:literal, $flags:expr;)*) => {
        /// A configuration parameter (the canonical one, for aliases).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum Param { $($var),* }

        /// The table, in `Param` order.
        pub static PARAMS: &[ParamSpec] = &[
            $(ParamSpec { id: Param::$var, name: $name, aliases: &[$($alias),*],
                          kind: $kind, default: $def, flags: $flags },)*
        ];
    };
}

params! {
    AclPubsubDefault "acl-pubsub-default" [] en(&[("allchannels", 1), ("resetchannels", 0)]), "resetchannels", NA;
    Aclfile "aclfile" [] STR, "", IMM_NA;
    AcllogMaxLen "acllog-max-len" [] LONG, "128", NA;
    ActiveDefragCycleMax "active-defrag-cycle-max" [] int(1, 99), "25", NA;
    ActiveDefragCycleMin "active-defrag-cycle-min" [] int(1, 99), "1", NA;
    ActiveDefragIgnoreBytes "active-defrag-ignore-bytes" [] Kind::Memory { min: 1, max: i64::MAX as u64 }, "104857600", NA;
    ActiveDefragMaxScanFields "active-defrag-max-scan-fields" [] int(1, i64::MAX), "1000", NA;
    ActiveDefragThresholdLower "active-defrag-threshold-lower" [] int(0, 1000), "10", NA;
    ActiveDefragThresholdUpper "active-defrag-threshold-upper" [] int(0, 1000), "100", NA;
    ActiveExpireEffort "active-expire-effort" [] int(1, 10), "1", NONE;
    Activedefrag "activedefrag" [] B, "no", NA;
    Activerehashing "activerehashing" [] B, "yes", NA;
    AlwaysShowLogo "always-show-logo" [] B, "no", IMM_NA;
    AofDisableAutoGc "aof-disable-auto-gc" [] B, "no", NA;
    AofLoadTruncated "aof-load-truncated" [] B, "yes", NA;
    AofRewriteIncrementalFsync "aof-rewrite-incremental-fsync" [] B, "yes", NA;
    AofTimestampEnabled "aof-timestamp-enabled" [] B, "no", NA;
    AofUseRdbPreamble "aof-use-rdb-preamble" [] B, "yes", NA;
    AofRewriteCpulist "aof_rewrite_cpulist" [] STR, "", IMM_NA;
    Appenddirname "appenddirname" [] Kind::Str(StrCheck::DirName("appenddirname")), "appendonlydir", IMM;
    Appendfilename "appendfilename" [] Kind::Str(StrCheck::FileName("appendfilename")), "appendonly.aof", IMM;
    Appendfsync "appendfsync" [] en(&[("everysec", 2), ("always", 1), ("no", 0)]), "everysec", NONE;
    Appendonly "appendonly" [] B, "no", NONE;
    AutoAofRewriteMinSize "auto-aof-rewrite-min-size" [] MEM, "67108864", NA;
    AutoAofRewritePercentage "auto-aof-rewrite-percentage" [] INT, "100", NA;
    BgsaveCpulist "bgsave_cpulist" [] STR, "", IMM_NA;
    Bind "bind" [] sp(Special::Bind), "* -::*", NONE;
    BindSourceAddr "bind-source-addr" [] STR, "", NA;
    BioCpulist "bio_cpulist" [] STR, "", IMM_NA;
    BusyReplyThreshold "busy-reply-threshold" ["lua-time-limit"] LONG, "5000", NONE;
    ClientOutputBufferLimit "client-output-buffer-limit" [] sp(Special::ClientOutputBufferLimit),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", NONE;
    ClientQueryBufferLimit "client-query-buffer-limit" [] Kind::Memory { min: 1 << 20, max: i64::MAX as u64 }, "1073741824", NONE;
    ClusterAllowPubsubshardWhenDown "cluster-allow-pubsubshard-when-down" [] B, "yes", NA;
    ClusterAllowReadsWhenDown "cluster-allow-reads-when-down" [] B, "no", NA;
    ClusterAllowReplicaMigration "cluster-allow-replica-migration" [] B, "yes", NA;
    ClusterAnnounceBusPort "cluster-announce-bus-port" [] PORT, "0", NA;
    ClusterAnnounceHostname "cluster-announce-hostname" [] Kind::Str(StrCheck::Hostname), "", NA;
    ClusterAnnounceIp "cluster-announce-ip" [] STR, "", NA;
    ClusterAnnouncePort "cluster-announce-port" [] PORT, "0", NA;
    ClusterAnnounceTlsPort "cluster-announce-tls-port" [] PORT, "0", NA;
    ClusterConfigFile "cluster-config-file" [] STR, "nodes.conf", IMM_NA;
    ClusterEnabled "cluster-enabled" [] B, "no", IMM_NA;
    ClusterLinkSendbufLimit "cluster-link-sendbuf-limit" [] ULLMEM, "0", NA;
    ClusterMigrationBarrier "cluster-migration-barrier" [] INT, "1", NA;
    ClusterNodeTimeout "cluster-node-timeout" [] LONG, "15000", NA;
    ClusterPort "cluster-port" [] PORT, "0", IMM_NA;
    ClusterPreferredEndpointType "cluster-preferred-endpoint-type" []
        en(&[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)]), "ip", NA;
    ClusterReplicaNoFailover "cluster-replica-no-failover" ["cluster-slave-no-failover"] B, "no", NA;
    ClusterReplicaValidityFactor "cluster-replica-validity-factor" ["cluster-slave-validity-factor"] INT, "10", NA;
    ClusterRequireFullCoverage "cluster-require-full-coverage" [] B, "yes", NA;
    CrashLogEnabled "crash-log-enabled" [] B, "yes", NA;
    CrashMemcheckEnabled "crash-memcheck-enabled" [] B, "yes", NA;
    Daemonize "daemonize" [] B, "no", IMM;
    Databases "databases" [] int(1, i32::MAX as i64), "16", IMM;
    Dbfilename "dbfilename" [] Kind::Str(StrCheck::FileName("dbfilename")), "dump.rdb", PROT;
    Dir "dir" [] sp(Special::Dir), "", PROT;
    DisableThp "disable-thp" [] B, "yes", IMM_NA;
    DynamicHz "dynamic-hz" [] B, "yes", NONE;
    EnableDebugCommand "enable-debug-command" [] en(YES_NO_LOCAL), "no", IMM;
    EnableModuleCommand "enable-module-command" [] en(YES_NO_LOCAL), "no", IMM;
    EnableProtectedConfigs "enable-protected-configs" [] en(YES_NO_LOCAL), "no", IMM;
    HashMaxListpackEntries "hash-max-listpack-entries" ["hash-max-ziplist-entries"] LONG, "512", NONE;
    HashMaxListpackValue "hash-max-listpack-value" ["hash-max-ziplist-value"] MEM, "64", NONE;
    HllSparseMaxBytes "hll-sparse-max-bytes" [] MEM, "3000", NONE;
    Hz "hz" [] INT, "10", NONE;
    IgnoreWarnings "ignore-warnings" [] STR, "", NA;
    IoThreads "io-threads" [] int(1, 128), "1", IMM;
    IoThreadsDoReads "io-threads-do-reads" [] B, "no", IMM_NA;
    JemallocBgThread "jemalloc-bg-thread" [] B, "yes", NA;
    KeyLoadDelay "key-load-delay" [] int(I32.0, I32.1), "0", HID_NA;
    LatencyMonitorThreshold "latency-monitor-threshold" [] LONG, "0", NONE;
    LatencyTracking "latency-tracking" [] B, "yes", NA;
    LatencyTrackingInfoPercentiles "latency-tracking-info-percentiles" [] sp(Special::Percentiles), "50 99 99.9", NA;
    LazyfreeLazyEviction "lazyfree-lazy-eviction" [] B, "no", NONE;
    LazyfreeLazyExpire "lazyfree-lazy-expire" [] B, "no", NONE;
    LazyfreeLazyServerDel "lazyfree-lazy-server-del" [] B, "no", NONE;
    LazyfreeLazyUserDel "lazyfree-lazy-user-del" [] B, "no", NONE;
    LazyfreeLazyUserFlush "lazyfree-lazy-user-flush" [] B, "no", NONE;
    LfuDecayTime "lfu-decay-time" [] INT, "1", NONE;
    LfuLogFactor "lfu-log-factor" [] INT, "10", NONE;
    ListCompressDepth "list-compress-depth" [] INT, "0", NONE;
    ListMaxListpackSize "list-max-listpack-size" ["list-max-ziplist-size"] int(I32.0, I32.1), "-2", NONE;
    LoadingProcessEventsIntervalBytes "loading-process-events-interval-bytes" [] int(1024, i32::MAX as i64), "2097152", HID_NA;
    Logfile "logfile" [] STR, "", IMM;
    Loglevel "loglevel" [] en(&[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)]), "notice", NONE;
    Masterauth "masterauth" [] STR, "", SENS_NA;
    Masteruser "masteruser" [] STR, "", NA;
    Maxclients "maxclients" [] int(1, u32::MAX as i64), "10000", NONE;
    Maxmemory "maxmemory" [] ULLMEM, "0", NONE;
    MaxmemoryClients "maxmemory-clients" [] sp(Special::MemoryOrPercent), "0", NA;
    MaxmemoryEvictionTenacity "maxmemory-eviction-tenacity" [] int(0, 100), "10", NONE;
    MaxmemoryPolicy "maxmemory-policy" [] en(MAXMEMORY_POLICIES), "noeviction", NONE;
    MaxmemorySamples "maxmemory-samples" [] int(1, i32::MAX as i64), "5", NONE;
    MinReplicasMaxLag "min-replicas-max-lag" ["min-slaves-max-lag"] INT, "10", NA;
    MinReplicasToWrite "min-replicas-to-write" ["min-slaves-to-write"] INT, "0", NA;
    NoAppendfsyncOnRewrite "no-appendfsync-on-rewrite" [] B, "no", NA;
    NotifyKeyspaceEvents "notify-keyspace-events" [] sp(Special::NotifyKeyspaceEvents), "", NONE;
    OomScoreAdj "oom-score-adj" [] en(&[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)]), "no", NA;
    OomScoreAdjValues "oom-score-adj-values" [] sp(Special::OomScoreAdjValues), "0 200 800", NA;
    Pidfile "pidfile" [] STR, "", IMM;
    Port "port" [] PORT, "6379", NONE;
    ProcTitleTemplate "proc-title-template" [] Kind::Str(StrCheck::ProcTitle), "{title} {listen-addr} {server-mode}", NONE;
    PropagationErrorBehavior "propagation-error-behavior" []
        en(&[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)]), "ignore", NA;
    ProtectedMode "protected-mode" [] B, "yes", NONE;
    ProtoMaxBulkLen "proto-max-bulk-len" [] Kind::Memory { min: 1 << 20, max: i64::MAX as u64 }, "536870912", NONE;
    RdbDelSyncFiles "rdb-del-sync-files" [] B, "no", NA;
    RdbKeySaveDelay "rdb-key-save-delay" [] int(I32.0, I32.1), "0", HID_NA;
    RdbSaveIncrementalFsync "rdb-save-incremental-fsync" [] B, "yes", NA;
    Rdbchecksum "rdbchecksum" [] B, "yes", IMM;
    Rdbcompression "rdbcompression" [] B, "yes", NONE;
    ReplBacklogSize "repl-backlog-size" [] Kind::Memory { min: 1, max: i64::MAX as u64 }, "1048576", NA;
    ReplBacklogTtl "repl-backlog-ttl" [] LONG, "3600", NA;
    ReplDisableTcpNodelay "repl-disable-tcp-nodelay" [] B, "no", NA;
    ReplDisklessLoad "repl-diskless-load" [] en(&[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)]), "disabled", NA;
    ReplDisklessSync "repl-diskless-sync" [] B, "yes", NA;
    ReplDisklessSyncDelay "repl-diskless-sync-delay" [] INT, "5", NA;
    ReplDisklessSyncMaxReplicas "repl-diskless-sync-max-replicas" [] INT, "0", NA;
    ReplPingReplicaPeriod "repl-ping-replica-period" ["repl-ping-slave-period"] int(1, i32::MAX as i64), "10", NA;
    ReplTimeout "repl-timeout" [] int(1, i32::MAX as i64), "60", NA;
    ReplicaAnnounceIp "replica-announce-ip" ["slave-announce-ip"] STR, "", NA;
    ReplicaAnnouncePort "replica-announce-port" ["slave-announce-port"] PORT, "0", NA;
    ReplicaAnnounced "replica-announced" [] B, "yes", NA;
    ReplicaIgnoreDiskWriteErrors "replica-ignore-disk-write-errors" [] B, "no", NA;
    ReplicaIgnoreMaxmemory "replica-ignore-maxmemory" ["slave-ignore-maxmemory"] B, "yes", NA;
    ReplicaLazyFlush "replica-lazy-flush" ["slave-lazy-flush"] B, "no", NA;
    ReplicaPriority "replica-priority" ["slave-priority"] INT, "100", NA;
    ReplicaReadOnly "replica-read-only" ["slave-read-only"] B, "yes", NA;
    ReplicaServeStaleData "replica-serve-stale-data" ["slave-serve-stale-data"] B, "yes", NA;
    Replicaof "replicaof" ["slaveof"] sp(Special::ReplicaOf), "", IMM_NA;
    Requirepass "requirepass" [] STR, "", SENS;
    SanitizeDumpPayload "sanitize-dump-payload" [] en(&[("no", 0), ("yes", 1), ("clients", 2)]), "no", NA;
    Save "save" [] sp(Special::Save), "3600 1 300 100 60 10000", NONE;
    ServerCpulist "server_cpulist" [] STR, "", IMM_NA;
    SetMaxIntsetEntries "set-max-intset-entries" [] LONG, "512", NONE;
    SetProcTitle "set-proc-title" [] B, "yes", IMM;
    ShutdownOnSigint "shutdown-on-sigint" [] Kind::Enum { names: SHUTDOWN, multi: true }, "default", NONE;
    ShutdownOnSigterm "shutdown-on-sigterm" [] Kind::Enum { names: SHUTDOWN, multi: true }, "default", NONE;
    ShutdownTimeout "shutdown-timeout" [] INT, "10", NA;
    SlowlogLogSlowerThan "slowlog-log-slower-than" [] int(-1, i64::MAX), "10000", NONE;
    SlowlogMaxLen "slowlog-max-len" [] LONG, "128", NONE;
    SocketMarkId "socket-mark-id" [] int(0, u32::MAX as i64), "0", IMM_NA;
    StopWritesOnBgsaveError "stop-writes-on-bgsave-error" [] B, "yes", NONE;
    StreamNodeMaxBytes "stream-node-max-bytes" [] MEM, "4096", NONE;
    StreamNodeMaxEntries "stream-node-max-entries" [] LONG, "100", NONE;
    Supervised "supervised" [] en(&[("upstart", 1), ("systemd", 2), ("auto", 3), ("no", 0)]), "no", IMM_NA;
    SyslogEnabled "syslog-enabled" [] B, "no", IMM_NA;
    SyslogFacility "syslog-facility" [] en(&[("user", 0), ("local0", 1), ("local1", 2), ("local2", 3),
        ("local3", 4), ("local4", 5), ("local5", 6), ("local6", 7), ("local7", 8)]), "local0", IMM_NA;
    SyslogIdent "syslog-ident" [] STR, "redis", IMM_NA;
    TcpBacklog "tcp-backlog" [] INT, "511", IMM;
    TcpKeepalive "tcp-keepalive" [] INT, "300", NONE;
    Timeout "timeout" [] INT, "0", NONE;
    TlsAuthClients "tls-auth-clients" [] en(&[("no", 0), ("yes", 1), ("optional", 2)]), "yes", NA;
    TlsCaCertDir "tls-ca-cert-dir" [] STR, "", NA;
    TlsCaCertFile "tls-ca-cert-file" [] STR, "", NA;
    TlsCertFile "tls-cert-file" [] STR, "", NA;
    TlsCiphers "tls-ciphers" [] STR, "", NA;
    TlsCiphersuites "tls-ciphersuites" [] STR, "", NA;
    TlsClientCertFile "tls-client-cert-file" [] STR, "", NA;
    TlsClientKeyFile "tls-client-key-file" [] STR, "", NA;
    TlsClientKeyFilePass "tls-client-key-file-pass" [] STR, "", SENS_NA;
    TlsCluster "tls-cluster" [] B, "no", NA;
    TlsDhParamsFile "tls-dh-params-file" [] STR, "", NA;
    TlsKeyFile "tls-key-file" [] STR, "", NA;
    TlsKeyFilePass "tls-key-file-pass" [] STR, "", SENS_NA;
    TlsPort "tls-port" [] PORT, "0", NA;
    TlsPreferServerCiphers "tls-prefer-server-ciphers" [] B, "no", NA;
    TlsProtocols "tls-protocols" [] STR, "", NA;
    TlsReplication "tls-replication" [] B, "no", NA;
    TlsSessionCacheSize "tls-session-cache-size" [] INT, "20480", NA;
    TlsSessionCacheTimeout "tls-session-cache-timeout" [] INT, "300", NA;
    TlsSessionCaching "tls-session-caching" [] B, "yes", NA;
    TrackingTableMaxKeys "tracking-table-max-keys" [] LONG, "1000000", NONE;
    Unixsocket "unixsocket" [] STR, "", IMM;
    Unixsocketperm "unixsocketperm" [] Kind::Octal { max: 0o777 }, "0", IMM;
    ZsetMaxListpackEntries "zset-max-listpack-entries" ["zset-max-ziplist-entries"] LONG, "128", NONE;
    ZsetMaxListpackValue "zset-max-listpack-value" ["zset-max-ziplist-value"] MEM, "64", NONE;
}

impl Param {
    /// The table row of this parameter.
    pub fn spec(self) -> &'static ParamSpec {
        &PARAMS[self as usize]
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Finds a parameter by name or alias, case-insensitively.
    pub fn lookup(name: &[u8]) -> Option<Param> {
        PARAMS
            .iter()
            .find(|s| {
                s.name.as_bytes().eq_ignore_ascii_case(name)
                    || s.aliases
                        .iter()
                        .any(|a| a.as_bytes().eq_ignore_ascii_case(name))
            })
            .map(|s| s.id)
    }
}

/// Directives Redis 7.0 accepts and ignores (`name`, min args, max args).
pub const DEPRECATED: &[(&str, usize, usize)] = &[
    ("list-max-ziplist-entries", 1, 1),
    ("list-max-ziplist-value", 1, 1),
    ("lua-replicate-commands", 1, 1),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (i, s) in PARAMS.iter().enumerate() {
            assert_eq!(s.id as usize, i, "{}", s.name);
            assert!(seen.insert(s.name), "{}", s.name);
            for a in s.aliases {
                assert!(seen.insert(a), "{a}");
            }
        }
        // 173 canonical names visible in `CONFIG GET *`, 19 aliases, 3 hidden.
        assert_eq!(PARAMS.len(), 176);
        assert_eq!(seen.len(), 195);
    }

    #[test]
    fn lookup_is_case_insensitive_and_knows_aliases() {
        assert_eq!(Param::lookup(b"PORT"), Some(Param::Port));
        assert_eq!(Param::lookup(b"slaveof"), Some(Param::Replicaof));
        assert_eq!(
            Param::lookup(b"Hash-Max-Ziplist-Entries"),
            Some(Param::HashMaxListpackEntries)
        );
        assert_eq!(
            Param::lookup(b"lua-time-limit"),
            Some(Param::BusyReplyThreshold)
        );
        assert_eq!(Param::lookup(b"nosuch"), None);
    }
}
