//! The GPU path against the CPU reference on lavapipe (or any adapter): many random
//! configurations and seeds, every router, capacity on and off, noise, shared experts, odd
//! sizes, T = 0, T = 1 and T beyond one workgroup. Fails without an adapter unless
//! MOE_CLINIC_SKIP_GPU=1.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{assert_stages_match, assert_traces_match, gpu_context, inputs_with_margin, random_case};
use moe_clinic::gpu::GpuLayer;
use moe_clinic::moe::reference;
use moe_clinic::moe::{Architecture, Capacity, ExpertKind, LayerWeights, RouterKind, Routing};

#[test]
fn gpu_matches_cpu_over_random_configurations() {
    let Some(ctx) = gpu_context() else { return };
    let cases = 60;
    let mut near_ties = 0;
    let mut seen_routers = std::collections::HashSet::new();
    for case in 0..cases {
        let (arch, routing, tokens) = random_case(case);
        let label = format!("case {case}: {arch:?} {routing:?} T={tokens}");
        // Logits of standard deviation ~2: decisive routing without saturated softmaxes,
        // whose many near-zero probabilities would all be near-ties.
        let weights = LayerWeights::random(arch, case, 2.0 / (arch.d_model as f32).sqrt());
        let (x, cpu, ties) = inputs_with_margin(&weights, &routing, tokens, case + 1000);
        let mut layer =
            pollster::block_on(GpuLayer::new(ctx.clone(), &weights)).unwrap_or_else(|e| panic!("{label}: {e}"));
        // Every intermediate buffer first, so that a failure names its stage.
        let stages =
            pollster::block_on(layer.forward_stages(&routing, &x, tokens)).unwrap_or_else(|e| panic!("{label}: {e}"));
        let reference = reference::forward(&weights, &routing, &x, tokens).unwrap();
        assert_stages_match(&label, &stages, &reference, ties == 0);
        let gpu = pollster::block_on(layer.forward(&routing, &x, tokens)).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(gpu.backend.kind, "gpu");
        near_ties += usize::from(ties > 0);
        assert_traces_match(&label, &gpu, &cpu, ties == 0);
        seen_routers.insert(routing.router);
    }
    assert_eq!(seen_routers.len(), RouterKind::ALL.len(), "every router was exercised");
    assert!(
        near_ties * 10 <= cases as usize,
        "{near_ties} of {cases} cases had near-ties: the test compares too little"
    );
    eprintln!("{cases} configurations matched ({near_ties} with near-ties compared on floats only)");
}

/// One layer reused across forwards of growing and shrinking T and every router: buffers
/// grow, are reused, and no stale value from an earlier forward leaks into a later one.
#[test]
fn one_layer_reused_across_routers_and_sizes() {
    let Some(ctx) = gpu_context() else { return };
    let arch = Architecture {
        d_model: 24,
        d_ff: 40,
        num_experts: 6,
        expert_kind: ExpertKind::Swiglu,
        router_bias: false,
        shared_experts: 1,
    };
    let weights = LayerWeights::random(arch, 77, 2.0 / (24f32).sqrt());
    let mut layer = pollster::block_on(GpuLayer::new(ctx, &weights)).unwrap();
    let plan = [
        (RouterKind::Dense, 6, Capacity::Dropless, 300),
        (RouterKind::Mixtral, 2, Capacity::Dropless, 5),
        (RouterKind::ExpertChoice, 2, Capacity::Factor(1.0), 130),
        (RouterKind::Switch, 1, Capacity::Absolute(3), 40),
        (RouterKind::TokenChoice, 3, Capacity::Factor(0.75), 0),
        (RouterKind::TokenChoice, 3, Capacity::Factor(0.75), 500),
        (RouterKind::Mixtral, 1, Capacity::Dropless, 1),
    ];
    for (i, (router, top_k, capacity, tokens)) in plan.into_iter().enumerate() {
        let routing = Routing { router, top_k, capacity, noise: None };
        let (x, cpu, ties) = inputs_with_margin(&weights, &routing, tokens, 500 + i as u64);
        let label = format!("step {i}: {routing:?} T={tokens}");
        // Stages read back between ordinary forwards: reuse must not leak either way.
        let stages = pollster::block_on(layer.forward_stages(&routing, &x, tokens)).unwrap();
        assert_stages_match(&label, &stages, &reference::forward(&weights, &routing, &x, tokens).unwrap(), ties == 0);
        let gpu = pollster::block_on(layer.forward(&routing, &x, tokens)).unwrap();
        assert_traces_match(&label, &gpu, &cpu, ties == 0);
        assert_eq!(ties, 0, "step {i} should have clear margins");
    }
}

/// DeepSeek-V3's balancing bias reorders the token-choice routers' choices, not their
/// gates: the GPU agrees stage by stage, and the bias really changes the routing.
#[test]
fn selection_bias_matches_cpu() {
    let Some(ctx) = gpu_context() else { return };
    let arch = Architecture {
        d_model: 12,
        d_ff: 20,
        num_experts: 6,
        expert_kind: ExpertKind::Swiglu,
        router_bias: false,
        shared_experts: 1,
    };
    let mut weights = LayerWeights::random(arch, 21, 2.0 / (12f32).sqrt());
    let plain = weights.clone();
    weights.selection_bias = vec![1.5, -0.7, 0.0, 0.3, -2.0, 0.9];
    let mut layer = pollster::block_on(GpuLayer::new(ctx, &weights)).unwrap();
    for (router, top_k, capacity) in [
        (RouterKind::Mixtral, 2, Capacity::Dropless),
        (RouterKind::Switch, 1, Capacity::Factor(1.0)),
        (RouterKind::TokenChoice, 2, Capacity::Absolute(5)),
    ] {
        let routing = Routing { router, top_k, capacity, noise: None };
        let (x, cpu, ties) = inputs_with_margin(&weights, &routing, 40, 77);
        assert_eq!(ties, 0);
        let label = format!("{routing:?} with a selection bias");
        let stages = pollster::block_on(layer.forward_stages(&routing, &x, 40)).unwrap();
        assert_stages_match(&label, &stages, &reference::forward(&weights, &routing, &x, 40).unwrap(), true);
        let gpu = pollster::block_on(layer.forward(&routing, &x, 40)).unwrap();
        assert_traces_match(&label, &gpu, &cpu, true);
        let unbiased = reference::forward(&plain, &routing, &x, 40).unwrap();
        assert_ne!(unbiased.assign_expert, stages.assign_expert, "{label}: the bias changes some choices");
        // Gates stay p (renormalised over the chosen experts where the router does).
        let run = reference::forward(&weights, &routing, &x, 40).unwrap();
        let (e, ts) = (6, run.dims.total_slots);
        for t in 0..40 {
            let chosen: Vec<usize> = (0..top_k).map(|s| run.assign_expert[t * ts + s] as usize).collect();
            let sum: f32 = chosen.iter().map(|&c| run.probs[t * e + c]).sum();
            for (s, &c) in chosen.iter().enumerate() {
                let p = run.probs[t * e + c];
                let want = if router.renormalises() { p / sum } else { p };
                assert!((run.assign_gate[t * ts + s] - want).abs() < 1e-6, "{label}: gate of token {t}");
            }
        }
    }
}

/// A mid-size layer like the benchmark's, once, so that grids span many workgroups.
#[test]
fn large_layer_matches_cpu() {
    let Some(ctx) = gpu_context() else { return };
    let arch = Architecture {
        d_model: 64,
        d_ff: 128,
        num_experts: 16,
        expert_kind: ExpertKind::Relu,
        router_bias: false,
        shared_experts: 0,
    };
    let weights = LayerWeights::random(arch, 9, 2.0 / 8.0);
    let routing = Routing { router: RouterKind::TokenChoice, top_k: 2, capacity: Capacity::Factor(1.0), noise: None };
    let tokens = 1024;
    let (x, cpu, ties) = inputs_with_margin(&weights, &routing, tokens, 99);
    let mut layer = pollster::block_on(GpuLayer::new(ctx, &weights)).unwrap();
    let gpu = pollster::block_on(layer.forward(&routing, &x, tokens)).unwrap();
    let stages = pollster::block_on(layer.forward_stages(&routing, &x, tokens)).unwrap();
    assert_stages_match("T=1024 E=16 k=2", &stages, &reference::forward(&weights, &routing, &x, tokens).unwrap(), true);
    assert!(cpu.dropped_slots > 0, "capacity factor 1 with random routing drops some tokens");
    assert_traces_match("T=1024 E=16 k=2", &gpu, &cpu, ties == 0);
    assert_eq!(ties, 0);
}

/// A forward whose buffers would exceed the adapter's limits is an error that names the
/// limit, raised before anything is allocated; the layer stays usable.
#[test]
fn sizes_beyond_the_adapter_limits_are_named_errors() {
    let Some(ctx) = gpu_context() else { return };
    let limit = ctx.limits.max_storage_buffer_binding_size.min(ctx.limits.max_buffer_size);
    let arch = Architecture {
        d_model: 4,
        d_ff: 4096,
        num_experts: 1,
        expert_kind: ExpertKind::Relu,
        router_bias: false,
        shared_experts: 0,
    };
    let weights = LayerWeights::random(arch, 1, 1.0);
    let mut layer = pollster::block_on(GpuLayer::new(ctx, &weights)).unwrap();
    let routing = Routing { router: RouterKind::Mixtral, top_k: 1, capacity: Capacity::Dropless, noise: None };
    // Each routed row holds d_ff floats of hidden activations.
    let tokens = (limit / (4096 * 4)) as usize + 1;
    let x = vec![0.25; tokens * 4];
    let err = pollster::block_on(layer.forward(&routing, &x, tokens)).expect_err("too large for this adapter");
    let message = err.to_string();
    assert!(message.contains("max_storage_buffer_binding_size") || message.contains("max_buffer_size"), "{message}");
    assert!(message.contains("hidden activations"), "{message}");
    let ok = pollster::block_on(layer.forward(&routing, &x[..8], 2)).expect("still usable");
    assert_eq!(ok.tokens, 2);
}

/// A lost device is recovered once with a new one; a second loss falls back to the CPU,
/// and the trace says why. Losses come from the real path: the device is destroyed.
#[test]
fn device_loss_recovers_once_then_falls_back_to_the_cpu() {
    use moe_clinic::engine::{BackendChoice, Engine};
    if gpu_context().is_none() {
        return;
    }
    let arch = Architecture {
        d_model: 8,
        d_ff: 8,
        num_experts: 4,
        expert_kind: ExpertKind::Gelu,
        router_bias: false,
        shared_experts: 0,
    };
    let weights = LayerWeights::random(arch, 3, 0.7);
    let routing = Routing { router: RouterKind::Mixtral, top_k: 2, capacity: Capacity::Dropless, noise: None };
    let (x, cpu, _) = inputs_with_margin(&weights, &routing, 9, 4);
    let mut engine = pollster::block_on(Engine::new(weights, BackendChoice::Gpu)).unwrap();
    let first = pollster::block_on(engine.forward(&routing, &x, 9)).unwrap();
    assert_eq!(first.backend.kind, "gpu");
    engine.destroy_gpu_device_for_testing();
    let recovered = pollster::block_on(engine.forward(&routing, &x, 9)).expect("recovered on a new device");
    assert_eq!(recovered.backend.kind, "gpu");
    assert_traces_match("after recovery", &recovered, &cpu, true);
    engine.destroy_gpu_device_for_testing();
    let fallback = pollster::block_on(engine.forward(&routing, &x, 9)).expect("fell back to the CPU");
    assert_eq!(fallback.backend.kind, "cpu");
    assert!(fallback.backend.reason.as_deref().unwrap_or("").contains("lost twice"), "{:?}", fallback.backend);
    assert_eq!(fallback.expert_index, cpu.expert_index);
}
