//! `emovox.Classifier`: the facade's [`emovox::Classifier`] with predictions as Python dicts.

use std::path::{Path, PathBuf};

use emovox::audio::Channels;
use emovox::timeline::Segment;
use emovox::{Error, Prediction};
use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rayon::prelude::*;

use crate::arrays::contiguous;
use crate::error::{to_py_err, IntoPyResult};

/// The native classifier; `emovox.Classifier` (Python) wraps it.
#[pyclass(frozen, module = "emovox._emovox", name = "NativeClassifier")]
struct NativeClassifier {
    inner: emovox::Classifier,
}

/// `{"label", "confidence", "probabilities": {label: p}, "novelty", "unfamiliar"}` of a
/// prediction.
fn prediction_dict<'py>(py: Python<'py>, prediction: &Prediction) -> PyResult<Bound<'py, PyDict>> {
    let probabilities = PyDict::new(py);
    for (label, p) in &prediction.probabilities {
        probabilities.set_item(label, p)?;
    }
    let dict = PyDict::new(py);
    dict.set_item("label", &prediction.label)?;
    dict.set_item("confidence", prediction.confidence)?;
    dict.set_item("probabilities", probabilities)?;
    dict.set_item("novelty", prediction.novelty)?;
    dict.set_item("unfamiliar", prediction.unfamiliar)?;
    Ok(dict)
}

/// `{"start", "end", "label", "confidence", "probabilities": {label: p}, "novelty"}` of a
/// segment.
fn segment_dict<'py>(
    py: Python<'py>,
    segment: &Segment,
    labels: &[String],
) -> PyResult<Bound<'py, PyDict>> {
    let probabilities = PyDict::new(py);
    for (label, p) in labels.iter().zip(&segment.probabilities) {
        probabilities.set_item(label, p)?;
    }
    let dict = PyDict::new(py);
    dict.set_item("start", segment.start)?;
    dict.set_item("end", segment.end)?;
    dict.set_item("label", &segment.label)?;
    dict.set_item("confidence", segment.confidence)?;
    dict.set_item("probabilities", probabilities)?;
    dict.set_item("novelty", segment.novelty)?;
    Ok(dict)
}

#[pymethods]
impl NativeClassifier {
    /// The bundled model.
    #[staticmethod]
    fn bundled(py: Python<'_>) -> PyResult<Self> {
        let inner = py.detach(emovox::Classifier::bundled).py()?;
        Ok(Self { inner })
    }

    /// A model file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| emovox::Classifier::load(&path)).py()?;
        Ok(Self { inner })
    }

    /// The labels, in probability order.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    /// The model's sample rate.
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// The novelty above which a clip is unfamiliar, if the model has one.
    #[getter]
    fn novelty_threshold(&self) -> Option<f32> {
        self.inner.novelty_threshold()
    }

    /// One clip's prediction.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        y: PyReadonlyArray1<'py, f32>,
        sr: u32,
    ) -> PyResult<Bound<'py, PyDict>> {
        let samples = contiguous(&y)?;
        let prediction = py.detach(|| self.inner.predict(samples, sr)).py()?;
        prediction_dict(py, &prediction)
    }

    /// Every clip's prediction, in parallel; a clip that fails is its exception object in the
    /// returned list, and the others are still predicted.
    fn predict_batch<'py>(
        &self,
        py: Python<'py>,
        clips: Vec<PyReadonlyArray1<'py, f32>>,
        sr: u32,
    ) -> PyResult<Bound<'py, PyList>> {
        let slices = clips.iter().map(contiguous).collect::<PyResult<Vec<_>>>()?;
        let results: Vec<Result<Prediction, Error>> = py.detach(|| {
            slices
                .par_iter()
                .map(|samples| self.inner.predict(samples, sr))
                .collect()
        });
        let items = results
            .iter()
            .map(|result| match result {
                Ok(prediction) => Ok(prediction_dict(py, prediction)?.into_any()),
                Err(error) => Ok(to_py_err(error).into_value(py).into_bound(py).into_any()),
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    /// Every file decoded and predicted, in parallel, the GIL released: one `(file index,
    /// channel, prediction dict or exception)` per clip, in file order. With `each_channel`
    /// every channel is a clip (channel 0, 1, ...), otherwise the channels' mean (channel
    /// `None`); a file that cannot be decoded is one clip, its exception, with channel `None`.
    fn predict_files<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<PathBuf>,
        each_channel: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let results: Vec<Vec<FileClip>> = py.detach(|| {
            paths
                .par_iter()
                .map(|path| file_clips(&self.inner, path, each_channel))
                .collect()
        });
        let mut items = Vec::new();
        for (index, clips) in results.iter().enumerate() {
            for (channel, result) in clips {
                let value = match result {
                    Ok(prediction) => prediction_dict(py, prediction)?.into_any(),
                    Err(error) => to_py_err(error).into_value(py).into_bound(py).into_any(),
                };
                items.push((index, *channel, value));
            }
        }
        PyList::new(py, items)
    }

    /// The smoothed emotion timeline of a recording, its windows adapted to the recording
    /// when `adapt` is true. The shortest audio classified (the default 1 s) is lowered to
    /// `window` when the window is shorter, as the HTTP server does: Python cannot set it. A
    /// window shorter than the model's shortest clip (one feature frame) is refused.
    #[pyo3(signature = (y, sr, window, hop, adapt))]
    fn timeline<'py>(
        &self,
        py: Python<'py>,
        y: PyReadonlyArray1<'py, f32>,
        sr: u32,
        window: f64,
        hop: f64,
        adapt: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let samples = contiguous(&y)?;
        let config = self
            .inner
            .segment_config(window, hop)
            .map_err(|e| PyValueError::new_err(format!("timeline: {e}")))?;
        let timeline = py
            .detach(|| {
                let timeline = self.inner.predict_segments(samples, sr, &config)?;
                Ok::<_, Error>(if adapt {
                    emovox::adaptation::adapt_timeline(&timeline, &config)?
                } else {
                    timeline
                })
            })
            .py()?;
        let segments = timeline
            .smoothed
            .iter()
            .map(|segment| segment_dict(py, segment, &timeline.labels))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, segments)
    }
}

/// One clip of a file: its channel (`None`: the channels' mean, or the whole file when it
/// could not be decoded) and its prediction.
type FileClip = (Option<usize>, Result<Prediction, Error>);

/// The clips of the file at `path`, predicted: the channels' mean, or with `each_channel` each
/// channel in turn (one decode each) until the file has no more.
fn file_clips(classifier: &emovox::Classifier, path: &Path, each_channel: bool) -> Vec<FileClip> {
    if !each_channel {
        return vec![(None, classifier.predict_file(path))];
    }
    let mut clips = Vec::new();
    for channel in 0.. {
        match emovox::audio::read_audio_with(path, Channels::Only(channel)) {
            Ok(audio) => clips.push((
                Some(channel),
                classifier.predict(&audio.samples, audio.sample_rate),
            )),
            Err(emovox::audio::AudioError::NoSuchChannel { .. }) if channel > 0 => break,
            Err(error) => {
                clips.push(((channel > 0).then_some(channel), Err(error.into())));
                break;
            }
        }
    }
    clips
}

/// Adds the classifier class to the native module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<NativeClassifier>()
}
