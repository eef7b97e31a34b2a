//! COMMAND and its subcommands (COUNT, INFO, DOCS, LIST, GETKEYS,
//! GETKEYSANDFLAGS, HELP), and the command metadata they serve.
//!
//! The metadata ([`Meta`], one per command and subcommand) is data observed
//! from a real redis-server 7.0 (`COMMAND INFO` and `COMMAND DOCS`), kept in
//! the generated module `meta.rs` (`scripts/gen-command-meta.py`). COMMAND
//! only ever shows commands that cedis's own table implements, and for each
//! of them the 7.0 metadata (falling back to the [`CommandSpec`] for names
//! Redis 7.0 does not know). A unit test checks that every implemented
//! command's arity, flags, key positions and ACL categories match the
//! metadata.
//!
//! GETKEYS follows key specifications: `begin_search` (an index, or a
//! keyword searched forwards or backwards) then `find_keys` (a range or a
//! key count). A few commands whose specs are incomplete or whose flags
//! depend on the arguments (SET, BITFIELD, SORT, SORT_RO, MIGRATE) have
//! their own extraction, as in Redis.

use bytes::Bytes;
use cedis_resp::ReplyWriter;
use cedis_types::glob_match;

use super::args::is;
use super::error::{CmdError, CmdResult};
use super::meta::META;
use super::table::{cmd, flags, flags::*, Command, CommandSpec};
use super::{table, Ctx};

/// How many top-level commands redis-server 7.0.15 has (the generated
/// module asserts it, so a regeneration from another version is noticed).
pub const REDIS_COMMAND_COUNT: usize = 240;

/// Where a key specification starts looking for keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bs {
    /// Not describable: the command extracts its keys itself.
    Unknown,
    /// A fixed argument index.
    Index(i32),
    /// After a keyword, searched from `startfrom` (backwards if negative).
    Keyword(&'static str, i32),
}

/// How a key specification finds its keys from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fk {
    /// Not describable.
    Unknown,
    /// `(lastkey, keystep, limit)`.
    Range(i32, i32, i32),
    /// `(keynumidx, firstkey, keystep)`.
    Keynum(i32, i32, i32),
}

/// One key specification.
#[derive(Debug)]
pub struct KeySpec {
    /// Free-text notes ("" when absent).
    pub notes: &'static str,
    /// Space-separated flags in the server's order (`RW access update`).
    pub flags: &'static str,
    /// begin_search.
    pub bs: Bs,
    /// find_keys.
    pub fk: Fk,
}

/// One documented argument (COMMAND DOCS).
#[derive(Debug)]
pub struct Arg {
    /// `name`.
    pub name: &'static str,
    /// `type` (`key`, `string`, `oneof`, `block`, `pure-token`, ...).
    pub kind: &'static str,
    /// `key_spec_index` (-1 when absent).
    pub key_spec: i32,
    /// `token` (may be present and empty).
    pub token: Option<&'static str>,
    /// `since` ("" when absent).
    pub since: &'static str,
    /// Space-separated `flags` (`optional multiple`).
    pub flags: &'static str,
    /// `deprecated_since` ("" when absent).
    pub deprecated_since: &'static str,
    /// Nested `arguments`.
    pub args: &'static [Arg],
}

/// The COMMAND DOCS fields of a command.
#[derive(Debug)]
pub struct Doc {
    /// `summary`.
    pub summary: &'static str,
    /// `since`.
    pub since: &'static str,
    /// `group`.
    pub group: &'static str,
    /// `complexity` ("" when absent).
    pub complexity: &'static str,
    /// Space-separated `doc_flags` (`deprecated`, `syscmd`).
    pub doc_flags: &'static str,
    /// `deprecated_since` ("" when absent).
    pub deprecated_since: &'static str,
    /// `replaced_by` ("" when absent).
    pub replaced_by: &'static str,
    /// `history`: (version, change).
    pub history: &'static [(&'static str, &'static str)],
    /// `arguments`.
    pub args: &'static [Arg],
}

/// Everything Redis 7.0 tells about one command or subcommand.
#[derive(Debug)]
pub struct Meta {
    /// Full name (`get`, `config|get`).
    pub name: &'static str,
    /// Arity (name included; negative: at least).
    pub arity: i32,
    /// Space-separated flags in the server's order.
    pub flags: &'static str,
    /// Legacy (first, last, step) key positions.
    pub keys: (i32, i32, i32),
    /// Space-separated ACL categories with `@`, in the server's order.
    pub acl: &'static str,
    /// Space-separated tips.
    pub tips: &'static str,
    /// Key specifications.
    pub key_specs: &'static [KeySpec],
    /// Documentation.
    pub doc: Doc,
}

/// Compact constructors for the generated table.
pub mod meta_ctor {
    use super::{Arg, Doc, KeySpec, Meta};
    pub use super::{Bs, Fk};

    /// A [`Meta`].
    #[allow(clippy::too_many_arguments)]
    pub const fn m(
        name: &'static str,
        arity: i32,
        flags: &'static str,
        keys: (i32, i32, i32),
        acl: &'static str,
        tips: &'static str,
        key_specs: &'static [KeySpec],
        doc: Doc,
    ) -> Meta {
        Meta {
            name,
            arity,
            flags,
            keys,
            acl,
            tips,
            key_specs,
            doc,
        }
    }

    /// A [`KeySpec`].
    pub const fn k(notes: &'static str, flags: &'static str, bs: Bs, fk: Fk) -> KeySpec {
        KeySpec {
            notes,
            flags,
            bs,
            fk,
        }
    }

    /// A [`Doc`].
    #[allow(clippy::too_many_arguments)]
    pub const fn d(
        summary: &'static str,
        since: &'static str,
        group: &'static str,
        complexity: &'static str,
        doc_flags: &'static str,
        deprecated_since: &'static str,
        replaced_by: &'static str,
        history: &'static [(&'static str, &'static str)],
        args: &'static [Arg],
    ) -> Doc {
        Doc {
            summary,
            since,
            group,
            complexity,
            doc_flags,
            deprecated_since,
            replaced_by,
            history,
            args,
        }
    }

    /// An [`Arg`].
    #[allow(clippy::too_many_arguments)]
    pub const fn a(
        name: &'static str,
        kind: &'static str,
        key_spec: i32,
        token: Option<&'static str>,
        since: &'static str,
        flags: &'static str,
        deprecated_since: &'static str,
        args: &'static [Arg],
    ) -> Arg {
        Arg {
            name,
            kind,
            key_spec,
            token,
            since,
            flags,
            deprecated_since,
            args,
        }
    }
}

/// The Redis 7.0 metadata of a command by full name (`config|get`),
/// lower case. Binary search, no allocation.
pub fn meta(full_name: &str) -> Option<&'static Meta> {
    META.binary_search_by(|m| m.name.cmp(full_name))
        .ok()
        .map(|i| &META[i])
}

const CMD_ACL: &[&str] = &["slow", "connection"];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "command",
    arity: -1,
    flags: LOADING | STALE,
    first_key: 0,
    last_key: 0,
    step: 0,
    acl: CMD_ACL,
    handler: command_all,
    subcommands: SUBCOMMANDS,
}];

#[rustfmt::skip]
static SUBCOMMANDS: &[CommandSpec] = &[
    cmd("count", 2, LOADING | STALE, (0, 0, 0), CMD_ACL, command_count),
    cmd("docs", -2, LOADING | STALE, (0, 0, 0), CMD_ACL, command_docs),
    cmd("getkeys", -4, LOADING | STALE, (0, 0, 0), CMD_ACL, command_getkeys),
    cmd("getkeysandflags", -4, LOADING | STALE, (0, 0, 0), CMD_ACL, command_getkeysandflags),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), CMD_ACL, command_help),
    cmd("info", -2, LOADING | STALE, (0, 0, 0), CMD_ACL, command_info),
    cmd("list", -2, LOADING | STALE, (0, 0, 0), CMD_ACL, command_list),
];

/// Looks a command up by `name` or `parent|sub`, ignoring case (as
/// COMMAND INFO and COMMAND DOCS accept them).
fn lookup_full(name: &[u8]) -> Option<&'static Command> {
    let mut parts = name.splitn(3, |&b| b == b'|');
    let base = table().get(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base),
        (Some(sub), None) => base.subcommand(sub),
        (Some(_), Some(_)) => None,
    }
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(' ').filter(|w| !w.is_empty())
}

fn count_words(s: &str) -> usize {
    words(s).count()
}

/// A set of simple strings from a space-separated list.
fn simple_set(w: &mut ReplyWriter<'_>, s: &str) {
    w.set_header(count_words(s));
    for x in words(s) {
        w.simple(x.as_bytes());
    }
}

fn flag_names(bits: u32) -> impl Iterator<Item = &'static str> {
    flags::NAMES
        .iter()
        .filter(move |(f, _)| bits & f != 0)
        .map(|(_, n)| *n)
}

// ---- COMMAND INFO ----------------------------------------------------------

fn write_info(w: &mut ReplyWriter<'_>, c: &Command) {
    let spec = c.spec;
    w.array_header(10);
    w.bulk(c.full_name.as_bytes());
    match meta(&c.full_name) {
        Some(m) => {
            w.integer(i64::from(m.arity));
            simple_set(w, m.flags);
            w.integer(i64::from(m.keys.0));
            w.integer(i64::from(m.keys.1));
            w.integer(i64::from(m.keys.2));
            simple_set(w, m.acl);
            w.set_header(count_words(m.tips));
            for t in words(m.tips) {
                w.bulk(t.as_bytes());
            }
            w.set_header(m.key_specs.len());
            for ks in m.key_specs {
                write_key_spec(w, ks);
            }
        }
        None => {
            // Not a Redis 7.0 command: describe it from cedis's own table.
            w.integer(i64::from(spec.arity));
            w.set_header(flag_names(spec.flags).count());
            for f in flag_names(spec.flags) {
                w.simple(f.as_bytes());
            }
            w.integer(i64::from(spec.first_key));
            w.integer(i64::from(spec.last_key));
            w.integer(i64::from(spec.step));
            w.set_header(spec.acl.len());
            for a in spec.acl {
                w.simple(format!("@{a}").as_bytes());
            }
            w.set_header(0);
            w.set_header(0);
        }
    }
    if c.subcommands.is_empty() {
        w.set_header(0);
    } else {
        w.array_header(c.subcommands.len());
        for s in &c.subcommands {
            write_info(w, s);
        }
    }
}

fn write_key_spec(w: &mut ReplyWriter<'_>, ks: &KeySpec) {
    w.map_header(if ks.notes.is_empty() { 3 } else { 4 });
    if !ks.notes.is_empty() {
        w.bulk(b"notes");
        w.bulk(ks.notes.as_bytes());
    }
    w.bulk(b"flags");
    simple_set(w, ks.flags);
    w.bulk(b"begin_search");
    w.map_header(2);
    w.bulk(b"type");
    match ks.bs {
        Bs::Unknown => {
            w.bulk(b"unknown");
            w.bulk(b"spec");
            w.map_header(0);
        }
        Bs::Index(i) => {
            w.bulk(b"index");
            w.bulk(b"spec");
            w.map_header(1);
            w.bulk(b"index");
            w.integer(i64::from(i));
        }
        Bs::Keyword(kw, from) => {
            w.bulk(b"keyword");
            w.bulk(b"spec");
            w.map_header(2);
            w.bulk(b"keyword");
            w.bulk(kw.as_bytes());
            w.bulk(b"startfrom");
            w.integer(i64::from(from));
        }
    }
    w.bulk(b"find_keys");
    w.map_header(2);
    w.bulk(b"type");
    let (kind, fields): (&[u8], [(&[u8], i32); 3]) = match ks.fk {
        Fk::Unknown => {
            w.bulk(b"unknown");
            w.bulk(b"spec");
            w.map_header(0);
            return;
        }
        Fk::Range(l, s, lim) => (
            b"range",
            [(b"lastkey", l), (b"keystep", s), (b"limit", lim)],
        ),
        Fk::Keynum(i, f, s) => (
            b"keynum",
            [(b"keynumidx", i), (b"firstkey", f), (b"keystep", s)],
        ),
    };
    w.bulk(kind);
    w.bulk(b"spec");
    w.map_header(3);
    for (k, v) in fields {
        w.bulk(k);
        w.integer(i64::from(v));
    }
}

fn command_all(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let all = table().all();
    let mut w = ctx.reply();
    w.array_header(all.len());
    for c in all {
        write_info(&mut w, c);
    }
    Ok(())
}

fn command_info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() == 2 {
        return command_all(ctx, argv);
    }
    let mut w = ctx.reply();
    w.array_header(argv.len() - 2);
    for name in &argv[2..] {
        match lookup_full(name) {
            Some(c) => write_info(&mut w, c),
            None => w.null(),
        }
    }
    Ok(())
}

fn command_count(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let n = table().all().len();
    ctx.reply().integer(n as i64);
    Ok(())
}

// ---- COMMAND DOCS ----------------------------------------------------------

/// COMMAND DOCS of the commands redis-server 7.0 does not have (so
/// cmd/meta.rs, generated from it, lacks them): full name, summary, since,
/// group, as Redis 7.2 documents them.
const DOCS_BEYOND_7_0: &[(&str, &str, &str, &str)] = &[
    (
        "client|setinfo",
        "Sets information specific to the client or connection.",
        "7.2.0",
        "connection",
    ),
    (
        "client|no-touch",
        "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
        "7.2.0",
        "connection",
    ),
];

fn write_doc(w: &mut ReplyWriter<'_>, c: &Command) {
    let Some(m) = meta(&c.full_name) else {
        let (summary, since, group) = DOCS_BEYOND_7_0
            .iter()
            .find(|d| d.0 == c.full_name)
            .map_or(("", "", ""), |d| (d.1, d.2, d.3));
        let subs = !c.subcommands.is_empty();
        w.map_header(3 + usize::from(subs));
        for (k, v) in [("summary", summary), ("since", since), ("group", group)] {
            w.bulk(k.as_bytes());
            w.bulk(v.as_bytes());
        }
        write_subcommand_docs(w, c);
        return;
    };
    let d = &m.doc;
    let optional = [d.complexity, d.doc_flags, d.deprecated_since, d.replaced_by];
    let n = 3
        + optional.iter().filter(|s| !s.is_empty()).count()
        + usize::from(!d.history.is_empty())
        + usize::from(!d.args.is_empty())
        + usize::from(!c.subcommands.is_empty());
    w.map_header(n);
    for (k, v) in [
        ("summary", d.summary),
        ("since", d.since),
        ("group", d.group),
    ] {
        w.bulk(k.as_bytes());
        w.bulk(v.as_bytes());
    }
    if !d.complexity.is_empty() {
        w.bulk(b"complexity");
        w.bulk(d.complexity.as_bytes());
    }
    if !d.doc_flags.is_empty() {
        w.bulk(b"doc_flags");
        simple_set(w, d.doc_flags);
    }
    for (k, v) in [
        ("deprecated_since", d.deprecated_since),
        ("replaced_by", d.replaced_by),
    ] {
        if !v.is_empty() {
            w.bulk(k.as_bytes());
            w.bulk(v.as_bytes());
        }
    }
    if !d.history.is_empty() {
        w.bulk(b"history");
        w.set_header(d.history.len());
        for (version, change) in d.history {
            w.array_header(2);
            w.bulk(version.as_bytes());
            w.bulk(change.as_bytes());
        }
    }
    if !d.args.is_empty() {
        w.bulk(b"arguments");
        write_args(w, d.args);
    }
    write_subcommand_docs(w, c);
}

fn write_subcommand_docs(w: &mut ReplyWriter<'_>, c: &Command) {
    if c.subcommands.is_empty() {
        return;
    }
    w.bulk(b"subcommands");
    w.map_header(c.subcommands.len());
    for s in &c.subcommands {
        w.bulk(s.full_name.as_bytes());
        write_doc(w, s);
    }
}

fn write_args(w: &mut ReplyWriter<'_>, args: &[Arg]) {
    w.array_header(args.len());
    for a in args {
        let n = 2
            + usize::from(a.key_spec >= 0)
            + usize::from(a.token.is_some())
            + usize::from(!a.since.is_empty())
            + usize::from(!a.flags.is_empty())
            + usize::from(!a.deprecated_since.is_empty())
            + usize::from(!a.args.is_empty());
        w.map_header(n);
        w.bulk(b"name");
        w.bulk(a.name.as_bytes());
        w.bulk(b"type");
        w.bulk(a.kind.as_bytes());
        if a.key_spec >= 0 {
            w.bulk(b"key_spec_index");
            w.integer(i64::from(a.key_spec));
        }
        if let Some(t) = a.token {
            w.bulk(b"token");
            w.bulk(t.as_bytes());
        }
        if !a.since.is_empty() {
            w.bulk(b"since");
            w.bulk(a.since.as_bytes());
        }
        if !a.flags.is_empty() {
            w.bulk(b"flags");
            simple_set(w, a.flags);
        }
        if !a.deprecated_since.is_empty() {
            w.bulk(b"deprecated_since");
            w.bulk(a.deprecated_since.as_bytes());
        }
        if !a.args.is_empty() {
            w.bulk(b"arguments");
            write_args(w, a.args);
        }
    }
}

fn command_docs(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let found: Vec<&Command> = if argv.len() == 2 {
        table().all().iter().collect()
    } else {
        argv[2..].iter().filter_map(|n| lookup_full(n)).collect()
    };
    let mut w = ctx.reply();
    w.map_header(found.len());
    for c in found {
        w.bulk(c.full_name.as_bytes());
        write_doc(&mut w, c);
    }
    Ok(())
}

// ---- COMMAND LIST ----------------------------------------------------------

enum Filter<'a> {
    All,
    Module,
    AclCat(&'a [u8]),
    Pattern(&'a [u8]),
}

fn acl_of(c: &Command) -> impl Iterator<Item = &'static str> {
    let from_meta = meta(&c.full_name).map(|m| m.acl);
    let from_spec = if from_meta.is_none() { c.spec.acl } else { &[] };
    words(from_meta.unwrap_or(""))
        .map(|a| a.strip_prefix('@').unwrap_or(a))
        .chain(from_spec.iter().copied())
}

impl Filter<'_> {
    fn matches(&self, c: &Command) -> bool {
        match self {
            Filter::All => true,
            Filter::Module => false,
            Filter::AclCat(cat) => acl_of(c).any(|a| a.as_bytes().eq_ignore_ascii_case(cat)),
            Filter::Pattern(p) => glob_match(p, c.full_name.as_bytes(), true),
        }
    }
}

fn list_into(out: &mut Vec<&'static str>, c: &'static Command, filter: &Filter<'_>) {
    if filter.matches(c) {
        out.push(&c.full_name);
    }
    for s in &c.subcommands {
        list_into(out, s, filter);
    }
}

fn command_list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let filter = match argv.len() {
        2 => Filter::All,
        5 if is(&argv[2], "filterby") => {
            let v = &argv[4][..];
            if is(&argv[3], "module") {
                Filter::Module
            } else if is(&argv[3], "aclcat") {
                Filter::AclCat(v)
            } else if is(&argv[3], "pattern") {
                Filter::Pattern(v)
            } else {
                return Err(CmdError::Syntax);
            }
        }
        _ => return Err(CmdError::Syntax),
    };
    let mut names = Vec::new();
    for c in table().all() {
        list_into(&mut names, c, &filter);
    }
    let mut w = ctx.reply();
    w.array_header(names.len());
    for n in names {
        w.bulk(n.as_bytes());
    }
    Ok(())
}

// ---- COMMAND GETKEYS -------------------------------------------------------

/// One extracted key: its argument index and its key-spec flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRef {
    /// Index in the command's argv (0 is the command name).
    pub pos: usize,
    /// Space-separated flags (`RW access update`).
    pub flags: &'static str,
}

fn has_flag(flags: &str, f: &str) -> bool {
    words(flags).any(|w| w == f)
}

/// Why spec-driven extraction gave up (Redis then asks the command's own
/// key-extraction procedure, if it has one).
struct InvalidSpec;

/// Extracts keys by the key specs, with Redis 7.0's rules.
fn keys_by_specs(specs: &[KeySpec], argv: &[Bytes]) -> Result<Vec<KeyRef>, InvalidSpec> {
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in specs {
        if has_flag(spec.flags, "not_key") {
            continue;
        }
        let first: i64 = match spec.bs {
            Bs::Unknown => return Err(InvalidSpec),
            Bs::Index(i) => i64::from(i),
            Bs::Keyword(kw, from) => {
                let from = i64::from(from);
                let found = if from > 0 {
                    // Forwards up to, not including, the last argument.
                    (from..argc - 1).find(|&i| is(&argv[i as usize], kw))
                } else {
                    // Backwards from argc+startfrom down to 1.
                    let start = argc + from;
                    (1..=start)
                        .rev()
                        .filter(|&i| i < argc)
                        .find(|&i| is(&argv[i as usize], kw))
                };
                match found {
                    Some(i) => i + 1,
                    None => continue,
                }
            }
        };
        let (first, last, step) = match spec.fk {
            Fk::Unknown => return Err(InvalidSpec),
            Fk::Range(lastkey, keystep, limit) => {
                let (lastkey, limit) = (i64::from(lastkey), i64::from(limit));
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit <= 1 {
                    argc + lastkey
                } else {
                    first + (argc - first) / limit + lastkey
                };
                (first, last, i64::from(keystep))
            }
            Fk::Keynum(numidx, firstkey, keystep) => {
                let idx = first + i64::from(numidx);
                if idx >= argc {
                    return Err(InvalidSpec);
                }
                let n = cedis_store::value::parse_i64(&argv[idx as usize])
                    .filter(|n| *n >= 0)
                    .ok_or(InvalidSpec)?;
                let first = first + i64::from(firstkey);
                (first, first.saturating_add(n) - 1, i64::from(keystep))
            }
        };
        if first < 1 || last >= argc || last < first || first >= argc || step <= 0 {
            return Err(InvalidSpec);
        }
        let mut i = first;
        while i <= last {
            keys.push(KeyRef {
                pos: i as usize,
                flags: spec.flags,
            });
            i += step;
        }
        if has_flag(spec.flags, "incomplete") {
            return Err(InvalidSpec);
        }
    }
    Ok(keys)
}

const RW_UPDATE: &str = "RW access update";
const RO_ACCESS: &str = "RO access";
const OW_UPDATE: &str = "OW update";

/// Commands that extract (or flag) their keys themselves.
fn keys_by_procedure(name: &str, argv: &[Bytes]) -> Option<Vec<KeyRef>> {
    let key = |pos, flags| KeyRef { pos, flags };
    let from = |i: usize| argv.iter().enumerate().skip(i);
    Some(match name {
        "set" => {
            let get = from(3).any(|(_, a)| is(a, "get"));
            vec![key(1, if get { RW_UPDATE } else { OW_UPDATE })]
        }
        "bitfield" => {
            let write = from(2).any(|(_, a)| is(a, "set") || is(a, "incrby"));
            vec![key(1, if write { RW_UPDATE } else { RO_ACCESS })]
        }
        "sort_ro" => vec![key(1, RO_ACCESS)],
        "sort" => {
            let mut keys = vec![key(1, RO_ACCESS)];
            let mut store = None;
            let mut j = 2;
            while j < argv.len() {
                let a = &argv[j];
                if is(a, "limit") {
                    j += 2;
                } else if is(a, "get") || is(a, "by") {
                    j += 1;
                } else if is(a, "store") && j + 1 < argv.len() {
                    store = Some(j + 1);
                    j += 1;
                }
                j += 1;
            }
            keys.extend(store.map(|p| key(p, OW_UPDATE)));
            keys
        }
        "migrate" => {
            const FLAGS: &str = "RW access delete";
            let mut j = 6;
            while j < argv.len() {
                let a = &argv[j];
                if is(a, "auth") {
                    j += 1;
                } else if is(a, "auth2") {
                    j += 2;
                } else if is(a, "keys") {
                    if !argv[3].is_empty() {
                        return Some(Vec::new());
                    }
                    return Some((j + 1..argv.len()).map(|p| key(p, FLAGS)).collect());
                }
                j += 1;
            }
            vec![key(3, FLAGS)]
        }
        _ => return None,
    })
}

/// The keys of a full command line (`argv[0]` is the command name), as
/// COMMAND GETKEYS reports them. `c` is the (sub)command `argv` runs.
pub fn command_keys(c: &Command, argv: &[Bytes]) -> Vec<KeyRef> {
    let Some(m) = meta(&c.full_name) else {
        // Not a Redis 7.0 command: the legacy (first, last, step).
        let spec = c.spec;
        let argc = argv.len() as i64;
        let (first, step) = (i64::from(spec.first_key), i64::from(spec.step.max(1)));
        let last = match i64::from(spec.last_key) {
            l if l < 0 => argc + l,
            l => l,
        };
        if first <= 0 {
            return Vec::new();
        }
        return (first..=last.min(argc - 1))
            .step_by(step as usize)
            .map(|pos| KeyRef {
                pos: pos as usize,
                flags: "",
            })
            .collect();
    };
    let varflags = m
        .key_specs
        .iter()
        .any(|s| has_flag(s.flags, "variable_flags"));
    if !varflags {
        if let Ok(keys) = keys_by_specs(m.key_specs, argv) {
            return keys;
        }
    }
    keys_by_procedure(&c.full_name, argv).unwrap_or_default()
}

fn has_keys(c: &Command) -> bool {
    match meta(&c.full_name) {
        Some(m) => m.key_specs.iter().any(|s| !has_flag(s.flags, "not_key")),
        None => c.spec.first_key > 0,
    }
}

fn getkeys(ctx: &mut Ctx<'_>, argv: &[Bytes], with_flags: bool) -> CmdResult {
    let target = &argv[2..];
    let invalid = || CmdError::msg("ERR Invalid command specified");
    let mut c = table().get(&target[0]).ok_or_else(invalid)?;
    if !c.subcommands.is_empty() && target.len() >= 2 {
        c = c.subcommand(&target[1]).ok_or_else(invalid)?;
    }
    if !has_keys(c) {
        return Err(CmdError::msg("ERR The command has no key arguments"));
    }
    if !c.spec.arity_ok(target.len()) {
        return Err(CmdError::msg(
            "ERR Invalid number of arguments specified for command",
        ));
    }
    let keys = command_keys(c, target);
    let optional = match meta(&c.full_name) {
        Some(m) => has_flag(m.flags, "no_mandatory_keys"),
        None => c.spec.has(NO_MANDATORY_KEYS),
    };
    if keys.is_empty() && !optional {
        return Err(CmdError::msg("ERR Invalid arguments specified for command"));
    }
    let mut w = ctx.reply();
    w.array_header(keys.len());
    for k in keys {
        if with_flags {
            w.array_header(2);
            w.bulk(&target[k.pos]);
            simple_set(&mut w, k.flags);
        } else {
            w.bulk(&target[k.pos]);
        }
    }
    Ok(())
}

fn command_getkeys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    getkeys(ctx, argv, false)
}

fn command_getkeysandflags(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    getkeys(ctx, argv, true)
}

// ---- COMMAND HELP ----------------------------------------------------------

const HELP: &[&str] = &[
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
];

fn command_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    super::server::help(ctx, "COMMAND", HELP);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Differences from Redis 7.0 that cedis keeps on purpose, by full name
    /// and field.
    const DELIBERATE: &[(&str, &str)] = &[
        // Redis 7.2 subcommands that 7.2-aware clients send on connect.
        ("client|setinfo", "exists"),
        ("client|no-touch", "exists"),
    ];

    fn sorted<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
        let mut v: Vec<&str> = it.collect();
        v.sort_unstable();
        v
    }

    fn check(c: &Command, diffs: &mut Vec<String>) {
        let spec = c.spec;
        let name = c.full_name.as_str();
        let mut diff = |field: &str, ours: String, redis: String| {
            if !DELIBERATE.contains(&(name, field)) {
                diffs.push(format!("{name}: {field}: cedis {ours}, redis {redis}"));
            }
        };
        let Some(m) = meta(name) else {
            diff("exists", "yes".into(), "no".into());
            if !DOCS_BEYOND_7_0.iter().any(|d| d.0 == name) {
                diffs.push(format!("{name}: no COMMAND DOCS entry"));
            }
            return;
        };
        if spec.arity != m.arity {
            diff("arity", spec.arity.to_string(), m.arity.to_string());
        }
        let ours = sorted(flag_names(spec.flags));
        let redis = sorted(words(m.flags));
        if ours != redis {
            diff("flags", format!("{ours:?}"), format!("{redis:?}"));
        }
        let keys = (spec.first_key, spec.last_key, spec.step);
        if keys != m.keys {
            diff("keys", format!("{keys:?}"), format!("{:?}", m.keys));
        }
        let ours = sorted(spec.acl.iter().copied());
        let redis = sorted(words(m.acl).map(|a| a.trim_start_matches('@')));
        if ours != redis {
            diff("acl", format!("{ours:?}"), format!("{redis:?}"));
        }
        for s in &c.subcommands {
            check(s, diffs);
        }
    }

    /// Every implemented command agrees with redis-server 7.0 on arity,
    /// flags, key positions and ACL categories.
    #[test]
    fn table_matches_redis_metadata() {
        let mut diffs = Vec::new();
        for c in table().all() {
            check(c, &mut diffs);
        }
        assert!(diffs.is_empty(), "\n{}\n", diffs.join("\n"));
    }

    #[test]
    fn metadata_is_sorted_and_complete() {
        assert!(META.windows(2).all(|w| w[0].name < w[1].name));
        let top = META.iter().filter(|m| !m.name.contains('|')).count();
        assert_eq!(top, REDIS_COMMAND_COUNT);
        assert_eq!(meta("get").map(|m| m.arity), Some(2));
        assert_eq!(meta("config|get").map(|m| m.arity), Some(-3));
        assert!(meta("nope").is_none());
    }

    fn argv(words: &str) -> Vec<Bytes> {
        words
            .split(' ')
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()
    }

    fn spec_keys(name: &str, line: &str) -> Option<Vec<usize>> {
        let m = meta(name).unwrap();
        keys_by_specs(m.key_specs, &argv(line))
            .ok()
            .map(|k| k.iter().map(|k| k.pos).collect())
    }

    #[test]
    fn key_specs_ranges_keywords_and_counts() {
        assert_eq!(spec_keys("mset", "mset a 1 b 2"), Some(vec![1, 3]));
        assert_eq!(spec_keys("del", "del a b c"), Some(vec![1, 2, 3]));
        // Range with a limit: half of what follows STREAMS.
        assert_eq!(
            spec_keys("xread", "xread count 1 streams a b 0 0"),
            Some(vec![4, 5])
        );
        assert_eq!(spec_keys("xread", "xread streams a b c"), Some(vec![2]));
        // Key counts; a bad or too large count is an invalid spec.
        assert_eq!(
            spec_keys("zunionstore", "zunionstore d 2 a b"),
            Some(vec![1, 3, 4])
        );
        assert_eq!(spec_keys("zunionstore", "zunionstore d 5 a"), None);
        assert_eq!(spec_keys("zunionstore", "zunionstore d x a"), None);
        assert_eq!(spec_keys("eval", "eval s 0"), None);
        // Keywords searched backwards; not found means no keys.
        assert_eq!(
            spec_keys("georadius", "georadius k 1 2 3 m store x"),
            Some(vec![1, 7])
        );
        assert_eq!(spec_keys("migrate", "migrate h 1 k 0 5"), Some(vec![3]));
        // An incomplete spec that matched gives up (MIGRATE then parses).
        assert_eq!(spec_keys("migrate", "migrate h 1  0 5 keys a b"), None);
        // Unknown specs give up.
        assert_eq!(spec_keys("sort", "sort k"), None);
    }

    #[test]
    fn key_procedures() {
        let flags = |name: &str, line: &str| {
            keys_by_procedure(name, &argv(line))
                .unwrap()
                .iter()
                .map(|k| (k.pos, k.flags))
                .collect::<Vec<_>>()
        };
        assert_eq!(flags("set", "set k v"), vec![(1, OW_UPDATE)]);
        assert_eq!(flags("set", "set k v px 1 GET"), vec![(1, RW_UPDATE)]);
        assert_eq!(
            flags("sort", "sort k limit store x store e"),
            vec![(1, RO_ACCESS), (6, OW_UPDATE)]
        );
        assert_eq!(flags("sort", "sort k store"), vec![(1, RO_ACCESS)]);
        assert_eq!(flags("migrate", "migrate h 1  0 5 copy keys a b").len(), 2);
        assert!(flags("migrate", "migrate h 1 x 0 5 keys a").is_empty());
        assert_eq!(
            flags("bitfield", "bitfield k get u8 0"),
            vec![(1, RO_ACCESS)]
        );
        assert_eq!(
            flags("bitfield", "bitfield k incrby u8 0 1"),
            vec![(1, RW_UPDATE)]
        );
    }
}
