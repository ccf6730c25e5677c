//! The command line's flags and dispatch.

use crate::{bench, layer, route, train};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "moe-clinic",
    version,
    about = "A Mixture-of-Experts layer on WGSL compute shaders, with its CPU reference."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one MoE layer on hidden states read from a safetensors file.
    Layer(layer::LayerArgs),
    /// Time the MoE layer against every expert on every token and against one dense FFN.
    Bench(bench::BenchArgs),
    /// Route a complaint through a shipped clinic model and print the trace as JSON.
    Route(route::RouteArgs),
    /// Regenerate the tokenizer, the shipped clinic models and their cards.
    Train(train::TrainArgs),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line: clap's own message, without the usage block that follows it.
            let rendered = e.render().to_string();
            let reason = rendered.lines().next().unwrap_or("invalid arguments").trim_start_matches("error: ");
            eprintln!("moe-clinic: {reason} (see --help)");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Layer(args) => layer::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Route(args) => route::run(args),
        Command::Train(args) => train::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("moe-clinic: {e}");
            ExitCode::FAILURE
        }
    }
}
