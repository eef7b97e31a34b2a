//! String commands: GET, SET and its options, APPEND, INCR*, GETRANGE,
//! SETRANGE, GETEX, GETDEL, MSETNX, LCS.

use crate::entry::{Entry, StrRef};
use crate::events::class;
use crate::value::{StrValue, Value};
use crate::{Result, Status, Store};

/// SET's NX / XX.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SetCondition {
    /// Always write.
    #[default]
    Always,
    /// NX: only when the key does not exist.
    IfAbsent,
    /// XX: only when the key exists.
    IfPresent,
}

/// What SET does with the key's time to live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SetExpiry {
    /// No option: any previous TTL is removed.
    #[default]
    Clear,
    /// KEEPTTL.
    Keep,
    /// EX/PX/EXAT/PXAT, as an absolute time in ms.
    At(i64),
}

/// Options of SET.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetOptions {
    /// NX / XX.
    pub condition: SetCondition,
    /// TTL handling.
    pub expiry: SetExpiry,
    /// GET: return the old value.
    pub get: bool,
}

/// What SET did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// Whether the condition held (the value was written or, with a past
    /// expiry, the key was deleted).
    pub written: bool,
    /// With GET: the previous value, if any.
    pub old: Option<Vec<u8>>,
}

/// GETEX's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetExExpiry {
    /// No option: the TTL is untouched.
    Unchanged,
    /// PERSIST.
    Persist,
    /// EX/PX/EXAT/PXAT as an absolute time in ms.
    At(i64),
}

fn as_str(e: &Entry) -> Result<StrRef<'_>> {
    e.as_str().ok_or(Status::WrongType)
}

fn as_str_mut(e: &mut Entry) -> Result<&mut StrValue> {
    match e.value_mut() {
        Value::Str(s) => Ok(s),
        #[allow(unreachable_patterns)]
        _ => Err(Status::WrongType),
    }
}

impl Store {
    /// GET: the string at `key`.
    pub fn get(&mut self, db: usize, key: &[u8]) -> Result<Option<StrRef<'_>>> {
        match self.lookup_read(db, key) {
            None => Ok(None),
            Some(e) => as_str(e).map(Some),
        }
    }

    /// GET, returning owned bytes (a convenience for embedders).
    pub fn get_bytes(&mut self, db: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.get(db, key)?.map(|s| s.to_bytes().into_owned()))
    }

    /// SET with its options.
    pub fn set(
        &mut self,
        db: usize,
        key: &[u8],
        val: &[u8],
        opts: &SetOptions,
    ) -> Result<SetOutcome> {
        // GET reads the old value as GET does (hit/miss, `keymiss`).
        let existing = if opts.get {
            self.lookup_read(db, key)
        } else {
            self.lookup_write(db, key)
        };
        let exists = existing.is_some();
        let old = match (opts.get, existing) {
            (true, Some(e)) => Some(as_str(e)?.to_bytes().into_owned()),
            _ => None,
        };
        let ok = match opts.condition {
            SetCondition::Always => true,
            SetCondition::IfAbsent => !exists,
            SetCondition::IfPresent => exists,
        };
        if !ok {
            return Ok(SetOutcome {
                written: false,
                old,
            });
        }
        self.stats.dirty += 1;
        // A deadline already in the past is stored as is, as redis-server
        // 7.0 does: the key expires at its next access or expiry cycle.
        let entry = self.new_entry(key, Value::Str(StrValue::from_bytes(val)));
        self.put(db, entry, opts.expiry == SetExpiry::Keep);
        self.notify(db, key, "set", class::STRING);
        if let SetExpiry::At(at) = opts.expiry {
            self.db_mut(db).set_expire(key, at);
            self.notify(db, key, "expire", class::GENERIC);
        }
        Ok(SetOutcome { written: true, old })
    }

    /// Stores a string value as a plain SET does (MSET, MSETNX): any TTL is
    /// dropped and a `set` event recorded.
    pub fn set_value(&mut self, db: usize, key: &[u8], val: StrValue) {
        self.create_string(db, key, val);
        self.notify(db, key, "set", class::STRING);
    }

    /// Stores a string over whatever `key` holds, with no event but `new`.
    fn create_string(&mut self, db: usize, key: &[u8], val: StrValue) {
        self.expire_if_needed(db, key);
        let entry = self.new_entry(key, Value::Str(val));
        self.put(db, entry, false);
        self.stats.dirty += 1;
    }

    /// MSETNX: sets every pair only if none of the keys exists.
    pub fn msetnx(&mut self, db: usize, pairs: &[(&[u8], &[u8])]) -> bool {
        if pairs
            .iter()
            .any(|(k, _)| self.lookup_write(db, k).is_some())
        {
            return false;
        }
        for (k, v) in pairs {
            self.set_value(db, k, StrValue::from_bytes(v));
        }
        true
    }

    /// GETDEL.
    pub fn getdel(&mut self, db: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let Some(e) = self.lookup_read(db, key) else {
            return Ok(None);
        };
        let bytes = as_str(e)?.to_bytes().into_owned();
        self.db_mut(db).remove(key);
        self.notify(db, key, "del", class::GENERIC);
        self.stats.dirty += 1;
        Ok(Some(bytes))
    }

    /// GETEX.
    pub fn getex(&mut self, db: usize, key: &[u8], expiry: GetExExpiry) -> Result<Option<Vec<u8>>> {
        let now = self.now_ms;
        let Some(e) = self.lookup_read(db, key) else {
            return Ok(None);
        };
        let bytes = as_str(e)?.to_bytes().into_owned();
        match expiry {
            GetExExpiry::Unchanged => {}
            GetExExpiry::Persist => {
                if self.db_mut(db).persist(key) {
                    self.notify(db, key, "persist", class::GENERIC);
                    self.stats.dirty += 1;
                }
            }
            GetExExpiry::At(at) if at <= now => {
                self.db_mut(db).remove(key);
                self.notify(db, key, "del", class::GENERIC);
                self.stats.dirty += 1;
            }
            GetExExpiry::At(at) => {
                self.db_mut(db).set_expire(key, at);
                self.notify(db, key, "expire", class::GENERIC);
                self.stats.dirty += 1;
            }
        }
        Ok(Some(bytes))
    }

    /// STRLEN.
    pub fn strlen(&mut self, db: usize, key: &[u8]) -> Result<usize> {
        match self.lookup_read(db, key) {
            None => Ok(0),
            Some(e) => Ok(as_str(e)?.len()),
        }
    }

    /// APPEND: returns the new length.
    pub fn append(&mut self, db: usize, key: &[u8], tail: &[u8]) -> Result<usize> {
        let max = self.config.max_string;
        match self.lookup_write(db, key) {
            None => {
                self.create_string(db, key, StrValue::from_bytes(tail));
                self.notify(db, key, "append", class::STRING);
                Ok(tail.len())
            }
            Some(e) => {
                let s = as_str_mut(e)?;
                if s.len() + tail.len() > max {
                    return Err(Status::TooLarge);
                }
                let data = s.make_raw();
                data.extend_from_slice(tail);
                let len = data.len();
                self.stats.dirty += 1;
                self.notify(db, key, "append", class::STRING);
                Ok(len)
            }
        }
    }

    /// INCRBY / DECRBY / INCR / DECR: returns the new value.
    pub fn incr_by(&mut self, db: usize, key: &[u8], delta: i64) -> Result<i64> {
        match self.lookup_write(db, key) {
            None => {
                self.create_string(db, key, StrValue::Int(delta));
                self.notify(db, key, "incrby", class::STRING);
                Ok(delta)
            }
            Some(e) => {
                let cur = as_str(e)?.to_i64().ok_or(Status::NotInteger)?;
                let new = cur.checked_add(delta).ok_or(Status::Overflow)?;
                e.set_value(Value::Str(StrValue::Int(new)));
                self.stats.dirty += 1;
                self.notify(db, key, "incrby", class::STRING);
                Ok(new)
            }
        }
    }

    /// INCRBYFLOAT with Redis's x87 `long double` arithmetic and its
    /// `%.17Lf`-and-trim formatting: returns the new value.
    pub fn incr_by_float(&mut self, db: usize, key: &[u8], incr: &[u8]) -> Result<Vec<u8>> {
        use cedis_types::long_double::{incr_by_float, IncrFloatError};
        let current = match self.lookup_write(db, key) {
            None => b"0".to_vec(),
            Some(e) => as_str(e)?.to_bytes().into_owned(),
        };
        let text = incr_by_float(&current, incr).map_err(|e| match e {
            IncrFloatError::NanOrInfinity | IncrFloatError::IncrementNanOrInfinity => {
                Status::NanOrInfinity
            }
            _ => Status::NotFloat,
        })?;
        let value = StrValue::Bytes {
            data: text.clone(),
            raw: text.len() > crate::value::EMBSTR_MAX,
        };
        let entry = self.new_entry(key, Value::Str(value));
        self.put(db, entry, true);
        self.stats.dirty += 1;
        self.notify(db, key, "incrbyfloat", class::STRING);
        Ok(text)
    }

    /// GETRANGE with Redis's index rules (negative from the end, clamped).
    pub fn getrange(&mut self, db: usize, key: &[u8], start: i64, end: i64) -> Result<Vec<u8>> {
        let Some(e) = self.lookup_read(db, key) else {
            return Ok(Vec::new());
        };
        let s = as_str(e)?;
        let bytes = s.to_bytes();
        Ok(substring(&bytes, start, end).to_vec())
    }

    /// SETRANGE: returns the new length.
    pub fn setrange(&mut self, db: usize, key: &[u8], offset: usize, data: &[u8]) -> Result<usize> {
        let max = self.config.max_string;
        let fits = |len: usize| offset.checked_add(len).is_some_and(|end| end <= max);
        match self.lookup_write(db, key) {
            None => {
                if data.is_empty() {
                    return Ok(0);
                }
                if !fits(data.len()) {
                    return Err(Status::TooLarge);
                }
                let mut buf = vec![0u8; offset + data.len()];
                buf[offset..].copy_from_slice(data);
                let len = buf.len();
                self.create_string(db, key, StrValue::raw(buf));
                self.notify(db, key, "setrange", class::STRING);
                Ok(len)
            }
            Some(e) => {
                let s = as_str_mut(e)?;
                if data.is_empty() {
                    return Ok(s.len());
                }
                if !fits(data.len()) {
                    return Err(Status::TooLarge);
                }
                let buf = s.make_raw();
                if buf.len() < offset + data.len() {
                    buf.resize(offset + data.len(), 0);
                }
                buf[offset..offset + data.len()].copy_from_slice(data);
                let len = buf.len();
                self.stats.dirty += 1;
                self.notify(db, key, "setrange", class::STRING);
                Ok(len)
            }
        }
    }

    /// The two strings LCS compares (missing keys read as empty).
    pub fn lcs_inputs(&mut self, db: usize, a: &[u8], b: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        let mut read = |key: &[u8]| -> Result<Vec<u8>> {
            match self.lookup_read(db, key) {
                None => Ok(Vec::new()),
                Some(e) => Ok(as_str(e)?.to_bytes().into_owned()),
            }
        };
        let x = read(a)?;
        let y = read(b)?;
        Ok((x, y))
    }
}

/// Redis's substring rule shared by GETRANGE and SUBSTR.
pub(crate) fn substring(s: &[u8], mut start: i64, mut end: i64) -> &[u8] {
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return &[];
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return &[];
    }
    &s[start as usize..=end as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        let mut s = Store::new(16);
        s.set_time(1_000_000);
        s
    }

    #[test]
    fn set_nx_xx_get() {
        let mut s = store();
        let nx = SetOptions {
            condition: SetCondition::IfAbsent,
            ..Default::default()
        };
        assert!(s.set(0, b"k", b"v1", &nx).unwrap().written);
        assert!(!s.set(0, b"k", b"v2", &nx).unwrap().written);
        let xx_get = SetOptions {
            condition: SetCondition::IfPresent,
            get: true,
            ..Default::default()
        };
        let out = s.set(0, b"k", b"v3", &xx_get).unwrap();
        assert_eq!(
            out,
            SetOutcome {
                written: true,
                old: Some(b"v1".to_vec())
            }
        );
        assert_eq!(s.get_bytes(0, b"k").unwrap(), Some(b"v3".to_vec()));
    }

    #[test]
    fn set_in_the_past_expires() {
        let mut s = store();
        s.set(0, b"k", b"v", &SetOptions::default()).unwrap();
        let past = SetOptions {
            expiry: SetExpiry::At(1),
            ..Default::default()
        };
        assert!(s.set(0, b"k", b"v", &past).unwrap().written);
        assert!(!s.exists(0, b"k"));
    }

    #[test]
    fn keepttl_keeps_the_deadline() {
        let mut s = store();
        let ex = SetOptions {
            expiry: SetExpiry::At(2_000_000),
            ..Default::default()
        };
        s.set(0, b"k", b"v", &ex).unwrap();
        let keep = SetOptions {
            expiry: SetExpiry::Keep,
            ..Default::default()
        };
        s.set(0, b"k", b"w", &keep).unwrap();
        assert_eq!(s.pttl(0, b"k"), Some(Some(1_000_000)));
        s.set(0, b"k", b"x", &SetOptions::default()).unwrap();
        assert_eq!(s.pttl(0, b"k"), Some(None));
    }

    #[test]
    fn incr_rules() {
        let mut s = store();
        assert_eq!(s.incr_by(0, b"n", 1).unwrap(), 1);
        assert_eq!(s.incr_by(0, b"n", -3).unwrap(), -2);
        s.set(0, b"m", b"9223372036854775807", &SetOptions::default())
            .unwrap();
        assert_eq!(s.incr_by(0, b"m", 1), Err(Status::Overflow));
        s.set(0, b"x", b" 1", &SetOptions::default()).unwrap();
        assert_eq!(s.incr_by(0, b"x", 1), Err(Status::NotInteger));
    }

    #[test]
    fn append_and_setrange() {
        let mut s = store();
        assert_eq!(s.append(0, b"k", b"ab").unwrap(), 2);
        assert_eq!(s.append(0, b"k", b"cd").unwrap(), 4);
        assert_eq!(s.setrange(0, b"k", 6, b"z").unwrap(), 7);
        assert_eq!(s.get_bytes(0, b"k").unwrap(), Some(b"abcd\0\0z".to_vec()));
        assert_eq!(s.setrange(0, b"new", 0, b"").unwrap(), 0);
        assert!(!s.exists(0, b"new"));
        s.config.max_string = 10;
        assert_eq!(s.setrange(0, b"k", 10, b"a"), Err(Status::TooLarge));
    }

    #[test]
    fn incrbyfloat_uses_long_double() {
        let mut s = store();
        assert_eq!(s.incr_by_float(0, b"f", b"0.1").unwrap(), b"0.1");
        assert_eq!(s.incr_by_float(0, b"f", b"0.2").unwrap(), b"0.3");
        assert_eq!(s.incr_by_float(0, b"f", b"abc"), Err(Status::NotFloat));
        assert_eq!(s.incr_by_float(0, b"f", b"inf"), Err(Status::NanOrInfinity));
        s.set(0, b"t", b"x", &SetOptions::default()).unwrap();
        assert_eq!(s.incr_by_float(0, b"t", b"1"), Err(Status::NotFloat));
    }

    #[test]
    fn substring_rules() {
        let s = b"This is a string";
        assert_eq!(substring(s, 0, 3), b"This");
        assert_eq!(substring(s, -3, -1), b"ing");
        assert_eq!(substring(s, 0, -1), s);
        assert_eq!(substring(s, 10, 100), b"string");
        assert_eq!(substring(s, 5, 3), b"");
        assert_eq!(substring(s, -1, -5), b"");
        assert_eq!(substring(b"", 0, -1), b"");
    }
}
