// Per-expert histogram and stable positions. One workgroup per expert walks all
// assignments in priority order (every token's first slot in token order, then every
// second slot, ...) in chunks of 64, and numbers those sent to its expert with a
// workgroup prefix sum. An assignment's position is its place in the expert's queue, so
// capacity keeps the earliest ones: Switch's per-sequence token order, and GShard's
// "first choices before second choices". Shared experts (index >= E) have no capacity.
// CPU twin: reference::dispatch_count.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> assign_expert: array<i32>;     // [T, total_slots]
@group(0) @binding(2) var<storage, read_write> position: array<u32>;    // [T, total_slots]
// [offsets (total_experts + 1) | demand (total_experts) | seated (total_experts)]
@group(0) @binding(3) var<storage, read_write> expert_table: array<u32>;

var<workgroup> scan: array<u32, 64>;

@compute @workgroup_size(64)
fn dispatch_count(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let e = wid.x;
    let count = params.tokens * params.total_slots;
    var queued = 0u;
    for (var chunk = 0u; chunk < count; chunk += 64u) {
        let q = chunk + lid;
        var a = 0u;
        var hit = 0u;
        if (q < count) {
            let slot = q / params.tokens;
            let t = q % params.tokens;
            a = t * params.total_slots + slot;
            hit = select(0u, 1u, assign_expert[a] == i32(e));
        }
        scan[lid] = hit;
        workgroupBarrier();
        // Hillis-Steele inclusive scan over the chunk.
        for (var offset = 1u; offset < 64u; offset <<= 1u) {
            var left = 0u;
            if (lid >= offset) {
                left = scan[lid - offset];
            }
            workgroupBarrier();
            scan[lid] += left;
            workgroupBarrier();
        }
        if (hit == 1u) {
            position[a] = queued + scan[lid] - 1u;
        }
        queued += scan[63];
        workgroupBarrier();
    }
    if (lid == 0u) {
        expert_table[table_demand(e)] = queued;
        var seated = queued;
        if (e < params.experts) {
            seated = min(queued, params.seat_limit);
        }
        expert_table[table_seated(e)] = seated;
    }
}
