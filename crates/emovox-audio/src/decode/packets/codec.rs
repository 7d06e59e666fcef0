//! The track's decoder: libopus for Opus, opencore-amr for AMR, symphonia's for the rest.

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CodecParameters, Decoder, DecoderOptions, CODEC_TYPE_FLAC};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::Packet;

use super::errors::{at_time, guarded, symphonia_error};
use crate::channels::Downmix;
use crate::header_checks;
use crate::AudioError;

/// A track's decoder.
pub(super) enum Codec {
    Symphonia(SymphoniaCodec),
    #[cfg(feature = "opus")]
    Opus(crate::opus::OpusPackets),
    #[cfg(feature = "amr")]
    Amr(crate::amr::AmrPackets),
}

/// Symphonia's decoder of a track, with the buffer its packets are interleaved into.
pub(super) struct SymphoniaCodec {
    pub(super) decoder: Box<dyn Decoder>,
    /// Interleaved samples of the last packet (reused; grown to the largest packet).
    interleaved: Option<SampleBuffer<f32>>,
}

impl SymphoniaCodec {
    /// Decodes `packet`, appending the mono samples of its `channels` to `out`. A packet
    /// at another rate than the track's `sample_rate`, or of zero channels, is corrupt;
    /// `at` (seconds into the stream) places the error.
    pub(super) fn decode_mono(
        &mut self,
        packet: &Packet,
        (sample_rate, channels): (u32, &mut Downmix),
        container: &'static str,
        at: f64,
        out: &mut Vec<f32>,
    ) -> Result<(), AudioError> {
        // symphonia's FLAC decoder sizes its buffer by STREAMINFO's channels (its parameters
        // carry them) and asserts a frame's pair into it: a frame must code that many.
        let params = self.decoder.codec_params();
        if params.codec == CODEC_TYPE_FLAC {
            let stream = params.channels.map(|c| c.count() as u32);
            let frame = header_checks::flac_frame_channels(&packet.data);
            if let (Some(stream), Some(frame)) = (stream, frame) {
                if frame != stream {
                    return Err(AudioError::CorruptStream {
                        format: container,
                        reason: format!(
                            "a FLAC frame of {frame} channels in a stream of {stream} at {at:.3} s"
                        ),
                    });
                }
            }
        }
        let decoded = self
            .decoder
            .decode(packet)
            .map_err(|e| at_time(symphonia_error(e, container), at))?;
        let spec = *decoded.spec();
        if spec.rate != sample_rate {
            return Err(AudioError::CorruptStream {
                format: container,
                reason: format!(
                    "the sample rate changes from {sample_rate} Hz to {} Hz at {at:.3} s",
                    spec.rate
                ),
            });
        }
        let count = spec.channels.count();
        if decoded.frames() == 0 {
            return Ok(());
        }
        if count == 0 {
            return Err(AudioError::CorruptStream {
                format: container,
                reason: "a packet of zero channels".into(),
            });
        }
        let buffer = match &mut self.interleaved {
            Some(b) if b.capacity() >= decoded.frames() * count => b,
            slot => slot.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        buffer.copy_interleaved_ref(decoded);
        channels.mono_into(buffer.samples(), count, out)
    }
}

/// Builds the track's decoder: libopus for Opus, symphonia's for the rest.
pub(super) fn make_codec(
    params: &CodecParameters,
    container: &'static str,
) -> Result<Codec, AudioError> {
    #[cfg(feature = "amr")]
    if let Some(amr) = crate::amr::AmrPackets::new(params) {
        return Ok(Codec::Amr(amr?));
    }
    if params.codec == symphonia::core::codecs::CODEC_TYPE_OPUS {
        #[cfg(feature = "opus")]
        return Ok(Codec::Opus(crate::opus::OpusPackets::new(params)?));
        #[cfg(not(feature = "opus"))]
        return Err(AudioError::UnsupportedCodec(
            "Opus (this build of emovox-audio has its `opus` feature off)".into(),
        ));
    }
    check_alac_frame_length(params, container)?;
    let options = DecoderOptions { verify: true };
    match guarded(container, || {
        symphonia::default::get_codecs().make(params, &options)
    })? {
        Ok(decoder) => Ok(Codec::Symphonia(SymphoniaCodec {
            decoder,
            interleaved: None,
        })),
        Err(SymError::Unsupported(what)) => {
            let name = symphonia::default::get_codecs()
                .get_codec(params.codec)
                .map_or("unknown", |d| d.short_name);
            Err(AudioError::UnsupportedCodec(format!(
                "{container} track of codec {name} ({what})"
            )))
        }
        Err(e) => Err(symphonia_error(e, container)),
    }
}

/// The most frames an ALAC packet may declare (its magic cookie's `frameLength`; Apple's
/// encoder writes 4096): symphonia allocates that many frames for every channel when it
/// makes the decoder, so a forged cookie asked it for 16.7 GB (found by fuzzing).
const MAX_ALAC_FRAME_LENGTH: u32 = 1 << 16;

/// Refuses an ALAC track (in MP4 or CAF) whose magic cookie declares frames longer than
/// [`MAX_ALAC_FRAME_LENGTH`] before symphonia allocates them.
fn check_alac_frame_length(
    params: &CodecParameters,
    container: &'static str,
) -> Result<(), AudioError> {
    if params.codec != symphonia::core::codecs::CODEC_TYPE_ALAC {
        return Ok(());
    }
    let cookie = params.extra_data.as_deref().unwrap_or_default();
    let Some(&length) = cookie.first_chunk::<4>() else {
        return Ok(()); // symphonia refuses a cookie this short itself
    };
    let frame_length = u32::from_be_bytes(length);
    if frame_length > MAX_ALAC_FRAME_LENGTH {
        return Err(AudioError::CorruptStream {
            format: container,
            reason: format!(
                "ALAC frames of {frame_length} samples declared (at most \
                 {MAX_ALAC_FRAME_LENGTH} read)"
            ),
        });
    }
    Ok(())
}
