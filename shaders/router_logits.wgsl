// Router logits before noise: logits[t, e] = x[t] . router[e] (+ bias[e]).
// CPU twin: reference::router_logits.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;           // [T, d4]
@group(0) @binding(2) var<storage, read> router: array<vec4<f32>>;      // [E, d4]
@group(0) @binding(3) var<storage, read> router_bias: array<f32>;       // [E], or one unused value
@group(0) @binding(4) var<storage, read_write> logits: array<f32>;      // [T, E]

@compute @workgroup_size(64)
fn router_logits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if (i >= params.tokens * params.experts) {
        return;
    }
    let t = i / params.experts;
    let e = i % params.experts;
    var acc = vec4<f32>(0.0);
    for (var c = 0u; c < params.d4; c++) {
        acc += x[t * params.d4 + c] * router[e * params.d4 + c];
    }
    var logit = acc.x + acc.y + acc.z + acc.w;
    if (params.has_bias != 0u) {
        logit += router_bias[e];
    }
    logits[i] = logit;
}
