//! RESP2/RESP3 codec for cedis (doc being written).

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
