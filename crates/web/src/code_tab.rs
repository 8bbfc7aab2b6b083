//! The Code tab: the artifact's source, Copy, the editor (saved edits become a new version),
//! and Run for code artifacts on a server that runs them (`POST ./api/run`), with the
//! arguments and standard input the person gives them.

use kiln_core::deploy::args::{check, split_args};
use kiln_core::deploy::{RunRequest, RunResult};
use kiln_core::studio::{Runnable, host_language};
use leptos::prelude::*;

use crate::browser;

/// What `POST ./api/run` answered: the result, or why there is none.
async fn run_on_server(request: &RunRequest) -> Result<RunResult, String> {
    let body = serde_json::to_string(request).map_err(|e| e.to_string())?;
    let (status, text) = browser::post_json("./api/run", &body).await?;
    RunResult::from_answer(status, &text)
}

#[component]
pub fn CodeTab(
    runnable: ReadSignal<Option<Runnable>>,
    /// Whether the server runs code artifacts.
    can_run: Signal<bool>,
    /// Keeps code edited by hand as a new version, and runs it.
    on_hand_edit: Callback<String>,
) -> impl IntoView {
    let run_output = RwSignal::new(None::<Result<RunResult, String>>);
    let running = RwSignal::new(false);
    // A new artifact starts without the last one's output.
    Effect::new(move |_| {
        runnable.track();
        run_output.set(None);
    });
    // What the program is given; kept while the tab is open, across runs and new versions.
    let args_line = RwSignal::new(String::new());
    let stdin = RwSignal::new(String::new());
    let run_code = move |_| {
        let args = match split_args(&args_line.get_untracked()) {
            Ok(a) => a,
            Err(e) => {
                run_output.set(Some(Err(format!("the arguments: {e}"))));
                return;
            }
        };
        let input = stdin.get_untracked();
        if let Err(e) = check(&args, &input) {
            run_output.set(Some(Err(e.to_string())));
            return;
        }
        let Some(request) = runnable.with_untracked(|r| {
            let r = r.as_ref()?;
            Some(RunRequest {
                language: host_language(r)?.to_owned(),
                source: r.source.clone(),
                stdin: input,
                args,
            })
        }) else {
            return;
        };
        running.set(true);
        leptos::task::spawn_local(async move {
            run_output.set(Some(run_on_server(&request).await));
            running.set(false);
        });
    };
    let runnable_here = move || {
        can_run.get() && runnable.with(|r| r.as_ref().is_some_and(|r| host_language(r).is_some()))
    };
    // The editor, open while `editing`.
    let editing = RwSignal::new(false);
    let editor_error = RwSignal::new(None::<String>);
    let editor = StoredValue::new_local(None::<crate::editor::Editor>);
    let editor_box = NodeRef::<leptos::html::Div>::new();
    let open_editor = move |_| {
        editing.set(true);
        editor_error.set(None);
        let Some((source, language)) = runnable.with_untracked(|r| {
            r.as_ref().map(|r| {
                let lang = r
                    .language
                    .clone()
                    .unwrap_or_else(|| r.kind.as_str().to_owned());
                (r.source.clone(), lang)
            })
        }) else {
            return;
        };
        leptos::task::spawn_local(async move {
            // Wait a tick for the editor's box to be in the page.
            browser::sleep(std::time::Duration::from_millis(0)).await;
            let Some(el) = editor_box.get_untracked() else {
                return;
            };
            match crate::editor::Editor::open(&el, &source, &language).await {
                Ok(e) => editor.set_value(Some(e)),
                Err(e) => editor_error.set(Some(e)),
            }
        });
    };
    let close_editor = move || {
        editor.set_value(None);
        editing.set(false);
    };
    view! {
        <Show when=runnable_here>
            <div class="run-bar">
                <button class="send small" data-testid="code-run" disabled=move || running.get() on:click=run_code>
                    {move || if running.get() { "Running…" } else { "Run" }}
                </button>
                <span class="muted">"Runs on this server in a wasmtime sandbox: no files, no network, 5 s."</span>
            </div>
            <details class="run-input" data-testid="run-input">
                <summary>"Arguments and input"</summary>
                <label for="code-args">"Arguments (quote words with spaces)"</label>
                <input id="code-args" type="text" data-testid="code-args" spellcheck="false" autocomplete="off"
                    placeholder="--count 3 \"two words\""
                    prop:value=move || args_line.get()
                    on:input=move |ev| args_line.set(event_target_value(&ev))/>
                <label for="code-stdin">"Standard input"</label>
                <textarea id="code-stdin" data-testid="code-stdin" rows="3" spellcheck="false"
                    prop:value=move || stdin.get()
                    on:input=move |ev| stdin.set(event_target_value(&ev))></textarea>
            </details>
            {move || run_output.get().map(|r| match r {
                Ok(r) => view! {
                    <div class="run-output" data-testid="run-output">
                        <p class="muted" data-testid="run-status">{r.summary()}</p>
                        <pre data-testid="run-stdout">{r.stdout}</pre>
                        <pre class="warn" data-testid="run-stderr">{r.stderr}</pre>
                    </div>
                }.into_any(),
                Err(e) => view! { <p class="warn" data-testid="run-status">{format!("Could not run: {e}")}</p> }.into_any(),
            })}
        </Show>
        <div class="run-bar">
            <Show
                when=move || editing.get()
                fallback=move || view! {
                    <button class="secondary small" data-testid="edit-code" on:click=open_editor>"Edit"</button>
                }
            >
                <button class="send small" data-testid="save-edit" on:click=move |_| {
                    let text = editor.with_value(|e| e.as_ref().map(crate::editor::Editor::text));
                    if let Some(text) = text {
                        close_editor();
                        on_hand_edit.run(text);
                    }
                }>"Save and run"</button>
                <button class="secondary small" data-testid="cancel-edit" on:click=move |_| close_editor()>"Cancel"</button>
            </Show>
            <button class="secondary small" data-testid="copy-code" on:click=move |_| {
                let code = runnable.with_untracked(|r| r.as_ref().map(|r| r.source.clone()).unwrap_or_default());
                if let Some(w) = web_sys::window() {
                    let _ = w.navigator().clipboard().write_text(&code);
                }
            }>"Copy code"</button>
        </div>
        {move || editor_error.get().map(|e| view! { <p class="warn" data-testid="editor-error">{e}</p> })}
        <div class="code-editor" data-testid="code-editor" node_ref=editor_box class:hidden=move || !editing.get()></div>
        <Show when=move || !editing.get()>
            <pre class="code" data-testid="code-view"><code>{move || runnable.with(|r| r.as_ref().map(|r| r.source.clone()).unwrap_or_default())}</code></pre>
        </Show>
    }
}
