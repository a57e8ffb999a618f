//! The in-place writer held to the tree write over arbitrary bytes, the
//! first byte picking the route (checks in fuzz/checks.rs).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::inplace_agrees_with_tree(data));
