//! Triage corpus: short patient complaints in English (`en`) and Brazilian Portuguese
//! (`pt-BR`), each labelled with the specialist who should see the patient. The triage
//! model trains on it so that the experts of its MoE layer can come to specialise.
//!
//! # Labelling rules
//! Applied in this order; the generator only writes sentences these rules label without
//! doubt, and `tests/data/handwritten.tsv` follows the same rules.
//! 1. **Child rule.** A patient who is a child under 12 goes to **pediatrics**, whatever
//!    the symptom: a stated age of 0 to 11 ("my 4-year-old", "my six-year-old daughter",
//!    "minha filha de 3 anos", "meu filho de 2 aninhos", "8-month-old") or a child word
//!    ("baby", "toddler", "newborn", "little one", "little boy", "little sister", "bebê",
//!    "neném", "filhinho", "irmãozinho", "menininha", "recém-nascido"). Chest pain in a
//!    9-year-old, headaches in a 5-year-old and a rash on a baby are pediatrics.
//!    Child-typical complaints (fever, cough, ear ache, sore throat, diarrhoea, vomiting,
//!    diaper rash, teething, wheezing, croup, colic, bedwetting, cradle cap) are only ever
//!    generated for a child, and a baby or toddler (under 4) only gets what a parent can
//!    see (no numbness, no chest pain).
//! 2. **Everyone else** (the writer, relatives of unstated age such as "my brother" or
//!    "meu irmão", adults of a stated age such as "my 30-year-old son", and teenagers
//!    with a stated age of 12 to 17 or "teenage") goes to the specialty of the organ the
//!    main symptom belongs to; a body-part word alone does not decide (a rash on the
//!    chest is dermatology, a rash on the ankles too):
//!    - heart and circulation -> **cardiology**: chest pain, tightness or pressure,
//!      palpitations, racing, pounding, skipping or irregular heartbeat, breathlessness
//!      on effort or lying flat, high blood pressure (also as a reading: "160/100",
//!      "16 por 10"), a fast resting pulse, swollen ankles or legs, a heart murmur;
//!    - brain and nerves -> **neurology**: headache, migraine, numbness, tingling, pins
//!      and needles, dizziness, vertigo, tremor, twitches, seizures, memory problems,
//!      weakness on one side, a drooping face, double vision, slurred speech;
//!    - skin, hair and nails -> **dermatology**: rash, itching, hives, acne, moles, warts,
//!      spots, blisters, eczema, psoriasis, dry, cracked or peeling skin, dandruff, hair
//!      loss, nail fungus, sunburn.
//! 3. **Negations do not count.** "No chest pain, but my skin itches" is dermatology;
//!    "sem febre" adds nothing; neither does a dismissed organ ("my heart is fine, the
//!    problem is...", "a pele está ótima, o problema é..."). A negated or dismissed
//!    symptom is always from another specialty or neutral (fever, nausea, vomiting,
//!    cough), never from the label's own.
//! 4. **Two symptoms: the main complaint wins.** When two specialties' symptoms are both
//!    present, the sentence marks one as minor ("I have a mild headache, though the
//!    bigger issue is...", "além de um pouco de coceira, que não é nada, meu problema
//!    mesmo é...", "tirando umas espinhas, que é bobagem, ...") and the other wins.
//!    Unmarked mixtures are never generated.
//! 5. Left out of the generator because the organ specialties would disagree about an
//!    adult: fainting (cardiology or neurology), blurred vision, nosebleeds, arm pain
//!    without chest pain, shingles; and an unqualified "my son", "my kid" or "meu filho"
//!    (child or adult?): a child always comes with an age or a child word.
//!
//! # Splits
//! - Every template (frame) belongs to exactly one split: `Example::template` is the
//!   frame id (1000s: `en`, 2000s: `pt-BR`), and test frames never appear in train.
//! - Some (symptom phrase, modifier) combinations are held out: a fixed string hash
//!   (FNV-1a of language, symptom phrase and modifier, independent of the seed) puts
//!   about a quarter of them in the test split only, except a symptom's first modifier
//!   so that every symptom is seen in training. Train never uses a held-out pair; 3 in 4
//!   test sentences are drawn from held-out pairs, the rest from any pair. A symptom
//!   phrase is a table entry: its `|`-separated wordings (synonyms, lay and medical
//!   terms) share the entry, and "no modifier" counts as one of its modifiers.
//! - About a fifth of the neutral filler (greetings, closing remarks, durations, what
//!   came before, who noticed, what was tried) is test-only too, by the same kind of hash.
//! - No test sentence is identical to a train sentence; within a split duplicates are
//!   avoided while the space allows.
//!
//! # Regenerating
//! `generate(&CorpusSpec::default())` (seed `0x4d6f_4543_6c69_6e63`, 2,500 train and
//! 500 test sentences per specialty per language) rebuilds the same corpus on every
//! machine: the crate's SplitMix64 generator (`crate::rng`), integer arithmetic only
//! (readings such as "38,5" or "160/100" are built from integers), no hash-map iteration
//! order, no external crates. The splits come shuffled (also deterministic). Change the
//! seed for a different draw of the same design, or the counts in `CorpusSpec`; word
//! lists and templates live in the tables of `en.rs` and `pt_br.rs`.
//!
//! # Tables
//! Text in the tables may hold slots: `{poss}`, `{obj}`, `{pro}`/`{Pro}` (the patient's
//! pronouns), `{v:mine|his|hers}` (a form for the writer, a male or a female patient;
//! `{v:mine|other}` with two), `{g:masculine|feminine}` (the patient's gender, the
//! writer's too), `{n:singular|plural}` (agreement with the symptom),
//! `{part}` (skin), `{limb}` (nerves), `{num:a-b}`, `{bp}`, `{hr}`, `{temp}` (readings),
//! and the age forms of the people lists (`{age}` "4-year-old" / "4 anos", `{agew}`
//! "four-year-old" / "quatro anos", `{agen}` "4", `{agedim}` "4 aninhos"). A symptom's
//! phrase, clause and own modifiers may list `|`-separated wordings, one drawn per
//! sentence. Frames hold `{S}` (the symptom's phrase), `{C}` (its first-person clause),
//! `{C3}` (its clause for someone else), `{Q}` (a modifier, or none), `{W}` (who),
//! `{kid}` with `{agen}` (a relative and an age stated apart: "my son is 5"), `{X}` (a
//! negated symptom), `{XO}` (a dismissed organ), `{M}` (a minor complaint), `{D}`/`{D2}`
//! (durations), `{H}` (what came before), `{N}` (who noticed), `{R}` (what was tried),
//! `{F}`/`{T}` (greetings and closing remarks); `{^S}` capitalises.

use super::labels::{Lang, Specialty};
use crate::rng::Rng;
use std::collections::HashSet;

mod en;
mod pt_br;
#[cfg(test)]
mod tests;

/// The organ specialties (everything but pediatrics).
const ADULT: [Specialty; 3] = [Specialty::Cardiology, Specialty::Neurology, Specialty::Dermatology];

/// One labelled complaint. `template` is the id of the frame it was written from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The complaint, one or a few sentences.
    pub text: String,
    /// Its language.
    pub lang: Lang,
    /// The specialist who should see the patient.
    pub label: Specialty,
    /// Id of the template it was generated from (unique across languages and splits).
    pub template: u32,
}

/// What to generate. The counts are per specialty per language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CorpusSpec {
    /// Seed of the generator; the same seed gives the same corpus.
    pub seed: u64,
    /// Training sentences per specialty per language.
    pub train_per_class: usize,
    /// Test sentences per specialty per language.
    pub test_per_class: usize,
}

impl Default for CorpusSpec {
    fn default() -> Self {
        CorpusSpec { seed: 0x4d6f_4543_6c69_6e63, train_per_class: 2500, test_per_class: 500 }
    }
}

/// The two splits, each shuffled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Corpus {
    /// Training split.
    pub train: Vec<Example>,
    /// Test split: other templates, held-out combinations, no sentence from `train`.
    pub test: Vec<Example>,
}

/// Generates the corpus described by `spec`: identical output for identical input on
/// every machine.
pub fn generate(spec: &CorpusSpec) -> Corpus {
    let (corpus, _, _) = generate_with_meta(spec);
    corpus
}

// ---------------------------------------------------------------------------------------
// Hashing: integers only.

/// FNV-1a over the parts, with a separator byte after each.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xffu8)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Neutral filler that only the test split may use.
fn filler_held(lang: Lang, s: &str) -> bool {
    !s.is_empty() && fnv1a(&["filler", lang.code(), s]).is_multiple_of(5)
}

/// The `|`-separated wordings of a table entry (a `|` inside a `{...}` slot belongs to
/// the slot).
fn alternatives(s: &'static str) -> Vec<&'static str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// A symptom's first-person clauses and its clauses for someone else ("" if none).
fn clause_forms(s: &Sym) -> (&'static str, &'static str) {
    s.clause.split_once('#').unwrap_or((s.clause, ""))
}

/// One wording of `s`, drawn (no draw when there is only one).
fn wording(rng: &mut Rng, s: &'static str) -> &'static str {
    let parts = alternatives(s);
    if parts.len() == 1 { parts[0] } else { parts[rng.below(parts.len())] }
}

// ---------------------------------------------------------------------------------------
// Word lists: types.

/// Symptom categories, used to match symptoms with the general modifiers that suit them.
const PAIN: u16 = 1; // a sensation: pain, tightness, itching, tingling
const EPIS: u16 = 2; // comes in attacks: palpitations, seizures, migraines, hives
const STATE: u16 = 4; // a state that can come and go: breathlessness, dizziness, fever
const RASH: u16 = 8; // a skin lesion that flares: rash, acne, blisters
const FIXED: u16 = 16; // a lesion that stays: wart, brown spots
const CHRONIC: u16 = 32; // a lasting condition: high blood pressure, hair loss
/// A child's breathing sign (wheezing): no "no shortness of breath" next to it.
const BREATH: u16 = 64;
/// A child's skin or eye sign (chickenpox, diaper rash, red eyes): no "no spots on the
/// skin" or "no redness" next to it.
const SKIN: u16 = 128;
/// Tags that keep a neutral negation away from its own symptom ("a temperature of 39,
/// no fever") and pick what-was-tried remarks that suit the symptom.
const FEVER: u16 = 256;
const GUT: u16 = 512; // stomach and bowel, appetite
const COUGH: u16 = 1024; // cough, runny nose, phlegm
const HAIR: u16 = 2048; // hair and scalp: only hair care was tried
const NAIL: u16 = 4096; // nails: only nail care was tried
const FLUID: u16 = 8192; // blood pressure, swelling: salt, feet up
/// A what-was-tried remark that suits any symptom.
const ANY: u16 = 0xFFFF;

/// Age groups (`Sym::young`).
const INF: u8 = 1; // babies and toddlers, under 4: only what a parent can see
const KID: u8 = 2; // 4 to 11
const TEEN: u8 = 4; // 12 to 17

struct Sym {
    /// Noun phrase: after "I have" / "has" / "estou com" / "tem". `{poss}` and `{part}`
    /// are filled per sentence. May list `|`-separated wordings of the same number.
    np: &'static str,
    /// First-person clause ("my chest hurts"), or "" if the symptom has none; may list
    /// wordings. After a `#`, the clause for someone else (`{C3}`): "{poss} chest hurts"
    /// in English, a verb phrase in Portuguese ("sente dor no peito").
    clause: &'static str,
    plural: bool,
    cat: u16,
    /// Age groups besides adults in whom the symptom is plausible and can be reported:
    /// `INF` (under 4), `KID` (4 to 11), `TEEN` (12 to 17). Adults: every organ symptom.
    young: u8,
    /// Modifiers written for this symptom only. Adverbial when the symptom has a clause.
    extra: &'static [&'static str],
}

const fn sym(
    np: &'static str,
    clause: &'static str,
    plural: bool,
    cat: u16,
    young: u8,
    extra: &'static [&'static str],
) -> Sym {
    Sym { np, clause, plural, cat, young, extra }
}

/// A general modifier: singular and plural agreement forms, the categories it suits, and
/// whether it is adverbial (fits after a clause too) rather than a relative clause.
struct Qual {
    sg: &'static str,
    pl: &'static str,
    cat: u16,
    adverbial: bool,
    /// Says when it started: does not combine with a duration ("since yesterday").
    onset: bool,
}

const fn rel(sg: &'static str, pl: &'static str, cat: u16) -> Qual {
    Qual { sg, pl, cat, adverbial: false, onset: false }
}

const fn onset(sg: &'static str, pl: &'static str, cat: u16) -> Qual {
    Qual { sg, pl, cat, adverbial: false, onset: true }
}

const fn adv(s: &'static str, cat: u16) -> Qual {
    Qual { sg: s, pl: s, cat, adverbial: true, onset: false }
}

/// A negated symptom ("chest pain") or a dismissed organ ("my heart is fine"), with the
/// categories of the symptoms it must not stand next to (a neutral "fever" never next to
/// a temperature).
struct Neg {
    text: &'static str,
    clash: u16,
}

const fn ng(text: &'static str) -> Neg {
    Neg { text, clash: 0 }
}

const fn ngc(text: &'static str, clash: u16) -> Neg {
    Neg { text, clash }
}

/// Something the patient tried, for symptoms of the categories in `cat` (`ANY`: all).
struct Tried {
    text: &'static str,
    cat: u16,
}

const fn tr(text: &'static str, cat: u16) -> Tried {
    Tried { text, cat }
}

/// Whether a remedy of categories `cat` suits a symptom of categories `s`: hair and nail
/// symptoms take only hair and nail care.
fn suits(cat: u16, s: u16) -> bool {
    if cat == ANY {
        return true;
    }
    let special = s & (HAIR | NAIL);
    if special != 0 { cat & special != 0 } else { cat & s != 0 }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The writer is the patient.
    Me,
    /// The writer speaks about someone else: `{W}`.
    Other,
    /// The writer speaks about a child (pediatrics only): `{W}`.
    Child,
    /// The writer reports what someone else says (`{W}`), so not a baby.
    Told,
    /// The writer names a son, daughter, grandchild... (`{kid}`) and states the age
    /// apart (`{agen}`): "my son is 5", "minha filha tem 15 anos".
    Kin,
}

struct Frame {
    id: u32,
    kind: Kind,
    test: bool,
    text: &'static str,
}

const fn fr(id: u32, kind: Kind, test: bool, text: &'static str) -> Frame {
    Frame { id, kind, test, text }
}

#[derive(Clone, Copy)]
enum Age {
    /// An adult, or a teenager named as such ("teenage").
    None,
    /// A stated age in years, drawn from the range (18 and over in the adults list).
    Years(u8, u8),
    /// A stated age in months, drawn from the range.
    Months(u8, u8),
    /// A child word naming a baby or toddler ("my baby", "nosso recém-nascido").
    Baby,
    /// A child word naming an older child ("my little sister", "meu irmãozinho").
    Kid,
}

#[derive(Clone, Copy)]
enum Sex {
    M,
    F,
    Either,
}

struct Who {
    text: &'static str,
    sex: Sex,
    age: Age,
}

const fn who(text: &'static str, sex: Sex, age: Age) -> Who {
    Who { text, sex, age }
}

struct Lex {
    lang: Lang,
    frames: &'static [Frame],
    /// Indexed by `Specialty::index`; the pediatrics entry is the child-only list.
    symptoms: [&'static [Sym]; 4],
    quals: &'static [Qual],
    adults: &'static [Who],
    /// Relatives named without an age (`{kid}`), male and female, for `Kind::Kin`.
    kin_m: &'static [&'static str],
    kin_f: &'static [&'static str],
    teens: &'static [Who],
    children: &'static [Who],
    /// Negatable symptoms per specialty (`{X}`); the pediatrics entry holds neutral ones.
    negs: [&'static [Neg]; 4],
    /// Dismissed organs per specialty (`{XO}`: "my heart is fine"); pediatrics: neutral.
    fine: [&'static [Neg]; 4],
    /// Minor complaints per specialty (for "main complaint wins"); pediatrics: none.
    minors: [&'static [&'static str]; 4],
    /// Skin places (`{part}`) and places that go numb or tingle (`{limb}`).
    parts: &'static [&'static str],
    limbs: &'static [&'static str],
    openers: &'static [&'static str],
    tails: &'static [&'static str],
    since: &'static [&'static str],
    /// Long durations ("for years"): for adults and teenagers only.
    since_long: &'static [&'static str],
    ago: &'static [&'static str],
    /// What came before (`{H}`): the writer's own life, anyone's, a child's.
    hist_me: &'static [&'static str],
    hist_any: &'static [&'static str],
    hist_kid: &'static [&'static str],
    /// Who noticed (`{N}`), by who the patient is.
    noticed_me: &'static [&'static str],
    noticed_other: &'static [&'static str],
    noticed_kid: &'static [&'static str],
    /// What was tried (`{R}`): remarks with a `{tr}` slot, by who the patient is, and the
    /// remedies per specialty (pediatrics: the child-only ones) and for anything.
    tried_me: &'static [&'static str],
    tried_other: &'static [&'static str],
    tried_kid: &'static [&'static str],
    tried: [&'static [Tried]; 4],
    tried_any: &'static [Tried],
}

fn lex(lang: Lang) -> &'static Lex {
    match lang {
        Lang::En => &en::EN,
        Lang::PtBr => &pt_br::PT,
    }
}

// ---------------------------------------------------------------------------------------
// Generation.

/// What the generator chose for one sentence (for the tests' measures).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Meta {
    symptom: &'static str,
    modifier: &'static str,
    /// Specialty whose symptom list the main symptom came from.
    source: Specialty,
    /// Specialty of the negated or dismissed symptom, if any (pediatrics: the neutral
    /// list).
    negated: Option<Specialty>,
    /// The negated symptom or dismissed organ ("" if none).
    negation: &'static str,
    /// Specialty of the minor complaint, if any.
    minor: Option<Specialty>,
}

#[derive(Clone, Copy)]
enum Opt {
    General(&'static Qual),
    Extra(&'static str),
    /// No modifier.
    Bare,
}

impl Opt {
    fn key(self) -> &'static str {
        match self {
            Opt::General(q) => q.sg,
            Opt::Extra(s) => s,
            Opt::Bare => "",
        }
    }
}

/// Modifiers that suit `s`: its own first, then the general ones of a matching category,
/// then none at all. After a clause only adverbial ones fit; next to a duration, none
/// that dates the onset.
fn options(lx: &Lex, s: &'static Sym, after_clause: bool, with_duration: bool) -> Vec<Opt> {
    let mut v: Vec<Opt> = s.extra.iter().map(|e| Opt::Extra(e)).collect();
    for q in lx.quals {
        if q.cat & s.cat != 0 && (q.adverbial || !after_clause) && !(q.onset && with_duration) {
            v.push(Opt::General(q));
        }
    }
    v.push(Opt::Bare);
    v
}

/// Whether the (symptom, modifier) pair belongs to the test split only.
fn pair_held(lx: &Lex, s: &'static Sym, o: Opt) -> bool {
    let first = options(lx, s, false, false).first().map(|f| f.key());
    if first == Some(o.key()) {
        return false;
    }
    fnv1a(&["pair", lx.lang.code(), s.np, o.key()]).is_multiple_of(4)
}

fn pick_filler(rng: &mut Rng, lang: Lang, xs: &'static [&'static str], test: bool) -> &'static str {
    loop {
        let s = *rng.pick(xs);
        if test || !filler_held(lang, s) {
            return s;
        }
    }
}

/// Fills `{name}` slots; panics on a slot the generator does not know (a table bug that
/// the tests catch).
fn fill(template: &str, mut slot: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = i + rest[i..].find('}').expect("unclosed slot in corpus table");
        let name = &rest[i + 1..j];
        match slot(name) {
            Some(v) => out.push_str(&v),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

fn capitalise(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(c) => c.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// Marks a slot to capitalise (`{^S}`) until the slots inside it are filled.
const CAP: char = '\u{1}';

/// Capitalises the character after each `CAP` mark and drops the marks.
fn capitalise_marked(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = false;
    for c in s.chars() {
        if c == CAP {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Removes the spaces an empty slot leaves behind ("pain , but" -> "pain, but").
fn tidy(s: &str) -> String {
    let mut t = s.to_string();
    loop {
        let before = t.len();
        t = t.replace("  ", " ").replace(" ,", ",").replace(" .", ".").replace(" ?", "?").replace(" :", ":");
        if t.len() == before {
            return t.trim().to_string();
        }
    }
}

#[rustfmt::skip]
const EN_NUMBERS: [&str; 21] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
];

#[rustfmt::skip]
const PT_NUMBERS: [&str; 21] = [
    "zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez", "onze", "doze", "treze",
    "catorze", "quinze", "dezesseis", "dezessete", "dezoito", "dezenove", "vinte",
];

/// A high blood pressure reading, written as people write it.
fn blood_pressure(rng: &mut Rng, lang: Lang) -> String {
    let sys = 140 + 2 * rng.range(0, 30);
    let dia = 90 + rng.range(0, 20);
    match (lang, rng.below(4)) {
        (Lang::En, 0 | 1) => format!("{sys}/{dia}"),
        (Lang::En, 2) => format!("{sys} over {dia}"),
        (Lang::En, _) => format!("{sys}/{dia} mmHg"),
        // Brazilians often give centimetres of mercury: 16 por 10.
        (Lang::PtBr, 0) => format!("{sys}/{dia}"),
        (Lang::PtBr, 1) => format!("{} por {}", sys / 10, dia / 10),
        (Lang::PtBr, 2) => format!("{}x{}", sys / 10, dia / 10),
        (Lang::PtBr, _) => format!("{sys} por {dia}"),
    }
}

/// A child's fever, in tenths of a degree (38.0 to 40.1 C), written as people write it.
fn temperature(rng: &mut Rng, lang: Lang) -> String {
    let tenths = rng.range(380, 401);
    let (whole, frac) = (tenths / 10, tenths % 10);
    match (lang, rng.below(5)) {
        (Lang::En, 0) => format!("{whole}.{frac}"),
        (Lang::En, 1) => format!("{whole}.{frac}°C"),
        (Lang::En, 2) => format!("{whole} degrees"),
        // Fahrenheit, integers only: F = C * 9 / 5 + 32, to a whole degree.
        (Lang::En, _) => format!("{}", (tenths * 9 + 25) / 50 + 32),
        (Lang::PtBr, 0) => format!("{whole},{frac}"),
        (Lang::PtBr, 1) => format!("{whole} graus"),
        (Lang::PtBr, 2) => format!("{whole}°"),
        (Lang::PtBr, 3) => format!("{whole} e meio"),
        (Lang::PtBr, _) => format!("{whole},{frac} graus"),
    }
}

/// Who the sentence is about.
struct Subject {
    me: bool,
    female: bool,
    /// Stated age (0: none): years, or months when `months`.
    age: u8,
    months: bool,
    /// A child under 12 (pediatrics).
    child: bool,
}

/// One sentence for `label`, or None when the random choices did not fit together
/// (the caller draws again).
fn try_one(lx: &'static Lex, label: Specialty, test: bool, rng: &mut Rng) -> Option<(String, u32, Meta)> {
    let lang = lx.lang;
    let pediatric = label == Specialty::Pediatrics;
    let frames: Vec<&Frame> = lx
        .frames
        .iter()
        .filter(|f| f.test == test && (if pediatric { f.kind != Kind::Me } else { f.kind != Kind::Child }))
        .collect();
    let frame = *rng.pick(&frames);
    let clause_me = frame.text.contains("{C}") || frame.text.contains("{^C}");
    let clause_3 = frame.text.contains("C3}");
    let clause = clause_me || clause_3;

    // Who the patient is, and the age group whose symptoms fit (0: adult, any).
    let (who, subject, group) = match frame.kind {
        Kind::Me if frame.text.contains("{myage}") => {
            // A stated age: now and then a teenager writing for themself.
            let teen = rng.percent(20);
            let age = if teen { rng.range(13, 17) } else { rng.range(18, 85) } as u8;
            let group = if teen { TEEN } else { 0 };
            let female = rng.percent(50);
            (None, Subject { me: true, female, age, months: false, child: false }, group)
        }
        Kind::Me => (None, Subject { me: true, female: rng.percent(50), age: 0, months: false, child: false }, 0),
        Kind::Kin => {
            let female = rng.percent(50);
            let (age, group) = if pediatric {
                let age = rng.range(2, 11) as u8;
                (age, if age < 4 { INF } else { KID })
            } else if rng.percent(60) {
                (rng.range(12, 17) as u8, TEEN)
            } else {
                (rng.range(18, 35) as u8, 0)
            };
            (None, Subject { me: false, female, age, months: false, child: pediatric }, group)
        }
        Kind::Other | Kind::Child | Kind::Told => {
            let (list, teen) = if pediatric {
                (lx.children, false)
            } else if rng.percent(15) {
                (lx.teens, true)
            } else {
                (lx.adults, false)
            };
            let w = rng.pick(list);
            let female = match w.sex {
                Sex::M => false,
                Sex::F => true,
                Sex::Either => rng.percent(50),
            };
            let age = match w.age {
                Age::Years(lo, hi) | Age::Months(lo, hi) => rng.range(lo as u32, hi as u32) as u8,
                Age::None | Age::Baby | Age::Kid => 0,
            };
            let group = match (teen, w.age) {
                (true, _) => TEEN,
                (false, Age::None) => 0,
                (false, Age::Years(..)) if age >= 18 => 0,
                (false, Age::Months(..) | Age::Baby) => INF,
                (false, Age::Years(..)) if age < 4 => INF,
                (false, Age::Years(..) | Age::Kid) => KID,
            };
            let months = matches!(w.age, Age::Months(..));
            (Some(w), Subject { me: false, female, age, months, child: pediatric }, group)
        }
    };

    // Babies say nothing.
    if frame.kind == Kind::Told && group == INF {
        return None;
    }

    // The main symptom: a child-only one, or (for a child, 35%) one borrowed from an
    // organ specialty, which the child rule still sends to pediatrics.
    let source = if pediatric && rng.percent(35) { *rng.pick(&ADULT) } else { label };
    let pool: Vec<&'static Sym> = lx.symptoms[source.index()]
        .iter()
        .filter(|s| {
            let (me, third) = clause_forms(s);
            (group == 0 || s.young & group != 0) && (!clause_me || !me.is_empty()) && (!clause_3 || !third.is_empty())
        })
        .collect();
    if pool.is_empty() {
        return None;
    }
    let s = *rng.pick(&pool);

    let mut opts = options(lx, s, clause, frame.text.contains("{D}"));
    if test {
        if rng.percent(75) {
            opts.retain(|o| pair_held(lx, s, *o));
        }
    } else {
        opts.retain(|o| !pair_held(lx, s, *o));
    }
    if opts.is_empty() {
        return None;
    }
    // No modifier about one time in five, where allowed.
    let bare_ok = opts.iter().any(|o| matches!(o, Opt::Bare));
    let worded: Vec<Opt> = opts.iter().copied().filter(|o| !matches!(o, Opt::Bare)).collect();
    let opt = if worded.is_empty() || (bare_ok && rng.percent(20)) { Opt::Bare } else { *rng.pick(&worded) };

    // A negated symptom or dismissed organ from another specialty, and a minor
    // complaint. About a baby a parent can only deny or mention what shows (skin); about
    // an older child, no heart trouble is called minor.
    let neg_slot = frame.text.contains("{X}");
    let fine_slot = frame.text.contains("XO}");
    let negated = if neg_slot || fine_slot {
        let choices: Vec<Specialty> = if pediatric {
            // The pediatrics entry of `negs` is the neutral list (fever, vomiting).
            let seen: &[Specialty] =
                if group == INF { &[Specialty::Dermatology, Specialty::Pediatrics] } else { &Specialty::ALL };
            // Nor may it deny what the child's own complaint shows (a rash, wheezing).
            let shows = |sp: Specialty| match sp {
                Specialty::Dermatology => s.cat & SKIN != 0,
                Specialty::Cardiology => s.cat & BREATH != 0,
                _ => false,
            };
            seen.iter().copied().filter(|&sp| (sp != source || sp == Specialty::Pediatrics) && !shows(sp)).collect()
        } else {
            Specialty::ALL.iter().copied().filter(|&sp| sp != label).collect()
        };
        if choices.is_empty() {
            return None;
        }
        Some(*rng.pick(&choices))
    } else {
        None
    };
    let minor = if frame.text.contains("M}") {
        let allowed: &[Specialty] = match group {
            INF => &[Specialty::Dermatology],
            KID => &[Specialty::Neurology, Specialty::Dermatology],
            _ => &ADULT,
        };
        let choices: Vec<Specialty> = allowed.iter().copied().filter(|&sp| sp != label && sp != source).collect();
        if choices.is_empty() {
            return None;
        }
        Some(*rng.pick(&choices))
    } else {
        None
    };
    let neg: Option<&'static Neg> = negated.map(|sp| {
        let list = if fine_slot { lx.fine[sp.index()] } else { lx.negs[sp.index()] };
        rng.pick(list)
    });
    let neg_text = neg.map(|n| n.text).unwrap_or("");
    // "A fever, no fever": a neutral negation must not deny the symptom itself.
    if let Some(n) = neg
        && (n.clash & s.cat != 0 || alternatives(s.np).iter().any(|w| w.contains(n.text)))
    {
        return None;
    }
    let minor_text = match minor {
        Some(sp) => {
            let m = *rng.pick(lx.minors[sp.index()]);
            wording(rng, m)
        }
        None => "",
    };

    let opener = if rng.percent(50) { "" } else { pick_filler(rng, lang, lx.openers, test) };
    let tail = if rng.percent(65) { "" } else { pick_filler(rng, lang, lx.tails, test) };
    let long_ok = !subject.child && rng.percent(25);
    let since = pick_filler(rng, lang, if long_ok { lx.since_long } else { lx.since }, test);
    let ago = pick_filler(rng, lang, lx.ago, test);
    let kin = if frame.kind != Kind::Kin {
        ""
    } else if subject.female {
        *rng.pick(lx.kin_f)
    } else {
        *rng.pick(lx.kin_m)
    };
    let part = *rng.pick(lx.parts);
    let limb = *rng.pick(lx.limbs);

    // What came before, who noticed, what was tried: only where the frame asks.
    let hist = if frame.text.contains("{H}") {
        let list = if subject.me && rng.percent(60) {
            lx.hist_me
        } else if subject.child && rng.percent(50) {
            lx.hist_kid
        } else {
            lx.hist_any
        };
        pick_filler(rng, lang, list, test)
    } else {
        ""
    };
    let noticed = if frame.text.contains("{N}") {
        let list = if subject.me {
            lx.noticed_me
        } else if subject.child {
            lx.noticed_kid
        } else {
            lx.noticed_other
        };
        pick_filler(rng, lang, list, test)
    } else {
        ""
    };
    let tried = if frame.text.contains("{R}") {
        let list = if subject.me {
            lx.tried_me
        } else if subject.child {
            lx.tried_kid
        } else {
            lx.tried_other
        };
        let remark = pick_filler(rng, lang, list, test);
        // A child gets the child remedies, or skin care; adults those of the source.
        let own: Vec<&Tried> = if subject.child && source != Specialty::Pediatrics && source != Specialty::Dermatology {
            Vec::new()
        } else {
            lx.tried[source.index()]
                .iter()
                .filter(|t| suits(t.cat, s.cat) && (test || !filler_held(lang, t.text)))
                .collect()
        };
        let any: Vec<&Tried> = lx.tried_any.iter().filter(|t| test || !filler_held(lang, t.text)).collect();
        let item = if !own.is_empty() && rng.percent(75) { rng.pick(&own).text } else { rng.pick(&any).text };
        fill(remark, |name| if name == "tr" { Some(item.to_string()) } else { None })
    } else {
        String::new()
    };

    let np = wording(rng, s.np);
    let (me_forms, third_forms) = clause_forms(s);
    let clause_text = if clause_me {
        wording(rng, me_forms)
    } else if clause_3 {
        wording(rng, third_forms)
    } else {
        ""
    };
    let q_text = match opt {
        Opt::General(q) if s.plural => q.pl,
        Opt::General(q) => q.sg,
        Opt::Extra(e) => wording(rng, e),
        Opt::Bare => "",
    };
    let first = fill(frame.text, |name| {
        let (cap, name) = match name.strip_prefix('^') {
            Some(n) => (true, n),
            None => (false, name),
        };
        let v: String = match name {
            "F" => opener.to_string(),
            "T" => tail.to_string(),
            "S" => np.to_string(),
            "C" | "C3" => clause_text.to_string(),
            "Q" => q_text.to_string(),
            "D" => since.to_string(),
            "D2" => ago.to_string(),
            "X" | "XO" => neg_text.to_string(),
            "M" => minor_text.to_string(),
            "W" => who.map(|w| w.text).unwrap_or("").to_string(),
            "kid" => kin.to_string(),
            "H" => hist.to_string(),
            "N" => noticed.to_string(),
            "R" => tried.clone(),
            _ => return None,
        };
        // Capitalised once the slots inside are filled ("{poss} heart" -> "His heart").
        Some(if cap { format!("{CAP}{v}") } else { v })
    });

    let (me, female, age, months) = (subject.me, subject.female, subject.age, subject.months);
    let text = fill(&first, |name| {
        if let Some(forms) = name.strip_prefix("v:") {
            let f: Vec<&str> = forms.split('|').collect();
            let i = if me {
                0
            } else if f.len() == 2 || !female {
                1
            } else {
                2
            };
            return Some(f[i.min(f.len() - 1)].to_string());
        }
        if let Some(forms) = name.strip_prefix("g:") {
            let f: Vec<&str> = forms.split('|').collect();
            return Some(f[if female { f.len() - 1 } else { 0 }].to_string());
        }
        if let Some(forms) = name.strip_prefix("n:") {
            let f: Vec<&str> = forms.split('|').collect();
            return Some(f[if s.plural { f.len() - 1 } else { 0 }].to_string());
        }
        if let Some(range) = name.strip_prefix("num:") {
            let (lo, hi) = range.split_once('-')?;
            let (lo, hi): (u32, u32) = (lo.parse().ok()?, hi.parse().ok()?);
            return Some(rng.range(lo, hi).to_string());
        }
        let v: String = match (lang, name) {
            (_, "part") => part.to_string(),
            (_, "limb") => limb.to_string(),
            (_, "bp") => blood_pressure(rng, lang),
            (_, "temp") => temperature(rng, lang),
            (_, "hr") => (110 + 2 * rng.range(0, 30)).to_string(),
            (_, "myage" | "agen") => age.to_string(),
            (Lang::En, "poss") => (if me {
                "my"
            } else if female {
                "her"
            } else {
                "his"
            })
            .to_string(),
            (Lang::En, "Poss") => (if me {
                "My"
            } else if female {
                "Her"
            } else {
                "His"
            })
            .to_string(),
            (Lang::En, "obj") => (if me {
                "me"
            } else if female {
                "her"
            } else {
                "him"
            })
            .to_string(),
            (Lang::En, "pro") => (if female { "she" } else { "he" }).to_string(),
            (Lang::En, "Pro") => (if female { "She" } else { "He" }).to_string(),
            (Lang::En, "age") if months => format!("{age}-month-old"),
            (Lang::En, "age") => format!("{age}-year-old"),
            (Lang::En, "agew") if months => format!("{}-month-old", EN_NUMBERS[age as usize]),
            (Lang::En, "agew") => format!("{}-year-old", EN_NUMBERS[age as usize]),
            (Lang::PtBr, "obj") => (if me {
                "me"
            } else if female {
                "a"
            } else {
                "o"
            })
            .to_string(),
            (Lang::PtBr, "pro") => (if female { "ela" } else { "ele" }).to_string(),
            (Lang::PtBr, "Pro") => (if female { "Ela" } else { "Ele" }).to_string(),
            (Lang::PtBr, "age") if months && age == 1 => "1 mês".to_string(),
            (Lang::PtBr, "age") if months => format!("{age} meses"),
            (Lang::PtBr, "age") if age == 1 => "1 ano".to_string(),
            (Lang::PtBr, "age") => format!("{age} anos"),
            (Lang::PtBr, "agew") if months && age == 1 => "um mês".to_string(),
            (Lang::PtBr, "agew") if months => format!("{} meses", PT_NUMBERS[age as usize]),
            (Lang::PtBr, "agew") if age == 1 => "um ano".to_string(),
            (Lang::PtBr, "agew") => format!("{} anos", PT_NUMBERS[age as usize]),
            (Lang::PtBr, "agedim") if months && age == 1 => "1 mesinho".to_string(),
            (Lang::PtBr, "agedim") if months => format!("{age} mesinhos"),
            (Lang::PtBr, "agedim") if age == 1 => "1 aninho".to_string(),
            (Lang::PtBr, "agedim") => format!("{age} aninhos"),
            _ => return None,
        };
        Some(v)
    });
    let text = capitalise(&capitalise_marked(&tidy(&text)));
    if text.split_whitespace().count() < 3 {
        return None;
    }
    let meta = Meta { symptom: s.np, modifier: opt.key(), source, negated, negation: neg_text, minor };
    Some((text, frame.id, meta))
}

/// Draws until a sentence is found that is new to `own` and absent from `other`.
fn one(
    lx: &'static Lex,
    label: Specialty,
    test: bool,
    rng: &mut Rng,
    own: &HashSet<String>,
    other: &HashSet<String>,
) -> (String, u32, Meta) {
    let mut tries = 0usize;
    loop {
        tries += 1;
        let Some((text, id, meta)) = try_one(lx, label, test, rng) else {
            continue;
        };
        if other.contains(&text) {
            assert!(tries < 1_000_000, "corpus: cannot find a sentence unseen in the other split");
            continue;
        }
        // Past 200 draws the space is exhausted for this spec: accept a repeat.
        if own.contains(&text) && tries < 200 {
            continue;
        }
        return (text, id, meta);
    }
}

fn generate_with_meta(spec: &CorpusSpec) -> (Corpus, Vec<Meta>, Vec<Meta>) {
    let mut train: Vec<(Example, Meta)> = Vec::new();
    let mut test: Vec<(Example, Meta)> = Vec::new();
    let mut train_seen: HashSet<String> = HashSet::new();
    let mut test_seen: HashSet<String> = HashSet::new();
    for (split, n) in [(0u64, spec.train_per_class), (1u64, spec.test_per_class)] {
        let is_test = split == 1;
        for (li, &lang) in Lang::ALL.iter().enumerate() {
            let lx = lex(lang);
            for &label in &Specialty::ALL {
                let stream = 1 + (split << 8) + ((li as u64) << 4) + label.index() as u64;
                let mut rng = Rng::with_stream(spec.seed, stream);
                for _ in 0..n {
                    let (own, other) = if is_test { (&test_seen, &train_seen) } else { (&train_seen, &test_seen) };
                    let (text, template, meta) = one(lx, label, is_test, &mut rng, own, other);
                    let ex = Example { text: text.clone(), lang, label, template };
                    if is_test {
                        test_seen.insert(text);
                        test.push((ex, meta));
                    } else {
                        train_seen.insert(text);
                        train.push((ex, meta));
                    }
                }
            }
        }
    }
    let mut rng = Rng::with_stream(spec.seed, 0x0053_4855_4646_4c45);
    shuffle(&mut train, &mut rng);
    shuffle(&mut test, &mut rng);
    let (train, train_meta): (Vec<Example>, Vec<Meta>) = train.into_iter().unzip();
    let (test, test_meta): (Vec<Example>, Vec<Meta>) = test.into_iter().unzip();
    (Corpus { train, test }, train_meta, test_meta)
}

/// Fisher-Yates.
fn shuffle<T>(xs: &mut [T], rng: &mut Rng) {
    for i in (1..xs.len()).rev() {
        let j = rng.below(i + 1);
        xs.swap(i, j);
    }
}
