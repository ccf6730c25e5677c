// Fills each token's slots with its experts by p descending (ties to the lower expert),
// with their gates, then one slot per shared expert with gate 1. One thread per token.
// Top-k routers take k; dense takes all E; expert-choice takes the experts that took it.
// With DeepSeek-V3's balancing bias, the token-choice routers rank by p * exp(bias)
// (`selection`: from the host as loaded, from balance_bias.wgsl while training) and
// still gate by p.
// CPU twin: reference::router_select.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;             // [T, E]
@group(0) @binding(2) var<storage, read> taken: array<u32>;             // [T, E], expert-choice only
@group(0) @binding(3) var<storage, read> selection: array<f32>;         // [E], or one unused value
@group(0) @binding(4) var<storage, read_write> assign_expert: array<i32>; // [T, total_slots]
@group(0) @binding(5) var<storage, read_write> assign_gate: array<f32>;   // [T, total_slots]

@compute @workgroup_size(64)
fn router_select(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let t = flat_index(gid, groups);
    if (t >= params.tokens) {
        return;
    }
    let row = t * params.experts;
    let base = t * params.total_slots;
    let expert_choice = params.router == ROUTER_EXPERT_CHOICE;
    var wanted = params.top_k;
    if (expert_choice || params.router == ROUTER_DENSE) {
        wanted = params.experts;
    }
    let biased = params.has_selection != 0u && !expert_choice && params.router != ROUTER_DENSE;
    // Successive maxima in the order (key descending, index ascending): each round takes
    // the best candidate ranked after the previous pick.
    var prev_key = 0.0;
    var prev_e = 0u;
    var chosen_sum = 0.0;
    var filled = 0u;
    for (var slot = 0u; slot < wanted; slot++) {
        var best = NO_BLOCK;
        var best_key = 0.0;
        for (var e = 0u; e < params.experts; e++) {
            var key = probs[row + e];
            if (biased) {
                key = key * selection[e];
            }
            let candidate = !expert_choice || taken[row + e] != 0u;
            let after_prev = slot == 0u || key < prev_key || (key == prev_key && e > prev_e);
            if (candidate && after_prev && (best == NO_BLOCK || key > best_key)) {
                best = e;
                best_key = key;
            }
        }
        if (best == NO_BLOCK) {
            break;
        }
        let p = probs[row + best];
        assign_expert[base + slot] = i32(best);
        assign_gate[base + slot] = p;
        chosen_sum += p;
        prev_key = best_key;
        prev_e = best;
        filled++;
    }
    // Buffers are reused across forwards: clear the slots this token leaves empty.
    for (var slot = filled; slot < params.slots; slot++) {
        assign_expert[base + slot] = -1;
        assign_gate[base + slot] = 0.0;
    }
    if (params.router == ROUTER_MIXTRAL || params.router == ROUTER_TOKEN_CHOICE) {
        for (var slot = 0u; slot < filled; slot++) {
            assign_gate[base + slot] = assign_gate[base + slot] / chosen_sum;
        }
    }
    for (var shared_slot = params.slots; shared_slot < params.total_slots; shared_slot++) {
        assign_expert[base + shared_slot] = i32(params.experts + shared_slot - params.slots);
        assign_gate[base + shared_slot] = 1.0;
    }
}
