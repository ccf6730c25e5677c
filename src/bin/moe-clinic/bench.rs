//! `moe-clinic bench`: the MoE layer against (a) every expert on every token (the `dense`
//! router: the work of a naive masked MoE; ideal speed-up E/k) and (b) one dense FFN with
//! k * d_ff hidden units (the same active FLOPs; ideal ratio 1). All three run through the
//! same engine and the same matmul kernels, measured in one run.

use clap::Args;
use moe_clinic::engine::{BackendChoice, Engine};
use moe_clinic::gpu::GpuContext;
use moe_clinic::gpu::model::GpuModel;
use moe_clinic::model::build::VOCAB_SIZE;
use moe_clinic::model::clinic::ClinicWeights;
use moe_clinic::model::dataset::Dataset;
use moe_clinic::model::session::RunOptions;
use moe_clinic::model::train::{Batch, Trainer, training_routing};
use moe_clinic::moe::{Architecture, Capacity, ExpertKind, LayerWeights, RouterKind, Routing};
use moe_clinic::rng::Rng;

#[derive(Args)]
pub struct BenchArgs {
    /// Where to run: the GPU (an error without an adapter) or the CPU reference.
    #[arg(long, default_value = "gpu", value_parser = ["gpu", "cpu"])]
    backend: String,
    /// Timed runs per measurement (the median is reported).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Untimed runs first.
    #[arg(long, default_value_t = 2)]
    warmup: u32,
    /// Also print each variant's per-stage GPU times (medians).
    #[arg(long)]
    stages: bool,
    /// Token counts to measure, comma-separated.
    #[arg(long, default_value = "1,64,1024", value_delimiter = ',')]
    tokens: Vec<usize>,
    /// Time training steps instead: the page's default run (8 doctors, top-2, batch 32)
    /// on the CPU twin and on the GPU kernels, interleaved block by block.
    #[arg(long)]
    training: bool,
}

const D_MODEL: usize = 256;
const D_FF: usize = 512;

/// (E, k, expert kind): Mixtral-like and Switch-like shapes.
const SHAPES: [(usize, usize, ExpertKind); 2] = [(8, 2, ExpertKind::Swiglu), (32, 1, ExpertKind::Relu)];

pub fn run(args: BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.training {
        return training(&args);
    }
    let choice: BackendChoice = args.backend.parse()?;
    println!(
        "moe-clinic bench: d_model {D_MODEL}, d_ff {D_FF}; {} runs after {} warm-up, the three variants interleaved \
         run by run; ratios are medians of the per-run ratios, with their range",
        args.runs, args.warmup
    );
    let mut header_done = false;
    for (experts, k, kind) in SHAPES {
        let arch = |num_experts, d_ff| Architecture {
            d_model: D_MODEL,
            d_ff,
            num_experts,
            expert_kind: kind,
            router_bias: false,
            shared_experts: 0,
        };
        let moe_weights = LayerWeights::random(arch(experts, D_FF), 1, 2.0 / (D_MODEL as f32).sqrt());
        let dense_weights = LayerWeights::random(arch(1, k * D_FF), 2, 1.0);
        let mut moe = pollster::block_on(Engine::new(moe_weights, choice))?;
        let mut dense = pollster::block_on(Engine::new(dense_weights, choice))?;
        if !header_done {
            let b = moe.backend();
            match b.adapter {
                Some(a) => println!("backend: GPU {} ({}, {}, {})", a.name, a.vendor, a.backend, a.device_type),
                None => println!("backend: CPU reference (single thread)"),
            }
            println!(
                "\n| E | k | T | MoE ms | naive ms | dense FFN ms | MoE GFLOP/s | speed-up vs naive (ideal E/k) | of ideal | MoE / dense FFN (ideal 1) | timer |"
            );
            println!("|---|---|---|---|---|---|---|---|---|---|---|");
            header_done = true;
        }
        let top_k = Routing { router: RouterKind::Mixtral, top_k: k, capacity: Capacity::Dropless, noise: None };
        let every = Routing { router: RouterKind::Dense, top_k: experts, capacity: Capacity::Dropless, noise: None };
        let single = Routing { router: RouterKind::Mixtral, top_k: 1, capacity: Capacity::Dropless, noise: None };
        for &tokens in &args.tokens {
            // Refused before the inputs are drawn: 10^8 tokens would be 100 GB of them.
            top_k.check_work(&moe.weights().arch, tokens)?;
            every.check_work(&moe.weights().arch, tokens)?;
            single.check_work(&dense.weights().arch, tokens)?;
            let x = Rng::new(tokens as u64).normals(tokens * D_MODEL, 1.0);
            // One sample of each variant per run, back to back, so that load from other
            // processes falls on all three alike and the per-run ratios cancel most of it.
            let (moe_arch, dense_arch) = (moe.weights().arch, dense.weights().arch);
            let mut variants = [
                Series::new(On::Moe, &moe_arch, &top_k),
                Series::new(On::Moe, &moe_arch, &every),
                Series::new(On::Dense, &dense_arch, &single),
            ];
            for run in 0..args.warmup + args.runs {
                for series in &mut variants {
                    let sample = time_one(series.engine_mut(&mut moe, &mut dense), series.routing, &x, tokens)?;
                    if run >= args.warmup {
                        series.samples.push(sample);
                    }
                }
            }
            let [m, a, b] = &variants;
            let speedups: Vec<f64> = a.ms().iter().zip(m.ms()).map(|(a, m)| a / m).collect();
            let ratios: Vec<f64> = m.ms().iter().zip(b.ms()).map(|(m, b)| m / b).collect();
            let ideal = experts as f64 / k as f64;
            let speedup = Spread::of(&speedups);
            let ratio = Spread::of(&ratios);
            let moe_ms = median(&m.ms());
            let gflops = m.flops_per_token * tokens as f64 / (moe_ms * 1e6);
            println!(
                "| {experts} | {k} | {tokens} | {moe_ms:.3} | {:.3} | {:.3} | {gflops:.2} | {} ({ideal:.0}x) | {:.0}% | {} | {} |",
                median(&a.ms()),
                median(&b.ms()),
                speedup.format("x"),
                100.0 * speedup.median / ideal,
                ratio.format(""),
                m.timer()
            );
            if args.stages {
                for (name, v) in [("MoE", m), ("naive", a), ("dense FFN", b)] {
                    let parts: Vec<String> = v.stage_medians().iter().map(|(s, ms)| format!("{s} {ms:.3}")).collect();
                    println!("|   | {name} stages (ms): {} |", parts.join(", "));
                }
            }
        }
    }
    Ok(())
}

/// Which engine a variant runs on.
#[derive(Clone, Copy, PartialEq)]
enum On {
    Moe,
    Dense,
}

/// One variant's samples.
struct Series<'a> {
    on: On,
    routing: &'a Routing,
    samples: Vec<Sample>,
    flops_per_token: f64,
}

impl<'a> Series<'a> {
    fn new(on: On, arch: &Architecture, routing: &'a Routing) -> Self {
        let expert_params = arch.params_per_expert() as f64;
        // Work actually done per token: router plus the experts it visits, 2 FLOPs per multiply-add.
        let flops_per_token = 2.0 * (arch.router_params() as f64 + routing.top_k as f64 * expert_params);
        Series { on, routing, samples: Vec::new(), flops_per_token }
    }

    fn engine_mut<'e>(&self, moe: &'e mut Engine, dense: &'e mut Engine) -> &'e mut Engine {
        match self.on {
            On::Moe => moe,
            On::Dense => dense,
        }
    }

    fn ms(&self) -> Vec<f64> {
        self.samples.iter().map(|s| s.ms).collect()
    }

    fn timer(&self) -> &'static str {
        if self.samples.iter().all(|s| s.stages.is_some()) { "GPU timestamps" } else { "wall" }
    }

    fn stage_medians(&self) -> Vec<(&'static str, f64)> {
        let Some(Some(first)) = self.samples.first().map(|s| s.stages.as_ref()) else { return Vec::new() };
        (0..first.len())
            .map(|i| {
                let times: Vec<f64> = self.samples.iter().filter_map(|s| s.stages.as_ref().map(|st| st[i].1)).collect();
                (first[i].0, median(&times))
            })
            .collect()
    }
}

/// One timed forward: GPU timestamps summed over the stages where the adapter has them,
/// else wall time including upload and readback.
struct Sample {
    ms: f64,
    stages: Option<Vec<(&'static str, f64)>>,
}

fn time_one(
    engine: &mut Engine,
    routing: &Routing,
    x: &[f32],
    tokens: usize,
) -> Result<Sample, Box<dyn std::error::Error>> {
    let trace = pollster::block_on(engine.forward(routing, x, tokens))?;
    Ok(match &trace.timings.gpu_stages {
        Some(stages) => Sample {
            ms: stages.iter().map(|s| s.ms).sum(),
            stages: Some(stages.iter().map(|s| (s.stage, s.ms)).collect()),
        },
        None => Sample { ms: trace.timings.wall_ms, stages: None },
    })
}

/// A median with the range around it.
struct Spread {
    median: f64,
    low: f64,
    high: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Self {
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Spread { median: median(values), low, high }
    }

    fn format(&self, unit: &str) -> String {
        format!("{:.2}{unit} [{:.2}-{:.2}]", self.median, self.low, self.high)
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Steps per block of a training measurement: the GPU's steps are submitted back to back
/// and waited for once, as the page does between drawn frames.
const TRAINING_BLOCK: usize = 10;

/// The page's default training run, step for step on the CPU and on the GPU.
fn training(args: &BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/models/dataset.safetensors");
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let data = Dataset::from_safetensors(&bytes, VOCAB_SIZE)?;
    let (config, spec) = RunOptions::default().resolve(VOCAB_SIZE)?;
    let weights = ClinicWeights::init(config, spec.seed, spec.context_identity);
    let blocks = args.warmup as usize + args.runs as usize;
    let total = blocks * TRAINING_BLOCK;
    // The same batches for both, in the same order.
    let batches: Vec<Batch> =
        data.train.chunks(spec.batch).take(total).map(|chunk| Batch::new(chunk, VOCAB_SIZE)).collect();
    let mut cpu = Trainer::new(weights.clone(), spec, total);
    let ctx = std::rc::Rc::new(pollster::block_on(GpuContext::new())?);
    let routing = training_routing(&weights.config.routing, &spec);
    let mut gpu = pollster::block_on(GpuModel::new(ctx.clone(), &weights, spec, routing, total))?;
    println!(
        "moe-clinic bench --training: the page's default run (8 doctors, top-2, batch 32, {} tokens a batch on average); \
         {} blocks of {TRAINING_BLOCK} steps after {} warm-up, CPU and GPU interleaved block by block",
        batches.iter().map(|b| b.ids.len()).sum::<usize>() / batches.len().max(1),
        args.runs,
        args.warmup
    );
    println!("GPU: {} ({}, {})", ctx.adapter.name, ctx.adapter.backend, ctx.adapter.device_type);
    let (mut cpu_ms, mut gpu_ms, mut stages) = (Vec::new(), Vec::new(), Vec::new());
    for block in 0..blocks {
        let steps = &batches[block * TRAINING_BLOCK..(block + 1) * TRAINING_BLOCK];
        let started = std::time::Instant::now();
        for batch in steps {
            cpu.step(batch);
        }
        let cpu_block = started.elapsed().as_secs_f64() * 1e3 / TRAINING_BLOCK as f64;
        let started = std::time::Instant::now();
        for batch in steps {
            pollster::block_on(gpu.step(batch))?;
        }
        // One readback waits for the block, as a drawn frame would.
        pollster::block_on(gpu.report())?;
        let gpu_block = started.elapsed().as_secs_f64() * 1e3 / TRAINING_BLOCK as f64;
        if block >= args.warmup as usize {
            cpu_ms.push(cpu_block);
            gpu_ms.push(gpu_block);
            if let Some(times) = pollster::block_on(gpu.stage_times())? {
                stages.push(times);
            }
        }
    }
    let ratios: Vec<f64> = cpu_ms.iter().zip(&gpu_ms).map(|(c, g)| c / g).collect();
    let (cpu_step, gpu_step) = (median(&cpu_ms), median(&gpu_ms));
    println!("\n| path | ms per step | steps per second |\n|---|---|---|");
    println!("| CPU (one thread) | {cpu_step:.2} | {:.1} |", 1e3 / cpu_step);
    println!("| GPU (one submission per step) | {gpu_step:.2} | {:.1} |", 1e3 / gpu_step);
    println!("\nCPU time over GPU time: {}", Spread::of(&ratios).format("x"));
    if let Some(first) = stages.first() {
        let parts: Vec<String> = (0..first.len())
            .map(|i| {
                let times: Vec<f64> = stages.iter().map(|s| s[i].1).collect();
                format!("{} {:.3}", first[i].0, median(&times))
            })
            .collect();
        println!("GPU time per stage of a step (ms, median, timestamp queries): {}", parts.join(", "));
    }
    Ok(())
}
