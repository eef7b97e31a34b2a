//! [`Frame`]: one RESP2/RESP3 value, and its encoder.

use bytes::{Bytes, BytesMut};

use crate::write::{Protocol, ReplyWriter};

/// One RESP2 or RESP3 value.
///
/// Strings are [`Bytes`]: binary safe, and zero-copy views into the read
/// buffer when produced by [`crate::FrameDecoder`].
///
/// Attributes (`|`) are frames of their own that annotate the frame after
/// them. Inside an array, set or push they are stored as an extra element
/// just before the element they annotate, and they are not counted in the
/// aggregate's length on the wire. Attributes inside maps are not supported.
#[derive(Debug, Clone)]
pub enum Frame {
    /// `+OK\r\n`. Never contains `\r` or `\n`.
    Simple(Bytes),
    /// `-ERR message\r\n`: the whole line after `-`, code included.
    Error(Bytes),
    /// `:42\r\n`.
    Integer(i64),
    /// `$3\r\nfoo\r\n`.
    Bulk(Bytes),
    /// RESP2 null bulk string `$-1\r\n`.
    NullBulk,
    /// RESP2 null array `*-1\r\n`.
    NullArray,
    /// `*2\r\n...`.
    Array(Vec<Frame>),
    /// RESP3 null `_\r\n`.
    Null,
    /// RESP3 `#t\r\n` / `#f\r\n`.
    Boolean(bool),
    /// RESP3 `,3.14\r\n` (also `inf`, `-inf`, `nan`).
    Double(f64),
    /// RESP3 `(12345678901234567890\r\n`: the digits, with an optional sign.
    BigNumber(Bytes),
    /// RESP3 `!<len>\r\n<code> <message>\r\n`.
    BulkError(Bytes),
    /// RESP3 `=<len>\r\ntxt:data\r\n`.
    Verbatim {
        /// The three-byte format, e.g. `txt` or `mkd`.
        format: [u8; 3],
        /// The text after the `:`.
        data: Bytes,
    },
    /// RESP3 `%<n>\r\n` followed by `n` key/value pairs.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~<n>\r\n`.
    Set(Vec<Frame>),
    /// RESP3 `|<n>\r\n`: `n` pairs annotating the next frame.
    Attribute(Vec<(Frame, Frame)>),
    /// RESP3 `><n>\r\n`: out-of-band data (pub/sub, invalidation).
    Push(Vec<Frame>),
}

/// Structural equality; doubles compare equal when both are NaN.
impl PartialEq for Frame {
    fn eq(&self, other: &Frame) -> bool {
        use Frame::*;
        match (self, other) {
            (Simple(a), Simple(b))
            | (Error(a), Error(b))
            | (Bulk(a), Bulk(b))
            | (BigNumber(a), BigNumber(b))
            | (BulkError(a), BulkError(b)) => a == b,
            (Integer(a), Integer(b)) => a == b,
            (NullBulk, NullBulk) | (NullArray, NullArray) | (Null, Null) => true,
            (Boolean(a), Boolean(b)) => a == b,
            (Double(a), Double(b)) => a == b || (a.is_nan() && b.is_nan()),
            (
                Verbatim {
                    format: fa,
                    data: da,
                },
                Verbatim {
                    format: fb,
                    data: db,
                },
            ) => fa == fb && da == db,
            (Array(a), Array(b)) | (Set(a), Set(b)) | (Push(a), Push(b)) => a == b,
            (Map(a), Map(b)) | (Attribute(a), Attribute(b)) => a == b,
            _ => false,
        }
    }
}

impl Frame {
    /// A simple string from static text.
    pub fn simple(s: &'static str) -> Frame {
        Frame::Simple(Bytes::from_static(s.as_bytes()))
    }

    /// A bulk string, copying `data`.
    pub fn bulk(data: impl AsRef<[u8]>) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(data.as_ref()))
    }

    /// Appends the frame to `buf` in protocol `proto`.
    ///
    /// RESP3-only types are downgraded for RESP2 as redis-server does:
    /// `Null` is `$-1`, `Boolean` is `:1`/`:0`, `Double` and `BigNumber` are
    /// bulk strings, `Verbatim` is a bulk string of its data, `BulkError` is a
    /// simple error, `Map` is a flat array of `2n` elements, `Set` and `Push`
    /// are arrays, and `Attribute` is left out. In RESP3, `NullBulk` and
    /// `NullArray` are written as `_` (a RESP3 client never sees `$-1`).
    /// `\r` and `\n` inside `Simple`/`Error` become spaces.
    pub fn encode(&self, proto: Protocol, buf: &mut BytesMut) {
        let mut w = ReplyWriter::new(buf, proto);
        encode_into(self, &mut w);
    }

    /// [`Frame::encode`] into a new buffer.
    pub fn to_bytes(&self, proto: Protocol) -> BytesMut {
        let mut buf = BytesMut::new();
        self.encode(proto, &mut buf);
        buf
    }
}

/// Number of elements an aggregate declares on the wire (attributes excluded).
fn counted(items: &[Frame]) -> usize {
    items
        .iter()
        .filter(|f| !matches!(f, Frame::Attribute(_)))
        .count()
}

fn encode_into(frame: &Frame, w: &mut ReplyWriter<'_>) {
    match frame {
        Frame::Simple(s) => w.simple(s),
        Frame::Error(s) => w.error(s),
        Frame::Integer(v) => w.integer(*v),
        Frame::Bulk(b) => w.bulk(b),
        Frame::NullBulk | Frame::Null => w.null(),
        Frame::NullArray => w.null_array(),
        Frame::Array(items) => {
            w.array_header(counted(items));
            items.iter().for_each(|f| encode_into(f, w));
        }
        Frame::Boolean(b) => w.boolean(*b),
        Frame::Double(d) => w.double(*d),
        Frame::BigNumber(n) => w.big_number(n),
        Frame::BulkError(e) => w.bulk_error(e),
        Frame::Verbatim { format, data } => w.verbatim(format, data),
        Frame::Map(pairs) => {
            w.map_header(pairs.len());
            for (k, v) in pairs {
                encode_into(k, w);
                encode_into(v, w);
            }
        }
        Frame::Set(items) => {
            w.set_header(counted(items));
            items.iter().for_each(|f| encode_into(f, w));
        }
        Frame::Push(items) => {
            w.push_header(counted(items));
            items.iter().for_each(|f| encode_into(f, w));
        }
        Frame::Attribute(pairs) => {
            if w.attribute_header(pairs.len()) {
                for (k, v) in pairs {
                    encode_into(k, w);
                    encode_into(v, w);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(f: &Frame, p: Protocol) -> Vec<u8> {
        f.to_bytes(p).to_vec()
    }

    #[test]
    fn encodes_each_type() {
        use Protocol::*;
        let b = |s: &'static str| Bytes::from_static(s.as_bytes());
        let cases: &[(Frame, &[u8], &[u8])] = &[
            (Frame::simple("OK"), b"+OK\r\n", b"+OK\r\n"),
            (Frame::Error(b("ERR x")), b"-ERR x\r\n", b"-ERR x\r\n"),
            (Frame::Integer(-5), b":-5\r\n", b":-5\r\n"),
            (
                Frame::bulk("a\r\nb"),
                b"$4\r\na\r\nb\r\n",
                b"$4\r\na\r\nb\r\n",
            ),
            (Frame::NullBulk, b"$-1\r\n", b"_\r\n"),
            (Frame::NullArray, b"*-1\r\n", b"_\r\n"),
            (Frame::Null, b"$-1\r\n", b"_\r\n"),
            (Frame::Array(vec![]), b"*0\r\n", b"*0\r\n"),
            (Frame::Boolean(true), b":1\r\n", b"#t\r\n"),
            (Frame::Double(1.5), b"$3\r\n1.5\r\n", b",1.5\r\n"),
            (Frame::Double(f64::INFINITY), b"$3\r\ninf\r\n", b",inf\r\n"),
            (Frame::BigNumber(b("123")), b"$3\r\n123\r\n", b"(123\r\n"),
            (
                Frame::BulkError(b("ERR e")),
                b"-ERR e\r\n",
                b"!5\r\nERR e\r\n",
            ),
            (
                Frame::Verbatim {
                    format: *b"txt",
                    data: b("x"),
                },
                b"$1\r\nx\r\n",
                b"=5\r\ntxt:x\r\n",
            ),
            (
                Frame::Map(vec![(Frame::bulk("k"), Frame::Integer(1))]),
                b"*2\r\n$1\r\nk\r\n:1\r\n",
                b"%1\r\n$1\r\nk\r\n:1\r\n",
            ),
            (
                Frame::Set(vec![Frame::Integer(1)]),
                b"*1\r\n:1\r\n",
                b"~1\r\n:1\r\n",
            ),
            (
                Frame::Push(vec![Frame::bulk("message")]),
                b"*1\r\n$7\r\nmessage\r\n",
                b">1\r\n$7\r\nmessage\r\n",
            ),
            (
                Frame::Array(vec![
                    Frame::Attribute(vec![(Frame::simple("ttl"), Frame::Integer(3))]),
                    Frame::Integer(7),
                ]),
                b"*1\r\n:7\r\n",
                b"*1\r\n|1\r\n+ttl\r\n:3\r\n:7\r\n",
            ),
        ];
        for (f, r2, r3) in cases {
            assert_eq!(enc(f, Resp2), *r2, "{f:?} in RESP2");
            assert_eq!(enc(f, Resp3), *r3, "{f:?} in RESP3");
        }
    }

    #[test]
    fn nan_equals_nan() {
        assert_eq!(Frame::Double(f64::NAN), Frame::Double(f64::NAN));
        assert_ne!(Frame::Double(1.0), Frame::Integer(1));
    }
}
