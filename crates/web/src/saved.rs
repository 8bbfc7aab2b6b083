//! The saved-conversations controller: which conversation is open, the History list's
//! summaries, and every read and write of the conversation store (save, open, rename, delete,
//! export, import, and the first load after a reload).
//!
//! It owns no view state: the page hands it what to save and takes back what was opened. What a
//! record holds, what an import keeps and how the list is ordered are `kiln_core::history`'s.

use kiln_core::history::{
    Conversation, Summary, export, export_file_name, parse_export, plan_import, read_records,
    upsert,
};
use leptos::prelude::*;
use web_sys::IdbDatabase;

use crate::apps::Apps;
use crate::browser;
use crate::history::wall_clock_ms;
use crate::idb;

/// The conversation that was open, in this browser's localStorage: a reload opens it again.
const OPEN_CONVERSATION_KEY: &str = "kiln.conversation.open";

/// A handle on the saved conversations; copies share the same state.
#[derive(Clone, Copy)]
pub struct Saved {
    db: StoredValue<Option<IdbDatabase>, LocalStorage>,
    /// The open conversation's record, without its contents (those live in the page's signals
    /// until saved).
    open: StoredValue<Option<Conversation>>,
    /// The open conversation's id, for the list's highlight.
    pub open_id: RwSignal<Option<String>>,
    pub summaries: RwSignal<Vec<Summary>>,
    /// What the History panel says about the last thing it did or could not do.
    pub message: RwSignal<String>,
    /// When the open conversation was last saved (`browser::now_ms`).
    last_save: StoredValue<f64>,
}

impl Saved {
    pub fn new() -> Self {
        Self {
            db: StoredValue::new_local(None),
            open: StoredValue::new(None),
            open_id: RwSignal::new(None),
            summaries: RwSignal::new(Vec::new()),
            message: RwSignal::new(String::new()),
            last_save: StoredValue::new(0.0),
        }
    }

    fn store(&self) -> Option<IdbDatabase> {
        self.db.with_value(Clone::clone)
    }

    /// The conversation the model's artifacts belong to, for their app identity: the open one,
    /// or a new one (saved once its first message is sent).
    pub fn scope(&self) -> String {
        if let Some(id) = self.open.with_value(|c| c.as_ref().map(|c| c.id.clone())) {
            return id;
        }
        let c = Conversation::new(browser::random_token(), wall_clock_ms());
        let id = c.id.clone();
        self.opened(c);
        id
    }

    /// Makes `c` the open conversation (and the one a reload opens again).
    pub fn opened(&self, c: Conversation) {
        self.open_id.set(Some(c.id.clone()));
        let _ = browser::save(OPEN_CONVERSATION_KEY, &c.id);
        self.open.set_value(Some(c));
    }

    /// No conversation is open: the next message starts a new one.
    pub fn close(&self) {
        self.detach();
        browser::remove(OPEN_CONVERSATION_KEY);
    }

    /// The same, but a reload still reopens the conversation that was open (a remix starts a
    /// conversation of its own only once its first message is sent).
    pub fn detach(&self) {
        self.open.set_value(None);
        self.open_id.set(None);
    }

    pub fn is_open(&self, id: &str) -> bool {
        self.open_id.with_untracked(|o| o.as_deref() == Some(id))
    }

    /// Milliseconds since the open conversation was last saved.
    pub fn since_save_ms(&self) -> f64 {
        browser::now_ms() - self.last_save.get_value()
    }

    /// Saves the open conversation with what `fill` writes into its record (entries, session,
    /// the artifact shown). Writes go to IndexedDB in the order they were made.
    pub fn save(&self, fill: impl FnOnce(&mut Conversation)) {
        let Some(mut record) = self.open.get_value() else {
            return;
        };
        fill(&mut record);
        record.touch(wall_clock_ms());
        self.last_save.set_value(browser::now_ms());
        let id = record.id.clone();
        // A first message that got no reply at all leaves nothing worth a row in the list.
        let empty = record.entries.is_empty() && record.session.messages().is_empty();
        let text = record.to_record();
        if empty {
            self.summaries.update(|s| s.retain(|s| s.id != id));
        } else {
            self.summaries.update(|s| upsert(s, record.summary()));
        }
        self.open.set_value(Some(record));
        let Some(store) = self.store() else {
            return;
        };
        let message = self.message;
        leptos::task::spawn_local(async move {
            let done = if empty {
                idb::delete(&store, idb::CONVERSATIONS, &id).await
            } else {
                idb::put(&store, idb::CONVERSATIONS, &id, &text).await
            };
            if let Err(e) = done {
                message.set(format!("Could not save this conversation: {e}."));
            }
        });
    }

    /// Reads conversation `id` and hands it to `show`.
    pub fn open(&self, id: String, show: impl FnOnce(Conversation) + 'static) {
        let Some(store) = self.store() else {
            return;
        };
        let message = self.message;
        leptos::task::spawn_local(async move {
            match idb::get(&store, idb::CONVERSATIONS, &id).await {
                Ok(Some(record)) => match Conversation::from_record(&record) {
                    Ok(c) => show(c),
                    Err(e) => message.set(format!("{e}.")),
                },
                Ok(None) => message.set("That conversation is no longer saved.".to_owned()),
                Err(e) => message.set(format!("Could not read the history: {e}.")),
            }
        });
    }

    /// Renames conversation `id`; the open one is saved through `save_open`, which writes its
    /// contents along.
    pub fn rename(&self, id: String, title: String, save_open: impl FnOnce()) {
        if self
            .open
            .with_value(|c| c.as_ref().is_some_and(|c| c.id == id))
        {
            let renamed = self
                .open
                .try_update_value(|c| c.as_mut().map(|c| c.rename(&title)))
                .flatten();
            match renamed {
                Some(Ok(())) => save_open(),
                Some(Err(e)) => self.message.set(format!("{e}.")),
                None => {}
            }
            return;
        }
        let Some(store) = self.store() else {
            return;
        };
        let (message, summaries) = (self.message, self.summaries);
        leptos::task::spawn_local(async move {
            let record = idb::get(&store, idb::CONVERSATIONS, &id)
                .await
                .ok()
                .flatten();
            let Some(Ok(mut c)) = record.as_deref().map(Conversation::from_record) else {
                return message.set("That conversation could not be read.".to_owned());
            };
            if let Err(e) = c.rename(&title) {
                return message.set(format!("{e}."));
            }
            summaries.update(|s| upsert(s, c.summary()));
            if let Err(e) = idb::put(&store, idb::CONVERSATIONS, &c.id, &c.to_record()).await {
                message.set(format!("Could not save the new title: {e}."));
            }
        });
    }

    /// Deletes conversation `id` (not the open one: the page closes that first) and what its
    /// apps kept.
    pub fn delete(&self, id: String, apps: Apps) {
        let Some(store) = self.store() else {
            apps.forget_conversation(&id);
            return self.summaries.update(|s| s.retain(|s| s.id != id));
        };
        let (message, summaries) = (self.message, self.summaries);
        leptos::task::spawn_local(async move {
            // Gone from the list once it is gone from the store: a reload right after cannot
            // bring it back.
            match idb::delete(&store, idb::CONVERSATIONS, &id).await {
                Ok(()) => {
                    // Its apps' data goes once the conversation is gone, not before.
                    apps.forget_conversation(&id);
                    summaries.update(|s| s.retain(|s| s.id != id));
                    message.set("Deleted.".to_owned());
                }
                Err(e) => message.set(format!("Could not delete: {e}.")),
            }
        });
    }

    /// Downloads every saved conversation as one JSON file.
    pub fn export_all(&self) {
        let message = self.message;
        let Some(store) = self.store() else {
            return message.set("History is not available in this browser.".to_owned());
        };
        leptos::task::spawn_local(async move {
            match idb::all(&store, idb::CONVERSATIONS).await {
                Ok(records) => {
                    let (mut conversations, unreadable) =
                        read_records(records.iter().map(String::as_str));
                    // Each conversation carries what its apps keep.
                    for c in &mut conversations {
                        c.app_data = crate::apps::export_data(&store, c).await;
                    }
                    crate::share::download(
                        &export_file_name(wall_clock_ms()),
                        &export(&conversations),
                    );
                    let n = conversations.len();
                    let mut said = format!(
                        "Exported {n} conversation{}.",
                        if n == 1 { "" } else { "s" }
                    );
                    if unreadable > 0 {
                        said.push_str(&format!(
                            " {unreadable} could not be read and were left out."
                        ));
                    }
                    message.set(said);
                }
                Err(e) => message.set(format!("Could not read the history: {e}.")),
            }
        });
    }

    /// Imports an export file: newer copies win, and nothing imported brings consent.
    pub fn import(&self, text: &str, apps: Apps) {
        let message = self.message;
        let parsed = match parse_export(text) {
            Ok(p) => p,
            Err(e) => return message.set(format!("Nothing imported: {e}.")),
        };
        let plan = self.summaries.with_untracked(|s| plan_import(s, parsed));
        let Some(store) = self.store() else {
            return message.set("History is not available in this browser.".to_owned());
        };
        let summaries = self.summaries;
        leptos::task::spawn_local(async move {
            for mut c in plan.save.clone() {
                // A file from elsewhere never brings consent, even under an id known here.
                apps.revoke_conversation(&c.id);
                // Its apps' data goes to the apps' store, not into the conversation's record.
                let data = std::mem::take(&mut c.app_data);
                if let Err(e) = idb::put(&store, idb::CONVERSATIONS, &c.id, &c.to_record()).await {
                    return message.set(format!("The import stopped: {e}."));
                }
                apps.import_data(&c.id, data);
                summaries.update(|s| upsert(s, c.summary()));
            }
            message.set(plan.describe());
        });
    }

    /// Opens the store, lists what it holds, tells `apps` which conversations own which apps,
    /// and hands `reopen` the conversation that was open before a reload (none when
    /// `reopen_allowed` is false, e.g. when the address carries a share link, which is what the
    /// person came for).
    pub fn load(
        &self,
        apps: Apps,
        reopen_allowed: bool,
        reopen: impl FnOnce(Conversation) + 'static,
    ) {
        let last_open = browser::load(OPEN_CONVERSATION_KEY).filter(|_| reopen_allowed);
        let this = *self;
        leptos::task::spawn_local(async move {
            let store = match idb::open().await {
                Ok(store) => store,
                Err(e) => {
                    apps.attach(None, Vec::new()).await;
                    return this.message.set(format!(
                        "History is off: {e}. Conversations and apps' data last until this tab closes."
                    ));
                }
            };
            match idb::all(&store, idb::CONVERSATIONS).await {
                Ok(records) => {
                    let (conversations, unreadable) =
                        read_records(records.iter().map(String::as_str));
                    if unreadable > 0 {
                        this.message.set(format!(
                            "{unreadable} saved conversation{} could not be read.",
                            if unreadable == 1 { "" } else { "s" }
                        ));
                    }
                    this.summaries
                        .set(conversations.iter().map(Conversation::summary).collect());
                    let owners = conversations
                        .iter()
                        .map(|c| {
                            let ids = c.session.artifacts().iter().map(|h| h.id().to_owned());
                            (c.id.clone(), c.updated_ms, ids.collect())
                        })
                        .collect();
                    apps.attach(Some(store.clone()), owners).await;
                    let again =
                        last_open.and_then(|id| conversations.into_iter().find(|c| c.id == id));
                    this.db.set_value(Some(store));
                    if let Some(c) = again {
                        reopen(c);
                    }
                }
                Err(e) => {
                    apps.attach(Some(store.clone()), Vec::new()).await;
                    this.message
                        .set(format!("Could not read the history: {e}."));
                }
            }
        });
    }
}
