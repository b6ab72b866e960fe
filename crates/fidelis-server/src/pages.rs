//! Server-rendered pages. For now the home page: what the database holds, per entity.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::response::Html;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub async fn home(State(state): State<AppState>) -> Result<Html<String>, ApiError> {
    let counts = state.store.counts().await?;
    let rows: String = counts
        .iter()
        .map(|c| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                escape(c.entity.name()),
                c.rows
            )
        })
        .collect();
    Ok(Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fidelis</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}\
         th,td{{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}}td{{text-align:right}}</style>\
         </head><body><h1>Fidelis</h1><p>Customer database / Base clients</p>\
         <table id=\"counts\"><thead><tr><th>entity</th><th>rows</th></tr></thead><tbody>{rows}</tbody></table>\
         <p>API: <code>GET /api/v1/customers/{{id}}</code></p></body></html>"
    )))
}
