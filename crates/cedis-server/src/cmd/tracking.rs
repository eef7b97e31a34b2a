//! CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR and CLIENT
//! TRACKINGINFO: the client-side caching settings of a connection (the
//! tracking itself lives in [`crate::tracking`]).

use bytes::Bytes;

use super::args::is;
use super::error::{CmdError, CmdResult};
use super::Ctx;
use crate::tracking::{ClientTracking, Tracking};

/// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN]
/// [OPTOUT] [NOLOOP].
pub fn client_tracking(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut new = ClientTracking::default();
    let mut prefixes: Vec<Vec<u8>> = Vec::new();
    let mut j = 3;
    while j < argv.len() {
        let a = &argv[j];
        let more = j + 1 < argv.len();
        if is(a, "redirect") && more {
            j += 1;
            if new.redirect != 0 {
                return Err(CmdError::msg(
                    "ERR A client can only redirect to a single other client",
                ));
            }
            let id = cedis_store::value::parse_i64(&argv[j]).ok_or(CmdError::NotInteger)?;
            let exists = u64::try_from(id).is_ok_and(|id| {
                id != 0 && (id == ctx.client.id || ctx.server.clients.get_mut(id).is_some())
            });
            if !exists {
                return Err(CmdError::msg(
                    "ERR The client ID you want redirect to does not exist",
                ));
            }
            new.redirect = id as u64;
        } else if is(a, "bcast") {
            new.bcast = true;
        } else if is(a, "optin") {
            new.optin = true;
        } else if is(a, "optout") {
            new.optout = true;
        } else if is(a, "noloop") {
            new.noloop = true;
        } else if is(a, "prefix") && more {
            j += 1;
            prefixes.push(argv[j].to_vec());
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if is(&argv[2], "off") {
        ctx.server.tracking.disable(ctx.client);
        ctx.reply().ok();
        return Ok(());
    }
    if !is(&argv[2], "on") {
        return Err(CmdError::Syntax);
    }
    let old = &ctx.client.tracking;
    if !new.bcast && !prefixes.is_empty() {
        return Err(CmdError::msg(
            "ERR PREFIX option requires BCAST mode to be enabled",
        ));
    }
    if old.on && old.bcast != new.bcast {
        return Err(CmdError::msg(
            "ERR You can't switch BCAST mode on/off before disabling tracking for this \
             client, and then re-enabling it with a different mode.",
        ));
    }
    if new.bcast && (new.optin || new.optout) {
        return Err(CmdError::msg(
            "ERR OPTIN and OPTOUT are not compatible with BCAST",
        ));
    }
    if new.optin && new.optout {
        return Err(CmdError::msg(
            "ERR You can't specify both OPTIN mode and OPTOUT mode",
        ));
    }
    if (new.optin && old.optout) || (new.optout && old.optin) {
        return Err(CmdError::msg(
            "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this \
             client, and then re-enabling it with a different mode.",
        ));
    }
    if new.bcast {
        if let Some(e) = Tracking::prefix_collision(&old.prefixes, &prefixes) {
            return Err(CmdError::owned(e));
        }
    }
    ctx.server.tracking.enable(ctx.client, new, &prefixes);
    ctx.reply().ok();
    Ok(())
}

/// CLIENT CACHING YES|NO.
pub fn client_caching(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let t = &mut ctx.client.tracking;
    if !t.on {
        return Err(CmdError::msg(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode \
             with OPTIN or OPTOUT mode enabled",
        ));
    }
    if is(&argv[2], "yes") {
        if !t.optin {
            return Err(CmdError::msg(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
    } else if is(&argv[2], "no") {
        if !t.optout {
            return Err(CmdError::msg(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
    } else {
        return Err(CmdError::Syntax);
    }
    t.caching = true;
    ctx.reply().ok();
    Ok(())
}

/// The id CLIENT GETREDIR and TRACKINGINFO report: the redirect client
/// (0: none) while tracking, -1 when not tracking.
fn redirect_of(t: &ClientTracking) -> i64 {
    if t.on {
        t.redirect as i64
    } else {
        -1
    }
}

/// CLIENT GETREDIR.
pub fn client_getredir(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let id = redirect_of(&ctx.client.tracking);
    ctx.reply().integer(id);
    Ok(())
}

/// The flags CLIENT TRACKINGINFO lists.
fn flag_names(t: &ClientTracking) -> Vec<&'static str> {
    if !t.on {
        return vec!["off"];
    }
    let mut f = vec!["on"];
    if t.bcast {
        f.push("bcast");
    }
    if t.optin {
        f.push("optin");
        if t.caching {
            f.push("caching-yes");
        }
    }
    if t.optout {
        f.push("optout");
        if t.caching {
            f.push("caching-no");
        }
    }
    if t.noloop {
        f.push("noloop");
    }
    if t.broken_redir {
        f.push("broken_redirect");
    }
    f
}

/// CLIENT TRACKINGINFO.
pub fn client_trackinginfo(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let t = ctx.client.tracking.clone();
    let flags = flag_names(&t);
    let mut w = ctx.reply();
    w.map_header(3);
    w.bulk(b"flags");
    w.set_header(flags.len());
    for f in flags {
        w.bulk(f.as_bytes());
    }
    w.bulk(b"redirect");
    w.integer(redirect_of(&t));
    w.bulk(b"prefixes");
    w.array_header(t.prefixes.len());
    for p in &t.prefixes {
        w.bulk(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trackinginfo_flags() {
        let mut t = ClientTracking::default();
        assert_eq!(flag_names(&t), ["off"]);
        t.on = true;
        t.optout = true;
        t.caching = true;
        t.noloop = true;
        assert_eq!(flag_names(&t), ["on", "optout", "caching-no", "noloop"]);
        assert_eq!(redirect_of(&t), 0);
        t.on = false;
        assert_eq!(redirect_of(&t), -1);
    }
}
