//! The CPU reference: invariants over random configurations (proptest), and small cases
//! worked by hand from the papers' formulas.
#![cfg(not(target_arch = "wasm32"))]

use moe_clinic::moe::reference::{self, LayerRun, NO_EXPERT};
use moe_clinic::moe::{Architecture, Capacity, ExpertKind, LayerWeights, Noise, RouterKind, Routing, forward_cpu};
use moe_clinic::rng::Rng;
use proptest::prelude::*;

fn arch(d: usize, ff: usize, e: usize, kind: ExpertKind, shared: usize) -> Architecture {
    Architecture { d_model: d, d_ff: ff, num_experts: e, expert_kind: kind, router_bias: false, shared_experts: shared }
}

fn routing_strategy() -> impl Strategy<Value = (Architecture, Routing, usize, u64)> {
    let shape = (1usize..9, 1usize..12, 1usize..10, 0usize..3, 0usize..5, 0usize..3, 0usize..80);
    let picks = (any::<u64>(), 0usize..5, 0usize..3, any::<bool>(), 0usize..4);
    (shape, picks).prop_map(
        |((d, ff, e, kind, router, shared, tokens), (seed, k_pick, cap_pick, router_bias, noise_pick))| {
            let router = RouterKind::ALL[router];
            let top_k = match router {
                RouterKind::Switch => 1,
                RouterKind::Dense => e,
                _ => 1 + k_pick % e.min(4),
            };
            let capacity = match (router, cap_pick) {
                (RouterKind::Mixtral | RouterKind::Dense, _) => Capacity::Dropless,
                (RouterKind::ExpertChoice, _) | (_, 0) => Capacity::Factor([0.5, 1.0, 1.5][seed as usize % 3]),
                (_, 1) => Capacity::Absolute(1 + (seed % 5) as u32),
                _ => Capacity::Dropless,
            };
            // No noise, a hesitant receptionist, or one who routes nearly at random.
            let noise = [None, Some(0.1), Some(1.0), Some(3.0)][noise_pick]
                .map(|scale| Noise { scale, seed: (seed >> 32) as u32 });
            let arch = Architecture { router_bias, ..arch(d, ff, e, ExpertKind::ALL[kind], shared) };
            (arch, Routing { router, top_k, capacity, noise }, tokens, seed)
        },
    )
}

fn run(weights: &LayerWeights, routing: &Routing, tokens: usize, seed: u64) -> LayerRun {
    let x = Rng::new(seed).normals(tokens * weights.arch.d_model, 1.0);
    reference::forward(weights, routing, &x, tokens).expect("valid configuration")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn routing_invariants_hold((arch, routing, tokens, seed) in routing_strategy()) {
        let weights = LayerWeights::random(arch, seed, 1.0);
        let r = run(&weights, &routing, tokens, seed);
        let (e, s, ts) = (arch.num_experts, r.dims.slots, r.dims.total_slots);

        // p is a distribution per token.
        for t in 0..tokens {
            let row = &r.probs[t * e..(t + 1) * e];
            prop_assert!(row.iter().all(|p| (0.0..=1.0).contains(p)));
            prop_assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        for t in 0..tokens {
            let slots = &r.assign_expert[t * ts..t * ts + s];
            let chosen: Vec<i32> = slots.iter().copied().filter(|&x| x != NO_EXPERT).collect();
            // Distinct choices, padding only at the end, ordered by p descending.
            let mut unique = chosen.clone();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(unique.len(), chosen.len());
            prop_assert!(slots[chosen.len()..].iter().all(|&x| x == NO_EXPERT));
            let p = |x: i32| r.probs[t * e + x as usize];
            prop_assert!(chosen.windows(2).all(|w| p(w[0]) >= p(w[1])));
            let expected = match routing.router {
                RouterKind::Dense => e,
                RouterKind::ExpertChoice => chosen.len(),
                _ => routing.top_k,
            };
            prop_assert_eq!(chosen.len(), expected);
            // Renormalising routers' gates sum to 1; others keep p.
            let gates = &r.assign_gate[t * ts..t * ts + chosen.len()];
            if routing.router.renormalises() {
                prop_assert!((gates.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            } else {
                for (g, &x) in gates.iter().zip(&chosen) {
                    prop_assert_eq!(*g, p(x));
                }
            }
            // Shared experts: every token, gate 1.
            for j in 0..arch.shared_experts {
                prop_assert_eq!(r.assign_expert[t * ts + s + j], (e + j) as i32);
                prop_assert_eq!(r.assign_gate[t * ts + s + j], 1.0);
            }
        }

        // The permutation is a bijection between seated assignments and non-padding rows.
        let mut row_owner = vec![None; r.row_token.len()];
        let mut seated_count = vec![0u32; r.dims.total_experts];
        for (a, &row) in r.slot_row.iter().enumerate() {
            if row < 0 { continue; }
            let row = row as usize;
            prop_assert!(row_owner[row].is_none(), "row {} used twice", row);
            row_owner[row] = Some(a);
            prop_assert_eq!(r.row_token[row] as usize, a / ts);
            let x = r.assign_expert[a] as usize;
            prop_assert!(r.offsets[x] as usize <= row && row < r.offsets[x + 1] as usize);
            seated_count[x] += 1;
        }
        prop_assert_eq!(&seated_count, &r.seated);
        let real_rows = row_owner.iter().filter(|o| o.is_some()).count();
        prop_assert_eq!(real_rows as u32, r.seated.iter().sum::<u32>());

        // Loads add up: demand counts every chosen slot, seated never exceeds demand.
        let chosen_total = r.assign_expert.iter().filter(|&&x| x >= 0).count() as u32;
        prop_assert_eq!(r.demand.iter().sum::<u32>(), chosen_total);
        prop_assert!(r.seated.iter().zip(&r.demand).all(|(s, d)| s <= d));

        // Capacity is respected, and the earliest assignments get the seats.
        let capacity = routing.expert_capacity(&arch, tokens);
        match (routing.router, capacity) {
            (RouterKind::Switch | RouterKind::TokenChoice, Some(c)) => {
                for x in 0..e {
                    prop_assert_eq!(r.seated[x] as usize, (r.demand[x] as usize).min(c));
                }
                // GShard: a seated second choice means every first choice of that expert sat.
                for a in 0..r.assign_expert.len() {
                    let (t, slot) = (a / ts, a % ts);
                    if slot >= s || r.assign_expert[a] < 0 || r.slot_row[a] >= 0 { continue; }
                    let x = r.assign_expert[a];
                    for b in 0..r.assign_expert.len() {
                        let (u, slot_b) = (b / ts, b % ts);
                        let earlier = slot_b < slot || (slot_b == slot && u < t);
                        if r.assign_expert[b] == x && !earlier && slot_b < s {
                            prop_assert!(r.slot_row[b] < 0, "a later assignment sat where an earlier one was dropped");
                        }
                    }
                }
            }
            (RouterKind::ExpertChoice, Some(c)) => {
                // Each expert serves exactly its top-C tokens by p (ties to the lower
                // token), found here by sorting, independently of the kernel's rank count.
                for x in 0..e {
                    let mut column: Vec<usize> = (0..tokens).collect();
                    column.sort_by(|&a, &b| r.probs[b * e + x].total_cmp(&r.probs[a * e + x]).then(a.cmp(&b)));
                    let mut want: Vec<usize> = column[..c.min(tokens)].to_vec();
                    want.sort_unstable();
                    let got: Vec<usize> = (0..tokens)
                        .filter(|&t| r.assign_expert[t * ts..t * ts + s].contains(&(x as i32)))
                        .collect();
                    prop_assert_eq!(got, want, "expert {}", x);
                }
            }
            _ => prop_assert!(r.seated[..e] == r.demand[..e]),
        }

        // A token nobody served (and with no shared expert) outputs exactly zero.
        if arch.shared_experts == 0 {
            for t in 0..tokens {
                if r.slot_row[t * ts..(t + 1) * ts].iter().all(|&row| row < 0) {
                    prop_assert!(r.output[t * arch.d_model..(t + 1) * arch.d_model].iter().all(|&y| y == 0.0));
                }
            }
        }
    }
}

/// Uniform p gives aux = 1 whatever f is, so it cannot catch a wrong f; here p is the same
/// skewed distribution for every token (zero router weights, a bias), so every token
/// picks experts 0 and 1: f = (1/2, 1/2, 0, 0) and aux = E (p0 + p1) / 2. An f counted
/// per token instead of per assignment would give twice that.
#[test]
fn aux_loss_follows_f_and_p_when_routing_is_skewed() {
    let a = Architecture { router_bias: true, ..arch(3, 2, 4, ExpertKind::Relu, 0) };
    let mut weights = LayerWeights::random(a, 1, 1.0);
    weights.router.iter_mut().for_each(|w| *w = 0.0);
    weights.router_bias = vec![2.0, 1.0, 0.0, -1.0];
    let routing = Routing { router: RouterKind::Mixtral, top_k: 2, capacity: Capacity::Dropless, noise: None };
    let trace = forward_cpu(&weights, &routing, &Rng::new(4).normals(3 * 6, 1.0), 6).unwrap();
    assert_eq!(trace.expert_demand, [6, 6, 0, 0]);
    let z: f64 = [2.0f64, 1.0, 0.0, -1.0].iter().map(|b| b.exp()).sum();
    let (p0, p1) = (2f64.exp() / z, 1f64.exp() / z);
    let aux = trace.metrics.aux_loss.unwrap();
    assert!((aux - 4.0 * (p0 + p1) / 2.0).abs() < 1e-6, "aux {aux}");
}

#[test]
fn aux_loss_is_one_under_uniform_routing() {
    for router in [RouterKind::Mixtral, RouterKind::Switch, RouterKind::TokenChoice] {
        let a = arch(4, 3, 5, ExpertKind::Relu, 0);
        let mut weights = LayerWeights::random(a, 1, 1.0);
        weights.router.iter_mut().for_each(|w| *w = 0.0);
        let top_k = if router == RouterKind::Switch { 1 } else { 2 };
        let routing = Routing { router, top_k, capacity: Capacity::Dropless, noise: None };
        let x = Rng::new(2).normals(40, 1.0);
        let trace = forward_cpu(&weights, &routing, &x, 10).unwrap();
        let aux = trace.metrics.aux_loss.unwrap();
        assert!((aux - 1.0).abs() < 1e-6, "{router}: aux {aux}");
        // Uniform p has entropy ln E and every logit is 0, so z = (ln E)^2.
        assert!((trace.metrics.entropy.unwrap() - 5f64.ln()).abs() < 1e-6);
        assert!((trace.metrics.z_loss.unwrap() - 5f64.ln().powi(2)).abs() < 1e-6);
    }
}

/// d = E = 2, router = identity, so the logits are the inputs. Expert 0 is relu(x),
/// expert 1 is 2 relu(x).
fn identity_layer(kind: ExpertKind) -> LayerWeights {
    let a = arch(2, 2, 2, kind, 0);
    let eye = [1.0, 0.0, 0.0, 1.0];
    LayerWeights {
        arch: a,
        router: eye.to_vec(),
        router_bias: Vec::new(),
        w1: [eye, eye].concat(),
        w3: if kind == ExpertKind::Swiglu { [eye, eye].concat() } else { Vec::new() },
        w2: [eye, [2.0, 0.0, 0.0, 2.0]].concat(),
        selection_bias: Vec::new(),
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn switch_by_hand_capacity_in_token_order() {
    // Fedus et al. 2021: top-1, output p_max * expert(x), capacity per sequence in order.
    let weights = identity_layer(ExpertKind::Relu);
    let x = [2.0, 0.0, 0.0, 1.0, 3.0, 1.0, 1.0, 0.5];
    let routing = Routing { router: RouterKind::Switch, top_k: 1, capacity: Capacity::Absolute(1), noise: None };
    let t = forward_cpu(&weights, &routing, &x, 4).unwrap();
    // Tokens 0, 2, 3 prefer expert 0 (x0 > x1); token 1 prefers expert 1.
    assert_eq!(t.choice_index, [0, 1, 0, 0]);
    // Capacity 1: token 0 takes expert 0's seat, tokens 2 and 3 are dropped.
    assert_eq!(t.expert_index, [0, 1, -1, -1]);
    assert_eq!((t.dropped_slots, t.expert_load.clone(), t.expert_demand.clone()), (2, vec![1, 1], vec![3, 1]));
    let p0 = sigmoid(2.0);
    let p1 = sigmoid(1.0);
    let expected = [p0 * 2.0, 0.0, 0.0, p1 * 2.0, 0.0, 0.0, 0.0, 0.0];
    for (y, e) in t.output.iter().zip(expected) {
        assert!((y - e).abs() < 1e-6, "{:?} vs {expected:?}", t.output);
    }
    // A dropped slot keeps the router's gate, p_max.
    assert!((t.routing_weights[2] - sigmoid(2.0)).abs() < 1e-6);
    // aux = E * sum f_i P_i with f = (3/4, 1/4).
    let p_mean0 = (sigmoid(2.0) + sigmoid(-1.0) + sigmoid(2.0) + sigmoid(0.5)) / 4.0;
    let aux = 2.0 * (0.75 * p_mean0 + 0.25 * (1.0 - p_mean0));
    assert!((t.metrics.aux_loss.unwrap() - aux as f64).abs() < 1e-6);
}

#[test]
fn mixtral_by_hand_renormalised_top2() {
    // E = 2, k = 2: both experts, gates p renormalised (already summing to 1).
    let weights = identity_layer(ExpertKind::Swiglu);
    let x = [1.0, -1.0];
    let routing = Routing { router: RouterKind::Mixtral, top_k: 2, capacity: Capacity::Dropless, noise: None };
    let t = forward_cpu(&weights, &routing, &x, 1).unwrap();
    let p0 = sigmoid(2.0);
    assert_eq!(t.choice_index, [0, 1]);
    assert!((t.routing_weights[0] - p0).abs() < 1e-6 && (t.routing_weights[1] - (1.0 - p0)).abs() < 1e-6);
    // SwiGLU with identity w1, w3: silu(x) * x per feature; expert 1 doubles it.
    let swiglu = |v: f32| v * sigmoid(v) * v;
    let y0 = p0 * swiglu(1.0) + (1.0 - p0) * 2.0 * swiglu(1.0);
    let y1 = p0 * swiglu(-1.0) + (1.0 - p0) * 2.0 * swiglu(-1.0);
    assert!((t.output[0] - y0).abs() < 1e-6 && (t.output[1] - y1).abs() < 1e-6, "{:?}", t.output);
}

#[test]
fn token_choice_seats_first_choices_before_second_choices() {
    // GShard: with capacity 1, token 1's FIRST choice of expert 0 wins the seat over
    // token 0's SECOND choice of expert 0, although token 0 comes first.
    let weights = identity_layer(ExpertKind::Relu);
    let x = [0.0, 1.0, 1.0, 0.0];
    let routing = Routing { router: RouterKind::TokenChoice, top_k: 2, capacity: Capacity::Absolute(1), noise: None };
    let t = forward_cpu(&weights, &routing, &x, 2).unwrap();
    assert_eq!(t.choice_index, [1, 0, 0, 1]);
    assert_eq!(t.expert_index, [1, -1, 0, -1]);
    // Gates were renormalised before capacity and are not renormalised again.
    assert!((t.routing_weights[0] - sigmoid(1.0)).abs() < 1e-6);
}

#[test]
fn expert_choice_by_hand() {
    // Zhou et al. 2022: each expert takes its top-C tokens by p. C = ceil(1 * 3 * 1 / 2) = 2.
    let weights = identity_layer(ExpertKind::Relu);
    let x = [3.0, 0.0, 2.0, 0.0, 0.0, 1.0];
    let routing = Routing { router: RouterKind::ExpertChoice, top_k: 1, capacity: Capacity::Factor(1.0), noise: None };
    let t = forward_cpu(&weights, &routing, &x, 3).unwrap();
    assert_eq!(t.capacity, Some(2));
    // p0 per token = sigmoid(3), sigmoid(2), sigmoid(-1). Expert 0 takes tokens 0 and 1;
    // expert 1 (p1 = 1 - p0) takes tokens 2 and 1. Token 1 sees both, expert 0 first
    // (gate sigmoid(2) > sigmoid(-2)).
    assert_eq!(t.expert_index, [0, -1, 0, 1, 1, -1]);
    assert_eq!(t.expert_load, [2, 2]);
    assert_eq!(t.unserved_tokens, 0);
    assert!(t.metrics.aux_loss.is_none());
    assert!((t.routing_weights[3] - sigmoid(-2.0)).abs() < 1e-6);
}

#[test]
fn empty_input_gives_an_empty_trace() {
    let weights = identity_layer(ExpertKind::Relu);
    let routing = Routing { router: RouterKind::Mixtral, top_k: 1, capacity: Capacity::Dropless, noise: None };
    let t = forward_cpu(&weights, &routing, &[], 0).unwrap();
    assert_eq!((t.tokens, t.output.len(), t.expert_load.clone()), (0, 0, vec![0, 0]));
    assert!(t.metrics.z_loss.is_none() && t.metrics.aux_loss.is_none());
}

#[test]
fn parameter_and_flop_counts() {
    let a = Architecture {
        d_model: 10,
        d_ff: 20,
        num_experts: 8,
        expert_kind: ExpertKind::Swiglu,
        router_bias: false,
        shared_experts: 1,
    };
    let weights = LayerWeights::random(a, 1, 1.0);
    let routing = Routing { router: RouterKind::Mixtral, top_k: 2, capacity: Capacity::Dropless, noise: None };
    let t = forward_cpu(&weights, &routing, &[0.5; 10], 1).unwrap();
    let expert = 3 * 10 * 20;
    let router = 10 * 8;
    assert_eq!(t.metrics.params_total, (router + 9 * expert) as u64);
    assert_eq!(t.metrics.params_active_per_token, (router + 3 * expert) as u64);
    assert_eq!(t.metrics.flops_active_per_token, 2 * (router + 3 * expert) as u64);
    assert_eq!(t.metrics.flops_dense_per_token, 2 * (router + 9 * expert) as u64);
}
