//! A contract's documents (scans, the signed copy): PDFs kept byte for byte and served as a
//! download, scans sent as images kept like photos, recognised by content; seen exactly by who
//! may read the contract; what went to approval stays, what came after may go.

use kaidan_tests::records::{small_jpeg, small_pdf};
use kaidan_tests::{spawn_app, TestApp};
use serde_json::json;

/// A draft contract of rep_east1's for `yuan`, and the rep's token.
async fn draft(app: &TestApp, yuan: i64) -> (String, String) {
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "附件测试客户"}))
        .await;
    let id = app
        .post(
            &rep,
            "/api/v1/contracts",
            json!({"customer_id": c["id"], "title": "附件合同", "amount": yuan * 100}),
        )
        .await
        .expect(201)
        .id();
    (rep, id)
}

/// The names of a contract's documents, oldest first.
async fn names(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let list = app
        .get(token, &format!("/api/v1/contracts/{id}/documents"))
        .await
        .expect(200);
    list.body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["original_name"].as_str().unwrap().to_owned())
        .collect()
}

async fn remove(app: &TestApp, token: &str, id: &str) -> kaidan_tests::Resp {
    app.request(
        reqwest::Method::DELETE,
        &format!("/api/v1/attachments/{id}"),
        Some(token),
        None,
        &[],
    )
    .await
}

async fn content(app: &TestApp, token: &str, url: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{url}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent")
}

#[tokio::test]
async fn a_pdf_is_kept_as_sent_and_a_scan_like_a_photo_for_whoever_reads_the_contract() {
    let app = spawn_app().await;
    let (rep, id) = draft(&app, 50_000).await;

    let pdf = small_pdf();
    let r = app
        .document_upload(&rep, &id, pdf.clone(), "合同扫描件 \"v1\".pdf")
        .await
        .expect(201);
    assert_eq!(r.body["kind"], "document");
    assert_eq!(r.body["content_type"], "application/pdf");
    assert_eq!(r.body["resource"], "contract");
    assert_eq!(r.body["size_bytes"], pdf.len());
    assert!(r.body["thumb_url"].is_null());
    let doc_url = r.body["content_url"].as_str().unwrap().to_owned();

    // A scan sent as an image becomes a photo with a preview.
    let scan = app
        .document_upload(&rep, &id, small_jpeg(), "page2.jpg")
        .await
        .expect(201);
    assert_eq!(scan.body["kind"], "photo");
    assert!(scan.body["thumb_url"].is_string());

    let names = names(&app, &rep, &id).await;
    assert_eq!(names, ["合同扫描件 \"v1\".pdf", "page2.jpg"]);

    // The same bytes back, as a download under its own name (no quote breaks the header).
    let res = content(&app, &rep, &doc_url).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert!(
        disposition.ends_with(
            "filename*=UTF-8''%E5%90%88%E5%90%8C%E6%89%AB%E6%8F%8F%E4%BB%B6%20%22v1%22.pdf"
        ),
        "{disposition}"
    );
    assert_eq!(disposition.matches('"').count(), 2, "{disposition}");
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);

    // The team's supervisor and the region's manager read it; a rep of another team, the other
    // region's manager and an outsider do not, nor can they add one.
    for who in ["sup_east1", "manager_east", "admin"] {
        let t = app.login(who).await;
        assert_eq!(content(&app, &t, &doc_url).await.status(), 200, "{who}");
    }
    let doc_id = r.body["id"].as_str().unwrap().to_owned();
    for who in ["rep_east3", "manager_south"] {
        let t = app.login(who).await;
        assert_eq!(content(&app, &t, &doc_url).await.status(), 404, "{who}");
        assert_eq!(remove(&app, &t, &doc_id).await.status, 404, "{who}");
        app.get(&t, &format!("/api/v1/contracts/{id}/documents"))
            .await
            .expect(404);
        let r = app.document_upload(&t, &id, small_pdf(), "x.pdf").await;
        assert_eq!(r.status, 404, "{who}: {}", r.body);
    }
    assert_eq!(content(&app, "not-a-token", &doc_url).await.status(), 401);

    // Customer service reads the contract but may not change it: no adding, no removing.
    let cs = app.login("cs1").await;
    assert_eq!(content(&app, &cs, &doc_url).await.status(), 200);
    assert_eq!(remove(&app, &cs, &doc_id).await.status, 403);
    assert_eq!(
        app.document_upload(&cs, &id, small_pdf(), "x.pdf")
            .await
            .status,
        403
    );

    // The name is the uploader's, the extension is what the file is: a PDF called `.html` is
    // saved as a PDF.
    let disguised = app
        .document_upload(&rep, &id, small_pdf(), "报价.html")
        .await
        .expect(201);
    let res = content(&app, &rep, disguised.body["content_url"].as_str().unwrap()).await;
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("filename=\"__.pdf\""), "{disposition}");
    assert!(
        disposition.ends_with("''%E6%8A%A5%E4%BB%B7.pdf"),
        "{disposition}"
    );

    // The contract's history tells who added what.
    let h = app
        .get(&rep, &format!("/api/v1/contracts/{id}/history"))
        .await
        .expect(200);
    let adds = h.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "attachment.add")
        .count();
    assert_eq!(adds, 3, "{}", h.body);
}

#[tokio::test]
async fn only_whole_pdfs_and_images_are_taken_by_content_not_by_name() {
    let app = spawn_app().await;
    let (rep, id) = draft(&app, 10_000).await;
    let truncated = small_pdf()[..40].to_vec();
    for (bytes, name) in [
        (
            b"<html><script>alert(1)</script></html>".to_vec(),
            "contract.pdf",
        ),
        (truncated, "cut.pdf"),
        (b"MZ\x90\x00\x03".to_vec(), "scan.jpg"),
    ] {
        let r = app.document_upload(&rep, &id, bytes, name).await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        assert_eq!(r.body["errors"][0]["field"], "file", "{name}");
    }
    let r = app
        .document_upload(&rep, &id, Vec::new(), "empty.pdf")
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["code"], "required");
    // Nothing was kept.
    assert!(names(&app, &rep, &id).await.is_empty());
}

#[tokio::test]
async fn what_went_to_approval_stays_and_the_signed_copy_follows() {
    let app = spawn_app().await;
    let (rep, id) = draft(&app, 50_000).await;
    // A draft's documents come and go.
    let gone = app
        .document_upload(&rep, &id, small_pdf(), "草稿.pdf")
        .await
        .expect(201)
        .id();
    remove(&app, &rep, &gone).await.expect(204);
    let seen = app
        .document_upload(&rep, &id, small_pdf(), "报价附件.pdf")
        .await
        .expect(201)
        .id();

    let approval = app
        .post(&rep, &format!("/api/v1/contracts/{id}/submit"), json!({}))
        .await
        .expect(200)
        .body["approval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // While it waits, what the approver sees stays; more may be added for the approver.
    let r = remove(&app, &rep, &seen).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["code"], "invalid_state");
    app.document_upload(&rep, &id, small_pdf(), "补充材料.pdf")
        .await
        .expect(201);
    let sup = app.login("sup_east1").await;
    app.post(
        &sup,
        &format!("/api/v1/approvals/{approval}/approve"),
        json!({}),
    )
    .await
    .expect(200);

    // After approval the signed copy comes; it may be replaced, what was approved may not.
    let signed_copy = app
        .document_upload(&rep, &id, small_pdf(), "盖章合同.pdf")
        .await
        .expect(201)
        .id();
    app.post(&rep, &format!("/api/v1/contracts/{id}/sign"), json!({}))
        .await
        .expect(200);
    remove(&app, &rep, &signed_copy).await.expect(204);
    assert_eq!(remove(&app, &rep, &seen).await.status, 409);
    let names = names(&app, &rep, &id).await;
    assert_eq!(names, ["报价附件.pdf", "补充材料.pdf"]);

    // A terminated contract takes no more.
    let v = app.get(&rep, &format!("/api/v1/contracts/{id}")).await.body["version"].clone();
    app.request(
        reqwest::Method::POST,
        &format!("/api/v1/contracts/{id}/terminate"),
        Some(&rep),
        Some(&json!({"reason": "客户取消"})),
        &[("If-Match", &format!("\"{v}\""))],
    )
    .await
    .expect(200);
    let r = app
        .document_upload(&rep, &id, small_pdf(), "晚了.pdf")
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["code"], "invalid_state");
}

#[tokio::test]
async fn the_last_places_are_taken_once_when_uploads_race() {
    let app = spawn_app().await;
    let (rep, id) = draft(&app, 10_000).await;
    for n in 0..28 {
        app.document_upload(&rep, &id, small_pdf(), &format!("{n}.pdf"))
            .await
            .expect(201);
    }
    // Two places left, five uploads at once: two are kept.
    let racing = (0..5).map(|n| {
        let (app, rep, id) = (&app, &rep, &id);
        async move {
            app.document_upload(rep, id, small_pdf(), &format!("race{n}.pdf"))
                .await
        }
    });
    let answers = futures_util::future::join_all(racing).await;
    let kept = answers.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        kept,
        2,
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(answers.iter().all(|r| r.status == 201 || r.status == 409));
    assert_eq!(names(&app, &rep, &id).await.len(), 30);
}
