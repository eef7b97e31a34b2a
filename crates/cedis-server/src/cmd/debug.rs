//! DEBUG: the subset of Redis's debugging command that cedis can honour,
//! gated by `enable-debug-command`.
//!
//! DEBUG DIGEST is a SHA1-based signature of the dataset in the spirit of
//! Redis's (not byte-identical to it): each key's digest mixes the key, its
//! type and value and whether it has an expiry; keys are combined with XOR
//! so the result does not depend on iteration order, and each database's
//! combination is chained with its index. An empty dataset digests to forty
//! zeros. RELOAD and LOADAOF need persistence, which cedis does not have
//! yet: they reply an error saying so.

use bytes::Bytes;
use cedis_store::value::Value;
use cedis_store::{SetOptions, StrRef};

use super::args::is;
use super::error::{CmdError, CmdResult};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), &["admin", "slow", "dangerous"], debug),
];

const NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is \
set to \"local\", you can run it from a local connection, otherwise you need to set this option \
in the configuration file, and then restart the server.";

/// Whether a client connects from this host (loopback or unix socket).
fn is_local(ctx: &Ctx<'_>) -> bool {
    let c = &ctx.client;
    c.unix || c.addr.starts_with("127.") || c.addr.starts_with("[::1]") || c.addr.starts_with("::1")
}

fn debug(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if !ctx
        .server
        .settings
        .enable_debug_command
        .allows(is_local(ctx))
    {
        return Err(CmdError::msg(NOT_ALLOWED));
    }
    let sub = &argv[1];
    let argc = argv.len();
    let arity_ok = |ok: bool| -> Result<(), CmdError> {
        if ok {
            Ok(())
        } else {
            Err(unknown(sub))
        }
    };
    if is(sub, "help") {
        arity_ok(argc == 2)?;
        return debug_help(ctx);
    }
    if is(sub, "sleep") {
        arity_ok(argc == 3)?;
        let secs = strtod(&argv[2]);
        if secs > 0.0 && secs.is_finite() {
            // Holds the server lock: every client waits, as in Redis.
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(1e9)));
        }
        ctx.reply().ok();
        return Ok(());
    }
    if is(sub, "set-active-expire") {
        arity_ok(argc == 3)?;
        ctx.store.config.active_expire = atoi(&argv[2]) != 0;
        ctx.reply().ok();
        return Ok(());
    }
    if is(sub, "quicklist-packed-threshold") {
        arity_ok(argc == 3)?;
        let size = crate::config::value::parse_memory(&argv[2])
            .filter(|&n| n <= MAX_PACKED_THRESHOLD)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(CmdError::msg(
                "ERR argument must be a memory value bigger than 1 and smaller than 4gb",
            ))?;
        let threshold = if size == 0 {
            cedis_types::quicklist::DEFAULT_PACKED_THRESHOLD
        } else {
            size
        };
        ctx.store.config.list_packed_threshold = threshold;
        ctx.reply().ok();
        return Ok(());
    }
    if is(sub, "object") {
        arity_ok(argc == 3)?;
        return debug_object(ctx, &argv[2]);
    }
    if is(sub, "log") {
        arity_ok(argc == 3)?;
        crate::log::warning(&format!("DEBUG LOG: {}", String::from_utf8_lossy(&argv[2])));
        ctx.reply().ok();
        return Ok(());
    }
    if is(sub, "error") {
        arity_ok(argc == 3)?;
        let msg = String::from_utf8_lossy(&argv[2]);
        let text = match msg.strip_prefix('-') {
            Some(m) => m.to_string(),
            None => msg.into_owned(),
        };
        // Redis replies the message as the error verbatim (its first word
        // becomes the error code).
        return Err(CmdError::owned(text.replace(['\r', '\n'], " ")));
    }
    if is(sub, "change-repl-id") {
        arity_ok(argc == 2)?;
        crate::log::notice("Changing replication IDs after receiving DEBUG change-repl-id");
        ctx.reply().ok();
        return Ok(());
    }
    if is(sub, "digest") {
        arity_ok(argc == 2)?;
        let d = dataset_digest(ctx);
        ctx.reply().simple(hex(&d).as_bytes());
        return Ok(());
    }
    if is(sub, "digest-value") {
        let db = ctx.client.db;
        let digests: Vec<[u8; 20]> = argv[2..]
            .iter()
            .map(|k| value_digest(ctx, db, k).unwrap_or([0; 20]))
            .collect();
        let mut w = ctx.reply();
        w.array_header(digests.len());
        for d in digests {
            w.simple(hex(&d).as_bytes());
        }
        return Ok(());
    }
    if is(sub, "htstats") {
        arity_ok(argc == 3)?;
        let db = cedis_store::value::parse_i64(&argv[2]).ok_or(CmdError::NotInteger)?;
        let db = ctx
            .store
            .check_db(db)
            .map_err(|_| CmdError::msg("ERR Out of range database"))?;
        let text = htstats(ctx.store.dbsize(db), ctx.store.expires_count(db));
        ctx.reply().verbatim(b"txt", text.as_bytes());
        return Ok(());
    }
    if is(sub, "reload") {
        for a in &argv[2..] {
            if !(is(a, "merge") || is(a, "noflush") || is(a, "nosave")) {
                return Err(CmdError::msg(
                    "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
                ));
            }
        }
        return Err(CmdError::msg(
            "ERR DEBUG RELOAD is not supported: cedis has no RDB persistence yet",
        ));
    }
    if is(sub, "loadaof") {
        arity_ok(argc == 2)?;
        return Err(CmdError::msg(
            "ERR DEBUG LOADAOF is not supported: cedis has no AOF persistence yet",
        ));
    }
    if is(sub, "populate") {
        arity_ok((3..=5).contains(&argc))?;
        return debug_populate(ctx, argv);
    }
    if is(sub, "protocol") {
        arity_ok(argc == 3)?;
        return debug_protocol(ctx, &argv[2]);
    }
    if is(sub, "stringmatch-test") {
        arity_ok(argc == 2)?;
        stringmatch_fuzz();
        ctx.reply()
            .simple(b"Apparently Redis did not crash: test passed");
        return Ok(());
    }
    Err(unknown(sub))
}

/// The largest `DEBUG QUICKLIST-PACKED-THRESHOLD` redis-server accepts:
/// 1 MiB below 4 GiB (0 restores the 1 GiB default).
const MAX_PACKED_THRESHOLD: u64 = (1 << 32) - (1 << 20);

fn unknown(sub: &[u8]) -> CmdError {
    CmdError::owned(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
        String::from_utf8_lossy(sub)
    ))
}

/// C's `strtod` on the longest numeric prefix (0 when there is none).
fn strtod(a: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(a);
    let s = s.trim_start();
    (1..=s.len())
        .rev()
        .filter(|&n| s.is_char_boundary(n))
        .find_map(|n| s[..n].parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// C's `atoi`: optional sign and leading digits (0 when there are none).
fn atoi(a: &[u8]) -> i64 {
    let s = String::from_utf8_lossy(a);
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |n, d| {
            n.wrapping_mul(10).wrapping_add(i64::from(d - b'0'))
        });
    if neg {
        -n
    } else {
        n
    }
}

const HELP: &[&str] = &[
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
];

fn debug_help(ctx: &mut Ctx<'_>) -> CmdResult {
    super::server::help(ctx, "DEBUG", HELP);
    Ok(())
}

/// RDB length-prefix bytes for `len`.
fn rdb_len_size(len: usize) -> usize {
    match len {
        l if l < 64 => 1,
        l if l < 16384 => 2,
        l if l <= u32::MAX as usize => 5,
        _ => 9,
    }
}

/// The size of a string in an RDB file without compression: integers that
/// fit 32 bits use the compact integer encodings.
fn rdb_string_size(s: &[u8]) -> usize {
    if s.len() <= 11 {
        if let Some(n) = cedis_store::value::parse_canonical_i64(s) {
            if let Ok(n) = i32::try_from(n) {
                return match n {
                    n if i8::try_from(n).is_ok() => 2,
                    n if i16::try_from(n).is_ok() => 3,
                    _ => 5,
                };
            }
        }
    }
    rdb_len_size(s.len()) + s.len()
}

fn debug_object(ctx: &mut Ctx<'_>, key: &[u8]) -> CmdResult {
    let db = ctx.client.db;
    let now_clock = ((ctx.store.now_ms() / 1000) as u64 & 0xFF_FFFF) as u32;
    let Some(e) = ctx.store.peek(db, key) else {
        return Err(CmdError::msg("ERR no such key"));
    };
    let serialized = match e.as_str() {
        Some(s) => rdb_string_size(&s.to_bytes()),
        None => e.heap_size(),
    };
    let lru = e.lru();
    let idle = if now_clock >= lru {
        now_clock - lru
    } else {
        now_clock + (0xFF_FFFF - lru)
    };
    let mut text = format!(
        "Value at:{:p} refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
        e as *const _,
        e.encoding(),
        serialized,
        lru,
        idle
    );
    if let Value::List(l) = &*e.value() {
        // Redis 7.0 adds the quicklist's shape; `ql_compressed` says
        // whether compression is on.
        let ql = &l.ql;
        let nodes = ql.node_count();
        let avg = if nodes == 0 {
            0.0
        } else {
            ql.len() as f64 / nodes as f64
        };
        text.push_str(&format!(
            " ql_nodes:{nodes} ql_avg_node:{avg:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{}",
            ql.fill(),
            u8::from(ql.depth() != 0),
            ql.listpack_bytes()
        ));
    }
    ctx.reply().simple(text.as_bytes());
    Ok(())
}

fn debug_populate(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let positive = |a: &[u8]| {
        cedis_store::value::parse_i64(a)
            .filter(|&n| n >= 0)
            .ok_or(CmdError::msg("ERR value is out of range, must be positive"))
    };
    let count = positive(&argv[2])?;
    let prefix: &[u8] = argv.get(3).map_or(b"key", |p| &p[..]);
    let size = match argv.get(4) {
        Some(s) => Some(usize::try_from(positive(s)?).unwrap_or(usize::MAX)),
        None => None,
    };
    let db = ctx.client.db;
    let mut key = Vec::new();
    let mut val = Vec::new();
    for i in 0..count {
        key.clear();
        key.extend_from_slice(prefix);
        key.extend_from_slice(format!(":{i}").as_bytes());
        if ctx.store.exists(db, &key) {
            continue;
        }
        val.clear();
        val.extend_from_slice(format!("value:{i}").as_bytes());
        if let Some(size) = size {
            val.resize(size, 0);
        }
        ctx.store
            .set(db, &key, &val, &SetOptions::default())
            .map_err(CmdError::from)?;
    }
    ctx.reply().ok();
    Ok(())
}

/// DEBUG PROTOCOL: one sample reply of each RESP type.
fn debug_protocol(ctx: &mut Ctx<'_>, name: &[u8]) -> CmdResult {
    let resp3 = ctx.client.proto == cedis_resp::Protocol::Resp3;
    let mut w = ctx.reply();
    if is(name, "string") {
        w.bulk(b"Hello World");
    } else if is(name, "integer") {
        w.integer(12345);
    } else if is(name, "double") {
        let raw: &[u8] = if resp3 {
            b",3.141\r\n"
        } else {
            b"$5\r\n3.141\r\n"
        };
        w.buffer().extend_from_slice(raw);
    } else if is(name, "bignum") {
        w.big_number(b"1234567999999999999999999999999999999");
    } else if is(name, "null") {
        w.null();
    } else if is(name, "array") || is(name, "set") {
        if is(name, "set") {
            w.set_header(3);
        } else {
            w.array_header(3);
        }
        for i in 0..3 {
            w.integer(i);
        }
    } else if is(name, "map") {
        w.map_header(3);
        for i in 0..3 {
            w.integer(i);
            w.boolean(i == 1);
        }
    } else if is(name, "attrib") {
        if w.attribute_header(1) {
            w.bulk(b"key-popularity");
            w.array_header(2);
            w.bulk(b"key:123");
            w.integer(90);
        }
        w.bulk(b"Some real reply following the attribute");
    } else if is(name, "push") {
        if !resp3 {
            return Err(CmdError::msg("ERR RESP2 is not supported by this command"));
        }
        w.push_header(2);
        w.bulk(b"server-cpu-usage");
        w.integer(42);
        w.bulk(b"Some real reply following the push reply");
    } else if is(name, "verbatim") {
        w.verbatim(b"txt", b"This is a verbatim\nstring");
    } else if is(name, "true") {
        w.boolean(true);
    } else if is(name, "false") {
        w.boolean(false);
    } else {
        return Err(CmdError::msg(
            "ERR Wrong protocol type name. Please use one of the following: \
             string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
        ));
    }
    Ok(())
}

fn htstats(keys: usize, expires: usize) -> String {
    let table = |n: usize| {
        if n == 0 {
            "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n"
                .to_string()
        } else {
            let size = n.next_power_of_two().max(4);
            format!(
                "Hash table 0 stats (main hash table):\n table size: {size}\n number of elements: {n}\n"
            )
        }
    };
    format!(
        "[Dictionary HT]\n{}[Expires HT]\n{}",
        table(keys),
        table(expires)
    )
}

// ---- digests ----

/// SHA-1 (FIPS 180-1) of `data`.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

fn hex(d: &[u8; 20]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Mixes `data` into `digest`: `digest = SHA1(digest XOR SHA1(data))`, an
/// order-dependent chain.
fn mix(digest: &mut [u8; 20], data: &[u8]) {
    let h = sha1(data);
    for (d, x) in digest.iter_mut().zip(h) {
        *d ^= x;
    }
    *digest = sha1(&digest[..]);
}

fn xor_into(digest: &mut [u8; 20], other: &[u8; 20]) {
    for (d, x) in digest.iter_mut().zip(other) {
        *d ^= x;
    }
}

/// The digest of one key's value (None: no such key). Does not touch the
/// key's access time or the hit/miss counters.
fn value_digest(ctx: &mut Ctx<'_>, db: usize, key: &[u8]) -> Option<[u8; 20]> {
    let e = ctx.store.peek(db, key)?;
    let mut d = [0u8; 20];
    mix(&mut d, e.type_name().as_bytes());
    match e.as_str() {
        Some(StrRef::Int(n)) => mix(&mut d, n.to_string().as_bytes()),
        Some(StrRef::Bytes(b)) => mix(&mut d, b),
        None => match e.value().as_ref() {
            // Hashes: fields and values in field order (encoding-independent).
            cedis_store::Value::Hash(h) => {
                for (f, v) in h.sorted_pairs() {
                    mix(&mut d, &f);
                    mix(&mut d, &v);
                }
            }
            // Sets: members in byte order (encoding-independent).
            cedis_store::Value::Set(s) => {
                for m in s.sorted_members() {
                    mix(&mut d, &m);
                }
            }
            // Collections: their debug form until they get a canonical walk.
            v => mix(&mut d, format!("{v:?}").as_bytes()),
        },
    }
    Some(d)
}

/// DEBUG DIGEST: XOR of per-key digests within a database, databases
/// chained in index order; forty zeros for an empty dataset.
fn dataset_digest(ctx: &mut Ctx<'_>) -> [u8; 20] {
    let mut fin = [0u8; 20];
    for db in 0..ctx.store.databases() {
        if ctx.store.dbsize(db) == 0 {
            continue;
        }
        let keys = ctx.store.keys(db, b"*");
        if keys.is_empty() {
            continue;
        }
        mix(&mut fin, &(db as u32).to_be_bytes());
        for key in keys {
            let Some(vd) = value_digest(ctx, db, &key) else {
                continue;
            };
            let has_expire = ctx.store.peek(db, &key).is_some_and(|e| e.has_expire());
            let mut d = [0u8; 20];
            mix(&mut d, &key);
            xor_into(&mut d, &vd);
            d = sha1(&d);
            if has_expire {
                mix(&mut d, b"!!expire!!");
            }
            xor_into(&mut fin, &d);
        }
    }
    fin
}

/// DEBUG STRINGMATCH-TEST: random patterns and strings through the glob
/// matcher; it passes by not crashing.
fn stringmatch_fuzz() {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    for _ in 0..100_000 {
        let plen = rng.gen_range(0..32);
        let slen = rng.gen_range(0..32);
        let p: Vec<u8> = (0..plen).map(|_| rng.gen()).collect();
        let s: Vec<u8> = (0..slen).map(|_| rng.gen()).collect();
        let _ = cedis_types::glob::glob_match(&p, &s, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_vectors() {
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn c_number_parsing() {
        assert_eq!(strtod(b"0.5"), 0.5);
        assert_eq!(strtod(b"abc"), 0.0);
        assert_eq!(strtod(b"1.5xyz"), 1.5);
        assert_eq!(atoi(b"1"), 1);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b"-3z"), -3);
    }

    #[test]
    fn rdb_sizes() {
        assert_eq!(rdb_string_size(b"bar"), 4);
        assert_eq!(rdb_string_size(b"12345"), 3);
        assert_eq!(rdb_string_size(b"1"), 2);
        assert_eq!(rdb_string_size(b"100000"), 5);
        assert_eq!(rdb_string_size(&[b'a'; 71]), 73);
    }
}
