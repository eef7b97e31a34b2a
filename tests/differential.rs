//! Differential test: every script in `tests/diff/*.redis` runs against a
//! fresh real redis-server and a fresh cedis-server, and the raw reply bytes
//! are compared command by command.
//!
//! Script format (one command per line, parsed with `cedis_resp::split_args`,
//! so redis-cli-like quoting works: `set "a b" 'c'`, `"\x00"`). Lines whose
//! first non-blank character is `#` are comments, or directives that apply
//! to the next command:
//!
//! | directive | effect |
//! |---|---|
//! | `# unordered` | sort the elements of the reply's top-level aggregate (and of arrays nested one level, e.g. SCAN's key list) before comparing |
//! | `# ignore: <why>` | send the command to both, don't compare (time, ids, randomness) |
//! | `# known-diff: <why>` | cedis is known to differ: send, don't compare, count and list it; reported as fixed when the replies match |
//! | `# resp3` / `# resp2` | switch both connections with `HELLO 3` / `HELLO 2` (reply not compared) |
//! | `# sleep <ms>` | pause (for short TTLs) |
//! | `# reconnect` | open new connections to both servers (after QUIT, or to reset state) |
//! | `# server-args: <args>` | (before the first command) start both servers with these extra arguments |
//!
//! The test fails listing, for each file, the first line whose replies
//! differ, with both replies escaped (`DIFF_ALL=1`: every differing line).
//! `DIFF_FILTER=<substring>` runs only the matching files. Skipped with a notice when no redis-server exists.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cedis_resp::{split_args, Frame, Protocol};
use cedis_tests::{show, Server};

/// One command of a script with its directives.
#[derive(Debug)]
struct Step {
    line: usize,
    text: String,
    args: Vec<Vec<u8>>,
    mode: Mode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Compare,
    Unordered,
    Ignore,
    KnownDiff(String),
}

#[derive(Debug)]
enum Item {
    Step(Step),
    Protocol(u8),
    Sleep(u64),
    Reconnect,
}

fn parse_script(path: &Path) -> Vec<Item> {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut items = Vec::new();
    let mut mode = Mode::Compare;
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let trimmed = raw.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix(b"#") {
            let d = String::from_utf8_lossy(rest).trim().to_string();
            let lower = d.to_ascii_lowercase();
            if lower == "unordered" {
                mode = Mode::Unordered;
            } else if lower.starts_with("ignore") {
                mode = Mode::Ignore;
            } else if lower.starts_with("known-diff") {
                let why = d.split_once(':').map(|x| x.1.trim()).unwrap_or("");
                mode = Mode::KnownDiff(why.to_string());
            } else if lower == "resp3" {
                items.push(Item::Protocol(3));
            } else if lower == "resp2" {
                items.push(Item::Protocol(2));
            } else if lower == "reconnect" {
                items.push(Item::Reconnect);
            } else if let Some(ms) = lower.strip_prefix("sleep ") {
                let ms = ms
                    .trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{}:{line}: bad sleep directive", path.display()));
                items.push(Item::Sleep(ms));
            }
            continue;
        }
        let args = split_args(trimmed)
            .unwrap_or_else(|_| panic!("{}:{line}: unbalanced quotes", path.display()));
        items.push(Item::Step(Step {
            line,
            text: String::from_utf8_lossy(trimmed).into_owned(),
            args,
            mode: std::mem::replace(&mut mode, Mode::Compare),
        }));
    }
    items
}

/// Sorts the elements of the top-level aggregate (and of arrays directly
/// inside it) and re-encodes, so equal multisets compare equal.
fn canonical_unordered(raw: &[u8], proto: Protocol) -> Vec<u8> {
    let mut buf = bytes::BytesMut::from(raw);
    let Ok(Some(frame)) = cedis_resp::FrameDecoder::new().decode(&mut buf) else {
        return raw.to_vec();
    };
    fn key(f: &Frame, proto: Protocol) -> Vec<u8> {
        f.to_bytes(proto).to_vec()
    }
    fn sort_list(items: &mut [Frame], proto: Protocol, nested: bool) {
        if nested {
            for it in items.iter_mut() {
                if let Frame::Array(v) | Frame::Set(v) = it {
                    sort_list(v, proto, false);
                }
            }
        }
        items.sort_by_key(|f| key(f, proto));
    }
    let frame = match frame {
        Frame::Array(mut v) => {
            sort_list(&mut v, proto, true);
            Frame::Array(v)
        }
        Frame::Set(mut v) => {
            sort_list(&mut v, proto, true);
            Frame::Set(v)
        }
        Frame::Map(mut v) => {
            v.sort_by_key(|(k, _)| key(k, proto));
            Frame::Map(v)
        }
        other => other,
    };
    frame.to_bytes(proto).to_vec()
}

fn diff_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("diff");
    let filter = std::env::var("DIFF_FILTER").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "redis"))
        .filter(|p| p.to_string_lossy().contains(&filter))
        .collect();
    files.sort();
    files
}

/// `DIFF_ALL=1` reports every differing line, not only each file's first.
fn all_diffs() -> bool {
    std::env::var_os("DIFF_ALL").is_some()
}

#[derive(Debug, Default)]
struct Outcome {
    compared: usize,
    ignored: usize,
    known: Vec<String>,
    fixed: Vec<String>,
    first_diff: Option<String>,
}

fn run_file(path: &Path) -> Outcome {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let server_args: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix('#'))
        .filter_map(|l| l.trim().strip_prefix("server-args:"))
        .flat_map(|a| a.split_whitespace().map(str::to_string))
        .collect();
    let server_args: Vec<&str> = server_args.iter().map(String::as_str).collect();
    let redis = Server::redis_with(&server_args).expect("redis-server present");
    let cedis = Server::cedis_with(&server_args);
    let mut r = redis.conn();
    let mut c = cedis.conn();
    r.set_timeout(Duration::from_secs(5));
    c.set_timeout(Duration::from_secs(5));
    let mut proto = Protocol::Resp2;
    let mut out = Outcome::default();
    for item in parse_script(path) {
        match item {
            Item::Protocol(v) => {
                let v = v.to_string();
                r.cmd_str(&["HELLO", &v]);
                c.cmd_str(&["HELLO", &v]);
                proto = if v == "3" {
                    Protocol::Resp3
                } else {
                    Protocol::Resp2
                };
            }
            Item::Sleep(ms) => std::thread::sleep(Duration::from_millis(ms)),
            Item::Reconnect => {
                r = redis.conn();
                c = cedis.conn();
                proto = Protocol::Resp2;
            }
            Item::Step(step) => {
                let args: Vec<&[u8]> = step.args.iter().map(|a| a.as_slice()).collect();
                let want = r
                    .try_cmd(&args)
                    .unwrap_or_else(|e| panic!("{name}:{}: redis-server: {e}", step.line));
                let got = match c.try_cmd(&args) {
                    Ok(g) => g,
                    Err(e) => {
                        let msg = format!(
                            "{name}:{}: `{}`\n  redis: {}\n  cedis: <{e}>",
                            step.line,
                            step.text,
                            show(&want)
                        );
                        if let Mode::KnownDiff(why) = &step.mode {
                            // The connection is unusable: report and stop the file.
                            out.known.push(format!("{name}:{}: {why}", step.line));
                        }
                        out.first_diff.get_or_insert(msg);
                        return out;
                    }
                };
                let (want, got) = if step.mode == Mode::Unordered {
                    (
                        canonical_unordered(&want, proto),
                        canonical_unordered(&got, proto),
                    )
                } else {
                    (want, got)
                };
                match &step.mode {
                    Mode::Ignore => out.ignored += 1,
                    Mode::KnownDiff(why) => {
                        out.known
                            .push(format!("{name}:{}: `{}` — {why}", step.line, step.text));
                        if want == got {
                            out.fixed
                                .push(format!("{name}:{}: `{}`", step.line, step.text));
                        }
                    }
                    Mode::Compare | Mode::Unordered => {
                        out.compared += 1;
                        if want != got && (out.first_diff.is_none() || all_diffs()) {
                            let msg = format!(
                                "{name}:{}: `{}`\n  redis: {}\n  cedis: {}",
                                step.line,
                                step.text,
                                show(&want),
                                show(&got)
                            );
                            match &mut out.first_diff {
                                Some(d) => {
                                    d.push('\n');
                                    d.push_str(&msg);
                                }
                                None => out.first_diff = Some(msg),
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn corpus_matches_redis() {
    if cedis_tests::redis_binary().is_none() {
        eprintln!("NOTICE: redis-server not found; differential test skipped");
        return;
    }
    let files = diff_files();
    assert!(
        !files.is_empty() || std::env::var("DIFF_FILTER").is_ok(),
        "no tests/diff/*.redis files"
    );
    let mut failures = Vec::new();
    let (mut compared, mut ignored, mut known, mut fixed) = (0, 0, Vec::new(), Vec::new());
    for f in &files {
        let o = run_file(f);
        compared += o.compared;
        ignored += o.ignored;
        known.extend(o.known);
        fixed.extend(o.fixed);
        if let Some(d) = o.first_diff {
            failures.push(d);
        }
    }
    eprintln!(
        "differential: {} files, {compared} replies compared, {ignored} ignored, {} known-diff",
        files.len(),
        known.len()
    );
    for k in &known {
        eprintln!("  known-diff {k}");
    }
    for f in &fixed {
        eprintln!("  NOW MATCHES (remove its known-diff mark): {f}");
    }
    assert!(
        failures.is_empty(),
        "cedis differs from redis-server ({} files):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn script_parser() {
    let dir = cedis_tests::TempDir::new();
    let p = dir.path().join("t.redis");
    std::fs::write(
        &p,
        "# comment\nset a \"b c\"\n# unordered\nkeys *\n# known-diff: x\nget a\n# resp3\n# sleep 1\nget a\n",
    )
    .unwrap();
    let items = parse_script(&p);
    assert_eq!(items.len(), 6);
    match &items[0] {
        Item::Step(s) => {
            assert_eq!(
                s.args,
                vec![b"set".to_vec(), b"a".to_vec(), b"b c".to_vec()]
            );
            assert_eq!(s.line, 2);
            assert_eq!(s.mode, Mode::Compare);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&items[1], Item::Step(s) if s.mode == Mode::Unordered));
    assert!(matches!(&items[2], Item::Step(s) if s.mode == Mode::KnownDiff("x".into())));
    assert!(matches!(items[3], Item::Protocol(3)));
    assert!(matches!(items[4], Item::Sleep(1)));
}

#[test]
fn unordered_sorting() {
    let a = canonical_unordered(b"*2\r\n$1\r\nb\r\n$1\r\na\r\n", Protocol::Resp2);
    let b = canonical_unordered(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n", Protocol::Resp2);
    assert_eq!(a, b);
    // SCAN shape: cursor then a nested list.
    let a = canonical_unordered(
        b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n",
        Protocol::Resp2,
    );
    let b = canonical_unordered(
        b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
        Protocol::Resp2,
    );
    assert_eq!(a, b);
}
