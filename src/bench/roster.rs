//! A generated district roster: grids of about a thousand elders, residential compounds of
//! about twenty-five buildings, a dozen elders to a building, Chinese names, phone numbers, window
//! hints and keyholders, in route order (grid, then building). The same seed, the same roster.

use std::path::Path;

use anyhow::Context;
use chrono::NaiveTime;

use super::rng::SplitMix64;
use crate::import::RosterRow;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "秀英", "桂英", "秀兰", "玉兰", "淑珍", "凤英", "建国", "国华", "志强", "德明", "玉珍", "素芳",
    "文华", "保国", "金凤", "福生", "长林", "桂芳", "美兰", "春生", "爱华", "永福", "翠英", "振华",
];
const COMPOUNDS: &[&str] = &[
    "长青",
    "幸福里",
    "南郊",
    "和平",
    "东风",
    "向阳",
    "光明",
    "红旗",
    "新村",
    "桃园",
    "建设",
    "团结",
    "胜利",
    "朝阳",
    "育才",
    "松鹤",
    "春晖",
    "锦绣",
    "康乐",
    "安居",
];
const HINTS: &[&str] = &[
    "南面二楼左窗，米色窗帘",
    "临街三楼，蓝色窗帘",
    "一楼靠楼道，碎花窗帘",
    "北面阳台，白色纱帘",
    "五楼东头，红色窗帘",
    "二楼中间，灰色百叶",
];
const NOTES: &[&str] = &[
    "耳背，敲门要用力",
    "腿脚不便",
    "独居，女儿在外地",
    "有高血压",
];
const KEYHOLDERS: &[&str] = &["对门邻居", "物业", "楼长", "女儿", "儿子"];

/// The elders a grid holds, near enough: a grid worker's patch.
const ELDERS_PER_GRID: usize = 1000;
const ELDERS_PER_BUILDING: usize = 12;
const BUILDINGS_PER_COMPOUND: usize = 25;

/// How many grids a district of `elders` has: three at least, so even the small database has
/// more than one grid to filter by.
pub fn grid_count(elders: usize) -> usize {
    elders.div_ceil(ELDERS_PER_GRID).max(3).min(elders.max(1))
}

pub fn grid_name(index: usize) -> String {
    format!("第{:02}网格", index + 1)
}

fn phone(rng: &mut SplitMix64) -> String {
    format!("13{}{:08}", rng.between(0, 9), rng.below(100_000_000))
}

/// The roster rows, in route order, and each elder's grid index.
pub fn generate(elders: usize, rng: &mut SplitMix64) -> Vec<(RosterRow, usize)> {
    let grids = grid_count(elders);
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
    let mut rows = Vec::with_capacity(elders);
    for index in 0..elders {
        // Grids are contiguous runs of the route; buildings are contiguous within a grid.
        let grid = index * grids / elders.max(1);
        let building = index / ELDERS_PER_BUILDING;
        let compound = building / BUILDINGS_PER_COMPOUND;
        let compound_name = format!(
            "{}{}小区",
            COMPOUNDS[compound % COMPOUNDS.len()],
            compound / COMPOUNDS.len() + 1
        );
        let address = format!(
            "{compound_name} {}栋 {}单元 {}{:02}",
            building % BUILDINGS_PER_COMPOUND + 1,
            rng.between(1, 4),
            rng.between(1, 6),
            rng.between(1, 4)
        );
        let surname = *rng.pick(SURNAMES);
        let own_morning = rng.chance(0.005);
        rows.push((
            RosterRow {
                line: index + 2,
                id: format!("E{:06}", index + 1),
                name: format!("{surname}{}", rng.pick(GIVEN)),
                address,
                grid: grid_name(grid),
                phone: rng.chance(0.9).then(|| phone(rng)),
                contact: Some(format!("{surname}{}", rng.pick(&["先生", "女士"]))),
                contact_phone: Some(phone(rng)),
                notes: rng.chance(0.2).then(|| rng.pick(NOTES).to_string()),
                window_hint: Some(rng.pick(HINTS).to_string()),
                route: Some(index as i64 + 1),
                keyholder: rng.chance(0.6).then(|| rng.pick(KEYHOLDERS).to_string()),
                keyholder_phone: Some(phone(rng)),
                // A late riser: their own morning window, closing before the evening opens.
                morning_window: own_morning.then(|| (hm(8, 0), hm(10, 30))),
                evening_window: None,
                community: None,
                columns: crate::import::ColumnSet::ALL,
            },
            grid,
        ));
    }
    rows
}

/// Writes the roster as the office's CSV (English headers), for the import benchmark.
pub fn write_csv(path: &Path, rows: &[(RosterRow, usize)]) -> anyhow::Result<()> {
    let mut out =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
    out.write_record([
        "id",
        "name",
        "address",
        "grid",
        "phone",
        "contact",
        "contact_phone",
        "notes",
        "window",
        "route",
        "keyholder",
        "keyholder_phone",
        "morning_window",
        "evening_window",
    ])?;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let window = |w: Option<(NaiveTime, NaiveTime)>| {
        crate::store::elders::window_text(w).unwrap_or_default()
    };
    for (row, _) in rows {
        out.write_record([
            row.id.clone(),
            row.name.clone(),
            row.address.clone(),
            row.grid.clone(),
            text(&row.phone),
            text(&row.contact),
            text(&row.contact_phone),
            text(&row.notes),
            text(&row.window_hint),
            row.route.map(|r| r.to_string()).unwrap_or_default(),
            text(&row.keyholder),
            text(&row.keyholder_phone),
            window(row.morning_window),
            window(row.evening_window),
        ])?;
    }
    out.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
