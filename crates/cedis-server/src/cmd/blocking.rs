//! Blocking list commands: BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP.
//!
//! Each first tries its non-blocking form; when there is nothing to take it
//! registers the client in [`crate::blocking`] and replies nothing (inside
//! MULTI it replies as on timeout instead). When another client's command
//! makes a key ready, the command runs again on the waiter's behalf.

use std::time::Duration;

use bytes::Bytes;
use cedis_store::list::End;

use super::error::{CmdError, CmdResult};
use super::list::{parse_end, parse_mpop, try_mpop};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;
use crate::blocking::BlockState;

const ACL: &[&str] = &["write", "list", "slow", "blocking"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("blpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), ACL, blpop),
    cmd("brpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), ACL, brpop),
    cmd("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1), ACL, brpoplpush),
    cmd("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1), ACL, blmove),
    cmd("blmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, (0, 0, 0), ACL, blmpop),
];

/// A blocking timeout in seconds (a float; 0 = forever) as redis-server
/// parses it: `None` for forever, else the wait.
pub fn parse_timeout(arg: &[u8]) -> Result<Option<Duration>, CmdError> {
    let secs = cedis_store::value::parse_f64(arg)
        .ok_or(CmdError::msg("ERR timeout is not a float or out of range"))?;
    // redis-server 7.0 converts the milliseconds to a long long without a
    // range check, so anything at or past 2^63 (inf included) wraps
    // negative: its error is "timeout is negative" too.
    let ms = (secs * 1000.0).ceil();
    if !(0.0..9_223_372_036_854_775_807.0).contains(&ms) {
        return Err(CmdError::msg("ERR timeout is negative"));
    }
    Ok((ms > 0.0).then(|| Duration::from_millis(ms as u64)))
}

/// Blocks the client on `keys` holding a `type_name` value (or, inside
/// MULTI, replies as a timeout would with `null` or a null array).
pub(super) fn block(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    keys: &[Bytes],
    timeout: Option<Duration>,
    null_array: bool,
    type_name: &'static str,
) -> CmdResult {
    if ctx.client.tx.deny_blocking() {
        let mut w = ctx.reply();
        if null_array {
            w.null_array();
        } else {
            w.null();
        }
        return Ok(());
    }
    // `keys` is a run of `argv`: find where it starts (by identity).
    let at = keys
        .first()
        .and_then(|k0| argv.iter().position(|a| std::ptr::eq(a, k0)))
        .unwrap_or(0);
    let name = &argv[0];
    let numkeys = name.len() >= 4 && name[name.len() - 4..].eq_ignore_ascii_case(b"mpop");
    let state = BlockState {
        argv: argv.to_vec(),
        keys: keys.iter().map(|k| k.to_vec()).collect(),
        keys_at: (at, numkeys),
        db: ctx.db(),
        type_name,
        deadline: timeout.map(|t| ctx.server.clock.last + t),
    };
    ctx.server.blocked.block(ctx.client, state);
    Ok(())
}

fn bpop(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End) -> CmdResult {
    let timeout = parse_timeout(&argv[argv.len() - 1])?;
    let keys = &argv[1..argv.len() - 1];
    let db = ctx.db();
    for key in keys {
        if !ctx.store.list_exists(db, key)? {
            continue;
        }
        if let Some(mut items) = ctx.store.list_pop(db, key, end, 1)? {
            if let Some(v) = items.pop() {
                let mut w = ctx.reply();
                w.array_header(2);
                w.bulk(key);
                w.bulk(&v);
                return Ok(());
            }
        }
    }
    block(ctx, argv, keys, timeout, true, "list")
}

fn blpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    bpop(ctx, argv, End::Left)
}

fn brpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    bpop(ctx, argv, End::Right)
}

fn bmove(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    from: End,
    to: End,
    timeout: Option<Duration>,
) -> CmdResult {
    let db = ctx.db();
    if !ctx.store.list_exists(db, &argv[1])? {
        return block(ctx, argv, &argv[1..2], timeout, false, "list");
    }
    match ctx.store.list_move(db, &argv[1], &argv[2], from, to)? {
        Some(v) => ctx.reply().bulk(&v),
        None => return block(ctx, argv, &argv[1..2], timeout, false, "list"),
    }
    Ok(())
}

fn brpoplpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let timeout = parse_timeout(&argv[3])?;
    bmove(ctx, argv, End::Right, End::Left, timeout)
}

fn blmove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let timeout = parse_timeout(&argv[5])?;
    let from = parse_end(&argv[3])?;
    let to = parse_end(&argv[4])?;
    bmove(ctx, argv, from, to, timeout)
}

fn blmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let timeout = parse_timeout(&argv[1])?;
    let (keys, end, count) = parse_mpop(&argv[2..])?;
    if try_mpop(ctx, keys, end, count)? {
        return Ok(());
    }
    block(ctx, argv, keys, timeout, true, "list")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_as_redis() {
        assert_eq!(parse_timeout(b"0").unwrap(), None);
        assert_eq!(
            parse_timeout(b"0.1").unwrap(),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            parse_timeout(b"1e-4").unwrap(),
            Some(Duration::from_millis(1))
        );
        assert_eq!(
            parse_timeout(b"-1").unwrap_err().text(),
            "ERR timeout is negative"
        );
        assert_eq!(
            parse_timeout(b"abc").unwrap_err().text(),
            "ERR timeout is not a float or out of range"
        );
        assert_eq!(
            parse_timeout(b"inf").unwrap_err().text(),
            "ERR timeout is negative"
        );
    }
}
