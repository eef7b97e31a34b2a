//! Sorted set commands, and the blocking pops BZPOPMIN, BZPOPMAX, BZMPOP.
//! The store does the work (`cedis_store::zset`); these handlers parse
//! arguments as redis-server 7.0 does (same error texts, in the same order)
//! and shape the replies: with WITHSCORES, RESP3 gets `[member, score]`
//! pairs and RESP2 a flat array; scores are doubles (`ReplyWriter::double`).

use bytes::Bytes;
use cedis_resp::double_to_string;
use cedis_store::value::{parse_f64, parse_i64};
use cedis_store::zset::{Aggregate, Lex, Range, RangeQuery, ZAddFlags, ZSetOp};
use cedis_types::skiplist::ScoreBound;

use super::args::{is, Args};
use super::blocking::{block, parse_timeout};
use super::error::{CmdError, CmdResult};
use super::keys::{parse_cursor, parse_scan_opts, reply_empty_scan, ScanOpts};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;
use cedis_resp::Protocol;

const BLOCK_ACL: &[&str] = &["write", "sortedset", "fast", "blocking"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("zadd", -4, WRITE | DENYOOM | FAST, (1, 1, 1), &["write", "sortedset", "fast"], zadd),
    cmd("zincrby", 4, WRITE | DENYOOM | FAST, (1, 1, 1), &["write", "sortedset", "fast"], zincrby),
    cmd("zrem", -3, WRITE | FAST, (1, 1, 1), &["write", "sortedset", "fast"], zrem),
    cmd("zscore", 3, READONLY | FAST, (1, 1, 1), &["read", "sortedset", "fast"], zscore),
    cmd("zmscore", -3, READONLY | FAST, (1, 1, 1), &["read", "sortedset", "fast"], zmscore),
    cmd("zcard", 2, READONLY | FAST, (1, 1, 1), &["read", "sortedset", "fast"], zcard),
    cmd("zcount", 4, READONLY | FAST, (1, 1, 1), &["read", "sortedset", "fast"], zcount),
    cmd("zlexcount", 4, READONLY | FAST, (1, 1, 1), &["read", "sortedset", "fast"], zlexcount),
    cmd("zrank", 3, READONLY | FAST, (1, 1, 1), &["read", "sortedset", "fast"], zrank),
    cmd("zrevrank", 3, READONLY | FAST, (1, 1, 1), &["read", "sortedset", "fast"], zrevrank),
    cmd("zrange", -4, READONLY, (1, 1, 1), &["read", "sortedset", "slow"], zrange),
    cmd("zrangestore", -5, WRITE | DENYOOM, (1, 2, 1), &["write", "sortedset", "slow"], zrangestore),
    cmd("zrevrange", -4, READONLY, (1, 1, 1), &["read", "sortedset", "slow"], zrevrange),
    cmd("zrangebyscore", -4, READONLY, (1, 1, 1), &["read", "sortedset", "slow"], zrangebyscore),
    cmd("zrevrangebyscore", -4, READONLY, (1, 1, 1), &["read", "sortedset", "slow"], zrevrangebyscore),
    cmd("zrangebylex", -4, READONLY, (1, 1, 1), &["read", "sortedset", "slow"], zrangebylex),
    cmd("zrevrangebylex", -4, READONLY, (1, 1, 1), &["read", "sortedset", "slow"], zrevrangebylex),
    cmd("zremrangebyrank", 4, WRITE, (1, 1, 1), &["write", "sortedset", "slow"], zremrangebyrank),
    cmd("zremrangebyscore", 4, WRITE, (1, 1, 1), &["write", "sortedset", "slow"], zremrangebyscore),
    cmd("zremrangebylex", 4, WRITE, (1, 1, 1), &["write", "sortedset", "slow"], zremrangebylex),
    cmd("zpopmin", -2, WRITE | FAST, (1, 1, 1), &["write", "sortedset", "fast"], zpopmin),
    cmd("zpopmax", -2, WRITE | FAST, (1, 1, 1), &["write", "sortedset", "fast"], zpopmax),
    cmd("zmpop", -4, WRITE | MOVABLE_KEYS, (0, 0, 0), &["write", "sortedset", "slow"], zmpop),
    cmd("zrandmember", -2, READONLY, (1, 1, 1), &["read", "sortedset", "slow"], zrandmember),
    cmd("zunion", -3, READONLY | MOVABLE_KEYS, (0, 0, 0), &["read", "sortedset", "slow"], zunion),
    cmd("zinter", -3, READONLY | MOVABLE_KEYS, (0, 0, 0), &["read", "sortedset", "slow"], zinter),
    cmd("zdiff", -3, READONLY | MOVABLE_KEYS, (0, 0, 0), &["read", "sortedset", "slow"], zdiff),
    cmd("zunionstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1), &["write", "sortedset", "slow"], zunionstore),
    cmd("zinterstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1), &["write", "sortedset", "slow"], zinterstore),
    cmd("zdiffstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1), &["write", "sortedset", "slow"], zdiffstore),
    cmd("zintercard", -3, READONLY | MOVABLE_KEYS, (0, 0, 0), &["read", "sortedset", "slow"], zintercard),
    cmd("zscan", -3, READONLY, (1, 1, 1), &["read", "sortedset", "slow"], zscan),
    cmd("bzpopmin", -3, WRITE | NOSCRIPT | BLOCKING | FAST, (1, -2, 1), BLOCK_ACL, bzpopmin),
    cmd("bzpopmax", -3, WRITE | NOSCRIPT | BLOCKING | FAST, (1, -2, 1), BLOCK_ACL, bzpopmax),
    cmd("bzmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, (0, 0, 0), &["write", "sortedset", "slow", "blocking"], bzmpop),
];

/// A score (NaN rejected), as Redis's `getDoubleFromObject`.
fn score_arg(a: &[u8]) -> Result<f64, CmdError> {
    strict_f64(a).ok_or(CmdError::NotFloat)
}

/// A double as `getDoubleFromObject` takes it: `strtod` without NaN or a
/// range error (an overflow to infinity or an underflow to zero).
fn strict_f64(a: &[u8]) -> Option<f64> {
    let v = parse_f64(a).filter(|v| !v.is_nan())?;
    if v.is_infinite() && !a.windows(3).any(|w| w.eq_ignore_ascii_case(b"inf")) {
        return None;
    }
    if v == 0.0 {
        let mantissa = a.split(|&c| c == b'e' || c == b'E').next().unwrap_or(a);
        if mantissa.iter().any(|c| (b'1'..=b'9').contains(c)) {
            return None;
        }
    }
    Some(v)
}

/// A score range bound: `(1.5` exclusive, `inf`, `-inf`.
fn score_bound(a: &[u8]) -> Option<ScoreBound> {
    let (excl, rest) = match a.first() {
        Some(b'(') => (true, &a[1..]),
        _ => (false, a),
    };
    let v = parse_f64(rest).filter(|v| !v.is_nan())?;
    Some(if excl {
        ScoreBound::exclusive(v)
    } else {
        ScoreBound::inclusive(v)
    })
}

fn score_range(min: &[u8], max: &[u8]) -> Result<Range, CmdError> {
    match (score_bound(min), score_bound(max)) {
        (Some(a), Some(b)) => Ok(Range::Score(a, b)),
        _ => Err(CmdError::msg("ERR min or max is not a float")),
    }
}

fn lex_range(min: &[u8], max: &[u8]) -> Result<Range, CmdError> {
    match (Lex::parse(min), Lex::parse(max)) {
        (Some(a), Some(b)) => Ok(Range::Lex(a, b)),
        _ => Err(CmdError::msg("ERR min or max not valid string range item")),
    }
}

fn zadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut f = ZAddFlags::default();
    let mut ch = false;
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i];
        if is(a, "nx") {
            f.nx = true;
        } else if is(a, "xx") {
            f.xx = true;
        } else if is(a, "ch") {
            ch = true;
        } else if is(a, "incr") {
            f.incr = true;
        } else if is(a, "gt") {
            f.gt = true;
        } else if is(a, "lt") {
            f.lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let elements = argv.len() - i;
    if elements == 0 || elements % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    if f.nx && f.xx {
        return Err(CmdError::msg(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if [f.gt, f.lt, f.nx].iter().filter(|&&x| x).count() > 1 {
        return Err(CmdError::msg(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if f.incr && elements > 2 {
        return Err(CmdError::msg(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    let mut pairs = Vec::with_capacity(elements / 2);
    for p in argv[i..].chunks(2) {
        pairs.push((score_arg(&p[0])?, &p[1][..]));
    }
    let db = ctx.db();
    let out = ctx.store.zset_add(db, &argv[1], f, &pairs)?;
    if out.nan {
        return Err(CmdError::msg("ERR resulting score is not a number (NaN)"));
    }
    if f.incr {
        match out.score {
            Some(s) => ctx.reply().double(s),
            None => ctx.reply().null(),
        }
    } else {
        let n = if ch {
            out.added + out.updated
        } else {
            out.added
        };
        ctx.reply().integer(n as i64);
    }
    Ok(())
}

fn zincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let by = score_arg(&argv[2])?;
    let f = ZAddFlags {
        incr: true,
        ..ZAddFlags::default()
    };
    let db = ctx.db();
    let out = ctx.store.zset_add(db, &argv[1], f, &[(by, &argv[3][..])])?;
    if out.nan {
        return Err(CmdError::msg("ERR resulting score is not a number (NaN)"));
    }
    match out.score {
        Some(s) => ctx.reply().double(s),
        None => ctx.reply().null(),
    }
    Ok(())
}

fn zrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.zset_rem(db, &argv[1], &argv[2..])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn zscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let s = ctx.store.zset_scores(db, &argv[1], &argv[2..3])?;
    match s[0] {
        Some(v) => ctx.reply().double(v),
        None => ctx.reply().null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let s = ctx.store.zset_scores(db, &argv[1], &argv[2..])?;
    let mut w = ctx.reply();
    w.array_header(s.len());
    for v in s {
        match v {
            Some(v) => w.double(v),
            None => w.null(),
        }
    }
    Ok(())
}

fn zcard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.zset_card(db, &argv[1])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn zcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let r = score_range(&argv[2], &argv[3])?;
    let db = ctx.db();
    let n = ctx.store.zset_count(db, &argv[1], &r)?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn zlexcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let r = lex_range(&argv[2], &argv[3])?;
    let db = ctx.db();
    let n = ctx.store.zset_count(db, &argv[1], &r)?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn rank(ctx: &mut Ctx<'_>, argv: &[Bytes], rev: bool) -> CmdResult {
    let db = ctx.db();
    match ctx.store.zset_rank(db, &argv[1], &argv[2], rev)? {
        Some(r) => ctx.reply().integer(r as i64),
        None => ctx.reply().null(),
    }
    Ok(())
}

fn zrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    rank(ctx, argv, false)
}

fn zrevrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    rank(ctx, argv, true)
}

/// Replies pairs: members only, or with scores (RESP3 pairs, RESP2 flat).
fn reply_pairs(ctx: &mut Ctx<'_>, items: &[(Vec<u8>, f64)], withscores: bool) {
    let resp3 = ctx.client.proto == Protocol::Resp3;
    let mut w = ctx.reply();
    if !withscores {
        w.array_header(items.len());
        for (m, _) in items {
            w.bulk(m);
        }
    } else if resp3 {
        w.array_header(items.len());
        for (m, s) in items {
            w.array_header(2);
            w.bulk(m);
            w.double(*s);
        }
    } else {
        w.array_header(items.len() * 2);
        for (m, s) in items {
            w.bulk(m);
            w.double(*s);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Rank,
    Score,
    Lex,
}

/// The ZRANGE family's parser. `args` starts at `min`/`start` (for
/// ZRANGESTORE after the source key); `by`/`rev` are the command's fixed
/// mode (ZRANGE and ZRANGESTORE take them as options).
fn range_query(
    args: &[Bytes],
    mut by: By,
    mut rev: bool,
    options: bool,
    store: bool,
) -> Result<(RangeQuery, bool), CmdError> {
    let mut withscores = false;
    let mut limit: Option<(i64, i64)> = None;
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        let left = args.len() - i - 1;
        if !store && is(a, "withscores") {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            let off = parse_i64(&args[i + 1]).ok_or(CmdError::NotInteger)?;
            let cnt = parse_i64(&args[i + 2]).ok_or(CmdError::NotInteger)?;
            limit = Some((off, cnt));
            i += 2;
        } else if options && by == By::Rank && is(a, "bylex") {
            by = By::Lex;
        } else if options && by == By::Rank && is(a, "byscore") {
            by = By::Score;
        } else if options && is(a, "rev") {
            rev = true;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if limit.is_some() && by == By::Rank {
        return Err(CmdError::msg(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && by == By::Lex {
        return Err(CmdError::msg(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut lo, mut hi) = (&args[0][..], &args[1][..]);
    if rev && by != By::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    let range = match by {
        By::Rank => {
            let s = parse_i64(lo).ok_or(CmdError::NotInteger)?;
            let e = parse_i64(hi).ok_or(CmdError::NotInteger)?;
            Range::Rank(s, e)
        }
        By::Score => score_range(lo, hi)?,
        By::Lex => lex_range(lo, hi)?,
    };
    let (offset, limit) = limit.unwrap_or((0, -1));
    Ok((
        RangeQuery {
            range,
            rev,
            offset,
            limit,
        },
        withscores,
    ))
}

fn range_cmd(ctx: &mut Ctx<'_>, argv: &[Bytes], by: By, rev: bool, options: bool) -> CmdResult {
    let (q, withscores) = range_query(&argv[2..], by, rev, options, false)?;
    let db = ctx.db();
    let items = ctx.store.zset_range(db, &argv[1], &q)?;
    reply_pairs(ctx, &items, withscores);
    Ok(())
}

fn zrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    range_cmd(ctx, argv, By::Rank, false, true)
}

fn zrevrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    range_cmd(ctx, argv, By::Rank, true, false)
}

fn zrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    range_cmd(ctx, argv, By::Score, false, false)
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    range_cmd(ctx, argv, By::Score, true, false)
}

fn zrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    range_cmd(ctx, argv, By::Lex, false, false)
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    range_cmd(ctx, argv, By::Lex, true, false)
}

fn zrangestore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (q, _) = range_query(&argv[3..], By::Rank, false, true, true)?;
    let db = ctx.db();
    let items = ctx.store.zset_range(db, &argv[2], &q)?;
    let n = ctx.store.zset_store(db, &argv[1], items, "zrangestore");
    ctx.reply().integer(n as i64);
    Ok(())
}

fn remrange(ctx: &mut Ctx<'_>, argv: &[Bytes], r: Range) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.zset_rem_range(db, &argv[1], &r)?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn zremrangebyrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let s = parse_i64(&argv[2]).ok_or(CmdError::NotInteger)?;
    let e = parse_i64(&argv[3]).ok_or(CmdError::NotInteger)?;
    remrange(ctx, argv, Range::Rank(s, e))
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let r = score_range(&argv[2], &argv[3])?;
    remrange(ctx, argv, r)
}

fn zremrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let r = lex_range(&argv[2], &argv[3])?;
    remrange(ctx, argv, r)
}

fn pop(ctx: &mut Ctx<'_>, argv: &[Bytes], max: bool) -> CmdResult {
    if argv.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = match argv.get(2) {
        Some(a) => {
            // Redis parses it as a positive long: junk and negatives share
            // one message.
            match parse_i64(a) {
                Some(n) if n >= 0 => Some(n as usize),
                _ => return Err(CmdError::msg("ERR value is out of range, must be positive")),
            }
        }
        None => None,
    };
    let db = ctx.db();
    let items = ctx
        .store
        .zset_pop(db, &argv[1], max, count.unwrap_or(1))?
        .unwrap_or_default();
    if count.is_some() {
        reply_pairs(ctx, &items, true);
    } else {
        let mut w = ctx.reply();
        w.array_header(items.len() * 2);
        for (m, s) in &items {
            w.bulk(m);
            w.double(*s);
        }
    }
    Ok(())
}

fn zpopmin(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    pop(ctx, argv, false)
}

fn zpopmax(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    pop(ctx, argv, true)
}

/// `numkeys key... MIN|MAX [COUNT n]`.
fn parse_mpop(args: &[Bytes]) -> Result<(&[Bytes], bool, usize), CmdError> {
    let numkeys = parse_i64(&args[0])
        .filter(|&n| n > 0)
        .ok_or(CmdError::msg("ERR numkeys should be greater than 0"))?;
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > args.len() - 1 {
        return Err(CmdError::Syntax);
    }
    let keys = &args[1..1 + numkeys];
    let mut a = Args::new(&args[1 + numkeys..]);
    let w = a.req()?;
    let max = if is(w, "min") {
        false
    } else if is(w, "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
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
    Ok((keys, max, count.unwrap_or(1)))
}

fn reply_mpop(ctx: &mut Ctx<'_>, key: &[u8], items: &[(Vec<u8>, f64)]) {
    let mut w = ctx.reply();
    w.array_header(2);
    w.bulk(key);
    w.array_header(items.len());
    for (m, s) in items {
        w.array_header(2);
        w.bulk(m);
        w.double(*s);
    }
}

/// Pops from the first non-empty key: `true` if it replied.
fn try_mpop(ctx: &mut Ctx<'_>, keys: &[Bytes], max: bool, count: usize) -> Result<bool, CmdError> {
    let db = ctx.db();
    for key in keys {
        if let Some(items) = ctx.store.zset_pop(db, key, max, count)? {
            if !items.is_empty() {
                reply_mpop(ctx, key, &items);
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn zmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (keys, max, count) = parse_mpop(&argv[1..])?;
    if !try_mpop(ctx, keys, max, count)? {
        ctx.reply().null_array();
    }
    Ok(())
}

fn bzmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let timeout = parse_timeout(&argv[1])?;
    let (keys, max, count) = parse_mpop(&argv[2..])?;
    if try_mpop(ctx, keys, max, count)? {
        return Ok(());
    }
    block(ctx, argv, keys, timeout, true, "zset")
}

fn bpop(ctx: &mut Ctx<'_>, argv: &[Bytes], max: bool) -> CmdResult {
    let timeout = parse_timeout(&argv[argv.len() - 1])?;
    let keys = &argv[1..argv.len() - 1];
    let db = ctx.db();
    for key in keys {
        if let Some(mut items) = ctx.store.zset_pop(db, key, max, 1)? {
            if let Some((m, s)) = items.pop() {
                let mut w = ctx.reply();
                w.array_header(3);
                w.bulk(key);
                w.bulk(&m);
                w.double(s);
                return Ok(());
            }
        }
    }
    block(ctx, argv, keys, timeout, true, "zset")
}

fn bzpopmin(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    bpop(ctx, argv, false)
}

fn bzpopmax(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    bpop(ctx, argv, true)
}

fn zrandmember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    if argv.len() == 2 {
        let items = ctx.store.zset_random(db, &argv[1], 1, true)?;
        match items.first() {
            Some((m, _)) => ctx.reply().bulk(m),
            None => ctx.reply().null(),
        }
        return Ok(());
    }
    let withscores = match argv.len() {
        3 => false,
        4 if is(&argv[3], "withscores") => true,
        _ => return Err(CmdError::Syntax),
    };
    let l = parse_i64(&argv[2]).ok_or(CmdError::NotInteger)?;
    let (count, unique) = if l >= 0 {
        (l as u64, true)
    } else {
        if l == i64::MIN {
            return Err(CmdError::msg("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
        }
        if withscores && l < -(i64::MAX / 2) {
            return Err(CmdError::msg("ERR value is out of range"));
        }
        (l.unsigned_abs(), false)
    };
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let items = ctx.store.zset_random(db, &argv[1], count, unique)?;
    reply_pairs(ctx, &items, withscores);
    Ok(())
}

struct SetOpArgs<'a> {
    keys: Vec<&'a [u8]>,
    weights: Vec<f64>,
    agg: Aggregate,
    withscores: bool,
}

/// `numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`.
fn parse_setop<'a>(
    name: &str,
    args: &'a [Bytes],
    op: ZSetOp,
    store: bool,
) -> Result<SetOpArgs<'a>, CmdError> {
    let numkeys = parse_i64(&args[0]).ok_or(CmdError::NotInteger)?;
    if numkeys < 1 {
        return Err(CmdError::owned(format!(
            "ERR at least 1 input key is needed for '{name}' command"
        )));
    }
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > args.len() - 1 {
        return Err(CmdError::Syntax);
    }
    let keys: Vec<&[u8]> = args[1..1 + numkeys].iter().map(|k| &k[..]).collect();
    let mut out = SetOpArgs {
        keys,
        weights: Vec::new(),
        agg: Aggregate::Sum,
        withscores: false,
    };
    let rest = &args[1 + numkeys..];
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        let left = rest.len() - i - 1;
        if op != ZSetOp::Diff && is(a, "weights") && left >= numkeys {
            out.weights = rest[i + 1..i + 1 + numkeys]
                .iter()
                .map(|w| strict_f64(w).ok_or(CmdError::msg("ERR weight value is not a float")))
                .collect::<Result<_, _>>()?;
            i += numkeys;
        } else if op != ZSetOp::Diff && is(a, "aggregate") && left >= 1 {
            let v = &rest[i + 1];
            out.agg = if is(v, "sum") {
                Aggregate::Sum
            } else if is(v, "min") {
                Aggregate::Min
            } else if is(v, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            i += 1;
        } else if !store && is(a, "withscores") {
            out.withscores = true;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    Ok(out)
}

fn setop(ctx: &mut Ctx<'_>, argv: &[Bytes], op: ZSetOp) -> CmdResult {
    let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let a = parse_setop(&name, &argv[1..], op, false)?;
    let db = ctx.db();
    let items = ctx.store.zset_combine(db, &a.keys, &a.weights, a.agg, op)?;
    reply_pairs(ctx, &items, a.withscores);
    Ok(())
}

fn setop_store(ctx: &mut Ctx<'_>, argv: &[Bytes], op: ZSetOp, event: &'static str) -> CmdResult {
    let a = parse_setop(event, &argv[2..], op, true)?;
    let db = ctx.db();
    let items = ctx.store.zset_combine(db, &a.keys, &a.weights, a.agg, op)?;
    let n = ctx.store.zset_store(db, &argv[1], items, event);
    ctx.reply().integer(n as i64);
    Ok(())
}

fn zunion(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    setop(ctx, argv, ZSetOp::Union)
}

fn zinter(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    setop(ctx, argv, ZSetOp::Inter)
}

fn zdiff(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    setop(ctx, argv, ZSetOp::Diff)
}

fn zunionstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    setop_store(ctx, argv, ZSetOp::Union, "zunionstore")
}

fn zinterstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    setop_store(ctx, argv, ZSetOp::Inter, "zinterstore")
}

fn zdiffstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    setop_store(ctx, argv, ZSetOp::Diff, "zdiffstore")
}

fn zintercard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let numkeys = parse_i64(&argv[1]).ok_or(CmdError::NotInteger)?;
    if numkeys < 1 {
        return Err(CmdError::msg(
            "ERR at least 1 input key is needed for 'zintercard' command",
        ));
    }
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > argv.len() - 2 {
        return Err(CmdError::Syntax);
    }
    let keys: Vec<&[u8]> = argv[2..2 + numkeys].iter().map(|k| &k[..]).collect();
    let mut a = Args::new(&argv[2 + numkeys..]);
    let mut limit = 0usize;
    while let Some(w) = a.next() {
        if is(w, "limit") && a.remaining() > 0 {
            let l = parse_i64(a.req()?).ok_or(CmdError::msg("ERR LIMIT can't be negative"))?;
            if l < 0 {
                return Err(CmdError::msg("ERR LIMIT can't be negative"));
            }
            limit = usize::try_from(l).unwrap_or(usize::MAX);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let db = ctx.db();
    let n = ctx.store.zset_intercard(db, &keys, limit)?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn zscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&argv[2])?;
    let (ScanOpts { count, pattern }, parsed) = parse_scan_opts(&argv[3..]);
    let db = ctx.db();
    if let Err(e) = parsed {
        if ctx.store.zset_card(db, &argv[1])? == 0 {
            reply_empty_scan(ctx);
            return Ok(());
        }
        return Err(e);
    }
    let (next, items) = ctx.store.zset_scan(db, &argv[1], cursor, count, pattern)?;
    let mut w = ctx.reply();
    w.array_header(2);
    w.bulk(next.to_string().as_bytes());
    w.array_header(items.len() * 2);
    for (m, s) in &items {
        w.bulk(m);
        w.bulk(double_to_string(*s).as_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::from(s.to_string())).collect()
    }

    #[test]
    fn score_bounds_parse_as_redis() {
        assert_eq!(score_bound(b"(1.5"), Some(ScoreBound::exclusive(1.5)));
        assert_eq!(
            score_bound(b"-inf"),
            Some(ScoreBound::inclusive(f64::NEG_INFINITY))
        );
        assert_eq!(score_bound(b"("), None);
        assert_eq!(score_bound(b"nan"), None);
        assert!(score_arg(b"nan").is_err());
    }

    #[test]
    fn range_options_checked_as_redis() {
        let e = range_query(
            &b(&["0", "1", "limit", "0", "1"]),
            By::Rank,
            false,
            true,
            false,
        );
        assert!(e.err().unwrap().text().contains("LIMIT is only supported"));
        let e = range_query(
            &b(&["-", "+", "bylex", "withscores"]),
            By::Rank,
            false,
            true,
            false,
        );
        assert!(e.err().unwrap().text().contains("WITHSCORES not supported"));
        let (q, _) = range_query(
            &b(&["5", "(1", "byscore", "rev"]),
            By::Rank,
            false,
            true,
            false,
        )
        .unwrap();
        assert!(q.rev);
        match q.range {
            Range::Score(min, max) => {
                assert_eq!(min, ScoreBound::exclusive(1.0));
                assert_eq!(max, ScoreBound::inclusive(5.0));
            }
            _ => panic!("not a score range"),
        }
    }
}
