//! [`RequestDecoder`]: the server's hot path, client requests straight into
//! an argument list.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::ProtocolError;
use crate::inline::split_args;

/// `PROTO_INLINE_MAX_SIZE`: the longest inline line, `*`/`$` header line.
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;
/// Default `proto-max-bulk-len`: 512 MB.
pub const DEFAULT_PROTO_MAX_BULK_LEN: u64 = 512 * 1024 * 1024;
/// Largest multibulk count accepted (`INT_MAX`).
pub const MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;
/// Largest multibulk count accepted before authentication.
pub const UNAUTH_MAX_MULTIBULK_LEN: i64 = 10;
/// Largest bulk length accepted before authentication.
pub const UNAUTH_MAX_BULK_LEN: i64 = 16384;

/// Limits the server may change at any time (`CONFIG SET`, `AUTH`); they
/// apply from the next header parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `proto-max-bulk-len`: longest argument accepted (default 512 MB).
    pub proto_max_bulk_len: u64,
    /// True while the server requires a password and this client has not
    /// authenticated: counts over 10 and bulks over 16384 bytes are then
    /// rejected, as redis-server 7.0 does.
    pub auth_pending: bool,
    /// `PROTO_INLINE_MAX_SIZE` (64 KiB): the longest inline request or
    /// `*`/`$` header line that may be buffered without its terminator.
    pub inline_max_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            proto_max_bulk_len: DEFAULT_PROTO_MAX_BULK_LEN,
            auth_pending: false,
            inline_max_size: PROTO_INLINE_MAX_SIZE,
        }
    }
}

/// Where a header-line search stands. redis-server finds line ends with
/// `strchr`, which stops at a NUL byte, so a NUL before the terminator hides
/// it for good: the line then only ends by exceeding the inline limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// No terminator in `[line start, .0)`.
    From(usize),
    /// A NUL came first.
    Blocked,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Between requests; `scan` is the first-line search of the next one.
    Idle { scan: Scan },
    /// Inside a multibulk request. Offsets are from the start of the buffer,
    /// which holds the whole request until it completes.
    Multibulk {
        /// Arguments still to read.
        remaining: usize,
        /// Start of the next unread header or bulk body.
        pos: usize,
        /// Length of the bulk whose header was read, if any.
        bulk: Option<u64>,
        /// Search state of the header line at `pos`.
        scan: Scan,
    },
}

/// Decodes client requests, multibulk (`*N\r\n$len\r\n...`) or inline
/// (`SET k v\r\n`), into argument lists, with redis-server 7.0's exact
/// acceptance rules and error messages.
///
/// The buffer keeps a request until it is complete; the decoder remembers how
/// far it has parsed, so a request arriving in many reads is scanned once.
/// A complete multibulk request is taken with one `split_to().freeze()` and
/// each argument is a [`Bytes::slice`] of it: no per-argument allocation.
/// Empty requests (`*0`, `*-1`, blank lines) are consumed silently.
///
/// The caller must only append to `buf` between calls (the usual read loop).
///
/// ```
/// use bytes::BytesMut;
/// use cedis_resp::RequestDecoder;
///
/// let mut dec = RequestDecoder::new();
/// let mut args = Vec::new();
/// let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$1\r"[..]);
/// assert!(!dec.decode_into(&mut buf, &mut args).unwrap());
/// buf.extend_from_slice(b"\nk\r\nPING\r\n");
/// assert!(dec.decode_into(&mut buf, &mut args).unwrap());
/// assert_eq!(args, [&b"GET"[..], &b"k"[..]]);
/// assert!(dec.decode_into(&mut buf, &mut args).unwrap());
/// assert_eq!(args, [&b"PING"[..]]);
/// assert!(!dec.decode_into(&mut buf, &mut args).unwrap());
/// ```
#[derive(Debug)]
pub struct RequestDecoder {
    limits: Limits,
    state: State,
    /// Argument ranges of the multibulk request being read, reused.
    ranges: Vec<(usize, usize)>,
}

impl Default for RequestDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// Keep at most this many remembered argument ranges between requests.
const RANGES_KEEP: usize = 64 * 1024;

/// Finds the first `target` in `buf[from..]`, stopping at a NUL like `strchr`.
#[inline]
fn strchr(buf: &[u8], from: usize, target: u8) -> Result<usize, Scan> {
    match buf[from..].iter().position(|&b| b == target || b == 0) {
        Some(i) if buf[from + i] == target => Ok(from + i),
        Some(_) => Err(Scan::Blocked),
        None => Err(Scan::From(buf.len())),
    }
}

/// redis-server's `string2ll`: optional `-`, no `+`, no leading zeros, no
/// spaces, no `-0`, within `i64`.
#[inline]
pub(crate) fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

impl RequestDecoder {
    /// A decoder with default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        RequestDecoder {
            limits,
            state: State::Idle {
                scan: Scan::From(0),
            },
            ranges: Vec::new(),
        }
    }

    /// The current limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Changes the limits (e.g. after `AUTH` or `CONFIG SET`).
    pub fn limits_mut(&mut self) -> &mut Limits {
        &mut self.limits
    }

    /// Forgets any partly parsed request (e.g. when the server discards the
    /// connection's query buffer).
    pub fn reset(&mut self) {
        self.state = State::Idle {
            scan: Scan::From(0),
        };
        self.ranges.clear();
    }

    /// True if the remembered parse state lies within a buffer of `len`
    /// bytes (it cannot when the caller replaced or shrank the buffer).
    fn state_fits(&self, len: usize) -> bool {
        let scan_ok = |s: Scan| match s {
            Scan::From(p) => p <= len,
            Scan::Blocked => true,
        };
        match self.state {
            State::Idle { scan } => scan_ok(scan),
            State::Multibulk { pos, scan, .. } => pos <= len && scan_ok(scan),
        }
    }

    /// True when part of a request has been parsed and more bytes are needed.
    pub fn in_request(&self) -> bool {
        !matches!(
            self.state,
            State::Idle {
                scan: Scan::From(0)
            }
        )
    }

    /// If the decoder is waiting for the body of a bulk argument, the total
    /// buffer length needed to complete it: the server may `reserve` that
    /// much at once instead of growing the buffer read by read.
    pub fn bulk_buffer_hint(&self) -> Option<usize> {
        match self.state {
            State::Multibulk {
                pos, bulk: Some(n), ..
            } => usize::try_from(n + 2).ok()?.checked_add(pos),
            _ => None,
        }
    }

    /// Decodes the next request from `buf` into `args` (cleared first).
    ///
    /// `Ok(true)`: one request was taken from `buf` and its arguments are in
    /// `args`. `Ok(false)`: more bytes are needed; the incomplete request is
    /// still in `buf` (empty requests before it may have been consumed).
    /// `Err`: the stream is corrupt; reply with [`ProtocolError::write_reply`]
    /// and close the connection.
    pub fn decode_into(
        &mut self,
        buf: &mut BytesMut,
        args: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        args.clear();
        if !self.state_fits(buf.len()) {
            // The contract (only append between calls) was broken: start over
            // rather than index out of bounds.
            self.reset();
        }
        loop {
            match self.state {
                State::Idle { scan } => {
                    if buf.is_empty() {
                        return Ok(false);
                    }
                    if buf[0] == b'*' {
                        if !self.multibulk_count(buf, scan)? {
                            return Ok(false);
                        }
                    } else {
                        match self.inline(buf, scan, args)? {
                            Some(true) => return Ok(true),
                            Some(false) => {}
                            None => return Ok(false),
                        }
                    }
                }
                State::Multibulk { .. } => return self.multibulk_args(buf, args),
            }
        }
    }

    /// Reads the `*<count>` line. `Ok(false)`: need more bytes.
    fn multibulk_count(&mut self, buf: &mut BytesMut, scan: Scan) -> Result<bool, ProtocolError> {
        let cr = match scan {
            Scan::From(from) => strchr(buf, from, b'\r'),
            Scan::Blocked => Err(Scan::Blocked),
        };
        let cr = match cr {
            Ok(cr) => cr,
            Err(scan) => {
                if buf.len() > self.limits.inline_max_size {
                    return Err(ProtocolError::TooBigMbulkCount);
                }
                self.state = State::Idle { scan };
                return Ok(false);
            }
        };
        if cr + 2 > buf.len() {
            // The byte after `\r` (not checked to be `\n`) is not here yet.
            self.state = State::Idle {
                scan: Scan::From(cr),
            };
            return Ok(false);
        }
        let count = match string2ll(&buf[1..cr]) {
            Some(n) if n <= MAX_MULTIBULK_LEN => n,
            _ => return Err(ProtocolError::InvalidMultibulkLength),
        };
        if count > UNAUTH_MAX_MULTIBULK_LEN && self.limits.auth_pending {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        if count <= 0 {
            buf.advance(cr + 2);
            self.state = State::Idle {
                scan: Scan::From(0),
            };
            return Ok(true);
        }
        let count = count as usize;
        self.ranges.clear();
        self.ranges.reserve(count.min(1024));
        self.state = State::Multibulk {
            remaining: count,
            pos: cr + 2,
            bulk: None,
            scan: Scan::From(cr + 2),
        };
        Ok(true)
    }

    fn multibulk_args(
        &mut self,
        buf: &mut BytesMut,
        args: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        let State::Multibulk {
            mut remaining,
            mut pos,
            mut bulk,
            mut scan,
        } = self.state
        else {
            return Ok(false);
        };
        while remaining > 0 {
            let len = match bulk {
                Some(len) => len,
                None => {
                    let cr = match scan {
                        Scan::From(from) => strchr(buf, from, b'\r'),
                        Scan::Blocked => Err(Scan::Blocked),
                    };
                    let cr = match cr {
                        Ok(cr) if cr + 2 <= buf.len() => cr,
                        Ok(cr) => {
                            scan = Scan::From(cr);
                            break;
                        }
                        Err(s) => {
                            if buf.len() - pos > self.limits.inline_max_size {
                                return Err(ProtocolError::TooBigBulkCount);
                            }
                            scan = s;
                            break;
                        }
                    };
                    if buf[pos] != b'$' {
                        return Err(ProtocolError::ExpectedDollar(buf[pos]));
                    }
                    let len = match string2ll(&buf[pos + 1..cr]) {
                        Some(n) if n >= 0 && n as u64 <= self.limits.proto_max_bulk_len => n,
                        _ => return Err(ProtocolError::InvalidBulkLength),
                    };
                    if len > UNAUTH_MAX_BULK_LEN && self.limits.auth_pending {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    pos = cr + 2;
                    bulk = Some(len as u64);
                    len as u64
                }
            };
            // Body plus two bytes that redis-server skips without checking.
            if ((buf.len() - pos) as u64) < len + 2 {
                break;
            }
            let len = len as usize;
            self.ranges.push((pos, pos + len));
            pos += len + 2;
            bulk = None;
            scan = Scan::From(pos);
            remaining -= 1;
        }
        if remaining > 0 {
            self.state = State::Multibulk {
                remaining,
                pos,
                bulk,
                scan,
            };
            return Ok(false);
        }
        let frozen = buf.split_to(pos).freeze();
        args.reserve(self.ranges.len());
        args.extend(self.ranges.iter().map(|&(s, e)| frozen.slice(s..e)));
        if self.ranges.capacity() > RANGES_KEEP {
            self.ranges = Vec::new();
        } else {
            self.ranges.clear();
        }
        self.state = State::Idle {
            scan: Scan::From(0),
        };
        Ok(true)
    }

    /// Reads an inline request. `Some(true)`: arguments in `args`;
    /// `Some(false)`: an empty line was consumed; `None`: need more bytes.
    fn inline(
        &mut self,
        buf: &mut BytesMut,
        scan: Scan,
        args: &mut Vec<Bytes>,
    ) -> Result<Option<bool>, ProtocolError> {
        let nl = match scan {
            Scan::From(from) => strchr(buf, from, b'\n'),
            Scan::Blocked => Err(Scan::Blocked),
        };
        let nl = match nl {
            Ok(nl) => nl,
            Err(scan) => {
                if buf.len() > self.limits.inline_max_size {
                    return Err(ProtocolError::TooBigInline);
                }
                self.state = State::Idle { scan };
                return Ok(None);
            }
        };
        let end = if nl > 0 && buf[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        let parts = split_args(&buf[..end]).map_err(|_| ProtocolError::UnbalancedQuotes)?;
        buf.advance(nl + 1);
        self.state = State::Idle {
            scan: Scan::From(0),
        };
        if parts.is_empty() {
            return Ok(Some(false));
        }
        args.extend(parts.into_iter().map(Bytes::from));
        Ok(Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes everything in `input` at once: the requests, then the error
    /// if any, and what was left in the buffer.
    fn run(
        dec: &mut RequestDecoder,
        input: &[u8],
    ) -> (Vec<Vec<Vec<u8>>>, Option<ProtocolError>, usize) {
        let mut buf = BytesMut::from(input);
        let mut args = Vec::new();
        let mut out = Vec::new();
        loop {
            match dec.decode_into(&mut buf, &mut args) {
                Ok(true) => out.push(args.iter().map(|a| a.to_vec()).collect()),
                Ok(false) => return (out, None, buf.len()),
                Err(e) => return (out, Some(e), buf.len()),
            }
        }
    }

    fn reqs(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let (out, err, _) = run(&mut RequestDecoder::new(), input);
        assert_eq!(err, None, "{input:?}");
        out
    }

    fn err(input: &[u8]) -> Option<ProtocolError> {
        run(&mut RequestDecoder::new(), input).1
    }

    fn v(items: &[&[u8]]) -> Vec<Vec<u8>> {
        items.iter().map(|s| s.to_vec()).collect()
    }

    #[test]
    fn string2ll_rules() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-1"), Some(-1));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"9223372036854775808",
            b"1a",
        ] {
            assert_eq!(string2ll(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn multibulk_and_pipeline() {
        assert_eq!(
            reqs(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n"),
            vec![v(&[b"SET", b"k", b""]), v(&[b"PING"])]
        );
        // Binary data, CRLF inside a bulk.
        assert_eq!(
            reqs(b"*1\r\n$4\r\n\r\n\0\xff\r\n"),
            vec![v(&[b"\r\n\0\xff"])]
        );
    }

    #[test]
    fn empty_requests_are_skipped() {
        assert_eq!(
            reqs(b"*0\r\n*-1\r\n*-5\r\n\r\n\n  \r\nPING\r\n"),
            vec![v(&[b"PING"])]
        );
    }

    #[test]
    fn lenient_where_redis_is() {
        // The two bytes after a bulk body are skipped unchecked.
        assert_eq!(
            reqs(b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n"),
            vec![v(&[b"PING"]), v(&[b"PING"])]
        );
        // The byte after `\r` in a header is not checked either.
        assert_eq!(reqs(b"*1\rX$4\r\nPING\r\n"), vec![v(&[b"PING"])]);
        // Inline: `\n` alone ends a line; `\r` separates arguments.
        assert_eq!(
            reqs(b"PING\nECHO a\rb\r\n"),
            vec![v(&[b"PING"]), v(&[b"ECHO", b"a", b"b"])]
        );
    }

    #[test]
    fn errors() {
        use ProtocolError::*;
        for (input, want) in [
            (&b"*01\r\n"[..], InvalidMultibulkLength),
            (b"*+1\r\n", InvalidMultibulkLength),
            (b"* 1\r\n", InvalidMultibulkLength),
            (b"*-0\r\n", InvalidMultibulkLength),
            (b"*\r\n", InvalidMultibulkLength),
            (b"*2147483648\r\n", InvalidMultibulkLength),
            (b"*1\n$4\r\nPING\r\n", InvalidMultibulkLength),
            (b"*1\r\n$-1\r\n", InvalidBulkLength),
            (b"*1\r\n$01\r\n", InvalidBulkLength),
            (b"*1\r\n$+4\r\n", InvalidBulkLength),
            (b"*1\r\n$536870913\r\n", InvalidBulkLength),
            (b"*1\r\n:4\r\n", ExpectedDollar(b':')),
            (b"*1\r\n\r\n", ExpectedDollar(b'\r')),
            (b"ECHO \"a\r\n", UnbalancedQuotes),
            (b"ECHO 'a'b\r\n", UnbalancedQuotes),
        ] {
            assert_eq!(err(input), Some(want), "{input:?}");
        }
        assert_eq!(err(b"*2147483647\r\n"), None);
        assert_eq!(err(b"*1\r\n$536870912\r\n"), None);
    }

    #[test]
    fn too_big_lines() {
        use ProtocolError::*;
        let long = vec![b'1'; PROTO_INLINE_MAX_SIZE];
        let mut mb = b"*".to_vec();
        mb.extend_from_slice(&long[1..]);
        assert_eq!(err(&mb), None); // exactly 64 KiB: still waiting
        mb.push(b'1');
        assert_eq!(err(&mb), Some(TooBigMbulkCount));
        let mut b = b"*1\r\n$".to_vec();
        b.extend_from_slice(&long);
        assert_eq!(err(&b), Some(TooBigBulkCount));
        let mut i = b"ECHO ".to_vec();
        i.extend_from_slice(&long);
        assert_eq!(err(&i), Some(TooBigInline));
        // A line with its terminator is accepted whatever its length.
        i.extend_from_slice(b"\r\n");
        assert_eq!(reqs(&i).len(), 1);
    }

    #[test]
    fn nul_hides_the_terminator() {
        for input in [&b"*1\0\r\n"[..], b"PING\0\n", b"*1\r\n$4\0\r\nPING\r\n"] {
            let (out, e, left) = run(&mut RequestDecoder::new(), input);
            assert!(out.is_empty() && e.is_none() && left == input.len());
        }
        let mut input = b"*1\r\n$\0".to_vec();
        input.extend(vec![b'1'; PROTO_INLINE_MAX_SIZE]);
        assert_eq!(err(&input), Some(ProtocolError::TooBigBulkCount));
    }

    #[test]
    fn unauthenticated_limits() {
        let limits = Limits {
            auth_pending: true,
            ..Limits::default()
        };
        let mut d = RequestDecoder::with_limits(limits);
        assert_eq!(
            run(&mut d, b"*11\r\n").1,
            Some(ProtocolError::UnauthenticatedMultibulkLength)
        );
        let mut d = RequestDecoder::with_limits(limits);
        assert_eq!(run(&mut d, b"*10\r\n$16384\r\n").1, None);
        let mut d = RequestDecoder::with_limits(limits);
        assert_eq!(
            run(&mut d, b"*1\r\n$16385\r\n").1,
            Some(ProtocolError::UnauthenticatedBulkLength)
        );
        // After AUTH the server lifts the limit.
        let mut d = RequestDecoder::with_limits(limits);
        d.limits_mut().auth_pending = false;
        assert_eq!(run(&mut d, b"*11\r\n$16385\r\n").1, None);
    }

    #[test]
    fn byte_by_byte_equals_whole() {
        let input: &[u8] =
            b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n*0\r\nSET \"a b\" 'c'\r\n\n*1\r\n$0\r\n\r\n";
        let whole = reqs(input);
        let mut dec = RequestDecoder::new();
        let mut buf = BytesMut::new();
        let mut args = Vec::new();
        let mut got = Vec::new();
        for &b in input {
            buf.extend_from_slice(&[b]);
            while dec.decode_into(&mut buf, &mut args).unwrap() {
                got.push(args.iter().map(|a| a.to_vec()).collect::<Vec<_>>());
            }
        }
        assert_eq!(got, whole);
        assert!(buf.is_empty());
    }

    #[test]
    fn arguments_share_one_buffer() {
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"[..]);
        let mut args = Vec::new();
        let mut dec = RequestDecoder::new();
        assert!(dec.decode_into(&mut buf, &mut args).unwrap());
        let gap = args[1].as_ptr() as usize - args[0].as_ptr() as usize;
        assert_eq!(
            gap,
            3 + 2 + 4,
            "both slices point into the same request buffer"
        );
    }

    #[test]
    fn replaced_buffer_starts_over() {
        let mut dec = RequestDecoder::new();
        let mut args = Vec::new();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$3\r\nke"[..]);
        assert!(!dec.decode_into(&mut buf, &mut args).unwrap());
        let mut buf = BytesMut::from(&b"PING\r\n"[..]);
        assert!(dec.decode_into(&mut buf, &mut args).unwrap());
        assert_eq!(args, [&b"PING"[..]]);
    }

    #[test]
    fn big_bulk_in_small_reads() {
        // 4 MB in 4 KiB reads: each call does constant work (no rescans).
        let len = 4 << 20;
        let mut wire = format!("*2\r\n$3\r\nSET\r\n${len}\r\n").into_bytes();
        wire.resize(wire.len() + len, b'x');
        wire.extend_from_slice(b"\r\n");
        let mut dec = RequestDecoder::new();
        let mut args = Vec::new();
        let mut buf = BytesMut::new();
        let mut done = 0;
        for chunk in wire.chunks(4096) {
            buf.extend_from_slice(chunk);
            if dec.decode_into(&mut buf, &mut args).unwrap() {
                done += 1;
                assert_eq!(args[1].len(), len);
            }
        }
        assert_eq!(done, 1);
    }

    #[test]
    fn bulk_hint() {
        let mut dec = RequestDecoder::new();
        let mut buf = BytesMut::from(&b"*1\r\n$100\r\nab"[..]);
        assert!(!dec.decode_into(&mut buf, &mut Vec::new()).unwrap());
        assert_eq!(dec.bulk_buffer_hint(), Some(10 + 102));
        assert!(dec.in_request());
    }
}
