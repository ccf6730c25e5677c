//! One MoE layer on the GPU: weights uploaded once, work buffers that grow (doubling) and
//! are reused, and a forward that records every stage into one command encoder, submits
//! once and reads back once. Which buffers a kernel binds, and its grid, come from the
//! kernel table (`kernels.rs`); this file only owns the buffers and records.

use super::context::GpuContext;
use super::error::Result;
use super::kernels::{self, Buf, ExpertTable, GridSizes, Kernel, MAX_GROUPS, Override, Params, STAGES};
use super::program::{
    Buffers, ErrorScopes, Limits, Program, Timestamps, params_buffer, staging_buffer, storage_buffer, storage_init,
};
use crate::moe::reference::{self, Dims, LayerRun, ROW_BLOCK, UNLIMITED, check_forward, seat_limit};
use crate::moe::trace::{BackendInfo, RoutingOutputs, StageTime, Timings};
use crate::moe::{Architecture, ExpertKind, LayerWeights, RouterKind, Routing, Trace};
use std::rc::Rc;

/// The work buffers' sizes and the staging buffer.
struct Work {
    tokens: usize,
    total_slots: usize,
    staging: wgpu::Buffer,
}

pub struct GpuLayer {
    ctx: Rc<GpuContext>,
    arch: Architecture,
    has_selection: bool,
    d4: usize,
    ff4: usize,
    buffers: Buffers,
    work: Option<Work>,
    timestamps: Option<Timestamps>,
    program: Program,
}

/// What a forward reads back: the trace's arrays, or every intermediate buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Readout {
    Trace,
    /// Every stage's output, for stage-by-stage parity checks.
    Stages,
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
        let mut buffers = Buffers::default();
        let upload = |buf: Buf, data: &[f32]| storage_init(&ctx.device, buf.name(), data);
        let w3 = if arch.expert_kind == ExpertKind::Swiglu { &weights.w3 } else { &weights.w1 };
        buffers.set(Buf::Router, upload(Buf::Router, &pad(&weights.router, arch.num_experts, d, dp)));
        let bias: &[f32] = if weights.router_bias.is_empty() { &[0.0] } else { &weights.router_bias };
        buffers.set(Buf::RouterBias, upload(Buf::RouterBias, bias));
        let selection = weights.selection_multipliers();
        let has_selection = !selection.is_empty();
        buffers.set(Buf::Selection, upload(Buf::Selection, if has_selection { &selection[..] } else { &[1.0] }));
        buffers.set(Buf::W1, upload(Buf::W1, &pad_stack(&weights.w1, n, ff, d, ffp, dp)));
        buffers.set(Buf::W3, upload(Buf::W3, &pad_stack(w3, n, ff, d, ffp, dp)));
        buffers.set(Buf::W2, upload(Buf::W2, &pad_stack(&weights.w2, n, d, ff, dp, ffp)));
        buffers.set(Buf::Params, params_buffer(&ctx.device));
        let timestamps = Timestamps::new(&ctx, STAGES.len());
        let program = Program::new(&ctx, kernels::all(), |o| match o {
            Override::ExpertKind => arch.expert_kind.code(),
        });
        scope.pop().await?;
        Ok(GpuLayer { ctx, arch, has_selection, d4, ff4, buffers, work: None, timestamps, program })
    }

    pub fn context(&self) -> &Rc<GpuContext> {
        &self.ctx
    }

    /// Runs the layer on `tokens` hidden states `x` (`[tokens, d_model]`) and returns the
    /// trace. One command submission, one readback; T = 0 touches nothing.
    pub async fn forward(&mut self, routing: &Routing, x: &[f32], tokens: usize) -> Result<Trace> {
        let start = crate::clock::now_ms();
        let read = self.run(routing, x, tokens, Readout::Trace).await?;
        let clock = Clock { start, timestamps: self.timestamps.as_ref(), stages: &STAGES };
        let Some((bytes, layout, dims)) = read else {
            let dims = Dims::new(&self.arch, routing, 0);
            return trace_from(&self.ctx, &self.arch, routing, &dims, None, &clock);
        };
        trace_from(&self.ctx, &self.arch, routing, &dims, Some((&bytes, &layout)), &clock)
    }

    /// Runs the layer and reads back the output of every stage, shaped as the CPU
    /// reference's [`LayerRun`] (padding removed), for [`crate::moe::parity`] to compare
    /// stage by stage. Every work buffer is filled with 0xFF bytes first, so a value a
    /// kernel failed to write shows (as NaN, -1 or u32::MAX) instead of a stale one.
    /// Slower than [`GpuLayer::forward`]: for tests and debugging.
    pub async fn forward_stages(&mut self, routing: &Routing, x: &[f32], tokens: usize) -> Result<LayerRun> {
        let Some((bytes, layout, dims)) = self.run(routing, x, tokens, Readout::Stages).await? else {
            // T = 0 runs no kernel: every per-token array is empty and every count zero.
            let dims = Dims::new(&self.arch, routing, 0);
            let (position, demand, seated) = reference::dispatch_count(&dims, &[], UNLIMITED);
            let (offsets, block_expert) = reference::dispatch_offsets(&dims, &seated);
            return Ok(LayerRun {
                dims,
                logits: Vec::new(),
                probs: Vec::new(),
                taken: Vec::new(),
                assign_expert: Vec::new(),
                assign_gate: Vec::new(),
                position,
                demand,
                seated,
                offsets,
                block_expert,
                row_token: Vec::new(),
                row_slot: Vec::new(),
                slot_row: Vec::new(),
                hidden: Vec::new(),
                expert_out: Vec::new(),
                output: Vec::new(),
            });
        };
        let (d, ff) = (self.arch.d_model, self.arch.d_ff);
        let table = ExpertTable { experts: dims.total_experts };
        let expert_table = layout.u32s(&bytes, Buf::ExpertTable);
        let offsets = expert_table[table.offsets()].to_vec();
        let rows = *offsets.last().unwrap_or(&0) as usize;
        let mut row_token = layout.u32s(&bytes, Buf::RowToken);
        row_token.truncate(rows);
        let mut row_slot = layout.u32s(&bytes, Buf::RowSlot);
        row_slot.truncate(rows);
        let mut hidden = unpad(&layout.f32s(&bytes, Buf::Hidden), self.ff4 * 4, ff);
        hidden.truncate(rows * ff);
        let mut expert_out = unpad(&layout.f32s(&bytes, Buf::ExpertOut), self.d4 * 4, d);
        expert_out.truncate(rows * d);
        Ok(LayerRun {
            dims,
            logits: layout.f32s(&bytes, Buf::Logits),
            probs: layout.f32s(&bytes, Buf::Probs),
            taken: if routing.router == RouterKind::ExpertChoice {
                layout.u32s(&bytes, Buf::Taken)
            } else {
                Vec::new()
            },
            assign_expert: layout.i32s(&bytes, Buf::AssignExpert),
            assign_gate: layout.f32s(&bytes, Buf::AssignGate),
            position: layout.u32s(&bytes, Buf::Position),
            demand: expert_table[table.demand()].to_vec(),
            seated: expert_table[table.seated()].to_vec(),
            offsets,
            block_expert: layout.u32s(&bytes, Buf::BlockExpert),
            row_token,
            row_slot,
            slot_row: layout.i32s(&bytes, Buf::SlotRow),
            hidden,
            expert_out,
            output: unpad(&layout.f32s(&bytes, Buf::Y), self.d4 * 4, d),
        })
    }

    /// Validates, uploads, records every stage, submits once and reads back what `readout`
    /// asks for. `None` for T = 0, which touches nothing.
    async fn run(
        &mut self,
        routing: &Routing,
        x: &[f32],
        tokens: usize,
        readout: Readout,
    ) -> Result<Option<(Vec<u8>, Readback, Dims)>> {
        check_forward(&self.arch, routing, x, tokens)?;
        if let Some(fault) = self.ctx.take_fault() {
            return Err(fault);
        }
        let dims = Dims::new(&self.arch, routing, tokens);
        if tokens == 0 {
            return Ok(None);
        }
        self.ensure_capacity(&dims).await?;
        let params = self.params_for(routing, &dims);
        let timed = if self.timestamps.is_some() { STAGES.len() } else { 0 };
        let layout = Readback::layout(&dims, (self.d4, self.ff4), routing.router, readout, &[], timed);

        let scope = ErrorScopes::push(&self.ctx.device);
        let queue = &self.ctx.queue;
        if readout == Readout::Stages {
            for &(buf, _, _) in &layout.sections {
                let size = self.buffers.get(buf).size() as usize;
                queue.write_buffer(self.buffers.get(buf), 0, &vec![0xFF; size]);
            }
        }
        queue.write_buffer(self.buffers.get(Buf::Params), 0, bytemuck::bytes_of(&params));
        let padded = pad(x, tokens, self.arch.d_model, self.d4 * 4);
        queue.write_buffer(self.buffers.get(Buf::X), 0, bytemuck::cast_slice(&padded));
        let mut encoder =
            self.ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("moe forward") });
        self.record(&mut encoder, routing, &dims);
        let work = self.work.as_ref().expect("ensure_capacity allocates");
        // A larger readback than the trace's gets its own staging buffer: debugging only.
        let stages_staging = (readout == Readout::Stages).then(|| staging_buffer(&self.ctx.device, layout.total));
        let staging = stages_staging.as_ref().unwrap_or(&work.staging);
        layout.copy(&mut encoder, &self.buffers, staging, self.timestamps.as_ref());
        queue.submit(Some(encoder.finish()));
        scope.pop().await?;

        let bytes = self.ctx.read_back(staging, layout.total).await?;
        Ok(Some((bytes, layout, dims)))
    }

    fn params_for(&self, routing: &Routing, dims: &Dims) -> Params {
        layer_params(&self.arch, routing, dims, (self.d4, self.ff4), self.has_selection)
    }

    /// Records the stages of the kernel table, each a compute pass with timestamps where
    /// available, each kernel with its own grid.
    fn record(&self, encoder: &mut wgpu::CommandEncoder, routing: &Routing, dims: &Dims) {
        let sizes = GridSizes::of(dims, self.d4, self.ff4);
        let timestamps = self.timestamps.as_ref().map(|ts| &ts.queries);
        self.program.record(encoder, &STAGES, &sizes, |k| runs(k, routing), timestamps);
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
        let blocks = sized.max_rows().div_ceil(ROW_BLOCK);
        let bytes = |buf: Buf| work_bytes(buf, &sized, self.d4, self.ff4);
        for (what, buf) in [
            ("the hidden states", Buf::X),
            ("the router logits", Buf::Logits),
            ("the expert hidden activations (rows x d_ff)", Buf::Hidden),
            ("the expert outputs (rows x d_model)", Buf::ExpertOut),
            ("the assignments", Buf::AssignExpert),
        ] {
            limits.check_buffer(what, bytes(buf))?;
        }
        limits.check_groups(blocks.div_ceil(MAX_GROUPS as usize))?;
        let scope = ErrorScopes::push(&self.ctx.device);
        for buf in WORK_BUFFERS {
            self.buffers.set(buf, storage_buffer(&self.ctx.device, buf.name(), bytes(buf)));
        }
        let staging_size =
            Readback::layout(&sized, (self.d4, self.ff4), RouterKind::Mixtral, Readout::Trace, &[], STAGES.len()).total;
        self.program.bind(&self.buffers, kernels::all());
        let staging = staging_buffer(&self.ctx.device, staging_size);
        scope.pop().await?;
        self.work = Some(Work { tokens, total_slots, staging });
        Ok(())
    }
}

/// When a forward started, and how its stages were timed.
pub(crate) struct Clock<'a> {
    pub start: f64,
    pub timestamps: Option<&'a Timestamps>,
    /// The stages recorded, in order (their names label the GPU times).
    pub stages: &'a [(&'static str, &'static [Kernel])],
}

/// The layer's trace from a forward's readback (`None`: no tokens, nothing ran). Shared
/// by the layer alone and the whole model's forward.
pub(crate) fn trace_from(
    ctx: &GpuContext,
    arch: &Architecture,
    routing: &Routing,
    dims: &Dims,
    read: Option<(&[u8], &Readback)>,
    clock: &Clock,
) -> Result<Trace> {
    let backend = BackendInfo::gpu(ctx.adapter.clone());
    let Some((bytes, layout)) = read else {
        let out = RoutingOutputs {
            demand: vec![0; arch.total_experts()],
            seated: vec![0; arch.total_experts()],
            ..Default::default()
        };
        let timings = Timings {
            wall_ms: crate::clock::now_ms() - clock.start,
            gpu_stages: None,
            gpu_stages_missing: Some("no tokens: nothing ran".into()),
        };
        return Ok(Trace::assemble(arch, routing, 0, out, backend, timings)?);
    };
    let table = ExpertTable { experts: dims.total_experts };
    let expert_table = layout.u32s(bytes, Buf::ExpertTable);
    let out = RoutingOutputs {
        logits: layout.f32s(bytes, Buf::Logits),
        probs: layout.f32s(bytes, Buf::Probs),
        assign_expert: layout.i32s(bytes, Buf::AssignExpert),
        assign_gate: layout.f32s(bytes, Buf::AssignGate),
        slot_row: layout.i32s(bytes, Buf::SlotRow),
        demand: expert_table[table.demand()].to_vec(),
        seated: expert_table[table.seated()].to_vec(),
        output: unpad(&layout.f32s(bytes, Buf::Y), arch.d_model.div_ceil(4) * 4, arch.d_model),
    };
    let stages = layout.stage_times(bytes, clock.timestamps, clock.stages);
    let timings = Timings {
        wall_ms: crate::clock::now_ms() - clock.start,
        gpu_stages_missing: stages
            .is_none()
            .then(|| ctx.timestamps_missing.clone().unwrap_or_else(|| "timestamps unavailable".into())),
        gpu_stages: stages,
    };
    Ok(Trace::assemble(arch, routing, dims.tokens, out, backend, timings)?)
}

/// The uniform's layer fields for a forward of `dims` with `routing` (the training fields
/// stay 0).
pub(crate) fn layer_params(
    arch: &Architecture,
    routing: &Routing,
    dims: &Dims,
    (d4, ff4): (usize, usize),
    has_selection: bool,
) -> Params {
    let noise = routing.noise.filter(|n| n.scale != 0.0);
    Params {
        tokens: dims.tokens as u32,
        d4: d4 as u32,
        ff4: ff4 as u32,
        experts: dims.experts as u32,
        total_experts: dims.total_experts as u32,
        slots: dims.slots as u32,
        total_slots: dims.total_slots as u32,
        top_k: dims.top_k as u32,
        router: routing.router.code(),
        seat_limit: seat_limit(arch, routing, dims.tokens),
        choose: routing.expert_capacity(arch, dims.tokens).unwrap_or(dims.tokens) as u32,
        noise_on: u32::from(noise.is_some()),
        noise_seed: noise.map_or(0, |n| n.seed),
        noise_scale: noise.map_or(0.0, |n| n.scale),
        has_bias: u32::from(arch.router_bias),
        max_rows: dims.max_rows() as u32,
        has_selection: u32::from(has_selection),
        ..Params::default()
    }
}

/// Whether a kernel is part of a forward with this routing.
fn runs(kernel: &Kernel, routing: &Routing) -> bool {
    kernel.when.holds(routing.router, false)
}

/// Bytes of a layer work buffer for a forward of `sized` (its largest tokens and slots).
pub(crate) fn work_bytes(buf: Buf, sized: &Dims, d4: usize, ff4: usize) -> usize {
    let (tokens, e) = (sized.tokens, sized.experts);
    let rows = sized.max_rows();
    match buf {
        Buf::X | Buf::Y => tokens * d4 * 16,
        Buf::Logits | Buf::Probs | Buf::Taken => tokens * e * 4,
        Buf::AssignExpert | Buf::AssignGate | Buf::Position | Buf::SlotRow => sized.assignments() * 4,
        Buf::ExpertTable => ExpertTable { experts: sized.total_experts }.entries() * 4,
        Buf::BlockExpert => rows.div_ceil(ROW_BLOCK) * 4,
        Buf::RowToken | Buf::RowSlot => rows * 4,
        Buf::Hidden => rows * ff4 * 16,
        Buf::ExpertOut => rows * d4 * 16,
        other => unreachable!("{} is not a layer work buffer", other.name()),
    }
}

/// The buffers a forward writes, reallocated when they grow.
pub(crate) const WORK_BUFFERS: [Buf; 15] = [
    Buf::X,
    Buf::Logits,
    Buf::Probs,
    Buf::Taken,
    Buf::AssignExpert,
    Buf::AssignGate,
    Buf::Position,
    Buf::ExpertTable,
    Buf::BlockExpert,
    Buf::RowToken,
    Buf::RowSlot,
    Buf::SlotRow,
    Buf::Hidden,
    Buf::ExpertOut,
    Buf::Y,
];

/// Where each result lies in the staging buffer. Shared with the whole model's forward
/// (`gpu::model`), which reads the same trace plus the head's output.
pub(crate) struct Readback {
    sections: Vec<(Buf, u64, u64)>,
    /// Where the resolved timestamps lie, and for how many stages, if copied.
    timestamps: Option<(u64, usize)>,
    pub(crate) total: u64,
}

impl Readback {
    /// The trace's arrays (or every stage's, for `Readout::Stages`), then `extra` sections
    /// of (buffer, bytes), then `timed_stages` stages' timestamps if > 0.
    pub(crate) fn layout(
        dims: &Dims,
        (d4, ff4): (usize, usize),
        router: RouterKind,
        readout: Readout,
        extra: &[(Buf, u64)],
        timed_stages: usize,
    ) -> Self {
        let (t, e, a) = (dims.tokens as u64, dims.experts as u64, dims.assignments() as u64);
        let table = ExpertTable { experts: dims.total_experts }.entries() as u64 * 4;
        let rows = dims.max_rows() as u64;
        let mut sizes = vec![
            (Buf::Logits, t * e * 4),
            (Buf::Probs, t * e * 4),
            (Buf::AssignExpert, a * 4),
            (Buf::AssignGate, a * 4),
            (Buf::SlotRow, a * 4),
            (Buf::ExpertTable, table),
            (Buf::Y, t * d4 as u64 * 16),
        ];
        if readout == Readout::Stages {
            if router == RouterKind::ExpertChoice {
                sizes.push((Buf::Taken, t * e * 4));
            }
            sizes.extend([
                (Buf::Position, a * 4),
                (Buf::BlockExpert, rows.div_ceil(ROW_BLOCK as u64) * 4),
                (Buf::RowToken, rows * 4),
                (Buf::RowSlot, rows * 4),
                (Buf::Hidden, rows * ff4 as u64 * 16),
                (Buf::ExpertOut, rows * d4 as u64 * 16),
            ]);
        }
        sizes.extend_from_slice(extra);
        let mut offset = 0;
        let mut place = |size: u64| {
            let at = offset;
            offset += size.div_ceil(8) * 8;
            at
        };
        let sections = sizes.into_iter().map(|(buf, size)| (buf, place(size), size)).collect();
        let timestamps = (timed_stages > 0).then(|| (place(16 * timed_stages as u64), timed_stages));
        Readback { sections, timestamps, total: offset.max(8) }
    }

    pub(crate) fn copy(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        buffers: &Buffers,
        staging: &wgpu::Buffer,
        ts: Option<&Timestamps>,
    ) {
        for &(buf, offset, size) in &self.sections {
            if size > 0 {
                encoder.copy_buffer_to_buffer(buffers.get(buf), 0, staging, offset, size);
            }
        }
        if let (Some(ts), Some((offset, stages))) = (ts, self.timestamps) {
            encoder.resolve_query_set(&ts.queries, 0..2 * stages as u32, &ts.resolved, 0);
            encoder.copy_buffer_to_buffer(&ts.resolved, 0, staging, offset, 16 * stages as u64);
        }
    }

    fn bytes<'a>(&self, all: &'a [u8], buf: Buf) -> &'a [u8] {
        let &(_, offset, size) = self.sections.iter().find(|s| s.0 == buf).expect("section laid out");
        &all[offset as usize..(offset + size) as usize]
    }

    pub(crate) fn f32s(&self, all: &[u8], buf: Buf) -> Vec<f32> {
        bytemuck::pod_collect_to_vec(self.bytes(all, buf))
    }

    pub(crate) fn i32s(&self, all: &[u8], buf: Buf) -> Vec<i32> {
        bytemuck::pod_collect_to_vec(self.bytes(all, buf))
    }

    pub(crate) fn u32s(&self, all: &[u8], buf: Buf) -> Vec<u32> {
        bytemuck::pod_collect_to_vec(self.bytes(all, buf))
    }

    /// The timed stages' GPU times, named by `stages` (the stage list recorded).
    pub(crate) fn stage_times(
        &self,
        all: &[u8],
        ts: Option<&Timestamps>,
        stages: &[(&'static str, &'static [Kernel])],
    ) -> Option<Vec<StageTime>> {
        let (ts, (offset, count)) = (ts?, self.timestamps?);
        let offset = offset as usize;
        let ticks: Vec<u64> = bytemuck::pod_collect_to_vec(&all[offset..offset + 16 * count]);
        Some(stages.iter().zip(ts.stage_ms(&ticks)).map(|((stage, _), ms)| StageTime { stage, ms }).collect())
    }
}

/// Keeps the first `cols` of every row of width `padded`: the GPU's vec4 rows back to
/// the reference's widths.
pub(crate) fn unpad(data: &[f32], padded: usize, cols: usize) -> Vec<f32> {
    if cols == padded {
        return data.to_vec();
    }
    data.chunks_exact(padded).flat_map(|row| &row[..cols]).copied().collect()
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
