// Each sentence's mean embedding: means[s, i] = sum over its tokens of x[t, i] / len(s),
// summed in token order. One thread per (sentence, feature). CPU twin: clinic::mix.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;            // [B + 1]
@group(0) @binding(2) var<storage, read> emb: array<f32>;               // [T, d]
@group(0) @binding(3) var<storage, read_write> means: array<f32>;       // [B, d]

@compute @workgroup_size(64)
fn mix_mean(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (j >= params.sentences * d) {
        return;
    }
    let s = j / d;
    let i = j % d;
    var acc = 0.0;
    for (var t = starts[s]; t < starts[s + 1u]; t++) {
        acc += emb[t * d + i];
    }
    means[j] = acc / sentence_length(starts[s], starts[s + 1u]);
}
