//! Damaged or hostile model files, configurations and inputs are precise errors: never a
//! panic, an aborted allocation, an overflow or a silent NaN.

use std::collections::HashMap;

use candle_core::{DType, Device, ModuleT, Tensor};
use candle_nn::{VarBuilder, VarMap};
use emovox_model::{
    crop_starts, EmotionModel, InferenceConfig, ModelConfig, ModelError, ModelMetadata,
    MultiViewModel, Network, Normalisation, PoolingKind, MAX_CROPS, MAX_LAYER_WIDTH,
    MAX_NETWORK_WEIGHTS, MAX_REPEAT_FRAMES, METADATA_KEY,
};
use ndarray::Array3;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

mod common;

use common::BINS;

/// The common test network, mean and deviation pooling, no residual connections.
fn config() -> ModelConfig {
    common::config(PoolingKind::MeanStd, false)
}

fn metadata() -> ModelMetadata {
    ModelMetadata {
        labels: vec!["angry".into(), "happy".into(), "sad".into()],
        features: common::spec(),
        architecture: config(),
        normalisation: None,
        inference: InferenceConfig {
            crop_frames: Some(8),
            n_crops: 3,
            repeat_to_frames: None,
        },
        emovox_version: "test".into(),
        training: None,
    }
}

/// A model whose weights are its initial ones times `scale` (batch-norm statistics from one
/// training-mode pass first).
fn model_scaled(scale: f64) -> EmotionModel {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let net = Network::new(&config(), vb).unwrap();
    let x = Tensor::randn(0f32, 1.0, (4, 2, BINS, 24), &Device::Cpu).unwrap();
    net.forward_t(&x, true).unwrap();
    for (name, var) in varmap.data().lock().unwrap().iter() {
        if name.ends_with("weight") {
            var.set(&(var.as_tensor() * scale).unwrap()).unwrap();
        }
    }
    EmotionModel::from_varmap(metadata(), &varmap).unwrap()
}

fn features(frames: usize, seed: f32) -> Array3<f32> {
    Array3::from_shape_fn((2, BINS, frames), |(c, b, t)| {
        ((c * 31 + b * 7 + t) as f32 * 0.37 + seed).sin() * 3.0
    })
}

/// The model file of `model` with its metadata JSON edited by `edit`.
fn with_metadata(model: &EmotionModel, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let bytes = model.to_safetensors_bytes().unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta: HashMap<String, String> = header.metadata().clone().unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&meta[METADATA_KEY]).unwrap();
    edit(&mut json);
    meta.insert(METADATA_KEY.into(), json.to_string());
    safetensors::serialize(file.tensors(), Some(meta)).unwrap()
}

/// The model file of `model` with density tensors of the given shapes and values added.
fn with_density(model: &EmotionModel, density: &[(&str, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let bytes = model.to_safetensors_bytes().unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let raw: Vec<(String, Vec<usize>, Vec<u8>)> = density
        .iter()
        .map(|(name, shape, values)| {
            let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (format!("density.{name}"), shape.clone(), data)
        })
        .collect();
    let mut tensors = file.tensors();
    for (name, shape, data) in &raw {
        let view = TensorView::new(Dtype::F32, shape.clone(), data).unwrap();
        tensors.push((name.clone(), view));
    }
    safetensors::serialize(tensors, header.metadata().clone()).unwrap()
}

/// Density tensors of width 0 (means (1, 1, 0), precision (1, 0, 0)) used to panic in
/// `chunks_exact(0)` while the file was loaded; tensors that do not fit together, or are not
/// (networks, classes, width), are refused as well.
#[test]
fn density_tensors_of_width_zero_or_the_wrong_rank_are_refused_at_load() {
    let model = model_scaled(1.0);
    let cases = [
        vec![
            ("means", vec![1, 1, 0], vec![]),
            ("precision", vec![1, 0, 0], vec![]),
            ("scale", vec![1], vec![1.0]),
        ],
        vec![
            ("means", vec![1, 0, 6], vec![]),
            ("precision", vec![1, 6, 6], vec![0.0; 36]),
            ("scale", vec![1], vec![1.0]),
        ],
        vec![
            ("means", vec![3, 6], vec![0.0; 18]),
            ("precision", vec![1, 6, 6], vec![0.0; 36]),
            ("scale", vec![1], vec![1.0]),
        ],
        vec![
            ("means", vec![1, 3, 6], vec![0.0; 18]),
            ("precision", vec![1, 5, 5], vec![0.0; 25]),
            ("scale", vec![1], vec![1.0]),
        ],
    ];
    for density in cases {
        let bytes = with_density(&model, &density);
        let err = EmotionModel::from_safetensors_bytes(&bytes).unwrap_err();
        assert!(
            matches!(err, ModelError::InvalidDensity(_)),
            "{density:?}: {err}"
        );
        let err = MultiViewModel::from_safetensors_bytes(&bytes).unwrap_err();
        assert!(matches!(err, ModelError::InvalidDensity(_)), "{err}");
    }
    // A well-formed identity density loads.
    let mut identity = vec![0.0f32; 36];
    (0..6).for_each(|i| identity[i * 7] = 1.0);
    let good = with_density(
        &model,
        &[
            ("means", vec![1, 3, 6], vec![0.0; 18]),
            ("precision", vec![1, 6, 6], identity),
            ("scale", vec![1], vec![1.0]),
        ],
    );
    let loaded = EmotionModel::from_safetensors_bytes(&good).unwrap();
    assert!(loaded.scores(&features(30, 0.0)).unwrap().novelty.is_some());
}

/// `inference.n_crops` sizes the crop list of every prediction: a file asking for 10^9 crops
/// used to load and abort at its first prediction.
#[test]
fn too_many_test_time_crops_are_refused_at_load() {
    let model = model_scaled(1.0);
    for n_crops in [MAX_CROPS + 1, 1_000_000_000, usize::MAX] {
        let bytes = with_metadata(&model, |m| {
            m["inference"] = serde_json::json!({"crop_frames": 8, "n_crops": n_crops});
        });
        let err = EmotionModel::from_safetensors_bytes(&bytes).unwrap_err();
        assert!(
            matches!(&err, ModelError::InvalidMetadata(m) if m.contains("n_crops")),
            "{n_crops}: {err}"
        );
    }
    let bytes = with_metadata(&model, |m| {
        m["inference"] = serde_json::json!({"crop_frames": 8, "n_crops": MAX_CROPS});
    });
    let most = EmotionModel::from_safetensors_bytes(&bytes).unwrap();
    let p = most.probabilities(&features(40, 0.0)).unwrap();
    assert!(p.iter().all(|p| p.is_finite()));
    let crops = InferenceConfig {
        crop_frames: Some(8),
        n_crops: 1_000_000_000,
        repeat_to_frames: None,
    };
    assert!(matches!(
        crop_starts(100, &crops),
        Err(ModelError::InvalidMetadata(_))
    ));
    let zero = InferenceConfig {
        crop_frames: Some(0),
        n_crops: 1,
        repeat_to_frames: None,
    };
    assert!(matches!(
        crop_starts(100, &zero),
        Err(ModelError::InvalidMetadata(_))
    ));
}

/// `inference.repeat_to_frames` sizes the input of a short clip: a file asking for 10^9 frames
/// is refused when loaded, not at its first prediction.
#[test]
fn repetition_beyond_its_bound_is_refused_at_load() {
    let model = model_scaled(1.0);
    for frames in [0, MAX_REPEAT_FRAMES + 1, 1_000_000_000, usize::MAX] {
        let bytes = with_metadata(&model, |m| {
            m["inference"]["repeat_to_frames"] = serde_json::json!(frames);
        });
        let err = EmotionModel::from_safetensors_bytes(&bytes).unwrap_err();
        assert!(
            matches!(&err, ModelError::InvalidMetadata(m) if m.contains("repeat_to_frames")),
            "{frames}: {err}"
        );
    }
    let bytes = with_metadata(&model, |m| {
        m["inference"]["repeat_to_frames"] = serde_json::json!(MAX_REPEAT_FRAMES);
    });
    let longest = EmotionModel::from_safetensors_bytes(&bytes).unwrap();
    let p = longest.probabilities(&features(20, 0.0)).unwrap();
    assert!(p.iter().all(|p| p.is_finite()));
}

/// Crop starts of a very long utterance: `i * span` would overflow usize.
#[test]
fn crop_starts_do_not_overflow_on_long_utterances() {
    let crops = InferenceConfig {
        crop_frames: Some(8),
        n_crops: 3,
        repeat_to_frames: None,
    };
    let span = usize::MAX - 8;
    assert_eq!(
        crop_starts(usize::MAX, &crops).unwrap(),
        [0, span / 2, span]
    );
    assert_eq!(crop_starts(28, &crops).unwrap(), [0, 10, 20]);
}

/// Layer sizes a file (or a recipe) could ask for beyond what fits in memory are refused
/// before anything is built.
#[test]
fn architectures_beyond_the_size_bounds_are_refused() {
    assert!(config().validate().is_ok());
    assert!(ModelConfig::default().validate().is_ok());
    let cases: Vec<fn(&mut ModelConfig)> = vec![
        |c| c.block_channels = vec![1 << 40],
        |c| c.block_channels = vec![usize::MAX, usize::MAX],
        |c| c.block_channels = vec![8; 65],
        |c| c.head_hidden = MAX_LAYER_WIDTH + 1,
        |c| c.attention_hidden = usize::MAX,
        |c| c.n_bins = usize::MAX,
        |c| c.in_channels = usize::MAX,
        |c| c.n_classes = usize::MAX,
        |c| c.kernel_size = (1 << 40) + 1,
        |c| c.time_pool = usize::MAX,
        |c| c.input_pool = 1 << 33,
        // Every size in range, but 3 x 65536^2 x 255 weights.
        |c| {
            c.block_channels = vec![MAX_LAYER_WIDTH; 3];
            c.kernel_size = 255;
        },
    ];
    for (i, edit) in cases.iter().enumerate() {
        let mut cfg = config();
        edit(&mut cfg);
        let err = cfg.validate().unwrap_err();
        assert!(
            matches!(err, ModelError::InvalidConfig(_)),
            "case {i}: {err}"
        );
    }
    let mut big = config();
    big.block_channels = vec![MAX_LAYER_WIDTH; 3];
    let err = big.validate().unwrap_err().to_string();
    assert!(err.contains(&MAX_NETWORK_WEIGHTS.to_string()), "{err}");
    // Through a file: refused as it loads.
    let model = model_scaled(1.0);
    let bytes = with_metadata(&model, |m| {
        m["architecture"]["block_channels"] = serde_json::json!([8, 1u64 << 40]);
    });
    let err = EmotionModel::from_safetensors_bytes(&bytes).unwrap_err();
    assert!(matches!(err, ModelError::InvalidConfig(_)), "{err}");
}

/// A deviation so small that its inverse is infinite would make every input non-finite (and
/// the error blame the features): refused at load.
#[test]
fn a_normalisation_deviation_without_a_finite_inverse_is_refused() {
    let width = config().input_width();
    let mut std = vec![1.0f32; width];
    std[3] = 1e-45;
    let norm = Normalisation {
        mean: vec![0.0; width],
        std,
    };
    assert!(matches!(
        norm.validate(width),
        Err(ModelError::InvalidMetadata(_))
    ));
    let bytes = with_metadata(&model_scaled(1.0), |m| {
        m["normalisation"] = serde_json::to_value(&norm).unwrap();
    });
    let err = EmotionModel::from_safetensors_bytes(&bytes).unwrap_err();
    assert!(matches!(err, ModelError::InvalidMetadata(_)), "{err}");
}

/// Finite weights large enough to overflow f32 inside the network give NaN probabilities:
/// an error, never a label with a NaN confidence.
#[test]
fn probabilities_that_overflow_are_an_error() {
    let model = model_scaled(1e25);
    let bytes = model.to_safetensors_bytes().unwrap();
    let loaded = EmotionModel::from_safetensors_bytes(&bytes).unwrap();
    let clip = features(30, 0.0);
    for model in [&model, &loaded] {
        let err = model.probabilities(&clip).unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::NonFiniteOutput {
                    what: "probabilities"
                }
            ),
            "{err}"
        );
        assert!(matches!(
            model.scores(&clip),
            Err(ModelError::NonFiniteOutput { .. })
        ));
        for result in model.probabilities_batch(&[clip.clone(), features(40, 1.0)]) {
            assert!(matches!(result, Err(ModelError::NonFiniteOutput { .. })));
        }
    }
    let views = MultiViewModel::from_safetensors_bytes(&bytes).unwrap();
    assert!(matches!(
        views.probabilities(std::slice::from_ref(&clip)),
        Err(ModelError::NonFiniteOutput { .. })
    ));
    // The same network at its trained scale is fine.
    let fine = model_scaled(1.0).probabilities(&clip).unwrap();
    assert!(fine.iter().all(|p| p.is_finite()));
}

/// A feature spec out of range (a delta window of 2^40 + 1 frames, a hop of 2^63 samples) is
/// refused when the model file loads, not when its first pipeline is built.
#[test]
fn a_feature_spec_out_of_range_is_refused_at_load() {
    let model = model_scaled(1.0);
    let edits: [fn(&mut serde_json::Value); 3] = [
        |m| m["features"]["delta_width"] = serde_json::json!((1u64 << 40) + 1),
        |m| m["features"]["kind"]["hop_length"] = serde_json::json!(1u64 << 63),
        |m| m["features"]["preprocessing"]["high_pass_hz"] = serde_json::json!(9000.0),
    ];
    for edit in edits {
        let bytes = with_metadata(&model, edit);
        let err = EmotionModel::from_safetensors_bytes(&bytes).unwrap_err();
        assert!(matches!(err, ModelError::InvalidFeatures(_)), "{err}");
        let err = MultiViewModel::from_safetensors_bytes(&bytes).unwrap_err();
        assert!(matches!(err, ModelError::InvalidFeatures(_)), "{err}");
    }
}
