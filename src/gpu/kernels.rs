//! Every WGSL kernel, one record each: its name (file, entry point and pipeline label
//! alike), its source, its bindings in `@binding` order (which buffer, how it is
//! accessed), its grid, and the override constants it takes. `shaders/common.wgsl` is
//! prepended to each; the combined source is what wgpu compiles and what the naga test
//! validates and reflects (binding names, kinds and element sizes against this table).

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
}

impl Buf {
    pub const ALL: [Buf; 22] = [
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
        }
    }

    /// Bytes of one element (the whole struct for the uniform): the smallest binding a
    /// kernel can read, given to wgpu as `min_binding_size` so that a too-small buffer
    /// fails when the bind group is made, not in the shader.
    pub fn element_bytes(self) -> u64 {
        match self {
            Buf::Params => size_of::<Params>() as u64,
            Buf::Router | Buf::W1 | Buf::W3 | Buf::W2 | Buf::X | Buf::Hidden | Buf::ExpertOut | Buf::Y => 16,
            _ => 4,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The sizes a grid is computed from.
#[derive(Clone, Copy, Debug)]
pub struct GridSizes {
    pub tokens: u32,
    pub experts: u32,
    pub total_experts: u32,
    pub total_slots: u32,
    pub d4: u32,
    pub ff4: u32,
    /// Row blocks of ROW_BLOCK rows the expert matmuls cover.
    pub blocks: u32,
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

/// When a kernel is part of a forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Always,
    /// Only under expert-choice routing.
    ExpertChoice,
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

/// The forward's stages in data-flow order, each one compute pass (and one timestamp
/// pair), each a list of kernels.
pub const STAGES: [(&str, &[Kernel]); 4] = [
    ("router", &[ROUTER_LOGITS, ROUTER_SOFTMAX, ROUTER_EXPERT_CHOICE, ROUTER_SELECT]),
    ("dispatch", &[DISPATCH_COUNT, DISPATCH_OFFSETS, DISPATCH_SCATTER]),
    ("experts", &[EXPERT_UP, EXPERT_DOWN]),
    ("combine", &[COMBINE]),
];

/// Every kernel, in data-flow order.
pub fn all() -> impl Iterator<Item = &'static Kernel> {
    STAGES.iter().flat_map(|(_, kernels)| kernels.iter())
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
/// `shaders/common.wgsl`: same fields, same order, all 4 bytes, 20 of them.
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
    pub pad0: u32,
    pub pad1: u32,
    pub pad2: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_size_matches_wgsl_struct() {
        // 20 four-byte fields; a uniform's size must be a multiple of 16.
        assert_eq!(size_of::<Params>(), 80);
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
        let sizes =
            GridSizes { tokens: 10_000_000, experts: 8, total_experts: 9, total_slots: 2, d4: 4, ff4: 8, blocks: 3 };
        let (x, y, z) = Grid::Threads(|s| s.tokens).workgroups(&sizes);
        assert_eq!((x, z), (MAX_GROUPS, 1));
        assert!(x as u64 * y as u64 * WORKGROUP as u64 >= 10_000_000);
        assert_eq!(Grid::PerExpert.workgroups(&sizes), (9, 1, 1));
        assert_eq!(Grid::RowBlocks(|s| s.ff4).workgroups(&sizes), (1, 3, 1));
    }
}
