// The combine's gradient per expert row: y[t] = sum_s gate[t,s] out[row(t,s)], so a seated
// row's gradient is its gate times its token's dz (the layer's output gradient). Padding
// rows get zero. One thread per (row, feature) over the rows the dispatch laid out.
// CPU twin: backward::combine_backward.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> expert_table: array<u32>;
@group(0) @binding(2) var<storage, read> block_expert: array<u32>;      // [rows / ROW_BLOCK]
@group(0) @binding(3) var<storage, read> row_token: array<u32>;         // [rows]
@group(0) @binding(4) var<storage, read> row_slot: array<u32>;          // [rows]
@group(0) @binding(5) var<storage, read> assign_gate: array<f32>;       // [T, total_slots]
@group(0) @binding(6) var<storage, read> dz: array<f32>;                // [T, d]
@group(0) @binding(7) var<storage, read_write> d_expert_out: array<f32>; // [rows, d]

@compute @workgroup_size(64)
fn combine_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    let row = j / d;
    if (row >= expert_table[table_offset(params.total_experts)]) {
        return;
    }
    let e = block_expert[row / ROW_BLOCK];
    var value = 0.0;
    // Rows past an expert's seated count are padding: their token is stale.
    if (e != NO_BLOCK && row - expert_table[table_offset(e)] < expert_table[table_seated(e)]) {
        value = assign_gate[row_slot[row]] * dz[row_token[row] * d + j % d];
    }
    d_expert_out[j] = value;
}
