// Router logits before noise: logits[t, e] = x[t] . router[e] (+ bias[e]).
// Each thread computes a 4 x 4 tile (4 tokens, 4 experts) with vec4 loads, like the
// expert matmuls: with one thread per logit the router cost a tenth of the layer at E = 32.
// CPU twin: reference::router_logits.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;           // [T, d4]
@group(0) @binding(2) var<storage, read> router: array<vec4<f32>>;      // [E, d4]
@group(0) @binding(3) var<storage, read> router_bias: array<f32>;       // [E], or one unused value
@group(0) @binding(4) var<storage, read_write> logits: array<f32>;      // [T, E]

fn store(t: u32, e: u32, value: f32) {
    if (t < params.tokens && e < params.experts) {
        var logit = value;
        if (params.has_bias != 0u) {
            logit += router_bias[e];
        }
        logits[t * params.experts + e] = logit;
    }
}

@compute @workgroup_size(64)
fn router_logits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    let expert_quads = (params.experts + 3u) / 4u;
    if (i >= (params.tokens + 3u) / 4u * expert_quads) {
        return;
    }
    let t0 = i / expert_quads * 4u;
    let e0 = i % expert_quads * 4u;
    // Reads past the last token or expert are clamped to it; their results are not stored.
    let d4 = params.d4;
    let last_t = params.tokens - 1u;
    let last_e = params.experts - 1u;
    let xa = min(t0, last_t) * d4;
    let xb = min(t0 + 1u, last_t) * d4;
    let xc = min(t0 + 2u, last_t) * d4;
    let xd = min(t0 + 3u, last_t) * d4;
    let ra = min(e0, last_e) * d4;
    let rb = min(e0 + 1u, last_e) * d4;
    let rc = min(e0 + 2u, last_e) * d4;
    let rd = min(e0 + 3u, last_e) * d4;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    for (var c = 0u; c < d4; c++) {
        let w0 = router[ra + c];
        let w1 = router[rb + c];
        let w2 = router[rc + c];
        let w3 = router[rd + c];
        let x0 = x[xa + c];
        let x1 = x[xb + c];
        let x2 = x[xc + c];
        let x3 = x[xd + c];
        a0 += vec4<f32>(dot(x0, w0), dot(x0, w1), dot(x0, w2), dot(x0, w3));
        a1 += vec4<f32>(dot(x1, w0), dot(x1, w1), dot(x1, w2), dot(x1, w3));
        a2 += vec4<f32>(dot(x2, w0), dot(x2, w1), dot(x2, w2), dot(x2, w3));
        a3 += vec4<f32>(dot(x3, w0), dot(x3, w1), dot(x3, w2), dot(x3, w3));
    }
    let rows = array<vec4<f32>, 4>(a0, a1, a2, a3);
    for (var r = 0u; r < 4u; r++) {
        for (var j = 0u; j < 4u; j++) {
            store(t0 + r, e0 + j, rows[r][j]);
        }
    }
}
