//! The engine's one error type: everything a caller can get wrong about a layer.

/// A bad configuration, bad weights or bad input. Messages are written for the person who
/// typed the flag or picked the file, and name the tensor, flag or limit involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MoeError {
    /// The architecture or routing options contradict each other or are out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A tensor the layer needs is absent from the weights file.
    #[error("no tensor `{name}` in this file{hint}")]
    MissingTensor { name: String, hint: String },
    /// A tensor is present but has the wrong shape. `expected` is written out, with the
    /// names of the sizes not known yet (`[d_ff, d_model]`), never placeholder zeros.
    #[error("tensor `{name}` has shape {found:?}, expected {expected}")]
    Shape { name: String, expected: String, found: Vec<usize> },
    /// A tensor's element type is not one the engine reads.
    #[error("tensor `{name}` has dtype {dtype}; only F32, F16 and BF16 are supported")]
    Dtype { name: String, dtype: String },
    /// A tensor holds NaN or infinity.
    #[error("tensor `{name}` holds a non-finite value ({value}) at element {index}")]
    NonFinite { name: String, index: usize, value: f32 },
    /// The safetensors container itself could not be read.
    #[error("cannot read safetensors data: {0}")]
    Format(String),
    /// Hidden states that do not match the layer.
    #[error("invalid input: {0}")]
    Input(String),
}

pub type Result<T> = std::result::Result<T, MoeError>;

impl MoeError {
    /// A stable identifier for programs (the page, a host) to branch on; the message is
    /// for people and may change.
    pub fn code(&self) -> &'static str {
        match self {
            MoeError::Config(_) => "invalid-config",
            MoeError::MissingTensor { .. } => "missing-tensor",
            MoeError::Shape { .. } => "tensor-shape",
            MoeError::Dtype { .. } => "tensor-dtype",
            MoeError::NonFinite { .. } => "non-finite",
            MoeError::Format(_) => "bad-safetensors",
            MoeError::Input(_) => "invalid-input",
        }
    }
}
