//! Stage 5, write: the output stream from the input's own bytes plus the
//! patched documents.
//!
//! A patched document keeps its separator line, header comments, trailing
//! blank lines, CRLF endings and missing final newline; every other document
//! is written as the exact bytes it came in. Knows nothing of values, and
//! nothing of the stages above it: `document` hands it `Routed` results.

use crate::docid::DocId;
use crate::edit::Edit;
use crate::read::{Doc, Stream};

/// What routing one selected document produced: what this stage writes.
pub struct Routed {
    pub index: usize,
    pub id: DocId,
    pub collector: bool,
    pub edits: Vec<Edit>,
    /// The document's new bytes, when it changed.
    pub after: Option<Vec<u8>>,
    /// Why the new bytes were written from the tree rather than in place.
    pub fallback: Option<crate::inplace::Fallback>,
    /// The resource before and after, redacted, for `diff`.
    pub review: Option<(String, String)>,
    /// The edits as one kustomize patch entry, for `export`.
    pub patch: Option<serde_json::Value>,
    /// A `kof` umbrella release that was routed.
    pub umbrella: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Routed {
    pub fn new(index: usize, id: DocId, collector: bool) -> Routed {
        Routed {
            index,
            id,
            collector,
            edits: Vec::new(),
            after: None,
            fallback: None,
            review: None,
            patch: None,
            umbrella: false,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// The result of a successful run. The output stream is written from the
/// input's own bytes plus the patched documents, so it is never held twice.
#[derive(Debug)]
pub struct Rendered<'a> {
    stream: Stream<'a>,
    /// Problems that do not stop the release, one line each.
    pub warnings: Vec<String>,
    /// The route's edits, in stream order, with the name of each edited document.
    pub edits: Vec<Edit>,
    pub ids: Vec<(usize, DocId)>,
    /// Each patched document's bytes before and after.
    pub patched: Vec<Patched>,
    /// With `export`: one kustomize patch entry per patched resource.
    pub patches: Vec<serde_json::Value>,
    /// The stream was the `kof` umbrella: releases were routed, not collectors.
    pub umbrella: bool,
    /// Patched documents written from their tree, not in place: (index, why).
    pub fallbacks: Vec<(usize, crate::inplace::Fallback)>,
}

/// A document the route changed.
#[derive(Debug)]
pub struct Patched {
    /// 0-based position in the stream.
    pub index: usize,
    pub id: DocId,
    /// The document's new bytes.
    pub after: Vec<u8>,
    /// With `render_for_review`: the resource before and after, as YAML with
    /// every possibly secret value hidden, for showing to a person.
    pub review: Option<(String, String)>,
}

impl<'a> Rendered<'a> {
    pub(crate) fn new(warnings: Vec<String>) -> Self {
        Rendered {
            stream: Stream {
                input: &[],
                bom: &[],
                docs: Vec::new(),
            },
            warnings,
            edits: Vec::new(),
            ids: Vec::new(),
            patched: Vec::new(),
            patches: Vec::new(),
            umbrella: false,
            fallbacks: Vec::new(),
        }
    }

    /// Take in one routed document (in stream order).
    pub(crate) fn add(&mut self, r: Routed) {
        self.warnings.extend(r.warnings);
        if !r.edits.is_empty() {
            self.ids.push((r.index, r.id.clone()));
        }
        self.edits.extend(r.edits);
        self.patches.extend(r.patch);
        self.umbrella |= r.umbrella;
        self.fallbacks.extend(r.fallback.map(|why| (r.index, why)));
        if let Some(after) = r.after {
            self.patched.push(Patched {
                index: r.index,
                id: r.id,
                after,
                review: r.review,
            });
        }
    }

    pub(crate) fn with_stream(mut self, stream: Stream<'a>) -> Self {
        // `join` takes replacements in stream order.
        self.patched.sort_by_key(|p| p.index);
        self.stream = stream;
        self
    }

    /// Did the route change anything?
    pub fn changed(&self) -> bool {
        self.edits.iter().any(|e| e.op != crate::edit::Op::Expect)
    }

    /// The name of document `index`, for reports.
    pub fn id(&self, index: usize) -> Option<&DocId> {
        self.ids.iter().find(|(i, _)| *i == index).map(|(_, id)| id)
    }

    fn pieces(&self) -> impl Iterator<Item = &[u8]> {
        let replaced = self
            .patched
            .iter()
            .map(|p| (p.index, p.after.as_slice()))
            .collect();
        join(&self.stream, replaced)
    }

    /// Write the whole output stream.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        self.pieces().try_for_each(|piece| w.write_all(piece))
    }

    /// The whole output stream, as one buffer.
    pub fn output(&self) -> Vec<u8> {
        self.pieces().flat_map(|p| p.iter().copied()).collect()
    }
}

/// The bytes of `doc` with its resource replaced by `body` (a YAML document
/// ending in `\n`): separator line, header comments and trailing blank lines are
/// kept, and so are CRLF line endings and a missing final newline.
pub fn rewrite(doc: &Doc<'_>, body: &str) -> Vec<u8> {
    let parts = doc.parts();
    let mut out = Vec::with_capacity(doc.raw.len() + body.len() / 4);
    // Directives stay; a separator that carries content (`--- {a: 1}`) was part
    // of the resource and is written bare.
    let sep = parts.separator;
    let line = sep[..sep.len().saturating_sub(1)]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let (directives, sep_line) = sep.split_at(line);
    out.extend_from_slice(directives);
    let carried = sep_line
        .get(3..)
        .map(<[u8]>::trim_ascii)
        .unwrap_or_default();
    if carried.is_empty() || carried.starts_with(b"#") {
        out.extend_from_slice(sep_line);
    } else {
        out.extend_from_slice(if doc.crlf() { b"---\r\n" } else { b"---\n" });
    }
    out.extend_from_slice(parts.header);
    let body = if doc.raw.ends_with(b"\n") {
        body
    } else {
        body.trim_end_matches('\n')
    };
    if doc.crlf() {
        out.extend_from_slice(body.replace('\n', "\r\n").as_bytes());
    } else {
        out.extend_from_slice(body.as_bytes());
    }
    if !ends_in_blank_line(body) {
        out.extend_from_slice(parts.trailer);
    }
    out
}

/// Does `body` end in a blank line? Only a keep-chomped block scalar (`|+`)
/// ends that way, and blank lines after it are more of its text: the
/// document's trailing blank lines (which were its text already, when the
/// document ended with it) must not follow it again.
fn ends_in_blank_line(body: &str) -> bool {
    let body = body.strip_suffix('\n').unwrap_or(body);
    let last = body.rsplit('\n').next().unwrap_or(body);
    body.contains('\n') && last.trim_matches([' ', '\t', '\r']).is_empty()
}

/// Join the stream back, as the pieces to write in order: the input's own
/// bytes, byte-order mark included, with the documents in `replaced` ((index,
/// bytes), sorted by index) swapped for their new bytes. The untouched
/// documents between two replaced ones are one piece, a slice of the input:
/// a writer takes a large piece straight through, with no copy.
pub fn join<'s>(
    stream: &'s Stream<'_>,
    replaced: Vec<(usize, &'s [u8])>,
) -> impl Iterator<Item = &'s [u8]> {
    let mut pieces = Vec::with_capacity(2 * replaced.len() + 1);
    let mut from = 0;
    for (idx, bytes) in replaced {
        let doc = &stream.docs[idx];
        let at = stream.bom.len() + doc.offset;
        pieces.push(&stream.input[from..at]);
        pieces.push(bytes);
        from = at + doc.raw.len();
    }
    pieces.push(&stream.input[from..]);
    pieces.into_iter().filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::split;

    #[test]
    fn join_copies_untouched_documents_and_swaps_replaced_ones() {
        let input = b"\xEF\xBB\xBFa: 1\n---\nb: 2\n---\nc: 3";
        let s = split(input);
        let same: Vec<u8> = join(&s, Vec::new()).flatten().copied().collect();
        assert_eq!(same, input);
        let swapped: Vec<u8> = join(&s, vec![(1, &b"---\nB: 2\n"[..])])
            .flatten()
            .copied()
            .collect();
        assert_eq!(swapped, b"\xEF\xBB\xBFa: 1\n---\nB: 2\n---\nc: 3");
        // Untouched runs are one slice of the input each, however many documents.
        assert_eq!(join(&s, Vec::new()).collect::<Vec<_>>(), [&input[..]]);
        let ends: Vec<&[u8]> = join(&s, vec![(0, &b"A\n"[..]), (2, &b"---\nC\n"[..])]).collect();
        assert_eq!(
            ends,
            [&b"\xEF\xBB\xBF"[..], b"A\n", b"---\nb: 2\n", b"---\nC\n"]
        );
    }

    #[test]
    fn rewrite_keeps_the_layout_around_the_body() {
        let cases = [
            ("---\n# Source: t\na: 1\n\n", "---\n# Source: t\nb: 2\n\n"),
            ("# helm4 comment\na: 1\n", "# helm4 comment\nb: 2\n"),
            ("--- # note\na: 1\n", "--- # note\nb: 2\n"),
            ("--- {a: 1}\n", "---\nb: 2\n"),
            (
                "%YAML 1.1\n--- # c\n# h\na: 1\n",
                "%YAML 1.1\n--- # c\n# h\nb: 2\n",
            ),
            ("%YAML 1.1\n--- {a: 1}\n", "%YAML 1.1\n---\nb: 2\n"),
            ("---\r\na: 1\r\n", "---\r\nb: 2\r\n"),
            ("---\na: 1", "---\nb: 2"),
        ];
        for (raw, want) in cases {
            let doc = Doc {
                raw: raw.as_bytes(),
                offset: 0,
                line: 1,
            };
            assert_eq!(
                String::from_utf8(rewrite(&doc, "b: 2\n")).unwrap(),
                want,
                "{raw:?}"
            );
        }
    }
}

#[cfg(test)]
mod keep_chomping {
    use super::*;

    /// Issue 14, item 12: the trailing blank lines of a document ending in a
    /// `|+` scalar are that scalar's text, and the body already holds them.
    #[test]
    fn a_body_ending_in_a_kept_block_gets_no_second_trailer() {
        let doc = Doc {
            raw: b"---\na: |+\n  x\n\n\n",
            offset: 0,
            line: 1,
        };
        let body = crate::yaml::emit(&crate::yaml::parse("a: |+\n  x\n\n\n").unwrap());
        assert_eq!(body, "a: |+\n  x\n\n\n");
        assert_eq!(rewrite(&doc, &body), b"---\na: |+\n  x\n\n\n");
        assert_eq!(rewrite(&doc, "a: |-\n  x\n"), b"---\na: |-\n  x\n\n\n");
        assert!(!ends_in_blank_line("a: 1\n") && !ends_in_blank_line(""));
        assert!(ends_in_blank_line("a: |+\n  x\n  \n"));
    }
}
