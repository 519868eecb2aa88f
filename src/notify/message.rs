//! The words of a notification: a title and a body in markdown (for the robots) and in plain
//! text (for the generic webhook), in the configured language, cut to fit a channel's limit.
//! Rendered when the message is sent, from the flags as they stand then, so a flag handled
//! while the message waited is marked as handled instead of paging the group for nothing.

use chrono_tz::Tz;

use crate::domain::FlagState;
use crate::domain::text::{clean_line, clean_text};
use crate::domain::time::format_local;
use crate::i18n::{Lang, fill, t, words};
use crate::store::outbox::{FlagLine, Kind, Message};

/// What the message says, ready for a channel's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line, also the DingTalk card title.
    pub title: String,
    /// Markdown: a heading, one list item per flag, a footer.
    pub markdown: String,
    /// The same without markdown marks.
    pub text: String,
}

/// Everything around the message that its words need.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub lang: Lang,
    pub community: Option<&'a str>,
    pub tz: Tz,
    /// The channel it goes to (named in a test message).
    pub channel: &'a str,
    /// A critical flag is reminded of after this many minutes.
    pub reminder_minutes: u64,
    /// The most bytes the channel takes in one message body.
    pub max_bytes: usize,
    /// A drill database: every message says so first.
    pub drill: bool,
}

pub fn render(message: &Message, cx: &Context<'_>) -> Rendered {
    let s = t(cx.lang);
    let grid = message
        .grid
        .as_deref()
        .filter(|grid| !grid.is_empty())
        .unwrap_or(&s.notify_no_grid)
        .to_string();
    let round = message
        .round
        .map(|round| words::round(cx.lang, round))
        .unwrap_or_default();
    let first_name = message
        .flags
        .first()
        .map(|flag| flag.name.clone())
        .unwrap_or_default();
    let headline = match message.kind {
        Kind::RoundDigest => fill(
            &s.notify_digest_title,
            &[
                ("grid", &grid),
                ("round", &round),
                ("count", &message.flags.len()),
            ],
        ),
        Kind::Alert => fill(
            &s.notify_alert_title,
            &[("name", &first_name), ("grid", &grid), ("round", &round)],
        ),
        Kind::CriticalReminder => fill(
            &s.notify_reminder_title,
            &[
                ("name", &first_name),
                ("grid", &grid),
                ("minutes", &cx.reminder_minutes),
            ],
        ),
        Kind::Test => s.notify_test_title.clone(),
        Kind::EarlyWarning => match (&message.warning, message.round) {
            (Some(warning), Some(round)) => words::early_warning(
                cx.lang,
                &grid,
                round,
                warning.checked,
                warning.listed,
                &crate::domain::time::format_local_time(warning.closes, cx.tz),
                &warning.assigned,
            ),
            _ => grid.clone(),
        },
    };
    let drill = if cx.drill {
        format!("【{}】", s.drill_mark)
    } else {
        String::new()
    };
    let title = format!("{drill}{}{headline}", s.notify_brand);
    let mut body: Vec<String> = Vec::new();
    if message.kind == Kind::Test {
        body.push(fill(
            &s.notify_test_body,
            &[
                ("channel", &cx.channel),
                ("user", &message.created_by),
                ("time", &format_local(message.created_at, cx.tz)),
            ],
        ));
    }
    let footer = fill(
        &s.notify_footer,
        &[("community", &cx.community.unwrap_or(&s.notify_brand_plain))],
    );
    let heading = format!("### {title}");
    // Room for the heading, the footer and the "and N more" line, whatever the flags take.
    let reserve = heading.len() + footer.len() + body.iter().map(String::len).sum::<usize>() + 200;
    let mut used = 0;
    let mut items = Vec::new();
    for (index, flag) in message.flags.iter().enumerate() {
        let item = format!("- {}", flag_line(cx.lang, flag));
        if reserve + used + item.len() + 1 > cx.max_bytes {
            items.push(fill(
                &s.notify_more,
                &[("count", &(message.flags.len() - index))],
            ));
            break;
        }
        used += item.len() + 1;
        items.push(item);
    }
    let mut markdown = vec![heading];
    markdown.extend(body.iter().cloned());
    markdown.extend(items.iter().cloned());
    markdown.push(format!("> {footer}"));
    let mut text = vec![title.clone()];
    text.extend(body);
    text.extend(items.iter().map(|item| item.replace("**", "")));
    text.push(footer);
    // Names, addresses and notes come from the roster: a chat client shows what a terminal would.
    Rendered {
        title: clean_line(&title).into_owned(),
        markdown: clean_text(&markdown.join("\n")).into_owned(),
        text: clean_text(&text.join("\n")).into_owned(),
    }
}

/// `**王秀英** 长青小区 A区 1栋 1单元 401｜异常｜程度：高｜巡视：wang_ayi`.
fn flag_line(lang: Lang, flag: &FlagLine) -> String {
    let s = t(lang);
    let checker = match &flag.checker {
        Some(checker) => fill(&s.notify_checked_by, &[("checker", checker)]),
        None => s.notify_nobody_checked.clone(),
    };
    let handled = if flag.state == FlagState::Open {
        String::new()
    } else {
        s.notify_handled.clone()
    };
    fill(
        &s.notify_flag_line,
        &[
            ("name", &flag.name),
            ("address", &flag.address),
            ("status", &words::status(lang, flag.status)),
            ("severity", &words::severity(lang, flag.severity)),
            ("checker", &checker),
            ("handled", &handled),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Round, Severity, Status};

    fn flag(name: &str, state: FlagState, checker: Option<&str>) -> FlagLine {
        FlagLine {
            flag_id: 1,
            elder_id: "CQ001".into(),
            name: name.into(),
            address: "长青小区 A区 1栋 1单元 401".into(),
            grid: "第一网格".into(),
            round: "2026-11-22/morning".parse().unwrap(),
            status: Status::Missed,
            severity: Severity::Low,
            state,
            checker: checker.map(str::to_string),
            topic: "missed".into(),
        }
    }

    fn digest(flags: Vec<FlagLine>) -> Message {
        Message {
            id: 1,
            kind: Kind::RoundDigest,
            grid: Some("第一网格".into()),
            round: Some("2026-11-22/morning".parse::<Round>().unwrap()),
            created_at: "2026-11-22T01:30:00Z".parse().unwrap(),
            created_by: "curtain".into(),
            flags,
            warning: None,
        }
    }

    fn cx(max_bytes: usize) -> Context<'static> {
        Context {
            lang: Lang::Zh,
            community: Some("长青社区"),
            tz: chrono_tz::Asia::Shanghai,
            channel: "grid1",
            reminder_minutes: 30,
            max_bytes,
            drill: false,
        }
    }

    #[test]
    fn a_digest_names_grid_round_and_each_elder_and_marks_handled_ones() {
        let message = digest(vec![
            flag("王秀英", FlagState::Open, None),
            flag("张建国", FlagState::Resolved, Some("wang_ayi")),
        ]);
        let rendered = render(&message, &cx(4000));
        assert!(rendered.title.contains("第一网格"), "{}", rendered.title);
        assert!(
            rendered.title.contains("晨巡 11月22日"),
            "{}",
            rendered.title
        );
        assert!(
            rendered.markdown.contains("**王秀英**"),
            "{}",
            rendered.markdown
        );
        assert!(
            rendered.markdown.contains("无人巡视"),
            "{}",
            rendered.markdown
        );
        assert!(
            rendered.text.contains("巡视：wang_ayi（已处理）"),
            "{}",
            rendered.text
        );
        assert!(!rendered.text.contains("**"), "{}", rendered.text);
    }

    #[test]
    fn a_long_digest_is_cut_to_the_channel_limit_and_says_how_many_more() {
        let flags: Vec<FlagLine> = (0..200)
            .map(|_| flag("王秀英", FlagState::Open, None))
            .collect();
        let rendered = render(&digest(flags), &cx(4096));
        assert!(
            rendered.markdown.len() <= 4096,
            "{}",
            rendered.markdown.len()
        );
        assert!(rendered.markdown.contains("另有"), "{}", rendered.markdown);
    }
}
