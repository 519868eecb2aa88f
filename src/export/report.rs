//! The ledger (台账): one row per elder per round.

use std::path::Path;

use crate::cli::Ctx;

pub fn run(_ctx: &Ctx, _from: &str, _to: &str, _out: &Path) -> anyhow::Result<()> {
    anyhow::bail!("report is not built yet")
}
