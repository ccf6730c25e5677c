// AdamW (Loshchilov and Hutter) over every trainable value at once: parameters, gradients
// and moments are each one buffer, the tensors laid end to end; `tensors` says where each
// starts and whether it decays. One thread per value. CPU twin: train::adamw.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> tensors: array<vec4<u32>>;     // [count]: start, len, decays, _
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> moment1: array<f32>;
@group(0) @binding(5) var<storage, read_write> moment2: array<f32>;

@compute @workgroup_size(64)
fn adamw(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    if (j >= params.trainable) {
        return;
    }
    // Values between tensors (alignment padding) belong to none and stay zero.
    var decay = -1.0;
    for (var k = 0u; k < params.tensor_count; k++) {
        let entry = tensors[k];
        if (j >= entry.x && j < entry.x + entry.y) {
            decay = select(0.0, params.weight_decay, entry.z != 0u);
        }
    }
    if (decay < 0.0) {
        return;
    }
    let g = grads[j];
    moment1[j] = ADAM_BETA1 * moment1[j] + (1.0 - ADAM_BETA1) * g;
    moment2[j] = ADAM_BETA2 * moment2[j] + (1.0 - ADAM_BETA2) * g * g;
    let m_hat = moment1[j] / params.correction1;
    let v_hat = moment2[j] / params.correction2;
    weights[j] = weights[j] - params.learning_rate * (m_hat / (sqrt(v_hat) + ADAM_EPSILON) + decay * weights[j]);
}
