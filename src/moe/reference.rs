//! The CPU reference: one function per WGSL kernel, written loop for loop like the kernel it
//! mirrors, so that a failing GPU comparison points at one stage.
//!
//! It defines the layer's semantics (DESIGN.md, "Routers"), is the oracle for every GPU
//! test, and is the fallback where WebGPU is missing (it builds for wasm32).
//!
//! Data flow, with the kernel each function mirrors:
//! ```text
//! x[T,d] --router_logits--> logits[T,E] --router_softmax--> p[T,E]
//!   (--router_expert_choice--> taken[T,E])  --router_select--> assignments[T,S+shared]
//!   --dispatch_count--> position, demand[E'], seated[E'] --dispatch_offsets--> offsets[E'+1]
//!   --dispatch_scatter--> row_token[rows], slot_row[T,S+shared]
//!   --expert_up--> hidden[rows,ff] --expert_down--> expert_out[rows,d] --combine--> y[T,d]
//! ```
//! E' = routed + shared experts. Rows are grouped by expert, each group padded to a
//! multiple of [`ROW_BLOCK`] so that a GPU thread's rows always belong to one expert.

use super::config::{Architecture, ExpertKind, RouterKind, Routing};
use super::error::{MoeError, Result};
use super::noise::noise_normal;
use super::weights::LayerWeights;

/// Rows per padding granule of an expert's group. Keep in sync with `ROW_BLOCK` in
/// `shaders/common.wgsl` (the matmul kernels compute 4 rows per thread).
pub const ROW_BLOCK: usize = 4;

/// `expert_index` value of a padding slot or a dropped assignment.
pub const NO_EXPERT: i32 = -1;

/// Capacity value meaning "unlimited" in the kernels' u32 arithmetic.
pub const UNLIMITED: u32 = u32::MAX;

/// Sizes every stage needs, derived once from the configuration and the token count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    pub tokens: usize,
    pub d_model: usize,
    pub d_ff: usize,
    /// Routed experts E.
    pub experts: usize,
    /// Routed plus shared experts.
    pub total_experts: usize,
    /// Router slots per token S.
    pub slots: usize,
    /// S plus one slot per shared expert.
    pub total_slots: usize,
    /// k.
    pub top_k: usize,
}

impl Dims {
    pub fn new(arch: &Architecture, routing: &Routing, tokens: usize) -> Self {
        let slots = routing.slots(arch);
        Dims {
            tokens,
            d_model: arch.d_model,
            d_ff: arch.d_ff,
            experts: arch.num_experts,
            total_experts: arch.total_experts(),
            slots,
            total_slots: slots + arch.shared_experts,
            top_k: routing.top_k,
        }
    }

    /// Assignments (token, slot), in `[T, total_slots]` layout.
    pub fn assignments(&self) -> usize {
        self.tokens * self.total_slots
    }

    /// Upper bound on padded rows, known before routing: every assignment seated, every
    /// expert's group padded by up to ROW_BLOCK - 1 rows.
    pub fn max_rows(&self) -> usize {
        self.assignments() + self.total_experts * (ROW_BLOCK - 1)
    }
}

/// Everything a forward checks before it allocates or runs anything, shared by both
/// backends: the routing is valid for the layer, the work is within the limits, and the
/// hidden states fit the layer and are finite.
pub fn check_forward(arch: &Architecture, routing: &Routing, x: &[f32], tokens: usize) -> Result<()> {
    arch.validate()?;
    routing.validate(arch)?;
    routing.check_work(arch, tokens)?;
    check_input(arch, x, tokens)
}

/// Rejects hidden states that do not fit the layer.
fn check_input(arch: &Architecture, x: &[f32], tokens: usize) -> Result<()> {
    let expected = tokens
        .checked_mul(arch.d_model)
        .ok_or_else(|| MoeError::Input(format!("{tokens} tokens of width {} overflow", arch.d_model)))?;
    if x.len() != expected {
        return Err(MoeError::Input(format!(
            "hidden states hold {} values; {tokens} tokens x d_model {} needs {expected}",
            x.len(),
            arch.d_model
        )));
    }
    if let Some((index, value)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MoeError::Input(format!(
            "hidden state of token {} holds {value} at feature {}",
            index / arch.d_model,
            index % arch.d_model
        )));
    }
    Ok(())
}

/// Everything a forward computes. The GPU path reads back the routing half of this (see
/// [`crate::moe::trace::RoutingOutputs`]); tests compare the rest stage by stage.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerRun {
    pub dims: Dims,
    pub logits: Vec<f32>,
    pub probs: Vec<f32>,
    pub taken: Vec<u32>,
    pub assign_expert: Vec<i32>,
    pub assign_gate: Vec<f32>,
    pub position: Vec<u32>,
    pub demand: Vec<u32>,
    pub seated: Vec<u32>,
    pub offsets: Vec<u32>,
    pub block_expert: Vec<u32>,
    pub row_token: Vec<u32>,
    /// `[rows]` the assignment each row serves (the inverse of `slot_row`), UNLIMITED for
    /// padding: lets the backward gather per row instead of scattering per assignment.
    pub row_slot: Vec<u32>,
    pub slot_row: Vec<i32>,
    pub hidden: Vec<f32>,
    pub expert_out: Vec<f32>,
    pub output: Vec<f32>,
}

/// Runs the whole layer on the CPU. `x` is `[tokens, d_model]`.
pub fn forward(weights: &LayerWeights, routing: &Routing, x: &[f32], tokens: usize) -> Result<LayerRun> {
    let arch = &weights.arch;
    check_forward(arch, routing, x, tokens)?;
    let dims = Dims::new(arch, routing, tokens);
    let logits = router_logits(&dims, x, &weights.router, &weights.router_bias);
    let probs = router_softmax(&dims, &logits, routing.noise.map(|n| (n.scale, n.seed)));
    let taken = match routing.router {
        RouterKind::ExpertChoice => {
            let choose = routing.expert_capacity(arch, tokens).unwrap_or(tokens);
            router_expert_choice(&dims, &probs, choose)
        }
        _ => Vec::new(),
    };
    let selection = weights.selection_multipliers();
    let (assign_expert, assign_gate) = router_select(&dims, routing.router, &probs, &taken, &selection);
    let capacity = seat_limit(arch, routing, tokens);
    let (position, demand, seated) = dispatch_count(&dims, &assign_expert, capacity);
    let (offsets, block_expert) = dispatch_offsets(&dims, &seated);
    let (row_token, row_slot, slot_row) = dispatch_scatter(&dims, &assign_expert, &position, &seated, &offsets);
    let rows = Rows { offsets: &offsets, seated: &seated, block_expert: &block_expert };
    let hidden = expert_up(&dims, arch.expert_kind, x, &row_token, &rows, &weights.w1, &weights.w3);
    let expert_out = expert_down(&dims, &hidden, &rows, &weights.w2);
    let output = combine(&dims, &slot_row, &assign_gate, &expert_out);
    Ok(LayerRun {
        dims,
        logits,
        probs,
        taken,
        assign_expert,
        assign_gate,
        position,
        demand,
        seated,
        offsets,
        block_expert,
        row_token,
        row_slot,
        slot_row,
        hidden,
        expert_out,
        output,
    })
}

/// The per-expert seat limit the dispatch applies: a capacity for the token-choice routers
/// that have one, unlimited otherwise (expert-choice already picked at most C per expert).
pub fn seat_limit(arch: &Architecture, routing: &Routing, tokens: usize) -> u32 {
    match routing.router {
        RouterKind::Switch | RouterKind::TokenChoice => {
            routing.expert_capacity(arch, tokens).map_or(UNLIMITED, |c| c.min(UNLIMITED as usize - 1) as u32)
        }
        _ => UNLIMITED,
    }
}

/// `router_logits.wgsl`: logits[t, e] = x[t] . router[e] (+ bias[e]), before noise.
pub fn router_logits(dims: &Dims, x: &[f32], router: &[f32], bias: &[f32]) -> Vec<f32> {
    let (d, experts) = (dims.d_model, dims.experts);
    let mut logits = vec![0.0; dims.tokens * experts];
    for t in 0..dims.tokens {
        for e in 0..experts {
            let mut acc = 0.0f32;
            for i in 0..d {
                acc += x[t * d + i] * router[e * d + i];
            }
            logits[t * experts + e] = acc + bias.get(e).copied().unwrap_or(0.0);
        }
    }
    logits
}

/// `router_softmax.wgsl`: p[t] = softmax(logits[t] + scale * noise(seed, t, e)).
pub fn router_softmax(dims: &Dims, logits: &[f32], noise: Option<(f32, u32)>) -> Vec<f32> {
    let experts = dims.experts;
    let mut probs = vec![0.0; logits.len()];
    for t in 0..dims.tokens {
        let row = &logits[t * experts..(t + 1) * experts];
        let noisy = |e: usize| match noise {
            Some((scale, seed)) => row[e] + scale * noise_normal(seed, t as u32, e as u32),
            None => row[e],
        };
        let mut max = f32::NEG_INFINITY;
        for e in 0..experts {
            max = max.max(noisy(e));
        }
        let mut sum = 0.0f32;
        for e in 0..experts {
            sum += (noisy(e) - max).exp();
        }
        for e in 0..experts {
            probs[t * experts + e] = (noisy(e) - max).exp() / sum;
        }
    }
    probs
}

/// `router_expert_choice.wgsl`: expert e takes token t if fewer than `choose` tokens rank
/// above t in column e (higher p first; ties to the lower token index). The kernel counts
/// each rank in its own thread, O(T) per (token, expert); here each column is sorted once
/// in the same order, O(T log T) per expert, so that long sequences stay fast on the CPU.
pub fn router_expert_choice(dims: &Dims, probs: &[f32], choose: usize) -> Vec<u32> {
    let experts = dims.experts;
    let mut taken = vec![0u32; probs.len()];
    let mut order: Vec<usize> = (0..dims.tokens).collect();
    for e in 0..experts {
        let p = |t: usize| probs[t * experts + e];
        // p >= 0 and finite, where total_cmp agrees with the kernel's `>` and `==`.
        order.sort_unstable_by(|&a, &b| p(b).total_cmp(&p(a)).then(a.cmp(&b)));
        for &t in order.iter().take(choose) {
            taken[t * experts + e] = 1;
        }
    }
    taken
}

/// `router_select.wgsl`: fills each token's slots with its experts ordered by p
/// descending (ties to the lower expert index) and their gates, then one slot per shared
/// expert with gate 1. Returns `(assign_expert, assign_gate)`, both `[T, total_slots]`.
/// `selection` (exp of DeepSeek-V3's balancing bias, or empty) reorders the choice of the
/// token-choice routers: they rank by p * selection, and still gate by p.
pub fn router_select(
    dims: &Dims,
    router: RouterKind,
    probs: &[f32],
    taken: &[u32],
    selection: &[f32],
) -> (Vec<i32>, Vec<f32>) {
    let (experts, total_slots) = (dims.experts, dims.total_slots);
    let mut assign_expert = vec![NO_EXPERT; dims.assignments()];
    let mut assign_gate = vec![0.0f32; dims.assignments()];
    let wanted = match router {
        RouterKind::ExpertChoice | RouterKind::Dense => experts,
        _ => dims.top_k,
    };
    let biased = !selection.is_empty() && router.tokens_choose();
    for t in 0..dims.tokens {
        let p = &probs[t * experts..(t + 1) * experts];
        let key = |e: usize| if biased { p[e] * selection[e] } else { p[e] };
        let base = t * total_slots;
        // Successive maxima in the order (key descending, index ascending): each round
        // takes the best candidate that ranks after the previous pick.
        let mut prev: Option<(f32, usize)> = None;
        let mut chosen_sum = 0.0f32;
        let mut filled = 0;
        for slot in 0..wanted {
            let mut best: Option<usize> = None;
            for e in 0..experts {
                let candidate = router != RouterKind::ExpertChoice || taken[t * experts + e] != 0;
                let after_prev = match prev {
                    None => true,
                    Some((pk, pe)) => key(e) < pk || (key(e) == pk && e > pe),
                };
                if candidate && after_prev && best.is_none_or(|b| key(e) > key(b)) {
                    best = Some(e);
                }
            }
            let Some(e) = best else { break };
            assign_expert[base + slot] = e as i32;
            assign_gate[base + slot] = p[e];
            chosen_sum += p[e];
            prev = Some((key(e), e));
            filled += 1;
        }
        if router.renormalises() {
            for slot in 0..filled {
                assign_gate[base + slot] /= chosen_sum;
            }
        }
        for shared in 0..(total_slots - dims.slots) {
            assign_expert[base + dims.slots + shared] = (experts + shared) as i32;
            assign_gate[base + dims.slots + shared] = 1.0;
        }
    }
    (assign_expert, assign_gate)
}

/// `dispatch_count.wgsl`: for each expert, walks the assignments in priority order (all
/// first slots in token order, then all second slots, ...) and numbers those it receives.
/// Returns `(position, demand, seated)`: an assignment's place in its expert's queue,
/// assignments per expert before capacity, and those within capacity. Shared experts
/// (index >= E) have no capacity.
pub fn dispatch_count(dims: &Dims, assign_expert: &[i32], capacity: u32) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let mut position = vec![UNLIMITED; dims.assignments()];
    let mut demand = vec![0u32; dims.total_experts];
    let mut seated = vec![0u32; dims.total_experts];
    for e in 0..dims.total_experts {
        let mut count = 0u32;
        for slot in 0..dims.total_slots {
            for t in 0..dims.tokens {
                let a = t * dims.total_slots + slot;
                if assign_expert[a] == e as i32 {
                    position[a] = count;
                    count += 1;
                }
            }
        }
        demand[e] = count;
        seated[e] = if e < dims.experts { count.min(capacity) } else { count };
    }
    (position, demand, seated)
}

/// `dispatch_offsets.wgsl`: exclusive prefix sum of the seated counts, each group padded
/// to a multiple of ROW_BLOCK, so `offsets[e]..offsets[e + 1]` are expert e's rows; then the
/// expert of every block of ROW_BLOCK rows (`NO_BLOCK` past the last group), so a matmul
/// thread finds its expert with one read. Returns `(offsets, block_expert)`.
pub fn dispatch_offsets(dims: &Dims, seated: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut offsets = vec![0u32; seated.len() + 1];
    for e in 0..seated.len() {
        offsets[e + 1] = offsets[e] + seated[e].div_ceil(ROW_BLOCK as u32) * ROW_BLOCK as u32;
    }
    let blocks = dims.max_rows().div_ceil(ROW_BLOCK);
    let mut block_expert = vec![NO_BLOCK; blocks];
    for (block, expert) in block_expert.iter_mut().enumerate() {
        let row = (block * ROW_BLOCK) as u32;
        if row < offsets[seated.len()] {
            *expert = expert_of_row(&offsets, row) as u32;
        }
    }
    (offsets, block_expert)
}

/// `block_expert` value of a block past the last expert's rows.
pub const NO_BLOCK: u32 = u32::MAX;

/// The expert whose row group holds `row`: the last e with offsets[e] <= row, by binary
/// search. Empty experts have equal consecutive offsets and are skipped.
fn expert_of_row(offsets: &[u32], row: u32) -> usize {
    let (mut lo, mut hi) = (0usize, offsets.len() - 1);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if offsets[mid] <= row {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// `dispatch_scatter.wgsl`: seats each assignment within capacity at its row in expert
/// order. Returns `(row_token, row_slot, slot_row)`; a dropped or empty slot gets row -1,
/// and padding rows keep token and assignment `UNLIMITED`.
pub fn dispatch_scatter(
    dims: &Dims,
    assign_expert: &[i32],
    position: &[u32],
    seated: &[u32],
    offsets: &[u32],
) -> (Vec<u32>, Vec<u32>, Vec<i32>) {
    let rows = *offsets.last().unwrap_or(&0) as usize;
    let mut row_token = vec![UNLIMITED; rows];
    let mut row_slot = vec![UNLIMITED; rows];
    let mut slot_row = vec![-1i32; dims.assignments()];
    for a in 0..dims.assignments() {
        let e = assign_expert[a];
        if e < 0 || position[a] >= seated[e as usize] {
            continue;
        }
        let row = offsets[e as usize] + position[a];
        row_token[row as usize] = (a / dims.total_slots) as u32;
        row_slot[row as usize] = a as u32;
        slot_row[a] = row as i32;
    }
    (row_token, row_slot, slot_row)
}

/// The activation of the first projection. Keep in sync with `activate` in expert_up.wgsl.
pub fn activate(kind: ExpertKind, a: f32, linear: f32) -> f32 {
    match kind {
        ExpertKind::Relu => a.max(0.0),
        ExpertKind::Swiglu => a / (1.0 + (-a).exp()) * linear,
        ExpertKind::Gelu => {
            const SQRT_2_OVER_PI: f32 = 0.797_884_6;
            // tanh is exactly 1.0 in f32 beyond |u| ~ 9; the clamp mirrors the kernel's.
            let u = (SQRT_2_OVER_PI * (a + 0.044715 * a * a * a)).clamp(-10.0, 10.0);
            0.5 * a * (1.0 + u.tanh())
        }
    }
}

/// Where each expert's rows are, as the dispatch left them.
pub struct Rows<'a> {
    pub offsets: &'a [u32],
    pub seated: &'a [u32],
    pub block_expert: &'a [u32],
}

impl Rows<'_> {
    /// The expert a row belongs to, if the row holds a seated assignment (not padding).
    pub fn expert(&self, row: usize) -> Option<usize> {
        let e = self.block_expert[row / ROW_BLOCK];
        if e == NO_BLOCK {
            return None;
        }
        let e = e as usize;
        (row as u32 - self.offsets[e] < self.seated[e]).then_some(e)
    }

    pub fn count(&self) -> usize {
        *self.offsets.last().unwrap_or(&0) as usize
    }
}

/// `expert_up.wgsl`: the first half of the grouped matmul. Each row gathers its token's
/// hidden state and multiplies it by its expert's w1 (and w3 for SwiGLU), then applies the
/// activation. Padding rows are zero. Weights are `[total_experts, d_ff, d_model]`.
pub fn expert_up(
    dims: &Dims,
    kind: ExpertKind,
    x: &[f32],
    row_token: &[u32],
    rows: &Rows,
    w1: &[f32],
    w3: &[f32],
) -> Vec<f32> {
    let (d, ff) = (dims.d_model, dims.d_ff);
    let mut hidden = vec![0.0f32; rows.count() * ff];
    for row in 0..rows.count() {
        let Some(e) = rows.expert(row) else { continue };
        let token = row_token[row] as usize;
        let xr = &x[token * d..(token + 1) * d];
        for f in 0..ff {
            let w = (e * ff + f) * d..(e * ff + f + 1) * d;
            let a = dot(xr, &w1[w.clone()]);
            let linear = if kind == ExpertKind::Swiglu { dot(xr, &w3[w]) } else { 1.0 };
            hidden[row * ff + f] = activate(kind, a, linear);
        }
    }
    hidden
}

/// `expert_down.wgsl`: the second half of the grouped matmul, rows times the expert's w2
/// (`[total_experts, d_model, d_ff]`). Padding rows are zero.
pub fn expert_down(dims: &Dims, hidden: &[f32], rows: &Rows, w2: &[f32]) -> Vec<f32> {
    let (d, ff) = (dims.d_model, dims.d_ff);
    let mut out = vec![0.0f32; rows.count() * d];
    for row in 0..rows.count() {
        let Some(e) = rows.expert(row) else { continue };
        let h = &hidden[row * ff..(row + 1) * ff];
        for c in 0..d {
            out[row * d + c] = dot(h, &w2[(e * d + c) * ff..(e * d + c + 1) * ff]);
        }
    }
    out
}

/// `combine.wgsl`: y[t] = sum over seated slots of gate * expert_out[row]. A gather, so
/// every output is written by one thread in a fixed order: deterministic, no atomics.
pub fn combine(dims: &Dims, slot_row: &[i32], assign_gate: &[f32], expert_out: &[f32]) -> Vec<f32> {
    let d = dims.d_model;
    let mut y = vec![0.0f32; dims.tokens * d];
    for t in 0..dims.tokens {
        for c in 0..d {
            let mut acc = 0.0f32;
            for slot in 0..dims.total_slots {
                let a = t * dims.total_slots + slot;
                let row = slot_row[a];
                if row >= 0 {
                    acc += assign_gate[a] * expert_out[row as usize * d + c];
                }
            }
            y[t * d + c] = acc;
        }
    }
    y
}

/// ln sum_i exp(row_i), computed from the largest entry so that nothing overflows.
pub fn logsumexp(row: &[f32]) -> f32 {
    let max = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    max + row.iter().map(|&l| (l - max).exp()).sum::<f32>().ln()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
