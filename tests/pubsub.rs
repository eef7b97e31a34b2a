//! Pub/Sub over TCP with several raw RESP clients: SUBSCRIBE, PSUBSCRIBE,
//! SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH, PUBSUB
//! introspection, the RESP2 subscribed-context rules, RESP3 push frames and
//! how they interleave with replies, and the bound on a subscriber that
//! never reads (`client-output-buffer-limit pubsub`).
//!
//! Every scenario runs against cedis and, when one is installed, against a
//! real redis-server with the same expected bytes. Where Redis's order is
//! not defined (UNSUBSCRIBE without arguments walks a hash table seeded at
//! random) the frames are compared as a set. Nothing is timed: a state is
//! reached by polling a bounded number of times.

use std::collections::BTreeSet;
use std::time::Duration;

use cedis_tests::{assert_reply, bulk_array, on_both, sub_confirm, wait_until, Conn};

/// How long a scenario waits for the server to reach a state.
const WAIT: Duration = Duration::from_secs(5);

/// Redis's error for a command a RESP2 subscriber may not send.
fn not_allowed(cmd: &str) -> Vec<u8> {
    format!(
        "-ERR Can't execute '{cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / \
         RESET are allowed in this context\r\n"
    )
    .into_bytes()
}

/// A RESP2 `message` frame.
fn message(channel: &str, payload: &str) -> Vec<u8> {
    bulk_array(b'*', &["message", channel, payload])
}

/// Reads `n` frames and returns them as a set (order not defined by Redis).
fn read_set(c: &mut Conn, n: usize) -> BTreeSet<Vec<u8>> {
    (0..n).map(|_| c.read_raw()).collect()
}

fn set_of(frames: &[Vec<u8>]) -> BTreeSet<Vec<u8>> {
    frames.iter().cloned().collect()
}

#[test]
fn resp2_subscribed_context_allows_only_pubsub_ping_quit_reset() {
    on_both(|s| {
        let mut c = s.conn();
        c.send_str(&["SUBSCRIBE", "c1", "c2"]);
        assert_reply!(
            c.read_raw(),
            &sub_confirm(false, "subscribe", Some("c1"), 1)
        );
        assert_reply!(
            c.read_raw(),
            &sub_confirm(false, "subscribe", Some("c2"), 2)
        );
        // Subcommands are named `container|sub`.
        for (cmd, name) in [
            (&["GET", "x"][..], "get"),
            (&["SET", "a", "b"], "set"),
            (&["PUBLISH", "c1", "m"], "publish"),
            (&["HELLO", "3"], "hello"),
            (&["MULTI"], "multi"),
            (&["PUBSUB", "NUMPAT"], "pubsub|numpat"),
            (&["CLIENT", "ID"], "client|id"),
        ] {
            assert_reply!(c.cmd_str(cmd), &not_allowed(name));
        }
        assert_reply!(c.cmd_str(&["PING"]), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        assert_reply!(
            c.cmd_str(&["PING", "hello"]),
            b"*2\r\n$4\r\npong\r\n$5\r\nhello\r\n"
        );
        // Patterns and shard channels count separately from channels.
        assert_reply!(
            c.cmd_str(&["PSUBSCRIBE", "h?llo"]),
            &sub_confirm(false, "psubscribe", Some("h?llo"), 3)
        );
        assert_reply!(
            c.cmd_str(&["SSUBSCRIBE", "s1"]),
            &sub_confirm(false, "ssubscribe", Some("s1"), 1)
        );
        // UNSUBSCRIBE without arguments: one reply per channel, in any order.
        c.send_str(&["UNSUBSCRIBE"]);
        let got = read_set(&mut c, 2);
        let c1_first = set_of(&[
            sub_confirm(false, "unsubscribe", Some("c1"), 2),
            sub_confirm(false, "unsubscribe", Some("c2"), 1),
        ]);
        let c2_first = set_of(&[
            sub_confirm(false, "unsubscribe", Some("c2"), 2),
            sub_confirm(false, "unsubscribe", Some("c1"), 1),
        ]);
        assert!(
            got == c1_first || got == c2_first,
            "unsubscribe all: {got:?}"
        );
        // Nothing left to leave: one reply with a null channel.
        assert_reply!(
            c.cmd_str(&["UNSUBSCRIBE"]),
            &sub_confirm(false, "unsubscribe", None, 1)
        );
        assert_reply!(
            c.cmd_str(&["PUNSUBSCRIBE"]),
            &sub_confirm(false, "punsubscribe", Some("h?llo"), 0)
        );
        // Still a subscriber through the shard channel.
        assert_reply!(c.cmd_str(&["GET", "x"]), &not_allowed("get"));
        assert_reply!(
            c.cmd_str(&["SUNSUBSCRIBE"]),
            &sub_confirm(false, "sunsubscribe", Some("s1"), 0)
        );
        assert_reply!(
            c.cmd_str(&["SUNSUBSCRIBE"]),
            &sub_confirm(false, "sunsubscribe", None, 0)
        );
        assert_reply!(
            c.cmd_str(&["PUNSUBSCRIBE"]),
            &sub_confirm(false, "punsubscribe", None, 0)
        );
        // Out of the subscribed context: anything goes again.
        assert_reply!(c.cmd_str(&["GET", "x"]), b"$-1\r\n");
        assert_reply!(c.cmd_str(&["PING"]), b"+PONG\r\n");

        // RESET leaves every subscription; QUIT answers and closes.
        c.send_str(&["SUBSCRIBE", "c"]);
        c.send_str(&["PSUBSCRIBE", "*"]);
        c.read_raw();
        c.read_raw();
        assert_reply!(c.cmd_str(&["RESET"]), b"+RESET\r\n");
        assert_reply!(c.cmd_str(&["PUBSUB", "NUMPAT"]), b":0\r\n");
        assert_reply!(c.cmd_str(&["PUBLISH", "c", "m"]), b":0\r\n");
        c.send_str(&["SUBSCRIBE", "c"]);
        c.read_raw();
        assert_reply!(c.cmd_str(&["QUIT"]), b"+OK\r\n");
        assert!(c.is_closed(WAIT), "QUIT closes the subscriber");
    });
}

#[test]
fn publish_reaches_every_channel_and_pattern_subscriber() {
    on_both(|s| {
        let mut p = s.conn();
        let mut a = s.conn();
        let mut b = s.conn();
        let mut both = s.conn();
        a.cmd_str(&["SUBSCRIBE", "news"]);
        b.cmd_str(&["PSUBSCRIBE", "n*"]);
        // One client on the channel and a matching pattern gets it twice.
        both.cmd_str(&["SUBSCRIBE", "news"]);
        both.cmd_str(&["PSUBSCRIBE", "ne?s"]);
        assert_reply!(p.cmd_str(&["PUBLISH", "news", "hi"]), b":4\r\n");
        assert_reply!(a.read_raw(), &message("news", "hi"));
        assert_reply!(
            b.read_raw(),
            &bulk_array(b'*', &["pmessage", "n*", "news", "hi"])
        );
        assert_reply!(both.read_raw(), &message("news", "hi"));
        assert_reply!(
            both.read_raw(),
            &bulk_array(b'*', &["pmessage", "ne?s", "news", "hi"])
        );
        // Messages keep their order per subscriber; an empty payload is fine.
        assert_reply!(p.cmd_str(&["PUBLISH", "news", "1"]), b":4\r\n");
        assert_reply!(p.cmd_str(&["PUBLISH", "news", ""]), b":4\r\n");
        assert_reply!(a.read_raw(), &message("news", "1"));
        assert_reply!(a.read_raw(), &message("news", ""));
        // Only the pattern matches "nope"; nobody hears "other".
        assert_reply!(p.cmd_str(&["PUBLISH", "nope", "x"]), b":1\r\n");
        assert_reply!(
            b.read_raw(),
            &bulk_array(b'*', &["pmessage", "n*", "news", "1"])
        );
        assert_reply!(
            b.read_raw(),
            &bulk_array(b'*', &["pmessage", "n*", "news", ""])
        );
        assert_reply!(
            b.read_raw(),
            &bulk_array(b'*', &["pmessage", "n*", "nope", "x"])
        );
        assert_reply!(p.cmd_str(&["PUBLISH", "other", "x"]), b":0\r\n");
        a.assert_silent(Duration::from_millis(50));
        // Binary-safe channel and payload.
        a.cmd_str(&["SUBSCRIBE", "a\r\nb"]);
        assert_reply!(p.cmd_str(&["PUBLISH", "a\r\nb", "\0\r\n"]), b":1\r\n");
        assert_reply!(
            a.read_raw(),
            b"*3\r\n$7\r\nmessage\r\n$4\r\na\r\nb\r\n$3\r\n\0\r\n\r\n"
        );
        // A subscriber that disconnects stops counting.
        drop(a);
        assert!(
            wait_until(WAIT, || p.cmd_str(&["PUBSUB", "NUMSUB", "news"])
                == b"*2\r\n$4\r\nnews\r\n:1\r\n"),
            "disconnected subscriber still counted"
        );
        assert_reply!(p.cmd_str(&["PUBLISH", "news", "2"]), b":3\r\n");
    });
}

/// Patterns use the glob of KEYS: `*`, `?`, `[...]`, `[^...]`, ranges and
/// backslash escapes; PUBSUB CHANNELS filters with the same glob.
#[test]
fn patterns_use_the_keys_glob() {
    let patterns = [
        "*",
        "h?llo",
        "h*llo",
        "h[ae]llo",
        "h[^e]llo",
        "h[a-b]llo",
        "h\\?llo",
    ];
    // (channel, how many of the patterns above match it)
    let cases = [
        ("hello", 4),
        ("hallo", 6),
        ("hbllo", 5),
        ("hllo", 2),
        ("heeello", 2),
        ("h?llo", 5),
        ("xhello", 1),
    ];
    on_both(|s| {
        let mut p = s.conn();
        let mut subs: Vec<Conn> = patterns
            .iter()
            .map(|pat| {
                let mut c = s.conn();
                c.cmd_str(&["PSUBSCRIBE", pat]);
                c
            })
            .collect();
        assert_reply!(p.cmd_str(&["PUBSUB", "NUMPAT"]), b":7\r\n");
        for (channel, n) in cases {
            let want = format!(":{n}\r\n");
            assert_reply!(p.cmd_str(&["PUBLISH", channel, "m"]), want.as_bytes());
        }
        // The "*" subscriber saw every channel, in order.
        for (channel, _) in cases {
            assert_reply!(
                subs[0].read_raw(),
                &bulk_array(b'*', &["pmessage", "*", channel, "m"])
            );
        }
        let mut chans = s.conn();
        chans.cmd_str(&["SUBSCRIBE", "hello", "hallo", "world"]);
        for c in subs.iter_mut() {
            c.cmd_str(&["PUNSUBSCRIBE"]);
        }
        assert_reply!(
            p.cmd_str(&["PUBSUB", "CHANNELS", "h[^e]llo"]),
            b"*1\r\n$5\r\nhallo\r\n"
        );
        assert_reply!(
            p.cmd_str(&["PUBSUB", "CHANNELS", "w*"]),
            b"*1\r\n$5\r\nworld\r\n"
        );
        assert_reply!(p.cmd_str(&["PUBSUB", "CHANNELS", "x*"]), b"*0\r\n");
        assert_reply!(p.cmd_str(&["PUBSUB", "NUMPAT"]), b":0\r\n");
    });
}

#[test]
fn shard_channels_are_a_separate_namespace() {
    on_both(|s| {
        let mut p = s.conn();
        let mut sh = s.conn();
        let mut ch = s.conn();
        let mut pat = s.conn();
        assert_reply!(
            sh.cmd_str(&["SSUBSCRIBE", "orders", "x"]),
            &sub_confirm(false, "ssubscribe", Some("orders"), 1)
        );
        assert_reply!(
            sh.read_raw(),
            &sub_confirm(false, "ssubscribe", Some("x"), 2)
        );
        ch.cmd_str(&["SUBSCRIBE", "orders"]);
        pat.cmd_str(&["PSUBSCRIBE", "*"]);
        // SPUBLISH reaches shard subscribers only, never patterns or channels.
        assert_reply!(p.cmd_str(&["SPUBLISH", "orders", "o1"]), b":1\r\n");
        assert_reply!(
            sh.read_raw(),
            &bulk_array(b'*', &["smessage", "orders", "o1"])
        );
        assert_reply!(p.cmd_str(&["PUBLISH", "orders", "o2"]), b":2\r\n");
        assert_reply!(ch.read_raw(), &message("orders", "o2"));
        assert_reply!(
            pat.read_raw(),
            &bulk_array(b'*', &["pmessage", "*", "orders", "o2"])
        );
        sh.assert_silent(Duration::from_millis(50));
        assert_reply!(
            p.cmd_str(&["PUBSUB", "SHARDCHANNELS", "o*"]),
            b"*1\r\n$6\r\norders\r\n"
        );
        assert_reply!(
            p.cmd_str(&["PUBSUB", "SHARDNUMSUB", "orders", "none"]),
            b"*4\r\n$6\r\norders\r\n:1\r\n$4\r\nnone\r\n:0\r\n"
        );
        assert_reply!(
            p.cmd_str(&["PUBSUB", "CHANNELS"]),
            b"*1\r\n$6\r\norders\r\n"
        );
        assert_reply!(
            sh.cmd_str(&["SUNSUBSCRIBE", "orders"]),
            &sub_confirm(false, "sunsubscribe", Some("orders"), 1)
        );
        assert_reply!(p.cmd_str(&["SPUBLISH", "orders", "o3"]), b":0\r\n");
        assert_reply!(
            p.cmd_str(&["PUBSUB", "SHARDNUMSUB", "orders"]),
            b"*2\r\n$6\r\norders\r\n:0\r\n"
        );
    });
}

#[test]
fn pubsub_introspection_and_errors() {
    on_both(|s| {
        let mut p = s.conn();
        let mut a = s.conn();
        let mut b = s.conn();
        assert_reply!(p.cmd_str(&["PUBSUB", "CHANNELS"]), b"*0\r\n");
        assert_reply!(p.cmd_str(&["PUBSUB", "NUMSUB"]), b"*0\r\n");
        a.cmd_str(&["SUBSCRIBE", "c"]);
        b.cmd_str(&["SUBSCRIBE", "c"]);
        b.cmd_str(&["PSUBSCRIBE", "p*"]);
        a.cmd_str(&["PSUBSCRIBE", "p*"]);
        // NUMPAT counts distinct patterns, NUMSUB subscribers per channel
        // (repeated names answered each time).
        assert_reply!(p.cmd_str(&["PUBSUB", "NUMPAT"]), b":1\r\n");
        assert_reply!(
            p.cmd_str(&["PUBSUB", "NUMSUB", "c", "c", "p*"]),
            b"*6\r\n$1\r\nc\r\n:2\r\n$1\r\nc\r\n:2\r\n$2\r\np*\r\n:0\r\n"
        );
        // Subscribing twice to one channel does not count twice.
        assert_reply!(
            a.cmd_str(&["SUBSCRIBE", "c"]),
            &sub_confirm(false, "subscribe", Some("c"), 2)
        );
        assert_reply!(p.cmd_str(&["PUBLISH", "c", "m"]), b":2\r\n");
        for (cmd, want) in [
            (
                &["PUBSUB", "foo"][..],
                &b"-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n"[..],
            ),
            (
                &["PUBSUB", "NUMPAT", "x"],
                b"-ERR wrong number of arguments for 'pubsub|numpat' command\r\n",
            ),
            (
                &["PUBLISH", "c"],
                b"-ERR wrong number of arguments for 'publish' command\r\n",
            ),
            (
                &["SPUBLISH", "c"],
                b"-ERR wrong number of arguments for 'spublish' command\r\n",
            ),
            (
                &["SUBSCRIBE"],
                b"-ERR wrong number of arguments for 'subscribe' command\r\n",
            ),
            (
                &["PSUBSCRIBE"],
                b"-ERR wrong number of arguments for 'psubscribe' command\r\n",
            ),
            (
                &["SSUBSCRIBE"],
                b"-ERR wrong number of arguments for 'ssubscribe' command\r\n",
            ),
        ] {
            assert_reply!(p.cmd_str(cmd), want);
        }
        // The connection and the subscriptions survive the errors.
        assert_reply!(p.cmd_str(&["PUBLISH", "pq", "m"]), b":2\r\n");
    });
}

#[test]
fn resp3_pushes_and_any_command_while_subscribed() {
    on_both(|s| {
        let mut a = s.conn();
        let mut p = s.conn();
        a.cmd_str(&["HELLO", "3"]);
        assert_reply!(
            a.cmd_str(&["SUBSCRIBE", "c"]),
            &sub_confirm(true, "subscribe", Some("c"), 1)
        );
        // Any command while subscribed, with its ordinary RESP3 reply.
        assert_reply!(a.cmd_str(&["GET", "x"]), b"_\r\n");
        assert_reply!(a.cmd_str(&["SET", "x", "1"]), b"+OK\r\n");
        assert_reply!(a.cmd_str(&["PING"]), b"+PONG\r\n");
        assert_reply!(p.cmd_str(&["PUBLISH", "c", "hi"]), b":1\r\n");
        assert_reply!(a.read_raw(), &bulk_array(b'>', &["message", "c", "hi"]));
        // Publishing to itself: the push comes before the PUBLISH reply.
        a.send_str(&["PSUBSCRIBE", "*"]);
        assert_reply!(a.read_raw(), &sub_confirm(true, "psubscribe", Some("*"), 2));
        a.send_str(&["PUBLISH", "c", "self"]);
        assert_reply!(a.read_raw(), &bulk_array(b'>', &["message", "c", "self"]));
        assert_reply!(
            a.read_raw(),
            &bulk_array(b'>', &["pmessage", "*", "c", "self"])
        );
        assert_reply!(a.read_raw(), b":2\r\n");
        // A message published before a command's reply arrives before it.
        assert_reply!(p.cmd_str(&["PUBLISH", "c", "before"]), b":2\r\n");
        a.send_str(&["GET", "x"]);
        assert_reply!(a.read_raw(), &bulk_array(b'>', &["message", "c", "before"]));
        assert_reply!(
            a.read_raw(),
            &bulk_array(b'>', &["pmessage", "*", "c", "before"])
        );
        assert_reply!(a.read_raw(), b"$1\r\n1\r\n");
        // A pipeline mixing commands and subscriptions, one write.
        let mut pipe = Vec::new();
        for cmd in [
            &["SUBSCRIBE", "d"][..],
            &["PUBLISH", "d", "m"],
            &["INCR", "x"],
            &["UNSUBSCRIBE", "d"],
            &["PUBLISH", "d", "m"],
        ] {
            let args: Vec<&[u8]> = cmd.iter().map(|x| x.as_bytes()).collect();
            pipe.extend(cedis_tests::request(&args));
        }
        a.send(&pipe);
        assert_reply!(a.read_raw(), &sub_confirm(true, "subscribe", Some("d"), 3));
        assert_reply!(a.read_raw(), &bulk_array(b'>', &["message", "d", "m"]));
        assert_reply!(
            a.read_raw(),
            &bulk_array(b'>', &["pmessage", "*", "d", "m"])
        );
        assert_reply!(a.read_raw(), b":2\r\n");
        assert_reply!(a.read_raw(), b":2\r\n");
        assert_reply!(
            a.read_raw(),
            &sub_confirm(true, "unsubscribe", Some("d"), 2)
        );
        assert_reply!(
            a.read_raw(),
            &bulk_array(b'>', &["pmessage", "*", "d", "m"])
        );
        assert_reply!(a.read_raw(), b":1\r\n");
        // UNSUBSCRIBE with nothing left: the null channel is RESP3's null.
        assert_reply!(
            a.cmd_str(&["UNSUBSCRIBE"]),
            &sub_confirm(true, "unsubscribe", Some("c"), 1)
        );
        assert_reply!(
            a.cmd_str(&["UNSUBSCRIBE"]),
            &sub_confirm(true, "unsubscribe", None, 1)
        );
        assert_reply!(
            a.cmd_str(&["PUNSUBSCRIBE"]),
            &sub_confirm(true, "punsubscribe", Some("*"), 0)
        );
        assert_reply!(p.cmd_str(&["PUBLISH", "c", "gone"]), b":0\r\n");
        a.assert_silent(Duration::from_millis(50));
        // SSUBSCRIBE in RESP3: smessage pushes.
        a.send_str(&["SSUBSCRIBE", "s"]);
        assert_reply!(a.read_raw(), &sub_confirm(true, "ssubscribe", Some("s"), 1));
        assert_reply!(p.cmd_str(&["SPUBLISH", "s", "m"]), b":1\r\n");
        assert_reply!(a.read_raw(), &bulk_array(b'>', &["smessage", "s", "m"]));
        assert_reply!(a.cmd_str(&["RESET"]), b"+RESET\r\n");
        // RESET goes back to RESP2 and leaves every subscription.
        assert_reply!(p.cmd_str(&["SPUBLISH", "s", "m"]), b":0\r\n");
        assert_reply!(a.cmd_str(&["GET", "nope"]), b"$-1\r\n");
    });
}

/// A RESP2 subscriber and a RESP3 one on the same channel each get the
/// message in their own protocol.
#[test]
fn mixed_protocol_subscribers() {
    on_both(|s| {
        let mut r2 = s.conn();
        let mut r3 = s.conn();
        let mut p = s.conn();
        r3.cmd_str(&["HELLO", "3"]);
        r2.cmd_str(&["PSUBSCRIBE", "c*"]);
        r3.cmd_str(&["PSUBSCRIBE", "c*"]);
        assert_reply!(p.cmd_str(&["PUBLISH", "chan", "v"]), b":2\r\n");
        assert_reply!(
            r2.read_raw(),
            &bulk_array(b'*', &["pmessage", "c*", "chan", "v"])
        );
        assert_reply!(
            r3.read_raw(),
            &bulk_array(b'>', &["pmessage", "c*", "chan", "v"])
        );
    });
}

/// The server's `connected_clients`.
fn connected(c: &mut Conn) -> u64 {
    c.info_field("clients", "connected_clients")
        .parse()
        .expect("connected_clients is a number")
}

/// `used_memory` from INFO memory.
fn used_memory(c: &mut Conn) -> u64 {
    c.info_field("memory", "used_memory")
        .parse()
        .expect("used_memory is a number")
}

/// A subscriber (RESP2, then RESP3) that never reads is disconnected once its queued output
/// passes `client-output-buffer-limit pubsub`; the publisher and the data
/// are untouched and the queued messages are freed. The publisher publishes
/// 64 KB messages in pipelined batches until PUBLISH counts no receiver
/// (bounded: at most 64 MB in all, while the kernel's socket buffers absorb
/// at most a few MB before the server must queue).
#[test]
fn slow_subscriber_is_disconnected_at_the_pubsub_limit() {
    const MSG: usize = 64 * 1024;
    const BATCH: usize = 16;
    const MAX_BATCHES: usize = 64;
    on_both(|s| {
        let mut p = s.conn();
        assert_reply!(
            p.cmd_str(&[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "pubsub 1mb 512kb 60"
            ]),
            b"+OK\r\n"
        );
        assert_reply!(p.cmd_str(&["SET", "keep", "me"]), b"+OK\r\n");
        for resp3 in [false, true] {
            let before = used_memory(&mut p);
            let mut slow = s.conn();
            if resp3 {
                slow.cmd_str(&["HELLO", "3"]);
            }
            slow.cmd_str(&["SUBSCRIBE", "firehose"]);
            assert_eq!(connected(&mut p), 2);

            let payload = "x".repeat(MSG);
            let one = cedis_tests::request(&[b"PUBLISH", b"firehose", payload.as_bytes()]);
            let mut batch = Vec::with_capacity(one.len() * BATCH);
            for _ in 0..BATCH {
                batch.extend_from_slice(&one);
            }
            let mut delivered = 0;
            let mut dropped = false;
            for _ in 0..MAX_BATCHES {
                p.send(&batch);
                for _ in 0..BATCH {
                    match p.read_raw().as_slice() {
                        b":1\r\n" => delivered += 1,
                        b":0\r\n" => dropped = true,
                        other => panic!("PUBLISH: {}", cedis_tests::show(other)),
                    }
                }
                if dropped {
                    break;
                }
            }
            assert!(
                dropped,
                "subscriber still counted after {delivered} messages"
            );
            eprintln!(
                "subscriber (resp3 {resp3}) dropped after {delivered} messages of {MSG} bytes"
            );
            // Gone from the server's view...
            assert!(
                wait_until(WAIT, || connected(&mut p) == 1),
                "slow subscriber still connected"
            );
            let list = p.cmd_str(&["CLIENT", "LIST"]);
            assert!(
                !String::from_utf8_lossy(&list).contains("sub=1"),
                "CLIENT LIST still shows a subscriber: {}",
                cedis_tests::show(&list)
            );
            assert_reply!(
                p.cmd_str(&["PUBSUB", "NUMSUB", "firehose"]),
                b"*2\r\n$8\r\nfirehose\r\n:0\r\n"
            );
            // ...and its socket ends after what was already sent.
            let mut closed = false;
            for _ in 0..10 {
                let (_, eof) = slow.read_until_close(Duration::from_millis(500));
                if eof {
                    closed = true;
                    break;
                }
            }
            assert!(closed, "slow subscriber's socket not closed");
            // The publisher and the data survive.
            assert_reply!(p.cmd_str(&["PING"]), b"+PONG\r\n");
            assert_reply!(p.cmd_str(&["GET", "keep"]), b"$2\r\nme\r\n");
            // The queued messages are freed (a generous bound: 16 MB over the
            // start, when up to 64 MB were published).
            let mut now = 0;
            assert!(
                wait_until(WAIT, || {
                    now = used_memory(&mut p);
                    now < before + 16 * 1024 * 1024
                }),
                "used_memory {now} after, {before} before"
            );
        }
    });
}
