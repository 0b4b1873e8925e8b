//! Sign-in throttling, after OWASP's authentication and credential-stuffing guidance:
//!
//! - hard limits per (account, client address) and per client address: a password check is
//!   reserved (`counters::take`) *before* argon2 runs, so at most the configured number of guesses
//!   per window reach the check however many arrive at once; past them, 429 with `Retry-After`;
//! - across addresses an account is never locked (anyone could lock the admin out with five wrong
//!   passwords): failures from everywhere only space its checks out — one check per delay,
//!   doubling from 250 ms, for all unknown addresses together (429 with `Retry-After` meanwhile),
//!   so a botnet gains nothing from parallel guesses; the owner's own addresses (a sign-in from
//!   there in the last 30 days) are not held up, and anyone else waits seconds, not a lockout;
//! - IPv6 addresses count by their /64;
//! - a success clears the account's counters and gives the address its unit back;
//! - a lock (the last allowed guess from an address failed) is audited once, and admins see and
//!   clear an account's locks (`users::sign_in_locks`).
//!
//! Counters live in the database, so every instance behind a load balancer sees the same numbers.

use std::net::IpAddr;
use std::time::Duration as StdDuration;

use ipnet::Ipv6Net;

use kaidan_shared::audit::AuditAction;
use kaidan_shared::user::{SignInLock, SignInLocks};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::auth::Actor;
use crate::config::AuthSettings;
use crate::entities::{session, user};
use crate::error::{AppError, AppResult};
use crate::services::counters::{self, Key, Taken};
use crate::services::{audit, begin_write, now};

const PER_ACCOUNT_AND_IP: &str = "signin_acct_ip";
const PER_IP: &str = "signin_ip";
const ACCOUNT_FAILURES: &str = "signin_acct";
/// The first step of the account-wide slow-down.
const SLOWDOWN_BASE_MS: u64 = 250;
/// An address the account signed in from within this many days is the owner's.
const KNOWN_ADDRESS_DAYS: i64 = 30;

/// A password check that was allowed to happen; report its outcome with `finish`.
pub struct Reserved {
    username: String,
    ip: String,
    by_account_ip: Key,
    by_ip: Key,
}

fn too_many(retry_after_secs: u64) -> AppError {
    AppError::too_many(retry_after_secs)
        .with_detail("too many sign-in attempts; wait before trying again")
}

/// The delay before the next check of an account with `failures` recent failures.
pub fn slowdown(s: &AuthSettings, failures: i64) -> StdDuration {
    let over = failures.max(0) as u64;
    if over < s.slowdown_after_failures {
        return StdDuration::ZERO;
    }
    let steps = (over - s.slowdown_after_failures).min(20) as u32;
    StdDuration::from_millis(
        SLOWDOWN_BASE_MS
            .saturating_mul(1u64 << steps)
            .min(s.max_slowdown_ms),
    )
}

/// The address as throttling counts it: IPv4 as is, IPv6 by its /64 (one subscriber gets a
/// whole /64 and could otherwise rotate through it for fresh allowances).
pub fn address_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let net = Ipv6Net::new(v6, 64)
                .map(|n| n.trunc())
                .map(|n| n.to_string());
            net.unwrap_or_else(|_| ip.to_owned())
        }
        Ok(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_else(|| ip.to_owned()),
        _ => ip.to_owned(),
    }
}

/// Whether `username` signed in from `ip` within the last 30 days: the owner's own address, which
/// the account-wide slow-down does not hold up (OWASP's "known device", by address).
async fn known_address(db: &DatabaseConnection, username: &str, ip: &str) -> AppResult<bool> {
    if kaidan_shared::validate::has_nul(username) || ip.is_empty() {
        return Ok(false);
    }
    let Some(u) = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(u.id))
        .filter(session::Column::Ip.eq(ip))
        .filter(session::Column::CreatedAt.gt(now() - chrono::Duration::days(KNOWN_ADDRESS_DAYS)))
        .one(db)
        .await?
        .is_some())
}

/// Reserves one password check for `username` from `ip`, or answers 429: past the per-address
/// limits, or — when the account has failed often from anywhere — until its next check is due
/// (one check per delay across all unknown addresses, however many arrive at once).
pub async fn reserve(
    db: &DatabaseConnection,
    s: &AuthSettings,
    username: &str,
    ip: &str,
) -> AppResult<Reserved> {
    reserve_with(db, s, username, ip, true).await
}

/// [`reserve`] for an API client's secret: the per-address limits only. The account-wide
/// slow-down protects guessable passwords; a client's 256-bit secret needs none, and anyone who
/// knows a `client_id` could otherwise hold the real client's token requests up.
pub async fn reserve_for_client(
    db: &DatabaseConnection,
    s: &AuthSettings,
    client: &str,
    ip: &str,
) -> AppResult<Reserved> {
    reserve_with(db, s, client, ip, false).await
}

async fn reserve_with(
    db: &DatabaseConnection,
    s: &AuthSettings,
    username: &str,
    ip: &str,
    slow_account: bool,
) -> AppResult<Reserved> {
    let window = s.failure_window_secs;
    let addr = address_key(ip);
    let by_ip = Key::new(PER_IP, "", &addr);
    if let Taken::Full { retry_after_secs } =
        counters::take(db, &by_ip, s.max_failures_per_ip as i64, window).await?
    {
        return Err(too_many(retry_after_secs));
    }
    let by_account_ip = Key::new(PER_ACCOUNT_AND_IP, username, &addr);
    if let Taken::Full { retry_after_secs } = counters::take(
        db,
        &by_account_ip,
        s.max_failures_per_account as i64,
        window,
    )
    .await?
    {
        // A refused attempt costs the address nothing more: the account lock already answers it.
        counters::give_back(db, &by_ip).await?;
        return Err(too_many(retry_after_secs));
    }
    let account = Key::new(ACCOUNT_FAILURES, username, "");
    let failures = counters::current(db, &account, window).await?;
    let delay = if slow_account {
        slowdown(s, failures)
    } else {
        StdDuration::ZERO
    };
    if !delay.is_zero() && !known_address(db, username, ip).await? {
        if let Err(wait) = counters::claim_slot(db, &account, delay).await? {
            counters::give_back(db, &by_account_ip).await?;
            counters::give_back(db, &by_ip).await?;
            return Err(too_many(wait.as_secs().max(1)));
        }
    }
    Ok(Reserved {
        username: username.to_owned(),
        ip: ip.to_owned(),
        by_account_ip,
        by_ip,
    })
}

/// Records the outcome of a reserved check. A success clears the account's counters; a failure
/// counts towards the account-wide slow-down, and the failure that used up the address's last
/// guess is audited as a lock on the account (when it exists).
pub async fn finish(
    db: &DatabaseConnection,
    s: &AuthSettings,
    r: Reserved,
    succeeded: bool,
    request_id: Option<String>,
) -> AppResult<()> {
    let window = s.failure_window_secs;
    let account = Key::new(ACCOUNT_FAILURES, &r.username, "");
    if succeeded {
        counters::reset(db, &r.by_account_ip).await?;
        counters::reset(db, &account).await?;
        counters::give_back(db, &r.by_ip).await?;
        return Ok(());
    }
    counters::take(db, &account, i64::MAX, window).await?;
    let max = s.max_failures_per_account as i64;
    if counters::mark_locked(db, &r.by_account_ip, max, window).await? {
        tracing::warn!(username = %r.username, ip = %r.ip, "sign-in locked for this account and address");
        let found = if kaidan_shared::validate::has_nul(&r.username) {
            None
        } else {
            user::Entity::find()
                .filter(user::Column::Username.eq(&r.username))
                .one(db)
                .await?
        };
        if let Some(u) = found {
            let actor = Actor {
                ip: Some(r.ip.clone()),
                request_id,
                ..Actor::system()
            };
            let txn = begin_write(db).await?;
            audit::record(
                &txn,
                &actor,
                audit::Change {
                    action: AuditAction::UserSignInLocked,
                    entity: "user",
                    entity_id: u.id,
                    subject_id: u.id,
                    before: None,
                    after: Some(serde_json::json!({
                        "ip": r.ip,
                        "attempts": max,
                        "window_secs": window,
                    })),
                },
            )
            .await?;
            txn.commit().await?;
        }
    }
    Ok(())
}

/// The sign-in locks and slow-down of `username` right now.
pub async fn locks<C: ConnectionTrait>(
    db: &C,
    s: &AuthSettings,
    username: &str,
) -> AppResult<SignInLocks> {
    let window = s.failure_window_secs;
    let max = s.max_failures_per_account as i64;
    let failures = counters::current(db, &Key::new(ACCOUNT_FAILURES, username, ""), window).await?;
    let mut locked: Vec<SignInLock> =
        counters::live_for_subject(db, PER_ACCOUNT_AND_IP, username, window)
            .await?
            .into_iter()
            .filter(|r| r.count >= max)
            .map(|r| SignInLock {
                ip: r.ip,
                attempts: r.count,
                locked_until: r.window_started_at + chrono::Duration::seconds(window),
            })
            .collect();
    locked.sort_by(|a, b| a.ip.cmp(&b.ip));
    Ok(SignInLocks {
        failures_in_window: failures,
        slowdown_ms: slowdown(s, failures).as_millis() as u64,
        locked_addresses: locked,
    })
}

/// Clears every lock and the slow-down of `username`; returns how many counters went.
pub async fn clear<C: ConnectionTrait>(db: &C, username: &str) -> AppResult<u64> {
    counters::clear_subject(db, &[PER_ACCOUNT_AND_IP, ACCOUNT_FAILURES], username).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_slash_64() {
        assert_eq!(address_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("203.0.113.9"), "203.0.113.9");
        assert_eq!(address_key("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(address_key(""), "");
    }

    #[test]
    fn the_slowdown_doubles_from_the_threshold_up_to_the_cap() {
        let s = crate::config::Settings::default().auth;
        assert_eq!(slowdown(&s, 0), StdDuration::ZERO);
        assert_eq!(slowdown(&s, 4), StdDuration::ZERO);
        assert_eq!(slowdown(&s, 5), StdDuration::from_millis(250));
        assert_eq!(slowdown(&s, 6), StdDuration::from_millis(500));
        assert_eq!(slowdown(&s, 8), StdDuration::from_millis(2000));
        assert_eq!(
            slowdown(&s, 1000),
            StdDuration::from_millis(s.max_slowdown_ms)
        );
    }
}
