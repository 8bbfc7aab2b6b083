//! The Console tab: the app's lines (`kiln_core::sandbox::ConsoleLog`), Fix, and the switch for
//! automatic fixing.
//!
//! Rows are keyed by each line's sequence number, so a batch of new lines adds only their rows
//! and drops the oldest ones; rows off screen are skipped by the browser's layout
//! (`content-visibility` in the page's styles). The log itself is bounded, and it is only in the
//! page while this tab is shown.

use kiln_core::sandbox::ConsoleLog;
use leptos::prelude::*;

use crate::browser;

/// Where the automatic-fix switch is kept in this browser.
pub const AUTO_FIX_KEY: &str = "kiln.autofix";

#[component]
pub fn ConsoleTab(
    /// The current run's lines.
    log: StoredValue<ConsoleLog, LocalStorage>,
    /// Bumped whenever `log` changes.
    rev: ReadSignal<u64>,
    /// Sends the errors with the code to the model (the Fix button).
    on_fix: Callback<()>,
    /// Whether errors are sent to the model without a click.
    auto_fix: RwSignal<bool>,
) -> impl IntoView {
    let has_errors = move || {
        rev.track();
        log.with_value(ConsoleLog::has_errors)
    };
    let rows = move || {
        rev.track();
        log.with_value(|l| l.lines().cloned().collect::<Vec<_>>())
    };
    view! {
        <Show when=has_errors>
            <div class="run-bar">
                <button class="send small" data-testid="fix-button" on:click=move |_| on_fix.run(())>"Fix"</button>
                <span class="muted">"Sends these errors and the code to the model."</span>
            </div>
        </Show>
        <label class="run-bar muted">
            <input type="checkbox" data-testid="auto-fix" prop:checked=move || auto_fix.get() on:change=move |e| {
                let on = event_target_checked(&e);
                auto_fix.set(on);
                // Only a preference: if it cannot be kept, it still holds for this tab.
                let _ = browser::save(AUTO_FIX_KEY, if on { "on" } else { "off" });
            }/>
            {format!(" Fix errors automatically (up to {} tries after each of your messages)", kiln_core::protocol::AUTO_FIX_LIMIT)}
        </label>
        <ol class="console" data-testid="console-view">
            <For each=rows key=|l| l.seq let:l>
                <li class=format!("console-line {}", l.kind.as_str()) data-testid="console-entry">
                    <span class="level">{l.kind.as_str()}</span>
                    <span class="text">{l.text}</span>
                </li>
            </For>
        </ol>
    }
}
