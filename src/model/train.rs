//! The trainer: cross-entropy on the diagnosis plus the load-balancing loss and the router
//! z-loss, Adam, one sentence per MoE forward (capacity counts per sentence), minibatches
//! of sentences. Single-threaded and deterministic for a seed: the same binary on the same
//! kind of machine writes the same weights bit for bit.

use super::clinic::{
    ClinicGrads, ClinicWeights, embed, embed_backward, head, head_backward, mix, mix_backward, predicted_class,
};
use super::labels::{Lang, Specialty};
use crate::moe::backward::{BalancePull, LayerGrads, backward, z_loss};
use crate::moe::reference::{LayerRun, logsumexp};
use crate::moe::{Routing, reference};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// One tokenized, labelled sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub ids: Vec<u32>,
    pub label: Specialty,
    pub lang: Lang,
}

/// How to train.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    pub seed: u64,
    pub epochs: usize,
    /// Sentences per optimiser step.
    pub batch: usize,
    /// Adam's peak learning rate; decays along a cosine to a tenth by the last step.
    pub learning_rate: f32,
    /// Load-balancing loss weight (0: no clinic manager).
    pub balance: f32,
    pub z_loss: f32,
    /// Probability of leaving each token out of a training sentence (word dropout): the
    /// test split's sentences are built from templates the training split never saw, and
    /// leaning on every word of a familiar template does not carry over.
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
    pub balance: f32,
    pub z_loss: f32,
    pub train_accuracy: f32,
}

/// Adam's moment estimates for one tensor.
struct Moments {
    m: Vec<f32>,
    v: Vec<f32>,
}

/// Trains `weights` in place on `samples`; `progress` receives each epoch's log.
pub fn train(
    weights: &mut ClinicWeights,
    samples: &[Sample],
    spec: &TrainSpec,
    mut progress: impl FnMut(&EpochLog),
) -> Vec<EpochLog> {
    let mut rng = Rng::new(spec.seed);
    let mut order: Vec<usize> = (0..samples.len()).collect();
    let steps_per_epoch = samples.len().div_ceil(spec.batch);
    let total_steps = (steps_per_epoch * spec.epochs).max(1);
    let mut moments: Vec<Moments> =
        weights.tensors_mut().iter().map(|(_, t)| Moments { m: vec![0.0; t.len()], v: vec![0.0; t.len()] }).collect();
    let mut logs = Vec::new();
    let mut step = 0usize;
    for epoch in 0..spec.epochs {
        // Fisher-Yates with the run's own generator: the order is part of the seed.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let mut log = EpochLog { epoch: epoch + 1, ..Default::default() };
        for batch in order.chunks(spec.batch) {
            let mut grads = ClinicGrads::zeros(weights);
            let mut layer_grads = LayerGrads::zeros(&weights.moe);
            let forwards: Vec<SampleForward> = batch
                .iter()
                .map(|&i| {
                    let kept = drop_tokens(&samples[i], spec.token_dropout, &mut rng);
                    forward_sample(weights, weights.config.routing, kept)
                })
                .collect();
            let pull = balance_pull(&forwards, weights, spec.balance);
            log.balance += pull.as_ref().map_or(0.0, |p| p.loss) * batch.len() as f32;
            for forward in &forwards {
                let s = backward_sample(weights, forward, pull.as_ref(), spec.z_loss, &mut grads, &mut layer_grads);
                log.cross_entropy += s.cross_entropy;
                log.z_loss += s.z_loss;
                log.train_accuracy += f32::from(u8::from(s.correct));
            }
            step += 1;
            let progress_fraction = step as f32 / total_steps as f32;
            let lr = spec.learning_rate * (0.1 + 0.9 * 0.5 * (1.0 + (std::f32::consts::PI * progress_fraction).cos()));
            adam_step(weights, &grads, &layer_grads, &mut moments, (lr, spec.weight_decay), step, batch.len());
        }
        let n = samples.len().max(1) as f32;
        log.cross_entropy /= n;
        log.balance /= n;
        log.z_loss /= n;
        log.train_accuracy /= n;
        progress(&log);
        logs.push(log);
    }
    logs
}

/// A copy of `sample` without each token with probability `p` (never without all).
fn drop_tokens(sample: &Sample, p: f32, rng: &mut Rng) -> Sample {
    if p <= 0.0 {
        return sample.clone();
    }
    let ids: Vec<u32> = sample.ids.iter().copied().filter(|_| rng.uniform() >= p).collect();
    Sample { ids: if ids.is_empty() { sample.ids.clone() } else { ids }, ..sample.clone() }
}

/// One sentence's losses.
#[derive(Clone, Copy, Debug, Default)]
pub struct SampleLoss {
    pub cross_entropy: f32,
    /// The sentence's own balance loss when it is its own batch (see `accumulate`).
    pub balance: f32,
    pub z_loss: f32,
    pub correct: bool,
}

/// A sentence's forward, kept for its backward.
pub struct SampleForward {
    pub(crate) sample: Sample,
    routing: Routing,
    x: Vec<f32>,
    mean: Vec<f32>,
    h: Vec<f32>,
    pub(crate) run: LayerRun,
    pooled: Vec<f32>,
    logits: Vec<f32>,
    pub(crate) probs: Vec<f32>,
}

/// Embedding, mixer, MoE layer (CPU reference) and head of one sentence.
pub fn forward_sample(weights: &ClinicWeights, routing: Routing, sample: Sample) -> SampleForward {
    let tokens = sample.ids.len();
    let x = embed(weights, &sample.ids);
    let (mean, h) = mix(weights, &x, tokens);
    let run = reference::forward(&weights.moe, &routing, &h, tokens).expect("the model's own routing is valid");
    let (pooled, logits, probs) = head(weights, &h, &run.output, tokens);
    SampleForward { sample, routing, x, mean, h, run, pooled, logits, probs }
}

/// The balance loss's pull over a batch of forwards (`None` when off or not applicable).
fn balance_pull(forwards: &[SampleForward], weights: &ClinicWeights, coefficient: f32) -> Option<BalancePull> {
    if coefficient == 0.0 {
        return None;
    }
    BalancePull::of_batch(forwards.iter().map(|f| &f.run), &weights.config.routing, coefficient)
}

/// Cross-entropy, the batch's balance pull and the z-loss, back through every stage.
pub fn backward_sample(
    weights: &ClinicWeights,
    f: &SampleForward,
    balance: Option<&BalancePull>,
    z_coefficient: f32,
    grads: &mut ClinicGrads,
    layer_grads: &mut LayerGrads,
) -> SampleLoss {
    let tokens = f.sample.ids.len();
    if tokens == 0 {
        return SampleLoss::default();
    }
    let label = f.sample.label.index();
    let predicted = predicted_class(&f.probs);
    let dz = head_backward(weights, &f.pooled, &f.probs, f.sample.label, tokens, grads);
    // z = h + y: the residual passes dz to h unchanged, and the layer gets dz as dy.
    let dh_layer = backward(&weights.moe, &f.routing, &f.h, &f.run, &dz, balance, z_coefficient, layer_grads);
    let dh: Vec<f32> = dz.iter().zip(&dh_layer).map(|(a, b)| a + b).collect();
    let dx = mix_backward(weights, &f.x, &f.mean, &dh, tokens, grads);
    embed_backward(weights, &f.sample.ids, &dx, grads);
    SampleLoss {
        // -ln p[label] as logsumexp - logit: exact even where p[label] underflows.
        cross_entropy: logsumexp(&f.logits) - f.logits[label],
        balance: balance.map_or(0.0, |p| p.loss),
        z_loss: z_loss(&f.run),
        correct: predicted == label,
    }
}

/// One sentence as a batch of its own: forward, then backward with its own balance pull.
pub fn accumulate(
    weights: &ClinicWeights,
    routing: &Routing,
    sample: &Sample,
    balance: f32,
    z_coefficient: f32,
    grads: &mut ClinicGrads,
    layer_grads: &mut LayerGrads,
) -> SampleLoss {
    let forward = forward_sample(weights, *routing, sample.clone());
    let pull = if balance == 0.0 { None } else { BalancePull::of_batch([&forward.run], routing, balance) };
    backward_sample(weights, &forward, pull.as_ref(), z_coefficient, grads, layer_grads)
}

/// AdamW (Loshchilov and Hutter): Adam with bias correction on the batch's mean gradient,
/// plus decoupled weight decay.
fn adam_step(
    weights: &mut ClinicWeights,
    grads: &ClinicGrads,
    layer_grads: &LayerGrads,
    moments: &mut [Moments],
    (lr, weight_decay): (f32, f32),
    step: usize,
    batch: usize,
) {
    const BETA1: f32 = 0.9;
    const BETA2: f32 = 0.999;
    const EPSILON: f32 = 1e-8;
    // Same order as ClinicWeights::tensors_mut.
    let gradients: [&Vec<f32>; 10] = [
        &grads.embed,
        &grads.conv,
        &grads.context,
        &grads.head,
        &grads.head_bias,
        &layer_grads.router,
        &layer_grads.router_bias,
        &layer_grads.w1,
        &layer_grads.w3,
        &layer_grads.w2,
    ];
    let correction1 = 1.0 - BETA1.powi(step as i32);
    let correction2 = 1.0 - BETA2.powi(step as i32);
    let scale = 1.0 / batch as f32;
    for (((name, tensor), gradient), m) in weights.tensors_mut().into_iter().zip(gradients).zip(moments.iter_mut()) {
        // Decay shrinks matrices toward simpler functions; the router's scale is the z-loss's
        // business, and biases are not decayed, as usual.
        let weight_decay = if name.starts_with("moe.router") || name.ends_with("bias") { 0.0 } else { weight_decay };
        for i in 0..tensor.len() {
            let g = gradient[i] * scale;
            m.m[i] = BETA1 * m.m[i] + (1.0 - BETA1) * g;
            m.v[i] = BETA2 * m.v[i] + (1.0 - BETA2) * g * g;
            let m_hat = m.m[i] / correction1;
            let v_hat = m.v[i] / correction2;
            tensor[i] -= lr * (m_hat / (v_hat.sqrt() + EPSILON) + weight_decay * tensor[i]);
        }
    }
}
