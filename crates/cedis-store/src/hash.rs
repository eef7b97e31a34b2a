//! Hash values: `listpack` while small, a `Table` of fields beyond
//! `hash-max-listpack-entries` / `hash-max-listpack-value`, converting
//! exactly when redis-server 7.0 converts.

use cedis_types::listpack::Listpack;
use cedis_types::table::{Table, TableEntry};

/// One field of a hashtable-encoded hash: the field and its value in one
/// allocation.
#[derive(Debug, Clone)]
pub struct HashField {
    /// `field ++ value`.
    buf: Box<[u8]>,
    /// Length of the field prefix.
    field_len: u32,
}

impl HashField {
    /// A field and its value.
    pub fn new(field: &[u8], value: &[u8]) -> HashField {
        let mut buf = Vec::with_capacity(field.len() + value.len());
        buf.extend_from_slice(field);
        buf.extend_from_slice(value);
        HashField {
            buf: buf.into_boxed_slice(),
            field_len: field.len() as u32,
        }
    }

    /// The value.
    pub fn value(&self) -> &[u8] {
        &self.buf[self.field_len as usize..]
    }
}

impl TableEntry for HashField {
    fn key(&self) -> &[u8] {
        &self.buf[..self.field_len as usize]
    }
}

/// A hash value.
#[derive(Debug, Clone)]
pub enum HashValue {
    /// `listpack`: field, value, field, value, ...
    Listpack(Listpack),
    /// `hashtable`.
    Table(Table<HashField>),
}

impl HashValue {
    /// `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            HashValue::Listpack(_) => "listpack",
            HashValue::Table(_) => "hashtable",
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            HashValue::Listpack(lp) => lp.len() / 2,
            HashValue::Table(t) => t.len(),
        }
    }

    /// True when there are no fields (empty hashes are deleted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            HashValue::Listpack(lp) => lp.heap_bytes(),
            HashValue::Table(t) => {
                t.memory_usage() + t.iter().map(|(_, f)| f.buf.len()).sum::<usize>()
            }
        }
    }
}
