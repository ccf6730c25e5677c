//! The clinic model: token embedding, a light context mixer, one MoE layer from the engine
//! plus the residual, mean pooling and a triage head over the four specialties.
//!
//! ```text
//! ids --embed--> x[T,d] --mix--> h[t] = x[t] + sum_j conv[j] * x[t-j] + context . mean(x)
//!   --MoE layer (engine: CPU or GPU)--> y[T,d] --head--> z = h + y, pooled = mean_t z,
//!   logits = head . pooled + bias, diagnosis = softmax(logits)
//! ```
//! The causal convolution lets a word's neighbours change its route ("pain" after "chest"
//! versus after "head"); the sentence mean gives every token the gist of the complaint.
//! Each stage has its backward twin here, like `moe::backward` for the layer, so training
//! can later move to the GPU stage by stage.

#![allow(clippy::needless_range_loop, reason = "index loops written like the kernels they will become")]

use super::labels::Specialty;
use crate::moe::tensors::{Tensor, TensorFile, write_tensors};
use crate::moe::{Architecture, LayerWeights, MoeError, Result, Routing, Style};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Specialties the head scores, in this order.
pub const CLASSES: usize = 4;

/// What a clinic model is: sizes, the MoE layer's shape and the routing it was trained with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClinicConfig {
    /// Short id, e.g. `switch-4`.
    pub name: String,
    pub vocab_size: usize,
    /// Width of the causal depthwise convolution (taps on the current and previous tokens).
    pub conv_width: usize,
    /// Checkpoint convention of the MoE tensors (`moe.` prefix).
    pub style: Style,
    pub moe: Architecture,
    /// The routing the model was trained with; the page marks any change from it.
    pub routing: Routing,
}

/// A clinic model's weights, in f32.
#[derive(Clone, Debug, PartialEq)]
pub struct ClinicWeights {
    pub config: ClinicConfig,
    /// `[vocab, d]`.
    pub embed: Vec<f32>,
    /// `[conv_width, d]`: tap j multiplies token t - j, feature by feature.
    pub conv: Vec<f32>,
    /// `[d, d]`: maps the sentence mean into each token.
    pub context: Vec<f32>,
    pub moe: LayerWeights,
    /// `[CLASSES, d]`.
    pub head: Vec<f32>,
    /// `[CLASSES]`.
    pub head_bias: Vec<f32>,
}

/// Safetensors metadata key holding the JSON config.
const CONFIG_KEY: &str = "moe_clinic.config";

impl ClinicWeights {
    pub fn d_model(&self) -> usize {
        self.config.moe.d_model
    }

    /// Small random weights to start training from. The context map starts at
    /// `context_identity` times the identity (plus noise): every token begins by adding
    /// the sentence's mean embedding, so the router can see the gist of the complaint
    /// from the first step. Which expert gets which patients is still learned.
    pub fn init(config: ClinicConfig, seed: u64, context_identity: f32) -> Self {
        let mut rng = Rng::new(seed);
        let d = config.moe.d_model;
        let moe = LayerWeights::random(config.moe, rng.next_u64(), 1.0 / (d as f32).sqrt());
        ClinicWeights {
            embed: rng.normals(config.vocab_size * d, 0.5),
            conv: rng.normals(config.conv_width * d, 0.1),
            context: {
                let mut context = rng.normals(d * d, 0.1 / (d as f32).sqrt());
                for i in 0..d {
                    context[i * d + i] += context_identity;
                }
                context
            },
            moe,
            head: rng.normals(CLASSES * d, 0.1 / (d as f32).sqrt()),
            head_bias: vec![0.0; CLASSES],
            config,
        }
    }

    /// All tensors under their file names, in a fixed order (the trainer's optimiser and
    /// the file writer both walk this).
    pub fn tensors_mut(&mut self) -> Vec<(&'static str, &mut Vec<f32>)> {
        let moe = &mut self.moe;
        vec![
            ("embed.weight", &mut self.embed),
            ("mixer.conv.weight", &mut self.conv),
            ("mixer.context.weight", &mut self.context),
            ("head.weight", &mut self.head),
            ("head.bias", &mut self.head_bias),
            ("moe.router", &mut moe.router),
            ("moe.router_bias", &mut moe.router_bias),
            ("moe.w1", &mut moe.w1),
            ("moe.w3", &mut moe.w3),
            ("moe.w2", &mut moe.w2),
        ]
    }

    /// Writes the model as safetensors in F32, F16 or BF16, the config in the metadata and
    /// the MoE tensors under its style's checkpoint names after `moe.`.
    pub fn to_safetensors(&self, dtype: &str) -> Result<Vec<u8>> {
        let c = &self.config;
        let d = c.moe.d_model;
        let make = |shape: Vec<usize>, values: &[f32]| Tensor::float(dtype, shape, values);
        let moe_bytes = self.moe.to_safetensors(c.style, "moe.", dtype)?;
        let moe_file = TensorFile::parse(&moe_bytes)?;
        let mut tensors = vec![
            ("embed.weight".to_string(), make(vec![c.vocab_size, d], &self.embed)?),
            ("mixer.conv.weight".to_string(), make(vec![c.conv_width, d], &self.conv)?),
            ("mixer.context.weight".to_string(), make(vec![d, d], &self.context)?),
            ("head.weight".to_string(), make(vec![CLASSES, d], &self.head)?),
            ("head.bias".to_string(), make(vec![CLASSES], &self.head_bias)?),
        ];
        for name in moe_file.names() {
            let (shape, values) = moe_file.read_f32(name)?;
            tensors.push((name.to_string(), make(shape, &values)?));
        }
        let config = serde_json::to_string(c).map_err(|e| MoeError::Config(e.to_string()))?;
        let mut metadata = vec![("format", "pt".to_string()), (CONFIG_KEY, config)];
        if let Some(kind) = moe_file.metadata(crate::moe::weights::EXPERT_KIND_KEY) {
            metadata.push((crate::moe::weights::EXPERT_KIND_KEY, kind.to_string()));
        }
        write_tensors(&tensors, &metadata)
    }

    /// Reads a model written by [`Self::to_safetensors`].
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self> {
        let file = TensorFile::parse(bytes)?;
        let config_json = file
            .metadata(CONFIG_KEY)
            .ok_or_else(|| MoeError::Format(format!("no `{CONFIG_KEY}` metadata: not a clinic model")))?;
        let config: ClinicConfig =
            serde_json::from_str(config_json).map_err(|e| MoeError::Format(format!("model config: {e}")))?;
        let d = config.moe.d_model;
        let moe = LayerWeights::from_safetensors(bytes, config.style, "moe.", Some(config.moe.expert_kind))?;
        if moe.arch != config.moe {
            return Err(MoeError::Config(format!("the MoE tensors ({:?}) disagree with the config", moe.arch)));
        }
        config.routing.validate(&config.moe)?;
        Ok(ClinicWeights {
            embed: file.read_f32_shaped("embed.weight", &[config.vocab_size, d])?,
            conv: file.read_f32_shaped("mixer.conv.weight", &[config.conv_width, d])?,
            context: file.read_f32_shaped("mixer.context.weight", &[d, d])?,
            head: file.read_f32_shaped("head.weight", &[CLASSES, d])?,
            head_bias: file.read_f32_shaped("head.bias", &[CLASSES])?,
            moe,
            config,
        })
    }
}

/// `embed`: x[t] = embed[id_t]. Ids beyond the vocabulary are an error upstream.
pub fn embed(weights: &ClinicWeights, ids: &[u32]) -> Vec<f32> {
    let d = weights.d_model();
    let mut x = Vec::with_capacity(ids.len() * d);
    for &id in ids {
        x.extend_from_slice(&weights.embed[id as usize * d..(id as usize + 1) * d]);
    }
    x
}

/// `mix`: h[t] = x[t] + sum_j conv[j] * x[t - j] + context . mean(x). Returns `(mean, h)`.
pub fn mix(weights: &ClinicWeights, x: &[f32], tokens: usize) -> (Vec<f32>, Vec<f32>) {
    let d = weights.d_model();
    let mut mean = vec![0.0f32; d];
    for t in 0..tokens {
        for i in 0..d {
            mean[i] += x[t * d + i];
        }
    }
    for m in &mut mean {
        *m /= tokens.max(1) as f32;
    }
    let mut context = vec![0.0f32; d];
    for o in 0..d {
        for i in 0..d {
            context[o] += weights.context[o * d + i] * mean[i];
        }
    }
    let mut h = x.to_vec();
    for t in 0..tokens {
        for j in 0..weights.config.conv_width.min(t + 1) {
            for i in 0..d {
                h[t * d + i] += weights.conv[j * d + i] * x[(t - j) * d + i];
            }
        }
        for i in 0..d {
            h[t * d + i] += context[i];
        }
    }
    (mean, h)
}

/// `head`: z = h + y, pooled = mean_t z, logits = head . pooled + bias, probs = softmax.
/// Returns `(pooled, logits, probs)`.
pub fn head(weights: &ClinicWeights, h: &[f32], y: &[f32], tokens: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let d = weights.d_model();
    let mut pooled = vec![0.0f32; d];
    for t in 0..tokens {
        for i in 0..d {
            pooled[i] += h[t * d + i] + y[t * d + i];
        }
    }
    for p in &mut pooled {
        *p /= tokens.max(1) as f32;
    }
    let mut logits = weights.head_bias.clone();
    for (c, logit) in logits.iter_mut().enumerate() {
        for i in 0..d {
            *logit += weights.head[c * d + i] * pooled[i];
        }
    }
    let max = logits.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let sum: f32 = logits.iter().map(|l| (l - max).exp()).sum();
    let probs = logits.iter().map(|l| (l - max).exp() / sum).collect();
    (pooled, logits, probs)
}

/// The class the head ranks first (the diagnosis), from its probabilities.
pub fn predicted_class(probs: &[f32]) -> usize {
    (0..probs.len()).max_by(|&a, &b| probs[a].total_cmp(&probs[b])).unwrap_or(0)
}

/// Gradients of the non-MoE tensors, same layouts as [`ClinicWeights`].
#[derive(Clone, Debug, PartialEq)]
pub struct ClinicGrads {
    pub embed: Vec<f32>,
    pub conv: Vec<f32>,
    pub context: Vec<f32>,
    pub head: Vec<f32>,
    pub head_bias: Vec<f32>,
}

impl ClinicGrads {
    pub fn zeros(weights: &ClinicWeights) -> Self {
        ClinicGrads {
            embed: vec![0.0; weights.embed.len()],
            conv: vec![0.0; weights.conv.len()],
            context: vec![0.0; weights.context.len()],
            head: vec![0.0; weights.head.len()],
            head_bias: vec![0.0; weights.head_bias.len()],
        }
    }
}

/// Twin of `head` with cross-entropy against `label`: returns the gradient with respect
/// to z (the same for h through the residual and for y), one row per token.
pub fn head_backward(
    weights: &ClinicWeights,
    pooled: &[f32],
    probs: &[f32],
    label: Specialty,
    tokens: usize,
    grads: &mut ClinicGrads,
) -> Vec<f32> {
    let d = weights.d_model();
    let mut d_pooled = vec![0.0f32; d];
    for c in 0..CLASSES {
        let d_logit = probs[c] - if c == label.index() { 1.0 } else { 0.0 };
        grads.head_bias[c] += d_logit;
        for i in 0..d {
            grads.head[c * d + i] += d_logit * pooled[i];
            d_pooled[i] += d_logit * weights.head[c * d + i];
        }
    }
    let mut dz = vec![0.0f32; tokens * d];
    for t in 0..tokens {
        for i in 0..d {
            dz[t * d + i] = d_pooled[i] / tokens as f32;
        }
    }
    dz
}

/// Twin of `mix`: accumulates the mixer's gradients and returns dx.
pub fn mix_backward(
    weights: &ClinicWeights,
    x: &[f32],
    mean: &[f32],
    dh: &[f32],
    tokens: usize,
    grads: &mut ClinicGrads,
) -> Vec<f32> {
    let d = weights.d_model();
    let mut dx = dh.to_vec();
    let mut d_context = vec![0.0f32; d];
    for t in 0..tokens {
        for j in 0..weights.config.conv_width.min(t + 1) {
            for i in 0..d {
                grads.conv[j * d + i] += dh[t * d + i] * x[(t - j) * d + i];
                dx[(t - j) * d + i] += dh[t * d + i] * weights.conv[j * d + i];
            }
        }
        for i in 0..d {
            d_context[i] += dh[t * d + i];
        }
    }
    let mut d_mean = vec![0.0f32; d];
    for o in 0..d {
        for i in 0..d {
            grads.context[o * d + i] += d_context[o] * mean[i];
            d_mean[i] += d_context[o] * weights.context[o * d + i];
        }
    }
    for t in 0..tokens {
        for i in 0..d {
            dx[t * d + i] += d_mean[i] / tokens as f32;
        }
    }
    dx
}

/// Twin of `embed`: scatters dx into the embedding rows of the ids.
pub fn embed_backward(weights: &ClinicWeights, ids: &[u32], dx: &[f32], grads: &mut ClinicGrads) {
    let d = weights.d_model();
    for (t, &id) in ids.iter().enumerate() {
        for i in 0..d {
            grads.embed[id as usize * d + i] += dx[t * d + i];
        }
    }
}
