//! Networks built from named tensors, one copy: a [`VarBuilder`] backend that hands out the
//! stored tensors themselves and tells a missing, misshapen or unexpected tensor apart.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarBuilder};

use crate::{ModelConfig, ModelError, Network};

/// Named f32 tensors, as stored in a model file.
pub(crate) type NamedTensors = BTreeMap<String, Tensor>;

/// Tensor-name prefix of ensemble member `k` (members of a one-network model have none).
pub(crate) fn member_prefix(k: usize) -> String {
    format!("member{k}")
}

/// The networks of `config` (its members, named under [`member_prefix`] in an ensemble) over
/// the tensors of `vb`.
pub(crate) fn build_networks(
    config: &ModelConfig,
    vb: VarBuilder,
) -> Result<Vec<Network>, candle_core::Error> {
    if config.members == 1 {
        return Ok(vec![Network::new(config, vb)?]);
    }
    (0..config.members)
        .map(|k| Network::new(config, vb.pp(member_prefix(k))))
        .collect()
}

/// The networks of `config` over `tensors` on `device`, sharing the tensors' storage when they
/// already are there; every tensor the architecture needs must be present with its shape, and
/// no other.
pub(crate) fn networks_over(
    config: &ModelConfig,
    tensors: &NamedTensors,
    device: &Device,
) -> Result<Vec<Network>, ModelError> {
    let record = Arc::new(Record::default());
    let backend = Checked {
        tensors: tensors
            .iter()
            .map(|(n, t)| (n.clone(), t.clone()))
            .collect(),
        record: record.clone(),
    };
    let vb = VarBuilder::from_backend(Box::new(backend), DType::F32, device.clone());
    let built = build_networks(config, vb);
    if let Some(failure) = lock(&record.failure)?.take() {
        return Err(failure);
    }
    let networks = built?;
    let used = lock(&record.used)?;
    if let Some(extra) = tensors.keys().find(|n| !used.contains(*n)) {
        return Err(ModelError::UnexpectedTensor(extra.clone()));
    }
    Ok(networks)
}

fn lock<T>(mutex: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, ModelError> {
    mutex.lock().map_err(|_| ModelError::LockPoisoned {
        what: "tensor record",
    })
}

/// What building asked for: the names it used, and its first failure as a precise error.
#[derive(Default)]
struct Record {
    used: Mutex<BTreeSet<String>>,
    failure: Mutex<Option<ModelError>>,
}

/// A [`SimpleBackend`] over stored tensors that records each request.
struct Checked {
    tensors: HashMap<String, Tensor>,
    record: Arc<Record>,
}

impl Checked {
    /// Records `error` (the first one wins) and returns it as a candle error.
    fn fail(&self, error: ModelError) -> candle_core::Error {
        let message = error.to_string();
        if let Ok(mut slot) = self.record.failure.lock() {
            slot.get_or_insert(error);
        }
        candle_core::Error::Msg(message)
    }

    /// The stored tensor `name`, recorded as used (a missing one is recorded as the failure).
    fn take(&self, name: &str) -> candle_core::Result<&Tensor> {
        let tensor = self
            .tensors
            .get(name)
            .ok_or_else(|| self.fail(ModelError::MissingTensor(name.to_string())))?;
        if let Ok(mut used) = self.record.used.lock() {
            used.insert(name.to_string());
        }
        Ok(tensor)
    }
}

impl SimpleBackend for Checked {
    fn get(
        &self,
        shape: Shape,
        name: &str,
        _: Init,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        let tensor = self.take(name)?;
        if tensor.dims() != shape.dims() {
            return Err(self.fail(ModelError::TensorShape {
                name: name.to_string(),
                expected: shape.dims().to_vec(),
                found: tensor.dims().to_vec(),
            }));
        }
        tensor.to_dtype(dtype)?.to_device(device)
    }

    fn get_unchecked(
        &self,
        name: &str,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        self.take(name)?.to_dtype(dtype)?.to_device(device)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }
}

/// Whether every value of `tensor` is finite (computed where the tensor lives).
pub(crate) fn all_finite(tensor: &Tensor) -> Result<bool, ModelError> {
    // x - x is 0 for finite x and NaN for NaN or infinite x; a NaN makes the sum NaN.
    let sum = tensor.sub(tensor)?.sum_all()?.to_dtype(DType::F32)?;
    Ok(sum.to_scalar::<f32>()?.is_finite())
}
