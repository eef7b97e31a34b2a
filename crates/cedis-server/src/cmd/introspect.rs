//! Introspection: SLOWLOG, LATENCY, MEMORY, MONITOR and FUNCTION (for an
//! empty function library), plus [`after_command`], the hook the
//! dispatcher calls after every executed command to feed the slow log,
//! the latency monitor, the per-command latency histograms and MONITOR
//! clients.
//!
//! What is recorded, and where it differs from Redis:
//! - Slow log entries keep at most 32 arguments of at most 128 bytes, with
//!   secrets replaced by `(redacted)` (AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2,
//!   ACL SETUSER, CONFIG SET of sensitive parameters), as Redis 7.0 does.
//! - The latency monitor records the `command` and `fast-command` events;
//!   the events of subsystems cedis does not have (fork, AOF, eviction...)
//!   never appear.
//! - Latency histograms use Redis's reporting buckets (powers of two from
//!   1024 ns, reported in µs at each bucket's highest equivalent value),
//!   derived from the one histogram per command that INFO latencystats
//!   reads (see [`super::latency_hist`]); CONFIG RESETSTAT forgets them.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;
use cedis_resp::ReplyWriter;

use super::args::is;
use super::error::{CmdError, CmdResult};
use super::latency_hist::{report_bucket_top, LatencyHist, LatencyHistograms};
use super::server::help;
use super::table::{cmd, container, flags::*, Command, CommandSpec};
use super::Ctx;
use crate::config::{Flags as ConfigFlags, Param};
use crate::state::{unix_ms, unix_us};

const ADMIN_SLOW: &[&str] = &["admin", "slow", "dangerous"];
const SLOW: &[&str] = &["slow"];
const ADMIN_FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    container("slowlog", -2, SLOW, SLOWLOG),
    container("latency", -2, SLOW, LATENCY),
    container("memory", -2, SLOW, MEMORY),
    container("function", -2, SLOW, FUNCTION),
    cmd("monitor", 1, ADMIN_FLAGS, (0, 0, 0), ADMIN_SLOW, monitor),
];

#[rustfmt::skip]
static SLOWLOG: &[CommandSpec] = &[
    cmd("help", 2, LOADING | STALE, (0, 0, 0), SLOW, slowlog_help),
    cmd("len", 2, ADMIN | LOADING | STALE, (0, 0, 0), ADMIN_SLOW, slowlog_len),
    cmd("get", -2, ADMIN | LOADING | STALE, (0, 0, 0), ADMIN_SLOW, slowlog_get),
    cmd("reset", 2, ADMIN | LOADING | STALE, (0, 0, 0), ADMIN_SLOW, slowlog_reset),
];

#[rustfmt::skip]
static LATENCY: &[CommandSpec] = &[
    cmd("doctor", 2, ADMIN_FLAGS, (0, 0, 0), ADMIN_SLOW, latency_doctor),
    cmd("latest", 2, ADMIN_FLAGS, (0, 0, 0), ADMIN_SLOW, latency_latest),
    cmd("history", 3, ADMIN_FLAGS, (0, 0, 0), ADMIN_SLOW, latency_history),
    cmd("graph", 3, ADMIN_FLAGS, (0, 0, 0), ADMIN_SLOW, latency_graph),
    cmd("reset", -2, ADMIN_FLAGS, (0, 0, 0), ADMIN_SLOW, latency_reset),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), SLOW, latency_help),
    cmd("histogram", -2, ADMIN_FLAGS, (0, 0, 0), ADMIN_SLOW, latency_histogram),
];

#[rustfmt::skip]
static MEMORY: &[CommandSpec] = &[
    cmd("doctor", 2, 0, (0, 0, 0), SLOW, memory_doctor),
    cmd("stats", 2, 0, (0, 0, 0), SLOW, memory_stats),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), SLOW, memory_help),
    cmd("malloc-stats", 2, 0, (0, 0, 0), SLOW, memory_malloc_stats),
    cmd("purge", 2, 0, (0, 0, 0), SLOW, memory_purge),
    cmd("usage", -3, READONLY, (2, 2, 1), &["read", "slow"], memory_usage),
];

#[rustfmt::skip]
static FUNCTION: &[CommandSpec] = &[
    cmd("help", 2, LOADING | STALE, (0, 0, 0), &["slow", "scripting"], function_help),
    cmd("flush", -2, WRITE | NOSCRIPT, (0, 0, 0), &["write", "slow", "scripting"], function_flush),
    cmd("list", -2, NOSCRIPT, (0, 0, 0), &["slow", "scripting"], function_list),
    cmd("stats", 2, NOSCRIPT | ALLOW_BUSY, (0, 0, 0), &["slow", "scripting"], function_stats),
];

/// Slow log entries kept per argument and per entry, as Redis.
const SLOWLOG_MAX_ARGC: usize = 32;
const SLOWLOG_MAX_STRING: usize = 128;
/// Samples kept per latency event, as Redis.
const LATENCY_TS_LEN: usize = 160;

/// Introspection state kept in [`crate::state::ServerState`].
#[derive(Debug)]
pub struct Introspection {
    slowlog: VecDeque<SlowEntry>,
    slowlog_next_id: u64,
    latency: BTreeMap<&'static str, LatencyEvent>,
    /// Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM).
    pub histograms: LatencyHistograms,
    /// Memory in use when the state was created (MEMORY STATS).
    startup_memory: u64,
    /// Highest memory use observed (MEMORY STATS).
    peak_memory: u64,
}

impl Default for Introspection {
    fn default() -> Self {
        let mem = process_memory().0;
        Introspection {
            slowlog: VecDeque::new(),
            slowlog_next_id: 0,
            latency: BTreeMap::new(),
            histograms: LatencyHistograms::default(),
            startup_memory: mem,
            peak_memory: mem,
        }
    }
}

impl Introspection {
    /// Records a latency sample (milliseconds) for `event` if it reaches
    /// `latency-monitor-threshold` (0 disables the monitor).
    pub fn latency_sample(&mut self, threshold_ms: u64, event: &'static str, ms: u64) {
        if threshold_ms == 0 || ms < threshold_ms {
            return;
        }
        let now = unix_ms() / 1000;
        let ms = u32::try_from(ms).unwrap_or(u32::MAX);
        let ev = self.latency.entry(event).or_default();
        ev.max = ev.max.max(ms);
        match ev.samples.back_mut() {
            Some(last) if last.0 == now => last.1 = last.1.max(ms),
            _ => {
                if ev.samples.len() == LATENCY_TS_LEN {
                    ev.samples.pop_front();
                }
                ev.samples.push_back((now, ms));
            }
        }
    }
}

#[derive(Debug)]
struct SlowEntry {
    id: u64,
    time: i64,
    micros: u64,
    args: Vec<Bytes>,
    addr: String,
    name: Vec<u8>,
}

#[derive(Debug, Default)]
struct LatencyEvent {
    /// (unix seconds, milliseconds), oldest first.
    samples: VecDeque<(i64, u32)>,
    /// All-time maximum.
    max: u32,
}

/// Positions of `argv` that must not be shown in the slow log or MONITOR.
fn redacted_positions(full_name: &str, argv: &[Bytes]) -> Vec<usize> {
    match full_name {
        "auth" => (1..argv.len()).collect(),
        "acl|setuser" => (2..argv.len()).collect(),
        "hello" => {
            let mut v = Vec::new();
            let mut i = 2;
            while i < argv.len() {
                if is(&argv[i], "auth") {
                    v.extend([i + 1, i + 2].into_iter().filter(|&j| j < argv.len()));
                    i += 3;
                } else {
                    i += if is(&argv[i], "setname") { 2 } else { 1 };
                }
            }
            v
        }
        "migrate" => {
            let mut v = Vec::new();
            let mut i = 6;
            while i < argv.len() {
                if is(&argv[i], "keys") {
                    break;
                } else if is(&argv[i], "auth") {
                    v.push(i + 1);
                    i += 2;
                } else if is(&argv[i], "auth2") {
                    v.extend([i + 1, i + 2]);
                    i += 3;
                } else {
                    i += 1;
                }
            }
            v.retain(|&j| j < argv.len());
            v
        }
        "config|set" => (2..argv.len())
            .step_by(2)
            .filter(|&i| i + 1 < argv.len())
            .filter(|&i| {
                Param::lookup(&argv[i])
                    .is_some_and(|p| p.spec().flags.contains(ConfigFlags::SENSITIVE))
            })
            .map(|i| i + 1)
            .collect(),
        _ => Vec::new(),
    }
}

const REDACTED: &[u8] = b"(redacted)";

/// Called by the dispatcher after a command ran: slow log, latency monitor,
/// latency histogram and MONITOR feed.
pub fn after_command(ctx: &mut Ctx<'_>, command: &'static Command, argv: &[Bytes], took: Duration) {
    let spec = command.spec;
    let micros = took.as_micros() as u64;
    if !spec.has(SKIP_SLOWLOG) {
        let event = if spec.has(FAST) {
            "fast-command"
        } else {
            "command"
        };
        let threshold = ctx.server.config.latency_monitor_threshold();
        ctx.server
            .introspection
            .latency_sample(threshold, event, micros / 1000);
        let slower_than = ctx.server.config.slowlog_log_slower_than();
        if slower_than >= 0 && micros >= slower_than as u64 {
            slowlog_push(ctx, command, argv, micros);
        }
    }
    if matches!(
        ctx.server.config.get(Param::LatencyTracking),
        crate::config::Value::Bool(true)
    ) {
        ctx.server.introspection.histograms.record(command, micros);
    }
    if !ctx.server.monitors.is_empty() && !spec.has(SKIP_MONITOR | ADMIN) {
        feed_monitors(ctx, command, argv);
    }
}

fn slowlog_push(ctx: &mut Ctx<'_>, command: &Command, argv: &[Bytes], micros: u64) {
    let redacted = redacted_positions(&command.full_name, argv);
    let argc = argv.len().min(SLOWLOG_MAX_ARGC);
    let mut args = Vec::with_capacity(argc);
    for (j, a) in argv.iter().take(argc).enumerate() {
        let arg = if argc != argv.len() && j == argc - 1 {
            Bytes::from(format!("... ({} more arguments)", argv.len() - argc + 1))
        } else if redacted.contains(&j) {
            Bytes::from_static(REDACTED)
        } else if a.len() > SLOWLOG_MAX_STRING {
            let mut s = a[..SLOWLOG_MAX_STRING].to_vec();
            s.extend_from_slice(
                format!("... ({} more bytes)", a.len() - SLOWLOG_MAX_STRING).as_bytes(),
            );
            Bytes::from(s)
        } else {
            // A copy: a slice would keep the whole request buffer alive
            // for as long as the entry stays in the log.
            Bytes::copy_from_slice(a)
        };
        args.push(arg);
    }
    let intro = &mut ctx.server.introspection;
    let id = intro.slowlog_next_id;
    intro.slowlog_next_id += 1;
    intro.slowlog.push_front(SlowEntry {
        id,
        time: unix_ms() / 1000,
        micros,
        args,
        addr: ctx.client.addr.clone(),
        name: ctx.client.name.clone().unwrap_or_default(),
    });
    let max = usize::try_from(ctx.server.config.slowlog_max_len()).unwrap_or(usize::MAX);
    intro.slowlog.truncate(max);
}

/// Appends `"arg"` with Redis's escaping (`sdscatrepr`).
pub fn repr(out: &mut Vec<u8>, a: &[u8]) {
    out.push(b'"');
    for &c in a {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(c),
            _ => {
                let _ = std::io::Write::write_fmt(out, format_args!("\\x{c:02x}"));
            }
        }
    }
    out.push(b'"');
}

/// The MONITOR line for a command: `+<sec>.<usec> [<db> <addr>] "arg" ...`.
fn monitor_line(ctx: &Ctx<'_>, command: &Command, argv: &[Bytes]) -> Vec<u8> {
    let us = unix_us();
    let c = &ctx.client;
    let who = if c.unix {
        format!("unix:{}", c.laddr)
    } else {
        c.addr.clone()
    };
    let mut line = format!(
        "+{}.{:06} [{} {}]",
        us / 1_000_000,
        us % 1_000_000,
        c.db,
        who
    )
    .into_bytes();
    let redacted = redacted_positions(&command.full_name, argv);
    for (j, a) in argv.iter().enumerate() {
        line.push(b' ');
        if redacted.contains(&j) {
            repr(&mut line, REDACTED);
        } else {
            repr(&mut line, a);
        }
    }
    line.extend_from_slice(b"\r\n");
    line
}

fn feed_monitors(ctx: &mut Ctx<'_>, command: &Command, argv: &[Bytes]) {
    let line = monitor_line(ctx, command, argv);
    let me = ctx.client.id;
    let server = &mut *ctx.server;
    let clients = &mut server.clients;
    let client = &mut *ctx.client;
    server.monitors.retain(|&id| {
        if id == me {
            client.push_output(&line);
            return true;
        }
        match clients.get_mut(id) {
            Some(m) => {
                m.push_output(&line);
                true
            }
            None => false,
        }
    });
}

fn monitor(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if ctx.client.monitor {
        // Already a monitor: Redis ignores the command without a reply.
        return Ok(());
    }
    ctx.client.monitor = true;
    ctx.server.monitors.push(ctx.client.id);
    ctx.reply().ok();
    Ok(())
}

// ---- SLOWLOG ----

fn slowlog_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    help(
        ctx,
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
    Ok(())
}

fn slowlog_len(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let n = ctx.server.introspection.slowlog.len();
    ctx.reply().integer(n as i64);
    Ok(())
}

fn slowlog_reset(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    ctx.server.introspection.slowlog.clear();
    ctx.reply().ok();
    Ok(())
}

fn slowlog_get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let count = match argv.len() {
        2 => 10,
        3 => match cedis_store::value::parse_i64(&argv[2]) {
            Some(-1) => usize::MAX,
            Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
            _ => {
                return Err(CmdError::msg(
                    "ERR count should be greater than or equal to -1",
                ))
            }
        },
        _ => return Err(subcommand_syntax("get", "SLOWLOG")),
    };
    let Ctx {
        server,
        client,
        out,
        ..
    } = ctx;
    let entries = &server.introspection.slowlog;
    let n = entries.len().min(count);
    let mut w = ReplyWriter::new(out, client.proto);
    w.array_header(n);
    for e in entries.iter().take(n) {
        w.array_header(6);
        w.integer(e.id as i64);
        w.integer(e.time);
        w.integer(e.micros as i64);
        w.array_header(e.args.len());
        for a in &e.args {
            w.bulk(a);
        }
        w.bulk(e.addr.as_bytes());
        w.bulk(&e.name);
    }
    Ok(())
}

/// Redis's error for a known subcommand called with the wrong arguments.
fn subcommand_syntax(sub: &str, command: &str) -> CmdError {
    CmdError::owned(format!(
        "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try {command} HELP."
    ))
}

// ---- LATENCY ----

fn latency_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    help(
        ctx,
        "LATENCY",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
    Ok(())
}

fn latency_latest(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let Ctx {
        server,
        client,
        out,
        ..
    } = ctx;
    let events = &server.introspection.latency;
    let mut w = ReplyWriter::new(out, client.proto);
    let live: Vec<_> = events
        .iter()
        .filter_map(|(name, ev)| ev.samples.back().map(|last| (name, last, ev.max)))
        .collect();
    w.array_header(live.len());
    for (name, (time, ms), max) in live {
        w.array_header(4);
        w.bulk(name.as_bytes());
        w.integer(*time);
        w.integer(i64::from(*ms));
        w.integer(i64::from(max));
    }
    Ok(())
}

fn latency_history(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let Ctx {
        server,
        client,
        out,
        ..
    } = ctx;
    let mut w = ReplyWriter::new(out, client.proto);
    let ev = std::str::from_utf8(&argv[2])
        .ok()
        .and_then(|n| server.introspection.latency.get(n));
    match ev {
        None => w.array_header(0),
        Some(ev) => {
            w.array_header(ev.samples.len());
            for (time, ms) in &ev.samples {
                w.array_header(2);
                w.integer(*time);
                w.integer(i64::from(*ms));
            }
        }
    }
    Ok(())
}

fn latency_reset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let events = &mut ctx.server.introspection.latency;
    let n = if argv.len() == 2 {
        let n = events.len();
        events.clear();
        n
    } else {
        argv[2..]
            .iter()
            .filter(|a| {
                std::str::from_utf8(a)
                    .ok()
                    .and_then(|n| events.remove(n))
                    .is_some()
            })
            .count()
    };
    ctx.reply().integer(n as i64);
    Ok(())
}

/// A duration as LATENCY GRAPH labels columns: `12s`, `3m`, `2h`, `1d`.
fn age_label(secs: i64) -> String {
    match secs.max(0) {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// Renders samples as Redis's LATENCY GRAPH does: a header, a rule, four
/// rows of bars (`_`, `-`, `` ` `` per third of a row, `|` below), and the
/// age of each sample written vertically.
fn latency_graph_text(name: &str, ev: &LatencyEvent, now: i64) -> String {
    let (low, high) = ev
        .samples
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), &(_, ms)| (lo.min(ms), hi.max(ms)));
    let mut text = format!(
        "{name} - high {high} ms, low {low} ms (all time high {} ms)\n{}\n",
        ev.max,
        "-".repeat(80)
    );
    const ROWS: usize = 4;
    let steps = ROWS * 3;
    let levels: Vec<usize> = ev
        .samples
        .iter()
        .map(|&(_, ms)| {
            if high == low {
                0
            } else {
                ((u64::from(ms - low) * (steps as u64 - 1)) / u64::from(high - low)) as usize
            }
        })
        .collect();
    for row in (0..ROWS).rev() {
        for &lvl in &levels {
            let c = match lvl / 3 {
                r if r == row => ['_', '-', '`'][lvl % 3],
                r if r > row => '|',
                _ => ' ',
            };
            text.push(c);
        }
        text.push('\n');
    }
    let labels: Vec<Vec<char>> = ev
        .samples
        .iter()
        .map(|&(t, _)| age_label(now - t).chars().collect())
        .collect();
    let height = labels.iter().map(Vec::len).max().unwrap_or(0);
    for row in 0..=height {
        for l in &labels {
            // The first label row is blank, as in Redis's output.
            text.push(if row == 0 {
                ' '
            } else {
                l.get(row - 1).copied().unwrap_or(' ')
            });
        }
        text.push('\n');
    }
    text
}

fn latency_graph(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let name = String::from_utf8_lossy(&argv[2]).into_owned();
    let text = match ctx.server.introspection.latency.get(name.as_str()) {
        Some(ev) if !ev.samples.is_empty() => latency_graph_text(&name, ev, unix_ms() / 1000),
        _ => {
            return Err(CmdError::owned(format!(
                "ERR No samples available for event '{name}'"
            )))
        }
    };
    ctx.reply().verbatim(b"txt", text.as_bytes());
    Ok(())
}

fn latency_doctor(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let threshold = ctx.server.config.latency_monitor_threshold();
    let slower_than = ctx.server.config.slowlog_log_slower_than();
    let text = latency_doctor_text(&ctx.server.introspection, threshold, slower_than);
    ctx.reply().verbatim(b"txt", text.as_bytes());
    Ok(())
}

fn latency_doctor_text(intro: &Introspection, threshold: u64, slower_than: i64) -> String {
    if threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis \
                instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" \
                in order to enable it. If we weren't in a deep space mission I'd suggest to take \
                a look at https://redis.io/topics/latency-monitor.\n"
            .to_string();
    }
    let events: Vec<_> = intro
        .latency
        .iter()
        .filter(|(_, ev)| !ev.samples.is_empty())
        .collect();
    if events.is_empty() {
        return "Dave, no latency spike was observed during the lifetime of this Redis instance, \
                not in the slightest bit. I honestly think you ought to sleep tonight.\n"
            .to_string();
    }
    let mut text = String::from(
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking \
         about it, do you Dave?\n\n",
    );
    let mut command_events = false;
    for (i, (name, ev)) in events.iter().enumerate() {
        let n = ev.samples.len() as u64;
        let sum: u64 = ev.samples.iter().map(|s| u64::from(s.1)).sum();
        let avg = sum / n;
        let mad = ev
            .samples
            .iter()
            .map(|s| (i64::from(s.1) - avg as i64).unsigned_abs())
            .sum::<u64>()
            / n;
        let first = ev.samples.front().map_or(0, |s| s.0);
        let last = ev.samples.back().map_or(0, |s| s.0);
        let period = if n > 1 {
            (last - first) as f64 / (n - 1) as f64
        } else {
            1.0
        };
        let _ = writeln!(
            text,
            "{}. {name}: {n} latency spikes (average {avg}ms, mean deviation {mad}ms, period \
             {period:.2} sec). Worst all time event {}ms.",
            i + 1,
            ev.max
        );
        command_events |= name.contains("command");
    }
    text.push_str("\nI have a few advices for you:\n\n");
    if command_events {
        if slower_than < 0 || slower_than as u64 > threshold * 1000 {
            text.push_str(
                "- Your current Slow Log configuration only logs events that are slower than \
                 your configured latency monitor threshold. Please use 'CONFIG SET \
                 slowlog-log-slower-than 1000'.\n",
            );
        }
        text.push_str(
            "- Check your Slow Log to understand what are the commands you are running which \
             are too slow to execute. Please check https://redis.io/commands/slowlog for more \
             information.\n",
        );
        text.push_str(
            "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a \
             blocking operation. If you have very large objects that are often deleted, \
             expired, or evicted, try to fragment those objects into multiple smaller \
             objects.\n",
        );
    }
    text
}

fn write_histogram(w: &mut ReplyWriter<'_>, name: &str, h: &LatencyHist) {
    w.bulk(name.as_bytes());
    w.map_header(2);
    w.bulk(b"calls");
    w.integer(h.calls() as i64);
    w.bulk(b"histogram_usec");
    let mut points = Vec::new();
    let mut cumulative = 0;
    for (k, &n) in h.report_buckets().iter().enumerate() {
        if n > 0 {
            cumulative += n;
            points.push(((report_bucket_top(k) / 1000) as i64, cumulative as i64));
        }
        if cumulative == h.calls() {
            break;
        }
    }
    w.map_header(points.len());
    for (k, n) in points {
        w.integer(k);
        w.integer(n);
    }
}

fn latency_histogram(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let table = super::table();
    let mut chosen: Vec<&'static Command> = Vec::new();
    let add_tree = |c: &'static Command, chosen: &mut Vec<&'static Command>| {
        chosen.push(c);
        chosen.extend(c.subcommands.iter());
    };
    if argv.len() == 2 {
        for c in table.all() {
            add_tree(c, &mut chosen);
        }
    } else {
        for a in &argv[2..] {
            let (parent, sub) = match a.iter().position(|&b| b == b'|') {
                Some(i) => (&a[..i], Some(&a[i + 1..])),
                None => (&a[..], None),
            };
            let Some(c) = table.get(parent) else { continue };
            match sub {
                Some(s) => {
                    if let Some(sc) = c.subcommand(s) {
                        chosen.push(sc);
                    }
                }
                None => add_tree(c, &mut chosen),
            }
        }
    }
    let hists = &ctx.server.introspection.histograms;
    let found: Vec<(&str, LatencyHist)> = chosen
        .into_iter()
        .filter_map(|c| hists.get(c).map(|h| (c.full_name.as_str(), h.clone())))
        .collect();
    let mut w = ctx.reply();
    w.map_header(found.len());
    for (name, h) in &found {
        write_histogram(&mut w, name, h);
    }
    Ok(())
}

// ---- MEMORY ----

fn memory_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    help(
        ctx,
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
    Ok(())
}

/// The allocation size jemalloc would use for `n` bytes (its size classes:
/// 8, 16-byte steps up to 128, then four classes per power of two).
pub fn alloc_size(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16) * 16;
    }
    let pow = usize::BITS - (n - 1).leading_zeros(); // 2^pow >= n
    let step = 1usize << (pow - 3);
    n.div_ceil(step) * step
}

/// Bytes of an sds string of length `len` (header, data, terminator).
fn sds_size(len: usize, allow_type5: bool) -> usize {
    let header = match len {
        l if l < 32 && allow_type5 => 1,
        l if l < 256 => 3,
        l if l < 65536 => 5,
        l if l <= u32::MAX as usize => 9,
        _ => 17,
    };
    alloc_size(header + len + 1)
}

/// MEMORY USAGE's estimate, in the shape of Redis's accounting: the table
/// entry, the key's sds and the value object.
fn key_memory(key: &[u8], entry: &cedis_store::Entry) -> usize {
    const DICT_ENTRY: usize = 24;
    const ROBJ: usize = 16;
    let value = match (entry.encoding(), entry.as_str()) {
        ("int", _) => ROBJ,
        ("embstr", Some(s)) => alloc_size(ROBJ + 3 + s.len() + 1),
        ("raw", Some(s)) => ROBJ + sds_size(s.len(), false),
        // A listpack sorted set is one exact-size allocation in Redis
        // (every insert or delete reallocates to the listpack's size).
        _ => match zset_listpack_bytes(entry) {
            Some(n) => ROBJ + alloc_size(n),
            None => ROBJ + entry.heap_size(),
        },
    };
    DICT_ENTRY + sds_size(key.len(), true) + value
}

/// The size of a `listpack`-encoded sorted set's listpack.
fn zset_listpack_bytes(entry: &cedis_store::Entry) -> Option<usize> {
    match entry.value() {
        std::borrow::Cow::Borrowed(cedis_store::Value::ZSet(z)) => {
            z.as_listpack().map(|lp| lp.bytes_len())
        }
        _ => None,
    }
}

fn memory_usage(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut i = 3;
    while i < argv.len() {
        if is(&argv[i], "samples") && i + 1 < argv.len() {
            let n = cedis_store::value::parse_i64(&argv[i + 1]).ok_or(CmdError::NotInteger)?;
            if n < 0 {
                return Err(CmdError::Syntax);
            }
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let db = ctx.client.db;
    let size = ctx
        .store
        .peek(db, &argv[2])
        .map(|e| key_memory(&argv[2], e));
    let mut w = ctx.reply();
    match size {
        Some(n) => w.integer(n as i64),
        None => w.null(),
    }
    Ok(())
}

/// (anonymous resident bytes, resident bytes) of this process, from
/// `/proc/self/status` (0 where unavailable).
fn process_memory() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("RssAnon:"), field("VmRSS:"))
}

fn memory_stats(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let (used, rss) = process_memory();
    let intro = &mut ctx.server.introspection;
    intro.peak_memory = intro.peak_memory.max(used);
    let (peak, startup) = (intro.peak_memory, intro.startup_memory);
    let clients = (ctx.server.clients.len() + 1) as u64;
    let clients_normal = clients * (16384 + 1024);
    let dbs: Vec<(usize, usize, usize)> = (0..ctx.store.databases())
        .map(|db| (db, ctx.store.dbsize(db), ctx.store.expires_count(db)))
        .filter(|&(_, keys, _)| keys > 0)
        .collect();
    let keys: u64 = dbs.iter().map(|d| d.1 as u64).sum();
    let mut overhead = startup + clients_normal;
    let mut db_overheads = Vec::new();
    for &(db, k, e) in &dbs {
        // Table slots: a power of two at least the key count, 8 bytes each,
        // plus one 24-byte entry per key.
        let main = (k.next_power_of_two() * 8 + k * 24) as u64;
        let expires = if e > 0 {
            (e.next_power_of_two() * 8 + e * 24) as u64
        } else {
            0
        };
        overhead += main + expires;
        db_overheads.push((db, main, expires));
    }
    let dataset = used.saturating_sub(overhead);
    let net = used.saturating_sub(startup);
    let pct = |a: u64, b: u64| {
        if b == 0 {
            0.0
        } else {
            a as f64 * 100.0 / b as f64
        }
    };
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let mut w = ctx.reply();
    w.map_header(27 + db_overheads.len());
    let int = |w: &mut ReplyWriter<'_>, k: &str, v: u64| {
        w.bulk(k.as_bytes());
        w.integer(v as i64);
    };
    int(&mut w, "peak.allocated", peak);
    int(&mut w, "total.allocated", used);
    int(&mut w, "startup.allocated", startup);
    int(&mut w, "replication.backlog", 0);
    int(&mut w, "clients.slaves", 0);
    int(&mut w, "clients.normal", clients_normal);
    int(&mut w, "cluster.links", 0);
    int(&mut w, "aof.buffer", 0);
    int(&mut w, "lua.caches", 0);
    int(&mut w, "functions.caches", 0);
    for (db, main, expires) in db_overheads {
        w.bulk(format!("db.{db}").as_bytes());
        w.map_header(3);
        int(&mut w, "overhead.hashtable.main", main);
        int(&mut w, "overhead.hashtable.expires", expires);
        int(&mut w, "overhead.hashtable.slot-to-keys", 0);
    }
    int(&mut w, "overhead.total", overhead);
    int(&mut w, "keys.count", keys);
    int(
        &mut w,
        "keys.bytes-per-key",
        net.checked_div(keys).unwrap_or(0),
    );
    int(&mut w, "dataset.bytes", dataset);
    w.bulk(b"dataset.percentage");
    w.double(pct(dataset, net));
    w.bulk(b"peak.percentage");
    w.double(pct(used, peak));
    int(&mut w, "allocator.allocated", used);
    int(&mut w, "allocator.active", used);
    int(&mut w, "allocator.resident", rss);
    w.bulk(b"allocator-fragmentation.ratio");
    w.double(1.0);
    int(&mut w, "allocator-fragmentation.bytes", 0);
    w.bulk(b"allocator-rss.ratio");
    w.double(ratio(rss, used));
    int(&mut w, "allocator-rss.bytes", rss.saturating_sub(used));
    w.bulk(b"rss-overhead.ratio");
    w.double(1.0);
    int(&mut w, "rss-overhead.bytes", 0);
    w.bulk(b"fragmentation");
    w.double(ratio(rss, used));
    int(&mut w, "fragmentation.bytes", rss.saturating_sub(used));
    Ok(())
}

fn memory_doctor(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let (used, _) = process_memory();
    let text = if used < 5 * 1024 * 1024 {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector \
         can't be used in these conditions. Please, leave for your mission on Earth and fill it \
         with some data. The new Sam and I will be back to our programming as soon as I \
         finished rebooting.\n"
    } else {
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what \
         occurs on this base.\n"
    };
    ctx.reply().verbatim(b"txt", text.as_bytes());
    Ok(())
}

fn memory_malloc_stats(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    ctx.reply()
        .verbatim(b"txt", b"Stats not supported for the current allocator");
    Ok(())
}

fn memory_purge(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    ctx.reply().ok();
    Ok(())
}

// ---- FUNCTION (an empty library until scripting exists) ----

fn function_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    help(
        ctx,
        "FUNCTION",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
    Ok(())
}

fn function_flush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    match argv.len() {
        2 => {}
        3 if is(&argv[2], "sync") || is(&argv[2], "async") => {}
        3 => {
            return Err(CmdError::msg(
                "ERR FUNCTION FLUSH only supports SYNC|ASYNC option",
            ))
        }
        _ => return Err(subcommand_syntax("flush", "FUNCTION")),
    }
    ctx.reply().ok();
    Ok(())
}

fn function_list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut i = 2;
    while i < argv.len() {
        if is(&argv[i], "withcode") {
            i += 1;
        } else if is(&argv[i], "libraryname") {
            if i + 1 >= argv.len() {
                return Err(CmdError::msg("ERR library name argument was not given"));
            }
            i += 2;
        } else {
            return Err(CmdError::owned(format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(&argv[i])
            )));
        }
    }
    ctx.reply().array_header(0);
    Ok(())
}

fn function_stats(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let mut w = ctx.reply();
    w.map_header(2);
    w.bulk(b"running_script");
    w.null();
    w.bulk(b"engines");
    w.map_header(1);
    w.bulk(b"LUA");
    w.map_header(2);
    w.bulk(b"libraries_count");
    w.integer(0);
    w.bulk(b"functions_count");
    w.integer(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jemalloc_size_classes() {
        assert_eq!(alloc_size(1), 8);
        assert_eq!(alloc_size(23), 32);
        assert_eq!(alloc_size(75), 80);
        assert_eq!(alloc_size(129), 160);
        assert_eq!(alloc_size(257), 320);
        assert_eq!(alloc_size(1025), 1280);
    }

    #[test]
    fn repr_escapes_like_redis() {
        let mut v = Vec::new();
        repr(&mut v, b"a\"b\\c\n\r\t\x07\x08\x01\xff ");
        assert_eq!(v, b"\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x01\\xff \"");
    }

    #[test]
    fn redaction() {
        let v = |s: &[&str]| {
            s.iter()
                .map(|a| Bytes::from(a.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(redacted_positions("auth", &v(&["auth", "a", "b"])), [1, 2]);
        assert_eq!(
            redacted_positions("hello", &v(&["hello", "3", "AUTH", "u", "p"])),
            [3, 4]
        );
        assert_eq!(
            redacted_positions(
                "migrate",
                &v(&["migrate", "h", "1", "k", "9", "5000", "AUTH2", "u", "p"])
            ),
            [7, 8]
        );
        assert_eq!(
            redacted_positions("config|set", &v(&["config", "set", "masterauth", "x"])),
            [3]
        );
        assert!(
            redacted_positions("config|set", &v(&["config", "set", "maxmemory", "1"])).is_empty()
        );
    }

    #[test]
    fn latency_samples_merge_per_second_and_keep_max() {
        let mut i = Introspection::default();
        i.latency_sample(0, "command", 500);
        assert!(i.latency.is_empty());
        i.latency_sample(100, "command", 50);
        assert!(i.latency.is_empty());
        i.latency_sample(100, "command", 200);
        i.latency_sample(100, "command", 300);
        let ev = &i.latency["command"];
        assert!(ev.samples.len() <= 2);
        assert_eq!(ev.max, 300);
        let text = latency_graph_text("command", ev, ev.samples[0].0);
        assert!(text.starts_with("command - high 300 ms"));
    }
}
