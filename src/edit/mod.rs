//! Stage 3, edit: a route's changes as data.
//!
//! An `Edit` names the resource (its index in the stream), a path as segments,
//! an operation and the value it replaces. Builders (`collector`, `opencost`)
//! read a document and a `RouteSpec` and return edits through a `Draft`, which
//! leaves out every edit that would change nothing, so a second run yields
//! none. Every output reads the same list: `apply` changes the value tree,
//! `report` explains and diffs it, `export` turns it into JSON 6902 patches.
//! Nothing here knows YAML text, flags or output formats.

use serde_json::Value;
use std::fmt;

pub mod apply;
pub mod collector;
pub(crate) mod fanout;
pub mod identity;
pub mod opencost;

/// One step of a path: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path below a resource's root.
pub type Path = Vec<Seg>;

/// A path from keys.
pub fn path(keys: &[&str]) -> Path {
    keys.iter().map(|k| Seg::Key((*k).to_string())).collect()
}

/// `base` followed by `keys`.
pub fn join(base: &[Seg], keys: &[&str]) -> Path {
    let mut out = base.to_vec();
    out.extend(keys.iter().map(|k| Seg::Key((*k).to_string())));
    out
}

/// What an edit does at its path.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Set the value, creating missing (or null) parent mappings.
    Set(Value),
    /// Remove the key.
    Remove,
    /// In the list: replace the entry whose `key` equals `entry[key]` and drop
    /// later entries with that key (Kubernetes refuses two), or append `entry`;
    /// a missing list is created.
    Upsert { key: String, entry: Value },
    /// In the list: drop every entry whose `key` equals `id`.
    RemoveWhere { key: String, id: Value },
    /// Append to the list (created if missing) unless the item is there.
    Append(Value),
    /// Change nothing: the route's choice relied on the value at the path
    /// being `old` (`None`: absent). Exported as a JSON 6902 `test`.
    Expect,
}

/// One change the route makes to one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// The resource: its 0-based index in the stream.
    pub doc: usize,
    pub path: Path,
    pub op: Op,
    /// The value the edit replaces (for list operations, the entry), as read.
    pub old: Option<Value>,
}

impl Edit {
    /// The value after the edit, for reports.
    pub fn new_value(&self) -> Option<&Value> {
        match &self.op {
            Op::Set(v) | Op::Append(v) | Op::Upsert { entry: v, .. } => Some(v),
            Op::Remove | Op::RemoveWhere { .. } => None,
            Op::Expect => self.old.as_ref(),
        }
    }
}

/// For people: `spec.env[name=KOF_VM_USER]`, `service.extensions[+]`.
impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.path.iter().enumerate() {
            let dot = if i == 0 { "" } else { "." };
            match seg {
                // Keys come from the input (pipeline names): escape control characters.
                Seg::Key(k) => write!(f, "{dot}{}", crate::names::escape(k))?,
                Seg::Index(n) => write!(f, "{dot}{n}")?,
            }
        }
        match &self.op {
            Op::Upsert { key, entry } => write!(f, "[{key}={}]", label(entry.get(key))),
            Op::RemoveWhere { key, id } => write!(f, "[{key}={}]", label(Some(id))),
            Op::Append(_) => f.write_str("[+]"),
            _ => Ok(()),
        }
    }
}

fn label(v: Option<&Value>) -> std::borrow::Cow<'_, str> {
    crate::names::escape(v.and_then(Value::as_str).unwrap_or("?"))
}

/// The value at `path` in `v`.
pub fn get<'v>(v: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, seg| match (v, seg) {
        (Value::Object(m), Seg::Key(k)) => m.get(k),
        (Value::Array(a), Seg::Index(i)) => a.get(*i),
        _ => None,
    })
}

/// Collects the edits for one resource, judged against the document as read.
pub struct Draft<'a> {
    doc: usize,
    source: &'a Value,
    /// Prepended to every path: where `source` sits in the resource.
    base: Path,
    pub edits: Vec<Edit>,
}

impl<'a> Draft<'a> {
    /// Edits of resource `doc`, whose value at `base` is `source`.
    pub fn new(doc: usize, source: &'a Value, base: Path) -> Self {
        Draft {
            doc,
            source,
            base,
            edits: Vec::new(),
        }
    }

    pub fn get(&self, path: &[Seg]) -> Option<&'a Value> {
        get(self.source, path)
    }

    fn push(&mut self, path: &[Seg], op: Op, old: Option<Value>) {
        let mut full = self.base.clone();
        full.extend_from_slice(path);
        self.edits.push(Edit {
            doc: self.doc,
            path: full,
            op,
            old,
        });
    }

    /// Record that the route's choice relied on the value at `path`.
    pub fn expect(&mut self, path: &[Seg]) {
        self.push(path, Op::Expect, self.get(path).cloned());
    }

    /// Set `path` to `value` unless it already is.
    pub fn set(&mut self, path: &[Seg], value: Value) {
        let old = self.get(path);
        if old != Some(&value) {
            self.push(path, Op::Set(value), old.cloned());
        }
    }

    /// Remove `path` if present.
    pub fn remove(&mut self, path: &[Seg]) {
        if let Some(old) = self.get(path) {
            self.push(path, Op::Remove, Some(old.clone()));
        }
    }

    fn list(&self, path: &[Seg]) -> &'a [Value] {
        self.get(path)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Upsert `entry` by `key` into the list at `path`, unless it is there once already.
    pub fn upsert(&mut self, path: &[Seg], key: &str, entry: Value) {
        let id = entry.get(key);
        let mut hits = self.list(path).iter().filter(|e| e.get(key) == id);
        let first = hits.next();
        if first == Some(&entry) && hits.next().is_none() {
            return;
        }
        let old = first.cloned();
        let op = Op::Upsert {
            key: key.into(),
            entry,
        };
        self.push(path, op, old);
    }

    /// Drop the entries whose `key` is `id` from the list at `path`.
    pub fn remove_where(&mut self, path: &[Seg], key: &str, id: Value) {
        let old = self.list(path).iter().find(|e| e.get(key) == Some(&id));
        if let Some(old) = old.cloned() {
            let op = Op::RemoveWhere {
                key: key.into(),
                id,
            };
            self.push(path, op, Some(old));
        }
    }

    /// Append `item` to the list at `path` unless it is there.
    pub fn append(&mut self, path: &[Seg], item: Value) {
        if !self.list(path).contains(&item) {
            self.push(path, Op::Append(item), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Issue 14, item 13: a pipeline name from the input is shown escaped.
    #[test]
    fn paths_escape_control_characters() {
        let e = Edit {
            doc: 0,
            path: path(&["service", "pipelines", "logs\u{1b}[1A\nx"]),
            op: Op::Remove,
            old: None,
        };
        assert_eq!(e.to_string(), "service.pipelines.logs\\u{1b}[1A\\nx");
    }

    #[test]
    fn a_draft_leaves_out_edits_that_change_nothing() {
        let doc = json!({"a": 1, "env": [{"name": "A", "v": 1}], "ext": ["x"]});
        let mut d = Draft::new(7, &doc, path(&["spec"]));
        d.set(&path(&["a"]), json!(1));
        d.upsert(&path(&["env"]), "name", json!({"name": "A", "v": 1}));
        d.append(&path(&["ext"]), json!("x"));
        d.remove(&path(&["gone"]));
        d.remove_where(&path(&["env"]), "name", json!("B"));
        assert!(d.edits.is_empty());
        d.set(&path(&["a"]), json!(2));
        d.upsert(&path(&["env"]), "name", json!({"name": "A", "v": 2}));
        d.append(&path(&["ext"]), json!("y"));
        let shown: Vec<String> = d.edits.iter().map(|e| e.to_string()).collect();
        assert_eq!(shown, ["spec.a", "spec.env[name=A]", "spec.ext[+]"]);
        assert_eq!(d.edits[0].old, Some(json!(1)));
        assert_eq!(d.edits[1].old, Some(json!({"name": "A", "v": 1})));
        assert!(d.edits.iter().all(|e| e.doc == 7));
    }

    #[test]
    fn a_duplicated_entry_is_an_edit_even_when_equal() {
        let doc = json!({"env": [{"name": "A"}, {"name": "A"}]});
        let mut d = Draft::new(0, &doc, Vec::new());
        d.upsert(&path(&["env"]), "name", json!({"name": "A"}));
        assert_eq!(d.edits.len(), 1);
    }
}
