//! CLIENT subcommands.

use bytes::Bytes;

use super::error::{CmdError, CmdResult};
use super::table::{cmd, container, flags::*, CommandSpec};
use super::Ctx;

const CONN_SLOW: &[&str] = &["connection", "slow"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[container(
    "client",
    -2,
    &["slow"],
    "connection",
    "2.4.0",
    "A container for client connection commands.",
    CLIENT,
)];

#[rustfmt::skip]
static CLIENT: &[CommandSpec] = &[
    cmd(
        "id",
        2,
        NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        CONN_SLOW,
        "connection",
        "5.0.0",
        "Returns the unique client ID of the connection.",
        client_id,
    ),
    cmd(
        "setname",
        3,
        NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        CONN_SLOW,
        "connection",
        "2.6.9",
        "Sets the connection name.",
        client_setname,
    ),
    cmd(
        "getname",
        2,
        NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        CONN_SLOW,
        "connection",
        "2.6.9",
        "Returns the name of the connection.",
        client_getname,
    ),
];

/// Rejects names Redis rejects: spaces, newlines and other non-printables.
pub fn validate_name(name: &[u8]) -> Result<(), CmdError> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::msg(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

fn client_id(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let id = ctx.client.id as i64;
    ctx.reply().integer(id);
    Ok(())
}

fn client_setname(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    validate_name(&argv[2])?;
    ctx.client.name = if argv[2].is_empty() {
        None
    } else {
        Some(argv[2].to_vec())
    };
    ctx.reply().ok();
    Ok(())
}

fn client_getname(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let name = ctx.client.name.clone();
    let mut w = ctx.reply();
    match name {
        Some(n) => w.bulk(&n),
        None => w.null(),
    }
    Ok(())
}
