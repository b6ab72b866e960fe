//! Recurring campaigns on a real store: a birthday campaign run day after day makes one wave per
//! day with exactly the customers whose birthday it is, assigns control in each wave, queues only
//! treated members under the contact policy (suppressions recorded with their reason), and a day run
//! twice changes nothing; a seasonal campaign on the holiday calendar fires only on its dates, a
//! scheduled one only when due; the roll-up adds the waves up.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use fidelis_domain::Entity;
use fidelis_rules::detect::{BirthInfo, Calendar, birthdays, holiday_events};
use fidelis_rules::policy::ContactPolicy;
use fidelis_rules::rule::Schedule;
use fidelis_rules::{Event, EventKind, Trigger};
use fidelis_server::delivery::recurring::{Day, WaveRun, run_campaign, run_day};
use fidelis_store::Store;
use fidelis_store::campaign_waves::Recurrence;
use fidelis_store::campaigns::{CampaignPlan, CampaignStatus};
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::outbox::SourceKind;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn nine(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(9, 0, 0).unwrap().and_utc()
}

async fn import(store: &Store, entity: Entity, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, text).unwrap();
    let options = ImportOptions::new(entity, day("2026-01-01"));
    let summary = import_file(store, &path, &options, &|_| {}).await.unwrap();
    assert_eq!(summary.rejected, 0, "{:?}", summary.first_rejects);
}

/// Customer `B00`…`B89`: born on 9, 10 or 11 March (by `i % 3`); no e-mail when `i % 10 == 9`; no
/// marketing consent when `i % 5 == 4`; `B03` has left. `O1`…`O3` are born on other days.
struct Person {
    id: String,
    birthday: u32,
    email: bool,
    consent: bool,
    active: bool,
}

fn people() -> Vec<Person> {
    (0..90)
        .map(|i| Person {
            id: format!("B{i:02}"),
            birthday: 9 + (i % 3),
            email: i % 10 != 9,
            consent: i % 5 != 4,
            active: i != 3,
        })
        .collect()
}

async fn store_with_people(dir: &tempfile::TempDir) -> Store {
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let mut customers = String::from("id,first_name,email,birth_date,status,country\n");
    let mut consents = String::from("customer_id,channel,purpose,status,date\n");
    for (i, p) in people().iter().enumerate() {
        customers.push_str(&format!(
            "{},P{i},{},{}-03-{:02},{},FR\n",
            p.id,
            if p.email {
                format!("{}@example.org", p.id.to_lowercase())
            } else {
                String::new()
            },
            1960 + i % 40,
            p.birthday,
            if p.active { "active" } else { "churned" }
        ));
        if p.consent {
            consents.push_str(&format!("{},email,marketing,granted,2025-01-01\n", p.id));
        }
    }
    for (id, born) in [
        ("O1", "1970-03-20"),
        ("O2", "1985-04-10"),
        ("O3", "1999-02-28"),
    ] {
        customers.push_str(&format!("{id},{id},{id}@example.org,{born},active,FR\n"));
        consents.push_str(&format!("{id},email,marketing,granted,2025-01-01\n"));
    }
    import(&store, Entity::Customers, &customers).await;
    import(&store, Entity::Consents, &consents).await;
    store
}

fn plan(id: &str, target: Option<&str>, start: &str, end: &str) -> CampaignPlan {
    CampaignPlan {
        id: id.into(),
        name: format!("Campagne {id}"),
        objective: None,
        target: target.map(str::to_owned),
        exclusions: Vec::new(),
        offer: Some("Un cadeau".into()),
        offer_product: None,
        channels: vec!["email".into()],
        start_date: day(start),
        end_date: Some(day(end)),
        budget_minor: None,
        cost_per_contact_minor: 10,
        currency: "EUR".into(),
        control_share: 0.1,
        status: CampaignStatus::Scheduled,
        seed: 42,
        response_window_days: 30,
        template: serde_json::json!({"email": {"fr": {"subject": "Bon anniversaire {first_name}", "body": "{offer}"}}}),
    }
}

async fn recurring(store: &Store, plan: &CampaignPlan, trigger: Trigger) {
    store.create_campaign(plan).await.unwrap();
    store
        .set_recurrence(
            &plan.id,
            &Recurrence {
                trigger,
                send_within_days: 3,
            },
        )
        .await
        .unwrap();
}

fn policy() -> ContactPolicy {
    ContactPolicy::from_toml("policy.toml", fidelis_rules::samples::POLICY).unwrap()
}

/// Runs one campaign for `d` on the day's facts and the birthday and holiday detectors' events (as
/// the daily run detects them: on the day).
async fn run(store: &Store, campaign: &str, d: NaiveDate, calendar: &Calendar) -> WaveRun {
    let customers = store.customer_facts(d, None).await.unwrap();
    let births: Vec<BirthInfo> = customers
        .iter()
        .filter_map(|c| {
            Some(BirthInfo {
                customer_id: c.external_id.clone(),
                birth_date: c.birth_date?,
            })
        })
        .collect();
    let mut events: Vec<Event> = birthdays(&births, d, 0);
    events.extend(holiday_events(
        calendar,
        customers.iter().map(|c| c.external_id.as_str()),
        d,
        0,
    ));
    let input = Day {
        day: d,
        customers: &customers,
        events: &events,
        now: nine(d),
    };
    run_campaign(store, campaign, &input, &policy())
        .await
        .unwrap()
}

fn set(items: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    items.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_birthday_campaign_makes_one_wave_a_day_of_exactly_that_days_birthdays() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_people(&dir).await;
    let calendar = Calendar::from_toml("calendar.toml", "").unwrap();
    recurring(
        &store,
        &plan("BDAY", None, "2026-03-01", "2026-12-31"),
        Trigger::Event(EventKind::Birthday),
    )
    .await;
    let people = people();
    let mut total_members = 0;
    let mut total_queued = 0;
    for d in 9..=11 {
        let today = NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let r = run(&store, "BDAY", today, &calendar).await;
        let wave = format!("BDAY@{today}");
        assert_eq!(
            (r.outcome, r.wave.as_deref()),
            ("created", Some(wave.as_str())),
            "{r:?}"
        );
        let expected = set(people
            .iter()
            .filter(|p| p.birthday == d && p.active)
            .map(|p| p.id.clone()));
        let members = store.campaign_members(&wave).await.unwrap();
        assert_eq!(
            set(members.iter().map(|(c, _)| c.clone())),
            expected,
            "{today}"
        );
        let control = set(members
            .iter()
            .filter(|(_, g)| g == "control")
            .map(|(c, _)| c.clone()));
        let treated: Vec<&Person> = people
            .iter()
            .filter(|p| expected.contains(&p.id) && !control.contains(&p.id))
            .collect();
        // 10 % control of ~30 members, its fraction drawn: 2, 3 or 4 — never none, never all.
        let n = expected.len() as f64;
        assert!(
            (control.len() as f64 - 0.1 * n).abs() < 1.0,
            "{} control of {n}",
            control.len()
        );
        assert_eq!(
            (r.treatment, r.control),
            (treated.len() as u64, control.len() as u64)
        );

        // Treated members with an e-mail and consent are queued; control members never.
        let messages = store
            .outbox_messages_of(SourceKind::Campaign, &wave)
            .await
            .unwrap();
        let queued = set(messages.iter().map(|m| m.customer.clone()));
        let reachable = set(treated
            .iter()
            .filter(|p| p.email && p.consent)
            .map(|p| p.id.clone()));
        assert_eq!(queued, reachable, "{today}");
        assert!(queued.is_disjoint(&control));
        assert!(messages.iter().all(|m| m.channel == "email"));
        // The refused ones are recorded with the policy's reason.
        let suppressed: BTreeSet<(String, String)> = store
            .suppressions_of(SourceKind::Campaign, &wave)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.customer, s.reason))
            .collect();
        let expected_suppressed: BTreeSet<(String, String)> = treated
            .iter()
            .filter(|p| !(p.email && p.consent))
            .map(|p| {
                let reason = if p.email { "consent" } else { "no_channel" };
                (p.id.clone(), reason.to_owned())
            })
            .collect();
        assert_eq!(suppressed, expected_suppressed, "{today}");
        assert!(expected_suppressed.iter().any(|(_, r)| r == "consent"));
        assert!(expected_suppressed.iter().any(|(_, r)| r == "no_channel"));
        total_members += members.len();
        total_queued += messages.len();
    }

    // The same day again: nothing assigned, nothing queued, nothing suppressed twice.
    let before = store.outbox_counts(None).await.unwrap();
    let again = run(&store, "BDAY", day("2026-03-10"), &calendar).await;
    assert_eq!(again.outcome, "already_run");
    let q = again.queue.unwrap();
    assert_eq!((q.candidates, q.queued, q.suppressed), (0, 0, 0));
    assert_eq!(store.outbox_counts(None).await.unwrap(), before);
    // A day with no birthday makes no wave.
    let none = run(&store, "BDAY", day("2026-03-12"), &calendar).await;
    assert_eq!((none.outcome, none.fired), ("nobody", 0));

    // The roll-up: three waves, every member and message counted once.
    let report = store.recurring_report("BDAY").await.unwrap();
    assert_eq!(
        report
            .waves
            .iter()
            .map(|w| w.occasion.to_string())
            .collect::<Vec<_>>(),
        ["2026-03-09", "2026-03-10", "2026-03-11"]
    );
    let members: i64 = report.groups.iter().map(|g| g.members).sum();
    assert_eq!(members as usize, total_members);
    assert_eq!(
        report.waves.iter().map(|w| w.queued).sum::<i64>() as usize,
        total_queued
    );
    let all = &report.impact[0];
    assert_eq!(all.scope, "all");
    assert_eq!((all.treated + all.control) as usize, total_members);
    assert_eq!(
        store.campaign("BDAY").await.unwrap().unwrap().status,
        CampaignStatus::Running
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_birthday_served_once_even_if_the_detector_reports_it_again() {
    // The next year's birthday is a new occasion; the same one seen again (a rerun under another
    // day's wave, or a detector with a lead) is not.
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_people(&dir).await;
    recurring(
        &store,
        &plan("BDAY", None, "2026-03-01", "2027-12-31"),
        Trigger::Event(EventKind::Birthday),
    )
    .await;
    let today = day("2026-03-10");
    let customers = store.customer_facts(today, None).await.unwrap();
    let births: Vec<BirthInfo> = customers
        .iter()
        .filter_map(|c| {
            Some(BirthInfo {
                customer_id: c.external_id.clone(),
                birth_date: c.birth_date?,
            })
        })
        .collect();
    // A two-day lead: the 9 March run sees the 9th's and the 10th's birthdays, the 10th run the
    // 10th's and 11th's.
    let mut runs = Vec::new();
    for d in ["2026-03-09", "2026-03-10"] {
        let d = day(d);
        let events = birthdays(&births, d, 1);
        let input = Day {
            day: d,
            customers: &customers,
            events: &events,
            now: nine(d),
        };
        runs.push(
            run_campaign(&store, "BDAY", &input, &policy())
                .await
                .unwrap(),
        );
    }
    let first = store.campaign_members("BDAY@2026-03-09").await.unwrap();
    let second = store.campaign_members("BDAY@2026-03-10").await.unwrap();
    let first_ids = set(first.into_iter().map(|(c, _)| c));
    let second_ids = set(second.into_iter().map(|(c, _)| c));
    assert!(first_ids.is_disjoint(&second_ids));
    let born_on = |d: u32| {
        set(people()
            .into_iter()
            .filter(|p| p.birthday == d && p.active)
            .map(|p| p.id))
    };
    let mut nine_and_ten = born_on(9);
    nine_and_ten.extend(born_on(10));
    assert_eq!(first_ids, nine_and_ten);
    assert_eq!(second_ids, born_on(11));
    assert_eq!(runs[1].already_served as usize, born_on(10).len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seasonal_campaign_fires_only_on_its_calendar_dates_and_a_schedule_only_when_due() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_people(&dir).await;
    let calendar = Calendar::from_toml(
        "calendar.toml",
        "[[holiday]]\nname = \"Soldes d'hiver\"\ndates = [\"2026-01-07\", \"2027-01-13\"]\n\n\
         [[holiday]]\nname = \"Noël\"\ndate = \"12-25\"\n",
    )
    .unwrap();
    recurring(
        &store,
        &plan(
            "SOLDES",
            Some("event.detail == \"Soldes d'hiver\" && profile.status == \"active\""),
            "2026-01-01",
            "2027-12-31",
        ),
        Trigger::Event(EventKind::Holiday),
    )
    .await;
    recurring(
        &store,
        &plan("LETTRE", None, "2026-01-01", "2026-12-31"),
        Trigger::Schedule(Schedule::Monthly(1)),
    )
    .await;
    let active = people().iter().filter(|p| p.active).count() + 3;
    let mut waves = Vec::new();
    for d in [
        "2026-01-06",
        "2026-01-07",
        "2026-01-08",
        "2026-02-01",
        "2026-12-25",
        "2027-01-13",
    ] {
        let d = day(d);
        let customers = store.customer_facts(d, None).await.unwrap();
        let events = holiday_events(
            &calendar,
            customers.iter().map(|c| c.external_id.as_str()),
            d,
            0,
        );
        let input = Day {
            day: d,
            customers: &customers,
            events: &events,
            now: nine(d),
        };
        for r in run_day(&store, &input, &policy()).await.unwrap() {
            waves.push((r.campaign.clone(), d.to_string(), r.outcome, r.fired));
        }
    }
    let fired = |campaign: &str| -> Vec<(String, &'static str, u64)> {
        waves
            .iter()
            .filter(|w| w.0 == campaign)
            .map(|w| (w.1.clone(), w.2, w.3))
            .collect()
    };
    let a = active as u64;
    assert_eq!(
        fired("SOLDES"),
        [
            ("2026-01-06".to_owned(), "nobody", 0),
            ("2026-01-07".to_owned(), "created", a),
            ("2026-01-08".to_owned(), "nobody", 0),
            ("2026-02-01".to_owned(), "nobody", 0),
            ("2026-12-25".to_owned(), "nobody", 0),
            ("2027-01-13".to_owned(), "created", a),
        ]
    );
    assert_eq!(
        fired("LETTRE"),
        [
            ("2026-01-06".to_owned(), "not_due", 0),
            ("2026-01-07".to_owned(), "not_due", 0),
            ("2026-01-08".to_owned(), "not_due", 0),
            ("2026-02-01".to_owned(), "created", a),
            ("2026-12-25".to_owned(), "not_due", 0),
            ("2027-01-13".to_owned(), "inactive", 0),
        ]
    );
    let soldes = store.waves("SOLDES").await.unwrap();
    assert_eq!(
        soldes.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
        ["SOLDES@2026-01-07", "SOLDES@2027-01-13"]
    );
}
