//! Collection: `/api/v1/contracts/{id}/payment-plans`, `/api/v1/payments`, `/api/v1/receivables`.

use kaidan_shared::page::Page;
use kaidan_shared::payment::{
    Payment, PaymentCreate, PaymentListQuery, PaymentPlan, PaymentPlanCreate, Receivable,
    ReceivableListQuery,
};
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn plans(contract: Uuid) -> ApiResult<Vec<PaymentPlan>> {
    Ok(
        super::get(&format!("/api/v1/contracts/{contract}/payment-plans"))
            .await?
            .body,
    )
}

pub async fn add_plan(contract: Uuid, body: &PaymentPlanCreate) -> ApiResult<Reply<PaymentPlan>> {
    super::post(&format!("/api/v1/contracts/{contract}/payment-plans"), body).await
}

pub async fn remove_plan(id: Uuid) -> ApiResult<Reply<serde_json::Value>> {
    send::<(), _>(
        Method::DELETE,
        &format!("/api/v1/payment-plans/{id}"),
        None,
        None,
    )
    .await
}

pub async fn list(q: &PaymentListQuery) -> ApiResult<Page<Payment>> {
    Ok(super::get(&format!("/api/v1/payments{}", query(q)))
        .await?
        .body)
}

pub async fn record(body: &PaymentCreate) -> ApiResult<Reply<Payment>> {
    super::post("/api/v1/payments", body).await
}

pub async fn receivables(q: &ReceivableListQuery) -> ApiResult<Page<Receivable>> {
    Ok(super::get(&format!("/api/v1/receivables{}", query(q)))
        .await?
        .body)
}
