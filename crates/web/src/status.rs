//! The status line under the prompt: what the studio is doing or how the last turn ended,
//! problems drawn as such, with the provider's words as smaller detail and, where it helps,
//! a button to the Model settings. The words of an ending are `kiln_core::ending`'s.

use kiln_core::ending::{Notice, Remedy};
use kiln_core::progress::Progress;
use kiln_core::prompt::PromptError;
use kiln_core::studio::PasteError;
use leptos::prelude::*;

/// What the status line under the prompt says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
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
    pub fn is_problem(&self) -> bool {
        match self {
            Status::Invalid(_) | Status::Paste(_) => true,
            Status::Notice(n) => n.problem,
            _ => false,
        }
    }
}

#[component]
pub fn StatusLine(
    status: ReadSignal<Status>,
    progress: ReadSignal<Progress>,
    on_open_settings: Callback<()>,
) -> impl IntoView {
    view! {
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
            <button type="button" class="secondary" data-testid="status-open-settings" on:click=move |_| on_open_settings.run(())>
                "Open Model settings"
            </button>
        </Show>
    }
}
