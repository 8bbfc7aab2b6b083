//! `kiln serve --database postgres://…`: several instances on one database give the same
//! answers and keep the same rate limits, a database outage (also one under load) is a 503 the
//! server recovers from by itself, and a link an instance acknowledged survives the database
//! restarting and that instance being killed mid-write.
//!
//! Each test starts its own throwaway PostgreSQL cluster; without PostgreSQL installed they say
//! so and pass, unless `KILN_REQUIRE_POSTGRES` is set (`./dev test` sets it and installs it).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::deploy::{link_body, payload_of, request, temp};
use crate::test_postgres::TestPostgres;
use crate::{Server, run, start_server, text};

fn serve_on(url: &str) -> Server {
    start_server(&["--database", url, "--requests-per-minute", "0", "--no-run"])
}

/// Stores `payload` through `server`; the new link's id.
fn create(server: &Server, payload: &str) -> String {
    let (head, body) = request(&server.studio, "POST", "/api/links", &link_body(payload));
    assert!(head.starts_with("http/1.1 201"), "{head}{body}");
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    created["id"].as_str().unwrap().to_owned()
}

fn data(server: &Server, id: &str, op: &serde_json::Value) -> (String, String) {
    request(
        &server.studio,
        "POST",
        &format!("/api/links/{id}/data"),
        &op.to_string(),
    )
}

#[test]
fn several_instances_on_one_database_give_the_same_answers() {
    let Some(pg) = TestPostgres::start("instances") else {
        return;
    };
    // Under the test cluster's trust authentication a password is not asked for, so one in
    // the URL shows whether it is kept out of what kiln prints.
    let url = pg.database("kiln").replace("kiln@", "kiln:pw-never-shown@");
    let out = run(&["serve", "--database", &url, "--print-config"]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("kiln:***@") && !shown.contains("pw-never-shown"),
        "{shown}"
    );
    // Three instances starting together on an empty database: the schema is made once.
    let servers: Vec<Server> = std::thread::scope(|s| {
        let started: Vec<_> = (0..3).map(|_| s.spawn(|| serve_on(&url))).collect();
        started.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let [a, b, c] = &servers[..] else {
        unreachable!()
    };
    for server in &servers {
        let (head, body) = request(&server.studio, "GET", "/readyz", "");
        assert!(head.starts_with("http/1.1 200"), "{head}{body}");
    }
    let dir = temp("pg-instances");
    let payload = payload_of(
        &dir,
        "poll.html",
        "<!DOCTYPE html><title>Poll</title><p>vote</p>",
    );
    let id = create(a, &payload);
    // Made on one, opened on another, with the same id from a third.
    let (head, _) = request(&b.studio, "GET", &format!("/s/{id}"), "");
    assert!(head.starts_with("http/1.1 303"), "{head}");
    assert_eq!(create(c, &payload), id);
    // Shared data written through one is read through another.
    let set = serde_json::json!({ "op": "set", "key": "vote:ann", "value": "pizza" });
    let (head, body) = data(b, &id, &set);
    assert!(head.starts_with("http/1.1 200"), "{head}{body}");
    let (_, body) = data(
        c,
        &id,
        &serde_json::json!({ "op": "get", "key": "vote:ann" }),
    );
    assert_eq!(body, r#"{"value":"pizza"}"#);
    // The CLI works on the same database, and a delete shows everywhere.
    let out = run(&["links", "list", "--database", &url]);
    assert!(text(&out.stdout).contains(&id), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("pw-never-shown"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["links", "delete", &id, "--database", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for server in &servers {
        let (head, _) = request(&server.studio, "GET", &format!("/s/{id}"), "");
        assert!(head.starts_with("http/1.1 404"), "{head}");
    }
}

#[test]
fn a_database_outage_is_a_503_with_retry_after_and_the_server_recovers_by_itself() {
    let Some(pg) = TestPostgres::start("outage") else {
        return;
    };
    let server = serve_on(&pg.database("kiln"));
    let dir = temp("pg-outage");
    let id = create(
        &server,
        &payload_of(&dir, "a.html", "<!DOCTYPE html><title>A</title><p>a</p>"),
    );
    pg.stop();
    let started = Instant::now();
    let (head, body) = data(
        &server,
        &id,
        &serde_json::json!({ "op": "get", "key": "k" }),
    );
    assert!(
        head.starts_with("http/1.1 503") && head.contains("retry-after:"),
        "{head}{body}"
    );
    assert!(body.contains("cannot be reached"), "{body}");
    // Within the pool's few seconds, not a hang.
    assert!(started.elapsed() < Duration::from_secs(20));
    let (head, body) = request(&server.studio, "GET", &format!("/s/{id}"), "");
    assert!(head.starts_with("http/1.1 503"), "{head}{body}");
    let (head, _) = request(&server.studio, "GET", "/readyz", "");
    assert!(head.starts_with("http/1.1 503"), "{head}");
    // The process itself is fine, and says so.
    let (head, _) = request(&server.studio, "GET", "/healthz", "");
    assert!(head.starts_with("http/1.1 200"), "{head}");

    pg.start_again();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (head, _) = request(&server.studio, "GET", "/readyz", "");
        if head.starts_with("http/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "not ready again: {head}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (head, _) = request(&server.studio, "GET", &format!("/s/{id}"), "");
    assert!(head.starts_with("http/1.1 303"), "{head}");
    // And it stops cleanly, its pool of connections closed.
    let status = server
        .terminate()
        .expect("kiln serve did not stop within 30 s");
    assert!(status.success(), "{status}");
}

#[test]
fn a_database_restarted_under_load_loses_nothing_acknowledged() {
    let Some(pg) = TestPostgres::start("restart") else {
        return;
    };
    let server = serve_on(&pg.database("kiln"));
    let dir = temp("pg-restart");
    let payloads: Vec<String> = (0..40)
        .map(|i| payload_of(&dir, &format!("r{i}.html"), &format!("<p>restart {i}</p>")))
        .collect();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let answers = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        s.spawn(|| {
            for payload in payloads.iter().cycle() {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let (head, body) =
                    request(&server.studio, "POST", "/api/links", &link_body(payload));
                let status = head.get(9..12).unwrap_or_default().to_owned();
                let id = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["id"].as_str().map(str::to_owned));
                answers.lock().unwrap().push((status, id));
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        std::thread::sleep(Duration::from_millis(500));
        pg.stop();
        // Longer than a request waits for a connection (3 s), so some are refused.
        std::thread::sleep(Duration::from_secs(5));
        pg.start_again();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !request(&server.studio, "GET", "/readyz", "")
            .0
            .starts_with("http/1.1 200")
        {
            assert!(Instant::now() < deadline, "not ready again");
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(500));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let answers = answers.into_inner().unwrap();
    let statuses: Vec<&str> = answers.iter().map(|(s, _)| s.as_str()).collect();
    // Stored, or "try again": never a 500 or a hang.
    assert!(
        statuses.iter().all(|s| *s == "201" || *s == "503"),
        "{statuses:?}"
    );
    let first_refusal = statuses.iter().position(|s| *s == "503").expect("no 503");
    assert!(
        statuses[first_refusal..].contains(&"201"),
        "nothing stored after the restart: {statuses:?}"
    );
    for id in answers
        .iter()
        .filter_map(|(s, id)| (s == "201").then_some(id))
        .flatten()
    {
        let (head, _) = request(&server.studio, "GET", &format!("/s/{id}"), "");
        assert!(head.starts_with("http/1.1 303"), "{id}: {head}");
    }
}

#[test]
fn every_link_an_instance_acknowledged_survives_it_being_killed_mid_write() {
    let Some(pg) = TestPostgres::start("kill") else {
        return;
    };
    let url = pg.database("kiln");
    let dir = temp("pg-kill");
    let payloads: Vec<String> = (0..60)
        .map(|i| {
            payload_of(
                &dir,
                &format!("app{i}.html"),
                &format!("<!DOCTYPE html><title>App {i}</title><p>number {i}</p>"),
            )
        })
        .collect();
    let doomed = serve_on(&url);
    let addr = doomed.studio.clone();
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let acknowledged = Arc::clone(&acknowledged);
        std::thread::spawn(move || {
            for payload in payloads {
                // The connection dies with the server: stop at the first failed request.
                let Ok(answer) = std::panic::catch_unwind(|| {
                    request(&addr, "POST", "/api/links", &link_body(&payload))
                }) else {
                    return;
                };
                let (head, body) = answer;
                if !head.starts_with("http/1.1 201") {
                    return;
                }
                let created: serde_json::Value = serde_json::from_str(&body).unwrap();
                let id = created["id"].as_str().unwrap().to_owned();
                acknowledged.lock().unwrap().push(id);
            }
        })
    };
    // Killed (SIGKILL) while the writes go on.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 10 {
        assert!(Instant::now() < deadline, "no links were acknowledged");
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(doomed);
    let _ = writer.join();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 10 && acknowledged.len() < 60,
        "{}",
        acknowledged.len()
    );
    let other = serve_on(&url);
    for id in &acknowledged {
        let (head, _) = request(&other.studio, "GET", &format!("/s/{id}"), "");
        assert!(head.starts_with("http/1.1 303"), "{id}: {head}");
    }
}

/// Waits, if needed, so what follows starts early in a wall-clock minute (the limits' window).
fn early_in_a_minute() {
    let second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    // Room for the slowest machine to finish what follows within the minute.
    if second > 20 {
        std::thread::sleep(Duration::from_secs(61 - second));
    }
}

#[test]
fn rate_limits_hold_across_instances() {
    let Some(pg) = TestPostgres::start("limits") else {
        return;
    };
    let url = pg.database("kiln");
    let limited =
        |rpm: &str| start_server(&["--database", &url, "--requests-per-minute", rpm, "--no-run"]);
    let (a, b) = (limited("6"), limited("6"));
    early_in_a_minute();
    // Six requests from one address between the two instances, then neither takes a seventh.
    for i in 0..6 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (head, _) = request(&server.studio, "POST", "/api/links", "{}");
        assert!(head.starts_with("http/1.1 400"), "request {i}: {head}");
    }
    for server in [&a, &b] {
        let (head, body) = request(&server.studio, "POST", "/api/links", "{}");
        assert!(
            head.starts_with("http/1.1 429") && head.contains("retry-after:"),
            "{head}{body}"
        );
    }

    // Writes to one link's shared data: 120 a minute from everyone, whatever the instance.
    let (c, d) = (limited("0"), limited("0"));
    let dir = temp("pg-limits");
    let id = create(
        &c,
        &payload_of(
            &dir,
            "poll.html",
            "<!DOCTYPE html><title>Poll</title><p>vote</p>",
        ),
    );
    early_in_a_minute();
    for i in 0..120 {
        let server = if i % 2 == 0 { &c } else { &d };
        let set = serde_json::json!({ "op": "set", "key": format!("n{i}"), "value": "1" });
        let (head, body) = data(server, &id, &set);
        assert!(head.starts_with("http/1.1 200"), "write {i}: {head}{body}");
    }
    let set = serde_json::json!({ "op": "set", "key": "one-more", "value": "1" });
    let (head, body) = data(&d, &id, &set);
    assert!(head.starts_with("http/1.1 429"), "{head}{body}");
}
