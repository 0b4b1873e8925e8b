//! Request bodies: any bytes, decoded as each request DTO the API accepts, then validated.
//! Decoding and validation must never panic, and a body that decodes must survive a round trip
//! through JSON with the same verdict (what the SPA sends back is judged the same way).
#![no_main]

use kaidan_shared::api_client::{ApiClientCreate, ApiClientRotate, ApiClientUpdate};
use kaidan_shared::webhook::{WebhookCreate, WebhookUpdate};
use kaidan_shared::approval::{ApprovalDecision, ApprovalTemplateInput};
use kaidan_shared::auth::{ChangePasswordRequest, LoginRequest, LogoutRequest, RefreshRequest};
use kaidan_shared::company::CompanyProfileInput;
use kaidan_shared::contact::{ContactInput, ContactUpdate};
use kaidan_shared::contract::{ContractCreate, ContractReason, ContractSign, ContractUpdate};
use kaidan_shared::customer::{CustomerCreate, CustomerUpdate, TransferRequest};
use kaidan_shared::layout::{ColumnsInput, LayoutInput};
use kaidan_shared::payment::{FinancePayment, PaymentCreate, PaymentPlanCreate};
use kaidan_shared::org::{RegionInput, TeamCreate, TeamUpdate};
use kaidan_shared::product::{PriceListCreate, PriceListUpdate, ProductCreate, ProductUpdate};
use kaidan_shared::quote::{QuoteCreate, QuoteDecision, QuoteUpdate};
use kaidan_shared::user::{ResetPasswordRequest, User, UserCreate, UserUpdate};
use kaidan_shared::{FieldError, Resource, Role};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn check<T: DeserializeOwned + Serialize>(
    data: &[u8],
    validate: impl Fn(&T) -> Result<(), Vec<FieldError>>,
) {
    let Ok(v) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let verdict = validate(&v).map_err(|e| e.len());
    let json = serde_json::to_vec(&v).expect("a decoded DTO serializes");
    let again: T = serde_json::from_slice(&json).expect("a serialized DTO decodes");
    assert_eq!(validate(&again).map_err(|e| e.len()), verdict);
}

fn current_user() -> User {
    let t = chrono::DateTime::UNIX_EPOCH;
    User {
        id: uuid::Uuid::nil(),
        username: "rep_east1".into(),
        display_name: "李明".into(),
        role: Role::SalesRep,
        team_id: Some(uuid::Uuid::from_u128(1)),
        region_id: Some(uuid::Uuid::from_u128(2)),
        email: None,
        phone: None,
        grants: Vec::new(),
        active: true,
        version: 1,
        created_at: t,
        updated_at: t,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
    match which % 38 {
        0 => check::<CustomerCreate>(body, |v| v.validate()),
        1 => check::<CustomerUpdate>(body, |v| v.validate(None, None)),
        2 => check::<CustomerUpdate>(body, |v| v.validate(Some(30.27), Some(120.15))),
        3 => check::<ContactInput>(body, |v| v.validate()),
        4 => check::<ContactUpdate>(body, |v| v.validate()),
        5 => check::<TransferRequest>(body, |v| v.validate()),
        6 => check::<UserCreate>(body, |v| v.validate()),
        7 => check::<UserUpdate>(body, |v| v.validate(&current_user())),
        8 => check::<TeamCreate>(body, |v| v.validate()),
        9 => check::<TeamUpdate>(body, |v| v.validate()),
        10 => check::<RegionInput>(body, |v| v.validate()),
        11 => check::<LoginRequest>(body, |_| Ok(())),
        12 => check::<ChangePasswordRequest>(body, |_| Ok(())),
        13 => check::<LayoutInput>(body, |v| v.validate(Resource::Customer, &[])),
        14 => check::<ColumnsInput>(body, |v| v.validate(Resource::Contact, &[])),
        15 => check::<ProductCreate>(body, |v| v.validate()),
        16 => check::<ProductUpdate>(body, |v| v.validate()),
        17 => check::<PriceListCreate>(body, |v| v.validate()),
        18 => check::<PriceListUpdate>(body, |v| v.validate(day, None)),
        19 => check::<QuoteCreate>(body, |v| v.validate()),
        20 => check::<QuoteUpdate>(body, |v| v.validate(day, Some(day))),
        21 => check::<CompanyProfileInput>(body, |v| v.validate()),
        22 => check::<QuoteDecision>(body, |_| Ok(())),
        23 => check::<ContractCreate>(body, |v| v.validate()),
        24 => check::<ContractUpdate>(body, |v| v.validate(Some(day), None)),
        25 => check::<ContractSign>(body, |_| Ok(())),
        26 => check::<ContractReason>(body, |_| Ok(())),
        27 => check::<ApprovalTemplateInput>(body, |v| v.validate()),
        28 => check::<ApprovalDecision>(body, |_| Ok(())),
        29 => check::<PaymentPlanCreate>(body, |v| v.validate()),
        30 => check::<PaymentCreate>(body, |v| v.validate()),
        31 => check::<ApiClientCreate>(body, |v| v.validate()),
        32 => check::<ApiClientUpdate>(body, |v| v.validate()),
        33 => check::<ApiClientRotate>(body, |v| v.validate()),
        34 => check::<FinancePayment>(body, |v| v.validate()),
        35 => check::<WebhookCreate>(body, |v| v.validate()),
        36 => check::<WebhookUpdate>(body, |v| v.validate(which % 2 == 0)),
        // 37: the small bodies of token operations.
        _ => {
            check::<ResetPasswordRequest>(body, |_| Ok(()));
            check::<RefreshRequest>(body, |_| Ok(()));
            check::<LogoutRequest>(body, |_| Ok(()));
        }
    }
});
