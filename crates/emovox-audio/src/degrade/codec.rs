//! A lossy speech codec round trip: the clip encoded with libopus at a given bitrate and decoded
//! again, as a voice message, a WebRTC call or a VoIP recording is heard; or with AMR-NB, as a
//! mobile phone call is.

use rand::Rng;

use super::DegradeError;

/// `x` (mono, at `sample_rate` Hz) through libopus (`OPUS_APPLICATION_VOIP`, 20 ms frames,
/// variable bitrate at `kbps` kbit/s, complexity 5) and back, each packet lost with
/// probability `loss` percent (drawn from `rng`) and then concealed by the decoder; aligned to
/// the input (the encoder's look-ahead removed) and of the input's length.
#[cfg(feature = "opus")]
pub(crate) fn opus_round_trip(
    x: Vec<f32>,
    sample_rate: u32,
    kbps: u32,
    loss: f32,
    rng: &mut impl Rng,
) -> Result<Vec<f32>, DegradeError> {
    use super::channel::resample_cached;

    let len = x.len();
    let mut lost = || loss > 0.0 && rng.gen::<f32>() * 100.0 < loss;
    if libopus::RATES.contains(&sample_rate) {
        let mut out = libopus::code(&x, sample_rate, kbps, &mut lost)?;
        out.truncate(len);
        return Ok(out);
    }
    let rate = libopus::FALLBACK_RATE;
    let coded = libopus::code(
        &resample_cached(&x, sample_rate, rate)?,
        rate,
        kbps,
        &mut lost,
    )?;
    let mut out = resample_cached(&coded, rate, sample_rate)?;
    out.resize(len, 0.0);
    Ok(out)
}

/// Without the `opus` feature there is no encoder: a clear error, not a silent clean clip.
#[cfg(not(feature = "opus"))]
pub(crate) fn opus_round_trip(
    _x: Vec<f32>,
    _sample_rate: u32,
    _kbps: u32,
    _loss: f32,
    _rng: &mut impl Rng,
) -> Result<Vec<f32>, DegradeError> {
    Err(DegradeError::Codec(
        "the opus condition needs emovox-audio's `opus` feature (libopus)".to_string(),
    ))
}

/// `x` (mono, at `sample_rate` Hz) over a mobile phone call's codec: resampled to 8 kHz, through
/// AMR-NB at `kbps` kbit/s (opencore-amr's 3GPP reference encoder and decoder,
/// [`crate::amr`]) and back to `sample_rate`, of the input's length.
#[cfg(feature = "amr")]
pub(crate) fn amr_round_trip(
    x: Vec<f32>,
    sample_rate: u32,
    kbps: f32,
) -> Result<Vec<f32>, DegradeError> {
    use super::channel::resample_cached;

    const RATE: u32 = 8_000;
    let narrow = if sample_rate == RATE {
        x.clone()
    } else {
        resample_cached(&x, sample_rate, RATE)?
    };
    let coded = crate::amr::nb_round_trip(&narrow, kbps)
        .ok_or_else(|| DegradeError::Codec(format!("AMR-NB could not code {kbps} kbit/s")))?;
    let mut out = if sample_rate == RATE {
        coded
    } else {
        resample_cached(&coded, RATE, sample_rate)?
    };
    out.resize(x.len(), 0.0);
    Ok(out)
}

/// Without the `amr` feature there is no encoder: a clear error, not a silent clean clip.
#[cfg(not(feature = "amr"))]
pub(crate) fn amr_round_trip(
    _x: Vec<f32>,
    _sample_rate: u32,
    _kbps: f32,
) -> Result<Vec<f32>, DegradeError> {
    Err(DegradeError::Codec(
        "the amr condition needs emovox-audio's `amr` feature (opencore-amr)".to_string(),
    ))
}

#[cfg(feature = "opus")]
mod libopus {
    use opus::{Application, Bitrate, Channels, Decoder, Encoder};

    use super::DegradeError;

    /// Rates libopus encodes and decodes natively; a clip at another rate is resampled to
    /// [`FALLBACK_RATE`] and back.
    pub(super) const RATES: [u32; 5] = [8_000, 12_000, 16_000, 24_000, 48_000];
    /// The rate a clip at another rate is coded at.
    pub(super) const FALLBACK_RATE: u32 = 48_000;
    /// Opus frames of 20 ms (the VoIP default).
    const FRAMES_PER_SECOND: u32 = 50;
    /// Enough for any 20 ms Opus packet (RFC 6716 allows at most 1275 bytes per frame).
    const MAX_PACKET: usize = 1_275;
    /// Encoder complexity, 0-10 (libopus's default is 10): 5 codes a 2 s clip in 7-13 ms here,
    /// half the time of 10.
    const COMPLEXITY: i32 = 5;

    fn codec_error(error: opus::Error) -> DegradeError {
        DegradeError::Codec(error.to_string())
    }

    /// Encodes and decodes `x` at one of [`RATES`], each packet for which `lost()` says so
    /// concealed instead of decoded; the output starts where the input does and is at least
    /// as long.
    pub(super) fn code(
        x: &[f32],
        rate: u32,
        kbps: u32,
        lost: &mut impl FnMut() -> bool,
    ) -> Result<Vec<f32>, DegradeError> {
        let frame = (rate / FRAMES_PER_SECOND) as usize;
        let mut encoder =
            Encoder::new(rate, Channels::Mono, Application::Voip).map_err(codec_error)?;
        encoder
            .set_bitrate(Bitrate::Bits(kbps as i32 * 1_000))
            .map_err(codec_error)?;
        encoder.set_complexity(COMPLEXITY).map_err(codec_error)?;
        let lookahead = encoder.get_lookahead().map_err(codec_error)?.max(0) as usize;
        let mut decoder = Decoder::new(rate, Channels::Mono).map_err(codec_error)?;

        // Zeros after the clip flush the look-ahead; the last frame is zero-padded.
        let frames = (x.len() + lookahead).div_ceil(frame);
        let mut input = vec![0.0f32; frame];
        let mut packet = vec![0u8; MAX_PACKET];
        let mut out = vec![0.0f32; frames * frame];
        for (index, decoded) in out.chunks_exact_mut(frame).enumerate() {
            let start = (index * frame).min(x.len());
            let end = (start + frame).min(x.len());
            input.fill(0.0);
            input[..end - start].copy_from_slice(&x[start..end]);
            let bytes = encoder
                .encode_float(&input, &mut packet)
                .map_err(codec_error)?;
            // An empty packet asks libopus to conceal a lost one.
            let received = if lost() { &[][..] } else { &packet[..bytes] };
            let samples = decoder
                .decode_float(received, decoded, false)
                .map_err(codec_error)?;
            if samples != frame {
                return Err(DegradeError::Codec(format!(
                    "libopus decoded {samples} samples of a {frame}-sample frame"
                )));
            }
        }
        out.drain(..lookahead);
        Ok(out)
    }
}

#[cfg(all(test, feature = "opus"))]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn seeded(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    /// A voiced, speech-like test signal: a 150 Hz pulse train shaped by two formants,
    /// amplitude-modulated at 4 Hz (syllables).
    fn voice(rate: u32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / rate as f32;
                let syllable = 0.5 - 0.5 * (std::f32::consts::TAU * 4.0 * t).cos();
                let f0 = 150.0;
                let tone: f32 = (1..20)
                    .map(|h| {
                        let f = f0 * h as f32;
                        let formants = 1.0 / (1.0 + ((f - 700.0) / 150.0).powi(2))
                            + 0.5 / (1.0 + ((f - 1_800.0) / 200.0).powi(2));
                        formants * (std::f32::consts::TAU * f * t).sin()
                    })
                    .sum();
                0.1 * syllable * tone
            })
            .collect()
    }

    fn correlation_at(x: &[f32], y: &[f32], lag: isize) -> f64 {
        let mut sum = 0.0f64;
        for (i, &a) in x.iter().enumerate() {
            let j = i as isize + lag;
            if j >= 0 && (j as usize) < y.len() {
                sum += a as f64 * y[j as usize] as f64;
            }
        }
        sum
    }

    fn snr_db(reference: &[f32], coded: &[f32]) -> f64 {
        let signal: f64 = reference.iter().map(|&s| (s as f64).powi(2)).sum();
        let error: f64 = reference
            .iter()
            .zip(coded)
            .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
            .sum();
        10.0 * (signal / error).log10()
    }

    #[test]
    fn the_coded_clip_is_aligned_with_the_input_and_as_long() {
        let x = voice(16_000, 1.3);
        let y = opus_round_trip(x.clone(), 16_000, 32, 0.0, &mut seeded(0)).unwrap();
        assert_eq!(y.len(), x.len());
        // The look-ahead is removed: the best alignment is at lag 0, not 6.5 ms later.
        let best = (-200isize..=200)
            .max_by(|&a, &b| {
                correlation_at(&x, &y, a)
                    .partial_cmp(&correlation_at(&x, &y, b))
                    .unwrap()
            })
            .unwrap();
        assert!(best.abs() <= 1, "best lag {best}");
    }

    #[test]
    fn a_higher_bitrate_codes_closer_to_the_input() {
        let x = voice(16_000, 2.0);
        let low = snr_db(
            &x,
            &opus_round_trip(x.clone(), 16_000, 8, 0.0, &mut seeded(0)).unwrap(),
        );
        let high = snr_db(
            &x,
            &opus_round_trip(x.clone(), 16_000, 64, 0.0, &mut seeded(0)).unwrap(),
        );
        assert!(high > low + 3.0, "8 kbps {low:.1} dB, 64 kbps {high:.1} dB");
        assert!(high > 10.0, "64 kbps {high:.1} dB");
    }

    #[test]
    fn a_clip_at_another_rate_is_coded_through_48_khz() {
        let x = voice(22_050, 1.0);
        let y = opus_round_trip(x.clone(), 22_050, 48, 0.0, &mut seeded(0)).unwrap();
        assert_eq!(y.len(), x.len());
        assert!(snr_db(&x, &y) > 6.0, "{:.1} dB", snr_db(&x, &y));
    }

    /// The 20 ms frames (at 16 kHz) where `y` differs from `reference`.
    fn frames_differing(reference: &[f32], y: &[f32]) -> Vec<usize> {
        reference
            .chunks(320)
            .zip(y.chunks(320))
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn lost_packets_are_concealed_where_the_seed_says() {
        let x = voice(16_000, 4.0);
        let intact = opus_round_trip(x.clone(), 16_000, 16, 0.0, &mut seeded(1)).unwrap();
        let lossy = opus_round_trip(x.clone(), 16_000, 16, 20.0, &mut seeded(1)).unwrap();
        assert_eq!(lossy.len(), x.len());
        assert_eq!(
            lossy,
            opus_round_trip(x.clone(), 16_000, 16, 20.0, &mut seeded(1)).unwrap()
        );
        assert_ne!(
            lossy,
            opus_round_trip(x.clone(), 16_000, 16, 20.0, &mut seeded(2)).unwrap()
        );
        // About a fifth of the 200 packets lost: the output differs from the intact decode
        // from the first lost frame on (the decoder's state carries the loss forward), and the
        // concealment fills the gaps with sound rather than silence.
        let differing = frames_differing(&intact, &lossy);
        assert!(!differing.is_empty() && differing[0] < 40, "{differing:?}");
        let energy = |y: &[f32]| y.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>();
        assert!(energy(&lossy) > 0.5 * energy(&intact));
        assert!(snr_db(&x, &lossy) < snr_db(&x, &intact) - 1.0);
    }

    #[test]
    fn coding_is_deterministic() {
        let x = voice(16_000, 0.5);
        assert_eq!(
            opus_round_trip(x.clone(), 16_000, 12, 0.0, &mut seeded(0)).unwrap(),
            opus_round_trip(x, 16_000, 12, 0.0, &mut seeded(0)).unwrap()
        );
    }
}
