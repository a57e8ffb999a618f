//! The whole pipeline over arbitrary bytes, the first byte picking the route
//! (checks in fuzz/checks.rs).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::render_with_route_byte(data));
