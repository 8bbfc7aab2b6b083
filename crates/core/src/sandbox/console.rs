//! The Console tab's lines: what an app logged, threw and was refused, kept bounded whatever
//! the app does.
//!
//! An app may log a million lines. The runner already sends at most
//! [`MAX_LINES_PER_BATCH`](super::MAX_LINES_PER_BATCH) per batch and counts the rest; this log
//! keeps the newest [`ConsoleLog::CAPACITY`] lines, each with a sequence number the page keys
//! its rows by (so adding a line adds one row and removing the oldest removes one), and folds
//! the drop counts into one "messages dropped" line instead of one line per drop.

use std::collections::VecDeque;

use super::{ConsoleLevel, FromFrame};

/// What kind of line, for its label and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Log,
    Info,
    Warn,
    Error,
    Debug,
    /// The sandbox blocked a request or a navigation.
    Blocked,
    /// Kiln said no to something the app asked (a dialog, full screen, storage past its quota),
    /// or tells what it dropped.
    Kiln,
}

impl LineKind {
    /// The label the Console shows (also its CSS class).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Log => "log",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Debug => "debug",
            Self::Blocked => "blocked",
            Self::Kiln => "kiln",
        }
    }
}

/// One line of the Console tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLine {
    /// Unique within one log, increasing: the page's row key.
    pub seq: u64,
    pub kind: LineKind,
    pub text: String,
}

/// Which running count a Kiln line reports, so repeats update one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tally {
    Dropped,
    StorageRefused,
}

/// The lines of one run of one app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleLog {
    lines: VecDeque<ConsoleLine>,
    next: u64,
    dropped: u64,
    storage_refused: u64,
    /// The tally line now at the end, if the last line is one.
    tail: Option<Tally>,
}

impl ConsoleLog {
    /// Lines kept; older ones go.
    pub const CAPACITY: usize = 1_000;

    /// Lines kept now, oldest first.
    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &ConsoleLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// How many lines are kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether nothing has been logged.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Messages dropped so far (past the rate, too large, or not the bridge's).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The text of every error line kept, oldest first (what Fix sends the model).
    pub fn errors(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| l.kind == LineKind::Error)
            .map(|l| l.text.clone())
            .collect()
    }

    /// Whether any error line is kept.
    pub fn has_errors(&self) -> bool {
        self.lines.iter().any(|l| l.kind == LineKind::Error)
    }

    /// Adds a line.
    pub fn push(&mut self, kind: LineKind, text: String) {
        self.tail = None;
        self.append(kind, text);
    }

    fn append(&mut self, kind: LineKind, text: String) {
        if self.lines.len() >= Self::CAPACITY {
            self.lines.pop_front();
        }
        self.lines.push_back(ConsoleLine {
            seq: self.next,
            kind,
            text,
        });
        self.next += 1;
    }

    /// Adds the line a frame message stands for, if it is one the Console shows. Returns
    /// whether it added one.
    pub fn push_message(&mut self, msg: &FromFrame) -> bool {
        let (kind, text) = match msg {
            FromFrame::Console { level, text } => (
                match level {
                    ConsoleLevel::Log => LineKind::Log,
                    ConsoleLevel::Info => LineKind::Info,
                    ConsoleLevel::Warn => LineKind::Warn,
                    ConsoleLevel::Error => LineKind::Error,
                    ConsoleLevel::Debug => LineKind::Debug,
                },
                text.clone(),
            ),
            FromFrame::Error { message, line, .. } => (
                LineKind::Error,
                match line {
                    Some(l) => format!("{message} (line {l})"),
                    None => message.clone(),
                },
            ),
            FromFrame::Rejection { reason } => {
                (LineKind::Error, format!("Unhandled rejection: {reason}"))
            }
            FromFrame::CspViolation { directive, blocked } => (
                LineKind::Blocked,
                format!("Blocked by the sandbox ({directive}): {blocked}"),
            ),
            FromFrame::ResourceFailed { tag, url } => {
                (LineKind::Error, format!("Failed to load <{tag}> {url}"))
            }
            FromFrame::Refused { what } => (LineKind::Kiln, what.clone()),
            _ => return false,
        };
        self.push(kind, text);
        true
    }

    /// Counts `n` more dropped messages, in one line at the end that repeats update.
    pub fn note_dropped(&mut self, n: u32) {
        if n > 0 {
            self.dropped += u64::from(n);
            let text = format!(
                "{} message{} from this app dropped: it sent more, or larger, than the studio \
                 shows",
                self.dropped,
                if self.dropped == 1 { "" } else { "s" }
            );
            self.tally(Tally::Dropped, text);
        }
    }

    /// Counts `n` more storage writes refused for the quota, in one line that repeats update.
    pub fn note_storage_refused(&mut self, n: u32) {
        if n > 0 {
            self.storage_refused += u64::from(n);
            let text = format!(
                "Storage: {} write{} refused: this app's data would pass its quota of {} KiB",
                self.storage_refused,
                if self.storage_refused == 1 { "" } else { "s" },
                super::STORAGE_QUOTA_BYTES / 1024
            );
            self.tally(Tally::StorageRefused, text);
        }
    }

    fn tally(&mut self, which: Tally, text: String) {
        if self.tail == Some(which) {
            // Replaced, not edited: a new sequence number, so a page keyed by it shows the
            // new count.
            self.lines.pop_back();
        }
        self.append(LineKind::Kiln, text);
        self.tail = Some(which);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(text: &str) -> FromFrame {
        FromFrame::Console {
            level: ConsoleLevel::Log,
            text: text.to_owned(),
        }
    }

    #[test]
    fn keeps_the_newest_lines_with_increasing_keys() {
        let mut c = ConsoleLog::default();
        for i in 0..ConsoleLog::CAPACITY + 10 {
            assert!(c.push_message(&log(&i.to_string())));
        }
        assert_eq!(c.len(), ConsoleLog::CAPACITY);
        let first = c.lines().next().unwrap();
        assert_eq!((first.seq, first.text.as_str()), (10, "10"));
        assert!(c.lines().zip(c.lines().skip(1)).all(|(a, b)| a.seq < b.seq));
        assert!(!c.push_message(&FromFrame::Heartbeat));
    }

    #[test]
    fn drops_and_refusals_are_one_line_each_that_counts_up() {
        let mut c = ConsoleLog::default();
        c.push_message(&log("a"));
        c.note_dropped(0);
        assert_eq!(c.len(), 1);
        c.note_dropped(5);
        c.note_dropped(7);
        assert_eq!(c.len(), 2);
        let last = c.lines().last().unwrap();
        assert!(
            last.text.starts_with("12 messages from this app dropped"),
            "{}",
            last.text
        );
        assert_eq!(last.kind, LineKind::Kiln);
        // Another line in between starts a new tally line, with the running total.
        c.push_message(&log("b"));
        c.note_dropped(1);
        assert_eq!(c.len(), 4);
        assert!(c.lines().last().unwrap().text.starts_with("13 messages"));
        c.note_storage_refused(1);
        c.note_storage_refused(2);
        assert_eq!(c.len(), 5);
        assert!(
            c.lines()
                .last()
                .unwrap()
                .text
                .starts_with("Storage: 3 writes refused")
        );
        assert_eq!(c.dropped(), 13);
    }

    #[test]
    fn errors_are_what_fix_sends() {
        let mut c = ConsoleLog::default();
        c.push_message(&log("fine"));
        c.push_message(&FromFrame::Error {
            message: "x is not defined".into(),
            source: None,
            line: Some(3),
            column: None,
            stack: None,
        });
        c.push_message(&FromFrame::Rejection {
            reason: "nope".into(),
        });
        c.push_message(&FromFrame::CspViolation {
            directive: "connect-src".into(),
            blocked: "https://x".into(),
        });
        assert!(c.has_errors());
        assert_eq!(
            c.errors(),
            ["x is not defined (line 3)", "Unhandled rejection: nope"]
        );
        assert_eq!(c.lines().nth(3).map(|l| l.kind.as_str()), Some("blocked"));
    }
}
