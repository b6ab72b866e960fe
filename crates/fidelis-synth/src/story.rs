//! The planted parameters of the generative story, in one place so the ground truth can quote them.

use serde::Serialize;

/// Multipliers on the monthly hazard of deciding to leave (each applies when its condition holds).
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct HazardMultipliers {
    /// Customer for less than 12 months.
    pub tenure_under_12_months: f64,
    /// Main mobile contract still committed for more than 3 months.
    pub in_commitment: f64,
    /// Main mobile contract's commitment ends within the next 3 months.
    pub commitment_ends_within_3_months: f64,
    /// Commitment over and not renewed.
    pub out_of_commitment: f64,
    /// Main plan's fee above what the income band affords (`affordable_monthly_fee`).
    pub price_above_means: f64,
    /// Per complaint opened in the last 6 months (at most two count).
    pub per_recent_complaint: f64,
    /// A complaint of the last 6 months still unresolved.
    pub unresolved_complaint: f64,
    /// A complaint of the last 6 months whose first response took more than 8 days.
    pub late_first_response: f64,
    /// Moved house in the last 3 months.
    pub moving: f64,
    /// Divorced in the last 3 months.
    pub divorce: f64,
    /// Any other life event in the last 3 months.
    pub other_life_event: f64,
    /// Insolvent customer (`solvent=false`).
    pub insolvent: f64,
    /// High or very high assets and an active complex product (complexity ≥ 4), i.e. an adviser relationship.
    pub adviser_relationship: f64,
    /// Living in a town with a poor mobile network.
    pub poor_network_area: f64,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct ChurnModel {
    /// Monthly hazard of deciding to leave when every multiplier is 1 and frailty is 1.
    pub base_monthly_hazard: f64,
    /// Unobserved frailty, Gamma(shape, scale) with mean 1, multiplying the hazard.
    pub frailty_shape: f64,
    pub frailty_scale: f64,
    pub max_monthly_hazard: f64,
    /// A customer who decides leaves `lead` months later, `lead` uniform in min..=max.
    pub lead_months_min: i32,
    pub lead_months_max: i32,
    /// Usage falls linearly through the lead months, to (1 - drop) of normal in the month of departure.
    pub usage_drop_at_departure: f64,
    /// Extra inbound contacts per month while leaving (Poisson mean), mostly to the call centre.
    pub extra_contacts_while_leaving: f64,
    /// Affordable monthly fee (cents) per income band low, medium, high, very_high.
    pub affordable_monthly_fee: [i64; 4],
    pub multipliers: HazardMultipliers,
}

pub(crate) const CHURN: ChurnModel = ChurnModel {
    base_monthly_hazard: 0.011,
    frailty_shape: 2.0,
    frailty_scale: 0.5,
    max_monthly_hazard: 0.6,
    lead_months_min: 2,
    lead_months_max: 6,
    usage_drop_at_departure: 0.65,
    extra_contacts_while_leaving: 0.8,
    affordable_monthly_fee: [1500, 2500, 5000, 1_000_000],
    multipliers: HazardMultipliers {
        tenure_under_12_months: 1.5,
        in_commitment: 0.5,
        commitment_ends_within_3_months: 2.5,
        out_of_commitment: 1.6,
        price_above_means: 1.6,
        per_recent_complaint: 1.8,
        unresolved_complaint: 2.5,
        late_first_response: 1.6,
        moving: 3.0,
        divorce: 1.8,
        other_life_event: 1.2,
        insolvent: 1.8,
        adviser_relationship: 0.6,
        poor_network_area: 1.3,
    },
};

/// The past e-mail campaign: a random control group and a true effect on buying the promoted product.
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct CampaignModel {
    pub control_share: f64,
    /// Probability of buying the promoted product within the response window without the e-mail…
    pub base_response_rate: f64,
    /// …and with it (before the age multiplier).
    pub treated_response_rate: f64,
    pub response_window_days: i32,
    /// Multiplier on both rates by age at the campaign: under 35, 35 to 54, 55 and over.
    pub age_multipliers: [f64; 3],
    /// Cost of one e-mail, cents.
    pub cost_per_contact: i64,
    /// Campaign start: this many months before the last month of the window (clamped to the window).
    pub months_before_end: i32,
}

pub(crate) const CAMPAIGN: CampaignModel = CampaignModel {
    control_share: 0.10,
    base_response_rate: 0.03,
    treated_response_rate: 0.06,
    response_window_days: 30,
    age_multipliers: [1.4, 1.0, 0.6],
    cost_per_contact: 5,
    months_before_end: 6,
};

/// Monthly rate of buying a complex product (complexity ≥ 4) by assets band, and the share of those
/// purchases made through the wealth adviser: wealthy customers buy complex products through advisers.
pub(crate) const COMPLEX_PURCHASE_RATE: [f64; 4] = [0.0008, 0.0015, 0.010, 0.022];
pub(crate) const COMPLEX_VIA_ADVISER: [f64; 4] = [0.25, 0.30, 0.80, 0.85];
