//! `Quicklist`: Redis 7.0's list encoding, a deque of listpack (and plain)
//! nodes.
//!
//! # Shape
//!
//! * Every node is one [`Listpack`] holding a run of the list's elements,
//!   or a plain node (below); no node is empty.
//! * `fill` (`list-max-listpack-size`) bounds a node: positive, at most
//!   that many entries (and at most 8 KiB of listpack bytes, Redis's
//!   `SIZE_SAFETY_LIMIT`); -1..-5, at most 4/8/16/32/64 KiB of listpack
//!   bytes. Whether an element still fits is decided as Redis 7.0's
//!   `_quicklistNodeAllowInsert` does, from the node's byte size plus the
//!   element's raw length and an overhead estimate; so an element larger
//!   than the limit always gets a node of its own.
//! * Plain nodes: an element of at least the packed threshold
//!   ([`Quicklist::set_packed_threshold`], Redis's `packed_threshold`,
//!   1 GiB by default, lowered by `DEBUG QUICKLIST-PACKED-THRESHOLD`) is
//!   stored alone in a node holding its raw bytes, not a listpack. Such a
//!   node never takes another element and never merges; LSET of a plain
//!   element with a small one moves it into a listpack, and a large LSET
//!   or LINSERT inside a listpack node splits the node around a new plain
//!   node, as Redis 7.0 does. The threshold is read at each change, like
//!   Redis's global, so the owner updates it when the setting changes.
//! * `depth` (`list-compress-depth`): nodes (plain ones too) more than
//!   `depth` from either end are kept LZF-compressed ([`crate::lzf`]) when
//!   that saves at least 8 bytes and the node has at least 48 bytes (Redis's
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
/// Redis's default `packed_threshold`: elements of 1 GiB or more get a
/// plain node.
pub const DEFAULT_PACKED_THRESHOLD: usize = 1 << 30;

#[derive(Debug, Clone)]
enum Packed {
    /// A listpack of the node's entries.
    Raw(Listpack),
    /// A plain node: one element's raw bytes.
    Plain(Box<[u8]>),
    /// The LZF-compressed listpack, or the element's bytes when `plain`.
    Lzf { data: Box<[u8]>, plain: bool },
}

#[derive(Debug, Clone)]
struct Node {
    packed: Packed,
    /// Number of entries (1 for a plain node).
    count: usize,
    /// Uncompressed bytes: the listpack's, or a plain element's length.
    sz: usize,
}

/// A node's contents for reading, decompressed if need be.
enum View<'a> {
    Lp(Cow<'a, Listpack>),
    Plain(Cow<'a, [u8]>),
}

impl View<'_> {
    fn iter(&self) -> NodeIter<'_> {
        match self {
            View::Lp(lp) => NodeIter::Lp(lp.iter()),
            View::Plain(b) => NodeIter::Plain(Some(LpValue::Str(b))),
        }
    }

    fn get(&self, off: usize) -> Option<LpValue<'_>> {
        match self {
            View::Lp(lp) => lp.get(off as i64),
            View::Plain(b) => (off == 0).then_some(LpValue::Str(b)),
        }
    }

    fn contains(&self, v: &[u8]) -> bool {
        match self {
            View::Lp(lp) => lp.find(v, 0).is_some(),
            View::Plain(b) => **b == *v,
        }
    }
}

/// The entries of one node, from either end.
enum NodeIter<'a> {
    Lp(crate::listpack::Iter<'a>),
    Plain(Option<LpValue<'a>>),
}

impl<'a> Iterator for NodeIter<'a> {
    type Item = LpValue<'a>;

    fn next(&mut self) -> Option<LpValue<'a>> {
        match self {
            NodeIter::Lp(it) => it.next(),
            NodeIter::Plain(v) => v.take(),
        }
    }
}

impl DoubleEndedIterator for NodeIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            NodeIter::Lp(it) => it.next_back(),
            NodeIter::Plain(v) => v.take(),
        }
    }
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

    /// A plain node holding `v` alone.
    fn plain(v: &[u8]) -> Node {
        Node {
            packed: Packed::Plain(v.into()),
            count: 1,
            sz: v.len(),
        }
    }

    /// A listpack node holding `v` alone.
    fn single(v: &[u8]) -> Node {
        let mut lp = Listpack::new();
        lp.push_back(v);
        Node::new(lp)
    }

    /// A node for `v` alone: plain if `v` reaches `threshold`.
    fn for_value(v: &[u8], threshold: usize) -> Node {
        if v.len() >= threshold {
            Node::plain(v)
        } else {
            Node::single(v)
        }
    }

    #[inline]
    fn is_plain(&self) -> bool {
        matches!(
            self.packed,
            Packed::Plain(_) | Packed::Lzf { plain: true, .. }
        )
    }

    #[inline]
    fn refresh(&mut self) {
        match &self.packed {
            Packed::Raw(lp) => {
                self.count = lp.len();
                self.sz = lp.bytes_len();
            }
            Packed::Plain(b) => {
                self.count = 1;
                self.sz = b.len();
            }
            Packed::Lzf { .. } => {}
        }
    }

    fn view(&self) -> View<'_> {
        match &self.packed {
            Packed::Raw(lp) => View::Lp(Cow::Borrowed(lp)),
            Packed::Plain(b) => View::Plain(Cow::Borrowed(b)),
            Packed::Lzf { data, plain: false } => View::Lp(Cow::Owned(inflate(data, self.sz))),
            Packed::Lzf { data, plain: true } => {
                View::Plain(Cow::Owned(inflate_raw(data, self.sz)))
            }
        }
    }

    /// The listpack, decompressed in place. Only listpack nodes are
    /// edited through it; a plain node (a caller's bug) is turned into a
    /// listpack of its one element so nothing is lost.
    #[inline]
    fn lp_mut(&mut self) -> &mut Listpack {
        if !matches!(self.packed, Packed::Raw(_)) {
            self.make_raw();
        }
        match &mut self.packed {
            Packed::Raw(lp) => lp,
            _ => unreachable!("decompressed above"),
        }
    }

    #[cold]
    fn make_raw(&mut self) {
        self.decompress();
        if let Packed::Plain(b) = &self.packed {
            debug_assert!(false, "listpack edit of a plain quicklist node");
            let mut lp = Listpack::new();
            lp.push_back(&b[..]);
            self.packed = Packed::Raw(lp);
        }
    }

    fn is_compressed(&self) -> bool {
        matches!(self.packed, Packed::Lzf { .. })
    }

    /// Compresses the node (listpack or plain, as Redis does) when that
    /// saves enough.
    fn compress(&mut self) {
        let (bytes, plain) = match &self.packed {
            Packed::Raw(lp) => (lp.as_bytes(), false),
            Packed::Plain(b) => (&b[..], true),
            Packed::Lzf { .. } => return,
        };
        if self.sz < MIN_COMPRESS_BYTES {
            return;
        }
        let mut out = Vec::new();
        if lzf::compress_within(bytes, self.sz - MIN_COMPRESS_IMPROVE - 1, &mut out) {
            self.packed = Packed::Lzf {
                data: out.into_boxed_slice(),
                plain,
            };
        }
    }

    fn decompress(&mut self) {
        if let Packed::Lzf { data, plain } = &self.packed {
            self.packed = if *plain {
                Packed::Plain(inflate_raw(data, self.sz).into_boxed_slice())
            } else {
                Packed::Raw(inflate(data, self.sz))
            };
        }
    }

    /// The element of a plain node, taken out of it.
    fn into_plain(mut self) -> Option<Vec<u8>> {
        self.decompress();
        match self.packed {
            Packed::Plain(b) => Some(b.into_vec()),
            _ => None,
        }
    }

    fn heap_bytes(&self) -> usize {
        match &self.packed {
            Packed::Raw(lp) => lp.heap_bytes(),
            Packed::Plain(b) => b.len(),
            Packed::Lzf { data, .. } => data.len(),
        }
    }
}

fn inflate_raw(data: &[u8], sz: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(sz);
    if lzf::decompress(data, sz, &mut out).is_err() {
        debug_assert!(false, "quicklist node failed to decompress");
        out.clear();
    }
    out
}

fn inflate(data: &[u8], sz: usize) -> Listpack {
    Listpack::from_bytes(inflate_raw(data, sz)).unwrap_or_default()
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
    if node.is_plain() {
        return false;
    }
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
    if a.is_plain() || b.is_plain() {
        return false;
    }
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
    /// Elements at least this long get a plain node of their own.
    packed_threshold: usize,
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
            packed_threshold: DEFAULT_PACKED_THRESHOLD,
        }
    }

    /// Sets the plain-node threshold (`DEBUG QUICKLIST-PACKED-THRESHOLD`):
    /// elements of at least `threshold` bytes pushed, inserted or set from
    /// now on are stored alone in a plain node. 0 restores the default
    /// (1 GiB).
    #[inline]
    pub fn set_packed_threshold(&mut self, threshold: usize) {
        self.packed_threshold = if threshold == 0 {
            DEFAULT_PACKED_THRESHOLD
        } else {
            threshold
        };
    }

    /// The plain-node threshold.
    pub fn packed_threshold(&self) -> usize {
        self.packed_threshold
    }

    /// Number of plain nodes.
    pub fn plain_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_plain()).count()
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
    #[inline]
    fn recompress(&mut self, touched: &[usize]) {
        if self.depth > 0 {
            self.recompress_nodes(touched);
        }
    }

    fn recompress_nodes(&mut self, touched: &[usize]) {
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
        self.push(v, true);
    }

    /// Appends `v`.
    pub fn push_back(&mut self, v: &[u8]) {
        self.push(v, false);
    }

    #[inline(always)]
    fn push(&mut self, v: &[u8], front: bool) {
        let large = v.len() >= self.packed_threshold;
        let fill = self.fill;
        let end = if front {
            self.nodes.front_mut()
        } else {
            self.nodes.back_mut()
        };
        match end {
            Some(node) if !large && allow_insert(node, fill, v.len()) => {
                let lp = node.lp_mut();
                if front {
                    lp.push_front(v);
                } else {
                    lp.push_back(v);
                }
                node.refresh();
            }
            old => {
                // The old end node is full: give back its growth slack.
                if let Some(old) = old {
                    old.shrink();
                }
                let node = Node::for_value(v, self.packed_threshold);
                if front {
                    self.nodes.push_front(node);
                } else {
                    self.nodes.push_back(node);
                }
            }
        }
        self.len += 1;
        self.recompress(&[]);
    }

    /// Removes and returns the first element.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        self.pop_at(0, false)
    }

    /// Removes and returns the last element.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        let last = self.nodes.len().checked_sub(1)?;
        self.pop_at(last, true)
    }

    /// Removes and returns the first (or `last`) entry of node `i`.
    fn pop_at(&mut self, i: usize, last: bool) -> Option<Vec<u8>> {
        let node = self.nodes.get(i)?;
        let off = if last { node.count - 1 } else { 0 };
        if node.is_plain() {
            let v = self.nodes.remove(i)?.into_plain();
            self.len -= 1;
            self.recompress(&[i]);
            return v;
        }
        let v = match node.view() {
            View::Lp(lp) if last => lp.last()?.to_vec(),
            View::Lp(lp) => lp.first()?.to_vec(),
            View::Plain(b) => b.to_vec(),
        };
        self.delete_at(i, off);
        Some(v)
    }

    /// Deletes entry `off` of node `i`.
    fn delete_at(&mut self, i: usize, off: usize) {
        if self.nodes[i].is_plain() {
            self.nodes.remove(i);
        } else {
            self.nodes[i].lp_mut().delete_range(off as i64, 1);
            self.settle(i);
        }
        self.len -= 1;
        self.recompress(&[i]);
    }

    /// Splits node `n` before its entry `at` (`0 < at < count`): the node
    /// keeps the entries before, the returned node (not yet in the list)
    /// holds the rest.
    fn split_at(&mut self, n: usize, at: usize) -> Node {
        let orig = self.nodes[n].lp_mut();
        let mut rest = orig.clone();
        orig.delete_range(at as i64, usize::MAX);
        rest.delete_range(0, at);
        self.nodes[n].refresh();
        Node::new(rest)
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
        let v = self.nodes[n].view().get(off)?.to_vec();
        Some(v)
    }

    /// Replaces element `index` (negative from the end); false if out of
    /// range (LSET).
    pub fn set(&mut self, index: i64, v: &[u8]) -> bool {
        let Some((n, off)) = self.locate(index) else {
            return false;
        };
        let large = v.len() >= self.packed_threshold;
        let node = &mut self.nodes[n];
        match (node.is_plain(), large) {
            (false, false) => {
                if let Some(mut c) = node.lp_mut().seek_mut(off as i64) {
                    c.replace(v);
                }
                node.refresh();
                self.recompress(&[n]);
            }
            (true, true) => {
                *node = Node::plain(v);
                self.recompress(&[n]);
            }
            (true, false) => {
                // Insert the small element after the plain node (into the
                // next node if it has room), then drop the plain node.
                // A plain node holds one element: `off` is 0.
                let at = if index < 0 {
                    self.len - index.unsigned_abs() as usize
                } else {
                    index as usize
                };
                self.insert(at, true, v);
                self.nodes.remove(n);
                self.len -= 1;
                self.recompress(&[n]);
            }
            (false, true) => {
                // Split the node after the element, put a plain node
                // after it, then delete the element (the node's last now).
                // Nothing merges (as redis-server: checked with its
                // DEBUG OBJECT node counts).
                let count = node.count;
                if off + 1 < count {
                    let rest = self.split_at(n, off + 1);
                    self.nodes.insert(n + 1, rest);
                }
                self.nodes.insert(n + 1, Node::plain(v));
                let at = if off == 0 {
                    self.nodes.remove(n);
                    n
                } else {
                    self.nodes[n].lp_mut().delete_range(off as i64, 1);
                    self.nodes[n].refresh();
                    n + 1
                };
                self.recompress(&[at.saturating_sub(1), at, at + 1]);
            }
        }
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
            let view = self.nodes[n].view();
            let from = first.take();
            if reverse {
                let skip = from.map_or(0, |o| self.nodes[n].count - 1 - o);
                for v in view.iter().rev().skip(skip) {
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
                for v in view.iter().skip(from.unwrap_or(0)) {
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
            let found = match node.view() {
                View::Lp(lp) => lp.find(v, 0).map(|mut c| {
                    let mut k = 0;
                    while let Some(q) = c.prev() {
                        c = q;
                        k += 1;
                    }
                    k
                }),
                View::Plain(b) => (*b == *v).then_some(0),
            };
            if let Some(k) = found {
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
        if v.len() >= self.packed_threshold {
            // A plain node beside the pivot's node, or inside it after a
            // split (no merging, as Redis).
            if !(self.nodes[n].is_plain() || at_tail || at_head) {
                let rest = self.split_at(n, if after { off + 1 } else { off });
                self.nodes.insert(n + 1, rest);
            }
            let at = if after || !(self.nodes[n].is_plain() || at_head) {
                n + 1
            } else {
                n
            };
            self.nodes.insert(at, Node::plain(v));
            self.recompress(&[at]);
            return;
        }
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
            let at = if after { n + 1 } else { n };
            self.nodes.insert(at, Node::single(v));
            self.recompress(&[at]);
            return;
        }
        // Split the full node around the position, then merge neighbours
        // around the part that kept the pivot (Redis's original node).
        let mut rest = self.split_at(n, if after { off + 1 } else { off });
        let center = if after {
            // 0..=off stays; `v` goes first in the rest.
            rest.lp_mut().push_front(v);
            rest.refresh();
            n
        } else {
            // 0..off stays, then `v`; the rest from the pivot on.
            self.nodes[n].lp_mut().push_back(v);
            self.nodes[n].refresh();
            n + 1
        };
        self.nodes.insert(n + 1, rest);
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
        if let Some(right) = self.nodes.remove(b) {
            let left = self.nodes[a].lp_mut();
            for v in right.view().iter() {
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
            if !self.nodes[i].view().contains(v) {
                continue;
            }
            if self.nodes[i].is_plain() {
                removed += 1;
                gone.push(i);
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
            if n.is_plain() {
                assert_eq!(n.count, 1, "plain node {i} with several entries");
            }
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

    #[test]
    fn plain_nodes_hold_large_elements_alone() {
        let mut ql = Quicklist::new(-2, 0);
        ql.set_packed_threshold(5);
        for v in ["aa", "bb", "ccccc", "dd", "eeeeee", "ff"] {
            ql.push_back(v.as_bytes());
        }
        // As redis-server: [aa bb] [ccccc] [dd] [eeeeee] [ff], and the
        // uncompressed size counts a plain element's raw bytes.
        assert_eq!(ql.node_count(), 5);
        assert_eq!(ql.plain_count(), 2);
        assert_eq!(ql.listpack_bytes(), 48);
        assert_eq!(ql.pop_front().unwrap(), b"aa");
        assert_eq!(ql.get(1).unwrap(), b"ccccc");
        assert_eq!(ql.position(b"eeeeee"), Some(3));
        ql.set_packed_threshold(0);
        assert_eq!(ql.packed_threshold(), DEFAULT_PACKED_THRESHOLD);
    }

    #[test]
    fn set_switches_between_plain_and_packed() {
        let mut ql = Quicklist::new(-2, 0);
        ql.set_packed_threshold(5);
        for v in ["aa", "bb", "cc", "dd", "ee"] {
            ql.push_back(v.as_bytes());
        }
        // Packed -> plain in the middle splits the node in three.
        assert!(ql.set(2, b"eeeeeeeeee"));
        assert_eq!(ql.node_count(), 3);
        assert_eq!(ql.plain_count(), 1);
        // Plain -> plain replaces in place; plain -> packed joins the next
        // node.
        assert!(ql.set(2, b"ffffff"));
        assert_eq!(ql.plain_count(), 1);
        assert!(ql.set(-3, b"x"));
        assert_eq!(ql.plain_count(), 0);
        assert_eq!(ql.node_count(), 2);
        let want: Vec<Vec<u8>> = ["aa", "bb", "x", "dd", "ee"]
            .iter()
            .map(|v| v.as_bytes().to_vec())
            .collect();
        assert_eq!(ql.to_vec(), want);
    }

    #[test]
    fn inner_plain_nodes_are_compressed() {
        let mut ql = Quicklist::new(1, 1);
        ql.set_packed_threshold(1);
        for c in [b'a', b'b', b'c'] {
            ql.push_back(&[c; 200]);
        }
        assert_eq!(ql.plain_count(), 3);
        assert_eq!(ql.compressed_count(), 1);
        assert_eq!(ql.get(1).unwrap(), vec![b'b'; 200]);
        ql.insert(1, false, &[b'd'; 200]);
        assert_eq!(ql.compressed_count(), 2);
        assert_eq!(ql.remove(&[b'b'; 200], 0), 1);
        assert_eq!(
            ql.to_vec(),
            vec![vec![b'a'; 200], vec![b'd'; 200], vec![b'c'; 200]]
        );
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
        Threshold(usize),
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0u8..4).prop_map(|n| vec![b'a' + n]),
            (0i64..300).prop_map(|n| n.to_string().into_bytes()),
            (1usize..200).prop_map(|n| vec![b'z'; n]),
        ]
    }

    /// Plain-node thresholds: tiny ones so plain and packed nodes mix,
    /// and 0 (the default, 1 GiB).
    fn threshold() -> impl Strategy<Value = usize> {
        prop_oneof![Just(0usize), 1usize..4, 50usize..120]
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
            threshold().prop_map(Op::Threshold),
        ]
    }

    proptest! {
        #[test]
        fn matches_model(
            fill in prop_oneof![1i32..6, -5i32..=-1],
            depth in 0u32..3,
            threshold in threshold(),
            ops in proptest::collection::vec(op(), 1..200),
        ) {
            let mut ql = Quicklist::new(fill, depth);
            ql.set_packed_threshold(threshold);
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
                    Op::Threshold(t) => ql.set_packed_threshold(t),
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
