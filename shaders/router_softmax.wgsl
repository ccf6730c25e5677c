// p[t] = softmax(logits[t] + noise_scale * noise(seed, t, e)), one thread per token.
// CPU twin: reference::router_softmax.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;            // [T, E]
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;       // [T, E]

fn noisy_logit(t: u32, e: u32) -> f32 {
    let logit = logits[t * params.experts + e];
    if (params.noise_on != 0u) {
        return logit + params.noise_scale * noise_normal(params.noise_seed, t, e);
    }
    return logit;
}

@compute @workgroup_size(64)
fn router_softmax(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let t = flat_index(gid, groups);
    if (t >= params.tokens) {
        return;
    }
    var top = noisy_logit(t, 0u);
    for (var e = 1u; e < params.experts; e++) {
        top = max(top, noisy_logit(t, e));
    }
    var sum = 0.0;
    for (var e = 0u; e < params.experts; e++) {
        sum += exp(noisy_logit(t, e) - top);
    }
    for (var e = 0u; e < params.experts; e++) {
        probs[t * params.experts + e] = exp(noisy_logit(t, e) - top) / sum;
    }
}
