//! Sorted set values: `listpack` (member, score pairs in score order) while
//! small, `skiplist` (the arena skip list plus a member → score table)
//! beyond `zset-max-listpack-entries` / `zset-max-listpack-value`.

use cedis_types::listpack::Listpack;

/// A sorted set value.
#[derive(Debug, Clone)]
pub enum ZSetValue {
    /// `listpack`: member, score, member, score, ... by ascending score.
    Listpack(Listpack),
}

impl ZSetValue {
    /// `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            ZSetValue::Listpack(_) => "listpack",
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            ZSetValue::Listpack(lp) => lp.len() / 2,
        }
    }

    /// True when there are no members (empty sorted sets are deleted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            ZSetValue::Listpack(lp) => lp.heap_bytes(),
        }
    }
}
