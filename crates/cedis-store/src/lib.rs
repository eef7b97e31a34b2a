//! `cedis-store`: the keyspace engine of cedis — databases, expiry and
//! Redis command semantics, usable in-process with no sockets and no RESP.
//!
//! The one type others use is [`Store`]: a set of numbered databases whose
//! operations mirror Redis commands (`get`, `set`, `incr_by`, `expire_at`,
//! `rename`, `scan`, …). Every operation takes the database index first and
//! answers with plain Rust values or a [`Status`], the engine's small error
//! vocabulary; turning a `Status` into Redis's exact error text is the
//! server's job.
//!
//! Time is an input: the caller sets [`Store::set_time`] (milliseconds since
//! the Unix epoch) before a command, as Redis caches the time once per
//! command, so tests and embedders control expiry deterministically.
//!
//! Boundary: no I/O, no RESP, no sessions. Keyspace events, WATCH
//! invalidation and propagation hooks attach here later; the store records
//! what changed and the server decides what to tell whom.
//!
//! ```
//! use cedis_store::{SetOptions, Store};
//!
//! let mut store = Store::new(16);
//! store.set_time(1_700_000_000_000);
//! store.set(0, b"greeting", b"hello", &SetOptions::default()).unwrap();
//! store.append(0, b"greeting", b" world").unwrap();
//! assert_eq!(store.get_bytes(0, b"greeting").unwrap().as_deref(), Some(&b"hello world"[..]));
//!
//! assert_eq!(store.incr_by(0, b"counter", 5).unwrap(), 5);
//! store.expire_at(0, b"counter", 1_700_000_001_000, Default::default()).unwrap();
//! store.set_time(1_700_000_002_000);
//! assert_eq!(store.exists(0, b"counter"), false);
//! ```

mod bitmap;
mod entry;
pub mod events;
mod evict;
mod expire;
pub mod hash;
mod keys;
mod keyspace;
pub mod lcs;
pub mod list;
pub mod set;
pub mod sort;
mod status;
mod strings;
pub mod value;
pub mod zset;

use rand::rngs::SmallRng;
use rand::SeedableRng;

pub use entry::{Entry, StrRef};
pub use evict::{EvictPolicy, Evicted};
pub use expire::ExpireCycleStats;
pub use keys::{ExpireCondition, ScanFilter};
pub use status::{Result, Status};
pub use strings::{GetExExpiry, SetCondition, SetExpiry, SetOptions, SetOutcome};
pub use value::{StrValue, Value};

use cedis_types::table::{EntryId, TableEntry};
use keyspace::Keyspace;

/// Redis's default `proto-max-bulk-len`, the largest string a value may reach.
pub const DEFAULT_MAX_STRING: usize = 512 * 1024 * 1024;

/// Counters the server reports in `INFO stats` and `INFO keyspace`.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Successful read lookups.
    pub keyspace_hits: u64,
    /// Read lookups of missing keys.
    pub keyspace_misses: u64,
    /// Keys reclaimed because their TTL passed.
    pub expired_keys: u64,
    /// Keys evicted to stay under `maxmemory`.
    pub evicted_keys: u64,
    /// Modifications since the last save (Redis's `dirty`).
    pub dirty: u64,
}

/// Tunables the store reads on its own paths.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The largest string a value may grow to (`proto-max-bulk-len`).
    pub max_string: usize,
    /// Whether the active expiry cycle runs (`DEBUG SET-ACTIVE-EXPIRE`).
    pub active_expire: bool,
    /// `active-expire-effort`, 1..=10.
    pub active_expire_effort: u32,
    /// CLIENT PAUSE in effect: expired keys are hidden, not reclaimed, and
    /// the active cycle does not run.
    pub expire_paused: bool,
    /// CLIENT NO-TOUCH of the running client: reads leave access clocks
    /// alone (TOUCH itself still touches).
    pub no_touch: bool,
    /// An LFU `maxmemory-policy` is selected: the 24 bits of an entry's
    /// access clock hold minutes (16 bits) and a logarithmic access
    /// counter (8 bits) instead of seconds.
    pub lfu: bool,
    /// `lfu-log-factor`.
    pub lfu_log_factor: u32,
    /// `lfu-decay-time` (minutes per counter decrement; 0: no decay).
    pub lfu_decay_time: u32,
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`.
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: usize,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: usize,
    /// `list-max-listpack-size` (negative: a byte limit class, -1..-5 =
    /// 4/8/16/32/64 KiB; positive: an entry count).
    pub list_max_listpack_size: i32,
    /// `list-compress-depth`.
    pub list_compress_depth: u32,
    /// Elements of at least this many bytes get a plain quicklist node
    /// (`DEBUG QUICKLIST-PACKED-THRESHOLD`; default 1 GiB).
    pub list_packed_threshold: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            max_string: DEFAULT_MAX_STRING,
            active_expire: true,
            active_expire_effort: 1,
            expire_paused: false,
            no_touch: false,
            lfu: false,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            list_packed_threshold: cedis_types::quicklist::DEFAULT_PACKED_THRESHOLD,
        }
    }
}

/// A set of numbered databases with Redis semantics.
#[derive(Debug)]
pub struct Store {
    dbs: Vec<Keyspace>,
    now_ms: i64,
    /// Counters for INFO.
    pub stats: Stats,
    /// Tunables.
    pub config: StoreConfig,
    rng: SmallRng,
    expire: expire::ExpireState,
    evict: evict::EvictState,
    events: events::EventLog,
}

/// A collection whose members can be removed one at a time.
pub(crate) trait Members {
    /// Removes `m`; false if it was not there.
    fn remove_member(&mut self, m: &[u8]) -> bool;
    /// True when nothing is left.
    fn no_members(&self) -> bool;
    /// Called once after a batch of removals.
    fn after_removals(&mut self) {}
}

impl Store {
    /// A store with `databases` empty databases (Redis's `databases`, 16 by default).
    pub fn new(databases: usize) -> Store {
        Store {
            dbs: (0..databases.max(1))
                .map(|_| Keyspace::new(rand::random()))
                .collect(),
            now_ms: 0,
            stats: Stats::default(),
            config: StoreConfig::default(),
            rng: SmallRng::from_entropy(),
            expire: expire::ExpireState::default(),
            evict: evict::EvictState::default(),
            events: events::EventLog::default(),
        }
    }

    /// Starts or stops recording key events (see [`events`]).
    pub fn record_events(&mut self, on: bool) {
        self.events.enabled = on;
        if !on {
            self.events.events.clear();
        }
    }

    /// Whether key events are being recorded.
    pub fn recording_events(&self) -> bool {
        self.events.enabled
    }

    /// Moves the recorded events, oldest first, to the end of `out`.
    pub fn take_events(&mut self, out: &mut Vec<events::KeyEvent>) {
        out.append(&mut self.events.events);
    }

    /// Records an event for `key` if recording is on.
    #[inline]
    pub(crate) fn notify(&mut self, db: usize, key: &[u8], name: &'static str, class: u32) {
        if self.events.enabled {
            self.events.events.push(events::KeyEvent {
                db,
                key: key.to_vec(),
                name,
                class,
            });
        }
    }

    /// The type of a live key without counting a lookup or touching it
    /// (an expired key is reclaimed on the way).
    pub fn peek_type(&mut self, db: usize, key: &[u8]) -> Option<&'static str> {
        let id = self.find_live(db, key)?;
        self.dbs[db].entry_mut(id).map(|e| e.type_name())
    }

    /// Whether `key` is stored in `db` (`None`: not stored) and whether its
    /// TTL has passed (`Some(true)`: stale, not reclaimed yet), without
    /// reclaiming it, counting a lookup or recording an event (WATCH's
    /// view of a key).
    pub fn key_state(&self, db: usize, key: &[u8]) -> Option<bool> {
        let ks = self.dbs.get(db)?;
        let id = ks.find(key)?;
        Some(ks.deadline(id).is_some_and(|at| at <= self.now_ms))
    }

    /// Number of databases.
    pub fn databases(&self) -> usize {
        self.dbs.len()
    }

    /// Sets the time (ms since the Unix epoch) that expiry decisions use.
    pub fn set_time(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
    }

    /// The time expiry decisions use.
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Keys in database `db`, including ones whose TTL passed but that were
    /// not reclaimed yet (as Redis's DBSIZE).
    pub fn dbsize(&self, db: usize) -> usize {
        self.dbs[db].len()
    }

    /// Keys with an expiry in database `db`.
    pub fn expires_count(&self, db: usize) -> usize {
        self.dbs[db].expires_len()
    }

    /// Checks a database index.
    pub fn check_db(&self, db: i64) -> Result<usize> {
        usize::try_from(db)
            .ok()
            .filter(|&d| d < self.dbs.len())
            .ok_or(Status::DbOutOfRange)
    }

    /// Removes every key of one database; returns how many there were.
    pub fn flushdb(&mut self, db: usize) -> usize {
        let n = self.dbs[db].len();
        self.dbs[db].clear();
        self.stats.dirty += n as u64;
        n
    }

    /// Removes every key of every database.
    pub fn flushall(&mut self) -> usize {
        (0..self.dbs.len()).map(|db| self.flushdb(db)).sum()
    }

    /// Exchanges two databases (SWAPDB).
    pub fn swapdb(&mut self, a: usize, b: usize) {
        self.dbs.swap(a, b);
        self.stats.dirty += 1;
    }

    pub(crate) fn lru_clock(&self) -> u32 {
        evict::lru_clock(self.now_ms)
    }

    /// Finds a live key: one that exists and whose TTL has not passed. An
    /// expired key is reclaimed on the way, unless expiry is paused (CLIENT
    /// PAUSE), in which case it is only reported missing.
    #[inline]
    fn find_live(&mut self, db: usize, key: &[u8]) -> Option<EntryId> {
        let ks = &mut self.dbs[db];
        let id = ks.find(key)?;
        match ks.deadline(id) {
            Some(at) if at <= self.now_ms => {
                if !self.config.expire_paused {
                    ks.remove_id(id);
                    self.stats.expired_keys += 1;
                    self.notify(db, key, "expired", events::class::EXPIRED);
                }
                None
            }
            _ => Some(id),
        }
    }

    /// Reclaims `key` if its TTL passed; true when the key is expired
    /// (reclaimed, or only hidden while expiry is paused).
    pub(crate) fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        match self.dbs[db].find(key) {
            None => false,
            Some(_) => self.find_live(db, key).is_none(),
        }
    }

    /// Looks a key up for reading: reclaims it if expired, counts a hit or
    /// a miss, and refreshes its access clock.
    pub(crate) fn lookup_read(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_read_with(db, key, true)
    }

    /// OBJECT's lookup: a read that counts a hit or a miss but neither
    /// touches the key nor records `keymiss` (as Redis's OBJECT).
    pub(crate) fn lookup_object(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let Some(id) = self.find_live(db, key) else {
            self.stats.keyspace_misses += 1;
            return None;
        };
        self.stats.keyspace_hits += 1;
        self.dbs[db].entry_mut(id)
    }

    /// [`Store::lookup_read`] with the access-clock refresh optional
    /// (TYPE, EXISTS, TTL and OBJECT do not touch keys).
    pub(crate) fn lookup_read_with(
        &mut self,
        db: usize,
        key: &[u8],
        touch: bool,
    ) -> Option<&mut Entry> {
        let Some(id) = self.find_live(db, key) else {
            self.stats.keyspace_misses += 1;
            self.notify(db, key, "keymiss", events::class::KEY_MISS);
            return None;
        };
        self.stats.keyspace_hits += 1;
        self.accessed(db, id, touch)
    }

    /// The entry `id`, its access clock refreshed if `touch` (and the
    /// client is not NO-TOUCH).
    #[inline]
    fn accessed(&mut self, db: usize, id: EntryId, touch: bool) -> Option<&mut Entry> {
        let Store {
            dbs,
            config,
            rng,
            now_ms,
            ..
        } = self;
        let e = dbs[db].entry_mut(id)?;
        if touch && !config.no_touch {
            evict::touch_entry(e, config, *now_ms, rng);
        }
        Some(e)
    }

    /// Looks a key up for writing: reclaims it if expired; no statistics.
    pub(crate) fn lookup_write(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let id = self.find_live(db, key)?;
        self.accessed(db, id, true)
    }

    /// HDEL / SREM / ZREM: removes `items` one by one from the collection
    /// `get` finds at `key` (WRONGTYPE for another type), then counts the
    /// removals as dirty, records `event` and deletes an emptied key.
    pub(crate) fn remove_members<C: Members, A: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        items: &[A],
        get: fn(&mut Entry) -> Result<&mut C>,
        event: &'static str,
        class: u32,
    ) -> Result<usize> {
        let Some(e) = self.lookup_write(db, key) else {
            return Ok(0);
        };
        let c = get(e)?;
        let mut n = 0;
        for item in items {
            if c.remove_member(item.as_ref()) {
                n += 1;
                if c.no_members() {
                    break;
                }
            }
        }
        c.after_removals();
        if n > 0 {
            self.stats.dirty += n as u64;
            self.notify(db, key, event, class);
            self.drop_if_empty(db, key);
        }
        Ok(n)
    }

    /// Deletes `key` if it holds an emptied collection, recording `del`
    /// (every removal path of lists, hashes, sets and sorted sets ends here).
    pub(crate) fn drop_if_empty(&mut self, db: usize, key: &[u8]) {
        let empty = self
            .db(db)
            .get(key)
            .and_then(Entry::object)
            .is_some_and(Value::is_empty_collection);
        if empty {
            self.db_mut(db).remove(key);
            self.notify(db, key, "del", events::class::GENERIC);
        }
    }

    /// Stores `entry` as a new key or over an existing one (dropping its
    /// TTL unless `keep_ttl`), recording `new` for a key that did not exist.
    pub(crate) fn put(&mut self, db: usize, mut entry: Entry, keep_ttl: bool) {
        if self.config.lfu {
            // An overwritten key keeps its access counter (Redis's dbOverwrite).
            if let Some(old) = self.dbs[db].get(entry.key()) {
                entry.set_lru(old.lru());
            }
        }
        let key = self.events.enabled.then(|| entry.key().to_vec());
        let old = if keep_ttl {
            self.dbs[db].overwrite_keep_ttl(entry)
        } else {
            self.dbs[db].insert(entry)
        };
        if let (None, Some(key)) = (old, key) {
            self.notify(db, &key, "new", events::class::NEW);
        }
    }

    pub(crate) fn new_entry(&self, key: &[u8], value: Value) -> Entry {
        Entry::new(key, value, self.initial_clock())
    }

    /// Moves part of any in-progress table resize; the server's cron calls
    /// this with a small step count. True while work remains.
    pub fn rehash_step(&mut self, steps: usize) -> bool {
        let mut pending = false;
        for ks in &mut self.dbs {
            pending |= ks.rehash_step(steps);
        }
        pending
    }

    /// Bytes used by the key tables themselves (not the values' heaps).
    pub fn tables_memory(&self) -> usize {
        self.dbs.iter().map(Keyspace::memory_usage).sum()
    }

    /// Bytes of empty entry slots in the key tables: allocated, but the
    /// tables fill them before allocating more, so for memory accounting
    /// they are free space (as freed memory inside an allocator is). An
    /// evicted key's slot lands here at once. O(databases).
    pub fn vacant_table_bytes(&self) -> usize {
        self.dbs.iter().map(Keyspace::vacant_bytes).sum()
    }

    pub(crate) fn db(&self, db: usize) -> &Keyspace {
        &self.dbs[db]
    }

    pub(crate) fn db_mut(&mut self, db: usize) -> &mut Keyspace {
        &mut self.dbs[db]
    }
}

#[cfg(test)]
mod event_tests {
    use crate::events::{class, KeyEvent};
    use crate::{ExpireCondition, SetExpiry, SetOptions, Store};

    fn names(s: &mut Store) -> Vec<(usize, String, &'static str)> {
        let mut ev: Vec<KeyEvent> = Vec::new();
        s.take_events(&mut ev);
        ev.into_iter()
            .map(|e| (e.db, String::from_utf8(e.key).unwrap(), e.name))
            .collect()
    }

    #[test]
    fn writes_record_redis_event_names() {
        let mut s = Store::new(2);
        s.set_time(1_000);
        s.set(0, b"quiet", b"v", &SetOptions::default()).unwrap();
        s.record_events(true);
        assert!(names(&mut s).is_empty(), "nothing recorded while off");
        let ex = SetOptions {
            expiry: SetExpiry::At(5_000),
            ..Default::default()
        };
        s.set(0, b"a", b"1", &ex).unwrap();
        s.incr_by(0, b"n", 1).unwrap();
        s.append(0, b"n", b"0").unwrap();
        s.rename(0, b"a", b"b", false).unwrap();
        s.move_key(0, b"b", 1);
        s.expire_at(0, b"n", 1, ExpireCondition::Always).unwrap();
        s.get(0, b"missing").unwrap();
        let got = names(&mut s);
        let want = vec![
            (0, "a".into(), "new"),
            (0, "a".into(), "set"),
            (0, "a".into(), "expire"),
            (0, "n".into(), "new"),
            (0, "n".into(), "incrby"),
            (0, "n".into(), "append"),
            (0, "b".into(), "new"),
            (0, "a".into(), "rename_from"),
            (0, "b".into(), "rename_to"),
            (1, "b".into(), "new"),
            (0, "b".into(), "move_from"),
            (1, "b".into(), "move_to"),
            (0, "n".into(), "del"),
            (0, "missing".into(), "keymiss"),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn overwriting_copy_and_rename_record_new_object_no_keymiss() {
        let mut s = Store::new(1);
        for k in [&b"a"[..], b"b", b"c"] {
            s.set(0, k, b"v", &SetOptions::default()).unwrap();
        }
        s.record_events(true);
        s.copy(0, b"a", 0, b"b", true).unwrap();
        s.rename(0, b"a", b"c", false).unwrap();
        assert_eq!(s.object_encoding(0, b"missing"), None);
        let get = SetOptions {
            get: true,
            ..Default::default()
        };
        s.set(0, b"d", b"v", &get).unwrap();
        let got = names(&mut s);
        let want = vec![
            (0, "b".into(), "new"),
            (0, "b".into(), "copy_to"),
            (0, "c".into(), "new"),
            (0, "a".into(), "rename_from"),
            (0, "c".into(), "rename_to"),
            (0, "d".into(), "keymiss"),
            (0, "d".into(), "new"),
            (0, "d".into(), "set"),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn lazy_and_active_expiry_record_expired() {
        let mut s = Store::new(1);
        s.set_time(1_000);
        for k in [&b"x"[..], b"y"] {
            s.set(
                0,
                k,
                b"v",
                &SetOptions {
                    expiry: SetExpiry::At(1_500),
                    ..Default::default()
                },
            )
            .unwrap();
        }
        s.record_events(true);
        s.set_time(2_000);
        assert!(!s.exists(0, b"x"));
        s.active_expire_cycle(10);
        let mut ev = Vec::new();
        s.take_events(&mut ev);
        assert!(ev
            .iter()
            .all(|e| e.class == class::EXPIRED || e.class == class::KEY_MISS));
        assert_eq!(ev.iter().filter(|e| e.name == "expired").count(), 2);
    }
}
