//! RESP2/RESP3 codec for cedis: the wire format, and nothing else.
//!
//! # Role and main types
//!
//! - [`RequestDecoder`] is the server's hot path: it turns client bytes
//!   (multibulk `*N\r\n$len\r\n...` or inline `SET k v\r\n`) straight into a
//!   `Vec<Bytes>` of arguments, with redis-server 7.0's exact acceptance rules
//!   and error messages ([`ProtocolError`]), under runtime-adjustable
//!   [`Limits`].
//! - [`ReplyWriter`] is the server's reply path: it appends replies to the
//!   connection's output buffer in the client's [`Protocol`] (RESP2 or RESP3),
//!   downgrading RESP3-only types for RESP2 clients as redis-server does.
//! - [`Frame`] is one RESP2/RESP3 value; [`FrameDecoder`] decodes any frame
//!   (client side: `cedis-cli`, tests) and [`Frame::encode`] writes one.
//! - [`split_args`] splits an inline line (and a `redis.conf` line) with
//!   redis-server's quoting rules; [`format_double`] prints a double as
//!   redis-server 7.0 does (`%.17g`).
//!
//! # What it does not do
//!
//! No I/O and no async runtime (sans-IO; the decoders have the shape of
//! tokio-util's `Decoder`), no knowledge of commands or of the server.
//! Not supported: RESP3 streamed strings and aggregates (`$?`, `*?`, `;`,
//! `.`), attributes inside maps. The replication master's exemption from
//! `proto-max-bulk-len` is left to the server (raise the limit for it).
//!
//! # Invariants
//!
//! - A decoder that returns "need more bytes" (`Ok(None)`, `Ok(false)`) has
//!   consumed nothing of the incomplete request or frame, and remembers how far
//!   it has parsed: a request arriving in many reads is not rescanned, so
//!   decoding stays linear. Between calls the caller only appends to the buffer.
//! - Bulk strings and arguments are zero-copy: one `split_to(n).freeze()` per
//!   request or frame, then [`bytes::Bytes::slice`] per string.
//! - Nesting is bounded ([`DEFAULT_MAX_DEPTH`]); a declared length never drives
//!   an allocation before the data it announces has arrived.
//! - An `Err` means the stream is corrupt: for a [`ProtocolError`] the server
//!   sends [`ProtocolError::write_reply`] (`-ERR <Display>\r\n`) and closes.
//! - The encoder only appends; it never emits `\r` or `\n` inside a status or
//!   error line (they become spaces, as redis-server does for errors).
//!
//! # Protocol errors, compared with redis-server 7.0.15
//!
//! Each row was checked byte for byte against a real redis-server 7.0.15
//! (`tests/resp_vs_redis.rs` in the workspace replays the table). All replies
//! are `-ERR <text>\r\n` followed by closing the connection.
//!
//! | input | redis-server 7.0.15 | [`ProtocolError`] |
//! |---|---|---|
//! | `*01\r\n`, `*+1\r\n`, `* 1\r\n`, `*-0\r\n`, `*\r\n`, `*abc\r\n` | `Protocol error: invalid multibulk length` | `InvalidMultibulkLength` |
//! | `*2147483648\r\n` (> `INT_MAX`) | `Protocol error: invalid multibulk length` | `InvalidMultibulkLength` |
//! | `*1\n$4\r\nPING\r\n` (count ends at the first `\r`: `1\n$4`) | `Protocol error: invalid multibulk length` | `InvalidMultibulkLength` |
//! | `*1\r\n$-1\r\n`, `$01`, `$+4`, `$ 4` | `Protocol error: invalid bulk length` | `InvalidBulkLength` |
//! | `*1\r\n$536870913\r\n` (> `proto-max-bulk-len`) | `Protocol error: invalid bulk length` | `InvalidBulkLength` |
//! | `*1\r\n:4\r\n` | `Protocol error: expected '$', got ':'` | `ExpectedDollar(b':')` |
//! | `*1\r\n\r\n` | `Protocol error: expected '$', got ' '` (`\r` shown as space) | `ExpectedDollar(b'\r')` |
//! | `*1\r\n\xff\r\n` | `Protocol error: expected '$', got '\xff'` (raw byte) | `ExpectedDollar(0xff)` |
//! | `*` + 65536 bytes without `\r` | `Protocol error: too big mbulk count string` | `TooBigMbulkCount` |
//! | `*1\r\n$` + 65536 bytes without `\r` | `Protocol error: too big bulk count string` | `TooBigBulkCount` |
//! | 65537 bytes of inline text without `\n` | `Protocol error: too big inline request` | `TooBigInline` |
//! | `ECHO "abc\r\n`, `ECHO 'a'b\r\n`, `ECHO "a"b\r\n`, `ECHO "abc\"\r\n` | `Protocol error: unbalanced quotes in request` | `UnbalancedQuotes` |
//! | `*11\r\n` before AUTH (password set) | `Protocol error: unauthenticated multibulk length` | `UnauthenticatedMultibulkLength` |
//! | `*1\r\n$16385\r\n` before AUTH | `Protocol error: unauthenticated bulk length` | `UnauthenticatedBulkLength` |
//!
//! Accepted or ignored, exactly as redis-server does:
//!
//! | input | behaviour |
//! |---|---|
//! | `*0\r\n`, `*-1\r\n`, `*-5\r\n`, `\r\n`, `\n`, blank inline lines | consumed silently |
//! | `*1\r\n$4\r\nPINGxx` | the two bytes after a bulk body are skipped unchecked |
//! | `*1\rX$4\r\n...` | the byte after a header's `\r` is skipped unchecked |
//! | `PING\n` | a bare `\n` ends an inline line; a `\r` before it is dropped |
//! | `ECHO a\rb\r\n` | `\r` inside an inline line separates arguments |
//! | `*1\0\r\n`, `PING\0\n`, `$4\0\r\n` | a NUL hides the terminator (redis-server uses `strchr`): the request waits until it exceeds 64 KiB, then is "too big" |
//! | `*2147483647\r\n`, `$536870912\r\n` | accepted; waits for the data |
//! | inline line over 64 KiB whose `\n` is already buffered | accepted (the limit only applies to a line still without terminator, as in redis-server) |
//! | `*10` / `$16384` before AUTH | accepted (the unauthenticated limits are `> 10` and `> 16384` in 7.0.15) |
//!
//! # Example
//!
//! ```
//! use bytes::BytesMut;
//! use cedis_resp::{Frame, FrameDecoder, Protocol, ReplyWriter, RequestDecoder};
//!
//! // Server side: requests in, replies out.
//! let mut input = BytesMut::from(&b"*3\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\n0.1\r\nPING\r\n"[..]);
//! let mut dec = RequestDecoder::new();
//! let mut args = Vec::new();
//! let mut output = BytesMut::new();
//! while dec.decode_into(&mut input, &mut args).expect("well-formed") {
//!     let mut w = ReplyWriter::new(&mut output, Protocol::Resp3);
//!     match &args[0][..] {
//!         b"PING" => w.simple(b"PONG"),
//!         _ => w.double(0.1),
//!     }
//! }
//! assert_eq!(&output[..], b",0.10000000000000001\r\n+PONG\r\n");
//!
//! // Client side: frames.
//! let mut frames = FrameDecoder::new();
//! assert_eq!(frames.decode(&mut output).unwrap(), Some(Frame::Double(0.1)));
//! assert_eq!(frames.decode(&mut output).unwrap(), Some(Frame::simple("PONG")));
//! assert_eq!(frames.decode(&mut output).unwrap(), None);
//! ```

mod decode;
mod double;
mod error;
mod frame;
mod inline;
mod request;
mod write;

pub use decode::{FrameDecoder, DEFAULT_MAX_BULK_LEN, DEFAULT_MAX_DEPTH};
pub use double::{double_to_string, format_double};
pub use error::{DecodeError, ProtocolError};
pub use frame::Frame;
pub use inline::{split_args, UnbalancedQuotes};
pub use request::{
    Limits, RequestDecoder, DEFAULT_PROTO_MAX_BULK_LEN, MAX_MULTIBULK_LEN, PROTO_INLINE_MAX_SIZE,
    UNAUTH_MAX_BULK_LEN, UNAUTH_MAX_MULTIBULK_LEN,
};
pub use write::{write_i64, Protocol, ReplyWriter};
