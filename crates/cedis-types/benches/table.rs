//! `Table` against `std::collections::HashMap`, plus the bytes-per-entry
//! measurement.
//!
//! Run: `cargo bench -p cedis-types --bench table`. Single thread, no
//! pinning; keys are 16 bytes (`key:` + 12 digits), values 16 bytes. The
//! `Table` entry is a 40-byte struct holding key and value inline (the shape
//! the store's entry will have); the std reference is
//! `HashMap<Vec<u8>, [u8; 16]>` with its default SipHash-1-3 hasher, which is
//! what a naive keyspace would use.
//!
//! Before the criterion groups run, it prints `memory_usage() / len` and the
//! process RSS growth per entry at 1M entries, and the same just after the
//! bucket array doubles (2^20 + 1 entries, rehash in progress) and once
//! that rehash completes.

use std::collections::HashMap;
use std::hint::black_box;
use std::num::NonZeroU64;

use cedis_types::table::{Table, TableEntry};
use criterion::{criterion_group, BatchSize, Criterion};

/// 16-byte key + 16-byte value inline + 8 bytes of metadata (with a niche,
/// so `Option<E40>` is also 40 bytes).
struct E40 {
    key: [u8; 16],
    val: [u8; 16],
    meta: NonZeroU64,
}

impl TableEntry for E40 {
    fn key(&self) -> &[u8] {
        &self.key
    }
}

fn key(i: u64) -> [u8; 16] {
    let mut k = *b"key:000000000000";
    let digits = format!("{i:012}");
    k[4..].copy_from_slice(digits.as_bytes());
    k
}

fn e40(i: u64) -> E40 {
    E40 {
        key: key(i),
        val: [7; 16],
        meta: NonZeroU64::MIN,
    }
}

const N: u64 = 1_000_000;

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn build(n: u64) -> Table<E40> {
    let mut t = Table::with_seed(0x5eed);
    for i in 0..n {
        t.insert_new(e40(i));
    }
    t
}

fn report_memory() {
    assert_eq!(std::mem::size_of::<Option<E40>>(), 40);
    println!("== bytes per entry (E40: 40-byte entry, 16 B key + 16 B value inline)");
    let rss0 = rss_bytes();
    let mut t = build(N);
    while t.rehash_step(1000) {}
    let rss1 = rss_bytes();
    println!(
        "1M entries: memory_usage/len = {:.2} B, RSS growth/len = {:.2} B, buckets {:?}",
        t.memory_usage() as f64 / t.len() as f64,
        (rss1 - rss0) as f64 / t.len() as f64,
        t.bucket_counts(),
    );
    for i in N..(1 << 20) {
        t.insert_new(e40(i));
    }
    while t.rehash_step(1000) {}
    let before = t.memory_usage() as f64 / t.len() as f64;
    t.insert_new(e40(1 << 20));
    println!(
        "2^20 entries, table full: {:.2} B; after the doubling insert (rehashing, {:?} buckets): {:.2} B",
        before,
        t.bucket_counts(),
        t.memory_usage() as f64 / t.len() as f64,
    );
    while t.rehash_step(1000) {}
    println!(
        "2^20 + 1 entries, rehash done: {:.2} B",
        t.memory_usage() as f64 / t.len() as f64
    );
    drop(t);
    let rss0 = rss_bytes();
    let mut m: HashMap<Vec<u8>, [u8; 16]> = HashMap::new();
    for i in 0..N {
        m.insert(key(i).to_vec(), [7; 16]);
    }
    let rss1 = rss_bytes();
    println!(
        "std HashMap<Vec<u8>, [u8; 16]> 1M entries: RSS growth/len = {:.2} B",
        (rss1 - rss0) as f64 / m.len() as f64
    );
}

fn bench_insert(c: &mut Criterion) {
    // Keys are made up front: formatting them is not what we measure.
    let keys: Vec<[u8; 16]> = (0..N).map(key).collect();
    let ent = |k: &[u8; 16]| E40 {
        key: *k,
        val: [7; 16],
        meta: NonZeroU64::MIN,
    };
    let mut g = c.benchmark_group("insert_1m");
    g.sample_size(10);
    g.bench_function("table_insert_new", |b| {
        b.iter_with_large_drop(|| {
            let mut t = Table::with_seed(0x5eed);
            for k in &keys {
                t.insert_new(ent(k));
            }
            t
        })
    });
    g.bench_function("table_insert_new_reserved", |b| {
        b.iter_with_large_drop(|| {
            let mut t = Table::with_seed(0x5eed);
            t.reserve(keys.len());
            for k in &keys {
                t.insert_new(ent(k));
            }
            t
        })
    });
    g.bench_function("table_insert", |b| {
        b.iter_with_large_drop(|| {
            let mut t = Table::with_seed(0x5eed);
            for k in &keys {
                t.insert(ent(k));
            }
            t
        })
    });
    g.bench_function("std_hashmap", |b| {
        b.iter_with_large_drop(|| {
            let mut m: HashMap<Vec<u8>, [u8; 16]> = HashMap::new();
            for k in &keys {
                m.insert(k.to_vec(), [7; 16]);
            }
            m
        })
    });
    g.finish();
}

fn bench_get(c: &mut Criterion) {
    let t = {
        let mut t = build(N);
        while t.rehash_step(1000) {}
        t
    };
    let mut m: HashMap<Vec<u8>, [u8; 16]> = HashMap::new();
    for i in 0..N {
        m.insert(key(i).to_vec(), [7; 16]);
    }
    // 1024 pseudo-random keys per batch, spread over the whole table.
    let hits: Vec<[u8; 16]> = (0..1024u64)
        .map(|i| key(i.wrapping_mul(0x9e37_79b9) % N))
        .collect();
    let misses: Vec<[u8; 16]> = (0..1024u64).map(|i| key(N + i * 7919)).collect();
    let mut g = c.benchmark_group("get_1m_x1024");
    for (name, keys) in [("hit", &hits), ("miss", &misses)] {
        g.bench_function(format!("table_{name}"), |b| {
            b.iter(|| {
                let mut found = 0u32;
                for k in keys.iter() {
                    if let Some(e) = t.get(black_box(k)) {
                        found += u32::from(e.val[0]) + e.meta.get() as u32;
                    }
                }
                found
            })
        });
        g.bench_function(format!("std_hashmap_{name}"), |b| {
            b.iter(|| {
                let mut found = 0u32;
                for k in keys.iter() {
                    if let Some(v) = m.get(black_box(&k[..])) {
                        found += u32::from(v[0]);
                    }
                }
                found
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("churn_100k");
    g.sample_size(20);
    g.bench_function("table_remove_insert_x1024", |b| {
        b.iter_batched_ref(
            || build(100_000),
            |t| {
                for k in hits.iter() {
                    let mut kk = *k;
                    kk[4] = b'9';
                    t.insert(E40 {
                        key: kk,
                        val: [1; 16],
                        meta: NonZeroU64::MIN,
                    });
                    t.remove(&kk);
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_insert, bench_get);

fn main() {
    report_memory();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
