//! Kaidan's schema, one migration per table (`mYYYYMMDD_NNNNNN_<verb>_<table>`), each with `down()`.
//!
//! The same migrations run on SQLite, PostgreSQL and MySQL/MariaDB. Where the engines differ
//! (timestamp precision, text encoding) the helpers in `cols` pick the right type, so the entity
//! code above never has to care.

pub use sea_orm_migration::prelude::*;

mod cols;
mod m20261124_000001_create_regions;
mod m20261124_000002_create_teams;
mod m20261124_000003_create_users;
mod m20261124_000004_create_refresh_tokens;
mod m20261124_000005_create_login_attempts;
mod m20261124_000006_create_customers;
mod m20261124_000007_create_customer_tags;
mod m20261124_000008_create_contacts;
mod m20261124_000009_create_audit_log;
mod m20261124_000010_create_idempotency_keys;
mod m20261126_000011_create_rate_counters;
mod m20261126_000012_drop_login_attempts;
mod m20261126_000013_create_sessions;
mod m20261126_000014_add_users_demo_password;
mod m20261126_000015_add_customers_tags;
mod m20261126_000016_create_option_lists;
mod m20261126_000017_create_field_defs;
mod m20261126_000018_customers_onto_option_keys;
mod m20261126_000019_create_custom_values;
mod m20261126_000020_index_sortable_custom_values;
mod m20261126_000021_create_layouts;
mod m20261126_000022_cover_custom_value_probes;
mod m20261127_000023_create_jobs_and_notifications;
mod m20261127_000024_create_pools;
mod m20261127_000025_create_opportunities;
mod m20261127_000026_create_leads;
mod m20261127_000027_create_opportunity_totals;
mod m20261127_000028_create_settings_version;
mod m20261127_000029_add_opportunities_owner_team;
mod m20261128_000030_add_customers_owner_place;
mod m20261128_000031_create_visits;
mod m20261128_000032_create_attachments;
mod m20261128_000033_create_follow_ups;
mod m20261129_000034_create_products;
mod m20261129_000035_create_quotes;
mod m20261129_000036_create_company_profile;
mod m20261130_000037_create_contracts_and_approvals;
mod m20261130_000038_create_payments;
mod m20261130_000039_drop_quote_line_figures;
mod m20261201_000040_create_api_clients;
mod m20261202_000041_create_webhooks;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_regions::Migration),
            Box::new(m20261124_000002_create_teams::Migration),
            Box::new(m20261124_000003_create_users::Migration),
            Box::new(m20261124_000004_create_refresh_tokens::Migration),
            Box::new(m20261124_000005_create_login_attempts::Migration),
            Box::new(m20261124_000006_create_customers::Migration),
            Box::new(m20261124_000007_create_customer_tags::Migration),
            Box::new(m20261124_000008_create_contacts::Migration),
            Box::new(m20261124_000009_create_audit_log::Migration),
            Box::new(m20261124_000010_create_idempotency_keys::Migration),
            Box::new(m20261126_000011_create_rate_counters::Migration),
            Box::new(m20261126_000012_drop_login_attempts::Migration),
            Box::new(m20261126_000013_create_sessions::Migration),
            Box::new(m20261126_000014_add_users_demo_password::Migration),
            Box::new(m20261126_000015_add_customers_tags::Migration),
            Box::new(m20261126_000016_create_option_lists::Migration),
            Box::new(m20261126_000017_create_field_defs::Migration),
            Box::new(m20261126_000018_customers_onto_option_keys::Migration),
            Box::new(m20261126_000019_create_custom_values::Migration),
            Box::new(m20261126_000020_index_sortable_custom_values::Migration),
            Box::new(m20261126_000021_create_layouts::Migration),
            Box::new(m20261126_000022_cover_custom_value_probes::Migration),
            Box::new(m20261127_000023_create_jobs_and_notifications::Migration),
            Box::new(m20261127_000024_create_pools::Migration),
            Box::new(m20261127_000025_create_opportunities::Migration),
            Box::new(m20261127_000026_create_leads::Migration),
            Box::new(m20261127_000027_create_opportunity_totals::Migration),
            Box::new(m20261127_000028_create_settings_version::Migration),
            Box::new(m20261127_000029_add_opportunities_owner_team::Migration),
            Box::new(m20261128_000030_add_customers_owner_place::Migration),
            Box::new(m20261128_000031_create_visits::Migration),
            Box::new(m20261128_000032_create_attachments::Migration),
            Box::new(m20261128_000033_create_follow_ups::Migration),
            Box::new(m20261129_000034_create_products::Migration),
            Box::new(m20261129_000035_create_quotes::Migration),
            Box::new(m20261129_000036_create_company_profile::Migration),
            Box::new(m20261130_000037_create_contracts_and_approvals::Migration),
            Box::new(m20261130_000038_create_payments::Migration),
            Box::new(m20261130_000039_drop_quote_line_figures::Migration),
            Box::new(m20261201_000040_create_api_clients::Migration),
            Box::new(m20261202_000041_create_webhooks::Migration),
        ]
    }
}
