//! Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2) for the boosted trees.
//!
//! For each row, φ_j is feature j's Shapley value of the model's raw score (log-odds), where a
//! "missing" feature follows both branches weighted by the training rows (cover) that went each
//! way. Σ φ_j = score − base, base being the cover-weighted mean score ([`expected_raw_score`]).
//! Cost per tree is O(leaves × depth²).

use super::gbdt::GbdtModel;
use super::tree::Tree;

/// Feature contributions to one row's raw score.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapValues {
    /// The expected raw score (log-odds) when no feature is known.
    pub base: f64,
    /// One contribution per model feature, in the model's column order.
    pub values: Vec<f64>,
}

/// The model's raw score averaged over the training rows' paths: TreeSHAP's base value.
pub fn expected_raw_score(model: &GbdtModel) -> f64 {
    model.base_score + model.trees.iter().map(Tree::expected_value).sum::<f64>()
}

/// TreeSHAP contributions of every feature to `row`'s raw score.
pub fn shap_values(model: &GbdtModel, row: &[f32]) -> ShapValues {
    let mut values = vec![0.0; model.feature_names.len()];
    let mut path = Vec::new();
    for tree in &model.trees {
        tree_shap(tree, row, &mut values, &mut path);
    }
    ShapValues {
        base: expected_raw_score(model),
        values,
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    /// Feature index, or `usize::MAX` for the root's placeholder.
    feature: usize,
    zero_fraction: f64,
    one_fraction: f64,
    weight: f64,
}

/// Adds one tree's contributions for `row` to `phi`. `path` is scratch space.
fn tree_shap(tree: &Tree, row: &[f32], phi: &mut [f64], path: &mut Vec<PathElement>) {
    let depth = tree.depth();
    let needed = (depth + 2) * (depth + 3) / 2;
    if path.len() < needed {
        path.resize(needed, PathElement::default());
    }
    recurse(tree, row, phi, path, 0, 0, 0, 1.0, 1.0, usize::MAX);
}

/// `path[start..]` is this node's segment; its first `unique_depth` entries are copied from the
/// parent's segment, which begins at `parent_start`.
#[allow(clippy::too_many_arguments)]
fn recurse(
    tree: &Tree,
    row: &[f32],
    phi: &mut [f64],
    path: &mut [PathElement],
    node: usize,
    parent_start: usize,
    mut unique_depth: usize,
    parent_zero_fraction: f64,
    parent_one_fraction: f64,
    parent_feature: usize,
) {
    let start = if node == 0 {
        0
    } else {
        let start = parent_start + unique_depth;
        path.copy_within(parent_start..parent_start + unique_depth, start);
        start
    };
    let segment_end = path.len();
    {
        let seg = &mut path[start..segment_end];
        extend(
            seg,
            unique_depth,
            parent_zero_fraction,
            parent_one_fraction,
            parent_feature,
        );
    }
    let n = &tree.nodes[node];
    if n.is_leaf() {
        let seg = &path[start..];
        for i in 1..=unique_depth {
            let w = unwound_sum(seg, unique_depth, i);
            let e = seg[i];
            if let Some(p) = phi.get_mut(e.feature) {
                *p += w * (e.one_fraction - e.zero_fraction) * n.value;
            }
        }
        return;
    }

    let hot = n.child(row);
    let cold = if hot == n.left as usize {
        n.right as usize
    } else {
        n.left as usize
    };
    let cover = n.cover;
    let (hot_zero, cold_zero) = if cover > 0.0 {
        (
            tree.nodes[hot].cover / cover,
            tree.nodes[cold].cover / cover,
        )
    } else {
        (0.5, 0.5)
    };
    let (mut incoming_zero, mut incoming_one) = (1.0, 1.0);
    let feature = n.feature as usize;
    let seg = &mut path[start..segment_end];
    if let Some(k) = (1..=unique_depth).find(|&k| seg[k].feature == feature) {
        incoming_zero = seg[k].zero_fraction;
        incoming_one = seg[k].one_fraction;
        unwind(seg, unique_depth, k);
        unique_depth -= 1;
    }
    recurse(
        tree,
        row,
        phi,
        path,
        hot,
        start,
        unique_depth + 1,
        hot_zero * incoming_zero,
        incoming_one,
        feature,
    );
    recurse(
        tree,
        row,
        phi,
        path,
        cold,
        start,
        unique_depth + 1,
        cold_zero * incoming_zero,
        0.0,
        feature,
    );
}

fn extend(
    path: &mut [PathElement],
    d: usize,
    zero_fraction: f64,
    one_fraction: f64,
    feature: usize,
) {
    path[d] = PathElement {
        feature,
        zero_fraction,
        one_fraction,
        weight: if d == 0 { 1.0 } else { 0.0 },
    };
    let df = d as f64;
    for i in (0..d).rev() {
        let fi = i as f64;
        path[i + 1].weight += one_fraction * path[i].weight * (fi + 1.0) / (df + 1.0);
        path[i].weight = zero_fraction * path[i].weight * (df - fi) / (df + 1.0);
    }
}

fn unwind(path: &mut [PathElement], d: usize, index: usize) {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let df = d as f64;
    let mut next_one_portion = path[d].weight;
    for i in (0..d).rev() {
        let fi = i as f64;
        if one != 0.0 {
            let tmp = path[i].weight;
            path[i].weight = next_one_portion * (df + 1.0) / ((fi + 1.0) * one);
            next_one_portion = tmp - path[i].weight * zero * (df - fi) / (df + 1.0);
        } else {
            path[i].weight = path[i].weight * (df + 1.0) / (zero * (df - fi));
        }
    }
    for i in index..d {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

fn unwound_sum(path: &[PathElement], d: usize, index: usize) -> f64 {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let df = d as f64;
    let mut next_one_portion = path[d].weight;
    let mut total = 0.0;
    for i in (0..d).rev() {
        let fi = i as f64;
        if one != 0.0 {
            let tmp = next_one_portion * (df + 1.0) / ((fi + 1.0) * one);
            total += tmp;
            next_one_portion = path[i].weight - tmp * zero * ((df - fi) / (df + 1.0));
        } else {
            total += (path[i].weight / zero) / ((df - fi) / (df + 1.0));
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::simulate::Rng;
    use crate::churn::gbdt::{GbdtParams, fit_gbdt};
    use crate::churn::matrix::FeatureMatrix;
    use crate::churn::tree::Node;

    /// E[f(x) | x_S] as TreeSHAP defines it: features in S follow x, others split by cover.
    fn conditional(tree: &Tree, node: usize, row: &[f32], known: &[bool]) -> f64 {
        let n = &tree.nodes[node];
        if n.is_leaf() {
            return n.value;
        }
        if known[n.feature as usize] {
            return conditional(tree, n.child(row), row, known);
        }
        let (l, r) = (n.left as usize, n.right as usize);
        (tree.nodes[l].cover * conditional(tree, l, row, known)
            + tree.nodes[r].cover * conditional(tree, r, row, known))
            / n.cover
    }

    /// Shapley values by enumerating every subset of features.
    fn brute_force(model: &GbdtModel, row: &[f32]) -> Vec<f64> {
        let m = model.feature_names.len();
        let value = |mask: usize| -> f64 {
            let known: Vec<bool> = (0..m).map(|j| mask >> j & 1 == 1).collect();
            model
                .trees
                .iter()
                .map(|t| conditional(t, 0, row, &known))
                .sum()
        };
        let fact = |k: usize| (1..=k).map(|v| v as f64).product::<f64>();
        let mut phi = vec![0.0; m];
        for (j, p) in phi.iter_mut().enumerate() {
            for mask in 0..(1usize << m) {
                if mask >> j & 1 == 1 {
                    continue;
                }
                let s = mask.count_ones() as usize;
                let w = fact(s) * fact(m - s - 1) / fact(m);
                *p += w * (value(mask | 1 << j) - value(mask));
            }
        }
        phi
    }

    fn small_model(seed: u64) -> (GbdtModel, FeatureMatrix) {
        let mut rng = Rng::new(seed);
        let (n, m) = (600, 5);
        let mut values = Vec::with_capacity(n * m);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let row: Vec<f32> = (0..m)
                .map(|j| {
                    if j == 3 && rng.uniform() < 0.2 {
                        f32::NAN
                    } else {
                        (rng.uniform() * 10.0).floor() as f32
                    }
                })
                .collect();
            let z = 0.4 * f64::from(row[0]) - 0.3 * f64::from(row[1])
                + if row[3].is_nan() {
                    1.0
                } else {
                    0.1 * f64::from(row[3])
                }
                + 0.5 * f64::from(row[0] > 5.0 && row[2] < 3.0)
                - 1.0;
            y.push(rng.uniform() < 1.0 / (1.0 + (-z).exp()));
            values.extend(row);
        }
        let names = (0..m).map(|j| format!("x{j}")).collect();
        let x = FeatureMatrix::new(names, values).unwrap();
        let params = GbdtParams {
            rounds: 12,
            learning_rate: 0.3,
            max_leaves: 8,
            max_depth: 5,
            min_data_in_leaf: 10,
            seed,
            ..GbdtParams::default()
        };
        (fit_gbdt(&x, &y, &params, None).unwrap(), x)
    }

    #[test]
    fn tree_shap_equals_brute_force_shapley_values() {
        for seed in [1, 2] {
            let (model, x) = small_model(seed);
            for i in (0..x.n_rows()).step_by(37) {
                let row = x.row(i);
                let fast = shap_values(&model, row);
                let slow = brute_force(&model, row);
                for (j, (a, b)) in fast.values.iter().zip(&slow).enumerate() {
                    assert!(
                        (a - b).abs() < 1e-9,
                        "seed {seed} row {i} feature {j}: {a} vs {b}"
                    );
                }
                let total: f64 = fast.values.iter().sum();
                let raw = model.predict_raw_row(row);
                assert!((fast.base + total - raw).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn a_feature_split_twice_on_one_path_is_handled() {
        // x0 ≤ 5 → (x0 ≤ 2 → 1 | 2), else 3; covers 60/40, 30/30.
        let split = |feature, threshold, left, right, cover| Node {
            feature,
            threshold,
            nan_left: true,
            left,
            right,
            value: 0.0,
            cover,
            gain: 1.0,
        };
        let tree = Tree {
            nodes: vec![
                split(0, 5.0, 1, 2, 100.0),
                split(0, 2.0, 3, 4, 60.0),
                Node::leaf(3.0, 40.0),
                Node::leaf(1.0, 30.0),
                Node::leaf(2.0, 30.0),
            ],
        };
        let model = GbdtModel {
            feature_names: vec!["x0".into()],
            params: GbdtParams::default(),
            base_score: 0.0,
            trees: vec![tree],
            validation_log_loss: Vec::new(),
        };
        let base = 0.3 * 1.0 + 0.3 * 2.0 + 0.4 * 3.0;
        for (x, want) in [(1.0, 1.0 - base), (4.0, 2.0 - base), (9.0, 3.0 - base)] {
            let s = shap_values(&model, &[x]);
            assert!((s.base - base).abs() < 1e-12);
            assert!((s.values[0] - want).abs() < 1e-12, "x = {x}");
        }
    }
}
