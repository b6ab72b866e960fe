//! Behavioural clusters: k-means on standardised features (z-scores), k-means++ seeding, several
//! seeded restarts, and the number of clusters chosen by the mean silhouette on a sample, with the
//! elbow (within-cluster sum of squares) and the Calinski–Harabasz index reported beside it for every
//! k tried.
//!
//! Hand-written (about 200 lines): the maintained crates (linfa-clustering, which pulls ndarray and
//! the linfa stack) bring far more than Lloyd's iterations need, and we want bit-for-bit determinism
//! per seed with our own generator. Large bases are fitted on a seeded sample and every customer is
//! then assigned to the nearest centre, so the cost of choosing k does not grow with the base.

use crate::Rng;
use serde::Serialize;

/// How to cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterOptions {
    /// Smallest number of clusters tried (at least 2).
    pub k_min: usize,
    /// Largest number of clusters tried.
    pub k_max: usize,
    /// Runs from different k-means++ seedings; the lowest within-cluster sum of squares wins.
    pub restarts: usize,
    /// Lloyd iterations per run at most.
    pub max_iterations: usize,
    /// Rows used to fit the centres and compare the k (all rows when fewer).
    pub fit_sample: usize,
    /// Rows of the silhouette (pairwise distances: quadratic in this number).
    pub silhouette_sample: usize,
    /// Seed of every random choice.
    pub seed: u64,
}

impl Default for ClusterOptions {
    fn default() -> ClusterOptions {
        ClusterOptions {
            k_min: 2,
            k_max: 8,
            restarts: 4,
            max_iterations: 100,
            fit_sample: 20_000,
            silhouette_sample: 2_000,
            seed: 42,
        }
    }
}

/// Column means and standard deviations: features in different units weigh the same once
/// standardised. A constant column gets a deviation of 1 (it then contributes nothing).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standardiser {
    /// Mean of each column.
    pub means: Vec<f64>,
    /// Standard deviation of each column.
    pub deviations: Vec<f64>,
}

impl Standardiser {
    /// Fits on rows of equal length; non-finite values are ignored (and standardise to 0).
    pub fn fit(rows: &[Vec<f64>]) -> Standardiser {
        let d = rows.first().map_or(0, Vec::len);
        let mut means = vec![0.0; d];
        let mut deviations = vec![1.0; d];
        for j in 0..d {
            let values: Vec<f64> = rows
                .iter()
                .map(|r| r[j])
                .filter(|x| x.is_finite())
                .collect();
            if values.is_empty() {
                continue;
            }
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            means[j] = mean;
            deviations[j] = if var > 1e-24 { var.sqrt() } else { 1.0 };
        }
        Standardiser { means, deviations }
    }

    /// The z-scores of one row.
    pub fn apply(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(self.means.iter().zip(&self.deviations))
            .map(|(x, (m, s))| if x.is_finite() { (x - m) / s } else { 0.0 })
            .collect()
    }
}

/// A fitted k-means model, in standardised units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KMeans {
    /// The centres.
    pub centroids: Vec<Vec<f64>>,
    /// Within-cluster sum of squared distances of the rows it was fitted on.
    pub inertia: f64,
    /// Lloyd iterations of the winning run.
    pub iterations: usize,
}

impl KMeans {
    /// Index of the nearest centre.
    pub fn assign(&self, row: &[f64]) -> usize {
        nearest(&self.centroids, row).0
    }
}

/// One row of the table that chooses k.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KChoice {
    /// Number of clusters.
    pub k: usize,
    /// Within-cluster sum of squares on the fit sample (the elbow).
    pub inertia: f64,
    /// Mean silhouette on the silhouette sample, −1..1 (higher is better): the criterion.
    pub silhouette: f64,
    /// Between- over within-cluster dispersion, scaled by degrees of freedom (higher is better).
    pub calinski_harabasz: f64,
}

/// The clustering of a base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clustering {
    /// How the features were standardised.
    pub standardiser: Standardiser,
    /// The model of the chosen k.
    pub model: KMeans,
    /// Every k tried, with its criteria.
    pub table: Vec<KChoice>,
    /// The k of the highest mean silhouette.
    pub chosen_k: usize,
    /// Cluster of every row, in input order.
    pub labels: Vec<usize>,
    /// Centres back in the features' own units, for describing the clusters.
    pub centres: Vec<Vec<f64>>,
}

fn distance2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn nearest(centroids: &[Vec<f64>], row: &[f64]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (i, c) in centroids.iter().enumerate() {
        let d = distance2(c, row);
        if d < best.1 {
            best = (i, d);
        }
    }
    best
}

/// k-means++: the first centre uniformly, each next one with probability proportional to the
/// squared distance to the nearest centre already chosen.
fn seed_centres(rows: &[Vec<f64>], k: usize, rng: &mut Rng) -> Vec<Vec<f64>> {
    let mut centres = vec![rows[rng.below(rows.len() as u64) as usize].clone()];
    let mut d2: Vec<f64> = rows.iter().map(|r| distance2(r, &centres[0])).collect();
    while centres.len() < k {
        let total: f64 = d2.iter().sum();
        let next = if total > 0.0 {
            let mut target = rng.uniform() * total;
            let mut pick = rows.len() - 1;
            for (i, d) in d2.iter().enumerate() {
                target -= d;
                if target <= 0.0 {
                    pick = i;
                    break;
                }
            }
            pick
        } else {
            rng.below(rows.len() as u64) as usize
        };
        centres.push(rows[next].clone());
        for (i, r) in rows.iter().enumerate() {
            d2[i] = d2[i].min(distance2(r, &centres[centres.len() - 1]));
        }
    }
    centres
}

/// Lloyd's iterations from one seeding. An emptied cluster takes the row farthest from its centre.
fn lloyd(rows: &[Vec<f64>], mut centres: Vec<Vec<f64>>, max_iterations: usize) -> KMeans {
    let d = rows[0].len();
    let k = centres.len();
    let mut labels = vec![usize::MAX; rows.len()];
    let mut iterations = 0;
    for _ in 0..max_iterations {
        iterations += 1;
        let mut changed = false;
        for (i, r) in rows.iter().enumerate() {
            let (c, _) = nearest(&centres, r);
            if labels[i] != c {
                labels[i] = c;
                changed = true;
            }
        }
        let mut sums = vec![vec![0.0; d]; k];
        let mut counts = vec![0usize; k];
        for (r, &l) in rows.iter().zip(&labels) {
            counts[l] += 1;
            for (s, x) in sums[l].iter_mut().zip(r) {
                *s += x;
            }
        }
        for c in 0..k {
            if counts[c] > 0 {
                centres[c] = sums[c].iter().map(|s| s / counts[c] as f64).collect();
            } else if let Some((far, _)) = rows
                .iter()
                .enumerate()
                .map(|(i, r)| (i, distance2(r, &centres[labels[i]])))
                .max_by(|a, b| a.1.total_cmp(&b.1))
            {
                centres[c] = rows[far].clone();
                labels[far] = c;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let inertia = rows.iter().map(|r| nearest(&centres, r).1).sum();
    KMeans {
        centroids: centres,
        inertia,
        iterations,
    }
}

/// k-means with `restarts` k-means++ seedings on standardised rows; the run of lowest inertia wins.
pub fn kmeans(
    rows: &[Vec<f64>],
    k: usize,
    restarts: usize,
    max_iterations: usize,
    seed: u64,
) -> KMeans {
    let mut rng = Rng::new(seed);
    let k = k.clamp(1, rows.len().max(1));
    let mut best: Option<KMeans> = None;
    for _ in 0..restarts.max(1) {
        let run = lloyd(rows, seed_centres(rows, k, &mut rng), max_iterations);
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    best.unwrap_or(KMeans {
        centroids: Vec::new(),
        inertia: 0.0,
        iterations: 0,
    })
}

/// Mean silhouette of labelled rows: for each row, (b − a) / max(a, b) with a the mean distance to
/// its own cluster and b the smallest mean distance to another cluster; rows alone in their cluster
/// count 0.
pub fn silhouette(rows: &[Vec<f64>], labels: &[usize], k: usize) -> f64 {
    if rows.len() < 2 || k < 2 {
        return 0.0;
    }
    let mut total = 0.0;
    for (i, r) in rows.iter().enumerate() {
        let mut sums = vec![0.0; k];
        let mut counts = vec![0usize; k];
        for (j, s) in rows.iter().enumerate() {
            if i != j {
                sums[labels[j]] += distance2(r, s).sqrt();
                counts[labels[j]] += 1;
            }
        }
        let own = labels[i];
        if counts[own] == 0 {
            continue;
        }
        let a = sums[own] / counts[own] as f64;
        let b = (0..k)
            .filter(|&c| c != own && counts[c] > 0)
            .map(|c| sums[c] / counts[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() && a.max(b) > 0.0 {
            total += (b - a) / a.max(b);
        }
    }
    total / rows.len() as f64
}

/// Calinski–Harabasz index: (between-cluster dispersion / (k − 1)) / (within / (n − k)).
pub fn calinski_harabasz(rows: &[Vec<f64>], model: &KMeans) -> f64 {
    let n = rows.len();
    let k = model.centroids.len();
    if n <= k || k < 2 || model.inertia <= 0.0 {
        return 0.0;
    }
    let d = rows[0].len();
    let mut mean = vec![0.0; d];
    for r in rows {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += x / n as f64;
        }
    }
    let mut counts = vec![0usize; k];
    for r in rows {
        counts[model.assign(r)] += 1;
    }
    let between: f64 = model
        .centroids
        .iter()
        .zip(&counts)
        .map(|(c, &m)| m as f64 * distance2(c, &mean))
        .sum();
    (between / (k - 1) as f64) / (model.inertia / (n - k) as f64)
}

/// A seeded sample of `m` distinct indices of `0..n` (all of them, in order, when `m >= n`).
fn sample(n: usize, m: usize, rng: &mut Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if m >= n {
        return idx;
    }
    for i in 0..m {
        let j = i + rng.below((n - i) as u64) as usize;
        idx.swap(i, j);
    }
    idx.truncate(m);
    idx.sort_unstable();
    idx
}

/// Clusters rows of raw features: standardises them, fits k-means for every k in
/// `k_min..=k_max` on the fit sample, keeps the k of the highest mean silhouette (ties: the smaller
/// k), and labels every row. `None` when there are fewer rows than `k_min` + 1 or no features.
pub fn cluster(rows: &[Vec<f64>], options: &ClusterOptions) -> Option<Clustering> {
    let d = rows.first().map_or(0, Vec::len);
    let k_min = options.k_min.max(2);
    if d == 0 || rows.len() <= k_min || rows.iter().any(|r| r.len() != d) {
        return None;
    }
    let standardiser = Standardiser::fit(rows);
    let z: Vec<Vec<f64>> = rows.iter().map(|r| standardiser.apply(r)).collect();
    let mut rng = Rng::new(options.seed);
    let fit_rows: Vec<Vec<f64>> = sample(z.len(), options.fit_sample, &mut rng)
        .into_iter()
        .map(|i| z[i].clone())
        .collect();
    let silhouette_rows: Vec<Vec<f64>> =
        sample(fit_rows.len(), options.silhouette_sample, &mut rng)
            .into_iter()
            .map(|i| fit_rows[i].clone())
            .collect();
    let k_max = options.k_max.max(k_min).min(fit_rows.len() - 1);
    let mut table = Vec::new();
    let mut best: Option<(f64, KMeans)> = None;
    for k in k_min..=k_max {
        let model = kmeans(
            &fit_rows,
            k,
            options.restarts,
            options.max_iterations,
            options.seed.wrapping_add(k as u64),
        );
        let labels: Vec<usize> = silhouette_rows.iter().map(|r| model.assign(r)).collect();
        let s = silhouette(&silhouette_rows, &labels, k);
        table.push(KChoice {
            k,
            inertia: model.inertia,
            silhouette: s,
            calinski_harabasz: calinski_harabasz(&fit_rows, &model),
        });
        if best.as_ref().is_none_or(|(b, _)| s > *b) {
            best = Some((s, model));
        }
    }
    let (_, model) = best?;
    let labels = z.iter().map(|r| model.assign(r)).collect();
    let centres = model
        .centroids
        .iter()
        .map(|c| {
            c.iter()
                .zip(standardiser.means.iter().zip(&standardiser.deviations))
                .map(|(x, (m, s))| x * s + m)
                .collect()
        })
        .collect();
    Some(Clustering {
        standardiser,
        chosen_k: model.centroids.len(),
        model,
        table,
        labels,
        centres,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight blobs in two features of very different scales, 60 points each.
    fn blobs(seed: u64) -> (Vec<Vec<f64>>, Vec<usize>) {
        let mut rng = Rng::new(seed);
        let centres = [(0.0, 0.0), (10.0, 5_000.0), (-10.0, 10_000.0)];
        let mut rows = Vec::new();
        let mut truth = Vec::new();
        for i in 0..180 {
            let c = i % 3;
            let (x, y) = centres[c];
            rows.push(vec![x + rng.normal(), y + 500.0 * rng.normal()]);
            truth.push(c);
        }
        (rows, truth)
    }

    #[test]
    fn recovers_planted_clusters_and_their_number() {
        let (rows, truth) = blobs(7);
        let options = ClusterOptions {
            k_max: 6,
            ..ClusterOptions::default()
        };
        let c = cluster(&rows, &options).unwrap();
        assert_eq!(c.chosen_k, 3, "{:?}", c.table);
        assert_eq!(
            c.table.iter().map(|t| t.k).collect::<Vec<_>>(),
            [2, 3, 4, 5, 6]
        );
        // Same partition as the truth, up to the names of the clusters.
        for i in 0..rows.len() {
            for j in 0..rows.len() {
                assert_eq!(
                    truth[i] == truth[j],
                    c.labels[i] == c.labels[j],
                    "rows {i} and {j}"
                );
            }
        }
        // The elbow and Calinski–Harabasz agree: the largest drop of inertia is at 3, CH peaks at 3.
        let ch_best = c
            .table
            .iter()
            .max_by(|a, b| a.calinski_harabasz.total_cmp(&b.calinski_harabasz))
            .unwrap();
        assert_eq!(ch_best.k, 3);
        // Centres come back in the features' units.
        let mut ys: Vec<f64> = c.centres.iter().map(|c| c[1]).collect();
        ys.sort_by(f64::total_cmp);
        for (y, expected) in ys.iter().zip([0.0, 5_000.0, 10_000.0]) {
            assert!((y - expected).abs() < 300.0, "{ys:?}");
        }
    }

    #[test]
    fn deterministic_by_seed() {
        let (rows, _) = blobs(11);
        let options = ClusterOptions {
            k_min: 2,
            k_max: 5,
            fit_sample: 100,
            silhouette_sample: 50,
            ..ClusterOptions::default()
        };
        let a = cluster(&rows, &options).unwrap();
        let b = cluster(&rows, &options).unwrap();
        assert_eq!(a, b);
        let other = cluster(
            &rows,
            &ClusterOptions {
                seed: 43,
                ..options.clone()
            },
        )
        .unwrap();
        // Another seed samples other rows: the table differs, the structure found does not.
        assert_ne!(a.table, other.table);
        assert_eq!(other.chosen_k, 3);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(cluster(&[], &ClusterOptions::default()).is_none());
        assert!(cluster(&[vec![1.0], vec![2.0]], &ClusterOptions::default()).is_none());
        // Identical rows: nothing to separate, every criterion 0, no panic.
        let same = vec![vec![1.0, 2.0]; 10];
        let c = cluster(&same, &ClusterOptions::default()).unwrap();
        assert!(c.table.iter().all(|t| t.silhouette == 0.0));
        let s = Standardiser::fit(&[vec![1.0, f64::NAN], vec![3.0, f64::NAN]]);
        assert_eq!(s.apply(&[2.0, f64::NAN]), vec![0.0, 0.0]);
    }
}
