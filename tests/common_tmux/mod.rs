//! Driving the real `curtain` binary in tmux: a tmux server of its own per test (its socket in a
//! temp dir, so tests and parallel `cargo test` runs never share one), sessions of a given size,
//! keys in, screens out, and a polling `wait_until` instead of fixed sleeps. The server is killed
//! when the [`Tmux`] value drops, also when a test fails.
//!
//! Panes run the binary under `env -i`, so nothing from the caller's environment (`CURTAIN_LANG`,
//! `CURTAIN_DB`, `LC_ALL`, ...) leaks in: only `PATH`, `HOME` (the temp dir), `TERM` and the
//! `LANG` the test chose.

// Each test uses a different part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

// The tmux tests need not load all of `common`; a test file that loads both has two copies.
#[allow(clippy::duplicate_mod)]
#[path = "../common/hermetic.rs"]
mod hermetic;
#[allow(unused_imports)]
pub use hermetic::curtain;
#[allow(clippy::duplicate_mod, dead_code)]
#[path = "../common/postgres_server.rs"]
mod postgres_server;

pub const BIN: &str = env!("CARGO_BIN_EXE_curtain");
/// The clock every TUI in these tests is frozen at: the 2026-11-22 morning round is under way.
pub const NOW: &str = "2026-11-22 07:50";
pub const MORNING: &str = "2026-11-22/morning";
/// How long a screen may take to show what a test waits for: generous, for a 2-core CI machine
/// under load (a test that passes never waits this long).
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Words no screen may ever show: a lost write or a crash.
pub const FORBIDDEN: &[&str] = &[
    "locked",
    "未保存",
    "NOT saved",
    "panicked",
    "RUST_BACKTRACE",
];

/// Is tmux here? The README promises the TUI tests run "when tmux is installed" (CI installs it).
pub fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// The language a pane's environment says (`LANG`), and the `--lang` it is given, if any.
#[derive(Debug, Clone, Copy)]
pub enum Lang {
    /// `LANG=zh_CN.UTF-8 ... --lang zh`
    Zh,
    /// `LANG=en_US.UTF-8 ... --lang en`
    En,
    /// `LANG=en_US.UTF-8` and no `--lang`: the language comes from the locale.
    FromLocale,
}

impl Lang {
    fn env(self) -> &'static str {
        match self {
            Lang::Zh => "LANG=zh_CN.UTF-8",
            Lang::En | Lang::FromLocale => "LANG=en_US.UTF-8",
        }
    }

    fn flag(self) -> Option<&'static str> {
        match self {
            Lang::Zh => Some("zh"),
            Lang::En => Some("en"),
            Lang::FromLocale => None,
        }
    }
}

/// One tmux server, private to a test.
pub struct Tmux {
    dir: TempDir,
    socket: PathBuf,
    /// The databases made on the test PostgreSQL server, dropped with the tmux server.
    databases: std::cell::RefCell<Vec<postgres_server::Database>>,
}

impl Tmux {
    pub fn new() -> Option<Tmux> {
        if !tmux_available() {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir for the tmux socket");
        let socket = dir.path().join("tmux.sock");
        Some(Tmux {
            dir,
            socket,
            databases: std::cell::RefCell::new(Vec::new()),
        })
    }

    /// A fresh database path in the test's temp dir (not created).
    /// A new database for a test: a file in the test's directory, or a database of its own on
    /// the test PostgreSQL server when the run has one.
    pub fn db(&self, name: &str) -> PathBuf {
        match postgres_server::Database::create() {
            Some(database) => {
                let url = PathBuf::from(&database.url);
                self.databases.borrow_mut().push(database);
                url
            }
            None => self.dir.path().join(name),
        }
    }

    /// A file of the test's own (a sheet, a report), in its directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The directory the test's files live in (a curtain.toml for a database on a server).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs one tmux command (several when `;` separates them) on this test's server.
    pub fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .env("LANG", "C.UTF-8")
            .output()
            .expect("running tmux")
    }

    /// Runs a tmux command that must succeed, and gives back its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The environment and command line for a pane running curtain.
    fn curtain_argv(&self, lang: Lang, db: &Path, user: &str, extra: &[&str]) -> Vec<String> {
        let mut argv: Vec<String> = vec![
            "env".into(),
            "-i".into(),
            "PATH=/usr/local/bin:/usr/bin:/bin".into(),
            format!("HOME={}", self.dir.path().display()),
            "TERM=screen-256color".into(),
            lang.env().into(),
            BIN.into(),
            "--db".into(),
            db.display().to_string(),
            "--now".into(),
            NOW.into(),
            "--user".into(),
            user.into(),
        ];
        if let Some(flag) = lang.flag() {
            argv.extend(["--lang".into(), flag.into()]);
        }
        argv.extend(extra.iter().map(|s| s.to_string()));
        argv
    }

    /// Opens a session `name` of `width`×`height` whose pane *is* the curtain process (so
    /// `pane_pid` is curtain's pid). Panes stay after their process exits (`remain-on-exit`), so
    /// what it left behind can be inspected; there is no status line, so the pane is the window.
    pub fn open(&self, name: &str, size: (u16, u16), lang: Lang, db: &Path, user: &str) {
        let argv = self.curtain_argv(lang, db, user, &[]);
        self.new_session(name, size, &argv);
    }

    /// Like [`Tmux::open`], but curtain runs under `sh`, which after curtain exits writes its
    /// exit code and the tty's `stty -a` to `report` (the mode curtain left the terminal in, as
    /// the next program sees it), then sleeps. Curtain's pid is the shell's child.
    pub fn open_in_shell(
        &self,
        name: &str,
        size: (u16, u16),
        lang: Lang,
        db: &Path,
        report: &Path,
    ) {
        let script = r#"report=$1; shift
"$@"; code=$?
{ echo "exit $code"; stty -a; } > "$report.tmp"; mv "$report.tmp" "$report"
exec sleep 120"#;
        let mut argv: Vec<String> = vec![
            "sh".into(),
            "-c".into(),
            script.into(),
            "sh".into(),
            report.display().to_string(),
        ];
        argv.extend(self.curtain_argv(lang, db, "wang", &[]));
        self.new_session(name, size, &argv);
    }

    fn new_session(&self, name: &str, (width, height): (u16, u16), argv: &[String]) {
        let (width, height) = (width.to_string(), height.to_string());
        // A curtain.toml the test writes beside a database on a server is read from here.
        let dir = self.dir.path().display().to_string();
        let mut args: Vec<&str> = vec![
            "set-option",
            "-g",
            "remain-on-exit",
            "on",
            ";",
            "set-option",
            "-g",
            "status",
            "off",
            ";",
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &width,
            "-y",
            &height,
            "-c",
            &dir,
            "--",
        ];
        args.extend(argv.iter().map(String::as_str));
        self.ok(&args);
    }

    /// The screen as text, one line per row. Panics if it shows a forbidden word.
    pub fn screen(&self, name: &str) -> String {
        let screen = self.ok(&["capture-pane", "-p", "-t", name]);
        for word in FORBIDDEN {
            assert!(
                !screen.contains(word),
                "session {name} shows {word:?}:\n{screen}"
            );
        }
        screen
    }

    /// Polls the screen until `ready` holds on a settled screen (the same on two captures in a
    /// row: a frame reaches the terminal in several writes, so one capture may hold half of it),
    /// and gives that screen back; after [`TIMEOUT`] fails with the last screen and the pane's
    /// state.
    pub fn wait_until(&self, name: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_until_within(name, what, TIMEOUT, ready)
    }

    /// [`Tmux::wait_until`] with a time limit of its own.
    pub fn wait_until_within(
        &self,
        name: &str,
        what: &str,
        timeout: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        let mut previous: Option<String> = None;
        loop {
            let screen = self.screen(name);
            if ready(&screen) {
                if previous.as_deref() == Some(screen.as_str()) {
                    return screen;
                }
                previous = Some(screen);
                std::thread::sleep(Duration::from_millis(40));
                continue;
            }
            previous = None;
            if start.elapsed() > timeout {
                panic!(
                    "session {name}: waited {timeout:?} for {what}; pane [{}] shows:\n{screen}",
                    self.display(
                        name,
                        "dead=#{pane_dead} status=#{pane_dead_status} size=#{pane_width}x#{pane_height}"
                    )
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The screen once it has settled.
    pub fn settled_screen(&self, name: &str) -> String {
        self.wait_until(name, "a settled screen", |_| true)
    }

    /// Waits until the screen contains `needle`.
    pub fn wait_for(&self, name: &str, needle: &str) -> String {
        self.wait_until(name, &format!("{needle:?}"), |screen| {
            screen.contains(needle)
        })
    }

    /// Waits until the screen's line showing `name_on_screen` also contains `mark`.
    pub fn wait_for_row(&self, session: &str, name_on_screen: &str, mark: &str) -> String {
        self.wait_until(
            session,
            &format!("the row of {name_on_screen} to show {mark:?}"),
            |screen| line_with(screen, name_on_screen).is_some_and(|line| line.contains(mark)),
        )
    }

    /// Sends tmux key names (`Enter`, `Escape`, `C-c`, `Left`, ...).
    ///
    /// After `Escape`, wait for its effect before sending more: `Escape` then `o` in one read
    /// is Alt-o to the terminal.
    pub fn keys(&self, name: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", name];
        args.extend(keys);
        self.ok(&args);
    }

    /// Types text literally (each character a key; an ESC starts an escape sequence).
    pub fn type_text(&self, name: &str, text: &str) {
        self.ok(&["send-keys", "-t", name, "-l", text]);
    }

    /// Pastes `text` into the pane the way a terminal pastes the clipboard: all at once, not key
    /// by key as `type_text` sends it.
    pub fn paste(&self, name: &str, text: &str) {
        let buffer = self.dir.path().join("paste.txt");
        std::fs::write(&buffer, text).expect("writing the paste buffer");
        self.ok(&["load-buffer", buffer.to_str().expect("a UTF-8 temp path")]);
        // `-p`: bracketed, as a terminal pastes for a program that asks for it.
        self.ok(&["paste-buffer", "-p", "-t", name]);
    }

    /// A tmux format (`#{pane_pid}`, `#{alternate_on}`, ...) for the session's pane.
    pub fn display(&self, name: &str, format: &str) -> String {
        self.ok(&["display-message", "-p", "-t", name, format])
            .trim()
            .to_string()
    }

    pub fn pane_pid(&self, name: &str) -> u32 {
        self.display(name, "#{pane_pid}")
            .parse()
            .expect("pane_pid is a number")
    }

    /// The pane's terminal has closed: its process is gone (perhaps not yet reaped).
    pub fn is_dead(&self, name: &str) -> bool {
        self.display(name, "#{pane_dead}") == "1"
    }

    /// Dead and reaped: tmux marks a pane dead when its terminal closes, which comes before it
    /// has collected the process's exit; until then `pane_dead_status` and `pane_dead_signal`
    /// are both empty.
    fn is_reaped(&self, name: &str) -> bool {
        let state = self.display(name, "#{pane_dead}:#{pane_dead_status}#{pane_dead_signal}");
        state.starts_with("1:") && state.len() > "1:".len()
    }

    /// Waits until the pane's process has exited and tmux has its status or signal. On a loaded
    /// machine tmux 3.3a has been seen to leave an exited pane process a zombie, its SIGCHLD
    /// never handled (the next child's exit reaps it); so each second the pane stays dead and
    /// unreaped, the server is sent a SIGCHLD of its own to collect what is there to collect.
    pub fn wait_dead(&self, name: &str) {
        let start = Instant::now();
        let mut last_nudge = start;
        while !self.is_reaped(name) {
            assert!(
                start.elapsed() < TIMEOUT,
                "session {name}: the process did not exit within {TIMEOUT:?} ({}); screen:\n{}",
                self.display(
                    name,
                    "dead=#{pane_dead} status=#{pane_dead_status} signal=#{pane_dead_signal}"
                ),
                self.ok(&["capture-pane", "-p", "-t", name])
            );
            if last_nudge.elapsed() > Duration::from_secs(1) && self.is_dead(name) {
                let server: u32 = self
                    .display(name, "#{pid}")
                    .parse()
                    .expect("the server's pid");
                signal(server, "CHLD");
                last_nudge = Instant::now();
                eprintln!(
                    "session {name}: its process exited, unreaped; sent the tmux server a SIGCHLD"
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn resize(&self, name: &str, width: u16, height: u16) {
        self.ok(&[
            "resize-window",
            "-t",
            name,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// Waits for a file to appear, and gives back what it holds.
pub fn wait_file(path: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The first line of `screen` containing `needle`.
pub fn line_with<'a>(screen: &'a str, needle: &str) -> Option<&'a str> {
    screen.lines().find(|line| line.contains(needle))
}

/// The row (0-based) of the first line containing `needle`.
pub fn row_of(screen: &str, needle: &str) -> Option<usize> {
    screen.lines().position(|line| line.contains(needle))
}

/// The pid of `parent`'s child process (Linux `/proc`).
pub fn child_of(parent: u32) -> Option<u32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(parent) {
            return Some(pid);
        }
    }
    None
}

/// Waits for the child process of `parent` to appear.
pub fn wait_child_of(parent: u32) -> u32 {
    let start = Instant::now();
    loop {
        if let Some(pid) = child_of(parent) {
            return pid;
        }
        assert!(start.elapsed() < TIMEOUT, "no child of {parent}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -{name} {pid} failed");
}

/// Runs the CLI on `db` with every global option given; panics unless it exits 0.
pub fn cli(db: &Path, user: &str, args: &[&str]) -> String {
    let out = curtain()
        .args(args)
        .arg("--db")
        .arg(db)
        .args(["--now", NOW, "--lang", "en", "--user", user])
        .output()
        .expect("running curtain");
    assert!(
        out.status.success(),
        "curtain {args:?} exited {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `curtain status --round 2026-11-22/morning --format json`, as JSON rows.
pub fn status(db: &Path) -> Vec<Value> {
    let out = cli(
        db,
        "reader",
        &["status", "--round", MORNING, "--format", "json"],
    );
    serde_json::from_str::<Value>(&out)
        .expect("status JSON")
        .as_array()
        .expect("an array")
        .clone()
}

/// One elder's row of [`status`].
pub fn status_of(db: &Path, elder_id: &str) -> Value {
    status(db)
        .into_iter()
        .find(|row| row["elder_id"] == elder_id)
        .unwrap_or_else(|| panic!("{elder_id} is not in the status"))
}

/// A database holding the sample roster, imported the evening before the round.
pub fn sample_db(tmux: &Tmux, name: &str) -> PathBuf {
    let db = tmux.db(name);
    let roster = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-roster.csv");
    let out = curtain()
        .arg("import")
        .arg(&roster)
        .arg("--db")
        .arg(&db)
        .args([
            "--now",
            "2026-11-21 20:00",
            "--lang",
            "en",
            "--user",
            "admin",
        ])
        .output()
        .expect("running curtain import");
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}
