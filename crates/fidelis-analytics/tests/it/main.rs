//! Integration tests of fidelis-analytics against published figures, simulations and bad input.

mod bad_input;
mod bgnbd;
mod cdnow;
mod churn;
mod clv;
mod gamma_gamma;
mod pareto_nbd;
mod pnl;
mod recovery;
mod sbg;
mod summary;
mod uplift;
mod value;
