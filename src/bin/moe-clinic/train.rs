//! `moe-clinic train`: regenerates the tokenizer, the shipped models and their cards from
//! the seeds (single-threaded, bit for bit on the same kind of machine), and reports.

use clap::Args;
use moe_clinic::gpu::GpuContext;
use moe_clinic::gpu::model::GpuModel;
use moe_clinic::model::build::{Preset, build_with, index, presets};
use moe_clinic::model::card::ModelCard;
use moe_clinic::model::clinic::ClinicWeights;
use moe_clinic::model::corpus::CorpusSpec;
use moe_clinic::model::train::{Batch, RunnerFactory, StepReport, StepRunner, TrainSpec, cpu_runner, training_routing};
use std::path::PathBuf;
use std::rc::Rc;

#[derive(Args)]
pub struct TrainArgs {
    /// Models to train (default: all): switch-4, mixtral-8, shared-gp, no-manager.
    #[arg(long = "model")]
    models: Vec<String>,
    /// Where to write tokenizer.json, NAME.safetensors, NAME.json and index.json (default
    /// www/models on the CPU; target/gpu-models on the GPU, whose floats are not the
    /// CPU's bit for bit, so that the shipped files are never overwritten by accident).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Where the training steps run: the CPU twin (the shipped models) or the GPU kernels
    /// (the same stages; an error without an adapter).
    #[arg(long, default_value = "cpu", value_parser = ["cpu", "gpu"])]
    backend: String,
    /// Hand-written evaluation sentences (lang, specialty, text; tab-separated).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/handwritten.tsv"))]
    handwritten: PathBuf,
}

pub fn run(args: TrainArgs) -> Result<(), Box<dyn std::error::Error>> {
    let all = presets();
    let chosen: Vec<Preset> = if args.models.is_empty() {
        all.clone()
    } else {
        args.models
            .iter()
            .map(|name| {
                all.iter().find(|p| p.name == name).cloned().ok_or_else(|| {
                    let names: Vec<&str> = all.iter().map(|p| p.name).collect();
                    format!("unknown model `{name}`; expected one of {}", names.join(", "))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let handwritten = std::fs::read_to_string(&args.handwritten)
        .map_err(|e| format!("cannot read {}: {e}", args.handwritten.display()))?;
    let gpu = args.backend == "gpu";
    let out = args.out.clone().unwrap_or_else(|| {
        let folder = if gpu { "target/gpu-models" } else { "www/models" };
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/")).join(folder)
    });
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let context = if gpu { Some(Rc::new(pollster::block_on(GpuContext::new())?)) } else { None };
    let make_gpu = |weights: ClinicWeights, spec: TrainSpec, total: usize| -> Result<Box<dyn StepRunner>, String> {
        let ctx = Rc::clone(context.as_ref().expect("a context for the GPU"));
        let routing = training_routing(&weights.config.routing, &spec);
        let trainer =
            pollster::block_on(GpuModel::new(ctx, &weights, spec, routing, total)).map_err(|e| e.to_string())?;
        Ok(Box::new(GpuRunner(trainer)))
    };
    let make: RunnerFactory = if gpu { &make_gpu } else { &cpu_runner };
    let started = std::time::Instant::now();
    let built = build_with(&chosen, &CorpusSpec::default(), &handwritten, make, |name, log| {
        eprintln!(
            "{name} epoch {}: cross-entropy {:.4}, balance {:.3}, z-loss {:.3}, train accuracy {:.2}% ({:.0} s)",
            log.epoch,
            log.cross_entropy,
            log.balance,
            log.z_loss,
            100.0 * log.train_accuracy,
            started.elapsed().as_secs_f32()
        );
    })?;
    let write = |name: &str, bytes: &[u8]| {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("tokenizer.json", built.tokenizer.to_json().as_bytes())?;
    write("dataset.safetensors", &built.dataset)?;
    write("patients.json", (serde_json::to_string_pretty(&built.patients)? + "\n").as_bytes())?;
    write("index.json", (serde_json::to_string_pretty(&index(&all))? + "\n").as_bytes())?;
    for model in &built.models {
        write(&format!("{}.safetensors", model.name), &model.weights)?;
        write(&format!("{}.json", model.name), (serde_json::to_string_pretty(&model.card)? + "\n").as_bytes())?;
        report(&model.card);
    }
    eprintln!("wrote {} model(s) to {} in {:.0} s", built.models.len(), out.display(), started.elapsed().as_secs_f32());
    Ok(())
}

/// The GPU trainer as a runner: waits for each step and reads its report back (natively
/// the one small readback per step costs little; the page reads at most once a frame).
struct GpuRunner(GpuModel);

impl StepRunner for GpuRunner {
    fn step(&mut self, batch: &Batch) -> Result<StepReport, String> {
        pollster::block_on(self.0.step(batch)).map_err(|e| e.to_string())?;
        pollster::block_on(self.0.report()).map_err(|e| e.to_string())
    }

    fn weights(&self) -> Result<ClinicWeights, String> {
        pollster::block_on(self.0.weights()).map_err(|e| e.to_string())
    }
}

fn report(card: &ModelCard) {
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    println!("\n== {} ({} bytes)", card.name, card.weights_bytes);
    for (kind, list) in [("test", &card.test_accuracy), ("hand-written", &card.handwritten_accuracy)] {
        let parts: Vec<String> =
            list.iter().map(|a| format!("{} {} of {}", a.lang, pct(a.accuracy), a.sentences)).collect();
        println!("{kind} accuracy: {}", parts.join(", "));
    }
    println!(
        "load per expert (pre-capacity, test split): {:?}; max/mean {:.2}, min/mean {:.2}; dropped slots {}",
        card.load,
        card.load_max_over_mean,
        card.load_min_over_mean,
        pct(card.dropped_slot_share)
    );
    println!(
        "NMI(specialty; expert) {:.3}; experts with a specialty label: {} of {}",
        card.nmi,
        card.labelled_experts,
        card.experts.len()
    );
    for e in &card.experts {
        let shares: Vec<String> =
            card.specialties.iter().zip(e.shares).map(|(s, v)| format!("{} {}", &s[..4], pct(v))).collect();
        println!("  expert {}: {:<11} [{}] top tokens {:?}", e.index, e.label, shares.join(", "), e.top_tokens);
    }
}
