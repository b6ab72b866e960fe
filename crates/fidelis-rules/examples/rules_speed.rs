//! Speed of the decide flow and of segment evaluation (issue 5's goals, see BENCHMARKS.md):
//! event → decision with 100 rules and the contact policy (events/s on 2 threads, p50/p99 latency),
//! and one rule over a million customers.
//!
//! `cargo run --release -p fidelis-rules --example rules_speed [-- --customers N --events N]`

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use fidelis_rules::policy::{ConsentRecord, ContactRecord};
use fidelis_rules::segment::members;
use fidelis_rules::{
    Channel, Condition, ConsentChannel, ContactPolicy, Event, EventKind, FactSchema, Facts,
    Purpose, RoutingMatrix, RuleSet, Value,
};
use std::sync::Arc;
use std::time::Instant;

/// A small deterministic generator (SplitMix64), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const STRATEGIES: &[&str] = &["multi_equipment", "loyalty", "retention", "termination"];
const SEGMENTS: &[&str] = &["champions", "loyal", "at_risk", "lost", "promising"];
const CHANNELS: &[&str] = &["email", "sms", "telesales", "routing:retention", "mail"];

/// 100 rules, all triggered by the event kind of every event, five comparisons each: the worst
/// case, where every rule is evaluated for every event and several reach the policy.
fn rules_file() -> String {
    let mut text = String::from("version = 1\n");
    for i in 0..100 {
        let kind = EventKind::ContractEnd.as_str();
        let (action, channel) = if i % 10 == 0 {
            (
                "{ kind = \"alert\", message = \"Départ probable\" }".to_string(),
                String::new(),
            )
        } else {
            (
                format!(
                    "{{ kind = \"offer\", offer = \"O{i}\", text = \"Offre pour {{profile.city}}\" }}"
                ),
                format!("channel = \"{}\"\n", CHANNELS[i % CHANNELS.len()]),
            )
        };
        text.push_str(&format!(
            "\n[[rule]]\nid = \"rule_{i:03}\"\ntrigger = {{ event = \"{kind}\" }}\n\
             condition = '''score.churn_risk > {risk} && value.strategy in [\"loyalty\", \"retention\"] \
             && rfm.segment != \"lost\" && value.clv >= {clv} && contract.days_to_end < {days}'''\n\
             action = {action}\n{channel}priority = {priority}\nexpected_value = \"value.clv * 0.0{e}\"\n\
             cooldown_days = 30\nmax_per_customer = 3\ntiming = {{ send_window = \"09:00-20:00\" }}\n",
            risk = (i % 9) as f64 / 20.0,
            clv = (i % 7) * 50,
            days = 30 + i,
            priority = i % 13,
            e = 1 + i % 9,
        ));
    }
    text
}

const ROUTING: &str = r#"
[[segment]]
name = "wealthy"
when = 'value.clv > 1500'
[[segment]]
name = "mass"
[[route]]
segment = "wealthy"
operation = "*"
to = ["adviser", "call_centre"]
[[route]]
segment = "*"
operation = "*"
to = ["telesales", "email"]
"#;

fn customer(schema: &Arc<FactSchema>, rng: &mut Rng) -> Facts {
    let mut f = Facts::new(schema.clone());
    let set = |f: &mut Facts, name: &str, v: Value| f.set(name, v).expect("declared fact");
    set(&mut f, "score.churn_risk", rng.unit().into());
    set(&mut f, "value.strategy", rng.pick(STRATEGIES).into());
    set(&mut f, "rfm.segment", rng.pick(SEGMENTS).into());
    set(&mut f, "value.clv", (rng.unit() * 2000.0).into());
    set(
        &mut f,
        "contract.days_to_end",
        (rng.unit() * 365.0).floor().into(),
    );
    set(&mut f, "profile.city", "Meknès".into());
    set(&mut f, "profile.solvent", true.into());
    f
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p) as usize] as f64 / 1000.0
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n_customers = arg("--customers", 1_000_000);
    let n_events = arg("--events", 400_000);
    let schema = Arc::new(FactSchema::standard());

    let t = Instant::now();
    let text = rules_file();
    let rules = RuleSet::from_toml("speed.toml", &text, &schema).expect("valid rules");
    let routing =
        RoutingMatrix::from_toml("routing.toml", ROUTING, &schema).expect("valid routing");
    println!(
        "load and compile 100 rules: {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    let policy = ContactPolicy {
        max_per_week: Some(2),
        max_per_month: Some(5),
        cooldown_hours: 24,
        quiet_hours: Some("21:00-08:00".parse().expect("window")),
        ..ContactPolicy::default()
    };
    let mut rng = Rng(42);
    let pool: Vec<Facts> = (0..10_000).map(|_| customer(&schema, &mut rng)).collect();
    let base = NaiveDate::from_ymd_opt(2025, 3, 10)
        .expect("date")
        .and_hms_opt(10, 0, 0)
        .expect("time");
    // Ten past contacts and all consents per customer.
    let history: Vec<ContactRecord> = (0..10)
        .map(|i| ContactRecord {
            at: base - TimeDelta::days(3 + 6 * i),
            channel: Some([Channel::Email, Channel::Telesales, Channel::Sms][i as usize % 3]),
            source: Some(format!("rule_{:03}", i * 7)),
        })
        .collect();
    let consents: Vec<ConsentRecord> = ConsentChannel::ALL
        .iter()
        .map(|&channel| ConsentRecord {
            channel,
            purpose: Purpose::Marketing,
            granted: true,
            at: base - TimeDelta::days(400),
        })
        .collect();
    let events: Vec<Event> = (0..n_events)
        .map(|i| {
            Event::new(
                format!("c{}", i % pool.len()),
                EventKind::ContractEnd,
                base.date(),
            )
            .with_value(20.0)
        })
        .collect();

    // Event → decisions, on two threads, each timing its own events.
    let decide = |chunk: &[Event], offset: usize| {
        let mut latencies = Vec::with_capacity(chunk.len());
        let (mut candidates, mut sent) = (0usize, 0usize);
        for (i, event) in chunk.iter().enumerate() {
            let start = Instant::now();
            let facts = &pool[(offset + i) % pool.len()];
            let now: NaiveDateTime = base;
            let c = rules.on_event(event, facts, now, Some(&routing));
            candidates += c.len();
            let decisions = policy.decide(c, &history, &consents);
            sent += decisions.iter().filter(|d| d.is_sent()).count();
            latencies.push(start.elapsed().as_nanos() as u64);
        }
        (latencies, candidates, sent)
    };
    // Warm up.
    decide(&events[..10_000.min(events.len())], 0);
    let t = Instant::now();
    let half = events.len() / 2;
    let (a, b) = std::thread::scope(|s| {
        let first = s.spawn(|| decide(&events[..half], 0));
        let second = decide(&events[half..], half);
        (first.join().expect("thread"), second)
    });
    let elapsed = t.elapsed().as_secs_f64();
    let mut latencies = a.0;
    latencies.extend(b.0);
    latencies.sort_unstable();
    println!(
        "event → decision, 100 rules + policy, 2 threads: {} events in {:.2} s = {:.0} events/s; \
         latency mean {:.1} µs, p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs; \
         {:.1} candidates and {:.2} sends per event",
        events.len(),
        elapsed,
        events.len() as f64 / elapsed,
        latencies.iter().sum::<u64>() as f64 / latencies.len() as f64 / 1000.0,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        (a.1 + b.1) as f64 / events.len() as f64,
        (a.2 + b.2) as f64 / events.len() as f64,
    );
    let t = Instant::now();
    let single = decide(&events[..half], 0);
    let single_rate = half as f64 / t.elapsed().as_secs_f64();
    println!(
        "event → decision, 1 thread: {single_rate:.0} events/s ({} events)",
        single.0.len()
    );

    // One rule over a million customers.
    let t = Instant::now();
    let mut rng = Rng(7);
    let base_facts: Vec<Facts> = (0..n_customers)
        .map(|_| customer(&schema, &mut rng))
        .collect();
    println!(
        "build {} customers' facts: {:.2} s (untimed below)",
        n_customers,
        t.elapsed().as_secs_f64()
    );
    let rule = Condition::compile(
        "score.churn_risk > 0.5 && value.strategy in ['loyalty', 'retention'] && value.clv >= 500",
        &schema,
    )
    .expect("valid condition");
    let today = base.date();
    let t = Instant::now();
    let hits = members(&rule, &base_facts, today);
    let one = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let half = base_facts.len() / 2;
    let hits2 = std::thread::scope(|s| {
        let first = s.spawn(|| members(&rule, &base_facts[..half], today).len());
        members(&rule, &base_facts[half..], today).len() + first.join().expect("thread")
    });
    let two = t.elapsed().as_secs_f64();
    assert_eq!(hits.len(), hits2);
    println!(
        "one rule over {} customers: {:.3} s on 1 thread, {:.3} s on 2 threads ({} members)",
        base_facts.len(),
        one,
        two,
        hits.len()
    );
}
