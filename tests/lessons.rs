//! The lessons the page's training view teaches, reproduced from its defaults over five
//! seeds (the bar, README "Training in the browser"): without the clinic manager
//! the clinic collapses; with Switch's auxiliary loss or DeepSeek-V3's bias it stays
//! balanced; all three learn to triage. CPU path; the GPU path is checked step by step
//! against it in tests/gpu_training.rs.
#![cfg(not(target_arch = "wasm32"))]

use moe_clinic::model::dataset::Dataset;
use moe_clinic::model::session::{BalanceMode, DEFAULT_STEPS, RunOptions, Session};

const SEEDS: u64 = 5;

fn run(mode: BalanceMode, seed: u64, data: &Dataset) -> moe_clinic::model::session::Measurement {
    let options = RunOptions { balance: Some(mode), seed: Some(seed), ..Default::default() };
    let mut session = Session::new(options, data.clone(), 2000).unwrap();
    pollster::block_on(session.run(DEFAULT_STEPS)).unwrap();
    pollster::block_on(session.measure()).unwrap()
}

#[test]
fn collapse_without_the_manager_balance_with_it_and_triage_either_way() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/models/dataset.safetensors")).unwrap();
    let data = Dataset::from_safetensors(&bytes, 2000).unwrap();
    let mut collapsed = 0;
    for seed in 1..=SEEDS {
        for mode in [BalanceMode::None, BalanceMode::Aux, BalanceMode::Bias] {
            let m = run(mode, seed, &data);
            eprintln!(
                "{mode:?} seed {seed}: accuracy {:?}, load max/mean {:.2}, min/mean {:.2}",
                m.accuracy, m.load_max_over_mean, m.load_min_over_mean
            );
            for (lang, accuracy) in &m.accuracy {
                assert!(*accuracy >= 0.90, "{mode:?} seed {seed}: {lang} test accuracy {accuracy}");
            }
            match mode {
                BalanceMode::None => collapsed += usize::from(m.load_min_over_mean < 0.25),
                _ => assert!(
                    m.load_min_over_mean >= 0.5 && m.load_max_over_mean <= 2.0,
                    "{mode:?} seed {seed}: load {:.2}..{:.2} of the mean",
                    m.load_min_over_mean,
                    m.load_max_over_mean
                ),
            }
        }
    }
    assert!(collapsed >= 4, "without the manager a doctor goes idle on {collapsed} of {SEEDS} seeds");
}
