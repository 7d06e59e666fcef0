//! Resamplers kept per input rate, so a clip at a rate seen before builds no new filter.

use std::sync::Mutex;

use emovox_audio::Resampler;

use crate::FeatureError;

/// Resamplers kept per cache (one per input rate).
const CACHED_RESAMPLERS: usize = 8;
/// The centred copy of a clip longer than this (in samples) is freed after use.
const KEPT_CENTRED_SAMPLES: usize = 1 << 20;

/// Resamplers to one output rate from the input rates seen so far; a resampler is taken out
/// while in use, so threads converting at the same rate at once each get their own.
///
/// A clip is resampled around its mean: `resample(x - mean) + mean`. The resampler pads a clip
/// with zeros, so a clip with a constant offset would otherwise be resampled as a step at each
/// end and ring there (a click that no later mean removal takes away); around its mean, the
/// offset continues past the ends as the constant it is. For clips without an offset this
/// changes nothing but rounding.
#[derive(Debug)]
pub(crate) struct ResamplerCache {
    to: u32,
    /// Each resampler with its working copy of the centred input.
    resamplers: Mutex<Vec<(Resampler, Vec<f32>)>>,
}

impl ResamplerCache {
    /// An empty cache of resamplers to `to` Hz.
    pub(crate) fn new(to: u32) -> Self {
        Self {
            to,
            resamplers: Mutex::new(Vec::new()),
        }
    }

    /// Resamples `samples` from `from` Hz into `out` (cleared first) with a cached resampler
    /// for `from` Hz, built on first use of that rate.
    pub(crate) fn resample_into(
        &self,
        samples: &[f32],
        from: u32,
        out: &mut Vec<f32>,
    ) -> Result<(), FeatureError> {
        let cached = {
            let mut cache = self.resamplers.lock().unwrap_or_else(|e| e.into_inner());
            let found = cache.iter().position(|(r, _)| r.from_rate() == from);
            found.map(|i| cache.swap_remove(i))
        };
        let (mut resampler, mut centred) = match cached {
            Some(entry) => entry,
            None => (
                Resampler::new(from, self.to).map_err(|e| FeatureError::Resample(e.to_string()))?,
                Vec::new(),
            ),
        };
        let mean = emovox_audio::mean(samples) as f32;
        let input = if mean == 0.0 {
            samples
        } else {
            centred.clear();
            centred.extend(samples.iter().map(|s| s - mean));
            &centred[..]
        };
        let result = resampler
            .process_into(input, out)
            .map_err(|e| FeatureError::Resample(e.to_string()));
        if mean != 0.0 {
            out.iter_mut().for_each(|s| *s += mean);
        }
        if centred.capacity() > KEPT_CENTRED_SAMPLES {
            // One long clip does not keep its copy alive.
            centred = Vec::new();
        }
        let mut cache = self.resamplers.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() < CACHED_RESAMPLERS {
            cache.push((resampler, centred));
        }
        result
    }
}
