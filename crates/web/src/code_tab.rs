//! The Code tab: the artifact's source, Copy, the editor (saved edits become a new version),
//! and Run for Python and JavaScript artifacts, in this browser or on a server that runs them
//! (`crate::code_runs`), with the arguments and standard input the person gives them.

use kiln_core::deploy::RunRequest;
use kiln_core::deploy::args::{check, split_args};
use kiln_core::sandbox::SandboxConfig;
use kiln_core::sandbox::code_run::RunPlace;
use kiln_core::studio::{Runnable, host_language};
use leptos::prelude::*;

use crate::browser;
use crate::code_runs::CodeRuns;

#[component]
pub fn CodeTab(
    runnable: ReadSignal<Option<Runnable>>,
    /// Whether the server runs code artifacts.
    can_run: Signal<bool>,
    /// Where the sandbox lives (the browser's code runner is there).
    sandbox_config: Signal<Option<Result<SandboxConfig, String>>>,
    /// The preview's code runs, which outlive this tab.
    code_runs: CodeRuns,
    /// Keeps code edited by hand as a new version, and runs it.
    on_hand_edit: Callback<String>,
) -> impl IntoView {
    let CodeRuns {
        running,
        output: run_output,
        place,
        ..
    } = code_runs;
    let language = move || runnable.with(|r| r.as_ref().and_then(host_language));
    // What this artifact can run on: the browser for Python and JavaScript in a build with
    // their runtimes, the server when it runs code (WAT only there).
    let in_browser = move || language().is_some_and(|l| code_runs.in_browser(l));
    let on_server = move || can_run.get() && language().is_some();
    Effect::new(move |_| {
        let next = RunPlace::keep_or_default(place.get_untracked(), in_browser(), on_server());
        if next != place.get_untracked() {
            place.set(next);
        }
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
        code_runs.run(request, sandbox_config.get_untracked());
    };
    let runnable_here = move || place.get().is_some();
    let both = move || in_browser() && on_server();
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
                <button class="send small" data-testid="code-run" disabled=move || running.get().is_some() on:click=run_code>
                    {move || if running.get().is_some() { "Running…" } else { "Run" }}
                </button>
                <Show when=move || running.get().is_some() && place.get() == Some(RunPlace::Browser)>
                    <button class="secondary small" data-testid="code-stop" on:click=move |_| code_runs.stop()>"Stop"</button>
                </Show>
                <Show when=both>
                    <label class="visually-hidden" for="run-place">"Where to run"</label>
                    <select id="run-place" data-testid="run-place"
                        prop:value=move || if place.get() == Some(RunPlace::Server) { "server" } else { "browser" }
                        on:change=move |ev| place.set(Some(if event_target_value(&ev) == "server" { RunPlace::Server } else { RunPlace::Browser }))>
                        <option value="browser">"In this browser"</option>
                        <option value="server">"On the server"</option>
                    </select>
                </Show>
                <span class="muted" data-testid="run-note">{move || place.get().map(RunPlace::note)}</span>
            </div>
            {move || running.get().map(|words| view! { <p class="muted" role="status" data-testid="run-progress">{words}</p> })}
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
