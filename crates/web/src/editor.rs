//! The Code tab's editor: CodeMirror 6, built by `web/editor/build.mjs` into one module that is
//! loaded the first time someone edits code (its hashed name is in index.html's
//! `<meta name="kiln-editor">`), so the page's first load does not carry it.

use wasm_bindgen::{JsCast, JsValue};

/// An editor in the page; dropping it removes it.
pub struct Editor {
    handle: JsValue,
}

impl Editor {
    /// Puts an editor holding `doc` into `parent`, highlighting it as `language` (an artifact
    /// kind or a language name). Loads CodeMirror first if the page has not yet.
    pub async fn open(
        parent: &web_sys::HtmlElement,
        doc: &str,
        language: &str,
    ) -> Result<Self, String> {
        let api = load().await?;
        let create = js_sys::Reflect::get(&api, &"create".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or("the editor module has no create function")?;
        let handle = create
            .call3(&api, parent, &doc.into(), &language.into())
            .map_err(|_| "the editor could not start".to_owned())?;
        Ok(Self { handle })
    }

    /// The text as edited.
    pub fn text(&self) -> String {
        self.call("text")
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    }

    fn call(&self, name: &str) -> Option<JsValue> {
        let f = js_sys::Reflect::get(&self.handle, &name.into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        f.call0(&self.handle).ok()
    }
}

impl Drop for Editor {
    fn drop(&mut self) {
        let _ = self.call("destroy");
    }
}

/// `window.kilnEditor`, loading the module when it is not there yet.
async fn load() -> Result<JsValue, String> {
    let window = web_sys::window().ok_or("no window")?;
    let present = |w: &web_sys::Window| {
        js_sys::Reflect::get(w, &"kilnEditor".into())
            .ok()
            .filter(|v| v.is_object())
    };
    if let Some(api) = present(&window) {
        return Ok(api);
    }
    let doc = window.document().ok_or("no document")?;
    let src = crate::browser::meta("kiln-editor")
        .filter(|s| !s.is_empty())
        .ok_or("this build has no code editor")?;
    if doc
        .query_selector("script[data-kiln-editor]")
        .ok()
        .flatten()
        .is_none()
    {
        let script = doc
            .create_element("script")
            .map_err(|_| "could not add the editor's script")?;
        let _ = script.set_attribute("type", "module");
        let _ = script.set_attribute("src", &src);
        let _ = script.set_attribute("data-kiln-editor", "");
        doc.head()
            .ok_or("no head")?
            .append_child(&script)
            .map_err(|_| "could not add the editor's script")?;
    }
    // A module has no load callback we can await from here without more glue; it is small and
    // local, so poll for what it defines, for at most 10 s.
    for _ in 0..200 {
        crate::browser::sleep(std::time::Duration::from_millis(50)).await;
        if let Some(api) = present(&window) {
            return Ok(api);
        }
    }
    Err(format!("the code editor ({src}) did not load"))
}
