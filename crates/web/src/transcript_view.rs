//! The conversation as it is drawn: the person's messages, Kiln's own steps labelled as such,
//! and each reply as sanitised prose and artifact cards that open their app.

use kiln_core::markdown::to_safe_html;
use kiln_core::protocol::kiln_step;
use kiln_core::transcript::Segment;
use leptos::prelude::*;

/// One turn of the conversation. The text is a signal of its own, so a streamed chunk updates
/// only the reply being written, not every row; `id` keys the rows. Reference-counted rather
/// than owned by a scope: a turn started from a button that then disappears (Continue, Fix)
/// must outlive that button.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    pub user: bool,
    pub text: ArcRwSignal<String>,
    /// A model's reply as prose and artifact cards (`kiln_core::transcript`).
    pub segments: ArcRwSignal<Vec<Segment>>,
}

#[component]
pub fn Transcript(
    conversation: RwSignal<Vec<Entry>>,
    on_open_card: Callback<String>,
) -> impl IntoView {
    view! {
    <ol class="conversation" data-testid="conversation">
        <For each=move || conversation.get() key=|e| e.id let:e>
            {if e.user {
                // Kiln's own messages (a refused edit, Fix, Continue) are
                // labelled as Kiln's step, not drawn as the person's words.
                match e.text.with_untracked(|t| kiln_step(t)) {
                    Some(label) => view! {
                        <li class="turn user kiln-step" data-testid="turn-user">
                            <span class="step-label" data-testid="kiln-step">{label}</span>
                            <span class="step-text">{move || e.text.get()}</span>
                        </li>
                    }.into_any(),
                    None => view! {
                        <li class="turn user" data-testid="turn-user">{move || e.text.get()}</li>
                    }.into_any(),
                }
            } else {
                view! {
                    <li class="turn model" data-testid="turn-model">
                        {move || e.segments.get().into_iter().map(|segment| match segment {
                            Segment::Prose(text) => view! {
                                <div class="prose" inner_html=to_safe_html(&text)></div>
                            }.into_any(),
                            Segment::Card(card) => {
                                let id = card.id.clone();
                                view! {
                                    <button type="button" class="artifact-card" data-testid="artifact-card"
                                        disabled=card.writing || id.is_none()
                                        on:click=move |_| if let Some(id) = id.clone() { on_open_card.run(id) }>
                                        <span class="card-title">{card.label()}</span>
                                        <span class="card-detail">{card.detail()}</span>
                                    </button>
                                }.into_any()
                            }
                        }).collect_view()}
                    </li>
                }.into_any()
            }}
        </For>
    </ol>
    }
}
