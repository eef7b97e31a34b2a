//! Client-side caching over TCP: CLIENT TRACKING ON|OFF with REDIRECT,
//! BCAST and PREFIX, OPTIN, OPTOUT, NOLOOP; CLIENT CACHING, GETREDIR and
//! TRACKINGINFO; invalidations as RESP3 pushes or, for a RESP2 redirect
//! target, as messages on `__redis__:invalidate`; the null invalidation of
//! FLUSHALL; a broken redirect; and the `tracking-table-max-keys` bound.
//!
//! Every scenario runs against cedis and, when one is installed, a real
//! redis-server with the same expected bytes (client ids are read with
//! CLIENT ID, not assumed). A client knows every invalidation a write
//! caused has arrived by a PING of its own after the write: Redis sends a
//! client's pending pushes before later replies.

use std::collections::BTreeSet;
use std::time::Duration;

use cedis_tests::{assert_reply, on_both, show, Conn, Server};

/// How long a scenario waits for a reply.
const WAIT: Duration = Duration::from_secs(5);

/// A RESP3 invalidation push for `keys`.
fn inv(keys: &[&str]) -> Vec<u8> {
    let mut out = format!("_2\r\n$10\r\ninvalidate\r\n*{}\r\n", keys.len()).into_bytes();
    out[0] = b'>';
    for k in keys {
        out.extend_from_slice(format!("${}\r\n{k}\r\n", k.len()).as_bytes());
    }
    out
}

/// The RESP3 invalidation of everything (FLUSHALL, FLUSHDB).
const INV_ALL: &[u8] = b">2\r\n$10\r\ninvalidate\r\n_\r\n";

/// A RESP2 `__redis__:invalidate` message for `keys` (None: all keys).
fn inv_msg(keys: Option<&[&str]>) -> Vec<u8> {
    let mut out = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n".to_vec();
    match keys {
        None => out.extend_from_slice(b"$-1\r\n"),
        Some(keys) => {
            out.extend_from_slice(format!("*{}\r\n", keys.len()).as_bytes());
            for k in keys {
                out.extend_from_slice(format!("${}\r\n{k}\r\n", k.len()).as_bytes());
            }
        }
    }
    out
}

/// A RESP3 connection.
fn conn3(s: &Server) -> Conn {
    let mut c = s.conn();
    c.cmd_str(&["HELLO", "3"]);
    c
}

/// The connection's client id.
fn client_id(c: &mut Conn) -> String {
    let r = c.cmd_str(&["CLIENT", "ID"]);
    String::from_utf8_lossy(&r[1..r.len() - 2]).into_owned()
}

/// Asserts that `c` has nothing pending: its next reply is its PING's.
fn assert_nothing_pending(c: &mut Conn) {
    assert_reply!(c.cmd_str(&["PING"]), b"+PONG\r\n");
}

#[test]
fn default_mode_invalidates_keys_read_once() {
    on_both(|s| {
        let mut t = conn3(s);
        let mut w = s.conn();
        assert_reply!(t.cmd_str(&["CLIENT", "TRACKING", "ON"]), b"+OK\r\n");
        assert_reply!(t.cmd_str(&["GET", "k"]), b"_\r\n");
        assert_reply!(t.cmd_str(&["MGET", "a", "b"]), b"*2\r\n_\r\n_\r\n");
        // A write by another client: one push per key, once.
        assert_reply!(w.cmd_str(&["SET", "k", "1"]), b"+OK\r\n");
        assert_reply!(t.read_raw(), &inv(&["k"]));
        assert_reply!(w.cmd_str(&["SET", "k", "2"]), b"+OK\r\n");
        assert_nothing_pending(&mut t);
        assert_reply!(w.cmd_str(&["MSET", "a", "1", "b", "2"]), b"+OK\r\n");
        assert_reply!(t.read_raw(), &inv(&["a"]));
        assert_reply!(t.read_raw(), &inv(&["b"]));
        // Its own write invalidates too, after the write's reply.
        assert_reply!(t.cmd_str(&["GET", "k"]), b"$1\r\n2\r\n");
        assert_reply!(t.cmd_str(&["SET", "k", "3"]), b"+OK\r\n");
        assert_reply!(t.read_raw(), &inv(&["k"]));
        // Expiry and deletion invalidate; a key of any type is tracked.
        t.cmd_str(&["LRANGE", "l", "0", "-1"]);
        w.cmd_str(&["RPUSH", "l", "x"]);
        assert_reply!(t.read_raw(), &inv(&["l"]));
        t.cmd_str(&["LLEN", "l"]);
        w.cmd_str(&["DEL", "l"]);
        assert_reply!(t.read_raw(), &inv(&["l"]));
        // FLUSHALL: the null invalidation, to every tracking client.
        t.cmd_str(&["GET", "k"]);
        assert_reply!(w.cmd_str(&["FLUSHALL"]), b"+OK\r\n");
        assert_reply!(t.read_raw(), INV_ALL);
        assert_nothing_pending(&mut t);
        // OFF: nothing more.
        assert_reply!(t.cmd_str(&["CLIENT", "TRACKING", "OFF"]), b"+OK\r\n");
        t.cmd_str(&["GET", "k"]);
        w.cmd_str(&["SET", "k", "4"]);
        assert_nothing_pending(&mut t);
    });
}

#[test]
fn noloop_skips_the_clients_own_writes() {
    on_both(|s| {
        let mut t = conn3(s);
        let mut w = s.conn();
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKING", "ON", "NOLOOP"]),
            b"+OK\r\n"
        );
        t.cmd_str(&["GET", "k"]);
        assert_reply!(t.cmd_str(&["SET", "k", "mine"]), b"+OK\r\n");
        assert_nothing_pending(&mut t);
        t.cmd_str(&["GET", "k"]);
        w.cmd_str(&["SET", "k", "theirs"]);
        assert_reply!(t.read_raw(), &inv(&["k"]));
    });
}

#[test]
fn bcast_with_prefixes() {
    on_both(|s| {
        let mut t = conn3(s);
        let mut w = s.conn();
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "us", "PREFIX", "xx"]),
            b"+OK\r\n"
        );
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKINGINFO"]),
            b"%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n\
              $8\r\nprefixes\r\n*2\r\n$2\r\nus\r\n$2\r\nxx\r\n"
        );
        // No read needed; keys outside the prefixes are not sent.
        w.cmd_str(&["SET", "user", "1"]);
        w.cmd_str(&["MSET", "usa", "1", "xxy", "2", "zz", "3"]);
        assert_reply!(t.read_raw(), &inv(&["user"]));
        assert_reply!(t.read_raw(), &inv(&["usa"]));
        assert_reply!(t.read_raw(), &inv(&["xxy"]));
        assert_nothing_pending(&mut t);
        // Keys of one prefix changed in one event-loop turn (a transaction)
        // arrive in one push, one push per prefix.
        w.cmd_str(&["MULTI"]);
        w.cmd_str(&["SET", "us1", "a"]);
        w.cmd_str(&["SET", "zz", "b"]);
        w.cmd_str(&["SET", "xx1", "c"]);
        w.cmd_str(&["SET", "us2", "d"]);
        w.cmd_str(&["EXEC"]);
        assert_reply!(t.read_raw(), &inv(&["us1", "us2"]));
        assert_reply!(t.read_raw(), &inv(&["xx1"]));
        assert_nothing_pending(&mut t);
        // BCAST without PREFIX: every key.
        t.cmd_str(&["CLIENT", "TRACKING", "OFF"]);
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKING", "ON", "BCAST"]),
            b"+OK\r\n"
        );
        w.cmd_str(&["SET", "anything", "1"]);
        assert_reply!(t.read_raw(), &inv(&["anything"]));
    });
}

#[test]
fn optin_and_optout_with_client_caching() {
    on_both(|s| {
        let mut t = conn3(s);
        let mut w = s.conn();
        // OPTIN: only reads right after CLIENT CACHING YES are tracked.
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKING", "ON", "OPTIN"]),
            b"+OK\r\n"
        );
        t.cmd_str(&["GET", "k"]);
        w.cmd_str(&["SET", "k", "1"]);
        assert_nothing_pending(&mut t);
        assert_reply!(t.cmd_str(&["CLIENT", "CACHING", "YES"]), b"+OK\r\n");
        t.cmd_str(&["GET", "k"]);
        t.cmd_str(&["GET", "other"]);
        w.cmd_str(&["SET", "k", "2"]);
        w.cmd_str(&["SET", "other", "2"]);
        assert_reply!(t.read_raw(), &inv(&["k"]));
        assert_nothing_pending(&mut t);
        assert_reply!(
            t.cmd_str(&["CLIENT", "CACHING", "NO"]),
            b"-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n"
        );
        // CACHING YES covers a whole transaction.
        t.cmd_str(&["CLIENT", "CACHING", "YES"]);
        t.cmd_str(&["MULTI"]);
        t.cmd_str(&["GET", "a"]);
        t.cmd_str(&["GET", "b"]);
        t.cmd_str(&["EXEC"]);
        w.cmd_str(&["MSET", "a", "1", "b", "1"]);
        assert_reply!(t.read_raw(), &inv(&["a"]));
        assert_reply!(t.read_raw(), &inv(&["b"]));
        // OPTOUT: every read except right after CLIENT CACHING NO.
        t.cmd_str(&["CLIENT", "TRACKING", "OFF"]);
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKING", "ON", "OPTOUT"]),
            b"+OK\r\n"
        );
        assert_reply!(t.cmd_str(&["CLIENT", "CACHING", "NO"]), b"+OK\r\n");
        t.cmd_str(&["GET", "k"]);
        w.cmd_str(&["SET", "k", "3"]);
        assert_nothing_pending(&mut t);
        t.cmd_str(&["GET", "k"]);
        w.cmd_str(&["SET", "k", "4"]);
        assert_reply!(t.read_raw(), &inv(&["k"]));
        assert_reply!(
            t.cmd_str(&["CLIENT", "CACHING", "YES"]),
            b"-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n"
        );
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKINGINFO"]),
            b"%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$6\r\noptout\r\n$8\r\nredirect\r\n:0\r\n\
              $8\r\nprefixes\r\n*0\r\n"
        );
    });
}

#[test]
fn option_errors() {
    on_both(|s| {
        let mut t = s.conn();
        for (args, want) in [
            (
                &["CLIENT", "CACHING", "YES"][..],
                &b"-ERR CLIENT CACHING can be called only when the client is in tracking mode \
                   with OPTIN or OPTOUT mode enabled\r\n"[..],
            ),
            (
                &["CLIENT", "TRACKING", "ON", "PREFIX", "x"],
                b"-ERR PREFIX option requires BCAST mode to be enabled\r\n",
            ),
            (
                &["CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"],
                b"-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n",
            ),
            (
                &[
                    "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "ab",
                ],
                b"-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a \
                  single client must not overlap.\r\n",
            ),
            (
                &["CLIENT", "TRACKING", "ON", "REDIRECT", "999999"],
                b"-ERR The client ID you want redirect to does not exist\r\n",
            ),
            (&["CLIENT", "TRACKING", "MAYBE"], b"-ERR syntax error\r\n"),
            (
                &["CLIENT", "TRACKING", "ON", "NOSUCH"],
                b"-ERR syntax error\r\n",
            ),
            (
                &["CLIENT", "CACHING", "MAYBE"],
                b"-ERR CLIENT CACHING can be called only when the client is in tracking mode \
                  with OPTIN or OPTOUT mode enabled\r\n",
            ),
        ] {
            assert_reply!(t.cmd_str(args), want);
        }
        // Tracking is off, and RESP2 without REDIRECT is refused.
        assert_reply!(t.cmd_str(&["CLIENT", "GETREDIR"]), b":-1\r\n");
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKINGINFO"]),
            b"*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n"
        );
        assert_reply!(t.cmd_str(&["CLIENT", "TRACKING", "ON"]), b"+OK\r\n");
        assert_reply!(t.cmd_str(&["CLIENT", "GETREDIR"]), b":0\r\n");
    });
}

/// A RESP2 client redirects to a RESP2 subscriber of
/// `__redis__:invalidate`, then to a RESP3 client (which gets pushes), and
/// learns about a broken redirect.
#[test]
fn redirect_to_resp2_subscriber_and_resp3_client() {
    on_both(|s| {
        let mut r = s.conn();
        let mut t = s.conn();
        let mut w = s.conn();
        let rid = client_id(&mut r);
        assert_reply!(
            r.cmd_str(&["SUBSCRIBE", "__redis__:invalidate"]),
            b"*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n"
        );
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKING", "ON", "REDIRECT", &rid]),
            b"+OK\r\n"
        );
        assert_reply!(
            t.cmd_str(&["CLIENT", "GETREDIR"]),
            format!(":{rid}\r\n").as_bytes()
        );
        let info = format!(
            "*6\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n$8\r\nredirect\r\n:{rid}\r\n$8\r\nprefixes\r\n*0\r\n"
        );
        assert_reply!(t.cmd_str(&["CLIENT", "TRACKINGINFO"]), info.as_bytes());
        t.cmd_str(&["GET", "k"]);
        w.cmd_str(&["SET", "k", "1"]);
        assert_reply!(r.read_raw(), &inv_msg(Some(&["k"])));
        t.cmd_str(&["GET", "k"]);
        w.cmd_str(&["FLUSHALL"]);
        assert_reply!(r.read_raw(), &inv_msg(None));
        assert_nothing_pending(&mut t);

        // Redirect to a RESP3 client: pushes, no subscription needed.
        let mut r3 = conn3(s);
        let rid3 = client_id(&mut r3);
        assert_reply!(
            t.cmd_str(&["CLIENT", "TRACKING", "ON", "REDIRECT", &rid3]),
            b"+OK\r\n"
        );
        t.cmd_str(&["GET", "k2"]);
        w.cmd_str(&["SET", "k2", "1"]);
        assert_reply!(r3.read_raw(), &inv(&["k2"]));
        // The target goes away (wait until the server has seen it): a
        // RESP2 client only sees it in TRACKINGINFO, once an invalidation
        // found no target...
        drop(r3);
        assert!(
            cedis_tests::wait_until(WAIT, || w.info_field("clients", "connected_clients") == "3"),
            "redirect target still connected"
        );
        t.cmd_str(&["GET", "k2"]);
        w.cmd_str(&["SET", "k2", "2"]);
        assert_nothing_pending(&mut t);
        let broken = format!(
            "*6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n\
             :{rid3}\r\n$8\r\nprefixes\r\n*0\r\n"
        );
        assert_reply!(t.cmd_str(&["CLIENT", "TRACKINGINFO"]), broken.as_bytes());
        // ...RESP3 gets a tracking-redir-broken push at the next invalidation.
        t.cmd_str(&["HELLO", "3"]);
        t.cmd_str(&["GET", "k2"]);
        w.cmd_str(&["SET", "k2", "3"]);
        let push = format!(">2\r\n$21\r\ntracking-redir-broken\r\n:{rid3}\r\n");
        assert_reply!(t.read_raw(), push.as_bytes());
    });
}

/// `tracking-table-max-keys`: with the table over the bound, keys are
/// evicted (and invalidated) before each command, as Redis does, so a
/// pipelining client sees the pushes between its replies. Which keys go is
/// random in both servers; the pattern of replies and pushes is not.
#[test]
fn tracking_table_max_keys_evicts_with_invalidations() {
    const KEYS: usize = 10;
    const MAX: usize = 3;
    on_both(|s| {
        let mut admin = s.conn();
        assert_reply!(
            admin.cmd_str(&["CONFIG", "SET", "tracking-table-max-keys", &MAX.to_string()]),
            b"+OK\r\n"
        );
        let mut t = conn3(s);
        t.cmd_str(&["CLIENT", "TRACKING", "ON"]);
        let names: Vec<String> = (0..KEYS).map(|i| format!("key{i}")).collect();
        let mut pipe = Vec::new();
        for n in &names {
            pipe.extend(cedis_tests::request(&[b"GET", n.as_bytes()]));
        }
        pipe.extend(cedis_tests::request(&[b"PING"]));
        t.send(&pipe);
        // Reads until the PING's reply, noting replies and evicted keys.
        let mut shape = String::new();
        let mut evicted = BTreeSet::new();
        loop {
            let f = t.read_raw();
            if f == b"+PONG\r\n" {
                break;
            }
            if f == b"_\r\n" {
                shape.push('r');
                continue;
            }
            let key = names
                .iter()
                .find(|n| f == inv(&[n.as_str()]))
                .unwrap_or_else(|| panic!("unexpected frame {}", show(&f)));
            assert!(evicted.insert(key.clone()), "{key} invalidated twice");
            shape.push('i');
        }
        // r: a GET's reply, i: an invalidation. The table goes over the
        // bound with the 4th key; from then on each command (the PING too)
        // first evicts one key.
        let want = format!("{}{}i", "r".repeat(MAX + 1), "ir".repeat(KEYS - MAX - 1));
        assert_eq!(shape, want, "replies and pushes");
        assert_eq!(evicted.len(), KEYS - MAX);
        assert_eq!(
            admin.info_field("stats", "tracking_total_keys"),
            MAX.to_string()
        );
        // The keys still tracked are exactly the others.
        let mut w = s.conn();
        for n in &names {
            w.cmd_str(&["SET", n, "v"]);
        }
        let mut rest = BTreeSet::new();
        for _ in 0..MAX {
            let f = t.read_raw();
            let key = names
                .iter()
                .find(|n| f == inv(&[n.as_str()]))
                .unwrap_or_else(|| panic!("unexpected frame {}", show(&f)));
            rest.insert(key.clone());
        }
        assert!(evicted.is_disjoint(&rest), "{evicted:?} / {rest:?}");
        assert_nothing_pending(&mut t);
    });
}

/// A tracked key that expires is invalidated, whether another client's
/// access deletes it (lazy expiry) or the active cycle does; so is every
/// key of a FLUSHDB'd database and a key overwritten inside a transaction
/// (after EXEC's reply when the client is the writer).
#[test]
fn expiry_flushdb_and_transactions_invalidate() {
    on_both(|s| {
        let mut t = conn3(s);
        let mut w = s.conn();
        t.cmd_str(&["CLIENT", "TRACKING", "ON"]);
        // Lazily, with the active cycle off.
        w.cmd_str(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        w.cmd_str(&["SET", "e", "v", "PX", "20"]);
        assert_reply!(t.cmd_str(&["GET", "e"]), b"$1\r\nv\r\n");
        std::thread::sleep(Duration::from_millis(40));
        assert_reply!(w.cmd_str(&["GET", "e"]), b"$-1\r\n");
        assert_reply!(t.read_raw(), &inv(&["e"]));
        // By the active cycle (waited for, not timed).
        w.cmd_str(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
        w.cmd_str(&["SET", "a", "v", "PX", "20"]);
        assert_reply!(t.cmd_str(&["GET", "a"]), b"$1\r\nv\r\n");
        assert_reply!(t.read_raw(), &inv(&["a"]));
        // FLUSHDB: the null invalidation.
        t.cmd_str(&["GET", "f"]);
        w.cmd_str(&["FLUSHDB"]);
        assert_reply!(t.read_raw(), INV_ALL);
        // A transaction of another client: the keys' pushes after it ran.
        t.cmd_str(&["MGET", "x", "y"]);
        w.cmd_str(&["MULTI"]);
        w.cmd_str(&["SET", "x", "1"]);
        w.cmd_str(&["SET", "y", "1"]);
        assert_reply!(w.cmd_str(&["EXEC"]), b"*2\r\n+OK\r\n+OK\r\n");
        assert_reply!(t.read_raw(), &inv(&["x"]));
        assert_reply!(t.read_raw(), &inv(&["y"]));
        // Its own transaction: the pushes come after EXEC's reply.
        t.cmd_str(&["MGET", "x", "y"]);
        t.cmd_str(&["MULTI"]);
        t.cmd_str(&["SET", "x", "2"]);
        t.cmd_str(&["GET", "y"]);
        t.send_str(&["EXEC"]);
        assert_reply!(t.read_raw(), b"*2\r\n+OK\r\n$1\r\n1\r\n");
        assert_reply!(t.read_raw(), &inv(&["x"]));
        assert_nothing_pending(&mut t);
    });
}
