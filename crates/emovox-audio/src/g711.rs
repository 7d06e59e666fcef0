//! G.711, the 8-bit logarithmic codings of telephony (mu-law in North America and Japan,
//! A-law elsewhere), and WAV files that store it (format tags 7 and 6): what call recorders,
//! telephone systems and contact-centre archives keep. [`crate::riff`] walks their chunks as
//! any WAV file's; here each byte is expanded to the 16-bit value of ITU-T G.711 (libsndfile's
//! tables) and scaled by 1/32768, so the samples equal `soundfile.read`, hence `librosa.load`,
//! exactly; channels are averaged as for PCM.

/// The bias of mu-law's segments.
const ULAW_BIAS: i32 = 0x84;

/// Which G.711 law a file is coded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Law {
    /// A-law (format tag 6).
    A,
    /// Mu-law (format tag 7).
    Mu,
}

/// G.711 mu-law encoding of a 16-bit sample (the classic segment-table form).
pub(crate) fn linear_to_ulaw(sample: i16) -> u8 {
    const CLIP: i32 = 32_635;
    let mut pcm = sample as i32;
    let sign = if pcm < 0 {
        pcm = -pcm;
        0x80
    } else {
        0
    };
    let pcm = pcm.min(CLIP) + ULAW_BIAS;
    // pcm is in 132..=32767, so pcm >> 7 is in 1..=255.
    let exponent = 31 - ((pcm >> 7) as u32).leading_zeros() as i32;
    let mantissa = (pcm >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// G.711 mu-law decoding to a 16-bit sample.
pub(crate) const fn ulaw_to_linear(code: u8) -> i16 {
    let code = !code;
    let exponent = ((code >> 4) & 0x07) as i32;
    let mantissa = (code & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if code & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// G.711 A-law decoding to a 16-bit sample.
pub(crate) const fn alaw_to_linear(code: u8) -> i16 {
    let code = code ^ 0x55;
    let segment = ((code >> 4) & 0x07) as i32;
    let mut magnitude = ((code & 0x0F) as i32) << 4;
    magnitude += if segment == 0 { 8 } else { 0x108 };
    if segment > 1 {
        magnitude <<= segment - 1;
    }
    if code & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

/// Every code's sample, scaled by 1/32768 as libsndfile scales 16-bit values.
const fn table(law: Law) -> [f32; 256] {
    let mut out = [0.0f32; 256];
    let mut code = 0;
    while code < 256 {
        let linear = match law {
            Law::A => alaw_to_linear(code as u8),
            Law::Mu => ulaw_to_linear(code as u8),
        };
        out[code] = linear as f32 / 32_768.0;
        code += 1;
    }
    out
}

static ALAW: [f32; 256] = table(Law::A);
static MULAW: [f32; 256] = table(Law::Mu);

/// The table of `law`: every code's sample, scaled by 1/32768.
pub(crate) fn table_of(law: Law) -> &'static [f32; 256] {
    match law {
        Law::A => &ALAW,
        Law::Mu => &MULAW,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_libsndfiles() {
        // Ends and middles of libsndfile's ulaw_decode / alaw_decode (and ITU-T G.711's).
        assert_eq!(ulaw_to_linear(0x00), -32_124);
        assert_eq!(ulaw_to_linear(0x7F), 0);
        assert_eq!(ulaw_to_linear(0x80), 32_124);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x70), -120);
        assert_eq!(alaw_to_linear(0x00), -5_504);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x2A), -32_256);
        assert_eq!(alaw_to_linear(0xAA), 32_256);
        // Every mu-law code survives encoding its own value.
        for code in 0..=255u8 {
            let linear = ulaw_to_linear(code);
            assert_eq!(ulaw_to_linear(linear_to_ulaw(linear)), linear, "{code:#x}");
        }
    }
}
