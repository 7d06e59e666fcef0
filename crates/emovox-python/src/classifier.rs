//! `emovox.Classifier`: the facade's [`emovox::Classifier`] with predictions as Python dicts.

use std::path::PathBuf;

use emovox::features::FrontEnd;
use emovox::timeline::{Segment, SegmentConfig};
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
    /// The classifier's feature front end, built again from the model's metadata as the
    /// facade builds its own; used only to name the real fault of a clip shorter than one
    /// frame that the facade calls silent (see [`NativeClassifier::too_short_not_silent`]).
    front_end: FrontEnd,
    /// The shortest clip the front end accepts, in samples at the model's rate.
    min_samples: usize,
}

impl NativeClassifier {
    fn new(inner: emovox::Classifier) -> Result<Self, Error> {
        let front_end = FrontEnd::new(
            inner
                .model()
                .views()
                .iter()
                .map(|view| view.metadata().features.clone()),
        )?;
        let min_samples = front_end
            .views()
            .iter()
            .map(|view| view.min_samples())
            .max()
            .unwrap_or(0);
        Ok(Self {
            inner,
            front_end,
            min_samples,
        })
    }

    /// The facade measures silence before length, and a clip shorter than one 20 ms frame
    /// minus its own mean is silence (a single sample always is): such a clip, refused as
    /// [`Error::Silent`], is reported with the feature error it would meet next (shorter than
    /// one frame) when it is shorter than one frame of the model's features. Other results
    /// pass unchanged.
    fn too_short_not_silent(
        &self,
        samples: &[f32],
        sample_rate: u32,
        result: Result<Prediction, Error>,
    ) -> Result<Prediction, Error> {
        let Err(Error::Silent { .. }) = result else {
            return result;
        };
        // At the model's rate (a margin of 2 samples for the resampler's rounding); only
        // clips that short are looked at again, so the cost is negligible.
        let at_model_rate =
            samples.len() as f64 * f64::from(self.inner.sample_rate()) / f64::from(sample_rate);
        if at_model_rate >= self.min_samples as f64 + 2.0 {
            return result;
        }
        match self.front_end.compute(samples, sample_rate) {
            Err(error) => Err(Error::Features(error)),
            Ok(_) => result,
        }
    }
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
        py.detach(|| Self::new(emovox::Classifier::bundled()?)).py()
    }

    /// A model file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(|| Self::new(emovox::Classifier::load(&path)?))
            .py()
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
        let prediction = py
            .detach(|| self.too_short_not_silent(samples, sr, self.inner.predict(samples, sr)))
            .py()?;
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
                .map(|samples| {
                    self.too_short_not_silent(samples, sr, self.inner.predict(samples, sr))
                })
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
        // A window shorter than one frame of the model's features would fail in the middle of
        // the timeline ("classifier failed: the signal has 960 samples ..."). A window that is
        // not positive (or NaN) is left to the configuration's check, which says so.
        let shortest = self.min_samples as f64 / f64::from(self.inner.sample_rate());
        if window > 0.0 && window < shortest {
            return Err(PyValueError::new_err(format!(
                "timeline: window={window} s is shorter than the {shortest:.3} s the model needs \
                 to classify a window"
            )));
        }
        let defaults = SegmentConfig::default();
        let config = SegmentConfig {
            window_seconds: window,
            hop_seconds: hop,
            // `f64::min` ignores a NaN window, which validation then refuses by name.
            min_window_seconds: defaults.min_window_seconds.min(window),
            ..defaults
        };
        let timeline = py
            .detach(|| {
                let timeline = self.inner.predict_segments(samples, sr, &config)?;
                Ok::<_, Error>(if adapt {
                    emovox::adaptation::adapt_timeline(&timeline, &config)
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

/// Adds the classifier class to the native module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<NativeClassifier>()
}
