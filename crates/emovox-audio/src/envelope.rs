//! [`peak_envelope`]: the outline of a recording for drawing its waveform, read in chunks.

use std::path::Path;

use crate::{open_audio_stream, AudioError, AudioStream};

/// Peak absolute amplitude of an audio file in `columns` equal slices of its first
/// `duration_seconds` (samples past them count in the last slice), read chunk by chunk so memory
/// does not grow with the length of the file. `columns` = 0 gives an empty envelope.
///
/// ```no_run
/// let peaks = emovox_audio::peak_envelope("talk.mp3", 60.0, 1200)?;
/// assert_eq!(peaks.len(), 1200);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn peak_envelope(
    path: impl AsRef<Path>,
    duration_seconds: f64,
    columns: usize,
) -> Result<Vec<f32>, AudioError> {
    if columns == 0 {
        return Ok(Vec::new());
    }
    peak_envelope_of(
        &mut open_audio_stream(path, 65_536)?,
        duration_seconds,
        columns,
    )
}

/// [`peak_envelope`] of an audio stream opened by the caller (one channel of a file, say:
/// [`crate::open_audio_stream_with`]), read to its end.
pub fn peak_envelope_of(
    stream: &mut AudioStream,
    duration_seconds: f64,
    columns: usize,
) -> Result<Vec<f32>, AudioError> {
    let mut peaks = vec![0.0f32; columns];
    if columns == 0 {
        return Ok(peaks);
    }
    let samples = (duration_seconds.max(0.0) * f64::from(stream.sample_rate())).ceil() as usize;
    let per_column = samples.div_ceil(columns).max(1);
    let mut position = 0usize;
    let mut chunk = Vec::new();
    while stream.read_chunk(&mut chunk)? {
        for &s in &chunk {
            let column = (position / per_column).min(columns - 1);
            peaks[column] = peaks[column].max(s.abs());
            position += 1;
        }
    }
    Ok(peaks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_follow_the_loud_part() {
        let path = std::env::temp_dir().join(format!("emovox-envelope-{}.wav", std::process::id()));
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        // 1 s silent, 1 s at half scale, 1 s silent.
        for i in 0..24_000 {
            let s = if (8_000..16_000).contains(&i) {
                16_384
            } else {
                0
            };
            writer.write_sample(s as i16).unwrap();
        }
        writer.finalize().unwrap();
        let peaks = peak_envelope(&path, 3.0, 3).unwrap();
        assert_eq!(peaks.len(), 3);
        assert_eq!(peaks[0], 0.0);
        assert!((peaks[1] - 0.5).abs() < 1e-3, "{peaks:?}");
        assert_eq!(peaks[2], 0.0);
        assert!(peak_envelope(&path, 3.0, 0).unwrap().is_empty());
        assert!(matches!(
            peak_envelope(path.with_extension("missing"), 3.0, 3),
            Err(AudioError::Io { .. })
        ));
        std::fs::remove_file(path).unwrap();
    }
}
