//! The importable entities: for each, its fields with their English and French names, their kind, whether
//! they are required, and the database column they land in. `docs/data-format.md` is the same table in
//! prose; the import, the generator and the migrations all follow it.

use serde::Serialize;
use std::fmt;

/// An importable entity, in the order imports should run (each refers only to those before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

    /// The name used on the command line, in file names and as the table name.
    pub fn name(self) -> &'static str {
        self.spec().table
    }

    /// Parses an entity name in English or French (`clients`, `produits`, `reclamations`…).
    pub fn parse(text: &str) -> Option<Entity> {
        let n = crate::parse::normalise_name(text);
        Entity::ALL.into_iter().find(|e| {
            let spec = e.spec();
            spec.table == n || spec.french.contains(&n.as_str())
        })
    }

    pub fn spec(self) -> &'static EntitySpec {
        match self {
            Entity::Channels => &CHANNELS,
            Entity::Stores => &STORES,
            Entity::Products => &PRODUCTS,
            Entity::Customers => &CUSTOMERS,
            Entity::Consents => &CONSENTS,
            Entity::Campaigns => &CAMPAIGNS,
            Entity::Transactions => &TRANSACTIONS,
            Entity::Contracts => &CONTRACTS,
            Entity::Usage => &USAGE,
            Entity::Interactions => &INTERACTIONS,
            Entity::LifeEvents => &LIFE_EVENTS,
            Entity::Complaints => &COMPLAINTS,
            Entity::Surveys => &SURVEYS,
            Entity::CampaignMembers => &CAMPAIGN_MEMBERS,
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How rows of an entity are identified for upserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The source's `id`; when `required` is false and the column is absent or empty, an id is derived
    /// from a hash of the row so re-imports stay idempotent.
    ExternalId { required: bool },
    /// A natural key made of these fields (by name).
    Natural(&'static [&'static str]),
}

/// One allowed value of an enumerated field, with its French spellings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    pub value: &'static str,
    pub aliases: &'static [&'static str],
}

/// What a field holds and how its text is parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// The source's external id.
    Id,
    Text {
        max_bytes: usize,
    },
    Email,
    Phone,
    /// ISO 3166 alpha-2.
    Country,
    /// ISO 4217; amounts of the row are in this currency.
    Currency,
    Date,
    DateTime,
    /// A month or a date (first day of the period).
    Period,
    /// Money in minor units of the row's currency.
    Amount {
        min_minor: i64,
    },
    Decimal {
        min: f64,
        max: f64,
    },
    Integer {
        min: i64,
        max: i64,
    },
    Bool,
    Enum(&'static [Choice]),
    /// The external id of a row of another entity, resolved to its internal id on import.
    Ref(Entity),
}

/// A field of an importable entity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// English name: the canonical column name in files.
    pub name: &'static str,
    /// French names and common variants, already normalised (see `parse::normalise_name`).
    pub aliases: &'static [&'static str],
    pub kind: FieldKind,
    pub required: bool,
    /// Text parsed when the cell is absent or empty.
    pub default: Option<&'static str>,
    /// Database column.
    pub column: &'static str,
}

/// The specification of an importable entity.
#[derive(Debug)]
pub struct EntitySpec {
    pub entity: Entity,
    pub table: &'static str,
    /// French names accepted on the command line.
    pub french: &'static [&'static str],
    pub key: Key,
    pub fields: &'static [Field],
    /// Columns named `attr.<name>` become custom attributes (customers only).
    pub custom_attributes: bool,
}

impl EntitySpec {
    pub fn field(&self, name: &str) -> Option<(usize, &Field)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }

    /// Finds the field a (normalised) column name designates, by English name or French alias.
    pub fn match_column(&self, normalised: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.name == normalised || f.aliases.contains(&normalised))
    }
}

const fn req(
    name: &'static str,
    aliases: &'static [&'static str],
    kind: FieldKind,
    column: &'static str,
) -> Field {
    Field {
        name,
        aliases,
        kind,
        required: true,
        default: None,
        column,
    }
}

const fn opt(
    name: &'static str,
    aliases: &'static [&'static str],
    kind: FieldKind,
    column: &'static str,
) -> Field {
    Field {
        name,
        aliases,
        kind,
        required: false,
        default: None,
        column,
    }
}

const fn with_default(field: Field, default: &'static str) -> Field {
    Field {
        default: Some(default),
        ..field
    }
}

const fn choice(value: &'static str, aliases: &'static [&'static str]) -> Choice {
    Choice { value, aliases }
}

const TEXT: FieldKind = FieldKind::Text { max_bytes: 1024 };
const LONG_TEXT: FieldKind = FieldKind::Text { max_bytes: 65536 };
const MONEY: FieldKind = FieldKind::Amount { min_minor: 0 };
const ID: Field = req(
    "id",
    &["identifiant", "ident", "code"],
    FieldKind::Id,
    "external_id",
);
const OPTIONAL_ID: Field = opt(
    "id",
    &["identifiant", "ident", "code"],
    FieldKind::Id,
    "external_id",
);
const CURRENCY: Field = with_default(
    opt(
        "currency",
        &["devise", "monnaie"],
        FieldKind::Currency,
        "currency",
    ),
    "EUR",
);
const CUSTOMER_REF: Field = req(
    "customer_id",
    &[
        "id_client",
        "client",
        "code_client",
        "customer",
        "numero_client",
    ],
    FieldKind::Ref(Entity::Customers),
    "customer_id",
);

pub const BANDS: &[Choice] = &[
    choice("low", &["faible", "bas"]),
    choice("medium", &["moyen", "moyenne", "intermediaire"]),
    choice("high", &["eleve", "elevee", "haut"]),
    choice("very_high", &["tres_eleve", "tres_elevee", "tres_haut"]),
];

pub const CUSTOMER_STATUSES: &[Choice] = &[
    choice("active", &["actif"]),
    choice("inactive", &["inactif"]),
    choice("churned", &["parti", "partie", "resilie", "perdu"]),
    choice("prospect", &[]),
];

pub const CHANNEL_KINDS: &[Choice] = &[
    choice("store", &["magasin", "agence", "boutique"]),
    choice(
        "call_centre",
        &[
            "centre_appels",
            "centre_d_appels",
            "call_center",
            "plateau_appels",
        ],
    ),
    choice("web", &["internet", "site"]),
    choice("app", &["application", "mobile"]),
    choice("email", &["e_mail", "courriel"]),
    choice("sms", &[]),
    choice("mail", &["courrier", "postal"]),
    choice("adviser", &["conseiller", "advisor"]),
    choice("telesales", &["televente"]),
    choice("social", &["reseau_social", "reseaux_sociaux"]),
];

pub const PRODUCT_KINDS: &[Choice] = &[
    choice("one_off", &["ponctuel", "achat", "oneoff"]),
    choice("subscription", &["abonnement"]),
    choice("contract", &["contrat"]),
];

pub const CONSENT_CHANNELS: &[Choice] = &[
    choice("email", &["e_mail", "courriel"]),
    choice("sms", &[]),
    choice("phone", &["telephone", "tel", "appel"]),
    choice("mail", &["courrier", "postal"]),
    choice("push", &["notification"]),
];

pub const CONSENT_PURPOSES: &[Choice] = &[
    choice("marketing", &["prospection", "commercial"]),
    choice("service", &["relation", "gestion"]),
    choice("profiling", &["profilage"]),
    choice("partners", &["partenaires", "tiers"]),
];

pub const CONSENT_STATUSES: &[Choice] = &[
    choice("granted", &["accorde", "oui", "opt_in"]),
    choice("withdrawn", &["retire", "refuse", "non", "opt_out"]),
];

pub const TRANSACTION_KINDS: &[Choice] = &[
    choice("sale", &["vente", "achat"]),
    choice("refund", &["remboursement", "avoir"]),
];

pub const CONTRACT_STATUSES: &[Choice] = &[
    choice("active", &["actif", "en_cours"]),
    choice("ended", &["termine", "echu", "fini"]),
    choice("cancelled", &["resilie", "annule", "canceled"]),
];

pub const DIRECTIONS: &[Choice] = &[
    choice("inbound", &["entrant", "in", "entrante"]),
    choice("outbound", &["sortant", "out", "sortante"]),
];

pub const OPERATIONS: &[Choice] = &[
    choice("information", &["renseignement", "info"]),
    choice(
        "appointment",
        &["rendez_vous", "rdv", "prise_de_rendez_vous"],
    ),
    choice("simple_sale", &["vente_simple"]),
    choice("complex_sale", &["vente_complexe"]),
    choice("service", &["gestion", "apres_vente", "sav"]),
    choice("complaint", &["reclamation"]),
    choice("retention", &["fidelisation"]),
    choice("campaign", &["campagne"]),
];

pub const LIFE_EVENT_KINDS: &[Choice] = &[
    choice("moving", &["demenagement"]),
    choice("birth", &["naissance"]),
    choice("marriage", &["mariage", "pacs"]),
    choice("divorce", &["separation"]),
    choice("retirement", &["retraite", "depart_a_la_retraite"]),
    choice(
        "job_change",
        &["changement_emploi", "mutation", "changement_d_emploi"],
    ),
    choice("bereavement", &["deces", "deuil"]),
];

pub const COMPLAINT_STATUSES: &[Choice] = &[
    choice("open", &["ouverte", "ouvert", "en_cours"]),
    choice("answered", &["repondue", "repondu"]),
    choice("resolved", &["resolue", "resolu"]),
    choice("closed", &["close", "clos", "fermee"]),
];

pub const SURVEY_KINDS: &[Choice] = &[choice("nps", &[]), choice("csat", &[]), choice("ces", &[])];

pub const GENDERS: &[Choice] = &[
    choice("F", &["femme", "female", "mme"]),
    choice("M", &["homme", "male", "h"]),
    choice("X", &["autre", "other"]),
];

pub const CAMPAIGN_GROUPS: &[Choice] = &[
    choice("treatment", &["cible", "traitement", "test"]),
    choice("control", &["temoin", "controle"]),
];

const LATITUDE: FieldKind = FieldKind::Decimal {
    min: -90.0,
    max: 90.0,
};
const LONGITUDE: FieldKind = FieldKind::Decimal {
    min: -180.0,
    max: 180.0,
};

static CHANNELS: EntitySpec = EntitySpec {
    entity: Entity::Channels,
    table: "channels",
    french: &["canaux", "canal"],
    key: Key::ExternalId { required: true },
    fields: &[
        ID,
        req("name", &["nom", "libelle"], TEXT, "name"),
        req(
            "kind",
            &["type", "nature"],
            FieldKind::Enum(CHANNEL_KINDS),
            "kind",
        ),
        with_default(
            opt(
                "cost_per_contact",
                &["cout_contact", "cout_par_contact"],
                MONEY,
                "cost_per_contact_minor",
            ),
            "0",
        ),
        with_default(
            opt(
                "cost_per_minute",
                &["cout_minute", "cout_par_minute"],
                MONEY,
                "cost_per_minute_minor",
            ),
            "0",
        ),
        CURRENCY,
    ],
    custom_attributes: false,
};

static STORES: EntitySpec = EntitySpec {
    entity: Entity::Stores,
    table: "stores",
    french: &["magasins", "agences", "points_de_vente"],
    key: Key::ExternalId { required: true },
    fields: &[
        ID,
        req("name", &["nom", "libelle"], TEXT, "name"),
        opt("city", &["ville"], TEXT, "city"),
        opt("postcode", &["code_postal", "cp"], TEXT, "postcode"),
        opt("latitude", &["lat"], LATITUDE, "latitude"),
        opt("longitude", &["lon", "lng"], LONGITUDE, "longitude"),
        opt(
            "opened_on",
            &["date_ouverture"],
            FieldKind::Date,
            "opened_on",
        ),
    ],
    custom_attributes: false,
};

static PRODUCTS: EntitySpec = EntitySpec {
    entity: Entity::Products,
    table: "products",
    french: &["produits", "offres"],
    key: Key::ExternalId { required: true },
    fields: &[
        req(
            "id",
            &["identifiant", "code", "code_produit", "id_produit"],
            FieldKind::Id,
            "external_id",
        ),
        req("name", &["nom", "libelle"], TEXT, "name"),
        req(
            "category",
            &["categorie", "famille", "gamme"],
            TEXT,
            "category",
        ),
        req(
            "kind",
            &["type", "nature"],
            FieldKind::Enum(PRODUCT_KINDS),
            "kind",
        ),
        req("price", &["prix", "tarif"], MONEY, "price_minor"),
        with_default(
            opt(
                "unit_cost",
                &["cout_unitaire", "cout", "cost"],
                MONEY,
                "unit_cost_minor",
            ),
            "0",
        ),
        CURRENCY,
        with_default(
            opt(
                "complexity",
                &["complexite"],
                FieldKind::Integer { min: 1, max: 5 },
                "complexity",
            ),
            "1",
        ),
        opt(
            "launch_date",
            &["date_lancement", "date_de_lancement"],
            FieldKind::Date,
            "launch_date",
        ),
    ],
    custom_attributes: false,
};

static CUSTOMERS: EntitySpec = EntitySpec {
    entity: Entity::Customers,
    table: "customers",
    french: &["clients", "client"],
    key: Key::ExternalId { required: true },
    fields: &[
        req(
            "id",
            &[
                "identifiant",
                "id_client",
                "code_client",
                "numero_client",
                "code",
            ],
            FieldKind::Id,
            "external_id",
        ),
        opt("first_name", &["prenom"], TEXT, "first_name"),
        opt("last_name", &["nom", "nom_de_famille"], TEXT, "last_name"),
        opt(
            "email",
            &["courriel", "mail", "e_mail", "adresse_email"],
            FieldKind::Email,
            "email",
        ),
        opt(
            "phone",
            &["telephone", "tel", "portable", "mobile"],
            FieldKind::Phone,
            "phone",
        ),
        opt("address", &["adresse", "rue"], TEXT, "address"),
        opt("postcode", &["code_postal", "cp"], TEXT, "postcode"),
        opt("city", &["ville", "commune"], TEXT, "city"),
        with_default(
            opt("country", &["pays"], FieldKind::Country, "country"),
            "FR",
        ),
        opt("latitude", &["lat"], LATITUDE, "latitude"),
        opt("longitude", &["lon", "lng"], LONGITUDE, "longitude"),
        opt(
            "birth_date",
            &["date_naissance", "date_de_naissance", "naissance"],
            FieldKind::Date,
            "birth_date",
        ),
        opt(
            "gender",
            &["sexe", "genre", "civilite"],
            FieldKind::Enum(GENDERS),
            "gender",
        ),
        opt(
            "household_id",
            &["foyer", "id_foyer", "menage"],
            TEXT,
            "household_id",
        ),
        opt(
            "income_band",
            &["tranche_revenu", "revenu", "tranche_de_revenu"],
            FieldKind::Enum(BANDS),
            "income_band",
        ),
        opt(
            "assets_band",
            &["tranche_patrimoine", "patrimoine", "avoirs"],
            FieldKind::Enum(BANDS),
            "assets_band",
        ),
        with_default(
            opt("solvent", &["solvable"], FieldKind::Bool, "solvent"),
            "true",
        ),
        with_default(
            opt(
                "status",
                &["statut", "etat"],
                FieldKind::Enum(CUSTOMER_STATUSES),
                "status",
            ),
            "active",
        ),
        opt(
            "acquisition_date",
            &["date_acquisition", "date_entree", "date_d_acquisition"],
            FieldKind::Date,
            "acquisition_date",
        ),
        opt(
            "acquisition_channel",
            &["canal_acquisition", "canal_d_acquisition"],
            FieldKind::Ref(Entity::Channels),
            "acquisition_channel_id",
        ),
    ],
    custom_attributes: true,
};

static CONSENTS: EntitySpec = EntitySpec {
    entity: Entity::Consents,
    table: "consents",
    french: &["consentements"],
    key: Key::Natural(&["customer_id", "channel", "purpose"]),
    fields: &[
        CUSTOMER_REF,
        req(
            "channel",
            &["canal", "media"],
            FieldKind::Enum(CONSENT_CHANNELS),
            "channel",
        ),
        req(
            "purpose",
            &["finalite", "objet"],
            FieldKind::Enum(CONSENT_PURPOSES),
            "purpose",
        ),
        req(
            "status",
            &["statut", "etat"],
            FieldKind::Enum(CONSENT_STATUSES),
            "status",
        ),
        req(
            "date",
            &["date_consentement", "horodatage"],
            FieldKind::DateTime,
            "recorded_at",
        ),
    ],
    custom_attributes: false,
};

static CAMPAIGNS: EntitySpec = EntitySpec {
    entity: Entity::Campaigns,
    table: "campaigns",
    french: &["campagnes"],
    key: Key::ExternalId { required: true },
    fields: &[
        ID,
        req("name", &["nom", "libelle"], TEXT, "name"),
        opt("objective", &["objectif"], TEXT, "objective"),
        opt(
            "channel_id",
            &["id_canal", "canal"],
            FieldKind::Ref(Entity::Channels),
            "channel_id",
        ),
        req("start_date", &["date_debut"], FieldKind::Date, "start_date"),
        opt("end_date", &["date_fin"], FieldKind::Date, "end_date"),
        with_default(
            opt(
                "cost_per_contact",
                &["cout_contact", "cout_par_contact"],
                MONEY,
                "cost_per_contact_minor",
            ),
            "0",
        ),
        CURRENCY,
        with_default(
            opt(
                "control_share",
                &["part_controle", "part_temoin"],
                FieldKind::Decimal { min: 0.0, max: 1.0 },
                "control_share",
            ),
            "0.1",
        ),
    ],
    custom_attributes: false,
};

static TRANSACTIONS: EntitySpec = EntitySpec {
    entity: Entity::Transactions,
    table: "transactions",
    french: &["achats", "ventes"],
    key: Key::ExternalId { required: false },
    fields: &[
        opt(
            "id",
            &["identifiant", "id_transaction", "numero", "code"],
            FieldKind::Id,
            "external_id",
        ),
        CUSTOMER_REF,
        req(
            "product_id",
            &["id_produit", "produit", "code_produit"],
            FieldKind::Ref(Entity::Products),
            "product_id",
        ),
        opt(
            "channel_id",
            &["id_canal", "canal"],
            FieldKind::Ref(Entity::Channels),
            "channel_id",
        ),
        opt(
            "store_id",
            &["id_magasin", "magasin", "agence"],
            FieldKind::Ref(Entity::Stores),
            "store_id",
        ),
        req(
            "time",
            &["date", "horodatage", "date_heure", "date_transaction"],
            FieldKind::DateTime,
            "occurred_at",
        ),
        with_default(
            opt(
                "kind",
                &["type", "nature"],
                FieldKind::Enum(TRANSACTION_KINDS),
                "kind",
            ),
            "sale",
        ),
        with_default(
            opt(
                "quantity",
                &["quantite", "qte"],
                FieldKind::Integer {
                    min: 1,
                    max: 1_000_000,
                },
                "quantity",
            ),
            "1",
        ),
        req(
            "amount",
            &["montant", "montant_ttc", "prix_paye"],
            MONEY,
            "amount_minor",
        ),
        opt("cost", &["cout", "cout_revient"], MONEY, "cost_minor"),
        with_default(
            opt("discount", &["remise", "rabais"], MONEY, "discount_minor"),
            "0",
        ),
        CURRENCY,
    ],
    custom_attributes: false,
};

static CONTRACTS: EntitySpec = EntitySpec {
    entity: Entity::Contracts,
    table: "contracts",
    french: &["contrats", "abonnements"],
    key: Key::ExternalId { required: true },
    fields: &[
        req(
            "id",
            &["identifiant", "id_contrat", "numero_contrat", "code"],
            FieldKind::Id,
            "external_id",
        ),
        CUSTOMER_REF,
        req(
            "product_id",
            &["id_produit", "produit", "code_produit"],
            FieldKind::Ref(Entity::Products),
            "product_id",
        ),
        opt(
            "channel_id",
            &["id_canal", "canal"],
            FieldKind::Ref(Entity::Channels),
            "channel_id",
        ),
        req(
            "start_date",
            &["date_debut", "date_souscription"],
            FieldKind::Date,
            "start_date",
        ),
        opt(
            "end_date",
            &[
                "date_fin",
                "date_echeance",
                "echeance",
                "date_renouvellement",
            ],
            FieldKind::Date,
            "end_date",
        ),
        with_default(
            opt(
                "status",
                &["statut", "etat"],
                FieldKind::Enum(CONTRACT_STATUSES),
                "status",
            ),
            "active",
        ),
        with_default(
            opt(
                "monthly_fee",
                &["mensualite", "redevance", "prix_mensuel"],
                MONEY,
                "monthly_fee_minor",
            ),
            "0",
        ),
        CURRENCY,
        opt(
            "cancelled_on",
            &["date_resiliation"],
            FieldKind::Date,
            "cancelled_on",
        ),
        opt(
            "cancellation_reason",
            &["motif_resiliation", "motif"],
            TEXT,
            "cancellation_reason",
        ),
    ],
    custom_attributes: false,
};

static USAGE: EntitySpec = EntitySpec {
    entity: Entity::Usage,
    table: "usage",
    french: &["usages", "consommation", "consommations"],
    key: Key::Natural(&["customer_id", "period", "metric"]),
    fields: &[
        CUSTOMER_REF,
        req("period", &["periode", "mois"], FieldKind::Period, "period"),
        req(
            "metric",
            &["mesure", "indicateur", "metrique"],
            FieldKind::Text { max_bytes: 64 },
            "metric",
        ),
        req(
            "value",
            &["valeur", "quantite"],
            FieldKind::Decimal {
                min: 0.0,
                max: 1.0e15,
            },
            "value",
        ),
    ],
    custom_attributes: false,
};

static INTERACTIONS: EntitySpec = EntitySpec {
    entity: Entity::Interactions,
    table: "interactions",
    french: &["contacts"],
    key: Key::ExternalId { required: false },
    fields: &[
        OPTIONAL_ID,
        CUSTOMER_REF,
        req(
            "channel_id",
            &["id_canal", "canal"],
            FieldKind::Ref(Entity::Channels),
            "channel_id",
        ),
        req(
            "direction",
            &["sens"],
            FieldKind::Enum(DIRECTIONS),
            "direction",
        ),
        req(
            "operation",
            &["type_operation", "nature", "motif_contact"],
            FieldKind::Enum(OPERATIONS),
            "operation",
        ),
        req(
            "time",
            &["date", "horodatage", "date_heure"],
            FieldKind::DateTime,
            "occurred_at",
        ),
        with_default(
            opt(
                "duration_seconds",
                &["duree_secondes", "duree"],
                FieldKind::Integer {
                    min: 0,
                    max: 86_400,
                },
                "duration_seconds",
            ),
            "0",
        ),
        opt("agent", &["conseiller", "teleconseiller"], TEXT, "agent"),
        opt("outcome", &["resultat", "issue"], TEXT, "outcome"),
        opt("cost", &["cout"], MONEY, "cost_minor"),
        opt(
            "campaign_id",
            &["id_campagne", "campagne"],
            FieldKind::Ref(Entity::Campaigns),
            "campaign_id",
        ),
        CURRENCY,
    ],
    custom_attributes: false,
};

static LIFE_EVENTS: EntitySpec = EntitySpec {
    entity: Entity::LifeEvents,
    table: "life_events",
    french: &["evenements_de_vie", "evenements_vie", "evenements"],
    key: Key::ExternalId { required: false },
    fields: &[
        OPTIONAL_ID,
        CUSTOMER_REF,
        req(
            "kind",
            &["type", "evenement"],
            FieldKind::Enum(LIFE_EVENT_KINDS),
            "kind",
        ),
        req("date", &["date_evenement"], FieldKind::Date, "occurred_on"),
        opt("details", &["detail", "commentaire"], TEXT, "details"),
    ],
    custom_attributes: false,
};

static COMPLAINTS: EntitySpec = EntitySpec {
    entity: Entity::Complaints,
    table: "complaints",
    french: &["reclamations", "plaintes"],
    key: Key::ExternalId { required: true },
    fields: &[
        req(
            "id",
            &["identifiant", "id_reclamation", "numero", "code"],
            FieldKind::Id,
            "external_id",
        ),
        CUSTOMER_REF,
        req("category", &["categorie", "motif"], TEXT, "category"),
        opt(
            "department",
            &["service", "departement"],
            TEXT,
            "department",
        ),
        opt(
            "product_id",
            &["id_produit", "produit"],
            FieldKind::Ref(Entity::Products),
            "product_id",
        ),
        opt(
            "channel_id",
            &["id_canal", "canal"],
            FieldKind::Ref(Entity::Channels),
            "channel_id",
        ),
        req(
            "opened_at",
            &["date_ouverture", "ouverte_le"],
            FieldKind::DateTime,
            "opened_at",
        ),
        opt(
            "first_response_at",
            &["date_premiere_reponse", "premiere_reponse"],
            FieldKind::DateTime,
            "first_response_at",
        ),
        opt(
            "resolved_at",
            &["date_resolution", "resolue_le"],
            FieldKind::DateTime,
            "resolved_at",
        ),
        with_default(
            opt(
                "status",
                &["statut", "etat"],
                FieldKind::Enum(COMPLAINT_STATUSES),
                "status",
            ),
            "open",
        ),
        with_default(
            opt(
                "compensation",
                &["dedommagement", "geste_commercial", "indemnite"],
                MONEY,
                "compensation_minor",
            ),
            "0",
        ),
        CURRENCY,
        opt(
            "text",
            &["texte", "description", "verbatim"],
            LONG_TEXT,
            "body",
        ),
    ],
    custom_attributes: false,
};

static SURVEYS: EntitySpec = EntitySpec {
    entity: Entity::Surveys,
    table: "surveys",
    french: &["enquetes", "questionnaires", "satisfaction"],
    key: Key::ExternalId { required: false },
    fields: &[
        OPTIONAL_ID,
        CUSTOMER_REF,
        req("date", &["date_enquete"], FieldKind::Date, "answered_on"),
        req("kind", &["type"], FieldKind::Enum(SURVEY_KINDS), "kind"),
        req(
            "score",
            &["note"],
            FieldKind::Integer { min: 0, max: 10 },
            "score",
        ),
        opt(
            "comment",
            &["commentaire", "verbatim"],
            LONG_TEXT,
            "comment",
        ),
    ],
    custom_attributes: false,
};

static CAMPAIGN_MEMBERS: EntitySpec = EntitySpec {
    entity: Entity::CampaignMembers,
    table: "campaign_members",
    french: &["membres_campagne", "cibles_campagne"],
    key: Key::Natural(&["campaign_id", "customer_id"]),
    fields: &[
        req(
            "campaign_id",
            &["id_campagne", "campagne"],
            FieldKind::Ref(Entity::Campaigns),
            "campaign_id",
        ),
        CUSTOMER_REF,
        req(
            "group",
            &["groupe"],
            FieldKind::Enum(CAMPAIGN_GROUPS),
            "grp",
        ),
        opt(
            "contacted_at",
            &["date_contact"],
            FieldKind::DateTime,
            "contacted_at",
        ),
    ],
    custom_attributes: false,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::normalise_name;
    use std::collections::HashSet;

    #[test]
    fn names_are_unambiguous_and_normalised() {
        for entity in Entity::ALL {
            let spec = entity.spec();
            assert_eq!(spec.entity, entity);
            assert_eq!(Entity::parse(spec.table), Some(entity));
            let mut seen = HashSet::new();
            for field in spec.fields {
                for name in std::iter::once(&field.name).chain(field.aliases) {
                    assert_eq!(
                        &normalise_name(name),
                        name,
                        "{entity}.{name} is not normalised"
                    );
                    assert!(seen.insert(*name), "{entity}: {name} designates two fields");
                }
                if let FieldKind::Enum(choices) = field.kind {
                    let mut values = HashSet::new();
                    for c in choices {
                        assert!(
                            values.insert(c.value.to_ascii_lowercase()),
                            "{entity}.{}: {} twice",
                            field.name,
                            c.value
                        );
                        for a in c.aliases {
                            assert!(
                                values.insert(normalise_name(a)),
                                "{entity}.{}: {a} twice",
                                field.name
                            );
                        }
                    }
                }
            }
            if let Key::Natural(keys) = spec.key {
                for k in keys {
                    assert!(spec.field(k).is_some(), "{entity}: key {k} is not a field");
                }
            }
        }
    }

    #[test]
    fn entities_refer_only_to_earlier_ones() {
        for (i, entity) in Entity::ALL.iter().enumerate() {
            for field in entity.spec().fields {
                if let FieldKind::Ref(target) = field.kind {
                    let j = Entity::ALL.iter().position(|e| *e == target).unwrap();
                    assert!(
                        j < i,
                        "{entity}.{} refers to {target}, imported later",
                        field.name
                    );
                }
            }
        }
    }

    /// docs/data-format.md documents exactly the fields of each entity, in import order.
    #[test]
    fn the_format_document_matches_the_schema() {
        let doc = include_str!("../../../docs/data-format.md");
        let sections: Vec<&str> = doc.split("\n## ").skip(1).collect();
        let names: Vec<&str> = sections
            .iter()
            .map(|s| s.lines().next().unwrap_or("").trim())
            .collect();
        let expected: Vec<&str> = Entity::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(names, expected, "sections of docs/data-format.md");
        for (section, entity) in sections.iter().zip(Entity::ALL) {
            let mut documented: Vec<String> = section
                .lines()
                .filter(|l| {
                    l.starts_with("| ") && !l.starts_with("| field") && !l.starts_with("|---")
                })
                .flat_map(|l| {
                    l.split('|')
                        .nth(1)
                        .unwrap_or("")
                        .split(',')
                        .map(|f| f.trim().to_owned())
                        .collect::<Vec<_>>()
                })
                .filter(|f| f != "attr.*")
                .collect();
            let mut fields: Vec<String> = entity
                .spec()
                .fields
                .iter()
                .map(|f| f.name.to_owned())
                .collect();
            documented.sort();
            fields.sort();
            assert_eq!(
                documented, fields,
                "fields of {entity} in docs/data-format.md"
            );
        }
    }

    #[test]
    fn french_entity_names() {
        assert_eq!(Entity::parse("Clients"), Some(Entity::Customers));
        assert_eq!(Entity::parse("réclamations"), Some(Entity::Complaints));
        assert_eq!(Entity::parse("life-events"), Some(Entity::LifeEvents));
        assert_eq!(Entity::parse("nothing"), None);
    }
}
