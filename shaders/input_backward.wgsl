// The layer's input gradient plus the residual: dh[t, i] = dz[t, i] + (the token's seated
// rows' dx_rows, routed and shared, in slot order, then sum_e d_logits[t, e] router[e, i]).
// One thread per (token, feature). CPU twin: backward::input_backward, then the sum in
// train::gradients.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> slot_row: array<i32>;          // [T, total_slots]
@group(0) @binding(2) var<storage, read> dx_rows: array<f32>;           // [rows, d]
@group(0) @binding(3) var<storage, read> router: array<vec4<f32>>;      // [E, d4]
@group(0) @binding(4) var<storage, read> d_router_logits: array<f32>;   // [T, E]
@group(0) @binding(5) var<storage, read> dz: array<f32>;                // [T, d]
@group(0) @binding(6) var<storage, read_write> dh: array<f32>;          // [T, d]

@compute @workgroup_size(64)
fn input_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (j >= params.tokens * d) {
        return;
    }
    let t = j / d;
    let i = j % d;
    var acc = 0.0;
    for (var s = 0u; s < params.total_slots; s++) {
        let row = slot_row[t * params.total_slots + s];
        if (row >= 0) {
            acc += dx_rows[u32(row) * d + i];
        }
    }
    for (var e = 0u; e < params.experts; e++) {
        acc += d_router_logits[t * params.experts + e] * router[e * params.d4 + i / 4u][i % 4u];
    }
    dh[j] = dz[j] + acc;
}
