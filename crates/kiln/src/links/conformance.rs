//! What every link store does, checked the same way on each (SQLite and PostgreSQL tests call
//! these on a fresh store).
#![allow(clippy::unwrap_used)] // test code: a failure should stop loudly

use kiln_core::sandbox::live::shared::{SHARED_QUOTA_BYTES, SharedOp};
use serde_json::json;

use super::{DataAnswer, Links};

/// Links, their shared data and its quota on an empty `store`; returns the id of a link left
/// with data (`title` = "Lunch") for [`check_kept`].
pub fn check(store: &dyn Links) -> String {
    store.ready().unwrap();
    // Links: idempotent, listed, opened, deleted.
    let temp = store.put("1payload").unwrap();
    assert_eq!(store.put("1payload").unwrap(), temp, "idempotent");
    assert_eq!(store.get(&temp).unwrap().as_deref(), Some("1payload"));
    let listed = store.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].bytes, "1payload".len());
    assert!(listed[0].opened_at.is_some());
    assert!(store.delete(&temp).unwrap());
    assert!(!store.delete(&temp).unwrap());
    assert_eq!(store.get(&temp).unwrap(), None);
    assert_eq!(store.get("../../etc/pa").unwrap(), None);

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
    set(&id, "vote:B", "3");
    set(&id, "title", "Lunch");
    assert_eq!(get(&id, "vote:a"), DataAnswer::Value(json!("1")));
    // Links do not see each other's data; unknown links have none.
    assert_eq!(get(&other, "vote:a"), DataAnswer::Value(json!(null)));
    assert_eq!(get("AAAAAAAAAAAA", "vote:a"), DataAnswer::NoLink);
    assert_eq!(get("../x", "vote:a"), DataAnswer::NoLink);
    // Listed by prefix, in byte order whatever the database's collation.
    assert_eq!(
        store
            .data(
                &id,
                &SharedOp::List {
                    prefix: "vote:".into()
                }
            )
            .unwrap(),
        DataAnswer::Value(json!(["vote:B", "vote:a", "vote:b"]))
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
    // Deleting a link deletes its data.
    set(&other, "k", "v");
    assert!(store.delete(&other).unwrap());
    let again = store.put("1other").unwrap();
    assert_eq!(get(&again, "k"), DataAnswer::Value(json!(null)));
    id
}

/// What [`check`] left is still there (after the store was opened again).
pub fn check_kept(store: &dyn Links, id: &str) {
    assert_eq!(
        store
            .data(
                id,
                &SharedOp::Get {
                    key: "title".into()
                }
            )
            .unwrap(),
        DataAnswer::Value(json!("Lunch"))
    );
}
