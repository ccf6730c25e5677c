// Exclusive prefix sum of the seated counts, each expert's group padded to a multiple of
// ROW_BLOCK rows, then the expert of every block of ROW_BLOCK rows, so that a matmul
// thread finds its expert with one read (vLLM's moe_align_block_size does the same).
// One workgroup: the scan is over at most a few hundred experts.
// CPU twin: reference::dispatch_offsets.

@group(0) @binding(0) var<uniform> params: Params;
// [offsets (total_experts + 1) | demand (total_experts) | seated (total_experts)]
@group(0) @binding(1) var<storage, read_write> expert_table: array<u32>;
@group(0) @binding(2) var<storage, read_write> block_expert: array<u32>;

var<workgroup> total_rows: u32;

@compute @workgroup_size(64)
fn dispatch_offsets(@builtin(local_invocation_index) lid: u32) {
    let n = params.total_experts;
    if (lid == 0u) {
        var acc = 0u;
        expert_table[table_offset(0u)] = 0u;
        for (var e = 0u; e < n; e++) {
            let seated = expert_table[table_seated(e)];
            acc += (seated + ROW_BLOCK - 1u) / ROW_BLOCK * ROW_BLOCK;
            expert_table[table_offset(e + 1u)] = acc;
        }
        total_rows = acc;
    }
    storageBarrier();
    workgroupBarrier();
    let rows = workgroupUniformLoad(&total_rows);
    let blocks = (params.max_rows + ROW_BLOCK - 1u) / ROW_BLOCK;
    for (var block = lid; block < blocks; block += 64u) {
        let row = block * ROW_BLOCK;
        var expert = NO_BLOCK;
        if (row < rows) {
            // The last e with offsets[e] <= row (empty experts share an offset).
            var lo = 0u;
            var hi = n;
            while (hi - lo > 1u) {
                let mid = (lo + hi) / 2u;
                if (expert_table[table_offset(mid)] <= row) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            expert = lo;
        }
        block_expert[block] = expert;
    }
}
