//! `%.17g`, the way redis-server 7.0 prints doubles (`ZSCORE`, `INCRBYFLOAT`
//! replies in RESP2 and RESP3 alike).
//!
//! Rust's `{:.16e}` gives the 17 correctly rounded significant digits (glibc's
//! `printf` rounds the exact binary value too, so the digits agree); the `%g`
//! rules are then applied by hand: fixed notation when `-4 <= exp < 17`,
//! exponent notation otherwise, trailing zeros and a bare point removed,
//! exponents printed with a sign and at least two digits (`1e+20`, `1e-05`).

use bytes::BufMut;
use std::fmt::Write as _;

/// Longest output: `-1.2345678901234567e-308` is 24 bytes.
pub(crate) const MAX_DOUBLE_LEN: usize = 32;

/// A fixed-size stack buffer that `write!` can target without allocating.
struct StackBuf {
    bytes: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackBuf {
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

/// Formats `v` like C's `printf("%.17g", v)` with glibc into `out`, returning
/// the number of bytes written.
pub(crate) fn format_double_into(v: f64, out: &mut [u8; MAX_DOUBLE_LEN]) -> usize {
    let mut n = 0;
    let mut push = |b: u8, n: &mut usize| {
        out[*n] = b;
        *n += 1;
    };
    if v.is_sign_negative() {
        push(b'-', &mut n);
    }
    if v.is_nan() {
        for &b in b"nan" {
            push(b, &mut n);
        }
        return n;
    }
    if v.is_infinite() {
        for &b in b"inf" {
            push(b, &mut n);
        }
        return n;
    }
    // Fast path: integral values below 1e15 print as plain integers, as %g
    // does for any exponent below the precision (17).
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let mut digits = [0u8; 20];
        let start = crate::write::u64_digits(v.abs() as u64, &mut digits);
        for &d in &digits[start..] {
            push(d, &mut n);
        }
        return n;
    }
    let mut sci = StackBuf {
        bytes: [0; 40],
        len: 0,
    };
    // Cannot fail: at most 23 bytes ("1.2345678901234567e-308").
    let _ = write!(sci, "{:.16e}", v.abs());
    let s = &sci.bytes[..sci.len];
    // s = d '.' 16 digits 'e' exponent
    let mut digits = [0u8; 17];
    digits[0] = s[0];
    digits[1..].copy_from_slice(&s[2..18]);
    let mut exp: i32 = 0;
    let mut neg_exp = false;
    for &b in &s[19..] {
        if b == b'-' {
            neg_exp = true;
        } else {
            exp = exp * 10 + i32::from(b - b'0');
        }
    }
    if neg_exp {
        exp = -exp;
    }
    // Significant digits once trailing zeros are dropped.
    let mut sig = 17;
    while sig > 1 && digits[sig - 1] == b'0' {
        sig -= 1;
    }
    if (-4..17).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            for &d in &digits[..int_len] {
                push(d, &mut n);
            }
            if sig > int_len {
                push(b'.', &mut n);
                for &d in &digits[int_len..sig] {
                    push(d, &mut n);
                }
            }
        } else {
            push(b'0', &mut n);
            push(b'.', &mut n);
            for _ in 0..(-exp - 1) {
                push(b'0', &mut n);
            }
            for &d in &digits[..sig] {
                push(d, &mut n);
            }
        }
    } else {
        push(digits[0], &mut n);
        if sig > 1 {
            push(b'.', &mut n);
            for &d in &digits[1..sig] {
                push(d, &mut n);
            }
        }
        push(b'e', &mut n);
        push(if exp < 0 { b'-' } else { b'+' }, &mut n);
        let e = exp.unsigned_abs();
        if e >= 100 {
            push(b'0' + (e / 100) as u8, &mut n);
        }
        push(b'0' + (e / 10 % 10) as u8, &mut n);
        push(b'0' + (e % 10) as u8, &mut n);
    }
    n
}

/// Appends `v` formatted as redis-server 7.0 formats doubles (C `%.17g`):
/// `0.1` is `0.10000000000000001`, `3.0` is `3`, `1e20` is `1e+20`,
/// infinities are `inf`/`-inf`, NaN is `nan` (`-nan` with the sign bit set).
///
/// ```
/// let mut out = Vec::new();
/// cedis_resp::format_double(0.1, &mut out);
/// assert_eq!(out, b"0.10000000000000001");
/// ```
pub fn format_double(v: f64, buf: &mut impl BufMut) {
    let mut tmp = [0u8; MAX_DOUBLE_LEN];
    let n = format_double_into(v, &mut tmp);
    buf.put_slice(&tmp[..n]);
}

/// [`format_double`] into a new `String`.
pub fn double_to_string(v: f64) -> String {
    let mut tmp = [0u8; MAX_DOUBLE_LEN];
    let n = format_double_into(v, &mut tmp);
    // Only ASCII is ever written.
    String::from_utf8_lossy(&tmp[..n]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::double_to_string as f;

    #[test]
    fn matches_glibc_percent_17g() {
        // Expected strings are what `printf("%.17g")` prints with glibc, and
        // what redis-server 7.0.15 replies to ZSCORE (checked by hand).
        let cases: &[(f64, &str)] = &[
            (0.1, "0.10000000000000001"),
            (1e20, "1e+20"),
            (3.0, "3"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (-1.5, "-1.5"),
            (1e-5, "1.0000000000000001e-05"),
            (1e-4, "0.0001"),
            (0.00012345, "0.00012344999999999999"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (12345678901234567.0, "12345678901234568"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (1e100, "1e+100"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "4.9406564584124654e-324"),
            (2.5, "2.5"),
            (100.0, "100"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "-nan"),
            (1.0 / 3.0, "0.33333333333333331"),
        ];
        for &(v, want) in cases {
            assert_eq!(f(v), want, "formatting {v:e}");
        }
    }

    #[test]
    fn integral_fast_path_agrees() {
        for v in [
            1.0,
            42.0,
            -7.0,
            123456789.0,
            999999999999999.0,
            -999999999999999.0,
        ] {
            assert_eq!(f(v), format!("{}", v as i64));
        }
        assert_eq!(f(1e15), "1000000000000000");
        assert_eq!(f(-1e16), "-10000000000000000");
    }

    #[test]
    fn round_trips() {
        for v in [0.1, 1e-300, 123.456, 9007199254740993.0, 6.02214076e23] {
            assert_eq!(f(v).parse::<f64>().unwrap(), v);
        }
    }
}
