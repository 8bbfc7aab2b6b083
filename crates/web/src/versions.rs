//! The Versions tab: every version of the current artifact, showing and restoring one, and a
//! line diff between any two (computed by `kiln_core::diff`).

use kiln_core::artifact::Artifact;
use kiln_core::diff::{self, Line};
use leptos::prelude::*;

/// The Versions tab's content.
#[component]
pub fn VersionsView(
    /// The current artifact's versions, oldest first (v1 is index 0).
    versions: Signal<Vec<Artifact>>,
    /// The version the preview shows, when it is not the newest.
    viewing: Signal<Option<u32>>,
    /// Shows version n in the preview.
    on_show: Callback<u32>,
    /// Makes version n the newest again.
    on_restore: Callback<u32>,
) -> impl IntoView {
    let count = move || u32::try_from(versions.with(Vec::len)).unwrap_or(u32::MAX);
    // 0 means "the one before the newest" and "the newest": the usual question.
    let from = RwSignal::new(0u32);
    let to = RwSignal::new(0u32);
    let pick = move |chosen: u32, fallback: u32| {
        if chosen >= 1 && chosen <= count() {
            chosen
        } else {
            fallback.max(1)
        }
    };
    let pair = move || {
        let n = count();
        (pick(from.get(), n.saturating_sub(1)), pick(to.get(), n))
    };
    let options = move |selected: Signal<u32>| {
        (1..=count())
            .map(|n| view! { <option value=n.to_string() selected=move || selected.get() == n>{format!("v{n}")}</option> })
            .collect_view()
    };
    let diff_view = move || {
        let (a, b) = pair();
        versions.with(|vs| {
            let old = vs.get(a as usize - 1).map(|v| v.content.as_str()).unwrap_or("");
            let new = vs.get(b as usize - 1).map(|v| v.content.as_str()).unwrap_or("");
            match diff::lines(old, new) {
                Ok(lines) => {
                    let (added, removed) = diff::stats(&lines);
                    let rows = lines
                        .iter()
                        .map(|l| {
                            let (class, sign, text) = match l {
                                Line::Same(t) => ("diff-same", " ", *t),
                                Line::Added(t) => ("diff-add", "+", *t),
                                Line::Removed(t) => ("diff-del", "-", *t),
                            };
                            view! { <span class=class data-testid="diff-line">{format!("{sign} {text}\n")}</span> }
                        })
                        .collect_view();
                    view! {
                        <p class="muted" data-testid="diff-stats">{format!("v{a} → v{b}: {added} added, {removed} removed")}</p>
                        <pre class="code diff" data-testid="diff-view"><code>{rows}</code></pre>
                    }
                    .into_any()
                }
                Err(e) => view! { <p class="warn" data-testid="diff-stats">{e.to_string()}</p> }.into_any(),
            }
        })
    };
    view! {
        <div class="versions" data-testid="versions-panel">
            <div class="run-bar" role="group" aria-label="Versions">
                {move || (1..=count()).map(|n| {
                    let shown = move || viewing.get().unwrap_or(count()) == n;
                    view! {
                        <button
                            type="button"
                            class="secondary small"
                            class:active=shown
                            aria-pressed=move || shown().to_string()
                            data-testid=format!("version-{n}")
                            on:click=move |_| on_show.run(n)
                        >{format!("v{n}")}</button>
                    }
                }).collect_view()}
            </div>
            {move || viewing.get().filter(|n| *n < count()).map(|n| view! {
                <div class="run-bar">
                    <span class="muted">{format!("Showing v{n}; the newest is v{}.", count())}</span>
                    <button type="button" class="send small" data-testid="restore-version" on:click=move |_| on_restore.run(n)>
                        {format!("Restore v{n}")}
                    </button>
                </div>
            })}
            <div class="run-bar">
                <label>"Compare " <select data-testid="diff-from" on:change=move |e| from.set(event_target_value(&e).parse().unwrap_or(0))>
                    {move || options(Signal::derive(move || pair().0))}
                </select></label>
                <label>" with " <select data-testid="diff-to" on:change=move |e| to.set(event_target_value(&e).parse().unwrap_or(0))>
                    {move || options(Signal::derive(move || pair().1))}
                </select></label>
            </div>
            {diff_view}
        </div>
    }
}
