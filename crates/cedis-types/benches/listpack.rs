//! `Listpack` and `Intset`: the small-collection encodings.
//!
//! Run: `cargo bench -p cedis-types --bench listpack`. Single thread, no
//! pinning. The listpack cases are the common small shapes: a list of 128
//! entries of 10-byte strings (`item:00042`), and a hash of 64 fields
//! (`field:0042` -> 10-byte value) looked up by field. The intset holds 512
//! values (the default `set-max-intset-entries`). `VecDeque<Vec<u8>>` and
//! `BTreeSet<i64>` are the std references.
//!
//! Before the criterion groups run, it prints bytes per element.

use std::collections::{BTreeSet, VecDeque};
use std::hint::black_box;
use std::time::Duration;

use cedis_types::intset::Intset;
use cedis_types::listpack::{Listpack, LpValue};
use criterion::{criterion_group, BatchSize, Criterion};

fn item(i: usize) -> Vec<u8> {
    format!("item:{i:05}").into_bytes()
}

fn field(i: usize) -> Vec<u8> {
    format!("field:{i:04}").into_bytes()
}

fn list128() -> Listpack {
    (0..128).map(item).collect::<Vec<_>>().iter().collect()
}

fn hash64() -> Listpack {
    let mut lp = Listpack::new();
    for i in 0..64 {
        lp.push_back(&field(i));
        lp.push_back(&item(i));
    }
    lp
}

/// xorshift64*.
fn rng(mut s: u64) -> impl FnMut() -> u64 {
    move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn set512() -> Intset {
    let mut r = rng(7);
    let mut s = Intset::new();
    while s.len() < 512 {
        s.insert((r() % 30000) as i64);
    }
    s
}

fn report_memory() {
    let per = |lp: &Listpack| lp.bytes_len() as f64 / lp.len() as f64;
    println!(
        "listpack, 128 x 10-byte strings: {:.2} B/entry ({} bytes)",
        per(&list128()),
        list128().bytes_len()
    );
    let ints: Listpack = (0..128i64).collect();
    println!("listpack, 128 x ints 0..128: {:.2} B/entry", per(&ints));
    let ints: Listpack = (0..128i64).map(|i| i * 1000).collect();
    println!("listpack, 128 x ints 0..128000: {:.2} B/entry", per(&ints));
    let h = hash64();
    println!(
        "listpack, hash of 64 fields: {:.2} B/field+value pair",
        h.bytes_len() as f64 / 64.0
    );
    let s = set512();
    println!(
        "intset, 512 x i16: {:.2} B/element",
        s.bytes_len() as f64 / 512.0
    );
}

fn bench_listpack(c: &mut Criterion) {
    let mut g = c.benchmark_group("listpack_128");
    let items: Vec<Vec<u8>> = (0..128).map(item).collect();
    g.bench_function("push_back_x128_from_empty", |b| {
        b.iter(|| {
            let mut lp = Listpack::new();
            for it in &items {
                lp.push_back(it);
            }
            lp
        })
    });
    g.bench_function("vecdeque_push_back_x128_from_empty", |b| {
        b.iter(|| {
            let mut d = VecDeque::new();
            for it in &items {
                d.push_back(it.clone());
            }
            d
        })
    });
    g.bench_function("push_front_x128_from_empty", |b| {
        b.iter(|| {
            let mut lp = Listpack::new();
            for it in &items {
                lp.push_front(it);
            }
            lp
        })
    });
    let lp = list128();
    g.bench_function("get_index_32", |b| {
        b.iter(|| black_box(&lp).get(black_box(32)).map(|v| v.str_len()))
    });
    g.bench_function("get_index_64", |b| {
        b.iter(|| black_box(&lp).get(black_box(64)).map(|v| v.str_len()))
    });
    g.bench_function("iter_128", |b| {
        b.iter(|| black_box(&lp).iter().map(|v| v.str_len()).sum::<usize>())
    });
    g.bench_function("iter_rev_128", |b| {
        b.iter(|| {
            black_box(&lp)
                .iter()
                .rev()
                .map(|v| v.str_len())
                .sum::<usize>()
        })
    });
    g.bench_function("validate_128", |b| {
        b.iter(|| Listpack::validate(black_box(lp.as_bytes())))
    });
    g.bench_function("replace_index_64_same_size", |b| {
        let mut lp = list128();
        b.iter(|| {
            lp.seek_mut(black_box(64))
                .unwrap()
                .replace(&b"ITEM:00064"[..])
        })
    });
    g.bench_function("delete_and_reinsert_index_64", |b| {
        let mut lp = list128();
        b.iter(|| {
            lp.delete_range(black_box(64), 1);
            lp.insert(64, &b"item:00064"[..]);
        })
    });
    g.bench_function("pop_front_push_back", |b| {
        let mut lp = list128();
        b.iter(|| {
            lp.delete_range(0, 1);
            lp.push_back(&b"item:00128"[..]);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("listpack_hash_64");
    let h = hash64();
    let probes: Vec<Vec<u8>> = (0..64).map(field).collect();
    g.bench_function("hget_all_64_fields", |b| {
        b.iter(|| {
            let mut n = 0;
            for f in &probes {
                let v = h.find(f, 1).and_then(|c| c.next()).map(|c| c.value());
                n += v.map_or(0, |v: LpValue<'_>| v.str_len());
            }
            n
        })
    });
    g.bench_function("hget_miss", |b| {
        b.iter(|| h.find(black_box(&b"field:9999"[..]), 1).is_some())
    });
    g.bench_function("hset_existing_field_new_value", |b| {
        b.iter_batched_ref(
            hash64,
            |h| {
                for (i, f) in probes.iter().enumerate() {
                    let mut c = h.find_mut(f, 1).unwrap();
                    c.move_next();
                    c.replace(i as i64);
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn bench_intset(c: &mut Criterion) {
    let mut g = c.benchmark_group("intset_512");
    let s = set512();
    let bt: BTreeSet<i64> = s.iter().collect();
    let probes: Vec<i64> = {
        let mut r = rng(9);
        (0..512).map(|_| (r() % 30000) as i64).collect()
    };
    g.bench_function("contains_x512", |b| {
        b.iter(|| probes.iter().filter(|&&p| s.contains(p)).count())
    });
    g.bench_function("btreeset_contains_x512", |b| {
        b.iter(|| probes.iter().filter(|&&p| bt.contains(&p)).count())
    });
    g.bench_function("insert_x512_from_empty", |b| {
        b.iter(|| {
            let mut s = Intset::new();
            for &p in &probes {
                s.insert(p);
            }
            s
        })
    });
    g.bench_function("btreeset_insert_x512_from_empty", |b| {
        b.iter(|| {
            let mut s = BTreeSet::new();
            for &p in &probes {
                s.insert(p);
            }
            s
        })
    });
    g.bench_function("remove_insert", |b| {
        let mut s = set512();
        let x = s.get(256).unwrap();
        b.iter(|| {
            s.remove(black_box(x));
            s.insert(black_box(x));
        })
    });
    g.bench_function("iter_512", |b| b.iter(|| black_box(&s).iter().sum::<i64>()));
    g.bench_function("validate_512", |b| {
        b.iter(|| Intset::validate(black_box(s.as_bytes())))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = bench_listpack, bench_intset
}

fn main() {
    report_memory();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
