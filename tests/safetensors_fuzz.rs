//! Hostile safetensors files: random headers (shapes that overflow or that the data cannot
//! back, offsets past the end, overlapping or reversed, unknown dtypes, a lying header
//! length) through every reader (layer weights, clinic models, the page's dataset, a
//! tensor read). Each must give a result or an error within a time bound: never a panic,
//! an abort from a huge allocation, or a hang.
#![cfg(not(target_arch = "wasm32"))]

use moe_clinic::model::clinic::ClinicWeights;
use moe_clinic::model::dataset::Dataset;
use moe_clinic::moe::tensors::TensorFile;
use moe_clinic::moe::{LayerWeights, Style};
use proptest::prelude::*;
use std::time::{Duration, Instant};

const NAMES: [&str; 8] = [
    "gate.weight",
    "experts.0.w1.weight",
    "experts.0.w2.weight",
    "experts.0.w3.weight",
    "hidden_states",
    "train.ids",
    "embed.weight",
    "x",
];
const DTYPES: [(&str, u64); 7] = [("F32", 4), ("F16", 2), ("BF16", 2), ("I32", 4), ("U8", 1), ("F64", 8), ("BOOL", 1)];
/// Mostly small sizes, so that most files are valid and reach the readers' checks; some
/// huge ones, whose products overflow or that the data cannot back.
const DIMS: [u64; 10] = [0, 1, 2, 3, 4, 6, 8, 1 << 20, 1 << 40, u64::MAX / 3];

/// What goes wrong with a file, if anything.
#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    /// The header's length prefix overstates the header.
    Length,
    /// One tensor's offsets point elsewhere.
    Offsets,
    /// The data stops short.
    Truncated,
}

fn file() -> impl Strategy<Value = Vec<u8>> {
    let tensor = (0..NAMES.len(), 0..DTYPES.len(), prop::collection::vec(0..DIMS.len(), 0..4));
    let faults = prop_oneof![
        Just(Fault::None),
        Just(Fault::None),
        Just(Fault::Length),
        Just(Fault::Offsets),
        Just(Fault::Truncated)
    ];
    (prop::collection::vec(tensor, 0..5), faults, 0u64..64).prop_map(|(tensors, fault, shift)| {
        let mut entries = Vec::new();
        let mut offset = 0u64;
        for (i, (name, dtype, dims)) in tensors.iter().enumerate() {
            let (dtype, size) = DTYPES[*dtype];
            let shape: Vec<u64> = dims.iter().map(|&d| DIMS[d]).collect();
            // A huge product still gets a small range: the header lies about the size.
            let bytes =
                shape.iter().try_fold(size, |a, &d| a.checked_mul(d)).filter(|&b| b <= 4096).unwrap_or(size * 3);
            let (start, end) = match (fault, i) {
                (Fault::Offsets, 0) => (offset + shift, offset + bytes),
                _ => (offset, offset + bytes),
            };
            offset += bytes;
            let shape: Vec<String> = shape.iter().map(u64::to_string).collect();
            entries.push(format!(
                r#""{}{}":{{"dtype":"{dtype}","shape":[{}],"data_offsets":[{start},{end}]}}"#,
                NAMES[*name],
                "_".repeat(i),
                shape.join(",")
            ));
        }
        let header = format!("{{{}}}", entries.join(","));
        let length = match fault {
            Fault::Length => header.len() as u64 + 1 + shift,
            _ => header.len() as u64,
        };
        let mut bytes = length.to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        let data = match fault {
            Fault::Truncated => offset.saturating_sub(1 + shift),
            _ => offset,
        };
        // Values that are finite as F32, F16 and BF16 alike.
        bytes.extend((0..data).map(|i| if i % 2 == 0 { 0x3c } else { 0x10 }));
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_reader_answers_quickly_without_panicking(bytes in file()) {
        let started = Instant::now();
        if let Ok(file) = TensorFile::parse(&bytes) {
            for name in file.names().iter().map(|n| n.to_string()).chain(NAMES.iter().map(|n| n.to_string())) {
                let name = name.as_str();
                let _ = file.read_f32(name);
                let _ = file.read_i32(name);
            }
        }
        for style in [Style::Mixtral, Style::Switch] {
            let _ = LayerWeights::from_safetensors(&bytes, style, "", None);
        }
        let _ = ClinicWeights::from_safetensors(&bytes);
        let _ = Dataset::from_safetensors(&bytes, 2000);
        prop_assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    }
}
