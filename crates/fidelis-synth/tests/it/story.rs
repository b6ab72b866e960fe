//! The planted structure is there to be found: falling usage before departures, wealthy customers
//! buying complex products through advisers, a campaign that works, costs and margins that differ.

use std::collections::{HashMap, HashSet};

use fidelis_synth::{Entity, GROUND_TRUTH_FILE};
use serde_json::Value;

use crate::{DataSet, medium, read};

fn truth(set: &DataSet) -> Value {
    let text = std::fs::read_to_string(set.dir.join(GROUND_TRUTH_FILE)).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        f64::NAN
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

/// customer → period → (calls, minutes, sms, data_mb)
fn usage(set: &DataSet) -> HashMap<String, Vec<(String, [f64; 4])>> {
    let table = read(&set.dir, Entity::Usage);
    let (c, p, m, v) = (
        table.col("customer_id"),
        table.col("period"),
        table.col("metric"),
        table.col("value"),
    );
    let mut out: HashMap<String, Vec<(String, [f64; 4])>> = HashMap::new();
    for r in &table.rows {
        let k = match r[m].as_str() {
            "calls" => 0,
            "minutes" => 1,
            "sms" => 2,
            "data_mb" => 3,
            _ => continue,
        };
        let months = out.entry(r[c].clone()).or_default();
        if months.last().is_none_or(|l| l.0 != r[p]) {
            months.push((r[p].clone(), [0.0; 4]));
        }
        if let Some(last) = months.last_mut() {
            last.1[k] = r[v].parse().unwrap_or(0.0);
        }
    }
    out
}

/// Mean over the four metrics of (mean of the `recent` months / mean of the `base` months).
fn usage_ratio(base: &[[f64; 4]], recent: &[[f64; 4]]) -> Option<f64> {
    let mut ratios = Vec::new();
    for k in 0..4 {
        let b = mean(&base.iter().map(|x| x[k]).collect::<Vec<_>>());
        let r = mean(&recent.iter().map(|x| x[k]).collect::<Vec<_>>());
        if b > 0.0 {
            ratios.push(r / b);
        }
    }
    (!ratios.is_empty()).then(|| mean(&ratios))
}

fn customer_status(set: &DataSet) -> HashMap<String, String> {
    let t = read(&set.dir, Entity::Customers);
    t.column("id")
        .into_iter()
        .map(str::to_owned)
        .zip(t.column("status").into_iter().map(str::to_owned))
        .collect()
}

fn departures(set: &DataSet) -> HashMap<String, String> {
    let t = truth(set);
    let mut out = HashMap::new();
    for c in t["per_customer"].as_array().into_iter().flatten() {
        if let (Some(id), Some(d)) = (c["customer_id"].as_str(), c["departed_on"].as_str()) {
            out.insert(id.to_owned(), d.to_owned());
        }
    }
    out
}

#[test]
fn churners_usage_falls_before_they_leave_and_others_does_not() {
    let set = medium();
    let usage = usage(set);
    let departed = departures(set);
    let status = customer_status(set);
    let (mut leavers, mut stayers) = (Vec::new(), Vec::new());
    for (id, months) in &usage {
        if let Some(day) = departed.get(id) {
            // Full months before the month of departure: the last three against the earlier ones.
            let before: Vec<[f64; 4]> = months
                .iter()
                .filter(|m| m.0.as_str() < &day[..7])
                .map(|m| m.1)
                .collect();
            if before.len() >= 6 {
                let (base, recent) = before.split_at(before.len() - 3);
                leavers.extend(usage_ratio(base, recent));
            }
        } else if status.get(id).map(String::as_str) == Some("active") && months.len() >= 12 {
            // The last month may be a partial one for a new customer: compare whole months only.
            let all: Vec<[f64; 4]> = months[1..].iter().map(|m| m.1).collect();
            let (base, recent) = all.split_at(all.len() - 3);
            stayers.extend(usage_ratio(base, recent));
        }
    }
    let (l, s) = (mean(&leavers), mean(&stayers));
    assert!(
        leavers.len() > 200 && stayers.len() > 1_000,
        "{} leavers, {} stayers",
        leavers.len(),
        stayers.len()
    );
    assert!(
        l < 0.82,
        "leavers' last 3 months at {l:.3} of their baseline"
    );
    assert!(
        (0.93..1.08).contains(&s),
        "stayers' last 3 months at {s:.3} of their baseline"
    );
}

#[test]
fn churners_call_the_call_centre_before_leaving() {
    let set = medium();
    let departed = departures(set);
    let status = customer_status(set);
    let t = read(&set.dir, Entity::Interactions);
    let (c, ch, dir, time) = (
        t.col("customer_id"),
        t.col("channel_id"),
        t.col("direction"),
        t.col("time"),
    );
    let mut leavers: HashMap<&str, u32> = HashMap::new();
    let mut stayers: HashMap<&str, u32> = HashMap::new();
    for r in &t.rows {
        if r[ch] != "CH02" || r[dir] != "inbound" {
            continue;
        }
        if let Some(d) = departed.get(&r[c]) {
            // Roughly the 90 days before departure, compared as text: same year-month-day layout.
            let from = shift_days(d, -90);
            if r[time][..10] >= *from && r[time][..10] < **d {
                *leavers.entry(&r[c]).or_default() += 1;
            }
        } else if &r[time][..10] >= "2026-08-01" {
            *stayers.entry(&r[c]).or_default() += 1;
        }
    }
    let n_leavers = departed
        .values()
        .filter(|d| d.as_str() >= "2025-02-01")
        .count() as f64;
    let n_stayers = status.values().filter(|s| *s == "active").count() as f64;
    let leaver_rate = f64::from(leavers.values().sum::<u32>()) / n_leavers;
    let stayer_rate = f64::from(stayers.values().sum::<u32>()) / n_stayers;
    assert!(
        leaver_rate > 3.0 * stayer_rate,
        "{leaver_rate:.3} vs {stayer_rate:.3} calls per customer in 3 months"
    );
}

fn shift_days(date: &str, days: i64) -> String {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|d| {
            (d + chrono::Duration::days(days))
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default()
}

#[test]
fn wealthy_customers_buy_complex_products_through_advisers() {
    let set = medium();
    let products = read(&set.dir, Entity::Products);
    let complex: HashSet<&str> = products
        .rows
        .iter()
        .filter(|r| r[products.col("complexity")].parse::<u8>().unwrap_or(0) >= 4)
        .map(|r| r[products.col("id")].as_str())
        .collect();
    let customers = read(&set.dir, Entity::Customers);
    let wealthy: HashMap<&str, bool> = customers
        .column("id")
        .into_iter()
        .zip(
            customers
                .column("assets_band")
                .into_iter()
                .map(|b| b == "high" || b == "very_high"),
        )
        .collect();
    // (purchases, via adviser) for wealthy and for the others.
    let mut counts = [[0u32; 2]; 2];
    let contracts = read(&set.dir, Entity::Contracts);
    let (c, p, ch, s) = (
        contracts.col("customer_id"),
        contracts.col("product_id"),
        contracts.col("channel_id"),
        contracts.col("start_date"),
    );
    let sales = contracts
        .rows
        .iter()
        .filter(|r| r[s].as_str() >= "2024-11-01")
        .map(|r| (&r[c], &r[p], &r[ch]));
    let tx = read(&set.dir, Entity::Transactions);
    let (tc, tp, tch, tk) = (
        tx.col("customer_id"),
        tx.col("product_id"),
        tx.col("channel_id"),
        tx.col("kind"),
    );
    let one_off = tx
        .rows
        .iter()
        .filter(|r| r[tk] == "sale" && !r[tch].is_empty())
        .map(|r| (&r[tc], &r[tp], &r[tch]));
    for (customer, product, channel) in sales.chain(one_off) {
        if !complex.contains(product.as_str()) {
            continue;
        }
        let group = usize::from(wealthy.get(customer.as_str()).copied().unwrap_or(false));
        counts[group][0] += 1;
        counts[group][1] += u32::from(channel == "CH08");
    }
    let share = |g: usize| f64::from(counts[g][1]) / f64::from(counts[g][0].max(1));
    let n_wealthy = wealthy.values().filter(|w| **w).count() as f64;
    let n_others = wealthy.len() as f64 - n_wealthy;
    assert!(counts[1][0] > 50 && counts[0][0] > 10, "{counts:?}");
    assert!(
        share(1) > share(0) + 0.3,
        "adviser share {:.2} (wealthy) vs {:.2}",
        share(1),
        share(0)
    );
    let rate = |g: usize, n: f64| f64::from(counts[g][0]) / n;
    assert!(rate(1, n_wealthy) > 3.0 * rate(0, n_others), "{counts:?}");
}

#[test]
fn channels_differ_in_cost_and_products_in_margin() {
    let set = medium();
    let channels = read(&set.dir, Entity::Channels);
    let costs: Vec<(f64, f64)> = channels
        .column("cost_per_contact")
        .into_iter()
        .zip(channels.column("cost_per_minute"))
        .map(|(a, b)| (a.parse().unwrap_or(0.0), b.parse().unwrap_or(0.0)))
        .collect();
    let distinct: HashSet<String> = costs.iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(distinct.len(), costs.len(), "{costs:?}");
    let per_contact: Vec<f64> = costs.iter().map(|c| c.0).collect();
    assert!(per_contact.iter().cloned().fold(f64::MIN, f64::max) >= 30.0);
    assert!(per_contact.iter().cloned().fold(f64::MAX, f64::min) <= 0.2);

    let products = read(&set.dir, Entity::Products);
    let margins: Vec<f64> = products
        .column("price")
        .into_iter()
        .zip(products.column("unit_cost"))
        .map(|(p, c)| {
            let (p, c): (f64, f64) = (p.parse().unwrap_or(1.0), c.parse().unwrap_or(0.0));
            (p - c) / p
        })
        .collect();
    let lo = margins.iter().cloned().fold(f64::MAX, f64::min);
    let hi = margins.iter().cloned().fold(f64::MIN, f64::max);
    assert!(lo < 0.2 && hi > 0.75, "margins from {lo:.2} to {hi:.2}");
    assert!((25..=40).contains(&products.rows.len()));
    // Recent launches, in categories customers already bought from.
    let (cat, launch) = (products.col("category"), products.col("launch_date"));
    let recent: Vec<&Vec<String>> = products
        .rows
        .iter()
        .filter(|r| r[launch].as_str() >= "2025-10-31")
        .collect();
    assert!(recent.len() >= 2, "{} recent launches", recent.len());
    for r in recent {
        assert!(
            products
                .rows
                .iter()
                .any(|o| o[cat] == r[cat] && o[launch].as_str() < "2024-01-01"),
            "{r:?}"
        );
    }
}

#[test]
fn complaints_break_norms_and_weigh_on_satisfaction() {
    let set = medium();
    let t = read(&set.dir, Entity::Complaints);
    let (o, f, st, comp) = (
        t.col("opened_at"),
        t.col("first_response_at"),
        t.col("status"),
        t.col("compensation"),
    );
    let late = t
        .rows
        .iter()
        .filter(|r| r[f].is_empty() || *shift_days(&r[o][..10], 8) < r[f][..10])
        .count();
    let unresolved = t
        .rows
        .iter()
        .filter(|r| r[st] == "open" || r[st] == "answered")
        .count();
    let compensated = t.rows.iter().filter(|r| r[comp] != "0.00").count();
    let n = t.rows.len();
    assert!(n > 300, "{n} complaints");
    for (what, k) in [
        ("late", late),
        ("unresolved", unresolved),
        ("compensated", compensated),
    ] {
        assert!(k * 50 > n && k * 2 < n, "{k} {what} of {n}");
    }
    let complained: HashSet<&str> = t.column("customer_id").into_iter().collect();
    let s = read(&set.dir, Entity::Surveys);
    let (sc, kind, score) = (s.col("customer_id"), s.col("kind"), s.col("score"));
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for r in s.rows.iter().filter(|r| r[kind] == "nps") {
        let v: f64 = r[score].parse().unwrap_or(0.0);
        if complained.contains(r[sc].as_str()) {
            with.push(v)
        } else {
            without.push(v)
        }
    }
    assert!(
        mean(&without) - mean(&with) > 0.5,
        "NPS {:.2} without complaints, {:.2} with",
        mean(&without),
        mean(&with)
    );
}

#[test]
fn ground_truth_agrees_with_the_files() {
    let set = medium();
    let status = customer_status(set);
    let departed = departures(set);
    let churned: HashSet<&String> = status
        .iter()
        .filter(|s| s.1 == "churned")
        .map(|s| s.0)
        .collect();
    assert_eq!(churned, departed.keys().collect::<HashSet<_>>());
    let rate = churned.len() as f64 / status.len() as f64;
    assert!(
        (0.1..0.35).contains(&rate),
        "churn over 24 months {rate:.3}"
    );
    assert_eq!(set.summary.churned_customers, churned.len() as u64);
    let contracts = read(&set.dir, Entity::Contracts);
    let (c, st, on, why) = (
        contracts.col("customer_id"),
        contracts.col("status"),
        contracts.col("cancelled_on"),
        contracts.col("cancellation_reason"),
    );
    for r in &contracts.rows {
        match departed.get(&r[c]) {
            Some(d) => {
                assert_ne!(r[st], "active", "{r:?}");
                if r[st] == "cancelled" {
                    assert!(r[on] == *d && !r[why].is_empty(), "{r:?} departed {d}");
                }
            }
            None => assert_ne!(r[st], "cancelled", "{r:?}"),
        }
    }
    let t = truth(set);
    let drivers = t["churn"]["churned_by_driver"]
        .as_object()
        .map_or(0, |m| m.len());
    assert!(drivers >= 6, "{drivers} churn drivers");
    for c in t["per_customer"].as_array().into_iter().flatten() {
        if let Some(p) = c["p_depart_6m"].as_f64() {
            assert!((0.0..=1.0).contains(&p), "{c}");
        }
    }
}

#[test]
fn purchase_counts_are_overdispersed() {
    let set = medium();
    let tx = read(&set.dir, Entity::Transactions);
    let (c, ch, kind) = (tx.col("customer_id"), tx.col("channel_id"), tx.col("kind"));
    let customers = read(&set.dir, Entity::Customers);
    let mut counts: HashMap<&str, f64> = customers
        .column("id")
        .into_iter()
        .map(|id| (id, 0.0))
        .collect();
    for r in tx
        .rows
        .iter()
        .filter(|r| r[kind] == "sale" && !r[ch].is_empty())
    {
        if let Some(n) = counts.get_mut(r[c].as_str()) {
            *n += 1.0;
        }
    }
    let xs: Vec<f64> = counts.into_values().collect();
    let m = mean(&xs);
    let var = mean(&xs.iter().map(|x| (x - m) * (x - m)).collect::<Vec<_>>());
    assert!(m > 1.0 && var > 1.5 * m, "mean {m:.2}, variance {var:.2}");
}

#[test]
fn the_campaign_has_a_true_effect_over_its_random_control_group() {
    let set = crate::make("campaign", 10_000, 7, 5);
    let t = truth(&set);
    let campaign = &t["campaign"];
    let (start, end, product) = (
        campaign["start_date"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        campaign["end_date"].as_str().unwrap_or_default().to_owned(),
        campaign["promoted_product_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    let members = read(&set.dir, Entity::CampaignMembers);
    let group: HashMap<&str, &str> = members
        .column("customer_id")
        .into_iter()
        .zip(members.column("group"))
        .collect();
    let tx = read(&set.dir, Entity::Transactions);
    let (c, p, time, kind) = (
        tx.col("customer_id"),
        tx.col("product_id"),
        tx.col("time"),
        tx.col("kind"),
    );
    let responders: HashSet<&str> = tx
        .rows
        .iter()
        .filter(|r| {
            r[p] == product && r[kind] == "sale" && r[time][..10] >= *start && r[time][..10] <= *end
        })
        .map(|r| r[c].as_str())
        .collect();
    let mut n = [0u32; 2];
    let mut yes = [0u32; 2];
    for (customer, g) in &group {
        let k = usize::from(*g == "treatment");
        n[k] += 1;
        yes[k] += u32::from(responders.contains(customer));
    }
    let rate = |k: usize| f64::from(yes[k]) / f64::from(n[k].max(1));
    let control_share = f64::from(n[0]) / f64::from(n[0] + n[1]);
    assert!(
        (0.07..0.13).contains(&control_share),
        "control share {control_share:.3}"
    );
    assert!(
        rate(1) > rate(0) + 0.01,
        "treated {:.3} vs control {:.3}",
        rate(1),
        rate(0)
    );
    assert!(
        (0.045..0.08).contains(&rate(1)) && rate(0) < 0.05,
        "{:.3} {:.3}",
        rate(1),
        rate(0)
    );
    // The realised counts in the ground truth are what the files show.
    let realised = &campaign["realised"];
    assert_eq!(
        realised["treatment_responders"].as_u64(),
        Some(u64::from(yes[1]))
    );
    assert_eq!(
        realised["control_responders"].as_u64(),
        Some(u64::from(yes[0]))
    );
    let uplift = campaign["planted"]["true_uplift"].as_f64().unwrap_or(0.0);
    assert!((0.02..0.04).contains(&uplift), "planted uplift {uplift}");
    // Treated members got the e-mail; the control group did not.
    let inter = read(&set.dir, Entity::Interactions);
    let emailed: HashSet<&str> = inter
        .rows
        .iter()
        .filter(|r| r[inter.col("campaign_id")] == "CMP01")
        .map(|r| r[inter.col("customer_id")].as_str())
        .collect();
    for (customer, g) in &group {
        assert_eq!(emailed.contains(customer), *g == "treatment", "{customer}");
    }
}
