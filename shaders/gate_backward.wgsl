// A seated assignment's gate gradient: its token's dz dotted with its row's output;
// dropped and empty slots get zero. One thread per assignment.
// CPU twin: backward::gate_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> slot_row: array<i32>;          // [T, total_slots]
@group(0) @binding(2) var<storage, read> expert_out: array<vec4<f32>>;  // [rows, d4]
@group(0) @binding(3) var<storage, read> dz: array<f32>;                // [T, d]
@group(0) @binding(4) var<storage, read_write> d_gate: array<f32>;      // [T, total_slots]

@compute @workgroup_size(64)
fn gate_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let a = flat_index(gid, groups);
    if (a >= params.tokens * params.total_slots) {
        return;
    }
    let row = slot_row[a];
    var acc = 0.0;
    if (row >= 0) {
        let d = params.d4 * 4u;
        let t = a / params.total_slots;
        for (var c = 0u; c < d; c++) {
            acc += dz[t * d + c] * expert_out[u32(row) * params.d4 + c / 4u][c % 4u];
        }
    }
    d_gate[a] = acc;
}
