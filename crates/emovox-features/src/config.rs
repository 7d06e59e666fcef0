use serde::{Deserialize, Serialize};

/// Parameters of a (log-)mel spectrogram, named as in librosa. Read from JSON, a field this
/// version does not know (a misspelt `f_max`, a newer version's setting) is an error, never
/// skipped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MelConfig {
    /// Sample rate of the input signal, in Hz.
    pub sample_rate: u32,
    /// FFT size.
    pub n_fft: usize,
    /// Window length (periodic Hann, centred in the FFT frame), at most `n_fft`.
    pub win_length: usize,
    /// Hop between frames, in samples (1..=[`MAX_HOP_LENGTH`]).
    pub hop_length: usize,
    /// Number of mel bands (Slaney scale, Slaney area normalisation).
    pub n_mels: usize,
    /// Lowest filter edge, in Hz.
    pub fmin: f32,
    /// Highest filter edge, in Hz; `None` means `sample_rate / 2`.
    pub fmax: Option<f32>,
    /// Dynamic range kept by `power_to_db` below the clip's maximum; `None` keeps everything.
    pub top_db: Option<f32>,
}

/// Parameters of an MFCC extractor: a mel spectrogram plus the DCT stage. Unknown fields are
/// refused when read, as in [`MelConfig`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfccConfig {
    /// The mel spectrogram the cepstrum is taken from.
    pub mel: MelConfig,
    /// Number of cepstral coefficients kept.
    pub n_mfcc: usize,
    /// Cepstral liftering coefficient (librosa's `lifter`); 0 disables it.
    pub lifter: f32,
}

/// Which time-frequency representation a model consumes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeatureKind {
    /// Log-mel spectrogram in dB, shape (n_mels, frames).
    LogMel(MelConfig),
    /// MFCC, shape (n_mfcc, frames).
    Mfcc(MfccConfig),
}

/// Everything needed to turn samples into a model's input, stored in every model file.
///
/// Read from JSON (a model file, a training recipe), a field this version does not know is an
/// error, at every level of the spec, never skipped: a misspelt `"preprocesing"` would
/// otherwise serve a model without the preprocessing it was trained with. Deserialising does
/// not check ranges: [`FeatureSpec::validate`] (which [`crate::FeaturePipeline::new`] and
/// [`crate::FrontEnd::new`] call) does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    /// The base representation.
    pub kind: FeatureKind,
    /// How many delta orders are stacked as extra channels (0, 1 or 2).
    pub delta_orders: usize,
    /// Width of the delta window (librosa's `width`, odd, 3..=[`MAX_DELTA_WIDTH`]).
    pub delta_width: usize,
    /// Whether each utterance is normalised to zero mean and unit variance per bin.
    pub utterance_norm: bool,
    /// Prosody appended to the base bins: pitch contour and voicing strength
    /// ([`crate::PitchTracker`]), two more bins per frame; `None` (the default, and what model
    /// files written before this field hold) leaves them out.
    #[serde(default)]
    pub pitch: Option<crate::PitchConfig>,
    /// What is done to the samples before any feature (trimming, level normalisation); the
    /// default, and what model files written before this field hold, does nothing.
    #[serde(default)]
    pub preprocessing: crate::Preprocessing,
}

/// The widest delta window a [`FeatureSpec`] accepts (librosa's `width`; the project's specs
/// use 9).
pub const MAX_DELTA_WIDTH: usize = 99;

/// The longest hop a [`MelConfig`] accepts, in samples: the largest `n_fft`.
pub const MAX_HOP_LENGTH: usize = 65_536;

/// Which settings and signals a feature plan accepts.
///
/// [`Acceptance::Strict`] is what [`crate::FeaturePipeline`] (so the classifier and training)
/// and the plans' `new` constructors use; [`Acceptance::Librosa`] is for the librosa-compatible
/// functions (Python's `emovox.feature.mfcc` and `melspectrogram`), which compute whatever
/// librosa 0.11 computes, including what librosa only warns about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Acceptance {
    /// emovox's own checks: at most one mel band per FFT bin, `fmax` at most Nyquist, a
    /// signal at least one window (`win_length`) long.
    #[default]
    Strict,
    /// librosa's: up to [`crate::MAX_DCT_BANDS`] mel bands whatever the number of FFT bins and
    /// any finite `fmax` above `fmin` (bands with no FFT bin under them are empty, as librosa's,
    /// see [`crate::MelFilterbank::has_empty_filters`]), and any non-empty signal, zero-padded
    /// as librosa's centred STFT pads it (a 1-sample signal gives one frame), with librosa's
    /// number of frames for an odd `n_fft` too ([`crate::PowerSpectrogram::frames_for`]).
    Librosa,
}

fn invalid(message: impl Into<String>) -> crate::FeatureError {
    crate::FeatureError::InvalidConfig(message.into())
}

/// Refuses a sample rate outside [`emovox_audio::MIN_SAMPLE_RATE`]..=
/// [`emovox_audio::MAX_SAMPLE_RATE`] (1000..=768000 Hz), the rates emovox reads and resamples.
pub(crate) fn check_sample_rate(sample_rate: u32) -> Result<(), crate::FeatureError> {
    let (min, max) = (emovox_audio::MIN_SAMPLE_RATE, emovox_audio::MAX_SAMPLE_RATE);
    if (min..=max).contains(&sample_rate) {
        Ok(())
    } else {
        Err(invalid(format!(
            "sample_rate {sample_rate} Hz is outside {min}..={max}"
        )))
    }
}

impl MelConfig {
    /// The speech setting at 16 kHz: n_fft 512, 25 ms window (400), 10 ms hop (160), 0-8000 Hz,
    /// `n_mels` bands, top_db 80.
    pub fn speech_with_mels(n_mels: usize) -> Self {
        Self {
            sample_rate: 16_000,
            n_fft: 512,
            win_length: 400,
            hop_length: 160,
            n_mels,
            fmin: 0.0,
            fmax: Some(8_000.0),
            top_db: Some(80.0),
        }
    }

    /// [`MelConfig::speech_with_mels`] with 40 bands.
    pub fn speech() -> Self {
        Self::speech_with_mels(40)
    }

    /// librosa's own defaults at `sample_rate`: n_fft 2048, hop 512, 128 bands, 0 Hz to Nyquist.
    pub fn librosa(sample_rate: u32) -> Self {
        Self {
            sample_rate,
            n_fft: 2048,
            win_length: 2048,
            hop_length: 512,
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            top_db: Some(80.0),
        }
    }

    /// The upper filter edge in Hz (`fmax`, or Nyquist when unset).
    pub fn fmax_hz(&self) -> f32 {
        self.fmax.unwrap_or(self.sample_rate as f32 / 2.0)
    }

    /// Checks every parameter is in range; extractors call this before planning.
    pub fn validate(&self) -> Result<(), crate::FeatureError> {
        self.validate_with(Acceptance::Strict)
    }

    /// Checks every parameter is in the range `acceptance` allows ([`MelConfig::validate`] is
    /// [`Acceptance::Strict`]).
    pub fn validate_with(&self, acceptance: Acceptance) -> Result<(), crate::FeatureError> {
        check_sample_rate(self.sample_rate)?;
        if !(2..=65_536).contains(&self.n_fft) {
            return Err(invalid(format!(
                "n_fft {} is outside 2..=65536",
                self.n_fft
            )));
        }
        if self.win_length == 0 || self.win_length > self.n_fft {
            return Err(invalid(format!(
                "win_length {} must be in 1..=n_fft ({})",
                self.win_length, self.n_fft
            )));
        }
        if !(1..=MAX_HOP_LENGTH).contains(&self.hop_length) {
            return Err(invalid(format!(
                "hop_length {} is outside 1..={MAX_HOP_LENGTH} (the largest n_fft)",
                self.hop_length
            )));
        }
        self.validate_bands(acceptance)?;
        if let Some(top_db) = self.top_db {
            if !(top_db.is_finite() && top_db >= 0.0) {
                return Err(invalid(format!("top_db {top_db} must be finite and >= 0")));
            }
        }
        Ok(())
    }
}

impl MelConfig {
    /// The mel band checks of [`MelConfig::validate_with`]: `n_mels` and `fmin`..`fmax`.
    fn validate_bands(&self, acceptance: Acceptance) -> Result<(), crate::FeatureError> {
        let (most_mels, what) = match acceptance {
            Acceptance::Strict => (self.n_fft / 2 + 1, "the number of FFT bins"),
            Acceptance::Librosa => (crate::MAX_DCT_BANDS, "the most emovox plans"),
        };
        if self.n_mels == 0 || self.n_mels > most_mels {
            return Err(invalid(format!(
                "n_mels {} must be in 1..={most_mels} ({what})",
                self.n_mels
            )));
        }
        let nyquist = self.sample_rate as f32 / 2.0;
        let fmax = self.fmax_hz();
        if !(self.fmin.is_finite() && self.fmin >= 0.0) {
            return Err(invalid(format!(
                "fmin {} must be finite and >= 0",
                self.fmin
            )));
        }
        let fmax_ok = match acceptance {
            Acceptance::Strict => fmax <= nyquist,
            Acceptance::Librosa => true,
        };
        if !(fmax.is_finite() && fmax > self.fmin && fmax_ok) {
            // The strict message is the one model files have always been refused with.
            let (what, bound) = match acceptance {
                Acceptance::Strict => ("", format!(" and at most Nyquist ({nyquist})")),
                Acceptance::Librosa => ("finite and ", String::new()),
            };
            return Err(invalid(format!(
                "fmax {fmax} must be {what}above fmin ({}){bound}",
                self.fmin
            )));
        }
        Ok(())
    }
}

impl MfccConfig {
    /// The speech preset: 16 kHz, n_fft 512, win 400, hop 160, 40 mels, 0-8000 Hz, 40 MFCC.
    pub fn speech() -> Self {
        Self {
            mel: MelConfig::speech(),
            n_mfcc: 40,
            lifter: 0.0,
        }
    }

    /// librosa's `feature.mfcc` defaults at `sample_rate`: 20 MFCC over [`MelConfig::librosa`].
    pub fn librosa(sample_rate: u32) -> Self {
        Self {
            mel: MelConfig::librosa(sample_rate),
            n_mfcc: 20,
            lifter: 0.0,
        }
    }

    /// Checks every parameter is in range; [`crate::Mfcc::new`] calls this.
    pub fn validate(&self) -> Result<(), crate::FeatureError> {
        self.validate_with(Acceptance::Strict)
    }

    /// Checks every parameter is in the range `acceptance` allows ([`MfccConfig::validate`] is
    /// [`Acceptance::Strict`]).
    pub fn validate_with(&self, acceptance: Acceptance) -> Result<(), crate::FeatureError> {
        self.mel.validate_with(acceptance)?;
        if self.n_mfcc == 0 || self.n_mfcc > self.mel.n_mels {
            return Err(invalid(format!(
                "n_mfcc {} must be in 1..=n_mels ({})",
                self.n_mfcc, self.mel.n_mels
            )));
        }
        if !(self.lifter.is_finite() && self.lifter >= 0.0) {
            return Err(invalid(format!(
                "lifter {} must be finite and >= 0",
                self.lifter
            )));
        }
        Ok(())
    }
}

impl FeatureKind {
    /// The mel spectrogram settings underneath either representation.
    pub fn mel(&self) -> &MelConfig {
        match self {
            FeatureKind::LogMel(mel) => mel,
            FeatureKind::Mfcc(mfcc) => &mfcc.mel,
        }
    }

    /// Number of bins per frame: mel bands or cepstral coefficients.
    pub fn n_bins(&self) -> usize {
        match self {
            FeatureKind::LogMel(mel) => mel.n_mels,
            FeatureKind::Mfcc(mfcc) => mfcc.n_mfcc,
        }
    }
}

impl FeatureSpec {
    /// Bins per frame of every channel: the base representation's, plus the pitch rows.
    pub fn n_bins(&self) -> usize {
        let pitch = if self.pitch.is_some() {
            crate::pitch::PITCH_ROWS
        } else {
            0
        };
        self.kind.n_bins() + pitch
    }

    /// Checks the representation, the delta, the pitch and the preprocessing settings.
    pub fn validate(&self) -> Result<(), crate::FeatureError> {
        match &self.kind {
            FeatureKind::LogMel(mel) => mel.validate()?,
            FeatureKind::Mfcc(mfcc) => mfcc.validate()?,
        }
        if self.delta_orders > 2 {
            return Err(invalid(format!(
                "delta_orders {} must be 0, 1 or 2",
                self.delta_orders
            )));
        }
        let width = self.delta_width;
        if self.delta_orders > 0
            && (!(3..=MAX_DELTA_WIDTH).contains(&width) || width.is_multiple_of(2))
        {
            return Err(invalid(format!(
                "delta_width {width} must be odd and in 3..={MAX_DELTA_WIDTH}"
            )));
        }
        if let Some(pitch) = &self.pitch {
            pitch.validate(self.kind.mel().sample_rate)?;
        }
        self.preprocessing.validate(self.kind.mel().sample_rate)
    }
}
