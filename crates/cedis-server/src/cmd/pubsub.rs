//! Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH
//! and PUBSUB. The registry and the fan-out live in [`crate::pubsub`].
//!
//! Subscription confirmations are pushes: RESP2 arrays or RESP3 `>`
//! frames, one per channel, sent even under CLIENT REPLY OFF (as Redis
//! does). A RESP2 client with any subscription may only run the commands
//! [`allowed_when_subscribed`] names; the dispatcher enforces it.

use bytes::{Bytes, BytesMut};
use cedis_resp::ReplyWriter;

use super::error::{CmdError, CmdResult};
use super::table::{cmd, container, flags::*, CommandSpec};
use super::Ctx;
use crate::client::ReplyMode;
use crate::pubsub::{Current, Kind};

const PUBSUB_SLOW: &[&str] = &["pubsub", "slow"];
const PUBSUB_FAST: &[&str] = &["pubsub", "fast"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("subscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0), PUBSUB_SLOW, subscribe),
    cmd("unsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0), PUBSUB_SLOW, unsubscribe),
    cmd("psubscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0), PUBSUB_SLOW, psubscribe),
    cmd("punsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0), PUBSUB_SLOW, punsubscribe),
    cmd("publish", 3, PUBSUB | LOADING | STALE | FAST, (0, 0, 0), PUBSUB_FAST, publish),
    cmd("ssubscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1), PUBSUB_SLOW, ssubscribe),
    cmd("sunsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1), PUBSUB_SLOW, sunsubscribe),
    cmd("spublish", 3, PUBSUB | LOADING | STALE | FAST, (1, 1, 1), PUBSUB_FAST, spublish),
    container("pubsub", -2, &["slow"], PUBSUB_SUBCOMMANDS),
];

#[rustfmt::skip]
static PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    cmd("channels", -2, PUBSUB | LOADING | STALE, (0, 0, 0), PUBSUB_SLOW, pubsub_channels),
    cmd("numpat", 2, PUBSUB | LOADING | STALE, (0, 0, 0), PUBSUB_SLOW, pubsub_numpat),
    cmd("numsub", -2, PUBSUB | LOADING | STALE, (0, 0, 0), PUBSUB_SLOW, pubsub_numsub),
    cmd("shardnumsub", -2, PUBSUB | LOADING | STALE, (0, 0, 0), PUBSUB_SLOW, pubsub_shardnumsub),
    cmd("shardchannels", -2, PUBSUB | LOADING | STALE, (0, 0, 0), PUBSUB_SLOW, pubsub_shardchannels),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), &["slow"], pubsub_help),
];

/// Whether a RESP2 client with subscriptions may run `name` (a top-level
/// command name, lower case).
pub fn allowed_when_subscribed(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "ssubscribe"
            | "psubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "punsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

/// The error a subscribed RESP2 client gets for any other command
/// (`full_name` as `client|list`).
pub fn not_allowed_when_subscribed(full_name: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR Can't execute '{full_name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    ))
}

/// Publishes from a command: like [`crate::pubsub::publish`], and the
/// running client gets the message too (before its own reply) if it is
/// subscribed. Returns the number of receivers.
pub fn publish_ctx(ctx: &mut Ctx<'_>, kind: Kind, channel: &[u8], message: &[u8]) -> usize {
    let current = Current {
        client: &mut *ctx.client,
        out: &mut *ctx.out,
    };
    crate::pubsub::publish_with(ctx.server, Some(current), kind, channel, message)
}

/// Writes a push to the running client: with its replies, or queued apart
/// when replies are off (pushes are not replies).
fn push(ctx: &mut Ctx<'_>, write: impl FnOnce(&mut ReplyWriter<'_>)) {
    match ctx.client.reply_mode {
        ReplyMode::On | ReplyMode::Skip => write(&mut ctx.reply()),
        ReplyMode::Off | ReplyMode::SkipThis => {
            let mut buf = BytesMut::new();
            write(&mut ReplyWriter::new(&mut buf, ctx.client.proto));
            ctx.client.push_shared(buf.freeze());
        }
    }
}

/// One (un)subscription confirmation: `[kind, name or null, count]`.
fn confirm(ctx: &mut Ctx<'_>, what: &[u8], name: Option<&[u8]>, count: usize) {
    push(ctx, |w| {
        w.push_header(3);
        w.bulk(what);
        match name {
            Some(n) => w.bulk(n),
            None => w.null(),
        }
        w.integer(count as i64);
    });
}

fn subscribe_to(ctx: &mut Ctx<'_>, argv: &[Bytes], kind: Kind) -> CmdResult {
    for name in &argv[1..] {
        ctx.server.pubsub.subscribe(ctx.client, kind, name);
        let count = ctx.client.subs.count(kind);
        confirm(ctx, kind.subscribe_name(), Some(name), count);
    }
    Ok(())
}

fn unsubscribe_from(ctx: &mut Ctx<'_>, argv: &[Bytes], kind: Kind) -> CmdResult {
    let what = kind.unsubscribe_name();
    if argv.len() > 1 {
        for name in &argv[1..] {
            ctx.server.pubsub.unsubscribe(ctx.client, kind, name);
            let count = ctx.client.subs.count(kind);
            confirm(ctx, what, Some(name), count);
        }
        return Ok(());
    }
    let names = ctx.client.subs.names(kind);
    if names.is_empty() {
        let count = ctx.client.subs.count(kind);
        confirm(ctx, what, None, count);
    }
    for name in names {
        ctx.server.pubsub.unsubscribe(ctx.client, kind, &name);
        let count = ctx.client.subs.count(kind);
        confirm(ctx, what, Some(&name), count);
    }
    Ok(())
}

fn subscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    subscribe_to(ctx, argv, Kind::Channel)
}

fn psubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    subscribe_to(ctx, argv, Kind::Pattern)
}

fn ssubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    subscribe_to(ctx, argv, Kind::Shard)
}

fn unsubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    unsubscribe_from(ctx, argv, Kind::Channel)
}

fn punsubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    unsubscribe_from(ctx, argv, Kind::Pattern)
}

fn sunsubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    unsubscribe_from(ctx, argv, Kind::Shard)
}

fn publish(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let n = publish_ctx(ctx, Kind::Channel, &argv[1], &argv[2]);
    ctx.reply().integer(n as i64);
    Ok(())
}

fn spublish(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let n = publish_ctx(ctx, Kind::Shard, &argv[1], &argv[2]);
    ctx.reply().integer(n as i64);
    Ok(())
}

fn wrong_subcommand(argv: &[Bytes]) -> CmdError {
    CmdError::owned(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
        String::from_utf8_lossy(&argv[1])
    ))
}

fn list_active(ctx: &mut Ctx<'_>, argv: &[Bytes], kind: Kind) -> CmdResult {
    if argv.len() > 3 {
        return Err(wrong_subcommand(argv));
    }
    let names = ctx.server.pubsub.active(kind, argv.get(2).map(|p| &p[..]));
    let mut w = ctx.reply();
    w.array_header(names.len());
    for n in &names {
        w.bulk(n);
    }
    Ok(())
}

fn count_subscribers(ctx: &mut Ctx<'_>, argv: &[Bytes], kind: Kind) -> CmdResult {
    let names = &argv[2..];
    let counts: Vec<usize> = names
        .iter()
        .map(|n| ctx.server.pubsub.numsub(kind, n))
        .collect();
    let mut w = ctx.reply();
    w.array_header(names.len() * 2);
    for (n, c) in names.iter().zip(counts) {
        w.bulk(n);
        w.integer(c as i64);
    }
    Ok(())
}

fn pubsub_channels(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    list_active(ctx, argv, Kind::Channel)
}

fn pubsub_shardchannels(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    list_active(ctx, argv, Kind::Shard)
}

fn pubsub_numsub(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    count_subscribers(ctx, argv, Kind::Channel)
}

fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    count_subscribers(ctx, argv, Kind::Shard)
}

fn pubsub_numpat(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let n = ctx.server.pubsub.len(Kind::Pattern);
    ctx.reply().integer(n as i64);
    Ok(())
}

const HELP: &[&str] = &[
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
];

fn pubsub_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    super::server::help(ctx, "PUBSUB", HELP);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribed_context_allows_only_the_pubsub_set() {
        for n in ["subscribe", "punsubscribe", "ping", "quit", "reset"] {
            assert!(allowed_when_subscribed(n));
        }
        for n in ["get", "publish", "hello", "client|list", "pubsub"] {
            assert!(!allowed_when_subscribed(n));
        }
    }
}
