//! The SQLite store: one file, for one server. WAL mode lets `kiln links` read and delete
//! while the server runs.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use kiln_core::sandbox::live::shared::{MAX_SHARED_KEYS_LISTED, SharedOp};
use rusqlite::{Connection, OptionalExtension, params};

use super::{DataAnswer, LinkInfo, Links, StoreError, fits, link_id, now, same_payload, valid_id};

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
        same_payload(id, &stored, payload)
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
            // Bookkeeping only: a link still opens when this cannot be written (a full disk).
            let _ = conn.execute(
                "UPDATE links SET opened_at = ?2 WHERE id = ?1",
                params![id, now()],
            );
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
                let others: i64 = tx.query_row(
                    "SELECT COALESCE(SUM(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))), 0) \
                     FROM link_data WHERE link = ?1 AND key <> ?2",
                    params![id, key],
                    |r| r.get(0),
                )?;
                if fits(others, key, value) {
                    tx.execute(
                        "INSERT INTO link_data (link, key, value) VALUES (?1, ?2, ?3) \
                         ON CONFLICT(link, key) DO UPDATE SET value = excluded.value",
                        params![id, key, value],
                    )?;
                    DataAnswer::Value(Value::Null)
                } else {
                    DataAnswer::Full
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

    fn ready(&self) -> Result<(), StoreError> {
        self.conn()?.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("kiln-links-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("nested/links.db")
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
    fn behaves_as_a_link_store_and_its_data_survives_reopening() {
        let path = temp_db("data");
        let store = SqliteLinks::open(&path).unwrap();
        let id = super::super::conformance::check(&store);
        drop(store);
        let store = SqliteLinks::open(&path).unwrap();
        super::super::conformance::check_kept(&store, &id);
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
