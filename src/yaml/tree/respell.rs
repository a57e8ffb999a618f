//! The full reader's respelling (read stage, for `tree.rs`): where go-yaml
//! v2, Kubernetes' reader, reads a flow spelling that granit-parser refuses
//! or reads otherwise, the text is rewritten at that one place into a
//! spelling both read to go-yaml's value, and read again from the start.
//! Only Kubernetes' reader is respelled, and only the spellings whose
//! go-yaml reading tests/k8s_flow_block.rs holds to kubectl's:
//!
//! * a plain scalar run into `:` before a flow indicator (`[x:]`, `{a:, b}`,
//!   `[a\n  b:]`): go-yaml takes `:` for a value indicator only before a
//!   blank, so the `:` is the scalar's; it is single-quoted with it
//!   (`['x:']`); after a quoted key it is an indicator, and gets a space;
//! * a plain scalar starting with `?` (`[?x]`): `?` is always a key
//!   indicator in a go-yaml flow, so a space follows it (`[? x]`);
//! * a lone `-` before `,`, `]` or `}` (`[-]`): a plain scalar to go-yaml,
//!   refused by the parser here; it is quoted (`['-']`);
//! * a tag run into `,`, `[` or `]` (`[!x, y]`): go-yaml's tag runs on to
//!   the blank, so it is no tag go-yaml resolves and the node reads as text;
//!   its characters become a local tag's (`!xx y`), which reads the same;
//! * a tab, or too little indentation, starting a quoted scalar's
//!   continuation line: go-yaml drops those blanks and wants no indentation
//!   there; they become spaces indented past every block around.
//!
//! An edit only inserts characters or overwrites ASCII ones within lines,
//! never a line break, so every line number stays right; the columns of an
//! error are mapped back past the inserted characters. It must not build
//! values or echo the text in a message.

use crate::yaml::SyntaxError;
use serde_saphyr::granit_parser::{ErrorKind, ScanError};
use std::borrow::Cow;
use std::ops::Range;

/// At most this many respellings in one document (each reads it again):
/// far more than a real manifest holds; past it, the refusal stands.
const MAX_EDITS: usize = 64;

/// The most spaces one respelling indents a line by.
const SPACES: &str = match str::from_utf8(&[b' '; 256]) {
    Ok(s) => s,
    Err(_) => "",
};

/// One respelling, in the byte offsets of the text last read.
#[derive(Debug)]
pub(super) enum Edit {
    /// Insert each string before its offset (offsets ascending).
    Insert(Vec<(usize, &'static str)>),
    /// Overwrite each (ASCII) byte of the range with this one.
    Overwrite(Range<usize>, u8),
    /// The blanks of the range become spaces, this many at least.
    Indent(Range<usize>, usize),
}

/// The plain scalar at `span` and the blanks and `:` after it, ending at
/// `colon` (the `:`'s offset), single-quoted.
pub(super) fn quote_colon(text: &str, span: Range<usize>, colon: usize) -> Edit {
    let mut at = vec![(span.start, "'")];
    let quotes = text[span.clone()].match_indices('\'');
    at.extend(quotes.map(|(i, _)| (span.start + i, "'")));
    at.push((colon + 1, "'"));
    Edit::Insert(at)
}

/// The plain scalar the parser refused with `e` for running into a `:`
/// before `,`, `]` or `}` across a line break (a multi-line key to it),
/// quoted with its `:` as in `quote_colon`: from the flow indicator or the
/// `: ` or `? ` before it; never across a comment, a `?` or a document
/// marker, nor when it starts with an indicator.
pub(super) fn multi_line_colon(text: &str, e: &ScanError) -> Option<Edit> {
    let colon = e.marker().byte_offset()?;
    let b = text.as_bytes();
    let kind = *e.kind() == ErrorKind::InvalidColonPlacement;
    if !kind || !matches!(b.get(colon..colon + 2)?, [b':', b',' | b']' | b'}']) {
        return None;
    }
    let blank = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let end = b[..colon].iter().rposition(|c| !blank(c))? + 1;
    let bound = |i: &usize| match b[*i] {
        b',' | b'[' | b'{' | b']' | b'}' => true,
        b':' | b'?' => b.get(i + 1).is_some_and(blank),
        _ => false,
    };
    let boundary = (0..end).rev().find(bound)?;
    if matches!(b[boundary], b']' | b'}') {
        return None;
    }
    let start = boundary + 1 + b[boundary + 1..end].iter().position(|c| !blank(c))?;
    let scalar = &text[start..end];
    let comment = scalar.contains([' ', '\t', '\n']) && scalar.contains('#');
    // go-yaml ends a flow's plain scalar at `?`, and a marker ends the text.
    let marker = scalar.contains('?') || scalar.contains("\n---") || scalar.contains("\n...");
    let indicator = scalar.starts_with([
        '-', '?', ':', '&', '*', '!', '|', '>', '%', '@', '`', '\'', '"', '#',
    ]);
    (!comment && !marker && !indicator).then(|| quote_colon(text, start..end, colon))
}

/// The indicator at `at` (a `?` first in a plain scalar, or a `:` after a
/// quoted key) followed by a space: go-yaml reads it as an indicator.
pub(super) fn space_after(at: usize) -> Edit {
    Edit::Insert(vec![(at + 1, " ")])
}

/// The tag at `tag` (from its `!` to the blank go-yaml ends it at) as a
/// local tag of the same length.
pub(super) fn local_tag(tag: Range<usize>) -> Edit {
    Edit::Overwrite(tag.start + 1..tag.end, b'x')
}

/// The lone `-` the parser refused with `e`, quoted, if go-yaml reads it as
/// a plain scalar: followed by `,`, `]` or `}` (before `[` or `{` it refuses).
pub(super) fn lone_dash(text: &str, e: &ScanError) -> Option<Edit> {
    if *e.kind() != ErrorKind::PlainScalarStartsWithDashFlowIndicator {
        return None;
    }
    let at = e.marker().byte_offset()?;
    match text.as_bytes().get(at..at + 2)? {
        [b'-', b',' | b']' | b'}'] => Some(Edit::Insert(vec![(at, "'"), (at + 1, "'")])),
        _ => None,
    }
}

/// The value `read` reads from `text`, respelled where it says how.
pub(super) fn read<T>(
    text: Cow<'_, str>,
    mut read: impl FnMut(&str) -> Result<T, (SyntaxError, Option<Edit>)>,
) -> Result<T, SyntaxError> {
    let mut spelled = Respelled::new(text);
    loop {
        match read(spelled.text()) {
            Err((_, Some(edit))) if spelled.apply(&edit) => continue,
            read => return read.map_err(|(e, _)| spelled.error(e)),
        }
    }
}

/// The blanks starting the continuation line of a quoted scalar the parser
/// refused with `e` (a tab, or too little indentation), as spaces indented
/// past every block around it (past every earlier line's indentation and
/// indicators): go-yaml drops them, whatever they are (it only refuses a
/// document marker there).
pub(super) fn quoted_indent(text: &str, e: &ScanError) -> Option<Edit> {
    use ErrorKind::{InvalidQuotedScalarIndent, TabInIndentation};
    if !matches!(e.kind(), TabInIndentation | InvalidQuotedScalarIndent) {
        return None;
    }
    let at = e.marker().byte_offset()?;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[start..];
    // A document marker ends the document to go-yaml, quotes or not.
    let marker = (line.starts_with("---") || line.starts_with("..."))
        && matches!(
            line.as_bytes().get(3),
            None | Some(b' ' | b'\t' | b'\r' | b'\n')
        );
    if marker {
        return None;
    }
    let end = start + line.len() - line.trim_start_matches([' ', '\t']).len();
    let lead = |l: &str| l.len() - l.trim_start_matches([' ', '\t', '-', '?', ':']).len();
    let deepest = text[..start].lines().map(lead).max().unwrap_or(0);
    Some(Edit::Indent(start..end, deepest + 1))
}

/// A document's text as last respelled.
struct Respelled<'a> {
    text: Cow<'a, str>,
    /// The offsets of the inserted bytes (ascending), to map columns back.
    inserted: Vec<usize>,
    edits: usize,
}

impl<'a> Respelled<'a> {
    fn new(text: Cow<'a, str>) -> Self {
        Respelled {
            text,
            inserted: Vec::new(),
            edits: 0,
        }
    }

    fn text(&self) -> &str {
        &self.text
    }

    /// Apply `edit`, unless the document had its share of them.
    fn apply(&mut self, edit: &Edit) -> bool {
        if self.edits == MAX_EDITS {
            return false;
        }
        self.edits += 1;
        match edit {
            Edit::Overwrite(range, byte) => self.apply_overwrite(range, *byte),
            Edit::Insert(at) => self.insert(at),
            Edit::Indent(range, spaces) => {
                self.apply_overwrite(range, b' ');
                let more = spaces.saturating_sub(range.len());
                let pad = &SPACES[..more.min(SPACES.len())];
                self.insert(&[(range.start, pad)]);
            }
        }
        true
    }

    fn apply_overwrite(&mut self, range: &Range<usize>, byte: u8) {
        let mut bytes = std::mem::take(&mut self.text).into_owned().into_bytes();
        for b in &mut bytes[range.clone()] {
            if b.is_ascii() {
                *b = byte;
            }
        }
        // Only ASCII bytes were overwritten, with an ASCII byte.
        self.text = String::from_utf8(bytes).unwrap_or_default().into();
    }

    fn insert(&mut self, at: &[(usize, &str)]) {
        let text = &self.text;
        let mut out = String::with_capacity(text.len() + at.len() * 2);
        let mut from = 0;
        let mut new = Vec::new();
        for &(p, s) in at {
            out.push_str(&text[from..p]);
            new.extend(out.len()..out.len() + s.len());
            out.push_str(s);
            from = p;
        }
        out.push_str(&text[from..]);
        let shift = |o: usize| {
            at.iter()
                .filter(|(p, _)| *p <= o)
                .map(|(_, s)| s.len())
                .sum::<usize>()
        };
        let moved = self.inserted.iter().map(|&o| o + shift(o));
        let mut inserted: Vec<usize> = moved.chain(new).collect();
        inserted.sort_unstable();
        self.inserted = inserted;
        self.text = out.into();
    }

    /// `e` with its column counted in the text as written, not respelled.
    fn error(&self, mut e: SyntaxError) -> SyntaxError {
        if self.inserted.is_empty() {
            return e;
        }
        let text: &str = &self.text;
        let start = match e.line {
            0 | 1 => 0,
            n => match text.match_indices('\n').nth(n - 2) {
                Some((i, _)) => i + 1,
                None => return e,
            },
        };
        let at = text[start..]
            .char_indices()
            .nth(e.column.saturating_sub(1))
            .map_or(text.len(), |(i, _)| start + i);
        let before = self.inserted.iter().filter(|&&o| start <= o && o < at);
        e.column -= before.count().min(e.column.saturating_sub(1));
        e
    }
}

#[cfg(test)]
mod tests {
    use super::{Edit, Respelled};
    use crate::yaml::SyntaxError;

    #[test]
    fn columns_map_back_past_inserted_characters() {
        let mut r = Respelled::new("v: [x:, ?y]\nw: [-]\n".into());
        assert!(r.apply(&Edit::Insert(vec![(4, "'"), (6, "'")])));
        assert!(r.apply(&Edit::Insert(vec![(11, " ")])));
        assert!(r.apply(&Edit::Insert(vec![(19, "'"), (20, "'")])));
        assert_eq!(r.text(), "v: ['x:', ? y]\nw: ['-']\n");
        let e = |line, column| SyntaxError {
            line,
            column,
            message: String::new(),
        };
        // ']' of line 1 at column 14 (respelled), 11 as written.
        assert_eq!(r.error(e(1, 14)).column, 11);
        assert_eq!(r.error(e(2, 8)).column, 6);
        assert_eq!(r.error(e(2, 1)).column, 1);
        assert!(r.apply(&Edit::Overwrite(10..11, b'x')));
        assert_eq!(r.text(), "v: ['x:', x y]\nw: ['-']\n");
        // A quoted scalar's continuation line: its tab becomes 3 spaces.
        let mut r = Respelled::new("v: \"a\n\tb\"\n".into());
        assert!(r.apply(&Edit::Indent(6..7, 3)));
        assert_eq!(r.text(), "v: \"a\n   b\"\n");
        assert_eq!(r.error(e(2, 5)).column, 3);
    }
}
