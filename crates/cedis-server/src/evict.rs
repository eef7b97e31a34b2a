//! `maxmemory`: evicting keys to stay under the limit and refusing
//! commands that would grow memory when that fails (Redis's
//! `performEvictions`).
//!
//! The figure compared with `maxmemory` is the counting allocator's total
//! ([`crate::alloc::allocated`]) minus what Redis does not count for
//! eviction (replica output buffers, the AOF buffer): cedis has neither yet,
//! so `mem_not_counted_for_evict` is 0 and the whole total counts. Without
//! the counting allocator (an embedder's program) nothing is evicted.
//!
//! [`perform`] evicts one key at a time through
//! [`cedis_store::Store::evict_one`], measuring what each freed, until the
//! target is met. Every 16 keys it checks the time spent against the limit
//! derived from `maxmemory-eviction-tenacity`; past it, it hands the rest to
//! the eviction task ([`task`], Redis's `evictionTimeProc`), which keeps
//! evicting in slices between client batches, and the command goes ahead
//! (`Running`). The dispatcher calls [`perform`] before every command while
//! `maxmemory` is set ([`check`]); with `maxmemory 0` that costs one branch.
//! The cron also calls it, so memory comes down without traffic, and
//! CONFIG SET maxmemory wakes the task.
//!
//! A command is refused with the OOM error when eviction failed (nothing
//! left to evict, or `noeviction`) and the command is flagged `denyoom`,
//! or is EXEC of a transaction holding such a command (then the
//! transaction is discarded with `EXECABORT ... because of: OOM ...`), or
//! is any command queued inside MULTI but EXEC, DISCARD, QUIT and RESET,
//! as redis-server 7.0 does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cedis_store::Store;
use tokio::sync::Notify;

use crate::cmd::error::CmdError;
use crate::cmd::table::{flags, Command};
use crate::cmd::Ctx;
use crate::state::{ServerState, Shared};

/// Redis's reply to a command refused for memory.
pub const OOM_ERROR: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// What one [`perform`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Memory is under the limit.
    Ok,
    /// Over the limit, but the eviction task is working on it.
    Running,
    /// Over the limit and nothing more can be evicted (or `noeviction`).
    Fail,
}

/// Eviction bookkeeping kept in [`ServerState`].
#[derive(Debug, Default)]
pub struct Eviction {
    /// Since when memory has been over the limit (unresolved).
    over_since: Option<Instant>,
    /// Completed over-the-limit time (INFO total_eviction_exceeded_time).
    total_exceeded: Duration,
    /// The eviction task has work to finish.
    running: bool,
    /// Wakes the eviction task.
    wake: Arc<Notify>,
}

impl Eviction {
    /// INFO's `total_eviction_exceeded_time` and
    /// `current_eviction_exceeded_time`, in milliseconds.
    pub fn exceeded_ms(&self) -> (u64, u64) {
        let current = self.over_since.map_or(Duration::ZERO, |t| t.elapsed());
        (
            (self.total_exceeded + current).as_millis() as u64,
            current.as_millis() as u64,
        )
    }

    /// CONFIG RESETSTAT.
    pub fn reset_stats(&mut self) {
        self.total_exceeded = Duration::ZERO;
        if self.over_since.is_some() {
            self.over_since = Some(Instant::now());
        }
    }

    /// Asks the eviction task to run (CONFIG SET maxmemory).
    pub fn start(&mut self) {
        self.running = true;
        self.wake.notify_one();
    }

    fn update_metrics(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Ok => {
                if let Some(t) = self.over_since.take() {
                    self.total_exceeded += t.elapsed();
                }
            }
            Outcome::Running | Outcome::Fail => {
                self.over_since.get_or_insert_with(Instant::now);
            }
        }
    }
}

/// The time one [`perform`] may spend (Redis's `evictionTimeLimitUs`):
/// 50 µs per tenacity step up to 10, then growing 15% a step, unlimited
/// at 100.
pub fn time_limit(tenacity: u32) -> Option<Duration> {
    match tenacity {
        0..=10 => Some(Duration::from_micros(50 * u64::from(tenacity))),
        11..=99 => Some(Duration::from_secs_f64(
            500e-6 * 1.15f64.powi(tenacity as i32 - 10),
        )),
        _ => None,
    }
}

/// Used memory as maxmemory sees it (and INFO reports it): the counting
/// allocator's total minus the key tables' empty slots. A table allocates
/// its entry slots 4096 at a time and reuses freed ones before allocating
/// again, so an evicted key's slot is free space for the next key, just as
/// memory freed inside Redis's allocator is, which its `used_memory` does
/// not count either. Without this a table's new chunk (~200 KB) could
/// never be paid back by evicting small keys. `None` without the counting
/// allocator.
pub fn used_memory(store: &Store) -> Option<u64> {
    let allocated = crate::alloc::allocated()? as u64;
    Some(allocated.saturating_sub(store.vacant_table_bytes() as u64))
}

/// Evicts keys until used memory is under `maxmemory`, within the time
/// limit. Events of evicted keys stay in the store's log for the caller
/// to drain.
pub fn perform(store: &mut Store, server: &mut ServerState) -> Outcome {
    let outcome = evict_until_under(store, server);
    server.eviction.running = outcome == Outcome::Running;
    server.eviction.update_metrics(outcome);
    outcome
}

fn evict_until_under(store: &mut Store, server: &mut ServerState) -> Outcome {
    let max = server.settings.maxmemory;
    let Some(used) = used_memory(store).filter(|_| max != 0) else {
        return Outcome::Ok;
    };
    // The peak before eviction brings memory down.
    server.info.note_memory(used);
    if used <= max {
        return Outcome::Ok;
    }
    // While clients are paused the dataset stays still: no eviction, as
    // no expiry (Redis's isSafeToPerformEvictions).
    if server.pause.is_some_and(|p| Instant::now() < p.until) {
        return Outcome::Ok;
    }
    let Some(policy) = server.config.maxmemory_policy() else {
        return Outcome::Fail;
    };
    let samples = server.config.maxmemory_samples().max(1) as usize;
    let limit = time_limit(server.config.maxmemory_eviction_tenacity());
    let to_free = used - max;
    let start = Instant::now();
    let (mut freed, mut keys) = (0u64, 0u64);
    while freed < to_free {
        // Only the deletion counts: the invalidations and notifications
        // it causes cost memory too, but counting them could keep the
        // loop from ever ending (Redis measures the same way).
        let measure = |s: &Store| used_memory(s).unwrap_or(0);
        match store.evict_one_measured(policy, samples, measure) {
            Some((_, bytes)) => freed += bytes,
            None => return Outcome::Fail,
        }
        keys += 1;
        if keys % 16 == 0 && limit.is_some_and(|l| start.elapsed() > l) {
            server.eviction.wake.notify_one();
            return Outcome::Running;
        }
    }
    Outcome::Ok
}

/// Before a command while `maxmemory` is set: evicts as needed and says
/// whether `command` must be refused. Events of evicted keys are drained
/// (watchers, tracking, notifications) before the command runs. Kept out
/// of line: with `maxmemory 0` the dispatcher pays only its branch.
#[cold]
#[inline(never)]
pub fn check(ctx: &mut Ctx<'_>, command: &Command) -> Result<(), CmdError> {
    // Commands inside EXEC were checked as a whole at EXEC; a blocked
    // command being served was checked when it arrived.
    if ctx.client.tx.executing() || ctx.client.serving_unblocked {
        return Ok(());
    }
    crate::notify::before_command(ctx.store, ctx.server);
    let outcome = perform(ctx.store, ctx.server);
    crate::notify::after_eviction(ctx);
    if outcome != Outcome::Fail {
        return Ok(());
    }
    let name = command.full_name.as_str();
    let exec = name == "exec";
    let tx = &ctx.client.tx;
    let deny = command.spec.has(flags::DENYOOM)
        || (exec && tx.in_multi() && tx.queued_any(flags::DENYOOM))
        || (tx.queuing() && !matches!(name, "exec" | "discard" | "quit" | "reset"));
    match deny {
        false => Ok(()),
        true if exec && tx.in_multi() => {
            crate::cmd::multi::discard_transaction(ctx);
            Err(CmdError::owned(format!(
                "EXECABORT Transaction discarded because of: {OOM_ERROR}"
            )))
        }
        true => Err(CmdError::msg(OOM_ERROR)),
    }
}

/// Called from the cron: keeps memory under the limit without traffic.
pub fn cron(state: &mut crate::state::State) {
    if state.server.settings.maxmemory == 0 {
        return;
    }
    let crate::state::State { store, server } = state;
    crate::notify::before_command(store, server);
    perform(store, server);
    crate::notify::drain_background(store, server);
}

/// Redis's `evictionTimeProc`: once woken, evicts in time-limited slices,
/// yielding to clients between them, until memory is under the limit or
/// nothing is left to evict.
pub async fn task(shared: Arc<Shared>) {
    let wake = Arc::clone(&shared.lock().server.eviction.wake);
    loop {
        wake.notified().await;
        loop {
            let outcome = {
                let mut st = shared.lock();
                if !st.server.eviction.running {
                    break;
                }
                let now = crate::state::unix_ms();
                st.store.set_time(now);
                let crate::state::State { store, server } = &mut *st;
                crate::notify::before_command(store, server);
                let outcome = perform(store, server);
                crate::notify::drain_background(store, server);
                outcome
            };
            if outcome != Outcome::Running {
                break;
            }
            tokio::task::yield_now().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenacity_time_limits_follow_redis() {
        assert_eq!(time_limit(0), Some(Duration::ZERO));
        assert_eq!(time_limit(10), Some(Duration::from_micros(500)));
        let l11 = time_limit(11).unwrap().as_secs_f64();
        assert!((l11 - 575e-6).abs() < 1e-9, "{l11}");
        assert!(time_limit(99).unwrap() > Duration::from_secs(100));
        assert_eq!(time_limit(100), None);
    }

    #[test]
    fn exceeded_time_accumulates_until_ok() {
        let mut e = Eviction::default();
        e.update_metrics(Outcome::Fail);
        assert!(e.over_since.is_some());
        e.update_metrics(Outcome::Ok);
        assert!(e.over_since.is_none());
        assert_eq!(e.exceeded_ms().1, 0);
    }
}
