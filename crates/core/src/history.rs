//! The studio's local history: a saved conversation, how it is titled, searched and renamed,
//! and the one-file export that carries all of them to another browser.
//!
//! The page keeps each [`Conversation`] as a JSON string in IndexedDB under its id; everything
//! about that string — its shape, what a damaged one does, what an import keeps — is decided
//! here, so it is tested natively. Records and exports are read defensively: a record written
//! by a newer or broken page is reported, never trusted or panicked on, and an import never
//! replaces a conversation with an older copy of itself.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::session::Session;
use crate::studio::{UNTITLED_APP, display_title};

/// The `format` field of an export file.
pub const EXPORT_FORMAT: &str = "kiln-history";
/// The export layout this code writes; it reads this one and older ones.
pub const EXPORT_VERSION: u32 = 1;
/// The largest export file read. IndexedDB holds far more, but a JSON file of this size is
/// already seconds of parsing on a phone.
pub const MAX_EXPORT_BYTES: usize = 64 * 1024 * 1024;
/// The most characters a title keeps, derived or given.
pub const MAX_TITLE_CHARS: usize = 80;
/// The longest id accepted from a record or an import.
const MAX_ID_BYTES: usize = 128;

/// One line of the conversation as the page shows it: what the person typed (not the text
/// Kiln added around it for the model) or the model's whole reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// True for the person's message.
    pub user: bool,
    /// The text.
    pub text: String,
}

/// A saved conversation: what the page shows, what the model was told, and which artifact was
/// open. Times are milliseconds since the Unix epoch, given by the edge (the core reads no
/// clock).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// The key it is stored under.
    pub id: String,
    /// What the history list shows.
    pub title: String,
    /// True once the person named it: the title is no longer derived from the content.
    #[serde(default)]
    pub renamed: bool,
    /// When it was started.
    pub created_ms: f64,
    /// When it last changed; the list shows the newest first.
    pub updated_ms: f64,
    /// The conversation as shown.
    #[serde(default)]
    pub entries: Vec<Entry>,
    /// The conversation as the model sees it, with every artifact and version.
    #[serde(default)]
    pub session: Session,
    /// The artifact that was in the preview.
    #[serde(default)]
    pub current: Option<String>,
    /// What its apps keep, by artifact id: only in an export file (the studio keeps apps'
    /// data apart, by `sandbox::AppId`), so that an export carries it to another browser.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub app_data: BTreeMap<String, AppData>,
}

/// One app's saved data in an export: its `localStorage` and its `kiln.storage`. Never its
/// consent: a file from elsewhere brings none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppData {
    pub local: BTreeMap<String, String>,
    pub kv: BTreeMap<String, String>,
}

impl AppData {
    /// Whether there is nothing to carry.
    pub fn is_empty(&self) -> bool {
        self.local.is_empty() && self.kv.is_empty()
    }
}

/// What the history list needs of a conversation, without its contents.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The conversation's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// When it last changed (ms since the epoch).
    pub updated_ms: f64,
}

/// Why a record, a title or an export cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HistoryError {
    /// A stored record is not a conversation this page can read.
    #[error("a saved conversation could not be read: {0}")]
    Record(String),
    /// The file is not JSON of the export's shape.
    #[error("this file is not a Kiln history export: {0}")]
    NotAnExport(String),
    /// The export comes from a newer Kiln.
    #[error(
        "this export is format version {found}; this Kiln reads up to version {EXPORT_VERSION}"
    )]
    NewerVersion {
        /// The version the file says.
        found: u32,
    },
    /// The file is larger than [`MAX_EXPORT_BYTES`].
    #[error("the file is {size} bytes; an export may be at most {MAX_EXPORT_BYTES} bytes")]
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// A title that is empty once trimmed.
    #[error("a title cannot be empty")]
    EmptyTitle,
}

impl Conversation {
    /// A new, empty conversation.
    pub fn new(id: impl Into<String>, now_ms: f64) -> Self {
        Self {
            id: id.into(),
            title: "New conversation".to_owned(),
            renamed: false,
            created_ms: now_ms,
            updated_ms: now_ms,
            entries: Vec::new(),
            session: Session::new(),
            current: None,
            app_data: BTreeMap::new(),
        }
    }

    /// The ids of its artifacts: whose data an export carries.
    pub fn artifact_ids(&self) -> Vec<String> {
        self.session
            .artifacts()
            .iter()
            .map(|h| h.id().to_owned())
            .collect()
    }

    /// Reads a stored record.
    pub fn from_record(record: &str) -> Result<Self, HistoryError> {
        let c: Conversation =
            serde_json::from_str(record).map_err(|e| HistoryError::Record(e.to_string()))?;
        c.check().map_err(HistoryError::Record)?;
        Ok(c)
    }

    /// The stored record.
    pub fn to_record(&self) -> String {
        // Serializing plain structs of strings and numbers cannot fail; an empty record would
        // be refused on reading rather than trusted.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// What the list shows of it.
    pub fn summary(&self) -> Summary {
        Summary {
            id: self.id.clone(),
            title: self.title.clone(),
            updated_ms: self.updated_ms,
        }
    }

    /// Takes in a change made at `now_ms`: the title follows the content unless the person
    /// named the conversation.
    pub fn touch(&mut self, now_ms: f64) {
        self.updated_ms = now_ms.max(self.updated_ms);
        if !self.renamed {
            self.title = self.derived_title();
        }
    }

    /// The title the content suggests: the open artifact's title, else the first thing the
    /// person asked, cut to [`MAX_TITLE_CHARS`].
    pub fn derived_title(&self) -> String {
        let artifact = self
            .session
            .shown_artifact(self.current.as_deref())
            .and_then(|(id, _)| self.session.artifacts().latest(&id).map(|(_, a)| a))
            .map(display_title)
            .filter(|t| t != UNTITLED_APP);
        let asked = || {
            self.entries
                .iter()
                .find(|e| e.user)
                .map(|e| e.text.clone())
                .filter(|t| !t.trim().is_empty())
        };
        artifact
            .or_else(asked)
            .map_or_else(|| "New conversation".to_owned(), |t| clip_title(&t))
    }

    /// Names the conversation; the name stays until the person changes it again.
    pub fn rename(&mut self, title: &str) -> Result<(), HistoryError> {
        let title = clip_title(title);
        if title.is_empty() {
            return Err(HistoryError::EmptyTitle);
        }
        self.title = title;
        self.renamed = true;
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        if self.id.is_empty() || self.id.len() > MAX_ID_BYTES {
            return Err(format!(
                "its id must be 1 to {MAX_ID_BYTES} bytes, not {}",
                self.id.len()
            ));
        }
        if !self.created_ms.is_finite() || !self.updated_ms.is_finite() {
            return Err("its times are not numbers".to_owned());
        }
        Ok(())
    }
}

/// One line, white space collapsed, at most [`MAX_TITLE_CHARS`] characters (an ellipsis marks
/// a cut).
pub fn clip_title(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_TITLE_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(MAX_TITLE_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// Whether `title` matches a search: every word of `query` appears in it, ignoring case. An
/// empty query matches everything.
pub fn title_matches(title: &str, query: &str) -> bool {
    let title = title.to_lowercase();
    query
        .split_whitespace()
        .all(|word| title.contains(&word.to_lowercase()))
}

/// Puts `summary` in the list, replacing the one with the same id.
pub fn upsert(summaries: &mut Vec<Summary>, summary: Summary) {
    match summaries.iter_mut().find(|s| s.id == summary.id) {
        Some(have) => *have = summary,
        None => summaries.push(summary),
    }
}

/// Summaries newest first, filtered by `query`.
pub fn listing(summaries: &[Summary], query: &str) -> Vec<Summary> {
    let mut shown: Vec<Summary> = summaries
        .iter()
        .filter(|s| title_matches(&s.title, query))
        .cloned()
        .collect();
    shown.sort_by(|a, b| b.updated_ms.total_cmp(&a.updated_ms).then(a.id.cmp(&b.id)));
    shown
}

#[derive(Serialize)]
struct ExportOut<'a> {
    format: &'static str,
    version: u32,
    conversations: &'a [Conversation],
}

#[derive(Deserialize)]
struct ExportIn {
    format: String,
    version: u32,
    conversations: Vec<serde_json::Value>,
}

/// Every conversation as one JSON file.
pub fn export(conversations: &[Conversation]) -> String {
    let out = ExportOut {
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        conversations,
    };
    serde_json::to_string_pretty(&out).unwrap_or_default()
}

/// What an export file holds: the conversations that can be read, and how many could not.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedExport {
    /// Readable conversations; of two with the same id, the newer.
    pub conversations: Vec<Conversation>,
    /// Entries of the file that were not conversations this page can read.
    pub unreadable: usize,
}

/// Reads an export file. The file as a whole must be an export of a version this code knows;
/// single damaged conversations inside it are counted and skipped, so one bad entry does not
/// lose the rest.
pub fn parse_export(text: &str) -> Result<ParsedExport, HistoryError> {
    if text.len() > MAX_EXPORT_BYTES {
        return Err(HistoryError::TooLarge { size: text.len() });
    }
    let file: ExportIn =
        serde_json::from_str(text).map_err(|e| HistoryError::NotAnExport(e.to_string()))?;
    if file.format != EXPORT_FORMAT {
        return Err(HistoryError::NotAnExport(format!(
            "its format is {:?}, not {EXPORT_FORMAT:?}",
            file.format
        )));
    }
    if file.version > EXPORT_VERSION {
        return Err(HistoryError::NewerVersion {
            found: file.version,
        });
    }
    let mut conversations: Vec<Conversation> = Vec::new();
    let mut unreadable = 0;
    for value in file.conversations {
        let parsed = serde_json::from_value::<Conversation>(value)
            .ok()
            .filter(|c| c.check().is_ok());
        let Some(c) = parsed else {
            unreadable += 1;
            continue;
        };
        match conversations.iter_mut().find(|have| have.id == c.id) {
            Some(have) if have.updated_ms < c.updated_ms => *have = c,
            Some(_) => {}
            None => conversations.push(c),
        }
    }
    Ok(ParsedExport {
        conversations,
        unreadable,
    })
}

/// What an import does to the history.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportPlan {
    /// Conversations to store: new ones, and newer copies of ones already here.
    pub save: Vec<Conversation>,
    /// Of those, how many replace a conversation already here.
    pub replaced: usize,
    /// Conversations skipped because this history has the same one, as new or newer.
    pub kept: usize,
    /// Entries of the file that could not be read.
    pub unreadable: usize,
}

impl ImportPlan {
    /// One sentence for the person.
    pub fn describe(&self) -> String {
        let n = self.save.len();
        let mut out = format!("Imported {n} conversation{}", if n == 1 { "" } else { "s" });
        if self.replaced > 0 {
            out.push_str(&format!(" ({} replacing older copies)", self.replaced));
        }
        if self.kept > 0 {
            out.push_str(&format!(
                "; {} already here and kept as they are",
                self.kept
            ));
        }
        if self.unreadable > 0 {
            out.push_str(&format!("; {} could not be read", self.unreadable));
        }
        out.push('.');
        out
    }
}

/// Decides what to store of an import, given what the history has. A conversation replaces
/// the one with the same id only when it changed later, so importing an old export never
/// undoes newer work.
pub fn plan_import(existing: &[Summary], parsed: ParsedExport) -> ImportPlan {
    let mut plan = ImportPlan {
        save: Vec::new(),
        replaced: 0,
        kept: 0,
        unreadable: parsed.unreadable,
    };
    for c in parsed.conversations {
        match existing.iter().find(|s| s.id == c.id) {
            Some(have) if have.updated_ms >= c.updated_ms => plan.kept += 1,
            Some(_) => {
                plan.replaced += 1;
                plan.save.push(c);
            }
            None => plan.save.push(c),
        }
    }
    plan
}

/// Reads stored records, keeping the readable ones and counting the rest.
pub fn read_records<'a>(records: impl IntoIterator<Item = &'a str>) -> (Vec<Conversation>, usize) {
    let mut unreadable = 0;
    let read = records
        .into_iter()
        .filter_map(|r| match Conversation::from_record(r) {
            Ok(c) => Some(c),
            Err(_) => {
                unreadable += 1;
                None
            }
        })
        .collect();
    (read, unreadable)
}

/// The name of the export file for a time (ms since the epoch): `kiln-history-YYYY-MM-DD.json`.
pub fn export_file_name(now_ms: f64) -> String {
    let days = (now_ms / 86_400_000.0).floor() as i64;
    let (y, m, d) = civil_from_days(days);
    format!("kiln-history-{y:04}-{m:02}-{d:02}.json")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::{Artifact, ArtifactKind};

    fn with_app(id: &str, title: Option<&str>) -> Conversation {
        let mut a = Artifact::new(ArtifactKind::Html);
        a.title = title.map(str::to_owned);
        a.content = "<p>hi</p>\n".into();
        a.complete = true;
        let mut c = Conversation::new(id, 1_000.0);
        c.session = Session::with_artifact("app", a);
        c.entries = vec![
            Entry {
                user: true,
                text: "a   small\napp please".into(),
            },
            Entry {
                user: false,
                text: "Here.".into(),
            },
        ];
        c.current = Some("app".into());
        c
    }

    #[test]
    fn a_record_round_trips_with_its_session() {
        let c = with_app("c1", Some("Greeter"));
        let back = Conversation::from_record(&c.to_record()).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.session.artifacts().latest("app").unwrap().0, 1);
    }

    #[test]
    fn damaged_records_are_reported_not_trusted() {
        for bad in [
            "",
            "{",
            "[]",
            r#"{"id":"","title":"x","created_ms":1,"updated_ms":1}"#,
            r#"{"title":"x","created_ms":1,"updated_ms":1}"#,
        ] {
            assert!(
                matches!(Conversation::from_record(bad), Err(HistoryError::Record(_))),
                "{bad}"
            );
        }
        let (read, unreadable) = read_records([
            with_app("ok", None).to_record().as_str(),
            "not json",
            r#"{"id":"x"}"#,
        ]);
        assert_eq!((read.len(), unreadable), (1, 2));
        // A record from a page that only knew the basics still opens.
        let old = r#"{"id":"o","title":"Old","created_ms":5,"updated_ms":6}"#;
        let c = Conversation::from_record(old).unwrap();
        assert!(c.entries.is_empty() && c.session.messages().is_empty());
    }

    #[test]
    fn the_title_follows_the_content_until_renamed() {
        let mut c = with_app("c", Some("Greeter"));
        c.touch(2_000.0);
        assert_eq!(c.title, "Greeter");
        // With no titled artifact, the first prompt, on one line.
        let mut c = with_app("c", None);
        c.touch(2_000.0);
        assert_eq!(c.title, "a small app please");
        assert_eq!(c.rename("   "), Err(HistoryError::EmptyTitle));
        c.rename("  My\tapp ").unwrap();
        c.touch(3_000.0);
        assert_eq!((c.title.as_str(), c.updated_ms), ("My app", 3_000.0));
        // Time never goes back, whatever the clock says.
        c.touch(10.0);
        assert_eq!(c.updated_ms, 3_000.0);
        assert_eq!(
            Conversation::new("e", 0.0).derived_title(),
            "New conversation"
        );
    }

    #[test]
    fn long_titles_are_cut_on_one_line() {
        let long = "word ".repeat(40);
        let t = clip_title(&long);
        assert_eq!(t.chars().count(), MAX_TITLE_CHARS);
        // A cut that falls on a space does not keep it before the ellipsis.
        let spaced = format!("{} and more", "x".repeat(MAX_TITLE_CHARS - 2));
        assert_eq!(
            clip_title(&spaced),
            format!("{}…", "x".repeat(MAX_TITLE_CHARS - 2))
        );
        assert!(t.ends_with("word…"), "{t}");
        assert_eq!(
            clip_title("é".repeat(200).as_str()).chars().count(),
            MAX_TITLE_CHARS
        );
    }

    #[test]
    fn search_matches_every_word_ignoring_case_and_lists_newest_first() {
        assert!(title_matches("Pomodoro Timer", "timer POMO"));
        assert!(!title_matches("Pomodoro Timer", "clock"));
        assert!(title_matches("anything", "  "));
        let s = |id: &str, title: &str, t: f64| Summary {
            id: id.into(),
            title: title.into(),
            updated_ms: t,
        };
        let all = [
            s("a", "Timer", 1.0),
            s("b", "Chart", 3.0),
            s("c", "Timer two", 2.0),
        ];
        let ids = |v: Vec<Summary>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(ids(listing(&all, "")), ["b", "c", "a"]);
        assert_eq!(ids(listing(&all, "timer")), ["c", "a"]);
        let mut list = all.to_vec();
        upsert(&mut list, s("a", "Timer renamed", 4.0));
        upsert(&mut list, s("d", "Dice", 0.5));
        assert_eq!(ids(listing(&list, "")), ["a", "b", "c", "d"]);
        assert_eq!(list.len(), 4);
    }

    #[test]
    fn an_export_round_trips_and_an_import_keeps_newer_work() {
        let mut a = with_app("a", Some("A"));
        a.updated_ms = 5_000.0;
        let mut b = with_app("b", Some("B"));
        b.updated_ms = 5_000.0;
        let file = export(&[a.clone(), b.clone()]);
        assert!(!file.contains("app_data"), "no data, no field");
        let parsed = parse_export(&file).unwrap();
        assert_eq!(parsed.conversations, vec![a.clone(), b.clone()]);
        // Apps' data travels with its conversation, by artifact id.
        let mut with_data = a.clone();
        with_data.app_data.insert(
            "app".into(),
            AppData {
                local: BTreeMap::from([("n".into(), "3".into())]),
                kv: BTreeMap::from([("deck".into(), "[]".into())]),
            },
        );
        assert_eq!(with_data.artifact_ids(), ["app"]);
        let back = parse_export(&export(std::slice::from_ref(&with_data))).unwrap();
        assert_eq!(back.conversations, [with_data]);

        // Here: "a" is newer than the file's, "b" older, "c" absent.
        let mut c = with_app("c", Some("C"));
        c.updated_ms = 1.0;
        let file = export(&[a, b, c]);
        let here = [
            Summary {
                id: "a".into(),
                title: "A".into(),
                updated_ms: 9_000.0,
            },
            Summary {
                id: "b".into(),
                title: "B".into(),
                updated_ms: 1_000.0,
            },
        ];
        let plan = plan_import(&here, parse_export(&file).unwrap());
        let saved: Vec<&str> = plan.save.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(saved, ["b", "c"]);
        assert_eq!((plan.replaced, plan.kept, plan.unreadable), (1, 1, 0));
        assert_eq!(
            plan.describe(),
            "Imported 2 conversations (1 replacing older copies); 1 already here and kept as they are."
        );
    }

    #[test]
    fn bad_exports_say_why_and_bad_entries_are_skipped() {
        assert!(matches!(
            parse_export("{}"),
            Err(HistoryError::NotAnExport(_))
        ));
        assert!(matches!(
            parse_export("<html>"),
            Err(HistoryError::NotAnExport(_))
        ));
        let other = r#"{"format":"other","version":1,"conversations":[]}"#;
        assert!(matches!(
            parse_export(other),
            Err(HistoryError::NotAnExport(_))
        ));
        let newer = r#"{"format":"kiln-history","version":99,"conversations":[]}"#;
        assert_eq!(
            parse_export(newer),
            Err(HistoryError::NewerVersion { found: 99 })
        );
        let huge = " ".repeat(MAX_EXPORT_BYTES + 1);
        assert!(matches!(
            parse_export(&huge),
            Err(HistoryError::TooLarge { .. })
        ));
        // Two copies of one id keep the newer; a damaged entry is counted.
        let mut old = with_app("x", Some("Old"));
        old.updated_ms = 1.0;
        let mut new = with_app("x", Some("New"));
        new.updated_ms = 2.0;
        let file = format!(
            r#"{{"format":"kiln-history","version":1,"conversations":[{},{},{{"id":7}},{}]}}"#,
            old.to_record(),
            new.to_record(),
            old.to_record()
        );
        let parsed = parse_export(&file).unwrap();
        assert_eq!(parsed.conversations, vec![new]);
        assert_eq!(parsed.unreadable, 1);
    }

    #[test]
    fn export_file_names_carry_the_date() {
        assert_eq!(export_file_name(0.0), "kiln-history-1970-01-01.json");
        // 2026-12-02T19:00:00Z
        assert_eq!(
            export_file_name(1_796_238_000_000.0),
            "kiln-history-2026-12-02.json"
        );
        assert_eq!(
            export_file_name(951_782_400_000.0),
            "kiln-history-2000-02-29.json"
        );
    }
}
