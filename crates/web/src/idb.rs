//! The studio's IndexedDB store: saved conversations as JSON strings keyed by id.
//!
//! IndexedDB rather than localStorage: it holds far more than localStorage's few megabytes
//! (a conversation carries every version of its artifacts), and writes do not block the page.
//! What a record means is decided in `kiln_core::history`; this module only moves strings.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::{Closure, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

const DB_NAME: &str = "kiln";
const DB_VERSION: u32 = 1;
const STORE: &str = "conversations";

/// Waits for a request to succeed and gives its result.
async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let req = request.clone();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let r = req.clone();
        let ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
        });
        let r = req.clone();
        let failed = Closure::once_into_js(move |_: web_sys::Event| {
            let why = r
                .error()
                .ok()
                .flatten()
                .map_or_else(|| "unknown error".to_owned(), |e| e.message());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&why));
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| {
        e.as_string()
            .unwrap_or_else(|| "IndexedDB failed".to_owned())
    })
}

/// Opens (creating on first use) the studio's database.
pub async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("this browser gives the page no IndexedDB (private mode?)")?;
    let request = factory
        .open_with_u32(DB_NAME, DB_VERSION)
        .map_err(|_| "IndexedDB refused to open".to_owned())?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new({
        let request = request.clone();
        move |_| {
            if let Ok(db) = request.result().and_then(|r| r.dyn_into::<IdbDatabase>())
                && !db.object_store_names().contains(STORE)
            {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let db = done(&request).await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    db?.dyn_into::<IdbDatabase>()
        .map_err(|_| "IndexedDB gave no database".to_owned())
}

fn store(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<web_sys::IdbObjectStore, String> {
    db.transaction_with_str_and_mode(STORE, mode)
        .and_then(|t| t.object_store(STORE))
        .map_err(|_| "IndexedDB refused a transaction".to_owned())
}

/// Stores `record` under `id`, replacing what was there.
pub async fn put(db: &IdbDatabase, id: &str, record: &str) -> Result<(), String> {
    let request = store(db, IdbTransactionMode::Readwrite)?
        .put_with_key(&JsValue::from_str(record), &JsValue::from_str(id))
        .map_err(|_| "IndexedDB refused to save".to_owned())?;
    done(&request).await.map(|_| ())
}

/// Removes the record under `id`.
pub async fn delete(db: &IdbDatabase, id: &str) -> Result<(), String> {
    let request = store(db, IdbTransactionMode::Readwrite)?
        .delete(&JsValue::from_str(id))
        .map_err(|_| "IndexedDB refused to delete".to_owned())?;
    done(&request).await.map(|_| ())
}

/// The record under `id`, if there is one.
pub async fn get(db: &IdbDatabase, id: &str) -> Result<Option<String>, String> {
    let request = store(db, IdbTransactionMode::Readonly)?
        .get(&JsValue::from_str(id))
        .map_err(|_| "IndexedDB refused to read".to_owned())?;
    Ok(done(&request).await?.as_string())
}

/// Every stored record; values that are not strings are skipped.
pub async fn all(db: &IdbDatabase) -> Result<Vec<String>, String> {
    let request = store(db, IdbTransactionMode::Readonly)?
        .get_all()
        .map_err(|_| "IndexedDB refused to read".to_owned())?;
    let values = done(&request).await?;
    Ok(js_sys::Array::from(&values)
        .iter()
        .filter_map(|v| v.as_string())
        .collect())
}
