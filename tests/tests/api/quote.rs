//! Quotes: lines from the catalogue priced from the price list or the list price, figures from
//! `shared::quote::totals` to the 分, drafts edited, sent quotes frozen and revised, the
//! customer's answer recorded, numbers unique under concurrent creation.

use kaidan_shared::customer::CustomerCreate;
use kaidan_shared::product::{PriceEntry, PriceListCreate, ProductCreate};
use kaidan_shared::quote::{totals, LineInput, Quote, QuoteStatus};
use kaidan_tests::{spawn_app, SignedIn, TestApp};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn deal(app: &TestApp, who: &SignedIn, name: &str) -> Uuid {
    let c = app
        .customer_create(
            who,
            &CustomerCreate {
                name: format!("{name}客户"),
                ..Default::default()
            },
        )
        .await
        .customer
        .id;
    let r = app
        .post(
            &who.token,
            "/api/v1/opportunities",
            json!({"customer_id": c, "name": name, "amount": 1_000_000}),
        )
        .await
        .expect(201);
    r.id().parse().unwrap()
}

async fn product(app: &TestApp, code: &str, price: i64, tax: &str) -> Uuid {
    let admin = app.sign_in("admin").await;
    app.product_create(
        &admin,
        &ProductCreate {
            code: code.into(),
            name: format!("产品{code}"),
            list_price: price,
            tax_rate: Some(d(tax)),
            unit: Some("set".into()),
            ..Default::default()
        },
    )
    .await
    .id
}

/// The admin changes a catalogue product (at its current version).
async fn change_product(app: &TestApp, id: Uuid, update: kaidan_shared::product::ProductUpdate) {
    let admin = app.sign_in("admin").await;
    let p: kaidan_shared::product::Product = serde_json::from_value(
        app.get(&admin.token, &format!("/api/v1/products/{id}"))
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    app.product_update(&admin, &p, &update).await;
}

fn quote(r: kaidan_tests::Resp) -> Quote {
    serde_json::from_value(r.body).expect("a quote")
}

#[tokio::test]
async fn a_rep_quotes_a_deal_and_the_figures_are_the_shared_functions_to_the_fen() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let a = product(&app, "LIC", 1_280_000, "13").await;
    let b = product(&app, "SRV", 199_999, "6").await;
    let admin = app.sign_in("admin").await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let list = app
        .price_list_create(
            &admin,
            &PriceListCreate {
                name: "渠道价".into(),
                valid_from: format!("{year}-01-01").parse().unwrap(),
                valid_to: None,
                notes: None,
                entries: vec![PriceEntry {
                    product_id: b,
                    price: 180_000,
                }],
            },
        )
        .await;
    let d1 = deal(&app, &rep, "二期产线").await;

    let q = quote(
        app.post(
            &rep.token,
            "/api/v1/quotes",
            json!({"opportunity_id": d1, "title": "二期产线 CRM 报价",
                   "price_list_id": list.price_list.id, "overall_discount_percent": "5",
                   "lines": [{"product_id": a, "quantity": "3", "discount_percent": "10"},
                             {"product_id": b, "quantity": "2.5"}]}),
        )
        .await
        .expect(201),
    );
    assert_eq!(q.number, format!("BJ-{year}-000001"));
    assert_eq!((q.revision, q.status), (1, QuoteStatus::Draft));
    assert_eq!(q.owner_id, Some(rep.user.id));
    assert_eq!(q.customer_name.as_deref(), Some("二期产线客户"));
    // The list's price for the product it names; the list price for the other.
    assert_eq!(q.lines[0].unit_price, 1_280_000);
    assert_eq!(q.lines[1].unit_price, 180_000);
    assert_eq!(q.lines[1].product_code, "SRV");
    let expected = totals(
        &[
            LineInput {
                quantity: d("3"),
                unit_price: 1_280_000,
                discount_percent: d("10"),
                tax_rate_percent: d("13"),
            },
            LineInput {
                quantity: d("2.5"),
                unit_price: 180_000,
                discount_percent: Decimal::ZERO,
                tax_rate_percent: d("6"),
            },
        ],
        d("5"),
    );
    assert_eq!(
        (q.subtotal, q.discount, q.tax, q.total),
        (
            expected.subtotal,
            expected.discount,
            expected.tax,
            expected.total
        )
    );
    assert_eq!(q.lines[0].figures, expected.lines[0]);
    assert_eq!(q.lines[1].figures, expected.lines[1]);
    // 3 × 12,800 = 38,400.00 less 10 % and 5 %: 32,832.00; 13 % tax 4,268.16.
    assert_eq!(q.lines[0].figures.net, 3_283_200);
    assert_eq!(q.lines[0].figures.tax, 426_816);
    // The largest discount against the list price: 10 % then 5 % on the licences, 14.50 %; the
    // service at 1,800 for 1,999.99 less 5 %, 1 − 427,500 / 499,997.5, also 14.50 % when rounded.
    assert_eq!(q.max_discount_percent, d("14.5"));
    // Exact on the wire: decimal strings.
    let raw = app
        .get(&rep.token, &format!("/api/v1/quotes/{}", q.id))
        .await
        .expect(200);
    assert_eq!(raw.body["lines"][1]["quantity"], json!("2.5"));
    assert_eq!(raw.body["overall_discount_percent"], json!("5"));

    // Bad lines: each named, nothing written.
    let retired = product(&app, "OLD", 100, "13").await;
    change_product(
        &app,
        retired,
        kaidan_shared::product::ProductUpdate {
            active: Some(false),
            ..Default::default()
        },
    )
    .await;
    let r = app
        .patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", q.id),
            &format!("\"{}\"", q.version),
            json!({"lines": [{"product_id": retired, "quantity": "1"},
                             {"product_id": Uuid::now_v7(), "quantity": "1"},
                             {"product_id": a, "quantity": "0.00001"},
                             {"product_id": a, "quantity": "1", "discount_percent": "100.5"}]}),
        )
        .await
        .expect(422);
    assert_eq!(
        r.error_fields(),
        ["lines[2].quantity", "lines[3].discount_percent",],
        "shape errors first"
    );
    let r = app
        .patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", q.id),
            &format!("\"{}\"", q.version),
            json!({"lines": [{"product_id": retired, "quantity": "1"},
                             {"product_id": Uuid::now_v7(), "quantity": "1"}]}),
        )
        .await
        .expect(422);
    assert_eq!(
        r.error_fields(),
        ["lines[0].product_id", "lines[1].product_id"]
    );
    // A price list outside the quote's date.
    let r = app
        .patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", q.id),
            &format!("\"{}\"", q.version),
            json!({"quote_date": "2001-01-01"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["price_list_id"]);
    let unchanged = quote(
        app.get(&rep.token, &format!("/api/v1/quotes/{}", q.id))
            .await
            .expect(200),
    );
    assert_eq!(unchanged, q);

    // Without the list, and one line: priced again at the list price.
    let q2 = quote(
        app.patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", q.id),
            &format!("\"{}\"", q.version),
            json!({"price_list_id": null, "lines": [{"product_id": b, "quantity": "1"}]}),
        )
        .await
        .expect(200),
    );
    assert_eq!(q2.lines.len(), 1);
    assert_eq!(q2.lines[0].unit_price, 199_999);
    // 1,999.99 less 5 % overall = 1,899.9905 → 1,899.99; 6 % tax = 113.9994 → 114.00.
    assert_eq!(
        (q2.subtotal, q2.tax, q2.total),
        (199_999, 11_400, 189_999 + 11_400)
    );
}

#[tokio::test]
async fn a_sent_quote_is_frozen_revised_superseded_and_answered() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let a = product(&app, "LIC", 100_000, "13").await;
    let d1 = deal(&app, &rep, "报价版本").await;
    let empty = quote(
        app.post(
            &rep.token,
            "/api/v1/quotes",
            json!({"opportunity_id": d1, "title": "空报价"}),
        )
        .await
        .expect(201),
    );
    // Nothing to send.
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/quotes/{}/send", empty.id),
            json!({}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["lines"]);

    let q = quote(
        app.post(
            &rep.token,
            "/api/v1/quotes",
            json!({"opportunity_id": d1, "title": "版本一",
                   "lines": [{"product_id": a, "quantity": "2"}]}),
        )
        .await
        .expect(201),
    );
    assert_ne!(q.number, empty.number, "each quote its own number");
    let sent = quote(
        app.post(
            &rep.token,
            &format!("/api/v1/quotes/{}/send", q.id),
            json!({}),
        )
        .await
        .expect(200),
    );
    assert_eq!(sent.status, QuoteStatus::Sent);
    assert!(sent.sent_at.is_some());
    // Frozen.
    let r = app
        .patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", q.id),
            &format!("\"{}\"", sent.version),
            json!({"title": "偷偷改"}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "invalid_state");
    // A stale If-Match on an action is refused.
    app.request(
        reqwest::Method::POST,
        &format!("/api/v1/quotes/{}/accept", q.id),
        Some(&rep.token),
        Some(&json!({})),
        &[("If-Match", "\"1\"")],
    )
    .await
    .expect(412);

    // The next revision: same number, the lines as they were, a draft.
    let rev = quote(
        app.post(
            &rep.token,
            &format!("/api/v1/quotes/{}/revise", q.id),
            json!({}),
        )
        .await
        .expect(201),
    );
    assert_eq!((rev.number.as_str(), rev.revision), (q.number.as_str(), 2));
    assert_eq!(rev.status, QuoteStatus::Draft);
    assert_eq!(rev.lines, sent.lines);
    // One draft revision at a time.
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/quotes/{}/revise", q.id),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "invalid_state");
    let rev = quote(
        app.patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", rev.id),
            &format!("\"{}\"", rev.version),
            json!({"overall_discount_percent": "8", "title": "版本二"}),
        )
        .await
        .expect(200),
    );
    assert_eq!(rev.total, 2 * 92_000 + (2 * 92_000) * 13 / 100);
    app.post(
        &rep.token,
        &format!("/api/v1/quotes/{}/send", rev.id),
        json!({}),
    )
    .await
    .expect(200);
    let old = quote(
        app.get(&rep.token, &format!("/api/v1/quotes/{}", q.id))
            .await
            .expect(200),
    );
    assert_eq!(old.status, QuoteStatus::Superseded);
    let h = app
        .get(&rep.token, &format!("/api/v1/quotes/{}/history", q.id))
        .await
        .expect(200);
    assert_eq!(h.body["items"][0]["action"], "quote.supersede");

    // The customer's answer: a rejection says why.
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/quotes/{}/reject", rev.id),
            json!({}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["note"]);
    let done = quote(
        app.post(
            &rep.token,
            &format!("/api/v1/quotes/{}/accept", rev.id),
            json!({"note": "客户已盖章"}),
        )
        .await
        .expect(200),
    );
    assert_eq!(done.status, QuoteStatus::Accepted);
    assert_eq!(done.decision_note.as_deref(), Some("客户已盖章"));
    // Accepted is final.
    app.post(
        &rep.token,
        &format!("/api/v1/quotes/{}/revise", rev.id),
        json!({}),
    )
    .await
    .expect(409);

    // The deal's quotes, newest first.
    let list = app
        .get(&rep.token, &format!("/api/v1/quotes?opportunity_id={d1}"))
        .await
        .expect(200);
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            done.id.to_string().as_str(),
            q.id.to_string().as_str(),
            empty.id.to_string().as_str()
        ]
    );
}

#[tokio::test]
async fn quotes_follow_the_deal_owners_place_and_customer_service_only_reads() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let other = app.sign_in("rep_east3").await;
    let a = product(&app, "LIC", 100_000, "13").await;
    let mine = deal(&app, &rep, "我的商机").await;
    let q = quote(
        app.post(
            &rep.token,
            "/api/v1/quotes",
            json!({"opportunity_id": mine, "title": "报价", "lines": [{"product_id": a, "quantity": "1"}]}),
        )
        .await
        .expect(201),
    );
    // Another team's rep: not found, and cannot quote for the deal.
    app.get(&other.token, &format!("/api/v1/quotes/{}", q.id))
        .await
        .expect(404);
    let r = app
        .post(
            &other.token,
            "/api/v1/quotes",
            json!({"opportunity_id": mine, "title": "抢单"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["opportunity_id"]);
    // The supervisor quotes for their rep's deal: the quote is the rep's.
    let sup = app.sign_in("sup_east1").await;
    let by_sup = quote(
        app.post(
            &sup.token,
            "/api/v1/quotes",
            json!({"opportunity_id": mine, "title": "主管代做"}),
        )
        .await
        .expect(201),
    );
    assert_eq!(by_sup.owner_id, Some(rep.user.id));
    // Customer service reads the region's, makes none.
    let cs = app.sign_in("cs1").await;
    app.get(&cs.token, &format!("/api/v1/quotes/{}", q.id))
        .await
        .expect(200);
    app.post(
        &cs.token,
        "/api/v1/quotes",
        json!({"opportunity_id": mine, "title": "客服"}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn quote_numbers_stay_unique_when_many_are_made_at_once() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let d1 = deal(&app, &rep, "并发编号").await;
    let made = futures_util::future::join_all((0..12).map(|i| {
        let app = &app;
        let token = rep.token.clone();
        async move {
            app.post(
                &token,
                "/api/v1/quotes",
                json!({"opportunity_id": d1, "title": format!("并发{i}")}),
            )
            .await
            .expect(201)
            .body["number"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    }))
    .await;
    let unique: std::collections::BTreeSet<_> = made.iter().collect();
    assert_eq!(unique.len(), 12, "{made:?}");
    let year = chrono::Utc::now().format("%Y").to_string();
    assert!(unique.contains(&format!("BJ-{year}-000012")), "{made:?}");
}

#[tokio::test]
async fn a_deals_quotes_move_with_the_deal_and_only_the_newest_revision_is_answered() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let colleague = app.sign_in("rep_east2").await;
    let sup = app.sign_in("sup_east1").await;
    let a = product(&app, "LIC", 100_000, "13").await;
    let d1 = deal(&app, &rep, "转交商机").await;
    let q = quote(
        app.post(
            &rep.token,
            "/api/v1/quotes",
            json!({"opportunity_id": d1, "title": "转交前", "lines": [{"product_id": a, "quantity": "1"}]}),
        )
        .await
        .expect(201),
    );
    // The supervisor hands the deal to a colleague: its quote goes along.
    let d = app
        .get(&sup.token, &format!("/api/v1/opportunities/{d1}"))
        .await
        .expect(200);
    app.patch(
        &sup.token,
        &format!("/api/v1/opportunities/{d1}"),
        &d.etag(),
        json!({"owner_id": colleague.user.id}),
    )
    .await
    .expect(200);
    app.get(&rep.token, &format!("/api/v1/quotes/{}", q.id))
        .await
        .expect(404);
    let moved = quote(
        app.get(&colleague.token, &format!("/api/v1/quotes/{}", q.id))
            .await
            .expect(200),
    );
    assert_eq!(moved.owner_id, Some(colleague.user.id));
    // An edit read before the move is stale, not a way to write the old owner back.
    app.patch(
        &sup.token,
        &format!("/api/v1/quotes/{}", q.id),
        &format!("\"{}\"", q.version),
        json!({"title": "旧版本"}),
    )
    .await
    .expect(412);

    // A valid-until before the (default) quote date.
    let r = app
        .post(
            &colleague.token,
            "/api/v1/quotes",
            json!({"opportunity_id": d1, "title": "过期", "valid_until": "2001-01-01"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["valid_until"]);

    // Revision 1 sent, revision 2 drafted: revision 1 is no longer answered or revised.
    let who = &colleague.token;
    app.post(who, &format!("/api/v1/quotes/{}/send", q.id), json!({}))
        .await
        .expect(200);
    let rev = quote(
        app.post(who, &format!("/api/v1/quotes/{}/revise", q.id), json!({}))
            .await
            .expect(201),
    );
    let r = app
        .post(who, &format!("/api/v1/quotes/{}/accept", q.id), json!({}))
        .await
        .expect(409);
    assert_eq!(r.code(), "invalid_state");
    app.post(who, &format!("/api/v1/quotes/{}/send", rev.id), json!({}))
        .await
        .expect(200);
    // Revision 2 rejected; revision 1 (superseded) is not the one to revise.
    app.post(
        who,
        &format!("/api/v1/quotes/{}/reject", rev.id),
        json!({"note": "预算不够"}),
    )
    .await
    .expect(200);
    app.post(who, &format!("/api/v1/quotes/{}/revise", q.id), json!({}))
        .await
        .expect(409);
    let rev3 = quote(
        app.post(who, &format!("/api/v1/quotes/{}/revise", rev.id), json!({}))
            .await
            .expect(201),
    );
    assert_eq!(rev3.revision, 3);
}

#[tokio::test]
async fn a_new_price_list_prices_the_lines_again() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let admin = app.sign_in("admin").await;
    let a = product(&app, "LIC", 100_000, "13").await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let list = app
        .price_list_create(
            &admin,
            &PriceListCreate {
                name: "渠道价".into(),
                valid_from: format!("{year}-01-01").parse().unwrap(),
                valid_to: None,
                notes: None,
                entries: vec![PriceEntry {
                    product_id: a,
                    price: 70_000,
                }],
            },
        )
        .await;
    let d1 = deal(&app, &rep, "换价格表").await;
    let q = quote(
        app.post(
            &rep.token,
            "/api/v1/quotes",
            json!({"opportunity_id": d1, "title": "报价", "lines": [{"product_id": a, "quantity": "2"}]}),
        )
        .await
        .expect(201),
    );
    assert_eq!(q.lines[0].unit_price, 100_000);
    let q = quote(
        app.patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", q.id),
            &format!("\"{}\"", q.version),
            json!({"price_list_id": list.price_list.id}),
        )
        .await
        .expect(200),
    );
    assert_eq!(q.lines[0].unit_price, 70_000);
    assert_eq!(q.subtotal, 140_000);
    // Retired since, the list no longer stops an edit that leaves it alone.
    app.patch(
        &admin.token,
        &format!("/api/v1/price-lists/{}", list.price_list.id),
        &format!("\"{}\"", list.price_list.version),
        json!({"active": false}),
    )
    .await
    .expect(200);
    let q = quote(
        app.patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", q.id),
            &format!("\"{}\"", q.version),
            json!({"title": "改标题"}),
        )
        .await
        .expect(200),
    );
    assert_eq!(q.lines[0].unit_price, 70_000);
}

#[tokio::test]
async fn an_overall_discount_figures_every_line_again_and_keeps_the_lines_as_quoted() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let a = product(&app, "HW", 333_333, "13").await;
    let b = product(&app, "SW", 99_999, "6").await;
    let d1 = deal(&app, &rep, "整单折扣").await;
    let q = quote(
        app.post(
            &rep.token,
            "/api/v1/quotes",
            json!({"opportunity_id": d1, "title": "整单折扣报价",
                   "lines": [{"product_id": a, "quantity": "3.3333", "discount_percent": "7.5"},
                             {"product_id": b, "quantity": "1", "note": "首年"}]}),
        )
        .await
        .expect(201),
    );
    // The catalogue changes after the lines were quoted: a new tax rate and name.
    change_product(
        &app,
        a,
        kaidan_shared::product::ProductUpdate {
            name: Some("新硬件名".into()),
            tax_rate: Some(d("9")),
            ..Default::default()
        },
    )
    .await;

    // Only the overall discount changes: every line's figures follow it, by the shared
    // function, while each line keeps what it was quoted with (the tax rate, the name).
    let q2 = quote(
        app.patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", q.id),
            &format!("\"{}\"", q.version),
            json!({"overall_discount_percent": "12.5"}),
        )
        .await
        .expect(200),
    );
    let inputs = [
        LineInput {
            quantity: d("3.3333"),
            unit_price: 333_333,
            discount_percent: d("7.5"),
            tax_rate_percent: d("13"),
        },
        LineInput {
            quantity: d("1"),
            unit_price: 99_999,
            discount_percent: Decimal::ZERO,
            tax_rate_percent: d("6"),
        },
    ];
    let expected = totals(&inputs, d("12.5"));
    assert_eq!(q2.lines[0].tax_rate, d("13"));
    assert_eq!(q2.lines[0].product_name, "产品HW");
    assert_eq!(q2.lines[1].note.as_deref(), Some("首年"));
    assert_eq!(q2.lines[0].figures, expected.lines[0]);
    assert_eq!(q2.lines[1].figures, expected.lines[1]);
    assert_ne!(q2.lines[0].figures, q.lines[0].figures);
    assert_eq!(
        (q2.subtotal, q2.discount, q2.tax, q2.total),
        (
            expected.subtotal,
            expected.discount,
            expected.tax,
            expected.total
        )
    );
    // Read back (and from an approver's page alike) the figures are the same.
    let read = quote(
        app.get(&rep.token, &format!("/api/v1/quotes/{}", q.id))
            .await
            .expect(200),
    );
    assert_eq!(read, q2);
    // The history names the discount and the totals, not 200 lines' figures.
    let h = app
        .get(&rep.token, &format!("/api/v1/quotes/{}/history", q.id))
        .await
        .expect(200);
    assert_eq!(h.body["items"][0]["action"], "quote.update");
    assert_eq!(
        h.body["items"][0]["after"]["overall_discount_percent"],
        "12.5"
    );
    assert!(h.body["items"][0]["after"].get("lines").is_none());

    // Lines given again are priced again from the catalogue as it is now.
    let q3 = quote(
        app.patch(
            &rep.token,
            &format!("/api/v1/quotes/{}", q.id),
            &format!("\"{}\"", q2.version),
            json!({"lines": [{"product_id": a, "quantity": "3.3333", "discount_percent": "7.5"}]}),
        )
        .await
        .expect(200),
    );
    assert_eq!(q3.lines[0].tax_rate, d("9"));
    assert_eq!(q3.lines[0].product_name, "新硬件名");
    let again = totals(
        &[LineInput {
            tax_rate_percent: d("9"),
            ..inputs[0].clone()
        }],
        d("12.5"),
    );
    assert_eq!(q3.lines[0].figures, again.lines[0]);
    assert_eq!(q3.total, again.total);
}
