//! The clinic model routing a text on the GPU (`GpuModel::route`, through `Triage` as the
//! page and the CLI use it): the embedding, the mixer, the MoE layer and the head as
//! kernels, against the CPU twins (tests/common/clinic.rs, which the browser suite runs on
//! WebGPU too); one readback per text; device loss recovered once, then the CPU. Fails
//! without an adapter unless MOE_CLINIC_SKIP_GPU=1.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::clinic::{check_routes, texts};
use common::gpu_context;
use moe_clinic::engine::BackendChoice;
use moe_clinic::gpu::program::ErrorScopes;
use moe_clinic::gpu::{GpuError, GpuModel};
use moe_clinic::model::clinic::ClinicWeights;
use moe_clinic::model::triage::Triage;

fn read(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/models/").to_string() + name).unwrap()
}

#[test]
fn the_whole_model_routes_on_the_gpu_as_on_the_cpu() {
    if gpu_context().is_none() {
        return;
    }
    // Every 40th held-out sentence: 100, both languages, every specialty.
    let (compared, near_ties) = pollster::block_on(check_routes(BackendChoice::Gpu, "gpu", &texts(40)));
    eprintln!("{compared} routings compared exactly, {near_ties} with a near-tie compared in floats only");
}

#[test]
fn one_readback_per_text() {
    let Some(ctx) = gpu_context() else { return };
    let bytes = read("mixtral-8.safetensors");
    let weights = ClinicWeights::from_safetensors(&bytes).unwrap();
    let mut model = pollster::block_on(GpuModel::for_routing(ctx.clone(), &weights)).unwrap();
    let routing = weights.config.routing;
    for ids in [vec![5u32, 17, 300, 42], (0..300).collect(), vec![9]] {
        let before = ctx.readbacks();
        let (trace, probs) = pollster::block_on(model.route(&routing, &ids)).unwrap();
        assert_eq!(ctx.readbacks() - before, 1, "{} tokens", ids.len());
        assert_eq!(trace.tokens, ids.len());
        assert!((probs.unwrap().iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
    // No tokens: nothing runs, nothing is read.
    let before = ctx.readbacks();
    let (trace, probs) = pollster::block_on(model.route(&routing, &[])).unwrap();
    assert_eq!((ctx.readbacks(), trace.tokens, probs), (before, 0, None));
    // A token outside the vocabulary is an error, not a read out of bounds.
    let vocab = weights.config.vocab_size as u32;
    let error = pollster::block_on(model.route(&routing, &[1, vocab])).unwrap_err();
    assert!(error.to_string().contains("outside the model's vocabulary"), "{error}");
}

/// Error scopes dropped unpopped (an early `?` between push and pop, such as a size the
/// adapter refuses) pop in reverse order: wgpu panics otherwise. The device goes on.
#[test]
fn error_scopes_dropped_early_pop_in_order() {
    let Some(ctx) = gpu_context() else { return };
    drop(ErrorScopes::push(&ctx.device));
    pollster::block_on(ErrorScopes::push(&ctx.device).pop()).expect("a clean scope after the dropped one");
}

/// A lost device stays lost: every later call hears of it (a training run on it fails
/// each step with `device-lost`, instead of "succeeding" on a dead device after the first).
#[test]
fn a_lost_device_stays_lost() {
    let Some(ctx) = gpu_context() else { return };
    ctx.destroy_device_for_testing();
    for call in 0..3 {
        let error = ctx.lost_or(GpuError::Readback("a readback failed".into()));
        assert!(matches!(error, GpuError::DeviceLost(_)), "call {call}: {error:?}");
        assert!(matches!(ctx.take_fault(), Some(GpuError::DeviceLost(_))), "call {call}");
    }
}

#[test]
fn a_lost_device_is_recovered_once_then_the_cpu_routes() {
    if gpu_context().is_none() {
        return;
    }
    let bytes = read("switch-4.safetensors");
    let tokenizer = String::from_utf8(read("tokenizer.json")).unwrap();
    let mut triage = pollster::block_on(Triage::new(&bytes, &tokenizer, BackendChoice::Gpu)).unwrap();
    let mut cpu = pollster::block_on(Triage::new(&bytes, &tokenizer, BackendChoice::Cpu)).unwrap();
    let routing = triage.config().routing;
    let text = "my son has a rash and a fever";
    let expected = pollster::block_on(cpu.route(text, &routing)).unwrap();
    triage.destroy_gpu_device_for_testing();
    let recovered = pollster::block_on(triage.route(text, &routing)).expect("recovered on a new device");
    assert_eq!(recovered.layer.backend.kind, "gpu");
    assert_eq!(recovered.layer.expert_index, expected.layer.expert_index);
    triage.destroy_gpu_device_for_testing();
    let fallback = pollster::block_on(triage.route(text, &routing)).expect("the CPU took over");
    assert_eq!(fallback.layer.backend.reason_code, Some("device-lost-twice"));
    assert_eq!(triage.backend().kind, "cpu");
    assert_eq!(fallback.layer.expert_index, expected.layer.expert_index);
    assert_eq!(fallback.diagnosis, expected.diagnosis);
}
