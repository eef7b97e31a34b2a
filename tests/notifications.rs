//! Keyspace notifications over TCP: `notify-keyspace-events` classes set
//! with CONFIG SET, on the command line and in a config file; the
//! `__keyspace@<db>__:<key>` and `__keyevent@<db>__:<event>` messages with
//! Redis's event names for a representative command of each class; expiry
//! seen lazily and by the active cycle; RESP2 and RESP3 subscribers.
//!
//! The expected messages come from one table (command → class, event, key)
//! filtered by the configured classes, and every scenario runs against cedis
//! and, when one is installed, a real redis-server with the same expected
//! bytes. A subscriber knows it has seen everything a command caused by a
//! sentinel: after each command the driver publishes on `sync`, and the
//! subscriber reads up to that message (no waiting for silence).

use std::time::Duration;

use cedis_tests::{
    assert_reply, bulk_array, on_both_with, show, Conn, Kind, Options, Server, TempDir,
};

/// How long a scenario waits for a message.
const WAIT: Duration = Duration::from_secs(5);

/// One notification: class letter, event name, key, database.
type Event = (char, &'static str, &'static str, u8);

/// Representative commands of every class, in order, with the events each
/// one causes (in the order Redis sends them). Active expiry is off while
/// they run; `~` before a command means "wait past its TTL first".
fn script() -> Vec<(Vec<&'static str>, Vec<Event>)> {
    vec![
        (
            vec!["SET", "k", "v"],
            vec![('n', "new", "k", 0), ('$', "set", "k", 0)],
        ),
        (vec!["SET", "k", "v", "NX"], vec![]),
        (vec!["APPEND", "k", "w"], vec![('$', "append", "k", 0)]),
        (
            vec!["INCRBY", "n", "5"],
            vec![('n', "new", "n", 0), ('$', "incrby", "n", 0)],
        ),
        (vec!["INCR", "k"], vec![]),
        (
            vec!["SETRANGE", "k", "0", "x"],
            vec![('$', "setrange", "k", 0)],
        ),
        (
            vec!["RENAME", "k", "k2"],
            vec![
                ('n', "new", "k2", 0),
                ('g', "rename_from", "k", 0),
                ('g', "rename_to", "k2", 0),
            ],
        ),
        (
            vec!["COPY", "k2", "k3"],
            vec![('n', "new", "k3", 0), ('g', "copy_to", "k3", 0)],
        ),
        (
            vec!["MOVE", "k3", "1"],
            vec![
                ('n', "new", "k3", 1),
                ('g', "move_from", "k3", 0),
                ('g', "move_to", "k3", 1),
            ],
        ),
        (vec!["EXPIRE", "n", "100"], vec![('g', "expire", "n", 0)]),
        (vec!["PERSIST", "n"], vec![('g', "persist", "n", 0)]),
        (vec!["DEL", "n", "nope"], vec![('g', "del", "n", 0)]),
        (
            vec!["LPUSH", "l", "a", "b"],
            vec![('n', "new", "l", 0), ('l', "lpush", "l", 0)],
        ),
        (vec!["RPUSH", "l", "c"], vec![('l', "rpush", "l", 0)]),
        (vec!["LSET", "l", "0", "z"], vec![('l', "lset", "l", 0)]),
        // A move notifies the push (creating the destination) before the
        // pop (deleting the emptied source).
        (
            vec!["LMOVE", "l", "l2", "LEFT", "RIGHT"],
            vec![
                ('n', "new", "l2", 0),
                ('l', "rpush", "l2", 0),
                ('l', "lpop", "l", 0),
            ],
        ),
        (
            vec!["RPOPLPUSH", "l2", "l2"],
            vec![('l', "lpush", "l2", 0), ('l', "rpop", "l2", 0)],
        ),
        (
            vec!["RPOPLPUSH", "l2", "l"],
            vec![
                ('l', "lpush", "l", 0),
                ('l', "rpop", "l2", 0),
                ('g', "del", "l2", 0),
            ],
        ),
        (
            vec!["LPOP", "l", "3"],
            vec![('l', "lpop", "l", 0), ('g', "del", "l", 0)],
        ),
        (
            vec!["HSET", "h", "f", "v"],
            vec![('n', "new", "h", 0), ('h', "hset", "h", 0)],
        ),
        (
            vec!["HINCRBY", "h", "i", "2"],
            vec![('h', "hincrby", "h", 0)],
        ),
        (
            vec!["HDEL", "h", "f", "i"],
            vec![('h', "hdel", "h", 0), ('g', "del", "h", 0)],
        ),
        (
            vec!["SADD", "s", "m", "n"],
            vec![('n', "new", "s", 0), ('s', "sadd", "s", 0)],
        ),
        (vec!["SADD", "s", "m"], vec![]),
        (vec!["SREM", "s", "m"], vec![('s', "srem", "s", 0)]),
        (
            vec!["SPOP", "s"],
            vec![('s', "spop", "s", 0), ('g', "del", "s", 0)],
        ),
        (
            vec!["ZADD", "z", "1", "m"],
            vec![('n', "new", "z", 0), ('z', "zadd", "z", 0)],
        ),
        (vec!["ZINCRBY", "z", "2", "m"], vec![('z', "zincr", "z", 0)]),
        (
            vec!["ZREM", "z", "m"],
            vec![('z', "zrem", "z", 0), ('g', "del", "z", 0)],
        ),
        (vec!["GET", "missing"], vec![('m', "keymiss", "missing", 0)]),
        (
            vec!["SET", "e", "v", "PX", "10"],
            vec![
                ('n', "new", "e", 0),
                ('$', "set", "e", 0),
                ('g', "expire", "e", 0),
            ],
        ),
        // Lazily expired on access: expired, then the miss.
        (
            vec!["~GET", "e"],
            vec![('x', "expired", "e", 0), ('m', "keymiss", "e", 0)],
        ),
        (
            vec!["SET", "p", "v", "PX", "100000"],
            vec![
                ('n', "new", "p", 0),
                ('$', "set", "p", 0),
                ('g', "expire", "p", 0),
            ],
        ),
        // An EXPIRE in the past deletes at once: a del, not expired.
        (vec!["PEXPIREAT", "p", "1"], vec![('g', "del", "p", 0)]),
    ]
}

/// Whether `class` is enabled by the `flags` of notify-keyspace-events
/// (A is every class except m and n).
fn class_on(flags: &str, class: char) -> bool {
    flags.contains(class) || (flags.contains('A') && "g$lshzxetd".contains(class))
}

/// The frames a subscriber of `__key*__:*` gets for `events` under `flags`.
fn expected(flags: &str, events: &[Event], resp3: bool) -> Vec<Vec<u8>> {
    let kind = if resp3 { b'>' } else { b'*' };
    let mut out = Vec::new();
    for &(class, event, key, db) in events {
        if !class_on(flags, class) {
            continue;
        }
        if flags.contains('K') {
            let ch = format!("__keyspace@{db}__:{key}");
            out.push(bulk_array(kind, &["pmessage", "__key*__:*", &ch, event]));
        }
        if flags.contains('E') {
            let ch = format!("__keyevent@{db}__:{event}");
            out.push(bulk_array(kind, &["pmessage", "__key*__:*", &ch, key]));
        }
    }
    out
}

/// A subscriber of every keyspace and keyevent channel and of `sync`.
fn subscriber(s: &Server, resp3: bool) -> Conn {
    let mut sub = s.conn();
    sub.set_timeout(WAIT);
    if resp3 {
        sub.cmd_str(&["HELLO", "3"]);
    }
    sub.cmd_str(&["PSUBSCRIBE", "__key*__:*"]);
    sub.cmd_str(&["SUBSCRIBE", "sync"]);
    sub
}

/// Reads what `sub` received up to the `sync` message numbered `n`.
fn read_to_sync(sub: &mut Conn, n: usize, resp3: bool) -> Vec<Vec<u8>> {
    let kind = if resp3 { b'>' } else { b'*' };
    let sync = bulk_array(kind, &["message", "sync", &n.to_string()]);
    let mut got = Vec::new();
    loop {
        let f = sub.read_raw();
        if f == sync {
            return got;
        }
        got.push(f);
    }
}

/// Runs [`script`] with `flags` and checks every command's notifications.
fn check_script(s: &Server, flags: &str, resp3: bool) {
    let mut c = s.conn();
    c.set_timeout(WAIT);
    assert_reply!(c.cmd_str(&["FLUSHALL"]), b"+OK\r\n");
    assert_reply!(
        c.cmd_str(&["CONFIG", "SET", "notify-keyspace-events", flags]),
        b"+OK\r\n"
    );
    assert_reply!(c.cmd_str(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), b"+OK\r\n");
    let mut sub = subscriber(s, resp3);
    for (i, (cmd, events)) in script().into_iter().enumerate() {
        let mut cmd = cmd;
        if cmd[0].starts_with('~') {
            cmd[0] = &cmd[0][1..];
            std::thread::sleep(Duration::from_millis(30));
        }
        // Failing commands (INCR of text) notify nothing.
        c.cmd_str(&cmd);
        c.cmd_str(&["PUBLISH", "sync", &i.to_string()]);
        let got = read_to_sync(&mut sub, i, resp3);
        let want = expected(flags, &events, resp3);
        assert!(
            got == want,
            "{cmd:?} with notify-keyspace-events {flags:?} (resp3 {resp3})\n  got:  {}\n  want: {}",
            got.iter().map(|f| show(f)).collect::<Vec<_>>().join(" | "),
            want.iter().map(|f| show(f)).collect::<Vec<_>>().join(" | ")
        );
    }
    assert_reply!(c.cmd_str(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]), b"+OK\r\n");
}

#[test]
fn every_class_with_keyspace_and_keyevent_channels() {
    on_both_with(&[], |s| {
        for flags in ["KEA", "KEAmn", "AK", "AE"] {
            check_script(s, flags, false);
        }
        check_script(s, "KEA", true);
    });
}

/// Each class letter alone lets through only its own events.
#[test]
fn single_classes_filter_events() {
    on_both_with(&[], |s| {
        for flags in [
            "Kg", "E$", "Kl", "Es", "Kh", "Ez", "Kx", "Em", "Kn", "KEg$x", "gK$",
        ] {
            check_script(s, flags, false);
        }
        check_script(s, "Elhn", true);
    });
}

#[test]
fn config_get_and_set_of_the_flags() {
    on_both_with(&[], |s| {
        let mut c = s.conn();
        let get = |c: &mut Conn| c.cmd_str(&["CONFIG", "GET", "notify-keyspace-events"]);
        let value = |v: &str| {
            let mut out = b"*2\r\n$22\r\nnotify-keyspace-events\r\n".to_vec();
            out.extend_from_slice(format!("${}\r\n{v}\r\n", v.len()).as_bytes());
            out
        };
        assert_reply!(get(&mut c), &value(""));
        for (set, shown) in [
            ("KEA", "AKE"),
            ("Elmn", "lnEm"),
            ("$K", "$K"),
            ("g$lshzxetdKE", "AKE"),
            ("", ""),
        ] {
            assert_reply!(
                c.cmd_str(&["CONFIG", "SET", "notify-keyspace-events", set]),
                b"+OK\r\n"
            );
            assert_reply!(get(&mut c), &value(shown));
        }
        assert_reply!(
            c.cmd_str(&["CONFIG", "SET", "notify-keyspace-events", "KQ"]),
            b"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - \
              Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"
        );
        assert_reply!(get(&mut c), &value(""));
    });
}

/// The active expiry cycle deletes a key nobody touches and notifies
/// `expired` (waited for, not timed).
#[test]
fn expired_by_the_active_cycle() {
    on_both_with(&["--notify-keyspace-events", "Ex"], |s| {
        for resp3 in [false, true] {
            let mut c = s.conn();
            let mut sub = subscriber(s, resp3);
            c.cmd_str(&["SET", "t", "v", "PX", "5"]);
            let kind = if resp3 { b'>' } else { b'*' };
            assert_reply!(
                sub.read_raw(),
                &bulk_array(
                    kind,
                    &["pmessage", "__key*__:*", "__keyevent@0__:expired", "t"]
                )
            );
            assert_reply!(c.cmd_str(&["DBSIZE"]), b":0\r\n");
        }
    });
}

/// Events in another database carry its number; a subscriber of one
/// database's channel hears only that database.
#[test]
fn database_number_in_channel_names() {
    on_both_with(&["--notify-keyspace-events", "KE$"], |s| {
        let mut c = s.conn();
        let mut sub = s.conn();
        sub.cmd_str(&["PSUBSCRIBE", "__keyspace@5__:*"]);
        c.cmd_str(&["SET", "a", "0"]);
        c.cmd_str(&["SELECT", "5"]);
        c.cmd_str(&["SET", "a", "5"]);
        assert_reply!(
            sub.read_raw(),
            &bulk_array(
                b'*',
                &["pmessage", "__keyspace@5__:*", "__keyspace@5__:a", "set"]
            )
        );
        sub.assert_silent(Duration::from_millis(50));
    });
}

/// Starts cedis, then redis-server, each with a config file holding
/// `conf`, and runs `scenario`.
fn on_both_with_config(conf: &str, scenario: impl Fn(&Server)) {
    for kind in [Kind::Cedis, Kind::Redis] {
        if kind == Kind::Redis && cedis_tests::redis_binary().is_none() {
            eprintln!("NOTICE: redis-server not found; cedis only");
            continue;
        }
        let dir = TempDir::new();
        let file = dir.path().join("test.conf");
        std::fs::write(&file, conf).expect("write config file");
        let s = Server::start(
            kind,
            Options {
                config_file: Some(file),
                dir: Some(dir),
                ..Options::default()
            },
        )
        .expect("server starts with the config file");
        eprintln!("-- on {kind:?}");
        scenario(&s);
    }
}

#[test]
fn flags_from_the_command_line_and_a_config_file() {
    let check = |s: &Server| {
        let mut c = s.conn();
        assert_reply!(
            c.cmd_str(&["CONFIG", "GET", "notify-keyspace-events"]),
            b"*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nlK\r\n"
        );
        let mut sub = s.conn();
        sub.cmd_str(&["PSUBSCRIBE", "__key*__:*"]);
        c.cmd_str(&["SET", "s", "1"]);
        c.cmd_str(&["RPUSH", "l", "x"]);
        assert_reply!(
            sub.read_raw(),
            &bulk_array(
                b'*',
                &["pmessage", "__key*__:*", "__keyspace@0__:l", "rpush"]
            )
        );
    };
    on_both_with(&["--notify-keyspace-events", "Kl"], check);
    on_both_with_config("notify-keyspace-events \"Kl\"\n", check);
}

/// Events of a transaction arrive in command order after EXEC; a RESP3
/// client that listens to its own SET gets the event push before the reply
/// (other commands: [`own_pushes_where_redis_writes_them`]).
#[test]
fn transactions_and_own_writes() {
    on_both_with(&["--notify-keyspace-events", "KEA"], |s| {
        let mut sub = s.conn();
        let mut c = s.conn();
        sub.cmd_str(&["SUBSCRIBE", "__keyevent@0__:set", "__keyevent@0__:del"]);
        sub.read_raw();
        c.cmd_str(&["MULTI"]);
        c.cmd_str(&["SET", "a", "1"]);
        c.cmd_str(&["DEL", "a"]);
        c.cmd_str(&["SET", "b", "1"]);
        sub.assert_silent(Duration::from_millis(50));
        assert_reply!(c.cmd_str(&["EXEC"]), b"*3\r\n+OK\r\n:1\r\n+OK\r\n");
        for (ch, key) in [("set", "a"), ("del", "a"), ("set", "b")] {
            let ch = format!("__keyevent@0__:{ch}");
            assert_reply!(sub.read_raw(), &bulk_array(b'*', &["message", &ch, key]));
        }
        let mut own = s.conn();
        own.cmd_str(&["HELLO", "3"]);
        own.cmd_str(&["SUBSCRIBE", "__keyspace@0__:k"]);
        own.send_str(&["SET", "k", "v"]);
        assert_reply!(
            own.read_raw(),
            &bulk_array(b'>', &["message", "__keyspace@0__:k", "set"])
        );
        assert_reply!(own.read_raw(), b"+OK\r\n");
    });
}

/// The pushes a RESP3 client gets for keys it writes itself land where
/// Redis notifies relative to the reply: before it (SET, DEL, PUBLISH),
/// after it (GETDEL, SET ... GET, LPUSH, HSET, ZADD, EXPIRE), around it
/// (LMOVE: push event, reply, pop event), inside it (ZPOPMIN's events after
/// the array header; EXEC's between its elements), and a tracking
/// invalidation of its own write after the reply. The whole byte stream up
/// to a PING is compared.
#[test]
fn own_pushes_where_redis_writes_them() {
    let ev = |event: &str, key: &str| {
        let ch = format!("__keyevent@0__:{event}");
        bulk_array(b'>', &["pmessage", "__keyevent@0__:*", &ch, key])
    };
    let cat = |parts: &[&[u8]]| parts.concat();
    on_both_with(&["--notify-keyspace-events", "KEA"], |s| {
        let mut c = s.conn();
        c.set_timeout(WAIT);
        c.cmd_str(&["HELLO", "3"]);
        c.cmd_str(&["PSUBSCRIBE", "__keyevent@0__:*"]);
        c.cmd_str(&["SUBSCRIBE", "own"]);
        let cases: Vec<(&[&str], Vec<u8>)> = vec![
            (&["SET", "k", "v"], cat(&[&ev("set", "k"), b"+OK\r\n"])),
            (
                &["SET", "k", "w", "GET"],
                cat(&[b"$1\r\nv\r\n", &ev("set", "k")]),
            ),
            (&["GETDEL", "k"], cat(&[b"$1\r\nw\r\n", &ev("del", "k")])),
            (
                &["LPUSH", "l", "a", "b"],
                cat(&[b":2\r\n", &ev("lpush", "l")]),
            ),
            (
                &["LMOVE", "l", "l2", "LEFT", "RIGHT"],
                cat(&[&ev("rpush", "l2"), b"$1\r\nb\r\n", &ev("lpop", "l")]),
            ),
            (
                &["HSET", "h", "f", "v"],
                cat(&[b":1\r\n", &ev("hset", "h")]),
            ),
            (
                &["EXPIRE", "h", "100"],
                cat(&[b":1\r\n", &ev("expire", "h")]),
            ),
            (&["DEL", "h"], cat(&[&ev("del", "h"), b":1\r\n"])),
            (
                &["ZADD", "z", "1", "m"],
                cat(&[b":1\r\n", &ev("zadd", "z")]),
            ),
            (
                &["ZPOPMIN", "z"],
                cat(&[
                    b"*2\r\n",
                    &ev("zpopmin", "z"),
                    b"$1\r\nm\r\n,1\r\n",
                    &ev("del", "z"),
                ]),
            ),
            (
                &["PUBLISH", "own", "hi"],
                cat(&[&bulk_array(b'>', &["message", "own", "hi"]), b":1\r\n"]),
            ),
        ];
        let mut check = |cmds: &[&[&str]], want: &[u8]| {
            for cmd in cmds {
                c.send_str(cmd);
            }
            c.send_str(&["PING"]);
            let mut got = Vec::new();
            while !got.ends_with(b"+PONG\r\n") {
                got.extend(c.read_raw());
            }
            got.truncate(got.len() - b"+PONG\r\n".len());
            assert!(
                got == want,
                "{cmds:?}\n  got:  {}\n  want: {}",
                show(&got),
                show(want)
            );
        };
        for (cmd, want) in &cases {
            check(&[cmd], want);
        }
        // Inside EXEC each command's pushes sit beside its own element.
        let want = cat(&[
            b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n",
            &ev("set", "m"),
            b"+OK\r\n$1\r\nv\r\n",
            &ev("del", "m"),
            b":1\r\n",
            &ev("rpush", "ml"),
        ]);
        let tx: &[&[&str]] = &[
            &["MULTI"],
            &["SET", "m", "v"],
            &["GETDEL", "m"],
            &["RPUSH", "ml", "a"],
            &["EXEC"],
        ];
        check(tx, &want);
        // Own write of a tracked key: the invalidation follows the reply.
        check(&[&["CLIENT", "TRACKING", "ON"]], b"+OK\r\n");
        check(&[&["GET", "t"]], b"_\r\n");
        check(
            &[&["SET", "t", "v"]],
            &cat(&[
                &ev("set", "t"),
                b"+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nt\r\n",
            ]),
        );
    });
}
