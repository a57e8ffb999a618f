//! The full reader's scalar text rules (read stage, for `tree.rs`): what
//! go-yaml reads differently from the YAML 1.2 parser before any structure is
//! built (NEL, LS and PS are line breaks to it) and what an explicit tag does
//! to a scalar. It must not guess: what it cannot match it refuses.

use crate::yaml::SyntaxError;
use crate::yaml::scalar::{self, Scalar, Schema};
use serde_saphyr::granit_parser::Tag;

/// go-yaml (v2 and v3, like libyaml) takes NEL, LS and PS for line breaks,
/// as YAML 1.1 does; the parser here, YAML 1.2, takes them for text. A NEL
/// is a newline to go-yaml, wherever it stands (it reads it as `\n`): it is
/// one here too. An LS or PS is a break that stays in a folded scalar's text;
/// rather than guess that folding, the document is refused.
pub(super) fn yaml11_breaks(text: &str) -> Result<std::borrow::Cow<'_, str>, SyntaxError> {
    if text.is_ascii() {
        return Ok(text.into());
    }
    if let Some(at) = text.find(['\u{2028}', '\u{2029}']) {
        let line = text[..at].matches('\n').count() + 1;
        let column = text[..at]
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count())
            + 1;
        return Err(SyntaxError {
            line,
            column,
            message: "a raw line or paragraph separator (U+2028, U+2029), which Kubernetes \
                reads as a line break: write it escaped in a double-quoted string"
                .into(),
        });
    }
    Ok(match text.contains('\u{85}') {
        true => text.replace('\u{85}', "\n").into(),
        false => text.into(),
    })
}

/// A scalar with an explicit tag, as go-yaml v2 reads it: `!!str` and local
/// tags (`!foo`) keep the text; `!!int`, `!!float`, `!!bool`, `!!null` must
/// resolve to their type (an integer is a float's too). Other YAML tags
/// (`!!binary`, `!!timestamp`, ...) are refused rather than guessed.
pub(super) fn tagged(text: &str, tag: &Tag, schema: Schema) -> Result<Scalar, &'static str> {
    let Some(name) = tag.suffix_in_namespace("tag:yaml.org,2002:") else {
        return Ok(Scalar::Str);
    };
    let r = scalar::resolve_as(text, schema);
    let fits = match (&*name, r) {
        ("str", _) => return Ok(Scalar::Str),
        ("int", Scalar::Int(_) | Scalar::Uint(_))
        | ("float", Scalar::Float(_))
        | ("bool", Scalar::Bool(_))
        | ("null", Scalar::Null) => r,
        ("float", Scalar::Int(i)) => Scalar::Float(i as f64),
        ("int" | "float" | "bool" | "null", _) => {
            return Err(
                "a scalar that its tag's type (!!int, !!float, !!bool, !!null) cannot hold",
            );
        }
        _ => {
            return Err(
                "a YAML tag kof-route does not read (only !!str, !!int, !!float, !!bool, !!null)",
            );
        }
    };
    Ok(fits)
}
