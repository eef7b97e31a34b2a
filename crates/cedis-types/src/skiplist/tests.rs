use super::*;
use proptest::prelude::*;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

/// A score ordered as Redis compares them (`-0.0 == 0.0`; NaN never
/// stored).
#[derive(Clone, Copy, Debug)]
struct OrdScore(f64);

impl PartialEq for OrdScore {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl Eq for OrdScore {}
impl PartialOrd for OrdScore {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for OrdScore {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.partial_cmp(&o.0).expect("no NaN")
    }
}

/// The model: a `BTreeMap` ordered by (score, member) plus the exact
/// score of each member (bits included, for `-0`).
#[derive(Default)]
struct Model {
    order: BTreeMap<(OrdScore, Vec<u8>), ()>,
    scores: HashMap<Vec<u8>, f64>,
}

type Items = Vec<(Vec<u8>, f64)>;

impl Model {
    fn insert(&mut self, m: &[u8], s: f64) -> bool {
        if self.scores.contains_key(m) {
            self.update(m, s);
            return false;
        }
        self.order.insert((OrdScore(s), m.to_vec()), ());
        self.scores.insert(m.to_vec(), s);
        true
    }

    fn update(&mut self, m: &[u8], s: f64) -> Option<f64> {
        let old = *self.scores.get(m)?;
        if s != old {
            self.order.remove(&(OrdScore(old), m.to_vec()));
            self.order.insert((OrdScore(s), m.to_vec()), ());
            self.scores.insert(m.to_vec(), s);
        }
        Some(old)
    }

    fn remove(&mut self, m: &[u8]) -> bool {
        match self.scores.remove(m) {
            Some(s) => {
                self.order.remove(&(OrdScore(s), m.to_vec()));
                true
            }
            None => false,
        }
    }

    fn items(&self) -> Items {
        self.order
            .keys()
            .map(|(_, m)| (m.clone(), self.scores[m]))
            .collect()
    }

    fn all_scores_equal(&self) -> bool {
        let mut it = self.scores.values();
        match it.next() {
            Some(&first) => it.all(|&s| s == first),
            None => true,
        }
    }
}

/// Items with scores as bits, so `-0.0` and `0.0` differ.
fn bits(items: impl IntoIterator<Item = (Vec<u8>, f64)>) -> Vec<(Vec<u8>, u64)> {
    items.into_iter().map(|(m, s)| (m, s.to_bits())).collect()
}

fn owned<'a>(it: impl Iterator<Item = (&'a [u8], f64)>) -> Items {
    it.map(|(m, s)| (m.to_vec(), s)).collect()
}

fn in_score(s: f64, min: &ScoreBound, max: &ScoreBound) -> bool {
    (if min.exclusive {
        s > min.value
    } else {
        s >= min.value
    }) && (if max.exclusive {
        s < max.value
    } else {
        s <= max.value
    })
}

fn in_lex(m: &[u8], min: &LexBound<'_>, max: &LexBound<'_>) -> bool {
    let lo = match *min {
        LexBound::Min => true,
        LexBound::Max => false,
        LexBound::Inclusive(b) => m >= b,
        LexBound::Exclusive(b) => m > b,
    };
    let hi = match *max {
        LexBound::Min => false,
        LexBound::Max => true,
        LexBound::Inclusive(b) => m <= b,
        LexBound::Exclusive(b) => m < b,
    };
    lo && hi
}

fn sample(z: &ZSet) -> Items {
    owned(z.iter())
}

// ---- Redis's ordering edge cases (checked on redis-server 7.0.15) ----------

/// `ZADD z 0 a -0 b` on a skiplist-encoded zset: equal scores, ordered by
/// member; `ZSCORE z b` is `-0`; `ZADD z -0 a` changes nothing (`ZSCORE z a`
/// stays `0`); `ZINCRBY z -0 c` on a new member gives `-0`; `1 + -1` is
/// `0`.
#[test]
fn negative_zero_is_an_equal_score_that_is_kept() {
    let mut z = ZSet::new(1);
    assert!(z.insert(b"a", 0.0));
    assert!(z.insert(b"b", -0.0));
    assert_eq!(
        bits(sample(&z)),
        bits(vec![(b"a".to_vec(), 0.0), (b"b".to_vec(), -0.0)])
    );
    assert_eq!(z.score(b"b").unwrap().to_bits(), (-0.0f64).to_bits());
    assert!(!z.insert(b"a", -0.0));
    assert_eq!(z.score(b"a").unwrap().to_bits(), 0.0f64.to_bits());
    assert_eq!(z.incr(b"c", -0.0).unwrap().to_bits(), (-0.0f64).to_bits());
    z.insert(b"d", 1.0);
    assert_eq!(z.incr(b"d", -1.0).unwrap().to_bits(), 0.0f64.to_bits());
    // ZRANGEBYSCORE z 0 0 and (-0 1 treat -0 as 0.
    let zero = ScoreBound::inclusive(0.0);
    assert_eq!(z.count_in_score_range(zero, zero), 4);
    assert_eq!(
        z.count_in_score_range(ScoreBound::exclusive(-0.0), ScoreBound::inclusive(1.0)),
        0
    );
    z.check_invariants();
}

/// `ZADD s -inf x 1 y +inf w 1 a -0 n 0 m`, then the `ZRANGEBYSCORE` /
/// `ZCOUNT` replies of redis-server 7.0.15.
#[test]
fn score_ranges_match_redis() {
    let mut z = ZSet::new(2);
    let inf = f64::INFINITY;
    for (m, s) in [
        ("x", -inf),
        ("y", 1.0),
        ("w", inf),
        ("a", 1.0),
        ("n", -0.0),
        ("m", 0.0),
    ] {
        z.insert(m.as_bytes(), s);
    }
    let inc = ScoreBound::inclusive;
    let exc = ScoreBound::exclusive;
    let cases: Vec<(ScoreBound, ScoreBound, &[&str])> = vec![
        (exc(-inf), inc(inf), &["m", "n", "a", "y", "w"]),
        (inc(-inf), exc(-inf), &[]),
        (inc(-inf), inc(-inf), &["x"]),
        (inc(inf), inc(inf), &["w"]),
        (exc(1.0), inc(inf), &["w"]),
        (inc(1.0), inc(1.0), &["a", "y"]),
        (exc(1.0), inc(1.0), &[]),
        (inc(0.0), inc(0.0), &["m", "n"]),
        (exc(0.0), inc(1.0), &["a", "y"]),
        (inc(-inf), exc(0.0), &["x"]),
        (exc(-0.0), inc(1.0), &["a", "y"]),
    ];
    for (min, max, want) in cases {
        let got: Vec<&[u8]> = z.range_by_score(min, max).map(|(m, _)| m).collect();
        let want: Vec<&[u8]> = want.iter().map(|s| s.as_bytes()).collect();
        assert_eq!(got, want, "{min:?} {max:?}");
        assert_eq!(z.count_in_score_range(min, max), want.len());
        let rev: Vec<&[u8]> = z.rev_range_by_score(min, max).map(|(m, _)| m).collect();
        assert_eq!(rev, want.iter().rev().copied().collect::<Vec<_>>());
    }
    assert_eq!(z.rank(b"x", true), Some(5));
    assert_eq!(z.rank(b"m", false), Some(1));
    assert_eq!(z.delete_range_by_score(exc(0.0), inc(1.0)), 2);
    let popped = z.pop_max(2);
    assert_eq!(
        bits(popped),
        bits(vec![(b"w".to_vec(), inf), (b"n".to_vec(), -0.0)])
    );
    assert_eq!(z.incr(b"w", -inf), Ok(-inf));
    assert_eq!(z.incr(b"w", inf), Err(NanScore));
    assert_eq!(z.score(b"w"), Some(-inf));
    z.check_invariants();
}

/// `ZADD z 0 a 0 b -0 c 0 d 0 e 0 ""`, then the `ZRANGEBYLEX` / `ZLEXCOUNT`
/// replies of redis-server 7.0.15.
#[test]
fn lex_ranges_match_redis() {
    let mut z = ZSet::new(3);
    for (m, s) in [
        ("a", 0.0),
        ("b", 0.0),
        ("c", -0.0),
        ("d", 0.0),
        ("e", 0.0),
        ("", 0.0),
    ] {
        z.insert(m.as_bytes(), s);
    }
    use LexBound::{Exclusive as X, Inclusive as I, Max, Min};
    let cases: Vec<(LexBound<'_>, LexBound<'_>, &[&str])> = vec![
        (I(b"b"), X(b"d"), &["b", "c"]),
        (Min, Max, &["", "a", "b", "c", "d", "e"]),
        (Max, Min, &[]),
        (I(b"c"), I(b"c"), &["c"]),
        (X(b"c"), X(b"c"), &[]),
        (X(b"c"), I(b"c"), &[]),
        (I(b""), X(b"b"), &["", "a"]),
        (X(b"a"), Max, &["b", "c", "d", "e"]),
        (Min, I(b""), &[""]),
        (Min, X(b"a"), &[""]),
    ];
    for (min, max, want) in cases {
        let got: Vec<&[u8]> = z.range_by_lex(min, max).map(|(m, _)| m).collect();
        let want: Vec<&[u8]> = want.iter().map(|s| s.as_bytes()).collect();
        assert_eq!(got, want, "{min:?} {max:?}");
        assert_eq!(z.count_in_lex_range(min, max), want.len());
        let rev: Vec<&[u8]> = z.rev_range_by_lex(min, max).map(|(m, _)| m).collect();
        assert_eq!(rev, want.iter().rev().copied().collect::<Vec<_>>());
    }
    assert_eq!(z.delete_range_by_lex(X(b"a"), I(b"d")), 3);
    assert_eq!(owned(z.iter()).len(), 3);
    z.check_invariants();
}

#[test]
#[should_panic(expected = "NaN score")]
fn nan_is_refused() {
    ZSet::new(0).insert(b"a", f64::NAN);
}

#[test]
fn long_members_and_reuse() {
    let mut z = ZSet::new(4);
    let long = |i: u32| format!("a member longer than twenty-two bytes #{i}").into_bytes();
    for i in 0..500 {
        z.insert(&long(i), f64::from(i % 17));
        z.insert(format!("s{i}").as_bytes(), f64::from(i % 13));
    }
    z.check_invariants();
    let (slots, upper) = (z.nodes.stats().slab_slots, z.upper.len());
    for i in 0..500 {
        assert!(z.remove(&long(i)));
    }
    z.check_invariants();
    for i in 0..500 {
        z.insert(&long(i), -f64::from(i));
    }
    z.check_invariants();
    assert_eq!(z.nodes.stats().slab_slots, slots, "node slots are reused");
    assert!(z.upper.len() < upper + 100, "upper blocks are reused");
    assert_eq!(z.rank(&long(499), false), Some(0));
    assert_eq!(z.pop_min(1)[0].0, long(499));
    let n = z.len();
    assert_eq!(z.delete_range_by_rank(0, usize::MAX), n);
    assert!(z.is_empty());
    assert!(z.memory_usage() < 1024, "emptied set releases its memory");
    z.check_invariants();
}

#[test]
fn levels_have_p_one_quarter() {
    let mut z = ZSet::new(9);
    let mut counts = [0usize; MAX_LEVEL + 1];
    for _ in 0..400_000 {
        counts[random_level(z.next_random())] += 1;
    }
    // 3/4 at level 1, 3/16 at level 2, 3/64 at level 3.
    let frac = |l: usize| counts[l] as f64 / 400_000.0;
    assert!((frac(1) - 0.75).abs() < 0.01);
    assert!((frac(2) - 0.1875).abs() < 0.01);
    assert!((frac(3) - 0.046_875).abs() < 0.005);
    assert_eq!(random_level(0), MAX_LEVEL);
    assert_eq!(random_level(1), 1);
    assert_eq!(random_level(4), 2);
}

#[test]
fn random_member_is_uniform() {
    let mut z = ZSet::new(5);
    for i in 0..50 {
        z.insert(format!("m{i}").as_bytes(), f64::from(i));
    }
    let mut counts = vec![0u32; 50];
    let mut x = 0x1234_5678u64;
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let (_, s) = z.random_member(x).unwrap();
        counts[s as usize] += 1;
    }
    assert!(
        counts.iter().all(|&c| (1700..2300).contains(&c)),
        "{counts:?}"
    );
    assert_eq!(ZSet::new(0).random_member(7), None);
}

#[test]
fn iterators_from_ranks() {
    let mut z = ZSet::new(6);
    for i in 0..100 {
        z.insert(format!("m{i:03}").as_bytes(), f64::from(i / 10));
    }
    let all = sample(&z);
    for r in [0, 1, 37, 99, 100, 150] {
        assert_eq!(owned(z.iter_from(r)), all[r.min(100)..].to_vec());
        let mut want: Items = all[..(r + 1).min(100)].to_vec();
        want.reverse();
        assert_eq!(owned(z.rev_iter_from(r)), want);
        assert_eq!(z.iter_from(r).len(), 100 - r.min(100));
    }
    assert_eq!(z.get_by_rank(42).unwrap().0, b"m042");
    assert_eq!(z.get_by_rank(100), None);
    assert_eq!(ZSet::new(0).rev_iter_from(3).count(), 0);
}

// ---- the model test --------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, f64),
    Update(u8, f64),
    Incr(u8, f64),
    Remove(u8),
    Query(u8),
    ByRank(usize),
    IterFrom(usize, bool),
    ScoreRange(ScoreBound, ScoreBound, bool),
    DelScore(ScoreBound, ScoreBound),
    LexRange(u8, u8, u8, u8, bool),
    DelLex(u8, u8, u8, u8),
    DelRank(usize, usize),
    PopMin(usize),
    PopMax(usize),
    Random(u64),
    Clear,
}

const MEMBERS: u8 = 40;

fn member(i: u8) -> Vec<u8> {
    match i {
        1 => Vec::new(),
        i if i % 7 == 0 => format!("member {i} longer than the inline 22 bytes").into_bytes(),
        i => format!("m{i:02}").into_bytes(),
    }
}

/// A lex bound from a kind (0 `-`, 1 `+`, 2 `[`, 3 `(`) and a member
/// index (the odd ones are not members: they fall between members).
fn lex_bound(kind: u8, i: u8, buf: &mut Vec<u8>) -> LexBound<'_> {
    *buf = member(i / 2);
    if i % 2 == 1 {
        buf.push(b'!');
    }
    match kind % 6 {
        0 => LexBound::Min,
        1 => LexBound::Max,
        2 | 4 => LexBound::Inclusive(buf),
        _ => LexBound::Exclusive(buf),
    }
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            f64::NEG_INFINITY,
            f64::INFINITY,
            -0.0,
            0.0,
            0.5,
            -2.25,
            1e300
        ]),
        (-6i32..6).prop_map(f64::from),
        (-1000.0f64..1000.0),
    ]
}

fn bound() -> impl Strategy<Value = ScoreBound> {
    (score(), any::<bool>()).prop_map(|(value, exclusive)| ScoreBound { value, exclusive })
}

fn op() -> impl Strategy<Value = Op> {
    let m = 0..MEMBERS;
    let lb = (0u8..6, 0..MEMBERS * 2);
    prop_oneof![
        100 => (m.clone(), score()).prop_map(|(m, s)| Op::Insert(m, s)),
        30 => (m.clone(), score()).prop_map(|(m, s)| Op::Update(m, s)),
        30 => (m.clone(), score()).prop_map(|(m, s)| Op::Incr(m, s)),
        40 => m.clone().prop_map(Op::Remove),
        30 => m.clone().prop_map(Op::Query),
        20 => (0usize..45).prop_map(Op::ByRank),
        20 => (0usize..45, any::<bool>()).prop_map(|(r, rev)| Op::IterFrom(r, rev)),
        40 => (bound(), bound(), any::<bool>()).prop_map(|(a, b, r)| Op::ScoreRange(a, b, r)),
        10 => (bound(), bound()).prop_map(|(a, b)| Op::DelScore(a, b)),
        40 => (lb.clone(), lb.clone(), any::<bool>())
            .prop_map(|((k1, i1), (k2, i2), r)| Op::LexRange(k1, i1, k2, i2, r)),
        10 => (lb.clone(), lb).prop_map(|((k1, i1), (k2, i2))| Op::DelLex(k1, i1, k2, i2)),
        10 => (0usize..45, 0usize..50).prop_map(|(a, b)| Op::DelRank(a, b)),
        10 => (0usize..4).prop_map(Op::PopMin),
        10 => (0usize..4).prop_map(Op::PopMax),
        10 => any::<u64>().prop_map(Op::Random),
        // Rare: empties the set, which resets the arena.
        1 => Just(Op::Clear),
    ]
}

fn run(seed: u64, ops: Vec<Op>, uniform: bool) -> Result<(), TestCaseError> {
    let mut z = ZSet::new(seed);
    let mut model = Model::default();
    // With `uniform`, every score is 0 or -0 (equal scores: lex ranges
    // are meaningful throughout).
    let fix = |s: f64| {
        if uniform {
            if s.is_sign_negative() {
                -0.0
            } else {
                0.0
            }
        } else {
            s
        }
    };
    for op in ops {
        match op {
            Op::Insert(m, s) => {
                let (m, s) = (member(m), fix(s));
                prop_assert_eq!(z.insert(&m, s), model.insert(&m, s));
            }
            Op::Update(m, s) => {
                let (m, s) = (member(m), fix(s));
                let got = z.update_score(&m, s).map(f64::to_bits);
                prop_assert_eq!(got, model.update(&m, s).map(f64::to_bits));
            }
            Op::Incr(m, by) => {
                let (m, by) = (member(m), fix(by));
                let want = match model.scores.get(&m) {
                    Some(old) => old + by,
                    None => by,
                };
                let got = z.incr(&m, by);
                if want.is_nan() {
                    prop_assert_eq!(got, Err(NanScore));
                } else {
                    prop_assert_eq!(got.map(f64::to_bits), Ok(want.to_bits()));
                    model.insert(&m, want);
                }
            }
            Op::Remove(m) => {
                let m = member(m);
                prop_assert_eq!(z.remove(&m), model.remove(&m));
            }
            Op::Query(m) => {
                let m = member(m);
                let items = model.items();
                let pos = items.iter().position(|(x, _)| *x == m);
                prop_assert_eq!(
                    z.score(&m).map(f64::to_bits),
                    model.scores.get(&m).map(|s| s.to_bits())
                );
                prop_assert_eq!(z.contains(&m), pos.is_some());
                prop_assert_eq!(z.rank(&m, false), pos);
                prop_assert_eq!(z.rank(&m, true), pos.map(|p| items.len() - 1 - p));
            }
            Op::ByRank(r) => {
                let items = model.items();
                let got = z.get_by_rank(r).map(|(m, s)| (m.to_vec(), s.to_bits()));
                prop_assert_eq!(got, items.get(r).map(|(m, s)| (m.clone(), s.to_bits())));
            }
            Op::IterFrom(r, rev) => {
                let items = model.items();
                if rev {
                    let mut want: Items = items[..(r + 1).min(items.len())].to_vec();
                    want.reverse();
                    prop_assert_eq!(bits(owned(z.rev_iter_from(r))), bits(want));
                } else {
                    let want = items[r.min(items.len())..].to_vec();
                    prop_assert_eq!(bits(owned(z.iter_from(r))), bits(want));
                }
            }
            Op::ScoreRange(min, max, rev) => {
                let items = model.items();
                let ranks: Vec<usize> = (0..items.len())
                    .filter(|&i| in_score(items[i].1, &min, &max))
                    .collect();
                let want: Items = ranks.iter().map(|&i| items[i].clone()).collect();
                prop_assert_eq!(z.count_in_score_range(min, max), want.len());
                prop_assert_eq!(z.first_in_score_range(min, max), ranks.first().copied());
                prop_assert_eq!(z.last_in_score_range(min, max), ranks.last().copied());
                if rev {
                    let mut want = want;
                    want.reverse();
                    prop_assert_eq!(bits(owned(z.rev_range_by_score(min, max))), bits(want));
                } else {
                    prop_assert_eq!(bits(owned(z.range_by_score(min, max))), bits(want));
                }
            }
            Op::DelScore(min, max) => {
                let doomed: Vec<Vec<u8>> = model
                    .items()
                    .into_iter()
                    .filter(|(_, s)| in_score(*s, &min, &max))
                    .map(|(m, _)| m)
                    .collect();
                prop_assert_eq!(z.delete_range_by_score(min, max), doomed.len());
                for m in doomed {
                    model.remove(&m);
                }
            }
            Op::LexRange(k1, i1, k2, i2, rev) => {
                if !model.all_scores_equal() {
                    continue;
                }
                let (mut b1, mut b2) = (Vec::new(), Vec::new());
                let (min, max) = (lex_bound(k1, i1, &mut b1), lex_bound(k2, i2, &mut b2));
                let items = model.items();
                let ranks: Vec<usize> = (0..items.len())
                    .filter(|&i| in_lex(&items[i].0, &min, &max))
                    .collect();
                let want: Items = ranks.iter().map(|&i| items[i].clone()).collect();
                prop_assert_eq!(z.count_in_lex_range(min, max), want.len());
                prop_assert_eq!(z.first_in_lex_range(min, max), ranks.first().copied());
                prop_assert_eq!(z.last_in_lex_range(min, max), ranks.last().copied());
                if rev {
                    let mut want = want;
                    want.reverse();
                    prop_assert_eq!(bits(owned(z.rev_range_by_lex(min, max))), bits(want));
                } else {
                    prop_assert_eq!(bits(owned(z.range_by_lex(min, max))), bits(want));
                }
            }
            Op::DelLex(k1, i1, k2, i2) => {
                if !model.all_scores_equal() {
                    continue;
                }
                let (mut b1, mut b2) = (Vec::new(), Vec::new());
                let (min, max) = (lex_bound(k1, i1, &mut b1), lex_bound(k2, i2, &mut b2));
                let doomed: Vec<Vec<u8>> = model
                    .items()
                    .into_iter()
                    .filter(|(m, _)| in_lex(m, &min, &max))
                    .map(|(m, _)| m)
                    .collect();
                prop_assert_eq!(z.delete_range_by_lex(min, max), doomed.len());
                for m in doomed {
                    model.remove(&m);
                }
            }
            Op::DelRank(a, b) => {
                let items = model.items();
                let doomed: Vec<Vec<u8>> = items
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i >= a && *i <= b)
                    .map(|(_, (m, _))| m.clone())
                    .collect();
                prop_assert_eq!(z.delete_range_by_rank(a, b), doomed.len());
                for m in doomed {
                    model.remove(&m);
                }
            }
            Op::PopMin(n) => {
                let want: Items = model.items().into_iter().take(n).collect();
                for (m, _) in &want {
                    model.remove(m);
                }
                prop_assert_eq!(bits(z.pop_min(n)), bits(want));
            }
            Op::PopMax(n) => {
                let want: Items = model.items().into_iter().rev().take(n).collect();
                for (m, _) in &want {
                    model.remove(m);
                }
                prop_assert_eq!(bits(z.pop_max(n)), bits(want));
            }
            Op::Random(r) => {
                let items = model.items();
                let got = z.random_member(r).map(|(m, s)| (m.to_vec(), s.to_bits()));
                let want = (!items.is_empty()).then(|| {
                    let (m, s) = &items[((u128::from(r) * items.len() as u128) >> 64) as usize];
                    (m.clone(), s.to_bits())
                });
                prop_assert_eq!(got, want);
            }
            Op::Clear => {
                z.clear();
                model = Model::default();
            }
        }
        z.check_invariants();
        prop_assert_eq!(z.len(), model.scores.len());
        prop_assert_eq!(bits(sample(&z)), bits(model.items()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]
    #[test]
    fn behaves_like_a_btreemap_model(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..300)) {
        run(seed, ops, false)?;
    }

    /// All scores 0 or -0, so lex ranges are checked at every step.
    #[test]
    fn lex_ranges_behave_like_the_model(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..300)) {
        run(seed, ops, true)?;
    }
}

// ---- memory and speed --------------------------------------------------

/// Resident set size in bytes (Linux), for the memory measurement.
fn rss() -> Option<usize> {
    let s = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = s.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Bytes per element and ns per operation at 1M members `member:<i>` with
/// random scores. Run with `cargo test --release -p cedis-types --lib
/// skiplist::tests::memory_and_speed_1m -- --ignored --nocapture`.
#[test]
#[ignore]
fn memory_and_speed_1m() {
    use std::hint::black_box;
    use std::time::Instant;
    const N: u32 = 1_000_000;
    let mut x = 0x9E37_79B9u64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let scores: Vec<f64> = (0..N)
        .map(|_| (rnd() >> 11) as f64 / (1u64 << 53) as f64 * 1e6)
        .collect();
    let members: Vec<Vec<u8>> = (0..N).map(|i| format!("member:{i}").into_bytes()).collect();
    let before = rss();
    let mut z = ZSet::new(42);
    let t = Instant::now();
    for (m, &s) in members.iter().zip(&scores) {
        z.insert(m, s);
    }
    let insert = t.elapsed();
    let after = rss();
    println!(
        "skiplist: {} elements, memory_usage {:.1} B/element, RSS growth {} B/element, {} upper links, level {}",
        z.len(),
        z.memory_usage() as f64 / f64::from(N),
        match (before, after) {
            (Some(b), Some(a)) => format!("{:.1}", (a - b) as f64 / f64::from(N)),
            _ => "?".into(),
        },
        z.upper.len(),
        z.level
    );
    let t = Instant::now();
    let mut sum = 0.0;
    for m in &members {
        sum += z.score(black_box(m)).unwrap();
    }
    let score = t.elapsed();
    black_box(sum);
    let t = Instant::now();
    let mut rs = 0usize;
    for m in members.iter().step_by(4) {
        rs += z.rank(black_box(m), false).unwrap();
    }
    let rank = t.elapsed() * 4;
    black_box(rs);
    let t = Instant::now();
    for i in (0..N as usize).step_by(4) {
        black_box(z.get_by_rank(i));
    }
    let by_rank = t.elapsed() * 4;
    let t = Instant::now();
    let min = ScoreBound::inclusive(250_000.0);
    let max = ScoreBound::inclusive(250_100.0);
    let mut c = 0;
    for _ in 0..100_000 {
        c += z.range_by_score(black_box(min), max).count();
    }
    let range = t.elapsed();
    black_box(c);
    let t = Instant::now();
    for (m, s) in members.iter().zip(&scores).step_by(4) {
        z.update_score(m, s + 1.0);
    }
    let update = t.elapsed() * 4;
    let t = Instant::now();
    for m in &members {
        assert!(z.remove(black_box(m)));
    }
    let remove = t.elapsed();
    let per = |d: std::time::Duration| d.as_nanos() as f64 / f64::from(N);
    println!(
        "skiplist ns/op: insert {:.0}, score {:.0}, rank {:.0}, get_by_rank {:.0}, update_score(+1) {:.0}, remove {:.0}; range_by_score of ~100 elements {:.0} ns",
        per(insert),
        per(score),
        per(rank),
        per(by_rank),
        per(update),
        per(remove),
        range.as_nanos() as f64 / 100_000.0
    );
    assert!(z.is_empty());
}

/// The member table keeps growing (its incremental rehash advances on
/// inserts), so lookups stay O(1).
#[test]
fn member_table_keeps_short_chains() {
    let mut z = ZSet::new(42);
    let mut x = 0x9E37_79B9u64;
    for i in 0..30_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        z.insert(format!("member:{i}").as_bytes(), (x >> 11) as f64);
    }
    let stats = z.nodes.stats();
    assert!(stats.arrays.iter().all(|a| a.max_chain < 16), "{stats}");
    assert!(stats.arrays.iter().map(|a| a.buckets).max().unwrap() >= 16_384);
}

#[test]
fn node_is_48_bytes_and_link_20() {
    assert_eq!(std::mem::size_of::<Member>(), 24);
    assert_eq!(std::mem::size_of::<Option<Node>>(), 48);
    assert_eq!(std::mem::size_of::<Link>(), 20);
}

/// The upper links' copies of the next node's score and upper offset stay
/// exact (`check_invariants` compares them) through inserts, removals,
/// score changes in place (tiny steps that keep a node between its
/// neighbours, including on nodes of high level, whose incoming links
/// must all be rewritten), moves, `-0`/`0` flips, and range deletions, on
/// a set large enough for many levels.
#[test]
fn cached_link_scores_follow_every_change() {
    let mut z = ZSet::new(77);
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let name = |i: u64| format!("m{i}").into_bytes();
    for i in 0..4000u64 {
        z.insert(&name(i), (rnd() % 1_000_000) as f64 / 1000.0);
    }
    z.check_invariants();
    assert!(z.level >= 5, "level {}", z.level);
    let mut in_place = 0;
    for round in 0..40_000u32 {
        let m = name(rnd() % 4500);
        match rnd() % 8 {
            0 => {
                z.remove(&m);
            }
            1 => {
                z.insert(&m, (rnd() % 1_000_000) as f64 / 1000.0);
            }
            2 => {
                if let Some(s) = z.score(&m) {
                    let flipped = if s == 0.0 { -s } else { 0.0 };
                    z.update_score(&m, flipped);
                }
            }
            _ => {
                // A tiny step: usually stays in place (scores are mostly
                // distinct, ~4 per unit).
                if let Some(s) = z.score(&m) {
                    let r = z.rank(&m, false).unwrap();
                    z.update_score(&m, s + 1e-9);
                    in_place += usize::from(z.rank(&m, false) == Some(r));
                }
            }
        }
        if round % 10_000 == 9_999 {
            let lo = (rnd() % 1000) as f64;
            z.delete_range_by_score(ScoreBound::inclusive(lo), ScoreBound::inclusive(lo + 2.0));
            z.delete_range_by_rank(100, 120);
        }
        if round % 1000 == 0 {
            z.check_invariants();
        }
    }
    z.check_invariants();
    assert!(in_place > 10_000, "{in_place} in-place updates");
    // Every link above level 0 agrees with its target, checked directly.
    for l in 1..z.level {
        let mut xu = HEAD;
        loop {
            let link = z.ulink(xu, l);
            if link.fwd == NIL {
                break;
            }
            let n = z.node(link.fwd);
            assert_eq!(link.score.to_bits(), n.score.to_bits());
            assert_eq!(link.fwd_upper, n.upper);
            xu = link.fwd_upper;
        }
    }
}
