//! The studio's IndexedDB database: saved conversations, and what the studio keeps per app,
//! as strings keyed by id.
//!
//! IndexedDB rather than localStorage: it holds far more than localStorage's few megabytes
//! (a conversation carries every version of its artifacts), writes do not block the page, and
//! apps' data lives apart from the studio's own settings and keys, which stay in localStorage.
//! What a record means is decided in `kiln_core` (`history`, `sandbox::appdata`); this module
//! only moves strings.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::{Closure, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

const DB_NAME: &str = "kiln";
const DB_VERSION: u32 = 3;

/// Saved conversations (`kiln_core::history`).
pub const CONVERSATIONS: &str = "conversations";
/// Each app's small record: consent, data size, last use (`kiln_core::sandbox::appdata`).
pub const APP_META: &str = "app_meta";
/// Each app's saved data (its `localStorage`), as JSON.
pub const APP_DATA: &str = "app_data";
/// What each app keeps through `kiln.storage`, as JSON.
pub const APP_KV: &str = "app_kv";

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

/// Waits until the transaction of a write request has committed. A request's success is not
/// enough: a page that reloads before the commit loses the write, so a write is reported done
/// (and the page shows it done) only once a reload would find it.
async fn committed(request: &IdbRequest) -> Result<(), String> {
    let Some(tx) = request.transaction() else {
        return done(request).await.map(|_| ());
    };
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let t = tx.clone();
        let failed = Closure::once_into_js(move |_: web_sys::Event| {
            let why = t
                .error()
                .map_or_else(|| "the write was aborted".to_owned(), |e| e.message());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&why));
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        // A failed request aborts its transaction: `abort` comes after any `error`, once.
        tx.set_onabort(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(|e| {
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
            if let Ok(db) = request.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
                for name in [CONVERSATIONS, APP_META, APP_DATA, APP_KV] {
                    if !db.object_store_names().contains(name) {
                        let _ = db.create_object_store(name);
                    }
                }
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

fn store(
    db: &IdbDatabase,
    name: &str,
    mode: IdbTransactionMode,
) -> Result<web_sys::IdbObjectStore, String> {
    db.transaction_with_str_and_mode(name, mode)
        .and_then(|t| t.object_store(name))
        .map_err(|_| "IndexedDB refused a transaction".to_owned())
}

/// Stores `record` under `id` in the store `name`, replacing what was there.
pub async fn put(db: &IdbDatabase, name: &str, id: &str, record: &str) -> Result<(), String> {
    let request = store(db, name, IdbTransactionMode::Readwrite)?
        .put_with_key(&JsValue::from_str(record), &JsValue::from_str(id))
        .map_err(|_| "IndexedDB refused to save".to_owned())?;
    committed(&request).await
}

/// Removes the record under `id` from the store `name`.
pub async fn delete(db: &IdbDatabase, name: &str, id: &str) -> Result<(), String> {
    let request = store(db, name, IdbTransactionMode::Readwrite)?
        .delete(&JsValue::from_str(id))
        .map_err(|_| "IndexedDB refused to delete".to_owned())?;
    committed(&request).await
}

/// The record under `id` in the store `name`, if there is one.
pub async fn get(db: &IdbDatabase, name: &str, id: &str) -> Result<Option<String>, String> {
    let request = store(db, name, IdbTransactionMode::Readonly)?
        .get(&JsValue::from_str(id))
        .map_err(|_| "IndexedDB refused to read".to_owned())?;
    Ok(done(&request).await?.as_string())
}

/// Every record of the store `name`; values that are not strings are skipped.
pub async fn all(db: &IdbDatabase, name: &str) -> Result<Vec<String>, String> {
    let request = store(db, name, IdbTransactionMode::Readonly)?
        .get_all()
        .map_err(|_| "IndexedDB refused to read".to_owned())?;
    let values = done(&request).await?;
    Ok(js_sys::Array::from(&values)
        .iter()
        .filter_map(|v| v.as_string())
        .collect())
}

/// Every record of the store `name` with its key, read in one transaction; values that are
/// not strings are skipped.
pub async fn entries(db: &IdbDatabase, name: &str) -> Result<Vec<(String, String)>, String> {
    let store = store(db, name, IdbTransactionMode::Readonly)?;
    let keys = store
        .get_all_keys()
        .map_err(|_| "IndexedDB refused to read".to_owned())?;
    let values = store
        .get_all()
        .map_err(|_| "IndexedDB refused to read".to_owned())?;
    let (keys, values) = (done(&keys).await?, done(&values).await?);
    Ok(js_sys::Array::from(&keys)
        .iter()
        .zip(js_sys::Array::from(&values).iter())
        .filter_map(|(k, v)| Some((k.as_string()?, v.as_string()?)))
        .collect())
}
