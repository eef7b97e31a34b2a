//! Generic key commands: DEL, EXISTS, TYPE, RENAME, COPY, MOVE, RANDOMKEY,
//! KEYS, SCAN, the EXPIRE family, TTL, PERSIST and OBJECT's views.

use cedis_types::glob::glob_match;
use rand::Rng;

use crate::keyspace::Entry;
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
            Some(t) => t.eq_ignore_ascii_case(entry.value.type_name().as_bytes()),
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
        self.stats.dirty += 1;
        true
    }

    /// EXISTS of one key.
    pub fn exists(&mut self, db: usize, key: &[u8]) -> bool {
        self.lookup_read_with(db, key, false).is_some()
    }

    /// TOUCH of one key: refreshes its access clock.
    pub fn touch(&mut self, db: usize, key: &[u8]) -> bool {
        self.lookup_read(db, key).is_some()
    }

    /// TYPE: `none` for a missing key.
    pub fn type_of(&mut self, db: usize, key: &[u8]) -> &'static str {
        match self.lookup_read_with(db, key, false) {
            Some(e) => e.value.type_name(),
            None => "none",
        }
    }

    /// OBJECT ENCODING.
    pub fn object_encoding(&mut self, db: usize, key: &[u8]) -> Option<&'static str> {
        self.lookup_read_with(db, key, false)
            .map(|e| e.value.encoding())
    }

    /// OBJECT IDLETIME in seconds.
    pub fn object_idletime(&mut self, db: usize, key: &[u8]) -> Option<u64> {
        let clock = self.lru_clock();
        let e = self.lookup_read_with(db, key, false)?;
        let idle = if clock >= e.lru {
            clock - e.lru
        } else {
            clock + (0xFF_FFFF - e.lru)
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
        if self.lookup_write(db, dst).is_some() && nx {
            return Ok(false);
        }
        let ks = self.db_mut(db);
        let ttl = ks.expire_of(src);
        let entry = ks.remove(src).expect("looked up above");
        ks.insert(dst, entry);
        if let Some(at) = ttl {
            ks.set_expire(dst, at);
        }
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
        let Some(entry) = self.lookup_write(db, src).map(|e| e.value.clone()) else {
            return Ok(false);
        };
        if self.lookup_write(dst_db, dst).is_some() && !replace {
            return Ok(false);
        }
        let ttl = self.db(db).expire_of(src);
        let entry = self.new_entry(entry);
        let ks = self.db_mut(dst_db);
        ks.insert(dst, entry);
        if let Some(at) = ttl {
            ks.set_expire(dst, at);
        }
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
        let ks = self.db_mut(dst_db);
        ks.insert(key, entry);
        if let Some(at) = ttl {
            ks.set_expire(key, at);
        }
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
            let k = self.dbs[db]
                .random_key(&mut |n| rng.gen_range(0..n))?
                .to_vec();
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
        let mut raw: Vec<Vec<u8>> = Vec::new();
        loop {
            next = self.db(db).scan(next, |k, e| {
                visited += 1;
                if filter.accepts(k, e) {
                    raw.push(k.to_vec());
                }
            });
            if next == 0 || visited >= count {
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
        };
        if !ok {
            return Ok(false);
        }
        if at_ms <= self.now_ms() {
            self.db_mut(db).remove(key);
        } else {
            self.db_mut(db).set_expire(key, at_ms);
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
            self.stats.dirty += 1;
        }
        removed
    }
}
