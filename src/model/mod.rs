//! The clinic model: a bilingual triage corpus, the model around the MoE layer, and its
//! trainer.

pub mod build;
pub mod card;
pub mod clinic;
pub mod corpus;
pub mod dataset;
pub mod labels;
pub mod session;
pub mod tokenizer;
pub mod train;
pub mod triage;
