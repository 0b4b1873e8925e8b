//! One storage layer for every attachment: a local directory by default, S3-compatible object
//! storage (AWS, MinIO, Aliyun OSS, Tencent COS…) when configured, both through `object_store`.
//!
//! Objects are named by the server (`attachments/<uuid v7>.jpg`), never by what a client sent, so
//! no upload can reach outside its prefix. The S3 store is given its keys explicitly and never
//! looks for credentials elsewhere (instance metadata, profiles).

use std::path::PathBuf;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// Where attachments are kept and how large they may be.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// `local` (a directory) or `s3`.
    pub kind: StorageKind,
    /// The directory of the local store.
    pub dir: PathBuf,
    pub s3: S3Settings,
    /// The largest upload (a photo as the phone sends it).
    pub max_upload_bytes: usize,
    /// Images decoded and resized at once (each on a blocking thread, off the request workers);
    /// 0: half the machine's cores, at least one, so a burst of uploads leaves the other half to
    /// everyone else's requests.
    pub image_workers: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Local,
    S3,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Settings {
    pub bucket: String,
    /// The provider's endpoint (`https://oss-cn-hangzhou.aliyuncs.com`, a MinIO URL); none: AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    #[serde(skip_serializing)]
    pub secret_access_key: Option<SecretString>,
    /// Allow a plain-http endpoint (a MinIO or test server on the same host).
    pub allow_http: bool,
    /// Bucket in the host name (`bucket.endpoint`) rather than the path, as some providers need.
    pub virtual_hosted: bool,
}

impl Default for StorageSettings {
    fn default() -> Self {
        StorageSettings {
            kind: StorageKind::Local,
            dir: PathBuf::from("./data/files"),
            s3: S3Settings {
                region: "us-east-1".into(),
                ..Default::default()
            },
            max_upload_bytes: 10 * 1024 * 1024,
            image_workers: 0,
        }
    }
}

impl StorageSettings {
    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !(64 * 1024..=100 * 1024 * 1024).contains(&self.max_upload_bytes) {
            return Some((
                "storage.max_upload_bytes",
                "must be between 64 KiB and 100 MiB".into(),
            ));
        }
        if self.image_workers > 64 {
            return Some((
                "storage.image_workers",
                "must be at most 64 (0: half the cores)".into(),
            ));
        }
        if self.kind == StorageKind::S3 {
            let s = &self.s3;
            let secret = s
                .secret_access_key
                .as_ref()
                .is_some_and(|k| !k.expose_secret().is_empty());
            if s.bucket.is_empty() || s.access_key_id.is_empty() || !secret {
                return Some((
                    "storage.s3",
                    "bucket, access_key_id and secret_access_key are required".into(),
                ));
            }
        }
        None
    }
}

/// Installs the TLS and signing provider the S3 client uses (ring), once per process.
pub fn install_crypto() {
    // Another part of the process (a test harness) may have installed one first: either serves.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The attachments' store.
#[derive(Debug, Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl Storage {
    pub fn open(s: &StorageSettings) -> anyhow::Result<Storage> {
        let store: Arc<dyn ObjectStore> = match s.kind {
            StorageKind::Local => {
                std::fs::create_dir_all(&s.dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the storage directory {:?}: {e}", s.dir)
                })?;
                Arc::new(LocalFileSystem::new_with_prefix(&s.dir)?)
            }
            StorageKind::S3 => {
                install_crypto();
                let c = &s.s3;
                let mut b = AmazonS3Builder::new()
                    .with_bucket_name(&c.bucket)
                    .with_region(&c.region)
                    .with_access_key_id(&c.access_key_id)
                    .with_secret_access_key(
                        c.secret_access_key
                            .as_ref()
                            .map(|k| k.expose_secret().to_owned())
                            .unwrap_or_default(),
                    )
                    .with_allow_http(c.allow_http)
                    .with_virtual_hosted_style_request(c.virtual_hosted);
                if let Some(e) = &c.endpoint {
                    b = b.with_endpoint(e);
                }
                Arc::new(b.build()?)
            }
        };
        Ok(Storage { store })
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> AppResult<()> {
        self.store
            .put(&ObjectPath::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("storing {key}: {e}")))?;
        Ok(())
    }

    /// The object's bytes; `None` when it is gone.
    pub async fn get(&self, key: &str) -> AppResult<Option<actix_web::web::Bytes>> {
        match self.store.get(&ObjectPath::from(key)).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(|e| {
                AppError::internal(anyhow::anyhow!("reading {key}: {e}"))
            })?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(AppError::internal(anyhow::anyhow!("reading {key}: {e}"))),
        }
    }

    /// Removes an object; one already gone is fine.
    pub async fn delete(&self, key: &str) -> AppResult<()> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(AppError::internal(anyhow::anyhow!("removing {key}: {e}"))),
        }
    }
}
