//! The company's own particulars: the letterhead of every printed quote and contract.

use serde::{Deserialize, Serialize};

use crate::error::{FieldCode, FieldError};
use crate::validate::{credit_code_is_valid, limits, Errors};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanyProfile {
    /// Empty until an admin sets it.
    #[cfg_attr(feature = "openapi", schema(example = "杭州开单科技有限公司"))]
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
    pub version: i64,
}

/// The whole profile, replaced (admins).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompanyProfileInput {
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "杭州开单科技有限公司",
            min_length = 1,
            max_length = 200,
            pattern = r"\S"
        )
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub address: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 32))]
    pub phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254))]
    pub email: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
    )]
    pub credit_code: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub bank_name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub bank_account: Option<String>,
}

impl CompanyProfileInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, limits::NAME);
        e.optional_text("address", self.address.as_deref(), limits::ADDRESS);
        e.phone(
            "phone",
            self.phone.as_deref().filter(|p| !p.trim().is_empty()),
        );
        e.email(
            "email",
            self.email.as_deref().filter(|p| !p.trim().is_empty()),
        );
        if let Some(c) = self
            .credit_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if !credit_code_is_valid(c) {
                e.add(
                    "credit_code",
                    FieldCode::InvalidChecksum,
                    "not a valid unified social credit code",
                );
            }
        }
        e.optional_text("bank_name", self.bank_name.as_deref(), limits::NAME);
        e.optional_text("bank_account", self.bank_account.as_deref(), 64);
        e.finish()
    }
}
