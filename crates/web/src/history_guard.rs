//! Keeps the tab on the studio when a frame an app made calls `history.back()`.
//!
//! The bridge gives each app a history of its own, but a frame the app creates itself runs
//! without the bridge, and in Firefox its `history.back()` walks the whole tab's history: back
//! past the studio, to the page before it (measured in Firefox 153; Chromium and WebKit keep
//! it to the frame). So the studio keeps a few entries of its own on top of the page's, and
//! when a traversal that the person did not start (the Navigation API's `userInitiated`) lands
//! on one below the top, goes back to the top. Several, not one: a frame that calls `back()`
//! then `go(-2)` would otherwise reach the page before the studio while the first step is being
//! undone. The person's own Back still leaves in one press: the studio finishes the traversal
//! they started, to the page before its entries. Browsers without the Navigation API (WebKit)
//! are left as they are; there a frame's `back()` stays within the frame anyway.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::{Closure, JsValue};

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

/// How many entries the studio keeps on top of its page's own.
const GUARDS: u32 = 4;

/// The studio's own entries in the tab's history: the lowest index, the highest, and the
/// highest's key.
fn studio_span(navigation: &JsValue) -> Option<(f64, f64, JsValue)> {
    let entries = js_sys::Reflect::get(navigation, &"entries".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?
        .call0(navigation)
        .ok()?;
    let mut span: Option<(f64, f64, JsValue)> = None;
    for e in js_sys::Array::from(&entries).iter() {
        let Some(i) = get(&e, "index").as_f64() else {
            continue;
        };
        if get(&e, "sameDocument").as_bool() != Some(true) {
            continue;
        }
        span = Some(match span {
            Some((lo, hi, key)) if i <= hi => (lo.min(i), hi, key),
            Some((lo, _, _)) => (lo.min(i), i, get(&e, "key")),
            None => (i, i, get(&e, "key")),
        });
    }
    span
}

/// Puts the guard entries in place and watches traversals, for the page's lifetime.
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
        for _ in 0..GUARDS {
            let _ = history.push_state(&guard_state(), "");
        }
    }
    let on_navigate = gloo_events::EventListener::new(&target, "navigate", move |e| {
        let event: &JsValue = e.as_ref();
        if get(event, "navigationType").as_string().as_deref() != Some("traverse") {
            return;
        }
        let destination = get(event, "destination");
        if get(&destination, "sameDocument").as_bool() != Some(true) {
            return;
        }
        let Some((base, top, top_key)) = studio_span(&navigation) else {
            return;
        };
        let to = get(&destination, "index").as_f64().unwrap_or(top);
        let from = get(&get(&navigation, "currentEntry"), "index")
            .as_f64()
            .unwrap_or(top);
        let person = get(event, "userInitiated").as_bool() == Some(true);
        // To the top: the studio's own step, or the person's Forward. A person's step forward
        // that stops short of the top stays where they put it.
        if to >= top || (person && to > from) {
            return;
        }
        let navigation = navigation.clone();
        // After this traversal has landed: back to the top (a frame's doing), or on to the
        // page before the studio (the person's Back, who asked to leave).
        gloo_timers::callback::Timeout::new(0, move || {
            if person {
                // One before the studio's first entry: the page the person came from, which
                // `entries()` does not list when it is on another site (base is then 0). With
                // no page before, the browser ignores a step out of range.
                if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
                    #[allow(clippy::cast_possible_truncation)]
                    let _ = h.go_with_delta((base - 1.0 - to) as i32);
                }
            } else if let Ok(f) = js_sys::Reflect::get(&navigation, &"traverseTo".into())
                .and_then(|f| f.dyn_into::<js_sys::Function>())
            {
                // By key, not by a count of steps: frames' entries sit between the studio's.
                if let Ok(result) = f.call1(&navigation, &top_key) {
                    // Another traversal may cut this one short; that is not the page's error.
                    for step in ["committed", "finished"] {
                        if let Ok(p) = get(&result, step).dyn_into::<js_sys::Promise>() {
                            let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
                            let _ = p.catch(&ignore);
                            ignore.forget();
                        }
                    }
                }
            }
        })
        .forget();
    });
    on_navigate.forget();
}
