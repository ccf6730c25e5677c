//! A shipped clinic model at work: text in, patients routed, diagnosis out. Used by
//! `moe-clinic route` and by the page (through the wasm facade). On the GPU (WebGPU or
//! Vulkan where available) the whole model runs as kernels, one submission and one
//! readback per text (`gpu::GpuModel::route`); on the CPU, its twins below. Either way
//! the page draws the MoE layer's trace and the head's verdict.

use super::clinic::{CLASSES, ClinicConfig, ClinicWeights, Segments, embed, head, mix, predicted_class};
use super::labels::Specialty;
use super::tokenizer::{Token, Tokenizer, TokenizerError};
use crate::engine::{Backend, BackendChoice, OnGpu};
use crate::gpu::{GpuContext, GpuError, GpuModel};
use crate::moe::{BackendInfo, MoeError, Routing, Trace, forward_cpu};
use serde::Serialize;
use std::rc::Rc;

/// Longest text accepted, in characters (the page refuses longer text, keeping it as typed).
pub const MAX_CHARS: usize = 2000;
/// Most tokens accepted.
pub const MAX_TOKENS: usize = 512;

/// The model layer's one error type.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("the text has {chars} characters; the limit is {MAX_CHARS}")]
    TooManyCharacters { chars: usize },
    #[error("the text makes {tokens} tokens; the limit is {MAX_TOKENS}")]
    TooManyTokens { tokens: usize },
    #[error("tokenizer: {0}")]
    Tokenizer(#[from] TokenizerError),
    #[error("the tokenizer has {tokenizer} entries but the model expects {model}")]
    VocabularyMismatch { tokenizer: usize, model: usize },
    #[error(transparent)]
    Moe(#[from] MoeError),
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

impl TriageError {
    /// A stable identifier for programs to branch on (see [`MoeError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            TriageError::TooManyCharacters { .. } => "too-many-characters",
            TriageError::TooManyTokens { .. } => "too-many-tokens",
            TriageError::Tokenizer(_) => "tokenizer",
            TriageError::VocabularyMismatch { .. } => "vocabulary-mismatch",
            TriageError::Moe(e) => e.code(),
            TriageError::Gpu(e) => e.code(),
        }
    }

    /// The limit a text broke and by how much, for messages a page writes in its own
    /// language: `(limit, count)`.
    pub fn limit(&self) -> Option<(usize, usize)> {
        match self {
            TriageError::TooManyCharacters { chars } => Some((MAX_CHARS, *chars)),
            TriageError::TooManyTokens { tokens } => Some((MAX_TOKENS, *tokens)),
            _ => None,
        }
    }
}

/// The head's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnosis {
    #[serde(serialize_with = "specialty_name")]
    pub label: Specialty,
    /// Probabilities in `Specialty::ALL` order.
    pub probs: [f32; 4],
}

fn specialty_name<S: serde::Serializer>(s: &Specialty, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(s.name())
}

/// Everything one routing of a text produced.
#[derive(Clone, Debug)]
pub struct TriageTrace {
    pub tokens: Vec<Token>,
    /// The MoE layer's trace (its `output` is the layer's, before the residual).
    pub layer: Trace,
    /// `None` for empty text.
    pub diagnosis: Option<Diagnosis>,
}

impl OnGpu for GpuModel {
    type Weights = ClinicWeights;
    async fn build(weights: &ClinicWeights) -> Result<Self, GpuError> {
        GpuModel::for_routing(Rc::new(GpuContext::new().await?), weights).await
    }
    fn context(&self) -> &Rc<GpuContext> {
        GpuModel::context(self)
    }
}

/// Tokenizer, weights and where the model runs.
pub struct Triage {
    tokenizer: Tokenizer,
    weights: ClinicWeights,
    backend: Backend<GpuModel>,
}

impl Triage {
    pub async fn new(model: &[u8], tokenizer_json: &str, backend: BackendChoice) -> Result<Self, TriageError> {
        let tokenizer = Tokenizer::from_json(tokenizer_json)?;
        let weights = ClinicWeights::from_safetensors(model)?;
        if tokenizer.vocab_size() != weights.config.vocab_size {
            return Err(TriageError::VocabularyMismatch {
                tokenizer: tokenizer.vocab_size(),
                model: weights.config.vocab_size,
            });
        }
        weights.moe.validate()?;
        let backend = Backend::choose(backend, &weights).await?;
        Ok(Triage { tokenizer, weights, backend })
    }

    pub fn config(&self) -> &ClinicConfig {
        &self.weights.config
    }

    /// Where the model runs, and why the CPU if it is the CPU.
    pub fn backend(&self) -> BackendInfo {
        self.backend.info()
    }

    /// See [`Backend::destroy_gpu_device_for_testing`].
    pub fn destroy_gpu_device_for_testing(&self) {
        self.backend.destroy_gpu_device_for_testing();
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Tokenizes `text`, routes its tokens through the MoE layer with `routing`, and
    /// diagnoses. Text past the limits is an error (never cut); empty text is not.
    pub async fn route(&mut self, text: &str, routing: &Routing) -> Result<TriageTrace, TriageError> {
        let chars = text.chars().count();
        if chars > MAX_CHARS {
            return Err(TriageError::TooManyCharacters { chars });
        }
        let tokens = self.tokenizer.encode(text);
        if tokens.len() > MAX_TOKENS {
            return Err(TriageError::TooManyTokens { tokens: tokens.len() });
        }
        let ids: Vec<u32> = tokens.iter().map(|t| t.id).collect();
        let (layer, probs) = loop {
            let error = match &mut self.backend {
                Backend::Cpu { info } => {
                    let info = info.clone();
                    let (mut layer, probs) = forward_model_cpu(&self.weights, routing, &ids)?;
                    layer.backend = info;
                    break (layer, probs);
                }
                Backend::Gpu { runner, .. } => match runner.route(routing, &ids).await {
                    Ok(routed) => break routed,
                    Err(e) => e,
                },
            };
            self.backend.recover(error, &self.weights).await?;
        };
        let diagnosis = probs.map(|probs| Diagnosis { label: Specialty::ALL[predicted_class(&probs)], probs });
        Ok(TriageTrace { tokens, layer, diagnosis })
    }
}

/// The model on the CPU, one sentence: the twins of `GpuModel::route`'s kernels.
fn forward_model_cpu(
    weights: &ClinicWeights,
    routing: &Routing,
    ids: &[u32],
) -> Result<(Trace, Option<[f32; CLASSES]>), MoeError> {
    let count = ids.len();
    let x = embed(weights, ids);
    let segments = Segments::one(count);
    let h = mix(weights, &x, &segments).h;
    let layer = forward_cpu(&weights.moe, routing, &h, count)?;
    let probs = (count > 0).then(|| {
        let probs = head(weights, &h, &layer.output, &segments).probs;
        [probs[0], probs[1], probs[2], probs[3]]
    });
    Ok((layer, probs))
}
