//! Picks the backend for a layer (`Engine`) or any GPU program (`Backend`: the clinic
//! model's too) and runs it: WebGPU/Vulkan where an adapter exists, the CPU reference
//! otherwise, always saying which and why. A lost device is recovered once; a second loss
//! falls back to the CPU.

use crate::gpu::{GpuContext, GpuError, GpuLayer};
use crate::moe::{BackendInfo, LayerWeights, MoeError, Routing, Trace, forward_cpu};
use std::rc::Rc;
use std::str::FromStr;

/// Which backend the caller asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// The GPU where an adapter exists, else the CPU (with the reason in the trace).
    Auto,
    /// The GPU or an error, never a silent fallback at creation. A device lost later is
    /// rebuilt once; a second loss hands over to the CPU, and the backend's reason says so.
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

/// A GPU program that can be (re)built from its weights, for [`Backend`].
#[allow(async_fn_in_trait, reason = "single-threaded: the wasm facade and pollster")]
pub trait OnGpu: Sized {
    type Weights;
    /// Opens a device and uploads `weights`.
    async fn build(weights: &Self::Weights) -> Result<Self, GpuError>;
    fn context(&self) -> &Rc<GpuContext>;
}

impl OnGpu for GpuLayer {
    type Weights = LayerWeights;
    async fn build(weights: &LayerWeights) -> Result<Self, GpuError> {
        GpuLayer::new(Rc::new(GpuContext::new().await?), weights).await
    }
    fn context(&self) -> &Rc<GpuContext> {
        GpuLayer::context(self)
    }
}

/// Where a program runs: on the GPU, rebuilt once after a device loss, or on the CPU
/// with the reason (`info.reason_code` for programs, `info.reason` for people). Shared
/// by the layer's [`Engine`] and the clinic's `model::triage::Triage`.
pub enum Backend<G> {
    Gpu { runner: Box<G>, recovered: bool },
    Cpu { info: BackendInfo },
}

impl<G: OnGpu> Backend<G> {
    pub async fn choose(choice: BackendChoice, weights: &G::Weights) -> Result<Self, GpuError> {
        Ok(match choice {
            BackendChoice::Cpu => Backend::Cpu { info: BackendInfo::cpu_requested() },
            BackendChoice::Gpu => Backend::Gpu { runner: Box::new(G::build(weights).await?), recovered: false },
            BackendChoice::Auto => match G::build(weights).await {
                Ok(runner) => Backend::Gpu { runner: Box::new(runner), recovered: false },
                Err(e) if e.falls_back_under_auto() => Backend::Cpu { info: BackendInfo::cpu(e.code(), e.to_string()) },
                Err(e) => return Err(e),
            },
        })
    }

    /// Which backend runs, and why the CPU if it is the CPU.
    pub fn info(&self) -> BackendInfo {
        match self {
            Backend::Gpu { runner, .. } => BackendInfo::gpu(runner.context().adapter.clone()),
            Backend::Cpu { info } => info.clone(),
        }
    }

    /// After a GPU run failed with `error`: a lost device is replaced (once; a second
    /// loss, or a failed rebuild, hands over to the CPU) and `Ok` says to run again; any
    /// other error is returned as it is.
    pub async fn recover(&mut self, error: GpuError, weights: &G::Weights) -> Result<(), GpuError> {
        let Backend::Gpu { runner, recovered } = self else { return Err(error) };
        let message = match error {
            GpuError::DeviceLost(message) => message,
            // A readback on a lost device can fail before the loss is reported.
            GpuError::Readback(message) if runner.context().is_lost() => message,
            other => return Err(other),
        };
        *self = if *recovered {
            let reason = format!("the GPU device was lost twice ({message}); the CPU path took over");
            Backend::Cpu { info: BackendInfo::cpu("device-lost-twice", reason) }
        } else {
            match G::build(weights).await {
                Ok(runner) => Backend::Gpu { runner: Box::new(runner), recovered: true },
                Err(e) => Backend::Cpu {
                    info: BackendInfo::cpu(
                        "device-unrecoverable",
                        format!("the GPU device was lost ({message}) and could not be recovered: {e}"),
                    ),
                },
            }
        };
        Ok(())
    }

    /// Destroys the GPU device under the program, as a driver reset would; the next run
    /// recovers (once) or falls back to the CPU. For tests of that path.
    pub fn destroy_gpu_device_for_testing(&self) {
        if let Backend::Gpu { runner, .. } = self {
            runner.context().destroy_device_for_testing();
        }
    }
}

/// A layer with its weights and its chosen backend.
pub struct Engine {
    weights: LayerWeights,
    backend: Backend<GpuLayer>,
}

impl Engine {
    pub async fn new(weights: LayerWeights, choice: BackendChoice) -> Result<Engine, GpuError> {
        weights.validate()?;
        let backend = Backend::choose(choice, &weights).await?;
        Ok(Engine { weights, backend })
    }

    pub fn weights(&self) -> &LayerWeights {
        &self.weights
    }

    /// Which backend runs the layer, and why the CPU if it is the CPU.
    pub fn backend(&self) -> BackendInfo {
        self.backend.info()
    }

    /// Runs the layer on `x` (`[tokens, d_model]`).
    pub async fn forward(&mut self, routing: &Routing, x: &[f32], tokens: usize) -> Result<Trace, GpuError> {
        loop {
            let error = match &mut self.backend {
                Backend::Cpu { info } => {
                    let mut trace = forward_cpu(&self.weights, routing, x, tokens)?;
                    trace.backend = info.clone();
                    return Ok(trace);
                }
                Backend::Gpu { runner, .. } => match runner.forward(routing, x, tokens).await {
                    Ok(trace) => return Ok(trace),
                    Err(e) => e,
                },
            };
            self.backend.recover(error, &self.weights).await?;
        }
    }

    /// See [`Backend::destroy_gpu_device_for_testing`].
    pub fn destroy_gpu_device_for_testing(&self) {
        self.backend.destroy_gpu_device_for_testing();
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// A GPU program whose making always fails with the error it holds.
    struct Failing;
    impl OnGpu for Failing {
        type Weights = GpuError;
        async fn build(error: &GpuError) -> Result<Self, GpuError> {
            Err(error.clone())
        }
        fn context(&self) -> &Rc<GpuContext> {
            unreachable!("never made")
        }
    }

    #[test]
    fn auto_falls_back_on_any_gpu_failure_but_not_on_bad_input() {
        let choose = |choice, error: GpuError| pollster::block_on(Backend::<Failing>::choose(choice, &error));
        for error in [
            GpuError::NoAdapter("none".into()),
            GpuError::Limit { what: "x".into(), needed: "2".into(), limit: "max", allowed: "1".into() },
            GpuError::Validation("a kernel this browser refuses".into()),
            GpuError::OutOfMemory("full".into()),
        ] {
            let info = choose(BackendChoice::Auto, error.clone()).map(|b| b.info()).expect("the CPU");
            assert_eq!((info.kind, info.reason_code), ("cpu", Some(error.code())));
            // Asked for the GPU: the error itself, never a fallback.
            assert_eq!(choose(BackendChoice::Gpu, error.clone()).err(), Some(error));
        }
        let bad = GpuError::Moe(MoeError::Input("bad input".into()));
        assert_eq!(choose(BackendChoice::Auto, bad.clone()).err(), Some(bad), "the CPU would refuse it too");
    }
}
