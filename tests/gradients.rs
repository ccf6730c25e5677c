//! Every backward stage against central finite differences of the forward, for every
//! expert kind and every router, the auxiliary losses included.
#![cfg(not(target_arch = "wasm32"))]

use moe_clinic::moe::backward::{BalancePull, LayerGrads, backward, z_loss};
use moe_clinic::moe::reference::forward;
use moe_clinic::moe::{Architecture, Capacity, ExpertKind, LayerWeights, RouterKind, Routing};
use moe_clinic::rng::Rng;

/// Weights of the auxiliary losses in these checks.
const BALANCE: f32 = 0.3;
const Z_LOSS: f32 = 0.05;

/// L = sum(r * y) + BALANCE * aux + Z_LOSS * z_loss, in f64 from the f32 forward.
fn loss(weights: &LayerWeights, routing: &Routing, x: &[f32], tokens: usize, r: &[f32]) -> f64 {
    let run = forward(weights, routing, x, tokens).unwrap();
    let balance = BalancePull::of_batch([&run], routing, 1.0).map_or(0.0, |p| p.loss);
    let projected: f64 = run.output.iter().zip(r).map(|(y, r)| *y as f64 * *r as f64).sum();
    projected + BALANCE as f64 * balance as f64 + Z_LOSS as f64 * z_loss(&run) as f64
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

fn check(kind: ExpertKind, routing: Routing, shared: usize, bias: bool, seed: u64) {
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
    let mut grads = LayerGrads::zeros(&weights);
    let pull = BalancePull::of_batch([&run], &routing, BALANCE);
    let dx = backward(&weights, &routing, &x, &run, &r, pull.as_ref(), Z_LOSS, &mut grads);

    let label = format!("{kind:?} {routing:?} shared {shared} bias {bias}");
    let eps = 1e-3f32;
    let compare = |what: &str, analytic: f32, plus: f64, minus: f64| {
        let numeric = (plus - minus) / (2.0 * eps as f64);
        let err = (analytic as f64 - numeric).abs();
        assert!(err <= 2e-3 + 2e-2 * numeric.abs(), "{label}: {what}: analytic {analytic}, numeric {numeric}");
    };
    for i in 0..x.len() {
        let mut xp = x.clone();
        xp[i] += eps;
        let mut xm = x.clone();
        xm[i] -= eps;
        compare(
            &format!("dx[{i}]"),
            dx[i],
            loss(&weights, &routing, &xp, tokens, &r),
            loss(&weights, &routing, &xm, tokens, &r),
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
                loss(&plus, &routing, &x, tokens, &r),
                loss(&minus, &routing, &x, tokens, &r),
            );
        }
    }
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
            check(kind, routing, i % 2, j == 1, (i * 3 + j) as u64);
        }
    }
}

/// The whole clinic model: cross-entropy plus both auxiliary losses, through head,
/// residual, MoE layer, mixer and embedding.
#[test]
fn clinic_gradients_match_finite_differences() {
    use moe_clinic::model::clinic::{ClinicConfig, ClinicGrads, ClinicWeights};
    use moe_clinic::model::labels::{Lang, Specialty};
    use moe_clinic::model::train::{Sample, accumulate};
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
        let sample = Sample { ids: vec![3, 1, 4, 1, 5, 9, 2], label: Specialty::Neurology, lang: Lang::En };
        let mut rng = Rng::new(42);
        let mut weights;
        loop {
            weights = ClinicWeights::init(config.clone(), rng.next_u64(), 0.5);
            // Larger weights than at initialisation, so every term has a visible gradient,
            // but not so large that the loss (in f32) is too big for finite differences.
            for (_, t) in weights.tensors_mut() {
                t.iter_mut().for_each(|v| *v *= 2.0);
            }
            let x = moe_clinic::model::clinic::embed(&weights, &sample.ids);
            let (_, h) = moe_clinic::model::clinic::mix(&weights, &x, sample.ids.len());
            if min_gap(&weights.moe, &routing, &h, sample.ids.len()) > 0.02
                && min_preactivation(&weights.moe, &h) > 0.01
            {
                break;
            }
        }
        let loss = |w: &ClinicWeights| {
            let mut g = ClinicGrads::zeros(w);
            let mut lg = LayerGrads::zeros(&w.moe);
            let s = accumulate(w, &w.config.routing, &sample, 0.2, 0.01, &mut g, &mut lg);
            s.cross_entropy as f64 + 0.2 * s.balance as f64 + 0.01 * s.z_loss as f64
        };
        let mut grads = ClinicGrads::zeros(&weights);
        let mut layer_grads = LayerGrads::zeros(&weights.moe);
        accumulate(&weights, &weights.config.routing, &sample, 0.2, 0.01, &mut grads, &mut layer_grads);
        let analytic: Vec<Vec<f32>> = vec![
            grads.embed,
            grads.conv,
            grads.context,
            grads.head,
            grads.head_bias,
            layer_grads.router,
            layer_grads.router_bias,
            layer_grads.w1,
            layer_grads.w3,
            layer_grads.w2,
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
