//! The studio's side of a sandbox runner: the port it talks over, and what the whole page
//! tells every runner about the person.
//!
//! Each run gets a runner frame and a fresh `MessageChannel`: the studio keeps one end and
//! hands the other to the runner, with a `ToFrame::Run`. Everything that comes back is one
//! `kiln_core::sandbox::Batch` string at a time, checked and parsed by the core. The studio
//! never listens to `window` messages, only to the ports it created.
//!
//! Focus: the runner judges who moved the keyboard focus into an app from its own user
//! activation, which needs to know when the person last used the studio; [`use_studio_input`]
//! tells it (every pointer press, and keys at most every [`KEY_EVERY_MS`]). When the app took
//! the focus, the studio puts it back where the person was ([`LastFocus::restore`]).

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// A studio key press is told to runners at most this often (a press of the pointer always).
const KEY_EVERY_MS: f64 = 200.0;

/// The live connection to one runner; dropping it closes the port and frees the callback.
pub struct Connection {
    port: web_sys::MessagePort,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Connection {
    /// Hands the runner in `frame` one end of a new channel and `run`; every batch it sends
    /// back goes to `on_batch`. `None` if the frame is gone or refuses.
    pub fn open<M: serde::Serialize>(
        frame: &web_sys::HtmlIFrameElement,
        run: &M,
        mut on_batch: impl FnMut(String) + 'static,
    ) -> Option<Self> {
        let target = frame.content_window()?;
        let channel = web_sys::MessageChannel::new().ok()?;
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                if let Some(data) = e.data().as_string() {
                    on_batch(data);
                }
            });
        let port = channel.port1();
        port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let hello = js_sys::Object::new();
        js_sys::Reflect::set(&hello, &"kiln".into(), &"connect".into()).ok()?;
        let transfer = js_sys::Array::of1(&channel.port2());
        // The runner is sandboxed (opaque origin), so no target origin can name it; it was
        // framed from the sandbox origin a moment ago and cannot have been navigated.
        target
            .post_message_with_transfer(&hello, "*", &transfer)
            .ok()?;
        let connection = Self {
            port,
            _on_message: on_message,
        };
        connection.send(run);
        Some(connection)
    }

    /// Hands the runner `bytes` in a message `{v, type, runtime, bytes}`, the buffer
    /// transferred, not copied (a runtime is megabytes).
    pub fn send_bytes(&self, v: u32, kind: &str, runtime: &str, bytes: &js_sys::ArrayBuffer) {
        let message = js_sys::Object::new();
        let set = |k: &str, value: &JsValue| js_sys::Reflect::set(&message, &k.into(), value);
        if set("v", &JsValue::from(v)).is_err()
            || set("type", &JsValue::from_str(kind)).is_err()
            || set("runtime", &JsValue::from_str(runtime)).is_err()
            || set("bytes", bytes).is_err()
        {
            return;
        }
        let transfer = js_sys::Array::of1(bytes);
        let _ = self
            .port
            .post_message_with_transferable(&message, &transfer);
    }

    /// Tells the runner why the studio has no bytes for `runtime`.
    pub fn send_error(&self, v: u32, kind: &str, runtime: &str, error: &str) {
        let message = js_sys::Object::new();
        for (k, value) in [("type", kind), ("runtime", runtime), ("error", error)] {
            if js_sys::Reflect::set(&message, &k.into(), &JsValue::from_str(value)).is_err() {
                return;
            }
        }
        if js_sys::Reflect::set(&message, &"v".into(), &JsValue::from(v)).is_ok() {
            let _ = self.port.post_message(&message);
        }
    }

    /// Sends the runner a command (a `kiln_core::sandbox::ToFrame`, or a code runner's command).
    pub fn send<M: serde::Serialize>(&self, msg: &M) {
        if let Ok(json) = serde_json::to_string(msg) {
            let _ = self.port.post_message(&json.into());
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.port.set_onmessage(None);
        self.port.close();
    }
}

/// Calls `tell(at_ms)` (wall clock) whenever the person presses the pointer anywhere in the
/// studio, or a key (at most every [`KEY_EVERY_MS`]). Listens in the capture phase, so nothing
/// in the page can hide an input from it; removed with the calling component.
pub fn use_studio_input(tell: impl Fn(f64) + 'static) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let tell = Rc::new(tell);
    let last_key = Cell::new(f64::NEG_INFINITY);
    let capture = EventListenerOptions::run_in_capture_phase;
    let on_pointer = {
        let tell = tell.clone();
        EventListener::new_with_options(&document, "pointerdown", capture(), move |_| {
            tell(js_sys::Date::now());
        })
    };
    let on_key = EventListener::new_with_options(&document, "keydown", capture(), move |_| {
        let now = js_sys::Date::now();
        if now - last_key.get() >= KEY_EVERY_MS {
            last_key.set(now);
            tell(now);
        }
    });
    // Dropping the listeners removes them.
    let listeners = StoredValue::new_local(Some((on_pointer, on_key)));
    on_cleanup(move || {
        listeners.try_update_value(Option::take);
    });
}

/// Where the person last was in the studio (the element that last had the focus, other than
/// an app's frame), so focus an app took can be put back.
#[derive(Clone, Copy)]
pub struct LastFocus {
    element: StoredValue<Option<web_sys::HtmlElement>, LocalStorage>,
}

impl LastFocus {
    /// Starts following the focus in the studio; stops with the calling component.
    pub fn follow() -> Self {
        let element = StoredValue::new_local(None::<web_sys::HtmlElement>);
        let this = Self { element };
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return this;
        };
        let on_focus = EventListener::new_with_options(
            &document,
            "focusin",
            EventListenerOptions::run_in_capture_phase(),
            move |e| {
                let target = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(el) = target
                    && el.dyn_ref::<web_sys::HtmlIFrameElement>().is_none()
                {
                    element.set_value(Some(el));
                }
            },
        );
        // Dropping the listener removes it.
        let listener = StoredValue::new_local(Some(on_focus));
        on_cleanup(move || {
            listener.try_update_value(Option::take);
        });
        this
    }

    /// Puts the focus back where the person was (the prompt box if nowhere yet). After the
    /// current task: focus moved inside the event that reported the taking does not stick.
    pub fn restore(self) {
        let element = self
            .element
            .get_value()
            .filter(|e| e.is_connected())
            .or_else(|| {
                web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("prompt"))
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            });
        let Some(element) = element else {
            return;
        };
        Timeout::new(0, move || {
            let _ = element.focus();
        })
        .forget();
    }
}
