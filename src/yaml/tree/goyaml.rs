//! The full reader's go-yaml v2 strictness (read stage): where granit-parser
//! (YAML 1.2) reads a construct that go-yaml v2, Kubernetes' reader, scans
//! otherwise, the document is refused with its line, never read to a value
//! Kubernetes does not give it (tests/k8s_flow_block.rs holds this to
//! kubectl). It only looks at the source text around the parser's events;
//! it must not build values or echo the text in a message.
//!
//! go-yaml v2 ends a plain scalar in a flow collection at any of `,?[]{}`
//! and at `:` before a blank, where YAML 1.2 lets `?` stand inside one and
//! ends it at `:` before a flow indicator; in flow context `?` and `:` are
//! always indicators; a tag runs on over `,[]`; and a tab is only
//! whitespace inside a flow, or after a token that cannot start a simple key
//! (not at a line's start or after a `-`, `?` or `:` indicator there).

use crate::yaml::SyntaxError;
use serde_saphyr::granit_parser::{Event, ScalarStyle, Span, StructureStyle};

const QUESTION: &str = "a '?' in a plain scalar inside a flow collection, which Kubernetes \
                        reads as a key indicator and refuses";
const LEADING: &str = "a plain scalar starting with '?' or ':' inside a flow collection, \
                       which Kubernetes reads as an indicator";
const COLON: &str = "a ':' before a flow indicator after a plain scalar, which Kubernetes \
                     reads as part of the scalar (quote it)";
const TAG: &str = "a tag followed by a flow indicator, which Kubernetes reads as part \
                   of the tag";
const ANCHOR: &str = "an anchor name go-yaml (Kubernetes) does not read (letters, digits, \
                      '-' and '_' only)";
const SEPARATOR: &str = "a raw line or paragraph separator (U+2028, U+2029) \
    outside a quoted or flow scalar, or beside a blank, which Kubernetes reads as a line \
    break: write it escaped in a double-quoted string";
const TAB: &str = "a tab where go-yaml (Kubernetes) expects indentation or a space";

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
}

impl<'a> GoYaml<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        GoYaml {
            text,
            separators: separators(text),
            open: Vec::new(),
            exempt: Vec::new(),
        }
    }

    /// Refuse what go-yaml v2 scans otherwise; note where flows and
    /// multi-line scalars are, for the checks at the stream's end.
    pub(super) fn check(&mut self, event: &Event<'a>, span: &Span) -> Result<(), &'static str> {
        let in_flow = self.open.last().is_some_and(|&(_, flow)| flow);
        if in_flow {
            flow_tag(self.text, span)?;
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
                flow_plain(self.text, span)?;
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

/// Whether the plain scalar at `span` in a flow collection reads as in go-yaml.
fn flow_plain(text: &str, span: &Span) -> Result<(), &'static str> {
    let Some(range) = span.byte_range() else {
        return Ok(());
    };
    let raw = &text[range.clone()];
    if raw.starts_with(['?', ':']) {
        return Err(LEADING);
    }
    if raw.contains('?') {
        return Err(QUESTION);
    }
    let after = text[range.end..].trim_start_matches([' ', '\t']).as_bytes();
    match after {
        [b':', b',' | b'[' | b']' | b'{' | b'}', ..] => Err(COLON),
        _ => Ok(()),
    }
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

/// Whether a tag at `span` inside a flow collection ends where go-yaml ends it.
fn flow_tag(text: &str, span: &Span) -> Result<(), &'static str> {
    let Some(end) = span.tag_span().and_then(|t| t.byte_range()).map(|r| r.end) else {
        return Ok(());
    };
    match text.as_bytes().get(end) {
        Some(b',' | b'[' | b']' | b'{' | b'}') => Err(TAG),
        _ => Ok(()),
    }
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

/// Whether the block scalar at `span` (from its first content character to
/// past its last line break) has no tab where go-yaml expects indentation:
/// right after the blanks of its first content line when the indentation
/// is detected, or left of the indentation on any later line.
fn block_scalar(text: &str, span: &Span) -> Result<(), &'static str> {
    let Some(range) = span.byte_range() else {
        return Ok(());
    };
    let line_start = text[..range.start].rfind('\n').map_or(0, |p| p + 1);
    let raw = &text[line_start..range.end];
    if !raw.contains('\t') {
        return Ok(());
    }
    let header = text[..line_start.saturating_sub(1)]
        .rsplit('\n')
        .next()
        .unwrap_or_default();
    let explicit = header.bytes().any(|b| b.is_ascii_digit());
    let mut indent: Option<usize> = None;
    for line in raw.lines() {
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let tab = line.as_bytes().get(spaces) == Some(&b'\t');
        let refused = match indent {
            None => tab && !explicit,
            Some(c) => tab && spaces < c,
        };
        if refused {
            return Err(TAB);
        }
        if indent.is_none() && !line.trim().is_empty() {
            indent = Some(spaces);
        }
    }
    Ok(())
}

/// The lines of a multi-line scalar at `span`, where a tab is its text.
fn scalar_lines(span: &Span) -> (usize, usize) {
    let last = match span.end.col() {
        0 => span.end.line().saturating_sub(1),
        _ => span.end.line(),
    };
    (span.start.line() + 1, last)
}

/// The first line (1-based) holding a tab go-yaml refuses, outside the
/// `exempt` lines (inside flows, block scalars and quoted scalars).
fn tabs(text: &str, exempt: &[(usize, usize)]) -> Result<(), (usize, &'static str)> {
    if !text.contains('\t') {
        return Ok(());
    }
    // The indentation of the last line holding content: go-yaml reads the
    // blanks after a plain scalar as part of it, and a tab there only
    // violates indentation at or left of that column.
    let mut indent: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let inside = exempt.iter().any(|&(a, b)| a <= n && n <= b);
        if !inside && line.contains('\t') && refused_tab(line, indent) {
            return Err((n, TAB));
        }
        let body = line.trim_start_matches([' ', '\t']);
        if !inside && !body.is_empty() && !body.starts_with('#') {
            indent = Some(line.len() - line.trim_start_matches(' ').len());
        }
    }
    Ok(())
}

/// A tab in the line's indentation at or left of `indent` (the last content
/// line's), or as the space after a leading `-`, `?` or `:` indicator (go-yaml
/// may start a simple key there, so it does not take the tab for whitespace).
fn refused_tab(line: &str, indent: Option<usize>) -> bool {
    let b = line.as_bytes();
    let mut i = 0;
    let mut first = true;
    loop {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        match (b.get(i), b.get(i + 1)) {
            (Some(b'\t'), _) => return !first || indent.is_none_or(|c| i <= c),
            (Some(b'-' | b'?' | b':'), Some(b' ' | b'\t')) => i += 1,
            _ => return false,
        }
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::refused_tab;

    #[test]
    fn tabs_go_yaml_refuses_are_found() {
        let refused = [
            "\tx: 1", "  \t- x", "-\tx", "- \tx", "- - \tx", ":\tb", "\t# c",
        ];
        for line in refused {
            assert!(refused_tab(line, Some(2)), "{line:?}");
        }
        for line in [
            "v:\tx",
            "v: x\t# c",
            "- x\ty",
            "  a: 1\t",
            "-x\t",
            "   \t# c",
        ] {
            assert!(!refused_tab(line, Some(2)), "{line:?}");
        }
        // At or left of the last content line's indentation only.
        assert!(refused_tab("  \t# c", Some(2)));
        assert!(!refused_tab("  \t# c", Some(0)));
    }
}
