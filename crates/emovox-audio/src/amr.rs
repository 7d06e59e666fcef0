//! AMR-NB and AMR-WB files (`#!AMR\n`, `#!AMR-WB\n`: the storage format of RFC 4867 section
//! 5; and AMR tracks of 3GP / MP4 files, read by symphonia's MP4 reader: [`mp4_params`]), what
//! Android's call recorders and many voice-memo apps wrote: a demuxer behind
//! symphonia's [`FormatReader`] trait (one frame a packet), and the 3GPP reference decoders of
//! opencore-amr (TS 26.073 / 26.173 fixed-point C, Debian's `libopencore-amrnb-dev` and
//! `libopencore-amrwb-dev`), which is also what ffmpeg's `libopencore_amrnb` decoder runs.
//!
//! Every frame decodes to 20 ms: 160 samples at 8 kHz (NB), 320 at 16 kHz (WB); comfort noise
//! frames (SID) and NO_DATA frames (discontinuous transmission in silence) included, as the
//! reference decoders do. Each frame is copied into a zeroed buffer as large as the largest
//! frame before it is handed to C, so a frame type whose size the decoder reads differently can
//! never make it read past the buffer.
//!
//! [`nb_round_trip`] runs opencore's AMR-NB encoder and decoder together, for the `amr`
//! recording condition of [`crate::degrade`] (a mobile call's codec).

use std::ffi::c_void;

use symphonia::core::codecs::{decl_codec_type, CodecParameters, CodecType};
use symphonia::core::errors::{Error, Result as SymResult};
use symphonia::core::formats::{Cue, FormatOptions, FormatReader, Packet, SeekMode, SeekTo};
use symphonia::core::formats::{SeekedTo, Track};
use symphonia::core::io::{MediaSourceStream, ReadBytes};
use symphonia::core::meta::{Metadata, MetadataLog};

use crate::degrade::AMR_NB_KBPS;
use crate::AudioError;

/// The codec of an AMR-NB track (the MP4 sample entry's name).
pub(crate) const CODEC_TYPE_AMR_NB: CodecType = decl_codec_type(b"samr");
/// The codec of an AMR-WB track.
pub(crate) const CODEC_TYPE_AMR_WB: CodecType = decl_codec_type(b"sawb");

/// Payload bytes after the one-byte frame header, by frame type (RFC 4867 section 5.3, 3GPP TS
/// 26.101 and 26.201); `None` for the types reserved for future use.
const NB_SIZES: [Option<usize>; 16] = sizes([12, 13, 15, 17, 19, 20, 26, 31, 5], &[15]);
const WB_SIZES: [Option<usize>; 16] = sizes([17, 23, 32, 36, 40, 46, 50, 58, 60, 5], &[14, 15]);
/// The largest frame, header included (WB mode 8).
const MAX_FRAME: usize = 61;

/// A frame size table: the given sizes from type 0, 0 bytes for the `empty` types (speech lost,
/// NO_DATA), the rest reserved.
const fn sizes<const N: usize>(given: [usize; N], empty: &[usize]) -> [Option<usize>; 16] {
    let mut table = [None; 16];
    let mut i = 0;
    while i < N {
        table[i] = Some(given[i]);
        i += 1;
    }
    let mut j = 0;
    while j < empty.len() {
        table[empty[j]] = Some(0);
        j += 1;
    }
    table
}

/// Narrowband or wideband.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Band {
    Narrow,
    Wide,
}

impl Band {
    fn of(codec: CodecType) -> Option<Self> {
        match codec {
            CODEC_TYPE_AMR_NB => Some(Band::Narrow),
            CODEC_TYPE_AMR_WB => Some(Band::Wide),
            _ => None,
        }
    }

    fn magic(self) -> &'static [u8] {
        match self {
            Band::Narrow => b"#!AMR\n",
            Band::Wide => b"#!AMR-WB\n",
        }
    }

    fn rate(self) -> u32 {
        match self {
            Band::Narrow => 8_000,
            Band::Wide => 16_000,
        }
    }

    /// Samples of one 20 ms frame.
    fn frame_samples(self) -> usize {
        self.rate() as usize / 50
    }

    fn sizes(self) -> &'static [Option<usize>; 16] {
        match self {
            Band::Narrow => &NB_SIZES,
            Band::Wide => &WB_SIZES,
        }
    }

    fn codec(self) -> CodecType {
        match self {
            Band::Narrow => CODEC_TYPE_AMR_NB,
            Band::Wide => CODEC_TYPE_AMR_WB,
        }
    }
}

/// The decoder parameters of an MP4 / 3GP sound track whose first sample entry is `entry`,
/// when that is AMR-NB (`samr`) or AMR-WB (`sawb`), which symphonia's MP4 reader leaves without
/// a codec: `track`'s (its time base and duration) with the band's codec, rate and one
/// channel. Each MP4 sample holds one or more AMR frames, each with its header byte (3GPP TS
/// 26.244), as [`AmrPackets::decode`] takes them.
pub(crate) fn mp4_params(entry: [u8; 4], track: &CodecParameters) -> Option<CodecParameters> {
    let band = match &entry {
        b"samr" => Band::Narrow,
        b"sawb" => Band::Wide,
        _ => return None,
    };
    let mut params = track.clone();
    // The duration in the band's samples (the media timescale is usually the rate itself);
    // none when a forged header's duration does not fit in 64 bits of samples.
    let frames = params.n_frames.zip(params.time_base).and_then(|(n, base)| {
        let seconds = base.calc_time(n);
        let whole = seconds.seconds.checked_mul(u64::from(band.rate()))?;
        whole.checked_add((seconds.frac * f64::from(band.rate())).round() as u64)
    });
    params.n_frames = frames;
    params
        .for_codec(band.codec())
        .with_sample_rate(band.rate())
        .with_channels(symphonia::core::audio::Channels::FRONT_LEFT);
    Some(params)
}

/// An AMR file's frames, one packet each.
pub(crate) struct AmrReader {
    source: MediaSourceStream,
    tracks: Vec<Track>,
    band: Band,
    metadata: MetadataLog,
}

impl AmrReader {
    fn open(mut source: MediaSourceStream) -> SymResult<Self> {
        let mut magic = [0u8; 9];
        source.read_buf_exact(&mut magic[..6])?;
        let band = if &magic[..6] == Band::Narrow.magic() {
            Band::Narrow
        } else {
            source.read_buf_exact(&mut magic[6..])?;
            if &magic[..] != Band::Wide.magic() {
                return Err(Error::Unsupported(
                    "AMR other than single-channel AMR-NB (#!AMR) or AMR-WB (#!AMR-WB)",
                ));
            }
            Band::Wide
        };
        let mut params = CodecParameters::new();
        params
            .for_codec(band.codec())
            .with_sample_rate(band.rate())
            .with_channels(symphonia::core::audio::Channels::FRONT_LEFT)
            .with_max_frames_per_packet(band.frame_samples() as u64);
        Ok(AmrReader {
            source,
            tracks: vec![Track::new(0, params)],
            band,
            metadata: MetadataLog::default(),
        })
    }
}

impl FormatReader for AmrReader {
    fn try_new(source: MediaSourceStream, _options: &FormatOptions) -> SymResult<Self> {
        Self::open(source)
    }

    fn cues(&self) -> &[Cue] {
        &[]
    }

    fn metadata(&mut self) -> Metadata<'_> {
        self.metadata.metadata()
    }

    fn seek(&mut self, _mode: SeekMode, _to: SeekTo) -> SymResult<SeekedTo> {
        Err(Error::Unsupported("seeking in AMR"))
    }

    fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The next frame, its header byte first; the end of the file at a frame boundary is the
    /// end of the stream, inside a frame a frame cut short.
    fn next_packet(&mut self) -> SymResult<Packet> {
        let header = self.source.read_byte()?;
        let size = self.band.sizes()[usize::from((header >> 3) & 0x0f)]
            .ok_or(Error::DecodeError("AMR: a frame of a reserved type"))?;
        let mut frame = vec![0u8; 1 + size];
        frame[0] = header;
        self.source
            .read_buf_exact(&mut frame[1..])
            .map_err(|_| Error::DecodeError("AMR: the last frame is cut short"))?;
        let samples = self.band.frame_samples() as u64;
        Ok(Packet::new_from_boxed_slice(
            0,
            0,
            samples,
            frame.into_boxed_slice(),
        ))
    }

    fn into_inner(self: Box<Self>) -> MediaSourceStream {
        self.source
    }
}

#[link(name = "opencore-amrnb")]
extern "C" {
    fn Decoder_Interface_init() -> *mut c_void;
    fn Decoder_Interface_exit(state: *mut c_void);
    fn Decoder_Interface_Decode(state: *mut c_void, input: *const u8, out: *mut i16, bfi: i32);
}

#[link(name = "opencore-amrnb")]
extern "C" {
    fn Encoder_Interface_init(dtx: i32) -> *mut c_void;
    fn Encoder_Interface_exit(state: *mut c_void);
    fn Encoder_Interface_Encode(
        state: *mut c_void,
        mode: i32,
        speech: *const i16,
        out: *mut u8,
        force_speech: i32,
    ) -> i32;
}

/// The delay of an AMR-NB encode and decode, in 8 kHz samples: the decoded speech lags the
/// input by 5 ms (measured on espeak-ng speech at 4.75 and 12.2 kbit/s: the cross-correlation
/// peaks at 40 samples, 0.79 and 0.86).
const NB_DELAY: usize = 40;

/// `x` (8 kHz mono, in ±1) encoded with opencore-amr's AMR-NB encoder at `kbps` (one of
/// [`AMR_NB_KBPS`]; no discontinuous transmission) and decoded again: 20 ms frames, the last
/// zero-padded, samples clamped to 16 bits on the way in; aligned to the input (the codec's
/// delay removed, zeros after the clip flushing it) and of its length. `None` for a bitrate
/// AMR-NB does not have, or when opencore cannot allocate its state.
pub(crate) fn nb_round_trip(x: &[f32], kbps: f32) -> Option<Vec<f32>> {
    let mode = AMR_NB_KBPS.iter().position(|&k| k == kbps)? as i32;
    // SAFETY: the init functions take no pointers and return a new state or null.
    let (encoder, decoder) = unsafe { (Encoder_Interface_init(0), Decoder_Interface_init()) };
    let states = (!encoder.is_null() && !decoder.is_null()).then_some(());
    let padded = x.len() + NB_DELAY;
    let mut out = Vec::with_capacity(padded.next_multiple_of(160));
    if states.is_some() {
        let mut speech = [0i16; 160];
        let mut frame = [0u8; MAX_FRAME + 3];
        let mut pcm = [0i16; 320];
        for start in (0..padded).step_by(160) {
            speech.fill(0);
            let chunk = x.get(start..(start + 160).min(x.len())).unwrap_or_default();
            for (s, &v) in speech.iter_mut().zip(chunk) {
                *s = (v * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16;
            }
            frame.fill(0);
            // SAFETY: both states are live; `speech` holds a 160-sample frame, `frame` more
            // bytes than any encoded frame (32 at 12.2 kbit/s), `pcm` more than 160 samples.
            unsafe {
                Encoder_Interface_Encode(encoder, mode, speech.as_ptr(), frame.as_mut_ptr(), 0);
                Decoder_Interface_Decode(decoder, frame.as_ptr(), pcm.as_mut_ptr(), 0);
            }
            out.extend(pcm[..160].iter().map(|&s| f32::from(s) / 32_768.0));
        }
    }
    // SAFETY: each non-null state came from its init and is freed once, here.
    unsafe {
        if !encoder.is_null() {
            Encoder_Interface_exit(encoder);
        }
        if !decoder.is_null() {
            Decoder_Interface_exit(decoder);
        }
    }
    out.drain(..NB_DELAY.min(out.len()));
    out.truncate(x.len());
    states.map(|()| out)
}

#[link(name = "opencore-amrwb")]
extern "C" {
    fn D_IF_init() -> *mut c_void;
    fn D_IF_decode(state: *mut c_void, bits: *const u8, synth: *mut i16, bfi: i32);
    fn D_IF_exit(state: *mut c_void);
}

/// The reference decoder of one AMR stream.
pub(crate) struct AmrPackets {
    band: Band,
    /// opencore's decoder state, owned (freed on drop).
    state: *mut c_void,
    /// One decoded frame (reused), and as floats.
    pcm: Vec<i16>,
    floats: Vec<f32>,
}

// SAFETY: the decoder state is opencore's own heap object, used only through `&mut self` and
// freed once; it holds no thread-local data, so it may move between threads.
unsafe impl Send for AmrPackets {}

impl AmrPackets {
    /// A decoder for the track's band (NB or WB), or `None` for another codec.
    pub(crate) fn new(params: &CodecParameters) -> Option<Result<Self, AudioError>> {
        let band = Band::of(params.codec)?;
        // SAFETY: the init functions take no arguments and return a new state or null.
        let state = unsafe {
            match band {
                Band::Narrow => Decoder_Interface_init(),
                Band::Wide => D_IF_init(),
            }
        };
        if state.is_null() {
            return Some(Err(AudioError::CorruptStream {
                format: "AMR",
                reason: "opencore-amr could not allocate a decoder".into(),
            }));
        }
        Some(Ok(AmrPackets {
            band,
            state,
            pcm: vec![0; 320],
            floats: vec![0.0; 320],
        }))
    }

    /// Decodes the frames of one packet (each its header byte first: one a packet from
    /// [`AmrReader`], one or more an MP4 sample), appending their 20 ms each of samples (scaled
    /// by 1 / 32768, as for 16-bit PCM) to `out` through `channels` (AMR is mono: channel 0 is
    /// all there is).
    pub(crate) fn decode(
        &mut self,
        packet: &Packet,
        channels: &mut crate::channels::Downmix,
        out: &mut Vec<f32>,
    ) -> Result<(), AudioError> {
        let mut data = packet.buf();
        while let Some(&header) = data.first() {
            let size = self.band.sizes()[usize::from((header >> 3) & 0x0f)];
            let Some(frame) = size.and_then(|size| data.get(..1 + size)) else {
                return Err(AudioError::CorruptStream {
                    format: "AMR",
                    reason: "a frame of a reserved type, or longer than its packet".into(),
                });
            };
            self.decode_frame(frame, channels, out)?;
            data = &data[frame.len()..];
        }
        Ok(())
    }

    /// Decodes one whole frame, its header byte first.
    fn decode_frame(
        &mut self,
        data: &[u8],
        channels: &mut crate::channels::Downmix,
        out: &mut Vec<f32>,
    ) -> Result<(), AudioError> {
        let mut frame = [0u8; MAX_FRAME + 3];
        frame[..data.len()].copy_from_slice(data);
        // SAFETY: `state` is a live decoder of this band; `frame` holds the whole frame and
        // more zeroed bytes than any frame type has; `pcm` holds 320 samples (its length never
        // changes), a WB frame (an NB frame is 160).
        unsafe {
            match self.band {
                Band::Narrow => {
                    Decoder_Interface_Decode(self.state, frame.as_ptr(), self.pcm.as_mut_ptr(), 0)
                }
                Band::Wide => D_IF_decode(self.state, frame.as_ptr(), self.pcm.as_mut_ptr(), 0),
            }
        }
        let samples = self.band.frame_samples();
        for (f, &s) in self.floats.iter_mut().zip(&self.pcm[..samples]) {
            *f = f32::from(s) / 32_768.0;
        }
        channels.mono_into(&self.floats[..samples], 1, out)
    }
}

impl Drop for AmrPackets {
    fn drop(&mut self) {
        // SAFETY: `state` came from this band's init and is freed only here.
        unsafe {
            match self.band {
                Band::Narrow => Decoder_Interface_exit(self.state),
                Band::Wide => D_IF_exit(self.state),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_sizes_are_the_standards() {
        // 12.2 kbit/s: 244 bits, 31 bytes; 23.85 kbit/s: 477 bits, 60 bytes; SID 5 bytes.
        assert_eq!(NB_SIZES[7], Some(31));
        assert_eq!(WB_SIZES[8], Some(60));
        assert_eq!((NB_SIZES[8], WB_SIZES[9]), (Some(5), Some(5)));
        assert_eq!(
            (NB_SIZES[15], WB_SIZES[14], WB_SIZES[15]),
            (Some(0), Some(0), Some(0))
        );
        assert_eq!(
            (NB_SIZES[9], NB_SIZES[14], WB_SIZES[10]),
            (None, None, None)
        );
        assert_eq!(MAX_FRAME, 1 + WB_SIZES.iter().flatten().max().unwrap());
    }

    #[test]
    fn a_track_duration_is_counted_in_the_band_s_samples_unless_it_overflows() {
        let mut track = CodecParameters::new();
        track
            .with_time_base(symphonia::core::units::TimeBase::new(1, 1000))
            .with_n_frames(2_500);
        let params = mp4_params(*b"samr", &track).unwrap();
        assert_eq!(params.n_frames, Some(20_000)); // 2.5 s at 8 kHz
        assert_eq!(params.sample_rate, Some(8_000));
        // A forged header (decode_mp4): 2^64 - 1 ticks of a second each.
        track
            .with_time_base(symphonia::core::units::TimeBase::new(1, 1))
            .with_n_frames(u64::MAX);
        assert_eq!(mp4_params(*b"sawb", &track).unwrap().n_frames, None);
        assert!(mp4_params(*b"mp4a", &track).is_none());
    }

    /// The fixture's frames (after the 6-byte magic, 32 bytes each at 12.2 kbit/s).
    fn nb_frames() -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/formats/speech8k_122k.amr"
        );
        std::fs::read(path).unwrap()[6..].to_vec()
    }

    fn decode_packets(packets: &[&[u8]]) -> Result<Vec<f32>, AudioError> {
        let mut params = CodecParameters::new();
        params.for_codec(CODEC_TYPE_AMR_NB);
        let mut decoder = AmrPackets::new(&params).unwrap()?;
        let mut channels = crate::channels::Downmix::new(crate::Channels::Average);
        let mut out = Vec::new();
        for &data in packets {
            let packet = Packet::new_from_slice(0, 0, 0, data);
            decoder.decode(&packet, &mut channels, &mut out)?;
        }
        Ok(out)
    }

    #[test]
    fn an_mp4_sample_of_several_frames_decodes_as_the_frames_one_by_one() {
        let frames = nb_frames();
        let one_by_one = decode_packets(&[&frames[..32], &frames[32..64], &frames[64..96]]);
        let together = decode_packets(&[&frames[..64], &frames[64..96]]);
        assert_eq!(one_by_one.unwrap(), together.unwrap());
        // A frame running past its packet, or of a reserved type: an error.
        for bad in [&frames[..40], &[9 << 3, 0, 0][..]] {
            let err = decode_packets(&[bad]).unwrap_err();
            assert!(matches!(err, AudioError::CorruptStream { .. }), "{err:?}");
        }
    }
}
