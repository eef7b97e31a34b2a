//! From parsed arguments to a reply: lookup, checks, the handler, stats.

use bytes::Bytes;

use super::error::{CmdError, CmdResult};
use super::table::{flags, CmdCounters, Command};
use super::{table, Ctx};

/// Runs one command and appends its reply to `ctx.out`.
pub fn execute(ctx: &mut Ctx<'_>, argv: &[Bytes]) {
    let Some(name) = argv.first() else { return };
    let Some(mut command) = table().get(name) else {
        ctx.client.last_cmd = "NULL";
        let err = unknown_command(name, &argv[1..]);
        reject(ctx, None, err);
        return;
    };
    if !command.subcommands.is_empty() && argv.len() >= 2 {
        match command.subcommand(&argv[1]) {
            Some(sub) => command = sub,
            None => {
                ctx.client.last_cmd = "NULL";
                let err = CmdError::owned(format!(
                    "ERR unknown subcommand '{}'. Try {} HELP.",
                    truncated(&argv[1], 128),
                    command.spec.name.to_ascii_uppercase()
                ));
                reject(ctx, None, err);
                return;
            }
        }
    }
    let spec = command.spec;
    // Inside EXEC, CLIENT LIST keeps showing `cmd=exec`.
    if !ctx.client.tx.executing() {
        ctx.client.last_cmd = command.full_name.as_str();
    }
    if !ctx.client.authenticated && !spec.has(flags::NO_AUTH) {
        let err = CmdError::msg("NOAUTH Authentication required.");
        reject(ctx, Some(command), err);
        return;
    }
    if !spec.arity_ok(argv.len()) {
        let err = CmdError::owned(format!(
            "ERR wrong number of arguments for '{}' command",
            command.full_name
        ));
        reject(ctx, Some(command), err);
        return;
    }
    // maxmemory: evict, and refuse what would grow memory if that failed.
    if ctx.server.settings.maxmemory != 0 {
        if let Err(err) = crate::evict::check(ctx, command) {
            reject(ctx, Some(command), err);
            return;
        }
    }
    // Redis bounds the tracking table here, after maxmemory and before its
    // subscriber check.
    crate::tracking::before_command(ctx);
    // A RESP2 subscriber may only run the pub/sub commands.
    if ctx.client.proto == cedis_resp::Protocol::Resp2
        && ctx.client.subs.is_subscribed()
        && !super::pubsub::allowed_when_subscribed(&command.full_name)
    {
        let err = super::pubsub::not_allowed_when_subscribed(&command.full_name);
        reject(ctx, Some(command), err);
        return;
    }
    // MULTI: checked commands are queued, except the transaction's own.
    if ctx.client.tx.queuing() {
        if spec.has(flags::NO_MULTI) {
            let err = CmdError::msg("ERR Command not allowed inside a transaction");
            reject(ctx, Some(command), err);
            return;
        }
        if !super::multi::runs_in_multi(command) {
            super::multi::queue(ctx, command, argv);
            return;
        }
    }
    // One clock reading per command: the previous command's end (or the
    // batch start) is this one's start.
    let start = ctx.server.clock.last;
    // Inside EXEC the time stays the transaction's start, as in Redis.
    if !ctx.client.tx.executing() {
        ctx.store.set_time(ctx.server.clock.unix_ms_at(start));
        // While clients are paused keys do not expire (hidden, not reclaimed).
        ctx.store.config.expire_paused = ctx.server.pause.is_some_and(|p| start < p.until);
    }
    ctx.store.config.no_touch = ctx.client.no_touch;
    crate::notify::before_command(ctx.store, ctx.server);
    let mark = ctx.out.len();
    let result = (spec.handler)(ctx, argv);
    // WATCH invalidation and keyspace notifications of what it changed.
    crate::notify::after_command(ctx, mark, &command.full_name, argv);
    if ctx.client.tracking.on || ctx.server.tracking.has_deferred() {
        crate::tracking::after_command(ctx, command, argv);
    }
    let took = ctx.server.clock.tick().saturating_duration_since(start);
    let elapsed = took.as_micros() as u64;
    CmdCounters::bump(&command.stats.calls, 1);
    CmdCounters::bump(&command.stats.usec, elapsed);
    ctx.server.stats.total_commands_processed += 1;
    ctx.client.commands += 1;
    if let Err(e) = result {
        CmdCounters::bump(&command.stats.failed, 1);
        write_error(ctx, &e);
    }
    super::introspect::after_command(ctx, command, argv, took);
}

fn reject(ctx: &mut Ctx<'_>, command: Option<&Command>, err: CmdError) {
    if let Some(command) = command {
        CmdCounters::bump(&command.stats.rejected, 1);
    }
    // A command refused inside MULTI dooms the transaction (EXECABORT).
    ctx.client.tx.flag_error();
    write_error(ctx, &err);
}

/// Writes an error reply and counts it in INFO errorstats.
pub fn write_error(ctx: &mut Ctx<'_>, err: &CmdError) {
    let text = err.text();
    let code = text.split(' ').next().unwrap_or("ERR");
    let stats = &mut ctx.server.stats;
    stats.total_error_replies += 1;
    match stats.errors.get_mut(code) {
        Some(n) => *n += 1,
        None => {
            stats.errors.insert(code.to_string(), 1);
        }
    }
    ctx.reply().error(text.as_bytes());
}

/// At most `max` bytes of `b`, stopping at a NUL as C's `%.*s` does.
fn truncated(b: &[u8], max: usize) -> String {
    let end = b
        .iter()
        .take(max)
        .position(|&c| c == 0)
        .unwrap_or(b.len().min(max));
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn unknown_command(name: &[u8], args: &[Bytes]) -> CmdError {
    let mut shown = String::new();
    for a in args {
        if shown.len() >= 128 {
            break;
        }
        let room = 128 - shown.len();
        shown.push_str(&format!("'{}' ", truncated(a, room)));
    }
    CmdError::owned(format!(
        "ERR unknown command '{}', with args beginning with: {shown}",
        truncated(name, 128)
    ))
}

/// The handler of container commands, reached only without a subcommand.
pub fn container_handler(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    Err(CmdError::owned(format!(
        "ERR wrong number of arguments for '{}' command",
        String::from_utf8_lossy(&argv[0]).to_ascii_lowercase()
    )))
}
