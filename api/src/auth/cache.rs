//! A moment's memory of who a session is, so an authenticated request does not read the user and
//! session rows again when the same session called a moment ago (the benchmark's get-one spent a
//! fifth of its time there; docs/benchmarks.md).
//!
//! Correctness rests on two rules:
//! - **Explicit invalidation.** Every change that can end a session or move a user — logout,
//!   refresh-token reuse, password change or reset, deactivation, a role or team change, a team
//!   moving region — calls [`forget_all`] *after its transaction commits*, so the next request on
//!   this instance reads the new state. (Forgetting before the commit would let a request in
//!   between re-remember the old state.)
//! - **A short life.** An entry lives `auth.session_cache_ms` (default 2 s; 0 turns the cache
//!   off). With several instances, a change made on one reaches the others' caches within that
//!   time: a deactivated user's token can still be answered by another instance for at most two
//!   seconds. A deployment that needs it at once sets the setting to 0, or — once Redis is
//!   configured (issue 14) — fans `forget_all` out over its pub/sub.
//!
//! The generation counter makes `forget_all` O(1): entries remember the generation they were
//! filled in, and an older generation is a miss.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kaidan_shared::Role;
use uuid::Uuid;

/// What authentication needs of a user row whose session was alive when read.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub username: String,
    pub role: Role,
    pub grants: Vec<kaidan_shared::policy::Grant>,
    pub team_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub active: bool,
    pub tokens_valid_after: Option<DateTime<Utc>>,
    /// For an API client's service user: what its client row says now.
    pub client: Option<ClientGate>,
}

/// What authentication needs of an API client's row: whether it may still call, from where,
/// and which secrets' tokens still count.
#[derive(Debug, Clone)]
pub struct ClientGate {
    pub disabled: bool,
    pub scopes: Vec<kaidan_shared::api_client::ApiScope>,
    pub allowed_ips: Vec<ipnet::IpNet>,
    pub secret_version: i64,
    pub previous_valid_until: Option<DateTime<Utc>>,
    /// Its own requests a minute, if set.
    pub rate_per_minute: Option<i64>,
}

impl ClientGate {
    /// Whether a token issued under secret rotation `sv` still counts at `now`.
    pub fn accepts_secret(&self, sv: i64, now: DateTime<Utc>) -> bool {
        sv == self.secret_version
            || (sv == self.secret_version - 1 && self.previous_valid_until.is_some_and(|t| now < t))
    }

    /// Whether `ip` may call (no list: anywhere; a list: inside one of its networks).
    pub fn allows_address(&self, ip: Option<std::net::IpAddr>) -> bool {
        self.allowed_ips.is_empty()
            || ip.is_some_and(|ip| {
                let ip = match ip {
                    std::net::IpAddr::V6(v6) => {
                        v6.to_ipv4_mapped().map(std::net::IpAddr::V4).unwrap_or(ip)
                    }
                    v4 => v4,
                };
                self.allowed_ips.iter().any(|n| n.contains(&ip))
            })
    }
}

struct Entry {
    user: SessionUser,
    at: Instant,
    generation: u64,
}

/// Entries beyond this many are dropped wholesale (a burst of distinct sessions cannot grow the
/// map without bound; the next requests simply read the database).
const MAX_ENTRIES: usize = 50_000;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static ENTRIES: LazyLock<Mutex<HashMap<(Uuid, Uuid), Entry>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The remembered user of session `sid`, if remembered less than `ttl` ago and since the last
/// [`forget_all`]. An API client's token has no session: `sid` is then the client's id.
pub fn get(user_id: Uuid, sid: Uuid, ttl: Duration) -> Option<SessionUser> {
    if ttl.is_zero() {
        return None;
    }
    let generation = GENERATION.load(Ordering::Acquire);
    let map = ENTRIES.lock().unwrap_or_else(|p| p.into_inner());
    map.get(&(user_id, sid))
        .filter(|e| e.generation == generation && e.at.elapsed() < ttl)
        .map(|e| e.user.clone())
}

/// Remembers what was read for session `sid`. `generation` is [`generation`] as it was *before*
/// the read, so a change committed during the read leaves an entry that is already stale.
pub fn put(user_id: Uuid, sid: Uuid, user: SessionUser, generation: u64, ttl: Duration) {
    if ttl.is_zero() {
        return;
    }
    let mut map = ENTRIES.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(
        (user_id, sid),
        Entry {
            user,
            at: Instant::now(),
            generation,
        },
    );
}

/// The current generation; read it before reading the database for [`put`].
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Forgets every remembered session. Call after committing any change to users, sessions or the
/// teams users belong to.
pub fn forget_all() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generation is global: tests that bump it must not run beside tests that read it.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn user() -> SessionUser {
        SessionUser {
            username: "rep".into(),
            role: Role::SalesRep,
            grants: Vec::new(),
            team_id: None,
            region_id: None,
            active: true,
            tokens_valid_after: None,
            client: None,
        }
    }

    #[test]
    fn remembers_until_forgotten_or_expired() {
        let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let (u, s) = (Uuid::now_v7(), Uuid::now_v7());
        let ttl = Duration::from_secs(60);
        put(u, s, user(), generation(), ttl);
        assert!(get(u, s, ttl).is_some());
        assert!(get(u, Uuid::now_v7(), ttl).is_none());
        assert!(get(u, s, Duration::ZERO).is_none());
        forget_all();
        assert!(get(u, s, ttl).is_none());
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_remembered() {
        let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let (u, s) = (Uuid::now_v7(), Uuid::now_v7());
        let ttl = Duration::from_secs(60);
        let before = generation();
        forget_all(); // a change committed while the database was being read
        put(u, s, user(), before, ttl);
        assert!(get(u, s, ttl).is_none());
    }
}
