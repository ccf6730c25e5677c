//! The shipped models, from nothing: generate the corpus, learn the tokenizer, train each
//! preset, store it in F16, reload what was stored and measure that. `moe-clinic train`
//! writes the result under `www/models/`; run again, it writes the same bytes.

use super::card::{
    CorpusSummary, LABEL_RULE, ModelCard, accuracies, evaluate, expert_cards, normalised_mutual_information,
};
use super::clinic::{ClinicConfig, ClinicWeights};
use super::corpus::{CorpusSpec, generate};
use super::labels::{Lang, Specialty};
use super::tokenizer::Tokenizer;
use super::train::{EpochLog, Sample, TrainSpec, train};
use crate::moe::{Architecture, Capacity, ExpertKind, MoeError, Result, RouterKind, Routing, Style};
use serde::Serialize;

/// Vocabulary size: at 2,000 entries most words of the corpus are one or two tokens;
/// at 1,000 the English test accuracy of the small models fell below 90%.
pub const VOCAB_SIZE: usize = 2000;
/// Width of every model: the smallest that kept the quality bar (24 versus 32 changed
/// test accuracy by less than a point and saved a quarter of the bytes).
pub const D_MODEL: usize = 24;
pub const D_FF: usize = 48;
/// Storage type of the shipped weights.
pub const DTYPE: &str = "F16";

/// A model to ship: its shape, routing and training recipe.
#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    pub name: &'static str,
    pub title_en: &'static str,
    pub title_pt: &'static str,
    pub style: Style,
    pub kind: ExpertKind,
    pub experts: usize,
    pub shared: usize,
    pub routing: Routing,
    pub spec: TrainSpec,
}

const fn recipe(seed: u64, balance: f32) -> TrainSpec {
    TrainSpec {
        seed,
        epochs: 6,
        batch: 32,
        learning_rate: 3e-3,
        balance,
        z_loss: 1e-3,
        token_dropout: 0.0,
        weight_decay: 0.6,
        context_identity: 2.0,
    }
}

/// The shipped models, in the order the page lists them.
pub fn presets() -> Vec<Preset> {
    let top = |router, top_k, capacity| Routing { router, top_k, capacity, noise: None };
    vec![
        Preset {
            name: "mixtral-8",
            title_en: "8 doctors, top-2, Mixtral-style",
            title_pt: "8 médicos, top-2, estilo Mixtral",
            style: Style::Mixtral,
            kind: ExpertKind::Swiglu,
            experts: 8,
            shared: 0,
            routing: top(RouterKind::Mixtral, 2, Capacity::Dropless),
            spec: recipe(12, 0.03),
        },
        Preset {
            name: "switch-4",
            title_en: "4 doctors, top-1, Switch-style capacity",
            title_pt: "4 médicos, top-1, capacidade estilo Switch",
            style: Style::Switch,
            kind: ExpertKind::Relu,
            experts: 4,
            shared: 0,
            routing: top(RouterKind::Switch, 1, Capacity::Factor(1.25)),
            spec: recipe(11, 0.03),
        },
        Preset {
            name: "shared-gp",
            title_en: "6 doctors, top-2, plus a general practitioner everyone sees (DeepSeekMoE-style)",
            title_pt: "6 médicos, top-2, mais um clínico geral para todos (estilo DeepSeekMoE)",
            style: Style::Mixtral,
            kind: ExpertKind::Swiglu,
            experts: 6,
            shared: 1,
            routing: top(RouterKind::Mixtral, 2, Capacity::Dropless),
            spec: recipe(13, 0.03),
        },
        Preset {
            name: "no-manager",
            title_en: "8 doctors, top-2, trained without the load-balancing loss",
            title_pt: "8 médicos, top-2, treinado sem a perda de balanceamento",
            style: Style::Mixtral,
            kind: ExpertKind::Swiglu,
            experts: 8,
            shared: 0,
            routing: top(RouterKind::Mixtral, 2, Capacity::Dropless),
            spec: recipe(12, 0.0),
        },
    ]
}

impl Preset {
    pub fn config(&self, vocab_size: usize) -> ClinicConfig {
        ClinicConfig {
            name: self.name.to_string(),
            vocab_size,
            conv_width: 3,
            style: self.style,
            moe: Architecture {
                d_model: D_MODEL,
                d_ff: D_FF,
                num_experts: self.experts,
                expert_kind: self.kind,
                router_bias: false,
                shared_experts: self.shared,
            },
            routing: self.routing,
        }
    }
}

/// Reads `tests/data/handwritten.tsv`: `lang<TAB>specialty<TAB>text` after a header.
pub fn parse_handwritten(tsv: &str) -> Result<Vec<(Lang, Specialty, String)>> {
    let mut rows = Vec::new();
    for (number, line) in tsv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || MoeError::Format(format!("handwritten.tsv line {}: expected lang, specialty, text", number + 1));
        let mut fields = line.splitn(3, '\t');
        let (lang, specialty, text) =
            (fields.next().ok_or_else(bad)?, fields.next().ok_or_else(bad)?, fields.next().ok_or_else(bad)?);
        let lang = Lang::ALL.into_iter().find(|l| l.code() == lang).ok_or_else(bad)?;
        let specialty = Specialty::ALL.into_iter().find(|s| s.name() == specialty).ok_or_else(bad)?;
        rows.push((lang, specialty, text.to_string()));
    }
    Ok(rows)
}

/// One shipped model's files.
pub struct BuiltModel {
    pub name: String,
    pub weights: Vec<u8>,
    pub card: ModelCard,
}

/// Everything `moe-clinic train` writes.
pub struct Built {
    pub tokenizer: Tokenizer,
    pub models: Vec<BuiltModel>,
}

/// The page's list of models: `www/models/index.json`.
#[derive(Serialize)]
pub struct IndexEntry {
    pub name: String,
    pub title: IndexTitle,
    pub weights: String,
    pub card: String,
}

#[derive(Serialize)]
pub struct IndexTitle {
    pub en: String,
    #[serde(rename = "pt-BR")]
    pub pt_br: String,
}

pub fn index(presets: &[Preset]) -> Vec<IndexEntry> {
    presets
        .iter()
        .map(|p| IndexEntry {
            name: p.name.to_string(),
            title: IndexTitle { en: p.title_en.to_string(), pt_br: p.title_pt.to_string() },
            weights: format!("{}.safetensors", p.name),
            card: format!("{}.json", p.name),
        })
        .collect()
}

/// Builds the tokenizer and the given presets from the corpus `corpus` and the
/// hand-written sentences; `progress` hears about every epoch.
pub fn build(
    presets: &[Preset],
    corpus: &CorpusSpec,
    handwritten_tsv: &str,
    mut progress: impl FnMut(&str, &EpochLog),
) -> Result<Built> {
    let data = generate(corpus);
    let tokenizer = Tokenizer::train(data.train.iter().map(|e| e.text.as_str()), VOCAB_SIZE);
    let encode = |text: &str| tokenizer.encode(text).iter().map(|t| t.id).collect::<Vec<u32>>();
    let to_samples = |examples: &[super::corpus::Example]| -> Vec<Sample> {
        examples.iter().map(|e| Sample { ids: encode(&e.text), label: e.label, lang: e.lang }).collect()
    };
    let train_set = to_samples(&data.train);
    let test_set = to_samples(&data.test);
    let handwritten: Vec<Sample> = parse_handwritten(handwritten_tsv)?
        .into_iter()
        .map(|(lang, label, text)| Sample { ids: encode(&text), label, lang })
        .collect();

    let mut models = Vec::new();
    for preset in presets {
        let config = preset.config(tokenizer.vocab_size());
        let mut weights = ClinicWeights::init(config, preset.spec.seed, preset.spec.context_identity);
        let epochs = train(&mut weights, &train_set, &preset.spec, |log| progress(preset.name, log));
        let bytes = weights.to_safetensors(DTYPE)?;
        // Measure what ships: the F16 weights as the page and the CLI will load them.
        let shipped = ClinicWeights::from_safetensors(&bytes)?;
        let routing = shipped.config.routing;
        let test = evaluate(&shipped, &routing, &test_set);
        let hand = evaluate(&shipped, &routing, &handwritten);
        let experts = expert_cards(&test, |id| tokenizer.piece(id).unwrap_or("?").to_string());
        let mean = test.demand.iter().sum::<u64>() as f64 / test.demand.len() as f64;
        let card = ModelCard {
            name: preset.name.to_string(),
            config: shipped.config.clone(),
            training: preset.spec,
            corpus: CorpusSummary {
                seed: corpus.seed,
                train_sentences: train_set.len(),
                test_sentences: test_set.len(),
                handwritten_sentences: handwritten.len(),
                vocab_size: tokenizer.vocab_size(),
            },
            epochs,
            test_accuracy: accuracies(&test),
            handwritten_accuracy: accuracies(&hand),
            load_max_over_mean: *test.demand.iter().max().unwrap_or(&0) as f64 / mean,
            load_min_over_mean: *test.demand.iter().min().unwrap_or(&0) as f64 / mean,
            load: test.demand.clone(),
            dropped_slot_share: test.dropped_slots as f64 / test.slots.max(1) as f64,
            nmi: normalised_mutual_information(&test.joint),
            labelled_experts: experts.iter().filter(|e| e.label != "general").count(),
            experts,
            label_rule: LABEL_RULE.to_string(),
            specialties: Specialty::ALL.iter().map(|s| s.name().to_string()).collect(),
            weights_file: format!("{}.safetensors", preset.name),
            weights_bytes: bytes.len(),
        };
        models.push(BuiltModel { name: preset.name.to_string(), weights: bytes, card });
    }
    Ok(Built { tokenizer, models })
}
