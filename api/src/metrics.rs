//! Prometheus text-format metrics: request counts and latency histograms per route.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_secs: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) → series. Routes are patterns (`/api/v1/customers/{id}`), so the
    /// label set stays small whatever ids are requested.
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
    /// Rate-limit counts that could not reach their store (Redis), so went unlimited.
    pub rate_limit_store_errors: std::sync::atomic::AtomicU64,
}

/// The method label: the standard methods by name, anything else as `OTHER`, so no request can
/// add a label value.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

impl Metrics {
    /// Counts a request. `route` must be a route template (or `unmatched`), never the raw path.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let method = method_label(method);
        if let Ok(mut map) = self.series.lock() {
            let s = map
                .entry((method.to_owned(), route.to_owned(), status))
                .or_default();
            s.count += 1;
            s.sum_secs += secs;
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    s.buckets[i] += 1;
                }
            }
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP kaidan_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE kaidan_http_requests_total counter\n");
        let Ok(map) = self.series.lock() else {
            return out;
        };
        for ((m, r, st), s) in map.iter() {
            let _ = writeln!(
                out,
                "kaidan_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{st}\"}} {}",
                esc(r),
                s.count
            );
        }
        out.push_str("# HELP kaidan_rate_limit_store_errors_total Requests let through unlimited because the rate-limit store (Redis) could not be reached.\n");
        out.push_str("# TYPE kaidan_rate_limit_store_errors_total counter\n");
        let _ = writeln!(
            out,
            "kaidan_rate_limit_store_errors_total {}",
            self.rate_limit_store_errors
                .load(std::sync::atomic::Ordering::Relaxed)
        );
        out.push_str("# HELP kaidan_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE kaidan_http_request_duration_seconds histogram\n");
        let mut per_route: BTreeMap<(String, String), Series> = BTreeMap::new();
        for ((m, r, _), s) in map.iter() {
            let e = per_route.entry((m.clone(), r.clone())).or_default();
            e.count += s.count;
            e.sum_secs += s.sum_secs;
            for i in 0..BUCKETS.len() {
                e.buckets[i] += s.buckets[i];
            }
        }
        for ((m, r), s) in per_route {
            let labels = format!("method=\"{m}\",route=\"{}\"", esc(&r));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "kaidan_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "kaidan_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "kaidan_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_secs
            );
            let _ = writeln!(
                out,
                "kaidan_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/customers", 200, Duration::from_millis(3));
        m.observe("GET", "/api/v1/customers", 200, Duration::from_millis(30));
        let text = m.render();
        assert!(text.contains("kaidan_http_requests_total{method=\"GET\",route=\"/api/v1/customers\",status=\"200\"} 2"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.05\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
    }

    #[test]
    fn unknown_methods_share_one_label() {
        let m = Metrics::default();
        for verb in ["PROPFIND", "FOO", "get", "BREW"] {
            m.observe(verb, "unmatched", 404, Duration::from_millis(1));
        }
        let text = m.render();
        assert!(
            text.contains("method=\"OTHER\",route=\"unmatched\",status=\"404\"} 4"),
            "{text}"
        );
        assert!(!text.contains("PROPFIND"));
    }
}
