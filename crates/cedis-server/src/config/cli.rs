//! The command line, exactly as redis-server reads it:
//! `cedis-server [/path/to/redis.conf] [--option value ...] [-]`.
//!
//! Options are turned into configuration lines appended after the file (and
//! stdin) text, so they override it and errors report their line numbers the
//! way redis-server does.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::parse::{LoadError, Loader};
use super::value::repr;
use super::Config;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CliAction {
    /// `-v` / `--version`: print [`version_text`], exit 0.
    Version,
    /// `-h` / `--help`: print [`help_text`] on stderr, exit 1.
    Help,
    /// Start the server with this configuration source.
    Run(CliArgs),
}

/// Where the configuration comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliArgs {
    /// The configuration file, made absolute (as redis-server does).
    pub config_file: Option<PathBuf>,
    /// `-` was given: read configuration text from stdin after the file.
    pub config_from_stdin: bool,
    /// The `--option value` arguments as configuration lines.
    pub options: String,
}

/// The `-v` line (scripts parse `v=7.0.15`).
pub fn version_text() -> String {
    format!(
        "Redis server v={} sha=00000000:0 malloc=libc bits={} build=cedis-{}\n",
        super::parse::REDIS_VERSION,
        usize::BITS,
        env!("CARGO_PKG_VERSION")
    )
}

/// The `-h` text, as redis-server 7.0 prints it.
pub fn help_text() -> &'static str {
    "Usage: ./redis-server [/path/to/redis.conf] [options] [-]\n       \
     ./redis-server - (read config from stdin)\n       \
     ./redis-server -v or --version\n       \
     ./redis-server -h or --help\n       \
     ./redis-server --test-memory <megabytes>\n       \
     ./redis-server --check-system\n\n\
     Examples:\n       \
     ./redis-server (run the server with default conf)\n       \
     echo 'maxmemory 128mb' | ./redis-server -\n       \
     ./redis-server /etc/redis/6379.conf\n       \
     ./redis-server --port 7777\n       \
     ./redis-server --port 7777 --replicaof 127.0.0.1 8888\n       \
     ./redis-server /etc/myredis.conf --loglevel verbose -\n       \
     ./redis-server /etc/myredis.conf --loglevel verbose\n\n\
     Sentinel mode:\n       \
     ./redis-server /etc/sentinel.conf --sentinel\n"
}

fn lossy(a: &OsString) -> String {
    a.to_string_lossy().into_owned()
}

/// Reads the arguments (without the program name).
pub fn parse_args(args: &[OsString]) -> CliAction {
    let args: Vec<String> = args.iter().map(lossy).collect();
    let mut out = CliArgs {
        config_file: None,
        config_from_stdin: false,
        options: String::new(),
    };
    let Some(first) = args.first() else {
        return CliAction::Run(out);
    };
    match first.as_str() {
        "-v" | "--version" => return CliAction::Version,
        "-h" | "--help" => return CliAction::Help,
        _ => {}
    }
    let mut j = 0;
    if !first.starts_with('-') {
        let p = Path::new(first);
        out.config_file = Some(if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        });
        j = 1;
    }
    let n = args.len();
    // After an option name given alone, the next argument is its value even
    // if it starts with "--" (redis-server 7.0.1+), except for `--save`.
    let mut last_was_name_only = false;
    while j < n {
        let a = &args[j];
        let next_is_option = j + 1 < n && args[j + 1].starts_with("--");
        if a == "-" && (j == 0 || j == n - 1) {
            out.config_from_stdin = true;
        } else if !last_was_name_only && a.starts_with("--") {
            if !out.options.is_empty() {
                out.options.push('\n');
            }
            out.options.push_str(&a[2..]);
            out.options.push(' ');
            let words = cedis_resp::split_args(a.as_bytes())
                .map(|w| w.len())
                .unwrap_or(0);
            last_was_name_only = words == 1;
            if words == 1 && a.eq_ignore_ascii_case("--save") && (next_is_option || j == n - 1) {
                out.options.push_str("\"\"");
                last_was_name_only = false;
            } else if words == 1 && a.eq_ignore_ascii_case("--sentinel") && next_is_option {
                last_was_name_only = false;
            }
        } else {
            out.options.push_str(&repr(a));
            out.options.push(' ');
            last_was_name_only = false;
        }
        j += 1;
    }
    CliAction::Run(out)
}

impl CliArgs {
    /// Builds the configuration: defaults, then the file, then stdin (if
    /// `-`), then the options, as one text (so line numbers run on).
    pub fn load(&self, stdin: &mut dyn Read) -> Result<Config, LoadError> {
        let mut cfg = Config::new();
        let mut text = Vec::new();
        if let Some(f) = &self.config_file {
            text = std::fs::read(f).map_err(|e| LoadError::Open {
                path: f.display().to_string(),
                reason: super::value::io_reason(&e),
            })?;
            cfg.config_file = Some(f.clone());
        }
        if self.config_from_stdin {
            stdin.read_to_end(&mut text).map_err(|e| LoadError::Open {
                path: "-".into(),
                reason: super::value::io_reason(&e),
            })?;
        }
        text.push(b'\n');
        text.extend_from_slice(self.options.as_bytes());
        Loader::new(&mut cfg).load_text(&text)?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> CliArgs {
        let v: Vec<OsString> = args.iter().map(OsString::from).collect();
        match parse_args(&v) {
            CliAction::Run(a) => a,
            other => panic!("{other:?}"),
        }
    }

    fn load_err(args: &[&str]) -> String {
        run(args)
            .load(&mut std::io::empty())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn version_and_help() {
        assert_eq!(parse_args(&["-v".into()]), CliAction::Version);
        assert_eq!(parse_args(&["--version".into()]), CliAction::Version);
        assert_eq!(parse_args(&["-h".into()]), CliAction::Help);
        assert!(version_text().starts_with("Redis server v=7.0.15 "));
    }

    #[test]
    fn options_become_lines() {
        assert_eq!(run(&["--port", "7777"]).options, "port \"7777\" ");
        assert_eq!(
            run(&["--save", "900 1", "--save", "--bind", "127.0.0.1", "::1"]).options,
            "save \"900 1\" \nsave \"\"\nbind \"127.0.0.1\" \"::1\" "
        );
        assert_eq!(
            run(&["--port", "5", "--", "--hz", "x"]).options,
            "port \"5\" \n \"--hz\" \"x\" "
        );
        assert_eq!(run(&["--save"]).options, "save \"\"");
        let a = run(&["/etc/x.conf", "--port", "1", "-"]);
        assert_eq!(a.config_file.as_deref(), Some(Path::new("/etc/x.conf")));
        assert!(a.config_from_stdin);
        assert!(run(&["-"]).config_from_stdin);
    }

    #[test]
    fn command_line_overrides_and_merges() {
        let dir = std::env::temp_dir().join(format!("cedis-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("a.conf");
        std::fs::write(&f, "port 1\n# c\n\ntimeout 5\nsave 60 1\n").unwrap();
        let fs = f.to_str().unwrap();
        let c = run(&[
            fs,
            "--port",
            "7777",
            "--save",
            "900 1",
            "--bind",
            "127.0.0.1",
            "::1",
        ])
        .load(&mut std::io::empty())
        .unwrap();
        assert_eq!(c.port(), 7777);
        assert_eq!(c.timeout(), 5);
        assert_eq!(c.get_one("save").unwrap(), "60 1 900 1");
        assert_eq!(c.bind(), ["127.0.0.1", "::1"]);
        let c = run(&[fs, "--save", "--port", "2"])
            .load(&mut std::io::empty())
            .unwrap();
        assert_eq!(c.get_one("save").unwrap(), "");
        assert_eq!(c.port(), 2);
        let c = run(&[fs, "-"]).load(&mut &b"port 9\n"[..]).unwrap();
        assert_eq!(c.port(), 9);
        assert_eq!(
            load_err(&[fs, "--port", "abc"]),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
             Reading the configuration file, at line 7\n>>> 'port \"abc\"'\n\
             argument couldn't be parsed into an integer\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fatal_errors_as_redis_server() {
        let cases: &[(&[&str], usize, &str, &str)] = &[
            (&["--port", "abc"], 2, "port \"abc\"", "argument couldn't be parsed into an integer"),
            (&["--nosuchoption", "1"], 2, "nosuchoption \"1\"", "Bad directive or wrong number of arguments"),
            (&["--port"], 2, "port", "wrong number of arguments"),
            (&["--port", "1", "2"], 2, "port \"1\" \"2\"", "wrong number of arguments"),
            (&["--save", "900"], 2, "save \"900\"", "Invalid save parameters"),
            (&["--maxmemory", "1x"], 2, "maxmemory \"1x\"", "argument must be a memory value"),
            (&["--daemonize", "maybe"], 2, "daemonize \"maybe\"", "argument must be 'yes' or 'no'"),
            (&["--hz", "0", "--port", "99999"], 3, "port \"99999\"", "argument must be between 0 and 65535 inclusive"),
            (&["--loglevel", "foo"], 2, "loglevel \"foo\"", "argument(s) must be one of the following: debug, verbose, notice, warning"),
            (&["--notify-keyspace-events", "kk"], 2, "notify-keyspace-events \"kk\"", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
            (&["--client-output-buffer-limit", "foo"], 2, "client-output-buffer-limit \"foo\"", "Wrong number of arguments in buffer limit configuration."),
            (&["--rename-command", "foo"], 2, "rename-command \"foo\"", "Bad directive or wrong number of arguments"),
            (&["--dir", "/nonexist"], 2, "dir \"/nonexist\"", "No such file or directory"),
            (&["--oom-score-adj-values", "1"], 2, "oom-score-adj-values \"1\"", "wrong number of arguments"),
            (&["--timeout"], 2, "timeout", "wrong number of arguments"),
            (&["--port", "1", "--timeout", "2", "--bind", "1", "2", "--hz", "x"], 5, "hz \"x\"", "argument couldn't be parsed into an integer"),
            (&["--Port", "x"], 2, "Port \"x\"", "argument couldn't be parsed into an integer"),
            (&["--port", "5", "--", "--hz", "x"], 3, "\"--hz\" \"x\"", "Bad directive or wrong number of arguments"),
            (&["--hz", "-1", "-x"], 2, "hz \"-1\" \"-x\"", "wrong number of arguments"),
            (&["--databases", "0"], 2, "databases \"0\"", "argument must be between 1 and 2147483647 inclusive"),
            (&["--io-threads", "999"], 2, "io-threads \"999\"", "argument must be between 1 and 128 inclusive"),
            (&["--socket-mark-id", "-1"], 2, "socket-mark-id \"-1\"", "argument must be between 0 and 4294967295 inclusive"),
            (&["--unixsocketperm", "999"], 2, "unixsocketperm \"999\"", "argument couldn't be parsed as an octal number"),
            (&["--unixsocketperm", "1777"], 2, "unixsocketperm \"1777\"", "argument must be between 0 and 777 inclusive"),
            (&["--supervised", "x"], 2, "supervised \"x\"", "argument(s) must be one of the following: upstart, systemd, auto, no"),
            (&["--dbfilename", "a/b"], 2, "dbfilename \"a/b\"", "dbfilename can't be a path, just a filename"),
            (&["--appendfilename", "a/b"], 2, "appendfilename \"a/b\"", "appendfilename can't be a path, just a filename"),
            (&["--appenddirname", "a/b"], 2, "appenddirname \"a/b\"", "appenddirname can't be a path, just a dirname"),
            (&["--replicaof", "localhost", "abc"], 2, "replicaof \"localhost\" \"abc\"", "Invalid master port"),
            (&["--slaveof", "localhost", "99999"], 2, "slaveof \"localhost\" \"99999\"", "Invalid master port"),
            (&["--replicaof", "localhost"], 2, "replicaof \"localhost\"", "wrong number of arguments"),
            (&["--requirepass", "a", "b"], 2, "requirepass \"a\" \"b\"", "wrong number of arguments"),
            (&["--list-max-ziplist-entries", "5", "6"], 2, "list-max-ziplist-entries \"5\" \"6\"", "Bad directive or wrong number of arguments"),
            (&["--rename-command", "get"], 2, "rename-command \"get\"", "Bad directive or wrong number of arguments"),
            (&["--bind", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17"], 2,
             "bind \"1\" \"2\" \"3\" \"4\" \"5\" \"6\" \"7\" \"8\" \"9\" \"10\" \"11\" \"12\" \"13\" \"14\" \"15\" \"16\" \"17\"",
             "Too many bind addresses specified."),
            (&["--maxclients", "0"], 2, "maxclients \"0\"", "argument must be between 1 and 4294967295 inclusive"),
            (&["--always-show-logo", "x"], 2, "always-show-logo \"x\"", "argument must be 'yes' or 'no'"),
            (&["--cluster-announce-hostname", "a_b"], 2, "cluster-announce-hostname \"a_b\"", "Hostnames may only contain alphanumeric characters, hyphens or dots"),
            (&["--proc-title-template", "x{y}"], 2, "proc-title-template \"x{y}\"", "template format is invalid or contains unknown variables"),
            (&["--latency-tracking-info-percentiles", "101"], 2, "latency-tracking-info-percentiles \"101\"", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
            (&["--enable-debug-command", "x"], 2, "enable-debug-command \"x\"", "argument(s) must be one of the following: no, yes, local"),
        ];
        for (args, line_no, line, reason) in cases {
            let want = format!(
                "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
                 Reading the configuration file, at line {line_no}\n>>> '{line}'\n{reason}\n"
            );
            assert_eq!(load_err(args), want, "{args:?}");
        }
    }

    #[test]
    fn accepted_oddities() {
        for args in [
            &["--bind"][..],
            &["--replicaof", "no", "one"],
            &["--user", "default", "on"],
            &["--loadmodule", "/nonexist.so"],
            &["--foo.bar", "1"],
            &["--list-max-ziplist-entries", "5"],
            &["--lua-replicate-commands", "yes"],
            &["--rename-command", "get", "fetch"],
            &["--hz", "0"],
            &["--oom-score-adj-values", "2 1 3"],
        ] {
            assert!(run(args).load(&mut std::io::empty()).is_ok(), "{args:?}");
        }
        let c = run(&["--hz", "0"]).load(&mut std::io::empty()).unwrap();
        assert_eq!(c.hz(), 1);
        let c = run(&["--rename-command", "get", "fetch"])
            .load(&mut std::io::empty())
            .unwrap();
        assert_eq!(
            c.rename_commands,
            [("get".to_string(), "fetch".to_string())]
        );
    }

    #[test]
    fn missing_config_file() {
        let e = run(&["/nonexist/x.conf"])
            .load(&mut std::io::empty())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Fatal error, can't open config file '/nonexist/x.conf': No such file or directory"
        );
    }
}
