//! Command errors and their exact Redis texts.

use std::borrow::Cow;

use cedis_store::Status;

/// Why a command failed. The dispatcher writes it as a RESP error reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdError {
    /// An engine status, mapped to Redis's text.
    Status(Status),
    /// `ERR syntax error`.
    Syntax,
    /// `ERR value is not an integer or out of range`.
    NotInteger,
    /// `ERR value is not a valid float`.
    NotFloat,
    /// A complete error text without the leading `-` (e.g. `ERR ...`).
    Msg(Cow<'static, str>),
}

/// Result of a command handler.
pub type CmdResult = Result<(), CmdError>;

impl CmdError {
    /// An error with a literal text (must start with its code, e.g. `ERR`).
    pub const fn msg(text: &'static str) -> CmdError {
        CmdError::Msg(Cow::Borrowed(text))
    }

    /// An error with a formatted text.
    pub fn owned(text: String) -> CmdError {
        CmdError::Msg(Cow::Owned(text))
    }

    /// The reply text, without `-` and CRLF.
    pub fn text(&self) -> Cow<'static, str> {
        match self {
            CmdError::Status(s) => Cow::Borrowed(status_text(*s)),
            CmdError::Syntax => Cow::Borrowed("ERR syntax error"),
            CmdError::NotInteger => Cow::Borrowed("ERR value is not an integer or out of range"),
            CmdError::NotFloat => Cow::Borrowed("ERR value is not a valid float"),
            CmdError::Msg(m) => m.clone(),
        }
    }
}

impl From<Status> for CmdError {
    fn from(s: Status) -> Self {
        CmdError::Status(s)
    }
}

/// Redis's text for each engine status.
pub fn status_text(s: Status) -> &'static str {
    match s {
        Status::WrongType => "WRONGTYPE Operation against a key holding the wrong kind of value",
        Status::NotInteger => "ERR value is not an integer or out of range",
        Status::NotFloat => "ERR value is not a valid float",
        Status::Overflow => "ERR increment or decrement would overflow",
        Status::NanOrInfinity => "ERR increment would produce NaN or Infinity",
        Status::TooLarge => "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        Status::NoSuchKey => "ERR no such key",
        Status::DbOutOfRange => "ERR DB index is out of range",
        Status::OffsetOutOfRange => "ERR offset is out of range",
        _ => "ERR internal error",
    }
}
