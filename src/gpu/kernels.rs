//! Every WGSL kernel, in one table: its name (file, entry point and pipeline label alike),
//! its source, and its bindings in `@binding` order. `shaders/common.wgsl` is prepended to
//! each; the combined source is what wgpu compiles and what the naga test validates.

use bytemuck::{Pod, Zeroable};

/// How a kernel binds one resource (all in group 0, in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Uniform,
    Read,
    ReadWrite,
}

#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    pub name: &'static str,
    source: &'static str,
    pub bindings: &'static [Slot],
}

impl Kernel {
    /// This kernel's place in [`ALL`], where per-kernel pipelines and bind groups are kept.
    pub fn index(&self) -> usize {
        ALL.iter().position(|k| k.name == self.name).expect("every kernel is in ALL")
    }

    /// `common.wgsl` followed by the kernel: what gets compiled.
    pub fn source(&self) -> String {
        format!("{COMMON}\n{}", self.source)
    }
}

pub const COMMON: &str = include_str!("../../shaders/common.wgsl");

use Slot::{Read, ReadWrite, Uniform};

macro_rules! kernel {
    ($constant:ident, $name:literal, [$($slot:expr),* $(,)?]) => {
        pub const $constant: Kernel = Kernel {
            name: $name,
            source: include_str!(concat!("../../shaders/", $name, ".wgsl")),
            bindings: &[$($slot),*],
        };
    };
}

// params, x, router, router_bias, logits
kernel!(ROUTER_LOGITS, "router_logits", [Uniform, Read, Read, Read, ReadWrite]);
// params, logits, probs
kernel!(ROUTER_SOFTMAX, "router_softmax", [Uniform, Read, ReadWrite]);
// params, probs, taken
kernel!(ROUTER_EXPERT_CHOICE, "router_expert_choice", [Uniform, Read, ReadWrite]);
// params, probs, taken, assign_expert, assign_gate
kernel!(ROUTER_SELECT, "router_select", [Uniform, Read, Read, ReadWrite, ReadWrite]);
// params, assign_expert, position, expert_table
kernel!(DISPATCH_COUNT, "dispatch_count", [Uniform, Read, ReadWrite, ReadWrite]);
// params, expert_table, block_expert
kernel!(DISPATCH_OFFSETS, "dispatch_offsets", [Uniform, ReadWrite, ReadWrite]);
// params, assign_expert, position, expert_table, row_token, slot_row
kernel!(DISPATCH_SCATTER, "dispatch_scatter", [Uniform, Read, Read, Read, ReadWrite, ReadWrite]);
// params, x, row_token, expert_table, block_expert, w1, w3, hidden
kernel!(EXPERT_UP, "expert_up", [Uniform, Read, Read, Read, Read, Read, Read, ReadWrite]);
// params, hidden, expert_table, block_expert, w2, expert_out
kernel!(EXPERT_DOWN, "expert_down", [Uniform, Read, Read, Read, Read, ReadWrite]);
// params, assign_gate, slot_row, expert_out, y
kernel!(COMBINE, "combine", [Uniform, Read, Read, Read, ReadWrite]);

/// Every kernel, in data-flow order.
pub const ALL: [Kernel; 10] = [
    ROUTER_LOGITS,
    ROUTER_SOFTMAX,
    ROUTER_EXPERT_CHOICE,
    ROUTER_SELECT,
    DISPATCH_COUNT,
    DISPATCH_OFFSETS,
    DISPATCH_SCATTER,
    EXPERT_UP,
    EXPERT_DOWN,
    COMBINE,
];

/// Threads per workgroup of every kernel. Keep in sync with `WORKGROUP` in common.wgsl.
pub const WORKGROUP: u32 = 64;

/// The one uniform every kernel reads. Keep in sync with `struct Params` in
/// `shaders/common.wgsl`: same fields, same order, all 4 bytes, 16 of them.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_size_matches_wgsl_struct() {
        // 16 four-byte fields; a uniform's size must be a multiple of 16.
        assert_eq!(size_of::<Params>(), 64);
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
                "max_rows"
            ]
        );
    }

    #[test]
    fn every_kernel_has_its_entry_point_and_bindings() {
        for k in ALL {
            let src = k.source();
            assert!(src.contains(&format!("fn {}(", k.name)), "{} lacks its entry point", k.name);
            for (i, _) in k.bindings.iter().enumerate() {
                assert!(src.contains(&format!("@binding({i})")), "{} lacks binding {i}", k.name);
            }
            assert!(!src.contains(&format!("@binding({})", k.bindings.len())), "{} has extra bindings", k.name);
        }
    }
}
