//! A minimal glob matcher for CONFIG GET patterns (`*`, `?`, `[...]` with
//! `^`/`!` negation and ranges, `\` escapes), case-insensitive as Redis
//! matches config names.
//!
//! Stand-in until `cedis-types` exports its glob matcher: swap the body of
//! [`matches`] for it.

/// Whether `name` matches `pattern`, ignoring ASCII case.
pub(crate) fn matches(pattern: &[u8], name: &[u8]) -> bool {
    glob(pattern, name)
}

fn eq(a: u8, b: u8) -> bool {
    a.eq_ignore_ascii_case(&b)
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => {
            let rest = &p[1..];
            (0..=s.len()).any(|i| glob(rest, &s[i..]))
        }
        Some(b'?') => !s.is_empty() && glob(&p[1..], &s[1..]),
        Some(b'[') => {
            let Some(&c) = s.first() else { return false };
            let mut i = 1;
            let neg = matches!(p.get(i), Some(b'^') | Some(b'!'));
            if neg {
                i += 1;
            }
            let mut hit = false;
            let mut first = true;
            while i < p.len() && (p[i] != b']' || first) {
                first = false;
                if p[i] == b'\\' && i + 1 < p.len() {
                    hit |= eq(p[i + 1], c);
                    i += 2;
                } else if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
                    let (lo, hi) = (p[i].to_ascii_lowercase(), p[i + 2].to_ascii_lowercase());
                    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
                    hit |= (lo..=hi).contains(&c.to_ascii_lowercase());
                    i += 3;
                } else {
                    hit |= eq(p[i], c);
                    i += 1;
                }
            }
            // An unterminated class matches like Redis: up to the end.
            let next = if i < p.len() { i + 1 } else { i };
            hit != neg && glob(&p[next..], &s[1..])
        }
        Some(b'\\') if p.len() > 1 => !s.is_empty() && eq(p[1], s[0]) && glob(&p[2..], &s[1..]),
        Some(&c) => !s.is_empty() && eq(c, s[0]) && glob(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches(b"*", b"port"));
        assert!(matches(b"*maxmemory*", b"replica-ignore-maxmemory"));
        assert!(matches(b"maxmemor[y]", b"maxmemory"));
        assert!(matches(b"MAX*", b"maxmemory"));
        assert!(matches(b"p?rt", b"port"));
        assert!(!matches(b"maxmemory?", b"maxmemory"));
        assert!(matches(b"[^a]ort", b"port"));
        assert!(matches(b"[a-q]ort", b"port"));
        assert!(!matches(b"a*b", b"aclfile"));
    }
}
