//! Stage 1, read: the candidate scan. Which documents may hold a resource the
//! kind table names, decided from bytes alone (needles, the top-level kind
//! line, escapes that could spell a word). It must only ever err towards
//! parsing: a document ruled out here is copied unparsed.

use super::{Stream, is_separator};
use memchr::memmem;

/// For each needle, the indexes of the documents that contain it,
/// ascending: one pass over the input for all of them.
fn docs_containing(stream: &Stream<'_>, body: &[u8], needles: &[&[u8]]) -> Vec<Vec<usize>> {
    let mut hits = vec![Vec::new(); needles.len()];
    let Ok(searcher) = aho_corasick::AhoCorasick::new(needles) else {
        // Too many or too long needles for the automaton: one pass each.
        for (found, needle) in hits.iter_mut().zip(needles) {
            *found = stream.docs_holding(memmem::find_iter(body, needle));
        }
        return hits;
    };
    for m in searcher.find_overlapping_iter(body) {
        let found: &mut Vec<usize> = &mut hits[m.pattern().as_usize()];
        let doc = stream.doc_at(m.start());
        if found.last() != Some(&doc) {
            found.push(doc);
        }
    }
    hits
}

/// Indexes of the documents whose bytes contain every needle of at least one
/// group: the cheap candidate scan. One pass over the input for the groups'
/// first needles; the others are looked for only in the documents found.
pub fn candidates(stream: &Stream<'_>, body: &[u8], groups: &[Vec<&[u8]>]) -> Vec<usize> {
    let firsts = firsts(groups);
    in_groups(stream, groups, docs_containing(stream, body, &firsts))
}

/// The first needle of each group (groups without needles have none).
fn firsts<'n>(groups: &[Vec<&'n [u8]>]) -> Vec<&'n [u8]> {
    groups.iter().filter_map(|g| g.first().copied()).collect()
}

/// The documents holding every needle of a group, given those holding each
/// group's first needle (`found`, in the order of `firsts`).
fn in_groups(stream: &Stream<'_>, groups: &[Vec<&[u8]>], found: Vec<Vec<usize>>) -> Vec<usize> {
    let rests = groups
        .iter()
        .filter_map(|g| g.split_first().map(|(_, rest)| rest));
    let mut out: Vec<usize> = Vec::new();
    for (rest, mut found) in rests.zip(found) {
        found.retain(|&i| {
            let raw = stream.docs[i].raw;
            rest.iter().all(|n| memmem::find(raw, n).is_some())
        });
        out.extend(found);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The candidates of an already split and checked `input` (see `scan`).
pub fn find(
    stream: &Stream<'_>,
    input: &[u8],
    needles: &[Vec<&[u8]>],
    may_be_kind: fn(&[u8]) -> bool,
) -> Vec<usize> {
    find_each(stream, input, &[needles], may_be_kind)
        .pop()
        .unwrap_or_default()
}

/// The candidates for each set of needle groups in `sets`, from one search
/// of the input for all of their first needles and one for escapes: a run
/// that needs the documents of several kind sets reads the stream once.
pub fn find_each(
    stream: &Stream<'_>,
    input: &[u8],
    sets: &[&[Vec<&[u8]>]],
    may_be_kind: fn(&[u8]) -> bool,
) -> Vec<Vec<usize>> {
    let body = &input[stream.bom.len()..];
    let all_firsts: Vec<&[u8]> = sets.iter().flat_map(|groups| firsts(groups)).collect();
    let mut hits = docs_containing(stream, body, &all_firsts).into_iter();
    let escaped = escaped_docs(stream, body);
    sets.iter()
        .map(|groups| {
            let first_hits = hits.by_ref().take(firsts(groups).len()).collect();
            decide(stream, groups, first_hits, escaped.clone(), may_be_kind)
        })
        .collect()
}

/// The candidates, given the documents holding each group's first needle
/// and those holding an escape that may spell a letter.
fn decide(
    stream: &Stream<'_>,
    needles: &[Vec<&[u8]>],
    first_hits: Vec<Vec<usize>>,
    mut escaped: Vec<usize>,
    may_be_kind: fn(&[u8]) -> bool,
) -> Vec<usize> {
    let mut found = in_groups(stream, needles, first_hits);
    // A double-quoted scalar can spell any kind, key or label with escapes
    // (`"OpenTelemetry\u0043ollector"`, `"\x6bind"`) or an escaped line break,
    // which no byte needle sees: such documents are candidates too, unless a
    // certain top-level kind line rules them out (an escaped kind or top-level
    // key makes the kind line uncertain).
    escaped.retain(|&i| memchr::memchr(b'"', stream.docs[i].raw).is_some());
    found.extend(escaped);
    found.sort_unstable();
    found.dedup();
    found.retain(|&i| kind_line_allows(stream.docs[i].raw, may_be_kind));
    found
}

/// Is `\\` at `at` an escape that can spell a letter? Only `\x`, `\u`, `\U`
/// write a character by number, and an escaped line break joins two words;
/// `\"`, `\n`, `\t` and the like spell no letter, so the documents that use
/// only those (CRD descriptions, regexes) are not parsed for it.
fn spells(bytes: &[u8], at: usize) -> bool {
    matches!(bytes.get(at + 1), Some(b'x' | b'u' | b'U' | b'\n' | b'\r'))
}

/// The documents holding an escape that may spell a letter (`decide` also
/// wants a double quote), in one pass. After the first such escape the rest
/// of its document is skipped: dashboards' JSON holds thousands of them.
fn escaped_docs(stream: &Stream<'_>, body: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(hit) = memchr::memchr(b'\\', &body[at..]) {
        at += hit;
        if !spells(body, at) {
            at += 1;
            continue;
        }
        let doc = stream.doc_at(at);
        out.push(doc);
        at = stream.docs.get(doc + 1).map_or(body.len(), |d| d.offset);
    }
    out
}

/// Is a column-0 line certainly a plain top-level key (`word:`) or a
/// top-level sequence entry, so that it cannot hide a second `kind` key
/// (`"kind":`, `kind :`, `? kind`, `<<:`, `&a kind:`) or continue a flow
/// collection or quoted scalar?
fn plain_top_line(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty()
        || matches!(line[0], b' ' | b'#')
        || line.trim_ascii().is_empty()
        || is_separator(line)
    {
        return true;
    }
    if line == b"-" || line.starts_with(b"- ") {
        return true;
    }
    let key_len = line
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b"_./-".contains(&b)))
        .unwrap_or(line.len());
    key_len > 0
        && line.get(key_len) == Some(&b':')
        && matches!(line.get(key_len + 1), None | Some(b' ' | b'\t'))
}

/// Is every column-0 line of `raw` plain (see `plain_top_line`)? Indented
/// lines, most of a big document, cost one byte look each.
fn top_lines_plain(raw: &[u8]) -> bool {
    let mut start = 0;
    loop {
        let end = memchr::memchr(b'\n', &raw[start..]).map_or(raw.len(), |e| start + e);
        let line = &raw[start..end];
        if line.first() != Some(&b' ') && !plain_top_line(line) {
            return false;
        }
        if end == raw.len() {
            return true;
        }
        start = end + 1;
    }
}

/// The cheap scan's second look: reads only a top-level block `kind:` line (the
/// last one wins, as in Kubernetes). The answer is no (not parsed) only when
/// that is certain: the kind is a plain word naming another kind, every
/// column-0 line is a plain `key:` or a sequence entry (no quoted, tagged,
/// anchored, explicit or merge key that could be a second `kind`), and no
/// flow collection or quoted scalar opens before the kind line (a `kind:` at
/// column 0 inside `{...}` is not a top-level key). A `...` may start a
/// second document: parsed too.
pub fn kind_line_allows(raw: &[u8], may_be_kind: fn(&[u8]) -> bool) -> bool {
    if memchr::memmem::find(raw, b"\n...").is_some() {
        return true;
    }
    if !top_lines_plain(raw) {
        return true;
    }
    let mut kind_line_at = 0;
    let mut kind = None;
    let mut at = 0;
    while let Some(hit) = memchr::memmem::find(&raw[at..], b"kind:") {
        let start = at + hit;
        at = start + 5;
        if start > 0 && raw[start - 1] != b'\n' {
            continue;
        }
        let end = memchr::memchr(b'\n', &raw[at..]).map_or(raw.len(), |e| at + e);
        let value = raw[at..end]
            .split(|&b| b == b'#')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        kind = Some(value);
        kind_line_at = start;
    }
    let before = &raw[..kind_line_at];
    let opens = |b: &u8| matches!(b, b'{' | b'[' | b'"' | b'\'');
    if before
        .split(|&b| b == b'\n')
        .any(|line| line.first() != Some(&b'#') && line.iter().any(opens))
    {
        return true;
    }
    match kind {
        Some(word) if !word.is_empty() && word.iter().all(u8::is_ascii_alphanumeric) => {
            may_be_kind(word)
        }
        _ => true,
    }
}
