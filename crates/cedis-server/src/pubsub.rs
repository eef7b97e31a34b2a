//! The Pub/Sub registry: who listens to which channel, pattern and shard
//! channel, and the fan-out of a published message.
//!
//! Two indexes are kept in step: the server-wide one here ([`PubSub`],
//! channel → subscriber ids) that PUBLISH walks, and each client's own
//! [`Subscriptions`] (what it listens to) that UNSUBSCRIBE without
//! arguments, CLIENT LIST and disconnects walk. Every change goes through
//! [`PubSub::subscribe`], [`PubSub::unsubscribe`] and
//! [`PubSub::remove_client`], which update both.
//!
//! Fan-out costs O(subscribers + patterns) per message and copies the
//! payload once per protocol version, not once per subscriber: the frame is
//! encoded once as [`Bytes`] and each subscriber's queue gets a clone (a
//! reference count). A subscriber whose unwritten output passes
//! `client-output-buffer-limit pubsub` is disconnected on the spot and its
//! queue freed, so a reader that stalls cannot grow the server's memory
//! without bound.
//!
//! Measured (2-core shared VM, loopback): a subscriber that never reads and
//! a publisher pipelining 1024 × 100 KB PUBLISHes under the default
//! `pubsub 32mb 8mb 60`: the subscriber is closed once 32 MB are queued
//! (355 PUBLISHes counted it, 669 then returned 0, 2.8 MB reached its
//! socket: the same counts as redis-server 7.0.15), peak RSS 37 MB, back to
//! 5 MB after (redis-server: 40 MB, staying at 40 MB). The soft limit
//! (`pubsub 0 1mb 2`) closes it on the first PUBLISH more than 2 s after
//! it was first passed, as Redis does. Fan-out throughput
//! (`scripts/bench-pubsub.py`, 64-byte messages, redis-benchmark -c 4 -P 16,
//! release build): 1.1–1.4× redis-server with 1, 10 and 100 subscribers.
//!
//! Server-side publishers (keyspace notifications) call [`publish`] with
//! the state lock held; commands use `cmd::pubsub::publish_ctx`, which also
//! reaches the client that is running the command (checked out of the
//! registry, see [`crate::client::Clients::checkout`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use cedis_resp::{Protocol, ReplyWriter};

use crate::client::{Client, ClientId, Clients, ReplyMode};
use crate::config::{ClientClass, OutputBufferLimit};
use crate::state::ServerState;

/// The three subscription namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE / PUBLISH.
    Channel,
    /// PSUBSCRIBE (glob patterns over PUBLISH channels).
    Pattern,
    /// SSUBSCRIBE / SPUBLISH.
    Shard,
}

impl Kind {
    /// The confirmation frame's name for a subscription.
    pub fn subscribe_name(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"subscribe",
            Kind::Pattern => b"psubscribe",
            Kind::Shard => b"ssubscribe",
        }
    }

    /// The confirmation frame's name for an unsubscription.
    pub fn unsubscribe_name(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }
}

/// What one client is subscribed to.
#[derive(Debug, Default)]
pub struct Subscriptions {
    channels: HashSet<Bytes>,
    /// In subscription order, as PUNSUBSCRIBE without arguments replies.
    patterns: Vec<Bytes>,
    shard: HashSet<Bytes>,
}

impl Subscriptions {
    /// Channels (CLIENT LIST `sub=`).
    pub fn channels(&self) -> usize {
        self.channels.len()
    }

    /// Patterns (CLIENT LIST `psub=`).
    pub fn patterns(&self) -> usize {
        self.patterns.len()
    }

    /// Shard channels (CLIENT LIST `ssub=`).
    pub fn shard_channels(&self) -> usize {
        self.shard.len()
    }

    /// The count a (P)SUBSCRIBE / (P)UNSUBSCRIBE confirmation carries
    /// (channels plus patterns), or the shard count for the S variants.
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Channel | Kind::Pattern => self.channels.len() + self.patterns.len(),
            Kind::Shard => self.shard.len(),
        }
    }

    /// Subscribed to anything: the client is a pub/sub client (flag `P`,
    /// the `pubsub` class, and in RESP2 the restricted command set).
    pub fn is_subscribed(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty())
    }

    /// Whether the client listens to `name` in `kind`'s namespace.
    pub fn contains(&self, kind: Kind, name: &[u8]) -> bool {
        match kind {
            Kind::Channel => self.channels.contains(name),
            Kind::Pattern => self.patterns.iter().any(|p| p[..] == *name),
            Kind::Shard => self.shard.contains(name),
        }
    }

    /// Every name in `kind`'s namespace, in reply order.
    pub fn names(&self, kind: Kind) -> Vec<Bytes> {
        match kind {
            Kind::Channel => self.channels.iter().cloned().collect(),
            Kind::Pattern => self.patterns.clone(),
            Kind::Shard => self.shard.iter().cloned().collect(),
        }
    }

    fn insert(&mut self, kind: Kind, name: &Bytes) -> bool {
        match kind {
            Kind::Channel => self.channels.insert(name.clone()),
            Kind::Shard => self.shard.insert(name.clone()),
            Kind::Pattern => {
                if self.patterns.contains(name) {
                    return false;
                }
                self.patterns.push(name.clone());
                true
            }
        }
    }

    fn remove(&mut self, kind: Kind, name: &[u8]) -> bool {
        match kind {
            Kind::Channel => self.channels.remove(name),
            Kind::Shard => self.shard.remove(name),
            Kind::Pattern => match self.patterns.iter().position(|p| p[..] == *name) {
                Some(i) => {
                    self.patterns.remove(i);
                    true
                }
                None => false,
            },
        }
    }
}

/// The server-wide index: name → subscriber ids, per namespace.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: HashMap<Bytes, BTreeSet<ClientId>>,
    patterns: HashMap<Bytes, BTreeSet<ClientId>>,
    shard: HashMap<Bytes, BTreeSet<ClientId>>,
}

impl PubSub {
    fn map(&self, kind: Kind) -> &HashMap<Bytes, BTreeSet<ClientId>> {
        match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
            Kind::Shard => &self.shard,
        }
    }

    fn map_mut(&mut self, kind: Kind) -> &mut HashMap<Bytes, BTreeSet<ClientId>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// Subscribes `client`; false if it already was.
    pub fn subscribe(&mut self, client: &mut Client, kind: Kind, name: &Bytes) -> bool {
        if !client.subs.insert(kind, name) {
            return false;
        }
        self.map_mut(kind)
            .entry(name.clone())
            .or_default()
            .insert(client.id);
        true
    }

    /// Unsubscribes `client`; false if it was not subscribed.
    pub fn unsubscribe(&mut self, client: &mut Client, kind: Kind, name: &[u8]) -> bool {
        if !client.subs.remove(kind, name) {
            return false;
        }
        let map = self.map_mut(kind);
        if let Some(ids) = map.get_mut(name) {
            ids.remove(&client.id);
            if ids.is_empty() {
                map.remove(name);
            }
        }
        true
    }

    /// Drops every subscription of `client` (disconnect, RESET, output
    /// buffer limit).
    pub fn remove_client(&mut self, client: &mut Client) {
        if !client.subs.is_subscribed() {
            return;
        }
        for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
            for name in client.subs.names(kind) {
                self.unsubscribe(client, kind, &name);
            }
        }
    }

    /// Active names of a namespace (with at least one subscriber) matching
    /// the glob `pattern` (all when None): PUBSUB CHANNELS / SHARDCHANNELS.
    pub fn active(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Bytes> {
        self.map(kind)
            .keys()
            .filter(|name| pattern.is_none_or(|p| cedis_types::glob_match(p, name, false)))
            .cloned()
            .collect()
    }

    /// Subscribers of one name: PUBSUB NUMSUB / SHARDNUMSUB.
    pub fn numsub(&self, kind: Kind, name: &[u8]) -> usize {
        self.map(kind).get(name).map_or(0, |ids| ids.len())
    }

    /// Distinct names with subscribers (INFO `pubsub_channels`,
    /// `pubsub_patterns`, `pubsubshard_channels`; PUBSUB NUMPAT).
    pub fn len(&self, kind: Kind) -> usize {
        self.map(kind).len()
    }

    /// No subscription of any kind exists.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty()
    }
}

/// The client running the current command, checked out of the registry,
/// with the buffer its replies go to.
#[derive(Debug)]
pub struct Current<'a> {
    /// The running client.
    pub client: &'a mut Client,
    /// Its reply buffer.
    pub out: &'a mut BytesMut,
}

/// One message frame, encoded lazily at most once per protocol version.
struct Frame<'a> {
    parts: [&'a [u8]; 4],
    n: usize,
    resp2: Option<Bytes>,
    resp3: Option<Bytes>,
}

impl<'a> Frame<'a> {
    fn new(parts: &[&'a [u8]]) -> Frame<'a> {
        let mut p: [&[u8]; 4] = [b""; 4];
        p[..parts.len()].copy_from_slice(parts);
        Frame {
            parts: p,
            n: parts.len(),
            resp2: None,
            resp3: None,
        }
    }

    fn get(&mut self, proto: Protocol) -> Bytes {
        let slot = match proto {
            Protocol::Resp2 => &mut self.resp2,
            Protocol::Resp3 => &mut self.resp3,
        };
        if let Some(b) = slot {
            return b.clone();
        }
        let parts = &self.parts[..self.n];
        let size = 16 + parts.iter().map(|p| p.len() + 16).sum::<usize>();
        let mut buf = BytesMut::with_capacity(size);
        let mut w = ReplyWriter::new(&mut buf, proto);
        w.push_header(parts.len());
        for p in parts {
            w.bulk(p);
        }
        let b = buf.freeze();
        *slot = Some(b.clone());
        b
    }
}

/// Publishes from the server side (keyspace notifications): `message` on
/// `channel` to its subscribers and the matching patterns' subscribers.
/// Returns the number of receivers. No client is checked out: use
/// `cmd::pubsub::publish_ctx` from a command.
pub fn publish(server: &mut ServerState, channel: &[u8], message: &[u8]) -> usize {
    publish_with(server, None, Kind::Channel, channel, message)
}

/// Publishes `message` on `channel` (`kind` is [`Kind::Channel`] for
/// PUBLISH, [`Kind::Shard`] for SPUBLISH), delivering to `current` too if
/// it is subscribed. Returns the number of receivers (a client subscribed
/// to the channel and to matching patterns counts once per subscription,
/// as in Redis).
pub fn publish_with(
    server: &mut ServerState,
    mut current: Option<Current<'_>>,
    kind: Kind,
    channel: &[u8],
    message: &[u8],
) -> usize {
    let ServerState {
        pubsub,
        clients,
        settings,
        ..
    } = server;
    if pubsub.is_empty() {
        return 0;
    }
    let mut fanout = Fanout {
        clients,
        current: current.as_mut(),
        limit: settings.client_output_buffer_limit[ClientClass::Pubsub as usize],
        now: Instant::now(),
        killed: Vec::new(),
        receivers: 0,
    };
    let exact = if kind == Kind::Shard {
        &pubsub.shard
    } else {
        &pubsub.channels
    };
    if let Some(ids) = exact.get(channel) {
        let name: &[u8] = if kind == Kind::Shard {
            b"smessage"
        } else {
            b"message"
        };
        let mut frame = Frame::new(&[name, channel, message]);
        for &id in ids {
            fanout.deliver(id, &mut frame);
        }
    }
    if kind == Kind::Channel {
        for (pattern, ids) in &pubsub.patterns {
            if cedis_types::glob_match(pattern, channel, false) {
                let mut frame = Frame::new(&[&b"pmessage"[..], &pattern[..], channel, message]);
                for &id in ids {
                    fanout.deliver(id, &mut frame);
                }
            }
        }
    }
    let Fanout {
        killed, receivers, ..
    } = fanout;
    for id in killed {
        if let Some(c) = clients.get_mut(id) {
            pubsub.remove_client(c);
        }
    }
    receivers
}

/// One message's delivery to the subscribers of one or more names.
struct Fanout<'a, 'c> {
    clients: &'a mut Clients,
    current: Option<&'a mut Current<'c>>,
    limit: OutputBufferLimit,
    now: Instant,
    /// Subscribers disconnected for their output buffer: unsubscribed once
    /// the walk over the index is over.
    killed: Vec<ClientId>,
    receivers: usize,
}

impl Fanout<'_, '_> {
    fn deliver(&mut self, id: ClientId, frame: &mut Frame<'_>) {
        if let Some(cur) = self.current.as_deref_mut() {
            if cur.client.id == id {
                self.receivers += 1;
                let bytes = frame.get(cur.client.proto);
                push_to_current(cur.client, cur.out, bytes);
                return;
            }
        }
        let Some(c) = self.clients.get_mut(id) else {
            return;
        };
        if c.killed {
            return;
        }
        self.receivers += 1;
        c.push_shared(frame.get(c.proto));
        if limit_reached(
            c.output_bytes(),
            self.limit,
            &mut c.obuf_soft_since,
            self.now,
        ) {
            close_for_output_limit(c);
            self.killed.push(id);
        }
    }
}

/// Delivers a push to the running client: into its reply buffer, so it
/// comes before the command's own reply (Redis's order), unless replies
/// are off (CLIENT REPLY OFF / SKIP), which pushes bypass.
pub fn push_to_current(client: &mut Client, out: &mut BytesMut, bytes: Bytes) {
    match client.reply_mode {
        ReplyMode::On | ReplyMode::Skip => out.extend_from_slice(&bytes),
        ReplyMode::Off | ReplyMode::SkipThis => client.push_shared(bytes),
    }
}

/// Redis's soft/hard output buffer rule: over the hard limit, or over the
/// soft limit continuously for more than the soft seconds. `soft_since`
/// records when the soft limit was first passed (cleared when back under).
/// A zero limit is no limit.
pub fn limit_reached(
    used: usize,
    limit: OutputBufferLimit,
    soft_since: &mut Option<Instant>,
    now: Instant,
) -> bool {
    let used = used as u64;
    let hard = limit.hard > 0 && used >= limit.hard;
    let mut soft = limit.soft > 0 && used >= limit.soft;
    if soft {
        match *soft_since {
            None => {
                *soft_since = Some(now);
                soft = false;
            }
            Some(t) => {
                if now.saturating_duration_since(t).as_secs() <= limit.soft_seconds {
                    soft = false;
                }
            }
        }
    } else {
        *soft_since = None;
    }
    hard || soft
}

/// The `client-output-buffer-limit` class of a client.
pub fn class_of(client: &Client) -> ClientClass {
    if client.subs.is_subscribed() {
        ClientClass::Pubsub
    } else {
        ClientClass::Normal
    }
}

/// Checks a client's unwritten output against its class's limit (the
/// connection calls this after a batch, with the client checked out).
/// Returns true, having logged it and freed the queue, if the client must
/// be closed.
pub fn check_output_limit(
    settings: &crate::state::Settings,
    client: &mut Client,
    now: Instant,
) -> bool {
    let limit = settings.client_output_buffer_limit[class_of(client) as usize];
    if limit.hard == 0 && limit.soft == 0 {
        return false;
    }
    if limit_reached(
        client.output_bytes(),
        limit,
        &mut client.obuf_soft_since,
        now,
    ) {
        close_for_output_limit(client);
        return true;
    }
    false
}

/// Marks a client for closing because of its output buffer, frees what is
/// queued for it and logs as Redis does.
fn close_for_output_limit(c: &mut Client) {
    let mut line = String::new();
    crate::cmd::client_line(&mut line, c, 0);
    crate::log::warning(&format!(
        "Client {line} scheduled to be closed ASAP for overcoming of output buffer limits."
    ));
    c.killed = true;
    c.drop_pending();
    c.wake.notify_one();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn client(id: ClientId) -> Client {
        Client::new(
            id,
            format!("127.0.0.1:{id}"),
            String::new(),
            0,
            false,
            false,
        )
    }

    #[test]
    fn subscribe_and_unsubscribe_keep_both_indexes() {
        let mut ps = PubSub::default();
        let mut a = client(1);
        let mut b = client(2);
        let ch = Bytes::from_static(b"news");
        assert!(ps.subscribe(&mut a, Kind::Channel, &ch));
        assert!(!ps.subscribe(&mut a, Kind::Channel, &ch));
        assert!(ps.subscribe(&mut b, Kind::Channel, &ch));
        assert!(ps.subscribe(&mut a, Kind::Pattern, &Bytes::from_static(b"n*")));
        assert!(ps.subscribe(&mut b, Kind::Shard, &ch));
        assert_eq!(ps.numsub(Kind::Channel, b"news"), 2);
        assert_eq!(ps.numsub(Kind::Shard, b"news"), 1);
        assert_eq!(a.subs.count(Kind::Channel), 2);
        assert_eq!(b.subs.count(Kind::Channel), 1);
        assert_eq!(b.subs.count(Kind::Shard), 1);
        assert!(ps.unsubscribe(&mut a, Kind::Channel, b"news"));
        assert!(!ps.unsubscribe(&mut a, Kind::Channel, b"news"));
        assert_eq!(ps.numsub(Kind::Channel, b"news"), 1);
        ps.remove_client(&mut b);
        assert_eq!(ps.len(Kind::Channel), 0);
        assert_eq!(ps.len(Kind::Shard), 0);
        assert_eq!(ps.len(Kind::Pattern), 1);
        assert!(!b.subs.is_subscribed());
        ps.remove_client(&mut a);
        assert!(ps.is_empty());
    }

    #[test]
    fn active_filters_with_glob() {
        let mut ps = PubSub::default();
        let mut a = client(1);
        for n in ["foo", "fab", "bar"] {
            ps.subscribe(&mut a, Kind::Channel, &Bytes::from(n));
        }
        let mut v = ps.active(Kind::Channel, Some(b"f*"));
        v.sort();
        assert_eq!(v, vec![Bytes::from("fab"), Bytes::from("foo")]);
        assert_eq!(ps.active(Kind::Channel, None).len(), 3);
        assert!(ps.active(Kind::Shard, None).is_empty());
    }

    #[test]
    fn hard_limit_closes_at_once() {
        let l = OutputBufferLimit {
            hard: 100,
            soft: 0,
            soft_seconds: 0,
        };
        let now = Instant::now();
        let mut since = None;
        assert!(!limit_reached(99, l, &mut since, now));
        assert!(limit_reached(100, l, &mut since, now));
        let none = OutputBufferLimit {
            hard: 0,
            soft: 0,
            soft_seconds: 0,
        };
        assert!(!limit_reached(usize::MAX, none, &mut since, now));
    }

    #[test]
    fn soft_limit_needs_to_last() {
        let l = OutputBufferLimit {
            hard: 1000,
            soft: 100,
            soft_seconds: 2,
        };
        let t0 = Instant::now();
        let mut since = None;
        assert!(!limit_reached(150, l, &mut since, t0));
        assert_eq!(since, Some(t0));
        assert!(!limit_reached(
            150,
            l,
            &mut since,
            t0 + Duration::from_secs(2)
        ));
        // Back under the soft limit: the timer restarts.
        assert!(!limit_reached(
            50,
            l,
            &mut since,
            t0 + Duration::from_secs(2)
        ));
        assert_eq!(since, None);
        assert!(!limit_reached(
            150,
            l,
            &mut since,
            t0 + Duration::from_secs(3)
        ));
        assert!(limit_reached(
            150,
            l,
            &mut since,
            t0 + Duration::from_secs(6)
        ));
    }

    #[test]
    fn fanout_shares_one_frame_and_bounds_slow_subscribers() {
        let mut ps = PubSub::default();
        let mut clients = Clients::default();
        let ch = Bytes::from_static(b"ch");
        for id in 1..=3 {
            let mut c = client(id);
            ps.subscribe(&mut c, Kind::Channel, &ch);
            clients.add(c);
        }
        let mut fanout = Fanout {
            clients: &mut clients,
            current: None,
            limit: OutputBufferLimit {
                hard: 100,
                soft: 0,
                soft_seconds: 0,
            },
            now: Instant::now(),
            killed: Vec::new(),
            receivers: 0,
        };
        let payload = [b'x'; 30];
        let mut frame = Frame::new(&[&b"message"[..], b"ch", &payload]);
        for id in 1..=3 {
            fanout.deliver(id, &mut frame);
        }
        assert_eq!(fanout.receivers, 3);
        assert!(fanout.killed.is_empty());
        // One allocation shared by all three queues.
        let ptrs: Vec<*const u8> = (1..=3)
            .map(|id| fanout.clients.get_mut(id).unwrap().pending[0].as_ptr())
            .collect();
        assert!(ptrs.windows(2).all(|w| w[0] == w[1]));
        let frame_len = fanout.clients.get_mut(1).unwrap().pending_bytes;
        assert_eq!(
            frame_len,
            b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$30\r\n".len() + 32
        );
        // Client 2 drains its queue (the connection wrote it); 1 and 3
        // do not: the second message puts them over 100 bytes.
        fanout.clients.get_mut(2).unwrap().drop_pending();
        for id in 1..=3 {
            fanout.deliver(id, &mut frame);
        }
        assert_eq!(fanout.killed, vec![1, 3]);
        let c1 = fanout.clients.get_mut(1).unwrap();
        assert!(c1.killed);
        assert_eq!(c1.output_bytes(), 0);
        assert!(c1.pending.is_empty());
        assert_eq!(fanout.clients.get_mut(2).unwrap().pending.len(), 1);
        // Killed clients no longer receive.
        fanout.deliver(1, &mut frame);
        assert_eq!(fanout.receivers, 6);
        // Unwritten output held by the connection counts too.
        let c2 = fanout.clients.get_mut(2).unwrap();
        c2.unsent = 90;
        fanout.deliver(2, &mut frame);
        assert_eq!(fanout.killed, vec![1, 3, 2]);
    }

    #[test]
    fn frames_encode_per_protocol() {
        let mut f = Frame::new(&[&b"pmessage"[..], b"a*", b"ab", b"hi"]);
        assert_eq!(
            &f.get(Protocol::Resp2)[..],
            b"*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$2\r\nab\r\n$2\r\nhi\r\n"
        );
        assert_eq!(
            &f.get(Protocol::Resp3)[..],
            b">4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$2\r\nab\r\n$2\r\nhi\r\n"
        );
    }
}
