// d_embed[v, i] = sum over the batch's tokens with id v of d_emb[t, i]: a gather through
// the tokens sorted by id on the host (counting sort, token order within an id), since
// WGSL has no float atomics for a scatter-add. One thread per (vocabulary row, feature).
// CPU twin: clinic::embed_grad.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> by_id_order: array<u32>;       // [T]
@group(0) @binding(2) var<storage, read> by_id_start: array<u32>;       // [V + 1]
@group(0) @binding(3) var<storage, read> d_emb: array<f32>;             // [T, d]
@group(0) @binding(4) var<storage, read_write> d_embed: array<f32>;     // [V, d]

@compute @workgroup_size(64)
fn embed_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (j >= params.vocab * d) {
        return;
    }
    let v = j / d;
    let i = j % d;
    var acc = 0.0;
    for (var k = by_id_start[v]; k < by_id_start[v + 1u]; k++) {
        acc += d_emb[by_id_order[k] * d + i];
    }
    d_embed[j] = acc;
}
