//! A regression tree of the boosted ensemble: flat nodes, scored on raw `f32` values.

use serde::{Deserialize, Serialize};

/// One node. A leaf has `left == right == 0` (the root is node 0 and nobody's child).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Column split on (unused in a leaf).
    pub feature: u32,
    /// Values `≤ threshold` go left, greater ones right.
    pub threshold: f32,
    /// Where missing (non-finite) values go.
    pub nan_left: bool,
    /// Left child.
    pub left: u32,
    /// Right child.
    pub right: u32,
    /// Leaf output, learning rate included (0 in split nodes).
    pub value: f64,
    /// Training rows that reached the node (TreeSHAP weights paths by it).
    pub cover: f64,
    /// Loss reduction of the split (0 in leaves).
    pub gain: f64,
}

impl Node {
    /// A leaf with its output and cover.
    pub(crate) fn leaf(value: f64, cover: f64) -> Node {
        Node {
            feature: 0,
            threshold: 0.0,
            nan_left: false,
            left: 0,
            right: 0,
            value,
            cover,
            gain: 0.0,
        }
    }

    /// Whether the node is a leaf.
    #[inline]
    pub fn is_leaf(&self) -> bool {
        self.left == 0
    }

    /// The child a row goes to.
    #[inline]
    pub fn child(&self, row: &[f32]) -> usize {
        let x = row.get(self.feature as usize).copied().unwrap_or(f32::NAN);
        let left = if x.is_finite() {
            x <= self.threshold
        } else {
            self.nan_left
        };
        (if left { self.left } else { self.right }) as usize
    }
}

/// A regression tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Nodes; node 0 is the root.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The output for a row (missing trailing columns read as missing values).
    #[inline]
    pub fn predict(&self, row: &[f32]) -> f64 {
        let mut node = &self.nodes[0];
        while !node.is_leaf() {
            node = &self.nodes[node.child(row)];
        }
        node.value
    }

    /// Depth of the deepest leaf (a lone root has depth 0).
    pub fn depth(&self) -> usize {
        fn walk(tree: &Tree, node: usize) -> usize {
            let n = &tree.nodes[node];
            if n.is_leaf() {
                0
            } else {
                1 + walk(tree, n.left as usize).max(walk(tree, n.right as usize))
            }
        }
        walk(self, 0)
    }

    /// Cover-weighted mean output: what the tree predicts when nothing is known.
    pub fn expected_value(&self) -> f64 {
        let root = self.nodes[0].cover;
        if root <= 0.0 {
            return 0.0;
        }
        self.nodes
            .iter()
            .filter(|n| n.is_leaf())
            .map(|n| n.value * n.cover / root)
            .sum()
    }
}

/// Marks a child reference as a leaf (index into the leaf values) in [`Forest`].
const LEAF: u32 = 1 << 31;
/// Marks, in a [`FlatNode`]'s feature, that missing values go left.
const NAN_LEFT: u32 = 1 << 31;

/// A split in 16 bytes: what scoring needs and nothing else, so a whole ensemble stays in cache.
#[derive(Debug, Clone, Copy)]
struct FlatNode {
    threshold: f32,
    /// Column, with [`NAN_LEFT`] set when missing values go left.
    feature: u32,
    /// Children: node indices, or leaf indices with [`LEAF`] set.
    left: u32,
    right: u32,
}

/// Every tree of an ensemble flattened for fast scoring; scores exactly like walking the
/// [`Tree`]s (same comparisons, same leaves, summed in the same order).
#[derive(Debug, Clone)]
pub(crate) struct Forest {
    nodes: Vec<FlatNode>,
    leaves: Vec<f64>,
    /// Root of each tree: a node index, or a leaf index with [`LEAF`] set.
    roots: Vec<u32>,
}

impl Forest {
    /// Flattens `trees` (which must be valid: children after parents).
    pub fn new(trees: &[Tree]) -> Forest {
        let mut forest = Forest {
            nodes: Vec::new(),
            leaves: Vec::new(),
            roots: Vec::with_capacity(trees.len()),
        };
        for tree in trees {
            let root = forest.add(tree, 0);
            forest.roots.push(root);
        }
        forest
    }

    fn add(&mut self, tree: &Tree, node: usize) -> u32 {
        let n = &tree.nodes[node];
        if n.is_leaf() {
            self.leaves.push(n.value);
            return (self.leaves.len() - 1) as u32 | LEAF;
        }
        let at = self.nodes.len();
        self.nodes.push(FlatNode {
            threshold: n.threshold,
            feature: n.feature | if n.nan_left { NAN_LEFT } else { 0 },
            left: 0,
            right: 0,
        });
        let left = self.add(tree, n.left as usize);
        let right = self.add(tree, n.right as usize);
        self.nodes[at].left = left;
        self.nodes[at].right = right;
        at as u32
    }

    /// Sum of the trees' outputs for a row, plus `base`.
    #[inline]
    pub fn score(&self, row: &[f32], base: f64) -> f64 {
        let mut total = base;
        for &root in &self.roots {
            let mut at = root;
            while at & LEAF == 0 {
                let n = &self.nodes[at as usize];
                let x = row
                    .get((n.feature & !NAN_LEFT) as usize)
                    .copied()
                    .unwrap_or(f32::NAN);
                let left = if x.is_finite() {
                    x <= n.threshold
                } else {
                    n.feature & NAN_LEFT != 0
                };
                at = if left { n.left } else { n.right };
            }
            total += self.leaves[(at & !LEAF) as usize];
        }
        total
    }
}
