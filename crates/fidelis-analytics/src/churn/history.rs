//! One customer's history, as plain values: what the feature factory reads.
//!
//! The store fills these from its tables (docs/data-format.md); nothing here knows of a database.
//! Amounts are in major currency units (euros), as `f64`. Rows need not be sorted. The history may
//! extend past any snapshot date: the factory censors it (see [`crate::churn::features`]).

use serde::{Deserialize, Serialize};

use super::calendar::{Day, Month, Timestamp};

/// Declares a plain enum with its snake_case names, the list of its variants and a parser.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $text, "`")] $variant),+
        }

        impl $name {
            /// Every variant, in declaration order (the order of the features derived from them).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The snake_case name used in files, the database and feature names.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the snake_case name (as stored); `None` for anything else.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

named_enum! {
    /// An income or assets band.
    Band { Low = "low", Medium = "medium", High = "high", VeryHigh = "very_high" }
}

named_enum! {
    /// The monthly usage measures the factory derives features from; other metrics are ignored.
    UsageMetric {
        Calls = "calls",
        Minutes = "minutes",
        Sms = "sms",
        DataMb = "data_mb",
        Logins = "logins",
        ZoneChanges = "zone_changes",
    }
}

named_enum! {
    /// Kind of a contact channel.
    ChannelKind {
        Store = "store",
        CallCentre = "call_centre",
        Web = "web",
        App = "app",
        Email = "email",
        Sms = "sms",
        Mail = "mail",
        Adviser = "adviser",
        Telesales = "telesales",
        Social = "social",
    }
}

named_enum! {
    /// Whether a transaction is a sale or a refund.
    TransactionKind { Sale = "sale", Refund = "refund" }
}

named_enum! {
    /// Stored status of a contract (the factory re-derives the status as of the snapshot).
    ContractStatus { Active = "active", Ended = "ended", Cancelled = "cancelled" }
}

named_enum! {
    /// Who started an interaction.
    Direction { Inbound = "inbound", Outbound = "outbound" }
}

named_enum! {
    /// What an interaction was about.
    Operation {
        Information = "information",
        Appointment = "appointment",
        SimpleSale = "simple_sale",
        ComplexSale = "complex_sale",
        Service = "service",
        Complaint = "complaint",
        Retention = "retention",
        Campaign = "campaign",
    }
}

named_enum! {
    /// A life event.
    LifeEventKind {
        Moving = "moving",
        Birth = "birth",
        Marriage = "marriage",
        Divorce = "divorce",
        Retirement = "retirement",
        JobChange = "job_change",
        Bereavement = "bereavement",
    }
}

named_enum! {
    /// Channel a consent applies to.
    ConsentChannel { Email = "email", Sms = "sms", Phone = "phone", Mail = "mail", Push = "push" }
}

named_enum! {
    /// Purpose a consent applies to.
    ConsentPurpose {
        Marketing = "marketing",
        Service = "service",
        Profiling = "profiling",
        Partners = "partners",
    }
}

named_enum! {
    /// Kind of a survey answer: NPS 0..10, CSAT 1..5, CES 1..7.
    SurveyKind { Nps = "nps", Csat = "csat", Ces = "ces" }
}

named_enum! {
    /// What the agent recorded after showing a departure alert.
    AlertOutcome { Accepted = "accepted", Declined = "declined", NotRelevant = "not_relevant" }
}

/// The customer record's fields that features use. Bands and solvency are taken as they are: the
/// store keeps only their current values, so for old snapshots they may know a little of the
/// future (an insolvency flagged since). Pass the values as they were when a history exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Date of birth.
    pub birth_date: Option<Day>,
    /// When the customer was acquired; a snapshot before it sees no tenure.
    pub acquisition_date: Option<Day>,
    /// Income band.
    pub income_band: Option<Band>,
    /// Assets band.
    pub assets_band: Option<Band>,
    /// False for customers flagged insolvent.
    pub solvent: bool,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            birth_date: None,
            acquisition_date: None,
            income_band: None,
            assets_band: None,
            solvent: true,
        }
    }
}

/// One month of one usage measure. Known only once the month is over.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UsageRow {
    /// The month measured.
    pub period: Month,
    /// The measure.
    pub metric: UsageMetric,
    /// Its value (≥ 0).
    pub value: f64,
}

/// A purchase or a refund.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TransactionRow {
    /// When it happened.
    pub time: Timestamp,
    /// Amount paid (sale) or given back (refund), ≥ 0.
    pub amount: f64,
    /// Product cost of the line, ≥ 0.
    pub cost: f64,
    /// Sale or refund.
    pub kind: TransactionKind,
    /// Index of the product category in [`crate::churn::FeatureConfig::product_categories`].
    pub category: Option<u16>,
    /// Kind of the channel it went through.
    pub channel: Option<ChannelKind>,
}

/// A contract (a commitment or a subscription).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContractRow {
    /// First day.
    pub start: Day,
    /// End of the commitment, or next renewal.
    pub end: Option<Day>,
    /// Stored status; the factory only believes what was true before the snapshot.
    pub status: ContractStatus,
    /// Monthly fee.
    pub monthly_fee: f64,
    /// Day of cancellation (status `Cancelled`).
    pub cancelled_on: Option<Day>,
    /// Index of the product category in [`crate::churn::FeatureConfig::product_categories`].
    pub category: Option<u16>,
}

/// A contact between the customer and the company.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InteractionRow {
    /// When it started.
    pub time: Timestamp,
    /// Kind of the channel used.
    pub channel: ChannelKind,
    /// Who started it.
    pub direction: Direction,
    /// What it was about.
    pub operation: Operation,
    /// How long it lasted.
    pub duration_seconds: u32,
}

/// A complaint and how it was handled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ComplaintRow {
    /// When it was opened.
    pub opened: Timestamp,
    /// First answer to the customer, if any.
    pub first_response: Option<Timestamp>,
    /// Resolution, if any.
    pub resolved: Option<Timestamp>,
    /// Compensation granted (counted once the complaint is resolved).
    pub compensation: f64,
}

/// A life event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LifeEventRow {
    /// What happened.
    pub kind: LifeEventKind,
    /// When.
    pub date: Day,
}

/// The latest state of one consent (the store keeps one row per channel and purpose).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConsentRow {
    /// Channel.
    pub channel: ConsentChannel,
    /// Purpose.
    pub purpose: ConsentPurpose,
    /// Granted (true) or withdrawn (false).
    pub granted: bool,
    /// When this state was recorded. A state recorded on or after the snapshot hides the earlier
    /// one, so the factory then treats the consent as unknown.
    pub date: Day,
}

/// A survey answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SurveyRow {
    /// When it was answered.
    pub date: Day,
    /// NPS, CSAT or CES.
    pub kind: SurveyKind,
    /// The score, in the kind's range.
    pub score: u8,
}

/// A departure alert shown to an agent when the customer made contact, and what came of it: the
/// agents' outcomes are training feedback (an offer declined says more than the contact itself).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlertRow {
    /// When it was raised.
    pub raised: Timestamp,
    /// Cost of the retention offer shown, in currency units; None when no offer was shown
    /// (insolvent customers, the termination strategy, or no offer worth its cost).
    pub offer_cost: Option<f64>,
    /// The agent's outcome, once recorded.
    pub outcome: Option<AlertOutcome>,
    /// When the outcome was recorded; an outcome without a time is never believed known.
    pub outcome_at: Option<Timestamp>,
}

/// Everything the factory may know about one customer. It may run past any snapshot date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerHistory {
    /// The customer record.
    pub profile: Profile,
    /// Monthly usage.
    pub usage: Vec<UsageRow>,
    /// Purchases and refunds.
    pub transactions: Vec<TransactionRow>,
    /// Contracts.
    pub contracts: Vec<ContractRow>,
    /// Contacts.
    pub interactions: Vec<InteractionRow>,
    /// Complaints.
    pub complaints: Vec<ComplaintRow>,
    /// Life events.
    pub life_events: Vec<LifeEventRow>,
    /// Consents (latest state per channel and purpose).
    pub consents: Vec<ConsentRow>,
    /// Survey answers.
    pub surveys: Vec<SurveyRow>,
    /// Departure alerts and their outcomes.
    #[serde(default)]
    pub alerts: Vec<AlertRow>,
}
