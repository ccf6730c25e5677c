//! Writing and reading `tokenizer.json`, in the one configuration this module implements.

use super::{Tokenizer, TokenizerError, UNK};
use serde_json::Value;
use std::fmt::Write as _;

impl Tokenizer {
    /// The `tokenizer.json` text (pretty-printed, vocabulary in id order, merges in rank
    /// order; the same tokenizer always gives the same bytes).
    pub fn to_json(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).expect("strings always serialize");
        let mut j = String::new();
        j.push_str("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n");
        j.push_str("  \"added_tokens\": [");
        for (i, (content, id)) in self.specials.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(
                j,
                "{sep}\n    {{\n      \"id\": {id},\n      \"content\": {},\n      \
                 \"single_word\": false,\n      \"lstrip\": false,\n      \"rstrip\": false,\n      \
                 \"normalized\": false,\n      \"special\": true\n    }}",
                q(content)
            );
        }
        j.push_str("\n  ],\n");
        let _ = writeln!(j, "  \"normalizer\": {NORMALIZER_JSON},");
        let _ = writeln!(j, "  \"pre_tokenizer\": {PRE_TOKENIZER_JSON},");
        j.push_str("  \"post_processor\": null,\n");
        let _ = writeln!(j, "  \"decoder\": {DECODER_JSON},");
        let _ = write!(
            j,
            "  \"model\": {{\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \
             \"unk_token\": {},\n    \"continuing_subword_prefix\": null,\n    \
             \"end_of_word_suffix\": null,\n    \"fuse_unk\": true,\n    \
             \"byte_fallback\": true,\n    \"ignore_merges\": false,\n    \"vocab\": {{",
            q(UNK)
        );
        for (i, p) in self.pieces.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(j, "{sep}\n      {}: {i}", q(p));
        }
        j.push_str("\n    },\n    \"merges\": [");
        for (i, &(a, b)) in self.merges.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let (pa, pb) = (&self.pieces[a as usize], &self.pieces[b as usize]);
            let _ = write!(j, "{sep}\n      [{}, {}]", q(pa), q(pb));
        }
        j.push_str("\n    ]\n  }\n}\n");
        j
    }

    /// Reads a `tokenizer.json` in the configuration [`Tokenizer::to_json`] writes (also
    /// after a load and save by `tokenizers`: merges as `["a", "b"]` pairs or `"a b"`
    /// strings). Anything else (another model, normalizer, pre-tokenizer or decoder,
    /// truncation, padding, a post-processor, non-special added tokens, missing byte
    /// tokens) is rejected with an error naming the field.
    pub fn from_json(json: &str) -> Result<Tokenizer, TokenizerError> {
        let root: Value = serde_json::from_str(json)?;
        let unsupported = |field: &str, expected: &str, found: Option<&Value>| TokenizerError::Unsupported {
            field: field.to_string(),
            expected: expected.to_string(),
            found: found.map_or_else(|| "nothing".to_string(), Value::to_string),
        };
        let Some(root) = root.as_object() else {
            return Err(unsupported("(root)", "a JSON object", Some(&root)));
        };
        let null = Value::Null;
        let get = |k: &str| root.get(k).unwrap_or(&null);
        if get("version") != &Value::String("1.0".into()) {
            return Err(unsupported("version", "\"1.0\"", root.get("version")));
        }
        for k in ["truncation", "padding", "post_processor"] {
            if !get(k).is_null() {
                return Err(unsupported(k, "null", root.get(k)));
            }
        }
        for (k, want) in
            [("normalizer", NORMALIZER_JSON), ("pre_tokenizer", PRE_TOKENIZER_JSON), ("decoder", DECODER_JSON)]
        {
            let want: Value = serde_json::from_str(want).expect("the constants are JSON");
            if root.get(k) != Some(&want) {
                return Err(unsupported(k, &want.to_string(), root.get(k)));
            }
        }

        let model = get("model");
        let mget = |k: &str| model.get(k).unwrap_or(&null);
        let field = |k: &str| format!("model.{k}");
        if mget("type") != &Value::String("BPE".into()) {
            return Err(unsupported("model.type", "\"BPE\"", model.get("type")));
        }
        if mget("byte_fallback") != &Value::Bool(true) {
            return Err(unsupported("model.byte_fallback", "true", model.get("byte_fallback")));
        }
        for k in ["dropout", "continuing_subword_prefix", "end_of_word_suffix"] {
            if !mget(k).is_null() {
                return Err(unsupported(&field(k), "null", model.get(k)));
            }
        }
        if !matches!(mget("ignore_merges"), Value::Null | Value::Bool(false)) {
            return Err(unsupported("model.ignore_merges", "false", model.get("ignore_merges")));
        }
        if !matches!(mget("fuse_unk"), Value::Null | Value::Bool(_)) {
            return Err(unsupported("model.fuse_unk", "a boolean", model.get("fuse_unk")));
        }

        let Some(vocab) = mget("vocab").as_object() else {
            return Err(unsupported("model.vocab", "an object of piece: id", model.get("vocab")));
        };
        let mut slots: Vec<Option<String>> = vec![None; vocab.len()];
        for (piece, id) in vocab {
            let id = id.as_u64().filter(|&id| (id as usize) < slots.len()).ok_or_else(|| {
                TokenizerError::Vocab(format!(
                    "id {id} of {piece:?} is not in 0..{} (ids must be 0..n without gaps)",
                    slots.len()
                ))
            })?;
            if let Some(other) = slots[id as usize].replace(piece.clone()) {
                return Err(TokenizerError::Vocab(format!("{other:?} and {piece:?} share id {id}")));
            }
        }
        let pieces: Vec<String> = slots.into_iter().map(|p| p.expect("ids are 0..n")).collect();
        match mget("unk_token").as_str() {
            Some(unk) if vocab.contains_key(unk) => {}
            _ => {
                return Err(unsupported("model.unk_token", "a piece of model.vocab", model.get("unk_token")));
            }
        }

        let Some(merge_list) = mget("merges").as_array() else {
            return Err(unsupported("model.merges", "an array", model.get("merges")));
        };
        let mut merges = Vec::with_capacity(merge_list.len());
        for (rank, m) in merge_list.iter().enumerate() {
            let pair: Option<(&str, &str)> = match m {
                Value::String(s) => s.split_once(' '),
                Value::Array(a) if a.len() == 2 => a[0].as_str().zip(a[1].as_str()),
                _ => None,
            };
            let Some((l, r)) = pair else {
                return Err(unsupported(
                    &format!("model.merges[{rank}]"),
                    "[\"left\", \"right\"] or \"left right\"",
                    Some(m),
                ));
            };
            let id = |p: &str| {
                vocab.get(p).and_then(Value::as_u64).map(|id| id as u32).ok_or_else(|| TokenizerError::Merge {
                    rank,
                    left: l.to_string(),
                    right: r.to_string(),
                    reason: format!("{p:?} is not in model.vocab"),
                })
            };
            merges.push((id(l)?, id(r)?));
        }

        let Some(added) = get("added_tokens").as_array() else {
            return Err(unsupported("added_tokens", "an array", root.get("added_tokens")));
        };
        let mut specials = Vec::with_capacity(added.len());
        for (i, t) in added.iter().enumerate() {
            let f = |k: &str| t.get(k).unwrap_or(&null);
            for (k, want) in
                [("special", true), ("normalized", false), ("lstrip", false), ("rstrip", false), ("single_word", false)]
            {
                if f(k) != &Value::Bool(want) {
                    return Err(unsupported(&format!("added_tokens[{i}].{k}"), &want.to_string(), t.get(k)));
                }
            }
            let (Some(content), Some(id)) = (f("content").as_str(), f("id").as_u64()) else {
                return Err(unsupported(
                    &format!("added_tokens[{i}]"),
                    "an object with a string `content` and an integer `id`",
                    Some(t),
                ));
            };
            specials.push((content.to_string(), id as u32));
        }

        Tokenizer::from_parts(pieces, merges, specials)
    }
}

/// The `normalizer` of the file, as written (pretty, at the file's second level).
const NORMALIZER_JSON: &str = r#"{
    "type": "Sequence",
    "normalizers": [
      {
        "type": "Lowercase"
      },
      {
        "type": "Prepend",
        "prepend": "▁"
      }
    ]
  }"#;

/// The `pre_tokenizer` of the file.
const PRE_TOKENIZER_JSON: &str = r#"{
    "type": "Sequence",
    "pretokenizers": [
      {
        "type": "Metaspace",
        "replacement": "▁",
        "prepend_scheme": "never",
        "split": true
      },
      {
        "type": "Punctuation",
        "behavior": "Isolated"
      }
    ]
  }"#;

/// The `decoder` of the file (Llama's).
const DECODER_JSON: &str = r#"{
    "type": "Sequence",
    "decoders": [
      {
        "type": "Replace",
        "pattern": {
          "String": "▁"
        },
        "content": " "
      },
      {
        "type": "ByteFallback"
      },
      {
        "type": "Fuse"
      },
      {
        "type": "Strip",
        "content": " ",
        "start": 1,
        "stop": 0
      }
    ]
  }"#;
