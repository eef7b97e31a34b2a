//! Bitmap commands on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
//! BITFIELD and BITFIELD_RO.
//!
//! Argument checks happen in Redis's order, which differs per command:
//! GETBIT, SETBIT, BITOP and BITFIELD parse everything before looking the
//! key up; BITCOUNT looks the key up first (a missing key answers 0 whatever
//! the range arguments); BITPOS checks the bit, then the key, then the
//! range. The bit-level work is `cedis_types::bitops`, the key handling
//! `cedis_store`.

use bytes::Bytes;
use cedis_store::value::parse_i64;
use cedis_types::bitops::{self, BitOp, BitfieldOp, FieldOp, FieldType, Overflow, Unit};

use super::args::is;
use super::error::{CmdError, CmdResult};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;

const W: u32 = WRITE | DENYOOM;

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("setbit", 4, W, (1, 1, 1), &["write", "bitmap", "slow"], setbit),
    cmd("getbit", 3, READONLY | FAST, (1, 1, 1), &["read", "bitmap", "fast"], getbit),
    cmd("bitcount", -2, READONLY, (1, 1, 1), &["read", "bitmap", "slow"], bitcount),
    cmd("bitpos", -3, READONLY, (1, 1, 1), &["read", "bitmap", "slow"], bitpos),
    cmd("bitop", -4, W, (2, -1, 1), &["write", "bitmap", "slow"], bitop),
    cmd("bitfield", -2, W, (1, 1, 1), &["write", "bitmap", "slow"], bitfield),
    cmd("bitfield_ro", -2, READONLY | FAST, (1, 1, 1), &["read", "bitmap", "fast"], bitfield_ro),
];

const BAD_OFFSET: CmdError = CmdError::msg("ERR bit offset is not an integer or out of range");
const BAD_BIT: CmdError = CmdError::msg("ERR bit is not an integer or out of range");
const BAD_TYPE: CmdError = CmdError::msg(
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
);

/// A bit offset, as Redis checks it: a canonical non-negative integer whose
/// byte (`offset / 8`) lies below `proto-max-bulk-len`. With `field_bits`
/// (BITFIELD), `#N` means `N` times the field width; like Redis, the
/// product wraps on overflow before the range check.
fn bit_offset(arg: &[u8], field_bits: Option<u32>, max_len: usize) -> Result<u64, CmdError> {
    let (digits, scale) = match (arg, field_bits) {
        ([b'#', rest @ ..], Some(bits)) => (rest, i64::from(bits)),
        _ => (arg, 1),
    };
    let offset = parse_i64(digits).ok_or(BAD_OFFSET)?.wrapping_mul(scale);
    if offset < 0 || (offset >> 3) as u64 >= max_len as u64 {
        return Err(BAD_OFFSET);
    }
    Ok(offset as u64)
}

fn max_len(ctx: &Ctx<'_>) -> usize {
    ctx.store.config.max_string
}

fn setbit(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let offset = bit_offset(&argv[2], None, max_len(ctx))?;
    let on = match parse_i64(&argv[3]).ok_or(BAD_BIT)? {
        0 => false,
        1 => true,
        _ => return Err(BAD_BIT),
    };
    let db = ctx.db();
    let old = ctx.store.setbit(db, &argv[1], offset, on)?;
    ctx.reply().integer(i64::from(old));
    Ok(())
}

fn getbit(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let offset = bit_offset(&argv[2], None, max_len(ctx))?;
    let db = ctx.db();
    let bit = ctx.store.getbit(db, &argv[1], offset)?;
    ctx.reply().integer(i64::from(bit));
    Ok(())
}

fn int(arg: &[u8]) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::NotInteger)
}

fn unit(arg: &[u8]) -> Result<Unit, CmdError> {
    if is(arg, "bit") {
        Ok(Unit::Bit)
    } else if is(arg, "byte") {
        Ok(Unit::Byte)
    } else {
        Err(CmdError::Syntax)
    }
}

fn bitcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let range = || -> Result<Option<(i64, i64, Unit)>, CmdError> {
        match argv.len() {
            2 => Ok(None),
            4 | 5 => {
                let (start, end) = (int(&argv[2])?, int(&argv[3])?);
                let u = argv.get(4).map_or(Ok(Unit::Byte), |a| unit(a))?;
                Ok(Some((start, end, u)))
            }
            _ => Err(CmdError::Syntax),
        }
    };
    let db = ctx.db();
    let count = ctx
        .store
        .read_string(db, &argv[1], |s| range().map(|r| bitops::bitcount(s, r)))?
        .transpose()?
        .unwrap_or(0);
    ctx.reply().integer(count as i64);
    Ok(())
}

fn bitpos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let bit = match int(&argv[2])? {
        0 => false,
        1 => true,
        _ => return Err(CmdError::msg("ERR The bit argument must be 1 or 0.")),
    };
    type Range = (Option<i64>, Option<i64>, Unit);
    let range = || -> Result<Range, CmdError> {
        if argv.len() > 6 {
            return Err(CmdError::Syntax);
        }
        let start = argv.get(3).map(|a| int(a)).transpose()?;
        let u = argv.get(5).map_or(Ok(Unit::Byte), |a| unit(a))?;
        let end = argv.get(4).map(|a| int(a)).transpose()?;
        Ok((start, end, u))
    };
    let db = ctx.db();
    let pos = ctx
        .store
        .read_string(db, &argv[1], |s| {
            range().map(|(start, end, u)| bitops::bitpos(s, bit, start, end, u))
        })?
        .transpose()?
        // A missing key is an endless run of zeros.
        .unwrap_or(if bit { -1 } else { 0 });
    ctx.reply().integer(pos);
    Ok(())
}

fn bitop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let name = &argv[1];
    let op = if is(name, "and") {
        BitOp::And
    } else if is(name, "or") {
        BitOp::Or
    } else if is(name, "xor") {
        BitOp::Xor
    } else if is(name, "not") {
        BitOp::Not
    } else {
        return Err(CmdError::Syntax);
    };
    if op == BitOp::Not && argv.len() != 4 {
        return Err(CmdError::msg(
            "ERR BITOP NOT must be called with a single source key.",
        ));
    }
    let srcs: Vec<&[u8]> = argv[3..].iter().map(|k| k.as_ref()).collect();
    let db = ctx.db();
    let len = ctx.store.bitop(db, op, &argv[2], &srcs)?;
    ctx.reply().integer(len as i64);
    Ok(())
}

/// Parses BITFIELD's operations in Redis's order: each subcommand needs
/// all its arguments present (else a syntax error), then its type, its
/// offset and, for SET/INCRBY, its value are checked in turn.
fn parse_bitfield(args: &[Bytes], max_len: usize) -> Result<Vec<BitfieldOp>, CmdError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 0;
    while j < args.len() {
        let sub = &args[j];
        let rest = args.len() - j - 1;
        let op = if is(sub, "get") && rest >= 2 {
            FieldOp::Get
        } else if is(sub, "set") && rest >= 3 {
            FieldOp::Set(0)
        } else if is(sub, "incrby") && rest >= 3 {
            FieldOp::IncrBy(0)
        } else if is(sub, "overflow") && rest >= 1 {
            let kind = &args[j + 1];
            overflow = if is(kind, "wrap") {
                Overflow::Wrap
            } else if is(kind, "sat") {
                Overflow::Sat
            } else if is(kind, "fail") {
                Overflow::Fail
            } else {
                return Err(CmdError::msg("ERR Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        let ty = FieldType::parse(&args[j + 1]).ok_or(BAD_TYPE)?;
        let offset = bit_offset(&args[j + 2], Some(ty.bits), max_len)?;
        let op = match op {
            FieldOp::Get => FieldOp::Get,
            FieldOp::Set(_) => FieldOp::Set(int(&args[j + 3])?),
            FieldOp::IncrBy(_) => FieldOp::IncrBy(int(&args[j + 3])?),
        };
        ops.push(BitfieldOp {
            op,
            ty,
            offset,
            overflow,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }
    Ok(ops)
}

fn bitfield_common(ctx: &mut Ctx<'_>, argv: &[Bytes], read_only: bool) -> CmdResult {
    let ops = parse_bitfield(&argv[2..], max_len(ctx))?;
    if read_only && ops.iter().any(BitfieldOp::is_write) {
        return Err(CmdError::msg(
            "ERR BITFIELD_RO only supports the GET subcommand",
        ));
    }
    let db = ctx.db();
    let results = ctx.store.bitfield(db, &argv[1], &ops)?;
    let mut w = ctx.reply();
    w.array_header(results.len());
    for r in results {
        match r {
            Some(v) => w.integer(v),
            None => w.null(),
        }
    }
    Ok(())
}

fn bitfield(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    bitfield_common(ctx, argv, false)
}

fn bitfield_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    bitfield_common(ctx, argv, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(words: &[&str]) -> Vec<Bytes> {
        words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()
    }

    #[test]
    fn offsets() {
        let max = 512 << 20;
        assert_eq!(bit_offset(b"7", None, max), Ok(7));
        assert_eq!(bit_offset(b"4294967295", None, max), Ok(4294967295));
        for bad in [&b"4294967296"[..], b"-1", b"01", b"#1", b"x", b""] {
            assert_eq!(bit_offset(bad, None, max), Err(BAD_OFFSET), "{bad:?}");
        }
        assert_eq!(bit_offset(b"#3", Some(8), max), Ok(24));
        assert_eq!(bit_offset(b"#536870911", Some(8), max), Ok(4294967288));
        assert_eq!(bit_offset(b"#536870912", Some(8), max), Err(BAD_OFFSET));
        // Redis multiplies with wrap-around: 8 * (2^61 + 1) is 8.
        assert_eq!(bit_offset(b"#2305843009213693953", Some(8), max), Ok(8));
        assert_eq!(bit_offset(b"#", Some(8), max), Err(BAD_OFFSET));
        assert_eq!(bit_offset(b"80", None, 10), Err(BAD_OFFSET));
        assert_eq!(bit_offset(b"79", None, 10), Ok(79));
    }

    #[test]
    fn bitfield_parsing_order() {
        let max = 512 << 20;
        let p = |w: &[&str]| parse_bitfield(&b(w), max);
        assert_eq!(p(&["get", "u8"]), Err(CmdError::Syntax));
        assert_eq!(p(&["overflow"]), Err(CmdError::Syntax));
        assert_eq!(
            p(&["overflow", "foo", "get", "u8", "0"])
                .unwrap_err()
                .text(),
            "ERR Invalid OVERFLOW type specified"
        );
        assert_eq!(p(&["set", "u64", "x", "y"]), Err(BAD_TYPE));
        assert_eq!(p(&["set", "u8", "x", "y"]), Err(BAD_OFFSET));
        assert_eq!(p(&["set", "u8", "0", "y"]), Err(CmdError::NotInteger));
        let ops = p(&[
            "overflow", "sat", "incrby", "i5", "#2", "-3", "get", "u1", "9",
        ])
        .unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].op, FieldOp::IncrBy(-3));
        assert_eq!(ops[0].offset, 10);
        assert_eq!(ops[0].overflow, Overflow::Sat);
        assert!(!ops[1].is_write());
    }
}
