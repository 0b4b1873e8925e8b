//! Products and price lists: `/api/v1/products`, `/api/v1/price-lists`.

use kaidan_shared::page::Page;
use kaidan_shared::product::{
    PriceList, PriceListCreate, PriceListDetail, PriceListListQuery, PriceListUpdate, Product,
    ProductCreate, ProductListQuery, ProductUpdate,
};
use uuid::Uuid;

use super::{query, ApiResult, Reply};

pub async fn list(q: &ProductListQuery) -> ApiResult<Page<Product>> {
    Ok(super::get(&format!("/api/v1/products{}", query(q)))
        .await?
        .body)
}

pub async fn get(id: Uuid) -> ApiResult<Reply<Product>> {
    super::get(&format!("/api/v1/products/{id}")).await
}

pub async fn create(body: &ProductCreate) -> ApiResult<Reply<Product>> {
    super::post("/api/v1/products", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &ProductUpdate) -> ApiResult<Reply<Product>> {
    super::patch(&format!("/api/v1/products/{id}"), etag, body).await
}

pub async fn price_lists(q: &PriceListListQuery) -> ApiResult<Page<PriceList>> {
    Ok(super::get(&format!("/api/v1/price-lists{}", query(q)))
        .await?
        .body)
}

pub async fn price_list(id: Uuid) -> ApiResult<Reply<PriceListDetail>> {
    super::get(&format!("/api/v1/price-lists/{id}")).await
}

pub async fn create_price_list(body: &PriceListCreate) -> ApiResult<Reply<PriceListDetail>> {
    super::post("/api/v1/price-lists", body).await
}

pub async fn update_price_list(
    id: Uuid,
    etag: &str,
    body: &PriceListUpdate,
) -> ApiResult<Reply<PriceListDetail>> {
    super::patch(&format!("/api/v1/price-lists/{id}"), etag, body).await
}
