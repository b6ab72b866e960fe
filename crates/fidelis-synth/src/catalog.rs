//! The company's fixed reference data: channels with their contact costs, stores, and the product range.
//!
//! Channels and products are constants; only the dates (store openings, product launches) are placed
//! relative to the simulated window, so any `end` date gives a coherent history.

use crate::calendar::{Day, add_months};

/// A contact channel. Costs are in cents; the differences are planted for the cost-to-serve module.
pub(crate) struct Channel {
    pub name: &'static str,
    pub kind: &'static str,
    pub cost_per_contact: i64,
    pub cost_per_minute: i64,
}

/// Channel indices; the id written is `CH` + (index + 1), two digits.
pub(crate) mod ch {
    pub const STORE: u8 = 0;
    pub const CALL_CENTRE: u8 = 1;
    pub const WEB: u8 = 2;
    pub const APP: u8 = 3;
    pub const EMAIL: u8 = 4;
    pub const SMS: u8 = 5;
    pub const MAIL: u8 = 6;
    pub const ADVISER: u8 = 7;
    pub const TELESALES: u8 = 8;
    pub const SOCIAL: u8 = 9;
}

#[rustfmt::skip]
pub(crate) const CHANNELS: &[Channel] = &[
    Channel { name: "Boutiques", kind: "store", cost_per_contact: 800, cost_per_minute: 40 },
    Channel { name: "Centre d'appels", kind: "call_centre", cost_per_contact: 400, cost_per_minute: 80 },
    Channel { name: "Site web", kind: "web", cost_per_contact: 20, cost_per_minute: 0 },
    Channel { name: "Application mobile", kind: "app", cost_per_contact: 10, cost_per_minute: 0 },
    Channel { name: "E-mail", kind: "email", cost_per_contact: 5, cost_per_minute: 0 },
    Channel { name: "SMS", kind: "sms", cost_per_contact: 8, cost_per_minute: 0 },
    Channel { name: "Courrier", kind: "mail", cost_per_contact: 120, cost_per_minute: 0 },
    Channel { name: "Conseiller patrimonial", kind: "adviser", cost_per_contact: 3500, cost_per_minute: 50 },
    Channel { name: "Télévente", kind: "telesales", cost_per_contact: 300, cost_per_minute: 70 },
    Channel { name: "Réseaux sociaux", kind: "social", cost_per_contact: 50, cost_per_minute: 0 },
];

/// A store: its name and the index of its town in [`crate::names::CITIES`]; `opened_years` before the window.
pub(crate) struct Store {
    pub name: &'static str,
    pub city: usize,
    pub opened_years: i32,
}

#[rustfmt::skip]
pub(crate) const STORES: &[Store] = &[
    Store { name: "Boutique Paris Bastille", city: 0, opened_years: 12 },
    Store { name: "Boutique Marseille Canebière", city: 1, opened_years: 10 },
    Store { name: "Boutique Lyon Part-Dieu", city: 2, opened_years: 11 },
    Store { name: "Boutique Toulouse Capitole", city: 3, opened_years: 9 },
    Store { name: "Boutique Nice Masséna", city: 4, opened_years: 8 },
    Store { name: "Boutique Nantes Graslin", city: 5, opened_years: 8 },
    Store { name: "Boutique Montpellier Comédie", city: 6, opened_years: 7 },
    Store { name: "Boutique Strasbourg Kléber", city: 7, opened_years: 9 },
    Store { name: "Boutique Bordeaux Sainte-Catherine", city: 8, opened_years: 10 },
    Store { name: "Boutique Lille Grand'Place", city: 9, opened_years: 6 },
    Store { name: "Boutique Rennes République", city: 10, opened_years: 5 },
    Store { name: "Boutique Reims Erlon", city: 11, opened_years: 4 },
    Store { name: "Boutique Saint-Étienne Jean-Jaurès", city: 12, opened_years: 4 },
    Store { name: "Boutique Grenoble Victor-Hugo", city: 15, opened_years: 6 },
    Store { name: "Boutique Dijon Darcy", city: 16, opened_years: 3 },
    Store { name: "Boutique Nîmes Arènes", city: 18, opened_years: 3 },
    Store { name: "Boutique Clermont-Ferrand Jaude", city: 20, opened_years: 5 },
    Store { name: "Boutique Tours Nationale", city: 24, opened_years: 2 },
    Store { name: "Boutique Besançon Granvelle", city: 29, opened_years: 2 },
    Store { name: "Boutique Paris Opéra", city: 0, opened_years: 15 },
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ProductKind {
    OneOff,
    Subscription,
    Contract,
}

impl ProductKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ProductKind::OneOff => "one_off",
            ProductKind::Subscription => "subscription",
            ProductKind::Contract => "contract",
        }
    }
}

/// When a product was launched, relative to the window so recent launches stay recent.
#[derive(Clone, Copy)]
pub(crate) enum Launch {
    YearsBeforeStart(i32),
    MonthsBeforeEnd(i32),
    /// One month before the past campaign that promotes it.
    BeforeCampaign,
}

/// A product; amounts in cents (price = unit price or monthly fee). Margins differ by design:
/// handsets sell near cost, accessories, insurance and wealth services carry most of the margin.
pub(crate) struct Product {
    pub name: &'static str,
    pub category: &'static str,
    pub kind: ProductKind,
    pub price: i64,
    pub unit_cost: i64,
    pub complexity: u8,
    pub launch: Launch,
}

const fn product(
    name: &'static str,
    category: &'static str,
    kind: ProductKind,
    price: i64,
    unit_cost: i64,
    complexity: u8,
    launch: Launch,
) -> Product {
    Product {
        name,
        category,
        kind,
        price,
        unit_cost,
        complexity,
        launch,
    }
}

use Launch::{BeforeCampaign, MonthsBeforeEnd, YearsBeforeStart};
use ProductKind::{Contract, OneOff, Subscription};

/// Product indices; the id written is `P` + (index + 1), three digits.
pub(crate) mod p {
    pub const MOBILE_5GB: usize = 0;
    pub const MOBILE_50GB: usize = 1;
    pub const MOBILE_150GB: usize = 2;
    pub const MOBILE_UNLIMITED: usize = 3;
    pub const MOBILE_YOUTH: usize = 4;
    pub const BOX_ADSL: usize = 5;
    pub const BOX_FIBRE: usize = 6;
    pub const BOX_FIBRE_PREMIUM: usize = 7;
    pub const TV_BASIC: usize = 8;
    pub const TV_CINEMA: usize = 9;
    pub const TV_SPORT: usize = 10;
    pub const MOBILE_INSURANCE: usize = 11;
    pub const HOME_INSURANCE: usize = 12;
    pub const LEGAL_PROTECTION: usize = 13;
    pub const CASE: usize = 14;
    pub const CHARGER: usize = 15;
    pub const EARBUDS: usize = 16;
    pub const HEADPHONES: usize = 17;
    pub const SMARTWATCH: usize = 18;
    pub const PHONE_BASIC: usize = 19;
    pub const PHONE_PLUS: usize = 20;
    pub const PHONE_ULTRA: usize = 21;
    pub const PHONE_REFURBISHED: usize = 22;
    pub const TABLET: usize = 23;
    pub const HOME_SETUP: usize = 24;
    pub const SMART_HOME: usize = 25;
    pub const SAVINGS: usize = 26;
    pub const LIFE_INSURANCE: usize = 27;
    pub const WEALTH_MANAGEMENT: usize = 28;
    pub const FAMILY_PROTECTION: usize = 29;
    pub const CYBER_SECURITY: usize = 30;
    pub const CONCIERGE: usize = 31;
}

#[rustfmt::skip]
pub(crate) const PRODUCTS: &[Product] = &[
    product("Forfait Mobile 5 Go", "mobile_plan", Contract, 999, 420, 1, YearsBeforeStart(8)),
    product("Forfait Mobile 50 Go", "mobile_plan", Contract, 1999, 750, 1, YearsBeforeStart(6)),
    product("Forfait Mobile 150 Go 5G", "mobile_plan", Contract, 2999, 1080, 1, YearsBeforeStart(4)),
    product("Forfait Illimité 5G+", "mobile_plan", Contract, 4499, 1500, 2, YearsBeforeStart(3)),
    product("Forfait Jeunes 5G", "mobile_plan", Contract, 1499, 600, 1, MonthsBeforeEnd(10)),
    product("Box ADSL", "internet", Contract, 2499, 1300, 2, YearsBeforeStart(12)),
    product("Box Fibre", "internet", Contract, 3499, 1650, 2, YearsBeforeStart(7)),
    product("Box Fibre Premium Wi-Fi 7", "internet", Contract, 4999, 2100, 2, MonthsBeforeEnd(5)),
    product("Option TV Essentiel", "tv", Subscription, 599, 360, 1, YearsBeforeStart(10)),
    product("Option TV Cinéma & Séries", "tv", Subscription, 1199, 840, 1, YearsBeforeStart(5)),
    product("Option Sport", "tv", Subscription, 1499, 1120, 1, YearsBeforeStart(5)),
    product("Assurance mobile", "insurance", Subscription, 799, 160, 2, YearsBeforeStart(9)),
    product("Assurance habitation", "insurance", Contract, 1699, 510, 3, YearsBeforeStart(6)),
    product("Protection juridique", "insurance", Subscription, 649, 130, 2, YearsBeforeStart(4)),
    product("Coque de protection", "accessory", OneOff, 1999, 450, 1, YearsBeforeStart(10)),
    product("Chargeur rapide 30 W", "accessory", OneOff, 2999, 800, 1, YearsBeforeStart(6)),
    product("Écouteurs sans fil Pulse", "accessory", OneOff, 8900, 3800, 1, YearsBeforeStart(4)),
    product("Casque audio Studio", "accessory", OneOff, 14900, 7200, 1, YearsBeforeStart(3)),
    product("Montre connectée Lumen", "accessory", OneOff, 19900, 11800, 1, BeforeCampaign),
    product("Smartphone Essentiel", "handset", OneOff, 19900, 17200, 1, YearsBeforeStart(3)),
    product("Smartphone Plus", "handset", OneOff, 54900, 47800, 1, YearsBeforeStart(2)),
    product("Smartphone Ultra", "handset", OneOff, 119900, 105000, 2, YearsBeforeStart(2)),
    product("Smartphone reconditionné", "handset", OneOff, 24900, 18000, 1, YearsBeforeStart(4)),
    product("Tablette 5G", "handset", OneOff, 42900, 36000, 1, YearsBeforeStart(3)),
    product("Installation et paramétrage à domicile", "service", OneOff, 7900, 3500, 2, YearsBeforeStart(8)),
    product("Maison connectée sur-mesure", "premium_service", OneOff, 149000, 61000, 4, YearsBeforeStart(3)),
    product("Épargne Horizon (gestion pilotée)", "wealth", Contract, 2500, 600, 4, YearsBeforeStart(6)),
    product("Assurance vie Patrimoine", "wealth", Contract, 4500, 900, 5, YearsBeforeStart(7)),
    product("Gestion de patrimoine déléguée", "wealth", Contract, 12000, 3000, 5, YearsBeforeStart(5)),
    product("Prévoyance Famille", "insurance", Contract, 2990, 800, 4, YearsBeforeStart(6)),
    product("Cybersécurité Famille", "premium_service", Subscription, 999, 200, 3, YearsBeforeStart(2)),
    product("Conciergerie numérique Premium", "premium_service", Subscription, 3900, 1200, 4, YearsBeforeStart(2)),
];

/// Launch day of every product, resolved against the window and the campaign date.
pub(crate) fn launch_days(window_start: Day, end: Day, campaign_start: Day) -> Vec<Day> {
    PRODUCTS
        .iter()
        .map(|p| match p.launch {
            YearsBeforeStart(y) => add_months(window_start, -12 * y),
            MonthsBeforeEnd(m) => add_months(end, -m),
            BeforeCampaign => add_months(campaign_start, -1),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_consistent() {
        for p in PRODUCTS {
            assert!(p.unit_cost < p.price, "{} sells at a loss", p.name);
            assert!((1..=5).contains(&p.complexity), "{}", p.name);
        }
        assert!(PRODUCTS.len() >= 25 && PRODUCTS.len() <= 40);
        assert_eq!(
            PRODUCTS[p::CONCIERGE].name,
            "Conciergerie numérique Premium"
        );
        assert_eq!(CHANNELS[usize::from(ch::SOCIAL)].kind, "social");
    }
}
