//! SORT and SORT_RO as redis-server 7.0 runs them.
//!
//! The source is a list, a set or a sorted set (a missing key sorts as an
//! empty list). Elements are weighted by themselves or by a `BY` pattern
//! (`*` replaced by the element, `key->field` reading a hash field),
//! compared as doubles (ties broken by the elements' bytes) or, with
//! `ALPHA`, as strings. `BY` without a `*` skips sorting: lists and sorted
//! sets keep their order (`DESC` walks them backwards), sets keep their
//! iteration order unless the result is stored (or a script asks), in
//! which case they are sorted `ALPHA` so every replica agrees.
//!
//! Redis reads the patterns, the `#` marker and the weights as C strings,
//! so each stops at its first NUL byte; this module does the same. String
//! comparisons follow `strcoll` under a C / C.UTF-8 collation (byte order,
//! stopping at NUL) for replies, and `memcmp` (whole values) when storing.
//! A sorted set source is converted to `skiplist` on the way, as Redis
//! does.

use std::borrow::Cow;
use std::cmp::Ordering;

use rand::Rng;

use crate::entry::Entry;
use crate::events::class;
use crate::value::Value;
use crate::zset::{Range, RangeQuery};
use crate::Store;

/// What to sort and how (SORT's options, parsed).
#[derive(Debug, Clone, Default)]
pub struct SortSpec<'a> {
    /// `BY` pattern (the last one given).
    pub by: Option<&'a [u8]>,
    /// Some `BY` pattern had no `*`: do not sort.
    pub nosort: bool,
    /// `LIMIT offset count`, as given (`(0, -1)`: everything).
    pub limit: (i64, i64),
    /// `GET` patterns, in order (`#`: the element itself).
    pub get: Vec<&'a [u8]>,
    /// `DESC`.
    pub desc: bool,
    /// `ALPHA`.
    pub alpha: bool,
    /// `STORE` destination.
    pub store: Option<&'a [u8]>,
    /// The caller needs a deterministic result (a script): an unsorted set
    /// is sorted anyway, as with `STORE`.
    pub deterministic: bool,
}

impl SortSpec<'_> {
    /// `(0, -1)` limit and nothing else set.
    pub fn new() -> Self {
        SortSpec {
            limit: (0, -1),
            ..SortSpec::default()
        }
    }
}

/// What SORT produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortOutput {
    /// The reply: elements (or GET results, `None` for a missing one).
    Reply(Vec<Option<Vec<u8>>>),
    /// `STORE`: the length of the stored list (0: the destination was
    /// deleted).
    Stored(usize),
}

/// Why SORT failed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SortError {
    /// The source is not a list, set or sorted set.
    #[error("operation against a key holding the wrong kind of value")]
    WrongType,
    /// A weight is not a double (numeric sort).
    #[error("one or more scores can't be converted into double")]
    BadScore,
}

/// The part of `s` a C function sees: up to the first NUL.
fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// Whether a BY pattern makes SORT sort (it has a `*` before any NUL).
pub fn pattern_sorts(pattern: &[u8]) -> bool {
    c_str(pattern).contains(&b'*')
}

/// C's `strtod` on a C string, accepted only when the whole string is
/// consumed and there is no range error or NaN (SORT's weight check).
/// The empty string is 0 (nothing to consume).
pub fn parse_weight(s: &[u8]) -> Option<f64> {
    let s = c_str(s);
    if s.is_empty() {
        return Some(0.0);
    }
    let start = s
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let t = &s[start..];
    let (neg, body) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = body.to_ascii_lowercase();
    if lower == b"inf" || lower == b"infinity" {
        return Some(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    let v = if lower.len() > 2 && lower.starts_with(b"0x") {
        parse_hex(&lower[2..])?
    } else {
        parse_decimal(body)?
    };
    if v.is_nan() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// An unsigned decimal float (digits, optional fraction, optional
/// exponent), failing on anything left over or a range error.
fn parse_decimal(b: &[u8]) -> Option<f64> {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - from
    };
    let mut mantissa = digits(&mut i);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let text = std::str::from_utf8(b).ok()?;
    let v: f64 = text.parse().ok()?;
    // A nonzero mantissa (the exponent's digits do not count).
    let end = b
        .iter()
        .position(|&c| c == b'e' || c == b'E')
        .unwrap_or(b.len());
    range_checked(v, b[..end].iter().any(|d| (b'1'..=b'9').contains(d)))
}

/// Hex digits after `0x` with an optional fraction and `p` exponent.
fn parse_hex(b: &[u8]) -> Option<f64> {
    let mut i = 0;
    let mut v = 0f64;
    let mut n = 0;
    let mut nonzero = false;
    while i < b.len() && b[i].is_ascii_hexdigit() {
        let d = (b[i] as char).to_digit(16)?;
        nonzero |= d != 0;
        v = v * 16.0 + f64::from(d);
        i += 1;
        n += 1;
    }
    let mut scale = 0i64;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            let d = (b[i] as char).to_digit(16)?;
            nonzero |= d != 0;
            v = v * 16.0 + f64::from(d);
            scale -= 4;
            i += 1;
            n += 1;
        }
    }
    if n == 0 {
        return None;
    }
    if i < b.len() && b[i] == b'p' {
        i += 1;
        let neg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let from = i;
        let mut e = 0i64;
        while i < b.len() && b[i].is_ascii_digit() {
            e = (e * 10 + i64::from(b[i] - b'0')).min(100_000);
            i += 1;
        }
        if i == from {
            return None;
        }
        scale += if neg { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    let v = v * 2f64.powi(scale.clamp(-100_000, 100_000) as i32);
    range_checked(v, nonzero)
}

/// glibc's ERANGE: overflow to infinity, or a nonzero input that lands on
/// zero or a subnormal.
fn range_checked(v: f64, nonzero: bool) -> Option<f64> {
    if v.is_infinite() || (nonzero && (v == 0.0 || v.is_subnormal())) {
        None
    } else {
        Some(v)
    }
}

/// `strcoll` under a byte-order collation: C strings compared bytewise.
fn coll(a: &[u8], b: &[u8]) -> Ordering {
    c_str(a).cmp(c_str(b))
}

/// One element being sorted, with its weight.
struct Item {
    elem: Vec<u8>,
    score: f64,
    cmp: Option<Vec<u8>>,
}

impl Store {
    /// Reads what a SORT pattern names for `subst`: the element itself for
    /// `#`, a string key with `*` replaced, or a hash field for
    /// `key->field`. `None` when the pattern has no `*` or the key or field
    /// is missing or of another type. The key is read as GET reads it
    /// (a hit or a miss, `keymiss`), with or without STORE, as in
    /// redis-server 7.0.
    pub fn sort_lookup(&mut self, db: usize, pattern: &[u8], subst: &[u8]) -> Option<Vec<u8>> {
        let cpat = c_str(pattern);
        if cpat == b"#" {
            return Some(subst.to_vec());
        }
        let star = cpat.iter().position(|&b| b == b'*')?;
        let arrow = cpat[star + 1..]
            .windows(2)
            .position(|w| w == b"->")
            .map(|i| star + 1 + i)
            .filter(|&f| f + 2 < cpat.len());
        let (postfix, field) = match arrow {
            Some(f) => (&pattern[star + 1..f], Some(&pattern[f + 2..])),
            None => (&pattern[star + 1..], None),
        };
        let mut key = Vec::with_capacity(star + subst.len() + postfix.len());
        key.extend_from_slice(&pattern[..star]);
        key.extend_from_slice(subst);
        key.extend_from_slice(postfix);
        let e = self.lookup_read(db, &key)?;
        match field {
            Some(f) => match e.object() {
                Some(Value::Hash(h)) => h.get(f),
                _ => None,
            },
            None => e.as_str().map(|s| s.to_bytes().into_owned()),
        }
    }

    /// SORT / SORT_RO on `key`.
    pub fn sort(
        &mut self,
        db: usize,
        key: &[u8],
        spec: &SortSpec<'_>,
    ) -> std::result::Result<SortOutput, SortError> {
        let seed: u64 = self.rng.gen();
        let mut nosort = spec.nosort;
        let mut alpha = spec.alpha;
        let mut by = spec.by;
        let store = spec.store.is_some();
        let desc = spec.desc;

        let mut items: Vec<Item> = Vec::new();
        let mut start: i64;
        let mut end: i64;
        match self.lookup_read(db, key) {
            None => {
                start = -1;
                end = -2;
            }
            Some(e) => {
                if !matches!(e.type_name(), "list" | "set" | "zset") {
                    return Err(SortError::WrongType);
                }
                let is_set = e.type_name() == "set";
                if nosort && is_set && (store || spec.deterministic) {
                    nosort = false;
                    alpha = true;
                    by = None;
                }
                let v = sort_source(e);
                if let Value::ZSet(z) = &mut *v {
                    z.convert(seed);
                }
                let len = match &*v {
                    Value::List(l) => l.len(),
                    Value::Set(s) => s.len(),
                    Value::ZSet(z) => z.len(),
                    _ => 0,
                } as i64;
                (start, end) = limit_range(spec.limit, len);
                let elems: Vec<Vec<u8>> = match &*v {
                    Value::List(l) if nosort => {
                        let mut out = Vec::new();
                        if end >= start {
                            let n = (end - start + 1) as usize;
                            let from = if desc { len - start - 1 } else { start } as usize;
                            l.ql.visit(from, desc, |_, x| {
                                out.push(x.to_vec());
                                out.len() < n
                            });
                            end -= start;
                            start = 0;
                        }
                        out
                    }
                    Value::List(l) => l.ql.to_vec(),
                    Value::Set(s) => s.members(),
                    Value::ZSet(z) if nosort => {
                        let mut out = Vec::new();
                        if end >= start {
                            let q = RangeQuery {
                                range: Range::Rank(start, end),
                                rev: desc,
                                offset: 0,
                                limit: -1,
                            };
                            out = z.query(&q).into_iter().map(|(m, _)| m).collect();
                            end -= start;
                            start = 0;
                        }
                        out
                    }
                    Value::ZSet(z) => z.pairs().into_iter().map(|(m, _)| m).collect(),
                    _ => Vec::new(),
                };
                items = elems
                    .into_iter()
                    .map(|elem| Item {
                        elem,
                        score: 0.0,
                        cmp: None,
                    })
                    .collect();
            }
        }

        let mut bad_score = false;
        if !nosort {
            for it in items.iter_mut() {
                let weight = match by {
                    Some(p) => match self.sort_lookup(db, p, &it.elem) {
                        Some(w) => Cow::Owned(w),
                        None => continue,
                    },
                    None => Cow::Borrowed(&it.elem[..]),
                };
                if alpha {
                    if by.is_some() {
                        it.cmp = Some(weight.into_owned());
                    }
                } else {
                    match parse_weight(&weight) {
                        Some(s) => it.score = s,
                        None => bad_score = true,
                    }
                }
            }
            if !bad_score {
                let by_pattern = by.is_some();
                items.sort_by(|a, b| {
                    let c = compare(a, b, alpha, by_pattern, store);
                    if desc {
                        c.reverse()
                    } else {
                        c
                    }
                });
            }
        }
        if bad_score {
            return Err(SortError::BadScore);
        }

        let selected: &[Item] = if end >= start && start >= 0 {
            let e = (end as usize).min(items.len().saturating_sub(1));
            items.get(start as usize..=e).unwrap_or(&[])
        } else {
            &[]
        };
        let mut out: Vec<Option<Vec<u8>>> =
            Vec::with_capacity(selected.len() * spec.get.len().max(1));
        for it in selected {
            if spec.get.is_empty() {
                out.push(Some(it.elem.clone()));
            }
            for p in &spec.get {
                out.push(self.sort_lookup(db, p, &it.elem));
            }
        }

        let Some(dst) = spec.store else {
            return Ok(SortOutput::Reply(out));
        };
        let n = out.len();
        self.expire_if_needed(db, dst);
        if n == 0 {
            if self.db_mut(db).remove(dst).is_some() {
                self.stats.dirty += 1;
                self.notify(db, dst, "del", class::GENERIC);
            }
            return Ok(SortOutput::Stored(0));
        }
        let mut list = self.new_list();
        for v in &out {
            list.ql.push_back(v.as_deref().unwrap_or_default());
        }
        let entry = self.new_entry(dst, Value::List(Box::new(list)));
        self.put(db, entry, false);
        self.stats.dirty += n as u64;
        self.notify(db, dst, "sortstore", class::LIST);
        Ok(SortOutput::Stored(n))
    }
}

/// The source value, mutable (sorted sets are converted in place).
fn sort_source(e: &mut Entry) -> &mut Value {
    e.value_mut()
}

/// Redis's LIMIT arithmetic: the `start..=end` indexes of the output
/// (empty when `end < start`), with offsets and counts clamped to the
/// source's length so nothing overflows.
fn limit_range((offset, count): (i64, i64), len: i64) -> (i64, i64) {
    let mut start = offset.clamp(0, len);
    let count = count.clamp(-1, len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    (start, end)
}

fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool, store: bool) -> Ordering {
    if !alpha {
        return a
            .score
            .partial_cmp(&b.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.elem.cmp(&b.elem));
    }
    let (x, y) = if by_pattern {
        match (&a.cmp, &b.cmp) {
            (Some(x), Some(y)) => (&x[..], &y[..]),
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
        }
    } else {
        (&a.elem[..], &b.elem[..])
    };
    if store {
        x.cmp(y)
    } else {
        coll(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SetOptions;

    #[test]
    fn weights_parse_like_strtod_whole_string() {
        for (s, v) in [
            (&b""[..], Some(0.0)),
            (b" 1", Some(1.0)),
            (b"1.", Some(1.0)),
            (b".5", Some(0.5)),
            (b"+3", Some(3.0)),
            (b"0x10", Some(16.0)),
            (b"0x1p3", Some(8.0)),
            (b"-inf", Some(f64::NEG_INFINITY)),
            (b"infinity", Some(f64::INFINITY)),
            (b"1e+2", Some(100.0)),
            (b"2\x00junk", Some(2.0)),
            (b"2.2250738585072014e-308", Some(2.2250738585072014e-308)),
            (b"0e-400", Some(0.0)),
        ] {
            assert_eq!(parse_weight(s), v, "{:?}", String::from_utf8_lossy(s));
        }
        for s in [
            &b" "[..],
            b"1 ",
            b".",
            b"1e400",
            b"1e-310",
            b"1e-400",
            b"nan",
            b"1e",
            b"abc",
            b"0x",
            b"4.9e-324",
            b"--1",
        ] {
            assert_eq!(parse_weight(s), None, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn limit_clamps_like_redis() {
        assert_eq!(limit_range((0, -1), 3), (0, 2));
        assert_eq!(limit_range((1, i64::MAX), 3), (1, 2));
        assert_eq!(limit_range((2, i64::MAX), 3), (2, 2));
        assert_eq!(limit_range((i64::MAX, i64::MAX), 3), (2, 1));
        assert_eq!(limit_range((-5, 2), 3), (0, 1));
        assert_eq!(limit_range((1, 0), 3), (1, 0));
        assert_eq!(limit_range((0, -1), 0), (-1, -2));
        assert_eq!(limit_range((i64::MIN, i64::MIN), 3), (0, 2));
    }

    fn strs(v: &SortOutput) -> Vec<String> {
        match v {
            SortOutput::Reply(r) => r
                .iter()
                .map(|x| {
                    x.as_deref()
                        .map_or("(nil)".into(), |b| String::from_utf8_lossy(b).into())
                })
                .collect(),
            SortOutput::Stored(n) => vec![n.to_string()],
        }
    }

    #[test]
    fn sorts_by_patterns_and_gets() {
        let mut s = Store::new(1);
        s.list_push(
            0,
            b"l",
            crate::list::End::Right,
            &[&b"3"[..], b"1", b"2"],
            false,
        )
        .unwrap();
        let o = SetOptions::default();
        for (k, v) in [
            (&b"w_1"[..], &b"30"[..]),
            (b"w_2", b"20"),
            (b"w_3", b"10"),
            (b"o_1", b"one"),
        ] {
            s.set(0, k, v, &o).unwrap();
        }
        s.hash_set(0, b"h_2", &[&b"f"[..], b"x"]).unwrap();
        let mut spec = SortSpec::new();
        assert_eq!(strs(&s.sort(0, b"l", &spec).unwrap()), ["1", "2", "3"]);
        spec.by = Some(b"w_*");
        assert_eq!(strs(&s.sort(0, b"l", &spec).unwrap()), ["3", "2", "1"]);
        spec.get = vec![b"#", b"o_*", b"h_*->f"];
        spec.desc = true;
        assert_eq!(
            strs(&s.sort(0, b"l", &spec).unwrap()),
            ["1", "one", "(nil)", "2", "(nil)", "x", "3", "(nil)", "(nil)"]
        );
        spec.nosort = true;
        spec.get = vec![];
        spec.limit = (1, 5);
        assert_eq!(strs(&s.sort(0, b"l", &spec).unwrap()), ["1", "3"]);
        spec.store = Some(b"dst");
        assert_eq!(s.sort(0, b"l", &spec).unwrap(), SortOutput::Stored(2));
        assert_eq!(
            s.list_range(0, b"dst", 0, -1).unwrap(),
            [b"1".to_vec(), b"3".to_vec()]
        );
        spec.limit = (10, 1);
        assert_eq!(s.sort(0, b"l", &spec).unwrap(), SortOutput::Stored(0));
        assert!(!s.exists(0, b"dst"));
        s.list_push(0, b"bad", crate::list::End::Right, &[&b"x"[..]], false)
            .unwrap();
        assert_eq!(
            s.sort(0, b"bad", &SortSpec::new()),
            Err(SortError::BadScore)
        );
        assert_eq!(
            s.sort(0, b"w_1", &SortSpec::new()),
            Err(SortError::WrongType)
        );
    }
}
