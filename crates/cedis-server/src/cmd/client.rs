//! CLIENT subcommands, and the CLIENT PAUSE state the connection loop
//! consults before running a command.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::args::is;
use super::error::{CmdError, CmdResult};
use super::table::{cmd, container, flags::*, CommandSpec};
use super::Ctx;
use crate::client::{Client, ClientId, ReplyMode};
use crate::state::ServerState;

const CONN_SLOW: &[&str] = &["slow", "connection"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[container("client", -2, &["slow"], CLIENT)];

#[rustfmt::skip]
static CLIENT: &[CommandSpec] = &[
    cmd("id", 2, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, client_id),
    cmd("setname", 3, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, client_setname),
    cmd("getname", 2, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, client_getname),
    cmd("list", -2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), &["admin", "slow", "dangerous", "connection"], client_list),
    cmd("info", 2, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, client_info),
    cmd("kill", -3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), &["admin", "slow", "dangerous", "connection"], client_kill),
    cmd("setinfo", 4, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, client_setinfo),
    cmd("reply", 3, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, client_reply),
    cmd("no-evict", 3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), &["admin", "slow", "dangerous", "connection"], client_no_evict),
    cmd("no-touch", 3, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, client_no_touch),
    cmd("pause", -3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), &["admin", "slow", "dangerous", "connection"], client_pause),
    cmd("unpause", 2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), &["admin", "slow", "dangerous", "connection"], client_unpause),
    cmd("unblock", -3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), &["admin", "slow", "dangerous", "connection"], client_unblock),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), CONN_SLOW, client_help),
    cmd("tracking", -3, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, super::tracking::client_tracking),
    cmd("caching", 3, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, super::tracking::client_caching),
    cmd("getredir", 2, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, super::tracking::client_getredir),
    cmd("trackinginfo", 2, NOSCRIPT | LOADING | STALE, (0, 0, 0), CONN_SLOW, super::tracking::client_trackinginfo),
];

/// Rejects names Redis rejects: spaces, newlines and other non-printables.
pub fn validate_name(name: &[u8]) -> Result<(), CmdError> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::msg(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

fn client_id(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let id = ctx.client.id as i64;
    ctx.reply().integer(id);
    Ok(())
}

fn client_setname(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    validate_name(&argv[2])?;
    ctx.client.name = if argv[2].is_empty() {
        None
    } else {
        Some(argv[2].to_vec())
    };
    ctx.reply().ok();
    Ok(())
}

fn client_getname(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let name = ctx.client.name.clone();
    let mut w = ctx.reply();
    match name {
        Some(n) => w.bulk(&n),
        None => w.null(),
    }
    Ok(())
}

const HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];

fn client_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    super::server::help(ctx, "CLIENT", HELP);
    Ok(())
}

/// A client class as CLIENT LIST/KILL TYPE name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientType {
    Normal,
    Master,
    Replica,
    PubSub,
}

impl ClientType {
    fn parse(name: &[u8]) -> Result<ClientType, CmdError> {
        let t = if is(name, "normal") {
            ClientType::Normal
        } else if is(name, "master") {
            ClientType::Master
        } else if is(name, "replica") || is(name, "slave") {
            ClientType::Replica
        } else if is(name, "pubsub") {
            ClientType::PubSub
        } else {
            return Err(CmdError::owned(format!(
                "ERR Unknown client type '{}'",
                String::from_utf8_lossy(name)
            )));
        };
        Ok(t)
    }

    /// The class of a client. Monitors count as normal clients, as in Redis;
    /// there are no replication links yet.
    fn of(c: &Client) -> ClientType {
        if c.subs.is_subscribed() {
            ClientType::PubSub
        } else {
            ClientType::Normal
        }
    }
}

/// Appends one CLIENT LIST line (without the newline), in Redis 7.0's format.
/// `argv_mem` is the size of the arguments of the command running now
/// (only the calling client has one).
pub fn client_line(out: &mut String, c: &Client, argv_mem: usize) {
    let name = c.name.as_deref().unwrap_or_default();
    let qbuf_free = if c.qbuf == 0 {
        0
    } else {
        20474usize.saturating_sub(c.qbuf)
    };
    let rbs = 16384usize;
    let omem = c.output_bytes();
    let tot_mem = 1024 + c.qbuf + qbuf_free + argv_mem + rbs + omem;
    let events = if omem == 0 { "r" } else { "rw" };
    let _ = write!(
        out,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} \
         multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={rbs} rbp={rbs} obl=0 oll=0 \
         omem={omem} tot-mem={tot_mem} events={events} cmd={} user={} redir={} resp={}",
        c.id,
        c.addr,
        c.laddr,
        c.fd,
        String::from_utf8_lossy(name),
        c.created.elapsed().as_secs(),
        c.last_interaction.elapsed().as_secs(),
        c.flags(),
        c.db,
        c.subs.channels(),
        c.subs.patterns(),
        c.subs.shard_channels(),
        c.tx.list_count(),
        c.qbuf,
        qbuf_free,
        argv_mem,
        c.tx.queue_memory(),
        c.last_cmd,
        c.user,
        if c.tracking.on { c.tracking.redirect as i64 } else { -1 },
        if c.proto == cedis_resp::Protocol::Resp3 { 3 } else { 2 },
    );
}

fn argv_mem(argv: &[Bytes]) -> usize {
    argv.iter().map(|a| a.len()).sum()
}

fn client_list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut ty = None;
    let mut ids: Option<Vec<ClientId>> = None;
    if argv.len() == 4 && is(&argv[2], "type") {
        ty = Some(ClientType::parse(&argv[3])?);
    } else if argv.len() >= 4 && is(&argv[2], "id") {
        let mut v = Vec::new();
        for a in &argv[3..] {
            match cedis_store::value::parse_i64(a) {
                Some(n) if n > 0 => v.push(n as ClientId),
                Some(_) => {}
                None => return Err(CmdError::msg("ERR Invalid client ID")),
            }
        }
        ids = Some(v);
    } else if argv.len() != 2 {
        return Err(CmdError::Syntax);
    }
    let me = ctx.client.id;
    let mem = argv_mem(argv);
    let mut text = String::new();
    let emit = |c: &Client, text: &mut String| {
        if ty.is_some_and(|t| ClientType::of(c) != t) {
            return;
        }
        if ids.as_ref().is_some_and(|ids| !ids.contains(&c.id)) {
            return;
        }
        client_line(text, c, if c.id == me { mem } else { 0 });
        text.push('\n');
    };
    let mut self_done = false;
    for c in ctx.server.clients.iter() {
        if !self_done && c.id > me {
            emit(ctx.client, &mut text);
            self_done = true;
        }
        emit(c, &mut text);
    }
    if !self_done {
        emit(ctx.client, &mut text);
    }
    ctx.reply().verbatim(b"txt", text.as_bytes());
    Ok(())
}

fn client_info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut text = String::new();
    client_line(&mut text, ctx.client, argv_mem(argv));
    text.push('\n');
    ctx.reply().verbatim(b"txt", text.as_bytes());
    Ok(())
}

/// CLIENT KILL's filters.
#[derive(Debug, Default)]
struct KillFilter<'a> {
    id: Option<ClientId>,
    addr: Option<&'a [u8]>,
    laddr: Option<&'a [u8]>,
    user: Option<&'a [u8]>,
    ty: Option<ClientType>,
    skipme: bool,
}

impl KillFilter<'_> {
    fn matches(&self, c: &Client, me: ClientId) -> bool {
        (!self.skipme || c.id != me)
            && self.id.is_none_or(|id| c.id == id)
            && self.addr.is_none_or(|a| a == c.addr.as_bytes())
            && self.laddr.is_none_or(|a| a == c.laddr.as_bytes())
            && self.user.is_none_or(|u| u == c.user.as_bytes())
            && self.ty.is_none_or(|t| ClientType::of(c) == t)
    }
}

fn client_kill(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let me = ctx.client.id;
    if argv.len() == 3 {
        // Old form: CLIENT KILL ip:port.
        let f = KillFilter {
            addr: Some(&argv[2]),
            ..Default::default()
        };
        if kill_matching(ctx, &f, me) == 0 {
            return Err(CmdError::msg("ERR No such client"));
        }
        ctx.reply().ok();
        return Ok(());
    }
    let mut f = KillFilter {
        skipme: true,
        ..Default::default()
    };
    let mut i = 2;
    while i < argv.len() {
        let Some(val) = argv.get(i + 1) else {
            return Err(CmdError::Syntax);
        };
        let opt = &argv[i];
        if is(opt, "id") {
            match cedis_store::value::parse_i64(val) {
                Some(n) if n > 0 => f.id = Some(n as ClientId),
                _ => return Err(CmdError::msg("ERR client-id should be greater than 0")),
            }
        } else if is(opt, "type") {
            f.ty = Some(ClientType::parse(val)?);
        } else if is(opt, "addr") {
            f.addr = Some(val);
        } else if is(opt, "laddr") {
            f.laddr = Some(val);
        } else if is(opt, "user") {
            if !user_exists(ctx, val) {
                return Err(CmdError::owned(format!(
                    "ERR No such user '{}'",
                    String::from_utf8_lossy(val)
                )));
            }
            f.user = Some(val);
        } else if is(opt, "skipme") {
            if is(val, "yes") {
                f.skipme = true;
            } else if is(val, "no") {
                f.skipme = false;
            } else {
                return Err(CmdError::Syntax);
            }
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let n = kill_matching(ctx, &f, me);
    ctx.reply().integer(n as i64);
    Ok(())
}

/// Whether a user exists. Until ACL exists, the only user is `default`
/// (plus whatever name a connected client authenticated as).
fn user_exists(ctx: &Ctx<'_>, name: &[u8]) -> bool {
    name == b"default"
        || ctx.client.user.as_bytes() == name
        || ctx.server.clients.iter().any(|c| c.user.as_bytes() == name)
}

/// Marks every matching client as killed; the caller closes after its reply.
fn kill_matching(ctx: &mut Ctx<'_>, f: &KillFilter<'_>, me: ClientId) -> usize {
    let mut n = 0;
    for c in ctx.server.clients.iter_mut() {
        if !c.killed && f.matches(c, me) {
            c.killed = true;
            c.wake.notify_one();
            n += 1;
        }
    }
    if f.matches(ctx.client, me) {
        ctx.client.close_after_reply = true;
        n += 1;
    }
    n
}

fn client_setinfo(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let attr = &argv[2];
    let val = &argv[3];
    let lib_name = if is(attr, "lib-name") {
        true
    } else if is(attr, "lib-ver") {
        false
    } else {
        return Err(CmdError::owned(format!(
            "ERR Unrecognized option '{}'",
            String::from_utf8_lossy(attr)
        )));
    };
    if val.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::owned(format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            if lib_name { "lib-name" } else { "lib-ver" }
        )));
    }
    let v = if val.is_empty() {
        None
    } else {
        Some(val.to_vec())
    };
    if lib_name {
        ctx.client.lib_name = v;
    } else {
        ctx.client.lib_ver = v;
    }
    ctx.reply().ok();
    Ok(())
}

fn client_reply(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let a = &argv[2];
    if is(a, "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.reply().ok();
    } else if is(a, "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if is(a, "skip") {
        if ctx.client.reply_mode != ReplyMode::Off {
            ctx.client.reply_mode = ReplyMode::Skip;
        }
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(())
}

fn on_off(a: &[u8]) -> Result<bool, CmdError> {
    if is(a, "on") {
        Ok(true)
    } else if is(a, "off") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

fn client_no_evict(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ctx.client.no_evict = on_off(&argv[2])?;
    ctx.reply().ok();
    Ok(())
}

fn client_no_touch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ctx.client.no_touch = on_off(&argv[2])?;
    ctx.reply().ok();
    Ok(())
}

/// A CLIENT PAUSE in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientPause {
    /// When the pause ends by itself.
    pub until: Instant,
    /// ALL (every command waits) rather than WRITE (only commands that may
    /// write or replicate wait).
    pub all: bool,
}

/// If `argv` must wait for a CLIENT PAUSE, the instant the pause ends.
/// Clears a pause whose time has passed. Costs one branch when no pause is
/// in effect.
pub fn pause_deadline(
    server: &mut ServerState,
    client: &Client,
    argv: &[Bytes],
) -> Option<Instant> {
    let p = server.pause?;
    if Instant::now() >= p.until {
        server.pause = None;
        return None;
    }
    // Unknown commands and arity errors are answered at once, as Redis
    // rejects them before it looks at the pause.
    let name = argv.first()?;
    let mut command = super::table().get(name)?;
    if !command.subcommands.is_empty() {
        command = command.subcommand(argv.get(1)?)?;
    }
    if !command.spec.arity_ok(argv.len()) {
        return None;
    }
    // EXEC counts as a write when the transaction holds one.
    let writes = command.spec.has(WRITE | MAY_REPLICATE)
        || (command.full_name == "exec" && client.tx.queued_any(WRITE | MAY_REPLICATE));
    (p.all || writes).then_some(p.until)
}

fn client_pause(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let ms = cedis_store::value::parse_i64(&argv[2]).ok_or(CmdError::msg(
        "ERR timeout is not an integer or out of range",
    ))?;
    if ms < 0 {
        return Err(CmdError::msg("ERR timeout is negative"));
    }
    let all =
        match argv.len() {
            3 => true,
            4 if is(&argv[3], "all") => true,
            4 if is(&argv[3], "write") => false,
            4 => return Err(CmdError::msg("ERR CLIENT PAUSE mode must be WRITE or ALL")),
            _ => return Err(CmdError::msg(
                "ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.",
            )),
        };
    let until = Instant::now() + Duration::from_millis(ms as u64);
    let new = match ctx.server.pause {
        // A pause in effect is only ever extended or made stricter.
        Some(old) if old.until > Instant::now() => ClientPause {
            until: old.until.max(until),
            all: old.all || all,
        },
        _ => ClientPause { until, all },
    };
    ctx.server.pause = Some(new);
    ctx.reply().ok();
    Ok(())
}

/// Ends a CLIENT PAUSE and wakes every client so paused commands run.
pub fn unpause(server: &mut ServerState) {
    if server.pause.take().is_some() {
        for c in server.clients.iter() {
            c.wake.notify_one();
        }
    }
}

fn client_unpause(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    unpause(ctx.server);
    ctx.reply().ok();
    Ok(())
}

fn client_unblock(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let id = cedis_store::value::parse_i64(&argv[2]).ok_or(CmdError::NotInteger)?;
    match argv.len() {
        3 => {}
        4 if is(&argv[3], "timeout") || is(&argv[3], "error") => {}
        4 => {
            return Err(CmdError::msg(
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
        _ => return Err(CmdError::msg(
            "ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.",
        )),
    }
    let error = argv.len() == 4 && is(&argv[3], "error");
    // Only clients blocked on keys can be unblocked (not CLIENT PAUSE's).
    let server = &mut *ctx.server;
    let target = u64::try_from(id)
        .ok()
        .and_then(|id| server.clients.checkout(id));
    let unblocked = match target {
        Some(mut c) => {
            let blocked = c.block.is_some();
            if blocked {
                let mut out = bytes::BytesMut::new();
                crate::blocking::end_wait(server, &mut c, &mut out, error);
                c.push_output(&out);
            }
            server.clients.checkin(c);
            blocked
        }
        None => false,
    };
    ctx.reply().integer(i64::from(unblocked));
    Ok(())
}
