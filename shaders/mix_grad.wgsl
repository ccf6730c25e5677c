// The mixer's weights: d_conv[j, i] = sum over tokens at least j into their sentence of
// dh[t, i] x[t - j, i] (threads 0 .. W d), then d_context[o, i] = sum_s d_contexts[s, o]
// means[s, i] (the next d d threads). CPU twin: clinic::mix_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;            // [B + 1]
@group(0) @binding(2) var<storage, read> sentence: array<u32>;          // [T]
@group(0) @binding(3) var<storage, read> emb: array<f32>;               // [T, d]
@group(0) @binding(4) var<storage, read> means: array<f32>;             // [B, d]
@group(0) @binding(5) var<storage, read> dh: array<f32>;                // [T, d]
@group(0) @binding(6) var<storage, read> d_contexts: array<f32>;        // [B, d]
@group(0) @binding(7) var<storage, read_write> d_conv: array<f32>;      // [W, d]
@group(0) @binding(8) var<storage, read_write> d_context: array<f32>;   // [d, d]

@compute @workgroup_size(64)
fn mix_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    let taps = params.conv_width * d;
    if (j < taps) {
        let k = j / d;
        let i = j % d;
        var acc = 0.0;
        for (var t = 0u; t < params.tokens; t++) {
            if (t - starts[sentence[t]] >= k) {
                acc += dh[t * d + i] * emb[(t - k) * d + i];
            }
        }
        d_conv[j] = acc;
    } else if (j < taps + d * d) {
        let o = (j - taps) / d;
        let i = (j - taps) % d;
        var acc = 0.0;
        for (var s = 0u; s < params.sentences; s++) {
            acc += d_contexts[s * d + o] * means[s * d + i];
        }
        d_context[j - taps] = acc;
    }
}
