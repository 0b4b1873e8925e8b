//! Contacts (联系人): the people of a customer, in the customer's scope.

use kaidan_shared::contact::{ContactInput, ContactUpdate};
use kaidan_shared::customer::CustomerCreate;
use kaidan_shared::Patch;
use kaidan_tests::spawn_app;
use serde_json::json;

/// Written with the typed helpers, as a new module's stories are: a rep adds contacts to a
/// customer, the first becomes primary, making another primary takes it from the first, an edit
/// clears a field with `null` and leaves the rest, and a removed contact leaves the list.
#[tokio::test]
async fn a_rep_keeps_a_customers_people_with_one_primary_contact() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let customer = app
        .customer_create(
            &rep,
            &CustomerCreate {
                name: "杭州联系人测试有限公司".into(),
                ..Default::default()
            },
        )
        .await
        .customer;
    let li = app
        .contact_create(
            &rep,
            customer.id,
            &ContactInput {
                name: "李雷".into(),
                title: Some("采购经理".into()),
                phones: vec!["13800138000".into()],
                ..Default::default()
            },
        )
        .await;
    assert!(li.is_primary, "the first contact is the primary one");
    let han = app
        .contact_create(
            &rep,
            customer.id,
            &ContactInput {
                name: "韩梅梅".into(),
                email: Some("han@example.com".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(!han.is_primary);

    let han = app
        .contact_update(
            &rep,
            &han,
            &ContactUpdate {
                is_primary: Some(true),
                email: Patch::Null,
                ..Default::default()
            },
        )
        .await;
    assert!(han.is_primary);
    assert_eq!(han.email, None, "null clears the field");
    assert_eq!(han.name, "韩梅梅", "absent fields stay");
    let (detail, _) = app.customer_get(&rep, customer.id).await;
    let primaries: Vec<_> = detail
        .contacts
        .iter()
        .filter(|c| c.is_primary)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(primaries, ["韩梅梅"], "one primary contact, the new one");
    assert_eq!(
        detail.contacts[0].name, "韩梅梅",
        "the primary contact comes first"
    );

    let li = detail.contacts.iter().find(|c| c.id == li.id).unwrap();
    app.delete(
        &rep.token,
        &format!("/api/v1/contacts/{}", li.id),
        &format!("\"{}\"", li.version),
    )
    .await
    .expect(204);
    let (detail, _) = app.customer_get(&rep, customer.id).await;
    assert_eq!(detail.contacts.len(), 1);

    // Another team's rep cannot reach them, by the customer or by the contact.
    let other = app.sign_in("rep_east3").await;
    app.get(&other.token, &format!("/api/v1/contacts/{}", han.id))
        .await
        .expect(404);
    app.post(
        &other.token,
        &format!("/api/v1/customers/{}/contacts", customer.id),
        json!({"name": "王五"}),
    )
    .await
    .expect(404);
}

/// Many writers at once (the pooled SQLite, PostgreSQL, MySQL): every create succeeds — none
/// fails with a database-busy error — and a customer's first contact, however many arrive
/// together, is the only primary one.
#[tokio::test]
async fn concurrent_writers_all_succeed_and_one_contact_is_primary() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let e2 = app.login("rep_east2").await;
    let c = app
        .create_customer(&e1, json!({"name": "并发测试客户"}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (client, base, tok, id) = (
            app.client.clone(),
            app.address.clone(),
            if i % 2 == 0 { e1.clone() } else { e2.clone() },
            id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let (url, body) = if i % 2 == 0 {
                (
                    format!("{base}/api/v1/customers/{id}/contacts"),
                    json!({"name": format!("联系人{i}")}),
                )
            } else {
                (
                    format!("{base}/api/v1/customers"),
                    json!({"name": format!("并发新建客户{i}"), "force": true}),
                )
            };
            let r = client
                .post(url)
                .bearer_auth(tok)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }));
    }
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 201, "{body}");
    }
    let contacts = app
        .get(&e1, &format!("/api/v1/customers/{id}/contacts"))
        .await
        .expect(200);
    let list = contacts.body.as_array().unwrap();
    assert_eq!(list.len(), 8);
    assert_eq!(
        list.iter().filter(|c| c["is_primary"] == true).count(),
        1,
        "{list:?}"
    );
}
