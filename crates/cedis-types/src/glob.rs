//! Glob-style pattern matching with the exact semantics of Redis 7.0's
//! `KEYS`, `SCAN ... MATCH`, `PSUBSCRIBE` and `CONFIG GET` patterns.
//!
//! # Syntax
//!
//! | pattern  | matches |
//! |----------|---------|
//! | `*`      | any run of bytes, including none |
//! | `?`      | exactly one byte |
//! | `[abc]`  | one byte from the set; `[^abc]` one byte not in it |
//! | `[a-z]`  | one byte in the range; `[z-a]` is the same range |
//! | `\x`     | the byte `x` literally, inside or outside brackets |
//!
//! # The corner cases, as a real `redis-server` 7.0.15 answers them
//!
//! Each row below was checked against a real server with `KEYS` (and, for
//! `nocase`, with `CONFIG GET`, which matches case-insensitively); the unit
//! tests at the bottom of this file encode them.
//!
//! * **An empty subject matches only an empty pattern**: `**` and `?*` do
//!   not match the empty key. (`KEYS *` and `SCAN` without `MATCH` list the
//!   empty key only because those commands skip matching for the literal
//!   pattern `*`; callers must keep that shortcut.)
//! * **Unterminated `[`**: the set runs to the end of the pattern, so
//!   `[abc` matches `a`, and `[` alone matches nothing.
//! * **`]` right after `[` (or `[^`) closes an empty set**: `[]a]` never
//!   matches, `[^]` matches any one byte.
//! * **Ranges**: `x-y` is a range whenever at least three pattern bytes
//!   remain at `x` (counting `x`), even if `y` is `]`: `[a-]` is the range
//!   `]`..`a`, and the set then continues after that `]`. A `-` that cannot
//!   start a range (`[-a]`, `[a-b-c]`) is a literal member.
//! * **Ranges compare bytes as signed C `char`s**: `[a-\xff]` is the range
//!   `-1..=97`, i.e. the bytes `0x00..=0x61` and `0xff`; `[\x01-\x80]` is
//!   `0x80..=0xff` plus `0x00..=0x01`.
//! * **Escapes**: `\x` is the literal `x`; a backslash that is the last byte
//!   of the pattern (or of an unterminated set) is a literal backslash.
//! * **`nocase`** folds ASCII `A-Z` only. Outside brackets, escaped bytes
//!   fold too; inside brackets an escaped member is compared exactly
//!   (`[\M]` does not match `m`). Ranges are normalised (swapped) *before*
//!   folding, so `[Z-a]` and `[a-Z]` match nothing when `nocase` is set.
//!
//! # Complexity
//!
//! Every element of a pattern other than `*` consumes exactly one byte, so
//! the classic single-backtrack-point algorithm is exact: on a mismatch only
//! the most recent `*` needs to absorb one more byte. The matcher therefore
//! runs in `O(|pattern| * |subject|)` time in the worst case (linear in the
//! common cases), uses no recursion and allocates nothing. Patterns such as
//! `a*a*a*a*a*a*a*a*b` cannot blow up.

/// Returns whether `subject` matches the glob `pattern`, exactly as Redis
/// 7.0's `stringmatchlen` decides it (see the module docs for the rules).
///
/// `nocase` folds ASCII letters, as `CONFIG GET` does; `KEYS`, `SCAN` and
/// `PSUBSCRIBE` pass `false`.
pub fn glob_match(pattern: &[u8], subject: &[u8], nocase: bool) -> bool {
    if subject.is_empty() {
        // Redis's matcher never enters its loop for an empty subject.
        return pattern.is_empty();
    }
    let (mut p, mut s) = (0usize, 0usize);
    // Where to resume after the latest `*`: (pattern index after the star,
    // subject index the star currently stops at).
    let mut resume: Option<(usize, usize)> = None;
    loop {
        if s == subject.len() {
            while p < pattern.len() && pattern[p] == b'*' {
                p += 1;
            }
            return p == pattern.len();
        }
        if p < pattern.len() {
            if pattern[p] == b'*' {
                while p < pattern.len() && pattern[p] == b'*' {
                    p += 1;
                }
                if p == pattern.len() {
                    return true;
                }
                resume = Some((p, s));
                continue;
            }
            let (matched, next) = match_one(pattern, p, subject[s], nocase);
            if matched {
                p = next;
                s += 1;
                continue;
            }
        }
        // Mismatch, or pattern exhausted with subject left: let the latest
        // star absorb one more byte and retry from just after it.
        match resume {
            Some((rp, rs)) => {
                let rs = rs + 1;
                resume = Some((rp, rs));
                p = rp;
                s = rs;
            }
            None => return false,
        }
    }
}

/// ASCII lower-casing of a byte, as C's `tolower` in the "C" locale.
#[inline]
fn fold(b: u8) -> u8 {
    b.to_ascii_lowercase()
}

#[inline]
fn eq(a: u8, b: u8, nocase: bool) -> bool {
    a == b || (nocase && fold(a) == fold(b))
}

/// Matches the single-byte pattern element starting at `pattern[p]` (which
/// is not `*`) against `c`. Returns whether it matched and the index of the
/// next pattern element.
fn match_one(pattern: &[u8], p: usize, c: u8, nocase: bool) -> (bool, usize) {
    let n = pattern.len();
    match pattern[p] {
        b'?' => (true, p + 1),
        b'[' => match_class(pattern, p + 1, c, nocase),
        b'\\' if n - p >= 2 => (eq(pattern[p + 1], c, nocase), p + 2),
        lit => (eq(lit, c, nocase), p + 1),
    }
}

/// Matches a bracket set whose body starts at `pattern[j]` (just after the
/// `[`). Returns whether `c` is accepted and the index after the set.
fn match_class(pattern: &[u8], mut j: usize, c: u8, nocase: bool) -> (bool, usize) {
    let n = pattern.len();
    let negate = j < n && pattern[j] == b'^';
    if negate {
        j += 1;
    }
    let mut hit = false;
    let next = loop {
        if j >= n {
            break n; // unterminated: the set runs to the end of the pattern
        }
        let b = pattern[j];
        if b == b'\\' && n - j >= 2 {
            // Escaped member: compared exactly, even with `nocase`.
            hit |= pattern[j + 1] == c;
            j += 2;
        } else if b == b']' {
            break j + 1;
        } else if n - j >= 3 && pattern[j + 1] == b'-' {
            hit |= in_range(b, pattern[j + 2], c, nocase);
            j += 3;
        } else {
            hit |= eq(b, c, nocase);
            j += 1;
        }
    };
    (hit != negate, next)
}

/// Range test with C's signed-`char` ordering; swapped before folding.
fn in_range(start: u8, end: u8, c: u8, nocase: bool) -> bool {
    let signed = |b: u8| b as i8;
    let (mut lo, mut hi, mut c) = (start, end, c);
    if signed(lo) > signed(hi) {
        std::mem::swap(&mut lo, &mut hi);
    }
    if nocase {
        lo = fold(lo);
        hi = fold(hi);
        c = fold(c);
    }
    signed(lo) <= signed(c) && signed(c) <= signed(hi)
}

#[cfg(test)]
mod tests {
    use super::glob_match;
    use proptest::prelude::*;

    fn m(p: &[u8], s: &[u8]) -> bool {
        glob_match(p, s, false)
    }

    /// (pattern, subjects that match, subjects that do not), each row
    /// checked with `KEYS` against redis-server 7.0.15.
    #[allow(clippy::type_complexity)]
    const REDIS_CASES: &[(&[u8], &[&[u8]], &[&[u8]])] = &[
        (b"**", &[b"a"], &[b""]),
        (b"?*", &[b"a"], &[b""]),
        (b"*?", &[b"a", b"ab"], &[b""]),
        (b"a**", &[b"a", b"ab"], &[]),
        (b"a*b", &[b"ab", b"axb", b"axbb"], &[b"a", b"b"]),
        (b"*a", &[b"a", b"aa", b"ba"], &[b"ab"]),
        (b"h?llo", &[b"hello"], &[b"hllo", b"heello"]),
        (b"[]a]", &[], &[b"]", b"a", b"]a", b"aa"]),
        (b"[^]a]", &[b"xa]"], &[b"]a", b"xa", b"a"]),
        (b"[^]", &[b"a", b"^", b"]"], &[b""]),
        (
            b"[a-]b",
            &[b"b"],
            &[b"ab", b"-b", b"]b", b"^b", b"ab]", b"a]", b"ba"],
        ),
        (b"[a-]", &[b"a", b"]"], &[b"-", b"b", b"\\"]),
        (b"[a-]]", &[b"a"], &[b"a]", b"-]", b"]]", b"b]", b"\\]"]),
        (b"[z-a]", &[b"a", b"m", b"z"], &[b"A"]),
        (b"[a-z", &[b"a", b"m", b"z"], &[b"-", b"["]),
        (b"[abc", &[b"a", b"b", b"c"], &[b"d"]),
        (b"a[", &[], &[b"a", b"a[", b"ab"]),
        (b"a[\\", &[b"a\\"], &[b"a", b"a["]),
        (b"a\\", &[b"a\\"], &[b"a"]),
        (b"\\", &[b"\\"], &[b"a"]),
        (b"\\*", &[b"*"], &[b"a", b"\\*"]),
        (b"a\\\\", &[b"a\\"], &[b"a\\\\"]),
        (b"a*\\", &[b"a\\", b"ab\\"], &[b"a"]),
        (b"[\\]]", &[b"]"], &[b"\\", b"\\]"]),
        (b"[\\-a]", &[b"-", b"a"], &[b"\\", b"b"]),
        (b"[a\\-c]", &[b"a", b"c", b"-"], &[b"b", b"\\"]),
        (b"[a-\\c]", &[b"a", b"c", b"\\", b"]", b"^"], &[b"b"]),
        (b"[\\a-c]", &[b"a", b"c", b"-"], &[b"b"]),
        (
            b"[a-\xff]",
            &[b"a", b"\xff", b"\x00", b"`"],
            &[b"b", b"\x80", b"\x7f"],
        ),
        (
            b"[\x80-\x90]",
            &[b"\x80", b"\x85", b"\x90"],
            &[b"\x91", b"a"],
        ),
        (
            b"[\x01-\x80]",
            &[b"\x01", b"\x80", b"\x81", b"\xff"],
            &[b"a", b"\x7f"],
        ),
        (b"[", &[], &[b"[", b"a", b""]),
        (b"[^", &[b"[", b"a", b"^"], &[]),
        (b"x[]", &[], &[b"x", b"x]", b"x[]"]),
        (b"[-a]", &[b"-", b"a"], &[b"b"]),
        (b"[a-b-c]", &[b"a", b"b", b"-", b"c"], &[b"d"]),
        (b"[]-a]", &[], &[b"]", b"-", b"a", b"b"]),
        (b"*[", &[], &[b"a", b"a[", b""]),
        (b"[[]", &[b"["], &[b"]"]),
        (b"[\\", &[b"\\"], &[b"["]),
        (b"[a\\", &[b"a", b"\\"], &[b"b"]),
        (b"[^a-c]x", &[b"dx"], &[b"ax", b"x"]),
    ];

    #[test]
    fn matches_redis_keys_answers() {
        for (pat, yes, no) in REDIS_CASES {
            for s in *yes {
                assert!(m(pat, s), "{:?} should match {:?}", pat, s);
            }
            for s in *no {
                assert!(!m(pat, s), "{:?} should not match {:?}", pat, s);
            }
        }
    }

    /// Checked with `CONFIG GET`, which matches with `nocase`.
    #[test]
    fn nocase_matches_redis_config_get() {
        let n = |p: &[u8], s: &[u8]| glob_match(p, s, true);
        assert!(n(b"MAXMEMOR?", b"maxmemory"));
        assert!(n(b"[M]axmemory", b"maxmemory"));
        assert!(!n(b"[\\M]axmemory", b"maxmemory"));
        assert!(n(b"[\\m]axmemory", b"maxmemory"));
        assert!(n(b"[L-N]axmemory", b"maxmemory"));
        assert!(n(b"[N-L]axmemory", b"maxmemory"));
        assert!(n(b"\\Maxmemor?", b"maxmemory"));
        assert!(!n(b"[^M]axmemory", b"maxmemory"));
        assert!(n(b"[^\\M]axmemory", b"maxmemory"));
        assert!(n(b"maxmemory-polic[X-Z]", b"maxmemory-policy"));
        assert!(!n(b"maxmemory-polic[Z-a]", b"maxmemory-policy"));
        assert!(!n(b"maxmemory-polic[a-Z]", b"maxmemory-policy"));
        assert!(!n(b"maxmemory-polic[^Y]", b"maxmemory-policy"));
        assert!(!n(b"maxmemory-polic[\\Y-z]", b"maxmemory-policy"));
        // Without nocase the same patterns are case-sensitive.
        assert!(!m(b"MAXMEMOR?", b"maxmemory"));
    }

    #[test]
    fn basics() {
        assert!(m(b"", b""));
        assert!(!m(b"", b"a"));
        assert!(m(b"*", b"anything"));
        assert!(m(b"user:*:name", b"user:42:name"));
        assert!(!m(b"user:*:name", b"user:42:names"));
        assert!(m(b"*:*:*", b"a:b:c"));
        assert!(m(b"\x00*\xff", b"\x00\x01\x02\xff"));
    }

    #[test]
    fn pathological_patterns_are_fast() {
        let subject = vec![b'a'; 100_000];
        let pattern = b"a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
        let start = std::time::Instant::now();
        assert!(!m(pattern, &subject));
        let mut p2 = b"*".repeat(1000);
        p2.extend_from_slice(b"b");
        assert!(!m(&p2, &subject));
        assert!(!m(b"*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?b", &subject));
        // Generous bound: quadratic blow-up or exponential time would take
        // far longer even in a debug build.
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    // ---- reference matcher (exponential, small inputs only) -------------

    /// One pattern element of the reference matcher.
    #[derive(Debug)]
    enum Tok {
        Star,
        /// Accepted bytes, one flag per byte value.
        Set(Box<[bool; 256]>),
    }

    fn ref_fold(b: u8) -> u8 {
        if b.is_ascii_uppercase() {
            b + 32
        } else {
            b
        }
    }

    fn ref_parse(p: &[u8], nocase: bool) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut i = 0;
        let lit = |b: u8, fold: bool| {
            let mut set = Box::new([false; 256]);
            for c in 0..=255u8 {
                set[c as usize] = c == b || (fold && ref_fold(c) == ref_fold(b));
            }
            Tok::Set(set)
        };
        while i < p.len() {
            match p[i] {
                b'*' => {
                    out.push(Tok::Star);
                    i += 1;
                }
                b'?' => {
                    out.push(Tok::Set(Box::new([true; 256])));
                    i += 1;
                }
                b'\\' if i + 1 < p.len() => {
                    out.push(lit(p[i + 1], nocase));
                    i += 2;
                }
                b'[' => {
                    i += 1;
                    let neg = p.get(i) == Some(&b'^');
                    if neg {
                        i += 1;
                    }
                    let mut set = Box::new([false; 256]);
                    loop {
                        let rest = &p[i.min(p.len())..];
                        match rest {
                            [] => break,
                            [b'\\', x, ..] => {
                                set[*x as usize] = true;
                                i += 2;
                            }
                            [b']', ..] => {
                                i += 1;
                                break;
                            }
                            [a, b'-', z, ..] => {
                                let (mut a, mut z) = (*a as i8, *z as i8);
                                if a > z {
                                    std::mem::swap(&mut a, &mut z);
                                }
                                for c in 0..=255u8 {
                                    let (a, z, cc) = if nocase {
                                        (
                                            ref_fold(a as u8) as i8,
                                            ref_fold(z as u8) as i8,
                                            ref_fold(c) as i8,
                                        )
                                    } else {
                                        (a, z, c as i8)
                                    };
                                    if a <= cc && cc <= z {
                                        set[c as usize] = true;
                                    }
                                }
                                i += 3;
                            }
                            [x, ..] => {
                                for c in 0..=255u8 {
                                    if c == *x || (nocase && ref_fold(c) == ref_fold(*x)) {
                                        set[c as usize] = true;
                                    }
                                }
                                i += 1;
                            }
                        }
                    }
                    if neg {
                        for v in set.iter_mut() {
                            *v = !*v;
                        }
                    }
                    out.push(Tok::Set(set));
                }
                b => {
                    out.push(lit(b, nocase));
                    i += 1;
                }
            }
        }
        out
    }

    fn ref_rec(toks: &[Tok], s: &[u8]) -> bool {
        match toks.split_first() {
            None => s.is_empty(),
            Some((Tok::Star, rest)) => (0..=s.len()).any(|k| ref_rec(rest, &s[k..])),
            Some((Tok::Set(set), rest)) => match s.split_first() {
                Some((c, srest)) => set[*c as usize] && ref_rec(rest, srest),
                None => false,
            },
        }
    }

    fn reference(p: &[u8], s: &[u8], nocase: bool) -> bool {
        if s.is_empty() {
            return p.is_empty();
        }
        ref_rec(&ref_parse(p, nocase), s)
    }

    fn pat_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            4 => prop::sample::select(b"ab*?[]^-\\".to_vec()),
            1 => prop::sample::select(b"AZz\x80\xff".to_vec()),
        ]
    }

    fn subj_byte() -> impl Strategy<Value = u8> {
        prop::sample::select(b"abAB-]^[\\*\x80\xff".to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn agrees_with_reference(
            p in prop::collection::vec(pat_byte(), 0..10),
            s in prop::collection::vec(subj_byte(), 0..8),
            nocase in any::<bool>(),
        ) {
            prop_assert_eq!(glob_match(&p, &s, nocase), reference(&p, &s, nocase));
        }

        #[test]
        fn literal_pattern_matches_itself(
            s in prop::collection::vec(any::<u8>(), 1..20),
        ) {
            let mut p = Vec::new();
            for &b in &s {
                p.push(b'\\');
                p.push(b);
            }
            prop_assert!(glob_match(&p, &s, false));
        }
    }
}
