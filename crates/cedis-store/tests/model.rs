//! Model-based tests of the collection commands through the store's public
//! API: random operation sequences on hashes, sets and lists are applied
//! both to a [`Store`] and to a std model (`BTreeMap`, `BTreeSet`,
//! `VecDeque`), with conversion thresholds small enough that every run
//! crosses them. After each step the replies, the contents and the
//! encoding (`OBJECT ENCODING`) must agree with the model, whose encoding
//! rules are Redis 7.0's (checked against redis-server 7.0.15): hashes
//! convert to `hashtable` when a field or value written (by HSET or
//! HINCRBY) is longer than `hash-max-listpack-value` or when
//! they outgrow `hash-max-listpack-entries`; sets leave `intset` for the
//! first non-integer member or past `set-max-intset-entries`; neither
//! converts back; emptied collections are deleted (and start compact again).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use cedis_store::list::End;
use cedis_store::{Status, Store};
use proptest::prelude::*;

const KEY: &[u8] = b"k";

fn store() -> Store {
    let mut s = Store::new(1);
    s.config.hash_max_listpack_entries = 4;
    s.config.hash_max_listpack_value = 8;
    s.config.set_max_intset_entries = 4;
    s
}

fn encoding(s: &mut Store) -> Option<&'static str> {
    s.object_encoding(0, KEY)
}

// ---- hashes ---------------------------------------------------------------

#[derive(Debug, Clone)]
enum HashOp {
    Set(Vec<(Vec<u8>, Vec<u8>)>),
    Del(Vec<Vec<u8>>),
    IncrBy(Vec<u8>, i64),
    Get(Vec<u8>),
}

fn field() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => (0..8u8).prop_map(|i| format!("f{i}").into_bytes()),
        1 => Just(b"a-long-field-name".to_vec()),
    ]
}

fn hash_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (-50i64..50).prop_map(|n| n.to_string().into_bytes()),
        3 => "[a-z]{0,6}".prop_map(String::into_bytes),
        1 => "[a-z]{9,20}".prop_map(String::into_bytes),
        1 => Just(i64::MAX.to_string().into_bytes()),
    ]
}

fn hash_op() -> impl Strategy<Value = HashOp> {
    prop_oneof![
        4 => prop::collection::vec((field(), hash_value()), 1..4).prop_map(HashOp::Set),
        2 => prop::collection::vec(field(), 1..3).prop_map(HashOp::Del),
        2 => (field(), prop_oneof![-20i64..20, Just(123_456_789_012)])
            .prop_map(|(f, n)| HashOp::IncrBy(f, n)),
        1 => field().prop_map(HashOp::Get),
    ]
}

#[derive(Default)]
struct HashModel {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    table: bool,
}

impl HashModel {
    const ENTRIES: usize = 4;
    const VALUE: usize = 8;

    fn grew(&mut self) {
        if self.map.len() > Self::ENTRIES {
            self.table = true;
        }
    }

    fn removed(&mut self) {
        if self.map.is_empty() {
            self.table = false;
        }
    }

    fn encoding(&self) -> Option<&'static str> {
        match (self.map.is_empty(), self.table) {
            (true, _) => None,
            (false, true) => Some("hashtable"),
            (false, false) => Some("listpack"),
        }
    }
}

proptest! {
    #[test]
    fn hashes_follow_a_btreemap(ops in prop::collection::vec(hash_op(), 1..60)) {
        let mut s = store();
        let mut m = HashModel::default();
        for op in ops {
            match op {
                HashOp::Set(pairs) => {
                    let args: Vec<&[u8]> =
                        pairs.iter().flat_map(|(f, v)| [&f[..], &v[..]]).collect();
                    let added = s.hash_set(0, KEY, &args).unwrap();
                    // HSET checks every argument's length before writing.
                    if args.iter().any(|a| a.len() > HashModel::VALUE) {
                        m.table = true;
                    }
                    let mut expect = 0;
                    for (f, v) in pairs {
                        expect += usize::from(m.map.insert(f, v).is_none());
                    }
                    m.grew();
                    prop_assert_eq!(added, expect);
                }
                HashOp::Del(fields) => {
                    let removed = s.hash_del(0, KEY, &fields).unwrap();
                    let expect = fields.iter().filter(|f| m.map.remove(*f).is_some()).count();
                    m.removed();
                    prop_assert_eq!(removed, expect);
                }
                HashOp::IncrBy(f, by) => {
                    let got = s.hash_incr_by(0, KEY, &f, by);
                    let current = m.map.get(&f).map(|v| std::str::from_utf8(v).ok()
                        .and_then(|t| t.parse::<i64>().ok()));
                    match current {
                        Some(None) => prop_assert!(got.is_err(), "not an integer"),
                        old => match old.flatten().unwrap_or(0).checked_add(by) {
                            None => prop_assert!(got.is_err(), "overflow"),
                            Some(n) => {
                                prop_assert_eq!(got.ok(), Some(n));
                                let v = n.to_string().into_bytes();
                                if f.len().max(v.len()) > HashModel::VALUE {
                                    m.table = true;
                                }
                                m.map.insert(f, v);
                                m.grew();
                            }
                        },
                    }
                }
                HashOp::Get(f) => {
                    prop_assert_eq!(s.hash_get(0, KEY, &f).unwrap(), m.map.get(&f).cloned());
                }
            }
            prop_assert_eq!(s.hash_len(0, KEY).unwrap(), m.map.len());
            let mut all = s.hash_get_all(0, KEY).unwrap();
            all.sort();
            let want: Vec<(Vec<u8>, Vec<u8>)> = m.map.clone().into_iter().collect();
            prop_assert_eq!(all, want);
            prop_assert_eq!(encoding(&mut s), m.encoding());
        }
    }
}

// ---- sets -------------------------------------------------------------------

#[derive(Debug, Clone)]
enum SetOp {
    Add(Vec<Vec<u8>>),
    Rem(Vec<Vec<u8>>),
    Pop(Option<usize>),
    IsMember(Vec<u8>),
}

fn member() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => (-8i64..8).prop_map(|n| n.to_string().into_bytes()),
        1 => Just(i64::MIN.to_string().into_bytes()),
        2 => "[a-d]{1,2}".prop_map(String::into_bytes),
    ]
}

fn set_op() -> impl Strategy<Value = SetOp> {
    prop_oneof![
        4 => prop::collection::vec(member(), 1..4).prop_map(SetOp::Add),
        2 => prop::collection::vec(member(), 1..3).prop_map(SetOp::Rem),
        1 => prop::option::of(0..4usize).prop_map(SetOp::Pop),
        1 => member().prop_map(SetOp::IsMember),
    ]
}

fn is_int(m: &[u8]) -> bool {
    std::str::from_utf8(m)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .is_some_and(|n| n.to_string().as_bytes() == m)
}

proptest! {
    #[test]
    fn sets_follow_a_btreeset(ops in prop::collection::vec(set_op(), 1..60)) {
        const MAX_INTSET: usize = 4;
        let mut s = store();
        let mut m: BTreeSet<Vec<u8>> = BTreeSet::new();
        let mut table = false;
        for op in ops {
            match op {
                SetOp::Add(members) => {
                    let added = s.set_add(0, KEY, &members).unwrap();
                    let mut expect = 0;
                    for x in members {
                        table |= !is_int(&x);
                        expect += usize::from(m.insert(x));
                    }
                    table |= m.len() > MAX_INTSET;
                    prop_assert_eq!(added, expect);
                }
                SetOp::Rem(members) => {
                    let removed = s.set_rem(0, KEY, &members).unwrap();
                    let expect = members.iter().filter(|x| m.remove(*x)).count();
                    prop_assert_eq!(removed, expect);
                }
                SetOp::Pop(count) => {
                    let popped = s.set_pop(0, KEY, count).unwrap().unwrap_or_default();
                    let want = match count {
                        None => usize::from(!m.is_empty()),
                        Some(n) => n.min(m.len()),
                    };
                    prop_assert_eq!(popped.len(), want);
                    let distinct: BTreeSet<_> = popped.iter().collect();
                    prop_assert_eq!(distinct.len(), popped.len());
                    for x in &popped {
                        prop_assert!(m.remove(x), "popped a non-member");
                    }
                }
                SetOp::IsMember(x) => {
                    prop_assert_eq!(s.set_is_member(0, KEY, &[&x]).unwrap(), vec![m.contains(&x)]);
                }
            }
            if m.is_empty() {
                table = false;
            }
            prop_assert_eq!(s.set_card(0, KEY).unwrap(), m.len());
            let want = match (m.is_empty(), table) {
                (true, _) => None,
                (false, true) => Some("hashtable"),
                (false, false) => Some("intset"),
            };
            prop_assert_eq!(encoding(&mut s), want);
        }
    }
}

// ---- lists ------------------------------------------------------------------

#[derive(Debug, Clone)]
enum ListOp {
    Push(bool, Vec<Vec<u8>>),
    Pop(bool, usize),
    Set(i64, Vec<u8>),
    Insert(bool, Vec<u8>, Vec<u8>),
    Rem(i64, Vec<u8>),
    Trim(i64, i64),
}

fn elem() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => (0..6i64).prop_map(|n| n.to_string().into_bytes()),
        2 => "[a-c]{1,3}".prop_map(String::into_bytes),
        1 => "[x-z]{40,90}".prop_map(String::into_bytes),
    ]
}

fn list_op() -> impl Strategy<Value = ListOp> {
    prop_oneof![
        4 => (any::<bool>(), prop::collection::vec(elem(), 1..5))
            .prop_map(|(l, e)| ListOp::Push(l, e)),
        2 => (any::<bool>(), 1..4usize).prop_map(|(l, n)| ListOp::Pop(l, n)),
        1 => (-12i64..12, elem()).prop_map(|(i, e)| ListOp::Set(i, e)),
        1 => (any::<bool>(), elem(), elem()).prop_map(|(a, p, e)| ListOp::Insert(a, p, e)),
        1 => (-2i64..3, elem()).prop_map(|(c, e)| ListOp::Rem(c, e)),
        1 => (-12i64..12, -12i64..12).prop_map(|(a, b)| ListOp::Trim(a, b)),
    ]
}

/// A Redis index (negative from the tail) into a list of `len`.
fn index(i: i64, len: usize) -> Option<usize> {
    let i = if i < 0 { i + len as i64 } else { i };
    (0..len as i64).contains(&i).then_some(i as usize)
}

fn model_trim(m: &mut VecDeque<Vec<u8>>, start: i64, stop: i64) {
    let len = m.len() as i64;
    let s = if start < 0 {
        (start + len).max(0)
    } else {
        start
    };
    let e = if stop < 0 {
        stop + len
    } else {
        stop.min(len - 1)
    };
    if s > e || s >= len {
        m.clear();
    } else {
        m.truncate(e as usize + 1);
        m.drain(..s as usize);
    }
}

fn model_rem(m: &mut VecDeque<Vec<u8>>, count: i64, x: &[u8]) -> usize {
    let limit = if count == 0 {
        usize::MAX
    } else {
        count.unsigned_abs() as usize
    };
    let positions: Vec<usize> = if count < 0 {
        (0..m.len())
            .rev()
            .filter(|&i| m[i] == x)
            .take(limit)
            .collect()
    } else {
        (0..m.len()).filter(|&i| m[i] == x).take(limit).collect()
    };
    let mut sorted = positions.clone();
    sorted.sort_unstable();
    for i in sorted.into_iter().rev() {
        m.remove(i);
    }
    positions.len()
}

proptest! {
    #[test]
    fn lists_follow_a_vecdeque(
        fill in prop_oneof![Just(-1i32), Just(3), Just(5)],
        depth in 0u32..2,
        // Plain-node threshold (DEBUG QUICKLIST-PACKED-THRESHOLD): the
        // 1 GiB default, or low enough that plain and listpack nodes mix.
        packed_threshold in prop_oneof![Just(1usize << 30), Just(2), Just(50)],
        ops in prop::collection::vec(list_op(), 1..60),
    ) {
        let mut s = store();
        s.config.list_max_listpack_size = fill;
        s.config.list_compress_depth = depth;
        s.config.list_packed_threshold = packed_threshold;
        let mut m: VecDeque<Vec<u8>> = VecDeque::new();
        for op in ops {
            match op {
                ListOp::Push(left, elems) => {
                    let end = if left { End::Left } else { End::Right };
                    let len = s.list_push(0, KEY, end, &elems, false).unwrap();
                    for e in elems {
                        if left { m.push_front(e) } else { m.push_back(e) }
                    }
                    prop_assert_eq!(len, m.len());
                }
                ListOp::Pop(left, n) => {
                    let end = if left { End::Left } else { End::Right };
                    let got = s.list_pop(0, KEY, end, n).unwrap().unwrap_or_default();
                    let want: Vec<Vec<u8>> = (0..n)
                        .map_while(|_| if left { m.pop_front() } else { m.pop_back() })
                        .collect();
                    prop_assert_eq!(got, want);
                }
                ListOp::Set(i, e) => {
                    let got = s.list_set(0, KEY, i, &e);
                    match (m.is_empty(), index(i, m.len())) {
                        (true, _) => prop_assert_eq!(got, Err(Status::NoSuchKey)),
                        (false, None) => prop_assert_eq!(got, Ok(false)),
                        (false, Some(j)) => {
                            prop_assert_eq!(got, Ok(true));
                            m[j] = e;
                        }
                    }
                }
                ListOp::Insert(after, pivot, e) => {
                    let got = s.list_insert(0, KEY, after, &pivot, &e).unwrap();
                    let want = match m.iter().position(|x| *x == pivot) {
                        _ if m.is_empty() => 0,
                        None => -1,
                        Some(j) => {
                            m.insert(j + usize::from(after), e);
                            m.len() as i64
                        }
                    };
                    prop_assert_eq!(got, want);
                }
                ListOp::Rem(count, e) => {
                    let got = s.list_rem(0, KEY, count, &e).unwrap();
                    prop_assert_eq!(got, model_rem(&mut m, count, &e));
                }
                ListOp::Trim(a, b) => {
                    s.list_trim(0, KEY, a, b).unwrap();
                    model_trim(&mut m, a, b);
                }
            }
            prop_assert_eq!(s.list_len(0, KEY).unwrap(), m.len());
            let all = s.list_range(0, KEY, 0, -1).unwrap();
            prop_assert_eq!(&all, &Vec::from(m.clone()));
            let want = if m.is_empty() { None } else { Some("quicklist") };
            prop_assert_eq!(encoding(&mut s), want);
        }
    }
}
