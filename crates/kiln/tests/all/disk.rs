//! `kiln serve` on SQLite when the disk fills: a clear answer for what could not be kept, links
//! still open, and afterwards a whole database with every acknowledged write in it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::deploy::{link_body, payload_of, request, serve, temp};

/// A small tmpfs mounted for the test, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    /// `None` when not root (mounting needs it); `./dev test` runs as root.
    fn mount(at: &Path, size: &str) -> Option<Self> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        if !root {
            eprintln!("skipped: mounting a small tmpfs needs root");
            return None;
        }
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .unwrap();
        assert!(ok.success(), "mount -t tmpfs at {}", at.display());
        Some(Self(at.to_owned()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_said_and_loses_nothing_acknowledged() {
    let dir = temp("full-disk");
    let Some(disk) = SmallDisk::mount(&dir.join("disk"), "1m") else {
        return;
    };
    let db = disk.0.join("links.db");
    let server = serve(&db);
    let ids: Vec<String> = (0..4)
        .map(|i| {
            let payload = payload_of(&dir, &format!("a{i}.html"), &format!("<p>app {i}</p>"));
            let (head, body) = request(&server.studio, "POST", "/api/links", &link_body(&payload));
            assert!(head.starts_with("http/1.1 201"), "{head}{body}");
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // 60 KB values until the disk is full: four links' quotas are more than the disk holds.
    let value = "v".repeat(60_000);
    let mut kept = Vec::new();
    let mut refusal = None;
    'fill: for n in 0..17 {
        for id in &ids {
            let key = format!("k{n}");
            let op = serde_json::json!({ "op": "set", "key": key, "value": value }).to_string();
            let (head, body) = request(
                &server.studio,
                "POST",
                &format!("/api/links/{id}/data"),
                &op,
            );
            if head.starts_with("http/1.1 200") {
                kept.push((id.clone(), key));
            } else {
                refusal = Some((head, body));
                break 'fill;
            }
        }
    }
    let (head, body) = refusal.expect("the 1 MiB disk never filled");
    assert!(head.starts_with("http/1.1 503"), "{head}{body}");
    assert!(body.contains("disk is full"), "{body}");
    assert!(!kept.is_empty());
    // A new link larger than what is left is refused with the reason (text that compresses
    // poorly, so its link is large too); existing links still open.
    let mut seed = 7u32;
    let noise: String = (0..300_000)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from(b'a' + u8::try_from((seed >> 16) % 26).unwrap())
        })
        .collect();
    let payload = payload_of(&dir, "late.html", &format!("<p>{noise}</p>"));
    let (head, body) = request(&server.studio, "POST", "/api/links", &link_body(&payload));
    assert!(
        head.starts_with("http/1.1 507") && body.contains("disk is full"),
        "{head}{body}"
    );
    let (head, _) = request(&server.studio, "GET", &format!("/s/{}", ids[0]), "");
    assert!(head.starts_with("http/1.1 303"), "{head}");

    // Started again on the same file: whole, and every acknowledged value is there.
    drop(server);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    let server = serve(&db);
    for (id, key) in &kept {
        let op = serde_json::json!({ "op": "get", "key": key }).to_string();
        let (head, body) = request(
            &server.studio,
            "POST",
            &format!("/api/links/{id}/data"),
            &op,
        );
        assert!(head.starts_with("http/1.1 200"), "{head}{body}");
        assert!(body.len() > 60_000, "{id} {key} lost");
    }
}
