//! One customer's life over the window: profile, holdings, monthly events, the decision to leave and
//! the months of falling usage that precede the departure.
//!
//! Everything a customer does is drawn from that customer's own random stream, in a fixed order, so
//! the result depends only on (seed, customer index) and the shared [`World`].

mod churn;

use crate::calendar::{Day, SECONDS_PER_DAY, Ts, add_months, age_on, calendar_month, month_start};
use crate::catalog::{PRODUCTS, ProductKind, ch, p};
use crate::names::{CITIES, STREETS};
use crate::random::{
    Purpose, Stream, between, chance, lognormal, normal, pick, poisson, stream, weighted,
};
use crate::story::{CAMPAIGN, CHURN, COMPLEX_PURCHASE_RATE, COMPLEX_VIA_ADVISER};
use crate::world::World;
use rand::Rng;

use crate::profile::{Profile, jitter, profile};
use crate::records::{
    CampaignPart, Category, ComplaintRec, ConsentRec, ContractRec, Decision, InteractionRec,
    LATE_RESPONSE_DAYS, LifeKind, LifeRec, Op, Status, SurveyRec, TxRec,
};

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
        sim.life_events.sort_by_key(|e| e.day);
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
        const PLANS: [usize; 4] = [
            p::MOBILE_5GB,
            p::MOBILE_50GB,
            p::MOBILE_150GB,
            p::MOBILE_UNLIMITED,
        ];
        // A contract signed long ago can only be on a plan that existed then.
        let mut k = weighted(&mut self.rng, &weights);
        while k > 0 && !self.launched(PLANS[k], day) {
            k -= 1;
        }
        PLANS[k]
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
            let delay = (lognormal(&mut self.rng, median_days, 0.9) * DAY as f64) as i64;
            during_office_hours(opened + delay, opened)
        });
        let resolved = first_response
            .filter(|_| chance(&mut self.rng, 0.88))
            .map(|f| {
                let delay = (lognormal(&mut self.rng, 4.0, 0.8) * DAY as f64) as i64;
                during_office_hours(f + delay, f)
            });
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
        let mut days: Vec<Day> = (0..n)
            .map(|_| between(&mut self.rng, i64::from(from), i64::from(to)) as Day)
            .collect();
        // In date order, so that nothing follows an accepted retention offer.
        days.sort_unstable();
        for day in days {
            if self.decision.is_none() {
                break;
            }
            let channel =
                [ch::CALL_CENTRE, ch::STORE, ch::WEB][weighted(&mut self.rng, &[0.7, 0.2, 0.1])];
            let (op, outcome) = if chance(&mut self.rng, 0.6) {
                (Op::Information, "termination_terms_given")
            } else {
                (Op::Service, "resolved")
            };
            self.interaction_at(day, channel, true, op, outcome);
            if channel != ch::WEB && self.c.solvent && chance(&mut self.rng, 0.35) {
                // The offer is made at the end of the same conversation.
                let at = self
                    .interactions
                    .last()
                    .map_or(i64::from(day) * DAY, |i| i.time + i64::from(i.duration));
                self.retention_offer(at, channel);
            }
        }
    }

    /// The agent spots the departure risk and offers 20 % off for a new 12-month commitment.
    fn retention_offer(&mut self, at: Ts, channel: u8) {
        let day = at.div_euclid(DAY) as Day;
        let fee = self.contracts[self.main].fee;
        let accept = chance(&mut self.rng, if fee >= 1999 { 0.2 } else { 0.08 });
        let outcome = if accept {
            "retention_offer_accepted"
        } else {
            "retention_offer_declined"
        };
        // Same conversation, same agent.
        let agent = self.interactions.last().and_then(|i| i.agent);
        self.interaction_ts(at, channel, true, Op::Retention, outcome);
        if let Some(last) = self.interactions.last_mut() {
            last.agent = agent;
        }
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
        #[rustfmt::skip]
        const SEASON: [[f64; 12]; 6] = [
            [1.0, 1.0, 1.02, 1.0, 1.0, 0.98, 0.9, 0.85, 1.0, 1.02, 1.03, 1.1],
            [1.0, 1.0, 1.02, 1.0, 1.0, 0.98, 0.9, 0.85, 1.0, 1.02, 1.03, 1.12],
            [1.15, 1.0, 1.0, 1.0, 1.0, 1.0, 0.95, 0.95, 1.0, 1.0, 1.0, 1.25],
            [1.0, 0.98, 1.0, 1.0, 1.02, 1.05, 1.15, 1.2, 1.0, 1.0, 1.0, 1.08],
            [1.05, 1.0, 1.0, 1.0, 1.0, 0.95, 0.9, 0.9, 1.05, 1.0, 1.0, 1.05],
            [0.95, 0.95, 1.0, 1.0, 1.05, 1.1, 1.3, 1.35, 1.0, 1.0, 0.95, 1.05],
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
}

/// Back-office answers come in office hours (9:00 to 19:00), at least ten minutes after `after`.
fn during_office_hours(t: Ts, after: Ts) -> Ts {
    let day = t.div_euclid(DAY) * DAY;
    let snapped = day + t.rem_euclid(DAY).clamp(9 * 3600, 19 * 3600);
    snapped.max(after + 600)
}
