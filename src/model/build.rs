//! The shipped models, from nothing: generate the corpus, learn the tokenizer, train each
//! preset, store it in F16, reload what was stored and measure that. `moe-clinic train`
//! writes the result under `www/models/`; run again, it writes the same bytes.

use super::card::{CorpusSummary, ModelCard, Provenance};
use super::clinic::{ClinicConfig, ClinicWeights};
use super::corpus::{CorpusSpec, generate};
use super::dataset::{Dataset, balanced_sample};
use super::labels::{Lang, Specialty};
use super::tokenizer::Tokenizer;
use super::train::{Balance, EpochLog, RunnerFactory, Sample, TrainSpec, cpu_runner, train_with};
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

const fn recipe(seed: u64, balance: Balance) -> TrainSpec {
    TrainSpec {
        seed,
        epochs: 6,
        batch: 32,
        learning_rate: 3e-3,
        balance,
        capacity_factor: None,
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
            spec: recipe(12, Balance::Aux { alpha: 0.03 }),
        },
        Preset {
            name: "switch-4",
            title_en: "4 doctors, top-1, Switch-style capacity",
            title_pt: "4 médicos, top-1, capacidade estilo Switch",
            style: Style::Switch,
            kind: ExpertKind::Relu,
            experts: 4,
            shared: 0,
            // Trained at 1.25 over the batch, routing at 2.0 per sentence (see
            // `TrainSpec::capacity_factor`); the page's Switch preset shows 1.25's drops.
            routing: top(RouterKind::Switch, 1, Capacity::Factor(2.0)),
            spec: TrainSpec { capacity_factor: Some(1.25), ..recipe(11, Balance::Aux { alpha: 0.03 }) },
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
            spec: recipe(13, Balance::Aux { alpha: 0.03 }),
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
            spec: recipe(12, Balance::None),
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
    /// `dataset.safetensors`: what the page trains on (see `dataset`).
    pub dataset: Vec<u8>,
    /// `patients.json`: held-out test sentences for the page's busy day, as text.
    pub patients: Patients,
}

/// Sentences the page routes together ("a busy day"): 12 per specialty per language from
/// the held-out test split, `{"en": [...], "pt-BR": [...]}`.
#[derive(Serialize)]
pub struct Patients {
    pub en: Vec<String>,
    #[serde(rename = "pt-BR")]
    pub pt_br: Vec<String>,
}

/// Sentences per (language, specialty) in the page's training set and its test set, and
/// on its busy day.
pub const DATASET_TRAIN_PER_GROUP: usize = 1000;
pub const DATASET_TEST_PER_GROUP: usize = 100;
pub const PATIENTS_PER_GROUP: usize = 12;

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
    progress: impl FnMut(&str, &EpochLog),
) -> Result<Built> {
    build_with(presets, corpus, handwritten_tsv, &cpu_runner, progress)
}

/// As [`build`], training with the runner `make` returns (the GPU's, say).
pub fn build_with(
    presets: &[Preset],
    corpus: &CorpusSpec,
    handwritten_tsv: &str,
    make: RunnerFactory,
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
        let epochs = train_with(&mut weights, &train_set, &preset.spec, make, |log| progress(preset.name, log))
            .map_err(|e| MoeError::Config(format!("training {}: {e}", preset.name)))?;
        let bytes = weights.to_safetensors(DTYPE)?;
        // Measure what ships: the F16 weights as the page and the CLI will load them.
        let shipped = ClinicWeights::from_safetensors(&bytes)?;
        let provenance = Provenance {
            name: preset.name.to_string(),
            training: preset.spec,
            corpus: CorpusSummary {
                seed: corpus.seed,
                train_sentences: train_set.len(),
                test_sentences: test_set.len(),
                handwritten_sentences: handwritten.len(),
                vocab_size: tokenizer.vocab_size(),
            },
            epochs,
        };
        let piece = |id| tokenizer.piece(id).unwrap_or("?").to_string();
        let card = ModelCard::measure(provenance, &shipped, bytes.len(), &test_set, &handwritten, piece);
        models.push(BuiltModel { name: preset.name.to_string(), weights: bytes, card });
    }
    let dataset = Dataset {
        train: balanced_sample(&train_set, DATASET_TRAIN_PER_GROUP),
        test: balanced_sample(&test_set, DATASET_TEST_PER_GROUP),
    }
    .to_safetensors()?;
    let mut taken = [[0usize; 4]; 2];
    let mut patients = Patients { en: Vec::new(), pt_br: Vec::new() };
    for e in &data.test {
        let lang = Lang::ALL.iter().position(|&l| l == e.lang).unwrap_or(0);
        if taken[lang][e.label.index()] < PATIENTS_PER_GROUP {
            taken[lang][e.label.index()] += 1;
            if e.lang == Lang::En { &mut patients.en } else { &mut patients.pt_br }.push(e.text.clone());
        }
    }
    Ok(Built { tokenizer, models, dataset, patients })
}
