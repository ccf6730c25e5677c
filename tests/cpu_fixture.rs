//! `tests/fixtures/cpu_traces.json` is what the native CPU reference computes for the
//! browser suite's cases: the browser's CPU fallback (wasm32) is checked against it
//! (tests/web.rs), not against itself. This test keeps the file current: it fails when
//! the reference's results change, and `MOE_CLINIC_BLESS=1` rewrites the file.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{FIXTURE_CASES, TraceSummary, fixture_case};
use moe_clinic::moe::forward_cpu;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cpu_traces.json");

#[test]
fn browser_fixture_is_what_the_native_reference_computes() {
    let summaries: Vec<TraceSummary> = (0..FIXTURE_CASES)
        .map(|case| {
            let (weights, routing, x, tokens) = fixture_case(case);
            TraceSummary::of(case, &x, &forward_cpu(&weights, &routing, &x, tokens).unwrap())
        })
        .collect();
    if std::env::var("MOE_CLINIC_BLESS").as_deref() == Ok("1") {
        std::fs::write(FIXTURE, serde_json::to_string(&summaries).unwrap() + "\n").unwrap();
    }
    let stored: Vec<TraceSummary> = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap())
        .expect("tests/fixtures/cpu_traces.json (MOE_CLINIC_BLESS=1 writes it)");
    assert_eq!(stored.len(), summaries.len());
    assert!(stored.iter().map(|s| s.tokens).sum::<usize>() > 200, "the fixture routes too few tokens");
    assert!(stored.iter().any(|s| s.dropped_slots > 0), "the fixture should include dropped tokens");
    for (now, then) in summaries.iter().zip(&stored) {
        now.assert_matches(then);
    }
}
