//! The test PostgreSQL server (`CURTAIN_TEST_POSTGRES`, a URL of a database the tests may connect
//! to as a user that can create databases): one new database per test, dropped after it.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The variable `.ci/run` sets for the PostgreSQL pass of the suite.
pub const SERVER: &str = "CURTAIN_TEST_POSTGRES";

pub fn server() -> Option<String> {
    std::env::var(SERVER).ok().filter(|url| !url.is_empty())
}

/// A database of one test's own.
pub struct Database {
    pub url: String,
    name: String,
    server: String,
}

fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|error| panic!("{SERVER}={url}: cannot connect: {error}"))
}

impl Database {
    /// A new empty database on the server, or `None` when the run has no server.
    pub fn create() -> Option<Database> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let server = server()?;
        // A test file may hold two copies of this module (each its own counter): the clock
        // keeps their names apart.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        let name = format!(
            "curtain_test_{}_{nanos}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        connect(&server)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|error| panic!("creating the test database {name}: {error:?}"));
        // postgres://USER@HOST:PORT/DATABASE?OPTIONS: the same server and options, this
        // database.
        let (address, options) = server.split_once('?').unwrap_or((&server, ""));
        let (base, _) = address.rsplit_once('/').expect("a URL ending in /DATABASE");
        let options = if options.is_empty() {
            String::new()
        } else {
            format!("?{options}")
        };
        Some(Database {
            url: format!("{base}/{name}{options}"),
            name,
            server,
        })
    }

    /// A client of this database.
    pub fn client(&self) -> postgres::Client {
        connect(&self.url)
    }

    /// Every row of every table, as text, in a fixed order: what a refusal must leave as it was.
    pub fn contents(&self) -> Vec<u8> {
        let mut client = self.client();
        let tables: Vec<String> = client
            .query(
                "SELECT tablename::text FROM pg_catalog.pg_tables
                 WHERE schemaname = current_schema() ORDER BY tablename",
                &[],
            )
            .expect("list the tables")
            .iter()
            .map(|row| row.get(0))
            .collect();
        let mut out = Vec::new();
        for table in tables {
            let rows = client
                .query(
                    &format!(
                        "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')
                         FROM \"{table}\" AS t"
                    ),
                    &[],
                )
                .expect("read a table");
            let text: String = rows[0].get(0);
            out.extend_from_slice(format!("== {table}\n{text}\n").as_bytes());
        }
        out
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Where an in-process test keeps its database: a file in a directory of its own, or a database
/// of its own on the test server; both live as long as this.
pub struct Place {
    dir: tempfile::TempDir,
    database: Option<Database>,
}

impl Place {
    pub fn new() -> Place {
        Place {
            dir: tempfile::TempDir::new().expect("temp dir"),
            database: Database::create(),
        }
    }

    /// The directory for the test's other files.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The database, for `Store::open`.
    pub fn db(&self) -> std::path::PathBuf {
        match &self.database {
            Some(database) => std::path::PathBuf::from(&database.url),
            None => self.dir.path().join("c.db"),
        }
    }
}
