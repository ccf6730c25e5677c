//! Stage-by-stage comparison of two runs of the layer (a backend's against the CPU
//! reference's): walks the data flow in order and names the first kernel whose output
//! differs, and the first element where it does. A wrong final output says little; "the
//! `dispatch_scatter` kernel seated token 3 in row 12 instead of 8" says where to look.

use super::reference::LayerRun;
use std::fmt;

/// Float tolerances per stage: |actual - expected| <= atol + rtol * |expected|. Integer
/// outputs (choices, positions, offsets, permutations, counts) must match exactly, which
/// the caller can demand only where DESIGN.md's margin rule holds.
#[derive(Clone, Copy, Debug)]
pub struct Tolerances {
    /// Router logits: dot products of length d summed in another order.
    pub logits: (f32, f32),
    /// Probabilities and gates.
    pub probs: (f32, f32),
    /// Expert activations, expert outputs and the combined output: two chained matmuls.
    pub outputs: (f32, f32),
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances { logits: (1e-5, 1e-5), probs: (1e-6, 1e-5), outputs: (1e-4, 1e-4) }
    }
}

/// Where two runs first part.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The kernel (and CPU twin) that wrote the array.
    pub stage: &'static str,
    /// The array, by its name in [`LayerRun`].
    pub array: &'static str,
    /// The first element that differs, or `None` when the lengths differ.
    pub index: Option<usize>,
    pub actual: String,
    pub expected: String,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(
                f,
                "stage `{}` differs first: {}[{i}] is {} where the reference has {}",
                self.stage, self.array, self.actual, self.expected
            ),
            None => write!(
                f,
                "stage `{}` differs first: {} has {} elements where the reference has {}",
                self.stage, self.array, self.actual, self.expected
            ),
        }
    }
}

/// The values of one array from both runs, and how they must agree.
pub enum Values<'a> {
    /// Within |actual - expected| <= atol + rtol |expected|.
    F32 {
        actual: &'a [f32],
        expected: &'a [f32],
        tolerance: (f32, f32),
    },
    /// Exactly.
    U32 {
        actual: &'a [u32],
        expected: &'a [u32],
    },
    I32 {
        actual: &'a [i32],
        expected: &'a [i32],
    },
}

/// One array of one stage to compare.
pub struct Check<'a> {
    pub stage: &'static str,
    pub array: &'static str,
    pub values: Values<'a>,
}

impl<'a> Check<'a> {
    pub fn floats(
        stage: &'static str,
        array: &'static str,
        actual: &'a [f32],
        expected: &'a [f32],
        tolerance: (f32, f32),
    ) -> Self {
        Check { stage, array, values: Values::F32 { actual, expected, tolerance } }
    }

    pub fn u32s(stage: &'static str, array: &'static str, actual: &'a [u32], expected: &'a [u32]) -> Self {
        Check { stage, array, values: Values::U32 { actual, expected } }
    }

    pub fn i32s(stage: &'static str, array: &'static str, actual: &'a [i32], expected: &'a [i32]) -> Self {
        Check { stage, array, values: Values::I32 { actual, expected } }
    }

    fn failure(&self) -> Option<Divergence> {
        match self.values {
            Values::F32 { actual, expected, tolerance: (atol, rtol) } => {
                compare_floats(self.stage, self.array, actual, expected, atol, rtol)
            }
            Values::U32 { actual, expected } => exact_eq(self.stage, self.array, actual, expected),
            Values::I32 { actual, expected } => exact_eq(self.stage, self.array, actual, expected),
        }
    }
}

/// The first failing check, in the order given (data-flow order).
pub fn first_failure<'a>(checks: impl IntoIterator<Item = Check<'a>>) -> Option<Divergence> {
    checks.into_iter().find_map(|c| c.failure())
}

/// The first stage, in data-flow order, where `actual` leaves `expected`; `None` when every
/// stage agrees. `exact` says whether the integer outputs must match (the inputs clear the
/// margin rule); without it only the floats before the first decision are compared.
pub fn first_divergence(actual: &LayerRun, expected: &LayerRun, tol: &Tolerances, exact: bool) -> Option<Divergence> {
    let (a, e) = (actual, expected);
    let routing = [
        Check::floats("router_logits", "logits", &a.logits, &e.logits, tol.logits),
        Check::floats("router_softmax", "probs", &a.probs, &e.probs, tol.probs),
    ];
    if !exact {
        return first_failure(routing);
    }
    first_failure(routing.into_iter().chain([
        Check::u32s("router_expert_choice", "taken", &a.taken, &e.taken),
        Check::i32s("router_select", "assign_expert", &a.assign_expert, &e.assign_expert),
        Check::floats("router_select", "assign_gate", &a.assign_gate, &e.assign_gate, tol.probs),
        Check::u32s("dispatch_count", "position", &a.position, &e.position),
        Check::u32s("dispatch_count", "demand", &a.demand, &e.demand),
        Check::u32s("dispatch_count", "seated", &a.seated, &e.seated),
        Check::u32s("dispatch_offsets", "offsets", &a.offsets, &e.offsets),
        Check::u32s("dispatch_offsets", "block_expert", &a.block_expert, &e.block_expert),
        Check::u32s("dispatch_scatter", "row_token", &a.row_token, &e.row_token),
        Check::u32s("dispatch_scatter", "row_slot", &a.row_slot, &e.row_slot),
        Check::i32s("dispatch_scatter", "slot_row", &a.slot_row, &e.slot_row),
        Check::floats("expert_up", "hidden", &a.hidden, &e.hidden, tol.outputs),
        Check::floats("expert_down", "expert_out", &a.expert_out, &e.expert_out, tol.outputs),
        Check::floats("combine", "output", &a.output, &e.output, tol.outputs),
    ]))
}

fn length_mismatch(stage: &'static str, array: &'static str, actual: usize, expected: usize) -> Divergence {
    Divergence { stage, array, index: None, actual: actual.to_string(), expected: expected.to_string() }
}

fn exact_eq<T: PartialEq + fmt::Debug>(
    stage: &'static str,
    array: &'static str,
    actual: &[T],
    expected: &[T],
) -> Option<Divergence> {
    if actual.len() != expected.len() {
        return Some(length_mismatch(stage, array, actual.len(), expected.len()));
    }
    let i = actual.iter().zip(expected).position(|(a, e)| a != e)?;
    Some(Divergence {
        stage,
        array,
        index: Some(i),
        actual: format!("{:?}", actual[i]),
        expected: format!("{:?}", expected[i]),
    })
}

fn compare_floats(
    stage: &'static str,
    array: &'static str,
    actual: &[f32],
    expected: &[f32],
    atol: f32,
    rtol: f32,
) -> Option<Divergence> {
    if actual.len() != expected.len() {
        return Some(length_mismatch(stage, array, actual.len(), expected.len()));
    }
    // NaN (an unwritten sentinel, say) compares as "not within": it counts as a difference.
    let within = |a: f32, e: f32| (a - e).abs() <= atol + rtol * e.abs();
    let i = actual.iter().zip(expected).position(|(&a, &e)| !within(a, e))?;
    Some(Divergence {
        stage,
        array,
        index: Some(i),
        actual: format!("{:e}", actual[i]),
        expected: format!("{:e} (atol {atol:e}, rtol {rtol:e})", expected[i]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moe::{Architecture, Capacity, ExpertKind, LayerWeights, RouterKind, Routing, reference};

    fn run() -> LayerRun {
        let arch = Architecture {
            d_model: 6,
            d_ff: 10,
            num_experts: 4,
            expert_kind: ExpertKind::Swiglu,
            router_bias: false,
            shared_experts: 1,
        };
        let weights = LayerWeights::random(arch, 3, 0.8);
        let routing =
            Routing { router: RouterKind::TokenChoice, top_k: 2, capacity: Capacity::Factor(1.0), noise: None };
        let x = crate::rng::Rng::new(9).normals(5 * 6, 1.0);
        reference::forward(&weights, &routing, &x, 5).unwrap()
    }

    #[test]
    fn identical_runs_agree_and_each_stage_is_named_where_it_breaks() {
        let expected = run();
        assert_eq!(first_divergence(&expected, &expected, &Tolerances::default(), true), None);

        let mut broken = expected.clone();
        broken.row_token.swap(0, 1);
        let d = first_divergence(&broken, &expected, &Tolerances::default(), true).unwrap();
        assert_eq!((d.stage, d.array, d.index), ("dispatch_scatter", "row_token", Some(0)));

        // A later stage broken as well: the first one in data-flow order is named.
        broken.output[3] += 1.0;
        broken.seated[1] += 1;
        let d = first_divergence(&broken, &expected, &Tolerances::default(), true).unwrap();
        assert_eq!((d.stage, d.array), ("dispatch_count", "seated"));
        assert!(d.to_string().contains("stage `dispatch_count`"), "{d}");

        let mut nan = expected.clone();
        nan.hidden[7] = f32::NAN;
        let d = first_divergence(&nan, &expected, &Tolerances::default(), true).unwrap();
        assert_eq!((d.stage, d.index), ("expert_up", Some(7)));

        // Without the margin rule, decisions are not compared, floats before them are.
        let mut probs = broken.clone();
        assert_eq!(first_divergence(&probs, &expected, &Tolerances::default(), false), None);
        probs.probs[2] += 1e-3;
        assert_eq!(first_divergence(&probs, &expected, &Tolerances::default(), false).unwrap().stage, "router_softmax");
    }
}
