//! The studio as an installable app that opens with no network: registers the service worker
//! (`sw.js`, written by `cargo xtask bundle` from `web/offline/sw.js`), offers a new
//! deployment as "Update ready — reload" once it has installed whole, and says when the page
//! runs from this browser's copy instead of its server.

use std::time::Duration;

use gloo_events::EventListener;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

/// The header the service worker adds to `config.json` when it answered from its cache.
pub const OFFLINE_HEADER: &str = "x-kiln-offline";
/// How often an open studio asks whether a new deployment is out.
const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// What the page knows about its own copy.
#[derive(Clone, Copy)]
pub struct Offline {
    /// A new deployment is installed and waiting for the person to reload into it.
    pub update_ready: RwSignal<bool>,
    /// The browser says it has no network, or the server did not answer and the page runs
    /// from its cached copy.
    pub offline: RwSignal<bool>,
    /// The service worker could not be registered (why), for the settings' notes and tests.
    pub unavailable: RwSignal<Option<String>>,
    registration: StoredValue<Option<ServiceWorkerRegistration>, LocalStorage>,
    listeners: StoredValue<Vec<EventListener>, LocalStorage>,
    /// This page asked the waiting version to take over (and reloads when it has).
    applying: StoredValue<bool>,
}

impl Offline {
    /// Starts watching: the browser's online state now, and the service worker's registration.
    pub fn start() -> Self {
        let this = Self {
            update_ready: RwSignal::new(false),
            offline: RwSignal::new(false),
            unavailable: RwSignal::new(None),
            registration: StoredValue::new_local(None),
            listeners: StoredValue::new_local(Vec::new()),
            applying: StoredValue::new(false),
        };
        let Some(window) = web_sys::window() else {
            return this;
        };
        this.offline.set(!window.navigator().on_line());
        for (event, offline) in [("offline", true), ("online", false)] {
            let listener = EventListener::new(&window, event, move |_| {
                this.offline.set(offline);
                if !offline {
                    this.check();
                }
            });
            this.listeners.update_value(|l| l.push(listener));
        }
        leptos::task::spawn_local(async move {
            if let Err(e) = this.register().await {
                this.unavailable.set(Some(e));
            }
        });
        this
    }

    /// Notes that the page's server did not answer (its `config.json` came from the cache).
    pub fn served_from_cache(self) {
        self.offline.set(true);
    }

    /// Hands over to the waiting version: it takes control, and the page reloads into it.
    pub fn apply_update(self) {
        let Some(container) = container() else {
            return;
        };
        self.applying.set_value(true);
        let reload = EventListener::once(&container, "controllerchange", |_| {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        });
        self.listeners.update_value(|l| l.push(reload));
        let waiting = self
            .registration
            .with_value(|r| r.as_ref().and_then(ServiceWorkerRegistration::waiting));
        match waiting {
            Some(worker) => {
                let _ = worker.post_message(&JsValue::from_str("kiln-update"));
            }
            // Nothing waits any more (another tab took the update): reload into it.
            None => {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
            }
        }
    }

    /// Asks the browser whether a new `sw.js` is out (it also asks on every page load).
    fn check(self) {
        self.registration.with_value(|r| {
            if let Some(r) = r
                && let Ok(p) = r.update()
            {
                // A failed check (offline) is not news.
                leptos::task::spawn_local(async move {
                    let _ = JsFuture::from(p).await;
                });
            }
        });
    }

    async fn register(self) -> Result<(), String> {
        let container = container()
            .ok_or("this browser has no service workers here (not a secure context?)")?;
        // Only a page an older version controls can be offered an update: in one it does not
        // control (the first visit), the first version takes over by itself. (WebKit tells of
        // a first worker's `installed` state only once it already controls the page.)
        let controlled_at_load = container.controller().is_some();
        let options = web_sys::RegistrationOptions::new();
        options.set_scope("./");
        let registration = JsFuture::from(container.register_with_options("./sw.js", &options))
            .await
            .map_err(|e| format!("the service worker was refused: {}", describe(&e)))?;
        let registration: ServiceWorkerRegistration = registration
            .dyn_into()
            .map_err(|_| "the service worker registration is not one")?;
        // A version that installed while the page was closed waits already.
        if registration.waiting().is_some() && controlled_at_load {
            self.update_ready.set(true);
        }
        let reg = registration.clone();
        let found = EventListener::new(&registration, "updatefound", move |_| {
            let Some(installing) = reg.installing() else {
                return;
            };
            let worker = installing.clone();
            let reg = reg.clone();
            let changed = EventListener::new(&installing, "statechange", move |_| {
                if controlled_at_load
                    && worker.state() == ServiceWorkerState::Installed
                    && reg.waiting().is_some()
                {
                    self.update_ready.set(true);
                }
            });
            self.listeners.update_value(|l| l.push(changed));
        });
        self.listeners.update_value(|l| l.push(found));
        // Another tab reloaded into a new version, which now answers this one too: this page
        // is the older one, so it says so rather than mixing the two.
        let taken = EventListener::new(&container, "controllerchange", move |_| {
            if controlled_at_load && !self.applying.get_value() {
                self.update_ready.set(true);
            }
        });
        self.listeners.update_value(|l| l.push(taken));
        self.registration.set_value(Some(registration));
        leptos::task::spawn_local(async move {
            loop {
                crate::browser::sleep(CHECK_EVERY).await;
                self.check();
            }
        });
        Ok(())
    }
}

/// `navigator.serviceWorker`, where the browser offers it (only in secure contexts).
fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    let value = js_sys::Reflect::get(&navigator, &JsValue::from_str("serviceWorker")).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    value.dyn_into().ok()
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "no reason given".to_owned())
}

/// The banners: an update waiting, and the page running without its server.
#[component]
pub fn OfflineBanners(offline: Offline) -> impl IntoView {
    view! {
        <Show when=move || offline.update_ready.get()>
            <div class="update-ready" role="status" data-testid="update-ready">
                <span>"Update ready — "</span>
                <button class="send small" data-testid="update-reload" on:click=move |_| offline.apply_update()>"Reload"</button>
            </div>
        </Show>
        <Show when=move || offline.offline.get()>
            <p class="offline-note" role="status" data-testid="offline-note">
                "Offline: this studio runs from this browser's copy. The gallery, pasted replies and \
                 code runs work; a model works only if it runs on this machine (Ollama or another \
                 local server)."
            </p>
        </Show>
    }
}
