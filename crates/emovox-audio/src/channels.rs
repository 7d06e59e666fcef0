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
