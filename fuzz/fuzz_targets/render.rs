//! The whole pipeline over arbitrary bytes: `render` never panics; on success
//! the document count is kept, documents it did not patch are byte-identical,
//! and a second run with the same route changes nothing.
#![no_main]

use kof_route::cli::Cli;
use kof_route::plan::Plan;
use kof_route::{render, stream};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const ROUTES: [&[&str]; 5] = [
    &["--route=mothership"],
    &["--route=mothership", "--allow-missing"],
    &[
        "--route=regional",
        "--regional-domain=example.com",
        "--regional-cluster=regional-1",
    ],
    &["--route=regional-istio", "--regional-cluster=regional-1"],
    &["--route=cloudwatch", "--aws-region=us-east-2"],
];

fn plans() -> &'static [Plan] {
    static PLANS: OnceLock<Vec<Plan>> = OnceLock::new();
    PLANS.get_or_init(|| {
        ROUTES
            .iter()
            .map(|args| {
                let cli = <Cli as clap::Parser>::try_parse_from(
                    std::iter::once("kof-route").chain(args.iter().copied()),
                )
                .expect("route flags parse");
                Plan::build(&cli.args).expect("route flags are valid")
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let plan = &plans()[usize::from(pick) % ROUTES.len()];
    let rendered = match render(plan, input) {
        Ok(r) => r,
        Err(e) => {
            // A refusal names the document and line, or says why the whole stream is refused.
            let m = format!("{e:#}");
            assert!(
                m.contains("no OpenTelemetryCollector")
                    || m.contains("leaves collectors inconsistent")
                    || (m.contains("doc #") && m.contains("(line ")),
                "an error that names no document: {m}"
            );
            return;
        }
    };
    let output = rendered.output();
    let (a, b) = (stream::split(input), stream::split(&output));
    assert_eq!(a.docs.len(), b.docs.len(), "document count changed");
    let patched: Vec<usize> =
        stream::candidates(&a, &input[a.bom.len()..], &kof_route::resource::NEEDLES);
    for (i, (x, y)) in a.docs.iter().zip(&b.docs).enumerate() {
        if patched.binary_search(&i).is_err() {
            assert_eq!(x.raw, y.raw, "untouched document #{} changed", i + 1);
        }
    }
    let again = render(plan, &output).expect("the output is accepted again");
    assert_eq!(again.output(), output, "a second run changed the output");
});
