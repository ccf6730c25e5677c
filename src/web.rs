//! The wasm-bindgen facade the page calls: create an engine (WebGPU where the browser has
//! an adapter, the CPU reference otherwise, saying which and why), run it, get the trace.
//! Thin on purpose: parsing options and shaping the trace for JavaScript, nothing else.

use crate::engine::{BackendChoice, Engine as Inner};
use crate::gpu::GpuError;
use crate::model::dataset::Dataset;
use crate::model::session::{RunOptions, Session};
use crate::model::tokenizer::Tokenizer;
use crate::model::train::StepReport;
use crate::model::triage::{MAX_CHARS, MAX_TOKENS, Triage, TriageError, TriageTrace};
use crate::moe::config::{CAPACITY_FACTOR_RANGE, MAX_DIM, MAX_EXPERTS, MAX_NOISE_SCALE};
use crate::moe::network::{self, DEVICES, Device, LINKS, Link, NetworkOptions, Placement, RoutedSlots, SIZES, Sizes};
use crate::moe::trace::{Metrics, Timings};
use crate::moe::{
    Architecture, BackendInfo, ExpertKind, LayerWeights, MoeError, RouterKind, RoutingRequest, Style, Trace,
};
use js_sys::{Float32Array, Int32Array, Object, Promise, Reflect, Uint8Array, Uint32Array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::{Ref, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    // Once per module, not per test: a second hook install breaks the test after a panic.
    console_error_panic_hook::set_once();
}

/// `Engine.create` options, besides `weights` (a Uint8Array of safetensors bytes).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CreateOptions {
    /// "auto" (default), "webgpu" or "cpu".
    backend: Option<String>,
    /// Checkpoint convention of `weights`: "mixtral" (default) or "switch".
    style: Option<String>,
    prefix: Option<String>,
    /// Random weights instead of a file, for demos and tests.
    random: Option<RandomLayer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RandomLayer {
    d_model: usize,
    d_ff: usize,
    num_experts: usize,
    expert_kind: ExpertKind,
    #[serde(default)]
    shared_experts: usize,
    #[serde(default)]
    router_bias: bool,
    seed: u64,
    /// Standard deviation of the router's logits for unit inputs (default 2).
    #[serde(default)]
    logit_scale: Option<f32>,
}

/// An `Error` whose `code` programs branch on (`message` is for people), with the limit
/// and the count where a limit was broken.
fn coded_error(code: &str, message: &str, limit: Option<(usize, usize)>) -> JsValue {
    let error = js_sys::Error::new(message);
    let set = |key: &str, value: JsValue| {
        // Setting a property on a fresh Error cannot fail.
        let _ = Reflect::set(&error, &key.into(), &value);
    };
    set("code", code.into());
    if let Some((limit, count)) = limit {
        set("limit", (limit as f64).into());
        set("count", (count as f64).into());
    }
    error.into()
}

impl From<MoeError> for FacadeError {
    fn from(e: MoeError) -> Self {
        FacadeError(coded_error(e.code(), &e.to_string(), None))
    }
}

impl From<GpuError> for FacadeError {
    fn from(e: GpuError) -> Self {
        FacadeError(coded_error(e.code(), &e.to_string(), None))
    }
}

impl From<TriageError> for FacadeError {
    fn from(e: TriageError) -> Self {
        FacadeError(coded_error(e.code(), &e.to_string(), e.limit()))
    }
}

/// What the facade rejects with: always a coded `Error` (see [`coded_error`]).
struct FacadeError(JsValue);

impl From<FacadeError> for JsValue {
    fn from(e: FacadeError) -> JsValue {
        e.0
    }
}

fn bad_options(message: impl std::fmt::Display) -> FacadeError {
    FacadeError(coded_error("bad-options", &message.to_string(), None))
}

/// Reads options from JavaScript, refusing fields the type does not know: serde-wasm-bindgen
/// looks up only the fields a struct names, so a misspelt `capacityFactor` would otherwise
/// vanish without a word. Going through a JSON value lets `deny_unknown_fields` see them.
fn parse_options<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, FacadeError> {
    let value = if value.is_undefined() || value.is_null() { Object::new().into() } else { value };
    if !value.is_object() || js_sys::Array::is_array(&value) {
        return Err(bad_options(format!("{what} must be an object")));
    }
    let json: serde_json::Value =
        serde_wasm_bindgen::from_value(value).map_err(|e| bad_options(format!("{what}: {e}")))?;
    serde_json::from_value(json).map_err(|e| bad_options(format!("{what}: {e}")))
}

fn invalid_input(message: &str) -> FacadeError {
    FacadeError(coded_error("invalid-input", message, None))
}

/// `Engine.run`'s input: a Float32Array or an array of numbers, anything else a coded
/// error (as a `Vec<f32>` argument, `undefined` threw a TypeError from the glue).
fn input_floats(x: &JsValue) -> Result<Vec<f32>, FacadeError> {
    if let Some(array) = x.dyn_ref::<Float32Array>() {
        return Ok(array.to_vec());
    }
    serde_wasm_bindgen::from_value(x.clone())
        .map_err(|_| invalid_input("x must be a Float32Array or an array of numbers"))
}

/// A token count from JavaScript: a number is a double, and a plain `usize` parameter would
/// wrap 2**32 + 1 to 1 on wasm32 without a word.
fn token_count(tokens: f64) -> Result<usize, FacadeError> {
    if !(tokens.is_finite() && tokens >= 0.0 && tokens.fract() == 0.0 && tokens <= u32::MAX as f64) {
        return Err(invalid_input(&format!("tokens must be a whole number from 0 to {}, not {tokens}", u32::MAX)));
    }
    Ok(tokens as usize)
}

/// Every router's rules (`[{name, top_k: "free"|"one"|"all-experts", capacity:
/// "none"|"optional"|"required", balance_loss, renormalises}]`), in menu order: the page
/// builds its menus and clamps from this instead of repeating the rules.
#[wasm_bindgen]
pub fn routers() -> Result<JsValue, JsValue> {
    Ok(to_js(&RouterKind::ALL.map(RouterKind::info))?)
}

/// The limits every entry point enforces, for the page's clamps and messages.
#[derive(Serialize)]
struct Limits {
    max_chars: usize,
    max_tokens: usize,
    max_experts: usize,
    max_dim: usize,
    max_noise_scale: f32,
    capacity_factor: (f32, f32),
}

/// `{max_chars, max_tokens, max_experts, max_dim, max_noise_scale, capacity_factor: [min, max]}`.
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsValue> {
    Ok(to_js(&Limits {
        max_chars: MAX_CHARS,
        max_tokens: MAX_TOKENS,
        max_experts: MAX_EXPERTS,
        max_dim: MAX_DIM,
        max_noise_scale: MAX_NOISE_SCALE,
        capacity_factor: CAPACITY_FACTOR_RANGE,
    })?)
}

/// One MoE layer, in the browser.
#[wasm_bindgen(js_name = Engine)]
pub struct WebEngine {
    // Shared with the promise `run` returns; `busy` turns overlapping runs into errors.
    inner: Rc<RefCell<Inner>>,
}

#[wasm_bindgen(js_class = Engine)]
impl WebEngine {
    /// `await Engine.create({weights?, style?, prefix?, random?, backend?})`.
    pub async fn create(options: JsValue) -> Result<WebEngine, JsValue> {
        if !(options.is_object() || options.is_undefined() || options.is_null()) {
            return Err(bad_options("Engine.create options must be an object").into());
        }
        // The weights travel as bytes; the rest is plain options.
        let mut bytes = None;
        let mut rest = options.clone();
        if options.is_object() {
            let value = Reflect::get(&options, &"weights".into()).unwrap_or(JsValue::UNDEFINED);
            if !value.is_undefined() {
                let array = value
                    .dyn_into::<Uint8Array>()
                    .map_err(|_| bad_options("options.weights must be a Uint8Array of safetensors bytes"))?;
                bytes = Some(array.to_vec());
                rest = Object::assign(&Object::new(), options.unchecked_ref()).into();
                Reflect::delete_property(rest.unchecked_ref::<Object>(), &"weights".into()).ok();
            }
        }
        let opts: CreateOptions = parse_options(rest, "Engine.create options")?;
        let weights = match (bytes, opts.random) {
            (Some(bytes), None) => {
                let style: Style = opts.style.as_deref().unwrap_or("mixtral").parse().map_err(FacadeError::from)?;
                LayerWeights::from_safetensors(&bytes, style, opts.prefix.as_deref().unwrap_or(""), None)
                    .map_err(FacadeError::from)?
            }
            (None, Some(r)) => {
                let arch = Architecture {
                    d_model: r.d_model,
                    d_ff: r.d_ff,
                    num_experts: r.num_experts,
                    expert_kind: r.expert_kind,
                    router_bias: r.router_bias,
                    shared_experts: r.shared_experts,
                };
                arch.validate().map_err(FacadeError::from)?;
                LayerWeights::random(arch, r.seed, r.logit_scale.unwrap_or(2.0) / (r.d_model as f32).sqrt())
            }
            _ => return Err(bad_options("Engine.create needs exactly one of `weights` or `random`").into()),
        };
        let choice: BackendChoice = opts.backend.as_deref().unwrap_or("auto").parse().map_err(FacadeError::from)?;
        let inner = Inner::new(weights, choice).await.map_err(FacadeError::from)?;
        Ok(WebEngine { inner: Rc::new(RefCell::new(inner)) })
    }

    /// `{kind: "gpu" | "cpu", adapter: {name, vendor, architecture, backend, device_type} | null, reason, reason_code}`.
    pub fn backend(&self) -> Result<JsValue, JsValue> {
        Ok(to_js(&peek(&self.inner, ENGINE_BUSY)?.backend())?)
    }

    /// `{d_model, d_ff, num_experts, expert_kind, router_bias, shared_experts}`.
    pub fn architecture(&self) -> Result<JsValue, JsValue> {
        Ok(to_js(&peek(&self.inner, ENGINE_BUSY)?.weights().arch)?)
    }

    /// Runs the layer on `x` (`tokens` x d_model floats) and resolves to the trace;
    /// rejects with a coded Error on bad input or while another run is in flight.
    /// `routing`: `{router, top_k, capacity?, capacity_factor?, noise?: {scale, seed}}`.
    pub fn run(&self, x: JsValue, tokens: f64, routing: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        wasm_bindgen_futures::future_to_promise(async move { Ok(run(inner, x, tokens, routing).await?) })
    }
}

// The borrow is held across the await on purpose: an overlapping second run fails at
// try_borrow_mut with a clear error instead of racing this one.
#[expect(clippy::await_holding_refcell_ref, reason = "overlapping runs are refused by try_borrow_mut")]
async fn run(inner: Rc<RefCell<Inner>>, x: JsValue, tokens: f64, routing: JsValue) -> Result<JsValue, FacadeError> {
    let x = input_floats(&x)?;
    let tokens = token_count(tokens)?;
    let request: RoutingRequest = parse_options(routing, "routing options")?;
    let mut engine = inner.try_borrow_mut().map_err(|_| busy(ENGINE_BUSY))?;
    let routing = request.resolve(&engine.weights().arch, None)?;
    let trace = engine.forward(&routing, &x, tokens).await?;
    trace_to_js(&trace, None)
}

fn busy(what: &str) -> FacadeError {
    FacadeError(coded_error("busy", &format!("{what}; await the previous one"), None))
}

/// `options[key]` as bytes: a Uint8Array, else `why` as a coded error.
fn bytes_option(options: &JsValue, key: &str, why: &str) -> Result<Vec<u8>, FacadeError> {
    Reflect::get(options, &key.into())
        .ok()
        .and_then(|value| value.dyn_into::<Uint8Array>().ok())
        .map(|bytes| bytes.to_vec())
        .ok_or_else(|| bad_options(why))
}

/// `options.tokenizer`: the text of tokenizer.json (`Clinic.create`, `Training.create`).
fn tokenizer_option(options: &JsValue) -> Result<String, FacadeError> {
    Reflect::get(options, &"tokenizer".into())
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| bad_options("options.tokenizer must be the text of tokenizer.json"))
}

/// `options.backend`: "auto" (also when left out), "webgpu" (or "gpu") or "cpu".
fn backend_option(options: &JsValue) -> Result<BackendChoice, FacadeError> {
    let backend = Reflect::get(options, &"backend".into()).unwrap_or(JsValue::UNDEFINED);
    match (backend.is_undefined() || backend.is_null(), backend.as_string()) {
        (true, _) => Ok(BackendChoice::Auto),
        (false, Some(name)) => Ok(name.parse()?),
        (false, None) => Err(bad_options("options.backend must be \"auto\", \"webgpu\" or \"cpu\"")),
    }
}

const ENGINE_BUSY: &str = "the engine is busy with another run";
const CLINIC_BUSY: &str = "the clinic is busy with another text";
const TRAINING_BUSY: &str = "the training is busy";

/// A shared borrow for a synchronous method. A run holds its object across an await (see
/// `run`), so a getter called meanwhile gets the coded `busy` error, never a panic.
fn peek<'a, T>(cell: &'a RefCell<T>, what: &str) -> Result<Ref<'a, T>, FacadeError> {
    cell.try_borrow().map_err(|_| busy(what))
}

/// A shipped clinic model in the browser: text in, routed patients and a diagnosis out.
#[wasm_bindgen]
pub struct Clinic {
    inner: Rc<RefCell<Triage>>,
    /// The last routing, which `network` prices.
    last: Rc<RefCell<Option<Trace>>>,
}

/// `clinic.network` options: `{devices, placement?, link?, device?, sizes?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkRequest {
    devices: usize,
    placement: Option<String>,
    link: Option<String>,
    device: Option<String>,
    sizes: Option<String>,
}

/// The presets the network view offers: `{placements, links, devices, sizes}`, each
/// preset with its name, label and published figures.
#[wasm_bindgen(js_name = networkPresets)]
pub fn network_presets() -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    struct Presets {
        placements: [&'static str; 2],
        links: &'static [Link],
        devices: &'static [Device],
        sizes: &'static [Sizes],
    }
    let presets =
        Presets { placements: Placement::ALL.map(Placement::name), links: &LINKS, devices: &DEVICES, sizes: &SIZES };
    Ok(to_js(&presets)?)
}

#[wasm_bindgen]
impl Clinic {
    /// `await Clinic.create({model: Uint8Array, tokenizer: string, backend?: "auto" | "webgpu" | "cpu"})`.
    pub async fn create(options: JsValue) -> Result<Clinic, JsValue> {
        if !options.is_object() {
            return Err(bad_options("Clinic.create needs {model: Uint8Array, tokenizer: string}").into());
        }
        let keys: Vec<String> =
            Object::keys(options.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()).collect();
        if let Some(unknown) = keys.iter().find(|k| !["model", "tokenizer", "backend"].contains(&k.as_str())) {
            return Err(bad_options(format!(
                "Clinic.create options: unknown field `{unknown}`, expected `model`, `tokenizer` or `backend`"
            ))
            .into());
        }
        let model = bytes_option(&options, "model", "options.model must be a Uint8Array of the model's safetensors")?;
        let tokenizer = tokenizer_option(&options)?;
        let choice = backend_option(&options)?;
        let triage = Triage::new(&model, &tokenizer, choice).await.map_err(FacadeError::from)?;
        Ok(Clinic { inner: Rc::new(RefCell::new(triage)), last: Rc::new(RefCell::new(None)) })
    }

    /// The model's configuration: `{name, vocab_size, conv_width, style, moe, routing}`.
    pub fn config(&self) -> Result<JsValue, JsValue> {
        Ok(to_js(peek(&self.inner, CLINIC_BUSY)?.config())?)
    }

    /// `{kind, adapter, reason, reason_code}` as for `Engine`.
    pub fn backend(&self) -> Result<JsValue, JsValue> {
        Ok(to_js(&peek(&self.inner, CLINIC_BUSY)?.backend())?)
    }

    /// Test hook: destroys the WebGPU device, as a GPU reset would. The next route recovers
    /// once with a new device; a second loss falls back to the CPU, and the trace says so.
    #[wasm_bindgen(js_name = destroyGpuDeviceForTesting)]
    pub fn destroy_gpu_device_for_testing(&self) -> Result<(), JsValue> {
        peek(&self.inner, CLINIC_BUSY)?.destroy_gpu_device_for_testing();
        Ok(())
    }

    /// Routes `text` and resolves to the trace; rejects with a coded Error for text past
    /// the limits ("too-many-characters", "too-many-tokens", with `limit` and `count`),
    /// bad routing, or an overlapping call. `routing` takes `Engine.run`'s fields, each
    /// optional: what is left out comes from the model's trained routing.
    pub fn route(&self, text: JsValue, routing: JsValue) -> Promise {
        let (inner, last) = (Rc::clone(&self.inner), Rc::clone(&self.last));
        wasm_bindgen_futures::future_to_promise(async move { Ok(route(inner, last, text, routing).await?) })
    }

    /// The last routing priced on several devices: the same object as `moe-clinic route
    /// --devices`. Rejects with a coded Error before any routing, or for bad options.
    pub fn network(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let request: NetworkRequest = parse_options(options, "network options")?;
        let last = self.last.borrow();
        let trace = last.as_ref().ok_or_else(|| bad_options("route a text before pricing its network"))?;
        let options = NetworkOptions::from_names(
            request.devices,
            request.placement.as_deref(),
            request.link.as_deref(),
            request.device.as_deref(),
            request.sizes.as_deref(),
        )
        .map_err(FacadeError::from)?;
        let arch = peek(&self.inner, CLINIC_BUSY)?.config().moe;
        let routed = RoutedSlots { expert_index: &trace.expert_index, tokens: trace.tokens, slots: trace.slots };
        let network = network::price(&arch, routed, &options).map_err(FacadeError::from)?;
        Ok(to_js(&network)?)
    }
}

#[expect(clippy::await_holding_refcell_ref, reason = "overlapping runs are refused by try_borrow_mut")]
async fn route(
    inner: Rc<RefCell<Triage>>,
    last: Rc<RefCell<Option<Trace>>>,
    text: JsValue,
    routing: JsValue,
) -> Result<JsValue, FacadeError> {
    // Checked here: as a `String` argument, `undefined` threw a TypeError from the glue.
    let text = text.as_string().ok_or_else(|| invalid_input("the text must be a string"))?;
    let request: RoutingRequest = parse_options(routing, "routing options")?;
    let mut triage = inner.try_borrow_mut().map_err(|_| busy(CLINIC_BUSY))?;
    let config = triage.config();
    let routing = request.resolve(&config.moe, Some(&config.routing))?;
    let trace = triage.route(&text, &routing).await?;
    let object = triage_to_js(&text, &trace)?;
    *last.borrow_mut() = Some(trace.layer);
    Ok(object)
}

#[derive(Serialize)]
struct TokenView<'a> {
    /// The part of the visitor's text this token covers.
    text: &'a str,
    piece: &'a str,
    /// Where that part lies in the text, as JavaScript indexes strings (UTF-16 code units,
    /// so that `text.slice(start, end)` is the part); the CLI's JSON gives UTF-8 bytes.
    start: usize,
    end: usize,
}

/// A clinic trace for JavaScript: the layer's trace plus `tokens` (what each patient is)
/// and `diagnosis`.
fn triage_to_js(text: &str, t: &TriageTrace) -> Result<JsValue, FacadeError> {
    // The UTF-16 index of each character's first byte (tokens start and end on characters).
    let mut utf16 = vec![0; text.len() + 1];
    let mut units = 0;
    for (byte, c) in text.char_indices() {
        utf16[byte] = units;
        units += c.len_utf16();
    }
    utf16[text.len()] = units;
    let tokens: Vec<TokenView> = t
        .tokens
        .iter()
        .map(|k| TokenView { text: &text[k.start..k.end], piece: &k.piece, start: utf16[k.start], end: utf16[k.end] })
        .collect();
    let object = trace_to_js(&t.layer, Some(&tokens))?;
    Reflect::set(&object, &"diagnosis".into(), &to_js(&t.diagnosis)?)
        .map_err(|_| bad_options("cannot build the trace object"))?;
    Ok(object)
}

/// The small part of a trace, serialised as plain JS values. Field names are DESIGN.md's
/// (snake_case), the same as the CLI's JSON. `token_count` is on every trace; `tokens`
/// (an array, as in `moe-clinic route`) only where there is text to show.
#[derive(Serialize)]
struct TraceMeta<'a> {
    token_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens: Option<&'a [TokenView<'a>]>,
    d_model: usize,
    num_experts: usize,
    shared_experts: usize,
    slots: usize,
    router: RouterKind,
    top_k: usize,
    capacity: Option<usize>,
    dropped_slots: usize,
    unserved_tokens: usize,
    metrics: &'a Metrics,
    backend: &'a BackendInfo,
    timings: &'a Timings,
}

/// The trace for JavaScript: metadata as plain values, arrays as typed arrays.
fn trace_to_js(t: &Trace, tokens: Option<&[TokenView]>) -> Result<JsValue, FacadeError> {
    let meta = TraceMeta {
        token_count: t.tokens,
        tokens,
        d_model: t.d_model,
        num_experts: t.num_experts,
        shared_experts: t.shared_experts,
        slots: t.slots,
        router: t.router,
        top_k: t.top_k,
        capacity: t.capacity,
        dropped_slots: t.dropped_slots,
        unserved_tokens: t.unserved_tokens,
        metrics: &t.metrics,
        backend: &t.backend,
        timings: &t.timings,
    };
    let object = to_js(&meta)?;
    let arrays: [(&str, JsValue); 8] = [
        ("logits", Float32Array::from(&t.logits[..]).into()),
        ("probs", Float32Array::from(&t.probs[..]).into()),
        ("choice_index", Int32Array::from(&t.choice_index[..]).into()),
        ("expert_index", Int32Array::from(&t.expert_index[..]).into()),
        ("routing_weights", Float32Array::from(&t.routing_weights[..]).into()),
        ("expert_load", Uint32Array::from(&t.expert_load[..]).into()),
        ("expert_demand", Uint32Array::from(&t.expert_demand[..]).into()),
        ("output", Float32Array::from(&t.output[..]).into()),
    ];
    for (key, value) in arrays {
        Reflect::set(&object, &key.into(), &value).map_err(|_| bad_options("cannot build the trace object"))?;
    }
    Ok(object)
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, FacadeError> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).map_err(|e| FacadeError(coded_error("internal", &e.to_string(), None)))
}

/// A training run in the browser: the receptionist learning, one step at a time, on the
/// shipped dataset, on WebGPU where the browser has it (every stage a kernel, one
/// submission per step) or on the CPU twin.
#[wasm_bindgen]
pub struct Training {
    session: Rc<RefCell<Session>>,
    tokenizer: Rc<Tokenizer>,
}

#[wasm_bindgen]
impl Training {
    /// `await Training.create({dataset: Uint8Array, tokenizer: string, backend?: "auto" |
    /// "webgpu" | "cpu", options?: {experts, top_k, router, expert_kind, shared_experts,
    /// balance: "none" | "aux" | "bias", balance_strength, z_loss, learning_rate, batch,
    /// noise, seed, capacity_factor, steps}})`; rejects with a coded Error for bad options.
    pub async fn create(options: JsValue) -> Result<Training, JsValue> {
        if !options.is_object() {
            return Err(bad_options("Training.create needs {dataset: Uint8Array, tokenizer: string}").into());
        }
        let keys: Vec<String> =
            Object::keys(options.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()).collect();
        let allowed = ["dataset", "tokenizer", "options", "backend"];
        if let Some(unknown) = keys.iter().find(|k| !allowed.contains(&k.as_str())) {
            return Err(bad_options(format!(
                "Training.create options: unknown field `{unknown}`, expected `dataset`, `tokenizer`, `backend` or `options`"
            ))
            .into());
        }
        let dataset = bytes_option(&options, "dataset", "options.dataset must be a Uint8Array of dataset.safetensors")?;
        let tokenizer =
            Tokenizer::from_json(&tokenizer_option(&options)?).map_err(|e| FacadeError::from(TriageError::from(e)))?;
        let choice = backend_option(&options)?;
        let run: RunOptions =
            parse_options(Reflect::get(&options, &"options".into()).unwrap_or(JsValue::UNDEFINED), "training options")?;
        let vocab = tokenizer.vocab_size();
        let data = Dataset::from_safetensors(&dataset, vocab).map_err(FacadeError::from)?;
        let session = Session::new_on(run, data, vocab, choice).await.map_err(FacadeError::from)?;
        Ok(Training { session: Rc::new(RefCell::new(session)), tokenizer: Rc::new(tokenizer) })
    }

    /// `{kind, adapter, reason, reason_code}`: where the steps run.
    pub fn backend(&self) -> Result<JsValue, JsValue> {
        Ok(to_js(peek(&self.session, TRAINING_BUSY)?.backend())?)
    }

    /// Takes `steps` optimiser steps (1 to 1,000) and resolves to the last one's report:
    /// `{step, cross_entropy, balance, z_loss, total, correct, sentences, demand, by_lang}`.
    /// On WebGPU: `steps` submissions and one readback.
    pub fn step(&self, steps: f64) -> Promise {
        let session = Rc::clone(&self.session);
        wasm_bindgen_futures::future_to_promise(async move { Ok(training_step(session, steps).await?) })
    }

    /// Resolves to the held-out measurements, the sentences routed one at a time as the
    /// clinic routes them: `{step, accuracy: [[lang, share]], load, load_max_over_mean,
    /// load_min_over_mean, specialty_by_doctor, labels}`.
    #[expect(clippy::await_holding_refcell_ref, reason = "a step meanwhile is refused by try_borrow_mut")]
    pub fn measure(&self) -> Promise {
        let session = Rc::clone(&self.session);
        wasm_bindgen_futures::future_to_promise(async move {
            let session = session.try_borrow().map_err(|_| busy(TRAINING_BUSY))?;
            let measured = session.measure().await.map_err(FacadeError::from)?;
            Ok(to_js(&measured)?)
        })
    }

    /// The model's configuration, as `Clinic.config()` gives it.
    pub fn config(&self) -> Result<JsValue, JsValue> {
        Ok(to_js(peek(&self.session, TRAINING_BUSY)?.config())?)
    }

    /// Resolves to the model as it is now, as a safetensors file in the shipped models'
    /// format (what `Clinic.create({model})` and `moe-clinic route --model PATH` load).
    #[wasm_bindgen(js_name = exportModel)]
    #[expect(clippy::await_holding_refcell_ref, reason = "a step meanwhile is refused by try_borrow_mut")]
    pub fn export_model(&self) -> Promise {
        let session = Rc::clone(&self.session);
        wasm_bindgen_futures::future_to_promise(async move {
            let session = session.try_borrow().map_err(|_| busy(TRAINING_BUSY))?;
            let weights = session.weights().await.map_err(FacadeError::from)?;
            let bytes = weights.to_safetensors("F32").map_err(FacadeError::from)?;
            Ok(Uint8Array::from(&bytes[..]).into())
        })
    }

    /// Resolves to the model's measured card (the shipped cards' format).
    #[wasm_bindgen(js_name = exportCard)]
    #[expect(clippy::await_holding_refcell_ref, reason = "a step meanwhile is refused by try_borrow_mut")]
    pub fn export_card(&self) -> Promise {
        let (session, tokenizer) = (Rc::clone(&self.session), Rc::clone(&self.tokenizer));
        wasm_bindgen_futures::future_to_promise(async move {
            let session = session.try_borrow().map_err(|_| busy(TRAINING_BUSY))?;
            let piece = |id: u32| tokenizer.piece(id).unwrap_or("?").to_string();
            let (_, card) = session.export(piece).await.map_err(FacadeError::from)?;
            Ok(to_js(&card)?)
        })
    }
}

#[expect(clippy::await_holding_refcell_ref, reason = "overlapping calls are refused by try_borrow_mut")]
async fn training_step(session: Rc<RefCell<Session>>, steps: f64) -> Result<JsValue, FacadeError> {
    // A JS number, checked here: as a u32 argument 2**32 + 1 would wrap to 1 and 2.7 to 2.
    if !(steps.fract() == 0.0 && (1.0..=1000.0).contains(&steps)) {
        return Err(bad_options(format!("steps must be a whole number from 1 to 1000, not {steps}")));
    }
    let mut session = session.try_borrow_mut().map_err(|_| busy(TRAINING_BUSY))?;
    let report = session.run(steps as usize).await?;
    #[derive(Serialize)]
    struct Stepped<'a> {
        step: usize,
        #[serde(flatten)]
        report: &'a StepReport,
    }
    to_js(&Stepped { step: session.steps_taken(), report: &report })
}
