//! Tells the integration tests which outside tools this machine lacks, so that a test that needs
//! one is reported as ignored there (`missing_tmux`, `missing_prlimit`) instead of passing
//! without having run. CI installs both. After installing one, `touch build.rs`.

use std::path::PathBuf;

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    for (program, cfg) in [("tmux", "missing_tmux"), ("prlimit", "missing_prlimit")] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        match on_path(program) {
            Some(found) => println!("cargo::rerun-if-changed={}", found.display()),
            None => println!("cargo::rustc-cfg={cfg}"),
        }
    }
}
