//! Helpers shared by the native test files.
#![allow(dead_code, reason = "each test file uses a different subset")]

pub mod clinic;
pub mod training;

use moe_clinic::moe::parity::{Tolerances, first_divergence};
use moe_clinic::moe::reference::LayerRun;
use moe_clinic::moe::{
    Architecture, Capacity, ExpertKind, LayerWeights, Noise, RouterKind, Routing, Trace, forward_cpu,
};
use moe_clinic::rng::Rng;

/// Set to 1 to let GPU tests pass without an adapter. Unset, a missing adapter fails.
pub const SKIP_GPU_VAR: &str = "MOE_CLINIC_SKIP_GPU";

/// The GPU context, or `None` only when `MOE_CLINIC_SKIP_GPU=1` says to skip.
#[cfg(not(target_arch = "wasm32"))]
pub fn gpu_context() -> Option<std::rc::Rc<moe_clinic::gpu::GpuContext>> {
    use moe_clinic::gpu::GpuContext;
    use std::rc::Rc;
    match pollster::block_on(GpuContext::new()) {
        Ok(ctx) => Some(Rc::new(ctx)),
        Err(e) if std::env::var(SKIP_GPU_VAR).as_deref() == Ok("1") => {
            eprintln!("skipping GPU test ({SKIP_GPU_VAR}=1): {e}");
            None
        }
        Err(e) => panic!(
            "{e}. GPU tests need an adapter (install mesa-vulkan-drivers for lavapipe), or set {SKIP_GPU_VAR}=1 to skip them"
        ),
    }
}

/// Asserts |actual - expected| <= atol + rtol * |expected| element-wise, naming the worst
/// element and where it is.
pub fn assert_close(what: &str, actual: &[f32], expected: &[f32], atol: f32, rtol: f32) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    let mut worst: Option<(usize, f32)> = None;
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let excess = (a - e).abs() - (atol + rtol * e.abs());
        // NaN fails too.
        if (excess > 0.0 || excess.is_nan()) && worst.is_none_or(|(_, w)| excess > w) {
            worst = Some((i, excess));
        }
    }
    if let Some((i, _)) = worst {
        panic!(
            "{what}: element {i} is {} but expected {} (|diff| {:e} > atol {atol:e} + rtol {rtol:e} * |expected|)",
            actual[i],
            expected[i],
            (actual[i] - expected[i]).abs()
        );
    }
}

/// DESIGN.md's margin rule: choices must agree wherever the ranked probabilities that
/// decide them are at least this far apart.
pub const MARGIN: f32 = 1e-5;

/// Tokens whose routing decisions in this (reference) trace are closer than MARGIN: the
/// order of each token's top k + 1 probabilities (all E for dense and expert-choice), and,
/// for expert-choice, the tokens ranked C-th and (C+1)-th by an expert.
/// `selection` is the layer's `selection_multipliers()`: with DeepSeek-V3's bias the
/// token-choice routers rank p * selection, so that is what must clear the margin.
pub fn near_tie_tokens(trace: &Trace, selection: &[f32]) -> Vec<usize> {
    let e = trace.num_experts;
    let ranked = match trace.router {
        RouterKind::Dense | RouterKind::ExpertChoice => e,
        _ => (trace.top_k + 1).min(e),
    };
    let biased = !selection.is_empty() && trace.router.tokens_choose();
    let mut tokens = Vec::new();
    for t in 0..trace.tokens {
        let row = &trace.probs[t * e..(t + 1) * e];
        let mut p: Vec<f32> =
            if biased { row.iter().zip(selection).map(|(p, m)| p * m).collect() } else { row.to_vec() };
        p.sort_by(|a, b| b.total_cmp(a));
        if p[..ranked].windows(2).any(|w| w[0] - w[1] < MARGIN) {
            tokens.push(t);
        }
    }
    if trace.router == RouterKind::ExpertChoice {
        let c = trace.capacity.unwrap_or(0);
        for expert in 0..e {
            let mut column: Vec<(f32, usize)> = (0..trace.tokens).map(|t| (trace.probs[t * e + expert], t)).collect();
            column.sort_by(|a, b| b.0.total_cmp(&a.0));
            if c > 0 && c < column.len() && column[c - 1].0 - column[c].0 < MARGIN {
                tokens.push(column[c].1);
            }
        }
    }
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

/// Compares a GPU trace against the CPU reference's: floats within the stated tolerances,
/// choices, seats, loads and drops exactly (the caller has checked the margin rule).
pub fn assert_traces_match(label: &str, gpu: &Trace, cpu: &Trace, exact_choices: bool) {
    assert_eq!(gpu.tokens, cpu.tokens, "{label}: tokens");
    // Logits are dot products of length d: f32 rounding in a different summation order.
    assert_close(&format!("{label}: logits"), &gpu.logits, &cpu.logits, 1e-5, 1e-5);
    assert_close(&format!("{label}: probs"), &gpu.probs, &cpu.probs, 1e-6, 1e-5);
    if !exact_choices {
        return;
    }
    assert_eq!(gpu.choice_index, cpu.choice_index, "{label}: choice_index");
    assert_eq!(gpu.expert_index, cpu.expert_index, "{label}: expert_index");
    assert_eq!(gpu.expert_load, cpu.expert_load, "{label}: expert_load");
    assert_eq!(gpu.expert_demand, cpu.expert_demand, "{label}: expert_demand");
    assert_eq!(gpu.dropped_slots, cpu.dropped_slots, "{label}: dropped_slots");
    assert_close(&format!("{label}: routing_weights"), &gpu.routing_weights, &cpu.routing_weights, 1e-6, 1e-5);
    // Two chained matmuls of width d_model and d_ff, summed in another order on the GPU.
    assert_close(&format!("{label}: output"), &gpu.output, &cpu.output, 1e-4, 1e-4);
}

/// Compares every stage of a backend's run with the CPU reference's, in data-flow order,
/// and names the first stage and element that differ (see `moe::parity`).
pub fn assert_stages_match(label: &str, actual: &LayerRun, expected: &LayerRun, exact_choices: bool) {
    if let Some(divergence) = first_divergence(actual, expected, &Tolerances::default(), exact_choices) {
        panic!("{label}: {divergence}");
    }
}

/// A random valid configuration for case `case`.
pub fn random_case(case: u64) -> (Architecture, Routing, usize) {
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
pub fn inputs_with_margin(
    weights: &LayerWeights,
    routing: &Routing,
    tokens: usize,
    seed: u64,
) -> (Vec<f32>, Trace, usize) {
    let d = weights.arch.d_model;
    let mut rng = Rng::new(seed);
    let mut x = rng.normals(tokens * d, 1.0);
    for _ in 0..20 {
        let cpu = forward_cpu(weights, routing, &x, tokens).expect("valid case");
        let ties = near_tie_tokens(&cpu, &weights.selection_multipliers());
        if ties.is_empty() {
            return (x, cpu, 0);
        }
        for t in ties {
            x[t * d..(t + 1) * d].copy_from_slice(&rng.normals(d, 1.0));
        }
    }
    let cpu = forward_cpu(weights, routing, &x, tokens).expect("valid case");
    let left = near_tie_tokens(&cpu, &weights.selection_multipliers()).len();
    (x, cpu, left)
}

/// The CPU traces of `random_case(0..FIXTURE_CASES)` computed natively, committed in
/// `tests/fixtures/cpu_traces.json`: what the browser's CPU fallback (wasm32) must
/// reproduce, so that it is checked against something other than itself.
pub const FIXTURE_CASES: u64 = 25;

/// The case's weights, routing, inputs (margin rule cleared) and token count.
pub fn fixture_case(case: u64) -> (LayerWeights, Routing, Vec<f32>, usize) {
    let (arch, routing, tokens) = random_case(case);
    let weights = LayerWeights::random(arch, case, 2.0 / (arch.d_model as f32).sqrt());
    let (x, _, _) = inputs_with_margin(&weights, &routing, tokens, case + 1000);
    (weights, routing, x, tokens)
}

/// What the fixture keeps of a trace: every decision exactly, and per token the largest
/// probability and the sum of the output row (floats, compared within a tolerance).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceSummary {
    pub case: u64,
    pub tokens: usize,
    /// Sum of the inputs: tells a difference in the inputs from one in the layer.
    pub x_sum: f64,
    pub choice_index: Vec<i32>,
    pub expert_index: Vec<i32>,
    pub expert_load: Vec<u32>,
    pub expert_demand: Vec<u32>,
    pub dropped_slots: usize,
    pub max_prob: Vec<f32>,
    pub output_sum: Vec<f32>,
}

impl TraceSummary {
    pub fn of(case: u64, x: &[f32], trace: &Trace) -> Self {
        let e = trace.num_experts;
        let d = trace.d_model;
        TraceSummary {
            case,
            tokens: trace.tokens,
            x_sum: x.iter().map(|&v| v as f64).sum(),
            choice_index: trace.choice_index.clone(),
            expert_index: trace.expert_index.clone(),
            expert_load: trace.expert_load.clone(),
            expert_demand: trace.expert_demand.clone(),
            dropped_slots: trace.dropped_slots,
            max_prob: trace.probs.chunks(e.max(1)).map(|row| row.iter().copied().fold(0.0, f32::max)).collect(),
            output_sum: trace.output.chunks(d).map(|row| row.iter().sum()).collect(),
        }
    }

    /// Decisions exactly; floats within 1e-5 + 1e-4 |x| (libm's exp differs by ulps
    /// between targets, and the sums add d of them).
    pub fn assert_matches(&self, expected: &TraceSummary) {
        let label = format!("case {}", self.case);
        assert!(
            (self.x_sum - expected.x_sum).abs() < 1e-6 * expected.x_sum.abs().max(1.0),
            "{label}: the inputs differ"
        );
        assert_eq!(self.tokens, expected.tokens, "{label}: tokens");
        assert_eq!(self.choice_index, expected.choice_index, "{label}: choice_index");
        assert_eq!(self.expert_index, expected.expert_index, "{label}: expert_index");
        assert_eq!(self.expert_load, expected.expert_load, "{label}: expert_load");
        assert_eq!(self.expert_demand, expected.expert_demand, "{label}: expert_demand");
        assert_eq!(self.dropped_slots, expected.dropped_slots, "{label}: dropped_slots");
        assert_close(&format!("{label}: max_prob"), &self.max_prob, &expected.max_prob, 1e-6, 1e-5);
        assert_close(&format!("{label}: output_sum"), &self.output_sum, &expected.output_sum, 1e-5, 1e-4);
    }
}
