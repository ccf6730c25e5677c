//! Picks the backend for a layer and runs it: WebGPU/Vulkan where an adapter exists, the
//! CPU reference otherwise, always saying which and why. A lost device is recovered once;
//! a second loss falls back to the CPU.

use crate::gpu::{GpuContext, GpuError, GpuLayer};
use crate::moe::{BackendInfo, LayerWeights, MoeError, Routing, Trace, forward_cpu};
use std::rc::Rc;
use std::str::FromStr;

/// Which backend the caller asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// The GPU where an adapter exists, else the CPU (with the reason in the trace).
    Auto,
    /// The GPU or an error: never a silent fallback.
    Gpu,
    Cpu,
}

impl FromStr for BackendChoice {
    type Err = MoeError;
    fn from_str(s: &str) -> Result<Self, MoeError> {
        match s {
            "auto" => Ok(BackendChoice::Auto),
            "gpu" | "webgpu" => Ok(BackendChoice::Gpu),
            "cpu" => Ok(BackendChoice::Cpu),
            other => Err(MoeError::Config(format!("unknown backend `{other}`; expected auto, gpu (or webgpu) or cpu"))),
        }
    }
}

enum Backend {
    Gpu {
        layer: Box<GpuLayer>,
        recovered: bool,
    },
    /// Why the CPU runs: `info.reason_code` for programs, `info.reason` for people.
    Cpu {
        info: BackendInfo,
    },
}

/// A layer with its weights and its chosen backend.
pub struct Engine {
    weights: LayerWeights,
    backend: Backend,
}

impl Engine {
    pub async fn new(weights: LayerWeights, choice: BackendChoice) -> Result<Engine, GpuError> {
        weights.validate()?;
        let backend = match choice {
            BackendChoice::Cpu => Backend::Cpu { info: BackendInfo::cpu_requested() },
            BackendChoice::Gpu => Backend::Gpu { layer: gpu_layer(&weights).await?, recovered: false },
            BackendChoice::Auto => match gpu_layer(&weights).await {
                Ok(layer) => Backend::Gpu { layer, recovered: false },
                Err(e @ (GpuError::NoAdapter(_) | GpuError::RequestDevice(_) | GpuError::Limit { .. })) => {
                    Backend::Cpu { info: BackendInfo::cpu(e.code(), e.to_string()) }
                }
                Err(e) => return Err(e),
            },
        };
        Ok(Engine { weights, backend })
    }

    pub fn weights(&self) -> &LayerWeights {
        &self.weights
    }

    /// Which backend runs the layer, and why the CPU if it is the CPU.
    pub fn backend(&self) -> BackendInfo {
        match &self.backend {
            Backend::Gpu { layer, .. } => BackendInfo::gpu(layer.context().adapter.clone()),
            Backend::Cpu { info } => info.clone(),
        }
    }

    /// Runs the layer on `x` (`[tokens, d_model]`).
    pub async fn forward(&mut self, routing: &Routing, x: &[f32], tokens: usize) -> Result<Trace, GpuError> {
        let result = match &mut self.backend {
            Backend::Cpu { info } => {
                let mut trace = forward_cpu(&self.weights, routing, x, tokens)?;
                trace.backend = info.clone();
                return Ok(trace);
            }
            Backend::Gpu { layer, .. } => layer.forward(routing, x, tokens).await,
        };
        let message = match result {
            Err(GpuError::DeviceLost(message)) => message,
            // A readback on a lost device can fail before the loss is reported.
            Err(GpuError::Readback(message)) if self.gpu_lost() => message,
            other => return other,
        };
        let Backend::Gpu { recovered, .. } = &self.backend else { unreachable!("only the GPU loses devices") };
        self.backend = if *recovered {
            let reason = format!("the GPU device was lost twice ({message}); the CPU path took over");
            Backend::Cpu { info: BackendInfo::cpu("device-lost-twice", reason) }
        } else {
            match gpu_layer(&self.weights).await {
                Ok(layer) => Backend::Gpu { layer, recovered: true },
                Err(e) => Backend::Cpu {
                    info: BackendInfo::cpu(
                        "device-unrecoverable",
                        format!("the GPU device was lost ({message}) and could not be recovered: {e}"),
                    ),
                },
            }
        };
        Box::pin(self.forward(routing, x, tokens)).await
    }
}

impl Engine {
    fn gpu_lost(&self) -> bool {
        matches!(&self.backend, Backend::Gpu { layer, .. } if layer.context().is_lost())
    }

    /// Destroys the GPU device under the engine, as a driver reset would; the next forward
    /// recovers (once) or falls back to the CPU. For tests of that path.
    pub fn destroy_gpu_device_for_testing(&self) {
        if let Backend::Gpu { layer, .. } = &self.backend {
            layer.context().destroy_device_for_testing();
        }
    }
}

async fn gpu_layer(weights: &LayerWeights) -> Result<Box<GpuLayer>, GpuError> {
    let ctx = Rc::new(GpuContext::new().await?);
    Ok(Box::new(GpuLayer::new(ctx, weights).await?))
}
