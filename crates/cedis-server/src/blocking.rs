//! Clients blocked on keys (BLPOP and friends): who waits on what, in
//! arrival order, and serving them when a key becomes ready.
//!
//! A blocking command that finds nothing registers its client here and
//! replies nothing; its connection stops reading commands until it is
//! served, times out or is unblocked. Keys are *signalled* from the store's
//! key events while anyone waits, and *served* only after the top-level
//! command (a whole MULTI/EXEC included) that touched them completes, so an
//! LPUSH followed by DEL inside one transaction wakes nobody. Serving runs
//! the waiter's command again on its behalf, first come first served; what
//! that command pushes (BLMOVE) may make further keys ready, and serving
//! goes on until nothing is ready. Idle waiters cost nothing: their tasks
//! are parked and nothing here is polled.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use cedis_resp::ReplyWriter;
use cedis_store::Store;

use crate::client::{Client, ClientId};
use crate::state::ServerState;

/// What a blocked client waits for.
#[derive(Debug, Clone)]
pub struct BlockState {
    /// The command to run again when a key is ready.
    pub argv: Vec<Bytes>,
    /// The keys, in the order given.
    pub keys: Vec<Vec<u8>>,
    /// Where the keys start in `argv`, and whether the argument before
    /// them is a key count (BLMPOP, BZMPOP).
    pub keys_at: (usize, bool),
    /// The database of the keys.
    pub db: usize,
    /// The type whose data serves the command (`list`, `zset`).
    pub type_name: &'static str,
    /// When the wait ends (None: forever).
    pub deadline: Option<Instant>,
}

/// The registry of waiters.
#[derive(Debug, Default)]
pub struct Blocked {
    by_key: HashMap<(usize, Vec<u8>), VecDeque<ClientId>>,
    ready: Vec<(usize, Vec<u8>)>,
}

impl Blocked {
    /// True when nobody waits.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Registers `client` as waiting on its block state's keys.
    pub fn block(&mut self, client: &mut Client, state: BlockState) {
        for key in &state.keys {
            let q = self.by_key.entry((state.db, key.clone())).or_default();
            if !q.contains(&client.id) {
                q.push_back(client.id);
            }
        }
        client.block = Some(state);
        client.blocked = true;
    }

    /// Removes `client` from every queue it is in and clears its state.
    pub fn unblock(&mut self, client: &mut Client) {
        if let Some(state) = client.block.take() {
            self.forget(client.id, &state);
        }
        client.blocked = false;
    }

    /// Removes a client's registrations.
    pub fn forget(&mut self, id: ClientId, state: &BlockState) {
        for key in &state.keys {
            self.forget_key(state.db, key, id);
        }
    }

    /// Removes a client from one key's queue.
    pub fn forget_key(&mut self, db: usize, key: &[u8], id: ClientId) {
        let k = (db, key.to_vec());
        if let Some(q) = self.by_key.get_mut(&k) {
            q.retain(|&c| c != id);
            if q.is_empty() {
                self.by_key.remove(&k);
            }
        }
    }

    /// Marks a key ready if somebody waits on it.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.by_key.contains_key(&(db, key.to_vec()))
            && !self.ready.iter().any(|(d, k)| *d == db && k == key)
        {
            self.ready.push((db, key.to_vec()));
        }
    }

    /// Marks every key of `db` that somebody waits on ready (SWAPDB: the
    /// database's data changed under all its keys at once).
    pub fn signal_db(&mut self, db: usize) {
        let mut keys: Vec<Vec<u8>> = self
            .by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect();
        keys.sort();
        for key in keys {
            self.signal(db, &key);
        }
    }

    fn first_waiter(&self, db: usize, key: &[u8]) -> Option<ClientId> {
        self.by_key
            .get(&(db, key.to_vec()))
            .and_then(|q| q.front().copied())
    }
}

/// Serves the waiters of every ready key, oldest first, until nothing is
/// ready. Called by the connection after each top-level command (with the
/// running client checked out, so it is never one of the waiters).
pub fn serve_ready(store: &mut Store, server: &mut ServerState) {
    while !server.blocked.ready.is_empty() {
        let (db, key) = server.blocked.ready.remove(0);
        while let Some(id) = server.blocked.first_waiter(db, &key) {
            let Some(mut client) = server.clients.checkout(id) else {
                // Gone without cleaning up: drop it from every queue.
                for q in server.blocked.by_key.values_mut() {
                    q.retain(|&c| c != id);
                }
                server.blocked.by_key.retain(|_, q| !q.is_empty());
                continue;
            };
            let Some(state) = client.block.clone() else {
                // Stale registration: drop it from this key's queue.
                server.blocked.forget_key(db, &key, id);
                server.clients.checkin(client);
                continue;
            };
            if store.peek_type(db, &key) != Some(state.type_name) {
                // Nothing (or the wrong type) to serve: everybody keeps waiting.
                server.clients.checkin(client);
                break;
            }
            server.blocked.unblock(&mut client);
            let mut out = BytesMut::new();
            {
                let mut ctx = crate::cmd::Ctx {
                    store,
                    server,
                    client: &mut client,
                    out: &mut out,
                };
                // Serve from the key that became ready, as Redis does, even
                // if an earlier key of the command has data too.
                ctx.client.serving_unblocked = true;
                crate::cmd::execute(&mut ctx, &argv_for_key(&state, &key));
                ctx.client.serving_unblocked = false;
            }
            if client.block.is_some() {
                // Raced (should not happen after the type check): keep its turn.
                server.clients.checkin(client);
                break;
            }
            client.push_output(&out);
            client.wake.notify_one();
            server.clients.checkin(client);
        }
    }
}

/// The waiter's command restricted to the one key that is ready.
fn argv_for_key(state: &BlockState, key: &[u8]) -> Vec<Bytes> {
    let (at, numkeys) = state.keys_at;
    let n = state.keys.len();
    if n <= 1 || at == 0 || at + n > state.argv.len() {
        return state.argv.clone();
    }
    let mut argv = state.argv[..at].to_vec();
    if numkeys {
        if let Some(count) = argv.last_mut() {
            *count = Bytes::from_static(b"1");
        }
    }
    argv.push(Bytes::copy_from_slice(key));
    argv.extend_from_slice(&state.argv[at + n..]);
    argv
}

/// Ends a wait without data: the reply Redis gives on timeout (a null
/// array) or, for CLIENT UNBLOCK ... ERROR, the UNBLOCKED error.
pub fn end_wait(server: &mut ServerState, client: &mut Client, out: &mut BytesMut, error: bool) {
    server.blocked.unblock(client);
    let mut w = ReplyWriter::new(out, client.proto);
    if error {
        w.error(b"UNBLOCKED client unblocked via CLIENT UNBLOCK");
    } else {
        w.null_array();
    }
}
