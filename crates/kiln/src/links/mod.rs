//! Short links for `kiln serve`: immutable, content-addressed share payloads kept in one SQLite
//! file, behind an interface a shared database could implement when one server is not enough.
//!
//! An id is the first 72 bits of the payload's SHA-256 in base64url (12 characters), so the
//! same artifact always gets the same id, creating it twice stores it once, and no id can be
//! guessed from another. WAL mode lets `kiln links` read and delete while the server runs.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kiln_core::sandbox::live::shared::{MAX_SHARED_KEYS_LISTED, SHARED_QUOTA_BYTES, SharedOp};
use rusqlite::{Connection, OptionalExtension, params};
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
    // 3: the data a link's app shares with everyone who opens it (`kiln.storage.shared`).
    "CREATE TABLE link_data (
        link TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (link, key)
    ) STRICT;",
];

/// What an operation on a link's shared data came to.
#[derive(Debug, Clone, PartialEq)]
pub enum DataAnswer {
    /// Done; what the app gets back.
    Value(serde_json::Value),
    /// No such link.
    NoLink,
    /// The write would take the link's data past its quota.
    Full,
}

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
    /// Does `op` on the shared data of link `id` (one transaction).
    fn data(&self, id: &str, op: &SharedOp) -> Result<DataAnswer, StoreError>;
}

pub use kiln_core::share::{short_link_id as link_id, valid_short_link_id as valid_id};

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
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM link_data WHERE link = ?1", [id])?;
        let gone = tx.execute("DELETE FROM links WHERE id = ?1", [id])? > 0;
        tx.commit()?;
        Ok(gone)
    }

    fn data(&self, id: &str, op: &SharedOp) -> Result<DataAnswer, StoreError> {
        use serde_json::Value;
        if !valid_id(id) {
            return Ok(DataAnswer::NoLink);
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let exists = tx
            .query_row("SELECT 1 FROM links WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some();
        if !exists {
            return Ok(DataAnswer::NoLink);
        }
        let answer = match op {
            SharedOp::Get { key } => {
                let value: Option<String> = tx
                    .query_row(
                        "SELECT value FROM link_data WHERE link = ?1 AND key = ?2",
                        params![id, key],
                        |r| r.get(0),
                    )
                    .optional()?;
                DataAnswer::Value(value.map_or(Value::Null, Value::String))
            }
            SharedOp::Set { key, value } => {
                // Bytes of UTF-8, as the quota is counted everywhere else.
                let others: i64 = tx.query_row(
                    "SELECT COALESCE(SUM(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))), 0) \
                     FROM link_data WHERE link = ?1 AND key <> ?2",
                    params![id, key],
                    |r| r.get(0),
                )?;
                let after = usize::try_from(others).unwrap_or(usize::MAX) + key.len() + value.len();
                if after > SHARED_QUOTA_BYTES {
                    DataAnswer::Full
                } else {
                    tx.execute(
                        "INSERT INTO link_data (link, key, value) VALUES (?1, ?2, ?3) \
                         ON CONFLICT(link, key) DO UPDATE SET value = excluded.value",
                        params![id, key, value],
                    )?;
                    DataAnswer::Value(Value::Null)
                }
            }
            SharedOp::Delete { key } => DataAnswer::Value(Value::Bool(
                tx.execute(
                    "DELETE FROM link_data WHERE link = ?1 AND key = ?2",
                    params![id, key],
                )? > 0,
            )),
            SharedOp::List { prefix } => {
                let mut stmt = tx.prepare(
                    "SELECT key FROM link_data WHERE link = ?1 AND substr(key, 1, length(?2)) = ?2 \
                     ORDER BY key LIMIT ?3",
                )?;
                let keys = stmt
                    .query_map(params![id, prefix, MAX_SHARED_KEYS_LISTED as i64], |r| {
                        r.get::<_, String>(0)
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                drop(stmt);
                DataAnswer::Value(Value::Array(keys.into_iter().map(Value::String).collect()))
            }
        };
        tx.commit()?;
        Ok(answer)
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
    fn a_links_shared_data_keeps_its_quota_lists_by_prefix_and_goes_with_the_link() {
        use serde_json::json;
        let path = temp_db("data");
        let store = SqliteLinks::open(&path).unwrap();
        let id = store.put("1poll").unwrap();
        let other = store.put("1other").unwrap();
        let set = |id: &str, k: &str, v: &str| {
            store
                .data(
                    id,
                    &SharedOp::Set {
                        key: k.into(),
                        value: v.into(),
                    },
                )
                .unwrap()
        };
        let get = |id: &str, k: &str| store.data(id, &SharedOp::Get { key: k.into() }).unwrap();
        assert_eq!(set(&id, "vote:b", "2"), DataAnswer::Value(json!(null)));
        set(&id, "vote:a", "1");
        set(&id, "title", "Lunch");
        assert_eq!(get(&id, "vote:a"), DataAnswer::Value(json!("1")));
        // Links do not see each other's data; unknown links have none.
        assert_eq!(get(&other, "vote:a"), DataAnswer::Value(json!(null)));
        assert_eq!(get("AAAAAAAAAAAA", "vote:a"), DataAnswer::NoLink);
        assert_eq!(get("../x", "vote:a"), DataAnswer::NoLink);
        assert_eq!(
            store
                .data(
                    &id,
                    &SharedOp::List {
                        prefix: "vote:".into()
                    }
                )
                .unwrap(),
            DataAnswer::Value(json!(["vote:a", "vote:b"]))
        );
        // The quota counts UTF-8 bytes, and a replaced value is counted once.
        let big = "é".repeat(SHARED_QUOTA_BYTES / 4);
        assert_eq!(set(&id, "big1", &big), DataAnswer::Value(json!(null)));
        assert_eq!(set(&id, "big1", &big), DataAnswer::Value(json!(null)));
        assert_eq!(set(&id, "big2", &big), DataAnswer::Full);
        assert_eq!(get(&id, "big2"), DataAnswer::Value(json!(null)));
        assert_eq!(
            store
                .data(&id, &SharedOp::Delete { key: "big1".into() })
                .unwrap(),
            DataAnswer::Value(json!(true))
        );
        assert_eq!(set(&id, "big2", &big), DataAnswer::Value(json!(null)));
        // Reopened, it is all still there; deleting the link deletes its data.
        drop(store);
        let store = SqliteLinks::open(&path).unwrap();
        assert_eq!(
            store
                .data(
                    &id,
                    &SharedOp::Get {
                        key: "title".into()
                    }
                )
                .unwrap(),
            DataAnswer::Value(json!("Lunch"))
        );
        assert!(store.delete(&id).unwrap());
        let conn = Connection::open(&path).unwrap();
        let left: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM link_data WHERE link = ?1",
                [&id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
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
