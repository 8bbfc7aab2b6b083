//! Keeps the tab on the studio when a frame an app made calls `history.back()`.
//!
//! The bridge gives each app a history of its own, but a frame the app creates itself runs
//! without the bridge, and in Firefox its `history.back()` walks the whole tab's history: back
//! past the studio, to the page before it (measured in Firefox 153; Chromium and WebKit keep
//! it to the frame). So the studio keeps one entry of its own on top of the page's, and when a
//! traversal that the person did not start (the Navigation API's `userInitiated`) lands on the
//! entry below it, steps forward again. The person's own Back still leaves in one press: the
//! studio finishes the traversal they started. Browsers without the Navigation API (WebKit)
//! are left as they are; there a frame's `back()` stays within the frame anyway.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::JsValue;

const GUARD: &str = "kilnGuard";

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Whether the history entry's state is the studio's guard.
fn is_guard(state: &JsValue) -> bool {
    state.is_object() && get(state, GUARD).as_bool() == Some(true)
}

fn guard_state() -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &GUARD.into(), &JsValue::TRUE);
    o.into()
}

/// Puts the guard entry in place and watches traversals, for the page's lifetime.
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigation = get(&window, "navigation");
    let (Ok(history), Some(target)) = (
        window.history(),
        navigation.dyn_ref::<web_sys::EventTarget>().cloned(),
    ) else {
        return;
    };
    if !history.state().is_ok_and(|s| is_guard(&s)) {
        let _ = history.push_state(&guard_state(), "");
    }
    let on_navigate = gloo_events::EventListener::new(&target, "navigate", move |e| {
        let event: &JsValue = e.as_ref();
        if get(event, "navigationType").as_string().as_deref() != Some("traverse") {
            return;
        }
        let destination = get(event, "destination");
        let same_document = get(&destination, "sameDocument").as_bool() == Some(true);
        let to_guard = js_sys::Reflect::get(&destination, &"getState".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(&destination).ok())
            .is_some_and(|s| is_guard(&s));
        if !same_document || to_guard {
            return;
        }
        let person = get(event, "userInitiated").as_bool() == Some(true);
        // After this traversal has landed: forward again (a frame's doing), or on back (the
        // person's, who asked to leave).
        gloo_timers::callback::Timeout::new(0, move || {
            if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = if person { h.back() } else { h.forward() };
            }
        })
        .forget();
    });
    on_navigate.forget();
}
