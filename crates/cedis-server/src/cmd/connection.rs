//! Connection commands: PING, ECHO, QUIT, RESET, SELECT, AUTH, HELLO.

use bytes::Bytes;
use cedis_resp::Protocol;

use super::args::is;
use super::error::{CmdError, CmdResult};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;
use crate::client::ReplyMode;

const CONN: &[&str] = &["connection", "fast"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("ping", -1, FAST, (0, 0, 0), CONN, ping),
    cmd("echo", 2, LOADING | STALE | FAST, (0, 0, 0), CONN, echo),
    cmd("quit", -1, ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH, (0, 0, 0), &["connection", "fast"], quit),
    cmd("reset", 1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, (0, 0, 0), CONN, reset),
    cmd("select", 2, LOADING | STALE | FAST, (0, 0, 0), CONN, select),
    cmd("auth", -2, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, (0, 0, 0), &["connection", "fast"], auth),
    cmd("hello", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, (0, 0, 0), CONN, hello),
];

fn ping(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() > 2 {
        return Err(CmdError::msg(
            "ERR wrong number of arguments for 'ping' command",
        ));
    }
    if ctx.client.proto == Protocol::Resp2 && ctx.client.subs.is_subscribed() {
        // A RESP2 subscriber gets PING's answer in the shape of a message.
        let mut w = ctx.reply();
        w.array_header(2);
        w.bulk(b"pong");
        w.bulk(argv.get(1).map_or(&b""[..], |m| m));
        return Ok(());
    }
    let mut w = ctx.reply();
    match argv.get(1) {
        Some(msg) => w.bulk(msg),
        None => w.simple(b"PONG"),
    }
    Ok(())
}

fn echo(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ctx.reply().bulk(&argv[1]);
    Ok(())
}

fn quit(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    ctx.client.close_after_reply = true;
    ctx.reply().ok();
    Ok(())
}

fn reset(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    super::multi::discard_transaction(ctx);
    ctx.server.pubsub.remove_client(ctx.client);
    ctx.server.tracking.disable(ctx.client);
    let c = &mut *ctx.client;
    c.db = 0;
    c.proto = Protocol::Resp2;
    c.name = None;
    c.reply_mode = ReplyMode::On;
    c.no_evict = false;
    c.no_touch = false;
    c.authenticated = ctx.server.settings.requirepass.is_none();
    c.user = "default".into();
    ctx.reply().simple(b"RESET");
    Ok(())
}

fn select(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let n = cedis_store::value::parse_i64(&argv[1])
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or(CmdError::NotInteger)?;
    ctx.client.db = ctx.store.check_db(n)?;
    ctx.reply().ok();
    Ok(())
}

const WRONGPASS: CmdError =
    CmdError::msg("WRONGPASS invalid username-password pair or user is disabled.");

/// Checks credentials against the default user (`requirepass`).
fn check_credentials(ctx: &Ctx<'_>, user: &[u8], pass: &[u8]) -> Result<(), CmdError> {
    if user != b"default" {
        return Err(WRONGPASS);
    }
    match &ctx.server.settings.requirepass {
        None => Ok(()),
        Some(p) if p.as_slice() == pass => Ok(()),
        Some(_) => Err(WRONGPASS),
    }
}

fn auth(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (user, pass): (&[u8], &[u8]) = match argv.len() {
        2 => {
            if ctx.server.settings.requirepass.is_none() {
                return Err(CmdError::msg("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
            }
            (b"default", &argv[1])
        }
        3 => (&argv[1], &argv[2]),
        _ => return Err(CmdError::Syntax),
    };
    check_credentials(ctx, user, pass)?;
    ctx.client.authenticated = true;
    ctx.client.user = String::from_utf8_lossy(user).into_owned();
    ctx.reply().ok();
    Ok(())
}

fn hello(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut proto = None;
    if let Some(v) = argv.get(1) {
        let n = cedis_store::value::parse_i64(v).ok_or(CmdError::msg(
            "ERR Protocol version is not an integer or out of range",
        ))?;
        proto = match n {
            2 => Some(Protocol::Resp2),
            3 => Some(Protocol::Resp3),
            _ => return Err(CmdError::msg("NOPROTO unsupported protocol version")),
        };
    }
    let mut creds = None;
    let mut name = None;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        if is(&argv[i], "auth") && more >= 2 {
            creds = Some((&argv[i + 1], &argv[i + 2]));
            i += 3;
        } else if is(&argv[i], "setname") && more >= 1 {
            name = Some(&argv[i + 1]);
            i += 2;
        } else {
            return Err(CmdError::owned(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&argv[i])
            )));
        }
    }
    if let Some((user, pass)) = creds {
        check_credentials(ctx, user, pass)?;
        ctx.client.authenticated = true;
        ctx.client.user = String::from_utf8_lossy(user).into_owned();
    }
    if !ctx.client.authenticated {
        return Err(CmdError::msg("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
    }
    if let Some(name) = name {
        super::client::validate_name(name)?;
        ctx.client.name = if name.is_empty() {
            None
        } else {
            Some(name.to_vec())
        };
    }
    if let Some(p) = proto {
        ctx.client.proto = p;
    }
    let id = ctx.client.id as i64;
    let proto_num = if ctx.client.proto == Protocol::Resp3 {
        3
    } else {
        2
    };
    let mut w = ctx.reply();
    w.map_header(7);
    w.bulk(b"server");
    w.bulk(b"redis");
    w.bulk(b"version");
    w.bulk(crate::REDIS_VERSION.as_bytes());
    w.bulk(b"proto");
    w.integer(proto_num);
    w.bulk(b"id");
    w.integer(id);
    w.bulk(b"mode");
    w.bulk(b"standalone");
    w.bulk(b"role");
    w.bulk(b"master");
    w.bulk(b"modules");
    w.array_header(0);
    Ok(())
}
