//! The keyspace's compact entry: a key, its value and its access clock in
//! 48 bytes, with no heap allocation for small strings.
//!
//! A key whose value is an `embstr`/`int` string and whose key and value
//! together fit in [`PACKED_CAP`] bytes is stored *packed*: both byte
//! strings side by side inside the entry (the integer in its decimal form).
//! Anything else keeps its [`Value`] in a box: *inline* with the key in
//! the slot when the key fits in [`INLINE_KEY_CAP`] bytes (one allocation
//! per key: the 32-byte `Value`), *boxed* together with the key otherwise.
//! For the 16-byte keys and 16-byte values of the memory benchmark that
//! means one 48-byte slab slot per key and nothing else; a small hash or
//! sorted set costs its slot, one 32-byte box and its listpack.
//!
//! `meta` packs Redis's 24-bit LRU clock with flag bits: whether the key has
//! an expiry (so keys without one never touch the expiry table) and whether
//! a packed value has the `int` encoding.

use std::borrow::Cow;

use cedis_types::table::TableEntry;

use crate::value::{parse_i64, StrValue, Value, EMBSTR_MAX};

/// Bytes available for key + value in a packed entry.
pub const PACKED_CAP: usize = 40;

/// The longest key kept in the slot beside a boxed value.
pub const INLINE_KEY_CAP: usize = 32;

const LRU_MASK: u32 = 0x00FF_FFFF;
const HAS_EXPIRE: u32 = 1 << 24;
const PACKED_INT: u32 = 1 << 25;

/// A key and its value.
#[derive(Debug, Clone)]
pub enum Entry {
    /// Key and small string value side by side.
    Packed {
        /// LRU clock and flags.
        meta: u32,
        /// Key length.
        klen: u8,
        /// Value length.
        vlen: u8,
        /// `key ++ value`.
        buf: [u8; PACKED_CAP],
    },
    /// Key in the slot, value in its own allocation.
    Inline {
        /// LRU clock and flags.
        meta: u32,
        /// Key length.
        klen: u8,
        /// The key.
        key: [u8; INLINE_KEY_CAP],
        /// The value.
        value: Box<Value>,
    },
    /// Key and value in one heap allocation (keys too long to inline).
    Boxed {
        /// LRU clock and flags.
        meta: u32,
        /// The key and the value.
        obj: Box<(Box<[u8]>, Value)>,
    },
}

/// A borrowed string value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrRef<'a> {
    /// The `int` encoding of a boxed value.
    Int(i64),
    /// The bytes of the string.
    Bytes(&'a [u8]),
}

impl StrRef<'_> {
    /// The string's bytes, formatting an integer.
    pub fn to_bytes(&self) -> Cow<'_, [u8]> {
        match *self {
            StrRef::Int(n) => Cow::Owned(n.to_string().into_bytes()),
            StrRef::Bytes(b) => Cow::Borrowed(b),
        }
    }

    /// Length of the string form.
    pub fn len(&self) -> usize {
        match *self {
            StrRef::Int(n) => StrValue::Int(n).len(),
            StrRef::Bytes(b) => b.len(),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value read as an integer, as INCR does.
    pub fn to_i64(&self) -> Option<i64> {
        match *self {
            StrRef::Int(n) => Some(n),
            StrRef::Bytes(b) => parse_i64(b),
        }
    }
}

impl TableEntry for Entry {
    #[inline]
    fn key(&self) -> &[u8] {
        match self {
            Entry::Packed { klen, buf, .. } => &buf[..*klen as usize],
            Entry::Inline { klen, key, .. } => &key[..*klen as usize],
            Entry::Boxed { obj, .. } => &obj.0,
        }
    }
}

impl Entry {
    /// An entry for `key` holding `value`, packed when it fits.
    pub fn new(key: &[u8], value: Value, lru: u32) -> Entry {
        let mut e = Entry::Packed {
            meta: lru & LRU_MASK,
            klen: 0,
            vlen: 0,
            buf: [0; PACKED_CAP],
        };
        e.store(key, value);
        e
    }

    /// The same value and clock under another key (RENAME).
    pub fn rekeyed(self, key: &[u8]) -> Entry {
        let lru = self.lru();
        match self {
            Entry::Inline { meta, value, .. } if !matches!(*value, Value::Str(_)) => {
                Entry::with_boxed(key, value, meta)
            }
            Entry::Boxed { meta, obj } if !matches!(obj.1, Value::Str(_)) => {
                Entry::with_boxed(key, Box::new(obj.1), meta)
            }
            // Strings are rebuilt so that they pack under the new key.
            other => Entry::new(key, other.value().into_owned(), lru),
        }
    }

    /// Replaces the value, keeping the key, the clock and the expiry flag.
    pub fn set_value(&mut self, value: Value) {
        let key: Box<[u8]> = self.key().into();
        self.store(&key, value);
    }

    fn store(&mut self, key: &[u8], value: Value) {
        let keep = self.meta() & (LRU_MASK | HAS_EXPIRE);
        if let Value::Str(s) = &value {
            let (bytes, int): (Cow<'_, [u8]>, bool) = match s {
                StrValue::Int(n) => (Cow::Owned(n.to_string().into_bytes()), true),
                StrValue::Bytes { data, raw: false } => (Cow::Borrowed(data), false),
                StrValue::Bytes { raw: true, .. } => (Cow::Borrowed(&[][..]), false),
            };
            let raw = matches!(s, StrValue::Bytes { raw: true, .. });
            if !raw && key.len() + bytes.len() <= PACKED_CAP && bytes.len() <= EMBSTR_MAX {
                let mut buf = [0u8; PACKED_CAP];
                buf[..key.len()].copy_from_slice(key);
                buf[key.len()..key.len() + bytes.len()].copy_from_slice(&bytes);
                *self = Entry::Packed {
                    meta: keep | if int { PACKED_INT } else { 0 },
                    klen: key.len() as u8,
                    vlen: bytes.len() as u8,
                    buf,
                };
                return;
            }
        }
        *self = Entry::with_boxed(key, Box::new(value), keep);
    }

    /// An unpacked entry: the key inline when it fits.
    fn with_boxed(key: &[u8], value: Box<Value>, meta: u32) -> Entry {
        if key.len() <= INLINE_KEY_CAP {
            let mut buf = [0u8; INLINE_KEY_CAP];
            buf[..key.len()].copy_from_slice(key);
            Entry::Inline {
                meta,
                klen: key.len() as u8,
                key: buf,
                value,
            }
        } else {
            Entry::Boxed {
                meta,
                obj: Box::new((key.into(), *value)),
            }
        }
    }

    /// The unpacked value (`None` for a packed string).
    pub fn object(&self) -> Option<&Value> {
        match self {
            Entry::Packed { .. } => None,
            Entry::Inline { value, .. } => Some(value),
            Entry::Boxed { obj, .. } => Some(&obj.1),
        }
    }

    /// The unpacked value for in-place modification (`None` for a packed
    /// string: see [`Entry::value_mut`]).
    pub fn object_mut(&mut self) -> Option<&mut Value> {
        match self {
            Entry::Packed { .. } => None,
            Entry::Inline { value, .. } => Some(value),
            Entry::Boxed { obj, .. } => Some(&mut obj.1),
        }
    }

    fn meta(&self) -> u32 {
        match self {
            Entry::Packed { meta, .. } | Entry::Inline { meta, .. } | Entry::Boxed { meta, .. } => {
                *meta
            }
        }
    }

    fn meta_mut(&mut self) -> &mut u32 {
        match self {
            Entry::Packed { meta, .. } | Entry::Inline { meta, .. } | Entry::Boxed { meta, .. } => {
                meta
            }
        }
    }

    /// The LRU clock (seconds, 24 bits) of the last access.
    pub fn lru(&self) -> u32 {
        self.meta() & LRU_MASK
    }

    /// Sets the LRU clock.
    pub fn set_lru(&mut self, clock: u32) {
        let m = self.meta_mut();
        *m = (*m & !LRU_MASK) | (clock & LRU_MASK);
    }

    /// Whether the key has an entry in the expiry table.
    pub fn has_expire(&self) -> bool {
        self.meta() & HAS_EXPIRE != 0
    }

    pub(crate) fn set_has_expire(&mut self, on: bool) {
        let m = self.meta_mut();
        if on {
            *m |= HAS_EXPIRE;
        } else {
            *m &= !HAS_EXPIRE;
        }
    }

    /// The value as a string, or `None` if it is of another type.
    pub fn as_str(&self) -> Option<StrRef<'_>> {
        match self {
            Entry::Packed {
                klen, vlen, buf, ..
            } => Some(StrRef::Bytes(
                &buf[*klen as usize..*klen as usize + *vlen as usize],
            )),
            _ => match self.object()? {
                Value::Str(StrValue::Int(n)) => Some(StrRef::Int(*n)),
                Value::Str(StrValue::Bytes { data, .. }) => Some(StrRef::Bytes(data)),
                _ => None,
            },
        }
    }

    /// The value, unpacked (a copy for packed entries).
    pub fn value(&self) -> Cow<'_, Value> {
        match self {
            Entry::Packed {
                meta,
                klen,
                vlen,
                buf,
            } => {
                let bytes = &buf[*klen as usize..*klen as usize + *vlen as usize];
                let s = if meta & PACKED_INT != 0 {
                    StrValue::Int(parse_i64(bytes).unwrap_or_default())
                } else {
                    StrValue::Bytes {
                        data: bytes.to_vec(),
                        raw: false,
                    }
                };
                Cow::Owned(Value::Str(s))
            }
            Entry::Inline { value, .. } => Cow::Borrowed(value),
            Entry::Boxed { obj, .. } => Cow::Borrowed(&obj.1),
        }
    }

    /// The value for in-place modification; a packed entry is boxed first.
    pub fn value_mut(&mut self) -> &mut Value {
        if let Entry::Packed { .. } = self {
            let value = Box::new(self.value().into_owned());
            let meta = self.meta() & (LRU_MASK | HAS_EXPIRE);
            *self = Entry::with_boxed(self.key(), value, meta);
        }
        match self {
            Entry::Inline { value, .. } => value,
            Entry::Boxed { obj, .. } => &mut obj.1,
            Entry::Packed { .. } => unreachable!("unpacked above"),
        }
    }

    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Entry::Packed { .. } => "string",
            Entry::Inline { value, .. } => value.type_name(),
            Entry::Boxed { obj, .. } => obj.1.type_name(),
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Entry::Packed { meta, .. } if meta & PACKED_INT != 0 => "int",
            Entry::Packed { .. } => "embstr",
            Entry::Inline { value, .. } => value.encoding(),
            Entry::Boxed { obj, .. } => obj.1.encoding(),
        }
    }

    /// Heap bytes owned by the entry beyond its slot (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            Entry::Packed { .. } => 0,
            Entry::Inline { value, .. } => std::mem::size_of::<Value>() + value.heap_size(),
            Entry::Boxed { obj, .. } => {
                std::mem::size_of::<(Box<[u8]>, Value)>() + obj.0.len() + obj.1.heap_size()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_is_48_bytes_and_option_is_free() {
        assert_eq!(std::mem::size_of::<Entry>(), 48);
        assert_eq!(std::mem::size_of::<Option<Entry>>(), 48);
    }

    #[test]
    fn small_strings_pack() {
        let e = Entry::new(
            b"key:000000000001",
            Value::Str(StrValue::from_bytes(b"val:000000000001")),
            7,
        );
        assert!(matches!(e, Entry::Packed { .. }));
        assert_eq!(e.key(), b"key:000000000001");
        assert_eq!(e.as_str(), Some(StrRef::Bytes(b"val:000000000001")));
        assert_eq!(e.encoding(), "embstr");
        assert_eq!(e.lru(), 7);
    }

    #[test]
    fn ints_pack_with_their_encoding() {
        let mut e = Entry::new(b"n", Value::Str(StrValue::Int(-42)), 0);
        assert_eq!(e.encoding(), "int");
        assert_eq!(e.as_str().unwrap().to_i64(), Some(-42));
        e.set_has_expire(true);
        e.set_value(Value::Str(StrValue::Int(7)));
        assert!(e.has_expire());
        assert!(matches!(
            e.value().into_owned(),
            Value::Str(StrValue::Int(7))
        ));
    }

    #[test]
    fn big_and_raw_values_box() {
        let long = vec![b'x'; 41];
        let e = Entry::new(b"k", Value::Str(StrValue::from_bytes(&long)), 0);
        assert!(matches!(e, Entry::Inline { .. }));
        assert_eq!(e.as_str(), Some(StrRef::Bytes(&long[..])));
        let mut e = Entry::new(b"k", Value::Str(StrValue::from_bytes(b"ab")), 0);
        let Value::Str(s) = e.value_mut() else {
            panic!("a string")
        };
        s.make_raw().push(b'c');
        assert_eq!(e.encoding(), "raw");
        assert_eq!(e.as_str(), Some(StrRef::Bytes(b"abc")));
        assert_eq!(e.key(), b"k");
    }

    #[test]
    fn long_keys_box_with_their_value_and_rekey_across_forms() {
        let long_key = vec![b'k'; INLINE_KEY_CAP + 1];
        let list = || Value::List(Box::new(crate::list::ListValue::new(-2, 0)));
        let e = Entry::new(&long_key, list(), 3);
        assert!(matches!(e, Entry::Boxed { .. }));
        assert_eq!(e.key(), &long_key[..]);
        let e = e.rekeyed(b"short");
        assert!(matches!(e, Entry::Inline { .. }));
        assert_eq!((e.key(), e.lru()), (&b"short"[..], 3));
        let e = e.rekeyed(&long_key);
        assert_eq!(e.type_name(), "list");
        let mut e = Entry::new(&long_key, Value::Str(StrValue::Int(5)), 0);
        assert!(matches!(e, Entry::Packed { .. }));
        e.set_value(list());
        assert!(matches!(e, Entry::Boxed { .. }));
        assert_eq!((e.key(), e.encoding()), (&long_key[..], "quicklist"));
        assert!(matches!(e.rekeyed(b"k"), Entry::Inline { .. }));
    }
}
