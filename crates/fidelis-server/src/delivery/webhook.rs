//! SMS and generic webhooks: a JSON POST to the provider's URL, signed with HMAC-SHA256 over
//! `<timestamp>.<body>` (header `X-Fidelis-Signature: t=<unix seconds>,v1=<hex>`), carrying the
//! outbox idempotency key (`Idempotency-Key`) so a provider can drop a retry it already accepted.
//! 2xx is sent; 429, 5xx and network errors are temporary; other answers are refusals.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::SendOutcome;
use fidelis_store::outbox::OutboxMessage;

/// A provider endpoint and its signing secret (kept out of `Debug`).
#[derive(Clone)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: String,
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"***")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`. Written out (a dozen lines over `sha2`, already a
/// dependency) rather than adding the `hmac` crate, whose current release needs another `sha2`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature header value for a body sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    format!(
        "t={timestamp},v1={}",
        hex(&hmac_sha256(secret.as_bytes(), &signed))
    )
}

/// What the provider receives.
#[derive(Serialize)]
struct Body<'a> {
    id: &'a str,
    customer_id: &'a str,
    channel: &'a str,
    purpose: &'a str,
    source: &'a str,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    text: Option<String>,
    payload: &'a serde_json::Value,
}

/// An HTTP client for one endpoint.
pub struct Client {
    http: reqwest::Client,
    config: WebhookConfig,
}

impl Client {
    pub fn new(config: &WebhookConfig) -> Client {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Client {
            http,
            config: config.clone(),
        }
    }

    /// Posts one message; every failure is an outcome.
    pub async fn post(&self, m: &OutboxMessage, now: DateTime<Utc>) -> SendOutcome {
        if m.channel == "sms" && m.recipient.phone.is_none() {
            return SendOutcome::Unreachable("no phone number".into());
        }
        let body = Body {
            id: &m.key,
            customer_id: &m.customer,
            channel: &m.channel,
            purpose: &m.purpose,
            source: &m.source,
            phone: m.recipient.phone.as_deref(),
            email: m.recipient.email.as_deref(),
            text: super::template_part(m, "body"),
            payload: &m.payload,
        };
        let bytes = match serde_json::to_vec(&body) {
            Ok(b) => b,
            Err(e) => {
                return SendOutcome::Permanent {
                    error: format!("cannot encode the body: {e}"),
                    bounce: false,
                };
            }
        };
        let response = self
            .http
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &m.key)
            .header(
                "x-fidelis-signature",
                signature(&self.config.secret, now.timestamp(), &bytes),
            )
            .body(bytes)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return SendOutcome::Temporary(format!("POST {}: {e}", self.config.url)),
        };
        let status = response.status();
        if status.is_success() {
            // A provider's own message id, when it answers `{"id": …}`.
            let text = response.text().await.unwrap_or_default();
            let id = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned));
            SendOutcome::Sent(id)
        } else if status.as_u16() == 429 || status.is_server_error() {
            SendOutcome::Temporary(format!("POST {}: HTTP {status}", self.config.url))
        } else {
            SendOutcome::Permanent {
                error: format!("POST {}: HTTP {status}", self.config.url),
                // 410 Gone: the number or endpoint no longer exists.
                bounce: status.as_u16() == 410,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 1, 2 and 6 (a key longer than the block).
        let cases: [(&[u8], &[u8], &str); 3] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
        ];
        for (key, message, want) in cases {
            assert_eq!(hex(&hmac_sha256(key, message)), want);
        }
        assert!(signature("s", 1_700_000_000, b"{}").starts_with("t=1700000000,v1="));
    }
}
