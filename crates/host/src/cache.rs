//! Compiled modules kept on disk, so a 26 MB runtime is compiled once per machine rather than
//! once per run.
//!
//! A file is named by the SHA-256 of the module and the engine's compatibility hash, written
//! atomically, and loaded only from a folder Kiln created for itself (owner-only permissions,
//! owned by this user, the file too): deserializing runs native code, so nothing anyone else
//! could have written is ever loaded.
#![allow(clippy::disallowed_methods)] // the host is an edge: it owns the cache folder

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

/// A folder of compiled modules.
#[derive(Debug, Clone)]
pub struct ModuleCache {
    dir: PathBuf,
}

impl ModuleCache {
    /// Uses (creating, owner-only) the folder `dir`.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    fn path(&self, engine: &Engine, bytes: &[u8]) -> PathBuf {
        let mut h = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        let digest = Sha256::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}-{:016x}.cwasm", h.finish()))
    }

    /// The module for `bytes`: loaded from the cache when this process's user wrote it there,
    /// otherwise compiled and stored. A cache that cannot be read or written only costs time.
    pub fn module(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Module> {
        let path = self.path(engine, bytes);
        if trusted(&self.dir, &path) {
            // SAFETY: the file is one this user wrote into an owner-only folder with
            // `Module::serialize` for this engine's configuration (the compatibility hash is
            // in its name, and wasmtime checks it again); see `trusted`.
            #[allow(unsafe_code)]
            let loaded = unsafe { Module::deserialize_file(engine, &path) };
            if let Ok(module) = loaded {
                return Ok(module);
            }
        }
        let module = Module::new(engine, bytes)?;
        if let Ok(serialized) = module.serialize() {
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            let written = std::fs::File::create(&tmp)
                .and_then(|mut f| f.write_all(&serialized).and_then(|()| f.sync_all()))
                .and_then(|()| std::fs::rename(&tmp, &path));
            if written.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
        }
        Ok(module)
    }
}

/// Whether `file` in `dir` can only have been written by this user: both owned by the folder's
/// owner, neither writable by group or others.
#[cfg(unix)]
fn trusted(dir: &Path, file: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let (Ok(d), Ok(f)) = (std::fs::metadata(dir), std::fs::symlink_metadata(file)) else {
        return false;
    };
    f.is_file() && d.mode() & 0o077 == 0 && f.mode() & 0o022 == 0 && f.uid() == d.uid()
}

#[cfg(not(unix))]
fn trusted(_dir: &Path, _file: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_module_is_compiled_once_then_loaded_and_foreign_files_are_ignored() {
        let dir = std::env::temp_dir().join(format!("kiln-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cache = ModuleCache::open(&dir).unwrap();
        let engine = Engine::default();
        let wat = b"(module (func (export \"_start\")))";
        cache.module(&engine, wat).unwrap();
        let path = cache.path(&engine, wat);
        assert!(path.is_file());
        assert!(trusted(&dir, &path));
        cache.module(&engine, wat).unwrap();
        // A file others could have written is recompiled over, never loaded.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
            assert!(!trusted(&dir, &path));
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
            assert!(!trusted(&dir, &path));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
