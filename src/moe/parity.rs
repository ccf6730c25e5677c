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

/// The first stage, in data-flow order, where `actual` leaves `expected`; `None` when every
/// stage agrees. `exact` says whether the integer outputs must match (the inputs clear the
/// margin rule); without it only the floats before the first decision are compared.
pub fn first_divergence(actual: &LayerRun, expected: &LayerRun, tol: &Tolerances, exact: bool) -> Option<Divergence> {
    let floats =
        |stage, array, a: &[f32], e: &[f32], (atol, rtol): (f32, f32)| compare_floats(stage, array, a, e, atol, rtol);
    let first = floats("router_logits", "logits", &actual.logits, &expected.logits, tol.logits)
        .or_else(|| floats("router_softmax", "probs", &actual.probs, &expected.probs, tol.probs));
    if first.is_some() || !exact {
        return first;
    }
    exact_eq("router_expert_choice", "taken", &actual.taken, &expected.taken)
        .or_else(|| exact_eq("router_select", "assign_expert", &actual.assign_expert, &expected.assign_expert))
        .or_else(|| floats("router_select", "assign_gate", &actual.assign_gate, &expected.assign_gate, tol.probs))
        .or_else(|| exact_eq("dispatch_count", "position", &actual.position, &expected.position))
        .or_else(|| exact_eq("dispatch_count", "demand", &actual.demand, &expected.demand))
        .or_else(|| exact_eq("dispatch_count", "seated", &actual.seated, &expected.seated))
        .or_else(|| exact_eq("dispatch_offsets", "offsets", &actual.offsets, &expected.offsets))
        .or_else(|| exact_eq("dispatch_offsets", "block_expert", &actual.block_expert, &expected.block_expert))
        .or_else(|| exact_eq("dispatch_scatter", "row_token", &actual.row_token, &expected.row_token))
        .or_else(|| exact_eq("dispatch_scatter", "row_slot", &actual.row_slot, &expected.row_slot))
        .or_else(|| exact_eq("dispatch_scatter", "slot_row", &actual.slot_row, &expected.slot_row))
        .or_else(|| floats("expert_up", "hidden", &actual.hidden, &expected.hidden, tol.outputs))
        .or_else(|| floats("expert_down", "expert_out", &actual.expert_out, &expected.expert_out, tol.outputs))
        .or_else(|| floats("combine", "output", &actual.output, &expected.output, tol.outputs))
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
