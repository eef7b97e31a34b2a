//! `cedis-server [/path/to/redis.conf] [--option value ...]`: parses the
//! configuration exactly as redis-server does and serves.

use std::process::ExitCode;

use cedis_server::config::{cli, parse_args, CliAction, LoadError};
use cedis_server::server::{serve, Listen};
use cedis_server::state::Shared;
use cedis_server::{log, CEDIS_VERSION, REDIS_VERSION};

#[global_allocator]
static ALLOC: cedis_server::alloc::CountingAlloc = cedis_server::alloc::CountingAlloc;

fn main() -> ExitCode {
    cedis_server::alloc::mark_installed();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let cli_args = match parse_args(&args) {
        CliAction::Version => {
            println!("{}", cli::version_text());
            return ExitCode::SUCCESS;
        }
        CliAction::Help => {
            eprint!("{}", cli::help_text());
            return ExitCode::FAILURE;
        }
        CliAction::Run(a) => a,
        _ => return ExitCode::FAILURE,
    };
    let config = match cli_args.load(&mut std::io::stdin()) {
        Ok(c) => c,
        Err(e @ LoadError::Open { .. }) => {
            log::warning(&e.to_string());
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprint!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let level =
        log::Level::parse(&format!("{:?}", config.loglevel())).unwrap_or(log::Level::Notice);
    if let Err(e) = log::configure(level, config.logfile()) {
        eprintln!("Can't open the log file: {e}");
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::env::set_current_dir(config.dir()) {
        log::warning(&format!("Can't chdir to '{}': {e}", config.dir().display()));
        return ExitCode::FAILURE;
    }
    log::notice("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    log::notice(&format!(
        "Redis version={REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid={}, just started (cedis {CEDIS_VERSION})",
        std::process::id()
    ));
    let listen = Listen {
        bind: config.bind().to_vec(),
        port: config.port(),
        unixsocket: config.unixsocket().map(str::to_string),
        unixsocketperm: Some(config.unixsocketperm()).filter(|&p| p != 0),
        pidfile: config.pidfile().map(str::to_string),
    };
    log::notice(&format!("Running mode=standalone, port={}.", listen.port));
    let shared = Shared::new(config);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            log::warning(&format!("Can't start the runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(shared, listen)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
