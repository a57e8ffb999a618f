//! The full YAML reader's refusals over arbitrary UTF-8 text: each names a
//! line, and what it reads is written back to the same value (checks in
//! fuzz/checks.rs).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::yaml_refusals(data));
