//! The streaming reply writer: the server's handlers append replies to the
//! connection's output buffer without building a [`crate::Frame`] tree.

use bytes::{BufMut, BytesMut};

use crate::double::{format_double_into, MAX_DOUBLE_LEN};

/// The protocol version a connection speaks (`HELLO 2` / `HELLO 3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// RESP2, the default for new connections.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal digits of `v` into `out`, ending just before `end`;
/// returns the index of the first digit. No allocation, two digits per
/// division.
#[inline]
pub(crate) fn digits_before(mut v: u64, out: &mut [u8], end: usize) -> usize {
    let mut i = end;
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        out[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        i -= 2;
        out[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        out[i] = b'0' + v as u8;
    }
    i
}

/// [`digits_before`] right-aligned in a 20-byte buffer.
#[inline]
pub(crate) fn u64_digits(v: u64, out: &mut [u8; 20]) -> usize {
    digits_before(v, out, 20)
}

/// Appends the decimal representation of `v` (like `itoa`, no allocation).
#[inline]
pub fn write_i64(buf: &mut impl BufMut, v: i64) {
    let mut tmp = [0u8; 20];
    let start = u64_digits(v.unsigned_abs(), &mut tmp);
    if v < 0 {
        buf.put_u8(b'-');
    }
    buf.put_slice(&tmp[start..]);
}

/// Appends `<prefix><n>\r\n`. Lengths below 10 take a 4-byte fast path.
#[inline]
fn header(buf: &mut BytesMut, prefix: u8, n: u64) {
    if n < 10 {
        buf.put_slice(&[prefix, b'0' + n as u8, b'\r', b'\n']);
    } else {
        let mut tmp = [0u8; 23];
        tmp[21..].copy_from_slice(b"\r\n");
        let mut i = digits_before(n, &mut tmp, 21);
        i -= 1;
        tmp[i] = prefix;
        buf.put_slice(&tmp[i..]);
    }
}

/// Appends `s` with every `\r` and `\n` replaced by a space, as redis-server
/// does for error messages (a status or error line cannot contain them).
#[inline]
fn line_sanitized(buf: &mut BytesMut, s: &[u8]) {
    if !s.iter().any(|&b| b == b'\r' || b == b'\n') {
        buf.put_slice(s);
    } else {
        buf.reserve(s.len());
        for &b in s {
            buf.put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
    }
}

/// Appends RESP replies to a caller's buffer in the connection's protocol,
/// downgrading RESP3-only types for RESP2 clients the way redis-server does.
///
/// Aggregates are written as a header followed by their elements: after
/// `array_header(n)` the caller writes exactly `n` replies (`2n` after
/// `map_header(n)` or a successful `attribute_header(n)`).
///
/// ```
/// use bytes::BytesMut;
/// use cedis_resp::{Protocol, ReplyWriter};
///
/// let mut out = BytesMut::new();
/// let mut w = ReplyWriter::new(&mut out, Protocol::Resp2);
/// w.map_header(1);
/// w.bulk(b"score");
/// w.double(0.1);
/// assert_eq!(&out[..], b"*2\r\n$5\r\nscore\r\n$19\r\n0.10000000000000001\r\n");
/// ```
#[derive(Debug)]
pub struct ReplyWriter<'a> {
    buf: &'a mut BytesMut,
    proto: Protocol,
}

impl<'a> ReplyWriter<'a> {
    /// A writer appending to `buf` in protocol `proto`.
    #[inline]
    pub fn new(buf: &'a mut BytesMut, proto: Protocol) -> Self {
        ReplyWriter { buf, proto }
    }

    /// The protocol this writer speaks.
    #[inline]
    pub fn protocol(&self) -> Protocol {
        self.proto
    }

    /// The underlying buffer.
    #[inline]
    pub fn buffer(&mut self) -> &mut BytesMut {
        self.buf
    }

    /// `+OK\r\n`.
    #[inline]
    pub fn ok(&mut self) {
        self.buf.put_slice(b"+OK\r\n");
    }

    /// A status reply `+<s>\r\n`; `\r` and `\n` in `s` become spaces.
    #[inline]
    pub fn simple(&mut self, s: &[u8]) {
        self.buf.put_u8(b'+');
        line_sanitized(self.buf, s);
        self.buf.put_slice(b"\r\n");
    }

    /// An error reply `-<msg>\r\n`. `msg` includes the code (`ERR ...`,
    /// `WRONGTYPE ...`); `\r` and `\n` become spaces, as in redis-server.
    #[inline]
    pub fn error(&mut self, msg: &[u8]) {
        self.buf.put_u8(b'-');
        line_sanitized(self.buf, msg);
        self.buf.put_slice(b"\r\n");
    }

    /// `:<v>\r\n`.
    #[inline]
    pub fn integer(&mut self, v: i64) {
        if (0..10).contains(&v) {
            self.buf.put_slice(&[b':', b'0' + v as u8, b'\r', b'\n']);
            return;
        }
        // `:` sign digits CRLF, assembled right to left on the stack.
        let mut tmp = [0u8; 24];
        tmp[22..].copy_from_slice(b"\r\n");
        let mut i = digits_before(v.unsigned_abs(), &mut tmp, 22);
        if v < 0 {
            i -= 1;
            tmp[i] = b'-';
        }
        i -= 1;
        tmp[i] = b':';
        self.buf.put_slice(&tmp[i..]);
    }

    /// A bulk string `$<len>\r\n<data>\r\n` (binary safe).
    #[inline]
    pub fn bulk(&mut self, data: &[u8]) {
        self.buf.reserve(data.len() + 16);
        header(self.buf, b'$', data.len() as u64);
        self.buf.put_slice(data);
        self.buf.put_slice(b"\r\n");
    }

    /// A bulk string holding the decimal form of `v` (e.g. `GET` of an
    /// integer-encoded value).
    #[inline]
    pub fn bulk_i64(&mut self, v: i64) {
        let mut tmp = [0u8; 20];
        let start = u64_digits(v.unsigned_abs(), &mut tmp);
        let neg = usize::from(v < 0);
        header(self.buf, b'$', (20 - start + neg) as u64);
        if v < 0 {
            self.buf.put_u8(b'-');
        }
        self.buf.put_slice(&tmp[start..]);
        self.buf.put_slice(b"\r\n");
    }

    /// The null reply: RESP3 `_`, RESP2 null bulk `$-1`.
    #[inline]
    pub fn null(&mut self) {
        match self.proto {
            Protocol::Resp3 => self.buf.put_slice(b"_\r\n"),
            Protocol::Resp2 => self.buf.put_slice(b"$-1\r\n"),
        }
    }

    /// The null array: RESP3 `_`, RESP2 `*-1`.
    #[inline]
    pub fn null_array(&mut self) {
        match self.proto {
            Protocol::Resp3 => self.buf.put_slice(b"_\r\n"),
            Protocol::Resp2 => self.buf.put_slice(b"*-1\r\n"),
        }
    }

    /// `*<n>\r\n`; the caller then writes `n` replies.
    #[inline]
    pub fn array_header(&mut self, n: usize) {
        header(self.buf, b'*', n as u64);
    }

    /// RESP3 `%<n>\r\n`, RESP2 `*<2n>\r\n`; the caller then writes `n`
    /// key/value pairs.
    #[inline]
    pub fn map_header(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp3 => header(self.buf, b'%', n as u64),
            Protocol::Resp2 => header(self.buf, b'*', 2 * n as u64),
        }
    }

    /// RESP3 `~<n>\r\n`, RESP2 `*<n>\r\n`.
    #[inline]
    pub fn set_header(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp3 => header(self.buf, b'~', n as u64),
            Protocol::Resp2 => header(self.buf, b'*', n as u64),
        }
    }

    /// RESP3 `><n>\r\n`, RESP2 `*<n>\r\n` (pub/sub messages).
    #[inline]
    pub fn push_header(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp3 => header(self.buf, b'>', n as u64),
            Protocol::Resp2 => header(self.buf, b'*', n as u64),
        }
    }

    /// RESP3 `|<n>\r\n` and returns `true`: the caller then writes `n` pairs
    /// and then the reply they annotate. RESP2 has no attributes: writes
    /// nothing and returns `false`, and the caller must skip the pairs.
    #[inline]
    #[must_use]
    pub fn attribute_header(&mut self, n: usize) -> bool {
        match self.proto {
            Protocol::Resp3 => {
                header(self.buf, b'|', n as u64);
                true
            }
            Protocol::Resp2 => false,
        }
    }

    /// A double: RESP3 `,<%.17g>\r\n`, RESP2 a bulk string of the same text
    /// (`inf`, `-inf` and `nan` included), as redis-server 7.0 does.
    #[inline]
    pub fn double(&mut self, v: f64) {
        let mut tmp = [0u8; MAX_DOUBLE_LEN];
        let n = format_double_into(v, &mut tmp);
        match self.proto {
            Protocol::Resp3 => self.buf.put_u8(b','),
            Protocol::Resp2 => header(self.buf, b'$', n as u64),
        }
        self.buf.put_slice(&tmp[..n]);
        self.buf.put_slice(b"\r\n");
    }

    /// RESP3 `#t`/`#f`, RESP2 `:1`/`:0`.
    #[inline]
    pub fn boolean(&mut self, v: bool) {
        self.buf.put_slice(match (self.proto, v) {
            (Protocol::Resp3, true) => b"#t\r\n",
            (Protocol::Resp3, false) => b"#f\r\n",
            (Protocol::Resp2, true) => b":1\r\n",
            (Protocol::Resp2, false) => b":0\r\n",
        });
    }

    /// RESP3 `(<digits>\r\n`, RESP2 a bulk string of the digits.
    #[inline]
    pub fn big_number(&mut self, digits: &[u8]) {
        match self.proto {
            Protocol::Resp3 => {
                self.buf.put_u8(b'(');
                line_sanitized(self.buf, digits);
                self.buf.put_slice(b"\r\n");
            }
            Protocol::Resp2 => self.bulk(digits),
        }
    }

    /// RESP3 `=<len>\r\n<fmt>:<data>\r\n`, RESP2 a bulk string of `data`
    /// alone (no `txt:` prefix), as redis-server does.
    #[inline]
    pub fn verbatim(&mut self, format: &[u8; 3], data: &[u8]) {
        match self.proto {
            Protocol::Resp3 => {
                self.buf.reserve(data.len() + 20);
                header(self.buf, b'=', data.len() as u64 + 4);
                self.buf.put_slice(format);
                self.buf.put_u8(b':');
                self.buf.put_slice(data);
                self.buf.put_slice(b"\r\n");
            }
            Protocol::Resp2 => self.bulk(data),
        }
    }

    /// RESP3 `!<len>\r\n<msg>\r\n`, RESP2 a simple error `-<msg>\r\n` (with
    /// `\r`/`\n` replaced by spaces).
    #[inline]
    pub fn bulk_error(&mut self, msg: &[u8]) {
        match self.proto {
            Protocol::Resp3 => {
                header(self.buf, b'!', msg.len() as u64);
                self.buf.put_slice(msg);
                self.buf.put_slice(b"\r\n");
            }
            Protocol::Resp2 => self.error(msg),
        }
    }

    /// Writes a whole [`crate::Frame`] (see [`crate::Frame::encode`]).
    #[inline]
    pub fn frame(&mut self, frame: &crate::Frame) {
        frame.encode(self.proto, self.buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(proto: Protocol, f: impl FnOnce(&mut ReplyWriter<'_>)) -> Vec<u8> {
        let mut buf = BytesMut::new();
        f(&mut ReplyWriter::new(&mut buf, proto));
        buf.to_vec()
    }

    fn both(f: impl Fn(&mut ReplyWriter<'_>)) -> (Vec<u8>, Vec<u8>) {
        (w(Protocol::Resp2, &f), w(Protocol::Resp3, &f))
    }

    fn s(b: &[u8]) -> Vec<u8> {
        b.to_vec()
    }

    #[test]
    fn integers() {
        for (v, want) in [
            (0i64, &b":0\r\n"[..]),
            (-1, b":-1\r\n"),
            (9, b":9\r\n"),
            (10, b":10\r\n"),
            (1234567, b":1234567\r\n"),
            (i64::MAX, b":9223372036854775807\r\n"),
            (i64::MIN, b":-9223372036854775808\r\n"),
        ] {
            assert_eq!(w(Protocol::Resp2, |w| w.integer(v)), want);
        }
        assert_eq!(w(Protocol::Resp2, |w| w.bulk_i64(-42)), b"$3\r\n-42\r\n");
        assert_eq!(w(Protocol::Resp2, |w| w.bulk_i64(0)), b"$1\r\n0\r\n");
    }

    #[test]
    fn strings_and_errors() {
        assert_eq!(w(Protocol::Resp2, |w| w.ok()), b"+OK\r\n");
        assert_eq!(w(Protocol::Resp2, |w| w.simple(b"a\r\nb")), b"+a  b\r\n");
        assert_eq!(
            w(Protocol::Resp3, |w| w
                .error(b"ERR unknown command 'foo\r\nbar'")),
            b"-ERR unknown command 'foo  bar'\r\n"
        );
        assert_eq!(w(Protocol::Resp2, |w| w.bulk(b"")), b"$0\r\n\r\n");
        assert_eq!(
            w(Protocol::Resp2, |w| w.bulk(b"0123456789\r\n")),
            b"$12\r\n0123456789\r\n\r\n"
        );
    }

    #[test]
    fn downgrades() {
        assert_eq!(both(|w| w.null()), (s(b"$-1\r\n"), s(b"_\r\n")));
        assert_eq!(both(|w| w.null_array()), (s(b"*-1\r\n"), s(b"_\r\n")));
        assert_eq!(both(|w| w.map_header(3)), (s(b"*6\r\n"), s(b"%3\r\n")));
        assert_eq!(both(|w| w.set_header(12)), (s(b"*12\r\n"), s(b"~12\r\n")));
        assert_eq!(both(|w| w.push_header(3)), (s(b"*3\r\n"), s(b">3\r\n")));
        assert_eq!(both(|w| w.boolean(true)), (s(b":1\r\n"), s(b"#t\r\n")));
        assert_eq!(both(|w| w.boolean(false)), (s(b":0\r\n"), s(b"#f\r\n")));
        assert_eq!(
            both(|w| w.double(0.1)),
            (
                s(b"$19\r\n0.10000000000000001\r\n"),
                s(b",0.10000000000000001\r\n")
            )
        );
        assert_eq!(
            both(|w| w.double(f64::NEG_INFINITY)),
            (s(b"$4\r\n-inf\r\n"), s(b",-inf\r\n"))
        );
        assert_eq!(
            both(|w| w.big_number(b"-123")),
            (s(b"$4\r\n-123\r\n"), s(b"(-123\r\n"))
        );
        assert_eq!(
            both(|w| w.verbatim(b"txt", b"hi")),
            (s(b"$2\r\nhi\r\n"), s(b"=6\r\ntxt:hi\r\n"))
        );
        assert_eq!(
            both(|w| w.bulk_error(b"ERR x\ny")),
            (s(b"-ERR x y\r\n"), s(b"!7\r\nERR x\ny\r\n"))
        );
        let mut out = BytesMut::new();
        assert!(!ReplyWriter::new(&mut out, Protocol::Resp2).attribute_header(1));
        assert!(out.is_empty());
        assert!(ReplyWriter::new(&mut out, Protocol::Resp3).attribute_header(1));
        assert_eq!(&out[..], b"|1\r\n");
    }
}
