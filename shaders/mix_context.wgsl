// What every token of a sentence adds: contexts[s, o] = sum_i context[o, i] * means[s, i].
// One thread per (sentence, output feature). CPU twin: clinic::mix.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> context: array<f32>;           // [d, d]
@group(0) @binding(2) var<storage, read> means: array<f32>;             // [B, d]
@group(0) @binding(3) var<storage, read_write> contexts: array<f32>;    // [B, d]

@compute @workgroup_size(64)
fn mix_context(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (j >= params.sentences * d) {
        return;
    }
    let s = j / d;
    let o = j % d;
    var acc = 0.0;
    for (var i = 0u; i < d; i++) {
        acc += context[o * d + i] * means[s * d + i];
    }
    contexts[j] = acc;
}
