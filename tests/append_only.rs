//! DESIGN.md section 3: checks are never changed or removed, only superseded. The database
//! itself refuses it (SQLite's triggers, PostgreSQL's), not only curtain: a clerk with `sqlite3`
//! or `psql` cannot quietly rewrite what a volunteer saw. Runs on whichever database the suite
//! is given.

mod common;

use common::{MORNING, TestDb};

#[test]
fn rule_checks_cannot_be_changed_or_removed_even_by_sql() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 08:00");
    let conn = db.writable_conn();
    for sql in [
        "UPDATE checks SET observation = 'closed'",
        "DELETE FROM checks",
    ] {
        let refused = conn.execute(sql, []).expect_err("the database refuses it");
        assert!(
            refused.to_string().contains("append-only"),
            "{sql}: {refused}"
        );
    }
    let kept: i64 = conn
        .query_row(
            "SELECT count(*) FROM checks WHERE observation = 'open'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(kept, 1);
    assert_eq!(
        db.status(MORNING, "2026-11-22 09:40")["CQ001"]["status"],
        "ok"
    );
}

#[test]
fn rule_the_user_audit_cannot_be_changed_or_removed_even_by_sql() {
    let db = TestDb::with_sample_roster();
    let conn = db.writable_conn();
    conn.execute(
        "INSERT INTO user_audit (user_name, action, actor, at) VALUES ('a', 'add', 'b', 't')",
        [],
    )
    .unwrap();
    for sql in [
        "UPDATE user_audit SET actor = 'c'",
        "DELETE FROM user_audit",
    ] {
        let refused = conn.execute(sql, []).expect_err("the database refuses it");
        assert!(
            refused.to_string().contains("append-only"),
            "{sql}: {refused}"
        );
    }
}
