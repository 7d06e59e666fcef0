//! Resamplers kept per input rate, so a clip at a rate seen before builds no new filter.

use std::sync::Mutex;

use emovox_audio::Resampler;

use crate::FeatureError;

/// Resamplers kept per cache (one per input rate).
const CACHED_RESAMPLERS: usize = 8;

/// Resamplers to one output rate from the input rates seen so far; a resampler is taken out
/// while in use, so threads converting at the same rate at once each get their own.
#[derive(Debug)]
pub(crate) struct ResamplerCache {
    to: u32,
    resamplers: Mutex<Vec<Resampler>>,
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
            let found = cache.iter().position(|r| r.from_rate() == from);
            found.map(|i| cache.swap_remove(i))
        };
        let mut resampler = match cached {
            Some(r) => r,
            None => {
                Resampler::new(from, self.to).map_err(|e| FeatureError::Resample(e.to_string()))?
            }
        };
        let result = resampler
            .process_into(samples, out)
            .map_err(|e| FeatureError::Resample(e.to_string()));
        let mut cache = self.resamplers.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() < CACHED_RESAMPLERS {
            cache.push(resampler);
        }
        result
    }
}
