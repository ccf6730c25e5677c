// hidden = act(W1 x) (* W3 x for SwiGLU): recomputes each row's pre-activations (scalar,
// in feature order, as the CPU twin does) and writes the gradients through the
// activation and, for SwiGLU, the linear branch. One thread per (row, hidden unit).
// CPU twin: backward::expert_up_backward.

// ExpertKind::code(): 0 relu, 1 swiglu, 2 gelu. Set per pipeline.
override EXPERT_KIND: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> expert_table: array<u32>;
@group(0) @binding(2) var<storage, read> block_expert: array<u32>;      // [rows / ROW_BLOCK]
@group(0) @binding(3) var<storage, read> row_token: array<u32>;         // [rows]
@group(0) @binding(4) var<storage, read> x: array<vec4<f32>>;           // [T, d4]
@group(0) @binding(5) var<storage, read> w1: array<vec4<f32>>;          // [total_experts, ff, d4]
@group(0) @binding(6) var<storage, read> w3: array<vec4<f32>>;          // like w1; SwiGLU only
@group(0) @binding(7) var<storage, read> d_hidden: array<f32>;          // [rows, ff]
@group(0) @binding(8) var<storage, read_write> d_act: array<f32>;       // [rows, ff]
@group(0) @binding(9) var<storage, read_write> d_lin: array<f32>;       // [rows, ff]; SwiGLU only

// Keep in sync with backward::activate_backward: (d pre-activation, d linear).
fn activate_backward(a: f32, linear: f32, g: f32) -> vec2<f32> {
    switch EXPERT_KIND {
        case 1u: {
            let s = 1.0 / (1.0 + exp(-a));
            return vec2<f32>(g * linear * (s + a * s * (1.0 - s)), g * (a * s));
        }
        case 2u: {
            let inner = 0.7978846 * (a + 0.044715 * a * a * a);
            // The forward clamps the tanh argument; beyond the clamp its slope is 0.
            var th = sign(inner);
            var slope = 0.0;
            if (abs(inner) < 10.0) {
                th = tanh(inner);
                slope = (1.0 - th * th) * 0.7978846 * (1.0 + 3.0 * 0.044715 * a * a);
            }
            return vec2<f32>(g * (0.5 * (1.0 + th) + 0.5 * a * slope), 0.0);
        }
        default: {
            return vec2<f32>(select(0.0, g, a > 0.0), 0.0);
        }
    }
}

@compute @workgroup_size(64)
fn expert_up_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d = params.d4 * 4u;
    let ff = params.ff4 * 4u;
    let row = j / ff;
    if (row >= expert_table[table_offset(params.total_experts)]) {
        return;
    }
    let f = j % ff;
    let e = block_expert[row / ROW_BLOCK];
    var grads = vec2<f32>(0.0);
    if (e != NO_BLOCK && row - expert_table[table_offset(e)] < expert_table[table_seated(e)]) {
        let xr = row_token[row] * params.d4;
        var a = 0.0;
        var linear = 0.0;
        for (var i = 0u; i < d; i++) {
            let w = (e * ff + f) * d + i;
            let xi = x[xr + i / 4u][i % 4u];
            a += xi * w1[w / 4u][w % 4u];
            if (EXPERT_KIND == 1u) {
                linear += xi * w3[w / 4u][w % 4u];
            }
        }
        if (EXPERT_KIND != 1u) {
            linear = 1.0;
        }
        grads = activate_backward(a, linear, d_hidden[j]);
    }
    d_act[j] = grads.x;
    if (EXPERT_KIND == 1u) {
        d_lin[j] = grads.y;
    }
}
