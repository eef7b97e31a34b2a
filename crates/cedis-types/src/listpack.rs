//! `Listpack`: Redis's compact sequence of strings and integers, byte for
//! byte.
//!
//! Small lists, hashes and sorted sets live in one listpack each (and every
//! quicklist node is one), and RDB files embed the bytes verbatim ("hash
//! listpack", "zset listpack", "quicklist 2" nodes). So the in-memory form
//! *is* the wire form: [`Listpack::as_bytes`] is what goes into an RDB file,
//! and [`Listpack::from_bytes`] takes what comes out of one, validated.
//!
//! # Layout
//!
//! ```text
//!  <total-bytes u32 LE> <count u16 LE> <entry> ... <entry> <0xFF>
//!  entry = <encoding+data> <backlen>
//! ```
//!
//! * `count` is the number of entries, or 65535 meaning "unknown: walk the
//!   entries to count them". As in Redis it becomes 65535 when the count
//!   reaches 65535 and stays so (even after deletions) until the listpack is
//!   rebuilt; [`Listpack::len`] is O(1) below that and O(n) above.
//! * Encodings (first byte), chosen smallest-first exactly as Redis does:
//!
//!   | first byte | entry | encoding+data bytes |
//!   |---|---|---|
//!   | `0xxxxxxx` | integer 0..=127 | 1 |
//!   | `10llllll` | string, length < 64 | 1 + len |
//!   | `110xxxxx` + 1 | integer -4096..=4095 (13-bit two's complement, high bits first) | 2 |
//!   | `1110llll` + 1 | string, length < 4096 (12-bit length, high bits first) | 2 + len |
//!   | `0xF0` + u32 LE | string, any length | 5 + len |
//!   | `0xF1` / `0xF2` / `0xF3` / `0xF4` | i16 / i24 / i32 / i64, LE | 3 / 4 / 5 / 9 |
//!   | `0xF5..=0xFE` | invalid | |
//!   | `0xFF` | end of listpack | |
//!
//! * A string that is the canonical decimal form of an `i64` (what
//!   [`string_to_int`] accepts: no sign `+`, no leading zeros, no spaces,
//!   not `-0`) is stored as an integer, as Redis's `lpStringToInt64` decides;
//!   reading it back yields [`LpValue::Int`]. Everything else is stored as
//!   the string it is.
//! * `backlen` is the length of `<encoding+data>`, written for right-to-left
//!   reading: 1 to 5 bytes of 7 bits each, most significant first, every
//!   byte but the leftmost with its high bit set. Redis uses 1 byte up to
//!   127, 2 bytes below 16383, 3 below 2097151, 4 below 268435455, else 5
//!   (note 16383 itself takes 3 bytes; checked against real Redis bytes).
//!
//! The bytes are a pure function of the sequence of values: inserting,
//! replacing or deleting in any order leaves the same bytes Redis would
//! produce for the same final contents (the only exception being the
//! "unknown" count, which Redis also leaves at 65535).
//!
//! # Costs
//!
//! Per entry: the payload plus 2 bytes (integers 0..=127: 2 bytes in
//! total; strings under 64 bytes: length + 2; -4096..=4095: 3). Per
//! listpack: 7 bytes of header and terminator, plus the `Vec`'s 24 bytes and
//! its spare capacity (growth is amortized doubling; call
//! [`Listpack::shrink_to_fit`] to give it back). Measured by
//! `benches/listpack.rs`: see the table at the end of this section.
//!
//! * Reading by index ([`Listpack::get`], [`Listpack::seek`]) walks from the
//!   nearer end: O(min(i, n - i)) entry headers.
//! * Inserting or deleting anywhere shifts the bytes after the position
//!   (one `memmove`), and appending grows the `Vec` (amortized O(1)).
//!   Nothing else allocates: values are encoded straight into the buffer.
//! * [`Listpack::find`] compares entries in order (skipping `skip` entries
//!   after each comparison, e.g. 1 to look at the fields of a hash), O(n).
//!
//! Measured (2 shared vCPUs, loaded machine, one thread, not pinned; the
//! list holds 128 strings of 10 bytes, the hash 64 fields of 10 bytes with
//! 10-byte values):
//!
//! | what | result |
//! |---|---|
//! | 128 x 10-byte strings | 12.05 B/entry (1543 bytes) |
//! | 128 x integers 0..128 / 0..128000 | 2.05 / 4.75 B/entry |
//! | hash of 64 fields | 24.1 B per field-value pair |
//! | `push_back` x128 from empty | 2.6 µs (20 ns/op; `VecDeque<Vec<u8>>` 2.6 µs) |
//! | `push_front` x128 from empty | 3.1 µs (24 ns/op) |
//! | `get(32)` / `get(64)` | 65 ns / 140 ns (~2.2 ns per entry walked) |
//! | `iter()` / `iter().rev()`, 128 entries | 0.67 µs / 0.45 µs |
//! | `validate`, 128 entries | 0.85 µs |
//! | replace entry 64 (same size) | 178 ns (mostly the seek) |
//! | delete + reinsert at 64 | 385 ns |
//! | delete front + push back | 49 ns |
//! | `find(field, 1)` hit, average over 64 fields / miss | 259 ns / 407 ns |
//! | `HSET` existing field (find, move, replace) | 285 ns |
//!
//! # Positions
//!
//! Entries are addressed by index (`i64`, negative counting from the end,
//! as `LINDEX`) or by cursor. A [`Cursor`] is a read-only position that
//! borrows the listpack; a [`CursorMut`] borrows it mutably and can
//! replace, delete and insert at its position while staying valid, so no
//! byte offset ever outlives a mutation.
//!
//! # What it does not do
//!
//! It knows nothing of lists, hashes or sorted sets (pairing fields with
//! values, ordering by score, the `*-max-listpack-*` limits and conversion
//! to other encodings are the store's job). Mutations panic if the listpack
//! would exceed 4 GiB (its `u32` size field); check
//! [`Listpack::safe_to_add`] first, as Redis does with `lpSafeToAdd`.

use std::fmt;

/// Bytes of the header: total bytes (u32) and entry count (u16).
pub const HEADER_SIZE: usize = 6;
/// The terminator byte.
const EOF: u8 = 0xFF;
/// The count field's "unknown, walk to count" value.
const COUNT_UNKNOWN: u16 = u16::MAX;
/// Redis's `LISTPACK_MAX_SAFETY_SIZE`: callers keep listpacks below 1 GiB.
pub const MAX_SAFE_BYTES: usize = 1 << 30;
/// Largest encoding+data header: `0xF4` + 8 bytes.
const MAX_HEAD: usize = 9;

/// One entry's value, as stored: an integer or a string.
///
/// `Str` borrows the listpack. Two values compare equal with `==` only if
/// they have the same variant; use [`LpValue::eq_bytes`] to compare with a
/// string the way Redis does (`Int(12)` equals `"12"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum LpValue<'a> {
    /// An integer entry (stored in one of the integer encodings).
    Int(i64),
    /// A string entry that is not a canonical integer.
    Str(&'a [u8]),
}

impl fmt::Debug for LpValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LpValue::Int(i) => write!(f, "Int({i})"),
            LpValue::Str(s) => write!(f, "Str(\"{}\")", s.escape_ascii()),
        }
    }
}

impl<'a> LpValue<'a> {
    /// The integer, if this is an integer entry or a string that is a
    /// canonical integer (see [`string_to_int`]).
    #[inline]
    pub fn as_int(&self) -> Option<i64> {
        match *self {
            LpValue::Int(i) => Some(i),
            LpValue::Str(s) => string_to_int(s),
        }
    }

    /// The string, if this is a string entry (integers have no stored
    /// bytes; see [`LpValue::with_bytes`]).
    #[inline]
    pub fn as_str(&self) -> Option<&'a [u8]> {
        match *self {
            LpValue::Int(_) => None,
            LpValue::Str(s) => Some(s),
        }
    }

    /// Calls `f` with the value as a string (an integer formatted in
    /// decimal on the stack, without allocating).
    #[inline]
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            LpValue::Int(i) => {
                let mut buf = [0; 20];
                f(fmt_i64(i, &mut buf))
            }
            LpValue::Str(s) => f(s),
        }
    }

    /// Appends the value as a string to `out`.
    #[inline]
    pub fn write_to(&self, out: &mut Vec<u8>) {
        self.with_bytes(|b| out.extend_from_slice(b));
    }

    /// The value as an owned string.
    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }

    /// Length of the value as a string (`STRLEN`, `HSTRLEN`).
    #[inline]
    pub fn str_len(&self) -> usize {
        match *self {
            LpValue::Int(i) => fmt_i64(i, &mut [0; 20]).len(),
            LpValue::Str(s) => s.len(),
        }
    }

    /// Whether the value, as a string, equals `s`.
    #[inline]
    pub fn eq_bytes(&self, s: &[u8]) -> bool {
        match *self {
            LpValue::Int(i) => fmt_i64(i, &mut [0; 20]) == s,
            LpValue::Str(v) => v == s,
        }
    }
}

impl From<i64> for LpValue<'_> {
    #[inline]
    fn from(i: i64) -> Self {
        LpValue::Int(i)
    }
}

impl<'a> From<&'a [u8]> for LpValue<'a> {
    /// A string value. It is stored as an integer if it is a canonical one.
    #[inline]
    fn from(s: &'a [u8]) -> Self {
        LpValue::Str(s)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for LpValue<'a> {
    #[inline]
    fn from(s: &'a [u8; N]) -> Self {
        LpValue::Str(s)
    }
}

impl<'a> From<&'a Vec<u8>> for LpValue<'a> {
    #[inline]
    fn from(s: &'a Vec<u8>) -> Self {
        LpValue::Str(s)
    }
}

impl<'a> From<&'a str> for LpValue<'a> {
    #[inline]
    fn from(s: &'a str) -> Self {
        LpValue::Str(s.as_bytes())
    }
}

/// Parses `s` as an `i64` if and only if it is the canonical decimal form
/// of one (what `i64::to_string` would produce): optional `-`, no leading
/// zeros, no `+`, no spaces, not `-0`, in range. These are the strings a
/// listpack stores as integers (Redis's `lpStringToInt64`).
pub fn string_to_int(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [] => return None,
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits {
        [b'1'..=b'9', ..] if digits.len() <= 19 => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Formats `v` in decimal into the end of `buf`.
fn fmt_i64(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Why bytes are not a valid listpack. Offsets are from the start of the
/// bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Corrupt {
    /// Shorter than the 7 bytes of an empty listpack.
    TooShort {
        /// The length given.
        len: usize,
    },
    /// The total-bytes header disagrees with the length given.
    TotalBytes {
        /// What the header says.
        header: u32,
        /// The actual length.
        actual: usize,
    },
    /// The last byte is not the 0xFF terminator.
    NoTerminator,
    /// An entry starts with an unused encoding byte (0xF5..=0xFE), or a
    /// 0xFF terminator comes before the end.
    BadEncoding {
        /// Where the entry starts.
        offset: usize,
    },
    /// An entry runs past the terminator.
    EntryOverflow {
        /// Where the entry starts.
        offset: usize,
    },
    /// An entry's backlen is not the canonical encoding of its length.
    BadBacklen {
        /// Where the entry starts.
        offset: usize,
    },
    /// The count header is neither 65535 nor the number of entries.
    Count {
        /// What the header says.
        header: u16,
        /// The number of entries found.
        actual: usize,
    },
}

impl fmt::Display for Corrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Corrupt::TooShort { len } => write!(f, "listpack too short ({len} bytes)"),
            Corrupt::TotalBytes { header, actual } => write!(
                f,
                "listpack header says {header} bytes but {actual} were given"
            ),
            Corrupt::NoTerminator => f.write_str("listpack does not end with 0xFF"),
            Corrupt::BadEncoding { offset } => {
                write!(
                    f,
                    "listpack entry at offset {offset} has an invalid encoding"
                )
            }
            Corrupt::EntryOverflow { offset } => {
                write!(f, "listpack entry at offset {offset} runs past the end")
            }
            Corrupt::BadBacklen { offset } => {
                write!(f, "listpack entry at offset {offset} has a wrong backlen")
            }
            Corrupt::Count { header, actual } => write!(
                f,
                "listpack header counts {header} entries but holds {actual}"
            ),
        }
    }
}

impl std::error::Error for Corrupt {}

// ---------------------------------------------------------------------------
// Entry encoding and decoding.

/// Bytes of backlen for an entry whose encoding+data is `l` bytes.
#[inline]
fn backlen_size(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2_097_151 {
        3
    } else if l < 268_435_455 {
        4
    } else {
        5
    }
}

/// Writes the backlen of `l` into `out` (exactly `backlen_size(l)` bytes).
#[inline]
fn write_backlen(l: usize, out: &mut [u8]) {
    let k = out.len();
    debug_assert_eq!(k, backlen_size(l));
    out[0] = ((l >> (7 * (k - 1))) & 127) as u8;
    for (i, b) in out.iter_mut().enumerate().skip(1) {
        *b = ((l >> (7 * (k - 1 - i))) & 127) as u8 | 128;
    }
}

/// Reads a backlen whose last byte is at `end - 1` (trusted bytes).
#[inline]
fn read_backlen(buf: &[u8], end: usize) -> usize {
    let mut v = 0usize;
    let mut q = end;
    for shift in (0..35).step_by(7) {
        q -= 1;
        let b = buf[q];
        v |= usize::from(b & 127) << shift;
        if b & 128 == 0 {
            break;
        }
    }
    v
}

/// How many bytes, starting at the first, must be read to know an entry's
/// length; `None` for the terminator and the unused encodings.
#[inline]
fn len_bytes(first: u8) -> Option<usize> {
    match first {
        0x00..=0xBF => Some(1), // 7-bit uint, 6-bit string
        0xC0..=0xEF => Some(2), // 13-bit int, 12-bit string
        0xF0 => Some(5),        // 32-bit string
        0xF1..=0xF4 => Some(1), // 16/24/32/64-bit int
        _ => None,
    }
}

/// Length of the encoding+data of the entry at `p`, given that its first
/// [`len_bytes`] bytes are readable and it has a valid encoding. Returns a
/// `u64` so that a hostile 32-bit length cannot overflow on 32-bit targets.
#[inline]
fn enc_len(buf: &[u8], p: usize) -> u64 {
    let b = buf[p];
    match b {
        0x00..=0x7F => 1,
        0x80..=0xBF => 1 + u64::from(b & 0x3F),
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 2 + (u64::from(b & 0x0F) << 8 | u64::from(buf[p + 1])),
        0xF0 => {
            5 + u64::from(u32::from_le_bytes([
                buf[p + 1],
                buf[p + 2],
                buf[p + 3],
                buf[p + 4],
            ]))
        }
        0xF1 => 3,
        0xF2 => 4,
        0xF3 => 5,
        _ => 9, // 0xF4; other bytes never reach here
    }
}

/// Decodes the entry at `p` (trusted bytes). Returns the value and the
/// entry's length including its backlen.
#[inline]
fn decode(buf: &[u8], p: usize) -> (LpValue<'_>, usize) {
    let b = buf[p];
    let (v, l) = match b {
        0x00..=0x7F => (LpValue::Int(i64::from(b)), 1),
        0x80..=0xBF => {
            let n = usize::from(b & 0x3F);
            (LpValue::Str(&buf[p + 1..p + 1 + n]), 1 + n)
        }
        0xC0..=0xDF => {
            let u = i64::from(b & 0x1F) << 8 | i64::from(buf[p + 1]);
            (
                LpValue::Int(if u >= 1 << 12 { u - (1 << 13) } else { u }),
                2,
            )
        }
        0xE0..=0xEF => {
            let n = usize::from(b & 0x0F) << 8 | usize::from(buf[p + 1]);
            (LpValue::Str(&buf[p + 2..p + 2 + n]), 2 + n)
        }
        0xF0 => {
            let n = u32::from_le_bytes([buf[p + 1], buf[p + 2], buf[p + 3], buf[p + 4]]) as usize;
            (LpValue::Str(&buf[p + 5..p + 5 + n]), 5 + n)
        }
        0xF1 => {
            let v = i16::from_le_bytes([buf[p + 1], buf[p + 2]]);
            (LpValue::Int(i64::from(v)), 3)
        }
        0xF2 => {
            let v = i32::from_le_bytes([0, buf[p + 1], buf[p + 2], buf[p + 3]]) >> 8;
            (LpValue::Int(i64::from(v)), 4)
        }
        0xF3 => {
            let v = i32::from_le_bytes([buf[p + 1], buf[p + 2], buf[p + 3], buf[p + 4]]);
            (LpValue::Int(i64::from(v)), 5)
        }
        _ => {
            let mut a = [0; 8];
            a.copy_from_slice(&buf[p + 1..p + 9]);
            (LpValue::Int(i64::from_le_bytes(a)), 9)
        }
    };
    (v, l + backlen_size(l))
}

/// Length of the entry at `p` including its backlen (trusted bytes).
#[inline]
fn entry_size(buf: &[u8], p: usize) -> usize {
    let b = buf[p];
    // Fast paths: small integers and short strings (1-byte backlen).
    if b < 0x80 {
        return 2;
    }
    if b < 0xC0 {
        return 2 + usize::from(b & 0x3F);
    }
    let l = enc_len(buf, p) as usize;
    l + backlen_size(l)
}

/// Start of the entry before the one (or the terminator) at `p`, which must
/// not be the first entry (trusted bytes).
#[inline]
fn prev_offset(buf: &[u8], p: usize) -> usize {
    let l = read_backlen(buf, p);
    p - backlen_size(l) - l
}

/// A value ready to be written: its encoding header and string data.
struct Prepared<'a> {
    head: [u8; MAX_HEAD],
    head_len: usize,
    data: &'a [u8],
}

impl<'a> Prepared<'a> {
    #[inline]
    fn new(v: LpValue<'a>) -> Self {
        match v {
            LpValue::Int(i) => Self::int(i),
            LpValue::Str(s) => match string_to_int(s) {
                Some(i) => Self::int(i),
                None => Self::str(s),
            },
        }
    }

    #[inline]
    fn int(i: i64) -> Self {
        let mut head = [0; MAX_HEAD];
        let le = i.to_le_bytes();
        let head_len = if (0..=127).contains(&i) {
            head[0] = i as u8;
            1
        } else if (-4096..=4095).contains(&i) {
            let u = (i & 0x1FFF) as u16;
            head[0] = 0xC0 | (u >> 8) as u8;
            head[1] = u as u8;
            2
        } else if i16::try_from(i).is_ok() {
            head[0] = 0xF1;
            head[1..3].copy_from_slice(&le[..2]);
            3
        } else if (-(1 << 23)..(1 << 23)).contains(&i) {
            head[0] = 0xF2;
            head[1..4].copy_from_slice(&le[..3]);
            4
        } else if i32::try_from(i).is_ok() {
            head[0] = 0xF3;
            head[1..5].copy_from_slice(&le[..4]);
            5
        } else {
            head[0] = 0xF4;
            head[1..9].copy_from_slice(&le);
            9
        };
        Prepared {
            head,
            head_len,
            data: &[],
        }
    }

    #[inline]
    fn str(s: &'a [u8]) -> Self {
        let mut head = [0; MAX_HEAD];
        let n = s.len();
        let head_len = if n < 64 {
            head[0] = 0x80 | n as u8;
            1
        } else if n < 4096 {
            head[0] = 0xE0 | (n >> 8) as u8;
            head[1] = n as u8;
            2
        } else {
            let n32 = u32::try_from(n).expect("listpack string longer than 4 GiB");
            head[0] = 0xF0;
            head[1..5].copy_from_slice(&n32.to_le_bytes());
            5
        };
        Prepared {
            head,
            head_len,
            data: s,
        }
    }

    /// Encoding+data length.
    #[inline]
    fn enc_len(&self) -> usize {
        self.head_len + self.data.len()
    }

    /// Whole entry length, backlen included.
    #[inline]
    fn size(&self) -> usize {
        let l = self.enc_len();
        l + backlen_size(l)
    }

    /// Writes the entry into `out`, which is exactly `self.size()` bytes.
    #[inline]
    fn write(&self, out: &mut [u8]) {
        let h = self.head_len;
        let l = self.enc_len();
        out[..h].copy_from_slice(&self.head[..h]);
        out[h..l].copy_from_slice(self.data);
        write_backlen(l, &mut out[l..]);
    }
}

// ---------------------------------------------------------------------------
// The listpack.

/// A Redis-format listpack. See the [module docs](self).
///
/// `==` compares bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Listpack {
    /// Always a valid listpack: header, entries, terminator.
    buf: Vec<u8>,
}

impl Default for Listpack {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Listpack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Listpack")?;
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Listpack {
    /// An empty listpack (7 bytes).
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty listpack with room for `bytes` bytes in total before it
    /// reallocates.
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(bytes.max(HEADER_SIZE + 1));
        buf.extend_from_slice(&[7, 0, 0, 0, 0, 0, EOF]);
        Listpack { buf }
    }

    /// Takes ownership of listpack bytes (from an RDB file, say), after
    /// checking them fully with [`Listpack::validate`]. Never panics,
    /// whatever the bytes. The bytes are kept as they are.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, Corrupt> {
        Self::validate(bytes.as_ref())?;
        Ok(Listpack { buf: bytes })
    }

    /// Checks that `bytes` is a well-formed listpack and returns its number
    /// of entries: the header's size matches, every entry has a valid
    /// encoding, lies before the terminator and carries the canonical
    /// backlen of its length, the terminator is last, and the header's count
    /// is either right or 65535. O(n) in the number of entries; never
    /// panics. (What the entries mean, e.g. a hash's even count or unique
    /// fields, is for the caller to check.)
    pub fn validate(bytes: &[u8]) -> Result<usize, Corrupt> {
        let len = bytes.len();
        if len < HEADER_SIZE + 1 {
            return Err(Corrupt::TooShort { len });
        }
        let header = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if u64::from(header) != len as u64 {
            return Err(Corrupt::TotalBytes {
                header,
                actual: len,
            });
        }
        let end = len - 1;
        if bytes[end] != EOF {
            return Err(Corrupt::NoTerminator);
        }
        let mut p = HEADER_SIZE;
        let mut count = 0usize;
        while p < end {
            let offset = p;
            let lb = len_bytes(bytes[p]).ok_or(Corrupt::BadEncoding { offset })?;
            if lb > end - p {
                return Err(Corrupt::EntryOverflow { offset });
            }
            let l = enc_len(bytes, p);
            if l > (end - p) as u64 {
                return Err(Corrupt::EntryOverflow { offset });
            }
            let l = l as usize;
            let bl = backlen_size(l);
            if bl > end - p - l {
                return Err(Corrupt::EntryOverflow { offset });
            }
            let mut want = [0; 5];
            write_backlen(l, &mut want[..bl]);
            if bytes[p + l..p + l + bl] != want[..bl] {
                return Err(Corrupt::BadBacklen { offset });
            }
            p += l + bl;
            count += 1;
        }
        let header = u16::from_le_bytes([bytes[4], bytes[5]]);
        if header != COUNT_UNKNOWN && usize::from(header) != count {
            return Err(Corrupt::Count {
                header,
                actual: count,
            });
        }
        Ok(count)
    }

    /// The listpack's bytes, exactly as Redis lays them out.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The listpack's bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Number of entries: O(1), or O(n) once the count has reached 65535.
    #[inline]
    pub fn len(&self) -> usize {
        match self.header_count() {
            COUNT_UNKNOWN => self.iter().count(),
            n => usize::from(n),
        }
    }

    /// Whether there are no entries. O(1).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.len() == HEADER_SIZE + 1
    }

    /// Size of the listpack's bytes (its header's total-bytes field).
    #[inline]
    pub fn bytes_len(&self) -> usize {
        self.buf.len()
    }

    /// Heap bytes held, spare capacity included (for memory accounting).
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity()
    }

    /// Gives back the buffer's spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }

    /// Whether `add` more bytes keep the listpack under Redis's 1 GiB
    /// safety limit (`lpSafeToAdd`). Callers convert to another encoding
    /// when it says no.
    #[inline]
    pub fn safe_to_add(&self, add: usize) -> bool {
        self.buf.len().saturating_add(add) <= MAX_SAFE_BYTES
    }

    /// Bytes an entry holding `value` takes (backlen included).
    #[inline]
    pub fn encoded_size<'v>(value: impl Into<LpValue<'v>>) -> usize {
        Prepared::new(value.into()).size()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.buf.truncate(HEADER_SIZE);
        self.buf.push(EOF);
        self.buf[..HEADER_SIZE].copy_from_slice(&[7, 0, 0, 0, 0, 0]);
    }

    // ----- reading

    /// Iterates over the entries, front to back (`.rev()` for back to
    /// front).
    #[inline]
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            buf: &self.buf,
            front: HEADER_SIZE,
            back: self.eof(),
        }
    }

    /// The entry at `index`, negative counting from the end (-1 is the
    /// last), as `LINDEX`. Walks from the nearer end.
    #[inline]
    pub fn get(&self, index: i64) -> Option<LpValue<'_>> {
        self.seek(index).map(|c| c.value())
    }

    /// The first entry.
    #[inline]
    pub fn first(&self) -> Option<LpValue<'_>> {
        self.front().map(|c| c.value())
    }

    /// The last entry.
    #[inline]
    pub fn last(&self) -> Option<LpValue<'_>> {
        self.back().map(|c| c.value())
    }

    /// A cursor on the first entry.
    #[inline]
    pub fn front(&self) -> Option<Cursor<'_>> {
        (!self.is_empty()).then_some(Cursor {
            buf: &self.buf,
            off: HEADER_SIZE,
        })
    }

    /// A cursor on the last entry.
    #[inline]
    pub fn back(&self) -> Option<Cursor<'_>> {
        (!self.is_empty()).then(|| Cursor {
            buf: &self.buf,
            off: prev_offset(&self.buf, self.eof()),
        })
    }

    /// A cursor on the entry at `index` (negative from the end).
    #[inline]
    pub fn seek(&self, index: i64) -> Option<Cursor<'_>> {
        let off = self.offset_of(index)?;
        Some(Cursor {
            buf: &self.buf,
            off,
        })
    }

    /// The first entry, from the front, whose value equals `needle` (as a
    /// string: `Int(12)` matches `"12"`), comparing one entry and then
    /// skipping `skip` entries, and so on. With `skip = 1` it looks at the
    /// fields of a hash (entries 0, 2, 4...); the field's value is the
    /// cursor's [`Cursor::next`].
    pub fn find<'v>(&self, needle: impl Into<LpValue<'v>>, skip: usize) -> Option<Cursor<'_>> {
        self.front()?.find(needle, skip)
    }

    // ----- writing

    /// Appends `value` (a string that is a canonical integer is stored as
    /// one).
    ///
    /// # Panics
    ///
    /// If the listpack would exceed 4 GiB.
    #[inline]
    pub fn push_back<'v>(&mut self, value: impl Into<LpValue<'v>>) {
        let eof = self.eof();
        self.insert_at(eof, &Prepared::new(value.into()));
    }

    /// Prepends `value`.
    ///
    /// # Panics
    ///
    /// If the listpack would exceed 4 GiB.
    #[inline]
    pub fn push_front<'v>(&mut self, value: impl Into<LpValue<'v>>) {
        self.insert_at(HEADER_SIZE, &Prepared::new(value.into()));
    }

    /// Inserts `value` so that it ends up at `index` (`0..=len`), shifting
    /// the entries after it, as `Vec::insert`.
    ///
    /// # Panics
    ///
    /// If `index > len`, or if the listpack would exceed 4 GiB.
    pub fn insert<'v>(&mut self, index: usize, value: impl Into<LpValue<'v>>) {
        let off = match i64::try_from(index).ok().and_then(|i| self.offset_of(i)) {
            Some(off) => off,
            None if index == self.len() => self.eof(),
            None => panic!("listpack insert index {index} out of range"),
        };
        self.insert_at(off, &Prepared::new(value.into()));
    }

    /// Deletes up to `count` entries starting at `start` (negative from the
    /// end) and returns how many were deleted. Out-of-range `start` deletes
    /// nothing, as Redis's `lpDeleteRange`.
    pub fn delete_range(&mut self, start: i64, count: usize) -> usize {
        if count == 0 {
            return 0;
        }
        let Some(from) = self.offset_of(start) else {
            return 0;
        };
        let eof = self.eof();
        let mut to = from;
        let mut n = 0;
        while n < count && to < eof {
            to += entry_size(&self.buf, to);
            n += 1;
        }
        self.remove_bytes(from, to, n);
        n
    }

    /// A mutable cursor on the first entry (at the end if empty).
    #[inline]
    pub fn front_mut(&mut self) -> CursorMut<'_> {
        CursorMut {
            lp: self,
            off: HEADER_SIZE,
        }
    }

    /// A mutable cursor on the last entry (at the end if empty).
    #[inline]
    pub fn back_mut(&mut self) -> CursorMut<'_> {
        let off = self.back().map_or(HEADER_SIZE, |c| c.off);
        CursorMut { lp: self, off }
    }

    /// A mutable cursor at the end, past the last entry (inserting there
    /// appends).
    #[inline]
    pub fn end_mut(&mut self) -> CursorMut<'_> {
        let off = self.eof();
        CursorMut { lp: self, off }
    }

    /// A mutable cursor on the entry at `index` (negative from the end).
    #[inline]
    pub fn seek_mut(&mut self, index: i64) -> Option<CursorMut<'_>> {
        let off = self.offset_of(index)?;
        Some(CursorMut { lp: self, off })
    }

    /// [`Listpack::find`], returning a mutable cursor (`HSET` on an
    /// existing field: find it, [`CursorMut::move_next`], replace).
    pub fn find_mut<'v>(
        &mut self,
        needle: impl Into<LpValue<'v>>,
        skip: usize,
    ) -> Option<CursorMut<'_>> {
        let off = self.find(needle, skip)?.off;
        Some(CursorMut { lp: self, off })
    }

    // ----- internals

    /// Offset of the terminator.
    #[inline]
    fn eof(&self) -> usize {
        self.buf.len() - 1
    }

    #[inline]
    fn header_count(&self) -> u16 {
        u16::from_le_bytes([self.buf[4], self.buf[5]])
    }

    /// Offset of the entry at `index` (negative from the end), walking from
    /// the nearer end.
    fn offset_of(&self, index: i64) -> Option<usize> {
        let known = self.header_count() != COUNT_UNKNOWN;
        let (from_front, steps) = if index >= 0 && !known {
            (true, usize::try_from(index).ok()?)
        } else {
            let n = self.len();
            let i = if index < 0 {
                n.checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
            } else {
                usize::try_from(index).ok().filter(|&i| i < n)?
            };
            if i <= n / 2 {
                (true, i)
            } else {
                (false, n - 1 - i)
            }
        };
        let eof = self.eof();
        if from_front {
            let mut p = HEADER_SIZE;
            for _ in 0..steps {
                if p >= eof {
                    return None;
                }
                p += entry_size(&self.buf, p);
            }
            (p < eof).then_some(p)
        } else {
            let mut p = prev_offset(&self.buf, eof);
            for _ in 0..steps {
                p = prev_offset(&self.buf, p);
            }
            Some(p)
        }
    }

    /// Writes the header after a change of `+added - removed` entries.
    #[inline]
    fn update_header(&mut self, added: usize, removed: usize) {
        let total = u32::try_from(self.buf.len()).expect("listpack exceeds 4 GiB");
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let c = self.header_count();
        if c != COUNT_UNKNOWN {
            let n = (usize::from(c) + added - removed).min(usize::from(COUNT_UNKNOWN));
            self.buf[4..6].copy_from_slice(&(n as u16).to_le_bytes());
        }
    }

    /// Makes `new` bytes of room at `off` in place of the `old` bytes there.
    #[inline]
    fn resize_at(&mut self, off: usize, old: usize, new: usize) {
        let len = self.buf.len();
        if new > old {
            let grow = new - old;
            assert!(
                len + grow <= u32::MAX as usize,
                "listpack would exceed 4 GiB"
            );
            self.buf.resize(len + grow, 0);
            self.buf.copy_within(off + old..len, off + new);
        } else if new < old {
            self.buf.copy_within(off + old..len, off + new);
            self.buf.truncate(len - (old - new));
        }
    }

    fn insert_at(&mut self, off: usize, e: &Prepared<'_>) -> usize {
        let n = e.size();
        self.resize_at(off, 0, n);
        e.write(&mut self.buf[off..off + n]);
        self.update_header(1, 0);
        n
    }

    fn replace_at(&mut self, off: usize, e: &Prepared<'_>) {
        let old = entry_size(&self.buf, off);
        let n = e.size();
        self.resize_at(off, old, n);
        e.write(&mut self.buf[off..off + n]);
        self.update_header(0, 0);
    }

    fn remove_bytes(&mut self, from: usize, to: usize, entries: usize) {
        self.resize_at(from, to - from, 0);
        self.update_header(0, entries);
    }
}

impl<'v, V: Into<LpValue<'v>>> Extend<V> for Listpack {
    fn extend<I: IntoIterator<Item = V>>(&mut self, iter: I) {
        for v in iter {
            self.push_back(v);
        }
    }
}

impl<'v, V: Into<LpValue<'v>>> FromIterator<V> for Listpack {
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> Self {
        let mut lp = Listpack::new();
        lp.extend(iter);
        lp
    }
}

impl<'a> IntoIterator for &'a Listpack {
    type Item = LpValue<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over a listpack's entries, from either end.
#[derive(Clone)]
pub struct Iter<'a> {
    buf: &'a [u8],
    /// Next entry from the front.
    front: usize,
    /// End of the next entry from the back (its successor's offset).
    back: usize,
}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("front", &self.front)
            .field("back", &self.back)
            .finish()
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = LpValue<'a>;

    #[inline]
    fn next(&mut self) -> Option<LpValue<'a>> {
        if self.front >= self.back {
            return None;
        }
        let (v, size) = decode(self.buf, self.front);
        self.front += size;
        Some(v)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        // Every entry takes at least 2 bytes.
        let bytes = self.back.saturating_sub(self.front);
        (usize::from(bytes > 0), Some(bytes / 2))
    }
}

impl<'a> DoubleEndedIterator for Iter<'a> {
    #[inline]
    fn next_back(&mut self) -> Option<LpValue<'a>> {
        if self.front >= self.back {
            return None;
        }
        self.back = prev_offset(self.buf, self.back);
        Some(decode(self.buf, self.back).0)
    }
}

impl std::iter::FusedIterator for Iter<'_> {}

/// A read-only position on an entry of a listpack. Copy it freely; it
/// borrows the listpack, so it cannot outlive a change.
#[derive(Clone, Copy)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    /// Start of an entry (never the terminator).
    off: usize,
}

impl fmt::Debug for Cursor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor")
            .field("offset", &self.off)
            .field("value", &self.value())
            .finish()
    }
}

impl<'a> Cursor<'a> {
    /// The entry's value.
    #[inline]
    pub fn value(&self) -> LpValue<'a> {
        decode(self.buf, self.off).0
    }

    /// The next entry.
    #[inline]
    pub fn next(self) -> Option<Cursor<'a>> {
        let off = self.off + entry_size(self.buf, self.off);
        (self.buf[off] != EOF).then_some(Cursor { buf: self.buf, off })
    }

    /// The previous entry.
    #[inline]
    pub fn prev(self) -> Option<Cursor<'a>> {
        (self.off > HEADER_SIZE).then(|| Cursor {
            buf: self.buf,
            off: prev_offset(self.buf, self.off),
        })
    }

    /// Iterates from this entry (included) to the back.
    #[inline]
    pub fn iter_from(self) -> Iter<'a> {
        Iter {
            buf: self.buf,
            front: self.off,
            back: self.buf.len() - 1,
        }
    }

    /// Iterates from the front to this entry (included); `.rev()` walks
    /// back from it.
    #[inline]
    pub fn iter_to(self) -> Iter<'a> {
        Iter {
            buf: self.buf,
            front: HEADER_SIZE,
            back: self.off + entry_size(self.buf, self.off),
        }
    }

    /// [`Listpack::find`] starting at this entry (included).
    pub fn find<'v>(self, needle: impl Into<LpValue<'v>>, skip: usize) -> Option<Cursor<'a>> {
        let needle = needle.into();
        let mut nbuf = [0; 20];
        // The needle as a string, and as an integer if it is a canonical one.
        let (nstr, nint) = match needle {
            LpValue::Int(i) => (fmt_i64(i, &mut nbuf), Some(i)),
            LpValue::Str(s) => (s, string_to_int(s)),
        };
        let eof = self.buf.len() - 1;
        let mut p = self.off;
        while p < eof {
            let b = self.buf[p];
            let l = enc_len(self.buf, p) as usize;
            let head = match b {
                0x80..=0xBF => 1,
                0xE0..=0xEF => 2,
                0xF0 => 5,
                _ => 0, // an integer
            };
            let hit = if head == 0 {
                nint.is_some_and(|n| decode(self.buf, p).0 == LpValue::Int(n))
            } else {
                // Lengths first: most strings differ there.
                l - head == nstr.len() && self.buf[p + head..p + l] == *nstr
            };
            if hit {
                return Some(Cursor {
                    buf: self.buf,
                    off: p,
                });
            }
            p += l + backlen_size(l);
            for _ in 0..skip {
                if p >= eof {
                    return None;
                }
                p += entry_size(self.buf, p);
            }
        }
        None
    }
}

/// A position in a listpack that can change it: on an entry, or at the end
/// (past the last entry). It borrows the listpack mutably and stays valid
/// across its own changes.
pub struct CursorMut<'a> {
    lp: &'a mut Listpack,
    /// Start of an entry, or the terminator's offset (at the end).
    off: usize,
}

impl fmt::Debug for CursorMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CursorMut")
            .field("offset", &self.off)
            .field("value", &self.value())
            .finish()
    }
}

impl CursorMut<'_> {
    /// The current entry's value, or `None` at the end.
    #[inline]
    pub fn value(&self) -> Option<LpValue<'_>> {
        (!self.is_end()).then(|| decode(&self.lp.buf, self.off).0)
    }

    /// Whether the cursor is past the last entry.
    #[inline]
    pub fn is_end(&self) -> bool {
        self.off == self.lp.eof()
    }

    /// A read-only cursor on the current entry (`None` at the end), e.g. to
    /// look ahead with [`Cursor::next`].
    #[inline]
    pub fn as_cursor(&self) -> Option<Cursor<'_>> {
        (!self.is_end()).then_some(Cursor {
            buf: &self.lp.buf,
            off: self.off,
        })
    }

    /// Moves to the next entry, or to the end from the last entry. Returns
    /// false (and stays) if already at the end.
    #[inline]
    pub fn move_next(&mut self) -> bool {
        if self.is_end() {
            return false;
        }
        self.off += entry_size(&self.lp.buf, self.off);
        true
    }

    /// Moves to the previous entry (from the end: to the last entry).
    /// Returns false (and stays) if on the first entry or the listpack is
    /// empty.
    #[inline]
    pub fn move_prev(&mut self) -> bool {
        if self.off == HEADER_SIZE {
            return false;
        }
        self.off = prev_offset(&self.lp.buf, self.off);
        true
    }

    /// Replaces the current entry's value; the cursor stays on it. Returns
    /// false (and does nothing) at the end.
    ///
    /// # Panics
    ///
    /// If the listpack would exceed 4 GiB.
    pub fn replace<'v>(&mut self, value: impl Into<LpValue<'v>>) -> bool {
        if self.is_end() {
            return false;
        }
        self.lp.replace_at(self.off, &Prepared::new(value.into()));
        true
    }

    /// Deletes the current entry; the cursor moves to the entry that
    /// followed it (or the end). Returns false (and does nothing) at the
    /// end.
    pub fn delete(&mut self) -> bool {
        if self.is_end() {
            return false;
        }
        let to = self.off + entry_size(&self.lp.buf, self.off);
        self.lp.remove_bytes(self.off, to, 1);
        true
    }

    /// Inserts `value` before the current entry (at the end: appends); the
    /// cursor stays on the current entry (or the end).
    ///
    /// # Panics
    ///
    /// If the listpack would exceed 4 GiB.
    pub fn insert_before<'v>(&mut self, value: impl Into<LpValue<'v>>) {
        self.off += self.lp.insert_at(self.off, &Prepared::new(value.into()));
    }

    /// Inserts `value` after the current entry (at the end: appends); the
    /// cursor stays on the current entry (or the end, past the new one).
    ///
    /// # Panics
    ///
    /// If the listpack would exceed 4 GiB.
    pub fn insert_after<'v>(&mut self, value: impl Into<LpValue<'v>>) {
        if self.is_end() {
            self.insert_before(value);
        } else {
            let next = self.off + entry_size(&self.lp.buf, self.off);
            self.lp.insert_at(next, &Prepared::new(value.into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    // Real bytes from redis-server 7.0.15 (`DUMP` with `rdbcompression no`,
    // the RDB type byte, string length prefix, version and CRC stripped).

    /// `RPUSH ints` of [`BOUNDARY_INTS`], in that order (one quicklist node).
    const REDIS_INTS: &[u8] =
        b"\x87\x00\x00\x00\x1b\x00\x00\x01\x01\x01\x7f\x01\xc0\x80\x02\xdf\xff\x02\xdf\xc1\
    \x02\x3f\x01\xdf\xc0\x02\x40\x01\xcf\xff\x02\xf1\x00\x10\x03\xd0\x00\x02\xf1\xff\
    \xef\x03\xf1\xff\x7f\x03\xf2\x00\x80\x00\x04\xf1\x00\x80\x03\xf2\xff\x7f\xff\x04\
    \xf2\xff\xff\x7f\x04\xf3\x00\x00\x80\x00\x05\xf2\x00\x00\x80\x04\xf3\xff\xff\x7f\
    \xff\x05\xf3\xff\xff\xff\x7f\x05\xf4\x00\x00\x00\x80\x00\x00\x00\x00\x09\xf3\x00\
    \x00\x00\x80\x05\xf4\xff\xff\xff\x7f\xff\xff\xff\xff\x09\xf4\xff\xff\xff\xff\xff\
    \xff\xff\x7f\x09\xf4\x00\x00\x00\x00\x00\x00\x00\x80\x09\xff";

    /// `RPUSH strs` of [`ODD_STRS`] then 63 `a`s and 64 `b`s.
    const REDIS_STRS: &[u8] =
        b"\x1d\x01\x00\x00\x13\x00\x83\x30\x30\x37\x04\x82\x2d\x30\x03\x82\x2b\x31\x03\x82\
    \x20\x31\x03\x82\x31\x20\x03\x80\x01\x81\x2d\x02\x82\x30\x30\x03\x83\x31\x2e\x35\
    \x04\x84\x30\x78\x31\x30\x05\x94\x31\x32\x33\x34\x35\x36\x37\x38\x39\x30\x31\x32\
    \x33\x34\x35\x36\x37\x38\x39\x30\x15\x93\x39\x32\x32\x33\x33\x37\x32\x30\x33\x36\
    \x38\x35\x34\x37\x37\x35\x38\x30\x38\x14\x94\x2d\x39\x32\x32\x33\x33\x37\x32\x30\
    \x33\x36\x38\x35\x34\x37\x37\x35\x38\x30\x39\x15\xf4\x00\x00\x00\x00\x00\x00\x00\
    \x80\x09\x94\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\
    \x39\x39\x39\x15\x83\x2d\x30\x31\x04\x81\xff\x02\xbf\x61\x61\x61\x61\x61\x61\x61\
    \x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\
    \x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\
    \x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x40\xe0\x40\x62\
    \x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\
    \x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\
    \x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\
    \x62\x62\x62\x42\xff";

    /// `HSET h name cedis n 42 neg -7 f 3.14`.
    const REDIS_HASH: &[u8] =
        b"\x2a\x00\x00\x00\x08\x00\x84\x6e\x61\x6d\x65\x05\x85\x63\x65\x64\x69\x73\x06\x81\
    \x6e\x02\x2a\x01\x83\x6e\x65\x67\x04\xdf\xf9\x02\x81\x66\x02\x84\x33\x2e\x31\x34\
    \x05\xff";

    /// `ZADD z 1 a 2.5 b -3 c 1e20 d`: members and scores, by score.
    const REDIS_ZSET: &[u8] =
        b"\x24\x00\x00\x00\x08\x00\x81\x63\x02\xdf\xfd\x02\x81\x61\x02\x01\x01\x81\x62\x02\
    \x83\x32\x2e\x35\x04\x81\x64\x02\x85\x31\x65\x2b\x32\x30\x06\xff";

    const BOUNDARY_INTS: [i64; 27] = [
        0,
        1,
        127,
        128,
        -1,
        -63,
        63,
        -64,
        64,
        4095,
        4096,
        -4096,
        -4097,
        32767,
        32768,
        -32768,
        -32769,
        8388607,
        8388608,
        -8388608,
        -8388609,
        2147483647,
        2147483648,
        -2147483648,
        -2147483649,
        i64::MAX,
        i64::MIN,
    ];

    const ODD_STRS: [&[u8]; 17] = [
        b"007",
        b"-0",
        b"+1",
        b" 1",
        b"1 ",
        b"",
        b"-",
        b"00",
        b"1.5",
        b"0x10",
        b"12345678901234567890",
        b"9223372036854775808",
        b"-9223372036854775809",
        b"-9223372036854775808",
        b"99999999999999999999",
        b"-01",
        b"\xff",
    ];

    /// FNV-1a 64, to record large real listpacks by length and hash.
    fn fnv(b: &[u8]) -> u64 {
        b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &c| {
            (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    /// Independent statement of the integer rule: canonical `i64` text.
    fn is_canonical_int(s: &[u8]) -> bool {
        std::str::from_utf8(s)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .is_some_and(|i| i.to_string().as_bytes() == s)
    }

    fn strings(lp: &Listpack) -> Vec<Vec<u8>> {
        lp.iter().map(|v| v.to_vec()).collect()
    }

    /// Everything a listpack must satisfy, against its model.
    fn check(lp: &Listpack, model: &[Vec<u8>]) {
        assert_eq!(Listpack::validate(lp.as_bytes()), Ok(model.len()));
        assert_eq!(lp.len(), model.len());
        assert_eq!(lp.is_empty(), model.is_empty());
        assert_eq!(lp.bytes_len(), lp.as_bytes().len());
        assert_eq!(strings(lp), model);
        let mut rev: Vec<_> = lp.iter().rev().map(|v| v.to_vec()).collect();
        rev.reverse();
        assert_eq!(rev, model);
        for (v, m) in lp.iter().zip(model) {
            assert_eq!(matches!(v, LpValue::Int(_)), is_canonical_int(m), "{m:?}");
            assert!(v.eq_bytes(m));
            assert_eq!(v.str_len(), m.len());
        }
        // The bytes depend only on the contents.
        let fresh: Listpack = model.iter().collect();
        assert_eq!(fresh.as_bytes(), lp.as_bytes());
    }

    #[test]
    fn empty() {
        let lp = Listpack::new();
        assert_eq!(lp.as_bytes(), b"\x07\x00\x00\x00\x00\x00\xff");
        assert!(lp.is_empty());
        assert_eq!(lp.len(), 0);
        assert_eq!(lp.get(0), None);
        assert_eq!(lp.get(-1), None);
        assert!(lp.front().is_none() && lp.back().is_none());
        assert_eq!(lp.iter().next(), None);
        assert_eq!(lp.iter().next_back(), None);
        assert!(lp.find("x", 0).is_none());
        assert_eq!(Listpack::from_bytes(lp.as_bytes().to_vec()), Ok(lp));
    }

    #[test]
    fn redis_integer_encodings() {
        let lp: Listpack = BOUNDARY_INTS.iter().map(|&i| LpValue::Int(i)).collect();
        assert_eq!(lp.as_bytes(), REDIS_INTS);
        // The same numbers given as strings are stored as integers.
        let texts: Vec<String> = BOUNDARY_INTS.iter().map(|i| i.to_string()).collect();
        let lp2: Listpack = texts.iter().map(String::as_str).collect();
        assert_eq!(lp2.as_bytes(), REDIS_INTS);
        let real = Listpack::from_bytes(REDIS_INTS.to_vec()).unwrap();
        let got: Vec<_> = real.iter().collect();
        let want: Vec<_> = BOUNDARY_INTS.iter().map(|&i| LpValue::Int(i)).collect();
        assert_eq!(got, want);
        // Entry sizes at each boundary (backlen included).
        let sizes: Vec<usize> = BOUNDARY_INTS
            .iter()
            .map(|&i| Listpack::encoded_size(i))
            .collect();
        assert_eq!(
            sizes,
            [2, 2, 2, 3, 3, 3, 2, 3, 2, 3, 4, 3, 4, 4, 5, 4, 5, 5, 6, 5, 6, 6, 10, 6, 10, 10, 10]
        );
    }

    #[test]
    fn redis_string_encodings() {
        let mut vals: Vec<Vec<u8>> = ODD_STRS.iter().map(|s| s.to_vec()).collect();
        vals.push(vec![b'a'; 63]);
        vals.push(vec![b'b'; 64]);
        let lp: Listpack = vals.iter().collect();
        assert_eq!(lp.as_bytes(), REDIS_STRS);
        let real = Listpack::from_bytes(REDIS_STRS.to_vec()).unwrap();
        check(&real, &vals);
        // Only the canonical i64::MIN among them became an integer.
        let ints: Vec<_> = real
            .iter()
            .filter_map(|v| match v {
                LpValue::Int(i) => Some(i),
                LpValue::Str(_) => None,
            })
            .collect();
        assert_eq!(ints, [i64::MIN]);
    }

    /// Strings around the 6/12/32-bit length and 1/2/3-byte backlen limits:
    /// (string length, whole listpack length, first 12 bytes, last 8 bytes,
    /// FNV-1a of the listpack), from `RPUSH big <n x's> y` (alone when the
    /// string exceeds a quicklist node's 8 KiB).
    #[test]
    fn redis_long_strings() {
        #[allow(clippy::type_complexity)]
        let cases: [(usize, usize, &[u8; 12], &[u8; 8], u64); 6] = [
            (
                125,
                138,
                b"\x8a\x00\x00\x00\x02\x00\xe0\x7d\x78\x78\x78\x78",
                b"\x78\x78\x78\x7f\x81\x79\x02\xff",
                0x60ec15fdb84a069a,
            ),
            (
                126,
                140,
                b"\x8c\x00\x00\x00\x02\x00\xe0\x7e\x78\x78\x78\x78",
                b"\x78\x78\x01\x80\x81\x79\x02\xff",
                0xbc738bbaa8b59a85,
            ),
            (
                4095,
                4109,
                b"\x0d\x10\x00\x00\x02\x00\xef\xff\x78\x78\x78\x78",
                b"\x78\x78\x20\x81\x81\x79\x02\xff",
                0x2a7919b2c7d365ee,
            ),
            (
                4096,
                4113,
                b"\x11\x10\x00\x00\x02\x00\xf0\x00\x10\x00\x00\x78",
                b"\x78\x78\x20\x85\x81\x79\x02\xff",
                0xf8a6bb7394a75fc4,
            ),
            (
                16377,
                16391,
                b"\x07\x40\x00\x00\x01\x00\xf0\xf9\x3f\x00\x00\x78",
                b"\x78\x78\x78\x78\x78\x7f\xfe\xff",
                0xab7f2cd41d5df2cf,
            ),
            (
                16378,
                16393,
                b"\x09\x40\x00\x00\x01\x00\xf0\xfa\x3f\x00\x00\x78",
                b"\x78\x78\x78\x78\x00\xff\xff\xff",
                0x7229f430e45afcdb,
            ),
        ];
        for (n, total, head, tail, hash) in cases {
            let x = vec![b'x'; n];
            let mut lp = Listpack::new();
            lp.push_back(&x);
            if n < 8000 {
                lp.push_back("y");
            }
            let b = lp.as_bytes();
            assert_eq!(b.len(), total, "{n}");
            assert_eq!(&b[..12], head, "{n}");
            assert_eq!(&b[b.len() - 8..], tail, "{n}");
            assert_eq!(fnv(b), hash, "{n}");
            assert_eq!(lp.get(0), Some(LpValue::Str(&x)));
            assert_eq!(
                lp.iter().next_back().unwrap().str_len(),
                if n < 8000 { 1 } else { n }
            );
        }
    }

    #[test]
    fn redis_hash_and_zset() {
        let h = Listpack::from_bytes(REDIS_HASH.to_vec()).unwrap();
        let fields: [&[u8]; 8] = [b"name", b"cedis", b"n", b"42", b"neg", b"-7", b"f", b"3.14"];
        let model: Vec<Vec<u8>> = fields.iter().map(|s| s.to_vec()).collect();
        check(&h, &model);
        let built: Listpack = fields.iter().copied().collect();
        assert_eq!(built.as_bytes(), REDIS_HASH);
        // HGET: find the field among even entries, the value follows.
        let c = h.find("n", 1).unwrap();
        assert_eq!(c.next().unwrap().value(), LpValue::Int(42));
        assert!(h.find("42", 1).is_none(), "values are skipped");
        assert_eq!(
            h.find("neg", 1).unwrap().next().unwrap().value().as_int(),
            Some(-7)
        );

        let z = Listpack::from_bytes(REDIS_ZSET.to_vec()).unwrap();
        let zs: [&[u8]; 8] = [b"c", b"-3", b"a", b"1", b"b", b"2.5", b"d", b"1e+20"];
        let built: Listpack = zs.iter().copied().collect();
        assert_eq!(built.as_bytes(), REDIS_ZSET);
        assert_eq!(z.get(1), Some(LpValue::Int(-3)));
        assert_eq!(z.get(-1), Some(LpValue::Str(b"1e+20")));
    }

    /// 40000 fields `f0..f39999` with values `0..39999` (`HSET` with
    /// `hash-max-listpack-entries 100000`): 80000 entries, so the count
    /// header is 65535 ("unknown"); then `HDEL hbig f0`.
    #[test]
    fn redis_unknown_count() {
        let mut lp = Listpack::new();
        for j in 0..40000 {
            lp.push_back(format!("f{j}").as_str());
            lp.push_back(j);
        }
        let b = lp.as_bytes();
        assert_eq!(b.len(), 471905);
        assert_eq!(&b[..8], b"\x61\x33\x07\x00\xff\xff\x82\x66");
        assert_eq!(fnv(b), 0x76c4895839eaf935);
        assert_eq!(lp.len(), 80000);
        assert_eq!(Listpack::validate(b), Ok(80000));
        assert_eq!(lp.get(79999), Some(LpValue::Int(39999)));
        assert_eq!(lp.get(-80000), Some(LpValue::Str(b"f0")));
        assert_eq!(lp.get(80000), None);
        let mut c = lp.find_mut("f0", 1).unwrap();
        assert!(c.delete());
        assert!(c.delete());
        let b = lp.as_bytes();
        assert_eq!(b.len(), 471899);
        assert_eq!(&b[..8], b"\x5b\x33\x07\x00\xff\xff\x82\x66");
        assert_eq!(fnv(b), 0xd03ff88fd72e9be1);
        assert_eq!(lp.len(), 79998);
        // Deleting below 65535 leaves the header unknown, as in Redis.
        assert_eq!(lp.delete_range(0, 20000), 20000);
        assert_eq!(&lp.as_bytes()[4..6], b"\xff\xff");
        assert_eq!(lp.len(), 59998);
        assert_eq!(Listpack::validate(lp.as_bytes()), Ok(59998));
        assert_eq!(lp.get(0), Some(LpValue::Str(b"f10001")));
        assert_eq!(lp.get(-1), Some(LpValue::Int(39999)));
    }

    #[test]
    fn string_to_int_rules() {
        for (s, want) in [
            (&b"0"[..], Some(0)),
            (b"-1", Some(-1)),
            (b"9223372036854775807", Some(i64::MAX)),
            (b"-9223372036854775808", Some(i64::MIN)),
            (b"9223372036854775808", None),
            (b"-9223372036854775809", None),
            (b"18446744073709551616", None),
            (b"99999999999999999999", None),
            (b"100000000000000000000", None),
            (b"", None),
            (b"-", None),
            (b"-0", None),
            (b"00", None),
            (b"007", None),
            (b"+1", None),
            (b" 1", None),
            (b"1 ", None),
            (b"1a", None),
            (b"1.0", None),
        ] {
            assert_eq!(string_to_int(s), want, "{}", s.escape_ascii());
            assert_eq!(want.is_some(), is_canonical_int(s));
        }
        let mut buf = [0; 20];
        for i in BOUNDARY_INTS {
            assert_eq!(fmt_i64(i, &mut buf), i.to_string().as_bytes());
        }
    }

    #[test]
    fn backlen_boundaries() {
        for (l, bytes) in [
            (0usize, &[0u8][..]),
            (127, &[127]),
            (128, &[1, 128]),
            (16382, &[127, 254]),
            (16383, &[0, 255, 255]),
            (2_097_150, &[127, 255, 254]),
            (2_097_151, &[0, 255, 255, 255]),
            (268_435_454, &[127, 255, 255, 254]),
            (268_435_455, &[0, 255, 255, 255, 255]),
            (u32::MAX as usize, &[15, 255, 255, 255, 255]),
        ] {
            let mut out = vec![0; backlen_size(l)];
            write_backlen(l, &mut out);
            assert_eq!(out, bytes, "{l}");
            assert_eq!(read_backlen(&out, out.len()), l);
        }
    }

    #[test]
    fn positions_and_cursors() {
        let mut lp: Listpack = ["a", "b", "c"].into_iter().collect();
        assert_eq!(lp.get(-1), Some(LpValue::Str(b"c")));
        assert_eq!(lp.get(-3), Some(LpValue::Str(b"a")));
        assert_eq!(lp.get(-4), None);
        assert_eq!(lp.get(3), None);
        assert_eq!(lp.get(i64::MIN), None);
        assert_eq!(lp.get(i64::MAX), None);
        let b = lp.seek(1).unwrap();
        assert_eq!(b.prev().unwrap().value(), LpValue::Str(b"a"));
        assert!(b.next().unwrap().next().is_none());
        assert!(lp.front().unwrap().prev().is_none());
        assert_eq!(b.iter_from().count(), 2);

        // LINSERT before/after a pivot, LSET, LREM through one cursor.
        let mut c = lp.find_mut("b", 0).unwrap();
        c.insert_before("x");
        c.insert_after(7);
        assert_eq!(c.value(), Some(LpValue::Str(b"b")));
        assert!(c.replace("B"));
        assert!(c.move_next());
        assert_eq!(c.value(), Some(LpValue::Int(7)));
        assert!(c.delete());
        assert_eq!(c.value(), Some(LpValue::Str(b"c")));
        assert!(c.delete());
        assert!(c.is_end());
        assert!(!c.delete());
        assert!(!c.replace("z"));
        assert!(!c.move_next());
        c.insert_after("end");
        assert!(c.is_end());
        assert!(c.move_prev());
        assert_eq!(c.value(), Some(LpValue::Str(b"end")));
        check(
            &lp,
            &[b"a".to_vec(), b"x".to_vec(), b"B".to_vec(), b"end".to_vec()],
        );

        let mut c = lp.front_mut();
        assert!(!c.move_prev());
        c.insert_before(-5);
        assert_eq!(c.as_cursor().unwrap().value(), LpValue::Str(b"a"));
        assert_eq!(lp.first(), Some(LpValue::Int(-5)));
        assert_eq!(lp.last(), Some(LpValue::Str(b"end")));
        lp.insert(5, "tail");
        lp.insert(0, "head");
        lp.insert(3, 1000);
        assert_eq!(lp.get(3), Some(LpValue::Int(1000)));
        assert_eq!(lp.delete_range(-2, 10), 2);
        assert_eq!(lp.delete_range(9, 1), 0);
        assert_eq!(lp.delete_range(-9, 1), 0);
        assert_eq!(lp.delete_range(0, 0), 0);
        check(
            &lp,
            &[
                b"head".to_vec(),
                b"-5".to_vec(),
                b"a".to_vec(),
                b"1000".to_vec(),
                b"x".to_vec(),
                b"B".to_vec(),
            ],
        );
        let mut e = Listpack::new();
        let mut c = e.back_mut();
        assert!(c.is_end() && !c.move_prev() && c.value().is_none());
        c.insert_before("only");
        assert!(e.end_mut().move_prev());
        lp.clear();
        check(&lp, &[]);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn insert_past_the_end_panics() {
        let mut lp: Listpack = ["a"].into_iter().collect();
        lp.insert(2, "b");
    }

    #[test]
    fn find_with_skip_and_integers() {
        let lp: Listpack = ["k1", "12", "12", "v2", "-0", "x"].into_iter().collect();
        assert_eq!(lp.find(12, 0).unwrap().value(), LpValue::Int(12));
        assert_eq!(
            lp.find("12", 1).unwrap().next().unwrap().value(),
            LpValue::Str(b"v2")
        );
        assert!(lp.find("012", 0).is_none());
        assert_eq!(lp.find("-0", 1).unwrap().value(), LpValue::Str(b"-0"));
        assert!(lp.find("x", 1).is_none(), "x is at an odd index");
        assert!(lp.find("x", 3).is_none(), "compares 0 and 4 only");
        assert_eq!(lp.find("x", 4).unwrap().value(), LpValue::Str(b"x"));
        assert_eq!(lp.find("x", 0).unwrap().value(), LpValue::Str(b"x"));
        // A non-canonical integer string from a foreign listpack still
        // matches its own text (Redis compares bytes for string entries).
        let foreign =
            Listpack::from_bytes(b"\x0b\x00\x00\x00\x01\x00\x82\x31\x32\x03\xff".to_vec()).unwrap();
        assert_eq!(foreign.get(0), Some(LpValue::Str(b"12")));
        assert!(foreign.find("12", 0).is_some());
        assert!(foreign.find(12, 0).is_some());
        assert_eq!(foreign.get(0).unwrap().as_int(), Some(12));
    }

    #[test]
    fn validation_errors() {
        let good = REDIS_HASH.to_vec();
        let v = |b: &[u8]| Listpack::validate(b);
        assert_eq!(v(&good), Ok(8));
        assert_eq!(v(&good[..3]), Err(Corrupt::TooShort { len: 3 }));
        assert!(matches!(
            v(&good[..good.len() - 1]),
            Err(Corrupt::TotalBytes { .. })
        ));
        let mut b = good.clone();
        *b.last_mut().unwrap() = 0;
        assert_eq!(v(&b), Err(Corrupt::NoTerminator));
        let mut b = good.clone();
        b[6] = 0xF5;
        assert_eq!(v(&b), Err(Corrupt::BadEncoding { offset: 6 }));
        let mut b = good.clone();
        b[6] = 0xFF;
        assert_eq!(v(&b), Err(Corrupt::BadEncoding { offset: 6 }));
        let mut b = good.clone();
        b[6] = 0xBF; // a 63-byte string
        assert_eq!(v(&b), Err(Corrupt::EntryOverflow { offset: 6 }));
        let mut b = good.clone();
        b[6] = 0xF0; // a 32-bit length read from "name"
        assert_eq!(v(&b), Err(Corrupt::EntryOverflow { offset: 6 }));
        let mut b = good.clone();
        b[11] = 4; // backlen of "name"
        assert_eq!(v(&b), Err(Corrupt::BadBacklen { offset: 6 }));
        let mut b = good.clone();
        b[4] = 7;
        assert_eq!(
            v(&b),
            Err(Corrupt::Count {
                header: 7,
                actual: 8
            })
        );
        let mut b = good.clone();
        b[4..6].copy_from_slice(&[0xff, 0xff]);
        assert_eq!(v(&b), Ok(8));
        // A 32-bit string length of 4 GiB in a tiny buffer.
        let b = b"\x0d\x00\x00\x00\x01\x00\xf0\xff\xff\xff\xff\x05\xff";
        assert_eq!(v(b), Err(Corrupt::EntryOverflow { offset: 6 }));
        // Header of a 12-bit string cut by the terminator.
        let b = b"\x08\x00\x00\x00\x01\x00\xe0\xff";
        assert_eq!(v(b), Err(Corrupt::EntryOverflow { offset: 6 }));
        // Trailing bytes after an early terminator.
        let b = b"\x09\x00\x00\x00\x00\x00\xff\x01\xff";
        assert_eq!(v(b), Err(Corrupt::BadEncoding { offset: 6 }));
        for e in [Corrupt::NoTerminator, Corrupt::TooShort { len: 1 }] {
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn value_helpers() {
        let i = LpValue::from(-42);
        assert_eq!(i.to_vec(), b"-42");
        assert_eq!(i.as_str(), None);
        assert_eq!(i.str_len(), 3);
        let mut out = b"x".to_vec();
        i.write_to(&mut out);
        assert_eq!(out, b"x-42");
        let s = LpValue::from("hey");
        assert_eq!(s.as_int(), None);
        assert_eq!(s.as_str(), Some(&b"hey"[..]));
        assert_eq!(format!("{s:?} {i:?}"), "Str(\"hey\") Int(-42)");
        let lp: Listpack = [LpValue::Int(1), LpValue::Str(b"\n")].into_iter().collect();
        assert_eq!(format!("{lp:?}"), "Listpack[Int(1), Str(\"\\n\")]");
        assert!(lp.heap_bytes() >= lp.bytes_len());
        assert!(lp.safe_to_add(100));
        assert!(!lp.safe_to_add(MAX_SAFE_BYTES));
    }

    // ----- model tests

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            3 => prop::sample::select(&BOUNDARY_INTS[..]).prop_flat_map(|i| {
                prop::sample::select(vec![i.saturating_sub(1), i, i.saturating_add(1)])
            }).prop_map(|i| i.to_string().into_bytes()),
            2 => any::<i64>().prop_map(|i| i.to_string().into_bytes()),
            2 => prop::sample::select(&ODD_STRS[..]).prop_map(<[u8]>::to_vec),
            3 => prop::collection::vec(any::<u8>(), 0..70),
            1 => prop::collection::vec(b'a'..=b'c', 120..135),
            1 => (4090usize..4100).prop_map(|n| vec![b'z'; n]),
        ]
    }

    #[derive(Clone, Debug)]
    enum Op {
        PushBack(Vec<u8>, bool),
        PushFront(Vec<u8>),
        Insert(usize, Vec<u8>),
        Replace(i64, Vec<u8>),
        /// Insert next to an entry: after it if the flag is set.
        InsertNear(i64, Vec<u8>, bool),
        Delete(i64),
        DeleteRange(i64, usize),
        Get(i64),
        Find(usize, Vec<u8>, usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let idx = -12i64..12;
        prop_oneof![
            4 => (value(), any::<bool>()).prop_map(|(v, b)| Op::PushBack(v, b)),
            2 => value().prop_map(Op::PushFront),
            2 => (0usize..100, value()).prop_map(|(i, v)| Op::Insert(i, v)),
            2 => (idx.clone(), value()).prop_map(|(i, v)| Op::Replace(i, v)),
            2 => (idx.clone(), value(), any::<bool>()).prop_map(|(i, v, a)| Op::InsertNear(i, v, a)),
            2 => idx.clone().prop_map(Op::Delete),
            1 => (idx.clone(), 0usize..5).prop_map(|(i, n)| Op::DeleteRange(i, n)),
            2 => idx.prop_map(Op::Get),
            2 => (0usize..100, value(), 0usize..3).prop_map(|(i, v, s)| Op::Find(i, v, s)),
        ]
    }

    /// The model's index for a Redis-style index.
    fn model_index(len: usize, i: i64) -> Option<usize> {
        let i = if i < 0 { len as i64 + i } else { i };
        (0..len as i64).contains(&i).then_some(i as usize)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn model(ops in prop::collection::vec(op(), 1..60)) {
            let mut lp = Listpack::new();
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::PushBack(v, as_int) => {
                        match string_to_int(&v) {
                            Some(i) if as_int => lp.push_back(i),
                            _ => lp.push_back(&v),
                        }
                        m.push_back(v);
                    }
                    Op::PushFront(v) => {
                        lp.push_front(&v);
                        m.push_front(v);
                    }
                    Op::Insert(i, v) => {
                        let i = i % (m.len() + 1);
                        lp.insert(i, &v);
                        m.insert(i, v);
                    }
                    Op::Replace(i, v) => {
                        let hit = lp.seek_mut(i).map(|mut c| c.replace(&v));
                        let want = model_index(m.len(), i);
                        prop_assert_eq!(hit.is_some(), want.is_some());
                        if let Some(k) = want {
                            m[k] = v;
                        }
                    }
                    Op::InsertNear(i, v, after) => {
                        let want = model_index(m.len(), i);
                        if let Some(mut c) = lp.seek_mut(i) {
                            let before = c.value().unwrap().to_vec();
                            if after { c.insert_after(&v) } else { c.insert_before(&v) }
                            prop_assert_eq!(c.value().unwrap().to_vec(), before);
                        }
                        match want {
                            Some(k) => m.insert(k + usize::from(after), v),
                            None => prop_assert!(lp.seek(i).is_none()),
                        }
                    }
                    Op::Delete(i) => {
                        let want = model_index(m.len(), i);
                        let next = want.and_then(|k| m.get(k + 1).cloned());
                        if let Some(mut c) = lp.seek_mut(i) {
                            prop_assert!(c.delete());
                            prop_assert_eq!(c.value().map(|v| v.to_vec()), next);
                        }
                        if let Some(k) = want {
                            m.remove(k);
                        }
                    }
                    Op::DeleteRange(i, n) => {
                        let got = lp.delete_range(i, n);
                        let want = model_index(m.len(), i).map_or(0, |k| {
                            let n = n.min(m.len() - k);
                            m.drain(k..k + n);
                            n
                        });
                        prop_assert_eq!(got, want);
                    }
                    Op::Get(i) => {
                        let want = model_index(m.len(), i).map(|k| m[k].clone());
                        prop_assert_eq!(lp.get(i).map(|v| v.to_vec()), want);
                    }
                    Op::Find(i, v, skip) => {
                        // Look for an existing value half of the time.
                        let needle = if m.is_empty() || i % 2 == 0 { v } else { m[i % m.len()].clone() };
                        let want = (0..m.len()).step_by(skip + 1).find(|&k| m[k] == needle);
                        let got = lp.find(&needle, skip).map(|c| c.iter_from().count());
                        prop_assert_eq!(got, want.map(|k| m.len() - k));
                        if let Some(n) = string_to_int(&needle) {
                            let by_int = lp.find(n, skip).map(|c| c.iter_from().count());
                            prop_assert_eq!(by_int, got);
                        }
                    }
                }
                let model: Vec<Vec<u8>> = m.iter().cloned().collect();
                check(&lp, &model);
            }
        }

        /// Walking with a cursor both ways visits what the iterator does.
        #[test]
        fn cursor_walk(vals in prop::collection::vec(value(), 0..30)) {
            let mut lp: Listpack = vals.iter().collect();
            let mut fwd = vec![];
            let mut c = lp.front();
            while let Some(x) = c {
                fwd.push(x.value().to_vec());
                c = x.next();
            }
            prop_assert_eq!(&fwd, &vals);
            let mut back = vec![];
            let mut c = lp.back_mut();
            while let Some(v) = c.value() {
                back.push(v.to_vec());
                if !c.move_prev() {
                    break;
                }
            }
            back.reverse();
            prop_assert_eq!(&back, &vals);
            // Delete every other entry through a cursor.
            let mut c = lp.front_mut();
            let mut keep = true;
            while !c.is_end() {
                if keep { c.move_next(); } else { c.delete(); }
                keep = !keep;
            }
            let model: Vec<Vec<u8>> = vals.iter().step_by(2).cloned().collect();
            check(&lp, &model);
        }

        /// Corrupted listpacks are rejected or, if accepted, behave.
        #[test]
        fn corruption_never_panics(
            vals in prop::collection::vec(value(), 0..12),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in any::<prop::sample::Index>(),
            fix_header in any::<bool>(),
            truncate in any::<bool>(),
        ) {
            let lp: Listpack = vals.iter().collect();
            let mut b = lp.into_bytes();
            for (at, byte) in edits {
                let k = at.index(b.len());
                b[k] = byte;
            }
            if truncate {
                b.truncate(cut.index(b.len() + 1));
            }
            if fix_header && b.len() >= 7 {
                // Make the cheap checks pass so the entry walk is exercised.
                let n = b.len() as u32;
                b[..4].copy_from_slice(&n.to_le_bytes());
                let last = b.len() - 1;
                b[last] = EOF;
            }
            exercise(b);
        }

        /// Random bytes behind a plausible header.
        #[test]
        fn random_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..64), count in any::<u16>()) {
            let mut b = vec![0; 6];
            b.extend_from_slice(&body);
            b.push(EOF);
            let n = b.len() as u32;
            b[..4].copy_from_slice(&n.to_le_bytes());
            b[4..6].copy_from_slice(&count.to_le_bytes());
            exercise(b);
        }
    }

    /// Whatever `from_bytes` accepts must be fully usable.
    fn exercise(b: Vec<u8>) {
        let Ok(mut lp) = Listpack::from_bytes(b) else {
            return;
        };
        let n = lp.len();
        let fwd: Vec<_> = lp.iter().map(|v| v.to_vec()).collect();
        let mut rev: Vec<_> = lp.iter().rev().map(|v| v.to_vec()).collect();
        rev.reverse();
        assert_eq!(fwd.len(), n);
        assert_eq!(fwd, rev);
        for i in -(n as i64) - 1..=n as i64 {
            assert_eq!(
                lp.get(i).map(|v| v.to_vec()),
                model_index(n, i).map(|k| fwd[k].clone())
            );
        }
        lp.find("x", 1);
        lp.push_back("tail");
        lp.push_front(5);
        if let Some(mut c) = lp.seek_mut(1) {
            c.replace("replaced");
        }
        lp.delete_range(1, 1);
        assert_eq!(
            Listpack::validate(lp.as_bytes()).map(|_| lp.len()),
            Ok(n + 1)
        );
    }
}
