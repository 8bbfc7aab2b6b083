//! What the studio keeps per app, by the identity the studio gives it (`kiln_core::sandbox::AppId`):
//! the person's consent and the app's saved data (its `localStorage` and its `kiln.storage`),
//! in IndexedDB, apart from the studio's own settings and keys.
//!
//! Every app's small record (consent, data size, last use) is read once when the page opens, so
//! consent is known before an app runs; each app's data is read when it first runs and kept in
//! memory for the tab. Changes are written at most every [`SAVE_AFTER_MS`], and past the global
//! cap the least recently used apps' data is evicted (`AppIndex::evict`). Data an older studio
//! kept in localStorage moves here once (`kiln_core::sandbox::appdata::plan_legacy`).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use kiln_core::history::{AppData, Conversation};
use kiln_core::sandbox::appdata::{APP_DATA_CAP_BYTES, AppIndex, AppMeta, plan_legacy};
use kiln_core::sandbox::live::{self, AppCall, AppReply, KV_QUOTA_BYTES};
use kiln_core::sandbox::{AppId, ArtifactStorage, Consent, StorageDelta};
use kiln_core::vec_map::VecSet;
use leptos::prelude::*;
use web_sys::IdbDatabase;

use crate::history::wall_clock_ms;
use crate::{browser, idb};

/// Changes to an app's data are written at most this often.
const SAVE_AFTER_MS: u64 = 1_000;

/// The IndexedDB key of data an older studio kept under a content hash, until it runs again.
fn legacy_key(old: &str) -> String {
    format!("legacy:{old}")
}

#[derive(Default)]
struct Inner {
    db: Option<IdbDatabase>,
    /// Set once the store is open (or known to be missing): until then, data waits.
    ready: bool,
    index: AppIndex,
    /// Hash maps, not `VecMap`s: every app shown or imported in this session stays here.
    data: HashMap<AppId, ArtifactStorage>,
    /// Each running app's `kiln.storage`, read with its data.
    kv: HashMap<AppId, ArtifactStorage>,
    legacy: VecSet<String>,
    dirty: VecSet<AppId>,
    saving: bool,
    last_save_ms: f64,
    /// Apps running now: never evicted.
    running: VecSet<AppId>,
}

/// The per-app store, shared through context by the page.
#[derive(Clone, Copy)]
pub struct Apps {
    inner: StoredValue<Inner, LocalStorage>,
    /// What went wrong last (shown by the page), if anything.
    pub message: RwSignal<Option<String>>,
}

impl Apps {
    pub fn new() -> Self {
        Self {
            inner: StoredValue::new_local(Inner::default()),
            message: RwSignal::new(None),
        }
    }

    /// Opens the store on `db` (or runs without one when it is `None`: data then lasts for the
    /// tab), reads every app's record and moves an older studio's data over. `conversations`
    /// are the saved ones as `(id, updated_ms, artifact ids)`, to find whose old data is whose.
    pub async fn attach(
        self,
        db: Option<IdbDatabase>,
        conversations: Vec<(String, f64, Vec<String>)>,
    ) {
        let mut index = AppIndex::default();
        let mut legacy = VecSet::new();
        if let Some(db) = &db {
            match idb::entries(db, idb::APP_META).await {
                Ok(records) => {
                    index = AppIndex::from_records(
                        records.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    );
                }
                Err(e) => self
                    .message
                    .set(Some(format!("Could not read the apps' records: {e}."))),
            }
            self.migrate(db, &conversations, &mut index, &mut legacy)
                .await;
        }
        self.inner.update_value(|i| {
            i.db = db;
            i.index = index;
            i.legacy = legacy;
            i.ready = true;
            i.last_save_ms = f64::NEG_INFINITY;
        });
        // A tab that closes with changes still waiting writes them as it goes.
        if let Some(w) = web_sys::window() {
            // For the page's lifetime, like the store itself.
            gloo_events::EventListener::new(&w, "pagehide", move |_| {
                if self.inner.with_value(|i| !i.dirty.is_empty()) {
                    leptos::task::spawn_local(self.save());
                }
            })
            .forget();
        }
    }

    async fn migrate(
        self,
        db: &IdbDatabase,
        conversations: &[(String, f64, Vec<String>)],
        index: &mut AppIndex,
        legacy: &mut VecSet<String>,
    ) {
        let old = browser::local_entries("kiln.");
        let plan = plan_legacy(&old, conversations);
        let now = wall_clock_ms();
        let mut failed = None;
        for (app, entries) in &plan.adopted {
            let storage = ArtifactStorage::from_entries(entries.clone());
            let meta = index.set_bytes(app, storage.bytes(), now);
            if let Err(e) = write(db, app, &storage, &meta).await {
                failed = Some(e);
            }
        }
        for (old_key, entries) in &plan.by_content {
            match serde_json::to_string(entries) {
                Ok(json) => match idb::put(db, idb::APP_DATA, &legacy_key(old_key), &json).await {
                    Ok(()) => {
                        legacy.insert(old_key.clone());
                    }
                    Err(e) => failed = Some(e),
                },
                Err(e) => failed = Some(e.to_string()),
            }
        }
        match failed {
            // Left where it was, to try again next time.
            Some(e) => self.message.set(Some(format!(
                "Could not move older app data out of this page's storage: {e}."
            ))),
            None => {
                for key in &plan.remove {
                    browser::remove(key);
                }
            }
        }
        if let Ok(keys) = idb::entries(db, idb::APP_DATA).await {
            legacy.extend(
                keys.into_iter()
                    .filter_map(|(k, _)| k.strip_prefix("legacy:").map(str::to_owned)),
            );
        }
    }

    /// What the person allowed `app`.
    pub fn consent(self, app: &AppId) -> Consent {
        self.inner.with_value(|i| i.index.consent(app))
    }

    /// Sets what the person allows `app`, and saves it.
    pub fn set_consent(self, app: &AppId, consent: Consent) {
        let meta = self
            .inner
            .try_update_value(|i| i.index.set_consent(app, consent, wall_clock_ms()));
        if let Some(meta) = meta {
            self.write_meta(app.clone(), meta);
        }
    }

    /// `app`'s saved data if it is already in memory.
    pub fn cached(self, app: &AppId) -> Option<ArtifactStorage> {
        self.inner.with_value(|i| i.data.get(app).cloned())
    }

    /// `app` is on screen: its data is never evicted while it is, and it counts as just used.
    /// Called each time it is shown, whether its data was in memory already or not.
    pub fn started(self, app: &AppId) {
        self.inner.update_value(|i| {
            i.running.insert(app.clone());
            i.index.touch(app, wall_clock_ms());
        });
    }

    /// `app`'s saved data, read from the store the first time (and claimed from an older
    /// studio's store under `old_key`, its content hash then). The caller marks it running
    /// ([`Apps::started`]) once it is still the app to show: the person may have moved on
    /// while this waited, and an app marked running after it stopped would never be evicted.
    pub async fn data(self, app: &AppId, old_key: Option<&str>) -> ArtifactStorage {
        // The store opens with the page; an app asked for before then waits for it (briefly).
        for _ in 0..100 {
            if self.inner.with_value(|i| i.ready) {
                break;
            }
            browser::sleep(Duration::from_millis(20)).await;
        }
        if let Some(d) = self.cached(app) {
            return d;
        }
        let db = self.inner.with_value(|i| i.db.clone());
        let mut storage = ArtifactStorage::default();
        if let Some(db) = &db {
            match idb::get(db, idb::APP_DATA, app.as_str()).await {
                Ok(Some(json)) => {
                    if let Ok(entries) = serde_json::from_str::<BTreeMap<String, String>>(&json) {
                        storage = ArtifactStorage::from_entries(entries);
                    }
                }
                Ok(None) => {}
                Err(e) => self
                    .message
                    .set(Some(format!("Could not read this app's data: {e}."))),
            }
            let claim = old_key
                .filter(|k| self.inner.with_value(|i| i.legacy.contains(*k)))
                .map(str::to_owned);
            if let Some(old) = claim
                && storage.entries().is_empty()
                && let Ok(Some(json)) = idb::get(db, idb::APP_DATA, &legacy_key(&old)).await
                && let Ok(entries) = serde_json::from_str::<BTreeMap<String, String>>(&json)
            {
                storage = ArtifactStorage::from_entries(entries);
                self.inner.update_value(|i| {
                    i.legacy.remove(&old);
                });
                self.adopt(app, storage.clone());
                let _ = idb::delete(db, idb::APP_DATA, &legacy_key(&old)).await;
            }
        }
        let mut kv = ArtifactStorage::with_quota(KV_QUOTA_BYTES);
        if let Some(db) = &db
            && let Ok(Some(json)) = idb::get(db, idb::APP_KV, app.as_str()).await
            && let Ok(entries) = serde_json::from_str::<live::KvEntries>(&json)
        {
            kv = kv.with_entries(entries);
        }
        self.inner.update_value(|i| {
            i.data.entry(app.clone()).or_insert_with(|| storage.clone());
            i.kv.entry(app.clone()).or_insert(kv);
        });
        self.cached(app).unwrap_or(storage)
    }

    /// Does a `kiln.storage` call of `app` (on its own store, whatever the call says) and says
    /// what to answer; a change is kept in memory now and written soon.
    pub fn kv_call(self, app: &AppId, call: AppCall) -> AppReply {
        let outcome = self.inner.try_update_value(|i| {
            let store =
                i.kv.entry(app.clone())
                    .or_insert_with(|| ArtifactStorage::with_quota(KV_QUOTA_BYTES));
            let (reply, changed) = live::storage_call(store, call);
            if changed {
                let bytes = store.bytes();
                i.index.set_kv_bytes(app, bytes, wall_clock_ms());
                i.dirty.insert(app.clone());
            }
            (reply, changed)
        });
        let Some((reply, changed)) = outcome else {
            return AppReply::error(&live::CallError::Unavailable("kiln.storage: not ready"));
        };
        if changed {
            self.schedule_save();
        }
        reply
    }

    /// Keeps what an imported conversation's apps kept (by artifact id), replacing what they
    /// kept here; consent is not touched.
    pub fn import_data(self, conversation: &str, data: BTreeMap<String, AppData>) {
        if data.is_empty() {
            return;
        }
        self.inner.update_value(|i| {
            let now = wall_clock_ms();
            for (artifact, d) in data {
                let app = AppId::in_conversation(conversation, &artifact);
                let local = ArtifactStorage::from_entries(d.local);
                let kv = ArtifactStorage::with_quota(KV_QUOTA_BYTES).with_entries(d.kv);
                i.index.set_bytes(&app, local.bytes(), now);
                i.index.set_kv_bytes(&app, kv.bytes(), now);
                i.data.insert(app.clone(), local);
                i.kv.insert(app.clone(), kv);
                i.dirty.insert(app);
            }
        });
        self.schedule_save();
    }

    /// `app` is no longer on screen (it may be evicted again).
    pub fn stopped(self, app: &AppId) {
        self.inner.update_value(|i| {
            i.running.remove(app);
        });
    }

    /// Applies changes an app made to its data (checked against its quota here, whatever the
    /// frame claimed): kept in memory now, written soon. Returns how many writes were refused.
    pub fn apply(self, app: &AppId, delta: &StorageDelta) -> u32 {
        let outcome = self.inner.try_update_value(|i| {
            let data = i.data.entry(app.clone()).or_default();
            let (changed, refused) = data.apply(delta);
            if changed {
                let bytes = data.bytes();
                i.index.set_bytes(app, bytes, wall_clock_ms());
                i.dirty.insert(app.clone());
            }
            (changed, refused)
        });
        let (changed, refused) = outcome.unwrap_or((false, 0));
        if changed {
            self.schedule_save();
        }
        refused
    }

    fn adopt(self, app: &AppId, storage: ArtifactStorage) {
        self.inner.update_value(|i| {
            i.index.set_bytes(app, storage.bytes(), wall_clock_ms());
            i.data.insert(app.clone(), storage);
            i.dirty.insert(app.clone());
        });
        self.schedule_save();
    }

    /// Forgets the apps of a deleted conversation: their consent and data.
    pub fn forget_conversation(self, conversation: &str) {
        let (gone, db) = self
            .inner
            .try_update_value(|i| {
                let gone = i.index.forget_conversation(conversation);
                for app in &gone {
                    i.data.remove(app);
                    i.kv.remove(app);
                    i.dirty.remove(app);
                }
                (gone, i.db.clone())
            })
            .unwrap_or_default();
        let Some(db) = db else { return };
        leptos::task::spawn_local(async move {
            for app in gone {
                let _ = idb::delete(&db, idb::APP_META, app.as_str()).await;
                let _ = idb::delete(&db, idb::APP_DATA, app.as_str()).await;
                let _ = idb::delete(&db, idb::APP_KV, app.as_str()).await;
            }
        });
    }

    /// Withdraws the consent given to the apps of a conversation an import replaced.
    pub fn revoke_conversation(self, conversation: &str) {
        let revoked = self
            .inner
            .try_update_value(|i| i.index.revoke_conversation(conversation))
            .unwrap_or_default();
        for (app, meta) in revoked {
            self.write_meta(app, meta);
        }
    }

    fn write_meta(self, app: AppId, meta: AppMeta) {
        let Some(db) = self.inner.with_value(|i| i.db.clone()) else {
            return;
        };
        let message = self.message;
        leptos::task::spawn_local(async move {
            let done = match serde_json::to_string(&meta) {
                Ok(json) => idb::put(&db, idb::APP_META, app.as_str(), &json).await,
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = done {
                message.set(Some(format!(
                    "Could not save what you allowed this app: {e}."
                )));
            }
        });
    }

    /// Saves now if the last save was long enough ago, else once that time has passed: the
    /// first change after a quiet spell is on disk at once (a reload right after loses
    /// nothing), a storm of changes costs one save a second.
    fn schedule_save(self) {
        let now = browser::now_ms();
        let wait = self.inner.try_update_value(|i| {
            if std::mem::replace(&mut i.saving, true) {
                return None;
            }
            Some(i.last_save_ms + SAVE_AFTER_MS as f64 - now)
        });
        let Some(Some(wait)) = wait else {
            return;
        };
        leptos::task::spawn_local(async move {
            if wait > 0.0 {
                browser::sleep(Duration::from_millis(wait as u64)).await;
            }
            self.save().await;
        });
    }

    /// Writes every changed app, then evicts past the global cap.
    async fn save(self) {
        let (db, work) = self
            .inner
            .try_update_value(|i| {
                i.saving = false;
                i.last_save_ms = browser::now_ms();
                let dirty = std::mem::take(&mut i.dirty);
                let work: Vec<(AppId, Stores, AppMeta)> = dirty
                    .into_iter()
                    .filter_map(|app| {
                        let stores = Stores {
                            data: i.data.get(&app).cloned(),
                            kv: i.kv.get(&app).cloned(),
                        };
                        let meta = i.index.get(&app)?.clone();
                        Some((app, stores, meta))
                    })
                    .collect();
                (i.db.clone(), work)
            })
            .unwrap_or_default();
        let Some(db) = db else {
            return;
        };
        for (app, stores, meta) in &work {
            if let Err(e) = write_stores(&db, app, stores, meta).await {
                self.message
                    .set(Some(format!("Could not save an app's data: {e}.")));
            }
        }
        let evicted = self
            .inner
            .try_update_value(|i| {
                let running: Vec<AppId> = i.running.iter().cloned().collect();
                let keep: Vec<&AppId> = running.iter().collect();
                let gone = i.index.evict(APP_DATA_CAP_BYTES, &keep);
                gone.into_iter()
                    .map(|app| {
                        i.data.remove(&app);
                        i.kv.remove(&app);
                        let meta = i.index.get(&app).cloned().unwrap_or_default();
                        (app, meta)
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for (app, meta) in evicted {
            let _ = idb::delete(&db, idb::APP_DATA, app.as_str()).await;
            let _ = idb::delete(&db, idb::APP_KV, app.as_str()).await;
            if let Ok(json) = serde_json::to_string(&meta) {
                let _ = idb::put(&db, idb::APP_META, app.as_str(), &json).await;
            }
        }
    }
}

/// What the apps of `conversation` keep, by artifact id, as saved in `db` (for an export).
pub async fn export_data(
    db: &IdbDatabase,
    conversation: &Conversation,
) -> BTreeMap<String, AppData> {
    let read = |name: &'static str, app: AppId| async move {
        idb::get(db, name, app.as_str())
            .await
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str::<BTreeMap<String, String>>(&json).ok())
            .unwrap_or_default()
    };
    let mut out = BTreeMap::new();
    for artifact in conversation.artifact_ids() {
        let app = AppId::in_conversation(&conversation.id, &artifact);
        let data = AppData {
            local: read(idb::APP_DATA, app.clone()).await,
            kv: read(idb::APP_KV, app).await,
        };
        if !data.is_empty() {
            out.insert(artifact, data);
        }
    }
    out
}

/// An app's two stores as they are in memory (either may not be loaded).
struct Stores {
    data: Option<ArtifactStorage>,
    kv: Option<ArtifactStorage>,
}

/// Writes an app's stores that are in memory, and its record.
async fn write_stores(
    db: &IdbDatabase,
    app: &AppId,
    stores: &Stores,
    meta: &AppMeta,
) -> Result<(), String> {
    if let Some(kv) = &stores.kv {
        put_or_delete(db, idb::APP_KV, app, kv).await?;
    }
    match &stores.data {
        Some(data) => write(db, app, data, meta).await,
        None => put_meta(db, app, meta).await,
    }
}

/// Writes a store's entries under `app`, or deletes the record when there are none.
async fn put_or_delete(
    db: &IdbDatabase,
    name: &str,
    app: &AppId,
    store: &ArtifactStorage,
) -> Result<(), String> {
    if store.entries().is_empty() {
        idb::delete(db, name, app.as_str()).await
    } else {
        let json = serde_json::to_string(store.entries()).map_err(|e| e.to_string())?;
        idb::put(db, name, app.as_str(), &json).await
    }
}

/// Writes an app's record, or deletes it when nothing is worth keeping.
async fn put_meta(db: &IdbDatabase, app: &AppId, meta: &AppMeta) -> Result<(), String> {
    if meta.is_empty() {
        idb::delete(db, idb::APP_META, app.as_str()).await
    } else {
        let json = serde_json::to_string(meta).map_err(|e| e.to_string())?;
        idb::put(db, idb::APP_META, app.as_str(), &json).await
    }
}

/// Writes one app's data (or deletes it when empty) and its record.
async fn write(
    db: &IdbDatabase,
    app: &AppId,
    data: &ArtifactStorage,
    meta: &AppMeta,
) -> Result<(), String> {
    put_or_delete(db, idb::APP_DATA, app, data).await?;
    put_meta(db, app, meta).await
}
