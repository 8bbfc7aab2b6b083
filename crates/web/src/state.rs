//! The studio page's shared state: one copyable handle on the signals that the page's
//! controllers (turns, versions, history) and its components all work on.

use kiln_core::sandbox::AppId;
use kiln_core::session::{ModelSettings, Session};
use kiln_core::studio::Runnable;
use kiln_core::transcript::Segment;
use leptos::prelude::*;

use crate::saved::Saved;
use crate::status::Status;
use crate::transcript_view::Entry;

/// A handle on the page's state; copies share it.
#[derive(Clone, Copy)]
pub struct Page {
    /// What is in the prompt box.
    pub draft: RwSignal<String>,
    /// The status line under it.
    pub status: RwSignal<Status>,
    /// The app in the preview.
    pub runnable: RwSignal<Option<Runnable>>,
    /// The version the preview shows when it is not the newest (the Versions tab).
    pub viewing: RwSignal<Option<u32>>,
    pub settings: RwSignal<ModelSettings>,
    pub show_settings: RwSignal<bool>,
    /// True while the person types an API key: the preview hides the app meanwhile.
    pub key_typing: RwSignal<bool>,
    /// The conversation as drawn.
    pub conversation: RwSignal<Vec<Entry>>,
    next_entry: StoredValue<u64>,
    /// The conversation as the model sees it. Not reactive: `session_rev` counts its changes.
    pub session: StoredValue<Session, LocalStorage>,
    pub session_rev: RwSignal<u32>,
    /// Set when the last reply was cut off with part of it kept: the page offers Continue.
    pub can_continue: RwSignal<bool>,
    /// The key of the last artifact a model turn put in the preview: only those are fixed
    /// automatically (not pasted, shared or example apps).
    pub model_key: StoredValue<Option<String>>,
    pub saved: Saved,
    /// The app a short link opened and that link's id: only that app reaches the link's shared
    /// data (`kiln.storage.shared`).
    pub shared_link: RwSignal<Option<(AppId, String)>>,
}

impl Page {
    pub fn new(settings: ModelSettings) -> Self {
        Self {
            draft: RwSignal::new(String::new()),
            status: RwSignal::new(Status::Idle),
            runnable: RwSignal::new(None),
            viewing: RwSignal::new(None),
            settings: RwSignal::new(settings),
            show_settings: RwSignal::new(false),
            key_typing: RwSignal::new(false),
            conversation: RwSignal::new(Vec::new()),
            next_entry: StoredValue::new(0),
            session: StoredValue::new_local(Session::new()),
            session_rev: RwSignal::new(0),
            can_continue: RwSignal::new(false),
            model_key: StoredValue::new(None),
            saved: Saved::new(),
            shared_link: RwSignal::new(None),
        }
    }

    /// A new row of the conversation.
    pub fn entry(&self, user: bool, text: String, segments: Vec<Segment>) -> Entry {
        let id = self.next_entry.get_value();
        self.next_entry.set_value(id + 1);
        Entry {
            id,
            user,
            text: ArcRwSignal::new(text),
            segments: ArcRwSignal::new(segments),
        }
    }

    /// Replaces the session (a new, opened or remixed conversation).
    pub fn set_session(&self, session: Session) {
        self.session.set_value(session);
        self.bump();
    }

    /// The session changed in place.
    pub fn bump(&self) {
        self.session_rev.update(|r| *r += 1);
    }

    /// Shows `r` in the preview as the newest version of what it is.
    pub fn show(&self, r: Option<Runnable>) {
        self.viewing.set(None);
        self.runnable.set(r);
    }
}
