use kaidan_tests::{spawn_app, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn an_admin_builds_the_org_and_the_new_rep_works_at_once() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let region = app
        .post(&admin, "/api/v1/regions", json!({"name": "华北"}))
        .await
        .expect(201);
    app.post(&admin, "/api/v1/regions", json!({"name": "华北"}))
        .await
        .expect(409);
    let team = app
        .post(
            &admin,
            "/api/v1/teams",
            json!({"name": "华北一组", "region_id": region.id()}),
        )
        .await
        .expect(201);
    let user = app
        .post(
            &admin,
            "/api/v1/users",
            json!({"username": "rep_north1", "display_name": "赵北", "password": "燕山雪花大如席2026", "role": "sales_rep", "team_id": team.id()}),
        )
        .await
        .expect(201);
    assert_eq!(
        user.body["region_id"],
        region.id(),
        "a rep takes the team's region"
    );
    let dup = app
        .post(&admin, "/api/v1/users", json!({"username": "rep_north1", "display_name": "x", "password": "燕山雪花大如席2026", "role": "sales_rep", "team_id": team.id()}))
        .await
        .expect(409);
    assert_eq!(dup.code(), "conflict");
    let weak = app
        .post(&admin, "/api/v1/users", json!({"username": "rep_north2", "display_name": "x", "password": "qwertyuiop", "role": "sales_rep", "team_id": team.id()}))
        .await
        .expect(422);
    assert_eq!(weak.code(), "weak_password");
    let missing = app
        .post(&admin, "/api/v1/users", json!({"username": "rep_north3", "display_name": "x", "password": "燕山雪花大如席2026", "role": "sales_rep"}))
        .await
        .expect(422);
    assert_eq!(missing.body["errors"][0]["field"], "team_id");

    let rep = app
        .login_full("rep_north1", "燕山雪花大如席2026")
        .await
        .expect(200);
    assert_eq!(rep.body["user"]["region_name"], "华北");

    // Promote to supervisor: takes effect on the next request, no new sign-in needed.
    let token = rep.body["access_token"].as_str().unwrap();
    let u = app
        .patch(
            &admin,
            &format!("/api/v1/users/{}", user.id()),
            &user.etag(),
            json!({"role": "supervisor"}),
        )
        .await
        .expect(200);
    assert_eq!(u.body["role"], "supervisor");
    assert_eq!(
        app.get(token, "/api/v1/me").await.expect(200).body["role"],
        "supervisor"
    );
    app.patch(
        &admin,
        &format!("/api/v1/users/{}", user.id()),
        &user.etag(),
        json!({"role": "sales_rep"}),
    )
    .await
    .expect(412);

    // Move the team to another region: its members follow, and an edit of a member read
    // before the move is refused rather than writing the old region back.
    let read_before = app
        .get(&admin, &format!("/api/v1/users/{}", user.id()))
        .await
        .expect(200);
    let t = app
        .patch(
            &admin,
            &format!("/api/v1/teams/{}", team.id()),
            &team.etag(),
            json!({"region_id": app.region_id("华东").await}),
        )
        .await
        .expect(200);
    assert_eq!(t.body["version"], 2);
    let moved = app
        .get(&admin, &format!("/api/v1/users/{}", user.id()))
        .await
        .expect(200);
    assert_eq!(moved.body["region_id"], app.region_id("华东").await);
    app.patch(
        &admin,
        &format!("/api/v1/users/{}", user.id()),
        &read_before.etag(),
        json!({"phone": "13800000001"}),
    )
    .await
    .expect(412);

    // Every one of those changes is in the audit log, attributed to the admin.
    for (entity, id, actions) in [
        ("region", region.id(), vec!["region.create"]),
        ("team", team.id(), vec!["team.create", "team.update"]),
        ("user", user.id(), vec!["user.create", "user.update"]),
    ] {
        let log = app
            .get(
                &admin,
                &format!("/api/v1/audit?entity={entity}&entity_id={id}"),
            )
            .await
            .expect(200);
        let mut got: Vec<&str> = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        got.reverse();
        assert_eq!(got, actions, "{entity}");
        assert_eq!(log.body["items"][0]["actor_id"], app.user("admin"));
    }
    let created = app
        .get(
            &admin,
            &format!("/api/v1/audit?action=user.create&entity_id={}", user.id()),
        )
        .await
        .expect(200);
    assert!(
        created.body["items"][0]["after"]
            .get("password_hash")
            .is_none(),
        "no password hash in the audit log"
    );
}

#[tokio::test]
async fn only_admins_manage_the_org_and_users_see_only_their_scope() {
    let app = spawn_app().await;
    for who in ["manager_east", "sup_east1", "rep_east1", "cs1"] {
        let t = app.login(who).await;
        app.post(&t, "/api/v1/regions", json!({"name": "西北"}))
            .await
            .expect(403);
        app.post(&t, "/api/v1/users", json!({"username": "x_1", "display_name": "x", "password": "燕山雪花大如席2026", "role": "admin"})).await.expect(403);
        // The org chart's names are readable by all.
        assert_eq!(
            app.get(&t, "/api/v1/regions")
                .await
                .expect(200)
                .body
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            app.get(&t, "/api/v1/teams")
                .await
                .expect(200)
                .body
                .as_array()
                .unwrap()
                .len(),
            4
        );
    }
    let rep = app.login("rep_east1").await;
    let users = app.get(&rep, "/api/v1/users").await.expect(200);
    assert_eq!(
        users.body["items"].as_array().unwrap().len(),
        1,
        "a rep sees only themselves"
    );
    app.get(&rep, &format!("/api/v1/users/{}", app.user("rep_east2")))
        .await
        .expect(404);
    let r = app
        .post(
            &rep,
            &format!("/api/v1/users/{}/deactivate", app.user("rep_east1")),
            json!({}),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "forbidden");
    app.post(
        &rep,
        &format!("/api/v1/users/{}/deactivate", app.user("rep_east2")),
        json!({}),
    )
    .await
    .expect(404);

    let sup = app.login("sup_east1").await;
    let names: Vec<String> = app.get(&sup, "/api/v1/users").await.expect(200).body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["cs1", "rep_east1", "rep_east2", "sup_east1"]);
    let mgr = app.login("manager_east").await;
    let n = app
        .get(&mgr, "/api/v1/users?limit=200")
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        n, 8,
        "the east region: manager, 2 supervisors, 4 reps, 1 customer service"
    );

    let admin = app.login("admin").await;
    let me = app.user("admin");
    app.post(&admin, &format!("/api/v1/users/{me}/deactivate"), json!({}))
        .await
        .expect(403);
    app.login_full("admin", PASSWORD).await.expect(200);
}

#[tokio::test]
async fn user_list_pages_by_username() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let mut all = Vec::new();
    let mut path = "/api/v1/users?limit=5".to_owned();
    loop {
        let page = app.get(&admin, &path).await.expect(200);
        for u in page.body["items"].as_array().unwrap() {
            all.push(u["username"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/users?limit=5&cursor={c}"),
            None => break,
        }
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);
    assert_eq!(all.len(), 16);
}

#[tokio::test]
async fn admins_set_the_company_letterhead_everyone_reads_it() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rep = app.login("rep_east1").await;
    let first = app.get(&rep, "/api/v1/company").await.expect(200);
    assert_eq!(first.body["name"], "");
    let etag = first.etag();
    // A credit code whose check character is wrong, a bad phone: each named, nothing written.
    let r = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/company",
            Some(&admin),
            Some(
                &json!({"name": "杭州开单科技有限公司", "credit_code": "91330100MA2AXXXX1X",
                          "phone": "电话"}),
            ),
            &[("If-Match", &etag)],
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["phone", "credit_code"]);
    let body = json!({"name": "杭州开单科技有限公司", "address": "杭州市西湖区文三路 1 号",
                      "phone": "0571-88886666", "bank_name": "招商银行杭州分行",
                      "bank_account": "5719 0000 0000 001"});
    // Reps may not.
    app.request(
        reqwest::Method::PUT,
        "/api/v1/company",
        Some(&rep),
        Some(&body),
        &[("If-Match", &etag)],
    )
    .await
    .expect(403);
    let saved = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/company",
            Some(&admin),
            Some(&body),
            &[("If-Match", &etag)],
        )
        .await
        .expect(200);
    assert_eq!(saved.body["bank_name"], "招商银行杭州分行");
    // The old ETag is stale now.
    app.request(
        reqwest::Method::PUT,
        "/api/v1/company",
        Some(&admin),
        Some(&body),
        &[("If-Match", &etag)],
    )
    .await
    .expect(412);
    let read = app.get(&rep, "/api/v1/company").await.expect(200);
    assert_eq!(read.body["name"], "杭州开单科技有限公司");
    let audit = app
        .get(&admin, "/api/v1/audit?action=company.update")
        .await
        .expect(200);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);
}
