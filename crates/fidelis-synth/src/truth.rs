//! `ground_truth.json`: the planted truths, so tests can check that the estimators recover them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::calendar::format_day;
use crate::catalog::PRODUCTS;
use crate::emit::CAMPAIGN_ID;
use crate::records::Driver;
use crate::sim::Sim;
use crate::story::{
    CAMPAIGN, CHURN, COMPLEX_PURCHASE_RATE, COMPLEX_VIA_ADVISER, CampaignModel, ChurnModel,
};
use crate::world::World;

/// What one customer's truth says: when they decided and left, why, and their true risk after `end`.
#[derive(Serialize)]
pub(crate) struct CustomerTruth {
    pub customer_id: String,
    /// `active` or `churned` at `end`, as in customers.csv.
    pub status: &'static str,
    /// Day the customer decided to leave (may precede the window by up to 6 months).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_months: Option<i32>,
    /// Strongest hazard multiplier at the decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn_driver: Option<&'static str>,
    /// Departure within the window (contracts cancelled that day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departed_on: Option<String>,
    /// Departure already decided but falling after `end`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_departure: Option<String>,
    /// Day a retention offer reversed a decision to leave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retained_on: Option<String>,
    /// Unobserved frailty multiplying the hazard (mean 1).
    pub frailty: f64,
    /// Monthly hazard of deciding to leave in the month after `end` (active customers not yet decided).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hazard_next_month: Option<f64>,
    /// Probability of leaving within the 6 months after `end` (active customers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_depart_6m: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_group: Option<&'static str>,
    /// Planted probabilities of buying the promoted product in the response window, without and with the e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_p_control: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_p_treated: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_responded: Option<bool>,
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl CustomerTruth {
    pub(crate) fn of(sim: &Sim, world: &World) -> Self {
        let end = world.window.end;
        let departed = sim.departure.filter(|d| *d <= end);
        let (hazard, p) = if departed.is_some() {
            (None, None)
        } else {
            let (h, p) = sim.risk_after_end();
            (h.map(round6), Some(round6(p)))
        };
        CustomerTruth {
            customer_id: format!("C{:06}", sim.c.number),
            status: if departed.is_some() {
                "churned"
            } else {
                "active"
            },
            decided_on: sim.decision.map(|d| format_day(d.day)),
            lead_months: sim.decision.map(|d| d.lead),
            churn_driver: sim.decision.map(|d| d.driver.name()),
            departed_on: departed.map(format_day),
            planned_departure: sim.departure.filter(|d| *d > end).map(format_day),
            retained_on: sim.retained_on.map(format_day),
            frailty: round6(sim.c.frailty),
            hazard_next_month: hazard,
            p_depart_6m: p,
            campaign_group: sim
                .campaign
                .map(|c| if c.treated { "treatment" } else { "control" }),
            campaign_p_control: sim.campaign.map(|c| round6(c.p_control)),
            campaign_p_treated: sim.campaign.map(|c| round6(c.p_treated)),
            campaign_responded: sim.campaign.map(|c| c.responded),
        }
    }
}

/// Sums over customers, added chunk by chunk in order (so float sums are reproducible).
#[derive(Default, Clone)]
pub(crate) struct Tally {
    pub churned: u64,
    pub retained: u64,
    pub by_driver: BTreeMap<&'static str, u64>,
    pub members: u64,
    pub treated: u64,
    pub treated_responders: u64,
    pub control_responders: u64,
    pub sum_p_control: f64,
    pub sum_p_treated: f64,
    pub treated_revenue: i64,
    pub control_revenue: i64,
    pub complex_sales: [u64; 4],
    pub complex_via_adviser: [u64; 4],
}

impl Tally {
    pub(crate) fn add_customer(&mut self, sim: &Sim, world: &World) {
        if sim.departure.is_some_and(|d| d <= world.window.end) {
            self.churned += 1;
            let driver = sim.decision.map_or(Driver::Baseline, |d| d.driver);
            *self.by_driver.entry(driver.name()).or_default() += 1;
        }
        if sim.retained_on.is_some() {
            self.retained += 1;
        }
        if let Some(c) = sim.campaign {
            self.members += 1;
            self.sum_p_control += c.p_control;
            self.sum_p_treated += c.p_treated;
            if c.treated {
                self.treated += 1;
                self.treated_responders += u64::from(c.responded);
                self.treated_revenue += c.revenue;
            } else {
                self.control_responders += u64::from(c.responded);
                self.control_revenue += c.revenue;
            }
        }
        let band = usize::from(sim.c.assets);
        let start = world.window.start;
        for k in &sim.contracts {
            if PRODUCTS[k.product].complexity >= 4 && k.start >= start {
                self.complex_sales[band] += 1;
                self.complex_via_adviser[band] +=
                    u64::from(k.channel == Some(crate::catalog::ch::ADVISER));
            }
        }
        for t in &sim.transactions {
            if PRODUCTS[t.product].complexity >= 4 && !t.refund && t.channel.is_some() {
                self.complex_sales[band] += 1;
                self.complex_via_adviser[band] +=
                    u64::from(t.channel == Some(crate::catalog::ch::ADVISER));
            }
        }
    }

    pub(crate) fn merge(&mut self, o: &Tally) {
        self.churned += o.churned;
        self.retained += o.retained;
        for (k, v) in &o.by_driver {
            *self.by_driver.entry(k).or_default() += v;
        }
        self.members += o.members;
        self.treated += o.treated;
        self.treated_responders += o.treated_responders;
        self.control_responders += o.control_responders;
        self.sum_p_control += o.sum_p_control;
        self.sum_p_treated += o.sum_p_treated;
        self.treated_revenue += o.treated_revenue;
        self.control_revenue += o.control_revenue;
        for b in 0..4 {
            self.complex_sales[b] += o.complex_sales[b];
            self.complex_via_adviser[b] += o.complex_via_adviser[b];
        }
    }
}

#[derive(Serialize)]
struct ChurnTruth {
    model: ChurnModel,
    /// How a departure is planted.
    story: &'static str,
    churned_customers: u64,
    churn_rate: f64,
    retained_customers: u64,
    churned_by_driver: BTreeMap<&'static str, u64>,
}

#[derive(Serialize)]
struct CampaignPlanted {
    /// Mean over members of the planted response probability without the e-mail.
    mean_response_rate_control: f64,
    mean_response_rate_treated: f64,
    /// Average treatment effect on the response rate (treated minus control probability).
    true_uplift: f64,
    /// Average treatment effect on revenue within the response window, per member, in euros.
    true_revenue_uplift_per_member: f64,
}

#[derive(Serialize)]
struct CampaignRealised {
    members: u64,
    treatment: u64,
    control: u64,
    treatment_responders: u64,
    control_responders: u64,
    treatment_rate: f64,
    control_rate: f64,
    observed_uplift: f64,
    treatment_revenue: f64,
    control_revenue: f64,
}

#[derive(Serialize)]
struct CampaignTruth {
    id: &'static str,
    promoted_product_id: String,
    promoted_product_price: f64,
    start_date: String,
    end_date: String,
    response: &'static str,
    eligibility: &'static str,
    model: CampaignModel,
    planted: CampaignPlanted,
    realised: CampaignRealised,
}

#[derive(Serialize)]
struct ComplexTruth {
    story: &'static str,
    bands: [&'static str; 4],
    monthly_purchase_rate: [f64; 4],
    adviser_share: [f64; 4],
    observed_sales_in_window: [u64; 4],
    observed_via_adviser: [u64; 4],
}

#[derive(Serialize)]
pub(crate) struct GroundTruth {
    generator: &'static str,
    seed: u64,
    customers: u32,
    months: u32,
    window_start: String,
    end: String,
    churn: ChurnTruth,
    campaign: CampaignTruth,
    complex_products: ComplexTruth,
    /// Written separately, one compact object per line, to keep a 100,000-customer file small.
    #[serde(skip)]
    per_customer: Vec<CustomerTruth>,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { round6(a / b) } else { 0.0 }
}

impl GroundTruth {
    /// Pretty JSON for the summary parts, then `per_customer` with one customer per line.
    pub(crate) fn write(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let head = serde_json::to_string_pretty(self)?;
        let head = head
            .trim_end()
            .strip_suffix('}')
            .unwrap_or(&head)
            .trim_end();
        out.write_all(head.as_bytes())?;
        out.write_all(b",\n  \"per_customer\": [")?;
        for (i, c) in self.per_customer.iter().enumerate() {
            out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            serde_json::to_writer(&mut *out, c)?;
        }
        out.write_all(b"\n  ]\n}\n")
    }

    pub(crate) fn new(
        world: &World,
        customers: u32,
        tally: &Tally,
        per_customer: Vec<CustomerTruth>,
    ) -> Self {
        let plan = world.campaign;
        let price = PRODUCTS[plan.product].price as f64 / 100.0;
        let members = tally.members as f64;
        let control = tally.members - tally.treated;
        let uplift = ratio(tally.sum_p_treated - tally.sum_p_control, members);
        let t_rate = ratio(tally.treated_responders as f64, tally.treated as f64);
        let c_rate = ratio(tally.control_responders as f64, control as f64);
        GroundTruth {
            generator: concat!("fidelis-synth ", env!("CARGO_PKG_VERSION")),
            seed: world.seed,
            customers,
            months: world.window.months,
            window_start: format_day(world.window.start),
            end: format_day(world.window.end),
            churn: ChurnTruth {
                model: CHURN,
                story: "each month an active customer decides to leave with probability base_monthly_hazard × frailty × the multipliers that hold at the month's start; they leave lead_months later, their usage falling linearly meanwhile and their contacts with the call centre rising; a retention offer accepted on such a contact reverses the decision",
                churned_customers: tally.churned,
                churn_rate: ratio(tally.churned as f64, f64::from(customers)),
                retained_customers: tally.retained,
                churned_by_driver: tally.by_driver.clone(),
            },
            campaign: CampaignTruth {
                id: CAMPAIGN_ID,
                promoted_product_id: format!("P{:03}", plan.product + 1),
                promoted_product_price: price,
                start_date: format_day(plan.start),
                end_date: format_day(plan.end),
                response: "a sale of the promoted product to the member between start_date and end_date (transactions.csv)",
                eligibility: "active on start_date, solvent, with an e-mail address and e-mail marketing consent granted on start_date",
                model: CAMPAIGN,
                planted: CampaignPlanted {
                    mean_response_rate_control: ratio(tally.sum_p_control, members),
                    mean_response_rate_treated: ratio(tally.sum_p_treated, members),
                    true_uplift: uplift,
                    true_revenue_uplift_per_member: (uplift * price * 100.0).round() / 100.0,
                },
                realised: CampaignRealised {
                    members: tally.members,
                    treatment: tally.treated,
                    control,
                    treatment_responders: tally.treated_responders,
                    control_responders: tally.control_responders,
                    treatment_rate: t_rate,
                    control_rate: c_rate,
                    observed_uplift: round6(t_rate - c_rate),
                    treatment_revenue: tally.treated_revenue as f64 / 100.0,
                    control_revenue: tally.control_revenue as f64 / 100.0,
                },
            },
            complex_products: ComplexTruth {
                story: "products of complexity 4-5 are bought far more often by customers with high assets, and mostly through the wealth adviser",
                bands: ["low", "medium", "high", "very_high"],
                monthly_purchase_rate: COMPLEX_PURCHASE_RATE,
                adviser_share: COMPLEX_VIA_ADVISER,
                observed_sales_in_window: tally.complex_sales,
                observed_via_adviser: tally.complex_via_adviser,
            },
            per_customer,
        }
    }
}
