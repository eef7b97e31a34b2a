//! RESP2/RESP3 codec for cedis (being written; this first part lands the
//! inline-argument splitter shared with the configuration parser).

mod inline;

pub use inline::{split_args, UnbalancedQuotes};
