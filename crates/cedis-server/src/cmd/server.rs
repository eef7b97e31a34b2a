//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, LASTSAVE,
//! SHUTDOWN, COMMAND.

use bytes::Bytes;

use super::args::is;
use super::error::{CmdError, CmdResult};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;
use crate::state::{unix_us, ShutdownRequest};

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("dbsize", 1, READONLY | FAST, (0, 0, 0), &["keyspace", "read", "fast"], dbsize),
    cmd("flushdb", -1, WRITE, (0, 0, 0), &["keyspace", "write", "slow", "dangerous"], flushdb),
    cmd("flushall", -1, WRITE, (0, 0, 0), &["keyspace", "write", "slow", "dangerous"], flushall),
    cmd("swapdb", 3, WRITE | FAST, (0, 0, 0), &["keyspace", "write", "fast", "dangerous"], swapdb),
    cmd("time", 1, LOADING | STALE | FAST, (0, 0, 0), &["fast"], time),
    cmd("lastsave", 1, LOADING | STALE | FAST, (0, 0, 0), &["admin", "fast", "dangerous"], lastsave),
    cmd("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY, (0, 0, 0), &["admin", "slow", "dangerous"], shutdown),
];

/// Writes Redis's HELP reply: a header, the lines, and the HELP entry.
pub fn help(ctx: &mut Ctx<'_>, command: &str, lines: &[&str]) {
    let mut w = ctx.reply();
    w.array_header(lines.len() + 3);
    w.simple(
        format!("{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").as_bytes(),
    );
    for l in lines {
        w.simple(l.as_bytes());
    }
    w.simple(b"HELP");
    w.simple(b"    Prints this help.");
}

fn dbsize(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let n = ctx.store.dbsize(ctx.client.db);
    ctx.reply().integer(n as i64);
    Ok(())
}

/// FLUSHDB/FLUSHALL's optional ASYNC|SYNC.
fn flush_mode(argv: &[Bytes]) -> CmdResult {
    match argv.len() {
        1 => Ok(()),
        2 if is(&argv[1], "async") || is(&argv[1], "sync") => Ok(()),
        _ => Err(CmdError::Syntax),
    }
}

fn flushdb(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    flush_mode(argv)?;
    super::multi::touch_watched_db(ctx, ctx.client.db, None);
    ctx.store.flushdb(ctx.client.db);
    crate::tracking::flush(ctx.server, ctx.client, ctx.out);
    ctx.reply().ok();
    Ok(())
}

fn flushall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    flush_mode(argv)?;
    for db in 0..ctx.store.databases() {
        super::multi::touch_watched_db(ctx, db, None);
    }
    ctx.store.flushall();
    crate::tracking::flush(ctx.server, ctx.client, ctx.out);
    ctx.reply().ok();
    Ok(())
}

fn swapdb(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let parse = |a: &[u8], which: &'static str| {
        cedis_store::value::parse_i64(a)
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or(CmdError::msg(which))
    };
    let a = parse(&argv[1], "ERR invalid first DB index")?;
    let b = parse(&argv[2], "ERR invalid second DB index")?;
    let (a, b) = match (ctx.store.check_db(a), ctx.store.check_db(b)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return Err(CmdError::msg("ERR DB index is out of range")),
    };
    if a != b {
        super::multi::touch_watched_db(ctx, a, Some(b));
        super::multi::touch_watched_db(ctx, b, Some(a));
    }
    ctx.store.swapdb(a, b);
    if a != b && !ctx.server.blocked.is_empty() {
        // Clients blocked on a key that now has data are served after this
        // command, as Redis rescans both databases' blocked keys.
        ctx.server.blocked.signal_db(a);
        ctx.server.blocked.signal_db(b);
    }
    ctx.reply().ok();
    Ok(())
}

fn time(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let us = unix_us();
    let mut w = ctx.reply();
    w.array_header(2);
    w.bulk((us / 1_000_000).to_string().as_bytes());
    w.bulk((us % 1_000_000).to_string().as_bytes());
    Ok(())
}

fn lastsave(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let t = ctx.server.lastsave;
    ctx.reply().integer(t);
    Ok(())
}

fn shutdown(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    for a in &argv[1..] {
        if !["nosave", "save", "now", "force", "abort"]
            .iter()
            .any(|w| is(a, w))
        {
            return Err(CmdError::Syntax);
        }
    }
    if argv[1..].iter().any(|a| is(a, "abort")) {
        if argv.len() > 2 {
            return Err(CmdError::Syntax);
        }
        return Err(CmdError::msg("ERR No shutdown in progress."));
    }
    let nosave = argv[1..].iter().any(|a| is(a, "nosave"));
    let save = argv[1..].iter().any(|a| is(a, "save"));
    if nosave && save {
        return Err(CmdError::Syntax);
    }
    if save || (!nosave && !ctx.server.config.save().is_empty()) {
        // No RDB persistence yet: nothing can be saved.
        crate::log::warning(
            "SHUTDOWN: cedis has no RDB persistence yet, the dataset is not saved.",
        );
    }
    ctx.server.shutdown = Some(ShutdownRequest::Default);
    ctx.client.close_after_reply = true;
    Ok(())
}
