//! Every WGSL kernel, one record each: its name (file, entry point and pipeline label
//! alike), its source, its bindings in `@binding` order (which buffer, how it is
//! accessed), its grid, and the override constants it takes. `shaders/common.wgsl` is
//! prepended to each; the combined source is what wgpu compiles and what the naga test
//! validates and reflects (binding names, kinds and element sizes against this table).

use crate::moe::RouterKind;
use crate::moe::reference::{Dims, ROW_BLOCK};
use bytemuck::{Pod, Zeroable};
use std::ops::Range;

/// How a kernel binds one buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Uniform,
    Read,
    ReadWrite,
}

/// Every buffer the kernels bind, named as the WGSL names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Buf {
    Params,
    // Weights, uploaded once per layer.
    Router,
    RouterBias,
    Selection,
    W1,
    W3,
    W2,
    // Work buffers, one set per layer, grown by doubling.
    X,
    Logits,
    Probs,
    Taken,
    AssignExpert,
    AssignGate,
    Position,
    ExpertTable,
    BlockExpert,
    RowToken,
    RowSlot,
    SlotRow,
    Hidden,
    ExpertOut,
    Y,
    // Training: the batch, the model around the layer, its forward and backward, AdamW.
    Ids,
    Starts,
    Sentence,
    Labels,
    Langs,
    ByIdOrder,
    ByIdStart,
    Embed,
    Conv,
    Context,
    Head,
    HeadBias,
    Emb,
    Means,
    Contexts,
    Pooled,
    HeadLogits,
    HeadProbs,
    DHeadLogits,
    DHead,
    DHeadBias,
    Dz,
    DExpertOut,
    DGate,
    DHidden,
    DAct,
    DLin,
    DxRows,
    DRouterLogits,
    DRouter,
    DRouterBias,
    Dh,
    DContexts,
    DMeans,
    DEmb,
    DConv,
    DContext,
    DEmbed,
    DW1,
    DW3,
    DW2,
    Tensors,
    Grads,
    Weights,
    Moment1,
    Moment2,
    SelectionBias,
    Metrics,
}

impl Buf {
    pub const ALL: [Buf; 70] = [
        Buf::Params,
        Buf::Router,
        Buf::RouterBias,
        Buf::Selection,
        Buf::W1,
        Buf::W3,
        Buf::W2,
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
        Buf::Ids,
        Buf::Starts,
        Buf::Sentence,
        Buf::Labels,
        Buf::Langs,
        Buf::ByIdOrder,
        Buf::ByIdStart,
        Buf::Embed,
        Buf::Conv,
        Buf::Context,
        Buf::Head,
        Buf::HeadBias,
        Buf::Emb,
        Buf::Means,
        Buf::Contexts,
        Buf::Pooled,
        Buf::HeadLogits,
        Buf::HeadProbs,
        Buf::DHeadLogits,
        Buf::DHead,
        Buf::DHeadBias,
        Buf::Dz,
        Buf::DExpertOut,
        Buf::DGate,
        Buf::DHidden,
        Buf::DAct,
        Buf::DLin,
        Buf::DxRows,
        Buf::DRouterLogits,
        Buf::DRouter,
        Buf::DRouterBias,
        Buf::Dh,
        Buf::DContexts,
        Buf::DMeans,
        Buf::DEmb,
        Buf::DConv,
        Buf::DContext,
        Buf::DEmbed,
        Buf::DW1,
        Buf::DW3,
        Buf::DW2,
        Buf::Tensors,
        Buf::Grads,
        Buf::Weights,
        Buf::Moment1,
        Buf::Moment2,
        Buf::SelectionBias,
        Buf::Metrics,
    ];

    /// The WGSL variable that binds it, in every kernel that does.
    pub fn name(self) -> &'static str {
        match self {
            Buf::Params => "params",
            Buf::Router => "router",
            Buf::RouterBias => "router_bias",
            Buf::Selection => "selection",
            Buf::W1 => "w1",
            Buf::W3 => "w3",
            Buf::W2 => "w2",
            Buf::X => "x",
            Buf::Logits => "logits",
            Buf::Probs => "probs",
            Buf::Taken => "taken",
            Buf::AssignExpert => "assign_expert",
            Buf::AssignGate => "assign_gate",
            Buf::Position => "position",
            Buf::ExpertTable => "expert_table",
            Buf::BlockExpert => "block_expert",
            Buf::RowToken => "row_token",
            Buf::RowSlot => "row_slot",
            Buf::SlotRow => "slot_row",
            Buf::Hidden => "hidden",
            Buf::ExpertOut => "expert_out",
            Buf::Y => "y",
            Buf::Ids => "ids",
            Buf::Starts => "starts",
            Buf::Sentence => "sentence",
            Buf::Labels => "labels",
            Buf::Langs => "langs",
            Buf::ByIdOrder => "by_id_order",
            Buf::ByIdStart => "by_id_start",
            Buf::Embed => "embedding",
            Buf::Conv => "conv",
            Buf::Context => "context",
            Buf::Head => "head_weight",
            Buf::HeadBias => "head_bias",
            Buf::Emb => "emb",
            Buf::Means => "means",
            Buf::Contexts => "contexts",
            Buf::Pooled => "pooled",
            Buf::HeadLogits => "head_logits",
            Buf::HeadProbs => "head_probs",
            Buf::DHeadLogits => "d_head_logits",
            Buf::DHead => "d_head",
            Buf::DHeadBias => "d_head_bias",
            Buf::Dz => "dz",
            Buf::DExpertOut => "d_expert_out",
            Buf::DGate => "d_gate",
            Buf::DHidden => "d_hidden",
            Buf::DAct => "d_act",
            Buf::DLin => "d_lin",
            Buf::DxRows => "dx_rows",
            Buf::DRouterLogits => "d_router_logits",
            Buf::DRouter => "d_router",
            Buf::DRouterBias => "d_router_bias",
            Buf::Dh => "dh",
            Buf::DContexts => "d_contexts",
            Buf::DMeans => "d_means",
            Buf::DEmb => "d_emb",
            Buf::DConv => "d_conv",
            Buf::DContext => "d_context",
            Buf::DEmbed => "d_embed",
            Buf::DW1 => "d_w1",
            Buf::DW3 => "d_w3",
            Buf::DW2 => "d_w2",
            Buf::Tensors => "tensors",
            Buf::Grads => "grads",
            Buf::Weights => "weights",
            Buf::Moment1 => "moment1",
            Buf::Moment2 => "moment2",
            Buf::SelectionBias => "selection_bias",
            Buf::Metrics => "step_metrics",
        }
    }

    /// Bytes of one element (the whole struct for the uniform): the smallest binding a
    /// kernel can read, given to wgpu as `min_binding_size` so that a too-small buffer
    /// fails when the bind group is made, not in the shader.
    pub fn element_bytes(self) -> u64 {
        match self {
            Buf::Params => size_of::<Params>() as u64,
            Buf::Router
            | Buf::W1
            | Buf::W3
            | Buf::W2
            | Buf::X
            | Buf::Hidden
            | Buf::ExpertOut
            | Buf::Y
            | Buf::Tensors => 16,
            _ => 4,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The sizes a grid is computed from.
#[derive(Clone, Copy, Debug, Default)]
pub struct GridSizes {
    pub tokens: u32,
    pub experts: u32,
    pub total_experts: u32,
    pub total_slots: u32,
    pub d4: u32,
    pub ff4: u32,
    /// Row blocks of ROW_BLOCK rows the expert matmuls cover.
    pub blocks: u32,
    // Training only.
    pub sentences: u32,
    pub vocab: u32,
    pub conv_width: u32,
    pub trainable: u32,
}

impl GridSizes {
    /// A layer forward's sizes (the training fields stay 0).
    pub fn of(dims: &Dims, d4: usize, ff4: usize) -> Self {
        GridSizes {
            tokens: dims.tokens as u32,
            experts: dims.experts as u32,
            total_experts: dims.total_experts as u32,
            total_slots: dims.total_slots as u32,
            d4: d4 as u32,
            ff4: ff4 as u32,
            blocks: dims.max_rows().div_ceil(ROW_BLOCK) as u32,
            ..GridSizes::default()
        }
    }

    fn d(&self) -> u32 {
        self.d4 * 4
    }

    fn ff(&self) -> u32 {
        self.ff4 * 4
    }

    /// The most rows the dispatch may lay out (the backward's row kernels stop at the
    /// rows it did).
    fn rows(&self) -> u32 {
        self.blocks * ROW_BLOCK as u32
    }
}

/// How many workgroups a kernel runs.
#[derive(Clone, Copy, Debug)]
pub enum Grid {
    /// One thread per item, 64 to a workgroup, folded into y past 65535 workgroups
    /// (`flat_index` in common.wgsl unfolds it).
    Threads(fn(&GridSizes) -> u32),
    /// One workgroup per routed or shared expert.
    PerExpert,
    /// One workgroup.
    Single,
    /// The grouped matmuls: x over output columns (vec4s), y and z over row blocks.
    RowBlocks(fn(&GridSizes) -> u32),
}

/// Largest workgroup count per grid dimension guaranteed by WebGPU.
pub const MAX_GROUPS: u32 = 65535;

impl Grid {
    pub fn workgroups(self, sizes: &GridSizes) -> (u32, u32, u32) {
        match self {
            Grid::Threads(items) => {
                let groups = items(sizes).div_ceil(WORKGROUP).max(1);
                if groups <= MAX_GROUPS { (groups, 1, 1) } else { (MAX_GROUPS, groups.div_ceil(MAX_GROUPS), 1) }
            }
            Grid::PerExpert => (sizes.total_experts, 1, 1),
            Grid::Single => (1, 1, 1),
            Grid::RowBlocks(columns) => {
                let y = sizes.blocks.clamp(1, MAX_GROUPS);
                (columns(sizes).div_ceil(WORKGROUP), y, sizes.blocks.div_ceil(y))
            }
        }
    }
}

/// Override constants a kernel declares; the layer supplies their values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Override {
    /// `EXPERT_KIND`: [`crate::moe::ExpertKind::code`].
    ExpertKind,
}

impl Override {
    pub fn name(self) -> &'static str {
        match self {
            Override::ExpertKind => "EXPERT_KIND",
        }
    }
}

/// When a kernel is part of a forward or a training step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Always,
    /// Only under expert-choice routing.
    ExpertChoice,
    /// Only under DeepSeek-V3's balancing (a training step).
    SelectionBias,
}

impl When {
    /// Whether a stage with this condition runs: under `router`, with or without the
    /// selection bias (only a training step under DeepSeek-V3's balancing has one).
    pub fn holds(self, router: RouterKind, has_selection: bool) -> bool {
        match self {
            When::Always => true,
            When::ExpertChoice => router == RouterKind::ExpertChoice,
            When::SelectionBias => has_selection,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    pub name: &'static str,
    source: &'static str,
    pub bindings: &'static [(Buf, Access)],
    pub grid: Grid,
    pub overrides: &'static [Override],
    pub when: When,
}

impl Kernel {
    /// `common.wgsl` followed by the kernel: what gets compiled.
    pub fn source(&self) -> String {
        format!("{COMMON}\n{}", self.source)
    }
}

pub const COMMON: &str = include_str!("../../shaders/common.wgsl");

use Access::{Read, ReadWrite, Uniform};

/// A kernel record that runs on every forward and takes no override constants; the
/// source file, entry point and label share `$name`.
macro_rules! kernel {
    ($name:literal, [$($buf:ident: $access:ident),* $(,)?], $grid:expr $(,)?) => {
        Kernel {
            name: $name,
            source: include_str!(concat!("../../shaders/", $name, ".wgsl")),
            bindings: &[$((Buf::$buf, $access)),*],
            grid: $grid,
            overrides: &[],
            when: When::Always,
        }
    };
}

pub const ROUTER_LOGITS: Kernel = kernel!(
    "router_logits",
    [Params: Uniform, X: Read, Router: Read, RouterBias: Read, Logits: ReadWrite],
    // A 4 x 4 tile (tokens x experts) per thread.
    Grid::Threads(|s| s.tokens.div_ceil(4) * s.experts.div_ceil(4)),
);
pub const ROUTER_SOFTMAX: Kernel =
    kernel!("router_softmax", [Params: Uniform, Logits: Read, Probs: ReadWrite], Grid::Threads(|s| s.tokens));
pub const ROUTER_EXPERT_CHOICE: Kernel = Kernel {
    when: When::ExpertChoice,
    ..kernel!(
        "router_expert_choice",
        [Params: Uniform, Probs: Read, Taken: ReadWrite],
        Grid::Threads(|s| s.tokens * s.experts),
    )
};
pub const ROUTER_SELECT: Kernel = kernel!(
    "router_select",
    [Params: Uniform, Probs: Read, Taken: Read, Selection: Read, AssignExpert: ReadWrite, AssignGate: ReadWrite],
    Grid::Threads(|s| s.tokens),
);
pub const DISPATCH_COUNT: Kernel = kernel!(
    "dispatch_count",
    [Params: Uniform, AssignExpert: Read, Position: ReadWrite, ExpertTable: ReadWrite],
    Grid::PerExpert,
);
pub const DISPATCH_OFFSETS: Kernel =
    kernel!("dispatch_offsets", [Params: Uniform, ExpertTable: ReadWrite, BlockExpert: ReadWrite], Grid::Single);
pub const DISPATCH_SCATTER: Kernel = kernel!(
    "dispatch_scatter",
    [
        Params: Uniform,
        AssignExpert: Read,
        Position: Read,
        ExpertTable: Read,
        RowToken: ReadWrite,
        RowSlot: ReadWrite,
        SlotRow: ReadWrite,
    ],
    Grid::Threads(|s| s.tokens * s.total_slots),
);
pub const EXPERT_UP: Kernel = Kernel {
    overrides: &[Override::ExpertKind],
    ..kernel!(
        "expert_up",
        [
            Params: Uniform,
            X: Read,
            RowToken: Read,
            ExpertTable: Read,
            BlockExpert: Read,
            W1: Read,
            W3: Read,
            Hidden: ReadWrite,
        ],
        Grid::RowBlocks(|s| s.ff4),
    )
};
pub const EXPERT_DOWN: Kernel = kernel!(
    "expert_down",
    [Params: Uniform, Hidden: Read, ExpertTable: Read, BlockExpert: Read, W2: Read, ExpertOut: ReadWrite],
    Grid::RowBlocks(|s| s.d4),
);
pub const COMBINE: Kernel = kernel!(
    "combine",
    [Params: Uniform, AssignGate: Read, SlotRow: Read, ExpertOut: Read, Y: ReadWrite],
    Grid::Threads(|s| s.tokens * s.d4),
);

// The clinic model's training step: the model around the layer, every backward stage as a
// gather, AdamW. CPU twins in model::clinic, moe::backward and model::train.

pub const EMBED: Kernel =
    kernel!("embed", [Params: Uniform, Ids: Read, Embed: Read, Emb: ReadWrite], Grid::Threads(|s| s.tokens * s.d()));
pub const MIX_MEAN: Kernel = kernel!(
    "mix_mean",
    [Params: Uniform, Starts: Read, Emb: Read, Means: ReadWrite],
    Grid::Threads(|s| s.sentences * s.d()),
);
pub const MIX_CONTEXT: Kernel = kernel!(
    "mix_context",
    [Params: Uniform, Context: Read, Means: Read, Contexts: ReadWrite],
    Grid::Threads(|s| s.sentences * s.d()),
);
pub const MIX: Kernel = kernel!(
    "mix",
    [Params: Uniform, Starts: Read, Sentence: Read, Conv: Read, Emb: Read, Contexts: Read, X: ReadWrite],
    Grid::Threads(|s| s.tokens * s.d4),
);
pub const HEAD: Kernel = kernel!(
    "head",
    [
        Params: Uniform,
        Starts: Read,
        X: Read,
        Y: Read,
        Head: Read,
        HeadBias: Read,
        Pooled: ReadWrite,
        HeadLogits: ReadWrite,
        HeadProbs: ReadWrite,
    ],
    Grid::Threads(|s| s.sentences),
);
pub const HEAD_BACKWARD: Kernel = kernel!(
    "head_backward",
    [Params: Uniform, Labels: Read, HeadProbs: Read, DHeadLogits: ReadWrite],
    Grid::Threads(|s| s.sentences * 4),
);
pub const HEAD_GRAD: Kernel = kernel!(
    "head_grad",
    [Params: Uniform, DHeadLogits: Read, Pooled: Read, DHead: ReadWrite, DHeadBias: ReadWrite],
    Grid::Threads(|s| 4 * s.d() + 4),
);
pub const POOL_BACKWARD: Kernel = kernel!(
    "pool_backward",
    [Params: Uniform, Starts: Read, Sentence: Read, DHeadLogits: Read, Head: Read, Dz: ReadWrite],
    Grid::Threads(|s| s.tokens * s.d()),
);
pub const COMBINE_BACKWARD: Kernel = kernel!(
    "combine_backward",
    [
        Params: Uniform,
        ExpertTable: Read,
        BlockExpert: Read,
        RowToken: Read,
        RowSlot: Read,
        AssignGate: Read,
        Dz: Read,
        DExpertOut: ReadWrite,
    ],
    Grid::Threads(|s| s.rows() * s.d()),
);
pub const GATE_BACKWARD: Kernel = kernel!(
    "gate_backward",
    [Params: Uniform, SlotRow: Read, ExpertOut: Read, Dz: Read, DGate: ReadWrite],
    Grid::Threads(|s| s.tokens * s.total_slots),
);
pub const EXPERT_DOWN_BACKWARD: Kernel = kernel!(
    "expert_down_backward",
    [Params: Uniform, ExpertTable: Read, BlockExpert: Read, W2: Read, DExpertOut: Read, DHidden: ReadWrite],
    Grid::Threads(|s| s.rows() * s.ff()),
);
pub const EXPERT_DOWN_GRAD: Kernel = kernel!(
    "expert_down_grad",
    [Params: Uniform, ExpertTable: Read, Hidden: Read, DExpertOut: Read, DW2: ReadWrite],
    Grid::Threads(|s| s.total_experts * s.d() * s.ff()),
);
pub const EXPERT_UP_BACKWARD: Kernel = Kernel {
    overrides: &[Override::ExpertKind],
    ..kernel!(
        "expert_up_backward",
        [
            Params: Uniform,
            ExpertTable: Read,
            BlockExpert: Read,
            RowToken: Read,
            X: Read,
            W1: Read,
            W3: Read,
            DHidden: Read,
            DAct: ReadWrite,
            DLin: ReadWrite,
        ],
        Grid::Threads(|s| s.rows() * s.ff()),
    )
};
pub const EXPERT_UP_GRAD: Kernel = Kernel {
    overrides: &[Override::ExpertKind],
    ..kernel!(
        "expert_up_grad",
        [
            Params: Uniform,
            ExpertTable: Read,
            RowToken: Read,
            X: Read,
            DAct: Read,
            DLin: Read,
            DW1: ReadWrite,
            DW3: ReadWrite,
        ],
        Grid::Threads(|s| s.total_experts * s.ff() * s.d()),
    )
};
pub const EXPERT_UP_INPUT: Kernel = Kernel {
    overrides: &[Override::ExpertKind],
    ..kernel!(
        "expert_up_input",
        [
            Params: Uniform,
            ExpertTable: Read,
            BlockExpert: Read,
            W1: Read,
            W3: Read,
            DAct: Read,
            DLin: Read,
            DxRows: ReadWrite,
        ],
        Grid::Threads(|s| s.rows() * s.d()),
    )
};
pub const ROUTER_BACKWARD: Kernel = kernel!(
    "router_backward",
    [
        Params: Uniform,
        Logits: Read,
        Probs: Read,
        AssignExpert: Read,
        AssignGate: Read,
        ExpertTable: Read,
        DGate: Read,
        DRouterLogits: ReadWrite,
    ],
    Grid::Threads(|s| s.tokens),
);
pub const ROUTER_GRAD: Kernel = kernel!(
    "router_grad",
    [Params: Uniform, X: Read, DRouterLogits: Read, DRouter: ReadWrite, DRouterBias: ReadWrite],
    Grid::Threads(|s| s.experts * s.d() + s.experts),
);
pub const INPUT_BACKWARD: Kernel = kernel!(
    "input_backward",
    [Params: Uniform, SlotRow: Read, DxRows: Read, Router: Read, DRouterLogits: Read, Dz: Read, Dh: ReadWrite],
    Grid::Threads(|s| s.tokens * s.d()),
);
pub const MIX_BACKWARD: Kernel = kernel!(
    "mix_backward",
    [Params: Uniform, Starts: Read, Dh: Read, DContexts: ReadWrite],
    Grid::Threads(|s| s.sentences * s.d()),
);
pub const MIX_MEAN_BACKWARD: Kernel = kernel!(
    "mix_mean_backward",
    [Params: Uniform, Context: Read, DContexts: Read, DMeans: ReadWrite],
    Grid::Threads(|s| s.sentences * s.d()),
);
pub const MIX_INPUT_BACKWARD: Kernel = kernel!(
    "mix_input_backward",
    [Params: Uniform, Starts: Read, Sentence: Read, Conv: Read, Dh: Read, DMeans: Read, DEmb: ReadWrite],
    Grid::Threads(|s| s.tokens * s.d()),
);
pub const MIX_GRAD: Kernel = kernel!(
    "mix_grad",
    [
        Params: Uniform,
        Starts: Read,
        Sentence: Read,
        Emb: Read,
        Means: Read,
        Dh: Read,
        DContexts: Read,
        DConv: ReadWrite,
        DContext: ReadWrite,
    ],
    Grid::Threads(|s| s.conv_width * s.d() + s.d() * s.d()),
);
pub const EMBED_GRAD: Kernel = kernel!(
    "embed_grad",
    [Params: Uniform, ByIdOrder: Read, ByIdStart: Read, DEmb: Read, DEmbed: ReadWrite],
    Grid::Threads(|s| s.vocab * s.d()),
);
pub const METRICS: Kernel = kernel!(
    "metrics",
    [
        Params: Uniform,
        Labels: Read,
        Langs: Read,
        HeadLogits: Read,
        HeadProbs: Read,
        Logits: Read,
        Probs: Read,
        ExpertTable: Read,
        Metrics: ReadWrite,
    ],
    Grid::Single,
);
pub const ADAMW: Kernel = kernel!(
    "adamw",
    [Params: Uniform, Tensors: Read, Grads: Read, Weights: ReadWrite, Moment1: ReadWrite, Moment2: ReadWrite],
    Grid::Threads(|s| s.trainable),
);
pub const BALANCE_BIAS: Kernel = Kernel {
    when: When::SelectionBias,
    ..kernel!(
        "balance_bias",
        [Params: Uniform, ExpertTable: Read, SelectionBias: ReadWrite, Selection: ReadWrite],
        Grid::Single,
    )
};

/// One training step: the model forward (the layer's stages in the middle), the backward
/// in reverse, then the metrics and the update. Each stage a compute pass.
pub const TRAINING_STAGES: [(&str, &[Kernel]); 7] = [
    ("model", &[EMBED, MIX_MEAN, MIX_CONTEXT, MIX]),
    STAGES[0],
    STAGES[1],
    STAGES[2],
    ("head", &[COMBINE, HEAD]),
    (
        "backward",
        &[
            HEAD_BACKWARD,
            HEAD_GRAD,
            POOL_BACKWARD,
            COMBINE_BACKWARD,
            GATE_BACKWARD,
            EXPERT_DOWN_BACKWARD,
            EXPERT_DOWN_GRAD,
            EXPERT_UP_BACKWARD,
            EXPERT_UP_GRAD,
            EXPERT_UP_INPUT,
            ROUTER_BACKWARD,
            ROUTER_GRAD,
            INPUT_BACKWARD,
            MIX_BACKWARD,
            MIX_MEAN_BACKWARD,
            MIX_INPUT_BACKWARD,
            MIX_GRAD,
            EMBED_GRAD,
        ],
    ),
    ("update", &[METRICS, ADAMW, BALANCE_BIAS]),
];

/// The forward's stages in data-flow order, each one compute pass (and one timestamp
/// pair), each a list of kernels.
pub const STAGES: [(&str, &[Kernel]); 4] = [
    ("router", &[ROUTER_LOGITS, ROUTER_SOFTMAX, ROUTER_EXPERT_CHOICE, ROUTER_SELECT]),
    ("dispatch", &[DISPATCH_COUNT, DISPATCH_OFFSETS, DISPATCH_SCATTER]),
    ("experts", &[EXPERT_UP, EXPERT_DOWN]),
    ("combine", &[COMBINE]),
];

/// Every kernel of a layer forward, in data-flow order.
pub fn all() -> impl Iterator<Item = &'static Kernel> {
    STAGES.iter().flat_map(|(_, kernels)| kernels.iter())
}

/// The first `MODEL_FORWARD` of `TRAINING_STAGES` are the whole model's forward (the
/// embedding to the head): what routing a text runs.
pub const MODEL_FORWARD: usize = 5;

/// Every kernel of the model's forward, in data-flow order.
pub fn model_forward() -> impl Iterator<Item = &'static Kernel> {
    TRAINING_STAGES[..MODEL_FORWARD].iter().flat_map(|(_, kernels)| kernels.iter())
}

/// Every kernel of a training step, in data-flow order (the layer's included).
pub fn training() -> impl Iterator<Item = &'static Kernel> {
    TRAINING_STAGES.iter().flat_map(|(_, kernels)| kernels.iter())
}

/// Threads per workgroup of every kernel. Keep in sync with `WORKGROUP` in common.wgsl.
pub const WORKGROUP: u32 = 64;

/// The layout of the `expert_table` buffer over n = routed + shared experts:
/// `[offsets (n + 1) | demand (n) | seated (n)]`. Keep in sync with the `table_*`
/// functions in common.wgsl.
#[derive(Clone, Copy, Debug)]
pub struct ExpertTable {
    pub experts: usize,
}

impl ExpertTable {
    /// Entries in the buffer (never empty: offsets has n + 1).
    pub fn entries(self) -> usize {
        3 * self.experts + 1
    }

    /// Each expert's first row; the last entry is the total.
    pub fn offsets(self) -> Range<usize> {
        0..self.experts + 1
    }

    /// Assignments per expert before capacity.
    pub fn demand(self) -> Range<usize> {
        self.experts + 1..2 * self.experts + 1
    }

    /// Assignments seated.
    pub fn seated(self) -> Range<usize> {
        2 * self.experts + 1..3 * self.experts + 1
    }
}

/// The one uniform every kernel reads. Keep in sync with `struct Params` in
/// `shaders/common.wgsl`: same fields, same order, all 4 bytes, 32 of them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct Params {
    pub tokens: u32,
    pub d4: u32,
    pub ff4: u32,
    pub experts: u32,
    pub total_experts: u32,
    pub slots: u32,
    pub total_slots: u32,
    pub top_k: u32,
    pub router: u32,
    pub seat_limit: u32,
    pub choose: u32,
    pub noise_on: u32,
    pub noise_seed: u32,
    pub noise_scale: f32,
    pub has_bias: u32,
    pub max_rows: u32,
    pub has_selection: u32,
    pub sentences: u32,
    pub vocab: u32,
    pub conv_width: u32,
    pub trainable: u32,
    pub tensor_count: u32,
    pub balance_alpha: f32,
    pub z_loss: f32,
    pub gamma: f32,
    pub learning_rate: f32,
    pub weight_decay: f32,
    pub correction1: f32,
    pub correction2: f32,
    pub pad0: u32,
    pub pad1: u32,
    pub pad2: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_size_matches_wgsl_struct() {
        // 32 four-byte fields; a uniform's size must be a multiple of 16.
        assert_eq!(size_of::<Params>(), 128);
        let fields = COMMON.split("struct Params {").nth(1).unwrap().split('}').next().unwrap();
        let names: Vec<&str> = fields
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("//") && l.contains(':'))
            .map(|l| l.split(':').next().unwrap().trim())
            .collect();
        assert_eq!(
            names,
            [
                "tokens",
                "d4",
                "ff4",
                "experts",
                "total_experts",
                "slots",
                "total_slots",
                "top_k",
                "router",
                "seat_limit",
                "choose",
                "noise_on",
                "noise_seed",
                "noise_scale",
                "has_bias",
                "max_rows",
                "has_selection",
                "sentences",
                "vocab",
                "conv_width",
                "trainable",
                "tensor_count",
                "balance_alpha",
                "z_loss",
                "gamma",
                "learning_rate",
                "weight_decay",
                "correction1",
                "correction2",
                "pad0",
                "pad1",
                "pad2"
            ]
        );
    }

    #[test]
    fn buffers_are_listed_once_in_index_order() {
        for (i, buf) in Buf::ALL.iter().enumerate() {
            assert_eq!(buf.index(), i, "{buf:?}");
        }
    }

    #[test]
    fn expert_table_sections_tile_the_buffer() {
        let t = ExpertTable { experts: 5 };
        assert_eq!((t.offsets().end, t.demand().start), (6, 6));
        assert_eq!((t.demand().end, t.seated().start), (11, 11));
        assert_eq!(t.seated().end, t.entries());
    }

    #[test]
    fn grids_fold_wide_launches_into_y() {
        let sizes = GridSizes {
            tokens: 10_000_000,
            experts: 8,
            total_experts: 9,
            total_slots: 2,
            d4: 4,
            ff4: 8,
            blocks: 3,
            ..GridSizes::default()
        };
        let (x, y, z) = Grid::Threads(|s| s.tokens).workgroups(&sizes);
        assert_eq!((x, z), (MAX_GROUPS, 1));
        assert!(x as u64 * y as u64 * WORKGROUP as u64 >= 10_000_000);
        assert_eq!(Grid::PerExpert.workgroups(&sizes), (9, 1, 1));
        assert_eq!(Grid::RowBlocks(|s| s.ff4).workgroups(&sizes), (1, 3, 1));
    }
}
