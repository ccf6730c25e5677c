//! Reading and writing safetensors: F32, F16 and BF16 in (converted to f32), F32, F16,
//! BF16 and I32 out. Every read names the tensor in its error.

use super::error::{MoeError, Result};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors, View};
use std::borrow::Cow;
use std::collections::HashMap;

/// A parsed safetensors buffer.
pub struct TensorFile<'a> {
    tensors: SafeTensors<'a>,
    metadata: HashMap<String, String>,
    /// Prepended to every name read, e.g. `model.layers.0.block_sparse_moe.`.
    prefix: String,
}

impl<'a> TensorFile<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        if looks_like_shard_index(bytes) {
            return Err(MoeError::Format(
                "this is a sharded checkpoint's JSON index, not a safetensors file; pass the shard that holds the layer".into(),
            ));
        }
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| MoeError::Format(e.to_string()))?;
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| MoeError::Format(e.to_string()))?;
        let metadata = header.metadata().clone().unwrap_or_default();
        Ok(TensorFile { tensors, metadata, prefix: String::new() })
    }

    /// Reads every later name under `prefix` (which should end with a dot).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_string();
        self
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names = self.tensors.names();
        names.sort_unstable();
        names
    }

    /// Whether `prefix + name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.tensors.tensor(&self.full(name)).is_ok()
    }

    /// The shape of `prefix + name`, if present.
    pub fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.tensors.tensor(&self.full(name)).ok().map(|t| t.shape().to_vec())
    }

    fn full(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).map(String::as_str)
    }

    fn view(&self, name: &str) -> Result<TensorView<'a>> {
        let full = self.full(name);
        self.tensors.tensor(&full).map_err(|_| MoeError::MissingTensor { hint: self.prefix_hint(name), name: full })
    }

    /// When `name` is absent under our prefix but present under another, names that prefix.
    fn prefix_hint(&self, name: &str) -> String {
        let names = self.names();
        let found =
            names.iter().find(|n| n.ends_with(name) && (n.len() == name.len() || n.ends_with(&format!(".{name}"))));
        match found {
            Some(n) => format!(" (found `{n}`: the prefix should be `{}`)", &n[..n.len() - name.len()]),
            None if names.is_empty() => " (the file holds no tensors)".into(),
            None => String::new(),
        }
    }

    /// Reads a floating-point tensor as f32, rejecting NaN and infinity.
    pub fn read_f32(&self, name: &str) -> Result<(Vec<usize>, Vec<f32>)> {
        let view = self.view(name)?;
        let name = &self.full(name);
        let bytes = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Dtype::F16 => {
                bytes.chunks_exact(2).map(|b| half::f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()).collect()
            }
            Dtype::BF16 => bytes
                .chunks_exact(2)
                .map(|b| half::bf16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32())
                .collect(),
            other => return Err(MoeError::Dtype { name: name.to_string(), dtype: format!("{other:?}") }),
        };
        if let Some((index, value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(MoeError::NonFinite { name: name.to_string(), index, value: *value });
        }
        check_elements(name, view.shape(), values.len())?;
        Ok((view.shape().to_vec(), values))
    }

    /// Reads a floating-point tensor and checks its shape.
    pub fn read_f32_shaped(&self, name: &str, expected: &[usize]) -> Result<Vec<f32>> {
        let (shape, values) = self.read_f32(name)?;
        if shape != expected {
            return Err(MoeError::Shape { name: self.full(name), expected: format!("{expected:?}"), found: shape });
        }
        Ok(values)
    }

    /// Reads an I32 tensor.
    pub fn read_i32(&self, name: &str) -> Result<(Vec<usize>, Vec<i32>)> {
        let view = self.view(name)?;
        let name = &self.full(name);
        if view.dtype() != Dtype::I32 {
            return Err(MoeError::Dtype {
                name: name.to_string(),
                dtype: format!("{:?} (expected I32)", view.dtype()),
            });
        }
        let values: Vec<i32> =
            view.data().chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        check_elements(name, view.shape(), values.len())?;
        Ok((view.shape().to_vec(), values))
    }
}

/// The shape's product (without overflow) must be the number of values the data holds.
fn check_elements(name: &str, shape: &[usize], values: usize) -> Result<()> {
    let product = shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n));
    if product != Some(values) {
        return Err(MoeError::Format(format!(
            "tensor `{name}` has shape {shape:?} but its data holds {values} values"
        )));
    }
    Ok(())
}

fn looks_like_shard_index(bytes: &[u8]) -> bool {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|s| bytes[s] == b'{') && bytes.windows(10).any(|w| w == b"weight_map")
}

/// An owned tensor ready to be written.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl Tensor {
    pub fn f32(shape: Vec<usize>, values: &[f32]) -> Self {
        assert_eq!(shape.iter().product::<usize>(), values.len(), "shape and data disagree");
        Tensor { dtype: Dtype::F32, shape, data: values.iter().flat_map(|v| v.to_le_bytes()).collect() }
    }

    pub fn f16(shape: Vec<usize>, values: &[f32]) -> Self {
        assert_eq!(shape.iter().product::<usize>(), values.len(), "shape and data disagree");
        let data = values.iter().flat_map(|v| half::f16::from_f32(*v).to_bits().to_le_bytes()).collect();
        Tensor { dtype: Dtype::F16, shape, data }
    }

    pub fn bf16(shape: Vec<usize>, values: &[f32]) -> Self {
        assert_eq!(shape.iter().product::<usize>(), values.len(), "shape and data disagree");
        let data = values.iter().flat_map(|v| half::bf16::from_f32(*v).to_bits().to_le_bytes()).collect();
        Tensor { dtype: Dtype::BF16, shape, data }
    }

    /// A float tensor stored as `dtype`: "F32", "F16" or "BF16".
    pub fn float(dtype: &str, shape: Vec<usize>, values: &[f32]) -> Result<Self> {
        match dtype {
            "F32" => Ok(Tensor::f32(shape, values)),
            "F16" => Ok(Tensor::f16(shape, values)),
            "BF16" => Ok(Tensor::bf16(shape, values)),
            other => Err(MoeError::Config(format!("cannot write dtype {other}; use F32, F16 or BF16"))),
        }
    }

    pub fn i32(shape: Vec<usize>, values: &[i32]) -> Self {
        assert_eq!(shape.iter().product::<usize>(), values.len(), "shape and data disagree");
        Tensor { dtype: Dtype::I32, shape, data: values.iter().flat_map(|v| v.to_le_bytes()).collect() }
    }
}

impl View for &Tensor {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// Serialises named tensors (sorted by name, as safetensors requires) with metadata.
pub fn write_tensors(tensors: &[(String, Tensor)], metadata: &[(&str, String)]) -> Result<Vec<u8>> {
    let meta: HashMap<String, String> = metadata.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let meta = if meta.is_empty() { None } else { Some(meta) };
    let bytes = safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), meta)
        .map_err(|e| MoeError::Format(e.to_string()))?;
    canonical_header(bytes)
}

/// Rewrites the JSON header with sorted keys. safetensors writes the metadata from a
/// HashMap, whose order changes from run to run; a file must not (`moe-clinic train`
/// regenerates the shipped models bit for bit). Data offsets are relative to the end of the
/// header, so only the header changes; it stays padded with spaces to 8 bytes, as the
/// format requires.
fn canonical_header(bytes: Vec<u8>) -> Result<Vec<u8>> {
    let bad = |what: &str| MoeError::Format(format!("cannot canonicalise the safetensors header: {what}"));
    let length =
        u64::from_le_bytes(bytes.get(..8).ok_or_else(|| bad("too short"))?.try_into().expect("8 bytes")) as usize;
    let header = bytes.get(8..8 + length).ok_or_else(|| bad("truncated"))?;
    // serde_json's map is a BTreeMap here: serialising it sorts every object's keys.
    let value: serde_json::Value = serde_json::from_slice(header).map_err(|e| bad(&e.to_string()))?;
    let mut json = serde_json::to_string(&value).map_err(|e| bad(&e.to_string()))?;
    while json.len() % 8 != 0 {
        json.push(' ');
    }
    let mut out = Vec::with_capacity(8 + json.len() + bytes.len() - 8 - length);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(json.as_bytes());
    out.extend_from_slice(&bytes[8 + length..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_written_dtype() {
        let values = [1.0f32, -2.5, 0.15625, 3.0];
        let bytes = write_tensors(
            &[
                ("a".into(), Tensor::f32(vec![2, 2], &values)),
                ("b".into(), Tensor::f16(vec![4], &values)),
                ("c".into(), Tensor::bf16(vec![4], &values)),
                ("d".into(), Tensor::i32(vec![1, 2], &[-1, 7])),
            ],
            &[("kind", "test".into())],
        )
        .unwrap();
        let file = TensorFile::parse(&bytes).unwrap();
        assert_eq!(file.read_f32("a").unwrap(), (vec![2, 2], values.to_vec()));
        // These values are exact in f16 and bf16.
        assert_eq!(file.read_f32("b").unwrap().1, values.to_vec());
        assert_eq!(file.read_f32("c").unwrap().1, values.to_vec());
        assert_eq!(file.read_i32("d").unwrap(), (vec![1, 2], vec![-1, 7]));
        assert_eq!(file.metadata("kind"), Some("test"));
        assert_eq!(file.names(), vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn files_are_byte_identical_whatever_the_metadata_order() {
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
        let metadata: Vec<(&str, String)> = names.iter().enumerate().map(|(i, n)| (*n, i.to_string())).collect();
        let write = || write_tensors(&[("x".into(), Tensor::f32(vec![2], &[1.0, 2.0]))], &metadata).unwrap();
        let first = write();
        for _ in 0..20 {
            assert_eq!(write(), first);
        }
        let file = TensorFile::parse(&first).unwrap();
        assert_eq!(file.read_f32("x").unwrap().1, [1.0, 2.0]);
        assert_eq!(file.metadata("k"), Some("10"));
    }

    #[test]
    fn bad_tensors_are_named_in_errors() {
        let bytes = write_tensors(
            &[
                ("model.gate.weight".into(), Tensor::f32(vec![2], &[1.0, f32::NAN])),
                ("ids".into(), Tensor::i32(vec![1], &[3])),
            ],
            &[],
        )
        .unwrap();
        let file = TensorFile::parse(&bytes).unwrap();
        let err = file.read_f32("model.gate.weight").unwrap_err().to_string();
        assert!(err.contains("model.gate.weight") && err.contains("NaN"), "{err}");
        let err = file.read_f32("ids").unwrap_err().to_string();
        assert!(err.contains("ids") && err.contains("I32"), "{err}");
        let err = file.read_f32("gate.weight").unwrap_err().to_string();
        assert!(err.contains("no tensor `gate.weight`") && err.contains("prefix should be `model.`"), "{err}");
        let prefixed = TensorFile::parse(&bytes).unwrap().with_prefix("wrong.");
        let err = prefixed.read_f32("gate.weight").unwrap_err().to_string();
        assert!(err.contains("no tensor `wrong.gate.weight`") && err.contains("`model.`"), "{err}");
        let err = file.read_f32_shaped("ids", &[1]).unwrap_err().to_string();
        assert!(err.contains("ids"), "{err}");
    }

    #[test]
    fn garbage_and_shard_indexes_are_clear_errors() {
        assert!(TensorFile::parse(b"not a tensor file").is_err());
        let index = br#"{"metadata": {}, "weight_map": {"a": "model-00001.safetensors"}}"#;
        let err = TensorFile::parse(index).err().unwrap().to_string();
        assert!(err.contains("sharded"), "{err}");
    }
}
