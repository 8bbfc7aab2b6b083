//! What the studio keeps per app, and how much of it: the person's consent, the size of the
//! app's saved data, when it was last used, and which apps' data to evict past a global cap.
//!
//! Apps' data lives in the studio's IndexedDB, apart from the studio's own settings and keys
//! (an app that wrote its quota under many identities once filled the studio's localStorage,
//! and a provider key saved afterwards was lost). Each app's data is capped by
//! [`super::STORAGE_QUOTA_BYTES`]; all apps together by [`APP_DATA_CAP_BYTES`], past which the
//! least recently used apps' data goes. The consent stays: it is the person's decision, small,
//! and it never grows because of anything an app does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AppId, Consent};

/// The most all apps' saved data may take together, in bytes of keys and values.
pub const APP_DATA_CAP_BYTES: usize = 64 * 1024 * 1024;

/// One app's small record: always loaded, so consent is known before the app runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppMeta {
    /// What the person allowed this app (network origins, popups, …).
    pub consent: Consent,
    /// Bytes of its saved `localStorage` data (keys and values).
    pub bytes: usize,
    /// Bytes of what it keeps through `kiln.storage` (keys and values).
    pub kv_bytes: usize,
    /// When it last ran or saved, in milliseconds of the wall clock.
    pub used_ms: f64,
}

impl AppMeta {
    /// Whether nothing is worth keeping: no consent and no data.
    pub fn is_empty(&self) -> bool {
        self.consent.is_empty() && self.bytes == 0 && self.kv_bytes == 0
    }

    /// Both stores' bytes.
    pub fn total(&self) -> usize {
        self.bytes + self.kv_bytes
    }
}

/// Every app's record, by identity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppIndex {
    apps: BTreeMap<AppId, AppMeta>,
}

impl AppIndex {
    /// An index of the records read back from the store; unreadable identities are skipped.
    pub fn from_records<'a>(records: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let apps = records
            .into_iter()
            .filter_map(|(id, json)| Some((AppId::parse(id)?, serde_json::from_str(json).ok()?)))
            .collect();
        Self { apps }
    }

    /// An app's record, if it has one.
    pub fn get(&self, id: &AppId) -> Option<&AppMeta> {
        self.apps.get(id)
    }

    /// What the person allowed `id` (nothing, for an app never seen).
    pub fn consent(&self, id: &AppId) -> Consent {
        self.apps
            .get(id)
            .map(|m| m.consent.clone())
            .unwrap_or_default()
    }

    /// Sets what the person allows `id`; returns the record to save.
    pub fn set_consent(&mut self, id: &AppId, consent: Consent, now_ms: f64) -> AppMeta {
        let meta = self.apps.entry(id.clone()).or_default();
        meta.consent = consent;
        meta.used_ms = now_ms;
        meta.clone()
    }

    /// Records that `id` now keeps `bytes` of data; returns the record to save.
    pub fn set_bytes(&mut self, id: &AppId, bytes: usize, now_ms: f64) -> AppMeta {
        let meta = self.apps.entry(id.clone()).or_default();
        meta.bytes = bytes;
        meta.used_ms = now_ms;
        meta.clone()
    }

    /// Records that `id` now keeps `bytes` through `kiln.storage`; returns the record to save.
    pub fn set_kv_bytes(&mut self, id: &AppId, bytes: usize, now_ms: f64) -> AppMeta {
        let meta = self.apps.entry(id.clone()).or_default();
        meta.kv_bytes = bytes;
        meta.used_ms = now_ms;
        meta.clone()
    }

    /// Records that `id` ran now (for the eviction order).
    pub fn touch(&mut self, id: &AppId, now_ms: f64) {
        if let Some(meta) = self.apps.get_mut(id) {
            meta.used_ms = now_ms;
        }
    }

    /// All apps' data together.
    pub fn total_bytes(&self) -> usize {
        self.apps.values().map(AppMeta::total).sum()
    }

    /// Whose data to delete so that all of it fits in `cap`: least recently used first, never
    /// an app in `keep` (the one running). Their records are updated to hold no data; the
    /// caller deletes the data itself.
    pub fn evict(&mut self, cap: usize, keep: &[&AppId]) -> Vec<AppId> {
        let mut total = self.total_bytes();
        if total <= cap {
            return Vec::new();
        }
        let mut order: Vec<(&AppId, &AppMeta)> = self
            .apps
            .iter()
            .filter(|(id, m)| m.total() > 0 && !keep.contains(id))
            .collect();
        order.sort_by(|a, b| a.1.used_ms.total_cmp(&b.1.used_ms).then(a.0.cmp(b.0)));
        let mut out = Vec::new();
        for (id, meta) in order {
            if total <= cap {
                break;
            }
            total -= meta.total();
            out.push(id.clone());
        }
        for id in &out {
            if let Some(m) = self.apps.get_mut(id) {
                m.bytes = 0;
                m.kv_bytes = 0;
            }
        }
        out
    }

    /// The apps of a conversation.
    fn of_conversation(&self, conversation: &str) -> Vec<AppId> {
        let prefix = AppId::conversation_prefix(conversation);
        self.apps
            .keys()
            .filter(|id| id.as_str().starts_with(&prefix))
            .cloned()
            .collect()
    }

    /// Forgets every app of a deleted conversation: their consent and data. Returns the
    /// identities whose records and data to delete.
    pub fn forget_conversation(&mut self, conversation: &str) -> Vec<AppId> {
        let gone = self.of_conversation(conversation);
        for id in &gone {
            self.apps.remove(id);
        }
        gone
    }

    /// Withdraws what the person allowed the apps of a conversation that an import replaced:
    /// a file from elsewhere never carries consent, even under an id this browser knows.
    /// Returns the records to save.
    pub fn revoke_conversation(&mut self, conversation: &str) -> Vec<(AppId, AppMeta)> {
        let mut out = Vec::new();
        for id in self.of_conversation(conversation) {
            if let Some(meta) = self.apps.get_mut(&id)
                && !meta.consent.is_empty()
            {
                meta.consent = Consent::default();
                out.push((id, meta.clone()));
            }
        }
        out
    }
}

/// Where the data an older studio kept in its own localStorage goes now.
///
/// It was kept as `kiln.storage.<key>`, the key being the artifact's model-chosen id or, for
/// an app without one, `c` and a 64-bit FNV hash of its content; consent as
/// `kiln.consent.<key>`. Data under an id goes to the most recently updated saved conversation
/// that has an artifact of that id (the app that wrote it last was most likely that one);
/// data under a content hash is kept aside until the same content runs again; data nobody can
/// be found for is dropped. Consent is never carried over: it was given to a name any app
/// could take, so the person is asked again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegacyPlan {
    /// Data to keep for an app of a saved conversation.
    pub adopted: Vec<(AppId, BTreeMap<String, String>)>,
    /// Data under an old content key (`c` + 16 hex), until that content runs again.
    pub by_content: Vec<(String, BTreeMap<String, String>)>,
    /// Every old localStorage key, to remove once the rest is saved.
    pub remove: Vec<String>,
}

/// Plans the move of an older studio's per-app localStorage entries (`(key, value)` pairs, all
/// of them; others are ignored) given the saved conversations as `(id, updated_ms, artifact
/// ids)`.
pub fn plan_legacy(
    local: &[(String, String)],
    conversations: &[(String, f64, Vec<String>)],
) -> LegacyPlan {
    let mut plan = LegacyPlan::default();
    for (key, value) in local {
        if key.starts_with("kiln.consent.") {
            plan.remove.push(key.clone());
            continue;
        }
        let Some(old) = key.strip_prefix("kiln.storage.") else {
            continue;
        };
        plan.remove.push(key.clone());
        let Ok(entries) = serde_json::from_str::<BTreeMap<String, String>>(value) else {
            continue;
        };
        if entries.is_empty() {
            continue;
        }
        if is_old_content_key(old) {
            plan.by_content.push((old.to_owned(), entries));
            continue;
        }
        let owner = conversations
            .iter()
            .filter(|(_, _, ids)| ids.iter().any(|i| i == old))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((conversation, _, _)) = owner {
            plan.adopted
                .push((AppId::in_conversation(conversation, old), entries));
        }
    }
    plan
}

/// `c` and 16 hex digits: how an older studio keyed an app without an id.
pub fn is_old_content_key(key: &str) -> bool {
    key.len() == 17 && key.starts_with('c') && key[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Origin;

    fn id(n: &str) -> AppId {
        AppId::in_conversation("conv", n)
    }

    #[test]
    fn eviction_takes_the_least_recently_used_until_it_fits_and_spares_the_running_app() {
        let mut index = AppIndex::default();
        index.set_bytes(&id("old"), 40, 1.0);
        index.set_bytes(&id("mid"), 25, 2.0);
        index.set_kv_bytes(&id("mid"), 15, 2.0);
        index.set_bytes(&id("new"), 40, 3.0);
        index.set_bytes(&id("running"), 30, 0.5);
        index.set_kv_bytes(&id("running"), 10, 0.5);
        index.touch(&id("mid"), 5.0);
        assert_eq!(index.evict(200, &[]), Vec::<AppId>::new());
        let gone = index.evict(90, &[&id("running")]);
        assert_eq!(gone, [id("old"), id("new")]);
        assert_eq!(index.total_bytes(), 80);
        assert_eq!(index.get(&id("old")).map(AppMeta::total), Some(0));
        // Nothing else can go: the running app stays even over the cap.
        assert_eq!(index.evict(10, &[&id("running")]), [id("mid")]);
        assert_eq!(index.total_bytes(), 40);
    }

    #[test]
    fn eviction_keeps_consent_and_forgetting_a_conversation_drops_both() {
        let mut index = AppIndex::default();
        let granted = Consent {
            network: vec![Origin::parse("https://api.example.org").unwrap()],
            ..Consent::default()
        };
        index.set_consent(&id("a"), granted.clone(), 1.0);
        index.set_bytes(&id("a"), 10, 1.0);
        let other = AppId::in_conversation("other", "a");
        index.set_consent(&other, granted.clone(), 1.0);
        index.evict(0, &[]);
        assert_eq!(index.consent(&id("a")), granted);
        // An import that replaces the conversation takes the consent, not the data.
        index.set_bytes(&id("a"), 10, 2.0);
        let revoked = index.revoke_conversation("conv");
        assert_eq!(revoked.len(), 1);
        assert!(revoked[0].1.consent.is_empty() && revoked[0].1.bytes == 10);
        assert!(index.consent(&id("a")).is_empty());
        assert_eq!(index.consent(&other), granted);
        assert!(index.revoke_conversation("conv").is_empty());
        index.set_consent(&id("a"), granted.clone(), 3.0);
        assert_eq!(index.forget_conversation("conv"), [id("a")]);
        assert!(index.consent(&id("a")).is_empty());
        assert_eq!(index.consent(&other), granted);
    }

    #[test]
    fn records_read_back_and_bad_ones_are_skipped() {
        let a = id("a");
        let good = serde_json::to_string(&AppMeta {
            bytes: 3,
            ..AppMeta::default()
        })
        .unwrap();
        let index = AppIndex::from_records([
            (a.as_str(), good.as_str()),
            ("weather", good.as_str()),
            (id("b").as_str(), "not json"),
        ]);
        assert_eq!(index.total_bytes(), 3);
        assert!(index.get(&id("b")).is_none());
    }

    #[test]
    fn legacy_data_goes_to_its_likely_owner_and_consent_is_not_carried() {
        let local = vec![
            (
                "kiln.storage.weather".to_owned(),
                r#"{"city":"Oslo"}"#.to_owned(),
            ),
            (
                "kiln.consent.weather".to_owned(),
                r#"{"network":["https://x.org"]}"#.to_owned(),
            ),
            (
                "kiln.storage.c0123456789abcdef".to_owned(),
                r#"{"n":"1"}"#.to_owned(),
            ),
            ("kiln.storage.orphan".to_owned(), r#"{"n":"2"}"#.to_owned()),
            ("kiln.storage.empty".to_owned(), "{}".to_owned()),
            ("kiln.storage.broken".to_owned(), "{".to_owned()),
            ("kiln.key.anthropic".to_owned(), "sk-keep-me".to_owned()),
        ];
        let conversations = vec![
            ("older".to_owned(), 1.0, vec!["weather".to_owned()]),
            (
                "newer".to_owned(),
                2.0,
                vec!["weather".to_owned(), "x".to_owned()],
            ),
            ("unrelated".to_owned(), 3.0, vec!["todo".to_owned()]),
        ];
        let plan = plan_legacy(&local, &conversations);
        assert_eq!(plan.adopted.len(), 1);
        assert_eq!(
            plan.adopted[0].0,
            AppId::in_conversation("newer", "weather")
        );
        assert_eq!(
            plan.adopted[0].1.get("city").map(String::as_str),
            Some("Oslo")
        );
        assert_eq!(plan.by_content.len(), 1);
        assert_eq!(plan.by_content[0].0, "c0123456789abcdef");
        // Every old entry leaves localStorage; the studio's own keys stay.
        assert_eq!(plan.remove.len(), 6);
        assert!(!plan.remove.iter().any(|k| k.starts_with("kiln.key.")));
        assert!(is_old_content_key(&crate::studio::content_key("x")));
        assert!(!is_old_content_key("counter"));
    }
}
