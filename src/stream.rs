//! Stage 1 and 5: read and write the byte stream.
//!
//! Splits Helm's manifest stream into documents without parsing YAML, and joins
//! them back. Only this module knows about `---` separators, header comments,
//! byte-order marks and line endings. It must never change a byte of a document
//! nobody patched: the output of `join` over unchanged documents is the input.

use memchr::memmem;

/// A UTF-8 byte-order mark, which Kubernetes tolerates at the start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One document of the stream, as the exact bytes it occupies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doc<'a> {
    /// The document's bytes, from its `---` line (if any) to the next separator.
    pub raw: &'a [u8],
    /// Byte offset of `raw` in the input (after any byte-order mark).
    pub offset: usize,
    /// 1-based line of the document's first byte in the input.
    pub line: usize,
}

/// The input split into documents; `bom` is the byte-order mark, if there was one.
#[derive(Debug)]
pub struct Stream<'a> {
    pub bom: &'a [u8],
    pub docs: Vec<Doc<'a>>,
}

/// Is this line (without its newline) a document separator? YAML forbids `---`
/// followed by a blank or line end at column 0 inside any scalar, so a line test
/// is exact: an indented `---` in a block string is content.
fn is_separator(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r'))
}

/// Split `input` into documents. Never fails: every byte lands in exactly one document.
pub fn split(input: &[u8]) -> Stream<'_> {
    let (bom, body) = match input.strip_prefix(BOM) {
        Some(rest) => (&input[..BOM.len()], rest),
        None => (&input[..0], input),
    };
    let mut starts = Vec::new();
    if is_separator(line_at(body, 0)) {
        starts.push(0);
    }
    for hit in memmem::find_iter(body, b"\n---") {
        if is_separator(line_at(body, hit + 1)) {
            starts.push(with_directives(body, hit + 1));
        }
    }
    if body.is_empty() {
        return Stream {
            bom,
            docs: Vec::new(),
        };
    }
    // Text before the first separator is a document of its own (Helm 4 has no leading `---`).
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let mut docs = Vec::with_capacity(starts.len());
    let mut line = 1;
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(body.len());
        let raw = &body[start..end];
        docs.push(Doc {
            raw,
            offset: start,
            line,
        });
        line += memchr::memchr_iter(b'\n', raw).count();
    }
    Stream { bom, docs }
}

/// Directives (`%YAML`, `%TAG`) belong to the document after them: move a
/// separator's start back over the directive lines right before it.
fn with_directives(body: &[u8], separator: usize) -> usize {
    let mut start = separator;
    while start > 0 {
        let prev = body[..start - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        if body[prev] != b'%' {
            break;
        }
        start = prev;
    }
    start
}

fn line_at(body: &[u8], at: usize) -> &[u8] {
    let rest = &body[at..];
    match memchr::memchr(b'\n', rest) {
        Some(end) => &rest[..end],
        None => rest,
    }
}

impl<'a> Doc<'a> {
    /// Uses CRLF line endings (judged by its first line).
    pub fn crlf(&self) -> bool {
        line_at(self.raw, 0).ends_with(b"\r")
    }

    /// Split into (separator line, header comments, body, trailing blank lines).
    /// The header is the run of comment and blank lines Helm puts before a
    /// resource (`# Source:` in Helm 3, chart comments in Helm 4).
    pub fn parts(&self) -> Parts<'a> {
        let raw = self.raw;
        let mut directives_end = 0;
        while raw.get(directives_end) == Some(&b'%') {
            directives_end = next_line(raw, directives_end);
        }
        let sep_end = if is_separator(line_at(raw, directives_end)) {
            next_line(raw, directives_end)
        } else {
            0
        };
        let mut pos = sep_end;
        while pos < raw.len() {
            let line = line_at(raw, pos);
            if line.trim_ascii().is_empty() || line.first() == Some(&b'#') {
                pos = next_line(raw, pos);
            } else {
                break;
            }
        }
        let header_end = pos;
        let mut end = raw.len();
        // Trailing blank lines belong to the separator layout, not the resource.
        while end > header_end && raw[end - 1] == b'\n' {
            let start = raw[header_end..end - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(header_end, |p| header_end + p + 1);
            if !raw[start..end].trim_ascii().is_empty() {
                break;
            }
            end = start;
        }
        Parts {
            separator: &raw[..sep_end],
            header: &raw[sep_end..header_end],
            body: &raw[header_end..end],
            trailer: &raw[end..],
        }
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
    out.extend_from_slice(parts.trailer);
    out
}

/// Join the stream back, as the pieces to write in order: the byte-order mark,
/// then every document, either replaced (`replaced` holds (index, bytes), sorted
/// by index) or its own bytes.
pub fn join<'s>(
    stream: &'s Stream<'_>,
    replaced: Vec<(usize, &'s [u8])>,
) -> impl Iterator<Item = &'s [u8]> {
    let mut next = replaced.into_iter().peekable();
    let docs = stream.docs.iter().enumerate().map(move |(i, doc)| {
        match next.next_if(|(idx, _)| *idx == i) {
            Some((_, bytes)) => bytes,
            None => doc.raw,
        }
    });
    std::iter::once(stream.bom).chain(docs)
}

/// The four consecutive pieces of a document's bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Parts<'a> {
    pub separator: &'a [u8],
    pub header: &'a [u8],
    pub body: &'a [u8],
    pub trailer: &'a [u8],
}

fn next_line(raw: &[u8], pos: usize) -> usize {
    match memchr::memchr(b'\n', &raw[pos..]) {
        Some(i) => pos + i + 1,
        None => raw.len(),
    }
}

/// Indexes of the documents that contain `needle`, ascending.
fn docs_containing(stream: &Stream<'_>, body: &[u8], needle: &[u8]) -> Vec<usize> {
    let mut hits: Vec<usize> = memmem::find_iter(body, needle)
        .map(|at| stream.docs.partition_point(|d| d.offset <= at) - 1)
        .collect();
    hits.dedup();
    hits
}

/// Indexes of the documents whose bytes contain every needle of at least one
/// group: the cheap candidate scan. One pass per needle over the input, no parsing.
pub fn candidates(stream: &Stream<'_>, body: &[u8], groups: &[&[&[u8]]]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for group in groups {
        let mut sets = group.iter().map(|n| docs_containing(stream, body, n));
        let Some(mut found) = sets.next() else {
            continue;
        };
        for other in sets {
            found.retain(|i| other.binary_search(i).is_ok());
        }
        out.extend(found);
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raws(input: &str) -> Vec<&str> {
        split(input.as_bytes())
            .docs
            .iter()
            .map(|d| std::str::from_utf8(d.raw).unwrap())
            .collect()
    }

    #[test]
    fn splits_helm3_and_helm4_streams() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("a: 1\n", &["a: 1\n"]),
            ("---\na: 1\n", &["---\na: 1\n"]),
            (
                "---\n# Source: x\na: 1\n---\nb: 2\n",
                &["---\n# Source: x\na: 1\n", "---\nb: 2\n"],
            ),
            ("a: 1\n---\nb: 2", &["a: 1\n", "---\nb: 2"]),
            ("---\n---\na: 1\n", &["---\n", "---\na: 1\n"]),
            ("# only\n# comments\n", &["# only\n# comments\n"]),
            (
                "a: |\n  ---\n  x\n--- # c\nb: 1\n",
                &["a: |\n  ---\n  x\n", "--- # c\nb: 1\n"],
            ),
            ("a: 1\r\n---\r\nb: 2\r\n", &["a: 1\r\n", "---\r\nb: 2\r\n"]),
            ("a: '---x'\n----\n", &["a: '---x'\n----\n"]),
            ("a: 1\n--- |\n  text\n", &["a: 1\n", "--- |\n  text\n"]),
            ("%YAML 1.1\n---\na: 1\n", &["%YAML 1.1\n---\na: 1\n"]),
            (
                "a: 1\n...\n%YAML 1.1\n%TAG !k! tag:k,2024:\n---\nb: 2\n",
                &[
                    "a: 1\n...\n",
                    "%YAML 1.1\n%TAG !k! tag:k,2024:\n---\nb: 2\n",
                ],
            ),
        ];
        for (input, want) in cases {
            assert_eq!(&raws(input), want, "input {input:?}");
        }
    }

    #[test]
    fn every_byte_lands_in_one_document() {
        for input in ["", "---", "---\n", "\n---\n\n---", "x\n---\ny\n---\n"] {
            let s = split(input.as_bytes());
            let joined: Vec<u8> = s.docs.iter().flat_map(|d| d.raw.to_vec()).collect();
            assert_eq!(joined, input.as_bytes(), "input {input:?}");
        }
    }

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
    }

    #[test]
    fn keeps_a_byte_order_mark_apart() {
        let s = split(b"\xEF\xBB\xBF---\na: 1\n");
        assert_eq!(s.bom, BOM);
        assert_eq!(s.docs.len(), 1);
        assert_eq!(s.docs[0].raw, b"---\na: 1\n");
    }

    #[test]
    fn numbers_lines() {
        let s = split(b"---\na: 1\nb: 2\n---\nc: 3\n");
        assert_eq!(s.docs.iter().map(|d| d.line).collect::<Vec<_>>(), [1, 4]);
    }

    #[test]
    fn parts_of_a_document() {
        let cases: &[(&str, [&str; 4])] = &[
            (
                "---\n# Source: t.yaml\na: 1\n\n",
                ["---\n", "# Source: t.yaml\n", "a: 1\n", "\n"],
            ),
            ("# c1\n# c2\na: 1\n", ["", "# c1\n# c2\n", "a: 1\n", ""]),
            ("a: 1", ["", "", "a: 1", ""]),
            ("---\n", ["---\n", "", "", ""]),
            ("---\n# only\n", ["---\n", "# only\n", "", ""]),
            (
                "---\r\na:\r\n  b: 1\r\n\r\n",
                ["---\r\n", "", "a:\r\n  b: 1\r\n", "\r\n"],
            ),
        ];
        for (raw, want) in cases {
            let d = Doc {
                raw: raw.as_bytes(),
                offset: 0,
                line: 1,
            };
            let p = d.parts();
            let got =
                [p.separator, p.header, p.body, p.trailer].map(|b| std::str::from_utf8(b).unwrap());
            assert_eq!(&got, want, "raw {raw:?}");
        }
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

    #[test]
    fn finds_candidates_without_parsing() {
        let input = b"a: 1\n---\nkind: OpenTelemetryCollector\n---\nb: opencost\n---\nx: opencost\nkind: Deployment\n";
        let s = split(input);
        let groups: [&[&[u8]]; 2] = [&[b"OpenTelemetryCollector"], &[b"opencost", b"Deployment"]];
        assert_eq!(candidates(&s, input, &groups), [1, 3]);
    }
}
