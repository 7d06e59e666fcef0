//! The audio track of a WebM / Matroska file as symphonia's decoder parameters: Opus (what
//! browsers record), AAC (what OBS and screen recorders write into MKV) and integer or float
//! PCM. Other codecs are [`Error::Unsupported`], naming them.

use symphonia::core::audio::Channels;
use symphonia::core::codecs::{self, CodecParameters, CodecType};
use symphonia::core::errors::{Error, Result};

use crate::opus::OPUS_RATE;
use crate::webm::{children, corrupt, unsigned};

const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
/// A track's Audio settings, and three of its children.
const AUDIO: u32 = 0xE1;
const SAMPLING_FREQUENCY: u32 = 0xB5;
const CHANNELS: u32 = 0x9F;
const BIT_DEPTH: u32 = 0x6264;
/// Matroska's TrackType of audio tracks.
const AUDIO_TRACK: u64 = 2;
/// Frames a PCM block may hold (symphonia's PCM decoder sizes its buffer by it): 1.4 s at
/// 48 kHz; muxers write blocks of a few thousand.
const MAX_PCM_FRAMES: u64 = 1 << 16;

/// What a TrackEntry says.
#[derive(Default)]
struct Entry<'a> {
    number: Option<u64>,
    kind: Option<u64>,
    codec: Option<&'a [u8]>,
    private: Option<&'a [u8]>,
    rate: Option<f64>,
    channels: Option<u64>,
    bits: Option<u64>,
}

impl<'a> Entry<'a> {
    fn read(entry: &'a [u8]) -> Result<Self> {
        let mut out = Entry::default();
        for (id, data) in children(entry)? {
            match id {
                TRACK_NUMBER => out.number = Some(unsigned(data)?),
                TRACK_TYPE => out.kind = Some(unsigned(data)?),
                CODEC_ID => out.codec = Some(data),
                CODEC_PRIVATE => out.private = Some(data),
                AUDIO => {
                    for (id, data) in children(data)? {
                        match id {
                            SAMPLING_FREQUENCY => out.rate = Some(float(data)?),
                            CHANNELS => out.channels = Some(unsigned(data)?),
                            BIT_DEPTH => out.bits = Some(unsigned(data)?),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn is_audio(&self) -> bool {
        self.kind == Some(AUDIO_TRACK) || self.codec.is_some_and(|c| c.starts_with(b"A_"))
    }

    /// The sample rate and channels the Audio element declares (Matroska's defaults: 8 kHz,
    /// one channel), checked.
    fn rate_and_channels(&self) -> Result<(u32, Channels)> {
        let rate = self.rate.unwrap_or(8_000.0);
        if !(1.0..=f64::from(crate::MAX_SAMPLE_RATE)).contains(&rate) {
            return Err(corrupt(
                "WebM: the audio track's sampling frequency is out of range",
            ));
        }
        let count = self.channels.unwrap_or(1);
        if !(1..=32).contains(&count) {
            return Err(corrupt(
                "WebM: the audio track declares no channels, or over 32",
            ));
        }
        let bits = if count == 32 {
            u32::MAX
        } else {
            (1u32 << count) - 1
        };
        let channels = Channels::from_bits(bits).ok_or_else(|| corrupt("WebM: channels"))?;
        Ok((rate.round() as u32, channels))
    }

    /// The decoder parameters of this audio track's codec.
    fn params(&self) -> Result<CodecParameters> {
        let codec = self.codec.unwrap_or_default();
        let mut params = CodecParameters::new();
        match codec {
            b"A_OPUS" => {
                let head = self.private.ok_or_else(|| corrupt("WebM: the Opus track has no OpusHead"))?;
                params.for_codec(codecs::CODEC_TYPE_OPUS).with_sample_rate(OPUS_RATE).with_extra_data(Box::from(head));
            }
            _ if codec.starts_with(b"A_AAC") => {
                let (rate, channels) = self.rate_and_channels()?;
                params.for_codec(codecs::CODEC_TYPE_AAC).with_sample_rate(rate).with_channels(channels);
                if let Some(config) = self.private.filter(|p| p.len() >= 2) {
                    params.with_extra_data(Box::from(config));
                }
            }
            _ if codec.starts_with(b"A_PCM/") => {
                let (rate, channels) = self.rate_and_channels()?;
                let bits = self.bits.unwrap_or(0);
                let kind = pcm_codec(codec, bits).ok_or(Error::Unsupported(
                    "WebM: PCM of this bit depth (8-, 16-, 24- and 32-bit integers, 32- and 64-bit floats are read)",
                ))?;
                params
                    .for_codec(kind)
                    .with_sample_rate(rate)
                    .with_channels(channels)
                    .with_bits_per_sample(bits as u32)
                    .with_bits_per_coded_sample(bits as u32)
                    .with_max_frames_per_packet(MAX_PCM_FRAMES)
                    .with_frames_per_block(1);
            }
            _ => {
                return Err(Error::Unsupported(
                    "the audio track is not Opus, AAC or PCM (emovox decodes those in WebM and Matroska)",
                ))
            }
        }
        Ok(params)
    }
}

/// The symphonia codec of a Matroska PCM codec ID at `bits` per sample.
fn pcm_codec(codec: &[u8], bits: u64) -> Option<CodecType> {
    Some(match (codec, bits) {
        (b"A_PCM/INT/LIT", 8) => codecs::CODEC_TYPE_PCM_U8,
        (b"A_PCM/INT/LIT", 16) => codecs::CODEC_TYPE_PCM_S16LE,
        (b"A_PCM/INT/LIT", 24) => codecs::CODEC_TYPE_PCM_S24LE,
        (b"A_PCM/INT/LIT", 32) => codecs::CODEC_TYPE_PCM_S32LE,
        (b"A_PCM/INT/BIG", 8) => codecs::CODEC_TYPE_PCM_U8,
        (b"A_PCM/INT/BIG", 16) => codecs::CODEC_TYPE_PCM_S16BE,
        (b"A_PCM/INT/BIG", 24) => codecs::CODEC_TYPE_PCM_S24BE,
        (b"A_PCM/INT/BIG", 32) => codecs::CODEC_TYPE_PCM_S32BE,
        (b"A_PCM/FLOAT/IEEE", 32) => codecs::CODEC_TYPE_PCM_F32LE,
        (b"A_PCM/FLOAT/IEEE", 64) => codecs::CODEC_TYPE_PCM_F64LE,
        _ => return None,
    })
}

/// A float element's value (4 or 8 bytes, big-endian; an empty one is 0).
fn float(data: &[u8]) -> Result<f64> {
    match data.len() {
        0 => Ok(0.0),
        4 => Ok(f64::from(f32::from_be_bytes(
            data.try_into().unwrap_or_default(),
        ))),
        8 => Ok(f64::from_be_bytes(data.try_into().unwrap_or_default())),
        _ => Err(corrupt("WebM: a float element of neither 4 nor 8 bytes")),
    }
}

/// The first audio track of a Tracks element: its track number and decoder parameters, or
/// `None` when there is no audio track.
pub(crate) fn audio_track(tracks: &[u8]) -> Result<Option<(u64, CodecParameters)>> {
    for (id, entry) in children(tracks)? {
        if id != TRACK_ENTRY {
            continue;
        }
        let entry = Entry::read(entry)?;
        if !entry.is_audio() {
            continue;
        }
        let number = entry
            .number
            .ok_or_else(|| corrupt("WebM: the audio track has no number"))?;
        return Ok(Some((number, entry.params()?)));
    }
    Ok(None)
}
