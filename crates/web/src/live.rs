//! The studio's side of the artifact API (`window.kiln`): an app's model calls, made with the
//! person's settings and key after the person said yes, within a budget, and its storage calls
//! on its own store. What may happen is `kiln_core::sandbox::live`'s to decide (the [`Gate`]
//! per app, the checks of each call, the decoding of the reply); this module carries it out and
//! draws the question and the meter, outside the app's frame where the app cannot reach.
//!
//! The key and the provider's address stay here: a call leaves as an HTTP request from this
//! page (`transport`), and only the reply's text goes back to the app. Calls on a short link's
//! shared data go to the server that made the link, only for the app that link opened.

use kiln_core::sandbox::live::shared::{SharedGate, SharedOp, SharedVerdict, reply_from_answer};
use kiln_core::sandbox::live::{
    Allow, AppCall, AppReply, Ask, CallError, CallStream, DEFAULT_BUDGET_TOKENS, ErrorCode, Gate,
    ModelGrant, Verdict, call_line, tokens_spent,
};
use kiln_core::sandbox::{AppId, Consent, ConsoleLog, LineKind, ToFrame};
use kiln_core::session::ModelSettings;
use kiln_core::vec_map::VecMap;
use leptos::prelude::*;

use crate::apps::Apps;
use crate::frame::Connection;
use crate::settings::key_for;
use crate::transport::{self, TransportError};
use crate::{browser, state::Page};

/// A call: the run it came from and the app's number for it.
type Tag = (u64, u32);

/// A model call on the wire.
struct Flight {
    app: AppId,
    abort: web_sys::AbortController,
    /// Why it was cancelled, when the studio cancelled it.
    why: Option<&'static str>,
}

/// The app whose calls wait for the person's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Asking {
    pub app: AppId,
    pub title: String,
}

/// What the preview bar's meter shows for the app on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meter {
    pub used: u64,
    pub limit: u64,
    pub running: usize,
}

/// A handle on the apps' calls; copies share them.
#[derive(Clone, Copy)]
pub struct Live {
    apps: Apps,
    settings: RwSignal<ModelSettings>,
    connections: StoredValue<VecMap<u64, Connection>, LocalStorage>,
    console: StoredValue<ConsoleLog, LocalStorage>,
    console_rev: RwSignal<u64>,
    /// What the person allowed the app on screen (the "Always" grant is kept there).
    consent: RwSignal<Consent>,
    gates: StoredValue<VecMap<AppId, Gate<Tag>>, LocalStorage>,
    flights: StoredValue<VecMap<Tag, Flight>, LocalStorage>,
    shown: StoredValue<Option<AppId>>,
    /// The app a short link opened, and the link (see `state::Page::shared_link`).
    shared_link: RwSignal<Option<(AppId, String)>>,
    /// Its calls: pace, in flight, the person's answer, writes waiting (run, call, link, body).
    shared_gate: StoredValue<SharedGate<(u64, u32, String, String)>>,
    pub asking: RwSignal<Option<Asking>>,
    pub meter: RwSignal<Option<Meter>>,
    /// Whether the app on screen used its link's shared data (the panel says who sees it).
    pub shared_used: RwSignal<bool>,
    /// Whether writes wait for the person's answer (saving where everyone with the link
    /// sees it is a way out, so it is asked like the network is).
    pub shared_asking: RwSignal<bool>,
}

impl Live {
    pub fn new(
        connections: StoredValue<VecMap<u64, Connection>, LocalStorage>,
        console: StoredValue<ConsoleLog, LocalStorage>,
        console_rev: RwSignal<u64>,
        consent: RwSignal<Consent>,
    ) -> Self {
        let page = expect_context::<Page>();
        Self {
            apps: expect_context::<Apps>(),
            settings: page.settings,
            connections,
            console,
            console_rev,
            consent,
            gates: StoredValue::new_local(VecMap::new()),
            flights: StoredValue::new_local(VecMap::new()),
            shown: StoredValue::new(None),
            shared_link: page.shared_link,
            shared_gate: StoredValue::new(SharedGate::new(browser::now_ms())),
            asking: RwSignal::new(None),
            meter: RwSignal::new(None),
            shared_used: RwSignal::new(false),
            shared_asking: RwSignal::new(false),
        }
    }

    /// The app on screen changed: the meter follows it.
    pub fn show(self, app: Option<AppId>) {
        self.shown.set_value(app);
        self.shared_used.set(false);
        self.refresh();
    }

    fn reply(self, run: u64, id: u32, reply: AppReply) {
        self.connections.with_value(|c| {
            if let Some(conn) = c.get(&run) {
                conn.send(&ToFrame::Reply { id, reply });
            }
        });
    }

    fn with_gate<R>(self, app: &AppId, f: impl FnOnce(&mut Gate<Tag>) -> R) -> Option<R> {
        let kept = self.apps.consent(app).model;
        self.gates.try_update_value(|g| {
            f(g.get_or_insert_with(app.clone(), || Gate::new(kept, browser::now_ms())))
        })
    }

    /// An artifact-API call from run `run` of `app` (titled `title`).
    pub fn on_call(self, run: u64, app: &AppId, title: &str, call: AppCall) {
        match call {
            AppCall::Complete {
                id,
                prompt,
                messages,
                system,
                max_tokens,
                stream,
            } => {
                let ask = match Ask::check(prompt, messages, system, max_tokens, stream) {
                    Ok(a) => a,
                    Err(e) => return self.refuse(run, id, &e),
                };
                let verdict =
                    self.with_gate(app, |g| g.call((run, id), ask.clone(), browser::now_ms()));
                match verdict {
                    Some(Verdict::Wait) => self.asking.set(Some(Asking {
                        app: app.clone(),
                        title: title.to_owned(),
                    })),
                    Some(Verdict::Go(admitted)) => self.start(run, id, app.clone(), ask, admitted),
                    Some(Verdict::Refuse(e)) => self.refuse(run, id, &e),
                    None => {}
                }
            }
            AppCall::Cancel { id } => {
                self.with_gate(app, |g| g.forget(|t| *t == (run, id)));
                self.abort(|tag, _| *tag == (run, id), "by the app");
                self.settle_asking();
            }
            storage if storage.is_shared() => self.shared_call(run, app, &storage),
            storage => {
                let id = storage.id();
                let reply = self.apps.kv_call(app, storage);
                self.reply(run, id, reply);
            }
        }
        self.refresh();
    }

    /// A call on the shared data of the short link that opened `app`, sent to the server.
    fn shared_call(self, run: u64, app: &AppId, call: &AppCall) {
        let id = call.id();
        let link = self.shared_link.with_untracked(|s| {
            s.as_ref()
                .filter(|(opened, _)| opened == app)
                .map(|(_, link)| link.clone())
        });
        let Some(link) = link else {
            return self.reply(
                run,
                id,
                AppReply::error(&CallError::Unavailable(
                    "kiln.storage.shared: only an app opened from a short link of a Kiln server (/s/…) shares data, and this one was not",
                )),
            );
        };
        let Some(op) = SharedOp::from_call(call) else {
            return;
        };
        if let Err(e) = op.check() {
            return self.reply(run, id, AppReply::error(&e));
        }
        let Ok(body) = serde_json::to_string(&op) else {
            return;
        };
        if !self.shared_used.get_untracked() && self.shown.with_value(|s| s.as_ref() == Some(app)) {
            self.shared_used.set(true);
        }
        let verdict = self
            .shared_gate
            .try_update_value(|g| g.call((run, id, link, body), &op, browser::now_ms()));
        match verdict {
            Some(SharedVerdict::Wait) => self.shared_asking.set(true),
            Some(other) => self.carry_out(other),
            None => {}
        }
    }

    /// The person answered whether the app may save shared data (for this page).
    pub fn answer_shared(self, allow: bool) {
        self.shared_asking.set(false);
        let verdicts = self
            .shared_gate
            .try_update_value(|g| g.answer(allow))
            .unwrap_or_default();
        for verdict in verdicts {
            self.carry_out(verdict);
        }
    }

    /// Sends a call on shared data to the server, or answers the app why not.
    fn carry_out(self, verdict: SharedVerdict<(u64, u32, String, String)>) {
        let ((run, id, link, body), refused) = match verdict {
            SharedVerdict::Send(tag) => (tag, None),
            SharedVerdict::Refuse(tag, e) => (tag, Some(e)),
            SharedVerdict::Wait => return,
        };
        if let Some(e) = refused {
            return self.reply(run, id, AppReply::error(&e));
        }
        leptos::task::spawn_local(async move {
            let reply = match browser::post_json(&format!("./api/links/{link}/data"), &body).await {
                Ok((status, text)) => reply_from_answer(status, &text),
                Err(e) => AppReply::Error {
                    code: ErrorCode::Unavailable,
                    message: format!("kiln.storage.shared: the server could not be reached: {e}"),
                },
            };
            self.shared_gate.update_value(SharedGate::done);
            self.reply(run, id, reply);
        });
    }

    /// A call that never started: the app hears why, and the Console says so.
    fn refuse(self, run: u64, id: u32, e: &CallError) {
        self.reply(run, id, AppReply::error(e));
        self.line(&call_line(id, Err(e), 0, 0.0));
    }

    fn line(self, text: &str) {
        let at = js_sys::Date::new_0().to_time_string();
        let at: String = String::from(at).chars().take(8).collect();
        self.console
            .update_value(|c| c.push(LineKind::Kiln, format!("{at} {text}")));
        self.console_rev.update(|n| *n += 1);
    }

    /// The person answered the question (`None`: no) with a budget in tokens per session.
    pub fn answer(self, allow: Option<Allow>, budget_tokens: u32) {
        let Some(asking) = self.asking.get_untracked() else {
            return;
        };
        let app = asking.app;
        let now = browser::now_ms();
        let out = self
            .with_gate(&app, |g| g.answer(allow, budget_tokens, now))
            .unwrap_or_default();
        if allow == Some(Allow::Always) {
            let mut c = self.apps.consent(&app);
            c.model = Some(ModelGrant { budget_tokens });
            self.apps.set_consent(&app, c.clone());
            if self.shown.with_value(|s| s.as_ref() == Some(&app)) {
                self.consent.set(c);
            }
        }
        self.asking.set(None);
        for ((run, id), ask, verdict) in out {
            match verdict {
                Verdict::Go(admitted) => self.start(run, id, app.clone(), ask, admitted),
                Verdict::Refuse(e) => self.refuse(run, id, &e),
                Verdict::Wait => {}
            }
        }
        self.refresh();
    }

    /// Revoke in the meter: the app on screen may no longer use the model (its calls in
    /// flight are cancelled, the next one asks again), and an "Always" is forgotten.
    pub fn revoke(self) {
        let Some(app) = self.shown.get_value() else {
            return;
        };
        self.forget_grant(&app);
        let mut c = self.apps.consent(&app);
        if c.model.take().is_some() {
            self.apps.set_consent(&app, c.clone());
            self.consent.set(c);
        }
    }

    /// Takes back this session's yes for `app` (its consent was withdrawn as a whole): calls
    /// waiting are refused, calls in flight cancelled.
    pub fn forget_grant(self, app: &AppId) {
        let waiting = self.with_gate(app, Gate::revoke).unwrap_or_default();
        for ((run, id), _) in waiting {
            self.refuse(run, id, &CallError::Denied);
        }
        self.abort(|_, f| &f.app == app, "the person revoked it");
        self.gates.update_value(|g| {
            g.remove(app);
        });
        self.settle_asking();
        self.refresh();
    }

    /// Cancels the calls of every run not in `keep` (their frame is gone, or Stop app).
    pub fn cancel_runs(self, keep: &[u64], why: &'static str) {
        self.gates.update_value(|g| {
            g.values_mut()
                .for_each(|g| g.forget(|t| !keep.contains(&t.0)));
        });
        self.abort(|tag, _| !keep.contains(&tag.0), why);
        let shared_waits = self
            .shared_gate
            .try_update_value(|g| {
                g.forget(|t| !keep.contains(&t.0));
                g.asking()
            })
            .unwrap_or(false);
        if !shared_waits && self.shared_asking.get_untracked() {
            self.shared_asking.set(false);
        }
        self.settle_asking();
        self.refresh();
    }

    fn abort(self, which: impl Fn(&Tag, &Flight) -> bool, why: &'static str) {
        self.flights.update_value(|f| {
            for (tag, flight) in f.iter_mut() {
                if which(tag, flight) && flight.why.is_none() {
                    flight.why = Some(why);
                    flight.abort.abort();
                }
            }
        });
    }

    /// The question goes once no call waits for it.
    fn settle_asking(self) {
        let Some(asking) = self.asking.get_untracked() else {
            return;
        };
        let waits = self
            .gates
            .with_value(|g| g.get(&asking.app).is_some_and(Gate::asking));
        if !waits {
            self.asking.set(None);
        }
    }

    fn refresh(self) {
        let meter = self.shown.with_value(|app| {
            let app = app.as_ref()?;
            self.gates.with_value(|g| {
                let gate = g.get(app)?;
                (gate.allowed().is_some() || gate.running() > 0).then(|| Meter {
                    used: gate.budget().used(),
                    limit: gate.budget().limit(),
                    running: gate.running(),
                })
            })
        });
        if self.meter.get_untracked() != meter {
            self.meter.set(meter);
        }
    }

    /// Sends an admitted call to the person's model; the app gets the text (as it comes, if it
    /// asked) and then the whole reply or the failure.
    fn start(
        self,
        run: u64,
        id: u32,
        app: AppId,
        ask: Ask,
        admitted: kiln_core::sandbox::live::Admitted,
    ) {
        let started = browser::now_ms();
        let flight_app = app.clone();
        let settings = self.settings.get_untracked();
        let key = key_for(&settings);
        let end = move |spent: u64, outcome: Result<String, CallError>| {
            self.with_gate(&app, |g| g.finished(admitted.held, spent));
            let line = call_line(
                id,
                outcome.as_ref().map(|_| ()),
                spent,
                browser::now_ms() - started,
            );
            let reply = match outcome {
                Ok(text) => AppReply::Ok {
                    value: serde_json::Value::String(text),
                },
                Err(e) => AppReply::error(&e),
            };
            self.reply(run, id, reply);
            self.line(&line);
            self.refresh();
        };
        if key.is_none() && settings.needs_key() {
            return end(
                0,
                Err(CallError::Provider(
                    "no API key is set in the studio's Model settings".to_owned(),
                )),
            );
        }
        let (mut stream, endpoint, request) =
            match CallStream::start(&settings, &ask, admitted.max_tokens) {
                Ok(s) => s,
                Err(e) => return end(0, Err(e)),
            };
        let Ok(abort) = web_sys::AbortController::new() else {
            return end(
                0,
                Err(CallError::Provider(
                    "the page cannot make requests".to_owned(),
                )),
            );
        };
        self.flights.update_value(|f| {
            f.insert(
                (run, id),
                Flight {
                    app: flight_app,
                    abort: abort.clone(),
                    why: None,
                },
            );
        });
        leptos::task::spawn_local(async move {
            let result = transport::stream(
                &endpoint,
                &request,
                key.as_deref(),
                &abort.signal(),
                |bytes| {
                    let piece = stream.feed(bytes);
                    if ask.stream && !piece.is_empty() {
                        self.reply(run, id, AppReply::Text { text: piece });
                    }
                },
            )
            .await;
            let why = self
                .flights
                .try_update_value(|f| f.remove(&(run, id)).and_then(|fl| fl.why))
                .flatten();
            let outcome = match result {
                Ok(()) => stream.finish().map(|()| stream.text().to_owned()),
                Err(TransportError::Aborted) => Err(CallError::Cancelled(why.unwrap_or("stopped"))),
                Err(TransportError::Network(m)) => Err(CallError::Provider(m)),
                Err(TransportError::Provider(e)) => Err(CallError::from_provider(&e)),
            };
            // A call refused before any answer cost nothing; one that got an answer costs what
            // the provider counted (or the estimate), even if it was cancelled midway.
            let answered = !stream.text().is_empty() || stream.usage().input_tokens.is_some();
            let spent = if answered {
                tokens_spent(&ask, stream.usage(), stream.text())
            } else {
                0
            };
            end(spent, outcome);
        });
    }
}

/// The questions about the model and the link's shared data, and the meter once the model is
/// allowed: drawn by the studio above the app, never inside it.
#[component]
pub fn ModelConsent(live: Live) -> impl IntoView {
    let settings = expect_context::<Page>().settings;
    let budget = RwSignal::new(DEFAULT_BUDGET_TOKENS.to_string());
    let answer = move |allow: Option<Allow>| {
        let tokens = budget
            .get_untracked()
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_BUDGET_TOKENS);
        live.answer(allow, tokens);
    };
    let question = move || {
        live.asking.with(|a| {
            let a = a.as_ref()?;
            let s = settings.get();
            Some(format!(
                "“{}” wants to use your model ({} · {})",
                a.title,
                s.provider,
                s.model.trim()
            ))
        })
    };
    view! {
        <Show when=move || live.asking.with(Option::is_some)>
            <div class="consent" role="alert" data-testid="model-consent">
                <p>{question}</p>
                <p class="muted">"Only the text the app sends goes to your model, on your key. Calls stop at the budget; Revoke or Stop app cancels them."</p>
                <label>"Budget "
                    <input type="number" min="1" data-testid="model-budget" prop:value=move || budget.get() on:input=move |e| budget.set(event_target_value(&e))/>
                    " tokens this session"
                </label>
                <button class="send small" data-testid="model-allow-once" on:click=move |_| answer(Some(Allow::Once))>"Allow once"</button>
                <button class="secondary small" data-testid="model-allow-session" on:click=move |_| answer(Some(Allow::Session))>"Allow for this session"</button>
                <button class="secondary small" data-testid="model-allow-always" on:click=move |_| answer(Some(Allow::Always))>"Always allow this app"</button>
                <button class="secondary small" data-testid="model-deny" on:click=move |_| answer(None)>"Don't allow"</button>
            </div>
        </Show>
        <Show when=move || live.shared_asking.get()>
            <div class="consent" role="alert" data-testid="shared-consent">
                <p>"This app wants to save data that everyone with this link can see and change."</p>
                <p class="muted">"Whatever it saves, including what you type into it, is kept on this server for anyone who opens the link."</p>
                <button class="send small" data-testid="shared-allow" on:click=move |_| live.answer_shared(true)>"Allow"</button>
                <button class="secondary small" data-testid="shared-deny" on:click=move |_| live.answer_shared(false)>"Don't allow"</button>
            </div>
        </Show>
        <Show when=move || live.shared_used.get()>
            <p class="isolation-note" data-testid="shared-data-note">"This app keeps data shared with everyone who has this link: they can all see and change it."</p>
        </Show>
        {move || live.meter.get().map(|m| view! {
            <div class="consent granted" data-testid="model-meter">
                <span>{format!("Model: {} / {} tokens{}", m.used, m.limit, if m.running > 0 { format!(" · {} running", m.running) } else { String::new() })}</span>
                <button class="secondary small" data-testid="model-revoke" on:click=move |_| live.revoke()>"Revoke"</button>
            </div>
        })}
    }
}
