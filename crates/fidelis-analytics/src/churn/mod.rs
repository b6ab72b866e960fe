//! Departure (churn) prediction: features from customer histories, labels, models, metrics, reasons.
//!
//! Everything is pure: functions take data and a snapshot day (`as_of`) and return values; nothing
//! reads the clock or does IO. Times are [`Day`]s, [`Month`]s and [`Timestamp`]s (plain numbers).
//!
//! - **Features**: [`FeatureFactory`] turns a [`CustomerHistory`] into a row of ~290 named variables
//!   as of a day, censoring the future itself; its catalogue ([`FeatureSpec`]) gives each a
//!   description and a reason template.
//! - **Training** (`fidelis train churn`): [`build_training_set`] pairs rows at several snapshot
//!   days with departure labels ([`LabelConfig`]) from the following horizon; [`train_churn`] splits
//!   by customer, fits [`fit_gbdt`] and the [`fit_logistic`] baseline, [`evaluate`]s both and runs
//!   [`reduce_features`].
//! - **Scoring** (`fidelis score churn`): [`GbdtModel::predict`] on [`FeatureFactory::compute`];
//!   [`Explainer`] turns TreeSHAP contributions into sentences ("calls down 62 % vs 6-month
//!   baseline").
//! - **Outside tables** (`fidelis churn evaluate --table`): [`evaluate_table`] encodes text
//!   columns and cross-validates.

mod binning;
pub mod calendar;
pub mod error;
pub mod explain;
pub mod features;
pub mod gbdt;
pub mod history;
pub mod labels;
pub mod logistic;
pub mod matrix;
pub mod metrics;
pub mod reduction;
pub mod shap;
pub mod simulate;
pub mod tabular;
pub mod train;
pub mod tree;

pub use calendar::{Day, Month, Timestamp};
pub use error::ChurnError;
pub use explain::{Explainer, Explanation, Reason, explain};
pub use features::{FeatureConfig, FeatureFactory, FeatureSpec, Unit};
pub use gbdt::{GbdtModel, GbdtParams, fit_gbdt, fit_gbdt_regression, sigmoid};
pub use history::{
    AlertOutcome, AlertRow, Band, ChannelKind, ComplaintRow, ConsentChannel, ConsentPurpose,
    ConsentRow, ContractRow, ContractStatus, CustomerHistory, Direction, InteractionRow,
    LifeEventKind, LifeEventRow, Operation, Profile, SurveyKind, SurveyRow, TransactionKind,
    TransactionRow, UsageMetric, UsageRow,
};
pub use labels::{
    CancellationRule, LabelConfig, SnapshotRow, TrainingSet, build_training_set, departed_within,
    is_customer_at,
};
pub use logistic::{LogisticModel, LogisticParams, fit_logistic};
pub use matrix::FeatureMatrix;
pub use metrics::{
    CalibrationBin, Evaluation, Lift, brier_score, calibration_table, evaluate, lift_at,
    lift_curve, log_loss, pr_auc, roc_auc, roc_curve,
};
pub use reduction::{FeatureReduction, ReductionStep, reduce_features};
pub use shap::{ShapValues, expected_raw_score, shap_values};
pub use tabular::{
    ColumnEncoding, CvOptions, CvReport, EncodedTable, TableOptions, cross_validate, encode_table,
    evaluate_table, stratified_folds,
};
pub use train::{ChurnTraining, TrainOptions, train_churn};
pub use tree::{Node, Tree};
