//! Fidelis' HTTP server: the REST API under `/api/v1` and the server-rendered pages (agent screen,
//! analyst dashboard), with users, roles, sessions and CSRF protection.

pub mod api;
pub mod auth;
pub mod delivery;
mod error;
pub mod i18n;
mod pages;
pub mod svg;

pub use error::ApiError;

use axum::Router;
use axum::routing::{get, post};
use fidelis_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Server settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Directory of the configuration files (`rules.toml`, `policy.toml`, `routing.toml`,
    /// `segments.toml`, `calendar.toml`, `offers.toml`); `None` uses the samples built into the
    /// binary (`crates/fidelis-rules/examples/config`).
    pub config_dir: Option<std::path::PathBuf>,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub settings: Arc<Settings>,
    /// The retention-offer catalogue of the departure alert.
    pub offers: Arc<fidelis_rules::OfferCatalogue>,
    /// Models read from the registry, kept while their version is the active one.
    pub models: Arc<api::prospects::ModelCache>,
}

/// Reads configuration file `name` from the settings' directory, or the built-in sample when there
/// is no directory or the file is not in it. Returns (the name to cite in errors, the text).
pub fn config_text(settings: &Settings, name: &str) -> std::io::Result<(String, String)> {
    if let Some(dir) = &settings.config_dir {
        let path = dir.join(name);
        if path.exists() {
            let text = std::fs::read_to_string(&path)?;
            return Ok((path.display().to_string(), text));
        }
    }
    fidelis_rules::samples::by_file_name(name)
        .map(|text| (format!("built-in {name}"), text.to_string()))
        .ok_or_else(|| std::io::Error::other(format!("no configuration file named {name}")))
}

/// The offer catalogue of the settings (see [`config_text`]); an invalid file is an error that
/// names the file, line and column.
pub fn load_offers(settings: &Settings) -> std::io::Result<fidelis_rules::OfferCatalogue> {
    let (file, text) = config_text(settings, "offers.toml")?;
    fidelis_rules::OfferCatalogue::from_toml(&file, &text, &fidelis_rules::FactSchema::standard())
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// All routes, for the server and for tests that call the router directly.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(pages::home::page))
        .route("/login", get(pages::login::page).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/settings/language", post(pages::login::set_language))
        .route("/customers", get(pages::customers::search))
        .route("/customers/{id}", get(pages::customers::page))
        .route(
            "/customers/{id}/alerts/{alert}/outcome",
            post(pages::customers::record_outcome),
        )
        .route("/dashboard", get(pages::dashboard::page))
        .route("/dashboard/export/{file}", get(pages::dashboard::export));
    for route in api::routes() {
        router = router.route(route.path, route.handler);
    }
    router.fallback(pages::not_found).with_state(state)
}

/// A bound, not yet running, server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Binds the listener (`127.0.0.1:0` picks a free port, as tests do).
    pub async fn build(
        addr: SocketAddr,
        store: Store,
        settings: Settings,
    ) -> std::io::Result<Application> {
        let offers = load_offers(&settings)?;
        let listener = TcpListener::bind(addr).await?;
        Ok(Application {
            listener,
            state: AppState {
                store: Arc::new(store),
                settings: Arc::new(settings),
                offers: Arc::new(offers),
                models: Arc::default(),
            },
        })
    }

    /// The store the server uses (tests read what handlers wrote).
    pub fn store(&self) -> Arc<Store> {
        Arc::clone(&self.state.store)
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process receives Ctrl-C.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // SQLite's log is copied back in the background, off every request's path.
        let store = Arc::clone(&self.state.store);
        let checkpoints = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                if let Err(e) = store.checkpoint().await {
                    tracing::warn!(error = %e, "checkpoint failed");
                }
            }
        });
        let served = axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
        checkpoints.abort();
        served
    }
}
