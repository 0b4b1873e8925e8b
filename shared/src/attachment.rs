//! Attachments: files kept for a record (a visit's photos, a contract's documents). Who may
//! see or change one is decided by its record; the bytes are read through the API with the
//! caller's token, never from a public URL.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most photos one visit keeps.
pub const MAX_PHOTOS_PER_VISIT: usize = 20;

/// The most documents one contract keeps (scans, the signed copy, annexes).
pub const MAX_DOCUMENTS_PER_CONTRACT: usize = 30;

/// What a document upload's bytes are, recognised by content (never by the name or the type the
/// client claims): a PDF that is whole (`%PDF-` … `%%EOF`), or a JPEG, PNG or WebP image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Pdf,
    Image,
}

/// Recognises a document upload; `None` for anything else, a truncated PDF included.
pub fn sniff_document(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.starts_with(b"%PDF-") {
        // The trailer's `%%EOF` sits in the last few bytes (after an optional line end); an
        // upload cut short has none.
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        return tail
            .windows(5)
            .any(|w| w == b"%%EOF")
            .then_some(Sniffed::Pdf);
    }
    let image = bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || (bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP");
    image.then_some(Sniffed::Image)
}

/// Whether a contract's document may still be removed: freely while the contract is a draft;
/// once it went to approval what the approvers saw stays, and only what was added after the
/// approval in force (the signed copy, say) may go, until the contract closes.
pub fn contract_document_removable(
    status: crate::contract::ContractStatus,
    approved_at: Option<DateTime<Utc>>,
    added_at: DateTime<Utc>,
) -> bool {
    use crate::contract::ContractStatus::*;
    match status {
        Draft => true,
        Approved | Signed => approved_at.is_some_and(|at| added_at > at),
        PendingApproval | Completed | Terminated => false,
    }
}

/// The name a file is saved under when downloaded: the uploader's name without its extension,
/// then the extension of what the file is (`.pdf`, `.jpg`). The name is the uploader's to
/// choose; the extension is not, so a PDF whose name says `.html` is never saved as a page.
pub fn download_name(original: Option<&str>, kind: AttachmentKind) -> String {
    let ext = match kind {
        AttachmentKind::Document => "pdf",
        AttachmentKind::Photo => "jpg",
    };
    let name = original.unwrap_or_default().trim();
    let stem = match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        Some(_) => "",
        None => name,
    };
    let stem: String = stem
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() {
        match kind {
            AttachmentKind::Document => "document",
            AttachmentKind::Photo => "photo",
        }
    } else {
        stem
    };
    format!("{stem}.{ext}")
}

/// What an attachment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// A photo, re-encoded as JPEG (turned upright; no EXIF, no GPS), with a thumbnail. A
    /// contract's scanned page sent as an image is kept the same way.
    Photo,
    /// A PDF, kept byte for byte (served as a download).
    Document,
}

impl AttachmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Photo => "photo",
            AttachmentKind::Document => "document",
        }
    }

    pub fn parse(s: &str) -> AttachmentKind {
        if s == "document" {
            AttachmentKind::Document
        } else {
            AttachmentKind::Photo
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: Uuid,
    /// The record type it belongs to (`visit`, `contract`).
    pub resource: String,
    pub record_id: Uuid,
    pub kind: AttachmentKind,
    /// What `content_url` answers (`image/jpeg` for photos, `application/pdf`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_keeps_its_name_but_not_its_claimed_extension() {
        use AttachmentKind::*;
        assert_eq!(
            download_name(Some("盖章合同.pdf"), Document),
            "盖章合同.pdf"
        );
        assert_eq!(download_name(Some("报价.html"), Document), "报价.pdf");
        assert_eq!(download_name(Some("a.tar.exe"), Document), "a.tar.pdf");
        assert_eq!(download_name(Some("扫描件"), Photo), "扫描件.jpg");
        assert_eq!(download_name(Some("../x/y.svg"), Photo), "..xy.jpg");
        assert_eq!(download_name(Some(".bashrc"), Document), "document.pdf");
        assert_eq!(download_name(None, Document), "document.pdf");
        assert_eq!(download_name(Some("  "), Photo), "photo.jpg");
    }

    #[test]
    fn documents_are_recognised_by_content() {
        assert_eq!(
            sniff_document(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"),
            Some(Sniffed::Pdf)
        );
        // Cut short: no trailer.
        assert_eq!(sniff_document(b"%PDF-1.7\n1 0 obj\n<<"), None);
        assert_eq!(
            sniff_document(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Some(Sniffed::Image)
        );
        assert_eq!(
            sniff_document(b"\x89PNG\r\n\x1a\n\0\0"),
            Some(Sniffed::Image)
        );
        assert_eq!(
            sniff_document(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(Sniffed::Image)
        );
        // A page that calls itself a PDF, an executable, nothing.
        assert_eq!(sniff_document(b"<html>%PDF-1.7 %%EOF"), None);
        assert_eq!(sniff_document(b"MZ\x90\0"), None);
        assert_eq!(sniff_document(b""), None);
    }
}
