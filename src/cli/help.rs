//! The command line in the user's language: clap's about texts, argument help, headings and usage
//! errors from string tables (`data/i18n/cli.*.toml`, one entry per command and argument, keyed
//! by their path: `check` for the command, `check/round` for its `--round`, `/db` for a global
//! option). A test walks the whole command tree, so no command or argument goes undocumented in
//! either language.

use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::LazyLock;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Command, CommandFactory, FromArgMatches};

use super::Cli;
use crate::i18n::Lang;

static ZH: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| table(include_str!("../../data/i18n/cli.zh-CN.toml")));
static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| table(include_str!("../../data/i18n/cli.en.toml")));

#[allow(clippy::expect_used)]
fn table(text: &str) -> HashMap<String, String> {
    // Compiled in and checked whole by the tests below: a broken table is a build mistake.
    toml::from_str(text).expect("data/i18n/cli.*.toml is a table of strings")
}

fn strings(lang: Lang) -> &'static HashMap<String, String> {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// A text of the table; empty where it is missing (the tests keep none missing). The tables live
/// as long as the program, so clap can hold their words without copies.
fn text(lang: Lang, key: &str) -> &'static str {
    strings(lang).get(key).map_or("", String::as_str)
}

/// The language of the command line, before it is parsed: `--lang`, then `CURTAIN_LANG`, then
/// the locale, as the session reads them.
pub fn language_of(args: &[OsString], env: impl Fn(&str) -> Option<String>) -> Lang {
    let mut words = args.iter().map(|arg| arg.to_string_lossy().into_owned());
    while let Some(word) = words.next() {
        let given = match word.strip_prefix("--lang=") {
            Some(value) => Some(value.to_string()),
            None if word == "--lang" => words.next(),
            None => None,
        };
        if let Some(lang) = given.as_deref().and_then(Lang::parse) {
            return lang;
        }
    }
    env("CURTAIN_LANG")
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(|| Lang::from_env(env))
}

/// Every visible command of the tree with its path (`""` for `curtain`, `user.add`).
fn paths(command: &Command, prefix: &str, out: &mut Vec<String>) {
    out.push(prefix.to_string());
    for sub in command.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let path = if prefix.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{prefix}.{}", sub.get_name())
        };
        paths(sub, &path, out);
    }
}

/// The keys a complete table has: one per visible command and one per argument it shows.
pub fn keys_needed() -> Vec<String> {
    let mut command = Cli::command();
    command.build();
    let mut all = Vec::new();
    paths(&command, "", &mut all);
    let mut keys = vec!["help".to_string(), "version".to_string()];
    for path in all {
        let Some(sub) = find(&command, &path) else {
            continue;
        };
        keys.push(if path.is_empty() {
            "curtain".into()
        } else {
            path.clone()
        });
        for arg in sub.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.is_hide_set() || id == "help" || id == "version" {
                continue;
            }
            // A global option is written once, at the top.
            if arg.is_global_set() && !path.is_empty() {
                continue;
            }
            keys.push(format!("{path}/{id}"));
            keys.extend(
                value_names(arg)
                    .into_iter()
                    .map(|name| format!("value.{name}")),
            );
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The names an argument's values go by in usage and help (`ELDER_ID` in `<ELDER_ID>`): its own,
/// or clap's default, its id in capitals. None for a flag that takes no value.
fn value_names(arg: &clap::Arg) -> Vec<String> {
    if !arg.get_num_args().unwrap_or_default().takes_values() && !arg.is_positional() {
        return Vec::new();
    }
    match arg.get_value_names() {
        Some(names) => names.iter().map(ToString::to_string).collect(),
        None => vec![arg.get_id().as_str().to_uppercase()],
    }
}

fn find<'a>(command: &'a Command, path: &str) -> Option<&'a Command> {
    if path.is_empty() {
        return Some(command);
    }
    let mut current = command;
    for name in path.split('.') {
        current = current.find_subcommand(name)?;
    }
    Some(current)
}

/// Puts the table's words on a built command and its subcommands.
fn localize(command: Command, path: &str, lang: Lang) -> Command {
    let heading = |key: &str| text(lang, key);
    let about_key = if path.is_empty() { "curtain" } else { path };
    let mut command = command.subcommand_help_heading(heading("heading.commands"));
    // A command or argument the table lacks keeps its own (English) words.
    if let Some(about) = strings(lang).get(about_key) {
        command = command.about(about.as_str());
    }
    command = command.mut_args(|arg| {
        let id = arg.get_id().as_str().to_string();
        let key = match id.as_str() {
            "help" | "version" => id.clone(),
            _ if arg.is_global_set() => format!("/{id}"),
            _ => format!("{path}/{id}"),
        };
        let section = if arg.is_positional() {
            "heading.arguments"
        } else {
            "heading.options"
        };
        let mut arg = arg.help_heading(heading(section));
        // clap writes these notes in English; the Chinese texts say them in their own words.
        if lang == Lang::Zh {
            arg = arg
                .hide_default_value(true)
                .hide_possible_values(true)
                .hide_env(true);
        }
        // `<ELDER_ID>` in the language's own words (`<老人编号>`).
        let names: Vec<&'static str> = value_names(&arg)
            .iter()
            .filter_map(|name| strings(lang).get(&format!("value.{name}")))
            .map(String::as_str)
            .collect();
        if !names.is_empty() {
            arg = arg.value_names(names);
        }
        match strings(lang).get(&key) {
            Some(help) => arg.help(help.as_str()),
            None => arg,
        }
    });
    if lang == Lang::Zh {
        command = command.help_template(format!(
            "{{about-with-newline}}\n{}{{usage}}\n\n{{all-args}}{{after-help}}",
            text(lang, "heading.usage")
        ));
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        command = command.mut_subcommand(&name, |sub| {
            if sub.get_name() == "help" {
                sub.about(text(lang, "help"))
            } else if sub.is_hide_set() {
                sub
            } else {
                localize(sub, &sub_path, lang)
            }
        });
    }
    command
}

/// The whole command line in a language.
pub fn command(lang: Lang) -> Command {
    let mut command = Cli::command();
    command.build();
    localize(command, "", lang)
}

/// Parses the command line in the user's language: help in that language, and a usage error in
/// words that say what to fix (exit 2).
pub fn parse(args: Vec<OsString>) -> Cli {
    let lang = language_of(&args, |key| std::env::var(key).ok());
    let matches = match command(lang).try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(error) => exit_with(lang, &error),
    };
    match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => exit_with(lang, &error),
    }
}

fn exit_with(lang: Lang, error: &clap::Error) -> ! {
    if lang == Lang::En || error.kind() == ErrorKind::DisplayVersion {
        error.exit();
    }
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // clap's own words in a help text (`[OPTIONS]`) in the language's; a closed pipe
        // (`curtain --help | head`) is no error.
        use std::io::Write;
        let text = in_words(lang, &error.render().to_string());
        let _ = if error.use_stderr() {
            write!(std::io::stderr(), "{text}")
        } else {
            write!(std::io::stdout(), "{text}")
        };
        std::process::exit(error.exit_code());
    }
    eprintln!("{}", usage_error(lang, error));
    std::process::exit(2);
}

/// The words clap writes itself in a usage line or a help text (`[OPTIONS]`, `<COMMAND>`, the
/// `:` after a heading), in the language's own from the table.
pub fn in_words(lang: Lang, written: &str) -> String {
    if lang == Lang::En {
        return written.to_string();
    }
    let options = text_or(lang, "usage.options", "OPTIONS");
    let command = text_or(lang, "usage.command", "COMMAND");
    let mut out = written
        .replace("[OPTIONS]", &format!("[{options}]"))
        .replace("[COMMAND]", &format!("[{command}]"))
        .replace("<COMMAND>", &format!("<{command}>"));
    for heading in ["heading.options", "heading.arguments", "heading.commands"] {
        let heading = text(lang, heading);
        if !heading.is_empty() {
            out = out.replace(&format!("{heading}:"), &format!("{heading}："));
        }
    }
    out
}

fn text_or(lang: Lang, key: &str, otherwise: &'static str) -> &'static str {
    Some(text(lang, key))
        .filter(|words| !words.is_empty())
        .unwrap_or(otherwise)
}

fn context(error: &clap::Error, kind: ContextKind) -> String {
    match error.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::Strings(texts)) => texts.join(", "),
        Some(ContextValue::StyledStr(text)) => text.to_string(),
        Some(ContextValue::StyledStrs(texts)) => texts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        Some(ContextValue::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

/// A usage error in words of the language: what is wrong, the usage, and where help is.
pub fn usage_error(lang: Lang, error: &clap::Error) -> String {
    let arg = context(error, ContextKind::InvalidArg);
    let value = context(error, ContextKind::InvalidValue);
    let key = match error.kind() {
        ErrorKind::UnknownArgument => "error.unknown_argument",
        ErrorKind::InvalidSubcommand => "error.unknown_command",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "error.bad_value",
        ErrorKind::MissingRequiredArgument => "error.missing",
        ErrorKind::MissingSubcommand => "error.missing_command",
        ErrorKind::ArgumentConflict => "error.conflict",
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::NoEquals => {
            "error.bad_value"
        }
        _ => "error.other",
    };
    let subject = match error.kind() {
        ErrorKind::InvalidSubcommand => context(error, ContextKind::InvalidSubcommand),
        _ => arg,
    };
    let mut out = text(lang, key)
        .to_string()
        .replace("{arg}", &subject)
        .replace("{value}", &value)
        .replace("{other}", &context(error, ContextKind::PriorArg));
    let valid = context(error, ContextKind::ValidValue);
    if !valid.is_empty() {
        out.push_str(&text(lang, "error.valid").replace("{valid}", &valid));
    }
    let suggested = context(error, ContextKind::SuggestedSubcommand)
        + &context(error, ContextKind::SuggestedArg);
    if !suggested.is_empty() {
        out.push_str(&text(lang, "error.suggest").replace("{suggested}", &suggested));
    }
    let usage = in_words(lang, &context(error, ContextKind::Usage));
    let usage = usage.trim();
    let usage = usage.strip_prefix("Usage:").map(str::trim).unwrap_or(usage);
    if !usage.is_empty() {
        out.push_str(&format!("\n\n{}{usage}", text(lang, "heading.usage")));
    }
    out.push_str(&format!("\n\n{}", text(lang, "error.more")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_and_argument_is_documented_in_both_languages() {
        let needed = keys_needed();
        let words = [
            "heading.usage",
            "heading.options",
            "heading.arguments",
            "heading.commands",
            "error.unknown_argument",
            "error.unknown_command",
            "error.bad_value",
            "error.missing",
            "error.missing_command",
            "error.conflict",
            "error.other",
            "error.valid",
            "error.suggest",
            "error.more",
            "usage.options",
            "usage.command",
        ];
        for lang in [Lang::Zh, Lang::En] {
            let table = strings(lang);
            let missing: Vec<&String> = needed.iter().filter(|k| !table.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
            let mut unknown: Vec<&String> = table
                .keys()
                .filter(|k| !needed.contains(k) && !words.contains(&k.as_str()))
                .collect();
            unknown.sort();
            assert!(unknown.is_empty(), "{lang:?} has unknown {unknown:?}");
            assert!(
                table.values().all(|text| !text.trim().is_empty()),
                "{lang:?}"
            );
        }
    }

    /// Every command of a built command line, with its path.
    fn every_command(command: &Command, path: String, out: &mut Vec<(String, Command)>) {
        out.push((path.clone(), command.clone()));
        for sub in command.get_subcommands() {
            if !sub.is_hide_set() {
                every_command(sub, format!("{path} {}", sub.get_name()), out);
            }
        }
    }

    #[test]
    fn every_argument_of_every_command_has_help_and_value_names_in_the_language() {
        for lang in [Lang::Zh, Lang::En] {
            let mut command = command(lang);
            command.build();
            let mut all = Vec::new();
            every_command(&command, "curtain".into(), &mut all);
            let mut bare = Vec::new();
            for (path, sub) in &all {
                if sub
                    .get_about()
                    .is_none_or(|about| about.to_string().trim().is_empty())
                {
                    bare.push(path.clone());
                }
                for arg in sub.get_arguments().filter(|arg| !arg.is_hide_set()) {
                    let id = arg.get_id();
                    if arg
                        .get_help()
                        .is_none_or(|help| help.to_string().trim().is_empty())
                    {
                        bare.push(format!("{path} {id}"));
                    }
                    // Under Chinese, no `<ELDER_ID>`: every value is named in Chinese.
                    let names = value_names(arg);
                    let english = names
                        .iter()
                        .any(|name| name.chars().any(|c| c.is_ascii_uppercase()));
                    if lang == Lang::Zh && english {
                        bare.push(format!("{path} {id}: {names:?}"));
                    }
                }
            }
            assert!(bare.is_empty(), "{lang:?}: undocumented {bare:#?}");
        }
    }

    #[test]
    fn clap_words_in_a_chinese_usage_are_chinese() {
        let usage = "用法：curtain check [OPTIONS] <老人编号>\n\n参数:\n  <COMMAND>";
        assert_eq!(
            in_words(Lang::Zh, usage),
            "用法：curtain check [选项] <老人编号>\n\n参数：\n  <命令>"
        );
        assert_eq!(in_words(Lang::En, "[OPTIONS]"), "[OPTIONS]");
    }

    #[test]
    fn the_language_of_the_command_line_is_read_before_it_is_parsed() {
        let args = |words: &[&str]| words.iter().map(OsString::from).collect::<Vec<_>>();
        let zh_locale = |key: &str| (key == "LANG").then(|| "zh_CN.UTF-8".to_string());
        let cases = [
            (args(&["curtain", "--lang", "en", "status"]), Lang::En),
            (args(&["curtain", "status", "--lang=zh"]), Lang::Zh),
            (args(&["curtain", "status"]), Lang::Zh),
        ];
        for (argv, want) in cases {
            assert_eq!(language_of(&argv, zh_locale), want, "{argv:?}");
        }
    }
}
