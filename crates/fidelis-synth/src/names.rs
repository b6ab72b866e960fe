//! French first names, last names, streets, cities and e-mail domains the synthetic customers are drawn from.

/// A French town: name, postcode, rough position, a weight for how many customers live there, and
/// whether its mobile network is poor (a planted cause of network complaints and departures).
pub(crate) struct City {
    pub name: &'static str,
    pub postcode: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub weight: u32,
    pub poor_network: bool,
}

const fn city(
    name: &'static str,
    postcode: &'static str,
    lat: f64,
    lon: f64,
    weight: u32,
    poor_network: bool,
) -> City {
    City {
        name,
        postcode,
        lat,
        lon,
        weight,
        poor_network,
    }
}

#[rustfmt::skip]
pub(crate) const CITIES: &[City] = &[
    city("Paris", "75011", 48.8590, 2.3800, 60, false),
    city("Marseille", "13001", 43.2965, 5.3698, 25, false),
    city("Lyon", "69003", 45.7600, 4.8500, 20, false),
    city("Toulouse", "31000", 43.6047, 1.4442, 15, false),
    city("Nice", "06000", 43.7102, 7.2620, 10, false),
    city("Nantes", "44000", 47.2184, -1.5536, 10, false),
    city("Montpellier", "34000", 43.6119, 3.8772, 9, false),
    city("Strasbourg", "67000", 48.5734, 7.7521, 9, false),
    city("Bordeaux", "33000", 44.8378, -0.5792, 9, false),
    city("Lille", "59000", 50.6292, 3.0573, 8, false),
    city("Rennes", "35000", 48.1173, -1.6778, 7, false),
    city("Reims", "51100", 49.2583, 4.0317, 6, false),
    city("Saint-Étienne", "42000", 45.4397, 4.3872, 6, false),
    city("Toulon", "83000", 43.1242, 5.9280, 5, false),
    city("Le Havre", "76600", 49.4944, 0.1079, 5, false),
    city("Grenoble", "38000", 45.1885, 5.7245, 5, false),
    city("Dijon", "21000", 47.3220, 5.0415, 5, false),
    city("Angers", "49000", 47.4784, -0.5632, 5, false),
    city("Nîmes", "30000", 43.8367, 4.3601, 5, false),
    city("Villeurbanne", "69100", 45.7719, 4.8902, 5, false),
    city("Clermont-Ferrand", "63000", 45.7772, 3.0870, 5, false),
    city("Le Mans", "72000", 48.0061, 0.1996, 4, false),
    city("Aix-en-Provence", "13100", 43.5297, 5.4474, 4, false),
    city("Brest", "29200", 48.3904, -4.4861, 4, false),
    city("Tours", "37000", 47.3941, 0.6848, 4, false),
    city("Amiens", "80000", 49.8941, 2.2958, 4, false),
    city("Limoges", "87000", 45.8336, 1.2611, 4, false),
    city("Annecy", "74000", 45.8992, 6.1294, 3, false),
    city("Perpignan", "66000", 42.6887, 2.8948, 3, false),
    city("Besançon", "25000", 47.2378, 6.0241, 3, false),
    city("Metz", "57000", 49.1193, 6.1757, 3, false),
    city("Orléans", "45000", 47.9030, 1.9093, 3, false),
    city("Rouen", "76000", 49.4432, 1.0999, 3, false),
    city("Caen", "14000", 49.1829, -0.3707, 3, false),
    city("Mulhouse", "68100", 47.7508, 7.3359, 3, false),
    city("Nancy", "54000", 48.6921, 6.1844, 3, false),
    city("Avignon", "84000", 43.9493, 4.8055, 2, false),
    city("Poitiers", "86000", 46.5802, 0.3404, 2, false),
    city("La Rochelle", "17000", 46.1603, -1.1511, 2, false),
    city("Pau", "64000", 43.2951, -0.3708, 2, false),
    city("Colmar", "68000", 48.0794, 7.3585, 2, false),
    city("Quimper", "29000", 47.9960, -4.1024, 2, false),
    city("Vannes", "56000", 47.6582, -2.7608, 2, false),
    city("Bayonne", "64100", 43.4929, -1.4748, 2, false),
    city("Chambéry", "73000", 45.5646, 5.9178, 2, false),
    city("Béziers", "34500", 43.3442, 3.2158, 2, false),
    city("Saint-Malo", "35400", 48.6493, -2.0257, 1, false),
    city("Troyes", "10000", 48.2973, 4.0744, 1, false),
    city("Niort", "79000", 46.3237, -0.4588, 1, false),
    city("Épinal", "88000", 48.1725, 6.4496, 1, false),
    city("Mâcon", "71000", 46.3069, 4.8287, 1, false),
    city("Guéret", "23000", 46.1714, 1.8711, 3, true),
    city("Aurillac", "15000", 44.9264, 2.4396, 3, true),
    city("Mende", "48000", 44.5181, 3.5007, 3, true),
    city("Privas", "07000", 44.7353, 4.5992, 3, true),
    city("Foix", "09000", 42.9653, 1.6070, 3, true),
    city("Digne-les-Bains", "04000", 44.0925, 6.2356, 3, true),
    city("Lons-le-Saunier", "39000", 46.6744, 5.5550, 3, true),
    city("Millau", "12100", 44.0980, 3.0777, 3, true),
    city("Saint-Flour", "15100", 45.0339, 3.0930, 3, true),
    city("Châteauroux", "36000", 46.8103, 1.6913, 3, true),
    city("Gap", "05000", 44.5594, 6.0786, 3, true),
    city("Ajaccio", "20000", 41.9192, 8.7386, 3, true),
];

#[rustfmt::skip]
pub(crate) const FEMALE_FIRST_NAMES: &[&str] = &[
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sophie", "Christine", "Valérie",
    "Sandrine", "Céline", "Stéphanie", "Véronique", "Émilie", "Julie", "Aurélie", "Camille", "Léa",
    "Manon", "Chloé", "Inès", "Jade", "Louise", "Zoé", "Éloïse", "Maëlle", "Anaïs", "Noémie",
    "Clémence", "Hélène", "Françoise", "Monique", "Brigitte", "Agnès", "Joëlle", "Gaëlle",
    "Mélanie", "Laëtitia", "Océane", "Héloïse", "Léonie", "Margaux", "Pauline", "Élodie", "Justine",
    "Cécile", "Geneviève", "Thérèse", "Danièle", "Josiane", "Adèle",
];

#[rustfmt::skip]
pub(crate) const MALE_FIRST_NAMES: &[&str] = &[
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Christophe", "Patrick", "Laurent",
    "Frédéric", "Stéphane", "Éric", "David", "Sébastien", "Julien", "Thomas", "Maxime", "Lucas",
    "Hugo", "Théo", "Louis", "Gabriel", "Raphaël", "Noé", "Mathéo", "Loïc", "Gaël", "Joël", "Noël",
    "Jérôme", "François", "Benoît", "Cédric", "Régis", "Hervé", "André", "René", "Gérard",
    "Bernard", "Jacques", "Thierry", "Olivier", "Guillaume", "Antoine", "Clément", "Étienne",
    "Anaël", "Mickaël", "Yannick", "Jérémy",
];

#[rustfmt::skip]
pub(crate) const LAST_NAMES: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller",
    "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont",
    "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez", "Gérard", "Nguyen", "Boyer",
    "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger", "Roche", "Roy", "Noël", "Meyer",
    "Lucas", "Meunier", "Perez", "Marchand", "Dufour", "Blanchard", "Barbier", "Brun", "Dumas",
    "Brunet", "Schmitt", "Leroux", "Colin", "Fernandez", "Renard", "Arnaud", "Rolland", "Caron",
    "Aubert", "Giraud", "Leclerc", "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard",
    "Lacroix", "Fabre", "Dupuis", "Olivier", "Da Silva", "Hubert", "Rivière", "Le Gall", "Ménard",
    "Benoît", "Prévost", "Carré", "Rémy", "Lefèbvre", "Boucher", "Chrétien", "Lefrançois", "Fleury",
];

pub(crate) const STREETS: &[&str] = &[
    "rue de la République",
    "avenue Jean-Jaurès",
    "boulevard Victor-Hugo",
    "place de l'Église",
    "rue Pasteur",
    "chemin des Vignes",
    "allée des Châtaigniers",
    "rue du Général-de-Gaulle",
    "impasse des Lilas",
    "rue de la Gare",
    "avenue de la Libération",
    "rue Émile-Zola",
    "rue des Écoles",
    "boulevard Gambetta",
    "quai de la Loire",
    "rue Saint-Éloi",
    "route de Besançon",
    "rue du Château",
    "avenue Foch",
    "rue des Prés",
];

/// E-mail domains with their weights (French consumer mailboxes).
pub(crate) const EMAIL_DOMAINS: &[(&str, u32)] = &[
    ("orange.fr", 25),
    ("gmail.com", 25),
    ("free.fr", 12),
    ("sfr.fr", 8),
    ("laposte.net", 8),
    ("hotmail.fr", 8),
    ("outlook.fr", 6),
    ("yahoo.fr", 5),
    ("wanadoo.fr", 3),
];

/// Lower-case ASCII form of a name for an e-mail local part: accents dropped, spaces and
/// apostrophes turned into hyphens.
pub(crate) fn ascii_fold(s: &str, out: &mut String) {
    for c in s.chars() {
        let folded = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' => 'a',
            'ç' | 'Ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' => 'e',
            'î' | 'ï' | 'Î' => 'i',
            'ô' | 'ö' | 'Ô' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ÿ' => 'y',
            ' ' | '\'' => '-',
            c => c.to_ascii_lowercase(),
        };
        out.push(folded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        for (name, want) in [
            ("Éloïse", "eloise"),
            ("Le Gall", "le-gall"),
            ("François", "francois"),
        ] {
            let mut s = String::new();
            ascii_fold(name, &mut s);
            assert_eq!(s, want);
        }
    }

    #[test]
    fn cities_are_plausible() {
        for c in CITIES {
            assert!(
                (41.0..51.5).contains(&c.lat) && (-5.0..10.0).contains(&c.lon),
                "{}",
                c.name
            );
            assert_eq!(c.postcode.len(), 5, "{}", c.name);
        }
    }
}
