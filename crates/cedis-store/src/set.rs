//! Set values: `intset` while every member is an integer and there are at
//! most `set-max-intset-entries` of them, a `Table` of members otherwise
//! (redis-server 7.0 has no listpack sets).

use cedis_types::intset::Intset;
use cedis_types::table::{Table, TableEntry};

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
    Table(Table<SetMember>),
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
                t.memory_usage() + t.iter().map(|(_, m)| m.0.len()).sum::<usize>()
            }
        }
    }
}
