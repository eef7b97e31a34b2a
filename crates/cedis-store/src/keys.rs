//! Generic key commands: DEL, EXISTS, TYPE, RENAME, COPY, MOVE, RANDOMKEY,
//! KEYS, SCAN, the EXPIRE family, TTL, PERSIST and OBJECT's views.

use cedis_types::glob::glob_match;
use rand::Rng;

use crate::entry::Entry;
use crate::events::class;
use crate::{Result, Status, Store};

/// EXPIRE's NX / XX / GT / LT.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExpireCondition {
    /// No condition.
    #[default]
    Always,
    /// NX: only if the key has no expiry.
    IfNone,
    /// XX: only if the key has an expiry.
    IfSome,
    /// GT: only if the new expiry is later (no expiry counts as infinite).
    IfGreater,
    /// LT: only if the new expiry is earlier (no expiry counts as infinite).
    IfLess,
    /// XX and LT together: only if the key has an expiry and the new one
    /// is earlier.
    IfSomeAndLess,
}

/// SCAN / KEYS filters.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanFilter<'a> {
    /// MATCH pattern.
    pub pattern: Option<&'a [u8]>,
    /// TYPE name (`string`, `list`, …).
    pub type_name: Option<&'a [u8]>,
}

impl ScanFilter<'_> {
    fn accepts(&self, key: &[u8], entry: &Entry) -> bool {
        if let Some(p) = self.pattern {
            if !glob_match(p, key, false) {
                return false;
            }
        }
        match self.type_name {
            Some(t) => t.eq_ignore_ascii_case(entry.type_name().as_bytes()),
            None => true,
        }
    }
}

impl Store {
    /// DEL / UNLINK of one key: true if it existed.
    pub fn del(&mut self, db: usize, key: &[u8]) -> bool {
        if self.lookup_write(db, key).is_none() {
            return false;
        }
        self.db_mut(db).remove(key);
        self.notify(db, key, "del", class::GENERIC);
        self.stats.dirty += 1;
        true
    }

    /// EXISTS of one key.
    pub fn exists(&mut self, db: usize, key: &[u8]) -> bool {
        self.lookup_read_with(db, key, false).is_some()
    }

    /// TOUCH of one key: refreshes its access clock.
    pub fn touch(&mut self, db: usize, key: &[u8]) -> bool {
        // TOUCH touches even for a CLIENT NO-TOUCH client.
        let saved = std::mem::replace(&mut self.config.no_touch, false);
        let found = self.lookup_read(db, key).is_some();
        self.config.no_touch = saved;
        found
    }

    /// TYPE: `none` for a missing key.
    pub fn type_of(&mut self, db: usize, key: &[u8]) -> &'static str {
        match self.lookup_read_with(db, key, false) {
            Some(e) => e.type_name(),
            None => "none",
        }
    }

    /// OBJECT ENCODING.
    pub fn object_encoding(&mut self, db: usize, key: &[u8]) -> Option<&'static str> {
        self.lookup_object(db, key).map(|e| e.encoding())
    }

    /// OBJECT IDLETIME in seconds.
    pub fn object_idletime(&mut self, db: usize, key: &[u8]) -> Option<u64> {
        let clock = self.lru_clock();
        let e = self.lookup_object(db, key)?;
        let idle = if clock >= e.lru() {
            clock - e.lru()
        } else {
            clock + (0xFF_FFFF - e.lru())
        };
        Some(u64::from(idle))
    }

    /// The value of a key without touching it (DEBUG OBJECT, MEMORY USAGE).
    pub fn peek(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.expire_if_needed(db, key);
        self.db(db).get(key)
    }

    /// RENAME / RENAMENX. Returns false when `nx` and the target exists.
    pub fn rename(&mut self, db: usize, src: &[u8], dst: &[u8], nx: bool) -> Result<bool> {
        if self.lookup_write(db, src).is_none() {
            return Err(Status::NoSuchKey);
        }
        if src == dst {
            return Ok(!nx);
        }
        if self.lookup_write(db, dst).is_some() {
            if nx {
                return Ok(false);
            }
            // The target is deleted (no event): the renamed key is `new`.
            self.db_mut(db).remove(dst);
        }
        let ks = self.db_mut(db);
        let ttl = ks.expire_of(src);
        let entry = ks.remove(src).expect("looked up above").rekeyed(dst);
        self.put(db, entry, false);
        if let Some(at) = ttl {
            self.db_mut(db).set_expire(dst, at);
        }
        self.notify(db, src, "rename_from", class::GENERIC);
        self.notify(db, dst, "rename_to", class::GENERIC);
        self.stats.dirty += 1;
        Ok(true)
    }

    /// COPY src dst [DB dst_db] [REPLACE]. `Ok(false)` when nothing was copied.
    pub fn copy(
        &mut self,
        db: usize,
        src: &[u8],
        dst_db: usize,
        dst: &[u8],
        replace: bool,
    ) -> Result<bool> {
        let Some(value) = self.lookup_write(db, src).map(|e| e.value().into_owned()) else {
            return Ok(false);
        };
        if self.lookup_write(dst_db, dst).is_some() {
            if !replace {
                return Ok(false);
            }
            // Replaced: the old key is deleted (no event) and the copy is a
            // `new` key, as in Redis.
            self.db_mut(dst_db).remove(dst);
        }
        let ttl = self.db(db).expire_of(src);
        let entry = self.new_entry(dst, value);
        self.put(dst_db, entry, false);
        if let Some(at) = ttl {
            self.db_mut(dst_db).set_expire(dst, at);
        }
        self.notify(dst_db, dst, "copy_to", class::GENERIC);
        self.stats.dirty += 1;
        Ok(true)
    }

    /// MOVE key db: false if the key is missing or exists in the target.
    pub fn move_key(&mut self, db: usize, key: &[u8], dst_db: usize) -> bool {
        if self.lookup_write(db, key).is_none() || self.lookup_write(dst_db, key).is_some() {
            return false;
        }
        let ttl = self.db(db).expire_of(key);
        let entry = self.db_mut(db).remove(key).expect("looked up above");
        self.put(dst_db, entry, false);
        if let Some(at) = ttl {
            self.db_mut(dst_db).set_expire(key, at);
        }
        self.notify(db, key, "move_from", class::GENERIC);
        self.notify(dst_db, key, "move_to", class::GENERIC);
        self.stats.dirty += 1;
        true
    }

    /// RANDOMKEY: a random live key.
    pub fn random_key(&mut self, db: usize) -> Option<Vec<u8>> {
        // Expired keys found on the way are reclaimed, as Redis does; the
        // bound keeps a database of only-expired keys from looping forever.
        let mut key = None;
        for _ in 0..100 {
            let rng = &mut self.rng;
            let k = self.dbs[db].random_key(&mut || rng.gen())?.to_vec();
            if !self.expire_if_needed(db, &k) {
                return Some(k);
            }
            key = Some(k);
        }
        key.filter(|k| self.db(db).contains(k))
    }

    /// KEYS pattern: every live matching key.
    pub fn keys(&self, db: usize, pattern: &[u8]) -> Vec<Vec<u8>> {
        let now = self.now_ms();
        let ks = self.db(db);
        let all = pattern == b"*";
        ks.keys()
            .filter(|k| all || glob_match(pattern, k, false))
            .filter(|k| ks.expire_of(k).is_none_or(|at| at > now))
            .map(<[u8]>::to_vec)
            .collect()
    }

    /// SCAN: visits about `count` buckets' worth of keys from `cursor`,
    /// pushes the live ones that pass `filter` and returns the next cursor.
    pub fn scan(
        &mut self,
        db: usize,
        cursor: u64,
        count: usize,
        filter: ScanFilter<'_>,
        out: &mut Vec<Vec<u8>>,
    ) -> u64 {
        let mut next = cursor;
        let mut visited = 0usize;
        let mut steps = 0usize;
        let mut raw: Vec<Vec<u8>> = Vec::new();
        loop {
            next = self.db(db).scan(next, |k, e| {
                visited += 1;
                if filter.accepts(k, e) {
                    raw.push(k.to_vec());
                }
            });
            steps += 1;
            // As Redis: stop once `count` keys were seen, or after visiting
            // 10 * count buckets of a sparse table.
            if next == 0 || visited >= count || steps >= count.saturating_mul(10) {
                break;
            }
        }
        for key in raw {
            if !self.expire_if_needed(db, &key) {
                out.push(key);
            }
        }
        next
    }

    /// EXPIRE family with an absolute deadline in ms; true if applied.
    pub fn expire_at(
        &mut self,
        db: usize,
        key: &[u8],
        at_ms: i64,
        cond: ExpireCondition,
    ) -> Result<bool> {
        if self.lookup_write(db, key).is_none() {
            return Ok(false);
        }
        let current = self.db(db).expire_of(key);
        let ok = match (cond, current) {
            (ExpireCondition::Always, _) => true,
            (ExpireCondition::IfNone, cur) => cur.is_none(),
            (ExpireCondition::IfSome, cur) => cur.is_some(),
            (ExpireCondition::IfGreater, Some(cur)) => at_ms > cur,
            (ExpireCondition::IfGreater, None) => false,
            (ExpireCondition::IfLess, Some(cur)) => at_ms < cur,
            (ExpireCondition::IfLess, None) => true,
            (ExpireCondition::IfSomeAndLess, Some(cur)) => at_ms < cur,
            (ExpireCondition::IfSomeAndLess, None) => false,
        };
        if !ok {
            return Ok(false);
        }
        if at_ms <= self.now_ms() {
            self.db_mut(db).remove(key);
            self.notify(db, key, "del", class::GENERIC);
        } else {
            self.db_mut(db).set_expire(key, at_ms);
            self.notify(db, key, "expire", class::GENERIC);
        }
        self.stats.dirty += 1;
        Ok(true)
    }

    /// PTTL: `None` if the key is missing, `Some(None)` if it has no expiry.
    pub fn pttl(&mut self, db: usize, key: &[u8]) -> Option<Option<i64>> {
        self.lookup_read_with(db, key, false)?;
        let now = self.now_ms();
        Some(self.db(db).expire_of(key).map(|at| (at - now).max(0)))
    }

    /// PEXPIRETIME: like [`Store::pttl`] but absolute.
    pub fn pexpiretime(&mut self, db: usize, key: &[u8]) -> Option<Option<i64>> {
        self.lookup_read_with(db, key, false)?;
        Some(self.db(db).expire_of(key))
    }

    /// PERSIST: true if a TTL was removed.
    pub fn persist(&mut self, db: usize, key: &[u8]) -> bool {
        if self.lookup_write(db, key).is_none() {
            return false;
        }
        let removed = self.db_mut(db).persist(key);
        if removed {
            self.notify(db, key, "persist", class::GENERIC);
            self.stats.dirty += 1;
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::{ExpireCondition, ScanFilter, SetOptions, Store};

    fn store_with(n: usize) -> Store {
        let mut s = Store::new(2);
        s.set_time(1_000);
        for i in 0..n {
            s.set(0, format!("k{i}").as_bytes(), b"v", &SetOptions::default())
                .unwrap();
        }
        s
    }

    #[test]
    fn scan_returns_every_key_despite_growth() {
        let mut s = store_with(1000);
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut extra = 0;
        loop {
            let mut out = Vec::new();
            cursor = s.scan(0, cursor, 10, ScanFilter::default(), &mut out);
            seen.extend(out);
            // Grow the table between calls.
            for _ in 0..20 {
                s.set(
                    0,
                    format!("x{extra}").as_bytes(),
                    b"v",
                    &SetOptions::default(),
                )
                .unwrap();
                extra += 1;
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..1000 {
            assert!(seen.contains(format!("k{i}").as_bytes()), "k{i} missing");
        }
    }

    #[test]
    fn scan_filters_and_skips_expired() {
        let mut s = store_with(50);
        s.expire_at(0, b"k1", 1_500, ExpireCondition::Always)
            .unwrap();
        s.set_time(2_000);
        let mut out = Vec::new();
        let mut cursor = 0;
        let filter = ScanFilter {
            pattern: Some(b"k1*"),
            type_name: Some(b"string"),
        };
        loop {
            cursor = s.scan(0, cursor, 100, filter, &mut out);
            if cursor == 0 {
                break;
            }
        }
        out.sort();
        let want: Vec<Vec<u8>> = (10..20).map(|i| format!("k{i}").into_bytes()).collect();
        assert_eq!(out, want);
    }

    #[test]
    fn rename_copy_move_keep_ttl() {
        let mut s = store_with(1);
        s.expire_at(0, b"k0", 5_000, ExpireCondition::Always)
            .unwrap();
        assert!(s.rename(0, b"k0", b"a", false).unwrap());
        assert_eq!(s.pexpiretime(0, b"a"), Some(Some(5_000)));
        assert!(s.copy(0, b"a", 1, b"b", false).unwrap());
        assert_eq!(s.pexpiretime(1, b"b"), Some(Some(5_000)));
        assert!(s.move_key(0, b"a", 1));
        assert_eq!(s.pexpiretime(1, b"a"), Some(Some(5_000)));
        assert!(!s.exists(0, b"a"));
        assert_eq!(
            s.rename(0, b"nope", b"x", false),
            Err(crate::Status::NoSuchKey)
        );
    }

    #[test]
    fn expire_conditions() {
        let mut s = store_with(1);
        let c = |s: &mut Store, at, cond| s.expire_at(0, b"k0", at, cond).unwrap();
        assert!(!c(&mut s, 9_000, ExpireCondition::IfSome));
        assert!(!c(&mut s, 9_000, ExpireCondition::IfGreater));
        assert!(c(&mut s, 9_000, ExpireCondition::IfLess));
        assert!(!c(&mut s, 8_000, ExpireCondition::IfNone));
        assert!(c(&mut s, 10_000, ExpireCondition::IfGreater));
        assert!(!c(&mut s, 9_500, ExpireCondition::IfGreater));
        assert!(c(&mut s, 500, ExpireCondition::Always));
        assert!(!s.exists(0, b"k0"));
    }
}
