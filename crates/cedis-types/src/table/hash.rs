//! `KeyHasher`: cedis's keyed 64-bit hash of byte strings.
//!
//! # Design
//!
//! The primitive is the *folded multiply*: the full 128-bit product of two
//! 64-bit words, with its high and low halves XORed together. Every output
//! bit depends on every bit of both inputs, and it costs one `mul`
//! instruction on x86-64 and aarch64.
//!
//! ```text
//! fm(a, b)  = lo(a * b) ^ hi(a * b)            (128-bit product)
//! keys      k0, k1, k2 = expand(seed)          (once per table)
//!
//! len <= 16:   (a, b) = two words covering every byte (overlapping reads:
//!                       bytes 0..8 and len-8..len; 0..4 and len-4..len; or
//!                       first, middle and last byte for len 1..3)
//! len  > 16:   acc = k2
//!              for each 16-byte block (w0, w1) but the last:
//!                  acc = fm(w0 ^ k0, w1 ^ k1) + rotl(acc, 23)
//!              (a, b) = (w0, w1 ^ acc) of the last 16 bytes (may overlap)
//! hash      =  fm(fm(a ^ k0, b ^ k1) ^ len, k2)
//! ```
//!
//! # Properties
//!
//! * **Fast**: a key of up to 16 bytes (the common case) costs two loads and
//!   two multiplies; longer keys cost one multiply per 16 bytes. No tables,
//!   no SIMD, no `unsafe`.
//! * **Keyed**: the three 64-bit keys are derived from the table's seed, so
//!   two tables (or two server runs) with different seeds bucket the same
//!   keys differently. The length enters *after* the first multiply, so keys
//!   of different lengths cannot be made to collide without knowing the
//!   keys (a plain `b ^ len` would allow seed-independent collisions).
//! * **Well mixed in the low bits**, which is what the table uses
//!   (`hash & mask`): the final folded multiply spreads every input bit to
//!   every output bit (tested for avalanche below).
//! * **Not cryptographic.** Like wyhash and foldhash, and unlike Redis's
//!   SipHash-1-2, it only resists hash flooding while the seed is secret: if
//!   an attacker can learn the seed, or observe enough bucket placements to
//!   recover keys, multicollisions can be built. The server must seed every
//!   table from a real random source at startup and never expose the seed.
//!   If that ever proves insufficient, only this file changes.
//! * **Not stable across versions**: never persist a hash value.

/// Fractional digits of pi, e, sqrt(2), sqrt(3) and the golden ratio: odd
/// "nothing up my sleeve" constants.
const C_PI: u64 = 0x243f_6a88_85a3_08d3;
const C_E: u64 = 0xb7e1_5162_8aed_2a6b;
const C_SQRT2: u64 = 0x6a09_e667_f3bc_c909;
const C_SQRT3: u64 = 0xbb67_ae85_84ca_a73b;
const C_PHI: u64 = 0x9e37_79b9_7f4a_7c15;

/// The folded multiply: high and low halves of the 128-bit product, XORed.
#[inline(always)]
fn fm(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

#[inline(always)]
fn r64(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn r32(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[i..i + 4]);
    u64::from(u32::from_le_bytes(w))
}

/// A seeded hasher for byte strings. Cheap to copy; construct once per
/// table. See the module docs for the algorithm and its properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyHasher {
    k0: u64,
    k1: u64,
    k2: u64,
}

impl KeyHasher {
    /// Derives the hasher's keys from `seed`. Any seed is fine, including
    /// 0; different seeds give unrelated hash functions.
    pub fn new(seed: u64) -> Self {
        let s = fm(seed ^ C_PI, C_PHI) ^ seed;
        let k0 = fm(s ^ C_E, C_SQRT3) | 1;
        let k1 = fm(k0 ^ C_SQRT2, C_PI ^ s) | 1;
        let k2 = fm(k1 ^ C_SQRT3, C_E ^ s.rotate_left(32)) | 1;
        KeyHasher { k0, k1, k2 }
    }

    /// Hashes `bytes` to 64 bits.
    #[inline]
    pub fn hash(&self, bytes: &[u8]) -> u64 {
        let len = bytes.len();
        let (a, b) = if len <= 16 {
            if len >= 8 {
                (r64(bytes, 0), r64(bytes, len - 8))
            } else if len >= 4 {
                (r32(bytes, 0), r32(bytes, len - 4))
            } else if len > 0 {
                let w = (u64::from(bytes[0]) << 16)
                    | (u64::from(bytes[len / 2]) << 8)
                    | u64::from(bytes[len - 1]);
                (w, 0)
            } else {
                (0, 0)
            }
        } else {
            self.long(bytes)
        };
        fm(fm(a ^ self.k0, b ^ self.k1) ^ len as u64, self.k2)
    }

    #[inline(never)]
    fn long(&self, bytes: &[u8]) -> (u64, u64) {
        let len = bytes.len();
        let mut acc = self.k2;
        let mut i = 0;
        while len - i > 16 {
            let m = fm(r64(bytes, i) ^ self.k0, r64(bytes, i + 8) ^ self.k1);
            acc = m.wrapping_add(acc.rotate_left(23));
            i += 16;
        }
        (r64(bytes, len - 16), r64(bytes, len - 8) ^ acc)
    }
}

#[cfg(test)]
mod tests {
    use super::KeyHasher;
    use std::collections::HashSet;

    /// xorshift64*, for test inputs only.
    fn rng(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    #[test]
    fn deterministic_and_seeded() {
        let a = KeyHasher::new(1);
        let b = KeyHasher::new(2);
        assert_eq!(a.hash(b"hello"), KeyHasher::new(1).hash(b"hello"));
        assert_ne!(a.hash(b"hello"), b.hash(b"hello"));
        assert_ne!(a.hash(b""), b.hash(b""));
    }

    #[test]
    fn lengths_are_distinguished() {
        let h = KeyHasher::new(7);
        // Same words, different lengths.
        let w = *b"abcdefgh";
        let mut sixteen = [0u8; 16];
        sixteen[..8].copy_from_slice(&w);
        let x = u64::from_le_bytes(w) ^ 24;
        sixteen[8..].copy_from_slice(&x.to_le_bytes());
        assert_ne!(h.hash(&w), h.hash(&sixteen));
        let mut seen = HashSet::new();
        for n in 0..64 {
            assert!(seen.insert(h.hash(&vec![0u8; n])), "zeros of length {n}");
        }
        for n in 1..64 {
            assert!(seen.insert(h.hash(&vec![b'a'; n])), "a x {n}");
        }
    }

    #[test]
    fn no_collisions_on_structured_keys() {
        let h = KeyHasher::new(0);
        let mut seen = HashSet::new();
        for i in 0..200_000u32 {
            assert!(seen.insert(h.hash(format!("key:{i}").as_bytes())));
        }
        for i in 0..200_000u32 {
            assert!(seen.insert(h.hash(&i.to_le_bytes())));
        }
    }

    /// Flipping any single input bit flips each output bit with probability
    /// close to 1/2, for every length class.
    #[test]
    fn avalanche() {
        let h = KeyHasher::new(0x1234);
        let mut st = 0x9e37_79b9_7f4a_7c15u64;
        for len in [1usize, 3, 4, 7, 8, 12, 16, 17, 31, 40, 64] {
            let mut flips = [0u32; 64];
            let mut trials = 0u32;
            for _ in 0..40 {
                let mut input: Vec<u8> = (0..len).map(|_| rng(&mut st) as u8).collect();
                let base = h.hash(&input);
                for bit in 0..len * 8 {
                    input[bit / 8] ^= 1 << (bit % 8);
                    let d = base ^ h.hash(&input);
                    input[bit / 8] ^= 1 << (bit % 8);
                    for (o, f) in flips.iter_mut().enumerate() {
                        *f += ((d >> o) & 1) as u32;
                    }
                    trials += 1;
                }
            }
            for (o, &f) in flips.iter().enumerate() {
                let p = f64::from(f) / f64::from(trials);
                assert!(
                    (0.40..=0.60).contains(&p),
                    "len {len}: output bit {o} flips with p={p:.3}"
                );
            }
        }
    }

    /// Sequential keys spread evenly over a power-of-two bucket count.
    #[test]
    fn low_bits_are_uniform() {
        let h = KeyHasher::new(99);
        let buckets = 1024usize;
        let n = buckets * 64;
        let mut counts = vec![0u32; buckets];
        for i in 0..n {
            let k = format!("user:{i:08}");
            counts[h.hash(k.as_bytes()) as usize & (buckets - 1)] += 1;
        }
        let expected = (n / buckets) as f64;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (f64::from(c) - expected).powi(2) / expected)
            .sum();
        // 1023 degrees of freedom: mean 1023, sd ~45. Allow 5 sd.
        assert!(chi2 < 1023.0 + 5.0 * 45.0, "chi2 = {chi2}");
    }
}
