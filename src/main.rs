use std::process::ExitCode;

/// A district's round is tens of thousands of short strings made and dropped, and glibc's malloc
/// and free were a fifth of its profile; with mimalloc a district month's ledger takes 15–25%
/// less CPU (#14).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Huge pages are slow to fault in at a start after a pause (see `curtain::pages`).
    curtain::pages::small_only();
    // Parsed in the user's language: help and usage errors in Chinese under a Chinese locale.
    curtain::cli::main(curtain::cli::help::parse(std::env::args_os().collect()))
}
