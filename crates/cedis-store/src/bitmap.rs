//! Bitmap commands on string values: SETBIT, GETBIT, BITOP, BITFIELD, and
//! read access to a string's bytes for BITCOUNT and BITPOS.
//!
//! The bit-level work is `cedis_types::bitops`; this module does the key
//! handling: lookups with their expiry and statistics, type checks, growing
//! a string with zero bytes before a write, and the `raw` encoding every
//! string modified in place ends up with (as with APPEND and SETRANGE).
//! Offsets arrive validated against `proto-max-bulk-len` by the caller.

use std::borrow::Cow;

use cedis_types::bitops::{self, BitOp, BitfieldOp};

use crate::entry::{Entry, StrRef};
use crate::events::class;
use crate::value::{StrValue, Value};
use crate::{Result, Status, Store};

fn bytes_mut(e: &mut Entry) -> Result<&mut Vec<u8>> {
    if e.as_str().is_none() {
        return Err(Status::WrongType);
    }
    match e.value_mut() {
        Value::Str(s) => Ok(s.make_raw()),
        #[allow(unreachable_patterns)]
        _ => Err(Status::WrongType),
    }
}

impl Store {
    /// Runs `f` over the bytes of the string at `key` (an `int` value is
    /// seen in its decimal form): `Ok(None)` if the key does not exist,
    /// `WrongType` if it is not a string. A read lookup: it counts a hit or
    /// a miss and refreshes the key's access clock.
    pub fn read_string<R>(
        &mut self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>> {
        let Some(e) = self.lookup_read(db, key) else {
            return Ok(None);
        };
        let s = e.as_str().ok_or(Status::WrongType)?;
        Ok(Some(f(&s.to_bytes())))
    }

    /// Runs `f` over the mutable bytes of the string at `key`, created or
    /// grown with zero bytes to at least `min_len` bytes first; the value
    /// becomes `raw`. `f` learns whether the key was created or grown.
    /// Counts no dirty change: callers do.
    fn modify_string<R>(
        &mut self,
        db: usize,
        key: &[u8],
        min_len: usize,
        f: impl FnOnce(&mut [u8], bool) -> R,
    ) -> Result<R> {
        if let Some(e) = self.lookup_write(db, key) {
            let data = bytes_mut(e)?;
            let grown = data.len() < min_len;
            if grown {
                data.resize(min_len, 0);
            }
            return Ok(f(data, grown));
        }
        let mut data = vec![0u8; min_len];
        let out = f(&mut data, true);
        let entry = self.new_entry(key, Value::Str(StrValue::raw(data)));
        self.put(db, entry, false);
        Ok(out)
    }

    /// GETBIT: the bit at `offset` (0 past the end or for a missing key).
    pub fn getbit(&mut self, db: usize, key: &[u8], offset: u64) -> Result<bool> {
        Ok(self
            .read_string(db, key, |s| bitops::get_bit(s, offset))?
            .unwrap_or(false))
    }

    /// SETBIT: sets or clears the bit at `offset`, growing the string as
    /// needed; returns the previous bit. As in Redis 7.0, only a created
    /// key, a longer string or a flipped bit counts as a change (dirty and
    /// the `setbit` event).
    pub fn setbit(&mut self, db: usize, key: &[u8], offset: u64, on: bool) -> Result<bool> {
        let min_len = usize::try_from(offset / 8 + 1).map_err(|_| Status::TooLarge)?;
        let (old, grown) = self.modify_string(db, key, min_len, |s, grown| {
            (bitops::set_bit(s, offset, on), grown)
        })?;
        if grown || old != on {
            self.stats.dirty += 1;
            self.notify(db, key, "setbit", class::STRING);
        }
        Ok(old)
    }

    /// BITOP: combines the strings at `srcs` (missing keys are empty) into
    /// `dest`, which loses any TTL; an empty result deletes `dest`. Returns
    /// the length of the result.
    pub fn bitop(&mut self, db: usize, op: BitOp, dest: &[u8], srcs: &[&[u8]]) -> Result<usize> {
        // One read lookup per source, for expiry, statistics and types.
        let mut live = Vec::with_capacity(srcs.len());
        for key in srcs {
            let found = match self.lookup_read(db, key) {
                None => false,
                Some(e) if e.as_str().is_some() => true,
                Some(_) => return Err(Status::WrongType),
            };
            live.push(found);
        }
        let ks = self.db(db);
        let values: Vec<_> = srcs
            .iter()
            .zip(&live)
            .map(|(key, &found)| {
                found
                    .then(|| ks.get(key).and_then(Entry::as_str))
                    .flatten()
                    .map(|s| match s {
                        StrRef::Bytes(b) => Cow::Borrowed(b),
                        StrRef::Int(n) => Cow::Owned(n.to_string().into_bytes()),
                    })
                    .unwrap_or_default()
            })
            .collect();
        let refs: Vec<&[u8]> = values.iter().map(|v| v.as_ref()).collect();
        let result = bitops::bitop(op, &refs);
        drop(values);
        let len = result.len();
        if len > 0 {
            self.expire_if_needed(db, dest);
            let entry = self.new_entry(dest, Value::Str(StrValue::raw(result)));
            self.put(db, entry, false);
            self.stats.dirty += 1;
            self.notify(db, dest, "set", class::STRING);
        } else if !self.expire_if_needed(db, dest) && self.db_mut(db).remove(dest).is_some() {
            self.stats.dirty += 1;
            self.notify(db, dest, "del", class::GENERIC);
        }
        Ok(len)
    }

    /// BITFIELD / BITFIELD_RO: runs `ops` in order and answers one value
    /// per operation (`None` where an overflow under FAIL wrote nothing).
    /// Without writes this is a read lookup and a missing key reads as
    /// zeros; with writes the string is created or grown to cover the
    /// farthest written bit first, even if every write then fails. As in
    /// Redis 7.0, a write counts as a change (dirty, and one `setbit` event
    /// for the command) only if it was not refused by FAIL and either the
    /// string was created or grown or the field's value changed.
    pub fn bitfield(
        &mut self,
        db: usize,
        key: &[u8],
        ops: &[BitfieldOp],
    ) -> Result<Vec<Option<i64>>> {
        if !ops.iter().any(BitfieldOp::is_write) {
            let read = |s: &[u8]| ops.iter().map(|o| Some(o.get(s))).collect();
            return Ok(self
                .read_string(db, key, read)?
                .unwrap_or_else(|| vec![Some(0); ops.len()]));
        }
        let last = ops
            .iter()
            .filter(|o| o.is_write())
            .map(BitfieldOp::last_bit)
            .max()
            .unwrap_or(0);
        let min_len = usize::try_from(last / 8 + 1).map_err(|_| Status::TooLarge)?;
        let (out, changes) = self.modify_string(db, key, min_len, |s, grown| {
            let mut changes = 0u64;
            let out = ops
                .iter()
                .map(|o| {
                    let before = o.is_write().then(|| o.get(s));
                    let r = o.apply(s);
                    if r.is_some() && before.is_some_and(|b| grown || b != o.get(s)) {
                        changes += 1;
                    }
                    r
                })
                .collect();
            (out, changes)
        })?;
        if changes > 0 {
            self.stats.dirty += changes;
            self.notify(db, key, "setbit", class::STRING);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use cedis_types::bitops::{FieldOp, FieldType, Overflow};

    use super::*;
    use crate::SetOptions;

    fn store() -> Store {
        let mut s = Store::new(16);
        s.set_time(1_000_000);
        s
    }

    fn encoding(s: &mut Store, key: &[u8]) -> &'static str {
        s.lookup_read(0, key)
            .map(|e| e.encoding())
            .unwrap_or("none")
    }

    #[test]
    fn setbit_grows_and_makes_raw() {
        let mut s = store();
        assert!(!s.setbit(0, b"k", 7, true).unwrap());
        assert_eq!(s.get_bytes(0, b"k").unwrap(), Some(vec![1]));
        assert!(s.setbit(0, b"k", 7, false).unwrap());
        assert!(!s.setbit(0, b"k", 23, true).unwrap());
        assert_eq!(s.get_bytes(0, b"k").unwrap(), Some(vec![0, 0, 1]));
        assert_eq!(encoding(&mut s, b"k"), "raw");

        s.set(0, b"n", b"12", &SetOptions::default()).unwrap();
        assert_eq!(encoding(&mut s, b"n"), "int");
        assert!(s.getbit(0, b"n", 2).unwrap());
        assert!(!s.setbit(0, b"n", 0, true).unwrap());
        assert_eq!(s.get_bytes(0, b"n").unwrap(), Some(b"\xb12".to_vec()));
        assert_eq!(encoding(&mut s, b"n"), "raw");
        assert!(!s.getbit(0, b"missing", 100).unwrap());
    }

    #[test]
    fn bitop_stores_raw_and_deletes_on_empty() {
        let mut s = store();
        s.set(0, b"a", b"foobar", &SetOptions::default()).unwrap();
        s.set(0, b"i", b"1", &SetOptions::default()).unwrap();
        assert_eq!(s.bitop(0, BitOp::And, b"d", &[b"a", b"nope"]).unwrap(), 6);
        assert_eq!(s.get_bytes(0, b"d").unwrap(), Some(vec![0; 6]));
        assert_eq!(s.bitop(0, BitOp::Or, b"d", &[b"i"]).unwrap(), 1);
        assert_eq!(s.get_bytes(0, b"d").unwrap(), Some(b"1".to_vec()));
        assert_eq!(encoding(&mut s, b"d"), "raw");
        assert_eq!(s.bitop(0, BitOp::Not, b"d", &[b"nope"]).unwrap(), 0);
        assert!(!s.exists(0, b"d"));
        // The destination may be a source.
        assert_eq!(s.bitop(0, BitOp::Xor, b"a", &[b"a", b"a"]).unwrap(), 6);
        assert_eq!(s.get_bytes(0, b"a").unwrap(), Some(vec![0; 6]));
    }

    #[test]
    fn bitfield_reads_writes_and_fail_still_grows() {
        let mut s = store();
        let op = |op, ty: &[u8], offset, overflow| BitfieldOp {
            op,
            ty: FieldType::parse(ty).unwrap(),
            offset,
            overflow,
        };
        let get = op(FieldOp::Get, b"u8", 0, Overflow::Wrap);
        assert_eq!(s.bitfield(0, b"k", &[get]).unwrap(), vec![Some(0)]);
        assert!(!s.exists(0, b"k"));
        let fail = op(FieldOp::IncrBy(300), b"u8", 100, Overflow::Fail);
        assert_eq!(
            s.bitfield(0, b"k", &[fail, get]).unwrap(),
            vec![None, Some(0)]
        );
        assert_eq!(s.strlen(0, b"k").unwrap(), 14);
        let set = op(FieldOp::Set(0x31), b"u8", 0, Overflow::Wrap);
        assert_eq!(
            s.bitfield(0, b"k", &[set, get]).unwrap(),
            vec![Some(0), Some(0x31)]
        );
    }

    #[test]
    fn dirty_counts_only_changes() {
        let mut s = store();
        let set = |v, offset| BitfieldOp {
            op: FieldOp::Set(v),
            ty: FieldType::parse(b"i5").unwrap(),
            offset,
            overflow: Overflow::Fail,
        };
        let dirty = |s: &mut Store| std::mem::take(&mut s.stats.dirty);
        s.setbit(0, b"a", 0, false).unwrap();
        s.bitfield(0, b"b", &[set(0, 0)]).unwrap();
        assert_eq!(dirty(&mut s), 2, "created");
        s.setbit(0, b"a", 0, false).unwrap();
        s.bitfield(0, b"b", &[set(0, 0)]).unwrap();
        assert_eq!(dirty(&mut s), 0, "unchanged");
        for v in [true, true, false, false] {
            s.setbit(0, b"a", 0, v).unwrap();
        }
        for v in [1, 1, 0, 0] {
            s.bitfield(0, b"b", &[set(v, 0)]).unwrap();
        }
        assert_eq!(dirty(&mut s), 4, "two flips each");
        s.setbit(0, b"a", 90, false).unwrap();
        s.bitfield(0, b"b", &[set(0, 90)]).unwrap();
        assert_eq!(dirty(&mut s), 2, "grown");
        // A write refused by FAIL changes nothing, even when it grew the string.
        s.bitfield(0, b"b", &[set(100, 200)]).unwrap();
        assert_eq!(dirty(&mut s), 0);
        assert_eq!(s.strlen(0, b"b").unwrap(), 26);
    }

    #[test]
    fn read_string_sees_missing_and_present() {
        let mut s = store();
        s.set(0, b"k", b"v", &SetOptions::default()).unwrap();
        assert_eq!(s.read_string(0, b"k", |b| b.len()).unwrap(), Some(1));
        assert_eq!(s.read_string(0, b"x", |b| b.len()).unwrap(), None);
    }
}
