// First half of the grouped matmul over routed rows only: each row gathers its token's
// hidden state and multiplies it by its own expert's w1 (and w3 for SwiGLU), then applies
// the activation: hidden[row] = act(w1[e] x[token]) (* w3[e] x[token]).
// Each thread computes a 4 x 4 tile (ROW_BLOCK rows of one expert, 4 output columns)
// with vec4 loads and no workgroup memory: on software Vulkan this beat shared-memory
// tiling, and the rows of a block always belong to one expert (dispatch_offsets pads).
// CPU twin: reference::expert_up.

// ExpertKind::code(): 0 relu, 1 swiglu, 2 gelu. Set per pipeline.
override EXPERT_KIND: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;           // [T, d4]
@group(0) @binding(2) var<storage, read> row_token: array<u32>;         // [rows]
@group(0) @binding(3) var<storage, read> expert_table: array<u32>;
@group(0) @binding(4) var<storage, read> block_expert: array<u32>;      // [rows / ROW_BLOCK]
@group(0) @binding(5) var<storage, read> w1: array<vec4<f32>>;          // [total_experts, 4 * ff4, d4]
@group(0) @binding(6) var<storage, read> w3: array<vec4<f32>>;          // like w1; read for SwiGLU only
@group(0) @binding(7) var<storage, read_write> hidden: array<vec4<f32>>; // [rows, ff4]

// Keep in sync with reference::activate.
fn activate(a: vec4<f32>, linear: vec4<f32>) -> vec4<f32> {
    switch EXPERT_KIND {
        case 1u: {
            return a / (vec4<f32>(1.0) + exp(-a)) * linear;
        }
        case 2u: {
            // tanh(u) is exactly 1.0 in f32 beyond |u| ~ 9; the clamp keeps GPUs whose
            // tanh is exp-based from producing inf / inf.
            let u = clamp(0.7978846 * (a + 0.044715 * a * a * a), vec4<f32>(-10.0), vec4<f32>(10.0));
            return 0.5 * a * (vec4<f32>(1.0) + tanh(u));
        }
        default: {
            return max(a, vec4<f32>(0.0));
        }
    }
}

@compute @workgroup_size(64)
fn expert_up(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let col = gid.x;
    let block = wid.y + wid.z * groups.y;
    if (col >= params.ff4 || block * ROW_BLOCK >= params.max_rows) {
        return;
    }
    let e = block_expert[block];
    if (e == NO_BLOCK) {
        return;
    }
    let first = expert_table[table_offset(e)];
    let seated = expert_table[table_seated(e)];
    let row0 = block * ROW_BLOCK;
    // Rows past the expert's seated count are padding: compute on token 0, store zeros.
    let v0 = row0 - first < seated;
    let v1 = row0 + 1u - first < seated;
    let v2 = row0 + 2u - first < seated;
    let v3 = row0 + 3u - first < seated;
    let d4 = params.d4;
    let x0 = select(0u, row_token[row0], v0) * d4;
    let x1 = select(0u, row_token[row0 + 1u], v1) * d4;
    let x2 = select(0u, row_token[row0 + 2u], v2) * d4;
    let x3 = select(0u, row_token[row0 + 3u], v3) * d4;
    // Weight rows of output columns 4 col .. 4 col + 3.
    let w = (e * params.ff4 * 4u + col * 4u) * d4;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    var u0 = vec4<f32>(1.0);
    var u1 = vec4<f32>(1.0);
    var u2 = vec4<f32>(1.0);
    var u3 = vec4<f32>(1.0);
    if (EXPERT_KIND == 1u) {
        u0 = vec4<f32>(0.0);
        u1 = vec4<f32>(0.0);
        u2 = vec4<f32>(0.0);
        u3 = vec4<f32>(0.0);
    }
    for (var c = 0u; c < d4; c++) {
        let r0 = x[x0 + c];
        let r1 = x[x1 + c];
        let r2 = x[x2 + c];
        let r3 = x[x3 + c];
        let wa = w1[w + c];
        let wb = w1[w + d4 + c];
        let wc = w1[w + 2u * d4 + c];
        let wd = w1[w + 3u * d4 + c];
        a0 += vec4<f32>(dot(r0, wa), dot(r0, wb), dot(r0, wc), dot(r0, wd));
        a1 += vec4<f32>(dot(r1, wa), dot(r1, wb), dot(r1, wc), dot(r1, wd));
        a2 += vec4<f32>(dot(r2, wa), dot(r2, wb), dot(r2, wc), dot(r2, wd));
        a3 += vec4<f32>(dot(r3, wa), dot(r3, wb), dot(r3, wc), dot(r3, wd));
        if (EXPERT_KIND == 1u) {
            let la = w3[w + c];
            let lb = w3[w + d4 + c];
            let lc = w3[w + 2u * d4 + c];
            let ld = w3[w + 3u * d4 + c];
            u0 += vec4<f32>(dot(r0, la), dot(r0, lb), dot(r0, lc), dot(r0, ld));
            u1 += vec4<f32>(dot(r1, la), dot(r1, lb), dot(r1, lc), dot(r1, ld));
            u2 += vec4<f32>(dot(r2, la), dot(r2, lb), dot(r2, lc), dot(r2, ld));
            u3 += vec4<f32>(dot(r3, la), dot(r3, lb), dot(r3, lc), dot(r3, ld));
        }
    }
    let ff4 = params.ff4;
    let zero = vec4<f32>(0.0);
    hidden[row0 * ff4 + col] = select(zero, activate(a0, u0), v0);
    hidden[(row0 + 1u) * ff4 + col] = select(zero, activate(a1, u1), v1);
    hidden[(row0 + 2u) * ff4 + col] = select(zero, activate(a2, u2), v2);
    hidden[(row0 + 3u) * ff4 + col] = select(zero, activate(a3, u3), v3);
}
