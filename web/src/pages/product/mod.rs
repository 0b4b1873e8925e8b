//! The catalogue: products (everyone looks prices up; admins and product managers keep them)
//! and price lists with their prices.

pub mod form;
pub mod list;
pub mod price_list;

crate::lazy_page!(
    /// The catalogue, loaded when first opened.
    ProductsRoute => list::ProductsPage
);
crate::lazy_page!(
    /// A new product or an edit, loaded when first opened.
    ProductFormRoute => form::ProductFormPage
);
crate::lazy_page!(
    /// The price lists, loaded when first opened.
    PriceListsRoute => price_list::PriceListsPage
);
crate::lazy_page!(
    /// One price list and its prices, loaded when first opened.
    PriceListRoute => price_list::PriceListPage
);

use kaidan_shared::opportunity::format_yuan;
use kaidan_shared::option_list::builtin;
use kaidan_shared::product::Product;

use crate::i18n::Lang;
use crate::options::Catalog;

/// A product's built-in field as a list cell shows it.
pub fn builtin_text(p: &Product, key: &str, catalog: Catalog, lang: Lang) -> Option<String> {
    match key {
        "code" => Some(p.code.clone()),
        "name" => Some(p.name.clone()),
        "category" => p
            .category
            .as_deref()
            .map(|c| catalog.label(builtin::PRODUCT_CATEGORY, c, lang)),
        "unit" => p
            .unit
            .as_deref()
            .map(|u| catalog.label(builtin::PRODUCT_UNIT, u, lang)),
        "spec" => p.spec.clone(),
        "list_price" => Some(format_yuan(p.list_price)),
        "tax_rate" => Some(format!("{}%", p.tax_rate)),
        "description" => p.description.clone(),
        _ => None,
    }
}
