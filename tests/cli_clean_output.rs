//! Text from the roster cannot hurt the terminal or the spreadsheet it is shown in (issue 12): a
//! roster carrying terminal escapes, backspaces, bidi overrides and formulas is imported, and
//! every listing in every format is read back byte by byte. Volunteers see every phone-like
//! number masked, in phones, contacts and notes, ASCII or full-width.

mod common;

use common::{IMPORT_NOW, MORNING, TestDb, run, write_text};

const HOSTILE_ROSTER: &str = "编号,姓名,地址,网格,电话,紧急联系人,备注,顺序\n\
E1,\"王\x1b]0;pwned\x07秀英\",\"长青小区\x1b[2J 6栋\",第一网格,138\x08\x08\x08999,=1+1,@SUM(1),1\n\
E2,\"李\u{202E}芳\",\"南郊新村\x1b[31m 3幢\",第一网格,13800001111,\"女儿 李芳 13912345678\",\"-2+3\r\n耳背\",2\n";

const NOW: &str = "2026-11-22 10:00";

/// No byte below 0x20 but the line feed (and a tab where the format needs one), no ESC in any
/// form, no bidi override.
fn assert_harmless(what: &str, out: &str) {
    for (index, byte) in out.bytes().enumerate() {
        assert!(
            byte >= 0x20 || byte == b'\n',
            "{what}: byte {byte:#04x} at {index}:\n{out:?}"
        );
    }
    assert!(!out.contains('\u{202E}'), "{what}: bidi override:\n{out}");
    assert!(!out.contains("\\u001b"), "{what}: escaped ESC:\n{out}");
}

#[test]
fn no_listing_passes_a_control_character_or_a_formula() {
    let db = TestDb::new();
    let roster = write_text(&db, "hostile.csv", HOSTILE_ROSTER);
    db.ok(IMPORT_NOW, &["import", roster.to_str().unwrap()]);
    // The morning round closed with nobody checked: both elders are flagged missed.
    let flags = db.flags(false, NOW);
    assert_eq!(flags.len(), 2, "{flags:?}");

    for format in ["table", "csv", "json"] {
        for args in [
            vec!["elders", "--format", format],
            vec!["status", "--round", MORNING, "--format", format],
            vec!["flags", "--format", format],
        ] {
            let out = db.ok(NOW, &args);
            let what = args.join(" ");
            assert_harmless(&what, &out);
            assert!(
                out.contains("秀英"),
                "{what}: the name is still there:\n{out}"
            );
        }
    }
    let csv = db.ok(NOW, &["elders", "--format", "csv"]);
    assert!(csv.contains(",'=1+1,"), "formula escaped:\n{csv}");
    assert!(csv.contains(",'@SUM(1)\n"), "formula escaped:\n{csv}");
    assert!(
        csv.contains("\"'-2+3\n耳背\""),
        "a note keeps its line:\n{csv}"
    );
    let table = db.ok(NOW, &["elders"]);
    assert!(
        table.contains("138999"),
        "backspaces cannot hide digits:\n{table}"
    );
}

#[test]
fn volunteers_see_every_phone_like_number_masked() {
    let db = TestDb::new();
    let roster = write_text(
        &db,
        "roster.csv",
        "编号,姓名,网格,电话,紧急联系人,联系电话,备注\n\
         E1,王秀英,第一网格,１３８００１３８０００,女儿 李芳 13912345678,0571-88886666,\
         \"儿子１３９１２３４５６７８，住 6栋 302\"\n",
    );
    db.ok(IMPORT_NOW, &["import", roster.to_str().unwrap()]);
    let mut command = db.command_as("li", "en", IMPORT_NOW, &["init", "--admin", "li"]);
    command.env("CURTAIN_PIN", "2580");
    assert_eq!(run(command).code, 0);
    let mut command = db.command_as(
        "li",
        "en",
        IMPORT_NOW,
        &[
            "user",
            "add",
            "wang",
            "--role",
            "volunteer",
            "--grid",
            "第一网格",
        ],
    );
    command
        .env("CURTAIN_PIN", "2580")
        .env("CURTAIN_NEW_PIN", "1357");
    assert_eq!(run(command).code, 0);

    let mut command = db.command_as("wang", "en", NOW, &["elders", "--format", "json"]);
    command.env("CURTAIN_PIN", "1357");
    let result = run(command);
    assert_eq!(result.code, 0, "{}", result.describe());
    let rows: serde_json::Value = serde_json::from_str(&result.stdout).expect("json");
    let elder = &rows[0];
    // The phone column's full-width digits are made ASCII on import; a note keeps them as typed.
    assert_eq!(elder["phone"], "138****8000");
    assert_eq!(elder["contact"], "女儿 李芳 139****5678");
    assert_eq!(elder["contact_phone"], "057*-****6666");
    assert_eq!(elder["notes"], "儿子１３９****５６７８，住 6栋 302");

    let mut command = db.command_as("li", "en", NOW, &["elders", "--format", "json"]);
    command.env("CURTAIN_PIN", "2580");
    let admin = run(command);
    assert!(
        admin.stdout.contains("13912345678"),
        "the admin sees the number: {}",
        admin.describe()
    );
}

/// `curtain status --format csv | head`: the reader closes the pipe after what it wanted; curtain
/// stops quietly with exit 0, not "error: Broken pipe" on the terminal. The district is large
/// enough that its status outgrows the pipe's buffer.
#[test]
fn output_cut_short_by_its_reader_ends_quietly() {
    use std::io::Read;
    let db = TestDb::new();
    db.ok(
        "2026-11-22 08:30",
        &["bench", "gen", "--elders", "1000", "--days", "2"],
    );
    let mut child = common::curtain()
        .env("CURTAIN_USER", common::USER)
        .arg("--db")
        .arg(&db.path)
        .args(["--now", "2026-11-22 08:30", "--lang", "en"])
        .args(["status", "--format", "csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start curtain");
    let mut first = [0_u8; 64];
    let mut stdout = child.stdout.take().expect("stdout");
    stdout
        .read_exact(&mut first)
        .expect("the start of the list");
    drop(stdout);
    let output = child.wait_with_output().expect("curtain ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "nothing on the terminal: {stderr}");
}
