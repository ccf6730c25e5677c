// Seats every assignment within capacity at its row in expert order: the permutation
// that groups tokens by expert. One thread per assignment; positions come from
// dispatch_count, so the scatter is stable and needs no atomics.
// CPU twin: reference::dispatch_scatter.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> assign_expert: array<i32>;     // [T, total_slots]
@group(0) @binding(2) var<storage, read> position: array<u32>;          // [T, total_slots]
@group(0) @binding(3) var<storage, read> expert_table: array<u32>;
@group(0) @binding(4) var<storage, read_write> row_token: array<u32>;   // [rows]
@group(0) @binding(5) var<storage, read_write> row_slot: array<u32>;    // [rows], for the backward
@group(0) @binding(6) var<storage, read_write> slot_row: array<i32>;    // [T, total_slots]

@compute @workgroup_size(64)
fn dispatch_scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let a = flat_index(gid, groups);
    if (a >= params.tokens * params.total_slots) {
        return;
    }
    let e = assign_expert[a];
    if (e < 0) {
        slot_row[a] = -1;
        return;
    }
    let pos = position[a];
    if (pos >= expert_table[table_seated(u32(e))]) {
        slot_row[a] = -1;
        return;
    }
    let row = expert_table[table_offset(u32(e))] + pos;
    row_token[row] = a / params.total_slots;
    row_slot[row] = a;
    slot_row[a] = i32(row);
}
