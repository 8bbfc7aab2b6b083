//! The small key-value store an artifact gets through the bridge in place of `localStorage`.
//!
//! The real `localStorage` throws in an opaque-origin frame, and sharing the studio's would
//! hand an artifact the person's keys. Each artifact gets its own store, applied here with a
//! quota so a hostile artifact cannot fill the studio's storage.

use std::collections::BTreeMap;

use thiserror::Error;

use super::FromFrame;

/// The most an artifact may keep, counting the UTF-8 bytes of keys and values.
pub const STORAGE_QUOTA_BYTES: usize = 1024 * 1024;

/// Why a storage call was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorageError {
    /// The write would take the store past [`STORAGE_QUOTA_BYTES`].
    #[error("storage quota of {STORAGE_QUOTA_BYTES} bytes exceeded")]
    Quota,
}

/// One artifact's store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArtifactStorage {
    entries: BTreeMap<String, String>,
    bytes: usize,
}

impl ArtifactStorage {
    /// A store holding `entries` (as saved earlier), dropping entries past the quota.
    pub fn from_entries(entries: BTreeMap<String, String>) -> Self {
        let mut s = Self::default();
        for (k, v) in entries {
            let _ = s.set(k, v);
        }
        s
    }

    /// The entries, for saving and for the next run's bridge.
    pub fn entries(&self) -> &BTreeMap<String, String> {
        &self.entries
    }

    fn set(&mut self, key: String, value: String) -> Result<(), StorageError> {
        let old = self.entries.get(&key).map_or(0, |v| key.len() + v.len());
        let new = key.len() + value.len();
        if self.bytes - old + new > STORAGE_QUOTA_BYTES {
            return Err(StorageError::Quota);
        }
        self.bytes = self.bytes - old + new;
        self.entries.insert(key, value);
        Ok(())
    }

    /// Applies a storage message; other messages are ignored. `Ok(true)` when the store
    /// changed and should be saved.
    pub fn apply(&mut self, msg: &FromFrame) -> Result<bool, StorageError> {
        match msg {
            FromFrame::StorageSet { key, value } => {
                self.set(key.clone(), value.clone())?;
                Ok(true)
            }
            FromFrame::StorageRemove { key } => {
                if let Some(v) = self.entries.remove(key) {
                    self.bytes -= key.len() + v.len();
                    return Ok(true);
                }
                Ok(false)
            }
            FromFrame::StorageClear => {
                let changed = !self.entries.is_empty();
                self.entries.clear();
                self.bytes = 0;
                Ok(changed)
            }
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(k: &str, v: &str) -> FromFrame {
        FromFrame::StorageSet {
            key: k.into(),
            value: v.into(),
        }
    }

    #[test]
    fn set_remove_clear() {
        let mut s = ArtifactStorage::default();
        assert_eq!(s.apply(&set("a", "1")), Ok(true));
        assert_eq!(s.apply(&set("a", "22")), Ok(true));
        assert_eq!(s.entries().get("a").map(String::as_str), Some("22"));
        assert_eq!(
            s.apply(&FromFrame::StorageRemove { key: "zz".into() }),
            Ok(false)
        );
        assert_eq!(
            s.apply(&FromFrame::StorageRemove { key: "a".into() }),
            Ok(true)
        );
        assert_eq!(s.apply(&FromFrame::Heartbeat), Ok(false));
        s.apply(&set("b", "x")).unwrap();
        assert_eq!(s.apply(&FromFrame::StorageClear), Ok(true));
        assert!(s.entries().is_empty());
    }

    #[test]
    fn quota_holds_and_overwrites_are_counted_once() {
        let mut s = ArtifactStorage::default();
        let big = "x".repeat(STORAGE_QUOTA_BYTES - 1);
        assert_eq!(s.apply(&set("k", &big)), Ok(true));
        // Replacing the value with one of the same size fits; a second key does not.
        assert_eq!(s.apply(&set("k", &big)), Ok(true));
        assert_eq!(s.apply(&set("j", "y")), Err(StorageError::Quota));
        assert_eq!(s.entries().len(), 1);
        s.apply(&FromFrame::StorageRemove { key: "k".into() })
            .unwrap();
        assert_eq!(s.apply(&set("j", "y")), Ok(true));
    }
}
