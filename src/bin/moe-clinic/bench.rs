//! `moe-clinic bench`: the MoE layer against (a) every expert on every token (the `dense`
//! router: the work of a naive masked MoE; ideal speed-up E/k) and (b) one dense FFN with
//! k * d_ff hidden units (the same active FLOPs; ideal ratio 1). All three run through the
//! same engine and the same matmul kernels, measured in one run.

use clap::Args;
use moe_clinic::engine::{BackendChoice, Engine};
use moe_clinic::moe::{Architecture, Capacity, ExpertKind, LayerWeights, RouterKind, Routing, Trace};
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
}

const D_MODEL: usize = 256;
const D_FF: usize = 512;

/// (E, k, expert kind): Mixtral-like and Switch-like shapes.
const SHAPES: [(usize, usize, ExpertKind); 2] = [(8, 2, ExpertKind::Swiglu), (32, 1, ExpertKind::Relu)];

struct Measured {
    ms: f64,
    /// Median per-stage times, where the adapter has timestamps.
    stages: Vec<(&'static str, f64)>,
    gflops: f64,
    timer: &'static str,
}

pub fn run(args: BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    let choice: BackendChoice = args.backend.parse()?;
    println!(
        "moe-clinic bench: d_model {D_MODEL}, d_ff {D_FF}, median of {} runs after {} warm-up",
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
            let x = Rng::new(tokens as u64).normals(tokens * D_MODEL, 1.0);
            let m = measure(&mut moe, &top_k, &x, tokens, &args)?;
            let a = measure(&mut moe, &every, &x, tokens, &args)?;
            let b = measure(&mut dense, &single, &x, tokens, &args)?;
            let speedup = a.ms / m.ms;
            let ideal = experts as f64 / k as f64;
            println!(
                "| {experts} | {k} | {tokens} | {:.3} | {:.3} | {:.3} | {:.2} | {:.2}x ({ideal:.0}x) | {:.0}% | {:.2} | {} |",
                m.ms,
                a.ms,
                b.ms,
                m.gflops,
                speedup,
                100.0 * speedup / ideal,
                m.ms / b.ms,
                m.timer
            );
            if args.stages {
                for (name, v) in [("MoE", &m), ("naive", &a), ("dense FFN", &b)] {
                    let parts: Vec<String> = v.stages.iter().map(|(s, ms)| format!("{s} {ms:.3}")).collect();
                    println!("|   | {name} stages (ms): {} |", parts.join(", "));
                }
            }
        }
    }
    Ok(())
}

/// Median time of `args.runs` forwards: GPU timestamps summed over the stages where the
/// adapter has them, else wall time including upload and readback.
fn measure(
    engine: &mut Engine,
    routing: &Routing,
    x: &[f32],
    tokens: usize,
    args: &BenchArgs,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let forward = |engine: &mut Engine| pollster::block_on(engine.forward(routing, x, tokens));
    for _ in 0..args.warmup {
        forward(engine)?;
    }
    let mut times = Vec::new();
    let mut stage_times: Vec<(&'static str, Vec<f64>)> = Vec::new();
    let mut last: Option<Trace> = None;
    let mut timer = "wall";
    for _ in 0..args.runs {
        let trace = forward(engine)?;
        let ms = match &trace.timings.gpu_stages {
            Some(stages) => {
                timer = "GPU timestamps";
                for (i, s) in stages.iter().enumerate() {
                    if stage_times.len() <= i {
                        stage_times.push((s.stage, Vec::new()));
                    }
                    stage_times[i].1.push(s.ms);
                }
                stages.iter().map(|s| s.ms).sum()
            }
            None => trace.timings.wall_ms,
        };
        times.push(ms);
        last = Some(trace);
    }
    let ms = median(&mut times);
    let stages = stage_times.into_iter().map(|(name, mut t)| (name, median(&mut t))).collect();
    let trace = last.expect("at least one run");
    // Work actually done: router plus the expert rows computed, 2 FLOPs per multiply-add.
    let per_token = trace.metrics.flops_active_per_token as f64;
    Ok(Measured { ms, stages, gflops: per_token * tokens as f64 / (ms * 1e6), timer })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
