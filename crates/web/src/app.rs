//! The studio page: conversation and composer on one side, the artifact panel on the other.
//!
//! Send streams a reply from the model chosen in the settings panel: the reply text appears as
//! it arrives, and the app it contains runs in the preview while the model is still writing.
//! Stop keeps what arrived. "Run as app" takes pasted text (an HTML file, or a reply copied
//! from another chat) and runs the app in it. The decisions live in `kiln_core`;
//! the page's state is `state::Page`, a turn's course `turns::Turns`, History `saved::Saved`.

use kiln_core::artifact::Artifact;
use kiln_core::deploy::ClientConfig;
use kiln_core::ending::Origin;
use kiln_core::history::Conversation;
use kiln_core::session::Session;
use kiln_core::share::SharedArtifact;
use kiln_core::studio::{runnable_from_paste, runnable_from_shared, runnable_of_version};
use kiln_core::transcript::ReplyView;
use leptos::prelude::*;

use crate::apps::Apps;
use crate::browser;
use crate::composer::Composer;
use crate::gallery::Gallery;
use crate::history::HistoryPanelProps;
use crate::lazy::{self, loading, on_demand};
use crate::offline::{OFFLINE_HEADER, Offline, OfflineBanners};
use crate::preview::PreviewProps;
use crate::settings::{SettingsPanelProps, has_saved_settings, load_settings};
use crate::share::{BrokenLink, clear_address, payload_in_address};
use crate::state::Page;
use crate::status::Status;
use crate::transcript_view::{Entry, Transcript};
use crate::turns::Turns;

async fn fetch_config(offline: Offline) -> Result<ClientConfig, String> {
    let (text, cached) =
        browser::fetch_text_and_header("./config.json", Some(OFFLINE_HEADER)).await?;
    if cached {
        offline.served_from_cache();
    }
    serde_json::from_str::<ClientConfig>(&text)
        .map_err(|e| format!("config.json is not valid: {e}"))
}

#[component]
pub fn App() -> impl IntoView {
    let apps = Apps::new();
    provide_context(apps);
    let offline = Offline::start();
    let config = LocalResource::new(move || fetch_config(offline));
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
    let settings_now = load_settings();
    let page = Page::new(settings_now);
    provide_context(page);
    let Page {
        draft,
        status,
        runnable,
        viewing,
        settings,
        show_settings,
        key_typing,
        conversation,
        session,
        can_continue,
        model_key,
        saved,
        ..
    } = page;
    let turns = Turns::new(page);
    // A deployment's defaults (a team's own endpoint) apply until this browser chooses.
    Effect::new(move |_| {
        if let Some(Ok(c)) = client_config.get()
            && let Some(d) = c.defaults
            && !has_saved_settings()
        {
            settings.set(d);
        }
    });
    let streaming = turns.streaming;
    let persist = move || turns.persist();
    let share_open = RwSignal::new(false);
    let (show_code, set_show_code) = signal(0u32);
    let show_history = RwSignal::new(false);
    let scope = move || saved.scope();

    // A share link in the address opens that artifact; a broken one shows why. Decoding waits
    // for the codec's dictionary, fetched on first use.
    let shared = RwSignal::new(None::<SharedArtifact>);
    let broken = RwSignal::new(None::<String>);
    let opening = RwSignal::new(false);
    if let Some(payload) = payload_in_address() {
        opening.set(true);
        let short = crate::share::short_link_in_address(&payload);
        leptos::task::spawn_local(async move {
            let Ok(decoding) = lazy::open_link(payload).await else {
                // The link is fine; the code that opens it did not arrive.
                status.set(Status::Ended(lazy::LOAD_FAILED.to_owned()));
                return opening.set(false);
            };
            match decoding.await {
                Ok(a) => {
                    match runnable_from_shared(&a) {
                        Ok(r) => {
                            page.shared_link.set(short.map(|id| (r.app.clone(), id)));
                            runnable.set(Some(r));
                        }
                        Err(e) => status.set(Status::Paste(e)),
                    }
                    shared.set(Some(a));
                }
                Err(e) => broken.set(Some(e)),
            }
            opening.set(false);
        });
    }
    let remix = move |()| {
        if let Some(a) = shared.get_untracked() {
            let artifact = Artifact {
                id: Some("shared".to_owned()),
                kind: a.kind,
                title: a.title.clone(),
                language: a.language.clone(),
                complete: true,
                content: a.content,
            };
            page.set_session(Session::with_artifact("shared", artifact));
            // A remix is a conversation of its own, saved once the first message is sent.
            saved.detach();
            shared.set(None);
            clear_address();
            status.set(Status::Ended(
                "Remixing: describe a change and press Send.".to_owned(),
            ));
        }
    };

    // Versions of the artifact in the preview. The session is not reactive, so `session_rev`
    // counts its changes.
    let versions = Signal::derive(move || {
        page.session_rev.track();
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
            runnable.set(Some(r));
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
            page.bump();
            show_version(n);
            persist();
            status.set(Status::Ended(format!(
                "Saved your edit as v{n}; your next message builds on it."
            )));
            return;
        }
        if let Some(r) = current.edited(&text) {
            runnable.set(Some(r));
            status.set(Status::Ended("Running your edit.".to_owned()));
        }
    };
    let restore_version = move |n: u32| {
        let Some(key) = runnable.with_untracked(|r| r.as_ref().map(|r| r.key.clone())) else {
            return;
        };
        let restored = session.try_update_value(|s| s.restore(&key, n)).flatten();
        if let Some(new) = restored {
            page.bump();
            show_version(new);
            persist();
            status.set(Status::Ended(format!(
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
            runnable.set(Some(r));
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
                page.entry(e.user, e.text.clone(), segments)
            })
            .collect();
        let shown = c
            .session
            .shown_artifact(c.current.as_deref())
            .and_then(|(id, n)| {
                let v = c.session.artifacts().get(&id)?.version(n)?;
                runnable_of_version(&c.id, &id, v)
            });
        page.set_session(c.session.clone());
        conversation.set(entries);
        viewing.set(None);
        model_key.set_value(shown.as_ref().map(|r| r.key.clone()));
        runnable.set(shown);
        can_continue.set(false);
        shared.set(None);
        status.set(Status::Ended(format!("Opened “{}”.", c.title)));
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
        page.set_session(Session::new());
        conversation.set(Vec::new());
        saved.close();
        viewing.set(None);
        model_key.set_value(None);
        runnable.set(None);
        can_continue.set(false);
        status.set(Status::Idle);
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
    let run_pasted = move || match runnable_from_paste(&draft.get_untracked()) {
        Ok(r) => {
            status.set(Status::Running(r.title.clone()));
            runnable.set(Some(r));
        }
        Err(e) => status.set(Status::Paste(e)),
    };

    let open_example = move |html: String| match runnable_from_paste(&html) {
        Ok(r) => {
            status.set(Status::Running(r.title.clone()));
            runnable.set(Some(r));
        }
        Err(e) => status.set(Status::Paste(e)),
    };

    // The artifact panel is built once there is something to show in it or a reply is on its
    // way; its code (`lazy::preview`) is usually in the page by then, fetched in the background.
    let preview_wanted = RwSignal::new(false);
    Effect::new(move |_| {
        let wanted = runnable.with(Option::is_some) || streaming.get();
        if wanted && !preview_wanted.get_untracked() {
            preview_wanted.set(true);
        }
    });
    let load_preview = move || {
        lazy::preview_after_settings(PreviewProps {
            runnable: runnable.read_only(),
            sandbox_config,
            share_open,
            show_code,
            can_run,
            hold: key_typing.into(),
            on_fix: Callback::new(move |prompt: String| turns.ask(prompt, Origin::Person)),
            on_auto_fix: Callback::new(move |prompt: String| turns.auto_fix(prompt)),
            versions,
            viewing: viewing.into(),
            on_show_version: Callback::new(show_version),
            on_restore: Callback::new(restore_version),
            on_hand_edit: Callback::new(hand_edit),
        })
    };
    let load_history_panel = move || {
        lazy::history(HistoryPanelProps {
            summaries: saved.summaries,
            current: saved.open_id.into(),
            busy: streaming.into(),
            message: saved.message.into(),
            on_open: Callback::new(open_saved),
            on_new: Callback::new(move |()| new_conversation()),
            on_rename: Callback::new(rename_saved),
            on_delete: Callback::new(delete_saved),
            on_export: Callback::new(move |()| saved.export_all()),
            on_import: Callback::new(move |text: String| saved.import(&text, apps)),
        })
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
            <OfflineBanners offline=offline/>
            <Show when=move || show_settings.get()>
                {lazy::settings_panel(move || SettingsPanelProps { settings, offered, key_typing })}
            </Show>
            <Show when=move || show_history.get()>
                {on_demand(load_history_panel, loading)}
            </Show>
            {move || broken.get().map(|e| view! { <BrokenLink error=e/> })}
            {move || shared.get().map(|a| {
                let on_remix = Callback::new(remix);
                let on_view_code = Callback::new(move |()| set_show_code.update(|n| *n += 1));
                on_demand(move || lazy::shared_banner(a.clone(), on_remix, on_view_code), loading)
            })}
            {move || (share_open.get()).then(|| runnable.get()).flatten().map(|r| {
                let prompt = conversation.with(|c| c.iter().rev().find(|e| e.user).map(|e| e.text.get_untracked()));
                let on_close = Callback::new(move |()| share_open.set(false));
                on_demand(move || lazy::share_dialog(r.clone(), prompt.clone(), short_links, on_close), loading)
            })}
            <main class="workspace">
                <section class="chat" aria-label="Conversation">
                    <Show when=move || conversation.with(Vec::is_empty) && runnable.with(Option::is_none) && !opening.get()>
                        <Gallery on_open=open_example on_error=move |e| status.set(Status::Ended(e))/>
                    </Show>
                    <Show when=move || opening.get()>
                        <p class="muted" role="status" data-testid="share-opening">"Opening the shared app…"</p>
                    </Show>
                    <Transcript conversation=conversation on_open_card=Callback::new(open_card)/>
                    <Composer
                        draft=draft.read_only()
                        status=status.read_only()
                        progress=turns.progress.read_only()
                        streaming=streaming.into()
                        can_continue=can_continue.into()
                        on_input=Callback::new(move |text: String| {
                            draft.set(text);
                            if !streaming.get_untracked() {
                                status.set(Status::Idle);
                            }
                        })
                        on_send=Callback::new(move |()| turns.send())
                        on_continue=Callback::new(move |()| {
                            turns.continue_reply();
                        })
                        on_run_pasted=Callback::new(move |()| run_pasted())
                        on_stop=Callback::new(move |()| turns.stop())
                        on_open_settings=Callback::new(move |()| show_settings.set(true))
                    />
                </section>
                {move || if preview_wanted.get() {
                    on_demand(load_preview, || preview_placeholder("Loading the preview…")).into_any()
                } else {
                    preview_placeholder("Nothing to preview yet").into_any()
                }}
            </main>
        </div>
    }
}

/// The artifact panel before its code is fetched: empty, or on its way.
fn preview_placeholder(title: &'static str) -> AnyView {
    view! {
        <section class="preview idle" aria-label="Artifact" data-testid="preview-panel">
            <div class="preview-empty" data-testid="preview-empty">
                <p class="preview-empty-title">{title}</p>
                <p>"The app the model writes will run here, isolated from this page."</p>
            </div>
        </section>
    }
    .into_any()
}
