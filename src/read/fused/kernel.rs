//! Stage 1, read: the walk's search of one block, 32 bytes at a time.
//!
//! Each 32 bytes are compared at once (AVX2 where the processor has it, a
//! byte loop elsewhere and for a block's last few bytes): their newlines are
//! counted, and the chunk is looked at further only when it holds a newline
//! followed by `-` (a document may start after it), a needle's first byte
//! (a needle may start there), a backslash (it may spell a letter) or a NUL
//! (refused). AVX2 tests all of those but the newlines with two nibble-table
//! lookups (`pshufb`), for up to six distinct first bytes. It finds exactly
//! what the separate searches it replaced found (memmem for `\n---`, an
//! Aho-Corasick automaton for the needles, memchr for NUL, newlines and
//! backslashes), which the walk's tests hold it to; it decides nothing
//! about documents.
//!
//! Why. Those searches read each block five times. On the generated stream
//! they took 30.5 M of 45.1 M instructions (callgrind), about as many as
//! this loop (43.0 M in all), but a run took 12.5% less time in alternating
//! loops (medians of 10 rounds: 10.33 against 9.04 ms; `cat`: 5.19 ms).

use super::State;
use crate::read::candidates::spells;
use crate::read::{is_separator, line_at, with_directives};

/// The needles, searched by their first bytes.
pub(super) struct Needles<'n> {
    needles: Vec<&'n [u8]>,
    /// Their distinct first bytes.
    firsts: Vec<u8>,
    /// The bytes a chunk is looked at further for: NUL, backslash and the
    /// first bytes, sorted and distinct.
    rare: Vec<u8>,
    /// Use AVX2 when the processor has it (tests turn it off to try the
    /// byte loop everywhere).
    simd: bool,
}

impl<'n> Needles<'n> {
    /// `None` for an empty needle, which no first byte can find.
    pub(super) fn new(needles: &[&'n [u8]], simd: bool) -> Option<Needles<'n>> {
        let mut firsts: Vec<u8> = needles
            .iter()
            .map(|n| n.first().copied())
            .collect::<Option<_>>()?;
        firsts.sort_unstable();
        firsts.dedup();
        let mut rare = [&[0, b'\\'][..], &firsts].concat();
        rare.sort_unstable();
        rare.dedup();
        Some(Needles {
            needles: needles.to_vec(),
            firsts,
            rare,
            simd,
        })
    }

    pub(super) fn len(&self) -> usize {
        self.needles.len()
    }
}

/// What a block holds, for the walk to keep.
pub(super) struct Found<'a> {
    pub positions: &'a mut [Vec<usize>],
    pub escapes: &'a mut Vec<usize>,
}

/// Search `body[lo..hi]`: document starts (into `st`, whose newline count
/// must be up to `lo`, and is left up to `hi`), needle starts and escapes
/// (into `found`); `false` on a NUL byte.
pub(super) fn block(
    body: &[u8],
    lo: usize,
    hi: usize,
    n: &Needles<'_>,
    st: &mut State,
    found: &mut Found<'_>,
) -> bool {
    debug_assert_eq!(st.counted_to, lo);
    let mut at = lo;
    #[cfg(target_arch = "x86_64")]
    if n.simd
        && avx2::fits(n)
        && std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("popcnt")
    {
        // SAFETY: the processor has AVX2 and POPCNT, and the rare bytes fit
        // (checked just above).
        match unsafe { avx2::chunks(body, lo, hi, n, st, found) } {
            Some(next) => at = next,
            None => return false,
        }
    }
    while at < hi {
        let len = (hi - at).min(32);
        let masks = bytes(body, at, len, &n.firsts);
        if masks.nul != 0 {
            return false;
        }
        bits(body, at, masks, n, st, found);
        at += len;
    }
    st.counted_to = hi;
    true
}

/// Bit `i` set: byte `i` of a chunk is a newline, a newline followed by
/// `-` (a separator line may start after it), a backslash, a NUL, a
/// needle's first byte.
#[derive(Clone, Copy)]
struct Masks {
    newline: u32,
    dash: u32,
    backslash: u32,
    nul: u32,
    first: u32,
}

/// The masks of up to 32 bytes at `at`, a byte at a time.
fn bytes(body: &[u8], at: usize, len: usize, firsts: &[u8]) -> Masks {
    let mut m = Masks {
        newline: 0,
        dash: 0,
        backslash: 0,
        nul: 0,
        first: 0,
    };
    for (i, &b) in body[at..at + len].iter().enumerate() {
        let bit = 1u32 << i;
        match b {
            b'\n' => {
                m.newline |= bit;
                if body.get(at + i + 1) == Some(&b'-') {
                    m.dash |= bit;
                }
            }
            b'\\' => m.backslash |= bit,
            0 => m.nul |= bit,
            _ => {}
        }
        if firsts.contains(&b) {
            m.first |= bit;
        }
    }
    m
}

/// Act on the set bits of the chunk at `at`, and count its newlines.
fn bits(body: &[u8], at: usize, m: Masks, n: &Needles<'_>, st: &mut State, found: &mut Found<'_>) {
    let before = st.newlines;
    let mut dash = m.dash;
    while dash != 0 {
        let i = dash.trailing_zeros();
        let p = at + i as usize;
        if body[p + 1..].starts_with(b"---") && is_separator(line_at(body, p + 1)) {
            // The newlines up to and including this one.
            st.newlines = before + (m.newline & (u32::MAX >> (31 - i))).count_ones() as usize;
            st.counted_to = p + 1;
            st.start(body, with_directives(body, p + 1));
        }
        dash &= dash - 1;
    }
    st.newlines = before + m.newline.count_ones() as usize;
    let mut first = m.first;
    while first != 0 {
        let p = at + first.trailing_zeros() as usize;
        for (k, needle) in n.needles.iter().enumerate() {
            if needle[0] == body[p] && body[p..].starts_with(needle) {
                found.positions[k].push(p);
            }
        }
        first &= first - 1;
    }
    let mut bs = m.backslash;
    while bs != 0 {
        let p = at + bs.trailing_zeros() as usize;
        if spells(body, p) {
            found.escapes.push(p);
        }
        bs &= bs - 1;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Found, Masks, Needles, State, bits};
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_setr_epi8, _mm256_shuffle_epi8,
        _mm256_srli_epi16, _mm256_testz_si256,
    };

    /// Nibble tables for the rare bytes: byte `b` is one of them when
    /// `low[b & 15] & high[b >> 4]` is not zero (each rare byte has a bit of
    /// its own, set in the entry of its low nibble and of its high one).
    fn tables(n: &Needles<'_>) -> ([i8; 16], [i8; 16]) {
        let (mut low, mut high) = ([0u8; 16], [0u8; 16]);
        for (k, &b) in n.rare.iter().enumerate() {
            low[usize::from(b & 15)] |= 1 << k;
            high[usize::from(b >> 4)] |= 1 << k;
        }
        (low.map(|x| x as i8), high.map(|x| x as i8))
    }

    /// Whether the rare bytes fit the tables: one bit each of a byte.
    pub(super) fn fits(n: &Needles<'_>) -> bool {
        n.rare.len() <= 8
    }

    /// The whole 32-byte chunks of `body[lo..hi]` that have a byte after
    /// them: where the rest starts, or `None` on a NUL byte.
    ///
    /// # Safety
    /// The processor must have AVX2 and POPCNT, and `fits(n)`.
    #[target_feature(enable = "avx2,popcnt")]
    pub(super) unsafe fn chunks(
        body: &[u8],
        lo: usize,
        hi: usize,
        n: &Needles<'_>,
        st: &mut State,
        found: &mut Found<'_>,
    ) -> Option<usize> {
        let (low, high) = tables(n);
        #[rustfmt::skip]
        let lut = |t: [i8; 16]| _mm256_setr_epi8(
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7],
            t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15],
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7],
            t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15],
        );
        let (low, high) = (lut(low), lut(high));
        let nibble = _mm256_set1_epi8(0x0f);
        let newline = _mm256_set1_epi8(b'\n' as i8);
        let dash = _mm256_set1_epi8(b'-' as i8);
        let mut at = lo;
        // `at + 33`: the byte after a chunk is read with it, to see a `-`
        // after a newline at its end.
        while at + 32 <= hi && at + 33 <= body.len() {
            // SAFETY: `at..at + 33` lies inside `body`, and an unaligned
            // load reads exactly 32 bytes from where it is given.
            let (v, next) = unsafe {
                let p = body.as_ptr().add(at);
                (
                    _mm256_loadu_si256(p.cast::<__m256i>()),
                    _mm256_loadu_si256(p.add(1).cast::<__m256i>()),
                )
            };
            let nl = _mm256_cmpeq_epi8(v, newline);
            let sep = _mm256_and_si256(nl, _mm256_cmpeq_epi8(next, dash));
            let rare = _mm256_and_si256(
                _mm256_shuffle_epi8(low, _mm256_and_si256(v, nibble)),
                _mm256_shuffle_epi8(high, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)),
            );
            let newlines = _mm256_movemask_epi8(nl) as u32;
            let any = _mm256_or_si256(rare, sep);
            if _mm256_testz_si256(any, any) == 1 {
                st.newlines += newlines.count_ones() as usize;
            } else {
                let m = masks(body, at, newlines, sep, n);
                if m.nul != 0 {
                    return None;
                }
                bits(body, at, m, n, st, found);
            }
            at += 32;
        }
        Some(at)
    }

    /// The masks of a chunk that has a rare byte or a separator candidate.
    #[target_feature(enable = "avx2,popcnt")]
    fn masks(body: &[u8], at: usize, newline: u32, sep: __m256i, n: &Needles<'_>) -> Masks {
        // SAFETY: the caller read `at..at + 32` inside `body`.
        let v = unsafe { _mm256_loadu_si256(body.as_ptr().add(at).cast::<__m256i>()) };
        let eq =
            |b: u8| _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b as i8))) as u32;
        Masks {
            newline,
            dash: _mm256_movemask_epi8(sep) as u32,
            backslash: eq(b'\\'),
            nul: eq(0),
            first: n.firsts.iter().fold(0, |m, &b| m | eq(b)),
        }
    }
}
