//! The watched-keys registry: which clients WATCH which `(db, key)`, and
//! how a change to a key makes their next EXEC fail.
//!
//! Two indexes are kept in step: the server-wide one here ([`Watches`],
//! `db → key → client ids`) that a modification looks up, and each client's
//! own list ([`crate::cmd::multi::Transaction::watched`]) that EXEC,
//! UNWATCH, DISCARD and disconnects walk. Every change goes through
//! [`Watches::watch`] and [`Watches::unwatch_all`], which update both.
//!
//! Modifications reach the registry as key events from the store (see
//! `cedis_store::events`), drained after every command and after each
//! active expiry cycle by [`crate::notify`]; FLUSHDB, FLUSHALL and SWAPDB
//! call [`touch_db`] before they act. A client whose watched key changed is
//! marked dirty (`d` in CLIENT LIST) and stops watching anything: its EXEC
//! is already doomed.
//!
//! Stale keys: a key whose TTL had passed when it was watched (still
//! stored, not yet reclaimed) is watched as "expired". Its reclamation is
//! no logical change (it was already gone) and only clears that mark; any
//! other change (a new value) dirties the client. A key watched live whose
//! TTL passes before EXEC makes that EXEC fail even if nothing reclaimed it
//! ([`watched_key_expired`]).

use std::collections::HashMap;

use bytes::Bytes;
use cedis_store::Store;

use crate::client::{Client, ClientId, Clients};

/// One key a client watches.
#[derive(Debug, Clone)]
pub struct WatchedKey {
    /// Database index.
    pub db: usize,
    /// The key.
    pub key: Bytes,
    /// The key was stored but its TTL had passed when WATCH ran.
    pub expired: bool,
}

/// Watchers by database and key.
#[derive(Debug, Default)]
pub struct Watches {
    dbs: HashMap<usize, HashMap<Bytes, Vec<ClientId>>>,
    /// `(key, client)` pairs registered.
    len: usize,
}

impl Watches {
    /// True when nobody watches anything (key events need not be recorded
    /// for WATCH's sake).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of `(key, client)` pairs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The clients watching `key` in `db`.
    pub fn watchers(&self, db: usize, key: &[u8]) -> Option<&[ClientId]> {
        self.dbs.get(&db)?.get(key).map(Vec::as_slice)
    }

    /// Whether any key of `db` is watched.
    fn watches_db(&self, db: usize) -> bool {
        self.dbs.get(&db).is_some_and(|m| !m.is_empty())
    }

    /// WATCH of one key by `client` in its selected database. Watching a
    /// key twice is a no-op.
    pub fn watch(&mut self, client: &mut Client, store: &Store, key: &Bytes) {
        let db = client.db;
        let tx = &mut client.tx;
        if tx.watched.iter().any(|w| w.db == db && w.key == *key) {
            return;
        }
        let expired = store.key_state(db, key) == Some(true);
        tx.watched.push(WatchedKey {
            db,
            key: key.clone(),
            expired,
        });
        self.dbs
            .entry(db)
            .or_default()
            .entry(key.clone())
            .or_default()
            .push(client.id);
        self.len += 1;
    }

    /// Forgets every key `client` watches (its dirty flag is left alone).
    pub fn unwatch_all(&mut self, client: &mut Client) {
        for w in client.tx.watched.drain(..) {
            let Some(keys) = self.dbs.get_mut(&w.db) else {
                continue;
            };
            let Some(ids) = keys.get_mut(&w.key) else {
                continue;
            };
            if let Some(i) = ids.iter().position(|&id| id == client.id) {
                ids.swap_remove(i);
                self.len -= 1;
            }
            if ids.is_empty() {
                keys.remove(&w.key);
                if keys.is_empty() {
                    self.dbs.remove(&w.db);
                }
            }
        }
    }
}

/// The client with `id`: the running one if it matches, else from the
/// registry.
fn client_mut<'a>(
    clients: &'a mut Clients,
    current: Option<&'a mut Client>,
    id: ClientId,
) -> Option<&'a mut Client> {
    match current {
        Some(c) if c.id == id => Some(c),
        _ => clients.get_mut(id),
    }
}

/// Marks a watcher dirty: its EXEC will fail, so it stops watching.
fn make_dirty(watches: &mut Watches, client: &mut Client) {
    client.tx.dirty_cas = true;
    watches.unwatch_all(client);
}

/// A change to `key` in `db` (already applied to `store`): every client
/// watching it becomes dirty, except that the reclamation of a key that
/// was already stale when watched only clears its stale mark.
pub fn touch_key(
    watches: &mut Watches,
    clients: &mut Clients,
    mut current: Option<&mut Client>,
    store: &Store,
    db: usize,
    key: &[u8],
) {
    let Some(ids) = watches.watchers(db, key) else {
        return;
    };
    let ids: Vec<ClientId> = ids.to_vec();
    for id in ids {
        let Some(c) = client_mut(clients, current.as_deref_mut(), id) else {
            continue;
        };
        let Some(w) = c.tx.watched.iter_mut().find(|w| w.db == db && w.key == key) else {
            continue;
        };
        if w.expired && store.key_state(db, key).is_none() {
            // A stale key deleted: logically nothing changed.
            w.expired = false;
            continue;
        }
        make_dirty(watches, c);
    }
}

/// FLUSHDB / FLUSHALL (`replaced_with` None) or one side of SWAPDB
/// (`replaced_with` the other database), before the databases change:
/// dirties the watchers of keys of `emptied` that exist now, or that will
/// exist after the swap. Stale keys follow the rules of [`touch_key`]: a
/// stale key that disappears, or is replaced by another stale key, is no
/// change; a missing key replaced by a stale one becomes a stale watch.
pub fn touch_db(
    watches: &mut Watches,
    clients: &mut Clients,
    mut current: Option<&mut Client>,
    store: &Store,
    emptied: usize,
    replaced_with: Option<usize>,
) {
    if !watches.watches_db(emptied) {
        return;
    }
    let keys: Vec<(Bytes, Vec<ClientId>)> = watches.dbs[&emptied]
        .iter()
        .map(|(k, ids)| (k.clone(), ids.clone()))
        .collect();
    for (key, ids) in keys {
        let here = store.key_state(emptied, &key);
        let there = replaced_with.and_then(|db| store.key_state(db, &key));
        if here.is_none() && there.is_none() {
            continue;
        }
        for id in ids {
            let Some(c) = client_mut(clients, current.as_deref_mut(), id) else {
                continue;
            };
            let Some(w) =
                c.tx.watched
                    .iter_mut()
                    .find(|w| w.db == emptied && w.key == key)
            else {
                continue;
            };
            if w.expired {
                match there {
                    // Stale key gone: no logical change.
                    None => {
                        w.expired = false;
                        continue;
                    }
                    // Stale key replaced by a stale key.
                    Some(true) => continue,
                    Some(false) => {}
                }
            } else if here.is_none() && there == Some(true) {
                // A missing key replaced by a stale one.
                w.expired = true;
                continue;
            }
            make_dirty(watches, c);
        }
    }
}

/// EXEC's check: whether a key `client` watched live has passed its TTL
/// since (reclaimed or not).
pub fn watched_key_expired(client: &Client, store: &Store) -> bool {
    client
        .tx
        .watched
        .iter()
        .any(|w| !w.expired && store.key_state(w.db, &w.key) == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedis_store::{SetExpiry, SetOptions};

    fn client(clients: &mut Clients) -> Client {
        let id = clients.next_id();
        Client::new(id, String::new(), String::new(), -1, false, false)
    }

    fn store() -> Store {
        let mut s = Store::new(4);
        s.set_time(10_000);
        s
    }

    /// Stores `key`, with a deadline if given (set as if at time 0, so a
    /// deadline already past leaves a stale key, not yet reclaimed).
    fn set(s: &mut Store, db: usize, key: &[u8], px_at: Option<i64>) {
        let opts = SetOptions {
            expiry: px_at.map_or(SetExpiry::Clear, SetExpiry::At),
            ..Default::default()
        };
        let now = s.now_ms();
        s.set_time(0);
        s.set(db, key, b"v", &opts).unwrap();
        s.set_time(now);
    }

    #[test]
    fn watch_unwatch_keeps_indexes_in_step() {
        let mut clients = Clients::default();
        let mut w = Watches::default();
        let s = store();
        let mut a = client(&mut clients);
        let mut b = client(&mut clients);
        let k = Bytes::from_static(b"k");
        w.watch(&mut a, &s, &k);
        w.watch(&mut a, &s, &k);
        w.watch(&mut b, &s, &k);
        b.db = 1;
        w.watch(&mut b, &s, &k);
        assert_eq!(w.len(), 3);
        assert_eq!(w.watchers(0, b"k"), Some(&[a.id, b.id][..]));
        w.unwatch_all(&mut a);
        assert_eq!(w.watchers(0, b"k"), Some(&[b.id][..]));
        w.unwatch_all(&mut b);
        assert!(w.is_empty());
        assert!(w.dbs.is_empty());
        assert!(b.tx.watched.is_empty());
    }

    #[test]
    fn touch_dirties_watchers_of_that_db_only() {
        let mut clients = Clients::default();
        let mut w = Watches::default();
        let s = store();
        let mut a = client(&mut clients);
        let mut b = client(&mut clients);
        b.db = 1;
        let k = Bytes::from_static(b"k");
        w.watch(&mut a, &s, &k);
        w.watch(&mut b, &s, &k);
        let b_id = b.id;
        clients.add(b);
        touch_key(&mut w, &mut clients, Some(&mut a), &s, 0, b"k");
        assert!(a.tx.dirty_cas);
        assert!(a.tx.watched.is_empty(), "a dirty client stops watching");
        assert!(!clients.get_mut(b_id).unwrap().tx.dirty_cas);
        touch_key(&mut w, &mut clients, Some(&mut a), &s, 1, b"k");
        assert!(clients.get_mut(b_id).unwrap().tx.dirty_cas);
        assert!(w.is_empty());
    }

    #[test]
    fn stale_key_reclaimed_is_no_change_but_recreated_is() {
        let mut clients = Clients::default();
        let mut w = Watches::default();
        let mut s = store();
        set(&mut s, 0, b"x", Some(5_000)); // stored, already past its TTL
        let mut a = client(&mut clients);
        w.watch(&mut a, &s, &Bytes::from_static(b"x"));
        assert!(a.tx.watched[0].expired);
        assert!(!watched_key_expired(&a, &s), "stale when watched: ignored");
        assert!(!s.exists(0, b"x")); // reclaims it
        touch_key(&mut w, &mut clients, Some(&mut a), &s, 0, b"x");
        assert!(!a.tx.dirty_cas);
        assert!(!a.tx.watched[0].expired);
        set(&mut s, 0, b"x", None);
        touch_key(&mut w, &mut clients, Some(&mut a), &s, 0, b"x");
        assert!(a.tx.dirty_cas);
    }

    #[test]
    fn live_key_expiring_before_exec_is_detected() {
        let mut clients = Clients::default();
        let mut w = Watches::default();
        let mut s = store();
        set(&mut s, 0, b"x", Some(10_100));
        let mut a = client(&mut clients);
        w.watch(&mut a, &s, &Bytes::from_static(b"x"));
        assert!(!watched_key_expired(&a, &s));
        s.set_time(10_200);
        assert!(watched_key_expired(&a, &s));
    }

    #[test]
    fn flush_touches_existing_keys_only() {
        let mut clients = Clients::default();
        let mut w = Watches::default();
        let mut s = store();
        set(&mut s, 0, b"live", None);
        set(&mut s, 0, b"stale", Some(1));
        let mut a = client(&mut clients);
        let mut b = client(&mut clients);
        let mut c = client(&mut clients);
        w.watch(&mut a, &s, &Bytes::from_static(b"live"));
        w.watch(&mut b, &s, &Bytes::from_static(b"missing"));
        w.watch(&mut c, &s, &Bytes::from_static(b"stale"));
        for x in [&mut a, &mut b, &mut c] {
            let x = std::mem::replace(x, Client::new(0, "".into(), "".into(), -1, false, false));
            clients.add(x);
        }
        let ids: Vec<ClientId> = clients.iter().map(|c| c.id).collect();
        touch_db(&mut w, &mut clients, None, &s, 0, None);
        let dirty: Vec<bool> = ids
            .iter()
            .map(|&id| clients.get_mut(id).unwrap().tx.dirty_cas)
            .collect();
        assert_eq!(dirty, [true, false, false]);
    }

    #[test]
    fn swapdb_rules() {
        // (key in the watched db, key in the other db) → dirty?
        let cases = [
            (None, None, false),
            (Some(false), None, true),
            (None, Some(false), true),
            (Some(true), None, false), // stale key replaced by nothing
            (None, Some(true), false), // nothing replaced by a stale key
            (Some(true), Some(true), false), // stale by stale
            (Some(true), Some(false), true),
        ];
        for (here, there, want) in cases {
            let mut clients = Clients::default();
            let mut w = Watches::default();
            let mut s = store();
            for (db, state) in [(0, here), (1, there)] {
                match state {
                    Some(true) => set(&mut s, db, b"x", Some(1)),
                    Some(false) => set(&mut s, db, b"x", None),
                    None => {}
                }
            }
            let mut a = client(&mut clients);
            w.watch(&mut a, &s, &Bytes::from_static(b"x"));
            touch_db(&mut w, &mut clients, Some(&mut a), &s, 0, Some(1));
            s.swapdb(0, 1);
            let exec_fails = a.tx.dirty_cas || watched_key_expired(&a, &s);
            assert_eq!(exec_fails, want, "{here:?} {there:?}");
        }
    }
}
