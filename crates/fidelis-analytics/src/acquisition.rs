//! Acquisition scoring: the expected first-year profit of a new applicant, from what is known at
//! sign-up (acquisition channel, age, income and assets bands, postcode area, gender, the products
//! taken), learnt from past customers' first-year net margin (DESIGN.md capability 4: "the same
//! machinery predicts a new customer's expected profit at acquisition").
//!
//! - [`first_year_net`]: each past customer's P&L over the 365 days from its acquisition date, by
//!   the rules of [`crate::pnl`] (revenue − product cost − cost to serve).
//! - [`train_acquisition`]: encodes the sign-up attributes, fits gradient-boosted trees with squared
//!   loss ([`fit_gbdt_regression`]) on a random share of the customers and reports R², MAE and RMSE
//!   on the others, beside the same figures for predicting the training mean.
//! - [`AcquisitionModel::predict`]: the expected first-year net margin of an [`Applicant`], in the
//!   currency units of the training targets. An applicant arrives as JSON; [`Applicant::validate`]
//!   checks what the types cannot (dates in order, a plausible age, gender code, postcode).
//!
//! The postcode area (its first two characters: the French département) is encoded by the mean
//! target of the training customers of that area, shrunk towards the overall mean by
//! [`AcquisitionOptions::area_smoothing`] pseudo-customers, and by how many customers it had; an area
//! never seen reads as missing.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::btyd::simulate::Rng;
use crate::churn::{
    Band, ChannelKind, ChurnError, Day, FeatureMatrix, GbdtModel, GbdtParams, fit_gbdt_regression,
};
use crate::pnl::{self, History, Id, PnlOptions};

/// Why an applicant or a training set was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AcquisitionError {
    /// A field of an applicant is out of its range.
    #[error("{field} = {value:?}: expected {expected}")]
    Invalid {
        /// The field (as named in the JSON).
        field: &'static str,
        /// Its value.
        value: String,
        /// What it must be.
        expected: &'static str,
    },
    /// Too few customers to train and evaluate.
    #[error("{found} past customers with a complete first year, at least {needed} are needed")]
    TooFew {
        /// Customers available.
        found: usize,
        /// Customers needed.
        needed: usize,
    },
    /// The model could not be fitted.
    #[error(transparent)]
    Model(#[from] ChurnError),
}

/// A calendar date written `YYYY-MM-DD` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDate(pub Day);

impl IsoDate {
    /// Parses `YYYY-MM-DD`; None for anything else, including impossible dates (2025-02-30).
    pub fn parse(text: &str) -> Option<IsoDate> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let number = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(r)?;
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let (y, m, d) = (number(0..4)? as i32, number(5..7)?, number(8..10)?);
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        let day = Day::from_ymd(y, m, d);
        (day.ymd() == (y, m, d)).then_some(IsoDate(day))
    }
}

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.iso())
    }
}

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IsoDate, D::Error> {
        let text = String::deserialize(d)?;
        IsoDate::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected a date written YYYY-MM-DD, found {text:?}"
            ))
        })
    }
}

/// What is known of a new customer at sign-up. Every field but `signup_date` may be missing;
/// the model reads a missing attribute as unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    /// Day of the application (age and season are taken at this date).
    #[serde(default)]
    pub signup_date: Option<IsoDate>,
    /// Date of birth.
    #[serde(default)]
    pub birth_date: Option<IsoDate>,
    /// Kind of the channel the applicant came through (`web`, `store`, `telesales`, …).
    #[serde(default)]
    pub acquisition_channel: Option<ChannelKind>,
    /// Income band (`low`, `medium`, `high`, `very_high`).
    #[serde(default)]
    pub income_band: Option<Band>,
    /// Assets band.
    #[serde(default)]
    pub assets_band: Option<Band>,
    /// Postcode; its first two characters are the area.
    #[serde(default)]
    pub postcode: Option<String>,
    /// `F`, `M` or `X`.
    #[serde(default)]
    pub gender: Option<String>,
    /// Categories of the products taken at sign-up (`mobile_plan`, `internet`, …).
    #[serde(default)]
    pub products: Vec<String>,
}

impl Applicant {
    /// Checks what the types cannot: the birth date before the sign-up date and an age of at most
    /// 120 years, a gender code, a postcode of 2 to 10 letters or digits, at most 20 products.
    pub fn validate(&self) -> Result<(), AcquisitionError> {
        if let (Some(birth), Some(signup)) = (self.birth_date, self.signup_date)
            && (birth > signup || signup.0.0 - birth.0.0 > 120 * 366)
        {
            return Err(AcquisitionError::Invalid {
                field: "birth_date",
                value: birth.0.iso(),
                expected: "a date before signup_date, at most 120 years before",
            });
        }
        if let Some(g) = &self.gender
            && !matches!(g.as_str(), "F" | "M" | "X")
        {
            return Err(AcquisitionError::Invalid {
                field: "gender",
                value: g.clone(),
                expected: "F, M or X",
            });
        }
        if let Some(p) = &self.postcode {
            let p = p.trim();
            if !(2..=10).contains(&p.len()) || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(AcquisitionError::Invalid {
                    field: "postcode",
                    value: p.to_owned(),
                    expected: "2 to 10 letters or digits",
                });
            }
        }
        if self.products.len() > 20 {
            return Err(AcquisitionError::Invalid {
                field: "products",
                value: self.products.len().to_string(),
                expected: "at most 20 products",
            });
        }
        Ok(())
    }

    /// The postcode area: the first two characters, upper-case.
    fn area(&self) -> Option<String> {
        let p = self.postcode.as_deref()?.trim();
        (p.len() >= 2).then(|| p[..2].to_ascii_uppercase())
    }

    /// Age in years at sign-up.
    fn age(&self) -> Option<f64> {
        let (birth, signup) = (self.birth_date?, self.signup_date?);
        Some(f64::from(signup.0.0 - birth.0.0) / 365.25)
    }
}

/// Options of [`train_acquisition`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AcquisitionOptions {
    /// The trees (squared loss).
    pub gbdt: GbdtParams,
    /// Share of customers held out for evaluation, in (0, 1).
    pub validation_share: f64,
    /// Seed of the split (the trees use `gbdt.seed`).
    pub seed: u64,
    /// Pseudo-customers at the overall mean added to each postcode area's mean.
    pub area_smoothing: f64,
}

impl Default for AcquisitionOptions {
    fn default() -> Self {
        AcquisitionOptions {
            gbdt: GbdtParams {
                rounds: 200,
                learning_rate: 0.05,
                min_data_in_leaf: 20,
                ..GbdtParams::default()
            },
            validation_share: 0.25,
            seed: 0,
            area_smoothing: 20.0,
        }
    }
}

/// The trained model: the encoding of applicants and the trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcquisitionModel {
    /// Product categories counted as features, in order.
    pub categories: Vec<String>,
    /// Mean target of the training customers.
    pub mean_target: f64,
    /// Per postcode area: (smoothed mean target, training customers).
    pub areas: BTreeMap<String, (f64, u32)>,
    /// The trees; their raw score is the prediction.
    pub model: GbdtModel,
}

/// Held-out figures of a regression, beside predicting the training mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    /// Rows evaluated.
    pub rows: usize,
    /// Mean of their targets.
    pub mean_target: f64,
    /// Coefficient of determination, 1 − SSE / SST (SST around the held-out mean).
    pub r2: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// R² of predicting the training mean for everyone (≤ 0).
    pub mean_r2: f64,
    /// MAE of predicting the training mean.
    pub mean_mae: f64,
    /// RMSE of predicting the training mean.
    pub mean_rmse: f64,
}

/// What [`train_acquisition`] returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcquisitionTraining {
    /// The model, trained on the training customers.
    pub model: AcquisitionModel,
    /// Its figures on the held-out customers.
    pub validation: RegressionMetrics,
    /// (feature, total gain), most important first.
    pub importance: Vec<(String, f64)>,
    /// Training customers.
    pub train_rows: usize,
}

fn band_value(b: Option<Band>) -> f32 {
    match b {
        Some(b) => Band::ALL.iter().position(|&x| x == b).unwrap_or(0) as f32,
        None => f32::NAN,
    }
}

impl AcquisitionModel {
    /// The features, in column order.
    pub fn feature_names(categories: &[String]) -> Vec<String> {
        let mut names: Vec<String> = [
            "age_years",
            "signup_month",
            "income_band",
            "assets_band",
            "gender_f",
            "gender_m",
            "gender_x",
        ]
        .map(str::to_owned)
        .to_vec();
        names.extend(
            ChannelKind::ALL
                .iter()
                .map(|k| format!("channel_{}", k.name())),
        );
        names.push("postcode_area_margin".into());
        names.push("postcode_area_customers".into());
        names.push("products_total".into());
        names.extend(categories.iter().map(|c| format!("products_{c}")));
        names
    }

    /// The applicant's feature row.
    pub fn encode(&self, applicant: &Applicant) -> Vec<f32> {
        encode(applicant, &self.categories, &self.areas)
    }

    /// Expected first-year net margin of the applicant, in the training targets' currency units.
    pub fn predict(&self, applicant: &Applicant) -> f64 {
        self.model.predict_raw_row(&self.encode(applicant))
    }
}

fn encode(a: &Applicant, categories: &[String], areas: &BTreeMap<String, (f64, u32)>) -> Vec<f32> {
    let mut row = Vec::with_capacity(22 + categories.len());
    row.push(a.age().map_or(f32::NAN, |v| v as f32));
    row.push(a.signup_date.map_or(f32::NAN, |d| d.0.ymd().1 as f32));
    row.push(band_value(a.income_band));
    row.push(band_value(a.assets_band));
    for g in ["F", "M", "X"] {
        row.push(match &a.gender {
            Some(x) => f32::from(u8::from(x == g)),
            None => f32::NAN,
        });
    }
    for k in ChannelKind::ALL {
        row.push(match a.acquisition_channel {
            Some(c) => f32::from(u8::from(c == *k)),
            None => f32::NAN,
        });
    }
    let area = a.area().and_then(|x| areas.get(&x));
    row.push(area.map_or(f32::NAN, |(m, _)| *m as f32));
    row.push(area.map_or(0.0, |(_, n)| *n as f32));
    row.push(a.products.len() as f32);
    for c in categories {
        row.push(a.products.iter().filter(|p| *p == c).count() as f32);
    }
    row
}

/// Smoothed mean target per postcode area over the given rows.
fn area_means(
    applicants: &[&Applicant],
    targets: &[f64],
    prior: f64,
    smoothing: f64,
) -> BTreeMap<String, (f64, u32)> {
    let mut sums: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    for (a, &y) in applicants.iter().zip(targets) {
        if let Some(area) = a.area() {
            let e = sums.entry(area).or_default();
            e.0 += y;
            e.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(k, (sum, n))| {
            (
                k,
                ((sum + smoothing * prior) / (f64::from(n) + smoothing), n),
            )
        })
        .collect()
}

fn metrics(predicted: &[f64], actual: &[f64], train_mean: f64) -> RegressionMetrics {
    let n = actual.len().max(1) as f64;
    let mean = actual.iter().sum::<f64>() / n;
    let sst: f64 = actual.iter().map(|y| (y - mean).powi(2)).sum();
    let figures = |p: &dyn Fn(usize) -> f64| {
        let sse: f64 = (0..actual.len()).map(|i| (actual[i] - p(i)).powi(2)).sum();
        let sae: f64 = (0..actual.len()).map(|i| (actual[i] - p(i)).abs()).sum();
        let r2 = if sst > 0.0 { 1.0 - sse / sst } else { 0.0 };
        (r2, sae / n, (sse / n).sqrt())
    };
    let (r2, mae, rmse) = figures(&|i| predicted[i]);
    let (mean_r2, mean_mae, mean_rmse) = figures(&|_| train_mean);
    RegressionMetrics {
        rows: actual.len(),
        mean_target: mean,
        r2,
        mae,
        rmse,
        mean_r2,
        mean_mae,
        mean_rmse,
    }
}

/// Fewest customers [`train_acquisition`] accepts.
pub const MIN_CUSTOMERS: usize = 40;

/// Trains on `applicants` (past customers as they were at sign-up) and their first-year net margin
/// `targets`, holding out a random share of customers for evaluation. `categories`: the product
/// categories to count. Deterministic per `options.seed` and `options.gbdt.seed`.
pub fn train_acquisition(
    applicants: &[Applicant],
    targets: &[f64],
    categories: &[String],
    options: &AcquisitionOptions,
) -> Result<AcquisitionTraining, AcquisitionError> {
    if targets.len() != applicants.len() {
        return Err(ChurnError::LengthMismatch {
            what: "acquisition targets".into(),
            found: targets.len(),
            expected: applicants.len(),
        }
        .into());
    }
    if applicants.len() < MIN_CUSTOMERS {
        return Err(AcquisitionError::TooFew {
            found: applicants.len(),
            needed: MIN_CUSTOMERS,
        });
    }
    if !(options.validation_share > 0.0 && options.validation_share < 1.0) {
        return Err(ChurnError::InvalidParameter {
            name: "validation_share",
            value: options.validation_share.to_string(),
            expected: "in (0, 1)",
        }
        .into());
    }
    let mut order: Vec<usize> = (0..applicants.len()).collect();
    let mut rng = Rng::new(options.seed);
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let held = ((order.len() as f64 * options.validation_share).round() as usize)
        .clamp(1, order.len() - 1);
    let (valid, train) = order.split_at(held);
    let mut train = train.to_vec();
    train.sort_unstable();
    let mut valid = valid.to_vec();
    valid.sort_unstable();

    let train_targets: Vec<f64> = train.iter().map(|&i| targets[i]).collect();
    let train_mean = train_targets.iter().sum::<f64>() / train_targets.len() as f64;
    let train_applicants: Vec<&Applicant> = train.iter().map(|&i| &applicants[i]).collect();
    let areas = area_means(
        &train_applicants,
        &train_targets,
        train_mean,
        options.area_smoothing,
    );
    let names = AcquisitionModel::feature_names(categories);
    let mut values = Vec::with_capacity(train.len() * names.len());
    for a in &train_applicants {
        values.extend(encode(a, categories, &areas));
    }
    let x = FeatureMatrix::new(names, values)?;
    let trees = fit_gbdt_regression(&x, &train_targets, &options.gbdt)?;
    let model = AcquisitionModel {
        categories: categories.to_vec(),
        mean_target: train_mean,
        areas,
        model: trees,
    };
    let predicted: Vec<f64> = valid
        .iter()
        .map(|&i| model.predict(&applicants[i]))
        .collect();
    let actual: Vec<f64> = valid.iter().map(|&i| targets[i]).collect();
    Ok(AcquisitionTraining {
        importance: model.model.importance_ranking(),
        validation: metrics(&predicted, &actual, train_mean),
        model,
        train_rows: train.len(),
    })
}

/// Each cohort customer's net margin (minor units) over the 365 days from its acquisition day,
/// by the P&L rules of [`crate::pnl`]. `cohort`: (customer, acquisition day). Rows of other
/// customers are ignored. Every row is moved to days since its customer's acquisition, so that one
/// P&L over days 0 … 364 covers each customer's own first year (contract months are then counted on
/// anniversaries of the moved start, which may shift a month's accrual by a day or two).
pub fn first_year_net(
    history: &History,
    cohort: &[(Id, i32)],
    complaint_handling_cost: i64,
) -> Vec<(Id, i64)> {
    let start: HashMap<Id, i32> = cohort.iter().copied().collect();
    let shift = |customer: Id, day: i32| start.get(&customer).map(|s| day - s);
    let mut moved = History {
        customers: history
            .customers
            .iter()
            .filter(|c| start.contains_key(&c.id))
            .copied()
            .collect(),
        products: history.products.clone(),
        channels: history.channels.clone(),
        campaigns: history.campaigns.clone(),
        ..History::default()
    };
    for t in &history.transactions {
        if let Some(day) = shift(t.customer, t.day) {
            moved.transactions.push(pnl::TransactionRow { day, ..*t });
        }
    }
    for c in &history.contracts {
        if let Some(s) = shift(c.customer, c.start) {
            moved.contracts.push(pnl::ContractRow {
                start: s,
                stop: c.stop.and_then(|d| shift(c.customer, d)),
                ..*c
            });
        }
    }
    for i in &history.interactions {
        if let Some(day) = shift(i.customer, i.day) {
            moved.interactions.push(pnl::InteractionRow { day, ..*i });
        }
    }
    for c in &history.complaints {
        if let Some(day) = shift(c.customer, c.day) {
            moved.complaints.push(pnl::ComplaintRow { day, ..*c });
        }
    }
    for m in &history.campaign_members {
        if start.contains_key(&m.customer) {
            moved.campaign_members.push(pnl::CampaignMemberRow {
                contacted_day: m.contacted_day.and_then(|d| shift(m.customer, d)),
                ..*m
            });
        }
    }
    let options = PnlOptions {
        as_of: 364,
        since: Some(0),
        complaint_handling_cost,
    };
    pnl::customer_pnl(&moved, &options)
        .customers
        .into_iter()
        .map(|(id, p)| (id, p.net()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            IsoDate::parse("2024-02-29"),
            Some(IsoDate(Day::from_ymd(2024, 2, 29)))
        );
        for bad in [
            "2025-02-29",
            "31/12/2024",
            "2024-1-01",
            "2024-13-01",
            "",
            "2024-01-0x",
        ] {
            assert_eq!(IsoDate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn applicants_are_validated() {
        let ok = Applicant {
            signup_date: IsoDate::parse("2026-01-10"),
            birth_date: IsoDate::parse("1980-05-17"),
            gender: Some("F".into()),
            postcode: Some("75011".into()),
            ..Applicant::default()
        };
        assert_eq!(ok.validate(), Ok(()));
        let late = Applicant {
            birth_date: IsoDate::parse("2026-02-01"),
            ..ok.clone()
        };
        assert!(matches!(
            late.validate(),
            Err(AcquisitionError::Invalid {
                field: "birth_date",
                ..
            })
        ));
        let odd = Applicant {
            gender: Some("female".into()),
            ..ok.clone()
        };
        assert_eq!(
            odd.validate().unwrap_err().to_string(),
            "gender = \"female\": expected F, M or X"
        );
        let odd = Applicant {
            postcode: Some("7".into()),
            ..ok
        };
        assert!(odd.validate().is_err());
    }

    #[test]
    fn the_model_learns_what_sign_up_attributes_say_of_profit() {
        // Profit rises with income and is higher from the adviser channel; age says nothing.
        let mut rng = Rng::new(3);
        let (mut applicants, mut targets) = (Vec::new(), Vec::new());
        for i in 0..2_000 {
            let income = Band::ALL[rng.below(4) as usize];
            let channel = ChannelKind::ALL[rng.below(10) as usize];
            let a = Applicant {
                signup_date: Some(IsoDate(Day::from_ymd(2024, 1 + (i % 12) as u32, 5))),
                birth_date: Some(IsoDate(Day::from_ymd(1950 + rng.below(50) as i32, 3, 1))),
                acquisition_channel: Some(channel),
                income_band: Some(income),
                postcode: Some(format!("{:02}100", 1 + rng.below(95))),
                products: vec!["mobile_plan".into()],
                ..Applicant::default()
            };
            let level = 100.0 * band_value(Some(income)) as f64
                + if channel == ChannelKind::Adviser {
                    300.0
                } else {
                    0.0
                };
            targets.push(level + 60.0 * (rng.uniform() - 0.5));
            applicants.push(a);
        }
        let categories = vec!["mobile_plan".to_owned(), "tv".to_owned()];
        let options = AcquisitionOptions::default();
        let t = train_acquisition(&applicants, &targets, &categories, &options).unwrap();
        assert!(t.validation.r2 > 0.9, "{:?}", t.validation);
        assert!(t.validation.mae < t.validation.mean_mae / 3.0);
        assert!(t.validation.mean_r2 <= 0.0);
        // Same inputs, same model.
        let again = train_acquisition(&applicants, &targets, &categories, &options).unwrap();
        assert_eq!(again.model, t.model);
        let rich_adviser = Applicant {
            income_band: Some(Band::VeryHigh),
            acquisition_channel: Some(ChannelKind::Adviser),
            ..applicants[0].clone()
        };
        let poor_web = Applicant {
            income_band: Some(Band::Low),
            acquisition_channel: Some(ChannelKind::Web),
            ..applicants[0].clone()
        };
        assert!(t.model.predict(&rich_adviser) - t.model.predict(&poor_web) > 400.0);
        // Too few customers is an error, not a model.
        assert_eq!(
            train_acquisition(&applicants[..10], &targets[..10], &categories, &options)
                .unwrap_err(),
            AcquisitionError::TooFew {
                found: 10,
                needed: MIN_CUSTOMERS
            }
        );
    }

    #[test]
    fn first_year_margin_counts_each_customers_own_first_year() {
        use crate::pnl::{CustomerRow, Product, ProductKind, TransactionKind, TransactionRow};
        let sale = |customer, day, amount| TransactionRow {
            customer,
            product: 1,
            channel: None,
            day,
            kind: TransactionKind::Sale,
            amount,
            cost: amount / 2,
        };
        let history = History {
            customers: vec![
                CustomerRow {
                    id: 1,
                    churned: false,
                },
                CustomerRow {
                    id: 2,
                    churned: false,
                },
            ],
            products: vec![Product {
                id: 1,
                category: "accessory".into(),
                kind: ProductKind::OneOff,
                unit_cost: 0,
            }],
            // Customer 1 joins on day 1000: its sales on days 1000 and 1364 count, 1365 does not.
            // Customer 2 joins on day 2000: its sale on day 1999 (before) does not count.
            transactions: vec![
                sale(1, 1000, 1000),
                sale(1, 1364, 2000),
                sale(1, 1365, 4000),
                sale(2, 1999, 8000),
                sale(2, 2100, 600),
            ],
            ..History::default()
        };
        let mut net = first_year_net(&history, &[(1, 1000), (2, 2000)], 2_000);
        net.sort();
        assert_eq!(net, vec![(1, 1500), (2, 300)]);
    }
}
