//! List commands (the non-blocking ones; BLPOP and friends reuse
//! [`parse_end`], [`try_mpop`] and the store's `list_pop`/`list_move`).

use bytes::Bytes;
use cedis_store::list::{End, PosOptions};
use cedis_store::value::parse_i64;

use super::args::{is, Args};
use super::error::{CmdError, CmdResult};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;

const W: u32 = WRITE | DENYOOM;

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("lpush", -3, W | FAST, (1, 1, 1), &["write", "list", "fast"], lpush),
    cmd("rpush", -3, W | FAST, (1, 1, 1), &["write", "list", "fast"], rpush),
    cmd("lpushx", -3, W | FAST, (1, 1, 1), &["write", "list", "fast"], lpushx),
    cmd("rpushx", -3, W | FAST, (1, 1, 1), &["write", "list", "fast"], rpushx),
    cmd("lpop", -2, WRITE | FAST, (1, 1, 1), &["write", "list", "fast"], lpop),
    cmd("rpop", -2, WRITE | FAST, (1, 1, 1), &["write", "list", "fast"], rpop),
    cmd("llen", 2, READONLY | FAST, (1, 1, 1), &["read", "list", "fast"], llen),
    cmd("lrange", 4, READONLY, (1, 1, 1), &["read", "list", "slow"], lrange),
    cmd("lindex", 3, READONLY, (1, 1, 1), &["read", "list", "slow"], lindex),
    cmd("lset", 4, W, (1, 1, 1), &["write", "list", "slow"], lset),
    cmd("linsert", 5, W, (1, 1, 1), &["write", "list", "slow"], linsert),
    cmd("lrem", 4, WRITE, (1, 1, 1), &["write", "list", "slow"], lrem),
    cmd("ltrim", 4, WRITE, (1, 1, 1), &["write", "list", "slow"], ltrim),
    cmd("lpos", -3, READONLY, (1, 1, 1), &["read", "list", "slow"], lpos),
    cmd("rpoplpush", 3, W, (1, 2, 1), &["write", "list", "slow"], rpoplpush),
    cmd("lmove", 5, W, (1, 2, 1), &["write", "list", "slow"], lmove),
    cmd("lmpop", -4, WRITE | MOVABLE_KEYS, (0, 0, 0), &["write", "list", "slow"], lmpop),
];

fn push(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End, only_existing: bool) -> CmdResult {
    let db = ctx.db();
    let n = ctx
        .store
        .list_push(db, &argv[1], end, &argv[2..], only_existing)?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn lpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    push(ctx, argv, End::Left, false)
}

fn rpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    push(ctx, argv, End::Right, false)
}

fn lpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    push(ctx, argv, End::Left, true)
}

fn rpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    push(ctx, argv, End::Right, true)
}

/// A strictly positive count (`ERR value is out of range, must be
/// positive` otherwise, as getPositiveLong).
fn positive_count(arg: &[u8]) -> Result<usize, CmdError> {
    match parse_i64(arg) {
        Some(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(CmdError::msg("ERR value is out of range, must be positive")),
    }
}

fn pop(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End) -> CmdResult {
    if argv.len() > 3 {
        return Err(CmdError::owned(format!(
            "ERR wrong number of arguments for '{}' command",
            String::from_utf8_lossy(&argv[0]).to_lowercase()
        )));
    }
    let count = argv.get(2).map(|a| positive_count(a)).transpose()?;
    let db = ctx.db();
    let popped = ctx.store.list_pop(db, &argv[1], end, count.unwrap_or(1))?;
    let mut w = ctx.reply();
    match (popped, count) {
        (None, None) => w.null(),
        (None, Some(_)) => w.null_array(),
        (Some(v), None) => match v.first() {
            Some(x) => w.bulk(x),
            None => w.null(),
        },
        (Some(v), Some(_)) => {
            w.array_header(v.len());
            for x in &v {
                w.bulk(x);
            }
        }
    }
    Ok(())
}

fn lpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    pop(ctx, argv, End::Left)
}

fn rpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    pop(ctx, argv, End::Right)
}

fn llen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.list_len(db, &argv[1])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn int_arg(a: &[u8]) -> Result<i64, CmdError> {
    parse_i64(a).ok_or(CmdError::NotInteger)
}

fn lrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let start = int_arg(&argv[2])?;
    let stop = int_arg(&argv[3])?;
    let db = ctx.db();
    let items = ctx.store.list_range(db, &argv[1], start, stop)?;
    let mut w = ctx.reply();
    w.array_header(items.len());
    for x in &items {
        w.bulk(x);
    }
    Ok(())
}

fn lindex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let index = int_arg(&argv[2])?;
    let db = ctx.db();
    match ctx.store.list_index(db, &argv[1], index)? {
        Some(v) => ctx.reply().bulk(&v),
        None => ctx.reply().null(),
    }
    Ok(())
}

fn lset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let index = int_arg(&argv[2])?;
    let db = ctx.db();
    if !ctx.store.list_set(db, &argv[1], index, &argv[3])? {
        return Err(CmdError::msg("ERR index out of range"));
    }
    ctx.reply().ok();
    Ok(())
}

fn linsert(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let after = if is(&argv[2], "after") {
        true
    } else if is(&argv[2], "before") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let db = ctx.db();
    let n = ctx
        .store
        .list_insert(db, &argv[1], after, &argv[3], &argv[4])?;
    ctx.reply().integer(n);
    Ok(())
}

fn lrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let count = int_arg(&argv[2])?;
    let db = ctx.db();
    let n = ctx.store.list_rem(db, &argv[1], count, &argv[3])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn ltrim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let start = int_arg(&argv[2])?;
    let stop = int_arg(&argv[3])?;
    let db = ctx.db();
    ctx.store.list_trim(db, &argv[1], start, stop)?;
    ctx.reply().ok();
    Ok(())
}

fn lpos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut opts = PosOptions {
        rank: 1,
        count: 0,
        maxlen: 0,
    };
    let mut with_count = false;
    let mut a = Args::new(&argv[3..]);
    while let Some(word) = a.next() {
        if is(word, "rank") {
            let r = a.i64()?;
            if r == 0 {
                return Err(CmdError::msg(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
            opts.rank = r;
        } else if is(word, "count") {
            let c = a.i64()?;
            if c < 0 {
                return Err(CmdError::msg("ERR COUNT can't be negative"));
            }
            opts.count = usize::try_from(c).unwrap_or(usize::MAX);
            with_count = true;
        } else if is(word, "maxlen") {
            let m = a.i64()?;
            if m < 0 {
                return Err(CmdError::msg("ERR MAXLEN can't be negative"));
            }
            opts.maxlen = usize::try_from(m).unwrap_or(usize::MAX);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if !with_count {
        opts.count = 1;
    }
    let db = ctx.db();
    let found = ctx.store.list_pos(db, &argv[1], &argv[2], opts)?;
    let mut w = ctx.reply();
    if with_count {
        let found = found.unwrap_or_default();
        w.array_header(found.len());
        for i in found {
            w.integer(i as i64);
        }
    } else {
        match found.and_then(|f| f.first().copied()) {
            Some(i) => w.integer(i as i64),
            None => w.null(),
        }
    }
    Ok(())
}

/// LEFT or RIGHT, case-insensitively.
pub fn parse_end(a: &[u8]) -> Result<End, CmdError> {
    if is(a, "left") {
        Ok(End::Left)
    } else if is(a, "right") {
        Ok(End::Right)
    } else {
        Err(CmdError::Syntax)
    }
}

fn do_move(ctx: &mut Ctx<'_>, src: &[u8], dst: &[u8], from: End, to: End) -> CmdResult {
    let db = ctx.db();
    match ctx.store.list_move(db, src, dst, from, to)? {
        Some(v) => ctx.reply().bulk(&v),
        None => ctx.reply().null(),
    }
    Ok(())
}

fn rpoplpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    do_move(ctx, &argv[1], &argv[2], End::Right, End::Left)
}

fn lmove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let from = parse_end(&argv[3])?;
    let to = parse_end(&argv[4])?;
    do_move(ctx, &argv[1], &argv[2], from, to)
}

/// LMPOP/BLMPOP's `numkeys key... LEFT|RIGHT [COUNT n]`, from `args`
/// (starting at numkeys): the keys, the end and the count.
pub fn parse_mpop(args: &[Bytes]) -> Result<(&[Bytes], End, usize), CmdError> {
    let numkeys = parse_i64(&args[0])
        .filter(|&n| n > 0)
        .ok_or(CmdError::msg("ERR numkeys should be greater than 0"))?;
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > args.len() - 1 {
        return Err(CmdError::Syntax);
    }
    let keys = &args[1..1 + numkeys];
    let mut a = Args::new(&args[1 + numkeys..]);
    let end = parse_end(a.req()?)?;
    let mut count = None;
    while let Some(word) = a.next() {
        if is(word, "count") && count.is_none() {
            let c = parse_i64(a.req()?).filter(|&c| c > 0);
            let c = c.ok_or(CmdError::msg("ERR count should be greater than 0"))?;
            count = Some(usize::try_from(c).unwrap_or(usize::MAX));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok((keys, end, count.unwrap_or(1)))
}

/// Replies `[key, [elements]]`.
fn reply_mpop(ctx: &mut Ctx<'_>, key: &[u8], items: &[Vec<u8>]) {
    let mut w = ctx.reply();
    w.array_header(2);
    w.bulk(key);
    w.array_header(items.len());
    for x in items {
        w.bulk(x);
    }
}

fn lmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (keys, end, count) = parse_mpop(&argv[1..])?;
    if !try_mpop(ctx, keys, end, count)? {
        ctx.reply().null_array();
    }
    Ok(())
}

/// LMPOP / BLMPOP: pops from the first non-empty list of `keys` and
/// replies; false (nothing written) when every list is empty.
pub fn try_mpop(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    end: End,
    count: usize,
) -> Result<bool, CmdError> {
    let db = ctx.db();
    for key in keys {
        if !ctx.store.list_exists(db, key)? {
            continue;
        }
        if let Some(items) = ctx.store.list_pop(db, key, end, count)? {
            reply_mpop(ctx, key, &items);
            return Ok(true);
        }
    }
    Ok(false)
}
