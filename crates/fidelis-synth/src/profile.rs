//! A customer's fixed traits: identity, household, bands, acquisition, and the hidden propensities
//! (frailty, complaining, contacting, buying, usage levels) that drive the simulation.

use rand::Rng;

use crate::calendar::{Day, add_months};
use crate::catalog::ch;
use crate::names::{EMAIL_DOMAINS, FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, ascii_fold};
use crate::random::{Stream, between, chance, gamma, lognormal, pick, weighted};
use crate::story::CHURN;
use crate::world::{World, age_at_end};

/// The customer's fixed traits (the town and address change when they move).
pub(crate) struct Profile {
    pub number: u64,
    pub household: u32,
    pub shared_household: bool,
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
    pub complaint_proneness: f64,
    pub contact_proneness: f64,
    pub purchase_rate: f64,
    pub spend_tier: usize,
    pub billing_day: i32,
    /// Usage level per metric in a normal month.
    pub usage_base: [f64; 6],
    /// A few customers drift down in usage without ever leaving (the false alarms of a churn model).
    pub drift_from: Option<i32>,
}

pub(crate) fn jitter(rng: &mut Stream) -> (i64, i64) {
    (between(rng, -300, 301), between(rng, -400, 401))
}

pub(crate) fn profile(world: &World, index: u32, rng: &mut Stream) -> Profile {
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
