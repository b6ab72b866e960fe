//! French and English for every page: the language is the user's setting, else the browser's
//! `Accept-Language`, else French.

use axum::http::{HeaderMap, header};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    Fr,
    En,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Locale> {
        match code.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("fr") => Some(Locale::Fr),
            Some("en") => Some(Locale::En),
            _ => None,
        }
    }

    /// The user's setting, else the first supported language of `Accept-Language` (by quality), else French.
    pub fn choose(setting: Option<&str>, headers: &HeaderMap) -> Locale {
        if let Some(l) = setting.and_then(Locale::parse) {
            return l;
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut ranked: Vec<(f32, Locale)> = accept
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let locale = Locale::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                    })
                    .unwrap_or(1.0);
                Some((q, locale))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, l)| *l).unwrap_or(Locale::Fr)
    }

    /// The name of a value-matrix strategy.
    pub fn strategy(self, strategy: &str) -> &'static str {
        match strategy {
            "multi_equipment" => self.t("strategy.multi_equipment"),
            "loyalty" => self.t("strategy.loyalty"),
            "retention" => self.t("strategy.retention"),
            "termination" => self.t("strategy.termination"),
            _ => "",
        }
    }

    /// The text of `key` in this language; the key itself when missing (a test keeps the table complete).
    pub fn t(self, key: &'static str) -> &'static str {
        TEXTS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, fr, en)| if self == Locale::Fr { *fr } else { *en })
            .unwrap_or(key)
    }
}

/// key, French, English.
const TEXTS: &[(&str, &str, &str)] = &[
    (
        "app.tagline",
        "Moteur de gestion de la relation client",
        "Customer relationship engine",
    ),
    ("nav.home", "Accueil", "Home"),
    ("nav.dashboard", "Tableau de bord", "Dashboard"),
    ("nav.logout", "Se déconnecter", "Log out"),
    ("nav.language", "English", "Français"),
    ("login.title", "Connexion", "Log in"),
    ("login.username", "Identifiant", "Username"),
    ("login.password", "Mot de passe", "Password"),
    ("login.submit", "Se connecter", "Log in"),
    (
        "login.failed",
        "Identifiant ou mot de passe incorrect.",
        "Wrong username or password.",
    ),
    (
        "search.label",
        "Rechercher un client (nom, téléphone, e-mail ou identifiant)",
        "Find a customer (name, phone, e-mail or id)",
    ),
    ("search.submit", "Rechercher", "Search"),
    ("search.results", "Résultats", "Results"),
    (
        "search.none",
        "Aucun client ne correspond.",
        "No customer matches.",
    ),
    (
        "home.counts",
        "Contenu de la base",
        "What the database holds",
    ),
    ("home.entity", "entité", "entity"),
    ("home.rows", "lignes", "rows"),
    ("customer.identity", "Identité", "Identity"),
    ("customer.contact", "Contact", "Contact"),
    ("customer.profile", "Profil", "Profile"),
    ("customer.consents", "Consentements", "Consents"),
    (
        "customer.timeline",
        "Historique, tous canaux",
        "Timeline, every channel",
    ),
    ("customer.id", "Identifiant", "Id"),
    ("customer.name", "Nom", "Name"),
    ("customer.email", "E-mail", "E-mail"),
    ("customer.phone", "Téléphone", "Phone"),
    ("customer.address", "Adresse", "Address"),
    ("customer.birth_date", "Date de naissance", "Birth date"),
    ("customer.status", "Statut", "Status"),
    ("customer.solvent", "Solvable", "Solvent"),
    ("customer.income", "Revenus", "Income"),
    ("customer.assets", "Patrimoine", "Assets"),
    ("customer.acquired", "Client depuis", "Customer since"),
    (
        "customer.channel",
        "Canal d'acquisition",
        "Acquisition channel",
    ),
    ("customer.none", "Aucun", "None"),
    ("yes", "oui", "yes"),
    ("no", "non", "no"),
    ("timeline.when", "Date", "When"),
    ("timeline.what", "Quoi", "What"),
    ("timeline.channel", "Canal", "Channel"),
    ("timeline.detail", "Détail", "Detail"),
    ("timeline.amount", "Montant", "Amount"),
    ("timeline.empty", "Aucun événement.", "No events."),
    ("kind.sale", "Achat", "Purchase"),
    ("kind.refund", "Remboursement", "Refund"),
    ("kind.interaction", "Contact", "Contact"),
    ("kind.complaint", "Réclamation", "Complaint"),
    ("kind.life_event", "Événement de vie", "Life event"),
    ("kind.contract", "Contrat", "Contract"),
    ("kind.campaign", "Campagne", "Campaign"),
    ("kind.survey", "Enquête", "Survey"),
    (
        "dashboard.title",
        "Tableau de bord de l'analyste",
        "Analyst dashboard",
    ),
    (
        "dashboard.export",
        "Exporter les clients (CSV)",
        "Export customers (CSV)",
    ),
    ("error.forbidden", "Accès refusé", "Access denied"),
    ("value.title", "Valeur client", "Customer value"),
    ("value.net", "Rentabilité (passé)", "Profitability (past)"),
    (
        "value.clv",
        "Potentiel (valeur à vie)",
        "Potential (lifetime value)",
    ),
    ("value.revenue", "Chiffre d'affaires", "Revenue"),
    ("value.margin", "Marge brute", "Gross margin"),
    ("value.cost_to_serve", "Coût de service", "Cost to serve"),
    ("value.strategy", "Stratégie", "Strategy"),
    (
        "value.trajectory",
        "Trajectoire dans la matrice",
        "Trajectory across the matrix",
    ),
    (
        "value.none",
        "Pas encore calculée (fidelis refresh).",
        "Not computed yet (fidelis refresh).",
    ),
    (
        "value.matrix",
        "Matrice de valeur : rentabilité × potentiel",
        "Value matrix: profitability × potential",
    ),
    ("value.customers", "Clients", "Customers"),
    ("value.as_of", "au", "as of"),
    (
        "strategy.multi_equipment",
        "Multi-équipement",
        "Multi-equipment",
    ),
    ("strategy.loyalty", "Fidélisation", "Loyalty"),
    ("strategy.retention", "Rétention", "Retention"),
    ("strategy.termination", "Résiliation", "Termination"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_choice() {
        let mut headers = HeaderMap::new();
        assert_eq!(Locale::choose(None, &headers), Locale::Fr);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "de-DE, en-GB;q=0.8, fr;q=0.5".parse().unwrap(),
        );
        assert_eq!(Locale::choose(None, &headers), Locale::En);
        assert_eq!(Locale::choose(Some("fr"), &headers), Locale::Fr);
        headers.insert(header::ACCEPT_LANGUAGE, "fr-CA,fr;q=0.9".parse().unwrap());
        assert_eq!(Locale::choose(None, &headers), Locale::Fr);
    }

    #[test]
    fn every_text_is_translated_once() {
        let mut keys = std::collections::HashSet::new();
        for (key, fr, en) in TEXTS {
            assert!(keys.insert(key), "{key} twice");
            assert!(!fr.is_empty() && !en.is_empty(), "{key}");
        }
        assert_eq!(Locale::En.t("nav.home"), "Home");
        assert_eq!(Locale::Fr.t("nav.home"), "Accueil");
    }
}
