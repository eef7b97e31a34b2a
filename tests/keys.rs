//! Key commands over TCP (`cmd/keys.rs`): expiry with millisecond TTLs and
//! polling, SCAN completeness, RENAME/COPY/MOVE/SWAPDB, OBJECT.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use cedis_tests::{assert_reply, wait_until, Frame, Server};

#[test]
fn del_exists_type_touch() {
    let s = Server::cedis();
    let mut c = s.conn();
    c.cmd_str(&["MSET", "a", "1", "b", "2"]);
    assert_reply!(c.cmd_str(&["EXISTS", "a", "a", "b", "z"]), b":3\r\n");
    assert_reply!(c.cmd_str(&["TYPE", "a"]), b"+string\r\n");
    assert_reply!(c.cmd_str(&["TYPE", "z"]), b"+none\r\n");
    assert_reply!(c.cmd_str(&["TOUCH", "a", "z"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["DEL", "a", "z"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["UNLINK", "b"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["DBSIZE"]), b":0\r\n");
}

#[test]
fn pexpire_expires_keys() {
    let s = Server::cedis();
    let mut c = s.conn();
    c.cmd_str(&["SET", "k", "v"]);
    assert_reply!(c.cmd_str(&["PEXPIRE", "k", "50"]), b":1\r\n");
    let pttl = c.cmd_str(&["PTTL", "k"]);
    let ms: i64 = std::str::from_utf8(&pttl[1..pttl.len() - 2])
        .unwrap()
        .parse()
        .unwrap();
    assert!((0..=50).contains(&ms), "PTTL {ms}");
    assert!(
        wait_until(Duration::from_secs(5), || c.cmd_str(&["GET", "k"])
            == b"$-1\r\n"),
        "key did not expire"
    );
    assert_reply!(c.cmd_str(&["TTL", "k"]), b":-2\r\n");
    assert_reply!(c.cmd_str(&["PTTL", "k"]), b":-2\r\n");
}

#[test]
fn active_expiry_removes_untouched_keys() {
    let s = Server::cedis();
    let mut c = s.conn();
    for i in 0..50 {
        c.cmd_str(&["SET", &format!("k{i}"), "v", "PX", "20"]);
    }
    c.cmd_str(&["SET", "keep", "v"]);
    // Nobody reads the keys: the server's own expiry cycle must drop them.
    assert!(
        wait_until(Duration::from_secs(5), || c.cmd_str(&["DBSIZE"])
            == b":1\r\n"),
        "active expiry did not remove the keys"
    );
}

#[test]
fn expire_options() {
    let s = Server::cedis();
    let mut c = s.conn();
    c.cmd_str(&["SET", "k", "v"]);
    assert_reply!(c.cmd_str(&["EXPIRE", "k", "100", "XX"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["EXPIRE", "k", "100", "NX"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["EXPIRE", "k", "200", "NX"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["EXPIRE", "k", "50", "GT"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["EXPIRE", "k", "200", "GT"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["EXPIRE", "k", "300", "LT"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["TTL", "k"]), b":200\r\n");
    assert_reply!(
        c.cmd_str(&["EXPIRE", "k", "1", "NX", "XX"]),
        b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
    );
    assert_reply!(
        c.cmd_str(&["EXPIRE", "k", "1", "GT", "LT"]),
        b"-ERR GT and LT options at the same time are not compatible\r\n"
    );
    assert_reply!(c.cmd_str(&["PERSIST", "k"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["TTL", "k"]), b":-1\r\n");
    assert_reply!(c.cmd_str(&["EXPIRE", "k", "0"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["EXISTS", "k"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["EXPIRE", "nokey", "10"]), b":0\r\n");
    assert_reply!(
        c.cmd_str(&["EXPIRE", "k", "9223372036854775807"]),
        b"-ERR invalid expire time in 'expire' command\r\n"
    );
}

/// Runs a full SCAN with `args` and returns every key it returned (with
/// the number of times each came back).
fn full_scan(c: &mut cedis_tests::Conn, args: &[&str]) -> Vec<Bytes> {
    let mut cursor = "0".to_string();
    let mut keys = Vec::new();
    let mut rounds = 0;
    loop {
        let mut cmd = vec!["SCAN", cursor.as_str()];
        cmd.extend_from_slice(args);
        let cmd: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
        c.send(&cedis_tests::request(&cmd));
        match c.read_frame() {
            Frame::Array(v) if v.len() == 2 => {
                let Frame::Bulk(next) = &v[0] else {
                    panic!("cursor {v:?}")
                };
                let Frame::Array(batch) = &v[1] else {
                    panic!("keys {v:?}")
                };
                for k in batch {
                    let Frame::Bulk(k) = k else {
                        panic!("key {k:?}")
                    };
                    keys.push(k.clone());
                }
                cursor = String::from_utf8(next.to_vec()).unwrap();
            }
            other => panic!("SCAN reply {other:?}"),
        }
        rounds += 1;
        assert!(rounds < 100_000, "SCAN does not terminate");
        if cursor == "0" {
            return keys;
        }
    }
}

#[test]
fn scan_returns_every_key() {
    let s = Server::cedis();
    let mut c = s.conn();
    let n = 1000;
    let mut pipeline = Vec::new();
    for i in 0..n {
        pipeline.extend(cedis_tests::request(&[
            b"SET",
            format!("key:{i}").as_bytes(),
            b"v",
        ]));
    }
    c.send(&pipeline);
    for _ in 0..n {
        assert_reply!(c.read_raw(), b"+OK\r\n");
    }
    let all = full_scan(&mut c, &["COUNT", "7"]);
    let unique: HashSet<_> = all.iter().cloned().collect();
    assert_eq!(unique.len(), n, "SCAN missed keys");
    let some = full_scan(&mut c, &["MATCH", "key:1*", "COUNT", "50"]);
    let unique: HashSet<_> = some.iter().cloned().collect();
    assert_eq!(unique.len(), 1 + 10 + 100, "SCAN MATCH key:1*");
    assert!(full_scan(&mut c, &["TYPE", "list"]).is_empty());

    // Keys that exist for the whole scan are returned even while others
    // are added and deleted between calls.
    let mut cursor = "0".to_string();
    let mut seen: HashSet<Bytes> = HashSet::new();
    let mut i = 0;
    loop {
        let Frame::Array(v) = c.cmd_frame(&["SCAN", &cursor, "COUNT", "20"]) else {
            panic!("SCAN reply")
        };
        let (Frame::Bulk(next), Frame::Array(batch)) = (&v[0], &v[1]) else {
            panic!("SCAN reply shape {v:?}")
        };
        for k in batch {
            if let Frame::Bulk(k) = k {
                seen.insert(k.clone());
            }
        }
        c.cmd_str(&["SET", &format!("new:{i}"), "v"]);
        c.cmd_str(&["DEL", &format!("key:{}", n - 1 - i)]);
        i += 1;
        cursor = String::from_utf8(next.to_vec()).unwrap();
        if cursor == "0" {
            break;
        }
    }
    for k in 0..(n - i) {
        assert!(
            seen.contains(format!("key:{k}").as_bytes()),
            "SCAN under writes missed key:{k}"
        );
    }
}

#[test]
fn rename_copy_move_swapdb() {
    let s = Server::cedis();
    let mut c = s.conn();
    c.cmd_str(&["SET", "a", "1", "EX", "100"]);
    assert_reply!(c.cmd_str(&["RENAME", "a", "b"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["TTL", "b"]), b":100\r\n");
    assert_reply!(c.cmd_str(&["RENAME", "b", "b"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["RENAME", "a", "b"]), b"-ERR no such key\r\n");
    c.cmd_str(&["SET", "c", "3"]);
    assert_reply!(c.cmd_str(&["RENAMENX", "b", "c"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["RENAMENX", "b", "d"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["COPY", "d", "c"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["COPY", "d", "c", "REPLACE"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["GET", "c"]), b"$1\r\n1\r\n");
    assert_reply!(c.cmd_str(&["COPY", "d", "x", "DB", "5"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["MOVE", "d", "5"]), b":1\r\n");
    assert_reply!(
        c.cmd_str(&["MOVE", "c", "0"]),
        b"-ERR source and destination objects are the same\r\n"
    );
    assert_reply!(c.cmd_str(&["SELECT", "5"]), b"+OK\r\n");
    assert_reply!(
        c.cmd_str(&["MGET", "x", "d"]),
        b"*2\r\n$1\r\n1\r\n$1\r\n1\r\n"
    );
    // SWAPDB is seen by other connections selected on those databases.
    let mut other = s.conn();
    assert_reply!(other.cmd_str(&["GET", "c"]), b"$1\r\n1\r\n");
    assert_reply!(c.cmd_str(&["SWAPDB", "0", "5"]), b"+OK\r\n");
    assert_reply!(other.cmd_str(&["GET", "c"]), b"$-1\r\n");
    assert_reply!(other.cmd_str(&["GET", "x"]), b"$1\r\n1\r\n");
    assert_reply!(c.cmd_str(&["GET", "c"]), b"$1\r\n1\r\n");
    assert_reply!(
        c.cmd_str(&["SWAPDB", "0", "16"]),
        b"-ERR DB index is out of range\r\n"
    );
}

#[test]
fn keys_and_object() {
    let s = Server::cedis();
    let mut c = s.conn();
    c.cmd_str(&[
        "MSET",
        "one",
        "1",
        "two",
        "x",
        "three",
        "a string longer than forty-four bytes, so raw",
    ]);
    let mut keys = match c.cmd_frame(&["KEYS", "t*"]) {
        Frame::Array(v) => v,
        other => panic!("{other:?}"),
    };
    keys.sort_by_key(|f| format!("{f:?}"));
    assert_eq!(keys, vec![Frame::bulk("three"), Frame::bulk("two")]);
    assert_reply!(c.cmd_str(&["OBJECT", "ENCODING", "one"]), b"$3\r\nint\r\n");
    assert_reply!(
        c.cmd_str(&["OBJECT", "ENCODING", "two"]),
        b"$6\r\nembstr\r\n"
    );
    assert_reply!(
        c.cmd_str(&["OBJECT", "ENCODING", "three"]),
        b"$3\r\nraw\r\n"
    );
    assert_reply!(c.cmd_str(&["APPEND", "two", "y"]), b":2\r\n");
    assert_reply!(c.cmd_str(&["OBJECT", "ENCODING", "two"]), b"$3\r\nraw\r\n");
    assert_reply!(c.cmd_str(&["OBJECT", "ENCODING", "nokey"]), b"$-1\r\n");
}
