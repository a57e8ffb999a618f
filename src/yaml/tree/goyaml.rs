//! The full reader's go-yaml v2 strictness (read stage): where granit-parser
//! (YAML 1.2) reads a construct that go-yaml v2, Kubernetes' reader, scans
//! otherwise, the document is refused with its line, or respelled where a
//! spelling both read alike is known (`respell.rs`), never read to a value
//! Kubernetes does not give it (tests/k8s_flow_block.rs holds this to
//! kubectl). It only looks at the source text around the parser's events;
//! it must not build values or echo the text in a message.
//!
//! go-yaml v2 ends a plain scalar in a flow collection at any of `,?[]{}`
//! and at `:` before a blank, where YAML 1.2 lets `?` stand inside one and
//! ends it at `:` before a flow indicator; in flow context `?` and `:` are
//! always indicators; a tag runs on over `,[]`; its tab rules are in
//! `tabs.rs`.

use super::respell::{self, Edit};
use super::tabs::{block_scalar, scalar_lines, tabs};
use crate::yaml::SyntaxError;
use serde_saphyr::granit_parser::{ErrorKind, Event, ScalarStyle, ScanError, Span, StructureStyle};

const QUESTION: &str = "a '?' in a plain scalar inside a flow collection, which Kubernetes \
                        reads as a key indicator and refuses";
const LEADING: &str = "a plain scalar starting with '?' or ':' inside a flow collection, \
                       which Kubernetes reads as an indicator";
const COLON: &str = "a ':' before a flow indicator after a plain scalar, which Kubernetes \
                     reads as part of the scalar (quote it)";
const COLON_HINT: &str = " (Kubernetes reads a ':' before ',', ']' or '}' as part of the \
                          plain scalar before it: quote that scalar with its ':')";
const TAG: &str = "a tag followed by a flow indicator, which Kubernetes reads as part \
                   of the tag";
const ANCHOR: &str = "an anchor name go-yaml (Kubernetes) does not read (letters, digits, \
                      '-' and '_' only)";
const SEPARATOR: &str = "a raw line or paragraph separator (U+2028, U+2029) \
    outside a quoted or flow scalar, or beside a blank, which Kubernetes reads as a line \
    break: write it escaped in a double-quoted string";

/// The go-yaml checks over one document's events: what each event shows at
/// once, and what only the whole stream shows (separators, tabs).
pub(super) struct GoYaml<'a> {
    text: &'a str,
    /// Each raw LS or PS (byte offset), and whether a scalar holds it where
    /// go-yaml reads it as here.
    separators: Vec<(usize, bool)>,
    /// The first line of each open collection, and whether it is a flow.
    open: Vec<(usize, bool)>,
    /// Lines inside flows and multi-line scalars, where go-yaml takes a
    /// tab for whitespace or text.
    exempt: Vec<(usize, usize)>,
    /// Whether a spelling go-yaml v2 reads otherwise is respelled
    /// (`respell`) rather than refused, and the respelling found.
    respell: bool,
    edit: Option<Edit>,
}

impl<'a> GoYaml<'a> {
    pub(super) fn new(text: &'a str, respell: bool) -> Self {
        GoYaml {
            text,
            separators: separators(text),
            open: Vec::new(),
            exempt: Vec::new(),
            respell,
            edit: None,
        }
    }

    /// The respelling that would read the spelling just refused as go-yaml
    /// reads it, if any.
    pub(super) fn take_edit(&mut self) -> Option<Edit> {
        self.edit.take().filter(|_| self.respell)
    }

    /// Note the respelling of a spelling the parser refused with `e`; a
    /// hint for its message where go-yaml reads it and none is known.
    pub(super) fn scan_error(&mut self, e: &ScanError) -> &'static str {
        let at = e.marker().byte_offset().unwrap_or(usize::MAX);
        let colon = self.text.as_bytes().get(at..at.saturating_add(2));
        let hint = match (e.kind(), colon) {
            (ErrorKind::InvalidColonPlacement, Some([b':', b',' | b']' | b'}']))
                if self.respell =>
            {
                COLON_HINT
            }
            _ => "",
        };
        self.edit = respell::lone_dash(self.text, e)
            .or_else(|| respell::quoted_indent(self.text, e))
            .or_else(|| tag_into_flow(self.text, e))
            .or_else(|| respell::multi_line_colon(self.text, e));
        hint
    }

    /// Refuse what go-yaml v2 scans otherwise; note where flows and
    /// multi-line scalars are, for the checks at the stream's end.
    pub(super) fn check(&mut self, event: &Event<'a>, span: &Span) -> Result<(), &'static str> {
        let in_flow = self.open.last().is_some_and(|&(_, flow)| flow);
        if in_flow {
            flow_tag(self.text, span).map_err(|(m, edit)| self.found(m, edit))?;
        }
        match event {
            Event::SequenceStart(style, ..) | Event::MappingStart(style, ..) => {
                let flow = *style == StructureStyle::Flow;
                self.open.push((span.start.line(), flow));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((line, true)) = self.open.pop() {
                    self.exempt.push((line + 1, span.end.line()));
                }
            }
            Event::Scalar(_, ScalarStyle::Plain, ..) if in_flow => {
                flow_plain(self.text, span).map_err(|(m, edit)| self.found(m, edit))?;
                keep_separators(self.text, span, &mut self.separators);
            }
            Event::Scalar(_, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, ..) => {
                keep_separators(self.text, span, &mut self.separators);
                self.exempt.push(scalar_lines(span));
            }
            Event::Scalar(_, ScalarStyle::Plain, ..) => {}
            Event::Scalar(_, ScalarStyle::Literal | ScalarStyle::Folded, ..) => {
                block_scalar(self.text, span)?;
                let (_, last) = scalar_lines(span);
                self.exempt.push((span.start.line(), last));
            }
            _ => {}
        }
        Ok(())
    }

    fn found(&mut self, message: &'static str, edit: Option<Edit>) -> &'static str {
        self.edit = edit;
        message
    }

    /// At the stream's end: a separator no scalar keeps, or a tab go-yaml
    /// refuses outside the exempt lines.
    pub(super) fn finish(&self) -> Result<(), SyntaxError> {
        let text = self.text;
        if let Some(&(at, _)) = self.separators.iter().find(|s| !s.1) {
            return Err(SyntaxError {
                line: text[..at].matches('\n').count() + 1,
                column: text[..at]
                    .rsplit('\n')
                    .next()
                    .map_or(0, |l| l.chars().count())
                    + 1,
                message: SEPARATOR.into(),
            });
        }
        tabs(text, &self.exempt).map_err(|(line, message)| SyntaxError {
            line,
            column: 1,
            message: message.into(),
        })
    }
}

/// Whether the plain scalar at `span` in a flow collection reads as in
/// go-yaml; if not, the respelling that reads as go-yaml does, where one
/// is known.
fn flow_plain(text: &str, span: &Span) -> Result<(), (&'static str, Option<Edit>)> {
    let Some(range) = span.byte_range() else {
        return Ok(());
    };
    let raw = &text[range.clone()];
    if let Some(after) = raw.strip_prefix('?') {
        // `??` and `?:` go-yaml refuses or reads as an empty key.
        let known = !after.starts_with(['?', ':', '#']);
        return Err((LEADING, known.then(|| respell::space_after(range.start))));
    }
    if raw.starts_with(':') {
        return Err((LEADING, None));
    }
    if raw.contains('?') {
        return Err((QUESTION, None));
    }
    let rest = &text[range.end..];
    let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let colon = range.end + blanks;
    match &rest.as_bytes()[blanks..] {
        // An empty scalar is no scalar to go-yaml: the `:` is its value
        // indicator; before `[` or `{`, it refuses the flow that follows.
        [b':', b',' | b']' | b'}', ..] if !raw.is_empty() => {
            Err((COLON, Some(respell::quote_colon(text, range, colon))))
        }
        // After a quoted key, the `:` is a value indicator to both readers,
        // with a blank after it.
        [b':', b',' | b']' | b'}', ..] if after_quote(text, range.start) => {
            Err((COLON, Some(respell::space_after(colon))))
        }
        [b':', b',' | b'[' | b']' | b'{' | b'}', ..] => Err((COLON, None)),
        _ => Ok(()),
    }
}

/// Whether a quoted scalar ends right before `at`, blanks aside.
fn after_quote(text: &str, at: usize) -> bool {
    text[..at]
        .trim_end_matches([' ', '\t'])
        .ends_with(['"', '\''])
}

/// Every raw LS and PS of `text`, none yet known to read as go-yaml reads it.
fn separators(text: &str) -> Vec<(usize, bool)> {
    match text.is_ascii() {
        true => Vec::new(),
        false => text
            .match_indices(['\u{2028}', '\u{2029}'])
            .map(|(i, _)| (i, false))
            .collect(),
    }
}

/// Mark the separators inside the quoted or flow plain scalar at `span` that
/// stand between two non-blanks: go-yaml keeps such a break as itself, which
/// is the character the parser here keeps (beside a blank, go-yaml drops the
/// blank).
fn keep_separators(text: &str, span: &Span, seps: &mut [(usize, bool)]) {
    let Some(range) = span.byte_range() else {
        return;
    };
    let blank = |c: Option<char>| matches!(c, None | Some(' ' | '\t' | '\n'));
    for (at, ok) in seps.iter_mut().filter(|(at, _)| range.contains(at)) {
        let before = text[..*at].chars().next_back();
        let after = text[*at + 3..].chars().next();
        *ok = !blank(before) && !blank(after);
    }
}

/// Whether a tag at `span` inside a flow collection ends where go-yaml ends
/// it; if not, and go-yaml reads the tag run on to a blank, its respelling.
fn flow_tag(text: &str, span: &Span) -> Result<(), (&'static str, Option<Edit>)> {
    let Some(tag) = span.tag_span().and_then(|t| t.byte_range()) else {
        return Ok(());
    };
    match text.as_bytes().get(tag.end) {
        Some(b',' | b'[' | b']' | b'{' | b'}') => {
            Err((TAG, run_on_tag(text, tag.start).map(respell::local_tag)))
        }
        _ => Ok(()),
    }
}

/// The respelling of the tag the parser refused with `e` (at its `!`) for
/// running into `,`, `[` or `]`, where go-yaml reads it run on to a blank.
fn tag_into_flow(text: &str, e: &ScanError) -> Option<Edit> {
    if *e.kind() != ErrorKind::InvalidTagTerminator {
        return None;
    }
    let tag = run_on_tag(text, e.marker().byte_offset()?)?;
    let runs_on = text[tag.clone()].contains([',', '[', ']']);
    (text[tag.clone()].starts_with('!') && runs_on).then(|| respell::local_tag(tag))
}

/// The tag starting at `start` as go-yaml v2 scans it, if it reads it:
/// `!` or `!!` and URI characters (with `,[]`, and `%` escapes of ASCII)
/// up to a blank; no other handle (it would have to be declared).
fn run_on_tag(text: &str, start: usize) -> Option<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let body = start + 1 + usize::from(b.get(start + 1) == Some(&b'!'));
    let uri = |c: &u8| c.is_ascii_alphanumeric() || b"-_;/?:@&=+$,.~*'()[]%".contains(c);
    let end = body + b[body..].iter().take_while(|c| uri(c)).count();
    let escapes = b[body..end].split(|&c| c == b'%').skip(1);
    let ascii = |e: &[u8]| matches!(e, [b'0'..=b'7', h, ..] if h.is_ascii_hexdigit());
    let ends = matches!(b.get(end), None | Some(b' ' | b'\t' | b'\n' | b'\r'));
    (ends && escapes.into_iter().all(ascii)).then_some(start..end)
}

/// Whether an anchor name is one go-yaml scans: letters, digits, `-`, `_`.
pub(super) fn anchor(name: &str) -> Result<(), &'static str> {
    match !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        true => Ok(()),
        false => Err(ANCHOR),
    }
}
