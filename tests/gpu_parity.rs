//! The GPU path against the CPU reference on lavapipe (or any adapter): many random
//! configurations and seeds, every router, capacity on and off, noise, shared experts, odd
//! sizes, T = 0, T = 1 and T beyond one workgroup. Fails without an adapter unless
//! MOE_CLINIC_SKIP_GPU=1.

mod common;

use common::{assert_traces_match, gpu_context, near_tie_tokens};
use moe_clinic::gpu::GpuLayer;
use moe_clinic::moe::{Architecture, Capacity, ExpertKind, LayerWeights, Noise, RouterKind, Routing, Trace, forward_cpu};
use moe_clinic::rng::Rng;

/// A random valid configuration for case `case`.
fn random_case(case: u64) -> (Architecture, Routing, usize) {
    let mut rng = Rng::new(0x00C1_111C + case);
    let num_experts = 1 + rng.below(10);
    let router = RouterKind::ALL[case as usize % RouterKind::ALL.len()];
    let top_k = match router {
        RouterKind::Switch => 1,
        RouterKind::Dense => num_experts,
        _ => 1 + rng.below(num_experts.min(3)),
    };
    let capacity = match (router, rng.below(3)) {
        (RouterKind::Mixtral | RouterKind::Dense, _) => Capacity::Dropless,
        (RouterKind::ExpertChoice, 0) | (_, 1) => Capacity::Factor([0.5, 1.0, 1.25, 2.0][rng.below(4)]),
        (_, 2) => Capacity::Absolute(1 + rng.below(6) as u32),
        _ => Capacity::Dropless,
    };
    let arch = Architecture {
        // Odd widths on purpose: the GPU pads to vec4s.
        d_model: [1, 3, 8, 13, 32, 37][rng.below(6)],
        d_ff: [1, 5, 16, 24, 33][rng.below(5)],
        num_experts,
        expert_kind: ExpertKind::ALL[rng.below(3)],
        router_bias: rng.below(2) == 0,
        shared_experts: [0, 0, 1, 2][rng.below(4)],
    };
    let noise = (rng.below(3) == 0).then(|| Noise { scale: 0.5, seed: rng.next_u64() as u32 });
    // T = 0, T = 1, within one workgroup, and beyond it.
    let tokens = [0, 1, 7, 64, 65, 150][rng.below(6)];
    (arch, Routing { router, top_k, capacity, noise }, tokens)
}

/// Hidden states for which every routing decision clears the margin rule: tokens whose
/// decisions are near-ties are redrawn (a few rounds) so that the comparison can demand
/// identical choices. Returns the inputs and the reference trace.
fn inputs_with_margin(weights: &LayerWeights, routing: &Routing, tokens: usize, seed: u64) -> (Vec<f32>, Trace, usize) {
    let d = weights.arch.d_model;
    let mut rng = Rng::new(seed);
    let mut x = rng.normals(tokens * d, 1.0);
    for _ in 0..20 {
        let cpu = forward_cpu(weights, routing, &x, tokens, "reference").expect("valid case");
        let ties = near_tie_tokens(&cpu);
        if ties.is_empty() {
            return (x, cpu, 0);
        }
        for t in ties {
            x[t * d..(t + 1) * d].copy_from_slice(&rng.normals(d, 1.0));
        }
    }
    let cpu = forward_cpu(weights, routing, &x, tokens, "reference").expect("valid case");
    let left = near_tie_tokens(&cpu).len();
    (x, cpu, left)
}

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
        let mut layer = pollster::block_on(GpuLayer::new(ctx.clone(), &weights)).unwrap_or_else(|e| panic!("{label}: {e}"));
        let gpu = pollster::block_on(layer.forward(&routing, &x, tokens)).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(gpu.backend.kind, "gpu");
        near_ties += usize::from(ties > 0);
        assert_traces_match(&label, &gpu, &cpu, ties == 0);
        seen_routers.insert(routing.router);
    }
    assert_eq!(seen_routers.len(), RouterKind::ALL.len(), "every router was exercised");
    assert!(near_ties * 10 <= cases as usize, "{near_ties} of {cases} cases had near-ties: the test compares too little");
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
        let gpu = pollster::block_on(layer.forward(&routing, &x, tokens)).unwrap();
        assert_traces_match(&format!("step {i}: {routing:?} T={tokens}"), &gpu, &cpu, ties == 0);
        assert_eq!(ties, 0, "step {i} should have clear margins");
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
    assert!(cpu.dropped_slots > 0, "capacity factor 1 with random routing drops some tokens");
    assert_traces_match("T=1024 E=16 k=2", &gpu, &cpu, ties == 0);
    assert_eq!(ties, 0);
}
