//! The clinic model routing a text on a backend (`Triage`, as the page and the CLI use it)
//! against the CPU twins: every shipped model, its own routing and every router at a
//! capacity factor of 1 (so that tokens are dropped), on held-out sentences and texts of
//! zero and one token. Shared by the native GPU tests (lavapipe) and the browser suite
//! (WebGPU). Choices exactly where DESIGN.md's margin rule allows; floats within the
//! layer's tolerances (`assert_traces_match`); the head within 1e-5 + 1e-4 |x|.
#![allow(dead_code, reason = "each test file uses a different subset")]

use super::{assert_close, assert_traces_match, near_tie_tokens};
use moe_clinic::engine::BackendChoice;
use moe_clinic::model::clinic::ClinicWeights;
use moe_clinic::model::corpus::{CorpusSpec, generate};
use moe_clinic::model::triage::Triage;
use moe_clinic::moe::{RouterKind, Routing, RoutingRequest};

pub const TOKENIZER: &str = include_str!("../../www/models/tokenizer.json");
pub const MODELS: [(&str, &[u8]); 4] = [
    ("mixtral-8", include_bytes!("../../www/models/mixtral-8.safetensors")),
    ("switch-4", include_bytes!("../../www/models/switch-4.safetensors")),
    ("shared-gp", include_bytes!("../../www/models/shared-gp.safetensors")),
    ("no-manager", include_bytes!("../../www/models/no-manager.safetensors")),
];

/// The model's own routing, then every router at a capacity factor of 1 where it has one.
pub fn routings(weights: &ClinicWeights) -> Vec<Routing> {
    let arch = &weights.config.moe;
    let trained = &weights.config.routing;
    let mut all = vec![*trained];
    for router in RouterKind::ALL {
        let request = RoutingRequest { router: Some(router), ..Default::default() };
        let routing = request.resolve(arch, Some(trained)).unwrap();
        let with_capacity = RoutingRequest { capacity_factor: Some(1.0), ..request };
        all.push(with_capacity.resolve(arch, Some(trained)).unwrap_or(routing));
    }
    all
}

/// Every `every`-th held-out sentence, and texts of no token and one.
pub fn texts(every: usize) -> Vec<String> {
    let corpus = generate(&CorpusSpec::default());
    let mut texts: Vec<String> = corpus.test.iter().step_by(every).map(|e| e.text.clone()).collect();
    texts.extend(["".to_string(), "fever".to_string()]);
    texts
}

/// Routes `texts` on `backend` and on the CPU with every model and routing; asserts they
/// agree and that the backend is `kind`. Returns (routings compared exactly, routings
/// with a near-tie compared in floats only).
pub async fn check_routes(backend: BackendChoice, kind: &str, texts: &[String]) -> (usize, usize) {
    let (mut compared, mut near_ties) = (0, 0);
    for (name, bytes) in MODELS {
        let weights = ClinicWeights::from_safetensors(bytes).unwrap();
        let selection = weights.moe.selection_multipliers();
        let mut tested = Triage::new(bytes, TOKENIZER, backend).await.unwrap();
        let mut cpu = Triage::new(bytes, TOKENIZER, BackendChoice::Cpu).await.unwrap();
        assert_eq!(tested.backend().kind, kind, "{name}: {:?}", tested.backend());
        for routing in routings(&weights) {
            for text in texts {
                let label = format!("{name} {:?} “{text}”", routing.router);
                let g = tested.route(text, &routing).await.unwrap();
                let c = cpu.route(text, &routing).await.unwrap();
                assert_eq!(g.layer.backend.kind, kind, "{label}");
                assert_eq!(g.tokens, c.tokens, "{label}");
                // The margin rule (DESIGN.md): near-tied choices may go either way.
                let clear = near_tie_tokens(&c.layer, &selection).is_empty();
                assert_traces_match(&label, &g.layer, &c.layer, clear);
                match (&g.diagnosis, &c.diagnosis) {
                    (None, None) => assert!(text.is_empty(), "{label}: no diagnosis"),
                    (Some(gd), Some(cd)) if clear => {
                        // The head reads the layer's output: its tolerance, through one more matmul.
                        assert_close(&format!("{label}: head"), &gd.probs, &cd.probs, 1e-5, 1e-4);
                        let mut sorted = cd.probs;
                        sorted.sort_by(|a, b| b.total_cmp(a));
                        if sorted[0] - sorted[1] >= 1e-4 {
                            assert_eq!(gd.label, cd.label, "{label}: diagnosis");
                        }
                        compared += 1;
                    }
                    (Some(_), Some(_)) => near_ties += 1,
                    other => panic!("{label}: {other:?}"),
                }
            }
        }
    }
    assert!(near_ties * 5 <= compared, "{near_ties} near-ties against {compared} clear routings");
    (compared, near_ties)
}
