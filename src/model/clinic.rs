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
//! Every stage works on a batch of sentences laid end to end ([`Segments`]): inference
//! routes one, training a batch. Each stage and its backward twin is written loop for
//! loop like the WGSL kernel it mirrors, as gathers, like `moe::backward` for the layer.

#![allow(clippy::needless_range_loop, reason = "index loops written like the kernels they mirror")]

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

/// Sentences laid end to end in one batch: sentence s holds tokens `starts[s]..starts[s+1]`.
/// Inference routes one sentence (`[0, T]`); a training step routes a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segments {
    pub starts: Vec<usize>,
    /// The sentence of each token: what a GPU thread reads instead of searching `starts`.
    pub sentence: Vec<u32>,
}

impl Segments {
    pub fn new(lengths: impl IntoIterator<Item = usize>) -> Self {
        let mut starts = vec![0];
        let mut sentence = Vec::new();
        for (s, len) in lengths.into_iter().enumerate() {
            starts.push(starts[s] + len);
            sentence.extend(std::iter::repeat_n(s as u32, len));
        }
        Segments { starts, sentence }
    }

    /// One sentence of `tokens` tokens.
    pub fn one(tokens: usize) -> Self {
        Segments::new([tokens])
    }

    pub fn sentences(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn tokens(&self) -> usize {
        *self.starts.last().unwrap_or(&0)
    }

    pub fn range(&self, s: usize) -> std::ops::Range<usize> {
        self.starts[s]..self.starts[s + 1]
    }

    /// Tokens of sentence s, at least 1 (an empty sentence divides by 1, not 0).
    pub fn len_of(&self, s: usize) -> f32 {
        (self.starts[s + 1] - self.starts[s]).max(1) as f32
    }
}

/// `embed.wgsl`: x[t] = embed[id_t]. Ids beyond the vocabulary are an error upstream.
pub fn embed(weights: &ClinicWeights, ids: &[u32]) -> Vec<f32> {
    let d = weights.d_model();
    let mut x = Vec::with_capacity(ids.len() * d);
    for &id in ids {
        x.extend_from_slice(&weights.embed[id as usize * d..(id as usize + 1) * d]);
    }
    x
}

/// What the mixer computes, per sentence and per token.
#[derive(Clone, Debug, PartialEq)]
pub struct MixOut {
    /// `[B, d]`: each sentence's mean embedding.
    pub means: Vec<f32>,
    /// `[B, d]`: context . mean, what every token of the sentence adds.
    pub contexts: Vec<f32>,
    /// `[T, d]`.
    pub h: Vec<f32>,
}

/// `mix_mean.wgsl`, `mix_context.wgsl` and `mix.wgsl`: per sentence s,
/// h[t] = x[t] + sum_j conv[j] * x[t - j] (within the sentence) + context . mean_s(x).
pub fn mix(weights: &ClinicWeights, x: &[f32], segments: &Segments) -> MixOut {
    let d = weights.d_model();
    let b = segments.sentences();
    let mut means = vec![0.0f32; b * d];
    for s in 0..b {
        for i in 0..d {
            let mut acc = 0.0f32;
            for t in segments.range(s) {
                acc += x[t * d + i];
            }
            means[s * d + i] = acc / segments.len_of(s);
        }
    }
    let mut contexts = vec![0.0f32; b * d];
    for s in 0..b {
        for o in 0..d {
            let mut acc = 0.0f32;
            for i in 0..d {
                acc += weights.context[o * d + i] * means[s * d + i];
            }
            contexts[s * d + o] = acc;
        }
    }
    let mut h = vec![0.0f32; x.len()];
    for t in 0..segments.tokens() {
        let s = segments.sentence[t] as usize;
        let position = t - segments.starts[s];
        for i in 0..d {
            let mut acc = x[t * d + i];
            for j in 0..weights.config.conv_width.min(position + 1) {
                acc += weights.conv[j * d + i] * x[(t - j) * d + i];
            }
            h[t * d + i] = acc + contexts[s * d + i];
        }
    }
    MixOut { means, contexts, h }
}

/// What the head computes, per sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadOut {
    /// `[B, d]`: mean of z = h + y over the sentence.
    pub pooled: Vec<f32>,
    /// `[B, CLASSES]`.
    pub logits: Vec<f32>,
    pub probs: Vec<f32>,
}

/// `head.wgsl`: per sentence, z = h + y, pooled = mean_t z, logits = head . pooled + bias,
/// probs = softmax(logits).
pub fn head(weights: &ClinicWeights, h: &[f32], y: &[f32], segments: &Segments) -> HeadOut {
    let d = weights.d_model();
    let b = segments.sentences();
    let mut out = HeadOut { pooled: vec![0.0; b * d], logits: vec![0.0; b * CLASSES], probs: vec![0.0; b * CLASSES] };
    for s in 0..b {
        for i in 0..d {
            let mut acc = 0.0f32;
            for t in segments.range(s) {
                acc += h[t * d + i] + y[t * d + i];
            }
            out.pooled[s * d + i] = acc / segments.len_of(s);
        }
        let logits = &mut out.logits[s * CLASSES..(s + 1) * CLASSES];
        for (c, logit) in logits.iter_mut().enumerate() {
            let mut acc = weights.head_bias[c];
            for i in 0..d {
                acc += weights.head[c * d + i] * out.pooled[s * d + i];
            }
            *logit = acc;
        }
        let max = logits.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let mut sum = 0.0f32;
        for &l in logits.iter() {
            sum += (l - max).exp();
        }
        for c in 0..CLASSES {
            out.probs[s * CLASSES + c] = (logits[c] - max).exp() / sum;
        }
    }
    out
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

/// `head_backward.wgsl`: cross-entropy against each sentence's label, averaged over the B
/// sentences: d_logits[s, c] = (probs[s, c] - [c = label_s]) / B.
pub fn head_backward(out: &HeadOut, labels: &[u32]) -> Vec<f32> {
    let b = labels.len();
    let mut d_logits = vec![0.0f32; b * CLASSES];
    for s in 0..b {
        for c in 0..CLASSES {
            let target = if c == labels[s] as usize { 1.0 } else { 0.0 };
            d_logits[s * CLASSES + c] = (out.probs[s * CLASSES + c] - target) / b as f32;
        }
    }
    d_logits
}

/// `head_grad.wgsl`: d_head[c, i] = sum_s d_logits[s, c] * pooled[s, i]; d_bias[c] =
/// sum_s d_logits[s, c].
pub fn head_grad(out: &HeadOut, d_logits: &[f32], d: usize) -> (Vec<f32>, Vec<f32>) {
    let b = d_logits.len() / CLASSES;
    let mut d_head = vec![0.0f32; CLASSES * d];
    let mut d_bias = vec![0.0f32; CLASSES];
    for c in 0..CLASSES {
        for i in 0..d {
            let mut acc = 0.0f32;
            for s in 0..b {
                acc += d_logits[s * CLASSES + c] * out.pooled[s * d + i];
            }
            d_head[c * d + i] = acc;
        }
        let mut acc = 0.0f32;
        for s in 0..b {
            acc += d_logits[s * CLASSES + c];
        }
        d_bias[c] = acc;
    }
    (d_head, d_bias)
}

/// `pool_backward.wgsl`: dz[t, i] = sum_c d_logits[s, c] * head[c, i] / len(s): the same
/// for h (through the residual) and for the layer's output y.
pub fn pool_backward(weights: &ClinicWeights, d_logits: &[f32], segments: &Segments) -> Vec<f32> {
    let d = weights.d_model();
    let mut dz = vec![0.0f32; segments.tokens() * d];
    for t in 0..segments.tokens() {
        let s = segments.sentence[t] as usize;
        for i in 0..d {
            let mut acc = 0.0f32;
            for c in 0..CLASSES {
                acc += d_logits[s * CLASSES + c] * weights.head[c * d + i];
            }
            dz[t * d + i] = acc / segments.len_of(s);
        }
    }
    dz
}

/// What the mixer's backward computes besides the weight gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct MixBackward {
    /// `[B, d]`: sum over the sentence's tokens of dh.
    pub d_contexts: Vec<f32>,
    /// `[B, d]`: context^T d_context.
    pub d_means: Vec<f32>,
    /// `[T, d]`.
    pub dx: Vec<f32>,
    pub d_conv: Vec<f32>,
    pub d_context: Vec<f32>,
}

/// `mix_backward.wgsl` (per sentence: d_context, d_mean; per token: dx) and
/// `mix_grad.wgsl` (conv and context weights), twins of `mix`.
pub fn mix_backward(weights: &ClinicWeights, x: &[f32], out: &MixOut, dh: &[f32], segments: &Segments) -> MixBackward {
    let d = weights.d_model();
    let (b, width) = (segments.sentences(), weights.config.conv_width);
    let mut d_contexts = vec![0.0f32; b * d];
    for s in 0..b {
        for o in 0..d {
            let mut acc = 0.0f32;
            for t in segments.range(s) {
                acc += dh[t * d + o];
            }
            d_contexts[s * d + o] = acc;
        }
    }
    let mut d_means = vec![0.0f32; b * d];
    for s in 0..b {
        for i in 0..d {
            let mut acc = 0.0f32;
            for o in 0..d {
                acc += d_contexts[s * d + o] * weights.context[o * d + i];
            }
            d_means[s * d + i] = acc;
        }
    }
    let mut dx = vec![0.0f32; segments.tokens() * d];
    for t in 0..segments.tokens() {
        let s = segments.sentence[t] as usize;
        let end = segments.starts[s + 1];
        for i in 0..d {
            let mut acc = dh[t * d + i];
            // Token t feeds h[t + j] through tap j, within its sentence.
            for j in 0..width.min(end - t) {
                acc += weights.conv[j * d + i] * dh[(t + j) * d + i];
            }
            dx[t * d + i] = acc + d_means[s * d + i] / segments.len_of(s);
        }
    }
    let mut d_conv = vec![0.0f32; width * d];
    for j in 0..width {
        for i in 0..d {
            let mut acc = 0.0f32;
            for t in 0..segments.tokens() {
                let s = segments.sentence[t] as usize;
                if t - segments.starts[s] >= j {
                    acc += dh[t * d + i] * x[(t - j) * d + i];
                }
            }
            d_conv[j * d + i] = acc;
        }
    }
    let mut d_context = vec![0.0f32; d * d];
    for o in 0..d {
        for i in 0..d {
            let mut acc = 0.0f32;
            for s in 0..b {
                acc += d_contexts[s * d + o] * out.means[s * d + i];
            }
            d_context[o * d + i] = acc;
        }
    }
    MixBackward { d_contexts, d_means, dx, d_conv, d_context }
}

/// The tokens of a batch grouped by id, in token order within each id: lets the
/// embedding's gradient be a gather (one thread per row and feature sums its tokens)
/// instead of a scatter-add, which WGSL could only do with float atomics it lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdIndex {
    /// Token indices, by id then position.
    pub order: Vec<u32>,
    /// `[vocab + 1]`: id v's tokens are `order[start[v]..start[v + 1]]`.
    pub start: Vec<u32>,
}

impl IdIndex {
    /// A counting sort of the ids: stable, O(T + vocab).
    pub fn new(ids: &[u32], vocab: usize) -> Self {
        let mut start = vec![0u32; vocab + 1];
        for &id in ids {
            start[id as usize + 1] += 1;
        }
        for v in 0..vocab {
            start[v + 1] += start[v];
        }
        let mut next = start.clone();
        let mut order = vec![0u32; ids.len()];
        for (t, &id) in ids.iter().enumerate() {
            order[next[id as usize] as usize] = t as u32;
            next[id as usize] += 1;
        }
        IdIndex { order, start }
    }
}

/// `embed_grad.wgsl`: d_embed[v, i] = sum over the tokens with id v of dx[t, i].
pub fn embed_grad(index: &IdIndex, dx: &[f32], vocab: usize, d: usize) -> Vec<f32> {
    let mut d_embed = vec![0.0f32; vocab * d];
    for v in 0..vocab {
        for i in 0..d {
            let mut acc = 0.0f32;
            for k in index.start[v]..index.start[v + 1] {
                acc += dx[index.order[k as usize] as usize * d + i];
            }
            d_embed[v * d + i] = acc;
        }
    }
    d_embed
}
