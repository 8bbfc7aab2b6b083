//! The first screen: a prompt box, a send button, and the preview panel.
//!
//! Generation needs a model provider, which is not built yet; the page says so plainly when the
//! person sends, rather than pretending to work.

use kiln_core::prompt::{Prompt, PromptError};
use leptos::prelude::*;

/// What the status line under the prompt says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Idle,
    Invalid(PromptError),
    /// The prompt was accepted, but no provider exists yet to send it to.
    NoProvider,
}

#[component]
pub fn App() -> impl IntoView {
    let (draft, set_draft) = signal(String::new());
    let (status, set_status) = signal(Status::Idle);

    let send = move || match Prompt::parse(&draft.get_untracked()) {
        Ok(_) => set_status.set(Status::NoProvider),
        Err(e) => set_status.set(Status::Invalid(e)),
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
                            placeholder="A pomodoro timer with a progress ring…"
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
                                }}
                            </p>
                            <button type="submit" class="send" data-testid="send-button">
                                "Send"
                            </button>
                        </div>
                    </form>
                </section>
                <section class="preview" aria-label="Preview" data-testid="preview-panel">
                    <div class="preview-empty" data-testid="preview-empty">
                        <p class="preview-empty-title">"Nothing to preview yet"</p>
                        <p>"The app the model writes will run here, isolated from this page."</p>
                    </div>
                </section>
            </main>
        </div>
    }
}
