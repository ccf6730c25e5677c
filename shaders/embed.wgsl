// x[t] = embed[id_t]: each token looks up its row. One thread per (token, feature).
// CPU twin: clinic::embed.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;               // [T]
@group(0) @binding(2) var<storage, read> embedding: array<f32>;         // [V, d]
@group(0) @binding(3) var<storage, read_write> emb: array<f32>;         // [T, d]

@compute @workgroup_size(64)
fn embed(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    let d = params.d4 * 4u;
    if (i >= params.tokens * d) {
        return;
    }
    let t = i / d;
    emb[i] = embedding[ids[t] * d + i % d];
}
