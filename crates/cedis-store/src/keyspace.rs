//! One database's keys: the main table of compact [`Entry`]s and the
//! expiry side table, which only keys with a TTL pay for.
//!
//! Everything above this module sees only this narrow interface, so the
//! table behind it can change (snapshots, eviction pools) without touching
//! command semantics.

use cedis_types::table::{EntryId, Table, TableEntry};

use crate::entry::Entry;

/// An expiry: the main table's entry id (as the key) and the deadline.
#[derive(Debug, Clone)]
struct Deadline {
    id: [u8; 4],
    at_ms: i64,
}

impl TableEntry for Deadline {
    #[inline]
    fn key(&self) -> &[u8] {
        &self.id
    }
}

/// The keys of one database.
#[derive(Debug)]
pub(crate) struct Keyspace {
    main: Table<Entry>,
    expires: Table<Deadline>,
}

fn id_key(id: EntryId) -> [u8; 4] {
    id.as_u32().to_le_bytes()
}

impl Keyspace {
    pub(crate) fn new(seed: u64) -> Keyspace {
        Keyspace {
            main: Table::with_seed(seed),
            expires: Table::with_seed(seed.rotate_left(17) ^ 0x9E37_79B9_7F4A_7C15),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.main.len()
    }

    pub(crate) fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// The id of a key's entry.
    #[inline]
    pub(crate) fn find(&self, key: &[u8]) -> Option<EntryId> {
        self.main.find(key)
    }

    /// The entry with id `id`.
    #[inline]
    pub(crate) fn entry_mut(&mut self, id: EntryId) -> Option<&mut Entry> {
        self.main.entry_by_id_mut(id)
    }

    /// The deadline of the entry `id`, if it has one (one flag test for
    /// keys without a TTL).
    #[inline]
    pub(crate) fn deadline(&self, id: EntryId) -> Option<i64> {
        if !self.main.entry_by_id(id)?.has_expire() {
            return None;
        }
        self.expires.get(&id_key(id)).map(|d| d.at_ms)
    }

    /// Removes the entry `id` and its expiry.
    pub(crate) fn remove_id(&mut self, id: EntryId) -> Option<Entry> {
        let old = self.main.remove_by_id(id)?;
        if old.has_expire() {
            self.expires.remove(&id_key(id));
        }
        Some(old)
    }

    pub(crate) fn get(&self, key: &[u8]) -> Option<&Entry> {
        self.main.get(key)
    }

    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        self.main.find(key).is_some()
    }

    /// Inserts or replaces an entry; an existing expiry is dropped.
    pub(crate) fn insert(&mut self, mut entry: Entry) -> Option<Entry> {
        entry.set_has_expire(false);
        let (id, old) = self.main.insert(entry);
        if old.as_ref().is_some_and(Entry::has_expire) {
            self.expires.remove(&id_key(id));
        }
        old
    }

    /// Replaces the entry of a key, keeping its expiry.
    pub(crate) fn overwrite_keep_ttl(&mut self, mut entry: Entry) -> Option<Entry> {
        let had = self.main.get(entry.key()).is_some_and(Entry::has_expire);
        entry.set_has_expire(had);
        self.main.insert(entry).1
    }

    pub(crate) fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let id = self.main.find(key)?;
        self.remove_id(id)
    }

    pub(crate) fn expire_of(&self, key: &[u8]) -> Option<i64> {
        self.deadline(self.main.find(key)?)
    }

    /// Sets the absolute expiry (ms) of an existing key.
    pub(crate) fn set_expire(&mut self, key: &[u8], at_ms: i64) {
        let Some(id) = self.main.find(key) else {
            return;
        };
        if let Some(e) = self.main.entry_by_id_mut(id) {
            e.set_has_expire(true);
        }
        self.expires.insert(Deadline {
            id: id_key(id),
            at_ms,
        });
    }

    pub(crate) fn persist(&mut self, key: &[u8]) -> bool {
        let Some(id) = self.main.find(key) else {
            return false;
        };
        match self.main.entry_by_id_mut(id) {
            Some(e) if e.has_expire() => e.set_has_expire(false),
            _ => return false,
        }
        self.expires.remove(&id_key(id)).is_some()
    }

    pub(crate) fn clear(&mut self) {
        self.main.clear();
        self.expires.clear();
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.main.iter().map(|(_, e)| e.key())
    }

    /// Visits the entries of one bucket step and returns the next cursor.
    pub(crate) fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &Entry)) -> u64 {
        self.main.scan(cursor, |_, e| f(e.key(), e))
    }

    /// A random key.
    pub(crate) fn random_key(&self, rng: &mut impl FnMut() -> u64) -> Option<&[u8]> {
        let id = self.main.random_id(rng)?;
        self.main.entry_by_id(id).map(Entry::key)
    }

    /// Up to `n` keys that have an expiry, with their deadlines.
    pub(crate) fn sample_expires(
        &self,
        n: usize,
        rng: &mut impl FnMut() -> u64,
        ids: &mut Vec<EntryId>,
        out: &mut Vec<(Box<[u8]>, i64)>,
    ) {
        out.clear();
        self.sample_entries(n, true, rng, ids, |e, at| {
            out.push((e.key().into(), at.unwrap_or(i64::MAX)));
        });
    }

    /// Samples up to `n` entries, from every key or (`volatile`) from the
    /// keys with an expiry, and visits each with its deadline (eviction's
    /// `dictGetSomeKeys`).
    pub(crate) fn sample_entries(
        &self,
        n: usize,
        volatile: bool,
        rng: &mut impl FnMut() -> u64,
        ids: &mut Vec<EntryId>,
        mut f: impl FnMut(&Entry, Option<i64>),
    ) {
        ids.clear();
        if volatile {
            self.expires.sample(n, rng, ids);
            for &eid in ids.iter() {
                let Some(d) = self.expires.entry_by_id(eid) else {
                    continue;
                };
                let id = EntryId::from_u32(u32::from_le_bytes(d.id));
                if let Some(e) = self.main.entry_by_id(id) {
                    f(e, Some(d.at_ms));
                }
            }
        } else {
            self.main.sample(n, rng, ids);
            for &id in ids.iter() {
                if let Some(e) = self.main.entry_by_id(id) {
                    f(e, None);
                }
            }
        }
    }

    /// A random key among those with an expiry.
    pub(crate) fn random_volatile_key(&self, rng: &mut impl FnMut() -> u64) -> Option<&[u8]> {
        let eid = self.expires.random_id(rng)?;
        let d = self.expires.entry_by_id(eid)?;
        let id = EntryId::from_u32(u32::from_le_bytes(d.id));
        self.main.entry_by_id(id).map(Entry::key)
    }

    /// Moves some buckets of an in-progress resize (the cron's share).
    pub(crate) fn rehash_step(&mut self, n: usize) -> bool {
        let a = self.main.rehash_step(n);
        let b = self.expires.rehash_step(n);
        a || b
    }

    /// Bytes of empty entry slots the tables reuse before allocating.
    pub(crate) fn vacant_bytes(&self) -> usize {
        self.main.vacant_bytes() + self.expires.vacant_bytes()
    }

    /// Bytes used by the tables themselves.
    pub(crate) fn memory_usage(&self) -> usize {
        self.main.memory_usage() + self.expires.memory_usage()
    }
}
