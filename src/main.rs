//! Entry: parse flags, run, map the outcome to an exit code. Nothing else.

use std::process::ExitCode;

fn main() -> ExitCode {
    kof_route::app::main()
}
