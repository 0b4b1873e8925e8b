//! Opportunities: create, stage moves kept in the history with the amount at the time, weighted
//! amounts, lost reasons, reopen by a supervisor, the board's totals, stale deals, the pool's
//! open-deal exemption.

use std::collections::BTreeMap;

use chrono::Duration;
use kaidan_shared::opportunity::weighted;
use kaidan_shared::pool::{PoolRules, ReclaimDays};
use kaidan_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

async fn deal(app: &TestApp, token: &str, customer: &str, name: &str, amount: i64) -> Value {
    app.post(
        token,
        "/api/v1/opportunities",
        json!({"customer_id": customer, "name": name, "amount": amount}),
    )
    .await
    .expect(201)
    .body
}

async fn customer(app: &TestApp, token: &str, name: &str) -> String {
    app.create_customer(token, json!({"name": name, "level": "C"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn move_to(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    app.post(token, &format!("/api/v1/opportunities/{id}/stage"), body)
        .await
        .expect(200)
        .body
}

#[tokio::test]
async fn a_deal_moves_to_won_with_its_history_and_a_supervisor_reopens_it() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let c = customer(&app, &rep, "杭州新材料有限公司").await;
    let d = deal(&app, &rep, &c, "一期采购", 35_000_001).await;
    let id = d["id"].as_str().unwrap().to_owned();
    assert_eq!(d["stage"], "initial");
    assert_eq!(d["probability"], 10);
    assert_eq!(d["weighted_amount"], 3_500_000, "half-up to the 分");
    assert_eq!(d["owner_id"], app.user("rep_east1"));
    assert_eq!(d["stage_history"].as_array().unwrap().len(), 1);

    let d = move_to(&app, &rep, &id, json!({"stage": "proposal"})).await;
    assert_eq!(d["probability"], 50);
    // The amount changes in the proposal; the history keeps what it was at each move.
    let r = app
        .patch(
            &rep,
            &format!("/api/v1/opportunities/{id}"),
            "\"2\"",
            json!({"amount": 40_000_000}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["weighted_amount"], 20_000_000);
    let d = move_to(&app, &rep, &id, json!({"stage": "won"})).await;
    assert_eq!(d["status"], "won");
    assert_eq!(d["probability"], 100);
    assert!(d["closed_at"].is_string());
    let history: Vec<(Value, Value, Value)> = d["stage_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["from_stage"].clone(),
                h["to_stage"].clone(),
                h["amount"].clone(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            (Value::Null, json!("initial"), json!(35_000_001)),
            (json!("initial"), json!("proposal"), json!(35_000_001)),
            (json!("proposal"), json!("won"), json!(40_000_000)),
        ]
    );
    assert_eq!(d["stage_history"][2]["changed_by_name"], "李明");

    // Closed: no more moves; a rep may not reopen, a supervisor may, with a reason.
    let r = app
        .post(
            &rep,
            &format!("/api/v1/opportunities/{id}/stage"),
            json!({"stage": "needs"}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");
    app.post(
        &rep,
        &format!("/api/v1/opportunities/{id}/reopen"),
        json!({"stage": "negotiation", "reason": "客户追加"}),
    )
    .await
    .expect(403);
    let sup = app.login("sup_east1").await;
    let r = app
        .post(
            &sup,
            &format!("/api/v1/opportunities/{id}/reopen"),
            json!({"stage": "negotiation", "reason": "客户追加"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["probability"], 70);
    assert_eq!(r.body["closed_at"], Value::Null);
    let admin = app.login("admin").await;
    let audit = app
        .get(&admin, &format!("/api/v1/opportunities/{id}/history"))
        .await
        .expect(200);
    assert_eq!(audit.body["items"][0]["action"], "opportunity.reopen");
    assert_eq!(audit.body["items"][0]["after"]["reason"], "客户追加");
}

#[tokio::test]
async fn lost_needs_a_reason_from_the_list_and_bad_input_is_named() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let c = customer(&app, &rep, "苏州精密机械有限公司").await;
    let id = deal(&app, &rep, &c, "设备更新", 1_000_000).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/opportunities/{id}/stage");
    let r = app
        .post(&rep, &path, json!({"stage": "lost"}))
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["lost_reason"]);
    let r = app
        .post(
            &rep,
            &path,
            json!({"stage": "lost", "lost_reason": "no_such_reason"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["lost_reason"]);
    let lists = app.get(&rep, "/api/v1/option-lists").await.expect(200);
    let reason = lists
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "lost_reason")
        .unwrap()["options"][0]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &rep,
            &path,
            json!({"stage": "lost", "lost_reason": reason, "lost_note": "价格"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "lost");
    assert_eq!(r.body["weighted_amount"], 0);

    // A customer outside the caller's scope, a negative amount, an unknown stage: all named.
    let other = app.login("rep_south1").await;
    let theirs = customer(&app, &other, "广州客户").await;
    let r = app
        .post(
            &rep,
            "/api/v1/opportunities",
            json!({"customer_id": theirs, "name": " ", "amount": -1, "stage": "nope"}),
        )
        .await
        .expect(422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["amount", "customer_id", "name", "stage"]);
}

#[tokio::test]
async fn the_board_counts_and_sums_every_deal_of_the_scope_per_stage() {
    board_counts_and_sums(spawn_app().await).await;
}

/// The same board with every column's cards found by walking the stage's deals and checking
/// each owner (what a big team's columns do).
#[tokio::test]
async fn the_board_walking_its_columns_shows_the_same() {
    board_counts_and_sums(kaidan_tests::spawn_app_with(|s| s.limits.board_walk_from = 0).await)
        .await;
}

async fn board_counts_and_sums(app: TestApp) {
    let reps = [app.login("rep_east1").await, app.login("rep_east2").await];
    let south = app.login("rep_south1").await;
    let mut n = 0;
    for (i, rep) in reps.iter().enumerate() {
        let c = customer(&app, rep, &format!("看板客户{i}")).await;
        for amount in [100_001, 200_000, 333_333] {
            n += 1;
            let d = deal(&app, rep, &c, &format!("看板商机{n}"), amount).await;
            if amount == 333_333 {
                move_to(
                    &app,
                    rep,
                    d["id"].as_str().unwrap(),
                    json!({"stage": "proposal"}),
                )
                .await;
            }
        }
    }
    let cs = customer(&app, &south, "华南客户").await;
    deal(&app, &south, &cs, "华南商机", 9_999_999).await;

    let sup = app.login("sup_east1").await;
    let board = app
        .get(&sup, "/api/v1/opportunity-board")
        .await
        .expect(200)
        .body;
    let col = |k: &str| {
        board["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["stage"] == k)
            .unwrap()
            .clone()
    };
    let initial = col("initial");
    assert_eq!(initial["count"], 4);
    // The cards: the team's deals of the stage, newest first, none of another region's.
    assert_eq!(
        cards(&initial),
        ["看板商机5", "看板商机4", "看板商机2", "看板商机1"]
    );
    assert_eq!(cards(&col("proposal")), ["看板商机6", "看板商机3"]);
    assert_eq!(initial["total"], 2 * (100_001 + 200_000));
    // Σ amount × 10 %, half-up per probability group: 600,002 × 0.1 = 60,000.2 → 60,000.
    assert_eq!(initial["weighted_total"], 60_000);
    let proposal = col("proposal");
    assert_eq!(proposal["count"], 2);
    assert_eq!(proposal["weighted_total"], 333_333);
    assert_eq!(
        board["columns"].as_array().unwrap().len(),
        4,
        "open stages only"
    );
    // A rep's board is their own.
    let mine = app
        .get(&reps[0], "/api/v1/opportunity-board")
        .await
        .expect(200)
        .body;
    assert_eq!(mine["columns"][0]["count"], 2);
    assert_eq!(cards(&mine["columns"][0]), ["看板商机2", "看板商机1"]);
    // And an owner filter narrows the supervisor's.
    let one = app
        .get(
            &sup,
            &format!(
                "/api/v1/opportunity-board?owner_id={}",
                app.user("rep_east2")
            ),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(one["columns"][0]["count"], 2);
}

/// The board's columns as `token` sees them.
async fn columns(app: &TestApp, token: &str) -> Vec<Value> {
    let board = app
        .get(token, "/api/v1/opportunity-board")
        .await
        .expect(200)
        .body;
    board["columns"].as_array().unwrap().clone()
}

/// The board's columns as the supervisor sees them: stage → (count, total, weighted total).
async fn board_of(app: &TestApp, token: &str) -> BTreeMap<String, (i64, i64, i64)> {
    columns(app, token)
        .await
        .into_iter()
        .map(|c| {
            (
                c["stage"].as_str().unwrap().to_owned(),
                (
                    c["count"].as_i64().unwrap(),
                    c["total"].as_i64().unwrap(),
                    c["weighted_total"].as_i64().unwrap(),
                ),
            )
        })
        .collect()
}

/// The same columns computed from the open deals the list shows (weighted per probability group).
async fn board_from_deals(app: &TestApp, token: &str) -> BTreeMap<String, (i64, i64, i64)> {
    let list = app
        .get(token, "/api/v1/opportunities?status=open&limit=200")
        .await
        .expect(200)
        .body;
    let mut groups: BTreeMap<(String, u8), (i64, i64)> = BTreeMap::new();
    for d in list["items"].as_array().unwrap() {
        let g = groups
            .entry((
                d["stage"].as_str().unwrap().to_owned(),
                d["probability"].as_u64().unwrap() as u8,
            ))
            .or_default();
        g.0 += 1;
        g.1 += d["amount"].as_i64().unwrap();
    }
    let mut out: BTreeMap<String, (i64, i64, i64)> =
        ["initial", "needs", "proposal", "negotiation"]
            .into_iter()
            .map(|s| (s.to_owned(), (0, 0, 0)))
            .collect();
    for ((stage, p), (n, total)) in groups {
        let c = out.entry(stage).or_default();
        c.0 += n;
        c.1 += total;
        c.2 += weighted(total, p);
    }
    out
}

/// The board sums totals the writes keep (not the deals themselves): after every kind of write
/// (create, amount, probability, transfer, stage moves, won, lost, reopen, archive, a lead's
/// conversion) they still equal what the deals add up to.
#[tokio::test]
async fn the_boards_totals_follow_every_write_of_a_deal() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let sup = app.login("sup_east1").await;
    let c = customer(&app, &rep, "总额客户").await;
    let mut ids = Vec::new();
    for (i, amount) in [100_001, 250_000, 333_333, 1_000_000, 7]
        .into_iter()
        .enumerate()
    {
        ids.push(
            deal(&app, &rep, &c, &format!("总额商机{i}"), amount).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let check = |step: &'static str| {
        let (app, sup) = (&app, &sup);
        async move {
            assert_eq!(
                board_of(app, sup).await,
                board_from_deals(app, sup).await,
                "after {step}"
            );
        }
    };
    check("creating").await;
    let path = |i: usize| format!("/api/v1/opportunities/{}", ids[i]);
    app.patch(&rep, &path(0), "\"1\"", json!({"amount": 100_002}))
        .await
        .expect(200);
    check("an amount").await;
    app.patch(&rep, &path(1), "\"1\"", json!({"probability": 15}))
        .await
        .expect(200);
    check("a probability").await;
    app.patch(
        &sup,
        &path(2),
        "\"1\"",
        json!({"owner_id": app.user("rep_east2"), "amount": 444_444}),
    )
    .await
    .expect(200);
    check("a transfer").await;
    move_to(&app, &rep, &ids[0], json!({"stage": "negotiation"})).await;
    move_to(&app, &rep, &ids[1], json!({"stage": "needs"})).await;
    check("stage moves").await;
    move_to(&app, &rep, &ids[3], json!({"stage": "won"})).await;
    check("won").await;
    app.post(
        &sup,
        &format!("{}/reopen", path(3)),
        json!({"stage": "proposal", "reason": "追加"}),
    )
    .await
    .expect(200);
    check("reopen").await;
    app.delete(&rep, &path(4), "\"1\"").await.expect(200);
    check("archive").await;
    // A lead's conversion makes its deal through the same insert.
    let lead = app
        .post(
            &rep,
            "/api/v1/leads",
            json!({"name": "转化人", "company": "总额转化有限公司", "phone": "13700001111"}),
        )
        .await
        .expect(201)
        .body;
    let lead = lead["id"].as_str().unwrap();
    app.patch(
        &rep,
        &format!("/api/v1/leads/{lead}"),
        "\"1\"",
        json!({"status": "qualified"}),
    )
    .await
    .expect(200);
    app.post(
        &rep,
        &format!("/api/v1/leads/{lead}/convert"),
        json!({"opportunity": {"name": "转化商机", "amount": 5_000_000, "stage": "proposal"}}),
    )
    .await
    .expect(200);
    check("a conversion").await;
    let board = board_of(&app, &sup).await;
    assert_eq!(board["initial"], (1, 444_444, 44_444), "{board:?}");
    assert_eq!(board["proposal"], (2, 6_000_000, 3_000_000));
    assert_eq!(board["negotiation"], (1, 100_002, 70_001));
}

/// Moves of one owner's deals in opposite directions at once: every move lands (no deadlock
/// between the totals' rows on any engine) and the totals still add up.
#[tokio::test]
async fn opposite_moves_at_once_keep_the_totals() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let sup = app.login("sup_east1").await;
    let c = customer(&app, &rep, "并发总额客户").await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let id = deal(&app, &rep, &c, &format!("并发商机{i}"), 10_000 + i).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        if i % 2 == 1 {
            move_to(&app, &rep, &id, json!({"stage": "proposal"})).await;
        }
        ids.push(id);
    }
    let moves = ids.iter().enumerate().map(|(i, id)| {
        let to = if i % 2 == 0 { "proposal" } else { "initial" };
        let (app, rep) = (&app, &rep);
        async move {
            app.post(
                rep,
                &format!("/api/v1/opportunities/{id}/stage"),
                json!({ "stage": to }),
            )
            .await
            .status
        }
    });
    let statuses = futures_util::future::join_all(moves).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(
        board_of(&app, &sup).await,
        board_from_deals(&app, &sup).await
    );
    assert_eq!(board_of(&app, &sup).await["proposal"].0, 4);
}

#[tokio::test]
async fn a_deal_without_activity_goes_stale_once_and_an_open_deal_keeps_the_customer() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let regions = app
        .get(&admin.token, "/api/v1/regions")
        .await
        .expect(200)
        .body;
    let east = regions
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "华东")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let rules = PoolRules {
        reclaim_days: ReclaimDays {
            a: None,
            b: None,
            c: Some(30),
            unrated: None,
        },
        warn_days: 0,
        ..PoolRules::default()
    };
    app.pool_create(&admin, "华东公海", Some(east), &rules)
        .await;
    let rep = app.login("rep_east1").await;
    let kept = customer(&app, &rep, "有商机的客户").await;
    let lonely = customer(&app, &rep, "无商机的客户").await;
    let d = deal(&app, &rep, &kept, "谈判中的单子", 5_000_000).await;
    let id = d["id"].as_str().unwrap().to_owned();
    move_to(&app, &rep, &id, json!({"stage": "negotiation"})).await;

    // Fifteen days without activity in 谈判审核 (stale after 14).
    app.clock.advance(Duration::days(15));
    let stale = kaidan_api::jobs::deal_stale::DealStale;
    let run = app.run_job(&stale).await.expect("due");
    assert_eq!(run.counts.get("stale"), Some(&1));
    let notes = app
        .get(&rep, "/api/v1/notifications")
        .await
        .expect(200)
        .body;
    assert_eq!(notes["items"][0]["kind"], "deal_stale");
    assert_eq!(notes["items"][0]["data"]["days"], 14);
    let listed = app
        .get(&rep, "/api/v1/opportunities?stale=true")
        .await
        .expect(200)
        .body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    app.clock.advance(Duration::hours(2));
    let run = app.run_job(&stale).await.expect("due");
    assert_eq!(run.counts.get("stale"), None, "told once");

    // Day 31: the customer without a deal goes back to the pool (this pool warns nobody); the
    // one with an open deal stays (the deal's activity on day 0 was its last follow-up too).
    app.clock.advance(Duration::days(16));
    let run = app
        .run_job(&kaidan_api::jobs::pool_reclaim::PoolReclaim)
        .await
        .expect("due");
    assert_eq!(run.counts.get("reclaimed"), Some(&1));
    app.get(&rep, &format!("/api/v1/customers/{kept}"))
        .await
        .expect(200);
    app.get(&rep, &format!("/api/v1/customers/{lonely}"))
        .await
        .expect(404);

    // Activity clears the stale mark.
    let r = app
        .patch(
            &rep,
            &format!("/api/v1/opportunities/{id}"),
            "\"2\"",
            json!({"next_step": "约见总经理"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["stale"], false);
}

#[tokio::test]
async fn admins_shape_the_pipeline_but_cannot_drop_a_stage_in_use() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let r = app
        .get(&admin, "/api/v1/opportunity-stages")
        .await
        .expect(200);
    let etag = r.etag();
    let mut stages = r.body["stages"].as_array().unwrap().clone();
    assert_eq!(stages.len(), 6);
    assert_eq!(stages[3]["label_zh"], "谈判审核");
    let rep = app.login("rep_east1").await;
    let c = customer(&app, &rep, "阶段客户").await;
    deal(&app, &rep, &c, "初步的单子", 100).await;

    let rep_try = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/opportunity-stages",
            Some(&rep),
            Some(&json!({"stages": stages})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(rep_try.status, 403);
    // Leaving out 初步接洽, which a deal is in: refused.
    let without: Vec<Value> = stages.iter().skip(1).cloned().collect();
    let r = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/opportunity-stages",
            Some(&admin),
            Some(&json!({"stages": without})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    // Retiring it and renaming another: fine; new deals start in the first active stage.
    stages[0]["active"] = json!(false);
    stages[1]["label_zh"] = json!("需求确认（已沟通）");
    let r = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/opportunity-stages",
            Some(&admin),
            Some(&json!({"stages": stages})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = deal(&app, &rep, &c, "新的单子", 100).await;
    assert_eq!(d["stage"], "needs");
}

/// The migration that made the board's totals filled them from the deals there were: undone and
/// done again over deals of every kind, the board is what it was.
#[tokio::test]
async fn the_totals_migration_fills_the_table_from_the_deals() {
    use sea_orm_migration::MigratorTrait;
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let sup = app.login("sup_east1").await;
    let c = customer(&app, &rep, "迁移客户").await;
    for (i, amount) in [10_001, 20_000, 30_000].into_iter().enumerate() {
        let d = deal(&app, &rep, &c, &format!("迁移商机{i}"), amount).await;
        let id = d["id"].as_str().unwrap();
        match i {
            1 => drop(move_to(&app, &rep, id, json!({"stage": "proposal"})).await),
            2 => drop(move_to(&app, &rep, id, json!({"stage": "won"})).await),
            _ => {}
        }
    }
    let before = board_of(&app, &sup).await;
    assert_eq!(before["initial"], (1, 10_001, 1_000));
    // Undo every migration from that one on (later ones may build on it), then redo them.
    let all = kaidan_migrations::Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == "m20261127_000027_create_opportunity_totals")
        .unwrap();
    kaidan_migrations::Migrator::down(&app.db, Some((all.len() - at) as u32))
        .await
        .unwrap();
    kaidan_migrations::Migrator::up(&app.db, None)
        .await
        .unwrap();
    assert_eq!(board_of(&app, &sup).await, before);
    assert_eq!(before, board_from_deals(&app, &sup).await);
}

/// The names of a board's cards in one column, as `token` sees the board.
async fn cards_of(app: &TestApp, token: &str, stage: &str) -> Vec<String> {
    columns(app, token)
        .await
        .into_iter()
        .find(|c| c["stage"] == stage)
        .map(|c| cards(&c))
        .unwrap_or_default()
}

/// The names of a column's cards, in the board's order.
fn cards(column: &Value) -> Vec<String> {
    column["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A supervisor's board reads the team's deals through the copy of the owner's team each deal
/// keeps: moving a rep to another team takes their open deals to the new team's board at once
/// (and off the old one), also while the rep's deals are being moved along the pipeline.
#[tokio::test]
async fn a_rep_moved_to_another_team_takes_their_deals_to_its_board() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rep = app.login("rep_east1").await;
    let (sup1, sup2) = (app.login("sup_east1").await, app.login("sup_east2").await);
    let c = customer(&app, &rep, "换组客户").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let d = deal(&app, &rep, &c, &format!("换组商机{i}"), 100_000).await;
        ids.push(d["id"].as_str().unwrap().to_owned());
    }
    move_to(&app, &rep, &ids[3], json!({"stage": "proposal"})).await;
    assert_eq!(
        cards_of(&app, &sup1, "initial").await,
        ["换组商机2", "换组商机1", "换组商机0"]
    );
    assert!(cards_of(&app, &sup2, "initial").await.is_empty());

    let user_path = format!("/api/v1/users/{}", app.user("rep_east1"));
    let me = app.get(&admin, &user_path).await.expect(200);
    app.patch(
        &admin,
        &user_path,
        &me.etag(),
        json!({"team_id": app.team_id("华东二组").await}),
    )
    .await
    .expect(200);
    assert!(cards_of(&app, &sup1, "initial").await.is_empty());
    assert!(cards_of(&app, &sup1, "proposal").await.is_empty());
    assert_eq!(
        cards_of(&app, &sup2, "initial").await,
        ["换组商机2", "换组商机1", "换组商机0"]
    );
    assert_eq!(cards_of(&app, &sup2, "proposal").await, ["换组商机3"]);

    // Back to the first team while three of the deals move along: each move either waits for
    // the team move and copies the new team, or is rewritten by it.
    let etag = app.get(&admin, &user_path).await.expect(200).etag();
    let back = app.patch(
        &admin,
        &user_path,
        &etag,
        json!({"team_id": app.team_id("华东一组").await}),
    );
    let paths: Vec<String> = ids[..3]
        .iter()
        .map(|id| format!("/api/v1/opportunities/{id}/stage"))
        .collect();
    let moves = paths
        .iter()
        .map(|p| app.post(&rep, p, json!({"stage": "negotiation"})))
        .collect::<Vec<_>>();
    let (back, moves) = tokio::join!(back, futures_util::future::join_all(moves));
    back.expect(200);
    for m in moves {
        m.expect(200);
    }
    assert!(cards_of(&app, &sup2, "negotiation").await.is_empty());
    assert_eq!(cards_of(&app, &sup1, "negotiation").await.len(), 3);
    assert_eq!(cards_of(&app, &sup1, "proposal").await, ["换组商机3"]);
}

/// The team copy only narrows the board's query; who sees a card is still decided by its owner.
/// A copy naming the wrong team (as a bug or a race might leave it) shows the deal to no one
/// outside the owner's scope.
#[tokio::test]
async fn a_wrong_team_copy_never_shows_a_deal_to_that_team() {
    use kaidan_api::entities::opportunity;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let c = customer(&app, &rep, "错组客户").await;
    let d = deal(&app, &rep, &c, "错组商机", 100_000).await;
    let id: uuid::Uuid = d["id"].as_str().unwrap().parse().unwrap();
    let east2: uuid::Uuid = app.team_id("华东二组").await.parse().unwrap();
    let changed = opportunity::Entity::update_many()
        .col_expr(opportunity::Column::OwnerTeamId, Expr::value(Some(east2)))
        .filter(opportunity::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected, 1);
    // The other team has deals of its own in the stage, so its column is read.
    let rep3 = app.login("rep_east3").await;
    let c3 = customer(&app, &rep3, "二组客户").await;
    deal(&app, &rep3, &c3, "二组商机", 50_000).await;
    let sup2 = app.login("sup_east2").await;
    assert_eq!(cards_of(&app, &sup2, "initial").await, ["二组商机"]);
    // Hidden from its own team's board until the next write of the deal puts the copy right.
    let sup1 = app.login("sup_east1").await;
    assert!(cards_of(&app, &sup1, "initial").await.is_empty());
    move_to(&app, &rep, &id.to_string(), json!({"stage": "needs"})).await;
    assert_eq!(cards_of(&app, &sup1, "needs").await, ["错组商机"]);
}
