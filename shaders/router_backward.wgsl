// From the gates back to the clean router logits, one thread per token:
// - gates are p (switch, expert-choice, dense) or p renormalised over the chosen experts
//   (mixtral, token-choice: dp_r = (dg_r - sum_s dg_s g_s) / S, S the chosen p's sum);
// - the balance pull adds alpha E / T * f_i, f_i = demand_i / (T k), to every dp[t, i];
// - softmax: d_logit = p * (dp - sum_j p_j dp_j);
// - the z-loss adds z * 2 * lse * softmax(clean logits) / T.
// CPU twin: backward::router_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;            // [T, E], clean
@group(0) @binding(2) var<storage, read> probs: array<f32>;             // [T, E]
@group(0) @binding(3) var<storage, read> assign_expert: array<i32>;     // [T, total_slots]
@group(0) @binding(4) var<storage, read> assign_gate: array<f32>;       // [T, total_slots]
@group(0) @binding(5) var<storage, read> expert_table: array<u32>;
@group(0) @binding(6) var<storage, read> d_gate: array<f32>;            // [T, total_slots]
@group(0) @binding(7) var<storage, read_write> d_router_logits: array<f32>; // [T, E]

@compute @workgroup_size(64)
fn router_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let t = flat_index(gid, groups);
    if (t >= params.tokens) {
        return;
    }
    let experts = params.experts;
    let row = t * experts;
    let base = t * params.total_slots;
    let renormalises = params.router == ROUTER_MIXTRAL || params.router == ROUTER_TOKEN_CHOICE;
    var sum = 0.0;
    var sum_dg_g = 0.0;
    for (var s = 0u; s < params.slots; s++) {
        let e = assign_expert[base + s];
        if (e >= 0) {
            sum += probs[row + u32(e)];
            sum_dg_g += d_gate[base + s] * assign_gate[base + s];
        }
    }
    // dp lives in the output row until the softmax's backward overwrites it in place.
    for (var e = 0u; e < experts; e++) {
        d_router_logits[row + e] = 0.0;
    }
    for (var s = 0u; s < params.slots; s++) {
        let e = assign_expert[base + s];
        if (e < 0) {
            continue;
        }
        var g = d_gate[base + s];
        if (renormalises) {
            g = (g - sum_dg_g) / sum;
        }
        d_router_logits[row + u32(e)] += g;
    }
    if (params.balance_alpha != 0.0) {
        let scale = params.balance_alpha * f32(experts) / f32(params.tokens);
        let assignments = f32(params.tokens * params.top_k);
        for (var i = 0u; i < experts; i++) {
            d_router_logits[row + i] += scale * (f32(expert_table[table_demand(i)]) / assignments);
        }
    }
    var dot = 0.0;
    for (var e = 0u; e < experts; e++) {
        dot += probs[row + e] * d_router_logits[row + e];
    }
    var lse = 0.0;
    if (params.z_loss != 0.0) {
        var top = logits[row];
        for (var e = 1u; e < experts; e++) {
            top = max(top, logits[row + e]);
        }
        var total = 0.0;
        for (var e = 0u; e < experts; e++) {
            total += exp(logits[row + e] - top);
        }
        lse = top + log(total);
    }
    for (var e = 0u; e < experts; e++) {
        var g = probs[row + e] * (d_router_logits[row + e] - dot);
        if (params.z_loss != 0.0) {
            g += params.z_loss * 2.0 * lse * exp(logits[row + e] - lse) / f32(params.tokens);
        }
        d_router_logits[row + e] = g;
    }
}
