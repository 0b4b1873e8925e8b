//! Typed helpers, one block per module: they speak the API in `kaidan_shared`'s DTOs, so a
//! story reads like the recipe (`app.sign_in("rep_east1")`, `app.customer_create(&rep, &input)`)
//! and a change of a DTO breaks the stories at compile time rather than at run time.
//!
//! Each helper asserts the status a successful call answers; a story that expects a refusal
//! uses `request`/`post`/`patch` and looks at the problem.

use kaidan_shared::auth::TokenResponse;
use kaidan_shared::contact::{Contact, ContactInput, ContactUpdate};
use kaidan_shared::customer::{Customer, CustomerCreate, CustomerDetail, CustomerUpdate};
use kaidan_shared::user::{User, UserCreate, UserUpdate};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::{Resp, TestApp, PASSWORD};
use reqwest::Method;

/// A signed-in demo user: the access token and who they are.
pub struct SignedIn {
    pub token: String,
    pub user: kaidan_shared::auth::Me,
}

fn body<T: DeserializeOwned>(r: Resp) -> T {
    serde_json::from_value(r.body).expect("the answer matches its DTO")
}

fn json(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).expect("a DTO serialises")
}

/// Sign-in.
impl TestApp {
    /// Signs in as a demo user (every demo password is the same).
    pub async fn sign_in(&self, username: &str) -> SignedIn {
        let t: TokenResponse = body(self.login_full(username, PASSWORD).await.expect(200));
        SignedIn {
            token: t.access_token,
            user: t.user,
        }
    }
}

/// Customers.
impl TestApp {
    /// Creates a customer (with `force`, so the duplicate check does not stop it).
    pub async fn customer_create(&self, who: &SignedIn, input: &CustomerCreate) -> CustomerDetail {
        let input = CustomerCreate {
            force: true,
            ..input.clone()
        };
        body(
            self.post(&who.token, "/api/v1/customers", json(&input))
                .await
                .expect(201),
        )
    }

    /// Reads a customer with its contacts and its ETag.
    pub async fn customer_get(&self, who: &SignedIn, id: Uuid) -> (CustomerDetail, String) {
        let r = self
            .get(&who.token, &format!("/api/v1/customers/{id}"))
            .await
            .expect(200);
        let etag = r.etag();
        (body(r), etag)
    }

    pub async fn customer_update(
        &self,
        who: &SignedIn,
        id: Uuid,
        etag: &str,
        input: &CustomerUpdate,
    ) -> Customer {
        body(
            self.patch(
                &who.token,
                &format!("/api/v1/customers/{id}"),
                etag,
                json(input),
            )
            .await
            .expect(200),
        )
    }
}

/// Contacts.
impl TestApp {
    pub async fn contact_create(
        &self,
        who: &SignedIn,
        customer_id: Uuid,
        input: &ContactInput,
    ) -> Contact {
        body(
            self.post(
                &who.token,
                &format!("/api/v1/customers/{customer_id}/contacts"),
                json(input),
            )
            .await
            .expect(201),
        )
    }

    pub async fn contact_update(
        &self,
        who: &SignedIn,
        contact: &Contact,
        input: &ContactUpdate,
    ) -> Contact {
        body(
            self.patch(
                &who.token,
                &format!("/api/v1/contacts/{}", contact.id),
                &format!("\"{}\"", contact.version),
                json(input),
            )
            .await
            .expect(200),
        )
    }
}

/// Users.
impl TestApp {
    pub async fn user_create(&self, admin: &SignedIn, input: &UserCreate) -> User {
        body(
            self.post(&admin.token, "/api/v1/users", json(input))
                .await
                .expect(201),
        )
    }

    pub async fn user_update(&self, admin: &SignedIn, user: &User, input: &UserUpdate) -> User {
        body(
            self.patch(
                &admin.token,
                &format!("/api/v1/users/{}", user.id),
                &format!("\"{}\"", user.version),
                json(input),
            )
            .await
            .expect(200),
        )
    }
}

/// Option lists and custom fields.
impl TestApp {
    pub async fn option_lists(
        &self,
        who: &SignedIn,
    ) -> Vec<kaidan_shared::option_list::OptionList> {
        body(
            self.get(&who.token, "/api/v1/option-lists")
                .await
                .expect(200),
        )
    }

    pub async fn option_list(
        &self,
        who: &SignedIn,
        key: &str,
    ) -> kaidan_shared::option_list::OptionList {
        self.option_lists(who)
            .await
            .into_iter()
            .find(|l| l.key == key)
            .unwrap_or_else(|| panic!("no option list {key}"))
    }

    pub async fn option_list_create(
        &self,
        who: &SignedIn,
        input: &kaidan_shared::option_list::OptionListCreate,
    ) -> kaidan_shared::option_list::OptionList {
        body(
            self.post(&who.token, "/api/v1/option-lists", json(input))
                .await
                .expect(201),
        )
    }

    pub async fn fields(&self, who: &SignedIn, resource: &str) -> kaidan_shared::field::FieldSet {
        body(
            self.get(&who.token, &format!("/api/v1/fields?resource={resource}"))
                .await
                .expect(200),
        )
    }

    pub async fn field_create(
        &self,
        who: &SignedIn,
        input: &kaidan_shared::field::FieldDefCreate,
    ) -> kaidan_shared::field::FieldDef {
        body(
            self.post(&who.token, "/api/v1/fields", json(input))
                .await
                .expect(201),
        )
    }

    pub async fn field_update(
        &self,
        who: &SignedIn,
        field: &kaidan_shared::field::FieldDef,
        input: &kaidan_shared::field::FieldDefUpdate,
    ) -> kaidan_shared::field::FieldDef {
        body(
            self.patch(
                &who.token,
                &format!("/api/v1/fields/{}", field.id),
                &format!("\"{}\"", field.version),
                json(input),
            )
            .await
            .expect(200),
        )
    }

    pub async fn layout(&self, who: &SignedIn, resource: &str) -> kaidan_shared::layout::Layout {
        body(
            self.get(&who.token, &format!("/api/v1/layouts/{resource}"))
                .await
                .expect(200),
        )
    }

    /// PUT a layout over `current` (its version is the If-Match); the raw answer.
    pub async fn layout_save(
        &self,
        who: &SignedIn,
        current: &kaidan_shared::layout::Layout,
        input: &kaidan_shared::layout::LayoutInput,
    ) -> Resp {
        let etag = format!("\"{}\"", current.version);
        self.request(
            Method::PUT,
            &format!("/api/v1/layouts/{}", current.resource.as_str()),
            Some(&who.token),
            Some(&json(input)),
            &[("if-match", &etag)],
        )
        .await
    }

    /// PUT the caller's own list columns; the raw answer.
    pub async fn columns_set(&self, who: &SignedIn, resource: &str, columns: &[&str]) -> Resp {
        self.request(
            Method::PUT,
            &format!("/api/v1/layouts/{resource}/columns"),
            Some(&who.token),
            Some(&serde_json::json!({ "columns": columns })),
            &[],
        )
        .await
    }
}

/// Public pools.
impl TestApp {
    /// Creates a pool (as an admin) for `region` (`None`: company-wide) with `rules`.
    pub async fn pool_create(
        &self,
        admin: &SignedIn,
        name: &str,
        region: Option<Uuid>,
        rules: &kaidan_shared::pool::PoolRules,
    ) -> kaidan_shared::pool::Pool {
        let input = kaidan_shared::pool::PoolCreate {
            name: name.into(),
            region_id: region,
            rules: Some(rules.clone()),
        };
        body(
            self.post(&admin.token, "/api/v1/pools", json(&input))
                .await
                .expect(201),
        )
    }

    /// Releases a customer into its pool with `reason`.
    pub async fn pool_release(&self, who: &SignedIn, customer: Uuid, reason: &str) -> Customer {
        let input = kaidan_shared::pool::ReleaseRequest {
            reason: reason.into(),
        };
        body(
            self.post(
                &who.token,
                &format!("/api/v1/customers/{customer}/release"),
                json(&input),
            )
            .await
            .expect(200),
        )
    }

    /// Claims a customer from its pool; the raw answer (claims are often refused).
    pub async fn pool_claim(&self, who: &SignedIn, customer: Uuid) -> Resp {
        self.post(
            &who.token,
            &format!("/api/v1/customers/{customer}/claim"),
            serde_json::json!({}),
        )
        .await
    }

    /// Every customer of a pool the caller sees (all pages).
    pub async fn pool_customers(&self, who: &SignedIn, pool: Uuid) -> Vec<Customer> {
        let mut out = Vec::new();
        let mut path = format!("/api/v1/pools/{pool}/customers?limit=200");
        loop {
            let page: kaidan_shared::page::Page<Customer> =
                body(self.get(&who.token, &path).await.expect(200));
            out.extend(page.items);
            match page.next_cursor {
                Some(c) => path = format!("/api/v1/pools/{pool}/customers?limit=200&cursor={c}"),
                None => break,
            }
        }
        out
    }

    /// The caller's claim quota.
    pub async fn pool_quota(&self, who: &SignedIn) -> kaidan_shared::pool::ClaimQuota {
        body(self.get(&who.token, "/api/v1/pool-quota").await.expect(200))
    }
}

/// Visits.
impl TestApp {
    pub async fn visit_create(
        &self,
        who: &SignedIn,
        input: &kaidan_shared::visit::VisitCreate,
    ) -> kaidan_shared::visit::Visit {
        body(
            self.post(&who.token, "/api/v1/visits", json(input))
                .await
                .expect(201),
        )
    }

    pub async fn visit_get(&self, who: &SignedIn, id: Uuid) -> kaidan_shared::visit::Visit {
        body(
            self.get(&who.token, &format!("/api/v1/visits/{id}"))
                .await
                .expect(200),
        )
    }

    /// Checks a visit in (without `If-Match`, as the offline queue does).
    pub async fn visit_check_in(
        &self,
        who: &SignedIn,
        id: Uuid,
        input: &kaidan_shared::visit::CheckIn,
    ) -> kaidan_shared::visit::Visit {
        body(
            self.post(
                &who.token,
                &format!("/api/v1/visits/{id}/check-in"),
                json(input),
            )
            .await
            .expect(200),
        )
    }

    pub async fn visit_check_out(&self, who: &SignedIn, id: Uuid) -> kaidan_shared::visit::Visit {
        body(
            self.request(
                Method::POST,
                &format!("/api/v1/visits/{id}/check-out"),
                Some(&who.token),
                None,
                &[],
            )
            .await
            .expect(200),
        )
    }

    pub async fn visit_update(
        &self,
        who: &SignedIn,
        visit: &kaidan_shared::visit::Visit,
        input: &kaidan_shared::visit::VisitUpdate,
    ) -> kaidan_shared::visit::Visit {
        body(
            self.patch(
                &who.token,
                &format!("/api/v1/visits/{}", visit.id),
                &format!("\"{}\"", visit.version),
                json(input),
            )
            .await
            .expect(200),
        )
    }

    /// One page of the visit list (`query` without `?`).
    pub async fn visit_list(
        &self,
        who: &SignedIn,
        query: &str,
    ) -> kaidan_shared::page::Page<kaidan_shared::visit::Visit> {
        body(
            self.get(&who.token, &format!("/api/v1/visits?{query}"))
                .await
                .expect(200),
        )
    }
}

/// Follow-up tasks.
impl TestApp {
    pub async fn follow_up_create(
        &self,
        who: &SignedIn,
        input: &kaidan_shared::follow_up::FollowUpCreate,
    ) -> kaidan_shared::follow_up::FollowUp {
        body(
            self.post(&who.token, "/api/v1/follow-ups", json(input))
                .await
                .expect(201),
        )
    }

    pub async fn follow_up_get(
        &self,
        who: &SignedIn,
        id: Uuid,
    ) -> kaidan_shared::follow_up::FollowUp {
        body(
            self.get(&who.token, &format!("/api/v1/follow-ups/{id}"))
                .await
                .expect(200),
        )
    }

    /// An action on a task (`done`, `snooze`, `cancel`, `reopen`) without `If-Match`, whatever
    /// the answer.
    pub async fn follow_up_act(
        &self,
        who: &SignedIn,
        id: Uuid,
        action: &str,
        input: Option<serde_json::Value>,
    ) -> Resp {
        self.request(
            Method::POST,
            &format!("/api/v1/follow-ups/{id}/{action}"),
            Some(&who.token),
            input.as_ref(),
            &[],
        )
        .await
    }

    /// One page of the task list (`query` without `?`).
    pub async fn follow_up_list(
        &self,
        who: &SignedIn,
        query: &str,
    ) -> kaidan_shared::page::Page<kaidan_shared::follow_up::FollowUp> {
        body(
            self.get(&who.token, &format!("/api/v1/follow-ups?{query}"))
                .await
                .expect(200),
        )
    }

    /// The kinds of the caller's notifications, newest first.
    pub async fn notification_kinds(&self, who: &SignedIn) -> Vec<String> {
        let r = self
            .get(&who.token, "/api/v1/notifications?limit=100")
            .await
            .expect(200);
        r.body["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|n| n["kind"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Photos.
impl TestApp {
    /// Sends `bytes` as a visit's photo (multipart, one part `file`), whatever the answer.
    pub async fn photo_upload(&self, token: &str, visit: &str, bytes: Vec<u8>) -> Resp {
        self.upload(
            token,
            &format!("/api/v1/visits/{visit}/photos"),
            bytes,
            "photo.jpg",
        )
        .await
    }

    /// A contract's document (`name` as the phone's file picker gives it).
    pub async fn document_upload(
        &self,
        token: &str,
        contract: &str,
        bytes: Vec<u8>,
        name: &str,
    ) -> Resp {
        self.upload(
            token,
            &format!("/api/v1/contracts/{contract}/documents"),
            bytes,
            name,
        )
        .await
    }

    /// A multipart upload of one part named `file`.
    pub async fn upload(&self, token: &str, path: &str, bytes: Vec<u8>, name: &str) -> Resp {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
        let res = self
            .client
            .post(format!("{}{path}", self.address))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.json().await.unwrap_or(serde_json::Value::Null);
        Resp {
            status,
            headers,
            body,
        }
    }
}

/// A small, whole PDF (one blank page), as a scanner app would send it.
pub fn small_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n\
trailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec()
}

/// A small photo as a phone would send it (8 × 8 JPEG).
pub fn small_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([30, 160, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("a JPEG encodes");
    out.into_inner()
}

/// Products and price lists.
impl TestApp {
    pub async fn product_create(
        &self,
        who: &SignedIn,
        input: &kaidan_shared::product::ProductCreate,
    ) -> kaidan_shared::product::Product {
        body(
            self.post(&who.token, "/api/v1/products", json(input))
                .await
                .expect(201),
        )
    }

    pub async fn product_update(
        &self,
        who: &SignedIn,
        p: &kaidan_shared::product::Product,
        input: &kaidan_shared::product::ProductUpdate,
    ) -> kaidan_shared::product::Product {
        body(
            self.patch(
                &who.token,
                &format!("/api/v1/products/{}", p.id),
                &format!("\"{}\"", p.version),
                json(input),
            )
            .await
            .expect(200),
        )
    }

    /// One page of the catalogue for `query` (`q=…&active=true`).
    pub async fn product_list(
        &self,
        who: &SignedIn,
        query: &str,
    ) -> kaidan_shared::page::Page<kaidan_shared::product::Product> {
        body(
            self.get(&who.token, &format!("/api/v1/products?{query}"))
                .await
                .expect(200),
        )
    }

    pub async fn price_list_create(
        &self,
        who: &SignedIn,
        input: &kaidan_shared::product::PriceListCreate,
    ) -> kaidan_shared::product::PriceListDetail {
        body(
            self.post(&who.token, "/api/v1/price-lists", json(input))
                .await
                .expect(201),
        )
    }
}
