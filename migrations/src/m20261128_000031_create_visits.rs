use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Visits (拜访) and the one row of their settings.
///
/// A visit is placed in time by `visit_at`: when it is planned for, or, for one logged on the
/// spot, when it was made and then when it was checked in. Every list reads one of the four
/// indexes that start with its scope column and end with `visit_at, id`: a rep's day, a team's
/// day (the owner's team copied onto the visit, as deals and customers keep it), a customer's
/// timeline, everything by time.
#[derive(DeriveIden)]
enum Visits {
    Table,
    Id,
    CustomerId,
    OpportunityId,
    OwnerId,
    OwnerTeamId,
    Purpose,
    PlannedAt,
    VisitAt,
    /// `planned`, `checked_in`, `done` or `cancelled`.
    Status,
    /// The server's time of the check-in.
    CheckInAt,
    CheckInLat,
    CheckInLng,
    CheckInAccuracyM,
    CheckInDistanceM,
    /// The assessment's flags, comma-separated (`too_far,imprecise`).
    CheckInFlags,
    CheckInRadiusM,
    /// Any flag: the supervisors' filter.
    Flagged,
    /// The phone's own clock when the check-in was made without a network.
    CheckInDeviceAt,
    CheckOutAt,
    DurationS,
    /// A JSON array of contact ids.
    ContactIds,
    Notes,
    Outcome,
    NextStep,
    NextFollowUpOn,
    Custom,
    ArchivedAt,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VisitSettings {
    Table,
    Id,
    RadiusM,
    /// An OpenStreetMap-style tile URL template (`https://…/{z}/{x}/{y}.png`); none: a plain plot.
    TileUrl,
    /// The tile provider draws GCJ-02 (China's providers): positions are shifted for display.
    TileGcj02,
    TileAttribution,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Visits::Table)
                .col(uuid_pk(Visits::Id))
                .col(uuid_col(Visits::CustomerId))
                .col(uuid_null(Visits::OpportunityId))
                .col(uuid_null(Visits::OwnerId))
                .col(uuid_null(Visits::OwnerTeamId))
                .col(string_null(Visits::Purpose, 500))
                .col(ts_null(m, Visits::PlannedAt))
                .col(ts_not_null(m, Visits::VisitAt))
                .col(string(Visits::Status, 16))
                .col(ts_null(m, Visits::CheckInAt))
                .col(double_null(Visits::CheckInLat))
                .col(double_null(Visits::CheckInLng))
                .col(double_null(Visits::CheckInAccuracyM))
                .col(ColumnDef::new(Visits::CheckInDistanceM).integer().null())
                .col(string_null(Visits::CheckInFlags, 64))
                .col(ColumnDef::new(Visits::CheckInRadiusM).integer().null())
                .col(boolean(Visits::Flagged).default(false))
                .col(ts_null(m, Visits::CheckInDeviceAt))
                .col(ts_null(m, Visits::CheckOutAt))
                .col(ColumnDef::new(Visits::DurationS).integer().null())
                .col(text_null(Visits::ContactIds))
                .col(text_null(Visits::Notes))
                .col(string_null(Visits::Outcome, 40))
                .col(string_null(Visits::NextStep, 500))
                .col(ColumnDef::new(Visits::NextFollowUpOn).date().null())
                .col(text_null(Visits::Custom))
                .col(ts_null(m, Visits::ArchivedAt))
                .col(version(Visits::Version))
                .col(uuid_null(Visits::CreatedBy))
                .col(ts_not_null(m, Visits::CreatedAt))
                .col(ts_not_null(m, Visits::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_visits_customer")
                        .from(Visits::Table, Visits::CustomerId)
                        .to(Customers::Table, Customers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_visits_owner")
                        .from(Visits::Table, Visits::OwnerId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        for (suffix, first) in [
            ("owner_at", Some(Visits::OwnerId)),
            ("team_at", Some(Visits::OwnerTeamId)),
            ("customer_at", Some(Visits::CustomerId)),
            ("at", None),
        ] {
            let mut cols: Vec<DynIden> = first.into_iter().map(IntoIden::into_iden).collect();
            cols.push(Visits::VisitAt.into_iden());
            cols.push(Visits::Id.into_iden());
            m.create_index(index(Visits::Table, suffix, cols).to_owned())
                .await?;
        }

        m.create_table(
            table(m, VisitSettings::Table)
                .col(
                    ColumnDef::new(VisitSettings::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(VisitSettings::RadiusM).integer().not_null())
                .col(string_null(VisitSettings::TileUrl, 500))
                .col(boolean(VisitSettings::TileGcj02))
                .col(string_null(VisitSettings::TileAttribution, 200))
                .col(version(VisitSettings::Version))
                .col(ts_not_null(m, VisitSettings::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(VisitSettings::Table)
                .columns([
                    VisitSettings::Id,
                    VisitSettings::RadiusM,
                    VisitSettings::TileGcj02,
                    VisitSettings::Version,
                    VisitSettings::UpdatedAt,
                ])
                .values_panic([
                    1.into(),
                    500.into(),
                    false.into(),
                    1i64.into(),
                    chrono::Utc::now().into(),
                ])
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(VisitSettings::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Visits::Table).to_owned())
            .await
    }
}
