//! The composer: the prompt box, the status line, and Continue, Run as app, Send or Stop reply.
//! Enter sends (Shift+Enter is a new line); what each does is the page's.

use kiln_core::progress::Progress;
use leptos::prelude::*;

use crate::status::{Status, StatusLine};

#[component]
pub fn Composer(
    draft: ReadSignal<String>,
    status: ReadSignal<Status>,
    progress: ReadSignal<Progress>,
    /// True while a reply streams: Stop reply in place of Send.
    streaming: Signal<bool>,
    /// Offered when the last reply was cut off with part of it kept.
    can_continue: Signal<bool>,
    on_input: Callback<String>,
    on_send: Callback<()>,
    on_continue: Callback<()>,
    on_run_pasted: Callback<()>,
    on_stop: Callback<()>,
    on_open_settings: Callback<()>,
) -> impl IntoView {
    view! {
        <form
            class="composer"
            data-testid="composer"
            on:submit=move |ev| {
                ev.prevent_default();
                on_send.run(());
            }
        >
            <label class="visually-hidden" for="prompt">"Prompt"</label>
            <textarea
                id="prompt"
                data-testid="prompt-input"
                rows="4"
                placeholder="A pomodoro timer with a progress ring… (or paste an HTML file and press Run as app)"
                prop:value=move || draft.get()
                on:input=move |ev| on_input.run(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && (!ev.shift_key() || ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        on_send.run(());
                    }
                }
            ></textarea>
            <div class="composer-row">
                <StatusLine status=status progress=progress on_open_settings=on_open_settings/>
                <Show when=move || can_continue.get() && !streaming.get()>
                    <button type="button" class="secondary" data-testid="continue-button" on:click=move |_| on_continue.run(())>
                        "Continue"
                    </button>
                </Show>
                <button
                    type="button"
                    class="secondary"
                    data-testid="run-pasted"
                    on:click=move |_| on_run_pasted.run(())
                >
                    "Run as app"
                </button>
                <Show
                    when=move || streaming.get()
                    fallback=|| view! {
                        <button type="submit" class="send" data-testid="send-button">"Send"</button>
                    }
                >
                    <button type="button" class="send" data-testid="stop-generation" on:click=move |_| on_stop.run(())>
                        "Stop reply"
                    </button>
                </Show>
            </div>
        </form>
    }
}
