//! The schema and its migrations, numbered by `PRAGMA user_version`. Each migration runs once, in
//! one exclusive transaction with the version bump, so a crash leaves the old or the new schema.

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Marks a file as curtain's (`PRAGMA application_id`), so another program's database is refused.
pub const APPLICATION_ID: i64 = 0x4355_5254; // "CURT"

/// Migration `n` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE elders (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    grid            TEXT NOT NULL DEFAULT '',
    phone           TEXT,
    contact         TEXT,
    contact_phone   TEXT,
    notes           TEXT,
    window_hint     TEXT,
    route           INTEGER,
    keyholder       TEXT,
    keyholder_phone TEXT,
    morning_opens   TEXT,
    morning_closes  TEXT,
    evening_opens   TEXT,
    evening_closes  TEXT,
    added_at        TEXT NOT NULL,
    archived_at     TEXT
) STRICT;
CREATE INDEX elders_by_grid ON elders (grid, route);

-- Every change to the roster: who, when, from what, to what.
CREATE TABLE roster_audit (
    id        INTEGER PRIMARY KEY,
    elder_id  TEXT NOT NULL,
    action    TEXT NOT NULL,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    source    TEXT,
    before    TEXT,
    after     TEXT
) STRICT;
CREATE INDEX roster_audit_by_elder ON roster_audit (elder_id, at);

-- Append-only: a correction is a new row that supersedes an earlier one. A row with no
-- observation is a retraction (an undo).
CREATE TABLE checks (
    id           TEXT PRIMARY KEY,
    elder_id     TEXT NOT NULL REFERENCES elders (id),
    round        INTEGER NOT NULL,
    observation  TEXT CHECK (observation IN ('open', 'closed', 'seen', 'unclear')),
    seen_at      TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    checker      TEXT NOT NULL,
    note         TEXT,
    supersedes   TEXT REFERENCES checks (id)
) STRICT;
CREATE INDEX checks_by_round ON checks (round, elder_id);
CREATE INDEX checks_by_elder ON checks (elder_id, round);
CREATE INDEX checks_by_checker ON checks (checker, recorded_at);
CREATE TRIGGER checks_are_never_updated BEFORE UPDATE ON checks
BEGIN SELECT RAISE(ABORT, 'checks are append-only: record a correction instead'); END;
CREATE TRIGGER checks_are_never_deleted BEFORE DELETE ON checks
BEGIN SELECT RAISE(ABORT, 'checks are append-only: record a correction instead'); END;

-- Dates are local dates, inclusive. `back_on` ends an absence early: away before that date.
CREATE TABLE absences (
    id          INTEGER PRIMARY KEY,
    elder_id    TEXT NOT NULL REFERENCES elders (id),
    from_date   TEXT NOT NULL,
    to_date     TEXT NOT NULL,
    reason      TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    back_on     TEXT,
    ended_by    TEXT,
    ended_at    TEXT
) STRICT;
CREATE INDEX absences_by_elder ON absences (elder_id, from_date);
CREATE INDEX absences_by_dates ON absences (to_date, from_date);

-- One row per flagged (elder, round). `status` is what the flag stands for; `round_status` is the
-- round's status as last computed, which later rounds read for their streaks.
CREATE TABLE flags (
    id                  INTEGER PRIMARY KEY,
    elder_id            TEXT NOT NULL REFERENCES elders (id),
    round               INTEGER NOT NULL,
    status              TEXT NOT NULL,
    round_status        TEXT NOT NULL,
    severity            TEXT NOT NULL,
    severity_rank       INTEGER NOT NULL,
    streak              INTEGER NOT NULL,
    state               TEXT NOT NULL DEFAULT 'open',
    raised_at           TEXT NOT NULL,
    closed_at           TEXT,
    closed_by           TEXT,
    outcome             TEXT,
    superseded_because  TEXT,
    note                TEXT,
    UNIQUE (elder_id, round)
) STRICT;
CREATE INDEX flags_by_state ON flags (state, severity_rank DESC, round);
CREATE INDEX flags_by_round ON flags (round);

-- What a grid worker did about a flag. Never edited or deleted.
CREATE TABLE follow_ups (
    id       INTEGER PRIMARY KEY,
    flag_id  INTEGER NOT NULL REFERENCES flags (id),
    action   TEXT NOT NULL,
    note     TEXT,
    actor    TEXT NOT NULL,
    at       TEXT NOT NULL
) STRICT;
CREATE INDEX follow_ups_by_flag ON follow_ups (flag_id, at);
CREATE TRIGGER follow_ups_are_never_updated BEFORE UPDATE ON follow_ups
BEGIN SELECT RAISE(ABORT, 'follow-ups are append-only'); END;
CREATE TRIGGER follow_ups_are_never_deleted BEFORE DELETE ON follow_ups
BEGIN SELECT RAISE(ABORT, 'follow-ups are append-only'); END;

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
"#,
    r#"
-- The people who may change data. With no rows, the database is one person's own and asks no
-- PIN. `pin_hash` is an argon2 PHC string; the PIN itself is never stored.
CREATE TABLE users (
    name             TEXT PRIMARY KEY,
    role             TEXT NOT NULL CHECK (role IN ('volunteer', 'grid_worker', 'admin')),
    pin_hash         TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    disabled_at      TEXT,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT
) STRICT;

-- The grids a volunteer or grid worker works on; none means every grid.
CREATE TABLE user_grids (
    user_name  TEXT NOT NULL REFERENCES users (name),
    grid       TEXT NOT NULL,
    PRIMARY KEY (user_name, grid)
) STRICT;

-- Every change to the users: who, when, what. Never edited or deleted.
CREATE TABLE user_audit (
    id         INTEGER PRIMARY KEY,
    user_name  TEXT NOT NULL,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    detail     TEXT
) STRICT;
CREATE TRIGGER user_audit_is_never_updated BEFORE UPDATE ON user_audit
BEGIN SELECT RAISE(ABORT, 'the user audit is append-only'); END;
CREATE TRIGGER user_audit_is_never_deleted BEFORE DELETE ON user_audit
BEGIN SELECT RAISE(ABORT, 'the user audit is append-only'); END;
"#,
    r#"
-- Notifications (#7). One row per message curtain decided to send, queued in the transaction
-- that decided it; `dedupe_key` is UNIQUE so the same decision cannot queue twice.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL
                CHECK (kind IN ('round_digest', 'alert', 'critical_reminder', 'test')),
    dedupe_key  TEXT NOT NULL UNIQUE,
    grid        TEXT,
    round       INTEGER,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_by_created ON outbox (created_at);

-- Which flags a message tells of, and as what (`topic`: the flag's status when announced, or
-- `critical` for the reminder). The primary key is the promise: each flag is told of once per
-- topic, whichever process settles it and however often.
CREATE TABLE outbox_flags (
    message_id  INTEGER NOT NULL REFERENCES outbox (id),
    flag_id     INTEGER NOT NULL REFERENCES flags (id),
    topic       TEXT NOT NULL,
    PRIMARY KEY (flag_id, topic)
) STRICT;
CREATE INDEX outbox_flags_by_message ON outbox_flags (message_id);

-- One message to one configured channel. A watcher claims a row (`sending`, with a lease) in a
-- write transaction before it sends, so two watchers never send the same row.
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY,
    message_id       INTEGER NOT NULL REFERENCES outbox (id),
    channel          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'uncertain')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    claimed_by       TEXT,
    claimed_until    TEXT,
    sent_at          TEXT,
    UNIQUE (message_id, channel)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
"#,
    r#"
-- Fast at district scale (#6). "Undo my last check" looks for the checker's last check that no
-- later row supersedes; without this, each candidate scanned the whole append-only checks table
-- (22 million rows in a district year). Few rows supersede another, so the index stays small.
CREATE INDEX checks_by_supersedes ON checks (supersedes) WHERE supersedes IS NOT NULL;
"#,
    r#"
-- Settled rounds are facts (#14). The check that decided each flag (none for a missed round), in
-- a table of its own so that the flags' rows stay as older versions wrote them; flags raised
-- before this version get it from their round's checks by the same rule: the latest seen
-- observation that no correction superseded, ties to the one recorded last.
CREATE TABLE flag_checks (
    flag_id   INTEGER PRIMARY KEY REFERENCES flags (id),
    check_id  TEXT NOT NULL
) STRICT;
INSERT INTO flag_checks (flag_id, check_id)
SELECT id, decided FROM (
    SELECT f.id, (
        SELECT c.id FROM checks AS c
        WHERE c.elder_id = f.elder_id AND c.round = f.round AND c.observation IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM checks AS s WHERE s.supersedes = c.id)
        ORDER BY c.seen_at DESC, c.recorded_at DESC LIMIT 1) AS decided
    FROM flags AS f WHERE f.round_status != 'missed')
WHERE decided IS NOT NULL;

-- Each listed elder's outcome of a settled round, kept in the transaction that settles it and
-- again in the transaction of any later check, undo, correction or absence that changes it.
-- `grid` is the elder's grid when the round settled. No row: the elder was not listed, or the
-- elder's window had not closed yet.
CREATE TABLE round_outcomes (
    round     INTEGER NOT NULL,
    elder_id  TEXT NOT NULL,
    grid      TEXT NOT NULL,
    status    TEXT NOT NULL,
    late      INTEGER NOT NULL,
    check_id  TEXT,
    severity  TEXT,
    streak    INTEGER NOT NULL,
    PRIMARY KEY (round, elder_id)
) STRICT, WITHOUT ROWID;

-- Per grid and settled round, the outcomes counted: what coverage, gaps and the history read.
CREATE TABLE round_tallies (
    round    INTEGER NOT NULL,
    grid     TEXT NOT NULL,
    listed   INTEGER NOT NULL DEFAULT 0,
    checked  INTEGER NOT NULL DEFAULT 0,
    on_time  INTEGER NOT NULL DEFAULT 0,
    late     INTEGER NOT NULL DEFAULT 0,
    away     INTEGER NOT NULL DEFAULT 0,
    missed   INTEGER NOT NULL DEFAULT 0,
    ok       INTEGER NOT NULL DEFAULT 0,
    alert    INTEGER NOT NULL DEFAULT 0,
    unclear  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round, grid)
) STRICT, WITHOUT ROWID;

-- The rounds whose every window had closed when they were settled: their outcomes are complete,
-- and reads take them from `round_outcomes` instead of judging the checks again. A round settled
-- before this version is not here and is judged from its checks as before.
CREATE TABLE settled_rounds (
    round       INTEGER PRIMARY KEY,
    settled_at  TEXT NOT NULL
) STRICT;

-- The roster in route order straight from an index, without a sort.
CREATE INDEX elders_by_route ON elders (route IS NULL, route, id);

-- Outcomes are kept from the first round this version settles (one row; none: from the first
-- round): the rounds an older version settled are judged from their checks.
CREATE TABLE facts_from (round INTEGER NOT NULL) STRICT;
INSERT INTO facts_from (round)
SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'flags_synced_through';
"#,
    r#"
-- Patrol gaps (#15, DESIGN.md section 3): a grid's round that closed with fewer than `gap_below`
-- of its listed elders checked. `listed`, `checked` and `missed` are the coverage as last
-- counted; `state` moves open -> resolved (by a person, with `patrol_gap`) or open <-> made_up
-- (a make-up round brought coverage to the threshold). Never deleted.
CREATE TABLE gaps (
    id          INTEGER PRIMARY KEY,
    grid        TEXT NOT NULL,
    round       INTEGER NOT NULL,
    listed      INTEGER NOT NULL,
    checked     INTEGER NOT NULL,
    missed      INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'made_up')),
    formed_at   TEXT NOT NULL,
    closed_at   TEXT,
    closed_by   TEXT,
    outcome     TEXT,
    note        TEXT,
    UNIQUE (grid, round)
) STRICT;
CREATE INDEX gaps_by_state ON gaps (state, round);
CREATE INDEX gaps_by_round ON gaps (round);

-- The missed flags a gap holds: each flag belongs to at most one gap.
CREATE TABLE gap_flags (
    flag_id  INTEGER PRIMARY KEY REFERENCES flags (id),
    gap_id   INTEGER NOT NULL REFERENCES gaps (id)
) STRICT;
CREATE INDEX gap_flags_by_gap ON gap_flags (gap_id);

-- Who walks which part of a grid's route: a set of buildings, a range of route order, or the
-- whole grid. A change ends the row before it (`ended_at`, `ended_by`) and adds a new one, so
-- who was assigned when is never lost.
CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    volunteer    TEXT NOT NULL,
    grid         TEXT NOT NULL,
    buildings    TEXT,
    route_from   INTEGER,
    route_to     INTEGER,
    assigned_at  TEXT NOT NULL,
    assigned_by  TEXT NOT NULL,
    ended_at     TEXT,
    ended_by     TEXT
) STRICT;
CREATE INDEX assignments_current ON assignments (grid, volunteer) WHERE ended_at IS NULL;
CREATE TRIGGER assignments_are_never_deleted BEFORE DELETE ON assignments
BEGIN SELECT RAISE(ABORT, 'assignments keep their history: end one instead'); END;

-- How far gaps have been formed (`synced_through`, a round ordinal) and at what time. Gaps are
-- formed from the rounds settled after this version first opened the file; the rounds settled
-- before keep their flags as they were.
CREATE TABLE gaps_sync (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
INSERT INTO gaps_sync (key, value)
    SELECT 'synced_through', value FROM meta WHERE key = 'flags_synced_through';
"#,
    r#"
-- Early warnings (#15): the outbox takes a new kind. SQLite changes a CHECK by rebuilding the
-- table; `migrate` runs with foreign keys off and checks the tables that point here before it
-- commits. Every row keeps its id, so deliveries and outbox_flags still point at their message.
CREATE TABLE outbox_rebuilt (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL
                CHECK (kind IN ('round_digest', 'alert', 'critical_reminder', 'test',
                                'early_warning')),
    dedupe_key  TEXT NOT NULL UNIQUE,
    grid        TEXT,
    round       INTEGER,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;
INSERT INTO outbox_rebuilt (id, kind, dedupe_key, grid, round, created_at, created_by)
    SELECT id, kind, dedupe_key, grid, round, created_at, created_by FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_by_created ON outbox (created_at);

-- What an early warning said: the grid's coverage of the round when it was decided, when the
-- window closes, and who was assigned. One per grid and round.
CREATE TABLE early_warnings (
    message_id  INTEGER PRIMARY KEY REFERENCES outbox (id),
    grid        TEXT NOT NULL,
    round       INTEGER NOT NULL,
    listed      INTEGER NOT NULL,
    checked     INTEGER NOT NULL,
    closes      TEXT NOT NULL,
    assigned    TEXT NOT NULL DEFAULT '',
    UNIQUE (grid, round)
) STRICT;
"#,
    r#"
-- Hand-over (DESIGN.md section 6, step 4): absences and follow-ups carry a UUID as checks do, so
-- what an offline device recorded is matched in the shared database and kept there once.
ALTER TABLE absences ADD COLUMN uid TEXT;
UPDATE absences SET uid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
    || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-'
    || hex(randomblob(6)));
CREATE UNIQUE INDEX absences_by_uid ON absences (uid);
DROP TRIGGER follow_ups_are_never_updated;
ALTER TABLE follow_ups ADD COLUMN uid TEXT;
UPDATE follow_ups SET uid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
    || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-'
    || hex(randomblob(6)));
CREATE TRIGGER follow_ups_are_never_updated BEFORE UPDATE ON follow_ups
BEGIN SELECT RAISE(ABORT, 'follow-ups are append-only'); END;
CREATE UNIQUE INDEX follow_ups_by_uid ON follow_ups (uid);
"#,
    r#"
-- Narrow reads (#14): a volunteer's grid in route order straight from an index, as the whole
-- roster is from `elders_by_route`. It serves every read `elders_by_grid` served.
CREATE INDEX elders_by_grid_route ON elders (grid, route IS NULL, route, id);
DROP INDEX elders_by_grid;
"#,
    r#"
-- Communities (DESIGN.md section 6, step 2): the community an elder lives in, as the roster
-- names it (`社区/community`). NULL is the configured community (`[community] name`), so every
-- elder of a database from before is in it, and it looks and works as it did.
ALTER TABLE elders ADD COLUMN community TEXT;

-- The communities a volunteer or grid worker works in: every grid of the community, as the
-- roster has them at each login, beside the grids of user_grids.
CREATE TABLE user_communities (
    user_name  TEXT NOT NULL REFERENCES users (name),
    community  TEXT NOT NULL,
    PRIMARY KEY (user_name, community)
) STRICT;
"#,
    r#"
-- A tick reads no whole roster (#14): what every command and every tick asks before it settles
-- (the distinct windows and communities on the roster, when the first elder was added) is
-- answered from small indexes instead of a scan of the roster.
CREATE INDEX elders_by_windows
    ON elders (morning_opens, morning_closes, evening_opens, evening_closes, community);
CREATE INDEX elders_by_added ON elders (added_at);
"#,
    r#"
-- A settled round reads one range (#14): each outcome keeps a copy of its deciding check's
-- columns, so the status, the strips and the ledger of a settled round read `round_outcomes`
-- alone, not the round's checks as well. Checks are never changed, so a copy cannot go stale;
-- when another check decides instead, the outcome is kept again with that one. NULL with
-- `check_id`: no deciding check.
ALTER TABLE round_outcomes ADD COLUMN check_observation TEXT;
ALTER TABLE round_outcomes ADD COLUMN check_seen_at TEXT;
ALTER TABLE round_outcomes ADD COLUMN check_recorded_at TEXT;
ALTER TABLE round_outcomes ADD COLUMN check_checker TEXT;
ALTER TABLE round_outcomes ADD COLUMN check_note TEXT;
ALTER TABLE round_outcomes ADD COLUMN check_supersedes TEXT;
UPDATE round_outcomes SET (check_observation, check_seen_at, check_recorded_at, check_checker,
        check_note, check_supersedes) =
    (SELECT observation, seen_at, recorded_at, checker, note, supersedes FROM checks
     WHERE checks.id = round_outcomes.check_id)
WHERE check_id IS NOT NULL;
"#,
    r#"
-- Backup and doctor at district size (#14): SQLite's quick check tests every row's CHECK, and
-- it builds an IN list of more than two words into a temporary index again for each row: two
-- thirds of the check of a district's checks. The same rule written as ORs is tested in place.
-- A CHECK that means the same is changed in SQLite's own record of the table (SQLite's "other
-- kinds of table schema changes"): the rows are untouched and already obey it. The smaller
-- tables keep their IN lists.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql,
    'CHECK (observation IN (''open'', ''closed'', ''seen'', ''unclear''))',
    'CHECK (observation = ''open'' OR observation = ''closed'' OR observation = ''seen''
                         OR observation = ''unclear'')')
WHERE type = 'table' AND name = 'checks';
PRAGMA writable_schema = RESET;
"#,
    r#"
-- The roster's stamp (#14): every change to `elders` draws a new stamp, by trigger, whoever
-- writes it, so that a process that has read the roster can tell from one row whether what it
-- read is still the roster; the roster is read once per change, not once per round shown.
-- Random, not counted: a database restored from a backup, or another community's, does not
-- bring back a stamp a process has already seen with another roster.
CREATE TABLE roster_stamp (stamp INTEGER NOT NULL) STRICT;
INSERT INTO roster_stamp VALUES (random());
CREATE TRIGGER elders_inserted_move_the_roster_stamp AFTER INSERT ON elders
BEGIN
    UPDATE roster_stamp SET stamp = random();
END;
CREATE TRIGGER elders_updated_move_the_roster_stamp AFTER UPDATE ON elders
BEGIN
    UPDATE roster_stamp SET stamp = random();
END;
CREATE TRIGGER elders_deleted_move_the_roster_stamp AFTER DELETE ON elders
BEGIN
    UPDATE roster_stamp SET stamp = random();
END;
"#,
];

/// The first schema with the roster's stamp.
pub const ROSTER_STAMPED: i64 = 14;

/// How many of the three triggers that move the roster's stamp are there, and how many stamp
/// rows (one, as schema 14 makes it).
pub fn roster_stamp_parts(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row(
        "SELECT (SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'
                 AND tbl_name = 'elders' AND name LIKE 'elders_%_move_the_roster_stamp'),
                (SELECT count(*) FROM roster_stamp)",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
}

/// The schema version this program writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

pub fn application_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA application_id", [], |row| row.get(0))
}

/// Brings the schema up to [`LATEST`]. The caller has already refused newer files. A migration
/// may rebuild a table others point at (how SQLite changes a CHECK), so foreign keys are off
/// while it runs (they cannot change inside a transaction) and the tables pointing at a rebuilt
/// one are checked before the commit.
pub fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let migrated = migrate_in_one_transaction(conn);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    migrated
}

/// The tables whose rows point at a table a migration rebuilds.
const POINTING_AT_REBUILT: &[&str] = &["deliveries", "outbox_flags"];

fn migrate_in_one_transaction(conn: &mut Connection) -> anyhow::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    // Read again inside the lock: another process may have migrated meanwhile.
    let from = user_version(&tx)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
        tx.execute_batch(sql)
            .with_context(|| format!("migrating the schema to version {}", index + 1))?;
    }
    if from < LATEST {
        // A migration may change a table's text in sqlite_schema, which SQLite does not count
        // as a schema change: moving the cookie makes every other connection read it again.
        let cookie: i64 = tx.query_row("PRAGMA schema_version", [], |row| row.get(0))?;
        tx.pragma_update(None, "schema_version", cookie.saturating_add(1))?;
        let rewritten: String = tx.query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'checks'",
            [],
            |row| row.get(0),
        )?;
        anyhow::ensure!(
            !rewritten.contains("observation IN (")
                && rewritten.contains("observation = 'unclear'"),
            "migrating the schema left the checks' rule as it was"
        );
        // A later migration that rebuilt `elders` would take its triggers with it, and a kept
        // roster would no longer be told of a change.
        let (moving, stamps) = roster_stamp_parts(&tx)?;
        anyhow::ensure!(
            moving == 3 && stamps == 1,
            "migrating the schema left {moving} of the 3 triggers that move the roster's stamp, \
             and {stamps} stamps instead of 1"
        );
        for table in POINTING_AT_REBUILT {
            let broken: Option<i64> = tx
                .query_row(&format!("PRAGMA foreign_key_check({table})"), [], |row| {
                    row.get(1)
                })
                .optional()?;
            anyhow::ensure!(
                broken.is_none(),
                "migrating the schema left {table} pointing at a missing row"
            );
        }
        tx.pragma_update(None, "user_version", LATEST)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrate_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), LATEST);
        assert_eq!(application_id(&conn).unwrap(), APPLICATION_ID);
    }

    #[test]
    fn checks_refuse_update_and_delete() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO elders (id, name, added_at) VALUES ('e', 'n', 't');
             INSERT INTO checks (id, elder_id, round, observation, seen_at, recorded_at, checker)
             VALUES ('c', 'e', 1, 'open', 't', 't', 'me');",
        )
        .unwrap();
        assert!(
            conn.execute("UPDATE checks SET observation = 'closed'", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM checks", []).is_err());
    }
}
