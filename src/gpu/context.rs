//! Getting a device, separate from computing with it: adapter, limits, timestamp support,
//! the pipeline cache, and the one portable readback.

use super::error::{GpuError, Result};
use super::kernels::{Access, Kernel, Override};
use crate::moe::trace::AdapterSummary;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A compute pipeline and the layout its bind groups are made against.
pub struct Pipeline {
    pub pipeline: wgpu::ComputePipeline,
    pub layout: wgpu::BindGroupLayout,
}

/// A kernel's name and the values of its override constants.
type PipelineKey = (&'static str, Vec<u32>);

/// One device and what the engine knows about it. Layers share it; pipelines are cached
/// here, per kernel and per override constant, so nothing is compiled twice.
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: AdapterSummary,
    pub limits: wgpu::Limits,
    /// Nanoseconds per timestamp tick, where the adapter has timestamp queries.
    pub timestamp_period: Option<f32>,
    /// Why per-stage GPU timings are unavailable, where they are.
    pub timestamps_missing: Option<String>,
    pipelines: Mutex<HashMap<PipelineKey, Rc<Pipeline>>>,
    /// Set by wgpu's callbacks: the device was lost, or an error escaped every scope.
    fault: Arc<Mutex<Option<GpuError>>>,
    /// Readbacks so far, for tests of "one readback per forward".
    readbacks: AtomicUsize,
}

impl GpuContext {
    /// Finds an adapter and opens a device with the adapter's own limits (so the largest
    /// layer it can hold is allowed) and timestamp queries where available.
    pub async fn new() -> Result<Self> {
        // wgpu expects `navigator.gpu` on the web and panics without it (Node, old browsers).
        #[cfg(target_arch = "wasm32")]
        if !browser_has_webgpu() {
            return Err(GpuError::NoAdapter("this JavaScript environment has no WebGPU (navigator.gpu)".into()));
        }
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let wants = wgpu::Features::TIMESTAMP_QUERY;
        let features = adapter.features() & wants;
        let limits = adapter.limits();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("moe-clinic"),
                required_features: features,
                required_limits: limits.clone(),
                memory_hints: wgpu::MemoryHints::Performance,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::RequestDevice(e.to_string()))?;

        let fault = Arc::new(Mutex::new(None));
        let on_lost = Arc::clone(&fault);
        device.set_device_lost_callback(move |reason, message| {
            // The engine never destroys its device, so even `Destroyed` is a loss to recover from.
            *on_lost.lock().unwrap() = Some(GpuError::DeviceLost(format!("{reason:?}: {message}")));
        });
        let on_error = Arc::clone(&fault);
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            on_error.lock().unwrap().get_or_insert(GpuError::Validation(error.to_string()));
        }));

        let timestamps = features.contains(wgpu::Features::TIMESTAMP_QUERY);
        #[allow(unused_mut, reason = "completed from the browser on wasm32")]
        let mut adapter = AdapterSummary {
            name: info.name,
            vendor: vendor_name(info.vendor, &info.driver),
            architecture: architecture_of(&info.driver_info, &info.driver),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
        };
        #[cfg(target_arch = "wasm32")]
        if let Some((vendor, architecture, description)) = browser_adapter_info().await {
            adapter.vendor = vendor;
            adapter.architecture = architecture;
            if adapter.name.is_empty() {
                adapter.name = description;
            }
        }
        Ok(GpuContext {
            adapter,
            timestamp_period: timestamps.then(|| queue.get_timestamp_period()),
            timestamps_missing: (!timestamps).then(|| "the adapter has no timestamp-query feature".to_string()),
            device,
            queue,
            limits,
            pipelines: Mutex::new(HashMap::new()),
            fault,
            readbacks: AtomicUsize::new(0),
        })
    }

    /// The fault wgpu reported since the last call, if any (device lost, stray error). A
    /// lost device stays lost: every later call hears of it, not only the first.
    pub fn take_fault(&self) -> Option<GpuError> {
        let mut fault = self.fault.lock().unwrap();
        match &*fault {
            Some(GpuError::DeviceLost(_)) => fault.clone(),
            _ => fault.take(),
        }
    }

    /// Destroys the device, as a driver reset or a browser would: for tests of the engine's
    /// recovery, through the real device-lost path.
    pub fn destroy_device_for_testing(&self) {
        self.device.destroy();
    }

    /// `error`, unless the device was lost meanwhile: then the loss, which callers recover
    /// from. A lost device makes every later command invalid, so the first error seen after
    /// a loss is often a validation error about an invalid buffer.
    pub fn lost_or(&self, error: GpuError) -> GpuError {
        // Natively the loss is reported while the device is polled.
        #[cfg(not(target_arch = "wasm32"))]
        let _ = self.device.poll(wgpu::PollType::Poll);
        if self.is_lost() { self.take_fault().unwrap_or(error) } else { error }
    }

    /// Whether the device is gone for good (the caller should make a new context).
    pub fn is_lost(&self) -> bool {
        matches!(*self.fault.lock().unwrap(), Some(GpuError::DeviceLost(_)))
    }

    /// The pipeline of `kernel` with its override constants set by `value`; compiled on
    /// first use, then cached per kernel and per set of values.
    pub fn pipeline(&self, kernel: &Kernel, value: impl Fn(Override) -> u32) -> Rc<Pipeline> {
        let values: Vec<u32> = kernel.overrides.iter().map(|&o| value(o)).collect();
        let mut cache = self.pipelines.lock().unwrap();
        let entry = cache.entry((kernel.name, values.clone()));
        Rc::clone(entry.or_insert_with(|| Rc::new(self.build_pipeline(kernel, &values))))
    }

    fn build_pipeline(&self, kernel: &Kernel, values: &[u32]) -> Pipeline {
        let source = kernel.source();
        let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(kernel.name),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let entries: Vec<wgpu::BindGroupLayoutEntry> = kernel
            .bindings
            .iter()
            .enumerate()
            .map(|(binding, (buf, access))| wgpu::BindGroupLayoutEntry {
                binding: binding as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: match access {
                        Access::Uniform => wgpu::BufferBindingType::Uniform,
                        Access::Read => wgpu::BufferBindingType::Storage { read_only: true },
                        Access::ReadWrite => wgpu::BufferBindingType::Storage { read_only: false },
                    },
                    has_dynamic_offset: false,
                    min_binding_size: std::num::NonZeroU64::new(buf.element_bytes()),
                },
                count: None,
            })
            .collect();
        let layout = self
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(kernel.name), entries: &entries });
        let pipeline_layout = self.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(kernel.name),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let constants: Vec<(&str, f64)> =
            kernel.overrides.iter().zip(values).map(|(o, &v)| (o.name(), v as f64)).collect();
        let pipeline = self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(kernel.name),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some(kernel.name),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                // Every kernel writes its workgroup memory before reading it.
                zero_initialize_workgroup_memory: false,
            },
            cache: None,
        });
        Pipeline { pipeline, layout }
    }

    /// Copies `size` bytes of a MAP_READ buffer back to the host: `map_async` and a
    /// one-shot channel, polling only natively (the browser drives the callback itself).
    pub async fn read_buffer(&self, buffer: &wgpu::Buffer, size: u64) -> Result<Vec<u8>> {
        self.readbacks.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = futures_channel::oneshot::channel();
        buffer.map_async(wgpu::MapMode::Read, 0..size, move |result| {
            let _ = sender.send(result);
        });
        #[cfg(not(target_arch = "wasm32"))]
        self.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| GpuError::Readback(e.to_string()))?;
        receiver
            .await
            .map_err(|_| GpuError::Readback("the map callback was dropped".into()))?
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let bytes = buffer.get_mapped_range(0..size).map_err(|e| GpuError::Readback(e.to_string()))?.to_vec();
        buffer.unmap();
        Ok(bytes)
    }

    /// `read_buffer`, with a lost device reported as the loss (which callers recover from):
    /// on a lost device the readback fails first, and a fault wgpu raised meanwhile is
    /// reported even where the bytes arrived.
    pub async fn read_back(&self, buffer: &wgpu::Buffer, size: u64) -> Result<Vec<u8>> {
        let bytes = match self.read_buffer(buffer, size).await {
            Ok(bytes) => bytes,
            Err(e) => return Err(self.take_fault().unwrap_or(e)),
        };
        if let Some(fault) = self.take_fault() {
            return Err(fault);
        }
        Ok(bytes)
    }

    /// How many times results were read back from this device.
    pub fn readbacks(&self) -> usize {
        self.readbacks.load(Ordering::Relaxed)
    }
}

/// A readable vendor: PCI ids natively, the browser's own string on the web.
fn vendor_name(vendor: u32, driver: &str) -> String {
    match vendor {
        0x1002 => "amd".into(),
        0x10de => "nvidia".into(),
        0x8086 => "intel".into(),
        0x10005 => "mesa".into(),
        0x13b5 => "arm".into(),
        0x5143 => "qualcomm".into(),
        0x106b => "apple".into(),
        0 if !driver.is_empty() => driver.to_string(),
        other => format!("0x{other:04x}"),
    }
}

/// The browser reports `GPUAdapterInfo.architecture` through wgpu's driver info.
fn architecture_of(driver_info: &str, driver: &str) -> String {
    if !driver_info.is_empty() { driver_info.to_string() } else { driver.to_string() }
}

#[cfg(target_arch = "wasm32")]
fn browser_has_webgpu() -> bool {
    use js_sys::Reflect;
    use wasm_bindgen::JsValue;
    Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))
        .ok()
        .filter(|n| n.is_object())
        .and_then(|n| Reflect::get(&n, &JsValue::from_str("gpu")).ok())
        .is_some_and(|gpu| gpu.is_object())
}

/// wgpu leaves vendor and architecture empty on the web, so ask the browser directly:
/// `(await navigator.gpu.requestAdapter()).info`. Works in windows and workers.
#[cfg(target_arch = "wasm32")]
async fn browser_adapter_info() -> Option<(String, String, String)> {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let get = |target: &JsValue, key: &str| Reflect::get(target, &JsValue::from_str(key)).ok();
    let navigator = get(&js_sys::global(), "navigator")?;
    let gpu = get(&navigator, "gpu").filter(|g| !g.is_undefined())?;
    let request = get(&gpu, "requestAdapter")?.dyn_into::<Function>().ok()?;
    let promise = request.call0(&gpu).ok()?.dyn_into::<Promise>().ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise).await.ok().filter(|a| !a.is_null())?;
    let info = get(&adapter, "info")?;
    let text = |key| get(&info, key).and_then(|v| v.as_string()).unwrap_or_default();
    Some((text("vendor"), text("architecture"), text("description")))
}
