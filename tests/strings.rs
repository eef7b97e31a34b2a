//! String commands over TCP (every command of `cmd/strings.rs`), with their
//! options and errors, byte for byte.

use std::time::Duration;

use cedis_tests::{assert_reply, wait_until, Conn, Server};

fn server() -> (Server, Conn) {
    let s = Server::cedis();
    let c = s.conn();
    (s, c)
}

#[test]
fn get_set_and_options() {
    let (_s, mut c) = server();
    assert_reply!(c.cmd_str(&["GET", "k"]), b"$-1\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "v"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["GET", "k"]), b"$1\r\nv\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "w", "NX"]), b"$-1\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "w", "XX"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["SET", "new", "w", "XX"]), b"$-1\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "x", "GET"]), b"$1\r\nw\r\n");
    assert_reply!(
        c.cmd_str(&["SET", "k", "x", "NX", "XX"]),
        b"-ERR syntax error\r\n"
    );
    assert_reply!(
        c.cmd_str(&["SET", "k", "x", "EX", "0"]),
        b"-ERR invalid expire time in 'set' command\r\n"
    );
    assert_reply!(
        c.cmd_str(&["SET", "k", "x", "EX", "abc"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_reply!(c.cmd_str(&["SET", "k", "x", "EX", "100"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["TTL", "k"]), b":100\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "y", "KEEPTTL"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["TTL", "k"]), b":100\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "z"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["TTL", "k"]), b":-1\r\n");
    assert_reply!(
        c.cmd_str(&["SET", "k", "z", "EXAT", "4102444800"]),
        b"+OK\r\n"
    );
    assert_reply!(c.cmd_str(&["EXPIRETIME", "k"]), b":4102444800\r\n");
    assert_reply!(
        c.cmd_str(&["SET", "k", "z", "PXAT", "4102444800123"]),
        b"+OK\r\n"
    );
    assert_reply!(c.cmd_str(&["PEXPIRETIME", "k"]), b":4102444800123\r\n");
    assert_reply!(
        c.cmd_str(&["SET", "k"]),
        b"-ERR wrong number of arguments for 'set' command\r\n"
    );
}

#[test]
fn set_px_expires() {
    let (_s, mut c) = server();
    assert_reply!(c.cmd_str(&["SET", "k", "v", "PX", "30"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["PSETEX", "p", "30", "v"]), b"+OK\r\n");
    assert!(wait_until(Duration::from_secs(5), || {
        c.cmd_str(&["GET", "k"]) == b"$-1\r\n" && c.cmd_str(&["GET", "p"]) == b"$-1\r\n"
    }));
    assert_reply!(c.cmd_str(&["EXISTS", "k", "p"]), b":0\r\n");
}

#[test]
fn setnx_setex_getset_getdel_getex() {
    let (_s, mut c) = server();
    assert_reply!(c.cmd_str(&["SETNX", "k", "1"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["SETNX", "k", "2"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["SETEX", "e", "100", "v"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["TTL", "e"]), b":100\r\n");
    assert_reply!(
        c.cmd_str(&["SETEX", "e", "0", "v"]),
        b"-ERR invalid expire time in 'setex' command\r\n"
    );
    assert_reply!(c.cmd_str(&["GETSET", "k", "3"]), b"$1\r\n1\r\n");
    assert_reply!(c.cmd_str(&["GETSET", "nokey", "3"]), b"$-1\r\n");
    assert_reply!(c.cmd_str(&["GETDEL", "k"]), b"$1\r\n3\r\n");
    assert_reply!(c.cmd_str(&["GETDEL", "k"]), b"$-1\r\n");
    assert_reply!(c.cmd_str(&["GETEX", "e", "PERSIST"]), b"$1\r\nv\r\n");
    assert_reply!(c.cmd_str(&["TTL", "e"]), b":-1\r\n");
    assert_reply!(c.cmd_str(&["GETEX", "e", "EX", "50"]), b"$1\r\nv\r\n");
    assert_reply!(c.cmd_str(&["TTL", "e"]), b":50\r\n");
    assert_reply!(
        c.cmd_str(&["GETEX", "e", "EX", "5", "PX", "5"]),
        b"-ERR syntax error\r\n"
    );
    assert_reply!(c.cmd_str(&["GETEX", "missing", "EX", "5"]), b"$-1\r\n");
}

#[test]
fn mget_mset_msetnx() {
    let (_s, mut c) = server();
    assert_reply!(c.cmd_str(&["MSET", "a", "1", "b", "2"]), b"+OK\r\n");
    assert_reply!(
        c.cmd_str(&["MGET", "a", "nokey", "b"]),
        b"*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n"
    );
    assert_reply!(
        c.cmd_str(&["MSET", "a", "1", "b"]),
        b"-ERR wrong number of arguments for 'mset' command\r\n"
    );
    assert_reply!(c.cmd_str(&["MSETNX", "a", "9", "c", "3"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["EXISTS", "c"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["MSETNX", "c", "3", "d", "4"]), b":1\r\n");
    assert_reply!(
        c.cmd_str(&["MGET", "c", "d"]),
        b"*2\r\n$1\r\n3\r\n$1\r\n4\r\n"
    );
}

#[test]
fn counters() {
    let (_s, mut c) = server();
    assert_reply!(c.cmd_str(&["INCR", "n"]), b":1\r\n");
    assert_reply!(c.cmd_str(&["INCRBY", "n", "41"]), b":42\r\n");
    assert_reply!(c.cmd_str(&["DECR", "n"]), b":41\r\n");
    assert_reply!(c.cmd_str(&["DECRBY", "n", "50"]), b":-9\r\n");
    assert_reply!(c.cmd_str(&["SET", "n", "9223372036854775807"]), b"+OK\r\n");
    assert_reply!(
        c.cmd_str(&["INCR", "n"]),
        b"-ERR increment or decrement would overflow\r\n"
    );
    assert_reply!(c.cmd_str(&["SET", "s", "abc"]), b"+OK\r\n");
    assert_reply!(
        c.cmd_str(&["INCR", "s"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_reply!(c.cmd_str(&["SET", "s", " 1"]), b"+OK\r\n");
    assert_reply!(
        c.cmd_str(&["INCR", "s"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_reply!(c.cmd_str(&["INCRBYFLOAT", "f", "10.5"]), b"$4\r\n10.5\r\n");
    assert_reply!(c.cmd_str(&["INCRBYFLOAT", "f", "0.1"]), b"$4\r\n10.6\r\n");
    assert_reply!(c.cmd_str(&["INCRBYFLOAT", "f", "-5.6"]), b"$1\r\n5\r\n");
    assert_reply!(c.cmd_str(&["INCRBYFLOAT", "f", "5.0e3"]), b"$4\r\n5005\r\n");
    assert_reply!(
        c.cmd_str(&["INCRBYFLOAT", "f", "abc"]),
        b"-ERR value is not a valid float\r\n"
    );
    assert_reply!(
        c.cmd_str(&["INCRBYFLOAT", "f", "inf"]),
        b"-ERR increment would produce NaN or Infinity\r\n"
    );
}

#[test]
fn append_strlen_ranges() {
    let (_s, mut c) = server();
    assert_reply!(c.cmd_str(&["APPEND", "a", "Hello"]), b":5\r\n");
    assert_reply!(c.cmd_str(&["APPEND", "a", " World"]), b":11\r\n");
    assert_reply!(c.cmd_str(&["STRLEN", "a"]), b":11\r\n");
    assert_reply!(c.cmd_str(&["STRLEN", "nokey"]), b":0\r\n");
    assert_reply!(c.cmd_str(&["GETRANGE", "a", "0", "4"]), b"$5\r\nHello\r\n");
    assert_reply!(
        c.cmd_str(&["GETRANGE", "a", "-5", "-1"]),
        b"$5\r\nWorld\r\n"
    );
    assert_reply!(
        c.cmd_str(&["GETRANGE", "a", "-100", "100"]),
        b"$11\r\nHello World\r\n"
    );
    assert_reply!(c.cmd_str(&["GETRANGE", "a", "5", "3"]), b"$0\r\n\r\n");
    assert_reply!(c.cmd_str(&["SUBSTR", "a", "6", "-1"]), b"$5\r\nWorld\r\n");
    assert_reply!(c.cmd_str(&["SETRANGE", "a", "6", "Redis"]), b":11\r\n");
    assert_reply!(c.cmd_str(&["GET", "a"]), b"$11\r\nHello Redis\r\n");
    // Padding with zero bytes.
    assert_reply!(c.cmd_str(&["SETRANGE", "p", "3", "x"]), b":4\r\n");
    assert_reply!(c.cmd_str(&["GET", "p"]), b"$4\r\n\x00\x00\x00x\r\n");
    assert_reply!(
        c.cmd_str(&["SETRANGE", "p", "-1", "x"]),
        b"-ERR offset is out of range\r\n"
    );
    assert_reply!(
        c.cmd_str(&["SETRANGE", "p", "536870912", "x"]),
        b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    assert_reply!(c.cmd_str(&["SETRANGE", "empty", "5", ""]), b":0\r\n");
    assert_reply!(c.cmd_str(&["EXISTS", "empty"]), b":0\r\n");
}

#[test]
fn lcs() {
    let (_s, mut c) = server();
    c.cmd_str(&["MSET", "key1", "ohmytext", "key2", "mynewtext"]);
    assert_reply!(c.cmd_str(&["LCS", "key1", "key2"]), b"$6\r\nmytext\r\n");
    assert_reply!(c.cmd_str(&["LCS", "key1", "key2", "LEN"]), b":6\r\n");
    assert_reply!(
        c.cmd_str(&["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
        b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_reply!(
        c.cmd_str(&["LCS", "key1", "key2", "LEN", "IDX"]),
        b"-ERR If you want both the length and indexes, please just use IDX.\r\n"
    );
}
