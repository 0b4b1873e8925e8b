//! Thousands of random quotes through `quote::totals`, checked two ways:
//!
//! - against an independent reference in integer arithmetic (`i128`, exact fractions, half-up
//!   division), natively — the rule of the doc comment, computed another way;
//! - as a digest of every figure, which must equal [`DIGEST`] both natively (the server's build)
//!   and in WebAssembly (the web app's build, run by `wasm-bindgen-test-runner` under Node in
//!   `scripts/test`): the two builds give identical results, figure for figure.
//!
//! When the rule changes on purpose, the reference changes with it and the digest is printed by
//! the failing native test.

use kaidan_shared::quote::{totals, LineInput, Totals};
use rust_decimal::Decimal;

/// The digest of the figures of the quotes made from [`SEED`].
const DIGEST: u64 = 0x4eff_08f4_d280_6879;
const SEED: u64 = 0x6b61_6964_616e_2026;
const QUOTES: usize = 5_000;

/// SplitMix64: the same numbers on every target, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A line in integers: quantity in ten-thousandths, price in 分, rates in hundredths of a percent.
#[derive(Clone, Copy, Debug)]
struct Raw {
    qty_e4: i64,
    price: i64,
    disc_bp: i64,
    tax_bp: i64,
}

fn quote(rng: &mut Rng) -> (Vec<Raw>, i64) {
    let most = if rng.below(10) == 0 { 200 } else { 12 };
    let lines = 1 + rng.below(most) as usize;
    let raw = (0..lines)
        .map(|_| Raw {
            // Mostly whole small quantities, sometimes fractions to the fourth place, sometimes
            // huge ones; prices from 1 分 to ¥1,000,000.
            qty_e4: match rng.below(4) {
                0 => rng.below(1_000) as i64 * 10_000,
                1 => rng.below(10_000_000) as i64,
                2 => rng.below(100_000_000_000) as i64,
                _ => 0,
            },
            price: 1 + rng.below(100_000_000) as i64,
            disc_bp: match rng.below(3) {
                0 => 0,
                1 => rng.below(21) as i64 * 500,
                _ => rng.below(10_001) as i64,
            },
            tax_bp: [0, 100, 300, 600, 900, 1300][rng.below(6) as usize],
        })
        .collect();
    let overall = if rng.below(2) == 0 {
        0
    } else {
        rng.below(10_001) as i64
    };
    (raw, overall)
}

fn decimal(v: i64, scale: u32) -> Decimal {
    Decimal::new(v, scale)
}

fn inputs(raw: &[Raw]) -> Vec<LineInput> {
    raw.iter()
        .map(|r| LineInput {
            quantity: decimal(r.qty_e4, 4),
            unit_price: r.price,
            discount_percent: decimal(r.disc_bp, 2),
            tax_rate_percent: decimal(r.tax_bp, 2),
        })
        .collect()
}

/// n / d rounded half-up (n, d > 0 or n = 0).
fn half_up(n: i128, d: i128) -> i128 {
    (2 * n + d) / (2 * d)
}

/// The rule again, in exact integers: figures per line, then sums.
fn reference(raw: &[Raw], overall_bp: i64) -> Totals {
    let mut t = Totals::default();
    for r in raw {
        let exact_e4 = r.qty_e4 as i128 * r.price as i128; // 分 × 10⁴
        let gross = half_up(exact_e4, 10_000) as i64;
        let net = half_up(
            exact_e4 * (10_000 - r.disc_bp as i128) * (10_000 - overall_bp as i128),
            10_000 * 10_000 * 10_000,
        ) as i64;
        let tax = half_up(net as i128 * r.tax_bp as i128, 10_000) as i64;
        t.lines.push(kaidan_shared::quote::LineTotals {
            gross,
            net,
            tax,
            total: net + tax,
        });
        t.subtotal += gross;
        t.discount += gross - net;
        t.tax += tax;
        t.total += net + tax;
    }
    t
}

/// FNV-1a over every figure of every quote.
fn digest(all: &[Totals]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |v: i64| {
        for b in v.to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for t in all {
        for l in &t.lines {
            eat(l.gross);
            eat(l.net);
            eat(l.tax);
            eat(l.total);
        }
        eat(t.subtotal);
        eat(t.discount);
        eat(t.tax);
        eat(t.total);
    }
    h
}

/// Every quote's figures, and the same quotes' reference figures.
fn run() -> (Vec<Totals>, Vec<Totals>) {
    let mut rng = Rng(SEED);
    let mut got = Vec::with_capacity(QUOTES);
    let mut want = Vec::with_capacity(QUOTES);
    for _ in 0..QUOTES {
        let (raw, overall) = quote(&mut rng);
        got.push(totals(&inputs(&raw), decimal(overall, 2)));
        want.push(reference(&raw, overall));
    }
    (got, want)
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn totals_follow_the_rule_and_match_the_digest() {
    let (got, want) = run();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "quote {i}");
    }
    assert_eq!(
        digest(&got),
        DIGEST,
        "the figures changed: if the rule changed on purpose, set DIGEST to {:#x}",
        digest(&got)
    );
    // The inputs are what the web app's parser makes of typed quantities.
    assert_eq!(
        <Decimal as std::str::FromStr>::from_str("1.2345").unwrap(),
        decimal(12_345, 4)
    );
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
fn the_web_build_gives_the_same_figures() {
    let (got, want) = run();
    assert_eq!(got, want);
    assert_eq!(digest(&got), DIGEST);
}
