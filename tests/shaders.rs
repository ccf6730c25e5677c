//! Every kernel parses and validates with naga, as the GPU will compile it (common.wgsl
//! prepended). CPU only: runs everywhere, with or without an adapter.
#![cfg(not(target_arch = "wasm32"))]

use moe_clinic::gpu::kernels::{ALL, COMMON};
use naga::valid::{Capabilities, ValidationFlags, Validator};

#[test]
fn every_shader_file_is_in_the_kernel_table() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/shaders");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("shaders/ exists")
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".wgsl") && name != "common.wgsl")
        .map(|name| name.trim_end_matches(".wgsl").to_string())
        .collect();
    files.sort();
    let mut table: Vec<String> = ALL.iter().map(|k| k.name.to_string()).collect();
    table.sort();
    assert!(!files.is_empty(), "no shaders found in {dir}");
    assert_eq!(files, table, "shaders/ and gpu::kernels::ALL disagree");
}

#[test]
fn every_kernel_validates_with_naga() {
    assert!(!ALL.is_empty() && !COMMON.is_empty());
    for kernel in ALL {
        let source = kernel.source();
        let module = naga::front::wgsl::parse_str(&source)
            .unwrap_or_else(|e| panic!("{} (with common.wgsl prepended):\n{}", kernel.name, e.emit_to_string(&source)));
        Validator::new(ValidationFlags::all(), Capabilities::default())
            .validate(&module)
            .unwrap_or_else(|e| panic!("{} fails validation:\n{}", kernel.name, e.emit_to_string(&source)));
        let entry = module.entry_points.iter().find(|ep| ep.name == kernel.name);
        assert!(entry.is_some(), "{} has no entry point named after it", kernel.name);
        assert_eq!(entry.unwrap().stage, naga::ShaderStage::Compute);
    }
}
