//! Codec throughput. Single thread, no I/O: input buffers are prepared in
//! memory outside the timed section (`iter_batched`) and decoded, or replies
//! are encoded into a reused buffer. Decoded arguments/frames are dropped
//! inside the timed section.
//!
//! Run: `cargo bench -p cedis-resp -- --warm-up-time 1 --measurement-time 3`.

use bytes::{Bytes, BytesMut};
use cedis_resp::{Frame, FrameDecoder, Protocol, ReplyWriter, RequestDecoder};
use criterion::{
    black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput,
};

fn multibulk(args: &[&[u8]], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Decodes every request in `buf`; returns the number of arguments seen.
fn decode_all(dec: &mut RequestDecoder, mut buf: BytesMut, args: &mut Vec<Bytes>) -> usize {
    let mut n = 0;
    while dec.decode_into(&mut buf, args).unwrap() {
        n += args.len();
    }
    n
}

fn request_decoder(c: &mut Criterion) {
    let mut g = c.benchmark_group("request_decode");

    // Pipeline of 16 `SET key:NNNNNN value` (a typical pipelined client).
    let mut wire = Vec::new();
    for i in 0..16 {
        let key = format!("key:{i:06}");
        multibulk(&[b"SET", key.as_bytes(), b"value"], &mut wire);
    }
    let wire = Bytes::from(wire);
    g.throughput(Throughput::Elements(16));
    g.bench_function("pipeline16_set_small (requests)", |b| {
        let mut dec = RequestDecoder::new();
        let mut args = Vec::new();
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |buf| decode_all(&mut dec, black_box(buf), &mut args),
            BatchSize::SmallInput,
        )
    });
    g.throughput(Throughput::Bytes(wire.len() as u64));
    g.bench_function("pipeline16_set_small (bytes)", |b| {
        let mut dec = RequestDecoder::new();
        let mut args = Vec::new();
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |buf| decode_all(&mut dec, black_box(buf), &mut args),
            BatchSize::SmallInput,
        )
    });

    // 16 SETs with 1 KiB values.
    let value = vec![b'x'; 1024];
    let mut wire = Vec::new();
    for i in 0..16 {
        let key = format!("key:{i:06}");
        multibulk(&[b"SET", key.as_bytes(), &value], &mut wire);
    }
    let wire = Bytes::from(wire);
    g.throughput(Throughput::Bytes(wire.len() as u64));
    g.bench_function("pipeline16_set_1KiB", |b| {
        let mut dec = RequestDecoder::new();
        let mut args = Vec::new();
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |buf| decode_all(&mut dec, black_box(buf), &mut args),
            BatchSize::SmallInput,
        )
    });

    // One MSET with 10k arguments (5000 pairs).
    let keys: Vec<String> = (0..5000).map(|i| format!("key:{i:06}")).collect();
    let mut parts: Vec<&[u8]> = vec![b"MSET"];
    for k in &keys {
        parts.push(k.as_bytes());
        parts.push(b"value");
    }
    let mut wire = Vec::new();
    multibulk(&parts, &mut wire);
    let wire = Bytes::from(wire);
    g.throughput(Throughput::Elements(parts.len() as u64));
    g.bench_function("mset_10k_args (args)", |b| {
        let mut dec = RequestDecoder::new();
        let mut args = Vec::new();
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |buf| decode_all(&mut dec, black_box(buf), &mut args),
            BatchSize::SmallInput,
        )
    });
    // The same MSET arriving in 4 KiB reads (resumable state, no rescans).
    g.throughput(Throughput::Bytes(wire.len() as u64));
    g.bench_function("mset_10k_args_in_4KiB_reads", |b| {
        let mut dec = RequestDecoder::new();
        let mut args = Vec::new();
        b.iter(|| {
            let mut buf = BytesMut::new();
            let mut n = 0;
            for chunk in wire.chunks(4096) {
                buf.extend_from_slice(chunk);
                while dec.decode_into(&mut buf, &mut args).unwrap() {
                    n += args.len();
                }
            }
            n
        })
    });

    // Inline commands (telnet style).
    let mut wire = Vec::new();
    for i in 0..16 {
        wire.extend_from_slice(format!("SET key:{i:06} value\r\n").as_bytes());
    }
    let wire = Bytes::from(wire);
    g.throughput(Throughput::Elements(16));
    g.bench_function("pipeline16_inline_set (requests)", |b| {
        let mut dec = RequestDecoder::new();
        let mut args = Vec::new();
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |buf| decode_all(&mut dec, black_box(buf), &mut args),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn frame_decoder(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame_decode");
    let mut replies = BytesMut::new();
    let mut w = ReplyWriter::new(&mut replies, Protocol::Resp3);
    w.ok();
    w.integer(12345);
    w.bulk(b"some value of moderate size");
    w.null();
    w.array_header(10);
    for i in 0..10 {
        w.bulk(format!("member:{i}").as_bytes());
    }
    w.map_header(2);
    w.bulk(b"a");
    w.double(1.5);
    w.bulk(b"b");
    w.double(0.1);
    let wire = replies.freeze();
    g.throughput(Throughput::Elements(6));
    g.bench_function("typical_replies (frames)", |b| {
        let mut dec = FrameDecoder::new();
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |mut buf| {
                let mut n = 0;
                while let Some(f) = dec.decode(&mut buf).unwrap() {
                    black_box(&f);
                    n += 1;
                }
                n
            },
            BatchSize::SmallInput,
        )
    });
    g.throughput(Throughput::Bytes(wire.len() as u64));
    g.bench_function("typical_replies (bytes)", |b| {
        let mut dec = FrameDecoder::new();
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |mut buf| {
                while let Some(f) = dec.decode(&mut buf).unwrap() {
                    black_box(&f);
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn encoder(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    let value = vec![b'v'; 100];
    let members: Vec<Vec<u8>> = (0..10)
        .map(|i| format!("member:{i}").into_bytes())
        .collect();
    g.throughput(Throughput::Elements(1));
    for proto in [Protocol::Resp2, Protocol::Resp3] {
        let mut out = BytesMut::with_capacity(1 << 16);
        g.bench_with_input(
            BenchmarkId::new("ok", format!("{proto:?}")),
            &proto,
            |b, &p| {
                b.iter(|| {
                    out.clear();
                    ReplyWriter::new(&mut out, p).ok();
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("integer", format!("{proto:?}")),
            &proto,
            |b, &p| {
                b.iter(|| {
                    out.clear();
                    ReplyWriter::new(&mut out, p).integer(black_box(1234567));
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("bulk100", format!("{proto:?}")),
            &proto,
            |b, &p| {
                b.iter(|| {
                    out.clear();
                    ReplyWriter::new(&mut out, p).bulk(black_box(&value));
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("array10_bulks", format!("{proto:?}")),
            &proto,
            |b, &p| {
                b.iter(|| {
                    out.clear();
                    let mut w = ReplyWriter::new(&mut out, p);
                    w.array_header(members.len());
                    for m in &members {
                        w.bulk(m);
                    }
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("double", format!("{proto:?}")),
            &proto,
            |b, &p| {
                b.iter(|| {
                    out.clear();
                    ReplyWriter::new(&mut out, p).double(black_box(0.1));
                })
            },
        );
        let frame = Frame::Array(members.iter().map(Frame::bulk).collect());
        g.bench_with_input(
            BenchmarkId::new("frame_array10", format!("{proto:?}")),
            &proto,
            |b, &p| {
                b.iter(|| {
                    out.clear();
                    frame.encode(p, &mut out);
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, request_decoder, frame_decoder, encoder);
criterion_main!(benches);
