//! The wasm-bindgen facade the page calls: create an engine (WebGPU where the browser has
//! an adapter, the CPU reference otherwise, saying which and why), run it, get the trace.
//! Thin on purpose: parsing options and shaping the trace for JavaScript, nothing else.

use crate::engine::{BackendChoice, Engine as Inner};
use crate::model::triage::{Triage, TriageTrace};
use crate::moe::trace::{Metrics, Timings};
use crate::moe::{
    Architecture, BackendInfo, Capacity, ExpertKind, LayerWeights, Noise, RouterKind, Routing, Style, Trace,
};
use js_sys::{Float32Array, Int32Array, Object, Promise, Reflect, Uint8Array, Uint32Array};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
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

/// `run` routing options: `{router, top_k, capacity?, capacity_factor?, noise?: {scale, seed}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutingOptions {
    router: RouterKind,
    top_k: usize,
    capacity: Option<u32>,
    capacity_factor: Option<f32>,
    noise: Option<Noise>,
}

impl RoutingOptions {
    /// Reads the options a page passes to `run` / `route`.
    fn parse(value: JsValue) -> Result<Routing, JsError> {
        let options: RoutingOptions =
            serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("routing options: {e}")))?;
        options.routing()
    }

    fn routing(self) -> Result<Routing, JsError> {
        let capacity = match (self.capacity, self.capacity_factor) {
            (Some(_), Some(_)) => return Err(JsError::new("give a capacity or a capacity factor, not both")),
            (Some(n), None) => Capacity::Absolute(n),
            (None, Some(f)) => Capacity::Factor(f),
            (None, None) => Capacity::Dropless,
        };
        Ok(Routing { router: self.router, top_k: self.top_k, capacity, noise: self.noise })
    }
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
    pub async fn create(options: JsValue) -> Result<WebEngine, JsError> {
        let weights_bytes = if options.is_object() {
            let value = Reflect::get(&options, &"weights".into()).unwrap_or(JsValue::UNDEFINED);
            let rest = Object::assign(&Object::new(), options.unchecked_ref());
            Reflect::delete_property(&rest, &"weights".into()).ok();
            (!value.is_undefined())
                .then(|| value.dyn_into::<Uint8Array>().map(|a| a.to_vec()))
                .transpose()
                .map_err(|_| JsError::new("options.weights must be a Uint8Array of safetensors bytes"))?
                .map(|bytes| (bytes, JsValue::from(rest)))
        } else {
            None
        };
        let (bytes, options) = match weights_bytes {
            Some((bytes, rest)) => (Some(bytes), rest),
            None => (None, options),
        };
        let opts: CreateOptions = if options.is_undefined() || options.is_null() {
            CreateOptions::default()
        } else {
            serde_wasm_bindgen::from_value(options).map_err(|e| JsError::new(&format!("Engine.create options: {e}")))?
        };
        let weights = match (bytes, opts.random) {
            (Some(bytes), None) => {
                let style: Style = opts.style.as_deref().unwrap_or("mixtral").parse()?;
                LayerWeights::from_safetensors(&bytes, style, opts.prefix.as_deref().unwrap_or(""), None)?
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
                arch.validate()?;
                LayerWeights::random(arch, r.seed, r.logit_scale.unwrap_or(2.0) / (r.d_model as f32).sqrt())
            }
            _ => return Err(JsError::new("Engine.create needs exactly one of `weights` or `random`")),
        };
        let choice: BackendChoice = opts.backend.as_deref().unwrap_or("auto").parse()?;
        let inner = Inner::new(weights, choice).await.map_err(|e| JsError::new(&e.to_string()))?;
        Ok(WebEngine { inner: Rc::new(RefCell::new(inner)) })
    }

    /// `{kind: "gpu" | "cpu", adapter: {name, vendor, architecture, backend, device_type} | null, reason}`.
    pub fn backend(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.borrow().backend())
    }

    /// `{d_model, d_ff, num_experts, expert_kind, router_bias, shared_experts}`.
    pub fn architecture(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.borrow().weights().arch)
    }

    /// Runs the layer on `x` (`tokens` x d_model floats) and resolves to the trace;
    /// rejects with an Error on bad input or while another run is in flight.
    pub fn run(&self, x: Vec<f32>, tokens: usize, routing: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        wasm_bindgen_futures::future_to_promise(async move { Ok(run(inner, x, tokens, routing).await?) })
    }
}

// The borrow is held across the await on purpose: an overlapping second run fails at
// try_borrow_mut with a clear error instead of racing this one.
#[expect(clippy::await_holding_refcell_ref, reason = "overlapping runs are refused by try_borrow_mut")]
async fn run(inner: Rc<RefCell<Inner>>, x: Vec<f32>, tokens: usize, routing: JsValue) -> Result<JsValue, JsError> {
    let routing = RoutingOptions::parse(routing)?;
    let mut engine = inner
        .try_borrow_mut()
        .map_err(|_| JsError::new("the engine is busy with another run; await the previous one"))?;
    let trace = engine.forward(&routing, &x, tokens).await.map_err(|e| JsError::new(&e.to_string()))?;
    trace_to_js(&trace)
}

/// A shipped clinic model in the browser: text in, routed patients and a diagnosis out.
#[wasm_bindgen]
pub struct Clinic {
    inner: Rc<RefCell<Triage>>,
}

#[wasm_bindgen]
impl Clinic {
    /// `await Clinic.create({model: Uint8Array, tokenizer: string, backend?: "auto" | "webgpu" | "cpu"})`.
    pub async fn create(options: JsValue) -> Result<Clinic, JsError> {
        if !options.is_object() {
            return Err(JsError::new("Clinic.create needs {model: Uint8Array, tokenizer: string}"));
        }
        let model = Reflect::get(&options, &"model".into())
            .ok()
            .and_then(|m| m.dyn_into::<Uint8Array>().ok())
            .ok_or_else(|| JsError::new("options.model must be a Uint8Array of the model's safetensors"))?
            .to_vec();
        let tokenizer = Reflect::get(&options, &"tokenizer".into())
            .ok()
            .and_then(|t| t.as_string())
            .ok_or_else(|| JsError::new("options.tokenizer must be the text of tokenizer.json"))?;
        // "auto" (default), "webgpu" or "cpu".
        let backend = Reflect::get(&options, &"backend".into()).ok().and_then(|b| b.as_string());
        let choice: BackendChoice = backend.as_deref().unwrap_or("auto").parse()?;
        let triage = Triage::new(&model, &tokenizer, choice).await.map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Clinic { inner: Rc::new(RefCell::new(triage)) })
    }

    /// The model's configuration: `{name, vocab_size, conv_width, style, moe, routing}`.
    pub fn config(&self) -> Result<JsValue, JsError> {
        to_js(self.inner.borrow().config())
    }

    /// `{kind, adapter, reason}` as for `Engine`.
    pub fn backend(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.borrow().engine().backend())
    }

    /// Test hook: destroys the WebGPU device, as a GPU reset would. The next route recovers
    /// once with a new device; a second loss falls back to the CPU, and the trace says so.
    #[wasm_bindgen(js_name = destroyGpuDeviceForTesting)]
    pub fn destroy_gpu_device_for_testing(&self) {
        self.inner.borrow().destroy_gpu_device_for_testing();
    }

    /// Routes `text` and resolves to the trace; rejects with an Error for text past the
    /// limits (2,000 characters, 512 tokens), bad routing, or an overlapping call.
    pub fn route(&self, text: String, routing: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        wasm_bindgen_futures::future_to_promise(async move { Ok(route(inner, text, routing).await?) })
    }
}

#[expect(clippy::await_holding_refcell_ref, reason = "overlapping runs are refused by try_borrow_mut")]
async fn route(inner: Rc<RefCell<Triage>>, text: String, routing: JsValue) -> Result<JsValue, JsError> {
    let routing = RoutingOptions::parse(routing)?;
    let mut triage = inner
        .try_borrow_mut()
        .map_err(|_| JsError::new("the clinic is busy with another text; await the previous one"))?;
    let trace = triage.route(&text, &routing).await.map_err(|e| JsError::new(&e.to_string()))?;
    triage_to_js(&text, &trace)
}

#[derive(Serialize)]
struct TokenView<'a> {
    /// The part of the visitor's text this token covers.
    text: &'a str,
    piece: &'a str,
    start: usize,
    end: usize,
}

/// A clinic trace for JavaScript: the layer's trace plus `tokens` and `diagnosis`.
fn triage_to_js(text: &str, t: &TriageTrace) -> Result<JsValue, JsError> {
    let object = trace_to_js(&t.layer)?;
    let tokens: Vec<TokenView> = t
        .tokens
        .iter()
        .map(|k| TokenView { text: &text[k.start..k.end], piece: &k.piece, start: k.start, end: k.end })
        .collect();
    let set = |key: &str, value: JsValue| {
        Reflect::set(&object, &key.into(), &value).map_err(|_| JsError::new("cannot build the trace object"))
    };
    set("tokens", to_js(&tokens)?)?;
    set("diagnosis", to_js(&t.diagnosis)?)?;
    Ok(object)
}

/// The small part of a trace, serialised as plain JS values. Field names are DESIGN.md's
/// (snake_case), the same as the CLI's JSON.
#[derive(Serialize)]
struct TraceMeta<'a> {
    tokens: usize,
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
fn trace_to_js(t: &Trace) -> Result<JsValue, JsError> {
    let meta = TraceMeta {
        tokens: t.tokens,
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
        Reflect::set(&object, &key.into(), &value).map_err(|_| JsError::new("cannot build the trace object"))?;
    }
    Ok(object)
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).map_err(|e| JsError::new(&e.to_string()))
}
