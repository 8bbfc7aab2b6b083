//! The small key-value store an artifact gets through the bridge in place of `localStorage`.
//!
//! The real `localStorage` throws in an opaque-origin frame, and sharing the studio's would
//! hand an artifact the person's keys. Each artifact gets its own store, applied here with a
//! quota so a hostile artifact cannot fill the studio's storage. `kiln.storage` (see
//! [`super::live`]) keeps a second store of the same kind per app, with a larger quota.

use std::collections::BTreeMap;

use thiserror::Error;

use super::StorageDelta;

/// The most an artifact may keep, counting the UTF-8 bytes of keys and values.
pub const STORAGE_QUOTA_BYTES: usize = 1024 * 1024;

/// Why a storage call was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorageError {
    /// The write would take the store past its quota.
    #[error("storage quota exceeded")]
    Quota,
}

/// One artifact's store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactStorage {
    entries: BTreeMap<String, String>,
    bytes: usize,
    quota: usize,
}

impl Default for ArtifactStorage {
    /// An empty `localStorage` store, with its quota.
    fn default() -> Self {
        Self::with_quota(STORAGE_QUOTA_BYTES)
    }
}

impl ArtifactStorage {
    /// An empty store that holds at most `quota` bytes (`kiln.storage` holds more than the
    /// `localStorage` shim, which is sent whole with every run).
    pub fn with_quota(quota: usize) -> Self {
        Self {
            entries: BTreeMap::new(),
            bytes: 0,
            quota,
        }
    }

    /// A store holding `entries` (as saved earlier), dropping entries past the quota.
    pub fn from_entries(entries: BTreeMap<String, String>) -> Self {
        Self::default().with_entries(entries)
    }

    /// This store, empty of quota-exceeding entries, holding `entries`.
    pub fn with_entries(mut self, entries: BTreeMap<String, String>) -> Self {
        for (k, v) in entries {
            let _ = self.set(k, v);
        }
        self
    }

    /// The entries, for saving and for the next run's bridge.
    pub fn entries(&self) -> &BTreeMap<String, String> {
        &self.entries
    }

    /// Sets `key` to `value`, unless that would pass the quota.
    pub fn set(&mut self, key: String, value: String) -> Result<(), StorageError> {
        let old = self.entries.get(&key).map_or(0, |v| key.len() + v.len());
        let new = key.len() + value.len();
        if self.bytes - old + new > self.quota {
            return Err(StorageError::Quota);
        }
        self.bytes = self.bytes - old + new;
        self.entries.insert(key, value);
        Ok(())
    }

    /// Applies the changes a runner coalesced: `clear`, then each key set or removed. A write
    /// that would pass the quota is refused and the rest still applied. Returns whether the
    /// store changed (and should be saved) and how many writes were refused.
    pub fn apply(&mut self, delta: &StorageDelta) -> (bool, u32) {
        let mut changed = false;
        let mut refused = 0u32;
        if delta.clear && !self.entries.is_empty() {
            self.entries.clear();
            self.bytes = 0;
            changed = true;
        }
        for (key, value) in &delta.set {
            match value {
                Some(v) => match self.set(key.clone(), v.clone()) {
                    Ok(()) => changed = true,
                    Err(StorageError::Quota) => refused = refused.saturating_add(1),
                },
                None => changed |= self.remove(key),
            }
        }
        (changed, refused)
    }

    /// Removes `key`; whether it was there.
    pub fn remove(&mut self, key: &str) -> bool {
        match self.entries.remove(key) {
            Some(v) => {
                self.bytes -= key.len() + v.len();
                true
            }
            None => false,
        }
    }

    /// Bytes of keys and values kept.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(clear: bool, set: &[(&str, Option<&str>)]) -> StorageDelta {
        StorageDelta {
            clear,
            set: set
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
                .collect(),
        }
    }

    #[test]
    fn set_remove_clear() {
        let mut s = ArtifactStorage::default();
        assert_eq!(s.apply(&delta(false, &[("a", Some("1"))])), (true, 0));
        assert_eq!(s.apply(&delta(false, &[("a", Some("22"))])), (true, 0));
        assert_eq!(s.entries().get("a").map(String::as_str), Some("22"));
        assert_eq!(s.bytes(), 3);
        assert_eq!(s.apply(&delta(false, &[("zz", None)])), (false, 0));
        assert_eq!(s.apply(&delta(false, &[("a", None)])), (true, 0));
        assert_eq!(s.apply(&StorageDelta::default()), (false, 0));
        s.apply(&delta(false, &[("b", Some("x"))]));
        // Clear comes first, then the writes of the same batch.
        assert_eq!(s.apply(&delta(true, &[("c", Some("y"))])), (true, 0));
        assert_eq!(s.entries().keys().collect::<Vec<_>>(), ["c"]);
        assert_eq!(s.bytes(), 2);
    }

    #[test]
    fn quota_holds_and_overwrites_are_counted_once() {
        let mut s = ArtifactStorage::default();
        let big = "x".repeat(STORAGE_QUOTA_BYTES - 1);
        assert_eq!(s.apply(&delta(false, &[("k", Some(&big))])), (true, 0));
        // Replacing the value with one of the same size fits; a second key does not, and the
        // writes that fit in the same batch still happen.
        assert_eq!(s.apply(&delta(false, &[("k", Some(&big))])), (true, 0));
        assert_eq!(
            s.apply(&delta(false, &[("j", Some("y")), ("k", Some("small"))])),
            (true, 1)
        );
        assert_eq!(s.entries().len(), 1);
        assert_eq!(s.apply(&delta(false, &[("j", Some("y"))])), (true, 0));
        let from = ArtifactStorage::from_entries(s.entries().clone());
        assert_eq!(from, s);
    }
}
