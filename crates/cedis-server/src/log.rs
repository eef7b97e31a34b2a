//! Logging in Redis's format: `pid:role dd Mon yyyy hh:mm:ss.mmm <level> message`.

use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Log levels, from chattiest to quietest, as `loglevel` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `debug`, shown as `.`.
    Debug,
    /// `verbose`, shown as `-`.
    Verbose,
    /// `notice`, shown as `*`.
    Notice,
    /// `warning`, shown as `#`.
    Warning,
}

impl Level {
    /// Parses a `loglevel` value.
    pub fn parse(s: &str) -> Option<Level> {
        match s.to_ascii_lowercase().as_str() {
            "debug" => Some(Level::Debug),
            "verbose" => Some(Level::Verbose),
            "notice" => Some(Level::Notice),
            "warning" => Some(Level::Warning),
            _ => None,
        }
    }

    fn mark(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning => '#',
        }
    }
}

struct Logger {
    level: Level,
    file: Option<std::fs::File>,
}

static LOGGER: Mutex<Logger> = Mutex::new(Logger {
    level: Level::Notice,
    file: None,
});

/// Sets the level and the destination (`logfile`; empty means stdout).
pub fn configure(level: Level, logfile: &str) -> std::io::Result<()> {
    let file = if logfile.is_empty() {
        None
    } else {
        Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(logfile)?,
        )
    };
    let mut l = LOGGER.lock().unwrap_or_else(|e| e.into_inner());
    l.level = level;
    l.file = file;
    Ok(())
}

/// Changes the level at run time (CONFIG SET loglevel).
pub fn set_level(level: Level) {
    LOGGER.lock().unwrap_or_else(|e| e.into_inner()).level = level;
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `22 Nov 2026 04:14:11.123` in UTC.
pub fn timestamp(since_epoch: std::time::Duration) -> String {
    let secs = since_epoch.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since_epoch.subsec_millis()
    )
}

/// Writes one line at `level`.
pub fn log(level: Level, msg: &str) {
    let mut l = LOGGER.lock().unwrap_or_else(|e| e.into_inner());
    if level < l.level {
        return;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let line = format!(
        "{}:M {} {} {}\n",
        std::process::id(),
        timestamp(now),
        level.mark(),
        msg
    );
    let _ = match l.file.as_mut() {
        Some(f) => f.write_all(line.as_bytes()),
        None => std::io::stdout().write_all(line.as_bytes()),
    };
}

/// Logs at `notice`.
pub fn notice(msg: &str) {
    log(Level::Notice, msg);
}

/// Logs at `warning`.
pub fn warning(msg: &str) {
    log(Level::Warning, msg);
}

/// Logs at `verbose`.
pub fn verbose(msg: &str) {
    log(Level::Verbose, msg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_format() {
        let t = std::time::Duration::from_millis(1_795_846_451_123);
        assert_eq!(timestamp(t), "28 Nov 2026 06:14:11.123");
        assert_eq!(
            timestamp(std::time::Duration::from_secs(0)),
            "01 Jan 1970 00:00:00.000"
        );
    }
}
