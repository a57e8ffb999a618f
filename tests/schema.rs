//! The shipped JSON Schema of the config file agrees with the real config parser
//! and with the flag definitions it mirrors.

mod support;

use clap::CommandFactory;
use kof_route::cli::Cli;
use kof_route::cli::config::{self, Refused};
use serde_json::Value;
use std::collections::BTreeSet;

/// The real command line with `text` as its config file: what the parser
/// makes of it, or its refusal as text.
fn parse_typed(text: &str) -> Result<Cli, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kof-route.yaml");
    std::fs::write(&path, text).unwrap();
    let argv = ["kof-route".into(), "--config".into(), path.into_os_string()];
    config::parse(argv.to_vec()).map_err(|e| match e {
        Refused::Usage(u) => u.0,
        Refused::Clap(c) => c.to_string(),
    })
}

fn schema() -> Value {
    let bytes = support::fixture("schema/kof-route.config.schema.json");
    serde_json::from_slice(&bytes).expect("the schema is JSON")
}

fn properties() -> serde_json::Map<String, Value> {
    schema()["properties"].as_object().unwrap().clone()
}

/// Flags that are settings (not output switches or the config path itself).
fn setting_flags() -> BTreeSet<String> {
    Cli::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .filter(|l| {
            ![
                "config",
                "explain",
                "keep-format",
                "reformat",
                "help",
                "version",
            ]
            .contains(&l.as_str())
        })
        .collect()
}

#[test]
fn schema_keys_are_exactly_the_setting_flags() {
    let keys: BTreeSet<String> = properties().keys().cloned().collect();
    assert_eq!(keys, setting_flags());
    assert_eq!(schema()["additionalProperties"], Value::Bool(false));
}

#[test]
fn route_enum_matches_the_registry() {
    let names: Vec<&str> = kof_route::routes::REGISTRY.iter().map(|r| r.name).collect();
    let schema_values: Vec<String> = properties()["route"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, schema_values);
}

#[test]
fn route_enum_matches_the_flag() {
    let cmd = Cli::command();
    let route = cmd
        .get_arguments()
        .find(|a| a.get_long() == Some("route"))
        .unwrap();
    let values: Vec<String> = route
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect();
    let schema_values: Vec<String> = properties()["route"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(values, schema_values);
}

#[test]
fn every_schema_example_is_accepted_by_the_parser() {
    for (key, prop) in properties() {
        let example = &prop["examples"][0];
        assert!(!example.is_null(), "{key} has no example");
        let yaml = format!("{key}: {example}\n");
        parse_typed(&yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
        if prop["type"] == "boolean" {
            let wrong = format!("{key}: [1]\n");
            assert!(parse_typed(&wrong).is_err(), "{wrong} accepted");
        }
    }
}

#[test]
fn keys_outside_the_schema_are_rejected_by_name() {
    let err = parse_typed("route: regional\nregional-domian: x\n").unwrap_err();
    assert!(err.contains("unknown key `regional-domian`"), "{err}");
    assert!(
        parse_typed("explain: true\n").is_err(),
        "explain is not a setting"
    );
    assert!(
        parse_typed("config: other.yaml\n").is_err(),
        "config cannot nest"
    );
}

#[test]
fn kof_layout_accepts_the_number_the_schema_allows() {
    for text in [
        "kof-layout: 0.3",
        "kof-layout: \"0.3\"",
        "kof-layout: 1",
        "kof-layout: '1'",
    ] {
        parse_typed(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    assert!(parse_typed("kof-layout: 0.4").is_err());
}
