// The mixer: h[t] = x[t] + sum_j conv[j] * x[t - j] (taps within the sentence) +
// contexts[s]. Writes the MoE layer's input, four features per thread (the layer reads
// vec4s); the arithmetic is per component, as in the CPU twin: clinic::mix.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;            // [B + 1]
@group(0) @binding(2) var<storage, read> sentence: array<u32>;          // [T]
@group(0) @binding(3) var<storage, read> conv: array<f32>;              // [W, d]
@group(0) @binding(4) var<storage, read> emb: array<f32>;               // [T, d]
@group(0) @binding(5) var<storage, read> contexts: array<f32>;          // [B, d]
@group(0) @binding(6) var<storage, read_write> x: array<vec4<f32>>;     // [T, d4]: the layer's input

// Four consecutive values of each scalar input (WGSL passes no storage pointers to
// functions without an extension, hence one reader per binding).
fn emb4(at: u32) -> vec4<f32> {
    return vec4<f32>(emb[at], emb[at + 1u], emb[at + 2u], emb[at + 3u]);
}

fn conv4(at: u32) -> vec4<f32> {
    return vec4<f32>(conv[at], conv[at + 1u], conv[at + 2u], conv[at + 3u]);
}

fn contexts4(at: u32) -> vec4<f32> {
    return vec4<f32>(contexts[at], contexts[at + 1u], contexts[at + 2u], contexts[at + 3u]);
}

@compute @workgroup_size(64)
fn mix(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let j = flat_index(gid, groups);
    let d4 = params.d4;
    if (j >= params.tokens * d4) {
        return;
    }
    let d = d4 * 4u;
    let t = j / d4;
    let i = (j % d4) * 4u;
    let s = sentence[t];
    let taps = min(params.conv_width, t - starts[s] + 1u);
    var acc = emb4(t * d + i);
    for (var k = 0u; k < taps; k++) {
        acc += conv4(k * d + i) * emb4((t - k) * d + i);
    }
    x[j] = acc + contexts4(s * d + i);
}
