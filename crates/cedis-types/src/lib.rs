//! `cedis-types`: the pure data structures behind cedis's values.
//!
//! Role: listpack, intset, quicklist, arena skip list, the keyspace hash
//! table, stream, HyperLogLog, geo, bitmaps and glob matching, each a plain
//! data structure with its tests beside it.
//!
//! Boundary: no I/O, no clock (time is always passed in), no global state,
//! no knowledge of RESP or of Redis commands. The keyspace engine
//! (`cedis-store`) composes these structures into Redis semantics.

pub mod bitops;
pub mod crc64;
pub mod glob;
pub mod intset;
pub mod listpack;
pub mod long_double;
pub mod lzf;
pub mod quicklist;
pub mod skiplist;
pub mod table;
pub mod zset_listpack;

pub use glob::glob_match;
pub use table::{EntryId, Table, TableEntry};
