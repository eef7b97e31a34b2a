//! Bitmaps and bit fields over byte strings, in Redis's bit order.
//!
//! Bit `n` of a string is bit `7 - n % 8` of byte `n / 8`: bit 0 is the
//! most significant bit of the first byte. Bits past the end of a string
//! read as zero. Everything here is pure: the keyspace engine decides how
//! long a string must be before a write, and these functions never grow a
//! buffer (a write past the end of the slice is dropped, never a panic).
//!
//! - [`popcount`], [`bitcount`]: set bits over a whole string or over a
//!   `BITCOUNT` range (byte or bit units, negative indexes from the end).
//! - [`bitpos`]: the first set or clear bit of a `BITPOS` range.
//! - [`bitop`]: `BITOP AND | OR | XOR | NOT` over strings of any lengths.
//! - [`FieldType`], [`BitfieldOp`]: `BITFIELD` reads and writes of
//!   `i1..i64` / `u1..u63` integers at any bit offset, with the `WRAP`,
//!   `SAT` and `FAIL` overflow policies, including Redis's two's-complement
//!   quirks when a `SET` value is far outside the field's range.

/// Units of a `BITCOUNT`/`BITPOS` range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// Indexes count bytes (the default).
    #[default]
    Byte,
    /// Indexes count bits.
    Bit,
}

/// The bit at `offset`; zero past the end.
pub fn get_bit(data: &[u8], offset: u64) -> bool {
    usize::try_from(offset / 8)
        .ok()
        .and_then(|i| data.get(i))
        .is_some_and(|b| b & (0x80 >> (offset % 8)) != 0)
}

/// Sets the bit at `offset` and returns its previous value. An offset past
/// the end of `data` changes nothing and reads as zero.
pub fn set_bit(data: &mut [u8], offset: u64, on: bool) -> bool {
    let Some(b) = usize::try_from(offset / 8)
        .ok()
        .and_then(|i| data.get_mut(i))
    else {
        return false;
    };
    let mask = 0x80u8 >> (offset % 8);
    let old = *b & mask != 0;
    if on {
        *b |= mask;
    } else {
        *b &= !mask;
    }
    old
}

/// Number of set bits in `data`.
pub fn popcount(data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    let mut n: u64 = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        n += u64::from(u64::from_ne_bytes(w).count_ones());
    }
    n + chunks
        .remainder()
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum::<u64>()
}

/// Resolves a `start`/`end` pair with Redis's index rules (negative from
/// the end, clamped to the string) into an inclusive range of bits, or
/// `None` when the range is empty.
pub fn bit_range(len: usize, start: i64, end: i64, unit: Unit) -> Option<(u64, u64)> {
    let mut total = len as i128;
    if unit == Unit::Bit {
        total *= 8;
    }
    let (mut start, mut end) = (i128::from(start), i128::from(end));
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end {
        return None;
    }
    // 0 <= start <= end < total <= 8 * usize::MAX: both fit in u64.
    let (start, end) = (start as u64, end as u64);
    Some(match unit {
        Unit::Byte => (start * 8, end * 8 + 7),
        Unit::Bit => (start, end),
    })
}

/// Bits of `data[byte]` before bit `first` (the high bits).
fn mask_before(first: u64) -> u8 {
    (0xFF00u16 >> (first % 8)) as u8
}

/// Bits of `data[byte]` after bit `last` (the low bits).
fn mask_after(last: u64) -> u8 {
    (0xFFu16 >> (last % 8 + 1)) as u8
}

/// Clamps an inclusive bit range to `data`; `None` if nothing is left.
fn clamp(data: &[u8], first: u64, last: u64) -> Option<(usize, usize, u64, u64)> {
    let bits = (data.len() as u64).checked_mul(8)?;
    if bits == 0 || first > last || first >= bits {
        return None;
    }
    let last = last.min(bits - 1);
    Some(((first / 8) as usize, (last / 8) as usize, first, last))
}

/// Set bits in the inclusive bit range `first..=last` of `data`.
pub fn count_range(data: &[u8], first: u64, last: u64) -> u64 {
    let Some((sb, eb, first, last)) = clamp(data, first, last) else {
        return 0;
    };
    popcount(&data[sb..=eb])
        - u64::from((data[sb] & mask_before(first)).count_ones())
        - u64::from((data[eb] & mask_after(last)).count_ones())
}

/// The first bit equal to `bit` in the inclusive range `first..=last`.
pub fn find_bit(data: &[u8], bit: bool, first: u64, last: u64) -> Option<u64> {
    let (sb, eb, first, last) = clamp(data, first, last)?;
    // Search for a set bit in the (possibly inverted) bytes.
    let load = |i: usize| if bit { data[i] } else { !data[i] };
    let edge = |i: usize| {
        let mut b = load(i);
        if i == sb {
            b &= !mask_before(first);
        }
        if i == eb {
            b &= !mask_after(last);
        }
        b
    };
    let hit = |i: usize, b: u8| Some(i as u64 * 8 + u64::from(b.leading_zeros()));
    let b = edge(sb);
    if b != 0 {
        return hit(sb, b);
    }
    if eb == sb {
        return None;
    }
    // Whole bytes strictly between the edges, a word at a time.
    let skip: u8 = if bit { 0 } else { 0xFF };
    let middle = &data[sb + 1..eb];
    let mut i = 0;
    while i + 8 <= middle.len() {
        if middle[i..i + 8].iter().any(|&b| b != skip) {
            break;
        }
        i += 8;
    }
    if let Some(j) = middle[i..].iter().position(|&b| b != skip) {
        let at = sb + 1 + i + j;
        return hit(at, load(at));
    }
    let b = edge(eb);
    if b != 0 {
        return hit(eb, b);
    }
    None
}

/// `BITCOUNT`: set bits of `data`, over the whole string or a range.
/// Like Redis, two negative indexes with `start > end` count nothing even
/// where clamping would leave a non-empty range.
pub fn bitcount(data: &[u8], range: Option<(i64, i64, Unit)>) -> u64 {
    match range {
        None => popcount(data),
        Some((start, end, _)) if start < 0 && end < 0 && start > end => 0,
        Some((start, end, unit)) => match bit_range(data.len(), start, end, unit) {
            Some((first, last)) => count_range(data, first, last),
            None => 0,
        },
    }
}

/// `BITPOS`: the position of the first bit equal to `bit` from `start`
/// (0 if absent) up to `end` (the end of the string if absent), or -1.
///
/// Redis's rule for clear bits: without an explicit `end`, a string of all
/// ones answers the first bit past its end (the string is conceptually
/// padded with zeros); with an explicit `end` it answers -1.
pub fn bitpos(data: &[u8], bit: bool, start: Option<i64>, end: Option<i64>, unit: Unit) -> i64 {
    let Some((first, last)) = bit_range(data.len(), start.unwrap_or(0), end.unwrap_or(-1), unit)
    else {
        return -1;
    };
    match find_bit(data, bit, first, last) {
        Some(pos) => pos as i64,
        None if !bit && end.is_none() => (last / 8 + 1) as i64 * 8,
        None => -1,
    }
}

/// A `BITOP` operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    /// Bitwise AND.
    And,
    /// Bitwise OR.
    Or,
    /// Bitwise XOR.
    Xor,
    /// Bitwise NOT of the first source (the others are ignored).
    Not,
}

/// `BITOP`: combines the sources byte by byte, shorter ones padded with
/// zero bytes; the result is as long as the longest source.
pub fn bitop(op: BitOp, srcs: &[&[u8]]) -> Vec<u8> {
    let Some((first, rest)) = srcs.split_first() else {
        return Vec::new();
    };
    if op == BitOp::Not {
        return first.iter().map(|b| !b).collect();
    }
    let maxlen = srcs.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![0u8; maxlen];
    out[..first.len()].copy_from_slice(first);
    for src in rest {
        let head = &mut out[..src.len()];
        match op {
            BitOp::And => {
                head.iter_mut().zip(src.iter()).for_each(|(o, s)| *o &= s);
                out[src.len()..].fill(0);
            }
            BitOp::Or => head.iter_mut().zip(src.iter()).for_each(|(o, s)| *o |= s),
            BitOp::Xor => head.iter_mut().zip(src.iter()).for_each(|(o, s)| *o ^= s),
            BitOp::Not => unreachable!("handled above"),
        }
    }
    out
}

/// A `BITFIELD` integer type: `i1..=i64` or `u1..=u63`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldType {
    /// Two's complement (`i`) or unsigned (`u`).
    pub signed: bool,
    /// Width in bits.
    pub bits: u32,
}

impl FieldType {
    /// Parses `i16`, `u8`, … exactly as Redis does: lower-case prefix, a
    /// canonical decimal width, the argument read up to its first NUL byte.
    pub fn parse(arg: &[u8]) -> Option<FieldType> {
        let arg = arg.split(|&b| b == 0).next().unwrap_or_default();
        let (&kind, digits) = arg.split_first()?;
        let signed = match kind {
            b'i' => true,
            b'u' => false,
            _ => return None,
        };
        let bits = match digits {
            [d @ b'1'..=b'9'] => u32::from(d - b'0'),
            [d @ b'1'..=b'9', e @ b'0'..=b'9'] => u32::from(d - b'0') * 10 + u32::from(e - b'0'),
            _ => return None,
        };
        let max = if signed { 64 } else { 63 };
        (bits <= max).then_some(FieldType { signed, bits })
    }

    fn max_unsigned(self) -> u64 {
        if self.bits == 64 {
            u64::MAX
        } else {
            (1u64 << self.bits) - 1
        }
    }

    fn max_signed(self) -> i64 {
        if self.bits == 64 {
            i64::MAX
        } else {
            (1i64 << (self.bits - 1)) - 1
        }
    }
}

/// What `BITFIELD` does when a write does not fit the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Keep the low bits (two's complement wrap-around; the default).
    #[default]
    Wrap,
    /// Clamp to the type's minimum or maximum.
    Sat,
    /// Write nothing and answer nil.
    Fail,
}

/// Reads up to 9 bytes from `byte` on, zero-padded, as the top 72 bits of
/// a `u128`: every field of at most 64 bits fits in that window.
fn window(data: &[u8], byte: u64) -> u128 {
    let mut w = 0u128;
    for i in 0..9u64 {
        let b = usize::try_from(byte + i)
            .ok()
            .and_then(|j| data.get(j))
            .copied()
            .unwrap_or(0);
        w |= u128::from(b) << (8 * (15 - i));
    }
    w
}

/// The unsigned integer of `bits` (1..=64) bits at bit `offset`.
pub fn get_unsigned(data: &[u8], offset: u64, bits: u32) -> u64 {
    let bits = bits.clamp(1, 64);
    let w = window(data, offset / 8) << (offset % 8);
    (w >> (128 - bits)) as u64
}

/// The two's-complement integer of `bits` (1..=64) bits at bit `offset`.
pub fn get_signed(data: &[u8], offset: u64, bits: u32) -> i64 {
    let bits = bits.clamp(1, 64);
    let v = get_unsigned(data, offset, bits);
    // Sign-extend from the field's top bit.
    ((v << (64 - bits)) as i64) >> (64 - bits)
}

/// Writes the low `bits` (1..=64) bits of `value` at bit `offset`; bytes
/// past the end of `data` are not written.
pub fn set_field(data: &mut [u8], offset: u64, bits: u32, value: u64) {
    let bits = bits.clamp(1, 64);
    let byte = offset / 8;
    let shift = 128 - bits - (offset % 8) as u32;
    let low = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let mask = u128::from(low) << shift;
    let w = (window(data, byte) & !mask) | (u128::from(value & low) << shift);
    let bytes = w.to_be_bytes();
    for (i, &b) in bytes.iter().take(9).enumerate() {
        if let Some(slot) = usize::try_from(byte + i as u64)
            .ok()
            .and_then(|j| data.get_mut(j))
        {
            *slot = b;
        }
    }
}

/// Redis's unsigned overflow test of `value + incr`: `None` if it fits,
/// else the value to store under `ow` (meaningless for `Fail`).
fn unsigned_overflow(value: u64, incr: i64, ty: FieldType, ow: Overflow) -> Option<u64> {
    let max = ty.max_unsigned();
    let wrap = || {
        let sum = value.wrapping_add(incr as u64);
        if ty.bits >= 64 {
            sum
        } else {
            sum & !(u64::MAX << ty.bits)
        }
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = (value as i64).wrapping_neg();
    if value > max || (incr > 0 && incr > max_incr) {
        Some(if ow == Overflow::Sat { max } else { wrap() })
    } else if incr < 0 && incr < min_incr {
        Some(if ow == Overflow::Sat { 0 } else { wrap() })
    } else {
        None
    }
}

/// Redis's signed overflow test of `value + incr`, with its wrapping
/// arithmetic on the limits (so a `SET` of a value near `i64::MIN` into a
/// narrow field saturates to the maximum, as Redis does).
fn signed_overflow(value: i64, incr: i64, ty: FieldType, ow: Overflow) -> Option<i64> {
    let max = ty.max_signed();
    let min = -max - 1;
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if ty.bits < 64 {
            let msb = 1u64 << (ty.bits - 1);
            let mask = u64::MAX << ty.bits;
            if c & msb != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    let max_incr = max.wrapping_sub(value);
    let min_incr = min.wrapping_sub(value);
    let narrow = ty.bits != 64;
    if value > max || (narrow && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr) {
        Some(if ow == Overflow::Sat { max } else { wrap() })
    } else if value < min
        || (narrow && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        Some(if ow == Overflow::Sat { min } else { wrap() })
    } else {
        None
    }
}

/// One `BITFIELD` operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldOp {
    /// `GET type offset`.
    Get,
    /// `SET type offset value`: answers the old value.
    Set(i64),
    /// `INCRBY type offset increment`: answers the new value.
    IncrBy(i64),
}

/// A parsed `BITFIELD` operation with its type, bit offset and the
/// overflow policy in force when it was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitfieldOp {
    /// What to do.
    pub op: FieldOp,
    /// The integer type.
    pub ty: FieldType,
    /// Bit offset of the field's most significant bit.
    pub offset: u64,
    /// Overflow policy (writes only).
    pub overflow: Overflow,
}

impl BitfieldOp {
    /// Whether the operation writes (SET, INCRBY).
    pub fn is_write(&self) -> bool {
        !matches!(self.op, FieldOp::Get)
    }

    /// The field's last bit: a write needs the string to reach it.
    pub fn last_bit(&self) -> u64 {
        self.offset + u64::from(self.ty.bits) - 1
    }

    /// Reads the field (zero bits past the end of `data`).
    pub fn get(&self, data: &[u8]) -> i64 {
        if self.ty.signed {
            get_signed(data, self.offset, self.ty.bits)
        } else {
            // u1..u63 always fits in an i64.
            get_unsigned(data, self.offset, self.ty.bits) as i64
        }
    }

    /// Runs the operation: GET's value, SET's old value, INCRBY's new
    /// value, or `None` when an overflow under `FAIL` wrote nothing.
    pub fn apply(&self, data: &mut [u8]) -> Option<i64> {
        let (value, incr, answer_new) = match self.op {
            FieldOp::Get => return Some(self.get(data)),
            FieldOp::Set(v) => (v, 0, false),
            FieldOp::IncrBy(i) => (self.get(data), i, true),
        };
        let old = self.get(data);
        let (new, overflowed) = if self.ty.signed {
            match signed_overflow(value, incr, self.ty, self.overflow) {
                Some(limit) => (limit as u64, true),
                None => (value.wrapping_add(incr) as u64, false),
            }
        } else {
            match unsigned_overflow(value as u64, incr, self.ty, self.overflow) {
                Some(limit) => (limit, true),
                None => ((value as u64).wrapping_add(incr as u64), false),
            }
        };
        if overflowed && self.overflow == Overflow::Fail {
            return None;
        }
        set_field(data, self.offset, self.ty.bits, new);
        Some(if answer_new { self.get(data) } else { old })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bits_of(data: &[u8]) -> Vec<bool> {
        (0..data.len() as u64 * 8)
            .map(|i| get_bit(data, i))
            .collect()
    }

    /// BITCOUNT/BITPOS index rules, bit by bit.
    fn naive_range(len: usize, start: i64, end: i64, unit: Unit) -> Vec<u64> {
        let scale = if unit == Unit::Bit { 1 } else { 8 };
        let total = len as i128 * if unit == Unit::Bit { 8 } else { 1 };
        let fix = |i: i64| {
            let i = i128::from(i);
            (if i < 0 { i + total } else { i }).max(0)
        };
        let (s, e) = (fix(start), fix(end).min(total - 1));
        if s > e {
            return Vec::new();
        }
        (s as u64 * scale..(e as u64 + 1) * scale).collect()
    }

    fn naive_field(data: &[u8], offset: u64, bits: u32) -> u64 {
        (0..u64::from(bits)).fold(0, |v, i| (v << 1) | u64::from(get_bit(data, offset + i)))
    }

    #[test]
    fn bit_order_is_msb_first() {
        let mut d = vec![0u8; 2];
        assert!(!set_bit(&mut d, 0, true));
        assert!(!set_bit(&mut d, 15, true));
        assert_eq!(d, [0x80, 0x01]);
        assert!(set_bit(&mut d, 15, false));
        assert!(!set_bit(&mut d, 100, true));
        assert!(get_bit(&d, 0) && !get_bit(&d, 1) && !get_bit(&d, 1 << 40));
    }

    #[test]
    fn redis_examples() {
        let s = b"foobar";
        assert_eq!(bitcount(s, None), 26);
        assert_eq!(bitcount(s, Some((1, 1, Unit::Byte))), 6);
        assert_eq!(bitcount(s, Some((5, 30, Unit::Bit))), 17);
        assert_eq!(bitcount(s, Some((-5, -100, Unit::Byte))), 0);
        assert_eq!(bitcount(s, Some((-100, -5, Unit::Byte))), 10);
        let s = b"\xff\xf0\x00";
        assert_eq!(bitpos(s, false, None, None, Unit::Byte), 12);
        assert_eq!(bitpos(b"\x00\xff\xf0", true, Some(0), None, Unit::Byte), 8);
        assert_eq!(
            bitpos(b"\x00\xff\xf0", true, Some(2), Some(-1), Unit::Byte),
            16
        );
        assert_eq!(
            bitpos(b"\x00\xff\xf0", true, Some(7), Some(15), Unit::Bit),
            8
        );
        assert_eq!(bitpos(b"\xff\xff\xff", false, None, None, Unit::Byte), 24);
        assert_eq!(
            bitpos(b"\xff\xff\xff", false, Some(0), Some(-1), Unit::Byte),
            -1
        );
        assert_eq!(
            bitpos(b"\xff\xff\xff", false, Some(3), Some(20), Unit::Bit),
            -1
        );
        assert_eq!(bitpos(b"", false, None, None, Unit::Byte), -1);
        // BITPOS has no early exit for two negative indexes.
        assert_eq!(
            bitpos(b"foobar", true, Some(-10), Some(-100), Unit::Byte),
            1
        );
    }

    #[test]
    fn bitop_pads_and_not() {
        assert_eq!(bitop(BitOp::And, &[b"foobar", b""]), vec![0; 6]);
        assert_eq!(bitop(BitOp::Or, &[b"", b"ab"]), b"ab");
        assert_eq!(bitop(BitOp::Xor, &[b"a", b"a", b"ab"]), b"ab");
        assert_eq!(bitop(BitOp::Not, &[b"\x0f"]), b"\xf0");
        assert!(bitop(BitOp::Or, &[]).is_empty());
    }

    #[test]
    fn field_types() {
        let t = |s: &[u8]| FieldType::parse(s).map(|t| (t.signed, t.bits));
        assert_eq!(t(b"i64"), Some((true, 64)));
        assert_eq!(t(b"u63"), Some((false, 63)));
        assert_eq!(t(b"u1"), Some((false, 1)));
        assert_eq!(t(b"i8\0junk"), Some((true, 8)));
        for bad in [
            &b"u64"[..],
            b"i65",
            b"i0",
            b"U8",
            b"u08",
            b"u+8",
            b"",
            b"u",
            b"i-1",
            b"u100",
        ] {
            assert_eq!(FieldType::parse(bad), None, "{bad:?}");
        }
    }

    fn op(op: FieldOp, ty: &[u8], offset: u64, overflow: Overflow) -> BitfieldOp {
        BitfieldOp {
            op,
            ty: FieldType::parse(ty).unwrap(),
            offset,
            overflow,
        }
    }

    #[test]
    fn bitfield_examples_from_redis() {
        use FieldOp::*;
        use Overflow::*;
        let mut d = vec![0u8; 8];
        assert_eq!(op(Set(-1), b"u8", 0, Wrap).apply(&mut d), Some(0));
        assert_eq!(op(Set(-1), b"u8", 0, Sat).apply(&mut d), Some(255));
        assert_eq!(op(Get, b"u8", 0, Wrap).apply(&mut d), Some(255));
        assert_eq!(op(Set(-1000), b"i8", 0, Sat).apply(&mut d), Some(-1));
        assert_eq!(op(Set(1000), b"i8", 0, Sat).apply(&mut d), Some(-128));
        assert_eq!(op(Set(1000), b"i8", 0, Wrap).apply(&mut d), Some(127));
        assert_eq!(op(Set(1000), b"i8", 0, Fail).apply(&mut d), None);
        assert_eq!(op(IncrBy(-1000), b"u8", 0, Sat).apply(&mut d), Some(0));
        assert_eq!(op(IncrBy(-1000), b"u8", 0, Wrap).apply(&mut d), Some(24));
        // Redis's wrapping limit arithmetic: i64::MIN into an i8 saturates high.
        assert_eq!(op(Set(i64::MIN), b"i8", 0, Sat).apply(&mut d), Some(24));
        assert_eq!(op(Get, b"i8", 0, Sat).apply(&mut d), Some(127));
        assert_eq!(op(Set(-5), b"u8", 0, Sat).apply(&mut d), Some(127));
        assert_eq!(op(Get, b"u8", 0, Sat).apply(&mut d), Some(255));
        let mut h = vec![0u8; 4];
        assert_eq!(op(Set(-7), b"i5", 3, Wrap).apply(&mut h), Some(0));
        assert_eq!(op(Get, b"u5", 3, Wrap).apply(&mut h), Some(25));
        assert_eq!(op(Get, b"u13", 1, Wrap).apply(&mut h), Some(1600));
        assert_eq!(op(IncrBy(20), b"i5", 3, Wrap).apply(&mut h), Some(13));
        assert_eq!(op(IncrBy(20), b"i5", 3, Sat).apply(&mut h), Some(15));
        assert_eq!(op(IncrBy(-100), b"i5", 0, Sat).apply(&mut h), Some(-16));
        assert_eq!(h[0], 0x87);
    }

    #[test]
    fn reads_past_the_end_are_zero_and_writes_are_dropped() {
        let mut d = vec![0xFFu8; 2];
        assert_eq!(get_unsigned(&d, 12, 8), 0xF0);
        assert_eq!(get_unsigned(&d, u64::MAX - 70, 64), 0);
        set_field(&mut d, 12, 8, 0);
        assert_eq!(d, [0xFF, 0xF0]);
    }

    proptest! {
        #[test]
        fn count_and_find_match_the_model(
            data in proptest::collection::vec(any::<u8>(), 0..40),
            start in -400i64..400,
            end in -400i64..400,
            bit_unit in any::<bool>(),
            bit in any::<bool>(),
            end_given in any::<bool>(),
        ) {
            let unit = if bit_unit { Unit::Bit } else { Unit::Byte };
            let bits = bits_of(&data);
            let idx = naive_range(data.len(), start, end, unit);
            let want: u64 = idx.iter().filter(|&&i| bits[i as usize]).count() as u64;
            let got = bitcount(&data, Some((start, end, unit)));
            if start < 0 && end < 0 && start > end {
                prop_assert_eq!(got, 0);
            } else {
                prop_assert_eq!(got, want);
            }
            let e = if end_given { end } else { -1 };
            let idx = naive_range(data.len(), start, e, unit);
            let want = match idx.iter().find(|&&i| bits[i as usize] == bit) {
                Some(&i) => i as i64,
                None if idx.is_empty() || bit || end_given => -1,
                None => data.len() as i64 * 8,
            };
            let end_arg = end_given.then_some(end);
            prop_assert_eq!(bitpos(&data, bit, Some(start), end_arg, unit), want);
        }

        #[test]
        fn bitop_matches_the_model(
            srcs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 1..5),
            which in 0u8..4,
        ) {
            let op = [BitOp::And, BitOp::Or, BitOp::Xor, BitOp::Not][which as usize];
            let refs: Vec<&[u8]> = srcs.iter().map(Vec::as_slice).collect();
            let got = bitop(op, &refs);
            let maxlen = if op == BitOp::Not { srcs[0].len() } else { srcs.iter().map(Vec::len).max().unwrap() };
            prop_assert_eq!(got.len(), maxlen);
            for i in 0..maxlen as u64 * 8 {
                let b = |s: &[u8]| get_bit(s, i);
                let want = match op {
                    BitOp::And => srcs.iter().all(|s| b(s)),
                    BitOp::Or => srcs.iter().any(|s| b(s)),
                    BitOp::Xor => srcs.iter().filter(|s| b(s)).count() % 2 == 1,
                    BitOp::Not => !b(&srcs[0]),
                };
                prop_assert_eq!(get_bit(&got, i), want);
            }
        }

        #[test]
        fn fields_match_bit_by_bit(
            data in proptest::collection::vec(any::<u8>(), 0..16),
            offset in 0u64..140,
            bits in 1u32..=64,
            value in any::<u64>(),
        ) {
            prop_assert_eq!(get_unsigned(&data, offset, bits), naive_field(&data, offset, bits));
            let mut d = data.clone();
            set_field(&mut d, offset, bits, value);
            for i in 0..data.len() as u64 * 8 {
                let want = if i >= offset && i < offset + u64::from(bits) {
                    value >> (u64::from(bits) - 1 - (i - offset)) & 1 == 1
                } else {
                    get_bit(&data, i)
                };
                prop_assert_eq!(get_bit(&d, i), want);
            }
        }

        #[test]
        fn incrby_is_exact_arithmetic(
            signed in any::<bool>(),
            bits in 1u32..=64,
            start in any::<u64>(),
            incr in any::<i64>(),
            which in 0u8..3,
        ) {
            let bits = if signed { bits } else { bits.min(63) };
            let ty = FieldType { signed, bits };
            let overflow = [Overflow::Wrap, Overflow::Sat, Overflow::Fail][which as usize];
            let mut d = vec![0u8; 9];
            set_field(&mut d, 3, bits, start);
            let f = BitfieldOp { op: FieldOp::IncrBy(incr), ty, offset: 3, overflow };
            let old = i128::from(f.get(&d));
            let (min, max) = if signed {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            } else {
                (0, (1i128 << bits) - 1)
            };
            let sum = old + i128::from(incr);
            let want = if (min..=max).contains(&sum) {
                Some(sum)
            } else {
                match overflow {
                    Overflow::Fail => None,
                    Overflow::Sat => Some(sum.clamp(min, max)),
                    Overflow::Wrap => {
                        let m = sum.rem_euclid(1i128 << bits);
                        Some(if m > max { m - (1i128 << bits) } else { m })
                    }
                }
            };
            let before = d.clone();
            let got = f.apply(&mut d).map(i128::from);
            prop_assert_eq!(got, want);
            if want.is_none() {
                prop_assert_eq!(d, before);
            } else {
                prop_assert_eq!(i128::from(f.get(&d)), want.unwrap());
            }
        }
    }
}
