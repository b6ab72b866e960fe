//! The fourteen files written, their names and their exact column lists (docs/data-format.md).

use serde::Serialize;

/// One entity of the import format; the file written is `<name>.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Channels,
    Stores,
    Products,
    Customers,
    Consents,
    Campaigns,
    Transactions,
    Contracts,
    Usage,
    Interactions,
    LifeEvents,
    Complaints,
    Surveys,
    CampaignMembers,
}

impl Entity {
    /// Every entity in an order that imports cleanly: each file refers only to files before it
    /// (customers refer to channels; interactions and campaign members to campaigns).
    pub const ALL: [Entity; 14] = [
        Entity::Channels,
        Entity::Stores,
        Entity::Products,
        Entity::Customers,
        Entity::Consents,
        Entity::Campaigns,
        Entity::Transactions,
        Entity::Contracts,
        Entity::Usage,
        Entity::Interactions,
        Entity::LifeEvents,
        Entity::Complaints,
        Entity::Surveys,
        Entity::CampaignMembers,
    ];

    pub(crate) const COUNT: usize = Entity::ALL.len();

    /// The `<entity>` name of `fidelis import`.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Channels => "channels",
            Entity::Stores => "stores",
            Entity::Products => "products",
            Entity::Customers => "customers",
            Entity::Consents => "consents",
            Entity::Campaigns => "campaigns",
            Entity::Transactions => "transactions",
            Entity::Contracts => "contracts",
            Entity::Usage => "usage",
            Entity::Interactions => "interactions",
            Entity::LifeEvents => "life_events",
            Entity::Complaints => "complaints",
            Entity::Surveys => "surveys",
            Entity::CampaignMembers => "campaign_members",
        }
    }

    pub fn file_name(self) -> String {
        format!("{}.csv", self.name())
    }

    /// The header line's columns, in the order of docs/data-format.md.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Entity::Channels => &[
                "id",
                "name",
                "kind",
                "cost_per_contact",
                "cost_per_minute",
                "currency",
            ],
            Entity::Stores => &[
                "id",
                "name",
                "city",
                "postcode",
                "latitude",
                "longitude",
                "opened_on",
            ],
            Entity::Products => &[
                "id",
                "name",
                "category",
                "kind",
                "price",
                "unit_cost",
                "currency",
                "complexity",
                "launch_date",
            ],
            Entity::Customers => &[
                "id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "address",
                "postcode",
                "city",
                "country",
                "latitude",
                "longitude",
                "birth_date",
                "gender",
                "household_id",
                "income_band",
                "assets_band",
                "solvent",
                "status",
                "acquisition_date",
                "acquisition_channel",
            ],
            Entity::Consents => &["customer_id", "channel", "purpose", "status", "date"],
            Entity::Campaigns => &[
                "id",
                "name",
                "objective",
                "channel_id",
                "start_date",
                "end_date",
                "cost_per_contact",
                "currency",
                "control_share",
            ],
            Entity::Transactions => &[
                "id",
                "customer_id",
                "product_id",
                "channel_id",
                "store_id",
                "time",
                "kind",
                "quantity",
                "amount",
                "cost",
                "discount",
                "currency",
            ],
            Entity::Contracts => &[
                "id",
                "customer_id",
                "product_id",
                "channel_id",
                "start_date",
                "end_date",
                "status",
                "monthly_fee",
                "currency",
                "cancelled_on",
                "cancellation_reason",
            ],
            Entity::Usage => &["customer_id", "period", "metric", "value"],
            Entity::Interactions => &[
                "id",
                "customer_id",
                "channel_id",
                "direction",
                "operation",
                "time",
                "duration_seconds",
                "agent",
                "outcome",
                "cost",
                "campaign_id",
                "currency",
            ],
            Entity::LifeEvents => &["id", "customer_id", "kind", "date", "details"],
            Entity::Complaints => &[
                "id",
                "customer_id",
                "category",
                "department",
                "product_id",
                "channel_id",
                "opened_at",
                "first_response_at",
                "resolved_at",
                "status",
                "compensation",
                "currency",
                "text",
            ],
            Entity::Surveys => &["id", "customer_id", "date", "kind", "score", "comment"],
            Entity::CampaignMembers => &["campaign_id", "customer_id", "group", "contacted_at"],
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_follows_import_order() {
        for (i, e) in Entity::ALL.into_iter().enumerate() {
            assert_eq!(e.index(), i, "{}", e.name());
            assert!(!e.columns().is_empty());
        }
    }
}
