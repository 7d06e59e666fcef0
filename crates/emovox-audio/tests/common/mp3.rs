//! A long MP3 made without an encoder: the audio frames of a committed MPEG-1 layer III
//! fixture (its ID3 tag and Xing/Info frame dropped), repeated. Used by the bounded-memory test
//! and the decoding bench.

/// Byte ranges of the MPEG-1 layer III frames of `mp3`, after any ID3v2 tag.
pub fn frames(mp3: &[u8]) -> Vec<std::ops::Range<usize>> {
    const KBPS: [usize; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const RATES: [usize; 3] = [44_100, 48_000, 32_000];
    let mut at = 0;
    if mp3.starts_with(b"ID3") {
        let size = mp3[6..10]
            .iter()
            .fold(0usize, |acc, &b| (acc << 7) | (b & 0x7f) as usize);
        at = 10 + size;
    }
    let mut out = Vec::new();
    while at + 4 <= mp3.len() {
        let h = &mp3[at..at + 4];
        // MPEG-1 (0b11), layer III (0b01).
        if h[0] != 0xff || h[1] & 0xfe != 0xfa {
            break;
        }
        let kbps = KBPS[(h[2] >> 4) as usize % 15];
        let rate = RATES[((h[2] >> 2) & 3) as usize % 3];
        let len = 144_000 * kbps / rate + ((h[2] >> 1) & 1) as usize;
        if len == 0 || at + len > mp3.len() {
            break;
        }
        out.push(at..at + len);
        at += len;
    }
    out
}

/// At least `seconds` of MP3: the fixture's audio frames repeated (1152 samples each).
pub fn long_mp3(fixture: &[u8], seconds: f64, rate: f64) -> Vec<u8> {
    let frames = frames(fixture);
    // The first frame is the Xing/Info header: its frame count would end the stream early.
    let audio = &frames[1..];
    let needed = (seconds * rate / 1152.0).ceil() as usize;
    let mut out = Vec::new();
    for i in 0..needed {
        out.extend_from_slice(&fixture[audio[i % audio.len()].clone()]);
    }
    out
}
