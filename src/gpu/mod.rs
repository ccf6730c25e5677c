//! The GPU path: the stages of `moe::reference` as WGSL kernels run through wgpu.

pub mod context;
pub mod error;
pub mod kernels;
pub mod layer;
pub mod model;
pub mod program;

pub use context::GpuContext;
pub use error::GpuError;
pub use layer::GpuLayer;
pub use model::GpuModel;
