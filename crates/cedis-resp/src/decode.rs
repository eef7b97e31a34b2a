//! [`FrameDecoder`]: generic RESP2/RESP3 frames (client side).

use bytes::{Bytes, BytesMut};

use crate::error::DecodeError;
use crate::frame::Frame;

/// Default nesting limit of [`FrameDecoder`].
pub const DEFAULT_MAX_DEPTH: usize = 128;
/// Default longest bulk string accepted by [`FrameDecoder`] (512 MB).
pub const DEFAULT_MAX_BULK_LEN: u64 = 512 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Array, set or push: attributes may appear among the elements.
    Seq,
    /// Map: `2n` elements, no attributes inside.
    Map,
    /// Attribute: `2n` elements, no attributes inside; does not count as an
    /// element of its parent.
    Attr,
}

#[derive(Debug, Clone, Copy)]
struct Level {
    remaining: u64,
    kind: Kind,
}

/// Decodes RESP2 and RESP3 frames, in the shape of tokio-util's `Decoder`.
///
/// `decode` returns `Ok(None)` and consumes nothing while the next frame is
/// incomplete; progress is remembered, so a large reply arriving in many reads
/// is validated once (not rescanned from the start every time). Once complete,
/// the frame's bytes are taken with one `split_to().freeze()` and strings are
/// [`Bytes`] views into them. Nesting is limited ([`DEFAULT_MAX_DEPTH`]) and
/// declared lengths never drive an allocation before their data has arrived.
///
/// The caller must only append to `buf` between calls.
///
/// ```
/// use bytes::BytesMut;
/// use cedis_resp::{Frame, FrameDecoder};
///
/// let mut dec = FrameDecoder::new();
/// let mut buf = BytesMut::from(&b"%1\r\n+key\r\n,1.5\r\n*2\r\n:1"[..]);
/// let map = dec.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(map, Frame::Map(vec![(Frame::simple("key"), Frame::Double(1.5))]));
/// assert_eq!(dec.decode(&mut buf).unwrap(), None);
/// buf.extend_from_slice(b"\r\n_\r\n");
/// assert_eq!(
///     dec.decode(&mut buf).unwrap(),
///     Some(Frame::Array(vec![Frame::Integer(1), Frame::Null]))
/// );
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    max_depth: usize,
    max_bulk_len: u64,
    /// End of what has been validated of the pending frame.
    pos: usize,
    /// Where the search for the end of the line at `pos` resumes.
    scan: usize,
    stack: Vec<Level>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// One line `<type><content>\r\n` starting at `pos`.
struct Line {
    /// Range of the content (after the type byte).
    start: usize,
    end: usize,
    /// Index just after `\r\n`.
    next: usize,
}

/// Finds the line at `pos`, resuming the search at `scan`. `Ok(Err(scan))`
/// means incomplete, with the position to resume from.
#[inline]
fn find_line(buf: &[u8], pos: usize, scan: usize) -> Result<Result<Line, usize>, DecodeError> {
    let from = scan.max(pos + 1);
    match buf[from..].iter().position(|&b| b == b'\r' || b == b'\n') {
        None => Ok(Err(buf.len())),
        Some(i) => {
            let cr = from + i;
            if buf[cr] == b'\n' {
                return Err(DecodeError::BadTerminator);
            }
            match buf.get(cr + 1) {
                None => Ok(Err(cr)),
                Some(b'\n') => Ok(Ok(Line {
                    start: pos + 1,
                    end: cr,
                    next: cr + 2,
                })),
                Some(_) => Err(DecodeError::BadTerminator),
            }
        }
    }
}

/// A decimal length or count: `-1` or a non-negative number.
fn parse_len(s: &[u8]) -> Result<i64, DecodeError> {
    if s == b"-1" {
        return Ok(-1);
    }
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return Err(DecodeError::InvalidLength);
    }
    // 19 digits fit in a u64.
    let v = s.iter().fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
    i64::try_from(v).map_err(|_| DecodeError::InvalidLength)
}

/// An integer frame: optional sign, digits, within `i64`.
fn parse_int(s: &[u8]) -> Result<i64, DecodeError> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(DecodeError::InvalidInteger);
    }
    let v = digits
        .iter()
        .fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
    if neg {
        if v > i64::MAX as u64 + 1 {
            return Err(DecodeError::InvalidInteger);
        }
        Ok((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).map_err(|_| DecodeError::InvalidInteger)
    }
}

fn parse_double(s: &[u8]) -> Result<f64, DecodeError> {
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .ok_or(DecodeError::InvalidDouble)
}

fn check_big_number(s: &[u8]) -> Result<(), DecodeError> {
    let digits = match s.first() {
        Some(b'-' | b'+') => &s[1..],
        _ => s,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(DecodeError::InvalidBigNumber);
    }
    Ok(())
}

/// What one element header turned out to be.
enum Step {
    /// A complete scalar (or empty aggregate) ending at this index; `false`
    /// for an empty attribute, which is not an element of its parent.
    Scalar(usize, bool),
    /// An aggregate header ending at this index, with its element count
    /// (already doubled for maps and attributes).
    Open(usize, u64, Kind),
    /// More bytes are needed; resume the line search here.
    Incomplete(usize),
}

impl FrameDecoder {
    /// A decoder with the default limits.
    pub fn new() -> Self {
        FrameDecoder {
            max_depth: DEFAULT_MAX_DEPTH,
            max_bulk_len: DEFAULT_MAX_BULK_LEN,
            pos: 0,
            scan: 0,
            stack: Vec::new(),
        }
    }

    /// Sets the nesting limit (aggregates inside aggregates).
    pub fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Sets the longest bulk string, bulk error or verbatim string accepted.
    pub fn with_max_bulk_len(mut self, len: u64) -> Self {
        self.max_bulk_len = len;
        self
    }

    /// Decodes the next frame from `buf`, or returns `Ok(None)` without
    /// consuming anything if it is not complete yet.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        if buf.len() < self.pos {
            // The buffer was replaced: start over.
            self.reset();
        }
        match self.validate(buf) {
            Ok(Some(end)) => {
                self.reset();
                let bytes = buf.split_to(end).freeze();
                let mut cur = Cursor { bytes, pos: 0 };
                cur.frame().map(Some)
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.reset();
                Err(e)
            }
        }
    }

    fn reset(&mut self) {
        self.pos = 0;
        self.scan = 0;
        self.stack.clear();
    }

    /// Validates from `self.pos`; returns the end of the frame once complete.
    fn validate(&mut self, buf: &[u8]) -> Result<Option<usize>, DecodeError> {
        loop {
            if self.pos >= buf.len() {
                return Ok(None);
            }
            let parent = self.stack.last().map(|l| l.kind);
            match self.step(buf, parent)? {
                Step::Incomplete(scan) => {
                    self.scan = scan;
                    return Ok(None);
                }
                Step::Open(next, n, kind) => {
                    if self.stack.len() >= self.max_depth {
                        return Err(DecodeError::TooDeep(self.max_depth));
                    }
                    self.pos = next;
                    self.scan = next;
                    self.stack.push(Level { remaining: n, kind });
                }
                Step::Scalar(next, mut counts) => {
                    self.pos = next;
                    self.scan = next;
                    // Close every aggregate this element completes.
                    loop {
                        let Some(top) = self.stack.last_mut() else {
                            return Ok(Some(self.pos));
                        };
                        if counts {
                            top.remaining -= 1;
                        }
                        if top.remaining > 0 {
                            break;
                        }
                        counts = top.kind != Kind::Attr;
                        self.stack.pop();
                    }
                }
            }
        }
    }

    /// Examines the element header at `self.pos`.
    fn step(&self, buf: &[u8], parent: Option<Kind>) -> Result<Step, DecodeError> {
        let pos = self.pos;
        let t = buf[pos];
        if !matches!(
            t,
            b'+' | b'-'
                | b':'
                | b'$'
                | b'*'
                | b'_'
                | b'#'
                | b','
                | b'('
                | b'!'
                | b'='
                | b'%'
                | b'~'
                | b'|'
                | b'>'
        ) {
            return Err(match t {
                b';' | b'.' => DecodeError::Streamed,
                _ => DecodeError::InvalidType(t),
            });
        }
        let line = match find_line(buf, pos, self.scan)? {
            Ok(line) => line,
            Err(scan) => return Ok(Step::Incomplete(scan)),
        };
        let content = &buf[line.start..line.end];
        match t {
            b'+' | b'-' => Ok(Step::Scalar(line.next, true)),
            b':' => parse_int(content).map(|_| Step::Scalar(line.next, true)),
            b'_' if content.is_empty() => Ok(Step::Scalar(line.next, true)),
            b'_' => Err(DecodeError::InvalidNull),
            b'#' if content == b"t" || content == b"f" => Ok(Step::Scalar(line.next, true)),
            b'#' => Err(DecodeError::InvalidBoolean),
            b',' => parse_double(content).map(|_| Step::Scalar(line.next, true)),
            b'(' => check_big_number(content).map(|_| Step::Scalar(line.next, true)),
            b'$' | b'!' | b'=' => {
                if content == b"?" {
                    return Err(DecodeError::Streamed);
                }
                let len = parse_len(content)?;
                if len == -1 {
                    return if t == b'$' {
                        Ok(Step::Scalar(line.next, true))
                    } else {
                        Err(DecodeError::InvalidLength)
                    };
                }
                let len = len as u64;
                if len > self.max_bulk_len {
                    return Err(DecodeError::BulkTooLong(len));
                }
                if ((buf.len() - line.next) as u64) < len + 2 {
                    // Resume at this line's end next time: it is complete.
                    return Ok(Step::Incomplete(line.end));
                }
                let end = line.next + len as usize;
                if &buf[end..end + 2] != b"\r\n" {
                    return Err(DecodeError::BadTerminator);
                }
                if t == b'=' && (len < 4 || buf[line.next + 3] != b':') {
                    return Err(DecodeError::InvalidVerbatim);
                }
                Ok(Step::Scalar(end + 2, true))
            }
            _ => {
                if content == b"?" {
                    return Err(DecodeError::Streamed);
                }
                let n = parse_len(content)?;
                if n == -1 {
                    return if t == b'*' {
                        Ok(Step::Scalar(line.next, true))
                    } else {
                        Err(DecodeError::InvalidLength)
                    };
                }
                let (count, kind) = match t {
                    b'%' => (n as u64 * 2, Kind::Map),
                    b'|' => (n as u64 * 2, Kind::Attr),
                    _ => (n as u64, Kind::Seq),
                };
                if t == b'|' && matches!(parent, Some(Kind::Map | Kind::Attr)) {
                    return Err(DecodeError::NestedAttribute);
                }
                if count == 0 {
                    Ok(Step::Scalar(line.next, kind != Kind::Attr))
                } else {
                    Ok(Step::Open(line.next, count, kind))
                }
            }
        }
    }
}

/// Builds frames from a complete, validated frame's bytes.
struct Cursor {
    bytes: Bytes,
    pos: usize,
}

impl Cursor {
    fn line(&mut self) -> Result<Bytes, DecodeError> {
        let start = self.pos + 1;
        let rel = self.bytes[start..]
            .iter()
            .position(|&b| b == b'\r')
            .ok_or(DecodeError::BadTerminator)?;
        self.pos = start + rel + 2;
        Ok(self.bytes.slice(start..start + rel))
    }

    fn body(&mut self, len: usize) -> Bytes {
        let b = self.bytes.slice(self.pos..self.pos + len);
        self.pos += len + 2;
        b
    }

    /// Builds the frame at `pos`.
    fn frame(&mut self) -> Result<Frame, DecodeError> {
        let t = self.bytes[self.pos];
        let line = self.line()?;
        Ok(match t {
            b'+' => Frame::Simple(line),
            b'-' => Frame::Error(line),
            b':' => Frame::Integer(parse_int(&line)?),
            b'_' => Frame::Null,
            b'#' => Frame::Boolean(&line[..] == b"t"),
            b',' => Frame::Double(parse_double(&line)?),
            b'(' => Frame::BigNumber(line),
            b'$' | b'!' | b'=' => {
                let len = parse_len(&line)?;
                if len < 0 {
                    return Ok(Frame::NullBulk);
                }
                let body = self.body(len as usize);
                match t {
                    b'$' => Frame::Bulk(body),
                    b'!' => Frame::BulkError(body),
                    _ => Frame::Verbatim {
                        format: [body[0], body[1], body[2]],
                        data: body.slice(4..),
                    },
                }
            }
            _ => {
                let n = parse_len(&line)?;
                if n < 0 {
                    return Ok(Frame::NullArray);
                }
                // Validation saw all `n` elements: the capacity is backed by
                // at least 3 bytes of input per element.
                let n = n as usize;
                match t {
                    b'%' | b'|' => {
                        let mut pairs = Vec::with_capacity(n);
                        for _ in 0..n {
                            let k = self.frame()?;
                            let v = self.frame()?;
                            pairs.push((k, v));
                        }
                        if t == b'%' {
                            Frame::Map(pairs)
                        } else {
                            Frame::Attribute(pairs)
                        }
                    }
                    _ => {
                        let mut items = Vec::with_capacity(n);
                        let mut counted = 0;
                        while counted < n {
                            let f = self.frame()?;
                            if !matches!(f, Frame::Attribute(_)) {
                                counted += 1;
                            }
                            items.push(f);
                        }
                        match t {
                            b'*' => Frame::Array(items),
                            b'~' => Frame::Set(items),
                            _ => Frame::Push(items),
                        }
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Result<Vec<Frame>, DecodeError> {
        let mut dec = FrameDecoder::new();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(f) = dec.decode(&mut buf)? {
            out.push(f);
        }
        assert!(buf.is_empty(), "left over: {buf:?}");
        Ok(out)
    }

    fn one(input: &[u8]) -> Frame {
        let mut v = all(input).unwrap();
        assert_eq!(v.len(), 1);
        v.pop().unwrap()
    }

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    #[test]
    fn each_type() {
        assert_eq!(one(b"+OK\r\n"), Frame::simple("OK"));
        assert_eq!(one(b"-ERR x y\r\n"), Frame::Error(b(b"ERR x y")));
        assert_eq!(one(b":-42\r\n"), Frame::Integer(-42));
        assert_eq!(one(b"$5\r\na\r\n\0b\r\n"), Frame::Bulk(b(b"a\r\n\0b")));
        assert_eq!(one(b"$0\r\n\r\n"), Frame::Bulk(Bytes::new()));
        assert_eq!(one(b"$-1\r\n"), Frame::NullBulk);
        assert_eq!(one(b"*-1\r\n"), Frame::NullArray);
        assert_eq!(one(b"*0\r\n"), Frame::Array(vec![]));
        assert_eq!(one(b"_\r\n"), Frame::Null);
        assert_eq!(one(b"#t\r\n"), Frame::Boolean(true));
        assert_eq!(one(b"#f\r\n"), Frame::Boolean(false));
        assert_eq!(one(b",1.5\r\n"), Frame::Double(1.5));
        assert_eq!(one(b",-inf\r\n"), Frame::Double(f64::NEG_INFINITY));
        assert_eq!(one(b",inf\r\n"), Frame::Double(f64::INFINITY));
        assert_eq!(one(b",nan\r\n"), Frame::Double(f64::NAN));
        // What `format_double` writes for a NaN with the sign bit set.
        assert_eq!(one(b",-nan\r\n"), Frame::Double(f64::NAN));
        assert_eq!(one(b",1e+20\r\n"), Frame::Double(1e20));
        assert_eq!(
            one(b"(-1234567890123456789012\r\n"),
            Frame::BigNumber(b(b"-1234567890123456789012"))
        );
        assert_eq!(one(b"!5\r\nERR x\r\n"), Frame::BulkError(b(b"ERR x")));
        assert_eq!(
            one(b"=8\r\nmkd:# hi\r\n"),
            Frame::Verbatim {
                format: *b"mkd",
                data: b(b"# hi")
            }
        );
        assert_eq!(
            one(b"%2\r\n+a\r\n:1\r\n+b\r\n%0\r\n"),
            Frame::Map(vec![
                (Frame::simple("a"), Frame::Integer(1)),
                (Frame::simple("b"), Frame::Map(vec![])),
            ])
        );
        assert_eq!(one(b"~1\r\n_\r\n"), Frame::Set(vec![Frame::Null]));
        assert_eq!(
            one(b">2\r\n+message\r\n*1\r\n:1\r\n"),
            Frame::Push(vec![
                Frame::simple("message"),
                Frame::Array(vec![Frame::Integer(1)])
            ])
        );
    }

    #[test]
    fn attributes() {
        let attr = Frame::Attribute(vec![(Frame::simple("key-popularity"), Frame::Double(0.5))]);
        // Top level: the attribute, then the frame it annotates.
        assert_eq!(
            all(b"|1\r\n+key-popularity\r\n,0.5\r\n:7\r\n").unwrap(),
            vec![attr.clone(), Frame::Integer(7)]
        );
        // Inside an array: an extra element, not counted on the wire.
        assert_eq!(
            one(b"*2\r\n:1\r\n|1\r\n+key-popularity\r\n,0.5\r\n:2\r\n"),
            Frame::Array(vec![Frame::Integer(1), attr, Frame::Integer(2)])
        );
        assert_eq!(
            all(b"%1\r\n|0\r\n+a\r\n+b\r\n"),
            Err(DecodeError::NestedAttribute)
        );
    }

    #[test]
    fn errors() {
        use DecodeError::*;
        for (input, want) in [
            (&b"?\r\n"[..], InvalidType(b'?')),
            (b"+OK\n", BadTerminator),
            (b"+OK\rX", BadTerminator),
            (b":12a\r\n", InvalidInteger),
            (b":\r\n", InvalidInteger),
            (b":9223372036854775808\r\n", InvalidInteger),
            (b"$3\r\nabcd\r\n", BadTerminator),
            (b"$-2\r\n", InvalidLength),
            (b"$+1\r\n", InvalidLength),
            (b"*-2\r\n", InvalidLength),
            (b"%-1\r\n", InvalidLength),
            (b"_x\r\n", InvalidNull),
            (b"#x\r\n", InvalidBoolean),
            (b",abc\r\n", InvalidDouble),
            (b"(12a\r\n", InvalidBigNumber),
            (b"=3\r\ntxt\r\n", InvalidVerbatim),
            (b"=4\r\ntxtx\r\n", InvalidVerbatim),
            (b"$?\r\n", Streamed),
            (b"*?\r\n", Streamed),
        ] {
            assert_eq!(all(input), Err(want), "{input:?}");
        }
        let deep = b"*1\r\n".repeat(200);
        assert_eq!(all(&deep), Err(TooDeep(DEFAULT_MAX_DEPTH)));
        let mut dec = FrameDecoder::new().with_max_bulk_len(10);
        assert_eq!(
            dec.decode(&mut BytesMut::from(&b"$11\r\n"[..])),
            Err(BulkTooLong(11))
        );
    }

    #[test]
    fn incomplete_consumes_nothing_and_splits_agree() {
        let input: &[u8] = b"*3\r\n$3\r\nfoo\r\n%1\r\n+k\r\n,2.5\r\n|1\r\n+a\r\n+b\r\n~1\r\n#t\r\n=6\r\ntxt:ab\r\n";
        let whole = all(input).unwrap();
        let mut dec = FrameDecoder::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for (i, &byte) in input.iter().enumerate() {
            buf.extend_from_slice(&[byte]);
            let before = buf.len();
            match dec.decode(&mut buf).unwrap() {
                Some(f) => got.push(f),
                None => assert_eq!(buf.len(), before, "consumed at byte {i}"),
            }
        }
        assert_eq!(got, whole);
    }

    #[test]
    fn huge_declared_lengths_do_not_allocate() {
        let mut dec = FrameDecoder::new();
        let mut buf = BytesMut::from(&b"*9223372036854775807\r\n:1\r\n"[..]);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        let mut buf = BytesMut::from(&b"%9223372036854775807\r\n"[..]);
        assert_eq!(FrameDecoder::new().decode(&mut buf), Ok(None));
        let mut buf = BytesMut::from(&b"$536870912\r\nabc"[..]);
        assert_eq!(FrameDecoder::new().decode(&mut buf), Ok(None));
    }

    #[test]
    fn bulks_are_views() {
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nabc\r\n$3\r\ndef\r\n"[..]);
        let Some(Frame::Array(items)) = FrameDecoder::new().decode(&mut buf).unwrap() else {
            panic!("not an array");
        };
        let (Frame::Bulk(a), Frame::Bulk(d)) = (&items[0], &items[1]) else {
            panic!("not bulks");
        };
        assert_eq!(d.as_ptr() as usize - a.as_ptr() as usize, 9);
    }
}
