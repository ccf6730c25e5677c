// dW2[e, c, f] = sum over expert e's seated rows of d_out[row, c] * hidden[row, f]: a
// gather per weight over the rows the dispatch grouped by expert.
// CPU twin: backward::expert_down_grad.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> expert_table: array<u32>;
@group(0) @binding(2) var<storage, read> hidden: array<vec4<f32>>;     // [rows, ff4]
@group(0) @binding(3) var<storage, read> d_expert_out: array<f32>;     // [rows, d]
@group(0) @binding(4) var<storage, read_write> d_w2: array<f32>;       // [total_experts, d, ff]

@compute @workgroup_size(64)
fn expert_down_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    let ff = params.ff4 * 4u;
    if (j >= params.total_experts * d * ff) {
        return;
    }
    let e = j / (d * ff);
    let c = (j / ff) % d;
    let f = j % ff;
    let first = expert_table[table_offset(e)];
    var acc = 0.0;
    for (var row = first; row < first + expert_table[table_seated(e)]; row++) {
        acc += d_expert_out[row * d + c] * hidden[row * params.ff4 + f / 4u][f % 4u];
    }
    d_w2[j] = acc;
}
