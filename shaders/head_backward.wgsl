// Cross-entropy against each sentence's label, averaged over the B sentences:
// d_head_logits[s, c] = (probs[s, c] - [c = label_s]) / B. One thread per (sentence, class).
// CPU twin: clinic::head_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> labels: array<u32>;            // [B]
@group(0) @binding(2) var<storage, read> head_probs: array<f32>;        // [B, C]
@group(0) @binding(3) var<storage, read_write> d_head_logits: array<f32>; // [B, C]

@compute @workgroup_size(64)
fn head_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    if (j >= params.sentences * CLASSES) {
        return;
    }
    let s = j / CLASSES;
    let wanted = select(0.0, 1.0, j % CLASSES == labels[s]);
    d_head_logits[j] = (head_probs[j] - wanted) / f32(params.sentences);
}
