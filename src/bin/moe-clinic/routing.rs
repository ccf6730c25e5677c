//! The routing flags `layer` and `route` share. They only collect what was typed: the
//! library's [`RoutingRequest::resolve`] fills the gaps and validates, for the page too.

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use moe_clinic::moe::{Noise, RouterKind, RoutingRequest};

#[derive(Args)]
pub struct RoutingFlags {
    /// The router (default: the checkpoint style's, or the model's trained one).
    #[arg(long, value_parser = router_parser())]
    router: Option<RouterKind>,
    /// Experts per token (for expert-choice: the mean). Switch fixes it at 1, dense at E;
    /// a shipped model defaults to its trained k.
    #[arg(long = "top-k")]
    top_k: Option<usize>,
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
}

impl RoutingFlags {
    /// What was asked for, with `default_router` where no router was named.
    pub fn request(&self, default_router: Option<RouterKind>) -> RoutingRequest {
        RoutingRequest {
            router: self.router.or(default_router),
            top_k: self.top_k,
            capacity: self.capacity,
            capacity_factor: self.capacity_factor,
            noise: self.noise.map(|scale| Noise { scale, seed: self.seed.unwrap_or(0) }),
        }
    }
}

/// The router names from the library's one list, so `--help` and the parser never drift.
fn router_parser() -> impl TypedValueParser<Value = RouterKind> {
    PossibleValuesParser::new(RouterKind::ALL.map(RouterKind::name))
        .map(|name| name.parse::<RouterKind>().expect("the possible values are the routers' names"))
}
