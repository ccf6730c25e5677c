//! Every kernel parses and validates with naga, as the GPU will compile it (common.wgsl
//! prepended), and its bindings as naga reflects them are the kernel table's: the same
//! buffers in the same `@binding` order, the same access, the same element size. CPU
//! only: runs everywhere, with or without an adapter.
#![cfg(not(target_arch = "wasm32"))]

use moe_clinic::gpu::kernels::{self, Access, COMMON, Kernel, STAGES, TRAINING_STAGES};
use naga::valid::{Capabilities, ValidationFlags, Validator};
use naga::{AddressSpace, StorageAccess, TypeInner};

fn parse(kernel: &Kernel) -> naga::Module {
    let source = kernel.source();
    let module = naga::front::wgsl::parse_str(&source)
        .unwrap_or_else(|e| panic!("{} (with common.wgsl prepended):\n{}", kernel.name, e.emit_to_string(&source)));
    Validator::new(ValidationFlags::all(), Capabilities::default())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{} fails validation:\n{}", kernel.name, e.emit_to_string(&source)));
    module
}

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
    let mut table: Vec<String> = kernels::training().map(|k| k.name.to_string()).collect();
    table.sort();
    assert!(!files.is_empty(), "no shaders found in {dir}");
    assert_eq!(files, table, "shaders/ and the kernel table disagree");
    // A training step runs every kernel, a layer forward's among them, each once.
    assert_eq!(kernels::training().count(), TRAINING_STAGES.iter().map(|(_, k)| k.len()).sum::<usize>());
    assert!(kernels::all().all(|k| kernels::training().any(|t| t.name == k.name)));
    assert_eq!(kernels::all().count(), STAGES.iter().map(|(_, k)| k.len()).sum::<usize>());
}

#[test]
fn every_kernel_validates_with_naga() {
    assert!(!COMMON.is_empty());
    let mut count = 0;
    for kernel in kernels::training() {
        let module = parse(kernel);
        let entry = module.entry_points.iter().find(|ep| ep.name == kernel.name);
        assert!(entry.is_some(), "{} has no entry point named after it", kernel.name);
        assert_eq!(entry.unwrap().stage, naga::ShaderStage::Compute);
        for o in kernel.overrides {
            assert!(
                module.overrides.iter().any(|(_, v)| v.name.as_deref() == Some(o.name())),
                "{} lacks the override {}",
                kernel.name,
                o.name()
            );
        }
        count += 1;
    }
    assert!(count >= 30, "only {count} kernels found");
}

/// The binding list of the table against naga's reflection of the source: a buffer bound
/// under the wrong name, with the wrong access or element size, or in another order,
/// fails here instead of on a GPU.
#[test]
fn bindings_match_the_kernel_table() {
    for kernel in kernels::training() {
        let module = parse(kernel);
        let mut reflected: Vec<(u32, &naga::GlobalVariable)> = module
            .global_variables
            .iter()
            .filter_map(|(_, var)| {
                var.binding.as_ref().map(|b| {
                    assert_eq!(b.group, 0, "{}: {:?} is not in group 0", kernel.name, var.name);
                    (b.binding, var)
                })
            })
            .collect();
        reflected.sort_by_key(|(binding, _)| *binding);
        let reflected_names: Vec<String> = reflected.iter().map(|(_, v)| v.name.clone().unwrap_or_default()).collect();
        let table_names: Vec<String> = kernel.bindings.iter().map(|(buf, _)| buf.name().to_string()).collect();
        assert_eq!(reflected_names, table_names, "{}: bindings by name", kernel.name);
        for (i, ((binding, var), &(buf, access))) in reflected.iter().zip(kernel.bindings).enumerate() {
            assert_eq!(*binding as usize, i, "{}: bindings must be numbered 0..n", kernel.name);
            let reflected_access = match var.space {
                AddressSpace::Uniform => Access::Uniform,
                AddressSpace::Storage { access } if access.contains(StorageAccess::STORE) => Access::ReadWrite,
                AddressSpace::Storage { .. } => Access::Read,
                other => panic!("{}: {} is in {other:?}", kernel.name, buf.name()),
            };
            assert_eq!(reflected_access, access, "{}: access of {}", kernel.name, buf.name());
            let size = match module.types[var.ty].inner {
                TypeInner::Array { stride, .. } => stride as u64,
                TypeInner::Struct { span, .. } => span as u64,
                ref other => panic!("{}: {} has type {other:?}", kernel.name, buf.name()),
            };
            assert_eq!(size, buf.element_bytes(), "{}: element size of {} (min_binding_size)", kernel.name, buf.name());
        }
    }
}

/// The constants common.wgsl mirrors from Rust ("Keep in sync with ..."), read from naga's
/// module of common.wgsl itself, so that a value changed on one side only fails here.
#[test]
fn common_constants_mirror_rust() {
    use moe_clinic::model::{clinic, train};
    use moe_clinic::moe::{reference, weights};
    use naga::{Expression, Literal};
    // common.wgsl reads each kernel's `params`, so it is parsed as a kernel's prelude.
    let kernel = kernels::training().next().expect("a kernel");
    assert!(kernel.source().starts_with(COMMON));
    let module = parse(kernel);
    let value = |name: &str| {
        let (_, constant) = module
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("common.wgsl has no const {name}"));
        match module.global_expressions[constant.init] {
            Expression::Literal(Literal::U32(v)) => v as f64,
            Expression::Literal(Literal::F32(v)) => v as f64,
            ref other => panic!("{name} is not a literal: {other:?}"),
        }
    };
    for (name, rust) in [
        ("ROW_BLOCK", reference::ROW_BLOCK as f64),
        ("CLASSES", clinic::CLASSES as f64),
        ("ADAM_BETA1", train::BETA1 as f64),
        ("ADAM_BETA2", train::BETA2 as f64),
        ("ADAM_EPSILON", train::EPSILON as f64),
        ("MAX_SELECTION_BIAS", weights::MAX_SELECTION_BIAS as f64),
        ("WORKGROUP", kernels::WORKGROUP as f64),
    ] {
        assert_eq!(value(name), rust, "{name}: common.wgsl and Rust disagree");
    }
}
