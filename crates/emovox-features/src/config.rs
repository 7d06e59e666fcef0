use serde::{Deserialize, Serialize};

/// Parameters of a (log-)mel spectrogram, named as in librosa.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MelConfig {
    /// Sample rate of the input signal, in Hz.
    pub sample_rate: u32,
    /// FFT size.
    pub n_fft: usize,
    /// Window length (periodic Hann, centred in the FFT frame), at most `n_fft`.
    pub win_length: usize,
    /// Hop between frames, in samples.
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

/// Parameters of an MFCC extractor: a mel spectrogram plus the DCT stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// The base representation.
    pub kind: FeatureKind,
    /// How many delta orders are stacked as extra channels (0, 1 or 2).
    pub delta_orders: usize,
    /// Width of the delta window (librosa's `width`, odd, at least 3).
    pub delta_width: usize,
    /// Whether each utterance is normalised to zero mean and unit variance per bin.
    pub utterance_norm: bool,
}
