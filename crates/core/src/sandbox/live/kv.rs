//! `kiln.storage`: an app's calls on its own store.

use std::collections::BTreeMap;

use super::{AppCall, AppReply, CallError, MAX_KEY_BYTES, MAX_VALUE_BYTES};
use crate::sandbox::ArtifactStorage;

/// Does a storage call on the app's store; returns the answer and whether the store changed.
/// (`Complete` and `Cancel` are not storage calls: they are answered as invalid.)
pub fn storage_call(store: &mut ArtifactStorage, call: AppCall) -> (AppReply, bool) {
    let key_ok = |k: &str| !k.is_empty() && k.len() <= MAX_KEY_BYTES;
    let fail = |e: CallError| (AppReply::error(&e), false);
    if call.is_shared() {
        return fail(CallError::BadStorage(
            "shared data is the server's, not this store's",
        ));
    }
    match call {
        AppCall::StorageGet { key, .. } => {
            let value = store.entries().get(&key).cloned();
            (
                AppReply::Ok {
                    value: value.map_or(serde_json::Value::Null, serde_json::Value::String),
                },
                false,
            )
        }
        AppCall::StorageSet { key, value, .. } => {
            if !key_ok(&key) {
                return fail(CallError::BadStorage("a key is 1 to 1024 bytes"));
            }
            if key.len() + value.len() > MAX_VALUE_BYTES {
                return fail(CallError::BadStorage(
                    "a key and its value may be at most 1 MiB together",
                ));
            }
            match store.set(key, value) {
                Ok(()) => (
                    AppReply::Ok {
                        value: serde_json::Value::Null,
                    },
                    true,
                ),
                Err(_) => fail(CallError::Quota),
            }
        }
        AppCall::StorageDelete { key, .. } => {
            let had = store.remove(&key);
            (
                AppReply::Ok {
                    value: serde_json::Value::Bool(had),
                },
                had,
            )
        }
        AppCall::StorageList { prefix, .. } => {
            let keys: Vec<serde_json::Value> = store
                .entries()
                .range::<String, _>(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| serde_json::Value::String(k.clone()))
                .collect();
            (
                AppReply::Ok {
                    value: serde_json::Value::Array(keys),
                },
                false,
            )
        }
        AppCall::Complete { .. } | AppCall::Cancel { .. } => {
            fail(CallError::BadStorage("not a storage call"))
        }
    }
}

/// An app's `kiln.storage` as saved: its entries.
pub type KvEntries = BTreeMap<String, String>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::live::{ErrorCode, KV_QUOTA_BYTES};

    #[test]
    fn storage_calls_touch_only_the_store_and_keep_its_quota() {
        let mut s = ArtifactStorage::with_quota(KV_QUOTA_BYTES);
        let set = |k: &str, v: &str| AppCall::StorageSet {
            id: 1,
            shared: false,
            key: k.into(),
            value: v.into(),
        };
        assert!(storage_call(&mut s, set("b:1", "x")).1);
        assert!(storage_call(&mut s, set("a", "y")).1);
        assert!(storage_call(&mut s, set("b:2", "z")).1);
        let (list, _) = storage_call(
            &mut s,
            AppCall::StorageList {
                id: 2,
                shared: false,
                prefix: "b:".into(),
            },
        );
        assert_eq!(
            list,
            AppReply::Ok {
                value: serde_json::json!(["b:1", "b:2"])
            }
        );
        let (got, changed) = storage_call(
            &mut s,
            AppCall::StorageGet {
                id: 3,
                shared: false,
                key: "a".into(),
            },
        );
        assert_eq!(
            (got, changed),
            (
                AppReply::Ok {
                    value: serde_json::json!("y")
                },
                false
            )
        );
        let del = |k: &str| AppCall::StorageDelete {
            id: 4,
            shared: false,
            key: k.into(),
        };
        assert!(storage_call(&mut s, del("a")).1);
        assert_eq!(
            storage_call(&mut s, del("a")).0,
            AppReply::Ok {
                value: serde_json::json!(false)
            }
        );
        // Values up to 1 MiB each, 5 MiB in all.
        let big = "v".repeat(MAX_VALUE_BYTES - 10);
        for i in 0..5 {
            assert!(storage_call(&mut s, set(&format!("big{i}"), &big)).1);
        }
        let (full, changed) = storage_call(&mut s, set("big5", &big));
        assert!(!changed);
        assert!(matches!(
            full,
            AppReply::Error {
                code: ErrorCode::Quota,
                ..
            }
        ));
        let (too_big, _) = storage_call(&mut s, set("k", &"v".repeat(MAX_VALUE_BYTES)));
        assert!(matches!(
            too_big,
            AppReply::Error {
                code: ErrorCode::Invalid,
                ..
            }
        ));
        assert!(matches!(
            storage_call(&mut s, set("", "v")).0,
            AppReply::Error { .. }
        ));
    }
}
