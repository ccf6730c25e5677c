//! `moe-clinic route`: one text through a shipped clinic model, as JSON on stdout.

use clap::Args;
use moe_clinic::engine::{BackendChoice, Engine};
use moe_clinic::model::labels::Specialty;
use moe_clinic::model::triage::Triage;
use moe_clinic::moe::{Capacity, Noise, RouterKind, Routing};
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Args)]
pub struct RouteArgs {
    /// A shipped model: switch-4, mixtral-8, shared-gp or no-manager.
    #[arg(long, default_value = "mixtral-8")]
    model: String,
    /// Folder holding NAME.safetensors and tokenizer.json.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/www/models"))]
    models: PathBuf,
    #[arg(long, default_value = "auto", value_parser = ["auto", "gpu", "cpu"])]
    backend: String,
    /// Override the router the model was trained with.
    #[arg(long, value_parser = ["mixtral", "switch", "token-choice", "expert-choice", "dense"])]
    router: Option<String>,
    #[arg(long = "top-k")]
    top_k: Option<usize>,
    #[arg(long = "capacity-factor", allow_negative_numbers = true)]
    capacity_factor: Option<f32>,
    #[arg(long, allow_negative_numbers = true)]
    noise: Option<f32>,
    #[arg(long, requires = "noise")]
    seed: Option<u32>,
    /// The complaint, in English or Brazilian Portuguese.
    text: String,
}

pub fn run(args: RouteArgs) -> Result<(), Box<dyn std::error::Error>> {
    let read = |name: &str| {
        let path = args.models.join(name);
        std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let model = read(&format!("{}.safetensors", args.model))?;
    let tokenizer = String::from_utf8(read("tokenizer.json")?)
        .map_err(|e| format!("{} is not UTF-8 text: {e}", args.models.join("tokenizer.json").display()))?;
    let choice: BackendChoice = args.backend.parse()?;
    let mut triage = pollster::block_on(Triage::new(&model, &tokenizer, choice))?;
    let trained = triage.config().routing;
    let num_experts = triage.config().moe.num_experts;
    let router: RouterKind = args.router.as_deref().map_or(Ok(trained.router), str::parse)?;
    let top_k = args.top_k.unwrap_or(match router {
        RouterKind::Switch => 1,
        RouterKind::Dense => num_experts,
        _ => trained.top_k,
    });
    let capacity = match (args.capacity_factor, router) {
        (Some(f), _) => Capacity::Factor(f),
        (None, RouterKind::Switch | RouterKind::TokenChoice | RouterKind::ExpertChoice) => match trained.capacity {
            Capacity::Dropless => Capacity::Factor(1.25),
            other => other,
        },
        (None, _) => Capacity::Dropless,
    };
    let noise = args.noise.map(|scale| Noise { scale, seed: args.seed.unwrap_or(0) });
    let routing = Routing { router, top_k, capacity, noise };
    let trace = pollster::block_on(triage.route(&args.text, &routing))?;
    println!("{}", serde_json::to_string_pretty(&to_json(&args.text, &trace, triage.engine()))?);
    Ok(())
}

fn to_json(text: &str, t: &moe_clinic::model::triage::TriageTrace, engine: &Engine) -> Value {
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
        "backend": engine.backend(),
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
