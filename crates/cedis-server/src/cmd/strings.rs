//! String commands.

use bytes::Bytes;
use cedis_store::{GetExExpiry, SetCondition, SetExpiry, SetOptions, StrRef, StrValue};

use super::args::{is, Args};
use super::error::{CmdError, CmdResult};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;

const W: u32 = WRITE | DENYOOM;

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("get", 2, READONLY | FAST, (1, 1, 1), &["read", "string", "fast"], get),
    cmd("set", -3, W, (1, 1, 1), &["write", "string", "slow"], set),
    cmd("setnx", 3, W | FAST, (1, 1, 1), &["write", "string", "fast"], setnx),
    cmd("setex", 4, W, (1, 1, 1), &["write", "string", "slow"], setex),
    cmd("psetex", 4, W, (1, 1, 1), &["write", "string", "slow"], psetex),
    cmd("getset", 3, W | FAST, (1, 1, 1), &["write", "string", "fast"], getset),
    cmd("getdel", 2, WRITE | FAST, (1, 1, 1), &["write", "string", "fast"], getdel),
    cmd("getex", -2, WRITE | FAST, (1, 1, 1), &["write", "string", "fast"], getex),
    cmd("mget", -2, READONLY | FAST, (1, -1, 1), &["read", "string", "fast"], mget),
    cmd("mset", -3, W, (1, -1, 2), &["write", "string", "slow"], mset),
    cmd("msetnx", -3, W, (1, -1, 2), &["write", "string", "slow"], msetnx),
    cmd("append", 3, W | FAST, (1, 1, 1), &["write", "string", "fast"], append),
    cmd("strlen", 2, READONLY | FAST, (1, 1, 1), &["read", "string", "fast"], strlen),
    cmd("incr", 2, W | FAST, (1, 1, 1), &["write", "string", "fast"], incr),
    cmd("decr", 2, W | FAST, (1, 1, 1), &["write", "string", "fast"], decr),
    cmd("incrby", 3, W | FAST, (1, 1, 1), &["write", "string", "fast"], incrby),
    cmd("decrby", 3, W | FAST, (1, 1, 1), &["write", "string", "fast"], decrby),
    cmd("incrbyfloat", 3, W | FAST, (1, 1, 1), &["write", "string", "fast"], incrbyfloat),
    cmd("getrange", 4, READONLY, (1, 1, 1), &["read", "string", "slow"], getrange),
    cmd("substr", 4, READONLY, (1, 1, 1), &["read", "string", "slow"], getrange),
    cmd("setrange", 4, W, (1, 1, 1), &["write", "string", "slow"], setrange),
    cmd("lcs", -3, READONLY, (1, 2, 1), &["read", "string", "slow"], lcs),
];

fn get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let mut w = cedis_resp::ReplyWriter::new(ctx.out, ctx.client.proto);
    match ctx.store.get(db, &argv[1])? {
        None => w.null(),
        Some(StrRef::Int(n)) => w.bulk_i64(n),
        Some(StrRef::Bytes(data)) => w.bulk(data),
    }
    Ok(())
}

/// Converts a relative or absolute expire argument to absolute ms, with
/// Redis's range checks and its `invalid expire time in '<cmd>'` error.
fn expire_ms(
    ctx: &Ctx<'_>,
    value: i64,
    unit_ms: bool,
    absolute: bool,
    cmd_name: &str,
) -> Result<i64, CmdError> {
    let invalid = || CmdError::owned(format!("ERR invalid expire time in '{cmd_name}' command"));
    if value <= 0 {
        return Err(invalid());
    }
    let ms = if unit_ms {
        value
    } else {
        value.checked_mul(1000).ok_or_else(invalid)?
    };
    if absolute {
        Ok(ms)
    } else {
        ms.checked_add(ctx.store.now_ms()).ok_or_else(invalid)
    }
}

fn set(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut a = Args::new(&argv[3..]);
    let mut opts = SetOptions::default();
    // (milliseconds?, absolute?, argument) of EX/PX/EXAT/PXAT.
    let mut expire: Option<(bool, bool, &[u8])> = None;
    while let Some(word) = a.next() {
        let unit = if is(word, "ex") {
            Some((false, false))
        } else if is(word, "px") {
            Some((true, false))
        } else if is(word, "exat") {
            Some((false, true))
        } else if is(word, "pxat") {
            Some((true, true))
        } else {
            None
        };
        if let Some((unit_ms, absolute)) = unit {
            // The same option may repeat (the last one wins); mixing units
            // or KEEPTTL is a syntax error, as in redis-server 7.0.
            let other_unit = expire.is_some_and(|(m, abs, _)| (m, abs) != (unit_ms, absolute));
            if other_unit || opts.expiry == SetExpiry::Keep || a.remaining() == 0 {
                return Err(CmdError::Syntax);
            }
            expire = Some((unit_ms, absolute, a.req()?));
        } else if is(word, "nx") && opts.condition != SetCondition::IfPresent {
            opts.condition = SetCondition::IfAbsent;
        } else if is(word, "xx") && opts.condition != SetCondition::IfAbsent {
            opts.condition = SetCondition::IfPresent;
        } else if is(word, "get") {
            opts.get = true;
        } else if is(word, "keepttl") && expire.is_none() {
            opts.expiry = SetExpiry::Keep;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if let Some((unit_ms, absolute, arg)) = expire {
        let v = cedis_store::value::parse_i64(arg).ok_or(CmdError::NotInteger)?;
        opts.expiry = SetExpiry::At(expire_ms(ctx, v, unit_ms, absolute, "set")?);
    }
    let db = ctx.db();
    let out = ctx.store.set(db, &argv[1], &argv[2], &opts)?;
    let mut w = ctx.reply();
    if opts.get {
        match out.old {
            Some(old) => w.bulk(&old),
            None => w.null(),
        }
    } else if out.written {
        w.ok();
    } else {
        w.null();
    }
    Ok(())
}

fn setnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let opts = SetOptions {
        condition: SetCondition::IfAbsent,
        ..Default::default()
    };
    let out = ctx.store.set(db, &argv[1], &argv[2], &opts)?;
    ctx.reply().integer(i64::from(out.written));
    Ok(())
}

fn setex_common(ctx: &mut Ctx<'_>, argv: &[Bytes], unit_ms: bool, name: &str) -> CmdResult {
    let v = Args::new(&argv[2..3]).i64()?;
    let at = expire_ms(ctx, v, unit_ms, false, name)?;
    let db = ctx.db();
    ctx.store.set(
        db,
        &argv[1],
        &argv[3],
        &SetOptions {
            expiry: SetExpiry::At(at),
            ..Default::default()
        },
    )?;
    ctx.reply().ok();
    Ok(())
}

fn setex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    setex_common(ctx, argv, false, "setex")
}

fn psetex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    setex_common(ctx, argv, true, "psetex")
}

fn reply_opt(ctx: &mut Ctx<'_>, v: Option<Vec<u8>>) -> CmdResult {
    let mut w = ctx.reply();
    match v {
        Some(v) => w.bulk(&v),
        None => w.null(),
    }
    Ok(())
}

fn getset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let out = ctx.store.set(
        db,
        &argv[1],
        &argv[2],
        &SetOptions {
            get: true,
            ..Default::default()
        },
    )?;
    reply_opt(ctx, out.old)
}

fn getdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let v = ctx.store.getdel(db, &argv[1])?;
    reply_opt(ctx, v)
}

fn getex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut a = Args::new(&argv[2..]);
    let mut expiry = GetExExpiry::Unchanged;
    // The option seen so far: (milliseconds, absolute, persist).
    let mut seen: Option<(bool, bool, bool)> = None;
    while let Some(word) = a.next() {
        let (unit_ms, absolute) = if is(word, "ex") {
            (false, false)
        } else if is(word, "px") {
            (true, false)
        } else if is(word, "exat") {
            (false, true)
        } else if is(word, "pxat") {
            (true, true)
        } else if is(word, "persist") && !matches!(seen, Some(u) if u != (false, false, true)) {
            seen = Some((false, false, true));
            expiry = GetExExpiry::Persist;
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        // Repeating the same option is accepted (the last one wins).
        if matches!(seen, Some(u) if u != (unit_ms, absolute, false)) || a.remaining() == 0 {
            return Err(CmdError::Syntax);
        }
        seen = Some((unit_ms, absolute, false));
        let v = a.i64()?;
        expiry = GetExExpiry::At(expire_ms(ctx, v, unit_ms, absolute, "getex")?);
    }
    let db = ctx.db();
    let v = ctx.store.getex(db, &argv[1], expiry)?;
    reply_opt(ctx, v)
}

fn mget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let mut w = cedis_resp::ReplyWriter::new(ctx.out, ctx.client.proto);
    w.array_header(argv.len() - 1);
    for key in &argv[1..] {
        match ctx.store.get(db, key) {
            Ok(Some(StrRef::Int(n))) => w.bulk_i64(n),
            Ok(Some(StrRef::Bytes(data))) => w.bulk(data),
            _ => w.null(),
        }
    }
    Ok(())
}

fn check_pairs(argv: &[Bytes]) -> CmdResult {
    if argv.len() % 2 == 0 {
        return Err(CmdError::owned(format!(
            "ERR wrong number of arguments for '{}' command",
            String::from_utf8_lossy(&argv[0]).to_ascii_lowercase()
        )));
    }
    Ok(())
}

fn mset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    check_pairs(argv)?;
    let db = ctx.db();
    for pair in argv[1..].chunks_exact(2) {
        ctx.store
            .set_value(db, &pair[0], StrValue::from_bytes(&pair[1]));
    }
    ctx.reply().ok();
    Ok(())
}

fn msetnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    check_pairs(argv)?;
    let db = ctx.db();
    let pairs: Vec<(&[u8], &[u8])> = argv[1..]
        .chunks_exact(2)
        .map(|p| (&p[0][..], &p[1][..]))
        .collect();
    let done = ctx.store.msetnx(db, &pairs);
    ctx.reply().integer(i64::from(done));
    Ok(())
}

fn append(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let len = ctx.store.append(db, &argv[1], &argv[2])?;
    ctx.reply().integer(len as i64);
    Ok(())
}

fn strlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let len = ctx.store.strlen(db, &argv[1])?;
    ctx.reply().integer(len as i64);
    Ok(())
}

fn incr_common(ctx: &mut Ctx<'_>, key: &[u8], delta: i64) -> CmdResult {
    let db = ctx.db();
    let v = ctx.store.incr_by(db, key, delta)?;
    ctx.reply().integer(v);
    Ok(())
}

fn incr(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    incr_common(ctx, &argv[1], 1)
}

fn decr(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    incr_common(ctx, &argv[1], -1)
}

fn incrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let d = Args::new(&argv[2..]).i64()?;
    incr_common(ctx, &argv[1], d)
}

fn decrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let d = Args::new(&argv[2..]).i64()?;
    let d = d
        .checked_neg()
        .ok_or(CmdError::msg("ERR decrement would overflow"))?;
    incr_common(ctx, &argv[1], d)
}

fn incrbyfloat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let v = ctx.store.incr_by_float(db, &argv[1], &argv[2])?;
    ctx.reply().bulk(&v);
    Ok(())
}

fn getrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut a = Args::new(&argv[2..]);
    let (start, end) = (a.i64()?, a.i64()?);
    let db = ctx.db();
    let v = ctx.store.getrange(db, &argv[1], start, end)?;
    ctx.reply().bulk(&v);
    Ok(())
}

fn setrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let offset = Args::new(&argv[2..]).i64()?;
    if offset < 0 {
        return Err(CmdError::msg("ERR offset is out of range"));
    }
    let db = ctx.db();
    let len = ctx
        .store
        .setrange(db, &argv[1], offset as usize, &argv[3])?;
    ctx.reply().integer(len as i64);
    Ok(())
}

fn lcs(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut a = Args::new(&argv[3..]);
    let (mut get_len, mut get_idx, mut with_len, mut min_len) = (false, false, false, 0i64);
    while let Some(word) = a.next() {
        if is(word, "len") {
            get_len = true;
        } else if is(word, "idx") {
            get_idx = true;
        } else if is(word, "withmatchlen") {
            with_len = true;
        } else if is(word, "minmatchlen") && a.remaining() > 0 {
            min_len = a.i64()?.max(0);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if get_len && get_idx {
        return Err(CmdError::msg(
            "ERR If you want both the length and indexes, please just use IDX.",
        ));
    }
    let db = ctx.db();
    let (x, y) = ctx
        .store
        .lcs_inputs(db, &argv[1], &argv[2])
        .map_err(|e| match e {
            cedis_store::Status::WrongType => {
                CmdError::msg("ERR The specified keys must contain string values")
            }
            other => other.into(),
        })?;
    let result = cedis_store::lcs::lcs(&x, &y);
    let mut w = ctx.reply();
    if get_idx {
        let matches: Vec<_> = result
            .matches
            .iter()
            .filter(|m| m.len as i64 >= min_len)
            .collect();
        w.map_header(2);
        w.bulk(b"matches");
        w.array_header(matches.len());
        for m in matches {
            w.array_header(if with_len { 3 } else { 2 });
            for (s, e) in [
                (m.a_start, m.a_start + m.len - 1),
                (m.b_start, m.b_start + m.len - 1),
            ] {
                w.array_header(2);
                w.integer(s as i64);
                w.integer(e as i64);
            }
            if with_len {
                w.integer(m.len as i64);
            }
        }
        w.bulk(b"len");
        w.integer(result.len as i64);
    } else if get_len {
        w.integer(result.len as i64);
    } else {
        w.bulk(&result.string);
    }
    Ok(())
}
