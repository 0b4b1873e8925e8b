//! Calls from the server to addresses its users typed in (webhook targets; later chat robots).
//!
//! Such an address is an attacker's way into the network behind the server (SSRF): a target of
//! `http://169.254.169.254/` reads a cloud's instance credentials, a name that resolves to
//! `127.0.0.1` reaches the server's own admin ports. So, unless a target is allowed private
//! addresses explicitly (an on-premise ERP, set by an admin):
//!
//! - a literal address in the URL is checked before anything is sent;
//! - a name is resolved by [`CheckedResolver`], which refuses the whole name when *any* of its
//!   addresses is not public, and hands the connection exactly the addresses it checked (there
//!   is no second lookup a rebinding DNS server could answer differently);
//! - redirects are not followed (a 3xx is a failed delivery), so no answer can point the
//!   server somewhere else;
//! - connecting and the whole exchange have tight timeouts, and at most `max_response_bytes`
//!   of an answer is read.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use object_store_reqwest as reqwest;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboundSettings {
    /// How long connecting (TCP and TLS) may take.
    pub connect_timeout_ms: u64,
    /// How long one whole call may take, the answer included.
    pub timeout_ms: u64,
    /// How much of an answer is read (the rest is dropped).
    pub max_response_bytes: usize,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        OutboundSettings {
            connect_timeout_ms: 5_000,
            timeout_ms: 15_000,
            max_response_bytes: 64 * 1024,
        }
    }
}

/// Why `ip` is not a public address, or `None` when it is.
pub fn not_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_problem(v4),
        IpAddr::V6(v6) => v6_problem(v6),
    }
}

fn v4_problem(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        // 169.254.0.0/16, the cloud metadata services among them.
        Some("a link-local address")
    } else if ip.is_unspecified() || o[0] == 0 {
        Some("an unspecified address")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("a carrier-grade NAT address")
    } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
        Some("a multicast or reserved address")
    } else if o[0] == 198 && (o[1] & 0xfe) == 18 {
        Some("a benchmarking address")
    } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        Some("an IETF protocol address")
    } else if (o[0] == 192 && o[1] == 0 && o[2] == 2)
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)
        || (o[0] == 203 && o[1] == 0 && o[2] == 113)
    {
        Some("a documentation address")
    } else {
        None
    }
}

fn v6_problem(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    // Addresses that carry an IPv4 address: judged by it.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_problem(v4);
    }
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        // NAT64 (64:ff9b::/96).
        return v4_problem(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 1 {
        // Local-use NAT64 (64:ff9b:1::/48): translated inside someone's network.
        return Some("a local NAT64 address");
    }
    if s[0] == 0x2001 && s[1] == 0 {
        // Teredo (2001::/32) carries an obfuscated IPv4 address: refused as a whole.
        return Some("a Teredo address");
    }
    if s[0] == 0x2002 {
        // 6to4 (2002::/16) embeds the IPv4 address after the prefix.
        return v4_problem(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if s[0..6] == [0, 0, 0, 0, 0, 0] {
        // The deprecated IPv4-compatible form (::a.b.c.d) and the rest of ::/96.
        Some("an IPv4-compatible address")
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Some("a unique-local address")
    } else if (s[0] & 0xffc0) == 0xfe80 || (s[0] & 0xffc0) == 0xfec0 {
        Some("a link-local address")
    } else if (s[0] & 0xff00) == 0xff00 {
        Some("a multicast address")
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        Some("a documentation address")
    } else {
        None
    }
}

/// Resolves a name and refuses it when any of its addresses is not public; the connection goes
/// to the addresses checked here.
struct CheckedResolver;

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no addresses").into());
            }
            if let Some((a, why)) = addrs
                .iter()
                .find_map(|a| not_public(a.ip()).map(|why| (a.ip(), why)))
            {
                return Err(Box::new(Refused(format!(
                    "{host} resolves to {a}, {why}; only an administrator's on-premise target may reach it"
                ))) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// A refusal by the address checks (as opposed to a network failure).
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// What a target answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// The start of the body (at most `max_response_bytes`).
    pub body: Vec<u8>,
    pub duration: Duration,
    /// The target's `Retry-After`, in seconds.
    pub retry_after: Option<i64>,
}

/// Why no answer came.
#[derive(Debug)]
pub struct Failure {
    /// Refused by the address checks (nothing was sent).
    pub refused: bool,
    pub message: String,
    pub duration: Duration,
}

/// The two clients: one for public targets only, one for targets an admin allowed private
/// addresses. Built once (each holds its connection pool and TLS set-up).
pub struct Outbound {
    public: reqwest::Client,
    private: reqwest::Client,
    max_response_bytes: usize,
}

impl Outbound {
    pub fn new(settings: &OutboundSettings) -> anyhow::Result<Outbound> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let build = |checked: bool| {
            let mut b = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // A proxy from the environment would connect on our behalf to whatever the
                // name resolves to there, past the checks.
                .no_proxy()
                .connect_timeout(Duration::from_millis(settings.connect_timeout_ms))
                .timeout(Duration::from_millis(settings.timeout_ms))
                .user_agent(concat!("Kaidan-Webhooks/", env!("CARGO_PKG_VERSION")));
            if checked {
                b = b.dns_resolver(Arc::new(CheckedResolver));
            }
            b.build()
        };
        Ok(Outbound {
            public: build(true)?,
            private: build(false)?,
            max_response_bytes: settings.max_response_bytes,
        })
    }

    /// POSTs `body` (JSON) to `url` with `headers`.
    pub async fn post_json(
        &self,
        url: &str,
        allow_private: bool,
        headers: &[(&str, String)],
        body: String,
    ) -> Result<Answer, Failure> {
        let started = Instant::now();
        let fail = |refused: bool, message: String| Failure {
            refused,
            message,
            duration: started.elapsed(),
        };
        let parsed =
            reqwest::Url::parse(url).map_err(|e| fail(true, format!("not a usable URL: {e}")))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(fail(true, "only http(s) targets".into()));
        }
        if !allow_private {
            // A literal address never reaches the resolver: check it here.
            // The URL parser has already normalised any IPv4 spelling (`0x7f.1`) to dotted form.
            let literal = parsed
                .host_str()
                .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
                .and_then(|h| h.parse::<IpAddr>().ok());
            if let Some((ip, why)) = literal.and_then(|ip| not_public(ip).map(|w| (ip, w))) {
                return Err(fail(
                    true,
                    format!(
                        "{ip} is {why}; only an administrator's on-premise target may reach it"
                    ),
                ));
            }
        }
        let client = if allow_private {
            &self.private
        } else {
            &self.public
        };
        let mut req = client
            .post(parsed)
            .header("content-type", "application/json")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let mut resp = req.send().await.map_err(|e| {
            let refused = chain_has_refusal(&e);
            fail(refused, describe(&e))
        })?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|s| *s >= 0);
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => {
                    let room = self.max_response_bytes.saturating_sub(body.len());
                    body.extend_from_slice(&c[..c.len().min(room)]);
                    if body.len() >= self.max_response_bytes {
                        break;
                    }
                }
                Ok(None) => break,
                // The status counts; a body cut short by the target does not undo it.
                Err(_) => break,
            }
        }
        Ok(Answer {
            status,
            body,
            duration: started.elapsed(),
            retry_after,
        })
    }
}

fn chain_has_refusal(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if c.is::<Refused>() {
            return true;
        }
        cur = c.source();
    }
    false
}

/// The error and its causes on one line ("error sending request: … : connection refused").
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = c.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_loopback_link_local_and_their_ipv6_forms_are_not_public() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:0101::1",
            "64:ff9b:1::a00:1",
            "2001:0:4136:e378::1",
            "192.0.2.1",
            "203.0.113.9",
        ] {
            assert!(not_public(ip(s)).is_some(), "{s} should be refused");
        }
        for s in ["8.8.8.8", "203.0.114.1", "2400:3200::1", "64:ff9b::808:808"] {
            assert_eq!(not_public(ip(s)), None, "{s} is public");
        }
    }
}
