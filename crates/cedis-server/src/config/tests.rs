//! Tests of `Config`: GET formatting, atomic SET and its error texts,
//! loading of quoted lines, includes and aliases, rewrite, and Debian's
//! `/etc/redis/redis.conf`. Expected texts were collected from a real
//! redis-server 7.0.15.

use std::path::PathBuf;

use super::*;

fn cfg() -> Config {
    Config::with_dir(PathBuf::from("/tmp"))
}

fn get(c: &Config, pats: &[&str]) -> Vec<(String, String)> {
    let p: Vec<&[u8]> = pats.iter().map(|s| s.as_bytes()).collect();
    c.get_matching(&p)
}

fn set(c: &mut Config, pairs: &[(&str, &str)]) -> Result<Vec<Param>, String> {
    let p: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(a, b)| (a.as_bytes(), b.as_bytes()))
        .collect();
    c.set_many(&p).map_err(|e| e.to_string())
}

fn one(c: &Config, name: &str) -> String {
    c.get_one(name).unwrap()
}

#[test]
fn defaults_match_redis_config_get() {
    let c = cfg();
    let all = get(&c, &["*"]);
    assert_eq!(all.len(), 192);
    let want = [
        ("bind", "* -::*"),
        ("save", "3600 1 300 100 60 10000"),
        (
            "client-output-buffer-limit",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        ),
        ("oom-score-adj-values", "0 200 800"),
        ("latency-tracking-info-percentiles", "50 99 99.9"),
        ("notify-keyspace-events", ""),
        ("unixsocketperm", "0"),
        ("proto-max-bulk-len", "536870912"),
        ("maxmemory-policy", "noeviction"),
        ("shutdown-on-sigint", "default"),
        ("replicaof", ""),
        ("slaveof", ""),
        ("dir", "/tmp"),
        ("hz", "10"),
        ("list-max-ziplist-size", "-2"),
        ("lua-time-limit", "5000"),
        ("enable-debug-command", "no"),
        ("appendfsync", "everysec"),
        ("syslog-facility", "local0"),
    ];
    for (n, v) in want {
        assert!(all.contains(&(n.to_string(), v.to_string())), "{n}");
    }
    assert!(!all.iter().any(|(n, _)| n == "key-load-delay"));
}

#[test]
fn get_patterns_exact_names_and_dedup() {
    let c = cfg();
    assert_eq!(
        get(&c, &["slaveof", "slaveof"]),
        [("slaveof".into(), "".into())]
    );
    assert_eq!(get(&c, &["slaveof", "replicaof"]).len(), 2);
    assert_eq!(
        get(&c, &["HASH-MAX-ZIPLIST-ENTRIES"]),
        [("HASH-MAX-ZIPLIST-ENTRIES".into(), "512".into())]
    );
    assert_eq!(get(&c, &["hash-max-*-entries"]).len(), 2);
    assert_eq!(
        get(&c, &["key-load-delay"]),
        [("key-load-delay".into(), "0".into())]
    );
    assert!(get(&c, &["key-*"]).is_empty());
    assert!(get(&c, &["maxmemory?"]).is_empty());
    assert_eq!(
        get(&c, &["maxmemor[y]"]),
        [("maxmemory".into(), "0".into())]
    );
    assert_eq!(get(&c, &["*maxmemory*"]).len(), 7);
    assert_eq!(get(&c, &["port", "*"]).len(), 192);
    assert!(get(&c, &["nosuch"]).is_empty());
}

#[test]
fn set_error_texts() {
    let mut c = cfg();
    let f = |n: &str, r: &str| {
        format!("ERR CONFIG SET failed (possibly related to argument '{n}') - {r}")
    };
    let cases: &[(&[(&str, &str)], String)] = &[
        (&[("foo", "1")], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into()),
        (&[("maxmemory", "1"), ("maxmemory", "2")], f("maxmemory", "duplicate parameter")),
        (&[("maxmemory", "1"), ("MAXMEMORY", "2")], f("MAXMEMORY", "duplicate parameter")),
        (&[("maxmemory", "abc")], f("maxmemory", "argument must be a memory value")),
        (&[("maxmemory", "1 kb")], f("maxmemory", "argument must be a memory value")),
        (&[("timeout", "abc")], f("timeout", "argument couldn't be parsed into an integer")),
        (&[("timeout", "05")], f("timeout", "argument couldn't be parsed into an integer")),
        (&[("timeout", "-1")], f("timeout", "argument must be between 0 and 2147483647 inclusive")),
        (&[("maxmemory-eviction-tenacity", "101")], f("maxmemory-eviction-tenacity", "argument must be between 0 and 100 inclusive")),
        (&[("slowlog-log-slower-than", "-2")], f("slowlog-log-slower-than", "argument must be between -1 and 9223372036854775807 inclusive")),
        (&[("acllog-max-len", "-1")], f("acllog-max-len", "argument must be between 0 and 9223372036854775807 inclusive")),
        (&[("hash-max-listpack-value", "9223372036854775808")], f("hash-max-listpack-value", "argument must be between 0 and 9223372036854775807 inclusive")),
        (&[("client-query-buffer-limit", "1k")], f("client-query-buffer-limit", "argument must be between 1048576 and 9223372036854775807 inclusive")),
        (&[("daemonize", "yes")], f("daemonize", "can't set immutable config")),
        (&[("maxmemory", "abc"), ("daemonize", "yes")], f("daemonize", "can't set immutable config")),
        (&[("timeout", "5"), ("timeout", "6"), ("daemonize", "x")], f("timeout", "duplicate parameter")),
        (&[("timeout", "x"), ("dir", "/tmp")], f("dir", "can't set protected config")),
        (&[("dbfilename", "x.rdb")], f("dbfilename", "can't set protected config")),
        (&[("unixsocketperm", "777")], f("unixsocketperm", "can't set immutable config")),
        (&[("slaveof", "")], f("slaveof", "can't set immutable config")),
        (&[("appendonly", "maybe")], f("appendonly", "argument must be 'yes' or 'no'")),
        (&[("appendfsync", "always everysec")], f("appendfsync", "argument(s) must be one of the following: everysec, always, no")),
        (&[("maxmemory-policy", "x")], f("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")),
        (&[("save", "900 1 300")], f("save", "Invalid save parameters")),
        (&[("save", "0 1")], f("save", "Invalid save parameters")),
        (&[("save", "  ")], f("save", "Invalid save parameters")),
        (&[("save", "\"900\" 1")], f("save", "Invalid save parameters")),
        (&[("notify-keyspace-events", "kea")], f("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")),
        (&[("client-output-buffer-limit", "master 1 2 3")], f("client-output-buffer-limit", "Invalid client class specified in buffer limit configuration.")),
        (&[("client-output-buffer-limit", "normal x 2 3")], f("client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")),
        (&[("client-output-buffer-limit", "normal 1 2 -3")], f("client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")),
        (&[("client-output-buffer-limit", "normal 1 2")], f("client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration.")),
        (&[("oom-score-adj-values", "0 200 800 1")], f("oom-score-adj-values", "wrong number of arguments")),
        (&[("oom-score-adj-values", "0 200 3000")], f("oom-score-adj-values", "Invalid oom-score-adj-values, elements must be between -2000 and 2000.")),
        (&[("maxclients", "0")], f("maxclients", "argument must be between 1 and 4294967295 inclusive")),
        (&[("maxmemory-clients", "101%")], f("maxmemory-clients", "percentage argument must be less or equal to 100")),
        (&[("maxmemory-clients", "1.5%")], f("maxmemory-clients", "argument must be a memory or percent value")),
        (&[("proc-title-template", "{title} {bad}")], f("proc-title-template", "template format is invalid or contains unknown variables")),
        (&[("latency-tracking-info-percentiles", "50 -1")], f("latency-tracking-info-percentiles", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")),
        (&[("latency-tracking-info-percentiles", "abc")], f("latency-tracking-info-percentiles", "Invalid latency-tracking-info-percentiles parameters")),
        (&[("shutdown-on-sigint", "save nosave")], f("shutdown-on-sigint", "shutdown options SAVE and NOSAVE can't be used simultaneously")),
        (&[("shutdown-on-sigint", "")], f("shutdown-on-sigint", "argument(s) must be one of the following: default, save, nosave, now, force")),
        (&[("cluster-announce-hostname", "a_b")], f("cluster-announce-hostname", "Hostnames may only contain alphanumeric characters, hyphens or dots")),
        (&[("key-load-delay", "abc")], f("key-load-delay", "argument couldn't be parsed into an integer")),
        (&[("loading-process-events-interval-bytes", "1")], f("loading-process-events-interval-bytes", "argument must be between 1024 and 2147483647 inclusive")),
    ];
    for (pairs, want) in cases {
        assert_eq!(set(&mut c, pairs).unwrap_err(), *want, "{pairs:?}");
    }
    let odd: Vec<&[u8]> = vec![b"port", b"1", b"timeout"];
    assert_eq!(
        c.set_args(&odd).unwrap_err().to_string(),
        "ERR syntax error"
    );
}

#[test]
fn set_is_atomic_and_reports_params() {
    let mut c = cfg();
    assert!(set(&mut c, &[("maxmemory", "1mb"), ("timeout", "abc")]).is_err());
    assert_eq!(one(&c, "maxmemory"), "0");
    assert!(set(
        &mut c,
        &[("client-output-buffer-limit", "normal 1 2 3 pubsub x 5 6")]
    )
    .is_err());
    assert_eq!(c.client_output_buffer_limit(ClientClass::Normal).hard, 0);
    let changed = set(
        &mut c,
        &[
            ("maxmemory", "1mb"),
            ("timeout", "7"),
            ("hash-max-ziplist-entries", "1"),
            ("hash-max-listpack-entries", "2"),
        ],
    )
    .unwrap();
    assert_eq!(
        changed,
        [
            Param::Maxmemory,
            Param::Timeout,
            Param::HashMaxListpackEntries,
            Param::HashMaxListpackEntries
        ]
    );
    assert_eq!(c.maxmemory(), 1 << 20);
    assert_eq!(c.timeout(), 7);
    assert_eq!(c.hash_max_listpack_entries(), 2);
    assert_eq!(
        set(
            &mut c,
            &[("lua-time-limit", "1"), ("busy-reply-threshold", "2")]
        )
        .unwrap()
        .len(),
        2
    );
    assert_eq!(one(&c, "lua-time-limit"), "2");
}

#[test]
fn get_formatting_of_special_params() {
    let mut c = cfg();
    let cases: &[(&str, &str, &str)] = &[
        ("maxmemory", "1Gb", "1073741824"),
        ("maxmemory", "1g", "1000000000"),
        (
            "maxmemory",
            "99999999999999999999999",
            "18446744073709551615",
        ),
        ("maxmemory", "", "0"),
        ("hz", "1000", "500"),
        ("hz", "0", "1"),
        ("appendonly", "YES", "yes"),
        ("maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru"),
        ("oom-score-adj", "relative", "yes"),
        ("save", "900 1 300 10", "900 1 300 10"),
        ("save", "01 +2", "1 2"),
        ("save", "", ""),
        ("notify-keyspace-events", "KEA", "AKE"),
        ("notify-keyspace-events", "Kng", "gnK"),
        (
            "client-output-buffer-limit",
            "normal 1mb 2mb 3",
            "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        ),
        (
            "client-output-buffer-limit",
            "replica 1 2 3 pubsub 4 5 6",
            "normal 1048576 2097152 3 slave 1 2 3 pubsub 4 5 6",
        ),
        (
            "client-output-buffer-limit",
            "normal 1 2 3 normal 4 5 6",
            "normal 4 5 6 slave 1 2 3 pubsub 4 5 6",
        ),
        (
            "client-output-buffer-limit",
            "",
            "normal 4 5 6 slave 1 2 3 pubsub 4 5 6",
        ),
        ("oom-score-adj-values", "+1 02 3", "1 2 3"),
        ("maxmemory-clients", "10%", "10%"),
        ("maxmemory-clients", "0%", "0"),
        ("maxmemory-clients", "1kb", "1024"),
        (
            "latency-tracking-info-percentiles",
            "50.0 99.9990 1e2",
            "50 99.999 100",
        ),
        ("latency-tracking-info-percentiles", "", ""),
        ("shutdown-on-sigterm", "now force", "now force"),
        ("bind", "", ""),
        ("bind", "127.0.0.1 ::1", "127.0.0.1 ::1"),
        ("requirepass", "secret", "secret"),
        ("proc-title-template", "abc", "abc"),
    ];
    for (n, v, want) in cases {
        set(&mut c, &[(n, v)]).unwrap_or_else(|e| panic!("{n} {v}: {e}"));
        assert_eq!(one(&c, n), *want, "{n} {v}");
    }
    assert_eq!(
        c.notify_keyspace_events(),
        notify::GENERIC | notify::NEW | notify::KEYSPACE
    );
}

#[test]
fn protected_configs_when_enabled() {
    let mut c = Config::from_text(b"enable-protected-configs local\n").unwrap();
    let pairs: &[(&[u8], &[u8])] = &[(b"dir", b"/")];
    assert!(c.set_many(pairs).is_err());
    assert_eq!(c.set_many_from(pairs, true).unwrap(), [Param::Dir]);
    assert_eq!(c.dir(), Path::new("/"));
    let bad: &[(&[u8], &[u8])] = &[(b"dir", b"/nonexistent-cedis")];
    assert_eq!(
        c.set_many_from(bad, true).unwrap_err().to_string(),
        "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"
    );
}

#[test]
fn load_quoting_comments_aliases_and_repeats() {
    let text = b"# comment\n\n  PORT 7000\nrequirepass \"a b\\x41\\n\"\nlogfile 'x y'\n\
        slaveof 10.0.0.1 6380\nhash-max-ziplist-entries 7\nsave 900 1\nsave \"300 10\"\n\
        timeout 1\ntimeout 2\nbind 127.0.0.1 ::1\nclient-output-buffer-limit pubsub 1mb 2mb 3\n\
        rename-command FLUSHALL \"\"\nlist-max-ziplist-entries 5\n";
    let c = Config::from_text(text).unwrap();
    assert_eq!(c.port(), 7000);
    assert_eq!(c.requirepass(), Some("a bA\n"));
    assert_eq!(c.logfile(), "x y");
    assert_eq!(c.replicaof(), Some(("10.0.0.1", 6380)));
    assert_eq!(c.hash_max_listpack_entries(), 7);
    assert_eq!(one(&c, "save"), "900 1 300 10");
    assert_eq!(c.timeout(), 2);
    assert_eq!(c.bind(), ["127.0.0.1", "::1"]);
    assert_eq!(
        c.client_output_buffer_limit(ClientClass::Pubsub)
            .soft_seconds,
        3
    );
    assert_eq!(
        c.client_output_buffer_limit(ClientClass::Replica).hard,
        268435456
    );
    assert_eq!(c.rename_commands, [("FLUSHALL".to_string(), String::new())]);
    let c = Config::from_text(b"save \"\"\nsave 10 1\n").unwrap();
    assert_eq!(one(&c, "save"), "10 1");
    let c = Config::from_text(b"save 10 1\nsave \"\"\n").unwrap();
    assert_eq!(one(&c, "save"), "");
    let e = Config::from_text(b"port 1\nfoo \"bar\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n\
         >>> 'foo \"bar'\nUnbalanced quotes in configuration line\n"
    );
    let e = Config::from_text(b"a.conf\n").unwrap_err();
    assert!(e
        .to_string()
        .ends_with("Module config specified without value\n"));
    let e = Config::from_text(b"sentinel monitor x\n").unwrap_err();
    assert!(e
        .to_string()
        .ends_with("sentinel directive while not in sentinel mode\n"));
}

#[test]
fn include_recursive_and_errors_use_the_included_line() {
    let dir = std::env::temp_dir().join(format!("cedis-inc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let b = dir.join("b.conf");
    let a = dir.join("a.conf");
    let bad = dir.join("bad.conf");
    std::fs::write(&b, "timeout 9\n").unwrap();
    std::fs::write(&a, format!("port 1\ninclude {}\nhz 20\n", b.display())).unwrap();
    std::fs::write(
        &bad,
        format!("port 1\ninclude {}\n", dir.join("c.conf").display()),
    )
    .unwrap();
    std::fs::write(dir.join("c.conf"), "#\nport x\n").unwrap();
    let c = Config::from_file(&a).unwrap();
    assert_eq!((c.port(), c.timeout(), c.hz()), (1, 9, 20));
    let e = Config::from_file(&bad).unwrap_err().to_string();
    assert!(e.contains("at line 2\n>>> 'port x'\n"), "{e}");
    let glob = dir.join("in*.conf");
    std::fs::write(dir.join("in1.conf"), "maxclients 5\n").unwrap();
    let c = Config::from_text(format!("include {}\n", glob.display()).as_bytes()).unwrap();
    assert_eq!(c.maxclients(), 5);
    let e = Config::from_text(b"include /nonexist\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Fatal error, can't open config file '/nonexist': No such file or directory"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rewrite_keeps_comments_and_order() {
    let old = "# top\nport 6379\n\n# mem\nmaxmemory 1gb\nsave 900 1\nsave 300 10\ninclude /x.conf\nslaveof 1.2.3.4 5\n";
    let mut c = Config::from_text(b"port 6379\nmaxmemory 1gb\nsave 900 1\nsave 300 10\n").unwrap();
    set(
        &mut c,
        &[
            ("maxmemory", "2gb"),
            ("timeout", "5"),
            ("save", "60 1"),
            ("notify-keyspace-events", "KEA"),
        ],
    )
    .unwrap();
    let new = rewrite::rewrite_text(&c, old);
    assert_eq!(
        new,
        "# top\nport 6379\n\n# mem\nmaxmemory 2gb\nsave 60 1\ninclude /x.conf\n\
         # Generated by CONFIG REWRITE\nnotify-keyspace-events \"AKE\"\ntimeout 5\n"
    );
    let again = Config::from_text(new.replace("include /x.conf\n", "").as_bytes()).unwrap();
    assert_eq!(again.get_matching(&[b"*"]).len(), 192);
    assert_eq!(again.timeout(), 5);
    assert_eq!(again.maxmemory(), 2 << 30);
}

#[test]
fn debian_redis_conf_parses() {
    let path = Path::new("/etc/redis/redis.conf");
    if !path.exists() {
        return;
    }
    // Its `dir /var/lib/redis` must exist for redis-server too.
    if !Path::new("/var/lib/redis").is_dir() {
        return;
    }
    let c = Config::from_file(path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.port(), 6379);
    assert_eq!(c.bind(), ["127.0.0.1", "-::1"]);
    assert!(c.daemonize() || !c.daemonize());
    assert_eq!(c.dir(), Path::new("/var/lib/redis"));
}

#[test]
#[ignore = "prints CONFIG GET * for comparison with a real redis-server"]
fn dump_defaults() {
    for (n, v) in cfg().get_matching(&[b"*"]) {
        println!("DUMP\t{n}\t{v}");
    }
}

#[test]
fn maxmemory_policy_names_the_store_policy() {
    use cedis_store::EvictPolicy;
    let mut c = cfg();
    assert_eq!(c.maxmemory_policy(), None);
    for (name, want) in [
        ("volatile-lru", EvictPolicy::VolatileLru),
        ("volatile-lfu", EvictPolicy::VolatileLfu),
        ("volatile-random", EvictPolicy::VolatileRandom),
        ("volatile-ttl", EvictPolicy::VolatileTtl),
        ("allkeys-lru", EvictPolicy::AllkeysLru),
        ("allkeys-lfu", EvictPolicy::AllkeysLfu),
        ("allkeys-random", EvictPolicy::AllkeysRandom),
    ] {
        set(&mut c, &[("maxmemory-policy", name)]).unwrap();
        assert_eq!(c.maxmemory_policy(), Some(want), "{name}");
    }
    set(&mut c, &[("maxmemory-policy", "noeviction")]).unwrap();
    assert_eq!(c.maxmemory_policy(), None);
}
