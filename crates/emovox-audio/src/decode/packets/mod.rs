//! Symphonia's demuxers and decoders (libopus for Opus), one packet at a time: a
//! [`PacketSource`] reads what the container's own structures say ([`facts`]), opens the
//! demuxer and picks the track ([`demux`]), builds its decoder ([`codec`]), cuts the encoder's
//! priming and padding ([`encoder_trim`]) and checks the end of the stream; symphonia's errors
//! and panics become emovox's ([`errors`]).

mod codec;
mod demux;
mod encoder_trim;
mod errors;
mod facts;

use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatReader, Packet};

use super::ReadSeek;
use crate::channels::Downmix;
use crate::sniff::AudioFormat;
use crate::{AudioError, Channels};
use codec::{make_codec, Codec};
use demux::{audio_track, byte_len, open_demuxer, track_sample_rate};
use encoder_trim::Trim;
#[cfg(any(feature = "amr", feature = "opus"))]
use errors::at_time;
use errors::{guarded, symphonia_error};
use facts::{is_ogg, ContainerFacts};

/// One audio track of a container, decoded packet by packet into mono samples.
pub(crate) struct PacketSource {
    reader: Box<dyn FormatReader>,
    codec: Codec,
    track_id: u32,
    container: &'static str,
    sample_rate: u32,
    /// The channels chosen, with the energies that tell averaged channels cancelling out.
    channels: Downmix,
    /// Frames the container declares (symphonia's count, before emovox's trimming).
    declared: Option<u64>,
    /// Mono frames out of the decoder, before trimming.
    raw: u64,
    /// Mono frames handed out, after trimming.
    decoded: u64,
    /// What is cut from the decoder's output.
    trim: Trim,
    /// How the file ends inside a page (OGG) or frame (ADTS), reported once the packets
    /// run out.
    cut_short: Option<&'static str>,
    /// An OGG file's last page lacks the end-of-stream flag.
    ogg_no_eos: bool,
    /// The container is OGG: its packets are read to the end of the file, past the end
    /// granule, so that a chained stream after them is not dropped unseen.
    ogg: bool,
    /// For MP3: the timestamp (after the encoder delay) past the last MPEG frame the
    /// Xing/LAME tag counts, its declared frames plus the encoder padding.
    mpeg_end: Option<u64>,
    /// Where the packets' timestamps first skipped ahead (FLAC and OGG).
    gaps: Gaps,
    done: bool,
}

impl PacketSource {
    /// Opens the container, picks its first audio track and builds its decoder: the
    /// container is inspected ahead of symphonia, its demuxer opened, the track picked
    /// and its trimming worked out.
    pub(crate) fn open(
        mut reader: Box<dyn ReadSeek>,
        format: AudioFormat,
        channels: Channels,
    ) -> Result<Self, AudioError> {
        let container = container_name(format);
        let len = byte_len(&mut *reader)?;
        let facts = ContainerFacts::inspect(&mut reader, format, len)?;
        let reader = open_demuxer(reader, format, len, &facts)?;
        let (track_id, params) = audio_track(&*reader, &facts)?;
        let sample_rate = track_sample_rate(&params, container)?;
        let codec = make_codec(&params, container)?;
        let mpeg_end = (format == AudioFormat::Mp3)
            .then_some(params.n_frames)
            .flatten()
            .map(|n| n.saturating_add(u64::from(params.padding.unwrap_or(0))));
        let n_frames = match format {
            AudioFormat::Aiff => facts.aiff_frames.or(params.n_frames),
            // symphonia estimates it from the first frames' mean length: no count to hold
            // the stream to.
            AudioFormat::Adts => None,
            _ => params.n_frames,
        };
        let (trim, declared) = Trim::of_track(&facts, &codec, track_id, sample_rate, n_frames);
        Ok(PacketSource {
            reader,
            codec,
            track_id,
            container,
            sample_rate,
            channels: Downmix::new(channels),
            declared,
            raw: 0,
            decoded: 0,
            trim,
            cut_short: facts.cut_short(format),
            ogg_no_eos: facts.ogg_no_eos(format),
            ogg: is_ogg(format),
            mpeg_end,
            gaps: Gaps {
                on: format == AudioFormat::Flac || is_ogg(format),
                next: Some(0),
                first: None,
            },
            done: false,
        })
    }

    pub(crate) fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    pub(crate) fn declared_frames(&self) -> Option<u64> {
        self.declared
    }

    /// Decodes the next packet of the track, appending its mono samples to `out` (maybe
    /// none). Returns false at the end of the stream, after the end-of-stream checks.
    pub(crate) fn decode_next(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        if self.done {
            return Ok(false);
        }
        let before = out.len();
        let container = self.container;
        match guarded(container, || self.decode_packet(out)) {
            Ok(result) => result,
            Err(panic) => {
                // The demuxer or decoder state is not to be trusted after a panic.
                self.done = true;
                out.truncate(before);
                Err(panic)
            }
        }
    }

    /// [`PacketSource::decode_next`] but for panics: reads the next packet, decodes it if
    /// it is of the track and trims it. Every error ends the stream (`done`).
    fn decode_packet(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        if self.trim.all_kept(self.decoded) && !self.ogg {
            // The edit list says the rest is padding.
            return self.end();
        }
        let mut packet = match self.reader.next_packet() {
            Ok(packet) => packet,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return self.end();
            }
            Err(e) => {
                self.done = true;
                return Err(symphonia_error(e, self.container));
            }
        };
        if packet.track_id() != self.track_id || self.trim.all_kept(self.decoded) {
            // Past an OGG Opus end granule, the packets left are padding, read to the end
            // of the file only to find a chained stream that would follow them (symphonia
            // then reports a reset, an error).
            return Ok(true);
        }
        self.gaps.see(&packet);
        if self.mpeg_end.is_some_and(|end| packet.ts >= end) {
            // A frame past every one the Xing/LAME tag counts: the next part of MP3 files
            // joined end to end (symphonia's gapless mode would trim it to nothing).
            packet.trim_end = 0;
        }
        let before = out.len();
        if let Err(e) = self.decode_untrimmed(&packet, out) {
            self.done = true;
            return Err(e);
        }
        self.raw += (out.len() - before) as u64;
        self.trim.apply(out, before, self.decoded);
        self.decoded += (out.len() - before) as u64;
        Ok(true)
    }

    /// Decodes one packet of the track, appending its mono samples, untrimmed, to `out`.
    fn decode_untrimmed(&mut self, packet: &Packet, out: &mut Vec<f32>) -> Result<(), AudioError> {
        let at = self.raw as f64 / self.sample_rate as f64;
        match &mut self.codec {
            Codec::Symphonia(codec) => codec.decode_mono(
                packet,
                (self.sample_rate, &mut self.channels),
                self.container,
                at,
                out,
            ),
            #[cfg(feature = "amr")]
            Codec::Amr(amr) => amr
                .decode(packet, &mut self.channels, out)
                .map_err(|e| at_time(e, at)),
            #[cfg(feature = "opus")]
            Codec::Opus(opus) => {
                let before = out.len();
                opus.decode(packet, &mut self.channels, out)
                    .map_err(|e| at_time(e, at))?;
                // WebM's DiscardPadding: the encoder's padding at the end of the stream.
                let padding = (packet.trim_end as usize).min(out.len() - before);
                out.truncate(out.len() - padding);
                Ok(())
            }
        }
    }

    /// Ends the stream (`done`) once its checks pass: false, the end.
    fn end(&mut self) -> Result<bool, AudioError> {
        self.done = true;
        self.finish()?;
        Ok(false)
    }

    /// The end-of-stream checks: nothing decoded, fewer frames than declared, an OGG file
    /// without its last page, a failed checksum, averaged channels that cancel out.
    fn finish(&mut self) -> Result<(), AudioError> {
        if let Some(declared) = self.declared.filter(|&d| d > 0) {
            if let (true, Some(at)) = (self.decoded + self.trim.slack < declared, self.gaps.first) {
                return Err(AudioError::CorruptStream {
                    format: self.container,
                    reason: format!(
                        "damaged data: {} of the {declared} samples declared are missing, \
                         from about {:.3} s on (frames the demuxer skipped; the file is not \
                         cut short)",
                        declared - self.decoded,
                        at as f64 / f64::from(self.sample_rate)
                    ),
                });
            }
            if self.decoded + self.trim.slack < declared {
                return Err(AudioError::Truncated {
                    declared: declared as usize,
                    read: self.decoded as usize,
                });
            }
        }
        if let Some(reason) = self.cut_short {
            return Err(AudioError::CorruptStream {
                format: self.container,
                reason: reason.into(),
            });
        }
        if self.decoded == 0 {
            return Err(AudioError::NoSamples);
        }
        if self.ogg_no_eos {
            return Err(AudioError::CorruptStream {
                format: self.container,
                reason: "cut short: the last OGG page lacks the end-of-stream flag".into(),
            });
        }
        #[allow(irrefutable_let_patterns)] // without the `opus` feature
        if let Codec::Symphonia(codec) = &mut self.codec {
            if codec.decoder.finalize().verify_ok == Some(false) {
                return Err(AudioError::CorruptStream {
                    format: self.container,
                    reason: "the decoded audio fails the stream's MD5 checksum".into(),
                });
            }
        }
        self.channels.check()
    }
}

/// Gaps in a track's packet timestamps: FLAC frame headers and OGG granule positions place
/// every packet, so a packet later than where the last one ended means the demuxer skipped
/// damaged data (a frame or page failing its CRC), which a file cut short never does.
struct Gaps {
    /// Whether the container's timestamps are read from the file (FLAC, OGG).
    on: bool,
    /// Where the last packet ended (0 before the first).
    next: Option<u64>,
    /// Where the first gap began.
    first: Option<u64>,
}

impl Gaps {
    fn see(&mut self, packet: &Packet) {
        if !self.on {
            return;
        }
        if self.next.is_some_and(|next| packet.ts > next) && self.first.is_none() {
            self.first = self.next;
        }
        self.next = Some(packet.ts + packet.dur);
    }
}

/// The container's name as errors give it.
fn container_name(format: AudioFormat) -> &'static str {
    match format {
        AudioFormat::Wav => "WAV",
        AudioFormat::Flac => "FLAC",
        AudioFormat::Mp3 => "MP3",
        AudioFormat::OggVorbis | AudioFormat::OggOpus => "OGG",
        AudioFormat::Mp4 => "MP4",
        AudioFormat::WebM => "WebM",
        AudioFormat::Aiff => "AIFF",
        AudioFormat::Caf => "CAF",
        AudioFormat::Adts => "ADTS",
        AudioFormat::Amr => "AMR",
    }
}
