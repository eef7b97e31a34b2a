//! Software emulation of the x87 80-bit `long double` arithmetic that Redis
//! uses for `INCRBYFLOAT` and `HINCRBYFLOAT`.
//!
//! Redis (on x86-64 Linux) parses both operands with `strtold`, adds them in
//! `long double` (64-bit mantissa with an explicit integer bit, 15-bit
//! exponent, round-half-even) and prints the sum with `%.17Lf`, trimming the
//! trailing zeros (and the point) and turning `-0` into `0`. Rust has no
//! 80-bit float, so this module implements the three steps exactly in
//! software:
//!
//! * [`LongDouble::parse`]: decimal, hexadecimal (`0x1.8p3`), `inf`,
//!   `infinity` and `nan[(chars)]` inputs, correctly rounded for any input
//!   length (exact big-integer arithmetic), with x87 subnormals and overflow
//!   to infinity;
//! * [`LongDouble::add`]: correctly rounded addition;
//! * [`LongDouble::format_human`]: exact binary to decimal conversion with
//!   glibc's round-half-even `%.17Lf` rounding.
//!
//! [`incr_by_float`] and [`hincr_by_float`] combine them with the input
//! checks and error precedence observed on Redis 7.0.15.

use std::cmp::Ordering;
use std::fmt;

/// Mantissa width of the x87 extended format (explicit integer bit).
const LD_PREC: u32 = 64;
/// Exponent of the least significant mantissa bit of the smallest
/// subnormal: `2^-16445`.
const LD_MIN_LSB: i64 = -16445;
/// Exponent of the least significant mantissa bit of the largest finite
/// value: `(2^64 - 1) * 2^16320`.
const LD_MAX_LSB: i64 = 16320;

const F64_PREC: u32 = 53;
const F64_MIN_LSB: i64 = -1074;
const F64_MAX_LSB: i64 = 971;

/// Redis refuses to parse strings of this length or longer
/// (`MAX_LONG_DOUBLE_CHARS`, checked against the real server).
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// Significant decimal digits kept when parsing; the rest only matter as a
/// sticky bit. Any midpoint between two adjacent long doubles has fewer
/// than 11 600 significant digits, so keeping 12 000 digits and replacing
/// the tail by a single nonzero digit never changes the rounding.
const MAX_SIG_DIGITS: usize = 12_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Zero,
    Finite,
    Infinite,
    Nan,
}

/// An x87 80-bit extended precision value.
///
/// A finite nonzero value is `mantissa * 2^exponent`; normal values have
/// the top mantissa bit set, subnormals have it clear and the minimum
/// exponent (`-16445`). Equality is structural (`NaN == NaN`, `0 != -0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    neg: bool,
    class: Class,
    mant: u64,
    exp: i32,
}

/// Why `INCRBYFLOAT` / `HINCRBYFLOAT` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncrFloatError {
    /// The stored value does not parse as a float (or is NaN, overflows,
    /// underflows to zero, is empty or is 5120 bytes or longer).
    CurrentNotFloat,
    /// The increment argument does not parse as a float (same rules).
    IncrementNotFloat,
    /// `HINCRBYFLOAT` only: the increment parsed to an infinity.
    IncrementNanOrInfinity,
    /// The sum is NaN or infinite (this includes an infinite operand for
    /// `INCRBYFLOAT`).
    NanOrInfinity,
}

impl IncrFloatError {
    /// The error line (without the leading `-`) Redis 7.0 replies to
    /// `INCRBYFLOAT` with.
    pub fn incrbyfloat_message(self) -> &'static str {
        match self {
            Self::CurrentNotFloat | Self::IncrementNotFloat => "ERR value is not a valid float",
            Self::IncrementNanOrInfinity | Self::NanOrInfinity => {
                "ERR increment would produce NaN or Infinity"
            }
        }
    }

    /// The error line (without the leading `-`) Redis 7.0 replies to
    /// `HINCRBYFLOAT` with.
    pub fn hincrbyfloat_message(self) -> &'static str {
        match self {
            Self::CurrentNotFloat => "ERR hash value is not a float",
            Self::IncrementNotFloat => "ERR value is not a valid float",
            Self::IncrementNanOrInfinity => "ERR value is NaN or Infinity",
            Self::NanOrInfinity => "ERR increment would produce NaN or Infinity",
        }
    }
}

impl fmt::Display for IncrFloatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.incrbyfloat_message())
    }
}

impl std::error::Error for IncrFloatError {}

/// `INCRBYFLOAT`: parse `current` (pass `b"0"` for a missing key) and
/// `incr`, add them in long double and format the sum as Redis stores and
/// replies it.
pub fn incr_by_float(current: &[u8], incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let cur = LongDouble::parse_redis(current).ok_or(IncrFloatError::CurrentNotFloat)?;
    let inc = LongDouble::parse_redis(incr).ok_or(IncrFloatError::IncrementNotFloat)?;
    finish_incr(cur, inc)
}

/// `HINCRBYFLOAT`: like [`incr_by_float`] with the hash command's checks,
/// in its order: the increment first (an infinite increment is refused),
/// then the stored field (`None` for a missing field, which counts as 0).
pub fn hincr_by_float(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let inc = LongDouble::parse_redis(incr).ok_or(IncrFloatError::IncrementNotFloat)?;
    if inc.is_infinite() {
        return Err(IncrFloatError::IncrementNanOrInfinity);
    }
    let cur = match current {
        Some(c) => LongDouble::parse_redis(c).ok_or(IncrFloatError::CurrentNotFloat)?,
        None => LongDouble::ZERO,
    };
    finish_incr(cur, inc)
}

fn finish_incr(cur: LongDouble, inc: LongDouble) -> Result<Vec<u8>, IncrFloatError> {
    let sum = cur.add(inc);
    if sum.is_nan() || sum.is_infinite() {
        return Err(IncrFloatError::NanOrInfinity);
    }
    let mut out = Vec::with_capacity(24);
    sum.format_human(&mut out);
    Ok(out)
}

impl LongDouble {
    /// Positive zero.
    pub const ZERO: LongDouble = LongDouble {
        neg: false,
        class: Class::Zero,
        mant: 0,
        exp: 0,
    };
    /// Positive infinity.
    pub const INFINITY: LongDouble = LongDouble {
        neg: false,
        class: Class::Infinite,
        mant: 0,
        exp: 0,
    };
    /// Negative infinity.
    pub const NEG_INFINITY: LongDouble = LongDouble {
        neg: true,
        class: Class::Infinite,
        mant: 0,
        exp: 0,
    };
    /// A quiet NaN.
    pub const NAN: LongDouble = LongDouble {
        neg: false,
        class: Class::Nan,
        mant: 0,
        exp: 0,
    };
    /// The largest finite value, `(2^64 - 1) * 2^16320` (about
    /// `1.18973e4932`).
    pub const MAX: LongDouble = LongDouble {
        neg: false,
        class: Class::Finite,
        mant: u64::MAX,
        exp: LD_MAX_LSB as i32,
    };
    /// The smallest positive subnormal, `2^-16445`.
    pub const MIN_POSITIVE_SUBNORMAL: LongDouble = LongDouble {
        neg: false,
        class: Class::Finite,
        mant: 1,
        exp: LD_MIN_LSB as i32,
    };

    /// True for NaN.
    pub fn is_nan(&self) -> bool {
        self.class == Class::Nan
    }

    /// True for either infinity.
    pub fn is_infinite(&self) -> bool {
        self.class == Class::Infinite
    }

    /// True for `+0` and `-0`.
    pub fn is_zero(&self) -> bool {
        self.class == Class::Zero
    }

    /// The sign bit (true for `-0`, negative values, `-inf`).
    pub fn is_sign_negative(&self) -> bool {
        self.neg
    }

    /// `(mantissa, exponent)` with value `mantissa * 2^exponent` for a
    /// finite nonzero value, `None` otherwise (the sign is separate).
    pub fn mantissa_exponent(&self) -> Option<(u64, i32)> {
        (self.class == Class::Finite).then_some((self.mant, self.exp))
    }

    fn signed(neg: bool, class: Class) -> LongDouble {
        LongDouble {
            neg,
            class,
            mant: 0,
            exp: 0,
        }
    }

    /// Builds the rounded long double for `(n + sticky) * 2^e`; also
    /// returns strtold's `ERANGE` condition (overflow, or a tiny inexact
    /// result).
    fn from_round(neg: bool, n: &[u64], e: i64, sticky: bool) -> (LongDouble, bool) {
        match round_limbs(n, e, sticky, LD_PREC, LD_MIN_LSB, LD_MAX_LSB) {
            Rounded::Zero { inexact } => (Self::signed(neg, Class::Zero), inexact),
            Rounded::Overflow => (Self::signed(neg, Class::Infinite), true),
            Rounded::Finite { mant, exp, inexact } => {
                let tiny = mant >> (LD_PREC - 1) == 0;
                let v = LongDouble {
                    neg,
                    class: Class::Finite,
                    mant,
                    exp: exp as i32,
                };
                (v, tiny && inexact)
            }
        }
    }

    /// Exact conversion from `f64` (every `f64` is a long double).
    pub fn from_f64(x: f64) -> LongDouble {
        let bits = x.to_bits();
        let neg = bits >> 63 != 0;
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        if biased == 0x7ff {
            return Self::signed(
                neg,
                if frac == 0 {
                    Class::Infinite
                } else {
                    Class::Nan
                },
            );
        }
        let (m, e) = if biased == 0 {
            if frac == 0 {
                return Self::signed(neg, Class::Zero);
            }
            (frac, F64_MIN_LSB)
        } else {
            (frac | (1u64 << 52), biased - 1075)
        };
        Self::from_round(neg, &[m], e, false).0
    }

    /// Conversion to `f64`, rounded half-even, with `f64` subnormals and
    /// overflow to infinity.
    pub fn to_f64(&self) -> f64 {
        let sign = if self.neg { 1u64 << 63 } else { 0 };
        let mag = match self.class {
            Class::Zero => 0,
            Class::Infinite => 0x7ffu64 << 52,
            Class::Nan => (0x7ffu64 << 52) | (1u64 << 51),
            Class::Finite => {
                match round_limbs(
                    &[self.mant],
                    i64::from(self.exp),
                    false,
                    F64_PREC,
                    F64_MIN_LSB,
                    F64_MAX_LSB,
                ) {
                    Rounded::Zero { .. } => 0,
                    Rounded::Overflow => 0x7ffu64 << 52,
                    Rounded::Finite { mant, exp, .. } => {
                        if mant >> 52 == 0 {
                            mant
                        } else {
                            (((exp + 1075) as u64) << 52) | (mant & ((1u64 << 52) - 1))
                        }
                    }
                }
            }
        };
        f64::from_bits(sign | mag)
    }

    /// `strtold` on the whole string: `Some` only if all of `s` is one
    /// number. Accepts an optional sign, then a decimal number (digits,
    /// optional fraction, optional `e`/`E` exponent), a hexadecimal float
    /// (`0x1.8p3`, binary exponent optional), `inf`, `infinity` or
    /// `nan[(chars)]` (case-insensitive). Whitespace is never accepted.
    /// Out of range values become infinities, zero or subnormals as
    /// `strtold` returns them; see [`LongDouble::parse_with_range_error`].
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        Self::parse_with_range_error(s).map(|(v, _)| v)
    }

    /// Like [`LongDouble::parse`], also returning whether `strtold` would
    /// set `errno = ERANGE` (overflow to infinity, or a subnormal/zero
    /// result that is inexact).
    pub fn parse_with_range_error(s: &[u8]) -> Option<(LongDouble, bool)> {
        let (neg, body) = match s.first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            return Some((Self::signed(neg, Class::Infinite), false));
        }
        if body.len() >= 3 && body[..3].eq_ignore_ascii_case(b"nan") {
            let rest = &body[3..];
            let ok = rest.is_empty()
                || (rest.len() >= 2
                    && rest[0] == b'('
                    && rest[rest.len() - 1] == b')'
                    && rest[1..rest.len() - 1]
                        .iter()
                        .all(|c| c.is_ascii_alphanumeric() || *c == b'_'));
            return ok.then_some((Self::signed(neg, Class::Nan), false));
        }
        if body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
            return parse_hex(neg, &body[2..]);
        }
        parse_decimal(neg, body)
    }

    /// Redis's `string2ld`: rejects empty strings, strings of
    /// [`MAX_LONG_DOUBLE_CHARS`] bytes or more, anything `strtold` does not
    /// consume entirely (including leading/trailing whitespace), NaN, and
    /// `ERANGE` results that overflowed or underflowed to zero. Infinities
    /// written as `inf`/`infinity` and subnormal results are accepted.
    pub fn parse_redis(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS {
            return None;
        }
        let (v, erange) = Self::parse_with_range_error(s)?;
        if v.is_nan() || (erange && (v.is_infinite() || v.is_zero())) {
            return None;
        }
        Some(v)
    }

    /// Correctly rounded (half-even) sum, with IEEE special cases: NaN
    /// propagates, `inf + -inf` is NaN, an exact zero sum is `+0` unless
    /// both operands are `-0`.
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, other: LongDouble) -> LongDouble {
        use Class::*;
        match (self.class, other.class) {
            (Nan, _) | (_, Nan) => return LongDouble::NAN,
            (Infinite, Infinite) => {
                return if self.neg == other.neg {
                    self
                } else {
                    LongDouble::NAN
                };
            }
            (Infinite, _) => return self,
            (_, Infinite) => return other,
            (Zero, Zero) => return Self::signed(self.neg && other.neg, Zero),
            (Zero, _) => return other,
            (_, Zero) => return self,
            (Finite, Finite) => {}
        }
        let (a, b) = if self.exp >= other.exp {
            (self, other)
        } else {
            (other, self)
        };
        let d = i64::from(a.exp) - i64::from(b.exp);
        let (big_a, small_b, e, sticky) = if d <= 63 {
            (
                u128::from(a.mant) << d,
                u128::from(b.mant),
                i64::from(b.exp),
                false,
            )
        } else {
            // `a` is normal here (a subnormal has the minimum exponent), so
            // `big_a >= 2^127` dwarfs `small_b` and the sticky bit.
            let sh = d - 64;
            let (kept, lost) = if sh >= 64 {
                (0, b.mant != 0)
            } else {
                (b.mant >> sh, b.mant & ((1u64 << sh) - 1) != 0)
            };
            (
                u128::from(a.mant) << 64,
                u128::from(kept),
                i64::from(a.exp) - 64,
                lost,
            )
        };
        let (neg, n, sticky) = if a.neg == b.neg {
            (a.neg, big_a + small_b, sticky)
        } else {
            match big_a.cmp(&small_b) {
                Ordering::Greater => {
                    // a - (b + eps) = (a - b - 1) + (1 - eps)
                    (a.neg, big_a - small_b - u128::from(sticky), sticky)
                }
                Ordering::Less => (b.neg, small_b - big_a, false),
                Ordering::Equal => return LongDouble::ZERO,
            }
        };
        Self::from_round(neg, &[n as u64, (n >> 64) as u64], e, sticky).0
    }

    /// Appends `printf("%.17Lf")` of the value (glibc, round-half-even on
    /// exact ties): `-` for any negative value (including `-0` and values
    /// rounding to zero), `inf`, `-inf`, `nan`, `-nan`.
    pub fn format_fixed17(&self, out: &mut Vec<u8>) {
        if self.neg {
            out.push(b'-');
        }
        match self.class {
            Class::Nan => out.extend_from_slice(b"nan"),
            Class::Infinite => out.extend_from_slice(b"inf"),
            Class::Zero => out.extend_from_slice(b"0.00000000000000000"),
            Class::Finite if self.exp >= 0 => {
                let n = shl_limbs(&[self.mant], self.exp as usize);
                write_decimal(&n, out);
                out.extend_from_slice(b".00000000000000000");
            }
            Class::Finite => {
                const SCALE: u128 = 100_000_000_000_000_000; // 10^17
                let f = self.exp.unsigned_abs();
                let (mut int_part, frac) = if f < 64 {
                    (self.mant >> f, self.mant & ((1u64 << f) - 1))
                } else {
                    (0, self.mant)
                };
                // frac / 2^f scaled by 10^17; frac * 10^17 < 2^121.
                let p = u128::from(frac) * SCALE;
                let mut q = 0u128;
                if f < 128 {
                    q = p >> f;
                    let r = p & ((1u128 << f) - 1);
                    let half = 1u128 << (f - 1);
                    if r > half || (r == half && q & 1 == 1) {
                        q += 1;
                        if q == SCALE {
                            q = 0;
                            int_part += 1;
                        }
                    }
                }
                // f >= 128: the fraction is below 2^121 / 2^128 of a unit in
                // the 17th place, far below half: it rounds down to 0.
                write_decimal(&[int_part], out);
                out.push(b'.');
                let digits = q.to_string();
                out.extend(std::iter::repeat_n(b'0', 17 - digits.len()));
                out.extend_from_slice(digits.as_bytes());
            }
        }
    }

    /// Redis's human-friendly long double text (`LD_STR_HUMAN`):
    /// `%.17Lf`, then trailing zeros after the point and a bare point are
    /// removed, and `-0` becomes `0`.
    pub fn format_human(&self, out: &mut Vec<u8>) {
        let start = out.len();
        self.format_fixed17(out);
        if out[start..].contains(&b'.') {
            while out.last() == Some(&b'0') {
                out.pop();
            }
            if out.last() == Some(&b'.') {
                out.pop();
            }
        }
        if &out[start..] == b"-0" {
            out.truncate(start);
            out.push(b'0');
        }
    }

    /// [`LongDouble::format_human`] into a new `String`.
    pub fn to_human_string(&self) -> String {
        let mut out = Vec::with_capacity(24);
        self.format_human(&mut out);
        // Only ASCII is ever written.
        String::from_utf8(out).unwrap_or_default()
    }
}

impl std::ops::Neg for LongDouble {
    type Output = LongDouble;

    /// Flips the sign (also of zeros, infinities and NaN).
    fn neg(self) -> LongDouble {
        LongDouble {
            neg: !self.neg,
            ..self
        }
    }
}

impl std::ops::Add for LongDouble {
    type Output = LongDouble;

    /// [`LongDouble::add`].
    fn add(self, rhs: LongDouble) -> LongDouble {
        LongDouble::add(self, rhs)
    }
}

impl fmt::Display for LongDouble {
    /// The Redis human-friendly form ([`LongDouble::format_human`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_human_string())
    }
}

/// Decimal strtold body (after the sign). Grammar: `digits [. digits]`
/// with at least one digit overall, then optionally `e[+-]digits`.
fn parse_decimal(neg: bool, s: &[u8]) -> Option<(LongDouble, bool)> {
    let mut i = 0;
    let int_start = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &s[int_start..i];
    let mut frac_digits: &[u8] = &[];
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let fs = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &s[fs..i];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    let mut exp10: i64 = 0;
    if i < s.len() && (s[i] | 0x20) == b'e' {
        i += 1;
        exp10 = parse_exp_digits(&s[i..])?;
        i = s.len();
    }
    if i != s.len() {
        return None;
    }

    // Significant digits: strip leading zeros of the whole digit string and
    // trailing zeros (moving them into the exponent).
    let all = int_digits.iter().chain(frac_digits.iter()).copied();
    let total = int_digits.len() + frac_digits.len();
    let lead = all.clone().take_while(|&c| c == b'0').count();
    if lead == total {
        return Some((LongDouble::signed(neg, Class::Zero), false));
    }
    let trail = all.clone().rev().take_while(|&c| c == b'0').count();
    let nsig = total - lead - trail;
    // value = D * 10^dexp, D = the nsig significant digits
    let mut dexp = exp10
        .saturating_sub(frac_digits.len() as i64)
        .saturating_add(trail as i64);
    // 10^(point-1) <= value < 10^point
    let point = dexp.saturating_add(nsig as i64);
    if point > 4933 {
        return Some((LongDouble::signed(neg, Class::Infinite), true));
    }
    if point <= -4951 {
        // value < 10^-4951 < 2^-16446 (half the smallest subnormal)
        return Some((LongDouble::signed(neg, Class::Zero), true));
    }
    let sig = all.skip(lead).take(nsig);
    let mut d: Vec<u64> = Vec::with_capacity(nsig / 19 + 2);
    let mut chunk = 0u64;
    let mut chunk_len = 0u32;
    let mut push = |c: u8, d: &mut Vec<u64>| {
        chunk = chunk * 10 + u64::from(c - b'0');
        chunk_len += 1;
        if chunk_len == 19 {
            mul_add_small(d, 10u64.pow(19), chunk);
            chunk = 0;
            chunk_len = 0;
        }
    };
    if nsig > MAX_SIG_DIGITS {
        for c in sig.take(MAX_SIG_DIGITS) {
            push(c, &mut d);
        }
        // The dropped tail is nonzero (it ends in a nonzero digit): stand
        // in for it with a single 1 digit.
        push(b'1', &mut d);
        dexp = dexp.saturating_add((nsig - MAX_SIG_DIGITS - 1) as i64);
    } else {
        for c in sig {
            push(c, &mut d);
        }
    }
    if chunk_len > 0 {
        mul_add_small(&mut d, 10u64.pow(chunk_len), chunk);
    }

    if dexp >= 0 {
        // D * 10^dexp = (D * 5^dexp) * 2^dexp, exact
        mul_pow5(&mut d, dexp as u32);
        return Some(LongDouble::from_round(neg, &d, dexp, false));
    }
    // D / 10^k = D / 5^k * 2^-k: compute ~68 quotient bits and a sticky bit.
    let k = dexp.unsigned_abs();
    let mut m = vec![1u64];
    mul_pow5(&mut m, k as u32);
    let s = 67 + bitlen(&m) as i64 - bitlen(&d) as i64;
    let (num, den) = if s > 0 {
        (shl_limbs(&d, s as usize), m)
    } else {
        (d, shl_limbs(&m, s.unsigned_abs() as usize))
    };
    // D / 5^k = (num / den) * 2^-s
    let (q, sticky) = div_small_quotient(num, &den);
    Some(LongDouble::from_round(
        neg,
        &[q as u64, (q >> 64) as u64],
        -(k as i64) - s,
        sticky,
    ))
}

/// Hex strtold body after `0x`: hex digits with an optional point (at
/// least one digit), then optionally `p[+-]digits`.
fn parse_hex(neg: bool, s: &[u8]) -> Option<(LongDouble, bool)> {
    let mut i = 0;
    let mut digits: Vec<u8> = Vec::new();
    let mut frac_count: i64 = 0;
    let mut seen_point = false;
    let mut any = false;
    while i < s.len() {
        let c = s[i];
        if let Some(v) = (c as char).to_digit(16) {
            any = true;
            if !(digits.is_empty() && v == 0) {
                digits.push(v as u8);
            }
            if seen_point {
                frac_count += 1;
            }
        } else if c == b'.' && !seen_point {
            seen_point = true;
        } else {
            break;
        }
        i += 1;
    }
    if !any {
        return None;
    }
    let mut exp2: i64 = 0;
    if i < s.len() && (s[i] | 0x20) == b'p' {
        exp2 = parse_exp_digits(&s[i + 1..])?;
        i = s.len();
    }
    if i != s.len() {
        return None;
    }
    if digits.is_empty() {
        return Some((LongDouble::signed(neg, Class::Zero), false));
    }
    // Little-endian limbs from the hex digits.
    let mut n = vec![0u64; digits.len().div_ceil(16)];
    for (j, &v) in digits.iter().rev().enumerate() {
        n[j / 16] |= u64::from(v) << (4 * (j % 16));
    }
    trim(&mut n);
    let e = exp2.saturating_sub(frac_count.saturating_mul(4));
    // Clamp far out of range exponents (keeps the arithmetic in range).
    let top = e.saturating_add(bitlen(&n) as i64);
    if top > 20_000 {
        return Some((LongDouble::signed(neg, Class::Infinite), true));
    }
    if top < -20_000 {
        return Some((LongDouble::signed(neg, Class::Zero), true));
    }
    Some(LongDouble::from_round(neg, &n, e, false))
}

/// `[+-]digits` to the end of `s`, saturating far beyond any meaningful
/// exponent.
fn parse_exp_digits(s: &[u8]) -> Option<i64> {
    let (neg, ds) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if ds.is_empty() || !ds.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in ds {
        v = (v * 10 + i64::from(c - b'0')).min(1 << 40);
    }
    Some(if neg { -v } else { v })
}

enum Rounded {
    Zero { inexact: bool },
    Overflow,
    Finite { mant: u64, exp: i64, inexact: bool },
}

/// Rounds `(n + sticky) * 2^e` (sticky: a nonzero amount below one unit of
/// `n`) half-even to `prec` bits with the least significant bit's exponent
/// clamped to `min_lsb` (subnormals) and overflow above `max_lsb`.
fn round_limbs(n: &[u64], e: i64, sticky: bool, prec: u32, min_lsb: i64, max_lsb: i64) -> Rounded {
    let len = bitlen(n) as i64;
    if len == 0 {
        return Rounded::Zero { inexact: sticky };
    }
    let top = e + len - 1;
    let lsb = (top - i64::from(prec) + 1).max(min_lsb);
    let shift = lsb - e;
    let (mut mant, mut lsb, inexact) = if shift <= 0 {
        // Fits exactly: len - shift <= prec.
        (low_bits(n, 0) << shift.unsigned_abs(), lsb, sticky)
    } else {
        let shift = shift as u64;
        let mut mant = if shift >= len as u64 {
            0
        } else {
            low_bits(n, shift)
        };
        let half = bit(n, shift - 1);
        let rest = sticky || any_below(n, shift - 1);
        if half && (rest || mant & 1 == 1) {
            mant += 1;
        }
        (mant, lsb, half || rest)
    };
    if mant >> prec != 0 {
        mant >>= 1;
        lsb += 1;
    }
    if mant == 0 {
        return Rounded::Zero { inexact };
    }
    if lsb > max_lsb {
        return Rounded::Overflow;
    }
    Rounded::Finite {
        mant: mant as u64,
        exp: lsb,
        inexact,
    }
}

// ---- minimal unsigned big integers: little-endian u64 limbs ----

fn trim(a: &mut Vec<u64>) {
    while a.last() == Some(&0) {
        a.pop();
    }
}

fn bitlen(a: &[u64]) -> usize {
    match a.iter().rposition(|&l| l != 0) {
        Some(i) => i * 64 + 64 - a[i].leading_zeros() as usize,
        None => 0,
    }
}

fn bit(a: &[u64], i: u64) -> bool {
    let limb = (i / 64) as usize;
    limb < a.len() && (a[limb] >> (i % 64)) & 1 == 1
}

/// Any bit strictly below bit `i` set?
fn any_below(a: &[u64], i: u64) -> bool {
    let limb = (i / 64) as usize;
    let r = i % 64;
    if a[..limb.min(a.len())].iter().any(|&l| l != 0) {
        return true;
    }
    limb < a.len() && r > 0 && a[limb] & ((1u64 << r) - 1) != 0
}

/// Bits `[shift, shift + 128)` of `a`.
fn low_bits(a: &[u64], shift: u64) -> u128 {
    let limb = (shift / 64) as usize;
    let r = shift % 64;
    let get = |i: usize| u128::from(a.get(i).copied().unwrap_or(0));
    let v = get(limb) | (get(limb + 1) << 64);
    if r == 0 {
        v
    } else {
        (v >> r) | (get(limb + 2) << (128 - r))
    }
}

fn shl_limbs(a: &[u64], s: usize) -> Vec<u64> {
    let (limbs, r) = (s / 64, s % 64);
    let mut out = vec![0u64; limbs];
    out.reserve(a.len() + 1);
    if r == 0 {
        out.extend_from_slice(a);
    } else {
        let mut carry = 0u64;
        for &l in a {
            out.push((l << r) | carry);
            carry = l >> (64 - r);
        }
        out.push(carry);
    }
    trim(&mut out);
    out
}

fn shr1(a: &mut Vec<u64>) {
    let mut carry = 0u64;
    for l in a.iter_mut().rev() {
        let nc = *l << 63;
        *l = (*l >> 1) | carry;
        carry = nc;
    }
    trim(a);
}

fn mul_add_small(a: &mut Vec<u64>, m: u64, add: u64) {
    let mut carry = u128::from(add);
    for l in a.iter_mut() {
        let v = u128::from(*l) * u128::from(m) + carry;
        *l = v as u64;
        carry = v >> 64;
    }
    if carry != 0 {
        a.push(carry as u64);
    }
}

fn mul_pow5(a: &mut Vec<u64>, mut k: u32) {
    const P5_27: u64 = 7_450_580_596_923_828_125; // 5^27
    while k >= 27 {
        mul_add_small(a, P5_27, 0);
        k -= 27;
    }
    if k > 0 {
        mul_add_small(a, 5u64.pow(k), 0);
    }
}

fn cmp(a: &[u64], b: &[u64]) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.iter().rev().cmp(b.iter().rev()))
}

fn sub_assign(a: &mut Vec<u64>, b: &[u64]) {
    let mut borrow = false;
    for (i, l) in a.iter_mut().enumerate() {
        let (v1, b1) = l.overflowing_sub(b.get(i).copied().unwrap_or(0));
        let (v2, b2) = v1.overflowing_sub(u64::from(borrow));
        *l = v2;
        borrow = b1 || b2;
    }
    trim(a);
}

/// `floor(num / den)` for a quotient below 2^128 (here about 68 bits),
/// and whether the remainder is nonzero. Plain binary long division.
fn div_small_quotient(mut num: Vec<u64>, den: &[u64]) -> (u128, bool) {
    let t = bitlen(&num).saturating_sub(bitlen(den));
    debug_assert!(t < 127);
    let mut dsh = shl_limbs(den, t);
    let mut q = 0u128;
    for i in (0..=t).rev() {
        if cmp(&num, &dsh) != Ordering::Less {
            sub_assign(&mut num, &dsh);
            q |= 1u128 << i;
        }
        if i > 0 {
            shr1(&mut dsh);
        }
    }
    (q, !num.is_empty())
}

/// Appends the decimal digits of `a` (`0` for zero).
fn write_decimal(a: &[u64], out: &mut Vec<u8>) {
    const CHUNK: u64 = 1_000_000_000; // 10^9
                                      // 32-bit limbs keep every division a native 64-by-32 one.
    let mut n: Vec<u32> = a
        .iter()
        .flat_map(|&l| [l as u32, (l >> 32) as u32])
        .collect();
    while n.last() == Some(&0) {
        n.pop();
    }
    let mut chunks: Vec<u32> = Vec::with_capacity(n.len() * 32 / 29 + 1);
    while !n.is_empty() {
        let mut rem = 0u64;
        for l in n.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*l);
            *l = (cur / CHUNK) as u32;
            rem = cur % CHUNK;
        }
        while n.last() == Some(&0) {
            n.pop();
        }
        chunks.push(rem as u32);
    }
    match chunks.split_last() {
        None => out.push(b'0'),
        Some((first, rest)) => {
            out.extend_from_slice(first.to_string().as_bytes());
            for &c in rest.iter().rev() {
                let mut buf = [b'0'; 9];
                let mut c = c;
                for d in buf.iter_mut().rev() {
                    *d = b'0' + (c % 10) as u8;
                    c /= 10;
                }
                out.extend_from_slice(&buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SET x <a>`, `INCRBYFLOAT x <b>` on Redis 7.0.15 (x86-64): the reply.
    const INCR_CASES: &[(&[u8], &[u8], &str)] = &[
        (b"0.1", b"0.2", "0.3"),
        (b"10.5", b"0.1", "10.6"),
        (b"12345.1", b"0", "12345.09999999999999964"),
        (b"1e20", b"0", "100000000000000000000"),
        (b"1e-20", b"0", "0"),
        (b"5.0e3", b"2.0e2", "5200"),
        (b"17179869184", b"1.5", "17179869185.5"),
        (b"-0.0", b"0", "0"),
        (b"0", b"-0.0", "0"),
        (b"-0.0", b"-0.0", "0"),
        (b"1e308", b"1e308", "199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096"),
        (b"1e4932", b"1e4932", "ERR increment would produce NaN or Infinity"),
        (b"-1e4932", b"-1e4932", "ERR increment would produce NaN or Infinity"),
        (b"0x1.8p3", b"0", "12"),
        (b"0", b"0x10", "16"),
        (b"18446744073709551615", b"0", "18446744073709551615"),
        (b"18446744073709551616", b"1", "18446744073709551616"),
        (b"18446744073709551616", b"3", "18446744073709551620"),
        (b"18446744073709551617", b"0", "18446744073709551616"),
        (b"18446744073709551619", b"0", "18446744073709551620"),
        (b"18446744073709551617.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001", b"0", "18446744073709551618"),
        (b"0.000003814697265625", b"0", "0.00000381469726562"),
        (b"0.000011444091796875", b"0", "0.00001144409179688"),
        (b"-0.000003814697265625", b"0", "-0.00000381469726562"),
        (b"5e-18", b"0", "0"),
        (b"-5e-18", b"0", "0"),
        (b"6e-18", b"0", "0.00000000000000001"),
        (b"-6e-18", b"0", "-0.00000000000000001"),
        (b"1e-17", b"0", "0.00000000000000001"),
        (b"-1e-20", b"0", "0"),
        (b"-1e-17", b"0", "-0.00000000000000001"),
        (b"3.0", b"0", "3"),
        (b"0.5", b"-0.5", "0"),
        (b"-1", b"0.5", "-0.5"),
        (b"1.1", b"2.2", "3.3"),
        (b"0.3", b"-0.1", "0.2"),
        (b"100", b"-100.5", "-0.5"),
        (b"-5", b"-7.25", "-12.25"),
        (b"1.7976931348623157e308", b"0", "179769313486231569995921046774104434048386446944329178485314420765176628523124396354701868608387085564428793419425520689308708363451136055357897278026477617073498977686288394835618163294045594434929537447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863339536384"),
        (b"4.9e-324", b"0", "0"),
        (b"123456789012345678901234567890", b"0", "123456789012345678899921813504"),
        (b"0.1", b"0", "0.1"),
        (b"0.7", b"0", "0.7"),
        (b"1.15", b"0", "1.15"),
        (b"2.675", b"0", "2.675"),
        (b"9.999999999999999999", b"0", "10"),
        (b"0.99999999999999999999", b"0", "1"),
        (b"3.14159265358979323846264338327950288", b"0", "3.14159265358979324"),
        (b"1e-4940", b"0", "0"),
        (b"-1e-4940", b"0", "0"),
        (b"1e-5000", b"0", "ERR value is not a valid float"),
        (b"1e4933", b"0", "ERR value is not a valid float"),
        (b"1e400", b"1", "10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880"),
        (b"inf", b"1", "ERR increment would produce NaN or Infinity"),
        (b"1", b"inf", "ERR increment would produce NaN or Infinity"),
        (b"-inf", b"0", "ERR increment would produce NaN or Infinity"),
        (b"inf", b"-inf", "ERR increment would produce NaN or Infinity"),
        (b"1", b"nan", "ERR value is not a valid float"),
        (b"nan", b"1", "ERR value is not a valid float"),
        (b"abc", b"1", "ERR value is not a valid float"),
        (b"1", b"abc", "ERR value is not a valid float"),
        (b" 1", b"1", "ERR value is not a valid float"),
        (b"1", b" 1", "ERR value is not a valid float"),
        (b"1 ", b"1", "ERR value is not a valid float"),
        (b"1", b"1 ", "ERR value is not a valid float"),
        (b"\t1", b"1", "ERR value is not a valid float"),
        (b"1", b"1\n", "ERR value is not a valid float"),
        (b"", b"1", "ERR value is not a valid float"),
        (b"1", b"", "ERR value is not a valid float"),
        (b"0x", b"0", "ERR value is not a valid float"),
        (b"0x1p", b"0", "ERR value is not a valid float"),
        (b"1e", b"0", "ERR value is not a valid float"),
        (b".", b"0", "ERR value is not a valid float"),
        (b"infin", b"0", "ERR value is not a valid float"),
        (b"nan(123)", b"0", "ERR value is not a valid float"),
        (b"+inf", b"0", "ERR increment would produce NaN or Infinity"),
        (b"INFINITY", b"0", "ERR increment would produce NaN or Infinity"),
        (b"-nan", b"0", "ERR value is not a valid float"),
        (b"0x1p-16445", b"0", "0"),
        (b"0x1p-16446", b"0", "ERR value is not a valid float"),
        (b"0x1.8p-16446", b"0", "0"),
        (b"0x1p16384", b"0", "ERR value is not a valid float"),
        (b"0x1.ffffffffffffffffp16383", b"0", "ERR value is not a valid float"),
        (b"9007199254740993", b"0", "9007199254740993"),
        (b"0.1", b"0.7", "0.8"),
        (b"1.5", b"-0.5", "1"),
        (b"1e-10", b"1", "1.0000000001"),
        (b"123.456", b"-0.456", "123"),
        (b"1e17", b"0.5", "100000000000000000.5"),
        (b"1e18", b"0.5", "1000000000000000000.5"),
        (b"1e19", b"0.5", "10000000000000000000"),
        (b"1e19", b"1.5", "10000000000000000002"),
        (b"0x1.fffffffffffffffep0", b"0", "2"),
        (b"0xA.8p0", b"0", "10.5"),
        (b"0x.1", b"0", "0.0625"),
        (b"0x1p-1", b"0.25", "0.75"),
        (b"1.00000000000000000000000000000000000000000000000000001", b"0", "1"),
        (b".5", b"0", "0.5"),
        (b"5.", b"0", "5"),
        (b"+.5", b"0", "0.5"),
        (b"-.5", b"0", "-0.5"),
        (b"1e+5", b"0", "100000"),
        (b"1E5", b"0", "100000"),
        (b"0X1P3", b"0", "8"),
        (b"0x1.", b"0", "1"),
        (b"00012", b"0", "12"),
        (b"1,5", b"0", "ERR value is not a valid float"),
        (b"1_0", b"0", "ERR value is not a valid float"),
        (b"0e99999999999999999999", b"1", "1"),
        (b"1e99999999999999999999", b"0", "ERR value is not a valid float"),
        (b"1e-99999999999999999999", b"0", "ERR value is not a valid float"),
        (b"-3.5", b"3.5", "0"),
        (b"-3.5", b"3.4", "-0.1"),
        (b"1", b"-1e-30", "1"),
        (b"0.1", b"-0.1", "0"),
        (b"99999999999999999.99", b"0", "99999999999999999.9921875"),
        (b"0.000000000000000015", b"0", "0.00000000000000002"),
        (b"0.000000000000000025", b"0", "0.00000000000000002"),
        (b"2.5e-17", b"0", "0.00000000000000002"),
        (b"1.5e-17", b"0", "0.00000000000000002"),
        (b"12345678901234567890.123456789", b"0", "12345678901234567890"),
        (b"-12345678901234567890.123456789", b"1", "-12345678901234567889"),
        (b"1e30", b"-1e30", "0"),
        (b"1e30", b"1", "1000000000000000000024696061952"),
        (b"1e-30", b"1e-30", "0"),
        (b"7.0", b"-0.3", "6.7"),
        (b"-0", b"0", "0"),
        (b"+0", b"-0", "0"),
    ];

    /// (stored field or `None`, increment, reply).
    type HincrCase = (Option<&'static [u8]>, &'static [u8], &'static str);

    /// `HSET h f <a>` (or no field `f` for `None`), `HINCRBYFLOAT h f <b>`.
    const HINCR_CASES: &[HincrCase] = &[
        (None, b"1.5", "1.5"),
        (Some(b"abc"), b"1", "ERR hash value is not a float"),
        (Some(b"abc"), b"abc", "ERR value is not a valid float"),
        (None, b"abc", "ERR value is not a valid float"),
        (None, b"inf", "ERR value is NaN or Infinity"),
        (None, b"-inf", "ERR value is NaN or Infinity"),
        (None, b"nan", "ERR value is not a valid float"),
        (
            Some(b"inf"),
            b"1",
            "ERR increment would produce NaN or Infinity",
        ),
        (Some(b"1e4933"), b"1", "ERR hash value is not a float"),
        (Some(b"1"), b"1e4933", "ERR value is not a valid float"),
        (Some(b"0.1"), b"0.2", "0.3"),
        (
            Some(b"1e4932"),
            b"1e4932",
            "ERR increment would produce NaN or Infinity",
        ),
        (Some(b"5"), b"-5", "0"),
        (Some(b"10.5"), b"0.1", "10.6"),
    ];

    fn reply(r: Result<Vec<u8>, IncrFloatError>, hash: bool) -> String {
        match r {
            Ok(v) => String::from_utf8(v).unwrap(),
            Err(e) if hash => e.hincrbyfloat_message().to_string(),
            Err(e) => e.incrbyfloat_message().to_string(),
        }
    }

    #[test]
    fn incrbyfloat_matches_redis() {
        assert!(INCR_CASES.len() >= 60);
        for &(a, b, want) in INCR_CASES {
            let got = reply(incr_by_float(a, b), false);
            assert_eq!(
                got,
                want,
                "{:?} + {:?}",
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b)
            );
        }
    }

    #[test]
    fn hincrbyfloat_matches_redis() {
        for &(a, b, want) in HINCR_CASES {
            assert_eq!(reply(hincr_by_float(a, b), true), want, "{a:?} + {b:?}");
        }
    }

    #[test]
    fn error_kinds() {
        use IncrFloatError::*;
        assert_eq!(incr_by_float(b"abc", b"abc"), Err(CurrentNotFloat));
        assert_eq!(incr_by_float(b"1", b"abc"), Err(IncrementNotFloat));
        assert_eq!(incr_by_float(b"inf", b"1"), Err(NanOrInfinity));
        assert_eq!(hincr_by_float(Some(b"abc"), b"abc"), Err(IncrementNotFloat));
        assert_eq!(hincr_by_float(Some(b"abc"), b"1"), Err(CurrentNotFloat));
        assert_eq!(hincr_by_float(None, b"-inf"), Err(IncrementNanOrInfinity));
    }

    /// Observed on the server: strings of 5120 bytes or more are refused
    /// whatever they hold; 5119 bytes are parsed.
    #[test]
    fn length_limit_and_long_inputs() {
        for (n, want) in [
            (5118, "2"),
            (5119, "2"),
            (5120, "ERR value is not a valid float"),
        ] {
            let mut s = vec![b'0'; n - 1];
            s.push(b'1');
            assert_eq!(reply(incr_by_float(b"1", &s), false), want, "len {n}");
            assert_eq!(reply(incr_by_float(&s, b"1"), false), want, "len {n}");
        }
        let mut s = b"1.".to_vec();
        s.extend(std::iter::repeat_n(b'0', 5000));
        s.push(b'1');
        assert_eq!(reply(incr_by_float(b"0", &s), false), "1");
        // Largest finite long double, in decimal and in hex (server output:
        // 4933 digits).
        for s in [
            &b"1.18973149535723176502e+4932"[..],
            &b"0x1.fffffffffffffffep16383"[..],
        ] {
            let got = reply(incr_by_float(s, b"0"), false);
            assert_eq!(got.len(), 4933);
            assert!(got.starts_with("11897314953572317650212638530309702051690633222946242004"));
            assert!(got.ends_with("8564145934262121086647588489260031762345960769508849149662444156604419552086811989770240"));
            assert_eq!(LongDouble::parse(s), Some(LongDouble::MAX));
        }
        let p = reply(incr_by_float(b"0x1p16383", b"0"), false);
        assert_eq!(p.len(), 4932);
        assert!(p.starts_with("5948657476786158825428796633140035653817223435482551187363374"));
        assert!(p.ends_with("23513645334982033408"));
    }

    fn ld(s: &str) -> LongDouble {
        LongDouble::parse(s.as_bytes()).unwrap_or_else(|| panic!("parse {s:?}"))
    }

    fn parts(x: LongDouble) -> (bool, u64, i32) {
        let (m, e) = x.mantissa_exponent().unwrap();
        (x.is_sign_negative(), m, e)
    }

    #[test]
    fn parse_basics() {
        assert_eq!(parts(ld("1")), (false, 1 << 63, -63));
        assert_eq!(parts(ld("-0x1.8p3")), (true, 3 << 62, -60));
        assert_eq!(parts(ld("0.1")), (false, 0xcccc_cccc_cccc_cccd, -67));
        assert_eq!(parts(ld("0x1p-16445")), (false, 1, -16445));
        assert_eq!(parts(ld("0x1p-16382")), (false, 1 << 63, -16445));
        assert!(ld("-0").is_zero() && ld("-0").is_sign_negative());
        assert!(ld("InFiNiTy").is_infinite() && ld("-inf").is_sign_negative());
        assert!(ld("nan").is_nan() && ld("NAN()").is_nan() && ld("nan(x_1)").is_nan());
        for bad in [
            "", "+", "-", ".", "e5", "1e", "1e+", "0x", "0x.", "0x1p", "0x1p+", "infin", "nan(",
            "nan(a", "1.2.3", " 1", "1 ", "0xg", "--1", "1e5.5", "0x1.8q", "inff",
        ] {
            assert_eq!(LongDouble::parse(bad.as_bytes()), None, "{bad:?}");
        }
        assert_eq!(
            LongDouble::parse_with_range_error(b"1e5000"),
            Some((LongDouble::INFINITY, true))
        );
        assert_eq!(
            LongDouble::parse_with_range_error(b"-1e-5000"),
            Some((-LongDouble::ZERO, true))
        );
        assert_eq!(
            LongDouble::parse_with_range_error(b"0x1p-16445"),
            Some((LongDouble::MIN_POSITIVE_SUBNORMAL, false))
        );
        assert!(LongDouble::parse_with_range_error(b"1e-4940").unwrap().1);
        assert_eq!(
            LongDouble::parse_redis(b"1e-4940").map(|x| x.is_zero()),
            Some(false)
        );
        assert_eq!(LongDouble::parse_redis(b"1e5000"), None);
        assert_eq!(LongDouble::parse_redis(b"inf"), Some(LongDouble::INFINITY));
        assert_eq!(LongDouble::parse_redis(b"nan"), None);
    }

    #[test]
    fn format_fixed17_examples() {
        let f = |s: &str| {
            let mut out = Vec::new();
            ld(s).format_fixed17(&mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(f("0"), "0.00000000000000000");
        assert_eq!(f("-0"), "-0.00000000000000000");
        assert_eq!(f("-1e-30"), "-0.00000000000000000");
        assert_eq!(f("0.1"), "0.10000000000000000");
        assert_eq!(f("2.5"), "2.50000000000000000");
        assert_eq!(f("0x1p64"), "18446744073709551616.00000000000000000");
        assert_eq!(f("0.999999999999999999"), "1.00000000000000000");
        assert_eq!(f("-inf"), "-inf");
        assert_eq!(LongDouble::NAN.to_human_string(), "nan");
        assert_eq!(ld("-0.5").to_string(), "-0.5");
    }

    // ---- deterministic randomized tests (splitmix64) ----

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        /// A finite long double, with exponents concentrated near 0 but
        /// sometimes anywhere in range (including subnormals).
        fn ld(&mut self) -> LongDouble {
            let neg = self.next() & 1 == 1;
            let mut mant = self.next();
            match self.below(4) {
                0 => mant &= !((1u64 << self.below(64)) - 1), // short mantissa
                1 => mant |= 1 << 63,
                _ => {}
            }
            let exp = match self.below(10) {
                0 => LD_MIN_LSB + self.below(200) as i64,
                1 => LD_MAX_LSB - self.below(200) as i64,
                2 => LD_MIN_LSB + self.below((LD_MAX_LSB - LD_MIN_LSB) as u64) as i64,
                _ => self.below(200) as i64 - 140,
            };
            if mant == 0 {
                mant = 1;
            }
            LongDouble::from_round(neg, &[mant], exp, false).0
        }
    }

    /// Exact decimal text of `m * 2^e`.
    fn exact_decimal(neg: bool, m: &[u64], e: i64) -> String {
        let mut s = String::from(if neg { "-" } else { "" });
        let mut digits = Vec::new();
        if e >= 0 {
            write_decimal(&shl_limbs(m, e as usize), &mut digits);
            s.push_str(std::str::from_utf8(&digits).unwrap());
            return s;
        }
        let k = e.unsigned_abs() as usize;
        let mut n = m.to_vec();
        mul_pow5(&mut n, k as u32);
        write_decimal(&n, &mut digits);
        if digits.len() <= k {
            let mut padded = vec![b'0'; k + 1 - digits.len()];
            padded.extend_from_slice(&digits);
            digits = padded;
        }
        let point = digits.len() - k;
        s.push_str(std::str::from_utf8(&digits[..point]).unwrap());
        s.push('.');
        s.push_str(std::str::from_utf8(&digits[point..]).unwrap());
        s
    }

    /// The next long double away from zero (finite, nonzero input).
    fn next_up(x: LongDouble) -> LongDouble {
        let (m, e) = x.mantissa_exponent().unwrap();
        LongDouble::from_round(x.is_sign_negative(), &[m + 1], i64::from(e), false).0
    }

    #[test]
    fn exact_decimals_and_midpoints_parse_correctly() {
        let mut rng = Rng(1);
        for i in 0..200 {
            let x = rng.ld();
            let (neg, m, e) = parts(x);
            let e = i64::from(e);
            // The value itself, in decimal and hex.
            assert_eq!(ld(&exact_decimal(neg, &[m], e)), x);
            let sign = if neg { "-" } else { "" };
            assert_eq!(ld(&format!("{sign}0x{m:x}p{e}")), x);
            // The midpoint to the next value up, and a hair either side.
            let up = next_up(x);
            let mid = (u128::from(m) << 1) + 1;
            let mid_s = exact_decimal(neg, &[mid as u64, (mid >> 64) as u64], e - 1);
            let even = if m & 1 == 0 { x } else { up };
            let want_up = if up.is_infinite() {
                // Rounding up past MAX overflows.
                LongDouble::signed(neg, Class::Infinite)
            } else {
                up
            };
            let even = if even.is_infinite() { want_up } else { even };
            assert_eq!(ld(&mid_s), even, "midpoint {i} {mid_s:.60}");
            let above = if mid_s.contains('.') {
                format!("{mid_s}000001")
            } else {
                format!("{mid_s}.000001")
            };
            assert_eq!(ld(&above), want_up, "above midpoint {i}");
            // Just below the midpoint: subtract one in the last place of
            // the exact digits and append nines.
            if mid_s.contains('.') {
                let mut b = mid_s.clone().into_bytes();
                let last = b.len() - 1;
                assert_eq!(b[last], b'5');
                b[last] = b'4';
                b.extend_from_slice(b"999999");
                assert_eq!(
                    ld(std::str::from_utf8(&b).unwrap()),
                    x,
                    "below midpoint {i}"
                );
            }
        }
    }

    /// Inputs longer than the kept significant digits: the dropped tail
    /// still decides a tie.
    #[test]
    fn very_long_decimal_tails() {
        // Midpoint between 2^-16445 and 2 * 2^-16445 (about 11 500
        // significant digits) then a long run of zeros.
        let mid = exact_decimal(false, &[3], LD_MIN_LSB - 1);
        let two = LongDouble::from_round(false, &[2], LD_MIN_LSB, false).0;
        let zeros = "0".repeat(3000);
        assert_eq!(ld(&format!("{mid}{zeros}")), two);
        assert_eq!(ld(&format!("{mid}{zeros}1")), two);
        let below = format!("{}4{}9", &mid[..mid.len() - 1], "9".repeat(3000));
        assert_eq!(ld(&below), LongDouble::MIN_POSITIVE_SUBNORMAL);
        // 2^64 + 1 is a tie (to 2^64); any nonzero digit far out breaks it.
        let t = format!("18446744073709551617.{}1", "0".repeat(20000));
        assert_eq!(ld(&t), ld("18446744073709551618"));
        let t = format!("18446744073709551617.{}", "0".repeat(20000));
        assert_eq!(ld(&t), ld("18446744073709551616"));
        let t = format!("{}18446744073709551617e-20000", "0".repeat(30000));
        assert_eq!(ld(&t), ld("1.8446744073709551617e-19981"));
    }

    #[test]
    fn f64_round_trip_and_exact_f64_decimals() {
        let mut rng = Rng(2);
        let specials = [
            0.0,
            -0.0,
            1.0,
            0.1,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
        ];
        for i in 0..3000 {
            let x = if i < specials.len() {
                specials[i]
            } else {
                f64::from_bits(rng.next())
            };
            if x.is_nan() {
                assert!(LongDouble::from_f64(x).is_nan());
                continue;
            }
            let l = LongDouble::from_f64(x);
            assert_eq!(l.to_f64().to_bits(), x.to_bits());
            if x.is_finite() && i % 10 == 0 {
                // Rust's exact expansion (enough digits for any f64).
                let s = format!("{x:.1100}");
                assert_eq!(ld(&s), l, "{x:e}");
                let e = format!("{x:e}");
                let shortest = ld(&e).to_f64();
                assert_eq!(shortest.to_bits(), x.to_bits(), "{e}");
            }
        }
        // Rounding to f64: half-even, subnormals, overflow.
        assert_eq!(ld("0x1.00000000000008p0").to_f64(), 1.0);
        assert_eq!(
            ld("0x1.00000000000018p0").to_f64(),
            1.0 + 2.0 * f64::EPSILON
        );
        assert_eq!(ld("0x1.0000000000000808p0").to_f64(), 1.0 + f64::EPSILON);
        assert_eq!(ld("0x1p-1075").to_f64(), 0.0);
        assert_eq!(ld("0x1.8p-1075").to_f64(), 5e-324);
        assert_eq!(ld("1e400").to_f64(), f64::INFINITY);
        assert_eq!(ld("-1e-400").to_f64().to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn format_fixed17_matches_rust_for_f64() {
        let mut rng = Rng(3);
        for _ in 0..3000 {
            let bits = rng.next();
            // Exponents around 2^-70..2^80 so the fraction digits matter.
            let x = f64::from_bits((bits & 0x800f_ffff_ffff_ffff) | ((950 + bits % 150) << 52));
            let mut out = Vec::new();
            LongDouble::from_f64(x).format_fixed17(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{x:.17}"));
        }
    }

    /// Exact sum by big-integer arithmetic, then the shared rounding.
    fn reference_add(a: LongDouble, b: LongDouble) -> LongDouble {
        let (an, am, ae) = parts(a);
        let (bn, bm, be) = parts(b);
        let e = i64::from(ae.min(be));
        let x = shl_limbs(&[am], (i64::from(ae) - e) as usize);
        let y = shl_limbs(&[bm], (i64::from(be) - e) as usize);
        if an == bn {
            let mut s = x.clone();
            s.resize(x.len().max(y.len()) + 1, 0);
            let mut carry = 0u128;
            for (i, l) in s.iter_mut().enumerate() {
                let v = u128::from(*l) + u128::from(y.get(i).copied().unwrap_or(0)) + carry;
                *l = v as u64;
                carry = v >> 64;
            }
            trim(&mut s);
            return LongDouble::from_round(an, &s, e, false).0;
        }
        match cmp(&x, &y) {
            Ordering::Equal => LongDouble::ZERO,
            Ordering::Greater => {
                let mut d = x;
                sub_assign(&mut d, &y);
                LongDouble::from_round(an, &d, e, false).0
            }
            Ordering::Less => {
                let mut d = y;
                sub_assign(&mut d, &x);
                LongDouble::from_round(bn, &d, e, false).0
            }
        }
    }

    #[test]
    fn add_is_correctly_rounded_and_commutative() {
        let mut rng = Rng(4);
        for i in 0..20000 {
            let a = rng.ld();
            let mut b = rng.ld();
            if i % 3 == 0 {
                // Close exponents: cancellation and carries.
                let (_, m, e) = parts(a);
                let shift = rng.below(70) as i64 - 3;
                b = LongDouble::from_round(
                    rng.next() & 1 == 1,
                    &[m ^ (rng.next() >> rng.below(64))],
                    i64::from(e) - shift,
                    false,
                )
                .0;
                if b.is_zero() || b.is_infinite() {
                    continue;
                }
            }
            let s = a.add(b);
            assert_eq!(s, b.add(a));
            assert_eq!(s, reference_add(a, b), "{a:?} + {b:?}");
            assert_eq!(a + (-a), LongDouble::ZERO);
            assert_eq!(a.add(LongDouble::ZERO), a);
        }
        assert!((LongDouble::INFINITY + LongDouble::NEG_INFINITY).is_nan());
        assert_eq!(LongDouble::MAX + LongDouble::MAX, LongDouble::INFINITY);
        assert_eq!((-LongDouble::ZERO) + (-LongDouble::ZERO), -LongDouble::ZERO);
        assert_eq!((-LongDouble::ZERO) + LongDouble::ZERO, LongDouble::ZERO);
    }

    #[test]
    fn human_format_round_trips() {
        let mut rng = Rng(5);
        for i in 0..3000 {
            let x = rng.ld();
            let (neg, m, e) = parts(x);
            // Keep the decimal text short enough for Redis to accept it.
            let x = if e > 16000 {
                LongDouble::from_round(neg, &[m], i64::from(e % 1000), false).0
            } else {
                x
            };
            let s = x.to_human_string();
            let y = ld(&s);
            // Within half a unit of the 17th decimal plus the parse
            // rounding; exact once there are 21 or more significant digits.
            let diff = (y + (-x)).to_f64().abs();
            let tol = 5.000_001e-18 + x.to_f64().abs() * 2f64.powi(-63);
            assert!(diff <= tol, "{i}: {s} {diff:e}");
            let big = x.to_f64().abs() >= 1e4;
            if big {
                assert_eq!(y, x, "{s}");
            }
            // The text is also what INCRBYFLOAT stores and parses again.
            assert_eq!(incr_by_float(s.as_bytes(), b"0").unwrap(), s.as_bytes());
        }
    }
}
