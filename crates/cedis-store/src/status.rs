//! The engine's small error vocabulary.
//!
//! The store never formats Redis error text: it answers with a [`Status`],
//! and the server maps each variant to Redis's exact reply.

/// Why a store operation did not succeed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Status {
    /// The key holds a value of another type.
    #[error("operation against a key holding the wrong kind of value")]
    WrongType,
    /// A stored value or an argument is not an integer (or out of i64 range).
    #[error("value is not an integer or out of range")]
    NotInteger,
    /// A stored value or an argument is not a valid float.
    #[error("value is not a valid float")]
    NotFloat,
    /// An integer increment would overflow.
    #[error("increment or decrement would overflow")]
    Overflow,
    /// A float increment would produce NaN or infinity.
    #[error("increment would produce NaN or Infinity")]
    NanOrInfinity,
    /// A string would exceed the maximum allowed size (`proto-max-bulk-len`).
    #[error("string exceeds maximum allowed size")]
    TooLarge,
    /// The key does not exist (where that is an error, e.g. RENAME).
    #[error("no such key")]
    NoSuchKey,
    /// A database index outside `0..databases`.
    #[error("DB index is out of range")]
    DbOutOfRange,
    /// An offset is out of range (e.g. SETRANGE offset).
    #[error("offset is out of range")]
    OffsetOutOfRange,
}

/// Result alias for store operations.
pub type Result<T> = std::result::Result<T, Status>;
