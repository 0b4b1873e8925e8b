use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Webhooks (开放平台 · 事件推送).
///
/// - `webhooks`: a subscription of an API client (whose place and scopes decide what is sent):
///   its target, the events (space-separated names), the signing secret and, for a day after a
///   rotation, the one before (the secret is kept as it is: it signs, so it cannot be a hash).
/// - `webhook_events`: the outbox. A row is written in the transaction of the change it
///   announces and removed when the delivery job has made its deliveries, so a rolled-back
///   change announces nothing and a committed one is never lost.
/// - `webhook_deliveries`: one event's body for one subscription, rendered once (every retry
///   sends the same bytes), with where it stands; `webhook_attempts` logs each try.
#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    ApiClientId,
    Url,
    Events,
    Description,
    Secret,
    PreviousSecret,
    PreviousValidUntil,
    AllowPrivate,
    DisabledAt,
    DisabledReason,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    EventType,
    Entity,
    EntityId,
    SubjectId,
    Changes,
    OccurredAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventId,
    EventType,
    Body,
    Status,
    Attempts,
    FirstAttemptAt,
    NextAttemptAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    At,
    StatusCode,
    DurationMs,
    Response,
    Error,
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
}

/// The signed body: a contract with hundreds of lines renders past MySQL's `TEXT` (64 KB), which
/// strict mode would refuse — and a refused insert would stop every delivery behind it.
fn body_column(m: &SchemaManager) -> ColumnDef {
    let mut c = ColumnDef::new(WebhookDeliveries::Body);
    if m.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::MySql {
        c.custom(Alias::new("MEDIUMTEXT"));
    } else {
        c.text();
    }
    c.not_null();
    c
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Webhooks::Table)
                .col(uuid_pk(Webhooks::Id))
                .col(uuid_col(Webhooks::ApiClientId))
                .col(string(Webhooks::Url, 2000))
                .col(string(Webhooks::Events, 1000))
                .col(string(Webhooks::Description, 200))
                .col(string(Webhooks::Secret, 100))
                .col(string_null(Webhooks::PreviousSecret, 100))
                .col(ts_null(m, Webhooks::PreviousValidUntil))
                .col(boolean(Webhooks::AllowPrivate))
                .col(ts_null(m, Webhooks::DisabledAt))
                .col(string_null(Webhooks::DisabledReason, 200))
                .col(version(Webhooks::Version))
                .col(uuid_null(Webhooks::CreatedBy))
                .col(ts_not_null(m, Webhooks::CreatedAt))
                .col(ts_not_null(m, Webhooks::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_webhooks_api_client")
                        .from(Webhooks::Table, Webhooks::ApiClientId)
                        .to(ApiClients::Table, ApiClients::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                Webhooks::Table,
                "client",
                vec![Webhooks::ApiClientId.into_iden()],
            )
            .to_owned(),
        )
        .await?;

        m.create_table(
            table(m, WebhookEvents::Table)
                .col(uuid_pk(WebhookEvents::Id))
                .col(string(WebhookEvents::EventType, 40))
                .col(string(WebhookEvents::Entity, 40))
                .col(uuid_col(WebhookEvents::EntityId))
                .col(uuid_col(WebhookEvents::SubjectId))
                .col(text_null(WebhookEvents::Changes))
                .col(ts_not_null(m, WebhookEvents::OccurredAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(m, WebhookDeliveries::Table)
                .col(uuid_pk(WebhookDeliveries::Id))
                .col(uuid_col(WebhookDeliveries::WebhookId))
                .col(string(WebhookDeliveries::EventId, 40))
                .col(string(WebhookDeliveries::EventType, 40))
                .col(body_column(m))
                .col(string(WebhookDeliveries::Status, 16))
                .col(
                    ColumnDef::new(WebhookDeliveries::Attempts)
                        .big_integer()
                        .not_null(),
                )
                .col(ts_null(m, WebhookDeliveries::FirstAttemptAt))
                .col(ts_null(m, WebhookDeliveries::NextAttemptAt))
                .col(ts_not_null(m, WebhookDeliveries::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_webhook_deliveries_webhook")
                        .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                        .to(Webhooks::Table, Webhooks::Id),
                )
                .to_owned(),
        )
        .await?;
        // The delivery job's question: what is due, oldest first.
        m.create_index(
            index(
                WebhookDeliveries::Table,
                "due",
                vec![
                    WebhookDeliveries::Status.into_iden(),
                    WebhookDeliveries::NextAttemptAt.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        // A subscription's log, newest first; one delivery per event and subscription.
        m.create_index(
            index(
                WebhookDeliveries::Table,
                "webhook",
                vec![
                    WebhookDeliveries::WebhookId.into_iden(),
                    WebhookDeliveries::Id.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                WebhookDeliveries::Table,
                "event",
                vec![
                    WebhookDeliveries::WebhookId.into_iden(),
                    WebhookDeliveries::EventId.into_iden(),
                ],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        m.create_table(
            table(m, WebhookAttempts::Table)
                .col(uuid_pk(WebhookAttempts::Id))
                .col(uuid_col(WebhookAttempts::DeliveryId))
                .col(ts_not_null(m, WebhookAttempts::At))
                .col(
                    ColumnDef::new(WebhookAttempts::StatusCode)
                        .big_integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(WebhookAttempts::DurationMs)
                        .big_integer()
                        .not_null(),
                )
                .col(text_null(WebhookAttempts::Response))
                .col(string_null(WebhookAttempts::Error, 500))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_webhook_attempts_delivery")
                        .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                        .to(WebhookDeliveries::Table, WebhookDeliveries::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                WebhookAttempts::Table,
                "delivery",
                vec![
                    WebhookAttempts::DeliveryId.into_iden(),
                    WebhookAttempts::At.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
