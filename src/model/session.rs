//! A training run as the page drives it: settings from the visitor, batches drawn from the
//! shipped dataset, one step at a time, measurements on the held-out sentences whenever
//! the page draws, and the result as a model file and card in the shipped format.

use super::build::{D_FF, D_MODEL};
use super::card::{CorpusSummary, ModelCard, Provenance, evaluate, expert_cards};
use super::clinic::{ClinicConfig, ClinicWeights};
use super::dataset::Dataset;
use super::labels::{Lang, Specialty};
use super::train::{Balance, Batch, StepReport, TrainSpec, Trainer, training_routing};
use crate::engine::BackendChoice;
use crate::gpu::model::GpuModel;
use crate::gpu::{GpuContext, GpuError};
use crate::moe::BackendInfo;
use crate::moe::{Architecture, CapacityRule, ExpertKind, MoeError, Noise, Result, RouterKind, RoutingRequest, Style};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// How the clinic manager balances the load, by name (the page's menu).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BalanceMode {
    None,
    Aux,
    Bias,
}

/// A run's settings; every field optional, with the page's defaults. Names as DESIGN.md's
/// (snake_case); the page's test hook maps its camelCase onto these.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunOptions {
    /// Routed experts, 2 to 16 (default 8).
    pub experts: Option<usize>,
    pub top_k: Option<usize>,
    /// Default mixtral.
    pub router: Option<RouterKind>,
    /// Default swiglu.
    pub expert_kind: Option<ExpertKind>,
    /// 0 or 1 shared expert (the general practitioner).
    pub shared_experts: Option<usize>,
    /// Default aux.
    pub balance: Option<BalanceMode>,
    /// Alpha for aux (default 0.1), gamma for bias (default 0.01).
    pub balance_strength: Option<f32>,
    /// Default 1e-3.
    pub z_loss: Option<f32>,
    /// Default 1e-2.
    pub learning_rate: Option<f32>,
    /// Sentences per step, default 32.
    pub batch: Option<usize>,
    /// Router noise while training and routing, default 0.
    pub noise: Option<f32>,
    /// Default 1.
    pub seed: Option<u64>,
    /// For routers with a capacity, default 1.25 (over the batch while training).
    pub capacity_factor: Option<f32>,
    /// Steps the learning-rate schedule spans, default 600.
    pub steps: Option<usize>,
}

pub const EXPERTS_RANGE: (usize, usize) = (2, 16);
pub const BATCH_RANGE: (usize, usize) = (1, 256);
pub const STEPS_RANGE: (usize, usize) = (1, 100_000);
/// A default run: about 2.4 passes over the 8,000 training sentences, past 90% test
/// accuracy in both languages after 150 to 300 steps (README, "Training").
pub const DEFAULT_STEPS: usize = 600;

impl RunOptions {
    /// The model's configuration and the training recipe, every value checked.
    pub fn resolve(&self, vocab_size: usize) -> Result<(ClinicConfig, TrainSpec)> {
        let bad = |what: String| MoeError::Config(what);
        let experts = self.experts.unwrap_or(8);
        if !(EXPERTS_RANGE.0..=EXPERTS_RANGE.1).contains(&experts) {
            return Err(bad(format!("experts must be {} to {}, not {experts}", EXPERTS_RANGE.0, EXPERTS_RANGE.1)));
        }
        let shared = self.shared_experts.unwrap_or(0);
        if shared > 1 {
            return Err(bad(format!("shared_experts must be 0 or 1, not {shared}")));
        }
        let expert_kind = self.expert_kind.unwrap_or(ExpertKind::Swiglu);
        let moe = Architecture {
            d_model: D_MODEL,
            d_ff: D_FF,
            num_experts: experts,
            expert_kind,
            router_bias: false,
            shared_experts: shared,
        };
        let router = self.router.unwrap_or(RouterKind::Mixtral);
        let factor = self.capacity_factor.unwrap_or(1.25);
        let noise = self.noise.unwrap_or(0.0);
        let seed = self.seed.unwrap_or(1);
        let request = RoutingRequest {
            router: Some(router),
            top_k: Some(self.top_k.unwrap_or_else(|| router.fit_top_k(2, experts))),
            capacity: None,
            capacity_factor: (router.capacity_rule() != CapacityRule::None).then_some(factor),
            noise: (noise != 0.0).then_some(Noise { scale: noise, seed: seed as u32 }),
        };
        let routing = request.resolve(&moe, None)?;
        let mode = self.balance.unwrap_or(BalanceMode::Aux);
        let strength = self.balance_strength.unwrap_or(match mode {
            BalanceMode::Bias => 0.01,
            _ => 0.1,
        });
        if !(0.0..=1.0).contains(&strength) {
            return Err(bad(format!("balance_strength must be 0 to 1, not {strength}")));
        }
        let balance = match mode {
            BalanceMode::None => Balance::None,
            BalanceMode::Aux => Balance::Aux { alpha: strength },
            BalanceMode::Bias => Balance::Bias { gamma: strength },
        };
        let z_loss = self.z_loss.unwrap_or(1e-3);
        if !(0.0..=1.0).contains(&z_loss) {
            return Err(bad(format!("z_loss must be 0 to 1, not {z_loss}")));
        }
        let learning_rate = self.learning_rate.unwrap_or(1e-2);
        if !(learning_rate > 0.0 && learning_rate <= 1.0) {
            return Err(bad(format!("learning_rate must be above 0 and at most 1, not {learning_rate}")));
        }
        let batch = self.batch.unwrap_or(32);
        if !(BATCH_RANGE.0..=BATCH_RANGE.1).contains(&batch) {
            return Err(bad(format!("batch must be {} to {} sentences, not {batch}", BATCH_RANGE.0, BATCH_RANGE.1)));
        }
        let steps = self.steps.unwrap_or(DEFAULT_STEPS);
        if !(STEPS_RANGE.0..=STEPS_RANGE.1).contains(&steps) {
            return Err(bad(format!("steps must be {} to {}, not {steps}", STEPS_RANGE.0, STEPS_RANGE.1)));
        }
        let config = ClinicConfig {
            name: "trained-in-browser".into(),
            vocab_size,
            conv_width: 3,
            style: Style::Mixtral,
            moe,
            routing,
        };
        let spec = TrainSpec {
            seed,
            // A run is counted in steps; `epochs` here is how many the schedule spans.
            epochs: 0,
            batch,
            learning_rate,
            balance,
            capacity_factor: None,
            z_loss,
            token_dropout: 0.0,
            weight_decay: 0.6,
            context_identity: 2.0,
        };
        Ok((config, spec))
    }
}

/// What the page draws after some steps: measured on the held-out sentences, one at a
/// time as the clinic routes them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measurement {
    pub step: usize,
    /// Test accuracy per language code.
    pub accuracy: Vec<(String, f64)>,
    /// Each doctor's share of the pre-capacity assignments.
    pub load: Vec<f64>,
    pub load_max_over_mean: f64,
    pub load_min_over_mean: f64,
    /// `[specialty][doctor]`: the share of each specialty's assignments each doctor gets.
    pub specialty_by_doctor: Vec<Vec<f64>>,
    /// Each doctor's label by the cards' rule.
    pub labels: Vec<String>,
}

/// What runs the steps: the CPU twin, or the GPU kernels.
enum Runner {
    Cpu(Box<Trainer>),
    Gpu(Box<GpuModel>),
}

/// A run in progress.
pub struct Session {
    runner: Runner,
    config: ClinicConfig,
    spec: TrainSpec,
    backend: BackendInfo,
    steps: usize,
    data: Dataset,
    rng: Rng,
    order: Vec<usize>,
    cursor: usize,
    options: RunOptions,
}

impl Session {
    /// A run on the CPU.
    pub fn new(options: RunOptions, data: Dataset, vocab_size: usize) -> Result<Self> {
        let (config, spec, weights, total) = Self::start(&options, &data, vocab_size)?;
        let runner = Runner::Cpu(Box::new(Trainer::new(weights, spec, total)));
        Ok(Self::assemble(runner, config, spec, BackendInfo::cpu_requested(), data, options))
    }

    /// A run on the backend `choice` asks for: the GPU kernels where an adapter exists
    /// (`Auto`) or must (`Gpu`), else the CPU, saying why.
    pub async fn new_on(
        options: RunOptions,
        data: Dataset,
        vocab_size: usize,
        choice: BackendChoice,
    ) -> std::result::Result<Self, GpuError> {
        let (config, spec, weights, total) = Self::start(&options, &data, vocab_size)?;
        let routing = training_routing(&config.routing, &spec);
        let on_gpu = async |ctx: GpuContext| {
            let ctx = Rc::new(ctx);
            let adapter = ctx.adapter.clone();
            let trainer = GpuModel::new(ctx, &weights, spec, routing, total).await?;
            Ok::<_, GpuError>((Runner::Gpu(Box::new(trainer)), BackendInfo::gpu(adapter)))
        };
        let gpu = match choice {
            BackendChoice::Cpu => Err(BackendInfo::cpu_requested()),
            BackendChoice::Gpu => Ok(on_gpu(GpuContext::new().await?).await?),
            // Training on a software rasterizer is measured slower than on the CPU twin
            // (`bench --training` on lavapipe: 47 ms against 11 ms a step), so "auto" keeps
            // to the CPU there; "gpu" still trains on it, for the parity tests.
            BackendChoice::Auto => match GpuContext::new().await {
                Ok(ctx) if ctx.adapter.is_software() => Err(BackendInfo::cpu(
                    "software-adapter",
                    format!("{} is a software rasterizer, slower at training than the CPU path", ctx.adapter.name),
                )),
                // The same rule as the clinic's `engine::Backend::choose`.
                Ok(ctx) => match on_gpu(ctx).await {
                    Ok(gpu) => Ok(gpu),
                    Err(e) if e.falls_back_under_auto() => Err(BackendInfo::cpu(e.code(), e.to_string())),
                    Err(e) => return Err(e),
                },
                Err(e) if e.falls_back_under_auto() => Err(BackendInfo::cpu(e.code(), e.to_string())),
                Err(e) => return Err(e),
            },
        };
        let (runner, backend) = match gpu {
            Ok(gpu) => gpu,
            Err(info) => (Runner::Cpu(Box::new(Trainer::new(weights, spec, total))), info),
        };
        Ok(Self::assemble(runner, config, spec, backend, data, options))
    }

    fn start(
        options: &RunOptions,
        data: &Dataset,
        vocab_size: usize,
    ) -> Result<(ClinicConfig, TrainSpec, ClinicWeights, usize)> {
        if data.train.is_empty() || data.test.is_empty() {
            return Err(MoeError::Config("the dataset needs training and test sentences".into()));
        }
        let (config, spec) = options.resolve(vocab_size)?;
        let weights = ClinicWeights::init(config.clone(), spec.seed, spec.context_identity);
        Ok((config, spec, weights, options.steps.unwrap_or(DEFAULT_STEPS)))
    }

    fn assemble(
        runner: Runner,
        config: ClinicConfig,
        spec: TrainSpec,
        backend: BackendInfo,
        data: Dataset,
        options: RunOptions,
    ) -> Self {
        let order = (0..data.train.len()).collect();
        Session { runner, config, spec, backend, steps: 0, rng: Rng::new(spec.seed), data, order, cursor: 0, options }
    }

    /// Which path runs the steps, and why the CPU if it does.
    pub fn backend(&self) -> &BackendInfo {
        &self.backend
    }

    pub fn config(&self) -> &ClinicConfig {
        &self.config
    }

    /// The next batch of the shuffled training split (reshuffled at each pass).
    fn next_batch(&mut self) -> Batch {
        let mut picked = Vec::with_capacity(self.spec.batch);
        while picked.len() < self.spec.batch {
            if self.cursor == 0 {
                for i in (1..self.order.len()).rev() {
                    self.order.swap(i, self.rng.below(i + 1));
                }
            }
            picked.push(&self.data.train[self.order[self.cursor]]);
            self.cursor = (self.cursor + 1) % self.order.len();
        }
        Batch::new(picked, self.config.vocab_size)
    }

    /// Takes `steps` steps (at least one) and returns the last one's report. On the GPU
    /// that is `steps` submissions and one readback, of the last step's report.
    pub async fn run(&mut self, steps: usize) -> std::result::Result<StepReport, GpuError> {
        let mut report = None;
        for _ in 0..steps.max(1) {
            let batch = self.next_batch();
            match &mut self.runner {
                Runner::Cpu(trainer) => report = Some(trainer.step(&batch)),
                Runner::Gpu(trainer) => trainer.step(&batch).await?,
            }
            self.steps += 1;
        }
        match &self.runner {
            Runner::Cpu(_) => Ok(report.expect("at least one step")),
            Runner::Gpu(trainer) => trainer.report().await,
        }
    }

    pub fn steps_taken(&self) -> usize {
        self.steps
    }

    /// The weights as they are now (on the GPU, one readback).
    pub async fn weights(&self) -> std::result::Result<ClinicWeights, GpuError> {
        match &self.runner {
            Runner::Cpu(trainer) => Ok(trainer.weights.clone()),
            Runner::Gpu(trainer) => trainer.weights().await,
        }
    }

    /// The held-out measurements the page draws. The sentences are routed on the CPU,
    /// one at a time as the clinic routes them, with the weights as they are now.
    pub async fn measure(&self) -> std::result::Result<Measurement, GpuError> {
        let weights = self.weights().await?;
        Ok(measure_weights(&weights, &self.data.test, self.steps))
    }

    /// The model as a file (F32) and its measured card, in the shipped models' format.
    pub async fn export(&self, piece: impl Fn(u32) -> String) -> std::result::Result<(Vec<u8>, ModelCard), GpuError> {
        let weights = self.weights().await?;
        let bytes = weights.to_safetensors("F32")?;
        let provenance = Provenance {
            name: self.config.name.clone(),
            training: self.spec,
            corpus: CorpusSummary {
                seed: self.options.seed.unwrap_or(1),
                train_sentences: self.data.train.len(),
                test_sentences: self.data.test.len(),
                handwritten_sentences: 0,
                vocab_size: self.config.vocab_size,
            },
            epochs: Vec::new(),
        };
        let card = ModelCard::measure(provenance, &weights, bytes.len(), &self.data.test, &[], piece);
        Ok((bytes, card))
    }
}

/// Held-out measurements of `weights` after `step` steps.
fn measure_weights(weights: &ClinicWeights, test: &[super::train::Sample], step: usize) -> Measurement {
    let ev = evaluate(weights, &weights.config.routing, test);
    let total: u64 = ev.demand.iter().sum();
    let experts = ev.demand.len();
    let mean = total as f64 / experts.max(1) as f64;
    let over = |v: u64| if mean > 0.0 { v as f64 / mean } else { 0.0 };
    let specialty_by_doctor = (0..4)
        .map(|c| {
            let column: u64 = ev.by_specialty.iter().map(|row| row[c]).sum();
            ev.by_specialty.iter().map(|row| row[c] as f64 / column.max(1) as f64).collect()
        })
        .collect();
    Measurement {
        step,
        accuracy: Lang::ALL.iter().map(|l| (l.code().to_string(), ev.accuracy_of(*l))).collect(),
        load: ev.demand.iter().map(|&d| d as f64 / total.max(1) as f64).collect(),
        load_max_over_mean: over(*ev.demand.iter().max().unwrap_or(&0)),
        load_min_over_mean: over(*ev.demand.iter().min().unwrap_or(&0)),
        specialty_by_doctor,
        labels: expert_cards(&ev, |id| id.to_string()).into_iter().map(|c| c.label).collect(),
    }
}

/// Specialty names in the order of `Measurement::specialty_by_doctor`.
pub fn specialty_names() -> [&'static str; 4] {
    Specialty::ALL.map(Specialty::name)
}
