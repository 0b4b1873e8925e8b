//! The Ed25519 token-signing key: loaded from config or a file, or generated on first start and
//! kept, so a restart does not sign everyone out.

use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{DecodingKey, EncodingKey};
use kaidan_shared::auth::Jwk;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::config::AuthSettings;

pub struct Keys {
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// Key id: the first 16 hex digits of SHA-256 of the public key.
    pub kid: String,
    pub jwk: Jwk,
    /// A secret derived from the signing key for keyed hashes of request bodies (the idempotency
    /// store keeps an HMAC of each request, and bodies may hold passwords: a plain hash of a
    /// predictable body would let whoever reads the database test guesses without argon2). Every
    /// instance derives the same one from the shared key.
    pub request_mac_key: [u8; 32],
    /// Access tokens this key verified, by their text (`tokens::verify_access`).
    pub verified: crate::auth::tokens::Verified,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the signing key file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the signing key {origin} is not an Ed25519 PKCS#8 PEM private key")]
    Invalid { origin: String },
    #[error("cannot create the signing key file {path}: {reason}")]
    Create { path: String, reason: String },
    #[error(
        "the signing key file {path} can be read by other users of this machine; anyone who \
         reads it can sign in as anybody. Run `chmod 600 {path}` (and check who read it)"
    )]
    Exposed { path: String },
}

impl Keys {
    /// Uses `signing_key_pem` when set, else the key file, creating it (mode 0600) when missing.
    pub fn load_or_create(settings: &AuthSettings) -> Result<Keys, KeyError> {
        if let Some(pem) = &settings.signing_key_pem {
            return Keys::from_pem(pem.expose_secret(), "given in auth.signing_key_pem");
        }
        let path = &settings.signing_key_file;
        if path.exists() {
            if crate::fs_private::exposed(path).unwrap_or(false) {
                return Err(KeyError::Exposed {
                    path: path.display().to_string(),
                });
            }
            let pem = std::fs::read_to_string(path).map_err(|e| KeyError::Unreadable {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            return Keys::from_pem(&pem, &format!("in {}", path.display()));
        }
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| KeyError::Invalid {
                origin: "generated".into(),
            })?;
        write_private(path, pem.as_bytes()).map_err(|e| KeyError::Create {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        tracing::info!(path = %path.display(), "generated a new token-signing key");
        Keys::from_signing_key(&key)
    }

    pub fn from_pem(pem: &str, origin: &str) -> Result<Keys, KeyError> {
        let key = SigningKey::from_pkcs8_pem(pem).map_err(|_| KeyError::Invalid {
            origin: origin.into(),
        })?;
        Keys::from_signing_key(&key)
    }

    fn from_signing_key(key: &SigningKey) -> Result<Keys, KeyError> {
        let der = key.to_pkcs8_der().map_err(|_| KeyError::Invalid {
            origin: "in memory".into(),
        })?;
        let public = key.verifying_key().to_bytes();
        let x = URL_SAFE_NO_PAD.encode(public);
        let digest = Sha256::digest(public);
        let kid: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let mut mac = Sha256::new();
        mac.update(b"kaidan request mac v1\n");
        mac.update(der.as_bytes());
        let request_mac_key: [u8; 32] = mac.finalize().into();
        Ok(Keys {
            verified: Default::default(),
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_der(&public),
            jwk: Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x,
                kid: kid.clone(),
                alg: "EdDSA".into(),
                use_: "sig".into(),
            },
            kid,
            request_mac_key,
        })
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            crate::fs_private::create_dir(dir)?;
        }
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn a_generated_key_is_kept_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("kaidan-key-{}", uuid::Uuid::now_v7()));
        let mut s = Settings::default().auth;
        s.signing_key_file = dir.join("key.pem");
        let a = Keys::load_or_create(&s).unwrap();
        let b = Keys::load_or_create(&s).unwrap();
        assert_eq!(a.kid, b.kid);
        assert_eq!(a.jwk.x, b.jwk.x);
        std::fs::remove_dir_all(dir).ok();
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("kaidan-key-{}", uuid::Uuid::now_v7()));
        let mut s = Settings::default().auth;
        s.signing_key_file = dir.join("key.pem");
        Keys::load_or_create(&s).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&s.signing_key_file), 0o600);
        assert_eq!(mode(&dir), 0o700, "a created key folder is private");
        std::fs::set_permissions(&s.signing_key_file, std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let err = Keys::load_or_create(&s).err().unwrap();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_garbage_key_file_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("kaidan-key-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = Settings::default().auth;
        s.signing_key_file = dir.join("key.pem");
        std::fs::write(&s.signing_key_file, "not a key").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&s.signing_key_file, std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
        let err = Keys::load_or_create(&s).err().unwrap();
        assert!(err.to_string().contains("not an Ed25519"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}
