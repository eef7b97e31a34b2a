//! Error types: [`ProtocolError`] for client requests (server side),
//! [`DecodeError`] for generic frames (client side).

use bytes::{BufMut, BytesMut};
use thiserror::Error;

/// A malformed client request. redis-server replies `-ERR <Display>\r\n` and
/// closes the connection; [`ProtocolError::write_reply`] writes exactly the
/// bytes redis-server 7.0 sends.
///
/// | variant | redis-server 7.0 text | triggered by |
/// |---|---|---|
/// | `InvalidMultibulkLength` | `Protocol error: invalid multibulk length` | `*` count not a plain decimal (`*01`, `*+1`, `* 1`, `*-0`, `*x`), or > 2147483647 |
/// | `InvalidBulkLength` | `Protocol error: invalid bulk length` | `$` length not a plain decimal, negative (`$-1`), or > `proto-max-bulk-len` |
/// | `ExpectedDollar(b)` | `Protocol error: expected '$', got 'b'` | an argument header not starting with `$` (`\r`/`\n` shown as a space) |
/// | `TooBigMbulkCount` | `Protocol error: too big mbulk count string` | more than 64 KiB buffered after `*` with no `\r` |
/// | `TooBigBulkCount` | `Protocol error: too big bulk count string` | more than 64 KiB buffered at an argument header with no `\r` |
/// | `TooBigInline` | `Protocol error: too big inline request` | more than 64 KiB buffered of an inline line with no `\n` |
/// | `UnbalancedQuotes` | `Protocol error: unbalanced quotes in request` | inline line with an open quote, or a closing quote not followed by space |
/// | `UnauthenticatedMultibulkLength` | `Protocol error: unauthenticated multibulk length` | `*` count > 10 before AUTH, when a password is required |
/// | `UnauthenticatedBulkLength` | `Protocol error: unauthenticated bulk length` | `$` length > 16384 before AUTH, when a password is required |
///
/// A NUL byte before the line terminator hides the terminator (redis-server
/// searches with `strchr`), so such a line waits until it exceeds 64 KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// `*` followed by something that is not a valid count.
    #[error("Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    /// `$` followed by something that is not a valid length, or too large.
    #[error("Protocol error: invalid bulk length")]
    InvalidBulkLength,
    /// An argument of a multibulk request does not start with `$`.
    #[error("Protocol error: expected '$', got '{}'", shown_byte(*.0))]
    ExpectedDollar(u8),
    /// The `*<count>` line is longer than the inline limit.
    #[error("Protocol error: too big mbulk count string")]
    TooBigMbulkCount,
    /// A `$<len>` line is longer than the inline limit.
    #[error("Protocol error: too big bulk count string")]
    TooBigBulkCount,
    /// An inline command line is longer than the inline limit.
    #[error("Protocol error: too big inline request")]
    TooBigInline,
    /// An inline command line has unbalanced quotes.
    #[error("Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    /// Count over 10 while authentication is pending.
    #[error("Protocol error: unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    /// Bulk length over 16384 while authentication is pending.
    #[error("Protocol error: unauthenticated bulk length")]
    UnauthenticatedBulkLength,
}

/// redis-server formats the byte with `%c` and then replaces `\r` and `\n`
/// by spaces; other bytes are sent raw (see [`ProtocolError::write_reply`]).
fn shown_byte(b: u8) -> char {
    match b {
        b'\r' | b'\n' => ' ',
        _ => char::from(b),
    }
}

impl ProtocolError {
    /// Appends the complete reply redis-server sends before closing the
    /// connection: `-ERR <message>\r\n`, byte for byte (a non-ASCII byte in
    /// `ExpectedDollar` is written raw, as `%c` does, not UTF-8 encoded).
    pub fn write_reply(&self, out: &mut BytesMut) {
        out.put_slice(b"-ERR ");
        match *self {
            ProtocolError::ExpectedDollar(b) => {
                out.put_slice(b"Protocol error: expected '$', got '");
                out.put_u8(match b {
                    b'\r' | b'\n' => b' ',
                    _ => b,
                });
                out.put_u8(b'\'');
            }
            other => out.put_slice(other.to_string().as_bytes()),
        }
        out.put_slice(b"\r\n");
    }
}

/// A malformed frame seen by [`crate::FrameDecoder`]; the stream cannot be
/// resynchronised after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The first byte of a frame is not a RESP2/RESP3 type byte.
    #[error("invalid frame type byte {0:#04x}")]
    InvalidType(u8),
    /// A line is not terminated by `\r\n`, or bulk data is not followed by it.
    #[error("missing or malformed CRLF terminator")]
    BadTerminator,
    /// A length or count is not a valid decimal number, or is out of range.
    #[error("invalid length or count")]
    InvalidLength,
    /// An integer frame is not a valid signed 64-bit decimal number.
    #[error("invalid integer")]
    InvalidInteger,
    /// A double frame is not a valid floating point number.
    #[error("invalid double")]
    InvalidDouble,
    /// A boolean frame is neither `#t` nor `#f`.
    #[error("invalid boolean")]
    InvalidBoolean,
    /// A big number frame is not an optionally signed run of digits.
    #[error("invalid big number")]
    InvalidBigNumber,
    /// A null frame `_` has a payload.
    #[error("invalid null")]
    InvalidNull,
    /// A verbatim string shorter than 4 bytes or without `:` after its format.
    #[error("invalid verbatim string")]
    InvalidVerbatim,
    /// A bulk string, bulk error or verbatim string longer than the limit.
    #[error("bulk length {0} exceeds the limit")]
    BulkTooLong(u64),
    /// Aggregates nested deeper than the limit.
    #[error("nesting deeper than {0}")]
    TooDeep(usize),
    /// An attribute inside a map or attribute (not representable in `Frame`).
    #[error("attribute inside a map or attribute is not supported")]
    NestedAttribute,
    /// A RESP3 streamed string or aggregate (`$?`, `*?`, `;`, `.`), not supported.
    #[error("streamed RESP3 types are not supported")]
    Streamed,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(e: ProtocolError) -> Vec<u8> {
        let mut b = BytesMut::new();
        e.write_reply(&mut b);
        b.to_vec()
    }

    #[test]
    fn replies_are_byte_exact() {
        assert_eq!(
            reply(ProtocolError::InvalidMultibulkLength),
            b"-ERR Protocol error: invalid multibulk length\r\n"
        );
        assert_eq!(
            reply(ProtocolError::ExpectedDollar(b':')),
            b"-ERR Protocol error: expected '$', got ':'\r\n"
        );
        assert_eq!(
            reply(ProtocolError::ExpectedDollar(b'\r')),
            b"-ERR Protocol error: expected '$', got ' '\r\n"
        );
        assert_eq!(
            reply(ProtocolError::ExpectedDollar(0xff)),
            b"-ERR Protocol error: expected '$', got '\xff'\r\n"
        );
        assert_eq!(
            ProtocolError::TooBigInline.to_string(),
            "Protocol error: too big inline request"
        );
    }
}
