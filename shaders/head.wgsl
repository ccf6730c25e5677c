// The triage head, one thread per sentence: pooled = mean over its tokens of z = h + y,
// logits = head . pooled + bias, probs = softmax(logits). CPU twin: clinic::head.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;            // [B + 1]
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;           // [T, d4]: h
@group(0) @binding(3) var<storage, read> y: array<vec4<f32>>;           // [T, d4]: the layer's output
@group(0) @binding(4) var<storage, read> head_weight: array<f32>;        // [C, d]
@group(0) @binding(5) var<storage, read> head_bias: array<f32>;         // [C]
@group(0) @binding(6) var<storage, read_write> pooled: array<f32>;      // [B, d]
@group(0) @binding(7) var<storage, read_write> head_logits: array<f32>; // [B, C]
@group(0) @binding(8) var<storage, read_write> head_probs: array<f32>;  // [B, C]

@compute @workgroup_size(64)
fn head(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let s = flat_index(gid, groups);
    if (s >= params.sentences) {
        return;
    }
    let d = params.d4 * 4u;
    let length = sentence_length(starts[s], starts[s + 1u]);
    for (var i = 0u; i < d; i++) {
        var acc = 0.0;
        for (var t = starts[s]; t < starts[s + 1u]; t++) {
            let at = t * params.d4 + i / 4u;
            acc += x[at][i % 4u] + y[at][i % 4u];
        }
        pooled[s * d + i] = acc / length;
    }
    var top = -3.4e38;
    for (var c = 0u; c < CLASSES; c++) {
        var acc = head_bias[c];
        for (var i = 0u; i < d; i++) {
            acc += head_weight[c * d + i] * pooled[s * d + i];
        }
        head_logits[s * CLASSES + c] = acc;
        top = max(top, acc);
    }
    var sum = 0.0;
    for (var c = 0u; c < CLASSES; c++) {
        sum += exp(head_logits[s * CLASSES + c] - top);
    }
    for (var c = 0u; c < CLASSES; c++) {
        head_probs[s * CLASSES + c] = exp(head_logits[s * CLASSES + c] - top) / sum;
    }
}
