//! The studio page: conversation and composer on one side, the artifact panel on the other.
//!
//! Send streams a reply from the model chosen in the settings panel: the reply text appears as
//! it arrives, and the app it contains runs in the preview while the model is still writing.
//! Stop keeps what arrived. "Run as app" takes pasted text (an HTML file, or a reply copied
//! from another chat) and runs the app in it. The decisions live in `kiln_core::session`.

use kiln_core::artifact::Artifact;
use kiln_core::deploy::{ClientConfig, is_server_proxy};
use kiln_core::ending::{Delivery, Notice, Remedy, turn_notice};
use kiln_core::history::Conversation;
use kiln_core::prompt::Prompt;
use kiln_core::protocol::{AutoFix, CONTINUE_PROMPT};
use kiln_core::provider::{RetryDecision, RetryPolicy};
use kiln_core::session::{Ending, ModelSettings, Session, Turn, preview_due};
use kiln_core::share::SharedArtifact;
use kiln_core::studio::{Runnable, runnable_from_paste, runnable_from_shared, runnable_of_version};
use kiln_core::transcript::{ReplyView, Segment};
use leptos::prelude::*;

use crate::apps::Apps;
use crate::browser;
use crate::composer::Composer;
use crate::gallery::Gallery;
use crate::history::HistoryPanel;
use crate::preview::Preview;
use crate::saved::Saved;
use crate::settings::{SettingsPanel, has_saved_settings, key_name, load_settings};
use crate::share::{
    BrokenLink, ShareDialog, SharedBanner, clear_address, open_link, payload_in_address,
};
use crate::status::{Progress, Status};
use crate::transcript_view::{Entry, Transcript};
use crate::transport::{self, TransportError};

/// The preview restarts the app at most this often while a reply streams.
const LIVE_PREVIEW_MS: f64 = 1_000.0;

/// A reply being streamed is saved at most this often, so a crashed tab loses at most this
/// much of it.
const SAVE_WHILE_STREAMING_MS: f64 = 2_000.0;

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

    // History: which conversation is open and every read and write of the store.
    let saved = Saved::new();
    let show_history = RwSignal::new(false);
    let scope = move || saved.scope();
    // Saves the open conversation as it is now, a reply still streaming included (as if it
    // were stopped here).
    let persist = move || {
        saved.save(|record| {
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
            saved.detach();
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
                    if saved.since_save_ms() >= SAVE_WHILE_STREAMING_MS {
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
        set_status.set(Status::Ended(format!("Opened “{}”.", c.title)));
        saved.opened(c);
    };
    let open_saved = move |id: String| {
        if !streaming.get_untracked() {
            saved.open(id, show_saved);
        }
    };
    let new_conversation = move || {
        if streaming.get_untracked() {
            return;
        }
        session.set_value(Session::new());
        session_rev.update(|r| *r += 1);
        conversation.set(Vec::new());
        saved.close();
        viewing.set(None);
        model_key.set_value(None);
        set_runnable.set(None);
        can_continue.set(false);
        set_status.set(Status::Idle);
    };
    let rename_saved = move |(id, title): (String, String)| saved.rename(id, title, persist);
    let delete_saved = move |id: String| {
        if saved.is_open(&id) {
            if streaming.get_untracked() {
                return saved
                    .message
                    .set("Stop the reply before deleting this conversation.".to_owned());
            }
            new_conversation();
        }
        saved.delete(id, apps);
    };
    // Open the store, list what it holds, and reopen the conversation that was open before a
    // reload (unless the address carries a share link, which is what the person came for).
    saved.load(apps, payload_in_address().is_none(), move |c| {
        if conversation.with_untracked(Vec::is_empty) && !streaming.get_untracked() {
            show_saved(c);
        }
    });
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
    let stop = move || {
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
                    {move || saved.summaries.with(|s| if s.is_empty() { "History".to_owned() } else { format!("History ({})", s.len()) })}
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
                    summaries=saved.summaries
                    current=saved.open_id.into()
                    busy=streaming.into()
                    message=saved.message.into()
                    on_open=Callback::new(open_saved)
                    on_new=Callback::new(move |()| new_conversation())
                    on_rename=Callback::new(rename_saved)
                    on_delete=Callback::new(delete_saved)
                    on_export=Callback::new(move |()| saved.export_all())
                    on_import=Callback::new(move |text: String| saved.import(&text, apps))
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
                    <Transcript conversation=conversation on_open_card=Callback::new(open_card)/>
                    <Composer
                        draft=draft
                        status=status
                        progress=progress.read_only()
                        streaming=streaming.into()
                        can_continue=can_continue.into()
                        on_input=Callback::new(move |text: String| {
                            set_draft.set(text);
                            if !streaming.get_untracked() {
                                set_status.set(Status::Idle);
                            }
                        })
                        on_send=Callback::new(move |()| send())
                        on_continue=Callback::new(move |()| {
                            set_draft.set(CONTINUE_PROMPT.to_owned());
                            send();
                        })
                        on_run_pasted=Callback::new(move |()| run_pasted())
                        on_stop=Callback::new(move |()| stop())
                        on_open_settings=Callback::new(move |()| show_settings.set(true))
                    />
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
