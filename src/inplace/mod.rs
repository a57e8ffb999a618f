//! The in-place writer: a patched document's new bytes made from its own
//! text, every byte outside the edited nodes kept (comments, quoting,
//! indentation, blank lines, key order).
//!
//! It is driven by the same lowered operations as the tree: each edit is
//! lowered (`edit::apply::lower`) against the value as it is at that moment,
//! the operations are made on the text, then on the value. An edited or
//! inserted node is laid out like its surroundings (`layout`). Where an
//! operation cannot be made safely on the text (`text` refuses what it does
//! not read), the document falls back to the tree write, with a `Reason`;
//! and the text is only used when it reads back as exactly the tree's value,
//! so the in-place result can never differ from the tree result.
//!
//! A config held as a string (v1alpha1 `spec.config: |`) is the one place
//! the two results differ in text: the tree (and `--reformat`) writes the
//! edited config anew with `yaml::emit`, the text keeps the string's own
//! lines with only the edited values changed (`config`). There the check
//! compares meaning: the edited string must read, as the operator reads it,
//! as the tree's edited config, and the document around it must read back
//! as exactly the tree's value with that string in place of the tree's.

mod config;
mod fallback;
mod flow;
mod index;
mod keys;
mod layout;
mod leaves;
mod memo;
mod ops;
mod seq;
mod text;
mod verify;

use crate::edit::{Edit, Seg, apply::lower};
use crate::read::Doc;
use anyhow::{Result, anyhow};
use index::{Index, Lines};
use json_patch::PatchOperation;
use ops::{Splice, add, remove, replace};
use serde_json::Value;

pub use fallback::{Fallback, Reason, count_fallback, fallbacks};

/// A document body being edited in place.
pub struct Text<'d> {
    /// The document's bytes (`doc.raw`).
    raw: &'d [u8],
    /// Where the body starts and ends in `doc.raw`.
    body: (usize, usize),
    text: String,
    /// The line index of `text`, kept up to date by `splice`.
    index: Index,
    /// The line index of the unedited body, for the read-back check.
    original: Index,
    /// The entries on the way to the last node located.
    memo: memo::Memo,
    /// The body had no final newline; one was added for editing.
    added_newline: bool,
    /// The body's lines end in CRLF; `text` holds them with LF.
    crlf: bool,
    failed: Option<Fallback>,
    /// The token path of every operation made, for the read-back check.
    touched: Vec<Vec<String>>,
    /// The fast reader read the original document (see `verify`).
    read_fast: bool,
    /// A config string edited in place (`config`): its path and new value,
    /// which the text holds instead of the tree's (same meaning, own text).
    swapped: Option<(Vec<Seg>, String)>,
}

impl<'d> Text<'d> {
    /// The body of `doc`, or why it cannot be edited in place.
    pub fn new(doc: &'d Doc<'d>) -> Result<Text<'d>, Reason> {
        let parts = doc.parts();
        let sep = parts.separator;
        let sep_line = sep[..sep.len().saturating_sub(1)]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(sep, |p| &sep[p + 1..]);
        let carried = sep_line
            .get(3..)
            .map(<[u8]>::trim_ascii)
            .unwrap_or_default();
        if !carried.is_empty() && !carried.starts_with(b"#") {
            return Err("content on the separator line");
        }
        let start = parts.separator.len() + parts.header.len();
        let end = start + parts.body.len();
        let body = std::str::from_utf8(parts.body).map_err(|_| "not UTF-8")?;
        if body.contains('\u{feff}') {
            return Err("byte-order mark inside the document");
        }
        // A CRLF document is edited with LF line ends and written back with
        // CRLF ones; a lone CR, or LF and CRLF mixed, cannot be restored.
        let crlf = body.contains('\r');
        let ends = |s: &str| body.matches(s).count();
        if crlf && (ends("\r") != ends("\r\n") || ends("\n") != ends("\r\n")) {
            return Err("mixed or lone carriage returns");
        }
        let mut text = String::with_capacity(body.len() + 512);
        match crlf {
            true => text.push_str(&body.replace("\r\n", "\n")),
            false => text.push_str(body),
        }
        Ok(Text::with(doc.raw, (start, end), text, crlf))
    }

    /// The text of a config string's lines (`config`), edited on its own.
    fn over(lines: &'d str) -> Text<'d> {
        Text::with(lines.as_bytes(), (0, lines.len()), lines.to_string(), false)
    }

    fn with(raw: &'d [u8], body: (usize, usize), mut text: String, crlf: bool) -> Text<'d> {
        let added_newline = !text.ends_with('\n');
        if added_newline {
            text.push('\n');
        }
        Text {
            raw,
            body,
            index: Index::new(&text),
            original: Index::default(),
            memo: memo::Memo::default(),
            text,
            added_newline,
            crlf,
            failed: None,
            touched: Vec::new(),
            read_fast: false,
            swapped: None,
        }
    }

    /// Tell the writer the fast reader read the original document, which
    /// lets `finish` check only what the edits reached (`verify`).
    pub fn read_fast(mut self, yes: bool) -> Self {
        // Only before any operation: the index is then the original's.
        self.read_fast = yes && self.touched.is_empty();
        if self.read_fast {
            self.original = self.index.clone();
        }
        self
    }

    /// Give up on the text: the document is written from its tree.
    pub fn fail(&mut self, reason: Reason) {
        self.failed.get_or_insert(reason.into());
    }

    /// Make `ops` (pointers relative to the node at `prefix`) on the text.
    fn ops(&mut self, prefix: &[Seg], ops: &[PatchOperation]) {
        for op in ops {
            if self.failed.is_some() {
                return;
            }
            if let Err(reason) = self.op(prefix, op) {
                let node = prefix
                    .iter()
                    .map(|s| match s {
                        Seg::Key(k) => k.clone(),
                        Seg::Index(i) => i.to_string(),
                    })
                    .chain(op.path().tokens().map(|t| t.decoded().into_owned()))
                    .collect::<Vec<_>>()
                    .join(".");
                self.failed.get_or_insert(Fallback {
                    reason,
                    node: Some(node),
                });
            }
        }
    }

    fn op(&mut self, prefix: &[Seg], op: &PatchOperation) -> Result<(), Reason> {
        let tokens = |path: &json_patch::jsonptr::Pointer| -> Vec<String> {
            prefix
                .iter()
                .map(|s| match s {
                    Seg::Key(k) => k.clone(),
                    Seg::Index(i) => i.to_string(),
                })
                .chain(path.tokens().map(|t| t.decoded().into_owned()))
                .collect()
        };
        match op {
            PatchOperation::Replace(r) => {
                let toks = tokens(&r.path);
                self.touched.push(toks.clone());
                let lines = Lines::new(&self.text, &self.index);
                let edit = replace(&lines, &toks, &r.value, &mut self.memo)?;
                self.splice(edit);
                Ok(())
            }
            PatchOperation::Add(a) => {
                let mut toks = tokens(&a.path);
                self.touched.push(toks.clone());
                let last = toks.pop().ok_or("add at the root")?;
                let lines = Lines::new(&self.text, &self.index);
                let edit = add(&lines, &toks, &last, &a.value, &mut self.memo)?;
                self.splice(edit);
                Ok(())
            }
            PatchOperation::Remove(r) => {
                let mut toks = tokens(&r.path);
                self.touched.push(toks.clone());
                let last = toks.pop().ok_or("remove at the root")?;
                let lines = Lines::new(&self.text, &self.index);
                let edit = remove(&lines, &toks, &last, &mut self.memo)?;
                self.splice(edit);
                Ok(())
            }
            _ => Err("an operation the writer does not make"),
        }
    }

    fn splice(&mut self, (range, new): Splice) {
        self.text.replace_range(range.clone(), &new);
        let (lo, hi, lines) = self.index.spliced(&self.text, range, new.len());
        self.memo.spliced(lo, hi, lines);
    }

    /// The edited body before the read-back check, or why the writer
    /// declined: for tests that hold the writer itself to the tree.
    #[doc(hidden)]
    pub fn unverified(&self) -> Result<&str, Reason> {
        match &self.failed {
            Some(f) => Err(f.reason),
            None => Ok(&self.text),
        }
    }

    /// The document's new bytes, when the text reads back as `value`.
    pub fn finish(self, value: &Value) -> Result<Vec<u8>, Reason> {
        self.finish_noting(value).map_err(|f| f.reason)
    }

    /// As `finish`, with the node the writer declined at.
    pub fn finish_noting(self, value: &Value) -> Result<Vec<u8>, Fallback> {
        if let Some(f) = self.failed {
            return Err(f);
        }
        let raw = self.raw;
        // `new` checked it is UTF-8.
        let original = std::str::from_utf8(&raw[self.body.0..self.body.1]).unwrap_or_default();
        let original = match (self.added_newline, self.crlf) {
            (false, false) => std::borrow::Cow::Borrowed(original),
            (added, _) => {
                let mut o = original.replace("\r\n", "\n");
                if added {
                    o.push('\n');
                }
                std::borrow::Cow::Owned(o)
            }
        };
        // The tree holds the edited config as `yaml::emit` wrote it, the text
        // as the config string's own lines (`config` proved both mean the
        // edited config): the rest of the document is held to the tree exactly.
        let swapped = self.swapped.as_ref().map(|(path, string)| {
            let mut v = value.clone();
            if let Some(slot) = get_mut(&mut v, path) {
                *slot = Value::String(string.clone());
            }
            v
        });
        let value = swapped.as_ref().unwrap_or(value);
        let proven = self.read_fast
            && verify::proven(
                (&original, &self.original),
                (&self.text, &self.index),
                value,
                &self.touched,
            );
        // Otherwise the whole text is read again. A duplicated key reads as
        // the last one, but stays in the text, where a strict reader
        // (kubectl's field validation) refuses it: the tree write keeps one.
        if !proven {
            match crate::yaml::parse_unique(&self.text) {
                Ok(v) if &v == value => {}
                Ok(_) => {
                    return Err("the edited text does not read back as the edited value".into());
                }
                Err(_) => return Err("a duplicated key".into()),
            }
        }
        let body = match self.added_newline {
            true => &self.text[..self.text.len() - 1],
            false => &self.text[..],
        };
        let body = match self.crlf {
            true => std::borrow::Cow::Owned(body.replace('\n', "\r\n")),
            false => std::borrow::Cow::Borrowed(body),
        };
        let mut out = Vec::with_capacity(raw.len() + body.len());
        out.extend_from_slice(&raw[..self.body.0]);
        out.extend_from_slice(body.as_bytes());
        out.extend_from_slice(&raw[self.body.1..]);
        Ok(out)
    }
}

/// Apply `edits` to the resource `doc` as `edit::apply::apply` does (same
/// lowering, same order, same errors), making each operation on `text` too
/// when there is one. A config held as a string (v1alpha1) is parsed,
/// edited, and written back in the tree as `yaml::emit` writes it; in the
/// text, its own lines are edited (`config`).
pub fn apply(
    doc: &mut Value,
    config: Option<&[Seg]>,
    edits: &[Edit],
    mut text: Option<&mut Text<'_>>,
) -> Result<()> {
    let (inside, outside): (Vec<&Edit>, Vec<&Edit>) = edits
        .iter()
        .partition(|e| config.is_some_and(|c| e.path.starts_with(c)));
    if let (Some(config), false) = (config, inside.is_empty()) {
        let slot = get_mut(doc, config)
            .ok_or_else(|| anyhow!("has no {}", crate::edit::apply::dotted(config)))?;
        match slot {
            Value::String(body) => {
                let mut parsed = crate::select::parse_config_text(body)?;
                config::edit(&mut parsed, body, config, &inside, text.as_deref_mut())?;
                *slot = Value::String(crate::yaml::emit(&parsed));
            }
            mapping => apply_to(mapping, &inside, config.len(), text.as_deref_mut(), config)?,
        }
    }
    apply_to(doc, &outside, 0, text, &[])
}

fn apply_to(
    v: &mut Value,
    edits: &[&Edit],
    skip: usize,
    mut text: Option<&mut Text<'_>>,
    prefix: &[Seg],
) -> Result<()> {
    for edit in edits {
        let ops = lower(v, &edit.path[skip..], &edit.op)?;
        if let Some(t) = text.as_deref_mut() {
            t.ops(prefix, &leaves::narrowed_all(v, &ops));
        }
        json_patch::patch(v, &ops).map_err(|e| anyhow!("json-patch: {e}"))?;
    }
    Ok(())
}

fn get_mut<'v>(v: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    path.iter().try_fold(v, |v, seg| match (v, seg) {
        (Value::Object(m), Seg::Key(k)) => m.get_mut(k),
        (Value::Array(a), Seg::Index(i)) => a.get_mut(*i),
        _ => None,
    })
}
