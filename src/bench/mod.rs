//! Benchmark support (issue #6, "fast at district scale"): the hidden `curtain bench` commands
//! that make a realistic district database (`gen`) and the roster file of one (`roster`), for the
//! suites in `benches/` and the whole-process timings in the README.

pub mod generate;
pub mod rng;
pub mod roster;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Subcommand;

use crate::error::Refusal;
use crate::i18n::{fill, t};
use crate::ops::{Session, shown};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Generate a settled district database: N elders × D days of rounds ending at --now
    Gen {
        #[arg(long)]
        elders: usize,
        #[arg(long)]
        days: u32,
        /// The same seed makes the same database
        #[arg(long, default_value_t = 6)]
        seed: u64,
    },
    /// Write the roster of a generated district as CSV (for timing an import)
    Roster {
        #[arg(long)]
        elders: usize,
        #[arg(long, default_value_t = 6)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(session: &Session, command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Gen { elders, days, seed } => gen_database(session, elders, days, seed),
        BenchCommand::Roster { elders, seed, out } => write_roster(session, elders, seed, &out),
    }
}

fn gen_database(session: &Session, elders: usize, days: u32, seed: u64) -> anyhow::Result<()> {
    let s = t(session.lang);
    let spec = generate::Spec {
        elders,
        days,
        seed,
        now: session.now,
    };
    let started = Instant::now();
    let mut last_shown = 0;
    let made = generate::generate(
        &session.db,
        &session.config.schedule,
        &spec,
        |done, total, so_far| {
            // A line every tenth of the way: a 30,000 × 365 run takes minutes.
            if done * 10 / total.max(1) > last_shown || done == total {
                last_shown = done * 10 / total.max(1);
                let _ = writeln!(
                    std::io::stderr(),
                    "{}",
                    fill(
                        &s.bench_progress,
                        &[
                            ("done", &done),
                            ("total", &total),
                            ("checks", &so_far.checks),
                            (
                                "seconds",
                                &format!("{:.0}", started.elapsed().as_secs_f64())
                            ),
                        ]
                    )
                );
            }
        },
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let size = file_size(&session.db);
    writeln!(
        std::io::stdout(),
        "{}",
        fill(
            &s.bench_generated,
            &[
                ("path", &shown(&session.db)),
                ("elders", &made.elders),
                ("rounds", &made.rounds),
                ("checks", &made.checks),
                ("flags", &made.flags),
                ("follow_ups", &made.follow_ups),
                ("absences", &made.absences),
                ("seconds", &format!("{seconds:.1}")),
                ("rate", &format!("{:.0}", made.rows() as f64 / seconds)),
                ("megabytes", &format!("{:.1}", size as f64 / 1e6)),
            ]
        )
    )?;
    Ok(())
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |meta| meta.len())
}

fn write_roster(session: &Session, elders: usize, seed: u64, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        return Err(Refusal::WouldOverwrite {
            path: out.to_path_buf(),
        }
        .into());
    }
    let rows = roster::generate(elders, &mut rng::SplitMix64::new(seed));
    roster::write_csv(out, &rows)?;
    writeln!(
        std::io::stdout(),
        "{}",
        fill(
            &t(session.lang).bench_roster_written,
            &[("path", &shown(out)), ("elders", &elders)]
        )
    )?;
    Ok(())
}
