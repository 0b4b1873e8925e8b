//! The client's address and scheme, as throttling, the audit trail and cookies need them.
//!
//! `X-Forwarded-For` and `Forwarded` are written by whoever sends the request, so they are read
//! only when the peer is one of the configured proxies (`server.trusted_proxies`). Then the chain
//! is walked from the right (the hop our proxy appended) past every trusted proxy; the first
//! address that is not one is the client. Without the setting the peer address is the client,
//! whatever the headers say.

use std::net::IpAddr;

use actix_web::dev::ServiceRequest;
use actix_web::{HttpMessage, HttpRequest};
use ipnet::IpNet;

/// The client address of the current request, set once by the request middleware.
#[derive(Clone, Debug)]
pub struct ClientAddr {
    pub ip: Option<IpAddr>,
    /// The request reached the first proxy (or us) over HTTPS.
    pub https: bool,
}

impl ClientAddr {
    /// The address as stored in throttling counters and audit rows (`""` when unknown).
    pub fn ip_string(&self) -> String {
        self.ip.map(|i| i.to_string()).unwrap_or_default()
    }
}

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    proxies.iter().any(|n| n.contains(&ip))
}

/// One hop of `X-Forwarded-For` (`203.0.113.7`, `[2001:db8::1]:443`) or of `Forwarded: for=`
/// (`"[2001:db8::1]:443"`, `192.0.2.1:8080`), without port, brackets or quotes.
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    // IPv4 with a port.
    s.rsplit_once(':').and_then(|(h, _)| h.parse().ok())
}

/// The hops a proxy chain recorded, left (first) to right (nearest). `X-Forwarded-For` wins when
/// present: it is what common proxies append to; a proxy that only writes `Forwarded` must strip
/// a client's `X-Forwarded-For`.
fn hops(req: &HttpRequest) -> Vec<Option<IpAddr>> {
    let xff: Vec<Option<IpAddr>> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(parse_hop)
        .collect();
    if !xff.is_empty() {
        return xff;
    }
    req.headers()
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| parse_hop(v))
            })
        })
        .collect()
}

/// The client address: the peer, unless the peer is a trusted proxy; then the right-most address
/// of the forwarding chain that is not a trusted proxy. An unreadable hop stops the walk at the
/// proxy that passed it on (what it says cannot be checked).
pub fn resolve(req: &HttpRequest, proxies: &[IpNet]) -> ClientAddr {
    let peer = req.peer_addr().map(|a| a.ip());
    let direct_https = req.app_config().secure();
    let Some(peer_ip) = peer else {
        return ClientAddr {
            ip: None,
            https: direct_https,
        };
    };
    if !trusted(peer_ip, proxies) {
        return ClientAddr {
            ip: Some(peer_ip),
            https: direct_https,
        };
    }
    let mut client = peer_ip;
    for hop in hops(req).into_iter().rev() {
        match hop {
            Some(ip) => {
                client = ip;
                if !trusted(ip, proxies) {
                    break;
                }
            }
            None => break,
        }
    }
    let https = req
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        // The right-most value is what the nearest (trusted) proxy saw or set.
        .map(|v| {
            v.rsplit(',')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("https")
        })
        .unwrap_or(direct_https);
    ClientAddr {
        ip: Some(client),
        https,
    }
}

/// Resolves once per request and keeps the answer in the request's extensions.
pub fn remember(req: &ServiceRequest, proxies: &[IpNet]) -> ClientAddr {
    let addr = resolve(req.request(), proxies);
    req.extensions_mut().insert(addr.clone());
    addr
}

/// The address the middleware resolved (the peer when it did not run, as in unit tests).
pub fn of(req: &HttpRequest) -> ClientAddr {
    if let Some(a) = req.extensions().get::<ClientAddr>() {
        return a.clone();
    }
    ClientAddr {
        ip: req.peer_addr().map(|a| a.ip()),
        https: req.app_config().secure(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn nets(s: &[&str]) -> Vec<IpNet> {
        s.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn req(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(peer.parse().unwrap());
        for (k, v) in headers {
            r = r.insert_header((*k, *v));
        }
        r.to_http_request()
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let r = req("198.51.100.9:5000", &[("x-forwarded-for", "10.0.0.1")]);
        assert_eq!(resolve(&r, &[]).ip_string(), "198.51.100.9");
        let r = req("198.51.100.9:5000", &[("x-forwarded-for", "10.0.0.1")]);
        assert_eq!(
            resolve(&r, &nets(&["127.0.0.1/32"])).ip_string(),
            "198.51.100.9"
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let p = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        // The client forged the first entry; our proxies appended the rest.
        let r = req(
            "127.0.0.1:5000",
            &[("x-forwarded-for", "1.2.3.4, 203.0.113.7, 10.1.2.3")],
        );
        assert_eq!(resolve(&r, &p).ip_string(), "203.0.113.7");
        let r = req(
            "127.0.0.1:5000",
            &[(
                "forwarded",
                "for=1.2.3.4, for=\"[2001:db8::7]:443\";proto=https",
            )],
        );
        assert_eq!(resolve(&r, &p).ip_string(), "2001:db8::7");
        // All hops trusted: the left-most is the best we know.
        let r = req("127.0.0.1:5000", &[("x-forwarded-for", "10.9.9.9")]);
        assert_eq!(resolve(&r, &p).ip_string(), "10.9.9.9");
        // Garbage stops the walk at the proxy that passed it on.
        let r = req(
            "127.0.0.1:5000",
            &[("x-forwarded-for", "203.0.113.7, not-an-ip")],
        );
        assert_eq!(resolve(&r, &p).ip_string(), "127.0.0.1");
    }

    #[test]
    fn the_scheme_comes_from_a_trusted_proxy_only() {
        let p = nets(&["127.0.0.1/32"]);
        let r = req("127.0.0.1:5000", &[("x-forwarded-proto", "https")]);
        assert!(resolve(&r, &p).https);
        let r = req("198.51.100.9:5000", &[("x-forwarded-proto", "https")]);
        assert!(!resolve(&r, &p).https);
    }
}
