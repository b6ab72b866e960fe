//! One customer's life over the window: profile, holdings, monthly events, the decision to leave and
//! the months of falling usage that precede the departure.
//!
//! Everything a customer does is drawn from that customer's own random stream, in a fixed order, so
//! the result depends only on (seed, customer index) and the shared [`World`].

use crate::calendar::{Day, SECONDS_PER_DAY, Ts, add_months, age_on, calendar_month, month_start};
use crate::catalog::{PRODUCTS, ProductKind, ch, p};
use crate::names::{
    CITIES, EMAIL_DOMAINS, FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, STREETS, ascii_fold,
};
use crate::random::{
    Purpose, Stream, between, chance, gamma, lognormal, normal, pick, poisson, stream, weighted,
};
use crate::story::{CAMPAIGN, CHURN, COMPLEX_PURCHASE_RATE, COMPLEX_VIA_ADVISER};
use crate::world::{World, age_at_end};
use rand::Rng;

/// The usage metrics written every month for every active customer.
pub(crate) const METRICS: [&str; 6] = [
    "calls",
    "minutes",
    "sms",
    "data_mb",
    "logins",
    "zone_changes",
];

const DAY: i64 = SECONDS_PER_DAY;
const LATE_RESPONSE_DAYS: i64 = 8;

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
    fn runs_on(&self, day: Day) -> bool {
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

    fn texts(self) -> &'static [&'static str] {
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
    fn unresolved_at(&self, at: Ts) -> bool {
        self.opened < at && self.resolved.is_none_or(|r| r > at)
    }

    /// First response late (beyond the norm) as known at `at`.
    fn late_at(&self, at: Ts) -> bool {
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
    fn granted_on(&self, day: Day) -> bool {
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

struct HazardAcc {
    h: f64,
    top: (f64, Driver),
}

impl HazardAcc {
    fn apply(&mut self, factor: f64, driver: Driver) {
        self.h *= factor;
        if factor > self.top.0 {
            self.top = (factor, driver);
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

/// The customer's fixed traits (the town and address change when they move).
pub(crate) struct Profile {
    pub number: u64,
    pub household: u32,
    shared_household: bool,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub gender: &'static str,
    pub birth: Day,
    pub income: u8,
    pub assets: u8,
    pub solvent: bool,
    pub acquired: Day,
    pub acquisition_channel: u8,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: usize,
    pub street_no: u32,
    pub comma: bool,
    pub city: usize,
    /// Position jitter around the town centre, 1e-4 degrees.
    pub jitter: (i64, i64),
    pub frailty: f64,
    complaint_proneness: f64,
    contact_proneness: f64,
    purchase_rate: f64,
    spend_tier: usize,
    billing_day: i32,
    /// Usage level per metric in a normal month.
    usage_base: [f64; 6],
    /// A few customers drift down in usage without ever leaving (the false alarms of a churn model).
    drift_from: Option<i32>,
}

/// Everything one customer did, ready to be written.
pub(crate) struct Sim<'w> {
    world: &'w World,
    rng: Stream,
    pub c: Profile,
    pub contracts: Vec<ContractRec>,
    main: usize,
    internet: Option<usize>,
    pub transactions: Vec<TxRec>,
    pub interactions: Vec<InteractionRec>,
    pub life_events: Vec<LifeRec>,
    pub complaints: Vec<ComplaintRec>,
    pub surveys: Vec<SurveyRec>,
    pub consents: Vec<ConsentRec>,
    /// (window month, value per metric), in month order.
    pub usage: Vec<(i32, [i64; 6])>,
    pub decision: Option<Decision>,
    /// The last decision that a retention offer reversed, if any.
    pub retained_on: Option<Day>,
    pub departure: Option<Day>,
    pub campaign: Option<CampaignPart>,
    retirement: Option<Day>,
}

impl<'w> Sim<'w> {
    pub(crate) fn run(world: &'w World, index: u32) -> Self {
        let mut rng = stream(world.seed, Purpose::Customer, u64::from(index));
        let c = profile(world, index, &mut rng);
        let mut sim = Sim {
            world,
            rng,
            c,
            contracts: Vec::new(),
            main: 0,
            internet: None,
            transactions: Vec::new(),
            interactions: Vec::new(),
            life_events: Vec::new(),
            complaints: Vec::new(),
            surveys: Vec::new(),
            consents: Vec::new(),
            usage: Vec::new(),
            decision: None,
            retained_on: None,
            departure: None,
            campaign: None,
            retirement: None,
        };
        sim.initial_holdings();
        sim.initial_consents();
        sim.plan_retirement();
        sim.burn_in();
        sim.months(index);
        sim.finish();
        sim.transactions.sort_by_key(|t| t.time);
        sim.interactions.sort_by_key(|i| i.time);
        sim.surveys.sort_by_key(|s| s.day);
        sim
    }

    fn end(&self) -> Day {
        self.world.window.end
    }

    fn age_on(&self, day: Day) -> i32 {
        age_on(self.c.birth, day)
    }

    fn wealthy(&self) -> bool {
        self.c.assets >= 2
    }

    fn launched(&self, product: usize, day: Day) -> bool {
        self.world.launch[product] <= day
    }

    // ----- holdings before the window -------------------------------------------------------

    fn main_plan_for(&mut self, day: Day) -> usize {
        let age = self.age_on(day);
        if age < 26 && self.launched(p::MOBILE_YOUTH, day) && chance(&mut self.rng, 0.6) {
            return p::MOBILE_YOUTH;
        }
        let weights: [f64; 4] = match self.c.income {
            0 => [0.45, 0.40, 0.12, 0.03],
            1 => [0.20, 0.45, 0.25, 0.10],
            2 => [0.08, 0.32, 0.35, 0.25],
            _ => [0.03, 0.17, 0.35, 0.45],
        };
        [
            p::MOBILE_5GB,
            p::MOBILE_50GB,
            p::MOBILE_150GB,
            p::MOBILE_UNLIMITED,
        ][weighted(&mut self.rng, &weights)]
    }

    fn internet_product_for(&mut self, day: Day) -> usize {
        let poor = CITIES[self.c.city].poor_network;
        if self.launched(p::BOX_FIBRE_PREMIUM, day)
            && self.c.income >= 2
            && chance(&mut self.rng, 0.3)
        {
            return p::BOX_FIBRE_PREMIUM;
        }
        if chance(&mut self.rng, if poor { 0.6 } else { 0.25 }) {
            p::BOX_ADSL
        } else {
            p::BOX_FIBRE
        }
    }

    /// Start and commitment end of a contract running at the window's start (or signed at acquisition).
    fn contract_dates(&mut self, months: i32) -> (Day, Day) {
        let w = self.world.window;
        if self.c.acquired >= w.start {
            let start = self.c.acquired;
            return (start, add_months(start, months));
        }
        // The commitment end is spread from half a commitment before the window to a full one after,
        // so some customers start out of commitment and others reach the end during the window.
        let span = i64::from(months) * 30;
        let end = w.start + between(&mut self.rng, -span / 2, span) as Day;
        let start = add_months(end, -months);
        if start < self.c.acquired {
            (self.c.acquired, add_months(self.c.acquired, months))
        } else {
            (start, end)
        }
    }

    fn add_contract(
        &mut self,
        product: usize,
        channel: Option<u8>,
        start: Day,
        commitment: Option<i32>,
    ) -> usize {
        let price = PRODUCTS[product].price;
        self.contracts.push(ContractRec {
            product,
            channel,
            start,
            commitment_end: commitment.map(|m| add_months(start, m)),
            stop: None,
            status: Status::Active,
            fee: price,
            reason: None,
            yearly: product == p::HOME_INSURANCE,
        });
        self.contracts.len() - 1
    }

    fn initial_holdings(&mut self) {
        let acq = self.c.acquired;
        let channel = Some(self.c.acquisition_channel);
        let months = if chance(&mut self.rng, 0.6) { 24 } else { 12 };
        let (start, end) = self.contract_dates(months);
        let plan = self.main_plan_for(start);
        self.main = self.add_contract(plan, channel, start, None);
        self.contracts[self.main].commitment_end = Some(end);
        let new_customer = acq >= self.world.window.start;
        if new_customer {
            let channel = self.c.acquisition_channel;
            self.interaction_at(
                acq,
                channel,
                channel != ch::TELESALES,
                Op::SimpleSale,
                "sale",
            );
            if months == 24 || chance(&mut self.rng, 0.3) {
                self.buy_handset(acq, self.c.acquisition_channel, 0);
            }
        }
        let household_bonus = if self.c.shared_household { 0.1 } else { 0.0 };
        if chance(&mut self.rng, 0.42 + household_bonus) {
            let (start, end) = self.contract_dates(12);
            let product = self.internet_product_for(start);
            let k = self.add_contract(product, channel, start, None);
            self.contracts[k].commitment_end = Some(end);
            self.internet = Some(k);
            if chance(&mut self.rng, 0.35) {
                let tv = *pick(
                    &mut self.rng,
                    &[p::TV_BASIC, p::TV_BASIC, p::TV_CINEMA, p::TV_SPORT],
                );
                self.add_contract(tv, channel, start, None);
            }
        }
        if chance(&mut self.rng, 0.15) {
            let start = self.contracts[self.main].start;
            self.add_contract(p::MOBILE_INSURANCE, channel, start, None);
        }
        if chance(&mut self.rng, 0.08) {
            let start = self.contracts[self.main].start;
            self.add_contract(p::HOME_INSURANCE, channel, start, Some(12));
        }
        // Wealthy customers already hold wealth products, sold by an adviser before the window.
        let holds = match self.c.assets {
            2 => 0.2,
            3 => 0.45,
            _ => 0.0,
        };
        if !new_customer && chance(&mut self.rng, holds) {
            let options: &[usize] = if self.c.assets == 3 {
                &[p::SAVINGS, p::LIFE_INSURANCE, p::WEALTH_MANAGEMENT]
            } else {
                &[p::SAVINGS, p::LIFE_INSURANCE]
            };
            let product = *pick(&mut self.rng, options);
            let w = self.world.window;
            let from = acq.max(add_months(w.start, -60));
            let start = between(&mut self.rng, i64::from(from), i64::from(w.start)) as Day;
            self.add_contract(product, Some(ch::ADVISER), start, None);
        }
    }

    fn initial_consents(&mut self) {
        let w = self.world.window;
        // Consents older than three years were collected again in a refresh campaign.
        let refresh_from = w.start - 3 * 365;
        let granted = if self.c.acquired < refresh_from {
            between(&mut self.rng, i64::from(refresh_from), i64::from(w.start)) as Day
        } else {
            self.c.acquired
        };
        let has_email = self.c.email.is_some();
        let has_phone = self.c.phone.is_some();
        let asked: [(&str, &str, bool, f64); 9] = [
            ("email", "service", has_email, 1.0),
            ("sms", "service", has_phone, 1.0),
            ("email", "marketing", has_email, 0.65),
            ("sms", "marketing", has_phone, 0.50),
            ("phone", "marketing", has_phone, 0.30),
            ("mail", "marketing", true, 0.55),
            ("push", "marketing", true, 0.35),
            ("email", "profiling", has_email, 0.45),
            ("email", "partners", has_email, 0.15),
        ];
        for (channel, purpose, possible, rate) in asked {
            if !possible || !chance(&mut self.rng, rate) {
                continue;
            }
            let mut withdrawn = None;
            if purpose != "service" && chance(&mut self.rng, 0.12) {
                let from = (granted + 1).max(w.start);
                if from <= w.end {
                    withdrawn =
                        Some(between(&mut self.rng, i64::from(from), i64::from(w.end) + 1) as Day);
                }
            }
            self.consents.push(ConsentRec {
                channel,
                purpose,
                granted,
                withdrawn,
            });
        }
    }

    fn consent(&self, channel: &str, purpose: &str, day: Day) -> bool {
        self.consents
            .iter()
            .any(|c| c.channel == channel && c.purpose == purpose && c.granted_on(day))
    }

    fn plan_retirement(&mut self) {
        let age = between(&mut self.rng, 62, 65) as i32;
        let day = add_months(self.c.birth, 12 * age) + between(&mut self.rng, 0, 60) as Day;
        let w = self.world.window;
        if day >= w.start.max(self.c.acquired) && day <= w.end && chance(&mut self.rng, 0.8) {
            self.retirement = Some(day);
        }
    }

    // ----- the decision to leave -----------------------------------------------------------

    /// Monthly hazard of deciding to leave at `at`, from the state known then, and its main driver.
    pub(crate) fn hazard(&self, at: Day) -> (f64, Driver) {
        let m = &CHURN.multipliers;
        let mut acc = HazardAcc {
            h: CHURN.base_monthly_hazard * self.c.frailty,
            top: (1.0, Driver::Baseline),
        };
        let at_ts = i64::from(at) * DAY;
        if at - self.c.acquired < 365 {
            acc.apply(m.tenure_under_12_months, Driver::Tenure);
        }
        let main = &self.contracts[self.main];
        match main.commitment_end {
            Some(e) if e >= at && e - at <= 92 => {
                acc.apply(m.commitment_ends_within_3_months, Driver::CommitmentEnd)
            }
            Some(e) if e >= at => acc.apply(m.in_commitment, Driver::Baseline),
            _ => acc.apply(m.out_of_commitment, Driver::OutOfCommitment),
        }
        if main.fee > CHURN.affordable_monthly_fee[usize::from(self.c.income)] {
            acc.apply(m.price_above_means, Driver::Price);
        }
        let mut recent = 0;
        let mut unresolved = false;
        let mut late = false;
        let mut network = false;
        for c in &self.complaints {
            if c.opened >= at_ts || c.opened < at_ts - 182 * DAY {
                continue;
            }
            network |= c.category == Category::Network;
            recent += 1;
            unresolved |= c.unresolved_at(at_ts);
            late |= c.late_at(at_ts);
        }
        let complaint_driver = if network {
            Driver::NetworkComplaint
        } else {
            Driver::Complaint
        };
        for _ in 0..recent.min(2) {
            acc.apply(m.per_recent_complaint, complaint_driver);
        }
        if unresolved {
            acc.apply(m.unresolved_complaint, complaint_driver);
        }
        if late {
            acc.apply(m.late_first_response, complaint_driver);
        }
        let (mut moved, mut divorced, mut other) = (false, false, false);
        for e in &self.life_events {
            if e.day < at && e.day >= at - 91 {
                match e.kind {
                    LifeKind::Moving => moved = true,
                    LifeKind::Divorce => divorced = true,
                    _ => other = true,
                }
            }
        }
        if moved {
            acc.apply(m.moving, Driver::Moving);
        }
        if divorced {
            acc.apply(m.divorce, Driver::LifeChange);
        }
        if other {
            acc.apply(m.other_life_event, Driver::LifeChange);
        }
        if !self.c.solvent {
            acc.apply(m.insolvent, Driver::Insolvent);
        }
        if self.wealthy()
            && self
                .contracts
                .iter()
                .any(|k| PRODUCTS[k.product].complexity >= 4 && k.runs_on(at))
        {
            acc.apply(m.adviser_relationship, Driver::Baseline);
        }
        if CITIES[self.c.city].poor_network {
            acc.apply(m.poor_network_area, Driver::PoorNetwork);
        }
        (acc.h.min(CHURN.max_monthly_hazard), acc.top.1)
    }

    fn decide(&mut self, month: i32, from: Day, to: Day, driver: Driver) {
        let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
        let lead = between(
            &mut self.rng,
            i64::from(CHURN.lead_months_min),
            i64::from(CHURN.lead_months_max) + 1,
        ) as i32;
        let departure = month_start(self.world.window.start_month + month + lead)
            + between(&mut self.rng, 0, 28) as Day;
        self.decision = Some(Decision {
            day,
            month,
            lead,
            driver,
        });
        self.departure = Some(departure);
    }

    /// Decisions in the six months before the window, so departures (and falling usage) already
    /// show in the first months; a departure that would fall before the window is not kept, since
    /// the base holds only customers still there at its start.
    fn burn_in(&mut self) {
        let w = self.world.window;
        for b in (1..=6).rev() {
            let from = month_start(w.start_month - b);
            if from < self.c.acquired || self.decision.is_some() {
                continue;
            }
            let (h, driver) = self.hazard(from);
            if chance(&mut self.rng, h) {
                let to = month_start(w.start_month - b + 1);
                self.decide(-b, from, to, driver);
                if self.departure.is_some_and(|d| d < w.start) {
                    self.decision = None;
                    self.departure = None;
                }
            }
        }
    }

    /// Usage multiplier in window month `m`: falls linearly from the decision to the departure.
    fn leaving_factor(&self, m: i32) -> f64 {
        match self.decision {
            Some(d) if m > d.month => {
                let f = (f64::from(m - d.month) / f64::from(d.lead)).min(1.0);
                1.0 - CHURN.usage_drop_at_departure * f
            }
            _ => 1.0,
        }
    }

    fn leaving_in(&self, m: i32) -> bool {
        self.decision.is_some_and(|d| m > d.month)
    }

    // ----- the monthly loop ----------------------------------------------------------------

    fn months(&mut self, index: u32) {
        let w = self.world.window;
        let first = w.relative_month(self.c.acquired).max(0);
        for m in first..w.months as i32 {
            let (month_from, month_to) = w.month_bounds(m);
            let from = month_from.max(self.c.acquired);
            let to = month_to.min(self.departure.unwrap_or(Day::MAX));
            if to <= from {
                break;
            }
            let first_month_of_new_customer = self.c.acquired >= month_from;
            if self.decision.is_none() && !first_month_of_new_customer {
                let (h, driver) = self.hazard(month_from);
                if chance(&mut self.rng, h) {
                    self.decide(m, from, to, driver);
                }
            }
            self.renewal(from, to);
            self.life_events_in(from, to);
            self.complaints_in(m, from, to);
            self.contacts_in(m, from, to);
            self.purchases_in(from, to);
            self.complex_purchases_in(from, to);
            self.telesales_in(from, to);
            self.adviser_reviews_in(from, to);
            self.surveys_in(from, to);
            self.option_churn_in(from, to);
            if m == self.world.campaign.month {
                self.campaign_in(index, to);
            }
            self.charges_in(month_from, from, to);
            self.usage_in(m, month_from, from, to);
        }
    }

    fn renewal(&mut self, from: Day, to: Day) {
        let main = &self.contracts[self.main];
        let Some(end) = main.commitment_end else {
            return;
        };
        if end < from || end >= to || main.stop.is_some() || self.decision.is_some() {
            return;
        }
        if !chance(&mut self.rng, 0.45) {
            return;
        }
        let mut product = main.product;
        // Some renew onto the next plan up.
        if chance(&mut self.rng, 0.3) {
            product = match product {
                p::MOBILE_5GB => p::MOBILE_50GB,
                p::MOBILE_50GB | p::MOBILE_YOUTH => p::MOBILE_150GB,
                p::MOBILE_150GB => p::MOBILE_UNLIMITED,
                other => other,
            };
        }
        let channel = [ch::STORE, ch::WEB, ch::CALL_CENTRE, ch::TELESALES]
            [weighted(&mut self.rng, &[0.4, 0.3, 0.2, 0.1])];
        let with_handset = chance(&mut self.rng, 0.55);
        self.stop_contract(self.main, end, Status::Ended);
        self.main = self.add_contract(
            product,
            Some(channel),
            end,
            Some(if with_handset { 24 } else { 12 }),
        );
        self.interaction_at(
            end,
            channel,
            channel != ch::TELESALES,
            Op::SimpleSale,
            "sale",
        );
        if with_handset {
            // A renewal with a 24-month commitment comes with a subsidised handset.
            self.buy_handset(end, channel, 10_000);
        }
    }

    fn stop_contract(&mut self, k: usize, day: Day, status: Status) {
        let c = &mut self.contracts[k];
        c.stop = Some(day);
        c.status = status;
    }

    fn life_events_in(&mut self, from: Day, to: Day) {
        let age = self.age_on(from);
        let rates: [(LifeKind, f64); 6] = [
            (LifeKind::Moving, if age < 35 { 0.012 } else { 0.006 }),
            (
                LifeKind::Birth,
                if (25..=42).contains(&age) { 0.005 } else { 0.0 },
            ),
            (
                LifeKind::Marriage,
                if (25..=45).contains(&age) { 0.003 } else { 0.0 },
            ),
            (
                LifeKind::Divorce,
                if (30..=65).contains(&age) { 0.002 } else { 0.0 },
            ),
            (
                LifeKind::JobChange,
                if (22..=60).contains(&age) { 0.006 } else { 0.0 },
            ),
            (LifeKind::Bereavement, if age >= 40 { 0.002 } else { 0.001 }),
        ];
        for (kind, rate) in rates {
            if chance(&mut self.rng, rate) {
                let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
                self.life_event(kind, day);
            }
        }
        if let Some(day) = self.retirement.filter(|d| (from..to).contains(d)) {
            self.life_event(LifeKind::Retirement, day);
        }
    }

    fn life_event(&mut self, kind: LifeKind, day: Day) {
        let from_city = self.c.city;
        let mut to_city = from_city;
        if kind == LifeKind::Moving {
            if chance(&mut self.rng, 0.6) {
                to_city = weighted(&mut self.rng, &self.world.city_weights);
            }
            self.c.city = to_city;
            self.c.street = between(&mut self.rng, 0, STREETS.len() as i64) as usize;
            self.c.street_no = between(&mut self.rng, 1, 160) as u32;
            self.c.jitter = jitter(&mut self.rng);
            // A move is a fragile moment both ways: those who stay often sign again for the new home.
            if let Some(k) = self.internet
                && self.decision.is_none()
                && self.contracts[k].stop.is_none()
                && chance(&mut self.rng, 0.35)
            {
                let product = self.internet_product_for(day);
                self.stop_contract(k, day, Status::Ended);
                let new = self.add_contract(product, Some(ch::STORE), day, Some(12));
                self.internet = Some(new);
                self.interaction_at(day, ch::STORE, true, Op::SimpleSale, "sale");
                if chance(&mut self.rng, 0.25) {
                    self.sell(day, p::HOME_SETUP, ch::STORE, 1, 0);
                }
            }
        }
        self.life_events.push(LifeRec {
            day,
            kind,
            from_city,
            to_city,
        });
    }

    fn complaints_in(&mut self, m: i32, from: Day, to: Day) {
        let poor = CITIES[self.c.city].poor_network;
        let mut rate = 0.018 * self.c.complaint_proneness;
        if poor {
            rate *= 1.5;
        }
        if self.leaving_in(m) {
            rate *= 1.4;
        }
        if !chance(&mut self.rng, rate) {
            return;
        }
        let has_handset = self
            .transactions
            .iter()
            .any(|t| PRODUCTS[t.product].category == "handset");
        let weights = [
            0.40,
            if poor { 0.6 } else { 0.25 },
            if has_handset { 0.15 } else { 0.04 },
            0.20,
        ];
        let category = [
            Category::Billing,
            Category::Network,
            Category::Device,
            Category::Service,
        ][weighted(&mut self.rng, &weights)];
        let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
        let opened = self.office_time(day);
        let running: Vec<usize> = (0..self.contracts.len())
            .filter(|&k| self.contracts[k].runs_on(day))
            .collect();
        let product = match category {
            Category::Billing => Some(self.contracts[self.main].product),
            Category::Network => Some(
                self.internet
                    .filter(|_| chance(&mut self.rng, 0.4))
                    .map_or(self.contracts[self.main].product, |k| {
                        self.contracts[k].product
                    }),
            ),
            Category::Device => self
                .transactions
                .iter()
                .rev()
                .find(|t| PRODUCTS[t.product].category == "handset")
                .map(|t| t.product),
            Category::Service => (!running.is_empty())
                .then(|| self.contracts[*pick(&mut self.rng, &running)].product),
        };
        let channel = [ch::CALL_CENTRE, ch::STORE, ch::WEB, ch::MAIL, ch::SOCIAL]
            [weighted(&mut self.rng, &[0.5, 0.2, 0.15, 0.1, 0.05])];
        let median_days = match category {
            Category::Network => 4.0,
            Category::Device => 3.0,
            _ => 2.5,
        };
        let first_response = (!chance(&mut self.rng, 0.04)).then(|| {
            opened + (lognormal(&mut self.rng, median_days, 0.9) * DAY as f64) as i64 + 600
        });
        let resolved = first_response
            .filter(|_| chance(&mut self.rng, 0.88))
            .map(|f| f + (lognormal(&mut self.rng, 4.0, 0.8) * DAY as f64) as i64);
        let late = first_response.is_none_or(|f| f - opened > LATE_RESPONSE_DAYS * DAY);
        let compensation =
            if resolved.is_some() && chance(&mut self.rng, if late { 0.5 } else { 0.15 }) {
                *pick(&mut self.rng, &[1000, 1500, 2000, 3000, 5000])
            } else {
                0
            };
        let text = *pick(&mut self.rng, category.texts());
        let closable = chance(&mut self.rng, 0.7);
        self.complaints.push(ComplaintRec {
            opened,
            category,
            product,
            channel,
            first_response,
            resolved,
            compensation,
            text,
            closable,
        });
        self.interaction_ts(opened, channel, true, Op::Complaint, "complaint_logged");
        // Satisfaction after a resolution, answered by about half.
        if let Some(r) = resolved
            && chance(&mut self.rng, 0.5)
        {
            let day = (r / DAY) as Day + between(&mut self.rng, 1, 6) as Day;
            if day <= self.end() && self.departure.is_none_or(|d| day < d) {
                let mut score = 4.2 + 0.8 * normal(&mut self.rng);
                if late {
                    score -= 1.5;
                }
                if compensation > 0 {
                    score += 0.5;
                }
                self.surveys.push(SurveyRec {
                    day,
                    nps: false,
                    score: score.round().clamp(1.0, 5.0) as u8,
                    comment: None,
                });
            }
        }
    }

    fn contacts_in(&mut self, m: i32, from: Day, to: Day) {
        let n = poisson(&mut self.rng, 0.12 * self.c.contact_proneness);
        for _ in 0..n {
            let channel = [
                ch::CALL_CENTRE,
                ch::WEB,
                ch::APP,
                ch::STORE,
                ch::MAIL,
                ch::SOCIAL,
            ][weighted(&mut self.rng, &[0.35, 0.2, 0.2, 0.15, 0.05, 0.05])];
            let (op, outcome) = match weighted(&mut self.rng, &[0.45, 0.45, 0.1]) {
                0 => (Op::Information, "information_given"),
                1 => (
                    Op::Service,
                    if chance(&mut self.rng, 0.85) {
                        "resolved"
                    } else {
                        "escalated"
                    },
                ),
                _ => (Op::Appointment, "appointment_booked"),
            };
            let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
            self.interaction_at(day, channel, true, op, outcome);
        }
        if !self.leaving_in(m) {
            return;
        }
        // Customers who have decided to leave ask about termination terms: the call centre hears them.
        let n = poisson(&mut self.rng, CHURN.extra_contacts_while_leaving);
        for _ in 0..n {
            if self.decision.is_none() {
                break;
            }
            let channel =
                [ch::CALL_CENTRE, ch::STORE, ch::WEB][weighted(&mut self.rng, &[0.7, 0.2, 0.1])];
            let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
            let (op, outcome) = if chance(&mut self.rng, 0.6) {
                (Op::Information, "termination_terms_given")
            } else {
                (Op::Service, "resolved")
            };
            self.interaction_at(day, channel, true, op, outcome);
            if channel != ch::WEB && self.c.solvent && chance(&mut self.rng, 0.35) {
                self.retention_offer(day, channel);
            }
        }
    }

    /// The agent spots the departure risk and offers 20 % off for a new 12-month commitment.
    fn retention_offer(&mut self, day: Day, channel: u8) {
        let fee = self.contracts[self.main].fee;
        let accept = chance(&mut self.rng, if fee >= 1999 { 0.2 } else { 0.08 });
        let outcome = if accept {
            "retention_offer_accepted"
        } else {
            "retention_offer_declined"
        };
        self.interaction_at(day, channel, true, Op::Retention, outcome);
        if !accept {
            return;
        }
        let product = self.contracts[self.main].product;
        self.stop_contract(self.main, day, Status::Ended);
        self.main = self.add_contract(product, Some(channel), day, Some(12));
        self.contracts[self.main].fee = PRODUCTS[product].price * 8 / 10;
        self.decision = None;
        self.departure = None;
        self.retained_on = Some(day);
    }

    fn purchases_in(&mut self, from: Day, to: Day) {
        let n = poisson(&mut self.rng, self.c.purchase_rate);
        for _ in 0..n {
            let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
            let channel = [ch::STORE, ch::WEB, ch::APP, ch::CALL_CENTRE, ch::TELESALES]
                [weighted(&mut self.rng, &[0.45, 0.35, 0.1, 0.05, 0.05])];
            match weighted(&mut self.rng, &[0.72, 0.2, 0.08]) {
                0 => {
                    let promoted_ok = day > self.world.campaign.end;
                    let weights = [
                        0.35,
                        0.3,
                        0.2,
                        0.1 + 0.05 * self.c.spend_tier as f64,
                        if promoted_ok && self.launched(p::SMARTWATCH, day) {
                            0.08
                        } else {
                            0.0
                        },
                    ];
                    let product = [
                        p::CASE,
                        p::CHARGER,
                        p::EARBUDS,
                        p::HEADPHONES,
                        p::SMARTWATCH,
                    ][weighted(&mut self.rng, &weights)];
                    let quantity = if product <= p::CHARGER && chance(&mut self.rng, 0.08) {
                        2
                    } else {
                        1
                    };
                    self.sale_with_extras(day, product, channel, quantity);
                }
                1 => self.buy_handset(day, channel, 0),
                _ => {
                    let protected = self
                        .contracts
                        .iter()
                        .any(|k| k.product == p::CYBER_SECURITY && k.runs_on(day));
                    if !protected
                        && matches!(channel, ch::WEB | ch::APP)
                        && chance(&mut self.rng, 0.3)
                    {
                        self.add_contract(p::CYBER_SECURITY, Some(channel), day, None);
                        continue;
                    }
                    let product = if self.internet.is_some() && chance(&mut self.rng, 0.5) {
                        p::HOME_SETUP
                    } else {
                        p::TABLET
                    };
                    self.sale_with_extras(day, product, channel, 1);
                }
            }
        }
    }

    /// A one-off sale with the usual noise: some discounts, some refunds, a sales interaction.
    fn sale_with_extras(&mut self, day: Day, product: usize, channel: u8, quantity: u8) {
        let gross = PRODUCTS[product].price * i64::from(quantity);
        let discount = if chance(&mut self.rng, 0.12) {
            gross * *pick(&mut self.rng, &[10, 15, 20, 30]) / 100
        } else {
            0
        };
        self.sell(day, product, channel, quantity, discount);
        if !matches!(channel, ch::WEB | ch::APP) || chance(&mut self.rng, 0.3) {
            self.interaction_at(
                day,
                channel,
                channel != ch::TELESALES,
                Op::SimpleSale,
                "sale",
            );
        }
    }

    fn buy_handset(&mut self, day: Day, channel: u8, subsidy: i64) {
        let weights: [f64; 4] = match self.c.spend_tier {
            0 => [0.55, 0.15, 0.02, 0.28],
            1 => [0.30, 0.45, 0.10, 0.15],
            _ => [0.10, 0.40, 0.45, 0.05],
        };
        let product = [
            p::PHONE_BASIC,
            p::PHONE_PLUS,
            p::PHONE_ULTRA,
            p::PHONE_REFURBISHED,
        ][weighted(&mut self.rng, &weights)];
        let discount = subsidy.min(PRODUCTS[product].price / 2);
        self.sell(day, product, channel, 1, discount);
    }

    /// Records a sale (and sometimes its refund a few days later).
    fn sell(&mut self, day: Day, product: usize, channel: u8, quantity: u8, discount: i64) {
        let time = if matches!(channel, ch::WEB | ch::APP) {
            self.online_time(day)
        } else {
            self.office_time(day)
        };
        let store = (channel == ch::STORE).then(|| self.world.store_of(self.c.city));
        let amount = PRODUCTS[product].price * i64::from(quantity) - discount;
        self.transactions.push(TxRec {
            time,
            product,
            channel: Some(channel),
            store,
            refund: false,
            quantity,
            amount,
            cost: PRODUCTS[product].unit_cost * i64::from(quantity),
            discount,
        });
        if PRODUCTS[product].complexity < 4 && chance(&mut self.rng, 0.03) {
            let back = time + between(&mut self.rng, 1, 15) * DAY;
            if back <= self.world.window.end_ts() {
                self.transactions.push(TxRec {
                    time: back,
                    product,
                    channel: Some(channel),
                    store,
                    refund: true,
                    quantity,
                    amount,
                    cost: 0,
                    discount: 0,
                });
            }
        }
    }

    fn complex_purchases_in(&mut self, from: Day, to: Day) {
        let assets = usize::from(self.c.assets);
        if !chance(&mut self.rng, COMPLEX_PURCHASE_RATE[assets]) {
            return;
        }
        let (options, weights): (&[usize], &[f64]) = if self.wealthy() {
            (
                &[
                    p::SAVINGS,
                    p::LIFE_INSURANCE,
                    p::WEALTH_MANAGEMENT,
                    p::FAMILY_PROTECTION,
                    p::SMART_HOME,
                    p::CONCIERGE,
                ],
                &[
                    0.3,
                    0.25,
                    if assets == 3 { 0.2 } else { 0.0 },
                    0.12,
                    0.08,
                    0.05,
                ],
            )
        } else {
            (
                &[
                    p::FAMILY_PROTECTION,
                    p::SMART_HOME,
                    p::SAVINGS,
                    p::CONCIERGE,
                ],
                &[0.4, 0.2, 0.3, 0.1],
            )
        };
        let product = options[weighted(&mut self.rng, weights)];
        let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
        if self
            .contracts
            .iter()
            .any(|k| k.product == product && k.runs_on(day))
        {
            return;
        }
        let channel = if chance(&mut self.rng, COMPLEX_VIA_ADVISER[assets]) {
            ch::ADVISER
        } else if chance(&mut self.rng, 0.6) {
            ch::STORE
        } else {
            ch::CALL_CENTRE
        };
        if channel == ch::ADVISER {
            // The call platform books the appointment; the adviser sells.
            let booked = day - between(&mut self.rng, 3, 11) as Day;
            if booked >= self.world.window.start && booked >= self.c.acquired {
                let inbound = chance(&mut self.rng, 0.5);
                self.interaction_at(
                    booked,
                    ch::CALL_CENTRE,
                    inbound,
                    Op::Appointment,
                    "appointment_booked",
                );
                // The day before, an SMS reminds the customer of the appointment.
                if day - 1 > booked {
                    self.interaction_at(day - 1, ch::SMS, false, Op::Appointment, "reminder_sent");
                }
            }
        }
        self.interaction_at(
            day,
            channel,
            channel != ch::CALL_CENTRE,
            Op::ComplexSale,
            "sale",
        );
        if PRODUCTS[product].kind == ProductKind::OneOff {
            self.sell(day, product, channel, 1, 0);
        } else {
            self.add_contract(product, Some(channel), day, None);
        }
    }

    fn telesales_in(&mut self, from: Day, to: Day) {
        if !chance(&mut self.rng, 0.012) {
            return;
        }
        let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
        if !self.consent("phone", "marketing", day) {
            return;
        }
        let outcome = ["no_answer", "no_sale", "sale"][weighted(&mut self.rng, &[0.4, 0.5, 0.1])];
        self.interaction_at(day, ch::TELESALES, false, Op::SimpleSale, outcome);
        if outcome == "sale" {
            let product = *pick(&mut self.rng, &[p::MOBILE_INSURANCE, p::LEGAL_PROTECTION]);
            if self
                .contracts
                .iter()
                .any(|k| k.product == product && k.runs_on(day))
            {
                self.sell(day, p::CHARGER, ch::TELESALES, 1, 0);
            } else {
                self.add_contract(product, Some(ch::TELESALES), day, None);
            }
        }
    }

    fn adviser_reviews_in(&mut self, from: Day, to: Day) {
        if !self.wealthy() || !chance(&mut self.rng, 0.08) {
            return;
        }
        let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
        if self
            .contracts
            .iter()
            .any(|k| PRODUCTS[k.product].complexity >= 4 && k.runs_on(day))
        {
            self.interaction_at(day, ch::ADVISER, false, Op::Service, "portfolio_review");
        }
    }

    fn surveys_in(&mut self, from: Day, to: Day) {
        if !chance(&mut self.rng, 0.03) {
            return;
        }
        let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
        let at = i64::from(day) * DAY;
        let mut score = 7.6 + 1.6 * normal(&mut self.rng);
        let recent = self
            .complaints
            .iter()
            .filter(|c| c.opened < at && c.opened >= at - 182 * DAY)
            .count();
        score -= 1.8 * recent.min(2) as f64;
        if self
            .complaints
            .iter()
            .any(|c| c.opened >= at - 365 * DAY && c.unresolved_at(at))
        {
            score -= 1.5;
        }
        if self
            .complaints
            .iter()
            .any(|c| c.opened >= at - 182 * DAY && c.late_at(at))
        {
            score -= 1.0;
        }
        if self.decision.is_some_and(|d| d.day < day) {
            score -= 1.5;
        }
        if self.wealthy()
            && self
                .contracts
                .iter()
                .any(|k| PRODUCTS[k.product].complexity >= 4 && k.runs_on(day))
        {
            score += 0.6;
        }
        let score = score.round().clamp(0.0, 10.0) as u8;
        let comments: &[&str] = match score {
            0..=6 => &[
                "Trop de coupures réseau, je réfléchis à partir",
                "Service client injoignable, c'est inadmissible",
                "Prix en hausse, qualité en baisse",
                "Ma réclamation n'est toujours pas traitée",
            ],
            7..=8 => &[
                "Correct, sans plus",
                "Bon réseau mais tarifs élevés",
                "Application pratique, délais parfois longs",
            ],
            _ => &[
                "Très satisfait, conseiller à l'écoute",
                "Réseau excellent, je recommande",
                "Boutique accueillante, « top » !",
            ],
        };
        let comment = chance(&mut self.rng, 0.35).then(|| *pick(&mut self.rng, comments));
        self.surveys.push(SurveyRec {
            day,
            nps: true,
            score,
            comment,
        });
    }

    /// TV options and insurances are dropped now and then without leaving the company.
    fn option_churn_in(&mut self, from: Day, to: Day) {
        for k in 0..self.contracts.len() {
            let c = &self.contracts[k];
            let droppable = matches!(PRODUCTS[c.product].category, "tv" | "insurance")
                && PRODUCTS[c.product].kind == ProductKind::Subscription;
            if droppable && c.stop.is_none() && c.start < from && chance(&mut self.rng, 0.01) {
                let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
                self.stop_contract(k, day, Status::Ended);
            }
        }
    }

    fn campaign_in(&mut self, index: u32, to: Day) {
        let plan = self.world.campaign;
        let eligible = self.c.acquired <= plan.start
            && plan.start < to
            && self.c.solvent
            && self.c.email.is_some()
            && self.consent("email", "marketing", plan.start);
        if !eligible {
            return;
        }
        // Assignment and response come from a separate stream: independent of everything else.
        let mut r = stream(
            self.world.seed,
            Purpose::CampaignAssignment,
            u64::from(index),
        );
        let treated = r.random::<f64>() >= CAMPAIGN.control_share;
        let age = self.age_on(plan.start);
        let mult = CAMPAIGN.age_multipliers[if age < 35 {
            0
        } else if age < 55 {
            1
        } else {
            2
        }];
        let p_control = CAMPAIGN.base_response_rate * mult;
        let p_treated = (CAMPAIGN.treated_response_rate * mult).min(1.0);
        let responds = r.random::<f64>() < if treated { p_treated } else { p_control };
        let offset = r.random_range(0..CAMPAIGN.response_window_days);
        let web = r.random::<f64>() < 0.6;
        let opened = r.random::<f64>();
        let mut part = CampaignPart {
            treated,
            contacted_at: None,
            p_control,
            p_treated,
            responded: false,
            revenue: 0,
        };
        if treated {
            let at = i64::from(plan.start) * DAY + 9 * 3600 + r.random_range(0..3600);
            part.contacted_at = Some(at);
            let outcome = if responds && web {
                "clicked"
            } else if opened < 0.25 {
                "opened"
            } else {
                "sent"
            };
            self.interactions.push(InteractionRec {
                time: at,
                channel: ch::EMAIL,
                inbound: false,
                op: Op::Campaign,
                duration: 0,
                agent: None,
                outcome,
                campaign: true,
            });
        }
        let day = plan.start + offset;
        if responds && day <= plan.end && self.departure.is_none_or(|d| day < d) {
            let channel = if web { ch::WEB } else { ch::STORE };
            self.sell(day, plan.product, channel, 1, 0);
            if channel == ch::STORE {
                self.interaction_at(day, ch::STORE, true, Op::SimpleSale, "sale");
            }
            part.responded = true;
            part.revenue = PRODUCTS[plan.product].price;
        }
        self.campaign = Some(part);
    }

    /// Monthly fees, charged on the customer's billing day for every contract running that day.
    fn charges_in(&mut self, month_from: Day, from: Day, to: Day) {
        let day = month_from + self.c.billing_day - 1;
        if day < from || day >= to {
            return;
        }
        let time = i64::from(day) * DAY + 3 * 3600;
        for c in &self.contracts {
            if !c.runs_on(day) {
                continue;
            }
            let product = &PRODUCTS[c.product];
            self.transactions.push(TxRec {
                time,
                product: c.product,
                channel: None,
                store: None,
                refund: false,
                quantity: 1,
                amount: c.fee,
                cost: product.unit_cost,
                discount: product.price - c.fee,
            });
        }
    }

    fn usage_in(&mut self, m: i32, month_from: Day, from: Day, to: Day) {
        // Seasonality per calendar month: summer roaming and data, December messages.
        const SEASON: [[f64; 12]; 6] = [
            [
                1.0, 1.0, 1.02, 1.0, 1.0, 0.98, 0.9, 0.85, 1.0, 1.02, 1.03, 1.1,
            ],
            [
                1.0, 1.0, 1.02, 1.0, 1.0, 0.98, 0.9, 0.85, 1.0, 1.02, 1.03, 1.12,
            ],
            [
                1.15, 1.0, 1.0, 1.0, 1.0, 1.0, 0.95, 0.95, 1.0, 1.0, 1.0, 1.25,
            ],
            [
                1.0, 0.98, 1.0, 1.0, 1.02, 1.05, 1.15, 1.2, 1.0, 1.0, 1.0, 1.08,
            ],
            [
                1.05, 1.0, 1.0, 1.0, 1.0, 0.95, 0.9, 0.9, 1.05, 1.0, 1.0, 1.05,
            ],
            [
                0.95, 0.95, 1.0, 1.0, 1.05, 1.1, 1.3, 1.35, 1.0, 1.0, 0.95, 1.05,
            ],
        ];
        let w = self.world.window;
        let cal = calendar_month(w.start_month + m) as usize - 1;
        let active_share =
            f64::from(to - from) / f64::from(month_start(w.start_month + m + 1) - month_from);
        let leaving = self.leaving_factor(m);
        let drift = self.c.drift_from.map_or(1.0, |d| {
            if m > d {
                0.97f64.powi(m - d).max(0.5)
            } else {
                1.0
            }
        });
        let common = lognormal(&mut self.rng, 1.0, 0.08);
        // A holiday abroad now and then halves calls and messages for a month.
        let holiday = if chance(&mut self.rng, 0.03) {
            0.6
        } else {
            1.0
        };
        let mut values = [0i64; 6];
        for (k, v) in values.iter_mut().enumerate() {
            let mut x = self.c.usage_base[k]
                * SEASON[k][cal]
                * common
                * lognormal(&mut self.rng, 1.0, 0.12);
            if k == 3 {
                x *= 1.012f64.powi(m);
            }
            if k <= 2 {
                x *= holiday;
            }
            x *= if k == 5 { leaving.sqrt() } else { leaving };
            x *= drift * active_share;
            *v = x.round().max(0.0) as i64;
        }
        self.usage.push((m, values));
    }

    /// Departure: every running contract is cancelled with the reason of the decision.
    fn finish(&mut self) {
        let Some(day) = self.departure.filter(|d| *d <= self.end()) else {
            return;
        };
        let reason = self
            .decision
            .map_or("competitor_offer", |d| d.driver.reason());
        for c in &mut self.contracts {
            if c.stop.is_none() {
                c.stop = Some(day);
                c.status = Status::Cancelled;
                c.reason = Some(reason);
            }
        }
    }

    // ----- helpers ---------------------------------------------------------------------------

    fn office_time(&mut self, day: Day) -> Ts {
        i64::from(day) * DAY + between(&mut self.rng, 9 * 3600, 19 * 3600)
    }

    fn online_time(&mut self, day: Day) -> Ts {
        i64::from(day) * DAY + between(&mut self.rng, 7 * 3600, 24 * 3600)
    }

    fn interaction_at(
        &mut self,
        day: Day,
        channel: u8,
        inbound: bool,
        op: Op,
        outcome: &'static str,
    ) {
        let time = if matches!(channel, ch::WEB | ch::APP | ch::SOCIAL) {
            self.online_time(day)
        } else {
            self.office_time(day)
        };
        self.interaction_ts(time, channel, inbound, op, outcome);
    }

    fn interaction_ts(
        &mut self,
        time: Ts,
        channel: u8,
        inbound: bool,
        op: Op,
        outcome: &'static str,
    ) {
        let median = match channel {
            ch::CALL_CENTRE => 300.0,
            ch::STORE => 720.0,
            ch::ADVISER => 3000.0,
            ch::TELESALES => 240.0,
            ch::WEB | ch::APP if chance(&mut self.rng, 0.3) => 180.0,
            _ => 0.0,
        };
        let sigma = if channel == ch::ADVISER { 0.3 } else { 0.6 };
        let duration = if median > 0.0 {
            let d = lognormal(&mut self.rng, median, sigma);
            if outcome == "no_answer" {
                0
            } else {
                d.round() as u32
            }
        } else {
            0
        };
        let agent = self.world.agent(&mut self.rng, channel);
        self.interactions.push(InteractionRec {
            time,
            channel,
            inbound,
            op,
            duration,
            agent,
            outcome,
            campaign: false,
        });
    }

    /// The true departure risk after `end`, holding the state at `end` (no new events, no retention
    /// offer): the monthly hazard of deciding to leave in the next month (`None` once decided) and
    /// the probability of leaving within the 6 months after `end`.
    pub(crate) fn risk_after_end(&self) -> (Option<f64>, f64) {
        const HORIZON: i32 = 6;
        let w = self.world.window;
        let next = w.start_month + w.months as i32;
        if self.decision.is_some() {
            let by = month_start(next + HORIZON);
            return (
                None,
                if self.departure.is_some_and(|d| d < by) {
                    1.0
                } else {
                    0.0
                },
            );
        }
        let lead_span = f64::from(CHURN.lead_months_max - CHURN.lead_months_min + 1);
        let mut survive = 1.0;
        let mut p = 0.0;
        let mut first = 0.0;
        for k in 0..HORIZON {
            let (h, _) = self.hazard(month_start(next + k));
            if k == 0 {
                first = h;
            }
            // Decided in the (k+1)-th month after `end`, the customer leaves within the horizon when
            // lead <= HORIZON - 1 - k.
            let within =
                (f64::from(HORIZON - k - CHURN.lead_months_min) / lead_span).clamp(0.0, 1.0);
            p += survive * h * within;
            survive *= 1.0 - h;
        }
        (Some(first), p)
    }
}

fn jitter(rng: &mut Stream) -> (i64, i64) {
    (between(rng, -300, 301), between(rng, -400, 401))
}

fn profile(world: &World, index: u32, rng: &mut Stream) -> Profile {
    let w = world.window;
    let (household, rank) = world.household_of[index as usize];
    let home = world.household(household);
    let age = match rank {
        0 => home.reference_age,
        1 => (home.reference_age + between(rng, -6, 7) as i32).clamp(18, 95),
        _ if home.reference_age >= 40 => between(rng, 18, 30) as i32,
        _ => age_at_end(rng),
    };
    let birth = add_months(w.end, -12 * age) - between(rng, 0, 365) as Day;
    let gender = ["F", "M", "X"][weighted(rng, &[0.49, 0.49, 0.02])];
    let first_name = match gender {
        "F" => *pick(rng, FEMALE_FIRST_NAMES),
        "M" => *pick(rng, MALE_FIRST_NAMES),
        _ => {
            let names = if chance(rng, 0.5) {
                FEMALE_FIRST_NAMES
            } else {
                MALE_FIRST_NAMES
            };
            *pick(rng, names)
        }
    };
    let same_name = rank == 0 || chance(rng, if rank == 1 { 0.8 } else { 0.95 });
    let last_name = if same_name {
        LAST_NAMES[home.last_name]
    } else {
        *pick(rng, LAST_NAMES)
    };
    let income = if rank >= 2 {
        home.income.min(1)
    } else {
        home.income
    };
    // Assets follow income, and accumulate with age.
    let shift_weights: &[f64] = match age {
        ..35 => &[0.5, 0.45, 0.05],
        35..55 => &[0.3, 0.55, 0.15],
        _ => &[0.2, 0.5, 0.3],
    };
    let shift = weighted(rng, shift_weights) as i32 - 1;
    let assets = (i32::from(income) + shift).clamp(0, 3) as u8;
    let solvent = !chance(rng, [0.07, 0.025, 0.01, 0.005][usize::from(income)]);

    let adult = add_months(birth, 12 * 18);
    let acquired = if chance(rng, world.new_share) {
        between(rng, i64::from(w.start), i64::from(w.end) + 1) as Day
    } else {
        let years = (-(1.0 - rng.random::<f64>()).ln() * 4.5).min(20.0);
        w.start - 1 - (years * 365.25) as Day
    }
    .max(adult);
    let wealthy = assets >= 2;
    let acquisition_channel = if wealthy && chance(rng, 0.25) {
        ch::ADVISER
    } else {
        [ch::STORE, ch::WEB, ch::CALL_CENTRE, ch::TELESALES, ch::APP]
            [weighted(rng, &[0.45, 0.25, 0.1, 0.12, 0.08])]
    };
    let number = u64::from(index) + 1;
    let email = chance(rng, 0.9).then(|| {
        let mut s = String::with_capacity(40);
        match weighted(rng, &[0.6, 0.25, 0.15]) {
            0 => {
                ascii_fold(first_name, &mut s);
                s.push('.');
                ascii_fold(last_name, &mut s);
            }
            1 => {
                ascii_fold(
                    &first_name[..first_name.chars().next().map_or(0, char::len_utf8)],
                    &mut s,
                );
                ascii_fold(last_name, &mut s);
            }
            _ => {
                ascii_fold(last_name, &mut s);
                s.push('_');
                ascii_fold(first_name, &mut s);
            }
        }
        // The customer number keeps every address unique, so no two customers look like duplicates.
        s.push_str(itoa::Buffer::new().format(number));
        s.push('@');
        let weights: Vec<f64> = EMAIL_DOMAINS.iter().map(|d| f64::from(d.1)).collect();
        s.push_str(EMAIL_DOMAINS[weighted(rng, &weights)].0);
        s
    });
    let phone = chance(rng, 0.95).then(|| {
        // An odd multiplier coprime with 10^8 maps customer numbers to distinct subscriber numbers.
        let n = (number.wrapping_mul(2_654_435_761).wrapping_add(world.seed)) % 100_000_000;
        let lead = if n % 3 == 0 { 7 } else { 6 };
        let d = format!("{n:08}");
        if chance(rng, 0.5) {
            format!(
                "+33 {lead} {} {} {} {}",
                &d[0..2],
                &d[2..4],
                &d[4..6],
                &d[6..8]
            )
        } else {
            format!(
                "0{lead} {} {} {} {}",
                &d[0..2],
                &d[2..4],
                &d[4..6],
                &d[6..8]
            )
        }
    });

    let young = age < 30;
    let old = age >= 65;
    let level = lognormal(rng, 1.0, 0.25);
    let calls_base = if age >= 60 { 66.0 } else { 55.0 };
    let sms_base = if young {
        250.0
    } else if age < 45 {
        120.0
    } else {
        45.0
    };
    let data_base = if young {
        14_000.0
    } else if age < 45 {
        9_000.0
    } else if !old {
        5_000.0
    } else {
        1_500.0
    };
    let logins_base = if young {
        12.0
    } else if !old {
        7.0
    } else {
        2.5
    };
    let calls = calls_base * level * lognormal(rng, 1.0, 0.3);
    let minutes = calls * 3.2 * lognormal(rng, 1.0, 0.25);
    let sms = sms_base * level * lognormal(rng, 1.0, 0.35);
    let data = data_base * level * lognormal(rng, 1.0, 0.4);
    let logins = logins_base * lognormal(rng, 1.0, 0.4);
    let zones = 30.0 * lognormal(rng, 1.0, 0.45);
    let drift_from = chance(rng, 0.05).then(|| between(rng, 0, i64::from(w.months)) as i32);

    let spend_tier = match (income, assets) {
        (3, _) | (_, 3) => 2,
        (2, _) | (_, 2) => weighted(rng, &[0.2, 0.5, 0.3]),
        _ => weighted(rng, &[0.6, 0.35, 0.05]),
    };
    let billing_day = acquired.rem_euclid(28) + 1;
    let shared_household = rank > 0
        || world
            .household_of
            .get(index as usize + 1)
            .is_some_and(|h| h.0 == household);
    Profile {
        number,
        household,
        shared_household,
        first_name,
        last_name,
        gender,
        birth,
        income,
        assets,
        solvent,
        acquired,
        acquisition_channel,
        email,
        phone,
        street: home.street,
        street_no: home.street_no,
        comma: home.comma,
        city: home.city,
        jitter: jitter(rng),
        frailty: gamma(rng, CHURN.frailty_shape, CHURN.frailty_scale),
        complaint_proneness: gamma(rng, 1.5, 1.0 / 1.5),
        contact_proneness: gamma(rng, 2.0, 0.5),
        purchase_rate: gamma(rng, 0.8, 0.15),
        spend_tier,
        billing_day,
        usage_base: [calls, minutes, sms, data, logins, zones],
        drift_from,
    }
}
