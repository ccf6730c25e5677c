//! `moe-clinic layer`: one MoE layer, safetensors in and out, like the reference blocks
//! (no residual).

use crate::network::NetworkFlags;
use crate::routing::RoutingFlags;
use clap::Args;
use moe_clinic::engine::{BackendChoice, Engine};
use moe_clinic::moe::config::{MAX_SEQUENCES, MAX_WORK_FLOPS};
use moe_clinic::moe::tensors::{Tensor, TensorFile, write_tensors};
use moe_clinic::moe::{LayerWeights, MoeError, Style};
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
    #[command(flatten)]
    routing: RoutingFlags,
    /// Where to run; `gpu` with no adapter is an error, `auto` says on stderr which ran.
    #[arg(long, default_value = "auto", value_parser = ["auto", "gpu", "cpu"])]
    backend: String,
    /// Input safetensors with `hidden_states` [T, d] (or [B, T, d], one sequence per row).
    #[arg(long)]
    input: PathBuf,
    /// Output safetensors: `hidden_states` F32, `expert_index` I32, `routing_weights` F32.
    #[arg(long)]
    output: PathBuf,
    #[command(flatten)]
    network: NetworkFlags,
    /// Write the network object here instead of to standard error.
    #[arg(long = "network-json", requires = "devices")]
    network_json: Option<PathBuf>,
}

pub fn run(args: LayerArgs) -> Result<(), Box<dyn std::error::Error>> {
    let style: Style = args.style.parse()?;
    let read = |path: &PathBuf| std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let weights = LayerWeights::from_safetensors(&read(&args.weights)?, style, &args.prefix, None)
        .map_err(|e| format!("{}: {e}", args.weights.display()))?;
    // A checkpoint carries no trained routing: only the style's router is assumed.
    let routing = args.routing.request(Some(style.default_router())).resolve(&weights.arch, None)?;

    let input_bytes = read(&args.input)?;
    let input = TensorFile::parse(&input_bytes).map_err(|e| format!("{}: {e}", args.input.display()))?;
    let (shape, x) = input.read_f32("hidden_states").map_err(|e| format!("{}: {e}", args.input.display()))?;
    let d = weights.arch.d_model;
    let (sequences, tokens) = match shape[..] {
        [t, width] if width == d => (1, t),
        [b, t, width] if width == d => (b, t),
        _ => {
            return Err(MoeError::Input(format!(
                "{}: `hidden_states` has shape {shape:?}; the layer needs [tokens, {d}] or [sequences, tokens, {d}] \
                 (d_model = {d})",
                args.input.display()
            ))
            .into());
        }
    };
    // Before any work: a shape the data cannot back, or more work than anyone waits for.
    if sequences > MAX_SEQUENCES {
        return Err(format!("{sequences} sequences; the limit is {MAX_SEQUENCES} (MAX_SEQUENCES)").into());
    }
    routing.check_work(&weights.arch, tokens)?;
    let total = routing.forward_flops(&weights.arch, tokens).saturating_mul(sequences as u64);
    if total > MAX_WORK_FLOPS {
        return Err(format!(
            "{sequences} sequences of {tokens} tokens would take {total:.3e} FLOPs; the limit is {:.3e} (MAX_WORK_FLOPS)",
            MAX_WORK_FLOPS as f64
        )
        .into());
    }

    // A bad network flag is an error before any work.
    args.network.price(&weights.arch, &[], 0, 0)?;
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
        &[("format", "pt".into()), ("router", routing.router.name().into())],
    )?;
    std::fs::write(&args.output, bytes).map_err(|e| format!("cannot write {}: {e}", args.output.display()))?;
    // All sequences together are the batch the devices share.
    if let Some(network) = args.network.price(&engine.weights().arch, &index, sequences * tokens, slots)? {
        let json = serde_json::to_string_pretty(&serde_json::json!({ "network": network }))?;
        match &args.network_json {
            Some(path) => std::fs::write(path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            None => eprintln!("{json}"),
        }
    }
    // Said after success, so that a failure stays one line.
    let backend = engine.backend();
    match (&backend.adapter, &backend.reason) {
        (Some(adapter), _) => eprintln!("moe-clinic: ran on the GPU: {} ({})", adapter.name, adapter.backend),
        (_, reason) => eprintln!("moe-clinic: ran on the CPU: {}", reason.as_deref().unwrap_or("")),
    }
    Ok(())
}
