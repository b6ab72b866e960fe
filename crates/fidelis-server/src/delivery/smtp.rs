//! E-mail over SMTP with lettre: the message is built from the payload's template in the customer's
//! language, with a Message-ID derived from the outbox idempotency key (stable across retries, so a
//! receiving server or the reader's client can drop a second copy), and the SMTP answer is sorted
//! into sent, temporary (4xx, lost connection: retry later) or permanent (5xx: a bounce).

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use super::{SendOutcome, template_part};
use fidelis_store::outbox::OutboxMessage;

/// The SMTP relay: host, port, sender; plain SMTP (a local relay or a test server).
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The sender, `Name <address>` or `address`.
    pub from: String,
    /// Per-command timeout.
    pub timeout: std::time::Duration,
    /// The domain of the Message-IDs.
    pub message_id_domain: String,
}

/// The Message-ID of a message: a hash of its idempotency key (keys may hold characters that a
/// Message-ID may not), the same on every attempt.
pub fn message_id(key: &str, domain: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("<{hex}@{domain}>")
}

/// A connection setup to the relay, reused across messages.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Result<Mailbox, String>,
    domain: String,
}

impl Mailer {
    /// A mailer keeping up to `connections` connections open to the relay (lettre's pool), each
    /// reused for message after message; a connection that failed mid-send is closed, not reused.
    pub fn new(config: &SmtpConfig, connections: usize) -> Mailer {
        let pool = PoolConfig::new().max_size(connections.max(1) as u32);
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
                .port(config.port)
                .timeout(Some(config.timeout))
                .pool_config(pool)
                .build();
        Mailer {
            transport,
            from: config
                .from
                .parse::<Mailbox>()
                .map_err(|e| format!("the sender {:?} is not an address: {e}", config.from)),
            domain: config.message_id_domain.clone(),
        }
    }

    /// Sends one message; never panics, every failure is an outcome.
    pub async fn send(&self, m: &OutboxMessage) -> SendOutcome {
        let from = match &self.from {
            Ok(f) => f.clone(),
            Err(e) => return SendOutcome::Temporary(e.clone()),
        };
        let Some(address) = m.recipient.email.as_deref() else {
            return SendOutcome::Unreachable("no e-mail address".into());
        };
        let name = [
            m.recipient.first_name.as_deref(),
            m.recipient.last_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let to = match address.parse::<lettre::Address>() {
            Ok(a) => Mailbox::new((!name.is_empty()).then_some(name), a),
            Err(e) => {
                return SendOutcome::Permanent {
                    error: format!("invalid e-mail address {address:?}: {e}"),
                    bounce: true,
                };
            }
        };
        let subject = template_part(m, "subject").unwrap_or_else(|| "Fidelis".into());
        let body = template_part(m, "body").unwrap_or_default();
        let email = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .message_id(Some(message_id(&m.key, &self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(body);
        let email = match email {
            Ok(e) => e,
            Err(e) => {
                return SendOutcome::Permanent {
                    error: format!("cannot build the message: {e}"),
                    bounce: false,
                };
            }
        };
        match self.transport.send(email).await {
            Ok(_) => SendOutcome::Sent(Some(message_id(&m.key, &self.domain))),
            Err(e) if e.is_permanent() => SendOutcome::Permanent {
                error: e.to_string(),
                bounce: true,
            },
            Err(e) => SendOutcome::Temporary(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::message_id;

    #[test]
    fn message_ids_are_stable_and_safe() {
        let a = message_id("CMP1/C 1:email", "fidelis.example");
        assert_eq!(a, message_id("CMP1/C 1:email", "fidelis.example"));
        assert_ne!(a, message_id("CMP1/C2:email", "fidelis.example"));
        assert!(a.starts_with('<') && a.ends_with("@fidelis.example>") && a.len() == 50);
        assert!(a[1..33].chars().all(|c| c.is_ascii_hexdigit()));
    }
}
