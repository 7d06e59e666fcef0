//! [`FrontEnd`]: the features of several views computed with one shared front end.

use std::borrow::Borrow;

use ndarray::Array3;

use crate::enclosing::Enclosing;
use crate::error::check_signal;
use crate::logmel::SpectralScratch;
use crate::pitch::{FrameAnalysis, PitchScratch};
use crate::{FeatureError, FeaturePipeline, FeatureScratch, FeatureSpec, MelConfig, Preprocessing};

/// Where one view's intermediate results come from: the index of its group at each stage.
#[derive(Clone, Copy, Debug)]
struct Route {
    preparation: usize,
    spectrum: usize,
    pitch: Option<usize>,
    /// An earlier view with the same spec, whose output this view copies.
    twin: Option<usize>,
}

/// The features of several [`FeatureSpec`]s (the views of a multi-view model) from one clip,
/// each intermediate result computed once for all the views that share it:
///
/// - the clip is resampled once (the views must share a sample rate);
/// - it is preprocessed once per distinct [`crate::Preprocessing`], and a preprocessing that
///   only adds trimming to another's trims that one's output (the level step is shared);
/// - the power spectrogram, mel filterbank and dB conversion run once per distinct
///   (preprocessing, [`crate::MelConfig`]): a log-mel view and an MFCC view over the same mel
///   settings share them, the MFCC being the DCT of that log-mel;
/// - when a trimmed clip starts a whole number of hops into the untrimmed one, its spectrogram
///   and its pitch track take the untrimmed clip's frames whose windows lie inside it (for the
///   spectrogram, with the same frame settings; its `top_db` floor may differ), and compute
///   only their edge frames;
/// - the pitch track runs once per distinct (preprocessing, [`crate::PitchConfig`], hop);
/// - views with equal specs (an ensemble's members) are assembled once and copied.
///
/// Each view's output is exactly what its own [`FeaturePipeline::compute`] gives (the same
/// code computes every stage; tested bit for bit), with one exception: a trimmed clip keeps at
/// least the longest [`FeaturePipeline::min_samples`] of the views sharing its preprocessing,
/// so where trimming leaves less than that, a view needing fewer samples gets the wider clip
/// (where its own pipeline would keep less; the clip would otherwise fail the other views).
///
/// ```
/// use emovox_features::{
///     FeatureKind, FeaturePipeline, FeatureScratch, FeatureSpec, FrontEnd, MelConfig, MfccConfig,
/// };
///
/// let mfcc = FeatureSpec {
///     kind: FeatureKind::Mfcc(MfccConfig { mel: MelConfig::speech_with_mels(64), n_mfcc: 40, lifter: 0.0 }),
///     delta_orders: 2,
///     delta_width: 9,
///     utterance_norm: false,
///     pitch: None,
///     preprocessing: Default::default(),
/// };
/// let log_mel = FeatureSpec { kind: FeatureKind::LogMel(MelConfig::speech_with_mels(64)), ..mfcc.clone() };
/// let front_end = FrontEnd::new(vec![log_mel.clone(), mfcc])?;
/// let clip: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.05).sin()).collect();
/// let mut scratch = FeatureScratch::new();
/// let mut views = Vec::new();
/// front_end.compute_into(&clip, 16_000, &mut scratch, &mut views)?;
/// assert_eq!(views[0], FeaturePipeline::new(log_mel)?.compute(&clip, 16_000)?);
/// assert_eq!(views[1].shape(), &[3, 40, 101]);
/// # Ok::<(), emovox_features::FeatureError>(())
/// ```
#[derive(Debug)]
pub struct FrontEnd {
    views: Vec<FeaturePipeline>,
    routes: Vec<Route>,
    /// For each group of each stage, the view whose plans compute it.
    preparations: Vec<usize>,
    /// For each preprocessing group, an earlier group whose clip before trimming it trims (the
    /// first group taking the same steps before trimming).
    trimmed_from: Vec<Option<usize>>,
    /// For each preprocessing group, the fewest samples its trimming keeps: the longest
    /// [`FeaturePipeline::min_samples`] of its views.
    min_kept: Vec<usize>,
    spectra: Vec<usize>,
    /// For each spectral group, an earlier one with the same frame settings over the clip this
    /// group's clip trims.
    spectrum_enclosing: Vec<Option<usize>>,
    pitches: Vec<usize>,
    /// For each pitch group, an earlier pitch group with the same tracker over the clip this
    /// group's clip trims.
    pitch_enclosing: Vec<Option<usize>>,
}

/// Groups equal keys: for each key, the index of its group (`None` for no key), and for each
/// group, the index of its first key.
fn group<K: PartialEq>(keys: &[Option<K>]) -> (Vec<Option<usize>>, Vec<usize>) {
    let mut leaders: Vec<usize> = Vec::new();
    let groups = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let key = key.as_ref()?;
            let found = leaders
                .iter()
                .position(|&leader| keys[leader].as_ref() == Some(key));
            Some(found.unwrap_or_else(|| {
                leaders.push(i);
                leaders.len() - 1
            }))
        })
        .collect();
    (groups, leaders)
}

/// For each group of a stage (given by its leading view), an earlier group of that stage over
/// the clip this group's clip trims whose leader computes frames the same way (`same_frames`),
/// if any: the group whose inner frames this one can copy.
fn enclosing_groups(
    leaders: &[usize],
    preparation_of: &[usize],
    trimmed_from: &[Option<usize>],
    same_frames: impl Fn(usize, usize) -> bool,
) -> Vec<Option<usize>> {
    leaders
        .iter()
        .enumerate()
        .map(|(g, &leader)| {
            let source = trimmed_from[preparation_of[leader]]?;
            (0..g).find(|&h| {
                let other = leaders[h];
                preparation_of[other] == source && same_frames(other, leader)
            })
        })
        .collect()
}

/// For each of `groups` preprocessing groups, the longest [`FeaturePipeline::min_samples`] of
/// its views (`preparation_of[v]`: view `v`'s group): the fewest samples its trimming keeps.
fn min_kept(views: &[FeaturePipeline], preparation_of: &[usize], groups: usize) -> Vec<usize> {
    let mut min_kept = vec![0usize; groups];
    for (view, &g) in views.iter().zip(preparation_of) {
        min_kept[g] = min_kept[g].max(view.min_samples());
    }
    min_kept
}

impl FrontEnd {
    /// Validates every spec and plans the shared stages. Errors: an invalid spec (as
    /// [`FeaturePipeline::new`]), no spec at all ([`FeatureError::NoViews`]), or specs at
    /// different sample rates ([`FeatureError::MixedSampleRates`]).
    pub fn new(specs: impl IntoIterator<Item = FeatureSpec>) -> Result<Self, FeatureError> {
        let views = specs
            .into_iter()
            .map(FeaturePipeline::new)
            .collect::<Result<Vec<_>, _>>()?;
        let first = views.first().ok_or(FeatureError::NoViews)?.sample_rate();
        if let Some(other) = views.iter().find(|v| v.sample_rate() != first) {
            return Err(FeatureError::MixedSampleRates {
                first,
                other: other.sample_rate(),
            });
        }
        let keys: Vec<_> = views
            .iter()
            .map(|v| Some(&v.spec().preprocessing))
            .collect();
        let (preparation_of, preparations) = group(&keys);
        let preparation_of: Vec<usize> = preparation_of.into_iter().flatten().collect();
        let preprocessing = |g: usize| &views[preparations[g]].spec().preprocessing;
        let trimmed_from: Vec<Option<usize>> = (0..preparations.len())
            .map(|g| (0..g).find(|&h| preprocessing(g).trims_levelled_clip_of(preprocessing(h))))
            .collect();
        let min_kept = min_kept(&views, &preparation_of, preparations.len());
        let keys: Vec<_> = views
            .iter()
            .zip(&preparation_of)
            .map(|(v, &p)| Some((p, v.spec().kind.mel())))
            .collect();
        let (spectrum_of, spectra) = group(&keys);
        // The frame settings of a view's spectrogram: its mel settings but the clip-wide floor.
        let frame_settings = |v: usize| MelConfig {
            top_db: None,
            ..views[v].spec().kind.mel().clone()
        };
        let spectrum_enclosing =
            enclosing_groups(&spectra, &preparation_of, &trimmed_from, |a, b| {
                frame_settings(a) == frame_settings(b)
            });
        let keys: Vec<_> = views
            .iter()
            .zip(&preparation_of)
            .map(|(v, &p)| {
                let pitch = v.spec().pitch.as_ref()?;
                Some((p, pitch, v.hop_length()))
            })
            .collect();
        let (pitch_of, pitches) = group(&keys);
        let pitch_enclosing = enclosing_groups(&pitches, &preparation_of, &trimmed_from, |a, b| {
            views[a].spec().pitch == views[b].spec().pitch
                && views[a].hop_length() == views[b].hop_length()
        });
        let keys: Vec<_> = views.iter().map(|v| Some(v.spec())).collect();
        let (twin_of, twins) = group(&keys);
        let routes = preparation_of
            .iter()
            .zip(spectrum_of)
            .zip(pitch_of)
            .zip(twin_of)
            .enumerate()
            .map(|(i, (((&preparation, spectrum), pitch), twin))| Route {
                preparation,
                spectrum: spectrum.expect("every view has a spectrum"),
                pitch,
                twin: twin.map(|g| twins[g]).filter(|&leader| leader != i),
            })
            .collect();
        Ok(Self {
            views,
            routes,
            preparations,
            trimmed_from,
            min_kept,
            spectra,
            spectrum_enclosing,
            pitches,
            pitch_enclosing,
        })
    }

    /// The pipeline of every view, in view order.
    pub fn views(&self) -> &[FeaturePipeline] {
        &self.views
    }

    /// Sample rate every view works at, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.views[0].sample_rate()
    }

    /// The preprocessing of preprocessing group `g`.
    fn preprocessing(&self, g: usize) -> &Preprocessing {
        &self.views[self.preparations[g]].spec().preprocessing
    }

    /// The features of every view for `samples` (mono, at `sample_rate` Hz), in view order.
    /// Allocates its working memory and outputs: [`FrontEnd::compute_into`] reuses them.
    pub fn compute(
        &self,
        samples: &[f32],
        sample_rate: u32,
    ) -> Result<Vec<Array3<f32>>, FeatureError> {
        let mut views = Vec::new();
        self.compute_into(samples, sample_rate, &mut FeatureScratch::new(), &mut views)?;
        Ok(views)
    }

    /// [`FrontEnd::compute`] with caller-owned buffers: `scratch` holds the working memory and
    /// `views` receives one array per view (resized to the number of views; an array is
    /// replaced only when its shape differs from the result's).
    pub fn compute_into(
        &self,
        samples: &[f32],
        sample_rate: u32,
        scratch: &mut FeatureScratch,
        views: &mut Vec<Array3<f32>>,
    ) -> Result<(), FeatureError> {
        check_signal(samples, 1)?;
        scratch.fit_groups(
            self.preparations.len(),
            self.spectra.len(),
            self.pitches.len(),
        );
        let FeatureScratch {
            resampled,
            powers,
            prepared,
            levelled,
            kept_ranges,
            kept_starts,
            log_mel,
            pitch,
            pitch_frames,
            spectral,
            tracking,
        } = scratch;
        // Views share the rate: the first one's resampler cache serves them all.
        let input = self.views[0].resample_into(samples, sample_rate, resampled)?;
        let groups = Preparations {
            levelled,
            prepared,
            kept_ranges,
            kept_starts,
        };
        self.prepare_into(input, powers, groups);
        let clips = Clips {
            input,
            prepared,
            kept_starts,
        };
        for (view, route) in self.views.iter().zip(&self.routes) {
            view.check_length(clips.of(self, route.preparation))?;
        }
        self.spectra_into(&clips, spectral, log_mel)?;
        self.pitch_tracks_into(&clips, tracking, pitch_frames, pitch)?;
        views.resize_with(self.views.len(), || Array3::zeros((0, 0, 0)));
        for (i, (view, route)) in self.views.iter().zip(&self.routes).enumerate() {
            let (done, rest) = views.split_at_mut(i);
            let out = &mut rest[0];
            match route.twin {
                // The twin comes first: its output is ready.
                Some(twin) => out.clone_from(&done[twin]),
                None => {
                    let pitch_rows = route.pitch.map(|p| pitch[p].as_slice());
                    view.assemble_into(&log_mel[route.spectrum], pitch_rows, out)?;
                }
            }
        }
        Ok(())
    }

    /// Every spectral group's log-mel spectrogram into `log_mel`: in dB first, every group, so
    /// that a trimmed group copies from its untrimmed one before that one's floor; then each
    /// group's own floor.
    fn spectra_into(
        &self,
        clips: &Clips<'_>,
        scratch: &mut SpectralScratch,
        log_mel: &mut [Vec<f32>],
    ) -> Result<(), FeatureError> {
        for (s, &leader) in self.spectra.iter().enumerate() {
            let preparation = self.routes[leader].preparation;
            let plan = self.views[leader].log_mel_plan();
            let (done, rest) = log_mel.split_at_mut(s);
            let hop = plan.config().hop_length;
            let enclosing = clips.shared(self.spectrum_enclosing[s], preparation, hop, done);
            plan.db_into(
                clips.of(self, preparation),
                enclosing,
                scratch,
                &mut rest[0],
            )?;
        }
        for (&leader, values) in self.spectra.iter().zip(log_mel.iter_mut()) {
            self.views[leader].log_mel_plan().apply_floor(values);
        }
        Ok(())
    }

    /// Every pitch group's rows into `rows`, its frame analysis into `frames`.
    fn pitch_tracks_into(
        &self,
        clips: &Clips<'_>,
        scratch: &mut PitchScratch,
        frames: &mut [FrameAnalysis],
        rows: &mut [Vec<f32>],
    ) -> Result<(), FeatureError> {
        for (p, (&leader, rows)) in self.pitches.iter().zip(rows.iter_mut()).enumerate() {
            let preparation = self.routes[leader].preparation;
            let tracker = self.views[leader]
                .pitch_tracker()
                .expect("pitch groups hold views with pitch");
            let (done, rest) = frames.split_at_mut(p);
            let hop = tracker.hop_length();
            let enclosing = clips.shared(self.pitch_enclosing[p], preparation, hop, done);
            tracker.compute_into(
                clips.of(self, preparation),
                enclosing,
                scratch,
                &mut rest[0],
                rows,
            )?;
        }
        Ok(())
    }

    /// Each preprocessing group's clip into `groups.prepared` (left untouched for the
    /// identity), the part of its clip before trimming it keeps into `groups.kept_ranges`, and
    /// where it starts in the clip of the group whose levelled clip it trims into
    /// `groups.kept_starts` (`None` when it is not inside that clip, or trims no other's).
    fn prepare_into(&self, input: &[f32], powers: &mut Vec<f64>, groups: Preparations<'_>) {
        let Preparations {
            levelled,
            prepared,
            kept_ranges,
            kept_starts,
        } = groups;
        let rate = self.sample_rate();
        for g in 0..self.preparations.len() {
            let preprocessing = self.preprocessing(g);
            let (done, rest) = prepared.split_at_mut(g);
            let out = &mut rest[0];
            kept_starts[g] = None;
            kept_ranges[g] = match self.trimmed_from[g] {
                Some(h) => {
                    // A source that trims keeps its levelled clip beside its own.
                    let source: &[f32] = if self.preprocessing(h).trims() {
                        &levelled[h]
                    } else {
                        &done[h]
                    };
                    let range =
                        preprocessing.trim_into((source, rate), self.min_kept[g], powers, out);
                    let outer = &kept_ranges[h];
                    kept_starts[g] = (outer.start <= range.start && range.end <= outer.end)
                        .then(|| range.start - outer.start);
                    range
                }
                None if preprocessing.is_identity() => 0..input.len(),
                None if preprocessing.trims() && self.trimmed_from.contains(&Some(g)) => {
                    let levelled = &mut levelled[g];
                    preprocessing.level_into(input, rate, powers, levelled);
                    preprocessing.trim_into((levelled, rate), self.min_kept[g], powers, out)
                }
                None => {
                    preprocessing.apply_into(input, rate, powers, self.min_kept[g], out);
                    0..out.len()
                }
            };
        }
    }
}

/// The per-group buffers of [`FrontEnd::prepare_into`] (see [`FeatureScratch`]).
struct Preparations<'a> {
    levelled: &'a mut [Vec<f32>],
    prepared: &'a mut [Vec<f32>],
    kept_ranges: &'a mut [std::ops::Range<usize>],
    kept_starts: &'a mut [Option<usize>],
}

/// The clips of one call: the input at the views' rate, each preprocessing group's clip, and
/// where each trimmed clip starts in the clip it trims.
struct Clips<'a> {
    input: &'a [f32],
    prepared: &'a [Vec<f32>],
    kept_starts: &'a [Option<usize>],
}

impl<'a> Clips<'a> {
    /// The clip of preprocessing group `g` of `front_end`.
    fn of(&self, front_end: &FrontEnd, g: usize) -> &'a [f32] {
        if front_end.preprocessing(g).is_identity() {
            self.input
        } else {
            &self.prepared[g]
        }
    }

    /// What the clip of `preparation` takes from the results of a stage's group it copies from
    /// (`enclosing`, planned by [`enclosing_groups`], among `done`), when it lies inside that
    /// group's clip and its start is on the grid of `hop` samples.
    fn shared<'b, T: ?Sized, R: Borrow<T>>(
        &self,
        enclosing: Option<usize>,
        preparation: usize,
        hop: usize,
        done: &'b [R],
    ) -> Option<Enclosing<'b, T>> {
        let (group, start) = (enclosing?, self.kept_starts[preparation]?);
        start.is_multiple_of(hop).then(|| Enclosing {
            source: done[group].borrow(),
            shift: start / hop,
        })
    }
}
