use std::process::ExitCode;

fn main() -> ExitCode {
    // Parsed in the user's language: help and usage errors in Chinese under a Chinese locale.
    curtain::cli::main(curtain::cli::help::parse(std::env::args_os().collect()))
}
