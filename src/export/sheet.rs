//! Printable route sheets for rounds walked on paper.

use std::path::Path;

use crate::cli::Ctx;

pub fn run(_ctx: &Ctx, _round: &str, _grid: Option<&str>, _out: &Path) -> anyhow::Result<()> {
    anyhow::bail!("sheet is not built yet")
}
