//! The connection loop: read, decode every complete request, execute them
//! all under one lock, write every reply at once.
//!
//! Readiness is managed by hand: after a read that did not fill the
//! buffer's free space the socket is known to be drained, and readiness is
//! cleared without the extra `read` that would only return EAGAIN (about a
//! quarter of the server's CPU at pipeline 1).

use std::io;
use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use cedis_resp::RequestDecoder;
use tokio::io::Interest;

use crate::client::{Client, ClientId, ReplyMode};
use crate::cmd::{execute, Ctx};
use crate::state::{Shared, State};

/// Free space kept in the query buffer before each read (Redis's
/// PROTO_IOBUF_LEN).
const READ_CHUNK: usize = 16 * 1024;

/// A tokio stream socket (TCP or unix) with readiness-level access.
pub trait Socket: Send + Sync + 'static {
    /// Waits until the socket may be readable.
    fn ready_read(&self) -> impl std::future::Future<Output = io::Result<()>> + Send;
    /// Waits until the socket may be writable.
    fn ready_write(&self) -> impl std::future::Future<Output = io::Result<()>> + Send;
    /// One non-blocking read into the spare capacity of `buf`; clears the
    /// readiness when it returns `WouldBlock` or when `drained` says so.
    fn read_into(&self, buf: &mut BytesMut) -> io::Result<usize>;
    /// One non-blocking write.
    fn write_some(&self, buf: &[u8]) -> io::Result<usize>;
    /// One non-blocking vectored write.
    fn write_vectored_some(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize>;
}

macro_rules! impl_socket {
    ($t:ty) => {
        impl Socket for $t {
            async fn ready_read(&self) -> io::Result<()> {
                self.readable().await
            }
            async fn ready_write(&self) -> io::Result<()> {
                self.writable().await
            }
            fn read_into(&self, buf: &mut BytesMut) -> io::Result<usize> {
                let room = buf.capacity() - buf.len();
                let mut got = 0;
                // A short read means the socket is drained: answering
                // WouldBlock from the closure makes tokio clear readiness,
                // so the next wait parks instead of reading just to see
                // EAGAIN.
                let r = self.try_io(Interest::READABLE, || {
                    got = self.try_read_buf(buf)?;
                    if got > 0 && got < room {
                        Err(io::ErrorKind::WouldBlock.into())
                    } else {
                        Ok(got)
                    }
                });
                match r {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock && got > 0 => Ok(got),
                    other => other,
                }
            }
            fn write_some(&self, buf: &[u8]) -> io::Result<usize> {
                self.try_write(buf)
            }
            fn write_vectored_some(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
                self.try_write_vectored(bufs)
            }
        }
    };
}

impl_socket!(tokio::net::TcpStream);
impl_socket!(tokio::net::UnixStream);

/// What the loop does after a batch.
enum Flow {
    Continue,
    Close,
}

/// One client connection.
pub struct Connection<S: Socket> {
    sock: S,
    shared: Arc<Shared>,
    id: ClientId,
    inbuf: BytesMut,
    out: BytesMut,
    argv: Vec<Bytes>,
    decoder: RequestDecoder,
    /// Bytes read since the last batch (for INFO's net_input_bytes).
    read_bytes: u64,
    /// `argv` holds a decoded command held back by CLIENT PAUSE.
    held: bool,
    /// The last read filled the buffer (more input is likely waiting).
    full_read: bool,
    /// When the CLIENT PAUSE holding `argv` ends by itself.
    /// When the current blocking wait times out.
    block_deadline: Option<Instant>,
    /// The client is blocked on keys: its buffers are given back while it
    /// waits, so a thousand idle waiters hold no buffer memory.
    waiting: bool,
    paused_until: Option<Instant>,
    /// Output queued for this client by others (pub/sub messages, MONITOR
    /// lines), taken from [`Client::pending`] at the start of a batch and
    /// written, without copying, before that batch's replies in `out`.
    queue: std::collections::VecDeque<Bytes>,
    /// Bytes in `queue`.
    queued: usize,
    /// A flush consumed a wake-up: run a batch without waiting for one.
    rewake: bool,
}

impl<S: Socket> std::fmt::Debug for Connection<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("id", &self.id).finish()
    }
}

impl<S: Socket> Connection<S> {
    /// Registers the client and wraps the socket.
    pub fn new(sock: S, shared: Arc<Shared>, client: Client) -> Self {
        let id = client.id;
        let mut decoder = RequestDecoder::new();
        {
            let mut st = shared.lock();
            decoder.limits_mut().proto_max_bulk_len = st.server.settings.proto_max_bulk_len;
            decoder.limits_mut().auth_pending = !client.authenticated;
            st.server.clients.add(client);
        }
        Connection {
            sock,
            shared,
            id,
            inbuf: BytesMut::with_capacity(READ_CHUNK),
            out: BytesMut::with_capacity(READ_CHUNK),
            argv: Vec::with_capacity(8),
            decoder,
            read_bytes: 0,
            held: false,
            block_deadline: None,
            waiting: false,
            paused_until: None,
            queue: std::collections::VecDeque::new(),
            queued: 0,
            rewake: false,
            full_read: false,
        }
    }

    /// Serves the client until it leaves, is killed or the server stops.
    pub async fn run(mut self) {
        let wake = match self.shared.lock().server.clients.get_mut(self.id) {
            Some(c) => c.wake.clone(),
            None => return,
        };
        loop {
            // Wake for the end of a CLIENT PAUSE or of a blocking wait.
            let pause = [self.paused_until, self.block_deadline]
                .into_iter()
                .flatten()
                .min();
            if std::mem::take(&mut self.rewake) {
                // Output arrived while the last flush waited: take it now.
            } else {
                tokio::select! {
                r = self.read() => match r {
                    Ok(true) => {}
                    Ok(false) | Err(_) => break,
                },
                _ = wake.notified() => {}
                _ = async {
                    match pause {
                        Some(until) => tokio::time::sleep_until(until.into()).await,
                        None => std::future::pending().await,
                    }
                } => {}
                }
            }
            let flow = self.process();
            if self.flush(&wake).await.is_err() {
                break;
            }
            if std::mem::take(&mut self.full_read) {
                tokio::task::yield_now().await;
            }
            if self.waiting {
                // Reads reserve a fresh chunk when input arrives; replies
                // grow `out` on demand.
                if self.inbuf.is_empty() {
                    self.inbuf = BytesMut::new();
                }
                if self.out.is_empty() {
                    self.out = BytesMut::new();
                }
            }
            if let Flow::Close = flow {
                break;
            }
        }
        let mut st = self.shared.lock();
        if let Some(mut c) = st.server.clients.remove(self.id) {
            st.server.blocked.unblock(&mut c);
            st.server.pubsub.remove_client(&mut c);
            st.server.watches.unwatch_all(&mut c);
            crate::tracking::remove_client(&mut st.server, &mut c);
        }
    }

    /// Reads what the socket has; false at end of stream.
    async fn read(&mut self) -> io::Result<bool> {
        loop {
            self.sock.ready_read().await?;
            self.inbuf.reserve(READ_CHUNK);
            let room = self.inbuf.capacity() - self.inbuf.len();
            match self.sock.read_into(&mut self.inbuf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.full_read = n == room;
                    self.read_bytes += n as u64;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes the queued chunks, then the replies; fails if the socket
    /// does or the client is killed while the writes wait.
    async fn flush(&mut self, wake: &tokio::sync::Notify) -> io::Result<()> {
        let mut written = 0;
        if self.queue.is_empty() {
            while written < self.out.len() {
                match self.sock.write_some(&self.out[written..]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => written += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.wait_writable(wake, self.out.len() - written).await?
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.out.clear();
        } else {
            if !self.out.is_empty() {
                // The replies join the queue as one more chunk; `out` keeps
                // its spare capacity and reclaims the rest once written.
                let replies = self.out.split().freeze();
                self.queued += replies.len();
                self.queue.push_back(replies);
            }
            while !self.queue.is_empty() {
                const MAX_IOV: usize = 64;
                let mut iov = [io::IoSlice::new(&[]); MAX_IOV];
                let mut k = 0;
                for (slot, chunk) in iov.iter_mut().zip(self.queue.iter()) {
                    *slot = io::IoSlice::new(chunk);
                    k += 1;
                }
                match self.sock.write_vectored_some(&iov[..k]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => {
                        written += n;
                        self.consume(n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.wait_writable(wake, self.queued).await?
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if written > 0 {
            let mut st = self.shared.lock();
            if let Some(c) = st.server.clients.get_mut(self.id) {
                c.unsent = 0;
            }
            let stats = &mut st.server.stats;
            stats.net_output_bytes += written as u64;
            stats.total_writes_processed += 1;
        }
        Ok(())
    }

    /// Drops `n` written bytes from the front of the queue.
    fn consume(&mut self, mut n: usize) {
        self.queued -= n;
        while n > 0 {
            let Some(front) = self.queue.front_mut() else {
                return;
            };
            if n >= front.len() {
                n -= front.len();
                self.queue.pop_front();
            } else {
                bytes::Buf::advance(front, n);
                n = 0;
            }
        }
    }

    /// Waits until the socket is writable. A wake-up meanwhile (output
    /// queued by others, or a kill) records how much this connection still
    /// holds, for the output buffer limits, and fails if the client was
    /// killed (by CLIENT KILL or for its output buffer).
    async fn wait_writable(&mut self, wake: &tokio::sync::Notify, unsent: usize) -> io::Result<()> {
        tokio::select! {
            r = self.sock.ready_write() => r,
            _ = wake.notified() => {
                self.rewake = true;
                let mut st = self.shared.lock();
                match st.server.clients.get_mut(self.id) {
                    Some(c) if !c.killed => {
                        c.unsent = unsent;
                        Ok(())
                    }
                    _ => Err(io::ErrorKind::ConnectionAborted.into()),
                }
            }
        }
    }

    /// Decodes and executes every complete request in the input buffer.
    fn process(&mut self) -> Flow {
        let shared = Arc::clone(&self.shared);
        let mut guard = shared.lock();
        let State { store, server } = &mut *guard;
        let Some(mut client) = server.clients.checkout(self.id) else {
            return Flow::Close;
        };
        if client.killed {
            server.clients.checkin(client);
            return Flow::Close;
        }
        server.clock.tick();
        if !client.pending.is_empty() {
            self.queued += std::mem::take(&mut client.pending_bytes);
            self.queue.append(&mut client.pending);
        }
        let read = std::mem::take(&mut self.read_bytes);
        if read > 0 {
            server.stats.net_input_bytes += read;
            server.stats.total_reads_processed += 1;
        }
        // CONFIG SET proto-max-bulk-len applies to connected clients too.
        self.decoder.limits_mut().proto_max_bulk_len = server.settings.proto_max_bulk_len;
        let mut flow = Flow::Continue;
        // A client blocked on keys runs nothing until it is served (by
        // another client's command), times out, or is unblocked.
        if let Some(state) = &client.block {
            if state.deadline.is_some_and(|d| server.clock.last >= d) {
                crate::blocking::end_wait(server, &mut client, &mut self.out, false);
            }
        }
        if client.block.is_none() {
            self.block_deadline = None;
            self.waiting = false;
        }
        while client.block.is_none() {
            self.decoder.limits_mut().auth_pending = !client.authenticated;
            let queued = self.inbuf.len();
            let decoded = if self.held {
                self.held = false;
                Ok(true)
            } else {
                self.decoder.decode_into(&mut self.inbuf, &mut self.argv)
            };
            match decoded {
                Ok(true) => {
                    // CLIENT PAUSE: hold the command (and the rest of the
                    // input) until the pause ends.
                    if let Some(until) = crate::cmd::pause_deadline(server, &client, &self.argv) {
                        self.held = true;
                        self.paused_until = Some(until);
                        client.blocked = true;
                        break;
                    }
                    self.paused_until = None;
                    client.blocked = false;
                    client.qbuf = queued;
                    let mark = self.out.len();
                    if client.reply_mode == ReplyMode::Skip {
                        client.reply_mode = ReplyMode::SkipThis;
                    }
                    let mut ctx = Ctx {
                        store,
                        server,
                        client: &mut client,
                        out: &mut self.out,
                    };
                    execute(&mut ctx, &self.argv);
                    if !server.blocked.is_empty() {
                        crate::blocking::serve_ready(store, server);
                    }
                    if let Some(state) = &client.block {
                        self.block_deadline = state.deadline;
                        self.waiting = true;
                    }
                    match client.reply_mode {
                        ReplyMode::Off => self.out.truncate(mark),
                        ReplyMode::SkipThis => {
                            self.out.truncate(mark);
                            client.reply_mode = ReplyMode::On;
                        }
                        _ => {}
                    }
                    if client.close_after_reply || server.shutdown.is_some() {
                        flow = Flow::Close;
                        break;
                    }
                }
                Ok(false) => break,
                Err(e) => {
                    e.write_reply(&mut self.out);
                    crate::log::verbose(&format!(
                        "Protocol error ({e}) from client: id={} addr={}",
                        client.id, client.addr
                    ));
                    flow = Flow::Close;
                    break;
                }
            }
        }
        if self.inbuf.len() > server.settings.client_query_buffer_limit {
            crate::log::warning(&format!(
                "Closing client that reached max query buffer length: id={} addr={} (qbuf initial bytes: {:?})",
                client.id,
                client.addr,
                String::from_utf8_lossy(&self.inbuf[..self.inbuf.len().min(64)])
            ));
            flow = Flow::Close;
        }
        if server.tracking.active() {
            let here = crate::tracking::Here {
                client: &mut client,
                out: &mut self.out,
            };
            crate::tracking::before_sleep(server, Some(here));
        }
        // Give back what a huge request left behind (Redis resizes idle
        // query buffers in its cron): the argument vector and the buffer.
        if self.argv.capacity() > 1024 && !self.decoder.in_request() {
            self.argv = Vec::with_capacity(8);
            // The decoder keeps one offset pair per argument of the largest
            // request too.
            self.decoder = RequestDecoder::with_limits(*self.decoder.limits());
        }
        if self.inbuf.is_empty() && self.inbuf.capacity() > 4 * READ_CHUNK {
            self.inbuf = BytesMut::new();
        }
        client.qbuf = self.inbuf.len();
        client.last_interaction = server.clock.last;
        client.unsent = self.queued + self.out.len();
        if crate::pubsub::check_output_limit(&server.settings, &mut client, server.clock.last) {
            self.queue.clear();
            self.queued = 0;
            self.out.clear();
            flow = Flow::Close;
        }
        let shutting_down = server.shutdown.is_some();
        server.clients.checkin(client);
        drop(guard);
        if shutting_down {
            self.shared.shutdown.notify_one();
        }
        flow
    }
}
