//! Generic key commands.

use bytes::Bytes;
use cedis_store::{ExpireCondition, ScanFilter};

use super::args::{is, Args};
use super::error::{CmdError, CmdResult};
use super::table::{cmd, container, flags::*, CommandSpec};
use super::Ctx;

const KS: &[&str] = &["keyspace", "slow"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("del", -2, WRITE, (1, -1, 1), &["keyspace", "write", "slow"], del),
    cmd("unlink", -2, WRITE | FAST, (1, -1, 1), &["keyspace", "write", "fast"], del),
    cmd("exists", -2, READONLY | FAST, (1, -1, 1), &["keyspace", "read", "fast"], exists),
    cmd("touch", -2, READONLY | FAST, (1, -1, 1), &["keyspace", "read", "fast"], touch),
    cmd("type", 2, READONLY | FAST, (1, 1, 1), &["keyspace", "read", "fast"], type_),
    cmd("rename", 3, WRITE, (1, 2, 1), &["keyspace", "write", "slow"], rename),
    cmd("renamenx", 3, WRITE | FAST, (1, 2, 1), &["keyspace", "write", "fast"], renamenx),
    cmd("copy", -3, WRITE | DENYOOM, (1, 2, 1), &["keyspace", "write", "slow"], copy),
    cmd("move", 3, WRITE | FAST, (1, 1, 1), &["keyspace", "write", "fast"], move_),
    cmd("randomkey", 1, READONLY, (0, 0, 0), &["keyspace", "read", "slow"], randomkey),
    cmd("keys", 2, READONLY, (0, 0, 0), &["keyspace", "read", "slow", "dangerous"], keys),
    cmd("scan", -2, READONLY, (0, 0, 0), &["keyspace", "read", "slow"], scan),
    cmd("expire", -3, WRITE | FAST, (1, 1, 1), &["keyspace", "write", "fast"], expire),
    cmd("pexpire", -3, WRITE | FAST, (1, 1, 1), &["keyspace", "write", "fast"], pexpire),
    cmd("expireat", -3, WRITE | FAST, (1, 1, 1), &["keyspace", "write", "fast"], expireat),
    cmd("pexpireat", -3, WRITE | FAST, (1, 1, 1), &["keyspace", "write", "fast"], pexpireat),
    cmd("ttl", 2, READONLY | FAST, (1, 1, 1), &["keyspace", "read", "fast"], ttl),
    cmd("pttl", 2, READONLY | FAST, (1, 1, 1), &["keyspace", "read", "fast"], pttl),
    cmd("expiretime", 2, READONLY | FAST, (1, 1, 1), &["keyspace", "read", "fast"], expiretime),
    cmd("pexpiretime", 2, READONLY | FAST, (1, 1, 1), &["keyspace", "read", "fast"], pexpiretime),
    cmd("persist", 2, WRITE | FAST, (1, 1, 1), &["keyspace", "write", "fast"], persist),
    container("object", -2, &["slow"], OBJECT),
];

#[rustfmt::skip]
static OBJECT: &[CommandSpec] = &[
    cmd("encoding", 3, READONLY, (2, 2, 1), &["keyspace", "read", "slow"], object_encoding),
    cmd("freq", 3, READONLY, (2, 2, 1), &["keyspace", "read", "slow"], object_freq),
    cmd("idletime", 3, READONLY, (2, 2, 1), &["keyspace", "read", "slow"], object_idletime),
    cmd("refcount", 3, READONLY, (2, 2, 1), &["keyspace", "read", "slow"], object_refcount),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), KS, object_help),
];

fn count_keys(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    f: fn(&mut cedis_store::Store, usize, &[u8]) -> bool,
) -> CmdResult {
    let db = ctx.db();
    let n = argv[1..].iter().filter(|k| f(ctx.store, db, k)).count();
    ctx.reply().integer(n as i64);
    Ok(())
}

fn del(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    count_keys(ctx, argv, cedis_store::Store::del)
}

fn exists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    count_keys(ctx, argv, cedis_store::Store::exists)
}

fn touch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    count_keys(ctx, argv, cedis_store::Store::touch)
}

fn type_(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let t = ctx.store.type_of(db, &argv[1]);
    ctx.reply().simple(t.as_bytes());
    Ok(())
}

fn rename(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    ctx.store.rename(db, &argv[1], &argv[2], false)?;
    ctx.reply().ok();
    Ok(())
}

fn renamenx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let done = ctx.store.rename(db, &argv[1], &argv[2], true)?;
    ctx.reply().integer(i64::from(done));
    Ok(())
}

/// Parses a DB index argument as Redis does (int range, then bounds).
fn db_index(ctx: &Ctx<'_>, arg: &[u8]) -> Result<usize, CmdError> {
    let n = cedis_store::value::parse_i64(arg)
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or(CmdError::NotInteger)?;
    Ok(ctx.store.check_db(n)?)
}

const SAME_OBJECT: CmdError = CmdError::msg("ERR source and destination objects are the same");

fn copy(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let mut dst_db = db;
    let mut replace = false;
    let mut a = Args::new(&argv[3..]);
    while let Some(word) = a.next() {
        if is(word, "replace") {
            replace = true;
        } else if is(word, "db") && a.remaining() > 0 {
            dst_db = db_index(ctx, a.req()?)?;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if dst_db == db && argv[1] == argv[2] {
        return Err(SAME_OBJECT);
    }
    let done = ctx.store.copy(db, &argv[1], dst_db, &argv[2], replace)?;
    ctx.reply().integer(i64::from(done));
    Ok(())
}

fn move_(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let dst = db_index(ctx, &argv[2])?;
    if dst == db {
        return Err(SAME_OBJECT);
    }
    let done = ctx.store.move_key(db, &argv[1], dst);
    ctx.reply().integer(i64::from(done));
    Ok(())
}

fn randomkey(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let k = ctx.store.random_key(db);
    let mut w = ctx.reply();
    match k {
        Some(k) => w.bulk(&k),
        None => w.null(),
    }
    Ok(())
}

fn keys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let keys = ctx.store.keys(db, &argv[1]);
    let mut w = ctx.reply();
    w.array_header(keys.len());
    for k in &keys {
        w.bulk(k);
    }
    Ok(())
}

/// The COUNT and MATCH options of SSCAN, HSCAN and ZSCAN.
#[derive(Debug, Clone, Copy)]
pub struct ScanOpts<'a> {
    /// COUNT (default 10).
    pub count: usize,
    /// MATCH, `None` for `*`.
    pub pattern: Option<&'a [u8]>,
}

/// Parses the options after a collection scan's cursor. A bad option is
/// returned separately: Redis reports it only after looking at the key (a
/// missing key answers an empty scan whatever follows, a wrong type errs
/// first), so the caller decides when to raise it.
pub fn parse_scan_opts(args: &[Bytes]) -> (ScanOpts<'_>, Result<(), CmdError>) {
    let mut opts = ScanOpts {
        count: 10,
        pattern: None,
    };
    let mut a = Args::new(args);
    while let Some(word) = a.next() {
        if is(word, "count") && a.remaining() > 0 {
            match a.i64() {
                Ok(n) if n >= 1 => opts.count = n as usize,
                Ok(_) => return (opts, Err(CmdError::Syntax)),
                Err(e) => return (opts, Err(e)),
            }
        } else if is(word, "match") && a.remaining() > 0 {
            let p = a.next().unwrap_or_default();
            opts.pattern = if p == b"*" { None } else { Some(p) };
        } else {
            return (opts, Err(CmdError::Syntax));
        }
    }
    (opts, Ok(()))
}

/// The `[0, []]` reply of a scan over nothing.
pub fn reply_empty_scan(ctx: &mut Ctx<'_>) {
    let mut w = ctx.reply();
    w.array_header(2);
    w.bulk(b"0");
    w.array_header(0);
}

/// Parses a SCAN cursor as redis-server does with `strtoul`: an optional
/// sign and decimal digits; a negative value wraps around (`-1` is
/// 2^64-1); leading spaces, junk and overflow are `ERR invalid cursor`.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let invalid = || CmdError::msg("ERR invalid cursor");
    let (neg, digits) = match arg {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let mut v: u64 = 0;
    for &c in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
            .ok_or_else(invalid)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

fn scan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&argv[1])?;
    let mut a = Args::new(&argv[2..]);
    let mut count = 10usize;
    let mut filter = ScanFilter::default();
    while let Some(word) = a.next() {
        if is(word, "count") && a.remaining() > 0 {
            let n = a.i64()?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            count = n as usize;
        } else if is(word, "match") && a.remaining() > 0 {
            let p = a.req()?;
            filter.pattern = if p == b"*" { None } else { Some(p) };
        } else if is(word, "type") && a.remaining() > 0 {
            filter.type_name = Some(a.req()?);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let db = ctx.db();
    let mut keys = Vec::new();
    let next = ctx.store.scan(db, cursor, count, filter, &mut keys);
    let mut w = ctx.reply();
    w.array_header(2);
    w.bulk(next.to_string().as_bytes());
    w.array_header(keys.len());
    for k in &keys {
        w.bulk(k);
    }
    Ok(())
}

fn expire_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], unit_ms: bool, absolute: bool) -> CmdResult {
    let when = Args::new(&argv[2..3]).i64()?;
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &argv[3..] {
        if is(opt, "nx") {
            nx = true;
        } else if is(opt, "xx") {
            xx = true;
        } else if is(opt, "gt") {
            gt = true;
        } else if is(opt, "lt") {
            lt = true;
        } else {
            return Err(CmdError::owned(format!(
                "ERR Unsupported option {}",
                String::from_utf8_lossy(opt)
            )));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(CmdError::msg(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if gt && lt {
        return Err(CmdError::msg(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    let cond = if nx {
        ExpireCondition::IfNone
    } else if gt {
        ExpireCondition::IfGreater
    } else if lt && xx {
        ExpireCondition::IfSomeAndLess
    } else if lt {
        ExpireCondition::IfLess
    } else if xx {
        ExpireCondition::IfSome
    } else {
        ExpireCondition::Always
    };
    let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let invalid = || CmdError::owned(format!("ERR invalid expire time in '{name}' command"));
    let mut at = if unit_ms {
        when
    } else {
        when.checked_mul(1000).ok_or_else(invalid)?
    };
    if !absolute {
        at = at.checked_add(ctx.store.now_ms()).ok_or_else(invalid)?;
    }
    let db = ctx.db();
    // With XX/GT the key's current TTL matters before a past deadline deletes.
    let done = ctx.store.expire_at(db, &argv[1], at, cond)?;
    ctx.reply().integer(i64::from(done));
    Ok(())
}

fn expire(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, false, false)
}

fn pexpire(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, true, false)
}

fn expireat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, false, true)
}

fn pexpireat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, true, true)
}

fn ttl_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], absolute: bool, ms: bool) -> CmdResult {
    let db = ctx.db();
    let v = if absolute {
        ctx.store.pexpiretime(db, &argv[1])
    } else {
        ctx.store.pttl(db, &argv[1])
    };
    let n = match v {
        None => -2,
        Some(None) => -1,
        Some(Some(t)) if ms => t,
        Some(Some(t)) if absolute => t / 1000,
        Some(Some(t)) => (t + 500) / 1000,
    };
    ctx.reply().integer(n);
    Ok(())
}

fn ttl(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, argv, false, false)
}

fn pttl(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, argv, false, true)
}

fn expiretime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, argv, true, false)
}

fn pexpiretime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, argv, true, true)
}

fn persist(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let done = ctx.store.persist(db, &argv[1]);
    ctx.reply().integer(i64::from(done));
    Ok(())
}

fn object_encoding(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let enc = ctx.store.object_encoding(db, &argv[2]);
    let mut w = ctx.reply();
    match enc {
        Some(e) => w.bulk(e.as_bytes()),
        None => w.null(),
    }
    Ok(())
}

fn object_idletime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let idle = ctx.store.object_idletime(db, &argv[2]);
    if idle.is_some() && ctx.store.config.lfu {
        return Err(CmdError::msg("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    let mut w = ctx.reply();
    match idle {
        Some(s) => w.integer(s as i64),
        None => w.null(),
    }
    Ok(())
}

fn object_freq(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    // Redis looks the key up first: a missing key answers nil under any policy.
    let freq = ctx.store.object_freq(db, &argv[2]);
    if freq.is_some() && !ctx.store.config.lfu {
        return Err(CmdError::msg("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    let mut w = ctx.reply();
    match freq {
        Some(f) => w.integer(i64::from(f)),
        None => w.null(),
    }
    Ok(())
}

fn object_refcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let shared = match ctx.store.peek(db, &argv[2]) {
        None => {
            ctx.reply().null();
            return Ok(());
        }
        Some(e) => {
            e.encoding() == "int"
                && e.as_str()
                    .and_then(|s| s.to_i64())
                    .is_some_and(|n| (0..10_000).contains(&n))
        }
    };
    ctx.reply()
        .integer(if shared { i64::from(i32::MAX) } else { 1 });
    Ok(())
}

fn object_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    super::server::help(
        ctx,
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
    Ok(())
}
