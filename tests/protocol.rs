//! The wire protocol over TCP: malformed input gets Redis's error and the
//! connection closes while others and the data survive; pipelining; inline
//! commands; big values; binary keys.

use std::time::Duration;

use cedis_tests::{assert_reply, request, Server};

/// Sends `input` on a new connection and expects exactly `reply` followed
/// by the server closing the connection.
fn expect_protocol_error(s: &Server, input: &[u8], reply: &[u8]) {
    let mut c = s.conn();
    c.send(input);
    let (out, closed) = c.read_until_close(Duration::from_secs(5));
    assert_reply!(out, reply);
    assert!(
        closed,
        "connection must close after {}",
        cedis_tests::show(input)
    );
}

#[test]
fn malformed_input_closes_only_that_connection() {
    let s = Server::cedis();
    let mut keeper = s.conn();
    assert_reply!(keeper.cmd_str(&["SET", "survivor", "yes"]), b"+OK\r\n");
    expect_protocol_error(
        &s,
        b"*a\r\n",
        b"-ERR Protocol error: invalid multibulk length\r\n",
    );
    expect_protocol_error(
        &s,
        b"*1\r\n$-1\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    );
    expect_protocol_error(
        &s,
        b"*2\r\n$3\r\nGET\r\n$a\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    );
    expect_protocol_error(
        &s,
        b"*1\r\n+PING\r\n",
        b"-ERR Protocol error: expected '$', got '+'\r\n",
    );
    expect_protocol_error(
        &s,
        b"set \"a\r\n",
        b"-ERR Protocol error: unbalanced quotes in request\r\n",
    );
    expect_protocol_error(
        &s,
        b"*2\r\n$4\r\nECHO\r\n$1000000000000\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    );
    // Replies to the valid commands before the error are sent first.
    expect_protocol_error(
        &s,
        b"PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n",
        b"+PONG\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
    );
    assert_reply!(keeper.cmd_str(&["GET", "survivor"]), b"$3\r\nyes\r\n");
    assert_reply!(s.conn().cmd_str(&["PING"]), b"+PONG\r\n");
}

#[test]
fn protocol_errors_match_redis() {
    let Some(redis) = Server::redis() else { return };
    let cedis = Server::cedis();
    let inputs: &[&[u8]] = &[
        b"*a\r\n",
        b"*1\r\n$-1\r\n",
        b"*1\r\n+PING\r\n",
        b"*1\r\n$4\r\nPINGxx\r\n",
        b"$3\r\nfoo\r\n",
        b"set \"a\r\n",
        b"set 'a'b c\r\n",
        b"*-1\r\nPING\r\n",
        b"*0\r\nPING\r\n",
        b"PING\r\n\r\n  \r\nPING a\n",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    ];
    for input in inputs {
        let mut r = redis.conn();
        let mut c = cedis.conn();
        r.send(input);
        c.send(input);
        let want = r.read_until_close(Duration::from_millis(300));
        let got = c.read_until_close(Duration::from_millis(300));
        assert!(
            want == got,
            "input {}\n  redis: {} closed={}\n  cedis: {} closed={}",
            cedis_tests::show(input),
            cedis_tests::show(&want.0),
            want.1,
            cedis_tests::show(&got.0),
            got.1
        );
    }
}

#[test]
fn pipeline_of_1000_commands_in_one_write() {
    let s = Server::cedis();
    let mut c = s.conn();
    let mut wire = Vec::new();
    for i in 0..1000 {
        wire.extend(request(&[b"INCR", b"counter"]));
        if i % 100 == 0 {
            wire.extend(request(&[b"PING"]));
        }
    }
    c.send(&wire);
    let mut expected = Vec::new();
    for i in 0..1000 {
        expected.extend(format!(":{}\r\n", i + 1).into_bytes());
        if i % 100 == 0 {
            expected.extend_from_slice(b"+PONG\r\n");
        }
    }
    let mut got = Vec::new();
    for _ in 0..1010 {
        got.extend(c.read_raw());
    }
    assert_reply!(got, &expected);
}

#[test]
fn inline_commands() {
    let s = Server::cedis();
    let mut c = s.conn();
    c.send(b"SET greeting \"hello world\"\r\n");
    assert_reply!(c.read_raw(), b"+OK\r\n");
    c.send(b"GET greeting\n");
    assert_reply!(c.read_raw(), b"$11\r\nhello world\r\n");
    c.send(b"set bin \"\\x00\\xff\"\r\nstrlen bin\r\n");
    assert_reply!(c.read_raw(), b"+OK\r\n");
    assert_reply!(c.read_raw(), b":2\r\n");
    // Empty inline lines are ignored.
    c.send(b"\r\n\r\nPING\r\n");
    assert_reply!(c.read_raw(), b"+PONG\r\n");
    c.send(b"NOSUCH a b\r\n");
    assert_reply!(
        c.read_raw(),
        b"-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n"
    );
}

#[test]
fn one_megabyte_value() {
    let s = Server::cedis();
    let mut c = s.conn();
    let value: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    assert_reply!(c.cmd(&[b"SET", b"big", &value]), b"+OK\r\n");
    let reply = c.cmd(&[b"GET", b"big"]);
    let mut want = format!("${}\r\n", value.len()).into_bytes();
    want.extend_from_slice(&value);
    want.extend_from_slice(b"\r\n");
    assert!(reply == want, "1 MB value did not round-trip");
    assert_reply!(c.cmd_str(&["STRLEN", "big"]), b":1048576\r\n");
    // Sent in small pieces, too.
    let wire = request(&[b"SET", b"big2", &value]);
    for chunk in wire.chunks(7919) {
        c.send(chunk);
    }
    assert_reply!(c.read_raw(), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["STRLEN", "big2"]), b":1048576\r\n");
}

#[test]
fn binary_keys_and_values() {
    let s = Server::cedis();
    let mut c = s.conn();
    let key: &[u8] = b"k\x00\r\n\xff";
    let value: &[u8] = b"\r\n$1\r\n\x00";
    assert_reply!(c.cmd(&[b"SET", key, value]), b"+OK\r\n");
    assert_reply!(c.cmd(&[b"GET", key]), b"$7\r\n\r\n$1\r\n\x00\r\n");
    assert_reply!(c.cmd(&[b"GET", b"k"]), b"$-1\r\n");
    assert_reply!(c.cmd(&[b"EXISTS", key]), b":1\r\n");
    assert_reply!(c.cmd(&[b"KEYS", b"k*"]), b"*1\r\n$5\r\nk\x00\r\n\xff\r\n");
    assert_reply!(c.cmd(&[b"RENAME", key, b"\x00"]), b"+OK\r\n");
    assert_reply!(c.cmd(&[b"GET", b"\x00"]), b"$7\r\n\r\n$1\r\n\x00\r\n");
}
