//! One MoE layer on the GPU: weights uploaded once, work buffers that grow (doubling) and
//! are reused, and a forward that records every stage into one command encoder, submits
//! once and reads back once.

use super::context::{GpuContext, Pipeline};
use super::error::{GpuError, Result};
use super::kernels::{self, Kernel, Params, WORKGROUP};
use crate::moe::reference::{Dims, ROW_BLOCK, check_input, seat_limit};
use crate::moe::trace::{BackendInfo, RoutingOutputs, StageTime, Timings};
use crate::moe::{Architecture, ExpertKind, LayerWeights, RouterKind, Routing, Trace};
use std::rc::Rc;

/// A kernel and its grid of workgroups.
type Step<'a> = (&'a Kernel, (u32, u32, u32));

/// The four timed stages, one compute pass each.
const STAGES: [&str; 4] = ["router", "dispatch", "experts", "combine"];
/// Largest workgroup count per grid dimension guaranteed by WebGPU.
const MAX_GROUPS: u32 = 65535;

/// The layer's weights on the GPU, d_model and d_ff zero-padded to multiples of 4 so that
/// every kernel reads whole vec4s (the padding contributes exact zeros).
struct WeightBuffers {
    router: wgpu::Buffer,
    router_bias: wgpu::Buffer,
    w1: wgpu::Buffer,
    w3: wgpu::Buffer,
    w2: wgpu::Buffer,
}

/// Per-forward buffers, sized for up to `tokens` tokens and `total_slots` slots.
struct WorkBuffers {
    tokens: usize,
    total_slots: usize,
    x: wgpu::Buffer,
    logits: wgpu::Buffer,
    probs: wgpu::Buffer,
    taken: wgpu::Buffer,
    assign_expert: wgpu::Buffer,
    assign_gate: wgpu::Buffer,
    position: wgpu::Buffer,
    slot_row: wgpu::Buffer,
    expert_table: wgpu::Buffer,
    block_expert: wgpu::Buffer,
    row_token: wgpu::Buffer,
    hidden: wgpu::Buffer,
    expert_out: wgpu::Buffer,
    y: wgpu::Buffer,
    staging: wgpu::Buffer,
    bind_groups: Vec<wgpu::BindGroup>,
}

/// Timestamp queries: two per stage, resolved into a buffer copied with the results.
struct Timestamps {
    queries: wgpu::QuerySet,
    resolved: wgpu::Buffer,
    period_ns: f32,
}

pub struct GpuLayer {
    ctx: Rc<GpuContext>,
    arch: Architecture,
    d4: usize,
    ff4: usize,
    weights: WeightBuffers,
    params: wgpu::Buffer,
    work: Option<WorkBuffers>,
    timestamps: Option<Timestamps>,
    pipelines: Vec<Rc<Pipeline>>,
}

impl GpuLayer {
    /// Uploads the weights and compiles (or reuses) the pipelines for this expert kind.
    pub async fn new(ctx: Rc<GpuContext>, weights: &LayerWeights) -> Result<Self> {
        weights.validate()?;
        let arch = weights.arch;
        let (d, ff, n) = (arch.d_model, arch.d_ff, arch.total_experts());
        let (d4, ff4) = (d.div_ceil(4), ff.div_ceil(4));
        let (dp, ffp) = (d4 * 4, ff4 * 4);
        let limits = Limits::of(&ctx);
        limits.check_buffer("the router weights", arch.num_experts * dp * 4)?;
        limits.check_buffer("one expert weight matrix stack (w1, w2 or w3)", n * ffp * dp * 4)?;

        let scope = ErrorScopes::push(&ctx.device);
        let upload = |label: &str, data: &[f32]| storage_init(&ctx.device, label, data);
        let w3 = if arch.expert_kind == ExpertKind::Swiglu { &weights.w3 } else { &weights.w1 };
        let weight_buffers = WeightBuffers {
            router: upload("router", &pad(&weights.router, arch.num_experts, d, dp)),
            router_bias: upload(
                "router_bias",
                if weights.router_bias.is_empty() { &[0.0] } else { &weights.router_bias },
            ),
            w1: upload("w1", &pad_stack(&weights.w1, n, ff, d, ffp, dp)),
            w3: upload("w3", &pad_stack(w3, n, ff, d, ffp, dp)),
            w2: upload("w2", &pad_stack(&weights.w2, n, d, ff, dp, ffp)),
        };
        let params = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("params"),
            size: size_of::<Params>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let timestamps = ctx.timestamp_period.map(|period_ns| Timestamps {
            queries: ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("stage timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 2 * STAGES.len() as u32,
            }),
            resolved: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("resolved timestamps"),
                size: 16 * STAGES.len() as u64,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            period_ns,
        });
        let pipelines = kernels::ALL
            .iter()
            .map(|k| ctx.pipeline(k, (k.name == kernels::EXPERT_UP.name).then(|| arch.expert_kind.code())))
            .collect();
        scope.pop().await?;
        Ok(GpuLayer { ctx, arch, d4, ff4, weights: weight_buffers, params, work: None, timestamps, pipelines })
    }

    pub fn context(&self) -> &Rc<GpuContext> {
        &self.ctx
    }

    /// Runs the layer on `tokens` hidden states `x` (`[tokens, d_model]`) and returns the
    /// trace. One command submission, one readback; T = 0 touches nothing.
    pub async fn forward(&mut self, routing: &Routing, x: &[f32], tokens: usize) -> Result<Trace> {
        let start = crate::clock::now_ms();
        routing.validate(&self.arch)?;
        check_input(&self.arch, x, tokens)?;
        if let Some(fault) = self.ctx.take_fault() {
            return Err(fault);
        }
        let dims = Dims::new(&self.arch, routing, tokens);
        let backend = BackendInfo::gpu(self.ctx.adapter.clone());
        if tokens == 0 {
            let out = RoutingOutputs {
                demand: vec![0; dims.total_experts],
                seated: vec![0; dims.total_experts],
                ..Default::default()
            };
            let timings = Timings {
                wall_ms: crate::clock::now_ms() - start,
                gpu_stages: None,
                gpu_stages_missing: Some("no tokens: nothing ran".into()),
            };
            return Ok(Trace::assemble(&self.arch, routing, 0, out, backend, timings)?);
        }
        self.ensure_capacity(&dims).await?;
        let params = self.params_for(routing, &dims);
        let layout = Readback::layout(&dims, self.d4, self.timestamps.is_some());

        let scope = ErrorScopes::push(&self.ctx.device);
        let work = self.work.as_ref().expect("ensure_capacity allocates");
        self.ctx.queue.write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
        self.ctx.queue.write_buffer(&work.x, 0, bytemuck::cast_slice(&pad(x, tokens, self.arch.d_model, self.d4 * 4)));
        let mut encoder =
            self.ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("moe forward") });
        self.record(&mut encoder, routing, &dims, work);
        layout.copy_results(&mut encoder, work, self.timestamps.as_ref());
        self.ctx.queue.submit(Some(encoder.finish()));
        scope.pop().await?;

        // A lost device fails the readback; report the loss, which the engine recovers from.
        let bytes = match self.ctx.read_buffer(&work.staging, layout.total).await {
            Ok(bytes) => bytes,
            Err(e) => return Err(self.ctx.take_fault().unwrap_or(e)),
        };
        if let Some(fault) = self.ctx.take_fault() {
            return Err(fault);
        }
        let (out, stages) = layout.parse(&bytes, &dims, self.arch.d_model, self.d4, self.timestamps.as_ref());
        let timings = Timings {
            wall_ms: crate::clock::now_ms() - start,
            gpu_stages_missing: stages
                .is_none()
                .then(|| self.ctx.timestamps_missing.clone().unwrap_or_else(|| "timestamps unavailable".into())),
            gpu_stages: stages,
        };
        Ok(Trace::assemble(&self.arch, routing, tokens, out, backend, timings)?)
    }

    fn params_for(&self, routing: &Routing, dims: &Dims) -> Params {
        let noise = routing.noise.filter(|n| n.scale != 0.0);
        Params {
            tokens: dims.tokens as u32,
            d4: self.d4 as u32,
            ff4: self.ff4 as u32,
            experts: dims.experts as u32,
            total_experts: dims.total_experts as u32,
            slots: dims.slots as u32,
            total_slots: dims.total_slots as u32,
            top_k: dims.top_k as u32,
            router: routing.router.code(),
            seat_limit: seat_limit(&self.arch, routing, dims.tokens),
            choose: routing.expert_capacity(&self.arch, dims.tokens).unwrap_or(dims.tokens) as u32,
            noise_on: u32::from(noise.is_some()),
            noise_seed: noise.map_or(0, |n| n.seed),
            noise_scale: noise.map_or(0.0, |n| n.scale),
            has_bias: u32::from(self.arch.router_bias),
            max_rows: dims.max_rows() as u32,
        }
    }

    /// Records the four stages, each a compute pass with timestamps where available.
    fn record(&self, encoder: &mut wgpu::CommandEncoder, routing: &Routing, dims: &Dims, work: &WorkBuffers) {
        let (t, e, ts) = (dims.tokens as u32, dims.experts as u32, dims.total_slots as u32);
        let blocks = dims.max_rows().div_ceil(ROW_BLOCK) as u32;
        let matmul_grid = |columns4: usize| {
            let y = blocks.min(MAX_GROUPS);
            ((columns4 as u32).div_ceil(WORKGROUP), y, blocks.div_ceil(y))
        };
        let mut router =
            vec![(&kernels::ROUTER_LOGITS, grid(t.div_ceil(4) * e.div_ceil(4))), (&kernels::ROUTER_SOFTMAX, grid(t))];
        if routing.router == RouterKind::ExpertChoice {
            router.push((&kernels::ROUTER_EXPERT_CHOICE, grid(t * e)));
        }
        router.push((&kernels::ROUTER_SELECT, grid(t)));
        let stages: [Vec<Step>; 4] = [
            router,
            vec![
                (&kernels::DISPATCH_COUNT, (dims.total_experts as u32, 1, 1)),
                (&kernels::DISPATCH_OFFSETS, (1, 1, 1)),
                (&kernels::DISPATCH_SCATTER, grid(t * ts)),
            ],
            vec![(&kernels::EXPERT_UP, matmul_grid(self.ff4)), (&kernels::EXPERT_DOWN, matmul_grid(self.d4))],
            vec![(&kernels::COMBINE, grid(t * self.d4 as u32))],
        ];
        for (stage, steps) in stages.iter().enumerate() {
            let timestamp_writes = self.timestamps.as_ref().map(|ts| wgpu::ComputePassTimestampWrites {
                query_set: &ts.queries,
                beginning_of_pass_write_index: Some(2 * stage as u32),
                end_of_pass_write_index: Some(2 * stage as u32 + 1),
            });
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(STAGES[stage]), timestamp_writes });
            for &(kernel, (x, y, z)) in steps {
                let i = kernel.index();
                pass.set_pipeline(&self.pipelines[i].pipeline);
                pass.set_bind_group(0, &work.bind_groups[i], &[]);
                pass.dispatch_workgroups(x, y, z);
            }
        }
    }

    /// Grows the work buffers (doubling) when this forward needs more than they hold.
    async fn ensure_capacity(&mut self, dims: &Dims) -> Result<()> {
        if let Some(w) = &self.work
            && w.tokens >= dims.tokens
            && w.total_slots >= dims.total_slots
        {
            return Ok(());
        }
        // Each dimension doubles when it must grow, and stays when it need not.
        let grow = |needed: usize, held: usize| if needed > held { needed.max(2 * held) } else { held };
        let held = self.work.as_ref().map_or((0, 0), |w| (w.tokens, w.total_slots));
        let tokens = grow(dims.tokens, held.0);
        let total_slots = grow(dims.total_slots, held.1).min(dims.experts + self.arch.shared_experts);
        let sized = Dims { tokens, total_slots, ..*dims };
        let limits = Limits::of(&self.ctx);
        let (e, n) = (dims.experts, dims.total_experts);
        let rows = sized.max_rows();
        let assignments = sized.assignments();
        let sizes = [
            ("the hidden states", tokens * self.d4 * 16),
            ("the router logits", tokens * e * 4),
            ("the expert hidden activations (rows x d_ff)", rows * self.ff4 * 16),
            ("the expert outputs (rows x d_model)", rows * self.d4 * 16),
            ("the assignments", assignments * 4),
        ];
        for (what, bytes) in sizes {
            limits.check_buffer(what, bytes)?;
        }
        let blocks = rows.div_ceil(ROW_BLOCK);
        limits.check_groups(blocks.div_ceil(MAX_GROUPS as usize))?;
        let scope = ErrorScopes::push(&self.ctx.device);
        let device = &self.ctx.device;
        let storage = |label: &str, bytes: usize| storage_buffer(device, label, bytes);
        let staging_size = Readback::layout(&sized, self.d4, self.timestamps.is_some()).total;
        let mut work = WorkBuffers {
            tokens,
            total_slots,
            x: storage("x", tokens * self.d4 * 16),
            logits: storage("logits", tokens * e * 4),
            probs: storage("probs", tokens * e * 4),
            taken: storage("taken", tokens * e * 4),
            assign_expert: storage("assign_expert", assignments * 4),
            assign_gate: storage("assign_gate", assignments * 4),
            position: storage("position", assignments * 4),
            slot_row: storage("slot_row", assignments * 4),
            expert_table: storage("expert_table", (3 * n + 1) * 4),
            block_expert: storage("block_expert", blocks * 4),
            row_token: storage("row_token", rows * 4),
            hidden: storage("hidden", rows * self.ff4 * 16),
            expert_out: storage("expert_out", rows * self.d4 * 16),
            y: storage("y", tokens * self.d4 * 16),
            staging: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("staging"),
                size: staging_size,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            bind_groups: Vec::new(),
        };
        work.bind_groups = self.bind_groups(&work);
        scope.pop().await?;
        self.work = Some(work);
        Ok(())
    }

    /// One bind group per kernel, its buffers in the order of the kernel table's bindings.
    fn bind_groups(&self, w: &WorkBuffers) -> Vec<wgpu::BindGroup> {
        let (p, wt) = (&self.params, &self.weights);
        let buffers: [&[&wgpu::Buffer]; 10] = [
            &[p, &w.x, &wt.router, &wt.router_bias, &w.logits],
            &[p, &w.logits, &w.probs],
            &[p, &w.probs, &w.taken],
            &[p, &w.probs, &w.taken, &w.assign_expert, &w.assign_gate],
            &[p, &w.assign_expert, &w.position, &w.expert_table],
            &[p, &w.expert_table, &w.block_expert],
            &[p, &w.assign_expert, &w.position, &w.expert_table, &w.row_token, &w.slot_row],
            &[p, &w.x, &w.row_token, &w.expert_table, &w.block_expert, &wt.w1, &wt.w3, &w.hidden],
            &[p, &w.hidden, &w.expert_table, &w.block_expert, &wt.w2, &w.expert_out],
            &[p, &w.assign_gate, &w.slot_row, &w.expert_out, &w.y],
        ];
        kernels::ALL
            .iter()
            .zip(buffers)
            .zip(&self.pipelines)
            .map(|((kernel, buffers), pipeline)| {
                assert_eq!(kernel.bindings.len(), buffers.len(), "{} bindings", kernel.name);
                let entries: Vec<wgpu::BindGroupEntry> = buffers
                    .iter()
                    .enumerate()
                    .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
                    .collect();
                self.ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some(kernel.name),
                    layout: &pipeline.layout,
                    entries: &entries,
                })
            })
            .collect()
    }
}

/// Where each result lies in the staging buffer.
struct Readback {
    sections: Vec<(Section, u64, u64)>,
    total: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Logits,
    Probs,
    AssignExpert,
    AssignGate,
    SlotRow,
    ExpertTable,
    Y,
    Timestamps,
}

impl Readback {
    fn layout(dims: &Dims, d4: usize, timestamps: bool) -> Self {
        let (t, e, a, n) =
            (dims.tokens as u64, dims.experts as u64, dims.assignments() as u64, dims.total_experts as u64);
        let mut sizes = vec![
            (Section::Logits, t * e * 4),
            (Section::Probs, t * e * 4),
            (Section::AssignExpert, a * 4),
            (Section::AssignGate, a * 4),
            (Section::SlotRow, a * 4),
            (Section::ExpertTable, (3 * n + 1) * 4),
            (Section::Y, t * d4 as u64 * 16),
        ];
        if timestamps {
            sizes.push((Section::Timestamps, 16 * STAGES.len() as u64));
        }
        let mut offset = 0;
        let sections = sizes
            .into_iter()
            .map(|(s, size)| {
                let at = offset;
                offset += size.div_ceil(8) * 8;
                (s, at, size)
            })
            .collect();
        Readback { sections, total: offset.max(8) }
    }

    fn copy_results(&self, encoder: &mut wgpu::CommandEncoder, w: &WorkBuffers, timestamps: Option<&Timestamps>) {
        if let Some(ts) = timestamps {
            encoder.resolve_query_set(&ts.queries, 0..2 * STAGES.len() as u32, &ts.resolved, 0);
        }
        for &(section, offset, size) in &self.sections {
            let source = match section {
                Section::Logits => &w.logits,
                Section::Probs => &w.probs,
                Section::AssignExpert => &w.assign_expert,
                Section::AssignGate => &w.assign_gate,
                Section::SlotRow => &w.slot_row,
                Section::ExpertTable => &w.expert_table,
                Section::Y => &w.y,
                Section::Timestamps => &timestamps.expect("laid out only with timestamps").resolved,
            };
            if size > 0 {
                encoder.copy_buffer_to_buffer(source, 0, &w.staging, offset, size);
            }
        }
    }

    fn bytes<'a>(&self, all: &'a [u8], section: Section) -> &'a [u8] {
        let &(_, offset, size) = self.sections.iter().find(|s| s.0 == section).expect("section laid out");
        &all[offset as usize..(offset + size) as usize]
    }

    fn parse(
        &self,
        all: &[u8],
        dims: &Dims,
        d: usize,
        d4: usize,
        timestamps: Option<&Timestamps>,
    ) -> (RoutingOutputs, Option<Vec<StageTime>>) {
        let f32s = |s| bytemuck::pod_collect_to_vec::<u8, f32>(self.bytes(all, s));
        let i32s = |s| bytemuck::pod_collect_to_vec::<u8, i32>(self.bytes(all, s));
        let table = bytemuck::pod_collect_to_vec::<u8, u32>(self.bytes(all, Section::ExpertTable));
        let n = dims.total_experts;
        let y = f32s(Section::Y);
        let output = y.chunks_exact(d4 * 4).flat_map(|row| &row[..d]).copied().collect();
        let stages = timestamps.map(|ts| {
            let ticks = bytemuck::pod_collect_to_vec::<u8, u64>(self.bytes(all, Section::Timestamps));
            STAGES
                .iter()
                .enumerate()
                .map(|(i, stage)| StageTime {
                    stage,
                    ms: ticks[2 * i + 1].saturating_sub(ticks[2 * i]) as f64 * ts.period_ns as f64 / 1e6,
                })
                .collect()
        });
        let out = RoutingOutputs {
            logits: f32s(Section::Logits),
            probs: f32s(Section::Probs),
            assign_expert: i32s(Section::AssignExpert),
            assign_gate: f32s(Section::AssignGate),
            slot_row: i32s(Section::SlotRow),
            demand: table[n + 1..2 * n + 1].to_vec(),
            seated: table[2 * n + 1..3 * n + 1].to_vec(),
            output,
        };
        (out, stages)
    }
}

/// Captures validation and out-of-memory errors of the commands recorded while it is
/// pushed, so that a bug becomes an error value instead of wgpu's default panic.
struct ErrorScopes {
    out_of_memory: wgpu::ErrorScopeGuard,
    validation: wgpu::ErrorScopeGuard,
}

impl ErrorScopes {
    fn push(device: &wgpu::Device) -> Self {
        let out_of_memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        ErrorScopes { out_of_memory, validation }
    }

    async fn pop(self) -> Result<()> {
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

/// A 1-D grid of `threads` threads, folded into y beyond 65535 workgroups (the kernels'
/// `flat_index` unfolds it).
fn grid(threads: u32) -> (u32, u32, u32) {
    let groups = threads.div_ceil(WORKGROUP).max(1);
    if groups <= MAX_GROUPS { (groups, 1, 1) } else { (MAX_GROUPS, groups.div_ceil(MAX_GROUPS), 1) }
}

/// The adapter limits a layer's sizes are checked against, for errors that name them.
struct Limits {
    binding: u64,
    buffer: u64,
    groups: u32,
}

impl Limits {
    fn of(ctx: &GpuContext) -> Self {
        Limits {
            binding: ctx.limits.max_storage_buffer_binding_size,
            buffer: ctx.limits.max_buffer_size,
            groups: ctx.limits.max_compute_workgroups_per_dimension,
        }
    }

    fn check_buffer(&self, what: &str, bytes: usize) -> Result<()> {
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

    fn check_groups(&self, groups: usize) -> Result<()> {
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

fn storage_buffer(device: &wgpu::Device, label: &str, bytes: usize) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        // Zero-sized bindings are invalid; 16 bytes is the smallest vec4.
        size: (bytes.max(16) as u64).div_ceil(16) * 16,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

fn storage_init(device: &wgpu::Device, label: &str, data: &[f32]) -> wgpu::Buffer {
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

/// Copies `rows` rows of width `cols` into rows of width `padded` (zeros after).
fn pad(data: &[f32], rows: usize, cols: usize, padded: usize) -> Vec<f32> {
    if cols == padded {
        return data.to_vec();
    }
    let mut out = vec![0.0; rows * padded];
    for r in 0..rows {
        out[r * padded..r * padded + cols].copy_from_slice(&data[r * cols..(r + 1) * cols]);
    }
    out
}

/// Pads a stack of `count` matrices `[rows, cols]` to `[rows_p, cols_p]` with zeros.
fn pad_stack(data: &[f32], count: usize, rows: usize, cols: usize, rows_p: usize, cols_p: usize) -> Vec<f32> {
    let mut out = vec![0.0; count * rows_p * cols_p];
    for m in 0..count {
        for r in 0..rows {
            let src = &data[(m * rows + r) * cols..(m * rows + r + 1) * cols];
            out[(m * rows_p + r) * cols_p..(m * rows_p + r) * cols_p + cols].copy_from_slice(src);
        }
    }
    out
}
