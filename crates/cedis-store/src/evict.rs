//! Access clocks and eviction: what `maxmemory` needs from the keyspace.
//!
//! Every entry keeps 24 bits of access data (`Entry::lru`). Under an LRU
//! (or any non-LFU) policy they are Redis's LRU clock: seconds, modulo
//! 2^24. Under an LFU policy ([`crate::StoreConfig::lfu`]) they are Redis's
//! LFU pair: the minute of the last decrement (16 bits) and a logarithmic
//! access counter (8 bits) that starts at [`LFU_INIT_VAL`], grows with
//! probability `1 / ((counter - 5) * lfu-log-factor + 1)` on each access and
//! loses one per `lfu-decay-time` minutes without access. Switching policy
//! at runtime reinterprets the bits as they are, as Redis does; they come
//! right as keys are accessed again.
//!
//! Eviction is driven by the server ([`Store::evict_one`]): it knows the
//! memory figures, the store knows the keys. Redis's approximated
//! algorithms: each call samples `maxmemory-samples` keys per database (all
//! keys for `allkeys-*`, keys with an expiry for `volatile-*`) into a pool
//! of the [`POOL_SIZE`] best candidates seen so far, kept across calls, and
//! evicts the best one that still exists: the longest idle (LRU), the
//! lowest counter (LFU), the nearest deadline (`volatile-ttl`); the
//! `*-random` policies take a random key from the next non-empty database.
//! An evicted key counts in `evicted_keys` and records an `evicted` event
//! (class `e`), which the server turns into WATCH invalidation, tracking
//! invalidation and keyspace notifications.

use cedis_types::table::{EntryId, TableEntry};
use rand::Rng;

use crate::events::class;
use rand::rngs::SmallRng;

use crate::{Entry, Store, StoreConfig};

/// The counter a new key starts with under LFU (Redis's `LFU_INIT_VAL`).
pub const LFU_INIT_VAL: u32 = 5;

/// Candidates kept between eviction calls (Redis's `EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;

/// Milliseconds per LRU clock tick.
const LRU_RESOLUTION_MS: u64 = 1000;
const LRU_CLOCK_MAX: u32 = 0xFF_FFFF;

/// A `maxmemory-policy` that evicts (`noeviction` is the server's business).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictPolicy {
    /// `volatile-lru`.
    VolatileLru,
    /// `volatile-lfu`.
    VolatileLfu,
    /// `volatile-random`.
    VolatileRandom,
    /// `volatile-ttl`.
    VolatileTtl,
    /// `allkeys-lru`.
    AllkeysLru,
    /// `allkeys-lfu`.
    AllkeysLfu,
    /// `allkeys-random`.
    AllkeysRandom,
}

impl EvictPolicy {
    /// Whether only keys with an expiry are candidates.
    pub fn volatile(self) -> bool {
        matches!(
            self,
            EvictPolicy::VolatileLru
                | EvictPolicy::VolatileLfu
                | EvictPolicy::VolatileRandom
                | EvictPolicy::VolatileTtl
        )
    }

    /// Whether access clocks hold LFU data under this policy.
    pub fn lfu(self) -> bool {
        matches!(self, EvictPolicy::VolatileLfu | EvictPolicy::AllkeysLfu)
    }

    fn random(self) -> bool {
        matches!(
            self,
            EvictPolicy::VolatileRandom | EvictPolicy::AllkeysRandom
        )
    }
}

/// A key [`Store::evict_one`] removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evicted {
    /// Its database.
    pub db: usize,
    /// The key.
    pub key: Vec<u8>,
}

#[derive(Debug)]
struct Candidate {
    /// Higher is a better victim.
    idle: u64,
    db: usize,
    key: Box<[u8]>,
}

/// The candidate pool and cursors kept between calls.
#[derive(Debug, Default)]
pub(crate) struct EvictState {
    /// Sorted by ascending `idle`; the best candidate is last.
    pool: Vec<Candidate>,
    next_db: usize,
    ids: Vec<EntryId>,
}

/// The LFU clock: minutes modulo 2^16.
fn lfu_minutes(now_ms: i64) -> u32 {
    ((now_ms.max(0) / 60_000) as u64 & 0xFFFF) as u32
}

/// The LFU counter of `data` after the decay due at `now_ms`, without
/// storing it (Redis's `LFUDecrAndReturn`).
pub(crate) fn lfu_decayed(data: u32, now_ms: i64, decay_time: u32) -> u32 {
    let last = data >> 8;
    let counter = data & 0xFF;
    if decay_time == 0 {
        return counter;
    }
    let now = lfu_minutes(now_ms);
    let elapsed = if now >= last {
        now - last
    } else {
        65_535 - last + now
    };
    counter.saturating_sub(elapsed / decay_time)
}

/// One probabilistic increment of an LFU counter (Redis's `LFULogIncr`).
fn lfu_log_incr(counter: u32, log_factor: u32, r: f64) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

/// The LRU idle time in milliseconds of a clock value.
fn lru_idle_ms(clock: u32, lru: u32) -> u64 {
    let ticks = if clock >= lru {
        clock - lru
    } else {
        clock + (LRU_CLOCK_MAX - lru)
    };
    u64::from(ticks) * LRU_RESOLUTION_MS
}

/// The LRU clock at `now_ms`: seconds modulo 2^24.
#[inline]
pub(crate) fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / 1000) as u64 & u64::from(LRU_CLOCK_MAX)) as u32
}

/// Records an access to `e`: refreshes its LRU clock, or decays and
/// (probably) increments its LFU counter (Redis's `updateLFU`).
#[inline]
pub(crate) fn touch_entry(e: &mut Entry, config: &StoreConfig, now_ms: i64, rng: &mut SmallRng) {
    let data = if config.lfu {
        let counter = lfu_decayed(e.lru(), now_ms, config.lfu_decay_time);
        let counter = lfu_log_incr(counter, config.lfu_log_factor, rng.gen());
        (lfu_minutes(now_ms) << 8) | counter
    } else {
        lru_clock(now_ms)
    };
    e.set_lru(data);
}

impl Store {
    /// The access data a new key starts with under the current policy.
    pub(crate) fn initial_clock(&self) -> u32 {
        if self.config.lfu {
            (lfu_minutes(self.now_ms) << 8) | LFU_INIT_VAL
        } else {
            self.lru_clock()
        }
    }

    /// OBJECT FREQ: the LFU counter of a key after decay (meaningful under
    /// an LFU policy only; the server refuses otherwise).
    pub fn object_freq(&mut self, db: usize, key: &[u8]) -> Option<u32> {
        let (now, decay) = (self.now_ms, self.config.lfu_decay_time);
        let e = self.lookup_object(db, key)?;
        Some(lfu_decayed(e.lru(), now, decay))
    }

    /// Adds `samples` sampled keys of `db` to the candidate pool.
    fn populate_pool(&mut self, db: usize, policy: EvictPolicy, samples: usize) {
        let mut ids = std::mem::take(&mut self.evict.ids);
        let mut found: Vec<(u64, Box<[u8]>)> = Vec::with_capacity(samples.min(64));
        let (clock, now, decay) = (self.lru_clock(), self.now_ms, self.config.lfu_decay_time);
        // How good a victim an entry is (higher is better).
        let score = |e: &Entry, deadline: Option<i64>| match policy {
            EvictPolicy::VolatileTtl => u64::MAX - deadline.unwrap_or(i64::MAX).max(0) as u64,
            p if p.lfu() => 255 - u64::from(lfu_decayed(e.lru(), now, decay)),
            _ => lru_idle_ms(clock, e.lru()),
        };
        let rng = &mut self.rng;
        let mut next = || rng.gen::<u64>();
        self.dbs[db].sample_entries(samples, policy.volatile(), &mut next, &mut ids, |e, at| {
            found.push((score(e, at), e.key().into()));
        });
        self.evict.ids = ids;
        let pool = &mut self.evict.pool;
        for (idle, key) in found {
            if pool.iter().any(|c| c.db == db && c.key == key) {
                continue;
            }
            let at = pool.partition_point(|c| c.idle < idle);
            if pool.len() >= POOL_SIZE {
                if at == 0 {
                    continue; // worse than every candidate of a full pool
                }
                pool.remove(0);
                pool.insert(at - 1, Candidate { idle, db, key });
            } else {
                pool.insert(at, Candidate { idle, db, key });
            }
        }
    }

    /// Evicts one key chosen by `policy`, sampling `samples` keys per
    /// database (`maxmemory-samples`). `None` when no key is a candidate
    /// (an empty keyspace, or no key with an expiry under `volatile-*`).
    pub fn evict_one(&mut self, policy: EvictPolicy, samples: usize) -> Option<Evicted> {
        self.evict_one_measured(policy, samples, |_| 0)
            .map(|(e, _)| e)
    }

    /// [`Store::evict_one`] that also says how much memory the removal
    /// freed: `measure` is called right before and right after the key is
    /// deleted, so the candidate pool's upkeep and the event recorded
    /// afterwards do not count (as Redis measures around `dbDelete` only).
    pub fn evict_one_measured(
        &mut self,
        policy: EvictPolicy,
        samples: usize,
        measure: impl Fn(&Store) -> u64,
    ) -> Option<(Evicted, u64)> {
        let (db, key) = self.pick_victim(policy, samples)?;
        let before = measure(self);
        drop(self.dbs[db].remove(&key)?);
        let freed = before.saturating_sub(measure(self));
        self.stats.evicted_keys += 1;
        self.notify(db, &key, "evicted", class::EVICTED);
        Some((Evicted { db, key }, freed))
    }

    /// The key `policy` would evict next (the pool keeps the others).
    fn pick_victim(&mut self, policy: EvictPolicy, samples: usize) -> Option<(usize, Vec<u8>)> {
        let volatile = policy.volatile();
        let dbs = self.dbs.len();
        let candidates = |ks: &crate::keyspace::Keyspace| {
            if volatile {
                ks.expires_len()
            } else {
                ks.len()
            }
        };
        let (db, key) = if policy.random() {
            let mut picked = None;
            for _ in 0..dbs {
                self.evict.next_db = (self.evict.next_db + 1) % dbs;
                let db = self.evict.next_db;
                if candidates(&self.dbs[db]) == 0 {
                    continue;
                }
                let rng = &mut self.rng;
                let mut next = || rng.gen::<u64>();
                let ks = &self.dbs[db];
                let key = if volatile {
                    ks.random_volatile_key(&mut next)
                } else {
                    ks.random_key(&mut next)
                };
                if let Some(k) = key {
                    picked = Some((db, k.to_vec()));
                    break;
                }
            }
            picked?
        } else {
            loop {
                let mut total = 0;
                for db in 0..dbs {
                    let n = candidates(&self.dbs[db]);
                    if n > 0 {
                        self.populate_pool(db, policy, samples.max(1));
                        total += n;
                    }
                }
                if total == 0 {
                    return None;
                }
                // The best candidate that still qualifies; others are ghosts.
                let mut picked = None;
                while let Some(c) = self.evict.pool.pop() {
                    let ks = &self.dbs[c.db];
                    let live = match ks.get(&c.key) {
                        Some(e) => !volatile || e.has_expire(),
                        None => false,
                    };
                    if live {
                        picked = Some((c.db, c.key.into_vec()));
                        break;
                    }
                }
                if let Some(p) = picked {
                    break p;
                }
            }
        };
        Some((db, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExpireCondition, SetOptions};
    use proptest::prelude::*;

    const T0: i64 = 1_700_000_000_000;

    fn store(lfu: bool) -> Store {
        let mut s = Store::new(2);
        s.set_time(T0);
        s.config.lfu = lfu;
        s
    }

    fn set(s: &mut Store, db: usize, k: &str) {
        s.set(db, k.as_bytes(), b"v", &SetOptions::default())
            .unwrap();
    }

    #[test]
    fn lfu_counter_starts_at_init_and_grows_logarithmically() {
        let mut s = store(true);
        set(&mut s, 0, "k");
        assert_eq!(s.object_freq(0, b"k"), Some(LFU_INIT_VAL));
        // The first access from the initial value always counts.
        s.get(0, b"k").unwrap();
        assert_eq!(s.object_freq(0, b"k"), Some(LFU_INIT_VAL + 1));
        for _ in 0..2000 {
            s.get(0, b"k").unwrap();
        }
        let f = s.object_freq(0, b"k").unwrap();
        // With lfu-log-factor 10, 2000 hits reach about 5 + 20 (Redis's
        // table: 1K hits -> 18, 100K -> 142 from 0); far below 255.
        assert!((12..60).contains(&f), "freq {f}");
    }

    #[test]
    fn lfu_counter_decays_per_decay_time_and_overwrite_keeps_it() {
        let mut s = store(true);
        set(&mut s, 0, "k");
        for _ in 0..50 {
            s.get(0, b"k").unwrap();
        }
        let f = s.object_freq(0, b"k").unwrap();
        s.set_time(T0 + 3 * 60_000);
        assert_eq!(s.object_freq(0, b"k"), Some(f - 3));
        s.config.lfu_decay_time = 0;
        assert_eq!(s.object_freq(0, b"k"), Some(f));
        s.config.lfu_decay_time = 1;
        // SET looks the key up for writing (decay, maybe one increment) and
        // the new value keeps the counter (Redis's dbOverwrite).
        set(&mut s, 0, "k");
        let after = s.object_freq(0, b"k").unwrap();
        assert!(after == f - 3 || after == f - 2, "{f} -> {after}");
    }

    #[test]
    fn no_touch_leaves_the_counter_alone() {
        let mut s = store(true);
        set(&mut s, 0, "k");
        s.config.no_touch = true;
        for _ in 0..20 {
            s.get(0, b"k").unwrap();
        }
        assert_eq!(s.object_freq(0, b"k"), Some(LFU_INIT_VAL));
    }

    #[test]
    fn lru_evicts_the_longest_idle_keys() {
        let mut s = store(false);
        for i in 0..100 {
            set(&mut s, 0, &format!("old{i}"));
        }
        s.set_time(T0 + 100_000);
        for i in 0..100 {
            set(&mut s, 0, &format!("new{i}"));
        }
        s.record_events(true);
        let mut evicted = Vec::new();
        for _ in 0..50 {
            evicted.push(s.evict_one(EvictPolicy::AllkeysLru, 5).unwrap());
        }
        let old = evicted.iter().filter(|e| e.key.starts_with(b"old")).count();
        assert!(
            old >= 45,
            "only {old} of 50 evicted keys were the idle ones"
        );
        assert_eq!(s.stats.evicted_keys, 50);
        assert_eq!(s.dbsize(0), 150);
        let mut ev = Vec::new();
        s.take_events(&mut ev);
        assert_eq!(ev.len(), 50);
        assert!(ev
            .iter()
            .all(|e| e.name == "evicted" && e.class == class::EVICTED));
    }

    #[test]
    fn lfu_evicts_the_least_used_keys() {
        let mut s = store(true);
        for i in 0..100 {
            let k = format!("hot{i}");
            set(&mut s, 0, &k);
            for _ in 0..30 {
                s.get(0, k.as_bytes()).unwrap();
            }
            set(&mut s, 0, &format!("cold{i}"));
        }
        let mut cold = 0;
        for _ in 0..50 {
            let e = s.evict_one(EvictPolicy::AllkeysLfu, 5).unwrap();
            cold += usize::from(e.key.starts_with(b"cold"));
        }
        assert!(cold >= 45, "only {cold} of 50 evicted keys were cold");
    }

    #[test]
    fn volatile_policies_only_take_keys_with_an_expiry() {
        for policy in [
            EvictPolicy::VolatileLru,
            EvictPolicy::VolatileLfu,
            EvictPolicy::VolatileRandom,
            EvictPolicy::VolatileTtl,
        ] {
            let mut s = store(policy.lfu());
            for i in 0..50 {
                set(&mut s, i % 2, &format!("p{i}"));
                let k = format!("t{i}");
                set(&mut s, i % 2, &k);
                s.expire_at(
                    i % 2,
                    k.as_bytes(),
                    T0 + 1000 + i as i64,
                    ExpireCondition::Always,
                )
                .unwrap();
            }
            for _ in 0..50 {
                let e = s.evict_one(policy, 5).expect("a volatile key remains");
                assert!(e.key.starts_with(b"t"), "{policy:?} evicted {:?}", e.key);
            }
            assert_eq!(s.evict_one(policy, 5), None, "{policy:?}");
            assert_eq!(s.dbsize(0) + s.dbsize(1), 50);
        }
    }

    #[test]
    fn volatile_ttl_takes_the_nearest_deadline_first() {
        let mut s = store(false);
        for i in 0..100 {
            let k = format!("k{i}");
            set(&mut s, 0, &k);
            s.expire_at(
                0,
                k.as_bytes(),
                T0 + 10_000 + i * 1000,
                ExpireCondition::Always,
            )
            .unwrap();
        }
        let mut near = 0;
        for _ in 0..30 {
            let e = s.evict_one(EvictPolicy::VolatileTtl, 5).unwrap();
            let n: i64 = std::str::from_utf8(&e.key[1..]).unwrap().parse().unwrap();
            near += usize::from(n < 50);
        }
        assert!(near >= 27, "{near} of 30 had near deadlines");
    }

    #[test]
    fn persisted_pool_entries_are_ghosts_for_volatile() {
        let mut s = store(false);
        set(&mut s, 0, "a");
        s.expire_at(0, b"a", T0 + 5000, ExpireCondition::Always)
            .unwrap();
        set(&mut s, 0, "b");
        s.expire_at(0, b"b", T0 + 5000, ExpireCondition::Always)
            .unwrap();
        // Fill the pool with both, then make one of them non-volatile.
        s.populate_pool(0, EvictPolicy::VolatileLru, 5);
        s.persist(0, b"a");
        let e = s.evict_one(EvictPolicy::VolatileLru, 5).unwrap();
        assert_eq!(e.key, b"b");
        assert_eq!(s.evict_one(EvictPolicy::VolatileLru, 5), None);
        assert!(s.exists(0, b"a"));
    }

    #[test]
    fn empty_store_evicts_nothing() {
        let mut s = store(false);
        for p in [EvictPolicy::AllkeysLru, EvictPolicy::AllkeysRandom] {
            assert_eq!(s.evict_one(p, 5), None);
        }
    }

    proptest! {
        #[test]
        fn eviction_drains_exactly_the_candidates(
            n_plain in 0usize..40,
            n_ttl in 0usize..40,
            samples in 1usize..12,
            policy in prop_oneof![
                Just(EvictPolicy::AllkeysLru), Just(EvictPolicy::AllkeysLfu),
                Just(EvictPolicy::AllkeysRandom), Just(EvictPolicy::VolatileLru),
                Just(EvictPolicy::VolatileLfu), Just(EvictPolicy::VolatileRandom),
                Just(EvictPolicy::VolatileTtl),
            ],
        ) {
            let mut s = store(policy.lfu());
            for i in 0..n_plain {
                set(&mut s, i % 2, &format!("p{i}"));
            }
            for i in 0..n_ttl {
                let k = format!("t{i}");
                set(&mut s, i % 2, &k);
                s.expire_at(i % 2, k.as_bytes(), T0 + 60_000, ExpireCondition::Always).unwrap();
            }
            let want = if policy.volatile() { n_ttl } else { n_plain + n_ttl };
            let mut seen = std::collections::HashSet::new();
            while let Some(e) = s.evict_one(policy, samples) {
                prop_assert!(seen.insert((e.db, e.key.clone())), "evicted twice");
                prop_assert!(seen.len() <= want);
            }
            prop_assert_eq!(seen.len(), want);
            prop_assert_eq!(s.stats.evicted_keys, want as u64);
            prop_assert_eq!(s.dbsize(0) + s.dbsize(1), n_plain + n_ttl - want);
        }

        #[test]
        fn lfu_counter_never_leaves_its_byte(counter in 0u32..=255, r in 0.0f64..1.0, f in 0u32..100) {
            let c = lfu_log_incr(counter, f, r);
            prop_assert!(c == counter || c == counter + 1);
            prop_assert!(c <= 255);
        }
    }
}
