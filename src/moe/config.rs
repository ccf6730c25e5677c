//! What a layer is (its [`Architecture`], fixed by its weights) and how it routes (its
//! [`Routing`], which the page changes on every click without reloading weights).
//!
//! The routers' semantics are defined in DESIGN.md ("Routers"); this file only names them
//! and rejects combinations that have no meaning.

use super::error::{MoeError, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The expert feed-forward network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpertKind {
    /// Switch Transformer: `wo relu(wi x)`.
    Relu,
    /// Mixtral: `w2 (silu(w1 x) * (w3 x))`.
    Swiglu,
    /// `w2 gelu(w1 x)` with the tanh approximation of GELU.
    Gelu,
}

impl ExpertKind {
    pub const ALL: [ExpertKind; 3] = [ExpertKind::Relu, ExpertKind::Swiglu, ExpertKind::Gelu];

    pub fn name(self) -> &'static str {
        match self {
            ExpertKind::Relu => "relu",
            ExpertKind::Swiglu => "swiglu",
            ExpertKind::Gelu => "gelu",
        }
    }

    /// Weight matrices of size d_model x d_ff per expert.
    pub fn matrices(self) -> usize {
        match self {
            ExpertKind::Swiglu => 3,
            ExpertKind::Relu | ExpertKind::Gelu => 2,
        }
    }

    /// The code the WGSL kernels use for this kind (`EXPERT_KIND` override constant).
    pub fn code(self) -> u32 {
        match self {
            ExpertKind::Relu => 0,
            ExpertKind::Swiglu => 1,
            ExpertKind::Gelu => 2,
        }
    }
}

/// How tokens are assigned to experts. Names are shared by the engine, CLI, page and URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouterKind {
    /// Top-k of p, gates renormalised over the k. Dropless.
    Mixtral,
    /// Top-1 of p, capacity per sequence in token order, gate = p_max.
    Switch,
    /// GShard: top-k, renormalised before capacity; first choices seated before second ones.
    TokenChoice,
    /// Zhou et al. 2022: each expert takes its top-C tokens; gate = p.
    ExpertChoice,
    /// Every expert on every token, gates = p.
    Dense,
}

impl RouterKind {
    pub const ALL: [RouterKind; 5] =
        [RouterKind::Mixtral, RouterKind::Switch, RouterKind::TokenChoice, RouterKind::ExpertChoice, RouterKind::Dense];

    pub fn name(self) -> &'static str {
        match self {
            RouterKind::Mixtral => "mixtral",
            RouterKind::Switch => "switch",
            RouterKind::TokenChoice => "token-choice",
            RouterKind::ExpertChoice => "expert-choice",
            RouterKind::Dense => "dense",
        }
    }

    /// The code the WGSL kernels use for this router (`Params.router`).
    pub fn code(self) -> u32 {
        match self {
            RouterKind::Mixtral => 0,
            RouterKind::Switch => 1,
            RouterKind::TokenChoice => 2,
            RouterKind::ExpertChoice => 3,
            RouterKind::Dense => 4,
        }
    }

    /// Whether the router's gates are the chosen p renormalised to sum to one.
    pub fn renormalises(self) -> bool {
        matches!(self, RouterKind::Mixtral | RouterKind::TokenChoice)
    }

    /// How this router sets k.
    pub fn top_k_rule(self) -> TopKRule {
        match self {
            RouterKind::Switch => TopKRule::One,
            RouterKind::Dense => TopKRule::AllExperts,
            RouterKind::Mixtral | RouterKind::TokenChoice | RouterKind::ExpertChoice => TopKRule::Free,
        }
    }

    /// Whether a capacity limits how many tokens each expert seats.
    pub fn capacity_rule(self) -> CapacityRule {
        match self {
            RouterKind::Mixtral | RouterKind::Dense => CapacityRule::None,
            RouterKind::Switch | RouterKind::TokenChoice => CapacityRule::Optional,
            RouterKind::ExpertChoice => CapacityRule::Required,
        }
    }

    /// Whether each token chooses its top-k experts (rather than experts choosing tokens,
    /// or every token taking every expert).
    pub fn tokens_choose(self) -> bool {
        matches!(self, RouterKind::Mixtral | RouterKind::Switch | RouterKind::TokenChoice)
    }

    /// Whether the load can be balanced (the auxiliary loss, DeepSeek-V3's selection bias):
    /// where tokens choose. Expert-choice is balanced by construction and dense has no
    /// choice to balance.
    pub fn has_balance_loss(self) -> bool {
        self.tokens_choose()
    }

    /// The k this router uses when `requested` is asked for with `experts` experts: the
    /// request where the router leaves k free, the router's own k where it fixes it.
    pub fn fit_top_k(self, requested: usize, experts: usize) -> usize {
        match self.top_k_rule() {
            TopKRule::Free => requested.clamp(1, experts.max(1)),
            TopKRule::One => 1,
            TopKRule::AllExperts => experts,
        }
    }

    /// Everything a page or a command line needs to know about this router.
    pub fn info(self) -> RouterInfo {
        RouterInfo {
            name: self.name(),
            top_k: self.top_k_rule(),
            capacity: self.capacity_rule(),
            balance_loss: self.has_balance_loss(),
            renormalises: self.renormalises(),
        }
    }

    /// "mixtral, switch, ...": for messages that list the choices.
    pub fn names() -> String {
        RouterKind::ALL.map(RouterKind::name).join(", ")
    }
}

/// How a router sets k, its experts per token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TopKRule {
    /// Any k from 1 to E.
    Free,
    /// Exactly one expert per token (Switch).
    One,
    /// Every expert on every token (dense).
    AllExperts,
}

/// Whether a router takes a capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapacityRule {
    /// Dropless: a capacity is an error.
    None,
    /// Dropless unless a capacity is given.
    Optional,
    /// Needs a capacity (expert-choice: how many tokens each expert picks).
    Required,
}

/// A router's rules, as the wasm module exports them to the page: the page builds its
/// menus and clamps from this, so each rule is decided here and nowhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RouterInfo {
    pub name: &'static str,
    pub top_k: TopKRule,
    pub capacity: CapacityRule,
    pub balance_loss: bool,
    pub renormalises: bool,
}

impl fmt::Display for RouterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RouterKind {
    type Err = MoeError;
    fn from_str(s: &str) -> Result<Self> {
        RouterKind::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| MoeError::Config(format!("unknown router `{s}`; expected one of: {}", RouterKind::names())))
    }
}

impl FromStr for ExpertKind {
    type Err = MoeError;
    fn from_str(s: &str) -> Result<Self> {
        ExpertKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| MoeError::Config(format!("unknown expert kind `{s}`; expected relu, swiglu or gelu")))
    }
}

/// Appointment slots per doctor.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capacity {
    /// No limit: nobody is turned away.
    Dropless,
    /// At most this many tokens per expert.
    Absolute(u32),
    /// ceil(factor * T * k / E) tokens per expert.
    Factor(f32),
}

/// Noisy routing with a fixed scale (Shazeer et al. 2017, simplified). See `noise.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    pub scale: f32,
    pub seed: u32,
}

/// The shape of a layer: fixed by its weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Architecture {
    pub d_model: usize,
    pub d_ff: usize,
    /// Routed experts (E).
    pub num_experts: usize,
    pub expert_kind: ExpertKind,
    /// Whether the router's linear map has a bias (Switch's `router.classifier.bias`).
    pub router_bias: bool,
    /// Experts every token visits with weight 1 (DeepSeekMoE), after the routed ones.
    pub shared_experts: usize,
}

/// The largest dimensions accepted anywhere; beyond these the arithmetic on sizes could
/// overflow a u32 index in the kernels long before any adapter limit is reached.
pub const MAX_DIM: usize = 1 << 16;
/// Values in one layer's weights (4 GiB of f32 would not even fit a wasm32 memory).
pub const MAX_WEIGHTS: u64 = 1 << 28;
/// Tokens in one forward.
pub const MAX_FORWARD_TOKENS: usize = 1 << 20;
/// Bytes one forward's work arrays may take (router outputs, assignments, expert rows).
pub const MAX_FORWARD_BYTES: u64 = 1 << 30;
/// FLOPs of one call (a forward, or all the sequences of `moe-clinic layer`): about a
/// minute of the CPU reference on one core, far longer than anyone waits for a page.
pub const MAX_WORK_FLOPS: u64 = 1 << 40;
/// Sequences in one `moe-clinic layer` input.
pub const MAX_SEQUENCES: usize = 1 << 16;
/// Router noise beyond this scale routes at random anyway, and near f32::MAX it turns the
/// logits into infinities.
pub const MAX_NOISE_SCALE: f32 = 10.0;
/// Capacity factors accepted. Below the minimum a short sequence would get 0 slots per
/// expert (refused like `capacity 0`); above the maximum every router is dropless anyway.
pub const CAPACITY_FACTOR_RANGE: (f32, f32) = (0.01, 64.0);
/// More experts than this would make the per-token selection loops in WGSL impractical.
pub const MAX_EXPERTS: usize = 256;

impl Architecture {
    pub fn validate(&self) -> Result<()> {
        if self.num_experts == 0 {
            return Err(MoeError::Config("the layer needs at least one expert (E = 0)".into()));
        }
        if self.num_experts > MAX_EXPERTS {
            return Err(MoeError::Config(format!(
                "{} experts is more than the {MAX_EXPERTS} this engine supports",
                self.num_experts
            )));
        }
        if self.shared_experts > MAX_EXPERTS {
            return Err(MoeError::Config(format!(
                "{} shared experts is more than the {MAX_EXPERTS} this engine supports",
                self.shared_experts
            )));
        }
        for (name, value) in [("d_model", self.d_model), ("d_ff", self.d_ff)] {
            if value == 0 {
                return Err(MoeError::Config(format!("{name} must be at least 1")));
            }
            if value > MAX_DIM {
                return Err(MoeError::Config(format!("{name} = {value} is larger than {MAX_DIM}")));
            }
        }
        // In u64 so that no product wraps, whatever the target's usize (wasm32: 32 bits).
        let weights = self.total_experts() as u64 * self.params_per_expert() + self.router_params();
        if weights > MAX_WEIGHTS {
            return Err(MoeError::Config(format!(
                "the layer would hold {weights} weights; the limit is {MAX_WEIGHTS} (MAX_WEIGHTS)"
            )));
        }
        Ok(())
    }

    /// Routed plus shared experts: the experts the weights hold.
    pub fn total_experts(&self) -> usize {
        self.num_experts + self.shared_experts
    }

    /// Parameters of one expert (no biases: neither reference block has expert biases).
    pub fn params_per_expert(&self) -> u64 {
        self.expert_kind.matrices() as u64 * self.d_model as u64 * self.d_ff as u64
    }

    /// Parameters of the router's linear map.
    pub fn router_params(&self) -> u64 {
        let e = self.num_experts as u64;
        self.d_model as u64 * e + if self.router_bias { e } else { 0 }
    }
}

/// How a layer routes: may change between calls without touching the weights.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Routing {
    pub router: RouterKind,
    /// k: experts per token (for expert-choice, the mean number of experts per token).
    pub top_k: usize,
    pub capacity: Capacity,
    pub noise: Option<Noise>,
}

impl Routing {
    /// Rejects combinations without a meaning, with messages that say what to change.
    pub fn validate(&self, arch: &Architecture) -> Result<()> {
        let e = arch.num_experts;
        let k = self.top_k;
        if k == 0 {
            return Err(MoeError::Config("k (top-k) must be at least 1".into()));
        }
        if k > e {
            return Err(MoeError::Config(format!("k = {k} is larger than the number of experts E = {e}")));
        }
        match self.router.top_k_rule() {
            TopKRule::One if k != 1 => {
                return Err(MoeError::Config(format!(
                    "the {} router sends each token to exactly one expert; k must be 1, not {k}",
                    self.router
                )));
            }
            TopKRule::AllExperts if k != e => {
                return Err(MoeError::Config(format!(
                    "the {} router uses every expert; k must equal E = {e}, not {k}",
                    self.router
                )));
            }
            _ => {}
        }
        match self.capacity {
            Capacity::Dropless if self.router.capacity_rule() == CapacityRule::Required => {
                return Err(MoeError::Config(
                    "expert-choice routing needs a capacity or a capacity factor: each expert picks that many tokens"
                        .into(),
                ));
            }
            Capacity::Absolute(_) | Capacity::Factor(_) if self.router.capacity_rule() == CapacityRule::None => {
                return Err(MoeError::Config(format!(
                    "the {} router is dropless and takes no capacity; use token-choice, switch or expert-choice for capacity",
                    self.router
                )));
            }
            Capacity::Absolute(0) => {
                return Err(MoeError::Config("capacity 0 would drop every token; it must be at least 1".into()));
            }
            Capacity::Factor(f) if !(CAPACITY_FACTOR_RANGE.0..=CAPACITY_FACTOR_RANGE.1).contains(&f) => {
                let (low, high) = CAPACITY_FACTOR_RANGE;
                return Err(MoeError::Config(format!(
                    "the capacity factor must be a positive number from {low} to {high}, not {f}"
                )));
            }
            _ => {}
        }
        if let Some(noise) = self.noise
            && !(0.0..=MAX_NOISE_SCALE).contains(&noise.scale)
        {
            return Err(MoeError::Config(format!(
                "the noise scale must be a number from 0 to {MAX_NOISE_SCALE}, not {}",
                noise.scale
            )));
        }
        Ok(())
    }

    /// Slots per token in `expert_index` / `routing_weights`: k for top-k routers, E for
    /// expert-choice (a token may be taken by any number of experts) and dense.
    pub fn slots(&self, arch: &Architecture) -> usize {
        match self.router {
            RouterKind::ExpertChoice | RouterKind::Dense => arch.num_experts,
            _ => self.top_k,
        }
    }

    /// Tokens an expert may seat for a sequence of `tokens` tokens; `None` is unlimited.
    ///
    /// For token-choice routers this caps how many assignments an expert seats; for
    /// expert-choice it is C, how many tokens each expert picks.
    pub fn expert_capacity(&self, arch: &Architecture, tokens: usize) -> Option<usize> {
        let from_factor = |factor: f32| {
            let exact = factor as f64 * (tokens * self.top_k) as f64 / arch.num_experts as f64;
            // The factor arrives as f32 (1.1 is 1.10000002...); without this tolerance
            // ceil(1.1 * 10 / 11) would give 2 instead of the intended 1.
            (exact - 1e-6 * exact.max(1.0)).ceil().max(0.0) as usize
        };
        let capacity = match self.capacity {
            Capacity::Dropless => return None,
            Capacity::Absolute(n) => n as usize,
            Capacity::Factor(f) => from_factor(f),
        };
        Some(match self.router {
            RouterKind::ExpertChoice => capacity.min(tokens),
            _ => capacity,
        })
    }

    /// Refuses a forward of `tokens` tokens whose memory or work exceeds the limits, before
    /// anything is allocated; each error names its limit. In u64, so nothing wraps on
    /// wasm32.
    pub fn check_work(&self, arch: &Architecture, tokens: usize) -> Result<()> {
        if tokens > MAX_FORWARD_TOKENS {
            return Err(MoeError::Input(format!(
                "{tokens} tokens in one forward; the limit is {MAX_FORWARD_TOKENS} (MAX_FORWARD_TOKENS)"
            )));
        }
        let bytes = self.forward_bytes(arch, tokens);
        if bytes > MAX_FORWARD_BYTES {
            return Err(MoeError::Input(format!(
                "{tokens} tokens would need {} MiB of work arrays; the limit is {} MiB (MAX_FORWARD_BYTES)",
                bytes >> 20,
                MAX_FORWARD_BYTES >> 20
            )));
        }
        let flops = self.forward_flops(arch, tokens);
        if flops > MAX_WORK_FLOPS {
            return Err(MoeError::Input(format!(
                "{tokens} tokens would take {flops:.3e} FLOPs; the limit is {:.3e} (MAX_WORK_FLOPS)",
                MAX_WORK_FLOPS as f64
            )));
        }
        Ok(())
    }

    /// Bytes of the arrays one forward allocates: router outputs [T, E] (logits, p, taken),
    /// four per assignment, and the expert rows (hidden and output) with their padding.
    pub fn forward_bytes(&self, arch: &Architecture, tokens: usize) -> u64 {
        let (t, e, d, ff) = (tokens as u64, arch.num_experts as u64, arch.d_model as u64, arch.d_ff as u64);
        let slots = (self.slots(arch) + arch.shared_experts) as u64;
        let rows = t * slots + 3 * arch.total_experts() as u64;
        4 * (3 * t * e + 4 * t * slots + rows * (1 + ff + d) + 2 * t * d)
    }

    /// FLOPs of one forward, 2 per multiply-add: the router, every routed and shared slot's
    /// expert, and expert-choice's ranking (one comparison per token pair and expert).
    pub fn forward_flops(&self, arch: &Architecture, tokens: usize) -> u64 {
        let t = tokens as u64;
        let slots = (self.slots(arch) + arch.shared_experts) as u64;
        let mut flops = 2 * t * (arch.router_params() + slots * arch.params_per_expert());
        if self.router == RouterKind::ExpertChoice {
            flops += t * t * arch.num_experts as u64;
        }
        flops
    }

    /// Mean experts per token the configuration asks for (k, or E for dense).
    pub fn nominal_experts_per_token(&self, arch: &Architecture) -> usize {
        match self.router {
            RouterKind::Dense => arch.num_experts,
            _ => self.top_k,
        }
    }
}

/// The capacity factor a capacity router gets when a model was trained dropless and the
/// request names none (Switch Transformers' training value).
pub const DEFAULT_CAPACITY_FACTOR: f32 = 1.25;

/// Routing as a person asks for it: a command line's flags, a page's options. Fields left
/// out come from the router's rules and from the routing a model was trained with; then
/// the result is validated. The one place where requests become a [`Routing`], for the
/// CLI (`layer`, `route`) and the wasm facade alike.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRequest {
    pub router: Option<RouterKind>,
    pub top_k: Option<usize>,
    /// Absolute tokens per expert.
    pub capacity: Option<u32>,
    /// Tokens per expert = ceil(factor * T * k / E).
    pub capacity_factor: Option<f32>,
    pub noise: Option<Noise>,
}

impl RoutingRequest {
    /// Fills the gaps and validates. `trained` is the routing the weights were trained
    /// with, if they were (a shipped model), whose router and k fill a gap the router's
    /// rules leave open.
    pub fn resolve(&self, arch: &Architecture, trained: Option<&Routing>) -> Result<Routing> {
        let router = self
            .router
            .or(trained.map(|t| t.router))
            .ok_or_else(|| MoeError::Config(format!("a router is needed; one of: {}", RouterKind::names())))?;
        let top_k = match (self.top_k, router.top_k_rule()) {
            (Some(k), _) => k,
            (None, TopKRule::One) => 1,
            (None, TopKRule::AllExperts) => arch.num_experts,
            (None, TopKRule::Free) => trained.map(|t| t.top_k).ok_or_else(|| {
                MoeError::Config(format!("the {router} router needs k (top-k): how many experts each token sees"))
            })?,
        };
        let capacity = match (self.capacity, self.capacity_factor) {
            (Some(_), Some(_)) => {
                return Err(MoeError::Config("give a capacity or a capacity factor, not both".into()));
            }
            (Some(n), None) => Capacity::Absolute(n),
            (None, Some(f)) => Capacity::Factor(f),
            (None, None) => match (router.capacity_rule(), trained.map(|t| t.capacity)) {
                (CapacityRule::None, _) | (_, None) => Capacity::Dropless,
                (_, Some(Capacity::Dropless)) => Capacity::Factor(DEFAULT_CAPACITY_FACTOR),
                (_, Some(trained)) => trained,
            },
        };
        let routing = Routing { router, top_k, capacity, noise: self.noise };
        routing.validate(arch)?;
        Ok(routing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(e: usize) -> Architecture {
        Architecture {
            d_model: 8,
            d_ff: 16,
            num_experts: e,
            expert_kind: ExpertKind::Swiglu,
            router_bias: false,
            shared_experts: 0,
        }
    }

    fn routing(router: RouterKind, k: usize, capacity: Capacity) -> Routing {
        Routing { router, top_k: k, capacity, noise: None }
    }

    #[test]
    fn capacity_factor_rounds_up_without_float_noise() {
        let r = routing(RouterKind::TokenChoice, 1, Capacity::Factor(1.1));
        assert_eq!(r.expert_capacity(&arch(11), 10), Some(1));
        let r = routing(RouterKind::TokenChoice, 2, Capacity::Factor(1.25));
        // 1.25 * 24 * 2 / 8 = 7.5 -> 8
        assert_eq!(r.expert_capacity(&arch(8), 24), Some(8));
        assert_eq!(r.expert_capacity(&arch(8), 0), Some(0));
    }

    #[test]
    fn expert_choice_capacity_never_exceeds_tokens() {
        let r = routing(RouterKind::ExpertChoice, 2, Capacity::Factor(4.0));
        assert_eq!(r.expert_capacity(&arch(4), 10), Some(10));
        let r = routing(RouterKind::ExpertChoice, 1, Capacity::Absolute(3));
        assert_eq!(r.expert_capacity(&arch(4), 10), Some(3));
    }

    #[test]
    fn invalid_combinations_are_rejected_with_reasons() {
        let a = arch(4);
        let cases = [
            (routing(RouterKind::Mixtral, 5, Capacity::Dropless), "larger than the number of experts"),
            (routing(RouterKind::Mixtral, 0, Capacity::Dropless), "at least 1"),
            (routing(RouterKind::Switch, 2, Capacity::Dropless), "k must be 1"),
            (routing(RouterKind::Dense, 2, Capacity::Dropless), "must equal E"),
            (routing(RouterKind::Mixtral, 2, Capacity::Factor(1.0)), "dropless"),
            (routing(RouterKind::ExpertChoice, 2, Capacity::Dropless), "needs a capacity"),
            (routing(RouterKind::TokenChoice, 2, Capacity::Absolute(0)), "capacity 0"),
            (routing(RouterKind::TokenChoice, 2, Capacity::Factor(0.0)), "positive"),
            (routing(RouterKind::TokenChoice, 2, Capacity::Factor(f32::NAN)), "positive"),
            (routing(RouterKind::TokenChoice, 2, Capacity::Factor(-1.0)), "positive"),
            // Would give 0 slots per expert, like `capacity 0`.
            (routing(RouterKind::TokenChoice, 2, Capacity::Factor(1e-30)), "from 0.01"),
            (routing(RouterKind::TokenChoice, 2, Capacity::Factor(1e9)), "to 64"),
            (
                Routing {
                    noise: Some(Noise { scale: 3e38, seed: 1 }),
                    ..routing(RouterKind::Mixtral, 2, Capacity::Dropless)
                },
                "noise scale",
            ),
        ];
        for (r, needle) in cases {
            let err = r.validate(&a).expect_err(&format!("{r:?} should be rejected"));
            assert!(err.to_string().contains(needle), "{err} should mention {needle:?}");
        }
        let noisy = Routing {
            noise: Some(Noise { scale: f32::INFINITY, seed: 1 }),
            ..routing(RouterKind::Mixtral, 2, Capacity::Dropless)
        };
        assert!(noisy.validate(&a).is_err());
        assert!(arch(0).validate().unwrap_err().to_string().contains("E = 0"));
    }

    #[test]
    fn names_round_trip() {
        for r in RouterKind::ALL {
            assert_eq!(r.name().parse::<RouterKind>().unwrap(), r);
        }
        for k in ExpertKind::ALL {
            assert_eq!(k.name().parse::<ExpertKind>().unwrap(), k);
        }
        assert!("topk".parse::<RouterKind>().unwrap_err().to_string().contains("expected one of"));
    }

    #[test]
    fn requests_fill_gaps_from_the_rules_then_the_trained_routing() {
        let a = arch(8);
        let trained = routing(RouterKind::Mixtral, 2, Capacity::Dropless);
        let ask = |router: Option<RouterKind>, top_k: Option<usize>, factor: Option<f32>| RoutingRequest {
            router,
            top_k,
            capacity_factor: factor,
            ..RoutingRequest::default()
        };
        let resolved = |r: RoutingRequest, t: Option<&Routing>| r.resolve(&a, t);
        assert_eq!(resolved(ask(None, None, None), Some(&trained)).unwrap(), trained);
        let switch = resolved(ask(Some(RouterKind::Switch), None, None), Some(&trained)).unwrap();
        assert_eq!((switch.top_k, switch.capacity), (1, Capacity::Factor(DEFAULT_CAPACITY_FACTOR)));
        assert_eq!(resolved(ask(Some(RouterKind::Dense), None, None), Some(&trained)).unwrap().top_k, 8);
        let gshard = resolved(ask(Some(RouterKind::TokenChoice), None, Some(0.5)), Some(&trained)).unwrap();
        assert_eq!((gshard.top_k, gshard.capacity), (2, Capacity::Factor(0.5)));
        // Without trained weights nothing is guessed.
        let err = resolved(ask(Some(RouterKind::Mixtral), None, None), None).unwrap_err();
        assert!(err.to_string().contains("needs k"), "{err}");
        assert!(resolved(ask(None, Some(2), None), None).unwrap_err().to_string().contains("router is needed"));
        let err = resolved(ask(Some(RouterKind::ExpertChoice), Some(2), None), None).unwrap_err();
        assert!(err.to_string().contains("needs a capacity"), "{err}");
        let both = RoutingRequest { capacity: Some(2), capacity_factor: Some(1.0), ..ask(None, None, None) };
        assert!(resolved(both, Some(&trained)).unwrap_err().to_string().contains("not both"));
        // The rules a page builds its menus from agree with validation.
        for r in RouterKind::ALL {
            let info = r.info();
            assert_eq!(info.name, r.name());
            let k = r.fit_top_k(3, 8);
            let capacity = match info.capacity {
                CapacityRule::None => Capacity::Dropless,
                _ => Capacity::Factor(1.0),
            };
            routing(r, k, capacity).validate(&a).unwrap_or_else(|e| panic!("{r}: {e}"));
        }
    }
}
