//! Writing and reading `tokenizer.json`, in the one configuration this module implements.

use super::{Tokenizer, TokenizerError, UNK};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
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
    /// tokens, unknown fields, values of the wrong type) is rejected with an error naming
    /// the field.
    pub fn from_json(json: &str) -> Result<Tokenizer, TokenizerError> {
        let mut reader = serde_json::Deserializer::from_str(json);
        let file: File = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
            let field = if e.path().iter().next().is_none() { "(root)".to_string() } else { e.path().to_string() };
            let e = e.into_inner();
            if e.is_data() {
                TokenizerError::Malformed { field, reason: e.to_string() }
            } else {
                TokenizerError::Json(e)
            }
        })?;
        reader.end()?;

        if file.version != "1.0" {
            return Err(unsupported("version", "\"1.0\"", &file.version));
        }
        for (field, value) in
            [("truncation", &file.truncation), ("padding", &file.padding), ("post_processor", &file.post_processor)]
        {
            if value.is_some() {
                return Err(unsupported(field, "null", value));
            }
        }
        for (field, value, want) in [
            ("normalizer", &file.normalizer, NORMALIZER_JSON),
            ("pre_tokenizer", &file.pre_tokenizer, PRE_TOKENIZER_JSON),
            ("decoder", &file.decoder, DECODER_JSON),
        ] {
            let want: Value = serde_json::from_str(want).expect("the constants are JSON");
            if value.as_ref() != Some(&want) {
                return Err(unsupported(field, &want.to_string(), value));
            }
        }

        let model = &file.model;
        if model.kind != "BPE" {
            return Err(unsupported("model.type", "\"BPE\"", &model.kind));
        }
        if model.byte_fallback != Some(true) {
            return Err(unsupported("model.byte_fallback", "true", &model.byte_fallback));
        }
        if model.dropout.is_some() {
            return Err(unsupported("model.dropout", "null", &model.dropout));
        }
        if model.continuing_subword_prefix.is_some() {
            return Err(unsupported("model.continuing_subword_prefix", "null", &model.continuing_subword_prefix));
        }
        if model.end_of_word_suffix.is_some() {
            return Err(unsupported("model.end_of_word_suffix", "null", &model.end_of_word_suffix));
        }
        if model.ignore_merges == Some(true) {
            return Err(unsupported("model.ignore_merges", "false", &model.ignore_merges));
        }

        let vocab = &model.vocab;
        let mut slots: Vec<Option<&str>> = vec![None; vocab.len()];
        for (piece, &id) in vocab {
            let slot = slots.get_mut(id as usize).ok_or_else(|| {
                TokenizerError::Vocab(format!(
                    "id {id} of {piece:?} is not in 0..{} (ids must be 0..n without gaps)",
                    vocab.len()
                ))
            })?;
            if let Some(other) = slot.replace(piece) {
                return Err(TokenizerError::Vocab(format!("{other:?} and {piece:?} share id {id}")));
            }
        }
        let pieces: Vec<String> = slots.into_iter().map(|p| p.expect("ids are 0..n").to_string()).collect();
        if !model.unk_token.as_ref().is_some_and(|unk| vocab.contains_key(unk)) {
            return Err(unsupported("model.unk_token", "a piece of model.vocab", &model.unk_token));
        }

        let mut merges = Vec::with_capacity(model.merges.len());
        for (rank, merge) in model.merges.iter().enumerate() {
            let (left, right) = match merge {
                Merge::Pair(left, right) => (left.as_str(), right.as_str()),
                Merge::Joined(joined) => joined
                    .split_once(' ')
                    .ok_or_else(|| unsupported(&format!("model.merges[{rank}]"), MERGE_FORMS, joined))?,
            };
            let id = |piece: &str| {
                vocab.get(piece).copied().ok_or_else(|| TokenizerError::Merge {
                    rank,
                    left: left.to_string(),
                    right: right.to_string(),
                    reason: format!("{piece:?} is not in model.vocab"),
                })
            };
            merges.push((id(left)?, id(right)?));
        }

        let mut specials = Vec::with_capacity(file.added_tokens.len());
        for (i, token) in file.added_tokens.iter().enumerate() {
            for (flag, value, want) in [
                ("special", token.special, true),
                ("normalized", token.normalized, false),
                ("lstrip", token.lstrip, false),
                ("rstrip", token.rstrip, false),
                ("single_word", token.single_word, false),
            ] {
                if value != want {
                    return Err(unsupported(&format!("added_tokens[{i}].{flag}"), &want.to_string(), &value));
                }
            }
            specials.push((token.content.clone(), token.id));
        }

        Tokenizer::from_parts(pieces, merges, specials)
    }
}

/// `tokenizer.json` as `tokenizers` writes it: field names and types are its own, and
/// where it allows null the field is an `Option`. Unknown fields are refused rather than
/// skipped, since `tokenizers` might act on them. Fields that must be null here hold
/// whatever JSON they have, to show it in the error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a tokenizer.json object")]
struct File {
    version: String,
    truncation: Option<Value>,
    padding: Option<Value>,
    added_tokens: Vec<AddedToken>,
    /// The three pipeline stages are compared whole with what `to_json` writes: this
    /// module implements that pipeline and no other.
    normalizer: Option<Value>,
    pre_tokenizer: Option<Value>,
    post_processor: Option<Value>,
    decoder: Option<Value>,
    model: Model,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddedToken {
    id: u32,
    content: String,
    single_word: bool,
    lstrip: bool,
    rstrip: bool,
    normalized: bool,
    special: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Model {
    #[serde(rename = "type")]
    kind: String,
    dropout: Option<f32>,
    unk_token: Option<String>,
    continuing_subword_prefix: Option<String>,
    end_of_word_suffix: Option<String>,
    #[expect(dead_code, reason = "byte fallback leaves no unknown token to fuse, so any boolean will do")]
    fuse_unk: Option<bool>,
    byte_fallback: Option<bool>,
    ignore_merges: Option<bool>,
    /// Ordered, so that an error about two pieces sharing an id names the same two on
    /// every run.
    vocab: BTreeMap<String, u32>,
    merges: Vec<Merge>,
}

/// The two ways `tokenizers` has written a merge.
const MERGE_FORMS: &str = "[\"left\", \"right\"] or \"left right\"";

#[derive(Deserialize)]
#[serde(untagged, expecting = "a merge: [\"left\", \"right\"] or \"left right\"")]
enum Merge {
    Pair(String, String),
    Joined(String),
}

fn unsupported(field: &str, expected: &str, found: &impl Serialize) -> TokenizerError {
    TokenizerError::Unsupported {
        field: field.to_string(),
        expected: expected.to_string(),
        found: serde_json::to_string(found).expect("values read from JSON serialize"),
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
