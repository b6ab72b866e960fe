//! The shared, read-only world every customer is simulated in: the window, the household plan, the
//! campaign date, product launch days, nearest stores and agent names.

use crate::calendar::{Day, Window, add_months, day_from_naive, month_start};
use crate::catalog::{CHANNELS, STORES, ch, launch_days, p};
use crate::config::SynthConfig;
use crate::names::{CITIES, FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, STREETS};
use crate::random::{Purpose, Stream, between, chance, stream, weighted};
use crate::story::CAMPAIGN;

/// When the past campaign ran.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CampaignPlan {
    /// Window month of the start.
    pub month: i32,
    pub start: Day,
    /// Last day of the response window (clamped to the window's end).
    pub end: Day,
    pub product: usize,
}

/// A household's shared attributes, a pure function of (seed, household number).
pub(crate) struct Household {
    pub last_name: usize,
    pub city: usize,
    pub street: usize,
    pub street_no: u32,
    /// Whether the address is written `12, rue …` (exercises CSV quoting) or `12 rue …`.
    pub comma: bool,
    pub income: u8,
    /// Age at `end` of the household's reference adult.
    pub reference_age: i32,
}

pub(crate) struct World {
    pub seed: u64,
    pub window: Window,
    /// Per customer: household number (0-based) and rank in the household (0 = first member).
    pub household_of: Vec<(u32, u8)>,
    pub launch: Vec<Day>,
    pub campaign: CampaignPlan,
    pub city_weights: Vec<f64>,
    /// Index in `STORES` of the store nearest each city.
    pub city_store: Vec<u8>,
    pub agents: Vec<String>,
    /// Per channel, the range of `agents` working there (empty for self-service channels).
    pub agent_pools: Vec<(u16, u16)>,
    /// Share of customers acquired during the window rather than before it.
    pub new_share: f64,
}

impl World {
    pub(crate) fn new(config: &SynthConfig) -> Self {
        let end = day_from_naive(config.end);
        let window = Window::new(end, config.months);
        let month = (config.months as i32 - 1 - CAMPAIGN.months_before_end).max(0);
        let start = (month_start(window.start_month + month) + 2).min(end);
        let campaign = CampaignPlan {
            month: window.relative_month(start),
            start,
            end: (start + CAMPAIGN.response_window_days - 1).min(end),
            product: p::SMARTWATCH,
        };
        let launch = launch_days(window.start, end, campaign.start);
        World {
            seed: config.seed,
            window,
            household_of: household_plan(config.seed, config.customers),
            launch,
            campaign,
            city_weights: CITIES.iter().map(|c| f64::from(c.weight)).collect(),
            city_store: CITIES.iter().map(nearest_store).collect(),
            agents: agent_names(),
            agent_pools: agent_pools(),
            new_share: 0.3 * (f64::from(config.months) / 24.0).min(1.0),
        }
    }

    pub(crate) fn household(&self, number: u32) -> Household {
        let mut rng = stream(self.seed, Purpose::Household, u64::from(number));
        let income = weighted(&mut rng, &[0.30, 0.40, 0.22, 0.08]) as u8;
        Household {
            last_name: rng_index(&mut rng, LAST_NAMES.len()),
            city: weighted(&mut rng, &self.city_weights),
            street: rng_index(&mut rng, STREETS.len()),
            street_no: between(&mut rng, 1, 160) as u32,
            comma: chance(&mut rng, 0.35),
            income,
            reference_age: age_at_end(&mut rng),
        }
    }

    /// A random agent of a channel, as an index into `agents`.
    pub(crate) fn agent(&self, rng: &mut Stream, channel: u8) -> Option<u16> {
        let (from, len) = self.agent_pools[usize::from(channel)];
        (len > 0).then(|| from + between(rng, 0, i64::from(len)) as u16)
    }

    /// Store nearest the customer's town, for store transactions.
    pub(crate) fn store_of(&self, city: usize) -> u8 {
        self.city_store[city]
    }

    pub(crate) fn store_opening(&self, s: usize) -> Day {
        add_months(self.window.start, -12 * STORES[s].opened_years)
    }
}

fn rng_index(rng: &mut Stream, len: usize) -> usize {
    between(rng, 0, len as i64) as usize
}

/// Age at `end` of an adult customer, by the age pyramid of French mobile subscribers (roughly).
pub(crate) fn age_at_end(rng: &mut Stream) -> i32 {
    const BANDS: [(i32, i32, f64); 7] = [
        (18, 25, 0.10),
        (25, 35, 0.18),
        (35, 45, 0.19),
        (45, 55, 0.18),
        (55, 65, 0.16),
        (65, 75, 0.12),
        (75, 91, 0.07),
    ];
    let weights: Vec<f64> = BANDS.iter().map(|b| b.2).collect();
    let (lo, hi, _) = BANDS[weighted(rng, &weights)];
    between(rng, i64::from(lo), i64::from(hi)) as i32
}

/// Households are built in one sequential pass (cheap) so that the customers can then be simulated
/// independently: each customer either joins the previous customer's household or starts a new one.
fn household_plan(seed: u64, customers: u32) -> Vec<(u32, u8)> {
    let mut rng = stream(seed, Purpose::HouseholdPlan, 0);
    let mut plan = Vec::with_capacity(customers as usize);
    let mut number = 0u32;
    let mut rank = 0u8;
    for i in 0..customers {
        let join = i > 0 && rank < 3 && chance(&mut rng, if rank == 0 { 0.25 } else { 0.2 });
        if join {
            rank += 1;
        } else if i > 0 {
            number += 1;
            rank = 0;
        }
        plan.push((number, rank));
    }
    plan
}

fn nearest_store(city: &crate::names::City) -> u8 {
    let mut best = (f64::MAX, 0u8);
    for (i, s) in STORES.iter().enumerate() {
        let c = &CITIES[s.city];
        // Equirectangular distance is plenty to pick the nearest shop.
        let dx = (c.lon - city.lon) * (city.lat.to_radians()).cos();
        let dy = c.lat - city.lat;
        let d = dx * dx + dy * dy;
        if d < best.0 {
            best = (d, i as u8);
        }
    }
    best.1
}

const POOL_SIZES: [(u8, u16); 4] = [
    (ch::STORE, 30),
    (ch::CALL_CENTRE, 40),
    (ch::ADVISER, 8),
    (ch::TELESALES, 12),
];

/// Agent names `Prénom N.`, a fixed roster per staffed channel.
fn agent_names() -> Vec<String> {
    let total: u16 = POOL_SIZES.iter().map(|p| p.1).sum();
    (0..total as usize)
        .map(|k| {
            let first = if k % 2 == 0 {
                FEMALE_FIRST_NAMES[(k * 7 + 3) % FEMALE_FIRST_NAMES.len()]
            } else {
                MALE_FIRST_NAMES[(k * 11 + 5) % MALE_FIRST_NAMES.len()]
            };
            let last = LAST_NAMES[(k * 13 + 1) % LAST_NAMES.len()];
            let initial: String = last.chars().take(1).collect();
            format!("{first} {initial}.")
        })
        .collect()
}

fn agent_pools() -> Vec<(u16, u16)> {
    let mut pools = vec![(0u16, 0u16); CHANNELS.len()];
    let mut next = 0u16;
    for (channel, size) in POOL_SIZES {
        pools[usize::from(channel)] = (next, size);
        next += size;
    }
    pools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn households_are_small_and_consecutive() {
        let plan = household_plan(3, 5_000);
        assert_eq!(plan[0], (0, 0));
        for w in plan.windows(2) {
            let (a, b) = (w[0], w[1]);
            assert!(b == (a.0, a.1 + 1) || b == (a.0 + 1, 0), "{a:?} then {b:?}");
        }
        let households = plan.last().map_or(0, |h| h.0 + 1);
        assert!(households > 3_000 && households < 4_500, "{households}");
    }
}
