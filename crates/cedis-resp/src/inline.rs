//! Splitting of inline command lines, with the quoting rules of redis-server's
//! inline protocol and of `redis.conf`.
//!
//! Rules (as documented for redis-server and observed on 7.0):
//! - arguments are separated by whitespace; leading whitespace is skipped;
//! - `"double quotes"` understand `\xHH`, `\n`, `\r`, `\t`, `\b`, `\a` and any
//!   other `\c` as a literal `c` (so `\\` and `\"`);
//! - `'single quotes'` understand only `\'`; any other backslash is literal;
//! - a quote may start in the middle of an argument (`a"b c"` is `ab c`), but a
//!   closing quote must be followed by whitespace or the end of the line;
//! - a quote left open at the end of the line is an error;
//! - a NUL byte ends the line (redis-server parses a C string).

use std::fmt;

/// The line has an unterminated quote, or a closing quote that is not
/// followed by whitespace. redis-server reports this as
/// `Protocol error: unbalanced quotes in request` (inline) or
/// `Unbalanced quotes in configuration line` (config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnbalancedQuotes;

impl fmt::Display for UnbalancedQuotes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unbalanced quotes")
    }
}

impl std::error::Error for UnbalancedQuotes {}

/// C `isspace` in the "C" locale.
#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

#[inline]
fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits one line into arguments the way redis-server splits inline
/// commands and configuration lines.
///
/// An empty or all-whitespace line gives an empty vector.
///
/// ```
/// use cedis_resp::split_args;
/// let args = split_args(br#"set "a b" 'it\'s' "\x41\n""#).unwrap();
/// assert_eq!(args, vec![b"set".to_vec(), b"a b".to_vec(), b"it's".to_vec(), b"A\n".to_vec()]);
/// assert!(split_args(b"get \"open").is_err());
/// ```
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, UnbalancedQuotes> {
    // A NUL ends the C string redis-server works on.
    let line = match line.iter().position(|&b| b == 0) {
        Some(n) => &line[..n],
        None => line,
    };
    let at = |i: usize| -> u8 { line.get(i).copied().unwrap_or(0) };
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            return Ok(args);
        }
        let mut cur = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            let c = at(i);
            if in_dq {
                if c == b'\\' && at(i + 1) == b'x' {
                    if let (Some(h), Some(l)) = (hex_val(at(i + 2)), hex_val(at(i + 3))) {
                        cur.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && at(i + 1) != 0 {
                    cur.push(match at(i + 1) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    i += 2;
                } else if c == b'"' {
                    if at(i + 1) != 0 && !is_space(at(i + 1)) {
                        return Err(UnbalancedQuotes);
                    }
                    i += 1;
                    break;
                } else if c == 0 {
                    return Err(UnbalancedQuotes);
                } else {
                    cur.push(c);
                    i += 1;
                }
            } else if in_sq {
                if c == b'\\' && at(i + 1) == b'\'' {
                    cur.push(b'\'');
                    i += 2;
                } else if c == b'\'' {
                    if at(i + 1) != 0 && !is_space(at(i + 1)) {
                        return Err(UnbalancedQuotes);
                    }
                    i += 1;
                    break;
                } else if c == 0 {
                    return Err(UnbalancedQuotes);
                } else {
                    cur.push(c);
                    i += 1;
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    _ => cur.push(c),
                }
                i += 1;
            }
        }
        args.push(cur);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &[u8]) -> Vec<Vec<u8>> {
        split_args(line).unwrap()
    }

    #[test]
    fn plain_words() {
        assert_eq!(
            ok(b"  set  k v \t"),
            vec![b"set".to_vec(), b"k".to_vec(), b"v".to_vec()]
        );
        assert!(ok(b"").is_empty());
        assert!(ok(b" \t\r\n").is_empty());
    }

    #[test]
    fn double_quote_escapes() {
        assert_eq!(
            ok(br#""\x41\x4a\n\r\t\b\a\\\"\q""#),
            vec![b"AJ\n\r\t\x08\x07\\\"q".to_vec()]
        );
        // Not a valid hex escape: the backslash escapes the `x`.
        assert_eq!(ok(br#""\xZZ""#), vec![b"xZZ".to_vec()]);
        assert_eq!(ok(br#""""#), vec![Vec::<u8>::new()]);
    }

    #[test]
    fn single_quotes() {
        assert_eq!(ok(br"'a\'b\n'"), vec![br"a'b\n".to_vec()]);
        assert_eq!(ok(b"''"), vec![Vec::<u8>::new()]);
    }

    #[test]
    fn quote_mid_word() {
        assert_eq!(ok(br#"a"b c" d"#), vec![b"ab c".to_vec(), b"d".to_vec()]);
        assert_eq!(ok(br"x'y z'"), vec![b"xy z".to_vec()]);
        // A closing quote must be followed by whitespace (any `isspace`).
        assert_eq!(ok(b"\"a\"\x0bb"), vec![b"a".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn unbalanced() {
        assert_eq!(split_args(br#""abc"#), Err(UnbalancedQuotes));
        assert_eq!(split_args(br"'abc"), Err(UnbalancedQuotes));
        assert_eq!(split_args(br#""abc"d"#), Err(UnbalancedQuotes));
        assert_eq!(split_args(br"'abc'd"), Err(UnbalancedQuotes));
        assert_eq!(split_args(br#""abc\"#), Err(UnbalancedQuotes));
    }

    #[test]
    fn nul_ends_line() {
        assert_eq!(ok(b"a b\0c d"), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(split_args(b"\"a\0\""), Err(UnbalancedQuotes));
    }
}
