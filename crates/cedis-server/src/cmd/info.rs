//! INFO, and the counters only INFO reads ([`InfoMetrics`]).
//!
//! Sections, field names, their order and number formats follow
//! redis-server 7.0.15's `INFO everything`. Values are what cedis measures;
//! where cedis has no such mechanism (forks, AOF, replication, Lua) the
//! field shows the value an idle redis-server without it shows (0, `-1`,
//! `ok`).
//!
//! Memory: cedis cannot count its heap without a counting allocator (which
//! needs `unsafe`), so `used_memory` is the process's anonymous resident
//! memory (`RssAnon` in `/proc/self/status`: heap, stacks and anonymous
//! maps, not the mapped executable) and `used_memory_rss` is `VmRSS`.
//! `used_memory_startup` is `RssAnon` when the server state was created.
//!
//! CPU: `utime`/`stime` from `/proc/self/stat` (whole process, children)
//! and `/proc/self/task/<pid>/stat` (main thread), in clock ticks of 1/100 s.

use std::fmt::Write as _;

use bytes::Bytes;

use super::table::{cmd, flags::*, CmdCounters, Command, CommandSpec};
use super::Ctx;
use crate::state::{unix_ms, unix_us, ServerStats};
use crate::{CEDIS_VERSION, REDIS_VERSION};

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("info", -1, LOADING | STALE, (0, 0, 0), &["slow", "dangerous"], info),
];

/// Every section, in the order INFO prints them.
const SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// The sections of `INFO` and `INFO default`.
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Samples per instantaneous metric (Redis's STATS_METRIC_SAMPLES).
const METRIC_SAMPLES: usize = 16;

/// A running rate from periodic samples of a counter, averaged over the
/// last [`METRIC_SAMPLES`] samples (Redis's `trackInstantaneousMetric`).
#[derive(Debug, Default, Clone)]
struct Rate {
    samples: [u64; METRIC_SAMPLES],
    idx: usize,
    last_ms: i64,
    last_value: u64,
}

impl Rate {
    fn track(&mut self, now_ms: i64, value: u64) {
        if self.last_ms > 0 && now_ms > self.last_ms {
            let dt = (now_ms - self.last_ms) as u64;
            let delta = value.saturating_sub(self.last_value);
            self.samples[self.idx] = delta * 1000 / dt;
            self.idx = (self.idx + 1) % METRIC_SAMPLES;
        }
        self.last_ms = now_ms;
        self.last_value = value;
    }

    fn get(&self) -> u64 {
        self.samples.iter().sum::<u64>() / METRIC_SAMPLES as u64
    }
}

/// What INFO needs besides the counters: instantaneous rates sampled by
/// the cron, the memory baseline and peak, and the replication id.
#[derive(Debug, Clone)]
pub struct InfoMetrics {
    ops: Rate,
    net_input: Rate,
    net_output: Rate,
    /// `used_memory` when the server state was created.
    used_memory_startup: u64,
    /// Highest `used_memory` seen.
    used_memory_peak: u64,
    /// `master_replid`: 40 hex characters, fresh per process.
    master_replid: String,
}

impl Default for InfoMetrics {
    fn default() -> Self {
        let mem = allocated_memory();
        InfoMetrics {
            ops: Rate::default(),
            net_input: Rate::default(),
            net_output: Rate::default(),
            used_memory_startup: mem,
            used_memory_peak: mem,
            master_replid: (0..40)
                .map(|_| char::from(b"0123456789abcdef"[rand::random::<usize>() % 16]))
                .collect(),
        }
    }
}

impl InfoMetrics {
    /// Raises the memory peak to `used` bytes if higher (the eviction check
    /// calls this after each command, before evicting, as Redis's `call`).
    pub fn note_memory(&mut self, used: u64) {
        self.used_memory_peak = self.used_memory_peak.max(used);
    }

    /// Takes one sample of the rates (called by the cron; samples closer
    /// than 100 ms to the previous one are skipped, as Redis samples at
    /// most every 100 ms) and updates the memory peak.
    pub fn sample(&mut self, now_ms: i64, stats: &ServerStats, used_memory: u64) {
        if now_ms - self.ops.last_ms < 100 {
            return;
        }
        self.ops.track(now_ms, stats.total_commands_processed);
        self.net_input.track(now_ms, stats.net_input_bytes);
        self.net_output.track(now_ms, stats.net_output_bytes);
        self.used_memory_peak = self.used_memory_peak.max(used_memory);
    }

    /// Zeroes the rates; the next sample counts from now and from 0, as
    /// the counters were just reset too.
    fn reset_rates(&mut self, now_ms: i64) {
        let fresh = Rate {
            last_ms: now_ms,
            ..Rate::default()
        };
        self.ops = fresh.clone();
        self.net_input = fresh.clone();
        self.net_output = fresh;
    }
}

/// CONFIG RESETSTAT: server counters, error counts, per-command counters
/// and the keyspace hit/miss/expired counters.
pub fn reset_stats(ctx: &mut Ctx<'_>) {
    ctx.server.stats = ServerStats::default();
    ctx.server.info.reset_rates(unix_ms());
    ctx.server.introspection.histograms.clear();
    ctx.server.info.used_memory_peak = used_memory(ctx.store);
    let s = &mut ctx.store.stats;
    s.keyspace_hits = 0;
    s.keyspace_misses = 0;
    s.expired_keys = 0;
    s.evicted_keys = 0;
    ctx.server.eviction.reset_stats();
    for c in super::table().all() {
        c.stats.reset();
        for sub in &c.subcommands {
            sub.stats.reset();
        }
    }
}

fn info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> crate::cmd::CmdResult {
    let wanted = selected_sections(&argv[1..]);
    let text = render(ctx, &wanted);
    ctx.reply().verbatim(b"txt", text.as_bytes());
    Ok(())
}

/// Which sections the arguments select, in print order.
fn selected_sections(args: &[Bytes]) -> Vec<&'static str> {
    let mut on = [false; SECTIONS.len()];
    let mut set = |names: &[&str]| {
        for (i, s) in SECTIONS.iter().enumerate() {
            if names.contains(s) {
                on[i] = true;
            }
        }
    };
    if args.is_empty() {
        set(DEFAULT_SECTIONS);
    }
    for a in args {
        let a = String::from_utf8_lossy(a).to_ascii_lowercase();
        match a.as_str() {
            "all" | "everything" => set(SECTIONS),
            "default" => set(DEFAULT_SECTIONS),
            other => set(&[other]),
        }
    }
    SECTIONS
        .iter()
        .zip(on)
        .filter_map(|(s, on)| on.then_some(*s))
        .collect()
}

/// Accumulates `# Section` blocks of `field:value` lines.
struct Out {
    text: String,
}

impl Out {
    fn section(&mut self, title: &str) {
        if !self.text.is_empty() {
            self.text.push_str("\r\n");
        }
        let _ = write!(self.text, "# {title}\r\n");
    }

    fn field(&mut self, name: &str, value: impl std::fmt::Display) {
        let _ = write!(self.text, "{name}:{value}\r\n");
    }
}

fn render(ctx: &mut Ctx<'_>, sections: &[&str]) -> String {
    // Grown as it fills, as Redis's sds: the memory section's used_memory
    // counts the text built so far, and a 4 KiB reservation would put a
    // server at its maxmemory 4 KiB over it in every INFO.
    let mut out = Out {
        text: String::with_capacity(512),
    };
    for s in sections {
        match *s {
            "server" => server(ctx, &mut out),
            "clients" => clients(ctx, &mut out),
            "memory" => memory(ctx, &mut out),
            "persistence" => persistence(ctx, &mut out),
            "stats" => stats(ctx, &mut out),
            "replication" => replication(ctx, &mut out),
            "cpu" => cpu(&mut out),
            "modules" => out.section("Modules"),
            "commandstats" => commandstats(&mut out),
            "errorstats" => errorstats(ctx, &mut out),
            "latencystats" => latencystats(ctx, &mut out),
            "cluster" => {
                out.section("Cluster");
                out.field("cluster_enabled", 0);
            }
            "keyspace" => keyspace(ctx, &mut out),
            _ => {}
        }
    }
    out.text
}

fn server(ctx: &mut Ctx<'_>, out: &mut Out) {
    let config = &ctx.server.config;
    let uptime = ctx.server.started.elapsed().as_secs();
    let hz = ctx.server.settings.hz;
    out.section("Server");
    out.field("redis_version", REDIS_VERSION);
    out.field("redis_git_sha1", "00000000");
    out.field("redis_git_dirty", 0);
    out.field("redis_build_id", build_id());
    out.field("redis_mode", "standalone");
    out.field("os", os_name());
    out.field("arch_bits", usize::BITS);
    out.field("monotonic_clock", "POSIX clock_gettime");
    out.field("multiplexing_api", "epoll");
    out.field("atomicvar_api", "c11-builtin");
    out.field("gcc_version", "0.0.0");
    out.field("process_id", std::process::id());
    out.field("process_supervised", "no");
    out.field("run_id", &ctx.server.run_id);
    out.field("tcp_port", config.port());
    out.field("server_time_usec", unix_us());
    out.field("uptime_in_seconds", uptime);
    out.field("uptime_in_days", uptime / 86_400);
    out.field("hz", hz);
    out.field("configured_hz", config.hz());
    out.field("lru_clock", (unix_ms() / 1000) & 0xFF_FFFF);
    out.field(
        "executable",
        std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    out.field(
        "config_file",
        config
            .config_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    out.field("io_threads_active", 0);
    out.field("cedis_version", CEDIS_VERSION);
}

fn clients(ctx: &mut Ctx<'_>, out: &mut Out) {
    let clients = &ctx.server.clients;
    let max_qbuf = clients
        .iter()
        .map(|c| c.qbuf)
        .chain(std::iter::once(ctx.client.qbuf))
        .max()
        .unwrap_or(0);
    out.section("Clients");
    out.field("connected_clients", clients.len() + 1);
    out.field("cluster_connections", 0);
    out.field("maxclients", ctx.server.settings.maxclients);
    out.field("client_recent_max_input_buffer", max_qbuf);
    out.field("client_recent_max_output_buffer", 0);
    let blocked = clients.iter().filter(|c| c.blocked).count() + usize::from(ctx.client.blocked);
    out.field("blocked_clients", blocked);
    out.field("tracking_clients", ctx.server.tracking.clients());
    out.field("clients_in_timeout_table", 0);
}

fn memory(ctx: &mut Ctx<'_>, out: &mut Out) {
    let allocated = allocated_memory();
    let used = used_memory(ctx.store);
    let rss = proc_status_kb("VmRSS").map_or(used, |kb| kb * 1024);
    let info = &mut ctx.server.info;
    info.used_memory_peak = info.used_memory_peak.max(used);
    let peak = info.used_memory_peak;
    let startup = info.used_memory_startup.min(used);
    let clients_mem: u64 = ctx
        .server
        .clients
        .iter()
        .map(|c| (c.qbuf + c.output_bytes()) as u64)
        .sum();
    let overhead = startup + clients_mem;
    let dataset = used.saturating_sub(overhead);
    let net = used.saturating_sub(startup).max(1);
    let system = system_memory();
    let config = &ctx.server.config;
    let maxmemory = config.maxmemory();
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    out.section("Memory");
    out.field("used_memory", used);
    out.field("used_memory_human", bytes_to_human(used));
    out.field("used_memory_rss", rss);
    out.field("used_memory_rss_human", bytes_to_human(rss));
    out.field("used_memory_peak", peak);
    out.field("used_memory_peak_human", bytes_to_human(peak));
    out.field(
        "used_memory_peak_perc",
        format!("{:.2}%", ratio(used, peak) * 100.0),
    );
    out.field("used_memory_overhead", overhead);
    out.field("used_memory_startup", startup);
    out.field("used_memory_dataset", dataset);
    out.field(
        "used_memory_dataset_perc",
        format!("{:.2}%", dataset as f64 * 100.0 / net as f64),
    );
    // Empty key-table slots are allocated but free space (see evict.rs):
    // counted as the allocator's fragmentation, not as used memory.
    out.field("allocator_allocated", allocated);
    out.field("allocator_active", allocated);
    out.field("allocator_resident", allocated);
    out.field("total_system_memory", system);
    out.field("total_system_memory_human", bytes_to_human(system));
    // No scripting engine: no Lua VM, scripts or functions.
    out.field("used_memory_lua", 0);
    out.field("used_memory_vm_eval", 0);
    out.field("used_memory_lua_human", bytes_to_human(0));
    out.field("used_memory_scripts_eval", 0);
    out.field("number_of_cached_scripts", 0);
    out.field("number_of_functions", 0);
    out.field("number_of_libraries", 0);
    out.field("used_memory_vm_functions", 0);
    out.field("used_memory_vm_total", 0);
    out.field("used_memory_vm_total_human", bytes_to_human(0));
    out.field("used_memory_functions", 0);
    out.field("used_memory_scripts", 0);
    out.field("used_memory_scripts_human", bytes_to_human(0));
    out.field("maxmemory", maxmemory);
    out.field("maxmemory_human", bytes_to_human(maxmemory));
    out.field(
        "maxmemory_policy",
        config.get_one("maxmemory-policy").unwrap_or_default(),
    );
    out.field(
        "allocator_frag_ratio",
        format!("{:.2}", ratio(allocated, used)),
    );
    out.field("allocator_frag_bytes", allocated.saturating_sub(used));
    out.field("allocator_rss_ratio", "1.00");
    out.field("allocator_rss_bytes", 0);
    out.field("rss_overhead_ratio", format!("{:.2}", ratio(rss, used)));
    out.field("rss_overhead_bytes", rss as i64 - used as i64);
    out.field(
        "mem_fragmentation_ratio",
        format!("{:.2}", ratio(rss, used)),
    );
    out.field("mem_fragmentation_bytes", rss as i64 - used as i64);
    out.field("mem_not_counted_for_evict", 0);
    out.field("mem_replication_backlog", 0);
    out.field("mem_total_replication_buffers", 0);
    out.field("mem_clients_slaves", 0);
    out.field("mem_clients_normal", clients_mem);
    out.field("mem_cluster_links", 0);
    out.field("mem_aof_buffer", 0);
    out.field("mem_allocator", "libc");
    out.field("active_defrag_running", 0);
    out.field("lazyfree_pending_objects", 0);
    out.field("lazyfreed_objects", 0);
}

fn persistence(ctx: &mut Ctx<'_>, out: &mut Out) {
    let aof = ctx.server.config.appendonly();
    out.section("Persistence");
    out.field("loading", 0);
    out.field("async_loading", 0);
    out.field("current_cow_peak", 0);
    out.field("current_cow_size", 0);
    out.field("current_cow_size_age", 0);
    out.field("current_fork_perc", "0.00");
    out.field("current_save_keys_processed", 0);
    out.field("current_save_keys_total", 0);
    out.field("rdb_changes_since_last_save", ctx.store.stats.dirty);
    out.field("rdb_bgsave_in_progress", 0);
    out.field("rdb_last_save_time", ctx.server.lastsave);
    out.field("rdb_last_bgsave_status", "ok");
    out.field("rdb_last_bgsave_time_sec", -1);
    out.field("rdb_current_bgsave_time_sec", -1);
    out.field("rdb_saves", 0);
    out.field("rdb_last_cow_size", 0);
    out.field("rdb_last_load_keys_expired", 0);
    out.field("rdb_last_load_keys_loaded", 0);
    out.field("aof_enabled", u8::from(aof));
    out.field("aof_rewrite_in_progress", 0);
    out.field("aof_rewrite_scheduled", 0);
    out.field("aof_last_rewrite_time_sec", -1);
    out.field("aof_current_rewrite_time_sec", -1);
    out.field("aof_last_bgrewrite_status", "ok");
    out.field("aof_rewrites", 0);
    out.field("aof_rewrites_consecutive_failures", 0);
    out.field("aof_last_write_status", "ok");
    out.field("aof_last_cow_size", 0);
    out.field("module_fork_in_progress", 0);
    out.field("module_fork_last_cow_size", 0);
    if aof {
        out.field("aof_current_size", 0);
        out.field("aof_base_size", 0);
        out.field("aof_pending_rewrite", 0);
        out.field("aof_buffer_length", 0);
        out.field("aof_pending_bio_fsync", 0);
        out.field("aof_delayed_fsync", 0);
    }
}

fn stats(ctx: &mut Ctx<'_>, out: &mut Out) {
    let s = &ctx.server.stats;
    let m = &ctx.server.info;
    let st = &ctx.store.stats;
    let (exceeded_total, exceeded_now) = ctx.server.eviction.exceeded_ms();
    let kbps = |r: &Rate| format!("{:.2}", r.get() as f64 / 1024.0);
    out.section("Stats");
    out.field("total_connections_received", s.total_connections_received);
    out.field("total_commands_processed", s.total_commands_processed);
    out.field("instantaneous_ops_per_sec", m.ops.get());
    out.field("total_net_input_bytes", s.net_input_bytes);
    out.field("total_net_output_bytes", s.net_output_bytes);
    out.field("total_net_repl_input_bytes", 0);
    out.field("total_net_repl_output_bytes", 0);
    out.field("instantaneous_input_kbps", kbps(&m.net_input));
    out.field("instantaneous_output_kbps", kbps(&m.net_output));
    out.field("instantaneous_input_repl_kbps", "0.00");
    out.field("instantaneous_output_repl_kbps", "0.00");
    out.field("rejected_connections", s.rejected_connections);
    out.field("sync_full", 0);
    out.field("sync_partial_ok", 0);
    out.field("sync_partial_err", 0);
    out.field("expired_keys", st.expired_keys);
    out.field("expired_stale_perc", "0.00");
    out.field("expired_time_cap_reached_count", 0);
    out.field("expire_cycle_cpu_milliseconds", 0);
    out.field("evicted_keys", st.evicted_keys);
    out.field("evicted_clients", 0);
    out.field("total_eviction_exceeded_time", exceeded_total);
    out.field("current_eviction_exceeded_time", exceeded_now);
    out.field("keyspace_hits", st.keyspace_hits);
    out.field("keyspace_misses", st.keyspace_misses);
    let ps = &ctx.server.pubsub;
    out.field("pubsub_channels", ps.len(crate::pubsub::Kind::Channel));
    out.field("pubsub_patterns", ps.len(crate::pubsub::Kind::Pattern));
    out.field("pubsubshard_channels", ps.len(crate::pubsub::Kind::Shard));
    out.field("latest_fork_usec", 0);
    out.field("total_forks", 0);
    out.field("migrate_cached_sockets", 0);
    out.field("slave_expires_tracked_keys", 0);
    out.field("active_defrag_hits", 0);
    out.field("active_defrag_misses", 0);
    out.field("active_defrag_key_hits", 0);
    out.field("active_defrag_key_misses", 0);
    out.field("total_active_defrag_time", 0);
    out.field("current_active_defrag_time", 0);
    out.field("tracking_total_keys", ctx.server.tracking.total_keys());
    out.field("tracking_total_items", ctx.server.tracking.total_items());
    out.field(
        "tracking_total_prefixes",
        ctx.server.tracking.total_prefixes(),
    );
    out.field("unexpected_error_replies", 0);
    out.field("total_error_replies", s.total_error_replies);
    out.field("dump_payload_sanitizations", 0);
    out.field("total_reads_processed", s.total_reads_processed);
    out.field("total_writes_processed", s.total_writes_processed);
    out.field("io_threaded_reads_processed", 0);
    out.field("io_threaded_writes_processed", 0);
    out.field("reply_buffer_shrinks", 0);
    out.field("reply_buffer_expands", 0);
}

fn replication(ctx: &mut Ctx<'_>, out: &mut Out) {
    let backlog = ctx
        .server
        .config
        .get_one("repl-backlog-size")
        .unwrap_or_default();
    out.section("Replication");
    out.field("role", "master");
    out.field("connected_slaves", 0);
    out.field("master_failover_state", "no-failover");
    out.field("master_replid", &ctx.server.info.master_replid);
    out.field("master_replid2", "0".repeat(40));
    out.field("master_repl_offset", 0);
    out.field("second_repl_offset", -1);
    out.field("repl_backlog_active", 0);
    out.field("repl_backlog_size", backlog);
    out.field("repl_backlog_first_byte_offset", 0);
    out.field("repl_backlog_histlen", 0);
}

fn cpu(out: &mut Out) {
    let pid = std::process::id();
    let proc_times = read_cpu_times("/proc/self/stat");
    let main_times = read_cpu_times(&format!("/proc/self/task/{pid}/stat"));
    let secs = |ticks: u64| format!("{:.6}", ticks as f64 / CLOCK_TICKS as f64);
    let [utime, stime, cutime, cstime] = proc_times.unwrap_or_default();
    let [mutime, mstime, _, _] = main_times.unwrap_or_default();
    out.section("CPU");
    out.field("used_cpu_sys", secs(stime));
    out.field("used_cpu_user", secs(utime));
    out.field("used_cpu_sys_children", secs(cstime));
    out.field("used_cpu_user_children", secs(cutime));
    out.field("used_cpu_sys_main_thread", secs(mstime));
    out.field("used_cpu_user_main_thread", secs(mutime));
}

/// Every command (and subcommand) with any call, rejection or failure.
fn each_command_with_stats(mut f: impl FnMut(&Command)) {
    fn visit(c: &Command, f: &mut impl FnMut(&Command)) {
        let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        let s: &CmdCounters = &c.stats;
        if load(&s.calls) != 0 || load(&s.rejected) != 0 || load(&s.failed) != 0 {
            f(c);
        }
        for sub in &c.subcommands {
            visit(sub, f);
        }
    }
    for c in super::table().all() {
        visit(c, &mut f);
    }
}

fn commandstats(out: &mut Out) {
    out.section("Commandstats");
    each_command_with_stats(|c| {
        let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        let (calls, usec) = (load(&c.stats.calls), load(&c.stats.usec));
        let per_call = if calls == 0 {
            0.0
        } else {
            usec as f64 / calls as f64
        };
        out.field(
            &format!("cmdstat_{}", c.full_name),
            format!(
                "calls={calls},usec={usec},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}",
                load(&c.stats.rejected),
                load(&c.stats.failed)
            ),
        );
    });
}

fn errorstats(ctx: &mut Ctx<'_>, out: &mut Out) {
    out.section("Errorstats");
    let mut codes: Vec<(&String, &u64)> = ctx.server.stats.errors.iter().collect();
    codes.sort();
    for (code, n) in codes {
        out.field(&format!("errorstat_{code}"), format!("count={n}"));
    }
}

fn latencystats(ctx: &mut Ctx<'_>, out: &mut Out) {
    out.section("Latencystats");
    let percentiles = match ctx
        .server
        .config
        .get(crate::config::Param::LatencyTrackingInfoPercentiles)
    {
        crate::config::Value::Percentiles(p) => p.clone(),
        _ => Vec::new(),
    };
    let server = &*ctx.server;
    if !matches!(
        server.config.get(crate::config::Param::LatencyTracking),
        crate::config::Value::Bool(true)
    ) {
        return;
    }
    each_command_with_stats(|c| {
        let Some(values) = latency_percentiles(server, c, &percentiles) else {
            return;
        };
        let mut line = String::new();
        for (p, v) in percentiles.iter().zip(values) {
            if !line.is_empty() {
                line.push(',');
            }
            let _ = write!(line, "p{}={:.3}", trim_float(*p), v as f64 / 1000.0);
        }
        out.field(&format!("latency_percentiles_usec_{}", c.full_name), line);
    });
}

/// The latency (ns) at each percentile for a command, None when it has no
/// recorded latency.
fn latency_percentiles(
    server: &crate::state::ServerState,
    c: &Command,
    percentiles: &[f64],
) -> Option<Vec<u64>> {
    let h = server.introspection.histograms.get(c)?;
    Some(
        percentiles
            .iter()
            .map(|&p| h.value_at_percentile(p))
            .collect(),
    )
}

fn keyspace(ctx: &mut Ctx<'_>, out: &mut Out) {
    out.section("Keyspace");
    for db in 0..ctx.store.databases() {
        let keys = ctx.store.dbsize(db);
        if keys == 0 {
            continue;
        }
        let expires = ctx.store.expires_count(db);
        out.field(
            &format!("db{db}"),
            format!("keys={keys},expires={expires},avg_ttl=0"),
        );
    }
}

// ---- helpers ------------------------------------------------------------

/// `%f` with trailing zeros (and a trailing dot) removed: 99.9, 50, 0.5.
fn trim_float(f: f64) -> String {
    let s = format!("{f:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Redis's `bytesToHuman`: `943.18K`, `1.00M`, `512B`.
pub fn bytes_to_human(n: u64) -> String {
    const UNITS: [(u32, char); 6] = [
        (10, 'K'),
        (20, 'M'),
        (30, 'G'),
        (40, 'T'),
        (50, 'P'),
        (60, 'E'),
    ];
    if n < 1024 {
        return format!("{n}B");
    }
    for (i, &(shift, unit)) in UNITS.iter().enumerate() {
        let next = UNITS.get(i + 1).map_or(u64::MAX, |&(s, _)| 1u64 << s);
        if n < next || i == UNITS.len() - 1 {
            return format!("{:.2}{unit}", n as f64 / (1u64 << shift) as f64);
        }
    }
    format!("{n}B")
}

/// Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on
/// every Linux architecture cedis targets).
const CLOCK_TICKS: u64 = 100;

/// `[utime, stime, cutime, cstime]` in clock ticks from a `stat` file.
fn read_cpu_times(path: &str) -> Option<[u64; 4]> {
    let text = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) may contain spaces: start after its `)`.
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime..cstime are fields 14..17.
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some([get(11)?, get(12)?, get(13)?, get(14)?])
}

/// A `Name:   123 kB` field of `/proc/self/status`, in kB.
fn proc_status_kb(name: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_kb_field(&text, name)
}

fn parse_kb_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// `used_memory`: what the allocator handed out minus the key tables'
/// empty slots ([`crate::evict::used_memory`]), the figure maxmemory is
/// compared with; without the counting allocator, the RSS.
pub fn used_memory(store: &cedis_store::Store) -> u64 {
    crate::evict::used_memory(store).unwrap_or_else(allocated_memory)
}

/// The allocator's total, else anonymous resident memory in bytes (see the
/// module docs).
fn allocated_memory() -> u64 {
    if let Some(bytes) = crate::alloc::allocated() {
        return bytes as u64;
    }
    proc_status_kb("RssAnon")
        .or_else(|| proc_status_kb("VmRSS"))
        .unwrap_or(0)
        * 1024
}

fn system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| parse_kb_field(&t, "MemTotal"))
        .unwrap_or(0)
        * 1024
}

/// `uname -s -r -m`.
fn os_name() -> String {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    format!(
        "{} {} {}",
        read("/proc/sys/kernel/ostype"),
        read("/proc/sys/kernel/osrelease"),
        std::env::consts::ARCH
    )
}

/// A stable id of this build (FNV-1a of the cedis version), as hex.
fn build_id() -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in CEDIS_VERSION.bytes().chain(REDIS_VERSION.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(args: &[&str]) -> Vec<&'static str> {
        let args: Vec<Bytes> = args
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        selected_sections(&args)
    }

    #[test]
    fn section_selection() {
        assert_eq!(names(&[]), DEFAULT_SECTIONS);
        assert_eq!(names(&["default"]), DEFAULT_SECTIONS);
        assert_eq!(names(&["all"]), SECTIONS);
        assert_eq!(names(&["everything", "server"]), SECTIONS);
        assert_eq!(names(&["CPU", "server", "cpu"]), ["server", "cpu"]);
        assert_eq!(names(&["commandSTATS"]), ["commandstats"]);
        assert!(names(&["nosuch"]).is_empty());
        let cpu_default = names(&["cpu", "default"]);
        assert_eq!(cpu_default, DEFAULT_SECTIONS);
    }

    #[test]
    fn human_bytes() {
        assert_eq!(bytes_to_human(0), "0B");
        assert_eq!(bytes_to_human(1023), "1023B");
        assert_eq!(bytes_to_human(1024), "1.00K");
        assert_eq!(bytes_to_human(965_816), "943.18K");
        assert_eq!(bytes_to_human(6_529_024), "6.23M");
        assert_eq!(bytes_to_human(25_276_063_744), "23.54G");
        assert_eq!(bytes_to_human(1 << 40), "1.00T");
    }

    #[test]
    fn percentile_names() {
        assert_eq!(trim_float(50.0), "50");
        assert_eq!(trim_float(99.9), "99.9");
        assert_eq!(trim_float(0.0), "0");
        assert_eq!(trim_float(100.0), "100");
    }

    #[test]
    fn rates() {
        let mut r = Rate::default();
        r.track(1000, 0);
        r.track(1100, 100);
        assert_eq!(r.samples[0], 1000);
        assert_eq!(r.get(), 1000 / METRIC_SAMPLES as u64);
    }

    #[test]
    fn kb_fields() {
        let t = "Name:\tcedis\nVmRSS:\t  6376 kB\nRssAnon:\t 1200 kB\n";
        assert_eq!(parse_kb_field(t, "VmRSS"), Some(6376));
        assert_eq!(parse_kb_field(t, "RssAnon"), Some(1200));
        assert_eq!(parse_kb_field(t, "Rss"), None);
    }
}
