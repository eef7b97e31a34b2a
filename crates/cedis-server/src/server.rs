//! The process: listeners, the accept loops, the cron and shutdown.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, UnixListener};

use crate::client::Client;
use crate::conn::Connection;
use crate::log;
use crate::state::Shared;

/// Where to listen.
#[derive(Debug, Clone)]
pub struct Listen {
    /// `bind` addresses; a leading `-` marks an address that may be missing.
    pub bind: Vec<String>,
    /// TCP port (0: no TCP).
    pub port: u16,
    /// `unixsocket` path.
    pub unixsocket: Option<String>,
    /// `unixsocketperm` (octal mode).
    pub unixsocketperm: Option<u32>,
    /// `pidfile`.
    pub pidfile: Option<String>,
}

/// Binds every listener, serves until shutdown, then cleans up.
pub async fn serve(shared: Arc<Shared>, listen: Listen) -> io::Result<()> {
    let backlog = shared.lock().server.config.tcp_backlog();
    let tcp = match listen.port {
        0 => Vec::new(),
        port => bind_tcp(&listen.bind, port, backlog, true).inspect_err(|_| {
            log::warning(&format!("Failed listening on port {port} (tcp), aborting."));
        })?,
    };
    let unix = match &listen.unixsocket {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            let l = UnixListener::bind(path)?;
            if let Some(perm) = listen.unixsocketperm {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm))?;
            }
            Some(l)
        }
        None => None,
    };
    if let Some(p) = &listen.pidfile {
        if let Err(e) = std::fs::write(p, format!("{}\n", std::process::id())) {
            log::warning(&format!("Failed to write PID file: {e}"));
        }
    }
    log::notice("Server initialized");
    shared.lock().server.listeners.replace(tcp);
    tokio::spawn(accept_tcp(Arc::clone(&shared)));
    if let Some(l) = unix {
        tokio::spawn(accept_unix(l, Arc::clone(&shared)));
        log::notice("Ready to accept connections unix");
    }
    if listen.port != 0 {
        log::notice("Ready to accept connections tcp");
    }
    tokio::spawn(cron(Arc::clone(&shared)));
    tokio::spawn(crate::evict::task(Arc::clone(&shared)));
    wait_for_shutdown(&shared).await;
    if let Some(p) = &listen.pidfile {
        let _ = std::fs::remove_file(p);
    }
    if let Some(path) = &listen.unixsocket {
        let _ = std::fs::remove_file(path);
    }
    log::notice("Redis is now ready to exit, bye bye...");
    Ok(())
}

async fn wait_for_shutdown(shared: &Shared) {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let sigterm = async {
        match term.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => log::warning("Received SIGINT scheduling shutdown..."),
        _ = sigterm => log::warning("Received SIGTERM scheduling shutdown..."),
        _ = shared.shutdown.notified() => {}
    }
    log::notice("User requested shutdown...");
}

/// Admits a new client unless `maxclients` is reached.
fn admit(shared: &Arc<Shared>, addr: String, laddr: String, fd: i32, unix: bool) -> Option<Client> {
    let mut st = shared.lock();
    let server = &mut st.server;
    server.stats.total_connections_received += 1;
    if server.clients.len() >= server.settings.maxclients {
        server.stats.rejected_connections += 1;
        return None;
    }
    let id = server.clients.next_id();
    Some(Client::new(
        id,
        addr,
        laddr,
        fd,
        unix,
        server.settings.requirepass.is_some(),
    ))
}

/// `tcp-keepalive`: probes after `secs` idle, then every `secs / 3`, and
/// gives up after 3 unanswered probes, as redis-server configures them.
fn set_keepalive(stream: &tokio::net::TcpStream, secs: u64) {
    if secs == 0 {
        return;
    }
    let ka = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(secs))
        .with_interval(Duration::from_secs((secs / 3).max(1)))
        .with_retries(3);
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&ka) {
        log::verbose(&format!("Can't set TCP keepalive: {e}"));
    }
}

const MAXCLIENTS_ERR: &[u8] = b"-ERR max number of clients reached\r\n";

/// The TCP listeners. The server state owns them, so CONFIG SET port/bind
/// can close and rebind them synchronously and report failures, as
/// redis-server does; one accept task polls whatever set is current.
#[derive(Debug, Default)]
pub struct TcpListeners {
    list: Vec<TcpListener>,
    /// Wakes the accept task after the set changed.
    changed: Arc<tokio::sync::Notify>,
}

impl TcpListeners {
    /// Replaces (closing) the current listeners.
    fn replace(&mut self, list: Vec<TcpListener>) {
        self.list = list;
        self.changed.notify_one();
    }
}

/// Binds one listener per `bind` address (a leading `-` marks an address
/// that may be missing); fails unless at least one is bound. `log`:
/// whether to log failures.
fn bind_tcp(bind: &[String], port: u16, backlog: u32, log: bool) -> io::Result<Vec<TcpListener>> {
    let mut tcp = Vec::new();
    for addr in bind {
        let (optional, host) = match addr.strip_prefix('-') {
            Some(h) => (true, h),
            None => (false, addr.as_str()),
        };
        let host = match host {
            "*" => "0.0.0.0",
            "::*" => "::",
            h => h,
        };
        match listen_on(host, port, backlog) {
            Ok(l) => tcp.push(l),
            Err(e) if optional => {
                if log {
                    log::verbose(&format!("Skipping optional bind {host}:{port}: {e}"));
                }
            }
            Err(e) => {
                if log {
                    log::warning(&format!(
                        "Warning: Could not create server TCP listening socket {host}:{port}: {e}"
                    ));
                }
                return Err(e);
            }
        }
    }
    if tcp.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            "no TCP listener",
        ));
    }
    Ok(tcp)
}

fn listen_on(host: &str, port: u16, backlog: u32) -> io::Result<TcpListener> {
    use std::net::ToSocketAddrs;
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::AddrNotAvailable, "no such address"))?;
    let sock = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    sock.set_reuseaddr(true)?;
    sock.bind(addr)?;
    sock.listen(backlog)
}

/// CONFIG SET port/bind: moves the TCP listeners from `old` to `new`
/// (`(bind, port)`; port 0 means no TCP). The new sockets are bound while
/// the old ones are still open; if that fails on the same port (the old
/// sockets may hold the addresses), the old ones are closed and binding is
/// retried, and on a second failure the old addresses are bound again.
pub fn rebind(
    server: &mut crate::state::ServerState,
    old: (&[String], u16),
    new: (&[String], u16),
) -> io::Result<()> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(io::Error::other("no runtime to listen from"));
    }
    let backlog = server.config.tcp_backlog();
    let bind = |(b, p): (&[String], u16), log: bool| match p {
        0 => Ok(Vec::new()),
        p => bind_tcp(b, p, backlog, log),
    };
    match bind(new, new.1 != old.1) {
        Ok(l) => {
            server.listeners.replace(l);
            return Ok(());
        }
        Err(e) if new.1 != old.1 => return Err(e),
        Err(_) => {}
    }
    server.listeners.replace(Vec::new());
    match bind(new, true) {
        Ok(l) => {
            server.listeners.replace(l);
            Ok(())
        }
        Err(e) => {
            if let Ok(l) = bind(old, true) {
                server.listeners.replace(l);
            }
            Err(e)
        }
    }
}

/// Polls every current listener for a connection, under the state lock
/// (never held across an await).
fn poll_accept_any(
    shared: &Shared,
    cx: &mut std::task::Context<'_>,
) -> std::task::Poll<io::Result<(tokio::net::TcpStream, std::net::SocketAddr)>> {
    let st = shared.lock();
    for l in &st.server.listeners.list {
        if let std::task::Poll::Ready(r) = l.poll_accept(cx) {
            return std::task::Poll::Ready(r);
        }
    }
    std::task::Poll::Pending
}

async fn accept_tcp(shared: Arc<Shared>) {
    use std::os::fd::AsRawFd;
    let changed = Arc::clone(&shared.lock().server.listeners.changed);
    loop {
        let accepted = tokio::select! {
            r = std::future::poll_fn(|cx| poll_accept_any(&shared, cx)) => r,
            _ = changed.notified() => continue,
        };
        let (stream, peer) = match accepted {
            Ok(s) => s,
            Err(e) => {
                log::warning(&format!("Accepting client connection: {e}"));
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let keepalive = shared.lock().server.config.tcp_keepalive();
        set_keepalive(&stream, keepalive);
        let laddr = stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let fd = stream.as_raw_fd();
        match admit(&shared, peer.to_string(), laddr, fd, false) {
            None => {
                let _ = stream.try_write(MAXCLIENTS_ERR);
            }
            Some(client) => {
                tokio::spawn(Connection::new(stream, Arc::clone(&shared), client).run());
            }
        }
    }
}

async fn accept_unix(listener: UnixListener, shared: Arc<Shared>) {
    use std::os::fd::AsRawFd;
    let path = listener
        .local_addr()
        .ok()
        .and_then(|a| a.as_pathname().map(|p| p.display().to_string()))
        .unwrap_or_default();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let fd = stream.as_raw_fd();
        match admit(&shared, format!("{path}:0"), path.clone(), fd, true) {
            None => {
                let _ = stream.try_write(MAXCLIENTS_ERR);
            }
            Some(client) => {
                tokio::spawn(Connection::new(stream, Arc::clone(&shared), client).run());
            }
        }
    }
}

/// The periodic task Redis calls `serverCron`: active expiry and idle
/// client timeouts, `hz` times a second.
async fn cron(shared: Arc<Shared>) {
    loop {
        let hz = shared.lock().server.settings.hz.clamp(1, 500);
        tokio::time::sleep(Duration::from_millis(1000 / u64::from(hz))).await;
        let mut st = shared.lock();
        let now = crate::state::unix_ms();
        st.store.set_time(now);
        st.store.config.expire_paused = st
            .server
            .pause
            .is_some_and(|p| std::time::Instant::now() < p.until);
        st.server.clock.resync();
        // Expired keys touch their watchers and are notified.
        crate::notify::active_expire(&mut st, hz);
        // Keys evicted to get back under maxmemory without traffic.
        crate::evict::cron(&mut st);
        let used = crate::cmd::used_memory(&st.store);
        let server = &mut st.server;
        server.info.sample(now, &server.stats, used);
        // Redis's incrementallyRehash: up to ~1 ms of bucket moves per tick.
        let start = std::time::Instant::now();
        while st.store.rehash_step(100) && start.elapsed() < Duration::from_millis(1) {}
        let timeout = st.server.settings.timeout;
        if timeout > 0 {
            for c in st.server.clients.iter_mut() {
                if c.last_interaction.elapsed().as_secs() > timeout && !c.killed {
                    c.killed = true;
                    c.wake.notify_one();
                }
            }
        }
    }
}
