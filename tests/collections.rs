//! Collection types over TCP (lists, hashes, sets, sorted sets): what the
//! differential corpus cannot compare byte for byte — random picks checked
//! for shape, count and membership in RESP2 and RESP3 — and collections
//! crossing the encoding thresholds at their default sizes, compared with a
//! real redis-server when one is installed.

use std::collections::HashSet;

use cedis_tests::{assert_reply, show, Frame, Server};

/// The bulk strings of a flat array or set reply.
fn strings(f: &Frame) -> Vec<Vec<u8>> {
    match f {
        Frame::Array(v) | Frame::Set(v) => v
            .iter()
            .map(|x| match x {
                Frame::Bulk(b) => b.to_vec(),
                other => panic!("expected a bulk string, got {other:?}"),
            })
            .collect(),
        other => panic!("expected an array, got {other:?}"),
    }
}

fn members(names: &[&str]) -> HashSet<Vec<u8>> {
    names.iter().map(|n| n.as_bytes().to_vec()).collect()
}

#[test]
fn random_picks_have_the_right_shape() {
    let s = Server::cedis();
    let mut c = s.conn();
    c.cmd_str(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    c.cmd_str(&["SADD", "s", "a", "b", "c"]);
    c.cmd_str(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    let all = members(&["a", "b", "c"]);
    for (cmd, key) in [
        ("HRANDFIELD", "h"),
        ("SRANDMEMBER", "s"),
        ("ZRANDMEMBER", "z"),
    ] {
        // Positive count: distinct members, at most the cardinality.
        let got = strings(&c.cmd_frame(&[cmd, key, "2"]));
        assert_eq!(got.len(), 2, "{cmd} 2");
        assert_eq!(
            got.iter().collect::<HashSet<_>>().len(),
            2,
            "{cmd} 2 distinct"
        );
        assert!(got.iter().all(|m| all.contains(m)));
        let got = strings(&c.cmd_frame(&[cmd, key, "10"]));
        assert_eq!(got.into_iter().collect::<HashSet<_>>(), all, "{cmd} 10");
        // Negative count: exactly that many, repeats allowed.
        let got = strings(&c.cmd_frame(&[cmd, key, "-20"]));
        assert_eq!(got.len(), 20, "{cmd} -20");
        assert!(got.iter().all(|m| all.contains(m)));
        // No count: one member.
        match c.cmd_frame(&[cmd, key]) {
            Frame::Bulk(b) => assert!(all.contains(&b.to_vec())),
            other => panic!("{cmd}: {other:?}"),
        }
    }
    // WITHVALUES / WITHSCORES: flat pairs in RESP2, nested pairs in RESP3.
    let flat = strings(&c.cmd_frame(&["HRANDFIELD", "h", "-4", "WITHVALUES"]));
    assert_eq!(flat.len(), 8);
    for pair in flat.chunks(2) {
        let want: &[u8] = match pair[0].as_slice() {
            b"a" => b"1",
            b"b" => b"2",
            b"c" => b"3",
            other => panic!("field {}", show(other)),
        };
        assert_eq!(pair[1], want);
    }
    c.cmd_str(&["HELLO", "3"]);
    for (args, value) in [
        (["HRANDFIELD", "h", "-3", "WITHVALUES"], b'$'),
        (["ZRANDMEMBER", "z", "-3", "WITHSCORES"], b','),
    ] {
        let raw = c.cmd_str(&args);
        assert!(raw.starts_with(b"*3\r\n*2\r\n$1\r\n"), "{}", show(&raw));
        assert_eq!(raw.get(15), Some(&value), "{}", show(&raw));
    }
    c.cmd_str(&["HELLO", "2"]);
    // SPOP with a count removes what it returns.
    let popped = strings(&c.cmd_frame(&["SPOP", "s", "2"]));
    assert_eq!(popped.len(), 2);
    let left = strings(&c.cmd_frame(&["SMEMBERS", "s"]));
    assert_eq!(left.len(), 1);
    assert!(!popped.contains(&left[0]));
    assert_reply!(
        c.cmd_str(&["SPOP", "s", "5"]),
        &*format!(
            "*1\r\n${}\r\n{}\r\n",
            left[0].len(),
            String::from_utf8_lossy(&left[0])
        )
        .into_bytes()
    );
    assert_reply!(c.cmd_str(&["EXISTS", "s"]), b":0\r\n");
}

/// Builds each type past its default conversion threshold on cedis and on
/// redis-server and compares encodings and contents.
#[test]
fn default_thresholds_match_redis() {
    let cedis = Server::cedis();
    let redis = Server::redis();
    let mut servers = vec![cedis.conn()];
    if let Some(r) = &redis {
        servers.push(r.conn());
    }
    let mut replies: Vec<Vec<Vec<u8>>> = vec![Vec::new(); servers.len()];
    for (i, c) in servers.iter_mut().enumerate() {
        let out = &mut replies[i];
        // Hashes convert past 512 entries, sorted sets past 128.
        for n in 0..514 {
            let f = format!("f{n}");
            let v = n.to_string();
            c.cmd_str(&["HSET", "h", &f, &v]);
            if n < 130 {
                c.cmd_str(&["ZADD", "z", &v, &f]);
            }
            if n == 127 {
                out.push(c.cmd_str(&["OBJECT", "ENCODING", "z"]));
            }
            if n == 511 {
                out.push(c.cmd_str(&["OBJECT", "ENCODING", "h"]));
            }
        }
        out.push(c.cmd_str(&["OBJECT", "ENCODING", "h"]));
        out.push(c.cmd_str(&["OBJECT", "ENCODING", "z"]));
        out.push(c.cmd_str(&["ZRANGE", "z", "100", "110", "WITHSCORES"]));
        out.push(c.cmd_str(&["HLEN", "h"]));
        for n in 0..513 {
            c.cmd_str(&["SADD", "s", &n.to_string()]);
        }
        out.push(c.cmd_str(&["OBJECT", "ENCODING", "s"]));
        c.cmd_str(&["SADD", "s", "513"]);
        out.push(c.cmd_str(&["OBJECT", "ENCODING", "s"]));
        out.push(c.cmd_str(&["SCARD", "s"]));
        // A value longer than 64 bytes converts hashes and sorted sets.
        let long = "x".repeat(65);
        c.cmd_str(&["HSET", "hv", "a", &long]);
        c.cmd_str(&["ZADD", "zv", "1", &long]);
        out.push(c.cmd_str(&["OBJECT", "ENCODING", "hv"]));
        out.push(c.cmd_str(&["OBJECT", "ENCODING", "zv"]));
        // A list of 8 KB entries leaves a single listpack.
        let big = "y".repeat(5000);
        c.cmd_str(&["RPUSH", "l", &big]);
        out.push(c.cmd_str(&["OBJECT", "ENCODING", "l"]));
        c.cmd_str(&["RPUSH", "l", &big]);
        out.push(c.cmd_str(&["OBJECT", "ENCODING", "l"]));
        out.push(c.cmd_str(&["LLEN", "l"]));
    }
    assert_reply!(replies[0][0], b"$8\r\nlistpack\r\n");
    assert_reply!(replies[0][2], b"$9\r\nhashtable\r\n");
    assert_reply!(replies[0][3], b"$8\r\nskiplist\r\n");
    if replies.len() == 2 {
        for (k, (c, r)) in replies[0].iter().zip(&replies[1]).enumerate() {
            assert!(
                c == r,
                "reply {k}\n  redis: {}\n  cedis: {}",
                show(r),
                show(c)
            );
        }
    }
}

/// ZSCAN of a skiplist-encoded sorted set keeps SCAN's guarantee while
/// members are removed between calls (each call removes the members with
/// the lowest scores, which would shift a rank cursor past survivors), on
/// cedis and on redis-server alike; a listpack answers in one call.
#[test]
fn zscan_returns_every_surviving_member_under_deletes() {
    let cedis = Server::cedis();
    let redis = Server::redis();
    let mut servers = vec![cedis.conn()];
    if let Some(r) = &redis {
        servers.push(r.conn());
    }
    for c in servers.iter_mut() {
        let n = 600;
        for i in 0..n {
            c.cmd_str(&["ZADD", "z", &(-i).to_string(), &format!("m{i}")]);
        }
        assert_reply!(
            c.cmd_str(&["OBJECT", "ENCODING", "z"]),
            b"$8\r\nskiplist\r\n"
        );
        let mut seen = HashSet::new();
        let mut cursor = "0".to_string();
        let mut removed = 0;
        loop {
            let Frame::Array(reply) = c.cmd_frame(&["ZSCAN", "z", &cursor, "COUNT", "10"]) else {
                panic!("ZSCAN reply");
            };
            let Frame::Bulk(next) = &reply[0] else {
                panic!("cursor");
            };
            let items = strings(&reply[1]);
            for pair in items.chunks(2) {
                seen.insert(pair[0].clone());
            }
            for _ in 0..3 {
                removed += 1;
                c.cmd_str(&["ZREM", "z", &format!("m{}", n - removed)]);
            }
            cursor = String::from_utf8(next.to_vec()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        for i in 0..n - removed {
            assert!(seen.contains(format!("m{i}").as_bytes()), "m{i} missed");
        }
        c.cmd_str(&["ZADD", "small", "1", "a", "2", "b"]);
        assert_reply!(
            c.cmd_str(&["ZSCAN", "small", "0", "COUNT", "1"]),
            b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
    }
}

/// LINDEX's element as text ("none" when there is none).
fn element_at(c: &mut cedis_tests::Conn, key: &str, idx: &str) -> String {
    let raw = c.cmd_str(&["LINDEX", key, idx]);
    String::from_utf8_lossy(&raw)
        .lines()
        .nth(1)
        .unwrap_or("none")
        .to_string()
}

/// The `ql_*` fields of `DEBUG OBJECT key` (the quicklist's shape).
fn quicklist_shape(c: &mut cedis_tests::Conn, key: &str) -> String {
    let raw = c.cmd_str(&["DEBUG", "OBJECT", key]);
    String::from_utf8_lossy(&raw)
        .split_whitespace()
        .filter(|f| f.starts_with("ql_"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn plain_node_shapes_match_redis() {
    // Lists mixing plain and listpack nodes (a low
    // DEBUG QUICKLIST-PACKED-THRESHOLD), driven by the same pseudo-random
    // operations on both servers: after every operation the contents and
    // the quicklist's shape (nodes, average fill, uncompressed bytes) must
    // be the same.
    let args = ["--enable-debug-command", "yes"];
    let Some(redis) = Server::redis_with(&args) else {
        eprintln!("NOTICE: redis-server not found; plain_node_shapes_match_redis skipped");
        return;
    };
    let cedis = Server::cedis_with(&args);
    let mut r = redis.conn();
    let mut c = cedis.conn();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for (round, (fill, depth, threshold)) in [
        ("-2", "0", "5b"),
        ("2", "1", "5b"),
        ("1", "0", "1b"),
        ("4", "2", "20b"),
        ("-1", "1", "64b"),
    ]
    .into_iter()
    .enumerate()
    {
        let key = format!("l{round}");
        let setup: [&[&str]; 3] = [
            &["CONFIG", "SET", "list-max-listpack-size", fill],
            &["CONFIG", "SET", "list-compress-depth", depth],
            &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", threshold],
        ];
        for cmd in setup {
            assert_eq!(c.cmd_str(cmd), r.cmd_str(cmd));
        }
        for step in 0..300 {
            let len = 1 + next(90) as usize;
            let fillc = (b'a' + next(26) as u8) as char;
            let v = fillc.to_string().repeat(len);
            let idx = (next(12) as i64 - 6).to_string();
            let cmd: Vec<String> = match next(10) {
                0 | 1 => vec!["RPUSH".into(), key.clone(), v],
                2 => vec!["LPUSH".into(), key.clone(), v],
                3 => vec!["LSET".into(), key.clone(), idx, v],
                4 | 5 => {
                    let pivot = element_at(&mut c, &key, &idx);
                    let side = if next(2) == 0 { "BEFORE" } else { "AFTER" };
                    vec!["LINSERT".into(), key.clone(), side.into(), pivot, v]
                }
                6 => vec![
                    if next(2) == 0 { "LPOP" } else { "RPOP" }.into(),
                    key.clone(),
                ],
                7 => {
                    let pivot = element_at(&mut c, &key, &idx);
                    vec![
                        "LREM".into(),
                        key.clone(),
                        (next(3) as i64 - 1).to_string(),
                        pivot,
                    ]
                }
                8 => vec!["LTRIM".into(), key.clone(), "1".into(), "-2".into()],
                _ => vec![
                    "LMOVE".into(),
                    key.clone(),
                    key.clone(),
                    "LEFT".into(),
                    "RIGHT".into(),
                ],
            };
            let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
            let (got, want) = (c.cmd_str(&cmd), r.cmd_str(&cmd));
            let ctx = format!(
                "round {round} step {step}: {}",
                cmd.join(" ").chars().take(80).collect::<String>()
            );
            assert!(
                got == want,
                "{ctx}\n  redis: {}\n  cedis: {}",
                show(&want),
                show(&got)
            );
            let range = ["LRANGE", &key, "0", "-1"];
            assert!(
                c.cmd_str(&range) == r.cmd_str(&range),
                "{ctx}: contents differ"
            );
            if c.cmd_str(&["EXISTS", &key]) == b":1\r\n" {
                let shape = quicklist_shape(&mut c, &key);
                assert!(shape.contains("ql_nodes:"), "{ctx}: {shape}");
                assert_eq!(shape, quicklist_shape(&mut r, &key), "{ctx}");
            }
        }
    }
}
