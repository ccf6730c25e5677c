//! Gradients of the MoE layer, one function per backward kernel, in data-flow order. Each
//! is written as a gather, loop for loop like the WGSL kernel it mirrors: every output
//! element is one thread's sum over its inputs in a fixed order, so there are no float
//! atomics on the GPU and both paths add in the same order.
//!
//! ```text
//! dy --combine_backward--> d_expert_out    dy --gate_backward--> d_gate
//!    --expert_down_backward--> d_hidden     --expert_down_grad--> dW2
//!    --expert_up_backward--> d_act, d_lin   --expert_up_grad--> dW1, dW3
//!    --expert_up_input--> dx_rows
//! d_gate --router_backward--> d_logits (select, renormalisation, balance pull, softmax,
//!    z-loss) --router_grad--> d_router, d_bias
//! dx_rows, d_logits --input_backward--> dx (the experts' and the router's parts)
//! ```
//! The routing decisions themselves (top-k, capacity, expert choice) are piecewise
//! constant: gradients flow through the gates, as in every MoE paper.

#![allow(clippy::needless_range_loop, reason = "index loops written like the kernels they mirror")]

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

/// The load-balancing loss's pull on a forward's probabilities: dp[t,i] += scale * f_i.
///
/// The loss is E * sum_i f_i * P_i over the forward's N tokens (Switch Transformers), with
/// f_i the share of assignments (before capacity) to expert i, piecewise constant, and
/// P_i its mean probability, so dL/dp[t,i] = coefficient * E * f_i / N. A training batch
/// is one forward, so this balances the batch: a sentence's patients may share a doctor
/// as long as the clinic as a whole stays balanced.
#[derive(Clone, Debug, PartialEq)]
pub struct BalancePull {
    pub fractions: Vec<f32>,
    pub scale: f32,
    /// The loss's value, E * sum_i f_i P_i (before the coefficient).
    pub loss: f32,
}

impl BalancePull {
    /// The pull of `run` with `routing`; `None` for routers without per-token choices
    /// (expert-choice, dense) or no tokens.
    pub fn of(run: &LayerRun, routing: &Routing, coefficient: f32) -> Option<Self> {
        let Dims { tokens, experts, .. } = run.dims;
        if !routing.router.has_balance_loss() || tokens == 0 {
            return None;
        }
        let assignments = (tokens * routing.top_k) as f32;
        let fractions: Vec<f32> = run.demand[..experts].iter().map(|&d| d as f32 / assignments).collect();
        let mut loss = 0.0f32;
        for (i, f) in fractions.iter().enumerate() {
            let mut p = 0.0f32;
            for t in 0..tokens {
                p += run.probs[t * experts + i];
            }
            loss += f * p / tokens as f32;
        }
        Some(BalancePull {
            fractions,
            scale: coefficient * experts as f32 / tokens as f32,
            loss: experts as f32 * loss,
        })
    }
}

/// The router z-loss of a forward: mean over tokens of logsumexp(clean logits)^2.
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

/// Everything the layer's backward computes, for the trainer and for stage-by-stage
/// comparisons with the GPU.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerBackward {
    /// `[rows, d]`.
    pub d_expert_out: Vec<f32>,
    /// `[T, total_slots]`.
    pub d_gate: Vec<f32>,
    /// `[rows, ff]`.
    pub d_hidden: Vec<f32>,
    /// `[rows, ff]`: through the activation, and (SwiGLU) through the linear branch.
    pub d_act: Vec<f32>,
    pub d_lin: Vec<f32>,
    /// `[rows, d]`: each row's gradient with respect to its token's input.
    pub dx_rows: Vec<f32>,
    /// `[T, E]`.
    pub d_logits: Vec<f32>,
    /// `[T, d]`: the gradient with respect to the layer's input.
    pub dx: Vec<f32>,
    pub grads: LayerGrads,
}

/// Back-propagates `dy` (`[T, d_model]`, the gradient of the loss with respect to the
/// layer's output), the balance pull and the z-loss (weight `z_coefficient`).
pub fn backward(
    weights: &LayerWeights,
    routing: &Routing,
    x: &[f32],
    run: &LayerRun,
    dy: &[f32],
    balance: Option<&BalancePull>,
    z_coefficient: f32,
) -> LayerBackward {
    let dims = &run.dims;
    let kind = weights.arch.expert_kind;
    let rows = Rows { offsets: &run.offsets, seated: &run.seated, block_expert: &run.block_expert };
    let mut grads = LayerGrads::zeros(weights);
    let d_expert_out = combine_backward(dims, &rows, &run.row_token, &run.row_slot, &run.assign_gate, dy);
    let d_gate = gate_backward(dims, &run.slot_row, &run.expert_out, dy);
    let d_hidden = expert_down_backward(dims, &rows, &weights.w2, &d_expert_out);
    grads.w2 = expert_down_grad(dims, &rows, &run.hidden, &d_expert_out);
    let (d_act, d_lin) =
        expert_up_backward(dims, kind, x, &run.row_token, &rows, (&weights.w1, &weights.w3), &d_hidden);
    (grads.w1, grads.w3) = expert_up_grad(dims, kind, x, &run.row_token, &rows, &d_act, &d_lin);
    let dx_rows = expert_up_input(dims, kind, &rows, (&weights.w1, &weights.w3), &d_act, &d_lin);
    let d_logits = router_backward(dims, routing.router, run, &d_gate, balance, z_coefficient);
    (grads.router, grads.router_bias) = router_grad(dims, x, &d_logits, weights.arch.router_bias);
    let dx = input_backward(dims, &run.slot_row, &dx_rows, &weights.router, &d_logits);
    LayerBackward { d_expert_out, d_gate, d_hidden, d_act, d_lin, dx_rows, d_logits, dx, grads }
}

/// `combine_backward.wgsl`: y[t] = sum_s gate[t,s] * out[row(t,s)], so a seated row's
/// gradient is its gate times its token's dy. Padding rows get zero.
pub fn combine_backward(
    dims: &Dims,
    rows: &Rows,
    row_token: &[u32],
    row_slot: &[u32],
    assign_gate: &[f32],
    dy: &[f32],
) -> Vec<f32> {
    let d = dims.d_model;
    let mut d_out = vec![0.0f32; rows.count() * d];
    for row in 0..rows.count() {
        // Padding rows past an expert's seated count hold no assignment.
        if rows.expert(row).is_none() {
            continue;
        }
        let (t, gate) = (row_token[row] as usize, assign_gate[row_slot[row] as usize]);
        for c in 0..d {
            d_out[row * d + c] = gate * dy[t * d + c];
        }
    }
    d_out
}

/// `gate_backward.wgsl`: a seated assignment's gate gradient is its token's dy dotted with
/// its row's output; dropped and empty slots get zero.
pub fn gate_backward(dims: &Dims, slot_row: &[i32], expert_out: &[f32], dy: &[f32]) -> Vec<f32> {
    let d = dims.d_model;
    let mut d_gate = vec![0.0f32; dims.assignments()];
    for a in 0..dims.assignments() {
        let row = slot_row[a];
        if row < 0 {
            continue;
        }
        let t = a / dims.total_slots;
        let mut acc = 0.0f32;
        for c in 0..d {
            acc += dy[t * d + c] * expert_out[row as usize * d + c];
        }
        d_gate[a] = acc;
    }
    d_gate
}

/// `expert_down_backward.wgsl`: out[row] = W2[e] hidden[row], so
/// d_hidden[row, f] = sum_c d_out[row, c] * W2[e, c, f].
pub fn expert_down_backward(dims: &Dims, rows: &Rows, w2: &[f32], d_out: &[f32]) -> Vec<f32> {
    let (d, ff) = (dims.d_model, dims.d_ff);
    let mut d_hidden = vec![0.0f32; rows.count() * ff];
    for row in 0..rows.count() {
        let Some(e) = rows.expert(row) else { continue };
        for f in 0..ff {
            let mut acc = 0.0f32;
            for c in 0..d {
                acc += d_out[row * d + c] * w2[(e * d + c) * ff + f];
            }
            d_hidden[row * ff + f] = acc;
        }
    }
    d_hidden
}

/// The seated rows of expert `e`, in row order.
fn rows_of(rows: &Rows, e: usize) -> std::ops::Range<usize> {
    let first = rows.offsets[e] as usize;
    first..first + rows.seated[e] as usize
}

/// `expert_down_grad.wgsl`: dW2[e, c, f] = sum over e's rows of d_out[row, c] * hidden[row, f].
pub fn expert_down_grad(dims: &Dims, rows: &Rows, hidden: &[f32], d_out: &[f32]) -> Vec<f32> {
    let (d, ff) = (dims.d_model, dims.d_ff);
    let mut d_w2 = vec![0.0f32; dims.total_experts * d * ff];
    for e in 0..dims.total_experts {
        for c in 0..d {
            for f in 0..ff {
                let mut acc = 0.0f32;
                for row in rows_of(rows, e) {
                    acc += d_out[row * d + c] * hidden[row * ff + f];
                }
                d_w2[(e * d + c) * ff + f] = acc;
            }
        }
    }
    d_w2
}

/// `expert_up_backward.wgsl`: hidden = act(W1 x) (* W3 x for SwiGLU). Recomputes the
/// pre-activations and returns the gradients through the activation and (SwiGLU) the
/// linear branch, `[rows, ff]` each (the second empty for other kinds).
pub fn expert_up_backward(
    dims: &Dims,
    kind: ExpertKind,
    x: &[f32],
    row_token: &[u32],
    rows: &Rows,
    (w1, w3): (&[f32], &[f32]),
    d_hidden: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    let (d, ff) = (dims.d_model, dims.d_ff);
    let swiglu = kind == ExpertKind::Swiglu;
    let mut d_act = vec![0.0f32; rows.count() * ff];
    let mut d_lin = vec![0.0f32; if swiglu { rows.count() * ff } else { 0 }];
    for row in 0..rows.count() {
        let Some(e) = rows.expert(row) else { continue };
        let xr = &x[row_token[row] as usize * d..][..d];
        for f in 0..ff {
            let w = (e * ff + f) * d;
            let mut a = 0.0f32;
            let mut linear = 0.0f32;
            for i in 0..d {
                a += xr[i] * w1[w + i];
                if swiglu {
                    linear += xr[i] * w3[w + i];
                }
            }
            let (da, dl) = activate_backward(kind, a, if swiglu { linear } else { 1.0 }, d_hidden[row * ff + f]);
            d_act[row * ff + f] = da;
            if swiglu {
                d_lin[row * ff + f] = dl;
            }
        }
    }
    (d_act, d_lin)
}

/// `expert_up_grad.wgsl`: dW1[e, f, i] = sum over e's rows of d_act[row, f] * x[token, i],
/// and dW3 the same with d_lin (SwiGLU; empty otherwise).
pub fn expert_up_grad(
    dims: &Dims,
    kind: ExpertKind,
    x: &[f32],
    row_token: &[u32],
    rows: &Rows,
    d_act: &[f32],
    d_lin: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    let (d, ff) = (dims.d_model, dims.d_ff);
    let swiglu = kind == ExpertKind::Swiglu;
    let size = dims.total_experts * ff * d;
    let mut d_w1 = vec![0.0f32; size];
    let mut d_w3 = vec![0.0f32; if swiglu { size } else { 0 }];
    for e in 0..dims.total_experts {
        for f in 0..ff {
            for i in 0..d {
                let (mut g1, mut g3) = (0.0f32, 0.0f32);
                for row in rows_of(rows, e) {
                    let xi = x[row_token[row] as usize * d + i];
                    g1 += d_act[row * ff + f] * xi;
                    if swiglu {
                        g3 += d_lin[row * ff + f] * xi;
                    }
                }
                d_w1[(e * ff + f) * d + i] = g1;
                if swiglu {
                    d_w3[(e * ff + f) * d + i] = g3;
                }
            }
        }
    }
    (d_w1, d_w3)
}

/// `expert_up_input.wgsl`: each row's gradient with respect to its token's input,
/// dx_rows[row, i] = sum_f d_act[row, f] W1[e, f, i] (+ d_lin[row, f] W3[e, f, i]).
pub fn expert_up_input(
    dims: &Dims,
    kind: ExpertKind,
    rows: &Rows,
    (w1, w3): (&[f32], &[f32]),
    d_act: &[f32],
    d_lin: &[f32],
) -> Vec<f32> {
    let (d, ff) = (dims.d_model, dims.d_ff);
    let swiglu = kind == ExpertKind::Swiglu;
    let mut dx_rows = vec![0.0f32; rows.count() * d];
    for row in 0..rows.count() {
        let Some(e) = rows.expert(row) else { continue };
        for i in 0..d {
            let mut acc = 0.0f32;
            for f in 0..ff {
                let w = (e * ff + f) * d + i;
                acc += d_act[row * ff + f] * w1[w];
                if swiglu {
                    acc += d_lin[row * ff + f] * w3[w];
                }
            }
            dx_rows[row * d + i] = acc;
        }
    }
    dx_rows
}

/// Twin of `activate`: the gradients with respect to the pre-activation `a` and (SwiGLU)
/// the linear branch, given the gradient `g` of the activation's output. Keep in sync
/// with `activate_backward` in expert_up_backward.wgsl.
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

/// `router_backward.wgsl`, one token at a time, from the gates back to the clean logits:
/// - gates are p (switch, expert-choice, dense) or p renormalised over the chosen experts
///   (mixtral, token-choice: g_s = p_s / S, so dp_r = (dg_r - sum_s dg_s g_s) / S);
///   shared slots have constant gates;
/// - the balance pull adds scale * f_i to every dp[t, i];
/// - softmax: d_logit = p * (dp - sum_j p_j dp_j) (noise is additive: the clean logits get
///   the same gradient);
/// - the z-loss mean_t lse_t^2 adds coefficient * 2 * lse_t * softmax(clean logits)_e / T.
pub fn router_backward(
    dims: &Dims,
    router: RouterKind,
    run: &LayerRun,
    d_gate: &[f32],
    balance: Option<&BalancePull>,
    z_coefficient: f32,
) -> Vec<f32> {
    let experts = dims.experts;
    let mut d_logits = vec![0.0f32; dims.tokens * experts];
    let mut dp = vec![0.0f32; experts];
    for t in 0..dims.tokens {
        let base = t * dims.total_slots;
        let p = &run.probs[t * experts..(t + 1) * experts];
        dp.iter_mut().for_each(|v| *v = 0.0);
        let (mut sum, mut sum_dg_g) = (0.0f32, 0.0f32);
        for s in 0..dims.slots {
            let e = run.assign_expert[base + s];
            if e >= 0 {
                sum += p[e as usize];
                sum_dg_g += d_gate[base + s] * run.assign_gate[base + s];
            }
        }
        for s in 0..dims.slots {
            let e = run.assign_expert[base + s];
            if e < 0 {
                continue;
            }
            dp[e as usize] +=
                if router.renormalises() { (d_gate[base + s] - sum_dg_g) / sum } else { d_gate[base + s] };
        }
        if let Some(pull) = balance {
            for i in 0..experts {
                dp[i] += pull.scale * pull.fractions[i];
            }
        }
        let mut dot = 0.0f32;
        for e in 0..experts {
            dot += p[e] * dp[e];
        }
        let logits = &run.logits[t * experts..(t + 1) * experts];
        let lse = if z_coefficient != 0.0 { logsumexp(logits) } else { 0.0 };
        for e in 0..experts {
            let mut g = p[e] * (dp[e] - dot);
            if z_coefficient != 0.0 {
                g += z_coefficient * 2.0 * lse * (logits[e] - lse).exp() / dims.tokens as f32;
            }
            d_logits[t * experts + e] = g;
        }
    }
    d_logits
}

/// `router_grad.wgsl`: logits[t, e] = x[t] . router[e] + bias[e], so
/// d_router[e, i] = sum_t d_logits[t, e] x[t, i] and d_bias[e] = sum_t d_logits[t, e]
/// (empty without a bias).
pub fn router_grad(dims: &Dims, x: &[f32], d_logits: &[f32], has_bias: bool) -> (Vec<f32>, Vec<f32>) {
    let (d, experts) = (dims.d_model, dims.experts);
    let mut d_router = vec![0.0f32; experts * d];
    let mut d_bias = vec![0.0f32; if has_bias { experts } else { 0 }];
    for e in 0..experts {
        for i in 0..d {
            let mut acc = 0.0f32;
            for t in 0..dims.tokens {
                acc += d_logits[t * experts + e] * x[t * d + i];
            }
            d_router[e * d + i] = acc;
        }
        if has_bias {
            let mut acc = 0.0f32;
            for t in 0..dims.tokens {
                acc += d_logits[t * experts + e];
            }
            d_bias[e] = acc;
        }
    }
    (d_router, d_bias)
}

/// `input_backward.wgsl`: the layer's input gradient, per token: its seated slots' rows
/// (routed and shared experts, in slot order), then the router's part
/// sum_e d_logits[t, e] router[e].
pub fn input_backward(dims: &Dims, slot_row: &[i32], dx_rows: &[f32], router: &[f32], d_logits: &[f32]) -> Vec<f32> {
    let (d, experts) = (dims.d_model, dims.experts);
    let mut dx = vec![0.0f32; dims.tokens * d];
    for t in 0..dims.tokens {
        for i in 0..d {
            let mut acc = 0.0f32;
            for s in 0..dims.total_slots {
                let row = slot_row[t * dims.total_slots + s];
                if row >= 0 {
                    acc += dx_rows[row as usize * d + i];
                }
            }
            for e in 0..experts {
                acc += d_logits[t * experts + e] * router[e * d + i];
            }
            dx[t * d + i] = acc;
        }
    }
    dx
}
