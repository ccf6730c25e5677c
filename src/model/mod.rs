//! The clinic model: a bilingual triage corpus, the model around the MoE layer, and its
//! trainer.

pub mod clinic;
pub mod corpus;
pub mod train;
