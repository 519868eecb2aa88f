//! The volunteers' tally as an XLSX sheet (#15), for the community's volunteer-service points
//! (志愿服务积分). `curtain tally` prints the other formats itself.

use std::path::Path;

use anyhow::Context;
use rust_xlsxwriter::{Format, Workbook};

use super::{OutFile, OutKind, check_out_path};
use crate::domain::tally::VolunteerTally;
use crate::i18n::{Lang, t};

/// The tally's column headers, in the order the rows fill them.
pub fn headers(lang: Lang) -> [&'static str; 6] {
    let s = t(lang);
    [
        &s.col_volunteer,
        &s.col_rounds_walked,
        &s.col_checks,
        &s.col_on_time,
        &s.col_alerts,
        &s.col_makeups,
    ]
}

/// Refuses an output path that is not a new `.xlsx` file in an existing directory.
pub fn check_out(out: &Path) -> Result<(), crate::error::Refusal> {
    check_out_path(out, &[OutKind::Xlsx]).map(|_| ())
}

/// Writes the tally to a new XLSX file: numbers as numbers, the on-time share as a percentage.
pub fn write_xlsx(lang: Lang, rows: &[VolunteerTally], out: &Path) -> anyhow::Result<()> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(t(lang).col_volunteer.as_str())?;
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0%");
    for (column, header) in headers(lang).iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(column)?, *header, &bold)?;
        sheet.set_column_width(u16::try_from(column)?, 14)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let at = u32::try_from(index + 1).context("row number")?;
        sheet.write_string(at, 0, crate::domain::text::clean_line(&row.volunteer))?;
        sheet.write_number(at, 1, f64::from(row.rounds_walked))?;
        sheet.write_number(at, 2, f64::from(row.checks))?;
        sheet.write_number_with_format(at, 3, row.on_time_share, &percent)?;
        sheet.write_number(at, 4, f64::from(row.alerts))?;
        sheet.write_number(at, 5, f64::from(row.make_up_rounds))?;
    }
    let mut file = OutFile::create(out)?;
    workbook
        .save_to_writer(file.file()?)
        .context("writing the tally")?;
    file.finish()
}
