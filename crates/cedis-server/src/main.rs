fn main() {
    eprintln!("cedis-server is not built yet");
    std::process::exit(1);
}
