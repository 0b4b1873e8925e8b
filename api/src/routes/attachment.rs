use actix_multipart::{Multipart, MultipartError};
use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use futures_util::TryStreamExt;
use kaidan_shared::attachment::{Attachment, ContentQuery, ContentSize};
use kaidan_shared::{ErrorCode, FieldCode, Problem};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::images::too_large;
use crate::services::attachment as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(add_visit_photo)
        .service(list_visit_photos)
        .service(attachment_content)
        .service(remove_attachment);
}

/// A photo upload: one part named `file`, and no other (as JSON bodies take no unknown field).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PhotoUpload {
    /// JPEG, PNG or WebP (recognised by content), at most `storage.max_upload_bytes` (10 MiB by
    /// default). The phone resizes to about 1600 px first.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn bad_multipart(e: MultipartError) -> AppError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => AppError::new(ErrorCode::UnsupportedMediaType)
            .with_detail("send multipart/form-data with one part named `file`"),
        other => AppError::new(ErrorCode::BadRequest).with_detail(format!("multipart: {other}")),
    }
}

/// Reads the `file` part (at most `limit` bytes) and its file name; other parts are refused.
async fn read_file(mut parts: Multipart, limit: usize) -> AppResult<(Vec<u8>, Option<String>)> {
    let mut found = None;
    while let Some(mut part) = parts.try_next().await.map_err(bad_multipart)? {
        if part.name() != Some("file") || found.is_some() {
            return Err(AppError::new(ErrorCode::BadRequest)
                .with_detail("one part, named `file`, is expected"));
        }
        let name = part
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = part.try_next().await.map_err(bad_multipart)? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        found = Some((bytes, name));
    }
    found
        .filter(|(b, _)| !b.is_empty())
        .ok_or_else(|| AppError::field("file", FieldCode::Required, "a photo is required"))
}

/// Add a photo to a visit you may edit. Whatever the phone sends is re-encoded as JPEG: turned
/// upright by its EXIF orientation, at most 1600 px, with no EXIF left (no GPS position, no
/// camera details); a 320 px thumbnail is kept beside it. At most 20 photos a visit.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "A retried upload (the offline queue's) adds the photo once")),
    responses(
        (status = 201, description = "Added", body = Attachment, headers(("Location" = String))),
        (status = 403, description = "Role may not edit visits", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The visit is cancelled or has 20 photos (`conflict`), archived (`archived`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No photo, or not a JPEG, PNG or WebP image that decodes (`validation_failed` on `file`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/visits/{id}/photos")]
pub async fn add_visit_photo(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    parts: Multipart,
) -> AppResult<HttpResponse> {
    let (bytes, name) = read_file(parts, state.settings.storage.max_upload_bytes).await?;
    let a = service::add_visit_photo(
        &state.db,
        &state.storage,
        &state.images,
        &user.0,
        *id,
        bytes,
        name,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, a.content_url.clone()))
        .json(a))
}

/// A visit's photos, oldest first.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The photos", body = Vec<Attachment>))
)]
#[get("/visits/{id}/photos")]
pub async fn list_visit_photos(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list_for_visit(&state.read, &user.0, *id).await?))
}

/// The file of an attachment whose record you may read (`size=thumb`: a photo's preview). Sent
/// with your token; the browser keeps it privately and asks again each time (`If-None-Match`
/// answers 304 while you may still read it).
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), params(("id" = Uuid, Path), ContentQuery),
    responses(
        (status = 200, description = "The file", content_type = "image/jpeg", body = Vec<u8>),
        (status = 304, description = "Unchanged since the ETag you sent"),
    )
)]
#[get("/attachments/{id}/content")]
pub async fn attachment_content(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<ContentQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let size = q.size.unwrap_or(ContentSize::Full);
    let content = service::content(&state.read, &user.0, *id, size).await?;
    // An attachment's bytes never change, so its id and size are its entity tag.
    let etag = format!(
        "\"{}-{}\"",
        id,
        match size {
            ContentSize::Full => "full",
            ContentSize::Thumb => "thumb",
        }
    );
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    // Private (never a shared cache) and revalidated on every use: a browser holding the photo
    // shows it only after the server said the caller may still read it.
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::ETAG, etag));
    if matches {
        return Ok(res.finish());
    }
    let bytes = content.bytes(&state.storage).await?;
    Ok(res
        .insert_header((header::CONTENT_TYPE, content.content_type))
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(bytes))
}

/// Remove an attachment of a record you may edit (its entry stays in the record's history).
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Role may not edit the record", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/attachments/{id}")]
pub async fn remove_attachment(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    service::remove(&state.db, &state.storage, &user.0, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
