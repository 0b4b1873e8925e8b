use actix_multipart::{Multipart, MultipartError};
use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use futures_util::TryStreamExt;
use kaidan_shared::attachment::{
    download_name, Attachment, AttachmentKind, ContentQuery, ContentSize,
};
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
        .service(add_contract_document)
        .service(list_contract_documents)
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

/// A contract document upload: one part named `file`.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// A PDF (kept as sent), or a scanned page as a JPEG, PNG or WebP image (kept like a photo);
    /// recognised by content, at most `storage.max_upload_bytes` (10 MiB by default).
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
async fn read_file(
    mut parts: Multipart,
    limit: usize,
    what: &'static str,
) -> AppResult<(Vec<u8>, Option<String>)> {
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
        .ok_or_else(|| AppError::field("file", FieldCode::Required, &format!("{what} is required")))
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
    let (bytes, name) =
        read_file(parts, state.settings.storage.max_upload_bytes, "a photo").await?;
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

/// Add a document to a contract you may change: a PDF, kept byte for byte, or a scanned page
/// as an image (turned upright, EXIF removed, with a preview). Documents are added in any status
/// but terminated, so the signed copy can follow the approval; at most 30 a contract.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "A retried upload adds the document once")),
    responses(
        (status = 201, description = "Added", body = Attachment, headers(("Location" = String))),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contract in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The contract was terminated (`invalid_state`) or has 30 documents (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No file, or not a whole PDF nor a JPEG, PNG or WebP image (`validation_failed` on `file`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/documents")]
pub async fn add_contract_document(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    parts: Multipart,
) -> AppResult<HttpResponse> {
    let (bytes, name) =
        read_file(parts, state.settings.storage.max_upload_bytes, "a document").await?;
    let a = service::add_contract_document(
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

/// A contract's documents, oldest first.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The documents", body = Vec<Attachment>),
        (status = 404, description = "No such contract in your scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contracts/{id}/documents")]
pub async fn list_contract_documents(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list_for_contract(&state.read, &user.0, *id).await?))
}

/// The file of an attachment whose record you may read (`size=thumb`: a photo's preview). Sent
/// with your token; the browser keeps it privately and asks again each time (`If-None-Match`
/// answers 304 while you may still read it). Photos are shown inline; documents (PDF) come as
/// a download under the name they were uploaded with.
#[utoipa::path(
    tag = "attachments", security(("bearer" = [])), params(("id" = Uuid, Path), ContentQuery),
    responses(
        (status = 200, description = "The file", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "application/pdf"),
        )),
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
        .insert_header((header::CONTENT_TYPE, content.content_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, disposition(&content)))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(bytes))
}

/// Remove an attachment of a record you may edit (its entry stays in the record's history). A
/// contract's documents go freely while it is a draft; after it went to approval only those
/// added since the approval may go.
#[utoipa::path(
    tag = "attachments", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Role may not edit the record", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A contract document the approvers saw (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
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

/// Photos inline; documents as a download named as uploaded but with the extension of what they
/// are (`download_name`), in RFC 6266 form: an ASCII fallback and the UTF-8 name percent-encoded,
/// so `合同扫描件.pdf` survives and no quote or line end can break the header.
fn disposition(content: &service::Content) -> String {
    if content.kind == AttachmentKind::Photo {
        return "inline".into();
    }
    let name = download_name(content.original_name.as_deref(), content.kind);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}
