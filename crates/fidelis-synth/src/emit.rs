//! Writes one simulated customer's rows into the CSV buffers of its chunk, and the fixed reference files.

use crate::calendar::{Day, SECONDS_PER_DAY, add_months, month_start};
use crate::catalog::{CHANNELS, PRODUCTS, STORES};
use crate::csv::CsvBuf;
use crate::entity::Entity;
use crate::names::{CITIES, STREETS};
use crate::records::{LifeKind, Status};
use crate::sim::{METRICS, Sim};
use crate::story::CAMPAIGN;
use crate::world::World;

const BANDS: [&str; 4] = ["low", "medium", "high", "very_high"];
pub(crate) const CAMPAIGN_ID: &str = "CMP01";

/// One buffer per entity, in [`Entity::ALL`] order.
pub(crate) struct Buffers {
    pub files: Vec<CsvBuf>,
}

impl Buffers {
    pub(crate) fn new() -> Self {
        Buffers {
            files: (0..Entity::COUNT).map(|_| CsvBuf::new()).collect(),
        }
    }

    pub(crate) fn get(&mut self, e: Entity) -> &mut CsvBuf {
        &mut self.files[e.index()]
    }
}

fn channel_id(b: &mut CsvBuf, channel: u8) {
    b.id("CH", u64::from(channel) + 1, 2);
}

fn opt_channel_id(b: &mut CsvBuf, channel: Option<u8>) {
    match channel {
        Some(c) => channel_id(b, c),
        None => b.empty(),
    }
}

fn product_id(b: &mut CsvBuf, product: usize) {
    b.id("P", product as u64 + 1, 3);
}

fn customer_id(b: &mut CsvBuf, number: u64) {
    b.id("C", number, 6);
}

/// Position in 1e-4 degrees.
fn position(city: usize, jitter: (i64, i64)) -> (i64, i64) {
    let c = &CITIES[city];
    (
        (c.lat * 1e4).round() as i64 + jitter.0,
        (c.lon * 1e4).round() as i64 + jitter.1,
    )
}

pub(crate) fn reference_files(world: &World, out: &mut Buffers) {
    let b = out.get(Entity::Channels);
    for (i, c) in CHANNELS.iter().enumerate() {
        channel_id(b, i as u8);
        b.text(c.name);
        b.text(c.kind);
        b.amount(c.cost_per_contact);
        b.amount(c.cost_per_minute);
        b.text("EUR");
        b.end();
    }
    let b = out.get(Entity::Stores);
    for (i, s) in STORES.iter().enumerate() {
        let city = &CITIES[s.city];
        let (lat, lon) = position(s.city, (0, 0));
        b.id("S", i as u64 + 1, 2);
        b.text(s.name);
        b.text(city.name);
        b.text(city.postcode);
        b.fixed(lat, 4, 10_000);
        b.fixed(lon, 4, 10_000);
        b.date(world.store_opening(i));
        b.end();
    }
    let b = out.get(Entity::Products);
    for (i, p) in PRODUCTS.iter().enumerate() {
        product_id(b, i);
        b.text(p.name);
        b.text(p.category);
        b.text(p.kind.as_str());
        b.amount(p.price);
        b.amount(p.unit_cost);
        b.text("EUR");
        b.int(i64::from(p.complexity));
        b.date(world.launch[i]);
        b.end();
    }
    let b = out.get(Entity::Campaigns);
    let plan = world.campaign;
    b.text(CAMPAIGN_ID);
    b.text("Lancement Montre connectée Lumen");
    b.text("Faire acheter la nouvelle montre connectée (achat sous 30 jours)");
    channel_id(b, crate::catalog::ch::EMAIL);
    b.date(plan.start);
    b.date(plan.end);
    b.amount(CAMPAIGN.cost_per_contact);
    b.text("EUR");
    b.fixed((CAMPAIGN.control_share * 100.0).round() as i64, 2, 100);
    b.end();
}

/// The next yearly anniversary of `start` after `after`.
fn next_anniversary(start: Day, after: Day) -> Day {
    let mut k = 1;
    while add_months(start, 12 * k) <= after {
        k += 1;
    }
    add_months(start, 12 * k)
}

pub(crate) fn customer_rows(sim: &Sim, world: &World, out: &mut Buffers) {
    let c = &sim.c;
    let end = world.window.end;
    let end_ts = world.window.end_ts();
    let churned = sim.departure.is_some_and(|d| d <= end);

    let b = out.get(Entity::Customers);
    customer_id(b, c.number);
    b.text(c.first_name);
    b.text(c.last_name);
    b.opt_text(c.email.as_deref());
    b.opt_text(c.phone.as_deref());
    let mut address = String::with_capacity(48);
    address.push_str(itoa::Buffer::new().format(c.street_no));
    address.push_str(if c.comma { ", " } else { " " });
    address.push_str(STREETS[c.street]);
    b.text(&address);
    b.text(CITIES[c.city].postcode);
    b.text(CITIES[c.city].name);
    b.text("FR");
    let (lat, lon) = position(c.city, c.jitter);
    b.fixed(lat, 4, 10_000);
    b.fixed(lon, 4, 10_000);
    b.date(c.birth);
    b.text(c.gender);
    b.id("H", u64::from(c.household) + 1, 6);
    b.text(BANDS[usize::from(c.income)]);
    b.text(BANDS[usize::from(c.assets)]);
    b.bool(c.solvent);
    b.text(if churned { "churned" } else { "active" });
    b.date(c.acquired);
    channel_id(b, c.acquisition_channel);
    b.end();

    let b = out.get(Entity::Consents);
    for k in &sim.consents {
        customer_id(b, c.number);
        b.text(k.channel);
        b.text(k.purpose);
        match k.withdrawn {
            Some(day) => {
                b.text("withdrawn");
                b.date(day);
            }
            None => {
                b.text("granted");
                b.date(k.granted);
            }
        }
        b.end();
    }

    let b = out.get(Entity::Transactions);
    for (seq, t) in sim.transactions.iter().enumerate() {
        b.seq_id("T", c.number, seq as u64 + 1, 4);
        customer_id(b, c.number);
        product_id(b, t.product);
        opt_channel_id(b, t.channel);
        match t.store {
            Some(s) => b.id("S", u64::from(s) + 1, 2),
            None => b.empty(),
        }
        b.time(t.time);
        b.text(if t.refund { "refund" } else { "sale" });
        b.int(i64::from(t.quantity));
        b.amount(t.amount);
        b.amount(t.cost);
        b.amount(t.discount);
        b.text("EUR");
        b.end();
    }

    let b = out.get(Entity::Contracts);
    for (seq, k) in sim.contracts.iter().enumerate() {
        b.seq_id("K", c.number, seq as u64 + 1, 2);
        customer_id(b, c.number);
        product_id(b, k.product);
        opt_channel_id(b, k.channel);
        b.date(k.start);
        let end_date = match (k.status, k.commitment_end) {
            (Status::Ended, _) => k.stop,
            (_, Some(_)) if k.yearly => Some(next_anniversary(k.start, k.stop.unwrap_or(end))),
            (_, commitment) => commitment,
        };
        b.opt_date(end_date);
        b.text(match k.status {
            Status::Active => "active",
            Status::Ended => "ended",
            Status::Cancelled => "cancelled",
        });
        b.amount(k.fee);
        b.text("EUR");
        b.opt_date(if k.status == Status::Cancelled {
            k.stop
        } else {
            None
        });
        b.opt_text(k.reason);
        b.end();
    }

    let b = out.get(Entity::Usage);
    for (m, values) in &sim.usage {
        let period = month_start(world.window.start_month + m);
        for (metric, v) in METRICS.iter().zip(values) {
            customer_id(b, c.number);
            b.period(period);
            b.text(metric);
            b.int(*v);
            b.end();
        }
    }

    let b = out.get(Entity::Interactions);
    for (seq, i) in sim.interactions.iter().enumerate() {
        b.seq_id("I", c.number, seq as u64 + 1, 4);
        customer_id(b, c.number);
        channel_id(b, i.channel);
        b.text(if i.inbound { "inbound" } else { "outbound" });
        b.text(i.op.as_str());
        b.time(i.time);
        b.int(i64::from(i.duration));
        b.opt_text(i.agent.map(|a| world.agents[usize::from(a)].as_str()));
        b.text(i.outcome);
        // Cost left empty: the importer derives it from the channel's costs and the duration.
        b.empty();
        b.opt_text(i.campaign.then_some(CAMPAIGN_ID));
        b.text("EUR");
        b.end();
    }

    let b = out.get(Entity::LifeEvents);
    for (seq, e) in sim.life_events.iter().enumerate() {
        b.seq_id("E", c.number, seq as u64 + 1, 2);
        customer_id(b, c.number);
        b.text(e.kind.as_str());
        b.date(e.day);
        let details = match e.kind {
            LifeKind::Moving if e.from_city != e.to_city => {
                format!(
                    "Déménagement de {} à {}",
                    CITIES[e.from_city].name, CITIES[e.to_city].name
                )
            }
            LifeKind::Moving => format!("Déménagement dans {}", CITIES[e.to_city].name),
            LifeKind::Birth => "Naissance d'un enfant".to_owned(),
            LifeKind::Marriage => "Mariage".to_owned(),
            LifeKind::Divorce => "Séparation, divorce".to_owned(),
            LifeKind::Retirement => "Départ à la retraite".to_owned(),
            LifeKind::JobChange => "Nouvel emploi".to_owned(),
            LifeKind::Bereavement => "Décès d'un proche".to_owned(),
        };
        b.text(&details);
        b.end();
    }

    let b = out.get(Entity::Complaints);
    for (seq, k) in sim.complaints.iter().enumerate() {
        // The file shows the complaint as it stood at `end`.
        let first_response = k.first_response.filter(|t| *t <= end_ts);
        let resolved = k.resolved.filter(|t| *t <= end_ts);
        let status = match (first_response, resolved) {
            (_, Some(r)) if k.closable && r + 15 * SECONDS_PER_DAY < end_ts => "closed",
            (_, Some(_)) => "resolved",
            (Some(_), None) => "answered",
            (None, None) => "open",
        };
        b.seq_id("R", c.number, seq as u64 + 1, 2);
        customer_id(b, c.number);
        b.text(k.category.as_str());
        b.text(k.category.department());
        match k.product {
            Some(p) => product_id(b, p),
            None => b.empty(),
        }
        channel_id(b, k.channel);
        b.time(k.opened);
        b.opt_time(first_response);
        b.opt_time(resolved);
        b.text(status);
        b.amount(if resolved.is_some() {
            k.compensation
        } else {
            0
        });
        b.text("EUR");
        b.text(k.text);
        b.end();
    }

    let b = out.get(Entity::Surveys);
    for (seq, s) in sim.surveys.iter().enumerate() {
        b.seq_id("Q", c.number, seq as u64 + 1, 2);
        customer_id(b, c.number);
        b.date(s.day);
        b.text(if s.nps { "nps" } else { "csat" });
        b.int(i64::from(s.score));
        b.opt_text(s.comment);
        b.end();
    }

    if let Some(part) = &sim.campaign {
        let b = out.get(Entity::CampaignMembers);
        b.text(CAMPAIGN_ID);
        customer_id(b, c.number);
        b.text(if part.treated { "treatment" } else { "control" });
        b.opt_time(part.contacted_at);
        b.end();
    }
}
