//! What every GPU program here shares: buffers by [`Buf`] (whole, or a range of a larger
//! buffer), pipelines and bind groups made from the kernel table, recording stages into
//! one encoder, error scopes that turn wgpu's errors into values, and adapter limits
//! named in errors. The MoE layer (`layer.rs`) and the trainer (`train.rs`) are programs.

use super::context::{GpuContext, Pipeline};
use super::error::{GpuError, Result};
use super::kernels::{Buf, GridSizes, Kernel, Override, Params};
use std::collections::HashMap;
use std::rc::Rc;

/// What a kernel binds for a [`Buf`]: a whole buffer, or a range of one (the trainer's
/// weights are one buffer, so that AdamW updates them all in one dispatch, and each
/// tensor is a range of it).
#[derive(Clone, Debug)]
pub struct View {
    pub buffer: wgpu::Buffer,
    pub offset: u64,
    pub size: u64,
}

impl View {
    pub fn whole(buffer: wgpu::Buffer) -> Self {
        let size = buffer.size();
        View { buffer, offset: 0, size }
    }

    fn binding(&self) -> wgpu::BindingResource<'_> {
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &self.buffer,
            offset: self.offset,
            size: wgpu::BufferSize::new(self.size),
        })
    }
}

/// A program's buffers, by [`Buf`].
pub struct Buffers(Vec<Option<View>>);

impl Default for Buffers {
    fn default() -> Self {
        Buffers(Buf::ALL.iter().map(|_| None).collect())
    }
}

impl Buffers {
    pub fn set(&mut self, buf: Buf, buffer: wgpu::Buffer) {
        self.0[buf.index()] = Some(View::whole(buffer));
    }

    pub fn set_view(&mut self, buf: Buf, view: View) {
        self.0[buf.index()] = Some(view);
    }

    pub fn view(&self, buf: Buf) -> &View {
        self.0[buf.index()].as_ref().unwrap_or_else(|| panic!("buffer {} was never allocated", buf.name()))
    }

    /// The buffer itself, for writes and copies (at the view's offset).
    pub fn get(&self, buf: Buf) -> &wgpu::Buffer {
        &self.view(buf).buffer
    }
}

/// Timestamp queries: two per stage (its pass's start and end), resolved into a buffer
/// that a readback copies.
pub struct Timestamps {
    pub queries: wgpu::QuerySet,
    pub resolved: wgpu::Buffer,
    pub period_ns: f32,
}

impl Timestamps {
    /// For `stages` passes, where the adapter has timestamp queries.
    pub fn new(ctx: &GpuContext, stages: usize) -> Option<Self> {
        ctx.timestamp_period.map(|period_ns| Timestamps {
            queries: ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("stage timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 2 * stages as u32,
            }),
            resolved: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("resolved timestamps"),
                size: 16 * stages as u64,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            period_ns,
        })
    }

    /// Milliseconds per stage from the resolved ticks (`2 * stages` u64s).
    pub fn stage_ms(&self, ticks: &[u64]) -> Vec<f64> {
        ticks.chunks_exact(2).map(|t| t[1].saturating_sub(t[0]) as f64 * self.period_ns as f64 / 1e6).collect()
    }
}

/// Pipelines (compiled once per kernel and override values) and the bind groups made
/// against the current buffers.
pub struct Program {
    ctx: Rc<GpuContext>,
    pipelines: HashMap<&'static str, Rc<Pipeline>>,
    bind_groups: HashMap<&'static str, wgpu::BindGroup>,
}

impl Program {
    pub fn new(
        ctx: &Rc<GpuContext>,
        kernels: impl Iterator<Item = &'static Kernel>,
        value: impl Fn(Override) -> u32,
    ) -> Self {
        let pipelines = kernels.map(|k| (k.name, ctx.pipeline(k, &value))).collect();
        Program { ctx: Rc::clone(ctx), pipelines, bind_groups: HashMap::new() }
    }

    /// (Re)makes every kernel's bind group: its table's buffers, in `@binding` order.
    pub fn bind(&mut self, buffers: &Buffers, kernels: impl Iterator<Item = &'static Kernel>) {
        for kernel in kernels {
            let entries: Vec<wgpu::BindGroupEntry> = kernel
                .bindings
                .iter()
                .enumerate()
                .map(|(i, &(buf, _))| wgpu::BindGroupEntry { binding: i as u32, resource: buffers.view(buf).binding() })
                .collect();
            let group = self.ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(kernel.name),
                layout: &self.pipelines[kernel.name].layout,
                entries: &entries,
            });
            self.bind_groups.insert(kernel.name, group);
        }
    }

    /// Records `stages`, each a compute pass (with a timestamp pair at `timestamps`'s
    /// indices where given), each kernel that `runs` with its own grid.
    pub fn record(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        stages: &[(&'static str, &[Kernel])],
        sizes: &GridSizes,
        runs: impl Fn(&Kernel) -> bool,
        timestamps: Option<&wgpu::QuerySet>,
    ) {
        for (stage, (label, stage_kernels)) in stages.iter().enumerate() {
            let timestamp_writes = timestamps.map(|queries| wgpu::ComputePassTimestampWrites {
                query_set: queries,
                beginning_of_pass_write_index: Some(2 * stage as u32),
                end_of_pass_write_index: Some(2 * stage as u32 + 1),
            });
            let mut pass =
                encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes });
            for kernel in stage_kernels.iter().filter(|k| runs(k)) {
                let (x, y, z) = kernel.grid.workgroups(sizes);
                pass.set_pipeline(&self.pipelines[kernel.name].pipeline);
                pass.set_bind_group(0, &self.bind_groups[kernel.name], &[]);
                pass.dispatch_workgroups(x, y, z);
            }
        }
    }
}

/// Captures validation and out-of-memory errors of the commands recorded while it is
/// pushed, so that a bug becomes an error value instead of wgpu's default panic.
pub struct ErrorScopes {
    // Declared in reverse order of their pushes: a value dropped unpopped (an early return
    // between push and pop) drops its fields in this order, and wgpu panics on scopes
    // popped out of order.
    validation: wgpu::ErrorScopeGuard,
    out_of_memory: wgpu::ErrorScopeGuard,
}

impl ErrorScopes {
    pub fn push(device: &wgpu::Device) -> Self {
        let out_of_memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        ErrorScopes { out_of_memory, validation }
    }

    pub async fn pop(self) -> Result<()> {
        // Scopes pop in reverse order of their pushes.
        let validation = self.validation.pop();
        let out_of_memory = self.out_of_memory.pop();
        if let Some(error) = validation.await {
            return Err(GpuError::Validation(error.to_string()));
        }
        if let Some(error) = out_of_memory.await {
            return Err(GpuError::OutOfMemory(error.to_string()));
        }
        Ok(())
    }
}

/// The adapter limits a layer's sizes are checked against, for errors that name them.
pub struct Limits {
    binding: u64,
    buffer: u64,
    groups: u32,
}

impl Limits {
    pub fn of(ctx: &GpuContext) -> Self {
        Limits {
            binding: ctx.limits.max_storage_buffer_binding_size,
            buffer: ctx.limits.max_buffer_size,
            groups: ctx.limits.max_compute_workgroups_per_dimension,
        }
    }

    pub fn check_buffer(&self, what: &str, bytes: usize) -> Result<()> {
        let (limit, allowed) = if self.binding <= self.buffer {
            ("max_storage_buffer_binding_size", self.binding)
        } else {
            ("max_buffer_size", self.buffer)
        };
        if bytes as u64 > allowed {
            return Err(GpuError::Limit {
                what: what.to_string(),
                needed: mib(bytes as u64),
                limit,
                allowed: mib(allowed),
            });
        }
        Ok(())
    }

    pub fn check_groups(&self, groups: usize) -> Result<()> {
        if groups as u64 > self.groups as u64 {
            return Err(GpuError::Limit {
                what: "the expert matmul grid".into(),
                needed: format!("{groups} workgroups in z"),
                limit: "max_compute_workgroups_per_dimension",
                allowed: self.groups.to_string(),
            });
        }
        Ok(())
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub fn storage_buffer(device: &wgpu::Device, label: &str, bytes: usize) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        // Zero-sized bindings are invalid; 16 bytes is the smallest vec4.
        size: (bytes.max(16) as u64).div_ceil(16) * 16,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// The uniform buffer every kernel reads its [`Params`] from, written before each submission.
pub fn params_buffer(device: &wgpu::Device) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(Buf::Params.name()),
        size: size_of::<Params>() as u64,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

pub fn staging_buffer(device: &wgpu::Device, size: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("staging"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

pub fn storage_init(device: &wgpu::Device, label: &str, data: &[f32]) -> wgpu::Buffer {
    use wgpu::util::DeviceExt;
    // Zero-sized bindings are invalid, and vec4 arrays want whole vec4s.
    let mut contents = data.to_vec();
    contents.resize(data.len().max(4).div_ceil(4) * 4, 0.0);
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: bytemuck::cast_slice(&contents),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
    })
}
