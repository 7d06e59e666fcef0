//! The audio track of a WebM / Matroska file as symphonia's decoder parameters: Opus (what
//! browsers record), Vorbis (WebM's other audio codec, older recordings and downloads), AAC
//! (what OBS and screen recorders write into MKV), FLAC, MP3 and integer or float PCM. Other
//! codecs (AC-3, DTS, ...) are [`Error::Unsupported`], naming what is read.
//!
//! Vorbis and FLAC keep their stream headers in the track's `CodecPrivate`: Vorbis its three
//! header packets, Xiph-laced (symphonia's decoder takes the identification and setup packets,
//! one after the other); FLAC `fLaC` and its metadata blocks (the decoder takes the 34-byte
//! STREAMINFO). Their sample rate and channels are read from those headers, which is what the
//! decoder decodes at, not from the track's Audio element.

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
        Ok((
            rate.round() as u32,
            channel_mask(self.channels.unwrap_or(1))?,
        ))
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
            b"A_VORBIS" => {
                let headers = vorbis_headers(self.private.unwrap_or_default())?;
                let (rate, channels) = vorbis_rate_and_channels(&headers)?;
                params
                    .for_codec(codecs::CODEC_TYPE_VORBIS)
                    .with_sample_rate(rate)
                    .with_channels(channels)
                    .with_extra_data(headers);
            }
            b"A_FLAC" => {
                let info = flac_stream_info(self.private.unwrap_or_default())?;
                let (rate, channels) = flac_rate_and_channels(info)?;
                // symphonia sizes its buffer by the largest block STREAMINFO declares and
                // panics on a frame larger than that; in Matroska no frame checksum stops a
                // damaged frame header first. The format's own largest block (65,535 frames)
                // bounds every frame instead.
                let mut info = Box::<[u8]>::from(info);
                info[2..4].copy_from_slice(&u16::MAX.to_be_bytes());
                params
                    .for_codec(codecs::CODEC_TYPE_FLAC)
                    .with_sample_rate(rate)
                    .with_channels(channels)
                    .with_extra_data(info);
            }
            b"A_MPEG/L3" => {
                let (rate, channels) = self.rate_and_channels()?;
                params.for_codec(codecs::CODEC_TYPE_MP3).with_sample_rate(rate).with_channels(channels);
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
                    "the audio track is not Opus, Vorbis, AAC, FLAC, MP3 or PCM (emovox decodes those in WebM and Matroska)",
                ))
            }
        }
        Ok(params)
    }
}

/// The first `count` channels (1 to 32), checked.
fn channel_mask(count: u64) -> Result<Channels> {
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
    Channels::from_bits(bits).ok_or_else(|| corrupt("WebM: channels"))
}

/// A sample rate from a codec header, checked.
fn checked_rate(rate: u32) -> Result<u32> {
    if (1..=crate::MAX_SAMPLE_RATE).contains(&rate) {
        Ok(rate)
    } else {
        Err(corrupt(
            "WebM: the codec header's sample rate is out of range",
        ))
    }
}

/// Vorbis's identification and setup header packets, one after the other (what symphonia's
/// decoder reads), from a Vorbis track's `CodecPrivate`: the number of packets less one (2),
/// the Xiph-laced sizes of the first two, then the three packets (identification, comment,
/// setup).
fn vorbis_headers(private: &[u8]) -> Result<Box<[u8]>> {
    let missing = || corrupt("WebM: the Vorbis track's CodecPrivate is not its three headers");
    let (&count, mut rest) = private.split_first().ok_or_else(missing)?;
    if count != 2 {
        return Err(missing());
    }
    let mut sizes = [0usize; 2];
    for size in &mut sizes {
        loop {
            let (&byte, tail) = rest.split_first().ok_or_else(missing)?;
            rest = tail;
            *size += usize::from(byte);
            if byte < 255 {
                break;
            }
        }
    }
    let [ident, comment] = sizes;
    if ident.saturating_add(comment) > rest.len() {
        return Err(missing());
    }
    let (ident, rest) = rest.split_at(ident);
    let setup = &rest[comment..];
    let is_header = |packet: &[u8], kind: u8| {
        packet.len() > 7 && packet[0] == kind && &packet[1..7] == b"vorbis"
    };
    if !is_header(ident, 1) || !is_header(setup, 5) {
        return Err(missing());
    }
    crate::vorbis_setup::check_setup(setup).map_err(corrupt)?;
    Ok([ident, setup].concat().into_boxed_slice())
}

/// The rate and channels of a Vorbis identification header (at the start of `headers`):
/// after the packet type and `vorbis`, a 4-byte version, 1 byte of channels and a 4-byte
/// little-endian rate.
fn vorbis_rate_and_channels(headers: &[u8]) -> Result<(u32, Channels)> {
    let field = headers
        .get(11..16)
        .ok_or_else(|| corrupt("WebM: a Vorbis identification header cut short"))?;
    let rate = u32::from_le_bytes([field[1], field[2], field[3], field[4]]);
    Ok((checked_rate(rate)?, channel_mask(u64::from(field[0]))?))
}

/// A FLAC track's 34-byte STREAMINFO from its `CodecPrivate`: `fLaC`, then metadata blocks of
/// which the first is the STREAMINFO (type 0, 34 bytes).
fn flac_stream_info(private: &[u8]) -> Result<&[u8]> {
    match private {
        [b'f', b'L', b'a', b'C', header @ ..]
            if header.len() >= 38 && header[0] & 0x7F == 0 && header[1..4] == [0, 0, 34] =>
        {
            Ok(&header[4..38])
        }
        _ => Err(corrupt(
            "WebM: the FLAC track's CodecPrivate is not fLaC and its STREAMINFO",
        )),
    }
}

/// The rate (20 bits from byte 10) and channels (3 bits, less one) of a FLAC STREAMINFO.
fn flac_rate_and_channels(info: &[u8]) -> Result<(u32, Channels)> {
    let rate =
        (u32::from(info[10]) << 12) | (u32::from(info[11]) << 4) | (u32::from(info[12]) >> 4);
    let channels = u64::from((info[12] >> 1) & 0x07) + 1;
    Ok((checked_rate(rate)?, channel_mask(channels)?))
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
