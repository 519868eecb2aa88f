use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    curtain::cli::main(curtain::cli::Cli::parse())
}
