//! The chunked slab that owns a table's entries.
//!
//! Slots are addressed by `u32` ids: `id = chunk << CHUNK_BITS | offset`.
//! Every chunk but the first is allocated with exactly `CHUNK` slots and is
//! never reallocated; the first grows by doubling up to `CHUNK` so that
//! small tables (large hashes and sets start small) stay small. Each chunk
//! keeps its entries and their `next` links in two parallel arrays, so a
//! slot costs `size_of::<Option<E>>() + 4` bytes with no padding, and so
//! that rewriting links (rehash, free list) never touches the entry array
//! (which is what a copy-on-write snapshot will share).
//!
//! Vacant slots hold `None` and are threaded into a LIFO free list through
//! their `next` link.

use std::mem::size_of;

/// log2 of the number of slots in a full chunk.
pub(crate) const CHUNK_BITS: u32 = 12;
/// Slots in a full chunk (4096).
pub(crate) const CHUNK: usize = 1 << CHUNK_BITS;
const OFFSET_MASK: u32 = (1 << CHUNK_BITS) - 1;
/// The "no slot" link: empty bucket, end of chain, end of free list.
pub(crate) const NIL: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Chunk<E> {
    entries: Vec<Option<E>>,
    next: Vec<u32>,
}

#[derive(Clone, Debug)]
pub(crate) struct Slab<E> {
    chunks: Vec<Chunk<E>>,
    /// Head of the free list of vacant slots.
    free_head: u32,
    /// Number of vacant slots on the free list.
    free_len: usize,
    /// Slots ever handed out (live + vacant).
    slots: usize,
}

#[inline(always)]
fn split(id: u32) -> (usize, usize) {
    ((id >> CHUNK_BITS) as usize, (id & OFFSET_MASK) as usize)
}

impl<E> Slab<E> {
    pub(crate) const fn new() -> Self {
        Slab {
            chunks: Vec::new(),
            free_head: NIL,
            free_len: 0,
            slots: 0,
        }
    }

    /// Live entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots - self.free_len
    }

    /// Slots handed out so far; ids of live entries are below this.
    #[inline]
    pub(crate) fn slots(&self) -> usize {
        self.slots
    }

    #[inline]
    pub(crate) fn free_len(&self) -> usize {
        self.free_len
    }

    pub(crate) fn chunks(&self) -> usize {
        self.chunks.len()
    }

    /// Stores `entry` in a free slot with link `next` and returns its id.
    /// Reuses the most recently freed slot first.
    pub(crate) fn alloc(&mut self, entry: E, next: u32) -> u32 {
        if self.free_head != NIL {
            let id = self.free_head;
            let (c, o) = split(id);
            let chunk = &mut self.chunks[c];
            self.free_head = chunk.next[o];
            self.free_len -= 1;
            debug_assert!(chunk.entries[o].is_none());
            chunk.entries[o] = Some(entry);
            chunk.next[o] = next;
            return id;
        }
        let id = u32::try_from(self.slots)
            .ok()
            .filter(|&id| id != NIL)
            .expect("table full: 2^32 - 1 entries");
        let (c, _) = split(id);
        if c == self.chunks.len() {
            // Chunks after the first are born full-size and never grow.
            let cap = if c == 0 { 4 } else { CHUNK };
            if c == 0 {
                self.chunks.reserve_exact(1);
            }
            self.chunks.push(Chunk {
                entries: Vec::with_capacity(cap),
                next: Vec::with_capacity(cap),
            });
        }
        let chunk = &mut self.chunks[c];
        if chunk.entries.len() == chunk.entries.capacity() {
            // Only the first chunk gets here: double it, up to CHUNK.
            let want = (chunk.entries.len() * 2).clamp(4, CHUNK) - chunk.entries.len();
            chunk.entries.reserve_exact(want);
            chunk.next.reserve_exact(want);
        }
        chunk.entries.push(Some(entry));
        chunk.next.push(next);
        self.slots += 1;
        id
    }

    /// Vacates a live slot and returns its entry; the slot goes on the free
    /// list. Panics if `id` is not live.
    pub(crate) fn free(&mut self, id: u32) -> E {
        let (c, o) = split(id);
        let chunk = &mut self.chunks[c];
        let entry = chunk.entries[o].take().expect("freeing a vacant slot");
        chunk.next[o] = self.free_head;
        self.free_head = id;
        self.free_len += 1;
        entry
    }

    /// The entry at `id` if it is live; `None` for vacant or unknown ids.
    #[inline]
    pub(crate) fn get(&self, id: u32) -> Option<&E> {
        let (c, o) = split(id);
        self.chunks.get(c)?.entries.get(o)?.as_ref()
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, id: u32) -> Option<&mut E> {
        let (c, o) = split(id);
        self.chunks.get_mut(c)?.entries.get_mut(o)?.as_mut()
    }

    /// The live entry at `id` and its chain link. `id` must be live (it
    /// came from a bucket chain).
    #[inline(always)]
    pub(crate) fn entry_and_next(&self, id: u32) -> (&E, u32) {
        let (c, o) = split(id);
        let chunk = &self.chunks[c];
        match &chunk.entries[o] {
            Some(e) => (e, chunk.next[o]),
            None => unreachable!("bucket chain points at a vacant slot"),
        }
    }

    /// The entry at a chained (so live) slot.
    #[inline(always)]
    pub(crate) fn entry_live(&self, id: u32) -> &E {
        let (c, o) = split(id);
        match &self.chunks[c].entries[o] {
            Some(e) => e,
            None => unreachable!("bucket chain points at a vacant slot"),
        }
    }

    #[inline(always)]
    pub(crate) fn next(&self, id: u32) -> u32 {
        let (c, o) = split(id);
        self.chunks[c].next[o]
    }

    #[inline(always)]
    pub(crate) fn set_next(&mut self, id: u32, next: u32) {
        let (c, o) = split(id);
        self.chunks[c].next[o] = next;
    }

    /// Whether slot index `i` (< `slots()`) holds a live entry.
    #[inline]
    pub(crate) fn is_live(&self, i: usize) -> bool {
        let (c, o) = (i >> CHUNK_BITS, i & OFFSET_MASK as usize);
        self.chunks[c].entries[o].is_some()
    }

    /// Live entries in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &E)> + '_ {
        self.chunks.iter().enumerate().flat_map(|(c, chunk)| {
            chunk.entries.iter().enumerate().filter_map(move |(o, e)| {
                e.as_ref()
                    .map(|e| (((c as u32) << CHUNK_BITS) | o as u32, e))
            })
        })
    }

    /// Bytes of allocated slots holding no entry (on the free list, or not
    /// handed out yet): room the slab fills before it allocates again. O(1):
    /// every chunk after the first has exactly `CHUNK` slots.
    pub(crate) fn vacant_bytes(&self) -> usize {
        let capacity = match self.chunks.first() {
            None => 0,
            Some(first) => first.entries.capacity() + (self.chunks.len() - 1) * CHUNK,
        };
        let live = self.slots - self.free_len;
        capacity.saturating_sub(live) * (size_of::<Option<E>>() + 4)
    }

    /// Heap bytes held by the slab (entries, links and the chunk vector).
    /// Does not include memory the entries themselves point to.
    pub(crate) fn memory_usage(&self) -> usize {
        let per_slot = size_of::<Option<E>>();
        self.chunks.capacity() * size_of::<Chunk<E>>()
            + self
                .chunks
                .iter()
                .map(|c| c.entries.capacity() * per_slot + c.next.capacity() * 4)
                .sum::<usize>()
    }

    /// Counts the free list by walking it (for invariant checks).
    #[cfg(test)]
    pub(crate) fn walk_free_list(&self) -> usize {
        let mut n = 0;
        let mut id = self.free_head;
        while id != NIL {
            assert!(self.get(id).is_none(), "free list holds a live slot");
            n += 1;
            id = self.next(id);
        }
        n
    }
}
