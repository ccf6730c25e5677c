//! A layer's weights: loaded from safetensors under the tensor names published checkpoints
//! use (DESIGN.md, "Weights"), or drawn at random for tests, benchmarks and demos.

use super::config::{Architecture, ExpertKind, RouterKind};
use super::error::{MoeError, Result};
use super::tensors::{Tensor, TensorFile, write_tensors};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The largest selection bias (DeepSeek-V3's balancing) a layer holds, either sign: exp of
/// it stays far inside f32. Training keeps its biases within it. Mirrored in common.wgsl.
pub const MAX_SELECTION_BIAS: f32 = 60.0;

/// A checkpoint convention: tensor names, the expert kind and the router it implies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    /// `gate.weight`, `experts.{i}.w1/w2/w3.weight` (or the fused `experts.gate_up_proj`,
    /// `experts.down_proj` of transformers 5); SwiGLU experts; the mixtral router.
    Mixtral,
    /// `router.classifier.weight` (+ `.bias`), `experts.expert_{i}.wi/wo.weight`; ReLU
    /// experts; the switch router.
    Switch,
}

impl Style {
    pub fn name(self) -> &'static str {
        match self {
            Style::Mixtral => "mixtral",
            Style::Switch => "switch",
        }
    }

    pub fn default_expert_kind(self) -> ExpertKind {
        match self {
            Style::Mixtral => ExpertKind::Swiglu,
            Style::Switch => ExpertKind::Relu,
        }
    }

    pub fn default_router(self) -> RouterKind {
        match self {
            Style::Mixtral => RouterKind::Mixtral,
            Style::Switch => RouterKind::Switch,
        }
    }

    fn router_weight(self) -> &'static str {
        match self {
            Style::Mixtral => "gate.weight",
            Style::Switch => "router.classifier.weight",
        }
    }

    fn router_bias(self) -> &'static str {
        match self {
            Style::Mixtral => "gate.bias",
            Style::Switch => "router.classifier.bias",
        }
    }

    fn selection_bias(self) -> &'static str {
        match self {
            Style::Mixtral => "gate.e_score_correction_bias",
            Style::Switch => "router.e_score_correction_bias",
        }
    }

    /// Names of one expert's matrices (w1, w3, w2); `group` is `experts` or `shared_experts`.
    fn expert_names(self, group: &str, i: usize) -> [String; 3] {
        match self {
            Style::Mixtral => {
                [format!("{group}.{i}.w1.weight"), format!("{group}.{i}.w3.weight"), format!("{group}.{i}.w2.weight")]
            }
            Style::Switch if group == "experts" => {
                [format!("experts.expert_{i}.wi.weight"), String::new(), format!("experts.expert_{i}.wo.weight")]
            }
            Style::Switch => [format!("{group}.{i}.wi.weight"), String::new(), format!("{group}.{i}.wo.weight")],
        }
    }
}

impl FromStr for Style {
    type Err = MoeError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mixtral" => Ok(Style::Mixtral),
            "switch" => Ok(Style::Switch),
            _ => Err(MoeError::Config(format!("unknown style `{s}`; expected mixtral or switch"))),
        }
    }
}

/// Metadata key under which this project's own files record a non-default expert kind.
pub const EXPERT_KIND_KEY: &str = "moe_clinic.expert_kind";

/// All weights of one MoE layer, in f32, experts stacked routed first, then shared.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerWeights {
    pub arch: Architecture,
    /// `[E, d_model]`.
    pub router: Vec<f32>,
    /// `[E]`, or empty when the router has no bias.
    pub router_bias: Vec<f32>,
    /// `[total_experts, d_ff, d_model]`: Mixtral's w1 (gate proj), Switch's wi.
    pub w1: Vec<f32>,
    /// `[total_experts, d_ff, d_model]`: Mixtral's w3 (up proj); empty unless SwiGLU.
    pub w3: Vec<f32>,
    /// `[total_experts, d_model, d_ff]`: Mixtral's w2 (down proj), Switch's wo.
    pub w2: Vec<f32>,
    /// `[E]`, or empty: DeepSeek-V3's auxiliary-loss-free balancing bias, added to the
    /// logits when the experts are chosen and nowhere else (the gates use the clean p).
    /// Stored as `e_score_correction_bias`, the name DeepSeek-V3's checkpoints use.
    pub selection_bias: Vec<f32>,
}

impl LayerWeights {
    /// Random weights: router rows with standard deviation `router_std` (larger means more
    /// decisive routing), expert matrices scaled by 1/sqrt(fan-in).
    pub fn random(arch: Architecture, seed: u64, router_std: f32) -> Self {
        let mut rng = Rng::new(seed);
        let (d, ff, n) = (arch.d_model, arch.d_ff, arch.total_experts());
        let in_std = 1.0 / (d as f32).sqrt();
        let out_std = 1.0 / (ff as f32).sqrt();
        LayerWeights {
            arch,
            router: rng.normals(arch.num_experts * d, router_std),
            router_bias: if arch.router_bias { rng.normals(arch.num_experts, router_std) } else { Vec::new() },
            w1: rng.normals(n * ff * d, in_std),
            w3: if arch.expert_kind == ExpertKind::Swiglu { rng.normals(n * ff * d, in_std) } else { Vec::new() },
            w2: rng.normals(n * d * ff, out_std),
            selection_bias: Vec::new(),
        }
    }

    /// exp(bias) per expert, or empty: choosing by p_e * exp(b_e) ranks the experts as
    /// logit_e + b_e does (softmax is monotonic), without a logarithm of a tiny p. Computed
    /// on the host for a model as loaded, so that the CPU and the GPU rank it with the same
    /// numbers. While training on the GPU, `balance_bias.wgsl` recomputes them after each
    /// update with WGSL's `exp`, which may differ from Rust's by an ulp: one step still
    /// matches the CPU exactly (its choices come before its update), a whole run drifts as
    /// floats do.
    pub fn selection_multipliers(&self) -> Vec<f32> {
        self.selection_bias.iter().map(|b| b.exp()).collect()
    }

    /// Checks that every array has the size the architecture implies.
    pub fn validate(&self) -> Result<()> {
        let a = &self.arch;
        a.validate()?;
        let (d, ff, n) = (a.d_model, a.d_ff, a.total_experts());
        let w3_len = if a.expert_kind == ExpertKind::Swiglu { n * ff * d } else { 0 };
        let bias_len = if a.router_bias { a.num_experts } else { 0 };
        for (name, len, expected) in [
            ("router", self.router.len(), a.num_experts * d),
            ("router_bias", self.router_bias.len(), bias_len),
            ("w1", self.w1.len(), n * ff * d),
            ("w3", self.w3.len(), w3_len),
            ("w2", self.w2.len(), n * d * ff),
        ] {
            if len != expected {
                return Err(MoeError::Config(format!("{name} holds {len} values, the architecture needs {expected}")));
            }
        }
        if !(self.selection_bias.is_empty() || self.selection_bias.len() == a.num_experts) {
            return Err(MoeError::Config(format!(
                "the selection bias holds {} values; it needs one per routed expert ({}) or none",
                self.selection_bias.len(),
                a.num_experts
            )));
        }
        // Bounded so that exp(bias) stays a finite f32 with room to spare.
        if let Some(b) = self.selection_bias.iter().find(|b| !(b.is_finite() && b.abs() <= MAX_SELECTION_BIAS)) {
            return Err(MoeError::Config(format!(
                "a selection bias of {b} is outside -{MAX_SELECTION_BIAS}..{MAX_SELECTION_BIAS}"
            )));
        }
        Ok(())
    }

    /// Loads a layer from safetensors bytes. `prefix` is prepended to every tensor name
    /// (e.g. `model.layers.0.block_sparse_moe.`); `kind` overrides the style's expert kind
    /// (otherwise read from the file's metadata, else the style's default).
    pub fn from_safetensors(bytes: &[u8], style: Style, prefix: &str, kind: Option<ExpertKind>) -> Result<Self> {
        let file = TensorFile::parse(bytes)?.with_prefix(prefix);
        let kind = match (kind, file.metadata(EXPERT_KIND_KEY)) {
            (Some(k), _) => k,
            (None, Some(name)) => name.parse()?,
            (None, None) => style.default_expert_kind(),
        };
        if style == Style::Switch && kind == ExpertKind::Swiglu {
            return Err(MoeError::Config("switch-style files hold relu or gelu experts (wi, wo), not swiglu".into()));
        }

        let router_name = style.router_weight();
        let (router_shape, router) = file.read_f32(router_name)?;
        let [num_experts, d_model] = router_shape[..] else {
            return Err(MoeError::Shape {
                name: format!("{prefix}{router_name}"),
                expected: "[num_experts, d_model]".into(),
                found: router_shape,
            });
        };
        let router_bias = if file.contains(style.router_bias()) {
            file.read_f32_shaped(style.router_bias(), &[num_experts])?
        } else {
            Vec::new()
        };

        let fused = style == Style::Mixtral && file.contains("experts.gate_up_proj");
        let d_ff = if fused {
            fused_d_ff(&file, num_experts, d_model)?
        } else {
            let first = &style.expert_names("experts", 0)[0];
            match file.shape(first) {
                Some(shape) if shape.len() == 2 => shape[0],
                Some(shape) => {
                    return Err(MoeError::Shape {
                        name: format!("{prefix}{first}"),
                        expected: format!("[d_ff, {d_model}]"),
                        found: shape,
                    });
                }
                None => return Err(file.read_f32(first).expect_err("the tensor is absent")),
            }
        };
        let shared_experts = (0..).take_while(|j| file.contains(&style.expert_names("shared_experts", *j)[0])).count();
        let arch = Architecture {
            d_model,
            d_ff,
            num_experts,
            expert_kind: kind,
            router_bias: !router_bias.is_empty(),
            shared_experts,
        };
        arch.validate()?;

        let swiglu = kind == ExpertKind::Swiglu;
        let selection_bias = if file.contains(style.selection_bias()) {
            file.read_f32_shaped(style.selection_bias(), &[num_experts])?
        } else {
            Vec::new()
        };
        let mut weights =
            LayerWeights { arch, router, router_bias, w1: Vec::new(), w3: Vec::new(), w2: Vec::new(), selection_bias };
        if fused {
            read_fused(&file, &mut weights)?;
        }
        let groups = [("experts", if fused { 0 } else { num_experts }), ("shared_experts", shared_experts)];
        for (group, count) in groups {
            for i in 0..count {
                let [n1, n3, n2] = style.expert_names(group, i);
                weights.w1.extend(file.read_f32_shaped(&n1, &[d_ff, d_model])?);
                if swiglu {
                    weights.w3.extend(file.read_f32_shaped(&n3, &[d_ff, d_model])?);
                }
                weights.w2.extend(file.read_f32_shaped(&n2, &[d_model, d_ff])?);
            }
        }
        weights.validate()?;
        Ok(weights)
    }

    /// Writes the layer under `style`'s checkpoint names (split, not fused), as F32, F16
    /// or BF16 (`dtype`), recording a non-default expert kind in the metadata.
    pub fn to_safetensors(&self, style: Style, prefix: &str, dtype: &str) -> Result<Vec<u8>> {
        let a = &self.arch;
        if style == Style::Switch && a.expert_kind == ExpertKind::Swiglu {
            return Err(MoeError::Config("switch-style files hold relu or gelu experts, not swiglu".into()));
        }
        let make = |shape: Vec<usize>, values: &[f32]| Tensor::float(dtype, shape, values);
        let (d, ff) = (a.d_model, a.d_ff);
        let mut tensors =
            vec![(format!("{prefix}{}", style.router_weight()), make(vec![a.num_experts, d], &self.router)?)];
        if a.router_bias {
            tensors.push((format!("{prefix}{}", style.router_bias()), make(vec![a.num_experts], &self.router_bias)?));
        }
        if !self.selection_bias.is_empty() {
            // F32 whatever the dtype: the nudges are small differences between large values.
            let bias = Tensor::f32(vec![a.num_experts], &self.selection_bias);
            tensors.push((format!("{prefix}{}", style.selection_bias()), bias));
        }
        for n in 0..a.total_experts() {
            let (group, i) = if n < a.num_experts { ("experts", n) } else { ("shared_experts", n - a.num_experts) };
            let [n1, n3, n2] = style.expert_names(group, i);
            let m = ff * d;
            tensors.push((format!("{prefix}{n1}"), make(vec![ff, d], &self.w1[n * m..(n + 1) * m])?));
            if a.expert_kind == ExpertKind::Swiglu {
                tensors.push((format!("{prefix}{n3}"), make(vec![ff, d], &self.w3[n * m..(n + 1) * m])?));
            }
            tensors.push((format!("{prefix}{n2}"), make(vec![d, ff], &self.w2[n * m..(n + 1) * m])?));
        }
        let mut metadata = vec![("format", "pt".to_string())];
        if a.expert_kind != style.default_expert_kind() {
            metadata.push((EXPERT_KIND_KEY, a.expert_kind.name().to_string()));
        }
        write_tensors(&tensors, &metadata)
    }
}

/// d_ff of the fused layout, from `experts.gate_up_proj` `[E, 2 * d_ff, d_model]`.
fn fused_d_ff(file: &TensorFile, experts: usize, d_model: usize) -> Result<usize> {
    let shape = file.shape("experts.gate_up_proj").unwrap_or_default();
    match shape[..] {
        [e, two_ff, d] if e == experts && d == d_model && two_ff % 2 == 0 && two_ff > 0 => Ok(two_ff / 2),
        _ => Err(MoeError::Shape {
            name: format!("{}experts.gate_up_proj", file.prefix()),
            expected: format!("[{experts}, 2 * d_ff, {d_model}]"),
            found: shape,
        }),
    }
}

/// The transformers 5 fused layout: gate rows first in `gate_up_proj`, then up rows.
fn read_fused(file: &TensorFile, weights: &mut LayerWeights) -> Result<()> {
    let a = weights.arch;
    let (e, d, ff) = (a.num_experts, a.d_model, a.d_ff);
    let gate_up = file.read_f32_shaped("experts.gate_up_proj", &[e, 2 * ff, d])?;
    weights.w2 = file.read_f32_shaped("experts.down_proj", &[e, d, ff])?;
    for i in 0..e {
        let block = &gate_up[i * 2 * ff * d..(i + 1) * 2 * ff * d];
        weights.w1.extend_from_slice(&block[..ff * d]);
        weights.w3.extend_from_slice(&block[ff * d..]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(kind: ExpertKind, shared: usize, bias: bool) -> Architecture {
        Architecture {
            d_model: 6,
            d_ff: 10,
            num_experts: 3,
            expert_kind: kind,
            router_bias: bias,
            shared_experts: shared,
        }
    }

    #[test]
    fn round_trips_both_styles_with_prefix_and_shared_experts() {
        for (style, kind, bias) in [
            (Style::Mixtral, ExpertKind::Swiglu, false),
            (Style::Switch, ExpertKind::Relu, true),
            (Style::Switch, ExpertKind::Gelu, false),
        ] {
            let mut w = LayerWeights::random(arch(kind, 2, bias), 3, 1.0);
            if bias {
                // DeepSeek-V3's balancing bias travels too, in F32 whatever the file's dtype.
                w.selection_bias = (0..w.arch.num_experts).map(|e| 0.1 * e as f32 - 0.05).collect();
            }
            for prefix in ["", "model.layers.0.block_sparse_moe."] {
                let bytes = w.to_safetensors(style, prefix, "F32").unwrap();
                let back = LayerWeights::from_safetensors(&bytes, style, prefix, None).unwrap();
                assert_eq!(back, w, "{style:?} {prefix:?}");
            }
        }
    }

    #[test]
    fn bf16_files_load_as_the_rounded_values() {
        let w = LayerWeights::random(arch(ExpertKind::Swiglu, 0, false), 4, 1.0);
        let bytes = w.to_safetensors(Style::Mixtral, "", "BF16").unwrap();
        let back = LayerWeights::from_safetensors(&bytes, Style::Mixtral, "", None).unwrap();
        for (a, b) in w.w2.iter().zip(&back.w2) {
            assert_eq!(half::bf16::from_f32(*a).to_f32(), *b);
        }
    }

    #[test]
    fn missing_and_misshapen_tensors_are_named() {
        let w = LayerWeights::random(arch(ExpertKind::Swiglu, 0, false), 5, 1.0);
        let bytes = w.to_safetensors(Style::Mixtral, "m.", "F32").unwrap();
        let err = LayerWeights::from_safetensors(&bytes, Style::Mixtral, "", None).unwrap_err().to_string();
        assert!(err.contains("`gate.weight`") && err.contains("`m.`"), "{err}");
        let err = LayerWeights::from_safetensors(&bytes, Style::Switch, "m.", None).unwrap_err().to_string();
        assert!(err.contains("router.classifier.weight"), "{err}");

        // Drop expert 2's w3 and give expert 1's w2 the wrong shape.
        let file = TensorFile::parse(&bytes).unwrap();
        let mut tensors = Vec::new();
        for name in file.names() {
            let (shape, values) = file.read_f32(name).unwrap();
            if name == "m.experts.2.w3.weight" {
                continue;
            }
            let shape = if name == "m.experts.1.w2.weight" { vec![shape[1], shape[0]] } else { shape };
            tensors.push((name.to_string(), Tensor::f32(shape, &values)));
        }
        let broken = write_tensors(&tensors, &[]).unwrap();
        let err = LayerWeights::from_safetensors(&broken, Style::Mixtral, "m.", None).unwrap_err().to_string();
        assert!(err.contains("m.experts.1.w2.weight") && err.contains("shape"), "{err}");
        tensors.retain(|(n, _)| n != "m.experts.1.w2.weight");
        let broken = write_tensors(&tensors, &[]).unwrap();
        let err = LayerWeights::from_safetensors(&broken, Style::Mixtral, "m.", None).unwrap_err().to_string();
        assert!(err.contains("m.experts.1.w2.weight") && err.contains("no tensor"), "{err}");
    }

    #[test]
    fn fused_layout_matches_split_layout() {
        let w = LayerWeights::random(arch(ExpertKind::Swiglu, 0, false), 6, 1.0);
        let (e, d, ff) = (3, 6, 10);
        let mut gate_up = Vec::new();
        for i in 0..e {
            gate_up.extend_from_slice(&w.w1[i * ff * d..(i + 1) * ff * d]);
            gate_up.extend_from_slice(&w.w3[i * ff * d..(i + 1) * ff * d]);
        }
        let bytes = write_tensors(
            &[
                ("gate.weight".into(), Tensor::f32(vec![e, d], &w.router)),
                ("experts.gate_up_proj".into(), Tensor::f32(vec![e, 2 * ff, d], &gate_up)),
                ("experts.down_proj".into(), Tensor::f32(vec![e, d, ff], &w.w2)),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(LayerWeights::from_safetensors(&bytes, Style::Mixtral, "", None).unwrap(), w);
    }
}
