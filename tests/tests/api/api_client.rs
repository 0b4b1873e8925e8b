//! API clients (开放平台): registration, the client-credentials token endpoint's answers, and a
//! client's token held to its scopes and to its place in the org.

use kaidan_shared::api_client::{required, ApiScope, Need};
use kaidan_tests::{spawn_app, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

async fn customers_seen(app: &TestApp, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/customers?limit=200&cursor={c}"),
            None => "/api/v1/customers?limit=200".to_owned(),
        };
        let page = app.get(token, &path).await.expect(200).body;
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return all,
        }
    }
}

#[tokio::test]
async fn a_client_placed_in_a_team_reaches_that_teams_records_for_its_scopes_only() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let east1 = app.team_id("华东一组").await;
    // A customer of the team and one of another team.
    let rep1 = app.login("rep_east1").await;
    let ours = app
        .create_customer(&rep1, json!({"name": "杭州临平机电有限公司"}))
        .await;
    let rep3 = app.login("rep_east3").await;
    let theirs = app
        .create_customer(&rep3, json!({"name": "宁波北仑港务有限公司"}))
        .await;

    let r = app
        .post(
            &admin,
            "/api/v1/api-clients",
            json!({"name": "金蝶云星空", "scopes": ["customers:read", "leads:write"],
                   "team_id": east1}),
        )
        .await
        .expect(201);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let secret = r.body["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("kds_") && secret.len() > 40, "{secret}");
    let client = r.body["client"].clone();
    assert_eq!(client["team_id"], east1);
    assert!(client["region_id"].is_string(), "the team's region");
    assert_eq!(client["scopes"], json!(["customers:read", "leads:write"]));
    let id = client["id"].as_str().unwrap().to_owned();
    // The secret is never shown again.
    let again = app
        .get(&admin, &format!("/api/v1/api-clients/{id}"))
        .await
        .expect(200);
    assert!(!again.body.to_string().contains(&secret));
    assert!(again.body.get("client_secret").is_none());

    let t = app
        .oauth_token(
            &[("grant_type", "client_credentials")],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(t.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(t.header("pragma").as_deref(), Some("no-cache"));
    assert_eq!(t.body["token_type"], "Bearer");
    assert_eq!(t.body["scope"], "customers:read leads:write");
    assert!(t.body["expires_in"].as_i64().unwrap() > 0);
    assert!(t.body.get("refresh_token").is_none());
    let token = t.body["access_token"].as_str().unwrap().to_owned();

    // Its team's customers, never another team's.
    let seen = customers_seen(&app, &token).await;
    let ids: Vec<&str> = seen.iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(ids.contains(&ours["id"].as_str().unwrap()));
    assert!(!ids.contains(&theirs["id"].as_str().unwrap()));
    let (sup_ids, _) = {
        let sup = app.login("sup_east1").await;
        let s = customers_seen(&app, &sup).await;
        (
            s.iter()
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect::<Vec<_>>(),
            (),
        )
    };
    let mut mine: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    let mut sups = sup_ids.clone();
    mine.sort();
    sups.sort();
    assert_eq!(
        mine, sups,
        "the client sees what the team's supervisor sees"
    );
    app.get(
        &token,
        &format!("/api/v1/customers/{}", ours["id"].as_str().unwrap()),
    )
    .await
    .expect(200);
    app.get(
        &token,
        &format!("/api/v1/customers/{}", theirs["id"].as_str().unwrap()),
    )
    .await
    .expect(404);

    // Without the scope: 403 insufficient_scope, with RFC 6750's header.
    let r = app
        .post(
            &token,
            "/api/v1/customers",
            json!({"name": "写不进去的公司"}),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "insufficient_scope");
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("customers:write"));
    assert!(r
        .header("www-authenticate")
        .unwrap()
        .contains("error=\"insufficient_scope\""));
    app.get(&token, "/api/v1/users").await.expect(403);
    // People's operations are not for clients, whatever the scopes.
    for path in [
        "/api/v1/audit",
        "/api/v1/me",
        "/api/v1/api-clients",
        "/api/v1/notifications",
    ] {
        let r = app.get(&token, path).await.expect(403);
        assert_eq!(r.code(), "insufficient_scope", "{path}");
    }
    // Definitions every client needs to read records.
    app.get(&token, "/api/v1/fields?resource=customer")
        .await
        .expect(200);

    // Its writes are audited under its name.
    let l = app
        .post(
            &token,
            "/api/v1/leads",
            json!({"name": "官网表单", "province": "jiangsu"}),
        )
        .await
        .expect(201);
    let history = app
        .get(&admin, &format!("/api/v1/leads/{}/history", l.id()))
        .await
        .expect(200)
        .body;
    assert_eq!(history["items"][0]["actor_name"], "金蝶云星空", "{history}");

    // The service identity is nobody a person works with: not listed, not found, no sign-in.
    let users = app
        .get(&admin, "/api/v1/users?limit=200")
        .await
        .expect(200)
        .body;
    assert!(!users.to_string().contains("金蝶云星空"), "{users}");
    let username = format!("api.{}", &id.replace('-', "")[20..]);
    let r = app.login_full(&username, "!api-client").await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn web_form_leads_from_a_client_go_through_the_assignment_rules() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let east1 = app.team_id("华东一组").await;
    app.post(
        &admin,
        "/api/v1/lead-rules",
        json!({"name": "江浙 → 华东一组", "position": 10, "provinces": ["jiangsu", "zhejiang"],
               "team_id": east1}),
    )
    .await
    .expect(201);
    let (id, secret) = app
        .register_client(
            &admin,
            json!({"name": "官网表单", "scopes": ["leads:write", "leads:read"]}),
        )
        .await;
    let token = app.client_token(&id, &secret, Some("leads:write")).await;
    let l = app
        .post(
            &token,
            "/api/v1/leads",
            json!({"name": "张先生", "company": "苏州工业园区测试有限公司", "phone": "13912345678",
                   "source": "website", "province": "jiangsu"}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(l["assigned_via"], "rule", "{l}");
    assert_eq!(l["assigned_rule_name"], "江浙 → 华东一组");
    let owner = l["owner_id"].as_str().unwrap();
    assert!(
        [app.user("rep_east1"), app.user("rep_east2")].contains(&owner.to_owned()),
        "a rep of the team: {owner}"
    );
    // It asked for leads:write only: reading needs leads:read in the token.
    let r = app
        .get(
            &token,
            &format!("/api/v1/leads/{}", l["id"].as_str().unwrap()),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "insufficient_scope");
    // A company-wide client may name the owner (a CRM sync keeping reps' books); one placed
    // in a team only its team's people, and never itself.
    let r = app
        .post(
            &token,
            "/api/v1/leads",
            json!({"name": "李女士", "owner_id": app.user("rep_south1")}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["assigned_via"], "manual");
    let (id, secret) = app
        .register_client(
            &admin,
            json!({"name": "华东表单", "scopes": ["leads:write"], "team_id": east1}),
        )
        .await;
    let placed = app.client_token(&id, &secret, None).await;
    let r = app
        .post(
            &placed,
            "/api/v1/leads",
            json!({"name": "王先生", "owner_id": app.user("rep_south1")}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["owner_id"]);
    app.post(
        &placed,
        "/api/v1/leads",
        json!({"name": "赵女士", "owner_id": app.user("rep_east2")}),
    )
    .await
    .expect(201);
}

/// A token request (form, HTTP Basic) and the status and `error` it must answer.
type Case<'a> = (
    Vec<(&'a str, &'a str)>,
    Option<(&'a str, &'a str)>,
    u16,
    &'a str,
);

#[tokio::test]
async fn the_token_endpoint_answers_rfc_6749_errors() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (id, secret) = app
        .register_client(&admin, json!({"name": "ERP", "scopes": ["customers:read"]}))
        .await;
    let grant = ("grant_type", "client_credentials");
    let stranger = Uuid::now_v7().to_string();

    // Client authentication in the form works as well as Basic.
    let r = app
        .oauth_token(
            &[grant, ("client_id", &id), ("client_secret", &secret)],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Libraries that repeat the id in the form beside Basic, and an empty scope (left out).
    let r = app
        .oauth_token(
            &[grant, ("client_id", &id), ("scope", "")],
            Some((&id, &secret)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["scope"], "customers:read");

    let cases: Vec<Case> = vec![
        // A wrong secret, an unknown client, a malformed id: one answer.
        (vec![grant], Some((&id, "kds_wrong")), 401, "invalid_client"),
        (
            vec![grant],
            Some((&stranger, &secret)),
            401,
            "invalid_client",
        ),
        (
            vec![grant],
            Some(("not-a-uuid", &secret)),
            401,
            "invalid_client",
        ),
        (
            vec![grant, ("client_id", &id), ("client_secret", "nope")],
            None,
            401,
            "invalid_client",
        ),
        (
            vec![("grant_type", "password")],
            Some((&id, &secret)),
            400,
            "unsupported_grant_type",
        ),
        (vec![], Some((&id, &secret)), 400, "invalid_request"),
        (vec![grant], None, 400, "invalid_request"),
        // Both ways at once: a secret in the form beside Basic, or an id that disagrees.
        (
            vec![grant, ("client_secret", &secret)],
            Some((&id, &secret)),
            400,
            "invalid_request",
        ),
        (
            vec![grant, ("client_id", &stranger)],
            Some((&id, &secret)),
            400,
            "invalid_request",
        ),
        // A parameter twice.
        (
            vec![grant, grant],
            Some((&id, &secret)),
            400,
            "invalid_request",
        ),
        (
            vec![grant, ("scope", "customers:write")],
            Some((&id, &secret)),
            400,
            "invalid_scope",
        ),
        (
            vec![grant, ("scope", "everything")],
            Some((&id, &secret)),
            400,
            "invalid_scope",
        ),
    ];
    for (form, basic, status, error) in cases {
        let r = app.oauth_token(&form, basic).await;
        assert_eq!(r.status, status, "{form:?}: {}", r.body);
        assert_eq!(r.body["error"], error, "{form:?}");
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
        if status == 401 && basic.is_some() {
            assert_eq!(
                r.header("www-authenticate").as_deref(),
                Some("Basic realm=\"kaidan\"")
            );
        }
    }
    // The token endpoint takes POST only.
    let r = app
        .client
        .get(format!("{}/oauth/token", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    // JSON is not the token endpoint's format.
    let r = app
        .client
        .post(format!("{}/oauth/token", app.address))
        .basic_auth(&id, Some(&secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

/// Rotates the secret of the client at `path` as `admin`, keeping the old one `grace` hours.
async fn rotate(app: &TestApp, admin: &str, path: &str, grace: i64) -> kaidan_tests::Resp {
    let etag = app.get(admin, path).await.expect(200).etag();
    app.request(
        Method::POST,
        &format!("{path}/rotate-secret"),
        Some(admin),
        Some(&json!({ "grace_hours": grace })),
        &[("If-Match", &etag)],
    )
    .await
    .expect(200)
}

/// Changes the client at `path` as `admin`.
async fn change(app: &TestApp, admin: &str, path: &str, body: Value) -> kaidan_tests::Resp {
    let etag = app.get(admin, path).await.expect(200).etag();
    app.patch(admin, path, &etag, body).await.expect(200)
}

#[tokio::test]
async fn disabling_rotating_and_narrowing_a_client_take_effect_at_once() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (id, secret) = app
        .register_client(
            &admin,
            json!({"name": "飞书集成", "scopes": ["customers:read", "org:read"]}),
        )
        .await;
    let path = format!("/api/v1/api-clients/{id}");
    let token = app.client_token(&id, &secret, None).await;
    app.get(&token, "/api/v1/customers").await.expect(200);

    // Rotation with a grace: the old secret and its tokens keep working.
    let r = rotate(&app, &admin, &path, 24).await;
    let second = r.body["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(second, secret);
    assert!(r.body["client"]["previous_secret_valid_until"].is_string());
    app.get(&token, "/api/v1/customers").await.expect(200);
    let old_secret_token = app.client_token(&id, &secret, None).await;
    let token2 = app.client_token(&id, &second, None).await;

    // Rotation without a grace: the secret before stops, and so do its tokens.
    let r = rotate(&app, &admin, &path, 0).await;
    let third = r.body["client_secret"].as_str().unwrap().to_owned();
    for old in [&secret, &second] {
        let r = app
            .oauth_token(&[("grant_type", "client_credentials")], Some((&id, old)))
            .await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
    for t in [&token, &old_secret_token, &token2] {
        app.get(t, "/api/v1/customers").await.expect(401);
    }
    let token3 = app.client_token(&id, &third, None).await;
    app.get(&token3, "/api/v1/customers").await.expect(200);

    // A rate written as a float that is a whole number is a whole number.
    let r = change(&app, &admin, &path, json!({"rate_per_minute": 130.0})).await;
    assert_eq!(r.body["rate_per_minute"], 130);
    let r = change(&app, &admin, &path, json!({"rate_per_minute": null})).await;
    assert!(r.body["rate_per_minute"].is_null());
    // A scope taken away stops counting in tokens already issued.
    change(&app, &admin, &path, json!({"scopes": ["org:read"]})).await;
    let r = app.get(&token3, "/api/v1/customers").await.expect(403);
    assert_eq!(r.code(), "insufficient_scope");
    app.get(&token3, "/api/v1/teams").await.expect(200);

    // Source addresses: outside the list, no token and no calls.
    change(
        &app,
        &admin,
        &path,
        json!({"allowed_ips": ["203.0.113.0/24"]}),
    )
    .await;
    app.get(&token3, "/api/v1/teams").await.expect(401);
    let r = app
        .oauth_token(&[("grant_type", "client_credentials")], Some((&id, &third)))
        .await;
    assert_eq!(r.body["error"], "invalid_client");
    change(
        &app,
        &admin,
        &path,
        json!({"allowed_ips": ["127.0.0.0/8", "::1"]}),
    )
    .await;
    app.get(&token3, "/api/v1/teams").await.expect(200);

    // Disabled: its tokens stop on the next request, and it gets no new one.
    let r = change(&app, &admin, &path, json!({"disabled": true})).await;
    assert_eq!(r.body["disabled"], true);
    app.get(&token3, "/api/v1/teams").await.expect(401);
    let r = app
        .oauth_token(&[("grant_type", "client_credentials")], Some((&id, &third)))
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"], "invalid_client");

    // Every change is on the audit trail.
    let audit = app
        .get(&admin, "/api/v1/audit?entity=api_client&limit=50")
        .await
        .expect(200)
        .body;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"api_client.create"), "{actions:?}");
    assert!(actions.contains(&"api_client.rotate_secret"), "{actions:?}");
    assert!(actions.contains(&"api_client.update"), "{actions:?}");
}

#[tokio::test]
async fn a_client_owns_nothing_it_creates_and_names_whose_it_is() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rep = app.login("rep_east1").await;
    let customer = app
        .create_customer(&rep, json!({"name": "无锡新区电子有限公司"}))
        .await;
    let cid = customer["id"].as_str().unwrap();
    let (id, secret) = app
        .register_client(
            &admin,
            json!({"name": "ERP 同步", "scopes": ["follow_ups:write", "opportunities:write",
                   "customers:write"]}),
        )
        .await;
    let token = app.client_token(&id, &secret, None).await;
    // A task or a customer without an owner would be nobody's: named or refused.
    let task = json!({"customer_id": cid, "kind": "call", "title": "回访",
                      "due_at": "2030-01-02T03:00:00Z"});
    let r = app
        .post(&token, "/api/v1/follow-ups", task.clone())
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["owner_id"]);
    let r = app
        .post(
            &token,
            "/api/v1/customers",
            json!({"name": "无主公司", "force": true}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["owner_id"]);
    let mut named = task.clone();
    named["owner_id"] = json!(app.user("rep_east1"));
    let r = app
        .post(&token, "/api/v1/follow-ups", named)
        .await
        .expect(201);
    assert_eq!(r.body["owner_id"], app.user("rep_east1"));
    // A deal takes its customer's owner.
    let r = app
        .post(
            &token,
            "/api/v1/opportunities",
            json!({"customer_id": cid, "name": "二期扩容", "amount": 120000}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["owner_id"], app.user("rep_east1"));
}

#[tokio::test]
async fn registering_a_client_is_validated_and_for_admins_only() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let r = app
        .post(
            &admin,
            "/api/v1/api-clients",
            json!({"name": " ", "scopes": [], "allowed_ips": ["10.0.0.0/33", "example.com"],
                   "rate_per_minute": 0}),
        )
        .await
        .expect(422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "allowed_ips[0]",
            "allowed_ips[1]",
            "name",
            "rate_per_minute",
            "scopes"
        ]
    );
    let r = app
        .post(
            &admin,
            "/api/v1/api-clients",
            json!({"name": "x", "scopes": ["admin:everything"]}),
        )
        .await;
    assert!(r.status == 400 || r.status == 422, "{}", r.body);
    // A team and a region that disagree.
    let east1 = app.team_id("华东一组").await;
    let south = app.region_id("华南").await;
    let r = app
        .post(
            &admin,
            "/api/v1/api-clients",
            json!({"name": "x", "scopes": ["customers:read"], "team_id": east1, "region_id": south}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["region_id"]);
    // People are not registered as clients, nor clients as people.
    let r = app
        .post(
            &admin,
            "/api/v1/users",
            json!({"username": "robot", "display_name": "机器人", "password": kaidan_tests::PASSWORD,
                   "role": "integration"}),
        )
        .await
        .expect(422);
    assert!(r.error_fields().contains(&"role"), "{}", r.body);
    let sup = app.login("sup_east1").await;
    app.post(
        &sup,
        "/api/v1/api-clients",
        json!({"name": "主管的应用", "scopes": ["customers:read"]}),
    )
    .await
    .expect(403);
}

/// The scopes × operations matrix: for every operation of the spec that takes a token, a client
/// token holding every scope but the one the operation needs is refused with
/// `insufficient_scope`, a token holding it is not, and operations for people refuse every
/// client token. Derived from `api_client::required` and the spec, so a new operation is covered
/// the day it is added.
#[tokio::test]
async fn every_operation_takes_a_client_token_only_with_its_scope() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let all: Vec<&str> = ApiScope::ALL.iter().map(|s| s.as_str()).collect();
    let (id, secret) = app
        .register_client(&admin, json!({"name": "全部权限", "scopes": all}))
        .await;
    let full = app.client_token(&id, &secret, None).await;
    let mut without = std::collections::HashMap::new();
    for s in ApiScope::ALL {
        let rest: Vec<&str> = all.iter().copied().filter(|x| *x != s.as_str()).collect();
        without.insert(
            s,
            app.client_token(&id, &secret, Some(&rest.join(" "))).await,
        );
    }
    let spec: Value = serde_json::from_str(&kaidan_api::openapi::spec_json()).unwrap();
    let mut cells = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let takes_token = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if !takes_token {
                continue;
            }
            let method = method.to_uppercase();
            let need = required(&method, path);
            // What the spec says is what the server checks.
            let declared: Option<Vec<String>> = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .find_map(|r| r.get("oauth2"))
                .map(|s| serde_json::from_value(s.clone()).unwrap());
            match need {
                Need::People => assert_eq!(declared, None, "{method} {path}"),
                Need::AnyClient => assert_eq!(declared, Some(vec![]), "{method} {path}"),
                Need::Scope(s) => {
                    assert_eq!(
                        declared,
                        Some(vec![s.as_str().to_owned()]),
                        "{method} {path}"
                    )
                }
            }
            let url = path
                .replace("{id}", &Uuid::now_v7().to_string())
                .replace("{resource}", "customer");
            let m: Method = method.parse().unwrap();
            let call = |token: String| {
                let (app, m, url) = (&app, m.clone(), url.clone());
                async move {
                    app.request(
                        m,
                        &url,
                        Some(&token),
                        Some(&json!({})),
                        &[("If-Match", "\"1\"")],
                    )
                    .await
                }
            };
            let with_full = call(full.clone()).await;
            cells += 1;
            match need {
                Need::People => {
                    assert_eq!(with_full.status, 403, "{method} {path}: {}", with_full.body);
                    assert_eq!(with_full.code(), "insufficient_scope", "{method} {path}");
                }
                Need::AnyClient | Need::Scope(_) => {
                    assert_ne!(
                        with_full.code(),
                        "insufficient_scope",
                        "{method} {path}: {}",
                        with_full.body
                    );
                    assert_ne!(with_full.status, 401, "{method} {path}");
                }
            }
            if let Need::Scope(s) = need {
                let r = call(without[&s].clone()).await;
                cells += 1;
                assert_eq!(
                    r.status,
                    403,
                    "{method} {path} without {}: {}",
                    s.as_str(),
                    r.body
                );
                assert_eq!(r.code(), "insufficient_scope", "{method} {path}");
            }
        }
    }
    assert!(cells > 150, "{cells} cells");
}
