//! Client-side caching (CLIENT TRACKING): which clients may hold which
//! keys, and the invalidation messages sent when those keys change.
//!
//! Two modes, as in Redis 7.0:
//! - **Default**: the keys of the read-only commands a tracking client
//!   runs are remembered in one table (key → client ids, across all
//!   databases). A change to a remembered key sends each of those clients
//!   one invalidation and forgets the key for them. OPTIN / OPTOUT with
//!   CLIENT CACHING decide per command whether keys are remembered.
//! - **BCAST**: no table. Every change to a key matching one of a client's
//!   prefixes is collected under that prefix and sent, sorted and
//!   deduplicated, once per batch ([`before_sleep`]).
//!
//! Delivery: a RESP3 client gets a push `invalidate [keys]`; with REDIRECT
//! the messages go to another client instead, as a push if it speaks RESP3
//! or, in RESP2, as a `__redis__:invalidate` pub/sub message if it is
//! subscribed. A flush (FLUSHALL/FLUSHDB) sends `invalidate` with a null.
//! Invalidations meant for the client whose command causes them are
//! deferred until that command (or its EXEC) has replied.
//!
//! The store reports changed keys through its event log
//! ([`crate::notify`] drains it and calls [`invalidate_key`]); the log is
//! recorded while [`Tracking::active`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bytes::{Bytes, BytesMut};
use cedis_resp::{Protocol, ReplyWriter};

use crate::client::{Client, ClientId, Clients};
use crate::state::ServerState;

/// One client's tracking settings (CLIENT TRACKING / CACHING).
#[derive(Debug, Default, Clone)]
pub struct ClientTracking {
    /// Tracking is on.
    pub on: bool,
    /// BCAST mode.
    pub bcast: bool,
    /// OPTIN mode.
    pub optin: bool,
    /// OPTOUT mode.
    pub optout: bool,
    /// NOLOOP: no invalidations for the client's own changes.
    pub noloop: bool,
    /// CLIENT CACHING was given for the next command.
    pub caching: bool,
    /// The redirect client went away.
    pub broken_redir: bool,
    /// REDIRECT client id (0: none).
    pub redirect: ClientId,
    /// BCAST prefixes (sorted).
    pub prefixes: BTreeSet<Vec<u8>>,
}

impl ClientTracking {
    /// Whether the next read-only command's keys are remembered.
    fn remembers(&self) -> bool {
        // OPTIN: only after CACHING YES; OPTOUT: unless CACHING NO.
        let wanted = if self.optin {
            self.caching
        } else {
            !(self.optout && self.caching)
        };
        self.on && !self.bcast && wanted
    }
}

/// One BCAST prefix: its clients and the keys changed since the last
/// broadcast (with the client that changed each, for NOLOOP; `None` when
/// several did or the server did).
#[derive(Debug, Default)]
struct Prefix {
    clients: BTreeSet<ClientId>,
    keys: BTreeMap<Vec<u8>, Option<ClientId>>,
}

/// An invalidation deferred until the running command has replied.
#[derive(Debug)]
enum Deferred {
    Key(Vec<u8>),
    Flush,
}

/// The server-wide tracking state.
#[derive(Debug, Default)]
pub struct Tracking {
    /// Key → ids of the clients that may cache it.
    table: HashMap<Vec<u8>, BTreeSet<ClientId>>,
    /// Sum of the id sets' sizes.
    items: usize,
    /// BCAST prefixes.
    prefixes: BTreeMap<Vec<u8>, Prefix>,
    /// Clients with tracking on.
    clients: usize,
    /// Invalidations for the running client.
    deferred: Vec<Deferred>,
    /// Consecutive table-limit passes that ran out of effort.
    limit_timeouts: usize,
}

impl Tracking {
    /// Whether key changes matter (the store must record them).
    pub fn active(&self) -> bool {
        self.clients > 0 || !self.table.is_empty()
    }

    /// Whether invalidations wait for the running command's end.
    pub fn has_deferred(&self) -> bool {
        !self.deferred.is_empty()
    }

    /// INFO `tracking_clients`.
    pub fn clients(&self) -> usize {
        self.clients
    }

    /// INFO `tracking_total_keys`.
    pub fn total_keys(&self) -> usize {
        self.table.len()
    }

    /// INFO `tracking_total_items`.
    pub fn total_items(&self) -> usize {
        self.items
    }

    /// INFO `tracking_total_prefixes`.
    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }

    /// Turns tracking on for `c` with the given (already validated)
    /// settings. `prefixes` only matter in BCAST mode (none: all keys).
    pub fn enable(&mut self, c: &mut Client, new: ClientTracking, prefixes: &[Vec<u8>]) {
        let t = &mut c.tracking;
        if !t.on {
            self.clients += 1;
        }
        let kept = std::mem::take(&mut t.prefixes);
        *t = ClientTracking {
            on: true,
            prefixes: kept,
            ..new
        };
        if t.bcast {
            let list: Vec<Vec<u8>> = if prefixes.is_empty() {
                vec![Vec::new()]
            } else {
                prefixes.to_vec()
            };
            for p in list {
                self.prefixes
                    .entry(p.clone())
                    .or_default()
                    .clients
                    .insert(c.id);
                t.prefixes.insert(p);
            }
        }
    }

    /// Turns tracking off for `c` (its keys stay in the table until
    /// they change, as in Redis).
    pub fn disable(&mut self, c: &mut Client) {
        let t = &mut c.tracking;
        if !t.on {
            return;
        }
        for p in std::mem::take(&mut t.prefixes) {
            if let Some(entry) = self.prefixes.get_mut(&p) {
                entry.clients.remove(&c.id);
                if entry.clients.is_empty() {
                    self.prefixes.remove(&p);
                }
            }
        }
        let redirect = t.redirect;
        *t = ClientTracking {
            redirect,
            ..Default::default()
        };
        self.clients -= 1;
    }

    /// Remembers that client `id` may cache `keys`.
    pub fn remember<'k>(&mut self, id: ClientId, keys: impl IntoIterator<Item = &'k [u8]>) {
        for k in keys {
            let ids = match self.table.get_mut(k) {
                Some(ids) => ids,
                None => self.table.entry(k.to_vec()).or_default(),
            };
            if ids.insert(id) {
                self.items += 1;
            }
        }
    }

    /// Forgets every remembered key (after a flush).
    fn clear_table(&mut self) {
        self.table = HashMap::new();
        self.items = 0;
    }

    /// The first prefix among `existing` or `new` that overlaps another
    /// (one is a prefix of the other): Redis's error text, if any.
    pub fn prefix_collision(existing: &BTreeSet<Vec<u8>>, new: &[Vec<u8>]) -> Option<String> {
        let overlap = |a: &[u8], b: &[u8]| a.starts_with(b) || b.starts_with(a);
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        for (i, p) in new.iter().enumerate() {
            if let Some(old) = existing.iter().find(|old| overlap(p, old)) {
                return Some(format!(
                    "ERR Prefix '{}' overlaps with an existing prefix '{}'. \
                     Prefixes for a single client must not overlap.",
                    s(p),
                    s(old)
                ));
            }
            if let Some(other) = new[i + 1..].iter().find(|o| overlap(p, o)) {
                return Some(format!(
                    "ERR Prefix '{}' overlaps with another provided prefix '{}'. \
                     Prefixes for a single client must not overlap.",
                    s(p),
                    s(other)
                ));
            }
        }
        None
    }
}

/// The running client and its reply buffer.
#[derive(Debug)]
pub struct Here<'a> {
    /// The client whose command is running.
    pub client: &'a mut Client,
    /// Its reply buffer.
    pub out: &'a mut BytesMut,
}

/// A client by id, the running one included, with its reply buffer if it
/// is the running one.
fn lookup<'b>(
    clients: &'b mut Clients,
    here: &'b mut Option<Here<'_>>,
    id: ClientId,
) -> Option<(&'b mut Client, Option<&'b mut BytesMut>)> {
    match here {
        Some(h) if h.client.id == id => Some((&mut *h.client, Some(&mut *h.out))),
        _ => clients.get_mut(id).filter(|c| !c.killed).map(|c| (c, None)),
    }
}

fn deliver(client: &mut Client, out: Option<&mut BytesMut>, bytes: Bytes) {
    match out {
        Some(out) => crate::pubsub::push_to_current(client, out, bytes),
        None => client.push_shared(bytes),
    }
}

/// What an invalidation carries.
enum Payload<'a> {
    Keys(&'a [&'a [u8]]),
    Null,
}

/// Sends one invalidation meant for tracking client `tid` (to it, or to
/// its redirect client).
fn send(clients: &mut Clients, here: &mut Option<Here<'_>>, tid: ClientId, payload: Payload<'_>) {
    let Some((t, _)) = lookup(clients, here, tid) else {
        return;
    };
    let tproto = t.proto;
    let redirect = t.tracking.redirect;
    let mut target = tid;
    if redirect != 0 {
        if lookup(clients, here, redirect).is_none() {
            if let Some((t, out)) = lookup(clients, here, tid) {
                t.tracking.broken_redir = true;
                if tproto == Protocol::Resp3 {
                    let mut buf = BytesMut::new();
                    let mut w = ReplyWriter::new(&mut buf, Protocol::Resp3);
                    w.push_header(2);
                    w.bulk(b"tracking-redir-broken");
                    w.integer(redirect as i64);
                    deliver(t, out, buf.freeze());
                }
            }
            return;
        }
        target = redirect;
    }
    let Some((r, out)) = lookup(clients, here, target) else {
        return;
    };
    let mut buf = BytesMut::new();
    if r.proto == Protocol::Resp3 {
        let mut w = ReplyWriter::new(&mut buf, Protocol::Resp3);
        w.push_header(2);
        w.bulk(b"invalidate");
    } else if target != tid && r.subs.is_subscribed() {
        let mut w = ReplyWriter::new(&mut buf, Protocol::Resp2);
        w.array_header(3);
        w.bulk(b"message");
        w.bulk(b"__redis__:invalidate");
    } else {
        return;
    }
    match payload {
        Payload::Keys(keys) => {
            let mut w = ReplyWriter::new(&mut buf, Protocol::Resp2);
            w.array_header(keys.len());
            for k in keys {
                w.bulk(k);
            }
        }
        // The null of the tracking client's protocol, as Redis sends it.
        Payload::Null => ReplyWriter::new(&mut buf, tproto).null(),
    }
    deliver(r, out, buf.freeze());
}

/// A key changed (`by`: the client whose command changed it, if any):
/// invalidates it for the clients that may cache it and records it for
/// the BCAST prefixes it matches. Invalidations for the running client
/// (`here`) wait for [`after_command`] when `defer` (the key changed while
/// its command ran), and go out at once otherwise (a key evicted before
/// the command, as Redis does).
pub fn invalidate_key(
    server: &mut ServerState,
    mut here: Option<Here<'_>>,
    key: &[u8],
    by: Option<ClientId>,
    defer: bool,
) {
    let ServerState {
        tracking, clients, ..
    } = server;
    if !tracking.prefixes.is_empty() {
        for (p, entry) in tracking.prefixes.iter_mut() {
            if key.starts_with(p) {
                match entry.keys.get_mut(key) {
                    Some(who) if *who != by => *who = None,
                    Some(_) => {}
                    None => {
                        entry.keys.insert(key.to_vec(), by);
                    }
                }
            }
        }
    }
    invalidate_table_key(tracking, clients, &mut here, key, by, defer);
}

/// Removes `key` from the table and invalidates it for its clients.
/// `defer`: messages for the running client wait for the end of its
/// command.
fn invalidate_table_key(
    tracking: &mut Tracking,
    clients: &mut Clients,
    here: &mut Option<Here<'_>>,
    key: &[u8],
    by: Option<ClientId>,
    defer: bool,
) {
    let Some(ids) = tracking.table.remove(key) else {
        return;
    };
    tracking.items -= ids.len();
    for id in ids {
        let Some((c, _)) = lookup(clients, here, id) else {
            continue;
        };
        let t = &c.tracking;
        if !t.on || t.bcast || (t.noloop && by == Some(id)) {
            continue;
        }
        if defer && here.as_ref().is_some_and(|h| h.client.id == id) {
            tracking.deferred.push(Deferred::Key(key.to_vec()));
            continue;
        }
        send(clients, here, id, Payload::Keys(&[key]));
    }
}

/// FLUSHALL / FLUSHDB: every tracking client gets the null invalidation
/// (the running one after the reply) and the table is emptied.
pub fn flush(server: &mut ServerState, client: &mut Client, out: &mut BytesMut) {
    let ServerState {
        tracking, clients, ..
    } = server;
    if tracking.clients > 0 {
        if client.tracking.on {
            tracking.deferred.push(Deferred::Flush);
        }
        let ids: Vec<ClientId> = clients
            .iter()
            .filter(|c| c.tracking.on)
            .map(|c| c.id)
            .collect();
        let mut here = Some(Here { client, out });
        for id in ids {
            send(clients, &mut here, id, Payload::Null);
        }
    }
    tracking.clear_table();
}

/// After a command: remembers the keys of a read-only command run by a
/// tracking client, ends a CLIENT CACHING's effect, and (outside EXEC)
/// sends the invalidations deferred for the client.
pub fn after_command(
    ctx: &mut crate::cmd::Ctx<'_>,
    command: &crate::cmd::table::Command,
    argv: &[Bytes],
) {
    use crate::cmd::table::flags;
    let t = &ctx.client.tracking;
    if t.on {
        if t.remembers() && command.spec.has(flags::READONLY) && !command.spec.has(flags::PUBSUB) {
            let keys = crate::cmd::command_keys(command, argv);
            let id = ctx.client.id;
            ctx.server.tracking.remember(
                id,
                keys.iter().filter_map(|k| argv.get(k.pos)).map(|b| &b[..]),
            );
        }
        if !ctx.client.tx.in_multi() && !command.full_name.starts_with("client|") {
            ctx.client.tracking.caching = false;
        }
    }
    if !ctx.server.tracking.deferred.is_empty() && !ctx.client.tx.executing() {
        send_deferred(ctx.server, ctx.client, ctx.out);
    }
}

fn send_deferred(server: &mut ServerState, client: &mut Client, out: &mut BytesMut) {
    let deferred = std::mem::take(&mut server.tracking.deferred);
    let id = client.id;
    let mut here = Some(Here { client, out });
    for d in deferred {
        match d {
            Deferred::Key(k) => send(&mut server.clients, &mut here, id, Payload::Keys(&[&k])),
            Deferred::Flush => send(&mut server.clients, &mut here, id, Payload::Null),
        }
    }
}

/// Between batches (Redis's beforeSleep): broadcasts the keys collected
/// for the BCAST prefixes and enforces `tracking-table-max-keys`.
/// `here` is the connection's client, if one is checked out.
pub fn before_sleep(server: &mut ServerState, here: Option<Here<'_>>) {
    if !server.tracking.active() {
        return;
    }
    let mut here = here;
    if let Some(h) = here.as_mut() {
        if !server.tracking.deferred.is_empty() {
            send_deferred(server, h.client, h.out);
        }
    }
    broadcast(server, &mut here);
    if !server.tracking.table.is_empty() {
        let max = server.config.tracking_table_max_keys();
        limit_table(
            server,
            &mut here,
            usize::try_from(max).unwrap_or(usize::MAX),
        );
    }
}

/// Before a command (Redis's processCommand, not inside EXEC): enforces
/// `tracking-table-max-keys`, so a pipelining client gets the invalidations
/// of evicted keys between its replies, where Redis sends them.
pub fn before_command(ctx: &mut crate::cmd::Ctx<'_>) {
    if ctx.server.tracking.table.is_empty() || ctx.client.tx.executing() {
        return;
    }
    let max = ctx.server.config.tracking_table_max_keys();
    let mut here = Some(Here {
        client: &mut *ctx.client,
        out: &mut *ctx.out,
    });
    limit_table(
        ctx.server,
        &mut here,
        usize::try_from(max).unwrap_or(usize::MAX),
    );
}

fn broadcast(server: &mut ServerState, here: &mut Option<Here<'_>>) {
    let ServerState {
        tracking, clients, ..
    } = server;
    for entry in tracking.prefixes.values_mut() {
        if entry.keys.is_empty() {
            continue;
        }
        let keys = std::mem::take(&mut entry.keys);
        for &id in &entry.clients {
            let Some((c, _)) = lookup(clients, here, id) else {
                continue;
            };
            let noloop = c.tracking.noloop;
            let list: Vec<&[u8]> = keys
                .iter()
                .filter(|(_, by)| !(noloop && **by == Some(id)))
                .map(|(k, _)| &k[..])
                .collect();
            if !list.is_empty() {
                send(clients, here, id, Payload::Keys(&list));
            }
        }
    }
}

/// Evicts keys from the table (invalidating them) while it holds more
/// than `max` (0: no limit), with a bounded effort per call that grows
/// while the table stays over the limit.
fn limit_table(server: &mut ServerState, here: &mut Option<Here<'_>>, max: usize) {
    let ServerState {
        tracking, clients, ..
    } = server;
    if max == 0 || tracking.table.len() <= max {
        tracking.limit_timeouts = 0;
        return;
    }
    let effort = 100 * (tracking.limit_timeouts + 1);
    let mut done = 0;
    while tracking.table.len() > max {
        if done == effort {
            tracking.limit_timeouts += 1;
            return;
        }
        let Some(key) = tracking.table.keys().next().cloned() else {
            break;
        };
        invalidate_table_key(tracking, clients, here, &key, None, false);
        done += 1;
    }
    tracking.limit_timeouts = 0;
}

/// A client is leaving.
pub fn remove_client(server: &mut ServerState, c: &mut Client) {
    server.tracking.disable(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: ClientId) -> Client {
        Client::new(id, String::new(), String::new(), -1, false, false)
    }

    #[test]
    fn prefix_collisions() {
        let none = BTreeSet::new();
        assert!(Tracking::prefix_collision(&none, &[b"a".to_vec(), b"b".to_vec()]).is_none());
        let e = Tracking::prefix_collision(&none, &[b"ab".to_vec(), b"a".to_vec()]).unwrap();
        assert_eq!(
            e,
            "ERR Prefix 'ab' overlaps with another provided prefix 'a'. \
             Prefixes for a single client must not overlap."
        );
        let old: BTreeSet<Vec<u8>> = [b"foo".to_vec()].into();
        let e = Tracking::prefix_collision(&old, &[b"fo".to_vec()]).unwrap();
        assert!(e.contains("overlaps with an existing prefix 'foo'"));
    }

    #[test]
    fn enable_disable_counts_and_prefixes() {
        let mut t = Tracking::default();
        let mut c = client(1);
        let bcast = ClientTracking {
            bcast: true,
            ..Default::default()
        };
        t.enable(&mut c, bcast.clone(), &[b"a".to_vec(), b"b".to_vec()]);
        assert_eq!((t.clients(), t.total_prefixes()), (1, 2));
        t.enable(&mut c, bcast, &[b"c".to_vec()]);
        assert_eq!((t.clients(), t.total_prefixes()), (1, 3));
        assert_eq!(c.tracking.prefixes.len(), 3);
        t.disable(&mut c);
        assert_eq!((t.clients(), t.total_prefixes()), (0, 0));
        assert!(!c.tracking.on);
    }

    #[test]
    fn remember_counts_items_once() {
        let mut t = Tracking::default();
        t.remember(1, [&b"k"[..], b"j"]);
        t.remember(1, [&b"k"[..]]);
        t.remember(2, [&b"k"[..]]);
        assert_eq!((t.total_keys(), t.total_items()), (2, 3));
        t.clear_table();
        assert_eq!((t.total_keys(), t.total_items()), (0, 0));
    }

    #[test]
    fn optin_optout_decide_remembering() {
        let mut t = ClientTracking {
            on: true,
            optin: true,
            ..Default::default()
        };
        assert!(!t.remembers());
        t.caching = true;
        assert!(t.remembers());
        t = ClientTracking {
            on: true,
            optout: true,
            ..Default::default()
        };
        assert!(t.remembers());
        t.caching = true;
        assert!(!t.remembers());
    }
}
