//! Browser tests (`wasm-pack test --headless --chrome`). Run twice by tests/run.sh: with
//! webdriver.json's WebGPU flags (SwiftShader) and MOE_CLINIC_EXPECT_BACKEND=webgpu, then
//! with tests/webdriver-no-webgpu.json and MOE_CLINIC_EXPECT_BACKEND=cpu, where
//! `navigator.gpu` exists but has no adapter: what a visitor without WebGPU meets.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{
    FIXTURE_CASES, TraceSummary, assert_stages_match, assert_traces_match, fixture_case, inputs_with_margin,
    near_tie_tokens,
};
use moe_clinic::engine::{BackendChoice, Engine};
use moe_clinic::gpu::{GpuContext, GpuLayer};
use moe_clinic::moe::reference;
use moe_clinic::moe::{Architecture, Capacity, ExpertKind, LayerWeights, RouterKind, Routing, forward_cpu};
use moe_clinic::web::WebEngine;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Which backend this run must find, fixed when the test is compiled.
fn expected_backend() -> &'static str {
    option_env!("MOE_CLINIC_EXPECT_BACKEND")
        .expect("build the browser tests with MOE_CLINIC_EXPECT_BACKEND=webgpu or cpu")
}

fn small_layer() -> LayerWeights {
    let arch = Architecture {
        d_model: 16,
        d_ff: 24,
        num_experts: 4,
        expert_kind: ExpertKind::Swiglu,
        router_bias: false,
        shared_experts: 0,
    };
    LayerWeights::random(arch, 5, 0.5)
}

#[wasm_bindgen_test]
async fn picks_the_expected_backend_and_says_so() {
    let engine = Engine::new(small_layer(), BackendChoice::Auto).await.expect("an engine");
    let backend = engine.backend();
    console_log!("backend: {backend:?}");
    match expected_backend() {
        "webgpu" => {
            assert_eq!(backend.kind, "gpu", "{backend:?}");
            let adapter = backend.adapter.expect("adapter info");
            assert_eq!(adapter.backend, "BrowserWebGpu");
            // The README's claim: headless Chromium's WebGPU here is SwiftShader.
            assert_eq!(
                (adapter.vendor.as_str(), adapter.architecture.as_str()),
                ("google", "swiftshader"),
                "{adapter:?}"
            );
        }
        "cpu" => {
            assert_eq!(backend.kind, "cpu");
            let reason = backend.reason.expect("a reason for the CPU");
            assert!(reason.contains("adapter"), "{reason}");
            assert_eq!(backend.reason_code, Some("no-adapter"));
            // Asking for WebGPU explicitly is an error, never a silent fallback.
            let err = Engine::new(small_layer(), BackendChoice::Gpu).await.err().expect("no WebGPU here");
            assert!(err.to_string().contains("no GPU adapter"), "{err}");
        }
        other => panic!("unknown MOE_CLINIC_EXPECT_BACKEND {other}"),
    }
}

/// Every router, capacity on and off, noise, shared experts, odd sizes, T = 0, 1 and more
/// than a workgroup. On WebGPU: against the CPU reference, stage by stage. On the CPU
/// fallback: against what the native CPU computed for the same cases
/// (tests/fixtures/cpu_traces.json), not against the same code in the same browser.
#[wasm_bindgen_test]
async fn routes_match_the_cpu_reference() {
    let fixture: Vec<TraceSummary> =
        serde_json::from_str(include_str!("fixtures/cpu_traces.json")).expect("the native CPU's traces");
    assert_eq!(fixture.len() as u64, FIXTURE_CASES);
    let mut routers = std::collections::HashSet::new();
    let mut context: Option<Rc<GpuContext>> = None;
    for case in 0..FIXTURE_CASES {
        let (weights, routing, x, tokens) = fixture_case(case);
        let label = format!("case {case}: {:?} {routing:?} T={tokens}", weights.arch);
        let mut engine = Engine::new(weights.clone(), BackendChoice::Auto).await.unwrap();
        let trace = engine.forward(&routing, &x, tokens).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        if expected_backend() == "webgpu" {
            assert_eq!(trace.backend.kind, "gpu");
            let cpu = forward_cpu(&weights, &routing, &x, tokens).unwrap();
            assert!(
                near_tie_tokens(&cpu, &weights.selection_multipliers()).is_empty(),
                "{label}: inputs should clear the margin rule"
            );
            assert_traces_match(&label, &trace, &cpu, true);
            // Every intermediate buffer, so that a failure names its stage.
            let ctx = context.get_or_insert(Rc::new(GpuContext::new().await.expect("a WebGPU adapter")));
            let mut layer = GpuLayer::new(Rc::clone(ctx), &weights).await.unwrap_or_else(|e| panic!("{label}: {e}"));
            let stages = layer.forward_stages(&routing, &x, tokens).await.unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_stages_match(&label, &stages, &reference::forward(&weights, &routing, &x, tokens).unwrap(), true);
        } else {
            assert_eq!(trace.backend.kind, "cpu");
            TraceSummary::of(case, &x, &trace).assert_matches(&fixture[case as usize]);
        }
        routers.insert(routing.router);
    }
    assert_eq!(routers.len(), RouterKind::ALL.len());
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &key.into()).unwrap()
}

/// `xs` as the Float32Array a page passes to `Engine.run`.
fn floats(xs: &[f32]) -> JsValue {
    js_sys::Float32Array::from(xs).into()
}

/// Calls made while a routing or a step was in flight: on WebGPU each is the coded "busy"
/// error; on the CPU the run had already ended, so each answered.
fn assert_busy_while_on_the_gpu<const N: usize>(calls: [Result<JsValue, JsValue>; N]) {
    for (i, call) in calls.into_iter().enumerate() {
        match (expected_backend(), call) {
            ("webgpu", Err(err)) => assert_eq!(get(&err, "code").as_string().as_deref(), Some("busy"), "call {i}"),
            ("webgpu", Ok(_)) => panic!("call {i} answered while the GPU run was in flight"),
            (_, result) => assert!(result.is_ok(), "call {i} on the CPU: {result:?}"),
        }
    }
}

/// The JavaScript facade: a static async factory, typed arrays, and `Error` objects.
#[wasm_bindgen_test]
async fn facade_gives_typed_arrays_and_readable_errors() {
    let options = js_sys::JSON::parse(
        r#"{"random": {"d_model": 8, "d_ff": 12, "num_experts": 4, "expert_kind": "relu", "seed": 3}}"#,
    )
    .unwrap();
    let engine = WebEngine::create(options).await.expect("created");
    let backend = engine.backend().unwrap();
    assert!(get(&backend, "kind").as_string().is_some());

    let routing = js_sys::JSON::parse(r#"{"router": "switch", "top_k": 1, "capacity": 2}"#).unwrap();
    let x: Vec<f32> = (0..5 * 8).map(|i| ((i * 7) % 11) as f32 / 5.0 - 1.0).collect();
    let trace = JsFuture::from(engine.run(floats(&x), 5.0, routing)).await.expect("a trace");
    assert_eq!(get(&trace, "token_count").as_f64(), Some(5.0));
    assert!(get(&trace, "tokens").is_undefined(), "an engine trace has no text, so no tokens array");
    let index = get(&trace, "expert_index").dyn_into::<js_sys::Int32Array>().expect("an Int32Array");
    assert_eq!(index.length(), 5);
    let load = get(&trace, "expert_load").dyn_into::<js_sys::Uint32Array>().unwrap().to_vec();
    assert!(load.iter().all(|&l| l <= 2), "capacity 2 is respected: {load:?}");
    let output = get(&trace, "output").dyn_into::<js_sys::Float32Array>().unwrap();
    assert_eq!(output.length(), 5 * 8);
    assert!(get(&get(&trace, "metrics"), "aux_loss").as_f64().is_some());

    // Bad input rejects with an Error whose message says what is wrong and whose code a
    // program can branch on.
    let bad = js_sys::JSON::parse(r#"{"router": "mixtral", "top_k": 9}"#).unwrap();
    let err = JsFuture::from(engine.run(floats(&x), 5.0, bad)).await.expect_err("k > E");
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("invalid-config"));
    let err = err.dyn_into::<js_sys::Error>().expect("an Error object");
    assert!(String::from(err.message()).contains("larger than the number of experts"));
    // A misspelt field is an error naming it, never silently dropped.
    let misspelt = js_sys::JSON::parse(r#"{"router": "token-choice", "top_k": 2, "capacityFactor": 0.5}"#).unwrap();
    let err = JsFuture::from(engine.run(floats(&x), 5.0, misspelt)).await.expect_err("unknown field");
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("bad-options"));
    let message = String::from(err.dyn_into::<js_sys::Error>().unwrap().message());
    assert!(message.contains("capacityFactor"), "{message}");
    // A token count past u32 is refused, not wrapped to 1.
    let routing = js_sys::JSON::parse(r#"{"router": "mixtral", "top_k": 2}"#).unwrap();
    let err =
        JsFuture::from(engine.run(floats(&x), 4_294_967_297.0, routing.clone())).await.expect_err("2**32 + 1 tokens");
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("invalid-input"));
    let routing = js_sys::JSON::parse(r#"{"router": "mixtral", "top_k": 2}"#).unwrap();
    let err = JsFuture::from(engine.run(floats(&x[..7]), 5.0, routing.clone())).await.expect_err("wrong length");
    assert!(String::from(err.dyn_into::<js_sys::Error>().unwrap().message()).contains("needs 40"));
    // Input of the wrong type is a coded rejection too, not a TypeError thrown by the glue;
    // a plain array of numbers is read as the Float32Array.
    for wrong in [JsValue::UNDEFINED, JsValue::from_str("1, 2, 3"), js_sys::JSON::parse(r#"[1, "two"]"#).unwrap()] {
        let err = JsFuture::from(engine.run(wrong, 5.0, routing.clone())).await.expect_err("not floats");
        assert_eq!(get(&err, "code").as_string().as_deref(), Some("invalid-input"));
    }
    let plain: js_sys::Array = x.iter().map(|&v| JsValue::from_f64(v as f64)).collect();
    let same = JsFuture::from(engine.run(plain.into(), 5.0, routing.clone())).await.expect("an array of numbers");
    assert_eq!(get(&same, "token_count").as_f64(), Some(5.0));
    let unknown = js_sys::JSON::parse(r#"{"router": "psychic", "top_k": 1}"#).unwrap();
    assert!(JsFuture::from(engine.run(floats(&x), 5.0, unknown)).await.is_err());
    let err = WebEngine::create(JsValue::from_str("nonsense")).await.err().expect("bad options");
    assert!(String::from(err.dyn_into::<js_sys::Error>().unwrap().message()).contains("options"));

    // Empty text: an empty trace, no error.
    let empty = JsFuture::from(engine.run(floats(&[]), 0.0, routing)).await.expect("T = 0 is fine");
    assert_eq!(get(&empty, "token_count").as_f64(), Some(0.0));

    // Sizes whose product wraps a 32-bit usize (2^16 x 2^16 = 2^32 is 0 on wasm32) are
    // refused with the limit named, instead of trapping in the first run.
    let huge = js_sys::JSON::parse(
        r#"{"random": {"d_model": 65536, "d_ff": 65536, "num_experts": 1, "expert_kind": "relu", "seed": 1}}"#,
    )
    .unwrap();
    let err = WebEngine::create(huge).await.err().expect("2^32 weights");
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("invalid-config"));
    let message = String::from(err.dyn_into::<js_sys::Error>().unwrap().message());
    assert!(message.contains("MAX_WEIGHTS"), "{message}");
    // Unknown fields at creation too.
    let misspelt = js_sys::JSON::parse(
        r#"{"random": {"d_model": 8, "d_ff": 12, "num_experts": 4, "expert_kind": "relu", "seed": 3, "sharedExperts": 2}}"#,
    )
    .unwrap();
    let err = WebEngine::create(misspelt).await.err().expect("unknown field");
    let message = String::from(err.dyn_into::<js_sys::Error>().unwrap().message());
    assert!(message.contains("sharedExperts"), "{message}");

    // The router rules the page builds its menus from, one entry per router in menu order.
    let routers = moe_clinic::web::routers().unwrap();
    let routers: js_sys::Array = routers.dyn_into().unwrap();
    let names: Vec<String> = routers.iter().map(|r| get(&r, "name").as_string().unwrap()).collect();
    assert_eq!(names, RouterKind::ALL.map(|r| r.name().to_string()));
    let switch = routers.get(1);
    assert_eq!(get(&switch, "top_k").as_string().as_deref(), Some("one"));
    assert_eq!(get(&switch, "capacity").as_string().as_deref(), Some("optional"));
    let limits = moe_clinic::web::limits().unwrap();
    assert_eq!(get(&limits, "max_chars").as_f64(), Some(2000.0));
    assert_eq!(get(&limits, "max_tokens").as_f64(), Some(512.0));
}

/// Capacity changes re-route without rebuilding anything: one engine, many routings.
#[wasm_bindgen_test]
async fn one_engine_many_routings() {
    let weights = small_layer();
    let mut engine = Engine::new(weights.clone(), BackendChoice::Auto).await.unwrap();
    for (router, top_k, capacity) in [
        (RouterKind::Mixtral, 2, Capacity::Dropless),
        (RouterKind::Switch, 1, Capacity::Factor(1.0)),
        (RouterKind::ExpertChoice, 2, Capacity::Factor(1.25)),
        (RouterKind::Dense, 4, Capacity::Dropless),
    ] {
        let routing = Routing { router, top_k, capacity, noise: None };
        let (x, cpu, _) = inputs_with_margin(&weights, &routing, 70, 8);
        let trace = engine.forward(&routing, &x, 70).await.unwrap();
        assert_traces_match(&format!("{routing:?}"), &trace, &cpu, true);
    }
}

/// The whole clinic model on this run's backend (on WebGPU every stage a kernel, one
/// readback per text) against the CPU twins: tests/common/clinic.rs, as natively.
#[wasm_bindgen_test]
async fn the_clinic_model_routes_as_on_the_cpu() {
    let (choice, kind) =
        if expected_backend() == "webgpu" { (BackendChoice::Gpu, "gpu") } else { (BackendChoice::Auto, "cpu") };
    // Every 200th held-out sentence (20) and texts of zero and one token, every model and router.
    let (compared, near_ties) = common::clinic::check_routes(choice, kind, &common::clinic::texts(200)).await;
    web_sys::console::log_1(&format!("{compared} routings compared exactly, {near_ties} near-ties in floats").into());
}

/// A shipped model through the facade: route a text, then price its network; the traffic
/// is recomputed here from the trace's `expert_index` by DESIGN.md's definitions.
#[wasm_bindgen_test]
async fn clinic_routes_and_prices_its_network() {
    use moe_clinic::web::Clinic;
    let options = js_sys::Object::new();
    let set = |key: &str, value: JsValue| js_sys::Reflect::set(&options, &key.into(), &value).unwrap();
    set("model", js_sys::Uint8Array::from(&include_bytes!("../www/models/mixtral-8.safetensors")[..]).into());
    set("tokenizer", include_str!("../www/models/tokenizer.json").into());
    let clinic = Clinic::create(options.clone().into()).await.expect("the shipped model loads");
    let devices = js_sys::JSON::parse(r#"{"devices": 4}"#).unwrap();
    let err = clinic.network(devices.clone()).expect_err("nothing routed yet");
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("bad-options"));
    for wrong in [JsValue::UNDEFINED, JsValue::from_f64(42.0)] {
        let err = JsFuture::from(clinic.route(wrong, JsValue::UNDEFINED)).await.expect_err("not a string");
        assert_eq!(get(&err, "code").as_string().as_deref(), Some("invalid-input"));
    }

    let trace = JsFuture::from(clinic.route("My chest hurts when I climb the stairs".into(), JsValue::UNDEFINED))
        .await
        .expect("routed");
    let tokens = get(&trace, "token_count").as_f64().unwrap() as usize;
    let slots = get(&trace, "slots").as_f64().unwrap() as usize;
    let index = get(&trace, "expert_index").dyn_into::<js_sys::Int32Array>().unwrap().to_vec();
    let network = clinic.network(devices.clone()).expect("priced");
    let traffic: Vec<Vec<u64>> = serde_wasm_bindgen::from_value(get(&network, "traffic")).unwrap();
    let mut expected = vec![vec![0u64; 4]; 4];
    for t in 0..tokens {
        for &e in index[t * slots..(t + 1) * slots].iter().filter(|&&e| e >= 0) {
            expected[t * 4 / tokens][e as usize * 4 / 8] += 1;
        }
    }
    assert_eq!(traffic, expected);
    // Token offsets index the text as JavaScript does (UTF-16), accents and emoji included.
    let text = "Coração acelerado 💓 e febre";
    let trace = JsFuture::from(clinic.route(text.into(), JsValue::UNDEFINED)).await.expect("routed");
    let js_text = js_sys::JsString::from(text);
    for token in js_sys::Array::from(&get(&trace, "tokens")).iter() {
        let (start, end) = (get(&token, "start").as_f64().unwrap() as u32, get(&token, "end").as_f64().unwrap() as u32);
        assert_eq!(String::from(js_text.slice(start, end)), get(&token, "text").as_string().unwrap(), "{start}..{end}");
    }
    let last = js_sys::Array::from(&get(&trace, "tokens")).pop();
    assert_eq!(get(&last, "end").as_f64(), Some(js_text.length() as f64), "the last token ends the text");
    // Getters while a routing is in flight (on WebGPU it holds the clinic across its
    // readback): the coded "busy" error, never a panic; the routing itself is unharmed.
    let pending = JsFuture::from(clinic.route("Fever and a cough since Monday".into(), JsValue::UNDEFINED));
    JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await.unwrap();
    let meanwhile = [clinic.backend(), clinic.config(), clinic.network(devices.clone())];
    pending.await.expect("routed");
    assert_busy_while_on_the_gpu(meanwhile);
    assert!(clinic.backend().is_ok() && clinic.network(devices.clone()).is_ok(), "free again after the routing");
    let bad = js_sys::JSON::parse(r#"{"devices": 4, "link": "tin-can"}"#).unwrap();
    let err = clinic.network(bad).expect_err("unknown link");
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("invalid-config"));
    let misspelt = js_sys::JSON::parse(r#"{"devices": 4, "placment": "round-robin"}"#).unwrap();
    assert!(clinic.network(misspelt).is_err());
    set("sharedExperts", 2.into());
    let err = Clinic::create(options.into()).await.err().expect("unknown field");
    assert!(String::from(err.dyn_into::<js_sys::Error>().unwrap().message()).contains("sharedExperts"));
}

/// The receptionist learning in the browser: a run from the page's defaults (a few steps),
/// its held-out measurements, its model loaded back into a clinic, and bad options.
#[wasm_bindgen_test]
async fn training_runs_measures_and_exports_a_model_the_clinic_loads() {
    use moe_clinic::web::{Clinic, Training};
    let tokenizer: JsValue = include_str!("../www/models/tokenizer.json").into();
    let dataset: JsValue = js_sys::Uint8Array::from(&include_bytes!("../www/models/dataset.safetensors")[..]).into();
    let create_on = |backend: &str, options: &str| {
        let object = js_sys::Object::new();
        js_sys::Reflect::set(&object, &"dataset".into(), &dataset).unwrap();
        js_sys::Reflect::set(&object, &"tokenizer".into(), &tokenizer).unwrap();
        js_sys::Reflect::set(&object, &"backend".into(), &backend.into()).unwrap();
        js_sys::Reflect::set(&object, &"options".into(), &js_sys::JSON::parse(options).unwrap()).unwrap();
        Training::create(object.into())
    };
    let create = |options: &str| create_on(expected_backend(), options);
    let training = create(r#"{"experts": 4, "seed": 3, "batch": 16}"#).await.expect("a run");
    let backend = get(&training.backend().unwrap(), "kind").as_string().unwrap();
    assert_eq!(backend, if expected_backend() == "webgpu" { "gpu" } else { "cpu" });
    // "auto" trains on the CPU where the only WebGPU adapter is a software one (as here).
    let auto = create_on("auto", r#"{"experts": 4}"#).await.expect("a run");
    let info = auto.backend().unwrap();
    assert_eq!(get(&info, "kind").as_string().as_deref(), Some("cpu"));
    let why = if expected_backend() == "webgpu" { "software-adapter" } else { "no-adapter" };
    assert_eq!(get(&info, "reason_code").as_string().as_deref(), Some(why));
    let first = JsFuture::from(training.step(1.0)).await.unwrap();
    // A getter while a step is in flight gets the coded "busy" error, never a panic: on
    // WebGPU the step holds the run across its readback; on the CPU it ends in its first poll.
    let pending = JsFuture::from(training.step(40.0));
    JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await.unwrap();
    let meanwhile = (training.backend(), training.config());
    let after = pending.await.unwrap();
    assert_busy_while_on_the_gpu([meanwhile.0, meanwhile.1]);
    assert!(training.backend().is_ok() && training.config().is_ok(), "free again once the step is done");
    for steps in [0.0, 2.7, 1001.0, 4294967297.0, f64::NAN] {
        let err = JsFuture::from(training.step(steps)).await.expect_err("steps out of range");
        assert_eq!(get(&err, "code").as_string().as_deref(), Some("bad-options"), "step({steps})");
    }
    assert_eq!(get(&after, "step").as_f64(), Some(41.0));
    let loss = |r: &JsValue| get(r, "cross_entropy").as_f64().unwrap();
    assert!(loss(&after) < loss(&first), "the loss falls: {} then {}", loss(&first), loss(&after));
    let measured = JsFuture::from(training.measure()).await.unwrap();
    let load: Vec<f64> = serde_wasm_bindgen::from_value(get(&measured, "load")).unwrap();
    assert_eq!(load.len(), 4);
    assert!((load.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{load:?}");

    // The model as it is now, in the shipped format: a clinic routes with it.
    let options = js_sys::Object::new();
    let model = JsFuture::from(training.export_model()).await.unwrap();
    js_sys::Reflect::set(&options, &"model".into(), &model).unwrap();
    js_sys::Reflect::set(&options, &"tokenizer".into(), &tokenizer).unwrap();
    js_sys::Reflect::set(&options, &"backend".into(), &"cpu".into()).unwrap();
    let clinic = Clinic::create(options.into()).await.expect("the exported model loads");
    let trace = JsFuture::from(clinic.route("Itchy rash on my arms".into(), JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get(&trace, "num_experts").as_f64(), Some(4.0));
    let card = JsFuture::from(training.export_card()).await.unwrap();
    assert_eq!(get(&get(&card, "config"), "name").as_string().as_deref(), Some("trained-in-browser"));

    for (options, needle) in [
        (r#"{"experts": 40}"#, "experts must be 2 to 16"),
        (r#"{"learningRate": 0.1}"#, "learningRate"),
        (r#"{"balance": "fiscal"}"#, "fiscal"),
    ] {
        let err = create(options).await.err().expect(needle);
        let message = String::from(err.dyn_into::<js_sys::Error>().unwrap().message());
        assert!(message.contains(needle), "{message}");
    }
}

/// One training step on WebGPU equals the CPU step, stage by stage, for every router, both
/// expert kinds, with and without a shared expert (the same cases as the native
/// lavapipe test). The CPU-fallback run has no GPU to compare.
#[wasm_bindgen_test]
async fn a_training_step_on_webgpu_matches_the_cpu() {
    if expected_backend() != "webgpu" {
        return;
    }
    let ctx = Rc::new(GpuContext::new().await.expect("a WebGPU adapter"));
    let cases = common::training::cases();
    assert_eq!(cases.len(), 20);
    for (router, kind, shared, balance, seed) in cases {
        common::training::check_case(&ctx, router, kind, shared, balance, seed).await;
    }
}
