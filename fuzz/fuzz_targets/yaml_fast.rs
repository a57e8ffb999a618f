//! The fast YAML reader against the full reader over arbitrary UTF-8 text
//! (checks in fuzz/checks.rs).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::yaml_fast(data));
