//! LZF compression, in the stream format of liblzf.
//!
//! Redis compresses strings longer than 20 bytes in RDB files and `DUMP`
//! payloads with LZF (`rdbcompression yes`, the default; the RDB encoding is
//! `0xC3`, compressed length, uncompressed length, data), and compresses
//! quicklist nodes with it (`list-compress-depth`). cedis reads what Redis
//! writes and Redis reads what cedis writes, so the *format* is what
//! matters; the compressor need not pick the same matches as liblzf (and
//! does not always: its hash table differs), only produce streams every
//! LZF decoder accepts.
//!
//! # Format
//!
//! A stream is a sequence of instructions, each starting with a control
//! byte:
//!
//! ```text
//! 000LLLLL  <L+1 literal bytes>            literal run, 1..=32 bytes
//! LLLooooo  oooooooo                       back reference, L in 1..=6
//! 111ooooo  LLLLLLLL  oooooooo             back reference, length 7 + L
//! ```
//!
//! A back reference copies `L + 2` bytes (3..=264) starting `o + 1` bytes
//! (1..=8192) before the current end of the output. The copy may overlap
//! the bytes it produces (`o = 0` repeats the last byte): it is defined
//! byte by byte. The stream carries no length; the caller stores the
//! uncompressed length beside it (as the RDB encoding does).
//!
//! # Design and cost
//!
//! * [`compress`] is a greedy single pass: a hash of the next three bytes
//!   finds the most recent earlier position with the same hash (a table of
//!   `u32` positions sized to the input, 2^8..=2^16 entries, so at most
//!   256 KiB and a quicklist node's 8 KiB only needs 32 KiB); if the three
//!   bytes really match within the 8 KiB window the match is extended (8
//!   bytes at a time) and emitted, otherwise the byte joins the pending
//!   literal run. Output is bounded by the caller's maximum and the
//!   compressor gives up as soon as it is exceeded. Worst case output is
//!   `n + ceil(n / 32)` bytes.
//! * [`decompress`] appends to the caller's buffer, copying literal runs
//!   and non-overlapping references with `extend_from_slice` /
//!   `extend_from_within` and overlapping ones in doubling chunks.
//!   Measured (`speed` test below, 2 shared vCPUs, release build, 1 MiB
//!   of log-like text compressed to 33%): compress 311 MB/s of input,
//!   decompress 451 MB/s of output.
//! * **Corrupt input never panics and never over-allocates**: every read
//!   is bounds-checked, a reference before the start of this call's output
//!   or past `expected_len` is an error, and since one 3-byte instruction
//!   produces at most 264 bytes, an `expected_len` above `88 * input.len()`
//!   is rejected before anything is reserved.
//!
//! Written from the format description above, not from liblzf's code.
//! Pure: no I/O, no global state.

use std::fmt;

/// Longest literal run one control byte can announce.
const MAX_LIT: usize = 32;
/// Farthest back a reference can reach (offset field 0..=8191, plus one).
const MAX_DIST: usize = 1 << 13;
/// Longest back reference: 7 + 255 in the length fields, plus two.
const MAX_REF: usize = 7 + 255 + 2;
/// Shortest back reference.
const MIN_REF: usize = 3;
/// Most output bytes one input byte can yield (a 3-byte reference of 264).
const MAX_EXPANSION: usize = MAX_REF / 3;

/// Why a stream could not be decompressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LzfError {
    /// The input ends inside an instruction.
    Truncated,
    /// A back reference points before the start of the output.
    BadReference,
    /// The stream decodes to more than the expected length.
    TooLong,
    /// The stream decodes to fewer bytes than the expected length.
    TooShort,
}

impl fmt::Display for LzfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LzfError::Truncated => "LZF stream truncated inside an instruction",
            LzfError::BadReference => "LZF back reference before the start of the output",
            LzfError::TooLong => "LZF stream longer than the expected length",
            LzfError::TooShort => "LZF stream shorter than the expected length",
        })
    }
}

impl std::error::Error for LzfError {}

/// Compresses `input`, appending the stream to `out`, if that saves at
/// least one byte. Returns `false` (and leaves `out` as it was) if the
/// stream would not be shorter than the input, or if `input` is empty.
pub fn compress(input: &[u8], out: &mut Vec<u8>) -> bool {
    compress_within(input, input.len().saturating_sub(1), out)
}

/// Compresses `input`, appending the stream to `out`, if the stream fits
/// in `max_len` bytes (as liblzf's `out_len`). Returns `false` (and leaves
/// `out` as it was) if it does not, or if `input` is empty.
///
/// Redis's RDB writer asks for `len - 4` (it only stores a string
/// compressed when that saves more than the two length headers cost);
/// quicklist compresses a node only if that saves at least 8 bytes.
pub fn compress_within(input: &[u8], max_len: usize, out: &mut Vec<u8>) -> bool {
    let base = out.len();
    if input.is_empty() || max_len == 0 {
        return false;
    }
    out.reserve(max_len.min(input.len() + input.len() / MAX_LIT + 1));
    let limit = base + max_len;
    let n = input.len();
    // Table size: the input's size rounded up to a power of two, in 2^8..=2^16.
    let hlog = (usize::BITS - n.saturating_sub(1).leading_zeros()).clamp(8, 16);
    // Positions plus one (0 = empty).
    let mut table = vec![0u32; 1 << hlog];
    let hash = |p: usize| -> usize {
        let v = u32::from(input[p]) | u32::from(input[p + 1]) << 8 | u32::from(input[p + 2]) << 16;
        (v.wrapping_mul(0x9E37_79B1) >> (32 - hlog)) as usize
    };

    let mut lit_start = 0;
    let mut ip = 0;
    while ip + MIN_REF <= n {
        let h = hash(ip);
        let cand = table[h] as usize;
        table[h] = ip as u32 + 1;
        if cand != 0 {
            let r = cand - 1;
            let dist = ip - r;
            if dist <= MAX_DIST && input[r..r + MIN_REF] == input[ip..ip + MIN_REF] {
                let len = match_len(input, r, ip, MAX_REF.min(n - ip));
                push_literals(&input[lit_start..ip], out);
                push_reference(len, dist, out);
                if out.len() > limit {
                    out.truncate(base);
                    return false;
                }
                // Remember the last few positions inside the match.
                let end = ip + len;
                let from = (ip + 1).max(end.saturating_sub(8));
                for p in from..end.min(n.saturating_sub(MIN_REF - 1)) {
                    table[hash(p)] = p as u32 + 1;
                }
                ip = end;
                lit_start = ip;
                continue;
            }
        }
        ip += 1;
        // Give up early on incompressible input: pending literals alone
        // already overflow.
        if ip - lit_start >= MAX_LIT && out.len() + (ip - lit_start) + 1 > limit {
            out.truncate(base);
            return false;
        }
    }
    push_literals(&input[lit_start..], out);
    if out.len() > limit {
        out.truncate(base);
        return false;
    }
    true
}

/// Length of the match between `input[r..]` and `input[ip..]` (`r < ip`,
/// the first three bytes known equal), at most `max`.
#[inline]
fn match_len(input: &[u8], r: usize, ip: usize, max: usize) -> usize {
    let mut len = MIN_REF;
    while len + 8 <= max {
        let a = u64::from_le_bytes(input[r + len..r + len + 8].try_into().expect("8 bytes"));
        let b = u64::from_le_bytes(input[ip + len..ip + len + 8].try_into().expect("8 bytes"));
        let x = a ^ b;
        if x != 0 {
            return len + (x.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    while len < max && input[r + len] == input[ip + len] {
        len += 1;
    }
    len
}

#[inline]
fn push_literals(lit: &[u8], out: &mut Vec<u8>) {
    for run in lit.chunks(MAX_LIT) {
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
}

#[inline]
fn push_reference(len: usize, dist: usize, out: &mut Vec<u8>) {
    debug_assert!((MIN_REF..=MAX_REF).contains(&len) && (1..=MAX_DIST).contains(&dist));
    let l = len - 2;
    let o = dist - 1;
    let hi = (o >> 8) as u8;
    if l < 7 {
        out.extend_from_slice(&[(l as u8) << 5 | hi, o as u8]);
    } else {
        out.extend_from_slice(&[7 << 5 | hi, (l - 7) as u8, o as u8]);
    }
}

/// Decompresses the LZF stream `input`, which must decode to exactly
/// `expected_len` bytes, appending them to `out`. On error `out` is left as
/// it was. Back references cannot reach into what `out` held before the
/// call.
pub fn decompress(input: &[u8], expected_len: usize, out: &mut Vec<u8>) -> Result<(), LzfError> {
    let base = out.len();
    let r = decompress_inner(input, expected_len, out, base);
    if r.is_err() {
        out.truncate(base);
    }
    r
}

fn decompress_inner(
    input: &[u8],
    expected_len: usize,
    out: &mut Vec<u8>,
    base: usize,
) -> Result<(), LzfError> {
    if expected_len > input.len().saturating_mul(MAX_EXPANSION) {
        // No stream this short can decode to that much: don't allocate it.
        return Err(LzfError::TooShort);
    }
    out.reserve(expected_len);
    let end = base + expected_len;
    let mut i = 0;
    while i < input.len() {
        let c = usize::from(input[i]);
        i += 1;
        if c < MAX_LIT {
            let run = c + 1;
            let lit = input.get(i..i + run).ok_or(LzfError::Truncated)?;
            if out.len() + run > end {
                return Err(LzfError::TooLong);
            }
            out.extend_from_slice(lit);
            i += run;
            continue;
        }
        let mut len = c >> 5;
        if len == 7 {
            len += usize::from(*input.get(i).ok_or(LzfError::Truncated)?);
            i += 1;
        }
        len += 2;
        let lo = usize::from(*input.get(i).ok_or(LzfError::Truncated)?);
        i += 1;
        let dist = ((c & 0x1f) << 8 | lo) + 1;
        if dist > out.len() - base {
            return Err(LzfError::BadReference);
        }
        if out.len() + len > end {
            return Err(LzfError::TooLong);
        }
        let mut src = out.len() - dist;
        if dist >= len {
            out.extend_from_within(src..src + len);
        } else {
            // Overlapping: the source is the output being produced, a
            // pattern of period `dist`. Copy what exists, doubling.
            let mut left = len;
            while left > 0 {
                let k = left.min(out.len() - src);
                out.extend_from_within(src..src + k);
                src += k;
                left -= k;
            }
        }
    }
    if out.len() != end {
        return Err(LzfError::TooShort);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crc64::crc64;
    use proptest::prelude::*;

    /// The simplest possible decoder, byte by byte, for cross-checking.
    fn reference_decode(input: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() {
            let c = input[i] as usize;
            i += 1;
            if c < 32 {
                out.extend_from_slice(input.get(i..i + c + 1)?);
                i += c + 1;
            } else {
                let mut len = c >> 5;
                if len == 7 {
                    len += *input.get(i)? as usize;
                    i += 1;
                }
                let dist = ((c & 31) << 8 | *input.get(i)? as usize) + 1;
                i += 1;
                let start = out.len().checked_sub(dist)?;
                for k in 0..len + 2 {
                    out.push(out[start + k]);
                }
            }
        }
        Some(out)
    }

    fn roundtrip(data: &[u8]) {
        let mut c = Vec::new();
        assert!(compress_within(data, usize::MAX, &mut c) || data.is_empty());
        assert!(c.len() <= data.len() + data.len().div_ceil(32));
        assert_eq!(reference_decode(&c).as_deref(), Some(data));
        let mut d = b"prefix".to_vec();
        decompress(&c, data.len(), &mut d).unwrap();
        assert_eq!(&d[6..], data);
        assert_eq!(&d[..6], b"prefix");
    }

    /// RDB length encoding (6-, 14- and 32-bit forms), for building
    /// `DUMP` payloads.
    fn rdb_len(n: usize, out: &mut Vec<u8>) {
        if n < 64 {
            out.push(n as u8);
        } else if n < 16384 {
            out.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
        } else {
            out.push(0x80);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }

    /// Reads an RDB length at `p[*i..]` (the forms `rdb_len` writes).
    fn read_rdb_len(p: &[u8], i: &mut usize) -> usize {
        let b = p[*i];
        *i += 1;
        match b >> 6 {
            0 => usize::from(b & 0x3f),
            1 => {
                *i += 1;
                usize::from(b & 0x3f) << 8 | usize::from(p[*i - 1])
            }
            _ => {
                assert_eq!(b, 0x80);
                *i += 4;
                u32::from_be_bytes(p[*i - 4..*i].try_into().unwrap()) as usize
            }
        }
    }

    /// A `DUMP` payload of a string stored LZF-compressed: type 0, encoding
    /// 0xC3, lengths, data, RDB version 10 (Redis 7.0), CRC-64.
    fn dump_payload(data: &[u8]) -> Option<Vec<u8>> {
        let mut c = Vec::new();
        if !compress_within(data, data.len().checked_sub(4)?, &mut c) {
            return None;
        }
        let mut p = vec![0x00, 0xC3];
        rdb_len(c.len(), &mut p);
        rdb_len(data.len(), &mut p);
        p.extend_from_slice(&c);
        p.extend_from_slice(&10u16.to_le_bytes());
        let crc = crc64(0, &p);
        p.extend_from_slice(&crc.to_le_bytes());
        Some(p)
    }

    /// Parses a `DUMP` payload of an LZF string and decompresses it,
    /// checking type, encoding, version and CRC.
    fn decode_dump(p: &[u8]) -> Vec<u8> {
        let (body, crc) = p.split_at(p.len() - 8);
        assert_eq!(crc64(0, body), u64::from_le_bytes(crc.try_into().unwrap()));
        assert_eq!(&body[body.len() - 2..], &[10, 0], "RDB version 10");
        assert_eq!(&body[..2], &[0x00, 0xC3]);
        let mut i = 2;
        let clen = read_rdb_len(body, &mut i);
        let ulen = read_rdb_len(body, &mut i);
        assert_eq!(i + clen, body.len() - 2);
        let mut out = Vec::new();
        decompress(&body[i..i + clen], ulen, &mut out).unwrap();
        assert_eq!(
            reference_decode(&body[i..i + clen]).as_deref(),
            Some(&out[..])
        );
        out
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        s.chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect()
    }

    /// 400 pseudo-random hex digits, 7700 bytes of repetitive text, the
    /// same 400 digits again (8100 bytes back, near the 8192 limit), 300
    /// `x` and `end`: 8803 bytes. (The same generator in Python produced
    /// the value given to redis-server.)
    fn sample_s3() -> Vec<u8> {
        let mut x: u64 = 42;
        let mut blk = Vec::new();
        for _ in 0..50 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            blk.extend_from_slice(format!("{:08x}", x >> 33).as_bytes());
        }
        let mut filler = Vec::new();
        for i in 0..900 {
            filler.extend_from_slice(format!("field:{};", (i * 37) % 101).as_bytes());
        }
        filler.truncate(7700);
        let mut s = blk.clone();
        s.extend_from_slice(&filler);
        s.extend_from_slice(&blk);
        s.extend_from_slice(&[b'x'; 300]);
        s.extend_from_slice(b"end");
        s
    }

    /// `DUMP` of `sample_s3()` from redis-server 7.0.15 (clen 972, ulen 8803).
    const REDIS_S3_DUMP: &str = "
        00c343cc62631f3438626263353736316364626663353233346437653264323530623065
        3231661f3537306631353536303335623738306330326339306564393133383361353936
        093363616162666265303320181f66626432646161306438383433623266383136373564
        31663836323239636235163137323635646637643263333230383163333536346538202f
        200d1f39396434356233356662353930313561386564363038326265376431323933360f
        66613635626333346336663533363263203d056331373331632081133730343332666133
        376434343433313364653365203b0565613633353220d80262633420c512333961643737
        3738333665323561626162303240ef1f6236376134353237623561643030333635633030
        6135306531616363383137300065205840d720df016165203f0c31333736393533303562
        623731200c0365656133203d14343132323032366538326631303937376539376562409f
        0264353021600a61663065373835333236326068212804346632623120df063633343630
        666220ba0931666669656c643a303b8007013337a008013734a0080031c01a0034c01a00
        38c01a0032c01a0035c01a0039c01a0033c01a0036c01a0033a04f0034c0190037c01900
        31c01a0035c01a0038c01a0032c01a0036c01a0039c01a0033c01a0037c01a0036c061c0
        190038c0190031c01a0035c01a0039c01a0032c01a0036c01a013130c01b0033c01b0037
        c01b0039c062c0190038c0190031c01a0035c01a0039c01a0032c01a0036c01a0032a046
        0033c0190037c0190031c01a0034c01a0038c01a0032c01a0035c01a0039c01a0033c01a
        0036c01a0035a0610034c0190037c0190031c01a0035c01a0038c01a0032c01a0036c01a
        0039c01a0033c01a0037c01a0038c061c0190038c0190031c01a0035c01a0039c01a0032
        c01a0036c01a0031a0460033c0190037e00019c01a0034c01a0038c01a0032c01a0035c0
        1a0039c01a0033c01a0036c01ac2920034c0190037c0190031c01a0035c01a0038c01a00
        32c01a0036c01a0039c01a0033c01a0037c01ac2920034c0190038c0190031c01a0035c0
        1a0039c01a0032c01a0036c01ae20076c019e3ff8364a1e3ff8325ace3ff83410ac34ec3
        33e3ff83211be7ff07610bc681e7ff07221fe7ff07410ac43eeaff8b4114eaff8b221fea
        ff8b410acaa6eeff0f4114eeff0f221feeff0f410acdd9eeff0f2113f1ff93410beaff8b
        2216eaff8b410aeaff8b410bd4e1eaff8b2113eaff8b410aeaff8b410cd7aaeaff8b221f
        eaff8b410aeaff8b2215db98eaff8b4114ea048b0034ffffa33f65ff7ba30078e0ff00e0
        1a0002656e640a009da4292b8b088202";

    #[test]
    fn decompresses_redis_dump_hello() {
        // SET k "hello hello hello hello hello hello hello world"; DUMP k
        let p = b"\x00\xc3\x11/\x06hello h\xe0\x1a\x05\x04world\n\x00\x11\xb1\xbc\x9e\xb3'n?";
        assert_eq!(
            decode_dump(p),
            b"hello hello hello hello hello hello hello world"
        );
    }

    #[test]
    fn decompresses_redis_dump_run() {
        // SET k2 <108 x "a">; DUMP k2: a reference of distance 1 (overlapping).
        let p = hex("00c3 0940 6c01 6161 e05f 0001 6161 0a00 2d00 9466 eba7 419f");
        assert_eq!(decode_dump(&p), vec![b'a'; 108]);
    }

    #[test]
    fn decompresses_redis_dump_long() {
        let p = hex(REDIS_S3_DUMP);
        assert_eq!(p.len(), 988);
        assert_eq!(decode_dump(&p), sample_s3());
    }

    #[test]
    fn our_payloads_round_trip_through_our_dump_parser() {
        for data in [
            b"hello hello hello hello hello hello hello world".to_vec(),
            vec![b'a'; 108],
            sample_s3(),
        ] {
            let p = dump_payload(&data).expect("compressible");
            assert_eq!(decode_dump(&p), data);
        }
    }

    /// Payloads built by `dump_payload` (our compressor) that redis-server
    /// 7.0.15 accepted: `RESTORE k 0 <payload>` replied OK and `GET k`
    /// returned the input. Recorded as (input, payload length, the CRC-64
    /// in its footer), so a change to the compressor's output shows up here
    /// and can be re-checked against a real server
    /// (`print_payloads_for_redis`).
    #[test]
    fn payloads_accepted_by_real_redis() {
        for (data, len, crc) in redis_checked_inputs() {
            let p = dump_payload(&data).expect("compressible");
            let footer = u64::from_le_bytes(p[p.len() - 8..].try_into().unwrap());
            assert_eq!(
                (p.len(), footer),
                (len, crc),
                "input of {} bytes",
                data.len()
            );
        }
    }

    fn redis_checked_inputs() -> Vec<(Vec<u8>, usize, u64)> {
        let hello = b"hello hello hello hello hello hello hello world".to_vec();
        let mut all_bytes = Vec::new();
        for i in 0..4000u32 {
            all_bytes.push((i % 251) as u8 ^ (i / 251) as u8);
        }
        let mut ramp = Vec::new();
        for i in 0..70_000u32 {
            ramp.extend_from_slice(format!("{} ", i % 9000).as_bytes());
        }
        vec![
            (hello, 30, 0x30bf_5416_7af0_9c44),
            (vec![b'a'; 108], 20, 0x8b54_7739_158c_5d38),
            (sample_s3(), 1001, 0xc336_5350_a669_51b1),
            (all_bytes, 2806, 0x6ac6_cb7c_7c33_b753),
            (ramp, 187_476, 0x49e8_f189_4556_2d4c),
        ]
    }

    /// Prints `PAYLOAD <hex input> <hex payload> <len>` lines for a
    /// real-server check: `cargo test -p cedis-types --lib
    /// lzf::tests::print_payloads_for_redis -- --ignored --nocapture`, then
    /// `redis-cli -x RESTORE k 0 < payload.bin` and compare `GET k`.
    #[test]
    #[ignore]
    fn print_payloads_for_redis() {
        let h = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        for (data, _, _) in redis_checked_inputs() {
            let p = dump_payload(&data).unwrap();
            println!("PAYLOAD {} {} {}", h(&data), h(&p), p.len());
        }
    }

    #[test]
    fn empty_and_tiny() {
        let mut out = Vec::new();
        assert!(!compress(b"", &mut out));
        assert!(!compress(b"abc", &mut out));
        assert!(out.is_empty());
        decompress(b"", 0, &mut out).unwrap();
        assert!(out.is_empty());
        roundtrip(b"a");
        roundtrip(b"abcabcabc");
    }

    #[test]
    fn respects_max_len_and_leaves_out_alone_on_failure() {
        let data = vec![b'z'; 1000];
        let mut out = vec![1, 2, 3];
        assert!(compress_within(&data, 100, &mut out));
        let clen = out.len() - 3;
        assert!(clen <= 100);
        let mut again = vec![1, 2, 3];
        assert!(!compress_within(&data, clen - 1, &mut again));
        assert_eq!(again, [1, 2, 3]);
        assert!(compress_within(&data, clen, &mut again));
        assert_eq!(again, out);
        // Incompressible input gives up.
        let mut x = 99u64;
        let noise: Vec<u8> = (0..5000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut out = Vec::new();
        assert!(!compress(&noise, &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn corrupt_streams_are_errors() {
        let mut out = b"xy".to_vec();
        // Reference before the start of this call's output (not into "xy").
        assert_eq!(
            decompress(&[0x20, 0x00], 3, &mut out),
            Err(LzfError::BadReference)
        );
        assert_eq!(
            decompress(&[0x00, b'a', 0x20, 0x01], 4, &mut out),
            Err(LzfError::BadReference)
        );
        // Truncated literal run, missing offset byte, missing length byte.
        assert_eq!(
            decompress(&[0x05, b'a'], 6, &mut out),
            Err(LzfError::Truncated)
        );
        assert_eq!(
            decompress(&[0x00, b'a', 0x20], 4, &mut out),
            Err(LzfError::Truncated)
        );
        assert_eq!(
            decompress(&[0x00, b'a', 0xe0], 12, &mut out),
            Err(LzfError::Truncated)
        );
        // Length mismatches both ways.
        assert_eq!(
            decompress(&[0x01, b'a', b'b'], 1, &mut out),
            Err(LzfError::TooLong)
        );
        assert_eq!(
            decompress(&[0x01, b'a', b'b'], 3, &mut out),
            Err(LzfError::TooShort)
        );
        assert_eq!(
            decompress(&[0x00, b'a', 0x20, 0x00], 3, &mut out),
            Err(LzfError::TooLong)
        );
        // An absurd expected length is refused before allocating.
        assert_eq!(
            decompress(&[0x00, b'a'], usize::MAX, &mut out),
            Err(LzfError::TooShort)
        );
        assert_eq!(
            decompress(&[0x00, b'a'], 1 << 40, &mut out),
            Err(LzfError::TooShort)
        );
        assert_eq!(out, b"xy");
        // The maximal expansion is accepted: "a" then 264 copies of it.
        decompress(&[0x00, b'a', 0xe0, 0xff, 0x00], 265, &mut out).unwrap();
        assert_eq!(out.len(), 2 + 265);
        assert_eq!(
            LzfError::TooShort.to_string(),
            "LZF stream shorter than the expected length"
        );
    }

    /// Long references (length byte), far references (offset 8191) and
    /// overlapping ones all come out of the compressor.
    #[test]
    fn encodes_every_instruction_shape() {
        let mut data = Vec::new();
        let mut x = 7u64;
        for _ in 0..9000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data.push(x as u8);
        }
        let block = data[100..400].to_vec();
        data.extend_from_slice(&vec![b'q'; 700]);
        let at = data.len();
        data.extend_from_slice(&block);
        assert!(at - 100 > MAX_DIST);
        let q = data.len();
        data.extend_from_within(q - MAX_DIST..q - MAX_DIST + 50);
        roundtrip(&data);
        let mut c = Vec::new();
        assert!(compress(&data, &mut c));
        // Walk the stream and look for a far, a long and an overlapping reference.
        let (mut far, mut long, mut overlap) = (false, false, false);
        let mut i = 0;
        while i < c.len() {
            let ctl = c[i] as usize;
            if ctl < 32 {
                i += ctl + 2;
                continue;
            }
            let mut len = ctl >> 5;
            if len == 7 {
                len += c[i + 1] as usize;
                i += 1;
            }
            let dist = ((ctl & 31) << 8 | c[i + 1] as usize) + 1;
            far |= dist == MAX_DIST;
            long |= len + 2 > 9;
            overlap |= dist < len + 2;
            i += 2;
        }
        assert!(
            far && long && overlap,
            "far {far} long {long} overlap {overlap}"
        );
    }

    fn compressible() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..600),
            prop::collection::vec(prop::sample::select(b"ab \n".to_vec()), 0..3000),
            // Random pieces repeated at random distances.
            (
                prop::collection::vec(prop::collection::vec(any::<u8>(), 1..40), 1..8),
                prop::collection::vec((0usize..8, 1usize..20), 0..200),
            )
                .prop_map(|(pieces, picks)| {
                    let mut v = Vec::new();
                    for (p, times) in picks {
                        for _ in 0..times {
                            v.extend_from_slice(&pieces[p % pieces.len()]);
                        }
                    }
                    v
                }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn compress_decompress_roundtrip(data in compressible()) {
            roundtrip(&data);
            let mut c = Vec::new();
            if compress(&data, &mut c) {
                prop_assert!(c.len() < data.len());
                let mut d = Vec::new();
                prop_assert_eq!(decompress(&c, data.len(), &mut d), Ok(()));
                prop_assert_eq!(d, data);
            } else {
                prop_assert!(c.is_empty());
            }
        }

        /// Arbitrary bytes never panic, and agree with the byte-by-byte
        /// decoder whenever that one succeeds with the right length.
        #[test]
        fn arbitrary_streams_never_panic(
            stream in prop::collection::vec(any::<u8>(), 0..200),
            expected in 0usize..5000,
        ) {
            let mut out = b"pre".to_vec();
            let r = decompress(&stream, expected, &mut out);
            let reference = reference_decode(&stream);
            match r {
                Ok(()) => {
                    prop_assert_eq!(out.len(), 3 + expected);
                    prop_assert_eq!(reference.as_deref(), Some(&out[3..]));
                }
                Err(_) => {
                    prop_assert_eq!(&out[..], b"pre");
                    prop_assert!(reference.is_none_or(|r| r.len() != expected));
                }
            }
        }

        /// Corrupting one byte of a valid stream never panics.
        #[test]
        fn flipped_streams_never_panic(data in compressible(), at in any::<usize>(), v in any::<u8>()) {
            let mut c = Vec::new();
            if compress_within(&data, usize::MAX, &mut c) {
                let i = at % c.len();
                c[i] = v;
                let mut out = Vec::new();
                if decompress(&c, data.len(), &mut out).is_ok() {
                    prop_assert_eq!(out.len(), data.len());
                }
            }
        }
    }

    /// Throughput on ~1 MiB of log-like text. Run with
    /// `cargo test --release -p cedis-types --lib lzf::tests::speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn speed() {
        let mut data = Vec::new();
        let mut x = 1u64;
        while data.len() < 1 << 20 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let line = format!(
                "2024-05-{:02} 12:{:02}:{:02} GET /api/v1/items/{} status={} bytes={}\n",
                x >> 59,
                (x >> 40) % 60,
                (x >> 30) % 60,
                (x >> 20) % 5000,
                [200, 200, 200, 404, 500][((x >> 10) % 5) as usize],
                (x >> 3) % 100_000
            );
            data.extend_from_slice(line.as_bytes());
        }
        let rounds = 50;
        let mut c = Vec::new();
        let t = std::time::Instant::now();
        for _ in 0..rounds {
            c.clear();
            assert!(compress(std::hint::black_box(&data), &mut c));
        }
        let ct = t.elapsed();
        let mut d = Vec::new();
        let t = std::time::Instant::now();
        for _ in 0..rounds {
            d.clear();
            decompress(std::hint::black_box(&c), data.len(), &mut d).unwrap();
        }
        let dt = t.elapsed();
        assert_eq!(d, data);
        let mb = (data.len() * rounds) as f64 / 1e6;
        println!(
            "lzf: {} -> {} bytes ({:.1}%); compress {:.0} MB/s, decompress {:.0} MB/s",
            data.len(),
            c.len(),
            100.0 * c.len() as f64 / data.len() as f64,
            mb / ct.as_secs_f64(),
            mb / dt.as_secs_f64()
        );
    }
}
