//! Short links for `kiln serve`: immutable, content-addressed share payloads kept in one SQLite
//! file, behind an interface a shared database could implement when one server is not enough.
//!
//! An id is the first 72 bits of the payload's SHA-256 in base64url (12 characters), so the
//! same artifact always gets the same id, creating it twice stores it once, and no id can be
//! guessed from another. WAL mode lets `kiln links` read and delete while the server runs.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Schema changes, in order; `PRAGMA user_version` counts how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: the links themselves.
    "CREATE TABLE links (
        id TEXT PRIMARY KEY NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;",
    // 2: when a link was last opened, for `kiln links list`.
    "ALTER TABLE links ADD COLUMN opened_at INTEGER;",
];

/// Why the link store failed.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the link database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the folder for the link database {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the link database {path} has schema version {found}, newer than this kiln knows ({known}); \
         use a newer kiln"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: usize,
    },
    #[error("link database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("two different links have the id {0}; refusing to overwrite")]
    Collision(String),
    #[error("the link database lock was poisoned by a crash in another request")]
    Poisoned,
}

/// A stored link, as `kiln links list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    pub id: String,
    pub bytes: usize,
    pub created_at: i64,
    pub opened_at: Option<i64>,
}

/// Where short links live. The server holds one behind an `Arc<dyn Links>`.
pub trait Links: Send + Sync {
    /// Stores `payload` (idempotent) and returns its id.
    fn put(&self, payload: &str) -> Result<String, StoreError>;
    /// The payload for `id`, noting that it was opened.
    fn get(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// Removes `id`; false when there was no such link.
    fn delete(&self, id: &str) -> Result<bool, StoreError>;
    /// Every link, newest first.
    fn list(&self) -> Result<Vec<LinkInfo>, StoreError>;
}

/// The id for `payload`.
pub fn link_id(payload: &str) -> String {
    let digest = Sha256::digest(payload.as_bytes());
    base64url(&digest[..9])
}

/// Whether `id` has the shape of a link id (so a path like `/s/../x` never reaches SQL).
pub fn valid_id(id: &str) -> bool {
    id.len() == 12
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Short links in a SQLite file.
pub struct SqliteLinks {
    conn: Mutex<Connection>,
}

impl SqliteLinks {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                path: dir.to_owned(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(open_err)?;
        // WAL needs write access; asking for it is the first write, so an unwritable file or
        // folder fails here with the path named rather than on the first short link.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        migrate(&mut conn, path)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.conn.lock().map_err(|_| StoreError::Poisoned)
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
    let done = usize::try_from(version).unwrap_or(usize::MAX);
    if done > MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            known: MIGRATIONS.len(),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

impl Links for SqliteLinks {
    fn put(&self, payload: &str) -> Result<String, StoreError> {
        let id = link_id(payload);
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO links (id, payload, created_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT(id) DO NOTHING",
            params![id, payload, now()],
        )?;
        let stored: String =
            conn.query_row("SELECT payload FROM links WHERE id = ?1", [&id], |r| {
                r.get(0)
            })?;
        if stored != payload {
            return Err(StoreError::Collision(id));
        }
        Ok(id)
    }

    fn get(&self, id: &str) -> Result<Option<String>, StoreError> {
        if !valid_id(id) {
            return Ok(None);
        }
        let conn = self.conn()?;
        let payload = conn
            .query_row("SELECT payload FROM links WHERE id = ?1", [id], |r| {
                r.get::<_, String>(0)
            })
            .optional()?;
        if payload.is_some() {
            conn.execute(
                "UPDATE links SET opened_at = ?2 WHERE id = ?1",
                params![id, now()],
            )?;
        }
        Ok(payload)
    }

    fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let conn = self.conn()?;
        Ok(conn.execute("DELETE FROM links WHERE id = ?1", [id])? > 0)
    }

    fn list(&self) -> Result<Vec<LinkInfo>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, length(payload), created_at, opened_at FROM links \
             ORDER BY created_at DESC, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(LinkInfo {
                id: r.get(0)?,
                bytes: r
                    .get::<_, i64>(1)
                    .map(|n| usize::try_from(n).unwrap_or(0))?,
                created_at: r.get(2)?,
                opened_at: r.get(3)?,
            })
        })?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from)
    }
}

/// Options for `kiln links`.
#[derive(clap::Args, Debug)]
pub struct Options {
    #[command(subcommand)]
    action: Action,
    /// The database file [default: the one `kiln serve` uses].
    #[arg(long, env = "KILN_DATABASE", global = true)]
    database: Option<PathBuf>,
    /// Read `[server] database` from this config file.
    #[arg(long, env = "KILN_CONFIG", global = true)]
    config: Option<PathBuf>,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// List the stored links, newest first.
    List,
    /// Delete links by id (the part after /s/). Open pages keep what they loaded.
    Delete {
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

pub fn run(opts: &Options) -> anyhow::Result<std::process::ExitCode> {
    use anyhow::Context as _;
    let from_file = match &opts.config {
        Some(p) => crate::config::load(p)?.server.database,
        None => None,
    };
    let path = opts
        .database
        .clone()
        .or(from_file)
        .unwrap_or_else(crate::config::default_database);
    if !path.exists() {
        anyhow::bail!("no link database at {} (pass --database)", path.display());
    }
    let store = SqliteLinks::open(&path)?;
    match &opts.action {
        Action::List => {
            let links = store.list().context("listing links")?;
            for l in &links {
                let opened = l.opened_at.map_or("never".to_owned(), |t| t.to_string());
                println!(
                    "{}  {:>8} bytes  created {}  opened {}",
                    l.id, l.bytes, l.created_at, opened
                );
            }
            eprintln!("{} link(s) in {}", links.len(), path.display());
            Ok(std::process::ExitCode::SUCCESS)
        }
        Action::Delete { ids } => {
            let mut missing = 0;
            for id in ids {
                if store.delete(id)? {
                    println!("deleted {id}");
                } else {
                    eprintln!("kiln: no link {id}");
                    missing += 1;
                }
            }
            Ok(if missing == 0 {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::FAILURE
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kiln-links-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("nested/links.db")
    }

    #[test]
    fn ids_are_content_addressed_and_well_formed() {
        let a = link_id("1abc");
        assert_eq!(a, link_id("1abc"));
        assert_ne!(a, link_id("1abd"));
        assert!(valid_id(&a), "{a}");
        assert!(!valid_id("../../etc/pa"));
        assert!(!valid_id("short"));
        assert_eq!(base64url(&[0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(base64url(b"Man"), "TWFu");
    }

    #[test]
    fn put_get_delete_survive_reopening() {
        let path = temp_db("reopen");
        let id = {
            let store = SqliteLinks::open(&path).unwrap();
            let id = store.put("1payload").unwrap();
            assert_eq!(store.put("1payload").unwrap(), id, "idempotent");
            id
        };
        let store = SqliteLinks::open(&path).unwrap();
        assert_eq!(store.get(&id).unwrap().as_deref(), Some("1payload"));
        let listed = store.list().unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].opened_at.is_some());
        assert!(store.delete(&id).unwrap());
        assert!(!store.delete(&id).unwrap());
        assert_eq!(store.get(&id).unwrap(), None);
    }

    #[test]
    fn a_database_from_a_newer_kiln_is_refused() {
        let path = temp_db("newer");
        drop(SqliteLinks::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = SqliteLinks::open(&path).err().unwrap().to_string();
        assert!(err.contains("newer than this kiln"), "{err}");
    }

    #[test]
    fn version_one_databases_are_migrated() {
        let path = temp_db("migrate");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute(
            "INSERT INTO links (id, payload, created_at) VALUES (?1, 'x', 1)",
            [link_id("x")],
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        drop(conn);
        let store = SqliteLinks::open(&path).unwrap();
        assert_eq!(store.get(&link_id("x")).unwrap().as_deref(), Some("x"));
        assert!(store.list().unwrap()[0].opened_at.is_some());
    }
}
