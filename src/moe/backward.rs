//! Gradients of the MoE layer, one function per forward stage of `reference.rs`, in reverse
//! order, written loop for loop like their forward twins so that each can later become a
//! WGSL kernel of its own (training in the browser).
//!
//! ```text
//! dy --combine_backward--> d_expert_out, d_gate
//!    --expert_down_backward--> d_hidden, dW2 --expert_up_backward--> dW1, dW3, dx (experts)
//! d_gate --router_select_backward--> dp (+ aux loss) --router_softmax_backward--> d_logits
//!    (+ z-loss) --router_logits_backward--> d_router, d_bias, dx (router)
//! ```
//! The routing decisions themselves (top-k, capacity, expert choice) are piecewise
//! constant: gradients flow through the gates, as in every MoE paper.

use super::config::{ExpertKind, RouterKind, Routing};
use super::reference::{Dims, LayerRun, Rows, logsumexp};
use super::weights::LayerWeights;

/// Gradients for every tensor of [`LayerWeights`], same layouts.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerGrads {
    pub router: Vec<f32>,
    pub router_bias: Vec<f32>,
    pub w1: Vec<f32>,
    pub w3: Vec<f32>,
    pub w2: Vec<f32>,
}

impl LayerGrads {
    pub fn zeros(weights: &LayerWeights) -> Self {
        LayerGrads {
            router: vec![0.0; weights.router.len()],
            router_bias: vec![0.0; weights.router_bias.len()],
            w1: vec![0.0; weights.w1.len()],
            w3: vec![0.0; weights.w3.len()],
            w2: vec![0.0; weights.w2.len()],
        }
    }
}

/// The load-balancing loss's pull on one forward's probabilities: dp[t,i] += scale * f_i.
///
/// The loss is E * sum_i f_i * P_i over a batch of B sentences and N tokens (Switch
/// Transformers), with f_i the batch's share of assignments to expert i (piecewise
/// constant) and P_i its mean probability. The trainer sums the B sentences' losses and
/// divides by B, so the balance term is counted B times:
/// dL/dp[t,i] = coefficient * E * f_i * B / N for every token of the batch.
/// Balancing over the batch rather than each sentence lets a sentence's patients share
/// a doctor, as long as the clinic as a whole stays balanced.
#[derive(Clone, Debug, PartialEq)]
pub struct BalancePull {
    pub fractions: Vec<f32>,
    pub scale: f32,
    /// The batch's loss value, E * sum_i f_i P_i (before the coefficient).
    pub loss: f32,
}

impl BalancePull {
    /// The pull for a batch of forwards with `routing`; `None` for routers without
    /// per-token choices (expert-choice, dense) or an empty batch.
    pub fn of_batch<'a>(
        runs: impl IntoIterator<Item = &'a LayerRun> + Clone,
        routing: &Routing,
        coefficient: f32,
    ) -> Option<Self> {
        if !routing.router.has_balance_loss() {
            return None;
        }
        let experts = runs.clone().into_iter().next()?.dims.experts;
        let mut demand = vec![0u64; experts];
        let mut mean_p = vec![0.0f64; experts];
        let mut tokens = 0usize;
        let mut sentences = 0usize;
        for run in runs {
            tokens += run.dims.tokens;
            sentences += 1;
            for i in 0..experts {
                demand[i] += run.demand[i] as u64;
                mean_p[i] += (0..run.dims.tokens).map(|t| run.probs[t * experts + i] as f64).sum::<f64>();
            }
        }
        if tokens == 0 {
            return None;
        }
        let assignments = (tokens * routing.top_k) as f32;
        let fractions: Vec<f32> = demand.iter().map(|&d| d as f32 / assignments).collect();
        let loss =
            experts as f32 * fractions.iter().zip(&mean_p).map(|(f, p)| f * (*p / tokens as f64) as f32).sum::<f32>();
        Some(BalancePull { fractions, scale: coefficient * experts as f32 * sentences as f32 / tokens as f32, loss })
    }
}

/// The router z-loss of one forward: mean over tokens of logsumexp(clean logits)^2.
pub fn z_loss(run: &LayerRun) -> f32 {
    let Dims { tokens, experts, .. } = run.dims;
    if tokens == 0 {
        return 0.0;
    }
    let mut z = 0.0f32;
    for t in 0..tokens {
        let lse = logsumexp(&run.logits[t * experts..(t + 1) * experts]);
        z += lse * lse;
    }
    z / tokens as f32
}

/// Back-propagates `dy` (`[T, d_model]`, the gradient of the loss with respect to the
/// layer's output), the balance pull and the z-loss (weight `z_loss`) through the layer.
/// Accumulates weight gradients into `grads` and returns the gradient with respect to `x`.
#[allow(clippy::too_many_arguments, reason = "the layer's inputs, its forward and the three loss terms")]
pub fn backward(
    weights: &LayerWeights,
    routing: &Routing,
    x: &[f32],
    run: &LayerRun,
    dy: &[f32],
    balance: Option<&BalancePull>,
    z_loss: f32,
    grads: &mut LayerGrads,
) -> Vec<f32> {
    let dims = &run.dims;
    let rows = Rows { offsets: &run.offsets, seated: &run.seated, block_expert: &run.block_expert };
    let mut dx = vec![0.0f32; x.len()];
    let (d_out, d_gate) = combine_backward(dims, &run.slot_row, &run.assign_gate, &run.expert_out, dy);
    let d_hidden = expert_down_backward(dims, &run.hidden, &rows, &weights.w2, &d_out, &mut grads.w2);
    expert_up_backward(
        dims,
        weights.arch.expert_kind,
        x,
        &run.row_token,
        &rows,
        (&weights.w1, &weights.w3),
        &d_hidden,
        (&mut grads.w1, &mut grads.w3),
        &mut dx,
    );
    let mut d_probs =
        router_select_backward(dims, routing.router, &run.probs, &run.assign_expert, &run.assign_gate, &d_gate);
    if let Some(pull) = balance {
        balance_loss_backward(dims, pull, &mut d_probs);
    }
    let mut d_logits = router_softmax_backward(dims, &run.probs, &d_probs);
    if z_loss != 0.0 {
        z_loss_backward(dims, &run.logits, z_loss, &mut d_logits);
    }
    router_logits_backward(dims, x, &weights.router, &d_logits, grads, &mut dx);
    dx
}

/// Twin of `combine`: y[t] = sum_s gate[t,s] * out[row(t,s)]. Returns
/// `(d_expert_out, d_gate)`; dropped and empty slots get no gradient.
pub fn combine_backward(
    dims: &Dims,
    slot_row: &[i32],
    assign_gate: &[f32],
    expert_out: &[f32],
    dy: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    let d = dims.d_model;
    let mut d_out = vec![0.0f32; expert_out.len()];
    let mut d_gate = vec![0.0f32; assign_gate.len()];
    for t in 0..dims.tokens {
        for slot in 0..dims.total_slots {
            let a = t * dims.total_slots + slot;
            let row = slot_row[a];
            if row < 0 {
                continue;
            }
            let row = row as usize;
            let mut dg = 0.0f32;
            for c in 0..d {
                d_out[row * d + c] += assign_gate[a] * dy[t * d + c];
                dg += dy[t * d + c] * expert_out[row * d + c];
            }
            d_gate[a] = dg;
        }
    }
    (d_out, d_gate)
}

/// Twin of `expert_down`: out[row] = W2[e] hidden[row]. Accumulates dW2, returns d_hidden.
pub fn expert_down_backward(
    dims: &Dims,
    hidden: &[f32],
    rows: &Rows,
    w2: &[f32],
    d_out: &[f32],
    d_w2: &mut [f32],
) -> Vec<f32> {
    let (d, ff) = (dims.d_model, dims.d_ff);
    let mut d_hidden = vec![0.0f32; hidden.len()];
    for row in 0..rows.count() {
        let Some(e) = rows.expert(row) else { continue };
        for c in 0..d {
            let g = d_out[row * d + c];
            let w = (e * d + c) * ff;
            for f in 0..ff {
                d_w2[w + f] += g * hidden[row * ff + f];
                d_hidden[row * ff + f] += g * w2[w + f];
            }
        }
    }
    d_hidden
}

/// Twin of `expert_up`: hidden = act(W1 x) (* W3 x for SwiGLU). Recomputes the
/// pre-activations, accumulates dW1 (and dW3) and adds the experts' part of dx.
#[allow(clippy::too_many_arguments, reason = "mirrors expert_up's bindings one for one")]
pub fn expert_up_backward(
    dims: &Dims,
    kind: ExpertKind,
    x: &[f32],
    row_token: &[u32],
    rows: &Rows,
    (w1, w3): (&[f32], &[f32]),
    d_hidden: &[f32],
    (d_w1, d_w3): (&mut [f32], &mut [f32]),
    dx: &mut [f32],
) {
    let (d, ff) = (dims.d_model, dims.d_ff);
    for row in 0..rows.count() {
        let Some(e) = rows.expert(row) else { continue };
        let token = row_token[row] as usize;
        let xr = &x[token * d..(token + 1) * d];
        for f in 0..ff {
            let w = (e * ff + f) * d;
            let a: f32 = xr.iter().zip(&w1[w..w + d]).map(|(p, q)| p * q).sum();
            let linear: f32 =
                if kind == ExpertKind::Swiglu { xr.iter().zip(&w3[w..w + d]).map(|(p, q)| p * q).sum() } else { 1.0 };
            let (da, dlinear) = activate_backward(kind, a, linear, d_hidden[row * ff + f]);
            for i in 0..d {
                d_w1[w + i] += da * xr[i];
                dx[token * d + i] += da * w1[w + i];
            }
            if kind == ExpertKind::Swiglu {
                for i in 0..d {
                    d_w3[w + i] += dlinear * xr[i];
                    dx[token * d + i] += dlinear * w3[w + i];
                }
            }
        }
    }
}

/// Twin of `activate`: the gradients with respect to the pre-activation `a` and (SwiGLU)
/// the linear branch, given the gradient `g` of the activation's output.
pub fn activate_backward(kind: ExpertKind, a: f32, linear: f32, g: f32) -> (f32, f32) {
    match kind {
        ExpertKind::Relu => (if a > 0.0 { g } else { 0.0 }, 0.0),
        ExpertKind::Swiglu => {
            let s = 1.0 / (1.0 + (-a).exp());
            let silu = a * s;
            (g * linear * (s + a * s * (1.0 - s)), g * silu)
        }
        ExpertKind::Gelu => {
            const SQRT_2_OVER_PI: f32 = 0.797_884_6;
            let inner = SQRT_2_OVER_PI * (a + 0.044715 * a * a * a);
            // The forward clamps the tanh argument; beyond the clamp its slope is 0.
            let (tanh, slope) = if inner.abs() >= 10.0 {
                (inner.signum(), 0.0)
            } else {
                let th = inner.tanh();
                (th, (1.0 - th * th) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * a * a))
            };
            (g * (0.5 * (1.0 + tanh) + 0.5 * a * slope), 0.0)
        }
    }
}

/// Twin of `router_select`: gates are p (switch, expert-choice, dense) or p renormalised
/// over the chosen experts (mixtral, token-choice: g_s = p_s / S with S the chosen p's sum,
/// so dp_r = (dg_r - sum_s dg_s g_s) / S). Shared slots have constant gates. Returns dp.
pub fn router_select_backward(
    dims: &Dims,
    router: RouterKind,
    probs: &[f32],
    assign_expert: &[i32],
    assign_gate: &[f32],
    d_gate: &[f32],
) -> Vec<f32> {
    let experts = dims.experts;
    let mut d_probs = vec![0.0f32; dims.tokens * experts];
    for t in 0..dims.tokens {
        let base = t * dims.total_slots;
        let chosen: Vec<usize> = (0..dims.slots).filter(|&s| assign_expert[base + s] >= 0).collect();
        let expert = |s: usize| assign_expert[base + s] as usize;
        if router.renormalises() {
            let sum: f32 = chosen.iter().map(|&s| probs[t * experts + expert(s)]).sum();
            let sum_dg_g: f32 = chosen.iter().map(|&s| d_gate[base + s] * assign_gate[base + s]).sum();
            for &s in &chosen {
                d_probs[t * experts + expert(s)] += (d_gate[base + s] - sum_dg_g) / sum;
            }
        } else {
            for &s in &chosen {
                d_probs[t * experts + expert(s)] += d_gate[base + s];
            }
        }
    }
    d_probs
}

/// The balance loss's gradient for one forward of the batch: dp[t,i] += scale * f_i.
pub fn balance_loss_backward(dims: &Dims, pull: &BalancePull, d_probs: &mut [f32]) {
    let experts = dims.experts;
    for t in 0..dims.tokens {
        for i in 0..experts {
            d_probs[t * experts + i] += pull.scale * pull.fractions[i];
        }
    }
}

/// Twin of `router_softmax`: d_logit = p * (dp - sum_j p_j dp_j). Noise is additive, so
/// the clean logits get the same gradient.
pub fn router_softmax_backward(dims: &Dims, probs: &[f32], d_probs: &[f32]) -> Vec<f32> {
    let experts = dims.experts;
    let mut d_logits = vec![0.0f32; probs.len()];
    for t in 0..dims.tokens {
        let p = &probs[t * experts..(t + 1) * experts];
        let dp = &d_probs[t * experts..(t + 1) * experts];
        let dot: f32 = p.iter().zip(dp).map(|(a, b)| a * b).sum();
        for e in 0..experts {
            d_logits[t * experts + e] = p[e] * (dp[e] - dot);
        }
    }
    d_logits
}

/// The z-loss mean_t lse(logits_t)^2 on the clean logits:
/// d_logit[t,e] += coefficient * 2 * lse_t * softmax(logits_t)_e / T.
pub fn z_loss_backward(dims: &Dims, logits: &[f32], coefficient: f32, d_logits: &mut [f32]) {
    let experts = dims.experts;
    for t in 0..dims.tokens {
        let row = &logits[t * experts..(t + 1) * experts];
        let lse = logsumexp(row);
        for e in 0..experts {
            let softmax = (row[e] - lse).exp();
            d_logits[t * experts + e] += coefficient * 2.0 * lse * softmax / dims.tokens as f32;
        }
    }
}

/// Twin of `router_logits`: logits[t,e] = x[t] . router[e] + bias[e]. Accumulates the
/// router's gradients and adds the router's part of dx.
pub fn router_logits_backward(
    dims: &Dims,
    x: &[f32],
    router: &[f32],
    d_logits: &[f32],
    grads: &mut LayerGrads,
    dx: &mut [f32],
) {
    let (d, experts) = (dims.d_model, dims.experts);
    for t in 0..dims.tokens {
        for e in 0..experts {
            let g = d_logits[t * experts + e];
            if let Some(b) = grads.router_bias.get_mut(e) {
                *b += g;
            }
            for i in 0..d {
                grads.router[e * d + i] += g * x[t * d + i];
                dx[t * d + i] += g * router[e * d + i];
            }
        }
    }
}
