//! Commands: the table, the dispatcher and the handlers by family.
//!
//! A handler gets a [`Ctx`] (the keyspace, the server state, its own
//! session and an output buffer) and the arguments; it never sees a socket,
//! so the same path serves the network, MULTI/EXEC, scripts and replay.

pub mod args;
pub mod dispatch;
pub mod error;
pub mod table;

mod bitmap;
mod blocking;
mod client;
mod command;
mod config;
mod connection;
mod debug;
mod hash;
mod info;
mod introspect;
mod keys;
mod latency_hist;
mod list;
mod meta;
pub mod multi;
pub mod pubsub;
mod server;
mod set;
mod sort;
mod strings;
mod tracking;
mod zset;

use std::sync::OnceLock;

use bytes::BytesMut;
use cedis_resp::ReplyWriter;
use cedis_store::Store;

pub use client::{client_line, pause_deadline, ClientPause};
pub use command::command_keys;
pub use config::apply_store_config;
pub use dispatch::execute;
pub use error::{CmdError, CmdResult};
pub use info::{used_memory, InfoMetrics};
pub use introspect::Introspection;
pub use table::{CommandSpec, CommandTable};

use crate::client::Client;
use crate::state::ServerState;

/// What a handler runs against.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The keyspace.
    pub store: &'a mut Store,
    /// Server-wide state.
    pub server: &'a mut ServerState,
    /// The calling client's session.
    pub client: &'a mut Client,
    /// Where replies are appended.
    pub out: &'a mut BytesMut,
}

impl Ctx<'_> {
    /// A writer for this client's protocol.
    pub fn reply(&mut self) -> ReplyWriter<'_> {
        ReplyWriter::new(self.out, self.client.proto)
    }

    /// The selected database.
    pub fn db(&self) -> usize {
        self.client.db
    }
}

/// The command table.
pub fn table() -> &'static CommandTable {
    static TABLE: OnceLock<CommandTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        CommandTable::new(&[
            bitmap::COMMANDS,
            blocking::COMMANDS,
            client::COMMANDS,
            command::COMMANDS,
            config::COMMANDS,
            connection::COMMANDS,
            debug::COMMANDS,
            hash::COMMANDS,
            info::COMMANDS,
            introspect::COMMANDS,
            keys::COMMANDS,
            list::COMMANDS,
            multi::COMMANDS,
            pubsub::COMMANDS,
            server::COMMANDS,
            set::COMMANDS,
            sort::COMMANDS,
            strings::COMMANDS,
            zset::COMMANDS,
        ])
    })
}
