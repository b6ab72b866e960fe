//! Compte d'exploitation: the profit and loss of each customer as of a date, and its roll-ups.
//!
//! Every figure is a sum over the detailed rows (each sale, refund, contract month, interaction,
//! complaint and campaign contact), in integer minor units; roll-ups by product, channel, month and
//! segment add the same rows under another key, never averages (seed 003: "fonder les analyses sur
//! des données détaillées, et non pas sur des données agrégées").
//!
//! The lines of a customer's P&L:
//! - **revenue** (chiffre d'affaires): sales − refunds + contract fees not invoiced as transactions;
//! - **product cost**: the cost of the lines sold − the cost of goods that came back with refunds
//!   (a refund row's `cost`; 0 when nothing was returned to stock) + the product's unit cost for each
//!   accrued contract month;
//! - **gross margin** = revenue − product cost;
//! - **cost to serve**: each interaction at its recorded cost, or when it has none at its channel's
//!   cost per contact + its minutes (seconds / 60, pro rata, rounded to the minor unit) × the cost per
//!   minute; each complaint at a handling cost per complaint plus its compensation (both dated at the
//!   complaint's opening); each campaign contact of a treatment member at the campaign's cost per
//!   contact;
//! - **net profitability** = gross margin − cost to serve.
//!
//! Two rules keep a euro from being counted twice:
//! - *Contract fees.* Many billing systems (and the synthetic data set) invoice each month of a
//!   contract as a sale transaction of the contract's product. A contract is therefore **invoiced**
//!   when at least one sale of the same customer and product is dated within its running period
//!   (from its start to its stop or `as_of`); its revenue then comes from those transactions only.
//!   A contract without any such sale is not invoiced, and its fee is accrued as revenue once per
//!   complete month of service (in arrears: the fee of month k is dated at the k-th monthly
//!   anniversary of the start), with the product's unit cost as the month's product cost.
//! - *Campaign contacts.* A treatment member contacted by a campaign that has a cost per contact is
//!   charged that cost; the outbound `campaign` interactions linked to the same campaign and customer
//!   record the delivery of that same contact and are not charged again. When the campaign has no
//!   cost per contact, those interactions are charged as any other.
//!
//! Rows dated after `as_of` (or before `since`, when given) are left out; a customer without rows has
//! an all-zero P&L, so zero-revenue and cost-only customers appear as such.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::calendar::{Month, add_months};

/// An internal id, as the store numbers customers, products, channels and campaigns.
pub type Id = i64;

/// How a product is sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// Bought once (a handset, an accessory): the purchases BTYD models describe.
    OneOff,
    /// Paid monthly without commitment.
    Subscription,
    /// Paid monthly under a contract.
    Contract,
}

/// A product of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Internal id.
    pub id: Id,
    /// Category (`mobile_plan`, `insurance`, …): a contract replaced by another of the same category
    /// continues the same relationship (see `value`).
    pub category: String,
    /// How it is sold.
    pub kind: ProductKind,
    /// Cost of one unit, or of one month of a contract, in minor units.
    pub unit_cost: i64,
}

/// A channel's costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// Internal id.
    pub id: Id,
    /// Cost of one contact, minor units.
    pub cost_per_contact: i64,
    /// Cost of one minute of contact, minor units.
    pub cost_per_minute: i64,
}

/// A campaign's cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// Internal id.
    pub id: Id,
    /// The channel it contacts through, if known.
    pub channel: Option<Id>,
    /// Cost of contacting one treatment member, minor units.
    pub cost_per_contact: i64,
}

/// A customer of the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    /// Internal id.
    pub id: Id,
    /// Whether the customer is recorded as gone (status `churned`).
    pub churned: bool,
}

/// Sale or refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    /// Money in.
    Sale,
    /// Money given back.
    Refund,
}

/// One transaction line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRow {
    /// Customer id.
    pub customer: Id,
    /// Product id.
    pub product: Id,
    /// Channel of the sale, if known.
    pub channel: Option<Id>,
    /// Day number (days since 1970-01-01, UTC date).
    pub day: i32,
    /// Sale or refund.
    pub kind: TransactionKind,
    /// Amount paid, or given back for a refund (≥ 0), minor units.
    pub amount: i64,
    /// Product cost of the line; for a refund, the cost of the goods that came back.
    pub cost: i64,
}

/// One contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractRow {
    /// Customer id.
    pub customer: Id,
    /// Product id.
    pub product: Id,
    /// Channel where it was sold, if known.
    pub channel: Option<Id>,
    /// First day.
    pub start: i32,
    /// Day it stopped (cancellation, or end of an ended contract); None while it runs.
    pub stop: Option<i32>,
    /// Monthly fee, minor units.
    pub monthly_fee: i64,
}

/// One interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionRow {
    /// Customer id.
    pub customer: Id,
    /// Channel id.
    pub channel: Id,
    /// Day number.
    pub day: i32,
    /// Duration.
    pub duration_seconds: i64,
    /// Recorded cost; None means the channel's costs apply.
    pub cost: Option<i64>,
    /// Campaign it belongs to, if any.
    pub campaign: Option<Id>,
    /// Whether it is the outbound delivery of a campaign (operation `campaign`, direction outbound).
    pub campaign_delivery: bool,
}

/// One complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintRow {
    /// Customer id.
    pub customer: Id,
    /// Product concerned, if any.
    pub product: Option<Id>,
    /// Channel it came through, if any.
    pub channel: Option<Id>,
    /// Opening day.
    pub day: i32,
    /// Compensation granted (geste commercial), minor units.
    pub compensation: i64,
}

/// One campaign member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignMemberRow {
    /// Campaign id.
    pub campaign: Id,
    /// Customer id.
    pub customer: Id,
    /// Day the member was contacted; None for control members and treatment members not contacted.
    pub contacted_day: Option<i32>,
}

/// The detailed history the P&L and the value are computed from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Every customer to report on (customers without rows get a zero P&L).
    pub customers: Vec<CustomerRow>,
    /// The product catalogue.
    pub products: Vec<Product>,
    /// Channels and their costs.
    pub channels: Vec<Channel>,
    /// Campaigns and their costs.
    pub campaigns: Vec<Campaign>,
    /// Sales and refunds.
    pub transactions: Vec<TransactionRow>,
    /// Contracts.
    pub contracts: Vec<ContractRow>,
    /// Interactions.
    pub interactions: Vec<InteractionRow>,
    /// Complaints.
    pub complaints: Vec<ComplaintRow>,
    /// Campaign members.
    pub campaign_members: Vec<CampaignMemberRow>,
}

/// The period and costs of a P&L.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlOptions {
    /// Last day included.
    pub as_of: i32,
    /// First day included; None for the whole history.
    pub since: Option<i32>,
    /// Cost of handling one complaint (back office), minor units.
    pub complaint_handling_cost: i64,
}

impl PnlOptions {
    /// The whole history up to `as_of`, complaints handled at 20.00 (a placeholder to set per company).
    pub fn new(as_of: i32) -> PnlOptions {
        PnlOptions {
            as_of,
            since: None,
            complaint_handling_cost: 2_000,
        }
    }

    fn includes(&self, day: i32) -> bool {
        day <= self.as_of && self.since.is_none_or(|s| day >= s)
    }
}

/// The lines of a P&L, minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pnl {
    /// Sales, after discounts.
    pub sales: i64,
    /// Refunds given back.
    pub refunds: i64,
    /// Fees of contracts not invoiced as transactions, accrued per month.
    pub contract_fees: i64,
    /// Product cost (sales − goods returned + accrued contract months).
    pub product_cost: i64,
    /// Interactions.
    pub interaction_cost: i64,
    /// Complaint handling, at the cost per complaint.
    pub complaint_cost: i64,
    /// Compensations granted on complaints.
    pub compensation: i64,
    /// Campaign contacts.
    pub campaign_cost: i64,
}

impl Pnl {
    /// Chiffre d'affaires: sales − refunds + accrued contract fees.
    pub fn revenue(&self) -> i64 {
        self.sales - self.refunds + self.contract_fees
    }

    /// Marge brute: revenue − product cost.
    pub fn gross_margin(&self) -> i64 {
        self.revenue() - self.product_cost
    }

    /// Coût de service: interactions, complaints, compensations and campaign contacts.
    pub fn cost_to_serve(&self) -> i64 {
        self.interaction_cost + self.complaint_cost + self.compensation + self.campaign_cost
    }

    /// Rentabilité: gross margin − cost to serve.
    pub fn net(&self) -> i64 {
        self.gross_margin() - self.cost_to_serve()
    }

    /// Adds another P&L line by line.
    pub fn add(&mut self, other: &Pnl) {
        self.sales += other.sales;
        self.refunds += other.refunds;
        self.contract_fees += other.contract_fees;
        self.product_cost += other.product_cost;
        self.interaction_cost += other.interaction_cost;
        self.complaint_cost += other.complaint_cost;
        self.compensation += other.compensation;
        self.campaign_cost += other.campaign_cost;
    }
}

/// The P&L of every customer, and the same rows rolled up by product, channel and month.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PnlReport {
    /// One P&L per customer, by increasing id.
    pub customers: Vec<(Id, Pnl)>,
    /// By product; None gathers the rows without one (interactions, campaign contacts, complaints
    /// about no product).
    pub by_product: BTreeMap<Option<Id>, Pnl>,
    /// By channel; None gathers the rows without one (invoiced fees, complaints without a channel).
    pub by_channel: BTreeMap<Option<Id>, Pnl>,
    /// By calendar month of each row.
    pub by_month: BTreeMap<Month, Pnl>,
    /// Every row.
    pub total: Pnl,
    /// Contracts whose fees were accrued (not invoiced as transactions).
    pub accrued_contracts: usize,
    /// Contracts invoiced as transactions.
    pub invoiced_contracts: usize,
}

/// The P&L of `customers` rolled up by segment: the sum of the customers' P&Ls per key of `segments`;
/// customers without a key are gathered under None.
pub fn rollup_by_segment<K: Ord + Clone + Hash + Eq>(
    customers: &[(Id, Pnl)],
    segments: &HashMap<Id, K>,
) -> BTreeMap<Option<K>, Pnl> {
    let mut out: BTreeMap<Option<K>, Pnl> = BTreeMap::new();
    for (id, pnl) in customers {
        out.entry(segments.get(id).cloned()).or_default().add(pnl);
    }
    out
}

/// Accumulates the rows into the per-customer and per-dimension P&Ls.
struct Books {
    index: HashMap<Id, usize>,
    customers: Vec<(Id, Pnl)>,
    by_product: HashMap<Option<Id>, Pnl>,
    by_channel: HashMap<Option<Id>, Pnl>,
    by_month: HashMap<Month, Pnl>,
}

impl Books {
    fn post(
        &mut self,
        customer: Id,
        day: i32,
        product: Option<Id>,
        channel: Option<Id>,
        line: impl Fn(&mut Pnl),
    ) {
        let next = self.customers.len();
        let i = *self.index.entry(customer).or_insert(next);
        if i == next {
            self.customers.push((customer, Pnl::default()));
        }
        line(&mut self.customers[i].1);
        line(self.by_product.entry(product).or_default());
        line(self.by_channel.entry(channel).or_default());
        line(self.by_month.entry(Month::of_day(day)).or_default());
    }
}

/// Cost of an interaction: its own, or its channel's cost per contact + pro rata minutes.
pub fn interaction_cost(row: &InteractionRow, channel: Option<&Channel>) -> i64 {
    if let Some(cost) = row.cost {
        return cost;
    }
    let Some(ch) = channel else {
        return 0;
    };
    // Rounded half up to the minor unit: seconds × cost per minute / 60.
    let per_time = (row.duration_seconds.max(0) * ch.cost_per_minute * 2 + 60) / 120;
    ch.cost_per_contact + per_time
}

/// The P&L of every customer of `history` as of `options.as_of`, with its roll-ups.
pub fn customer_pnl(history: &History, options: &PnlOptions) -> PnlReport {
    let products: HashMap<Id, &Product> = history.products.iter().map(|p| (p.id, p)).collect();
    let channels: HashMap<Id, &Channel> = history.channels.iter().map(|c| (c.id, c)).collect();
    let campaigns: HashMap<Id, &Campaign> = history.campaigns.iter().map(|c| (c.id, c)).collect();
    let mut books = Books {
        index: HashMap::with_capacity(history.customers.len()),
        customers: Vec::with_capacity(history.customers.len()),
        by_product: HashMap::new(),
        by_channel: HashMap::new(),
        by_month: HashMap::new(),
    };
    for c in &history.customers {
        let next = books.customers.len();
        books.index.entry(c.id).or_insert_with(|| {
            books.customers.push((c.id, Pnl::default()));
            next
        });
    }

    for t in history
        .transactions
        .iter()
        .filter(|t| options.includes(t.day))
    {
        let (amount, cost) = (t.amount, t.cost);
        match t.kind {
            TransactionKind::Sale => {
                books.post(t.customer, t.day, Some(t.product), t.channel, |p| {
                    p.sales += amount;
                    p.product_cost += cost;
                })
            }
            TransactionKind::Refund => {
                books.post(t.customer, t.day, Some(t.product), t.channel, |p| {
                    p.refunds += amount;
                    p.product_cost -= cost;
                })
            }
        }
    }

    let invoices = contract_invoices(history);
    let (mut accrued_contracts, mut invoiced_contracts) = (0, 0);
    for k in history
        .contracts
        .iter()
        .filter(|k| k.start <= options.as_of)
    {
        let last = k.stop.unwrap_or(options.as_of).min(options.as_of);
        if invoices.has_sale_within(k.customer, k.product, k.start, last) {
            invoiced_contracts += 1;
            continue;
        }
        accrued_contracts += 1;
        let unit_cost = products.get(&k.product).map_or(0, |p| p.unit_cost);
        let (fee, channel) = (k.monthly_fee, k.channel);
        let mut month = 1;
        loop {
            let due = add_months(k.start, month);
            if due > last {
                break;
            }
            if options.includes(due) {
                books.post(k.customer, due, Some(k.product), channel, |p| {
                    p.contract_fees += fee;
                    p.product_cost += unit_cost;
                });
            }
            month += 1;
        }
    }

    // Contacts charged through their campaign: (campaign, customer) of contacted treatment members.
    let mut charged_contacts: HashSet<(Id, Id)> = HashSet::new();
    for m in &history.campaign_members {
        let Some(day) = m.contacted_day else {
            continue;
        };
        let Some(campaign) = campaigns.get(&m.campaign) else {
            continue;
        };
        if day > options.as_of || campaign.cost_per_contact <= 0 {
            continue;
        }
        charged_contacts.insert((m.campaign, m.customer));
        if options.includes(day) {
            let cost = campaign.cost_per_contact;
            books.post(m.customer, day, None, campaign.channel, |p| {
                p.campaign_cost += cost
            });
        }
    }

    for i in history
        .interactions
        .iter()
        .filter(|i| options.includes(i.day))
    {
        if i.campaign_delivery
            && let Some(campaign) = i.campaign
            && charged_contacts.contains(&(campaign, i.customer))
        {
            continue;
        }
        let cost = interaction_cost(i, channels.get(&i.channel).copied());
        books.post(i.customer, i.day, None, Some(i.channel), |p| {
            p.interaction_cost += cost
        });
    }

    let handling = options.complaint_handling_cost;
    for c in history
        .complaints
        .iter()
        .filter(|c| options.includes(c.day))
    {
        let compensation = c.compensation;
        books.post(c.customer, c.day, c.product, c.channel, |p| {
            p.complaint_cost += handling;
            p.compensation += compensation;
        });
    }

    let mut customers = books.customers;
    customers.sort_unstable_by_key(|(id, _)| *id);
    let mut total = Pnl::default();
    for p in books.by_month.values() {
        total.add(p);
    }
    PnlReport {
        customers,
        by_product: books.by_product.into_iter().collect(),
        by_channel: books.by_channel.into_iter().collect(),
        by_month: books.by_month.into_iter().collect(),
        total,
        accrued_contracts,
        invoiced_contracts,
    }
}

/// Sale days of every (customer, product) pair that has a contract, to tell invoiced contracts.
struct ContractInvoices {
    days: HashMap<(Id, Id), Vec<i32>>,
}

fn contract_invoices(history: &History) -> ContractInvoices {
    let mut days: HashMap<(Id, Id), Vec<i32>> = history
        .contracts
        .iter()
        .map(|k| ((k.customer, k.product), Vec::new()))
        .collect();
    for t in &history.transactions {
        if t.kind == TransactionKind::Sale
            && let Some(v) = days.get_mut(&(t.customer, t.product))
        {
            v.push(t.day);
        }
    }
    for v in days.values_mut() {
        v.sort_unstable();
    }
    ContractInvoices { days }
}

impl ContractInvoices {
    fn has_sale_within(&self, customer: Id, product: Id, from: i32, to: i32) -> bool {
        self.days.get(&(customer, product)).is_some_and(|v| {
            let i = v.partition_point(|d| *d < from);
            i < v.len() && v[i] <= to
        })
    }
}
