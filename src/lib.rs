//! MoE Clinic: a Mixture-of-Experts layer that runs as WGSL compute shaders through wgpu,
//! with a CPU reference that defines its semantics. See DESIGN.md for the data flow.
//!
//! - [`moe`]: configuration, weights, the CPU reference (one function per kernel), traces.
//! - [`gpu`]: the same stages as WGSL kernels in `shaders/`, one submission per forward.
//! - `web` (wasm32 only): the thin wasm-bindgen facade the page calls.

mod clock;
pub mod engine;
pub mod gpu;
pub mod model;
pub mod moe;
pub mod rng;
#[cfg(target_arch = "wasm32")]
pub mod web;
