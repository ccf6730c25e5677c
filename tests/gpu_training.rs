//! One training step on the GPU (lavapipe, or any adapter) against the same step on the
//! CPU (`model::train`), stage by stage: the model's forward, the layer, the head, every
//! gradient, the updated weights, AdamW's moments and DeepSeek-V3's bias, for every
//! router, both expert kinds, with and without a shared expert (tests/common/training.rs,
//! which the browser suite runs on WebGPU too). Inputs clear the margin rule, so choices
//! and loads must match exactly. Fails without an adapter unless MOE_CLINIC_SKIP_GPU=1.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::gpu_context;
use common::training::{cases, check_case};

#[test]
fn one_training_step_matches_the_cpu_stage_by_stage() {
    let Some(ctx) = gpu_context() else { return };
    let cases = cases();
    assert_eq!(cases.len(), 20);
    for (router, kind, shared, balance, seed) in cases {
        pollster::block_on(check_case(&ctx, router, kind, shared, balance, seed));
    }
}
