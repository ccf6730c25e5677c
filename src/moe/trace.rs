//! The trace every forward returns: what the router decided, what the dispatch did, what
//! it cost. Both backends produce the same [`RoutingOutputs`]; this file alone turns them
//! into a [`Trace`] and computes the metrics of DESIGN.md ("Metrics").

use super::config::{Architecture, RouterKind, Routing};
use super::error::{MoeError, Result};
use super::reference::{Dims, LayerRun};
use serde::Serialize;

/// The arrays a backend computes and hands back (on the GPU: the one readback).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoutingOutputs {
    /// `[T, E]` router logits before noise.
    pub logits: Vec<f32>,
    /// `[T, E]` softmax of the (noisy) logits.
    pub probs: Vec<f32>,
    /// `[T, S + shared]` expert of each assignment, -1 for an empty slot.
    pub assign_expert: Vec<i32>,
    /// `[T, S + shared]` gate of each assignment.
    pub assign_gate: Vec<f32>,
    /// `[T, S + shared]` row of each assignment in expert order, -1 if dropped or empty.
    pub slot_row: Vec<i32>,
    /// `[E + shared]` assignments per expert before capacity.
    pub demand: Vec<u32>,
    /// `[E + shared]` assignments seated.
    pub seated: Vec<u32>,
    /// `[T, d_model]` the layer's output (no residual).
    pub output: Vec<f32>,
}

impl From<LayerRun> for RoutingOutputs {
    fn from(run: LayerRun) -> Self {
        RoutingOutputs {
            logits: run.logits,
            probs: run.probs,
            assign_expert: run.assign_expert,
            assign_gate: run.assign_gate,
            slot_row: run.slot_row,
            demand: run.demand,
            seated: run.seated,
            output: run.output,
        }
    }
}

/// The adapter a GPU trace ran on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub vendor: String,
    pub architecture: String,
    /// wgpu's backend: "Vulkan", "BrowserWebGpu", ...
    pub backend: String,
    pub device_type: String,
}

impl AdapterSummary {
    /// A software rasterizer (Mesa's lavapipe/llvmpipe, SwiftShader): a GPU API on the CPU.
    /// wgpu says `Cpu` natively; in a browser the adapter info names SwiftShader instead.
    pub fn is_software(&self) -> bool {
        let words = [&self.name, &self.architecture, &self.vendor].map(|s| s.to_ascii_lowercase());
        self.device_type == "Cpu"
            || words.iter().any(|w| w.contains("swiftshader") || w.contains("llvmpipe") || w.contains("lavapipe"))
    }
}

/// Which path computed a trace, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BackendInfo {
    /// "gpu" or "cpu".
    pub kind: &'static str,
    pub adapter: Option<AdapterSummary>,
    /// Why the CPU path ran, when it did, for people.
    pub reason: Option<String>,
    /// The same as a stable code for programs: "requested", "no-adapter",
    /// "request-device", "gpu-limit", "device-lost-twice" or "device-unrecoverable".
    pub reason_code: Option<&'static str>,
}

impl BackendInfo {
    pub fn gpu(adapter: AdapterSummary) -> Self {
        BackendInfo { kind: "gpu", adapter: Some(adapter), reason: None, reason_code: None }
    }

    pub fn cpu(code: &'static str, reason: impl Into<String>) -> Self {
        BackendInfo { kind: "cpu", adapter: None, reason: Some(reason.into()), reason_code: Some(code) }
    }

    /// The CPU path because the caller asked for it.
    pub fn cpu_requested() -> Self {
        BackendInfo::cpu("requested", "the CPU path was requested")
    }
}

/// GPU time of one stage, from timestamp queries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageTime {
    pub stage: &'static str,
    pub ms: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Wall time of the whole forward, upload and readback included.
    pub wall_ms: f64,
    /// Per-stage GPU time; `None` on the CPU or where the adapter has no timestamps.
    pub gpu_stages: Option<Vec<StageTime>>,
    /// Why `gpu_stages` is missing.
    pub gpu_stages_missing: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// E * sum_i f_i * P_i (Switch Transformers); 1 under uniform routing. `None` for
    /// expert-choice and dense, which have no per-token choice to balance, and for T = 0.
    pub aux_loss: Option<f64>,
    /// Mean over tokens of logsumexp(clean logits)^2 (ST-MoE).
    pub z_loss: Option<f64>,
    /// Mean per-token entropy of p, in nats.
    pub entropy: Option<f64>,
    pub params_total: u64,
    /// Router plus the experts one token visits (k routed + shared).
    pub params_active_per_token: u64,
    /// FLOPs (2 per multiply-add) per token, router included, for k routed + shared experts.
    pub flops_active_per_token: u64,
    /// The same if every expert ran on every token.
    pub flops_dense_per_token: u64,
    /// Expert rows actually computed per token (seated routed slots / T, plus shared):
    /// below k when tokens are dropped.
    pub experts_run_per_token: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trace {
    pub tokens: usize,
    pub d_model: usize,
    pub num_experts: usize,
    pub shared_experts: usize,
    /// S: columns of `expert_index`, `choice_index` and `routing_weights`.
    pub slots: usize,
    pub router: RouterKind,
    pub top_k: usize,
    /// Tokens per expert (C for expert-choice); `None` when dropless.
    pub capacity: Option<usize>,
    pub logits: Vec<f32>,
    pub probs: Vec<f32>,
    /// `[T, S]` the router's choices before capacity, by gate descending; -1 pads.
    pub choice_index: Vec<i32>,
    /// `[T, S]` the experts that served each token; -1 where dropped or padding.
    pub expert_index: Vec<i32>,
    /// `[T, S]` gates; a dropped slot keeps its gate, padding is 0.
    pub routing_weights: Vec<f32>,
    /// Slots the router chose but capacity refused.
    pub dropped_slots: usize,
    /// Tokens that no routed expert served (dropped, or not picked under expert-choice).
    pub unserved_tokens: usize,
    /// `[E]` tokens seated per routed expert.
    pub expert_load: Vec<u32>,
    /// `[E]` assignments per routed expert before capacity.
    pub expert_demand: Vec<u32>,
    pub metrics: Metrics,
    /// `[T, d_model]` the layer's output (no residual).
    pub output: Vec<f32>,
    pub backend: BackendInfo,
    pub timings: Timings,
}

impl Trace {
    /// Builds the trace and its metrics from a backend's outputs.
    pub fn assemble(
        arch: &Architecture,
        routing: &Routing,
        tokens: usize,
        out: RoutingOutputs,
        backend: BackendInfo,
        timings: Timings,
    ) -> Result<Trace> {
        let dims = Dims::new(arch, routing, tokens);
        let (e, s, total_slots) = (dims.experts, dims.slots, dims.total_slots);
        // A non-finite value inside a forward is an error, never an output: its choices,
        // loads and diagnosis would be computed from NaN.
        for (what, values, width, why) in [
            ("router logit", &out.logits, e, "the hidden states are too large for this router"),
            ("router probability", &out.probs, e, "the noise or the logits are too large"),
            ("output", &out.output, arch.d_model, "the hidden states are too large for these experts"),
        ] {
            if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
                return Err(MoeError::Input(format!(
                    "the {what} of token {} is {}: {why}",
                    bad / width.max(1),
                    values[bad]
                )));
            }
        }
        let mut choice_index = Vec::with_capacity(tokens * s);
        let mut expert_index = Vec::with_capacity(tokens * s);
        let mut routing_weights = Vec::with_capacity(tokens * s);
        let mut dropped_slots = 0;
        let mut unserved_tokens = 0;
        for t in 0..tokens {
            let mut served = false;
            for slot in 0..s {
                let a = t * total_slots + slot;
                let chosen = out.assign_expert[a];
                let seated = out.slot_row[a] >= 0;
                choice_index.push(chosen);
                expert_index.push(if seated { chosen } else { -1 });
                routing_weights.push(out.assign_gate[a]);
                dropped_slots += usize::from(chosen >= 0 && !seated);
                served |= seated;
            }
            unserved_tokens += usize::from(!served);
        }
        let metrics = metrics(arch, routing, &dims, &out);
        Ok(Trace {
            tokens,
            d_model: arch.d_model,
            num_experts: e,
            shared_experts: arch.shared_experts,
            slots: s,
            router: routing.router,
            top_k: routing.top_k,
            capacity: routing.expert_capacity(arch, tokens),
            choice_index,
            expert_index,
            routing_weights,
            dropped_slots,
            unserved_tokens,
            expert_load: out.seated[..e].to_vec(),
            expert_demand: out.demand[..e].to_vec(),
            metrics,
            logits: out.logits,
            probs: out.probs,
            output: out.output,
            backend,
            timings,
        })
    }

    /// Rows of a `[T, S]` array for token `t`.
    pub fn slots_of<'a, T>(&self, array: &'a [T], t: usize) -> &'a [T] {
        &array[t * self.slots..(t + 1) * self.slots]
    }
}

fn metrics(arch: &Architecture, routing: &Routing, dims: &Dims, out: &RoutingOutputs) -> Metrics {
    let (t_count, e) = (dims.tokens, dims.experts);
    let expert_params = arch.params_per_expert();
    let k = routing.nominal_experts_per_token(arch) as u64;
    let shared = arch.shared_experts as u64;
    // Each multiply-add is 2 FLOPs and every parameter is used once per token.
    let flops = |experts: u64| 2 * (arch.router_params() + experts * expert_params);
    let mut m = Metrics {
        aux_loss: None,
        z_loss: None,
        entropy: None,
        params_total: arch.router_params() + arch.total_experts() as u64 * expert_params,
        params_active_per_token: arch.router_params() + (k + shared) * expert_params,
        flops_active_per_token: flops(k + shared),
        flops_dense_per_token: flops(arch.total_experts() as u64),
        experts_run_per_token: None,
    };
    if t_count == 0 {
        return m;
    }
    let mut z = 0.0f64;
    let mut entropy = 0.0f64;
    let mut mean_p = vec![0.0f64; e];
    for t in 0..t_count {
        let row = &out.logits[t * e..(t + 1) * e];
        let max = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)) as f64;
        let lse = max + row.iter().map(|&l| (l as f64 - max).exp()).sum::<f64>().ln();
        z += lse * lse;
        for (i, &p) in out.probs[t * e..(t + 1) * e].iter().enumerate() {
            mean_p[i] += p as f64;
            if p > 0.0 {
                entropy -= p as f64 * (p as f64).ln();
            }
        }
    }
    let n = t_count as f64;
    m.z_loss = Some(z / n);
    m.entropy = Some(entropy / n);
    if routing.router.has_balance_loss() {
        let assignments = n * routing.top_k as f64;
        let aux: f64 = (0..e).map(|i| (out.demand[i] as f64 / assignments) * (mean_p[i] / n)).sum();
        m.aux_loss = Some(e as f64 * aux);
    }
    let seated_routed: u64 = out.seated[..e].iter().map(|&s| s as u64).sum();
    m.experts_run_per_token = Some(seated_routed as f64 / n + shared as f64);
    m
}

#[cfg(test)]
mod tests {
    use super::AdapterSummary;

    fn adapter(name: &str, vendor: &str, architecture: &str, device_type: &str) -> AdapterSummary {
        let s = String::from;
        AdapterSummary {
            name: s(name),
            vendor: s(vendor),
            architecture: s(architecture),
            backend: s("Vulkan"),
            device_type: s(device_type),
        }
    }

    #[test]
    fn software_adapters_are_recognised_and_real_gpus_are_not() {
        assert!(adapter("llvmpipe (LLVM 19.1.7, 256 bits)", "mesa", "", "Cpu").is_software());
        // Chromium's WebGPU: wgpu cannot see the type, the adapter info names SwiftShader.
        assert!(adapter("", "google", "swiftshader", "Other").is_software());
        assert!(!adapter("NVIDIA H200", "nvidia", "hopper", "DiscreteGpu").is_software());
        assert!(!adapter("", "apple", "metal-3", "Other").is_software());
    }
}
