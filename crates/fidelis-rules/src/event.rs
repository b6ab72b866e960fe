//! Events: dated things that happened or are about to happen to a customer, which trigger rules.

use chrono::NaiveDate;
use std::fmt;
use std::str::FromStr;

/// What kind of event. The detectors of [`crate::detect`] produce the named kinds; events posted
/// through the API may carry any other name (`Other`), which rules can trigger on just the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// Fin de contrat: a commitment ends within the detector's horizon.
    ContractEnd,
    /// Usage fell below the semi-attrition threshold (taux de semi-attrition) of the customer's own
    /// baseline.
    UsageDrop,
    /// The estimated next purchase or renewal date (date de renouvellement estimée) is near.
    RenewalDue,
    Birthday,
    /// A holiday of the configured calendar (fête) is near.
    Holiday,
    /// A new product was launched in a category the customer bought (Amazon's release alert).
    NewProduct,
    ComplaintOpened,
    /// A complaint's first response came, or is still missing, later than the service norm allows.
    ServiceNormBreached,
    /// An imported life event (événement de vie): moving, birth, marriage, divorce, retirement, ...;
    /// its kind is the event's `detail`.
    LifeEvent,
    /// Any other event name, e.g. `inbound_call` or `purchase` posted to the event endpoint.
    Other(String),
}

impl EventKind {
    /// The name used in rule files and the API.
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::ContractEnd => "contract_end",
            EventKind::UsageDrop => "usage_drop",
            EventKind::RenewalDue => "renewal_due",
            EventKind::Birthday => "birthday",
            EventKind::Holiday => "holiday",
            EventKind::NewProduct => "new_product",
            EventKind::ComplaintOpened => "complaint_opened",
            EventKind::ServiceNormBreached => "service_norm_breached",
            EventKind::LifeEvent => "life_event",
            EventKind::Other(name) => name,
        }
    }
}

impl FromStr for EventKind {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<EventKind, Self::Err> {
        Ok(match s {
            "contract_end" => EventKind::ContractEnd,
            "usage_drop" => EventKind::UsageDrop,
            "renewal_due" => EventKind::RenewalDue,
            "birthday" => EventKind::Birthday,
            "holiday" => EventKind::Holiday,
            "new_product" => EventKind::NewProduct,
            "complaint_opened" => EventKind::ComplaintOpened,
            "service_norm_breached" => EventKind::ServiceNormBreached,
            "life_event" => EventKind::LifeEvent,
            other => EventKind::Other(other.to_string()),
        })
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<EventKind, D::Error> {
        let s = String::deserialize(d)?;
        Ok(s.parse().unwrap_or_else(|never| match never {}))
    }
}

/// One event for one customer. Conditions read it as `event.kind`, `event.date`, `event.value` and
/// `event.detail`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    pub customer_id: String,
    pub kind: EventKind,
    /// The day the event is about: the contract's end, the birthday, the breach, the life event.
    pub date: NaiveDate,
    /// A number that measures the event: days left, the usage ratio, days late, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// A label: the contract or complaint id, the holiday's name, the product id, the life event's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Event {
    /// An event without value or detail.
    pub fn new(customer_id: impl Into<String>, kind: EventKind, date: NaiveDate) -> Event {
        Event {
            customer_id: customer_id.into(),
            kind,
            date,
            value: None,
            detail: None,
        }
    }

    /// With a measuring number.
    pub fn with_value(mut self, value: f64) -> Event {
        self.value = Some(value);
        self
    }

    /// With a label.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = Some(detail.into());
        self
    }
}
