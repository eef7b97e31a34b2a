//! `ZListpack`: a small sorted set (`OBJECT ENCODING listpack`) as the
//! exact bytes redis-server 7.0 keeps: one [`Listpack`] holding
//! `member, score, member, score, ...` ordered by (score, member bytes).
//!
//! # Scores
//!
//! Redis writes a score as text (its `d2string`) and the listpack then
//! stores that text as an integer entry when it is a canonical integer:
//!
//! * an integral score in `[-2^62, 2^62]` is written as that integer (so
//!   `-0` becomes the integer `0`: a listpack sorted set answers `ZSCORE`
//!   with `0` where a skiplist keeps `-0`);
//! * anything else as C's `%.17g` (`1.5`, `0.10000000000000001`, `1e+20`,
//!   `inf`, `-inf`, `4.6116860184273889e+18`), which reads back as the
//!   same double.
//!
//! Both rules were checked against the listpack inside real `DUMP`
//! payloads (see the tests). The `%.17g` formatter repeats the one
//! `cedis-resp` uses for replies (that crate depends on `bytes` and
//! `thiserror` only, so neither can use the other's); a test checks that
//! the two agree on random doubles. Reading a score decodes the entry in place: an
//! integer directly, text with Rust's correctly rounded parser (as glibc's
//! `strtod`), without allocating.
//!
//! # What it does not do
//!
//! It keeps no member index: finding a member, a rank or a score range is
//! a walk over the entries (O(n), as in Redis; the set is small by
//! construction). The `zset-max-listpack-*` limits and the conversion to a
//! skip list are the store's business; [`ZListpack::insert`] trusts its
//! caller that the member is absent and the score is not NaN.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::listpack::{Cursor, Iter, Listpack, LpValue};

/// Largest magnitude written as an integer: `LLONG_MAX / 2` as a double.
const INT_LIMIT: f64 = 4_611_686_018_427_387_904.0;

/// Room for a score's text (`-4.9406564584124654e-324` is 24 bytes).
const SCORE_MAX: usize = 32;

/// A stack buffer holding a score's text while it is written.
#[derive(Clone, Copy, Debug)]
pub struct ScoreBuf {
    bytes: [u8; 40],
    len: usize,
}

impl Default for ScoreBuf {
    fn default() -> Self {
        ScoreBuf {
            bytes: [0; 40],
            len: 0,
        }
    }
}

impl std::fmt::Write for ScoreBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl ScoreBuf {
    fn push(&mut self, b: u8) {
        if self.len < self.bytes.len() {
            self.bytes[self.len] = b;
            self.len += 1;
        }
    }

    fn extend(&mut self, s: &[u8]) {
        for &b in s {
            self.push(b);
        }
    }
}

/// The listpack value Redis stores for score `s` (see the module docs);
/// text goes into `buf`.
pub fn encode_score(s: f64, buf: &mut ScoreBuf) -> LpValue<'_> {
    if (-INT_LIMIT..=INT_LIMIT).contains(&s) && s.trunc() == s {
        // In range and integral, so the cast is exact (-0 gives 0).
        return LpValue::Int(s as i64);
    }
    write_g17(s, buf);
    LpValue::Str(&buf.bytes[..buf.len])
}

/// Writes `v` as C's `printf("%.17g", v)` does (glibc).
fn write_g17(v: f64, out: &mut ScoreBuf) {
    out.len = 0;
    if v.is_sign_negative() {
        out.push(b'-');
    }
    if v.is_nan() || v.is_infinite() {
        out.extend(if v.is_nan() { b"nan" } else { b"inf" });
        return;
    }
    // 17 correctly rounded significant digits and the decimal exponent.
    let mut sci = ScoreBuf::default();
    // A ScoreBuf holds the longest `{:.16e}` text (24 bytes).
    let _ = write!(sci, "{:.16e}", v.abs());
    let text = &sci.bytes[..sci.len];
    let e_at = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    let mut digits = [b'0'; 17];
    let mut nd = 0;
    for &b in &text[..e_at] {
        if b.is_ascii_digit() && nd < 17 {
            digits[nd] = b;
            nd += 1;
        }
    }
    let exp: i32 = std::str::from_utf8(&text[(e_at + 1).min(text.len())..])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    // Significant digits without trailing zeros (at least one).
    let sig = digits.iter().rposition(|&d| d != b'0').map_or(1, |i| i + 1);
    if !(-4..17).contains(&exp) {
        out.push(digits[0]);
        if sig > 1 {
            out.push(b'.');
            out.extend(&digits[1..sig]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e >= 100 {
            out.push(b'0' + (e / 100) as u8);
        }
        out.push(b'0' + (e / 10 % 10) as u8);
        out.push(b'0' + (e % 10) as u8);
    } else if exp >= 0 {
        let int_digits = exp as usize + 1;
        out.extend(&digits[..int_digits]);
        if sig > int_digits {
            out.push(b'.');
            out.extend(&digits[int_digits..sig]);
        }
    } else {
        out.extend(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        out.extend(&digits[..sig]);
    }
}

/// The score held by a listpack entry.
#[inline]
pub fn decode_score(v: LpValue<'_>) -> f64 {
    match v {
        LpValue::Int(i) => i as f64,
        LpValue::Str(s) => std::str::from_utf8(s)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0),
    }
}

/// Compares a member entry with `m` as bytes (integers as their decimal
/// text, formatted on the stack).
#[inline]
pub fn cmp_member(v: LpValue<'_>, m: &[u8]) -> Ordering {
    v.with_bytes(|b| b.cmp(m))
}

/// A sorted set in one listpack. See the [module docs](self).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ZListpack {
    lp: Listpack,
}

impl std::fmt::Debug for ZListpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl ZListpack {
    /// An empty sorted set (a 7-byte listpack).
    pub fn new() -> Self {
        Self::default()
    }

    /// The listpack, exactly as Redis lays it out.
    #[inline]
    pub fn as_listpack(&self) -> &Listpack {
        &self.lp
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.lp.len() / 2
    }

    /// Whether there are no members.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.lp.is_empty()
    }

    /// Heap bytes held (the listpack's buffer, spare capacity included).
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        self.lp.heap_bytes()
    }

    /// Gives back spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.lp.shrink_to_fit();
    }

    /// Whether adding a member of `len` bytes stays under the listpack's
    /// safety limit (Redis's `lpSafeToAdd`).
    #[inline]
    pub fn safe_to_add(&self, len: usize) -> bool {
        self.lp.safe_to_add(len + SCORE_MAX)
    }

    /// Appends a pair after every other one: the caller keeps the order
    /// (building from sorted pairs).
    pub fn push_back(&mut self, m: &[u8], s: f64) {
        let mut buf = ScoreBuf::default();
        self.lp.push_back(m);
        self.lp.push_back(encode_score(s, &mut buf));
    }

    /// Pairs, lowest first (`.rev()` for highest first).
    #[inline]
    pub fn iter(&self) -> Pairs<'_> {
        Pairs {
            it: Some(self.lp.iter()),
        }
    }

    /// Pairs from rank `rank` (0-based, lowest first) to the end.
    pub fn iter_from(&self, rank: usize) -> Pairs<'_> {
        let c = i64::try_from(rank.saturating_mul(2))
            .ok()
            .and_then(|i| self.lp.seek(i));
        Pairs {
            it: c.map(Cursor::iter_from),
        }
    }

    /// Pairs from the lowest up to rank `rank` included; `.rev()` walks
    /// them from `rank` down.
    pub fn iter_to(&self, rank: usize) -> Pairs<'_> {
        let c = i64::try_from(rank.saturating_mul(2).saturating_add(1))
            .ok()
            .and_then(|i| self.lp.seek(i));
        Pairs {
            it: c.map(Cursor::iter_to),
        }
    }

    /// Members only, lowest first, without decoding scores.
    pub fn members(&self) -> impl Iterator<Item = LpValue<'_>> + '_ {
        self.lp.iter().step_by(2)
    }

    /// The score of `m`.
    pub fn score(&self, m: &[u8]) -> Option<f64> {
        let c = self.lp.find(m, 1)?;
        c.next().map(|s| decode_score(s.value()))
    }

    /// The 0-based rank of `m`, lowest first.
    pub fn rank(&self, m: &[u8]) -> Option<usize> {
        self.lp.iter().step_by(2).position(|v| v.eq_bytes(m))
    }

    /// Inserts `(m, s)` at its place. The caller guarantees that `m` is
    /// absent and `s` is not NaN.
    pub fn insert(&mut self, m: &[u8], s: f64) {
        let mut buf = ScoreBuf::default();
        let enc = encode_score(s, &mut buf);
        let mut c = self.lp.front_mut();
        loop {
            let after = match c.as_cursor() {
                None => break,
                Some(cur) => {
                    let sc = cur.next().map_or(0.0, |n| decode_score(n.value()));
                    sc.partial_cmp(&s)
                        .unwrap_or(Ordering::Equal)
                        .then_with(|| cmp_member(cur.value(), m))
                        .is_gt()
                }
            };
            if after {
                break;
            }
            c.move_next();
            c.move_next();
        }
        c.insert_before(m);
        c.insert_before(enc);
    }

    /// Removes `m`; its score if it was there.
    pub fn remove(&mut self, m: &[u8]) -> Option<f64> {
        let mut c = self.lp.find_mut(m, 1)?;
        c.delete();
        let s = c.value().map_or(0.0, decode_score);
        c.delete();
        Some(s)
    }

    /// Sets the score of `m`, which must be present: moves it if the
    /// score changes. Returns whether it changed.
    pub fn update(&mut self, m: &[u8], s: f64) -> bool {
        let Some(old) = self.score(m) else {
            return false;
        };
        if old == s {
            return false;
        }
        self.remove(m);
        self.insert(m, s);
        true
    }

    /// Deletes `count` pairs from rank `first`; returns how many.
    pub fn delete_ranks(&mut self, first: usize, count: usize) -> usize {
        let Ok(start) = i64::try_from(first.saturating_mul(2)) else {
            return 0;
        };
        self.lp.delete_range(start, count.saturating_mul(2)) / 2
    }
}

/// Iterator over `(member, score)` pairs, from either end. Members borrow
/// the listpack ([`LpValue::with_bytes`] reads one as bytes without
/// allocating).
#[derive(Clone, Debug)]
pub struct Pairs<'a> {
    it: Option<Iter<'a>>,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (LpValue<'a>, f64);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let it = self.it.as_mut()?;
        let m = it.next()?;
        let s = it.next()?;
        Some((m, decode_score(s)))
    }
}

impl DoubleEndedIterator for Pairs<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        let it = self.it.as_mut()?;
        let s = it.next_back()?;
        let m = it.next_back()?;
        Some((m, decode_score(s)))
    }
}

#[cfg(test)]
mod tests;
