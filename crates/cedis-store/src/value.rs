//! Values as the keyspace holds them, with Redis's encodings.

use std::borrow::Cow;

/// Longest string that Redis stores as `embstr` rather than `raw`.
pub const EMBSTR_MAX: usize = 44;
/// Longest string that may be stored with the `int` encoding.
const INT_MAX_LEN: usize = 20;

/// A string value in one of Redis's three encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrValue {
    /// `int`: a canonical decimal i64.
    Int(i64),
    /// `embstr` (`raw == false`) or `raw` bytes.
    Bytes { data: Vec<u8>, raw: bool },
}

impl StrValue {
    /// Encodes freshly written bytes the way `SET` does: a canonical integer
    /// becomes `int`, short strings `embstr`, long ones `raw`.
    pub fn from_bytes(data: &[u8]) -> StrValue {
        if data.len() <= INT_MAX_LEN {
            if let Some(n) = parse_canonical_i64(data) {
                return StrValue::Int(n);
            }
        }
        StrValue::Bytes {
            data: data.to_vec(),
            raw: data.len() > EMBSTR_MAX,
        }
    }

    /// Bytes that callers modify in place (APPEND, SETRANGE) are `raw`.
    pub fn raw(data: Vec<u8>) -> StrValue {
        StrValue::Bytes { data, raw: true }
    }

    /// The value's bytes; integers are formatted on demand.
    pub fn as_bytes(&self) -> Cow<'_, [u8]> {
        match self {
            StrValue::Int(n) => Cow::Owned(n.to_string().into_bytes()),
            StrValue::Bytes { data, .. } => Cow::Borrowed(data),
        }
    }

    /// Length in bytes of the string form.
    pub fn len(&self) -> usize {
        match self {
            StrValue::Int(n) => int_len(*n),
            StrValue::Bytes { data, .. } => data.len(),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Turns the value into owned, mutable `raw` bytes.
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if let StrValue::Int(n) = *self {
            *self = StrValue::raw(n.to_string().into_bytes());
        }
        match self {
            StrValue::Bytes { data, raw } => {
                *raw = true;
                data
            }
            StrValue::Int(_) => unreachable!("converted above"),
        }
    }

    /// `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            StrValue::Int(_) => "int",
            StrValue::Bytes { raw: false, .. } => "embstr",
            StrValue::Bytes { raw: true, .. } => "raw",
        }
    }

    /// Reads the value as an integer, as INCR does.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            StrValue::Int(n) => Some(*n),
            StrValue::Bytes { data, .. } => parse_i64(data),
        }
    }
}

fn int_len(n: i64) -> usize {
    let mut len = if n < 0 { 2 } else { 1 };
    let mut v = n.unsigned_abs();
    while v >= 10 {
        v /= 10;
        len += 1;
    }
    len
}

/// Parses a decimal i64 the way Redis's `string2ll` does: optional `-`, no
/// `+`, no spaces, no leading zeros (except "0" itself), no overflow.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits {
        [] => return None,
        [b'0'] => return if neg { None } else { Some(0) },
        [b'1'..=b'9', ..] => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v <= i64::MAX as u64 + 1 {
            Some((v as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Like [`parse_i64`]; both accept only canonical forms, so the string form
/// of the result equals the input.
pub fn parse_canonical_i64(s: &[u8]) -> Option<i64> {
    parse_i64(s)
}

/// Parses a float the way Redis's `string2ld` does for INCRBYFLOAT and
/// friends: no surrounding spaces, no NaN; `inf`/`-inf` allowed.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.is_empty() || s.len() > 5120 {
        return None;
    }
    if s[0].is_ascii_whitespace() || s[s.len() - 1].is_ascii_whitespace() {
        return None;
    }
    let text = std::str::from_utf8(s).ok()?;
    let lower = text.to_ascii_lowercase();
    let v: f64 = match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        _ => {
            if lower.contains("inf") || lower.contains("nan") {
                return None;
            }
            parse_c_float(text)?
        }
    };
    if v.is_nan() {
        return None;
    }
    Some(v)
}

/// Accepts what C's `strtod` accepts for finite decimal and hex input
/// (Rust's parser rejects e.g. "1." and ".5e", which strtod takes partially;
/// Redis requires the whole string to be consumed, so only full forms pass).
fn parse_c_float(text: &str) -> Option<f64> {
    if let Some(hex) = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .map(|h| (false, h))
        .or_else(|| {
            text.strip_prefix("-0x")
                .or_else(|| text.strip_prefix("-0X"))
                .map(|h| (true, h))
        })
    {
        let (neg, digits) = hex;
        let v = u64::from_str_radix(digits, 16).ok()? as f64;
        return Some(if neg { -v } else { v });
    }
    text.parse::<f64>().ok()
}

/// A stored value.
#[derive(Debug, Clone)]
pub enum Value {
    /// A string.
    Str(StrValue),
    /// A list.
    List(Box<crate::list::ListValue>),
    /// A hash.
    Hash(crate::hash::HashValue),
    /// A set.
    Set(crate::set::SetValue),
    /// A sorted set.
    ZSet(crate::zset::ZSetValue),
}

impl Value {
    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// True for a list, hash, set or sorted set with no elements left
    /// (such keys are deleted: Redis never keeps an empty collection).
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::Str(_) => false,
            Value::List(l) => l.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::ZSet(z) => z.is_empty(),
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }

    /// An approximation of the heap bytes the value uses (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(StrValue::Int(_)) => 0,
            Value::Str(StrValue::Bytes { data, .. }) => data.capacity(),
            Value::List(l) => std::mem::size_of::<crate::list::ListValue>() + l.heap_size(),
            Value::Hash(h) => h.heap_size(),
            Value::Set(s) => s.heap_size(),
            Value::ZSet(z) => z.heap_size(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_i64_is_strict() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
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
            assert_eq!(parse_i64(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn encodings_follow_set() {
        assert_eq!(StrValue::from_bytes(b"123").encoding(), "int");
        assert_eq!(StrValue::from_bytes(b"0123").encoding(), "embstr");
        assert_eq!(StrValue::from_bytes(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(StrValue::from_bytes(&[b'a'; 45]).encoding(), "raw");
        let mut v = StrValue::from_bytes(b"12");
        v.make_raw().push(b'3');
        assert_eq!(v.encoding(), "raw");
        assert_eq!(v.as_bytes().as_ref(), b"123");
    }

    #[test]
    fn int_len_matches_format() {
        for n in [0, 9, 10, -1, -10, i64::MIN, i64::MAX, 12345] {
            assert_eq!(int_len(n), n.to_string().len());
        }
    }

    #[test]
    fn floats_parse_like_strtod() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"5.0e3"), Some(5000.0));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b""), None);
        assert_eq!(parse_f64(b"abc"), None);
    }
}
