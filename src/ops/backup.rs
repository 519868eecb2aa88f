//! `curtain backup FILE`: a verified copy of the live database, by someone allowed to take one.

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;

use super::Session;
use crate::domain::access::Capability;
use crate::error::Refusal;
use crate::store::{Create, Stage};

/// Copies the database to `file` (created 0600, never overwritten) and verifies the copy;
/// returns its elder and check counts. A copy that fails its check is removed. `progress` is
/// told where the copy and its check stand (a progress line on a terminal).
pub fn backup(
    session: &Session,
    file: &Path,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<(i64, i64)> {
    if file.exists() {
        return Err(Refusal::WouldOverwrite {
            path: file.to_path_buf(),
        }
        .into());
    }
    if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(Refusal::NoOutputDir(dir.to_path_buf()).into());
    }
    let mut store = session.open(Create::Never)?;
    session.authorize(&mut store, Capability::Backup, None)?;
    // Create the copy 0600 before SQLite writes into it: it holds the same personal data.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .with_context(|| format!("creating {}", file.display()))?;
    let result = store.backup_with(file, progress);
    if result.is_err() {
        // A copy that failed its check must not be mistaken for a backup later.
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    result
}
