// d_means[s, i] = sum_o d_contexts[s, o] * context[o, i]: through the context map back to
// each sentence's mean. One thread per (sentence, feature). CPU twin: clinic::mix_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> context: array<f32>;           // [d, d]
@group(0) @binding(2) var<storage, read> d_contexts: array<f32>;        // [B, d]
@group(0) @binding(3) var<storage, read_write> d_means: array<f32>;     // [B, d]

@compute @workgroup_size(64)
fn mix_mean_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (j >= params.sentences * d) {
        return;
    }
    let s = j / d;
    let i = j % d;
    var acc = 0.0;
    for (var o = 0u; o < d; o++) {
        acc += d_contexts[s * d + o] * context[o * d + i];
    }
    d_means[j] = acc;
}
