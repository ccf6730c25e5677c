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

mod json;
mod pretokenize;
#[cfg(test)]
mod tests;
mod train;

use pretokenize::{NChar, find_special, normalize, pre_tokenize};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::ops::Range;

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
    /// A field is missing, unknown, or holds a value of the wrong type.
    #[error("tokenizer.json: `{field}`: {reason}")]
    Malformed {
        /// JSON path of the field (or of the object missing it), e.g. `model.merges[3]`.
        field: String,
        /// What is wrong, and where in the text.
        reason: String,
    },
    /// A field has a value (or, where null is allowed, none) that this implementation does
    /// not support.
    #[error(
        "tokenizer.json: unsupported `{field}`: expected {expected}, found {found} (only the \
         byte-fallback BPE configuration written by Tokenizer::to_json is supported)"
    )]
    Unsupported {
        /// JSON path of the field, e.g. `model.byte_fallback`.
        field: String,
        /// What is supported.
        expected: String,
        /// What the file has, as compact JSON (`null` where the field is missing).
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

impl Tokenizer {
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
