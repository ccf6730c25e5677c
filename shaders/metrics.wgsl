// What a step reports, in one thread (a few thousand terms): the mean cross-entropy over
// the sentences, right answers overall and per language, the balance loss
// E sum_i f_i P_i and the z-loss mean_t lse_t^2. The page reads this back at most once
// per drawn frame. CPU twin: train::losses.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> labels: array<u32>;            // [B]
@group(0) @binding(2) var<storage, read> langs: array<u32>;             // [B]
@group(0) @binding(3) var<storage, read> head_logits: array<f32>;       // [B, C]
@group(0) @binding(4) var<storage, read> head_probs: array<f32>;        // [B, C]
@group(0) @binding(5) var<storage, read> logits: array<f32>;            // [T, E], clean
@group(0) @binding(6) var<storage, read> probs: array<f32>;             // [T, E]
@group(0) @binding(7) var<storage, read> expert_table: array<u32>;
// [cross-entropy, balance, z-loss, correct, correct en, total en, correct pt-BR, total pt-BR]
@group(0) @binding(8) var<storage, read_write> step_metrics: array<f32>;

fn logsumexp_class(s: u32) -> f32 {
    var top = -3.4e38;
    for (var c = 0u; c < CLASSES; c++) {
        top = max(top, head_logits[s * CLASSES + c]);
    }
    var total = 0.0;
    for (var c = 0u; c < CLASSES; c++) {
        total += exp(head_logits[s * CLASSES + c] - top);
    }
    return top + log(total);
}

@compute @workgroup_size(1)
fn metrics() {
    let b = params.sentences;
    var ce = 0.0;
    var correct = 0u;
    var by_lang = array<vec2<u32>, 2>(vec2<u32>(0u), vec2<u32>(0u));
    for (var s = 0u; s < b; s++) {
        ce += (logsumexp_class(s) - head_logits[s * CLASSES + labels[s]]) / f32(b);
        // The last of the largest probabilities, as clinic::predicted_class (Rust's
        // max_by) breaks ties.
        var best = 0u;
        for (var c = 1u; c < CLASSES; c++) {
            if (head_probs[s * CLASSES + c] >= head_probs[s * CLASSES + best]) {
                best = c;
            }
        }
        let right = select(0u, 1u, best == labels[s]);
        correct += right;
        by_lang[langs[s]] += vec2<u32>(right, 1u);
    }
    let experts = params.experts;
    let t_count = params.tokens;
    var balance = 0.0;
    let assignments = f32(t_count * params.top_k);
    for (var i = 0u; i < experts; i++) {
        var p = 0.0;
        for (var t = 0u; t < t_count; t++) {
            p += probs[t * experts + i];
        }
        balance += (f32(expert_table[table_demand(i)]) / assignments) * p / f32(t_count);
    }
    var z = 0.0;
    for (var t = 0u; t < t_count; t++) {
        var top = logits[t * experts];
        for (var e = 1u; e < experts; e++) {
            top = max(top, logits[t * experts + e]);
        }
        var total = 0.0;
        for (var e = 0u; e < experts; e++) {
            total += exp(logits[t * experts + e] - top);
        }
        let lse = top + log(total);
        z += lse * lse;
    }
    step_metrics[0] = ce;
    step_metrics[1] = f32(experts) * balance;
    step_metrics[2] = z / f32(t_count);
    step_metrics[3] = f32(correct);
    step_metrics[4] = f32(by_lang[0].x);
    step_metrics[5] = f32(by_lang[0].y);
    step_metrics[6] = f32(by_lang[1].x);
    step_metrics[7] = f32(by_lang[1].y);
}
