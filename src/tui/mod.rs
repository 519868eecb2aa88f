//! The terminal UI.

use crate::cli::Ctx;

pub fn run(_ctx: &Ctx) -> anyhow::Result<()> {
    anyhow::bail!("the TUI is not built yet")
}
