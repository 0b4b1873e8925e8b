//! The authorization table of this endpoints, checked for every role against records in
//! every position (own, same team, other team in the region, other region). Expectations come
//! from `kaidan_shared::policy`, not from a hand-written copy.

use kaidan_shared::policy::scope_for;
use kaidan_shared::{Action, Resource, Role, Scope};
use kaidan_tests::spawn_app;
use serde_json::json;

/// Where a record sits relative to the caller.
#[derive(Clone, Copy, Debug)]
enum Position {
    Own,
    SameTeam,
    SameRegion,
    OtherRegion,
}

/// Whether `scope` reaches a record in `pos` (for a caller that is not the owner's supervisor
/// in another team; see the demo org).
fn reaches(scope: Scope, pos: Position) -> bool {
    match (scope, pos) {
        (Scope::All, _) => true,
        (Scope::Region, Position::OtherRegion) => false,
        (Scope::Region, _) => true,
        (Scope::Team | Scope::OwnAndSubordinates, Position::Own | Position::SameTeam) => true,
        (Scope::Team | Scope::OwnAndSubordinates, _) => false,
        (Scope::Own, Position::Own) => true,
        (Scope::Own, _) => false,
    }
}

/// Expected status for `action` on a customer in `pos`: 2xx when allowed and reached, 403 when
/// the role may not act but may see it, 404 otherwise.
fn expected(role: Role, action: Action, pos: Position) -> u16 {
    match scope_for(role, Resource::Customer, action) {
        Some(s) if reaches(s, pos) => 200,
        Some(_) => 404,
        None => match scope_for(role, Resource::Customer, Action::Read) {
            Some(r) if reaches(r, pos) => 403,
            _ => 404,
        },
    }
}

#[tokio::test]
async fn customer_endpoints_obey_the_policy_for_every_role_and_position() {
    let app = spawn_app().await;
    // Callers: one of each role, all in 华东一组 / 华东 where they have a place.
    let callers = [
        ("admin", Role::Admin),
        ("manager_east", Role::RegionalManager),
        ("sup_east1", Role::Supervisor),
        ("rep_east1", Role::SalesRep),
        ("cs1", Role::CustomerService),
    ];
    for (caller, role) in callers {
        let token = app.login(caller).await;
        // Owners for each position relative to this caller.
        let owner_for = |pos: Position| -> &'static str {
            match (pos, caller) {
                (Position::Own, c) if role.can_own_customers() => c,
                (Position::Own, _) => "rep_east1",
                (Position::SameTeam, "rep_east1") => "rep_east2",
                (Position::SameTeam, _) => "rep_east1",
                (Position::SameRegion, _) => "rep_east3",
                (Position::OtherRegion, _) => "rep_south1",
            }
        };
        for pos in [
            Position::Own,
            Position::SameTeam,
            Position::SameRegion,
            Position::OtherRegion,
        ] {
            if matches!(pos, Position::Own) && !role.can_own_customers() {
                continue;
            }
            let owner = owner_for(pos);
            let owner_token = app.login(owner).await;
            let c = app
                .create_customer(
                    &owner_token,
                    json!({"name": format!("{caller}-{pos:?}-客户")}),
                )
                .await;
            let id = c["id"].as_str().unwrap();
            let path = format!("/api/v1/customers/{id}");
            let ctx = format!("{caller} {pos:?}");

            let read = expected(role, Action::Read, pos);
            assert_eq!(app.get(&token, &path).await.status, read, "GET {ctx}");
            assert_eq!(
                app.get(&token, &format!("{path}/history")).await.status,
                read,
                "history {ctx}"
            );
            assert_eq!(
                app.get(&token, &format!("{path}/contacts")).await.status,
                read,
                "contacts {ctx}"
            );
            let listed = app
                .get(&token, "/api/v1/customers?limit=200")
                .await
                .expect(200)
                .body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == id);
            assert_eq!(listed, read == 200, "list {ctx}");

            let upd = expected(role, Action::Update, pos);
            assert_eq!(
                app.patch(&token, &path, "\"1\"", json!({"notes": "n"}))
                    .await
                    .status,
                upd,
                "PATCH {ctx}"
            );
            let version = if upd == 200 { "\"2\"" } else { "\"1\"" };
            let tr = expected(role, Action::Transfer, pos);
            let tr_status = app
                .post(
                    &token,
                    &format!("{path}/transfer"),
                    json!({"owner_id": app.user(owner)}),
                )
                .await
                .status;
            assert_eq!(tr_status, tr, "transfer {ctx}");
            let version = if tr == 200 {
                "\"3\"".to_owned()
            } else {
                version.to_owned()
            };
            let arch = expected(role, Action::Archive, pos);
            assert_eq!(
                app.delete(&token, &path, &version).await.status,
                arch,
                "archive {ctx}"
            );
        }
    }
}

/// Contacts are reached through their customer: outside the customer's scope every contact
/// endpoint answers 404; org changes by non-admins answer 403.
#[tokio::test]
async fn contacts_and_org_edits_outside_scope_are_refused() {
    let app = spawn_app().await;
    let e2 = app.login("rep_east2").await;
    let c = app
        .create_customer(
            &e2,
            json!({"name": "嘉兴南湖纺织有限公司", "contacts": [{"name": "沈一"}]}),
        )
        .await;
    let id = c["id"].as_str().unwrap();
    let contact = c["contacts"][0]["id"].as_str().unwrap();
    for outsider in [
        "rep_east1",
        "sup_east2",
        "rep_south1",
        "manager_south",
        "cs_south1",
    ] {
        let t = app.login(outsider).await;
        app.get(&t, &format!("/api/v1/contacts/{contact}"))
            .await
            .expect(404);
        app.patch(
            &t,
            &format!("/api/v1/contacts/{contact}"),
            "\"1\"",
            json!({"title": "x"}),
        )
        .await
        .expect(404);
        app.delete(&t, &format!("/api/v1/contacts/{contact}"), "\"1\"")
            .await
            .expect(404);
        app.post(
            &t,
            &format!("/api/v1/customers/{id}/contacts"),
            json!({"name": "x"}),
        )
        .await
        .expect(404);
    }
    // The supervisor of the owner's team may.
    let sup = app.login("sup_east1").await;
    app.patch(
        &sup,
        &format!("/api/v1/contacts/{contact}"),
        "\"1\"",
        json!({"title": "厂长"}),
    )
    .await
    .expect(200);

    let admin = app.login("admin").await;
    let regions = app.get(&admin, "/api/v1/regions").await.expect(200);
    let region = regions.body[0]["id"].as_str().unwrap().to_owned();
    let teams = app.get(&admin, "/api/v1/teams").await.expect(200);
    let team = teams.body[0]["id"].as_str().unwrap().to_owned();
    for who in ["manager_east", "sup_east1", "rep_east1", "cs1"] {
        let t = app.login(who).await;
        app.patch(
            &t,
            &format!("/api/v1/regions/{region}"),
            "\"1\"",
            json!({"name": "改名"}),
        )
        .await
        .expect(403);
        app.patch(
            &t,
            &format!("/api/v1/teams/{team}"),
            "\"1\"",
            json!({"name": "改名"}),
        )
        .await
        .expect(403);
        app.post(
            &t,
            "/api/v1/teams",
            json!({"name": "新组", "region_id": region}),
        )
        .await
        .expect(403);
        // 403 where the caller can see rep_east2 (manager, supervisor), 404 where they cannot.
        let expected = if matches!(who, "manager_east" | "sup_east1") {
            403
        } else {
            404
        };
        let r = app
            .patch(
                &t,
                &format!("/api/v1/users/{}", app.user("rep_east2")),
                "\"1\"",
                json!({"display_name": "x"}),
            )
            .await;
        assert_eq!(r.status, expected, "{who} PATCH user");
        let r = app
            .post(
                &t,
                &format!("/api/v1/users/{}/reset-password", app.user("rep_east2")),
                json!({"new_password": "长河落日圆2026"}),
            )
            .await;
        assert_eq!(r.status, expected, "{who} reset password");
    }
    // Nobody but the admin changed anything.
    let log = app
        .get(
            &admin,
            "/api/v1/audit?entity=user&action=user.reset_password",
        )
        .await
        .expect(200);
    assert!(log.body["items"].as_array().unwrap().is_empty());
}
