//! A bare Leptos page: a prompt box and a button, nothing else. Built only with the `bare-page`
//! feature (`cargo xtask bundle --bare`), as the baseline the studio's first load is measured
//! against (`tests/bench/first-load.mjs`).

use leptos::prelude::*;

#[component]
pub fn Bare() -> impl IntoView {
    let draft = RwSignal::new(String::new());
    view! {
        <main class="shell">
            <textarea
                id="prompt"
                data-testid="prompt-input"
                prop:value=move || draft.get()
                on:input=move |e| draft.set(event_target_value(&e))
            ></textarea>
            <button type="button" data-testid="send-button">"Send"</button>
        </main>
    }
}
