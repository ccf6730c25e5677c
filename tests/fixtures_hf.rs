//! `moe-clinic layer` against Hugging Face transformers' own MoE blocks
//! (`MixtralSparseMoeBlock`, `SwitchTransformersSparseMLP`), on both backends. The fixtures
//! were made by `tests/fixtures/make_hf_fixtures.py` (versions in cases.json); CI needs no
//! torch. Outputs must agree within atol 1e-4; choices and drops exactly (every fixture's
//! routing margin is at least 1e-4, above DESIGN.md's 1e-5).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{SKIP_GPU_VAR, assert_close, gpu_context};
use moe_clinic::moe::tensors::TensorFile;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hf");

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("cases.json")).expect("cases.json");
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    json["cases"].as_array().expect("a list of cases").clone()
}

fn run_layer(case: &Value, backend: &str) -> PathBuf {
    let name = case["name"].as_str().unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hf-{name}-{backend}.safetensors"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_moe-clinic"));
    cmd.args(["layer", "--style", case["style"].as_str().unwrap()])
        .args(["--prefix", case["prefix"].as_str().unwrap()])
        .args(["--top-k", &case["top_k"].to_string()])
        .args(["--backend", backend])
        .arg("--weights")
        .arg(Path::new(FIXTURES).join(format!("{name}.weights.safetensors")))
        .arg("--input")
        .arg(Path::new(FIXTURES).join(format!("{name}.io.safetensors")))
        .arg("--output")
        .arg(&out);
    if let Some(capacity) = case["capacity"].as_u64() {
        cmd.args(["--capacity", &capacity.to_string()]);
    }
    let status = cmd.output().expect("moe-clinic runs");
    assert!(status.status.success(), "{name} on {backend}: {}", String::from_utf8_lossy(&status.stderr));
    out
}

fn check(case: &Value, backend: &str) {
    let name = case["name"].as_str().unwrap();
    let label = format!("{name} ({backend})");
    let expected_bytes = std::fs::read(Path::new(FIXTURES).join(format!("{name}.io.safetensors"))).unwrap();
    let expected = TensorFile::parse(&expected_bytes).unwrap();
    let actual_bytes = std::fs::read(run_layer(case, backend)).unwrap();
    let actual = TensorFile::parse(&actual_bytes).unwrap();

    let (shape, index) = actual.read_i32("expert_index").unwrap();
    let (expected_shape, expected_index) = expected.read_i32("expected_expert_index").unwrap();
    assert_eq!(shape, expected_shape, "{label}: expert_index shape");
    assert_eq!(index, expected_index, "{label}: choices and drops");
    let dropped = index.iter().filter(|&&i| i < 0).count() as u64;
    assert_eq!(dropped, case["dropped_tokens"].as_u64().unwrap(), "{label}: dropped tokens");

    let weights = actual.read_f32("routing_weights").unwrap().1;
    assert_close(
        &format!("{label}: routing_weights"),
        &weights,
        &expected.read_f32("expected_routing_weights").unwrap().1,
        1e-5,
        1e-5,
    );
    let hidden = actual.read_f32("hidden_states").unwrap();
    let expected_hidden = expected.read_f32("expected_hidden_states").unwrap();
    assert_eq!(hidden.0, expected_hidden.0, "{label}: output shape");
    assert_close(&format!("{label}: hidden_states"), &hidden.1, &expected_hidden.1, 1e-4, 0.0);
}

#[test]
fn fixtures_cover_the_issue() {
    let cases = cases();
    let has = |pred: &dyn Fn(&Value) -> bool| cases.iter().any(pred);
    for style in ["mixtral", "switch"] {
        assert!(has(&|c| c["style"] == style && c["prefix"] == ""), "{style} without prefix");
        assert!(has(&|c| c["style"] == style && c["prefix"] != ""), "{style} with prefix");
        assert!(has(&|c| c["style"] == style && c["dtype"] == "F32"), "{style} F32");
        assert!(has(&|c| c["style"] == style && c["dtype"] == "BF16"), "{style} BF16");
    }
    assert!(has(&|c| c["layout"] == "fused"), "the fused transformers 5 layout");
    assert!(has(&|c| c["dropped_tokens"].as_u64() > Some(0)), "a case with dropped tokens");
    assert!(cases.iter().all(|c| c["min_margin"].as_f64().unwrap() >= 1e-5), "every case clears the margin rule");
}

#[test]
fn cpu_backend_reproduces_transformers() {
    for case in cases() {
        check(&case, "cpu");
    }
}

#[test]
fn gpu_backend_reproduces_transformers() {
    if gpu_context().is_none() {
        eprintln!("{SKIP_GPU_VAR}=1: GPU fixtures skipped");
        return;
    }
    for case in cases() {
        check(&case, "gpu");
    }
}
