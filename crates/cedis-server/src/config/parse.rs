//! Loading `redis.conf` text: line splitting with the inline protocol's
//! quoting (`cedis_resp::split_args`), comments, `include`, repeated
//! directives, and redis-server's fatal error texts.

use std::fmt;
use std::path::{Path, PathBuf};

use super::table::{Kind, Param, Special, DEPRECATED};
use super::value::{self, ParseCtx, Value};
use super::Config;

/// The version redis-server prints in its fatal configuration error.
pub const REDIS_VERSION: &str = "7.0.15";

/// Why a configuration could not be loaded. `Display` gives what
/// redis-server prints (on stderr for [`LoadError::Line`]; as a log line on
/// stdout for [`LoadError::Open`]) before exiting with status 1.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// A bad line: its 1-based number in its file (or in the joined
    /// file + stdin + command line text), the trimmed line, the reason.
    Line {
        /// Line number.
        line_no: usize,
        /// The offending line, trimmed.
        line: String,
        /// The reason, e.g. `argument couldn't be parsed into an integer`.
        reason: String,
    },
    /// A configuration file (main or included) could not be read.
    Open {
        /// The path as redis-server shows it.
        path: String,
        /// The system's reason, e.g. `No such file or directory`.
        reason: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Line {
                line_no,
                line,
                reason,
            } => write!(
                f,
                "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n\
                 Reading the configuration file, at line {line_no}\n\
                 >>> '{line}'\n{reason}\n"
            ),
            LoadError::Open { path, reason } => {
                write!(f, "Fatal error, can't open config file '{path}': {reason}")
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Applies configuration text to a [`Config`], keeping the state redis-server
/// keeps while loading (the first `save` line replaces the default list, the
/// next ones append; `dir` changes where relative `include`s are found).
#[derive(Debug)]
pub(crate) struct Loader<'a> {
    cfg: &'a mut Config,
    save_seen: bool,
    cwd: PathBuf,
    depth: usize,
}

#[derive(Debug)]
enum DirError {
    Reason(String),
    Load(LoadError),
}

fn is_trim(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim(mut l: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = l {
        if !is_trim(*first) {
            break;
        }
        l = rest;
    }
    while let [rest @ .., last] = l {
        if !is_trim(*last) {
            break;
        }
        l = rest;
    }
    l
}

impl<'a> Loader<'a> {
    pub(crate) fn new(cfg: &'a mut Config) -> Self {
        let cwd = cfg.dir().to_path_buf();
        Loader {
            cfg,
            save_seen: false,
            cwd,
            depth: 0,
        }
    }

    /// Loads the text of one file (or of the joined startup text).
    pub(crate) fn load_text(&mut self, text: &[u8]) -> Result<(), LoadError> {
        for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
            let line = trim(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let fail = |reason: String| LoadError::Line {
                line_no: i + 1,
                line: String::from_utf8_lossy(line).into_owned(),
                reason,
            };
            let argv = cedis_resp::split_args(line)
                .map_err(|_| fail("Unbalanced quotes in configuration line".into()))?;
            if argv.is_empty() {
                continue;
            }
            match self.directive(&argv) {
                Ok(()) => {}
                Err(DirError::Reason(r)) => return Err(fail(r)),
                Err(DirError::Load(e)) => return Err(e),
            }
        }
        Ok(())
    }

    /// Loads a file by path (`include`), resolving globs in its last part.
    pub(crate) fn load_file(&mut self, path: &Path) -> Result<(), LoadError> {
        let open_err = |e: &std::io::Error| LoadError::Open {
            path: path.display().to_string(),
            reason: value::io_reason(e),
        };
        let full = self.cwd.join(path);
        let name = full
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let files = if name.contains(['*', '?', '[']) {
            let parent = full.parent().unwrap_or(Path::new("/"));
            let mut found: Vec<PathBuf> = std::fs::read_dir(parent)
                .map_err(|e| open_err(&e))?
                .filter_map(|e| e.ok())
                .filter(|e| {
                    super::glob::matches(
                        name.as_bytes(),
                        e.file_name().to_string_lossy().as_bytes(),
                    )
                })
                .map(|e| e.path())
                .collect();
            found.sort();
            found
        } else {
            vec![full]
        };
        if self.depth > 64 {
            return Err(LoadError::Open {
                path: path.display().to_string(),
                reason: "Too many levels of symbolic links".into(),
            });
        }
        for f in files {
            let text = std::fs::read(&f).map_err(|e| open_err(&e))?;
            self.depth += 1;
            let r = self.load_text(&text);
            self.depth -= 1;
            r?;
        }
        Ok(())
    }

    fn directive(&mut self, argv: &[Vec<u8>]) -> Result<(), DirError> {
        let name = argv[0].to_ascii_lowercase();
        let args = &argv[1..];
        if let Some(p) = Param::lookup(&name) {
            return self.set_param(p, args).map_err(DirError::Reason);
        }
        let name_s = String::from_utf8_lossy(&name).into_owned();
        let strs = || {
            args.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        };
        if DEPRECATED
            .iter()
            .any(|(n, lo, hi)| *n == name_s && (*lo..=*hi).contains(&args.len()))
        {
            return Ok(());
        }
        match (name_s.as_str(), args.len()) {
            ("include", 1) => {
                let path = PathBuf::from(String::from_utf8_lossy(&args[0]).into_owned());
                // redis-server exits from inside the include, with the
                // included file's line number.
                self.load_file(&path).map_err(DirError::Load)
            }
            ("rename-command", 2) => {
                let a = strs();
                self.cfg.rename_commands.push((a[0].clone(), a[1].clone()));
                Ok(())
            }
            ("user", n) if n >= 1 => {
                self.cfg.users.push(strs());
                Ok(())
            }
            ("loadmodule", n) if n >= 1 => {
                self.cfg.load_modules.push(strs());
                Ok(())
            }
            (n, 0) if n.contains('.') => Err(DirError::Reason(
                "Module config specified without value".into(),
            )),
            (n, _) if n.contains('.') => {
                self.cfg
                    .module_configs
                    .push((n.to_string(), strs().join(" ")));
                Ok(())
            }
            ("sentinel", n) if n != 0 => Err(DirError::Reason(
                "sentinel directive while not in sentinel mode".into(),
            )),
            ("sentinel", _) => Ok(()),
            _ => Err(DirError::Reason(
                "Bad directive or wrong number of arguments".into(),
            )),
        }
    }

    fn set_param(&mut self, p: Param, args: &[Vec<u8>]) -> Result<(), String> {
        let kind = p.spec().kind;
        let split;
        let args = if kind.is_multi_arg() && args.len() == 1 && !args[0].is_empty() {
            split = cedis_resp::split_args(&args[0]).unwrap_or_else(|_| args.to_vec());
            &split[..]
        } else {
            if !kind.is_multi_arg() && args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            args
        };
        let ctx = ParseCtx {
            cwd: &self.cwd,
            current: self.cfg.get(p),
        };
        let mut v = value::parse(kind, args, &ctx)?;
        if let (Kind::Special(Special::Save), Value::Save(new), Value::Save(old)) =
            (kind, &mut v, self.cfg.get(p))
        {
            if self.save_seen && !new.is_empty() {
                let mut all = old.clone();
                all.append(new);
                *new = all;
            }
            self.save_seen = true;
        }
        if let Value::Dir(d) = &v {
            self.cwd = d.clone();
        }
        self.cfg.store(p, v);
        Ok(())
    }
}
