//! MULTI / EXEC / DISCARD / WATCH / UNWATCH over TCP with several raw RESP
//! clients: queuing, queue-time errors (EXECABORT), runtime errors that do
//! not roll back, the misuse errors, atomicity seen by a concurrent reader,
//! and what does and does not invalidate a WATCH.
//!
//! Every scenario runs against cedis and, when one is installed, against a
//! real redis-server with the same expected bytes. Blocking commands inside
//! MULTI (they do not block) and keys pushed inside a transaction waking
//! blocked clients only after EXEC are covered in `tests/blocking.rs`
//! (`blocking_commands_inside_multi_do_not_block`,
//! `key_ready_only_after_the_transaction_completes`,
//! `keys_ready_in_one_transaction_serve_in_ready_order`).

use std::time::Duration;

use cedis_tests::{assert_reply, on_both, request, Conn, Server};

const EXECABORT: &[u8] = b"-EXECABORT Transaction discarded because of previous errors.\r\n";

#[test]
fn queued_replies_and_exec_results() {
    on_both(|s| {
        let mut c = s.conn();
        assert_reply!(c.cmd_str(&["MULTI"]), b"+OK\r\n");
        assert_reply!(c.cmd_str(&["SET", "a", "1"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["INCRBY", "a", "41"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["GET", "a"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["LPUSH", "l", "x", "y"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["LRANGE", "l", "0", "-1"]), b"+QUEUED\r\n");
        assert_reply!(
            c.cmd_str(&["EXEC"]),
            b"*5\r\n+OK\r\n:42\r\n$2\r\n42\r\n:2\r\n*2\r\n$1\r\ny\r\n$1\r\nx\r\n"
        );
        // An empty transaction; DISCARD drops what was queued.
        assert_reply!(c.cmd_str(&["MULTI"]), b"+OK\r\n");
        assert_reply!(c.cmd_str(&["EXEC"]), b"*0\r\n");
        assert_reply!(c.cmd_str(&["MULTI"]), b"+OK\r\n");
        assert_reply!(c.cmd_str(&["SET", "a", "dropped"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["DISCARD"]), b"+OK\r\n");
        assert_reply!(c.cmd_str(&["GET", "a"]), b"$2\r\n42\r\n");
        // RESP3: the same, with RESP3 replies inside EXEC's array.
        c.cmd_str(&["HELLO", "3"]);
        assert_reply!(c.cmd_str(&["MULTI"]), b"+OK\r\n");
        assert_reply!(c.cmd_str(&["GET", "nope"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["HSET", "h", "f", "v"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["HGETALL", "h"]), b"+QUEUED\r\n");
        assert_reply!(
            c.cmd_str(&["EXEC"]),
            b"*3\r\n_\r\n:1\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n"
        );
    });
}

#[test]
fn queue_time_errors_abort_with_execabort() {
    on_both(|s| {
        let mut c = s.conn();
        let mut other = s.conn();
        // Unknown command.
        c.cmd_str(&["MULTI"]);
        assert_reply!(c.cmd_str(&["SET", "a", "1"]), b"+QUEUED\r\n");
        assert_reply!(
            c.cmd_str(&["NOSUCH", "x"]),
            b"-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n"
        );
        assert_reply!(c.cmd_str(&["SET", "b", "1"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["EXEC"]), EXECABORT);
        assert_reply!(other.cmd_str(&["EXISTS", "a", "b"]), b":0\r\n");
        // Wrong arity.
        c.cmd_str(&["MULTI"]);
        assert_reply!(
            c.cmd_str(&["SET", "a"]),
            b"-ERR wrong number of arguments for 'set' command\r\n"
        );
        assert_reply!(c.cmd_str(&["INCR", "a"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["EXEC"]), EXECABORT);
        assert_reply!(other.cmd_str(&["EXISTS", "a"]), b":0\r\n");
        // The client is out of MULTI after EXECABORT.
        assert_reply!(c.cmd_str(&["EXEC"]), b"-ERR EXEC without MULTI\r\n");
        // RESP3: same texts.
        c.cmd_str(&["HELLO", "3"]);
        c.cmd_str(&["MULTI"]);
        assert_reply!(
            c.cmd_str(&["GET"]),
            b"-ERR wrong number of arguments for 'get' command\r\n"
        );
        assert_reply!(c.cmd_str(&["EXEC"]), EXECABORT);
        // DISCARD after a queue-time error is fine.
        c.cmd_str(&["MULTI"]);
        c.cmd_str(&["NOSUCH"]);
        assert_reply!(c.cmd_str(&["DISCARD"]), b"+OK\r\n");
        assert_reply!(c.cmd_str(&["PING"]), b"+PONG\r\n");
    });
}

#[test]
fn runtime_errors_inside_exec_do_not_roll_back() {
    on_both(|s| {
        let mut c = s.conn();
        c.cmd_str(&["SET", "s", "text"]);
        c.cmd_str(&["MULTI"]);
        c.cmd_str(&["SET", "a", "1"]);
        c.cmd_str(&["INCR", "s"]);
        c.cmd_str(&["LPUSH", "s", "x"]);
        c.cmd_str(&["SET", "b", "2"]);
        assert_reply!(
            c.cmd_str(&["EXEC"]),
            b"*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n-WRONGTYPE \
              Operation against a key holding the wrong kind of value\r\n+OK\r\n"
        );
        assert_reply!(
            c.cmd_str(&["MGET", "a", "b", "s"]),
            b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$4\r\ntext\r\n"
        );
    });
}

#[test]
fn misuse_errors() {
    on_both(|s| {
        let mut c = s.conn();
        assert_reply!(c.cmd_str(&["EXEC"]), b"-ERR EXEC without MULTI\r\n");
        assert_reply!(c.cmd_str(&["DISCARD"]), b"-ERR DISCARD without MULTI\r\n");
        assert_reply!(c.cmd_str(&["MULTI"]), b"+OK\r\n");
        // Nested MULTI and WATCH inside MULTI are refused without aborting
        // the transaction.
        assert_reply!(
            c.cmd_str(&["MULTI"]),
            b"-ERR MULTI calls can not be nested\r\n"
        );
        assert_reply!(
            c.cmd_str(&["WATCH", "x"]),
            b"-ERR WATCH inside MULTI is not allowed\r\n"
        );
        assert_reply!(c.cmd_str(&["SET", "x", "1"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["EXEC"]), b"*1\r\n+OK\r\n");
        // UNWATCH inside MULTI is queued like any command.
        c.cmd_str(&["MULTI"]);
        assert_reply!(c.cmd_str(&["UNWATCH"]), b"+QUEUED\r\n");
        assert_reply!(c.cmd_str(&["EXEC"]), b"*1\r\n+OK\r\n");
        assert_reply!(
            c.cmd_str(&["WATCH"]),
            b"-ERR wrong number of arguments for 'watch' command\r\n"
        );
        assert_reply!(
            c.cmd_str(&["MULTI", "x"]),
            b"-ERR wrong number of arguments for 'multi' command\r\n"
        );
    });
}

/// A reader polling `MGET a b` while another client runs many
/// `MULTI; INCR a; INCR b; EXEC` never sees them differ.
#[test]
fn another_client_never_sees_an_intermediate_state() {
    const N: usize = 300;
    on_both(|s| {
        let mut w = s.conn();
        let mut r = s.conn();
        let mut pipe = Vec::new();
        for _ in 0..N {
            for cmd in [
                &[&b"MULTI"[..]][..],
                &[b"INCR", b"a"],
                &[b"INCR", b"b"],
                &[b"EXEC"],
            ] {
                pipe.extend(request(cmd));
            }
        }
        let writer = std::thread::spawn(move || {
            // In chunks, so the reader's commands land between transactions.
            for chunk in pipe.chunks(4096) {
                w.send(chunk);
            }
            for i in 1..=N {
                assert_reply!(w.read_raw(), b"+OK\r\n");
                assert_reply!(w.read_raw(), b"+QUEUED\r\n");
                assert_reply!(w.read_raw(), b"+QUEUED\r\n");
                let want = format!("*2\r\n:{i}\r\n:{i}\r\n");
                assert_reply!(w.read_raw(), want.as_bytes());
            }
        });
        let last = format!("$3\r\n{N}\r\n");
        let mut reads = 0;
        loop {
            reads += 1;
            let got = r.cmd_str(&["MGET", "a", "b"]);
            // Two equal bulk strings (or two nulls) after the array header.
            let rest = got.strip_prefix(b"*2\r\n").expect("MGET gives an array");
            let (a, b) = rest.split_at(rest.len() / 2);
            assert!(
                a == b,
                "a != b seen by the reader: {}",
                cedis_tests::show(&got)
            );
            if a == last.as_bytes() || reads > 200_000 {
                break;
            }
        }
        writer.join().expect("writer thread");
        let want = format!("*2\r\n$3\r\n{N}\r\n$3\r\n{N}\r\n");
        assert_reply!(r.cmd_str(&["MGET", "a", "b"]), want.as_bytes());
    });
}

/// Runs `WATCH key` on a fresh watcher in `db` after `setup` (on another
/// client, in db 0), then `action` on that other client, then a
/// transaction; returns EXEC's reply.
fn watch_then(
    s: &Server,
    db: &str,
    key: &str,
    setup: Cmds,
    action: &mut dyn FnMut(&mut Conn),
) -> Vec<u8> {
    let mut admin = s.conn();
    assert_reply!(admin.cmd_str(&["FLUSHALL"]), b"+OK\r\n");
    for cmd in setup {
        admin.cmd_str(cmd);
    }
    let mut w = s.conn();
    assert_reply!(w.cmd_str(&["SELECT", db]), b"+OK\r\n");
    assert_reply!(w.cmd_str(&["WATCH", key]), b"+OK\r\n");
    action(&mut admin);
    multi_ping_exec(&mut w)
}

/// Runs `MULTI; PING; EXEC` on `w` and returns EXEC's reply.
fn multi_ping_exec(w: &mut Conn) -> Vec<u8> {
    assert_reply!(w.cmd_str(&["MULTI"]), b"+OK\r\n");
    assert_reply!(w.cmd_str(&["PING"]), b"+QUEUED\r\n");
    w.cmd_str(&["EXEC"])
}

/// Commands, each as its arguments.
type Cmds = &'static [&'static [&'static str]];

const ABORTED: &[u8] = b"*-1\r\n";
const RAN: &[u8] = b"*1\r\n+PONG\r\n";

/// Each command that changes the watched key (or its database) aborts the
/// transaction.
#[test]
fn watch_is_invalidated_by_changes_to_the_key() {
    let set_x: Cmds = &[&["SET", "x", "1"]];
    let cases: &[(&str, &str, Cmds, &[&str])] = &[
        ("write", "0", set_x, &["SET", "x", "2"]),
        ("write creating", "0", &[], &["SET", "x", "2"]),
        ("append", "0", set_x, &["APPEND", "x", "2"]),
        ("DEL", "0", set_x, &["DEL", "x"]),
        ("UNLINK", "0", set_x, &["UNLINK", "x"]),
        ("EXPIRE", "0", set_x, &["EXPIRE", "x", "100"]),
        (
            "PERSIST",
            "0",
            &[&["SET", "x", "1", "EX", "100"]],
            &["PERSIST", "x"],
        ),
        ("FLUSHDB", "0", set_x, &["FLUSHDB"]),
        ("FLUSHALL", "0", set_x, &["FLUSHALL"]),
        ("SWAPDB from", "0", set_x, &["SWAPDB", "0", "1"]),
        ("SWAPDB into", "1", set_x, &["SWAPDB", "0", "1"]),
        ("RENAME source", "0", set_x, &["RENAME", "x", "y"]),
        (
            "RENAME destination",
            "0",
            &[&["SET", "y", "1"]],
            &["RENAME", "y", "x"],
        ),
        ("MOVE source", "0", set_x, &["MOVE", "x", "1"]),
        ("MOVE destination", "1", set_x, &["MOVE", "x", "1"]),
        ("LPUSH", "0", &[], &["LPUSH", "x", "a"]),
        (
            "SORT STORE",
            "0",
            &[&["RPUSH", "l", "1"]],
            &["SORT", "l", "STORE", "x"],
        ),
    ];
    on_both(|s| {
        for (what, db, setup, action) in cases {
            let got = watch_then(s, db, "x", setup, &mut |c| {
                c.cmd_str(action);
            });
            assert!(
                got == ABORTED,
                "{what}: EXEC gave {}",
                cedis_tests::show(&got)
            );
        }
        // The watcher's own write before MULTI counts too.
        let mut w = s.conn();
        w.cmd_str(&["WATCH", "own"]);
        w.cmd_str(&["SET", "own", "1"]);
        assert_reply!(multi_ping_exec(&mut w), ABORTED);
        // RESP3: an aborted EXEC is a null.
        w.cmd_str(&["HELLO", "3"]);
        w.cmd_str(&["WATCH", "own"]);
        s.conn().cmd_str(&["DEL", "own"]);
        assert_reply!(multi_ping_exec(&mut w), b"_\r\n");
    });
}

/// Reads, writes to other keys, the same name in another database, and
/// commands that change nothing leave a WATCH intact; UNWATCH, EXEC and
/// DISCARD forget it.
#[test]
fn watch_is_not_invalidated_by_reads_or_other_keys() {
    let set_x: Cmds = &[&["SET", "x", "1"]];
    let cases: &[(&str, Cmds, Cmds)] = &[
        ("GET", set_x, &[&["GET", "x"]]),
        ("EXISTS and TTL", set_x, &[&["EXISTS", "x"], &["TTL", "x"]]),
        ("other key", set_x, &[&["SET", "y", "1"], &["DEL", "y"]]),
        (
            "same name in db 1",
            set_x,
            &[
                &["SELECT", "1"],
                &["SET", "x", "2"],
                &["DEL", "x"],
                &["SELECT", "0"],
            ],
        ),
        (
            "FLUSHDB of another db",
            set_x,
            &[
                &["SELECT", "1"],
                &["SET", "x", "2"],
                &["FLUSHDB"],
                &["SELECT", "0"],
            ],
        ),
        ("SWAPDB of other dbs", set_x, &[&["SWAPDB", "1", "2"]]),
        ("DEL of a missing key", &[], &[&["DEL", "x"]]),
        ("FLUSHALL, key absent", &[], &[&["FLUSHALL"]]),
        ("SWAPDB, key absent in both", &[], &[&["SWAPDB", "0", "1"]]),
    ];
    on_both(|s| {
        for (what, setup, action) in cases {
            let got = watch_then(s, "0", "x", setup, &mut |c| {
                for cmd in *action {
                    c.cmd_str(cmd);
                }
            });
            assert!(got == RAN, "{what}: EXEC gave {}", cedis_tests::show(&got));
        }
        // UNWATCH forgets; so do EXEC and DISCARD.
        let mut w = s.conn();
        let mut o = s.conn();
        for end in ["UNWATCH", "EXEC", "DISCARD"] {
            w.cmd_str(&["WATCH", "x"]);
            match end {
                "UNWATCH" => assert_reply!(w.cmd_str(&["UNWATCH"]), b"+OK\r\n"),
                _ => {
                    w.cmd_str(&["MULTI"]);
                    w.cmd_str(&[end]);
                }
            }
            o.cmd_str(&["SET", "x", end]);
            assert_reply!(multi_ping_exec(&mut w), RAN);
        }
    });
}

/// A watched key that expires between WATCH and EXEC aborts the
/// transaction, whether another client's access deleted it (lazy expiry),
/// the active cycle did, or nobody touched it before EXEC. The key's TTL is
/// short and the test only waits until it has passed (no upper bound).
#[test]
fn watch_is_invalidated_by_expiry() {
    on_both(|s| {
        for how in ["lazy", "untouched"] {
            let mut admin = s.conn();
            admin.cmd_str(&["FLUSHALL"]);
            admin.cmd_str(&["SET", "x", "1", "PX", "100"]);
            let mut w = s.conn();
            assert_reply!(w.cmd_str(&["WATCH", "x"]), b"+OK\r\n");
            std::thread::sleep(Duration::from_millis(150));
            if how == "lazy" {
                assert_reply!(admin.cmd_str(&["GET", "x"]), b"$-1\r\n");
            }
            let got = multi_ping_exec(&mut w);
            assert!(
                got == ABORTED,
                "{how}: EXEC gave {}",
                cedis_tests::show(&got)
            );
        }
        // A key that had already expired when watched is just absent.
        let mut admin = s.conn();
        admin.cmd_str(&["SET", "y", "1", "PX", "1"]);
        std::thread::sleep(Duration::from_millis(20));
        let mut w = s.conn();
        w.cmd_str(&["WATCH", "y"]);
        assert_reply!(multi_ping_exec(&mut w), RAN);
    });
}

/// Two watchers of one key: the transaction that runs first invalidates
/// the other (check-and-set).
#[test]
fn optimistic_check_and_set_between_two_clients() {
    on_both(|s| {
        let mut a = s.conn();
        let mut b = s.conn();
        a.cmd_str(&["SET", "counter", "10"]);
        for c in [&mut a, &mut b] {
            assert_reply!(c.cmd_str(&["WATCH", "counter"]), b"+OK\r\n");
            assert_reply!(c.cmd_str(&["GET", "counter"]), b"$2\r\n10\r\n");
            assert_reply!(c.cmd_str(&["MULTI"]), b"+OK\r\n");
            assert_reply!(c.cmd_str(&["SET", "counter", "11"]), b"+QUEUED\r\n");
        }
        assert_reply!(a.cmd_str(&["EXEC"]), b"*1\r\n+OK\r\n");
        assert_reply!(b.cmd_str(&["EXEC"]), ABORTED);
        // Retried, b now succeeds.
        b.cmd_str(&["WATCH", "counter"]);
        assert_reply!(b.cmd_str(&["GET", "counter"]), b"$2\r\n11\r\n");
        b.cmd_str(&["MULTI"]);
        b.cmd_str(&["SET", "counter", "12"]);
        assert_reply!(b.cmd_str(&["EXEC"]), b"*1\r\n+OK\r\n");
    });
}
