// Each row's gradient with respect to its token's input:
// dx_rows[row, i] = sum_f d_act[row, f] W1[e, f, i] (+ d_lin[row, f] W3[e, f, i]).
// One thread per (row, feature); padding rows get zero. CPU twin: backward::expert_up_input.

// ExpertKind::code(): 0 relu, 1 swiglu, 2 gelu. Set per pipeline.
override EXPERT_KIND: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> expert_table: array<u32>;
@group(0) @binding(2) var<storage, read> block_expert: array<u32>;      // [rows / ROW_BLOCK]
@group(0) @binding(3) var<storage, read> w1: array<vec4<f32>>;          // [total_experts, ff, d4]
@group(0) @binding(4) var<storage, read> w3: array<vec4<f32>>;          // like w1; SwiGLU only
@group(0) @binding(5) var<storage, read> d_act: array<f32>;             // [rows, ff]
@group(0) @binding(6) var<storage, read> d_lin: array<f32>;             // [rows, ff]; SwiGLU only
@group(0) @binding(7) var<storage, read_write> dx_rows: array<f32>;     // [rows, d]

@compute @workgroup_size(64)
fn expert_up_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    let ff = params.ff4 * 4u;
    let row = j / d;
    if (row >= expert_table[table_offset(params.total_experts)]) {
        return;
    }
    let i = j % d;
    let e = block_expert[row / ROW_BLOCK];
    var acc = 0.0;
    if (e != NO_BLOCK && row - expert_table[table_offset(e)] < expert_table[table_seated(e)]) {
        for (var f = 0u; f < ff; f++) {
            let w = (e * ff + f) * d + i;
            acc += d_act[row * ff + f] * w1[w / 4u][w % 4u];
            if (EXPERT_KIND == 1u) {
                acc += d_lin[row * ff + f] * w3[w / 4u][w % 4u];
            }
        }
    }
    dx_rows[j] = acc;
}
