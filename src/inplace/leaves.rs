//! The in-place writer's leaf operations (write stage): a `replace` of a
//! mapping or list by one that shares most of it (a route setting one field
//! of an `env` item writes the whole item) becomes the operations on the
//! values that differ, so only their lines change and the item's comments,
//! key order and indentation stay. It only rewrites operations; the tree
//! still takes the original ones, and `finish` checks the text reads as it.

use json_patch::jsonptr::{PointerBuf, Token};
use json_patch::{AddOperation, PatchOperation, RemoveOperation, ReplaceOperation};
use serde_json::{Map, Value};

/// `ops` made in turn on `v`, each narrowed to its leaves against the value
/// it is made on (a copy of `v` follows them when there are several; where
/// one fails, the tree's patch fails too and the run with it).
pub(super) fn narrowed_all(v: &Value, ops: &[PatchOperation]) -> Vec<PatchOperation> {
    let [rest @ .., last] = ops else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut scratch = (!rest.is_empty()).then(|| v.clone());
    for op in rest {
        let Some(s) = scratch.as_mut() else { break };
        out.extend(narrowed(s, op));
        if json_patch::patch(s, std::slice::from_ref(op)).is_err() {
            return ops.to_vec();
        }
    }
    out.extend(narrowed(scratch.as_ref().unwrap_or(v), last));
    out
}

/// `op` as made against `v` (the value before it), narrowed to the leaves it
/// changes; an operation that is not such a replace is kept as it is.
fn narrowed(v: &Value, op: &PatchOperation) -> Vec<PatchOperation> {
    let PatchOperation::Replace(r) = op else {
        return vec![op.clone()];
    };
    match r.path.resolve(v) {
        Ok(old) => {
            let mut out = Vec::new();
            replace(&r.path, old, &r.value, &mut out);
            out
        }
        Err(_) => vec![op.clone()],
    }
}

fn replace(path: &PointerBuf, old: &Value, new: &Value, out: &mut Vec<PatchOperation>) {
    match (old, new) {
        _ if old == new => {}
        (Value::Object(o), Value::Object(n)) if !o.is_empty() && !n.is_empty() => {
            mapping(path, o, n, out)
        }
        (Value::Array(o), Value::Array(n)) if !o.is_empty() && !n.is_empty() => {
            // Items by position: the shared ones narrowed, then the new ones
            // appended or the old ones removed from the end.
            let at = |i: usize| path.with_trailing_token(Token::from(i));
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                replace(&at(i), a, b, out);
            }
            for (i, b) in n.iter().enumerate().skip(o.len()) {
                out.push(PatchOperation::Add(AddOperation {
                    path: at(i),
                    value: b.clone(),
                }));
            }
            for i in (n.len()..o.len()).rev() {
                out.push(PatchOperation::Remove(RemoveOperation { path: at(i) }));
            }
        }
        _ => out.push(PatchOperation::Replace(ReplaceOperation {
            path: path.clone(),
            value: new.clone(),
        })),
    }
}

/// Changed keys first, in the old order, then removed ones, then added ones
/// (the text appends them after its last entry).
fn mapping(
    path: &PointerBuf,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Vec<PatchOperation>,
) {
    let at = |k: &str| path.with_trailing_token(Token::new(k.to_string()));
    for (k, o) in old {
        match new.get(k) {
            Some(n) => replace(&at(k), o, n, out),
            None => out.push(PatchOperation::Remove(RemoveOperation { path: at(k) })),
        }
    }
    for (k, n) in new.iter().filter(|(k, _)| !old.contains_key(*k)) {
        out.push(PatchOperation::Add(AddOperation {
            path: at(k),
            value: n.clone(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ops(old: Value, new: Value) -> Vec<String> {
        let op = PatchOperation::Replace(ReplaceOperation {
            path: PointerBuf::parse("/env/0").unwrap(),
            value: new,
        });
        narrowed(&json!({"env": [old]}), &op)
            .iter()
            .map(|o| serde_json::to_string(o).unwrap())
            .collect()
    }

    #[test]
    fn a_changed_field_of_a_list_item_is_the_only_operation() {
        let old = json!({"name": "U", "valueFrom": {"secretKeyRef": {"key": "k", "name": "a"}}});
        let new = json!({"name": "U", "valueFrom": {"secretKeyRef": {"name": "b", "key": "k"}}});
        assert_eq!(
            ops(old, new),
            [r#"{"op":"replace","path":"/env/0/valueFrom/secretKeyRef/name","value":"b"}"#]
        );
    }

    #[test]
    fn keys_come_and_go_and_shapes_change_whole() {
        let got = ops(json!({"a": 1, "b/c": 2}), json!({"a": [1], "d": 3}));
        assert_eq!(
            got,
            [
                r#"{"op":"replace","path":"/env/0/a","value":[1]}"#,
                r#"{"op":"remove","path":"/env/0/b~1c"}"#,
                r#"{"op":"add","path":"/env/0/d","value":3}"#,
            ]
        );
        assert!(ops(json!({"a": 1}), json!({"a": 1})).is_empty());
        let got = ops(json!({"l": [1, 2, 3]}), json!({"l": [1, 5]}));
        assert_eq!(
            got,
            [
                r#"{"op":"replace","path":"/env/0/l/1","value":5}"#,
                r#"{"op":"remove","path":"/env/0/l/2"}"#,
            ]
        );
        let got = ops(json!({"l": [1]}), json!({"l": [1, 2]}));
        assert_eq!(got, [r#"{"op":"add","path":"/env/0/l/1","value":2}"#]);
    }
}
