//! Passwords: argon2id with OWASP parameters, hashed off the async runtime; length rules and a
//! common-password list (NIST 800-63B: no composition rules).

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use kaidan_shared::FieldCode;
use kaidan_shared::{ErrorCode, FieldError};

use crate::config::AuthSettings;
use crate::error::AppError;

const COMMON: &str = include_str!("common_passwords.txt");

fn common_passwords() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    })
}

/// Refuses passwords that are too short, too long, common, or the username itself.
pub fn check_strength(password: &str, username: &str, field: &str) -> Result<(), AppError> {
    let mut problems = Vec::new();
    if let Some(mut e) = kaidan_shared::validate::password_length_error(password) {
        e.field = field.into();
        problems.push(e);
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(&lower) {
        problems.push(FieldError::new(
            field,
            FieldCode::TooCommon,
            "this password is too common",
        ));
    } else if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        problems.push(FieldError::new(
            field,
            FieldCode::ContainsUsername,
            "the password must not contain the username",
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let mut e = AppError::new(ErrorCode::WeakPassword);
        e.errors = problems;
        Err(e)
    }
}

/// Whether `password` is the demo password published in the README (the server warns while an
/// active account still uses it).
pub fn is_demo_password(password: &str) -> bool {
    password == crate::seed::DEMO_PASSWORD
}

type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords on a few dedicated threads, one per core.
///
/// Why not tokio's blocking pool: each argon2id call allocates its whole memory cost (19 MiB by
/// default), and a sign-in storm spread over hundreds of blocking threads left glibc holding a
/// heap arena of that size per thread — close to 1 GB of RSS in the load benchmark. A fixed
/// pool bounds both the memory (threads × memory cost) and the CPU that sign-ins can take from
/// everything else; waiting sign-ins queue instead.
#[derive(Clone)]
pub struct PasswordHasher {
    argon: Arc<Argon2<'static>>,
    /// A hash of a random password, verified against when the user does not exist so that an
    /// unknown username takes as long as a wrong password.
    dummy: Arc<String>,
    jobs: std::sync::mpsc::Sender<Job>,
}

impl PasswordHasher {
    pub fn new(s: &AuthSettings) -> anyhow::Result<PasswordHasher> {
        let params = Params::new(
            s.argon2_memory_kib,
            s.argon2_iterations,
            s.argon2_lanes,
            None,
        )
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let dummy = argon
            .hash_password(uuid::Uuid::new_v4().to_string().as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
            .to_string();
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    // The lock is held only to take the next job; the pool ends with the sender.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })?;
        }
        Ok(PasswordHasher {
            argon: Arc::new(argon),
            dummy: Arc::new(dummy),
            jobs,
        })
    }

    /// Runs `work` on the hashing threads and waits for its answer.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(work());
            }))
            .map_err(|_| {
                AppError::internal(anyhow::anyhow!("the password hashing pool stopped"))
            })?;
        rx.await
            .map_err(|_| AppError::internal(anyhow::anyhow!("a password hashing job failed")))
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let argon = self.argon.clone();
        self.run(move || {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            argon
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AppError::internal(anyhow::anyhow!("argon2: {e}")))
        })
        .await?
    }

    /// Verifies `password` against `hash`, or against the dummy hash when `hash` is `None`
    /// (and then always answers false).
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, AppError> {
        let argon = self.argon.clone();
        // A stored value that is not a hash (an API client's service user has none) takes the
        // same argon2 work as a wrong password, so timing tells nothing about the account.
        let hash = hash.filter(|h| PasswordHash::new(h).is_ok());
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy.as_ref().clone());
        let ok = self
            .run(move || {
                PasswordHash::new(&hash)
                    .map(|parsed| argon.verify_password(password.as_bytes(), &parsed).is_ok())
                    .unwrap_or(false)
            })
            .await?;
        Ok(ok && real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_short_passwords_are_refused() {
        let e = check_strength("password123", "rep", "password").unwrap_err();
        assert_eq!(e.code, ErrorCode::WeakPassword);
        assert_eq!(e.errors[0].code, FieldCode::TooCommon);
        assert_eq!(
            check_strength("Woaini1314", "rep", "password")
                .unwrap_err()
                .errors[0]
                .code,
            FieldCode::TooCommon
        );
        assert_eq!(
            check_strength("short", "rep", "password")
                .unwrap_err()
                .errors[0]
                .code,
            FieldCode::TooShort
        );
        assert_eq!(
            check_strength("rep_east1-secret", "rep_east1", "password")
                .unwrap_err()
                .errors[0]
                .code,
            FieldCode::ContainsUsername
        );
        assert!(check_strength("海边的卡夫卡2026", "rep", "password").is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_never_match() {
        let mut s = crate::config::Settings::default().auth;
        s.argon2_memory_kib = 64;
        s.argon2_iterations = 1;
        let h = PasswordHasher::new(&s).unwrap();
        let hash = h.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(h
            .verify("correct horse".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!h.verify("wrong horse".into(), Some(hash)).await.unwrap());
        assert!(!h.verify("anything".into(), None).await.unwrap());
    }
}
