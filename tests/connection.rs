//! Connection commands over TCP: PING, ECHO, SELECT, HELLO, AUTH with
//! `--requirepass`, QUIT, RESET, CLIENT SETNAME/GETNAME.

use std::time::Duration;

use cedis_tests::{assert_reply, assert_same_as_redis, Server};

#[test]
fn ping_and_echo() {
    let s = Server::cedis();
    let mut c = s.conn();
    assert_reply!(c.cmd_str(&["PING"]), b"+PONG\r\n");
    assert_reply!(c.cmd_str(&["ping", "hi"]), b"$2\r\nhi\r\n");
    assert_reply!(
        c.cmd_str(&["PING", "a", "b"]),
        b"-ERR wrong number of arguments for 'ping' command\r\n"
    );
    assert_reply!(c.cmd(&[b"ECHO", b"a\x00b\r\n"]), b"$5\r\na\x00b\r\n\r\n");
    assert_reply!(c.cmd_str(&["ECHO", ""]), b"$0\r\n\r\n");
    assert_reply!(
        c.cmd_str(&["ECHO"]),
        b"-ERR wrong number of arguments for 'echo' command\r\n"
    );
}

#[test]
fn select_switches_databases() {
    let s = Server::cedis();
    let mut c = s.conn();
    assert_reply!(c.cmd_str(&["SET", "k", "zero"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["SELECT", "9"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["GET", "k"]), b"$-1\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "nine"]), b"+OK\r\n");
    // Another connection starts in db 0.
    let mut d = s.conn();
    assert_reply!(d.cmd_str(&["GET", "k"]), b"$4\r\nzero\r\n");
    assert_reply!(c.cmd_str(&["GET", "k"]), b"$4\r\nnine\r\n");
    assert_reply!(
        c.cmd_str(&["SELECT", "16"]),
        b"-ERR DB index is out of range\r\n"
    );
    assert_reply!(
        c.cmd_str(&["SELECT", "x"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
    // A failed SELECT keeps the current database.
    assert_reply!(c.cmd_str(&["GET", "k"]), b"$4\r\nnine\r\n");
}

#[test]
fn select_with_databases_option() {
    let s = Server::cedis_with(&["--databases", "2"]);
    let mut c = s.conn();
    assert_reply!(c.cmd_str(&["SELECT", "1"]), b"+OK\r\n");
    assert_reply!(
        c.cmd_str(&["SELECT", "2"]),
        b"-ERR DB index is out of range\r\n"
    );
}

/// The HELLO map without its `id` value, which differs per connection.
fn hello_shape(reply: &[u8]) -> Vec<u8> {
    let text = reply.to_vec();
    let start = text
        .windows(8)
        .position(|w| w == b"$2\r\nid\r\n")
        .expect("HELLO reply has an id field")
        + 8;
    let end = start + text[start..].windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    [&text[..start], b":<id>\r\n", &text[end..]].concat()
}

#[test]
fn hello_reply_shapes() {
    let s = Server::cedis();
    let mut c = s.conn();
    let r3 = c.cmd_str(&["HELLO", "3"]);
    assert_reply!(
        hello_shape(&r3),
        b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:<id>\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    );
    // The connection now speaks RESP3: a missing key is `_`.
    assert_reply!(c.cmd_str(&["GET", "nokey"]), b"_\r\n");
    let r2 = c.cmd_str(&["HELLO", "2"]);
    assert_reply!(
        hello_shape(&r2),
        b"*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:<id>\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    );
    assert_reply!(c.cmd_str(&["GET", "nokey"]), b"$-1\r\n");
    // HELLO with no version keeps the protocol.
    let r = c.cmd_str(&["HELLO"]);
    assert!(r.starts_with(b"*14\r\n"), "{}", cedis_tests::show(&r));
    assert_reply!(
        c.cmd_str(&["HELLO", "4"]),
        b"-NOPROTO unsupported protocol version\r\n"
    );
    // HELLO SETNAME names the connection.
    let r = c.cmd_str(&["HELLO", "3", "SETNAME", "named"]);
    assert!(r.starts_with(b"%7\r\n"));
    assert_reply!(c.cmd_str(&["CLIENT", "GETNAME"]), b"$5\r\nnamed\r\n");
}

#[test]
fn auth_with_requirepass() {
    let s = Server::cedis_with(&["--requirepass", "s3cret"]);
    let mut c = s.conn();
    assert_reply!(
        c.cmd_str(&["GET", "k"]),
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_reply!(
        c.cmd_str(&["AUTH", "wrong"]),
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_reply!(c.cmd_str(&["AUTH", "s3cret"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["SET", "k", "v"]), b"+OK\r\n");
    // A new connection must authenticate again; AUTH default <pass> works.
    let mut d = s.conn();
    assert_reply!(
        d.cmd_str(&["GET", "k"]),
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_reply!(d.cmd_str(&["AUTH", "default", "s3cret"]), b"+OK\r\n");
    assert_reply!(d.cmd_str(&["GET", "k"]), b"$1\r\nv\r\n");
    // HELLO AUTH authenticates and switches protocol in one step.
    let mut e = s.conn();
    let r = e.cmd_str(&["HELLO", "3", "AUTH", "default", "s3cret"]);
    assert!(r.starts_with(b"%7\r\n"), "{}", cedis_tests::show(&r));
    assert_reply!(e.cmd_str(&["GET", "nokey"]), b"_\r\n");
}

#[test]
fn auth_errors_match_redis() {
    assert_same_as_redis(
        &["--requirepass", "pw"],
        &[
            &["PING"],
            &["GET", "k"],
            &["HELLO", "3", "AUTH", "default", "bad"],
            &["AUTH"],
            &["AUTH", "a", "b", "c"],
            &["AUTH", "bad"],
            &["AUTH", "nouser", "pw"],
            &["AUTH", "pw"],
            &["GET", "k"],
            &["AUTH", "bad"],
            &["GET", "k"],
        ],
    );
    assert_same_as_redis(&[], &[&["AUTH", "x"], &["AUTH", "default", "x"]]);
}

#[test]
fn quit_replies_ok_and_closes() {
    let s = Server::cedis();
    let mut c = s.conn();
    assert_reply!(c.cmd_str(&["QUIT"]), b"+OK\r\n");
    assert!(
        c.is_closed(Duration::from_secs(5)),
        "QUIT must close the connection"
    );
    // Commands pipelined after QUIT are not executed.
    let mut d = s.conn();
    d.send(b"SET a 1\r\nQUIT\r\nSET b 2\r\n");
    let (out, closed) = d.read_until_close(Duration::from_secs(5));
    assert_reply!(out, b"+OK\r\n+OK\r\n");
    assert!(closed);
    let mut e = s.conn();
    assert_reply!(e.cmd_str(&["EXISTS", "a", "b"]), b":1\r\n");
}

#[test]
fn reset_restores_connection_defaults() {
    let s = Server::cedis_with(&["--requirepass", "pw"]);
    let mut c = s.conn();
    assert_reply!(c.cmd_str(&["AUTH", "pw"]), b"+OK\r\n");
    c.cmd_str(&["HELLO", "3"]);
    assert_reply!(c.cmd_str(&["SELECT", "3"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["CLIENT", "SETNAME", "x"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["RESET"]), b"+RESET\r\n");
    // Back to RESP2, db 0, no name, and not authenticated.
    assert_reply!(
        c.cmd_str(&["GET", "k"]),
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_reply!(c.cmd_str(&["AUTH", "pw"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["GET", "nokey"]), b"$-1\r\n");
    assert_reply!(c.cmd_str(&["CLIENT", "GETNAME"]), b"$-1\r\n");
    assert_reply!(c.cmd_str(&["SET", "db0", "v"]), b"+OK\r\n");
    let mut d = s.conn();
    d.cmd_str(&["AUTH", "pw"]);
    assert_reply!(d.cmd_str(&["GET", "db0"]), b"$1\r\nv\r\n");
}

#[test]
fn client_names() {
    let s = Server::cedis();
    let mut c = s.conn();
    assert_reply!(c.cmd_str(&["CLIENT", "GETNAME"]), b"$-1\r\n");
    assert_reply!(c.cmd_str(&["CLIENT", "SETNAME", "worker-1"]), b"+OK\r\n");
    assert_reply!(c.cmd_str(&["CLIENT", "GETNAME"]), b"$8\r\nworker-1\r\n");
    assert_reply!(
        c.cmd_str(&["CLIENT", "SETNAME", "a b"]),
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    let mut r = c.cmd_str(&["CLIENT", "ID"]);
    assert!(r.first() == Some(&b':'), "{}", cedis_tests::show(&r));
    r.clear();
}

#[test]
fn redis_crate_talks_to_cedis() {
    let s = Server::cedis();
    let mut con = s.redis_conn();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    let _: () = redis::cmd("SET").arg("k").arg(42).query(&mut con).unwrap();
    let v: i64 = redis::cmd("INCRBY")
        .arg("k")
        .arg(8)
        .query(&mut con)
        .unwrap();
    assert_eq!(v, 50);
    let got: Option<String> = redis::cmd("GET").arg("missing").query(&mut con).unwrap();
    assert_eq!(got, None);
    let err = redis::cmd("INCR")
        .arg("k")
        .arg("extra")
        .query::<i64>(&mut con)
        .unwrap_err();
    assert!(
        err.to_string().contains("wrong number of arguments"),
        "{err}"
    );
}
