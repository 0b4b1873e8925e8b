//! The product catalogue and price lists: kept by admins and product managers, read by everyone;
//! codes unique without regard to case; tax rates exact; a price list's prices replaced as a
//! whole and shown in its history.

use kaidan_shared::product::{
    PriceEntry, PriceListCreate, PriceListDetail, Product, ProductCreate, ProductUpdate,
};
use kaidan_shared::user::{User, UserUpdate};
use kaidan_tests::spawn_app;
use rust_decimal::Decimal;
use serde_json::json;

fn product(code: &str, name: &str, price: i64) -> ProductCreate {
    ProductCreate {
        code: code.into(),
        name: name.into(),
        category: Some("software".into()),
        unit: Some("set".into()),
        list_price: price,
        ..Default::default()
    }
}

#[tokio::test]
async fn admins_keep_the_catalogue_everyone_reads_it_and_codes_are_unique_without_case() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;

    let p = app
        .product_create(&admin, &product("CRM-Pro", "CRM 专业版", 398_000))
        .await;
    assert_eq!(p.tax_rate, Decimal::from(13), "13 % unless told");
    assert!(p.active);
    let hw = app
        .product_create(
            &admin,
            &ProductCreate {
                category: Some("hardware".into()),
                tax_rate: Some("6.5".parse().unwrap()),
                ..product("PDA-X5", "移动终端", 320_000)
            },
        )
        .await;
    // The rate is exact on the wire: a decimal string, never a float.
    let raw = app
        .get(&rep.token, &format!("/api/v1/products/{}", hw.id))
        .await
        .expect(200);
    assert_eq!(raw.body["tax_rate"], json!("6.5"));

    // Everyone reads and searches it, by code (any case) or name, by category.
    let found = app.product_list(&rep, "q=crm-p").await.items;
    assert_eq!(
        found.iter().map(|p| &p.code).collect::<Vec<_>>(),
        ["CRM-Pro"]
    );
    let found = app.product_list(&rep, "q=%E7%BB%88%E7%AB%AF").await.items; // 终端
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, hw.id);
    let found = app.product_list(&rep, "category=hardware").await.items;
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), [hw.id]);
    // By code, page after page.
    let first = app.product_list(&rep, "limit=1").await;
    assert_eq!(first.items[0].code, "CRM-Pro");
    let cursor = first.next_cursor.expect("a second page");
    let second = app
        .product_list(&rep, &format!("limit=1&cursor={cursor}"))
        .await;
    assert_eq!(second.items[0].code, "PDA-X5");
    assert!(second.next_cursor.is_none());

    // A code differing only in case is taken.
    let r = app
        .post(
            &admin.token,
            "/api/v1/products",
            serde_json::to_value(product("crm-pro", "重复", 1)).unwrap(),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");
    // So is renaming onto it.
    let r = app
        .patch(
            &admin.token,
            &format!("/api/v1/products/{}", hw.id),
            &format!("\"{}\"", hw.version),
            json!({"code": "CRM-PRO"}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");

    // Bad input: every field named, nothing written.
    let r = app
        .post(
            &admin.token,
            "/api/v1/products",
            json!({"code": "产品-1", "name": " ", "list_price": -1, "tax_rate": "13.555",
                   "category": "no_such_category"}),
        )
        .await
        .expect(422);
    assert_eq!(
        r.error_fields(),
        ["code", "name", "list_price", "tax_rate", "category"]
    );
    assert_eq!(app.product_list(&admin, "").await.items.len(), 2);

    // Reps and supervisors may not change it.
    for who in ["rep_east1", "sup_east1", "manager_east"] {
        let t = app.sign_in(who).await;
        app.post(
            &t.token,
            "/api/v1/products",
            serde_json::to_value(product(&format!("X-{who}"), "x", 1)).unwrap(),
        )
        .await
        .expect(403);
        app.patch(
            &t.token,
            &format!("/api/v1/products/{}", p.id),
            &format!("\"{}\"", p.version),
            json!({"list_price": 1}),
        )
        .await
        .expect(403);
    }

    // Retired: out of the active catalogue, still readable, and in the history.
    let retired = app
        .product_update(
            &admin,
            &p,
            &ProductUpdate {
                active: Some(false),
                list_price: Some(358_000),
                ..Default::default()
            },
        )
        .await;
    assert!(!retired.active);
    let active: Vec<_> = app
        .product_list(&rep, "active=true")
        .await
        .items
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(active, [hw.id]);
    let h = app
        .get(&rep.token, &format!("/api/v1/products/{}/history", p.id))
        .await
        .expect(200);
    let latest = &h.body["items"][0];
    assert_eq!(latest["action"], "product.update");
    assert_eq!(latest["before"]["list_price"], 398_000);
    assert_eq!(latest["after"]["list_price"], 358_000);
    assert_eq!(latest["after"]["active"], false);
}

#[tokio::test]
async fn the_product_manager_grant_lets_a_rep_keep_the_catalogue_until_it_is_taken_away() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let pm = app.sign_in("rep_east2").await;
    assert!(pm.user.grants.is_empty());
    app.post(
        &pm.token,
        "/api/v1/products",
        serde_json::to_value(product("PM-1", "x", 1)).unwrap(),
    )
    .await
    .expect(403);

    let user: User = serde_json::from_value(
        app.get(&admin.token, &format!("/api/v1/users/{}", pm.user.id))
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    let granted = app
        .user_update(
            &admin,
            &user,
            &UserUpdate {
                grants: Some(vec![kaidan_shared::policy::Grant::ProductManager]),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(
        granted.grants,
        [kaidan_shared::policy::Grant::ProductManager]
    );
    // At once, on the token they already hold.
    let p = app
        .product_create(&pm, &product("PM-1", "实施服务", 250_000))
        .await;
    let me = app.get(&pm.token, "/api/v1/me").await.expect(200);
    assert_eq!(me.body["grants"], json!(["product_manager"]));
    // The grant is about the catalogue only: the rep still sees only their own customers' world.
    app.get(&pm.token, "/api/v1/audit").await.expect(403);

    app.user_update(
        &admin,
        &granted,
        &UserUpdate {
            grants: Some(vec![]),
            ..Default::default()
        },
    )
    .await;
    app.patch(
        &pm.token,
        &format!("/api/v1/products/{}", p.id),
        &format!("\"{}\"", p.version),
        json!({"list_price": 1}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn a_price_list_prices_products_for_its_dates_and_its_history_shows_the_prices() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    let a = app
        .product_create(&admin, &product("A-1", "甲", 100_000))
        .await;
    let b = app
        .product_create(&admin, &product("B-1", "乙", 50_000))
        .await;

    let list = app
        .price_list_create(
            &admin,
            &PriceListCreate {
                name: "2027 渠道价".into(),
                valid_from: "2027-01-01".parse().unwrap(),
                valid_to: Some("2027-12-31".parse().unwrap()),
                notes: None,
                entries: vec![
                    PriceEntry {
                        product_id: b.id,
                        price: 40_000,
                    },
                    PriceEntry {
                        product_id: a.id,
                        price: 80_000,
                    },
                ],
            },
        )
        .await;
    // Entries by product code, beside each product's own list price.
    let codes: Vec<_> = list
        .entries
        .iter()
        .map(|e| (e.product_code.as_str(), e.price, e.list_price))
        .collect();
    assert_eq!(codes, [("A-1", 80_000, 100_000), ("B-1", 40_000, 50_000)]);
    assert_eq!(list.price_list.entry_count, 2);

    // Reps read it; `valid_on` finds the lists of a day.
    let on = |d: &str| format!("/api/v1/price-lists?valid_on={d}");
    let r = app.get(&rep.token, &on("2027-06-01")).await.expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = app.get(&rep.token, &on("2028-01-01")).await.expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0);

    // A product twice, or one that does not exist: named, nothing written.
    let ghost = uuid::Uuid::now_v7();
    let r = app
        .patch(
            &admin.token,
            &format!("/api/v1/price-lists/{}", list.price_list.id),
            &format!("\"{}\"", list.price_list.version),
            json!({"entries": [{"product_id": a.id, "price": 1}, {"product_id": a.id, "price": 2},
                               {"product_id": ghost, "price": 3}]}),
        )
        .await
        .expect(422);
    assert_eq!(
        r.error_fields(),
        ["entries[1].product_id", "entries[2].product_id"]
    );
    // Replacing the prices: all of them, at once.
    let r = app
        .patch(
            &admin.token,
            &format!("/api/v1/price-lists/{}", list.price_list.id),
            &format!("\"{}\"", list.price_list.version),
            json!({"entries": [{"product_id": a.id, "price": 75_000}]}),
        )
        .await
        .expect(200);
    let after: PriceListDetail = serde_json::from_value(r.body).unwrap();
    assert_eq!(after.entries.len(), 1);
    assert_eq!(after.price_list.entry_count, 1);
    assert_eq!(after.entries[0].price, 75_000);
    // The old version's ETag is stale now.
    app.patch(
        &admin.token,
        &format!("/api/v1/price-lists/{}", list.price_list.id),
        &format!("\"{}\"", list.price_list.version),
        json!({"name": "改名"}),
    )
    .await
    .expect(412);
    let h = app
        .get(
            &admin.token,
            &format!("/api/v1/price-lists/{}/history", list.price_list.id),
        )
        .await
        .expect(200);
    let latest = &h.body["items"][0];
    assert_eq!(latest["action"], "price_list.update");
    assert_eq!(
        latest["before"]["prices"],
        json!({"A-1": 80_000, "B-1": 40_000})
    );
    assert_eq!(latest["after"]["prices"], json!({"A-1": 75_000}));

    // Only the catalogue's keepers make lists.
    app.post(
        &rep.token,
        "/api/v1/price-lists",
        json!({"name": "私价", "valid_from": "2027-01-01"}),
    )
    .await
    .expect(403);
    // Dates the wrong way round.
    let r = app
        .post(
            &admin.token,
            "/api/v1/price-lists",
            json!({"name": "反", "valid_from": "2027-02-01", "valid_to": "2027-01-01"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["valid_to"]);
}

#[tokio::test]
async fn products_take_custom_fields_and_a_retried_create_makes_one() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    app.post(
        &admin.token,
        "/api/v1/fields",
        json!({"resource": "product", "key": "brand", "label_zh": "品牌", "label_en": "Brand",
               "kind": "text"}),
    )
    .await
    .expect(201);
    let body = json!({"code": "BR-1", "name": "带品牌", "list_price": 100,
                      "custom": {"brand": "开单"}});
    let headers = [("Idempotency-Key", "product-br-1")];
    let first = app
        .request(
            reqwest::Method::POST,
            "/api/v1/products",
            Some(&admin.token),
            Some(&body),
            &headers,
        )
        .await
        .expect(201);
    let again = app
        .request(
            reqwest::Method::POST,
            "/api/v1/products",
            Some(&admin.token),
            Some(&body),
            &headers,
        )
        .await
        .expect(201);
    assert_eq!(first.id(), again.id());
    let p: Product = serde_json::from_value(first.body).unwrap();
    assert_eq!(p.custom["brand"], json!("开单"));
    assert_eq!(app.product_list(&admin, "").await.items.len(), 1);
    // An unknown custom field is named like any other.
    let r = app
        .post(
            &admin.token,
            "/api/v1/products",
            json!({"code": "BR-2", "name": "x", "list_price": 1, "custom": {"nope": 1}}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["custom.nope"]);
}
