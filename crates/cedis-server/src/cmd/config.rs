//! CONFIG GET / SET / RESETSTAT / REWRITE / HELP.
//!
//! Validation, matching and the rewrite live in [`crate::config`]; this
//! module turns requests into calls on it and applies what CONFIG SET
//! changed to the running server (working directory, log level, listeners,
//! the settings cache, the store's tunables). A failed apply restores the
//! configuration as it was before the command, as redis-server does.

use bytes::Bytes;

use super::error::{CmdError, CmdResult};
use super::table::{cmd, container, flags::*, CommandSpec};
use super::Ctx;
use crate::client::Client;
use crate::config::{Config, Param};
use crate::state::{ServerState, Settings};

const ADMIN_ACL: &[&str] = &["admin", "slow", "dangerous"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[container("config", -2, &["slow"], CONFIG)];

#[rustfmt::skip]
static CONFIG: &[CommandSpec] = &[
    cmd("help", 2, LOADING | STALE, (0, 0, 0), &["slow"], config_help),
    cmd("get", -3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), ADMIN_ACL, config_get),
    cmd("set", -4, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), ADMIN_ACL, config_set),
    cmd("resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), ADMIN_ACL, config_resetstat),
    cmd("rewrite", 2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), ADMIN_ACL, config_rewrite),
];

fn config_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    const LINES: &[&str] = &[
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
    ];
    super::server::help(ctx, "CONFIG", LINES);
    Ok(())
}

/// `CONFIG GET pattern [pattern ...]`: a flat array in RESP2, a map in RESP3.
fn config_get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let patterns: Vec<&[u8]> = argv[2..].iter().map(|a| &a[..]).collect();
    let pairs = ctx.server.config.get_matching(&patterns);
    let mut w = ctx.reply();
    w.map_header(pairs.len());
    for (name, value) in &pairs {
        w.bulk(name.as_bytes());
        w.bulk(value.as_bytes());
    }
    Ok(())
}

/// Whether a client counts as local for `enable-protected-configs local`
/// (and the other `local` switches): a unix socket or a loopback peer.
pub fn is_local(client: &Client) -> bool {
    if client.unix {
        return true;
    }
    let ip = match client.addr.rsplit_once(':') {
        Some((ip, _)) => ip.trim_start_matches('[').trim_end_matches(']'),
        None => client.addr.as_str(),
    };
    ip == "127.0.0.1" || ip == "::1"
}

/// `CONFIG SET name value [name value ...]`, atomically.
fn config_set(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let args = &argv[2..];
    if args.len() % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    let pairs: Vec<(&[u8], &[u8])> = args.chunks(2).map(|c| (&c[0][..], &c[1][..])).collect();
    let before = ctx.server.config.clone();
    let params = ctx
        .server
        .config
        .set_many_from(&pairs, is_local(ctx.client))
        .map_err(|e| CmdError::owned(e.to_string()))?;
    let result = apply(ctx, &before, &params);
    if let Err((i, reason)) = result {
        // Put every value back, then re-apply the ones already applied so
        // the running server matches the restored configuration again.
        let failed = ctx.server.config.clone();
        ctx.server.config = before;
        let _ = apply(ctx, &failed, &params[..i]);
        refresh(ctx);
        return Err(CmdError::owned(format!(
            "ERR CONFIG SET failed (possibly related to argument '{}') - {reason}",
            String::from_utf8_lossy(pairs[i].0)
        )));
    }
    refresh(ctx);
    ctx.reply().ok();
    Ok(())
}

/// Applies the parameters in `params` whose value differs from `old`.
/// On failure returns the index of the parameter that failed and the
/// reason, as redis-server words it.
fn apply(ctx: &mut Ctx<'_>, old: &Config, params: &[Param]) -> Result<(), (usize, String)> {
    let mut listeners_done = false;
    for (i, &p) in params.iter().enumerate() {
        if old.get(p) == ctx.server.config.get(p) {
            continue;
        }
        match p {
            Param::Dir => {
                std::env::set_current_dir(ctx.server.config.dir())
                    .map_err(|e| (i, io_reason(&e)))?;
            }
            Param::Maxclients => {
                let wanted = ctx.server.config.maxclients();
                if let Some(limit) = open_files_limit() {
                    // redis-server keeps 32 descriptors for itself.
                    if wanted.saturating_add(32) > limit && wanted > old.maxclients() {
                        return Err((
                            i,
                            format!(
                                "The operating system is not able to handle the specified number of clients, try with {}",
                                limit.saturating_sub(32)
                            ),
                        ));
                    }
                }
            }
            Param::Port | Param::Bind if !listeners_done => {
                listeners_done = true;
                let config = &ctx.server.config;
                let (bind, port) = (config.bind().to_vec(), config.port());
                let old = (old.bind(), old.port());
                if let Err(e) = crate::server::rebind(ctx.server, old, (&bind, port)) {
                    let reason = match p {
                        Param::Port => "Unable to listen on this port. Check server logs.",
                        _ => "Failed to bind to specified addresses.",
                    };
                    crate::log::warning(&format!("Failed to rebind listeners: {e}"));
                    return Err((i, reason.to_string()));
                }
            }
            Param::Maxmemory => {
                let max = ctx.server.config.maxmemory();
                let used = crate::alloc::allocated().unwrap_or(0) as u64;
                if max != 0 && used > max {
                    crate::log::warning(&format!(
                        "WARNING: the new maxmemory value set via CONFIG SET ({max}) is smaller than the current memory usage ({used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy."
                    ));
                }
                ctx.server.eviction.start();
            }
            Param::Requirepass if ctx.server.config.requirepass().is_none() => {
                // Without a password nobody needs to authenticate, including
                // connections that were waiting to.
                ctx.client.authenticated = true;
                for c in ctx.server.clients.iter_mut() {
                    c.authenticated = true;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Copies the settings the keyspace engine reads into its own config.
pub fn apply_store_config(store: &mut cedis_store::StoreConfig, config: &crate::config::Config) {
    let clamp = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    store.max_string = clamp(config.proto_max_bulk_len());
    store.active_expire_effort = config.active_expire_effort();
    store.hash_max_listpack_entries = clamp(config.hash_max_listpack_entries());
    store.hash_max_listpack_value = clamp(config.hash_max_listpack_value());
    store.set_max_intset_entries = clamp(config.set_max_intset_entries());
    store.zset_max_listpack_entries = clamp(config.zset_max_listpack_entries());
    store.zset_max_listpack_value = clamp(config.zset_max_listpack_value());
    store.list_max_listpack_size = config.list_max_listpack_size();
    store.list_compress_depth = config.list_compress_depth();
    store.lfu = config.maxmemory_policy().is_some_and(|p| p.lfu());
    store.lfu_log_factor = config.lfu_log_factor();
    store.lfu_decay_time = config.lfu_decay_time();
}

/// Refreshes everything derived from the configuration that cannot fail.
fn refresh(ctx: &mut Ctx<'_>) {
    let server: &mut ServerState = ctx.server;
    server.settings = Settings::from_config(&server.config);
    apply_store_config(&mut ctx.store.config, &server.config);
    let level = match server.config.loglevel() {
        crate::config::LogLevel::Debug => crate::log::Level::Debug,
        crate::config::LogLevel::Verbose => crate::log::Level::Verbose,
        crate::config::LogLevel::Notice => crate::log::Level::Notice,
        crate::config::LogLevel::Warning => crate::log::Level::Warning,
    };
    crate::log::set_level(level);
}

/// `strerror` text of an I/O error (Rust appends " (os error N)").
fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The soft limit on open files, from `/proc/self/limits`.
fn open_files_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line["Max open files".len()..].split_whitespace().next()?;
    soft.parse().ok()
}

fn config_resetstat(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    super::info::reset_stats(ctx);
    ctx.reply().ok();
    Ok(())
}

fn config_rewrite(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let Some(path) = ctx.server.config.config_file.clone() else {
        return Err(CmdError::msg(
            "ERR The server is running without a config file",
        ));
    };
    if let Err(e) = ctx.server.config.rewrite(&path) {
        crate::log::warning(&format!("CONFIG REWRITE failed: {e}"));
        return Err(CmdError::owned(format!(
            "ERR Rewriting config file: {}",
            io_reason(&e)
        )));
    }
    crate::log::notice("CONFIG REWRITE executed with success.");
    ctx.reply().ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_reason_strips_os_error() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&e), "No such file or directory");
    }

    #[test]
    fn local_clients() {
        let mk = |addr: &str, unix| Client::new(1, addr.into(), String::new(), 0, unix, false);
        assert!(is_local(&mk("127.0.0.1:5000", false)));
        assert!(is_local(&mk("[::1]:5000", false)));
        assert!(is_local(&mk("/tmp/x.sock:0", true)));
        assert!(!is_local(&mk("10.0.0.1:5000", false)));
        assert!(!is_local(&mk("127.0.0.2:5000", false)));
    }
}
