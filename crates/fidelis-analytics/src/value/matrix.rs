//! The value matrix: past profitability × future potential, cut into four cells, each with its strategy.

use serde::{Deserialize, Serialize};

/// Where an axis is cut between low and high: a value is high when it is strictly above the cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum CutOff {
    /// The q-quantile of the customers' values (0.5: the median), taken as the value of rank
    /// ⌊q (n − 1)⌋ in increasing order.
    Quantile(f64),
    /// A fixed amount in minor units.
    Amount(i64),
}

impl CutOff {
    /// The cut-off value among `values` (which it sorts); 0 for an empty set.
    pub fn resolve(self, values: &mut [i64]) -> i64 {
        match self {
            CutOff::Amount(a) => a,
            CutOff::Quantile(q) => {
                if values.is_empty() {
                    return 0;
                }
                values.sort_unstable();
                let rank = (q.clamp(0.0, 1.0) * (values.len() - 1) as f64).floor() as usize;
                values[rank]
            }
        }
    }
}

/// What to do with a customer, from the cell of the value matrix (seed 004, "la valeur client et la
/// stratégie d'entreprise": Valeur client = Rentabilité (le passé) + Potentiel (le futur)).
///
/// The seed lists the four strategies without drawing the matrix; its insurance customer's trajectory
/// places them. A young driver with one loss-making contract and few prospects has negative
/// profitability and potential, and step 8 ends such customers' contracts. Marrying raises his
/// potential while profitability stays negative: the agent places new contracts, which is
/// multi-equipment. When the contracts are placed and prospects stay good, the customer is high on
/// both axes and is to be made to feel valued: loyalty. Retention keeps "les clients peu mobiles mais
/// qui sont fidèles": profitable today, with little business left to win.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Multi-équipement (low profitability, high potential): cross-sell the rest of the range the
    /// customer needs, after a first sale went well.
    MultiEquipment,
    /// Fidélisation (high profitability, high potential): the commercial gestures that make the
    /// customer feel valued.
    Loyalty,
    /// Rétention (high profitability, low potential): keep the settled, faithful customer, at a lower
    /// cost to serve (a cheaper channel).
    Retention,
    /// Résiliation / Externalisation (low profitability, low potential): end or hand off the
    /// relationship with a customer who costs more than he brings and has no prospect.
    Termination,
}

impl Strategy {
    /// The strategy of a cell.
    pub fn of(high_profitability: bool, high_potential: bool) -> Strategy {
        match (high_profitability, high_potential) {
            (false, true) => Strategy::MultiEquipment,
            (true, true) => Strategy::Loyalty,
            (true, false) => Strategy::Retention,
            (false, false) => Strategy::Termination,
        }
    }

    /// Every strategy, in the order of the matrix report.
    pub const ALL: [Strategy; 4] = [
        Strategy::Loyalty,
        Strategy::MultiEquipment,
        Strategy::Retention,
        Strategy::Termination,
    ];

    /// Stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::MultiEquipment => "multi_equipment",
            Strategy::Loyalty => "loyalty",
            Strategy::Retention => "retention",
            Strategy::Termination => "termination",
        }
    }

    /// The strategy of a stored name.
    pub fn parse(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The cell's name: `<profitability>_<potential>`, e.g. `low_high`.
    pub fn quadrant(self) -> &'static str {
        match self {
            Strategy::MultiEquipment => "low_high",
            Strategy::Loyalty => "high_high",
            Strategy::Retention => "high_low",
            Strategy::Termination => "low_low",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_cut_offs() {
        for (p, f, s, q) in [
            (false, true, Strategy::MultiEquipment, "low_high"),
            (true, true, Strategy::Loyalty, "high_high"),
            (true, false, Strategy::Retention, "high_low"),
            (false, false, Strategy::Termination, "low_low"),
        ] {
            assert_eq!(Strategy::of(p, f), s);
            assert_eq!(s.quadrant(), q);
            assert_eq!(Strategy::parse(s.as_str()), Some(s));
        }
        assert_eq!(CutOff::Quantile(0.5).resolve(&mut [10, 0, 5, 0]), 0);
        assert_eq!(CutOff::Quantile(0.5).resolve(&mut [3, 1, 2]), 2);
        assert_eq!(CutOff::Quantile(0.75).resolve(&mut [4, 3, 2, 1, 0]), 3);
        assert_eq!(CutOff::Quantile(1.0).resolve(&mut [4, 9]), 9);
        assert_eq!(CutOff::Amount(-7).resolve(&mut [1]), -7);
        assert_eq!(CutOff::Quantile(0.5).resolve(&mut []), 0);
    }
}
