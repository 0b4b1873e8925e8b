use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::cols::*;
use crate::m20261124_000003_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One row per sign-in (a refresh-token family). Access tokens carry its id (`sid`) and are
/// refused once it is revoked, so logout and password changes end them at once; a refresh and a
/// logout of the same session serialise on this row.
#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    /// The browser holds the refresh token in an HttpOnly cookie (not in the JSON body).
    Cookie,
    Ip,
    CreatedAt,
    RefreshedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Sessions::Table)
                .col(uuid_pk(Sessions::Id))
                .col(uuid_col(Sessions::UserId))
                .col(boolean(Sessions::Cookie).default(false))
                .col(string_null(Sessions::Ip, 64))
                .col(ts_not_null(m, Sessions::CreatedAt))
                .col(ts_not_null(m, Sessions::RefreshedAt))
                .col(ts_null(m, Sessions::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_sessions_user")
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            Sessions::Table,
            "user",
            vec![Sessions::UserId.into_iden()],
        ))
        .await?;
        // Sessions signed in before this table existed stay signed in.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO sessions (id, user_id, cookie, created_at, refreshed_at) \
                 SELECT family_id, user_id, FALSE, MIN(created_at), MAX(created_at) \
                 FROM refresh_tokens WHERE revoked_at IS NULL GROUP BY family_id, user_id",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await
    }
}
