//! maxmemory over TCP: every policy keeps memory bounded and evicts the
//! right kind of keys, `noeviction` refuses writes with Redis's OOM error
//! while reads go on, evicted keys reach keyspace-notification subscribers,
//! tracking clients and WATCH, and OBJECT FREQ counts accesses under LFU.
//!
//! Selection quality is asserted statistically with wide margins (sampled
//! LRU/LFU is approximate by design); the only sleep gives the one-second
//! LRU clock a tick between writing keys and reading some of them.

use std::time::Duration;

use cedis_tests::{assert_reply, wait_until, Conn, Server};

const OOM: &[u8] = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n";

/// A numeric field of INFO (the `everything` sections).
fn info_field(c: &mut Conn, name: &str) -> u64 {
    let v = c.info_field("everything", name);
    v.parse()
        .unwrap_or_else(|e| panic!("INFO {name}: {v:?}: {e}"))
}

fn int(reply: &[u8]) -> i64 {
    assert_eq!(reply.first(), Some(&b':'), "not an integer: {reply:?}");
    std::str::from_utf8(&reply[1..reply.len() - 2])
        .unwrap()
        .parse()
        .unwrap()
}

/// Sends every command at once and returns their replies in order.
fn pipeline(c: &mut Conn, cmds: &[Vec<String>]) -> Vec<Vec<u8>> {
    let mut bytes = Vec::new();
    for cmd in cmds {
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
        bytes.extend_from_slice(&cedis_tests::request(&args));
    }
    c.send(&bytes);
    cmds.iter().map(|_| c.read_raw()).collect()
}

fn value(i: usize) -> String {
    format!("{i:0>200}")
}

/// SETs `prefix:{from..to}` with 200-byte values (and `EX 1000` if `ttl`),
/// in pipelined batches; returns the replies that were not `+OK`.
fn fill(c: &mut Conn, prefix: &str, from: usize, to: usize, ttl: bool) -> Vec<Vec<u8>> {
    let mut bad = Vec::new();
    let mut i = from;
    while i < to {
        let end = (i + 200).min(to);
        let cmds: Vec<Vec<String>> = (i..end)
            .map(|n| {
                let mut v = vec!["SET".into(), format!("{prefix}:{n}"), value(n)];
                if ttl {
                    v.extend(["EX".into(), "1000".into()]);
                }
                v
            })
            .collect();
        bad.extend(pipeline(c, &cmds).into_iter().filter(|r| r != b"+OK\r\n"));
        i = end;
    }
    bad
}

/// How many of `prefix:{from..to}` exist.
fn alive(c: &mut Conn, prefix: &str, from: usize, to: usize) -> usize {
    let cmds: Vec<Vec<String>> = (from..to)
        .map(|n| vec!["EXISTS".into(), format!("{prefix}:{n}")])
        .collect();
    cmds.chunks(500)
        .flat_map(|chunk| pipeline(c, chunk))
        .map(|r| int(&r) as usize)
        .sum()
}

/// The `expires=` count of db0 in INFO keyspace (0 without db0).
fn db0_expires(c: &mut Conn) -> u64 {
    let raw = c.cmd_str(&["INFO", "keyspace"]);
    let text = String::from_utf8_lossy(&raw);
    text.lines()
        .find_map(|l| l.strip_prefix("db0:"))
        .and_then(|l| l.split(',').find_map(|f| f.strip_prefix("expires=")))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// Sets `maxmemory` to `extra` bytes above what the server uses now.
fn limit_above_now(c: &mut Conn, extra: u64) -> u64 {
    let max = info_field(c, "used_memory") + extra;
    assert_reply!(
        c.cmd_str(&["CONFIG", "SET", "maxmemory", &max.to_string()]),
        b"+OK\r\n"
    );
    max
}

/// An empty server without a limit, with `policy`.
fn fresh_start(c: &mut Conn, policy: &str) {
    assert_reply!(c.cmd_str(&["FLUSHALL"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["CONFIG", "SET", "maxmemory", "0"]), b"+OK\r\n");
    assert_reply!(
        c.cmd_str(&["CONFIG", "SET", "maxmemory-policy", policy]),
        b"+OK\r\n"
    );
}

const POLICIES: [&str; 7] = [
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
];

#[test]
fn every_evicting_policy_keeps_memory_bounded() {
    let s = Server::cedis();
    let mut c = s.conn();
    for policy in POLICIES {
        fresh_start(&mut c, policy);
        let before = info_field(&mut c, "evicted_keys");
        let max = limit_above_now(&mut c, 1 << 20);
        // About 5 MB of 200-byte values against a 1 MB budget.
        let bad = fill(&mut c, "k", 0, 20_000, true);
        assert!(bad.is_empty(), "{policy}: {:?}", bad.first());
        let used = info_field(&mut c, "used_memory");
        // One command may overshoot before the next one evicts.
        assert!(
            used <= max + 64 * 1024,
            "{policy}: used {used} over maxmemory {max}"
        );
        // Every command may evict first: freeze the counts before reading them.
        assert_reply!(c.cmd_str(&["CONFIG", "SET", "maxmemory", "0"]), b"+OK\r\n");
        let evicted = info_field(&mut c, "evicted_keys") - before;
        let left = int(&c.cmd_str(&["DBSIZE"])) as u64;
        assert!(evicted > 10_000, "{policy}: only {evicted} evicted");
        assert_eq!(left + evicted, 20_000, "{policy}: keys lost or duplicated");
    }
    assert_reply!(c.cmd_str(&["CONFIG", "SET", "maxmemory", "0"]), b"+OK\r\n");
}

#[test]
fn volatile_policies_only_evict_keys_with_a_ttl() {
    let s = Server::cedis();
    let mut c = s.conn();
    for policy in POLICIES.iter().filter(|p| p.starts_with("volatile")) {
        fresh_start(&mut c, policy);
        assert!(fill(&mut c, "plain", 0, 2_000, false).is_empty());
        limit_above_now(&mut c, 512 * 1024);
        assert!(fill(&mut c, "ttl", 0, 10_000, true).is_empty(), "{policy}");
        assert!(info_field(&mut c, "evicted_keys") > 0, "{policy}");
        assert_eq!(alive(&mut c, "plain", 0, 2_000), 2_000, "{policy}");
        // Once no key with a TTL is left, writes are refused.
        let bad = fill(&mut c, "more", 0, 20_000, false);
        assert!(!bad.is_empty(), "{policy}: never refused");
        assert!(bad.iter().all(|r| r == OOM), "{policy}: {:?}", bad[0]);
        assert_eq!(db0_expires(&mut c), 0, "{policy}: keys with a TTL remain");
        assert_eq!(alive(&mut c, "plain", 0, 2_000), 2_000, "{policy}");
    }
}

#[test]
fn allkeys_lru_keeps_recently_read_keys() {
    let s = Server::cedis();
    let mut c = s.conn();
    assert_reply!(
        c.cmd_str(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]),
        b"+OK\r\n"
    );
    assert!(fill(&mut c, "hot", 0, 1_000, false).is_empty());
    assert!(fill(&mut c, "cold", 0, 1_000, false).is_empty());
    // The LRU clock ticks once a second: let it move before the reads.
    std::thread::sleep(Duration::from_millis(1_100));
    let gets: Vec<Vec<String>> = (0..1_000)
        .map(|n| vec!["GET".into(), format!("hot:{n}")])
        .collect();
    for chunk in gets.chunks(500) {
        pipeline(&mut c, chunk);
    }
    limit_above_now(&mut c, 64 * 1024);
    // New keys push out about 800 old ones.
    let mut n = 0;
    while info_field(&mut c, "evicted_keys") < 800 {
        assert!(fill(&mut c, "new", n, n + 50, false).is_empty());
        n += 50;
        assert!(n < 100_000, "nothing evicted");
    }
    let hot = alive(&mut c, "hot", 0, 1_000);
    let cold = alive(&mut c, "cold", 0, 1_000);
    // Sampled LRU: nearly every victim is cold while cold keys remain.
    assert!(
        hot >= 900,
        "only {hot} of 1000 read keys survived ({cold} cold)"
    );
    assert!(cold <= 500, "{cold} untouched keys survived ({hot} hot)");
}

#[test]
fn noeviction_refuses_writes_and_serves_reads() {
    let s = Server::cedis();
    let mut c = s.conn();
    let mut other = s.conn();
    assert!(fill(&mut c, "k", 0, 1_000, false).is_empty());
    c.cmd_str(&["SET", "n", "1"]);
    // A transaction queued before the limit is hit.
    assert_reply!(other.cmd_str(&["MULTI"]), b"+OK\r\n");
    assert_reply!(other.cmd_str(&["INCR", "n"]), b"+QUEUED\r\n");
    let used = info_field(&mut c, "used_memory");
    let max = (used - 100 * 1024).to_string();
    assert_reply!(c.cmd_str(&["CONFIG", "SET", "maxmemory", &max]), b"+OK\r\n");
    assert_eq!(c.cmd_str(&["SET", "x", "1"]), OOM);
    assert_eq!(c.cmd_str(&["INCR", "n"]), OOM);
    assert_eq!(
        c.cmd_str(&["GET", "k:7"]),
        format!("$200\r\n{}\r\n", value(7)).into_bytes()
    );
    assert_reply!(c.cmd_str(&["EXISTS", "k:1"]), b":1\r\n");
    // EXEC of a transaction with a denyoom command is aborted.
    assert_eq!(
        other.cmd_str(&["EXEC"]),
        b"-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n"
    );
    // Inside MULTI every queued command is refused, then EXEC aborts.
    assert_reply!(c.cmd_str(&["MULTI"]), b"+OK\r\n");
    assert_eq!(c.cmd_str(&["GET", "k:1"]), OOM);
    assert_eq!(c.cmd_str(&["SET", "x", "1"]), OOM);
    assert_reply!(
        c.cmd_str(&["EXEC"]),
        b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    // DEL frees memory and is allowed.
    assert_reply!(c.cmd_str(&["DEL", "k:1"]), b":1\r\n");
    assert_eq!(info_field(&mut c, "evicted_keys"), 0);
    assert!(info_field(&mut c, "total_eviction_exceeded_time") < 1 << 40);
    assert_reply!(c.cmd_str(&["CONFIG", "SET", "maxmemory", "0"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["SET", "x", "1"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["DBSIZE"]), b":1001\r\n");
}

#[test]
fn evicted_keys_reach_subscribers_trackers_and_watchers() {
    let s = Server::cedis();
    let mut c = s.conn();
    assert_reply!(
        c.cmd_str(&["CONFIG", "SET", "notify-keyspace-events", "Ee"]),
        b"+OK\r\n"
    );
    assert_reply!(
        c.cmd_str(&["CONFIG", "SET", "maxmemory-policy", "allkeys-random"]),
        b"+OK\r\n"
    );
    assert!(fill(&mut c, "k", 0, 100, false).is_empty());
    let mut sub = s.conn();
    sub.cmd_str(&["SUBSCRIBE", "__keyevent@0__:evicted"]);
    let mut tracker = s.conn();
    tracker.cmd_str(&["HELLO", "3"]);
    assert_reply!(tracker.cmd_str(&["CLIENT", "TRACKING", "on"]), b"+OK\r\n");
    tracker.cmd_str(&["GET", "k:5"]);
    let mut watcher = s.conn();
    assert_reply!(watcher.cmd_str(&["WATCH", "k:6"]), b"+OK\r\n");
    // A limit far below what the server needs evicts every key.
    assert_reply!(c.cmd_str(&["CONFIG", "SET", "maxmemory", "1"]), b"+OK\r\n");
    assert!(
        wait_until(Duration::from_secs(5), || c.cmd_str(&["DBSIZE"])
            == b":0\r\n"),
        "keys were not evicted"
    );
    assert_reply!(c.cmd_str(&["CONFIG", "SET", "maxmemory", "0"]), b"+OK\r\n");
    assert_eq!(info_field(&mut c, "evicted_keys"), 100);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..100 {
        let msg = sub.read_raw();
        let text = String::from_utf8_lossy(&msg).into_owned();
        assert!(text.contains("__keyevent@0__:evicted"), "{text}");
        let key = text.lines().nth(6).expect("the key").to_string();
        assert!(key.starts_with("k:"), "{text}");
        seen.insert(key);
    }
    assert_eq!(seen.len(), 100);
    let push = tracker.read_raw();
    assert_eq!(push, b">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nk:5\r\n");
    assert_reply!(watcher.cmd_str(&["MULTI"]), b"+OK\r\n");
    assert_reply!(watcher.cmd_str(&["SET", "k:6", "v"]), b"+QUEUED\r\n");
    assert_reply!(watcher.cmd_str(&["EXEC"]), b"*-1\r\n");
}

#[test]
fn object_freq_counts_accesses_under_lfu() {
    let s = Server::cedis();
    let mut c = s.conn();
    c.cmd_str(&["SET", "k", "hello"]);
    assert_reply!(
        c.cmd_str(&["OBJECT", "FREQ", "k"]),
        b"-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"
    );
    assert_reply!(
        c.cmd_str(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]),
        b"+OK\r\n"
    );
    c.cmd_str(&["SET", "f", "hello"]);
    assert_reply!(c.cmd_str(&["OBJECT", "FREQ", "f"]), b":5\r\n");
    assert_reply!(c.cmd_str(&["OBJECT", "FREQ", "missing"]), b"$-1\r\n");
    assert_reply!(
        c.cmd_str(&["OBJECT", "IDLETIME", "f"]),
        b"-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"
    );
    let gets =
        |n: usize| -> Vec<Vec<String>> { (0..n).map(|_| vec!["GET".into(), "f".into()]).collect() };
    pipeline(&mut c, &gets(100));
    // The first access from the initial value always counts.
    let first = int(&c.cmd_str(&["OBJECT", "FREQ", "f"]));
    assert!(first > 5, "freq {first} after 100 reads");
    for chunk in gets(2_000).chunks(500) {
        pipeline(&mut c, chunk);
    }
    let last = int(&c.cmd_str(&["OBJECT", "FREQ", "f"]));
    assert!(last > first, "freq {last} did not grow past {first}");
    // Logarithmic: 2100 hits are far from the 255 cap.
    assert!(last < 100, "freq {last}");
    assert_reply!(
        c.cmd_str(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]),
        b"+OK\r\n"
    );
    assert_eq!(c.cmd_str(&["OBJECT", "IDLETIME", "f"])[0], b':');
}
