//! Starting the binary with a redis.conf (quoting, comments, `include`) and
//! command-line options, as redis-server is started.

use cedis_tests::{assert_reply, free_port, Kind, Options, Server, TempDir};

fn write(dir: &TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write config");
    p
}

fn start_with_config(kind: Kind, extra: &[&str]) -> Option<Server> {
    if kind == Kind::Redis && cedis_tests::redis_binary().is_none() {
        return None;
    }
    let conf_dir = TempDir::new();
    let port = free_port();
    write(&conf_dir, "included.conf", "# included\ndatabases 3\n");
    let main = write(
        &conf_dir,
        "redis.conf",
        &format!(
            "# A redis.conf with the usual shapes.\n\
             port {port}\n\
             \n\
             requirepass \"pass word\"\n\
             save \"\"\n\
             appendonly no\n\
             include {}\n\
             maxmemory-policy   allkeys-lru   \n\
             notify-keyspace-events \"\"\n",
            conf_dir.path().join("included.conf").display()
        ),
    );
    let server = Server::start(
        kind,
        Options {
            config_file: Some(main),
            args: extra.iter().map(|s| s.to_string()).collect(),
            port_in_config: true,
            port: Some(port),
            dir: Some(conf_dir),
        },
    )
    .unwrap_or_else(|e| panic!("{kind:?} with a config file: {e}"));
    Some(server)
}

fn check(server: &Server, databases: usize) {
    let mut c = server.conn();
    assert_reply!(
        c.cmd_str(&["GET", "k"]),
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_reply!(c.cmd_str(&["AUTH", "pass word"]), b"+OK\r\n");
    let last = (databases - 1).to_string();
    assert_reply!(c.cmd_str(&["SELECT", &last]), b"+OK\r\n");
    assert_reply!(
        c.cmd_str(&["SELECT", &databases.to_string()]),
        b"-ERR DB index is out of range\r\n"
    );
}

#[test]
fn config_file_with_quoting_and_include() {
    for kind in [Kind::Cedis, Kind::Redis] {
        let Some(server) = start_with_config(kind, &[]) else {
            eprintln!("NOTICE: no redis-server; checked cedis only");
            continue;
        };
        check(&server, 3);
    }
}

#[test]
fn command_line_overrides_config_file() {
    for kind in [Kind::Cedis, Kind::Redis] {
        let Some(server) = start_with_config(kind, &["--databases", "5"]) else {
            continue;
        };
        check(&server, 5);
    }
}

#[test]
fn bad_config_is_rejected_like_redis() {
    let dir = TempDir::new();
    let conf = write(&dir, "bad.conf", "port 1234\nno-such-directive yes\n");
    let out = std::process::Command::new(cedis_tests::cedis_binary())
        .arg(&conf)
        .output()
        .expect("run cedis-server");
    assert!(!out.status.success(), "a bad directive must fail the start");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***")
            && text.contains(">>> 'no-such-directive yes'")
            && text.contains("Bad directive or wrong number of arguments"),
        "unexpected output:\n{text}"
    );
    if let Some(redis) = cedis_tests::redis_binary() {
        let r = std::process::Command::new(redis)
            .arg(&conf)
            .output()
            .expect("run redis-server");
        let rtext =
            String::from_utf8_lossy(&r.stderr).into_owned() + &String::from_utf8_lossy(&r.stdout);
        assert_eq!(
            text, rtext,
            "the fatal config error text differs from redis-server's"
        );
    }
    // An unbalanced quote too.
    let conf = write(&dir, "quote.conf", "requirepass \"open\n");
    let out = std::process::Command::new(cedis_tests::cedis_binary())
        .arg(&conf)
        .output()
        .expect("run cedis-server");
    assert!(!out.status.success());
}
