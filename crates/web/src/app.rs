//! The studio page: conversation and composer on one side, the artifact panel on the other.
//!
//! Send streams a reply from the model chosen in the settings panel: the reply text appears as
//! it arrives, and the app it contains runs in the preview while the model is still writing.
//! Stop keeps what arrived. "Run as app" takes pasted text (an HTML file, or a reply copied
//! from another chat) and runs the app in it. The decisions live in `kiln_core::session`.

use kiln_core::artifact::Artifact;
use kiln_core::deploy::{ClientConfig, is_server_proxy};
use kiln_core::ending::{Delivery, Notice, Remedy, turn_notice};
use kiln_core::history::{
    Conversation, Summary, export, export_file_name, parse_export, plan_import, read_records,
    upsert,
};
use kiln_core::markdown::to_safe_html;
use kiln_core::prompt::{Prompt, PromptError};
use kiln_core::protocol::{AutoFix, CONTINUE_PROMPT, kiln_step};
use kiln_core::provider::{RetryDecision, RetryPolicy};
use kiln_core::session::{Ending, ModelSettings, Session, Turn, preview_due};
use kiln_core::share::SharedArtifact;
use kiln_core::studio::{
    PasteError, Runnable, runnable_from_paste, runnable_from_shared, runnable_of_version,
};
use kiln_core::transcript::{ReplyView, Segment};
use leptos::prelude::*;
use web_sys::IdbDatabase;

use crate::apps::Apps;
use crate::browser;
use crate::gallery::Gallery;
use crate::history::{HistoryPanel, wall_clock_ms};
use crate::idb;
use crate::preview::Preview;
use crate::settings::{SettingsPanel, has_saved_settings, key_name, load_settings};
use crate::share::{
    BrokenLink, ShareDialog, SharedBanner, clear_address, open_link, payload_in_address,
};
use crate::transport::{self, TransportError};

/// The preview restarts the app at most this often while a reply streams.
const LIVE_PREVIEW_MS: f64 = 1_000.0;

/// A reply being streamed is saved at most this often, so a crashed tab loses at most this
/// much of it.
const SAVE_WHILE_STREAMING_MS: f64 = 2_000.0;

/// The conversation that was open, in this browser's localStorage: a reload opens it again.
const OPEN_CONVERSATION_KEY: &str = "kiln.conversation.open";

/// What the status line under the prompt says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Idle,
    Invalid(PromptError),
    Paste(PasteError),
    Running(String),
    Waiting,
    Streaming,
    Ended(String),
    /// How a turn (or an attempt to start one) ended, problems drawn as such.
    Notice(Notice),
}

impl Status {
    fn is_problem(&self) -> bool {
        match self {
            Status::Invalid(_) | Status::Paste(_) => true,
            Status::Notice(n) => n.problem,
            _ => false,
        }
    }
}

/// One turn of the conversation. The text is a signal of its own, so a streamed chunk updates
/// only the reply being written, not every row; `id` keys the rows. Reference-counted rather
/// than owned by a scope: a turn started from a button that then disappears (Continue, Fix)
/// must outlive that button.
#[derive(Debug, Clone)]
struct Entry {
    id: u64,
    user: bool,
    text: ArcRwSignal<String>,
    /// A model's reply as prose and artifact cards (`kiln_core::transcript`).
    segments: ArcRwSignal<Vec<Segment>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Progress {
    started_ms: f64,
    now_ms: f64,
    chars: usize,
    tokens: Option<u64>,
}

impl Progress {
    fn line(&self) -> String {
        let secs = ((self.now_ms - self.started_ms) / 1000.0).max(0.0);
        let (amount, unit) = match self.tokens {
            Some(t) => (t as f64, "tokens"),
            None => (self.chars as f64, "chars"),
        };
        let rate = if secs > 0.2 { amount / secs } else { 0.0 };
        format!("{amount:.0} {unit} · {rate:.0}/s · {secs:.1} s")
    }
}

async fn fetch_config() -> Result<ClientConfig, String> {
    let text = browser::fetch_text("./config.json").await?;
    serde_json::from_str::<ClientConfig>(&text)
        .map_err(|e| format!("config.json is not valid: {e}"))
}

#[component]
pub fn App() -> impl IntoView {
    let apps = Apps::new();
    provide_context(apps);
    // True while the person types an API key: the preview hides the app meanwhile.
    let key_typing = RwSignal::new(false);
    let (draft, set_draft) = signal(String::new());
    let (status, set_status) = signal(Status::Idle);
    let (runnable, set_runnable) = signal(None::<Runnable>);
    let config = LocalResource::new(fetch_config);
    let client_config = Signal::derive(move || config.get());
    let sandbox_config = Signal::derive(move || client_config.get().map(|c| c.map(|c| c.sandbox)));
    let offered = Signal::derive(move || {
        client_config
            .get()
            .and_then(Result::ok)
            .map(|c| c.providers)
            .unwrap_or_default()
    });
    let can_run = Signal::derive(move || {
        client_config
            .get()
            .and_then(Result::ok)
            .is_some_and(|c| c.run)
    });
    let short_links = Signal::derive(move || {
        client_config
            .get()
            .and_then(Result::ok)
            .is_some_and(|c| c.short_links)
    });
    let settings = RwSignal::new(load_settings());
    // A deployment's defaults (a team's own endpoint) apply until this browser chooses.
    Effect::new(move |_| {
        if let Some(Ok(c)) = client_config.get()
            && let Some(d) = c.defaults
            && !has_saved_settings()
        {
            settings.set(d);
        }
    });
    let show_settings = RwSignal::new(false);
    let conversation = RwSignal::new(Vec::<Entry>::new());
    let next_entry = StoredValue::new(0u64);
    let new_entry = move |user: bool, text: String, segments: Vec<Segment>| {
        let id = next_entry.get_value();
        next_entry.set_value(id + 1);
        Entry {
            id,
            user,
            text: ArcRwSignal::new(text),
            segments: ArcRwSignal::new(segments),
        }
    };
    let progress = RwSignal::new(Progress::default());
    let streaming = RwSignal::new(false);
    let session = StoredValue::new_local(Session::new());
    let session_rev = RwSignal::new(0u32);
    // The version the preview shows when it is not the newest (the Versions tab).
    let viewing = RwSignal::new(None::<u32>);
    let turn = StoredValue::new_local(None::<Turn>);
    let abort = StoredValue::new_local(None::<web_sys::AbortController>);
    let share_open = RwSignal::new(false);
    // Set when the last reply was cut off with part of it kept: the page offers Continue.
    let can_continue = RwSignal::new(false);
    let (show_code, set_show_code) = signal(0u32);

    // History: the open conversation's record (without its contents, which live in the
    // signals above until saved), the list's summaries, and the store.
    let db = StoredValue::new_local(None::<IdbDatabase>);
    let open_conversation = StoredValue::new(None::<Conversation>);
    let open_id = RwSignal::new(None::<String>);
    let summaries = RwSignal::new(Vec::<Summary>::new());
    let history_message = RwSignal::new(String::new());
    let show_history = RwSignal::new(false);
    let last_save = StoredValue::new(0.0f64);
    // The conversation the model's artifacts belong to, for their app identity: the open one,
    // or a new one (saved once its first message is sent, as before).
    let scope = move || {
        if let Some(id) = open_conversation.with_value(|c| c.as_ref().map(|c| c.id.clone())) {
            return id;
        }
        let c = Conversation::new(browser::random_token(), wall_clock_ms());
        let id = c.id.clone();
        open_id.set(Some(id.clone()));
        let _ = browser::save(OPEN_CONVERSATION_KEY, &id);
        open_conversation.set_value(Some(c));
        id
    };
    // Saves the open conversation as it is now, a reply still streaming included (as if it
    // were stopped here). Writes go to IndexedDB in the order they were made.
    let persist = move || {
        let Some(mut record) = open_conversation.get_value() else {
            return;
        };
        record.entries = conversation.with_untracked(|entries| {
            entries
                .iter()
                .map(|e| kiln_core::history::Entry {
                    user: e.user,
                    text: e.text.get_untracked(),
                })
                .collect()
        });
        record.session = turn.with_value(|t| {
            session.with_value(|s| match t {
                Some(t) => s.with_partial(t),
                None => s.clone(),
            })
        });
        record.current = runnable.with_untracked(|r| r.as_ref().map(|r| r.key.clone()));
        record.touch(wall_clock_ms());
        last_save.set_value(browser::now_ms());
        let id = record.id.clone();
        // A first message that got no reply at all leaves nothing worth a row in the list.
        let empty = record.entries.is_empty() && record.session.messages().is_empty();
        let text = record.to_record();
        if empty {
            summaries.update(|s| s.retain(|s| s.id != id));
        } else {
            summaries.update(|s| upsert(s, record.summary()));
        }
        open_conversation.set_value(Some(record));
        let Some(store) = db.with_value(Clone::clone) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let done = if empty {
                idb::delete(&store, idb::CONVERSATIONS, &id).await
            } else {
                idb::put(&store, idb::CONVERSATIONS, &id, &text).await
            };
            if let Err(e) = done {
                history_message.set(format!("Could not save this conversation: {e}."));
            }
        });
    };

    // A share link in the address opens that artifact; a broken one shows why. Decoding waits
    // for the codec's dictionary, fetched on first use.
    let shared = RwSignal::new(None::<SharedArtifact>);
    let broken = RwSignal::new(None::<String>);
    let opening = RwSignal::new(false);
    if let Some(payload) = payload_in_address() {
        opening.set(true);
        leptos::task::spawn_local(async move {
            match open_link(&payload).await {
                Ok(a) => {
                    match runnable_from_shared(&a) {
                        Ok(r) => set_runnable.set(Some(r)),
                        Err(e) => set_status.set(Status::Paste(e)),
                    }
                    shared.set(Some(a));
                }
                Err(e) => broken.set(Some(e)),
            }
            opening.set(false);
        });
    }
    let remix = move || {
        if let Some(a) = shared.get_untracked() {
            let artifact = Artifact {
                id: Some("shared".to_owned()),
                kind: a.kind,
                title: a.title.clone(),
                language: a.language.clone(),
                complete: true,
                content: a.content,
            };
            session.set_value(Session::with_artifact("shared", artifact));
            session_rev.update(|r| *r += 1);
            // A remix is a conversation of its own, saved once the first message is sent.
            open_conversation.set_value(None);
            open_id.set(None);
            shared.set(None);
            clear_address();
            set_status.set(Status::Ended(
                "Remixing: describe a change and press Send.".to_owned(),
            ));
        }
    };

    if let Ok(handle) = set_interval_with_handle(
        move || {
            if streaming.get_untracked() {
                progress.update(|p| p.now_ms = browser::now_ms());
            }
        },
        std::time::Duration::from_millis(200),
    ) {
        on_cleanup(move || handle.clear());
    }

    // A refused edit is sent back to the model once, automatically, asking for the whole
    // artifact: `pending_repair` holds that message until the turn has ended, and
    // `repair_turn` marks the turn it starts so that its own refusals are not sent again.
    let pending_repair = RwSignal::new(None::<String>);
    let repair_turn = StoredValue::new(false);
    // Automatic fixes: a budget refilled by each message the person sends themselves.
    let auto_fix = StoredValue::new(AutoFix::default());
    let fix_turn = StoredValue::new(false);
    // The key of the last artifact a model turn put in the preview: only those are fixed
    // automatically (not pasted, shared or example apps).
    let model_key = StoredValue::new(None::<String>);
    let send = move || {
        if streaming.get_untracked() {
            return;
        }
        let is_repair = repair_turn.get_value();
        repair_turn.set_value(false);
        if !is_repair && !fix_turn.get_value() {
            auto_fix.update_value(AutoFix::refill);
        }
        fix_turn.set_value(false);
        let prompt = match Prompt::parse(&draft.get_untracked()) {
            Ok(p) => p,
            Err(e) => return set_status.set(Status::Invalid(e)),
        };
        can_continue.set(false);
        let s: ModelSettings = settings.get_untracked();
        // Through this server's proxy the server adds its key; the browser's own stays home.
        let key = (!is_server_proxy(&s.base_url, &browser::page_base()))
            .then(|| browser::load(&key_name(&s.provider)))
            .flatten()
            .filter(|k| !k.is_empty());
        if key.is_none() && s.needs_key() {
            show_settings.set(true);
            return set_status.set(Status::Notice(Notice::problem(format!(
                "Add an API key for {} in the Model settings (it stays in this browser), or choose a local model.",
                s.provider
            ))));
        }
        let started = match session.with_value(|sess| sess.begin(&s, &prompt)) {
            Ok(t) => t,
            Err(e) => {
                show_settings.set(true);
                return set_status.set(Status::Notice(Notice::problem(format!(
                    "Check the model settings: {e}."
                ))));
            }
        };
        let Ok(controller) = web_sys::AbortController::new() else {
            return;
        };
        let endpoint = started.endpoint().clone();
        let request = started.request().clone();
        turn.set_value(Some(started));
        abort.set_value(Some(controller.clone()));
        let conversation_id = scope();
        let mut reply_view = ReplyView::new(session.with_value(|s| s.artifacts().clone()));
        let (asked, reply) = (
            new_entry(true, prompt.as_str().to_owned(), Vec::new()),
            new_entry(false, String::new(), Vec::new()),
        );
        conversation.update(|c| {
            c.push(asked);
            c.push(reply);
        });
        set_draft.set(String::new());
        persist();
        let now = browser::now_ms();
        progress.set(Progress {
            started_ms: now,
            now_ms: now,
            chars: 0,
            tokens: None,
        });
        streaming.set(true);
        set_status.set(Status::Waiting);

        // What the preview showed before this turn: it comes back if all the turn previewed
        // was a candidate that ended up discarded as a snippet.
        let shown_before = runnable.get_untracked();
        leptos::task::spawn_local(async move {
            let mut last_preview: Option<f64> = None;
            let live_scope = conversation_id.clone();
            let on_bytes = move |bytes: &[u8],
                                 last_preview: &mut Option<f64>,
                                 view: &mut ReplyView| {
                let changed = turn.try_update_value(|t| {
                    let t = t.as_mut()?;
                    let before = t.reply().len();
                    let update = t.feed(bytes);
                    let added = t.reply()[before..].to_owned();
                    let live = if preview_due(*last_preview, browser::now_ms(), LIVE_PREVIEW_MS) {
                        t.live(&live_scope)
                    } else {
                        None
                    };
                    Some((update, added, live, t.usage().output_tokens))
                });
                let Some(Some((update, added, live, tokens))) = changed else {
                    return;
                };
                if !added.is_empty() {
                    if let Some(last) = conversation.with_untracked(|c| c.last().cloned()) {
                        last.text.update(|t| t.push_str(&added));
                        view.feed(&added);
                        last.segments.set(view.segments());
                    }
                    set_status.set(Status::Streaming);
                    if browser::now_ms() - last_save.get_value() >= SAVE_WHILE_STREAMING_MS {
                        persist();
                    }
                }
                progress.update(|p| {
                    p.chars += update.text_chars;
                    p.tokens = tokens.or(p.tokens);
                    p.now_ms = browser::now_ms();
                });
                if let Some(r) = live {
                    *last_preview = Some(browser::now_ms());
                    viewing.set(None);
                    set_runnable.set(Some(r));
                }
            };
            // Rate limits and overloads before any byte arrived are retried, bounded, honouring
            // the provider's retry-after; the same decisions as `kiln generate`.
            let policy = RetryPolicy::default();
            let (mut retries, mut waited) = (0u32, std::time::Duration::ZERO);
            let result = loop {
                let result = transport::stream(
                    &endpoint,
                    &request,
                    key.as_deref(),
                    &controller.signal(),
                    |bytes| on_bytes(bytes, &mut last_preview, &mut reply_view),
                )
                .await;
                let nothing_yet =
                    turn.with_value(|t| t.as_ref().is_some_and(|t| t.reply().is_empty()));
                let Err(TransportError::Provider(e)) = &result else {
                    break result;
                };
                let RetryDecision::Retry(delay) = policy.decide(e, retries, waited) else {
                    break result;
                };
                if !nothing_yet {
                    break result;
                }
                retries += 1;
                waited += delay;
                set_status.set(Status::Ended(format!(
                    "{e}. Retrying in {:.0} s (attempt {} of {})…",
                    delay.as_secs_f64().ceil(),
                    retries + 1,
                    policy.max_retries + 1
                )));
                browser::sleep(delay).await;
                if controller.signal().aborted() {
                    break Err(TransportError::Aborted);
                }
            };
            let finished = turn.try_update_value(|t| t.take()).flatten();
            if let Some(mut t) = finished {
                let ending = t.finish();
                match t.live(&conversation_id) {
                    Some(r) => {
                        viewing.set(None);
                        model_key.set_value(Some(r.key.clone()));
                        set_runnable.set(Some(r));
                    }
                    None if last_preview.is_some() => set_runnable.set(shown_before),
                    None => {}
                }
                let partial = !t.reply().is_empty();
                let delivery = match &result {
                    Ok(()) => Delivery::Finished,
                    Err(TransportError::Aborted) => Delivery::Stopped,
                    Err(TransportError::Network(m)) => Delivery::Network(m.clone()),
                    Err(TransportError::Provider(e)) => Delivery::Provider(e.clone()),
                };
                let notice = turn_notice(&delivery, &ending, t.reply().chars().count());
                can_continue.set(partial && notice.remedy == Some(Remedy::Continue));
                // The settings worked: their panel steps aside (unless a key is being typed).
                if matches!((&result, &ending), (Ok(()), Ending::Complete))
                    && !key_typing.get_untracked()
                {
                    show_settings.set(false);
                }
                let repair = matches!((&result, &ending), (Ok(()), Ending::Complete))
                    .then(|| t.repair_prompt())
                    .flatten();
                session.update_value(|sess| sess.commit(t));
                session_rev.update(|r| *r += 1);
                reply_view.finish();
                if let Some(last) = conversation.with_untracked(|c| c.last().cloned()) {
                    last.segments.set(reply_view.segments());
                }
                let empty_reply = conversation.with_untracked(|c| {
                    c.last()
                        .is_some_and(|e| !e.user && e.text.with_untracked(String::is_empty))
                });
                if empty_reply {
                    // Nothing came back: the prompt goes back into the box, ready to send again.
                    let asked = conversation.with_untracked(|c| {
                        c.len()
                            .checked_sub(2)
                            .and_then(|i| c.get(i))
                            .map(|e| e.text.get_untracked())
                    });
                    conversation.update(|c| {
                        c.pop();
                        c.pop();
                    });
                    if let Some(asked) = asked
                        && draft.with_untracked(String::is_empty)
                        && !is_repair
                    {
                        set_draft.set(asked);
                    }
                }
                persist();
                match repair {
                    Some(prompt) if !is_repair => {
                        set_status.set(Status::Ended(
                            "The model's edit did not apply; asking it to write the whole artifact again…"
                                .to_owned(),
                        ));
                        pending_repair.set(Some(prompt));
                    }
                    Some(_) => set_status.set(Status::Ended(
                        "The model's edit did not apply again; the previous version is kept. Ask again in other words, or ask for the whole app."
                            .to_owned(),
                    )),
                    None => set_status.set(Status::Notice(notice)),
                }
            }
            progress.update(|p| p.now_ms = browser::now_ms());
            streaming.set(false);
            abort.set_value(None);
        });
    };
    // Versions of the artifact in the preview. The session is not reactive, so `session_rev`
    // counts its changes.
    let versions = Signal::derive(move || {
        session_rev.track();
        let key = runnable.with(|r| r.as_ref().map(|r| r.key.clone()));
        key.and_then(|k| {
            session.with_value(|s| s.artifacts().get(&k).map(|h| h.versions().to_vec()))
        })
        .unwrap_or_default()
    });
    let show_version = move |n: u32| {
        let Some(key) = runnable.with_untracked(|r| r.as_ref().map(|r| r.key.clone())) else {
            return;
        };
        let newest = versions.with_untracked(Vec::len);
        let conversation_id = scope();
        let shown = session.with_value(|s| {
            let v = s.artifacts().get(&key)?.version(n)?;
            runnable_of_version(&conversation_id, &key, v)
        });
        if let Some(r) = shown {
            viewing.set((n as usize != newest).then_some(n));
            set_runnable.set(Some(r));
        }
    };
    // Code edited by hand: a new version of the model's artifact (the next message tells the
    // model), or, for a pasted, shared or example app, just the app run again.
    let hand_edit = move |text: String| {
        let Some(current) = runnable.get_untracked() else {
            return;
        };
        let saved = session
            .try_update_value(|s| s.hand_edit(&current.key, &text))
            .flatten();
        if let Some(n) = saved {
            session_rev.update(|r| *r += 1);
            show_version(n);
            persist();
            set_status.set(Status::Ended(format!(
                "Saved your edit as v{n}; your next message builds on it."
            )));
            return;
        }
        if let Some(r) = current.edited(&text) {
            set_runnable.set(Some(r));
            set_status.set(Status::Ended("Running your edit.".to_owned()));
        }
    };
    let restore_version = move |n: u32| {
        let Some(key) = runnable.with_untracked(|r| r.as_ref().map(|r| r.key.clone())) else {
            return;
        };
        let restored = session.try_update_value(|s| s.restore(&key, n)).flatten();
        if let Some(new) = restored {
            session_rev.update(|r| *r += 1);
            show_version(new);
            persist();
            set_status.set(Status::Ended(format!(
                "Restored v{n} as v{new}; your next message edits it."
            )));
        }
    };

    // Opening an artifact card in the conversation: its newest version in the preview.
    let open_card = move |id: String| {
        let conversation_id = scope();
        let shown = session.with_value(|s| {
            let (_, latest) = s.artifacts().latest(&id)?;
            runnable_of_version(&conversation_id, &id, latest)
        });
        if let Some(r) = shown {
            viewing.set(None);
            model_key.set_value(Some(r.key.clone()));
            set_runnable.set(Some(r));
        }
    };

    // History: switching, starting, renaming, deleting, exporting and importing conversations.
    let show_saved = move |c: Conversation| {
        let artifacts = c.session.artifacts().clone();
        let entries: Vec<Entry> = c
            .entries
            .iter()
            .map(|e| {
                let segments = if e.user {
                    Vec::new()
                } else {
                    ReplyView::of(&e.text, artifacts.clone())
                };
                new_entry(e.user, e.text.clone(), segments)
            })
            .collect();
        let shown = c
            .session
            .shown_artifact(c.current.as_deref())
            .and_then(|(id, n)| {
                let v = c.session.artifacts().get(&id)?.version(n)?;
                runnable_of_version(&c.id, &id, v)
            });
        session.set_value(c.session.clone());
        session_rev.update(|r| *r += 1);
        conversation.set(entries);
        viewing.set(None);
        model_key.set_value(shown.as_ref().map(|r| r.key.clone()));
        set_runnable.set(shown);
        can_continue.set(false);
        shared.set(None);
        open_id.set(Some(c.id.clone()));
        let _ = browser::save(OPEN_CONVERSATION_KEY, &c.id);
        set_status.set(Status::Ended(format!("Opened “{}”.", c.title)));
        open_conversation.set_value(Some(c));
    };
    let open_saved = move |id: String| {
        if streaming.get_untracked() {
            return;
        }
        let Some(store) = db.with_value(Clone::clone) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match idb::get(&store, idb::CONVERSATIONS, &id).await {
                Ok(Some(record)) => match Conversation::from_record(&record) {
                    Ok(c) => show_saved(c),
                    Err(e) => history_message.set(format!("{e}.")),
                },
                Ok(None) => history_message.set("That conversation is no longer saved.".to_owned()),
                Err(e) => history_message.set(format!("Could not read the history: {e}.")),
            }
        });
    };
    let new_conversation = move || {
        if streaming.get_untracked() {
            return;
        }
        session.set_value(Session::new());
        session_rev.update(|r| *r += 1);
        conversation.set(Vec::new());
        open_conversation.set_value(None);
        open_id.set(None);
        browser::remove(OPEN_CONVERSATION_KEY);
        viewing.set(None);
        model_key.set_value(None);
        set_runnable.set(None);
        can_continue.set(false);
        set_status.set(Status::Idle);
    };
    let rename_saved = move |(id, title): (String, String)| {
        let is_open = open_conversation.with_value(|c| c.as_ref().is_some_and(|c| c.id == id));
        if is_open {
            let renamed = open_conversation
                .try_update_value(|c| c.as_mut().map(|c| c.rename(&title)))
                .flatten();
            match renamed {
                Some(Ok(())) => persist(),
                Some(Err(e)) => history_message.set(format!("{e}.")),
                None => {}
            }
            return;
        }
        let Some(store) = db.with_value(Clone::clone) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let record = idb::get(&store, idb::CONVERSATIONS, &id)
                .await
                .ok()
                .flatten();
            let Some(Ok(mut c)) = record.as_deref().map(Conversation::from_record) else {
                return history_message.set("That conversation could not be read.".to_owned());
            };
            if let Err(e) = c.rename(&title) {
                return history_message.set(format!("{e}."));
            }
            summaries.update(|s| upsert(s, c.summary()));
            if let Err(e) = idb::put(&store, idb::CONVERSATIONS, &c.id, &c.to_record()).await {
                history_message.set(format!("Could not save the new title: {e}."));
            }
        });
    };
    let delete_saved = move |id: String| {
        if open_id.get_untracked().as_deref() == Some(id.as_str()) {
            if streaming.get_untracked() {
                return history_message
                    .set("Stop the reply before deleting this conversation.".to_owned());
            }
            new_conversation();
        }
        summaries.update(|s| s.retain(|s| s.id != id));
        apps.forget_conversation(&id);
        let Some(store) = db.with_value(Clone::clone) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match idb::delete(&store, idb::CONVERSATIONS, &id).await {
                Ok(()) => history_message.set("Deleted.".to_owned()),
                Err(e) => history_message.set(format!("Could not delete: {e}.")),
            }
        });
    };
    let export_all = move || {
        let Some(store) = db.with_value(Clone::clone) else {
            return history_message.set("History is not available in this browser.".to_owned());
        };
        leptos::task::spawn_local(async move {
            match idb::all(&store, idb::CONVERSATIONS).await {
                Ok(records) => {
                    let (conversations, unreadable) =
                        read_records(records.iter().map(String::as_str));
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
                    history_message.set(said);
                }
                Err(e) => history_message.set(format!("Could not read the history: {e}.")),
            }
        });
    };
    let import_file = move |text: String| {
        let parsed = match parse_export(&text) {
            Ok(p) => p,
            Err(e) => return history_message.set(format!("Nothing imported: {e}.")),
        };
        let plan = summaries.with_untracked(|s| plan_import(s, parsed));
        let Some(store) = db.with_value(Clone::clone) else {
            return history_message.set("History is not available in this browser.".to_owned());
        };
        leptos::task::spawn_local(async move {
            for c in &plan.save {
                // A file from elsewhere never brings consent, even under an id known here.
                apps.revoke_conversation(&c.id);
                if let Err(e) = idb::put(&store, idb::CONVERSATIONS, &c.id, &c.to_record()).await {
                    return history_message.set(format!("The import stopped: {e}."));
                }
                summaries.update(|s| upsert(s, c.summary()));
            }
            history_message.set(plan.describe());
        });
    };
    // Open the store, list what it holds, and reopen the conversation that was open before a
    // reload (unless the address carries a share link, which is what the person came for).
    {
        let reopen =
            browser::load(OPEN_CONVERSATION_KEY).filter(|_| payload_in_address().is_none());
        leptos::task::spawn_local(async move {
            let store = match idb::open().await {
                Ok(store) => store,
                Err(e) => {
                    apps.attach(None, Vec::new()).await;
                    return history_message.set(format!(
                        "History is off: {e}. Conversations and apps' data last until this tab closes."
                    ));
                }
            };
            match idb::all(&store, idb::CONVERSATIONS).await {
                Ok(records) => {
                    let (conversations, unreadable) =
                        read_records(records.iter().map(String::as_str));
                    if unreadable > 0 {
                        history_message.set(format!(
                            "{unreadable} saved conversation{} could not be read.",
                            if unreadable == 1 { "" } else { "s" }
                        ));
                    }
                    summaries.set(conversations.iter().map(Conversation::summary).collect());
                    let owners = conversations
                        .iter()
                        .map(|c| {
                            let ids = c.session.artifacts().iter().map(|h| h.id().to_owned());
                            (c.id.clone(), c.updated_ms, ids.collect())
                        })
                        .collect();
                    apps.attach(Some(store.clone()), owners).await;
                    let again =
                        reopen.and_then(|id| conversations.into_iter().find(|c| c.id == id));
                    db.set_value(Some(store));
                    if let Some(c) = again
                        && conversation.with_untracked(Vec::is_empty)
                        && !streaming.get_untracked()
                    {
                        show_saved(c);
                    }
                }
                Err(e) => {
                    apps.attach(Some(store.clone()), Vec::new()).await;
                    history_message.set(format!("Could not read the history: {e}."));
                }
            }
        });
    }
    Effect::new(move |_| {
        if streaming.get() {
            return;
        }
        if let Some(prompt) = pending_repair.get() {
            pending_repair.set(None);
            repair_turn.set_value(true);
            set_draft.set(prompt);
            send();
        }
    });
    let stop = move |_| {
        abort.with_value(|a| {
            if let Some(a) = a {
                a.abort();
            }
        });
    };
    let run_pasted = move || match runnable_from_paste(&draft.get_untracked()) {
        Ok(r) => {
            set_status.set(Status::Running(r.title.clone()));
            set_runnable.set(Some(r));
        }
        Err(e) => set_status.set(Status::Paste(e)),
    };

    let open_example = move |html: String| match runnable_from_paste(&html) {
        Ok(r) => {
            set_status.set(Status::Running(r.title.clone()));
            set_runnable.set(Some(r));
        }
        Err(e) => set_status.set(Status::Paste(e)),
    };

    view! {
        <div class="shell">
            <header class="topbar">
                <span class="brand" data-testid="brand">"Kiln"</span>
                <span class="tagline">"Describe an app. Watch it run. Share it as a link."</span>
                <span class="spacer"></span>
                <button
                    class="secondary small"
                    data-testid="history-button"
                    aria-expanded=move || show_history.get().to_string()
                    on:click=move |_| show_history.update(|v| *v = !*v)
                >
                    {move || summaries.with(|s| if s.is_empty() { "History".to_owned() } else { format!("History ({})", s.len()) })}
                </button>
                <button
                    class="secondary small"
                    data-testid="settings-button"
                    aria-expanded=move || show_settings.get().to_string()
                    on:click=move |_| show_settings.update(|v| *v = !*v)
                >
                    {move || settings.with(|s| format!("Model: {} · {}", s.provider, if s.model.is_empty() { "choose" } else { &s.model }))}
                </button>
            </header>
            <Show when=move || show_settings.get()>
                <SettingsPanel settings=settings offered=offered key_typing=key_typing/>
            </Show>
            <Show when=move || show_history.get()>
                <HistoryPanel
                    summaries=summaries
                    current=open_id.into()
                    busy=streaming.into()
                    message=history_message.into()
                    on_open=Callback::new(open_saved)
                    on_new=Callback::new(move |()| new_conversation())
                    on_rename=Callback::new(rename_saved)
                    on_delete=Callback::new(delete_saved)
                    on_export=Callback::new(move |()| export_all())
                    on_import=Callback::new(import_file)
                />
            </Show>
            {move || broken.get().map(|e| view! { <BrokenLink error=e/> })}
            {move || shared.get().map(|a| view! {
                <SharedBanner
                    shared=a
                    on_remix=remix
                    on_view_code=move || set_show_code.update(|n| *n += 1)
                />
            })}
            {move || (share_open.get()).then(|| runnable.get()).flatten().map(|r| {
                let prompt = conversation.with(|c| c.iter().rev().find(|e| e.user).map(|e| e.text.get_untracked()));
                view! { <ShareDialog runnable=r language=None prompt=prompt short_links=short_links on_close=move || share_open.set(false)/> }
            })}
            <main class="workspace">
                <section class="chat" aria-label="Conversation">
                    <Show when=move || conversation.with(Vec::is_empty) && runnable.with(Option::is_none) && !opening.get()>
                        <Gallery on_open=open_example on_error=move |e| set_status.set(Status::Ended(e))/>
                    </Show>
                    <Show when=move || opening.get()>
                        <p class="muted" role="status" data-testid="share-opening">"Opening the shared app…"</p>
                    </Show>
                    <ol class="conversation" data-testid="conversation">
                        <For each=move || conversation.get() key=|e| e.id let:e>
                            {if e.user {
                                // Kiln's own messages (a refused edit, Fix, Continue) are
                                // labelled as Kiln's step, not drawn as the person's words.
                                match e.text.with_untracked(|t| kiln_step(t)) {
                                    Some(label) => view! {
                                        <li class="turn user kiln-step" data-testid="turn-user">
                                            <span class="step-label" data-testid="kiln-step">{label}</span>
                                            <span class="step-text">{move || e.text.get()}</span>
                                        </li>
                                    }.into_any(),
                                    None => view! {
                                        <li class="turn user" data-testid="turn-user">{move || e.text.get()}</li>
                                    }.into_any(),
                                }
                            } else {
                                view! {
                                    <li class="turn model" data-testid="turn-model">
                                        {move || e.segments.get().into_iter().map(|segment| match segment {
                                            Segment::Prose(text) => view! {
                                                <div class="prose" inner_html=to_safe_html(&text)></div>
                                            }.into_any(),
                                            Segment::Card(card) => {
                                                let id = card.id.clone();
                                                view! {
                                                    <button type="button" class="artifact-card" data-testid="artifact-card"
                                                        disabled=card.writing || id.is_none()
                                                        on:click=move |_| if let Some(id) = id.clone() { open_card(id) }>
                                                        <span class="card-title">{card.label()}</span>
                                                        <span class="card-detail">{card.detail()}</span>
                                                    </button>
                                                }.into_any()
                                            }
                                        }).collect_view()}
                                    </li>
                                }.into_any()
                            }}
                        </For>
                    </ol>
                    <form
                        class="composer"
                        data-testid="composer"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            send();
                        }
                    >
                        <label class="visually-hidden" for="prompt">"Prompt"</label>
                        <textarea
                            id="prompt"
                            data-testid="prompt-input"
                            rows="4"
                            placeholder="A pomodoro timer with a progress ring… (or paste an HTML file and press Run as app)"
                            prop:value=move || draft.get()
                            on:input=move |ev| {
                                set_draft.set(event_target_value(&ev));
                                if !streaming.get_untracked() {
                                    set_status.set(Status::Idle);
                                }
                            }
                            on:keydown=move |ev| {
                                if ev.key() == "Enter" && (!ev.shift_key() || ev.ctrl_key() || ev.meta_key()) {
                                    ev.prevent_default();
                                    send();
                                }
                            }
                        ></textarea>
                        <div class="composer-row">
                            <p
                                class=move || if status.with(Status::is_problem) { "status problem" } else { "status" }
                                data-testid="status"
                                role="status"
                            >
                                {move || match status.get() {
                                    Status::Idle => String::new(),
                                    Status::Invalid(e) => format!("Cannot send: {e}."),
                                    Status::Paste(e) => format!("Cannot run: {e}."),
                                    Status::Running(title) => format!("Running “{title}” in the sandbox."),
                                    Status::Waiting => format!("Waiting for the first token… {}", progress.get().line()),
                                    Status::Streaming => format!("Receiving… {}", progress.get().line()),
                                    Status::Ended(m) => m,
                                    Status::Notice(n) => n.text,
                                }}
                                {move || status.with(|s| match s {
                                    Status::Notice(Notice { detail: Some(d), .. }) => Some(view! {
                                        <span class="status-detail" data-testid="status-detail">{d.clone()}</span>
                                    }),
                                    _ => None,
                                })}
                            </p>
                            <Show when=move || status.with(|s| matches!(s, Status::Notice(Notice { remedy: Some(Remedy::OpenSettings), .. })))>
                                <button type="button" class="secondary" data-testid="status-open-settings" on:click=move |_| show_settings.set(true)>
                                    "Open Model settings"
                                </button>
                            </Show>
                            <Show when=move || can_continue.get() && !streaming.get()>
                                <button type="button" class="secondary" data-testid="continue-button" on:click=move |_| {
                                    set_draft.set(CONTINUE_PROMPT.to_owned());
                                    send();
                                }>
                                    "Continue"
                                </button>
                            </Show>
                            <button
                                type="button"
                                class="secondary"
                                data-testid="run-pasted"
                                on:click=move |_| run_pasted()
                            >
                                "Run as app"
                            </button>
                            <Show
                                when=move || streaming.get()
                                fallback=|| view! {
                                    <button type="submit" class="send" data-testid="send-button">"Send"</button>
                                }
                            >
                                <button type="button" class="send" data-testid="stop-generation" on:click=stop>
                                    "Stop reply"
                                </button>
                            </Show>
                        </div>
                    </form>
                </section>
                <Preview
                    runnable=runnable
                    sandbox_config=sandbox_config
                    share_open=share_open
                    show_code=show_code
                    can_run=can_run
                    hold=key_typing.into()
                    on_fix=Callback::new(move |prompt: String| {
                        set_draft.set(prompt);
                        send();
                    })
                    on_auto_fix=Callback::new(move |prompt: String| {
                        // Only for the model's own artifacts, between turns, within the budget.
                        let ours = runnable.with_untracked(|r| r.as_ref().map(|r| r.key.clone()))
                            .is_some_and(|k| model_key.with_value(|m| m.as_deref() == Some(k.as_str())));
                        if !ours || streaming.get_untracked() || pending_repair.with_untracked(Option::is_some) {
                            return;
                        }
                        if !auto_fix.try_update_value(AutoFix::take).unwrap_or(false) {
                            set_status.set(Status::Ended(format!(
                                "The app still shows errors after {} automatic fixes; use Fix, or describe the problem.",
                                kiln_core::protocol::AUTO_FIX_LIMIT
                            )));
                            return;
                        }
                        fix_turn.set_value(true);
                        set_draft.set(prompt);
                        send();
                    })
                    versions=versions
                    viewing=viewing.into()
                    on_show_version=Callback::new(show_version)
                    on_restore=Callback::new(restore_version)
                    on_hand_edit=Callback::new(hand_edit)
                />
            </main>
        </div>
    }
}
