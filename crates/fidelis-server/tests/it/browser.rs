//! End-to-end tests of the web pages in a real headless Chromium, driven over WebDriver.
//!
//! One chromedriver serves the whole test binary: started on first use on a free loopback port, in its
//! own process group, and stopped with every browser it launched by a watchdog once this process has
//! exited. Each test gets its own browser session with a fresh profile, and its own `TestApp`. The browser
//! asks for French first, like the users Fidelis is written for. Screenshots of the key pages (and of the
//! page a failing test was on) are written to `target/e2e-screenshots/`.
//!
//! Chromium and chromedriver are required, not optional: without them these tests fail and say what to
//! install (CI installs them).

use crate::harness::{PASSWORD, TestApp};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The longest a page load, a script or an awaited element may take. Pages render in milliseconds here;
/// the margin is for a loaded 2-core CI machine.
const PATIENCE: Duration = Duration::from_secs(20);

/// Flags that run Chromium headless as root without network (see /work/shared/STACK.md).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1280,1000",
    "--lang=fr-FR",
];

#[tokio::test]
async fn agent_finds_a_customer_and_the_view_is_audited() {
    in_browser("agent-customer", |browser| async move {
        let app = TestApp::spawn().await;
        log_in(&browser, &app, "agent").await;

        browser
            .find(css("#q"))
            .await
            .expect("search box")
            .send_keys("Durand")
            .await
            .expect("type a name");
        click(&browser, "#search-submit").await;
        let results = text(&wait_for(&browser, "#results").await).await;
        assert!(
            results.contains("Anne Durand") && results.contains("Léa Durandal"),
            "{results}"
        );
        assert!(!results.contains("Paul"), "{results}");
        screenshot(&browser, "agent-search-results").await;

        click(&browser, "#results a[href='/customers/C1']").await;
        let name = text(&wait_for(&browser, "#customer-name").await).await;
        assert_eq!(name, "Anne Durand C1");
        let consent = texts(&browser, "#consents td").await;
        assert_eq!(
            consent,
            ["E-mail", "Prospection commerciale", "Accordé", "2024-01-01"]
        );
        let timeline = texts(&browser, "#timeline tbody tr").await.join("\n");
        assert!(timeline.contains("Achat · Forfait 20 Go"), "{timeline}");
        assert!(timeline.contains("1\u{202f}234,56 EUR"), "{timeline}");
        assert!(timeline.contains("Contact · Réclamation"), "{timeline}");
        screenshot(&browser, "agent-customer-page").await;

        let audit = app
            .store
            .audit_log(Some("C1"), 10)
            .await
            .expect("audit log");
        let views: Vec<(&str, &str)> = audit
            .iter()
            .map(|e| (e.username.as_str(), e.action.as_str()))
            .collect();
        assert_eq!(views, [("agent", "view_customer")]);
    })
    .await;
}

/// The agent's whole flow: the login page switched to English before logging in, a search, the customer's
/// page with its departure risk and reasons, the routing advice for the operation at hand, the same page
/// in French, and the dashboard export refused.
#[tokio::test]
async fn an_agent_serves_a_calling_customer() {
    in_browser("agent-flow", |browser| async move {
        let app = TestApp::spawn().await;
        crate::pages::score_customers(
            &app,
            &[(
                "C1",
                0.83,
                &[
                    ("calls_trend", "Calls down 60 % in three months", 0.41),
                    ("complaints_90d", "Two complaints in 90 days", 0.22),
                ],
            )],
        )
        .await;

        // The browser asks for French; the login page offers English before anyone logs in.
        browser
            .goto(&app.url("/login"))
            .await
            .expect("open the login page");
        assert_eq!(texts(&browser, "#login-submit").await, ["Se connecter"]);
        click(&browser, "#login-language").await;
        wait_for(&browser, "html[lang='en'] #login-submit").await;
        assert_eq!(texts(&browser, "#login-submit").await, ["Log in"]);
        screenshot(&browser, "flow-1-login-english").await;
        for (field, value) in [("#username", "agent"), ("#password", PASSWORD)] {
            wait_for(&browser, field)
                .await
                .send_keys(value)
                .await
                .expect("type");
        }
        click(&browser, "#login-submit").await;
        wait_for(&browser, "html[lang='en'] #logout").await;

        browser
            .find(css("#q"))
            .await
            .expect("search box")
            .send_keys("durand")
            .await
            .expect("type a name");
        click(&browser, "#search-submit").await;
        wait_for(&browser, "#results").await;
        screenshot(&browser, "flow-2-search").await;
        click(&browser, "#results a[href='/customers/C1']").await;
        wait_for(&browser, "#customer-name").await;

        // Departure risk with its reasons, strongest first.
        assert_eq!(texts(&browser, "#risk-value").await, ["83%"]);
        assert_eq!(
            texts(&browser, "#risk-reasons li").await,
            [
                "Calls down 60 % in three months",
                "Two complaints in 90 days"
            ]
        );
        // The operation at hand: a complex sale, routed by the matrix.
        wait_for(&browser, "#operation")
            .await
            .select_by_value("complex_sale")
            .await
            .expect("pick an operation");
        click(&browser, "#routing-submit").await;
        let advice = text(&wait_for(&browser, "#routing-advice").await).await;
        assert_eq!(advice, "Hand to: Store · else Adviser");
        screenshot(&browser, "flow-3-customer-en").await;

        // Opening an at-risk customer raised the departure alert: its reasons, and the outcome
        // buttons; the agent records that the customer accepted, and it is stored.
        wait_for(&browser, "#alert-banner").await;
        assert_eq!(
            texts(&browser, "#alert-reasons li").await,
            [
                "Calls down 60 % in three months",
                "Two complaints in 90 days"
            ]
        );
        screenshot(&browser, "flow-3b-departure-alert").await;
        click(&browser, "#outcome-accepted").await;
        let recorded = text(&wait_for(&browser, "#alert-outcome").await).await;
        assert_eq!(recorded, "Outcome recorded: Offer accepted");
        let alerts = app.store.customer_alerts("C1", 10).await.expect("alerts");
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            (
                alerts[0].outcome.as_deref(),
                alerts[0].outcome_by.as_deref()
            ),
            (Some("accepted"), Some("agent"))
        );

        // The same page in French, for this user from now on.
        click(&browser, "#switch-language").await;
        wait_for(&browser, "html[lang='fr'] #customer-name").await;
        let url = browser.current_url().await.expect("url");
        assert_eq!(
            (url.path(), url.query()),
            ("/customers/C1", Some("operation=complex_sale"))
        );
        assert_eq!(
            texts(&browser, "#departure-risk h2").await,
            ["Risque de départ"]
        );
        assert_eq!(texts(&browser, "#risk-value").await, ["83 %"]);
        assert_eq!(
            text(&wait_for(&browser, "#routing-advice").await).await,
            "À confier à : Magasin, agence · sinon Conseiller"
        );
        let consent = texts(&browser, "#consents td").await;
        assert_eq!(
            consent[..3],
            ["E-mail", "Prospection commerciale", "Accordé"]
        );
        screenshot(&browser, "flow-4-customer-fr").await;

        // The dashboard's exports are not for agents.
        browser
            .goto(&app.url("/dashboard/export/risk.csv"))
            .await
            .expect("open the export URL");
        assert_eq!(text(&wait_for(&browser, "h1").await).await, "Accès refusé");
        screenshot(&browser, "flow-5-export-refused").await;
        let export = fetch(&browser, "/dashboard/export/risk.csv").await;
        assert_eq!(export["status"], 403, "{export}");
        let audit = app.store.audit_log(Some("C1"), 10).await.expect("audit");
        assert!(audit.iter().all(|e| e.username == "agent"
            && (e.action == "view_customer" || e.action == "alert_outcome")));
        let views = audit.iter().filter(|e| e.action == "view_customer").count();
        assert!(views >= 3, "every view audited: {audit:?}");
        assert_eq!(
            audit.iter().filter(|e| e.action == "alert_outcome").count(),
            1,
            "the outcome audited: {audit:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_shows_an_error() {
    in_browser("wrong-password", |browser| async move {
        let app = TestApp::spawn().await;
        fill_login_form(&browser, &app, "agent", "not the password").await;
        let error = text(&wait_for(&browser, "#login-error").await).await;
        assert_eq!(error, "Identifiant ou mot de passe incorrect.");
        assert!(
            absent(&browser, "#logout").await,
            "no logged-in page header"
        );
        let cookies = browser.get_all_cookies().await.expect("cookies");
        assert!(
            cookies.iter().all(|c| c.name() != "fidelis_session"),
            "no session cookie: {cookies:?}"
        );
        screenshot(&browser, "login-wrong-password").await;
    })
    .await;
}

#[tokio::test]
async fn an_agent_is_refused_the_dashboard_export() {
    in_browser("agent-refused-export", |browser| async move {
        let app = TestApp::spawn().await;
        log_in(&browser, &app, "agent").await;
        assert!(
            absent(&browser, "#nav-dashboard").await,
            "agents get no dashboard link"
        );

        browser
            .goto(&app.url("/dashboard/export/customers.csv"))
            .await
            .expect("open the export URL");
        let heading = text(&wait_for(&browser, "h1").await).await;
        assert_eq!(heading, "Accès refusé");
        assert!(!absent(&browser, "#error").await, "the refusal says why");
        let page = browser.source().await.expect("page source");
        assert!(
            !page.contains("anne@example.fr") && !page.contains("first_name"),
            "no CSV content: {page}"
        );
        screenshot(&browser, "agent-export-refused").await;
        // What the browser got, status included (WebDriver does not tell navigations' status).
        let export = fetch(&browser, "/dashboard/export/customers.csv").await;
        assert_eq!(export["status"], 403, "{export}");
        let dashboard = fetch(&browser, "/dashboard").await;
        assert_eq!(dashboard["status"], 403, "{dashboard}");
    })
    .await;
}

#[tokio::test]
async fn an_analyst_exports_customers_from_the_dashboard() {
    in_browser("analyst-export", |browser| async move {
        let app = TestApp::spawn().await;
        crate::pages::score_customers(&app, &[("C1", 0.83, &[]), ("C2", 0.12, &[])]).await;
        log_in(&browser, &app, "analyst").await;
        click(&browser, "#nav-dashboard").await;
        let link = wait_for(&browser, "#export-customers").await;
        assert_eq!(
            browser.title().await.expect("title"),
            "Tableau de bord de l'analyste · Fidelis"
        );
        for chart in ["#risk-histogram svg", "#roc svg", "#lift svg"] {
            assert!(!absent(&browser, chart).await, "{chart} drawn");
        }
        screenshot(&browser, "analyst-dashboard").await;
        browser
            .execute("document.querySelector('#risk').scrollIntoView()", vec![])
            .await
            .expect("scroll to the risk section");
        screenshot(&browser, "analyst-dashboard-risk").await;

        // The link downloads a file, which WebDriver cannot read: the page fetches its target instead,
        // with the browser's own session cookie.
        let href = link
            .attr("href")
            .await
            .expect("href")
            .expect("the export link has a target");
        let export = fetch(&browser, &href).await;
        assert_eq!(export["status"], 200, "{export}");
        assert_eq!(export["type"], "text/csv; charset=utf-8");
        assert_eq!(
            export["disposition"],
            "attachment; filename=\"customers.csv\""
        );
        let csv = export["body"].as_str().expect("CSV text");
        assert_eq!(
            csv.lines().next(),
            Some("id,first_name,last_name,email,phone,city,status")
        );
        assert!(
            csv.contains("C1,Anne,Durand,anne@example.fr,+33612345678,Béziers,active"),
            "{csv}"
        );
        let audit = app.store.audit_log(None, 5).await.expect("audit log");
        assert_eq!(
            (audit[0].username.as_str(), audit[0].action.as_str()),
            ("analyst", "export_customers")
        );
    })
    .await;
}

#[tokio::test]
async fn the_customer_page_in_french_then_english() {
    in_browser("language-switch", |browser| async move {
        let app = TestApp::spawn().await;
        log_in(&browser, &app, "agent").await;
        browser
            .goto(&app.url("/customers/C1"))
            .await
            .expect("open the customer page");
        wait_for(&browser, "#customer-name").await;
        check_language(&browser, French).await;
        screenshot(&browser, "customer-page-fr").await;

        click(&browser, "#switch-language").await;
        wait_for(&browser, "html[lang='en'] #customer-name").await;
        assert_eq!(
            browser.current_url().await.expect("url").path(),
            "/customers/C1",
            "the switch comes back to the same page"
        );
        check_language(&browser, English).await;
        screenshot(&browser, "customer-page-en").await;

        // The choice is the user's setting: it outlives the page and beats the browser's French.
        browser.refresh().await.expect("reload");
        wait_for(&browser, "#customer-name").await;
        check_language(&browser, English).await;
        click(&browser, "#switch-language").await;
        wait_for(&browser, "html[lang='fr'] #customer-name").await;
        check_language(&browser, French).await;
    })
    .await;
}

#[tokio::test]
async fn logout_ends_the_session() {
    in_browser("logout", |browser| async move {
        let app = TestApp::spawn().await;
        log_in(&browser, &app, "agent").await;
        let session = browser
            .get_named_cookie("fidelis_session")
            .await
            .expect("a session cookie after login")
            .value()
            .to_owned();

        click(&browser, "#logout").await;
        wait_for(&browser, "#login-submit").await;
        assert_eq!(browser.current_url().await.expect("url").path(), "/login");
        screenshot(&browser, "logged-out").await;

        // The browser has forgotten the session, and the server too: the old cookie opens nothing.
        browser
            .goto(&app.url("/customers/C1"))
            .await
            .expect("open a customer page");
        wait_for(&browser, "#login-submit").await;
        let url = browser.current_url().await.expect("url");
        assert_eq!(
            (url.path(), url.query()),
            ("/login", Some("next=/customers/C1"))
        );
        let replayed = app
            .client
            .get(app.url("/customers/C1"))
            .header("cookie", format!("fidelis_session={session}"))
            .send()
            .await
            .expect("request");
        assert_eq!(replayed.status(), 303, "the old session is gone");
    })
    .await;
}

#[derive(Clone, Copy)]
enum Language {
    French,
    English,
}
use Language::{English, French};

/// A few labels of the customer page, the `lang` attribute and the switch button's own label.
async fn check_language(browser: &Client, language: Language) {
    let (lang, identity, timeline, purchase, switch) = match language {
        French => (
            "fr",
            "Identité",
            "Historique, tous canaux",
            "Achat · Forfait 20 Go",
            "English",
        ),
        English => (
            "en",
            "Identity",
            "Timeline, every channel",
            "Purchase · Forfait 20 Go",
            "Français",
        ),
    };
    let html = browser.find(css("html")).await.expect("html element");
    assert_eq!(
        html.attr("lang").await.expect("lang").as_deref(),
        Some(lang)
    );
    assert_eq!(texts(browser, "#identity h2").await, [identity]);
    assert_eq!(texts(browser, "#timeline h2").await, [timeline]);
    let rows = texts(browser, "#timeline tbody tr").await.join("\n");
    assert!(rows.contains(purchase), "{lang}: {rows}");
    assert_eq!(texts(browser, "#switch-language").await, [switch]);
}

/// Runs `test` with a new browser session, closes the session whatever happens, and on failure saves a
/// screenshot of the page the test stopped on before passing the panic on.
async fn in_browser<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let browser = new_session(profile.path()).await;
    let outcome = tokio::spawn(test(browser.clone())).await;
    if outcome.is_err() {
        screenshot(&browser, &format!("FAILED-{name}")).await;
    }
    browser.close().await.expect("close the browser session");
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

async fn new_session(profile: &Path) -> Client {
    let driver = chromedriver();
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let patience = PATIENCE.as_millis() as u64;
    let capabilities = json!({
        "browserName": "chrome",
        "timeouts": { "implicit": 0, "pageLoad": patience, "script": patience },
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": args,
            "prefs": { "intl.accept_languages": "fr-FR,fr,en" },
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("capabilities are a JSON object")
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| panic!("start a Chromium session through chromedriver: {e}"))
}

struct Chromedriver {
    port: u16,
    /// Never waited for: it runs as long as this process, and the watchdog ends it.
    _process: std::process::Child,
    /// Outlives this process on purpose: it stops chromedriver and its browsers once the tests are gone.
    _watchdog: std::process::Child,
}

fn chromedriver() -> &'static Chromedriver {
    static DRIVER: OnceLock<Chromedriver> = OnceLock::new();
    DRIVER.get_or_init(start_chromedriver)
}

fn start_chromedriver() -> Chromedriver {
    for program in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(program).exists(),
            "{program} is missing: the browser tests need Chromium and chromedriver. Install them with \
             `apt-get install -y --no-install-recommends chromium chromium-driver fonts-liberation` \
             (Debian; .ci/run does when they are missing)"
        );
    }
    let port = free_port();
    // Its own process group: the watchdog stops it together with every browser it started, even those
    // of a test that panicked before closing its session.
    let mut driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("start {CHROMEDRIVER}: {e}"));
    let script = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 0.5; done; kill -KILL -{group} 2>/dev/null",
        me = std::process::id(),
        group = driver.id()
    );
    let watchdog = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the chromedriver watchdog");
    // chromedriver says on stdout when it listens; anything else before the end of its output is why not.
    let mut lines = BufReader::new(driver.stdout.take().expect("chromedriver stdout")).lines();
    let mut said = String::new();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("started successfully") => break,
            Some(Ok(line)) => said.push_str(&format!("\n{line}")),
            _ => {
                let status = driver.wait().map(|s| s.to_string());
                panic!("chromedriver stopped before listening on port {port} ({status:?}):{said}")
            }
        }
    }
    // Keep draining its stdout so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Chromedriver {
        port,
        _process: driver,
        _watchdog: watchdog,
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// Logs in through the login form and waits for the first logged-in page.
async fn log_in(browser: &Client, app: &TestApp, username: &str) {
    fill_login_form(browser, app, username, PASSWORD).await;
    wait_for(browser, "#logout").await;
}

async fn fill_login_form(browser: &Client, app: &TestApp, username: &str, password: &str) {
    browser
        .goto(&app.url("/login"))
        .await
        .expect("open the login page");
    for (field, value) in [("#username", username), ("#password", password)] {
        wait_for(browser, field)
            .await
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type into {field}: {e}"));
    }
    click(browser, "#login-submit").await;
}

fn css(selector: &str) -> Locator<'_> {
    Locator::Css(selector)
}

async fn wait_for(browser: &Client, selector: &str) -> Element {
    let found = browser
        .wait()
        .at_most(PATIENCE)
        .every(Duration::from_millis(25))
        .for_element(css(selector))
        .await;
    match found {
        Ok(element) => element,
        Err(e) => {
            let url = browser.current_url().await.map(|u| u.to_string());
            panic!("no {selector} on {url:?}: {e}")
        }
    }
}

async fn click(browser: &Client, selector: &str) {
    wait_for(browser, selector)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
}

/// Whether the current page has no element matching `selector` (checked at once, no waiting).
async fn absent(browser: &Client, selector: &str) -> bool {
    browser
        .find_all(css(selector))
        .await
        .expect("find elements")
        .is_empty()
}

async fn text(element: &Element) -> String {
    element.text().await.expect("element text")
}

/// The rendered text of every element matching `selector`.
async fn texts(browser: &Client, selector: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in browser
        .find_all(css(selector))
        .await
        .expect("find elements")
    {
        out.push(text(&element).await);
    }
    out
}

/// GETs `path` from inside the page (so with the browser's cookies) and returns its status, content type,
/// content disposition and body.
async fn fetch(browser: &Client, path: &str) -> Value {
    const SCRIPT: &str = "const [path, done] = arguments;
        fetch(path, { redirect: 'manual' })
          .then(async r => done({ status: r.status, type: r.headers.get('content-type'),
                                  disposition: r.headers.get('content-disposition'), body: await r.text() }))
          .catch(e => done({ error: String(e) }));";
    browser
        .execute_async(SCRIPT, vec![json!(path)])
        .await
        .unwrap_or_else(|e| panic!("fetch {path} in the page: {e}"))
}

fn screenshot_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory");
    target.join("e2e-screenshots")
}

/// Saves a PNG of the browser's viewport as a test artifact.
async fn screenshot(browser: &Client, name: &str) {
    let png = match browser.screenshot().await {
        Ok(png) => png,
        // A failure screenshot must not hide the failure itself.
        Err(e) if name.starts_with("FAILED-") => {
            eprintln!("no screenshot of the failed page: {e}");
            return;
        }
        Err(e) => panic!("screenshot {name}: {e}"),
    };
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("create the screenshot directory");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
