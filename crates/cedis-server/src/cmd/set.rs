//! Set commands. The store does the work (`cedis_store::set`); these
//! handlers parse arguments as redis-server 7.0 does (same error texts, in
//! the same order) and shape the replies: SMEMBERS, SINTER, SUNION, SDIFF
//! and SPOP with a count reply with a RESP3 set, SRANDMEMBER with an array.

use bytes::Bytes;
use cedis_resp::ReplyWriter;
use cedis_store::set::SetOp;
use cedis_store::value::parse_i64;

use super::args::{is, Args};
use super::error::{CmdError, CmdResult};
use super::keys::{parse_cursor, parse_scan_opts, reply_empty_scan, ScanOpts};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("sadd", -3, WRITE | DENYOOM | FAST, (1, 1, 1), &["write", "set", "fast"], sadd),
    cmd("srem", -3, WRITE | FAST, (1, 1, 1), &["write", "set", "fast"], srem),
    cmd("sismember", 3, READONLY | FAST, (1, 1, 1), &["read", "set", "fast"], sismember),
    cmd("smismember", -3, READONLY | FAST, (1, 1, 1), &["read", "set", "fast"], smismember),
    cmd("smembers", 2, READONLY, (1, 1, 1), &["read", "set", "slow"], smembers),
    cmd("scard", 2, READONLY | FAST, (1, 1, 1), &["read", "set", "fast"], scard),
    cmd("spop", -2, WRITE | FAST, (1, 1, 1), &["write", "set", "fast"], spop),
    cmd("srandmember", -2, READONLY, (1, 1, 1), &["read", "set", "slow"], srandmember),
    cmd("smove", 4, WRITE | FAST, (1, 2, 1), &["write", "set", "fast"], smove),
    cmd("sunion", -2, READONLY, (1, -1, 1), &["read", "set", "slow"], sunion),
    cmd("sinter", -2, READONLY, (1, -1, 1), &["read", "set", "slow"], sinter),
    cmd("sdiff", -2, READONLY, (1, -1, 1), &["read", "set", "slow"], sdiff),
    cmd("sunionstore", -3, WRITE | DENYOOM, (1, -1, 1), &["write", "set", "slow"], sunionstore),
    cmd("sinterstore", -3, WRITE | DENYOOM, (1, -1, 1), &["write", "set", "slow"], sinterstore),
    cmd("sdiffstore", -3, WRITE | DENYOOM, (1, -1, 1), &["write", "set", "slow"], sdiffstore),
    cmd("sintercard", -3, READONLY | MOVABLE_KEYS, (0, 0, 0), &["read", "set", "slow"], sintercard),
    cmd("sscan", -3, READONLY, (1, 1, 1), &["read", "set", "slow"], sscan),
];

fn sadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.set_add(db, &argv[1], &argv[2..])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn srem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.set_rem(db, &argv[1], &argv[2..])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn sismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let r = ctx.store.set_is_member(db, &argv[1], &argv[2..3])?;
    ctx.reply().integer(i64::from(r[0]));
    Ok(())
}

fn smismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let r = ctx.store.set_is_member(db, &argv[1], &argv[2..])?;
    let mut w = ctx.reply();
    w.array_header(r.len());
    for b in r {
        w.integer(i64::from(b));
    }
    Ok(())
}

fn scard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.set_card(db, &argv[1])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

/// Replies with `members` as a RESP3 set (a RESP2 array).
fn reply_set(ctx: &mut Ctx<'_>, members: &[Vec<u8>]) {
    let mut w = ctx.reply();
    w.set_header(members.len());
    for m in members {
        w.bulk(m);
    }
}

fn reply_array(ctx: &mut Ctx<'_>, members: &[Vec<u8>]) {
    let mut w = ctx.reply();
    w.array_header(members.len());
    for m in members {
        w.bulk(m);
    }
}

/// SPOP / SRANDMEMBER without a count: the member, or null.
fn reply_one(ctx: &mut Ctx<'_>, members: Option<Vec<Vec<u8>>>) {
    match members.and_then(|mut m| m.pop()) {
        Some(v) => ctx.reply().bulk(&v),
        None => ctx.reply().null(),
    }
}

fn spop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    match argv.len() {
        2 => {
            let one = ctx.store.set_pop(db, &argv[1], None)?;
            reply_one(ctx, one);
            Ok(())
        }
        3 => {
            let count = parse_i64(&argv[2])
                .filter(|&n| n >= 0)
                .ok_or(CmdError::msg("ERR value is out of range, must be positive"))?;
            let members = ctx
                .store
                .set_pop(db, &argv[1], Some(count as usize))?
                .unwrap_or_default();
            reply_set(ctx, &members);
            Ok(())
        }
        _ => Err(CmdError::Syntax),
    }
}

fn srandmember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    match argv.len() {
        2 => {
            let one = ctx.store.set_rand_member(db, &argv[1], None)?;
            reply_one(ctx, one);
            Ok(())
        }
        3 => {
            let count = Args::new(&argv[2..3]).i64()?;
            if count == i64::MIN {
                return Err(CmdError::msg(
                    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                ));
            }
            if count < 0 {
                let mut w = ReplyWriter::new(ctx.out, ctx.client.proto);
                let out = std::cell::RefCell::new(&mut w);
                ctx.store.set_rand_repeat(
                    db,
                    &argv[1],
                    count.unsigned_abs() as usize,
                    |n| out.borrow_mut().array_header(n),
                    |m| out.borrow_mut().bulk(m),
                )?;
                return Ok(());
            }
            let members = ctx
                .store
                .set_rand_member(db, &argv[1], Some(count))?
                .unwrap_or_default();
            reply_array(ctx, &members);
            Ok(())
        }
        _ => Err(CmdError::Syntax),
    }
}

fn smove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let moved = ctx.store.set_move(db, &argv[1], &argv[2], &argv[3])?;
    ctx.reply().integer(i64::from(moved));
    Ok(())
}

fn smembers(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    combine(ctx, &argv[1..2], SetOp::Inter)
}

fn combine(ctx: &mut Ctx<'_>, keys: &[Bytes], op: SetOp) -> CmdResult {
    let db = ctx.db();
    let members = ctx.store.set_combine(db, keys, op)?;
    reply_set(ctx, &members);
    Ok(())
}

fn combine_store(ctx: &mut Ctx<'_>, argv: &[Bytes], op: SetOp) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.set_combine_store(db, &argv[1], &argv[2..], op)?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn sunion(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    combine(ctx, &argv[1..], SetOp::Union)
}

fn sinter(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    combine(ctx, &argv[1..], SetOp::Inter)
}

fn sdiff(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    combine(ctx, &argv[1..], SetOp::Diff)
}

fn sunionstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    combine_store(ctx, argv, SetOp::Union)
}

fn sinterstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    combine_store(ctx, argv, SetOp::Inter)
}

fn sdiffstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    combine_store(ctx, argv, SetOp::Diff)
}

fn sintercard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let numkeys = parse_i64(&argv[1])
        .filter(|&n| n >= 1)
        .ok_or(CmdError::msg("ERR numkeys should be greater than 0"))?;
    if numkeys > (argv.len() - 2) as i64 {
        return Err(CmdError::msg(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let numkeys = numkeys as usize;
    let keys = &argv[2..2 + numkeys];
    let mut a = Args::new(&argv[2 + numkeys..]);
    let mut limit = 0usize;
    while let Some(word) = a.next() {
        if is(word, "limit") && a.remaining() > 0 {
            let n = a
                .req()
                .ok()
                .and_then(parse_i64)
                .filter(|&n| n >= 0)
                .ok_or(CmdError::msg("ERR LIMIT can't be negative"))?;
            limit = usize::try_from(n).unwrap_or(usize::MAX);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let db = ctx.db();
    let n = ctx.store.set_inter_card(db, keys, limit)?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn sscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&argv[2])?;
    let (ScanOpts { count, pattern }, parsed) = parse_scan_opts(&argv[3..]);
    let db = ctx.db();
    if let Err(e) = parsed {
        // A missing key replies an empty scan and a wrong type errs before
        // the options are looked at, as Redis.
        if ctx.store.set_card(db, &argv[1])? == 0 {
            reply_empty_scan(ctx);
            return Ok(());
        }
        return Err(e);
    }
    let (next, members) = ctx.store.set_scan(db, &argv[1], cursor, count, pattern)?;
    let mut w = ctx.reply();
    w.array_header(2);
    w.bulk(next.to_string().as_bytes());
    w.array_header(members.len());
    for m in &members {
        w.bulk(m);
    }
    Ok(())
}
