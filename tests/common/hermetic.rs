//! The one way the tests start `curtain`, shared by `common` and `common_tmux`.

#![allow(dead_code)]

/// The one way the tests start a program that runs `curtain`: the runner's environment cleared,
/// so that no `CURTAIN_*` variable (`CURTAIN_PIN` included), locale, `USER` or `HOME` of whoever
/// runs the tests can change an answer. A test sets what it means to test on top.
pub fn hermetic(program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    command
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "C");
    command
}

/// The built `curtain` binary, [`hermetic`].
pub fn curtain() -> std::process::Command {
    hermetic(env!("CARGO_BIN_EXE_curtain"))
}
