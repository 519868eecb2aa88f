//! A workbook written as it goes, for the ledger's sheets of up to a million rows. Each row becomes
//! sheet XML as it is given; the XML is compressed in pieces on a thread of its own, each piece on
//! its own (no reference to the piece before), into a temporary file per sheet; the file is put
//! together at the end, when each sheet's columns and extent are known, by placing the sheet's
//! opening, its compressed rows and its closing one after another in one zip entry (deflate blocks
//! that are not the last can follow one another byte by byte after a sync flush).
//!
//! Why not rust_xlsxwriter (which writes the route sheets and the tally): on a district's month it
//! spent half the time making each cell's XML through its general machinery and a quarter
//! compressing every sheet again after the last row, on one thread. This writer holds only what
//! the ledger uses: text and whole numbers in four looks, a frozen header, an autofilter, column
//! widths, row heights and printing on A4.

use std::fs::File;
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use anyhow::Context;
use flate2::{Compress, Compression, FlushCompress, Status};

use super::{A4_MARGINS, Orientation};

/// How much sheet XML is compressed at once: large enough that starting each piece afresh costs
/// little in size, small enough that a sheet per grid of a large district holds little memory.
const PIECE: usize = 256 * 1024;

/// How a cell looks; the styles of the workbook's style sheet, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Plain,
    /// Bold on a pale blue ground, boxed, centred and wrapped.
    Header,
    /// Aligned to the top, for a row another cell of which takes several lines.
    Top,
    /// Wrapped and aligned to the top.
    WrapTop,
}

impl Look {
    fn style(self) -> Option<&'static [u8]> {
        match self {
            Look::Plain => None,
            Look::Header => Some(b"1"),
            Look::Top => Some(b"2"),
            Look::WrapTop => Some(b"3"),
        }
    }
}

/// A sheet apart from its rows.
#[derive(Debug, Clone)]
pub struct SheetSetup {
    pub name: String,
    /// The first rows and columns, kept in sight when scrolling.
    pub frozen_rows: u32,
    pub frozen_columns: u16,
    pub orientation: Orientation,
    /// The page footer, centred (`&P` and `&N` are the page and the page count).
    pub footer: String,
}

struct Sheet {
    setup: SheetSetup,
    /// The lowest row the next row may have: rows go in order.
    next_row: u32,
    /// The last row and column holding a cell.
    last_cell: Option<(u32, u16)>,
    widths: Vec<(u16, f64)>,
    autofilter: Option<(u32, u16)>,
    /// Rows not yet sent for compressing.
    xml: Vec<u8>,
}

/// A piece of one sheet's rows, sent to be compressed.
struct Piece {
    sheet: usize,
    xml: Vec<u8>,
}

/// A sheet's rows, compressed: deflate blocks, none of them the last, in a temporary file.
struct Body {
    file: File,
    compressed: u64,
    raw: u64,
    crc: crc32fast::Hasher,
}

pub struct Book {
    sheets: Vec<Sheet>,
    pieces: Option<mpsc::SyncSender<Piece>>,
    /// Buffers back from the compressing thread, to be filled again.
    spare: mpsc::Receiver<Vec<u8>>,
    compressing: Option<JoinHandle<io::Result<Vec<Body>>>>,
    level: u32,
    zip64_from: u64,
    scratch: PathBuf,
}

impl Book {
    /// A workbook whose sheets are deflated at `level` (0–9), their compressed rows held until
    /// the end in unnamed temporary files in `scratch` (where the workbook goes: the space it
    /// needs is there, and a small `/tmp` in memory is not filled).
    pub fn new(level: u32, scratch: &Path) -> Book {
        let (pieces, pieces_read) = mpsc::sync_channel::<Piece>(16);
        let (spare_back, spare) = mpsc::channel();
        let scratch = scratch.to_path_buf();
        let thread_scratch = scratch.clone();
        let compressing = std::thread::spawn(move || {
            compress_pieces(level, &thread_scratch, pieces_read, spare_back)
        });
        Book {
            sheets: Vec::new(),
            pieces: Some(pieces),
            spare,
            compressing: Some(compressing),
            level,
            zip64_from: u64::from(u32::MAX),
            scratch,
        }
    }

    /// Adds a sheet after the others; returns its place.
    pub fn add_sheet(&mut self, setup: SheetSetup) -> usize {
        self.sheets.push(Sheet {
            setup,
            next_row: 0,
            last_cell: None,
            widths: Vec::new(),
            autofilter: None,
            xml: Vec::new(),
        });
        self.sheets.len() - 1
    }

    /// Starts row `row` (from 0) of `sheet`, `height` points high or the default; rows of a
    /// sheet go in order, and the row's cells in order of their columns.
    pub fn row(&mut self, sheet: usize, row: u32, height: Option<f64>) -> anyhow::Result<Row<'_>> {
        let target = self
            .sheets
            .get_mut(sheet)
            .with_context(|| format!("no sheet {sheet} in the workbook"))?;
        anyhow::ensure!(
            row >= target.next_row,
            "row {row} of sheet {sheet} comes after row {}",
            target.next_row
        );
        if target.xml.capacity() == 0 {
            target.xml = self
                .spare
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(PIECE + 8 * 1024));
        }
        target.next_row = row.saturating_add(1);
        let mut number = itoa::Buffer::new();
        let number = number.format(u64::from(row) + 1).as_bytes().to_vec();
        let xml = &mut target.xml;
        xml.extend_from_slice(b"<row r=\"");
        xml.extend_from_slice(&number);
        if let Some(height) = height {
            xml.extend_from_slice(format!("\" ht=\"{height}\" customHeight=\"1").as_bytes());
        }
        xml.extend_from_slice(b"\">");
        Ok(Row {
            book: self,
            sheet,
            row,
            number,
            last_column: None,
        })
    }

    /// The sheet's column widths, in characters.
    pub fn set_widths(&mut self, sheet: usize, widths: impl IntoIterator<Item = (u16, f64)>) {
        if let Some(sheet) = self.sheets.get_mut(sheet) {
            sheet.widths = widths.into_iter().collect();
        }
    }

    /// An autofilter over the header row and the rows below it, to `last_row`, `last_column`.
    pub fn set_autofilter(&mut self, sheet: usize, last_row: u32, last_column: u16) {
        if let Some(sheet) = self.sheets.get_mut(sheet) {
            sheet.autofilter = Some((last_row, last_column));
        }
    }

    /// Writes the workbook to `out`.
    pub fn save(mut self, out: &mut impl Write) -> anyhow::Result<()> {
        for sheet in 0..self.sheets.len() {
            self.send(sheet)?;
        }
        let mut bodies = self.finish_compressing()?;
        let mut zip = ZipOut::new(out, self.zip64_from);
        let level = self.level;
        zip.deflated("[Content_Types].xml", &self.content_types(), level)?;
        zip.deflated("_rels/.rels", PACKAGE_RELS.as_bytes(), level)?;
        zip.deflated("xl/workbook.xml", &self.workbook_xml(), level)?;
        zip.deflated("xl/_rels/workbook.xml.rels", &self.workbook_rels(), level)?;
        zip.deflated("xl/styles.xml", STYLES.as_bytes(), level)?;
        for (index, sheet) in self.sheets.iter().enumerate() {
            let body = match bodies.get_mut(index).and_then(Option::take) {
                Some(body) => body,
                None => Body::empty(&self.scratch)?,
            };
            let name = format!("xl/worksheets/sheet{}.xml", index + 1);
            zip.deflated_around(
                &name,
                &sheet.opening(index == 0),
                body,
                &sheet.closing(),
                level,
            )?;
        }
        zip.finish()?;
        Ok(())
    }

    /// Sends a sheet's rows written so far to be compressed.
    fn send(&mut self, sheet: usize) -> anyhow::Result<()> {
        let Some(target) = self.sheets.get_mut(sheet) else {
            return Ok(());
        };
        if target.xml.is_empty() {
            return Ok(());
        }
        let xml = std::mem::take(&mut target.xml);
        let sent = self
            .pieces
            .as_ref()
            .is_some_and(|pieces| pieces.send(Piece { sheet, xml }).is_ok());
        if !sent {
            // The thread stopped on an error; its error says why.
            return Err(self
                .finish_compressing()
                .err()
                .unwrap_or_else(|| anyhow::anyhow!("the workbook's compressing thread stopped")));
        }
        Ok(())
    }

    fn finish_compressing(&mut self) -> anyhow::Result<Vec<Option<Body>>> {
        drop(self.pieces.take());
        let thread = self
            .compressing
            .take()
            .context("the workbook was already put together")?;
        let bodies = thread
            .join()
            .map_err(|_| anyhow::anyhow!("the workbook's compressing thread panicked"))?
            .context("compressing the workbook's rows")?;
        Ok(bodies.into_iter().map(Some).collect())
    }

    fn content_types(&self) -> Vec<u8> {
        let mut xml = String::from(XML_DECLARATION);
        xml.push_str(
            "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
        );
        for index in 1..=self.sheets.len() {
            xml.push_str(&format!(
                "<Override PartName=\"/xl/worksheets/sheet{index}.xml\" \
                 ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            ));
        }
        xml.push_str("</Types>");
        xml.into_bytes()
    }

    fn workbook_xml(&self) -> Vec<u8> {
        let mut xml = String::from(XML_DECLARATION);
        xml.push_str(
            "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
             <workbookPr/><bookViews><workbookView xWindow=\"240\" yWindow=\"15\" \
             windowWidth=\"16095\" windowHeight=\"9660\"/></bookViews><sheets>",
        );
        for (index, sheet) in self.sheets.iter().enumerate() {
            xml.push_str(&format!(
                "<sheet name=\"{}\" sheetId=\"{}\" r:id=\"rId{}\"/>",
                escape_attribute(&sheet.setup.name),
                index + 1,
                index + 1
            ));
        }
        xml.push_str("</sheets>");
        let mut names = String::new();
        for (index, sheet) in self.sheets.iter().enumerate() {
            let quoted = quoted_sheet_name(&sheet.setup.name);
            if let Some((last_row, last_column)) = sheet.autofilter {
                names.push_str(&format!(
                    "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"{index}\" \
                     hidden=\"1\">{}!$A$1:${}${}</definedName>",
                    escape_text(&quoted),
                    column_name(last_column),
                    u64::from(last_row) + 1
                ));
            }
            if sheet.setup.frozen_rows > 0 {
                names.push_str(&format!(
                    "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{index}\">\
                     {}!$1:${}</definedName>",
                    escape_text(&quoted),
                    sheet.setup.frozen_rows
                ));
            }
        }
        if !names.is_empty() {
            xml.push_str("<definedNames>");
            xml.push_str(&names);
            xml.push_str("</definedNames>");
        }
        xml.push_str("<calcPr calcId=\"124519\" fullCalcOnLoad=\"1\"/></workbook>");
        xml.into_bytes()
    }

    fn workbook_rels(&self) -> Vec<u8> {
        let mut xml = String::from(XML_DECLARATION);
        xml.push_str(
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        );
        for index in 1..=self.sheets.len() {
            xml.push_str(&format!(
                "<Relationship Id=\"rId{index}\" \
                 Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" \
                 Target=\"worksheets/sheet{index}.xml\"/>"
            ));
        }
        xml.push_str(&format!(
            "<Relationship Id=\"rId{}\" \
             Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" \
             Target=\"styles.xml\"/></Relationships>",
            self.sheets.len() + 1
        ));
        xml.into_bytes()
    }
}

impl Drop for Book {
    fn drop(&mut self) {
        // A workbook given up on (an error while writing rows) stops its thread.
        drop(self.pieces.take());
        if let Some(thread) = self.compressing.take() {
            let _ = thread.join();
        }
    }
}

/// One row being written; its cells go in order of their columns.
pub struct Row<'b> {
    book: &'b mut Book,
    sheet: usize,
    row: u32,
    /// The row's number as the sheet counts (from 1), in digits.
    number: Vec<u8>,
    last_column: Option<u16>,
}

impl Row<'_> {
    pub fn text(&mut self, column: u16, text: &str, look: Look) {
        self.open_cell(column, look, true);
        let xml = self.xml();
        if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
            xml.extend_from_slice(b"<is><t xml:space=\"preserve\">");
        } else {
            xml.extend_from_slice(b"<is><t>");
        }
        push_escaped(xml, text);
        xml.extend_from_slice(b"</t></is></c>");
    }

    pub fn number(&mut self, column: u16, number: i64, look: Look) {
        self.open_cell(column, look, false);
        let xml = self.xml();
        xml.extend_from_slice(b"<v>");
        xml.extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
        xml.extend_from_slice(b"</v></c>");
    }

    /// Ends the row; a full piece goes to be compressed.
    pub fn end(self) -> anyhow::Result<()> {
        let (sheet, row, last_column) = (self.sheet, self.row, self.last_column);
        let book = self.book;
        let target = &mut book.sheets[sheet];
        target.xml.extend_from_slice(b"</row>");
        if let Some(column) = last_column {
            let (last_row, widest) = target.last_cell.unwrap_or((0, 0));
            target.last_cell = Some((last_row.max(row), widest.max(column)));
        }
        if target.xml.len() >= PIECE {
            book.send(sheet)?;
        }
        Ok(())
    }

    fn xml(&mut self) -> &mut Vec<u8> {
        &mut self.book.sheets[self.sheet].xml
    }

    fn open_cell(&mut self, column: u16, look: Look, text: bool) {
        self.last_column = Some(column);
        let Row {
            book,
            sheet,
            number,
            ..
        } = self;
        let xml = &mut book.sheets[*sheet].xml;
        xml.extend_from_slice(b"<c r=\"");
        push_column_name(xml, column);
        xml.extend_from_slice(number);
        xml.push(b'"');
        if let Some(style) = look.style() {
            xml.extend_from_slice(b" s=\"");
            xml.extend_from_slice(style);
            xml.push(b'"');
        }
        xml.extend_from_slice(if text { b" t=\"inlineStr\">" } else { b">" });
    }
}

impl Sheet {
    /// The sheet's XML before its rows.
    fn opening(&self, first: bool) -> Vec<u8> {
        let mut xml = String::from(XML_DECLARATION);
        xml.push_str(
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
             <sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>",
        );
        match self.last_cell {
            Some((row, column)) => xml.push_str(&format!(
                "<dimension ref=\"A1:{}{}\"/>",
                column_name(column),
                u64::from(row) + 1
            )),
            None => xml.push_str("<dimension ref=\"A1\"/>"),
        }
        xml.push_str("<sheetViews><sheetView ");
        if first {
            xml.push_str("tabSelected=\"1\" ");
        }
        xml.push_str("workbookViewId=\"0\">");
        xml.push_str(&self.frozen_pane());
        xml.push_str("</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
        if !self.widths.is_empty() {
            xml.push_str("<cols>");
            for (column, width) in &self.widths {
                let column = u32::from(*column) + 1;
                xml.push_str(&format!(
                    "<col min=\"{column}\" max=\"{column}\" width=\"{}\" customWidth=\"1\"/>",
                    excel_width(*width)
                ));
            }
            xml.push_str("</cols>");
        }
        xml.push_str("<sheetData>");
        xml.into_bytes()
    }

    fn frozen_pane(&self) -> String {
        let (rows, columns) = (self.setup.frozen_rows, self.setup.frozen_columns);
        if rows == 0 && columns == 0 {
            return String::new();
        }
        let corner = format!("{}{}", column_name(columns), u64::from(rows) + 1);
        if columns == 0 {
            return format!(
                "<pane ySplit=\"{rows}\" topLeftCell=\"{corner}\" activePane=\"bottomLeft\" \
                 state=\"frozen\"/><selection pane=\"bottomLeft\"/>"
            );
        }
        if rows == 0 {
            return format!(
                "<pane xSplit=\"{columns}\" topLeftCell=\"{corner}\" activePane=\"topRight\" \
                 state=\"frozen\"/><selection pane=\"topRight\"/>"
            );
        }
        let right = format!("{}1", column_name(columns));
        let below = format!("A{}", u64::from(rows) + 1);
        format!(
            "<pane xSplit=\"{columns}\" ySplit=\"{rows}\" topLeftCell=\"{corner}\" \
             activePane=\"bottomRight\" state=\"frozen\"/>\
             <selection pane=\"topRight\" activeCell=\"{right}\" sqref=\"{right}\"/>\
             <selection pane=\"bottomLeft\" activeCell=\"{below}\" sqref=\"{below}\"/>\
             <selection pane=\"bottomRight\"/>"
        )
    }

    /// The sheet's XML after its rows.
    fn closing(&self) -> Vec<u8> {
        let mut xml = String::from("</sheetData>");
        if let Some((last_row, last_column)) = self.autofilter {
            xml.push_str(&format!(
                "<autoFilter ref=\"A1:{}{}\"/>",
                column_name(last_column),
                u64::from(last_row) + 1
            ));
        }
        let [left, right, top, bottom, header, footer] = A4_MARGINS;
        let orientation = match self.setup.orientation {
            Orientation::Portrait => "portrait",
            Orientation::Landscape => "landscape",
        };
        xml.push_str(&format!(
            "<printOptions gridLines=\"1\"/><pageMargins left=\"{left}\" right=\"{right}\" \
             top=\"{top}\" bottom=\"{bottom}\" header=\"{header}\" footer=\"{footer}\"/>\
             <pageSetup paperSize=\"9\" fitToHeight=\"0\" orientation=\"{orientation}\"/>\
             <headerFooter><oddFooter>{}</oddFooter></headerFooter></worksheet>",
            escape_text(&format!("&C{}", self.setup.footer))
        ));
        xml.into_bytes()
    }
}

impl Body {
    fn empty(scratch: &Path) -> io::Result<Body> {
        let file = tempfile::tempfile_in(scratch).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("a temporary file in {}: {error}", scratch.display()),
            )
        })?;
        Ok(Body {
            file,
            compressed: 0,
            raw: 0,
            crc: crc32fast::Hasher::new(),
        })
    }
}

/// The compressing thread: each piece deflated on its own and added to its sheet's file.
fn compress_pieces(
    level: u32,
    scratch: &Path,
    pieces: mpsc::Receiver<Piece>,
    spare: mpsc::Sender<Vec<u8>>,
) -> io::Result<Vec<Body>> {
    let mut compress = Compress::new(Compression::new(level), false);
    let mut out = Vec::with_capacity(PIECE);
    let mut bodies: Vec<Body> = Vec::new();
    for Piece { sheet, xml } in pieces {
        while bodies.len() <= sheet {
            bodies.push(Body::empty(scratch)?);
        }
        let body = &mut bodies[sheet];
        deflate_alone(&mut compress, &xml, FlushCompress::Sync, &mut out)?;
        body.crc.update(&xml);
        body.raw += xml.len() as u64;
        body.file.write_all(&out)?;
        body.compressed += out.len() as u64;
        let mut xml = xml;
        xml.clear();
        // The writer may have finished; its buffers are not needed then.
        let _ = spare.send(xml);
    }
    Ok(bodies)
}

/// Deflates `input` into `out` with no reference to anything before it, ending with `flush`: a
/// sync flush leaves the blocks open for more to follow, `Finish` ends the stream.
fn deflate_alone(
    compress: &mut Compress,
    input: &[u8],
    flush: FlushCompress,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    compress.reset();
    out.clear();
    let mut consumed = 0usize;
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.capacity().max(16 * 1024));
        }
        let before = compress.total_in();
        let status = compress
            .compress_vec(&input[consumed..], out, flush)
            .map_err(io::Error::other)?;
        let taken = usize::try_from(compress.total_in() - before).map_err(io::Error::other)?;
        consumed += taken;
        if status == Status::StreamEnd {
            return Ok(());
        }
        // A flush is done when it had room to spare.
        if consumed == input.len() && flush != FlushCompress::Finish && out.len() < out.capacity() {
            return Ok(());
        }
    }
}

/// A zip archive written front to back: each entry's header, then its data, then the directory.
struct ZipOut<'w, W: Write> {
    out: &'w mut W,
    at: u64,
    entries: Vec<ZipEntry>,
    /// Sizes and offsets from here on are written in zip64's wider fields.
    zip64_from: u64,
}

struct ZipEntry {
    name: String,
    crc: u32,
    compressed: u64,
    raw: u64,
    offset: u64,
}

const DEFLATE: u16 = 8;
/// 1980-01-01 00:00 in DOS's form: the ledger's dates are in its cells, not its file times.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

impl<'w, W: Write> ZipOut<'w, W> {
    fn new(out: &'w mut W, zip64_from: u64) -> ZipOut<'w, W> {
        ZipOut {
            out,
            at: 0,
            entries: Vec::new(),
            zip64_from,
        }
    }

    fn deflated(&mut self, name: &str, data: &[u8], level: u32) -> io::Result<()> {
        let mut compress = Compress::new(Compression::new(level), false);
        let mut out = Vec::new();
        deflate_alone(&mut compress, data, FlushCompress::Finish, &mut out)?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(data);
        self.header(name, crc.finalize(), out.len() as u64, data.len() as u64)?;
        self.write(&out)
    }

    /// An entry of `opening`, the compressed `body` and `closing`.
    fn deflated_around(
        &mut self,
        name: &str,
        opening: &[u8],
        mut body: Body,
        closing: &[u8],
        level: u32,
    ) -> io::Result<()> {
        let mut compress = Compress::new(Compression::new(level), false);
        let mut head = Vec::new();
        deflate_alone(&mut compress, opening, FlushCompress::Sync, &mut head)?;
        let mut tail = Vec::new();
        deflate_alone(&mut compress, closing, FlushCompress::Finish, &mut tail)?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(opening);
        crc.combine(&body.crc);
        let mut closing_crc = crc32fast::Hasher::new();
        closing_crc.update(closing);
        crc.combine(&closing_crc);
        let compressed = head.len() as u64 + body.compressed + tail.len() as u64;
        let raw = opening.len() as u64 + body.raw + closing.len() as u64;
        self.header(name, crc.finalize(), compressed, raw)?;
        self.write(&head)?;
        body.file.rewind()?;
        let copied = io::copy(&mut body.file, &mut self.out)?;
        if copied != body.compressed {
            return Err(io::Error::other(format!(
                "{name}: {copied} bytes read back of {}",
                body.compressed
            )));
        }
        self.at += copied;
        self.write(&tail)
    }

    fn header(&mut self, name: &str, crc: u32, compressed: u64, raw: u64) -> io::Result<()> {
        let entry = ZipEntry {
            name: name.to_string(),
            crc,
            compressed,
            raw,
            offset: self.at,
        };
        let wide = entry.wide(self.zip64_from);
        let mut header = Vec::with_capacity(64 + name.len());
        header.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header.extend_from_slice(&(if wide { 45u16 } else { 20u16 }).to_le_bytes());
        header.extend_from_slice(&0u16.to_le_bytes());
        header.extend_from_slice(&DEFLATE.to_le_bytes());
        header.extend_from_slice(&DOS_TIME.to_le_bytes());
        header.extend_from_slice(&DOS_DATE.to_le_bytes());
        header.extend_from_slice(&crc.to_le_bytes());
        if wide {
            header.extend_from_slice(&u32::MAX.to_le_bytes());
            header.extend_from_slice(&u32::MAX.to_le_bytes());
        } else {
            header.extend_from_slice(&narrow(compressed).to_le_bytes());
            header.extend_from_slice(&narrow(raw).to_le_bytes());
        }
        header.extend_from_slice(&name_length(name)?.to_le_bytes());
        header.extend_from_slice(&(if wide { 20u16 } else { 0u16 }).to_le_bytes());
        header.extend_from_slice(name.as_bytes());
        if wide {
            header.extend_from_slice(&1u16.to_le_bytes());
            header.extend_from_slice(&16u16.to_le_bytes());
            header.extend_from_slice(&raw.to_le_bytes());
            header.extend_from_slice(&compressed.to_le_bytes());
        }
        self.entries.push(entry);
        self.write(&header)
    }

    fn finish(mut self) -> io::Result<()> {
        let directory_at = self.at;
        let mut directory = Vec::new();
        for entry in &self.entries {
            let wide = entry.wide(self.zip64_from);
            directory.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            let version: u16 = if wide { 45 } else { 20 };
            directory.extend_from_slice(&version.to_le_bytes());
            directory.extend_from_slice(&version.to_le_bytes());
            directory.extend_from_slice(&0u16.to_le_bytes());
            directory.extend_from_slice(&DEFLATE.to_le_bytes());
            directory.extend_from_slice(&DOS_TIME.to_le_bytes());
            directory.extend_from_slice(&DOS_DATE.to_le_bytes());
            directory.extend_from_slice(&entry.crc.to_le_bytes());
            let (compressed, raw, offset) = if wide {
                (u32::MAX, u32::MAX, u32::MAX)
            } else {
                (
                    narrow(entry.compressed),
                    narrow(entry.raw),
                    narrow(entry.offset),
                )
            };
            directory.extend_from_slice(&compressed.to_le_bytes());
            directory.extend_from_slice(&raw.to_le_bytes());
            directory.extend_from_slice(&name_length(&entry.name)?.to_le_bytes());
            directory.extend_from_slice(&(if wide { 28u16 } else { 0u16 }).to_le_bytes());
            // Comment, disk, internal and external attributes.
            directory.extend_from_slice(&[0u8; 10]);
            directory.extend_from_slice(&offset.to_le_bytes());
            directory.extend_from_slice(entry.name.as_bytes());
            if wide {
                directory.extend_from_slice(&1u16.to_le_bytes());
                directory.extend_from_slice(&24u16.to_le_bytes());
                directory.extend_from_slice(&entry.raw.to_le_bytes());
                directory.extend_from_slice(&entry.compressed.to_le_bytes());
                directory.extend_from_slice(&entry.offset.to_le_bytes());
            }
        }
        let size = directory.len() as u64;
        let count = self.entries.len() as u64;
        let wide = directory_at >= self.zip64_from
            || size >= self.zip64_from
            || count >= u64::from(u16::MAX);
        let mut end = Vec::new();
        if wide {
            let record_at = directory_at + size;
            end.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            end.extend_from_slice(&44u64.to_le_bytes());
            end.extend_from_slice(&45u16.to_le_bytes());
            end.extend_from_slice(&45u16.to_le_bytes());
            end.extend_from_slice(&[0u8; 8]);
            end.extend_from_slice(&count.to_le_bytes());
            end.extend_from_slice(&count.to_le_bytes());
            end.extend_from_slice(&size.to_le_bytes());
            end.extend_from_slice(&directory_at.to_le_bytes());
            end.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            end.extend_from_slice(&0u32.to_le_bytes());
            end.extend_from_slice(&record_at.to_le_bytes());
            end.extend_from_slice(&1u32.to_le_bytes());
        }
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&[0u8; 4]);
        let short_count = if wide {
            u16::MAX
        } else {
            u16::try_from(count).unwrap_or(u16::MAX)
        };
        end.extend_from_slice(&short_count.to_le_bytes());
        end.extend_from_slice(&short_count.to_le_bytes());
        let (short_size, short_at) = if wide {
            (u32::MAX, u32::MAX)
        } else {
            (narrow(size), narrow(directory_at))
        };
        end.extend_from_slice(&short_size.to_le_bytes());
        end.extend_from_slice(&short_at.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.write(&directory)?;
        self.write(&end)?;
        self.out.flush()
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.at += bytes.len() as u64;
        Ok(())
    }
}

impl ZipEntry {
    fn wide(&self, zip64_from: u64) -> bool {
        self.compressed >= zip64_from || self.raw >= zip64_from || self.offset >= zip64_from
    }
}

/// A size or offset known to fit in 32 bits (wider ones take zip64's fields).
fn narrow(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn name_length(name: &str) -> io::Result<u16> {
    u16::try_from(name.len()).map_err(|_| io::Error::other(format!("entry name too long: {name}")))
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

const PACKAGE_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" \
Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" \
Target=\"xl/workbook.xml\"/></Relationships>";

/// The four looks of [`Look`], in its order, after the default.
const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>\
<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>\
<fills count=\"3\"><fill><patternFill patternType=\"none\"/></fill>\
<fill><patternFill patternType=\"gray125\"/></fill>\
<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFDDEBF7\"/><bgColor indexed=\"64\"/>\
</patternFill></fill></fills>\
<borders count=\"2\"><border><left/><right/><top/><bottom/><diagonal/></border>\
<border><left style=\"thin\"><color auto=\"1\"/></left><right style=\"thin\"><color auto=\"1\"/>\
</right><top style=\"thin\"><color auto=\"1\"/></top><bottom style=\"thin\"><color auto=\"1\"/>\
</bottom><diagonal/></border></borders>\
<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
<cellXfs count=\"4\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
<xf numFmtId=\"0\" fontId=\"1\" fillId=\"2\" borderId=\"1\" xfId=\"0\" applyFont=\"1\" \
applyFill=\"1\" applyBorder=\"1\" applyAlignment=\"1\">\
<alignment horizontal=\"center\" vertical=\"center\" wrapText=\"1\"/></xf>\
<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyAlignment=\"1\">\
<alignment vertical=\"top\"/></xf>\
<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyAlignment=\"1\">\
<alignment vertical=\"top\" wrapText=\"1\"/></xf></cellXfs>\
<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
<dxfs count=\"0\"/><tableStyles count=\"0\"/></styleSheet>";

/// A column's letters: 0 is `A`, 25 `Z`, 26 `AA`.
fn column_name(column: u16) -> String {
    let mut name = Vec::with_capacity(3);
    push_column_name(&mut name, column);
    String::from_utf8_lossy(&name).into_owned()
}

fn push_column_name(out: &mut Vec<u8>, column: u16) {
    let mut letters = [0u8; 4];
    let mut at = letters.len();
    let mut rest = u32::from(column) + 1;
    while rest > 0 && at > 0 {
        let digit = (rest - 1) % 26;
        at -= 1;
        letters[at] = b'A' + digit as u8;
        rest = (rest - 1) / 26;
    }
    out.extend_from_slice(&letters[at..]);
}

/// A width in characters as Excel stores it: with the cell's padding, in 1/256 of a character
/// of Calibri 11 (seven pixels wide).
fn excel_width(characters: f64) -> f64 {
    ((characters * 7.0 + 5.0) / 7.0 * 256.0).trunc() / 256.0
}

/// A sheet's name as a formula refers to it: in quotes, a quote in it doubled.
fn quoted_sheet_name(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

fn escape_text(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    push_escaped(&mut out, text);
    String::from_utf8_lossy(&out).into_owned()
}

fn escape_attribute(text: &str) -> String {
    escape_text(text).replace('"', "&quot;")
}

/// Text as cell XML: markup escaped; characters XML cannot hold (control characters, a carriage
/// return, which XML would read back as a newline, U+FFFE and U+FFFF) and text that reads as one
/// of their escapes (`_x0007_`) in Excel's `_xHHHH_` form. Runs of other bytes are copied whole.
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let (mut copied, mut at) = (0, 0);
    while let Some(offset) = bytes[at..].iter().position(|b| LOOK_AT[usize::from(*b)]) {
        at += offset;
        let rest = &bytes[at..];
        let escape: Option<(std::borrow::Cow<'static, [u8]>, usize)> = match rest[0] {
            b'&' => Some((b"&amp;".into(), 1)),
            b'<' => Some((b"&lt;".into(), 1)),
            b'>' => Some((b"&gt;".into(), 1)),
            b'_' if looks_like_escape(rest) => Some((b"_x005F_".into(), 1)),
            // U+FFFE and U+FFFF; 0xEF leads other characters too.
            0xEF if rest.starts_with(&[0xEF, 0xBF, 0xBE]) => Some((b"_xFFFE_".into(), 3)),
            0xEF if rest.starts_with(&[0xEF, 0xBF, 0xBF]) => Some((b"_xFFFF_".into(), 3)),
            control @ 0..0x20 => Some((format!("_x{control:04X}_").into_bytes().into(), 1)),
            _ => None,
        };
        match escape {
            Some((escaped, width)) => {
                out.extend_from_slice(&bytes[copied..at]);
                out.extend_from_slice(&escaped);
                at += width;
                copied = at;
            }
            None => at += 1,
        }
    }
    out.extend_from_slice(&bytes[copied..]);
}

/// The bytes [`push_escaped`] looks at: control characters but a newline and a tab, markup, the
/// underscore that starts `_xHHHH_`, and the first byte of U+FFFE and U+FFFF.
const LOOK_AT: [bool; 256] = {
    let mut look = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        look[byte] = byte != b'\n' as usize && byte != b'\t' as usize;
        byte += 1;
    }
    look[b'&' as usize] = true;
    look[b'<' as usize] = true;
    look[b'>' as usize] = true;
    look[b'_' as usize] = true;
    look[0xEF] = true;
    look
};

/// `_x` four hex digits `_`: how Excel writes a character XML cannot hold.
fn looks_like_escape(bytes: &[u8]) -> bool {
    bytes.len() >= 7
        && bytes[1] == b'x'
        && bytes[2..6].iter().all(u8::is_ascii_hexdigit)
        && bytes[6] == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        for (column, name) in [
            (0, "A"),
            (4, "E"),
            (19, "T"),
            (25, "Z"),
            (26, "AA"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            assert_eq!(column_name(column), name, "column {column}");
        }
    }

    #[test]
    fn text_is_escaped_for_xml_and_for_excel() {
        for (text, xml) in [
            ("王秀英", "王秀英"),
            ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
            ("bell\u{7}", "bell_x0007_"),
            ("_x0041_ stays", "_x005F_x0041_ stays"),
            ("snake_case_x", "snake_case_x"),
            ("two\nlines", "two\nlines"),
            ("cr\r", "cr_x000D_"),
            (
                "not a character \u{fffe}\u{ffff}",
                "not a character _xFFFE__xFFFF_",
            ),
            ("\u{ef}\u{20000} 𠀀", "\u{ef}\u{20000} 𠀀"),
            ("全角，逗号：", "全角，逗号："),
        ] {
            assert_eq!(escape_text(text), xml, "{text:?}");
        }
    }

    fn setup(name: &str) -> SheetSetup {
        SheetSetup {
            name: name.to_string(),
            frozen_rows: 1,
            frozen_columns: 5,
            orientation: Orientation::Landscape,
            footer: "第 &P 页".to_string(),
        }
    }

    /// The text of row `row`, column `column` of the test book below.
    fn text_at(row: u32, column: u16) -> String {
        match column {
            0 => format!("王秀英 {row}"),
            1 => format!(" <{row}> & \u{7} _x0041_ "),
            _ => String::new(),
        }
    }

    #[test]
    fn a_book_of_many_pieces_reads_back_cell_by_cell_with_or_without_zip64() {
        use calamine::{Data, Reader};
        // Each sheet's 3,000 rows are over 500 KB of XML: compressed in several pieces.
        const ROWS: u32 = 6_000;
        for zip64_from in [u64::from(u32::MAX), 0] {
            let mut book = Book::new(2, &std::env::temp_dir());
            book.zip64_from = zip64_from;
            let names = ["第一网格", "Li's 'grid'"];
            for name in names {
                book.add_sheet(setup(name));
            }
            for row in 0..ROWS {
                // Rows alternate between the sheets, as a round's grids do.
                let sheet = (row % 2) as usize;
                let at = row / 2;
                let mut out = book.row(sheet, at, (at % 7 == 0).then_some(45.0)).unwrap();
                out.text(0, &text_at(at, 0), Look::Plain);
                out.text(1, &text_at(at, 1), Look::WrapTop);
                out.number(3, i64::from(at) - 100, Look::Top);
                out.end().unwrap();
            }
            book.set_widths(0, [(0, 12.0), (1, 30.0)]);
            book.set_autofilter(0, ROWS / 2 - 1, 3);
            let mut bytes = Vec::new();
            book.save(&mut bytes).unwrap();
            every_entry_matches_its_crc(&bytes);
            let mut read: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
            assert_eq!(read.sheet_names(), names);
            for name in names {
                let range = read.worksheet_range(name).unwrap();
                assert_eq!(
                    range.height(),
                    (ROWS / 2) as usize,
                    "{name}, zip64 from {zip64_from}"
                );
                for (at, row) in range.rows().enumerate() {
                    let at = u32::try_from(at).unwrap();
                    assert_eq!(row[0], Data::String(text_at(at, 0)));
                    assert_eq!(
                        row[1],
                        Data::String(text_at(at, 1)),
                        "escaped and read back"
                    );
                    assert_eq!(row[2], Data::Empty, "a cell not written");
                    assert_eq!(row[3], Data::Float(f64::from(at) - 100.0));
                }
            }
        }
    }

    /// Reads every entry to its end: the zip reader checks the CRC there (a spreadsheet that
    /// does too would call the file damaged).
    fn every_entry_matches_its_crc(bytes: &[u8]) {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).unwrap();
            let name = entry.name().unwrap().to_string();
            let mut content = Vec::new();
            entry
                .read_to_end(&mut content)
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(content.len() as u64, entry.size(), "{name}");
        }
    }

    #[test]
    fn a_scratch_directory_that_cannot_be_written_is_an_error_not_a_hang() {
        let mut book = Book::new(2, Path::new("/nonexistent/scratch"));
        let sheet = book.add_sheet(setup("台账"));
        let mut failed = None;
        for at in 0..20_000 {
            let written = book.row(sheet, at, None).and_then(|mut row| {
                row.text(0, "和平1小区 9栋 1单元 202", Look::Plain);
                row.end()
            });
            if let Err(error) = written {
                failed = Some(error);
                break;
            }
        }
        let error = match failed {
            Some(error) => error,
            None => book.save(&mut Vec::new()).unwrap_err(),
        };
        assert!(
            format!("{error:#}").contains("compressing"),
            "the error says what failed: {error:#}"
        );
    }

    #[test]
    fn rows_of_a_sheet_go_in_order() {
        let mut book = Book::new(2, &std::env::temp_dir());
        let sheet = book.add_sheet(setup("台账"));
        book.row(sheet, 5, None).unwrap().end().unwrap();
        assert!(book.row(sheet, 3, None).is_err(), "row 3 after row 5");
        assert!(book.row(sheet + 1, 0, None).is_err(), "no such sheet");
    }

    #[test]
    fn a_sheet_freezes_its_header_filters_prints_on_a4_and_repeats_its_header() {
        let mut book = Book::new(2, &std::env::temp_dir());
        let sheet = book.add_sheet(setup("第一网格"));
        let mut row = book.row(sheet, 0, Some(30.0)).unwrap();
        row.text(19, "closed by", Look::Header);
        row.end().unwrap();
        book.set_widths(sheet, [(0, 11.0)]);
        book.set_autofilter(sheet, 59_640, 19);
        let target = &book.sheets[sheet];
        let opening = String::from_utf8(target.opening(true)).unwrap();
        for part in [
            "<dimension ref=\"A1:T1\"/>",
            "tabSelected=\"1\"",
            "<pane xSplit=\"5\" ySplit=\"1\" topLeftCell=\"F2\" activePane=\"bottomRight\" state=\"frozen\"/>",
            "<col min=\"1\" max=\"1\" width=\"11.7109375\" customWidth=\"1\"/>",
        ] {
            assert!(opening.contains(part), "{part} in {opening}");
        }
        let closing = String::from_utf8(target.closing()).unwrap();
        for part in [
            "<autoFilter ref=\"A1:T59641\"/>",
            "paperSize=\"9\" fitToHeight=\"0\" orientation=\"landscape\"",
            "<oddFooter>&amp;C第 &amp;P 页</oddFooter>",
        ] {
            assert!(closing.contains(part), "{part} in {closing}");
        }
        let workbook = String::from_utf8(book.workbook_xml()).unwrap();
        for part in [
            "hidden=\"1\">'第一网格'!$A$1:$T$59641</definedName>",
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'第一网格'!$1:$1</definedName>",
        ] {
            assert!(workbook.contains(part), "{part} in {workbook}");
        }
    }

    #[test]
    fn widths_are_stored_with_the_cells_padding() {
        assert_eq!(excel_width(11.0), 11.7109375);
        assert_eq!(excel_width(8.0), 8.7109375);
    }
}
