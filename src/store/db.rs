//! One connection, two databases (DESIGN.md section 6): every store function talks to a
//! [`Connection`], which is either an SQLite file (rusqlite) or a PostgreSQL server (the
//! synchronous `postgres` client). The SQL the store modules write is the common dialect of both:
//! numbered parameters (`?1`, rewritten to `$1` for PostgreSQL), `ON CONFLICT`, `RETURNING`, and
//! columns of three kinds only (integers, text, and null), so a row reads the same from either.
//! Where the dialects differ, a module asks [`Connection::backend`] and writes each.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;

use postgres::types::{FromSql, IsNull, ToSql, Type, private::BytesMut, to_sql_checked};

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The server's own words (the client's "db error" says nothing by itself).
    #[error("{}", postgres_words(.0))]
    Postgres(postgres::Error),
    #[error("the query returned no rows")]
    NoRows,
    /// A column that does not hold what the program reads from it.
    #[error("column {column}: {problem}")]
    Column { column: String, problem: String },
}

impl From<postgres::Error> for Error {
    fn from(error: postgres::Error) -> Error {
        Error::Postgres(error)
    }
}

fn postgres_words(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("PostgreSQL: {}", db.message()),
        None => {
            let mut words = error.to_string();
            let mut cause = StdError::source(error);
            while let Some(inner) = cause {
                words = format!("{words}: {inner}");
                cause = inner.source();
            }
            words
        }
    }
}

impl Error {
    /// A column whose value cannot be read as the program's type.
    pub fn column(column: impl fmt::Display, problem: impl fmt::Display) -> Error {
        Error::Column {
            column: column.to_string(),
            problem: problem.to_string(),
        }
    }

    /// The PostgreSQL error code (SQLSTATE), when the server sent one.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Error::Postgres(error) => error.code().map(|code| code.code()),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `.optional()` on a single-row read: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::NoRows | Error::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection to either database.
pub enum Connection {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Pg>),
}

/// A PostgreSQL client and the statements it has prepared, by the SQL they were written in.
pub struct Pg {
    client: RefCell<postgres::Client>,
    prepared: RefCell<HashMap<String, postgres::Statement>>,
}

impl Pg {
    pub fn new(client: postgres::Client) -> Pg {
        Pg {
            client: RefCell::new(client),
            prepared: RefCell::new(HashMap::new()),
        }
    }

    fn prepare(&self, sql: &str) -> Result<postgres::Statement> {
        if let Some(statement) = self.prepared.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.borrow_mut().prepare(&postgres_sql(sql))?;
        self.prepared
            .borrow_mut()
            .insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    fn query(&self, statement: &postgres::Statement, cells: &[Cell<'_>]) -> Result<Vec<PgRow>> {
        Ok(self
            .client
            .borrow_mut()
            .query(statement, &postgres_params(cells))?)
    }

    fn execute(&self, statement: &postgres::Statement, cells: &[Cell<'_>]) -> Result<usize> {
        let changed = self
            .client
            .borrow_mut()
            .execute(statement, &postgres_params(cells))?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }
}

fn postgres_params<'a>(cells: &'a [Cell<'_>]) -> Vec<&'a (dyn ToSql + Sync)> {
    cells
        .iter()
        .map(|cell| cell as &(dyn ToSql + Sync))
        .collect()
}

type PgRow = postgres::Row;

impl Connection {
    pub fn backend(&self) -> Backend {
        match self {
            Connection::Sqlite(_) => Backend::Sqlite,
            Connection::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite does (its pragmas, backups, the file).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Connection::Sqlite(conn) => Some(conn),
            Connection::Postgres(_) => None,
        }
    }

    /// A statement kept prepared for the next time the same SQL comes.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement(match self {
            Connection::Sqlite(conn) => Prepared::SqliteCached(conn.prepare_cached(sql)?),
            Connection::Postgres(pg) => Prepared::Postgres(pg, pg.prepare(sql)?),
        }))
    }

    /// A statement for one use (SQL built at run time).
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement(match self {
            Connection::Sqlite(conn) => Prepared::Sqlite(conn.prepare(sql)?),
            Connection::Postgres(pg) => Prepared::Postgres(pg, pg.prepare(sql)?),
        }))
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T, P, F>(&self, sql: &str, params: P, read: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, read)
    }

    /// The values of a JSON array of text given as `parameter`, as a subquery's rows.
    pub fn json_list(&self, parameter: &str) -> String {
        match self.backend() {
            Backend::Sqlite => format!("SELECT value FROM json_each({parameter})"),
            Backend::Postgres => format!(
                "SELECT jsonb_array_elements_text(CAST(CAST({parameter} AS TEXT) AS jsonb))"
            ),
        }
    }

    /// Several statements without parameters, as one script.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Sqlite(conn) => conn.execute_batch(sql)?,
            Connection::Postgres(pg) => pg.client.borrow_mut().batch_execute(sql)?,
        }
        Ok(())
    }

    /// Starts the one write transaction at a time (see [`Transaction`]).
    pub fn begin_write(&self) -> Result<Transaction<'_>> {
        match self {
            // IMMEDIATE takes the write lock at once, so a writer waits its turn behind others
            // instead of failing halfway with "database is locked".
            Connection::Sqlite(_) => self.execute_batch("BEGIN IMMEDIATE")?,
            // Every writer takes the same transaction-scoped lock first: writes follow one
            // another as on SQLite, so two terminals never settle the same round at once, and
            // each sees everything committed before it.
            Connection::Postgres(_) => self.execute_batch(
                "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(1131377006)",
            )?,
        }
        Ok(Transaction {
            conn: self,
            finished: false,
        })
    }
}

/// A write transaction: committed by [`Transaction::commit`], rolled back when dropped without.
pub struct Transaction<'c> {
    conn: &'c Connection,
    finished: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.finished = true;
        match self.conn.backend() {
            Backend::Sqlite => self.conn.execute_batch("COMMIT"),
            // Counted after the commit, so a screen that sees the count move finds the writes.
            Backend::Postgres => self
                .conn
                .execute_batch("COMMIT; SELECT nextval('curtain_writes')"),
        }
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // Nothing more can be done about a failed rollback here: SQLite rolls back an
            // unfinished transaction when the connection closes, PostgreSQL when the session ends.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A prepared statement on either database.
pub struct Statement<'c>(Prepared<'c>);

enum Prepared<'c> {
    SqliteCached(rusqlite::CachedStatement<'c>),
    Sqlite(rusqlite::Statement<'c>),
    Postgres(&'c Pg, postgres::Statement),
}

impl<'c> Statement<'c> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match &mut self.0 {
            Prepared::SqliteCached(statement) => Some(statement),
            Prepared::Sqlite(statement) => Some(statement),
            Prepared::Postgres(..) => None,
        }
    }

    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let cells = params.cells();
        if let Prepared::Postgres(pg, statement) = &self.0 {
            return pg.execute(statement, &cells);
        }
        let statement = self.sqlite().expect("an SQLite statement");
        Ok(statement.execute(rusqlite::params_from_iter(cells.iter()))?)
    }

    /// The rows, read one at a time.
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let cells = params.cells();
        if let Prepared::Postgres(pg, statement) = &self.0 {
            return Ok(Rows(RowsFrom::Postgres(
                pg.query(statement, &cells)?.into_iter(),
                None,
            )));
        }
        let statement = self.sqlite().expect("an SQLite statement");
        Ok(Rows(RowsFrom::Sqlite(
            statement.query(rusqlite::params_from_iter(cells.iter()))?,
        )))
    }

    /// Each row read by `read`.
    pub fn query_map<T, P, F>(&mut self, params: P, read: F) -> Result<MappedRows<'_, F>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows {
            rows: self.query(params)?,
            read,
        })
    }

    /// The first row read by `read`; no row is [`Error::NoRows`].
    pub fn query_row<T, P, F>(&mut self, params: P, read: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => read(&row),
            None => Err(Error::NoRows),
        }
    }

    /// Whether the statement returns any row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }
}

/// Rows of a query, read one at a time.
pub struct Rows<'s>(RowsFrom<'s>);

enum RowsFrom<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres(std::vec::IntoIter<PgRow>, Option<PgRow>),
}

impl Rows<'_> {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match &mut self.0 {
            RowsFrom::Sqlite(rows) => Ok(rows.next()?.map(Row::Sqlite)),
            RowsFrom::Postgres(rows, current) => {
                *current = rows.next();
                Ok(current.as_ref().map(Row::Postgres))
            }
        }
    }
}

/// Rows each read into a value.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    read: F,
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.read)(&row)),
            Ok(None) => None,
            Err(error) => Some(Err(error)),
        }
    }
}

/// One row of either database.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r PgRow),
}

/// A column by position or by name.
pub trait RowIndex: Copy + fmt::Display {
    fn position(self, row: &Row<'_>) -> Result<usize>;
}

impl RowIndex for usize {
    fn position(self, _: &Row<'_>) -> Result<usize> {
        Ok(self)
    }
}

impl RowIndex for &str {
    fn position(self, row: &Row<'_>) -> Result<usize> {
        let found = match row {
            Row::Sqlite(row) => row.as_ref().column_index(self).ok(),
            Row::Postgres(row) => row
                .columns()
                .iter()
                .position(|column| column.name() == self),
        };
        found.ok_or_else(|| Error::column(self, "no such column"))
    }
}

impl Row<'_> {
    pub fn get<I: RowIndex, T: FromCell>(&self, index: I) -> Result<T> {
        let cell = self.get_ref(index)?;
        T::from_cell(cell).map_err(|problem| Error::column(index, problem))
    }

    /// The value as stored, borrowed from the row.
    pub fn get_ref<I: RowIndex>(&self, index: I) -> Result<CellRef<'_>> {
        let position = index.position(self)?;
        match self {
            Row::Sqlite(row) => Ok(match row.get_ref(position)? {
                rusqlite::types::ValueRef::Null => CellRef::Null,
                rusqlite::types::ValueRef::Integer(value) => CellRef::Int(value),
                rusqlite::types::ValueRef::Real(value) => CellRef::Real(value),
                rusqlite::types::ValueRef::Text(text) => CellRef::Text(
                    std::str::from_utf8(text).map_err(|error| Error::column(index, error))?,
                ),
                rusqlite::types::ValueRef::Blob(bytes) => CellRef::Blob(bytes),
            }),
            Row::Postgres(row) => Ok(row.try_get::<_, CellRef<'_>>(position)?),
        }
    }
}

/// A value as a database holds it, borrowed: the three kinds curtain stores, and real numbers
/// and bytes for what SQLite's own tables hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellRef<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> CellRef<'a> {
    pub fn as_str(self) -> Result<&'a str> {
        match self {
            CellRef::Text(text) => Ok(text),
            other => Err(Error::column("?", format!("{other:?} is not text"))),
        }
    }

    /// Text or null, borrowed from the row (no copy for a word that is only looked at).
    pub fn as_str_or_null(self) -> Result<Option<&'a str>> {
        match self {
            CellRef::Null => Ok(None),
            other => other.as_str().map(Some),
        }
    }
}

impl<'a> FromSql<'a> for CellRef<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => CellRef::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => CellRef::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => CellRef::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => CellRef::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => CellRef::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => CellRef::Real(f32::from_sql(ty, raw)?.into()),
            Type::BYTEA => CellRef::Blob(<&[u8]>::from_sql(ty, raw)?),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                CellRef::Text(<&str>::from_sql(ty, raw)?)
            }
            ref other => return Err(format!("a column of type {other} is not read").into()),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(CellRef::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A Rust value read from a cell.
pub trait FromCell: Sized {
    fn from_cell(cell: CellRef<'_>) -> Result<Self, String>;
}

fn wrong_kind(cell: CellRef<'_>, wanted: &str) -> String {
    format!("{cell:?} is not {wanted}")
}

impl FromCell for i64 {
    fn from_cell(cell: CellRef<'_>) -> Result<Self, String> {
        match cell {
            CellRef::Int(value) => Ok(value),
            other => Err(wrong_kind(other, "an integer")),
        }
    }
}

macro_rules! narrow_integer {
    ($($ty:ty),*) => {$(
        impl FromCell for $ty {
            fn from_cell(cell: CellRef<'_>) -> Result<Self, String> {
                let wide = i64::from_cell(cell)?;
                <$ty>::try_from(wide).map_err(|_| format!("{wide} is out of range"))
            }
        }
    )*};
}
narrow_integer!(i32, u32, u64, usize, u8, u16, i16);

impl FromCell for bool {
    fn from_cell(cell: CellRef<'_>) -> Result<Self, String> {
        Ok(i64::from_cell(cell)? != 0)
    }
}

impl FromCell for f64 {
    fn from_cell(cell: CellRef<'_>) -> Result<Self, String> {
        match cell {
            CellRef::Real(value) => Ok(value),
            CellRef::Int(value) => Ok(value as f64),
            other => Err(wrong_kind(other, "a number")),
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: CellRef<'_>) -> Result<Self, String> {
        match cell {
            CellRef::Text(text) => Ok(text.to_string()),
            other => Err(wrong_kind(other, "text")),
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(cell: CellRef<'_>) -> Result<Self, String> {
        match cell {
            CellRef::Blob(bytes) => Ok(bytes.to_vec()),
            CellRef::Text(text) => Ok(text.as_bytes().to_vec()),
            other => Err(wrong_kind(other, "bytes")),
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: CellRef<'_>) -> Result<Self, String> {
        match cell {
            CellRef::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// A parameter's value, borrowed from the Rust value it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(std::borrow::Cow<'a, str>),
}

impl rusqlite::ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Null => ValueRef::Null,
            Cell::Int(value) => ValueRef::Integer(*value),
            Cell::Real(value) => ValueRef::Real(*value),
            Cell::Text(text) => ValueRef::Text(text.as_bytes()),
        }))
    }
}

/// PostgreSQL types each parameter by where it stands in the statement; a value goes in as that
/// type when it fits it, so the same statement and values run on both databases.
impl ToSql for Cell<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match (self, ty) {
            (Cell::Null, _) => Ok(IsNull::Yes),
            (Cell::Int(value), &Type::INT8) => value.to_sql(ty, out),
            (Cell::Int(value), &Type::INT4) => i32::try_from(*value)?.to_sql(ty, out),
            (Cell::Int(value), &Type::INT2) => i16::try_from(*value)?.to_sql(ty, out),
            (Cell::Int(value), &Type::BOOL) => (*value != 0).to_sql(ty, out),
            (Cell::Int(value), &Type::FLOAT8) => (*value as f64).to_sql(ty, out),
            (Cell::Int(value), _) => value.to_string().to_sql(&Type::TEXT, out),
            (Cell::Real(value), &Type::FLOAT8) => value.to_sql(ty, out),
            (Cell::Real(value), _) => value.to_string().to_sql(&Type::TEXT, out),
            (Cell::Text(text), &Type::INT8) => text.parse::<i64>()?.to_sql(ty, out),
            (Cell::Text(text), &Type::INT4) => text.parse::<i32>()?.to_sql(ty, out),
            (Cell::Text(text), _) => text.as_ref().to_sql(&Type::TEXT, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A Rust value given as a parameter.
pub trait ToCell {
    fn to_cell(&self) -> Cell<'_>;
}

impl ToCell for Cell<'_> {
    fn to_cell(&self) -> Cell<'_> {
        self.clone()
    }
}

impl ToCell for i64 {
    fn to_cell(&self) -> Cell<'_> {
        Cell::Int(*self)
    }
}

macro_rules! small_integer {
    ($($ty:ty),*) => {$(
        impl ToCell for $ty {
            fn to_cell(&self) -> Cell<'_> {
                Cell::Int(i64::from(*self))
            }
        }
    )*};
}
small_integer!(i32, u32, u8, u16, i16, bool);

/// Counts and sizes beyond `i64` cannot happen; were one to, it is stored as the largest.
impl ToCell for usize {
    fn to_cell(&self) -> Cell<'_> {
        Cell::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToCell for u64 {
    fn to_cell(&self) -> Cell<'_> {
        Cell::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToCell for f64 {
    fn to_cell(&self) -> Cell<'_> {
        Cell::Real(*self)
    }
}

impl ToCell for str {
    fn to_cell(&self) -> Cell<'_> {
        Cell::Text(self.into())
    }
}

impl ToCell for String {
    fn to_cell(&self) -> Cell<'_> {
        Cell::Text(self.as_str().into())
    }
}

impl<T: ToCell + ?Sized> ToCell for &T {
    fn to_cell(&self) -> Cell<'_> {
        (**self).to_cell()
    }
}

impl<T: ToCell> ToCell for Option<T> {
    fn to_cell(&self) -> Cell<'_> {
        match self {
            Some(value) => value.to_cell(),
            None => Cell::Null,
        }
    }
}

/// A statement's parameters.
pub trait Params {
    fn cells(&self) -> Vec<Cell<'_>>;
}

impl Params for [&dyn ToCell; 0] {
    fn cells(&self) -> Vec<Cell<'_>> {
        Vec::new()
    }
}

impl Params for &[&dyn ToCell] {
    fn cells(&self) -> Vec<Cell<'_>> {
        self.iter().map(|value| value.to_cell()).collect()
    }
}

impl Params for Vec<Cell<'_>> {
    fn cells(&self) -> Vec<Cell<'_>> {
        self.clone()
    }
}

macro_rules! array_params {
    ($($n:literal),*) => {$(
        impl<T: ToCell> Params for [T; $n] {
            fn cells(&self) -> Vec<Cell<'_>> {
                self.iter().map(ToCell::to_cell).collect()
            }
        }
    )*};
}
array_params!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

/// Parameters of different types: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::store::db::ToCell]
    };
    ($($value:expr),+ $(,)?) => {
        &[$(&$value as &dyn $crate::store::db::ToCell),+] as &[&dyn $crate::store::db::ToCell]
    };
}
pub use crate::params;

/// SQLite's numbered parameters (`?1`, or a bare `?`) as PostgreSQL's (`$1`); quoted text and
/// identifiers are left as they are.
pub fn postgres_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next_bare = 1;
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(open) => {
                out.push(c);
                if c == open {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(digit) = chars.next_if(char::is_ascii_digit) {
                        out.push(digit);
                    }
                } else {
                    out.push_str(&next_bare.to_string());
                    next_bare += 1;
                }
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_dollar_parameters_outside_quotes() {
        let cases = [
            (
                "SELECT 1 WHERE a = ?1 AND b = ?12",
                "SELECT 1 WHERE a = $1 AND b = $12",
            ),
            ("VALUES (?, ?)", "VALUES ($1, $2)"),
            ("SELECT '?1' || ?2", "SELECT '?1' || $2"),
            (
                "SELECT \"a?\" FROM t WHERE x = ?1",
                "SELECT \"a?\" FROM t WHERE x = $1",
            ),
        ];
        for (sqlite, postgres) in cases {
            assert_eq!(postgres_sql(sqlite), postgres, "{sqlite}");
        }
    }

    #[test]
    fn cells_read_back_as_written_on_sqlite() {
        let conn = Connection::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
        let read: (i64, String, Option<String>, bool) = conn
            .query_row(
                "SELECT ?1, ?2, ?3, ?4",
                params![7_i64, "窗帘", None::<String>, true],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .unwrap();
        assert_eq!(read, (7, "窗帘".to_string(), None, true));
        let none: Option<i64> = conn
            .query_row("SELECT 1 WHERE 0", [], |row| row.get(0))
            .optional()
            .unwrap();
        assert_eq!(none, None);
    }
}
