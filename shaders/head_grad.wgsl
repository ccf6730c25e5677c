// The head's gradients: d_head[c, i] = sum_s d_logits[s, c] * pooled[s, i] (threads
// 0 .. C d), then d_head_bias[c] = sum_s d_logits[s, c] (the next C threads).
// CPU twin: clinic::head_grad.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> d_head_logits: array<f32>;     // [B, C]
@group(0) @binding(2) var<storage, read> pooled: array<f32>;            // [B, d]
@group(0) @binding(3) var<storage, read_write> d_head: array<f32>;      // [C, d]
@group(0) @binding(4) var<storage, read_write> d_head_bias: array<f32>; // [C]

@compute @workgroup_size(64)
fn head_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (j < CLASSES * d) {
        let c = j / d;
        let i = j % d;
        var acc = 0.0;
        for (var s = 0u; s < params.sentences; s++) {
            acc += d_head_logits[s * CLASSES + c] * pooled[s * d + i];
        }
        d_head[j] = acc;
    } else if (j < CLASSES * d + CLASSES) {
        let c = j - CLASSES * d;
        var acc = 0.0;
        for (var s = 0u; s < params.sentences; s++) {
            acc += d_head_logits[s * CLASSES + c];
        }
        d_head_bias[c] = acc;
    }
}
