//! The model settings panel: provider, base URL, model (with the provider's list), API key.
//!
//! Settings other than the key are saved as `kiln.settings`; each provider's key as
//! `kiln.key.<provider>` in this browser's storage only. The key is never shown back in full,
//! never put in a link, and sent only by `transport` to the endpoint chosen here.

use kiln_core::deploy::{OfferedProvider, is_server_proxy};
use kiln_core::provider::Protocol;
use kiln_core::session::{ModelSettings, browser_note};
use leptos::prelude::*;

use crate::{browser, transport};

const SETTINGS_KEY: &str = "kiln.settings";

pub fn key_name(provider: &str) -> String {
    format!("kiln.key.{provider}")
}

/// The key to send with a request under `s`: this browser's key for the provider, unless the
/// request goes through this server's proxy (which adds its own key).
pub fn key_for(s: &ModelSettings) -> Option<String> {
    (!is_server_proxy(&s.base_url, &browser::page_base()))
        .then(|| browser::load(&key_name(&s.provider)))
        .flatten()
        .filter(|k| !k.is_empty())
}

/// The saved settings, or the defaults.
pub fn load_settings() -> ModelSettings {
    browser::load(SETTINGS_KEY)
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

/// Whether this browser has chosen settings yet (if not, the deployment's defaults apply).
pub fn has_saved_settings() -> bool {
    browser::load(SETTINGS_KEY).is_some()
}

fn save_settings(s: &ModelSettings) -> Result<(), String> {
    let json = serde_json::to_string(s).map_err(|e| e.to_string())?;
    browser::save(SETTINGS_KEY, &json)
}

#[component]
pub fn SettingsPanel(
    settings: RwSignal<ModelSettings>,
    /// Providers the server calls with its own keys (from `config.json`).
    offered: Signal<Vec<OfferedProvider>>,
    /// Set while the API key field has the focus: the preview hides the app meanwhile.
    key_typing: RwSignal<bool>,
) -> impl IntoView {
    let key_input = RwSignal::new(String::new());
    let has_key = RwSignal::new(false);
    // What could not be kept in this browser's storage, said where the person will see it.
    let save_error = RwSignal::new(None::<String>);
    on_cleanup(move || key_typing.set(false));
    let models = RwSignal::new(Vec::<String>::new());
    let models_status = RwSignal::new(String::new());

    // Keep the key field in step with the chosen provider, and save every change.
    Effect::new(move |_| {
        let s = settings.get();
        has_key.set(browser::load(&key_name(&s.provider)).is_some_and(|k| !k.is_empty()));
        if let Err(e) = save_settings(&s) {
            save_error.set(Some(format!(
                "These settings could not be kept in this browser ({e}); they last until this tab closes."
            )));
        }
    });

    let set_provider = move |name: String| {
        settings.update(|s| {
            if s.provider != name {
                s.provider = name;
                s.base_url.clear();
                s.model = s
                    .protocol()
                    .ok()
                    .and_then(Protocol::default_model)
                    .unwrap_or_default()
                    .to_owned();
            }
        });
        models.set(Vec::new());
        models_status.set(String::new());
    };
    let save_key = move || {
        let key = key_input.get_untracked();
        let provider = settings.with_untracked(|s| s.provider.clone());
        if key.trim().is_empty() {
            browser::remove(&key_name(&provider));
            save_error.set(None);
        } else {
            match browser::save(&key_name(&provider), key.trim()) {
                Ok(()) => save_error.set(None),
                Err(e) => save_error.set(Some(format!(
                    "The key could not be saved in this browser: {e}. It is kept for this tab only; free some space (History → delete old conversations) and save it again."
                ))),
            }
        }
        key_input.set(String::new());
        has_key.set(!key.trim().is_empty());
    };
    let load_models = move |_| {
        let s = settings.get_untracked();
        let Ok(endpoint) = s.endpoint() else {
            models_status.set("Check the provider and base URL first.".into());
            return;
        };
        let key = browser::load(&key_name(&s.provider));
        models_status.set("Loading models…".into());
        leptos::task::spawn_local(async move {
            let Ok(controller) = web_sys::AbortController::new() else {
                return;
            };
            let protocol = endpoint.protocol();
            let request = protocol.models_request();
            match transport::get_body(&endpoint, &request, key.as_deref(), &controller.signal())
                .await
            {
                Ok(body) => match protocol.parse_models(&body) {
                    Ok(list) => {
                        models_status.set(format!("{} models available.", list.len()));
                        models.set(list.into_iter().map(|m| m.id).collect());
                    }
                    Err(e) => models_status.set(format!("Could not read the model list: {e}.")),
                },
                Err(e) => models_status.set(format!("Could not load models: {e}.")),
            }
        });
    };

    let use_offered = move |p: &OfferedProvider| {
        let (max, app_api) = settings.with_untracked(|s| (s.max_tokens, s.app_api));
        settings.set(ModelSettings {
            app_api,
            ..p.settings(&browser::page_base(), max)
        });
        models.set(p.models.clone());
        models_status.set(format!(
            "Through this server: its key for {} is used, none is needed here.",
            p.id
        ));
    };
    let offered_view = move || {
        let list = offered.get();
        (!list.is_empty()).then(|| view! {
            <div class="offered" data-testid="server-providers">
                <span class="muted">"This server offers (its keys stay on the server):"</span>
                {list.into_iter().map(|p| {
                    let label = format!("{} ({})", p.id, p.protocol);
                    let testid = format!("server-provider-{}", p.id);
                    view! {
                        <button type="button" class="secondary small" data-testid=testid on:click=move |_| use_offered(&p)>
                            {label}
                        </button>
                    }
                }).collect_view()}
            </div>
        })
    };

    view! {
        <section class="settings" aria-label="Model settings" data-testid="settings-panel">
            {offered_view}
            <label>
                "Provider"
                <select
                    data-testid="settings-provider"
                    prop:value=move || settings.with(|s| s.provider.clone())
                    on:change=move |ev| set_provider(event_target_value(&ev))
                >
                    {Protocol::ALL
                        .iter()
                        .map(|p| view! { <option value=p.name()>{p.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Base URL"
                <input
                    data-testid="settings-base-url"
                    type="url"
                    placeholder=move || {
                        settings.with(|s| s.protocol().map(|p| p.default_base_url()).unwrap_or_default())
                    }
                    prop:value=move || settings.with(|s| s.base_url.clone())
                    on:change=move |ev| settings.update(|s| s.base_url = event_target_value(&ev).trim().to_owned())
                />
            </label>
            // The buttons sit beside the labels, not in them: a label's name is its whole text.
            <div class="field">
                <label for="kiln-settings-model">"Model"</label>
                <span class="row">
                    <input
                        id="kiln-settings-model"
                        data-testid="settings-model"
                        list="kiln-models"
                        prop:value=move || settings.with(|s| s.model.clone())
                        on:change=move |ev| settings.update(|s| s.model = event_target_value(&ev).trim().to_owned())
                    />
                    <button type="button" class="secondary small" data-testid="settings-load-models" on:click=load_models>
                        "Load models"
                    </button>
                </span>
                <datalist id="kiln-models">
                    {move || models.get().into_iter().map(|m| view! { <option value=m></option> }).collect_view()}
                </datalist>
                <span class="muted" data-testid="settings-models-status">{move || models_status.get()}</span>
            </div>
            <div class="field">
                <label for="kiln-settings-api-key">"API key"</label>
                <span class="row">
                    <input
                        id="kiln-settings-api-key"
                        data-testid="settings-api-key"
                        type="password"
                        autocomplete="off"
                        placeholder=move || if has_key.get() { "saved in this browser (type to replace)" } else { "none saved" }
                        prop:value=move || key_input.get()
                        on:input=move |ev| key_input.set(event_target_value(&ev))
                        on:focus=move |_| key_typing.set(true)
                        on:blur=move |_| key_typing.set(false)
                        on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); save_key(); }
                    />
                    <button type="button" class="secondary small" data-testid="settings-save-key" on:click=move |_| save_key()>
                        "Save key"
                    </button>
                </span>
            </div>
            {move || save_error.get().map(|e| view! { <p class="warn" role="alert" data-testid="settings-save-error">{e}</p> })}
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="settings-app-api"
                    prop:checked=move || settings.with(|s| s.app_api)
                    on:change=move |ev| settings.update(|s| s.app_api = event_target_checked(&ev))
                />
                "Teach the model the app API: apps it writes may ask to use your model (you are asked first, with a budget) and keep data"
            </label>
            <p class="muted" data-testid="settings-note">
                {move || settings.with(|s| s.protocol().map(browser_note).unwrap_or_default())}
            </p>
        </section>
    }
}
