// out[row] = W2[e] hidden[row], so d_hidden[row, f] = sum_c d_out[row, c] W2[e, c, f].
// One thread per (row, hidden unit); padding rows get zero.
// CPU twin: backward::expert_down_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> expert_table: array<u32>;
@group(0) @binding(2) var<storage, read> block_expert: array<u32>;      // [rows / ROW_BLOCK]
@group(0) @binding(3) var<storage, read> w2: array<vec4<f32>>;          // [total_experts, d, ff4]
@group(0) @binding(4) var<storage, read> d_expert_out: array<f32>;      // [rows, d]
@group(0) @binding(5) var<storage, read_write> d_hidden: array<f32>;    // [rows, ff]

@compute @workgroup_size(64)
fn expert_down_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    let ff = params.ff4 * 4u;
    let row = j / ff;
    if (row >= expert_table[table_offset(params.total_experts)]) {
        return;
    }
    let f = j % ff;
    let e = block_expert[row / ROW_BLOCK];
    var acc = 0.0;
    if (e != NO_BLOCK && row - expert_table[table_offset(e)] < expert_table[table_seated(e)]) {
        for (var c = 0u; c < d; c++) {
            let w = (e * d + c) * ff + f;
            acc += d_expert_out[row * d + c] * w2[w / 4u][w % 4u];
        }
    }
    d_hidden[j] = acc;
}
