//! Hash values: `listpack` while small, a `Table` of fields beyond
//! `hash-max-listpack-entries` / `hash-max-listpack-value`, converting
//! exactly when redis-server 7.0 converts.

use cedis_types::glob::glob_match;
use cedis_types::listpack::Listpack;
use cedis_types::long_double::{hincr_by_float, IncrFloatError};
use cedis_types::table::{Table, TableEntry};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::entry::Entry;
use crate::events::class;
use crate::value::{parse_i64, Value};
use crate::{Result, Status, Store};

/// One field of a hashtable-encoded hash: the field and its value in one
/// allocation.
#[derive(Debug, Clone)]
pub struct HashField {
    /// `field ++ value`.
    buf: Box<[u8]>,
    /// Length of the field prefix.
    field_len: u32,
}

impl HashField {
    /// A field and its value.
    pub fn new(field: &[u8], value: &[u8]) -> HashField {
        let mut buf = Vec::with_capacity(field.len() + value.len());
        buf.extend_from_slice(field);
        buf.extend_from_slice(value);
        HashField {
            buf: buf.into_boxed_slice(),
            field_len: field.len() as u32,
        }
    }

    /// The value.
    pub fn value(&self) -> &[u8] {
        &self.buf[self.field_len as usize..]
    }
}

impl TableEntry for HashField {
    fn key(&self) -> &[u8] {
        &self.buf[..self.field_len as usize]
    }
}

/// A hash value.
#[derive(Debug, Clone)]
pub enum HashValue {
    /// `listpack`: field, value, field, value, ...
    Listpack(Listpack),
    /// `hashtable`.
    Table(Box<Table<HashField>>),
}

impl HashValue {
    /// `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            HashValue::Listpack(_) => "listpack",
            HashValue::Table(_) => "hashtable",
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            HashValue::Listpack(lp) => lp.len() / 2,
            HashValue::Table(t) => t.len(),
        }
    }

    /// True when there are no fields (empty hashes are deleted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            HashValue::Listpack(lp) => lp.heap_bytes(),
            HashValue::Table(t) => {
                std::mem::size_of::<Table<HashField>>()
                    + t.memory_usage()
                    + t.iter().map(|(_, f)| f.buf.len()).sum::<usize>()
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Encoding-level operations.

/// Field-value pairs as owned bytes.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// The conversion thresholds (`hash-max-listpack-entries`,
/// `hash-max-listpack-value`).
#[derive(Debug, Clone, Copy)]
pub struct HashLimits {
    /// Most fields a listpack hash holds.
    pub max_entries: usize,
    /// Longest field or value a listpack hash holds.
    pub max_value: usize,
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Listpack(Listpack::new())
    }
}

impl HashValue {
    /// An empty `listpack` hash.
    pub fn new() -> HashValue {
        HashValue::default()
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<Vec<u8>> {
        match self {
            HashValue::Listpack(lp) => lp.find(field, 1)?.next().map(|c| c.value().to_vec()),
            HashValue::Table(t) => t.get(field).map(|f| f.value().to_vec()),
        }
    }

    /// Length of the value of `field` (HSTRLEN).
    pub fn value_len(&self, field: &[u8]) -> Option<usize> {
        match self {
            HashValue::Listpack(lp) => lp.find(field, 1)?.next().map(|c| c.value().str_len()),
            HashValue::Table(t) => t.get(field).map(|f| f.value().len()),
        }
    }

    /// Whether `field` is present.
    pub fn contains(&self, field: &[u8]) -> bool {
        match self {
            HashValue::Listpack(lp) => lp.find(field, 1).is_some(),
            HashValue::Table(t) => t.get(field).is_some(),
        }
    }

    /// Calls `f` for every field and value, in the encoding's order.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        match self {
            HashValue::Listpack(lp) => {
                let mut it = lp.iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    k.with_bytes(|k| v.with_bytes(|v| f(k, v)));
                }
            }
            HashValue::Table(t) => {
                for (_, e) in t.iter() {
                    f(e.key(), e.value());
                }
            }
        }
    }

    /// Every field and value, in the encoding's order.
    pub fn pairs(&self) -> Pairs {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(|k, v| out.push((k.to_vec(), v.to_vec())));
        out
    }

    /// Every pair sorted by field: a digest-friendly walk, independent of
    /// the encoding and of the table's iteration order.
    pub fn sorted_pairs(&self) -> Pairs {
        let mut p = self.pairs();
        p.sort_unstable();
        p
    }

    /// Converts to `hashtable` (never back, as Redis).
    pub fn convert_to_table(&mut self) {
        if let HashValue::Listpack(lp) = self {
            let mut t = Table::with_seed(rand::random());
            let mut it = lp.iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                k.with_bytes(|k| v.with_bytes(|v| t.insert(HashField::new(k, v))));
            }
            *self = HashValue::Table(Box::new(t));
        }
    }

    /// Converts before a write of `args` (fields and values) if any is
    /// longer than the listpack limit or the listpack would grow unsafe
    /// (as Redis's `hashTypeTryConversion`).
    pub fn try_conversion<A: AsRef<[u8]>>(&mut self, args: &[A], limits: HashLimits) {
        let HashValue::Listpack(lp) = self else {
            return;
        };
        let mut sum = 0usize;
        for a in args {
            let len = a.as_ref().len();
            if len > limits.max_value {
                self.convert_to_table();
                return;
            }
            sum += len;
        }
        if !lp.safe_to_add(sum) {
            self.convert_to_table();
        }
    }

    /// Sets `field` to `value`; true if the field is new. Converts to
    /// `hashtable` when Redis 7.0 would: before the write if the field or
    /// value is too long, after it if there are too many fields.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: HashLimits) -> bool {
        if matches!(self, HashValue::Listpack(_))
            && (field.len() > limits.max_value || value.len() > limits.max_value)
        {
            self.convert_to_table();
        }
        match self {
            HashValue::Listpack(lp) => {
                if let Some(mut c) = lp.find_mut(field, 1) {
                    c.move_next();
                    c.replace(value);
                    return false;
                }
                lp.push_back(field);
                lp.push_back(value);
                if lp.len() / 2 > limits.max_entries {
                    self.convert_to_table();
                }
                true
            }
            HashValue::Table(t) => t.insert(HashField::new(field, value)).1.is_none(),
        }
    }

    /// Removes `field`; true if it was present.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            HashValue::Listpack(lp) => match lp.find_mut(field, 1) {
                Some(mut c) => {
                    c.delete();
                    c.delete();
                    true
                }
                None => false,
            },
            HashValue::Table(t) => t.remove(field).is_some(),
        }
    }
}

// ---------------------------------------------------------------------------
// Store operations.

/// Why HINCRBY / HINCRBYFLOAT failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncrError {
    /// A store status (WRONGTYPE).
    Status(Status),
    /// HINCRBY: the stored value is not an integer.
    NotInteger,
    /// HINCRBY: the result would overflow.
    Overflow,
    /// HINCRBYFLOAT's checks.
    Float(IncrFloatError),
}

impl From<Status> for IncrError {
    fn from(s: Status) -> Self {
        IncrError::Status(s)
    }
}

/// What HRANDFIELD with a count picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RandomFields {
    /// The fields (with repetitions for a negative count).
    pub fields: Vec<Vec<u8>>,
    /// Their values, when asked for.
    pub values: Option<Vec<Vec<u8>>>,
}

fn hash_ref(e: &Entry) -> Result<&HashValue> {
    match e.object() {
        Some(Value::Hash(h)) => Ok(h),
        _ => Err(Status::WrongType),
    }
}

fn hash_mut(e: &mut Entry) -> Result<&mut HashValue> {
    match e.object_mut() {
        Some(Value::Hash(h)) => Ok(h),
        _ => Err(Status::WrongType),
    }
}

/// A uniform index below `n` (`n > 0`).
fn below(rng: &mut SmallRng, n: usize) -> usize {
    rng.gen_range(0..n)
}

impl Store {
    fn hash_limits(&self) -> HashLimits {
        HashLimits {
            max_entries: self.config.hash_max_listpack_entries,
            max_value: self.config.hash_max_listpack_value,
        }
    }

    /// Runs `f` on the hash at `key`, creating an empty one first if the
    /// key is missing (Redis's `hashTypeLookupWriteOrCreate`). The key is
    /// removed again if it is left empty.
    fn hash_write<R>(
        &mut self,
        db: usize,
        key: &[u8],
        f: impl FnOnce(&mut HashValue, HashLimits) -> R,
    ) -> Result<R> {
        let limits = self.hash_limits();
        if let Some(e) = self.lookup_write(db, key) {
            return Ok(f(hash_mut(e)?, limits));
        }
        let mut h = HashValue::new();
        let r = f(&mut h, limits);
        if !h.is_empty() {
            let entry = self.new_entry(key, Value::Hash(h));
            self.put(db, entry, false);
        }
        Ok(r)
    }

    /// The hash at `key` for reading (`None`: missing key).
    fn hash_read(&mut self, db: usize, key: &[u8]) -> Result<Option<&HashValue>> {
        match self.lookup_read(db, key) {
            None => Ok(None),
            Some(e) => hash_ref(e).map(Some),
        }
    }

    /// HSET / HMSET: sets each field-value pair of `pairs` (`field, value,
    /// field, value, ...`); returns how many fields were new.
    pub fn hash_set<A: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        pairs: &[A],
    ) -> Result<usize> {
        let added = self.hash_write(db, key, |h, limits| {
            h.try_conversion(pairs, limits);
            pairs
                .chunks_exact(2)
                .filter(|p| h.set(p[0].as_ref(), p[1].as_ref(), limits))
                .count()
        })?;
        self.stats.dirty += (pairs.len() / 2) as u64;
        self.notify(db, key, "hset", class::HASH);
        Ok(added)
    }

    /// HSETNX: sets `field` only if it is missing; true if it was set.
    pub fn hash_set_nx(
        &mut self,
        db: usize,
        key: &[u8],
        field: &[u8],
        value: &[u8],
    ) -> Result<bool> {
        let set = self.hash_write(db, key, |h, limits| {
            if h.contains(field) {
                return false;
            }
            h.try_conversion(&[field, value], limits);
            h.set(field, value, limits);
            true
        })?;
        if set {
            self.stats.dirty += 1;
            self.notify(db, key, "hset", class::HASH);
        }
        Ok(set)
    }

    /// HGET.
    pub fn hash_get(&mut self, db: usize, key: &[u8], field: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.hash_read(db, key)?.and_then(|h| h.get(field)))
    }

    /// HMGET: one answer per field (all `None` for a missing key).
    pub fn hash_mget<A: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        fields: &[A],
    ) -> Result<Vec<Option<Vec<u8>>>> {
        Ok(match self.hash_read(db, key)? {
            None => vec![None; fields.len()],
            Some(h) => fields.iter().map(|f| h.get(f.as_ref())).collect(),
        })
    }

    /// HDEL: how many fields were removed. Deletes the key when it becomes
    /// empty.
    pub fn hash_del<A: AsRef<[u8]>>(
        &mut self,
        db: usize,
        key: &[u8],
        fields: &[A],
    ) -> Result<usize> {
        self.remove_members(db, key, fields, hash_mut, "hdel", class::HASH)
    }

    /// HLEN (0 for a missing key).
    pub fn hash_len(&mut self, db: usize, key: &[u8]) -> Result<usize> {
        Ok(self.hash_read(db, key)?.map_or(0, HashValue::len))
    }

    /// HEXISTS.
    pub fn hash_exists(&mut self, db: usize, key: &[u8], field: &[u8]) -> Result<bool> {
        Ok(self.hash_read(db, key)?.is_some_and(|h| h.contains(field)))
    }

    /// HSTRLEN (0 for a missing key or field).
    pub fn hash_strlen(&mut self, db: usize, key: &[u8], field: &[u8]) -> Result<usize> {
        Ok(self
            .hash_read(db, key)?
            .and_then(|h| h.value_len(field))
            .unwrap_or(0))
    }

    /// HGETALL / HKEYS / HVALS: every pair (empty for a missing key).
    pub fn hash_get_all(&mut self, db: usize, key: &[u8]) -> Result<Pairs> {
        Ok(self
            .hash_read(db, key)?
            .map(HashValue::pairs)
            .unwrap_or_default())
    }

    /// HINCRBY: the new value.
    pub fn hash_incr_by(
        &mut self,
        db: usize,
        key: &[u8],
        field: &[u8],
        incr: i64,
    ) -> std::result::Result<i64, IncrError> {
        let r = self.hash_write(db, key, |h, limits| {
            let cur = match h.get(field) {
                None => 0,
                Some(v) => parse_i64(&v).ok_or(IncrError::NotInteger)?,
            };
            let new = cur.checked_add(incr).ok_or(IncrError::Overflow)?;
            h.set(field, new.to_string().as_bytes(), limits);
            Ok::<_, IncrError>(new)
        })??;
        self.stats.dirty += 1;
        self.notify(db, key, "hincrby", class::HASH);
        Ok(r)
    }

    /// HINCRBYFLOAT: the new value as Redis formats it.
    pub fn hash_incr_by_float(
        &mut self,
        db: usize,
        key: &[u8],
        field: &[u8],
        incr: &[u8],
    ) -> std::result::Result<Vec<u8>, IncrError> {
        // The increment is checked before the key (as Redis).
        hincr_by_float(None, incr).map_err(IncrError::Float)?;
        let r = self.hash_write(db, key, |h, limits| {
            let cur = h.get(field);
            let new = hincr_by_float(cur.as_deref(), incr).map_err(IncrError::Float)?;
            h.set(field, &new, limits);
            Ok::<_, IncrError>(new)
        })??;
        self.stats.dirty += 1;
        self.notify(db, key, "hincrbyfloat", class::HASH);
        Ok(r)
    }

    /// HRANDFIELD without a count: a random field (`None`: missing key).
    pub fn hash_random_field(&mut self, db: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let mut rng = SmallRng::seed_from_u64(self.rng.gen());
        let Some(h) = self.hash_read(db, key)? else {
            return Ok(None);
        };
        Ok(match h {
            HashValue::Listpack(lp) => {
                let n = lp.len() / 2;
                if n == 0 {
                    None
                } else {
                    lp.get((below(&mut rng, n) * 2) as i64).map(|v| v.to_vec())
                }
            }
            HashValue::Table(t) => t
                .random_id(&mut || rng.gen())
                .and_then(|id| t.entry_by_id(id))
                .map(|e| e.key().to_vec()),
        })
    }

    /// HRANDFIELD with a count: `count` distinct fields (all of them if
    /// the hash is smaller), or with a negative count `-count` fields drawn
    /// independently (repetitions possible). Empty for a missing key.
    pub fn hash_random_fields(
        &mut self,
        db: usize,
        key: &[u8],
        count: i64,
        with_values: bool,
    ) -> Result<RandomFields> {
        let mut rng = SmallRng::seed_from_u64(self.rng.gen());
        let mut out = RandomFields {
            fields: Vec::new(),
            values: with_values.then(Vec::new),
        };
        let Some(h) = self.hash_read(db, key)? else {
            return Ok(out);
        };
        let size = h.len();
        if count == 0 || size == 0 {
            return Ok(out);
        }
        let mut push = |k: &[u8], v: &[u8]| {
            out.fields.push(k.to_vec());
            if let Some(vals) = out.values.as_mut() {
                vals.push(v.to_vec());
            }
        };
        if count < 0 {
            let n = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
            match h {
                HashValue::Listpack(lp) => {
                    // Index the entries once, then draw.
                    let all: Vec<_> = lp.iter().collect();
                    for _ in 0..n {
                        let i = below(&mut rng, size) * 2;
                        all[i].with_bytes(|k| all[i + 1].with_bytes(|v| push(k, v)));
                    }
                }
                HashValue::Table(t) => {
                    for _ in 0..n {
                        if let Some(e) = t
                            .random_id(&mut || rng.gen())
                            .and_then(|id| t.entry_by_id(id))
                        {
                            push(e.key(), e.value());
                        }
                    }
                }
            }
            return Ok(out);
        }
        let n = usize::try_from(count).unwrap_or(usize::MAX);
        if n >= size {
            h.for_each(push);
            return Ok(out);
        }
        match h {
            HashValue::Table(t) if n.saturating_mul(3) <= size => {
                // Few of many: draw until `n` distinct ones.
                let mut seen = std::collections::HashSet::with_capacity(n);
                while seen.len() < n {
                    let Some(id) = t.random_id(&mut || rng.gen()) else {
                        break;
                    };
                    if seen.insert(id) {
                        if let Some(e) = t.entry_by_id(id) {
                            push(e.key(), e.value());
                        }
                    }
                }
            }
            _ => {
                // A large share: a partial shuffle of every pair.
                let mut all = h.pairs();
                for i in 0..n {
                    let j = i + below(&mut rng, size - i);
                    all.swap(i, j);
                }
                all.truncate(n);
                for (k, v) in &all {
                    push(k, v);
                }
            }
        }
        Ok(out)
    }

    /// HSCAN: the next cursor and the matching pairs (`None`: missing
    /// key). A listpack hash is returned whole with cursor 0; a hashtable
    /// is walked with its table cursor until about `count` entries were
    /// collected (pairs count as two, as Redis).
    pub fn hash_scan(
        &mut self,
        db: usize,
        key: &[u8],
        cursor: u64,
        count: usize,
        pattern: Option<&[u8]>,
    ) -> Result<Option<(u64, Pairs)>> {
        let Some(h) = self.hash_read(db, key)? else {
            return Ok(None);
        };
        let matches = |k: &[u8]| pattern.is_none_or(|p| glob_match(p, k, false));
        let mut out = Vec::new();
        let next = match h {
            HashValue::Listpack(_) => {
                h.for_each(|k, v| {
                    if matches(k) {
                        out.push((k.to_vec(), v.to_vec()));
                    }
                });
                0
            }
            HashValue::Table(t) => {
                let mut next = cursor;
                let mut items = 0usize;
                let mut budget = count.saturating_mul(10);
                loop {
                    next = t.scan(next, |_, e| {
                        items += 2;
                        if matches(e.key()) {
                            out.push((e.key().to_vec(), e.value().to_vec()));
                        }
                    });
                    if next == 0 || budget == 0 || items >= count {
                        break;
                    }
                    budget -= 1;
                }
                next
            }
        };
        Ok(Some((next, out)))
    }
}

impl crate::Members for HashValue {
    fn remove_member(&mut self, m: &[u8]) -> bool {
        self.remove(m)
    }

    fn no_members(&self) -> bool {
        self.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: HashLimits = HashLimits {
        max_entries: 4,
        max_value: 8,
    };

    #[test]
    fn converts_on_entries_and_value_length() {
        let mut h = HashValue::new();
        for i in 0..4 {
            assert!(h.set(format!("f{i}").as_bytes(), b"v", LIM));
        }
        assert_eq!(h.encoding(), "listpack");
        assert!(!h.set(b"f0", b"w", LIM));
        assert_eq!(h.encoding(), "listpack");
        assert!(h.set(b"f4", b"v", LIM));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 5);
        assert_eq!(h.get(b"f0").as_deref(), Some(&b"w"[..]));
        assert!(h.remove(b"f0"));
        assert_eq!(h.encoding(), "hashtable");

        let mut h = HashValue::new();
        h.set(b"a", b"123456789", LIM);
        assert_eq!(h.encoding(), "hashtable");
        let mut h = HashValue::new();
        h.try_conversion(&[&b"a"[..], b"123456789"], LIM);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn listpack_set_get_remove() {
        let mut h = HashValue::new();
        h.set(b"a", b"1", LIM);
        h.set(b"b", b"xy", LIM);
        h.set(b"1", b"a", LIM);
        assert_eq!(h.get(b"1").as_deref(), Some(&b"a"[..]));
        assert_eq!(h.get(b"x"), None);
        assert_eq!(h.value_len(b"b"), Some(2));
        assert!(h.remove(b"a"));
        assert!(!h.remove(b"a"));
        assert_eq!(
            h.pairs(),
            vec![
                (b"b".to_vec(), b"xy".to_vec()),
                (b"1".to_vec(), b"a".to_vec())
            ]
        );
    }

    #[test]
    fn store_ops_and_events() {
        let mut s = Store::new(1);
        s.record_events(true);
        assert_eq!(
            s.hash_set(0, b"h", &[&b"a"[..], b"1", b"b", b"2"]).unwrap(),
            2
        );
        assert_eq!(s.hash_incr_by(0, b"h", b"a", 5).unwrap(), 6);
        assert_eq!(
            s.hash_incr_by(0, b"h", b"a", i64::MAX),
            Err(IncrError::Overflow)
        );
        assert_eq!(
            s.hash_incr_by_float(0, b"h", b"b", b"0.5").unwrap(),
            b"2.5".to_vec()
        );
        assert_eq!(s.hash_del(0, b"h", &[&b"a"[..], b"b", b"c"]).unwrap(), 2);
        assert!(!s.exists(0, b"h"));
        let mut ev = Vec::new();
        s.take_events(&mut ev);
        let names: Vec<_> = ev.iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            [
                "new",
                "hset",
                "hincrby",
                "hincrbyfloat",
                "hdel",
                "del",
                "keymiss"
            ]
        );
    }

    #[test]
    fn random_fields_follow_redis_rules() {
        let mut s = Store::new(1);
        let args: Vec<Vec<u8>> = (0..20).map(|i| format!("{}", i / 2).into_bytes()).collect();
        let args: Vec<Vec<u8>> = args
            .chunks(2)
            .flat_map(|c| [[b"f".as_ref(), &c[0]].concat(), c[1].clone()])
            .collect();
        s.hash_set(0, b"h", &args).unwrap();
        let r = s.hash_random_fields(0, b"h", 5, true).unwrap();
        let mut f = r.fields.clone();
        f.sort();
        f.dedup();
        assert_eq!(f.len(), 5);
        assert_eq!(r.values.unwrap().len(), 5);
        assert_eq!(
            s.hash_random_fields(0, b"h", 100, false)
                .unwrap()
                .fields
                .len(),
            10
        );
        assert_eq!(
            s.hash_random_fields(0, b"h", -30, false)
                .unwrap()
                .fields
                .len(),
            30
        );
        assert!(s.hash_random_field(0, b"h").unwrap().is_some());
        assert!(s
            .hash_random_fields(0, b"nokey", -3, false)
            .unwrap()
            .fields
            .is_empty());
    }

    #[test]
    fn scan_visits_every_field() {
        let mut s = Store::new(1);
        for i in 0..500 {
            let f = format!("f{i}");
            s.hash_set(0, b"h", &[f.as_bytes(), b"v"]).unwrap();
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        loop {
            let (next, pairs) = s.hash_scan(0, b"h", cursor, 7, None).unwrap().unwrap();
            seen.extend(pairs.into_iter().map(|(k, _)| k));
            if next == 0 {
                break;
            }
            cursor = next;
        }
        assert_eq!(seen.len(), 500);
        let (next, pairs) = s
            // COUNT counts fields and values (as Redis), so 500 fields need
            // more than 1000 to come back in one call.
            .hash_scan(0, b"h", 0, 10_000, Some(b"f1?"))
            .unwrap()
            .unwrap();
        assert_eq!(next, 0);
        assert_eq!(pairs.len(), 10);
        assert!(s.hash_scan(0, b"nokey", 0, 10, None).unwrap().is_none());
    }
}
