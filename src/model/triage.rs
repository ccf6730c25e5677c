//! A shipped clinic model at work: text in, patients routed, diagnosis out. Used by
//! `moe-clinic route` and by the page (through the wasm facade). The embedding, mixer and
//! head are small and run on the CPU; the MoE layer runs on the engine's backend (WebGPU or
//! Vulkan where available, else the CPU reference), whose trace the page draws.

use super::clinic::{ClinicConfig, ClinicWeights, Segments, embed, head, mix, predicted_class};
use super::labels::Specialty;
use super::tokenizer::{Token, Tokenizer, TokenizerError};
use crate::engine::{BackendChoice, Engine};
use crate::gpu::GpuError;
use crate::moe::{MoeError, Routing, Trace};
use serde::Serialize;

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

/// Tokenizer, weights and the MoE layer's engine.
pub struct Triage {
    tokenizer: Tokenizer,
    weights: ClinicWeights,
    engine: Engine,
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
        let engine = Engine::new(weights.moe.clone(), backend).await?;
        Ok(Triage { tokenizer, weights, engine })
    }

    pub fn config(&self) -> &ClinicConfig {
        &self.weights.config
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// See [`Engine::destroy_gpu_device_for_testing`].
    pub fn destroy_gpu_device_for_testing(&self) {
        self.engine.destroy_gpu_device_for_testing();
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
        let count = ids.len();
        let x = embed(&self.weights, &ids);
        let segments = Segments::one(count);
        let h = mix(&self.weights, &x, &segments).h;
        let layer = self.engine.forward(routing, &h, count).await?;
        let diagnosis = (count > 0).then(|| {
            let probs = head(&self.weights, &h, &layer.output, &segments).probs;
            let best = predicted_class(&probs);
            Diagnosis { label: Specialty::ALL[best], probs: [probs[0], probs[1], probs[2], probs[3]] }
        });
        Ok(TriageTrace { tokens, layer, diagnosis })
    }
}
