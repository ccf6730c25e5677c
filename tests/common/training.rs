//! One training step on the GPU against the same step on the CPU (`model::train`), stage
//! by stage: shared by the native GPU tests (lavapipe) and the browser suite (WebGPU).
#![allow(dead_code, reason = "each test file uses a different subset")]

use moe_clinic::gpu::kernels::{Buf, ExpertTable};
use moe_clinic::gpu::model::GpuModel;
use moe_clinic::model::clinic::{CLASSES, ClinicConfig, ClinicWeights};
use moe_clinic::model::labels::{Lang, Specialty};
use moe_clinic::model::train::{
    Balance, Batch, Moments, Sample, TrainSpec, apply, forward, gradients, learning_rate, losses, update_selection_bias,
};
use moe_clinic::moe::parity::{Check, first_failure};
use moe_clinic::moe::reference::LayerRun;
use moe_clinic::moe::{Architecture, Capacity, ExpertKind, RouterKind, Routing, Style};
use moe_clinic::rng::Rng;
use std::collections::HashMap;

/// Tolerances, |gpu - cpu| <= atol + rtol |cpu|. The forward matches the layer's own
/// parity tolerances; gradients and updates add exp, log, tanh and sqrt, whose WGSL
/// implementations may differ from Rust's by a few ulps, and sums of products of those.
const FORWARD: (f32, f32) = (1e-5, 1e-4);
const GRADIENTS: (f32, f32) = (1e-6, 1e-4);
const UPDATED: (f32, f32) = (1e-7, 1e-5);

const VOCAB: usize = 40;
const MARGIN: f32 = 1e-5;

fn config(router: RouterKind, kind: ExpertKind, shared: usize) -> (ClinicConfig, Routing) {
    let moe = Architecture {
        d_model: 8,
        d_ff: 12,
        num_experts: 5,
        expert_kind: kind,
        router_bias: kind == ExpertKind::Relu,
        shared_experts: shared,
    };
    let routing = Routing {
        router,
        top_k: router.fit_top_k(2, 5),
        capacity: match router {
            RouterKind::Switch | RouterKind::TokenChoice => Capacity::Factor(1.0),
            RouterKind::ExpertChoice => Capacity::Factor(1.25),
            _ => Capacity::Dropless,
        },
        noise: None,
    };
    let style = if kind == ExpertKind::Swiglu { Style::Mixtral } else { Style::Switch };
    (ClinicConfig { name: "parity".into(), vocab_size: VOCAB, conv_width: 3, style, moe, routing }, routing)
}

/// Three to five sentences of 1 to 9 tokens, labels and languages mixed.
fn batch(rng: &mut Rng) -> Batch {
    let sentences = 3 + rng.below(3);
    let samples: Vec<Sample> = (0..sentences)
        .map(|s| Sample {
            ids: (0..1 + rng.below(9)).map(|_| rng.below(VOCAB) as u32).collect(),
            label: Specialty::ALL[rng.below(4)],
            lang: Lang::ALL[s % 2],
        })
        .collect();
    Batch::new(&samples, VOCAB)
}

/// Whether some routing decision of the run is closer than the margin (then the batch is
/// redrawn): the ranked keys of each token's top k + 1 (all E for dense and expert choice),
/// and for expert choice each expert's C-th against (C+1)-th token.
fn near_tie(run: &LayerRun, arch: &Architecture, routing: &Routing, selection: &[f32]) -> bool {
    let (t_count, e) = (run.dims.tokens, run.dims.experts);
    let biased = !selection.is_empty() && routing.router.tokens_choose();
    let ranked = match routing.router {
        RouterKind::Dense | RouterKind::ExpertChoice => e,
        _ => (routing.top_k + 1).min(e),
    };
    for t in 0..t_count {
        let mut keys: Vec<f32> =
            (0..e).map(|i| run.probs[t * e + i] * if biased { selection[i] } else { 1.0 }).collect();
        keys.sort_by(|a, b| b.total_cmp(a));
        if keys[..ranked].windows(2).any(|w| w[0] - w[1] < MARGIN) {
            return true;
        }
    }
    if routing.router == RouterKind::ExpertChoice {
        let c = routing.expert_capacity(arch, t_count).unwrap_or(0);
        for x in 0..e {
            let mut column: Vec<f32> = (0..t_count).map(|t| run.probs[t * e + x]).collect();
            column.sort_by(|a, b| b.total_cmp(a));
            if c > 0 && c < column.len() && column[c - 1] - column[c] < MARGIN {
                return true;
            }
        }
    }
    false
}

fn f32s(read: &HashMap<Buf, Vec<u8>>, buf: Buf, len: usize) -> Vec<f32> {
    let mut values: Vec<f32> = bytemuck::pod_collect_to_vec(&read[&buf]);
    values.truncate(len);
    values
}

fn u32s(read: &HashMap<Buf, Vec<u8>>, buf: Buf, len: usize) -> Vec<u32> {
    let mut values: Vec<u32> = bytemuck::pod_collect_to_vec(&read[&buf]);
    values.truncate(len);
    values
}

fn i32s(read: &HashMap<Buf, Vec<u8>>, buf: Buf, len: usize) -> Vec<i32> {
    let mut values: Vec<i32> = bytemuck::pod_collect_to_vec(&read[&buf]);
    values.truncate(len);
    values
}

/// Every router, both expert kinds, with and without a shared expert: 20 configurations,
/// DeepSeek-V3's bias on the token-choice routers with a shared SwiGLU expert, the
/// auxiliary loss elsewhere.
pub fn cases() -> Vec<(RouterKind, ExpertKind, usize, Balance, u64)> {
    let mut cases = Vec::new();
    for (i, router) in RouterKind::ALL.into_iter().enumerate() {
        for kind in [ExpertKind::Swiglu, ExpertKind::Relu] {
            for shared in [0, 1] {
                let balance = if router.tokens_choose() && shared == 1 && kind == ExpertKind::Swiglu {
                    Balance::Bias { gamma: 0.05 }
                } else {
                    Balance::Aux { alpha: 0.1 }
                };
                cases.push((router, kind, shared, balance, (i * 4 + shared) as u64));
            }
        }
    }
    cases
}

/// One step of a configuration on the GPU against the CPU, stage by stage; panics naming
/// the first stage that differs.
pub async fn check_case(
    ctx: &std::rc::Rc<moe_clinic::gpu::GpuContext>,
    router: RouterKind,
    kind: ExpertKind,
    shared: usize,
    balance: Balance,
    seed: u64,
) {
    let (config, routing) = config(router, kind, shared);
    let spec = TrainSpec {
        seed,
        epochs: 1,
        batch: 4,
        learning_rate: 1e-2,
        balance,
        capacity_factor: None,
        z_loss: 1e-2,
        token_dropout: 0.0,
        weight_decay: 0.6,
        context_identity: 2.0,
    };
    let label = format!("{router} {kind:?} shared {shared} {balance:?}");
    let mut rng = Rng::new(seed + 100);
    let mut weights = ClinicWeights::init(config, seed, 2.0);
    // Larger than at initialisation, so that every gradient is visible.
    for (_, t) in weights.tensors_mut() {
        t.iter_mut().for_each(|v| *v *= 2.0);
    }
    if let Balance::Bias { .. } = balance {
        weights.moe.selection_bias = (0..5).map(|e| 0.3 * e as f32 - 0.6).collect();
    }
    let selection = weights.moe.selection_multipliers();
    let mut batch = batch(&mut rng);
    let mut redrawn = 0;
    let arch = weights.config.moe;
    while near_tie(&forward(&weights, &routing, &batch).run, &arch, &routing, &selection) {
        batch = self::batch(&mut rng);
        redrawn += 1;
        assert!(redrawn < 50, "{label}: no batch clears the margin");
    }

    // The CPU step.
    let f = forward(&weights, &routing, &batch);
    let (report, pull) = losses(&f, &batch, &routing, &spec);
    let g = gradients(&weights, &routing, &batch, &f, pull.as_ref(), spec.z_loss);
    let mut updated = weights.clone();
    let mut moments: Vec<Moments> =
        updated.tensors_mut().iter().map(|(_, t)| Moments { m: vec![0.0; t.len()], v: vec![0.0; t.len()] }).collect();
    let total_steps = 10;
    let lr = learning_rate(spec.learning_rate, 1, total_steps);
    apply(&mut updated, &g.clinic, &g.layer.grads, &mut moments, lr, spec.weight_decay, 1);
    if let Balance::Bias { gamma } = balance {
        update_selection_bias(&mut updated.moe.selection_bias, &report.demand, gamma);
    }

    // The GPU step, and everything it left in its buffers.
    let mut gpu = GpuModel::new(ctx.clone(), &weights, spec, routing, total_steps)
        .await
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    gpu.step(&batch).await.unwrap_or_else(|e| panic!("{label}: {e}"));
    let bufs = [
        Buf::Emb,
        Buf::Means,
        Buf::Contexts,
        Buf::X,
        Buf::Logits,
        Buf::Probs,
        Buf::AssignExpert,
        Buf::AssignGate,
        Buf::ExpertTable,
        Buf::SlotRow,
        Buf::Hidden,
        Buf::ExpertOut,
        Buf::Y,
        Buf::Pooled,
        Buf::HeadLogits,
        Buf::HeadProbs,
        Buf::DHeadLogits,
        Buf::Dz,
        Buf::DExpertOut,
        Buf::DGate,
        Buf::DHidden,
        Buf::DAct,
        Buf::DLin,
        Buf::DxRows,
        Buf::DRouterLogits,
        Buf::Dh,
        Buf::DContexts,
        Buf::DMeans,
        Buf::DEmb,
        Buf::Grads,
        Buf::Weights,
        Buf::Moment1,
        Buf::Moment2,
        Buf::SelectionBias,
    ];
    let read = gpu.read(&bufs).await.unwrap();
    let run = &f.run;
    let (d, ff, t_count) = (8, 12, batch.segments.tokens());
    let rows = run.offsets.last().copied().unwrap_or(0) as usize;
    let layout = ExpertTable { experts: run.dims.total_experts };
    let table: Vec<u32> = u32s(&read, Buf::ExpertTable, layout.entries());
    let (demand, seated, offsets) =
        (table[layout.demand()].to_vec(), table[layout.seated()].to_vec(), table[layout.offsets()].to_vec());
    let gpu_grads = gpu.split(&read[&Buf::Grads]);
    let gpu_weights = gpu.split(&read[&Buf::Weights]);
    let gpu_m = gpu.split(&read[&Buf::Moment1]);
    let gpu_v = gpu.split(&read[&Buf::Moment2]);
    let cpu_grads = [
        &g.clinic.embed,
        &g.clinic.conv,
        &g.clinic.context,
        &g.clinic.head,
        &g.clinic.head_bias,
        &g.layer.grads.router,
        &g.layer.grads.router_bias,
        &g.layer.grads.w1,
        &g.layer.grads.w3,
        &g.layer.grads.w2,
    ];
    let names: Vec<&'static str> = updated.clone().tensors_mut().iter().map(|(n, _)| *n).collect();
    let cpu_updated: Vec<Vec<f32>> = updated.clone().tensors_mut().into_iter().map(|(_, t)| t.clone()).collect();
    let bs = batch.labels.len();
    let x_gpu = f32s(&read, Buf::X, t_count * d);
    let y_gpu = f32s(&read, Buf::Y, t_count * d);
    let owned = [
        (Buf::Emb, f32s(&read, Buf::Emb, t_count * d)),
        (Buf::Means, f32s(&read, Buf::Means, bs * d)),
        (Buf::Contexts, f32s(&read, Buf::Contexts, bs * d)),
        (Buf::Logits, f32s(&read, Buf::Logits, t_count * 5)),
        (Buf::Probs, f32s(&read, Buf::Probs, t_count * 5)),
        (Buf::AssignGate, f32s(&read, Buf::AssignGate, run.assign_gate.len())),
        (Buf::Hidden, f32s(&read, Buf::Hidden, rows * ff)),
        (Buf::ExpertOut, f32s(&read, Buf::ExpertOut, rows * d)),
        (Buf::Pooled, f32s(&read, Buf::Pooled, bs * d)),
        (Buf::HeadLogits, f32s(&read, Buf::HeadLogits, bs * CLASSES)),
        (Buf::HeadProbs, f32s(&read, Buf::HeadProbs, bs * CLASSES)),
        (Buf::DHeadLogits, f32s(&read, Buf::DHeadLogits, bs * CLASSES)),
        (Buf::Dz, f32s(&read, Buf::Dz, t_count * d)),
        (Buf::DExpertOut, f32s(&read, Buf::DExpertOut, rows * d)),
        (Buf::DGate, f32s(&read, Buf::DGate, run.assign_gate.len())),
        (Buf::DHidden, f32s(&read, Buf::DHidden, rows * ff)),
        (Buf::DAct, f32s(&read, Buf::DAct, rows * ff)),
        (Buf::DLin, f32s(&read, Buf::DLin, g.layer.d_lin.len())),
        (Buf::DxRows, f32s(&read, Buf::DxRows, rows * d)),
        (Buf::DRouterLogits, f32s(&read, Buf::DRouterLogits, t_count * 5)),
        (Buf::Dh, f32s(&read, Buf::Dh, t_count * d)),
        (Buf::DContexts, f32s(&read, Buf::DContexts, bs * d)),
        (Buf::DMeans, f32s(&read, Buf::DMeans, bs * d)),
        (Buf::DEmb, f32s(&read, Buf::DEmb, t_count * d)),
    ];
    let v: HashMap<Buf, &Vec<f32>> = owned.iter().map(|(b, v)| (*b, v)).collect();
    let assign_expert = i32s(&read, Buf::AssignExpert, run.assign_expert.len());
    let slot_row = i32s(&read, Buf::SlotRow, run.slot_row.len());
    let mut checks = vec![
        Check::floats("embed", "emb", v[&Buf::Emb], &f.x, (0.0, 0.0)),
        Check::floats("mix_mean", "means", v[&Buf::Means], &f.mix.means, FORWARD),
        Check::floats("mix_context", "contexts", v[&Buf::Contexts], &f.mix.contexts, FORWARD),
        Check::floats("mix", "h", &x_gpu, &f.mix.h, FORWARD),
        Check::floats("router_logits", "logits", v[&Buf::Logits], &run.logits, FORWARD),
        Check::floats("router_softmax", "probs", v[&Buf::Probs], &run.probs, FORWARD),
        Check::i32s("router_select", "assign_expert", &assign_expert, &run.assign_expert),
        Check::floats("router_select", "assign_gate", v[&Buf::AssignGate], &run.assign_gate, FORWARD),
        Check::u32s("dispatch_count", "demand", &demand, &run.demand),
        Check::u32s("dispatch_count", "seated", &seated, &run.seated),
        Check::u32s("dispatch_offsets", "offsets", &offsets, &run.offsets),
        Check::i32s("dispatch_scatter", "slot_row", &slot_row, &run.slot_row),
        Check::floats("expert_up", "hidden", v[&Buf::Hidden], &run.hidden, FORWARD),
        Check::floats("expert_down", "expert_out", v[&Buf::ExpertOut], &run.expert_out, FORWARD),
        Check::floats("combine", "y", &y_gpu, &run.output, FORWARD),
        Check::floats("head", "pooled", v[&Buf::Pooled], &f.head.pooled, FORWARD),
        Check::floats("head", "head_logits", v[&Buf::HeadLogits], &f.head.logits, FORWARD),
        Check::floats("head", "head_probs", v[&Buf::HeadProbs], &f.head.probs, FORWARD),
        Check::floats("head_backward", "d_head_logits", v[&Buf::DHeadLogits], &g.d_logits, GRADIENTS),
        Check::floats("head_grad", "d_head", &gpu_grads[3], cpu_grads[3], GRADIENTS),
        Check::floats("head_grad", "d_head_bias", &gpu_grads[4], cpu_grads[4], GRADIENTS),
        Check::floats("pool_backward", "dz", v[&Buf::Dz], &g.dz, GRADIENTS),
        Check::floats("combine_backward", "d_expert_out", v[&Buf::DExpertOut], &g.layer.d_expert_out, GRADIENTS),
        Check::floats("gate_backward", "d_gate", v[&Buf::DGate], &g.layer.d_gate, GRADIENTS),
        Check::floats("expert_down_backward", "d_hidden", v[&Buf::DHidden], &g.layer.d_hidden, GRADIENTS),
        Check::floats("expert_down_grad", "d_w2", &gpu_grads[9], cpu_grads[9], GRADIENTS),
        Check::floats("expert_up_backward", "d_act", v[&Buf::DAct], &g.layer.d_act, GRADIENTS),
        Check::floats("expert_up_backward", "d_lin", v[&Buf::DLin], &g.layer.d_lin, GRADIENTS),
        Check::floats("expert_up_grad", "d_w1", &gpu_grads[7], cpu_grads[7], GRADIENTS),
        Check::floats("expert_up_grad", "d_w3", &gpu_grads[8], cpu_grads[8], GRADIENTS),
        Check::floats("expert_up_input", "dx_rows", v[&Buf::DxRows], &g.layer.dx_rows, GRADIENTS),
        Check::floats("router_backward", "d_router_logits", v[&Buf::DRouterLogits], &g.layer.d_logits, GRADIENTS),
        Check::floats("router_grad", "d_router", &gpu_grads[5], cpu_grads[5], GRADIENTS),
        Check::floats("router_grad", "d_router_bias", &gpu_grads[6], cpu_grads[6], GRADIENTS),
        Check::floats("input_backward", "dh", v[&Buf::Dh], &g.dh, GRADIENTS),
        Check::floats("mix_backward", "d_contexts", v[&Buf::DContexts], &g.mix.d_contexts, GRADIENTS),
        Check::floats("mix_mean_backward", "d_means", v[&Buf::DMeans], &g.mix.d_means, GRADIENTS),
        Check::floats("mix_input_backward", "d_emb", v[&Buf::DEmb], &g.mix.dx, GRADIENTS),
        Check::floats("mix_grad", "d_conv", &gpu_grads[1], cpu_grads[1], GRADIENTS),
        Check::floats("mix_grad", "d_context", &gpu_grads[2], cpu_grads[2], GRADIENTS),
        Check::floats("embed_grad", "d_embed", &gpu_grads[0], cpu_grads[0], GRADIENTS),
    ];
    for (k, name) in names.iter().enumerate() {
        checks.push(Check::floats("adamw", name, &gpu_weights[k], &cpu_updated[k], UPDATED));
        checks.push(Check::floats("adamw", "moment1", &gpu_m[k], &moments[k].m, GRADIENTS));
        checks.push(Check::floats("adamw", "moment2", &gpu_v[k], &moments[k].v, GRADIENTS));
    }
    let bias_gpu = f32s(&read, Buf::SelectionBias, updated.moe.selection_bias.len());
    checks.push(Check::floats("balance_bias", "selection_bias", &bias_gpu, &updated.moe.selection_bias, UPDATED));
    if let Some(failure) = first_failure(checks) {
        panic!("{label}: {failure}");
    }
    // The step's report, from the metrics kernel.
    let gpu_report = gpu.report().await.unwrap();
    assert_eq!(gpu_report.demand, report.demand, "{label}: demand");
    assert_eq!((gpu_report.correct, gpu_report.by_lang), (report.correct, report.by_lang), "{label}: correct");
    for (what, a, e) in [
        ("cross-entropy", gpu_report.cross_entropy, report.cross_entropy),
        ("z-loss", gpu_report.z_loss, report.z_loss),
        ("balance", gpu_report.balance.unwrap_or(0.0), report.balance.unwrap_or(0.0)),
        ("total", gpu_report.total, report.total),
    ] {
        assert!((a - e).abs() <= 1e-5 + 1e-4 * e.abs(), "{label}: {what} {a} against {e}");
    }
    // And the weights it hands back are the updated ones.
    let back = gpu.weights().await.unwrap();
    assert_eq!(back.moe.selection_bias.len(), updated.moe.selection_bias.len());
}
