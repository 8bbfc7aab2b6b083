//! The studio page: the composer on one side, the artifact panel on the other.
//!
//! Generation needs a model provider, which is not built yet; the page says so plainly when
//! the person sends. "Run as app" takes pasted text (an HTML file, or a reply copied from
//! another chat) and runs the app in it in the sandbox.

use kiln_core::prompt::{Prompt, PromptError};
use kiln_core::sandbox::SandboxConfig;
use kiln_core::studio::{PasteError, Runnable, runnable_from_paste};
use leptos::prelude::*;

use crate::browser;
use crate::preview::Preview;

/// What the status line under the prompt says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Idle,
    Invalid(PromptError),
    /// The prompt was accepted, but no provider exists yet to send it to.
    NoProvider,
    Paste(PasteError),
    Running(String),
}

async fn fetch_config() -> Result<SandboxConfig, String> {
    #[derive(serde::Deserialize)]
    struct Config {
        sandbox: SandboxConfig,
    }
    let text = browser::fetch_text("./config.json").await?;
    serde_json::from_str::<Config>(&text)
        .map(|c| c.sandbox)
        .map_err(|e| format!("config.json is not valid: {e}"))
}

#[component]
pub fn App() -> impl IntoView {
    let (draft, set_draft) = signal(String::new());
    let (status, set_status) = signal(Status::Idle);
    let (runnable, set_runnable) = signal(None::<Runnable>);
    let config = LocalResource::new(fetch_config);
    let sandbox_config = Signal::derive(move || config.get());

    let send = move || match Prompt::parse(&draft.get_untracked()) {
        Ok(_) => set_status.set(Status::NoProvider),
        Err(e) => set_status.set(Status::Invalid(e)),
    };
    let run_pasted = move || match runnable_from_paste(&draft.get_untracked()) {
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
            </header>
            <main class="workspace">
                <section class="chat" aria-label="Conversation">
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
                                set_status.set(Status::Idle);
                            }
                            on:keydown=move |ev| {
                                if ev.key() == "Enter" && !ev.shift_key() {
                                    ev.prevent_default();
                                    send();
                                }
                            }
                        ></textarea>
                        <div class="composer-row">
                            <p class="status" data-testid="status" role="status">
                                {move || match status.get() {
                                    Status::Idle => String::new(),
                                    Status::Invalid(e) => format!("Cannot send: {e}."),
                                    Status::NoProvider => "Model providers are not built yet in \
                                        this version of Kiln, so nothing was sent."
                                        .to_owned(),
                                    Status::Paste(e) => format!("Cannot run: {e}."),
                                    Status::Running(title) => format!("Running “{title}” in the sandbox."),
                                }}
                            </p>
                            <button
                                type="button"
                                class="secondary"
                                data-testid="run-pasted"
                                on:click=move |_| run_pasted()
                            >
                                "Run as app"
                            </button>
                            <button type="submit" class="send" data-testid="send-button">
                                "Send"
                            </button>
                        </div>
                    </form>
                </section>
                <Preview runnable=runnable sandbox_config=sandbox_config/>
            </main>
        </div>
    }
}
