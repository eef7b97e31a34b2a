//! A cursor over a command's arguments, in the shape of mini-redis's
//! `Parse`: take the next argument as bytes, integer or float, match
//! options case-insensitively, and reject leftovers.

use bytes::Bytes;
use cedis_store::value::{parse_f64, parse_i64};

use super::error::CmdError;

/// The arguments after the command name.
#[derive(Debug)]
pub struct Args<'a> {
    args: &'a [Bytes],
    pos: usize,
}

impl<'a> Args<'a> {
    /// A cursor over `args` (the command name excluded).
    pub fn new(args: &'a [Bytes]) -> Self {
        Args { args, pos: 0 }
    }

    /// Arguments not consumed yet.
    pub fn remaining(&self) -> usize {
        self.args.len() - self.pos
    }

    /// The unconsumed arguments.
    pub fn rest(&self) -> &'a [Bytes] {
        &self.args[self.pos..]
    }

    /// The next argument as a shared `Bytes` (no copy).
    pub fn next_bytes(&mut self) -> Option<&'a Bytes> {
        let a = self.args.get(self.pos)?;
        self.pos += 1;
        Some(a)
    }

    /// The next argument; a syntax error if there is none.
    pub fn req(&mut self) -> Result<&'a [u8], CmdError> {
        self.next().ok_or(CmdError::Syntax)
    }

    /// The next argument as an i64 (`ERR value is not an integer...`).
    pub fn i64(&mut self) -> Result<i64, CmdError> {
        parse_i64(self.req()?).ok_or(CmdError::NotInteger)
    }

    /// The next argument as a float (`ERR value is not a valid float`).
    pub fn f64(&mut self) -> Result<f64, CmdError> {
        parse_f64(self.req()?).ok_or(CmdError::NotFloat)
    }

    /// Consumes the next argument if it equals `word` ignoring case.
    pub fn eat(&mut self, word: &str) -> bool {
        match self.args.get(self.pos) {
            Some(a) if a.eq_ignore_ascii_case(word.as_bytes()) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// Fails with a syntax error if arguments are left.
    pub fn finish(&self) -> Result<(), CmdError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(CmdError::Syntax)
        }
    }
}

impl<'a> Iterator for Args<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let a = self.args.get(self.pos)?;
        self.pos += 1;
        Some(a)
    }
}

/// True if `a` equals `word` ignoring ASCII case.
pub fn is(a: &[u8], word: &str) -> bool {
    a.eq_ignore_ascii_case(word.as_bytes())
}
