//! Learning a vocabulary and its merges from texts; the procedure and the tie-breaking
//! rule are described under "Training" in the module doc of `tokenizer`.

use super::pretokenize::{for_each_plain_segment, normalize, pre_tokenize};
use super::{FIRST_BYTE_ID, PAD, PAD_ID, SPACE_MARK, SPACE_MARK_ID, Tokenizer, UNK, UNK_ID, byte_piece};
use std::cmp::Reverse;
use std::collections::HashMap;

/// A pair must occur at least this often (weighted by word frequency) to be merged.
const MIN_PAIR_COUNT: u64 = 2;

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
}
