//! The clinic model: a bilingual triage corpus, and (to come) its tokenizer, model and
//! trainer around the MoE layer.

pub mod corpus;
