//! The tokenized sentences the page trains on (`www/models/dataset.safetensors`): a
//! balanced sample of the corpus's training split and of its held-out test split, as token
//! ids, so that the page can train without the corpus generator or the tokenizer's
//! training code in its download. Written by `moe-clinic train`, read by the trainer.
//!
//! Per split `S` (`train`, `test`): `S.ids` I32 [tokens], `S.starts` I32 [sentences + 1]
//! (sentence n holds `ids[starts[n]..starts[n + 1]]`), `S.labels` and `S.langs` I32
//! [sentences] (`Specialty::index`, the position in `Lang::ALL`).

use super::labels::{Lang, Specialty};
use super::train::Sample;
use crate::moe::tensors::{Tensor, TensorFile, write_tensors};
use crate::moe::{MoeError, Result};

/// The two splits.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub train: Vec<Sample>,
    pub test: Vec<Sample>,
}

/// The first `per_group` sentences of each (language, specialty), in the split's order
/// (the corpus splits are shuffled): a balanced sample of every kind of patient.
pub fn balanced_sample(samples: &[Sample], per_group: usize) -> Vec<Sample> {
    let mut taken = [[0usize; 4]; 2];
    let mut out = Vec::new();
    for s in samples {
        let lang = Lang::ALL.iter().position(|&l| l == s.lang).unwrap_or(0);
        let count = &mut taken[lang][s.label.index()];
        if *count < per_group {
            *count += 1;
            out.push(s.clone());
        }
    }
    out
}

impl Dataset {
    pub fn to_safetensors(&self) -> Result<Vec<u8>> {
        let mut tensors = Vec::new();
        for (split, samples) in [("train", &self.train), ("test", &self.test)] {
            let mut starts = vec![0i32];
            let mut ids = Vec::new();
            for s in samples {
                ids.extend(s.ids.iter().map(|&id| id as i32));
                starts.push(ids.len() as i32);
            }
            let labels: Vec<i32> = samples.iter().map(|s| s.label.index() as i32).collect();
            let langs: Vec<i32> =
                samples.iter().map(|s| Lang::ALL.iter().position(|&l| l == s.lang).unwrap_or(0) as i32).collect();
            tensors.push((format!("{split}.ids"), Tensor::i32(vec![ids.len()], &ids)));
            tensors.push((format!("{split}.starts"), Tensor::i32(vec![starts.len()], &starts)));
            tensors.push((format!("{split}.labels"), Tensor::i32(vec![labels.len()], &labels)));
            tensors.push((format!("{split}.langs"), Tensor::i32(vec![langs.len()], &langs)));
        }
        write_tensors(&tensors, &[("format", "pt".into())])
    }

    /// Reads a dataset, checking every id against the model's vocabulary.
    pub fn from_safetensors(bytes: &[u8], vocab: usize) -> Result<Self> {
        let file = TensorFile::parse(bytes)?;
        let split = |name: &str| -> Result<Vec<Sample>> {
            let read = |part: &str| file.read_i32(&format!("{name}.{part}")).map(|(_, v)| v);
            let (ids, starts, labels, langs) = (read("ids")?, read("starts")?, read("labels")?, read("langs")?);
            let bad = |what: String| MoeError::Format(format!("dataset split `{name}`: {what}"));
            if starts.len() != labels.len() + 1 || langs.len() != labels.len() || starts.first() != Some(&0) {
                return Err(bad("starts, labels and langs disagree on the number of sentences".into()));
            }
            if starts.windows(2).any(|w| w[0] > w[1]) || *starts.last().unwrap_or(&0) as usize != ids.len() {
                return Err(bad("starts must rise from 0 to the number of ids".into()));
            }
            if let Some(id) = ids.iter().find(|&&id| id < 0 || id as usize >= vocab) {
                return Err(bad(format!("id {id} is outside the vocabulary of {vocab}")));
            }
            (0..labels.len())
                .map(|n| {
                    let label =
                        Specialty::ALL.get(labels[n] as usize).ok_or_else(|| bad(format!("label {}", labels[n])))?;
                    let lang = Lang::ALL.get(langs[n] as usize).ok_or_else(|| bad(format!("language {}", langs[n])))?;
                    let ids = ids[starts[n] as usize..starts[n + 1] as usize].iter().map(|&id| id as u32).collect();
                    Ok(Sample { ids, label: *label, lang: *lang })
                })
                .collect()
        };
        Ok(Dataset { train: split("train")?, test: split("test")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_what_does_not_fit() {
        let s = |ids: Vec<u32>, label, lang| Sample { ids, label, lang };
        let data = Dataset {
            train: vec![
                s(vec![1, 2, 3], Specialty::Cardiology, Lang::En),
                s(vec![4], Specialty::Dermatology, Lang::PtBr),
            ],
            test: vec![s(vec![5, 6], Specialty::Pediatrics, Lang::PtBr)],
        };
        let bytes = data.to_safetensors().unwrap();
        assert_eq!(Dataset::from_safetensors(&bytes, 10).unwrap(), data);
        let err = Dataset::from_safetensors(&bytes, 5).unwrap_err().to_string();
        assert!(err.contains("id 5 is outside the vocabulary of 5"), "{err}");
    }

    #[test]
    fn a_balanced_sample_takes_each_group_in_order() {
        let samples: Vec<Sample> = (0..40)
            .map(|i| Sample {
                ids: vec![i],
                label: Specialty::ALL[i as usize % 4],
                lang: Lang::ALL[(i as usize / 4) % 2],
            })
            .collect();
        let sample = balanced_sample(&samples, 2);
        assert_eq!(sample.len(), 16);
        assert_eq!(sample[0].ids, [0]);
        assert!(sample.iter().all(|s| s.ids[0] < 16), "the first two of each group");
    }
}
