//! Parameter values: parsing with redis-server's rules and error texts, and
//! formatting as `CONFIG GET` shows them and as `CONFIG REWRITE` writes them.

use std::path::{Path, PathBuf};

use super::table::{Kind, Special, StrCheck};

/// `notify-keyspace-events` bits (the values Redis uses).
pub mod notify {
    /// `K`: keyspace events.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: keyevent events.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands.
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: expired events.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: evicted events.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key miss events.
    pub const KEY_MISS: u32 = 1 << 11;
    /// `d`: module key type events.
    pub const MODULE: u32 = 1 << 12;
    /// `n`: new key events.
    pub const NEW: u32 = 1 << 13;
    /// `A`: alias for `g$lshzxetd`.
    pub const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// One `save <seconds> <changes>` point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavePoint {
    /// Seconds since the last save (>= 1).
    pub seconds: i64,
    /// Changes since the last save (>= 0).
    pub changes: i64,
}

/// The client classes of `client-output-buffer-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientClass {
    /// Normal clients.
    Normal = 0,
    /// Replicas (`slave` / `replica`).
    Replica = 1,
    /// Pub/sub subscribers.
    Pubsub = 2,
}

/// One class's output buffer limits (0 means no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputBufferLimit {
    /// Hard limit in bytes.
    pub hard: u64,
    /// Soft limit in bytes.
    pub soft: u64,
    /// Seconds the soft limit may be exceeded.
    pub soft_seconds: u64,
}

/// `maxmemory-clients`: bytes, or a percentage of `maxmemory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryOrPercent {
    /// An absolute number of bytes (0: no limit).
    Bytes(u64),
    /// A percentage, 1..=100.
    Percent(u32),
}

/// The value of one parameter.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// `yes` / `no`.
    Bool(bool),
    /// Integers.
    Int(i64),
    /// Memory sizes in bytes.
    Memory(u64),
    /// Octal integers (`unixsocketperm`).
    Octal(u32),
    /// Enums: the value (bit set for multi enums).
    Enum(u32),
    /// Strings.
    Str(String),
    /// `save`.
    Save(Vec<SavePoint>),
    /// `client-output-buffer-limit`, indexed by [`ClientClass`].
    OutputBufferLimits([OutputBufferLimit; 3]),
    /// `notify-keyspace-events`, see [`notify`].
    Notify(u32),
    /// `oom-score-adj-values`.
    OomValues([i32; 3]),
    /// `bind`.
    Bind(Vec<String>),
    /// `replicaof`: host and port, or none.
    ReplicaOf(Option<(String, u16)>),
    /// `latency-tracking-info-percentiles`.
    Percentiles(Vec<f64>),
    /// `dir`: an absolute path.
    Dir(PathBuf),
    /// `maxmemory-clients`.
    MemoryOrPercent(MemoryOrPercent),
}

/// A reason a value was rejected, as the text redis-server gives.
pub type Reason = String;

fn s(x: &[u8]) -> String {
    String::from_utf8_lossy(x).into_owned()
}

/// Strict decimal integer, as redis-server's `string2ll`: optional `-`, no
/// `+`, no leading zeros, no spaces, no `-0`.
pub fn parse_strict_i64(v: &[u8]) -> Option<i64> {
    let (neg, digits) = match v {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, v),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && (digits.len() > 1 || neg) {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        let d = i64::from(d - b'0');
        n = n.checked_mul(10)?;
        n = if neg {
            n.checked_sub(d)?
        } else {
            n.checked_add(d)?
        };
    }
    Some(n)
}

/// Lenient decimal integer, as C's `strtoll` with a check that the whole
/// string was used: leading spaces, a sign and leading zeros are fine.
pub fn parse_lenient_i64(v: &[u8]) -> Option<i64> {
    let t = std::str::from_utf8(v).ok()?;
    let t = t.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t.starts_with(['+', '-']) && t.len() == 1 {
        return None;
    }
    t.parse::<i64>().ok()
}

/// A memory value: decimal digits (saturating) and an optional unit among
/// `b`, `k`, `kb`, `m`, `mb`, `g`, `gb` (case-insensitive; `k` is 1000,
/// `kb` is 1024). An empty number counts as 0, as in redis-server.
pub fn parse_memory(v: &[u8]) -> Option<u64> {
    const UNITS: &[(&[u8], u64)] = &[
        (b"gb", 1 << 30),
        (b"mb", 1 << 20),
        (b"kb", 1 << 10),
        (b"g", 1_000_000_000),
        (b"m", 1_000_000),
        (b"k", 1000),
        (b"b", 1),
    ];
    let (digits, mul) = UNITS
        .iter()
        .find(|(u, _)| v.len() >= u.len() && v[v.len() - u.len()..].eq_ignore_ascii_case(u))
        .map(|(u, m)| (&v[..v.len() - u.len()], *m))
        .unwrap_or((v, 1));
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits.iter().fold(0u64, |n, &d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    Some(n.saturating_mul(mul))
}

fn range_error(min: impl std::fmt::Display, max: impl std::fmt::Display) -> Reason {
    format!("argument must be between {min} and {max} inclusive")
}

fn enum_error(names: &[(&str, u32)]) -> Reason {
    let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
    format!(
        "argument(s) must be one of the following: {}",
        list.join(", ")
    )
}

fn one(args: &[Vec<u8>]) -> Result<&[u8], Reason> {
    match args {
        [v] => Ok(v),
        _ => Err("wrong number of arguments".into()),
    }
}

/// Context a parse may need.
#[derive(Debug)]
pub struct ParseCtx<'a> {
    /// The directory relative `dir` values are resolved against.
    pub cwd: &'a Path,
    /// The current value (for parameters that merge, like
    /// `client-output-buffer-limit`).
    pub current: &'a Value,
}

/// Parses the arguments of one parameter into a value, or gives Redis's
/// reason text. Multi-argument parameters get their words already split.
pub fn parse(kind: Kind, args: &[Vec<u8>], ctx: &ParseCtx<'_>) -> Result<Value, Reason> {
    match kind {
        Kind::Bool => {
            let v = one(args)?;
            if v.eq_ignore_ascii_case(b"yes") {
                Ok(Value::Bool(true))
            } else if v.eq_ignore_ascii_case(b"no") {
                Ok(Value::Bool(false))
            } else {
                Err("argument must be 'yes' or 'no'".into())
            }
        }
        Kind::Int { min, max } => {
            let n = parse_strict_i64(one(args)?)
                .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
            if n < min || n > max {
                return Err(range_error(min, max));
            }
            Ok(Value::Int(n))
        }
        Kind::Memory { min, max } => {
            let n = parse_memory(one(args)?)
                .ok_or_else(|| "argument must be a memory value".to_string())?;
            if n < min || n > max {
                return Err(range_error(min, max));
            }
            Ok(Value::Memory(n))
        }
        Kind::Octal { max } => {
            let v = one(args)?;
            let err = || "argument couldn't be parsed as an octal number".to_string();
            let t = std::str::from_utf8(v).map_err(|_| err())?;
            let n = i64::from_str_radix(t, 8).map_err(|_| err())?;
            if n < 0 || n > i64::from(max) {
                return Err(range_error(0, format!("{max:o}")));
            }
            Ok(Value::Octal(n as u32))
        }
        Kind::Enum {
            names,
            multi: false,
        } => {
            let v = one(args)?;
            names
                .iter()
                .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(v))
                .map(|(_, x)| Value::Enum(*x))
                .ok_or_else(|| enum_error(names))
        }
        Kind::Enum { names, multi: true } => {
            if args.is_empty() {
                return Err(enum_error(names));
            }
            let mut bits = 0;
            for v in args {
                let (_, x) = names
                    .iter()
                    .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(v))
                    .ok_or_else(|| enum_error(names))?;
                bits |= x;
            }
            // The only multi enum is shutdown-on-sig*: save (1) and nosave (2).
            if bits & 3 == 3 {
                return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
            }
            Ok(Value::Enum(bits))
        }
        Kind::Str(check) => {
            let v = one(args)?;
            check_str(check, v)?;
            Ok(Value::Str(s(v)))
        }
        Kind::Special(sp) => parse_special(sp, args, ctx),
    }
}

fn check_str(check: StrCheck, v: &[u8]) -> Result<(), Reason> {
    match check {
        StrCheck::Any => Ok(()),
        StrCheck::Hostname => {
            if v.iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
            {
                Ok(())
            } else {
                Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into())
            }
        }
        StrCheck::FileName(name) if v.contains(&b'/') => {
            Err(format!("{name} can't be a path, just a filename"))
        }
        StrCheck::DirName(name) if v.contains(&b'/') => {
            Err(format!("{name} can't be a path, just a dirname"))
        }
        StrCheck::FileName(_) | StrCheck::DirName(_) => Ok(()),
        StrCheck::ProcTitle => {
            if proc_title_is_valid(v) {
                Ok(())
            } else {
                Err("template format is invalid or contains unknown variables".into())
            }
        }
    }
}

/// A template is valid when every `{var}` is known and the expansion (with
/// an empty title and an empty server mode) is not blank.
fn proc_title_is_valid(t: &[u8]) -> bool {
    const VARS: &[&[u8]] = &[
        b"title",
        b"listen-addr",
        b"server-mode",
        b"port",
        b"tls-port",
        b"unixsocket",
        b"config-file",
    ];
    let mut out_len = 0;
    let mut i = 0;
    while i < t.len() {
        if t[i] == b'{' {
            let Some(end) = t[i..].iter().position(|&c| c == b'}') else {
                return false;
            };
            let var = &t[i + 1..i + end];
            if !VARS.contains(&var) {
                return false;
            }
            if var != b"title" && var != b"server-mode" {
                out_len += 1;
            }
            i += end + 1;
        } else {
            if t[i] != b' ' {
                out_len += 1;
            }
            i += 1;
        }
    }
    out_len > 0
}

fn parse_special(sp: Special, args: &[Vec<u8>], ctx: &ParseCtx<'_>) -> Result<Value, Reason> {
    match sp {
        Special::Save => {
            let err = || "Invalid save parameters".to_string();
            if args.len() == 1 && args[0].is_empty() {
                return Ok(Value::Save(Vec::new()));
            }
            if args.len() % 2 == 1 {
                return Err(err());
            }
            let mut points = Vec::new();
            for pair in args.chunks(2) {
                let seconds = parse_lenient_i64(&pair[0]).ok_or_else(err)?;
                let changes = parse_lenient_i64(&pair[1]).ok_or_else(err)?;
                if seconds < 1 || changes < 0 {
                    return Err(err());
                }
                points.push(SavePoint { seconds, changes });
            }
            Ok(Value::Save(points))
        }
        Special::ClientOutputBufferLimit => {
            if args.len() % 4 != 0 {
                return Err("Wrong number of arguments in buffer limit configuration.".into());
            }
            let mut limits = match ctx.current {
                Value::OutputBufferLimits(l) => *l,
                _ => {
                    [OutputBufferLimit {
                        hard: 0,
                        soft: 0,
                        soft_seconds: 0,
                    }; 3]
                }
            };
            for group in args.chunks(4) {
                let class = parse_client_class(&group[0]).ok_or_else(|| {
                    "Invalid client class specified in buffer limit configuration.".to_string()
                })?;
                let bad =
                    || "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
                let hard = parse_memory(&group[1]).ok_or_else(bad)?;
                let soft = parse_memory(&group[2]).ok_or_else(bad)?;
                let secs = parse_lenient_i64(&group[3])
                    .filter(|n| *n >= 0)
                    .ok_or_else(bad)?;
                limits[class as usize] = OutputBufferLimit {
                    hard,
                    soft,
                    soft_seconds: secs as u64,
                };
            }
            Ok(Value::OutputBufferLimits(limits))
        }
        Special::NotifyKeyspaceEvents => {
            let v = one(args)?;
            parse_notify(v)
                .map(Value::Notify)
                .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string())
        }
        Special::OomScoreAdjValues => {
            if args.len() != 3 {
                return Err("wrong number of arguments".into());
            }
            let mut out = [0i32; 3];
            for (o, a) in out.iter_mut().zip(args) {
                let n = parse_lenient_i64(a)
                    .filter(|n| (-2000..=2000).contains(n))
                    .ok_or_else(|| {
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                            .to_string()
                    })?;
                *o = n as i32;
            }
            Ok(Value::OomValues(out))
        }
        Special::Bind => {
            if args.len() > 16 {
                return Err("Too many bind addresses specified.".into());
            }
            Ok(Value::Bind(args.iter().map(|a| s(a)).collect()))
        }
        Special::ReplicaOf => match args {
            [a, b] if a.eq_ignore_ascii_case(b"no") && b.eq_ignore_ascii_case(b"one") => {
                Ok(Value::ReplicaOf(None))
            }
            [host, port] => {
                let p = parse_lenient_i64(port)
                    .filter(|p| (0..=65535).contains(p))
                    .ok_or_else(|| "Invalid master port".to_string())?;
                Ok(Value::ReplicaOf(Some((s(host), p as u16))))
            }
            _ => Err("wrong number of arguments".into()),
        },
        Special::Percentiles => {
            let mut out = Vec::with_capacity(args.len());
            for a in args {
                let f = std::str::from_utf8(a)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|f| !f.is_nan())
                    .ok_or_else(|| {
                        "Invalid latency-tracking-info-percentiles parameters".to_string()
                    })?;
                if !(0.0..=100.0).contains(&f) {
                    return Err("latency-tracking-info-percentiles parameters should sit \
                                between [0.0,100.0]"
                        .into());
                }
                out.push(f);
            }
            Ok(Value::Percentiles(out))
        }
        Special::Dir => {
            let v = one(args)?;
            let p = ctx.cwd.join(s(v));
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() => Ok(Value::Dir(std::fs::canonicalize(&p).unwrap_or(p))),
                Ok(_) => Err("Not a directory".into()),
                Err(e) => Err(io_reason(&e)),
            }
        }
        Special::MemoryOrPercent => {
            let v = one(args)?;
            let bad = || "argument must be a memory or percent value".to_string();
            if let Some(num) = v.strip_suffix(b"%") {
                let n = parse_strict_i64(num).filter(|n| *n >= 0).ok_or_else(bad)?;
                if n > 100 {
                    return Err("percentage argument must be less or equal to 100".into());
                }
                return Ok(Value::MemoryOrPercent(if n == 0 {
                    MemoryOrPercent::Bytes(0)
                } else {
                    MemoryOrPercent::Percent(n as u32)
                }));
            }
            let n = parse_memory(v).ok_or_else(bad)?;
            Ok(Value::MemoryOrPercent(MemoryOrPercent::Bytes(n)))
        }
    }
}

/// The C library's text for an I/O error (`strerror`), without Rust's
/// ` (os error N)` suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "No such file or directory".into(),
        K::PermissionDenied => "Permission denied".into(),
        _ => {
            let t = e.to_string();
            match t.find(" (os error") {
                Some(i) => t[..i].to_string(),
                None => t,
            }
        }
    }
}

fn parse_client_class(v: &[u8]) -> Option<ClientClass> {
    if v.eq_ignore_ascii_case(b"normal") {
        Some(ClientClass::Normal)
    } else if v.eq_ignore_ascii_case(b"slave") || v.eq_ignore_ascii_case(b"replica") {
        Some(ClientClass::Replica)
    } else if v.eq_ignore_ascii_case(b"pubsub") {
        Some(ClientClass::Pubsub)
    } else {
        None
    }
}

const NOTIFY_LETTERS: &[(u8, u32)] = &[
    (b'g', notify::GENERIC),
    (b'$', notify::STRING),
    (b'l', notify::LIST),
    (b's', notify::SET),
    (b'h', notify::HASH),
    (b'z', notify::ZSET),
    (b'x', notify::EXPIRED),
    (b'e', notify::EVICTED),
    (b't', notify::STREAM),
    (b'd', notify::MODULE),
    (b'n', notify::NEW),
];

/// Parses `notify-keyspace-events` class letters into a bit set.
pub fn parse_notify(v: &[u8]) -> Option<u32> {
    let mut bits = 0;
    for &c in v {
        bits |= match c {
            b'A' => notify::ALL,
            b'K' => notify::KEYSPACE,
            b'E' => notify::KEYEVENT,
            b'm' => notify::KEY_MISS,
            _ => NOTIFY_LETTERS.iter().find(|(l, _)| *l == c)?.1,
        };
    }
    Some(bits)
}

/// Formats a `notify-keyspace-events` bit set the way CONFIG GET shows it:
/// `A` or the class letters (`n` only without `A`), then `K`, `E`, `m`.
pub fn format_notify(bits: u32) -> String {
    let mut out = String::new();
    if bits & notify::ALL == notify::ALL {
        out.push('A');
    } else {
        for (l, b) in NOTIFY_LETTERS {
            if bits & b != 0 {
                out.push(*l as char);
            }
        }
    }
    for (l, b) in [
        ('K', notify::KEYSPACE),
        ('E', notify::KEYEVENT),
        ('m', notify::KEY_MISS),
    ] {
        if bits & b != 0 {
            out.push(l);
        }
    }
    out
}

fn format_enum(names: &[(&str, u32)], multi: bool, v: u32) -> String {
    if !multi || v == 0 {
        return names
            .iter()
            .find(|(_, x)| *x == v)
            .map(|(n, _)| n.to_string())
            .unwrap_or_default();
    }
    let parts: Vec<&str> = names
        .iter()
        .filter(|(_, x)| *x != 0 && v & x == *x)
        .map(|(n, _)| *n)
        .collect();
    parts.join(" ")
}

/// Formats a value as CONFIG GET shows it.
pub fn format_get(kind: Kind, v: &Value) -> String {
    match (kind, v) {
        (_, Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        (_, Value::Int(n)) => n.to_string(),
        (_, Value::Memory(n)) => n.to_string(),
        (_, Value::Octal(n)) => format!("{n:o}"),
        (Kind::Enum { names, multi }, Value::Enum(x)) => format_enum(names, multi, *x),
        (_, Value::Enum(x)) => x.to_string(),
        (_, Value::Str(t)) => t.clone(),
        (_, Value::Save(points)) => {
            let parts: Vec<String> = points
                .iter()
                .map(|p| format!("{} {}", p.seconds, p.changes))
                .collect();
            parts.join(" ")
        }
        (_, Value::OutputBufferLimits(l)) => {
            let names = ["normal", "slave", "pubsub"];
            let parts: Vec<String> = names
                .iter()
                .zip(l)
                .map(|(n, l)| format!("{n} {} {} {}", l.hard, l.soft, l.soft_seconds))
                .collect();
            parts.join(" ")
        }
        (_, Value::Notify(bits)) => format_notify(*bits),
        (_, Value::OomValues(v)) => format!("{} {} {}", v[0], v[1], v[2]),
        (_, Value::Bind(a)) => a.join(" "),
        (_, Value::ReplicaOf(r)) => match r {
            Some((h, p)) => format!("{h} {p}"),
            None => String::new(),
        },
        (_, Value::Percentiles(p)) => {
            let parts: Vec<String> = p.iter().map(|f| f.to_string()).collect();
            parts.join(" ")
        }
        (_, Value::Dir(p)) => p.to_string_lossy().into_owned(),
        (_, Value::MemoryOrPercent(MemoryOrPercent::Bytes(n))) => n.to_string(),
        (_, Value::MemoryOrPercent(MemoryOrPercent::Percent(n))) => format!("{n}%"),
    }
}

/// A memory size as CONFIG REWRITE writes it (`1gb`, `64mb`, `16kb`, bytes).
pub fn format_memory_rewrite(n: u64) -> String {
    const GB: u64 = 1 << 30;
    const MB: u64 = 1 << 20;
    const KB: u64 = 1 << 10;
    if n != 0 && n % GB == 0 {
        format!("{}gb", n / GB)
    } else if n != 0 && n % MB == 0 {
        format!("{}mb", n / MB)
    } else if n != 0 && n % KB == 0 {
        format!("{}kb", n / KB)
    } else {
        n.to_string()
    }
}

/// Quotes a string as redis-server's `sdscatrepr` does.
pub fn repr(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for &b in v.as_bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// The argument part of the lines CONFIG REWRITE writes for a value (one
/// entry per line; `name` is prepended by the caller).
pub fn format_rewrite(kind: Kind, v: &Value) -> Vec<String> {
    match v {
        Value::Memory(n) => vec![format_memory_rewrite(*n)],
        Value::Str(t) => vec![repr(t)],
        Value::Save(points) if points.is_empty() => vec!["\"\"".into()],
        Value::Save(points) => points
            .iter()
            .map(|p| format!("{} {}", p.seconds, p.changes))
            .collect(),
        Value::OutputBufferLimits(l) => ["normal", "replica", "pubsub"]
            .iter()
            .zip(l)
            .map(|(n, l)| {
                format!(
                    "{n} {} {} {}",
                    format_memory_rewrite(l.hard),
                    format_memory_rewrite(l.soft),
                    l.soft_seconds
                )
            })
            .collect(),
        Value::Notify(bits) => vec![repr(&format_notify(*bits))],
        Value::ReplicaOf(None) => vec![],
        Value::Dir(p) => vec![repr(&p.to_string_lossy())],
        Value::MemoryOrPercent(MemoryOrPercent::Bytes(n)) => vec![format_memory_rewrite(*n)],
        Value::Bind(a) if a.is_empty() => vec!["\"\"".into()],
        _ => vec![format_get(kind, v)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &str) -> Vec<Vec<u8>> {
        v.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn strict_integers_follow_string2ll() {
        assert_eq!(parse_strict_i64(b"0"), Some(0));
        assert_eq!(parse_strict_i64(b"-12"), Some(-12));
        assert_eq!(parse_strict_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_strict_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "+5",
            "05",
            "-0",
            " 5",
            "5 ",
            "5k",
            "9223372036854775808",
            "-",
        ] {
            assert_eq!(parse_strict_i64(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn memory_units_are_case_insensitive() {
        let cases: &[(&str, u64)] = &[
            ("1", 1),
            ("1b", 1),
            ("1k", 1000),
            ("1kb", 1024),
            ("1kB", 1024),
            ("1MB", 1 << 20),
            ("1m", 1_000_000),
            ("1Gb", 1 << 30),
            ("1g", 1_000_000_000),
            ("05", 5),
            ("kb", 0),
            ("", 0),
            ("99999999999999999999999", u64::MAX),
        ];
        for (t, n) in cases {
            assert_eq!(parse_memory(t.as_bytes()), Some(*n), "{t}");
        }
        for bad in ["-5", "+5", " 5", "5 ", "1.5k", "1t", "1mbx", "0x10", "1 kb"] {
            assert_eq!(parse_memory(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn notify_canonical_form() {
        let f = |t: &str| format_notify(parse_notify(t.as_bytes()).unwrap());
        assert_eq!(f("KEA"), "AKE");
        assert_eq!(f("Kx"), "xK");
        assert_eq!(f("Eg$lshzxetmdn"), "AEm");
        assert_eq!(f("KEAn"), "AKE");
        assert_eq!(f("ng"), "gn");
        assert_eq!(f("Kng"), "gnK");
        assert_eq!(f("$lshzxetdn"), "$lshzxetdn");
        assert_eq!(f("Em"), "Em");
        assert_eq!(f(""), "");
        assert_eq!(parse_notify(b"kea"), None);
    }

    #[test]
    fn shutdown_flags_format_and_conflict() {
        let kind = super::super::table::Param::ShutdownOnSigint.spec().kind;
        let cur = Value::Enum(0);
        let ctx = ParseCtx {
            cwd: Path::new("/"),
            current: &cur,
        };
        let get = |t: &str| format_get(kind, &parse(kind, &args(t), &ctx).unwrap());
        assert_eq!(get("nosave now"), "nosave now");
        assert_eq!(get("default now"), "now");
        assert_eq!(get("default"), "default");
        assert_eq!(
            parse(kind, &args("save nosave"), &ctx).unwrap_err(),
            "shutdown options SAVE and NOSAVE can't be used simultaneously"
        );
    }

    #[test]
    fn rewrite_memory_format() {
        assert_eq!(format_memory_rewrite(0), "0");
        assert_eq!(format_memory_rewrite(268435456), "256mb");
        assert_eq!(format_memory_rewrite(1 << 30), "1gb");
        assert_eq!(format_memory_rewrite(3000), "3000");
        assert_eq!(format_memory_rewrite(4096), "4kb");
        assert_eq!(repr("a\"b\\\n\x01"), "\"a\\\"b\\\\\\n\\x01\"");
    }

    #[test]
    fn proc_title_templates() {
        assert!(proc_title_is_valid(b"{title} {listen-addr} {server-mode}"));
        assert!(proc_title_is_valid(b"abc"));
        assert!(!proc_title_is_valid(b""));
        assert!(!proc_title_is_valid(b"{title}"));
        assert!(!proc_title_is_valid(b"{title} {bad}"));
        assert!(!proc_title_is_valid(b"x{y}"));
    }
}
