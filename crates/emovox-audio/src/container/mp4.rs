//! An MP4 file's boxes, walked with bounded reads: its first audio track's edit list,
//! timescales and sample entry, and the tables symphonia 0.5 would size from a hostile count.

use std::io::{Read, Seek, SeekFrom};

/// What an MP4's first audio (`soun`) track says about itself.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Mp4Audio {
    /// A `soun` track exists.
    pub(crate) has_audio_track: bool,
    /// Its sample (packet) count from `stsz`.
    pub(crate) packets: Option<u64>,
    /// One non-empty edit: (frames to skip at the start, frames to keep then), in the track's
    /// media timescale (the sample rate, for audio written by ffmpeg and Apple).
    pub(crate) edit: Option<(u64, Option<u64>)>,
    /// The track's `mdhd` timescale.
    pub(crate) timescale: u32,
    /// The movie's `mvhd` timescale, the unit of an edit's length (ffmpeg writes 1000: an
    /// edit's length is then rounded to the millisecond).
    pub(crate) movie_timescale: u32,
    /// The movie or some track declares a timescale of 0.
    pub(crate) zero_timescale: bool,
    /// The type of the sound track's first sample entry (`mp4a`, `alac`, `samr`, ...).
    pub(crate) sample_entry: Option<[u8; 4]>,
    /// The sound track's place among the `trak` boxes of `moov` (symphonia's track ID).
    pub(crate) track_index: u32,
}

/// Boxes looked at before giving up on a hostile file of millions of tiny boxes.
const MAX_BOXES: usize = 4_096;

/// A box's (type, payload start, payload end), as [`Walker::children`] lists them.
type BoxRange = ([u8; 4], u64, u64);

struct Walker<'a, R: Read + Seek> {
    reader: &'a mut R,
    boxes: usize,
    /// The boxes being walked are the items of an `ilst`.
    in_ilst: bool,
}

impl<R: Read + Seek> Walker<'_, R> {
    /// The child boxes of `start..end`: (type, payload start, payload end). Inside `moov`
    /// (`strict`), a box running past its parent is an error.
    fn children(&mut self, start: u64, end: u64) -> Result<Vec<BoxRange>, Bad> {
        self.children_of(start, end, true)
    }

    fn children_of(&mut self, start: u64, end: u64, strict: bool) -> Result<Vec<BoxRange>, Bad> {
        let mut out = Vec::new();
        let mut at = start;
        while at + 8 <= end && self.boxes < MAX_BOXES {
            self.boxes += 1;
            let mut header = [0u8; 16];
            self.reader.seek(SeekFrom::Start(at))?;
            self.reader.read_exact(&mut header[..8])?;
            let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
            let kind = [header[4], header[5], header[6], header[7]];
            let (size, header_len) = match size32 {
                // "To the end of the file": only the last top-level box may say so (ISO/IEC
                // 14496-12, 4.2); inside `moov` symphonia takes it for the rest of the file
                // (a `hdlr` of size 0 asked it for a name of 2^64 - 24 bytes).
                0 if strict => {
                    return Err(Bad::Malformed(format!(
                        "a {} box inside moov declares size 0 (to the end of the file)",
                        String::from_utf8_lossy(&kind)
                    )))
                }
                0 => (end - at, 8),
                1 => {
                    if at + 16 > end {
                        break;
                    }
                    self.reader.read_exact(&mut header[8..16])?;
                    let mut large = [0u8; 8];
                    large.copy_from_slice(&header[8..16]);
                    (u64::from_be_bytes(large), 16)
                }
                n => (u64::from(n), 8),
            };
            if at.checked_add(size).is_none() {
                // No file reaches past 2^64 bytes; symphonia adds the size to the offset
                // (an overflow panic where overflow is checked, a wrap to a bogus offset where not).
                return Err(Bad::Malformed(format!(
                    "the {} box declares {size} bytes, past any offset a file can have",
                    String::from_utf8_lossy(&kind)
                )));
            }
            if size < header_len || size > end - at {
                if strict {
                    return Err(Bad::Malformed(format!(
                        "the {} box declares {size} bytes, its parent holds {}",
                        String::from_utf8_lossy(&kind),
                        end - at
                    )));
                }
                // At the top level, a box cut short by the end of the file is still looked
                // into (symphonia reads what there is of it): its children are then checked
                // against the bytes present.
                if size >= header_len {
                    out.push((kind, at + header_len, end));
                }
                break;
            }
            out.push((kind, at + header_len, at + size));
            at += size;
        }
        // Fewer bytes than a box header left inside a box of `moov`: symphonia reads a header
        // there anyway, from the bytes after its parent (an `stsz` of 2^30 entries beyond a
        // `stbl`'s end was reserved at its declared size: 4 GB, found by `decode_mp4`). Zeros
        // are a terminator (QuickTime ends some lists with four), anything else is refused.
        if strict && at < end && end - at < 8 && self.boxes < MAX_BOXES {
            let mut rest = [0u8; 8];
            let rest = &mut rest[..(end - at) as usize];
            self.reader.seek(SeekFrom::Start(at))?;
            self.reader.read_exact(rest)?;
            if rest.iter().any(|&b| b != 0) {
                return Err(Bad::Malformed(format!(
                    "{} bytes after the last box inside moov, too few for a box header",
                    rest.len()
                )));
            }
        }
        Ok(out)
    }

    /// The timescale in a `mvhd` or `mdhd` payload (of version 0 or 1), if the box holds one.
    fn timescale(&mut self, start: u64, end: u64) -> Result<Option<u32>, Bad> {
        let p = self.read_payload::<32>(start, end)?;
        let at = if p.first() == Some(&1) { 20 } else { 12 };
        Ok(be_u32(&p, at))
    }

    /// Up to `N` bytes of a payload (fewer if it is shorter).
    fn read_payload<const N: usize>(&mut self, start: u64, end: u64) -> Result<Vec<u8>, Bad> {
        let len = (end - start).min(N as u64) as usize;
        let mut buf = vec![0u8; len];
        self.reader.seek(SeekFrom::Start(start))?;
        self.reader.read_exact(&mut buf)?;
        Ok(buf)
    }
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Why an MP4 walk stopped.
enum Bad {
    Io,
    Malformed(String),
}

impl From<std::io::Error> for Bad {
    fn from(e: std::io::Error) -> Self {
        let _ = e;
        Bad::Io
    }
}

/// The sample tables symphonia 0.5 sizes a `Vec` from before reading them: (type, offset of
/// the entry count in the payload, bytes per entry). A count the box cannot hold would make it
/// allocate up to 32 GiB for a file of a few bytes.
const TABLES: &[(&[u8; 4], usize, u64)] = &[
    (b"stts", 4, 8),
    (b"ctts", 4, 8),
    (b"stsc", 4, 12),
    (b"stco", 4, 4),
    (b"co64", 4, 8),
    (b"stss", 4, 4),
];

/// Looks through `moov` for the first `soun` track, and refuses what symphonia 0.5 would
/// allocate or panic on: sample tables declaring more entries than their box holds, boxes
/// running past their parent, timescales of 0 (`zero_timescale`). Missing boxes give the
/// default (symphonia reports those itself). The reader is left at its start.
pub(crate) fn inspect_mp4<R: Read + Seek>(
    reader: &mut R,
    len: u64,
) -> Result<Mp4Audio, crate::AudioError> {
    let mut walker = Walker {
        reader,
        boxes: 0,
        in_ilst: false,
    };
    let found = walk_mp4(&mut walker, len);
    let _ = walker.reader.seek(SeekFrom::Start(0));
    match found {
        Ok(audio) => Ok(audio),
        // Cut short, or unreadable: symphonia says so in its own words.
        Err(Bad::Io) => Ok(Mp4Audio::default()),
        Err(Bad::Malformed(reason)) => Err(crate::AudioError::CorruptStream {
            format: "MP4",
            reason,
        }),
    }
}

/// Checks the entry counts of a `stbl`'s tables against their sizes.
fn check_tables<R: Read + Seek>(
    w: &mut Walker<'_, R>,
    stbl: &[BoxRange],
    len: u64,
) -> Result<(), Bad> {
    for &(kind, s, e) in stbl {
        let (count_at, entry) = if &kind == b"stsz" {
            let p = w.read_payload::<12>(s, e)?;
            // A constant sample size (non-zero) has no table.
            if let Some(size) = be_u32(&p, 4).filter(|&size| size != 0) {
                check_sample_size(size, len)?;
                continue;
            }
            if let Some(count) = be_u32(&p, 8) {
                let room = (e - s).saturating_sub(12);
                if u64::from(count) * 4 <= room {
                    check_sizes(w, s + 12, count, 4, 0, len)?;
                }
            }
            (8, 4)
        } else if let Some(&(_, at, entry)) = TABLES.iter().find(|(k, _, _)| **k == kind) {
            (at, entry)
        } else {
            continue;
        };
        let p = w.read_payload::<12>(s, e)?;
        let Some(count) = be_u32(&p, count_at) else {
            continue;
        };
        let room = (e - s).saturating_sub(count_at as u64 + 4);
        if u64::from(count) * entry > room {
            return Err(Bad::Malformed(format!(
                "the {} table declares {count} entries, its box holds {}",
                String::from_utf8_lossy(&kind),
                room / entry
            )));
        }
    }
    Ok(())
}

/// symphonia reads each packet into a buffer of the size the tables give, allocated first: a
/// packet larger than the whole file is refused here.
fn check_sample_size(size: u32, len: u64) -> Result<(), Bad> {
    if u64::from(size) > len {
        return Err(Bad::Malformed(format!(
            "a sample of {size} bytes declared in a file of {len}"
        )));
    }
    Ok(())
}

/// Checks `count` sample sizes, `stride` bytes apart from `start` (at `offset` in each entry).
fn check_sizes<R: Read + Seek>(
    w: &mut Walker<'_, R>,
    start: u64,
    count: u32,
    stride: u64,
    offset: u64,
    len: u64,
) -> Result<(), Bad> {
    let total = u64::from(count) * stride;
    // Whole entries per read (`total` is a multiple of `stride`).
    let mut table = vec![0u8; total.min((1 << 16) / stride * stride) as usize];
    let mut done = 0u64;
    while done < total {
        let n = (total - done).min(table.len() as u64) as usize;
        w.reader.seek(SeekFrom::Start(start + done))?;
        w.reader.read_exact(&mut table[..n])?;
        let mut at = offset as usize;
        while at + 4 <= n {
            let size = u32::from_be_bytes([table[at], table[at + 1], table[at + 2], table[at + 3]]);
            check_sample_size(size, len)?;
            at += stride as usize;
        }
        done += n as u64;
    }
    Ok(())
}

/// Checks the sample sizes of a fragmented file: `trex` and `tfhd` defaults, `trun` entries.
fn check_fragments<R: Read + Seek>(
    w: &mut Walker<'_, R>,
    top: &[BoxRange],
    moov: &[BoxRange],
    len: u64,
) -> Result<(), Bad> {
    for &(kind, s, e) in moov {
        if &kind == b"mvex" {
            for (kind, s, e) in w.children(s, e)? {
                if &kind == b"trex" {
                    let p = w.read_payload::<24>(s, e)?;
                    if let Some(size) = be_u32(&p, 16) {
                        check_sample_size(size, len)?;
                    }
                }
            }
        }
    }
    for &(kind, s, e) in top {
        if &kind != b"moof" {
            continue;
        }
        for (kind, s, e) in w.children(s, e)? {
            if &kind != b"traf" {
                continue;
            }
            for (kind, s, e) in w.children(s, e)? {
                let p = w.read_payload::<40>(s, e)?;
                let flags = be_u32(&p, 0).unwrap_or(0) & 0x00ff_ffff;
                if &kind == b"tfhd" && flags & 0x10 != 0 {
                    // After the track id: base data offset (8), description index (4),
                    // default duration (4), each if flagged, then the default size.
                    let mut at = 8;
                    at += if flags & 0x01 != 0 { 8 } else { 0 };
                    at += if flags & 0x02 != 0 { 4 } else { 0 };
                    at += if flags & 0x08 != 0 { 4 } else { 0 };
                    if let Some(size) = be_u32(&p, at) {
                        check_sample_size(size, len)?;
                    }
                } else if &kind == b"trun" && flags & 0x200 != 0 {
                    let count = be_u32(&p, 4).unwrap_or(0);
                    let mut at = 8u64;
                    at += if flags & 0x01 != 0 { 4 } else { 0 };
                    at += if flags & 0x04 != 0 { 4 } else { 0 };
                    let stride = 4 * [0x100, 0x200, 0x400, 0x800]
                        .iter()
                        .filter(|&&f| flags & f != 0)
                        .count() as u64;
                    let offset = if flags & 0x100 != 0 { 4 } else { 0 };
                    if u64::from(count) * stride > (e - s).saturating_sub(at) {
                        return Err(Bad::Malformed(format!(
                            "a trun box declares {count} samples it does not hold"
                        )));
                    }
                    check_sizes(w, s + at, count, stride, offset, len)?;
                }
            }
        }
    }
    Ok(())
}

/// Walks every box symphonia reads inside `moov` (tracks, sample descriptions, user data and
/// iTunes metadata), strictly: a box declaring more bytes than its parent holds is refused,
/// since symphonia allocates some of them (an `ilst` `data` atom, say) at their declared size.
fn check_tree<R: Read + Seek>(
    w: &mut Walker<'_, R>,
    start: u64,
    end: u64,
    depth: u32,
) -> Result<(), Bad> {
    if depth > 10 {
        return Ok(());
    }
    let boxes = w.children(start, end)?;
    for (kind, s, e) in boxes {
        // Where the children of a container start, past its own fields.
        let skip = match &kind {
            b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"edts" | b"dinf" | b"udta"
            | b"mvex" | b"ilst" => Some(0),
            b"meta" => Some(4),
            b"stsd" => Some(8),
            b"mp4a" | b"alac" | b"enca" => Some(28),
            // The items of an `ilst` (`\xa9nam`, `covr`, `----` ...) hold `data` atoms.
            _ if depth >= 1 && w.in_ilst => Some(0),
            _ => None,
        };
        if &kind == b"esds" {
            check_esds(w, s, e)?;
        }
        if let Some(skip) = skip {
            if s + skip <= e {
                let was = w.in_ilst;
                w.in_ilst = &kind == b"ilst";
                check_tree(w, s + skip, e, depth + 1)?;
                w.in_ilst = was;
            }
        }
    }
    Ok(())
}

/// Checks that an `esds` box (payload `start..end`) holds what symphonia 0.5 takes for granted:
/// its version and flags (4 bytes; it subtracts them from the size), then, among the
/// descriptors it walks as symphonia does (a tag byte, a length of up to four 7-bit bytes,
/// while more than 2 bytes are left), an ES descriptor (tag 3), which it `unwrap`s: a panic in
/// release builds too. A descriptor running past the box is symphonia's to report.
fn check_esds<R: Read + Seek>(w: &mut Walker<'_, R>, start: u64, end: u64) -> Result<(), Bad> {
    if end - start < 4 {
        return Err(Bad::Malformed(format!(
            "an esds box of {} bytes, short of its version and flags",
            end - start
        )));
    }
    let mut at = start + 4;
    while end - at > 2 {
        let mut header = [0u8; 5];
        let n = (end - at).min(5) as usize;
        w.reader.seek(SeekFrom::Start(at))?;
        w.reader.read_exact(&mut header[..n])?;
        if header[0] == 3 {
            return Ok(());
        }
        let mut size = 0u64;
        let mut used = 1;
        for &byte in &header[1..n] {
            used += 1;
            size = (size << 7) | u64::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                break;
            }
        }
        at += used + size;
        if at > end {
            return Ok(());
        }
    }
    Err(Bad::Malformed(
        "an esds box without an ES descriptor".into(),
    ))
}

/// The payload range of the first box of type `kind` in `list`.
fn find_box(list: &[BoxRange], kind: &[u8; 4]) -> Option<(u64, u64)> {
    list.iter()
        .find(|(k, _, _)| k == kind)
        .map(|&(_, s, e)| (s, e))
}

/// Walks `moov`: every box and table is checked, and the first `soun` track described.
fn walk_mp4<R: Read + Seek>(w: &mut Walker<'_, R>, len: u64) -> Result<Mp4Audio, Bad> {
    let top = w.children_of(0, len, false)?;
    let Some((moov_start, moov_end)) = find_box(&top, b"moov") else {
        return Ok(Mp4Audio::default());
    };
    let moov = w.children(moov_start, moov_end)?;
    check_tree(w, moov_start, moov_end, 0)?;
    check_fragments(w, &top, &moov, len)?;
    let movie_timescale = match find_box(&moov, b"mvhd") {
        Some((s, e)) => w.timescale(s, e)?,
        None => None,
    };
    let mut zero_timescale = movie_timescale == Some(0);
    let movie_timescale = movie_timescale.unwrap_or(0);
    let mut found: Option<Mp4Audio> = None;
    let traks = moov.iter().filter(|(kind, _, _)| kind == b"trak");
    for (index, &(_, s, e)) in (0u32..).zip(traks) {
        let Some(track) = Mp4Track::walk(w, s, e, len)? else {
            continue;
        };
        zero_timescale |= track.timescale == Some(0);
        if found.is_none() {
            found = track.sound(w, movie_timescale)?.map(|audio| Mp4Audio {
                track_index: index,
                ..audio
            });
        }
    }
    let mut audio = found.unwrap_or_default();
    audio.zero_timescale = zero_timescale;
    audio.movie_timescale = movie_timescale;
    Ok(audio)
}

/// One `trak` of `moov` with a `mdia` box, its tables checked.
struct Mp4Track {
    /// The boxes of the `trak`.
    trak: Vec<BoxRange>,
    /// The boxes of its `mdia`.
    mdia: Vec<BoxRange>,
    /// Its `mdhd` timescale, if it has one.
    timescale: Option<u32>,
    /// Its sample (packet) count from `stsz` or `stz2`.
    packets: Option<u64>,
    /// The type of its first sample entry (`stsd`).
    sample_entry: Option<[u8; 4]>,
}

impl Mp4Track {
    /// Reads the `trak` box `start..end` and checks its sample tables; `None` without `mdia`.
    fn walk<R: Read + Seek>(
        w: &mut Walker<'_, R>,
        start: u64,
        end: u64,
        len: u64,
    ) -> Result<Option<Self>, Bad> {
        let trak = w.children(start, end)?;
        let Some((mdia_s, mdia_e)) = find_box(&trak, b"mdia") else {
            return Ok(None);
        };
        let mdia = w.children(mdia_s, mdia_e)?;
        let timescale = match find_box(&mdia, b"mdhd") {
            Some((s, e)) => w.timescale(s, e)?,
            None => None,
        };
        let mut packets = None;
        let mut sample_entry = None;
        if let Some((minf_s, minf_e)) = find_box(&mdia, b"minf") {
            let minf = w.children(minf_s, minf_e)?;
            if let Some((stbl_s, stbl_e)) = find_box(&minf, b"stbl") {
                let stbl = w.children(stbl_s, stbl_e)?;
                check_tables(w, &stbl, len)?;
                if let Some((s, e)) = find_box(&stbl, b"stsz").or_else(|| find_box(&stbl, b"stz2"))
                {
                    let p = w.read_payload::<12>(s, e)?;
                    packets = be_u32(&p, 8).map(u64::from);
                }
                if let Some((s, e)) = find_box(&stbl, b"stsd") {
                    // Version and flags, the entry count, then the first entry's size and type.
                    let p = w.read_payload::<16>(s, e)?;
                    sample_entry = p.get(12..16).and_then(|t| t.try_into().ok());
                }
            }
        }
        Ok(Some(Self {
            trak,
            mdia,
            timescale,
            packets,
            sample_entry,
        }))
    }

    /// What the track says of itself if it is a sound (`soun`) track, its edit list read;
    /// `None` for any other.
    fn sound<R: Read + Seek>(
        &self,
        w: &mut Walker<'_, R>,
        movie_timescale: u32,
    ) -> Result<Option<Mp4Audio>, Bad> {
        let handler = match find_box(&self.mdia, b"hdlr") {
            Some((s, e)) => w.read_payload::<12>(s, e)?,
            None => return Ok(None),
        };
        if handler.get(8..12) != Some(b"soun") {
            return Ok(None);
        }
        let timescale = self.timescale.unwrap_or(0);
        let mut edit = None;
        if let Some((edts_s, edts_e)) = find_box(&self.trak, b"edts") {
            let edts = w.children(edts_s, edts_e)?;
            if let Some((s, e)) = find_box(&edts, b"elst") {
                // A handful of entries at most in real files; more are ignored (no trimming).
                let p = w.read_payload::<{ 8 + 4 * 20 }>(s, e)?;
                edit = single_edit(&p, movie_timescale, timescale);
            }
        }
        Ok(Some(Mp4Audio {
            has_audio_track: true,
            packets: self.packets,
            edit,
            timescale,
            sample_entry: self.sample_entry,
            ..Mp4Audio::default()
        }))
    }
}

/// The one non-empty entry of an `elst` payload as (skip, keep) in media units; `None` when
/// there are several (or none), which emovox does not interpret.
fn single_edit(p: &[u8], movie_timescale: u32, media_timescale: u32) -> Option<(u64, Option<u64>)> {
    let version = *p.first()?;
    let count = be_u32(p, 4)? as usize;
    let entry_len = if version == 1 { 20 } else { 12 };
    let mut edit = None;
    for i in 0..count.min(4) {
        let at = 8 + i * entry_len;
        let (duration, media_time) = if version == 1 {
            (be_u64(p, at)?, be_u64(p, at + 8)? as i64)
        } else {
            (
                u64::from(be_u32(p, at)?),
                i64::from(be_u32(p, at + 4)? as i32),
            )
        };
        if media_time < 0 {
            continue; // an empty edit (a delay before the track starts)
        }
        if edit.is_some() {
            return None;
        }
        let keep = (duration > 0 && movie_timescale > 0).then(|| {
            (u128::from(duration) * u128::from(media_timescale) / u128::from(movie_timescale))
                .min(u128::from(u64::MAX)) as u64
        });
        edit = Some((media_time as u64, keep));
    }
    if count > 4 {
        return None;
    }
    edit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_lists() {
        // ffmpeg's AAC: one edit, 1000 ms at a 1000 Hz movie timescale, media time 1024.
        let mut p = vec![0, 0, 0, 0, 0, 0, 0, 1];
        p.extend_from_slice(&1000u32.to_be_bytes());
        p.extend_from_slice(&1024u32.to_be_bytes());
        p.extend_from_slice(&[0, 1, 0, 0]);
        assert_eq!(single_edit(&p, 1000, 16_000), Some((1024, Some(16_000))));
        // An empty edit first (media time -1) is skipped.
        let mut q = vec![0, 0, 0, 0, 0, 0, 0, 2];
        q.extend_from_slice(&500u32.to_be_bytes());
        q.extend_from_slice(&(-1i32).to_be_bytes());
        q.extend_from_slice(&[0, 1, 0, 0]);
        q.extend_from_slice(&p[8..]);
        assert_eq!(single_edit(&q, 1000, 16_000), Some((1024, Some(16_000))));
        // Cut short: no edit.
        assert_eq!(single_edit(&p[..12], 1000, 16_000), None);
    }
}
