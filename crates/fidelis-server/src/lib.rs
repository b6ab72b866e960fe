//! Fidelis' HTTP server: the REST API under `/api/v1` and the server-rendered pages.

mod api;
mod error;
mod pages;

pub use error::ApiError;

use axum::Router;
use axum::routing::get;
use fidelis_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
}

/// All routes, for the server and for tests that call the router directly.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/api/v1/customers/{id}", get(api::customers::get_customer))
        .route("/api/v1/health", get(api::health))
        .fallback(api::not_found)
        .with_state(state)
}

/// A bound, not yet running, server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Binds the listener (`127.0.0.1:0` picks a free port, as tests do).
    pub async fn build(addr: SocketAddr, store: Store) -> std::io::Result<Application> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Application {
            listener,
            state: AppState {
                store: Arc::new(store),
            },
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process receives Ctrl-C.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    }
}
