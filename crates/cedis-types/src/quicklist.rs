//! `Quicklist`: Redis 7.0's list encoding, a deque of listpack nodes.
//!
//! # Shape
//!
//! * Every node is one [`Listpack`] holding a run of the list's elements;
//!   no node is empty.
//! * `fill` (`list-max-listpack-size`) bounds a node: positive, at most
//!   that many entries (and at most 8 KiB of listpack bytes, Redis's
//!   `SIZE_SAFETY_LIMIT`); -1..-5, at most 4/8/16/32/64 KiB of listpack
//!   bytes. Whether an element still fits is decided as Redis 7.0's
//!   `_quicklistNodeAllowInsert` does, from the node's byte size plus the
//!   element's raw length and an overhead estimate; so an element larger
//!   than the limit always gets a node of its own.
//! * `depth` (`list-compress-depth`): nodes more than `depth` from either
//!   end are kept LZF-compressed ([`crate::lzf`]) when that saves at least
//!   8 bytes and the node has at least 48 bytes (Redis's
//!   `MIN_COMPRESS_BYTES` / `MIN_COMPRESS_IMPROVE`). Compressed nodes are
//!   decompressed for a change and compressed again after it; reads
//!   decompress into a temporary.
//! * Node splits and merges follow Redis 7.0: pushes go into the end node
//!   if it allows the element, else a new node; inserting in the middle of
//!   a full node splits it and then merges small neighbours
//!   (`_quicklistMergeNodes`); deletions never merge; replacing an element
//!   replaces it in place.
//!
//! Elements are byte strings; as in any listpack a canonical decimal
//! integer is stored as an integer and read back as its decimal form.
//!
//! # Costs
//!
//! Locating an index walks the node counts from the nearer end
//! (O(nodes)), then the node's entries. Pushes and pops at either end are
//! O(1) amortized (plus a compression of the node that moves inside the
//! depth boundary).

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::listpack::{Listpack, LpValue};
use crate::lzf;

/// Byte limits of negative fill values -1..-5.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Largest node for positive fill values.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Nodes smaller than this are never compressed.
const MIN_COMPRESS_BYTES: usize = 48;
/// Compression must save at least this many bytes.
const MIN_COMPRESS_IMPROVE: usize = 8;
/// Bytes of a listpack's header and terminator.
const LP_OVERHEAD: usize = 7;

#[derive(Debug, Clone)]
enum Packed {
    Raw(Listpack),
    Lzf(Box<[u8]>),
}

#[derive(Debug, Clone)]
struct Node {
    packed: Packed,
    /// Number of entries.
    count: usize,
    /// Uncompressed listpack bytes.
    sz: usize,
}

impl Node {
    /// Releases the spare capacity of an uncompressed node.
    fn shrink(&mut self) {
        if let Packed::Raw(lp) = &mut self.packed {
            lp.shrink_to_fit();
        }
    }

    fn new(lp: Listpack) -> Node {
        let mut n = Node {
            packed: Packed::Raw(lp),
            count: 0,
            sz: 0,
        };
        n.refresh();
        n
    }

    fn refresh(&mut self) {
        if let Packed::Raw(lp) = &self.packed {
            self.count = lp.len();
            self.sz = lp.bytes_len();
        }
    }

    fn decompressed(&self) -> Cow<'_, Listpack> {
        match &self.packed {
            Packed::Raw(lp) => Cow::Borrowed(lp),
            Packed::Lzf(data) => Cow::Owned(inflate(data, self.sz)),
        }
    }

    /// The listpack, decompressed in place.
    fn lp_mut(&mut self) -> &mut Listpack {
        if let Packed::Lzf(data) = &self.packed {
            let lp = inflate(data, self.sz);
            self.packed = Packed::Raw(lp);
        }
        match &mut self.packed {
            Packed::Raw(lp) => lp,
            Packed::Lzf(_) => unreachable!("decompressed above"),
        }
    }

    fn is_compressed(&self) -> bool {
        matches!(self.packed, Packed::Lzf(_))
    }

    fn compress(&mut self) {
        let Packed::Raw(lp) = &self.packed else {
            return;
        };
        if self.sz < MIN_COMPRESS_BYTES {
            return;
        }
        let mut out = Vec::new();
        if lzf::compress_within(lp.as_bytes(), self.sz - MIN_COMPRESS_IMPROVE - 1, &mut out) {
            self.packed = Packed::Lzf(out.into_boxed_slice());
        }
    }

    fn decompress(&mut self) {
        self.lp_mut();
    }

    fn heap_bytes(&self) -> usize {
        match &self.packed {
            Packed::Raw(lp) => lp.heap_bytes(),
            Packed::Lzf(d) => d.len(),
        }
    }
}

fn inflate(data: &[u8], sz: usize) -> Listpack {
    let mut out = Vec::with_capacity(sz);
    match lzf::decompress(data, sz, &mut out) {
        Ok(()) => Listpack::from_bytes(out).unwrap_or_default(),
        Err(_) => {
            debug_assert!(false, "quicklist node failed to decompress");
            Listpack::new()
        }
    }
}

/// Whether a listpack of `sz` bytes meets a negative fill's byte limit.
fn meets_optimization(sz: usize, fill: i32) -> bool {
    if fill >= 0 {
        return false;
    }
    let off = (-(fill as i64) - 1) as usize;
    OPTIMIZATION_LEVEL.get(off).is_some_and(|&lim| sz <= lim)
}

/// Whether `node` may take one more element of raw length `sz`.
fn allow_insert(node: &Node, fill: i32, sz: usize) -> bool {
    let mut overhead = if sz < 254 { 1 } else { 5 };
    overhead += if sz < 64 {
        1
    } else if sz < 16384 {
        2
    } else {
        5
    };
    let new_sz = node.sz + sz + overhead;
    if meets_optimization(new_sz, fill) {
        true
    } else if new_sz > SIZE_SAFETY_LIMIT {
        false
    } else {
        (node.count as i64) < i64::from(fill)
    }
}

/// Whether nodes `a` and `b` may be merged into one.
fn allow_merge(a: &Node, b: &Node, fill: i32) -> bool {
    let merge_sz = (a.sz + b.sz).saturating_sub(LP_OVERHEAD);
    if meets_optimization(merge_sz, fill) {
        true
    } else if merge_sz > SIZE_SAFETY_LIMIT {
        false
    } else {
        ((a.count + b.count) as i64) <= i64::from(fill)
    }
}

/// A list of byte strings stored as Redis's quicklist.
#[derive(Debug, Clone)]
pub struct Quicklist {
    nodes: VecDeque<Node>,
    len: usize,
    fill: i32,
    depth: usize,
}

impl Default for Quicklist {
    fn default() -> Self {
        Quicklist::new(-2, 0)
    }
}

impl Quicklist {
    /// An empty list with node limit `fill` (`list-max-listpack-size`,
    /// 0 is taken as 1) and compression depth `depth`.
    pub fn new(fill: i32, depth: u32) -> Quicklist {
        Quicklist {
            nodes: VecDeque::new(),
            len: 0,
            fill: if fill == 0 {
                1
            } else {
                fill.clamp(-5, 1 << 15)
            },
            depth: depth as usize,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of compressed nodes.
    pub fn compressed_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_compressed()).count()
    }

    /// Sum of the nodes' uncompressed listpack bytes.
    pub fn listpack_bytes(&self) -> usize {
        self.nodes.iter().map(|n| n.sz).sum()
    }

    /// Largest node's entry count.
    pub fn max_node_count(&self) -> usize {
        self.nodes.iter().map(|n| n.count).max().unwrap_or(0)
    }

    /// Heap bytes held (memory accounting).
    pub fn heap_size(&self) -> usize {
        self.nodes.iter().map(Node::heap_bytes).sum::<usize>()
            + self.nodes.capacity() * std::mem::size_of::<Node>()
    }

    /// The node limit.
    pub fn fill(&self) -> i32 {
        self.fill
    }

    /// The compression depth.
    pub fn depth(&self) -> u32 {
        self.depth as u32
    }

    // ----- compression bookkeeping

    fn interior(&self, i: usize) -> bool {
        self.depth > 0 && i >= self.depth && i + self.depth < self.nodes.len()
    }

    /// Restores the invariant near the ends and around `touched`.
    fn recompress(&mut self, touched: &[usize]) {
        if self.depth == 0 {
            return;
        }
        let n = self.nodes.len();
        let edge = self.depth + 2;
        let fix = |ql: &mut Quicklist, i: usize| {
            if i >= n {
                return;
            }
            if ql.interior(i) {
                ql.nodes[i].compress();
            } else {
                ql.nodes[i].decompress();
            }
        };
        for i in 0..edge.min(n) {
            fix(self, i);
        }
        for i in n.saturating_sub(edge)..n {
            fix(self, i);
        }
        for &t in touched {
            for i in t.saturating_sub(1)..=t + 1 {
                fix(self, i);
            }
        }
    }

    /// Updates a node after a change, removing it if it became empty.
    /// Returns whether it was removed.
    fn settle(&mut self, i: usize) -> bool {
        self.nodes[i].refresh();
        if self.nodes[i].count == 0 {
            self.nodes.remove(i);
            true
        } else {
            false
        }
    }

    // ----- ends

    /// Prepends `v`.
    pub fn push_front(&mut self, v: &[u8]) {
        match self.nodes.front_mut() {
            Some(head) if allow_insert(head, self.fill, v.len()) => {
                head.lp_mut().push_front(v);
                head.refresh();
            }
            _ => {
                // The old end node is full: give back its growth slack.
                if let Some(old) = self.nodes.front_mut() {
                    old.shrink();
                }
                let mut lp = Listpack::new();
                lp.push_back(v);
                self.nodes.push_front(Node::new(lp));
            }
        }
        self.len += 1;
        self.recompress(&[]);
    }

    /// Appends `v`.
    pub fn push_back(&mut self, v: &[u8]) {
        match self.nodes.back_mut() {
            Some(tail) if allow_insert(tail, self.fill, v.len()) => {
                tail.lp_mut().push_back(v);
                tail.refresh();
            }
            _ => {
                // The old end node is full: give back its growth slack.
                if let Some(old) = self.nodes.back_mut() {
                    old.shrink();
                }
                let mut lp = Listpack::new();
                lp.push_back(v);
                self.nodes.push_back(Node::new(lp));
            }
        }
        self.len += 1;
        self.recompress(&[]);
    }

    /// Removes and returns the first element.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        let v = self.nodes.front_mut()?.lp_mut().first()?.to_vec();
        self.delete_at(0, 0);
        Some(v)
    }

    /// Removes and returns the last element.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        let last = self.nodes.len().checked_sub(1)?;
        let node = &mut self.nodes[last];
        let off = node.count - 1;
        let v = node.lp_mut().last()?.to_vec();
        self.delete_at(last, off);
        Some(v)
    }

    /// Deletes entry `off` of node `i`.
    fn delete_at(&mut self, i: usize, off: usize) {
        self.nodes[i].lp_mut().delete_range(off as i64, 1);
        self.len -= 1;
        self.settle(i);
        self.recompress(&[i]);
    }

    // ----- positions

    /// Node and offset of element `index` (negative from the end).
    fn locate(&self, index: i64) -> Option<(usize, usize)> {
        let i = if index < 0 {
            self.len
                .checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
        } else {
            usize::try_from(index).ok().filter(|&i| i < self.len)?
        };
        if i < self.len / 2 {
            let mut acc = 0;
            for (n, node) in self.nodes.iter().enumerate() {
                if i < acc + node.count {
                    return Some((n, i - acc));
                }
                acc += node.count;
            }
        } else {
            let mut acc = self.len;
            for (n, node) in self.nodes.iter().enumerate().rev() {
                acc -= node.count;
                if i >= acc {
                    return Some((n, i - acc));
                }
            }
        }
        None
    }

    /// Element `index` (negative from the end), as LINDEX.
    pub fn get(&self, index: i64) -> Option<Vec<u8>> {
        let (n, off) = self.locate(index)?;
        let lp = self.nodes[n].decompressed();
        let v = lp.get(off as i64)?.to_vec();
        Some(v)
    }

    /// Replaces element `index` (negative from the end); false if out of
    /// range (LSET).
    pub fn set(&mut self, index: i64, v: &[u8]) -> bool {
        let Some((n, off)) = self.locate(index) else {
            return false;
        };
        let node = &mut self.nodes[n];
        if let Some(mut c) = node.lp_mut().seek_mut(off as i64) {
            c.replace(v);
        }
        node.refresh();
        self.recompress(&[n]);
        true
    }

    /// Visits elements from `start` (an index in `0..len`) towards the back
    /// (or the front with `reverse`), passing each one's index and value,
    /// until `f` returns false or the list ends.
    pub fn visit(
        &self,
        start: usize,
        reverse: bool,
        mut f: impl FnMut(usize, LpValue<'_>) -> bool,
    ) {
        let Some((mut n, off)) = self.locate(start as i64) else {
            return;
        };
        let mut idx = start;
        let mut first = Some(off);
        loop {
            let lp = self.nodes[n].decompressed();
            let from = first.take();
            if reverse {
                let skip = from.map_or(0, |o| lp_len(&lp) - 1 - o);
                for v in lp.iter().rev().skip(skip) {
                    if !f(idx, v) {
                        return;
                    }
                    idx = idx.wrapping_sub(1);
                }
                if n == 0 {
                    return;
                }
                n -= 1;
            } else {
                for v in lp.iter().skip(from.unwrap_or(0)) {
                    if !f(idx, v) {
                        return;
                    }
                    idx += 1;
                }
                n += 1;
                if n == self.nodes.len() {
                    return;
                }
            }
        }
    }

    /// All elements, front to back.
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len);
        self.visit(0, false, |_, v| {
            out.push(v.to_vec());
            true
        });
        out
    }

    /// Index of the first element equal to `v`, from the front.
    pub fn position(&self, v: &[u8]) -> Option<usize> {
        let mut acc = 0;
        for node in &self.nodes {
            let lp = node.decompressed();
            if let Some(c) = lp.find(v, 0) {
                let mut k = 0;
                let mut p = c;
                while let Some(q) = p.prev() {
                    p = q;
                    k += 1;
                }
                return Some(acc + k);
            }
            acc += node.count;
        }
        None
    }

    /// Inserts `v` after (or before) element `index` (`0..len`), as
    /// LINSERT; an out-of-range index on an empty list pushes.
    pub fn insert(&mut self, index: usize, after: bool, v: &[u8]) {
        let Some((n, off)) = self.locate(index as i64) else {
            if self.is_empty() {
                self.push_back(v);
            }
            return;
        };
        let fill = self.fill;
        let full = !allow_insert(&self.nodes[n], fill, v.len());
        let count = self.nodes[n].count;
        let at_tail = after && off == count - 1;
        let at_head = !after && off == 0;
        self.len += 1;
        if !full {
            let lp = self.nodes[n].lp_mut();
            lp.insert(if after { off + 1 } else { off }, v);
            self.nodes[n].refresh();
            self.recompress(&[n]);
            return;
        }
        if at_tail && n + 1 < self.nodes.len() && allow_insert(&self.nodes[n + 1], fill, v.len()) {
            let next = &mut self.nodes[n + 1];
            next.lp_mut().push_front(v);
            next.refresh();
            self.recompress(&[n + 1]);
            return;
        }
        if at_head && n > 0 && allow_insert(&self.nodes[n - 1], fill, v.len()) {
            let prev = &mut self.nodes[n - 1];
            prev.lp_mut().push_back(v);
            prev.refresh();
            self.recompress(&[n - 1]);
            return;
        }
        if at_tail || at_head {
            let mut lp = Listpack::new();
            lp.push_back(v);
            let at = if after { n + 1 } else { n };
            self.nodes.insert(at, Node::new(lp));
            self.recompress(&[at]);
            return;
        }
        // Split the full node around the position, then merge neighbours.
        let orig = self.nodes[n].lp_mut();
        let mut new_lp = orig.clone();
        let mut center = n;
        if after {
            // The node keeps 0..=off; the new node the rest, then `v` first.
            orig.delete_range(off as i64 + 1, usize::MAX);
            new_lp.delete_range(0, off + 1);
            new_lp.push_front(v);
            self.nodes[n].refresh();
            self.nodes.insert(n + 1, Node::new(new_lp));
        } else {
            // The node keeps off..; the new node 0..off, then `v` last.
            orig.delete_range(0, off);
            new_lp.delete_range(off as i64, usize::MAX);
            new_lp.push_back(v);
            self.nodes[n].refresh();
            self.nodes.insert(n, Node::new(new_lp));
            center = n + 1;
        }
        let c = self.merge_around(center);
        self.recompress(&[c.saturating_sub(1), c, c + 1]);
    }

    /// Merges node `b` into node `a` (`b == a + 1`) if allowed; returns
    /// whether it did.
    fn try_merge(&mut self, a: usize) -> bool {
        let b = a + 1;
        if b >= self.nodes.len() || !allow_merge(&self.nodes[a], &self.nodes[b], self.fill) {
            return false;
        }
        let right = self.nodes.remove(b).map(|n| n.decompressed().into_owned());
        if let Some(right) = right {
            let left = self.nodes[a].lp_mut();
            for v in right.iter() {
                left.push_back(v);
            }
            self.nodes[a].refresh();
        }
        true
    }

    /// Redis's `_quicklistMergeNodes` around `center`; returns the
    /// center's final index.
    fn merge_around(&mut self, mut center: usize) -> usize {
        // prev-prev with prev.
        if center >= 2 && self.try_merge(center - 2) {
            center -= 1;
        }
        // next with next-next.
        self.try_merge(center + 1);
        // prev with center.
        if center >= 1 && self.try_merge(center - 1) {
            center -= 1;
        }
        // center with next.
        self.try_merge(center);
        center
    }

    /// Deletes up to `count` elements from `start`; returns how many.
    pub fn delete_range(&mut self, start: usize, count: usize) -> usize {
        let Some((mut n, mut off)) = self.locate(start as i64) else {
            return 0;
        };
        let mut left = count.min(self.len - start);
        let deleted = left;
        while left > 0 && n < self.nodes.len() {
            let node_count = self.nodes[n].count;
            let take = left.min(node_count - off);
            if off == 0 && take == node_count {
                self.nodes.remove(n);
            } else {
                self.nodes[n].lp_mut().delete_range(off as i64, take);
                self.settle(n);
                n += 1;
            }
            left -= take;
            off = 0;
        }
        self.len -= deleted;
        let t = n.saturating_sub(1);
        self.recompress(&[t, n]);
        deleted
    }

    /// Keeps elements `start..=end` only (both in range, `start <= end`),
    /// or empties the list when `start > end` (LTRIM after clamping).
    pub fn trim(&mut self, start: usize, end: usize) {
        if start > end || start >= self.len {
            self.nodes.clear();
            self.len = 0;
            return;
        }
        let end = end.min(self.len - 1);
        let tail = self.len - 1 - end;
        self.delete_range(0, start);
        if tail > 0 {
            self.delete_range(self.len - tail, tail);
        }
    }

    /// Removes elements equal to `v`: the first `count` from the front
    /// (count > 0), the last `-count` from the back (count < 0) or all
    /// (count 0), as LREM. Returns how many.
    pub fn remove(&mut self, v: &[u8], count: i64) -> usize {
        let limit = if count == 0 {
            usize::MAX
        } else {
            usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX)
        };
        let reverse = count < 0;
        let mut removed = 0;
        let mut touched = Vec::new();
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        if reverse {
            order.reverse();
        }
        let mut gone = Vec::new();
        for i in order {
            if removed == limit {
                break;
            }
            // Quick check without decompressing in place.
            if self.nodes[i].decompressed().find(v, 0).is_none() {
                continue;
            }
            let lp = self.nodes[i].lp_mut();
            let mut c = if reverse {
                lp.back_mut()
            } else {
                lp.front_mut()
            };
            loop {
                if removed == limit || c.is_end() {
                    break;
                }
                let hit = c.value().is_some_and(|x| x.eq_bytes(v));
                if hit {
                    c.delete();
                    removed += 1;
                    // Forward, the cursor is on the next entry already;
                    // backward, step to the one before the deleted entry.
                    if reverse && !c.move_prev() {
                        break;
                    }
                    continue;
                }
                if reverse {
                    if !c.move_prev() {
                        break;
                    }
                } else {
                    c.move_next();
                }
            }
            self.nodes[i].refresh();
            touched.push(i);
            if self.nodes[i].count == 0 {
                gone.push(i);
            }
        }
        self.len -= removed;
        gone.sort_unstable();
        for &i in gone.iter().rev() {
            self.nodes.remove(i);
        }
        if self.depth > 0 {
            // Indexes shifted: restore the invariant everywhere touched.
            for i in 0..self.nodes.len() {
                if self.interior(i) {
                    self.nodes[i].compress();
                } else {
                    self.nodes[i].decompress();
                }
            }
        }
        removed
    }
}

fn lp_len(lp: &Listpack) -> usize {
    lp.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(ql: &Quicklist, model: &VecDeque<Vec<u8>>) {
        let got = ql.to_vec();
        let want: Vec<Vec<u8>> = model.iter().cloned().collect();
        assert_eq!(got, want);
        assert_eq!(ql.len(), model.len());
        let mut total = 0;
        for (i, n) in ql.nodes.iter().enumerate() {
            assert!(n.count > 0, "empty node");
            total += n.count;
            if !ql.interior(i) {
                assert!(!n.is_compressed(), "end node {i} compressed");
            }
            if ql.fill > 0 {
                assert!(n.count <= ql.fill as usize || n.count == 1);
            }
        }
        assert_eq!(total, ql.len());
    }

    #[test]
    fn fill_limits_nodes() {
        let mut ql = Quicklist::new(4, 0);
        for i in 0..10 {
            ql.push_back(format!("{i}").as_bytes());
        }
        assert_eq!(ql.node_count(), 3);
        let mut ql = Quicklist::new(-1, 0);
        let big = vec![b'x'; 5000];
        ql.push_back(b"a");
        ql.push_back(&big);
        ql.push_back(b"b");
        assert_eq!(ql.node_count(), 3);
        assert_eq!(ql.get(1).unwrap(), big);
    }

    #[test]
    fn compression_keeps_ends_raw() {
        let mut ql = Quicklist::new(4, 1);
        for i in 0..100 {
            ql.push_back(format!("element-number-{i}-padding-padding").as_bytes());
        }
        assert!(ql.compressed_count() > 0);
        assert!(!ql.nodes[0].is_compressed());
        assert!(!ql.nodes[ql.node_count() - 1].is_compressed());
        assert_eq!(ql.get(50).unwrap(), b"element-number-50-padding-padding");
        assert!(ql.set(50, b"x"));
        assert_eq!(ql.get(50).unwrap(), b"x");
    }

    #[derive(Debug, Clone)]
    enum Op {
        PushFront(Vec<u8>),
        PushBack(Vec<u8>),
        PopFront,
        PopBack,
        Set(i64, Vec<u8>),
        Insert(usize, bool, Vec<u8>),
        Delete(usize, usize),
        Trim(usize, usize),
        Remove(Vec<u8>, i64),
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0u8..4).prop_map(|n| vec![b'a' + n]),
            (0i64..300).prop_map(|n| n.to_string().into_bytes()),
            (1usize..200).prop_map(|n| vec![b'z'; n]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            value().prop_map(Op::PushFront),
            value().prop_map(Op::PushBack),
            Just(Op::PopFront),
            Just(Op::PopBack),
            (-30i64..30, value()).prop_map(|(i, v)| Op::Set(i, v)),
            (0usize..40, any::<bool>(), value()).prop_map(|(i, a, v)| Op::Insert(i, a, v)),
            (0usize..40, 0usize..10).prop_map(|(s, c)| Op::Delete(s, c)),
            (0usize..10, 0usize..40).prop_map(|(s, e)| Op::Trim(s, e)),
            (value(), -3i64..3).prop_map(|(v, c)| Op::Remove(v, c)),
        ]
    }

    proptest! {
        #[test]
        fn matches_model(
            fill in prop_oneof![1i32..6, -5i32..=-1],
            depth in 0u32..3,
            ops in proptest::collection::vec(op(), 1..200),
        ) {
            let mut ql = Quicklist::new(fill, depth);
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::PushFront(v) => { ql.push_front(&v); m.push_front(v); }
                    Op::PushBack(v) => { ql.push_back(&v); m.push_back(v); }
                    Op::PopFront => prop_assert_eq!(ql.pop_front(), m.pop_front()),
                    Op::PopBack => prop_assert_eq!(ql.pop_back(), m.pop_back()),
                    Op::Set(i, v) => {
                        let idx = if i < 0 { m.len() as i64 + i } else { i };
                        let ok = idx >= 0 && (idx as usize) < m.len();
                        prop_assert_eq!(ql.set(i, &v), ok);
                        if ok { m[idx as usize] = v; }
                    }
                    Op::Insert(i, after, v) => {
                        if i < m.len() {
                            ql.insert(i, after, &v);
                            m.insert(if after { i + 1 } else { i }, v);
                        }
                    }
                    Op::Delete(s, c) => {
                        let n = ql.delete_range(s, c);
                        let want = if s < m.len() { c.min(m.len() - s) } else { 0 };
                        prop_assert_eq!(n, want);
                        for _ in 0..want { m.remove(s); }
                    }
                    Op::Trim(s, e) => {
                        ql.trim(s, e);
                        if s > e || s >= m.len() { m.clear(); } else {
                            let e = e.min(m.len() - 1);
                            m = m.iter().skip(s).take(e - s + 1).cloned().collect();
                        }
                    }
                    Op::Remove(v, c) => {
                        let limit = if c == 0 { usize::MAX } else { c.unsigned_abs() as usize };
                        let mut idx: Vec<usize> = (0..m.len()).filter(|&i| m[i] == v).collect();
                        if c < 0 { idx.reverse(); }
                        idx.truncate(limit);
                        idx.sort_unstable();
                        for &i in idx.iter().rev() { m.remove(i); }
                        prop_assert_eq!(ql.remove(&v, c), idx.len());
                    }
                }
                check(&ql, &m);
            }
            for (i, want) in m.iter().enumerate() {
                prop_assert_eq!(ql.get(i as i64), Some(want.clone()));
            }
            if !m.is_empty() {
                let mut rev = Vec::new();
                ql.visit(m.len() - 1, true, |i, v| { rev.push((i, v.to_vec())); true });
                let want: Vec<(usize, Vec<u8>)> = m.iter().cloned().enumerate().rev().collect();
                prop_assert_eq!(rev, want);
                prop_assert_eq!(ql.position(&m[m.len() / 2]), m.iter().position(|x| *x == m[m.len() / 2]));
            }
        }
    }
}
