use super::*;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, PartialEq, Eq)]
struct Ent {
    key: Vec<u8>,
    val: u64,
}

impl TableEntry for Ent {
    fn key(&self) -> &[u8] {
        &self.key
    }
}

fn ent(k: impl AsRef<[u8]>, val: u64) -> Ent {
    Ent {
        key: k.as_ref().to_vec(),
        val,
    }
}

fn key(i: u64) -> Vec<u8> {
    format!("key:{i}").into_bytes()
}

/// xorshift64*: the tests' random source.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn finish_rehash<E: TableEntry>(t: &mut Table<E>) {
    while t.rehash_step(100) {}
}

#[test]
fn empty_table() {
    let mut t: Table<Ent> = Table::with_seed(1);
    assert!(t.is_empty());
    assert_eq!(t.get(b"x"), None);
    assert_eq!(t.find(b"x"), None);
    assert_eq!(t.remove(b"x"), None);
    assert_eq!(t.scan(0, |_, _| panic!()), 0);
    assert_eq!(t.random_id(&mut || 7), None);
    let mut out = vec![];
    assert_eq!(t.sample(5, &mut || 7, &mut out), 0);
    assert_eq!(t.entry_by_id(EntryId::from_u32(0)), None);
    assert_eq!(t.entry_by_id(EntryId::from_u32(u32::MAX)), None);
    assert_eq!(t.bucket_counts(), (0, 0));
    assert_eq!(
        t.stats().to_string(),
        "No stats available for empty dictionaries\n"
    );
    t.check_invariants();
}

#[test]
fn insert_get_replace_remove() {
    let mut t = Table::with_seed(2);
    let (a, old) = t.insert(ent("a", 1));
    assert_eq!(old, None);
    let (b, _) = t.insert(ent("b", 2));
    assert_ne!(a, b);
    assert_eq!(t.len(), 2);
    assert_eq!(t.get(b"a").unwrap().val, 1);
    // Replacing keeps the id.
    let (a2, old) = t.insert(ent("a", 10));
    assert_eq!(a2, a);
    assert_eq!(old, Some(ent("a", 1)));
    assert_eq!(t.len(), 2);
    assert_eq!(t.entry_by_id(a).unwrap().val, 10);
    t.get_mut(b"b").unwrap().val = 20;
    assert_eq!(t.get(b"b").unwrap().val, 20);
    t.entry_by_id_mut(b).unwrap().val = 21;
    assert_eq!(t.find(b"b"), Some(b));
    assert_eq!(t.remove(b"b"), Some(ent("b", 21)));
    assert_eq!(t.remove(b"b"), None);
    assert_eq!(t.entry_by_id(b), None);
    assert_eq!(t.remove_by_id(b), None);
    assert_eq!(t.remove_by_id(a), Some(ent("a", 10)));
    assert!(t.is_empty());
    t.check_invariants();
    // Empty and binary keys are ordinary keys.
    t.insert(ent("", 5));
    t.insert(ent([0u8, 255, 0], 6));
    assert_eq!(t.get(b"").unwrap().val, 5);
    assert_eq!(t.get(&[0u8, 255, 0]).unwrap().val, 6);
    t.check_invariants();
}

#[test]
fn hashed_api_matches() {
    let mut t = Table::with_seed(3);
    let h = t.hash_key(b"k");
    assert_eq!(t.find_hashed(h, b"k"), None);
    let id = t.insert_new_hashed(h, ent("k", 1));
    assert_eq!(t.find_hashed(h, b"k"), Some(id));
    assert_eq!(t.find(b"k"), Some(id));
}

#[test]
fn slots_are_reused_and_memory_stays_flat() {
    let mut t = Table::with_seed(4);
    for i in 0..10_000 {
        t.insert_new(ent(key(i), i));
    }
    let ids: Vec<_> = (0..10_000).map(|i| t.find(&key(i)).unwrap()).collect();
    let slots = t.stats().slab_slots;
    // Remove one and insert another: the freed slot is reused at once.
    let freed = t.find(&key(42)).unwrap();
    t.remove(&key(42));
    let new = t.insert_new(ent("fresh", 0));
    assert_eq!(new, freed);
    // Heavy churn at constant size never grows the slab.
    let mut rng = Rng(99);
    for round in 0..50_000u64 {
        let victim = key(rng.next() % 10_000);
        if t.remove(&victim).is_some() {
            t.insert_new(ent(format!("churn:{round}"), round));
        }
    }
    assert_eq!(t.stats().slab_slots, slots);
    assert_eq!(t.len(), 10_000);
    // Ids of untouched entries never changed across all the resizes.
    for (i, id) in ids.iter().enumerate() {
        if let Some(e) = t.get(&key(i as u64)) {
            assert_eq!(t.entry_by_id(*id), Some(e));
        }
    }
    t.check_invariants();
}

#[test]
fn grows_and_shrinks_like_redis() {
    let mut t = Table::with_seed(5);
    t.insert(ent(key(0), 0));
    assert_eq!(t.bucket_counts(), (4, 0));
    for i in 1..4 {
        t.insert(ent(key(i), i));
    }
    assert_eq!(t.bucket_counts(), (4, 0));
    // len == buckets: the next insert starts a doubling.
    t.insert(ent(key(4), 4));
    assert!(t.is_rehashing() || t.bucket_counts() == (8, 0));
    finish_rehash(&mut t);
    assert_eq!(t.bucket_counts(), (8, 0));
    for i in 5..1000 {
        t.insert(ent(key(i), i));
    }
    finish_rehash(&mut t);
    assert_eq!(t.bucket_counts(), (1024, 0));
    t.check_invariants();
    // Shrink once under 10% full: 103 * 10 >= 1024, 102 * 10 < 1024.
    for i in 103..1000 {
        t.remove(&key(i));
        t.check_invariants();
    }
    finish_rehash(&mut t);
    assert_eq!(t.bucket_counts(), (1024, 0));
    t.remove(&key(102));
    assert!(t.is_rehashing());
    finish_rehash(&mut t);
    assert_eq!(t.bucket_counts(), (128, 0));
    for i in 0..102 {
        assert_eq!(t.get(&key(i)).unwrap().val, i);
    }
    for i in 0..102 {
        t.remove(&key(i));
    }
    finish_rehash(&mut t);
    assert_eq!(t.bucket_counts(), (4, 0));
    assert!(t.is_empty());
    t.check_invariants();
}

#[test]
fn rehash_is_incremental_and_lookups_see_both_arrays() {
    let mut t = Table::with_seed(6);
    for i in 0..4096 {
        t.insert_new(ent(key(i), i));
    }
    finish_rehash(&mut t);
    assert_eq!(t.bucket_counts(), (4096, 0));
    t.insert_new(ent(key(4096), 4096));
    assert!(t.is_rehashing());
    assert_eq!(t.bucket_counts(), (4096, 8192));
    // One step at a time: lookups work in every intermediate state.
    let mut steps = 0;
    while t.rehash_step(1) {
        steps += 1;
        if steps % 257 == 0 {
            t.check_invariants();
            for i in (0..=4096).step_by(97) {
                assert_eq!(t.get(&key(i)).unwrap().val, i);
            }
        }
    }
    assert!(steps > 100, "rehash should take many small steps");
    assert_eq!(t.bucket_counts(), (8192, 0));
    assert!(!t.rehash_step(1));
    t.check_invariants();
}

#[test]
fn reserve_and_clear() {
    let mut t = Table::with_seed(7);
    t.reserve(1000);
    assert_eq!(t.bucket_counts(), (1024, 0));
    for i in 0..1000 {
        t.insert_new(ent(key(i), i));
    }
    assert!(!t.is_rehashing());
    assert_eq!(t.bucket_counts(), (1024, 0));
    t.clear();
    assert!(t.is_empty());
    assert_eq!(t.bucket_counts(), (0, 0));
    assert_eq!(t.iter().count(), 0);
    t.insert(ent("again", 1));
    assert_eq!(t.get(b"again").unwrap().val, 1);
    t.check_invariants();
}

#[test]
fn iter_visits_each_entry_once() {
    let mut t = Table::with_seed(8);
    for i in 0..5000 {
        t.insert_new(ent(key(i), i));
    }
    for i in (0..5000).step_by(3) {
        t.remove(&key(i));
    }
    let mut got: Vec<u64> = t.iter().map(|(_, e)| e.val).collect();
    got.sort_unstable();
    let want: Vec<u64> = (0..5000).filter(|i| i % 3 != 0).collect();
    assert_eq!(got, want);
    for (id, e) in t.iter() {
        assert_eq!(t.find(&e.key), Some(id));
    }
}

#[test]
fn small_table_memory_is_small() {
    let mut t = Table::with_seed(9);
    t.insert(ent("a", 1));
    // Header, 4 buckets, one chunk descriptor and a 4-slot first chunk.
    assert!(t.memory_usage() < 400, "{}", t.memory_usage());
}

/// Bytes per entry with a 40-byte entry that has a niche.
#[test]
fn bytes_per_entry_with_40_byte_entries() {
    #[derive(Debug)]
    struct E40 {
        key: [u8; 16],
        _val: [u8; 16],
        _meta: std::num::NonZeroU64,
    }
    impl TableEntry for E40 {
        fn key(&self) -> &[u8] {
            &self.key
        }
    }
    assert_eq!(std::mem::size_of::<Option<E40>>(), 40);
    let n = 100_000u64;
    let mut t = Table::with_seed(10);
    for i in 0..n {
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&i.to_le_bytes());
        t.insert_new(E40 {
            key,
            _val: [0; 16],
            _meta: std::num::NonZeroU64::MIN,
        });
    }
    finish_rehash(&mut t);
    let per = t.memory_usage() as f64 / n as f64;
    // 44 bytes of slab + 131072 * 4 / 100000 = 5.2 of buckets + chunk slack.
    assert!(per < 51.0, "{per} bytes per entry");
}

// ---- SCAN ---------------------------------------------------------------

fn full_scan(t: &Table<Ent>) -> Vec<u64> {
    let mut out = vec![];
    let mut cursor = 0;
    loop {
        cursor = t.scan(cursor, |_, e| out.push(e.val));
        if cursor == 0 {
            return out;
        }
    }
}

#[test]
fn scan_without_resize_returns_each_entry_once() {
    let mut t = Table::with_seed(11);
    for i in 0..3000 {
        t.insert_new(ent(key(i), i));
    }
    // Both while rehashing and after.
    for _ in 0..2 {
        let mut got = full_scan(&t);
        got.sort_unstable();
        if !t.is_rehashing() {
            assert_eq!(got, (0..3000).collect::<Vec<_>>());
        } else {
            got.dedup();
            assert_eq!(got.len(), 3000);
        }
        finish_rehash(&mut t);
    }
}

/// The SCAN guarantee under growth and shrinkage between calls: every entry
/// present for the whole iteration is returned at least once.
fn scan_under_resizes(seed: u64, stable: u64, churn_plan: &[i64]) {
    let mut t = Table::with_seed(seed);
    let mut rng = Rng(seed | 1);
    for i in 0..stable {
        t.insert_new(ent(format!("stable:{i}"), i));
    }
    let mut churn_next = 0u64;
    let mut churn_live: Vec<u64> = vec![];
    let mut seen = HashSet::new();
    let mut cursor = 0;
    let mut call = 0;
    loop {
        cursor = t.scan(cursor, |_, e| {
            if e.key.starts_with(b"stable:") {
                seen.insert(e.val);
            }
        });
        if cursor == 0 {
            break;
        }
        // Grow or shrink by the plan (for the first 64 calls only: a table
        // that grows forever can outrun any cursor), leaving rehashes half
        // done at times.
        let delta = if call < 64 {
            churn_plan[call % churn_plan.len()]
        } else {
            0
        };
        call += 1;
        if delta > 0 {
            for _ in 0..delta {
                t.insert_new(ent(format!("churn:{churn_next}"), churn_next));
                churn_live.push(churn_next);
                churn_next += 1;
            }
        } else {
            for _ in 0..(-delta) {
                if churn_live.is_empty() {
                    break;
                }
                let k = churn_live.swap_remove(rng.next() as usize % churn_live.len());
                assert!(t.remove(format!("churn:{k}").as_bytes()).is_some());
            }
        }
        match rng.next() % 3 {
            0 => finish_rehash(&mut t),
            1 => {
                t.rehash_step((rng.next() % 50) as usize);
            }
            _ => {}
        }
        assert!(call < 1_000_000, "scan does not terminate");
    }
    for i in 0..stable {
        assert!(seen.contains(&i), "stable:{i} missed (seed {seed})");
    }
}

#[test]
fn scan_survives_growth() {
    scan_under_resizes(1, 500, &[200, 50, 1000, 0]);
}

#[test]
fn scan_survives_shrinkage() {
    for seed in 2..6 {
        let mut t = Table::<Ent>::with_seed(seed);
        // Start big, with many churn entries that then go away.
        let mut seen = HashSet::new();
        for i in 0..20_000 {
            t.insert_new(ent(format!("churn:{i}"), i));
        }
        for i in 0..300 {
            t.insert_new(ent(format!("stable:{i}"), i));
        }
        finish_rehash(&mut t);
        let mut cursor = 0;
        let mut next_victim = 0;
        loop {
            cursor = t.scan(cursor, |_, e| {
                if e.key.starts_with(b"stable:") {
                    seen.insert(e.val);
                }
            });
            if cursor == 0 {
                break;
            }
            for _ in 0..700 {
                if next_victim < 20_000 {
                    t.remove(format!("churn:{next_victim}").as_bytes());
                    next_victim += 1;
                }
            }
            if seed % 2 == 0 {
                finish_rehash(&mut t);
            }
        }
        assert!(next_victim > 0);
        assert_eq!(seen.len(), 300, "seed {seed}");
    }
}

#[test]
fn scan_survives_growth_and_shrinkage() {
    for seed in 10..40 {
        scan_under_resizes(seed, 300, &[3000, -2900, 5000, -5000, 10, -10]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Random growth/shrink plans, random seeds, random rehash progress.
    #[test]
    fn scan_guarantee_holds_for_random_plans(
        seed in any::<u64>(),
        stable in 1u64..400,
        plan in prop::collection::vec(-3000i64..3000, 1..12),
    ) {
        scan_under_resizes(seed, stable, &plan);
    }
}

// ---- randomness -----------------------------------------------------------

#[test]
fn random_id_is_fair() {
    let mut t = Table::with_seed(12);
    let n = 200u64;
    for i in 0..n {
        t.insert_new(ent(key(i), i));
    }
    let mut rng = Rng(5);
    let mut counts = vec![0u32; n as usize];
    let draws = 200_000;
    for _ in 0..draws {
        let id = t.random_id(&mut || rng.next()).unwrap();
        counts[t.entry_by_id(id).unwrap().val as usize] += 1;
    }
    let expected = f64::from(draws) / n as f64;
    let chi2: f64 = counts
        .iter()
        .map(|&c| (f64::from(c) - expected).powi(2) / expected)
        .sum();
    // 199 degrees of freedom: mean 199, sd ~20.
    assert!(chi2 < 199.0 + 6.0 * 20.0, "chi2 = {chi2}");
}

#[test]
fn random_id_on_sparse_slab_and_during_rehash() {
    let mut t = Table::with_seed(13);
    for i in 0..10_000 {
        t.insert_new(ent(key(i), i));
    }
    // Leave 5 live entries in a 10000-slot slab (the fallback path).
    for i in 5..10_000 {
        t.remove(&key(i));
    }
    let mut rng = Rng(77);
    let mut seen = HashSet::new();
    for _ in 0..2000 {
        let id = t.random_id(&mut || rng.next()).unwrap();
        seen.insert(t.entry_by_id(id).unwrap().val);
    }
    assert_eq!(seen.len(), 5);
    // Mid-rehash.
    for i in 5..5000 {
        t.insert_new(ent(key(i), i));
    }
    assert!(t.is_rehashing() || t.len() == 5000);
    for _ in 0..1000 {
        let id = t.random_id(&mut || rng.next()).unwrap();
        assert!(t.entry_by_id(id).is_some());
    }
}

#[test]
fn sample_returns_distinct_live_ids() {
    let mut t = Table::with_seed(14);
    let mut rng = Rng(3);
    for i in 0..3000 {
        t.insert_new(ent(key(i), i));
    }
    for round in 0..200 {
        let mut out = vec![EntryId::from_u32(u32::MAX)];
        let got = t.sample(16, &mut || rng.next(), &mut out);
        assert_eq!(out.len(), got + 1, "appends");
        assert!(got > 0);
        let distinct: HashSet<_> = out[1..].iter().collect();
        assert_eq!(distinct.len(), got);
        for id in &out[1..] {
            assert!(t.entry_by_id(*id).is_some());
        }
        if round % 20 == 0 {
            t.insert_new(ent(format!("x{round}"), 0));
            t.rehash_step(3);
        }
    }
    let mut out = vec![];
    assert!(t.sample(1_000_000, &mut || rng.next(), &mut out) <= t.len());
}

#[test]
fn stats_render_like_htstats() {
    let mut t = Table::with_seed(15);
    for i in 0..100 {
        t.insert_new(ent(key(i), i));
    }
    let s = t.stats();
    assert_eq!(s.len, 100);
    let total: usize = s.arrays.iter().map(|a| a.entries).sum();
    assert_eq!(total, 100);
    let text = s.to_string();
    assert!(
        text.contains("Hash table 0 stats (main hash table):"),
        "{text}"
    );
    assert!(text.contains(" number of elements: "));
    assert!(text.contains("Chain length distribution:"));
}

// ---- model test -------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Insert(u16, u64),
    InsertNew(u16, u64),
    Remove(u16),
    RemoveById(u16),
    Get(u16),
    Mutate(u16, u64),
    RehashStep(u8),
    Scan,
    Random(u64),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    // Mostly a small keyspace (collisions, replaces); sometimes a wide one
    // (growth), with removals heavy enough to trigger shrinks.
    let k = prop_oneof![3 => 0u16..64, 1 => 0u16..2000];
    prop_oneof![
        20 => (k.clone(), any::<u64>()).prop_map(|(k, v)| Op::Insert(k, v)),
        10 => (k.clone(), any::<u64>()).prop_map(|(k, v)| Op::InsertNew(k, v)),
        15 => k.clone().prop_map(Op::Remove),
        5 => k.clone().prop_map(Op::RemoveById),
        10 => k.clone().prop_map(Op::Get),
        5 => (k, any::<u64>()).prop_map(|(k, v)| Op::Mutate(k, v)),
        5 => any::<u8>().prop_map(Op::RehashStep),
        1 => Just(Op::Scan),
        2 => any::<u64>().prop_map(Op::Random),
        1 => Just(Op::Clear),
    ]
}

fn mkey(k: u16) -> Vec<u8> {
    // Variable lengths, crossing the hash's 4/8/16-byte paths.
    let mut v = format!("k{k}").into_bytes();
    v.resize(1 + (k as usize * 7) % 40, b'.');
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn behaves_like_std_hashmap(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..400)) {
        let mut t: Table<Ent> = Table::with_seed(seed);
        let mut model: HashMap<Vec<u8>, u64> = HashMap::new();
        let mut ids: HashMap<Vec<u8>, EntryId> = HashMap::new();
        for op in ops {
            match op {
                Op::Insert(k, v) => {
                    let key = mkey(k);
                    let (id, old) = t.insert(ent(&key, v));
                    prop_assert_eq!(old.map(|e| e.val), model.insert(key.clone(), v));
                    if let Some(prev) = ids.insert(key, id) {
                        prop_assert_eq!(prev, id, "replace must keep the id");
                    }
                }
                Op::InsertNew(k, v) => {
                    let key = mkey(k);
                    if !model.contains_key(&key) {
                        let id = t.insert_new(ent(&key, v));
                        model.insert(key.clone(), v);
                        ids.insert(key, id);
                    }
                }
                Op::Remove(k) => {
                    let key = mkey(k);
                    prop_assert_eq!(t.remove(&key).map(|e| e.val), model.remove(&key));
                    ids.remove(&key);
                }
                Op::RemoveById(k) => {
                    let key = mkey(k);
                    if let Some(id) = ids.remove(&key) {
                        prop_assert_eq!(t.remove_by_id(id).map(|e| e.val), model.remove(&key));
                    }
                }
                Op::Get(k) => {
                    let key = mkey(k);
                    prop_assert_eq!(t.get(&key).map(|e| e.val), model.get(&key).copied());
                    prop_assert_eq!(t.find(&key), ids.get(&key).copied());
                }
                Op::Mutate(k, v) => {
                    let key = mkey(k);
                    match t.get_mut(&key) {
                        Some(e) => {
                            e.val = v;
                            model.insert(key, v);
                        }
                        None => prop_assert!(!model.contains_key(&key)),
                    }
                }
                Op::RehashStep(n) => {
                    t.rehash_step(n as usize);
                }
                Op::Scan => {
                    let mut got: Vec<Vec<u8>> = vec![];
                    let mut c = 0;
                    loop {
                        c = t.scan(c, |_, e| got.push(e.key.clone()));
                        if c == 0 { break; }
                    }
                    got.sort();
                    got.dedup();
                    let mut want: Vec<Vec<u8>> = model.keys().cloned().collect();
                    want.sort();
                    prop_assert_eq!(got, want);
                }
                Op::Random(s) => {
                    let mut rng = Rng(s | 1);
                    match t.random_id(&mut || rng.next()) {
                        Some(id) => {
                            let e = t.entry_by_id(id).unwrap();
                            prop_assert_eq!(model.get(&e.key), Some(&e.val));
                        }
                        None => prop_assert!(model.is_empty()),
                    }
                }
                Op::Clear => {
                    t.clear();
                    model.clear();
                    ids.clear();
                }
            }
            prop_assert_eq!(t.len(), model.len());
        }
        t.check_invariants();
        for (id, e) in t.iter() {
            prop_assert_eq!(model.get(&e.key), Some(&e.val));
            prop_assert_eq!(ids.get(&e.key), Some(&id));
        }
        prop_assert_eq!(t.iter().count(), model.len());
    }
}

#[test]
fn vacant_bytes_track_free_and_unused_slots() {
    let slot = std::mem::size_of::<Option<Ent>>() + 4;
    let mut t: Table<Ent> = Table::with_seed(1);
    assert_eq!(t.vacant_bytes(), 0);
    for i in 0..5 {
        t.insert(ent(key(i), i));
    }
    // The first chunk doubled 4 -> 8 slots: 3 never used.
    assert_eq!(t.vacant_bytes(), 3 * slot);
    for i in 5..5000 {
        t.insert(ent(key(i), i));
    }
    // A second full chunk: 4096 + 4096 slots for 5000 entries.
    assert_eq!(t.vacant_bytes(), (8192 - 5000) * slot);
    for i in 0..1000 {
        t.remove(&key(i));
    }
    assert_eq!(t.vacant_bytes(), (8192 - 4000) * slot);
    t.insert(ent(key(0), 0));
    assert_eq!(t.vacant_bytes(), (8192 - 4001) * slot);
}
