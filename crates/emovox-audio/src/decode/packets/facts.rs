//! What a container's own structures say, read before symphonia sees the file.

use std::io::{Read, Seek};

use super::errors::stream_io;
use crate::container;
use crate::header_checks;
use crate::sniff::AudioFormat;
use crate::AudioError;

/// What the container's own structures say, read before symphonia sees the file (see
/// [`container`]).
pub(super) struct ContainerFacts {
    /// Where the audio starts: past an ID3v2 tag, or 0 ([`container::audio_start`]).
    pub(super) audio_start: u64,
    /// The last page of an OGG file (`None` for other formats).
    pub(super) ogg: Option<container::OggEnd>,
    /// The first audio track of an MP4 file (the default for other formats).
    pub(super) mp4: container::Mp4Audio,
    /// The audio track declares zero frames: symphonia then meets the end of the file
    /// while it still looks for the first packet, or finds no track it can describe.
    pub(super) declares_nothing: bool,
    /// The frames an AIFF file's `COMM` chunk declares (symphonia's own count is off).
    pub(super) aiff_frames: Option<u64>,
    /// Raw AAC (ADTS) whose last frame is cut short (symphonia takes it for the end).
    adts_cut: bool,
}

impl ContainerFacts {
    /// Checks what symphonia 0.5 would misread (OGG comment headers, MP4 boxes and
    /// tables, FLAC metadata blocks) and reads the facts it does not act on. The reader is
    /// left at its start.
    pub(super) fn inspect<R: Read + Seek>(
        reader: &mut R,
        format: AudioFormat,
        len: u64,
    ) -> Result<Self, AudioError> {
        let audio_start = container::audio_start(reader, len).map_err(stream_io)?;
        let ogg = match format {
            AudioFormat::OggVorbis | AudioFormat::OggOpus => {
                container::check_ogg_headers(reader, len)?;
                container::ogg_end(reader, len).map_err(stream_io)?
            }
            _ => None,
        };
        let mp4 = match format {
            AudioFormat::Mp4 => container::inspect_mp4(reader, len)?,
            _ => container::Mp4Audio::default(),
        };
        let aiff_frames = match format {
            AudioFormat::Aiff => header_checks::inspect_aiff(reader, len)?,
            _ => None,
        };
        if format == AudioFormat::Caf {
            header_checks::check_caf(reader, len)?;
        }
        let adts_cut = format == AudioFormat::Adts && header_checks::inspect_adts(reader, len)?;
        let flac_total = match format {
            AudioFormat::Flac => {
                container::check_flac_blocks(reader, audio_start, len)?;
                container::flac_total_samples(reader).map_err(stream_io)?
            }
            _ => None,
        };
        // An OGG file whose last page is its first holds only the identification header: a
        // file cut short, not an empty stream (whose header pages come whole).
        let declares_nothing = flac_total == Some(0)
            || ogg.is_some_and(|end| end.granule == 0 && end.whole && !end.bos)
            || mp4.packets == Some(0)
            || aiff_frames == Some(0);
        Ok(Self {
            audio_start,
            ogg,
            mp4,
            declares_nothing,
            aiff_frames,
            adts_cut,
        })
    }

    /// How the file ends inside its last OGG page (either codec) or ADTS frame, if it does.
    pub(super) fn cut_short(&self, format: AudioFormat) -> Option<&'static str> {
        if is_ogg(format) && !self.ogg.is_some_and(|end| end.whole) {
            Some("cut short: the last OGG page is incomplete")
        } else if self.adts_cut {
            Some("cut short: the last ADTS frame is incomplete")
        } else {
            None
        }
    }

    /// An OGG file (of either codec) lacks the end-of-stream flag on its last page.
    pub(super) fn ogg_no_eos(&self, format: AudioFormat) -> bool {
        is_ogg(format) && !self.ogg.is_some_and(|end| end.eos)
    }
}

/// OGG Vorbis or OGG Opus.
pub(super) fn is_ogg(format: AudioFormat) -> bool {
    matches!(format, AudioFormat::OggVorbis | AudioFormat::OggOpus)
}
