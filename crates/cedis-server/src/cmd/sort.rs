//! SORT and SORT_RO. The options are parsed here as redis-server 7.0 does
//! (left to right, a keyword missing its arguments is a syntax error, STORE
//! unknown to SORT_RO, option errors before the key's type is checked); the
//! store does the sorting (`cedis_store::sort`).

use bytes::Bytes;
use cedis_store::sort::{pattern_sorts, SortError, SortOutput, SortSpec};
use cedis_store::value::parse_i64;

use super::args::is;
use super::error::{CmdError, CmdResult};
use super::table::{cmd, flags::*, CommandSpec};
use super::Ctx;

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd("sort", -2, WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1), &["write", "set", "sortedset", "list", "slow", "dangerous"], sort),
    cmd("sort_ro", -2, READONLY | MOVABLE_KEYS, (1, 1, 1), &["read", "set", "sortedset", "list", "slow", "dangerous"], sort_ro),
];

fn sort(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    run(ctx, argv, false)
}

fn sort_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    run(ctx, argv, true)
}

/// Parses SORT's options (`argv[2..]`).
fn parse(argv: &[Bytes], readonly: bool) -> Result<SortSpec<'_>, CmdError> {
    let mut spec = SortSpec::new();
    let mut j = 2;
    while j < argv.len() {
        let a = &argv[j][..];
        let left = argv.len() - j - 1;
        if is(a, "asc") {
            spec.desc = false;
        } else if is(a, "desc") {
            spec.desc = true;
        } else if is(a, "alpha") {
            spec.alpha = true;
        } else if is(a, "limit") && left >= 2 {
            let offset = parse_i64(&argv[j + 1]).ok_or(CmdError::NotInteger)?;
            let count = parse_i64(&argv[j + 2]).ok_or(CmdError::NotInteger)?;
            spec.limit = (offset, count);
            j += 2;
        } else if !readonly && is(a, "store") && left >= 1 {
            spec.store = Some(&argv[j + 1]);
            j += 1;
        } else if is(a, "by") && left >= 1 {
            let p = &argv[j + 1][..];
            spec.by = Some(p);
            if !pattern_sorts(p) {
                spec.nosort = true;
            }
            j += 1;
        } else if is(a, "get") && left >= 1 {
            spec.get.push(&argv[j + 1]);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(spec)
}

fn run(ctx: &mut Ctx<'_>, argv: &[Bytes], readonly: bool) -> CmdResult {
    // `spec.deterministic` (sort a set even under `BY nosort`) is for
    // commands run by scripts; cedis has no script engine yet.
    let spec = parse(argv, readonly)?;
    let db = ctx.db();
    let out = ctx.store.sort(db, &argv[1], &spec).map_err(|e| match e {
        SortError::BadScore => {
            CmdError::msg("ERR One or more scores can't be converted into double")
        }
        _ => CmdError::Status(cedis_store::Status::WrongType),
    })?;
    let mut w = ctx.reply();
    match out {
        SortOutput::Stored(n) => w.integer(n as i64),
        SortOutput::Reply(items) => {
            w.array_header(items.len());
            for it in &items {
                match it {
                    Some(v) => w.bulk(v),
                    None => w.null(),
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<Bytes> {
        s.split(' ')
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()
    }

    #[test]
    fn parses_options_as_redis() {
        let a = args("sort k by w_* limit 1 2 get # get o_* desc alpha store d");
        let s = parse(&a, false).unwrap();
        assert_eq!(s.by, Some(&b"w_*"[..]));
        assert!(!s.nosort && s.desc && s.alpha);
        assert_eq!(s.limit, (1, 2));
        assert_eq!(s.get, [&b"#"[..], b"o_*"]);
        assert_eq!(s.store, Some(&b"d"[..]));
        assert_eq!(parse(&a, true).unwrap_err(), CmdError::Syntax);
        let a = args("sort k by nosort by w_*");
        assert!(parse(&a, false).unwrap().nosort, "a BY without * sticks");
        for bad in [
            "sort k limit 1",
            "sort k by",
            "sort k get",
            "sort k store",
            "sort k foo",
        ] {
            assert_eq!(
                parse(&args(bad), false).unwrap_err(),
                CmdError::Syntax,
                "{bad}"
            );
        }
        assert_eq!(
            parse(&args("sort k limit a 1 foo"), false).unwrap_err(),
            CmdError::NotInteger
        );
    }
}
