//! Key events after a command: WATCH invalidation and keyspace
//! notifications (`notify-keyspace-events`).
//!
//! The store records what each command changed (`cedis_store::events`)
//! only while someone listens: a WATCH exists, or notifications are
//! configured and somebody is subscribed to anything ([`wanted`]). The
//! dispatcher switches recording before each command ([`before_command`])
//! and drains the log after it ([`after_command`]); keys evicted before a
//! command are drained at once ([`after_eviction`]), and the cron and the
//! eviction task drain what they reclaimed ([`drain_background`]). Each
//! drained event that modifies a key touches its watchers
//! ([`crate::watch::touch_key`]); each one whose class is enabled is
//! published, in the order the events happened, as `__keyspace@<db>__:<key>` with the event name (`K`) and
//! `__keyevent@<db>__:<event>` with the key (`E`).
//!
//! Notifications reach the running client too (a RESP3 client subscribed
//! on its own connection). Redis publishes while the command runs, so its
//! pushes land where the command's code notifies relative to where it
//! writes its reply: before it for most commands, after it for others
//! (GETDEL, LPUSH, HSET, ZADD, EXPIRE, ...), around it for LMOVE, between
//! the reply's header and elements for ZPOPMIN. [`reply_at`] holds that
//! order per command, measured on redis-server 7.0.15 with
//! `scripts/own-push-order.py`; other subscribers are not affected.

use bytes::{Bytes, BytesMut};
use cedis_store::events::KeyEvent;
use cedis_store::Store;

use crate::client::Client;
use crate::cmd::Ctx;
use crate::config::notify;
use crate::pubsub::{Current, Kind};
use crate::state::{ServerState, State};

/// Whether `mask` (`notify-keyspace-events`) publishes anything: a channel
/// kind (`K`, `E`) and at least one class.
pub fn enabled(mask: u32) -> bool {
    let kinds = notify::KEYSPACE | notify::KEYEVENT;
    mask & kinds != 0 && mask & !kinds != 0
}

/// Whether the store must record key events: for WATCH, or for
/// notifications that somebody may receive.
pub fn wanted(server: &ServerState) -> bool {
    !server.watches.is_empty()
        || !server.blocked.is_empty()
        || server.tracking.active()
        || (enabled(server.settings.notify_keyspace_events) && !server.pubsub.is_empty())
}

/// Switches event recording on or off for the next command.
#[inline]
pub fn before_command(store: &mut Store, server: &ServerState) {
    let want = wanted(server);
    if store.recording_events() != want {
        store.record_events(want);
    }
}

/// Drains the events of the command that just ran (`name`, the table's
/// full name, with its arguments `argv`). `mark` is where its reply starts in `ctx.out`.
#[inline]
pub fn after_command(ctx: &mut Ctx<'_>, mark: usize, name: &str, argv: &[Bytes]) {
    if ctx.store.recording_events() {
        drain(ctx, mark, Some(ctx.client.id), || reply_at(name, argv));
    }
}

/// Where a command writes its reply among the key events it notifies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplyAt {
    /// The reply goes just before the first event with one of these
    /// names; when none occurs, after every event.
    before: &'static [&'static str],
    /// How many RESP tokens (header lines and whole bulks) of the reply go
    /// before that event, the rest of the reply after it; 0: all of it.
    inside: u8,
}

/// The order of a command's reply and its own key events, as
/// redis-server 7.0.15 writes them (measured with
/// `scripts/own-push-order.py`); `None` for the commands that notify
/// everything before replying. Lookup events (`keymiss`, `expired`) and
/// `new` come before the named ones, so they stay before the reply.
pub fn reply_at(command: &str, argv: &[Bytes]) -> Option<ReplyAt> {
    const fn at(before: &'static [&'static str]) -> Option<ReplyAt> {
        Some(ReplyAt { before, inside: 0 })
    }
    const fn inside(before: &'static [&'static str], inside: u8) -> Option<ReplyAt> {
        Some(ReplyAt { before, inside })
    }
    const SET: &[&str] = &["new", "set"];
    const PUSH: &[&str] = &["lpush", "rpush"];
    const POP: &[&str] = &["lpop", "rpop"];
    const ZPOP: &[&str] = &["zpopmin", "zpopmax"];
    match command {
        // SET ... GET replies (the old value) before it sets.
        "set" if argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get")) => at(SET),
        "getset" => at(SET),
        "getdel" => at(&["del"]),
        "getex" => at(&["expire", "persist", "del"]),
        "bitfield" => at(&["setbit"]),
        "expire" | "pexpire" | "expireat" | "pexpireat" => at(&["expire"]),
        "lpush" | "rpush" | "lpushx" | "rpushx" => at(PUSH),
        "lset" => at(&["lset"]),
        // The moves push (before the reply), then pop (after it).
        "lpop" | "rpop" | "lmpop" | "blpop" | "brpop" | "blmpop" | "lmove" | "blmove"
        | "rpoplpush" | "brpoplpush" => at(POP),
        "hset" | "hsetnx" | "hmset" => at(&["hset"]),
        "hincrby" => at(&["hincrby"]),
        "hincrbyfloat" => at(&["hincrbyfloat"]),
        "spop" => at(&["del"]),
        "sinterstore" => at(&["sinterstore", "del"]),
        "sunionstore" => at(&["sunionstore", "del"]),
        "sdiffstore" => at(&["sdiffstore", "del"]),
        "zadd" => at(&["zadd", "zincr"]),
        "zincrby" => at(&["zincr"]),
        "zunionstore" => at(&["zunionstore", "del"]),
        "zinterstore" => at(&["zinterstore", "del"]),
        "zdiffstore" => at(&["zdiffstore", "del"]),
        "zrangestore" => at(&["zrangestore", "del"]),
        // The pop is notified after the reply's header (and key), before
        // the elements; the emptied key's del after the reply.
        "zpopmin" | "zpopmax" => inside(ZPOP, 1),
        "bzpopmin" | "bzpopmax" => inside(ZPOP, 2),
        "zmpop" | "bzmpop" => inside(ZPOP, 3),
        _ => None,
    }
}

/// The length of the first `n` RESP tokens of `reply`: header and simple
/// lines, and bulk strings with their payload.
fn token_prefix(reply: &[u8], n: u8) -> usize {
    let mut at = 0;
    for _ in 0..n {
        let Some(end) = reply[at..].windows(2).position(|w| w == b"\r\n") else {
            return reply.len();
        };
        let line = &reply[at..at + end];
        at += end + 2;
        if matches!(line.first(), Some(b'$' | b'=' | b'!')) {
            let len = std::str::from_utf8(&line[1..])
                .ok()
                .and_then(|s| s.parse::<usize>().ok());
            if let Some(len) = len {
                at = (at + len + 2).min(reply.len());
            }
        }
    }
    at
}

/// Drains the events of keys evicted before a command runs: like a
/// command's own, but caused by no client (a NOLOOP tracking client is
/// told too).
pub fn after_eviction(ctx: &mut Ctx<'_>) {
    if ctx.store.recording_events() {
        let mark = ctx.out.len();
        drain(ctx, mark, None, || None);
    }
}

fn drain(
    ctx: &mut Ctx<'_>,
    mark: usize,
    by: Option<crate::client::ClientId>,
    order: impl FnOnce() -> Option<ReplyAt>,
) {
    let mut events = Vec::new();
    ctx.store.take_events(&mut events);
    if events.is_empty() {
        return;
    }
    if !ctx.server.blocked.is_empty() {
        for e in events.iter().filter(|e| e.modifies()) {
            ctx.server.blocked.signal(e.db, &e.key);
        }
    }
    touch_watchers(ctx.store, ctx.server, Some(ctx.client), &events);
    if ctx.server.tracking.active() {
        // Invalidations reaching the running client (as a redirect target)
        // go before its reply, as Redis sends them during the command.
        let reply = (mark <= ctx.out.len()).then(|| ctx.out.split_off(mark));
        for e in events.iter().filter(|e| e.modifies()) {
            let here = crate::tracking::Here {
                client: &mut *ctx.client,
                out: &mut *ctx.out,
            };
            // Keys evicted before the command (no `by`) are told at once.
            crate::tracking::invalidate_key(ctx.server, Some(here), &e.key, by, by.is_some());
        }
        if let Some(reply) = reply {
            ctx.out.extend_from_slice(&reply);
        }
    }
    let mask = ctx.server.settings.notify_keyspace_events;
    if !enabled(mask) || ctx.server.pubsub.is_empty() {
        return;
    }
    // Pushes to the running client go around its reply as [`reply_at`]
    // says: the reply is taken out and written back at its place.
    let mut reply =
        (ctx.client.subs.is_subscribed() && mark <= ctx.out.len()).then(|| ctx.out.split_off(mark));
    // Looked up only when the running client hears its own events.
    let order = reply.as_ref().and_then(|_| order());
    // 0: before the reply, 1: inside it, 2: after it.
    let mut stage = 0;
    for e in &events {
        if let (Some(order), Some(rest)) = (order, reply.as_mut()) {
            if stage == 0 && order.before.contains(&e.name) {
                let n = match order.inside {
                    0 => rest.len(),
                    n => token_prefix(rest, n),
                };
                ctx.out.extend_from_slice(&rest.split_to(n));
                stage = if order.inside == 0 { 2 } else { 1 };
            } else if stage == 1 {
                ctx.out.extend_from_slice(rest);
                rest.clear();
                stage = 2;
            }
        }
        publish_event(ctx.server, Some((&mut *ctx.client, &mut *ctx.out)), mask, e);
    }
    if let Some(reply) = reply {
        ctx.out.extend_from_slice(&reply);
    }
}

/// One active expiry cycle from the cron, with its `expired` events
/// touching watchers and published.
pub fn active_expire(state: &mut State, hz: u32) {
    let State { store, server } = state;
    before_command(store, server);
    store.active_expire_cycle(hz);
    drain_background(store, server);
}

/// Drains the events recorded outside any command (the cron's expiry and
/// eviction): watchers, tracking invalidation, notifications.
pub fn drain_background(store: &mut Store, server: &mut ServerState) {
    if !store.recording_events() {
        return;
    }
    let mut events = Vec::new();
    store.take_events(&mut events);
    touch_watchers(store, server, None, &events);
    if server.tracking.active() {
        for e in events.iter().filter(|e| e.modifies()) {
            crate::tracking::invalidate_key(server, None, &e.key, None, false);
        }
        crate::tracking::before_sleep(server, None);
    }
    let mask = server.settings.notify_keyspace_events;
    if enabled(mask) {
        for e in &events {
            publish_event(server, None, mask, e);
        }
    }
}

fn touch_watchers(
    store: &Store,
    server: &mut ServerState,
    mut current: Option<&mut Client>,
    events: &[KeyEvent],
) {
    for e in events {
        if server.watches.is_empty() {
            return;
        }
        if e.modifies() {
            crate::watch::touch_key(
                &mut server.watches,
                &mut server.clients,
                current.as_deref_mut(),
                store,
                e.db,
                &e.key,
            );
        }
    }
}

/// The channel names of one event: (keyspace, keyevent).
pub fn channels(e: &KeyEvent) -> (Vec<u8>, Vec<u8>) {
    let mut space = format!("__keyspace@{}__:", e.db).into_bytes();
    space.extend_from_slice(&e.key);
    let event = format!("__keyevent@{}__:{}", e.db, e.name).into_bytes();
    (space, event)
}

fn publish_event(
    server: &mut ServerState,
    mut current: Option<(&mut Client, &mut BytesMut)>,
    mask: u32,
    e: &KeyEvent,
) {
    if e.class & mask == 0 {
        return;
    }
    let (space, event) = channels(e);
    let mut publish = |server: &mut ServerState, channel: &[u8], message: &[u8]| {
        let cur = current
            .as_mut()
            .map(|(client, out)| Current { client, out });
        crate::pubsub::publish_with(server, cur, Kind::Channel, channel, message);
    };
    if mask & notify::KEYSPACE != 0 {
        publish(server, &space, e.name.as_bytes());
    }
    if mask & notify::KEYEVENT != 0 {
        publish(server, &event, &e.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedis_store::events::class;

    #[test]
    fn enabled_needs_a_kind_and_a_class() {
        assert!(!enabled(0));
        assert!(!enabled(notify::KEYSPACE | notify::KEYEVENT));
        assert!(!enabled(notify::ALL));
        assert!(enabled(notify::KEYSPACE | notify::GENERIC));
        assert!(enabled(notify::KEYEVENT | notify::KEY_MISS));
    }

    #[test]
    fn class_bits_match_the_config_bits() {
        let pairs = [
            (class::GENERIC, notify::GENERIC),
            (class::STRING, notify::STRING),
            (class::LIST, notify::LIST),
            (class::SET, notify::SET),
            (class::HASH, notify::HASH),
            (class::ZSET, notify::ZSET),
            (class::EXPIRED, notify::EXPIRED),
            (class::EVICTED, notify::EVICTED),
            (class::STREAM, notify::STREAM),
            (class::KEY_MISS, notify::KEY_MISS),
            (class::NEW, notify::NEW),
        ];
        for (a, b) in pairs {
            assert_eq!(a, b);
        }
    }

    #[test]
    fn token_prefix_skips_headers_and_bulks() {
        let reply = b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n,2\r\n";
        assert_eq!(token_prefix(reply, 1), 4);
        assert_eq!(token_prefix(reply, 2), 11);
        assert_eq!(token_prefix(reply, 3), 15);
        assert_eq!(token_prefix(b"*2\r\n$5\r\nab", 2), 10);
        assert_eq!(token_prefix(b"*2", 1), 2);
    }

    #[test]
    fn reply_order_by_command() {
        let argv = |a: &[&str]| {
            a.iter()
                .map(|s| Bytes::from(s.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(reply_at("set", &argv(&["SET", "k", "get"])), None);
        assert!(reply_at("set", &argv(&["SET", "k", "v", "get"])).is_some());
        assert_eq!(reply_at("del", &argv(&["DEL", "k"])), None);
        assert_eq!(reply_at("zmpop", &[]).map(|r| r.inside), Some(3));
    }

    #[test]
    fn channel_names() {
        let e = KeyEvent {
            db: 3,
            key: b"k:1".to_vec(),
            name: "rename_to",
            class: class::GENERIC,
        };
        let (space, event) = channels(&e);
        assert_eq!(space, b"__keyspace@3__:k:1");
        assert_eq!(event, b"__keyevent@3__:rename_to");
    }
}
