//! The full reader (read stage): a document's parse events, from
//! granit-parser (the YAML parser inside serde-saphyr), built into a value the
//! way Kubernetes builds it with go-yaml v2 and sigs.k8s.io/yaml: plain
//! scalars by `scalar.rs`, keys turned into JSON text, `<<` merges applied
//! where they stand (a later key, merged or written, wins), the last of two
//! equal keys kept. It reads what the fast reader declines and must give the
//! same value wherever both read a document. It must not echo input in an
//! error (a value may be a secret) and bounds nesting and alias expansion.

use super::scalar::{self, Scalar, Schema};
use super::{MAX_DEPTH, SyntaxError};
use goyaml::GoYaml;
use respell::Edit;
use serde_json::{Map, Value};
use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle, Span, StrInput, Tag};
use std::collections::HashMap;
use tags::{tagged, yaml11_breaks};

mod goyaml;
mod respell;
mod tabs;
mod tags;

/// Aliases may copy at most this many nodes into a document: about 1,000
/// times a real manifest's use of them; an alias bomb stops here.
const MAX_REPLAYED: usize = 100_000;

pub(crate) const NON_FINITE: &str = "a non-finite float";

/// One document's value; `unique` refuses a key written twice in a mapping
/// (go-yaml v3, the config string's reader, always does).
pub(crate) fn parse(text: &str, schema: Schema, unique: bool) -> Result<Value, SyntaxError> {
    let unique = unique || schema == Schema::Core;
    let text = yaml11_breaks(text)?;
    // The text is only rewritten where it held a NEL: say so in an error.
    let had_nel = matches!(text, std::borrow::Cow::Owned(_));
    respell::read(text, |t| build(t, schema, unique)).map_err(|mut e| {
        if had_nel {
            e.message
                .push_str(" (a raw NEL, U+0085, is a line break, as in Kubernetes)");
        }
        e
    })
}

/// The document's value, or the error and the respelling that reads it as
/// go-yaml does, if one is known.
fn build(text: &str, schema: Schema, unique: bool) -> Result<Value, (SyntaxError, Option<Edit>)> {
    let mut options = Options::default();
    options.emit_comments = false;
    // Anchor names are checked against go-yaml's (`goyaml::anchor`).
    options.emit_anchor_events = true;
    let mut b = Builder {
        // Kubernetes' spellings the parser reads otherwise are respelled.
        go_yaml: GoYaml::new(text, schema == Schema::Kubernetes),
        events: Parser::new_from_str_with_options(text, options),
        anchors: HashMap::new(),
        replayed: 0,
        schema,
        unique,
    };
    read(&mut b).map_err(|e| (e, b.go_yaml.take_edit()))
}

fn read(b: &mut Builder) -> Result<Value, SyntaxError> {
    let mut value = Value::Null;
    let mut documents = 0;
    loop {
        let (event, span) = b.next()?;
        match event {
            Event::StreamEnd => return b.go_yaml.finish().map(|()| value),
            Event::DocumentStart(..) if documents > 0 => {
                return Err(at(&span, "more than one document where one was expected"));
            }
            Event::DocumentStart(..) => {
                documents += 1;
                let (event, span) = b.next()?;
                value = b.node(event, &span, 0)?;
            }
            _ => {}
        }
    }
}

fn at(span: &Span, message: &str) -> SyntaxError {
    SyntaxError {
        line: span.start.line(),
        column: span.start.col() + 1,
        message: message.to_string(),
    }
}

struct Builder<'a> {
    go_yaml: GoYaml<'a>,
    events: Parser<'a, StrInput<'a>>,
    /// Anchored values by the parser's anchor id, with their node counts.
    anchors: HashMap<usize, (Value, usize)>,
    replayed: usize,
    schema: Schema,
    unique: bool,
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), SyntaxError> {
        match self.events.next() {
            Some(Ok((Event::Anchor(_, name), span))) => match goyaml::anchor(&name) {
                Ok(()) => self.next(),
                Err(message) => Err(at(&span, message)),
            },
            Some(Ok((event, span))) => match self.go_yaml.check(&event, &span) {
                Ok(()) => Ok((event, span)),
                Err(message) => Err(at(&span, message)),
            },
            Some(Err(e)) => {
                let hint = self.go_yaml.scan_error(&e);
                Err(SyntaxError {
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                    message: super::scrub_quoted(&e.info(), &['`', '"']) + hint,
                })
            }
            None => Err(SyntaxError {
                line: 1,
                column: 1,
                message: "the YAML stream ended early".into(),
            }),
        }
    }

    /// The node that `event` starts, anchored if it carries an anchor.
    fn node(&mut self, event: Event<'a>, span: &Span, depth: usize) -> Result<Value, SyntaxError> {
        let anchor = event.anchor_id();
        let value = match event {
            Event::Scalar(text, style, _, tag) => {
                self.scalar(&text, style, tag.as_deref(), span)?
            }
            Event::Alias(id) => self.alias(id, span)?,
            Event::SequenceStart(..) | Event::MappingStart(..) if depth >= MAX_DEPTH => {
                return Err(at(span, "nesting deeper than 128 levels"));
            }
            Event::SequenceStart(..) => {
                let mut items = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break Value::Array(items);
                    }
                    items.push(self.node(event, &span, depth + 1)?);
                }
            }
            Event::MappingStart(..) => self.mapping(depth + 1)?,
            _ => {
                return Err(at(
                    span,
                    "an unexpected YAML event where a value was expected",
                ));
            }
        };
        if let Some(id) = anchor {
            self.anchors.insert(id, (value.clone(), size(&value)));
        }
        Ok(value)
    }

    fn alias(&mut self, id: usize, span: &Span) -> Result<Value, SyntaxError> {
        // An alias inside its own anchored node finds no finished value.
        let Some((value, n)) = self.anchors.get(&id) else {
            return Err(at(span, "an alias to a node that contains it"));
        };
        self.replayed += n;
        if self.replayed > MAX_REPLAYED {
            return Err(at(
                span,
                "aliases expand to too many nodes (an alias bomb?)",
            ));
        }
        Ok(value.clone())
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: &Span,
    ) -> Result<Value, SyntaxError> {
        if let Some(decoded) = tag.and_then(|t| tags::binary(text, t, self.schema)) {
            return decoded.map(Value::String).map_err(|m| at(span, m));
        }
        let resolved = match (tag, style) {
            (None, ScalarStyle::Plain) => scalar::resolve_as(text, self.schema),
            (None, _) => Scalar::Str,
            (Some(tag), _) => tagged(text, tag, self.schema).map_err(|m| at(span, m))?,
        };
        scalar::value(resolved, text).ok_or_else(|| {
            let message =
                format!("{NON_FINITE} (.inf or .nan), which Kubernetes cannot represent either");
            at(span, &message)
        })
    }

    fn mapping(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        let mut m = Map::new();
        let mut written = std::collections::HashSet::new();
        // go-yaml v3 (the config string) merges once, after the mapping.
        let mut merge_last = Vec::new();
        loop {
            let (event, span) = self.next()?;
            let key = match event {
                Event::MappingEnd => {
                    for source in merge_last {
                        for (k, v) in source {
                            m.entry(k).or_insert(v);
                        }
                    }
                    return Ok(Value::Object(m));
                }
                Event::Scalar(ref text, ScalarStyle::Plain, _, None) if text == "<<" => {
                    let (event, span) = self.next()?;
                    let sources = self.merge_sources(event, &span, depth)?;
                    match self.schema {
                        Schema::Kubernetes => {
                            sources.into_iter().rev().flatten().for_each(|(k, v)| {
                                m.insert(k, v);
                            })
                        }
                        Schema::Core => merge_last = sources,
                    }
                    continue;
                }
                Event::Scalar(ref text, ScalarStyle::Plain, id, None) => {
                    let r = scalar::resolve_as(text, self.schema);
                    if id != 0 {
                        let v = scalar::value(r, text).unwrap_or(Value::Null);
                        self.anchors.insert(id, (v, 1));
                    }
                    match self.schema {
                        Schema::Kubernetes => {
                            scalar::key_text(r, text).map_err(|e| at(&span, e))?
                        }
                        Schema::Core => text.to_string(),
                    }
                }
                event => {
                    let v = self.node(event, &span, depth)?;
                    scalar::key_of_value(&v).map_err(|e| at(&span, e))?
                }
            };
            if self.unique && !written.insert(key.clone()) {
                return Err(at(&span, "a key given twice in one mapping"));
            }
            let (event, span) = self.next()?;
            let value = self.node(event, &span, depth)?;
            m.insert(key, value);
        }
    }

    /// The mappings a `<<` merges, in order. go-yaml v2 writes them into the
    /// mapping where the `<<` stands, the last first (so the first wins), over
    /// any key already there, and a later key overrides them in turn; go-yaml
    /// v3 (the config string) only fills keys the mapping does not write, the
    /// first mapping winning, and only for the last `<<`.
    fn merge_sources(
        &mut self,
        event: Event<'a>,
        span: &Span,
        depth: usize,
    ) -> Result<Vec<Map<String, Value>>, SyntaxError> {
        const WANT: &str = "a merge key (<<) whose value is not a mapping or a list of mappings";
        let sources = match event {
            Event::SequenceStart(..) => match self.node(event, span, depth)? {
                Value::Array(items) => items,
                _ => Vec::new(),
            },
            Event::MappingStart(..) | Event::Alias(_) => vec![self.node(event, span, depth)?],
            _ => return Err(at(span, WANT)),
        };
        sources
            .into_iter()
            .map(|source| match source {
                Value::Object(m) => Ok(m),
                _ => Err(at(span, WANT)),
            })
            .collect()
    }
}

/// Nodes in a value, counted for the alias budget.
fn size(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(size).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(size).sum::<usize>(),
        _ => 1,
    }
}
