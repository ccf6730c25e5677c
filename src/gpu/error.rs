//! The GPU layer's one error type.

use crate::moe::MoeError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GpuError {
    /// No WebGPU/Vulkan adapter: the caller may fall back to the CPU path.
    #[error("no GPU adapter available: {0}")]
    NoAdapter(String),
    #[error("the GPU adapter refused a device: {0}")]
    RequestDevice(String),
    /// A buffer or dispatch the layer needs is larger than this adapter allows.
    #[error("{what} needs {needed} but this adapter's {limit} is {allowed}")]
    Limit { what: String, needed: String, limit: &'static str, allowed: String },
    /// A model the GPU kernels cannot run (the CPU path can).
    #[error("the GPU path cannot run this model: {0}")]
    Unsupported(String),
    /// wgpu rejected a command; a bug in the engine, reported rather than panicking.
    #[error("GPU validation error: {0}")]
    Validation(String),
    #[error("the GPU ran out of memory: {0}")]
    OutOfMemory(String),
    #[error("the GPU device was lost: {0}")]
    DeviceLost(String),
    #[error("reading results back from the GPU failed: {0}")]
    Readback(String),
    /// Bad configuration, weights or input: the same errors as the CPU path.
    #[error(transparent)]
    Moe(#[from] MoeError),
}

pub type Result<T> = std::result::Result<T, GpuError>;

impl GpuError {
    /// A stable identifier for programs to branch on (see [`MoeError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            GpuError::NoAdapter(_) => "no-adapter",
            GpuError::RequestDevice(_) => "request-device",
            GpuError::Limit { .. } => "gpu-limit",
            GpuError::Unsupported(_) => "gpu-unsupported",
            GpuError::Validation(_) => "gpu-validation",
            GpuError::OutOfMemory(_) => "gpu-out-of-memory",
            GpuError::DeviceLost(_) => "device-lost",
            GpuError::Readback(_) => "gpu-readback",
            GpuError::Moe(e) => e.code(),
        }
    }

    /// Whether "auto" runs on the CPU after this error while making the GPU program: any
    /// GPU failure (no adapter, a limit, a kernel a browser's compiler refuses, memory, a
    /// lost device), but not a bad model or input, which the CPU path refuses as well.
    pub fn falls_back_under_auto(&self) -> bool {
        !matches!(self, GpuError::Moe(_))
    }
}
