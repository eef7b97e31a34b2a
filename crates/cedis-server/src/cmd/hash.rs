//! Hash commands.
//!
//! The store keeps each hash as a listpack while small and converts it to
//! a hashtable exactly when redis-server 7.0 does (see
//! [`cedis_store::hash`]); these handlers parse, check arguments in Redis's
//! order and shape the replies (HGETALL is a RESP3 map, HRANDFIELD
//! WITHVALUES an array of pairs in RESP3).

use bytes::Bytes;
use cedis_store::hash::IncrError;

use super::args::{is, Args};
use super::error::{CmdError, CmdResult};
use super::keys::{parse_cursor, parse_scan_opts, reply_empty_scan, ScanOpts};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;

const W: u32 = WRITE | DENYOOM;

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("hdel", -3, WRITE | FAST, (1, 1, 1), &["write", "hash", "fast"], hdel),
    cmd("hexists", 3, READONLY | FAST, (1, 1, 1), &["read", "hash", "fast"], hexists),
    cmd("hget", 3, READONLY | FAST, (1, 1, 1), &["read", "hash", "fast"], hget),
    cmd("hgetall", 2, READONLY, (1, 1, 1), &["read", "hash", "slow"], hgetall),
    cmd("hincrby", 4, W | FAST, (1, 1, 1), &["write", "hash", "fast"], hincrby),
    cmd("hincrbyfloat", 4, W | FAST, (1, 1, 1), &["write", "hash", "fast"], hincrbyfloat),
    cmd("hkeys", 2, READONLY, (1, 1, 1), &["read", "hash", "slow"], hkeys),
    cmd("hlen", 2, READONLY | FAST, (1, 1, 1), &["read", "hash", "fast"], hlen),
    cmd("hmget", -3, READONLY | FAST, (1, 1, 1), &["read", "hash", "fast"], hmget),
    cmd("hmset", -4, W | FAST, (1, 1, 1), &["write", "hash", "fast"], hmset),
    cmd("hrandfield", -2, READONLY, (1, 1, 1), &["read", "hash", "slow"], hrandfield),
    cmd("hscan", -3, READONLY, (1, 1, 1), &["read", "hash", "slow"], hscan),
    cmd("hset", -4, W | FAST, (1, 1, 1), &["write", "hash", "fast"], hset),
    cmd("hsetnx", 4, W | FAST, (1, 1, 1), &["write", "hash", "fast"], hsetnx),
    cmd("hstrlen", 3, READONLY | FAST, (1, 1, 1), &["read", "hash", "fast"], hstrlen),
    cmd("hvals", 2, READONLY, (1, 1, 1), &["read", "hash", "slow"], hvals),
];

/// HSET/HMSET's pairs check (`key field value [field value ...]`).
fn check_pairs(argv: &[Bytes], name: &str) -> CmdResult {
    if argv.len() % 2 == 0 {
        Ok(())
    } else {
        Err(CmdError::owned(format!(
            "ERR wrong number of arguments for '{name}' command"
        )))
    }
}

fn hset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    check_pairs(argv, "hset")?;
    let db = ctx.db();
    let added = ctx.store.hash_set(db, &argv[1], &argv[2..])?;
    ctx.reply().integer(added as i64);
    Ok(())
}

fn hmset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    check_pairs(argv, "hmset")?;
    let db = ctx.db();
    ctx.store.hash_set(db, &argv[1], &argv[2..])?;
    ctx.reply().ok();
    Ok(())
}

fn hsetnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let set = ctx.store.hash_set_nx(db, &argv[1], &argv[2], &argv[3])?;
    ctx.reply().integer(i64::from(set));
    Ok(())
}

fn hget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let v = ctx.store.hash_get(db, &argv[1], &argv[2])?;
    let mut w = ctx.reply();
    match v {
        Some(v) => w.bulk(&v),
        None => w.null(),
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let vals = ctx.store.hash_mget(db, &argv[1], &argv[2..])?;
    let mut w = ctx.reply();
    w.array_header(vals.len());
    for v in &vals {
        match v {
            Some(v) => w.bulk(v),
            None => w.null(),
        }
    }
    Ok(())
}

fn hdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.hash_del(db, &argv[1], &argv[2..])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn hlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.hash_len(db, &argv[1])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

fn hexists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let found = ctx.store.hash_exists(db, &argv[1], &argv[2])?;
    ctx.reply().integer(i64::from(found));
    Ok(())
}

fn hstrlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let n = ctx.store.hash_strlen(db, &argv[1], &argv[2])?;
    ctx.reply().integer(n as i64);
    Ok(())
}

/// HKEYS (`keys`), HVALS (`values`) and HGETALL (both, as a map).
fn get_all(ctx: &mut Ctx<'_>, argv: &[Bytes], keys: bool, values: bool) -> CmdResult {
    let db = ctx.db();
    let pairs = ctx.store.hash_get_all(db, &argv[1])?;
    let mut w = ctx.reply();
    if keys && values {
        w.map_header(pairs.len());
    } else {
        w.array_header(pairs.len());
    }
    for (k, v) in &pairs {
        if keys {
            w.bulk(k);
        }
        if values {
            w.bulk(v);
        }
    }
    Ok(())
}

fn hgetall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    get_all(ctx, argv, true, true)
}

fn hkeys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    get_all(ctx, argv, true, false)
}

fn hvals(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    get_all(ctx, argv, false, true)
}

fn incr_error(e: IncrError) -> CmdError {
    match e {
        IncrError::Status(s) => CmdError::Status(s),
        IncrError::NotInteger => CmdError::msg("ERR hash value is not an integer"),
        IncrError::Overflow => CmdError::msg("ERR increment or decrement would overflow"),
        IncrError::Float(f) => CmdError::msg(f.hincrbyfloat_message()),
    }
}

fn hincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let incr = Args::new(&argv[3..]).i64()?;
    let db = ctx.db();
    let n = ctx
        .store
        .hash_incr_by(db, &argv[1], &argv[2], incr)
        .map_err(incr_error)?;
    ctx.reply().integer(n);
    Ok(())
}

fn hincrbyfloat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let v = ctx
        .store
        .hash_incr_by_float(db, &argv[1], &argv[2], &argv[3])
        .map_err(incr_error)?;
    ctx.reply().bulk(&v);
    Ok(())
}

fn hrandfield(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    if argv.len() < 3 {
        let f = ctx.store.hash_random_field(db, &argv[1])?;
        let mut w = ctx.reply();
        match f {
            Some(f) => w.bulk(&f),
            None => w.null(),
        }
        return Ok(());
    }
    let count = Args::new(&argv[2..3]).i64()?;
    if count == i64::MIN {
        return Err(CmdError::msg(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    if argv.len() > 4 || (argv.len() == 4 && !is(&argv[3], "withvalues")) {
        return Err(CmdError::Syntax);
    }
    let with_values = argv.len() == 4;
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::msg("ERR value is out of range"));
    }
    let r = ctx
        .store
        .hash_random_fields(db, &argv[1], count, with_values)?;
    let resp3 = ctx.client.proto == cedis_resp::Protocol::Resp3;
    let mut w = ctx.reply();
    match &r.values {
        None => {
            w.array_header(r.fields.len());
            for f in &r.fields {
                w.bulk(f);
            }
        }
        Some(vals) => {
            w.array_header(if resp3 {
                r.fields.len()
            } else {
                r.fields.len() * 2
            });
            for (f, v) in r.fields.iter().zip(vals) {
                if resp3 {
                    w.array_header(2);
                }
                w.bulk(f);
                w.bulk(v);
            }
        }
    }
    Ok(())
}

fn hscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&argv[2])?;
    // Options are checked after the key (a missing key answers an empty
    // scan whatever follows).
    let (ScanOpts { count, pattern }, parsed) = parse_scan_opts(&argv[3..]);
    let db = ctx.db();
    if let Err(e) = parsed {
        return if ctx.store.hash_len(db, &argv[1])? == 0 {
            reply_empty_scan(ctx);
            Ok(())
        } else {
            Err(e)
        };
    }
    let Some((next, pairs)) = ctx.store.hash_scan(db, &argv[1], cursor, count, pattern)? else {
        reply_empty_scan(ctx);
        return Ok(());
    };
    let mut w = ctx.reply();
    w.array_header(2);
    w.bulk(next.to_string().as_bytes());
    w.array_header(pairs.len() * 2);
    for (k, v) in &pairs {
        w.bulk(k);
        w.bulk(v);
    }
    Ok(())
}
