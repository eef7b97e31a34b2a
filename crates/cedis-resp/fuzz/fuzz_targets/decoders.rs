//! Feeds arbitrary bytes to both decoders, whole and split into pieces, and
//! checks: no panic, progress on every successful call, the same results
//! whatever the split, and that re-encoding a decoded frame is stable.
//! Run with `-rss_limit_mb` / `-malloc_limit_mb` to bound allocation.
#![no_main]

use bytes::BytesMut;
use cedis_resp::{Frame, FrameDecoder, Limits, Protocol, RequestDecoder};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
enum Outcome<T> {
    Items(Vec<T>),
    Error(Vec<T>, String),
}

/// Decodes `input` fed in pieces of the given sizes (the rest at the end).
fn requests(input: &[u8], cuts: &[usize], limits: Limits) -> Outcome<Vec<Vec<u8>>> {
    let mut dec = RequestDecoder::with_limits(limits);
    let mut buf = BytesMut::new();
    let mut args = Vec::new();
    let mut out = Vec::new();
    let mut fed = 0;
    let mut pieces = cuts.iter().copied().chain(std::iter::once(usize::MAX));
    while fed < input.len() {
        let n = pieces.next().unwrap_or(usize::MAX).max(1).min(input.len() - fed);
        buf.extend_from_slice(&input[fed..fed + n]);
        fed += n;
        // Each successful call consumes at least one byte: bounded loop.
        for _ in 0..=buf.len() {
            let before = buf.len();
            match dec.decode_into(&mut buf, &mut args) {
                Ok(true) => {
                    assert!(buf.len() < before, "no progress");
                    out.push(args.iter().map(|a| a.to_vec()).collect());
                }
                Ok(false) => break,
                Err(e) => return Outcome::Error(out, e.to_string()),
            }
        }
    }
    Outcome::Items(out)
}

fn frames(input: &[u8], cuts: &[usize]) -> Outcome<Frame> {
    let mut dec = FrameDecoder::new().with_max_depth(32);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut fed = 0;
    let mut pieces = cuts.iter().copied().chain(std::iter::once(usize::MAX));
    while fed < input.len() {
        let n = pieces.next().unwrap_or(usize::MAX).max(1).min(input.len() - fed);
        buf.extend_from_slice(&input[fed..fed + n]);
        fed += n;
        for _ in 0..=buf.len() {
            let before = buf.len();
            match dec.decode(&mut buf) {
                Ok(Some(f)) => {
                    assert!(buf.len() < before, "no progress");
                    out.push(f);
                }
                Ok(None) => {
                    assert_eq!(buf.len(), before, "Ok(None) consumed bytes");
                    break;
                }
                Err(e) => return Outcome::Error(out, e.to_string()),
            }
        }
    }
    Outcome::Items(out)
}

fuzz_target!(|data: &[u8]| {
    // The first bytes choose the split points, the rest is the input.
    let (cuts, input) = if data.len() > 4 {
        let cuts: Vec<usize> = data[..4].iter().map(|&b| usize::from(b % 17)).collect();
        (cuts, &data[4..])
    } else {
        (Vec::new(), data)
    };
    let byte_by_byte = vec![1; input.len()];

    let limits = Limits::default();
    let whole = requests(input, &[], limits);
    assert_eq!(whole, requests(input, &cuts, limits));
    assert_eq!(whole, requests(input, &byte_by_byte, limits));
    // Tiny limits: only check that nothing panics or loops.
    let tiny = Limits {
        proto_max_bulk_len: 8,
        auth_pending: true,
        inline_max_size: 16,
    };
    let _ = requests(input, &cuts, tiny);

    let whole = frames(input, &[]);
    assert_eq!(whole, frames(input, &cuts));
    assert_eq!(whole, frames(input, &byte_by_byte));
    let decoded = match whole {
        Outcome::Items(f) | Outcome::Error(f, _) => f,
    };
    for f in decoded {
        for proto in [Protocol::Resp2, Protocol::Resp3] {
            let once = f.to_bytes(proto);
            let mut buf = once.clone();
            let mut dec = FrameDecoder::new().with_max_depth(64);
            let mut again = BytesMut::new();
            while let Some(g) = dec.decode(&mut buf).expect("own encoding decodes") {
                g.encode(proto, &mut again);
            }
            assert_eq!(once, again, "re-encoding {f:?} in {proto:?}");
        }
    }
});
