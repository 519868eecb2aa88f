//! Drill databases (`curtain init --drill`): made for training and tests, they follow `--now`
//! wherever it points, and everything they show or send says 演练 / DRILL. A live database
//! never becomes one.

use anyhow::Context;

use super::Session;
use crate::error::Refusal;
use crate::store::{self, Create, Store};

/// Makes a new database a drill database; a drill database stays one; a live one is refused.
pub fn init(session: &Session) -> anyhow::Result<()> {
    let existed = crate::store::database_exists(&session.db);
    let mut store = Store::open(
        &session.db,
        Create::IfMissing,
        session.config.schedule.clone(),
    )?;
    if store.drill {
        return Ok(());
    }
    let has_records = existed
        && store::elders::count_active(&store.conn)? + store::checks::count(&store.conn)? > 0;
    if has_records {
        return Err(Refusal::LiveNotDrill(session.db.clone()).into());
    }
    let tx = store.write()?;
    store::mark_drill(&tx)?;
    tx.commit().context("marking the drill database")?;
    Ok(())
}
