//! The active expiry cycle: Redis's adaptive sampling of keys with a TTL.
//!
//! Each run samples keys that have a deadline, reclaims the expired ones and
//! keeps going on a database while more than the acceptable share of the
//! sample was stale, within a time budget derived from `hz` and
//! `active-expire-effort`, so a million short-lived keys are reclaimed in
//! small slices instead of one long pause.

use std::time::{Duration, Instant};

use crate::Store;

/// What one active cycle did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExpireCycleStats {
    /// Keys examined.
    pub sampled: u64,
    /// Keys reclaimed.
    pub expired: u64,
    /// Whether the cycle ran out of time.
    pub timed_out: bool,
}

/// Cursor state kept between cycles.
#[derive(Debug, Default)]
pub(crate) struct ExpireState {
    next_db: usize,
    sample: Vec<(Box<[u8]>, i64)>,
    ids: Vec<cedis_types::table::EntryId>,
}

impl Store {
    /// Runs one slow active-expiry cycle, as Redis's cron does `hz` times a
    /// second. Does nothing when the cycle is switched off.
    pub fn active_expire_cycle(&mut self, hz: u32) -> ExpireCycleStats {
        let mut stats = ExpireCycleStats::default();
        if !self.config.active_expire || self.config.expire_paused {
            return stats;
        }
        let effort = self.config.active_expire_effort.clamp(1, 10) as usize - 1;
        let per_loop = 20 + 20 / 4 * effort;
        let acceptable_stale = 10 - effort as u64;
        let percent = 25 + 2 * effort as u64;
        let budget = Duration::from_micros(1_000_000 * percent / u64::from(hz.max(1)) / 100);
        let start = Instant::now();
        let dbs = self.dbs.len();
        let mut sample = std::mem::take(&mut self.expire.sample);
        let mut ids = std::mem::take(&mut self.expire.ids);
        'dbs: for _ in 0..dbs {
            let db = self.expire.next_db % dbs;
            self.expire.next_db = self.expire.next_db.wrapping_add(1);
            let mut iterations = 0u32;
            loop {
                if self.dbs[db].expires_len() == 0 {
                    break;
                }
                let rng = &mut self.rng;
                self.dbs[db].sample_expires(
                    per_loop,
                    &mut || rand::Rng::gen(rng),
                    &mut ids,
                    &mut sample,
                );
                let mut expired = 0u64;
                for (key, at) in &sample {
                    if *at <= self.now_ms && self.dbs[db].remove(key).is_some() {
                        expired += 1;
                        self.notify(db, key, "expired", crate::events::class::EXPIRED);
                    }
                }
                self.stats.expired_keys += expired;
                stats.sampled += sample.len() as u64;
                stats.expired += expired;
                iterations += 1;
                if iterations % 16 == 0 && start.elapsed() > budget {
                    stats.timed_out = true;
                    break 'dbs;
                }
                if sample.is_empty() || expired * 100 / sample.len() as u64 <= acceptable_stale {
                    break;
                }
            }
        }
        self.expire.sample = sample;
        self.expire.ids = ids;
        stats
    }
}

#[cfg(test)]
mod tests {
    use crate::{ExpireCondition, SetOptions, Store};

    #[test]
    fn cycle_reclaims_expired_keys() {
        let mut s = Store::new(2);
        s.set_time(1000);
        for i in 0..500u32 {
            let k = format!("k{i}");
            s.set(0, k.as_bytes(), b"v", &SetOptions::default())
                .unwrap();
            s.expire_at(0, k.as_bytes(), 1500, ExpireCondition::Always)
                .unwrap();
        }
        s.set(0, b"keep", b"v", &SetOptions::default()).unwrap();
        s.set_time(2000);
        for _ in 0..100 {
            s.active_expire_cycle(10);
        }
        assert_eq!(s.dbsize(0), 1);
        assert_eq!(s.stats.expired_keys, 500);
    }

    #[test]
    fn cycle_can_be_switched_off() {
        let mut s = Store::new(1);
        s.set_time(1000);
        s.set(0, b"k", b"v", &SetOptions::default()).unwrap();
        s.expire_at(0, b"k", 1500, ExpireCondition::Always).unwrap();
        s.set_time(2000);
        s.config.active_expire = false;
        s.active_expire_cycle(10);
        assert_eq!(s.dbsize(0), 1);
    }
}
