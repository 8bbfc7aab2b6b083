//! The History panel: saved conversations, newest first, with search by title, rename, delete,
//! a new conversation, and export or import of all of them as one JSON file.
//!
//! The list holds summaries only; opening one reads its record. Titles, search, what an import
//! keeps and what a damaged record does are `kiln_core::history`'s decisions.

use kiln_core::history::{Summary, listing};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the Unix epoch: when a conversation was saved.
pub fn wall_clock_ms() -> f64 {
    js_sys::Date::now()
}

/// A date and time for the list, in the person's locale.
fn when(ms: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .as_string()
        .unwrap_or_default()
}

/// Reads the file chosen in a file input as text.
async fn chosen_file_text(input: &web_sys::HtmlInputElement) -> Option<String> {
    let file = input.files()?.get(0)?;
    let text = JsFuture::from(file.text()).await.ok()?;
    input.set_value("");
    text.as_string()
}

/// The panel. `busy` is true while a reply streams (conversations cannot be switched then).
#[component]
pub fn HistoryPanel(
    summaries: RwSignal<Vec<Summary>>,
    current: Signal<Option<String>>,
    busy: Signal<bool>,
    message: Signal<String>,
    on_open: Callback<String>,
    on_new: Callback<()>,
    on_rename: Callback<(String, String)>,
    on_delete: Callback<String>,
    on_export: Callback<()>,
    on_import: Callback<String>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let renaming = RwSignal::new(None::<String>);
    let deleting = RwSignal::new(None::<String>);
    let shown = move || summaries.with(|s| listing(s, &query.get()));
    let import_input = NodeRef::<leptos::html::Input>::new();
    view! {
        <section class="history" aria-label="History" data-testid="history-panel">
            <div class="history-actions">
                <button class="secondary small" data-testid="history-new" disabled=move || busy.get()
                    on:click=move |_| on_new.run(())>"New conversation"</button>
                <button class="secondary small" data-testid="history-export"
                    on:click=move |_| on_export.run(())>"Export all"</button>
                <label class="button secondary small" for="history-import">"Import…"</label>
                <input id="history-import" class="visually-hidden" type="file" accept=".json,application/json"
                    data-testid="history-import-input" node_ref=import_input
                    on:change=move |_| {
                        let Some(input) = import_input.get() else { return };
                        let input: web_sys::HtmlInputElement = input.unchecked_into();
                        leptos::task::spawn_local(async move {
                            if let Some(text) = chosen_file_text(&input).await {
                                on_import.run(text);
                            }
                        });
                    }/>
            </div>
            <label class="history-search">
                <span class="visually-hidden">"Search conversations by title"</span>
                <input type="search" placeholder="Search by title" data-testid="history-search"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))/>
            </label>
            <p class="muted" data-testid="history-status" role="status">{move || message.get()}</p>
            <Show when=move || summaries.with(Vec::is_empty)>
                <p class="muted" data-testid="history-empty">"Conversations you have appear here. They stay in this browser."</p>
            </Show>
            <ul class="history-list" data-testid="history-list">
                <For each=shown key=|s| (s.id.clone(), s.title.clone(), s.updated_ms.to_bits()) let:s>
                    {
                        let id = s.id.clone();
                        let (open_id, rename_id, delete_id, confirm_id, save_id) =
                            (id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
                        let is_current = {
                            let id = id.clone();
                            move || current.get().as_deref() == Some(id.as_str())
                        };
                        let is_renaming = {
                            let id = id.clone();
                            move || renaming.get().as_deref() == Some(id.as_str())
                        };
                        let is_deleting = {
                            move || deleting.get().as_deref() == Some(id.as_str())
                        };
                        let current_for_class = is_current.clone();
                        let draft = RwSignal::new(s.title.clone());
                        let title = s.title.clone();
                        view! {
                            <li class="history-item" data-testid="history-item" class:current=current_for_class>
                                <Show when=is_renaming fallback=move || {
                                    let open_id = open_id.clone();
                                    let is_current = is_current.clone();
                                    view! {
                                        <button class="history-open" data-testid="history-open"
                                            aria-current=move || is_current().then_some("true")
                                            disabled=move || busy.get()
                                            on:click=move |_| on_open.run(open_id.clone())>
                                            <span class="history-title">{title.clone()}</span>
                                            <span class="muted history-when">{when(s.updated_ms)}</span>
                                        </button>
                                    }
                                }>
                                    <form class="history-rename" on:submit={
                                        let save_id = save_id.clone();
                                        move |ev| {
                                            ev.prevent_default();
                                            on_rename.run((save_id.clone(), draft.get_untracked()));
                                            renaming.set(None);
                                        }
                                    }>
                                        <label class="visually-hidden" for="history-rename-input">"New title"</label>
                                        <input id="history-rename-input" data-testid="history-rename-input"
                                            prop:value=move || draft.get()
                                            on:input=move |ev| draft.set(event_target_value(&ev))/>
                                        <button type="submit" class="secondary small" data-testid="history-rename-save">"Save"</button>
                                        <button type="button" class="secondary small"
                                            on:click=move |_| renaming.set(None)>"Cancel"</button>
                                    </form>
                                </Show>
                                <div class="history-row-actions">
                                    <button class="secondary small" data-testid="history-rename"
                                        aria-label="Rename"
                                        on:click=move |_| { deleting.set(None); renaming.set(Some(rename_id.clone())) }>"Rename"</button>
                                    <Show when=is_deleting fallback=move || {
                                        let delete_id = delete_id.clone();
                                        view! {
                                            <button class="secondary small" data-testid="history-delete" aria-label="Delete"
                                                on:click=move |_| { renaming.set(None); deleting.set(Some(delete_id.clone())) }>"Delete"</button>
                                        }
                                    }>
                                        {
                                            let confirm_id = confirm_id.clone();
                                            view! {
                                                <button class="danger small" data-testid="history-delete-confirm"
                                                    on:click=move |_| { deleting.set(None); on_delete.run(confirm_id.clone()) }>"Delete for good"</button>
                                                <button class="secondary small" on:click=move |_| deleting.set(None)>"Keep"</button>
                                            }
                                        }
                                    </Show>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}
