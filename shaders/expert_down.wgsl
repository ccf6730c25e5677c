// Second half of the grouped matmul: expert_out[row] = w2[e] hidden[row], for the rows
// of each expert's group. Same 4 x 4 register tile as expert_up; no gather, since the
// rows are already in expert order.
// CPU twin: reference::expert_down.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hidden: array<vec4<f32>>;      // [rows, ff4]
@group(0) @binding(2) var<storage, read> expert_table: array<u32>;
@group(0) @binding(3) var<storage, read> block_expert: array<u32>;      // [rows / ROW_BLOCK]
@group(0) @binding(4) var<storage, read> w2: array<vec4<f32>>;          // [total_experts, 4 * d4, ff4]
@group(0) @binding(5) var<storage, read_write> expert_out: array<vec4<f32>>; // [rows, d4]

@compute @workgroup_size(64)
fn expert_down(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let col = gid.x;
    let block = wid.y + wid.z * groups.y;
    if (col >= params.d4 || block * ROW_BLOCK >= params.max_rows) {
        return;
    }
    let e = block_expert[block];
    if (e == NO_BLOCK) {
        return;
    }
    let first = expert_table[table_offset(e)];
    let seated = expert_table[table_seated(e)];
    let row0 = block * ROW_BLOCK;
    let v0 = row0 - first < seated;
    let v1 = row0 + 1u - first < seated;
    let v2 = row0 + 2u - first < seated;
    let v3 = row0 + 3u - first < seated;
    let ff4 = params.ff4;
    let h0 = row0 * ff4;
    let w = (e * params.d4 * 4u + col * 4u) * ff4;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    for (var c = 0u; c < ff4; c++) {
        let r0 = hidden[h0 + c];
        let r1 = hidden[h0 + ff4 + c];
        let r2 = hidden[h0 + 2u * ff4 + c];
        let r3 = hidden[h0 + 3u * ff4 + c];
        let wa = w2[w + c];
        let wb = w2[w + ff4 + c];
        let wc = w2[w + 2u * ff4 + c];
        let wd = w2[w + 3u * ff4 + c];
        a0 += vec4<f32>(dot(r0, wa), dot(r0, wb), dot(r0, wc), dot(r0, wd));
        a1 += vec4<f32>(dot(r1, wa), dot(r1, wb), dot(r1, wc), dot(r1, wd));
        a2 += vec4<f32>(dot(r2, wa), dot(r2, wb), dot(r2, wc), dot(r2, wd));
        a3 += vec4<f32>(dot(r3, wa), dot(r3, wb), dot(r3, wc), dot(r3, wd));
    }
    let d4 = params.d4;
    let zero = vec4<f32>(0.0);
    expert_out[row0 * d4 + col] = select(zero, a0, v0);
    expert_out[(row0 + 1u) * d4 + col] = select(zero, a1, v1);
    expert_out[(row0 + 2u) * d4 + col] = select(zero, a2, v2);
    expert_out[(row0 + 3u) * d4 + col] = select(zero, a3, v3);
}
