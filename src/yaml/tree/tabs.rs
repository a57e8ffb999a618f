//! The full reader's go-yaml v2 tab rules (read stage, for `goyaml.rs`):
//! go-yaml takes a tab for whitespace only inside a flow, a quoted or a
//! block scalar's text, or after a token that cannot start a simple key (not
//! at a line's start or after a `-`, `?` or `:` indicator there); elsewhere
//! it refuses it, where YAML 1.2 reads it as a separator. It only looks at
//! the source text around the parser's events and must not echo it.

use serde_saphyr::granit_parser::Span;

const TAB: &str = "a tab where go-yaml (Kubernetes) expects indentation or a space";

/// Whether the block scalar at `span` (from its first content character to
/// past its last line break) has no tab where go-yaml expects indentation:
/// right after the blanks of its first content line when the indentation
/// is detected, or left of the indentation on any later line.
pub(super) fn block_scalar(text: &str, span: &Span) -> Result<(), &'static str> {
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
pub(super) fn scalar_lines(span: &Span) -> (usize, usize) {
    let last = match span.end.col() {
        0 => span.end.line().saturating_sub(1),
        _ => span.end.line(),
    };
    (span.start.line() + 1, last)
}

/// The first line (1-based) holding a tab go-yaml refuses, outside the
/// `exempt` lines (inside flows, block scalars and quoted scalars).
pub(super) fn tabs(text: &str, exempt: &[(usize, usize)]) -> Result<(), (usize, &'static str)> {
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
