//! Extracts MFCCs, librosa-exact, from a WAV file or every WAV below a folder.
//!
//! ```sh
//! cargo run --release --example mfcc -- IN.wav --out OUT.npy [--preset speech|librosa]
//! cargo run --release --example mfcc -- CORPUS_DIR [--out OUT_DIR] [--threads 2]
//! ```
//!
//! Writes float32 `.npy` arrays of shape (n_mfcc, frames), as `librosa.feature.mfcc` returns
//! them, and always prints one JSON line of throughput figures at the end, where
//! `mfcc_seconds` times feature extraction only (decoding excluded).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use emovox_features::{Mfcc, MfccConfig};
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
    /// A WAV file, or a folder searched recursively for WAV files.
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
    /// Worker threads for a folder (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

impl Args {
    /// The MFCC configuration: the preset, then every explicit option on top of it.
    fn config(&self, file_rate: u32) -> MfccConfig {
        let mut config = match self.preset {
            Preset::Speech => MfccConfig::speech(),
            Preset::Librosa => MfccConfig::librosa(self.sample_rate.unwrap_or(file_rate)),
        };
        let mel = &mut config.mel;
        if let Some(sr) = self.sample_rate {
            mel.sample_rate = sr;
        }
        if let Some(n) = self.n_fft {
            mel.n_fft = n;
            mel.win_length = self.win_length.unwrap_or(n);
        }
        mel.win_length = self.win_length.unwrap_or(mel.win_length);
        mel.hop_length = self.hop_length.unwrap_or(mel.hop_length);
        mel.n_mels = self.n_mels.unwrap_or(mel.n_mels);
        mel.fmin = self.fmin.unwrap_or(mel.fmin);
        if self.fmax.is_some() {
            mel.fmax = self.fmax;
        }
        config.n_mfcc = self.n_mfcc.unwrap_or(config.n_mfcc);
        config
    }
}

/// MFCC plans built once per input sample rate and shared by all worker threads.
#[derive(Default)]
struct Plans(Mutex<BTreeMap<u32, Arc<Mfcc>>>);

impl Plans {
    fn for_rate(
        &self,
        args: &Args,
        file_rate: u32,
    ) -> Result<Arc<Mfcc>, emovox_features::FeatureError> {
        let mut plans = self
            .0
            .lock()
            .expect("no thread panics while holding the lock");
        if let Some(plan) = plans.get(&file_rate) {
            return Ok(plan.clone());
        }
        let plan = Arc::new(Mfcc::new(args.config(file_rate))?);
        plans.insert(file_rate, plan.clone());
        Ok(plan)
    }
}

/// One decoded input, resampled to the rate its MFCC plan expects.
struct Decoded {
    file: PathBuf,
    samples: Vec<f32>,
    plan: Arc<Mfcc>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;

    let files = if args.input.is_dir() {
        emovox_train::corpus::wav_files(&args.input)?
    } else {
        vec![args.input.clone()]
    };
    let plans = Plans::default();

    // Phase 1: decode (and resample) every file in parallel.
    let start = Instant::now();
    let decoded: Vec<Result<Decoded, String>> = files
        .par_iter()
        .map(|file| decode(&args, &plans, file).map_err(|e| format!("{}: {e}", file.display())))
        .collect();
    let decode_seconds = start.elapsed().as_secs_f64();
    let (decoded, mut failures): (Vec<Decoded>, Vec<String>) = split_results(decoded);

    // Phase 2: feature extraction only, timed on the wall clock.
    let start = Instant::now();
    let extracted: Vec<Result<ndarray::Array2<f32>, String>> = decoded
        .par_iter()
        .map(|d| {
            d.plan
                .compute(&d.samples)
                .map_err(|e| format!("{}: {e}", d.file.display()))
        })
        .collect();
    let mfcc_seconds = start.elapsed().as_secs_f64();

    // Phase 3: write the arrays and add up the totals.
    let (mut frames, mut audio_seconds, mut done) = (0usize, 0.0f64, 0usize);
    for (input, result) in decoded.iter().zip(extracted) {
        let written = result.and_then(|mfcc| {
            if let Some(out) = output_path(&args, &input.file) {
                write_npy(&out, &mfcc).map_err(|e| format!("{}: {e}", out.display()))?;
            }
            Ok(mfcc.ncols())
        });
        match written {
            Ok(n) => {
                frames += n;
                audio_seconds +=
                    input.samples.len() as f64 / input.plan.config().mel.sample_rate as f64;
                done += 1;
            }
            Err(message) => failures.push(message),
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
            "threads": threads,
        })
    );
    if !failures.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// Separates successes from error messages, keeping order.
fn split_results<T>(results: Vec<Result<T, String>>) -> (Vec<T>, Vec<String>) {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(value) => ok.push(value),
            Err(message) => errors.push(message),
        }
    }
    (ok, errors)
}

/// Where the array of `file` goes: `--out` itself for a single file, or the file's relative
/// path under `--out` with a `.npy` extension for a folder.
fn output_path(args: &Args, file: &Path) -> Option<PathBuf> {
    let out = args.out.as_ref()?;
    if args.input.is_dir() {
        let relative = file.strip_prefix(&args.input).unwrap_or(file);
        Some(out.join(relative).with_extension("npy"))
    } else {
        Some(out.clone())
    }
}

fn decode(args: &Args, plans: &Plans, file: &Path) -> Result<Decoded, Box<dyn std::error::Error>> {
    let audio = emovox_audio::read_wav(file)?;
    let plan = plans.for_rate(args, audio.sample_rate)?;
    let rate = plan.config().mel.sample_rate;
    let samples = if audio.sample_rate == rate {
        audio.samples
    } else {
        emovox_audio::resample(&audio.samples, audio.sample_rate, rate)?
    };
    Ok(Decoded {
        file: file.to_owned(),
        samples,
        plan,
    })
}

/// Writes a C-order float32 array as a version 1.0 `.npy` file.
fn write_npy(path: &Path, array: &ndarray::Array2<f32>) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let (rows, cols) = array.dim();
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Magic (6) + version (2) + length (2) + header + '\n' must be a multiple of 64.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut bytes = Vec::with_capacity(10 + header.len() + 4 * rows * cols);
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in array.as_standard_layout().iter() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes)
}
