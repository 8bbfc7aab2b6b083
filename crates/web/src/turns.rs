//! The turn controller: sending a message, streaming the reply into the conversation and the
//! live preview, retrying before the first byte, Stop, Continue, Fix and the automatic fixes
//! and edit repairs that follow a turn. What each ending means and what follows it are
//! `kiln_core::session` and `kiln_core::ending`'s decisions; this wires them to the page.

use kiln_core::ending::{
    Delivery, Origin, Remedy, Repair, auto_fix_spent, bad_settings, needs_key, repair_after,
    retrying, turn_notice,
};
use kiln_core::progress::Progress;
use kiln_core::prompt::Prompt;
use kiln_core::protocol::{AutoFix, CONTINUE_PROMPT};
use kiln_core::provider::{RetryDecision, RetryPolicy};
use kiln_core::session::{Ending, ModelSettings, Turn, preview_due};
use kiln_core::studio::Runnable;
use leptos::prelude::*;

use crate::browser;
use crate::settings::key_for;
use crate::state::Page;
use crate::status::Status;
use crate::transport::{self, TransportError};

/// The preview restarts the app at most this often while a reply streams.
const LIVE_PREVIEW_MS: f64 = 1_000.0;

/// A reply being streamed is saved at most this often, so a crashed tab loses at most this
/// much of it.
const SAVE_WHILE_STREAMING_MS: f64 = 2_000.0;

/// What one turn keeps while it streams.
struct Flight {
    origin: Origin,
    /// The conversation its artifacts belong to (their app identity).
    conversation_id: String,
    /// When the preview last restarted the app being written.
    last_preview: Option<f64>,
    /// What the preview showed before this turn: it comes back if all the turn previewed was a
    /// candidate that ended up discarded as a snippet.
    shown_before: Option<Runnable>,
}

/// A handle on the turn in flight and what follows it; copies share it.
#[derive(Clone, Copy)]
pub struct Turns {
    page: Page,
    pub progress: RwSignal<Progress>,
    /// True while a reply streams.
    pub streaming: RwSignal<bool>,
    turn: StoredValue<Option<Turn>, LocalStorage>,
    abort: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
    /// A refused edit is sent back to the model once, automatically, asking for the whole
    /// artifact: this holds that message until the turn has ended.
    pending_repair: RwSignal<Option<String>>,
    /// Who starts the next turn.
    origin: StoredValue<Origin>,
    /// Automatic fixes: a budget refilled by each message the person sends themselves.
    auto_fix: StoredValue<AutoFix>,
}

impl Turns {
    /// The controller for `page`; it keeps the progress clock running while a reply streams
    /// and sends a pending repair once the turn that asked for it has ended.
    pub fn new(page: Page) -> Self {
        let this = Self {
            page,
            progress: RwSignal::new(Progress::default()),
            streaming: RwSignal::new(false),
            turn: StoredValue::new_local(None),
            abort: StoredValue::new_local(None),
            pending_repair: RwSignal::new(None),
            origin: StoredValue::new(Origin::Person),
            auto_fix: StoredValue::new(AutoFix::default()),
        };
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if this.streaming.get_untracked() {
                    this.progress.update(|p| p.now_ms = browser::now_ms());
                }
            },
            std::time::Duration::from_millis(200),
        ) {
            on_cleanup(move || handle.clear());
        }
        Effect::new(move |_| {
            if this.streaming.get() {
                return;
            }
            if let Some(prompt) = this.pending_repair.get() {
                this.pending_repair.set(None);
                this.ask(prompt, Origin::Repair);
            }
        });
        this
    }

    /// Saves the open conversation as it is now, a reply still streaming included (as if it
    /// were stopped here).
    pub fn persist(self) {
        let page = self.page;
        page.saved.save(|record| {
            record.entries = page.conversation.with_untracked(|entries| {
                entries
                    .iter()
                    .map(|e| kiln_core::history::Entry {
                        user: e.user,
                        text: e.text.get_untracked(),
                    })
                    .collect()
            });
            record.session = self.turn.with_value(|t| {
                page.session.with_value(|s| match t {
                    Some(t) => s.with_partial(t),
                    None => s.clone(),
                })
            });
            record.current = page
                .runnable
                .with_untracked(|r| r.as_ref().map(|r| r.key.clone()));
        });
    }

    /// Sends what is in the prompt box, as the person.
    pub fn send(self) {
        self.origin.set_value(Origin::Person);
        self.start();
    }

    /// Sends `prompt` (Fix, Continue, a repair, an automatic fix) as if typed.
    pub fn ask(self, prompt: String, origin: Origin) {
        self.page.draft.set(prompt);
        self.origin.set_value(origin);
        self.start();
    }

    /// Asks the model for the whole artifact again after a reply was cut off.
    pub fn continue_reply(self) {
        self.ask(CONTINUE_PROMPT.to_owned(), Origin::Person);
    }

    /// The app's errors, sent without a click: only for the model's own artifact, between
    /// turns, within the budget.
    pub fn auto_fix(self, prompt: String) {
        let page = self.page;
        let ours = page
            .runnable
            .with_untracked(|r| r.as_ref().map(|r| r.key.clone()))
            .is_some_and(|k| {
                page.model_key
                    .with_value(|m| m.as_deref() == Some(k.as_str()))
            });
        if !ours
            || self.streaming.get_untracked()
            || self.pending_repair.with_untracked(Option::is_some)
        {
            return;
        }
        if !self
            .auto_fix
            .try_update_value(AutoFix::take)
            .unwrap_or(false)
        {
            page.status.set(Status::Ended(auto_fix_spent()));
            return;
        }
        self.ask(prompt, Origin::AutoFix);
    }

    /// Stop: what arrived is kept.
    pub fn stop(self) {
        self.abort.with_value(|a| {
            if let Some(a) = a {
                a.abort();
            }
        });
    }

    /// Starts a turn once the code that streams replies is here (`lazy::turn`: the providers'
    /// wire formats, the transport and the turn's endings, fetched after the first load).
    fn start(self) {
        leptos::task::spawn_local(async move {
            if crate::lazy::turn(self).await.is_err() {
                self.page
                    .status
                    .set(Status::Ended(crate::lazy::LOAD_FAILED.to_owned()));
            }
        });
    }

    /// What `start` runs: reads the prompt box and the settings, and streams the reply.
    pub(crate) fn start_now(self) {
        let page = self.page;
        if self.streaming.get_untracked() {
            return;
        }
        let origin = self.origin.get_value();
        self.origin.set_value(Origin::Person);
        self.auto_fix.update_value(|b| origin.budget(b));
        let prompt = match Prompt::parse(&page.draft.get_untracked()) {
            Ok(p) => p,
            Err(e) => return page.status.set(Status::Invalid(e)),
        };
        page.can_continue.set(false);
        let s: ModelSettings = page.settings.get_untracked();
        // Through this server's proxy the server adds its key; the browser's own stays home.
        let key = key_for(&s);
        if key.is_none() && s.needs_key() {
            page.show_settings.set(true);
            return page.status.set(Status::Notice(needs_key(&s.provider)));
        }
        let started = match page.session.with_value(|sess| sess.begin(&s, &prompt)) {
            Ok(t) => t,
            Err(e) => {
                page.show_settings.set(true);
                return page.status.set(Status::Notice(bad_settings(&e)));
            }
        };
        let Ok(controller) = web_sys::AbortController::new() else {
            return;
        };
        let endpoint = started.endpoint().clone();
        let request = started.request().clone();
        self.turn.set_value(Some(started));
        self.abort.set_value(Some(controller.clone()));
        let mut flight = Flight {
            origin,
            conversation_id: page.saved.scope(),
            last_preview: None,
            shown_before: page.runnable.get_untracked(),
        };
        let (asked, reply) = (
            page.entry(true, prompt.as_str().to_owned(), Vec::new()),
            page.entry(false, String::new(), Vec::new()),
        );
        page.conversation.update(|c| {
            c.push(asked);
            c.push(reply);
        });
        page.draft.set(String::new());
        self.persist();
        let now = browser::now_ms();
        self.progress.set(Progress {
            started_ms: now,
            now_ms: now,
            chars: 0,
            tokens: None,
        });
        self.streaming.set(true);
        page.status.set(Status::Waiting);
        leptos::task::spawn_local(async move {
            // Rate limits and overloads before any byte arrived are retried, bounded, honouring
            // the provider's retry-after; the same decisions as `kiln generate`.
            let policy = RetryPolicy::default();
            let (mut retries, mut waited) = (0u32, std::time::Duration::ZERO);
            let result = loop {
                let result = transport::stream(
                    &endpoint,
                    &request,
                    key.as_deref(),
                    &controller.signal(),
                    |bytes| self.on_bytes(bytes, &mut flight),
                )
                .await;
                let nothing_yet = self
                    .turn
                    .with_value(|t| t.as_ref().is_some_and(|t| t.reply().is_empty()));
                let Err(TransportError::Provider(e)) = &result else {
                    break result;
                };
                let RetryDecision::Retry(delay) = policy.decide(e, retries, waited) else {
                    break result;
                };
                if !nothing_yet {
                    break result;
                }
                retries += 1;
                waited += delay;
                page.status.set(Status::Ended(retrying(
                    e,
                    delay,
                    retries,
                    policy.max_retries,
                )));
                browser::sleep(delay).await;
                if controller.signal().aborted() {
                    break Err(TransportError::Aborted);
                }
            };
            if let Some(t) = self.turn.try_update_value(|t| t.take()).flatten() {
                self.end(t, &result, flight);
            }
            self.progress.update(|p| p.now_ms = browser::now_ms());
            self.streaming.set(false);
            self.abort.set_value(None);
        });
    }

    /// Takes a chunk of the response body into the turn, the conversation, the progress line
    /// and (at most every [`LIVE_PREVIEW_MS`]) the preview.
    fn on_bytes(self, bytes: &[u8], flight: &mut Flight) {
        let page = self.page;
        let changed = self.turn.try_update_value(|t| {
            let t = t.as_mut()?;
            let before = t.reply().len();
            let update = t.feed(bytes);
            let added = t.reply()[before..].to_owned();
            let live = if preview_due(flight.last_preview, browser::now_ms(), LIVE_PREVIEW_MS) {
                t.live(&flight.conversation_id)
            } else {
                None
            };
            Some((update, added, live, t.usage().output_tokens))
        });
        let Some(Some((update, added, live, tokens))) = changed else {
            return;
        };
        if !added.is_empty() {
            if let Some(last) = page.conversation.with_untracked(|c| c.last().cloned()) {
                last.text.update(|t| t.push_str(&added));
                // The turn's own extractor made the segments; only what changed is copied.
                self.turn.with_value(|t| {
                    if let Some(t) = t {
                        last.segments.maybe_update(|s| t.sync_segments(s));
                    }
                });
            }
            page.status.set(Status::Streaming);
            if page.saved.since_save_ms() >= SAVE_WHILE_STREAMING_MS {
                self.persist();
            }
        }
        self.progress.update(|p| {
            p.chars += update.text_chars;
            p.tokens = tokens.or(p.tokens);
            p.now_ms = browser::now_ms();
        });
        if let Some(r) = live {
            flight.last_preview = Some(browser::now_ms());
            page.show(Some(r));
        }
    }

    /// The turn ended: the preview, the session, the conversation and the status line say how,
    /// and a refused edit is queued for repair.
    fn end(self, mut t: Turn, result: &Result<(), TransportError>, flight: Flight) {
        let page = self.page;
        let Flight {
            origin,
            conversation_id,
            last_preview,
            shown_before,
        } = flight;
        let ending = t.finish();
        match t.live(&conversation_id) {
            Some(r) => {
                page.model_key.set_value(Some(r.key.clone()));
                page.show(Some(r));
            }
            None if last_preview.is_some() => page.runnable.set(shown_before),
            None => {}
        }
        let partial = !t.reply().is_empty();
        let delivery = match result {
            Ok(()) => Delivery::Finished,
            Err(TransportError::Aborted) => Delivery::Stopped,
            Err(TransportError::Network(m)) => Delivery::Network(m.clone()),
            Err(TransportError::Provider(e)) => Delivery::Provider(e.clone()),
        };
        let notice = turn_notice(&delivery, &ending, t.reply().chars().count());
        page.can_continue
            .set(partial && notice.remedy == Some(Remedy::Continue));
        let complete = matches!((result, &ending), (Ok(()), Ending::Complete));
        // The settings worked: their panel steps aside (unless a key is being typed).
        if complete && !page.key_typing.get_untracked() {
            page.show_settings.set(false);
        }
        let repair = repair_after(origin, complete.then(|| t.repair_prompt()).flatten());
        if let Some(last) = page.conversation.with_untracked(|c| c.last().cloned()) {
            last.segments.set(t.segments());
        }
        page.session.update_value(|sess| sess.commit(t));
        page.bump();
        let empty_reply = page.conversation.with_untracked(|c| {
            c.last()
                .is_some_and(|e| !e.user && e.text.with_untracked(String::is_empty))
        });
        if empty_reply {
            // Nothing came back: the prompt goes back into the box, ready to send again.
            let asked = page.conversation.with_untracked(|c| {
                c.len()
                    .checked_sub(2)
                    .and_then(|i| c.get(i))
                    .map(|e| e.text.get_untracked())
            });
            page.conversation.update(|c| {
                c.pop();
                c.pop();
            });
            if let Some(asked) = asked
                && page.draft.with_untracked(String::is_empty)
                && origin != Origin::Repair
            {
                page.draft.set(asked);
            }
        }
        self.persist();
        match repair {
            Some(Repair::Ask { prompt, status }) => {
                page.status.set(Status::Ended(status));
                self.pending_repair.set(Some(prompt));
            }
            Some(Repair::GiveUp(status)) => page.status.set(Status::Ended(status)),
            None => page.status.set(Status::Notice(notice)),
        }
    }
}
