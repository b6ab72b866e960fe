//! Integration tests of fidelis-analytics against published figures, simulations and bad input.

mod bad_input;
mod bgnbd;
mod cdnow;
mod summary;
