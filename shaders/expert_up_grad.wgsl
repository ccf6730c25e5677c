// dW1[e, f, i] = sum over expert e's seated rows of d_act[row, f] * x[token, i], and dW3
// the same with d_lin for SwiGLU. One thread per weight.
// CPU twin: backward::expert_up_grad.

// ExpertKind::code(): 0 relu, 1 swiglu, 2 gelu. Set per pipeline.
override EXPERT_KIND: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> expert_table: array<u32>;
@group(0) @binding(2) var<storage, read> row_token: array<u32>;         // [rows]
@group(0) @binding(3) var<storage, read> x: array<vec4<f32>>;           // [T, d4]
@group(0) @binding(4) var<storage, read> d_act: array<f32>;             // [rows, ff]
@group(0) @binding(5) var<storage, read> d_lin: array<f32>;             // [rows, ff]; SwiGLU only
@group(0) @binding(6) var<storage, read_write> d_w1: array<f32>;        // [total_experts, ff, d]
@group(0) @binding(7) var<storage, read_write> d_w3: array<f32>;        // like d_w1; SwiGLU only

@compute @workgroup_size(64)
fn expert_up_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    let ff = params.ff4 * 4u;
    if (j >= params.total_experts * ff * d) {
        return;
    }
    let e = j / (ff * d);
    let f = (j / d) % ff;
    let i = j % d;
    let first = expert_table[table_offset(e)];
    var g1 = 0.0;
    var g3 = 0.0;
    for (var row = first; row < first + expert_table[table_seated(e)]; row++) {
        let xi = x[row_token[row] * params.d4 + i / 4u][i % 4u];
        g1 += d_act[row * ff + f] * xi;
        if (EXPERT_KIND == 1u) {
            g3 += d_lin[row * ff + f] * xi;
        }
    }
    d_w1[j] = g1;
    if (EXPERT_KIND == 1u) {
        d_w3[j] = g3;
    }
}
