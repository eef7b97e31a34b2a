//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! A client in MULTI has its commands checked by the dispatcher (lookup,
//! arity, authentication, `no_multi`, ...) and queued ([`queue`]) instead
//! of run; a command refused while queuing flags the transaction
//! ([`Transaction::flag_error`]) so that EXEC answers `EXECABORT`. EXEC
//! runs the queue through the one [`super::execute`] path, in order, under
//! the state lock the connection already holds, so no other client runs in
//! between; errors inside are replies, nothing is rolled back.
//!
//! WATCH registers keys in [`crate::watch`]; a change to one of them marks
//! the client dirty (`dirty_cas`) and EXEC then replies a null array.
//!
//! Blocking commands: while EXEC runs, [`Transaction::deny_blocking`] is
//! true, and a blocking command must then behave as its non-blocking form
//! (reply as if its timeout had passed at once), as in Redis.

use bytes::Bytes;

use super::error::{CmdError, CmdResult};
use super::table::{cmd, flags::*, Command, CommandSpec};
use super::Ctx;
use crate::watch::WatchedKey;

const TX_FAST: &[&str] = &["fast", "transaction"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("multi", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0), TX_FAST, multi),
    cmd("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, (0, 0, 0), &["slow", "transaction"], exec),
    cmd("discard", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0), TX_FAST, discard),
    cmd("watch", -2, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (1, -1, 1), TX_FAST, watch),
    cmd("unwatch", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0), TX_FAST, unwatch),
];

/// A client's transaction state (Redis's `CLIENT_MULTI`, `CLIENT_DIRTY_CAS`,
/// `CLIENT_DIRTY_EXEC` flags, the queued commands and the watched keys).
#[derive(Debug, Default)]
pub struct Transaction {
    /// In MULTI (until EXEC or DISCARD finishes).
    multi: bool,
    /// The queued commands, in order.
    queue: Vec<Vec<Bytes>>,
    /// A command was refused while queuing: EXEC answers EXECABORT.
    aborted: bool,
    /// The union of the queued commands' flags (EXEC of writes counts as
    /// a write for CLIENT PAUSE WRITE).
    queued_flags: u32,
    /// EXEC is running the queue.
    executing: bool,
    /// A watched key changed (or, for a client in no transaction, will
    /// make the next EXEC fail): CLIENT LIST flag `d`.
    pub dirty_cas: bool,
    /// Watched keys (see [`crate::watch`]).
    pub watched: Vec<WatchedKey>,
}

impl Transaction {
    /// Whether the client is in MULTI (CLIENT LIST flag `x`).
    pub fn in_multi(&self) -> bool {
        self.multi
    }

    /// Whether commands must be queued rather than run: in MULTI and not
    /// running EXEC.
    pub fn queuing(&self) -> bool {
        self.multi && !self.executing
    }

    /// True while EXEC runs the queue (the clock stands still).
    pub fn executing(&self) -> bool {
        self.executing
    }

    /// True while EXEC runs the queue: blocking commands must not block
    /// (the hook for BLPOP and friends: reply as on timeout).
    pub fn deny_blocking(&self) -> bool {
        self.executing
    }

    /// CLIENT LIST's `multi=`: queued commands, or -1 outside MULTI.
    pub fn list_count(&self) -> i64 {
        if self.multi {
            self.queue.len() as i64
        } else {
            -1
        }
    }

    /// Memory of the queue as CLIENT LIST `multi-mem=` counts it: the
    /// arguments' bytes plus one pointer per argument.
    pub fn queue_memory(&self) -> usize {
        self.queue
            .iter()
            .flatten()
            .map(|a| a.len() + std::mem::size_of::<usize>())
            .sum()
    }

    /// Whether EXEC would run a command with `flags` (CLIENT PAUSE WRITE
    /// holds such an EXEC).
    pub fn queued_any(&self, flags: u32) -> bool {
        self.queued_flags & flags != 0
    }

    /// A command was refused: in MULTI, the transaction is doomed.
    pub fn flag_error(&mut self) {
        if self.multi {
            self.aborted = true;
        }
    }

    /// Ends the transaction (EXEC, DISCARD, RESET): drops the queue and the
    /// abort and dirty flags. Watched keys are dropped by the caller
    /// through [`crate::watch::Watches::unwatch_all`].
    fn clear(&mut self) {
        self.multi = false;
        self.queue = Vec::new();
        self.aborted = false;
        self.queued_flags = 0;
        self.executing = false;
        self.dirty_cas = false;
    }
}

/// Queues a command that passed the dispatcher's checks and replies
/// `+QUEUED`. A transaction already doomed keeps nothing (as Redis).
pub fn queue(ctx: &mut Ctx<'_>, command: &Command, argv: &[Bytes]) {
    let tx = &mut ctx.client.tx;
    if !tx.aborted && !tx.dirty_cas {
        tx.queue.push(argv.to_vec());
        tx.queued_flags |= command.spec.flags;
    }
    ctx.reply().simple(b"QUEUED");
}

/// Whether `command` runs at once inside MULTI instead of being queued.
pub fn runs_in_multi(command: &Command) -> bool {
    matches!(
        command.full_name.as_str(),
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// Ends any transaction and forgets the watched keys (DISCARD, RESET, the
/// end of EXEC).
pub fn discard_transaction(ctx: &mut Ctx<'_>) {
    ctx.client.tx.clear();
    ctx.server.watches.unwatch_all(ctx.client);
}

/// FLUSHDB, FLUSHALL (`replaced_with` None) and SWAPDB (once per side)
/// call this before changing the databases: see [`crate::watch::touch_db`].
pub fn touch_watched_db(ctx: &mut Ctx<'_>, emptied: usize, replaced_with: Option<usize>) {
    let server = &mut *ctx.server;
    crate::watch::touch_db(
        &mut server.watches,
        &mut server.clients,
        Some(&mut *ctx.client),
        ctx.store,
        emptied,
        replaced_with,
    );
}

fn multi(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if ctx.client.tx.multi {
        return Err(CmdError::msg("ERR MULTI calls can not be nested"));
    }
    ctx.client.tx.multi = true;
    ctx.reply().ok();
    Ok(())
}

fn discard(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if !ctx.client.tx.multi {
        return Err(CmdError::msg("ERR DISCARD without MULTI"));
    }
    discard_transaction(ctx);
    ctx.reply().ok();
    Ok(())
}

fn exec(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if !ctx.client.tx.multi {
        return Err(CmdError::msg("ERR EXEC without MULTI"));
    }
    if crate::watch::watched_key_expired(ctx.client, ctx.store) {
        ctx.client.tx.dirty_cas = true;
    }
    if ctx.client.tx.aborted {
        discard_transaction(ctx);
        return Err(CmdError::msg(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    if ctx.client.tx.dirty_cas {
        discard_transaction(ctx);
        ctx.reply().null_array();
        return Ok(());
    }
    // Nothing watched matters any more: the transaction runs now.
    ctx.server.watches.unwatch_all(ctx.client);
    let n = ctx.client.tx.queue.len();
    ctx.reply().array_header(n);
    ctx.client.tx.executing = true;
    for i in 0..n {
        let Some(argv) = ctx.client.tx.queue.get(i).cloned() else {
            break;
        };
        super::execute(ctx, &argv);
    }
    // A command in the transaction may have ended it (none can today:
    // MULTI, EXEC, DISCARD and RESET are never queued).
    discard_transaction(ctx);
    Ok(())
}

fn watch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if ctx.client.tx.multi {
        return Err(CmdError::msg("ERR WATCH inside MULTI is not allowed"));
    }
    // Already dirty: the next EXEC fails whatever is watched.
    if !ctx.client.tx.dirty_cas {
        for key in &argv[1..] {
            ctx.server.watches.watch(ctx.client, ctx.store, key);
        }
    }
    ctx.reply().ok();
    Ok(())
}

fn unwatch(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    ctx.server.watches.unwatch_all(ctx.client);
    ctx.client.tx.dirty_cas = false;
    ctx.reply().ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_count_and_flags() {
        let mut tx = Transaction::default();
        assert_eq!(tx.list_count(), -1);
        assert!(!tx.queuing());
        tx.flag_error();
        assert!(!tx.aborted, "no transaction to flag");
        tx.multi = true;
        assert!(tx.queuing());
        tx.queue.push(vec![Bytes::from_static(b"set")]);
        tx.queued_flags |= WRITE;
        assert_eq!(tx.list_count(), 1);
        assert!(tx.queued_any(WRITE | MAY_REPLICATE));
        tx.executing = true;
        assert!(!tx.queuing() && tx.deny_blocking());
        tx.flag_error();
        tx.dirty_cas = true;
        tx.clear();
        assert_eq!(tx.list_count(), -1);
        assert!(!tx.aborted && !tx.dirty_cas && !tx.queued_any(WRITE));
    }

    #[test]
    fn commands_that_run_inside_multi() {
        let table = crate::cmd::table();
        for name in ["exec", "discard", "multi", "watch", "quit", "reset"] {
            assert!(runs_in_multi(table.get(name.as_bytes()).unwrap()), "{name}");
        }
        for name in ["unwatch", "ping", "set", "client"] {
            assert!(
                !runs_in_multi(table.get(name.as_bytes()).unwrap()),
                "{name}"
            );
        }
        let slowlog = table.get(b"slowlog").unwrap();
        assert!(!runs_in_multi(slowlog.subcommand(b"reset").unwrap()));
    }
}
