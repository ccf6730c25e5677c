//! `moe-clinic route`: one text through a shipped clinic model, as JSON on stdout.

use crate::network::NetworkFlags;
use crate::routing::RoutingFlags;
use clap::Args;
use moe_clinic::engine::BackendChoice;
use moe_clinic::model::labels::Specialty;
use moe_clinic::model::triage::Triage;
use moe_clinic::moe::BackendInfo;
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Args)]
pub struct RouteArgs {
    /// A shipped model (switch-4, mixtral-8, shared-gp, no-manager), or the path of a
    /// model file in the same format (one trained and downloaded on the page, say).
    #[arg(long, default_value = "mixtral-8")]
    model: String,
    /// Folder holding NAME.safetensors and tokenizer.json.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/www/models"))]
    models: PathBuf,
    #[arg(long, default_value = "auto", value_parser = ["auto", "gpu", "cpu"])]
    backend: String,
    #[command(flatten)]
    routing: RoutingFlags,
    #[command(flatten)]
    network: NetworkFlags,
    /// The complaint, in English or Brazilian Portuguese.
    text: String,
}

pub fn run(args: RouteArgs) -> Result<(), Box<dyn std::error::Error>> {
    let read = |name: &str| {
        let path = args.models.join(name);
        std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    // A name is a shipped model in `--models`; anything that looks like a file is a file.
    let model = if args.model.ends_with(".safetensors") || args.model.contains('/') {
        std::fs::read(&args.model).map_err(|e| format!("cannot read {}: {e}", args.model))?
    } else {
        read(&format!("{}.safetensors", args.model))?
    };
    let tokenizer = String::from_utf8(read("tokenizer.json")?)
        .map_err(|e| format!("{} is not UTF-8 text: {e}", args.models.join("tokenizer.json").display()))?;
    let choice: BackendChoice = args.backend.parse()?;
    let mut triage = pollster::block_on(Triage::new(&model, &tokenizer, choice))?;
    let routing = args.routing.request(None).resolve(&triage.config().moe, Some(&triage.config().routing))?;
    // A bad network flag is an error before any work.
    args.network.price(&triage.config().moe, &[], 0, 0)?;
    let trace = pollster::block_on(triage.route(&args.text, &routing))?;
    let mut json = to_json(&args.text, &trace, &triage.backend());
    let layer = &trace.layer;
    if let Some(network) = args.network.price(&triage.config().moe, &layer.expert_index, layer.tokens, layer.slots)? {
        json["network"] = serde_json::to_value(network)?;
    }
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

fn to_json(text: &str, t: &moe_clinic::model::triage::TriageTrace, backend: &BackendInfo) -> Value {
    let layer = &t.layer;
    let tokens: Vec<Value> = t
        .tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            json!({
                "text": &text[token.start..token.end],
                "piece": token.piece,
                "experts": layer.slots_of(&layer.expert_index, i),
                "weights": layer.slots_of(&layer.routing_weights, i),
                "probs": &layer.probs[i * layer.num_experts..(i + 1) * layer.num_experts],
            })
        })
        .collect();
    let diagnosis = t.diagnosis.as_ref().map(|d| {
        let probs: serde_json::Map<String, Value> =
            Specialty::ALL.iter().zip(d.probs).map(|(s, p)| (s.name().to_string(), json!(p))).collect();
        json!({ "label": d.label.name(), "probs": probs })
    });
    json!({
        "tokens": tokens,
        "diagnosis": diagnosis,
        "backend": backend,
        "router": layer.router,
        "top_k": layer.top_k,
        "capacity": layer.capacity,
        "expert_load": layer.expert_load,
        "expert_demand": layer.expert_demand,
        "dropped_slots": layer.dropped_slots,
        "metrics": layer.metrics,
        "timings": layer.timings,
    })
}
