//! Demo data: a realistic Chinese company with two regions, four teams, users of every role and
//! 500 customers with contacts, a year of pipeline, the regions' public pools and leads in every
//! status with the regions' assignment rules, a month of visits and today's plan, one file per module. Re-running adds only what is missing.
//! `bench` loads the large data set the benchmarks run on.

pub mod bench;
pub mod bench_contract;
pub mod bench_pipeline;
pub mod bench_visit;
mod company;
mod contact;
pub mod contract;
pub mod customer;
pub mod lead;
pub mod opportunity;
pub mod org;
pub mod product;
pub mod quote;
pub mod user;
pub mod visit;

use sea_orm::DatabaseConnection;

use crate::auth::password::PasswordHasher;
use crate::error::AppResult;

pub use customer::seed_customers;
pub use org::seed_org;
pub use user::{users_not_from_demo, DemoUser, DEMO_PASSWORD, USERS};

#[derive(Debug, Default)]
pub struct SeedReport {
    pub users_created: usize,
    pub customers_created: usize,
    pub deals_created: usize,
    pub pooled: usize,
    pub leads_created: usize,
    pub visits_created: usize,
    pub products_created: usize,
    pub quotes_created: usize,
    pub contracts_created: usize,
}

/// The whole demo: the org and `customers` customers with 1–3 contacts each.
pub async fn seed_demo(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    customers_wanted: usize,
) -> AppResult<SeedReport> {
    let users_created = seed_org(db, hasher, DEMO_PASSWORD).await?;
    company::seed_company(db).await?;
    let products_created = product::seed_products(db).await?;
    let customers_created = seed_customers(db, customers_wanted).await?;
    let deals_created = opportunity::seed_pipeline(db).await?;
    let pooled = opportunity::seed_pools(db).await?;
    let leads_created = lead::seed_leads(db).await?;
    let visits_created = visit::seed_visits(db).await?;
    let quotes_created = quote::seed_quotes(db).await?;
    let contracts_created = contract::seed_contracts(db).await?;
    Ok(SeedReport {
        users_created,
        customers_created,
        deals_created,
        pooled,
        leads_created,
        visits_created,
        products_created,
        quotes_created,
        contracts_created,
    })
}

/// A small deterministic generator (SplitMix64), so the demo is the same on every machine and a
/// re-run recognises what it made before.
pub(crate) struct Gen(pub(crate) u64);

impl Gen {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// A value in [-1, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}
