//! Property tests: encode/decode round trips for frames (RESP3, and RESP2 for
//! the frames it can represent), fed whole and in pieces; RequestDecoder on
//! arbitrary argument lists split at every byte boundary.

use bytes::{Bytes, BytesMut};
use cedis_resp::{Frame, FrameDecoder, Protocol, RequestDecoder};
use proptest::prelude::*;

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

/// Bytes that may appear in a simple string or error line.
fn line(max: usize) -> impl Strategy<Value = Bytes> {
    prop::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..max,
    )
    .prop_map(Bytes::from)
}

fn big_number() -> impl Strategy<Value = Bytes> {
    "-?[0-9]{1,40}".prop_map(|s| Bytes::from(s.into_bytes()))
}

fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::NAN),
        Just(0.1),
        Just(-0.0),
        (-1e6f64..1e6),
    ]
}

fn resp3_leaf() -> impl Strategy<Value = Frame> {
    prop_oneof![
        line(20).prop_map(Frame::Simple),
        line(20).prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        bytes(40).prop_map(Frame::Bulk),
        Just(Frame::Null),
        any::<bool>().prop_map(Frame::Boolean),
        double().prop_map(Frame::Double),
        big_number().prop_map(Frame::BigNumber),
        bytes(20).prop_map(Frame::BulkError),
        (any::<[u8; 3]>(), bytes(20)).prop_map(|(format, data)| Frame::Verbatim { format, data }),
    ]
}

/// Puts an attribute before some elements of a sequence.
fn with_attributes(items: Vec<Frame>, attrs: Vec<Option<Vec<(Frame, Frame)>>>) -> Vec<Frame> {
    let mut out = Vec::new();
    for (i, f) in items.into_iter().enumerate() {
        if let Some(Some(pairs)) = attrs.get(i) {
            out.push(Frame::Attribute(pairs.clone()));
        }
        out.push(f);
    }
    out
}

fn resp3_frame() -> impl Strategy<Value = Frame> {
    resp3_leaf().prop_recursive(4, 48, 6, |inner| {
        let seq = prop::collection::vec(inner.clone(), 0..6);
        let pairs = prop::collection::vec((inner.clone(), inner.clone()), 0..4);
        let attrs = || {
            prop::collection::vec(
                prop::option::weighted(
                    0.2,
                    prop::collection::vec((resp3_leaf(), resp3_leaf()), 0..2),
                ),
                0..6,
            )
        };
        prop_oneof![
            (seq.clone(), attrs()).prop_map(|(s, a)| Frame::Array(with_attributes(s, a))),
            (seq.clone(), attrs()).prop_map(|(s, a)| Frame::Set(with_attributes(s, a))),
            (seq, attrs()).prop_map(|(s, a)| Frame::Push(with_attributes(s, a))),
            pairs.prop_map(Frame::Map),
        ]
    })
}

fn resp2_frame() -> impl Strategy<Value = Frame> {
    let leaf = prop_oneof![
        line(20).prop_map(Frame::Simple),
        line(20).prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        bytes(40).prop_map(Frame::Bulk),
        Just(Frame::NullBulk),
        Just(Frame::NullArray),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop::collection::vec(inner, 0..6).prop_map(Frame::Array)
    })
}

/// Decodes everything from `wire` fed in pieces ending at `cuts`.
fn decode_in_pieces(wire: &[u8], cuts: &[usize]) -> Vec<Frame> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(wire.len());
    let mut dec = FrameDecoder::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut fed = 0;
    for cut in cuts {
        buf.extend_from_slice(&wire[fed..cut.max(fed)]);
        fed = cut.max(fed);
        while let Some(f) = dec.decode(&mut buf).unwrap() {
            out.push(f);
        }
    }
    assert!(buf.is_empty());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn resp3_round_trip(frames in prop::collection::vec(resp3_frame(), 1..4),
                        cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let mut wire = BytesMut::new();
        for f in &frames {
            f.encode(Protocol::Resp3, &mut wire);
        }
        prop_assert_eq!(&decode_in_pieces(&wire, &[]), &frames);
        prop_assert_eq!(&decode_in_pieces(&wire, &cuts), &frames);
    }

    #[test]
    fn resp3_top_level_attribute(pairs in prop::collection::vec((resp3_leaf(), resp3_leaf()), 0..3),
                                 f in resp3_frame()) {
        let frames = vec![Frame::Attribute(pairs), f];
        let mut wire = BytesMut::new();
        for f in &frames {
            f.encode(Protocol::Resp3, &mut wire);
        }
        prop_assert_eq!(decode_in_pieces(&wire, &[]), frames);
    }

    #[test]
    fn resp2_round_trip(frames in prop::collection::vec(resp2_frame(), 1..4),
                        cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let mut wire = BytesMut::new();
        for f in &frames {
            f.encode(Protocol::Resp2, &mut wire);
        }
        prop_assert_eq!(&decode_in_pieces(&wire, &[]), &frames);
        prop_assert_eq!(&decode_in_pieces(&wire, &cuts), &frames);
    }

    #[test]
    fn requests_split_at_every_byte(reqs in prop::collection::vec(
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 1..6), 1..4)) {
        let mut wire = Vec::new();
        for args in &reqs {
            wire.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
            for a in args {
                wire.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                wire.extend_from_slice(a);
                wire.extend_from_slice(b"\r\n");
            }
        }
        for split in 0..=wire.len() {
            let mut dec = RequestDecoder::new();
            let mut buf = BytesMut::new();
            let mut args = Vec::new();
            let mut got: Vec<Vec<Vec<u8>>> = Vec::new();
            for part in [&wire[..split], &wire[split..]] {
                buf.extend_from_slice(part);
                while dec.decode_into(&mut buf, &mut args).unwrap() {
                    got.push(args.iter().map(|a| a.to_vec()).collect());
                }
            }
            prop_assert_eq!(&got, &reqs);
            prop_assert!(buf.is_empty());
        }
        // And one byte at a time.
        let mut dec = RequestDecoder::new();
        let mut buf = BytesMut::new();
        let mut args = Vec::new();
        let mut got: Vec<Vec<Vec<u8>>> = Vec::new();
        for &b in &wire {
            buf.extend_from_slice(&[b]);
            while dec.decode_into(&mut buf, &mut args).unwrap() {
                got.push(args.iter().map(|a| a.to_vec()).collect());
            }
        }
        prop_assert_eq!(got, reqs);
    }

    #[test]
    fn inline_split_args_round_trip(args in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..10), 1..5)) {
        // Quote every argument with \xHH escapes: split_args must give it back.
        let mut line = Vec::new();
        for a in &args {
            line.push(b'"');
            for b in a {
                line.extend_from_slice(format!("\\x{b:02x}").as_bytes());
            }
            line.extend_from_slice(b"\" ");
        }
        prop_assert_eq!(cedis_resp::split_args(&line).unwrap(), args);
    }
}
