//! WebM (Matroska) with Opus inside, what browsers' `MediaRecorder` writes, Vorbis (WebM's
//! other audio codec), or AAC, FLAC, MP3 or PCM, what OBS, screen recorders and other tools
//! write into MKV: a demuxer of its own behind symphonia's [`FormatReader`] trait, so Opus
//! packets go through the same decoder (libopus), trimming and streaming as OGG Opus, the
//! others through symphonia's decoders (the track's parameters: `webm_track.rs`).
//!
//! Why not symphonia 0.5's MKV demuxer: it allocates what element and lace sizes declare before
//! checking them against the file (a few forged bytes abort the process), and it takes the
//! segment's duration for a frame count. This reader checks every size against the end of its
//! segment before reading or skipping, reads only the elements it needs (the EBML header, the
//! track list, the blocks of the audio track; everything else is skipped by its size), and caps
//! what it reads at once.
//!
//! What it reads: the EBML header (`DocType` `webm` or `matroska`), one Segment (of known or
//! unknown size, as a live recording has), its Tracks (the first audio track, with its codec's
//! headers from `CodecPrivate` where it has them), and SimpleBlocks and Blocks (in BlockGroups)
//! of Clusters (of known or unknown size), laced or not. The Opus pre-skip is trimmed from the
//! `OpusHead`, as for OGG Opus, and a BlockGroup's `DiscardPadding` (the encoder's padding
//! after the last frame, as ffmpeg writes it) from the end of its block, as ffmpeg does.

use std::collections::VecDeque;

use symphonia::core::errors::{Error, Result};
use symphonia::core::formats::{Cue, FormatOptions, FormatReader, Packet, SeekMode, SeekTo};
use symphonia::core::formats::{SeekedTo, Track};
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadBytes};
use symphonia::core::meta::{Metadata, MetadataLog};

use crate::opus::OPUS_RATE;

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const TRACKS: u32 = 0x1654_AE6B;
const CLUSTER: u32 = 0x1F43_B675;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const SIMPLE_BLOCK: u32 = 0xA3;
/// A BlockGroup's encoder padding at the end of its block, in nanoseconds (signed).
const DISCARD_PADDING: u32 = 0x75A2;
/// The most bytes read into memory at once: the EBML header, the track list, one block.
const MAX_ELEMENT: u64 = 1 << 24;

/// An element's ID and where its data ends (`None`: unknown size, up to its parent's end).
struct Header {
    id: u32,
    end: Option<u64>,
}

pub(crate) fn corrupt(reason: &'static str) -> Error {
    Error::DecodeError(reason)
}

/// Bytes an EBML integer is read from: a stream or a slice held in memory.
trait Bytes {
    fn byte(&mut self) -> Result<u8>;
}

impl Bytes for MediaSourceStream {
    fn byte(&mut self) -> Result<u8> {
        Ok(self.read_u8()?)
    }
}

impl Bytes for &[u8] {
    fn byte(&mut self) -> Result<u8> {
        let (&b, rest) = self
            .split_first()
            .ok_or_else(|| corrupt("WebM: an element ends inside an integer"))?;
        *self = rest;
        Ok(b)
    }
}

/// Reads an EBML variable-length integer: `(value, length in bytes)`, the length marker
/// removed unless `keep_marker` (element IDs keep it).
fn read_vint(source: &mut impl Bytes, max_len: u32, keep_marker: bool) -> Result<(u64, u32)> {
    let first = source.byte()?;
    let len = first.leading_zeros() + 1;
    if first == 0 || len > max_len {
        return Err(corrupt("WebM: malformed element header"));
    }
    let mut value = u64::from(if keep_marker {
        first
    } else {
        first & (0xFFu32 >> len) as u8
    });
    for _ in 1..len {
        value = (value << 8) | u64::from(source.byte()?);
    }
    Ok((value, len))
}

/// Reads an element header at the current position; its data must end by `limit`.
fn read_header(source: &mut MediaSourceStream, limit: u64) -> Result<Header> {
    let (id, _) = read_vint(source, 4, true)?;
    let (size, len) = read_vint(source, 8, false)?;
    if size == (1u64 << (7 * len)) - 1 {
        // All data bits set: the size is unknown (allowed for Segments and Clusters only).
        return match id as u32 {
            SEGMENT | CLUSTER => Ok(Header {
                id: id as u32,
                end: None,
            }),
            _ => Err(corrupt("WebM: an element of unknown size")),
        };
    }
    let end = source
        .pos()
        .checked_add(size)
        .filter(|&end| end <= limit)
        .ok_or_else(|| corrupt("WebM: an element runs past the end of its segment (cut short?)"))?;
    Ok(Header {
        id: id as u32,
        end: Some(end),
    })
}

/// Reads an element's data (known size, at most [`MAX_ELEMENT`] bytes) into memory.
fn read_data(source: &mut MediaSourceStream, end: u64) -> Result<Box<[u8]>> {
    let len = end - source.pos();
    if len > MAX_ELEMENT {
        return Err(Error::LimitError("WebM: an element over 16 MiB"));
    }
    Ok(source.read_boxed_slice_exact(len as usize)?)
}

/// The children of an element held in memory: `(id, data)` in order.
pub(crate) fn children(mut data: &[u8]) -> Result<Vec<(u32, &[u8])>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let (id, _) = read_vint(&mut data, 4, true)?;
        let (size, _) = read_vint(&mut data, 8, false)?;
        let size = usize::try_from(size)
            .ok()
            .filter(|&size| size <= data.len())
            .ok_or_else(|| corrupt("WebM: a child element runs past its parent"))?;
        out.push((id as u32, &data[..size]));
        data = &data[size..];
    }
    Ok(out)
}

/// An unsigned integer element's value (at most 8 bytes, big-endian).
pub(crate) fn unsigned(data: &[u8]) -> Result<u64> {
    if data.len() > 8 {
        return Err(corrupt("WebM: an integer element of more than 8 bytes"));
    }
    Ok(data.iter().fold(0, |value, &b| (value << 8) | u64::from(b)))
}

/// The frames of a block's data (after its track number, timecode and flags): one, or
/// several when laced (Xiph, fixed-size or EBML lacing).
fn unlace(flags: u8, mut data: &[u8]) -> Result<Vec<&[u8]>> {
    let lacing = (flags >> 1) & 0b11;
    if lacing == 0 {
        return Ok(vec![data]);
    }
    let bad = || corrupt("WebM: malformed block lacing");
    let count = usize::from(*data.first().ok_or_else(bad)?) + 1;
    data = &data[1..];
    let mut sizes = Vec::with_capacity(count);
    match lacing {
        // Xiph: each size but the last as a run of 255s and a final byte.
        0b01 => {
            for _ in 1..count {
                let mut size = 0usize;
                loop {
                    let (&b, rest) = data.split_first().ok_or_else(bad)?;
                    data = rest;
                    size += usize::from(b);
                    if b != 255 {
                        break;
                    }
                }
                sizes.push(size);
            }
        }
        // Fixed: equal frames.
        0b10 => {
            if !data.len().is_multiple_of(count) {
                return Err(bad());
            }
            sizes.resize(count - 1, data.len() / count);
        }
        // EBML: the first size, then signed differences.
        _ => {
            let (first, _) = read_vint(&mut data, 8, false)?;
            let mut size = i64::try_from(first).map_err(|_| bad())?;
            sizes.push(usize::try_from(size).map_err(|_| bad())?);
            for _ in 2..count {
                let (raw, len) = read_vint(&mut data, 8, false)?;
                let bias = (1i64 << (7 * len - 1)) - 1;
                size = size.checked_add(raw as i64 - bias).ok_or_else(bad)?;
                sizes.push(usize::try_from(size).map_err(|_| bad())?);
            }
        }
    }
    let mut frames = Vec::with_capacity(count);
    for size in sizes {
        if size > data.len() {
            return Err(bad());
        }
        let (frame, rest) = data.split_at(size);
        frames.push(frame);
        data = rest;
    }
    frames.push(data);
    Ok(frames)
}

/// A WebM file's Opus track, packet by packet.
pub(crate) struct WebmReader {
    source: MediaSourceStream,
    tracks: Vec<Track>,
    /// The Matroska track number of the audio track.
    track_number: u64,
    /// The audio track's sample rate (Opus: 48 kHz), in whose frames padding is counted.
    rate: u32,
    /// Where the segment's data ends (the end of the file when its size is unknown).
    segment_end: u64,
    /// Frames of a laced block not handed out yet, each with the frames (at `rate`) of padding
    /// to drop from its end (a BlockGroup's `DiscardPadding`, on its block's last frame).
    queued: VecDeque<(Box<[u8]>, u32)>,
    metadata: MetadataLog,
}

impl WebmReader {
    /// Reads the EBML header and the segment up to its track list.
    fn open(mut source: MediaSourceStream) -> Result<Self> {
        let file_end = source
            .byte_len()
            .ok_or(Error::Unsupported("WebM from a source of unknown length"))?;
        let header = read_header(&mut source, file_end)?;
        let end = header.end.filter(|_| header.id == EBML);
        let ebml = read_data(
            &mut source,
            end.ok_or_else(|| corrupt("WebM: no EBML header"))?,
        )?;
        let doc_type = children(&ebml)?
            .into_iter()
            .find(|(id, _)| *id == DOC_TYPE)
            .map(|(_, data)| data);
        if !matches!(doc_type, Some(b"webm" | b"matroska")) {
            return Err(Error::Unsupported(
                "an EBML document that is not WebM or Matroska",
            ));
        }
        let segment = read_header(&mut source, file_end)?;
        if segment.id != SEGMENT {
            return Err(corrupt("WebM: no Segment after the EBML header"));
        }
        let segment_end = segment.end.unwrap_or(file_end);
        let mut tracks = Vec::new();
        let mut track_number = 0;
        let mut rate = OPUS_RATE;
        loop {
            let element = read_header(&mut source, segment_end)?;
            let end = element
                .end
                .ok_or_else(|| corrupt("WebM: a Cluster before the Tracks"))?;
            match element.id {
                TRACKS => {
                    let list = read_data(&mut source, end)?;
                    if let Some((number, params)) = crate::webm_track::audio_track(&list)? {
                        rate = params.sample_rate.unwrap_or(OPUS_RATE);
                        tracks.push(Track::new(0, params));
                        track_number = number;
                    }
                    break;
                }
                CLUSTER => return Err(corrupt("WebM: a Cluster before the Tracks")),
                _ => source.ignore_bytes(end - source.pos())?,
            }
        }
        Ok(WebmReader {
            source,
            tracks,
            track_number,
            rate,
            segment_end,
            queued: VecDeque::new(),
            metadata: MetadataLog::default(),
        })
    }

    /// The frames of the next block of the audio track, queued; false at the segment's end.
    fn queue_next_block(&mut self) -> Result<bool> {
        while self.source.pos() < self.segment_end {
            let element = read_header(&mut self.source, self.segment_end)?;
            let Some(end) = element.end else {
                continue; // a Cluster of unknown size: its children follow
            };
            match element.id {
                // A container whose children are read in turn.
                CLUSTER => {}
                // Read whole: its block, and the encoder padding to drop after it.
                BLOCK_GROUP => {
                    let group = read_data(&mut self.source, end)?;
                    let children = children(&group)?;
                    let discard = children.iter().find(|(id, _)| *id == DISCARD_PADDING);
                    let padding = discard
                        .map(|(_, d)| padding_frames(d, self.rate))
                        .transpose()?;
                    for (id, block) in children {
                        if id == BLOCK && self.queue_block(block, padding.unwrap_or(0))? {
                            return Ok(true);
                        }
                    }
                }
                SIMPLE_BLOCK | BLOCK => {
                    // The track number first: another track's block (video) is skipped
                    // unread.
                    let (track, _) = read_vint(&mut self.source, 8, false)?;
                    if self.source.pos() > end {
                        return Err(corrupt("WebM: a block shorter than its header"));
                    }
                    if track != self.track_number {
                        self.source.ignore_bytes(end - self.source.pos())?;
                        continue;
                    }
                    let data = read_data(&mut self.source, end)?;
                    self.queue_frames(&data, 0)?;
                    return Ok(true);
                }
                _ => self.source.ignore_bytes(end - self.source.pos())?,
            }
        }
        Ok(false)
    }
}

impl WebmReader {
    /// Queues the frames of `block` (a Block's data from its track number on) when it is of
    /// the audio track, the last one trimmed of `padding` frames; whether it was.
    fn queue_block(&mut self, mut block: &[u8], padding: u32) -> Result<bool> {
        let (track, _) = read_vint(&mut block, 8, false)?;
        if track != self.track_number {
            return Ok(false);
        }
        self.queue_frames(block, padding)?;
        Ok(true)
    }

    /// Queues the frames of a block's data after its track number: two bytes of timecode, one
    /// of flags, then the (laced) frames, the last one trimmed of `padding` frames.
    fn queue_frames(&mut self, data: &[u8], padding: u32) -> Result<()> {
        let Some((&flags, frames)) = data.get(2..).and_then(<[u8]>::split_first) else {
            return Err(corrupt("WebM: a block shorter than its header"));
        };
        let frames = unlace(flags, frames)?;
        let last = frames.len().saturating_sub(1);
        self.queued.extend(
            (frames.into_iter().enumerate())
                .map(|(i, frame)| (Box::from(frame), if i == last { padding } else { 0 })),
        );
        Ok(())
    }
}

/// A `DiscardPadding` element's nanoseconds as frames at `rate` (the track's; 48 kHz for
/// Opus), rounded; a negative or zero padding is none.
fn padding_frames(data: &[u8], rate: u32) -> Result<u32> {
    if data.len() > 8 {
        return Err(corrupt("WebM: an integer element of more than 8 bytes"));
    }
    // Big-endian two's complement, sign-extended from its first byte.
    let first = data.first().map_or(0, |&b| i64::from(b as i8));
    let nanoseconds = data
        .iter()
        .skip(1)
        .fold(first, |v, &b| (v << 8) | i64::from(b));
    let frames = (i128::from(nanoseconds) * i128::from(rate) + 500_000_000) / 1_000_000_000;
    Ok(u32::try_from(frames.max(0)).unwrap_or(u32::MAX))
}

impl FormatReader for WebmReader {
    fn try_new(source: MediaSourceStream, _options: &FormatOptions) -> Result<Self> {
        Self::open(source)
    }

    fn cues(&self) -> &[Cue] {
        &[]
    }

    fn metadata(&mut self) -> Metadata<'_> {
        self.metadata.metadata()
    }

    fn seek(&mut self, _mode: SeekMode, _to: SeekTo) -> Result<SeekedTo> {
        Err(Error::Unsupported("seeking in WebM"))
    }

    fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    fn next_packet(&mut self) -> Result<Packet> {
        loop {
            if let Some((frame, padding)) = self.queued.pop_front() {
                let mut packet = Packet::new_from_boxed_slice(0, 0, 0, frame);
                packet.trim_end = padding;
                return Ok(packet);
            }
            if self.tracks.is_empty() || !self.queue_next_block()? {
                return Err(Error::IoError(std::io::ErrorKind::UnexpectedEof.into()));
            }
        }
    }

    fn into_inner(self: Box<Self>) -> MediaSourceStream {
        self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vints_read_as_the_ebml_rfc_gives_them() {
        // RFC 8794 examples: 0x81 is 1; 0x40 0x02 is 2; IDs keep their marker bits.
        assert_eq!(read_vint(&mut &[0x81u8][..], 8, false).unwrap(), (1, 1));
        assert_eq!(
            read_vint(&mut &[0x40u8, 0x02][..], 8, false).unwrap(),
            (2, 2)
        );
        let id = [0x1Au8, 0x45, 0xDF, 0xA3];
        assert_eq!(read_vint(&mut &id[..], 4, true).unwrap(), (0x1A45_DFA3, 4));
        // No marker bit in the first byte, or an ID longer than 4 bytes: refused.
        assert!(read_vint(&mut &[0u8, 1][..], 8, false).is_err());
        assert!(read_vint(&mut &[0x08u8, 0, 0, 0, 1][..], 4, true).is_err());
    }

    #[test]
    fn discard_padding_in_opus_frames() {
        // 13,500,000 ns (ffmpeg's 648 samples), 1 ns, negative and absurd values.
        assert_eq!(
            padding_frames(&[0x00, 0xCD, 0xFE, 0x60], OPUS_RATE).unwrap(),
            648
        );
        // The same 13.5 ms at 16 kHz (AAC or PCM tracks).
        assert_eq!(
            padding_frames(&[0x00, 0xCD, 0xFE, 0x60], 16_000).unwrap(),
            216
        );
        assert_eq!(padding_frames(&[0x01], OPUS_RATE).unwrap(), 0);
        assert_eq!(padding_frames(&[0xFF, 0x00], OPUS_RATE).unwrap(), 0);
        assert_eq!(padding_frames(&[0x7F; 8], OPUS_RATE).unwrap(), u32::MAX);
        assert_eq!(padding_frames(&[], OPUS_RATE).unwrap(), 0);
        assert!(padding_frames(&[0; 9], OPUS_RATE).is_err());
    }

    #[test]
    fn lacing_splits_frames_and_refuses_sizes_past_the_block() {
        let data = [1u8, 2, 3, 4, 5, 6];
        // No lacing: one frame.
        assert_eq!(unlace(0x80, &data).unwrap(), vec![&data[..]]);
        // Xiph: 3 frames of sizes 2, 1 and the rest.
        let xiph = [2u8, 2, 1, 10, 11, 12, 13, 14];
        assert_eq!(
            unlace(0b010, &xiph).unwrap(),
            vec![&[10u8, 11][..], &[12], &[13, 14]]
        );
        // Fixed: 2 frames of 2 bytes.
        let fixed = [1u8, 7, 8, 9, 10];
        assert_eq!(
            unlace(0b100, &fixed).unwrap(),
            vec![&[7u8, 8][..], &[9, 10]]
        );
        assert!(unlace(0b100, &[1u8, 7, 8, 9]).is_err());
        // EBML: 3 frames, first size 2, then +0 (0xBF is a 1-byte difference of 0), rest.
        let ebml = [2u8, 0x82, 0xBF, 1, 2, 3, 4, 5];
        assert_eq!(
            unlace(0b110, &ebml).unwrap(),
            vec![&[1u8, 2][..], &[3, 4], &[5]]
        );
        // A lace size far past the block (a forged 2^56 - 2): an error, nothing allocated.
        let forged = [1u8, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 1];
        assert!(unlace(0b110, &forged).is_err());
        let forged_xiph = [1u8, 255, 255, 255, 3, 1];
        assert!(unlace(0b010, &forged_xiph).is_err());
    }
}
