//! Which format a file is, told from its first bytes (never from its name).

use std::io::{Read, Seek, SeekFrom};

use crate::AudioError;

/// A container (and, for OGG, the codec inside) recognised from the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AudioFormat {
    /// RIFF/WAVE or RF64 (read by emovox: PCM, float, G.711).
    Wav,
    /// Native FLAC (`fLaC`), possibly behind an ID3v2 tag.
    Flac,
    /// MPEG-1/2 audio layer III frames, possibly behind an ID3v2 tag.
    Mp3,
    /// OGG holding Vorbis (or FLAC) packets.
    OggVorbis,
    /// OGG holding Opus packets (`OpusHead`).
    OggOpus,
    /// ISO base media (MP4, M4A, MOV: an `ftyp` box first), AAC-LC or ALAC inside.
    Mp4,
    /// WebM or Matroska (an EBML header first), Opus inside: what browsers record.
    WebM,
    /// AIFF or AIFF-C (`FORM` ... `AIFF`/`AIFC`): PCM, float or G.711, as Apple's tools write.
    Aiff,
    /// Core Audio Format (`caff`), as iOS and macOS record: PCM, float or G.711 inside, or AAC
    /// and ALAC with those features.
    Caf,
    /// Raw AAC in ADTS frames (`.aac`), as some recorders and radio streams write it.
    Adts,
    /// AMR-NB or AMR-WB in the RFC 4867 storage format (`#!AMR`, `#!AMR-WB`: `.amr`, `.awb`),
    /// as Android's call recorders and voice-memo apps wrote.
    Amr,
}

impl AudioFormat {
    /// A short name for messages: "WAV", "FLAC", "MP3", "OGG Vorbis", "OGG Opus", "MP4",
    /// "WebM", "AIFF", "CAF", "AAC (ADTS)", "AMR".
    pub fn name(self) -> &'static str {
        match self {
            AudioFormat::Wav => "WAV",
            AudioFormat::Flac => "FLAC",
            AudioFormat::Mp3 => "MP3",
            AudioFormat::OggVorbis => "OGG Vorbis",
            AudioFormat::OggOpus => "OGG Opus",
            AudioFormat::Mp4 => "MP4",
            AudioFormat::WebM => "WebM",
            AudioFormat::Aiff => "AIFF",
            AudioFormat::Caf => "CAF",
            AudioFormat::Adts => "AAC (ADTS)",
            AudioFormat::Amr => "AMR",
        }
    }

    /// Whether this build decodes the format (each has a Cargo feature; WAV is always on).
    pub fn is_enabled(self) -> bool {
        match self {
            AudioFormat::Wav => true,
            AudioFormat::Flac => cfg!(feature = "flac"),
            AudioFormat::Mp3 => cfg!(feature = "mp3"),
            AudioFormat::OggVorbis => cfg!(feature = "vorbis"),
            AudioFormat::OggOpus => cfg!(feature = "opus"),
            AudioFormat::Mp4 => cfg!(any(feature = "aac", feature = "alac")),
            AudioFormat::WebM => cfg!(feature = "webm"),
            AudioFormat::Aiff => cfg!(feature = "aiff"),
            AudioFormat::Caf => cfg!(feature = "caf"),
            AudioFormat::Adts => cfg!(feature = "aac"),
            AudioFormat::Amr => cfg!(feature = "amr"),
        }
    }
}

impl std::fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Bytes enough for every signature below (an OGG page header with its first packet's start).
const HEAD: usize = 64;

/// Tells the format of `head`, the first bytes of a file (64 are enough; fewer may still do).
/// An ID3v2 tag is not looked past here (see [`detect_format_of`], which seeks over it);
/// `None` when the bytes are no format emovox knows.
///
/// ```
/// use emovox_audio::{detect_format, AudioFormat};
/// assert_eq!(detect_format(b"fLaC\0\0\0\x22"), Some(AudioFormat::Flac));
/// assert_eq!(detect_format(b"\xff\xfb\x90\x64"), Some(AudioFormat::Mp3));
/// assert_eq!(detect_format(b"RIFF\x24\0\0\0WAVEfmt "), Some(AudioFormat::Wav));
/// assert_eq!(detect_format(b"RF64\xff\xff\xff\xffWAVEds64"), Some(AudioFormat::Wav));
/// assert_eq!(detect_format(b"<html>"), None);
/// ```
pub fn detect_format(head: &[u8]) -> Option<AudioFormat> {
    let riff = |magic: &[u8]| matches!(magic, b"RIFF" | b"RF64" | b"BW64");
    if head.len() >= 12 && riff(&head[..4]) && &head[8..12] == b"WAVE" {
        return Some(AudioFormat::Wav);
    }
    if head.starts_with(b"fLaC") {
        return Some(AudioFormat::Flac);
    }
    if head.starts_with(b"OggS") {
        // The first page carries the codec's identification packet: 27 bytes of page header,
        // one lacing value per segment, then the packet.
        let segments = *head.get(26)? as usize;
        let packet = head.get(27 + segments..)?;
        if packet.starts_with(b"OpusHead") {
            return Some(AudioFormat::OggOpus);
        }
        if packet.starts_with(b"\x01vorbis") || packet.starts_with(b"\x7fFLAC") {
            return Some(AudioFormat::OggVorbis);
        }
        return None;
    }
    if head.len() >= 8 && &head[4..8] == b"ftyp" {
        return Some(AudioFormat::Mp4);
    }
    if head.starts_with(b"\x1a\x45\xdf\xa3") {
        return Some(AudioFormat::WebM);
    }
    if head.len() >= 12 && &head[..4] == b"FORM" && matches!(&head[8..12], b"AIFF" | b"AIFC") {
        return Some(AudioFormat::Aiff);
    }
    if head.starts_with(b"caff\x00\x01") {
        return Some(AudioFormat::Caf);
    }
    if head.starts_with(b"#!AMR\n") || head.starts_with(b"#!AMR-WB\n") {
        return Some(AudioFormat::Amr);
    }
    if is_mp3_frame_header(head) {
        return Some(AudioFormat::Mp3);
    }
    if is_adts_header(head) {
        return Some(AudioFormat::Adts);
    }
    None
}

/// An ADTS frame header (ISO/IEC 13818-7) as symphonia reads it: 12 sync bits, the MPEG-4 ID,
/// layer 0 and no CRC (`ff f1`, what encoders write), a sampling frequency index of a defined
/// rate (0-12), and a frame length of at least its own 7 bytes.
fn is_adts_header(b: &[u8]) -> bool {
    if b.len() < 7 || b[0] != 0xff || b[1] != 0xf1 {
        return false;
    }
    let frequency = (b[2] >> 2) & 0x0f;
    let length =
        (usize::from(b[3] & 0x03) << 11) | (usize::from(b[4]) << 3) | usize::from(b[5] >> 5);
    frequency <= 12 && length >= 7
}

/// An MPEG audio layer III frame header: 11 sync bits, a valid version, layer III, a bit rate
/// index other than "free" and "bad", a valid sampling rate index.
fn is_mp3_frame_header(b: &[u8]) -> bool {
    if b.len() < 4 || b[0] != 0xff || b[1] & 0xe0 != 0xe0 {
        return false;
    }
    let version = (b[1] >> 3) & 0b11; // 01 is reserved
    let layer = (b[1] >> 1) & 0b11; // 01 = layer III
    let bitrate = b[2] >> 4;
    let rate = (b[2] >> 2) & 0b11;
    version != 0b01 && layer == 0b01 && bitrate != 0 && bitrate != 0xf && rate != 0b11
}

/// What the first bytes name, for the "unsupported format" message.
fn describe(head: &[u8]) -> String {
    let known: &[(&[u8], usize, &str)] = &[
        (b"FORM", 0, "an IFF file that is not AIFF (8SVX?)"),
        (b"caff", 0, "Core Audio (CAF) of an unknown version"),
        (b"RIFF", 0, "a RIFF file that is not WAVE (AVI?)"),
        (b"OggS", 0, "OGG with a codec other than Vorbis or Opus"),
        (
            b"#!AMR",
            0,
            "multichannel AMR (#!AMR_MC1.0 or #!AMR-WB_MC1.0; emovox reads single-channel AMR)",
        ),
        (b"MAC ", 0, "Monkey's Audio"),
        (b"wvpk", 0, "WavPack"),
        (b"%PDF", 0, "PDF"),
        (b"\x89PNG", 0, "PNG"),
        (b"\xff\xd8\xff", 0, "JPEG"),
        (b"PK\x03\x04", 0, "ZIP"),
    ];
    if head.starts_with(b"RIFF") && head.len() < 12 {
        return format!("a RIFF header cut short ({} bytes)", head.len());
    }
    for (magic, at, name) in known {
        if head.get(*at..).is_some_and(|h| h.starts_with(magic)) {
            return format!("{name} content");
        }
    }
    if head.len() >= 2 && head[0] == 0xff && head[1] & 0xf6 == 0xf0 {
        return "raw AAC (ADTS) with MPEG-2 IDs, CRCs or a damaged first frame header, which \
                emovox does not read: put it in an M4A container (ffmpeg -i in.aac -c copy \
                out.m4a)"
            .into();
    }
    let shown: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "content not recognised as WAV, FLAC, MP3, OGG Vorbis/Opus, MP4, WebM, AIFF, CAF, \
         ADTS AAC or AMR (first bytes {})",
        shown.join(" ")
    )
}

/// Tells the format of a seekable stream from its content, looking past an ID3v2 tag (MP3 and
/// FLAC files may start with one); leaves the stream at its start.
///
/// Errors: [`AudioError::EmptyFile`] for zero bytes, [`AudioError::UnsupportedFormat`] for
/// content of no supported format (or of one whose Cargo feature is off), and
/// [`AudioError::CorruptStream`] for an ID3v2 tag running past the end of the stream.
pub fn detect_format_of<R: Read + Seek>(reader: &mut R) -> Result<AudioFormat, AudioError> {
    let io = |source| AudioError::Io {
        path: "<stream>".into(),
        source,
    };
    let end = reader.seek(SeekFrom::End(0)).map_err(io)?;
    if end == 0 {
        return Err(AudioError::EmptyFile);
    }
    let mut head = [0u8; HEAD];
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    let n = read_up_to(reader, &mut head).map_err(io)?;
    let mut format = detect_format(&head[..n]);
    if format.is_none() && n >= 10 && &head[..3] == b"ID3" {
        // ID3v2: 10 bytes of header, a 28-bit "syncsafe" size, 10 more bytes if a footer flag.
        let size = head[6..10]
            .iter()
            .fold(0u64, |acc, &b| (acc << 7) | u64::from(b & 0x7f));
        let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
        let after = 10 + size + footer;
        if after >= end {
            reader.seek(SeekFrom::Start(0)).map_err(io)?;
            return Err(AudioError::CorruptStream {
                format: "ID3v2",
                reason: format!("the tag declares {after} bytes, the file holds {end}"),
            });
        }
        reader.seek(SeekFrom::Start(after)).map_err(io)?;
        let n = read_up_to(reader, &mut head).map_err(io)?;
        format = match detect_format(&head[..n]) {
            Some(f @ (AudioFormat::Flac | AudioFormat::Mp3 | AudioFormat::Adts)) => Some(f),
            // Encoders may leave padding or junk before the first frame: symphonia resyncs.
            _ if head[..n].contains(&0xff) || head[..n].iter().all(|&b| b == 0) => {
                Some(AudioFormat::Mp3)
            }
            _ => None,
        };
    }
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    match format {
        Some(f) if f.is_enabled() => Ok(f),
        Some(f) => Err(AudioError::UnsupportedFormat(format!(
            "{f} (this build of emovox-audio has its Cargo feature off)"
        ))),
        None => Err(AudioError::UnsupportedFormat(describe(&head[..n]))),
    }
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(detect_format(b"fLaC"), Some(AudioFormat::Flac));
        assert_eq!(
            detect_format(b"\0\0\0\x20ftypM4A \0\0\0\0"),
            Some(AudioFormat::Mp4)
        );
        // MPEG-2 layer III at 16 kHz (ffmpeg's libmp3lame output of a 16 kHz clip).
        assert_eq!(detect_format(b"\xff\xf3\x84\xc4"), Some(AudioFormat::Mp3));
        // Layer II and a free-format bit rate are not layer III MP3; ADTS AAC is its own.
        assert_eq!(detect_format(b"\xff\xfd\x90\x64"), None);
        assert_eq!(
            detect_format(b"\xff\xf1\x50\x80\x2e\x7f\xfc"),
            Some(AudioFormat::Adts)
        );
        // An ADTS sync with a reserved sampling frequency index (13) or a frame shorter than
        // its header is not taken for AAC.
        assert_eq!(detect_format(b"\xff\xf1\x74\x80\x2e\x7f\xfc"), None);
        assert_eq!(detect_format(b"\xff\xf1\x50\x80\x00\x1f\xfc"), None);
        assert_eq!(
            detect_format(b"FORM\0\0\x10\0AIFFCOMM"),
            Some(AudioFormat::Aiff)
        );
        assert_eq!(
            detect_format(b"FORM\0\0\x10\0AIFCFVER"),
            Some(AudioFormat::Aiff)
        );
        assert_eq!(detect_format(b"FORM\0\0\x10\08SVX"), None);
        assert_eq!(
            detect_format(b"caff\x00\x01\x00\x00desc"),
            Some(AudioFormat::Caf)
        );
        assert_eq!(detect_format(b"\xff\xfb\x00\x64"), None);
        assert_eq!(detect_format(b""), None);
        assert_eq!(detect_format(b"OggS"), None);
        // Matroska's EBML magic: WebM (what is inside is the demuxer's to check).
        assert_eq!(
            detect_format(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81"),
            Some(AudioFormat::WebM)
        );
    }

    #[test]
    fn descriptions_name_what_they_can() {
        assert!(describe(b"FORM\0\0\0\x048SVX").contains("not AIFF"));
        assert!(describe(b"RIFF").contains("cut short"));
        assert!(describe(b"RIFF\0\0\0\x04AVI LIST").contains("not WAVE"));
        assert!(describe(b"\xff\xf1\x50\x80").contains("ADTS"));
        // MPEG-2 ADTS and ADTS with CRCs are named, not read.
        assert_eq!(detect_format(b"\xff\xf9\x50\x80\x2e\x7f\xfc"), None);
        assert_eq!(detect_format(b"\xff\xf0\x50\x80\x2e\x7f\xfc"), None);
        assert!(describe(b"\xff\xf9\x50\x80\x2e\x7f\xfc").contains("MPEG-2"));
        assert!(describe(b"hello").contains("68 65 6c 6c 6f"));
    }
}
