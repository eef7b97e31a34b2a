//! Shared helpers for the workspace integration tests: real servers on free
//! ports and a raw RESP client.
//!
//! - [`Server::cedis`] starts the `cedis-server` binary (from
//!   `CEDIS_SERVER_BIN`, else `<workspace>/target/debug/cedis-server`, which
//!   the first use brings up to date with `cargo build -p cedis-server`, as
//!   a test binary alone does not rebuild another package's binary) on a
//!   free port and waits for `PING`;
//!   [`Server::redis`] does the same with a real `redis-server` (from
//!   `REDIS_SERVER`, else `PATH`) for differential tests and returns `None`
//!   with a printed notice when there is none. Both are killed when the
//!   [`Server`] guard drops, and each gets a fresh temporary directory.
//! - [`Conn`] is a tiny blocking RESP client: it sends raw bytes and reads
//!   exactly one reply with [`cedis_resp::FrameDecoder`], returning the
//!   reply's raw bytes, so tests can assert byte for byte. Every read has a
//!   timeout; a test never hangs on a silent server.
//! - [`Server::client`] gives a `redis` crate connection for tests that
//!   prefer typed values (RESP2; RESP3 goes through [`Conn`]).
//!
//! Nothing here panics on a server's misbehaviour except through test
//! assertions with a message saying what was expected.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use bytes::BytesMut;
pub use cedis_resp::Frame;
use cedis_resp::FrameDecoder;

/// How long a server gets to answer its first `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// Default read timeout of a [`Conn`].
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The workspace root (the parent of this package's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The `cedis-server` binary under test: `CEDIS_SERVER_BIN`, else the debug
/// build in the workspace's target directory, rebuilt once per test process
/// when cargo runs the tests (so a changed server is never tested stale).
/// Panics with instructions when it does not exist.
pub fn cedis_binary() -> PathBuf {
    static BUILD: std::sync::Once = std::sync::Once::new();
    let path = match std::env::var_os("CEDIS_SERVER_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            BUILD.call_once(|| {
                let Some(cargo) = std::env::var_os("CARGO") else {
                    return;
                };
                let status = Command::new(cargo)
                    .args(["build", "--quiet", "-p", "cedis-server"])
                    .current_dir(workspace_root())
                    .status();
                assert!(
                    status.as_ref().is_ok_and(|s| s.success()),
                    "cargo build -p cedis-server failed: {status:?}"
                );
            });
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace_root().join("target"));
            target.join("debug").join("cedis-server")
        }
    };
    assert!(
        path.is_file(),
        "cedis-server binary not found at {}: run `cargo build -p cedis-server` first \
         (scripts/test.sh does), or set CEDIS_SERVER_BIN",
        path.display()
    );
    path
}

/// The real `redis-server`: `REDIS_SERVER`, else the first on `PATH`.
pub fn redis_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("REDIS_SERVER") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port")
}

/// A fresh directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a new empty directory.
    pub fn new() -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("cedis-test-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        TempDir::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Which server a [`Server`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The `cedis-server` binary under test.
    Cedis,
    /// A real `redis-server`.
    Redis,
}

/// A running server process on `127.0.0.1:port`, killed on drop.
#[derive(Debug)]
pub struct Server {
    child: Option<Child>,
    port: u16,
    kind: Kind,
    dir: TempDir,
}

/// How to start a server: extra arguments, a config file, the directory.
#[derive(Debug, Default)]
pub struct Options {
    /// Path of a config file passed as the first argument.
    pub config_file: Option<PathBuf>,
    /// Extra `--name value` arguments after the defaults.
    pub args: Vec<String>,
    /// Don't pass `--port` (the config file sets it to [`Options::port`]).
    pub port_in_config: bool,
    /// The port to use (default: a free one).
    pub port: Option<u16>,
    /// Use this directory instead of a fresh one.
    pub dir: Option<TempDir>,
}

impl Server {
    /// Starts cedis with default options.
    pub fn cedis() -> Server {
        Server::cedis_with(&[])
    }

    /// Starts cedis with extra command-line arguments (`["--requirepass", "x"]`).
    pub fn cedis_with(args: &[&str]) -> Server {
        Server::start(
            Kind::Cedis,
            Options {
                args: args.iter().map(|s| s.to_string()).collect(),
                ..Options::default()
            },
        )
        .expect("cedis-server starts")
    }

    /// Starts a real redis-server, or prints a notice and returns `None` when
    /// none is installed.
    pub fn redis() -> Option<Server> {
        Server::redis_with(&[])
    }

    /// Like [`Server::redis`] with extra arguments.
    pub fn redis_with(args: &[&str]) -> Option<Server> {
        if redis_binary().is_none() {
            eprintln!(
                "NOTICE: redis-server not found (install redis-server or set REDIS_SERVER); \
                 skipping the differential part of this test"
            );
            return None;
        }
        Some(
            Server::start(
                Kind::Redis,
                Options {
                    args: args.iter().map(|s| s.to_string()).collect(),
                    ..Options::default()
                },
            )
            .expect("redis-server starts"),
        )
    }

    /// Starts a server of `kind` with `opts`, retrying on another port if the
    /// chosen one was taken meanwhile. Errors say why the server did not come
    /// up, with the end of its output.
    pub fn start(kind: Kind, mut opts: Options) -> Result<Server, String> {
        let mut dir = opts.dir.take().unwrap_or_default();
        let mut last_err = String::new();
        for _ in 0..3 {
            let port = opts.port.unwrap_or_else(free_port);
            let bin = match kind {
                Kind::Cedis => cedis_binary(),
                Kind::Redis => redis_binary().ok_or("redis-server not found")?,
            };
            let log = dir.path().join("server.log");
            let mut cmd = Command::new(&bin);
            if let Some(conf) = &opts.config_file {
                cmd.arg(conf);
            }
            if !opts.port_in_config {
                cmd.args(["--port", &port.to_string()]);
            }
            // The same defaults for both, so CONFIG GET compares equal.
            cmd.args(["--bind", "127.0.0.1"]);
            cmd.args(["--save", "", "--appendonly", "no"]);
            cmd.args(["--enable-debug-command", "yes"]);
            cmd.arg("--dir").arg(dir.path());
            cmd.args(&opts.args);
            let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
            let err = out.try_clone().map_err(|e| e.to_string())?;
            cmd.stdin(Stdio::null())
                .stdout(Stdio::from(out))
                .stderr(Stdio::from(err));
            let child = cmd
                .spawn()
                .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
            let mut server = Server {
                child: Some(child),
                port,
                kind,
                dir,
            };
            match server.wait_ready() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    last_err = e;
                    server.kill();
                    dir = std::mem::take(&mut server.dir);
                    if opts.port.is_some() {
                        break;
                    }
                }
            }
        }
        Err(last_err)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!(
                        "{:?} exited with {status} before answering PING; output:\n{}",
                        self.kind,
                        self.log_tail()
                    ));
                }
            }
            if let Ok(mut c) = Conn::connect(self.port) {
                c.set_timeout(Duration::from_secs(2));
                if let Ok(r) = c.try_cmd(&[b"PING"]) {
                    if r.starts_with(b"-NOAUTH") {
                        return Ok(());
                    }
                    if r == b"+PONG\r\n" {
                        // A free port can be taken by another test's server
                        // between our probe and our bind: make sure the one
                        // answering is ours (else it exits and we retry).
                        let pid = self.child.as_ref().map(Child::id);
                        let info = c.try_cmd(&[b"INFO", b"server"]).unwrap_or_default();
                        let ours = String::from_utf8_lossy(&info).lines().any(|l| {
                            l.strip_prefix("process_id:")
                                .and_then(|v| v.trim().parse::<u32>().ok())
                                == pid
                        });
                        if ours {
                            return Ok(());
                        }
                    }
                }
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{:?} did not answer PING on port {} within {START_TIMEOUT:?}; output:\n{}",
                    self.kind,
                    self.port,
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The last lines the server printed (stdout and stderr).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Which server this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's working directory (a fresh temp dir).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// A new raw connection.
    pub fn conn(&self) -> Conn {
        Conn::connect(self.port).unwrap_or_else(|e| panic!("connect to port {}: {e}", self.port))
    }

    /// A `redis` crate client (RESP2).
    pub fn client(&self) -> redis::Client {
        redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).expect("client url")
    }

    /// A `redis` crate connection (RESP2).
    pub fn redis_conn(&self) -> redis::Connection {
        self.client()
            .get_connection()
            .expect("redis crate connects")
    }

    /// Sends SIGTERM to the process.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits up to `timeout` for the process to exit on its own.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            let child = self.child.as_mut()?;
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Encodes `args` as a RESP multibulk request.
pub fn request(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Renders bytes for assertion messages: printable ASCII kept, the rest
/// escaped (`\r\n` shows as `\r\n`).
pub fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

/// A blocking raw RESP connection.
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    buf: BytesMut,
    dec: FrameDecoder,
    timeout: Duration,
}

impl Conn {
    /// Connects to `127.0.0.1:port`.
    pub fn connect(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        Ok(Conn {
            stream,
            buf: BytesMut::new(),
            dec: FrameDecoder::new(),
            timeout: READ_TIMEOUT,
        })
    }

    /// Changes the read timeout (time allowed to receive one whole reply).
    pub fn set_timeout(&mut self, t: Duration) {
        self.timeout = t;
    }

    /// Writes raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to server");
    }

    /// Sends one command without reading a reply (a blocked or subscribed
    /// client, or a pipeline).
    pub fn send_str(&mut self, args: &[&str]) {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send(&request(&args));
    }

    /// Asserts that nothing arrives within `grace` (no reply, no push).
    pub fn assert_silent(&mut self, grace: Duration) {
        let saved = self.timeout;
        self.timeout = grace;
        let got = self.try_read_raw();
        self.timeout = saved;
        if let Ok(r) = got {
            panic!("expected nothing yet, got {}", show(&r));
        }
    }

    /// One `field:value` of `INFO section`, as text (panics when absent).
    pub fn info_field(&mut self, section: &str, field: &str) -> String {
        let info = self.cmd_str(&["INFO", section]);
        let text = String::from_utf8_lossy(&info);
        let prefix = format!("{field}:");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {field} in INFO {section}: {text}"))
    }

    /// Sends one command and returns its raw reply bytes.
    pub fn cmd(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let name = args.first().map(|a| show(a)).unwrap_or_default();
        self.try_cmd(args)
            .unwrap_or_else(|e| panic!("command {name}: {e}"))
    }

    /// [`Conn::cmd`] with `&str` arguments.
    pub fn cmd_str(&mut self, args: &[&str]) -> Vec<u8> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd(&args)
    }

    /// Sends one command and returns its decoded reply.
    pub fn cmd_frame(&mut self, args: &[&str]) -> Frame {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send(&request(&args));
        self.read_frame()
    }

    /// Sends one command; errors instead of panicking.
    pub fn try_cmd(&mut self, args: &[&[u8]]) -> std::io::Result<Vec<u8>> {
        self.stream.write_all(&request(args))?;
        self.try_read_raw()
    }

    /// Reads exactly one reply and returns its raw bytes.
    pub fn read_raw(&mut self) -> Vec<u8> {
        self.try_read_raw()
            .unwrap_or_else(|e| panic!("read reply: {e}"))
    }

    /// Reads exactly one reply, decoded.
    pub fn read_frame(&mut self) -> Frame {
        self.try_read().map(|(f, _)| f).expect("read reply")
    }

    /// Reads exactly one reply; errors on timeout, close or a corrupt stream.
    pub fn try_read_raw(&mut self) -> std::io::Result<Vec<u8>> {
        self.try_read().map(|(_, raw)| raw)
    }

    fn try_read(&mut self) -> std::io::Result<(Frame, Vec<u8>)> {
        let deadline = Instant::now() + self.timeout;
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let snapshot = self.buf.clone();
            match self.dec.decode(&mut self.buf) {
                Ok(Some(frame)) => {
                    let used = snapshot.len() - self.buf.len();
                    return Ok((frame, snapshot[..used].to_vec()));
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(std::io::Error::new(
                        ErrorKind::InvalidData,
                        format!("corrupt reply ({e}): {}", show(&snapshot)),
                    ))
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(std::io::Error::new(
                    ErrorKind::TimedOut,
                    format!("no complete reply; have {}", show(&self.buf)),
                ));
            }
            self.stream.set_read_timeout(Some(left))?;
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(std::io::Error::new(
                        ErrorKind::UnexpectedEof,
                        format!("connection closed; have {}", show(&self.buf)),
                    ))
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads everything the server sends until it closes the connection
    /// (true) or stays silent for `idle` (false).
    pub fn read_until_close(&mut self, idle: Duration) -> (Vec<u8>, bool) {
        let mut out = std::mem::take(&mut self.buf).to_vec();
        let mut chunk = [0u8; 64 * 1024];
        let _ = self.stream.set_read_timeout(Some(idle));
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return (out, true),
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return (out, false)
                }
                Err(_) => return (out, true),
            }
        }
    }

    /// True when the server closed the connection within `within` (with
    /// nothing more to read).
    pub fn is_closed(&mut self, within: Duration) -> bool {
        let (rest, closed) = self.read_until_close(within);
        closed && rest.is_empty()
    }
}

/// Runs `scenario` on a fresh cedis, then on a fresh redis-server (when one
/// is installed), both started with `args`, so one set of expected bytes is
/// checked against Redis's observed behaviour as well as ours.
///
/// With `CEDIS_TESTS_REDIS_FIRST` set, redis-server runs first: handy while
/// writing a test, so a wrong expectation fails on the oracle.
pub fn on_both_with(args: &[&str], scenario: impl Fn(&Server)) {
    if std::env::var_os("CEDIS_TESTS_REDIS_FIRST").is_some() {
        if let Some(redis) = Server::redis_with(args) {
            eprintln!("-- on redis-server");
            scenario(&redis);
        }
    }
    let cedis = Server::cedis_with(args);
    eprintln!("-- on cedis");
    scenario(&cedis);
    drop(cedis);
    if let Some(redis) = Server::redis_with(args) {
        eprintln!("-- on redis-server");
        scenario(&redis);
    }
}

/// [`on_both_with`] with default arguments.
pub fn on_both(scenario: impl Fn(&Server)) {
    on_both_with(&[], scenario)
}

/// Polls `f` every few milliseconds until it returns true or `timeout`
/// passes; returns whether it succeeded.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `cmds` (each a command's arguments) on one connection to a cedis
/// and one to a real redis-server, both started with `server_args`, and
/// asserts that every raw reply is the same. Returns cedis's replies. Without
/// a redis-server only cedis runs (with a notice). A command whose name is
/// prefixed with `~` (`["~HELLO", "3"]`) is sent without the `~` and its
/// reply is not compared (client ids, times).
pub fn assert_same_as_redis(server_args: &[&str], cmds: &[&[&str]]) -> Vec<Vec<u8>> {
    let cedis = Server::cedis_with(server_args);
    let redis = Server::redis_with(server_args);
    let mut c = cedis.conn();
    let mut r = redis.as_ref().map(|r| r.conn());
    let mut out = Vec::new();
    for cmd in cmds {
        let compare = !cmd.first().is_some_and(|n| n.starts_with('~'));
        let mut cmd = cmd.to_vec();
        if let Some(n) = cmd.first_mut() {
            *n = n.trim_start_matches('~');
        }
        let got = c.cmd_str(&cmd);
        if let Some(r) = r.as_mut() {
            let want = r.cmd_str(&cmd);
            assert!(
                got == want || !compare,
                "{cmd:?} (server args {server_args:?})\n  redis: {}\n  cedis: {}",
                show(&want),
                show(&got)
            );
        }
        out.push(got);
    }
    out
}

/// The raw bytes of an array (`*`, or a RESP3 push with `>`) of bulk
/// strings: `bulk_array(b'*', &["message", "ch", "hi"])` is a RESP2 Pub/Sub
/// message as a subscriber receives it.
pub fn bulk_array(kind: u8, items: &[&str]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(format!("{}\r\n", items.len()).as_bytes());
    for i in items {
        out.extend_from_slice(format!("${}\r\n{i}\r\n", i.len()).as_bytes());
    }
    out
}

/// The raw bytes of a (un)subscribe confirmation: `kind` (`subscribe`,
/// `punsubscribe`, ...), the channel (`None`: the null channel of an
/// UNSUBSCRIBE with nothing to leave) and the remaining subscription count;
/// a push frame when `resp3`.
pub fn sub_confirm(resp3: bool, kind: &str, channel: Option<&str>, count: i64) -> Vec<u8> {
    let mut out = if resp3 {
        b">3\r\n".to_vec()
    } else {
        b"*3\r\n".to_vec()
    };
    out.extend_from_slice(format!("${}\r\n{kind}\r\n", kind.len()).as_bytes());
    match (channel, resp3) {
        (Some(c), _) => out.extend_from_slice(format!("${}\r\n{c}\r\n", c.len()).as_bytes()),
        (None, true) => out.extend_from_slice(b"_\r\n"),
        (None, false) => out.extend_from_slice(b"$-1\r\n"),
    }
    out.extend_from_slice(format!(":{count}\r\n").as_bytes());
    out
}

/// Asserts that a raw reply equals `expected`, showing both escaped.
#[macro_export]
macro_rules! assert_reply {
    ($got:expr, $want:expr) => {{
        // A match keeps temporaries (`format!(..).as_bytes()`) alive.
        match (&$got, $want) {
            (got, want) => {
                let got: &[u8] = got;
                let want: &[u8] = want;
                assert!(
                    got == want,
                    "reply mismatch\n  got:  {}\n  want: {}",
                    $crate::show(got),
                    $crate::show(want)
                );
            }
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_encoding() {
        assert_eq!(request(&[b"GET", b"k"]), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    }

    #[test]
    fn show_escapes() {
        assert_eq!(show(b"+OK\r\n"), "+OK\\r\\n");
    }
}
