//! Set values and their operations: `intset` while every member is an
//! integer (as Redis's `string2ll` accepts it) and there are at most
//! `set-max-intset-entries` of them, a `Table` of members otherwise
//! (redis-server 7.0 has no listpack sets). A set never converts back to
//! `intset`, as in Redis.
//!
//! The results of SUNION/SDIFF (and every `*STORE`) are built as Redis
//! builds them: an empty `intset` that members are added to one by one, so
//! a stored result is an `intset` exactly when Redis's would be.

use std::collections::HashSet;

use cedis_types::glob::glob_match;
use cedis_types::intset::Intset;
use cedis_types::table::{Table, TableEntry};
use rand::rngs::SmallRng;
use rand::Rng;

use crate::entry::Entry;
use crate::events::class;
use crate::value::{parse_i64, Value};
use crate::{Result, Status, Store};

/// One member of a hashtable-encoded set.
#[derive(Debug, Clone)]
pub struct SetMember(pub Box<[u8]>);

impl TableEntry for SetMember {
    fn key(&self) -> &[u8] {
        &self.0
    }
}

/// A set value.
#[derive(Debug, Clone)]
pub enum SetValue {
    /// `intset`.
    Intset(Intset),
    /// `hashtable`.
    Table(Box<Table<SetMember>>),
}

impl Default for SetValue {
    fn default() -> Self {
        SetValue::Intset(Intset::new())
    }
}

impl SetValue {
    /// `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            SetValue::Intset(_) => "intset",
            SetValue::Table(_) => "hashtable",
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            SetValue::Intset(s) => s.len(),
            SetValue::Table(t) => t.len(),
        }
    }

    /// True when there are no members (empty sets are deleted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            SetValue::Intset(s) => s.heap_bytes(),
            SetValue::Table(t) => {
                std::mem::size_of::<Table<SetMember>>()
                    + t.memory_usage()
                    + t.iter().map(|(_, m)| m.0.len()).sum::<usize>()
            }
        }
    }

    /// Whether `m` is a member.
    pub fn contains(&self, m: &[u8]) -> bool {
        match self {
            SetValue::Intset(s) => parse_i64(m).is_some_and(|v| s.contains(v)),
            SetValue::Table(t) => t.get(m).is_some(),
        }
    }

    /// Converts an `intset` to a `hashtable` (no-op for a table).
    pub fn convert_to_table(&mut self, seed: u64) {
        if let SetValue::Intset(s) = self {
            let mut t = Table::with_seed(seed);
            t.reserve(s.len());
            for v in s.iter() {
                t.insert_new(SetMember(v.to_string().into_bytes().into_boxed_slice()));
            }
            *self = SetValue::Table(Box::new(t));
        }
    }

    /// Adds `m`; true if it was not a member. Converts to a `hashtable`
    /// when `m` is not an integer or the `intset` grows past
    /// `max_intset` members (`seed` keys the new table).
    pub fn add(&mut self, m: &[u8], max_intset: usize, seed: u64) -> bool {
        if let SetValue::Intset(s) = self {
            match parse_i64(m) {
                Some(v) => {
                    if !s.insert(v) {
                        return false;
                    }
                    if s.len() > max_intset {
                        self.convert_to_table(seed);
                    }
                    return true;
                }
                None => self.convert_to_table(seed),
            }
        }
        match self {
            SetValue::Table(t) => {
                if t.get(m).is_some() {
                    false
                } else {
                    t.insert_new(SetMember(m.into()));
                    true
                }
            }
            SetValue::Intset(_) => false,
        }
    }

    /// Removes `m`; true if it was a member.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            SetValue::Intset(s) => parse_i64(m).is_some_and(|v| s.remove(v)),
            SetValue::Table(t) => t.remove(m).is_some(),
        }
    }

    /// Calls `f` with every member (an `intset` in ascending order).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        match self {
            SetValue::Intset(s) => {
                for v in s.iter() {
                    f(v.to_string().as_bytes());
                }
            }
            SetValue::Table(t) => {
                for (_, m) in t.iter() {
                    f(&m.0);
                }
            }
        }
    }

    /// Every member (an `intset` in ascending order).
    pub fn members(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(|m| out.push(m.to_vec()));
        out
    }

    /// A uniformly random member (`None` when empty).
    pub fn random(&self, rng: &mut impl FnMut() -> u64) -> Option<Vec<u8>> {
        match self {
            SetValue::Intset(s) => s.random(rng).map(|v| v.to_string().into_bytes()),
            SetValue::Table(t) => {
                let id = t.random_id(rng)?;
                t.entry_by_id(id).map(|m| m.0.to_vec())
            }
        }
    }

    /// Removes and returns a uniformly random member.
    pub fn pop_random(&mut self, rng: &mut impl FnMut() -> u64) -> Option<Vec<u8>> {
        match self {
            SetValue::Intset(s) => {
                let v = s.random(rng)?;
                s.remove(v);
                Some(v.to_string().into_bytes())
            }
            SetValue::Table(t) => {
                let id = t.random_id(rng)?;
                t.remove_by_id(id).map(|m| m.0.into_vec())
            }
        }
    }

    /// A digest-friendly walk: every member, sorted (independent of the
    /// encoding's iteration order).
    pub fn sorted_members(&self) -> Vec<Vec<u8>> {
        let mut m = self.members();
        m.sort_unstable();
        m
    }
}

/// The set operations of SUNION, SINTER and SDIFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    /// SUNION.
    Union,
    /// SINTER.
    Inter,
    /// SDIFF.
    Diff,
}

impl SetOp {
    fn store_event(self) -> &'static str {
        match self {
            SetOp::Union => "sunionstore",
            SetOp::Inter => "sinterstore",
            SetOp::Diff => "sdiffstore",
        }
    }
}

fn set_ref(e: &Entry) -> Result<&SetValue> {
    match e.object() {
        Some(Value::Set(s)) => Ok(s),
        _ => Err(Status::WrongType),
    }
}

fn set_mut(e: &mut Entry) -> Result<&mut SetValue> {
    match e.object_mut() {
        Some(Value::Set(s)) => Ok(s),
        _ => Err(Status::WrongType),
    }
}

/// A closure over the store's random source.
fn rng_fn(rng: &mut SmallRng) -> impl FnMut() -> u64 + '_ {
    move || rng.gen()
}

impl Store {
    /// The set stored at `key` (already looked up, so live) and the random
    /// source, borrowed together.
    fn set_with_rng(&mut self, db: usize, key: &[u8]) -> Option<(&mut SetValue, &mut SmallRng)> {
        let Store { dbs, rng, .. } = self;
        let ks = &mut dbs[db];
        let id = ks.find(key)?;
        let s = set_mut(ks.entry_mut(id)?).ok()?;
        Some((s, rng))
    }

    /// Builds a set the way Redis builds a new one: an empty `intset` that
    /// the members are added to, converting as SADD would.
    pub fn new_set<M: AsRef<[u8]>>(&mut self, members: impl IntoIterator<Item = M>) -> SetValue {
        let seed = self.rng.gen();
        let max = self.config.set_max_intset_entries;
        let mut s = SetValue::default();
        for m in members {
            s.add(m.as_ref(), max, seed);
        }
        s
    }

    /// SADD: how many members were added.
    pub fn set_add<M: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        members: &[M],
    ) -> Result<usize> {
        let seed = self.rng.gen();
        let max = self.config.set_max_intset_entries;
        let added = match self.lookup_write(db, key) {
            Some(e) => {
                let s = set_mut(e)?;
                members
                    .iter()
                    .filter(|m| s.add(m.as_ref(), max, seed))
                    .count()
            }
            None => {
                let mut s = SetValue::default();
                let n = members
                    .iter()
                    .filter(|m| s.add(m.as_ref(), max, seed))
                    .count();
                let entry = self.new_entry(key, Value::Set(s));
                self.put(db, entry, false);
                n
            }
        };
        if added > 0 {
            self.stats.dirty += added as u64;
            self.notify(db, key, "sadd", class::SET);
        }
        Ok(added)
    }

    /// SREM: how many members were removed. Deletes an emptied key.
    pub fn set_rem<M: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        members: &[M],
    ) -> Result<usize> {
        self.remove_members(db, key, members, set_mut, "srem", class::SET)
    }

    /// SISMEMBER / SMISMEMBER: one flag per member (all false for a
    /// missing key).
    pub fn set_is_member<M: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        members: &[M],
    ) -> Result<Vec<bool>> {
        match self.lookup_read(db, key) {
            None => Ok(vec![false; members.len()]),
            Some(e) => {
                let s = set_ref(e)?;
                Ok(members.iter().map(|m| s.contains(m.as_ref())).collect())
            }
        }
    }

    /// SCARD (0 for a missing key).
    pub fn set_card(&mut self, db: usize, key: &[u8]) -> Result<usize> {
        match self.lookup_read(db, key) {
            None => Ok(0),
            Some(e) => Ok(set_ref(e)?.len()),
        }
    }

    /// SPOP: `count` `None` pops one member (`None` if the key is missing);
    /// with a count, up to that many distinct members. Deletes an emptied
    /// key.
    pub fn set_pop(
        &mut self,
        db: usize,
        key: &[u8],
        count: Option<usize>,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        let Some(e) = self.lookup_write(db, key) else {
            return Ok(None);
        };
        let size = set_ref(e)?.len();
        let want = count.unwrap_or(1);
        if want == 0 {
            return Ok(Some(Vec::new()));
        }
        let out = if want >= size {
            let s = set_mut(e)?;
            let all = s.members();
            *s = SetValue::default();
            all
        } else {
            let Some((s, rng)) = self.set_with_rng(db, key) else {
                return Ok(Some(Vec::new()));
            };
            let mut rng = rng_fn(rng);
            (0..want).filter_map(|_| s.pop_random(&mut rng)).collect()
        };
        self.stats.dirty += out.len() as u64;
        self.notify(db, key, "spop", class::SET);
        self.drop_if_empty(db, key);
        Ok(Some(out))
    }

    /// SRANDMEMBER: `count` `None` returns one member; a positive count up
    /// to that many distinct members, a negative one exactly `-count`
    /// members that may repeat. `None` if the key is missing.
    pub fn set_rand_member(
        &mut self,
        db: usize,
        key: &[u8],
        count: Option<i64>,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        let Some(e) = self.lookup_read(db, key) else {
            return Ok(None);
        };
        set_ref(e)?;
        let Some((s, rng)) = self.set_with_rng(db, key) else {
            return Ok(None);
        };
        let size = s.len();
        let mut next = rng_fn(rng);
        let count = match count {
            None => return Ok(Some(s.random(&mut next).into_iter().collect())),
            Some(c) => c,
        };
        if count < 0 {
            let n = count.unsigned_abs() as usize;
            let mut out = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                out.extend(s.random(&mut next));
            }
            return Ok(Some(out));
        }
        let n = count as usize;
        if n >= size {
            return Ok(Some(s.members()));
        }
        if n.saturating_mul(3) > size {
            // Most of the set: a partial Fisher-Yates shuffle of all members.
            let mut all = s.members();
            for i in 0..n {
                let j = i + (next() % (size - i) as u64) as usize;
                all.swap(i, j);
            }
            all.truncate(n);
            return Ok(Some(all));
        }
        // A small part: draw until `n` distinct members were seen.
        let mut seen: HashSet<Vec<u8>> = HashSet::with_capacity(n);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let Some(m) = s.random(&mut next) else { break };
            if seen.insert(m.clone()) {
                out.push(m);
            }
        }
        Ok(Some(out))
    }

    /// SRANDMEMBER with a negative count, streamed: `start` gets the
    /// number of members that follow (0 for a missing key), then `each` is
    /// called with `n` random members that may repeat. Nothing is buffered,
    /// so a huge count costs only the reply.
    pub fn set_rand_repeat(
        &mut self,
        db: usize,
        key: &[u8],
        n: usize,
        start: impl FnOnce(usize),
        mut each: impl FnMut(&[u8]),
    ) -> Result<()> {
        let Some(e) = self.lookup_read(db, key) else {
            start(0);
            return Ok(());
        };
        set_ref(e)?;
        let Some((s, rng)) = self.set_with_rng(db, key) else {
            start(0);
            return Ok(());
        };
        let mut next = rng_fn(rng);
        start(n);
        match s {
            SetValue::Intset(is) => {
                for _ in 0..n {
                    if let Some(v) = is.random(&mut next) {
                        each(v.to_string().as_bytes());
                    }
                }
            }
            SetValue::Table(t) => {
                for _ in 0..n {
                    if let Some(m) = t.random_id(&mut next).and_then(|id| t.entry_by_id(id)) {
                        each(&m.0);
                    }
                }
            }
        }
        Ok(())
    }

    /// SMOVE: true if `member` moved (or, with `src == dst`, is a member).
    pub fn set_move(&mut self, db: usize, src: &[u8], dst: &[u8], member: &[u8]) -> Result<bool> {
        let src_present = match self.lookup_write(db, src) {
            None => false,
            Some(e) => {
                set_ref(e)?;
                true
            }
        };
        let dst_present = match self.lookup_write(db, dst) {
            None => false,
            Some(e) => {
                if src_present {
                    set_ref(e)?;
                }
                true
            }
        };
        if !src_present {
            return Ok(false);
        }
        if src == dst {
            let e = self.lookup_write(db, src).ok_or(Status::WrongType)?;
            return Ok(set_ref(e)?.contains(member));
        }
        let removed = match self.lookup_write(db, src) {
            Some(e) => set_mut(e)?.remove(member),
            None => false,
        };
        if !removed {
            return Ok(false);
        }
        self.notify(db, src, "srem", class::SET);
        self.drop_if_empty(db, src);
        self.stats.dirty += 1;
        let added = if dst_present {
            let seed = self.rng.gen();
            let max = self.config.set_max_intset_entries;
            match self.lookup_write(db, dst) {
                Some(e) => set_mut(e)?.add(member, max, seed),
                None => false,
            }
        } else {
            let s = self.new_set([member]);
            let entry = self.new_entry(dst, Value::Set(s));
            self.put(db, entry, false);
            true
        };
        if added {
            self.stats.dirty += 1;
            self.notify(db, dst, "sadd", class::SET);
        }
        Ok(true)
    }

    /// Looks every key up (for reading, or for writing when `write`),
    /// checking each is a set; true per key that exists.
    fn set_lookup_all<K: AsRef<[u8]>>(
        &mut self,
        db: usize,
        keys: &[K],
        write: bool,
    ) -> Result<Vec<bool>> {
        let mut present = Vec::with_capacity(keys.len());
        let mut wrong = false;
        for k in keys {
            let e = if write {
                self.lookup_write(db, k.as_ref())
            } else {
                self.lookup_read(db, k.as_ref())
            };
            match e {
                None => present.push(false),
                Some(e) => {
                    if set_ref(e).is_err() {
                        wrong = true;
                        break;
                    }
                    present.push(true);
                }
            }
        }
        if wrong {
            return Err(Status::WrongType);
        }
        Ok(present)
    }

    /// The sets at `keys` (`None` for missing ones); they must have been
    /// looked up first.
    fn set_refs<K: AsRef<[u8]>>(&self, db: usize, keys: &[K]) -> Vec<Option<&SetValue>> {
        keys.iter()
            .map(|k| self.db(db).get(k.as_ref()).and_then(|e| set_ref(e).ok()))
            .collect()
    }

    /// SINTER/SUNION/SDIFF (and SMEMBERS, a one-key SINTER): the result's
    /// members in Redis's reply order where it is deterministic (ascending
    /// for `intset` results).
    pub fn set_combine<K: AsRef<[u8]>>(
        &mut self,
        db: usize,
        keys: &[K],
        op: SetOp,
    ) -> Result<Vec<Vec<u8>>> {
        self.set_lookup_all(db, keys, false)?;
        match self.combine(db, keys, op) {
            Combined::Members(m) => Ok(m),
            Combined::Set(s) => Ok(s.members()),
        }
    }

    /// SINTERSTORE/SUNIONSTORE/SDIFFSTORE: stores the result at `dst`
    /// (deleting `dst` when the result is empty); returns its size.
    pub fn set_combine_store<K: AsRef<[u8]>>(
        &mut self,
        db: usize,
        dst: &[u8],
        keys: &[K],
        op: SetOp,
    ) -> Result<usize> {
        self.set_lookup_all(db, keys, true)?;
        let result = match self.combine(db, keys, op) {
            Combined::Members(m) => self.new_set(m),
            Combined::Set(s) => s,
        };
        let n = result.len();
        // Reclaim an expired destination first, as Redis's lookup does.
        self.expire_if_needed(db, dst);
        if n == 0 {
            if self.db_mut(db).remove(dst).is_some() {
                self.stats.dirty += 1;
                self.notify(db, dst, "del", class::GENERIC);
            }
            return Ok(0);
        }
        let entry = self.new_entry(dst, Value::Set(result));
        self.put(db, entry, false);
        self.stats.dirty += 1;
        self.notify(db, dst, op.store_event(), class::SET);
        Ok(n)
    }

    fn combine<K: AsRef<[u8]>>(&mut self, db: usize, keys: &[K], op: SetOp) -> Combined {
        let seed = self.rng.gen();
        let max = self.config.set_max_intset_entries;
        let sets = self.set_refs(db, keys);
        match op {
            SetOp::Inter => {
                if sets.iter().any(Option::is_none) {
                    return Combined::Members(Vec::new());
                }
                let mut sets: Vec<&SetValue> = sets.into_iter().flatten().collect();
                sets.sort_by_key(|s| s.len());
                let mut out = Vec::new();
                if let Some((first, rest)) = sets.split_first() {
                    first.for_each(|m| {
                        if rest.iter().all(|s| s.contains(m)) {
                            out.push(m.to_vec());
                        }
                    });
                }
                Combined::Members(out)
            }
            SetOp::Union => {
                let mut r = SetValue::default();
                for s in sets.into_iter().flatten() {
                    s.for_each(|m| {
                        r.add(m, max, seed);
                    });
                }
                Combined::Set(r)
            }
            SetOp::Diff => {
                let mut r = SetValue::default();
                if let Some((Some(first), rest)) = sets.split_first() {
                    first.for_each(|m| {
                        if !rest.iter().flatten().any(|s| s.contains(m)) {
                            r.add(m, max, seed);
                        }
                    });
                }
                Combined::Set(r)
            }
        }
    }

    /// SINTERCARD: the size of the intersection, counting stops at `limit`
    /// (0: no limit).
    pub fn set_inter_card<K: AsRef<[u8]>>(
        &mut self,
        db: usize,
        keys: &[K],
        limit: usize,
    ) -> Result<usize> {
        self.set_lookup_all(db, keys, false)?;
        let sets = self.set_refs(db, keys);
        if sets.iter().any(Option::is_none) {
            return Ok(0);
        }
        let mut sets: Vec<&SetValue> = sets.into_iter().flatten().collect();
        sets.sort_by_key(|s| s.len());
        let Some((first, rest)) = sets.split_first() else {
            return Ok(0);
        };
        let mut n = 0;
        first.for_each(|m| {
            if (limit == 0 || n < limit) && rest.iter().all(|s| s.contains(m)) {
                n += 1;
            }
        });
        Ok(n)
    }

    /// SSCAN: the next cursor and the members seen (filtered by `pattern`).
    /// An `intset` returns every member at once with cursor 0; a missing
    /// key returns `(0, [])`.
    pub fn set_scan(
        &mut self,
        db: usize,
        key: &[u8],
        cursor: u64,
        count: usize,
        pattern: Option<&[u8]>,
    ) -> Result<(u64, Vec<Vec<u8>>)> {
        let Some(e) = self.lookup_read(db, key) else {
            return Ok((0, Vec::new()));
        };
        let s = set_ref(e)?;
        let keep = |m: &[u8]| pattern.is_none_or(|p| glob_match(p, m, false));
        let mut out = Vec::new();
        match s {
            SetValue::Intset(_) => {
                s.for_each(|m| {
                    if keep(m) {
                        out.push(m.to_vec());
                    }
                });
                Ok((0, out))
            }
            SetValue::Table(t) => {
                let mut next = cursor;
                let mut steps = 0usize;
                let mut seen = 0usize;
                loop {
                    next = t.scan(next, |_, m| {
                        seen += 1;
                        if keep(&m.0) {
                            out.push(m.0.to_vec());
                        }
                    });
                    steps += 1;
                    if next == 0 || seen >= count || steps >= count.saturating_mul(10) {
                        break;
                    }
                }
                Ok((next, out))
            }
        }
    }
}

enum Combined {
    /// Members in reply order (SINTER replies as it walks the smallest set).
    Members(Vec<Vec<u8>>),
    /// A set built as Redis builds SUNION/SDIFF results.
    Set(SetValue),
}

impl crate::Members for SetValue {
    fn remove_member(&mut self, m: &[u8]) -> bool {
        self.remove(m)
    }

    fn no_members(&self) -> bool {
        self.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        let mut s = Store::new(1);
        s.record_events(true);
        s
    }

    fn enc(s: &mut Store, key: &[u8]) -> &'static str {
        match s.db(0).get(key).map(|e| set_ref(e).map(SetValue::encoding)) {
            Some(Ok(e)) => e,
            _ => "none",
        }
    }

    #[test]
    fn intset_until_non_integer_or_too_many() {
        let mut s = store();
        s.config.set_max_intset_entries = 3;
        assert_eq!(s.set_add(0, b"k", &[b"1", b"2", b"3"]).unwrap(), 3);
        assert_eq!(enc(&mut s, b"k"), "intset");
        assert_eq!(s.set_add(0, b"k", &[b"4"]).unwrap(), 1);
        assert_eq!(enc(&mut s, b"k"), "hashtable");
        // Never converts back.
        s.set_rem(0, b"k", &[b"4", b"3"]).unwrap();
        assert_eq!(enc(&mut s, b"k"), "hashtable");
        s.set_add(0, b"j", &[&b"01"[..], b"1"]).unwrap();
        assert_eq!(enc(&mut s, b"j"), "hashtable");
        s.set_add(0, b"i", &[&b"-5"[..], b"9223372036854775807"])
            .unwrap();
        assert_eq!(enc(&mut s, b"i"), "intset");
        assert!(s.set_is_member(0, b"i", &[b"-5"]).unwrap()[0]);
        assert!(!s.set_is_member(0, b"i", &[b"+5"]).unwrap()[0]);
    }

    #[test]
    fn empty_sets_are_deleted() {
        let mut s = store();
        s.set_add(0, b"k", &[b"a", b"b"]).unwrap();
        assert_eq!(s.set_rem(0, b"k", &[b"a", b"b", b"c"]).unwrap(), 2);
        assert_eq!(s.dbsize(0), 0);
        s.set_add(0, b"k", &[b"1", b"2"]).unwrap();
        let popped = s.set_pop(0, b"k", Some(5)).unwrap().unwrap();
        assert_eq!(popped.len(), 2);
        assert_eq!(s.dbsize(0), 0);
    }

    #[test]
    fn pop_and_rand_are_distinct() {
        let mut s = store();
        let members: Vec<Vec<u8>> = (0..100).map(|i| format!("m{i}").into_bytes()).collect();
        s.set_add(0, b"k", &members).unwrap();
        for n in [1i64, 10, 40, 99, 100, 200] {
            let r = s.set_rand_member(0, b"k", Some(n)).unwrap().unwrap();
            let distinct: HashSet<_> = r.iter().collect();
            assert_eq!(distinct.len(), r.len());
            assert_eq!(r.len(), (n as usize).min(100));
        }
        assert_eq!(
            s.set_rand_member(0, b"k", Some(-300))
                .unwrap()
                .unwrap()
                .len(),
            300
        );
        let p = s.set_pop(0, b"k", Some(30)).unwrap().unwrap();
        assert_eq!(p.iter().collect::<HashSet<_>>().len(), 30);
        assert_eq!(s.set_card(0, b"k").unwrap(), 70);
    }

    #[test]
    fn combine_and_store_encodings() {
        let mut s = store();
        s.set_add(0, b"a", &[b"1", b"2", b"3", b"x"]).unwrap();
        s.set_add(0, b"b", &[b"2", b"3", b"4"]).unwrap();
        let mut i = s.set_combine(0, &[b"a", b"b"], SetOp::Inter).unwrap();
        i.sort();
        assert_eq!(i, vec![b"2".to_vec(), b"3".to_vec()]);
        assert_eq!(
            s.set_combine_store(0, b"d", &[b"a", b"b"], SetOp::Inter)
                .unwrap(),
            2
        );
        assert_eq!(enc(&mut s, b"d"), "intset");
        assert_eq!(
            s.set_combine_store(0, b"d", &[b"a", b"b"], SetOp::Diff)
                .unwrap(),
            2
        );
        assert_eq!(enc(&mut s, b"d"), "hashtable");
        assert_eq!(
            s.set_combine_store(0, b"d", &[&b"a"[..], b"zz"], SetOp::Inter)
                .unwrap(),
            0
        );
        assert_eq!(s.dbsize(0), 2);
        assert_eq!(s.set_inter_card(0, &[b"a", b"b"], 1).unwrap(), 1);
        assert_eq!(s.set_inter_card(0, &[b"a", b"b"], 0).unwrap(), 2);
    }

    #[test]
    fn smove_between_sets() {
        let mut s = store();
        s.set_add(0, b"a", &[b"1"]).unwrap();
        assert!(s.set_move(0, b"a", b"b", b"1").unwrap());
        assert_eq!(s.dbsize(0), 1);
        assert_eq!(enc(&mut s, b"b"), "intset");
        assert!(!s.set_move(0, b"a", b"b", b"1").unwrap());
    }
}
