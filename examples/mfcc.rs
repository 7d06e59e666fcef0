//! Extracts MFCCs, librosa-exact, from an audio file or every audio file below a folder.
//!
//! ```sh
//! cargo run --release --example mfcc -- IN.wav --out OUT.npy [--preset speech|librosa]
//! RAYON_NUM_THREADS=2 cargo run --release --example mfcc -- CORPUS_DIR [--out OUT_DIR]
//! ```
//!
//! Writes float32 `.npy` arrays of shape (n_mfcc, frames), as `librosa.feature.mfcc` returns
//! them (for a folder, `OUT_DIR/<relative path>.npy`: `Actor_01/x.wav.npy`); prints one JSON
//! line of throughput (`mfcc_seconds`: extraction only, no decoding).

use std::collections::{btree_map::Entry, BTreeMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use emovox_features::{Mfcc, MfccConfig};
use ndarray::Array2;
use rayon::prelude::*;

/// Named starting points for the MFCC parameters.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Preset {
    /// 16 kHz, n_fft 512, win 400, hop 160, 40 mels, 0-8000 Hz, 40 MFCC.
    Speech,
    /// librosa's defaults: 20 MFCC, n_fft 2048, hop 512, 128 mels (at the file's rate).
    Librosa,
}

/// Extract MFCCs exactly as librosa 0.11 does.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// An audio file (WAV, FLAC, MP3, OGG, WebM/MKV, M4A, AIFF, CAF, AAC), or a folder of them.
    input: PathBuf,
    /// Output .npy (for a file) or output folder (for a folder); omitted: nothing is written.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Parameter preset; the options below override it.
    #[arg(long, value_enum, default_value = "speech")]
    preset: Preset,
    /// Number of coefficients.
    #[arg(long)]
    n_mfcc: Option<usize>,
    /// FFT size.
    #[arg(long)]
    n_fft: Option<usize>,
    /// Window length (samples).
    #[arg(long)]
    win_length: Option<usize>,
    /// Hop length (samples).
    #[arg(long)]
    hop_length: Option<usize>,
    /// Number of mel bands.
    #[arg(long)]
    n_mels: Option<usize>,
    /// Lowest mel frequency (Hz).
    #[arg(long)]
    fmin: Option<f32>,
    /// Highest mel frequency (Hz).
    #[arg(long)]
    fmax: Option<f32>,
    /// Rate the audio is resampled to before extraction (Hz).
    #[arg(long)]
    sample_rate: Option<u32>,
}

impl Args {
    /// The MFCC configuration: the preset, then every explicit option on top of it.
    fn config(&self, file_rate: u32) -> MfccConfig {
        let mut config = match self.preset {
            Preset::Speech => MfccConfig::speech(),
            Preset::Librosa => MfccConfig::librosa(self.sample_rate.unwrap_or(file_rate)),
        };
        let mel = &mut config.mel;
        mel.sample_rate = self.sample_rate.unwrap_or(mel.sample_rate);
        mel.n_fft = self.n_fft.unwrap_or(mel.n_fft);
        // A window as long as the FFT unless told, as librosa's win_length=None.
        mel.win_length = self.win_length.or(self.n_fft).unwrap_or(mel.win_length);
        mel.hop_length = self.hop_length.unwrap_or(mel.hop_length);
        mel.n_mels = self.n_mels.unwrap_or(mel.n_mels);
        mel.fmin = self.fmin.unwrap_or(mel.fmin);
        mel.fmax = self.fmax.or(mel.fmax);
        config.n_mfcc = self.n_mfcc.unwrap_or(config.n_mfcc);
        config
    }
}

/// MFCC plans, one per input sample rate, shared by the worker threads.
type Plans = Mutex<BTreeMap<u32, Arc<Mfcc>>>;

/// One decoded input (file, samples at its plan's rate, plan).
type Decoded = (PathBuf, Vec<f32>, Arc<Mfcc>);

/// Any error of one file, reported with its path.
type Failure = Box<dyn std::error::Error>;

/// Files run in parallel on rayon's pool: all cores, or `RAYON_NUM_THREADS`.
fn main() -> Result<(), Failure> {
    let args = Args::parse();
    let files = if args.input.is_dir() {
        emovox_corpus::audio_files(&args.input)?
    } else {
        vec![args.input.clone()]
    };
    let plans = Plans::default();

    // Decode (and resample) every file in parallel, then extract features (timed alone).
    let start = Instant::now();
    let decoded: Vec<Result<Decoded, String>> = files
        .par_iter()
        .map(|file| decode(&args, &plans, file).map_err(|e| format!("{}: {e}", file.display())))
        .collect();
    let decode_seconds = start.elapsed().as_secs_f64();
    let mut failures = Vec::new();
    let decoded: Vec<Decoded> = (decoded.into_iter())
        .filter_map(|d| d.map_err(|e| failures.push(e)).ok())
        .collect();

    let start = Instant::now();
    let extracted: Vec<_> = decoded
        .par_iter()
        .map(|(_, x, plan)| plan.compute(x))
        .collect();
    let mfcc_seconds = start.elapsed().as_secs_f64();

    let (mut frames, mut audio_seconds, mut done) = (0usize, 0.0f64, 0usize);
    for ((file, samples, plan), result) in decoded.iter().zip(extracted) {
        match result
            .map_err(Into::into)
            .and_then(|m| write_output(&args, file, &m))
        {
            Ok(n) => {
                frames += n;
                audio_seconds += samples.len() as f64 / plan.config().mel.sample_rate as f64;
                done += 1;
            }
            Err(e) => failures.push(format!("{}: {e}", file.display())),
        }
    }
    for message in &failures {
        eprintln!("error: {message}");
    }
    println!(
        "{}",
        serde_json::json!({
            "files": done,
            "audio_seconds": audio_seconds,
            "frames": frames,
            "decode_seconds": decode_seconds,
            "mfcc_seconds": mfcc_seconds,
            "frames_per_second": frames as f64 / mfcc_seconds,
            "x_realtime": audio_seconds / mfcc_seconds,
            "threads": rayon::current_num_threads(),
        })
    );
    // Exit status 1 when any file failed (each was reported above).
    std::process::exit(i32::from(!failures.is_empty()))
}

/// Reads any format emovox decodes and resamples it to the rate of its plan (built once per
/// input rate).
fn decode(args: &Args, plans: &Plans, file: &Path) -> Result<Decoded, Failure> {
    let audio = emovox_audio::read_audio(file)?;
    let plan = match plans.lock().expect("no panics").entry(audio.sample_rate) {
        Entry::Occupied(plan) => plan.get().clone(),
        Entry::Vacant(slot) => slot
            .insert(Arc::new(Mfcc::new(args.config(audio.sample_rate))?))
            .clone(),
    };
    let rate = plan.config().mel.sample_rate;
    let samples = emovox_audio::resample(&audio.samples, audio.sample_rate, rate)?;
    Ok((file.to_owned(), samples, plan))
}

/// Writes the array of `file` as float32 `.npy` (nothing without `--out`): at `--out` for a
/// file, for a folder at the file's path below it with `.npy` appended; returns its frames.
fn write_output(args: &Args, file: &Path, mfcc: &Array2<f32>) -> Result<usize, Failure> {
    if let Some(out) = &args.out {
        let path = if args.input.is_dir() {
            emovox_corpus::mirrored_path(out, &args.input, file, ".npy")
        } else {
            out.clone()
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        ndarray_npy::write_npy(path, mfcc)?;
    }
    Ok(mfcc.ncols())
}
