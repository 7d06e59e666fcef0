//! OGG Opus packets decoded with libopus (through the `opus` crate and `audiopus_sys`, which
//! links the system libopus found by pkg-config: Debian's `libopus-dev`).
//!
//! Why libopus: symphonia 0.5 demuxes OGG Opus but has no Opus decoder, and the pure-Rust Opus
//! decoders on crates.io are young ports (0.1/0.2 releases by one author each). libopus is the
//! reference decoder of RFC 6716, maintained by Xiph, and what ffmpeg's `libopus` decoder and
//! most players run; its float output is what emovox compares against.

use opus::{Channels, Decoder};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::formats::Packet;

use crate::AudioError;

/// libopus always decodes to 48 kHz here (the rate OGG Opus granule positions count in).
pub(crate) const OPUS_RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz.
const MAX_FRAMES: usize = 5_760;

/// The decoder of one OGG Opus stream. Trimming (the RFC 7845 pre-skip at the start, the last
/// page's granule position at the end) is the caller's: symphonia 0.5's trims are wrong for a
/// stream of one audio page.
pub(crate) struct OpusPackets {
    decoder: Decoder,
    channels: usize,
    pre_skip: u64,
    /// Interleaved output of one packet (reused).
    pcm: Vec<f32>,
}

fn corrupt(reason: String) -> AudioError {
    AudioError::CorruptStream {
        format: "Opus",
        reason,
    }
}

impl OpusPackets {
    /// Reads the `OpusHead` packet symphonia kept as the track's extra data.
    pub(crate) fn new(params: &CodecParameters) -> Result<Self, AudioError> {
        let head = params
            .extra_data
            .as_deref()
            .filter(|h| h.len() >= 19 && h.starts_with(b"OpusHead"))
            .ok_or_else(|| corrupt("no OpusHead identification header".into()))?;
        let channels = head[9] as usize;
        let pre_skip = u16::from_le_bytes([head[10], head[11]]) as usize;
        let gain = i16::from_le_bytes([head[16], head[17]]);
        let family = head[18];
        let layout = match (family, channels) {
            (0 | 1, 1) => Channels::Mono,
            (0 | 1, 2) => Channels::Stereo,
            _ => {
                return Err(AudioError::UnsupportedCodec(format!(
                    "Opus with {channels} channels (mapping family {family}); \
                     mono and stereo are supported"
                )))
            }
        };
        let mut decoder = Decoder::new(OPUS_RATE, layout)
            .map_err(|e| corrupt(format!("libopus refused the stream: {e}")))?;
        // The header's output gain (Q7.8 dB), applied by libopus as RFC 7845 asks.
        decoder
            .set_gain(i32::from(gain))
            .map_err(|e| corrupt(format!("libopus refused the output gain {gain}: {e}")))?;
        Ok(OpusPackets {
            decoder,
            channels,
            pre_skip: pre_skip as u64,
            pcm: vec![0.0; MAX_FRAMES * channels],
        })
    }

    /// Samples (at 48 kHz) to drop at the start of the stream.
    pub(crate) fn pre_skip(&self) -> u64 {
        self.pre_skip
    }

    /// Decodes one packet, appending the mono samples of its `channels`, untrimmed, to `out`.
    pub(crate) fn decode(
        &mut self,
        packet: &Packet,
        channels: &mut crate::channels::Downmix,
        out: &mut Vec<f32>,
    ) -> Result<(), AudioError> {
        let data = packet.buf();
        if data.is_empty() {
            // A zero-byte packet would ask libopus for packet-loss concealment: nothing to play.
            return Ok(());
        }
        let frames = self
            .decoder
            .decode_float(data, &mut self.pcm, false)
            .map_err(|e| corrupt(format!("libopus: {e}")))?;
        channels.mono_into(&self.pcm[..frames * self.channels], self.channels, out)
    }
}
