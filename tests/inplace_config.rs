//! Issue 25 item 3: a v1alpha1 collector's config, a YAML string
//! (`spec.config: |`), is edited inside the string's own lines, which go back
//! into the document as the same literal block; other styles fall back to
//! the tree write, said.
//!
//! Over fixtures/variants/v1alpha1-commented.yaml (comments, blank lines and
//! a tab inside and beside the four config strings, one of them `|-`) and
//! every registered route:
//!
//! - no document falls back to the tree write;
//! - every input line outside the edited values survives byte for byte,
//!   inside the config strings too (the line check of tests/inplace.rs, run
//!   over the strings' lines as the nested mappings they hold);
//! - kubectl's reading of the output equals the route's own operations
//!   applied to kubectl's reading of the input, config strings compared by
//!   the config they hold (the tree writes `yaml::emit` of it, the in-place
//!   writer keeps the string's own text).

mod support;

use kof_route::document::Outputs;
use kof_route::{read, render_with, select, yaml};
use serde_json::Value;
use std::path::Path;
use support::kube;
use support::lines::check_lines;
use support::{every_route, fixture, plan};

const COMMENTED: &str = "fixtures/variants/v1alpha1-commented.yaml";

/// A literal block header of a collector's config string, made a plain key:
/// the string's lines then read, for the line check, as the mapping they hold.
fn opened(text: &[u8]) -> Vec<u8> {
    let header = regex::Regex::new(r"(?m)^  config: \|-?").unwrap();
    header
        .replace_all(&support::text(text), "  config:")
        .into_owned()
        .into_bytes()
}

/// `docs` with each collector's config string replaced by the config it
/// holds, read as the operator reads it.
fn configs_parsed(mut docs: Vec<Value>) -> Vec<Value> {
    for d in &mut docs {
        if let Some(slot) = d.pointer_mut("/spec/config")
            && let Value::String(s) = slot
        {
            *slot = select::parse_config_text(s).expect("a config string parses");
        }
    }
    docs
}

/// One route over `input`: written in place, only the edited lines
/// changed, read by kubectl as the route applied to its reading of the input.
fn check(name: &str, args: &[String], input: &[u8], dir: &Path) -> Result<(), String> {
    let out = render_with(&plan(args), input, Outputs::INPLACE).map_err(|e| format!("{e:#}"))?;
    if !out.fallbacks.is_empty() {
        return Err(format!("{name}: fell back: {:?}", out.fallbacks));
    }
    if out.patched.is_empty() {
        return Err(format!("{name}: nothing patched"));
    }
    let split = read::split(input);
    for p in &out.patched {
        let before = opened(split.docs[p.index].raw);
        let problems = check_lines(p.index, &before, &opened(&p.after), &out.edits);
        if !problems.is_empty() {
            return Err(format!(
                "{name}: doc #{}:\n{}",
                p.index + 1,
                problems.join("\n")
            ));
        }
    }
    let got = configs_parsed(kube::as_kubernetes_reads(dir, &out.output()));
    let want = configs_parsed(kube::routed_reading(
        args,
        input,
        kube::as_kubernetes_reads(dir, input),
    )?);
    if got != want {
        let diff = want.iter().zip(&got).find(|(w, g)| w != g);
        return Err(format!("{name}: kubectl reads otherwise: {diff:?}"));
    }
    Ok(())
}

#[test]
fn commented_config_strings_are_edited_in_place_on_every_route() {
    let input = fixture(COMMENTED);
    let text = support::text(&input);
    // The fixture holds what it says: comments inside and beside the strings.
    for line in [
        "  config: |   # read by the operator with go-yaml v3\n",
        "    # exporters: where the telemetry goes\n",
        "  config: |-\n",
        "    # processors:\t(a tab in a comment)\n",
        "    # the end of the config\n",
    ] {
        assert!(text.contains(line), "{line:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut routes = every_route();
    let mut ca = support::route_flags("regional");
    ca.push("--ca-secret=regional-ca".into());
    routes.push(("regional --ca-secret", ca));
    let failures: Vec<String> = routes
        .iter()
        .filter_map(|(name, args)| {
            check(name, args, &input, dir.path())
                .err()
                .map(|e| format!("{name}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(routes.len() >= 6, "{} routes", routes.len());
}

/// The line check has teeth inside a config string: the tree write, which
/// re-emits the string, fails it.
#[test]
fn the_line_check_catches_a_rewritten_config_string() {
    let input = fixture(COMMENTED);
    let plan = plan(&support::route_flags("regional"));
    let tree = render_with(&plan, &input, Outputs::TREE).unwrap();
    let split = read::split(&input);
    let lost: Vec<String> = tree
        .patched
        .iter()
        .flat_map(|p| {
            let before = opened(split.docs[p.index].raw);
            check_lines(p.index, &before, &opened(&p.after), &tree.edits)
        })
        .collect();
    assert!(
        lost.iter().any(|l| l.contains("# a deep comment")),
        "{lost:#?}"
    );
}

/// A small v1alpha1 collector whose config string has the header `header`
/// and the lines `body` (indented by 4), followed by `after`.
fn collector(header: &str, body: &str, after: &str) -> String {
    let indented: String = body
        .lines()
        .map(|l| match l.is_empty() {
            true => "\n".to_string(),
            false => format!("    {l}\n"),
        })
        .collect();
    format!(
        "apiVersion: opentelemetry.io/v1alpha1\nkind: OpenTelemetryCollector\nmetadata:\n  \
         name: kc-alpha\n  namespace: kof\nspec:\n  mode: deployment\n  config: {header}\n\
         {indented}{after}"
    )
}

const CONFIG: &str = "# the exporters\nexporters:\n  otlphttp/logs:\n    \
    logs_endpoint: http://vlinsert:9481/insert/opentelemetry/v1/logs # in-cluster\n\
    \n  prometheusremotewrite:\n    endpoint: http://vminsert:8480/insert/0/prometheus/api/v1/write\n\
    service:\n  pipelines:\n    metrics:\n      receivers:\n      - otlp\n      exporters:\n      - prometheusremotewrite\n\
    \x20\x20\x20\x20# no logs pipeline yet\n\
    receivers:\n  otlp:\n    protocols:\n      grpc: {}\n# the end\n";

fn regional(input: &str) -> kof_route::write::Rendered<'_> {
    let flags = support::route_flags("regional");
    render_with(&plan(&flags), input.as_bytes(), Outputs::INPLACE).unwrap()
}

fn config_read_by_kubectl(dir: &Path, out: &[u8]) -> String {
    let docs = kube::as_kubernetes_reads(dir, out);
    docs[0]["spec"]["config"].as_str().unwrap().to_string()
}

/// The string keeps its chomping: `|-` has no final newline after the
/// edit, `|` exactly one however many blank lines end the block; and the
/// lines of the block keep their own text.
#[test]
fn the_block_keeps_its_chomping_and_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    for (header, after, final_newline) in [
        ("|", "\n\n  replicas: 1\n", true),
        ("|-", "  replicas: 1\n", false),
        ("|  # a comment on the header", "  replicas: 1\n", true),
        // The last entry of `spec`, its last line a comment of the config:
        // what the route adds to `spec` goes after it, not inside the string.
        ("|", "", true),
        (
            "|-   # strip",
            "\n  # after the string\n  replicas: 1\n",
            false,
        ),
    ] {
        let input = collector(header, CONFIG, after);
        let out = regional(&input);
        assert!(out.fallbacks.is_empty(), "{header}: {:?}", out.fallbacks);
        let output = support::text(&out.output());
        let config = config_read_by_kubectl(dir.path(), output.as_bytes());
        assert_eq!(
            config.ends_with('\n'),
            final_newline,
            "{header}: {config:?}"
        );
        assert!(!config.ends_with("\n\n"), "{header}: {config:?}");
        assert!(config.contains("# in-cluster\n") && config.contains("# the end"));
        assert!(config.contains("logs_endpoint: https://vmauth.example.com/vli/"));
        for line in input.lines().filter(|l| !l.contains("endpoint:")) {
            assert!(output.lines().any(|o| o == line), "{header}: lost {line:?}");
        }
    }
}

/// Styles the writer does not edit in place fall back to the tree write,
/// each with its reason, and read as the tree write reads.
#[test]
fn other_styles_fall_back_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let quoted = format!(
        "{:?}",
        yaml::emit(&select::parse_config_text(CONFIG).unwrap())
    );
    let cases = [
        (
            "|+",
            CONFIG.to_string(),
            "kept with its trailing blank lines",
        ),
        ("|2", CONFIG.to_string(), "an indentation indicator"),
        (">", CONFIG.replace('\n', "\n\n"), "folded"),
        (quoted.as_str(), String::new(), "quoted"),
    ];
    for (header, body, reason) in cases {
        let input = collector(header, &body, "  replicas: 1\n");
        let out = regional(&input);
        let why: Vec<String> = out.fallbacks.iter().map(|(_, f)| f.to_string()).collect();
        assert!(
            why.len() == 1 && why[0].contains(reason) && why[0].contains("at spec.config"),
            "{header}: {why:?}"
        );
        let tree = render_with(
            &plan(&support::route_flags("regional")),
            input.as_bytes(),
            Outputs::TREE,
        )
        .unwrap();
        assert_eq!(
            kube::as_kubernetes_reads(dir.path(), &out.output()),
            kube::as_kubernetes_reads(dir.path(), &tree.output()),
            "{header}"
        );
    }
}

/// `--reformat` writes the edited config as `yaml::emit` writes it (comments
/// inside the string gone), meaning what the in-place string means.
#[test]
fn reformat_writes_the_config_as_the_tree_does() {
    let dir = tempfile::tempdir().unwrap();
    let input = collector("|", CONFIG, "  replicas: 1\n");
    let mut flags = support::route_flags("regional");
    let inplace = support::run(&flags, input.as_bytes());
    flags.push("--reformat".into());
    let reformat = support::run(&flags, input.as_bytes());
    assert_eq!(reformat.code, Some(0), "{}", reformat.stderr);
    let (a, b) = (
        config_read_by_kubectl(dir.path(), &inplace.stdout),
        config_read_by_kubectl(dir.path(), &reformat.stdout),
    );
    assert!(a.contains("# the end") && !b.contains('#'), "{b}");
    let parsed = select::parse_config_text(&a).unwrap();
    assert_eq!(parsed, select::parse_config_text(&b).unwrap());
    assert_eq!(b, yaml::emit(&parsed));
}

/// A CRLF stream's config strings are edited in place too: the output is
/// the LF stream's output with every line ended by CRLF.
#[test]
fn a_crlf_config_string_is_edited_in_place() {
    let input = support::text(&fixture(COMMENTED));
    let flags = support::route_flags("regional");
    let lf = support::run(&flags, input.as_bytes());
    let crlf = support::run(&flags, input.replace('\n', "\r\n").as_bytes());
    assert_eq!(crlf.code, Some(0), "{}", crlf.stderr);
    assert!(
        !crlf.stderr.contains("not edited in place"),
        "{}",
        crlf.stderr
    );
    assert_eq!(
        support::text(&crlf.stdout),
        support::text(&lf.stdout).replace('\n', "\r\n")
    );
}
