//! Steps 1 to 3 of the pipeline (see the module doc of `tokenizer`), shared by encoding
//! and training: special tokens split off, the normalizer, and the pre-tokenizer with its
//! table of punctuation marks.

use super::SPACE_MARK;
use std::cmp::Reverse;
use std::ops::Range;

/// A normalized character and the byte range of the original text it comes from.
#[derive(Clone, Copy, Debug)]
pub(super) struct NChar {
    pub(super) c: char,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Leftmost, then longest, occurrence of one of `specials` in `text[pos..]`.
pub(super) fn find_special(specials: &[(String, u32)], text: &str, pos: usize) -> Option<(usize, usize, u32)> {
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
pub(super) fn for_each_plain_segment(specials: &[(String, u32)], text: &str, mut f: impl FnMut(Range<usize>)) {
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
pub(super) fn normalize(segment: &str, base: usize, out: &mut Vec<NChar>) {
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
pub(super) fn pre_tokenize(nchars: &[NChar]) -> Vec<Range<usize>> {
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
