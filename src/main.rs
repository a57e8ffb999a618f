//! Entry: parse flags, run, map the outcome to an exit code. Nothing else.

use std::process::ExitCode;

#[global_allocator]
static ALLOC: kof_route::malloc::Alloc = kof_route::malloc::Alloc;

fn main() -> ExitCode {
    kof_route::malloc::Alloc::installed();
    kof_route::app::main()
}
