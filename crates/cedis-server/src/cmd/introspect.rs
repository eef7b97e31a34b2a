//! (being written)

use super::table::CommandSpec;

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[];
