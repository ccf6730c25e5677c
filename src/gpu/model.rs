//! The clinic model on the GPU. Training: the embedding, the mixer, the MoE layer's
//! kernels, the head, every backward stage and AdamW, recorded into one encoder and
//! submitted once per step, with nothing read back unless asked. The CPU twin is
//! `model::train`; one step here equals one step there within the tolerances
//! `tests/gpu_training.rs` states. Routing a text (`GpuModel::route`, for
//! `model::triage`): the same forward kernels, one submission and one readback of the
//! layer's trace and the head's verdict; a model built only to route holds no gradients
//! and compiles only the forward's kernels.
//!
//! The trainable tensors live end to end in one buffer (and their gradients and AdamW's
//! moments in three more, laid out alike), each at an offset the adapter can bind, so that
//! the forward and backward kernels bind each tensor as a range and AdamW updates every
//! value in one dispatch.

use super::context::GpuContext;
use super::error::{GpuError, Result};
use super::kernels::{self, Buf, GridSizes, Kernel, MODEL_FORWARD, Override, Params, TRAINING_STAGES};
use super::layer::{Clock, Readback, Readout, WORK_BUFFERS, layer_params, trace_from, work_bytes};
use super::program::{
    Buffers, ErrorScopes, Limits, Program, Timestamps, View, params_buffer, staging_buffer, storage_buffer,
};
use crate::model::clinic::{CLASSES, ClinicConfig, ClinicWeights};
use crate::model::labels::Lang;
use crate::model::train::{BETA1, BETA2, Balance, Batch, StepReport, TrainSpec, decays, learning_rate};
use crate::moe::reference::{Dims, ROW_BLOCK};
use crate::moe::{ExpertKind, MoeError, Routing, Trace};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Where one trainable tensor lies in the flat buffers.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// In values (f32), a multiple of the binding alignment.
    offset: usize,
    len: usize,
}

/// Values in the step report the metrics kernel writes.
const METRICS: usize = 8;

/// The buffers only a training step has, sized per batch (tokens, sentences, rows).
const TRAINING_WORK: [Buf; 25] = [
    Buf::Ids,
    Buf::Starts,
    Buf::Sentence,
    Buf::Labels,
    Buf::Langs,
    Buf::ByIdOrder,
    Buf::Emb,
    Buf::Means,
    Buf::Contexts,
    Buf::Pooled,
    Buf::HeadLogits,
    Buf::HeadProbs,
    Buf::DHeadLogits,
    Buf::Dz,
    Buf::DExpertOut,
    Buf::DGate,
    Buf::DHidden,
    Buf::DAct,
    Buf::DLin,
    Buf::DxRows,
    Buf::DRouterLogits,
    Buf::Dh,
    Buf::DContexts,
    Buf::DMeans,
    Buf::DEmb,
];

/// A model on the GPU, being trained or routing texts.
pub struct GpuModel {
    ctx: Rc<GpuContext>,
    config: ClinicConfig,
    /// False for a model built only to route: no gradients, no moments, no `step`.
    trains: bool,
    /// Whether the router ranks by p * exp(bias) (DeepSeek-V3's selection bias).
    has_selection: bool,
    spec: TrainSpec,
    routing: Routing,
    d4: usize,
    ff4: usize,
    slots: Vec<Slot>,
    buffers: Buffers,
    program: Program,
    timestamps: Option<Timestamps>,
    /// Tokens, sentences and slots per token the work buffers hold (a routing model's
    /// routing, and so its slots, may change from one text to the next).
    held: (usize, usize, usize),
    /// The last step's sizes, for reading its results.
    last: Option<(Dims, usize)>,
    /// Steps taken, and the steps the learning-rate schedule spans.
    pub step: usize,
    pub total_steps: usize,
}

/// The kernels a model runs: the whole training step, or the forward alone.
fn kernels_of(trains: bool) -> Box<dyn Iterator<Item = &'static Kernel>> {
    if trains { Box::new(kernels::training()) } else { Box::new(kernels::model_forward()) }
}

/// Values between aligned tensors: the binding offset alignment, in f32s.
fn alignment(ctx: &GpuContext) -> usize {
    (ctx.limits.min_storage_buffer_offset_alignment as usize / 4).max(4)
}

impl GpuModel {
    /// Uploads `weights` and prepares the step's pipelines. `routing` is the training
    /// routing (`Trainer::routing`).
    pub async fn new(
        ctx: Rc<GpuContext>,
        weights: &ClinicWeights,
        spec: TrainSpec,
        routing: Routing,
        total_steps: usize,
    ) -> Result<Self> {
        Self::build(ctx, weights, spec, routing, total_steps, true).await
    }

    /// Uploads `weights` to route texts with [`GpuModel::route`] only.
    pub async fn for_routing(ctx: Rc<GpuContext>, weights: &ClinicWeights) -> Result<Self> {
        // Never read: `step` refuses a routing model, `report` needs a step, and `weights`
        // reads the bias wherever the kernels rank by one.
        let spec = TrainSpec {
            seed: 0,
            epochs: 0,
            batch: 0,
            learning_rate: 0.0,
            balance: Balance::None,
            capacity_factor: None,
            z_loss: 0.0,
            token_dropout: 0.0,
            weight_decay: 0.0,
            context_identity: 0.0,
        };
        Self::build(ctx, weights, spec, weights.config.routing, 1, false).await
    }

    fn kernels(&self) -> Box<dyn Iterator<Item = &'static Kernel>> {
        kernels_of(self.trains)
    }

    async fn build(
        ctx: Rc<GpuContext>,
        weights: &ClinicWeights,
        spec: TrainSpec,
        routing: Routing,
        total_steps: usize,
        trains: bool,
    ) -> Result<Self> {
        let config = weights.config.clone();
        let arch = config.moe;
        if !arch.d_model.is_multiple_of(4) || !arch.d_ff.is_multiple_of(4) {
            return Err(GpuError::Unsupported(format!(
                "the model's kernels need d_model and d_ff in multiples of 4, not {} and {}",
                arch.d_model, arch.d_ff
            )));
        }
        routing.validate(&arch)?;
        let mut weights = weights.clone();
        // As `Trainer::new`: the bias starts at zero, or where an earlier run left it.
        if trains && matches!(spec.balance, Balance::Bias { .. }) && weights.moe.selection_bias.is_empty() {
            weights.moe.selection_bias = vec![0.0; arch.num_experts];
        }
        // Training ranks by the bias only while it balances with it (as `Trainer`); a
        // routing model wherever its weights carry one (as the layer does).
        let has_selection =
            if trains { matches!(spec.balance, Balance::Bias { .. }) } else { !weights.moe.selection_bias.is_empty() };
        let align = alignment(&ctx);
        let mut slots = Vec::new();
        let mut flat = Vec::new();
        let mut table: Vec<[u32; 4]> = Vec::new();
        for (name, tensor) in weights.tensors_mut() {
            let offset = flat.len().div_ceil(align) * align;
            flat.resize(offset, 0.0);
            flat.extend_from_slice(tensor);
            slots.push(Slot { offset, len: tensor.len() });
            table.push([offset as u32, tensor.len() as u32, u32::from(decays(name)), 0]);
        }
        let trainable = flat.len().max(1);
        let limits = Limits::of(&ctx);
        limits.check_buffer("the model's weights", trainable * 4)?;

        let scope = ErrorScopes::push(&ctx.device);
        let device = &ctx.device;
        let mut buffers = Buffers::default();
        let init_u32 = |label: &str, data: &[u32]| {
            use wgpu::util::DeviceExt;
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(data),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
            })
        };
        let init_f32 = |label: &str, data: &[f32]| init_u32(label, bytemuck::cast_slice(data));
        let flat_weights = init_f32("weights", &flat);
        let grads = if trains {
            let zeros = vec![0.0f32; trainable];
            buffers.set(Buf::Moment1, init_f32("moment1", &zeros));
            buffers.set(Buf::Moment2, init_f32("moment2", &zeros));
            buffers.set(Buf::Tensors, init_u32("tensors", bytemuck::cast_slice(&table)));
            Some(init_f32("grads", &zeros))
        } else {
            None
        };
        // The tensors in `tensors_mut` order; the empty ones (no router bias, no w3 outside
        // SwiGLU) get a placeholder the kernels never read or write.
        let placeholder = || storage_buffer(device, "placeholder", 16);
        let named = [
            (Buf::Embed, Buf::DEmbed),
            (Buf::Conv, Buf::DConv),
            (Buf::Context, Buf::DContext),
            (Buf::Head, Buf::DHead),
            (Buf::HeadBias, Buf::DHeadBias),
            (Buf::Router, Buf::DRouter),
            (Buf::RouterBias, Buf::DRouterBias),
            (Buf::W1, Buf::DW1),
            (Buf::W3, Buf::DW3),
            (Buf::W2, Buf::DW2),
        ];
        for ((value, gradient), slot) in named.into_iter().zip(&slots) {
            let view = |buffer: &wgpu::Buffer| View {
                buffer: buffer.clone(),
                offset: slot.offset as u64 * 4,
                size: slot.len as u64 * 4,
            };
            if slot.len == 0 {
                buffers.set(value, placeholder());
                buffers.set(gradient, placeholder());
            } else {
                buffers.set_view(value, view(&flat_weights));
                if let Some(grads) = &grads {
                    buffers.set_view(gradient, view(grads));
                }
            }
        }
        if arch.expert_kind != ExpertKind::Swiglu {
            // The layer's kernels read w3 only for SwiGLU but bind it always, as the layer does.
            buffers.set_view(Buf::W3, buffers.view(Buf::W1).clone());
        }
        buffers.set(Buf::Weights, flat_weights);
        if let Some(grads) = grads {
            buffers.set(Buf::Grads, grads);
        }
        let experts = arch.num_experts;
        let bias =
            if weights.moe.selection_bias.is_empty() { vec![0.0; 1] } else { weights.moe.selection_bias.clone() };
        let multipliers = weights.moe.selection_multipliers();
        buffers.set(Buf::SelectionBias, init_f32("selection_bias", &bias));
        buffers.set(Buf::Selection, init_f32("selection", if multipliers.is_empty() { &[1.0] } else { &multipliers }));
        debug_assert!(multipliers.is_empty() || multipliers.len() == experts);
        buffers.set(Buf::Params, params_buffer(device));
        buffers.set(Buf::ByIdStart, storage_buffer(device, "by_id_start", (config.vocab_size + 1) * 4));
        buffers.set(Buf::Metrics, storage_buffer(device, "step_metrics", METRICS * 4));
        let program = Program::new(&ctx, kernels_of(trains), |o| match o {
            Override::ExpertKind => arch.expert_kind.code(),
        });
        let timestamps = Timestamps::new(&ctx, TRAINING_STAGES.len());
        scope.pop().await?;
        let (d4, ff4) = (arch.d_model / 4, arch.d_ff / 4);
        Ok(GpuModel {
            ctx,
            config,
            trains,
            has_selection,
            spec,
            routing,
            d4,
            ff4,
            slots,
            buffers,
            program,
            timestamps,
            held: (0, 0, 0),
            last: None,
            step: 0,
            total_steps,
        })
    }

    pub fn context(&self) -> &Rc<GpuContext> {
        &self.ctx
    }

    /// One step on `batch`: one submission, nothing read back.
    pub async fn step(&mut self, batch: &Batch) -> Result<()> {
        if !self.trains {
            return Err(GpuError::Moe(MoeError::Config("this model was built to route, not to train".into())));
        }
        if let Some(fault) = self.ctx.take_fault() {
            return Err(fault);
        }
        let arch = self.config.moe;
        let tokens = batch.segments.tokens();
        let sentences = batch.labels.len();
        if tokens == 0 || sentences == 0 {
            return Err(GpuError::Moe(MoeError::Input("a training batch needs at least one token".into())));
        }
        self.routing.check_work(&arch, tokens)?;
        let dims = Dims::new(&arch, &self.routing, tokens);
        self.ensure_capacity(&dims, sentences).await?;

        // Counted once the step has run: a failed one leaves the schedule where it was.
        let step = self.step + 1;
        let lr = learning_rate(self.spec.learning_rate, step, self.total_steps);
        let alpha = match self.spec.balance {
            Balance::Aux { alpha } if self.routing.router.has_balance_loss() => alpha,
            _ => 0.0,
        };
        let gamma = match self.spec.balance {
            Balance::Bias { gamma } => gamma,
            _ => 0.0,
        };
        let has_selection = self.has_selection;
        let params = Params {
            sentences: sentences as u32,
            vocab: self.config.vocab_size as u32,
            conv_width: self.config.conv_width as u32,
            trainable: self.buffers.get(Buf::Weights).size() as u32 / 4,
            tensor_count: self.slots.len() as u32,
            balance_alpha: alpha,
            z_loss: self.spec.z_loss,
            gamma,
            learning_rate: lr,
            weight_decay: self.spec.weight_decay,
            correction1: 1.0 - BETA1.powi(step as i32),
            correction2: 1.0 - BETA2.powi(step as i32),
            ..layer_params(&arch, &self.routing, &dims, (self.d4, self.ff4), has_selection)
        };
        let scope = ErrorScopes::push(&self.ctx.device);
        let queue = &self.ctx.queue;
        let write = |buf: Buf, data: &[u32]| queue.write_buffer(self.buffers.get(buf), 0, bytemuck::cast_slice(data));
        let sentence_of: Vec<u32> = batch.segments.sentence.clone();
        let starts: Vec<u32> = batch.segments.starts.iter().map(|&s| s as u32).collect();
        let langs: Vec<u32> =
            batch.langs.iter().map(|l| Lang::ALL.iter().position(|x| x == l).unwrap_or(0) as u32).collect();
        write(Buf::Ids, &batch.ids);
        write(Buf::Starts, &starts);
        write(Buf::Sentence, &sentence_of);
        write(Buf::Labels, &batch.labels);
        write(Buf::Langs, &langs);
        write(Buf::ByIdOrder, &batch.by_id.order);
        write(Buf::ByIdStart, &batch.by_id.start);
        queue.write_buffer(self.buffers.get(Buf::Params), 0, bytemuck::bytes_of(&params));
        let sizes = GridSizes {
            sentences: sentences as u32,
            vocab: self.config.vocab_size as u32,
            conv_width: self.config.conv_width as u32,
            trainable: params.trainable,
            ..GridSizes::of(&dims, self.d4, self.ff4)
        };
        let mut encoder =
            self.ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("training step") });
        let router = self.routing.router;
        self.program.record(
            &mut encoder,
            &TRAINING_STAGES,
            &sizes,
            |k| k.when.holds(router, has_selection),
            self.timestamps.as_ref().map(|t| &t.queries),
        );
        if let Some(t) = &self.timestamps {
            encoder.resolve_query_set(&t.queries, 0..2 * TRAINING_STAGES.len() as u32, &t.resolved, 0);
        }
        queue.submit(Some(encoder.finish()));
        scope.pop().await.map_err(|e| self.ctx.lost_or(e))?;
        self.step = step;
        self.last = Some((dims, sentences));
        Ok(())
    }

    /// Routes one sentence of token `ids` with `routing` (any routing the model accepts,
    /// not only the training one): the embedding, the mixer, the MoE layer and the head in
    /// one submission, then one readback of the layer's trace and the head's class
    /// probabilities (`None` for no tokens, which touches nothing). The CPU twin is
    /// `model::clinic::{embed, mix}`, `moe::forward_cpu` and `model::clinic::head`.
    pub async fn route(&mut self, routing: &Routing, ids: &[u32]) -> Result<(Trace, Option<[f32; CLASSES]>)> {
        let start = crate::clock::now_ms();
        let stages = &TRAINING_STAGES[..MODEL_FORWARD];
        let arch = self.config.moe;
        let tokens = ids.len();
        routing.validate(&arch)?;
        routing.check_work(&arch, tokens)?;
        if let Some(&id) = ids.iter().find(|&&id| id as usize >= self.config.vocab_size) {
            return Err(GpuError::Moe(MoeError::Input(format!(
                "token id {id} is outside the model's vocabulary of {}",
                self.config.vocab_size
            ))));
        }
        if let Some(fault) = self.ctx.take_fault() {
            return Err(fault);
        }
        let dims = Dims::new(&arch, routing, tokens);
        if tokens == 0 {
            let clock = Clock { start, timestamps: None, stages };
            return Ok((trace_from(&self.ctx, &arch, routing, &dims, None, &clock)?, None));
        }
        self.ensure_capacity(&dims, 1).await?;
        let params = Params {
            sentences: 1,
            vocab: self.config.vocab_size as u32,
            conv_width: self.config.conv_width as u32,
            ..layer_params(&arch, routing, &dims, (self.d4, self.ff4), self.has_selection)
        };
        let scope = ErrorScopes::push(&self.ctx.device);
        let queue = &self.ctx.queue;
        let write = |buf: Buf, data: &[u32]| queue.write_buffer(self.buffers.get(buf), 0, bytemuck::cast_slice(data));
        write(Buf::Ids, ids);
        write(Buf::Starts, &[0, tokens as u32]);
        write(Buf::Sentence, &vec![0; tokens]);
        queue.write_buffer(self.buffers.get(Buf::Params), 0, bytemuck::bytes_of(&params));
        let sizes = GridSizes {
            sentences: 1,
            vocab: self.config.vocab_size as u32,
            conv_width: self.config.conv_width as u32,
            ..GridSizes::of(&dims, self.d4, self.ff4)
        };
        let mut encoder =
            self.ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("model forward") });
        let router = routing.router;
        let has_selection = self.has_selection;
        self.program.record(
            &mut encoder,
            stages,
            &sizes,
            |k| k.when.holds(router, has_selection),
            self.timestamps.as_ref().map(|t| &t.queries),
        );
        let timed = if self.timestamps.is_some() { MODEL_FORWARD } else { 0 };
        let extra = [(Buf::HeadProbs, CLASSES as u64 * 4)];
        let layout = Readback::layout(&dims, (self.d4, self.ff4), router, Readout::Trace, &extra, timed);
        let staging = staging_buffer(&self.ctx.device, layout.total);
        layout.copy(&mut encoder, &self.buffers, &staging, self.timestamps.as_ref());
        queue.submit(Some(encoder.finish()));
        scope.pop().await.map_err(|e| self.ctx.lost_or(e))?;
        let bytes = self.ctx.read_back(&staging, layout.total).await?;
        let probs = layout.f32s(&bytes, Buf::HeadProbs);
        let clock = Clock { start, timestamps: self.timestamps.as_ref(), stages };
        let trace = trace_from(&self.ctx, &arch, routing, &dims, Some((&bytes, &layout)), &clock)?;
        Ok((trace, Some([probs[0], probs[1], probs[2], probs[3]])))
    }

    /// Grows the work buffers (doubling) for `dims` and `sentences`, and rebinds.
    async fn ensure_capacity(&mut self, dims: &Dims, sentences: usize) -> Result<()> {
        let (held_tokens, held_sentences, held_slots) = self.held;
        if held_tokens >= dims.tokens && held_sentences >= sentences && held_slots >= dims.total_slots {
            return Ok(());
        }
        let grow = |needed: usize, held: usize| if needed > held { needed.max(2 * held) } else { held };
        let most_slots = dims.experts + self.config.moe.shared_experts;
        let doubled = (
            grow(dims.tokens, held_tokens),
            grow(sentences, held_sentences),
            grow(dims.total_slots, held_slots).min(most_slots),
        );
        // Where doubling passes an adapter limit that the need itself does not, the need.
        let exact = (dims.tokens.max(held_tokens), sentences.max(held_sentences), dims.total_slots.max(held_slots));
        let (size, buffers) = match self.work_sizes(dims, doubled) {
            Ok(buffers) => (doubled, buffers),
            Err(_) => (exact, self.work_sizes(dims, exact)?),
        };
        // Every size was checked before anything is replaced: a refused size leaves the
        // buffers, their bindings and `held` as they were, all in step.
        let scope = ErrorScopes::push(&self.ctx.device);
        for (buf, bytes) in buffers {
            self.buffers.set(buf, storage_buffer(&self.ctx.device, buf.name(), bytes));
        }
        self.program.bind(&self.buffers, self.kernels());
        scope.pop().await.map_err(|e| self.ctx.lost_or(e))?;
        self.held = size;
        Ok(())
    }

    /// The bytes of every work buffer this model binds, for `(tokens, sentences,
    /// total_slots)` at `dims`' other sizes, each checked against the adapter's limits.
    fn work_sizes(
        &self,
        dims: &Dims,
        (tokens, sentences, total_slots): (usize, usize, usize),
    ) -> Result<Vec<(Buf, usize)>> {
        let sized = Dims { tokens, total_slots, ..*dims };
        let (d, ff) = (self.d4 * 4, self.ff4 * 4);
        let rows = sized.max_rows();
        let mut sizes: Vec<(Buf, usize)> =
            WORK_BUFFERS.iter().map(|&buf| (buf, work_bytes(buf, &sized, self.d4, self.ff4))).collect();
        // Only what this model's kernels bind: a routing model has no gradients.
        let bound: HashSet<Buf> = self.kernels().flat_map(|k| k.bindings.iter().map(|&(buf, _)| buf)).collect();
        for buf in TRAINING_WORK.into_iter().filter(|buf| bound.contains(buf)) {
            let values = match buf {
                Buf::Ids | Buf::Sentence | Buf::ByIdOrder => tokens,
                Buf::Starts => sentences + 1,
                Buf::Labels | Buf::Langs => sentences,
                Buf::Emb | Buf::Dz | Buf::Dh | Buf::DEmb => tokens * d,
                Buf::Means | Buf::Contexts | Buf::Pooled | Buf::DContexts | Buf::DMeans => sentences * d,
                Buf::HeadLogits | Buf::HeadProbs | Buf::DHeadLogits => sentences * CLASSES,
                Buf::DExpertOut | Buf::DxRows => rows * d,
                Buf::DHidden | Buf::DAct | Buf::DLin => rows * ff,
                Buf::DGate => sized.assignments(),
                Buf::DRouterLogits => tokens * sized.experts,
                other => unreachable!("{} is not a training work buffer", other.name()),
            };
            sizes.push((buf, values * 4));
        }
        let limits = Limits::of(&self.ctx);
        for &(buf, bytes) in &sizes {
            limits.check_buffer(buf.name(), bytes)?;
        }
        limits.check_groups(rows.div_ceil(ROW_BLOCK).div_ceil(kernels::MAX_GROUPS as usize))?;
        Ok(sizes)
    }

    /// Copies `bufs` back to the host, each whole view, in one submission.
    pub async fn read(&self, bufs: &[Buf]) -> Result<HashMap<Buf, Vec<u8>>> {
        let mut layout = Vec::new();
        let mut total = 0u64;
        for &buf in bufs {
            let size = self.buffers.view(buf).size;
            layout.push((buf, total, size));
            total += size.div_ceil(8) * 8;
        }
        let staging = staging_buffer(&self.ctx.device, total.max(8));
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("training readback") });
        for &(buf, at, size) in &layout {
            let view = self.buffers.view(buf);
            encoder.copy_buffer_to_buffer(&view.buffer, view.offset, &staging, at, size);
        }
        self.ctx.queue.submit(Some(encoder.finish()));
        let bytes = match self.ctx.read_buffer(&staging, total.max(8)).await {
            Ok(bytes) => bytes,
            Err(e) => return Err(self.ctx.take_fault().unwrap_or(e)),
        };
        Ok(layout.into_iter().map(|(buf, at, size)| (buf, bytes[at as usize..(at + size) as usize].to_vec())).collect())
    }

    /// The last step's report (one small readback): its losses before the update, right
    /// answers and the pre-capacity load per doctor.
    pub async fn report(&self) -> Result<StepReport> {
        let Some((dims, sentences)) = self.last else {
            return Err(GpuError::Moe(MoeError::Input("no step has run yet".into())));
        };
        let read = self.read(&[Buf::Metrics, Buf::ExpertTable]).await?;
        let m: Vec<f32> = bytemuck::pod_collect_to_vec(&read[&Buf::Metrics]);
        let table: Vec<u32> = bytemuck::pod_collect_to_vec(&read[&Buf::ExpertTable]);
        let demand = table[kernels::ExpertTable { experts: dims.total_experts }.demand()][..dims.experts].to_vec();
        let balance = self.routing.router.has_balance_loss().then_some(m[1]);
        let alpha = match self.spec.balance {
            Balance::Aux { alpha } => alpha,
            _ => 0.0,
        };
        Ok(StepReport {
            cross_entropy: m[0],
            balance,
            z_loss: m[2],
            total: m[0] + alpha * balance.unwrap_or(0.0) + self.spec.z_loss * m[2],
            correct: m[3] as usize,
            sentences,
            demand,
            by_lang: [(m[4] as usize, m[5] as usize), (m[6] as usize, m[7] as usize)],
        })
    }

    /// The weights as they are now (one readback of the trainable buffer and the bias).
    pub async fn weights(&self) -> Result<ClinicWeights> {
        let read = self.read(&[Buf::Weights, Buf::SelectionBias]).await?;
        let flat: Vec<f32> = bytemuck::pod_collect_to_vec(&read[&Buf::Weights]);
        let mut weights = ClinicWeights::init(self.config.clone(), 0, 0.0);
        for ((_, tensor), slot) in weights.tensors_mut().into_iter().zip(&self.slots) {
            tensor.copy_from_slice(&flat[slot.offset..slot.offset + slot.len]);
        }
        // Wherever the kernels rank by a bias: trained with DeepSeek-V3's balancing, or
        // loaded with one to route.
        if self.has_selection {
            weights.moe.selection_bias = bytemuck::pod_collect_to_vec(&read[&Buf::SelectionBias]);
        }
        Ok(weights)
    }

    /// The last step's GPU time per stage (`TRAINING_STAGES` order), in milliseconds,
    /// where the adapter has timestamp queries.
    pub async fn stage_times(&self) -> Result<Option<Vec<(&'static str, f64)>>> {
        let Some(t) = &self.timestamps else { return Ok(None) };
        let size = t.resolved.size();
        let staging = staging_buffer(&self.ctx.device, size);
        let mut encoder =
            self.ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("timestamps") });
        encoder.copy_buffer_to_buffer(&t.resolved, 0, &staging, 0, size);
        self.ctx.queue.submit(Some(encoder.finish()));
        let ticks: Vec<u64> = bytemuck::pod_collect_to_vec(&self.ctx.read_buffer(&staging, size).await?);
        Ok(Some(TRAINING_STAGES.iter().map(|(name, _)| *name).zip(t.stage_ms(&ticks)).collect()))
    }

    /// A tensor's values in a flat buffer (`Buf::Weights`, `Buf::Grads`, `Buf::Moment1`,
    /// `Buf::Moment2`) as read back: one per `ClinicWeights::tensors_mut` entry.
    pub fn split(&self, flat: &[u8]) -> Vec<Vec<f32>> {
        let values: Vec<f32> = bytemuck::pod_collect_to_vec(flat);
        self.slots.iter().map(|s| values[s.offset..s.offset + s.len].to_vec()).collect()
    }
}
