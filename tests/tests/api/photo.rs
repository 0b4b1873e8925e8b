//! A visit's photos: re-encoded upright with no EXIF (no GPS), thumbnails, wrong types and
//! oversize refused, visible exactly when the visit is, retried uploads kept once, removal; on
//! the local directory and on an S3-compatible server.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};
use kaidan_api::storage::StorageKind;
use kaidan_shared::attachment::Attachment;
use kaidan_shared::customer::CustomerCreate;
use kaidan_shared::visit::VisitCreate;
use kaidan_tests::s3::S3Server;
use kaidan_tests::{spawn_app, spawn_app_with, SignedIn, TestApp};
use reqwest::multipart::{Form, Part};
use uuid::Uuid;

/// A 40 × 20 JPEG (red left half, blue right) whose EXIF says "rotate 90° clockwise to view" and
/// carries a GPS latitude, as a phone camera writes it.
fn camera_jpeg() -> Vec<u8> {
    let img = RgbImage::from_fn(40, 20, |x, _| {
        if x < 20 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    });
    let mut plain = Cursor::new(Vec::new());
    img.write_to(&mut plain, ImageFormat::Jpeg).unwrap();
    let plain = plain.into_inner();
    // TIFF, big-endian: IFD0 {Orientation = 6, GPS IFD pointer} → GPS IFD {LatitudeRef "N",
    // Latitude 30°16'26.64"}.
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend([0x00, 0x02]);
    tiff.extend([0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]);
    tiff.extend([0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 38]);
    tiff.extend([0, 0, 0, 0]);
    tiff.extend([0x00, 0x02]);
    tiff.extend([0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend([0x00, 0x02, 0x00, 0x05, 0, 0, 0, 3, 0, 0, 0, 68]);
    tiff.extend([0, 0, 0, 0]);
    for (n, d) in [(30u32, 1u32), (16, 1), (2664, 100)] {
        tiff.extend(n.to_be_bytes());
        tiff.extend(d.to_be_bytes());
    }
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(len.to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn has_exif(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w == b"Exif\x00\x00")
}

async fn upload(
    app: &TestApp,
    who: &SignedIn,
    visit: Uuid,
    bytes: Vec<u8>,
    name: &str,
) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .post(format!("{}/api/v1/visits/{visit}/photos", app.address))
        .bearer_auth(&who.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn content(app: &TestApp, token: &str, url: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{url}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn visit_of(app: &TestApp, who: &SignedIn) -> Uuid {
    let c = app
        .customer_create(
            who,
            &CustomerCreate {
                name: format!("拍照客户{}", Uuid::now_v7()),
                ..Default::default()
            },
        )
        .await;
    app.visit_create(
        who,
        &VisitCreate {
            customer_id: c.customer.id,
            ..Default::default()
        },
    )
    .await
    .id
}

/// Upload, read back upright and clean, thumbnail, history, removal: the same on every store.
async fn photo_story(app: &TestApp) -> Attachment {
    let rep = app.sign_in("rep_east1").await;
    let visit = visit_of(app, &rep).await;
    let original = camera_jpeg();
    assert!(has_exif(&original));
    let r = upload(app, &rep, visit, original, "IMG_0001.HEIC.jpg").await;
    assert_eq!(r.status(), 201);
    let a: Attachment = r.json().await.unwrap();
    assert_eq!((a.width, a.height), (Some(20), Some(40)), "turned upright");
    assert_eq!(a.content_type, "image/jpeg");
    assert_eq!(a.original_name.as_deref(), Some("IMG_0001.HEIC.jpg"));

    let r = content(app, &rep.token, &a.content_url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    // Kept privately and revalidated on each use: an answer of 304 only while access lasts.
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let kept = r.bytes().await.unwrap();
    let again = |token: String| {
        let url = format!("{}{}", app.address, a.content_url);
        let etag = etag.clone();
        async move {
            app.client
                .get(url)
                .bearer_auth(token)
                .header("if-none-match", etag)
                .send()
                .await
                .unwrap()
        }
    };
    let r = again(rep.token.clone()).await;
    assert_eq!(r.status(), 304);
    assert!(r.bytes().await.unwrap().is_empty());
    let stranger = app.sign_in("rep_south1").await;
    assert_eq!(again(stranger.token.clone()).await.status(), 404);
    assert!(!has_exif(&kept), "no EXIF, so no GPS, is kept");
    let img = image::load_from_memory(&kept).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (20, 40));
    // Rotated clockwise: the red left half is now the top.
    assert!(img.get_pixel(10, 5)[0] > 150 && img.get_pixel(10, 35)[2] > 150);
    let thumb = content(app, &rep.token, a.thumb_url.as_deref().unwrap()).await;
    assert_eq!(thumb.status(), 200);

    let photos = app
        .get(&rep.token, &format!("/api/v1/visits/{visit}/photos"))
        .await
        .expect(200);
    assert_eq!(photos.body.as_array().unwrap().len(), 1);
    let history = app
        .get(&rep.token, &format!("/api/v1/visits/{visit}/history"))
        .await
        .expect(200);
    assert_eq!(history.body["items"][0]["action"], "attachment.add");
    a
}

#[tokio::test]
async fn photos_are_kept_upright_and_without_exif_in_the_local_directory() {
    let app = spawn_app().await;
    let a = photo_story(&app).await;
    let file = app
        .settings
        .storage
        .dir
        .join(format!("attachments/{}.jpg", a.id));
    assert!(file.is_file(), "{file:?}");
    assert!(!has_exif(&std::fs::read(&file).unwrap()));

    // Removal: gone from the list, the store and the content URL; kept in the history.
    let rep = app.sign_in("rep_east1").await;
    let r = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/attachments/{}", a.id),
            Some(&rep.token),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    assert!(!file.exists());
    assert_eq!(
        content(&app, &rep.token, &a.content_url).await.status(),
        404
    );
    let history = app
        .get(
            &rep.token,
            &format!("/api/v1/visits/{}/history", a.record_id),
        )
        .await
        .expect(200);
    assert_eq!(history.body["items"][0]["action"], "attachment.remove");
}

#[tokio::test]
async fn photos_round_trip_through_an_s3_compatible_server() {
    let s3 = S3Server::start("kaidan-test").await;
    let endpoint = s3.endpoint.clone();
    let app = spawn_app_with(move |s| {
        s.storage.kind = StorageKind::S3;
        s.storage.s3.bucket = "kaidan-test".into();
        s.storage.s3.endpoint = Some(endpoint);
        s.storage.s3.allow_http = true;
        s.storage.s3.access_key_id = "test".into();
        s.storage.s3.secret_access_key = Some("test".to_owned().into());
    })
    .await;
    let a = photo_story(&app).await;
    // In the bucket (read with the same credentials), not in a local directory.
    let bucket = kaidan_api::storage::Storage::open(&app.settings.storage).unwrap();
    for key in [
        format!("attachments/{}.jpg", a.id),
        format!("attachments/{}.thumb.jpg", a.id),
    ] {
        let kept = bucket.get(&key).await.unwrap().expect("in the bucket");
        assert!(!has_exif(&kept), "{key}");
    }
    assert!(!app.settings.storage.dir.join("attachments").exists());
    drop(s3);
}

#[tokio::test]
async fn wrong_types_oversize_and_strangers_are_refused() {
    let app = spawn_app_with(|s| s.storage.max_upload_bytes = 64 * 1024).await;
    let rep = app.sign_in("rep_east1").await;
    let visit = visit_of(&app, &rep).await;

    // Not an image, whatever its name says; GIF is not a photo format.
    let r = upload(&app, &rep, visit, b"just some text".to_vec(), "photo.jpg").await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "file");
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!".to_vec();
    assert_eq!(upload(&app, &rep, visit, gif, "a.gif").await.status(), 422);
    // Over the limit: refused before it is decoded.
    let noise: Vec<u8> = (0..70_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let r = upload(&app, &rep, visit, noise, "big.jpg").await;
    assert_eq!(r.status(), 413);
    // Not multipart at all.
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/visits/{visit}/photos"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, 415);

    let r = upload(&app, &rep, visit, camera_jpeg(), "ok.jpg").await;
    assert_eq!(r.status(), 201);
    let a: Attachment = r.json().await.unwrap();

    // Another region's rep neither adds nor sees; 客服 of the region sees but does not add.
    let south = app.sign_in("rep_south1").await;
    assert_eq!(
        upload(&app, &south, visit, camera_jpeg(), "x.jpg")
            .await
            .status(),
        404
    );
    assert_eq!(
        content(&app, &south.token, &a.content_url).await.status(),
        404
    );
    let cs = app.sign_in("cs1").await;
    assert_eq!(content(&app, &cs.token, &a.content_url).await.status(), 200);
    assert_eq!(
        upload(&app, &cs, visit, camera_jpeg(), "x.jpg")
            .await
            .status(),
        403
    );
    let r = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/attachments/{}", a.id),
            Some(&cs.token),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    // Without a token: nothing.
    let r = app
        .client
        .get(format!("{}{}", app.address, a.content_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_retried_upload_from_the_queue_adds_the_photo_once() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let visit = visit_of(&app, &rep).await;
    let send = || {
        let form = Form::new().part(
            "file",
            Part::bytes(camera_jpeg()).file_name("queued.jpg".to_owned()),
        );
        app.client
            .post(format!("{}/api/v1/visits/{visit}/photos", app.address))
            .bearer_auth(&rep.token)
            .header("idempotency-key", "photo-01a2")
            .multipart(form)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Attachment = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Attachment = again.json().await.unwrap();
    assert_eq!(again.id, first.id);
    let photos = app
        .get(&rep.token, &format!("/api/v1/visits/{visit}/photos"))
        .await
        .expect(200);
    assert_eq!(photos.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_keyed_upload_with_an_overlong_boundary_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let visit = visit_of(&app, &rep).await;
    // RFC 2046 allows 70 characters; a longer one could make the request's fingerprint costly.
    let boundary = "a".repeat(71);
    let body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\n\r\nx\r\n--{boundary}--\r\n");
    let r = app
        .client
        .post(format!("{}/api/v1/visits/{visit}/photos", app.address))
        .bearer_auth(&rep.token)
        .header("idempotency-key", "long-boundary")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Another POST does not get the photos' larger body limit for being multipart.
    let big = format!(
        "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n{}\r\n--b--\r\n",
        "y".repeat(300 * 1024)
    );
    let r = app
        .client
        .post(format!("{}/api/v1/visits", app.address))
        .bearer_auth(&rep.token)
        .header("idempotency-key", "big-form")
        .header("content-type", "multipart/form-data; boundary=b")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}
