//! Graceful shutdown: SIGTERM exits with status 0 and removes the pidfile;
//! the SHUTDOWN command closes the connection and stops the server.

use std::time::Duration;

use cedis_tests::{assert_reply, wait_until, Server};

#[test]
fn sigterm_exits_cleanly_and_removes_pidfile() {
    // pidfile is immutable: it is given on the command line.
    let dir = cedis_tests::TempDir::new();
    let pidfile = dir.path().join("cedis.pid");
    let mut s = Server::cedis_with(&["--pidfile", pidfile.to_str().unwrap()]);
    assert!(
        wait_until(Duration::from_secs(5), || pidfile.exists()),
        "pidfile not written"
    );
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    assert_eq!(pid.trim(), s.pid().to_string());
    let mut c = s.conn();
    assert_reply!(c.cmd_str(&["SET", "k", "v"]), b"+OK\r\n");
    s.sigterm();
    let status = s
        .wait_exit(Duration::from_secs(10))
        .expect("server did not exit after SIGTERM");
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status}"
    );
    assert!(!pidfile.exists(), "pidfile must be removed on shutdown");
    assert!(c.is_closed(Duration::from_secs(5)));
}

#[test]
fn shutdown_command() {
    let mut s = Server::cedis();
    let mut c = s.conn();
    let mut other = s.conn();
    assert_reply!(c.cmd_str(&["SHUTDOWN", "foo"]), b"-ERR syntax error\r\n");
    c.send(&cedis_tests::request(&[b"SHUTDOWN", b"NOSAVE"]));
    let (out, closed) = c.read_until_close(Duration::from_secs(10));
    assert!(closed, "SHUTDOWN must close the connection");
    assert!(
        out.is_empty(),
        "SHUTDOWN replied {}",
        cedis_tests::show(&out)
    );
    let status = s
        .wait_exit(Duration::from_secs(10))
        .expect("server did not exit after SHUTDOWN");
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SHUTDOWN: {status}"
    );
    assert!(other.is_closed(Duration::from_secs(5)));
}

#[test]
fn shutdown_matches_redis_replies() {
    cedis_tests::assert_same_as_redis(
        &[],
        &[
            &["SHUTDOWN", "foo"],
            &["SHUTDOWN", "NOSAVE", "SAVE"],
            &["SHUTDOWN", "ABORT"],
        ],
    );
}
