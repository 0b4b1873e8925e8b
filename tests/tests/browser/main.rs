//! Browser stories: headless Chromium (Debian's `chromium` + `chromium-driver`) driven over
//! WebDriver against a real Kaidan server on a fresh database, at a phone viewport (390×844) and a
//! desktop viewport (1280×800). Each step saves a screenshot under `tests/screenshots/`.
//!
//! Needs the built app in `web/dist` (`scripts/build-web`; `scripts/test` runs it first).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use kaidan_tests::{spawn_app_with, TestApp, PASSWORD};
use serde_json::json;

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 800);

fn dist_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/dist")
}

struct Browser {
    client: Client,
    driver: Child,
    base: String,
    shots: PathBuf,
    step: usize,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

async fn open(app: &TestApp, story: &str, (w, h): (u32, u32)) -> Browser {
    // Two TLS back-ends are linked into the test binary; WebDriver on loopback needs either.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver runs (scripts/setup installs Debian's chromium-driver)");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-extensions", "--lang=zh-CN",
                format!("--window-size={w},{h}")
            ]
        }),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let client = loop {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => break c,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start Chromium through chromedriver: {e}"),
        }
    };
    let viewport = if w < 600 { "phone" } else { "desktop" };
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("screenshots")
        .join(format!("{viewport}-{story}-{}", app.backend));
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    Browser {
        client,
        driver,
        base: app.address.clone(),
        shots,
        step: 0,
    }
}

impl Browser {
    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{}", self.base, path))
            .await
            .unwrap();
        // `fetched_wasm` reads the page's resource timing entries, which Chromium stops
        // recording at 250 by default; a lazy screen with its shared chunks loads more than that.
        let _ = self
            .client
            .execute("performance.setResourceTimingBufferSize(100000);", vec![])
            .await;
    }

    async fn shot(&mut self, name: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.unwrap();
        let file = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&file, png).unwrap();
    }

    async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => {
                let page = self.evidence().await;
                panic!("{css} did not appear: {e}; {page}")
            }
        }
    }

    /// What the page showed when a wait failed: its URL and text, and a screenshot beside the
    /// story's others (`FAILED.png`), so a failure in CI can be read without a rerun.
    async fn evidence(&self) -> String {
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(self.shots.join("FAILED.png"), png);
        }
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let text = match self.client.find(Locator::Css("body")).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        format!("page {url} showed: {text:?}")
    }

    /// The text of the whole page.
    async fn page_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the element's text contains `text`.
    async fn wait_text(&self, css: &str, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if t.contains(text) {
                        return;
                    }
                    last = t;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let page = self.evidence().await;
        panic!("{css} never showed {text:?}; last text: {last:?}; {page}");
    }

    /// Waits until no element matches.
    async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self
                .client
                .find_all(Locator::Css(css))
                .await
                .map(|v| v.is_empty())
                .unwrap_or(false)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} is still there");
    }

    /// On the customer list, filters by the custom field `purchase_cycle`: "quarter" shows
    /// nothing, "year" shows `name` (a customer whose cycle is a year).
    async fn filters_by_purchase_cycle(&mut self, name: &str) {
        self.goto("/customers").await;
        self.wait_text("[data-testid=customer-list]", name).await;
        self.click("[aria-expanded]").await;
        self.select("#flt-custom-purchase_cycle", "quarter").await;
        self.wait_gone("[data-testid=customer-list] li").await;
        self.select("#flt-custom-purchase_cycle", "year").await;
        self.wait_text("[data-testid=customer-list]", name).await;
    }

    /// Clicks the first element matching `css` whose text contains `text`.
    async fn click_text(&self, css: &str, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            for el in self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default()
            {
                if el.text().await.unwrap_or_default().contains(text) {
                    let arg = serde_json::to_value(&el).unwrap();
                    self.client
                        .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
                        .await
                        .unwrap();
                    el.click().await.unwrap();
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no {css} shows {text:?}");
    }

    /// Chooses the option with `value` in a select, once the option is there (lists load
    /// after the form).
    async fn select(&self, css: &str, value: &str) {
        let option = format!("{css} option[value='{value}']");
        self.wait(&option).await;
        self.wait(css).await.select_by_value(value).await.unwrap();
    }

    /// Sets a date input as its picker would (typing into one depends on the locale's format).
    async fn fill_date(&self, css: &str, date: &str) {
        self.wait(css).await;
        self.client
            .execute(
                "const i = document.querySelector(arguments[0]); i.value = arguments[1]; \
                 i.dispatchEvent(new Event('input', {bubbles: true})); \
                 i.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![json!(css), json!(date)],
            )
            .await
            .unwrap();
    }

    async fn fill(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    /// Clicks like a person would: the element is brought to the middle of the screen first, so
    /// the phone's fixed tab bar does not cover it.
    /// A screen that re-renders between finding the element and the tap (a count arriving) is
    /// looked up again rather than failing the story.
    async fn click(&self, css: &str) {
        let mut tries = 0;
        loop {
            let el = self.wait(css).await;
            let arg = serde_json::to_value(&el).unwrap();
            let tapped = match self
                .client
                .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
                .await
            {
                Ok(_) => el.click().await,
                Err(e) => Err(e),
            };
            match tapped {
                Ok(()) => return,
                Err(e) if tries < 5 && is_stale(&e) => tries += 1,
                Err(e) => panic!("clicking {css}: {e}"),
            }
        }
    }

    /// Taps `css` if it is on the screen now; the screen may be going away.
    async fn tap_if_there(&self, css: &str) {
        if let Ok(el) = self.client.find(Locator::Css(css)).await {
            let _ = el.click().await;
        }
    }

    async fn login(&mut self, user: &str, password: &str) {
        self.goto("/login").await;
        self.fill("#username", user).await;
        self.fill("#password", password).await;
        self.click("button[type=submit]").await;
    }

    /// What a script in the page can read of storage and cookies.
    async fn script_visible_storage(&self) -> String {
        self.client
            .execute(
                "return JSON.stringify(localStorage) + '|' + JSON.stringify(sessionStorage) + '|' + document.cookie",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The wasm files the page has fetched so far (file names only).
    async fn fetched_wasm(&self) -> Vec<String> {
        let names = self
            .client
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)\
                 .filter(n => n.endsWith('.wasm')).map(n => n.split('/').pop());",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(names).unwrap()
    }

    /// Runs a Chromium DevTools command in the page (chromedriver's `goog/cdp/execute`).
    async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        let c = Driver {
            path: "goog/cdp/execute",
            body: json!({"cmd": cmd, "params": params}),
        };
        self.client
            .issue_cmd(c)
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    /// Puts the phone at `lat, lng` with an `accuracy_m` fix (DevTools' geolocation override, the
    /// page allowed to ask by the WebDriver permissions command).
    async fn place_phone(&self, lat: f64, lng: f64, accuracy_m: f64) {
        let allow = Driver {
            path: "permissions",
            body: json!({"descriptor": {"name": "geolocation"}, "state": "granted"}),
        };
        self.client.issue_cmd(allow).await.unwrap();
        self.cdp(
            "Emulation.setGeolocationOverride",
            json!({"latitude": lat, "longitude": lng, "accuracy": accuracy_m}),
        )
        .await;
    }

    /// Cuts the page's network, or gives it back (DevTools' network emulation: requests fail,
    /// `navigator.onLine` turns false and the page hears `offline` / `online`).
    async fn network(&self, up: bool) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": !up, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await;
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Ends the WebDriver session; dropping the browser then stops chromedriver.
    async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A WebDriver command chromedriver adds to the standard ones: `POST /session/{id}/{path}`.
#[derive(Debug)]
struct Driver {
    path: &'static str,
    body: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Driver {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/{}",
            session.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

async fn spawn() -> TestApp {
    assert!(
        dist_dir().join("index.html").is_file(),
        "web/dist is not built: run scripts/build-web (scripts/test does it first)"
    );
    spawn_app_with(|s| s.web.dist_dir = Some(dist_dir())).await
}

/// rep_east1 signs in, creates a customer with a contact, finds it by search and edits it; a
/// second customer with the same phone raises the duplicate warning.
async fn rep_creates_finds_and_edits(viewport: (u32, u32)) {
    let app = spawn().await;
    // The company's own field: a purchase cycle, from a list of its own.
    let admin = app.login("admin").await;
    app.post(
        &admin,
        "/api/v1/option-lists",
        json!({"key": "purchase_cycle", "name_zh": "采购周期", "name_en": "Purchase cycle",
               "options": [{"key": "quarter", "label_zh": "按季度", "label_en": "Quarterly"},
                           {"key": "year", "label_zh": "按年度", "label_en": "Yearly"}]}),
    )
    .await
    .expect(201);
    app.post(
        &admin,
        "/api/v1/fields",
        json!({"resource": "customer", "key": "purchase_cycle", "label_zh": "采购周期",
               "label_en": "Purchase cycle", "kind": "choice", "option_list": "purchase_cycle",
               "filterable": true}),
    )
    .await
    .expect(201);
    let mut b = open(&app, "rep", viewport).await;
    b.login("rep_east1", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.wait_text("[data-testid=who]", "李明").await;
    b.shot("signed-in").await;

    b.click("[data-testid=new-customer]").await;
    b.fill("#f-name", "杭州西溪数据科技有限公司").await;
    b.fill("#f-phone", "0571-8765 4321").await;
    b.select("#f-industry", "information_technology").await;
    b.select("#f-custom-purchase_cycle", "quarter").await;
    b.fill("input[name='contacts.name']", "陈晓").await;
    b.fill("input[name='contacts.phones']", "13912345678").await;
    b.shot("new-customer-form").await;
    b.click("[data-testid=save]").await;
    b.wait_text("[data-testid=customer-name]", "杭州西溪数据科技有限公司")
        .await;
    b.wait_text("[data-testid=contact]", "陈晓").await;
    // Options and the custom field show by their labels.
    b.wait_text("[data-testid=customer-detail]", "信息技术")
        .await;
    b.wait_text(
        "[data-testid=customer-detail] [data-custom=purchase_cycle]",
        "按季度",
    )
    .await;
    let tel = b.wait("[data-testid=contact] a[href^='tel:']").await;
    assert_eq!(
        tel.attr("href").await.unwrap().as_deref(),
        Some("tel:13912345678")
    );
    b.shot("customer-detail").await;

    b.goto("/customers").await;
    b.fill("#q", "西溪").await;
    b.wait_text("[data-testid=customer-list]", "杭州西溪数据科技有限公司")
        .await;
    b.shot("search").await;
    b.click("[data-testid=customer-list] a").await;
    b.click("[data-testid=edit-customer]").await;
    b.select("#f-industry", "electronics").await;
    b.select("#f-custom-purchase_cycle", "year").await;
    b.click("[data-testid=save]").await;
    b.wait_text("[data-testid=customer-detail]", "电子制造")
        .await;
    b.wait_text(
        "[data-testid=customer-detail] [data-custom=purchase_cycle]",
        "按年度",
    )
    .await;
    // The history names the custom field by its label.
    b.wait_text(".history", "采购周期").await;
    // The list filters by it.
    b.filters_by_purchase_cycle("杭州西溪数据科技有限公司")
        .await;
    b.shot("custom-filter").await;
    b.shot("edited").await;

    b.goto("/customers/new").await;
    b.fill("#f-name", "西溪数据").await;
    b.fill("#f-phone", "(0571) 87654321").await;
    b.click("[data-testid=save]").await;
    b.wait_text("[data-testid=duplicates]", "杭州西溪数据科技有限公司")
        .await;
    b.shot("duplicate-warning").await;
    // The form keeps what was typed, and "create anyway" goes ahead.
    let name = b.wait("#f-name").await.prop("value").await.unwrap();
    assert_eq!(name.as_deref(), Some("西溪数据"));
    b.click("[data-testid=create-anyway]").await;
    b.wait_text("[data-testid=customer-name]", "西溪数据").await;
    b.shot("created-anyway").await;
    b.close().await;
}

/// rep_east2 does not see rep_east1's customer; sup_east1 does and transfers it to rep_east2.
async fn supervisor_transfers(viewport: (u32, u32)) {
    let app = spawn().await;
    let rep1 = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep1, json!({"name": "苏州金鸡湖贸易有限公司"}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();

    let mut b = open(&app, "transfer", viewport).await;
    b.login("rep_east2", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.fill("#q", "金鸡湖").await;
    b.wait_text(".state.empty", "").await;
    b.wait_gone("[data-testid=customer-list] li").await;
    b.shot("rep2-sees-nothing").await;
    b.goto(&format!("/customers/{id}")).await;
    b.wait_text(".state.error", "未找到").await;
    b.shot("rep2-direct-link-refused").await;

    // Sign out through the app, then the supervisor signs in.
    b.goto("/me").await;
    b.click("[data-testid=sign-out]").await;
    b.wait("#username").await;
    b.login("sup_east1", PASSWORD).await;
    b.wait_text("[data-testid=customer-list]", "苏州金鸡湖贸易有限公司")
        .await;
    // With customers on the list, the detail screen's code is fetched ahead of the tap.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b
        .fetched_wasm()
        .await
        .iter()
        .any(|n| n.contains("customer_detail_route"))
    {
        assert!(
            Instant::now() < deadline,
            "the detail screen was not prefetched"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.shot("supervisor-list").await;
    b.goto(&format!("/customers/{id}")).await;
    b.click("[data-testid=transfer-open]").await;
    let select = b.wait("#transfer-to").await;
    b.wait("#transfer-to option[value]:not([value=''])").await;
    select
        .select_by_value(&app.user("rep_east2"))
        .await
        .unwrap();
    b.fill("#transfer-reason", "区域调整").await;
    b.shot("transfer-form").await;
    b.click("[data-testid=transfer-submit]").await;
    b.wait_text("[data-testid=customer-detail]", "张静").await;
    b.shot("transferred").await;
    b.close().await;

    let rep2 = app.login("rep_east2").await;
    app.get(&rep2, &format!("/api/v1/customers/{id}"))
        .await
        .expect(200);
}

/// English switch, wrong password error, sign-out, and coming back to the page after sign-in.
async fn language_errors_and_sign_out(viewport: (u32, u32)) {
    let app = spawn().await;
    let mut b = open(&app, "session", viewport).await;
    // A first visit is sent to sign in, and not told that a session it never had expired.
    b.goto("/").await;
    b.wait("#username").await;
    let first = b.page_text().await;
    assert!(
        !first.contains("登录已过期") && !first.contains("expired"),
        "a first visit has no session to expire: {first}"
    );
    b.login("rep_east1", "not-my-password").await;
    b.wait_text("[data-testid=login-error]", "用户名或密码错误")
        .await;
    b.shot("wrong-password").await;

    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait("[data-testid=customer-list]").await;
    // No token where a script could read it: the refresh token is an HttpOnly cookie.
    let visible = b.script_visible_storage().await;
    for secret in ["refresh", "access_token", "eyJ"] {
        assert!(
            !visible.contains(secret),
            "{secret} readable by scripts: {visible}"
        );
    }
    // A reload (a fresh page load) signs in again silently through the cookie.
    b.goto("/me").await;
    b.click("[data-testid=lang-en]").await;
    b.wait_text("nav.tabs", "Customers").await;
    b.wait_text("main", "Change password").await;
    b.shot("english").await;

    b.click("[data-testid=sign-out]").await;
    b.wait("#username").await;
    assert_eq!(b.path().await, "/login");
    b.wait_text("button[type=submit]", "Sign in").await;
    b.shot("signed-out").await;

    // A signed-out visit to a page comes back to it after signing in.
    b.goto("/me").await;
    b.wait("#username").await;
    b.fill("#username", "rep_east1").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_text("main", "Change password").await;
    assert_eq!(b.path().await, "/me");
    b.shot("back-where-they-were").await;

    // `next` never leads to another site, however it is spelled.
    b.click("[data-testid=sign-out]").await;
    b.wait("#username").await;
    b.goto("/login?next=%2F%5Cexample.com%2Fphish").await;
    b.fill("#username", "rep_east1").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait("[data-testid=customer-list]").await;
    assert_eq!(b.path().await, "/customers");
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.host_str(), Some("127.0.0.1"));

    // A session that really ends (an admin resets the password) says so on the sign-in page.
    let admin = app.login("admin").await;
    app.post(
        &admin,
        &format!("/api/v1/users/{}/reset-password", app.user("rep_east1")),
        serde_json::json!({"new_password": "Xq7-anchor-lantern-92"}),
    )
    .await
    .expect(204);
    // The page's next request finds the session ended: the bell's count on the next screen
    // change, or one still in flight from signing in (then the tab may be gone before the tap).
    b.tap_if_there("nav.tabs a[href='/me']").await;
    b.wait("#username").await;
    b.wait_text("main.login", "Your session has expired").await;
    b.shot("session-ended").await;
    b.close().await;
}

/// How many photos the server holds for the visit whose id is `id` (a JSON string).
async fn photo_count(app: &TestApp, token: &str, id: &serde_json::Value) -> usize {
    let path = format!("/api/v1/visits/{}/photos", id.as_str().unwrap());
    let r = app.get(token, &path).await.expect(200);
    r.body.as_array().unwrap().len()
}

/// rep_east1's token, a new customer of theirs at `at` (its id), a photo for the "camera", and a
/// browser signed in as the rep, at the customer list.
async fn rep_at_customer(
    app: &TestApp,
    name: &str,
    at: (f64, f64),
    story: &str,
    viewport: (u32, u32),
) -> (String, String, PathBuf, Browser) {
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": name, "lat": at.0, "lng": at.1}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let photo = std::env::temp_dir().join(format!("kaidan-{story}-{}.jpg", uuid::Uuid::now_v7()));
    std::fs::write(&photo, kaidan_tests::records::small_jpeg()).unwrap();
    let mut b = open(app, story, viewport).await;
    b.login("rep_east1", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    (rep, id, photo, b)
}

/// A rep at a customer's door on a phone: plans a visit from the customer, checks in where the
/// phone says it is (the browser's geolocation answers 300 m north of the customer), records the
/// visit with a next follow-up date, adds a photo from the "camera" and checks out; the follow-up
/// task the date made is on their list. Their supervisor sees the check-in on the team's day.
async fn rep_visits_a_customer(viewport: (u32, u32)) {
    let app = spawn().await;
    let (rep, id, photo, mut b) = rep_at_customer(
        &app,
        "杭州拱墅纺机有限公司",
        (30.3191, 120.1427),
        "visit",
        viewport,
    )
    .await;
    b.goto(&format!("/customers/{id}")).await;
    b.click("[data-testid=new-visit]").await;
    b.wait("[data-testid=visit-form]").await;
    b.shot("plan").await;
    b.click("[data-testid=visit-now]").await;
    b.wait("[data-testid=check-in]").await;
    // The phone is 300 m north of the customer, with a 15 m fix.
    b.place_phone(30.3191 + 300.0 / 111_195.0, 120.1427, 15.0)
        .await;
    b.shot("before-check-in").await;
    b.click("[data-testid=check-in]").await;
    b.wait_text("[data-testid=visit-status]", "已签到").await;
    b.wait_text("[data-testid=check-in-distance]", "300").await;
    b.shot("checked-in").await;

    b.fill("#f-notes", "设备科长在场，要求现场测试").await;
    b.select("#f-outcome", "follow_up").await;
    b.fill("#f-next-step", "带样品再访").await;
    let next = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive();
    b.client
        .execute(
            "const i = document.querySelector('#f-next-date'); i.value = arguments[0]; \
             i.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(next.to_string())],
        )
        .await
        .unwrap();
    b.click("[data-testid=save-record]").await;
    // The visit read again after the save (created 1, checked in 2, recorded 3).
    b.wait("[data-testid=visit-detail][data-version='3']").await;
    let input = b.wait("[data-testid=photo-input]").await;
    input.send_keys(photo.to_str().unwrap()).await.unwrap();
    b.wait("[data-testid=photo-thumb]").await;
    b.shot("recorded-with-photo").await;
    b.click("[data-testid=check-out]").await;
    b.wait_text("[data-testid=visit-status]", "已完成").await;
    b.shot("checked-out").await;

    // The server kept what the phone sent, and the next date made a follow-up task.
    let visits = app
        .get(&rep, &format!("/api/v1/visits?customer_id={id}"))
        .await
        .expect(200);
    let v = &visits.body["items"][0];
    assert_eq!(v["notes"], "设备科长在场，要求现场测试");
    assert_eq!(v["next_follow_up_on"], next.to_string());
    let d = v["check_in"]["distance_m"].as_u64().unwrap();
    assert!((295..=305).contains(&d), "{d}");
    assert_eq!(photo_count(&app, &rep, &v["id"]).await, 1);
    b.goto("/follow-ups").await;
    b.wait_text("[data-testid=task-list]", "带样品再访").await;
    b.shot("follow-up-task").await;

    // The supervisor's team day: the visit, and the plot of where it was.
    b.goto("/me").await;
    b.click("[data-testid=sign-out]").await;
    b.wait("#username").await;
    b.login("sup_east1", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.goto("/visits").await;
    b.click("[data-testid=team-day]").await;
    b.wait_text("[data-testid=visit-list]", "杭州拱墅纺机有限公司")
        .await;
    b.wait("[data-testid=visit-plot] circle").await;
    // The week per rep: the visit done today counts for its rep.
    b.wait_text("[data-testid=week-stats] [data-testid=week-row]", "李明")
        .await;
    b.shot("team-day").await;
    b.close().await;
    let _ = std::fs::remove_file(&photo);
}

/// A rep in a basement, on a phone: checks in (the position from DevTools' geolocation) and adds
/// a photo while the network holds; then the network goes (DevTools' network emulation) and the
/// rep writes the visit, takes another photo, reloads the app — it opens from the phone, for the
/// same rep, showing the visit as they left it — and checks out; the day's list shows 待同步.
/// The server has none of it until the network is back; then the queue sends it once, in order,
/// and the server holds exactly one visit with everything on it.
#[tokio::test]
async fn phone_rep_logs_a_visit_offline_and_it_syncs_once() {
    let app = spawn().await;
    let (rep, customer, photo, mut b) = rep_at_customer(
        &app,
        "嘉兴地下车间有限公司",
        (30.7469, 120.7555),
        "offline-visit",
        PHONE,
    )
    .await;
    // The app's files are kept by the service worker before the rep heads underground.
    let controlled = "return navigator.serviceWorker.ready.then(() => \
        new Promise(r => { const t = Date.now(); (function f() { \
        if (navigator.serviceWorker.controller || Date.now() - t > 10000) r(!!navigator.serviceWorker.controller); \
        else setTimeout(f, 100); })(); }));";
    let ok = b.client.execute(controlled, vec![]).await.unwrap();
    assert_eq!(ok, json!(true), "the service worker controls the page");
    b.goto(&format!("/customers/{customer}")).await;
    b.click("[data-testid=new-visit]").await;
    b.click("[data-testid=visit-now]").await;
    b.wait("[data-testid=check-in]").await;
    b.place_phone(30.7469, 120.7555, 12.0).await;
    b.click("[data-testid=check-in]").await;
    b.wait_text("[data-testid=visit-status]", "已签到").await;
    let input = b.wait("[data-testid=photo-input]").await;
    input.send_keys(photo.to_str().unwrap()).await.unwrap();
    b.wait("[data-testid=photo-thumb]").await;
    let visit_path = b.path().await;
    // The day's plan opened once with a network (kept on the phone).
    b.click("[data-testid=tab-visits]").await;
    b.wait_text("[data-testid=visit-list]", "嘉兴地下车间有限公司")
        .await;
    b.goto(&visit_path).await;
    b.wait_text("[data-testid=visit-status]", "已签到").await;
    b.shot("online-checked-in").await;

    // No network.
    b.network(false).await;
    let online = b
        .client
        .execute("return navigator.onLine", vec![])
        .await
        .unwrap();
    assert_eq!(online, json!(false));
    b.fill("#f-notes", "地下室没有信号，客户同意试用").await;
    b.select("#f-outcome", "interested").await;
    b.click("[data-testid=save-record]").await;
    b.wait("[data-testid=queued-note]").await;
    b.wait_text("[data-testid=sync-badge]", "待同步 (1)").await;
    let input = b.wait("[data-testid=photo-input]").await;
    input.send_keys(photo.to_str().unwrap()).await.unwrap();
    b.wait("[data-testid=photo-waiting]").await;
    b.wait_text("[data-testid=sync-badge]", "待同步 (2)").await;
    b.shot("offline-recorded").await;

    // The app reopens without a network, for the same rep, with the visit as they left it.
    b.goto(&visit_path).await;
    b.wait("[data-testid=offline-copy]").await;
    b.wait_text("[data-testid=who]", "").await;
    let notes = b
        .client
        .execute("return document.querySelector('#f-notes').value", vec![])
        .await
        .unwrap();
    assert_eq!(notes, json!("地下室没有信号，客户同意试用"));
    b.wait("[data-testid=photo-waiting]").await;
    b.click("[data-testid=check-out]").await;
    b.wait_text("[data-testid=visit-status]", "已完成").await;
    b.wait_text("[data-testid=sync-badge]", "待同步 (3)").await;
    b.click("[data-testid=tab-visits]").await;
    b.wait("[data-testid=offline-copy]").await;
    b.wait_text("[data-testid=sync-list]", "嘉兴地下车间有限公司")
        .await;
    b.wait_text("[data-testid=visit-list]", "已完成").await;
    b.shot("offline-day").await;

    // The server has nothing of it yet.
    let list = format!("/api/v1/visits?customer_id={customer}");
    let r = app.get(&rep, &list).await.expect(200);
    assert_eq!(r.body["items"][0]["status"], "checked_in");
    assert!(r.body["items"][0]["notes"].is_null());

    // The network is back: the queue goes, once, in order.
    b.network(true).await;
    b.wait_gone("[data-testid=sync-badge]").await;
    let r = app.get(&rep, &list).await.expect(200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "exactly one visit: {items:?}");
    let v = &items[0];
    assert_eq!(v["status"], "done");
    assert_eq!(v["notes"], "地下室没有信号，客户同意试用");
    assert_eq!(v["outcome"], "interested");
    let d = v["duration_s"].as_u64().unwrap();
    assert!(d < 600, "the visit's own minutes, not the wait: {d}");
    assert_eq!(photo_count(&app, &rep, &v["id"]).await, 2);
    b.shot("synced").await;
    b.close().await;
    let _ = std::fs::remove_file(&photo);
}

/// A tile server on another origin, as an admin would configure one: every tile is the same small
/// image; the count is of tiles asked for.
async fn tile_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let served = std::sync::Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let tile = kaidan_tests::records::small_jpeg();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let (count, tile) = (count.clone(), tile.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    return;
                }
                count.fetch_add(1, Ordering::SeqCst);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    tile.len()
                );
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(&tile).await;
            });
        }
    });
    (
        format!("http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"),
        served,
    )
}

/// A supervisor on a phone opens the team's day with tiles configured: the map's code loads on
/// that page (it is not part of the first screen), the tiles come from the configured origin —
/// which the page's policy allows, nothing is blocked — and each customer and check-in is a mark,
/// the far one flagged; the admin's attribution is shown as text, not markup.
#[tokio::test]
async fn phone_supervisor_sees_the_team_day_on_the_map() {
    use kaidan_shared::visit::{CheckIn, VisitCreate};
    let app = spawn().await;
    let (tiles, served) = tile_server().await;
    let admin = app.login("admin").await;
    let s = app.get(&admin, "/api/v1/visit-settings").await.expect(200);
    app.request(
        reqwest::Method::PUT,
        "/api/v1/visit-settings",
        Some(&admin),
        Some(&json!({"radius_m": 500, "tile_url": tiles, "tile_attribution": "测试底图 <b>x</b>"})),
        &[("if-match", &s.etag())],
    )
    .await
    .expect(200);
    let rep = app.sign_in("rep_east1").await;
    for (name, north_m) in [("西湖图书批发", 40.0), ("滨江电子商城", 2_000.0)] {
        let c = app
            .create_customer(
                &rep.token,
                json!({"name": name, "lat": 30.25, "lng": 120.16}),
            )
            .await;
        let v = app
            .visit_create(
                &rep,
                &VisitCreate {
                    customer_id: c["id"].as_str().unwrap().parse().unwrap(),
                    ..Default::default()
                },
            )
            .await;
        let at = CheckIn {
            lat: 30.25 + north_m / 111_195.0,
            lng: 120.16,
            accuracy_m: 10.0,
            set_customer_location: false,
            device_at: None,
        };
        app.visit_check_in(&rep, v.id, &at).await;
    }
    let mut b = open(&app, "team-map", PHONE).await;
    b.login("sup_east1", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.goto("/visits").await;
    b.wait("[data-testid=team-day]").await;
    let before: i64 = b
        .client
        .execute(
            "window.__blocked = []; document.addEventListener('securitypolicyviolation', \
             (e) => window.__blocked.push(e.violatedDirective + ' ' + e.blockedURI)); \
             return document.querySelectorAll('script[src*=\"/map-\"]').length;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(
        before, 0,
        "the map's code is not loaded before the map is shown"
    );
    b.click("[data-testid=team-day]").await;
    b.wait_text("[data-testid=visit-list]", "滨江电子商城")
        .await;
    b.wait("[data-testid=visit-map] .leaflet-tile-loaded").await;
    b.wait("[data-testid=visit-map] path.map-check-in.flagged")
        .await;
    b.shot("team-map").await;
    let marks = b
        .client
        .execute(
            "const m = document.querySelector('[data-testid=visit-map]'); \
             return [m.querySelectorAll('path.map-customer').length, \
                     m.querySelectorAll('path.map-check-in').length, \
                     m.querySelectorAll('path.map-check-in.flagged').length, \
                     m.querySelector('.leaflet-control-attribution').textContent, \
                     m.querySelectorAll('.leaflet-control-attribution b').length, \
                     window.__blocked.join(', ')];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(marks[0], 2, "{marks}");
    assert_eq!(marks[1], 2, "{marks}");
    assert_eq!(marks[2], 1, "{marks}");
    assert!(
        marks[3].as_str().unwrap().contains("测试底图 <b>x</b>"),
        "{marks}"
    );
    assert_eq!(marks[4], 0, "{marks}");
    assert_eq!(
        marks[5], "",
        "nothing blocked by the page's policy: {marks}"
    );
    assert!(served.load(std::sync::atomic::Ordering::SeqCst) > 0);

    // The admin moves the tiles to another server: this page's policy still names the old one,
    // so its browser refuses the new tiles — and the page says to reload rather than showing an
    // empty map without a word.
    let (moved, _) = tile_server().await;
    let s = app.get(&admin, "/api/v1/visit-settings").await.expect(200);
    app.request(
        reqwest::Method::PUT,
        "/api/v1/visit-settings",
        Some(&admin),
        Some(&json!({"radius_m": 500, "tile_url": moved})),
        &[("if-match", &s.etag())],
    )
    .await
    .expect(200);
    b.click_text("button", "我的拜访").await;
    b.click("[data-testid=team-day]").await;
    b.wait("[data-testid=map-stale]").await;
    b.shot("team-map-stale").await;
    // After a reload the page allows the new origin: its tiles load, nothing is refused.
    b.goto("/visits").await;
    b.click("[data-testid=team-day]").await;
    b.wait("[data-testid=visit-map] .leaflet-tile-loaded").await;
    assert!(b
        .client
        .find_all(Locator::Css("[data-testid=map-stale]"))
        .await
        .unwrap()
        .is_empty());
    b.close().await;
}

#[tokio::test]
async fn phone_rep_visits_a_customer() {
    rep_visits_a_customer(PHONE).await;
}

#[tokio::test]
async fn desktop_rep_visits_a_customer() {
    rep_visits_a_customer(DESKTOP).await;
}

#[tokio::test]
async fn phone_rep_creates_finds_and_edits() {
    rep_creates_finds_and_edits(PHONE).await;
}

#[tokio::test]
async fn desktop_rep_creates_finds_and_edits() {
    rep_creates_finds_and_edits(DESKTOP).await;
}

#[tokio::test]
async fn phone_supervisor_transfers() {
    supervisor_transfers(PHONE).await;
}

#[tokio::test]
async fn desktop_supervisor_transfers() {
    supervisor_transfers(DESKTOP).await;
}

#[tokio::test]
async fn phone_language_errors_and_sign_out() {
    language_errors_and_sign_out(PHONE).await;
}

#[tokio::test]
async fn desktop_language_errors_and_sign_out() {
    language_errors_and_sign_out(DESKTOP).await;
}

/// An admin creates a sales rep on the admin screen; the new rep can sign in at once.
#[tokio::test]
async fn desktop_admin_creates_a_user() {
    let app = spawn().await;
    let mut b = open(&app, "admin", DESKTOP).await;
    b.login("admin", PASSWORD).await;
    // The admin screen is a lazy route: its code comes when it is opened, not with the first screen.
    b.wait("[data-testid=customer-list]").await;
    let first = b.fetched_wasm().await;
    assert!(
        first.iter().any(|n| n == "kaidan-web_bg.wasm"),
        "the first screen's module: {first:?}"
    );
    assert!(
        !first.iter().any(|n| n.contains("admin_route")),
        "the admin screen's code came with the first screen: {first:?}"
    );
    b.click("a[href='/admin']").await;
    b.wait_text("main", "rep_east1").await;
    b.wait("[data-testid=route-progress][hidden]").await;
    let opened = b.fetched_wasm().await;
    assert!(
        opened.iter().any(|n| n.contains("admin_route")),
        "opening the admin screen fetched its code: {opened:?}"
    );
    b.fill("[data-testid=new-user] #f-username", "rep_east9")
        .await;
    b.fill("[data-testid=new-user] #f-display_name", "新同事")
        .await;
    b.fill("[data-testid=new-user] #f-password", "westlake-2026-spring")
        .await;
    b.shot("new-user-form").await;
    b.click("[data-testid=new-user] button[type=submit]").await;
    b.wait_text("main", "rep_east9").await;
    b.shot("user-created").await;
    // Someone guessed rep_east2's password: the admin sees the locked address and clears it.
    for _ in 0..5 {
        app.login_full("rep_east2", "someone-guessing")
            .await
            .expect(401);
    }
    app.login_full("rep_east2", PASSWORD).await.expect(429);
    b.click("li[data-username=rep_east2] [data-testid=sign-in-locks]")
        .await;
    b.wait_text(
        "li[data-username=rep_east2] [data-testid=locked-addresses]",
        "127.0.0.1",
    )
    .await;
    b.shot("sign-in-locks").await;
    b.click("li[data-username=rep_east2] [data-testid=clear-locks]")
        .await;
    b.wait_gone("li[data-username=rep_east2] [data-testid=locked-addresses]")
        .await;
    b.close().await;
    app.login_full("rep_east9", "westlake-2026-spring")
        .await
        .expect(200);
    app.login_full("rep_east2", PASSWORD).await.expect(200);
}

/// An admin on a phone registers an ERP as an API client placed in one team, copies its secret
/// (shown once), and later disables it; the secret works until then and not after.
#[tokio::test]
async fn phone_admin_registers_an_api_client_and_disables_it() {
    let app = spawn().await;
    let mut b = open(&app, "api-client", PHONE).await;
    b.login("admin", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.click("a[href='/admin']").await;
    b.wait_text("main", "rep_east1").await;
    b.click_text("[role=tab]", "开放平台").await;
    // Nothing chosen: the server says what is missing, next to it.
    b.fill("#client-name", "金蝶云星空").await;
    b.click("[data-testid=new-client] button[type=submit]")
        .await;
    b.wait_text("[data-testid=new-client] fieldset .field-error", "必填")
        .await;
    b.click("[data-testid=new-client] input[data-scope='customers:read']")
        .await;
    b.click("[data-testid=new-client] input[data-scope='payments:write']")
        .await;
    let east1 = app.team_id("华东一组").await;
    b.select("#new-client-place", &format!("t:{east1}")).await;
    b.fill("#new-client-ips", "127.0.0.1").await;
    b.shot("new-client-form").await;
    b.click("[data-testid=new-client] button[type=submit]")
        .await;
    let id = b
        .wait("[data-testid=client-id]")
        .await
        .text()
        .await
        .unwrap();
    let secret = b
        .wait("[data-testid=secret-value]")
        .await
        .text()
        .await
        .unwrap();
    assert!(secret.starts_with("kds_"), "{secret}");
    b.wait_text(
        "li[data-client='金蝶云星空']",
        "customers:read payments:write",
    )
    .await;
    b.wait_text("li[data-client='金蝶云星空']", "华东一组")
        .await;
    b.shot("client-secret").await;

    // The secret works for what was chosen, in the team chosen.
    let token = app.client_token(id.trim(), secret.trim(), None).await;
    app.get(&token, "/api/v1/customers").await.expect(200);
    let r = app.get(&token, "/api/v1/leads").await.expect(403);
    assert_eq!(r.code(), "insufficient_scope");

    // Saved; then disabled from the phone: its token stops at once.
    b.click_text("[data-testid=client-secret] button", "我已保存")
        .await;
    b.wait_gone("[data-testid=client-secret]").await;
    // Disabling asks first; the admin says yes.
    b.client
        .execute("window.confirm = () => true;", vec![])
        .await
        .unwrap();
    b.click("li[data-client='金蝶云星空'] [data-testid=toggle]")
        .await;
    b.wait_text("li[data-client='金蝶云星空']", "已停用").await;
    b.shot("client-disabled").await;
    b.close().await;
    app.get(&token, "/api/v1/customers").await.expect(401);
}

/// An admin on a phone subscribes an ERP client to new customers at its URL, sees the signing
/// secret once, and after a rep's new customer reads the delivery in the log and sends it again.
#[tokio::test]
async fn phone_admin_subscribes_a_client_to_events_and_reads_the_delivery_log() {
    use kaidan_api::jobs::webhook_delivery::{Deliverer, WebhookSettings};
    use kaidan_api::outbound::{Outbound, OutboundSettings};
    let app = spawn().await;
    let rx = kaidan_tests::receiver::Receiver::start().await;
    let admin = app.login("admin").await;
    let team = app.team_id("华东一组").await;
    app.register_client(
        &admin,
        json!({"name": "用友 ERP", "scopes": ["customers:read"], "team_id": team}),
    )
    .await;
    let mut b = open(&app, "webhook", PHONE).await;
    b.login("admin", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.click("a[href='/admin']").await;
    b.wait_text("main", "rep_east1").await;
    b.click_text("[role=tab]", "事件推送").await;
    b.wait("[data-testid=new-webhook]").await;
    // Plain http on the machine itself is refused next to the address …
    b.fill("#webhook-url", &rx.url).await;
    b.click("[data-testid=new-webhook] input[data-event='customer.created']")
        .await;
    b.click("[data-testid=new-webhook] button[type=submit]")
        .await;
    b.wait_text("[data-testid=new-webhook]", "格式不正确").await;
    // … unless allowed as an on-premise target.
    b.click_text("[data-testid=new-webhook] label.check", "允许内网地址")
        .await;
    // An event the client's scopes do not cover is refused next to the events.
    b.click("[data-testid=new-webhook] input[data-event='contract.approved']")
        .await;
    b.click("[data-testid=new-webhook] button[type=submit]")
        .await;
    b.wait_text("[data-testid=new-webhook] fieldset .field-error", "不允许")
        .await;
    b.click("[data-testid=new-webhook] input[data-event='contract.approved']")
        .await;
    b.fill("#webhook-description", "新客户同步").await;
    b.shot("new-webhook-form").await;
    b.click("[data-testid=new-webhook] button[type=submit]")
        .await;
    let secret = b
        .wait("[data-testid=webhook-secret-value]")
        .await
        .text()
        .await
        .unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let row = format!("li[data-webhook='{}']", rx.url);
    b.wait_text(&row, "customer.created").await;
    b.shot("webhook-secret").await;

    // A rep's new customer in 华东一组 is delivered, signed with that secret.
    let rep = app.login("rep_east1").await;
    app.create_customer(&rep, json!({"name": "常州武进电机有限公司"}))
        .await;
    let deliverer = Deliverer::new(
        app.jobs.clone(),
        Outbound::new(&OutboundSettings::default()).unwrap(),
        WebhookSettings::default(),
    );
    deliverer.run().await.unwrap();
    let got = rx.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["data"]["name"], "常州武进电机有限公司");
    let ts: i64 = got[0].header("webhook-timestamp").unwrap().parse().unwrap();
    let sig = kaidan_api::services::webhook::sign(
        secret.trim(),
        got[0].header("webhook-id").unwrap(),
        ts,
        &got[0].body,
    )
    .unwrap();
    assert_eq!(got[0].header("webhook-signature"), Some(sig.as_str()));

    // The log on the phone: delivered, with the target's answer; sent again on request.
    b.click_text(&format!("{row} button"), "推送记录").await;
    b.wait_text("[data-testid=delivery-log]", "已送达").await;
    b.wait_text("[data-testid=delivery-log]", "HTTP 200").await;
    b.shot("webhook-log").await;
    b.click("[data-testid=delivery-log] [data-testid=redeliver]")
        .await;
    b.wait_text("[data-testid=delivery-log]", "等待重试").await;
    deliverer.run().await.unwrap();
    assert_eq!(rx.got().len(), 2);
    assert_eq!(rx.got()[1].body, got[0].body);
    b.close().await;
}

/// The built app is served with an index fallback for client routes, pre-compressed bodies for
/// clients that accept them, and long caching only for content-hashed files.
#[tokio::test]
async fn the_app_is_served_precompressed_with_cache_rules() {
    let app = spawn().await;
    let get = |path: String, enc: &'static str| {
        let client = reqwest::Client::builder()
            .no_gzip()
            .no_brotli()
            .build()
            .unwrap();
        let url = format!("{}{}", app.address, path);
        async move {
            client
                .get(url)
                .header("accept-encoding", enc)
                .send()
                .await
                .unwrap()
        }
    };
    let index = get("/customers/some-id".into(), "identity").await;
    assert_eq!(index.status().as_u16(), 200);
    assert_eq!(index.headers()["cache-control"], "no-cache");
    let html = index.text().await.unwrap();
    let wasm = html
        .split(['\'', '"'])
        .find(|s| s.ends_with("_bg.wasm"))
        .expect("index names the wasm")
        .to_owned();

    let br = get(wasm.clone(), "br, gzip").await;
    assert_eq!(br.status().as_u16(), 200);
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["content-type"], "application/wasm");
    assert_eq!(
        br.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    // The split app's other modules sit in the same hashed folder and are cached like it.
    let folder = wasm
        .rsplit_once('/')
        .expect("the wasm sits in the app's folder")
        .0;
    let loader = get(format!("{folder}/__wasm_split.js"), "gzip").await;
    assert_eq!(loader.status().as_u16(), 200);
    assert_eq!(loader.headers()["content-type"], "text/javascript");
    assert_eq!(
        loader.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let gz = get(wasm.clone(), "gzip").await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let plain = get(wasm.clone(), "identity").await;
    assert!(plain.headers().get("content-encoding").is_none());
    let raw = plain.bytes().await.unwrap();
    assert_eq!(
        &raw[..4],
        b"\0asm",
        "the uncompressed body is the wasm itself"
    );
}

/// A release replaced the app while a rep had it open: the screen they open next has no code on
/// the server any more. The app reloads itself once (the new index names the new app); when the
/// code still cannot be fetched, it says so with a reload link instead of freezing or looping.
#[tokio::test]
async fn phone_a_screen_whose_code_is_gone_reloads_then_says_so() {
    let dist = std::env::temp_dir().join(format!("kaidan-dist-{}", uuid::Uuid::now_v7()));
    copy_dir(&dist_dir(), &dist);
    let app = spawn_app_with({
        let dist = dist.clone();
        move |s| s.web.dist_dir = Some(dist)
    })
    .await;
    let mut b = open(&app, "load-failed", PHONE).await;
    b.login("admin", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    let mut removed = 0;
    for entry in walk(&dist) {
        if entry.to_string_lossy().contains("admin_route") {
            std::fs::remove_file(entry).unwrap();
            removed += 1;
        }
    }
    assert!(removed > 0, "the build has an admin route module");
    b.click("a[href='/admin']").await;
    // The first failure reloads the page, which brings the latest app (here: the same, still
    // missing the screen's code).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let at = b
            .client
            .execute(
                "return sessionStorage.getItem('kaidan.reloaded_at');",
                vec![],
            )
            .await
            .unwrap();
        if !at.is_null() {
            break;
        }
        assert!(Instant::now() < deadline, "the app did not reload itself");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.wait("[data-testid=customer-list]").await;
    assert!(b
        .client
        .find(Locator::Css("[data-testid=load-failed]"))
        .await
        .is_err());
    // A second failure within the minute does not reload again: it says so, with a way out.
    b.click("a[href='/admin']").await;
    b.wait_text("[data-testid=load-failed]", "页面加载失败")
        .await;
    b.wait_text("[data-testid=load-failed] a", "重新加载").await;
    b.shot("load-failed").await;
    b.close().await;
    std::fs::remove_dir_all(dist).ok();
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// At phone size, the admin gives customers a field of the company's own — a list "采购周期" with
/// two options, then a single-choice field on it, filterable — with the live preview showing it;
/// rep_east1 fills it on a new customer and filters the list by it.
#[tokio::test]
async fn phone_admin_adds_a_field_a_rep_fills_it_and_filters_by_it() {
    let app = spawn().await;
    let mut b = open(&app, "custom-field", PHONE).await;
    b.login("admin", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.click("a[href='/admin']").await;
    b.wait_text("main", "rep_east1").await;

    // The option list and its options.
    b.click_text("[role=tab]", "选项列表").await;
    b.fill("#list-label_zh", "采购周期").await;
    b.fill("#list-label_en", "Purchase cycle").await;
    b.fill("#list-key", "purchase_cycle").await;
    b.click("[data-testid=new-list] button[type=submit]").await;
    b.wait("[data-list=purchase_cycle]").await;
    for (key, zh, en) in [
        ("quarter", "按季度", "Quarterly"),
        ("year", "按年度", "Yearly"),
    ] {
        b.fill("#opt-purchase_cycle-label_zh", zh).await;
        b.fill("#opt-purchase_cycle-label_en", en).await;
        b.fill("#opt-purchase_cycle-key", key).await;
        b.click("[data-list=purchase_cycle] [data-testid=new-option] button[type=submit]")
            .await;
        b.wait(&format!("[data-list=purchase_cycle] [data-option={key}]"))
            .await;
    }
    b.shot("option-list").await;

    // The field, previewed as a rep's form will show it.
    b.click_text("[role=tab]", "自定义字段").await;
    b.fill("[data-testid=new-field] #f-label_zh", "采购周期")
        .await;
    b.fill("[data-testid=new-field] #f-label_en", "Purchase cycle")
        .await;
    b.fill("[data-testid=new-field] #f-key", "purchase_cycle")
        .await;
    b.select("#f-kind", "choice").await;
    b.select("#f-option_list", "purchase_cycle").await;
    b.click("#f-filterable").await;
    b.wait_text(".phone-preview", "采购周期").await;
    b.wait(".phone-preview option[value=quarter]").await;
    b.shot("new-field-preview").await;
    b.click("[data-testid=new-field] button[type=submit]").await;
    b.wait_text("[data-testid=fields]", "采购周期").await;
    b.shot("fields").await;
    b.close().await;

    // The rep fills it and filters by it.
    let mut b = open(&app, "custom-field-rep", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.click("[data-testid=new-customer]").await;
    b.fill("#f-name", "宁波港湾物流有限公司").await;
    b.select("#f-custom-purchase_cycle", "year").await;
    b.click("[data-testid=save]").await;
    b.wait_text(
        "[data-testid=customer-detail] [data-custom=purchase_cycle]",
        "按年度",
    )
    .await;
    b.filters_by_purchase_cycle("宁波港湾物流有限公司").await;
    b.shot("filtered").await;
    b.close().await;
}

/// At phone size, an admin puts a custom field 预算 into a new section 商务信息 of the customer
/// form (placing it, moving it with ↑/↓, watching the phone preview) and saves; rep_east1's form
/// and detail show it there; the rep adds 预算 to their own list columns (kept after a reload)
/// and sorts the list by it, largest first.
#[tokio::test]
async fn phone_admin_arranges_the_form_a_rep_picks_columns_and_sorts_by_a_field() {
    let app = spawn().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    app.post(
        &admin.token,
        "/api/v1/fields",
        json!({"resource": "customer", "key": "budget", "label_zh": "预算",
               "label_en": "Budget", "kind": "money"}),
    )
    .await
    .expect(201);
    for (name, budget) in [("小预算公司", 100_000), ("大预算公司", 90_000_000)] {
        app.post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": name, "custom": {"budget": budget}}),
        )
        .await
        .expect(201);
    }

    let mut b = open(&app, "layout", PHONE).await;
    b.login("admin", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.click("a[href='/admin']").await;
    b.wait_text("main", "rep_east1").await;
    b.click_text("[role=tab]", "布局").await;
    b.wait("[data-testid=layout-editor]").await;
    // A new section, named, and the field placed in it.
    b.click_text("[data-testid=layout-editor] button", "新增分组")
        .await;
    b.fill("#sec-1-zh", "商务信息").await;
    b.fill("#sec-1-en", "Business").await;
    b.select("#place-custom-budget", "1").await;
    b.wait("[data-section=s2] [data-ref='custom.budget']").await;
    // ↑ takes it to the end of the first section, ↓ brings it back.
    b.click("[data-ref='custom.budget'] button[aria-label='预算 上移']")
        .await;
    b.wait("[data-section=basic] [data-ref='custom.budget']")
        .await;
    b.click("[data-ref='custom.budget'] button[aria-label='预算 下移']")
        .await;
    b.wait("[data-section=s2] [data-ref='custom.budget']").await;
    b.wait_text(".phone-preview", "商务信息").await;
    b.wait(".phone-preview #f-custom-budget").await;
    b.shot("layout-editor").await;
    b.click("[data-testid=save-layout]").await;
    b.wait_text("[role=status]", "已保存").await;
    b.close().await;

    let mut b = open(&app, "layout-rep", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.click("[data-testid=new-customer]").await;
    b.wait_text("fieldset[data-section=s2] legend", "商务信息")
        .await;
    b.fill("#f-name", "中预算公司").await;
    b.fill("fieldset[data-section=s2] #f-custom-budget", "12000")
        .await;
    b.shot("form-sections").await;
    b.click("[data-testid=save]").await;
    b.wait_text("[data-testid=customer-detail]", "商务信息")
        .await;
    b.wait_text(
        "[data-testid=customer-detail] dl[data-section=s2] [data-custom=budget]",
        "12,000",
    )
    .await;

    // The rep's own columns: 预算 joins the list, and stays after a reload.
    b.goto("/customers").await;
    b.wait_text("[data-testid=customer-list]", "中预算公司")
        .await;
    b.click("[data-testid=columns-open]").await;
    b.click("[data-testid=columns] li[data-col='custom.budget'] input")
        .await;
    b.click("[data-testid=columns-save]").await;
    b.wait_text(
        "[data-testid=customer-list] [data-col='custom.budget']",
        "¥",
    )
    .await;
    b.goto("/customers").await;
    b.wait_text("[data-testid=customer-list]", "¥900,000.00")
        .await;
    b.shot("own-columns").await;

    // Sorted by 预算, largest first.
    b.click_text("button", "筛选").await;
    b.select("#flt-sort", "custom:-budget").await;
    b.wait_text("[data-testid=customer-list] li:first-child", "大预算公司")
        .await;
    b.select("#flt-sort", "custom:budget").await;
    b.wait_text("[data-testid=customer-list] li:first-child", "小预算公司")
        .await;
    b.shot("sorted").await;
    b.close().await;
}

/// On a phone: a rep releases a customer to the pool with a reason; a colleague sees the bell's
/// count, finds the customer in the pool with its phone masked and the day's quota, claims it
/// with one tap and sees the full number; the notification, tapped, is read.
#[tokio::test]
async fn phone_rep_releases_a_colleague_claims_from_the_pool() {
    let app = spawn().await;
    let rep1 = app.login("rep_east1").await;
    let c = app
        .create_customer(
            &rep1,
            json!({"name": "宁波海曙五金有限公司", "phone": "13812345678",
                   "contacts": [{"name": "陈刚", "phones": ["13998765432"]}]}),
        )
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    kaidan_api::services::notification::send(
        &app.db,
        kaidan_api::services::notification::Notice {
            user_id: app.users["rep_east2"],
            kind: kaidan_shared::notification::NotificationKind::PoolWarning,
            resource: Some(kaidan_shared::Resource::Customer),
            record_id: Some(id.parse().unwrap()),
            data: json!({"name": "宁波海曙五金有限公司", "days_left": 2}),
        },
    )
    .await
    .unwrap();

    let mut b = open(&app, "pool", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.goto(&format!("/customers/{id}")).await;
    b.click("[data-testid=release-open]").await;
    b.fill("#release-reason", "客户今年没有预算").await;
    b.shot("release-form").await;
    b.click("[data-testid=release-submit]").await;
    b.wait("[data-testid=customer-list]").await;
    b.goto("/me").await;
    b.click("[data-testid=sign-out]").await;
    b.wait("#username").await;

    b.login("rep_east2", PASSWORD).await;
    b.wait_text("[data-testid=bell-count]", "1").await;
    b.click("[data-testid=tab-pool]").await;
    b.wait_text("[data-testid=pool-list]", "宁波海曙五金有限公司")
        .await;
    b.wait_text("[data-testid=pool-list]", "138****5678").await;
    b.wait_text("[data-testid=quota-left]", "10/10").await;
    assert!(!b.page_text().await.contains("13812345678"));
    b.shot("pool-list").await;
    b.click("[data-testid=claim]").await;
    b.wait("[data-testid=claimed]").await;
    b.wait_text("[data-testid=customer-detail]", "13812345678")
        .await;
    b.wait_text(".content", "13998765432").await;
    b.shot("claimed").await;

    b.click("[data-testid=bell]").await;
    b.wait_text("[data-testid=notifications]", "宁波海曙五金有限公司")
        .await;
    b.shot("notifications").await;
    b.click("[data-testid=notification] button").await;
    b.wait_gone("[data-testid=bell-count]").await;
    b.close().await;

    let rep2 = app.login("rep_east2").await;
    let r = app
        .get(&rep2, &format!("/api/v1/customers/{id}"))
        .await
        .expect(200);
    assert_eq!(r.body["owner_id"], app.user("rep_east2"));
}

/// On a phone: a rep opens a deal from a customer (the amount typed in yuan is kept to the 分),
/// sees it on the board with its weighted total, and moves it to 赢单 with the "move to stage"
/// select; the stage history shows the move.
#[tokio::test]
async fn phone_rep_opens_a_deal_and_moves_it_to_won() {
    let app = spawn().await;
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "无锡智能装备有限公司"}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();

    let mut b = open(&app, "deal", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.goto(&format!("/customers/{id}")).await;
    b.click("[data-testid=new-deal]").await;
    b.fill("#f-name", "二期产线改造").await;
    b.fill("#f-amount", "12,345.67").await;
    b.fill("#f-next_step", "下周约技术交流").await;
    b.shot("deal-form").await;
    b.click("[data-testid=deal-save]").await;
    b.wait_text("[data-testid=deal-detail]", "¥12,345.67").await;
    b.wait_text("[data-testid=deal-stage]", "初步接洽").await;
    // The next step changes after a call: edited in the deal's form, amount kept to the 分.
    b.click("[data-testid=edit-deal]").await;
    b.fill("#f-next_step", "周五现场演示").await;
    b.click("[data-testid=deal-save]").await;
    b.wait_text("[data-testid=deal-detail]", "周五现场演示")
        .await;
    b.wait_text("[data-testid=deal-detail]", "¥12,345.67").await;

    b.click("[data-testid=tab-deals]").await;
    b.wait_text("[data-testid=board]", "二期产线改造").await;
    // 10 % of ¥12,345.67, half-up to the 分.
    b.wait_text("[data-stage=initial] [data-testid=weighted]", "¥1,234.57")
        .await;
    b.shot("board").await;

    b.select("[data-stage=initial] [data-testid=move-to]", "won")
        .await;
    b.wait_gone("[data-testid=deal]").await;
    b.shot("moved-to-won").await;
    // The won deal is in the list's 赢单 view.
    b.click("[data-testid=deal-list-link]").await;
    b.select("[data-testid=deal-status-filter]", "won").await;
    b.wait_text("[data-testid=deal-list]", "二期产线改造").await;
    b.close().await;

    let deals = app.get(&rep, "/api/v1/opportunities").await.expect(200);
    let d = &deals.body["items"][0];
    assert_eq!(d["status"], "won");
    assert_eq!(d["amount"], 1_234_567);
    let detail = app
        .get(
            &rep,
            &format!("/api/v1/opportunities/{}", d["id"].as_str().unwrap()),
        )
        .await
        .expect(200);
    assert_eq!(detail.body["stage_history"][1]["to_stage"], "won");
}

/// A rep enters a lead met at a trade show, qualifies it and converts it into a customer with a
/// deal; an existing customer with the same name is offered for attaching instead.
#[tokio::test]
async fn phone_rep_converts_a_lead() {
    let app = spawn().await;
    let rep = app.login("rep_east1").await;
    let mut b = open(&app, "lead", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.click("[data-testid=tab-leads]").await;
    b.wait_text("main", "暂无线索").await;
    b.click("[data-testid=new-lead]").await;
    b.fill("#f-name", "王磊").await;
    b.fill("#f-company", "苏州恒远精密机械有限公司").await;
    b.fill("#f-phone", "13812345678").await;
    b.select("#f-source", "trade_show").await;
    b.select("#f-province", "jiangsu").await;
    b.shot("lead-form").await;
    b.click("[data-testid=lead-save]").await;
    b.wait_text("[data-testid=lead-status]", "新线索").await;
    b.wait_text("[data-testid=lead-detail]", "展会").await;

    b.click("[data-testid=qualify]").await;
    b.wait_text("[data-testid=lead-status]", "有效").await;
    b.click("[data-testid=convert-open]").await;
    b.fill("#cv-amount", "80,000").await;
    b.shot("convert-sheet").await;
    b.click("[data-testid=convert-submit]").await;
    b.wait_text("[data-testid=customer-name]", "苏州恒远精密机械有限公司")
        .await;
    b.wait_text("main", "王磊").await;
    b.shot("converted").await;

    // The lead now says what it became and offers no more actions.
    b.click("[data-testid=tab-leads]").await;
    b.wait_text("[data-testid=lead-list]", "已转化").await;
    b.click("[data-testid=lead-row] a").await;
    b.wait("[data-testid=lead-converted]").await;
    assert!(b
        .client
        .find(fantoccini::Locator::Css("[data-testid=convert-open]"))
        .await
        .is_err());

    // A second lead of the same company: the conversion offers the customer to attach to.
    let l = app
        .post(
            &rep,
            "/api/v1/leads",
            json!({"name": "李娜", "company": "苏州恒远精密机械有限公司", "force": true}),
        )
        .await
        .expect(201);
    b.goto(&format!("/leads/{}", l.id())).await;
    b.click("[data-testid=convert-open]").await;
    b.click("[data-testid=with-deal]").await;
    b.click("[data-testid=convert-submit]").await;
    b.wait("[data-testid=convert-duplicates]").await;
    b.shot("convert-duplicates").await;
    b.click("[data-testid=attach]").await;
    b.wait_text("main", "李娜").await;
    b.close().await;

    let customers = app.get(&rep, "/api/v1/customers").await.expect(200);
    assert_eq!(customers.body["items"].as_array().unwrap().len(), 1);
    let deals = app.get(&rep, "/api/v1/opportunities").await.expect(200);
    let deals = deals.body["items"].as_array().unwrap();
    assert_eq!(deals.len(), 1);
    assert_eq!(deals[0]["amount"], 8_000_000);
}

/// On a phone, a rep's lead and deal lists work like the customer list (recipe row 20): a custom
/// field filters the leads; on the deal list the rep adds 预算 to their own columns and sorts by
/// it either way.
#[tokio::test]
async fn phone_rep_filters_leads_and_sorts_deals_by_custom_fields() {
    let app = spawn().await;
    let admin = app.sign_in("admin").await;
    let rep = app.login("rep_east1").await;
    for field in [
        json!({"resource": "lead", "key": "channel", "label_zh": "渠道", "label_en": "Channel",
               "kind": "choice", "option_list": "customer_source", "filterable": true}),
        json!({"resource": "opportunity", "key": "budget", "label_zh": "预算",
               "label_en": "Budget", "kind": "money"}),
    ] {
        app.post(&admin.token, "/api/v1/fields", field)
            .await
            .expect(201);
    }
    for (name, phone, channel) in [
        ("渠道甲", "13900000001", "website"),
        ("渠道乙", "13900000002", "referral"),
    ] {
        app.post(
            &rep,
            "/api/v1/leads",
            json!({"name": name, "phone": phone, "custom": {"channel": channel}}),
        )
        .await
        .expect(201);
    }
    let c = app.create_customer(&rep, json!({"name": "预算客户"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (name, budget) in [("小单", 100_000), ("大单", 90_000_000)] {
        app.post(
            &rep,
            "/api/v1/opportunities",
            json!({"customer_id": c, "name": name, "amount": 100, "custom": {"budget": budget}}),
        )
        .await
        .expect(201);
    }
    let mut b = open(&app, "lists", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.click("[data-testid=tab-leads]").await;
    b.wait_text("[data-testid=lead-list]", "渠道乙").await;
    b.click("[data-testid=filters-open]").await;
    b.select("#flt-custom-channel", "website").await;
    b.wait_gone("[data-testid=lead-list] li:nth-child(2)").await;
    b.wait_text("[data-testid=lead-list]", "渠道甲").await;
    b.shot("leads-filtered").await;

    b.goto("/opportunities/list").await;
    b.wait_text("[data-testid=deal-list] li:first-child", "大单")
        .await;
    b.click("[data-testid=columns-open]").await;
    b.click("[data-testid=columns] li[data-col='custom.budget'] input")
        .await;
    b.click("[data-testid=columns-save]").await;
    b.wait_text("[data-testid=deal-list] [data-col='custom.budget']", "¥")
        .await;
    b.click("[data-testid=filters-open]").await;
    b.select("#flt-sort", "custom:budget").await;
    b.wait_text("[data-testid=deal-list] li:first-child", "小单")
        .await;
    b.select("#flt-sort", "custom:-budget").await;
    b.wait_text("[data-testid=deal-list] li:first-child", "大单")
        .await;
    b.shot("deals-sorted").await;
    b.close().await;
}

fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    matches!(
        e,
        fantoccini::error::CmdError::Standard(w)
            if w.error == fantoccini::error::ErrorStatus::StaleElementReference
    )
}

/// At phone size, the admin adds a product to the catalogue (the price typed in yuan), makes a
/// price list and prices the product in it; rep_east1 looks the product up in the catalogue and
/// cannot change it.
#[tokio::test]
async fn phone_admin_keeps_the_catalogue_and_a_rep_looks_a_price_up() {
    let app = spawn().await;
    let mut b = open(&app, "catalogue", PHONE).await;
    b.login("admin", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.click("a[href='/me']").await;
    b.click("[data-testid=catalogue-link]").await;
    b.click("[data-testid=product-new]").await;
    b.fill("#f-code", "KD-PDA-X9").await;
    b.fill("#f-name", "移动数据终端 X9").await;
    b.select("#f-category", "hardware").await;
    b.fill("#f-list_price", "3,299.50").await;
    b.fill("#f-tax_rate", "13").await;
    b.shot("product-form").await;
    b.click("[data-testid=product-save]").await;
    b.wait_text("[data-testid=product-list]", "KD-PDA-X9").await;
    b.shot("catalogue").await;

    // A price list with the product at a dealer's price.
    b.click("[data-testid=price-lists-link]").await;
    b.fill("[data-testid=price-list-new] #f-name", "渠道价")
        .await;
    b.fill_date("[data-testid=price-list-new] #f-valid_from", "2026-01-01")
        .await;
    b.click("[data-testid=price-list-new] button[type=submit]")
        .await;
    b.fill("[data-testid=price-add-search]", "X9").await;
    b.click("[data-testid=price-add-go]").await;
    b.click("[data-testid=price-add-pick]").await;
    b.fill("[data-testid=price-entry] input", "2999").await;
    b.click("[data-testid=price-list-save]").await;
    b.wait_text("[data-testid=price-list-form] [role=status]", "已保存")
        .await;
    b.shot("price-list").await;
    b.close().await;
    let admin = app.login("admin").await;
    let lists = app.get(&admin, "/api/v1/price-lists").await.expect(200);
    let id = lists.body["items"][0]["id"].as_str().unwrap().to_owned();
    let list = app
        .get(&admin, &format!("/api/v1/price-lists/{id}"))
        .await
        .expect(200);
    assert_eq!(list.body["entries"][0]["price"], 299_900);
    // Typed as yuan with a thousands separator, kept to the 分.
    assert_eq!(list.body["entries"][0]["list_price"], 329_950);

    // The rep finds it and reads it; nothing to change.
    let mut b = open(&app, "catalogue-rep", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.click("a[href='/me']").await;
    b.click("[data-testid=catalogue-link]").await;
    b.fill("[data-testid=product-search]", "x9").await;
    b.click("form[role=search] button[type=submit]").await;
    b.wait_text("[data-testid=product-row]", "移动数据终端 X9")
        .await;
    assert!(b
        .client
        .find_all(Locator::Css(
            "[data-testid=product-new], [data-testid=product-row] a"
        ))
        .await
        .unwrap()
        .is_empty());
    b.shot("catalogue-rep").await;
    b.close().await;
}

/// At phone size, rep_east1 quotes a deal: finds the product, types a quantity and a discount
/// and watches the total follow (the shared function, in WebAssembly), saves, sees the total in
/// Chinese capitals on the quote, and sends it.
#[tokio::test]
async fn phone_rep_quotes_a_deal_with_live_totals_and_sends_it() {
    let app = spawn().await;
    let admin = app.login("admin").await;
    app.post(
        &admin,
        "/api/v1/products",
        json!({"code": "KD-CRM-PRO", "name": "开单CRM 专业版", "list_price": 398_000, "tax_rate": "6"}),
    )
    .await
    .expect(201);
    let company = app.get(&admin, "/api/v1/company").await.expect(200);
    app.request(
        reqwest::Method::PUT,
        "/api/v1/company",
        Some(&admin),
        Some(&json!({"name": "杭州开单科技有限公司", "phone": "0571-88886666"})),
        &[("If-Match", &company.etag())],
    )
    .await
    .expect(200);
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "宁波港湾物流有限公司"}))
        .await;
    let deal = app
        .post(
            &rep,
            "/api/v1/opportunities",
            json!({"customer_id": c["id"], "name": "港湾物流 CRM", "amount": 5_000_000}),
        )
        .await
        .expect(201)
        .id();

    let mut b = open(&app, "quote", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.goto(&format!("/opportunities/{deal}")).await;
    b.click("[data-testid=new-quote]").await;
    b.fill("#f-title", "港湾物流 CRM 报价").await;
    b.fill("[data-testid=quote-add-search]", "CRM").await;
    b.click("[data-testid=quote-add-go]").await;
    b.click("[data-testid=quote-add-pick]").await;
    // One licence at ¥3,980.00 with 6 % tax: ¥4,218.80.
    b.wait_text("[data-testid=quote-total]", "¥4,218.80").await;
    // Ten licences less 10 %: 35,820.00 + 6 % = ¥37,969.20, shown as typed.
    b.fill("[data-testid=line-quantity]", "10").await;
    b.fill("[data-testid=line-discount]", "10").await;
    b.wait_text("[data-testid=quote-total]", "¥37,969.20").await;
    b.shot("editor").await;
    b.click("[data-testid=quote-save]").await;
    b.wait_text("[data-testid=quote-capitals]", "叁万柒仟玖佰陆拾玖元贰角整")
        .await;
    // The company's letterhead heads the printable quote.
    b.wait_text("[data-testid=letterhead]", "杭州开单科技有限公司")
        .await;
    b.shot("quote").await;
    b.click("[data-testid=quote-send]").await;
    b.wait_text("[data-testid=quote-status]", "已发送").await;
    b.shot("sent").await;
    b.close().await;
    // What the phone showed is what the server stored.
    let list = app
        .get(&rep, &format!("/api/v1/quotes?opportunity_id={deal}"))
        .await
        .expect(200);
    assert_eq!(list.body["items"][0]["total"], 3_796_920);
    assert_eq!(list.body["items"][0]["status"], "sent");
}

/// At phone size, rep_east1 makes a ¥200,000 contract for a customer and submits it; sup_east1
/// sees it waiting on the 审批 tab's badge, reads the amount and approves it with one tap;
/// manager_east approves the second step; the rep sees the contract approved, with both
/// decisions on its timeline, signs it, plans an instalment and records a payment against it.
#[tokio::test]
async fn phone_contract_is_approved_by_the_supervisor_then_the_regional_manager() {
    let app = spawn().await;
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "苏州工业园精密制造有限公司"}))
        .await;
    let customer = c["id"].as_str().unwrap().to_owned();

    let mut b = open(&app, "contract-rep", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.goto(&format!("/customers/{customer}")).await;
    b.click("[data-testid=new-contract]").await;
    b.fill("#f-title", "精密制造 MES 实施合同").await;
    b.fill("#f-amount", "200,000").await;
    b.fill("#f-payment_terms", "签约后 30 日内付清").await;
    b.shot("form").await;
    b.click("[data-testid=contract-save]").await;
    b.wait_text("[data-testid=contract-amount]", "¥200,000.00")
        .await;
    b.click("[data-testid=contract-submit]").await;
    b.wait_text("[data-testid=contract-status]", "审批中").await;
    b.wait("[data-testid=approval-step]").await;
    b.shot("submitted").await;
    b.close().await;
    let list = app
        .get(&rep, &format!("/api/v1/contracts?customer_id={customer}"))
        .await
        .expect(200);
    let contract = list.body["items"][0]["id"].as_str().unwrap().to_owned();
    let approval = list.body["items"][0]["approval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(list.body["items"][0]["amount"], 20_000_000);

    // The supervisor, on a phone: the badge, the inbox, the approval, one tap.
    let mut b = open(&app, "contract-sup", PHONE).await;
    b.login("sup_east1", PASSWORD).await;
    b.wait_text("[data-testid=approvals-count]", "1").await;
    b.click("[data-testid=tab-approvals]").await;
    b.wait_text("[data-testid=approval-list]", "精密制造 MES 实施合同")
        .await;
    b.shot("inbox").await;
    b.goto(&format!("/approvals/{approval}")).await;
    b.wait_text("[data-testid=approval-amount]", "¥200,000.00")
        .await;
    b.shot("approval").await;
    b.click("[data-testid=approval-approve]").await;
    b.wait_text("[data-testid=approval-timeline]", "同意").await;
    b.close().await;

    // The regional manager decides the second step.
    let mut b = open(&app, "contract-manager", PHONE).await;
    b.login("manager_east", PASSWORD).await;
    b.goto(&format!("/approvals/{approval}")).await;
    b.fill("[data-testid=approval-comment]", "同意，注意回款")
        .await;
    b.click("[data-testid=approval-approve]").await;
    b.wait_text("[data-testid=approval-status]", "已通过").await;
    b.shot("approved").await;
    b.close().await;

    // The rep sees it approved.
    let mut b = open(&app, "contract-rep-after", PHONE).await;
    b.login("rep_east1", PASSWORD).await;
    b.goto(&format!("/contracts/{contract}")).await;
    b.wait_text("[data-testid=contract-status]", "已审批").await;
    b.wait_text("[data-testid=contract-timeline]", "同意，注意回款")
        .await;
    b.shot("rep-sees").await;
    // Signed, then the collection: an instalment of ¥80,000 and ¥50,000 received against it.
    b.click("[data-testid=contract-sign]").await;
    b.wait_text("[data-testid=contract-status]", "已签订").await;
    // The stamped copy, from the phone's files; it opens for the rep through the API.
    let scan = std::env::temp_dir().join(format!("盖章合同-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&scan, kaidan_tests::records::small_pdf()).unwrap();
    let input = b.wait("[data-testid=document-input]").await;
    input.send_keys(scan.to_str().unwrap()).await.unwrap();
    b.wait_text("[data-testid=document-name]", "盖章合同-")
        .await;
    b.wait("[data-testid=document-remove]").await;
    let _ = std::fs::remove_file(&scan);
    b.fill_date("#plan-due", "2030-03-31").await;
    b.fill("#plan-amount", "80,000").await;
    b.click("[data-testid=plan-save]").await;
    b.wait_text("[data-testid=plan-row]", "¥80,000.00").await;
    b.fill("#pay-amount", "50,000").await;
    b.fill("#pay-reference", "CMB-2026-1129").await;
    b.click("[data-testid=payment-save]").await;
    b.wait_text("[data-testid=contract-received]", "¥50,000.00")
        .await;
    b.wait_text("[data-testid=plan-row]", "部分回款").await;
    b.shot("collected").await;
    b.close().await;
    let paid = app
        .get(&rep, &format!("/api/v1/payments?contract_id={contract}"))
        .await
        .expect(200);
    assert_eq!(paid.body["items"][0]["amount"], 5_000_000);
    assert_eq!(paid.body["items"][0]["method"], "bank_transfer");
    let docs = app
        .get(&rep, &format!("/api/v1/contracts/{contract}/documents"))
        .await
        .expect(200);
    assert_eq!(docs.body[0]["kind"], "document");
    assert_eq!(
        docs.body[0]["size_bytes"],
        kaidan_tests::records::small_pdf().len()
    );
}

/// An admin adds a flow on a phone: A-level customers' contracts above ¥1,000,000 go to the
/// supervisor, then to both regional managers, who must both approve (会签); a rep's contract
/// then follows it.
#[tokio::test]
async fn phone_admin_adds_an_approval_flow_that_a_big_contract_then_follows() {
    let app = spawn().await;
    let mut b = open(&app, "approval-flow", PHONE).await;
    b.login("admin", PASSWORD).await;
    b.wait("[data-testid=customer-list]").await;
    b.click("a[href='/admin']").await;
    b.wait_text("main", "rep_east1").await;
    b.click_text("[role=tab]", "审批流程").await;
    b.wait("[data-testid=flow-row]").await;
    b.shot("flows").await;
    b.click("[data-testid=new-flow]").await;
    b.fill("#flow-name", "A 类客户大额合同").await;
    b.fill("#flow-priority", "5").await;
    b.fill("#flow-amount-over", "1,000,000").await;
    b.click("[data-testid=level-A]").await;
    b.click("[data-testid=step-add]").await;
    b.select("#step-1-kind", "users").await;
    for who in ["manager_east", "manager_south"] {
        b.click(&format!(
            "[data-testid=step-users] input[value='{}']",
            app.user(who)
        ))
        .await;
    }
    b.select("#step-1-mode", "all").await;
    b.shot("flow-form").await;
    b.click("[data-testid=flow-save]").await;
    b.wait_text("[data-testid=flow-list]", "A 类客户大额合同")
        .await;
    b.wait_text("[data-testid=flow-list]", "陈建国、林海峰（会签）")
        .await;
    b.wait_text(
        "[data-testid=flow-list]",
        "金额 > ¥1,000,000.00 · 客户等级 A",
    )
    .await;
    b.shot("flow-saved").await;
    b.close().await;

    // A rep's ¥2,000,000 contract for an A-level customer follows it.
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "宁波港务集团", "level": "A"}))
        .await;
    let id = app
        .post(
            &rep,
            "/api/v1/contracts",
            json!({"customer_id": c["id"], "title": "智慧港口一期", "amount": 200_000_000}),
        )
        .await
        .expect(201)
        .id();
    app.post(&rep, &format!("/api/v1/contracts/{id}/submit"), json!({}))
        .await
        .expect(200);
    let a = app
        .get(&rep, &format!("/api/v1/contracts/{id}/approvals"))
        .await
        .expect(200);
    let flow = &a.body[0];
    assert_eq!(flow["template_name"], "A 类客户大额合同", "{flow}");
    assert_eq!(
        flow["steps"][0]["approvers"],
        json!([app.user("sup_east1")])
    );
    assert_eq!(flow["steps"][1]["mode"], "all");
    let mut second: Vec<String> =
        serde_json::from_value(flow["steps"][1]["approvers"].clone()).unwrap();
    second.sort();
    let mut want = vec![app.user("manager_east"), app.user("manager_south")];
    want.sort();
    assert_eq!(second, want);
}
