// DeepSeek-V3's auxiliary-loss-free balancing: after a step, each expert's selection bias
// moves by gamma towards the mean load of the batch (down when busier, up when idler),
// then the biases are recentred on zero and bounded (|b| <= MAX_SELECTION_BIAS), and the
// selection multipliers router_select reads become exp(bias). One thread.
// CPU twin: train::update_selection_bias.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> expert_table: array<u32>;
@group(0) @binding(2) var<storage, read_write> selection_bias: array<f32>; // [E]
@group(0) @binding(3) var<storage, read_write> selection: array<f32>;      // [E]

@compute @workgroup_size(1)
fn balance_bias() {
    var total = 0.0;
    for (var e = 0u; e < params.experts; e++) {
        total += f32(expert_table[table_demand(e)]);
    }
    let mean = total / f32(params.experts);
    var sum = 0.0;
    for (var e = 0u; e < params.experts; e++) {
        let load = f32(expert_table[table_demand(e)]);
        if (load > mean) {
            selection_bias[e] -= params.gamma;
        } else if (load < mean) {
            selection_bias[e] += params.gamma;
        }
        sum += selection_bias[e];
    }
    // Recentred and bounded as the CPU twin does: only differences change a choice.
    let centre = sum / f32(params.experts);
    for (var e = 0u; e < params.experts; e++) {
        selection_bias[e] = clamp(selection_bias[e] - centre, -MAX_SELECTION_BIAS, MAX_SELECTION_BIAS);
        selection[e] = exp(selection_bias[e]);
    }
}
