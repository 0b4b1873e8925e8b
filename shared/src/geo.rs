//! Places on the Earth: distances for check-ins and the coordinate system China's map tiles use.
//!
//! Everything Kaidan stores is WGS-84, what a phone's GPS and the browser's geolocation report.
//! China's map providers draw their tiles in GCJ-02, a deliberately shifted system (100–700 m
//! off WGS-84 inside mainland China), so a point is converted for display only when such a tile
//! server is configured (`to_gcj02`) — never for storage or for a distance.

use serde::{Deserialize, Serialize};

/// A WGS-84 position in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

impl LatLng {
    pub const fn new(lat: f64, lng: f64) -> Self {
        Self { lat, lng }
    }

    /// Finite and on the globe (latitude ±90, longitude ±180).
    pub fn is_valid(self) -> bool {
        self.lat.is_finite()
            && self.lng.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lng)
    }
}

/// The mean Earth radius (IUGG), in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The great-circle distance in metres (haversine on the mean sphere). Against the ellipsoid it
/// is off by at most 0.5 %, a few metres at a check-in's radius of hundreds — well inside what a
/// phone's GPS reports as its accuracy.
pub fn distance_m(a: LatLng, b: LatLng) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lng - a.lng).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Outside mainland China's rough bounding box, where GCJ-02 equals WGS-84 (the providers leave
/// such points unshifted).
pub fn outside_china(p: LatLng) -> bool {
    !((72.004..=137.8347).contains(&p.lng) && (0.8293..=55.8271).contains(&p.lat))
}

/// The GCJ-02 position of a WGS-84 point, for drawing it on tiles from a Chinese provider (the
/// published transform; it is what AMap, Tencent and others apply). Outside China: unchanged.
pub fn to_gcj02(p: LatLng) -> LatLng {
    if outside_china(p) {
        return p;
    }
    // Krasovsky 1940: the ellipsoid the transform is defined on.
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    let (x, y) = (p.lng - 105.0, p.lat - 35.0);
    let rad = p.lat.to_radians();
    let m = 1.0 - EE * rad.sin().powi(2);
    let sm = m.sqrt();
    let dlat = shift_lat(x, y) * 180.0 / ((A * (1.0 - EE)) / (m * sm) * std::f64::consts::PI);
    let dlng = shift_lng(x, y) * 180.0 / (A / sm * rad.cos() * std::f64::consts::PI);
    LatLng::new(p.lat + dlat, p.lng + dlng)
}

/// The shared periodic terms of both shifts.
fn waves(x: f64, y_term: f64, y_big: f64) -> f64 {
    use std::f64::consts::PI;
    (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0 + y_term + y_big
}

fn shift_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let base = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    base + waves(
        x,
        (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0,
        (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0,
    )
}

fn shift_lng(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let base = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    base + waves(
        x,
        (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0,
        (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn distances_match_known_ones() {
        let tiananmen = LatLng::new(39.908722, 116.397499);
        let peoples_square = LatLng::new(31.230416, 121.473701);
        // 1,068 km between Beijing's and Shanghai's centres.
        assert!(close(
            distance_m(tiananmen, peoples_square),
            1_068_141.0,
            1.0
        ));
        // 0.0045° of latitude is about 500 m anywhere.
        let a = LatLng::new(30.0, 120.0);
        assert!(close(
            distance_m(a, LatLng::new(30.0045, 120.0)),
            500.38,
            0.01
        ));
        assert_eq!(distance_m(a, a), 0.0);
        // Symmetric, and antipodes are half the circumference.
        assert_eq!(distance_m(a, tiananmen), distance_m(tiananmen, a));
        let half = std::f64::consts::PI * EARTH_RADIUS_M;
        assert!(close(
            distance_m(LatLng::new(0.0, 0.0), LatLng::new(0.0, 180.0)),
            half,
            1e-6
        ));
    }

    #[test]
    fn gcj02_matches_the_published_transform() {
        // The reference vectors of the widely used `eviltransform` implementations.
        for (wgs, gcj) in [
            (
                (31.1774276, 121.5272106),
                (31.17530398364597, 121.531541859215),
            ),
            (
                (22.543847, 113.912316),
                (22.540796131694766, 113.9171764808363),
            ),
            (
                (39.911954, 116.377817),
                (39.91334545536069, 116.38404722455657),
            ),
        ] {
            let got = to_gcj02(LatLng::new(wgs.0, wgs.1));
            assert!(close(got.lat, gcj.0, 1e-9), "{got:?} vs {gcj:?}");
            assert!(close(got.lng, gcj.1, 1e-9), "{got:?} vs {gcj:?}");
            // The shift is the few hundred metres a map would show a visit off by.
            let off = distance_m(LatLng::new(wgs.0, wgs.1), got);
            assert!((100.0..=800.0).contains(&off), "{off}");
        }
    }

    #[test]
    fn outside_china_nothing_moves() {
        for p in [
            LatLng::new(51.5074, -0.1278),  // London
            LatLng::new(35.6762, 139.6503), // Tokyo, east of the box
            LatLng::new(-33.8688, 151.2093),
        ] {
            assert!(outside_china(p));
            assert_eq!(to_gcj02(p), p);
        }
        assert!(!outside_china(LatLng::new(30.27, 120.15)));
    }

    #[test]
    fn only_points_on_the_globe_are_valid() {
        assert!(LatLng::new(30.27, 120.15).is_valid());
        assert!(LatLng::new(-90.0, 180.0).is_valid());
        for bad in [
            LatLng::new(90.1, 0.0),
            LatLng::new(0.0, -180.5),
            LatLng::new(f64::NAN, 0.0),
            LatLng::new(0.0, f64::INFINITY),
        ] {
            assert!(!bad.is_valid(), "{bad:?}");
        }
    }
}
