//! `TestApp`: a server on 127.0.0.1:0 over a fresh SQLite database holding a small fixture and one user
//! per role; helpers log in through the real login form or use API tokens.

use fidelis_domain::{Entity, Role};
use fidelis_server::auth::{PasswordCost, hash_password, random_token, token_hash};
use fidelis_server::{Application, Settings};
use fidelis_store::Store;
use fidelis_store::import::{ImportOptions, import_file};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use std::net::SocketAddr;
use std::sync::Arc;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub store: Arc<Store>,
    _dir: tempfile::TempDir,
}

/// A logged-in browser: its session cookie and the CSRF token its pages carry.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub const PASSWORD: &str = "test password 123";

const FIXTURE: &[(Entity, &str)] = &[
    (
        Entity::Channels,
        "id,name,kind,cost_per_contact\nWEB,Web,web,0.20\nCC,Centre d'appels,call_centre,4\n",
    ),
    (
        Entity::Products,
        "id,name,category,kind,price\nP1,Forfait 20 Go,mobile,subscription,19.99\n",
    ),
    (
        Entity::Customers,
        "id,first_name,last_name,email,phone,city,acquisition_channel,attr.card\n\
         C1,Anne,Durand,anne@example.fr,06 12 34 56 78,Béziers,WEB,gold\n\
         C2,<b>Paul</b>,Martin,,,Lyon,,\n\
         C3,Léa,Durandal,lea@example.fr,,Paris,,\n",
    ),
    (
        Entity::Consents,
        "customer_id,channel,purpose,status,date\nC1,email,marketing,granted,2024-01-01\n",
    ),
    (
        Entity::Transactions,
        "id,customer_id,product_id,channel_id,time,amount\nT1,C1,P1,WEB,2024-03-01T10:00:00Z,1234.56\n",
    ),
    (
        Entity::Interactions,
        "customer_id,channel_id,direction,operation,time,outcome\nC1,CC,inbound,complaint,2024-03-05T09:00:00Z,resolved\n",
    ),
];

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Settings::default()).await
    }

    /// A server with these settings (a configuration directory, for instance).
    pub async fn spawn_with(settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("app.db").display());
        let store = Store::open(&url).await.expect("open store");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
        for (entity, text) in FIXTURE {
            let path = dir.path().join(format!("{entity}.csv"));
            std::fs::write(&path, text).expect("write fixture");
            let summary = import_file(&store, &path, &ImportOptions::new(*entity, today), &|_| {})
                .await
                .expect("import");
            assert_eq!(
                summary.rejected, 0,
                "fixture rejects: {:?}",
                summary.first_rejects
            );
        }
        let cost = PasswordCost {
            memory_kib: 64,
            iterations: 1,
        };
        for role in Role::ALL {
            let hash = hash_password(PASSWORD, cost).expect("hash");
            store
                .create_user(role.as_str(), &hash, role, chrono::Utc::now())
                .await
                .expect("user");
        }
        let app = Application::build("127.0.0.1:0".parse().expect("addr"), store, settings)
            .await
            .expect("bind");
        let addr = app.local_addr().expect("local addr");
        let store = app.store();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            addr,
            client,
            store,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GET without credentials.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// GET with a session cookie.
    pub async fn get_as(&self, session: &Session, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header(COOKIE, &session.cookie)
            .send()
            .await
            .expect("request")
    }

    /// A page's text, GET with a session and the browser's `Accept-Language`.
    pub async fn get_in(&self, session: &Session, path: &str, accept_language: &str) -> String {
        self.client
            .get(self.url(path))
            .header(COOKIE, &session.cookie)
            .header("accept-language", accept_language)
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("page text")
    }

    /// GET with an API token.
    pub async fn get_with_token(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// POST a form (`pairs` url-encoded) with optional cookies.
    pub async fn post_form(
        &self,
        path: &str,
        cookie: Option<&str>,
        pairs: &[(&str, &str)],
    ) -> reqwest::Response {
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        let mut request = self
            .client
            .post(self.url(path))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.join("&"));
        if let Some(c) = cookie {
            request = request.header(COOKIE, c);
        }
        request.send().await.expect("request")
    }

    /// Logs in through the login form, as a browser would.
    pub async fn login(&self, username: &str) -> Session {
        self.try_login(username, PASSWORD)
            .await
            .expect("login succeeds")
    }

    pub async fn try_login(&self, username: &str, password: &str) -> Option<Session> {
        let page = self.get("/login").await;
        let login_cookie = set_cookie(&page, "fidelis_login_csrf").expect("login CSRF cookie");
        let html = page.text().await.expect("login page");
        let csrf = hidden_value(&html, "csrf");
        let cookie = format!("fidelis_login_csrf={login_cookie}");
        let response = self
            .post_form(
                "/login",
                Some(&cookie),
                &[
                    ("username", username),
                    ("password", password),
                    ("csrf", &csrf),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "login answers with a redirect");
        let session = set_cookie(&response, "fidelis_session").filter(|v| !v.is_empty())?;
        let cookie = format!("fidelis_session={session}");
        let home = self
            .get_as(
                &Session {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                },
                "/",
            )
            .await
            .text()
            .await
            .expect("home");
        Some(Session {
            cookie,
            csrf: hidden_value(&home, "csrf"),
        })
    }

    /// Creates an API token for a user directly in the store.
    pub async fn api_token(&self, username: &str) -> String {
        let (user, _) = self
            .store
            .user_credentials(username)
            .await
            .expect("store")
            .expect("user");
        let token = random_token();
        self.store
            .create_api_token(user.id, "test", &token_hash(&token), chrono::Utc::now())
            .await
            .expect("token");
        token
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
        })
}

/// The value of the first hidden input named `name` in a page.
pub fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
        .to_owned()
}

/// Percent-encodes a query value.
pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
