//! Sorted set values and their operations: `listpack` (member, score pairs
//! ordered by score then member) while there are at most
//! `zset-max-listpack-entries` members, each at most
//! `zset-max-listpack-value` bytes; `skiplist` (the arena skip list of
//! [`cedis_types::skiplist::ZSet`]) beyond. A sorted set never converts back
//! on its own, as in Redis; stored results (ZUNIONSTORE, ZRANGESTORE ...)
//! choose their encoding by size, as Redis's do.
//!
//! The small encoding is kept as a sorted vector of pairs rather than
//! listpack bytes: the operations are the same O(n) walks Redis does on its
//! listpack, and `OBJECT ENCODING` reports `listpack`. As in Redis's
//! listpack (which stores the score as text), a `-0` score is kept as `0`
//! there, while the skiplist keeps `-0`.
//!
//! Every read goes through ranks: a score or lex range is turned into the
//! forward ranks of its first and last element, then REV / LIMIT are rank
//! arithmetic, so both encodings share one code path for replies.

use std::borrow::Cow;
use std::collections::HashMap;

use cedis_types::glob::glob_match;
use cedis_types::skiplist::{LexBound, ScoreBound, ZSet};
use rand::Rng;

use crate::entry::Entry;
use crate::events::class;
use crate::set::SetValue;
use crate::value::Value;
use crate::{Result, Status, Store};

/// (member, score) pairs in reply order.
pub type Pairs = Vec<(Vec<u8>, f64)>;

/// A sorted set value.
#[derive(Debug, Clone)]
pub enum ZSetValue {
    /// `listpack`: pairs by ascending (score, member).
    Listpack(Vec<(Box<[u8]>, f64)>),
    /// `skiplist`.
    Skiplist(Box<ZSet>),
}

/// An owned lex bound (`-`, `+`, `[m`, `(m`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lex {
    /// `-`.
    Min,
    /// `+`.
    Max,
    /// `[m`.
    Incl(Vec<u8>),
    /// `(m`.
    Excl(Vec<u8>),
}

impl Lex {
    /// Parses Redis's lex range item; `None` for an invalid one.
    pub fn parse(s: &[u8]) -> Option<Lex> {
        match s.first()? {
            b'-' if s.len() == 1 => Some(Lex::Min),
            b'+' if s.len() == 1 => Some(Lex::Max),
            b'[' => Some(Lex::Incl(s[1..].to_vec())),
            b'(' => Some(Lex::Excl(s[1..].to_vec())),
            _ => None,
        }
    }

    fn bound(&self) -> LexBound<'_> {
        match self {
            Lex::Min => LexBound::Min,
            Lex::Max => LexBound::Max,
            Lex::Incl(m) => LexBound::Inclusive(m),
            Lex::Excl(m) => LexBound::Exclusive(m),
        }
    }

    fn gte_min(&self, m: &[u8]) -> bool {
        match self {
            Lex::Min => true,
            Lex::Max => false,
            Lex::Incl(b) => m >= &b[..],
            Lex::Excl(b) => m > &b[..],
        }
    }

    fn lte_max(&self, m: &[u8]) -> bool {
        match self {
            Lex::Min => false,
            Lex::Max => true,
            Lex::Incl(b) => m <= &b[..],
            Lex::Excl(b) => m < &b[..],
        }
    }
}

fn score_gte_min(b: &ScoreBound, s: f64) -> bool {
    if b.exclusive {
        s > b.value
    } else {
        s >= b.value
    }
}

fn score_lte_max(b: &ScoreBound, s: f64) -> bool {
    if b.exclusive {
        s < b.value
    } else {
        s <= b.value
    }
}

/// Which elements a range command selects.
#[derive(Debug, Clone)]
pub enum Range {
    /// `start stop` ranks (negative from the end), in the order of `rev`.
    Rank(i64, i64),
    /// A score interval.
    Score(ScoreBound, ScoreBound),
    /// A lex interval.
    Lex(Lex, Lex),
}

/// A range query: what, in which direction, and `LIMIT offset count`
/// (`count < 0`: all).
#[derive(Debug, Clone)]
pub struct RangeQuery {
    /// The selection (for `rev`, score/lex bounds are still `min, max`).
    pub range: Range,
    /// Highest first.
    pub rev: bool,
    /// `LIMIT` offset.
    pub offset: i64,
    /// `LIMIT` count; negative for no limit.
    pub limit: i64,
}

/// ZADD's options.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZAddFlags {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update when the new score is greater.
    pub gt: bool,
    /// Only update when the new score is less.
    pub lt: bool,
    /// Add the score to the existing one.
    pub incr: bool,
}

/// What ZADD did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ZAddOutcome {
    /// New members.
    pub added: usize,
    /// Existing members whose score changed.
    pub updated: usize,
    /// For INCR: the new score, or `None` when nothing was done.
    pub score: Option<f64>,
    /// INCR produced NaN (nothing changed).
    pub nan: bool,
}

/// How ZUNION/ZINTER combine scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Sum (the default).
    Sum,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
}

/// The set operation of ZUNION/ZINTER/ZDIFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZSetOp {
    /// Union.
    Union,
    /// Intersection.
    Inter,
    /// Difference (first minus the others).
    Diff,
}

fn lp_score(s: f64) -> f64 {
    // A listpack keeps the score as text, where `-0` reads back as `0`.
    if s == 0.0 {
        0.0
    } else {
        s
    }
}

fn lp_cmp(a: (&[u8], f64), b: (&[u8], f64)) -> std::cmp::Ordering {
    a.1.partial_cmp(&b.1)
        .unwrap_or(std::cmp::Ordering::Equal)
        .then_with(|| a.0.cmp(b.0))
}

impl ZSetValue {
    /// `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            ZSetValue::Listpack(_) => "listpack",
            ZSetValue::Skiplist(_) => "skiplist",
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            ZSetValue::Listpack(v) => v.len(),
            ZSetValue::Skiplist(z) => z.len(),
        }
    }

    /// True when there are no members (empty sorted sets are deleted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            ZSetValue::Listpack(v) => v.iter().map(|(m, _)| m.len() + 11).sum::<usize>() + 7,
            ZSetValue::Skiplist(z) => z.memory_usage(),
        }
    }

    /// Builds a sorted set from pairs (any order, distinct members), with
    /// the encoding Redis gives a stored result of this size.
    pub fn from_pairs(
        mut pairs: Vec<(Vec<u8>, f64)>,
        max_entries: usize,
        max_value: usize,
        seed: u64,
    ) -> ZSetValue {
        let small = pairs.len() <= max_entries && pairs.iter().all(|(m, _)| m.len() <= max_value);
        if small {
            for p in pairs.iter_mut() {
                p.1 = lp_score(p.1);
            }
            pairs.sort_by(|a, b| lp_cmp((&a.0, a.1), (&b.0, b.1)));
            ZSetValue::Listpack(
                pairs
                    .into_iter()
                    .map(|(m, s)| (m.into_boxed_slice(), s))
                    .collect(),
            )
        } else {
            let mut z = ZSet::new(seed);
            for (m, s) in pairs {
                z.insert(&m, s);
            }
            ZSetValue::Skiplist(Box::new(z))
        }
    }

    /// The score of `m`.
    pub fn score(&self, m: &[u8]) -> Option<f64> {
        match self {
            ZSetValue::Listpack(v) => v.iter().find(|(x, _)| &x[..] == m).map(|(_, s)| *s),
            ZSetValue::Skiplist(z) => z.score(m),
        }
    }

    /// The 0-based rank of `m` (from the highest if `rev`).
    pub fn rank(&self, m: &[u8], rev: bool) -> Option<usize> {
        match self {
            ZSetValue::Listpack(v) => {
                let r = v.iter().position(|(x, _)| &x[..] == m)?;
                Some(if rev { v.len() - 1 - r } else { r })
            }
            ZSetValue::Skiplist(z) => z.rank(m, rev),
        }
    }

    pub(crate) fn convert(&mut self, seed: u64) {
        if let ZSetValue::Listpack(v) = self {
            let mut z = ZSet::new(seed);
            for (m, s) in v.iter() {
                z.insert(m, *s);
            }
            *self = ZSetValue::Skiplist(Box::new(z));
        }
    }

    /// Sets `m`'s score (adding it if new), converting to `skiplist` first
    /// when the listpack would outgrow the limits. Returns whether it is new.
    fn set(&mut self, m: &[u8], s: f64, max_entries: usize, max_value: usize, seed: u64) -> bool {
        if let ZSetValue::Listpack(v) = self {
            let exists = v.iter().any(|(x, _)| &x[..] == m);
            if !exists && (v.len() + 1 > max_entries || m.len() > max_value) {
                self.convert(seed);
            }
        }
        match self {
            ZSetValue::Listpack(v) => {
                let s = lp_score(s);
                let old = v.iter().position(|(x, _)| &x[..] == m);
                if let Some(i) = old {
                    if v[i].1 == s {
                        return false;
                    }
                    v.remove(i);
                }
                let at = v.partition_point(|(x, xs)| lp_cmp((x, *xs), (m, s)).is_lt());
                v.insert(at, (m.into(), s));
                old.is_none()
            }
            ZSetValue::Skiplist(z) => z.insert(m, s),
        }
    }

    fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            ZSetValue::Listpack(v) => match v.iter().position(|(x, _)| &x[..] == m) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            ZSetValue::Skiplist(z) => z.remove(m),
        }
    }

    /// Forward ranks `[first, last]` of a score range, if not empty.
    fn score_ranks(&self, min: ScoreBound, max: ScoreBound) -> Option<(usize, usize)> {
        match self {
            ZSetValue::Listpack(v) => {
                let a = v.partition_point(|(_, s)| !score_gte_min(&min, *s));
                let b = v.partition_point(|(_, s)| score_lte_max(&max, *s));
                // Scores are sorted, but `b` counts from the start: recount
                // within [a..] to stay correct for inverted ranges.
                let b = b.max(a);
                if a < v.len() && b > a && score_lte_max(&max, v[a].1) {
                    Some((a, b - 1))
                } else {
                    None
                }
            }
            ZSetValue::Skiplist(z) => {
                let a = z.first_in_score_range(min, max)?;
                let b = z.last_in_score_range(min, max)?;
                (a <= b).then_some((a, b))
            }
        }
    }

    /// Forward ranks `[first, last]` of a lex range, if not empty.
    fn lex_ranks(&self, min: &Lex, max: &Lex) -> Option<(usize, usize)> {
        match self {
            ZSetValue::Listpack(v) => {
                let a = v.iter().position(|(m, _)| min.gte_min(m))?;
                if !max.lte_max(&v[a].0) {
                    return None;
                }
                let b = v.iter().rposition(|(m, _)| max.lte_max(m))?;
                if !min.gte_min(&v[b].0) || b < a {
                    return None;
                }
                Some((a, b))
            }
            ZSetValue::Skiplist(z) => {
                let a = z.first_in_lex_range(min.bound(), max.bound())?;
                let b = z.last_in_lex_range(min.bound(), max.bound())?;
                (a <= b).then_some((a, b))
            }
        }
    }

    /// Elements at forward ranks `first..=last`, lowest first, or highest
    /// first if `rev`.
    fn ranks(&self, first: usize, last: usize, rev: bool) -> Vec<(Vec<u8>, f64)> {
        if first > last || first >= self.len() {
            return Vec::new();
        }
        let last = last.min(self.len() - 1);
        let n = last - first + 1;
        match self {
            ZSetValue::Listpack(v) => {
                let it = v[first..=last].iter().map(|(m, s)| (m.to_vec(), *s));
                if rev {
                    it.rev().collect()
                } else {
                    it.collect()
                }
            }
            ZSetValue::Skiplist(z) => {
                if rev {
                    z.rev_iter_from(last)
                        .take(n)
                        .map(|(m, s)| (m.to_vec(), s))
                        .collect()
                } else {
                    z.iter_from(first)
                        .take(n)
                        .map(|(m, s)| (m.to_vec(), s))
                        .collect()
                }
            }
        }
    }

    fn delete_ranks(&mut self, first: usize, last: usize) -> usize {
        match self {
            ZSetValue::Listpack(v) => {
                if first >= v.len() || first > last {
                    return 0;
                }
                let last = last.min(v.len() - 1);
                v.drain(first..=last);
                last - first + 1
            }
            ZSetValue::Skiplist(z) => z.delete_range_by_rank(first, last),
        }
    }

    /// All pairs, lowest first.
    pub fn pairs(&self) -> Vec<(Vec<u8>, f64)> {
        if self.is_empty() {
            return Vec::new();
        }
        self.ranks(0, self.len() - 1, false)
    }

    /// Forward ranks selected by `range` (after REV's rank mapping, before
    /// LIMIT), if any.
    fn select(&self, range: &Range, rev: bool) -> Option<(usize, usize)> {
        let len = self.len() as i64;
        match range {
            Range::Rank(start, end) => {
                let (mut s, mut e) = (*start, *end);
                if s < 0 {
                    s += len;
                }
                if e < 0 {
                    e += len;
                }
                s = s.max(0);
                if s > e || s >= len {
                    return None;
                }
                e = e.min(len - 1);
                if rev {
                    Some(((len - 1 - e) as usize, (len - 1 - s) as usize))
                } else {
                    Some((s as usize, e as usize))
                }
            }
            Range::Score(min, max) => self.score_ranks(*min, *max),
            Range::Lex(min, max) => self.lex_ranks(min, max),
        }
    }

    /// Applies LIMIT to forward ranks `[a, b]` walked in direction `rev`.
    fn limit(a: usize, b: usize, rev: bool, offset: i64, limit: i64) -> Option<(usize, usize)> {
        if offset < 0 {
            return None;
        }
        let n = b - a + 1;
        let off = usize::try_from(offset).unwrap_or(usize::MAX);
        if off >= n {
            return None;
        }
        let avail = n - off;
        let take = if limit < 0 {
            avail
        } else {
            avail.min(usize::try_from(limit).unwrap_or(usize::MAX))
        };
        if take == 0 {
            return None;
        }
        if rev {
            Some((b - off + 1 - take, b - off))
        } else {
            Some((a + off, a + off + take - 1))
        }
    }

    /// The elements a range query selects, in reply order.
    pub fn query(&self, q: &RangeQuery) -> Vec<(Vec<u8>, f64)> {
        // Score ranges on the skip list walk from one descent instead of
        // computing both end ranks and descending again (ZRANGEBYSCORE ...
        // LIMIT is the hot case).
        if let (ZSetValue::Skiplist(z), Range::Score(min, max)) = (self, &q.range) {
            if q.offset < 0 {
                return Vec::new();
            }
            let skip = usize::try_from(q.offset).unwrap_or(usize::MAX);
            let take = usize::try_from(q.limit).unwrap_or(usize::MAX);
            let it = if q.rev {
                z.rev_range_by_score(*min, *max)
            } else {
                z.range_by_score(*min, *max)
            };
            return it
                .skip(skip)
                .take(take)
                .map(|(m, s)| (m.to_vec(), s))
                .collect();
        }
        let Some((a, b)) = self.select(&q.range, q.rev) else {
            return Vec::new();
        };
        let sel = match q.range {
            Range::Rank(..) => Some((a, b)),
            _ => Self::limit(a, b, q.rev, q.offset, q.limit),
        };
        match sel {
            Some((a, b)) => self.ranks(a, b, q.rev),
            None => Vec::new(),
        }
    }

    /// Digest walk: pairs in order.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            ZSetValue::Listpack(v) => v.iter().for_each(|(m, s)| f(m, *s)),
            ZSetValue::Skiplist(z) => z.iter().for_each(|(m, s)| f(m, s)),
        }
    }
}

fn zset_ref(e: &Entry) -> Result<&ZSetValue> {
    match e.value() {
        Cow::Borrowed(Value::ZSet(z)) => Ok(z),
        _ => Err(Status::WrongType),
    }
}

fn zset_mut(v: &mut Value) -> Result<&mut ZSetValue> {
    match v {
        Value::ZSet(z) => Ok(z),
        _ => Err(Status::WrongType),
    }
}

/// Pairs of a ZUNION/ZINTER/ZDIFF input: a sorted set, or a set (score 1).
fn input_pairs(e: &Entry) -> Result<Vec<(Vec<u8>, f64)>> {
    match e.value() {
        Cow::Borrowed(Value::ZSet(z)) => Ok(z.pairs()),
        Cow::Borrowed(Value::Set(s)) => Ok(set_members(s).into_iter().map(|m| (m, 1.0)).collect()),
        _ => Err(Status::WrongType),
    }
}

fn set_members(s: &SetValue) -> Vec<Vec<u8>> {
    s.members()
}

fn aggregate(agg: Aggregate, acc: &mut f64, v: f64) {
    match agg {
        Aggregate::Sum => {
            *acc += v;
            if acc.is_nan() {
                *acc = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *acc {
                *acc = v
            }
        }
        Aggregate::Max => {
            if v > *acc {
                *acc = v
            }
        }
    }
}

impl Store {
    fn zset_read(&mut self, db: usize, key: &[u8]) -> Result<Option<&ZSetValue>> {
        match self.lookup_read(db, key) {
            Some(e) => zset_ref(e).map(Some),
            None => Ok(None),
        }
    }

    fn zset_drop_if_empty(&mut self, db: usize, key: &[u8]) {
        let empty = self
            .lookup_object(db, key)
            .is_some_and(|e| matches!(e.value_mut(), Value::ZSet(z) if z.is_empty()));
        if empty {
            self.db_mut(db).remove(key);
            self.notify(db, key, "del", class::GENERIC);
        }
    }

    /// ZADD / ZINCRBY. Scores are parsed (and NaN rejected) by the caller.
    pub fn zset_add(
        &mut self,
        db: usize,
        key: &[u8],
        f: ZAddFlags,
        pairs: &[(f64, &[u8])],
    ) -> Result<ZAddOutcome> {
        let (max_entries, max_value) = (
            self.config.zset_max_listpack_entries,
            self.config.zset_max_listpack_value,
        );
        let seed = self.rng.gen();
        let mut out = ZAddOutcome::default();
        let exists = match self.lookup_write(db, key) {
            Some(e) => {
                zset_mut(e.value_mut())?;
                true
            }
            None => false,
        };
        if !exists {
            if f.xx {
                return Ok(out);
            }
            let entry = self.new_entry(key, Value::ZSet(ZSetValue::Listpack(Vec::new())));
            self.put(db, entry, false);
        }
        let Some(e) = self.lookup_write(db, key) else {
            return Ok(out);
        };
        let z = zset_mut(e.value_mut())?;
        for &(score, m) in pairs {
            match z.score(m) {
                Some(cur) => {
                    if f.nx {
                        continue;
                    }
                    let mut new = score;
                    if f.incr {
                        new = cur + score;
                        if new.is_nan() {
                            out.nan = true;
                            break;
                        }
                    }
                    if (f.lt && new >= cur) || (f.gt && new <= cur) {
                        continue;
                    }
                    out.score = Some(new);
                    if new != cur {
                        z.set(m, new, max_entries, max_value, seed);
                        out.updated += 1;
                    }
                }
                None => {
                    if f.xx {
                        continue;
                    }
                    z.set(m, score, max_entries, max_value, seed);
                    out.added += 1;
                    out.score = Some(score);
                }
            }
        }
        let empty = z.is_empty();
        if empty {
            self.db_mut(db).remove(key);
        }
        if out.added + out.updated > 0 {
            self.stats.dirty += (out.added + out.updated) as u64;
            let ev = if f.incr { "zincr" } else { "zadd" };
            self.notify(db, key, ev, class::ZSET);
        }
        Ok(out)
    }

    /// ZREM: how many members were removed.
    pub fn zset_rem<M: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        members: &[M],
    ) -> Result<usize> {
        let Some(e) = self.lookup_write(db, key) else {
            return Ok(0);
        };
        let z = zset_mut(e.value_mut())?;
        let mut n = 0;
        for m in members {
            if z.remove(m.as_ref()) {
                n += 1;
                if z.is_empty() {
                    break;
                }
            }
        }
        if n > 0 {
            self.stats.dirty += n as u64;
            self.notify(db, key, "zrem", class::ZSET);
            self.zset_drop_if_empty(db, key);
        }
        Ok(n)
    }

    /// Whether `key` holds a sorted set (WRONGTYPE for another type).
    pub fn zset_exists(&mut self, db: usize, key: &[u8]) -> Result<bool> {
        match self.lookup_write(db, key) {
            Some(e) => zset_ref(e).map(|_| true),
            None => Ok(false),
        }
    }

    /// ZCARD.
    pub fn zset_card(&mut self, db: usize, key: &[u8]) -> Result<usize> {
        Ok(self.zset_read(db, key)?.map_or(0, |z| z.len()))
    }

    /// ZSCORE / ZMSCORE.
    pub fn zset_scores<M: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        members: &[M],
    ) -> Result<Vec<Option<f64>>> {
        let z = self.zset_read(db, key)?;
        Ok(members
            .iter()
            .map(|m| z.and_then(|z| z.score(m.as_ref())))
            .collect())
    }

    /// ZRANK / ZREVRANK.
    pub fn zset_rank(
        &mut self,
        db: usize,
        key: &[u8],
        m: &[u8],
        rev: bool,
    ) -> Result<Option<usize>> {
        Ok(self.zset_read(db, key)?.and_then(|z| z.rank(m, rev)))
    }

    /// ZCOUNT / ZLEXCOUNT (a `Range::Score` or `Range::Lex`).
    pub fn zset_count(&mut self, db: usize, key: &[u8], range: &Range) -> Result<usize> {
        Ok(self
            .zset_read(db, key)?
            .and_then(|z| z.select(range, false))
            .map_or(0, |(a, b)| b - a + 1))
    }

    /// The ZRANGE family: the selected pairs in reply order.
    pub fn zset_range(
        &mut self,
        db: usize,
        key: &[u8],
        q: &RangeQuery,
    ) -> Result<Vec<(Vec<u8>, f64)>> {
        Ok(self
            .zset_read(db, key)?
            .map_or_else(Vec::new, |z| z.query(q)))
    }

    /// ZREMRANGEBYRANK/SCORE/LEX: how many were removed.
    pub fn zset_rem_range(&mut self, db: usize, key: &[u8], range: &Range) -> Result<usize> {
        let Some(e) = self.lookup_write(db, key) else {
            return Ok(0);
        };
        let z = zset_mut(e.value_mut())?;
        let n = match z.select(range, false) {
            Some((a, b)) => z.delete_ranks(a, b),
            None => 0,
        };
        if n > 0 {
            let ev = match range {
                Range::Rank(..) => "zremrangebyrank",
                Range::Score(..) => "zremrangebyscore",
                Range::Lex(..) => "zremrangebylex",
            };
            self.stats.dirty += n as u64;
            self.notify(db, key, ev, class::ZSET);
            self.zset_drop_if_empty(db, key);
        }
        Ok(n)
    }

    /// ZPOPMIN / ZPOPMAX: `None` for a missing key.
    pub fn zset_pop(
        &mut self,
        db: usize,
        key: &[u8],
        max: bool,
        count: usize,
    ) -> Result<Option<Pairs>> {
        let Some(e) = self.lookup_write(db, key) else {
            return Ok(None);
        };
        let z = zset_mut(e.value_mut())?;
        let n = count.min(z.len());
        if n == 0 {
            return Ok(Some(Vec::new()));
        }
        let len = z.len();
        let out = if max {
            z.ranks(len - n, len - 1, true)
        } else {
            z.ranks(0, n - 1, false)
        };
        if max {
            z.delete_ranks(len - n, len - 1);
        } else {
            z.delete_ranks(0, n - 1);
        }
        self.stats.dirty += n as u64;
        self.notify(
            db,
            key,
            if max { "zpopmax" } else { "zpopmin" },
            class::ZSET,
        );
        self.zset_drop_if_empty(db, key);
        Ok(Some(out))
    }

    /// ZRANDMEMBER with a count (`unique`: positive count, distinct
    /// members; else `count` picks with repetition).
    pub fn zset_random(
        &mut self,
        db: usize,
        key: &[u8],
        count: usize,
        unique: bool,
    ) -> Result<Vec<(Vec<u8>, f64)>> {
        let Some(z) = self.zset_read(db, key)? else {
            return Ok(Vec::new());
        };
        let len = z.len();
        if len == 0 || count == 0 {
            return Ok(Vec::new());
        }
        let z = z.clone();
        let mut out = Vec::with_capacity(count.min(len));
        if !unique {
            for _ in 0..count {
                let r = self.rng.gen_range(0..len);
                out.extend(z.ranks(r, r, false));
            }
            return Ok(out);
        }
        if count >= len {
            return Ok(z.pairs());
        }
        // Distinct ranks: a partial Fisher-Yates over rank indexes.
        let mut idx: Vec<usize> = (0..len).collect();
        for i in 0..count {
            let j = self.rng.gen_range(i..len);
            idx.swap(i, j);
            let r = idx[i];
            out.extend(z.ranks(r, r, false));
        }
        Ok(out)
    }

    /// ZUNION/ZINTER/ZDIFF: the resulting pairs, lowest first.
    pub fn zset_combine(
        &mut self,
        db: usize,
        keys: &[&[u8]],
        weights: &[f64],
        agg: Aggregate,
        op: ZSetOp,
    ) -> Result<Vec<(Vec<u8>, f64)>> {
        let mut inputs = Vec::with_capacity(keys.len());
        for k in keys {
            match self.lookup_read(db, k) {
                Some(e) => inputs.push(Some(input_pairs(e)?)),
                None => inputs.push(None),
            }
        }
        let weight = |i: usize, s: f64| {
            let v = weights.get(i).copied().unwrap_or(1.0) * s;
            if v.is_nan() {
                0.0
            } else {
                v
            }
        };
        let mut result: Vec<(Vec<u8>, f64)> = match op {
            ZSetOp::Union => {
                let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
                for (i, inp) in inputs.into_iter().enumerate() {
                    for (m, s) in inp.unwrap_or_default() {
                        let v = weight(i, s);
                        match acc.get_mut(&m) {
                            Some(a) => aggregate(agg, a, v),
                            None => {
                                acc.insert(m, v);
                            }
                        }
                    }
                }
                acc.into_iter().collect()
            }
            ZSetOp::Inter => {
                if inputs.iter().any(|i| i.is_none()) {
                    return Ok(Vec::new());
                }
                let maps: Vec<HashMap<Vec<u8>, f64>> = inputs
                    .iter()
                    .skip(1)
                    .map(|i| i.iter().flatten().cloned().collect())
                    .collect();
                let mut out = Vec::new();
                'next: for (m, s) in inputs[0].iter().flatten() {
                    let mut a = weight(0, *s);
                    for (j, map) in maps.iter().enumerate() {
                        match map.get(m) {
                            Some(s2) => aggregate(agg, &mut a, weight(j + 1, *s2)),
                            None => continue 'next,
                        }
                    }
                    out.push((m.clone(), a));
                }
                out
            }
            ZSetOp::Diff => {
                let Some(first) = inputs.first().cloned().flatten() else {
                    return Ok(Vec::new());
                };
                let others: Vec<std::collections::HashSet<Vec<u8>>> = inputs[1..]
                    .iter()
                    .map(|i| i.iter().flatten().map(|(m, _)| m.clone()).collect())
                    .collect();
                first
                    .into_iter()
                    .filter(|(m, _)| !others.iter().any(|o| o.contains(m)))
                    .collect()
            }
        };
        result.sort_by(|a, b| lp_cmp((&a.0, a.1), (&b.0, b.1)));
        Ok(result)
    }

    /// Stores `pairs` at `dst` as a sorted set (replacing it; deleting it
    /// when empty), recording `event`. Returns the size.
    pub fn zset_store(
        &mut self,
        db: usize,
        dst: &[u8],
        pairs: Vec<(Vec<u8>, f64)>,
        event: &'static str,
    ) -> usize {
        let n = pairs.len();
        if n == 0 {
            if self.lookup_write(db, dst).is_some() {
                self.db_mut(db).remove(dst);
                self.stats.dirty += 1;
                self.notify(db, dst, "del", class::GENERIC);
            }
            return 0;
        }
        let seed = self.rng.gen();
        let v = ZSetValue::from_pairs(
            pairs,
            self.config.zset_max_listpack_entries,
            self.config.zset_max_listpack_value,
            seed,
        );
        let entry = self.new_entry(dst, Value::ZSet(v));
        self.put(db, entry, false);
        self.stats.dirty += 1;
        self.notify(db, dst, event, class::ZSET);
        n
    }

    /// ZINTERCARD: the size of the intersection, stopping at `limit` (0:
    /// no limit).
    pub fn zset_intercard(&mut self, db: usize, keys: &[&[u8]], limit: usize) -> Result<usize> {
        let r = self.zset_combine(db, keys, &[], Aggregate::Sum, ZSetOp::Inter)?;
        Ok(if limit > 0 {
            r.len().min(limit)
        } else {
            r.len()
        })
    }

    /// ZSCAN: the next cursor and the pairs seen (filtered by `pattern`).
    /// A listpack returns everything with cursor 0; a skiplist is walked
    /// by rank (the cursor is the next rank).
    pub fn zset_scan(
        &mut self,
        db: usize,
        key: &[u8],
        cursor: u64,
        count: usize,
        pattern: Option<&[u8]>,
    ) -> Result<(u64, Pairs)> {
        let Some(z) = self.zset_read(db, key)? else {
            return Ok((0, Vec::new()));
        };
        let keep = |m: &[u8]| pattern.is_none_or(|p| glob_match(p, m, false));
        let (next, items) = match z {
            ZSetValue::Listpack(_) => (0, z.pairs()),
            ZSetValue::Skiplist(_) => {
                let start = usize::try_from(cursor).unwrap_or(usize::MAX);
                let end = start.saturating_add(count.max(1));
                let items = if start < z.len() {
                    z.ranks(start, end - 1, false)
                } else {
                    Vec::new()
                };
                let next = if end >= z.len() { 0 } else { end as u64 };
                (next, items)
            }
        };
        Ok((next, items.into_iter().filter(|(m, _)| keep(m)).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(1)
    }

    fn add(s: &mut Store, key: &[u8], pairs: &[(f64, &[u8])]) -> ZAddOutcome {
        s.zset_add(0, key, ZAddFlags::default(), pairs).unwrap()
    }

    fn names(v: &[(Vec<u8>, f64)]) -> Vec<&[u8]> {
        v.iter().map(|(m, _)| &m[..]).collect()
    }

    #[test]
    fn converts_to_skiplist_by_size() {
        let mut s = store();
        s.config.zset_max_listpack_entries = 2;
        add(&mut s, b"z", &[(1.0, b"a"), (2.0, b"b")]);
        let enc = |s: &mut Store| s.lookup_read(0, b"z").unwrap().value().encoding();
        assert_eq!(enc(&mut s), "listpack");
        add(&mut s, b"z", &[(3.0, b"c")]);
        assert_eq!(enc(&mut s), "skiplist");
        s.zset_rem(0, b"z", &[b"c"]).unwrap();
        assert_eq!(enc(&mut s), "skiplist");
    }

    #[test]
    fn ranges_agree_across_encodings() {
        for max in [128usize, 0] {
            let mut s = store();
            s.config.zset_max_listpack_entries = max;
            add(
                &mut s,
                b"z",
                &[(1.0, b"a"), (2.0, b"b"), (2.0, b"c"), (3.0, b"d")],
            );
            let q = |range, rev, offset, limit| RangeQuery {
                range,
                rev,
                offset,
                limit,
            };
            let r = s
                .zset_range(0, b"z", &q(Range::Rank(1, -2), false, 0, -1))
                .unwrap();
            assert_eq!(names(&r), [&b"b"[..], b"c"]);
            let r = s
                .zset_range(0, b"z", &q(Range::Rank(0, 0), true, 0, -1))
                .unwrap();
            assert_eq!(names(&r), [&b"d"[..]]);
            let sc = Range::Score(ScoreBound::exclusive(1.0), ScoreBound::inclusive(3.0));
            let r = s.zset_range(0, b"z", &q(sc.clone(), true, 1, 1)).unwrap();
            assert_eq!(names(&r), [&b"c"[..]]);
            assert_eq!(s.zset_count(0, b"z", &sc).unwrap(), 3);
            let lx = Range::Lex(Lex::Min, Lex::Excl(b"c".to_vec()));
            assert_eq!(s.zset_count(0, b"z", &lx).unwrap(), 2);
            let n = s.zset_rem_range(0, b"z", &Range::Rank(0, 1)).unwrap();
            assert_eq!(n, 2);
            let p = s.zset_pop(0, b"z", true, 5).unwrap().unwrap();
            assert_eq!(names(&p), [&b"d"[..], b"c"]);
            assert_eq!(s.dbsize(0), 0);
        }
    }

    #[test]
    fn listpack_keeps_minus_zero_as_zero() {
        let mut s = store();
        add(&mut s, b"z", &[(-0.0, b"m")]);
        let v = s.zset_scores(0, b"z", &[b"m"]).unwrap();
        assert!(v[0].unwrap().is_sign_positive());
    }
}
