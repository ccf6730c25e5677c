// y[t] = sum over token t's seated slots of gate * expert_out[row]: a gather, so every
// output element is written by one thread summing in slot order. Deterministic, and no
// float atomics (which WGSL lacks anyway). Shared-expert slots have gate 1.
// CPU twin: reference::combine.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> assign_gate: array<f32>;       // [T, total_slots]
@group(0) @binding(2) var<storage, read> slot_row: array<i32>;          // [T, total_slots]
@group(0) @binding(3) var<storage, read> expert_out: array<vec4<f32>>;  // [rows, d4]
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;     // [T, d4]

@compute @workgroup_size(64)
fn combine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if (i >= params.tokens * params.d4) {
        return;
    }
    let t = i / params.d4;
    let c = i % params.d4;
    var acc = vec4<f32>(0.0);
    for (var slot = 0u; slot < params.total_slots; slot++) {
        let a = t * params.total_slots + slot;
        let row = slot_row[a];
        if (row >= 0) {
            acc += assign_gate[a] * expert_out[u32(row) * params.d4 + c];
        }
    }
    y[i] = acc;
}
