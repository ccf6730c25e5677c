//! `moe-clinic layer`: one MoE layer, safetensors in and out, like the reference blocks
//! (no residual).

use clap::Args;
use moe_clinic::engine::{BackendChoice, Engine};
use moe_clinic::moe::tensors::{Tensor, TensorFile, write_tensors};
use moe_clinic::moe::{Capacity, LayerWeights, MoeError, Noise, RouterKind, Routing, Style};
use std::path::PathBuf;

#[derive(Args)]
pub struct LayerArgs {
    /// Layer weights (safetensors, F32/F16/BF16) under Mixtral or Switch tensor names.
    #[arg(long)]
    weights: PathBuf,
    /// Prepended to every tensor name, e.g. `model.layers.0.block_sparse_moe.`.
    #[arg(long, default_value = "")]
    prefix: String,
    /// Checkpoint convention: tensor names, expert kind and default router.
    #[arg(long, value_parser = ["mixtral", "switch"])]
    style: String,
    /// Override the style's router.
    #[arg(long, value_parser = ["mixtral", "switch", "token-choice", "expert-choice", "dense"])]
    router: Option<String>,
    /// Experts per token (for expert-choice: the mean).
    #[arg(long = "top-k")]
    top_k: usize,
    /// Tokens per expert, per sequence.
    #[arg(long, conflicts_with = "capacity_factor")]
    capacity: Option<u32>,
    /// Tokens per expert = ceil(F * T * k / E), per sequence.
    #[arg(long = "capacity-factor", allow_negative_numbers = true)]
    capacity_factor: Option<f32>,
    /// Router noise scale (logit + S * n, n ~ N(0, 1) from a hash of the seed).
    #[arg(long, allow_negative_numbers = true)]
    noise: Option<f32>,
    /// Noise seed.
    #[arg(long, requires = "noise")]
    seed: Option<u32>,
    /// Where to run; `gpu` with no adapter is an error, `auto` says on stderr which ran.
    #[arg(long, default_value = "auto", value_parser = ["auto", "gpu", "cpu"])]
    backend: String,
    /// Input safetensors with `hidden_states` [T, d] (or [B, T, d], one sequence per row).
    #[arg(long)]
    input: PathBuf,
    /// Output safetensors: `hidden_states` F32, `expert_index` I32, `routing_weights` F32.
    #[arg(long)]
    output: PathBuf,
}

pub fn run(args: LayerArgs) -> Result<(), Box<dyn std::error::Error>> {
    let style: Style = args.style.parse()?;
    let read = |path: &PathBuf| std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let weights = LayerWeights::from_safetensors(&read(&args.weights)?, style, &args.prefix, None)
        .map_err(|e| format!("{}: {e}", args.weights.display()))?;
    let router: RouterKind = match &args.router {
        Some(name) => name.parse()?,
        None => style.default_router(),
    };
    let capacity = match (args.capacity, args.capacity_factor) {
        (Some(n), _) => Capacity::Absolute(n),
        (None, Some(f)) => Capacity::Factor(f),
        (None, None) => Capacity::Dropless,
    };
    let noise = args.noise.map(|scale| Noise { scale, seed: args.seed.unwrap_or(0) });
    let routing = Routing { router, top_k: args.top_k, capacity, noise };
    routing.validate(&weights.arch)?;

    let input_bytes = read(&args.input)?;
    let input = TensorFile::parse(&input_bytes).map_err(|e| format!("{}: {e}", args.input.display()))?;
    let (shape, x) = input.read_f32("hidden_states").map_err(|e| format!("{}: {e}", args.input.display()))?;
    let d = weights.arch.d_model;
    let (sequences, tokens) = match shape[..] {
        [t, width] if width == d => (1, t),
        [b, t, width] if width == d => (b, t),
        _ => {
            return Err(MoeError::Shape { name: "hidden_states".into(), expected: vec![0, d], found: shape }.into());
        }
    };

    let choice: BackendChoice = args.backend.parse()?;
    let mut engine = pollster::block_on(Engine::new(weights, choice))?;
    let slots = routing.slots(&engine.weights().arch);
    let (mut hidden, mut index, mut gates) = (Vec::new(), Vec::new(), Vec::new());
    // Capacity is counted per sequence, as in Switch Transformers: one forward each.
    for b in 0..sequences {
        let sequence = &x[b * tokens * d..(b + 1) * tokens * d];
        let trace = pollster::block_on(engine.forward(&routing, sequence, tokens))?;
        hidden.extend_from_slice(&trace.output);
        index.extend_from_slice(&trace.expert_index);
        gates.extend_from_slice(&trace.routing_weights);
    }
    let lead: Vec<usize> = if shape.len() == 3 { vec![sequences, tokens] } else { vec![tokens] };
    let with = |last: usize| lead.iter().copied().chain([last]).collect::<Vec<_>>();
    let bytes = write_tensors(
        &[
            ("hidden_states".into(), Tensor::f32(with(d), &hidden)),
            ("expert_index".into(), Tensor::i32(with(slots), &index)),
            ("routing_weights".into(), Tensor::f32(with(slots), &gates)),
        ],
        &[("format", "pt".into()), ("router", router.name().into())],
    )?;
    std::fs::write(&args.output, bytes).map_err(|e| format!("cannot write {}: {e}", args.output.display()))?;
    // Said after success, so that a failure stays one line.
    let backend = engine.backend();
    match (&backend.adapter, &backend.reason) {
        (Some(adapter), _) => eprintln!("moe-clinic: ran on the GPU: {} ({})", adapter.name, adapter.backend),
        (_, reason) => eprintln!("moe-clinic: ran on the CPU: {}", reason.as_deref().unwrap_or("")),
    }
    Ok(())
}
