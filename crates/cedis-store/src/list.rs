//! List values and their operations: redis-server 7.0 keeps every list as
//! a `quicklist` (listpack nodes bounded by `list-max-listpack-size`, inner
//! nodes LZF-compressed beyond `list-compress-depth`, elements of at least
//! `StoreConfig::list_packed_threshold` alone in plain nodes; see
//! [`cedis_types::quicklist`]). The threshold is applied to a list at
//! every change, as Redis's global `packed_threshold` is.
//!
//! The pop and move operations ([`Store::list_pop`], [`Store::list_move`])
//! are what the blocking commands reuse once a key is ready.

use cedis_types::quicklist::Quicklist;

use crate::entry::Entry;
use crate::events::class;
use crate::value::Value;
use crate::{Result, Status, Store};

/// A list value.
#[derive(Debug, Clone, Default)]
pub struct ListValue {
    /// The elements.
    pub ql: Quicklist,
}

impl ListValue {
    /// An empty list with the node limit and compression depth given.
    pub fn new(fill: i32, depth: u32) -> ListValue {
        ListValue {
            ql: Quicklist::new(fill, depth),
        }
    }

    /// `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.ql.len()
    }

    /// True when there are no elements (empty lists are deleted).
    pub fn is_empty(&self) -> bool {
        self.ql.is_empty()
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        self.ql.heap_size()
    }
}

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The head (LEFT).
    Left,
    /// The tail (RIGHT).
    Right,
}

impl End {
    fn push_event(self) -> &'static str {
        match self {
            End::Left => "lpush",
            End::Right => "rpush",
        }
    }

    fn pop_event(self) -> &'static str {
        match self {
            End::Left => "lpop",
            End::Right => "rpop",
        }
    }
}

/// LPOS's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PosOptions {
    /// RANK: 1-based match to start from, negative searching from the tail
    /// (never 0).
    pub rank: i64,
    /// COUNT: matches wanted (0: all).
    pub count: usize,
    /// MAXLEN: elements compared at most (0: all).
    pub maxlen: usize,
}

fn list_ref(e: &Entry) -> Result<&ListValue> {
    match e.object() {
        Some(Value::List(l)) => Ok(l),
        _ => Err(Status::WrongType),
    }
}

fn list_mut(e: &mut Entry) -> Result<&mut ListValue> {
    match e.object_mut() {
        Some(Value::List(l)) => Ok(l),
        _ => Err(Status::WrongType),
    }
}

/// Clamps LRANGE/LTRIM's `start`/`stop` to `0..len`; `None` for an empty
/// range.
fn clamp_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let n = len as i64;
    let mut s = if start < 0 { n + start } else { start };
    let mut e = if stop < 0 { n + stop } else { stop };
    if s < 0 {
        s = 0;
    }
    if s > e || s >= n {
        return None;
    }
    if e >= n {
        e = n - 1;
    }
    Some((s as usize, e as usize))
}

impl Store {
    /// An empty list with the configured node limit, compression depth and
    /// plain-node threshold.
    pub(crate) fn new_list(&self) -> ListValue {
        let mut l = ListValue::new(
            self.config.list_max_listpack_size,
            self.config.list_compress_depth,
        );
        l.ql.set_packed_threshold(self.config.list_packed_threshold);
        l
    }

    /// The list at `key` for a change (`None` if missing), with the current
    /// plain-node threshold applied: like Redis's global, it governs every
    /// list from the moment it is set.
    fn list_write(&mut self, db: usize, key: &[u8]) -> Result<Option<&mut ListValue>> {
        let threshold = self.config.list_packed_threshold;
        let Some(e) = self.lookup_write(db, key) else {
            return Ok(None);
        };
        let l = list_mut(e)?;
        l.ql.set_packed_threshold(threshold);
        Ok(Some(l))
    }

    /// LPUSH/RPUSH (and with `only_existing` LPUSHX/RPUSHX): pushes the
    /// elements one by one at `end`; returns the new length (0 when
    /// `only_existing` and the key is missing).
    pub fn list_push<E: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        end: End,
        elems: &[E],
        only_existing: bool,
    ) -> Result<usize> {
        let len = match self.list_write(db, key)? {
            Some(l) => {
                push_all(&mut l.ql, end, elems);
                l.len()
            }
            None if only_existing => return Ok(0),
            None => {
                let mut l = self.new_list();
                push_all(&mut l.ql, end, elems);
                let len = l.len();
                let entry = self.new_entry(key, Value::List(Box::new(l)));
                self.put(db, entry, false);
                len
            }
        };
        self.stats.dirty += elems.len() as u64;
        self.notify(db, key, end.push_event(), class::LIST);
        Ok(len)
    }

    /// LPOP/RPOP: pops up to `count` elements from `end`; `None` if the key
    /// is missing. Deletes the key when it becomes empty.
    pub fn list_pop(
        &mut self,
        db: usize,
        key: &[u8],
        end: End,
        count: usize,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        let Some(l) = self.list_write(db, key)? else {
            return Ok(None);
        };
        let n = count.min(l.len());
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let v = match end {
                End::Left => l.ql.pop_front(),
                End::Right => l.ql.pop_back(),
            };
            out.extend(v);
        }
        if !out.is_empty() {
            self.stats.dirty += out.len() as u64;
            self.notify(db, key, end.pop_event(), class::LIST);
            self.drop_if_empty(db, key);
        }
        Ok(Some(out))
    }

    /// LLEN (0 for a missing key).
    pub fn list_len(&mut self, db: usize, key: &[u8]) -> Result<usize> {
        match self.lookup_read(db, key) {
            None => Ok(0),
            Some(e) => Ok(list_ref(e)?.len()),
        }
    }

    /// Whether `key` holds a list (`Ok(false)` if missing), without
    /// touching it; WRONGTYPE for another type (LMPOP's scan).
    pub fn list_exists(&mut self, db: usize, key: &[u8]) -> Result<bool> {
        match self.lookup_write(db, key) {
            None => Ok(false),
            Some(e) => Ok(!list_ref(e)?.is_empty()),
        }
    }

    /// LRANGE.
    pub fn list_range(
        &mut self,
        db: usize,
        key: &[u8],
        start: i64,
        stop: i64,
    ) -> Result<Vec<Vec<u8>>> {
        let Some(e) = self.lookup_read(db, key) else {
            return Ok(Vec::new());
        };
        let l = list_ref(e)?;
        let Some((s, t)) = clamp_range(start, stop, l.len()) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(t - s + 1);
        l.ql.visit(s, false, |i, v| {
            out.push(v.to_vec());
            i < t
        });
        Ok(out)
    }

    /// LINDEX.
    pub fn list_index(&mut self, db: usize, key: &[u8], index: i64) -> Result<Option<Vec<u8>>> {
        match self.lookup_read(db, key) {
            None => Ok(None),
            Some(e) => Ok(list_ref(e)?.ql.get(index)),
        }
    }

    /// LSET: `Ok(false)` when the index is out of range; `NoSuchKey` when
    /// the key is missing.
    pub fn list_set(&mut self, db: usize, key: &[u8], index: i64, value: &[u8]) -> Result<bool> {
        let Some(l) = self.list_write(db, key)? else {
            return Err(Status::NoSuchKey);
        };
        if !l.ql.set(index, value) {
            return Ok(false);
        }
        self.stats.dirty += 1;
        self.notify(db, key, "lset", class::LIST);
        Ok(true)
    }

    /// LINSERT: the new length, -1 if `pivot` is not found, 0 if the key
    /// is missing.
    pub fn list_insert(
        &mut self,
        db: usize,
        key: &[u8],
        after: bool,
        pivot: &[u8],
        value: &[u8],
    ) -> Result<i64> {
        let Some(l) = self.list_write(db, key)? else {
            return Ok(0);
        };
        let Some(at) = l.ql.position(pivot) else {
            return Ok(-1);
        };
        l.ql.insert(at, after, value);
        let len = l.len() as i64;
        self.stats.dirty += 1;
        self.notify(db, key, "linsert", class::LIST);
        Ok(len)
    }

    /// LREM: how many were removed.
    pub fn list_rem(&mut self, db: usize, key: &[u8], count: i64, value: &[u8]) -> Result<usize> {
        let Some(l) = self.list_write(db, key)? else {
            return Ok(0);
        };
        let n = l.ql.remove(value, count);
        if n > 0 {
            self.stats.dirty += n as u64;
            self.notify(db, key, "lrem", class::LIST);
            self.drop_if_empty(db, key);
        }
        Ok(n)
    }

    /// LTRIM.
    pub fn list_trim(&mut self, db: usize, key: &[u8], start: i64, stop: i64) -> Result<()> {
        let Some(l) = self.list_write(db, key)? else {
            return Ok(());
        };
        let before = l.len();
        match clamp_range(start, stop, before) {
            Some((s, t)) => l.ql.trim(s, t),
            None => l.ql.trim(1, 0),
        }
        let removed = before - l.len();
        self.stats.dirty += removed as u64;
        self.notify(db, key, "ltrim", class::LIST);
        self.drop_if_empty(db, key);
        Ok(())
    }

    /// LPOS: the matching indexes (at most `count`, or all with 0), `None`
    /// if the key is missing.
    pub fn list_pos(
        &mut self,
        db: usize,
        key: &[u8],
        value: &[u8],
        opts: PosOptions,
    ) -> Result<Option<Vec<usize>>> {
        let Some(e) = self.lookup_read(db, key) else {
            return Ok(None);
        };
        let l = list_ref(e)?;
        let mut out = Vec::new();
        if l.is_empty() {
            return Ok(Some(out));
        }
        let reverse = opts.rank < 0;
        // RANK i64::MIN acts as -1 (redis-server negates it in C and keeps a
        // negative rank, which every first match satisfies).
        let mut skip = if opts.rank == i64::MIN {
            0
        } else {
            opts.rank.unsigned_abs() - 1
        };
        let start = if reverse { l.len() - 1 } else { 0 };
        let mut compared = 0usize;
        l.ql.visit(start, reverse, |i, v| {
            if opts.maxlen != 0 && compared >= opts.maxlen {
                return false;
            }
            compared += 1;
            if v.eq_bytes(value) {
                if skip > 0 {
                    skip -= 1;
                } else {
                    out.push(i);
                    if opts.count != 0 && out.len() >= opts.count {
                        return false;
                    }
                }
            }
            true
        });
        Ok(Some(out))
    }

    /// LMOVE/RPOPLPUSH: pops from `src`'s `from` end and pushes at `dst`'s
    /// `to` end; `None` if `src` is missing. WRONGTYPE for either key is
    /// checked before anything moves. The element is pushed first and
    /// popped after, so the events come in Redis's order (`new`, the push,
    /// the pop, `del`) and a one-element list rotated onto itself is never
    /// deleted in between.
    pub fn list_move(
        &mut self,
        db: usize,
        src: &[u8],
        dst: &[u8],
        from: End,
        to: End,
    ) -> Result<Option<Vec<u8>>> {
        let at = match from {
            End::Left => 0,
            End::Right => -1,
        };
        let v = match self.lookup_write(db, src) {
            None => return Ok(None),
            Some(e) => match list_ref(e)?.ql.get(at) {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        if let Some(e) = self.lookup_write(db, dst) {
            list_ref(e)?;
        }
        self.list_push(db, dst, to, &[&v[..]], false)?;
        self.list_pop(db, src, from, 1)?;
        Ok(Some(v))
    }
}

fn push_all<E: AsRef<[u8]>>(ql: &mut Quicklist, end: End, elems: &[E]) {
    for v in elems {
        match end {
            End::Left => ql.push_front(v.as_ref()),
            End::Right => ql.push_back(v.as_ref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::KeyEvent;

    fn store() -> Store {
        let mut s = Store::new(1);
        s.set_time(1_000);
        s
    }

    #[test]
    fn push_pop_range() {
        let mut s = store();
        assert_eq!(
            s.list_push(0, b"l", End::Right, &[b"a", b"b", b"c"], false),
            Ok(3)
        );
        assert_eq!(s.list_push(0, b"l", End::Left, &[b"x"], false), Ok(4));
        assert_eq!(s.list_push(0, b"m", End::Left, &[b"x"], true), Ok(0));
        assert_eq!(
            s.list_range(0, b"l", 0, -1).unwrap(),
            vec![b"x".to_vec(), b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
        assert_eq!(s.list_range(0, b"l", -2, 100).unwrap().len(), 2);
        assert_eq!(
            s.list_pop(0, b"l", End::Right, 10).unwrap().unwrap().len(),
            4
        );
        assert!(!s.exists(0, b"l"));
    }

    #[test]
    fn move_records_events() {
        let mut s = store();
        s.list_push(0, b"a", End::Right, &[b"1"], false).unwrap();
        s.record_events(true);
        assert_eq!(
            s.list_move(0, b"a", b"b", End::Right, End::Left).unwrap(),
            Some(b"1".to_vec())
        );
        let mut ev: Vec<KeyEvent> = Vec::new();
        s.take_events(&mut ev);
        let names: Vec<&str> = ev.iter().map(|e| e.name).collect();
        assert_eq!(names, ["new", "lpush", "rpop", "del"]);
        // Rotating a one-element list: never deleted, no new.
        s.list_move(0, b"b", b"b", End::Left, End::Right).unwrap();
        s.take_events(&mut ev);
        let names: Vec<&str> = ev[4..].iter().map(|e| e.name).collect();
        assert_eq!(names, ["rpush", "lpop"]);
    }

    #[test]
    fn packed_threshold_applies_to_existing_lists() {
        let mut s = store();
        s.list_push(0, b"l", End::Right, &[b"aa", b"bb"], false)
            .unwrap();
        s.config.list_packed_threshold = 5;
        s.list_push(0, b"l", End::Right, &[&b"ccccc"[..], b"dd"], false)
            .unwrap();
        s.list_set(0, b"l", 0, b"eeeeee").unwrap();
        assert_eq!(plain_nodes(&mut s, b"l"), 2);
        assert_eq!(
            s.list_range(0, b"l", 0, -1).unwrap(),
            [&b"eeeeee"[..], b"bb", b"ccccc", b"dd"]
                .map(<[u8]>::to_vec)
                .to_vec()
        );
        s.config.list_packed_threshold = 1;
        s.list_push(0, b"n", End::Left, &[b"x"], false).unwrap();
        assert_eq!(plain_nodes(&mut s, b"n"), 1);
    }

    fn plain_nodes(s: &mut Store, key: &[u8]) -> usize {
        match s.peek(0, key).map(|e| e.value().into_owned()) {
            Some(Value::List(l)) => l.ql.plain_count(),
            _ => usize::MAX,
        }
    }

    #[test]
    fn lpos_rank_count_maxlen() {
        let mut s = store();
        s.list_push(0, b"l", End::Right, &[b"a", b"b", b"a", b"c", b"a"], false)
            .unwrap();
        let p = |rank, count, maxlen| PosOptions {
            rank,
            count,
            maxlen,
        };
        let mut pos = |o| s.list_pos(0, b"l", b"a", o).unwrap().unwrap();
        assert_eq!(pos(p(1, 0, 0)), vec![0, 2, 4]);
        assert_eq!(pos(p(2, 1, 0)), vec![2]);
        assert_eq!(pos(p(-1, 2, 0)), vec![4, 2]);
        assert_eq!(pos(p(1, 0, 2)), vec![0]);
    }
}
