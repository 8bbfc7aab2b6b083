//! The PostgreSQL store: one database for any number of `kiln serve` processes.
//!
//! The same tables and behaviour as the SQLite store. Migrations run in one transaction under
//! an advisory lock, so instances starting together apply each once. A pool holds the
//! connections, with timeouts on connecting and on each statement, so a database that went
//! away makes requests fail within seconds (the server answers 503) instead of hanging, and a
//! database that came back is used again without a restart. Calls block: the server makes them
//! on its blocking threads, as it does the SQLite store's.
//!
//! TLS is on when the URL asks for it (`sslmode=require`, or libpq's `verify-ca`/`verify-full`),
//! and then always verified: the server's certificate must chain to Mozilla's roots or to the
//! PEM file in `sslrootcert=`, and name the host. Without `sslmode`, connections are plain, as
//! for a database on loopback or a private network.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use kiln_core::sandbox::live::shared::{MAX_SHARED_KEYS_LISTED, SharedOp};
use postgres::Config;
use postgres::config::SslMode;
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{DataAnswer, LinkInfo, Links, StoreError, fits, link_id, now, same_payload, valid_id};

/// Schema changes, in order; `kiln_schema` keeps how many ran. The first three are the SQLite
/// store's; the fourth is for what only several instances need.
const MIGRATIONS: &[&str] = &[
    // 1: the links themselves.
    "CREATE TABLE links (
        id TEXT PRIMARY KEY NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );",
    // 2: when a link was last opened, for `kiln links list`.
    "ALTER TABLE links ADD COLUMN opened_at BIGINT;",
    // 3: the data a link's app shares with everyone who opens it (`kiln.storage.shared`).
    "CREATE TABLE link_data (
        link TEXT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (link, key)
    );",
    // 4: rate-limit counts, one row per bucket and minute, so limits hold across instances.
    "CREATE TABLE rate_counts (
        bucket TEXT NOT NULL,
        minute BIGINT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (bucket, minute)
    );",
];

/// Taken for the migrations' transaction: one instance migrates, the others wait and find it
/// done. (An arbitrary constant, "kiln" in ASCII.)
const MIGRATION_LOCK: i64 = 0x6b69_6c6e;

/// Connections kept per instance; the server's blocking threads share them.
const POOL_SIZE: u32 = 16;
/// How long a request waits for a connection (or to open one) before the database counts as
/// unavailable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// No statement of ours takes long; one that does is cut off rather than holding a connection.
/// (Migrations are exempt: they may wait for another instance's.)
const STATEMENT_TIMEOUT_MS: u32 = 5_000;
/// Keepalive probes after this much silence, and give up on unacknowledged data after the
/// other: a vanished server is a failed request within seconds.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a rate-limit count waits for a connection: a limit that cannot be counted in the
/// database is counted in memory rather than holding the request up.
const COUNT_WAIT: Duration = Duration::from_millis(200);

type Pool = r2d2::Pool<PostgresConnectionManager<MakeRustlsConnect>>;
type Connection = r2d2::PooledConnection<PostgresConnectionManager<MakeRustlsConnect>>;

/// What the URL asks of TLS, taken out of it before `postgres` reads the rest (it knows neither
/// `sslrootcert` nor libpq's `verify-*` modes).
#[derive(Debug, PartialEq, Eq)]
struct Tls {
    /// The URL without kiln's TLS parameters.
    url: String,
    required: bool,
    /// `sslrootcert=`: a PEM file of the certificates to trust instead of Mozilla's roots.
    roots: Option<PathBuf>,
}

/// Reads `sslmode` and `sslrootcert` from a `postgres://` URL's query.
fn tls_options(url: &str) -> Result<Tls, StoreError> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, query),
        None => (url, ""),
    };
    let mut kept = Vec::new();
    let mut required = false;
    let mut roots = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => match value {
                "disable" => {}
                "require" | "verify-ca" | "verify-full" => required = true,
                other => {
                    return Err(StoreError::BadUrl(format!(
                        "sslmode={other} is not supported: use sslmode=require for TLS (kiln \
                         always verifies the server's certificate) or leave it out for none"
                    )));
                }
            },
            "sslrootcert" => {
                // libpq's "system" is the default roots; anything else is a file.
                if value != "system" {
                    roots = Some(PathBuf::from(percent_decode(value)));
                }
            }
            // Others of libpq's (sslcert, sslkey, sslcrl…), or a key `postgres` would decode
            // into one: refused rather than ignored, so TLS is never weaker than asked.
            _ if key.to_ascii_lowercase().starts_with("ssl") => {
                return Err(StoreError::BadUrl(format!(
                    "{key} is not supported: kiln reads sslmode and sslrootcert"
                )));
            }
            _ => kept.push(pair),
        }
    }
    if roots.is_some() && !required {
        return Err(StoreError::BadUrl(
            "sslrootcert is given but TLS is not: add sslmode=require".to_owned(),
        ));
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(Tls {
        url,
        required,
        roots,
    })
}

/// An error and each of its causes, as one line.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = c.source();
    }
    line
}

/// `%2F` and the like in a URL's query value.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let (h, l) = (hex(h).unwrap_or(0), hex(l).unwrap_or(0));
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The TLS connector: rustls (ring) trusting `roots` or Mozilla's.
fn connector(roots: Option<&PathBuf>) -> Result<MakeRustlsConnect, StoreError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let mut store = rustls::RootCertStore::empty();
    match roots {
        Some(path) => {
            let bad = |e: &dyn std::fmt::Display| {
                StoreError::BadUrl(format!("sslrootcert {}: {e}", path.display()))
            };
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(&e))? {
                store.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
            }
            if store.is_empty() {
                return Err(bad(&"holds no PEM certificate"));
            }
        }
        None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| StoreError::BadUrl(format!("TLS: {e}")))?
    .with_root_certificates(store)
    .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// Short links in a PostgreSQL database.
pub struct PgLinks {
    /// Always `Some` until dropped (see `Drop`).
    pool: Option<Pool>,
    /// The last minute this instance cleared old rate-limit counts for.
    cleared: AtomicI64,
}

impl PgLinks {
    /// Connects to `url` and brings the schema up to date. A database that cannot be reached
    /// now is an error here (the server does not start), but not later.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let tls = tls_options(url)?;
        let mut config: Config = tls
            .url
            .parse()
            .map_err(|e: postgres::Error| StoreError::BadUrl(e.to_string()))?;
        config.ssl_mode(if tls.required {
            SslMode::Require
        } else {
            SslMode::Disable
        });
        let connector = connector(tls.roots.as_ref())?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        // A server that vanished without closing its connections (a crash, a partition) is
        // noticed within seconds, not after TCP's quarter of an hour of retries.
        config
            .keepalives(true)
            .keepalives_idle(KEEPALIVE_IDLE)
            .tcp_user_timeout(TCP_USER_TIMEOUT);
        // Added to any options the URL gives (a search_path, say), not in their place.
        let options = match config.get_options() {
            Some(given) if !given.trim().is_empty() => {
                format!("{given} -c statement_timeout={STATEMENT_TIMEOUT_MS}")
            }
            _ => format!("-c statement_timeout={STATEMENT_TIMEOUT_MS}"),
        };
        config.options(&options);
        config.application_name("kiln");
        // One connection of its own first: its error names the cause (a refused certificate,
        // a wrong password), where the pool's would say only that it timed out.
        match config.connect(connector.clone()) {
            Ok(client) => drop(client),
            Err(e) => return Err(StoreError::Unavailable(with_causes(&e))),
        }
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(0))
            .connection_timeout(CONNECT_TIMEOUT)
            // r2d2 would log each failed attempt itself; the request that failed says it.
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(PostgresConnectionManager::new(config, connector));
        let store = Self {
            pool: Some(pool),
            cleared: AtomicI64::new(0),
        };
        store.migrate()?;
        Ok(store)
    }

    fn conn(&self) -> Result<Connection, StoreError> {
        self.conn_within(CONNECT_TIMEOUT)
    }

    /// A pooled connection, waiting at most `wait` for one.
    fn conn_within(&self, wait: Duration) -> Result<Connection, StoreError> {
        self.pool
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("the store is closing".to_owned()))?
            .get_timeout(wait)
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        // Waiting for another instance's migration, or a migration of a large table, is not
        // a statement running away.
        tx.batch_execute("SET LOCAL statement_timeout = 0")?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS kiln_schema (version INTEGER NOT NULL)")?;
        let version: i32 = tx
            .query_opt("SELECT version FROM kiln_schema", &[])?
            .map_or(0, |r| r.get(0));
        let done = usize::try_from(version).unwrap_or(usize::MAX);
        if done > MIGRATIONS.len() {
            return Err(StoreError::TooNewShared {
                found: i64::from(version),
                known: MIGRATIONS.len(),
            });
        }
        for sql in MIGRATIONS.iter().skip(done) {
            tx.batch_execute(sql)?;
        }
        let now = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
        if done == 0 {
            tx.execute("INSERT INTO kiln_schema (version) VALUES ($1)", &[&now])?;
        } else if done < MIGRATIONS.len() {
            tx.execute("UPDATE kiln_schema SET version = $1", &[&now])?;
        }
        tx.commit()?;
        Ok(())
    }
}

impl Drop for PgLinks {
    fn drop(&mut self) {
        // Each idle connection closes itself by running a runtime of its own, which panics on a
        // thread inside the server's runtime (where the last handle on the store is dropped
        // when the server stops): close them on a thread of their own.
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl Links for PgLinks {
    fn put(&self, payload: &str) -> Result<String, StoreError> {
        let id = link_id(payload);
        let mut conn = self.conn()?;
        conn.execute(
            "INSERT INTO links (id, payload, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
            &[&id, &payload, &now()],
        )?;
        let stored: String = conn
            .query_one("SELECT payload FROM links WHERE id = $1", &[&id])?
            .get(0);
        same_payload(id, &stored, payload)
    }

    fn get(&self, id: &str) -> Result<Option<String>, StoreError> {
        if !valid_id(id) {
            return Ok(None);
        }
        let mut conn = self.conn()?;
        let payload: Option<String> = conn
            .query_opt("SELECT payload FROM links WHERE id = $1", &[&id])?
            .map(|r| r.get(0));
        if payload.is_some() {
            // Bookkeeping only: a link still opens when this cannot be written (a full disk).
            let _ = conn.execute(
                "UPDATE links SET opened_at = $2 WHERE id = $1",
                &[&id, &now()],
            );
        }
        Ok(payload)
    }

    fn delete(&self, id: &str) -> Result<bool, StoreError> {
        // Its shared data goes with it (ON DELETE CASCADE).
        Ok(self
            .conn()?
            .execute("DELETE FROM links WHERE id = $1", &[&id])?
            > 0)
    }

    fn data(&self, id: &str, op: &SharedOp) -> Result<DataAnswer, StoreError> {
        use serde_json::Value;
        if !valid_id(id) {
            return Ok(DataAnswer::NoLink);
        }
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        // Writes to one link take turns, across every instance: the quota is checked and the
        // value written as one step.
        let lock = if op.is_write() {
            "SELECT 1 FROM links WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT 1 FROM links WHERE id = $1"
        };
        if tx.query_opt(lock, &[&id])?.is_none() {
            return Ok(DataAnswer::NoLink);
        }
        let answer = match op {
            SharedOp::Get { key } => {
                let value: Option<String> = tx
                    .query_opt(
                        "SELECT value FROM link_data WHERE link = $1 AND key = $2",
                        &[&id, key],
                    )?
                    .map(|r| r.get(0));
                DataAnswer::Value(value.map_or(Value::Null, Value::String))
            }
            SharedOp::Set { key, value } => {
                let others: i64 = tx
                    .query_one(
                        "SELECT COALESCE(SUM(octet_length(key) + octet_length(value)), 0)::BIGINT \
                         FROM link_data WHERE link = $1 AND key <> $2",
                        &[&id, key],
                    )?
                    .get(0);
                if fits(others, key, value) {
                    tx.execute(
                        "INSERT INTO link_data (link, key, value) VALUES ($1, $2, $3) \
                         ON CONFLICT (link, key) DO UPDATE SET value = excluded.value",
                        &[&id, key, value],
                    )?;
                    DataAnswer::Value(Value::Null)
                } else {
                    DataAnswer::Full
                }
            }
            SharedOp::Delete { key } => DataAnswer::Value(Value::Bool(
                tx.execute(
                    "DELETE FROM link_data WHERE link = $1 AND key = $2",
                    &[&id, key],
                )? > 0,
            )),
            SharedOp::List { prefix } => {
                // Byte order, as SQLite's, whatever the database's collation.
                let limit = i64::try_from(MAX_SHARED_KEYS_LISTED).unwrap_or(i64::MAX);
                let keys = tx
                    .query(
                        "SELECT key FROM link_data WHERE link = $1 AND starts_with(key, $2) \
                         ORDER BY key COLLATE \"C\" LIMIT $3",
                        &[&id, prefix, &limit],
                    )?
                    .iter()
                    .map(|r| Value::String(r.get(0)))
                    .collect();
                DataAnswer::Value(Value::Array(keys))
            }
        };
        tx.commit()?;
        Ok(answer)
    }

    fn ready(&self) -> Result<(), StoreError> {
        self.conn()?.batch_execute("SELECT 1")?;
        Ok(())
    }

    fn counts_shared(&self) -> bool {
        true
    }

    fn count(&self, bucket: &str, minute: i64) -> Result<Option<u32>, StoreError> {
        let mut conn = self.conn_within(COUNT_WAIT)?;
        // Once a minute per instance, the counts of minutes gone.
        if self.cleared.swap(minute, Ordering::Relaxed) < minute {
            conn.execute(
                "DELETE FROM rate_counts WHERE minute < $1",
                &[&(minute - 1)],
            )?;
        }
        let n: i32 = conn
            .query_one(
                "INSERT INTO rate_counts (bucket, minute, count) VALUES ($1, $2, 1) \
                 ON CONFLICT (bucket, minute) DO UPDATE SET count = rate_counts.count + 1 \
                 RETURNING count",
                &[&bucket, &minute],
            )?
            .get(0);
        Ok(Some(u32::try_from(n).unwrap_or(u32::MAX)))
    }

    fn list(&self) -> Result<Vec<LinkInfo>, StoreError> {
        let rows = self.conn()?.query(
            "SELECT id, octet_length(payload)::BIGINT, created_at, opened_at FROM links \
             ORDER BY created_at DESC, id COLLATE \"C\"",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| LinkInfo {
                id: r.get(0),
                bytes: usize::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                created_at: r.get(2),
                opened_at: r.get(3),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use postgres::NoTls;

    use super::*;
    use crate::links::test_postgres::TestPostgres;

    #[test]
    fn tls_options_are_read_from_the_url() {
        let table: &[(&str, &str, bool, Option<&str>)] = &[
            ("postgres://h/db", "postgres://h/db", false, None),
            (
                "postgres://h/db?sslmode=disable",
                "postgres://h/db",
                false,
                None,
            ),
            (
                "postgres://h/db?sslmode=require",
                "postgres://h/db",
                true,
                None,
            ),
            (
                "postgres://h/db?sslmode=verify-full",
                "postgres://h/db",
                true,
                None,
            ),
            (
                "postgres://h/db?application_name=x&sslmode=verify-ca&sslrootcert=%2Fetc%2Fca.pem",
                "postgres://h/db?application_name=x",
                true,
                Some("/etc/ca.pem"),
            ),
            (
                "postgres://h/db?sslrootcert=system&sslmode=require",
                "postgres://h/db",
                true,
                None,
            ),
        ];
        for (url, kept, required, roots) in table {
            let tls = tls_options(url).unwrap();
            assert_eq!(tls.url, *kept, "{url}");
            assert_eq!(tls.required, *required, "{url}");
            assert_eq!(
                tls.roots.as_deref(),
                roots.map(std::path::Path::new),
                "{url}"
            );
        }
        for (url, says) in [
            (
                "postgres://h/db?sslmode=prefer",
                "sslmode=prefer is not supported",
            ),
            (
                "postgres://h/db?sslmode=allow",
                "sslmode=allow is not supported",
            ),
            ("postgres://h/db?sslrootcert=/ca.pem", "add sslmode=require"),
            (
                "postgres://h/db?sslcert=/c.pem&sslmode=require",
                "sslcert is not supported",
            ),
            (
                "postgres://h/db?ssl%6Dode=require",
                "ssl%6Dode is not supported",
            ),
        ] {
            let e = tls_options(url).unwrap_err().to_string();
            assert!(e.contains(says), "{url}: {e}");
        }
    }

    #[test]
    fn tls_is_used_when_asked_and_the_certificate_is_checked() {
        let Some(pg) = TestPostgres::start_tls("tls") else {
            return;
        };
        let url = pg.database("kiln");
        let ca = pg.ca();
        let with_ca = format!("{url}?sslmode=require&sslrootcert={}", ca.display());
        let store = PgLinks::open(&with_ca).unwrap();
        let id = crate::links::conformance::check(&store);
        assert!(!id.is_empty());
        let encrypted: bool = store
            .conn()
            .unwrap()
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get(0);
        assert!(encrypted, "the connection is not encrypted");
        // A server whose certificate no trusted root signed is refused, and so is plain TCP
        // to a server that wants TLS.
        let unknown = PgLinks::open(&format!("{url}?sslmode=require"))
            .err()
            .unwrap();
        assert!(
            unknown
                .to_string()
                .contains("invalid peer certificate: UnknownIssuer"),
            "{unknown}"
        );
        // The certificate names 127.0.0.1, not localhost.
        let by_name = url.replace("127.0.0.1", "localhost");
        let misnamed = PgLinks::open(&format!(
            "{by_name}?sslmode=require&sslrootcert={}",
            ca.display()
        ))
        .err()
        .unwrap()
        .to_string();
        assert!(
            misnamed.contains("certificate not valid for name \"localhost\""),
            "{misnamed}"
        );
        let plain = PgLinks::open(&url).err().unwrap().to_string();
        assert!(plain.contains("no encryption"), "{plain}");
        // A CA file that is not one is a clear error, before any connection.
        let e = PgLinks::open(&format!(
            "{url}?sslmode=require&sslrootcert=/nonexistent.pem"
        ))
        .err()
        .unwrap();
        assert!(matches!(e, StoreError::BadUrl(_)), "{e}");
        assert!(e.to_string().contains("/nonexistent.pem"), "{e}");
    }

    #[test]
    fn behaves_as_a_link_store_and_instances_migrate_together() {
        let Some(pg) = TestPostgres::start("store") else {
            return;
        };
        let url = pg.database("conformance");
        // Four instances starting at once on an empty database: each finds the schema ready.
        let opened: Vec<PgLinks> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(|| PgLinks::open(&url))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().unwrap())
                .collect()
        });
        let id = crate::links::conformance::check(&opened[0]);
        // What one instance wrote, another reads.
        crate::links::conformance::check_kept(&opened[3], &id);
        // Counts are one per bucket and minute, whichever instance counts.
        assert_eq!(opened[0].count("ip:a", 100).unwrap(), Some(1));
        assert_eq!(opened[1].count("ip:a", 100).unwrap(), Some(2));
        assert_eq!(opened[2].count("ip:b", 100).unwrap(), Some(1));
        assert_eq!(opened[3].count("ip:a", 101).unwrap(), Some(1));
        // A later minute clears what is older than the one before it.
        assert_eq!(opened[3].count("ip:a", 102).unwrap(), Some(1));
        let mut client = postgres::Client::connect(&url, NoTls).unwrap();
        let minutes: Vec<i64> = client
            .query(
                "SELECT DISTINCT minute FROM rate_counts ORDER BY minute",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(minutes, [101, 102]);
        drop(opened);
        let store = PgLinks::open(&url).unwrap();
        crate::links::conformance::check_kept(&store, &id);
    }

    #[test]
    fn writers_on_two_instances_never_take_a_link_past_its_quota() {
        use kiln_core::sandbox::live::shared::SHARED_QUOTA_BYTES;
        let Some(pg) = TestPostgres::start("quota") else {
            return;
        };
        let url = pg.database("quota");
        let (a, b) = (PgLinks::open(&url).unwrap(), PgLinks::open(&url).unwrap());
        let id = a.put("1race").unwrap();
        let value = "v".repeat(60_000);
        // Two instances, three writers each, all different keys, all at once.
        let stored: usize = std::thread::scope(|s| {
            let writers: Vec<_> = (0..6)
                .map(|w| {
                    let (store, id, value) = (if w % 2 == 0 { &a } else { &b }, &id, &value);
                    s.spawn(move || {
                        (0..8)
                            .filter(|n| {
                                let op = SharedOp::Set {
                                    key: format!("w{w}-{n}"),
                                    value: value.clone(),
                                };
                                store.data(id, &op).unwrap()
                                    == DataAnswer::Value(serde_json::Value::Null)
                            })
                            .count()
                    })
                })
                .collect();
            writers.into_iter().map(|h| h.join().unwrap()).sum()
        });
        let mut client = postgres::Client::connect(&url, NoTls).unwrap();
        let total: i64 = client
            .query_one(
                "SELECT SUM(octet_length(key) + octet_length(value))::BIGINT FROM link_data",
                &[],
            )
            .unwrap()
            .get(0);
        assert!(
            usize::try_from(total).unwrap() <= SHARED_QUOTA_BYTES,
            "{total}"
        );
        // As many as fit, no fewer: the refused ones were refused for the quota.
        assert_eq!(stored, SHARED_QUOTA_BYTES / (60_000 + "w0-0".len()));
    }

    #[test]
    fn a_database_that_goes_away_is_unavailable_and_used_again_when_it_returns() {
        let Some(pg) = TestPostgres::start("outage") else {
            return;
        };
        let store = PgLinks::open(&pg.database("outage")).unwrap();
        let id = store.put("1kept").unwrap();
        pg.stop();
        let err = store.get(&id).unwrap_err();
        assert!(err.is_unavailable(), "{err}");
        assert!(store.ready().unwrap_err().is_unavailable());
        pg.start_again();
        // The pool drops broken connections and opens new ones: a request or two may still
        // meet a connection that died with the server.
        let back = (0..5).find_map(|_| store.get(&id).ok());
        assert_eq!(back.flatten().as_deref(), Some("1kept"));
        store.ready().unwrap();
    }

    #[test]
    fn a_database_from_a_newer_kiln_is_refused_and_an_unreachable_one_is_named() {
        let Some(pg) = TestPostgres::start("newer") else {
            return;
        };
        let url = pg.database("newer");
        drop(PgLinks::open(&url).unwrap());
        let mut client = postgres::Client::connect(&url, NoTls).unwrap();
        client
            .batch_execute("UPDATE kiln_schema SET version = 99")
            .unwrap();
        let err = PgLinks::open(&url).err().unwrap().to_string();
        assert!(err.contains("newer than this kiln"), "{err}");
        // Nothing listens on this port any more.
        let gone = format!("postgres://kiln@127.0.0.1:{}/x", pg.port);
        drop(client);
        drop(pg);
        let err = PgLinks::open(&gone).err().unwrap();
        assert!(err.is_unavailable(), "{err}");
    }
}
