//! Per-command latency histograms: one per command, recorded once per call
//! while `latency-tracking` is on, read by INFO latencystats (percentiles)
//! and LATENCY HISTOGRAM (power-of-two report buckets).
//!
//! Redis keeps one HDR histogram per command (2 significant digits, values
//! in ns clamped to 1 ns .. 1 s). [`LatencyHist`] has the same resolution:
//! values below 256 ns are exact and each power of two above is split into
//! 128 equal ranges, so percentiles come out as redis-server prints them.
//! LATENCY HISTOGRAM's buckets (powers of two from 1024 ns, each reported at
//! its highest equivalent value `L + L/128 - 1`) are derived from the same
//! ranges: a fine range never straddles a report bucket's edge.

use std::collections::{BTreeMap, HashMap};

use super::table::{Command, NameHash};

/// Report buckets of LATENCY HISTOGRAM.
pub const REPORT_BUCKETS: usize = 32;

/// The latency histograms of every command that ran since the last
/// CONFIG RESETSTAT, keyed by the command's address in the static table.
#[derive(Debug, Default)]
pub struct LatencyHistograms {
    by_command: HashMap<usize, LatencyHist, NameHash>,
}

impl LatencyHistograms {
    /// Records one call of `command` that took `micros`.
    pub fn record(&mut self, command: &'static Command, micros: u64) {
        let ns = micros.saturating_mul(1000).clamp(1, 1_000_000_000);
        self.by_command
            .entry(command as *const Command as usize)
            .or_default()
            .record(ns);
    }

    /// The histogram of `command`, if it ran.
    pub fn get(&self, command: &Command) -> Option<&LatencyHist> {
        self.by_command
            .get(&(command as *const Command as usize))
            .filter(|h| h.total > 0)
    }

    /// Forgets everything (CONFIG RESETSTAT).
    pub fn clear(&mut self) {
        self.by_command.clear();
    }
}

/// One command's latency distribution, stored sparsely.
#[derive(Debug, Default, Clone)]
pub struct LatencyHist {
    total: u64,
    /// Count per range, keyed by the range's lowest value (ns).
    counts: BTreeMap<u64, u64>,
}

impl LatencyHist {
    /// The range of `ns`: its lowest value and the log2 of its width.
    fn range_of(ns: u64) -> (u64, u32) {
        let shift = (64 - (ns | 255).leading_zeros()).saturating_sub(8);
        ((ns >> shift) << shift, shift)
    }

    fn record(&mut self, ns: u64) {
        self.total += 1;
        *self.counts.entry(Self::range_of(ns).0).or_default() += 1;
    }

    /// Calls recorded.
    pub fn calls(&self) -> u64 {
        self.total
    }

    /// The value (ns) at a percentile as `hdr_value_at_percentile` reports
    /// it: the highest value of the range holding that rank (the lowest for
    /// percentile 0).
    pub fn value_at_percentile(&self, p: f64) -> u64 {
        let rank = ((p.min(100.0) / 100.0 * self.total as f64) + 0.5) as u64;
        let rank = rank.max(1);
        let mut seen = 0;
        for (&low, &n) in &self.counts {
            seen += n;
            if seen >= rank {
                if p == 0.0 {
                    return low;
                }
                let (_, shift) = Self::range_of(low);
                return low + (1u64 << shift) - 1;
            }
        }
        0
    }

    /// Calls per LATENCY HISTOGRAM report bucket.
    pub fn report_buckets(&self) -> [u64; REPORT_BUCKETS] {
        let mut buckets = [0; REPORT_BUCKETS];
        for (&low, &n) in &self.counts {
            buckets[report_bucket(low.max(1024))] += n;
        }
        buckets
    }
}

/// The report bucket of a duration in ns: the first power of two `L` from
/// 1024 whose highest equivalent value is at least `ns`.
fn report_bucket(ns: u64) -> usize {
    (0..REPORT_BUCKETS)
        .find(|&k| ns <= report_bucket_top(k))
        .unwrap_or(REPORT_BUCKETS - 1)
}

/// The highest equivalent value (ns) of report bucket `k`, the key LATENCY
/// HISTOGRAM prints (in µs). Redis's histogram ends at the last range that
/// covers 1 s, `2^30 - 1` ns, which the bucket holding 1 s reports instead
/// (`1073741` µs, observed on redis-server 7.0.15 after a 1.5 s command).
pub fn report_bucket_top(k: usize) -> u64 {
    let l = 1024u64 << k;
    (l + l / 128 - 1).min((1 << 30) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(micros: &[u64]) -> LatencyHist {
        let mut h = LatencyHist::default();
        for &us in micros {
            h.record(us.saturating_mul(1000).clamp(1, 1_000_000_000));
        }
        h
    }

    #[test]
    fn percentiles_as_redis_reports_them() {
        // Observed from redis-server 7.0.15: 19 µs -> p0=18.944 p50=19.071,
        // 69 µs -> p0=68.608, p100=69.119; 1 µs -> 1.000; 2 µs -> 2.007.
        let one = |us: u64| {
            let h = hist(&[us]);
            (h.value_at_percentile(0.0), h.value_at_percentile(50.0))
        };
        assert_eq!(one(19), (18_944, 19_071));
        assert_eq!(one(69), (68_608, 69_119));
        assert_eq!(one(1), (1000, 1003));
        assert_eq!(one(2).1, 2007);
        assert_eq!(one(8).1, 8031);
        let h = hist(&[1, 2, 2]);
        assert_eq!(h.value_at_percentile(0.0), 1000);
        assert_eq!(h.value_at_percentile(50.0), 2007);
        assert_eq!(h.value_at_percentile(100.0), 2007);
        assert_eq!(hist(&[0]).value_at_percentile(99.9), 1);
    }

    #[test]
    fn report_buckets_match_redis_report_points() {
        let keys: Vec<u64> = (0..11).map(|k| report_bucket_top(k) / 1000).collect();
        assert_eq!(keys, [1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056]);
        assert_eq!(report_bucket(1024), 0);
        assert_eq!(report_bucket(1031), 0);
        assert_eq!(report_bucket(2000), 1);
        assert_eq!(report_bucket(3000), 2);
        let h = hist(&[0, 1, 3, 5_000_000]);
        assert_eq!(h.calls(), 4);
        let b = h.report_buckets();
        assert_eq!((b[0], b[2]), (2, 1));
        // Clamped to 1 s, as Redis's histogram, and reported at its end.
        let k = report_bucket(1_000_000_000);
        assert_eq!((b[k], report_bucket_top(k) / 1000), (1, 1_073_741));
    }

    #[test]
    fn fine_ranges_never_straddle_report_buckets() {
        for k in 0..report_bucket(1_000_000_000) {
            let top = report_bucket_top(k);
            let (low, shift) = LatencyHist::range_of(top);
            assert_eq!(low + (1 << shift) - 1, top, "bucket {k}");
        }
    }
}
