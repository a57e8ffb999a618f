//! Stage 1, read: the whole-input checks and searches fused into one walk.
//!
//! `split`, `check_bytes` and the candidate searches each read the whole
//! input; on the generated 20 MB stream those six passes (separators, line
//! counts, NUL, UTF-8, kind needles, escapes) were 58% of a run's time, most
//! of it waiting on memory. This walk reads the input in blocks small enough
//! to stay in a core's cache and runs every check and search over a block
//! before moving on, so the input comes from memory once. It computes
//! exactly what the separate passes compute, which stay as the reference
//! (the tests compare the two on random input); it finds no error: on a
//! byte no reader accepts it gives up, and the separate passes name it.

mod kernel;

use super::{Doc, Stream, is_separator, line_at};

/// Bytes per block: well inside a core's L2 cache, large enough that the
/// per-block setup of each search is lost in the scan.
pub(super) const BLOCK: usize = 128 << 10;

/// What one walk found: the split and, for each needle and for the escapes
/// that may spell a letter, the documents holding one, ascending.
pub(super) struct Walk<'a> {
    pub stream: Stream<'a>,
    pub hits: Vec<Vec<usize>>,
    pub escapes: Vec<usize>,
}

/// Bytes per range: the input is cut into ranges of about this size at line
/// starts, walked on all cores (`par::map`) and joined in order.
pub(super) const RANGE: usize = 1 << 20;

/// What the walk of one range found. Lines are counted from the range's
/// start, wrapping: a start that directive lines move back before the range
/// is below 1 until the newlines before the range are added.
struct Part {
    starts: Vec<usize>,
    lines: Vec<usize>,
    /// Newlines in the range.
    newlines: usize,
    positions: Vec<Vec<usize>>,
    escapes: Vec<usize>,
}

/// Where the walk of a range is between blocks.
struct State {
    starts: Vec<usize>,
    lines: Vec<usize>,
    /// Newlines from the range's start to `counted_to`.
    newlines: usize,
    counted_to: usize,
    /// UTF-8 is proven up to here (a character boundary).
    utf8_to: usize,
}

impl State {
    /// A document starts at `at`; its line is 1 + the newlines before it.
    fn start(&mut self, body: &[u8], at: usize) {
        let line = if at >= self.counted_to {
            self.newlines += memchr::memchr_iter(b'\n', &body[self.counted_to..at]).count();
            self.counted_to = at;
            self.newlines.wrapping_add(1)
        } else {
            // Directive lines moved the start back before the count.
            let back = memchr::memchr_iter(b'\n', &body[at..self.counted_to]).count();
            self.newlines.wrapping_add(1).wrapping_sub(back)
        };
        self.starts.push(at);
        self.lines.push(line);
    }

    /// Prove `body[utf8_to..end]` UTF-8. Unless `end` ends the range, a
    /// character cut by `end` is left for the next block.
    fn utf8(&mut self, body: &[u8], mut end: usize, last: bool) -> bool {
        if !last {
            // Back to the start of the character `end` falls in; more than
            // three continuation bytes in a row are invalid anyway, and the
            // next block's check, starting on one, says so.
            let mut back = 0;
            while back < 4 && end > self.utf8_to && body[end] & 0xC0 == 0x80 {
                end -= 1;
                back += 1;
            }
        }
        if end <= self.utf8_to {
            return true;
        }
        let ok = simdutf8::basic::from_utf8(&body[self.utf8_to..end]).is_ok();
        self.utf8_to = end;
        ok
    }
}

/// The searches of a walk, built once and shared by the ranges.
struct Searches<'n> {
    needles: kernel::Needles<'n>,
    block: usize,
}

/// Walk `input` in blocks of `block` bytes; `None` when a byte is refused
/// (or a needle is empty), for the separate passes to handle.
pub(super) fn walk<'a>(input: &'a [u8], needles: &[&[u8]], block: usize) -> Option<Walk<'a>> {
    walk_in(input, needles, block, RANGE, true)
}

/// As `walk`, in ranges of `range` bytes; `simd`: search with AVX2 where
/// the processor has it.
fn walk_in<'a>(
    input: &'a [u8],
    needles: &[&[u8]],
    block: usize,
    range: usize,
    simd: bool,
) -> Option<Walk<'a>> {
    let (bom, body) = super::strip_bom(input);
    let searches = Searches {
        needles: kernel::Needles::new(needles, simd)?,
        block,
    };
    let bounds = ranges(body, range);
    let weight = |k: usize| bounds[k + 1] - bounds[k];
    let items: Vec<usize> = (0..bounds.len() - 1).collect();
    let parts = crate::par::map(&items, weight, |k| {
        walk_range(body, bounds[k], bounds[k + 1], &searches)
    });
    let mut all = Part {
        starts: Vec::new(),
        lines: Vec::new(),
        newlines: 0,
        positions: vec![Vec::new(); needles.len()],
        escapes: Vec::new(),
    };
    for part in parts {
        let part = part?;
        let before = all.newlines;
        all.starts.extend(part.starts);
        all.lines
            .extend(part.lines.iter().map(|l| l.wrapping_add(before)));
        all.newlines += part.newlines;
        for (to, from) in all.positions.iter_mut().zip(part.positions) {
            to.extend(from);
        }
        all.escapes.extend(part.escapes);
    }
    let stream = stream(input, bom, body, &all);
    Some(Walk {
        hits: all
            .positions
            .into_iter()
            .map(|p| stream.docs_holding(p))
            .collect(),
        escapes: stream.docs_holding(all.escapes),
        stream,
    })
}

/// Cut `body` into ranges of about `size` bytes, each but the first
/// starting right after a newline (so at a line and character start):
/// the bounds, from 0 to the end.
fn ranges(body: &[u8], size: usize) -> Vec<usize> {
    let mut bounds = vec![0];
    let mut at = size;
    while at < body.len() {
        match memchr::memchr(b'\n', &body[at..]) {
            Some(nl) if at + nl + 1 < body.len() => {
                bounds.push(at + nl + 1);
                at += nl + 1 + size;
            }
            _ => break,
        }
    }
    bounds.push(body.len());
    bounds
}

/// Walk `body[from..to]` block by block.
fn walk_range(body: &[u8], from: usize, to: usize, s: &Searches<'_>) -> Option<Part> {
    let mut st = State {
        starts: Vec::new(),
        lines: Vec::new(),
        newlines: 0,
        counted_to: from,
        utf8_to: from,
    };
    if from == 0 && is_separator(line_at(body, 0)) {
        st.start(body, 0);
    }
    let mut positions: Vec<Vec<usize>> = vec![Vec::new(); s.needles.len()];
    let mut escapes = Vec::new();
    let mut lo = from;
    while lo < to {
        let hi = (lo + s.block).min(to);
        if !st.utf8(body, hi, hi == to) {
            return None;
        }
        let mut found = kernel::Found {
            positions: &mut positions,
            escapes: &mut escapes,
        };
        if !kernel::block(body, lo, hi, &s.needles, &mut st, &mut found) {
            return None;
        }
        lo = hi;
    }
    crate::resident::release(&body[from..to]);
    Some(Part {
        starts: st.starts,
        lines: st.lines,
        newlines: st.newlines,
        positions,
        escapes,
    })
}

/// The documents between the starts found (the first at 0: text before the
/// first separator is a document of its own).
fn stream<'a>(input: &'a [u8], bom: &'a [u8], body: &'a [u8], st: &Part) -> Stream<'a> {
    let mut docs = Vec::with_capacity(st.starts.len() + 1);
    if !body.is_empty() {
        if st.starts.first() != Some(&0) {
            docs.push((0, 1));
        }
        docs.extend(st.starts.iter().copied().zip(st.lines.iter().copied()));
    }
    let ends: Vec<usize> = docs.iter().skip(1).map(|d| d.0).collect();
    let docs = docs
        .iter()
        .zip(ends.into_iter().chain([body.len()]))
        .map(|(&(offset, line), end)| Doc {
            raw: &body[offset..end],
            offset,
            line,
        })
        .collect();
    Stream { input, bom, docs }
}

#[cfg(test)]
mod tests {
    use super::super::{check_bytes, split};
    use super::*;
    use proptest::prelude::*;

    /// The separate passes' answer: the split, and the documents holding
    /// each needle and an escape; `None` when the bytes are refused.
    fn reference<'a>(
        input: &'a [u8],
        needles: &[&[u8]],
    ) -> Option<(Stream<'a>, Vec<Vec<usize>>, Vec<usize>)> {
        let stream = split(input);
        let body = &input[stream.bom.len()..];
        check_bytes(&stream, body).ok()?;
        let hits = super::super::candidates::docs_containing(&stream, body, needles);
        let escapes = super::super::candidates::escaped_docs(&stream, body);
        Some((stream, hits, escapes))
    }

    /// The walk finds what the passes find, with AVX2 (where the processor
    /// has it) and with the byte loop alone.
    fn same(input: &[u8], needles: &[&[u8]], block: usize, range: usize) {
        for simd in [true, false] {
            same_with(input, needles, block, range, simd);
        }
    }

    fn same_with(input: &[u8], needles: &[&[u8]], block: usize, range: usize, simd: bool) {
        let want = reference(input, needles);
        let got = walk_in(input, needles, block, range, simd);
        match (want, got) {
            (None, None) => {}
            (Some((stream, hits, escapes)), Some(w)) => {
                assert_eq!(w.stream.bom, stream.bom, "{input:?} / {block} / {range}");
                assert_eq!(w.stream.docs, stream.docs, "{input:?} / {block} / {range}");
                assert_eq!(w.hits, hits, "{input:?} / {block} / {range}");
                assert_eq!(w.escapes, escapes, "{input:?} / {block} / {range}");
            }
            (want, got) => panic!(
                "{input:?} / {block} / {range}: refused by the passes {}, by the walk {}",
                want.is_none(),
                got.is_none()
            ),
        }
    }

    const NEEDLES: [&[u8]; 3] = [b"kind", b"ind: K", b"--"];

    #[test]
    fn blocks_cut_anywhere_change_nothing() {
        let cases: [&[u8]; 9] = [
            b"",
            b"---\na: 1\n---\nkind: K\n",
            b"%YAML 1.1\n%TAG ! x\n---\nkind: K\n---\n--- # c\nb: \"\\x41\"\n",
            b"\xEF\xBB\xBF---\nkind: K\nz: \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\n---\n",
            b"a: 1\n----\n---x\n--- |\n  kind: K\n",
            b"a: \xC3\n",
            b"a: \xE2\x82\n---\n",
            b"a: 1\n\0\n",
            b"x\\\ny\n---\n\\u0041\n",
        ];
        for input in cases {
            for block in 1..=input.len().max(1) + 1 {
                for range in [1, 2, 5, 11, RANGE] {
                    same(input, &NEEDLES, block, range);
                }
            }
        }
    }

    #[test]
    fn on_every_fixture_the_walk_finds_what_the_passes_find() {
        let groups = crate::select::needles(&crate::select::DOCUMENT_ROLES);
        let firsts = super::super::candidates::firsts(&groups);
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        let mut seen = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let input = std::fs::read(&path).unwrap();
                    for (block, range) in [(BLOCK, RANGE), (4096, 64 << 10), (1000, 9999)] {
                        same(&input, &firsts, block, range);
                    }
                    seen += 1;
                }
            }
        }
        assert!(seen >= 40, "only {seen} fixtures");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_walk_finds_what_the_passes_find(
            // Refused bytes (NUL, a cut character) are rarer, so that most
            // inputs are accepted and the walk's answer is compared.
            parts in proptest::collection::vec(prop_oneof![
                30 => proptest::sample::select(vec![
                    &b"---"[..], b"\n", b"%Y\n", b"kind", b": K", b"-", b" ", b"\\x", b"\\",
                    b"\"", b"\xC3\xA9", b"\xE2\x82\xAC", b"\xF0\x9F\x98\x80", b"\r\n",
                    b"\xEF\xBB\xBF", b"a",
                ]),
                1 => proptest::sample::select(vec![&b"\0"[..], b"\xC3", b"\x82"]),
            ], 0..120),
            // Blocks of a few bytes cut everything; longer ones have whole
            // 32-byte chunks for the AVX2 loop.
            block in prop_oneof![1usize..24, 32usize..160],
            range in prop_oneof![1usize..30, 64usize..400],
            // Three first bytes; five (seven rare bytes, of the eight the
            // AVX2 tables hold); seven (the byte loop only).
            set in 0usize..3,
        ) {
            let input: Vec<u8> = parts.concat();
            let needles: &[&[u8]] = match set {
                0 => &NEEDLES,
                1 => &[b"kind", b"ind: K", b"--", b"a\"", b"\xC3\xA9-"],
                _ => &[b"kind", b"ind: K", b"--", b"a\"", b"\xC3\xA9-", b" ", b"\r\n"],
            };
            same(&input, needles, block, range);
        }
    }
}
