use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn text(s: f64) -> Vec<u8> {
    let mut buf = ScoreBuf::default();
    encode_score(s, &mut buf).to_vec()
}

#[test]
fn scores_are_written_as_redis_writes_them() {
    // Texts read back with ZSCORE / found in DUMP payloads of
    // redis-server 7.0.15.
    let cases: &[(f64, &str)] = &[
        (1.0, "1"),
        (-0.0, "0"),
        (1.5, "1.5"),
        (0.1, "0.10000000000000001"),
        (-2.25, "-2.25"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (1e20, "1e+20"),
        (1e18, "1000000000000000000"),
        (9e18, "9e+18"),
        (-9e18, "-9e+18"),
        (1e300, "1.0000000000000001e+300"),
        (1e-300, "1e-300"),
        (5e-324, "4.9406564584124654e-324"),
        (2.5e-5, "2.5000000000000001e-05"),
        (123.456, "123.456"),
        (0.0001, "0.0001"),
        (4_611_686_018_427_387_904.0, "4611686018427387904"),
        (4_611_686_018_427_388_928.0, "4.6116860184273889e+18"),
        (-4_611_686_018_427_388_928.0, "-4.6116860184273889e+18"),
        (123_456_789_012_345_678.0, "123456789012345680"),
    ];
    for &(s, want) in cases {
        assert_eq!(text(s), want.as_bytes(), "score {s:e}");
    }
    let mut buf = ScoreBuf::default();
    assert_eq!(encode_score(-0.0, &mut buf), LpValue::Int(0));
    assert_eq!(encode_score(-5000.0, &mut buf), LpValue::Int(-5000));
}

#[test]
fn pairs_walk_both_ways_and_from_ranks() {
    let mut z = ZListpack::new();
    for (m, s) in [(&b"c"[..], 3.0), (b"a", 1.0), (b"b", 2.5), (b"10", 2.5)] {
        z.insert(m, s);
    }
    let fwd: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
    let want = vec![
        (b"a".to_vec(), 1.0),
        (b"10".to_vec(), 2.5),
        (b"b".to_vec(), 2.5),
        (b"c".to_vec(), 3.0),
    ];
    assert_eq!(fwd, want);
    let rev: Vec<Vec<u8>> = z.iter().rev().map(|(m, _)| m.to_vec()).collect();
    assert_eq!(rev, [&b"c"[..], b"b", b"10", b"a"]);
    assert_eq!(
        z.iter_from(2).map(|(m, _)| m.to_vec()).collect::<Vec<_>>(),
        [&b"b"[..], b"c"]
    );
    assert_eq!(
        z.iter_to(1)
            .rev()
            .map(|(m, _)| m.to_vec())
            .collect::<Vec<_>>(),
        [&b"10"[..], b"a"]
    );
    assert_eq!(z.iter_from(4).count(), 0);
    assert_eq!(z.iter_to(4).count(), 0);
    assert_eq!(z.rank(b"b"), Some(2));
    assert_eq!(z.rank(b"zz"), None);
    assert_eq!(z.score(b"10"), Some(2.5));
    assert!(z.update(b"a", 9.0));
    assert!(!z.update(b"a", 9.0));
    assert_eq!(z.rank(b"a"), Some(3));
    assert_eq!(z.remove(b"10"), Some(2.5));
    assert_eq!(z.remove(b"10"), None);
    assert_eq!(z.delete_ranks(0, 5), 3);
    assert_eq!(z.len(), 0);
    assert_eq!(z.as_listpack().as_bytes(), &[7, 0, 0, 0, 0, 0, 0xFF]);
}

#[derive(Debug, Clone)]
enum Op {
    Set(u8, f64),
    Remove(u8),
    DeleteRanks(usize, usize),
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-20i64..20).prop_map(|i| i as f64),
        (-20i64..20).prop_map(|i| i as f64 / 8.0),
        any::<f64>().prop_filter("not NaN", |f| !f.is_nan()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), score()).prop_map(|(m, s)| Op::Set(m % 40, s)),
        2 => any::<u8>().prop_map(|m| Op::Remove(m % 40)),
        1 => (0usize..30, 0usize..4).prop_map(|(a, n)| Op::DeleteRanks(a, n)),
    ]
}

fn member(i: u8) -> Vec<u8> {
    // A mix of integer-looking and textual members.
    if i % 3 == 0 {
        format!("{}", i as i32 * 37 - 500).into_bytes()
    } else {
        format!("m{i}").into_bytes()
    }
}

proptest! {
    /// Random inserts, updates and deletes agree with a model, scores
    /// round-trip (with -0 read back as 0), and the bytes are those of a
    /// listpack built from the model's pairs in order.
    #[test]
    fn agrees_with_a_model(ops in proptest::collection::vec(op(), 1..120)) {
        let mut z = ZListpack::new();
        let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Set(i, s) => {
                    let m = member(i);
                    let s = if s == 0.0 { 0.0 } else { s };
                    if model.contains_key(&m) {
                        z.update(&m, s);
                    } else {
                        z.insert(&m, s);
                    }
                    model.insert(m, s);
                }
                Op::Remove(i) => {
                    let m = member(i);
                    prop_assert_eq!(z.remove(&m), model.remove(&m));
                }
                Op::DeleteRanks(a, n) => {
                    let mut sorted: Vec<_> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
                    sorted.sort_by(|x, y| x.1.partial_cmp(&y.1).unwrap().then(x.0.cmp(&y.0)));
                    let gone: Vec<_> = sorted.iter().skip(a).take(n).collect();
                    prop_assert_eq!(z.delete_ranks(a, n), gone.len());
                    for (m, _) in gone {
                        model.remove(m);
                    }
                }
            }
            prop_assert_eq!(z.len(), model.len());
        }
        let mut sorted: Vec<_> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
        sorted.sort_by(|x, y| x.1.partial_cmp(&y.1).unwrap().then(x.0.cmp(&y.0)));
        let got: Vec<_> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        prop_assert_eq!(&got, &sorted);
        let mut built = ZListpack::new();
        for (m, s) in &sorted {
            built.push_back(m, *s);
            prop_assert_eq!(z.score(m), Some(*s));
        }
        prop_assert_eq!(built.as_listpack().as_bytes(), z.as_listpack().as_bytes());
    }

    /// The `%.17g` text agrees with the reply formatter of `cedis-resp`.
    #[test]
    fn score_text_agrees_with_the_reply_formatter(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        let mut buf = ScoreBuf::default();
        write_g17(v, &mut buf);
        let want = cedis_resp::double_to_string(v);
        prop_assert_eq!(&buf.bytes[..buf.len], want.as_bytes());
    }

    /// Every non-NaN score reads back as the same double.
    #[test]
    fn scores_round_trip(s in any::<f64>().prop_filter("not NaN", |f| !f.is_nan())) {
        let mut buf = ScoreBuf::default();
        let back = decode_score(encode_score(s, &mut buf));
        prop_assert!(back == s);
        prop_assert_eq!(back.is_sign_negative(), s.is_sign_negative() && s != 0.0);
    }
}
