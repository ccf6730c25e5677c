// The embedding's gradient per token: dh[t] itself, through each tap j that token t feeds
// (h[t + j] within its sentence), and through its sentence's mean.
// One thread per (token, feature). CPU twin: clinic::mix_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;            // [B + 1]
@group(0) @binding(2) var<storage, read> sentence: array<u32>;          // [T]
@group(0) @binding(3) var<storage, read> conv: array<f32>;              // [W, d]
@group(0) @binding(4) var<storage, read> dh: array<f32>;                // [T, d]
@group(0) @binding(5) var<storage, read> d_means: array<f32>;           // [B, d]
@group(0) @binding(6) var<storage, read_write> d_emb: array<f32>;       // [T, d]

@compute @workgroup_size(64)
fn mix_input_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (j >= params.tokens * d) {
        return;
    }
    let t = j / d;
    let i = j % d;
    let s = sentence[t];
    let taps = min(params.conv_width, starts[s + 1u] - t);
    var acc = dh[j];
    for (var k = 0u; k < taps; k++) {
        acc += conv[k * d + i] * dh[(t + k) * d + i];
    }
    d_emb[j] = acc + d_means[s * d + i] / sentence_length(starts[s], starts[s + 1u]);
}
