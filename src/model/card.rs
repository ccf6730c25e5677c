//! Measuring a trained model and writing its card: accuracy per language, load per expert,
//! what each expert receives, the labels derived from it, and how much expert choice says
//! about the specialty (normalised mutual information). Nothing here is written by hand.

use super::clinic::{ClinicConfig, ClinicWeights, predicted_class};
use super::labels::{Lang, Specialty};
use super::train::{EpochLog, Sample, TrainSpec, infer};
use crate::moe::Routing;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The share an expert's top specialty must reach to name the expert after it.
pub const LABEL_SHARE: f64 = 0.40;
/// The label rule, in words, as the card states it.
pub const LABEL_RULE: &str = "an expert is named after the specialty with the largest share of the (pre-capacity) \
token assignments it receives on the test split, if that share is at least 40%; otherwise it is \"general\"";

/// Counts gathered by running a model over labelled sentences.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// (correct, total) per language.
    pub accuracy: BTreeMap<Lang, (usize, usize)>,
    /// Assignments per routed expert before capacity, all slots.
    pub demand: Vec<u64>,
    /// Per routed expert: assignments by the sentence's specialty.
    pub by_specialty: Vec<[u64; 4]>,
    /// Per routed expert: assignments by token id.
    pub by_token: Vec<BTreeMap<u32, u64>>,
    /// Specialty x first-choice expert, for mutual information.
    pub joint: Vec<[u64; 4]>,
    pub dropped_slots: u64,
    pub slots: u64,
}

impl Evaluation {
    pub fn accuracy_of(&self, lang: Lang) -> f64 {
        self.accuracy.get(&lang).map_or(0.0, |&(c, n)| c as f64 / n.max(1) as f64)
    }
}

/// Runs the model (CPU reference) over `samples` with `routing` and counts everything the
/// card reports.
pub fn evaluate(weights: &ClinicWeights, routing: &Routing, samples: &[Sample]) -> Evaluation {
    let e = weights.config.moe.num_experts;
    let mut ev = Evaluation {
        demand: vec![0; e],
        by_specialty: vec![[0; 4]; e],
        by_token: vec![BTreeMap::new(); e],
        joint: vec![[0; 4]; e],
        ..Default::default()
    };
    for sample in samples {
        let tokens = sample.ids.len();
        if tokens == 0 {
            continue;
        }
        // As the page and the CLI route: one sentence at a time, capacity per sentence.
        let (run, probs) = infer(weights, routing, &sample.ids);
        let (run, best) = (&run, predicted_class(&probs));
        let entry = ev.accuracy.entry(sample.lang).or_insert((0, 0));
        entry.0 += usize::from(best == sample.label.index());
        entry.1 += 1;
        let (s, ts) = (run.dims.slots, run.dims.total_slots);
        for t in 0..tokens {
            for slot in 0..s {
                let a = t * ts + slot;
                let Ok(expert) = usize::try_from(run.assign_expert[a]) else { continue };
                ev.demand[expert] += 1;
                ev.by_specialty[expert][sample.label.index()] += 1;
                *ev.by_token[expert].entry(sample.ids[t]).or_insert(0) += 1;
                ev.slots += 1;
                ev.dropped_slots += u64::from(run.slot_row[a] < 0);
                if slot == 0 {
                    ev.joint[expert][sample.label.index()] += 1;
                }
            }
        }
    }
    ev
}

/// Normalised mutual information between specialty and first-choice expert,
/// I(S; E) / ((H(S) + H(E)) / 2), in [0, 1].
pub fn normalised_mutual_information(joint: &[[u64; 4]]) -> f64 {
    let total: u64 = joint.iter().flatten().sum();
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    let p_expert: Vec<f64> = joint.iter().map(|row| row.iter().sum::<u64>() as f64 / n).collect();
    let p_specialty: Vec<f64> = (0..4).map(|c| joint.iter().map(|row| row[c]).sum::<u64>() as f64 / n).collect();
    let entropy = |ps: &[f64]| -ps.iter().filter(|&&p| p > 0.0).map(|p| p * p.ln()).sum::<f64>();
    let mut information = 0.0;
    for (e, row) in joint.iter().enumerate() {
        for (c, &count) in row.iter().enumerate() {
            if count > 0 {
                let p = count as f64 / n;
                information += p * (p / (p_expert[e] * p_specialty[c])).ln();
            }
        }
    }
    let mean_entropy = (entropy(&p_expert) + entropy(&p_specialty)) / 2.0;
    if mean_entropy > 0.0 { information / mean_entropy } else { 0.0 }
}

/// Accuracy on one language's sentences.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LangAccuracy {
    pub lang: String,
    pub accuracy: f64,
    pub sentences: usize,
}

/// One routed expert, as measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpertCard {
    pub index: usize,
    /// A specialty's name, or "general" (see `LABEL_RULE`).
    pub label: String,
    /// The top specialty's share of this expert's assignments.
    pub share: f64,
    /// Share per specialty, in `Specialty::ALL` order.
    pub shares: [f64; 4],
    /// Assignments received on the test split (pre-capacity).
    pub assignments: u64,
    /// Its most frequent tokens, most frequent first.
    pub top_tokens: Vec<String>,
}

/// Everything measured about a shipped model: the JSON card beside its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    pub name: String,
    pub config: ClinicConfig,
    pub training: TrainSpec,
    pub corpus: CorpusSummary,
    pub epochs: Vec<EpochLog>,
    /// Measured on the shipped weights (as stored, e.g. F16), with the trained routing.
    pub test_accuracy: Vec<LangAccuracy>,
    pub handwritten_accuracy: Vec<LangAccuracy>,
    /// Pre-capacity assignments per routed expert on the test split.
    pub load: Vec<u64>,
    pub load_max_over_mean: f64,
    pub load_min_over_mean: f64,
    pub dropped_slot_share: f64,
    pub nmi: f64,
    pub experts: Vec<ExpertCard>,
    pub labelled_experts: usize,
    pub label_rule: String,
    pub specialties: Vec<String>,
    pub weights_file: String,
    pub weights_bytes: usize,
}

/// What the model was trained and measured on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorpusSummary {
    pub seed: u64,
    pub train_sentences: usize,
    pub test_sentences: usize,
    pub handwritten_sentences: usize,
    pub vocab_size: usize,
}

/// What a card says about where a model comes from: its name, how it was trained, on what.
pub struct Provenance {
    pub name: String,
    pub training: TrainSpec,
    pub corpus: CorpusSummary,
    pub epochs: Vec<EpochLog>,
}

impl ModelCard {
    /// Measures `weights` (as stored: `weights_bytes` is their file) on the test split and
    /// the hand-written sentences, with the weights' own routing; `piece` names token ids.
    pub fn measure(
        provenance: Provenance,
        weights: &ClinicWeights,
        weights_bytes: usize,
        test_set: &[Sample],
        handwritten: &[Sample],
        piece: impl Fn(u32) -> String,
    ) -> Self {
        let routing = weights.config.routing;
        let test = evaluate(weights, &routing, test_set);
        let hand = evaluate(weights, &routing, handwritten);
        let experts = expert_cards(&test, piece);
        let mean = test.demand.iter().sum::<u64>() as f64 / test.demand.len().max(1) as f64;
        let over_mean = |l: Option<&u64>| if mean > 0.0 { *l.unwrap_or(&0) as f64 / mean } else { 0.0 };
        ModelCard {
            name: provenance.name.clone(),
            config: weights.config.clone(),
            training: provenance.training,
            corpus: provenance.corpus,
            epochs: provenance.epochs,
            test_accuracy: accuracies(&test),
            handwritten_accuracy: accuracies(&hand),
            load_max_over_mean: over_mean(test.demand.iter().max()),
            load_min_over_mean: over_mean(test.demand.iter().min()),
            load: test.demand.clone(),
            dropped_slot_share: test.dropped_slots as f64 / test.slots.max(1) as f64,
            nmi: normalised_mutual_information(&test.joint),
            labelled_experts: experts.iter().filter(|e| e.label != "general").count(),
            experts,
            label_rule: LABEL_RULE.to_string(),
            specialties: Specialty::ALL.iter().map(|s| s.name().to_string()).collect(),
            weights_file: format!("{}.safetensors", provenance.name),
            weights_bytes,
        }
    }
}

/// Builds the card's measured part from evaluations on the test split and on the
/// hand-written sentences; `piece` names token ids.
pub fn expert_cards(test: &Evaluation, piece: impl Fn(u32) -> String) -> Vec<ExpertCard> {
    test.by_specialty
        .iter()
        .enumerate()
        .map(|(index, counts)| {
            let total: u64 = counts.iter().sum();
            let shares = counts.map(|c| if total == 0 { 0.0 } else { c as f64 / total as f64 });
            let top = (0..4).max_by(|&a, &b| shares[a].total_cmp(&shares[b]).then(b.cmp(&a))).unwrap_or(0);
            let label = if total > 0 && shares[top] >= LABEL_SHARE {
                Specialty::ALL[top].name().to_string()
            } else {
                "general".to_string()
            };
            let mut tokens: Vec<(u32, u64)> = test.by_token[index].iter().map(|(&id, &n)| (id, n)).collect();
            tokens.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            ExpertCard {
                index,
                label,
                share: shares[top],
                shares,
                assignments: total,
                top_tokens: tokens.iter().take(8).map(|&(id, _)| piece(id)).collect(),
            }
        })
        .collect()
}

/// Per-language accuracies in a stable order.
pub fn accuracies(ev: &Evaluation) -> Vec<LangAccuracy> {
    ev.accuracy
        .iter()
        .map(|(lang, &(correct, total))| LangAccuracy {
            lang: lang.code().to_string(),
            accuracy: correct as f64 / total.max(1) as f64,
            sentences: total,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nmi_is_one_for_a_bijection_and_zero_for_independence() {
        let perfect = vec![[10, 0, 0, 0], [0, 10, 0, 0], [0, 0, 10, 0], [0, 0, 0, 10]];
        assert!((normalised_mutual_information(&perfect) - 1.0).abs() < 1e-12);
        let independent = vec![[5, 5, 5, 5], [5, 5, 5, 5]];
        assert!(normalised_mutual_information(&independent).abs() < 1e-12);
        let partial = vec![[9, 1, 0, 0], [1, 9, 0, 0], [0, 0, 10, 10]];
        let nmi = normalised_mutual_information(&partial);
        assert!(nmi > 0.3 && nmi < 1.0, "{nmi}");
    }

    #[test]
    fn labels_follow_the_forty_percent_rule() {
        let ev = Evaluation {
            by_specialty: vec![[40, 30, 20, 10], [39, 31, 20, 10], [0, 0, 0, 0]],
            by_token: vec![BTreeMap::from([(1, 5), (2, 9)]), BTreeMap::new(), BTreeMap::new()],
            ..Default::default()
        };
        let cards = expert_cards(&ev, |id| format!("t{id}"));
        assert_eq!(cards[0].label, "cardiology");
        assert_eq!(cards[0].top_tokens, ["t2", "t1"]);
        assert_eq!(cards[1].label, "general");
        assert_eq!(cards[2].label, "general");
        assert_eq!(cards[2].assignments, 0);
    }
}
