//! `Table<E>`: cedis's keyspace hash table.
//!
//! One table holds a database's keys (millions of them), and later the
//! fields of large hashes and the members of large sets. It is built for
//! memory first: on top of the caller's entry it adds about 8-12 bytes per
//! entry, and it never stops the world to resize.
//!
//! # Layout
//!
//! ```text
//!  buckets (ht[0], and ht[1] while rehashing): [u32; 2^k], NIL = empty
//!     │ head id
//!     ▼
//!  slab: chunk 0            chunk 1            ...   (4096 slots each)
//!        entries: [Option<E>; 4096]  ── never moved, never reallocated
//!        next:    [u32; 4096]        ── chain link, or free-list link
//! ```
//!
//! * **Entries live in a chunked slab** and are addressed by a stable
//!   [`EntryId`] (`chunk << 12 | offset`). Full chunks are allocated on
//!   demand and never reallocated; only chunk 0 grows (by doubling, up to
//!   4096 slots) so a small table stays small. Removing an entry puts its
//!   slot on a free list threaded through `next`; the next insert reuses
//!   it. An entry keeps its id until it is removed, across every resize.
//! * **Chains** are `u32` links in a separate array beside the entries; the
//!   buckets are `u32` heads. Resizing and rehashing only rewrite `u32`s.
//! * **Load factor at most 1**, as Redis's dict: the table grows (doubles)
//!   when `len >= buckets` and shrinks when fewer than 10% of the buckets
//!   are used (never below 4 buckets).
//!
//! # Cost per entry
//!
//! `size_of::<Option<E>>() + 4` bytes in the slab, plus 4 bytes per bucket:
//! 4-8 bytes per entry at rest, up to 12 while a doubling is in progress.
//! Give `E` a niche (a `NonZero*`, a reference-counted pointer, an enum
//! tag with spare values...) so that `Option<E>` is no bigger than `E`.
//!
//! Measured by `benches/table.rs` with a 40-byte entry (16-byte key and
//! 16-byte value inline, `Option<E>` also 40 bytes):
//!
//! | state | `memory_usage() / len` |
//! |---|---|
//! | 1M entries (2^20 buckets) | 48.36 B (process RSS grew 48.38 B/entry) |
//! | 2^20 entries, just before doubling | 48.01 B |
//! | 2^20 + 1, doubling in progress (2^20 + 2^21 buckets) | 56.20 B (worst case) |
//! | 2^20 + 1, rehash done | 52.20 B |
//! | std `HashMap<Vec<u8>, [u8; 16]>`, 1M entries (RSS) | 117.92 B |
//!
//! Speed, same run (2 shared vCPUs, loaded machine, one thread, not
//! pinned; 1M entries, 16-byte keys): `insert_new` 151 ns/op growing from
//! empty (79 ns after `reserve`), `insert` (lookup + insert) 299 ns, std
//! `HashMap` insert 877 ns (including the key's `Vec` allocation); `get` hit
//! 60 ns vs std 174 ns (SipHash plus a pointer chase), `get` miss 63 ns vs
//! std 18 ns. Misses are where a chained table loses to SwissTable: each
//! chain node costs a cache miss for the key and one for the link, where
//! hashbrown rejects most candidates from its control bytes. Buying that
//! back would cost memory (hash tags next to the links), which is the
//! budget this table is built around.
//!
//! # Incremental rehash
//!
//! As in Redis's dict, a resize allocates a second bucket array and moves
//! the old one's chains over a few buckets at a time: every insert, removal
//! and `get_mut` migrates one bucket (visiting at most ten empty ones), and
//! the server's cron calls [`Table::rehash_step`] in a loop for as long as
//! its time budget allows (this crate reads no clock). Lookups check both
//! arrays while a rehash is in progress. New entries go to the new array.
//!
//! # SCAN
//!
//! [`Table::scan`] takes and returns Redis's stateless cursor: bucket
//! indexes are visited in reverse-binary order (the cursor's bits are
//! reversed, incremented and reversed back), so that when the table grows
//! or shrinks by powers of two between calls, the buckets already visited
//! map onto buckets whose cursors are already behind. Every entry present
//! for the whole iteration is returned at least once; some may be returned
//! more than once. While rehashing, a call visits the smaller array's
//! bucket and then every bucket of the larger array that expands from it.
//!
//! # Snapshots (not built yet; the door is kept open)
//!
//! The persistence crate needs a point-in-time view of a table without
//! `fork()` and without copying the dataset up front. The slab is what
//! makes that cheap:
//!
//! * A snapshot needs only the entries, not the buckets: iterating the slab
//!   in slot order visits every live entry exactly once, whatever resizes
//!   happen meanwhile, and entries never move between chunks.
//! * The plan is to hold each chunk's entry array behind an `Arc`. Taking a
//!   snapshot clones the vector of `Arc`s (one reference-count bump per
//!   4096 entries, ~250 for a million keys). Every write path
//!   (`alloc`/`free`/`get_mut` in `slab.rs`, the only places that hand out
//!   `&mut` to an entry) first calls `Arc::make_mut` on the chunk, which
//!   copies that one chunk on the first write after a snapshot and is a
//!   no-op otherwise. The writer sees its new chunk, the snapshot keeps the
//!   old one, and the extra memory is bounded by the chunks written during
//!   the dump (with `E`'s large payloads themselves reference-counted, a
//!   chunk copy is ~176 KiB).
//! * The `next` links, the free list and the buckets are deliberately kept
//!   out of the entry arrays, so rehashing, chaining and free-list churn do
//!   not trigger copies; only real entry writes do.
//!
//! # What it does not do
//!
//! No I/O, no clock, no global state, no randomness of its own (the seed
//! and the random numbers for [`Table::random_id`] and [`Table::sample`]
//! are passed in). It knows nothing of values, expiry or Redis types.
//! The slab does not return memory when entries are removed: freed slots
//! are reused by later inserts, and [`Table::clear`] frees everything.
//! (Releasing emptied chunks, and compacting with an id-remap callback, are
//! possible later without changing this API.)

mod hash;
mod slab;
#[cfg(test)]
mod tests;

use std::fmt;

pub use hash::KeyHasher;
use slab::{Slab, NIL};

/// An entry stored in a [`Table`]: anything that can show its key.
///
/// The key must not change while the entry is in a table; changing it
/// through [`Table::get_mut`] or [`Table::entry_by_id_mut`] is a logic
/// error (the entry becomes unreachable by key or reachable under the old
/// key) but never undefined behaviour.
pub trait TableEntry {
    /// The entry's key.
    fn key(&self) -> &[u8];
}

/// Stable handle to an entry of a [`Table`], valid until that entry is
/// removed. After removal the id may be reused for another entry (there is
/// no generation counter; that would cost memory on every entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(u32);

impl EntryId {
    /// The raw slot index.
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// Rebuilds an id from [`EntryId::as_u32`]. Looking up an id that does
    /// not name a live entry returns `None`; it never panics.
    pub const fn from_u32(raw: u32) -> Self {
        EntryId(raw)
    }
}

/// Minimum (and initial) number of buckets.
const MIN_BUCKETS: usize = 4;
/// Empty buckets a rehash step may visit per bucket it is asked to move.
const EMPTY_VISITS_PER_STEP: usize = 10;
/// Shrink when `len * SHRINK_RATIO < buckets` (under 10% full).
const SHRINK_RATIO: usize = 10;
/// Attempts at picking a uniformly random slab slot before `random_id`
/// falls back to picking a random bucket.
const RANDOM_SLOT_TRIES: usize = 32;

/// The keyspace hash table. See the [module docs](self) for the design.
#[derive(Clone)]
pub struct Table<E> {
    slab: Slab<E>,
    /// Bucket arrays: `ht[0]` is the main one; `ht[1]` is non-empty only
    /// while rehashing from `ht[0]` into it. Lengths are 0 or powers of two.
    ht: [Box<[u32]>; 2],
    /// Entries chained from each bucket array.
    used: [usize; 2],
    /// While rehashing: buckets of `ht[0]` below this index are empty.
    rehash_idx: usize,
    hasher: KeyHasher,
}

impl<E> fmt::Debug for Table<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("len", &(self.used[0] + self.used[1]))
            .field("buckets", &[self.ht[0].len(), self.ht[1].len()])
            .field("rehash_idx", &self.rehash_idx)
            .field("slab_slots", &self.slab.slots())
            .finish_non_exhaustive()
    }
}

#[inline(always)]
fn bucket_of(hash: u64, buckets: &[u32]) -> usize {
    hash as usize & (buckets.len() - 1)
}

fn empty_buckets(n: usize) -> Box<[u32]> {
    vec![NIL; n].into_boxed_slice()
}

impl<E: TableEntry> Table<E> {
    /// An empty table whose hash function is keyed by `seed`. Allocates
    /// nothing until the first insert. Seed every keyspace table from a
    /// real random source: the seed is what defends against hash flooding.
    pub fn with_seed(seed: u64) -> Self {
        Table {
            slab: Slab::new(),
            ht: [Box::default(), Box::default()],
            used: [0, 0],
            rehash_idx: 0,
            hasher: KeyHasher::new(seed),
        }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.used[0] + self.used[1]
    }

    /// Whether the table has no entries.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table's hash of `key`, for the `*_hashed` methods, which let a
    /// caller that looks a key up and then inserts it hash it only once.
    #[inline]
    pub fn hash_key(&self, key: &[u8]) -> u64 {
        self.hasher.hash(key)
    }

    /// The entry with this key.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&E> {
        let id = self.find_hashed(self.hash_key(key), key)?;
        Some(self.slab.entry_and_next(id.0).0)
    }

    /// The entry with this key, mutably. Do not change its key. Advances an
    /// in-progress rehash by one bucket.
    #[inline]
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut E> {
        let hash = self.hash_key(key);
        self.rehash_on_op();
        let id = self.find_hashed(hash, key)?;
        self.slab.get_mut(id.0)
    }

    /// The id of the entry with this key.
    #[inline]
    pub fn find(&self, key: &[u8]) -> Option<EntryId> {
        self.find_hashed(self.hash_key(key), key)
    }

    /// [`Table::find`] with a hash from [`Table::hash_key`].
    #[inline]
    pub fn find_hashed(&self, hash: u64, key: &[u8]) -> Option<EntryId> {
        let tables = if self.is_rehashing() { 2 } else { 1 };
        for buckets in &self.ht[..tables] {
            if buckets.is_empty() {
                continue;
            }
            let mut id = buckets[bucket_of(hash, buckets)];
            while id != NIL {
                // The link lives in a separate array: read it only when the
                // key does not match, so a hit costs one miss fewer.
                if self.slab.entry_live(id).key() == key {
                    return Some(EntryId(id));
                }
                id = self.slab.next(id);
            }
        }
        None
    }

    /// The entry with this id, if the id names a live entry.
    #[inline]
    pub fn entry_by_id(&self, id: EntryId) -> Option<&E> {
        self.slab.get(id.0)
    }

    /// The entry with this id, mutably. Do not change its key.
    #[inline]
    pub fn entry_by_id_mut(&mut self, id: EntryId) -> Option<&mut E> {
        self.slab.get_mut(id.0)
    }

    /// Inserts `entry`, replacing (and returning) an entry with the same
    /// key. A replaced entry keeps its id.
    pub fn insert(&mut self, entry: E) -> (EntryId, Option<E>) {
        let hash = self.hash_key(entry.key());
        self.rehash_on_op();
        match self.find_hashed(hash, entry.key()) {
            Some(id) => {
                let slot = self.slab.get_mut(id.0).expect("found id is live");
                (id, Some(std::mem::replace(slot, entry)))
            }
            None => (self.link_new(hash, entry), None),
        }
    }

    /// Inserts an entry whose key the caller knows is absent, skipping the
    /// lookup. Inserting a duplicate key is a logic error: both entries are
    /// stored and which one lookups find is unspecified (checked in debug
    /// builds).
    pub fn insert_new(&mut self, entry: E) -> EntryId {
        let hash = self.hash_key(entry.key());
        self.rehash_on_op();
        self.link_new(hash, entry)
    }

    /// [`Table::insert_new`] with a hash from [`Table::hash_key`].
    pub fn insert_new_hashed(&mut self, hash: u64, entry: E) -> EntryId {
        // Like every mutator, move a little of any resize in progress.
        self.rehash_on_op();
        self.link_new(hash, entry)
    }

    /// Links a new entry (the key known absent) without a rehash step.
    fn link_new(&mut self, hash: u64, entry: E) -> EntryId {
        debug_assert_eq!(hash, self.hash_key(entry.key()), "stale hash");
        debug_assert!(
            self.find_hashed(hash, entry.key()).is_none(),
            "insert_new with a key already present"
        );
        self.grow_if_needed();
        let t = usize::from(self.is_rehashing());
        let b = bucket_of(hash, &self.ht[t]);
        let id = self.slab.alloc(entry, self.ht[t][b]);
        self.ht[t][b] = id;
        self.used[t] += 1;
        EntryId(id)
    }

    /// Removes and returns the entry with this key.
    pub fn remove(&mut self, key: &[u8]) -> Option<E> {
        let hash = self.hash_key(key);
        self.rehash_on_op();
        let e = self.unlink(hash, |_, e| e.key() == key)?;
        self.shrink_if_needed();
        Some(e)
    }

    /// Removes and returns the entry with this id, if it is live.
    pub fn remove_by_id(&mut self, id: EntryId) -> Option<E> {
        let hash = self.hash_key(self.slab.get(id.0)?.key());
        self.rehash_on_op();
        let e = self.unlink(hash, |other, _| other == id.0)?;
        self.shrink_if_needed();
        Some(e)
    }

    /// Unlinks the first entry in `hash`'s chains accepted by `is_it` and
    /// frees its slot.
    fn unlink(&mut self, hash: u64, mut is_it: impl FnMut(u32, &E) -> bool) -> Option<E> {
        let tables = if self.is_rehashing() { 2 } else { 1 };
        for t in 0..tables {
            if self.ht[t].is_empty() {
                continue;
            }
            let b = bucket_of(hash, &self.ht[t]);
            let mut prev = NIL;
            let mut id = self.ht[t][b];
            while id != NIL {
                let (e, next) = self.slab.entry_and_next(id);
                if is_it(id, e) {
                    if prev == NIL {
                        self.ht[t][b] = next;
                    } else {
                        self.slab.set_next(prev, next);
                    }
                    self.used[t] -= 1;
                    return Some(self.slab.free(id));
                }
                prev = id;
                id = next;
            }
        }
        None
    }

    /// All entries with their ids, in slot order (not hash order). Each
    /// live entry is visited exactly once.
    pub fn iter(&self) -> impl Iterator<Item = (EntryId, &E)> + '_ {
        self.slab.iter().map(|(id, e)| (EntryId(id), e))
    }

    /// Removes every entry and frees all memory (the seed is kept).
    pub fn clear(&mut self) {
        self.slab = Slab::new();
        self.ht = [Box::default(), Box::default()];
        self.used = [0, 0];
        self.rehash_idx = 0;
    }

    /// Makes room for `additional` more entries without growing the bucket
    /// array (as Redis's `dictExpand` when loading a dump of known size).
    /// Does nothing while a rehash is in progress.
    pub fn reserve(&mut self, additional: usize) {
        if self.is_rehashing() {
            return;
        }
        let want = self.len().saturating_add(additional);
        if want > self.ht[0].len() {
            self.resize(want.saturating_add(1));
        }
    }

    // ---- resizing ------------------------------------------------------

    /// Whether an incremental rehash is in progress.
    #[inline]
    pub fn is_rehashing(&self) -> bool {
        !self.ht[1].is_empty()
    }

    /// Number of buckets in the main array (and in the target array while
    /// rehashing).
    pub fn bucket_counts(&self) -> (usize, usize) {
        (self.ht[0].len(), self.ht[1].len())
    }

    #[inline]
    fn rehash_on_op(&mut self) {
        if self.is_rehashing() {
            // If inserts outrun a shrink in progress, catch up faster.
            let n = if self.len() > self.ht[1].len() { 64 } else { 1 };
            self.rehash_step(n);
        }
    }

    fn grow_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        if self.ht[0].is_empty() {
            self.ht[0] = empty_buckets(MIN_BUCKETS);
        } else if self.len() >= self.ht[0].len() {
            self.resize(self.len() + 1);
        }
    }

    fn shrink_if_needed(&mut self) {
        let size = self.ht[0].len();
        if !self.is_rehashing() && size > MIN_BUCKETS && self.len() * SHRINK_RATIO < size {
            self.resize(self.len());
        }
    }

    /// Starts moving to a bucket array of the smallest power of two
    /// `>= max(min, MIN_BUCKETS)`.
    fn resize(&mut self, min: usize) {
        debug_assert!(!self.is_rehashing());
        let size = min.max(MIN_BUCKETS).next_power_of_two();
        if size == self.ht[0].len() {
            return;
        }
        if self.used[0] == 0 {
            self.ht[0] = empty_buckets(size);
            return;
        }
        self.ht[1] = empty_buckets(size);
        self.rehash_idx = 0;
    }

    /// Moves up to `n` non-empty buckets from the old array to the new one
    /// (visiting at most `10 * n` empty buckets). Returns whether a rehash
    /// is still in progress. The server's cron calls this in a loop, e.g.
    /// `while table.rehash_step(100) && !out_of_time() {}`.
    pub fn rehash_step(&mut self, n: usize) -> bool {
        if !self.is_rehashing() {
            return false;
        }
        let mut empty_budget = n.saturating_mul(EMPTY_VISITS_PER_STEP);
        let mut n = n;
        let mask1 = self.ht[1].len() - 1;
        while n > 0 && self.used[0] > 0 {
            let i = self.rehash_idx;
            let mut id = self.ht[0][i];
            if id == NIL {
                self.rehash_idx += 1;
                empty_budget = empty_budget.saturating_sub(1);
                if empty_budget == 0 {
                    return true;
                }
                continue;
            }
            while id != NIL {
                let (e, next) = self.slab.entry_and_next(id);
                let b = self.hasher.hash(e.key()) as usize & mask1;
                self.slab.set_next(id, self.ht[1][b]);
                self.ht[1][b] = id;
                self.used[0] -= 1;
                self.used[1] += 1;
                id = next;
            }
            self.ht[0][i] = NIL;
            self.rehash_idx += 1;
            n -= 1;
        }
        if self.used[0] == 0 {
            self.ht[0] = std::mem::take(&mut self.ht[1]);
            self.used = [self.used[1], 0];
            self.rehash_idx = 0;
            return false;
        }
        true
    }

    // ---- SCAN ----------------------------------------------------------

    /// One step of a SCAN: calls `f` for every entry of the bucket(s) at
    /// `cursor` and returns the next cursor, 0 when the iteration is done.
    /// Start with cursor 0. Every entry present from the first call to the
    /// last is reported at least once, even if the table is resized in
    /// between; entries may be reported more than once.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(EntryId, &E)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor;
        let emit = |buckets: &[u32], i: u64, f: &mut dyn FnMut(EntryId, &E)| {
            let mut id = buckets[i as usize & (buckets.len() - 1)];
            while id != NIL {
                let (e, next) = self.slab.entry_and_next(id);
                f(EntryId(id), e);
                id = next;
            }
        };
        if !self.is_rehashing() {
            emit(&self.ht[0], v, &mut f);
            return reverse_increment(v, (self.ht[0].len() - 1) as u64);
        }
        let (small, large) = if self.ht[0].len() <= self.ht[1].len() {
            (&self.ht[0], &self.ht[1])
        } else {
            (&self.ht[1], &self.ht[0])
        };
        let m0 = (small.len() - 1) as u64;
        let m1 = (large.len() - 1) as u64;
        emit(small, v, &mut f);
        // Every bucket of the large array that expands from small bucket
        // `v & m0`, in reverse-binary order of the extra bits and starting
        // from the cursor's own extra bits (the ones before it were covered
        // by earlier calls). When the extra bits wrap to zero the carry has
        // already incremented the `m0` part: that is the next cursor.
        loop {
            emit(large, v, &mut f);
            v = reverse_increment(v, m1);
            if v & (m0 ^ m1) == 0 {
                return v;
            }
        }
    }

    // ---- randomness ----------------------------------------------------

    /// A random entry, drawn with the caller's random numbers (`rng` returns
    /// uniformly distributed `u64`s), for `RANDOMKEY`, `SPOP`, eviction.
    ///
    /// Fairness: it first draws uniformly random slab slots until one is
    /// live, which picks every entry with exactly equal probability (better
    /// than Redis's `dictGetFairRandomKey`, which reduces but keeps the
    /// chain-length bias). Only if 32 draws in a row hit vacant slots (the
    /// slab is mostly free after mass deletion) does it fall back to a
    /// random non-empty bucket and a random position in its chain.
    pub fn random_id(&self, rng: &mut impl FnMut() -> u64) -> Option<EntryId> {
        if self.is_empty() {
            return None;
        }
        let slots = self.slab.slots();
        for _ in 0..RANDOM_SLOT_TRIES {
            let i = below(rng(), slots);
            if self.slab.is_live(i) {
                return Some(EntryId(i as u32));
            }
        }
        // Fallback: a random non-empty bucket among both arrays (skipping
        // the already-migrated prefix of the old one), then a random link.
        let (s0, s1) = (self.ht[0].len(), self.ht[1].len());
        let skip = if self.is_rehashing() {
            self.rehash_idx
        } else {
            0
        };
        loop {
            let i = skip + below(rng(), s0 + s1 - skip);
            let head = if i < s0 {
                self.ht[0][i]
            } else {
                self.ht[1][i - s0]
            };
            if head == NIL {
                continue;
            }
            let mut chain = 0;
            let mut id = head;
            while id != NIL {
                chain += 1;
                id = self.slab.next(id);
            }
            let mut id = head;
            for _ in 0..below(rng(), chain) {
                id = self.slab.next(id);
            }
            return Some(EntryId(id));
        }
    }

    /// Appends up to `n` distinct entry ids to `out`, taken from a run of
    /// consecutive buckets starting at a random one, and returns how many
    /// were appended: a cheap, non-uniform sample for eviction and active
    /// expiry, as Redis's `dictGetSomeKeys`. Gives up after visiting
    /// `10 * n` buckets, so it may return fewer than `n` (or zero).
    pub fn sample(&self, n: usize, rng: &mut impl FnMut() -> u64, out: &mut Vec<EntryId>) -> usize {
        let n = n.min(self.len());
        if n == 0 {
            return 0;
        }
        let tables = if self.is_rehashing() { 2 } else { 1 };
        let max_mask = self.ht[0].len().max(self.ht[1].len()) - 1;
        let mut i = rng() as usize & max_mask;
        let mut got = 0;
        let mut empty_run = 0;
        let mut steps = n.saturating_mul(10);
        while got < n && steps > 0 {
            steps -= 1;
            for t in 0..tables {
                if t == 0 && tables == 2 && i < self.rehash_idx {
                    // Already migrated: these buckets of ht[0] are empty.
                    if i >= self.ht[1].len() {
                        i = self.rehash_idx;
                    } else {
                        continue;
                    }
                }
                let buckets = &self.ht[t];
                if i >= buckets.len() {
                    continue;
                }
                let mut id = buckets[i];
                if id == NIL {
                    empty_run += 1;
                    if empty_run >= 5 && empty_run > n {
                        i = rng() as usize & max_mask;
                        empty_run = 0;
                    }
                    continue;
                }
                empty_run = 0;
                while id != NIL {
                    out.push(EntryId(id));
                    got += 1;
                    if got == n {
                        return got;
                    }
                    id = self.slab.next(id);
                }
            }
            i = (i + 1) & max_mask;
        }
        got
    }

    // ---- accounting ----------------------------------------------------

    /// Bytes of memory the table itself holds: bucket arrays and slab
    /// (entries, links, chunk list) plus the table header. Memory that the
    /// entries point to is the caller's to count.
    pub fn memory_usage(&self) -> usize {
        std::mem::size_of::<Self>()
            + (self.ht[0].len() + self.ht[1].len()) * std::mem::size_of::<u32>()
            + self.slab.memory_usage()
    }

    /// Bytes of entry slots allocated but empty (freed by removals, or not
    /// used yet): the table fills them before allocating more memory, so
    /// an allocator-level accounting can treat them as free. O(1).
    pub fn vacant_bytes(&self) -> usize {
        self.slab.vacant_bytes()
    }

    /// Sizes and chain-length statistics, as `DEBUG HTSTATS` reports them.
    /// Walks every bucket: O(buckets + len).
    pub fn stats(&self) -> TableStats {
        let mut arrays = Vec::new();
        for (t, buckets) in self.ht.iter().enumerate() {
            if buckets.is_empty() {
                continue;
            }
            let mut s = BucketStats {
                buckets: buckets.len(),
                entries: self.used[t],
                non_empty: 0,
                max_chain: 0,
                chain_histogram: [0; CHAIN_HISTOGRAM_LEN],
            };
            for &head in buckets.iter() {
                let mut len = 0;
                let mut id = head;
                while id != NIL {
                    len += 1;
                    id = self.slab.next(id);
                }
                if len > 0 {
                    s.non_empty += 1;
                }
                s.max_chain = s.max_chain.max(len);
                s.chain_histogram[len.min(CHAIN_HISTOGRAM_LEN - 1)] += 1;
            }
            arrays.push(s);
        }
        TableStats {
            len: self.len(),
            slab_slots: self.slab.slots(),
            free_slots: self.slab.free_len(),
            chunks: self.slab.chunks(),
            rehashing: self.is_rehashing(),
            arrays,
            memory: self.memory_usage(),
        }
    }

    /// Checks every structural invariant; panics on violation.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        assert_eq!(self.slab.len(), self.len());
        assert_eq!(self.slab.walk_free_list(), self.slab.free_len());
        let mut seen = std::collections::HashSet::new();
        for (t, buckets) in self.ht.iter().enumerate() {
            assert!(buckets.is_empty() || buckets.len().is_power_of_two());
            let mut count = 0;
            for (b, &head) in buckets.iter().enumerate() {
                if t == 0 && self.is_rehashing() && b < self.rehash_idx {
                    assert_eq!(head, NIL, "migrated bucket not empty");
                }
                let mut id = head;
                while id != NIL {
                    let e = self.slab.get(id).expect("chain reaches vacant slot");
                    assert_eq!(bucket_of(self.hash_key(e.key()), buckets), b);
                    assert!(seen.insert(id), "slot chained twice");
                    count += 1;
                    id = self.slab.next(id);
                }
            }
            assert_eq!(count, self.used[t]);
        }
        if !self.is_rehashing() && !self.ht[0].is_empty() {
            assert!(self.len() <= self.ht[0].len(), "load factor above 1");
        }
        assert_eq!(seen.len(), self.iter().count());
    }
}

/// Adds one to the bit-reversed cursor within `mask`: bits above the mask
/// are set first so that the carry passes straight through them.
#[inline]
fn reverse_increment(v: u64, mask: u64) -> u64 {
    (v | !mask).reverse_bits().wrapping_add(1).reverse_bits()
}

/// A uniform-enough integer in `0..n` from a random `u64` (multiply-high;
/// bias at most `n / 2^64`).
#[inline]
fn below(r: u64, n: usize) -> usize {
    ((u128::from(r) * n as u128) >> 64) as usize
}

/// Chain lengths at or above `CHAIN_HISTOGRAM_LEN - 1` share the last
/// histogram bucket.
pub const CHAIN_HISTOGRAM_LEN: usize = 16;

/// Statistics of one bucket array (see [`Table::stats`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketStats {
    /// Number of buckets.
    pub buckets: usize,
    /// Entries chained from this array.
    pub entries: usize,
    /// Buckets with at least one entry.
    pub non_empty: usize,
    /// Longest chain.
    pub max_chain: usize,
    /// `chain_histogram[k]`: buckets whose chain has `k` entries (the last
    /// element counts all longer chains too).
    pub chain_histogram: [usize; CHAIN_HISTOGRAM_LEN],
}

/// Statistics of a table (see [`Table::stats`]). `Display` renders them in
/// the shape of Redis's `DEBUG HTSTATS` output.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableStats {
    /// Entries.
    pub len: usize,
    /// Slab slots handed out (live + free).
    pub slab_slots: usize,
    /// Slab slots on the free list.
    pub free_slots: usize,
    /// Slab chunks allocated.
    pub chunks: usize,
    /// Whether an incremental rehash is in progress.
    pub rehashing: bool,
    /// The main bucket array, then the rehash target if rehashing.
    pub arrays: Vec<BucketStats>,
    /// [`Table::memory_usage`].
    pub memory: usize,
}

impl fmt::Display for TableStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.arrays.is_empty() {
            return writeln!(f, "No stats available for empty dictionaries");
        }
        for (i, s) in self.arrays.iter().enumerate() {
            let which = if i == 0 {
                "main hash table"
            } else {
                "rehashing target"
            };
            writeln!(f, "Hash table {i} stats ({which}):")?;
            writeln!(f, " table size: {}", s.buckets)?;
            writeln!(f, " number of elements: {}", s.entries)?;
            writeln!(f, " different slots: {}", s.non_empty)?;
            writeln!(f, " max chain length: {}", s.max_chain)?;
            let counted = if s.non_empty == 0 {
                0.0
            } else {
                s.entries as f64 / s.non_empty as f64
            };
            writeln!(f, " avg chain length (counted): {counted:.2}")?;
            let computed = s.entries as f64 / s.buckets as f64;
            writeln!(f, " avg chain length (computed): {computed:.2}")?;
            writeln!(f, " Chain length distribution:")?;
            for (len, &n) in s.chain_histogram.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                let pct = n as f64 * 100.0 / s.buckets as f64;
                writeln!(f, "   {len}: {n} ({pct:.02}%)")?;
            }
        }
        writeln!(
            f,
            "Slab: {} slots in {} chunks, {} free; {} bytes",
            self.slab_slots, self.chunks, self.free_slots, self.memory
        )
    }
}
