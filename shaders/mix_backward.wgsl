// The mixer's backward per sentence: d_contexts[s, o] = sum over its tokens of dh[t, o]
// (threads 0 .. B d), then d_means[s, i] = sum_o d_contexts[s, o] context[o, i] in the
// next kernel. One thread per (sentence, feature). CPU twin: clinic::mix_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;            // [B + 1]
@group(0) @binding(2) var<storage, read> dh: array<f32>;                // [T, d]
@group(0) @binding(3) var<storage, read_write> d_contexts: array<f32>;  // [B, d]

@compute @workgroup_size(64)
fn mix_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (j >= params.sentences * d) {
        return;
    }
    let s = j / d;
    let o = j % d;
    var acc = 0.0;
    for (var t = starts[s]; t < starts[s + 1u]; t++) {
        acc += dh[t * d + o];
    }
    d_contexts[j] = acc;
}
