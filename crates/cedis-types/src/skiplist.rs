//! `ZSet`: Redis's sorted set (the `skiplist` encoding) on an arena skip
//! list.
//!
//! Elements are `(member, score)` pairs ordered by score, then by the
//! member's bytes (`memcmp`), exactly as Redis orders them. Scores are `f64`
//! compared as IEEE doubles, so `-0.0` and `0.0` are *equal* scores (ties
//! broken by member) while each member keeps the score it was given
//! (`ZADD z -0 b` then `ZSCORE z b` answers `-0` on a skiplist-encoded
//! zset). NaN is never stored: [`ZSet::insert`] rejects it (callers parse
//! and refuse NaN first) and [`ZSet::incr`] reports an `inf + -inf`.
//!
//! # Layout
//!
//! ```text
//!  nodes: Table<Node>        ── the member → node hash table *and* the node arena
//!     slot id (u32) ──▶ Node { member (inline ≤ 22 bytes, else boxed), score: f64,
//!                             backward: u32, fwd0: u32, upper: u32, level: u8 }   48 bytes
//!  upper: Vec<Link>           ── levels 1.. of the nodes that have them
//!     node.upper ──▶ [Link { fwd: u32, span: u32, fwd_upper: u32, score: f64 }; level - 1]
//!                                                      (20 bytes each, packed)
//!  head: [Link; 32]           ── the header's links, kept in the ZSet itself
//! ```
//!
//! * **One arena serves both indexes.** The nodes live in the slots of a
//!   [`Table`] (a chunked slab with stable `u32` ids and free-list reuse),
//!   so the member → node map costs no entry of its own: a lookup by member
//!   hashes into the table and lands on the node, which holds the score
//!   (`ZSCORE` is one hash probe). Skip-list links are those slot ids. The
//!   member is stored once, in the node: up to 22 bytes inline (no
//!   allocation: `member:123456` fits), longer ones boxed.
//! * **Levels are split.** Three nodes in four have level 1 (p = 1/4), so
//!   level 0's forward link lives in the node and its span is implicit
//!   (always 1); only nodes with level >= 2 get a block of `level - 1`
//!   links in the `upper` pool, 1/3 of a link per node on average. Freed
//!   blocks go on one free list per level and are reused by the next node
//!   of that level.
//! * **Links carry what the descent needs.** Each upper link holds, besides
//!   its target and span, a copy of the target's score and of its `upper`
//!   offset, so a descent walks the upper levels reading only the `upper`
//!   array (one cache miss per step, as Redis's node-embedded links) and
//!   reads a node only on level 0 or when scores tie and members must be
//!   compared. Every mutation keeps the copies exact: linking and
//!   unlinking copy whole links, and a score changed in place is written
//!   into the links that lead to its node (found by one search, needed
//!   only for nodes of level >= 2).
//! * **Spans** count the level-0 steps a link skips, as in Redis, so rank
//!   (`ZRANK`), rank access (`ZRANGE`), counting a range (`ZCOUNT`,
//!   `ZLEXCOUNT`) and deleting by rank are O(log n).
//! * **Randomness is the caller's:** [`ZSet::new`] takes a seed that keys
//!   the member hash and seeds a private splitmix64 stream for node levels
//!   (no global RNG); [`random_level`] turns one `u64` into a level (two
//!   bits per coin, so p = 1/4, capped at 32).
//!
//! # Costs
//!
//! Per element: 48 bytes of node + 4 bytes of table chain link in the slab,
//! 4-8 bytes of hash bucket (load factor 0.5-1), 20/3 bytes of upper links
//! on average (up to twice that while the pool's `Vec` has spare capacity),
//! plus the member's allocation if it is longer than 22 bytes. Measured by
//! the `memory_and_speed_1m` test (1M members `member:<i>`, random scores
//! in `0..1e6`): **66.9 bytes per element** from [`ZSet::memory_usage`]
//! (which counts the pool's spare capacity; process RSS grew 63.2 bytes
//! per element; 60.6 and 59.1 before the links carried scores).
//! redis-server 7.0.15 on the same data (`ZADD` in batches of 1000 to a
//! skiplist-encoded key): `used_memory` grew 109.8 bytes per element,
//! `MEMORY USAGE` 101.7.
//!
//! Operations: `score`/`contains` one hash lookup; `insert`, `remove`,
//! `rank`, `get_by_rank`, score changes that move the node, and locating a
//! range are O(log n) expected; a score change that keeps the node between
//! its neighbours is done in place; iterating is O(1) per element (forward
//! through level 0, backward through the `backward` links); deleting a
//! range of `m` elements is O(log n + m). Same run (release, 2 shared
//! vCPUs under load from other builds, not pinned, 1M elements, random
//! access order; before the links carried scores in brackets): `score`
//! 169 ns (187), `get_by_rank` 922 ns (889), `insert` 2.9 µs (5.5),
//! `rank` 3.2 µs (6.9), `update_score` (+1, mostly a move) 3.1 µs (4.1),
//! `remove` 3.1 µs (3.4), `range_by_score` of ~100 elements 1.0 µs (1.1).
//! At this size every step of the walk is a cache miss; before, a step on
//! an upper level cost two (the link, then the next node for its score and
//! its upper offset).
//!
//! # Lex ranges
//!
//! As in Redis, the `*_lex` operations order by member only and give
//! meaningful answers only when all elements have the same score; with
//! mixed scores they return some unspecified subrange but never panic.
//!
//! # What it does not do
//!
//! No I/O, no clock, no global state. It is only the large encoding: the
//! listpack encoding of small sorted sets, and the conversion between the
//! two, belong to the caller. Memory of removed nodes is reused by later
//! inserts (the table's slab and the upper pool do not shrink) and is all
//! released when the set becomes empty.

use std::fmt;

use crate::table::{EntryId, Table, TableEntry};

/// Highest level a node can have (Redis's `ZSKIPLIST_MAXLEVEL`).
pub const MAX_LEVEL: usize = 32;
/// "No node": end of a list, no backward node, no upper block.
const NIL: u32 = u32::MAX;
/// The header, which is not a table slot (table ids stay below this).
const HEAD: u32 = u32::MAX - 1;
/// Longest member stored inside the node.
const INLINE: usize = 22;

/// The level of a new node from one random `u64`: 1, plus one for each
/// leading pair of low-order zero bits (probability 1/4 each), at most
/// [`MAX_LEVEL`].
#[inline]
pub fn random_level(r: u64) -> usize {
    (1 + r.trailing_zeros() as usize / 2).min(MAX_LEVEL)
}

/// A score range bound: `value`, inclusive unless `exclusive` (Redis's
/// `(1.5` syntax). `f64::INFINITY` / `f64::NEG_INFINITY` are `+inf` / `-inf`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreBound {
    /// The bound.
    pub value: f64,
    /// Whether `value` itself is excluded.
    pub exclusive: bool,
}

impl ScoreBound {
    /// `value`, included.
    pub const fn inclusive(value: f64) -> Self {
        ScoreBound {
            value,
            exclusive: false,
        }
    }

    /// `value`, excluded.
    pub const fn exclusive(value: f64) -> Self {
        ScoreBound {
            value,
            exclusive: true,
        }
    }

    /// Whether `score` is at or above this bound taken as a minimum.
    #[inline]
    fn below_ok(&self, score: f64) -> bool {
        if self.exclusive {
            score > self.value
        } else {
            score >= self.value
        }
    }

    /// Whether `score` is at or below this bound taken as a maximum.
    #[inline]
    fn above_ok(&self, score: f64) -> bool {
        if self.exclusive {
            score < self.value
        } else {
            score <= self.value
        }
    }
}

/// A lex range bound (`ZRANGEBYLEX` syntax: `-`, `+`, `[member`, `(member`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[member`: this member, included.
    Inclusive(&'a [u8]),
    /// `(member`: this member, excluded.
    Exclusive(&'a [u8]),
}

impl LexBound<'_> {
    /// Whether `m` is at or above this bound taken as a minimum.
    #[inline]
    fn below_ok(&self, m: &[u8]) -> bool {
        match *self {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(b) => m >= b,
            LexBound::Exclusive(b) => m > b,
        }
    }

    /// Whether `m` is at or below this bound taken as a maximum.
    #[inline]
    fn above_ok(&self, m: &[u8]) -> bool {
        match *self {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(b) => m <= b,
            LexBound::Exclusive(b) => m < b,
        }
    }
}

/// [`ZSet::incr`] would have produced a NaN score (`inf + -inf`); the set
/// is unchanged. Redis replies "resulting score is not a number (NaN)".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NanScore;

impl fmt::Display for NanScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("resulting score is not a number (NaN)")
    }
}

impl std::error::Error for NanScore {}

/// A member, inline when short. 24 bytes; the spare tag values give
/// `Option<Node>` its niche.
#[derive(Clone)]
enum Member {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Member {
    fn new(m: &[u8]) -> Self {
        if m.len() <= INLINE {
            let mut buf = [0; INLINE];
            buf[..m.len()].copy_from_slice(m);
            Member::Inline {
                len: m.len() as u8,
                buf,
            }
        } else {
            Member::Heap(m.into())
        }
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        match self {
            Member::Inline { len, buf } => &buf[..usize::from(*len)],
            Member::Heap(b) => b,
        }
    }

    /// Bytes allocated outside the node.
    fn heap_len(&self) -> usize {
        match self {
            Member::Inline { .. } => 0,
            Member::Heap(b) => b.len(),
        }
    }

    fn into_vec(self) -> Vec<u8> {
        match self {
            Member::Inline { len, buf } => buf[..usize::from(len)].to_vec(),
            Member::Heap(b) => b.into_vec(),
        }
    }
}

/// A skip-list node, stored in a table slot.
#[derive(Clone)]
struct Node {
    member: Member,
    score: f64,
    /// Previous node on level 0, or `NIL` for the first.
    backward: u32,
    /// Next node on level 0, or `NIL` for the last (span implicitly 1).
    fwd0: u32,
    /// Offset in `ZSet::upper` of links for levels `1..level`, or `NIL`.
    upper: u32,
    level: u8,
}

impl TableEntry for Node {
    #[inline]
    fn key(&self) -> &[u8] {
        self.member.as_bytes()
    }
}

impl Node {
    /// Whether this node sorts before `(score, member)`.
    #[inline]
    fn before(&self, score: f64, member: &[u8]) -> bool {
        self.score < score || (self.score == score && self.member.as_bytes() < member)
    }
}

/// A forward link above level 0, with a copy of what a descent needs from
/// the node it leads to, so walking the upper levels reads this array only
/// and never the nodes. 20 bytes (`packed(4)`: the `f64` is read by value,
/// never borrowed).
#[derive(Clone, Copy, Debug)]
#[repr(C, packed(4))]
struct Link {
    fwd: u32,
    /// Level-0 steps from this node to `fwd` (or, for a `NIL` link, to one
    /// past the last node).
    span: u32,
    /// `fwd`'s `upper` offset (it has one: it is linked on this level).
    fwd_upper: u32,
    /// `fwd`'s score (bits included, `-0.0` stays `-0.0`).
    score: f64,
}

const NIL_LINK: Link = Link {
    fwd: NIL,
    span: 0,
    fwd_upper: NIL,
    score: 0.0,
};

/// The search path to a position: the last node before it on each level,
/// that node's `upper` offset (`HEAD` for the header) and its rank
/// (1-based, the header being 0).
struct Path {
    update: [u32; MAX_LEVEL],
    upper: [u32; MAX_LEVEL],
    rank: [u32; MAX_LEVEL],
}

impl Path {
    fn new() -> Self {
        Path {
            update: [HEAD; MAX_LEVEL],
            upper: [HEAD; MAX_LEVEL],
            rank: [0; MAX_LEVEL],
        }
    }
}

/// A sorted set. See the [module docs](self) for design and costs.
#[derive(Clone)]
pub struct ZSet {
    nodes: Table<Node>,
    upper: Vec<Link>,
    /// Free upper blocks by node level (threaded through the first link's
    /// `fwd`); indexes 0 and 1 are unused.
    free_upper: [u32; MAX_LEVEL + 1],
    /// The header's links; `head[0].span` is unused (implicitly 1).
    head: [Link; MAX_LEVEL],
    /// Last node, or `NIL`.
    tail: u32,
    /// Levels in use (1 when empty).
    level: usize,
    /// splitmix64 state for node levels.
    rng: u64,
    /// Bytes of members stored outside their nodes.
    heap_bytes: usize,
}

impl fmt::Debug for ZSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZSet")
            .field("len", &self.len())
            .field("level", &self.level)
            .field("upper_links", &self.upper.len())
            .finish_non_exhaustive()
    }
}

impl ZSet {
    /// An empty sorted set. `seed` keys the member hash (seed it from a
    /// real random source: it defends against hash flooding) and seeds the
    /// stream of node levels. Allocates nothing until the first insert.
    pub fn new(seed: u64) -> Self {
        ZSet {
            nodes: Table::with_seed(seed),
            upper: Vec::new(),
            free_upper: [NIL; MAX_LEVEL + 1],
            head: [NIL_LINK; MAX_LEVEL],
            tail: NIL,
            level: 1,
            rng: seed ^ 0x5DEE_CE66_D1CE_4E5B,
            heap_bytes: 0,
        }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the set is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The score of `member`.
    #[inline]
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.nodes.get(member).map(|n| n.score)
    }

    /// Whether `member` is in the set.
    #[inline]
    pub fn contains(&self, member: &[u8]) -> bool {
        self.nodes.find(member).is_some()
    }

    /// Adds `member` with `score`, or sets the score of an existing member
    /// (as [`ZSet::update_score`]). Returns whether the member is new.
    ///
    /// # Panics
    ///
    /// If `score` is NaN (callers reject NaN when parsing).
    pub fn insert(&mut self, member: &[u8], score: f64) -> bool {
        assert!(!score.is_nan(), "NaN score");
        let hash = self.nodes.hash_key(member);
        if let Some(id) = self.nodes.find_hashed(hash, member) {
            self.set_score(id.as_u32(), score);
            return false;
        }
        assert!(self.len() < (HEAD - 1) as usize, "sorted set full");
        let path = self.search(score, member);
        let level = random_level(self.next_random());
        let upper = self.alloc_upper(level);
        let m = Member::new(member);
        self.heap_bytes += m.heap_len();
        // `insert_new_hashed` does not advance an incremental rehash (the
        // table's other mutators do): move one bucket per insert, as
        // Redis's dict does, or the table would stay mid-rehash and its
        // chains would grow without bound.
        if self.nodes.is_rehashing() {
            self.nodes.rehash_step(1);
        }
        let id = self.nodes.insert_new_hashed(
            hash,
            Node {
                member: m,
                score,
                backward: NIL,
                fwd0: NIL,
                upper,
                level: level as u8,
            },
        );
        self.link(id.as_u32(), path);
        true
    }

    /// Sets the score of an existing member and returns its old score;
    /// `None` (and no change) if the member is absent. A new score equal to
    /// the old one (`==`, so `-0.0` for `0.0`) keeps the old one, as Redis.
    ///
    /// # Panics
    ///
    /// If `score` is NaN.
    pub fn update_score(&mut self, member: &[u8], score: f64) -> Option<f64> {
        assert!(!score.is_nan(), "NaN score");
        let id = self.nodes.find(member)?.as_u32();
        Some(self.set_score(id, score))
    }

    /// Adds `by` to the score of `member` (which starts at `by` if absent,
    /// as `ZINCRBY`: a new member given `-0` gets `-0`) and returns the new
    /// score. A NaN result (`inf + -inf`, or `by` NaN) changes nothing.
    pub fn incr(&mut self, member: &[u8], by: f64) -> Result<f64, NanScore> {
        let new = match self.score(member) {
            Some(old) => old + by,
            None => by,
        };
        if new.is_nan() {
            return Err(NanScore);
        }
        self.insert(member, new);
        Ok(new)
    }

    /// Removes `member`. Returns whether it was present.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        let Some(id) = self.nodes.find(member) else {
            return false;
        };
        let id = id.as_u32();
        let score = self.node(id).score;
        let path = self.search(score, member);
        self.delete(id, &path);
        true
    }

    /// The 0-based rank of `member`, counted from the lowest score, or from
    /// the highest if `reverse`.
    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<usize> {
        let id = self.nodes.find(member)?.as_u32();
        let score = self.node(id).score;
        // Walk to the last node <= (score, member): that is the member.
        let (rank, x) = self.descend(|s, n| s < score || (s == score && self.member(n) <= member));
        debug_assert_eq!(x, id);
        let rank = rank - 1;
        Some(if reverse { self.len() - 1 - rank } else { rank })
    }

    /// The element at 0-based `rank` (lowest score first).
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        let id = self.node_at(rank)?;
        let n = self.node(id);
        Some((n.member.as_bytes(), n.score))
    }

    /// All elements, lowest score first.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            set: self,
            cur: self.head[0].fwd,
            left: self.len(),
            reverse: false,
        }
    }

    /// Elements from 0-based `rank` upwards (`ZRANGE z rank -1`).
    pub fn iter_from(&self, rank: usize) -> Iter<'_> {
        Iter {
            set: self,
            cur: self.node_at(rank).unwrap_or(NIL),
            left: self.len().saturating_sub(rank),
            reverse: false,
        }
    }

    /// Elements from 0-based `rank` (counted from the lowest score)
    /// downwards to the lowest (`ZRANGE z 0 rank REV` is this from
    /// `len - 1`; a rank past the end starts at the last element).
    pub fn rev_iter_from(&self, rank: usize) -> Iter<'_> {
        let rank = rank.min(self.len().saturating_sub(1));
        Iter {
            set: self,
            cur: self.node_at(rank).unwrap_or(NIL),
            left: if self.is_empty() { 0 } else { rank + 1 },
            reverse: true,
        }
    }

    // ---- score ranges --------------------------------------------------

    /// Ranks `lo..hi` of the elements within `[min, max]`: `lo` counts the
    /// elements below `min`, `hi` those at or below `max`.
    fn score_ranks(&self, min: &ScoreBound, max: &ScoreBound) -> (usize, u32, usize, u32) {
        let (lo, before) = self.descend(|s, _| !min.below_ok(s));
        let (hi, last) = self.descend(|s, _| max.above_ok(s));
        (lo, self.next0(before), hi, last)
    }

    /// Elements with `min <= score <= max` (bounds as given), lowest first.
    pub fn range_by_score(&self, min: ScoreBound, max: ScoreBound) -> Iter<'_> {
        let (lo, first, hi, _) = self.score_ranks(&min, &max);
        self.iter_between(lo, first, hi, false)
    }

    /// Elements in the score range, highest first (`ZREVRANGEBYSCORE`).
    pub fn rev_range_by_score(&self, min: ScoreBound, max: ScoreBound) -> Iter<'_> {
        let (lo, _, hi, last) = self.score_ranks(&min, &max);
        self.iter_between(lo, last, hi, true)
    }

    /// Number of elements in the score range (`ZCOUNT`).
    pub fn count_in_score_range(&self, min: ScoreBound, max: ScoreBound) -> usize {
        let (lo, _, hi, _) = self.score_ranks(&min, &max);
        hi.saturating_sub(lo)
    }

    /// Rank of the lowest element in the score range.
    pub fn first_in_score_range(&self, min: ScoreBound, max: ScoreBound) -> Option<usize> {
        let (lo, _, hi, _) = self.score_ranks(&min, &max);
        (hi > lo).then_some(lo)
    }

    /// Rank of the highest element in the score range.
    pub fn last_in_score_range(&self, min: ScoreBound, max: ScoreBound) -> Option<usize> {
        let (lo, _, hi, _) = self.score_ranks(&min, &max);
        (hi > lo).then(|| hi - 1)
    }

    /// Removes the elements in the score range (`ZREMRANGEBYSCORE`);
    /// returns how many.
    pub fn delete_range_by_score(&mut self, min: ScoreBound, max: ScoreBound) -> usize {
        let (lo, _, hi, _) = self.score_ranks(&min, &max);
        self.delete_ranks(lo, hi.saturating_sub(lo), None)
    }

    // ---- lex ranges ----------------------------------------------------

    fn lex_ranks(&self, min: &LexBound<'_>, max: &LexBound<'_>) -> (usize, u32, usize, u32) {
        let (lo, before) = self.descend(|_, n| !min.below_ok(self.member(n)));
        let (hi, last) = self.descend(|_, n| max.above_ok(self.member(n)));
        (lo, self.next0(before), hi, last)
    }

    /// Elements with members in `[min, max]`, lowest first
    /// (`ZRANGEBYLEX`; all scores must be equal, see the module docs).
    pub fn range_by_lex(&self, min: LexBound<'_>, max: LexBound<'_>) -> Iter<'_> {
        let (lo, first, hi, _) = self.lex_ranks(&min, &max);
        self.iter_between(lo, first, hi, false)
    }

    /// Elements in the lex range, highest first (`ZREVRANGEBYLEX`).
    pub fn rev_range_by_lex(&self, min: LexBound<'_>, max: LexBound<'_>) -> Iter<'_> {
        let (lo, _, hi, last) = self.lex_ranks(&min, &max);
        self.iter_between(lo, last, hi, true)
    }

    /// Number of elements in the lex range (`ZLEXCOUNT`).
    pub fn count_in_lex_range(&self, min: LexBound<'_>, max: LexBound<'_>) -> usize {
        let (lo, _, hi, _) = self.lex_ranks(&min, &max);
        hi.saturating_sub(lo)
    }

    /// Rank of the lowest element in the lex range.
    pub fn first_in_lex_range(&self, min: LexBound<'_>, max: LexBound<'_>) -> Option<usize> {
        let (lo, _, hi, _) = self.lex_ranks(&min, &max);
        (hi > lo).then_some(lo)
    }

    /// Rank of the highest element in the lex range.
    pub fn last_in_lex_range(&self, min: LexBound<'_>, max: LexBound<'_>) -> Option<usize> {
        let (lo, _, hi, _) = self.lex_ranks(&min, &max);
        (hi > lo).then(|| hi - 1)
    }

    /// Removes the elements in the lex range (`ZREMRANGEBYLEX`); returns
    /// how many.
    pub fn delete_range_by_lex(&mut self, min: LexBound<'_>, max: LexBound<'_>) -> usize {
        let (lo, _, hi, _) = self.lex_ranks(&min, &max);
        self.delete_ranks(lo, hi.saturating_sub(lo), None)
    }

    // ---- rank ranges, pops, random -------------------------------------

    /// Removes the elements with 0-based ranks `start..=end` (`end` past
    /// the last element means up to the last; `ZREMRANGEBYRANK` after the
    /// caller has resolved negative indexes). Returns how many.
    pub fn delete_range_by_rank(&mut self, start: usize, end: usize) -> usize {
        let end = end.min(self.len().saturating_sub(1));
        if start >= self.len() || start > end {
            return 0;
        }
        self.delete_ranks(start, end - start + 1, None)
    }

    /// Removes and returns up to `count` elements with the lowest scores,
    /// lowest first (`ZPOPMIN`).
    pub fn pop_min(&mut self, count: usize) -> Vec<(Vec<u8>, f64)> {
        let k = count.min(self.len());
        let mut out = Vec::with_capacity(k);
        self.delete_ranks(0, k, Some(&mut out));
        out
    }

    /// Removes and returns up to `count` elements with the highest scores,
    /// highest first (`ZPOPMAX`).
    pub fn pop_max(&mut self, count: usize) -> Vec<(Vec<u8>, f64)> {
        let k = count.min(self.len());
        let mut out = Vec::with_capacity(k);
        self.delete_ranks(self.len() - k, k, Some(&mut out));
        out.reverse();
        out
    }

    /// A uniformly chosen element, from one random `u64` (O(log n)).
    pub fn random_member(&self, r: u64) -> Option<(&[u8], f64)> {
        let rank = ((u128::from(r) * self.len() as u128) >> 64) as usize;
        self.get_by_rank(rank)
    }

    /// Removes every element and frees all memory (the seed is kept).
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.upper = Vec::new();
        self.free_upper = [NIL; MAX_LEVEL + 1];
        self.head = [NIL_LINK; MAX_LEVEL];
        self.tail = NIL;
        self.level = 1;
        self.heap_bytes = 0;
    }

    /// One step of Redis's SCAN over the members (the member table's
    /// reverse-binary bucket cursor, so members present for the whole scan
    /// are reported even if others come and go in between): calls `f` for
    /// each member of the next bucket(s) and returns the next cursor (0
    /// when done).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], f64)) -> u64 {
        self.nodes
            .scan(cursor, |_, n| f(n.member.as_bytes(), n.score))
    }

    /// Bytes held: the node table (nodes, chain links, buckets), the upper
    /// link pool and members stored outside their nodes (their requested
    /// sizes; the allocator's rounding is not counted).
    pub fn memory_usage(&self) -> usize {
        std::mem::size_of::<Self>() - std::mem::size_of::<Table<Node>>()
            + self.nodes.memory_usage()
            + self.upper.capacity() * std::mem::size_of::<Link>()
            + self.heap_bytes
    }

    // ---- internals -----------------------------------------------------

    #[inline]
    fn next_random(&mut self) -> u64 {
        // splitmix64
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[inline]
    fn node(&self, id: u32) -> &Node {
        self.nodes
            .entry_by_id(EntryId::from_u32(id))
            .expect("skip list links a live node")
    }

    #[inline]
    fn node_mut(&mut self, id: u32) -> &mut Node {
        self.nodes
            .entry_by_id_mut(EntryId::from_u32(id))
            .expect("skip list links a live node")
    }

    /// Next node of `x` (a node or `HEAD`) on level 0.
    #[inline]
    fn next0(&self, x: u32) -> u32 {
        if x == HEAD {
            self.head[0].fwd
        } else {
            self.node(x).fwd0
        }
    }

    /// Sets the next node of `x` (a node or `HEAD`) on level 0.
    #[inline]
    fn set_next0(&mut self, x: u32, next: u32) {
        if x == HEAD {
            self.head[0].fwd = next;
        } else {
            self.node_mut(x).fwd0 = next;
        }
    }

    /// The link on level `l >= 1` of the node whose upper block is at `xu`
    /// (`HEAD`: the header's link).
    #[inline]
    fn ulink(&self, xu: u32, l: usize) -> Link {
        debug_assert!(l >= 1);
        if xu == HEAD {
            self.head[l]
        } else {
            self.upper[xu as usize + l - 1]
        }
    }

    /// The link on level `l >= 1` of the node whose upper block is at `xu`.
    #[inline]
    fn ulink_mut(&mut self, xu: u32, l: usize) -> &mut Link {
        debug_assert!(l >= 1);
        if xu == HEAD {
            &mut self.head[l]
        } else {
            &mut self.upper[xu as usize + l - 1]
        }
    }

    #[inline]
    fn set_backward(&mut self, x: u32, backward: u32) {
        if x == NIL {
            self.tail = backward;
        } else {
            self.node_mut(x).backward = backward;
        }
    }

    /// Walks down from the header through levels `self.level - 1` to
    /// `bottom` (0 or 1). On each level it moves forward while
    /// `go(rank, score, id)` holds for the next node (`rank` being that
    /// node's 1-based rank; `go` must hold for a prefix of the list), then
    /// calls `at(level, x, x_upper, rank)` with the last node reached (`x`
    /// may be `HEAD`, and `x_upper` is meaningless on level 0). Returns
    /// that node's rank and id.
    ///
    /// Above level 0 it reads only the upper links, whose cached score and
    /// `upper` offset of the next node spare a visit to each node passed:
    /// a node is read only when `go` asks for its member, and on level 0.
    #[inline(always)]
    fn walk(
        &self,
        bottom: usize,
        go: impl Fn(u32, f64, u32) -> bool,
        mut at: impl FnMut(usize, u32, u32, u32),
    ) -> (u32, u32) {
        let (mut x, mut xu, mut rank) = (HEAD, HEAD, 0u32);
        for l in (bottom.max(1)..self.level).rev() {
            loop {
                let link = self.ulink(xu, l);
                if link.fwd == NIL || !go(rank + link.span, link.score, link.fwd) {
                    break;
                }
                rank += link.span;
                x = link.fwd;
                xu = link.fwd_upper;
            }
            at(l, x, xu, rank);
        }
        if bottom == 0 {
            loop {
                let nx = self.next0(x);
                if nx == NIL || !go(rank + 1, self.node(nx).score, nx) {
                    break;
                }
                rank += 1;
                x = nx;
            }
            at(0, x, NIL, rank);
        }
        (rank, x)
    }

    /// Walks down while `go(score, id)` holds (for a prefix of the list).
    /// Returns how many nodes it holds for and the last of them (`HEAD` if
    /// none).
    #[inline]
    fn descend(&self, go: impl Fn(f64, u32) -> bool) -> (usize, u32) {
        let (rank, x) = self.walk(0, |_, s, id| go(s, id), |_, _, _, _| {});
        (rank as usize, x)
    }

    /// The member of node `id`.
    #[inline]
    fn member(&self, id: u32) -> &[u8] {
        self.node(id).member.as_bytes()
    }

    /// The search path to where `(score, member)` sorts.
    fn search(&self, score: f64, member: &[u8]) -> Path {
        let mut path = Path::new();
        self.walk(
            0,
            |_, s, id| s < score || (s == score && self.member(id) < member),
            |l, x, xu, rank| {
                path.update[l] = x;
                path.upper[l] = xu;
                path.rank[l] = rank;
            },
        );
        path
    }

    /// The node at 0-based `rank`.
    fn node_at(&self, rank: usize) -> Option<u32> {
        if rank >= self.len() {
            return None;
        }
        // Links above level 0 take us to the node or before it; level 0 is
        // then a known number of steps.
        let target = rank as u32 + 1;
        let (mut r, mut x) = self.walk(1, |r, _, _| r <= target, |_, _, _, _| {});
        while r < target {
            x = self.next0(x);
            r += 1;
        }
        Some(x)
    }

    /// The search path to the node at 0-based `rank`, as [`ZSet::search`]
    /// would find it.
    fn path_to_rank(&self, rank: usize) -> Path {
        let mut path = Path::new();
        let rank = rank as u32;
        let (mut r, mut x) = self.walk(
            1,
            |r, _, _| r <= rank,
            |l, x, xu, r| {
                path.update[l] = x;
                path.upper[l] = xu;
                path.rank[l] = r;
            },
        );
        while r < rank {
            x = self.next0(x);
            r += 1;
        }
        path.update[0] = x;
        path.rank[0] = r;
        path
    }

    fn iter_between(&self, lo: usize, start: u32, hi: usize, reverse: bool) -> Iter<'_> {
        let left = hi.saturating_sub(lo);
        Iter {
            set: self,
            cur: if left == 0 { NIL } else { start },
            left,
            reverse,
        }
    }

    /// An upper block for a node of `level`, or `NIL` for level 1.
    fn alloc_upper(&mut self, level: usize) -> u32 {
        if level == 1 {
            return NIL;
        }
        let head = self.free_upper[level];
        if head != NIL {
            self.free_upper[level] = self.upper[head as usize].fwd;
            return head;
        }
        let at = self.upper.len();
        assert!(at + level < HEAD as usize, "upper link pool full");
        self.upper.resize(at + level - 1, NIL_LINK);
        at as u32
    }

    fn free_upper_block(&mut self, at: u32, level: usize) {
        if level > 1 {
            self.upper[at as usize].fwd = self.free_upper[level];
            self.free_upper[level] = at;
        }
    }

    /// Links node `id` (in the table, not in the list) at `path`.
    fn link(&mut self, id: u32, mut path: Path) {
        let n = self.node(id);
        let (level, iu, score) = (usize::from(n.level), n.upper, n.score);
        let others = (self.len() - 1) as u32;
        if level > self.level {
            for l in self.level..level {
                path.update[l] = HEAD;
                path.upper[l] = HEAD;
                path.rank[l] = 0;
                self.head[l].span = others;
            }
            self.level = level;
        }
        let r0 = path.rank[0];
        let prev = path.update[0];
        let next = self.next0(prev);
        self.node_mut(id).fwd0 = next;
        self.set_next0(prev, id);
        for l in 1..level {
            let uu = path.upper[l];
            let gap = r0 - path.rank[l];
            let old = self.ulink(uu, l);
            *self.ulink_mut(iu, l) = Link {
                span: old.span - gap,
                ..old
            };
            *self.ulink_mut(uu, l) = Link {
                fwd: id,
                span: gap + 1,
                fwd_upper: iu,
                score,
            };
        }
        for l in level..self.level {
            self.ulink_mut(path.upper[l], l).span += 1;
        }
        self.node_mut(id).backward = if prev == HEAD { NIL } else { prev };
        self.set_backward(next, id);
    }

    /// Unlinks node `id`, whose predecessors on each level are in `path`,
    /// leaving it in the table.
    fn unlink(&mut self, id: u32, path: &Path) {
        let n = self.node(id);
        let (iu, next, prev) = (n.upper, n.fwd0, n.backward);
        debug_assert_eq!(self.next0(path.update[0]), id);
        self.set_next0(path.update[0], next);
        for l in 1..self.level {
            let uu = path.upper[l];
            let ul = self.ulink(uu, l);
            if ul.fwd == id {
                let il = self.ulink(iu, l);
                *self.ulink_mut(uu, l) = Link {
                    span: ul.span + il.span - 1,
                    ..il
                };
            } else {
                self.ulink_mut(uu, l).span -= 1;
            }
        }
        self.set_backward(next, prev);
        while self.level > 1 && self.head[self.level - 1].fwd == NIL {
            self.level -= 1;
        }
    }

    /// Unlinks node `id` and removes it from the table.
    fn delete(&mut self, id: u32, path: &Path) -> Node {
        self.unlink(id, path);
        let n = self
            .nodes
            .remove_by_id(EntryId::from_u32(id))
            .expect("live node");
        self.free_upper_block(n.upper, usize::from(n.level));
        self.heap_bytes -= n.member.heap_len();
        if self.nodes.is_empty() {
            self.clear();
        }
        n
    }

    /// Sets the score of node `id`, moving it if its order changes.
    /// Returns the old score.
    fn set_score(&mut self, id: u32, score: f64) -> f64 {
        let n = self.node(id);
        let old = n.score;
        if score == old {
            return old;
        }
        let (prev, next, level) = (n.backward, n.fwd0, usize::from(n.level));
        let member = n.member.as_bytes();
        let after_prev = prev == NIL || self.node(prev).before(score, member);
        let before_next = next == NIL || {
            let m = self.node(next);
            score < m.score || (score == m.score && member < m.member.as_bytes())
        };
        // The links into a node of level > 1 cache its score: find them
        // (by the old score) in either case.
        let path = (level > 1 || !(after_prev && before_next)).then(|| self.search(old, member));
        let Some(path) = path else {
            self.node_mut(id).score = score;
            return old;
        };
        if after_prev && before_next {
            self.node_mut(id).score = score;
            for l in 1..level {
                self.ulink_mut(path.upper[l], l).score = score;
            }
            return old;
        }
        // Move it: unlink, rescore, relink (same node, same level).
        self.unlink(id, &path);
        self.node_mut(id).score = score;
        let path = self.search(score, self.member(id));
        self.link(id, path);
        old
    }

    /// Deletes `count` nodes starting at 0-based rank `start`, optionally
    /// collecting them. Returns `count`.
    fn delete_ranks(
        &mut self,
        start: usize,
        count: usize,
        mut out: Option<&mut Vec<(Vec<u8>, f64)>>,
    ) -> usize {
        if count == 0 {
            return 0;
        }
        let path = self.path_to_rank(start);
        let mut x = self.next0(path.update[0]);
        for _ in 0..count {
            let next = self.node(x).fwd0;
            let n = self.delete(x, &path);
            if let Some(out) = out.as_deref_mut() {
                out.push((n.member.into_vec(), n.score));
            }
            x = next;
        }
        count
    }

    /// The forward link of `x` (a node or `HEAD`) on level `l` and its span
    /// (1 on level 0).
    #[cfg(test)]
    fn fwd_span(&self, x: u32, l: usize) -> (u32, u32) {
        if l == 0 {
            return (self.next0(x), 1);
        }
        let xu = if x == HEAD { HEAD } else { self.node(x).upper };
        let link = self.ulink(xu, l);
        (link.fwd, link.span)
    }

    /// Checks every structural invariant; panics on violation.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        let len = self.len();
        // Level 0: order, backward links, tail, count.
        let mut x = self.head[0].fwd;
        let mut prev = NIL;
        let mut order = Vec::with_capacity(len);
        while x != NIL {
            let n = self.node(x);
            assert!(!n.score.is_nan());
            assert_eq!(n.backward, prev, "backward link");
            if prev != NIL {
                let p = self.node(prev);
                assert!(p.before(n.score, n.member.as_bytes()), "order");
            }
            assert!(usize::from(n.level) >= 1 && usize::from(n.level) <= self.level);
            assert_eq!(n.upper == NIL, n.level == 1);
            order.push(x);
            prev = x;
            x = n.fwd0;
        }
        assert_eq!(order.len(), len);
        assert_eq!(self.tail, prev);
        let rank_of: std::collections::HashMap<u32, usize> = order
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i + 1))
            .collect();
        // Higher levels: each node of level > l appears in order; spans
        // match rank differences.
        for l in 1..self.level {
            let mut x = HEAD;
            let mut r = 0usize;
            loop {
                let (nx, span) = self.fwd_span(x, l);
                let span = span as usize;
                if nx == NIL {
                    assert_eq!(r + span, len, "span of a NIL link, level {l}");
                    break;
                }
                let rn = rank_of[&nx];
                assert_eq!(r + span, rn, "span, level {l}");
                let n = self.node(nx);
                assert!(usize::from(n.level) > l);
                // The link's copies of the next node's score and upper
                // offset are exact.
                let xu = if x == HEAD { HEAD } else { self.node(x).upper };
                let link = self.ulink(xu, l);
                assert_eq!(
                    link.score.to_bits(),
                    n.score.to_bits(),
                    "cached score, level {l}"
                );
                assert_eq!(link.fwd_upper, n.upper, "cached upper offset, level {l}");
                r = rn;
                x = nx;
            }
            let expected = order
                .iter()
                .filter(|&&id| usize::from(self.node(id).level) > l)
                .count();
            let mut count = 0;
            let mut x = self.head[l].fwd;
            while x != NIL {
                count += 1;
                x = self.fwd_span(x, l).0;
            }
            assert_eq!(count, expected, "level {l} membership");
        }
        assert!(self.level == 1 || self.head[self.level - 1].fwd != NIL);
        for l in self.level..MAX_LEVEL {
            assert_eq!(self.head[l].fwd, NIL);
        }
        let heap: usize = order
            .iter()
            .map(|&id| self.node(id).member.heap_len())
            .sum();
        assert_eq!(heap, self.heap_bytes);
    }
}

/// Iterator over elements of a [`ZSet`] as `(member, score)`, in one
/// direction, a known number of them.
#[derive(Clone)]
pub struct Iter<'a> {
    set: &'a ZSet,
    cur: u32,
    left: usize,
    reverse: bool,
}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("left", &self.left)
            .field("reverse", &self.reverse)
            .finish_non_exhaustive()
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 || self.cur == NIL {
            return None;
        }
        let n = self.set.node(self.cur);
        self.left -= 1;
        self.cur = if self.reverse { n.backward } else { n.fwd0 };
        Some((n.member.as_bytes(), n.score))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests;
