//! Every backward stage against central finite differences of the forward, for every
//! expert kind and every router, the auxiliary losses included.
#![cfg(not(target_arch = "wasm32"))]

use moe_clinic::moe::backward::{BalancePull, backward, z_loss};
use moe_clinic::moe::reference::forward;
use moe_clinic::moe::{Architecture, Capacity, ExpertKind, LayerWeights, RouterKind, Routing};
use moe_clinic::rng::Rng;

/// Weights of the loss terms in a check: L = main * sum(r * y) + balance * aux + z * z_loss.
#[derive(Clone, Copy, Debug)]
struct Terms {
    main: f32,
    balance: f32,
    z: f32,
}

/// Everything at once, the auxiliary losses a few percent of the total, as in training.
const ALL_TERMS: Terms = Terms { main: 1.0, balance: 0.3, z: 0.05 };
/// The auxiliary losses alone, weighted to matter: a wrong auxiliary gradient would hide
/// within the tolerance of a check dominated by the main term.
const AUX_ONLY: Terms = Terms { main: 0.0, balance: 2.0, z: 0.5 };

/// The loss, in f64 from the f32 forward.
fn loss(weights: &LayerWeights, routing: &Routing, x: &[f32], tokens: usize, r: &[f32], terms: Terms) -> f64 {
    let run = forward(weights, routing, x, tokens).unwrap();
    let balance = BalancePull::of(&run, routing, 1.0).map_or(0.0, |p| p.loss);
    let projected: f64 = run.output.iter().zip(r).map(|(y, r)| *y as f64 * *r as f64).sum();
    terms.main as f64 * projected + terms.balance as f64 * balance as f64 + terms.z as f64 * z_loss(&run) as f64
}

/// The smallest gap between consecutive sorted probabilities of any token: routing must
/// not change under the finite-difference steps.
fn min_gap(weights: &LayerWeights, routing: &Routing, x: &[f32], tokens: usize) -> f32 {
    let run = forward(weights, routing, x, tokens).unwrap();
    let e = weights.arch.num_experts;
    let mut gap = f32::INFINITY;
    for t in 0..tokens {
        let mut p = run.probs[t * e..(t + 1) * e].to_vec();
        p.sort_by(|a, b| b.total_cmp(a));
        for w in p.windows(2) {
            gap = gap.min(w[0] - w[1]);
        }
    }
    gap
}

/// The smallest |w1[e,f] . x[t]| over all experts, units and tokens: ReLU's kink must not
/// lie within a finite-difference step.
fn min_preactivation(weights: &LayerWeights, x: &[f32]) -> f32 {
    let d = weights.arch.d_model;
    let mut smallest = f32::INFINITY;
    for row in weights.w1.chunks(d) {
        for xt in x.chunks(d) {
            smallest = smallest.min(row.iter().zip(xt).map(|(a, b)| a * b).sum::<f32>().abs());
        }
    }
    smallest
}

fn check(kind: ExpertKind, routing: Routing, shared: usize, bias: bool, seed: u64, terms: Terms) {
    let arch = Architecture {
        d_model: 5,
        d_ff: 7,
        num_experts: 4,
        expert_kind: kind,
        router_bias: bias,
        shared_experts: shared,
    };
    let tokens = 6;
    let mut rng = Rng::new(seed);
    // Redraw until routing is far from any tie.
    let (mut weights, mut x);
    loop {
        weights = LayerWeights::random(arch, rng.next_u64(), 0.8);
        x = rng.normals(tokens * arch.d_model, 1.0);
        if min_gap(&weights, &routing, &x, tokens) > 0.02 && min_preactivation(&weights, &x) > 0.01 {
            break;
        }
    }
    let r = rng.normals(tokens * arch.d_model, 1.0);
    let run = forward(&weights, &routing, &x, tokens).unwrap();
    let pull = BalancePull::of(&run, &routing, terms.balance);
    let dy: Vec<f32> = r.iter().map(|v| v * terms.main).collect();
    let result = backward(&weights, &routing, &x, &run, &dy, pull.as_ref(), terms.z);
    let (dx, grads) = (&result.dx, &result.grads);

    let label = format!("{kind:?} {routing:?} shared {shared} bias {bias} {terms:?}");
    let eps = 1e-3f32;
    let mut checked_nonzero = 0;
    let mut compare = |what: &str, analytic: f32, plus: f64, minus: f64| {
        let numeric = (plus - minus) / (2.0 * eps as f64);
        let err = (analytic as f64 - numeric).abs();
        assert!(err <= 2e-3 + 2e-2 * numeric.abs(), "{label}: {what}: analytic {analytic}, numeric {numeric}");
        checked_nonzero += usize::from(numeric.abs() > 1e-2);
    };
    for i in 0..x.len() {
        let mut xp = x.clone();
        xp[i] += eps;
        let mut xm = x.clone();
        xm[i] -= eps;
        compare(
            &format!("dx[{i}]"),
            dx[i],
            loss(&weights, &routing, &xp, tokens, &r, terms),
            loss(&weights, &routing, &xm, tokens, &r, terms),
        );
    }
    type Field = fn(&mut LayerWeights) -> &mut Vec<f32>;
    let fields: [(&str, Field, &Vec<f32>); 5] = [
        ("router", |w| &mut w.router, &grads.router),
        ("router_bias", |w| &mut w.router_bias, &grads.router_bias),
        ("w1", |w| &mut w.w1, &grads.w1),
        ("w3", |w| &mut w.w3, &grads.w3),
        ("w2", |w| &mut w.w2, &grads.w2),
    ];
    for (name, field, grad) in fields {
        let len = field(&mut weights.clone()).len();
        // Every router and bias entry; a sample of the expert matrices.
        let picks: Vec<usize> = if len <= 40 { (0..len).collect() } else { (0..40).map(|_| rng.below(len)).collect() };
        for i in picks {
            let mut plus = weights.clone();
            field(&mut plus)[i] += eps;
            let mut minus = weights.clone();
            field(&mut minus)[i] -= eps;
            compare(
                &format!("{name}[{i}]"),
                grad[i],
                loss(&plus, &routing, &x, tokens, &r, terms),
                loss(&minus, &routing, &x, tokens, &r, terms),
            );
        }
    }
    // The check compared gradients that matter, not zeros against zeros.
    assert!(checked_nonzero >= 5, "{label}: only {checked_nonzero} gradients above 1e-2");
}

#[test]
fn layer_gradients_match_finite_differences() {
    let routings = [
        Routing { router: RouterKind::Mixtral, top_k: 2, capacity: Capacity::Dropless, noise: None },
        Routing { router: RouterKind::Switch, top_k: 1, capacity: Capacity::Absolute(2), noise: None },
        Routing { router: RouterKind::TokenChoice, top_k: 2, capacity: Capacity::Absolute(3), noise: None },
        Routing { router: RouterKind::ExpertChoice, top_k: 1, capacity: Capacity::Factor(1.0), noise: None },
        Routing { router: RouterKind::Dense, top_k: 4, capacity: Capacity::Dropless, noise: None },
    ];
    for (i, routing) in routings.into_iter().enumerate() {
        for (j, kind) in ExpertKind::ALL.into_iter().enumerate() {
            check(kind, routing, i % 2, j == 1, (i * 3 + j) as u64, ALL_TERMS);
        }
        // The auxiliary losses alone, where the routers have them (the z-loss everywhere).
        check(ExpertKind::Relu, routing, 0, true, 100 + i as u64, AUX_ONLY);
    }
}

/// The whole clinic model on a batch of three sentences: cross-entropy plus both
/// auxiliary losses, through head, pooling, residual, MoE layer, mixer and embedding.
#[test]
fn clinic_gradients_match_finite_differences() {
    use moe_clinic::model::clinic::{ClinicConfig, ClinicWeights};
    use moe_clinic::model::labels::{Lang, Specialty};
    use moe_clinic::model::train::{Balance, Batch, Sample, TrainSpec, forward, gradients, losses};
    use moe_clinic::moe::Style;

    for (style, kind, routing, shared) in [
        (
            Style::Switch,
            ExpertKind::Relu,
            Routing { router: RouterKind::Switch, top_k: 1, capacity: Capacity::Factor(1.25), noise: None },
            0,
        ),
        (
            Style::Mixtral,
            ExpertKind::Swiglu,
            Routing { router: RouterKind::Mixtral, top_k: 2, capacity: Capacity::Dropless, noise: None },
            1,
        ),
    ] {
        let config = ClinicConfig {
            name: "test".into(),
            vocab_size: 11,
            conv_width: 3,
            style,
            moe: Architecture {
                d_model: 6,
                d_ff: 5,
                num_experts: 4,
                expert_kind: kind,
                router_bias: false,
                shared_experts: shared,
            },
            routing,
        };
        let spec = TrainSpec {
            seed: 0,
            epochs: 1,
            batch: 3,
            learning_rate: 0.0,
            balance: Balance::Aux { alpha: 0.2 },
            capacity_factor: None,
            z_loss: 0.01,
            token_dropout: 0.0,
            weight_decay: 0.0,
            context_identity: 0.5,
        };
        // Three sentences of different lengths, one of a single token: every segment
        // boundary of the mixer and the pooling is crossed.
        let samples = [
            Sample { ids: vec![3, 1, 4, 1, 5], label: Specialty::Neurology, lang: Lang::En },
            Sample { ids: vec![9], label: Specialty::Cardiology, lang: Lang::PtBr },
            Sample { ids: vec![2, 6, 5, 3], label: Specialty::Pediatrics, lang: Lang::En },
        ];
        let batch = Batch::new(&samples, 11);
        let mut rng = Rng::new(42);
        let mut weights;
        loop {
            weights = ClinicWeights::init(config.clone(), rng.next_u64(), 0.5);
            // Larger weights than at initialisation, so every term has a visible gradient,
            // but not so large that the loss (in f32) is too big for finite differences.
            for (_, t) in weights.tensors_mut() {
                t.iter_mut().for_each(|v| *v *= 2.0);
            }
            let h = forward(&weights, &routing, &batch).mix.h;
            let tokens = batch.segments.tokens();
            if min_gap(&weights.moe, &routing, &h, tokens) > 0.02 && min_preactivation(&weights.moe, &h) > 0.01 {
                break;
            }
        }
        let loss = |w: &ClinicWeights| losses(&forward(w, &routing, &batch), &batch, &routing, &spec).0.total as f64;
        let f = forward(&weights, &routing, &batch);
        let (_, pull) = losses(&f, &batch, &routing, &spec);
        let g = gradients(&weights, &routing, &batch, &f, pull.as_ref(), spec.z_loss);
        let analytic: Vec<Vec<f32>> = vec![
            g.clinic.embed,
            g.clinic.conv,
            g.clinic.context,
            g.clinic.head,
            g.clinic.head_bias,
            g.layer.grads.router,
            g.layer.grads.router_bias,
            g.layer.grads.w1,
            g.layer.grads.w3,
            g.layer.grads.w2,
        ];
        let eps = 1e-3f32;
        let names: Vec<&str> = weights.clone().tensors_mut().iter().map(|(n, _)| *n).collect();
        for (k, name) in names.iter().enumerate() {
            let len = analytic[k].len();
            let picks: Vec<usize> =
                if len <= 30 { (0..len).collect() } else { (0..30).map(|_| rng.below(len)).collect() };
            for i in picks {
                let mut plus = weights.clone();
                plus.tensors_mut()[k].1[i] += eps;
                let mut minus = weights.clone();
                minus.tensors_mut()[k].1[i] -= eps;
                let numeric = (loss(&plus) - loss(&minus)) / (2.0 * eps as f64);
                let err = (analytic[k][i] as f64 - numeric).abs();
                assert!(
                    err <= 2e-3 + 2e-2 * numeric.abs(),
                    "{style:?} {name}[{i}]: analytic {}, numeric {numeric}",
                    analytic[k][i]
                );
            }
        }
    }
}
