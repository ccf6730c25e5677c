// dz[t, i] = sum_c d_logits[s, c] * head[c, i] / len(s): the gradient of the pooled mean,
// the same for h (through the residual) and for the layer's output y.
// CPU twin: clinic::pool_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;            // [B + 1]
@group(0) @binding(2) var<storage, read> sentence: array<u32>;          // [T]
@group(0) @binding(3) var<storage, read> d_head_logits: array<f32>;     // [B, C]
@group(0) @binding(4) var<storage, read> head_weight: array<f32>;        // [C, d]
@group(0) @binding(5) var<storage, read_write> dz: array<f32>;          // [T, d]

@compute @workgroup_size(64)
fn pool_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (j >= params.tokens * d) {
        return;
    }
    let s = sentence[j / d];
    let i = j % d;
    var acc = 0.0;
    for (var c = 0u; c < CLASSES; c++) {
        acc += d_head_logits[s * CLASSES + c] * head_weight[c * d + i];
    }
    dz[j] = acc / sentence_length(starts[s], starts[s + 1u]);
}
