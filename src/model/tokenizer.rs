//! Subword tokenizer for the triage model: byte-fallback BPE, SentencePiece/Llama style,
//! stored as a Hugging Face `tokenizers` `tokenizer.json`.
//!
//! Every token of a complaint is one "patient" on the page, so tokens look like a language
//! model's: with 1,000 entries learned from the training split (at the time of writing),
//! `"My chest hurts!"` becomes `▁my ▁chest ▁h ur ts <0x21>` and `"Minha cabeça dói"`
//! becomes `▁minha ▁cabeça ▁d ó i`. Words carry a leading `▁` (U+2581) for the space
//! before them, punctuation marks are tokens of their own, and any character the
//! vocabulary lacks (emoji, CJK, Arabic, control characters, and `!` or `ú`, which the
//! corpus never uses) becomes its UTF-8 bytes as `<0x00>`..`<0xFF>` tokens, so every
//! `&str` tokenizes and decodes back without loss.
//!
//! # Pipeline (the same one `tokenizers` runs on the saved file)
//! 1. **Special tokens.** `<unk>` (id 0) and `<pad>` (id 1) are `added_tokens` with
//!    `special: true, normalized: false`. As in `tokenizers`, their literal text in the
//!    input (case-sensitive, leftmost-longest) becomes the special token and the text
//!    between them is tokenized piece by piece. Encoding never produces them otherwise.
//! 2. **Normalizer** `Sequence[Lowercase, Prepend("▁")]`. Lowercasing is per character
//!    (Rust's `char::to_lowercase`, as `tokenizers` does; so no final-sigma rule): the
//!    corpus is small (about 12,000 training sentences), and letting "Chest", "CHEST"
//!    and "chest" share one token triples the examples per word while case says
//!    nothing about which specialist a patient needs. `Prepend` puts one `▁` before each
//!    non-empty piece of text, standing for the start of the text.
//! 3. **Pre-tokenizer** `Sequence[Metaspace("▁", prepend_scheme "never", split true),
//!    Punctuation(Isolated)]`: every space (U+0020 only) becomes `▁` and starts a new
//!    pre-token, and every punctuation mark (ASCII punctuation plus Unicode category P, as
//!    `tokenizers` classifies it, see `is_punctuation`) is a pre-token of its own. Tabs,
//!    newlines and other whitespace stay inside words (as byte tokens unless the corpus
//!    had them). So `" a  b\t."` is normalized to `▁▁a▁▁b\t.` and pre-tokenized into
//!    `▁` `▁a` `▁` `▁b\t` `.`.
//! 4. **Model** BPE with `byte_fallback: true`: each pre-token starts as its characters
//!    (a character missing from the vocabulary becomes one byte token per UTF-8 byte),
//!    then the applicable merge of lowest rank, leftmost first, is applied until none
//!    applies (`tokenizers`' algorithm: a heap of (rank, position)). The trainer never
//!    merges byte tokens; `ignore_merges` is false, `continuing_subword_prefix` unset.
//! 5. **Decoder** `Sequence[Replace("▁", " "), ByteFallback, Fuse, Strip(" ", 1, 0)]`
//!    (Llama's): `▁` becomes a space, runs of byte tokens become their UTF-8 text
//!    (U+FFFD per byte if a run is not valid UTF-8), and the one space that the
//!    normalizer prepended is stripped.
//!
//! `decode(encode(x)) == lowercase(x)` for every `x` that contains neither a special
//! token's text (decoding skips special tokens, like `tokenizers`' default, and the text
//! after one got its own `▁`) nor a literal `▁`, which decodes as a space, as in
//! SentencePiece.
//!
//! # Deviation from the plain Metaspace design
//! Metaspace with `prepend_scheme: "always"` only prepends `▁` when the text does not
//! already start with one, so `" hello"` and `"hello"` would both encode to `▁hello`
//! and the decoder's `Strip` would lose the leading space. The `Prepend` normalizer
//! (what Llama 2's own `tokenizer.json` uses) always prepends, which keeps leading spaces.
//!
//! # Training
//! [`Tokenizer::train`] pre-tokenizes the texts with the same pipeline, counts words,
//! and makes every character seen (after lowercasing) a base token; then it repeatedly
//! merges the most frequent adjacent pair of symbols (counted over all words, weighted
//! by word frequency), ties broken by the lexicographically smallest (left piece, right
//! piece) in byte order, stopping at `vocab_size` entries or when no pair occurs twice.
//! Hash maps are only used for lookups and counts, never iterated into the result, so
//! the same texts give a byte-identical `tokenizer.json`.
//!
//! Vocabulary order: `<unk>` 0, `<pad>` 1, `<0x00>`..`<0xFF>` 2..=257, `▁` 258, the
//! other characters (most frequent first, ties by code point), then merged pieces in the
//! order learned.
//!
//! # Offsets
//! [`Token::start`]..[`Token::end`] is the byte range of the original text a token comes
//! from: a word token covers its space and letters (`"▁chest"` covers `" Chest"`), the
//! `▁` prepended to the text (or to the text after a special token) covers nothing, so
//! on its own it has an empty range (`tokenizers` gives it the next character's range),
//! and all byte tokens of one character cover that whole character. The ranges are in
//! order, lie on char boundaries, and together cover the whole input. A character whose
//! lowercase is longer (`İ` -> `i` + U+0307) gives all its tokens its range.
//!
//! # Checked against `tokenizers`
//! `tests/fixtures/check_tokenizer_hf.py` loads trained `tokenizer.json` files in Python
//! `tokenizers` (0.23.3) and compares ids, offsets, decoded text and pre-tokens with this
//! module (via the ignored test `hf_dump`) on the corpus test split, hostile inputs,
//! random mixtures and every Unicode scalar value; see that file.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;
use std::ops::Range;

use serde_json::Value;

/// The unknown token (id 0). Never produced by encoding (bytes cover everything) except
/// where the input spells it out; the format requires one.
pub const UNK: &str = "<unk>";
/// The padding token (id 1), for batching.
pub const PAD: &str = "<pad>";
/// Id of [`UNK`] in a trained tokenizer.
pub const UNK_ID: u32 = 0;
/// Id of [`PAD`] in a trained tokenizer.
pub const PAD_ID: u32 = 1;
/// The word marker, U+2581 LOWER ONE EIGHTH BLOCK, standing for a space.
pub const SPACE_MARK: char = '\u{2581}';

/// Id of byte token `<0x00>` in a trained tokenizer; `<0xNN>` is `FIRST_BYTE_ID + 0xNN`.
const FIRST_BYTE_ID: u32 = 2;
/// Id of `▁` in a trained tokenizer: always in the vocabulary, or spaces would decode as
/// the bytes of `▁` (the decoder replaces `▁` before it turns bytes into text).
const SPACE_MARK_ID: u32 = FIRST_BYTE_ID + 256;
/// A pair must occur at least this often (weighted by word frequency) to be merged.
const MIN_PAIR_COUNT: u64 = 2;

/// A trained or loaded tokenizer. Immutable; cheap to share between threads.
#[derive(Clone, Debug)]
pub struct Tokenizer {
    /// Id to piece.
    pieces: Vec<String>,
    /// Piece to id.
    ids: HashMap<String, u32>,
    /// Single-character pieces: the base symbols of a word.
    chars: HashMap<char, u32>,
    /// Id of `<0xNN>` at index `0xNN`.
    byte_ids: [u32; 256],
    /// Merges in rank order (rank = index).
    merges: Vec<(u32, u32)>,
    /// Pair to (rank, id of the merged piece).
    merge_map: HashMap<(u32, u32), (u32, u32)>,
    /// Special tokens matched in raw text: (content, id), in `added_tokens` order.
    specials: Vec<(String, u32)>,
    /// `specials` by id, for skipping them when decoding.
    is_special: Vec<bool>,
}

/// One token of an encoded text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Vocabulary id.
    pub id: u32,
    /// The vocabulary piece, e.g. "▁chest", "s", "<0xF0>".
    pub piece: String,
    /// Byte range of the ORIGINAL input text this token covers. For byte-fallback tokens
    /// of one multi-byte character, each token has the whole character's range.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
}

/// Why a `tokenizer.json` cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// Not JSON at all.
    #[error("tokenizer.json is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field is missing or has a value this implementation does not support.
    #[error(
        "tokenizer.json: unsupported `{field}`: expected {expected}, found {found} (only the \
         byte-fallback BPE configuration written by Tokenizer::to_json is supported)"
    )]
    Unsupported {
        /// JSON path of the field, e.g. `model.byte_fallback`.
        field: String,
        /// What is supported.
        expected: String,
        /// What the file has (compact JSON, or `nothing`).
        found: String,
    },
    /// The vocabulary lacks one of the 256 byte tokens byte fallback needs.
    #[error("tokenizer.json: model.vocab lacks the byte-fallback token `{0}`")]
    MissingByteToken(String),
    /// The vocabulary is malformed (ids not 0..n, duplicates, special token mismatch...).
    #[error("tokenizer.json: invalid vocabulary: {0}")]
    Vocab(String),
    /// A merge refers to pieces that are not in the vocabulary, or repeats a pair.
    #[error("tokenizer.json: invalid merge #{rank} ({left:?}, {right:?}): {reason}")]
    Merge {
        /// Position in `model.merges`.
        rank: usize,
        /// Left piece.
        left: String,
        /// Right piece.
        right: String,
        /// What is wrong.
        reason: String,
    },
}

/// A normalized character and the byte range of the original text it comes from.
#[derive(Clone, Copy, Debug)]
struct NChar {
    c: char,
    start: usize,
    end: usize,
}

impl Tokenizer {
    /// Learns a BPE vocabulary of at most `vocab_size` entries (2 specials + 256 bytes +
    /// `▁` + the other characters seen + merged pieces) from `texts`; see the module doc
    /// for the procedure and the tie-breaking rule. Deterministic. A `vocab_size` below
    /// 259 is raised to 259 (specials, bytes and `▁` are always there); if `vocab_size`
    /// leaves no room for all the characters seen, the most frequent ones are kept and
    /// the others fall back to bytes.
    pub fn train<'a>(texts: impl IntoIterator<Item = &'a str>, vocab_size: usize) -> Tokenizer {
        let mut pieces: Vec<String> = vec![UNK.to_string(), PAD.to_string()];
        pieces.extend((0..=255u8).map(byte_piece));
        let specials = vec![(UNK.to_string(), UNK_ID), (PAD.to_string(), PAD_ID)];
        pieces.push(SPACE_MARK.to_string());
        let vocab_size = vocab_size.max(pieces.len());

        // Word frequencies, over the same pre-tokens encoding sees.
        let mut word_counts: HashMap<String, u64> = HashMap::new();
        let mut nchars = Vec::new();
        for text in texts {
            for_each_plain_segment(&specials, text, |range| {
                nchars.clear();
                normalize(&text[range.clone()], range.start, &mut nchars);
                for w in pre_tokenize(&nchars) {
                    let word: String = nchars[w].iter().map(|n| n.c).collect();
                    *word_counts.entry(word).or_insert(0) += 1;
                }
            });
        }
        let mut words: Vec<(String, u64)> = word_counts.into_iter().collect();
        words.sort_unstable();

        // Base characters: most frequent first, ties by code point.
        let mut char_counts: HashMap<char, u64> = HashMap::new();
        for (w, n) in &words {
            for c in w.chars() {
                *char_counts.entry(c).or_insert(0) += n;
            }
        }
        char_counts.remove(&SPACE_MARK);
        let mut chars: Vec<(char, u64)> = char_counts.into_iter().collect();
        chars.sort_unstable_by_key(|&(c, n)| (Reverse(n), c));
        chars.truncate(vocab_size - pieces.len());
        let mut char_ids: HashMap<char, u32> = HashMap::from([(SPACE_MARK, SPACE_MARK_ID)]);
        for (c, _) in chars {
            char_ids.insert(c, pieces.len() as u32);
            pieces.push(c.to_string());
        }
        let mut ids: HashMap<String, u32> = HashMap::new();
        for (i, p) in pieces.iter().enumerate() {
            ids.insert(p.clone(), i as u32);
        }

        // Words as symbol ids; specials and byte tokens (ids below `▁`) never merge.
        let first_mergeable = SPACE_MARK_ID;
        let mut symbols: Vec<(Vec<u32>, u64)> = words
            .iter()
            .map(|(w, n)| {
                let mut syms = Vec::with_capacity(w.len());
                for c in w.chars() {
                    match char_ids.get(&c) {
                        Some(&id) => syms.push(id),
                        None => {
                            let mut buf = [0u8; 4];
                            syms.extend(c.encode_utf8(&mut buf).bytes().map(|b| FIRST_BYTE_ID + b as u32));
                        }
                    }
                }
                (syms, *n)
            })
            .collect();

        let mut merges: Vec<(u32, u32)> = Vec::new();
        let mut counts: HashMap<(u32, u32), u64> = HashMap::new();
        while pieces.len() < vocab_size {
            counts.clear();
            for (syms, n) in &symbols {
                for p in syms.windows(2) {
                    if p[0] >= first_mergeable && p[1] >= first_mergeable {
                        *counts.entry((p[0], p[1])).or_insert(0) += n;
                    }
                }
            }
            // Highest count; ties: smallest (left piece, right piece). A total order, so
            // the hash map's iteration order cannot leak into the result.
            let best = counts.iter().max_by(|(pa, na), (pb, nb)| {
                na.cmp(nb).then_with(|| {
                    let ka = (&pieces[pa.0 as usize], &pieces[pa.1 as usize]);
                    let kb = (&pieces[pb.0 as usize], &pieces[pb.1 as usize]);
                    kb.cmp(&ka)
                })
            });
            let Some((&(a, b), &n)) = best else { break };
            if n < MIN_PAIR_COUNT {
                break;
            }
            let merged = format!("{}{}", pieces[a as usize], pieces[b as usize]);
            let new_id = match ids.get(&merged) {
                Some(&id) => id,
                None => {
                    let id = pieces.len() as u32;
                    ids.insert(merged.clone(), id);
                    pieces.push(merged);
                    id
                }
            };
            merges.push((a, b));
            for (syms, _) in &mut symbols {
                if syms.len() < 2 {
                    continue;
                }
                let mut out = 0;
                let mut i = 0;
                while i < syms.len() {
                    if i + 1 < syms.len() && syms[i] == a && syms[i + 1] == b {
                        syms[out] = new_id;
                        i += 2;
                    } else {
                        syms[out] = syms[i];
                        i += 1;
                    }
                    out += 1;
                }
                syms.truncate(out);
            }
        }

        Tokenizer::from_parts(pieces, merges, specials).expect("a trained vocabulary is always consistent")
    }

    /// Builds the lookup tables; checks that every byte token exists and that merges
    /// refer to pieces whose concatenation is in the vocabulary.
    fn from_parts(
        pieces: Vec<String>,
        merges: Vec<(u32, u32)>,
        specials: Vec<(String, u32)>,
    ) -> Result<Tokenizer, TokenizerError> {
        let mut ids = HashMap::with_capacity(pieces.len());
        let mut chars = HashMap::new();
        for (i, p) in pieces.iter().enumerate() {
            if ids.insert(p.clone(), i as u32).is_some() {
                return Err(TokenizerError::Vocab(format!("piece {p:?} appears twice")));
            }
            let mut it = p.chars();
            if let (Some(c), None) = (it.next(), it.next()) {
                chars.insert(c, i as u32);
            }
        }
        if !ids.contains_key(&SPACE_MARK.to_string()) {
            return Err(TokenizerError::Vocab(format!(
                "the word marker {SPACE_MARK:?} must be a piece (spaces would decode as bytes)"
            )));
        }
        let mut byte_ids = [0u32; 256];
        for (b, slot) in byte_ids.iter_mut().enumerate() {
            let piece = byte_piece(b as u8);
            *slot = *ids.get(&piece).ok_or(TokenizerError::MissingByteToken(piece))?;
        }
        let mut merge_map = HashMap::with_capacity(merges.len());
        for (rank, &(a, b)) in merges.iter().enumerate() {
            let err = |reason: &str| TokenizerError::Merge {
                rank,
                left: pieces.get(a as usize).cloned().unwrap_or_default(),
                right: pieces.get(b as usize).cloned().unwrap_or_default(),
                reason: reason.to_string(),
            };
            let (Some(pa), Some(pb)) = (pieces.get(a as usize), pieces.get(b as usize)) else {
                return Err(err("piece not in the vocabulary"));
            };
            let Some(&new_id) = ids.get(&format!("{pa}{pb}")) else {
                return Err(err("the merged piece is not in the vocabulary"));
            };
            if merge_map.insert((a, b), (rank as u32, new_id)).is_some() {
                return Err(err("the pair is merged twice"));
            }
        }
        let mut is_special = vec![false; pieces.len()];
        for (content, id) in &specials {
            if content.is_empty() {
                return Err(TokenizerError::Vocab("a special token is empty".into()));
            }
            if ids.get(content) != Some(id) {
                return Err(TokenizerError::Vocab(format!(
                    "special token {content:?} must have id {id} in model.vocab too"
                )));
            }
            is_special[*id as usize] = true;
        }
        Ok(Tokenizer { pieces, ids, chars, byte_ids, merges, merge_map, specials, is_special })
    }

    /// Splits `text` into tokens. Never fails: characters outside the vocabulary become
    /// byte tokens. Tokens are in text order; see the module doc for offsets.
    pub fn encode(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut nchars = Vec::new();
        let mut symbols = Vec::new();
        let mut pos = 0;
        while let Some((start, end, id)) = self.find_special(text, pos) {
            self.encode_plain(text, pos..start, &mut nchars, &mut symbols, &mut out);
            out.push(self.token(id, start, end));
            pos = end;
        }
        self.encode_plain(text, pos..text.len(), &mut nchars, &mut symbols, &mut out);
        out
    }

    /// [`Tokenizer::encode`], ids only.
    pub fn encode_ids(&self, text: &str) -> Vec<u32> {
        self.encode(text).into_iter().map(|t| t.id).collect()
    }

    /// Turns ids back into text the way the `tokenizers` decoder of the saved file does
    /// (with its default `skip_special_tokens=True`): special tokens and unknown ids are
    /// skipped, `▁` becomes a space, byte tokens become their bytes (U+FFFD per byte for a
    /// run of byte tokens that is not valid UTF-8), and one leading space is removed.
    pub fn decode(&self, ids: &[u32]) -> String {
        let mut out = String::new();
        let mut bytes: Vec<u8> = Vec::new();
        let flush = |bytes: &mut Vec<u8>, out: &mut String| {
            match std::str::from_utf8(bytes) {
                Ok(s) => out.push_str(s),
                Err(_) => out.extend(std::iter::repeat_n('\u{FFFD}', bytes.len())),
            }
            bytes.clear();
        };
        for &id in ids {
            let Some(piece) = self.pieces.get(id as usize) else { continue };
            if self.is_special[id as usize] {
                continue;
            }
            match parse_byte_piece(piece) {
                Some(b) => bytes.push(b),
                None => {
                    flush(&mut bytes, &mut out);
                    out.extend(piece.chars().map(|c| if c == SPACE_MARK { ' ' } else { c }));
                }
            }
        }
        flush(&mut bytes, &mut out);
        match out.strip_prefix(' ') {
            Some(rest) => rest.to_string(),
            None => out,
        }
    }

    /// Number of entries in the vocabulary (ids are `0..vocab_size()`).
    pub fn vocab_size(&self) -> usize {
        self.pieces.len()
    }

    /// The piece of `id`, or `None` if `id` is out of range.
    pub fn piece(&self, id: u32) -> Option<&str> {
        self.pieces.get(id as usize).map(String::as_str)
    }

    /// The id of `piece`, if it is in the vocabulary.
    pub fn token_id(&self, piece: &str) -> Option<u32> {
        self.ids.get(piece).copied()
    }

    /// Whether `id` is a special token (`<unk>`, `<pad>`).
    pub fn is_special(&self, id: u32) -> bool {
        self.is_special.get(id as usize).copied().unwrap_or(false)
    }

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

    fn token(&self, id: u32, start: usize, end: usize) -> Token {
        Token { id, piece: self.pieces[id as usize].clone(), start, end }
    }

    /// Leftmost (then longest) occurrence of a special token's text at or after `pos`.
    fn find_special(&self, text: &str, pos: usize) -> Option<(usize, usize, u32)> {
        find_special(&self.specials, text, pos)
    }

    /// Encodes `text[range]`, which holds no special token.
    fn encode_plain(
        &self,
        text: &str,
        range: Range<usize>,
        nchars: &mut Vec<NChar>,
        symbols: &mut Vec<Symbol>,
        out: &mut Vec<Token>,
    ) {
        nchars.clear();
        normalize(&text[range.clone()], range.start, nchars);
        for word in pre_tokenize(nchars) {
            let word = &nchars[word];
            self.bpe(word, symbols);
            out.extend(
                symbols.iter().filter(|s| s.alive).map(|s| self.token(s.id, word[s.lo].start, word[s.hi - 1].end)),
            );
        }
    }

    /// Byte-fallback BPE of one pre-token, as `tokenizers`' `Word::merge_all`: a heap of
    /// (rank, position) over adjacent pairs; stale entries are skipped. Leaves the result
    /// in `symbols` (those with `alive`).
    fn bpe(&self, word: &[NChar], symbols: &mut Vec<Symbol>) {
        symbols.clear();
        for (i, n) in word.iter().enumerate() {
            match self.chars.get(&n.c) {
                Some(&id) => symbols.push(Symbol::new(id, i)),
                None => {
                    let mut buf = [0u8; 4];
                    for b in n.c.encode_utf8(&mut buf).bytes() {
                        symbols.push(Symbol::new(self.byte_ids[b as usize], i));
                    }
                }
            }
        }
        let len = symbols.len();
        for (i, s) in symbols.iter_mut().enumerate() {
            s.prev = i.checked_sub(1);
            s.next = (i + 1 < len).then_some(i + 1);
        }
        let mut heap: BinaryHeap<Reverse<(u32, usize, u32)>> = BinaryHeap::new();
        for i in 0..len.saturating_sub(1) {
            if let Some(&(rank, new_id)) = self.merge_map.get(&(symbols[i].id, symbols[i + 1].id)) {
                heap.push(Reverse((rank, i, new_id)));
            }
        }
        while let Some(Reverse((_, pos, new_id))) = heap.pop() {
            let left = symbols[pos];
            let Some(next) = left.next else { continue };
            if !left.alive {
                continue;
            }
            let right = symbols[next];
            match self.merge_map.get(&(left.id, right.id)) {
                Some(&(_, id)) if id == new_id => {}
                _ => continue,
            }
            symbols[pos] = Symbol { id: new_id, hi: right.hi, next: right.next, ..left };
            symbols[next].alive = false;
            if let Some(nn) = right.next {
                symbols[nn].prev = Some(pos);
            }
            if let Some(p) = left.prev
                && let Some(&(rank, id)) = self.merge_map.get(&(symbols[p].id, new_id))
            {
                heap.push(Reverse((rank, p, id)));
            }
            if let Some(nn) = right.next
                && let Some(&(rank, id)) = self.merge_map.get(&(new_id, symbols[nn].id))
            {
                heap.push(Reverse((rank, pos, id)));
            }
        }
    }
}

/// A symbol of a word being merged: a piece over normalized characters `lo..hi`.
#[derive(Clone, Copy, Debug)]
struct Symbol {
    id: u32,
    lo: usize,
    hi: usize,
    prev: Option<usize>,
    next: Option<usize>,
    alive: bool,
}

impl Symbol {
    fn new(id: u32, char_index: usize) -> Symbol {
        Symbol { id, lo: char_index, hi: char_index + 1, prev: None, next: None, alive: true }
    }
}

/// `<0xNN>`, upper-case hex as `tokenizers` and SentencePiece write it.
fn byte_piece(b: u8) -> String {
    format!("<0x{b:02X}>")
}

/// The byte of a `<0xNN>` piece, read like `tokenizers`' ByteFallback decoder does.
fn parse_byte_piece(piece: &str) -> Option<u8> {
    if piece.len() == 6 && piece.starts_with("<0x") && piece.ends_with('>') {
        u8::from_str_radix(&piece[3..5], 16).ok()
    } else {
        None
    }
}

/// Leftmost, then longest, occurrence of one of `specials` in `text[pos..]`.
fn find_special(specials: &[(String, u32)], text: &str, pos: usize) -> Option<(usize, usize, u32)> {
    let rest = &text[pos..];
    let mut best: Option<(usize, usize, u32)> = None;
    for (content, id) in specials {
        if let Some(i) = rest.find(content.as_str()) {
            let cand = (pos + i, pos + i + content.len(), *id);
            best = match best {
                Some(b) if (b.0, Reverse(b.1)) <= (cand.0, Reverse(cand.1)) => Some(b),
                _ => Some(cand),
            };
        }
    }
    best
}

/// Calls `f` with the byte ranges of `text` between special tokens.
fn for_each_plain_segment(specials: &[(String, u32)], text: &str, mut f: impl FnMut(Range<usize>)) {
    let mut pos = 0;
    while let Some((start, end, _)) = find_special(specials, text, pos) {
        f(pos..start);
        pos = end;
    }
    f(pos..text.len());
}

/// Normalizer + the Metaspace replacement: `▁` (covering nothing) then each character
/// lowercased, spaces as `▁`. `base` is the offset of `segment` in the original text.
/// Nothing for an empty segment.
fn normalize(segment: &str, base: usize, out: &mut Vec<NChar>) {
    if segment.is_empty() {
        return;
    }
    out.push(NChar { c: SPACE_MARK, start: base, end: base });
    for (i, c) in segment.char_indices() {
        let (start, end) = (base + i, base + i + c.len_utf8());
        if c == ' ' {
            out.push(NChar { c: SPACE_MARK, start, end });
        } else {
            out.extend(c.to_lowercase().map(|c| NChar { c, start, end }));
        }
    }
}

/// Pre-tokens (ranges of `nchars`): a new one starts at every `▁`, and every
/// punctuation mark is one on its own.
fn pre_tokenize(nchars: &[NChar]) -> Vec<Range<usize>> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, n) in nchars.iter().enumerate() {
        if n.c == SPACE_MARK {
            if start < i {
                words.push(start..i);
            }
            start = i;
        } else if is_punctuation(n.c) {
            if start < i {
                words.push(start..i);
            }
            words.push(i..i + 1);
            start = i + 1;
        }
    }
    if start < nchars.len() {
        words.push(start..nchars.len());
    }
    words
}

/// What `tokenizers`' Punctuation pre-tokenizer isolates: ASCII punctuation and Unicode
/// general category P (Pc Pd Ps Pe Pi Pf Po) as the `unicode_categories` crate it uses has
/// it (an older Unicode: a few marks added since are not included). The table was read
/// off `tokenizers` 0.23.3 by probing every scalar value, and the HF check script
/// verifies it again.
fn is_punctuation(c: char) -> bool {
    let c = c as u32;
    PUNCTUATION
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Inclusive ranges of code points [`is_punctuation`] accepts, sorted.
const PUNCTUATION: &[(u32, u32)] = &[
    (0x21, 0x2F),
    (0x3A, 0x40),
    (0x5B, 0x60),
    (0x7B, 0x7E),
    (0xA1, 0xA1),
    (0xA7, 0xA7),
    (0xAB, 0xAB),
    (0xB6, 0xB7),
    (0xBB, 0xBB),
    (0xBF, 0xBF),
    (0x37E, 0x37E),
    (0x387, 0x387),
    (0x55A, 0x55F),
    (0x589, 0x58A),
    (0x5BE, 0x5BE),
    (0x5C0, 0x5C0),
    (0x5C3, 0x5C3),
    (0x5C6, 0x5C6),
    (0x5F3, 0x5F4),
    (0x609, 0x60A),
    (0x60C, 0x60D),
    (0x61B, 0x61B),
    (0x61E, 0x61F),
    (0x66A, 0x66D),
    (0x6D4, 0x6D4),
    (0x700, 0x70D),
    (0x7F7, 0x7F9),
    (0x830, 0x83E),
    (0x85E, 0x85E),
    (0x964, 0x965),
    (0x970, 0x970),
    (0xAF0, 0xAF0),
    (0xDF4, 0xDF4),
    (0xE4F, 0xE4F),
    (0xE5A, 0xE5B),
    (0xF04, 0xF12),
    (0xF14, 0xF14),
    (0xF3A, 0xF3D),
    (0xF85, 0xF85),
    (0xFD0, 0xFD4),
    (0xFD9, 0xFDA),
    (0x104A, 0x104F),
    (0x10FB, 0x10FB),
    (0x1360, 0x1368),
    (0x1400, 0x1400),
    (0x166D, 0x166E),
    (0x169B, 0x169C),
    (0x16EB, 0x16ED),
    (0x1735, 0x1736),
    (0x17D4, 0x17D6),
    (0x17D8, 0x17DA),
    (0x1800, 0x180A),
    (0x1944, 0x1945),
    (0x1A1E, 0x1A1F),
    (0x1AA0, 0x1AA6),
    (0x1AA8, 0x1AAD),
    (0x1B5A, 0x1B60),
    (0x1BFC, 0x1BFF),
    (0x1C3B, 0x1C3F),
    (0x1C7E, 0x1C7F),
    (0x1CC0, 0x1CC7),
    (0x1CD3, 0x1CD3),
    (0x2010, 0x2027),
    (0x2030, 0x2043),
    (0x2045, 0x2051),
    (0x2053, 0x205E),
    (0x207D, 0x207E),
    (0x208D, 0x208E),
    (0x2308, 0x230B),
    (0x2329, 0x232A),
    (0x2768, 0x2775),
    (0x27C5, 0x27C6),
    (0x27E6, 0x27EF),
    (0x2983, 0x2998),
    (0x29D8, 0x29DB),
    (0x29FC, 0x29FD),
    (0x2CF9, 0x2CFC),
    (0x2CFE, 0x2CFF),
    (0x2D70, 0x2D70),
    (0x2E00, 0x2E2E),
    (0x2E30, 0x2E42),
    (0x3001, 0x3003),
    (0x3008, 0x3011),
    (0x3014, 0x301F),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x30A0, 0x30A0),
    (0x30FB, 0x30FB),
    (0xA4FE, 0xA4FF),
    (0xA60D, 0xA60F),
    (0xA673, 0xA673),
    (0xA67E, 0xA67E),
    (0xA6F2, 0xA6F7),
    (0xA874, 0xA877),
    (0xA8CE, 0xA8CF),
    (0xA8F8, 0xA8FA),
    (0xA8FC, 0xA8FC),
    (0xA92E, 0xA92F),
    (0xA95F, 0xA95F),
    (0xA9C1, 0xA9CD),
    (0xA9DE, 0xA9DF),
    (0xAA5C, 0xAA5F),
    (0xAADE, 0xAADF),
    (0xAAF0, 0xAAF1),
    (0xABEB, 0xABEB),
    (0xFD3E, 0xFD3F),
    (0xFE10, 0xFE19),
    (0xFE30, 0xFE52),
    (0xFE54, 0xFE61),
    (0xFE63, 0xFE63),
    (0xFE68, 0xFE68),
    (0xFE6A, 0xFE6B),
    (0xFF01, 0xFF03),
    (0xFF05, 0xFF0A),
    (0xFF0C, 0xFF0F),
    (0xFF1A, 0xFF1B),
    (0xFF1F, 0xFF20),
    (0xFF3B, 0xFF3D),
    (0xFF3F, 0xFF3F),
    (0xFF5B, 0xFF5B),
    (0xFF5D, 0xFF5D),
    (0xFF5F, 0xFF65),
    (0x10100, 0x10102),
    (0x1039F, 0x1039F),
    (0x103D0, 0x103D0),
    (0x1056F, 0x1056F),
    (0x10857, 0x10857),
    (0x1091F, 0x1091F),
    (0x1093F, 0x1093F),
    (0x10A50, 0x10A58),
    (0x10A7F, 0x10A7F),
    (0x10AF0, 0x10AF6),
    (0x10B39, 0x10B3F),
    (0x10B99, 0x10B9C),
    (0x11047, 0x1104D),
    (0x110BB, 0x110BC),
    (0x110BE, 0x110C1),
    (0x11140, 0x11143),
    (0x11174, 0x11175),
    (0x111C5, 0x111C9),
    (0x111CD, 0x111CD),
    (0x111DB, 0x111DB),
    (0x111DD, 0x111DF),
    (0x11238, 0x1123D),
    (0x112A9, 0x112A9),
    (0x114C6, 0x114C6),
    (0x115C1, 0x115D7),
    (0x11641, 0x11643),
    (0x1173C, 0x1173E),
    (0x12470, 0x12474),
    (0x16A6E, 0x16A6F),
    (0x16AF5, 0x16AF5),
    (0x16B37, 0x16B3B),
    (0x16B44, 0x16B44),
    (0x1BC9F, 0x1BC9F),
    (0x1DA87, 0x1DA8B),
];

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::corpus::{CorpusSpec, generate};
    use crate::model::labels::Lang;
    use std::sync::OnceLock;

    /// The corpus (generating it takes a moment; share it).
    fn corpus() -> &'static crate::model::corpus::Corpus {
        static CORPUS: OnceLock<crate::model::corpus::Corpus> = OnceLock::new();
        CORPUS.get_or_init(|| generate(&CorpusSpec::default()))
    }

    fn trained(vocab_size: usize) -> Tokenizer {
        Tokenizer::train(corpus().train.iter().map(|e| e.text.as_str()), vocab_size)
    }

    /// A 1,000-entry tokenizer trained on the training split, shared by the tests.
    fn tok() -> &'static Tokenizer {
        static TOK: OnceLock<Tokenizer> = OnceLock::new();
        TOK.get_or_init(|| trained(1000))
    }

    /// Lowercasing as the normalizer does it: per character.
    fn lower(s: &str) -> String {
        s.chars().flat_map(char::to_lowercase).collect()
    }

    fn repeat_to(s: &str, chars: usize) -> String {
        s.chars().cycle().take(chars).collect()
    }

    /// Inputs meant to break things. None contains `▁` or a special token's text.
    fn hostile() -> Vec<String> {
        let mut v: Vec<String> = [
            "",
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            " \t \n ",
            "   leading",
            "trailing   ",
            "  both  ",
            "two  spaces\tand\ttabs\nand\nnewlines\r\n",
            "Tab\tinside, and\u{00A0}no-break\u{2003}em space",
            "😀",
            "I have chest pain 😀😀 since yesterday!!",
            "👩\u{200D}👩\u{200D}👧\u{200D}👦 family, 🏳\u{FE0F}\u{200D}🌈, 🇧🇷🇺🇸, 👍🏽",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝓽𝓮𝔁𝓽",
            "胸が痛いです。头疼！",
            "أشعر بألم في صدري",
            "כאב ראש חזק",
            "mixed עברית and English",
            "e\u{301} a\u{300}\u{301}\u{302} n\u{303}",
            "CORAÇÃO ÁGUA Ç É Ô Ü ß ẞ",
            "ΣΑΣ ΟΔΟΣ σς",
            "İstanbul KELVIN \u{212A} Ω",
            "\0",
            "a\0b\u{1}c\u{7F}d\u{80}\u{9F}",
            "\u{200B}\u{FEFF}\u{202E}abc\u{202C}",
            "\u{10FFFF}\u{E000}\u{FFFD}\u{FFFF}",
            "<",
            "<un",
            "<0x41> <0xZZ> <0x",
            "minha filha de 3 anos está com febre... e tosse?!",
            "My 4-year-old's ear hurts (a lot) -- since Monday; \"really\" bad.",
            "¿Qué? «Não» — “sim” … ‘ok’ ¡ya! §1 ¶2 †",
            "1234567890 3.5°C 38,5 °C 100% $20 #1 @home a+b=c ~x^2 |y| `z`",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push(repeat_to("My chest hurts when I climb stairs. ", 2000));
        v.push(repeat_to("Minha cabeça dói muito à noite, e às vezes fico tonto. ", 2000));
        v.push(repeat_to("😀", 2000));
        v.push(repeat_to("a", 2000));
        v.push(repeat_to(" ", 2000));
        v.push(repeat_to("胸", 2000));
        v.push(repeat_to("!?", 2000));
        v
    }

    /// Checks offsets: in order, on char boundaries, covering the input without gaps, each
    /// giving the token's text up to lowercasing and `▁`.
    fn check_offsets(tok: &Tokenizer, text: &str, tokens: &[Token]) {
        let mut covered = 0;
        let mut prev = (0, 0);
        for t in tokens {
            assert!(t.start <= t.end && t.end <= text.len(), "{t:?} in {text:?}");
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end), "{t:?}");
            assert!(t.start >= prev.0 && t.end >= prev.1, "out of order: {t:?} after {prev:?}");
            assert!(t.start <= covered, "gap before {t:?} in {text:?}");
            assert_eq!(tok.piece(t.id), Some(t.piece.as_str()));
            prev = (t.start, t.end);
            covered = covered.max(t.end);
            let slice = &text[t.start..t.end];
            if tok.is_special(t.id) {
                assert_eq!(slice, t.piece);
            } else if let Some(b) = parse_byte_piece(&t.piece) {
                let mut chars = slice.chars();
                let c = chars.next().expect("a byte token covers a character");
                assert!(chars.next().is_none(), "{t:?} covers {slice:?}");
                assert!(lower(&c.to_string()).bytes().any(|x| x == b), "{t:?} covers {slice:?}");
            } else {
                let norm: String = lower(slice).chars().map(|c| if c == ' ' { SPACE_MARK } else { c }).collect();
                let prepended = format!("{SPACE_MARK}{norm}");
                let expands = slice.chars().any(|c| c.to_lowercase().count() > 1);
                assert!(
                    t.piece == norm
                        || t.piece == prepended
                        || (expands && norm.contains(t.piece.trim_start_matches(SPACE_MARK))),
                    "{t:?} covers {slice:?}"
                );
            }
        }
        assert_eq!(covered, text.len(), "{text:?} not covered by {tokens:?}");
    }

    fn check_round_trip(tok: &Tokenizer, text: &str) {
        let tokens = tok.encode(text);
        let ids: Vec<u32> = tokens.iter().map(|t| t.id).collect();
        assert_eq!(tok.decode(&ids), lower(text), "round trip of {text:?}: {tokens:?}");
        check_offsets(tok, text, &tokens);
    }

    #[test]
    fn corpus_sentences_round_trip() {
        let tok = tok();
        for e in corpus().train.iter().take(2000).chain(&corpus().test) {
            check_round_trip(tok, &e.text);
        }
    }

    #[test]
    fn hostile_inputs_round_trip() {
        for size in [259, 1000] {
            let tok = if size == 1000 { tok().clone() } else { trained(size) };
            for s in hostile() {
                check_round_trip(&tok, &s);
                check_round_trip(&tok, &s.to_uppercase());
            }
        }
    }

    #[test]
    fn characters_outside_the_corpus_fall_back_to_bytes() {
        let tok = tok();
        let pieces = |s: &str| tok.encode(s).into_iter().map(|t| t.piece).collect::<Vec<_>>();
        assert_eq!(pieces("😀"), ["▁", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"]);
        assert_eq!(pieces("\t"), ["▁", "<0x09>"]);
        let t = tok.encode("a 😀");
        assert_eq!(t.len(), 6);
        for b in &t[2..] {
            assert_eq!((b.start, b.end), (2, 6), "{t:?}");
        }
        assert_eq!(t[1].piece, "▁");
        assert_eq!((t[1].start, t[1].end), (1, 2));
        // Characters of the corpus are base tokens, never bytes.
        for e in &corpus().test {
            assert!(tok.encode(&e.text).iter().all(|t| parse_byte_piece(&t.piece).is_none()));
        }
        for c in ['a', 'z', 'ç', 'ã', 'é', 'ê', 'í', 'ó', 'õ', 'à', '0', '9', SPACE_MARK] {
            assert!(tok.token_id(&c.to_string()).is_some(), "{c:?} is not a base token");
        }
    }

    #[test]
    fn whitespace_like_tokenizers() {
        let tok = tok();
        let pieces = |s: &str| tok.encode(s).into_iter().map(|t| t.piece).collect::<Vec<_>>();
        // Module doc example: a new pre-token at every space, tabs stay inside words.
        let words: Vec<String> = {
            let mut n = Vec::new();
            normalize(" a  b\t.", 0, &mut n);
            pre_tokenize(&n).into_iter().map(|r| n[r].iter().map(|c| c.c).collect()).collect()
        };
        assert_eq!(words, ["▁", "▁a", "▁", "▁b\t", "."]);
        assert!(pieces("").is_empty());
        assert_eq!(pieces(" "), ["▁", "▁"]);
        assert_eq!(pieces("   "), ["▁", "▁", "▁", "▁"]);
        let t = tok.encode(" ");
        assert_eq!((t[0].start, t[0].end, t[1].start, t[1].end), (0, 0, 0, 1));
        assert_eq!(tok.decode(&tok.encode_ids(" hello")), " hello");
        assert_eq!(tok.decode(&tok.encode_ids("hello ")), "hello ");
        assert_eq!(tok.decode(&tok.encode_ids("\n\nHi\r\n")), "\n\nhi\r\n");
        assert_eq!(pieces("a\nb").iter().filter(|p| *p == "<0x0A>").count(), 1);
        // A leading space is not merged into the first word.
        assert_eq!(pieces(" chest")[0], "▁");
        assert_eq!(pieces("Chest"), pieces("chest"));
        assert_eq!(pieces(" chest")[1..], pieces("chest")[..]);
        // Punctuation is isolated, and a word after it has no ▁.
        let p = pieces("pain,itch.");
        assert!(p.contains(&",".to_string()) && p.last().unwrap() == ".", "{p:?}");
    }

    #[test]
    fn special_tokens_and_space_mark_in_the_text() {
        let tok = tok();
        assert_eq!(tok.piece(UNK_ID), Some(UNK));
        assert_eq!(tok.piece(PAD_ID), Some(PAD));
        assert_eq!(tok.encode_ids("<pad>"), [PAD_ID]);
        let t = tok.encode("a<unk>b");
        assert_eq!(t[t.len() - 2], Token { id: UNK_ID, piece: UNK.into(), start: 1, end: 6 });
        assert_eq!(tok.decode(&tok.encode_ids("a<unk>b")), "a b");
        assert_eq!(tok.decode(&tok.encode_ids("<UNK>")), "<unk>");
        assert_eq!(tok.encode_ids("<<pad>>").len(), 5);
        for s in ["<unk><pad>", " <pad> ", "x<pad>", "<pad>x", "<unk"] {
            check_offsets(tok, s, &tok.encode(s));
        }
        // A literal ▁ is a space marker, as in SentencePiece.
        assert_eq!(tok.decode(&tok.encode_ids("a▁b")), "a b");
        check_offsets(tok, "a▁b ▁", &tok.encode("a▁b ▁"));
    }

    #[test]
    fn decode_handles_bad_ids_and_broken_bytes() {
        let tok = tok();
        let byte = |b: u8| tok.token_id(&byte_piece(b)).unwrap();
        assert_eq!(tok.decode(&[byte(0xF0), byte(0x9F)]), "\u{FFFD}\u{FFFD}");
        assert_eq!(tok.decode(&[byte(0xC3), byte(0xA9), byte(0x41)]), "éA");
        assert_eq!(tok.decode(&[u32::MAX, PAD_ID, UNK_ID]), "");
        assert_eq!(tok.piece(u32::MAX), None);
        assert_eq!(tok.piece(tok.vocab_size() as u32), None);
    }

    #[test]
    fn json_round_trip_and_determinism() {
        let a = trained(700);
        let b = trained(700);
        let json = a.to_json();
        assert_eq!(json, b.to_json(), "training is not deterministic");
        assert_eq!(a.vocab_size(), 700);
        let c = Tokenizer::from_json(&json).expect("reads its own JSON");
        assert_eq!(c.to_json(), json);
        let mut texts: Vec<String> = hostile();
        texts.extend(corpus().test.iter().take(500).map(|e| e.text.clone()));
        for s in &texts {
            assert_eq!(a.encode(s), c.encode(s));
        }
        // Merges as "a b" strings (older tokenizers) and compact JSON read the same.
        let mut v: Value = serde_json::from_str(&json).unwrap();
        let merges = v["model"]["merges"].as_array_mut().unwrap();
        for m in merges.iter_mut() {
            *m = Value::String(format!("{} {}", m[0].as_str().unwrap(), m[1].as_str().unwrap()));
        }
        let d = Tokenizer::from_json(&v.to_string()).unwrap();
        assert_eq!(d.to_json(), json);
    }

    #[test]
    fn from_json_rejects_other_configurations() {
        let json = tok().to_json();
        let edit = |f: &dyn Fn(&mut Value)| {
            let mut v: Value = serde_json::from_str(&json).unwrap();
            f(&mut v);
            Tokenizer::from_json(&v.to_string()).unwrap_err().to_string()
        };
        let e = Tokenizer::from_json("{ not json").unwrap_err();
        assert!(matches!(e, TokenizerError::Json(_)), "{e}");
        let e = edit(&|v| v["model"]["type"] = "WordPiece".into());
        assert!(e.contains("model.type") && e.contains("WordPiece"), "{e}");
        let e = edit(&|v| v["model"]["byte_fallback"] = false.into());
        assert!(e.contains("model.byte_fallback"), "{e}");
        let e = edit(&|v| v["normalizer"] = serde_json::json!({"type": "NFKC"}));
        assert!(e.contains("`normalizer`") && e.contains("NFKC"), "{e}");
        let e = edit(&|v| v["pre_tokenizer"]["pretokenizers"][0]["prepend_scheme"] = "always".into());
        assert!(e.contains("pre_tokenizer"), "{e}");
        let e = edit(&|v| v["decoder"] = Value::Null);
        assert!(e.contains("decoder"), "{e}");
        let e = edit(&|v| v["truncation"] = serde_json::json!({"max_length": 8}));
        assert!(e.contains("truncation"), "{e}");
        let e = edit(&|v| {
            let vocab = v["model"]["vocab"].as_object_mut().unwrap();
            let id = vocab.remove("<0x41>").unwrap();
            vocab.insert("<0x41>x".into(), id);
        });
        assert!(e.contains("<0x41>"), "{e}");
        let e = edit(&|v| v["model"]["merges"].as_array_mut().unwrap().push(serde_json::json!(["zzz", "q"])));
        assert!(e.contains("zzz"), "{e}");
        let e = edit(&|v| v["model"]["vocab"]["<0x41>"] = 100_000.into());
        assert!(e.contains("invalid vocabulary"), "{e}");
        let e = edit(&|v| v["added_tokens"][1]["special"] = false.into());
        assert!(e.contains("added_tokens[1].special"), "{e}");
        let e = edit(&|v| v["added_tokens"][1]["id"] = 5.into());
        assert!(e.contains("<pad>"), "{e}");
    }

    #[test]
    fn tie_break_and_vocab_limits() {
        // "ab" and "cd" are equally frequent: the lexicographically smaller pair wins.
        let t = Tokenizer::train(["cd ab", "ab cd"], 1000);
        assert_eq!(
            t.merges.first().map(|&(a, b)| (t.pieces[a as usize].as_str(), t.pieces[b as usize].as_str())),
            Some(("a", "b"))
        );
        // Stops when no pair occurs twice.
        assert!(t.vocab_size() < 1000);
        // Too small: specials and bytes only, everything as bytes.
        let t = Tokenizer::train(["abc abc"], 10);
        assert_eq!(t.vocab_size(), 259);
        check_round_trip(&t, "abc ABC 😀");
        // Room for one character: the most frequent one.
        let t = Tokenizer::train(["abb"], 260);
        assert_eq!(t.piece(259), Some("b"));
        check_round_trip(&t, "abb a");
        assert_eq!(Tokenizer::train(std::iter::empty(), 1000).vocab_size(), 259);
    }

    /// Tokens per whitespace-separated word on the test split, by language.
    fn tokens_per_word(tok: &Tokenizer, lang: Lang) -> f64 {
        let (mut tokens, mut words) = (0, 0);
        for e in corpus().test.iter().filter(|e| e.lang == lang) {
            tokens += tok.encode(&e.text).len();
            words += e.text.split_whitespace().count();
        }
        tokens as f64 / words as f64
    }

    #[test]
    fn compresses_the_test_split() {
        for (size, bound) in [(500, 3.0), (1000, 2.0), (2000, 1.6)] {
            let tok = if size == 1000 { tok().clone() } else { trained(size) };
            for lang in Lang::ALL {
                let tpw = tokens_per_word(&tok, lang);
                println!("vocab {size}: {} {tpw:.3} tokens per word", lang.code());
                assert!(tpw < bound, "vocab {size}, {}: {tpw:.3} tokens per word", lang.code());
            }
        }
    }

    /// Encoding speed on a 2,000-character complaint. Run with
    /// `cargo test --release --lib tokenizer::tests::encode_speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn encode_speed() {
        let tok = tok();
        for text in [
            repeat_to("My chest hurts when I climb stairs, doctor. ", 2000),
            repeat_to("Minha filha de 3 anos está com febre e manchas na pele. ", 2000),
            repeat_to("😀 胸が痛い ", 2000),
        ] {
            let n = 200;
            let t0 = std::time::Instant::now();
            let mut count = 0;
            for _ in 0..n {
                count += std::hint::black_box(tok.encode(&text)).len();
            }
            let per = t0.elapsed() / n;
            println!("{} bytes, {} tokens: {per:?} per encode", text.len(), count / n as usize);
        }
        let t0 = std::time::Instant::now();
        let big = trained(2000);
        println!("training (vocab {}): {:?}", big.vocab_size(), t0.elapsed());
    }

    /// Writes what `tests/fixtures/check_tokenizer_hf.py` compares with Python `tokenizers`
    /// into the folder named by `MOE_TOKENIZER_DUMP` (the script runs this test itself):
    /// `strings.jsonl` (one JSON string a line: the corpus test split, hostile inputs,
    /// pseudo-random mixtures with special tokens and `▁`, every Unicode scalar value in
    /// 1,000-character chunks), `pretokens.jsonl` (our pre-tokens of each string, `null`
    /// where it contains a special token), and for each tokenizer NAME
    /// `tokenizer_NAME.json` with `ours_NAME.jsonl` (`{"ids", "offsets" (byte ranges),
    /// "text" (decoded)}` per string).
    #[test]
    #[ignore]
    fn hf_dump() {
        use std::io::Write;
        let Ok(dir) = std::env::var("MOE_TOKENIZER_DUMP") else {
            panic!("set MOE_TOKENIZER_DUMP to a folder (the HF check script does)");
        };
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();

        let mut strings: Vec<String> = corpus().test.iter().map(|e| e.text.clone()).collect();
        for s in hostile() {
            strings.push(s.to_uppercase());
            strings.push(s);
        }
        // Pseudo-random mixtures (SplitMix64), with everything that has a special role.
        let words: Vec<&str> = corpus().train.iter().take(300).flat_map(|e| e.text.split(' ')).collect();
        let extras = [
            " ",
            "  ",
            "\t",
            "\n",
            "\u{A0}",
            ",",
            ".",
            "!",
            "?",
            "-",
            "'",
            "(",
            ")",
            "<unk>",
            "<pad>",
            "<un",
            "pad>",
            "▁",
            "▁▁",
            "😀",
            "👩\u{200D}👧",
            "胸",
            "é",
            "E\u{301}",
            "İ",
            "Σ",
            "ß",
            "\0",
            "<0x41>",
            "¿",
            "«",
            "…",
            "",
        ];
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = |n: usize| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % n as u64) as usize
        };
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..1 + next(12) {
                match next(4) {
                    0 => s.push_str(extras[next(extras.len())]),
                    1 => s.push_str(&words[next(words.len())].to_uppercase()),
                    _ => s.push_str(words[next(words.len())]),
                }
                if next(3) > 0 {
                    s.push(' ');
                }
            }
            strings.push(s);
        }
        let all: Vec<char> = (0..=0x10FFFFu32).filter_map(char::from_u32).collect();
        strings.extend(all.chunks(1000).map(|c| c.iter().collect::<String>()));

        let mut wide_texts: Vec<String> = corpus().train.iter().map(|e| e.text.clone()).collect();
        wide_texts.extend(hostile());
        let tokenizers = [
            ("500".to_string(), trained(500)),
            ("1000".to_string(), tok().clone()),
            ("2000".to_string(), trained(2000)),
            ("wide".to_string(), Tokenizer::train(wide_texts.iter().map(String::as_str), 1500)),
        ];

        let file = |name: &str| std::io::BufWriter::new(std::fs::File::create(dir.join(name)).unwrap());
        let mut f = file("strings.jsonl");
        for s in &strings {
            writeln!(f, "{}", serde_json::to_string(s).unwrap()).unwrap();
        }
        let mut f = file("pretokens.jsonl");
        let specials = &tok().specials;
        for s in &strings {
            let line = if find_special(specials, s, 0).is_some() {
                Value::Null
            } else {
                let mut n = Vec::new();
                normalize(s, 0, &mut n);
                let words: Vec<String> =
                    pre_tokenize(&n).into_iter().map(|r| n[r].iter().map(|c| c.c).collect()).collect();
                serde_json::json!(words)
            };
            writeln!(f, "{line}").unwrap();
        }
        for (name, tok) in &tokenizers {
            std::fs::write(dir.join(format!("tokenizer_{name}.json")), tok.to_json()).unwrap();
            let mut f = file(&format!("ours_{name}.jsonl"));
            for s in &strings {
                let tokens = tok.encode(s);
                let ids: Vec<u32> = tokens.iter().map(|t| t.id).collect();
                let offsets: Vec<[usize; 2]> = tokens.iter().map(|t| [t.start, t.end]).collect();
                let line = serde_json::json!({"ids": ids, "offsets": offsets, "text": tok.decode(&ids)});
                writeln!(f, "{line}").unwrap();
            }
        }
        println!("{} strings, {} tokenizers written to {}", strings.len(), tokenizers.len(), dir.display());
    }
}
