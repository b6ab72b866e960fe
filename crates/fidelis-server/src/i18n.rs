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
    pub fn strategy(self, strategy: &str) -> &str {
        self.term("strategy", strategy)
    }

    /// The label of a stored code in this language: `group` is the code's `table.column` in the import
    /// schema (`consents.channel`, `interactions.operation`…) or one of `band`, `entity`, `role`,
    /// `strategy`, `quadrant`, `timeline`. Unknown codes (free text) are shown as they are.
    pub fn term<'a>(self, group: &str, code: &'a str) -> &'a str {
        CODES
            .iter()
            .find(|(g, c, _, _)| *g == group && *c == code)
            .map(|(_, _, fr, en)| if self == Locale::Fr { *fr } else { *en })
            .unwrap_or(code)
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
    ("customer.gender", "Genre", "Gender"),
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
    (
        "timeline.more",
        "Voir les événements plus anciens",
        "Show older events",
    ),
    ("pages.label", "Pages de résultats", "Result pages"),
    ("pages.previous", "Précédente", "Previous"),
    ("pages.next", "Suivante", "Next"),
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
    (
        "dashboard.export_csv",
        "Exporter ce tableau (CSV)",
        "Export this table (CSV)",
    ),
    ("unit.days", "j", "days"),
    (
        "segments.title",
        "Segments : taille et valeur",
        "Segments: size and value",
    ),
    (
        "segments.none",
        "Pas encore de segmentation (fidelis segments run).",
        "No segmentation yet (fidelis segments run).",
    ),
    ("segments.segmentation", "Segmentation", "Segmentation"),
    ("segments.segment", "Segment", "Segment"),
    ("risk.title", "Risque de départ", "Departure risk"),
    (
        "risk.no_model",
        "Pas encore de modèle de départ entraîné et appliqué (fidelis churn train, puis score).",
        "No departure model trained and scored yet (fidelis churn train, then score).",
    ),
    ("risk.model", "Modèle", "Model"),
    ("risk.high", "Risque élevé", "High risk"),
    (
        "risk.reasons",
        "Principales raisons (modèle) :",
        "Main reasons (model):",
    ),
    ("alert.title", "Alerte départ", "Departure alert"),
    ("alert.offer", "Offre à proposer :", "Offer to make:"),
    ("alert.no_offer", "Pas d'offre :", "No offer:"),
    (
        "alert.no_offer.insolvent",
        "client signalé insolvable, l'entreprise ne cherche pas à le retenir.",
        "the customer is flagged insolvent; the company does not try to keep them.",
    ),
    (
        "alert.no_offer.termination",
        "client en stratégie de résiliation (faible rentabilité, faible potentiel).",
        "the customer is in the termination strategy (low profitability, low potential).",
    ),
    (
        "alert.no_offer.none_eligible",
        "aucune offre du catalogue n'est ouverte à ce client.",
        "no offer of the catalogue is open to this customer.",
    ),
    (
        "alert.no_offer.not_worth_its_cost",
        "chaque offre coûte plus qu'elle ne devrait préserver.",
        "every offer costs more than it is expected to keep.",
    ),
    (
        "alert.no_offer.no_value",
        "valeur du client pas encore calculée.",
        "the customer's value has not been computed yet.",
    ),
    ("alert.outcome.accepted", "Offre acceptée", "Offer accepted"),
    ("alert.outcome.declined", "Offre refusée", "Offer declined"),
    (
        "alert.outcome.not_relevant",
        "Non pertinent",
        "Not relevant",
    ),
    (
        "alert.recorded",
        "Réponse enregistrée :",
        "Outcome recorded:",
    ),
    (
        "nba.title",
        "Prochaines actions conseillées",
        "Next best actions",
    ),
    (
        "nba.from_strategy",
        "D'après la stratégie de valeur du client.",
        "From the customer's value strategy.",
    ),
    (
        "planned.title",
        "Actions prévues par les règles et les campagnes",
        "Actions planned by the rules and campaigns",
    ),
    ("planned.action", "Action", "Action"),
    ("planned.text", "Texte", "Text"),
    ("planned.channel", "Canal", "Channel"),
    ("planned.due", "Prévue le", "Due"),
    ("planned.source", "Origine", "From"),
    (
        "nba.cross_sell",
        "Proposer un produit complémentaire (vente croisée)",
        "Offer a complementary product (cross-sell)",
    ),
    (
        "nba.bundle",
        "Présenter l'offre groupée adaptée à son usage",
        "Present the bundle that fits their usage",
    ),
    (
        "nba.advice_meeting",
        "Proposer un rendez-vous conseil",
        "Offer an advice meeting",
    ),
    (
        "nba.thank",
        "Remercier le client de sa fidélité",
        "Thank the customer for their loyalty",
    ),
    (
        "nba.loyalty_reward",
        "Offrir un avantage de fidélité à l'échéance",
        "Offer a loyalty reward at renewal",
    ),
    (
        "nba.priority_service",
        "Traiter en priorité (conseiller dédié)",
        "Serve first (dedicated adviser)",
    ),
    (
        "nba.secure_renewal",
        "Sécuriser le renouvellement avant l'échéance",
        "Secure the renewal before the end date",
    ),
    (
        "nba.retention_gesture",
        "Proposer un geste commercial en cas de risque de départ",
        "Offer a goodwill gesture if the customer may leave",
    ),
    (
        "nba.follow_satisfaction",
        "Vérifier la satisfaction après chaque contact",
        "Check satisfaction after each contact",
    ),
    (
        "nba.cheap_channels",
        "Orienter vers les canaux les moins coûteux (web, application)",
        "Steer towards the cheapest channels (web, app)",
    ),
    (
        "nba.no_costly_offer",
        "Ne pas engager d'offre de rétention coûteuse",
        "Make no costly retention offer",
    ),
    (
        "nba.let_go",
        "Laisser partir sans relance si le client n'est pas rentable",
        "Let go without follow-up if the customer is unprofitable",
    ),
    (
        "routing.title",
        "Qui traite cette demande ?",
        "Who handles this request?",
    ),
    ("routing.operation", "Type d'opération", "Operation"),
    ("routing.submit", "Conseiller un canal", "Advise a channel"),
    ("routing.to", "À confier à :", "Hand to:"),
    ("routing.fallbacks", "sinon", "else"),
    (
        "routing.none",
        "La matrice de routage n'a pas de route pour cette opération.",
        "The routing matrix has no route for this operation.",
    ),
    (
        "routing.segment",
        "Segment de routage :",
        "Routing segment:",
    ),
    ("risk.axis", "Risque de départ (%)", "Departure risk (%)"),
    (
        "risk.distribution",
        "Répartition des clients par risque",
        "Customers by risk",
    ),
    (
        "risk.roc",
        "Courbe ROC (validation)",
        "ROC curve (validation)",
    ),
    (
        "risk.lift_curve",
        "Courbe de lift (validation)",
        "Lift curve (validation)",
    ),
    ("risk.lift", "Lift", "Lift"),
    (
        "risk.false_positives",
        "Taux de faux positifs",
        "False positive rate",
    ),
    (
        "risk.true_positives",
        "Taux de vrais positifs",
        "True positive rate",
    ),
    (
        "risk.targeted",
        "Part des clients ciblés",
        "Share of customers targeted",
    ),
    ("channels.title", "Coûts des canaux", "Channel costs"),
    ("channels.kind", "Type de canal", "Channel kind"),
    ("channels.contacts", "Contacts", "Contacts"),
    (
        "channels.cost_per_contact",
        "Coût par contact",
        "Cost per contact",
    ),
    ("channels.total_cost", "Coût total", "Total cost"),
    (
        "channels.by_operation",
        "Par type de canal et d'opération, sur un an",
        "By channel kind and operation, over a year",
    ),
    (
        "channels.by_operation_note",
        "avec les conversions ; long à calculer sur une grande base.",
        "with conversions; slow to compute on a large base.",
    ),
    (
        "complaints.title",
        "Réclamations et normes de service",
        "Complaints against service norms",
    ),
    (
        "complaints.norms",
        "Norme : première réponse sous",
        "Norm: first response within",
    ),
    (
        "complaints.resolution_norm",
        "résolution sous",
        "resolution within",
    ),
    ("complaints.none", "Aucune réclamation.", "No complaints."),
    ("complaints.category", "Motif", "Category"),
    ("complaints.count", "Réclamations", "Complaints"),
    (
        "complaints.response",
        "Délai moyen de première réponse",
        "Mean time to first response",
    ),
    (
        "complaints.response_breaches",
        "Hors norme (réponse)",
        "Beyond the norm (response)",
    ),
    (
        "complaints.resolution",
        "Délai moyen de résolution",
        "Mean time to resolution",
    ),
    (
        "complaints.resolution_breaches",
        "Hors norme (résolution)",
        "Beyond the norm (resolution)",
    ),
    ("complaints.compensation", "Dédommagements", "Compensation"),
    (
        "error.forbidden.text",
        "Votre rôle ne donne pas accès à cette page.",
        "Your role does not give access to this page.",
    ),
    ("error.not_found", "Page introuvable", "Page not found"),
    (
        "error.not_found.text",
        "Cette page n'existe pas.",
        "This page does not exist.",
    ),
    (
        "error.no_customer",
        "Aucun client n'a cet identifiant.",
        "No customer has this id.",
    ),
    ("error.bad_request", "Demande invalide", "Bad request"),
    (
        "error.bad_request.text",
        "La demande contient une valeur invalide.",
        "The request holds a value that is not valid.",
    ),
    ("error.conflict", "Conflit", "Conflict"),
    (
        "error.conflict.text",
        "Cette action entre en conflit avec l'état actuel des données.",
        "This action conflicts with the current state of the data.",
    ),
    ("error.internal", "Erreur interne", "Internal error"),
    (
        "error.internal.text",
        "Une erreur interne est survenue ; elle a été journalisée.",
        "An internal error occurred; it has been logged.",
    ),
    (
        "error.csrf",
        "Le formulaire a expiré ou ne vient pas de Fidelis. Rechargez la page et recommencez.",
        "The form has expired or does not come from Fidelis. Reload the page and try again.",
    ),
    ("error.status", "Erreur", "Error"),
    ("error.home", "Retour à l'accueil", "Back to the home page"),
    ("login.language", "Langue", "Language"),
    ("value.title", "Valeur client", "Customer value"),
    ("value.net", "Rentabilité (passé)", "Profitability (past)"),
    (
        "value.clv",
        "Potentiel (valeur à vie)",
        "Potential (lifetime value)",
    ),
    (
        "value.service_to_come",
        "dont coût de service à venir",
        "of which cost to serve to come",
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
    ("campaigns.title", "Impact des campagnes", "Campaign impact"),
    (
        "campaigns.none",
        "Aucune campagne pour l'instant.",
        "No campaign yet.",
    ),
    ("campaigns.campaign", "Campagne", "Campaign"),
    ("campaigns.channel", "Canal", "Channel"),
    ("campaigns.all_channels", "Tous canaux", "All channels"),
    ("campaigns.waves", "vagues", "waves"),
    ("campaigns.treated", "Traités", "Treated"),
    ("campaigns.control", "Témoins", "Control"),
    (
        "campaigns.rate_treated",
        "Taux de réponse des traités",
        "Response rate, treated",
    ),
    (
        "campaigns.rate_control",
        "Taux de réponse des témoins",
        "Response rate, control",
    ),
    ("campaigns.uplift", "Écart (points)", "Uplift (points)"),
    (
        "campaigns.interval",
        "Intervalle de confiance à 95 %",
        "95% confidence interval",
    ),
    (
        "campaigns.revenue",
        "Chiffre d'affaires incrémental",
        "Incremental revenue",
    ),
    (
        "campaigns.margin",
        "Marge incrémentale",
        "Incremental margin",
    ),
    ("campaigns.cost", "Coût des contacts", "Contact cost"),
    (
        "campaigns.roi",
        "Retour sur investissement",
        "Return on investment",
    ),
    ("campaigns.verdict", "Conclusion", "Verdict"),
    (
        "campaigns.verdict_up",
        "Effet significatif : la campagne augmente le taux de réponse de {d} (intervalle à 95 % : {lo} à {hi}).",
        "Significant effect: the campaign raises the response rate by {d} (95% interval {lo} to {hi}).",
    ),
    (
        "campaigns.verdict_down",
        "Effet significatif à la baisse : la campagne réduit le taux de réponse de {d} (intervalle à 95 % : {lo} à {hi}).",
        "Significant negative effect: the campaign lowers the response rate by {d} (95% interval {lo} to {hi}).",
    ),
    (
        "campaigns.verdict_none",
        "Pas d'effet significatif : l'écart de {d} peut être dû au hasard (l'intervalle à 95 %, de {lo} à {hi}, contient zéro).",
        "No significant effect: the difference of {d} could be chance (the 95% interval, {lo} to {hi}, includes zero).",
    ),
    (
        "campaigns.not_measurable",
        "Pas encore mesurable : il faut au moins deux clients dans le groupe traité et dans le groupe témoin.",
        "Not measurable yet: the treated and the control group need two customers each.",
    ),
];

/// group, code, French, English: the codes stored in the database, shown in words. Every code of every
/// enumerated field of the import schema is here (a test checks), and the values the generator writes
/// into free-text fields (interaction outcomes, complaint categories and departments).
const CODES: &[(&str, &str, &str, &str)] = &[
    ("customers.status", "active", "Actif", "Active"),
    ("customers.status", "inactive", "Inactif", "Inactive"),
    ("customers.status", "churned", "Parti", "Churned"),
    ("customers.status", "prospect", "Prospect", "Prospect"),
    ("customers.gender", "F", "Femme", "Female"),
    ("customers.gender", "M", "Homme", "Male"),
    ("customers.gender", "X", "Autre", "Other"),
    ("band", "low", "Faible", "Low"),
    ("band", "medium", "Moyen", "Medium"),
    ("band", "high", "Élevé", "High"),
    ("band", "very_high", "Très élevé", "Very high"),
    ("channels.kind", "store", "Magasin, agence", "Store"),
    (
        "channels.kind",
        "call_centre",
        "Centre d'appels",
        "Call centre",
    ),
    ("channels.kind", "web", "Site web", "Website"),
    ("channels.kind", "app", "Application mobile", "Mobile app"),
    ("channels.kind", "email", "E-mail", "E-mail"),
    ("channels.kind", "sms", "SMS", "SMS"),
    ("channels.kind", "mail", "Courrier", "Mail"),
    ("channels.kind", "adviser", "Conseiller", "Adviser"),
    ("channels.kind", "telesales", "Télévente", "Telesales"),
    ("channels.kind", "social", "Réseaux sociaux", "Social media"),
    ("planned.kind", "alert", "Alerte à dire", "Alert to voice"),
    ("planned.kind", "offer", "Offre à proposer", "Offer to make"),
    ("planned.kind", "message", "Message", "Message"),
    (
        "planned.kind",
        "call_task",
        "Appel à passer",
        "Call to make",
    ),
    (
        "planned.kind",
        "add_to_campaign",
        "Ajout à une campagne",
        "Added to a campaign",
    ),
    (
        "planned.kind",
        "webhook",
        "Envoi à un système",
        "Sent to a system",
    ),
    ("planned.source_kind", "rule", "Règle", "Rule"),
    ("planned.source_kind", "campaign", "Campagne", "Campaign"),
    ("channels.kind", "alert", "Écran conseiller", "Agent screen"),
    ("channels.kind", "webhook", "Intégration", "Integration"),
    ("products.kind", "one_off", "Achat ponctuel", "One-off"),
    (
        "products.kind",
        "subscription",
        "Abonnement",
        "Subscription",
    ),
    ("products.kind", "contract", "Contrat", "Contract"),
    ("consents.channel", "email", "E-mail", "E-mail"),
    ("consents.channel", "sms", "SMS", "SMS"),
    ("consents.channel", "phone", "Téléphone", "Phone"),
    ("consents.channel", "mail", "Courrier", "Mail"),
    (
        "consents.channel",
        "push",
        "Notification",
        "Push notification",
    ),
    (
        "consents.purpose",
        "marketing",
        "Prospection commerciale",
        "Marketing",
    ),
    (
        "consents.purpose",
        "service",
        "Relation client",
        "Customer service",
    ),
    ("consents.purpose", "profiling", "Profilage", "Profiling"),
    ("consents.purpose", "partners", "Partenaires", "Partners"),
    ("consents.status", "granted", "Accordé", "Granted"),
    ("consents.status", "withdrawn", "Retiré", "Withdrawn"),
    ("transactions.kind", "sale", "Achat", "Purchase"),
    ("transactions.kind", "refund", "Remboursement", "Refund"),
    ("contracts.status", "active", "En cours", "Active"),
    ("contracts.status", "ended", "Terminé", "Ended"),
    ("contracts.status", "cancelled", "Résilié", "Cancelled"),
    ("interactions.direction", "inbound", "Entrant", "Inbound"),
    ("interactions.direction", "outbound", "Sortant", "Outbound"),
    (
        "interactions.operation",
        "information",
        "Renseignement",
        "Information",
    ),
    (
        "interactions.operation",
        "appointment",
        "Prise de rendez-vous",
        "Appointment",
    ),
    (
        "interactions.operation",
        "simple_sale",
        "Vente simple",
        "Simple sale",
    ),
    (
        "interactions.operation",
        "complex_sale",
        "Vente complexe",
        "Complex sale",
    ),
    (
        "interactions.operation",
        "service",
        "Gestion, après-vente",
        "Service",
    ),
    (
        "interactions.operation",
        "complaint",
        "Réclamation",
        "Complaint",
    ),
    (
        "interactions.operation",
        "retention",
        "Fidélisation",
        "Retention",
    ),
    ("interactions.operation", "campaign", "Campagne", "Campaign"),
    (
        "interactions.outcome",
        "information_given",
        "Renseignement donné",
        "Information given",
    ),
    ("interactions.outcome", "resolved", "Résolu", "Resolved"),
    ("interactions.outcome", "escalated", "Transmis", "Escalated"),
    (
        "interactions.outcome",
        "appointment_booked",
        "Rendez-vous pris",
        "Appointment booked",
    ),
    (
        "interactions.outcome",
        "termination_terms_given",
        "Conditions de résiliation données",
        "Termination terms given",
    ),
    (
        "interactions.outcome",
        "retention_offer_accepted",
        "Offre de fidélisation acceptée",
        "Retention offer accepted",
    ),
    (
        "interactions.outcome",
        "retention_offer_declined",
        "Offre de fidélisation refusée",
        "Retention offer declined",
    ),
    (
        "interactions.outcome",
        "no_answer",
        "Pas de réponse",
        "No answer",
    ),
    ("interactions.outcome", "no_sale", "Pas de vente", "No sale"),
    ("interactions.outcome", "sale", "Vente", "Sale"),
    ("interactions.outcome", "sent", "Envoyé", "Sent"),
    ("interactions.outcome", "opened", "Ouvert", "Opened"),
    ("interactions.outcome", "clicked", "Cliqué", "Clicked"),
    (
        "interactions.outcome",
        "complaint_logged",
        "Réclamation enregistrée",
        "Complaint logged",
    ),
    (
        "interactions.outcome",
        "reminder_sent",
        "Relance envoyée",
        "Reminder sent",
    ),
    (
        "interactions.outcome",
        "competitor_offer",
        "Offre d'un concurrent",
        "Competitor's offer",
    ),
    (
        "interactions.outcome",
        "portfolio_review",
        "Revue du portefeuille",
        "Portfolio review",
    ),
    ("life_events.kind", "moving", "Déménagement", "Moving house"),
    ("life_events.kind", "birth", "Naissance", "Birth"),
    ("life_events.kind", "marriage", "Mariage", "Marriage"),
    ("life_events.kind", "divorce", "Séparation", "Divorce"),
    ("life_events.kind", "retirement", "Retraite", "Retirement"),
    (
        "life_events.kind",
        "job_change",
        "Changement d'emploi",
        "Job change",
    ),
    ("life_events.kind", "bereavement", "Deuil", "Bereavement"),
    ("complaints.status", "open", "Ouverte", "Open"),
    ("complaints.status", "answered", "Répondue", "Answered"),
    ("complaints.status", "resolved", "Résolue", "Resolved"),
    ("complaints.status", "closed", "Close", "Closed"),
    ("complaints.category", "billing", "Facturation", "Billing"),
    ("complaints.category", "network", "Réseau", "Network"),
    ("complaints.category", "device", "Équipement", "Device"),
    (
        "complaints.category",
        "service",
        "Service client",
        "Customer service",
    ),
    ("complaints.department", "billing", "Facturation", "Billing"),
    (
        "complaints.department",
        "network_operations",
        "Exploitation du réseau",
        "Network operations",
    ),
    (
        "complaints.department",
        "after_sales",
        "Service après-vente",
        "After-sales",
    ),
    (
        "complaints.department",
        "customer_service",
        "Service client",
        "Customer service",
    ),
    (
        "surveys.kind",
        "nps",
        "NPS (recommandation)",
        "NPS (recommendation)",
    ),
    (
        "surveys.kind",
        "csat",
        "CSAT (satisfaction)",
        "CSAT (satisfaction)",
    ),
    ("surveys.kind", "ces", "CES (effort)", "CES (effort)"),
    (
        "campaign_members.grp",
        "treatment",
        "Groupe ciblé",
        "Treatment group",
    ),
    (
        "campaign_members.grp",
        "control",
        "Groupe témoin",
        "Control group",
    ),
    ("entity", "channels", "Canaux", "Channels"),
    ("entity", "stores", "Points de vente", "Stores"),
    ("entity", "products", "Produits", "Products"),
    ("entity", "customers", "Clients", "Customers"),
    ("entity", "consents", "Consentements", "Consents"),
    ("entity", "campaigns", "Campagnes", "Campaigns"),
    ("entity", "transactions", "Transactions", "Transactions"),
    ("entity", "contracts", "Contrats", "Contracts"),
    ("entity", "usage", "Consommations", "Usage"),
    ("entity", "interactions", "Contacts", "Interactions"),
    ("entity", "life_events", "Événements de vie", "Life events"),
    ("entity", "complaints", "Réclamations", "Complaints"),
    ("entity", "surveys", "Enquêtes", "Surveys"),
    (
        "entity",
        "campaign_members",
        "Cibles de campagne",
        "Campaign members",
    ),
    ("role", "admin", "Administrateur", "Administrator"),
    ("role", "analyst", "Analyste", "Analyst"),
    ("role", "agent", "Conseiller", "Agent"),
    (
        "strategy",
        "multi_equipment",
        "Multi-équipement",
        "Multi-equipment",
    ),
    ("strategy", "loyalty", "Fidélisation", "Loyalty"),
    ("strategy", "retention", "Rétention", "Retention"),
    ("strategy", "termination", "Résiliation", "Termination"),
    ("strategy", "not_valued", "Non valorisé", "Not valued"),
    ("segmentation", "rfm", "RFM", "RFM"),
    ("segmentation", "rfm_code", "Code RFM", "RFM code"),
    (
        "segmentation",
        "value",
        "Stratégie de valeur",
        "Value strategy",
    ),
    (
        "segmentation",
        "cluster",
        "Groupe de comportement",
        "Behavioural cluster",
    ),
    (
        "segmentation",
        "rules",
        "Segments par règles",
        "Rule segments",
    ),
    ("rfm", "champions", "Champions", "Champions"),
    ("rfm", "new_customers", "Nouveaux clients", "New customers"),
    ("rfm", "loyal", "Fidèles", "Loyal"),
    ("rfm", "promising", "Prometteurs", "Promising"),
    ("rfm", "need_attention", "À surveiller", "Need attention"),
    ("rfm", "cannot_lose", "À ne pas perdre", "Cannot lose"),
    ("rfm", "at_risk", "À risque", "At risk"),
    ("rfm", "hibernating", "En sommeil", "Hibernating"),
    ("rfm", "lost", "Perdus", "Lost"),
    (
        "quadrant",
        "low_high",
        "Rentabilité faible, potentiel élevé",
        "Low profitability, high potential",
    ),
    (
        "quadrant",
        "high_high",
        "Rentabilité élevée, potentiel élevé",
        "High profitability, high potential",
    ),
    (
        "quadrant",
        "high_low",
        "Rentabilité élevée, potentiel faible",
        "High profitability, low potential",
    ),
    (
        "quadrant",
        "low_low",
        "Rentabilité faible, potentiel faible",
        "Low profitability, low potential",
    ),
    ("timeline", "sale", "Achat", "Purchase"),
    ("timeline", "refund", "Remboursement", "Refund"),
    ("timeline", "interaction", "Contact", "Contact"),
    ("timeline", "complaint", "Réclamation", "Complaint"),
    ("timeline", "life_event", "Événement de vie", "Life event"),
    ("timeline", "contract", "Contrat", "Contract"),
    ("timeline", "campaign", "Campagne", "Campaign"),
    ("timeline", "survey", "Enquête", "Survey"),
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

    #[test]
    fn every_stored_code_has_words_in_both_languages() {
        use fidelis_domain::{Entity, FieldKind};
        let mut pairs = std::collections::HashSet::new();
        for (group, code, fr, en) in CODES {
            assert!(pairs.insert((group, code)), "{group} {code} twice");
            assert!(!fr.is_empty() && !en.is_empty(), "{group} {code}");
        }
        let mut checked = 0;
        for entity in Entity::ALL {
            let spec = entity.spec();
            for field in spec.fields {
                let FieldKind::Enum(choices) = field.kind else {
                    continue;
                };
                let group = if field.column.ends_with("_band") {
                    "band".to_owned()
                } else {
                    format!("{}.{}", spec.table, field.column)
                };
                for choice in choices {
                    for locale in [Locale::Fr, Locale::En] {
                        let words = locale.term(&group, choice.value);
                        assert_ne!(
                            words, choice.value,
                            "{group} {} in {locale:?}",
                            choice.value
                        );
                    }
                    checked += 1;
                }
            }
            assert_ne!(Locale::Fr.term("entity", entity.name()), entity.name());
        }
        assert!(checked > 60, "{checked} codes");
        for role in fidelis_domain::Role::ALL {
            assert_ne!(Locale::Fr.term("role", role.as_str()), role.as_str());
        }
        // Free text passes through.
        assert_eq!(Locale::Fr.term("complaints.category", "Wi-Fi"), "Wi-Fi");
    }
}
