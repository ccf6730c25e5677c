// Expert-choice routing: expert e takes token t when fewer than C tokens rank above t in
// column e of p (higher p first, ties to the lower token). One thread per (token, expert):
// a rank count, so the choice is deterministic without sorting or atomics.
// CPU twin: reference::router_expert_choice.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;             // [T, E]
@group(0) @binding(2) var<storage, read_write> taken: array<u32>;       // [T, E]

@compute @workgroup_size(64)
fn router_expert_choice(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if (i >= params.tokens * params.experts) {
        return;
    }
    let t = i / params.experts;
    let e = i % params.experts;
    let p = probs[i];
    var rank = 0u;
    for (var other = 0u; other < params.tokens; other++) {
        let q = probs[other * params.experts + e];
        if (q > p || (q == p && other < t)) {
            rank++;
        }
    }
    taken[i] = select(0u, 1u, rank < params.choose);
}
