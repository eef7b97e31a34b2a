//! Longest common subsequence of two strings, as LCS reports it: the
//! subsequence, its length and the matching ranges (found from the end of
//! both strings backwards, as Redis lists them).

/// One run of consecutive matching bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LcsMatch {
    /// Start offset in the first string.
    pub a_start: usize,
    /// Start offset in the second string.
    pub b_start: usize,
    /// Length of the run.
    pub len: usize,
}

/// The result of [`lcs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lcs {
    /// The common subsequence.
    pub string: Vec<u8>,
    /// Its length.
    pub len: usize,
    /// Matching runs, last first.
    pub matches: Vec<LcsMatch>,
}

/// Computes the LCS with the classic dynamic-programming table.
pub fn lcs(a: &[u8], b: &[u8]) -> Lcs {
    let cols = b.len() + 1;
    let mut t = vec![0u32; (a.len() + 1) * cols];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            t[i * cols + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * cols + j - 1] + 1
            } else {
                t[(i - 1) * cols + j].max(t[i * cols + j - 1])
            };
        }
    }
    let len = t[a.len() * cols + b.len()] as usize;
    let mut string = vec![0u8; len];
    let mut matches = Vec::new();
    let (mut i, mut j, mut k) = (a.len(), b.len(), len);
    let mut run: Option<LcsMatch> = None;
    while i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            k -= 1;
            string[k] = a[i - 1];
            match run.as_mut() {
                Some(r) if r.a_start == i && r.b_start == j => {
                    r.a_start -= 1;
                    r.b_start -= 1;
                    r.len += 1;
                }
                _ => {
                    if let Some(r) = run.take() {
                        matches.push(r);
                    }
                    run = Some(LcsMatch {
                        a_start: i - 1,
                        b_start: j - 1,
                        len: 1,
                    });
                }
            }
            i -= 1;
            j -= 1;
        } else if t[(i - 1) * cols + j] > t[i * cols + j - 1] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    if let Some(r) = run {
        matches.push(r);
    }
    Lcs {
        string,
        len,
        matches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example() {
        let r = lcs(b"ohmytext", b"mynewtext");
        assert_eq!(r.string, b"mytext");
        assert_eq!(r.len, 6);
        assert_eq!(
            r.matches,
            vec![
                LcsMatch {
                    a_start: 4,
                    b_start: 5,
                    len: 4
                },
                LcsMatch {
                    a_start: 2,
                    b_start: 0,
                    len: 2
                }
            ]
        );
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(lcs(b"", b"abc").len, 0);
        assert!(lcs(b"abc", b"").matches.is_empty());
    }
}
