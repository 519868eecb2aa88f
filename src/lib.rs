//! curtain: the community curtain patrol (窗帘行动) — roster, rounds, checks and flags.

pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod export;
pub mod i18n;
pub mod import;
pub mod notify;
pub mod ops;
pub mod pages;
pub mod search;
pub mod store;
pub mod tui;
