//! Blocking list and sorted-set commands over TCP with several raw RESP
//! clients: BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX,
//! BZMPOP.
//!
//! Every scenario runs against cedis and, when one is installed, against a
//! real redis-server with the same expected bytes, so the expectations are
//! Redis's observed behaviour, not our reading of it. A client is known to be
//! blocked by polling `INFO clients` (`blocked_clients`), never by sleeping;
//! every read has a timeout and every blocking command a finite one.

use std::time::{Duration, Instant};

use cedis_tests::{assert_reply, on_both, wait_until, Conn, Server};

/// How long a scenario waits for the server to reach a state.
const WAIT: Duration = Duration::from_secs(5);

/// The server's `blocked_clients` count.
fn blocked(c: &mut Conn) -> u64 {
    let v = c.info_field("clients", "blocked_clients");
    v.parse()
        .unwrap_or_else(|_| panic!("blocked_clients not a number: {v}"))
}

/// Polls until exactly `n` clients are blocked.
fn wait_blocked(admin: &mut Conn, n: u64) {
    let mut last = 0;
    assert!(
        wait_until(WAIT, || {
            last = blocked(admin);
            last == n
        }),
        "expected {n} blocked clients, have {last}"
    );
}

/// Asserts that `c` has no reply pending within a short grace period.
fn assert_silent(c: &mut Conn) {
    c.assert_silent(Duration::from_millis(100));
}

fn conn(s: &Server) -> Conn {
    let mut c = s.conn();
    c.set_timeout(WAIT);
    c
}

#[test]
fn fifo_order_among_clients_on_one_key() {
    on_both(|s| {
        let mut admin = conn(s);
        let mut cs: Vec<Conn> = (0..3).map(|_| conn(s)).collect();
        for (i, c) in cs.iter_mut().enumerate() {
            c.send_str(&["BLPOP", "k", "5"]);
            wait_blocked(&mut admin, i as u64 + 1);
        }
        // One push of two elements serves the two oldest waiters.
        assert_reply!(admin.cmd_str(&["RPUSH", "k", "a", "b"]), b":2\r\n");
        assert_reply!(cs[0].read_raw(), b"*2\r\n$1\r\nk\r\n$1\r\na\r\n");
        assert_reply!(cs[1].read_raw(), b"*2\r\n$1\r\nk\r\n$1\r\nb\r\n");
        wait_blocked(&mut admin, 1);
        assert_silent(&mut cs[2]);
        assert_reply!(admin.cmd_str(&["EXISTS", "k"]), b":0\r\n");
        assert_reply!(admin.cmd_str(&["LPUSH", "k", "c", "d"]), b":2\r\n");
        assert_reply!(cs[2].read_raw(), b"*2\r\n$1\r\nk\r\n$1\r\nd\r\n");
        assert_reply!(
            admin.cmd_str(&["LRANGE", "k", "0", "-1"]),
            b"*1\r\n$1\r\nc\r\n"
        );
        wait_blocked(&mut admin, 0);
    });
}

#[test]
fn one_push_serves_several_clients_and_leaves_the_rest() {
    on_both(|s| {
        let mut admin = conn(s);
        let mut a = conn(s);
        let mut b = conn(s);
        a.send_str(&["BRPOP", "q", "5"]);
        wait_blocked(&mut admin, 1);
        b.send_str(&["BLMPOP", "5", "1", "q", "LEFT", "COUNT", "2"]);
        wait_blocked(&mut admin, 2);
        assert_reply!(
            admin.cmd_str(&["RPUSH", "q", "1", "2", "3", "4"]),
            b":4\r\n"
        );
        assert_reply!(a.read_raw(), b"*2\r\n$1\r\nq\r\n$1\r\n4\r\n");
        assert_reply!(
            b.read_raw(),
            b"*2\r\n$1\r\nq\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
        );
        assert_reply!(
            admin.cmd_str(&["LRANGE", "q", "0", "-1"]),
            b"*1\r\n$1\r\n3\r\n"
        );
        wait_blocked(&mut admin, 0);
    });
}

#[test]
fn several_keys_first_non_empty_in_argument_order() {
    on_both(|s| {
        let mut admin = conn(s);
        let mut c = conn(s);
        admin.cmd_str(&["RPUSH", "k3", "z"]);
        admin.cmd_str(&["RPUSH", "k2", "y"]);
        assert_reply!(
            c.cmd_str(&["BLPOP", "k1", "k2", "k3", "1"]),
            b"*2\r\n$2\r\nk2\r\n$1\r\ny\r\n"
        );
        assert_reply!(
            c.cmd_str(&["BRPOP", "k1", "k2", "k3", "1"]),
            b"*2\r\n$2\r\nk3\r\n$1\r\nz\r\n"
        );
        // Blocked on several keys: a push to the last one serves it.
        c.send_str(&["BLPOP", "k1", "k2", "k3", "5"]);
        wait_blocked(&mut admin, 1);
        admin.cmd_str(&["RPUSH", "k3", "w"]);
        assert_reply!(c.read_raw(), b"*2\r\n$2\r\nk3\r\n$1\r\nw\r\n");
        wait_blocked(&mut admin, 0);
    });
}

/// A waiter on several keys that become ready in one transaction is served
/// from the key that became ready first (k2 was pushed first), as
/// redis-server does, not in the order of its arguments.
#[test]
fn keys_ready_in_one_transaction_serve_in_ready_order() {
    on_both(|s| {
        let mut admin = conn(s);
        let mut c = conn(s);
        // Two keys made ready by one transaction: the first one touched wins.
        c.send_str(&["BLPOP", "k1", "k2", "5"]);
        wait_blocked(&mut admin, 1);
        admin.cmd_str(&["MULTI"]);
        admin.cmd_str(&["RPUSH", "k2", "two"]);
        admin.cmd_str(&["RPUSH", "k1", "one"]);
        assert_reply!(admin.cmd_str(&["EXEC"]), b"*2\r\n:1\r\n:1\r\n");
        assert_reply!(c.read_raw(), b"*2\r\n$2\r\nk2\r\n$3\r\ntwo\r\n");
        assert_reply!(
            admin.cmd_str(&["LRANGE", "k1", "0", "-1"]),
            b"*1\r\n$3\r\none\r\n"
        );
        wait_blocked(&mut admin, 0);
    });
}

#[test]
fn key_ready_only_after_the_transaction_completes() {
    on_both(|s| {
        let mut admin = conn(s);
        let mut c = conn(s);
        c.send_str(&["BLPOP", "k", "5"]);
        wait_blocked(&mut admin, 1);
        admin.cmd_str(&["MULTI"]);
        admin.cmd_str(&["LPUSH", "k", "x"]);
        admin.cmd_str(&["DEL", "k"]);
        assert_reply!(admin.cmd_str(&["EXEC"]), b"*2\r\n:1\r\n:1\r\n");
        assert_silent(&mut c);
        wait_blocked(&mut admin, 1);
        // Pushed then partly popped in one transaction: the waiter gets what is left.
        admin.cmd_str(&["MULTI"]);
        admin.cmd_str(&["RPUSH", "k", "a", "b"]);
        admin.cmd_str(&["LPOP", "k"]);
        assert_reply!(admin.cmd_str(&["EXEC"]), b"*2\r\n:2\r\n$1\r\na\r\n");
        assert_reply!(c.read_raw(), b"*2\r\n$1\r\nk\r\n$1\r\nb\r\n");
        wait_blocked(&mut admin, 0);
    });
}

#[test]
fn blmove_chain_wakes_the_destination_waiter() {
    on_both(|s| {
        let mut admin = conn(s);
        let mut on_dst = conn(s);
        let mut mover = conn(s);
        on_dst.send_str(&["BLPOP", "dst", "5"]);
        wait_blocked(&mut admin, 1);
        mover.send_str(&["BLMOVE", "src", "dst", "LEFT", "RIGHT", "5"]);
        wait_blocked(&mut admin, 2);
        assert_reply!(admin.cmd_str(&["RPUSH", "src", "x"]), b":1\r\n");
        assert_reply!(mover.read_raw(), b"$1\r\nx\r\n");
        assert_reply!(on_dst.read_raw(), b"*2\r\n$3\r\ndst\r\n$1\r\nx\r\n");
        assert_reply!(admin.cmd_str(&["EXISTS", "src", "dst"]), b":0\r\n");
        // BRPOPLPUSH onto a list someone BRPOPs.
        on_dst.send_str(&["BRPOP", "d2", "5"]);
        wait_blocked(&mut admin, 1);
        mover.send_str(&["BRPOPLPUSH", "s2", "d2", "5"]);
        wait_blocked(&mut admin, 2);
        admin.cmd_str(&["RPUSH", "s2", "p", "q"]);
        assert_reply!(mover.read_raw(), b"$1\r\nq\r\n");
        assert_reply!(on_dst.read_raw(), b"*2\r\n$2\r\nd2\r\n$1\r\nq\r\n");
        assert_reply!(
            admin.cmd_str(&["LRANGE", "s2", "0", "-1"]),
            b"*1\r\n$1\r\np\r\n"
        );
        wait_blocked(&mut admin, 0);
    });
}

#[test]
fn fractional_timeouts_reply_null_array() {
    on_both(|s| {
        let mut c = conn(s);
        let cases: &[&[&str]] = &[
            &["BLPOP", "nokey", "0.05"],
            &["BRPOP", "nokey", "0.05"],
            &["BLMPOP", "0.05", "1", "nokey", "LEFT"],
            &["BZPOPMIN", "nokey", "0.05"],
            &["BZPOPMAX", "nokey", "0.05"],
            &["BZMPOP", "0.05", "1", "nokey", "MIN"],
        ];
        for resp3 in [false, true] {
            if resp3 {
                c.cmd_str(&["HELLO", "3"]);
            }
            let null: &[u8] = if resp3 { b"_\r\n" } else { b"*-1\r\n" };
            for args in cases {
                let t0 = Instant::now();
                let got = c.cmd_str(args);
                let took = t0.elapsed();
                assert_reply!(got, null);
                assert!(
                    took >= Duration::from_millis(40) && took < Duration::from_secs(3),
                    "{args:?} took {took:?}"
                );
            }
            // BRPOPLPUSH/BLMOVE time out with a null too.
            let got = c.cmd_str(&["BRPOPLPUSH", "nokey", "d", "0.05"]);
            let blmove = c.cmd_str(&["BLMOVE", "nokey", "d", "LEFT", "LEFT", "0.05"]);
            assert_reply!(got, null);
            assert_reply!(blmove, null);
        }
    });
}

#[test]
fn client_unblock_timeout_and_error() {
    on_both(|s| {
        let mut admin = conn(s);
        let mut c = conn(s);
        let id = c.cmd_str(&["CLIENT", "ID"]);
        let id = String::from_utf8_lossy(&id[1..id.len() - 2]).into_owned();
        assert_reply!(admin.cmd_str(&["CLIENT", "UNBLOCK", &id]), b":0\r\n");
        c.send_str(&["BLPOP", "k", "5"]);
        wait_blocked(&mut admin, 1);
        assert_reply!(admin.cmd_str(&["CLIENT", "UNBLOCK", &id]), b":1\r\n");
        assert_reply!(c.read_raw(), b"*-1\r\n");
        c.send_str(&["BZPOPMIN", "z", "5"]);
        wait_blocked(&mut admin, 1);
        assert_reply!(
            admin.cmd_str(&["CLIENT", "UNBLOCK", &id, "TIMEOUT"]),
            b":1\r\n"
        );
        assert_reply!(c.read_raw(), b"*-1\r\n");
        c.send_str(&["BLMOVE", "k", "d", "LEFT", "LEFT", "5"]);
        wait_blocked(&mut admin, 1);
        assert_reply!(
            admin.cmd_str(&["CLIENT", "UNBLOCK", &id, "BOGUS"]),
            b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"
        );
        assert_reply!(
            admin.cmd_str(&["CLIENT", "UNBLOCK", &id, "ERROR"]),
            b":1\r\n"
        );
        assert_reply!(
            c.read_raw(),
            b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
        );
        wait_blocked(&mut admin, 0);
        // The unblocked client goes on normally, and the key is not served to it.
        admin.cmd_str(&["RPUSH", "k", "v"]);
        assert_reply!(c.cmd_str(&["LPOP", "k"]), b"$1\r\nv\r\n");
        assert_reply!(admin.cmd_str(&["CLIENT", "UNBLOCK", "999999"]), b":0\r\n");
        assert_reply!(
            admin.cmd_str(&["CLIENT", "UNBLOCK", "x"]),
            b"-ERR value is not an integer or out of range\r\n"
        );
    });
}

#[test]
fn disconnect_while_blocked_leaves_nothing_behind() {
    on_both(|s| {
        let mut admin = conn(s);
        {
            let mut gone = conn(s);
            gone.send_str(&["BLPOP", "k", "5"]);
            let mut gone2 = conn(s);
            gone2.send_str(&["BZPOPMAX", "z", "5"]);
            wait_blocked(&mut admin, 2);
        }
        wait_blocked(&mut admin, 0);
        assert_reply!(admin.cmd_str(&["RPUSH", "k", "a"]), b":1\r\n");
        assert_reply!(admin.cmd_str(&["ZADD", "z", "1", "m"]), b":1\r\n");
        assert_reply!(
            admin.cmd_str(&["LRANGE", "k", "0", "-1"]),
            b"*1\r\n$1\r\na\r\n"
        );
        assert_reply!(admin.cmd_str(&["ZCARD", "z"]), b":1\r\n");
        // A later waiter is served normally.
        let mut c = conn(s);
        c.send_str(&["BLPOP", "k2", "5"]);
        wait_blocked(&mut admin, 1);
        admin.cmd_str(&["RPUSH", "k2", "b"]);
        assert_reply!(c.read_raw(), b"*2\r\n$2\r\nk2\r\n$1\r\nb\r\n");
    });
}

#[test]
fn blocking_commands_inside_multi_do_not_block() {
    on_both(|s| {
        let mut c = conn(s);
        c.cmd_str(&["RPUSH", "full", "x"]);
        assert_reply!(c.cmd_str(&["MULTI"]), b"+OK\r\n");
        for args in [
            &["BLPOP", "nokey", "0"][..],
            &["BRPOP", "nokey", "0"],
            &["BRPOPLPUSH", "nokey", "d", "0"],
            &["BLMOVE", "nokey", "d", "LEFT", "LEFT", "0"],
            &["BLMPOP", "0", "1", "nokey", "LEFT"],
            &["BZPOPMIN", "nokey", "0"],
            &["BZPOPMAX", "nokey", "0"],
            &["BZMPOP", "0", "1", "nokey", "MAX"],
            &["BLPOP", "nokey", "full", "0"],
        ] {
            assert_reply!(c.cmd_str(args), b"+QUEUED\r\n");
        }
        assert_reply!(
            c.cmd_str(&["EXEC"]),
            b"*9\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n*-1\r\n*2\r\n$4\r\nfull\r\n$1\r\nx\r\n"
        );
        c.cmd_str(&["HELLO", "3"]);
        c.cmd_str(&["MULTI"]);
        c.cmd_str(&["BLPOP", "nokey", "0"]);
        c.cmd_str(&["BRPOPLPUSH", "nokey", "d", "0"]);
        c.cmd_str(&["BZMPOP", "0", "1", "nokey", "MAX"]);
        assert_reply!(c.cmd_str(&["EXEC"]), b"*3\r\n_\r\n_\r\n_\r\n");
    });
}

#[test]
fn sorted_set_waiters() {
    on_both(|s| {
        let mut admin = conn(s);
        let mut a = conn(s);
        let mut b = conn(s);
        let mut m = conn(s);
        a.send_str(&["BZPOPMIN", "z", "5"]);
        wait_blocked(&mut admin, 1);
        b.send_str(&["BZPOPMAX", "other", "z", "5"]);
        wait_blocked(&mut admin, 2);
        m.send_str(&["BZMPOP", "5", "1", "z", "MIN", "COUNT", "10"]);
        wait_blocked(&mut admin, 3);
        assert_reply!(
            admin.cmd_str(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4.5", "d"]),
            b":4\r\n"
        );
        assert_reply!(a.read_raw(), b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
        assert_reply!(b.read_raw(), b"*3\r\n$1\r\nz\r\n$1\r\nd\r\n$3\r\n4.5\r\n");
        assert_reply!(
            m.read_raw(),
            b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"
        );
        assert_reply!(admin.cmd_str(&["EXISTS", "z"]), b":0\r\n");
        // RESP3 shapes of served replies.
        a.cmd_str(&["HELLO", "3"]);
        m.cmd_str(&["HELLO", "3"]);
        a.send_str(&["BZPOPMAX", "z", "5"]);
        wait_blocked(&mut admin, 1);
        m.send_str(&["BZMPOP", "5", "1", "z", "MAX"]);
        wait_blocked(&mut admin, 2);
        admin.cmd_str(&["ZADD", "z", "1", "a", "2", "b"]);
        assert_reply!(a.read_raw(), b"*3\r\n$1\r\nz\r\n$1\r\nb\r\n,2\r\n");
        assert_reply!(
            m.read_raw(),
            b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n"
        );
        wait_blocked(&mut admin, 0);
    });
}

#[test]
fn wrong_type_keeps_the_client_blocked() {
    on_both(|s| {
        let mut admin = conn(s);
        let mut l = conn(s);
        let mut z = conn(s);
        // On a key that already holds another type: an error at once.
        admin.cmd_str(&["SET", "str", "v"]);
        assert_reply!(
            l.cmd_str(&["BLPOP", "str", "1"]),
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
        assert_reply!(
            z.cmd_str(&["BZPOPMIN", "str", "1"]),
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
        // Blocked first, then the key is created with another type: still blocked.
        l.send_str(&["BLPOP", "k", "5"]);
        z.send_str(&["BZPOPMIN", "k", "5"]);
        wait_blocked(&mut admin, 2);
        admin.cmd_str(&["SET", "k", "v"]);
        assert_silent(&mut l);
        assert_silent(&mut z);
        wait_blocked(&mut admin, 2);
        admin.cmd_str(&["DEL", "k"]);
        // A list serves the list waiter only; the sorted-set waiter stays.
        admin.cmd_str(&["RPUSH", "k", "x"]);
        assert_reply!(l.read_raw(), b"*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
        assert_silent(&mut z);
        wait_blocked(&mut admin, 1);
        admin.cmd_str(&["ZADD", "k", "7", "m"]);
        assert_reply!(z.read_raw(), b"*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n7\r\n");
        wait_blocked(&mut admin, 0);
    });
}

#[test]
fn swapdb_serves_clients_blocked_on_keys_it_fills() {
    on_both(|s| {
        let mut admin = conn(s);
        assert_reply!(admin.cmd_str(&["FLUSHALL"]), b"+OK\r\n");
        assert_reply!(admin.cmd_str(&["SELECT", "9"]), b"+OK\r\n");
        assert_reply!(admin.cmd_str(&["RPUSH", "k", "hello"]), b":1\r\n");
        assert_reply!(admin.cmd_str(&["SET", "z", "a string"]), b"+OK\r\n");
        let mut c = conn(s);
        c.send_str(&["BLPOP", "k", "5"]);
        let mut z = conn(s);
        z.send_str(&["BZPOPMIN", "z", "5"]);
        wait_blocked(&mut admin, 2);
        // db 0 now holds db 9's list: the list waiter is served; the key the
        // sorted-set waiter wants holds a string, so it keeps waiting.
        assert_reply!(admin.cmd_str(&["SWAPDB", "0", "9"]), b"+OK\r\n");
        assert_reply!(c.read_raw(), b"*2\r\n$1\r\nk\r\n$5\r\nhello\r\n");
        wait_blocked(&mut admin, 1);
        assert_silent(&mut z);
        assert_reply!(
            admin.cmd_str(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]),
            b":2\r\n"
        );
        assert_reply!(admin.cmd_str(&["FLUSHALL"]), b"+OK\r\n");
    });
}
