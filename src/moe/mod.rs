//! The MoE layer: configuration, weights, the CPU reference and the trace.

pub mod backward;
pub mod config;
pub mod error;
pub mod network;
pub mod noise;
pub mod parity;
pub mod reference;
pub mod tensors;
pub mod trace;
pub mod weights;

pub use config::{
    Architecture, Capacity, CapacityRule, ExpertKind, Noise, RouterInfo, RouterKind, Routing, RoutingRequest, TopKRule,
};
pub use error::{MoeError, Result};
pub use trace::{BackendInfo, Trace};
pub use weights::{LayerWeights, Style};

/// Runs the layer on the CPU reference and returns its trace (its backend says the CPU
/// was requested; the engine replaces that with its own reason where it chose the CPU).
pub fn forward_cpu(weights: &LayerWeights, routing: &Routing, x: &[f32], tokens: usize) -> Result<Trace> {
    let start = crate::clock::now_ms();
    let run = reference::forward(weights, routing, x, tokens)?;
    let timings = trace::Timings {
        wall_ms: crate::clock::now_ms() - start,
        gpu_stages: None,
        gpu_stages_missing: Some("the CPU path has no GPU stages".into()),
    };
    Trace::assemble(&weights.arch, routing, tokens, run.into(), BackendInfo::cpu_requested(), timings)
}
