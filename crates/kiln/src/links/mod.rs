//! Short links for `kiln serve`: immutable, content-addressed share payloads and the data
//! their apps share, behind one interface with two stores: a SQLite file (the default, for one
//! server) and PostgreSQL (for several servers on one database).
//!
//! An id is the first 72 bits of the payload's SHA-256 in base64url (12 characters), so the
//! same artifact always gets the same id, creating it twice stores it once, and no id can be
//! guessed from another.

mod postgres;
mod sqlite;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use kiln_core::sandbox::live::shared::SharedOp;
use thiserror::Error;

pub use self::postgres::PgLinks;
pub use self::sqlite::SqliteLinks;

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
    #[error("link database: {0}")]
    Postgres(#[from] ::postgres::Error),
    #[error("the PostgreSQL URL is not valid: {0}")]
    BadUrl(String),
    /// The database cannot be reached (or gave no connection in time): a passing state, which
    /// the server answers with 503 and recovers from by itself.
    #[error("the link database cannot be reached: {0}")]
    Unavailable(String),
    #[error(
        "the link database has schema version {found}, newer than this kiln knows ({known}); \
         use a newer kiln"
    )]
    TooNewShared { found: i64, known: usize },
    #[error("two different links have the id {0}; refusing to overwrite")]
    Collision(String),
    #[error("the link database lock was poisoned by a crash in another request")]
    Poisoned,
}

impl StoreError {
    /// Whether the database's disk is full: nothing was stored, and nothing stored before is
    /// lost (the write's transaction was rolled back).
    pub fn is_disk_full(&self) -> bool {
        match self {
            Self::Sql(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::DiskFull
            }
            Self::Postgres(e) => e
                .as_db_error()
                .is_some_and(|d| *d.code() == ::postgres::error::SqlState::DISK_FULL),
            _ => false,
        }
    }

    /// Whether this is the database being away (or busy) rather than a fault of the request or
    /// the data: worth a 503 with `Retry-After`, and trying again.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable(_) => true,
            // No answer from the server itself (a closed connection, a network error), or one
            // that says it is stopping, overloaded or cutting connections; not a full disk,
            // and not our own mistakes (types, rows), which are bugs to see as such.
            Self::Postgres(e) => {
                let io = std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>());
                e.is_closed()
                    || io
                    || e.as_db_error().is_some_and(|d| {
                        matches!(d.code().code().get(..2), Some("08" | "53" | "57"))
                            && *d.code() != ::postgres::error::SqlState::DISK_FULL
                    })
            }
            Self::Sql(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            _ => false,
        }
    }
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
    /// Whether the store answers now (for `/readyz`).
    fn ready(&self) -> Result<(), StoreError>;
    /// Whether [`Links::count`] counts for every instance on this store (a database several
    /// servers share), so rate limits can be kept there.
    fn counts_shared(&self) -> bool {
        false
    }
    /// Adds one to the count of `bucket` in the Unix minute `minute`, and gives the new count;
    /// `None` from a store that keeps no counts (one file, one server: it counts in memory).
    fn count(&self, bucket: &str, minute: i64) -> Result<Option<u32>, StoreError> {
        let _ = (bucket, minute);
        Ok(None)
    }
}

/// Where a store is: a PostgreSQL URL, or else a SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Postgres(String),
}

impl Location {
    pub fn parse(database: &Path) -> Self {
        match database.to_str() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Self::Postgres(url.to_owned())
            }
            _ => Self::File(database.to_owned()),
        }
    }

    /// For logs, errors and `--print-config`: a URL without its password.
    pub fn shown(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Postgres(url) => redact(url),
        }
    }
}

/// `url` with its password hidden, wherever the PostgreSQL client would read one: the user
/// part (up to the last `@` before the query, so a password with `/` or `@` in it is hidden
/// whole) and a `password=` parameter.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let query_at = rest.find('?').unwrap_or(rest.len());
    let (before, query) = rest.split_at(query_at);
    let before = match before.rfind('@') {
        Some(at) if before[..at].contains(':') => {
            let name = before[..at].split(':').next().unwrap_or_default();
            format!("{name}:***{}", &before[at..])
        }
        _ => before.to_owned(),
    };
    let query = query
        .split('&')
        .map(|part| {
            let (lead, kv) = part.split_at(usize::from(part.starts_with('?')));
            if kv.starts_with("password=") {
                format!("{lead}password=***")
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{before}{query}")
}

/// Opens the store at `database` (a file path, or a `postgres://` URL), bringing its schema up
/// to date.
pub fn open(database: &Path) -> Result<Arc<dyn Links>, StoreError> {
    Ok(match Location::parse(database) {
        Location::File(path) => Arc::new(SqliteLinks::open(&path)?),
        Location::Postgres(url) => Arc::new(PgLinks::open(&url)?),
    })
}

pub use kiln_core::share::{short_link_id as link_id, valid_short_link_id as valid_id};

/// `id` when the payload stored under it is `payload`; two payloads under one id is refused.
fn same_payload(id: String, stored: &str, payload: &str) -> Result<String, StoreError> {
    if stored == payload {
        Ok(id)
    } else {
        Err(StoreError::Collision(id))
    }
}

/// Whether a value fits in a link's shared data beside `others` bytes of other keys' data
/// (bytes of UTF-8, as the quota is counted everywhere else).
fn fits(others: i64, key: &str, value: &str) -> bool {
    usize::try_from(others)
        .unwrap_or(usize::MAX)
        .saturating_add(key.len())
        .saturating_add(value.len())
        <= kiln_core::sandbox::live::shared::SHARED_QUOTA_BYTES
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Options for `kiln links`.
#[derive(clap::Args, Debug)]
pub struct Options {
    #[command(subcommand)]
    action: Action,
    /// The database file, or a PostgreSQL URL (postgres://user@host/db) [default: the one
    /// `kiln serve` uses; KILN_DATABASE_URL also names a PostgreSQL database].
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

/// `KILN_DATABASE_URL`, the name hosting platforms give a PostgreSQL database.
fn database_url() -> Option<PathBuf> {
    std::env::var_os("KILN_DATABASE_URL")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The database `kiln serve` and `kiln links` use: `--database` (or `KILN_DATABASE`), else
/// `KILN_DATABASE_URL`, else the config file's, else the default file.
pub fn resolve(flag: Option<PathBuf>, from_file: Option<PathBuf>) -> PathBuf {
    flag.or_else(database_url)
        .or(from_file)
        .unwrap_or_else(crate::config::default_database)
}

pub fn run(opts: &Options) -> anyhow::Result<std::process::ExitCode> {
    use anyhow::Context as _;
    let from_file = match &opts.config {
        Some(p) => crate::config::load(p)?.server.database,
        None => None,
    };
    let path = resolve(opts.database.clone(), from_file);
    let location = Location::parse(&path);
    if matches!(location, Location::File(_)) && !path.exists() {
        anyhow::bail!("no link database at {} (pass --database)", path.display());
    }
    let store = open(&path)?;
    let shown = location.shown();
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
            eprintln!("{} link(s) in {shown}", links.len());
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
pub(crate) mod conformance;
#[cfg(test)]
pub(crate) mod test_postgres;

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_postgres_url_is_told_from_a_file_and_shown_without_its_password() {
        let table = [
            ("links.db", "links.db", false),
            ("/var/lib/kiln/links.db", "/var/lib/kiln/links.db", false),
            (
                "postgres://kiln:s3cret@db.internal:5432/kiln",
                "postgres://kiln:***@db.internal:5432/kiln",
                true,
            ),
            (
                "postgresql://kiln@db/kiln?sslmode=disable",
                "postgresql://kiln@db/kiln?sslmode=disable",
                true,
            ),
            ("postgres://db/kiln", "postgres://db/kiln", true),
            // A password with an @ or a / in it is still hidden whole, and so is one given as a
            // parameter.
            ("postgres://u:p@ss@db/k", "postgres://u:***@db/k", true),
            (
                "postgres://kiln:pa/ss@db/kiln",
                "postgres://kiln:***@db/kiln",
                true,
            ),
            (
                "postgres://kiln@db/kiln?sslmode=disable&password=s3cret",
                "postgres://kiln@db/kiln?sslmode=disable&password=***",
                true,
            ),
            (
                "postgres://kiln@db/kiln?password=s3cret",
                "postgres://kiln@db/kiln?password=***",
                true,
            ),
        ];
        for (given, shown, pg) in table {
            let l = Location::parse(Path::new(given));
            assert_eq!(matches!(l, Location::Postgres(_)), pg, "{given}");
            assert_eq!(l.shown(), shown, "{given}");
        }
    }
}
