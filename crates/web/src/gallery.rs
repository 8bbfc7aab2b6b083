//! The examples gallery: built-in apps that open straight into the preview with no provider
//! configured. Its list and files are fetched only when it is shown (`./examples/`), so they
//! add nothing to the page's first load.

use leptos::prelude::*;

use crate::browser;

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
struct Example {
    file: String,
    title: String,
    blurb: String,
}

async fn load_list() -> Result<Vec<Example>, String> {
    let text = browser::fetch_text("./examples/index.json").await?;
    serde_json::from_str(&text).map_err(|e| format!("the examples list is not valid: {e}"))
}

#[component]
pub fn Gallery(
    /// Called with an example's HTML once it has been fetched.
    on_open: impl Fn(String) + Copy + Send + Sync + 'static,
    /// Where a failure to fetch an example is reported.
    on_error: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let list = LocalResource::new(load_list);
    let open = move |file: String| {
        leptos::task::spawn_local(async move {
            match browser::fetch_text(&format!("./examples/{file}")).await {
                Ok(html) => on_open(html),
                Err(e) => on_error(e),
            }
        });
    };
    view! {
        <section class="gallery" aria-label="Examples" data-testid="gallery">
            <p class="muted">"Or start from an example (no model needed to open one):"</p>
            {move || match list.get() {
                None => view! { <p class="muted">"Loading examples…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="muted" data-testid="gallery-error">{e}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="gallery-list">
                        {items.into_iter().map(|ex| {
                            let file = ex.file.clone();
                            view! {
                                <li>
                                    <button type="button" class="example" data-testid="example-card" on:click=move |_| open(file.clone())>
                                        <strong>{ex.title}</strong>
                                        <span class="muted">{ex.blurb}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
