//! Stage 1, read: the byte stream into documents, checked and scanned.
//!
//! Splits Helm's manifest stream into documents without parsing YAML, refuses
//! bytes no YAML reader accepts, and finds the candidate documents with a byte
//! scan. Only this module (and `write`, which puts documents back) knows about
//! `---` separators, header comments, byte-order marks and line numbers. It
//! never changes a byte and knows nothing of YAML values.

use crate::docid::DocId;
use anyhow::{Result, bail};
use memchr::memmem;

mod candidates;
pub use candidates::{candidates, find, find_each, kind_line_allows};

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
    /// All of the input, byte-order mark included: the documents lie in it
    /// back to back, so runs of them are written as one slice.
    pub input: &'a [u8],
    pub bom: &'a [u8],
    pub docs: Vec<Doc<'a>>,
}

impl Stream<'_> {
    /// The index of the document holding byte `at` of the body (the input
    /// after any byte-order mark).
    pub(crate) fn doc_at(&self, at: usize) -> usize {
        self.docs.partition_point(|d| d.offset <= at) - 1
    }

    /// The documents holding the bytes at `ascending` offsets of the body,
    /// each once, ascending.
    pub(crate) fn docs_holding(&self, ascending: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for i in ascending.into_iter().map(|at| self.doc_at(at)) {
            if out.last() != Some(&i) {
                out.push(i);
            }
        }
        out
    }
}

/// Is this line (without its newline) a document separator? YAML forbids `---`
/// followed by a blank or line end at column 0 inside any scalar, so a line test
/// is exact: an indented `---` in a block string is content.
fn is_separator(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r'))
}

/// Split `input` into documents. Never fails: every byte lands in exactly one document.
pub fn split(input: &[u8]) -> Stream<'_> {
    let (bom, body) = strip_bom(input);
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
            input,
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
    Stream { input, bom, docs }
}

/// The byte-order mark, if any, and the body after it.
fn strip_bom(input: &[u8]) -> (&[u8], &[u8]) {
    match input.strip_prefix(BOM) {
        Some(rest) => (&input[..BOM.len()], rest),
        None => (&input[..0], input),
    }
}

/// Directives (`%YAML`, `%TAG`) belong to the document after them: move a
/// separator's start back over the directive lines right before it.
fn with_directives(body: &[u8], separator: usize) -> usize {
    let mut start = separator;
    while start > 0 {
        // memrchr, not a byte loop: the line before a separator can be very
        // long (a dashboard's JSON on one line), and this runs per document.
        let prev = memchr::memrchr(b'\n', &body[..start - 1]).map_or(0, |p| p + 1);
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

/// Refuse bytes no YAML reader accepts, naming the document and line.
fn check_bytes(stream: &Stream<'_>, body: &[u8]) -> Result<()> {
    let bad = match std::str::from_utf8(body) {
        Err(e) => Some((e.valid_up_to(), "is not valid UTF-8")),
        Ok(_) => memchr::memchr(0, body).map(|at| (at, "contains a NUL byte")),
    };
    let Some((at, what)) = bad else {
        return Ok(());
    };
    let idx = stream.doc_at(at);
    let doc = &stream.docs[idx];
    let line = doc.line + memchr::memchr_iter(b'\n', &doc.raw[..at - doc.offset]).count();
    bail!(
        "{}: input {what} at line {line}",
        DocId::guess(idx + 1, doc.raw, doc.line)
    )
}

/// Split `input`, refuse bytes no YAML reader accepts, and find the candidates
/// for each set of needle groups in `sets` (one list per set, in order), from
/// one search of the input: documents holding every needle of a group whose
/// top-level kind line, if it can be read, names a kind `may_be_kind` accepts.
pub fn scan<'a>(
    input: &'a [u8],
    sets: &[&[Vec<&[u8]>]],
    may_be_kind: fn(&[u8]) -> bool,
) -> Result<(Stream<'a>, Vec<Vec<usize>>)> {
    let stream = split(input);
    check_bytes(&stream, &input[stream.bom.len()..])?;
    let found = find_each(&stream, input, sets, may_be_kind);
    Ok((stream, found))
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
    fn a_document_that_may_spell_words_with_escapes_is_a_candidate() {
        let input = b"kind: \"OpenTelemetry\\u0043ollector\"\n---\nkind: ConfigMap\n---\nkind: \"Deploy\\x6dent\"\nmetadata: {labels: {app.kubernetes.io/name: \"open\\x63ost\"}}\n---\na: 'x\\y'\n";
        let groups: [Vec<&[u8]>; 1] = [vec![b"OpenTelemetryCollector"]];
        let (_, found) = scan(input, &[&groups], |w| w == b"OpenTelemetryCollector").unwrap();
        assert_eq!(found, [[0, 2]]);
    }

    #[test]
    fn one_scan_for_several_sets_finds_what_a_scan_for_each_finds() {
        let input = b"kind: OpenTelemetryCollector\n---\nkind: HelmRelease\n---\nkind: \"Helm\\x52elease\"\n---\nkind: Deployment\nx: opencost\n---\nkind: ConfigMap\ndata: {a: HelmRelease}\n---\nkind: Deployment\n";
        let collectors: Vec<Vec<&[u8]>> = vec![
            vec![b"OpenTelemetryCollector"],
            vec![b"Deployment", b"opencost"],
        ];
        let releases: Vec<Vec<&[u8]>> = vec![vec![b"HelmRelease"]];
        let may_be = |w: &[u8]| {
            [
                &b"OpenTelemetryCollector"[..],
                b"Deployment",
                b"HelmRelease",
            ]
            .contains(&w)
        };
        let (stream, found) = scan(input, &[&collectors, &releases], may_be).unwrap();
        let each = [&collectors, &releases].map(|set| find(&stream, input, set, may_be));
        assert_eq!(found, each);
        assert_eq!(found, [vec![0, 2, 3], vec![1, 2]]);
    }

    #[test]
    fn finds_candidates_without_parsing() {
        let input = b"a: 1\n---\nkind: OpenTelemetryCollector\n---\nb: opencost\n---\nx: opencost\nkind: Deployment\n";
        let s = split(input);
        let groups: [Vec<&[u8]>; 2] = [
            vec![b"OpenTelemetryCollector"],
            vec![b"opencost", b"Deployment"],
        ];
        assert_eq!(candidates(&s, input, &groups), [1, 3]);
        // Needles found in one pass, overlapping ones included; a group's
        // later needle counts only inside the same document.
        let input = b"k: HelmRelease\n---\nx: y\n---\nz: HelmChart\n---\nkof\n";
        let s = split(input);
        let groups: [Vec<&[u8]>; 3] = [
            vec![b"HelmRelease"],
            vec![b"elmRe"],
            vec![b"HelmChart", b"kof"],
        ];
        assert_eq!(candidates(&s, input, &groups[..2]), [0]);
        assert_eq!(candidates(&s, input, &groups[1..]), [0]);
        assert_eq!(candidates(&s, input, &groups[2..]), [] as [usize; 0]);
    }
    #[test]
    fn the_kind_line_rules_documents_out_only_when_certain() {
        let cases: [(&str, bool); 21] = [
            ("kind: OpenTelemetryCollector\n...\nkind: ConfigMap\n", true),
            ("apiVersion: v1\nkind: OpenTelemetryCollector\n", true),
            ("kind: Deployment # opencost\n", true),
            ("kind: List\nitems: []\n", true),
            (
                "kind: CustomResourceDefinition\nspec:\n  names:\n    kind: OpenTelemetryCollector\n",
                false,
            ),
            (
                "kind: ConfigMap\ndata:\n  x: |\n    kind: OpenTelemetryCollector\n",
                false,
            ),
            ("kind: \"OpenTelemetryCollector\"\n", true),
            ("{kind: OpenTelemetryCollector}\n", true),
            ("kind: ConfigMap\nkind: OpenTelemetryCollector\n", true),
            ("---\n# Source: x\nkind: Secret\n", false),
            // Issue 14: what a byte scan must not decide.
            (
                "kind: OpenTelemetryCollector\nmetadata: {name: x,\nkind: ConfigMap}\n",
                true,
            ),
            (
                "metadata:\n  labels: [a,\nkind: ConfigMap]\nkind: OpenTelemetryCollector\n",
                true,
            ),
            ("a: \"x\nkind: ConfigMap\"\n", true),
            ("a: 'x\nkind: ConfigMap'\n", true),
            ("kind: ConfigMap\n\"kind\": OpenTelemetryCollector\n", true),
            ("kind: ConfigMap\nkind : OpenTelemetryCollector\n", true),
            (
                "kind: ConfigMap\n<<: {kind: OpenTelemetryCollector}\n",
                true,
            ),
            ("kind: ConfigMap\n? kind\n: OpenTelemetryCollector\n", true),
            (
                "kind: ConfigMap\n!!str kind: OpenTelemetryCollector\n",
                true,
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"{x}\"\n  b: [1]\nitems:\n- x\n",
                false,
            ),
            ("# c \"q\" {\nkind: ConfigMap\r\n", false),
        ];
        for (raw, want) in cases {
            assert_eq!(
                kind_line_allows(raw.as_bytes(), |w| matches!(
                    w,
                    b"OpenTelemetryCollector" | b"Deployment"
                ) || w.ends_with(b"List")),
                want,
                "{raw:?}"
            );
        }
    }
}
