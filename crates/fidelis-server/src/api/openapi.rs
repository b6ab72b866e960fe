//! The OpenAPI 3.1 document, built from the same route table the router registers.

use axum::Json;
use serde_json::{Map, Value, json};

pub fn build() -> Value {
    let mut paths = Map::new();
    for route in super::routes() {
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let mut operation = json!({
            "summary": route.summary,
            "parameters": parameters,
            "responses": {
                "200": { "description": "OK" },
                "default": { "description": "Error: {\"error\": {\"code\", \"message\"}}" }
            }
        });
        if let Some(permission) = route.permission {
            operation["security"] = json!([{ "bearer": [] }, { "session": [] }]);
            operation["x-permission"] = json!(permission);
        }
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[route.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Fidelis API", "version": env!("CARGO_PKG_VERSION") },
        "components": { "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer" },
            "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE }
        }},
        "paths": paths
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}
