//! The shipped clinic models (`www/models/`): their cards are measurements, not claims;
//! they meet the quality bar; and `moe-clinic train` regenerates them bit for bit.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use moe_clinic::model::build::{Preset, build, parse_handwritten, presets};
use moe_clinic::model::card::{LABEL_SHARE, ModelCard, evaluate};
use moe_clinic::model::clinic::ClinicWeights;
use moe_clinic::model::corpus::{CorpusSpec, generate};
use moe_clinic::model::labels::Lang;
use moe_clinic::model::tokenizer::Tokenizer;
use moe_clinic::model::train::Sample;
use std::path::Path;

const MODELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/www/models");
const HANDWRITTEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/handwritten.tsv");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(MODELS).join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn card(name: &str) -> ModelCard {
    serde_json::from_slice(&read(&format!("{name}.json"))).unwrap()
}

#[test]
fn every_shipped_model_meets_the_quality_bar_as_its_card_says() {
    let tokenizer = Tokenizer::from_json(&String::from_utf8(read("tokenizer.json")).unwrap()).unwrap();
    let encode = |text: &str| tokenizer.encode(text).iter().map(|t| t.id).collect::<Vec<u32>>();
    let corpus = generate(&CorpusSpec::default());
    let test: Vec<Sample> =
        corpus.test.iter().map(|e| Sample { ids: encode(&e.text), label: e.label, lang: e.lang }).collect();
    let handwritten: Vec<Sample> = parse_handwritten(&std::fs::read_to_string(HANDWRITTEN).unwrap())
        .unwrap()
        .into_iter()
        .map(|(lang, label, text)| Sample { ids: encode(&text), label, lang })
        .collect();
    assert!(handwritten.iter().filter(|s| s.lang == Lang::En).count() >= 40);
    assert!(handwritten.iter().filter(|s| s.lang == Lang::PtBr).count() >= 40);

    for preset in presets() {
        let card = card(preset.name);
        let weights = ClinicWeights::from_safetensors(&read(&card.weights_file)).unwrap();
        assert_eq!(weights.config, card.config, "{}: card and weights agree", preset.name);
        let routing = weights.config.routing;
        let on_test = evaluate(&weights, &routing, &test);
        let on_hand = evaluate(&weights, &routing, &handwritten);
        for lang in Lang::ALL {
            let measured = on_test.accuracy_of(lang);
            let claimed = card.test_accuracy.iter().find(|a| a.lang == lang.code()).unwrap().accuracy;
            // 1e-12: serde_json's default float parsing may be one ulp off the printed value.
            assert!(
                (measured - claimed).abs() < 1e-12,
                "{} {}: the card's test accuracy is what the weights score",
                preset.name,
                lang.code()
            );
            assert!(measured >= 0.95, "{} {}: test accuracy {measured}", preset.name, lang.code());
            let hand = on_hand.accuracy_of(lang);
            let claimed = card.handwritten_accuracy.iter().find(|a| a.lang == lang.code()).unwrap().accuracy;
            assert!((hand - claimed).abs() < 1e-12, "{} {}: hand-written accuracy as carded", preset.name, lang.code());
            assert!(hand >= 0.85, "{} {}: hand-written accuracy {hand}", preset.name, lang.code());
        }
        assert_eq!(on_test.demand, card.load, "{}: load as carded", preset.name);
        let mean = card.load.iter().sum::<u64>() as f64 / card.load.len() as f64;
        if preset.spec.balance != moe_clinic::model::train::Balance::None {
            assert!(
                card.load.iter().all(|&l| l as f64 <= 2.0 * mean && l as f64 >= 0.5 * mean),
                "{}: balanced load {:?}",
                preset.name,
                card.load
            );
        }
        // Labels follow the stated rule, from the measured shares.
        for expert in &card.experts {
            let top = expert.shares.iter().cloned().fold(0.0, f64::max);
            assert_eq!(
                expert.label == "general",
                top < LABEL_SHARE || expert.assignments == 0,
                "{} expert {}",
                preset.name,
                expert.index
            );
        }
    }
    // Without the clinic manager, the load collapses onto a few doctors: the page's lesson.
    let collapsed = card("no-manager");
    let mean = collapsed.load.iter().sum::<u64>() as f64 / collapsed.load.len() as f64;
    assert!(collapsed.load.iter().filter(|&&l| (l as f64) < 0.1 * mean).count() >= 2, "{:?}", collapsed.load);
}

#[test]
fn training_is_deterministic() {
    let tiny = |seed| {
        let mut preset: Preset = presets().into_iter().find(|p| p.name == "switch-4").unwrap();
        preset.spec.epochs = 1;
        preset.spec.seed = seed;
        let corpus = CorpusSpec { train_per_class: 40, test_per_class: 10, ..CorpusSpec::default() };
        let built =
            build(&[preset], &corpus, "lang\tspecialty\ttext\nen\tcardiology\tMy chest hurts.\n", |_, _| {}).unwrap();
        (built.tokenizer.to_json(), built.models[0].weights.clone())
    };
    assert_eq!(tiny(5), tiny(5));
    assert_ne!(tiny(5).1, tiny(6).1);
}

/// `moe-clinic train` regenerates every shipped file bit for bit (a couple of minutes).
#[test]
fn shipped_files_regenerate_bit_for_bit() {
    let handwritten = std::fs::read_to_string(HANDWRITTEN).unwrap();
    let built = build(&presets(), &CorpusSpec::default(), &handwritten, |_, _| {}).unwrap();
    assert_eq!(built.tokenizer.to_json().as_bytes(), &read("tokenizer.json")[..], "tokenizer.json");
    assert!(built.dataset == read("dataset.safetensors"), "dataset.safetensors differs");
    let patients = serde_json::to_string_pretty(&built.patients).unwrap() + "\n";
    assert_eq!(patients.as_bytes(), &read("patients.json")[..], "patients.json");
    for model in built.models {
        assert!(model.weights == read(&format!("{}.safetensors", model.name)), "{}.safetensors differs", model.name);
        let card_json = serde_json::to_string_pretty(&model.card).unwrap() + "\n";
        assert_eq!(card_json.as_bytes(), &read(&format!("{}.json", model.name))[..], "{}.json", model.name);
    }
}

/// The runtime path the page and the CLI use (tokenizer, `Triage`, the engine on the GPU)
/// scores the shipped models on a sample of the held-out test split as the cards' CPU
/// evaluation does: the same diagnosis for every sentence whose decisions are clear
/// (no routing near-tie, classes at least 1e-4 apart), and the quality bar on the sample.
#[test]
fn the_gpu_runtime_path_diagnoses_as_the_cards_measure() {
    use moe_clinic::engine::BackendChoice;
    use moe_clinic::model::clinic::predicted_class;
    use moe_clinic::model::train::infer;
    use moe_clinic::model::triage::Triage;
    if common::gpu_context().is_none() {
        return;
    }
    let tokenizer_json = String::from_utf8(read("tokenizer.json")).unwrap();
    let tokenizer = Tokenizer::from_json(&tokenizer_json).unwrap();
    let corpus = generate(&CorpusSpec::default());
    // Every 10th test sentence: 400 of them, both languages, every specialty.
    let sample: Vec<_> = corpus.test.iter().step_by(10).collect();
    for preset in presets() {
        let bytes = read(&format!("{}.safetensors", preset.name));
        let weights = ClinicWeights::from_safetensors(&bytes).unwrap();
        let mut triage = pollster::block_on(Triage::new(&bytes, &tokenizer_json, BackendChoice::Gpu)).unwrap();
        let routing = weights.config.routing;
        let (mut correct, mut compared, mut unclear) = (0, 0, 0);
        for example in &sample {
            let trace = pollster::block_on(triage.route(&example.text, &routing)).unwrap();
            assert_eq!(trace.layer.backend.kind, "gpu");
            let gpu = trace.diagnosis.unwrap().label;
            correct += usize::from(gpu == example.label);
            let ids: Vec<u32> = tokenizer.encode(&example.text).iter().map(|t| t.id).collect();
            let (run, probs) = infer(&weights, &routing, &ids);
            let mut sorted = probs.clone();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let routing_tie = !common::near_tie_tokens(&trace.layer, &weights.moe.selection_multipliers()).is_empty();
            if routing_tie || sorted[0] - sorted[1] < 1e-4 || run.dims.tokens == 0 {
                unclear += 1;
                continue;
            }
            compared += 1;
            assert_eq!(
                gpu.index(),
                predicted_class(&probs),
                "{}: “{}” is diagnosed differently on the GPU",
                preset.name,
                example.text
            );
        }
        let accuracy = correct as f64 / sample.len() as f64;
        // A sentence of 15 tokens has a fair chance of one token whose second and third
        // choices are within 1e-5; those are left to the margin rule.
        assert!(unclear * 5 <= sample.len(), "{}: {unclear} unclear sentences", preset.name);
        assert!(accuracy >= 0.95, "{}: {accuracy} on the GPU path", preset.name);
        eprintln!(
            "{}: {correct} of {} right on the GPU path, {compared} compared with the CPU",
            preset.name,
            sample.len()
        );
    }
}
