//! Corpus normalisation statistics computed on a training set.

use emovox_model::Normalisation;

use crate::{FeatureDataset, TrainError};

/// Smallest standard deviation kept, so constant bins do not blow up.
const MIN_STD: f64 = 1e-3;

/// Mean and standard deviation of every (channel, bin) over all frames of all examples.
pub fn corpus_statistics(dataset: &FeatureDataset) -> Result<Normalisation, TrainError> {
    let (channels, bins) = dataset
        .input_shape()
        .ok_or_else(|| TrainError::InvalidData("cannot normalise an empty dataset".into()))?;
    let width = channels * bins;
    let mut sum = vec![0f64; width];
    let mut sum_sq = vec![0f64; width];
    let mut count = 0usize;
    for ex in &dataset.examples {
        for c in 0..channels {
            for b in 0..bins {
                let row = ex.features.slice(ndarray::s![c, b, ..]);
                let i = c * bins + b;
                for &v in row {
                    sum[i] += v as f64;
                    sum_sq[i] += (v as f64) * (v as f64);
                }
            }
        }
        count += ex.features.dim().2;
    }
    let n = count as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
    let std = sum_sq
        .iter()
        .zip(&mean)
        .map(|(sq, m)| ((sq / n - m * m).max(0.0).sqrt().max(MIN_STD)) as f32)
        .collect();
    Ok(Normalisation {
        mean: mean.into_iter().map(|m| m as f32).collect(),
        std,
    })
}
