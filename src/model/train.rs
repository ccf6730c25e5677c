//! The trainer: one step is one batch of sentences laid end to end, through the embedding,
//! the mixer (per sentence), the MoE layer (one forward over the whole batch, so capacity
//! and load balancing count over the batch, as in Switch Transformers), the head and the
//! loss, then every backward stage and AdamW. The same step runs on the GPU
//! (`gpu::model`) with the same stages; this is its CPU twin, single-threaded and
//! deterministic for a seed: the same binary writes the same weights bit for bit.
//!
//! The loss of a batch of B sentences and N tokens:
//! L = (1/B) sum_s CE_s + alpha * E sum_i f_i P_i + beta * (1/N) sum_t lse_t^2,
//! with the balancing term only under `Balance::Aux`; `Balance::Bias` instead nudges
//! DeepSeek-V3's per-expert selection bias towards the mean load after each step.

use super::clinic::{
    CLASSES, ClinicGrads, ClinicWeights, HeadOut, IdIndex, MixOut, Segments, embed, embed_grad, head, head_backward,
    head_grad, mix, mix_backward, pool_backward, predicted_class,
};
use super::labels::{Lang, Specialty};
use crate::moe::backward::{BalancePull, LayerBackward, LayerGrads, backward, z_loss};
use crate::moe::reference::{LayerRun, logsumexp};
use crate::moe::weights::MAX_SELECTION_BIAS;
use crate::moe::{Capacity, Routing, reference};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// One tokenized, labelled sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub ids: Vec<u32>,
    pub label: Specialty,
    pub lang: Lang,
}

/// How the load is balanced: the clinic manager.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
pub enum Balance {
    /// No manager: nothing stops one doctor from taking every patient.
    None,
    /// Switch Transformers' auxiliary loss, weight `alpha`.
    Aux { alpha: f32 },
    /// DeepSeek-V3's auxiliary-loss-free balancing: after each step, each expert's
    /// selection bias moves by `gamma` towards the mean load (down if busier, up if idler).
    Bias { gamma: f32 },
}

/// How to train.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    pub seed: u64,
    pub epochs: usize,
    /// Sentences per optimiser step.
    pub batch: usize,
    /// AdamW's peak learning rate; decays along a cosine to a tenth by the last step.
    pub learning_rate: f32,
    pub balance: Balance,
    /// The capacity factor over the batch while training, for routers with a capacity;
    /// `None`: the model's routing's own. Switch Transformers train at 1.25 and evaluate
    /// at a larger factor (DeepSpeed-MoE and ST-MoE use 2.0), since a token dropped in
    /// evaluation is lost for the prediction.
    pub capacity_factor: Option<f32>,
    /// The router z-loss's weight (0: off).
    pub z_loss: f32,
    /// Probability of leaving each token out of a training sentence (word dropout).
    pub token_dropout: f32,
    /// Decoupled weight decay (AdamW), per step, times the learning rate.
    pub weight_decay: f32,
    /// Initial scale of the identity in the mixer's context map (see `ClinicWeights::init`).
    pub context_identity: f32,
}

/// Losses averaged over an epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    pub epoch: usize,
    pub cross_entropy: f32,
    /// E sum_i f_i P_i (1 when balanced), whether or not it is trained on.
    pub balance: f32,
    pub z_loss: f32,
    pub train_accuracy: f32,
}

/// A batch: the sentences' tokens end to end, their boundaries, labels and languages.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub ids: Vec<u32>,
    pub segments: Segments,
    /// Each sentence's label, `Specialty::index`.
    pub labels: Vec<u32>,
    pub langs: Vec<Lang>,
    pub by_id: IdIndex,
}

impl Batch {
    pub fn new<'a>(samples: impl IntoIterator<Item = &'a Sample>, vocab: usize) -> Self {
        let samples: Vec<&Sample> = samples.into_iter().collect();
        let ids: Vec<u32> = samples.iter().flat_map(|s| s.ids.iter().copied()).collect();
        Batch {
            segments: Segments::new(samples.iter().map(|s| s.ids.len())),
            labels: samples.iter().map(|s| s.label.index() as u32).collect(),
            langs: samples.iter().map(|s| s.lang).collect(),
            by_id: IdIndex::new(&ids, vocab),
            ids,
        }
    }
}

/// A batch's forward, kept for its backward.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    pub x: Vec<f32>,
    pub mix: MixOut,
    pub run: LayerRun,
    pub head: HeadOut,
}

/// Embedding, mixer, MoE layer (CPU reference) and head of a batch.
pub fn forward(weights: &ClinicWeights, routing: &Routing, batch: &Batch) -> Forward {
    let x = embed(weights, &batch.ids);
    let mix = mix(weights, &x, &batch.segments);
    let tokens = batch.segments.tokens();
    let run = reference::forward(&weights.moe, routing, &mix.h, tokens).expect("the model's own routing is valid");
    let head = head(weights, &mix.h, &run.output, &batch.segments);
    Forward { x, mix, run, head }
}

/// A batch's losses and what its routing did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StepReport {
    /// Mean over the batch's sentences.
    pub cross_entropy: f32,
    /// E sum_i f_i P_i of the batch (1 when balanced); `None` for routers without one.
    pub balance: Option<f32>,
    pub z_loss: f32,
    /// The loss trained on: cross-entropy plus the weighted auxiliary terms.
    pub total: f32,
    pub correct: usize,
    pub sentences: usize,
    /// Assignments per routed expert before capacity.
    pub demand: Vec<u32>,
    /// Correct and total per language, in `Lang::ALL` order.
    pub by_lang: [(usize, usize); 2],
}

/// The losses of a forward, and the balance pull its backward needs.
pub fn losses(
    forward: &Forward,
    batch: &Batch,
    routing: &Routing,
    spec: &TrainSpec,
) -> (StepReport, Option<BalancePull>) {
    let b = batch.labels.len();
    let mut report = StepReport { sentences: b, ..Default::default() };
    for s in 0..b {
        let logits = &forward.head.logits[s * CLASSES..(s + 1) * CLASSES];
        let label = batch.labels[s] as usize;
        // -ln p[label] as logsumexp - logit: exact even where p[label] underflows.
        report.cross_entropy += (logsumexp(logits) - logits[label]) / b as f32;
        let correct = predicted_class(&forward.head.probs[s * CLASSES..(s + 1) * CLASSES]) == label;
        report.correct += usize::from(correct);
        let lang = Lang::ALL.iter().position(|&l| l == batch.langs[s]).unwrap_or(0);
        report.by_lang[lang].0 += usize::from(correct);
        report.by_lang[lang].1 += 1;
    }
    let alpha = match spec.balance {
        Balance::Aux { alpha } => alpha,
        Balance::None | Balance::Bias { .. } => 0.0,
    };
    let pull = BalancePull::of(&forward.run, routing, alpha);
    report.balance = pull.as_ref().map(|p| p.loss);
    report.z_loss = z_loss(&forward.run);
    report.total = report.cross_entropy + alpha * report.balance.unwrap_or(0.0) + spec.z_loss * report.z_loss;
    report.demand = forward.run.demand[..forward.run.dims.experts].to_vec();
    (report, pull.filter(|_| alpha != 0.0))
}

/// Every gradient of a batch, and the intermediates of the backward (for comparisons
/// with the GPU, stage by stage).
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    pub d_logits: Vec<f32>,
    pub dz: Vec<f32>,
    pub layer: LayerBackward,
    /// `[T, d]`: dz through the residual plus the layer's input gradient.
    pub dh: Vec<f32>,
    pub mix: super::clinic::MixBackward,
    pub clinic: ClinicGrads,
}

/// The loss's gradients, back through every stage.
pub fn gradients(
    weights: &ClinicWeights,
    routing: &Routing,
    batch: &Batch,
    forward: &Forward,
    pull: Option<&BalancePull>,
    z_coefficient: f32,
) -> Gradients {
    let d = weights.d_model();
    let d_logits = head_backward(&forward.head, &batch.labels);
    let (d_head, d_head_bias) = head_grad(&forward.head, &d_logits, d);
    let dz = pool_backward(weights, &d_logits, &batch.segments);
    // z = h + y: the layer gets dz as dy, and the residual passes dz to h unchanged.
    let layer = backward(&weights.moe, routing, &forward.mix.h, &forward.run, &dz, pull, z_coefficient);
    let dh: Vec<f32> = dz.iter().zip(&layer.dx).map(|(a, b)| a + b).collect();
    let mix = mix_backward(weights, &forward.x, &forward.mix, &dh, &batch.segments);
    let clinic = ClinicGrads {
        embed: embed_grad(&batch.by_id, &mix.dx, weights.config.vocab_size, d),
        conv: mix.d_conv.clone(),
        context: mix.d_context.clone(),
        head: d_head,
        head_bias: d_head_bias,
    };
    Gradients { d_logits, dz, layer, dh, mix, clinic }
}

/// AdamW's moment estimates for one tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    pub m: Vec<f32>,
    pub v: Vec<f32>,
}

pub const BETA1: f32 = 0.9;
pub const BETA2: f32 = 0.999;
pub const EPSILON: f32 = 1e-8;

/// The learning rate at `step` (1-based) of `total`: a cosine from the peak to a tenth.
pub fn learning_rate(peak: f32, step: usize, total: usize) -> f32 {
    // Steps past the schedule's length (a run asked to go on) stay at the floor.
    let progress = (step as f32 / total.max(1) as f32).min(1.0);
    peak * (0.1 + 0.9 * 0.5 * (1.0 + (std::f32::consts::PI * progress).cos()))
}

/// Whether weight decay applies to a tensor: matrices shrink toward simpler functions; the
/// router's scale is the z-loss's business, and biases are not decayed, as usual.
pub fn decays(name: &str) -> bool {
    !(name.starts_with("moe.router") || name.ends_with("bias"))
}

/// `adamw.wgsl`: AdamW (Loshchilov and Hutter), bias-corrected, with decoupled weight
/// decay, on one tensor.
pub fn adamw(tensor: &mut [f32], grad: &[f32], moments: &mut Moments, lr: f32, weight_decay: f32, step: usize) {
    let correction1 = 1.0 - BETA1.powi(step as i32);
    let correction2 = 1.0 - BETA2.powi(step as i32);
    for i in 0..tensor.len() {
        let g = grad[i];
        moments.m[i] = BETA1 * moments.m[i] + (1.0 - BETA1) * g;
        moments.v[i] = BETA2 * moments.v[i] + (1.0 - BETA2) * g * g;
        let m_hat = moments.m[i] / correction1;
        let v_hat = moments.v[i] / correction2;
        tensor[i] -= lr * (m_hat / (v_hat.sqrt() + EPSILON) + weight_decay * tensor[i]);
    }
}

/// `balance_bias.wgsl`: DeepSeek-V3's update, bias_i += gamma * sign(mean - load_i) over
/// the batch's pre-capacity assignments.
pub fn update_selection_bias(bias: &mut [f32], demand: &[u32], gamma: f32) {
    let mean = demand.iter().map(|&d| d as f32).sum::<f32>() / demand.len().max(1) as f32;
    for (b, &load) in bias.iter_mut().zip(demand) {
        let load = load as f32;
        *b += if load > mean {
            -gamma
        } else if load < mean {
            gamma
        } else {
            0.0
        };
    }
    // Only the differences between biases change a choice, so they are recentred on zero,
    // and kept within what a model file may hold: however long the run, its weights stay
    // loadable and exp(bias) finite.
    let centre = bias.iter().sum::<f32>() / bias.len().max(1) as f32;
    for b in bias.iter_mut() {
        *b = (*b - centre).clamp(-MAX_SELECTION_BIAS, MAX_SELECTION_BIAS);
    }
}

/// A model being trained, one batch at a time.
pub struct Trainer {
    pub weights: ClinicWeights,
    pub spec: TrainSpec,
    pub moments: Vec<Moments>,
    /// Steps taken.
    pub step: usize,
    /// Steps the learning-rate schedule spans.
    pub total_steps: usize,
}

impl Trainer {
    pub fn new(mut weights: ClinicWeights, spec: TrainSpec, total_steps: usize) -> Self {
        // DeepSeek-V3's bias starts at zero, or where an earlier run left it.
        if matches!(spec.balance, Balance::Bias { .. }) && weights.moe.selection_bias.is_empty() {
            weights.moe.selection_bias = vec![0.0; weights.config.moe.num_experts];
        }
        let moments = weights
            .tensors_mut()
            .iter()
            .map(|(_, t)| Moments { m: vec![0.0; t.len()], v: vec![0.0; t.len()] })
            .collect();
        Trainer { weights, spec, moments, step: 0, total_steps }
    }

    /// The routing a training step uses.
    pub fn routing(&self) -> Routing {
        training_routing(&self.weights.config.routing, &self.spec)
    }

    /// One optimiser step on `batch`; returns its losses (before the update).
    pub fn step(&mut self, batch: &Batch) -> StepReport {
        let routing = self.routing();
        let forward = forward(&self.weights, &routing, batch);
        let (report, pull) = losses(&forward, batch, &routing, &self.spec);
        let g = gradients(&self.weights, &routing, batch, &forward, pull.as_ref(), self.spec.z_loss);
        self.step += 1;
        let lr = learning_rate(self.spec.learning_rate, self.step, self.total_steps);
        apply(&mut self.weights, &g.clinic, &g.layer.grads, &mut self.moments, lr, self.spec.weight_decay, self.step);
        if let Balance::Bias { gamma } = self.spec.balance {
            update_selection_bias(&mut self.weights.moe.selection_bias, &report.demand, gamma);
        }
        report
    }
}

/// The routing a training step uses: the model's, with the training capacity factor.
pub fn training_routing(routing: &Routing, spec: &TrainSpec) -> Routing {
    let mut routing = *routing;
    if let (Some(factor), Capacity::Factor(_)) = (spec.capacity_factor, routing.capacity) {
        routing.capacity = Capacity::Factor(factor);
    }
    routing
}

/// What runs training steps: the CPU twin ([`Trainer`]) or the GPU kernels
/// (`gpu::model::GpuModel`, wrapped by whoever can wait for a GPU).
pub trait StepRunner {
    /// One optimiser step on `batch`; its losses before the update.
    fn step(&mut self, batch: &Batch) -> Result<StepReport, String>;
    /// The weights as they are now.
    fn weights(&self) -> Result<ClinicWeights, String>;
}

impl StepRunner for Trainer {
    fn step(&mut self, batch: &Batch) -> Result<StepReport, String> {
        Ok(Trainer::step(self, batch))
    }

    fn weights(&self) -> Result<ClinicWeights, String> {
        Ok(self.weights.clone())
    }
}

/// Makes the runner of a run: from the initial weights, the recipe and the steps the
/// learning-rate schedule spans.
pub type RunnerFactory<'a> = &'a dyn Fn(ClinicWeights, TrainSpec, usize) -> Result<Box<dyn StepRunner>, String>;

/// The CPU twin as a runner.
pub fn cpu_runner(weights: ClinicWeights, spec: TrainSpec, total_steps: usize) -> Result<Box<dyn StepRunner>, String> {
    Ok(Box::new(Trainer::new(weights, spec, total_steps)))
}

/// AdamW on every tensor, in `ClinicWeights::tensors_mut` order.
pub fn apply(
    weights: &mut ClinicWeights,
    clinic: &ClinicGrads,
    layer: &LayerGrads,
    moments: &mut [Moments],
    lr: f32,
    weight_decay: f32,
    step: usize,
) {
    let gradients: [&Vec<f32>; 10] = [
        &clinic.embed,
        &clinic.conv,
        &clinic.context,
        &clinic.head,
        &clinic.head_bias,
        &layer.router,
        &layer.router_bias,
        &layer.w1,
        &layer.w3,
        &layer.w2,
    ];
    for (((name, tensor), gradient), m) in weights.tensors_mut().into_iter().zip(gradients).zip(moments.iter_mut()) {
        let decay = if decays(name) { weight_decay } else { 0.0 };
        adamw(tensor, gradient, m, lr, decay, step);
    }
}

/// Trains `weights` in place on `samples` for `spec.epochs` epochs on the CPU; `progress`
/// receives each epoch's log.
pub fn train(
    weights: &mut ClinicWeights,
    samples: &[Sample],
    spec: &TrainSpec,
    progress: impl FnMut(&EpochLog),
) -> Vec<EpochLog> {
    train_with(weights, samples, spec, &cpu_runner, progress).expect("the CPU trainer does not fail")
}

/// Trains as [`train`] does, with the runner `make` returns (the same batches in the same
/// order, whatever runs them).
pub fn train_with(
    weights: &mut ClinicWeights,
    samples: &[Sample],
    spec: &TrainSpec,
    make: RunnerFactory,
    mut progress: impl FnMut(&EpochLog),
) -> Result<Vec<EpochLog>, String> {
    let mut rng = Rng::new(spec.seed);
    let mut order: Vec<usize> = (0..samples.len()).collect();
    let steps_per_epoch = samples.len().div_ceil(spec.batch);
    let vocab = weights.config.vocab_size;
    let mut trainer = make(weights.clone(), *spec, steps_per_epoch * spec.epochs)?;
    let mut logs = Vec::new();
    for epoch in 0..spec.epochs {
        // Fisher-Yates with the run's own generator: the order is part of the seed.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let mut log = EpochLog { epoch: epoch + 1, ..Default::default() };
        for chunk in order.chunks(spec.batch) {
            let kept: Vec<Sample> =
                chunk.iter().map(|&i| drop_tokens(&samples[i], spec.token_dropout, &mut rng)).collect();
            let report = trainer.step(&Batch::new(&kept, vocab))?;
            let n = report.sentences as f32;
            log.cross_entropy += report.cross_entropy * n;
            log.balance += report.balance.unwrap_or(0.0) * n;
            log.z_loss += report.z_loss * n;
            log.train_accuracy += report.correct as f32;
        }
        let n = samples.len().max(1) as f32;
        log.cross_entropy /= n;
        log.balance /= n;
        log.z_loss /= n;
        log.train_accuracy /= n;
        progress(&log);
        logs.push(log);
    }
    *weights = trainer.weights()?;
    Ok(logs)
}

/// A copy of `sample` without each token with probability `p` (never without all).
fn drop_tokens(sample: &Sample, p: f32, rng: &mut Rng) -> Sample {
    if p <= 0.0 {
        return sample.clone();
    }
    let ids: Vec<u32> = sample.ids.iter().copied().filter(|_| rng.uniform() >= p).collect();
    Sample { ids: if ids.is_empty() { sample.ids.clone() } else { ids }, ..sample.clone() }
}

/// One sentence routed as inference routes it (its own batch, capacity per sentence):
/// the layer's run and the head's probabilities.
pub fn infer(weights: &ClinicWeights, routing: &Routing, ids: &[u32]) -> (LayerRun, Vec<f32>) {
    let batch = Batch {
        ids: ids.to_vec(),
        segments: Segments::one(ids.len()),
        labels: vec![0],
        langs: vec![Lang::En],
        by_id: IdIndex { order: Vec::new(), start: Vec::new() },
    };
    let forward = forward(weights, routing, &batch);
    (forward.run, forward.head.probs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_learning_rate_falls_to_a_tenth_and_stays_there() {
        assert_eq!(learning_rate(1.0, 0, 100), 1.0);
        assert!((learning_rate(1.0, 100, 100) - 0.1).abs() < 1e-6);
        assert_eq!(learning_rate(1.0, 150, 100), learning_rate(1.0, 100, 100), "past the end: the floor");
        assert_eq!(learning_rate(1.0, 200, 100), learning_rate(1.0, 100, 100));
    }

    #[test]
    fn the_selection_bias_is_recentred_and_bounded() {
        // Expert 0 idle, the others busy: it gains gamma, they lose it, and the biases are
        // recentred; the differences, which are all a choice sees, are as without.
        let mut bias = vec![0.0f32; 4];
        update_selection_bias(&mut bias, &[0, 10, 10, 10], 0.1);
        assert!((bias[0] - 0.15).abs() < 1e-6 && bias[1..].iter().all(|b| (b + 0.05).abs() < 1e-6), "{bias:?}");
        assert!(bias.iter().sum::<f32>().abs() < 1e-6);
        // However long the run, within what a model file may hold.
        for _ in 0..1000 {
            update_selection_bias(&mut bias, &[0, 10, 10, 10], 1.0);
        }
        assert!(bias.iter().all(|b| b.abs() <= MAX_SELECTION_BIAS), "{bias:?}");
        assert_eq!(bias[0], MAX_SELECTION_BIAS);
        assert!(bias[1..].iter().all(|&b| b < bias[0]));
    }
}
