//! The in-place writer for a config held as a string (v1alpha1
//! `spec.config: |`): the string's own lines are edited by the same
//! machinery as a document body, then put back in the document as the same
//! literal block at the same indentation, so every line of the string the
//! route does not change (its comments too) is kept byte for byte.
//!
//! Only a literal block with clip (`|`) or strip (`|-`) chomping and an
//! auto-detected indentation is edited in place; any other style (quoted,
//! plain, folded `>`, keep `|+`, an explicit indentation indicator, a tag
//! or anchor) is a `Reason` for the tree write. The string is held to the
//! tree in meaning, not bytes: the edited string must read (as the operator
//! reads it, `select::parse_config_text`) as the edited config exactly; the
//! document around it is then held to the tree by `Text::finish_noting`
//! with this string in place of the tree's. It must not edit the document
//! outside the string's lines, nor change what the tree write produces.

use super::ops::locate;
use super::{Fallback, Reason, Text, apply_to};
use crate::edit::{Edit, Seg, apply::dotted};
use anyhow::Result;
use serde_json::Value;

/// The lines of a literal block scalar in the document text.
struct Block {
    /// Bytes of its lines, from the line after its header to the end of its
    /// last non-blank line (trailing blank lines stay outside).
    range: std::ops::Range<usize>,
    /// The indentation of its content.
    indent: usize,
    /// `|-`: the string has no final newline.
    strip: bool,
}

/// Edit the config string at `config` (its value `body`, parsed `parsed`)
/// with `inside`: on the tree always, and on `outer`'s text when it can.
pub(super) fn edit(
    parsed: &mut Value,
    body: &str,
    config: &[Seg],
    inside: &[&Edit],
    outer: Option<&mut Text<'_>>,
) -> Result<()> {
    let Some(outer) = outer.filter(|t| t.failed.is_none()) else {
        return apply_to(parsed, inside, config.len(), None, &[]);
    };
    let block = match block(outer, config, body) {
        Ok(b) => b,
        Err(reason) => {
            fail(outer, config, reason, None);
            return apply_to(parsed, inside, config.len(), None, &[]);
        }
    };
    let lines = outer.text[block.range.clone()].to_string();
    let mut inner = Text::over(&lines);
    apply_to(parsed, inside, config.len(), Some(&mut inner), &[])?;
    if let Some(f) = inner.failed.take() {
        fail(outer, config, f.reason, f.node);
        return Ok(());
    }
    let Some(string) = unindent(&inner.text, block.indent, block.strip) else {
        fail(
            outer,
            config,
            "a line of the edited config string left of its block",
            None,
        );
        return Ok(());
    };
    // The string is held to the tree by its meaning: the tree writes the
    // edited config as `yaml::emit` does, the text keeps the string's own.
    match crate::select::parse_config_text(&string) {
        Ok(v) if &v == parsed => {}
        _ => {
            let reason = "the edited config string does not read as the edited config";
            fail(outer, config, reason, None);
            return Ok(());
        }
    }
    outer.touched.push(config.iter().map(token).collect());
    outer.splice((block.range, inner.text));
    // The remembered path ends inside the replaced lines.
    outer.memo = super::memo::Memo::default();
    outer.swapped = Some((config.to_vec(), string));
    Ok(())
}

fn token(s: &Seg) -> String {
    match s {
        Seg::Key(k) => k.clone(),
        Seg::Index(i) => i.to_string(),
    }
}

fn fail(outer: &mut Text<'_>, config: &[Seg], reason: Reason, inner: Option<String>) {
    let node = match inner {
        Some(n) => format!("{} (a YAML string) at {n}", dotted(config)),
        None => dotted(config),
    };
    outer.failed.get_or_insert(Fallback {
        reason,
        node: Some(node),
    });
}

/// The style of a config string's header (what follows `config:`): a block
/// the writer edits (`Ok(strip)`), or why not.
fn header(rest: &str) -> Result<bool, Reason> {
    let t = rest.trim_start_matches([' ', '\t']);
    match t.bytes().next() {
        Some(b'|') => {}
        Some(b'>') => return Err("a folded config string (>)"),
        Some(b'"' | b'\'') => return Err("a quoted config string"),
        Some(b'&' | b'!' | b'*') => return Err("an anchor, alias or tag on the config string"),
        _ => return Err("a plain config string"),
    }
    let end = t.find([' ', '\t']).unwrap_or(t.len());
    let after = t[end..].trim_start_matches([' ', '\t']);
    if !(after.is_empty() || after.starts_with('#')) {
        return Err("a config string whose header the writer does not read");
    }
    match &t[..end] {
        "|" => Ok(false),
        "|-" => Ok(true),
        "|+" => Err("a config string kept with its trailing blank lines (|+)"),
        _ => Err("a config string with an indentation indicator"),
    }
}

/// Where the config string's lines are in `outer`'s text, checked against
/// the string the reader made of them (`body`).
fn block(outer: &mut Text<'_>, config: &[Seg], body: &str) -> Result<Block, Reason> {
    let tokens: Vec<String> = config.iter().map(token).collect();
    let lines = super::index::Lines::new(&outer.text, &outer.index);
    let (node, _, depth) = locate(&lines, &tokens, false, &mut outer.memo)?;
    if depth < tokens.len() {
        return Err("a config string inside a flow collection");
    }
    let strip = header(&lines.line(node.line)[node.col..])?;
    let parent = node
        .parent
        .ok_or("a config string at the document's root")?;
    let blank = |j: usize| lines.line(j).bytes().all(|b| b == b' ');
    let first = node.line + 1;
    let lead = (first..lines.len()).find(|&j| !blank(j));
    let indent = match lead.map(|j| super::text::spaces(lines.line(j))) {
        Some(i) if i > parent => i,
        _ => return Err("an empty config string"),
    };
    // The block ends at the first non-blank line left of its indentation.
    let end = (first..lines.len())
        .find(|&j| !blank(j) && super::text::spaces(lines.line(j)) < indent)
        .unwrap_or(lines.len());
    let last = (first..end).rev().find(|&j| !blank(j)).unwrap_or(first);
    let range = lines.start(first)..lines.start(last + 1);
    // What the reader made of these lines, exactly, or the writer has
    // misread them (a tab, a document marker, a line break it does not know).
    match unindent(&lines.text[range.clone()], indent, strip) {
        Some(s) if s == body => Ok(Block {
            range,
            indent,
            strip,
        }),
        _ => Err("a config string the writer reads otherwise than the reader"),
    }
}

/// The string a literal block's lines (`\n`-terminated) hold, with its
/// indentation removed; `None` when a non-blank line is left of it.
fn unindent(lines: &str, indent: usize, strip: bool) -> Option<String> {
    let mut out = String::with_capacity(lines.len());
    for line in lines.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        match body.get(..indent) {
            Some(pad) if pad.bytes().all(|b| b == b' ') => out.push_str(&line[indent..]),
            _ if body.bytes().all(|b| b == b' ') => out.push('\n'),
            _ => return None,
        }
    }
    if strip && out.ends_with('\n') {
        out.pop();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_decides_what_is_edited_in_place() {
        assert_eq!(header(" |"), Ok(false));
        assert_eq!(header(" |-  # the config"), Ok(true));
        for refused in [
            " |+", " |2", " |-2", " >", " >-", " \"a\"", " 'a'", " !!str |", " &a |",
        ] {
            assert!(header(refused).is_err(), "{refused:?}");
        }
        assert!(header(" | x").is_err());
    }

    #[test]
    fn unindent_keeps_deeper_blanks_and_chomps() {
        let lines = "    a: |\n      x\n\n      \n        y\n    b: 1\n";
        assert_eq!(
            unindent(lines, 4, false).as_deref(),
            Some("a: |\n  x\n\n  \n    y\nb: 1\n")
        );
        assert_eq!(unindent("  a: 1\n", 2, true).as_deref(), Some("a: 1"));
        assert_eq!(unindent("  a: 1\n b: 2\n", 2, false), None);
    }
}
