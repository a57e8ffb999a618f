//! Stage 3 support: the small edit vocabulary every route is expressed in.
//!
//! Each operation is idempotent (applying it to its own result changes nothing),
//! turns into RFC 6902 json-patch operations on the parsed document, and records
//! what it changed so `--explain` and `diff` can report it. It knows nothing of
//! collectors, routes or YAML.

use anyhow::{Result, bail};
use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation, RemoveOperation, ReplaceOperation};
use serde_json::{Map, Value};

/// One change made to a document, for reporting.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Dotted path below the edited value, e.g. `exporters.otlphttp/logs.logs_endpoint`.
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// Edits one JSON value tree in place and keeps a log of its changes.
pub struct Editor<'a> {
    doc: &'a mut Value,
    pub changes: Vec<Change>,
}

fn pointer(path: &[&str]) -> PointerBuf {
    PointerBuf::from_tokens(path.iter().copied())
}

/// `path` extended by one list index (or `-`, the end of the list).
fn element(path: &[&str], index: &str) -> PointerBuf {
    PointerBuf::from_tokens(path.iter().copied().chain([index]))
}

fn remove(path: &[&str], index: usize) -> PatchOperation {
    PatchOperation::Remove(RemoveOperation {
        path: element(path, &index.to_string()),
    })
}

fn append(path: &[&str], value: Value) -> PatchOperation {
    PatchOperation::Add(AddOperation {
        path: element(path, "-"),
        value,
    })
}

fn dotted(path: &[&str]) -> String {
    path.join(".")
}

impl<'a> Editor<'a> {
    pub fn new(doc: &'a mut Value) -> Self {
        Editor {
            doc,
            changes: Vec::new(),
        }
    }

    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&*self.doc, |v, key| match v {
            Value::Object(m) => m.get(*key),
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
    }

    fn apply(&mut self, ops: &[PatchOperation]) -> Result<()> {
        json_patch::patch(self.doc, ops).map_err(|e| anyhow::anyhow!("json-patch: {e}"))
    }

    /// How deep `path` already exists: the index of the first token to add,
    /// skipping through mappings and list indexes; a null counts as absent.
    fn first_missing(&self, path: &[&str]) -> Result<usize> {
        for depth in 0..path.len().saturating_sub(1) {
            let prefix = &path[..=depth];
            match self.get(prefix) {
                Some(Value::Object(_)) => {}
                Some(Value::Array(_)) if path[depth + 1].parse::<usize>().is_ok() => {}
                None | Some(Value::Null) => return Ok(depth),
                Some(other) => bail!(
                    "{} is a {}, expected a mapping",
                    dotted(prefix),
                    kind_of(other)
                ),
            }
        }
        Ok(path.len().saturating_sub(1))
    }

    /// Set `path` to `value`, creating missing parent mappings in the same
    /// operation. No change if equal.
    pub fn set(&mut self, path: &[&str], value: Value) -> Result<()> {
        if self.get(path) == Some(&value) {
            return Ok(());
        }
        let old = self.get(path).cloned();
        let depth = self.first_missing(path)?;
        let nested = path[depth + 1..]
            .iter()
            .rev()
            .fold(value.clone(), |inner, key| {
                Value::Object(Map::from_iter([(key.to_string(), inner)]))
            });
        let at = pointer(&path[..=depth]);
        let op = if self.get(&path[..=depth]).is_some() {
            PatchOperation::Replace(ReplaceOperation {
                path: at,
                value: nested,
            })
        } else {
            PatchOperation::Add(AddOperation {
                path: at,
                value: nested,
            })
        };
        self.apply(&[op])?;
        self.changes.push(Change {
            path: dotted(path),
            old,
            new: Some(value),
        });
        Ok(())
    }

    /// Remove `path` if it exists.
    pub fn remove(&mut self, path: &[&str]) -> Result<()> {
        let Some(old) = self.get(path).cloned() else {
            return Ok(());
        };
        self.apply(&[PatchOperation::Remove(RemoveOperation {
            path: pointer(path),
        })])?;
        self.changes.push(Change {
            path: dotted(path),
            old: Some(old),
            new: None,
        });
        Ok(())
    }

    /// The list at `path`: `None` when absent or null.
    fn list(&self, path: &[&str]) -> Result<Option<&Vec<Value>>> {
        match self.get(path) {
            Some(Value::Array(items)) => Ok(Some(items)),
            None | Some(Value::Null) => Ok(None),
            Some(other) => bail!("{} is a {}, expected a list", dotted(path), kind_of(other)),
        }
    }

    /// Patch the list at `path` element by element (or create it holding
    /// `first`), logging one element-level change (`label`, `old` -> `new`).
    fn edit_list(
        &mut self,
        path: &[&str],
        ops: Vec<PatchOperation>,
        first: Option<Value>,
        (label, old, new): (String, Option<Value>, Option<Value>),
    ) -> Result<()> {
        let logged = self.changes.len();
        match first {
            // `set` creates missing parents; its whole-list log entry is replaced.
            Some(item) => self.set(path, Value::Array(vec![item]))?,
            None if ops.is_empty() => return Ok(()),
            None => self.apply(&ops)?,
        }
        self.changes.truncate(logged);
        self.changes.push(Change {
            path: format!("{}{label}", dotted(path)),
            old,
            new,
        });
        Ok(())
    }

    /// In the list at `path`, replace the entry whose `key` field equals
    /// `entry[key]`, or append `entry`. Later duplicates of that key are dropped,
    /// since Kubernetes server-side apply rejects two entries with one name.
    pub fn upsert_by(&mut self, path: &[&str], key: &str, entry: Value) -> Result<()> {
        let id = entry.get(key);
        let label = format!("[{key}={}]", id.and_then(Value::as_str).unwrap_or("?"));
        let Some(items) = self.list(path)? else {
            let log = (label, None, Some(entry.clone()));
            return self.edit_list(path, Vec::new(), Some(entry), log);
        };
        let hits: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].get(key) == id)
            .collect();
        let old = hits.first().map(|&i| items[i].clone());
        let mut ops: Vec<PatchOperation> = hits
            .iter()
            .skip(1)
            .rev()
            .map(|&i| remove(path, i))
            .collect();
        match hits.first() {
            Some(_) if old.as_ref() == Some(&entry) => {}
            Some(&i) => ops.push(PatchOperation::Replace(ReplaceOperation {
                path: element(path, &i.to_string()),
                value: entry.clone(),
            })),
            None => ops.push(append(path, entry.clone())),
        }
        self.edit_list(path, ops, None, (label, old, Some(entry)))
    }

    /// Drop every entry of the list at `path` whose `key` field equals `id`.
    pub fn remove_by(&mut self, path: &[&str], key: &str, id: &Value) -> Result<()> {
        let Some(Value::Array(items)) = self.get(path) else {
            return Ok(());
        };
        let hits: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].get(key) == Some(id))
            .collect();
        let old = hits.first().map(|&i| items[i].clone());
        let ops = hits.iter().rev().map(|&i| remove(path, i)).collect();
        let label = format!("[{key}={}]", id.as_str().unwrap_or("?"));
        self.edit_list(path, ops, None, (label, old, None))
    }

    /// Append `item` to the list at `path` unless it is already there.
    pub fn append_unique(&mut self, path: &[&str], item: Value) -> Result<()> {
        let log = ("[+]".to_string(), None, Some(item.clone()));
        match self.list(path)? {
            Some(items) if items.contains(&item) => Ok(()),
            Some(_) => self.edit_list(path, vec![append(path, item)], None, log),
            None => self.edit_list(path, Vec::new(), Some(item), log),
        }
    }

    /// Set each key of `entries` in the mapping at `path`; other keys stay.
    pub fn merge(&mut self, path: &[&str], entries: &Map<String, Value>) -> Result<()> {
        for (k, v) in entries {
            let mut full = path.to_vec();
            full.push(k);
            self.set(&full, v.clone())?;
        }
        Ok(())
    }
}

/// A word for a value's type, for messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(name: &str, secret: &str) -> Value {
        json!({"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": "username"}}})
    }

    #[test]
    fn set_creates_parents_and_escapes_slashes() {
        let mut doc = json!({"exporters": {"debug": {}}});
        let mut ed = Editor::new(&mut doc);
        ed.set(
            &["exporters", "otlphttp/logs", "logs_endpoint"],
            json!("https://x"),
        )
        .unwrap();
        assert_eq!(ed.changes.len(), 1);
        assert_eq!(
            doc,
            json!({"exporters": {"debug": {}, "otlphttp/logs": {"logs_endpoint": "https://x"}}})
        );
    }

    #[test]
    fn set_over_null_parent_and_same_value_is_no_change() {
        let mut doc = json!({"service": null, "a": 1});
        let mut ed = Editor::new(&mut doc);
        ed.set(&["a"], json!(1)).unwrap();
        assert!(ed.changes.is_empty());
        ed.set(&["service", "extensions"], json!([])).unwrap();
        assert_eq!(doc, json!({"service": {"extensions": []}, "a": 1}));
    }

    #[test]
    fn set_refuses_a_scalar_parent() {
        let mut doc = json!({"spec": "text"});
        let err = Editor::new(&mut doc)
            .set(&["spec", "env"], json!([]))
            .unwrap_err();
        assert_eq!(err.to_string(), "spec is a string, expected a mapping");
    }

    #[test]
    fn upsert_by_name_table() {
        let cases = [
            // (existing list, entry, expected list)
            (json!(null), env("A", "s"), json!([env("A", "s")])),
            (
                json!([{"name": "PKI_PATH", "value": "x"}]),
                env("A", "s"),
                json!([{"name": "PKI_PATH", "value": "x"}, env("A", "s")]),
            ),
            (
                json!([env("A", "other"), {"name": "B", "value": "1"}]),
                env("A", "s"),
                json!([env("A", "s"), {"name": "B", "value": "1"}]),
            ),
            (
                json!([env("A", "x"), env("A", "y")]),
                env("A", "s"),
                json!([env("A", "s")]),
            ),
        ];
        for (before, entry, want) in cases {
            let mut doc = json!({ "env": before });
            let mut ed = Editor::new(&mut doc);
            ed.upsert_by(&["env"], "name", entry.clone()).unwrap();
            ed.upsert_by(&["env"], "name", entry).unwrap();
            assert_eq!(doc["env"], want);
        }
    }

    #[test]
    fn append_unique_keeps_existing_entries() {
        let mut doc = json!({"extensions": ["file_storage/exporters", "basicauth/metrics"]});
        let mut ed = Editor::new(&mut doc);
        ed.append_unique(&["extensions"], json!("basicauth/metrics"))
            .unwrap();
        assert!(ed.changes.is_empty());
        ed.append_unique(&["extensions"], json!("basicauth/logs"))
            .unwrap();
        assert_eq!(
            doc["extensions"],
            json!([
                "file_storage/exporters",
                "basicauth/metrics",
                "basicauth/logs"
            ])
        );
    }

    #[test]
    fn merge_and_remove() {
        let mut doc = json!({"labels": {"team": "a", "cluster": "old"}, "gone": 1});
        let mut ed = Editor::new(&mut doc);
        let m = json!({"cluster": "new", "clusterNamespace": "ns"});
        ed.merge(&["labels"], m.as_object().unwrap()).unwrap();
        ed.remove(&["gone"]).unwrap();
        ed.remove(&["never"]).unwrap();
        assert_eq!(ed.changes.len(), 3);
        assert_eq!(
            doc,
            json!({"labels": {"team": "a", "cluster": "new", "clusterNamespace": "ns"}})
        );
    }
}
