//! Which channels of a multichannel file make the mono signal emovox works on.

use crate::AudioError;

/// Which channels of a file become the mono signal: their mean (the default, as soundfile and
/// `librosa.to_mono` make it) or one of them. A stereo call recording often holds one party per
/// channel (agent left, customer right): averaging them mixes two speakers, `Only(1)` hears the
/// customer alone.
///
/// ```
/// use emovox_audio::{decode_audio_with, Channels};
///
/// // A stereo WAV whose channels differ: left 0.5, right -0.25.
/// let spec = hound::WavSpec {
///     channels: 2,
///     sample_rate: 8_000,
///     bits_per_sample: 16,
///     sample_format: hound::SampleFormat::Int,
/// };
/// let mut wav = Vec::new();
/// let mut writer = hound::WavWriter::new(std::io::Cursor::new(&mut wav), spec).unwrap();
/// writer.write_sample(16_384i16).unwrap();
/// writer.write_sample(-8_192i16).unwrap();
/// writer.finalize().unwrap();
/// let read = |channels| decode_audio_with(std::io::Cursor::new(wav.clone()), channels);
/// assert_eq!(read(Channels::Average)?.samples, [0.125]);
/// assert_eq!(read(Channels::Only(1))?.samples, [-0.25]);
/// assert!(read(Channels::Only(2)).is_err()); // there is no third channel
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Channels {
    /// The mean of all channels (in f32, channel by channel, as numpy's mean of soundfile's
    /// frames).
    #[default]
    Average,
    /// One channel, counted from 0 (0 is left in a stereo file).
    Only(usize),
}

impl Channels {
    /// Checks that a file of `count` channels has the one asked for.
    pub(crate) fn check(self, count: usize) -> Result<(), AudioError> {
        match self {
            Channels::Only(channel) if channel >= count => Err(AudioError::NoSuchChannel {
                channel,
                channels: count,
            }),
            _ => Ok(()),
        }
    }

    /// Appends the mono samples of interleaved frames of `count` channels to `out`: their
    /// mean, or the one channel (checked with [`Channels::check`]), allocating nothing beyond
    /// `out` itself.
    pub(crate) fn mono_into(
        self,
        interleaved: &[f32],
        count: usize,
        out: &mut Vec<f32>,
    ) -> Result<(), AudioError> {
        self.check(count)?;
        let frames = interleaved.chunks_exact(count);
        match self {
            _ if count == 1 => out.extend_from_slice(interleaved),
            Channels::Average => out.extend(
                frames.map(|frame| frame.iter().fold(0.0f32, |sum, &s| sum + s) / count as f32),
            ),
            Channels::Only(channel) => out.extend(frames.map(|frame| frame[channel])),
        }
        Ok(())
    }
}

/// How much quieter than the channels their mean may be before they are taken to cancel out
/// (as a ratio of energies: 60 dB).
const CANCEL_RATIO: f64 = 1e-6;

/// Below this mean square per channel (-90 dBFS) the channels count as silent, and are not
/// checked for cancelling out.
const SILENT_MEAN_SQUARE: f64 = 1e-9;

/// [`Channels::mono_into`] that also sums, when channels are averaged, the energy of the mix
/// and the mean energy of the channels, to tell channels that cancel out when averaged
/// ([`Downmix::check`]). The sums cost a multiply-add per input and per mixed sample, on the
/// chunk just mixed (no second pass over the file).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Downmix {
    channels: Channels,
    /// Channels of the frames averaged so far (0 before any).
    count: usize,
    /// Frames averaged so far.
    frames: u64,
    /// Sum of the squared mixed samples.
    mix: f64,
    /// Sum over frames of the mean squared sample of the channels.
    each: f64,
}

impl Downmix {
    /// Mixes to the `channels` chosen.
    pub(crate) fn new(channels: Channels) -> Self {
        Self {
            channels,
            count: 0,
            frames: 0,
            mix: 0.0,
            each: 0.0,
        }
    }

    /// [`Channels::mono_into`], summing the energies when more than one channel is averaged.
    pub(crate) fn mono_into(
        &mut self,
        interleaved: &[f32],
        count: usize,
        out: &mut Vec<f32>,
    ) -> Result<(), AudioError> {
        let from = out.len();
        self.channels.mono_into(interleaved, count, out)?;
        if self.channels == Channels::Average && count > 1 {
            let square = |s: &f32| f64::from(*s) * f64::from(*s);
            self.each += interleaved.iter().map(square).sum::<f64>() / count as f64;
            self.mix += out[from..].iter().map(square).sum::<f64>();
            self.frames += (out.len() - from) as u64;
            self.count = count;
        }
        Ok(())
    }

    /// [`AudioError::ChannelsCancel`] when the channels averaged so far are not silent but
    /// their mean is more than 60 dB quieter than they are.
    pub(crate) fn check(&self) -> Result<(), AudioError> {
        let audible = self.frames > 0
            && self.each.is_finite()
            && self.each / self.frames as f64 > SILENT_MEAN_SQUARE;
        if audible && self.mix <= self.each * CANCEL_RATIO {
            return Err(AudioError::ChannelsCancel {
                channels: self.count,
                mix_db: 10.0 * (self.mix / self.each).log10(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(interleaved: &[f32], channels: Channels) -> Result<Vec<f32>, AudioError> {
        let mut downmix = Downmix::new(channels);
        let mut out = Vec::new();
        downmix.mono_into(interleaved, 2, &mut out)?;
        downmix.check()?;
        Ok(out)
    }

    #[test]
    fn channels_in_opposite_phase_cancel_out_only_when_averaged() {
        let opposite: Vec<f32> = (0..100)
            .flat_map(|i| [i as f32 / 200.0, -i as f32 / 200.0])
            .collect();
        let err = check(&opposite, Channels::Average).unwrap_err();
        assert!(
            matches!(err, AudioError::ChannelsCancel { channels: 2, mix_db } if mix_db == f64::NEG_INFINITY),
            "{err:?}"
        );
        assert!(err.to_string().contains("Channels::Only"), "{err}");
        assert_eq!(check(&opposite, Channels::Only(1)).unwrap().len(), 100);
        // Nearly opposite (the mix 46 dB down) is a real, if odd, mix; silence is silence.
        let nearly: Vec<f32> = opposite
            .iter()
            .enumerate()
            .map(|(i, s)| if i % 2 == 0 { s * 1.01 } else { *s })
            .collect();
        assert!(check(&nearly, Channels::Average).is_ok());
        assert!(check(&[0.0; 200], Channels::Average).is_ok());
        assert!(check(&[1e-6, -1e-6, 2e-6, -2e-6], Channels::Average).is_ok());
    }
}
