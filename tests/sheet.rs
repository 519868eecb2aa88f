//! `curtain sheet`: the printable route sheet written by the built binary and read back with
//! calamine: every elder on the round in route order under their building, away elders last
//! without boxes, the title naming the community, round and window; bad input refused with
//! nothing written.

mod common;

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::TestDb;

const ROUND: &str = "2026-11-23/morning";
/// The evening before: the sheet is printed for tomorrow's walk.
const NOW: &str = "2026-11-22 21:00";

fn text_of(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The first sheet, as rows of text.
fn read_sheet(path: &Path, name: &str) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = open_workbook(path).expect("the sheet opens as XLSX");
    assert_eq!(workbook.sheet_names(), [name]);
    let range = workbook.worksheet_range(name).expect("sheet reads");
    range
        .rows()
        .map(|row| row.iter().map(text_of).collect())
        .collect()
}

/// What the sheet lists, top to bottom.
#[derive(Debug, Default)]
struct Sheet {
    lines_above: Vec<String>,
    headers: Vec<String>,
    /// Headings (buildings, the away heading) and elder rows in order: `(heading, row)`.
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Heading(String),
    Elder(Vec<String>),
}

impl Sheet {
    fn read(rows: Vec<Vec<String>>, first_header: &str) -> Sheet {
        let mut sheet = Sheet::default();
        let mut rows = rows.into_iter();
        for row in rows.by_ref() {
            if row.first().map(String::as_str) == Some(first_header) {
                sheet.headers = row;
                break;
            }
            sheet.lines_above.push(row.concat());
        }
        assert!(!sheet.headers.is_empty(), "no header row");
        for row in rows {
            if row.get(1).is_some_and(|id| !id.is_empty()) {
                sheet.entries.push(Entry::Elder(row));
            } else if !row.concat().is_empty() {
                sheet.entries.push(Entry::Heading(row.concat()));
            }
        }
        sheet
    }

    fn ids(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter_map(|entry| match entry {
                Entry::Elder(row) => Some(row[1].clone()),
                Entry::Heading(_) => None,
            })
            .collect()
    }
}

fn sheet(db: &TestDb, lang: &str, args: &[&str], out: &Path) -> String {
    let mut all = vec!["sheet", "--round", ROUND, "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let run = db.run(lang, NOW, &all);
    assert_eq!(run.code, 0, "sheet failed:\n{}", run.describe());
    run.stdout
}

/// The elders `status` lists for the round (route order), with their grid and address.
fn route(db: &TestDb) -> Vec<(String, String, String, String)> {
    db.json(NOW, &["status", "--round", ROUND, "--format", "json"])
        .into_iter()
        .map(|row| {
            let field = |key: &str| row[key].as_str().unwrap_or("").to_string();
            (
                field("elder_id"),
                field("grid"),
                field("address"),
                field("status"),
            )
        })
        .collect()
}

fn building_of(address: &str) -> &str {
    let end = address
        .find('栋')
        .expect("sample addresses name a building")
        + '栋'.len_utf8();
    &address[..end]
}

#[test]
fn every_elder_is_listed_in_route_order_under_their_building_and_the_away_last() {
    let db = TestDb::with_sample_roster();
    db.ok(
        "2026-11-22 09:00",
        &[
            "away",
            "CQ010",
            "--from",
            "2026-11-22",
            "--to",
            "2026-11-30",
            "--reason",
            "住院",
        ],
    );
    let out = db.file("route.xlsx");
    let said = sheet(&db, "zh", &[], &out);
    assert!(said.contains("59 位老人要查看，1 位外出"), "{said}");
    let sheet = Sheet::read(read_sheet(&out, "路线表"), "序号");
    assert_eq!(
        sheet.headers,
        [
            "序号",
            "编号",
            "姓名",
            "单元 门牌",
            "窗户",
            "备注",
            "开",
            "关",
            "见到",
            "看不清",
            "时间"
        ]
    );

    let route = route(&db);
    let walked: Vec<String> = route
        .iter()
        .filter(|(_, _, _, status)| status != "away")
        .map(|(id, ..)| id.clone())
        .collect();
    assert_eq!(walked.len(), 59);
    let mut want = walked.clone();
    want.push("CQ010".to_string());
    assert_eq!(sheet.ids(), want, "route order, the away elder last");

    // Each elder sits under the heading of their building (named again, 续, at the top of a
    // page the building runs onto), and the away one under 外出.
    let mut heading = String::new();
    let mut continued = 0;
    for entry in &sheet.entries {
        match entry {
            Entry::Heading(text) => {
                heading = match text.strip_suffix("（续）") {
                    Some(building) => {
                        assert_eq!(heading, building, "continues the building before it");
                        continued += 1;
                        building.to_string()
                    }
                    None => text.clone(),
                }
            }
            Entry::Elder(row) => {
                let (_, _, address, status) = route.iter().find(|r| r.0 == row[1]).unwrap();
                if status == "away" {
                    assert_eq!(heading, "外出（本轮无需查看）");
                    assert_eq!(row[4], "外出至 2026-11-30 · 住院", "{row:?}");
                } else {
                    assert_eq!(heading, building_of(address), "{row:?}");
                    assert!(address.ends_with(&row[3]), "{row:?} place from {address}");
                    assert!(row[6..].iter().all(String::is_empty), "boxes are empty");
                }
            }
        }
    }
    assert!(
        continued >= 1,
        "60 elders run over more than one page, so some building continues"
    );
    let elder = |id: &str| {
        sheet
            .entries
            .iter()
            .find_map(|entry| match entry {
                Entry::Elder(row) if row[1] == id => Some(row.clone()),
                _ => None,
            })
            .unwrap()
    };
    let first = elder("CQ001");
    assert_eq!(first[0], "1", "the route number");
    assert_eq!(first[2], "王秀英");
    assert_eq!(first[4], "朝花园四楼厨房窗，蓝色碎花窗帘");
    assert!(elder("CQ002")[5].contains("耳背"), "notes are on the sheet");
    assert!(
        elder("CQ007")[5].contains("本人时段 08:00–10:30"),
        "an elder's own window is on the sheet"
    );
}

#[test]
fn the_title_names_the_community_the_round_and_its_window() {
    let db = TestDb::with_sample_roster();
    std::fs::write(
        db.file("curtain.toml"),
        "[community]\nname = \"长青社区\"\n",
    )
    .unwrap();
    let out = db.file("route.xlsx");
    sheet(&db, "zh", &[], &out);
    let sheet = Sheet::read(read_sheet(&out, "路线表"), "序号");
    assert_eq!(sheet.lines_above[0], "长青社区 · 晨巡 11月23日 巡视路线表");
    assert_eq!(
        sheet.lines_above[1],
        "应开窗帘 · 时段 07:00–09:30 · 共 60 位"
    );
    assert!(sheet.lines_above[3].contains("--round 2026-11-23/morning"));

    let out = db.file("route-en.xlsx");
    let run = db.run(
        "en",
        NOW,
        &[
            "sheet",
            "--round",
            "2026-11-22/evening",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let sheet = Sheet::read(read_sheet(&out, "Route sheet"), "no.");
    assert_eq!(
        sheet.lines_above[0],
        "长青社区 · route sheet · evening 22 Nov"
    );
    assert!(sheet.lines_above[1].starts_with("expect closed · window 19:30–22:00"));
    assert_eq!(
        sheet.headers[6..],
        ["open", "closed", "seen", "unclear", "time"]
    );
}

#[test]
fn a_grid_sheet_lists_only_that_grid() {
    let db = TestDb::with_sample_roster();
    let out = db.file("grid2.xlsx");
    sheet(&db, "zh", &["--grid", "第二网格"], &out);
    let sheet = Sheet::read(read_sheet(&out, "路线表"), "序号");
    let want: Vec<String> = route(&db)
        .into_iter()
        .filter(|(_, grid, ..)| grid == "第二网格")
        .map(|(id, ..)| id)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(sheet.ids(), want);
    assert!(
        sheet.lines_above[1].ends_with(" · 第二网格"),
        "{:?}",
        sheet.lines_above
    );
}

#[test]
fn bad_input_is_refused_with_exit_2_and_no_file() {
    let db = TestDb::with_sample_roster();
    std::fs::write(db.file("kept.xlsx"), "yesterday's sheet").unwrap();
    let path = |name: &str| db.file(name).to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![ROUND.into(), path("a.csv")], ".xlsx"),
        (vec![ROUND.into(), path("kept.xlsx")], "already exists"),
        (
            vec!["2026-11-23/noon".into(), path("a.xlsx")],
            "not a round",
        ),
        (
            vec![ROUND.into(), path("no-such-dir/a.xlsx")],
            "no directory",
        ),
        (
            vec!["2026-11-21/morning".into(), path("a.xlsx")],
            "nobody is on the roster",
        ),
    ];
    for (args, says) in cases {
        db.refused(
            "en",
            NOW,
            &["sheet", "--round", &args[0], "--out", &args[1]],
            &[says],
        );
    }
    db.refused(
        "zh",
        NOW,
        &[
            "sheet",
            "--round",
            ROUND,
            "--grid",
            "第九网格",
            "--out",
            &path("a.xlsx"),
        ],
        &["第九网格", "第一网格, 第二网格, 第三网格, 第四网格"],
    );
    let mut left: Vec<String> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("curtain.db"))
        .collect();
    left.sort();
    assert_eq!(left, ["kept.xlsx"], "nothing else was written");
    assert_eq!(
        std::fs::read_to_string(db.file("kept.xlsx")).unwrap(),
        "yesterday's sheet"
    );
}
