//! Unit tests of the tokenizer, and the dump that the `tokenizers` check script compares.

use super::pretokenize::{find_special, normalize, pre_tokenize};
use super::*;
use crate::model::corpus::{CorpusSpec, generate};
use crate::model::labels::Lang;
use crate::rng::Rng;
use serde_json::Value;
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
    let e = edit(&|v| v["model"]["merges"][0] = "nospace".into());
    assert!(e.contains("model.merges[0]") && e.contains("nospace"), "{e}");
    // Wrong types, unknown and missing fields: serde's words, and the field's path.
    let e = edit(&|v| v["model"]["byte_fallback"] = "yes".into());
    assert!(e.contains("`model.byte_fallback`") && e.contains("boolean"), "{e}");
    let e = edit(&|v| v["model"]["merges"][3] = 7.into());
    assert!(e.contains("`model.merges[3]`") && e.contains("\"left right\""), "{e}");
    let e = edit(&|v| v["model"]["vocab"]["<0x41>"] = (-1).into());
    assert!(e.contains("`model.vocab.<0x41>`"), "{e}");
    let e = edit(&|v| v["model"]["vocab_size"] = 5.into());
    assert!(e.contains("`model.vocab_size`") && e.contains("unknown field"), "{e}");
    let e = edit(&|v| {
        v["added_tokens"][0].as_object_mut().unwrap().remove("lstrip");
    });
    assert!(e.contains("`added_tokens[0]`") && e.contains("missing field `lstrip`"), "{e}");
    let e = Tokenizer::from_json("[]").unwrap_err().to_string();
    assert!(e.contains("`(root)`") && e.contains("a tokenizer.json object"), "{e}");
    let e = Tokenizer::from_json(&format!("{json} {{}}")).unwrap_err();
    assert!(matches!(e, TokenizerError::Json(_)), "trailing text: {e}");
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
    // Pseudo-random mixtures, with everything that has a special role.
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
    let mut rng = Rng::new(0x1234_5678_9abc_def0);
    let mut next = |n: usize| rng.below(n);
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
            let words: Vec<String> = pre_tokenize(&n).into_iter().map(|r| n[r].iter().map(|c| c.c).collect()).collect();
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
