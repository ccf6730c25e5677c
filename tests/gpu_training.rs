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

/// "auto" trains on a real GPU, but on the CPU twin where the adapter is a software
/// rasterizer (measured slower there, README "Training"); "gpu" trains on any adapter.
#[test]
fn auto_keeps_training_off_software_adapters_and_gpu_is_honoured() {
    use moe_clinic::engine::BackendChoice;
    use moe_clinic::model::dataset::Dataset;
    use moe_clinic::model::session::{RunOptions, Session};
    let Some(ctx) = gpu_context() else { return };
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/models/dataset.safetensors")).unwrap();
    let data = Dataset::from_safetensors(&bytes, 2000).unwrap();
    let session =
        |choice| pollster::block_on(Session::new_on(RunOptions::default(), data.clone(), 2000, choice)).unwrap();
    let auto = session(BackendChoice::Auto);
    if ctx.adapter.is_software() {
        assert_eq!(auto.backend().kind, "cpu", "{:?}", auto.backend());
        assert_eq!(auto.backend().reason_code, Some("software-adapter"));
        assert!(auto.backend().reason.as_deref().unwrap().contains(&ctx.adapter.name));
    } else {
        assert_eq!(auto.backend().kind, "gpu", "{:?}", auto.backend());
    }
    assert_eq!(session(BackendChoice::Gpu).backend().kind, "gpu");
    assert_eq!(session(BackendChoice::Cpu).backend().reason_code, Some("requested"));
}
