//! List values: redis-server 7.0 keeps every list as a `quicklist` (a
//! list of listpack nodes bounded by `list-max-listpack-size`, inner nodes
//! LZF-compressed beyond `list-compress-depth`).

use std::collections::VecDeque;

use cedis_types::listpack::Listpack;

/// A list value: its listpack nodes, head first. (The quicklist proper —
/// node size limits, compression — replaces this representation with the
/// lists work.)
#[derive(Debug, Clone, Default)]
pub struct ListValue {
    /// The nodes, head first; none is empty.
    pub nodes: VecDeque<Listpack>,
}

impl ListValue {
    /// `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.nodes.iter().map(Listpack::len).sum()
    }

    /// True when there are no elements (empty lists are deleted).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        self.nodes.iter().map(Listpack::heap_bytes).sum()
    }
}
