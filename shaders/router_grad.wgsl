// The router's gradients: d_router[e, i] = sum_t d_logits[t, e] * x[t, i] (threads
// 0 .. E d), then d_router_bias[e] = sum_t d_logits[t, e] (the next E threads, where the
// router has a bias). CPU twin: backward::router_grad.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;           // [T, d4]
@group(0) @binding(2) var<storage, read> d_router_logits: array<f32>;   // [T, E]
@group(0) @binding(3) var<storage, read_write> d_router: array<f32>;    // [E, d]
@group(0) @binding(4) var<storage, read_write> d_router_bias: array<f32>; // [E], or one unused value

@compute @workgroup_size(64)
fn router_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    let experts = params.experts;
    if (j < experts * d) {
        let e = j / d;
        let i = j % d;
        var acc = 0.0;
        for (var t = 0u; t < params.tokens; t++) {
            acc += d_router_logits[t * experts + e] * x[t * params.d4 + i / 4u][i % 4u];
        }
        d_router[j] = acc;
    } else if (params.has_bias != 0u && j < experts * d + experts) {
        let e = j - experts * d;
        var acc = 0.0;
        for (var t = 0u; t < params.tokens; t++) {
            acc += d_router_logits[t * experts + e];
        }
        d_router_bias[e] = acc;
    }
}
