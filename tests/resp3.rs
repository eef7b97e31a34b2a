//! RESP3 over TCP: HELLO 3 switches the connection; nulls are `_`, doubles
//! `,`, maps `%`; the same commands in RESP2 keep RESP2 shapes.

use cedis_tests::{assert_reply, Server};

#[test]
fn resp3_types() {
    let s = Server::cedis();
    let mut c = s.conn();
    let hello = c.cmd_str(&["HELLO", "3"]);
    assert!(hello.starts_with(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"));
    assert_reply!(c.cmd_str(&["GET", "nokey"]), b"_\r\n");
    assert_reply!(c.cmd_str(&["MGET", "nokey", "nokey"]), b"*2\r\n_\r\n_\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "v", "NX", "GET"]), b"_\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "w", "NX"]), b"_\r\n");
    // INCRBYFLOAT replies with a bulk string in RESP3 too.
    assert_reply!(c.cmd_str(&["INCRBYFLOAT", "f", "1.5"]), b"$3\r\n1.5\r\n");
    assert_reply!(c.cmd_str(&["OBJECT", "ENCODING", "nokey"]), b"_\r\n");
    assert_reply!(c.cmd_str(&["CLIENT", "GETNAME"]), b"_\r\n");
    c.cmd_str(&["MSET", "a", "ohmytext", "b", "mynewtext"]);
    assert_reply!(
        c.cmd_str(&["LCS", "a", "b", "IDX"]),
        b"%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"
    );
    // Back to RESP2.
    c.cmd_str(&["HELLO", "2"]);
    assert_reply!(c.cmd_str(&["GET", "nokey"]), b"$-1\r\n");
    assert_reply!(
        c.cmd_str(&["LCS", "a", "b", "IDX"]),
        b"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"
    );
}

/// Doubles: whatever cedis replies with a RESP3 double must be what
/// redis-server sends for the same command.
#[test]
fn resp3_replies_match_redis() {
    cedis_tests::assert_same_as_redis(
        &[],
        &[
            &["~HELLO", "3", "SETNAME", "x"],
            &["SET", "f", "10.5"],
            &["INCRBYFLOAT", "f", "0.25"],
            &["GET", "nokey"],
            &["GETEX", "nokey", "PERSIST"],
            &["GETDEL", "nokey"],
            &["MGET", "f", "nokey"],
            &["SET", "s", "x", "XX", "GET"],
            &["RANDOMKEY"],
            &["PING"],
            &["ECHO", "x"],
            &["OBJECT", "ENCODING", "f"],
            &["LCS", "f", "f", "IDX", "WITHMATCHLEN"],
            &["HELLO", "4"],
        ],
    );
}
