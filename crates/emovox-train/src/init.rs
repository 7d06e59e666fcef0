//! Seeded weight initialisation (candle's CPU generator cannot be seeded).

use candle_core::{Tensor, Var};
use candle_nn::VarMap;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::TrainError;

/// Re-initialises every weight from `rng` (candle's CPU generator cannot be seeded) and
/// returns the trainable variables (everything but batch-norm running statistics), sorted by
/// name. Convolution and linear weights are Kaiming-normal; biases start at 0; batch-norm
/// scales at 1.
pub(crate) fn seeded_init(varmap: &VarMap, rng: &mut ChaCha8Rng) -> Result<Vec<Var>, TrainError> {
    let data = varmap
        .data()
        .lock()
        .map_err(|_| TrainError::LockPoisoned("variable map"))?;
    let mut named: Vec<(&String, &Var)> = data.iter().collect();
    named.sort_by(|a, b| a.0.cmp(b.0));
    let mut trainable = Vec::new();
    for (name, var) in named {
        let dims = var.dims().to_vec();
        let count: usize = dims.iter().product();
        let is_bn = name.contains(".bn.");
        if name.ends_with("running_mean") || name.ends_with("running_var") {
            continue;
        }
        let values: Vec<f32> = if is_bn && name.ends_with("weight") {
            vec![1.0; count]
        } else if name.ends_with("weight") {
            let fan_in: usize = dims[1..].iter().product::<usize>().max(1);
            let std = (2.0 / fan_in as f64).sqrt();
            (0..count)
                .map(|_| (standard_normal(rng) * std) as f32)
                .collect()
        } else {
            vec![0.0; count]
        };
        var.set(&Tensor::from_vec(values, dims, var.device())?)?;
        trainable.push(var.clone());
    }
    Ok(trainable)
}

/// A standard normal draw (Box-Muller).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}
