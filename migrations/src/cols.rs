//! Column and table helpers that paper over engine differences.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// A new table; on MySQL/MariaDB it is created as utf8mb4 whatever the server's default,
/// because customer names are Chinese and some servers still default to latin1.
pub fn table(m: &SchemaManager, name: impl IntoIden) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name);
    if m.get_database_backend() == DbBackend::MySql {
        t.character_set("utf8mb4").collate("utf8mb4_bin");
    }
    t
}

/// A UTC timestamp with microsecond precision on every engine. MySQL's plain `timestamp` keeps
/// whole seconds and converts by session time zone, which would break keyset cursors; so there it
/// is `datetime(6)` holding UTC.
pub fn ts(m: &SchemaManager, col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    if m.get_database_backend() == DbBackend::MySql {
        c.custom(Alias::new("datetime(6)"));
    } else {
        c.timestamp_with_time_zone();
    }
    c
}

pub fn ts_not_null(m: &SchemaManager, col: impl IntoIden) -> ColumnDef {
    let mut c = ts(m, col);
    c.not_null();
    c
}

pub fn ts_null(m: &SchemaManager, col: impl IntoIden) -> ColumnDef {
    let mut c = ts(m, col);
    c.null();
    c
}

pub fn uuid_pk(col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.uuid().not_null().primary_key();
    c
}

pub fn uuid_col(col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.uuid().not_null();
    c
}

pub fn uuid_null(col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.uuid().null();
    c
}

pub fn string(col: impl IntoIden, len: u32) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.string_len(len).not_null();
    c
}

pub fn string_null(col: impl IntoIden, len: u32) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.string_len(len).null();
    c
}

pub fn text_null(col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.text().null();
    c
}

pub fn version(col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.big_integer().not_null().default(1);
    c
}

pub fn boolean(col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.boolean().not_null();
    c
}

pub fn double_null(col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.double().null();
    c
}

/// An index named `ix_<table>_<suffix>`.
pub fn index(table: impl IntoIden, suffix: &str, cols: Vec<DynIden>) -> IndexCreateStatement {
    let t = table.into_iden();
    let mut i = Index::create();
    i.name(format!("ix_{t}_{suffix}")).table(t);
    for c in cols {
        i.col(c);
    }
    i
}
