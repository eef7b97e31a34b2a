//! Differential test of `cedis_resp::RequestDecoder` against a real
//! redis-server: each input of the table is sent as raw bytes to redis-server,
//! and its reply must equal what cedis would send: the replies redis-server
//! gives to the requests our decoder extracted (re-sent in canonical
//! multibulk form, so `ECHO` reveals the parsed arguments), followed by
//! `-ERR <error>\r\n` and a closed connection if our decoder reports a
//! protocol error. Also compares `%.17g` doubles (ZSCORE, RESP2 and RESP3).
//!
//! Skipped, with a notice, when no `redis-server` binary is found
//! (`REDIS_SERVER` names one explicitly).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use cedis_resp::{FrameDecoder, Limits, Protocol, ProtocolError, ReplyWriter, RequestDecoder};
use cedis_tests::Server;

/// Written to the real stderr, so the notice shows even when libtest
/// captures the test's output.
fn skip_notice() {
    let _ = std::io::stderr()
        .write_all(b"NOTICE: redis-server not found, skipping resp_vs_redis (set REDIS_SERVER)\n");
}

/// A redis-server started by the shared harness, or None (with a notice)
/// when there is none.
fn start(extra: &[&str]) -> Option<Server> {
    let s = Server::redis_with(extra);
    if s.is_none() {
        skip_notice();
    }
    s
}

/// Sends `input`; reads until the server closes, or until `want` bytes came
/// and then nothing more for a short while. Returns (reply, closed).
fn exchange(port: u16, input: &[u8], want: usize) -> (Vec<u8>, bool) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(input).unwrap();
    let mut out = Vec::new();
    let mut chunk = [0u8; 65536];
    let start = Instant::now();
    loop {
        let idle = if out.len() >= want { 200 } else { 2000 };
        s.set_read_timeout(Some(Duration::from_millis(idle)))
            .unwrap();
        match s.read(&mut chunk) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (out, true),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if out.len() >= want || start.elapsed() > Duration::from_secs(5) {
                    return (out, false);
                }
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

fn multibulk(args: &[Bytes]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The replies redis-server gives to well-formed `requests`, on a new
/// connection (after the `pre` bytes, whose one reply is dropped).
fn canonical_replies(port: u16, requests: &[Vec<Bytes>], pre: &[u8]) -> Vec<u8> {
    let mut wire = pre.to_vec();
    for r in requests {
        wire.extend_from_slice(&multibulk(r));
    }
    let skip = usize::from(!pre.is_empty());
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(&wire).unwrap();
    // One reply per request: count them with the frame decoder, keeping
    // the raw bytes.
    let mut dec = FrameDecoder::new();
    let mut buf = BytesMut::new();
    let mut raw = Vec::new();
    let (mut seen, mut consumed, mut start) = (0, 0, 0);
    let mut chunk = [0u8; 65536];
    while seen < requests.len() + skip {
        let before = buf.len();
        if dec.decode(&mut buf).expect("valid reply").is_some() {
            consumed += before - buf.len();
            seen += 1;
            if seen == skip {
                start = consumed;
            }
            continue;
        }
        let n = s.read(&mut chunk).expect("canonical replies");
        assert!(n > 0, "server closed on canonical requests");
        buf.extend_from_slice(&chunk[..n]);
        raw.extend_from_slice(&chunk[..n]);
    }
    raw[start..consumed].to_vec()
}

/// What cedis would send for `input`: (reply bytes, closes connection).
fn predicted(port: u16, input: &[u8], limits: Limits, pre: &[u8]) -> (Vec<u8>, bool) {
    let mut dec = RequestDecoder::with_limits(limits);
    let mut buf = BytesMut::from(input);
    let mut args = Vec::new();
    let mut requests = Vec::new();
    let error = loop {
        match dec.decode_into(&mut buf, &mut args) {
            Ok(true) => requests.push(args.clone()),
            Ok(false) => break None,
            Err(e) => break Some(e),
        }
    };
    let mut reply = canonical_replies(port, &requests, pre);
    if let Some(e) = error {
        let mut b = BytesMut::new();
        e.write_reply(&mut b);
        reply.extend_from_slice(&b);
    }
    (reply, error.is_some())
}

fn big(prefix: &[u8], fill: u8, n: usize) -> Vec<u8> {
    let mut v = prefix.to_vec();
    v.resize(prefix.len() + n, fill);
    v
}

/// The table: (description, raw input). Errors are placed at the end of the
/// input so the server never closes with unread bytes (that resets the
/// connection and can drop its reply).
fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let max = cedis_resp::PROTO_INLINE_MAX_SIZE;
    let mut v: Vec<(&'static str, Vec<u8>)> = [
        // invalid multibulk length
        ("leading zero count", &b"*01\r\n"[..]),
        ("plus sign count", b"*+1\r\n"),
        ("space in count", b"* 1\r\n"),
        ("minus zero count", b"*-0\r\n"),
        ("empty count", b"*\r\n"),
        ("letters count", b"*abc\r\n"),
        ("count over INT_MAX", b"*2147483648\r\n"),
        ("count line ended by LF only", b"*1\n$4\r\nPING\r\n"),
        // invalid bulk length
        ("bulk -1 in multibulk", b"*1\r\n$-1\r\n"),
        ("bulk leading zero", b"*1\r\n$01\r\n"),
        ("bulk plus sign", b"*1\r\n$+4\r\n"),
        ("bulk space", b"*1\r\n$ 4\r\n"),
        ("bulk over proto-max-bulk-len", b"*1\r\n$536870913\r\n"),
        ("bulk over i64", b"*1\r\n$9223372036854775808\r\n"),
        // expected '$'
        ("integer instead of bulk", b"*1\r\n:4\r\n"),
        ("bare word instead of bulk", b"*2\r\n$4\r\nECHO\r\nfoo\r\n"),
        ("CR instead of bulk", b"*1\r\n\r\n"),
        ("high byte instead of bulk", b"*1\r\n\xff\r\n"),
        // unbalanced quotes
        ("open double quote", b"ECHO \"abc\r\n"),
        ("open single quote", b"ECHO 'abc\r\n"),
        ("text after double quote", b"ECHO \"a\"b\r\n"),
        ("text after single quote", b"ECHO 'a'b\r\n"),
        ("escaped closing quote", b"ECHO \"abc\\\"\r\n"),
        // accepted, empty, lenient
        (
            "empty requests",
            b"*-5\r\n*0\r\n*-1\r\n\r\n\n  \r\nPING\r\n",
        ),
        (
            "bytes after bulk unchecked",
            b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
        ),
        ("byte after header CR unchecked", b"*1\rX$4\r\nPING\r\n"),
        ("binary bulk", b"*2\r\n$4\r\nECHO\r\n$6\r\na\r\n\0\xffb\r\n"),
        ("empty bulk", b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"),
        ("inline LF only", b"PING\nECHO x\n"),
        ("inline CR separates", b"ECHO a\rb\r\n"),
        ("inline tab", b"ECHO\tfoo\r\n"),
        ("inline leading VT", b"\x0bECHO foo\r\n"),
        ("inline VT inside word", b"ECHO\x0bfoo\r\n"),
        (
            "inline double quote escapes",
            b"ECHO \"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\\q\\xZZ\\x4\"\r\n",
        ),
        (
            "inline single quote escapes",
            b"ECHO 'a\\'b\\n\\x41\\\\'\r\n",
        ),
        ("inline quote mid word", b"ECHO a\"b c\"\r\n"),
        ("inline VT after quote", b"ECHO \"a\"\x0b\r\n"),
        ("inline empty quotes", b"ECHO \"\"\r\nECHO ''\r\n"),
        ("inline starting with $", b"$4\r\n"),
        // incomplete: waits, connection stays open
        ("count INT_MAX waits", b"*2147483647\r\n"),
        ("bulk at limit waits", b"*1\r\n$536870912\r\n"),
        ("NUL hides count CR", b"*1\0\r\n"),
        ("NUL hides inline LF", b"PING\0\n"),
        ("NUL hides bulk CR", b"*1\r\n$4\0\r\nPING\r\n"),
        ("header without CR waits", b"*1\r\nX"),
        ("body incomplete", b"*2\r\n$4\r\nECHO\r\n$3\r\nab"),
    ]
    .iter()
    .map(|(d, i)| (*d, i.to_vec()))
    .collect();
    v.push(("too big mbulk count", big(b"*", b'1', max)));
    v.push(("mbulk count at limit waits", big(b"*", b'1', max - 1)));
    v.push(("too big bulk count", big(b"*1\r\n$", b'1', max)));
    v.push((
        "too big bulk count after NUL",
        big(b"*1\r\n$\0", b'1', max - 1),
    ));
    v.push(("too big inline", big(b"", b'a', max + 1)));
    v.push(("inline at limit waits", big(b"", b'a', max)));
    let mut long = big(b"ECHO ", b'a', 60000);
    long.extend_from_slice(b"\r\n");
    v.push(("long inline line", long));
    v
}

fn auth_cases() -> Vec<(&'static str, Vec<u8>)> {
    [
        ("unauthenticated count 11", &b"*11\r\n"[..]),
        ("unauthenticated count 10 waits", b"*10\r\n"),
        ("unauthenticated bulk 16385", b"*1\r\n$16385\r\n"),
        ("unauthenticated bulk 16384 waits", b"*1\r\n$16384\r\n"),
        ("unauthenticated PING", b"PING\r\n"),
    ]
    .iter()
    .map(|(d, i)| (*d, i.to_vec()))
    .collect()
}

fn check(port: u16, name: &str, input: &[u8], limits: Limits, pre: &[u8]) -> Option<String> {
    let (want, want_closed) = predicted(port, input, limits, pre);
    let mut wire = pre.to_vec();
    wire.extend_from_slice(input);
    let pre_reply = if pre.is_empty() { 0 } else { 5 }; // +OK\r\n for AUTH
    let (mut got, closed) = exchange(port, &wire, want.len() + pre_reply);
    got.drain(..pre_reply.min(got.len()));
    if got != want || closed != want_closed {
        return Some(format!(
            "{name}: input {:?}\n  redis: {:?} closed={closed}\n  cedis: {:?} closed={want_closed}",
            Bytes::copy_from_slice(&input[..input.len().min(60)]),
            Bytes::from(got),
            Bytes::from(want),
        ));
    }
    None
}

#[test]
fn request_decoder_matches_redis_server() {
    let Some(redis) = start(&[]) else {
        return;
    };
    let mut failures = Vec::new();
    for (name, input) in cases() {
        failures.extend(check(redis.port(), name, &input, Limits::default(), b""));
    }
    let Some(locked) = start(&["--requirepass", "s3cret"]) else {
        return;
    };
    let pending = Limits {
        auth_pending: true,
        ..Limits::default()
    };
    for (name, input) in auth_cases() {
        failures.extend(check(locked.port(), name, &input, pending, b""));
    }
    // After AUTH the limits are lifted (the AUTH reply is skipped).
    let auth = b"*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n";
    for input in [&b"*11\r\n"[..], b"*1\r\n$16385\r\n", b"*-1\r\n"] {
        failures.extend(check(
            locked.port(),
            "after AUTH",
            input,
            Limits::default(),
            auth,
        ));
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn doubles_match_redis_server() {
    let Some(redis) = start(&[]) else {
        return;
    };
    let values = [
        "0.1",
        "1e20",
        "3.0",
        "1.5",
        "-1.5",
        "1e-5",
        "123456789012345678",
        "inf",
        "-inf",
        "0.00012345",
        "1e100",
        "5e-324",
        "1.7976931348623157e308",
        "0.3333333333333333",
        "100",
        "-2.5e-300",
        "12345678901234567",
    ];
    for (proto, hello) in [
        (Protocol::Resp2, &b""[..]),
        (Protocol::Resp3, b"HELLO 3\r\n"),
    ] {
        let mut s = TcpStream::connect(("127.0.0.1", redis.port())).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut wire = hello.to_vec();
        let mut want = Vec::new();
        for (i, v) in values.iter().enumerate() {
            wire.extend_from_slice(format!("ZADD z {v} m{i}\r\nZSCORE z m{i}\r\n").as_bytes());
            let mut b = BytesMut::new();
            let mut w = ReplyWriter::new(&mut b, proto);
            w.integer(1);
            w.double(v.parse::<f64>().unwrap());
            want.extend_from_slice(&b);
        }
        wire.extend_from_slice(b"DEL z\r\n");
        want.extend_from_slice(b":1\r\n");
        s.write_all(&wire).unwrap();
        let mut got = Vec::new();
        let mut chunk = [0u8; 65536];
        // Skip the HELLO reply: a map, read until the scores begin.
        let skip = |got: &Vec<u8>| {
            if hello.is_empty() {
                0
            } else {
                // The HELLO 3 map ends with the `modules` empty array.
                got.windows(11)
                    .position(|w| w == b"modules\r\n*0")
                    .map_or(usize::MAX, |p| p + 13)
            }
        };
        while skip(&got) == usize::MAX || got.len() < skip(&got) + want.len() {
            let n = s.read(&mut chunk).unwrap();
            assert!(n > 0);
            got.extend_from_slice(&chunk[..n]);
        }
        let start = skip(&got);
        assert_eq!(
            Bytes::copy_from_slice(&got[start..]),
            Bytes::from(want),
            "{proto:?}"
        );
    }
}

#[test]
fn error_texts_are_display() {
    // The server sends `-ERR {Display}\r\n`; check write_reply agrees.
    let mut b = BytesMut::new();
    ProtocolError::TooBigInline.write_reply(&mut b);
    assert_eq!(&b[..], b"-ERR Protocol error: too big inline request\r\n");
}
