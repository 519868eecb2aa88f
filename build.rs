//! Tells the integration tests which outside tools this machine lacks, so that a test that needs
//! one is reported as ignored there (`missing_tmux`, `missing_prlimit`) instead of passing
//! without having run. CI installs both. After installing one, `touch build.rs`. And tells the
//! store whether SQLite was built with what a backup's shared snapshot needs
//! (`sqlite_shared_snapshot`).

use std::path::PathBuf;

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    // `.cargo/config.toml` builds SQLite with its snapshot API and its raw-page table, which a
    // backup verifies with; a build that does not read that file (run from another directory)
    // gets the backup that checks its copy after making it.
    println!("cargo::rerun-if-env-changed=LIBSQLITE3_FLAGS");
    println!("cargo::rustc-check-cfg=cfg(sqlite_shared_snapshot)");
    let flags = std::env::var("LIBSQLITE3_FLAGS").unwrap_or_default();
    let flags: Vec<&str> = flags.split_whitespace().collect();
    if ["SQLITE_ENABLE_SNAPSHOT", "SQLITE_ENABLE_DBPAGE_VTAB"]
        .iter()
        .all(|wanted| {
            flags
                .iter()
                .any(|flag| flag.trim_start_matches("-D") == *wanted)
        })
    {
        println!("cargo::rustc-cfg=sqlite_shared_snapshot");
    }
    println!("cargo::rerun-if-env-changed=PATH");
    for (program, cfg) in [("tmux", "missing_tmux"), ("prlimit", "missing_prlimit")] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        match on_path(program) {
            Some(found) => println!("cargo::rerun-if-changed={}", found.display()),
            None => println!("cargo::rustc-cfg={cfg}"),
        }
    }
}
