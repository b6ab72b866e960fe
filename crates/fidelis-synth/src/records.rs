//! The rows a simulated customer accumulates (contracts, sales, contacts, complaints…) and their codes.

use crate::calendar::{Day, SECONDS_PER_DAY, Ts};

const DAY: i64 = SECONDS_PER_DAY;
/// The service norm: a complaint gets a first response within 8 days.
pub(crate) const LATE_RESPONSE_DAYS: i64 = 8;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Status {
    Active,
    Ended,
    Cancelled,
}

pub(crate) struct ContractRec {
    pub product: usize,
    pub channel: Option<u8>,
    pub start: Day,
    /// End of the commitment; `None` for contracts without one.
    pub commitment_end: Option<Day>,
    /// Day the contract stopped (ended or cancelled); `None` while it runs.
    pub stop: Option<Day>,
    pub status: Status,
    pub fee: i64,
    pub reason: Option<&'static str>,
    /// Renewed tacitly every year: `end_date` is then the next anniversary.
    pub yearly: bool,
}

impl ContractRec {
    pub(crate) fn runs_on(&self, day: Day) -> bool {
        self.start <= day && self.stop.is_none_or(|s| day < s)
    }
}

pub(crate) struct TxRec {
    pub time: Ts,
    pub product: usize,
    pub channel: Option<u8>,
    pub store: Option<u8>,
    pub refund: bool,
    pub quantity: u8,
    pub amount: i64,
    pub cost: i64,
    pub discount: i64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Information,
    Appointment,
    SimpleSale,
    ComplexSale,
    Service,
    Complaint,
    Retention,
    Campaign,
}

impl Op {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Op::Information => "information",
            Op::Appointment => "appointment",
            Op::SimpleSale => "simple_sale",
            Op::ComplexSale => "complex_sale",
            Op::Service => "service",
            Op::Complaint => "complaint",
            Op::Retention => "retention",
            Op::Campaign => "campaign",
        }
    }
}

pub(crate) struct InteractionRec {
    pub time: Ts,
    pub channel: u8,
    pub inbound: bool,
    pub op: Op,
    pub duration: u32,
    pub agent: Option<u16>,
    pub outcome: &'static str,
    pub campaign: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum LifeKind {
    Moving,
    Birth,
    Marriage,
    Divorce,
    Retirement,
    JobChange,
    Bereavement,
}

impl LifeKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LifeKind::Moving => "moving",
            LifeKind::Birth => "birth",
            LifeKind::Marriage => "marriage",
            LifeKind::Divorce => "divorce",
            LifeKind::Retirement => "retirement",
            LifeKind::JobChange => "job_change",
            LifeKind::Bereavement => "bereavement",
        }
    }
}

pub(crate) struct LifeRec {
    pub day: Day,
    pub kind: LifeKind,
    /// For a move: towns before and after (equal for a move within the town).
    pub from_city: usize,
    pub to_city: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    Billing,
    Network,
    Device,
    Service,
}

impl Category {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Category::Billing => "billing",
            Category::Network => "network",
            Category::Device => "device",
            Category::Service => "service",
        }
    }

    pub(crate) fn department(self) -> &'static str {
        match self {
            Category::Billing => "billing",
            Category::Network => "network_operations",
            Category::Device => "after_sales",
            Category::Service => "customer_service",
        }
    }

    pub(crate) fn texts(self) -> &'static [&'static str] {
        match self {
            Category::Billing => &[
                "Montant de la facture incorrect, double prélèvement ce mois-ci",
                "Frais de résiliation facturés à tort",
                "Hausse du forfait non annoncée",
                "Option facturée alors que je ne l'ai jamais demandée",
            ],
            Category::Network => &[
                "Pas de réseau à domicile depuis plusieurs jours",
                "Coupures fréquentes de la fibre, surtout le soir",
                "Débit très inférieur à ce qui est annoncé",
                "Appels qui coupent en pleine conversation",
            ],
            Category::Device => &[
                "Écran du smartphone défectueux après deux semaines",
                "Le téléphone ne charge plus, retour SAV demandé",
                "Box livrée en panne",
            ],
            Category::Service => &[
                "Conseiller injoignable, \"rappel sous 48 h\" jamais fait",
                "Rendez-vous d'installation non honoré",
                "Délai de traitement beaucoup trop long",
                "Informations contradictoires entre la boutique et le service client",
            ],
        }
    }
}

pub(crate) struct ComplaintRec {
    pub opened: Ts,
    pub category: Category,
    pub product: Option<usize>,
    pub channel: u8,
    /// True times, possibly after the window's end (the file shows only what happened by then).
    pub first_response: Option<Ts>,
    pub resolved: Option<Ts>,
    pub compensation: i64,
    pub text: &'static str,
    /// Closed (archived) once resolved, if the resolution is old enough at `end`.
    pub closable: bool,
}

impl ComplaintRec {
    pub(crate) fn unresolved_at(&self, at: Ts) -> bool {
        self.opened < at && self.resolved.is_none_or(|r| r > at)
    }

    /// First response late (beyond the norm) as known at `at`.
    pub(crate) fn late_at(&self, at: Ts) -> bool {
        let deadline = self.opened + LATE_RESPONSE_DAYS * DAY;
        deadline < at && self.first_response.is_none_or(|f| f > deadline)
    }
}

pub(crate) struct SurveyRec {
    pub day: Day,
    pub nps: bool,
    pub score: u8,
    pub comment: Option<&'static str>,
}

pub(crate) struct ConsentRec {
    pub channel: &'static str,
    pub purpose: &'static str,
    pub granted: Day,
    pub withdrawn: Option<Day>,
}

impl ConsentRec {
    pub(crate) fn granted_on(&self, day: Day) -> bool {
        self.granted <= day && self.withdrawn.is_none_or(|w| w > day)
    }
}

/// The strongest reason behind a decision to leave; it becomes the cancellation reason.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Driver {
    Baseline,
    Tenure,
    CommitmentEnd,
    OutOfCommitment,
    Price,
    Complaint,
    NetworkComplaint,
    Moving,
    LifeChange,
    Insolvent,
    PoorNetwork,
}

impl Driver {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Driver::Baseline => "baseline",
            Driver::Tenure => "low_tenure",
            Driver::CommitmentEnd => "commitment_end",
            Driver::OutOfCommitment => "out_of_commitment",
            Driver::Price => "price",
            Driver::Complaint => "complaint",
            Driver::NetworkComplaint => "network_complaint",
            Driver::Moving => "moving",
            Driver::LifeChange => "life_change",
            Driver::Insolvent => "insolvent",
            Driver::PoorNetwork => "poor_network",
        }
    }

    /// The `cancellation_reason` written on the contracts.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Driver::Baseline | Driver::Tenure | Driver::OutOfCommitment => "competitor_offer",
            Driver::CommitmentEnd => "end_of_commitment",
            Driver::Price => "price",
            Driver::Complaint => "service_dissatisfaction",
            Driver::NetworkComplaint | Driver::PoorNetwork => "network_quality",
            Driver::Moving => "moving",
            Driver::LifeChange => "life_change",
            Driver::Insolvent => "non_payment",
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Decision {
    pub day: Day,
    /// Window month of the decision (negative before the window).
    pub month: i32,
    pub lead: i32,
    pub driver: Driver,
}

/// The customer's part in the past campaign.
#[derive(Clone, Copy)]
pub(crate) struct CampaignPart {
    pub treated: bool,
    pub contacted_at: Option<Ts>,
    pub p_control: f64,
    pub p_treated: f64,
    /// Bought the promoted product within the response window (what the files show).
    pub responded: bool,
    pub revenue: i64,
}
