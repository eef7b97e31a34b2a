//! `cedis-cli`: the command-line client, with redis-cli's habits.
//!
//! Status: not built yet; this binary only says so.

fn main() {
    eprintln!("cedis-cli is not built yet; use redis-cli against cedis-server meanwhile");
    std::process::exit(1);
}
