//! Segments: RFM scores and named RFM segments, rule segments written in the condition language,
//! and the crossing of two segmentations as a matrix (seed 001: a strategic segmentation crossed
//! with a behavioural one).
//!
//! Behavioural clusters (k-means on standardised features) belong in fidelis-analytics, which
//! computes features; their cluster label then comes here as a fact like any other.

mod cross;
mod rfm;
mod rules;

pub use cross::{CrossMatrix, cross};
pub use rfm::{RfmInput, RfmScore, RfmSegment, rfm_scores};
pub use rules::{RuleSegments, members};
