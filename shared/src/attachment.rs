//! Attachments: files kept for a record (a visit's photos; contracts' documents next). Who may
//! see or change one is decided by its record; the bytes are read through the API with the
//! caller's token, never from a public URL.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most photos one visit keeps.
pub const MAX_PHOTOS_PER_VISIT: usize = 20;

/// What an attachment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// A photo, re-encoded as JPEG (turned upright; no EXIF, no GPS), with a thumbnail.
    Photo,
}

impl AttachmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Photo => "photo",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: Uuid,
    /// The record type it belongs to (`visit`).
    pub resource: String,
    pub record_id: Uuid,
    pub kind: AttachmentKind,
    /// What `content_url` answers (`image/jpeg` for photos).
    pub content_type: String,
    pub size_bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The name the uploader's device gave it.
    pub original_name: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// `GET` with your token: the file.
    pub content_url: String,
    /// `GET` with your token: a small preview (photos).
    pub thumb_url: Option<String>,
}

/// `GET /api/v1/attachments/{id}/content`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ContentQuery {
    /// `thumb` for the preview of a photo.
    pub size: Option<ContentSize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContentSize {
    Full,
    Thumb,
}
