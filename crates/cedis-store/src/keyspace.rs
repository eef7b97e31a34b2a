//! One database's keys: the main table, the expiry side table and the
//! per-key access clock.
//!
//! Everything above this module sees only this narrow interface, so the
//! table behind it can change (compact entries, snapshots) without touching
//! command semantics.

use std::collections::HashMap;

use crate::value::Value;

/// One key's value and its access clock (Redis's `lru` field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The stored value.
    pub value: Value,
    /// LRU clock (seconds, 24 bits) of the last access.
    pub lru: u32,
}

/// The keys of one database.
#[derive(Debug, Default)]
pub(crate) struct Keyspace {
    map: HashMap<Box<[u8]>, Entry>,
    expires: HashMap<Box<[u8]>, i64>,
}

impl Keyspace {
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn expires_len(&self) -> usize {
        self.expires.len()
    }

    pub(crate) fn get(&self, key: &[u8]) -> Option<&Entry> {
        self.map.get(key)
    }

    pub(crate) fn get_mut(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.map.get_mut(key)
    }

    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        self.map.contains_key(key)
    }

    /// Inserts or replaces a key's value; an existing expiry is dropped.
    pub(crate) fn insert(&mut self, key: &[u8], entry: Entry) -> Option<Entry> {
        let old = self.map.insert(key.into(), entry);
        if old.is_some() {
            self.expires.remove(key);
        }
        old
    }

    /// Replaces the value of an existing key, keeping its expiry.
    pub(crate) fn overwrite_keep_ttl(&mut self, key: &[u8], entry: Entry) -> Option<Entry> {
        self.map.insert(key.into(), entry)
    }

    pub(crate) fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let old = self.map.remove(key)?;
        self.expires.remove(key);
        Some(old)
    }

    pub(crate) fn expire_of(&self, key: &[u8]) -> Option<i64> {
        self.expires.get(key).copied()
    }

    /// Sets the absolute expiry (ms) of an existing key.
    pub(crate) fn set_expire(&mut self, key: &[u8], at_ms: i64) {
        debug_assert!(self.map.contains_key(key));
        self.expires.insert(key.into(), at_ms);
    }

    pub(crate) fn persist(&mut self, key: &[u8]) -> bool {
        self.expires.remove(key).is_some()
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.expires.clear();
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.map.keys().map(|k| &**k)
    }

    /// Visits a batch of keys and returns the next cursor (0 when done).
    pub(crate) fn scan(&self, _cursor: u64, mut f: impl FnMut(&[u8], &Entry)) -> u64 {
        for (k, v) in &self.map {
            f(k, v);
        }
        0
    }

    /// A random key, chosen with `pick(n)` returning an index below `n`.
    pub(crate) fn random_key(&self, pick: &mut impl FnMut(usize) -> usize) -> Option<&[u8]> {
        if self.map.is_empty() {
            return None;
        }
        let i = pick(self.map.len());
        self.map.keys().nth(i).map(|k| &**k)
    }

    /// Up to `n` keys that have an expiry, with their deadlines.
    pub(crate) fn sample_expires(
        &self,
        n: usize,
        pick: &mut impl FnMut(usize) -> usize,
        out: &mut Vec<(Box<[u8]>, i64)>,
    ) {
        out.clear();
        let len = self.expires.len();
        if len == 0 {
            return;
        }
        let start = pick(len);
        out.extend(
            self.expires
                .iter()
                .cycle()
                .skip(start)
                .take(n.min(len))
                .map(|(k, &t)| (k.clone(), t)),
        );
    }
}
