//! [`FeatureDensity`]: how unlike its training clips a clip looks to a network.

use candle_core::{Device, Tensor};

use crate::weights::NamedTensors;
use crate::ModelError;

/// Tensor-name prefix of a model's density in its file.
pub(crate) const DENSITY_PREFIX: &str = "density.";

/// Ridge added to the covariance's diagonal, as a share of its mean variance, so that it can be
/// inverted when activations are correlated or constant (ReLU units that never fire).
const SHRINKAGE: f64 = 1e-3;

/// A Gaussian model of a network's penultimate activations over the clips it was trained on:
/// one mean per class and one covariance shared by the classes (within-class scatter), as in
/// Gaussian discriminant analysis, for each network of a model (one, or each ensemble
/// member).
///
/// The *novelty* of a clip is its smallest squared Mahalanobis distance to a class mean,
/// divided by the median of that distance over the training clips, averaged over the
/// networks: about 1 for a typical training clip, larger for clips unlike any the network
/// learned from (another recording chain, language, a synthetic voice). Measured in
/// `docs/experiments.md`: a RAVDESS-only model scores its unseen RAVDESS speakers 1.1, Turkish
/// words 6.0 and espeak-ng speech 11.6.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureDensity {
    networks: Vec<NetworkDensity>,
}

/// The Gaussian model of one network.
#[derive(Clone, Debug, PartialEq)]
struct NetworkDensity {
    /// Class means, (classes, width) row-major.
    means: Vec<f64>,
    /// Inverse of the shared covariance, (width, width) row-major.
    precision: Vec<f64>,
    /// Median over the training clips of their distance to the nearest class mean.
    scale: f64,
    width: usize,
    /// `U` with `precision = U^T U` (the transposed Cholesky factor), upper triangular,
    /// (width, width) row-major: the squared Mahalanobis distance of `z` to a mean `m` is
    /// `|U z - U m|^2`, one triangular product per clip instead of one full product per class.
    whitener: Vec<f64>,
    /// `U m` for each class mean, (classes, width) row-major.
    whitened_means: Vec<f64>,
}

impl FeatureDensity {
    /// Fits one Gaussian model per network: `activations[k][i]` are network `k`'s penultimate
    /// activations for training clip `i`, whose class is `labels[i]` (any class id: only the
    /// distinct labels present get a mean, in increasing order, so classes without clips get
    /// none and no label value sizes anything). Errors when there are no clips, the widths
    /// differ, a value is not finite, or a network's activations do not vary.
    pub fn fit(activations: &[Vec<Vec<f32>>], labels: &[usize]) -> Result<Self, ModelError> {
        if activations.is_empty() {
            return Err(ModelError::InvalidDensity("no networks".into()));
        }
        let networks = activations
            .iter()
            .map(|clips| NetworkDensity::fit(clips, labels))
            .collect::<Result<_, _>>()?;
        Ok(Self { networks })
    }

    /// Number of networks modelled.
    pub fn networks(&self) -> usize {
        self.networks.len()
    }

    /// Width of the activations modelled.
    pub fn width(&self) -> usize {
        self.networks[0].width
    }

    /// The novelty of a clip from each network's activations (`activations[k]` for network
    /// `k`): the mean over networks of the distance to the nearest class mean, relative to
    /// the training clips' median. Non-finite activations, or a distance beyond the range of
    /// f32, are [`ModelError::NonFiniteOutput`].
    pub fn novelty(&self, activations: &[Vec<f32>]) -> Result<f32, ModelError> {
        if activations.len() != self.networks.len() {
            return Err(ModelError::InvalidDensity(format!(
                "activations of {} networks for a density of {}",
                activations.len(),
                self.networks.len()
            )));
        }
        let mut total = 0.0;
        for (network, z) in self.networks.iter().zip(activations) {
            total += network.nearest_distance(z)? / network.scale;
        }
        let novelty = (total / self.networks.len() as f64) as f32;
        if novelty.is_finite() {
            Ok(novelty)
        } else {
            Err(ModelError::NonFiniteOutput { what: "novelty" })
        }
    }

    /// The density as named tensors (`density.means`, `density.precision`, `density.scale`,
    /// one slice per network), as stored in a model file.
    pub(crate) fn to_tensors(&self, device: &Device) -> Result<NamedTensors, ModelError> {
        let (n, width) = (self.networks.len(), self.width());
        let classes = self.networks[0].means.len() / width;
        let collect = |f: &dyn Fn(&NetworkDensity) -> Vec<f64>| -> Vec<f32> {
            self.networks
                .iter()
                .flat_map(|d| f(d).into_iter().map(|v| v as f32))
                .collect()
        };
        let mut tensors = NamedTensors::new();
        let mut put = |name: &str, values: Vec<f32>, shape: &[usize]| -> Result<(), ModelError> {
            let tensor = Tensor::from_vec(values, shape, device)?;
            tensors.insert(format!("{DENSITY_PREFIX}{name}"), tensor);
            Ok(())
        };
        put("means", collect(&|d| d.means.clone()), &[n, classes, width])?;
        put(
            "precision",
            collect(&|d| d.precision.clone()),
            &[n, width, width],
        )?;
        put("scale", collect(&|d| vec![d.scale]), &[n])?;
        Ok(tensors)
    }

    /// Reads a density from the tensors [`FeatureDensity::to_tensors`] wrote (names without
    /// the prefix), checking their shapes agree with each other.
    pub(crate) fn from_tensors(tensors: &NamedTensors) -> Result<Self, ModelError> {
        let get = |name: &str| -> Result<&Tensor, ModelError> {
            tensors
                .get(&format!("{DENSITY_PREFIX}{name}"))
                .ok_or_else(|| ModelError::MissingTensor(format!("{DENSITY_PREFIX}{name}")))
        };
        let (means, precision, scale) = (get("means")?, get("precision")?, get("scale")?);
        let misfit = || {
            ModelError::InvalidDensity(format!(
                "means {:?}, precision {:?} and scale {:?} do not fit together: they must be \
                 (networks, classes, width), (networks, width, width) and (networks), none empty",
                means.dims(),
                precision.dims(),
                scale.dims()
            ))
        };
        let &[n, classes, width] = means.dims() else {
            return Err(misfit());
        };
        if n == 0 || classes == 0 || width == 0 {
            return Err(misfit());
        }
        if precision.dims() != [n, width, width] || scale.dims() != [n] {
            return Err(misfit());
        }
        let means = means.flatten_all()?.to_vec1::<f32>()?;
        let precision = precision.flatten_all()?.to_vec1::<f32>()?;
        let scale = scale.to_vec1::<f32>()?;
        let networks = (0..n)
            .map(|k| {
                let to64 = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
                let density = NetworkDensity::new(
                    to64(&means[k * classes * width..(k + 1) * classes * width]),
                    to64(&precision[k * width * width..(k + 1) * width * width]),
                    scale[k] as f64,
                    width,
                )?;
                if density.scale > 0.0 && density.scale.is_finite() {
                    Ok(density)
                } else {
                    Err(ModelError::InvalidDensity(format!(
                        "network {k}: scale {}",
                        density.scale
                    )))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { networks })
    }
}

impl NetworkDensity {
    /// The model of `means` and `precision` (a symmetric positive definite matrix, else an
    /// error), with its whitening transform.
    fn new(
        means: Vec<f64>,
        precision: Vec<f64>,
        scale: f64,
        width: usize,
    ) -> Result<Self, ModelError> {
        if width == 0 || means.is_empty() || !means.len().is_multiple_of(width) {
            return Err(ModelError::InvalidDensity(format!(
                "{} mean values are no whole number of classes of width {width}",
                means.len()
            )));
        }
        if width.checked_mul(width) != Some(precision.len()) {
            return Err(ModelError::InvalidDensity(format!(
                "{} precision values for width {width}",
                precision.len()
            )));
        }
        let lower = cholesky(&precision, width).map_err(|_| {
            ModelError::InvalidDensity("the precision is not positive definite".into())
        })?;
        let mut whitener = vec![0.0f64; width * width];
        for i in 0..width {
            for j in i..width {
                whitener[i * width + j] = lower[j * width + i];
            }
        }
        let mut density = Self {
            means,
            precision,
            scale,
            width,
            whitener,
            whitened_means: Vec::new(),
        };
        let mut whitened_means = vec![0.0f64; density.means.len()];
        for (mean, out) in density
            .means
            .chunks_exact(width)
            .zip(whitened_means.chunks_exact_mut(width))
        {
            density.whiten_into(mean, out);
        }
        density.whitened_means = whitened_means;
        Ok(density)
    }

    /// `out = U v`.
    fn whiten_into(&self, v: &[f64], out: &mut [f64]) {
        let width = self.width;
        for (i, y) in out.iter_mut().enumerate() {
            let row = &self.whitener[i * width + i..(i + 1) * width];
            *y = row.iter().zip(&v[i..]).map(|(u, x)| u * x).sum();
        }
    }

    fn fit(clips: &[Vec<f32>], labels: &[usize]) -> Result<Self, ModelError> {
        let width = clips.first().map_or(0, Vec::len);
        if clips.is_empty() || clips.len() != labels.len() || width == 0 {
            return Err(ModelError::InvalidDensity(format!(
                "{} clips of width {width} with {} labels",
                clips.len(),
                labels.len()
            )));
        }
        if clips
            .iter()
            .any(|z| z.len() != width || z.iter().any(|v| !v.is_finite()))
        {
            return Err(ModelError::InvalidDensity(
                "activations of unequal width or not finite".into(),
            ));
        }
        let (means, rows) = class_means(clips, labels, width);
        let mut covariance = within_class_covariance(clips, &rows, &means, width);
        let mean_variance =
            (0..width).map(|i| covariance[i * width + i]).sum::<f64>() / width as f64;
        if mean_variance.is_nan() || mean_variance <= 0.0 {
            return Err(ModelError::InvalidDensity(
                "the activations do not vary over the training clips".into(),
            ));
        }
        for i in 0..width {
            covariance[i * width + i] += SHRINKAGE * mean_variance;
        }
        let precision = invert_symmetric(&covariance, width)?;
        let mut density = Self::new(means, precision, 1.0, width)?;
        let mut distances = clips
            .iter()
            .map(|z| density.nearest_distance(z))
            .collect::<Result<Vec<_>, _>>()?;
        distances.sort_by(f64::total_cmp);
        density.scale = distances[distances.len() / 2];
        if density.scale.is_nan() || density.scale <= 0.0 {
            return Err(ModelError::InvalidDensity(
                "the training clips' median distance is zero".into(),
            ));
        }
        Ok(density)
    }

    /// The squared Mahalanobis distance from `z` to the nearest class mean.
    fn nearest_distance(&self, z: &[f32]) -> Result<f64, ModelError> {
        let width = self.width;
        if z.len() != width {
            return Err(ModelError::InvalidDensity(format!(
                "activations of width {} for a density of width {width}",
                z.len()
            )));
        }
        let mut whitened = vec![0.0f64; width];
        let z: Vec<f64> = z.iter().map(|&v| v as f64).collect();
        self.whiten_into(&z, &mut whitened);
        let nearest = self
            .whitened_means
            .chunks_exact(width)
            .map(|mean| {
                let d: f64 = whitened
                    .iter()
                    .zip(mean)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                d
            })
            .fold(f64::INFINITY, f64::min);
        Ok(nearest)
    }
}

/// The mean of each class that has clips, (classes present, width) row-major in increasing
/// label order, and the row of each clip's class. Labels are class ids of any value: only the
/// distinct ones present are counted, so none sizes an allocation or overflows.
fn class_means(clips: &[Vec<f32>], labels: &[usize], width: usize) -> (Vec<f64>, Vec<usize>) {
    let mut classes = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let rows: Vec<usize> = labels
        .iter()
        .map(|label| classes.binary_search(label).unwrap_or_default())
        .collect();
    let mut sums = vec![0.0f64; classes.len() * width];
    let mut counts = vec![0usize; classes.len()];
    for (z, &row) in clips.iter().zip(&rows) {
        counts[row] += 1;
        for (s, &v) in sums[row * width..(row + 1) * width].iter_mut().zip(z) {
            *s += v as f64;
        }
    }
    let mut means = Vec::with_capacity(sums.len());
    for (row, &count) in counts.iter().enumerate() {
        means.extend(
            sums[row * width..(row + 1) * width]
                .iter()
                .map(|s| s / count as f64),
        );
    }
    (means, rows)
}

/// The covariance of the clips around their class means (`rows[i]`: the row of clip `i`'s
/// mean), (width, width) row-major.
fn within_class_covariance(
    clips: &[Vec<f32>],
    rows: &[usize],
    means: &[f64],
    width: usize,
) -> Vec<f64> {
    let mut covariance = vec![0.0f64; width * width];
    for (z, &row) in clips.iter().zip(rows) {
        let mean = &means[row * width..(row + 1) * width];
        let centred: Vec<f64> = z.iter().zip(mean).map(|(&v, m)| v as f64 - m).collect();
        for (i, &a) in centred.iter().enumerate() {
            for (j, &b) in centred.iter().enumerate().skip(i) {
                covariance[i * width + j] += a * b;
            }
        }
    }
    for i in 0..width {
        for j in i..width {
            covariance[i * width + j] /= clips.len() as f64;
            covariance[j * width + i] = covariance[i * width + j];
        }
    }
    covariance
}

/// The inverse of a symmetric positive definite `n` x `n` matrix (row-major), by Cholesky
/// factorisation.
fn invert_symmetric(matrix: &[f64], n: usize) -> Result<Vec<f64>, ModelError> {
    let l = cholesky(matrix, n)?;
    // L^-1 by forward substitution, column by column; then matrix^-1 = L^-T L^-1.
    let mut l_inv = vec![0.0f64; n * n];
    for c in 0..n {
        for i in c..n {
            let rhs = if i == c { 1.0 } else { 0.0 };
            let dot: f64 = (c..i).map(|k| l[i * n + k] * l_inv[k * n + c]).sum();
            l_inv[i * n + c] = (rhs - dot) / l[i * n + i];
        }
    }
    let mut inverse = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..=i {
            let value: f64 = (i..n).map(|k| l_inv[k * n + i] * l_inv[k * n + j]).sum();
            inverse[i * n + j] = value;
            inverse[j * n + i] = value;
        }
    }
    Ok(inverse)
}

/// `L`, lower triangular (row-major), with `matrix = L L^T`, for a symmetric positive definite
/// `n` x `n` matrix (its lower triangle is read); an error if it is not positive definite.
fn cholesky(matrix: &[f64], n: usize) -> Result<Vec<f64>, ModelError> {
    let mut l = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            let value = matrix[i * n + j] - dot;
            if i == j {
                if value.is_nan() || value <= 0.0 {
                    return Err(ModelError::InvalidDensity(
                        "the covariance is not positive definite".into(),
                    ));
                }
                l[i * n + i] = value.sqrt();
            } else {
                l[i * n + j] = value / l[j * n + j];
            }
        }
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two classes of 2-D points around (0, 0) and (10, 0), spread 1 along x and 2 along y.
    fn clusters() -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut clips = Vec::new();
        let mut labels = Vec::new();
        for i in 0..400 {
            let (a, b) = (
                ((i * 37) % 101) as f32 / 50.0 - 1.0,
                ((i * 53) % 97) as f32 / 48.0 - 1.0,
            );
            let class = i % 2;
            clips.push(vec![10.0 * class as f32 + a * 1.7, b * 3.4]);
            labels.push(class);
        }
        (clips, labels)
    }

    #[test]
    fn inverse_times_matrix_is_the_identity() {
        let m = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
        let inv = invert_symmetric(&m, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| m[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!(
                    (v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12,
                    "{i},{j}: {v}"
                );
            }
        }
        assert!(invert_symmetric(&[1.0, 2.0, 2.0, 1.0], 2).is_err());
    }

    #[test]
    fn novelty_is_about_one_on_training_clips_and_grows_away_from_them() {
        let (clips, labels) = clusters();
        let density = FeatureDensity::fit(std::slice::from_ref(&clips), &labels).unwrap();
        let mut novelty: Vec<f32> = clips
            .iter()
            .map(|z| density.novelty(std::slice::from_ref(z)).unwrap())
            .collect();
        novelty.sort_by(f32::total_cmp);
        assert!(
            (novelty[novelty.len() / 2] - 1.0).abs() < 0.02,
            "{novelty:?}"
        );
        // Distances are in units of each axis' spread: 3 along y is nearer than 3 along x.
        let along_x = density.novelty(&[vec![-3.0, 0.0]]).unwrap();
        let along_y = density.novelty(&[vec![0.0, 3.0]]).unwrap();
        assert!(along_y < along_x, "{along_y} vs {along_x}");
        // Far from both classes, far beyond every training clip; between them, too.
        let far = density.novelty(&[vec![5.0, 30.0]]).unwrap();
        assert!(far > 20.0 * novelty[novelty.len() - 1], "{far}");
        assert!(density.novelty(&[vec![5.0, 0.0]]).unwrap() > novelty[novelty.len() - 1]);
    }

    #[test]
    fn stored_and_read_back_it_gives_the_same_novelty() {
        let (clips, labels) = clusters();
        let density = FeatureDensity::fit(&[clips.clone(), clips], &labels).unwrap();
        let tensors = density.to_tensors(&Device::Cpu).unwrap();
        let back = FeatureDensity::from_tensors(&tensors).unwrap();
        let z = vec![vec![1.0f32, 2.0], vec![3.0, -1.0]];
        let (a, b) = (density.novelty(&z).unwrap(), back.novelty(&z).unwrap());
        assert!((a - b).abs() < 1e-5 * a, "{a} vs {b}");
        assert!(
            density.novelty(&z[..1]).is_err(),
            "one network's activations for two"
        );
    }

    #[test]
    fn whitened_distances_equal_the_quadratic_form() {
        // Five correlated dimensions, three classes.
        let mut clips = Vec::new();
        let mut labels = Vec::new();
        for i in 0..300usize {
            let u: Vec<f32> = (0..5)
                .map(|d| ((i * (31 + 17 * d) + 7 * d) % 89) as f32 / 44.0 - 1.0)
                .collect();
            let class = i % 3;
            clips.push(vec![
                u[0] + 3.0 * class as f32,
                u[1] + 0.8 * u[0],
                2.0 * u[2] - u[1],
                u[3] + 0.3 * u[2] + class as f32,
                0.5 * u[4] + u[0],
            ]);
            labels.push(class);
        }
        let density = NetworkDensity::fit(&clips, &labels).unwrap();
        let z = [0.7f32, -1.3, 2.2, 0.1, -0.4];
        let direct = density
            .means
            .chunks_exact(5)
            .map(|m| {
                let c: Vec<f64> = z.iter().zip(m).map(|(&v, m)| v as f64 - m).collect();
                (0..5)
                    .map(|i| {
                        (0..5)
                            .map(|j| c[i] * density.precision[i * 5 + j] * c[j])
                            .sum::<f64>()
                    })
                    .sum::<f64>()
            })
            .fold(f64::INFINITY, f64::min);
        let whitened = density.nearest_distance(&z).unwrap();
        assert!(
            (whitened - direct).abs() < 1e-9 * direct,
            "{whitened} vs {direct}"
        );
    }

    #[test]
    fn a_stored_precision_that_is_not_positive_definite_is_an_error() {
        let (clips, labels) = clusters();
        let density = FeatureDensity::fit(&[clips], &labels).unwrap();
        let mut tensors = density.to_tensors(&Device::Cpu).unwrap();
        let name = format!("{DENSITY_PREFIX}precision");
        let broken = Tensor::from_vec(vec![1.0f32, 2.0, 2.0, 1.0], (1, 2, 2), &Device::Cpu);
        tensors.insert(name, broken.unwrap());
        assert!(FeatureDensity::from_tensors(&tensors).is_err());
    }

    /// Labels are class ids of any value: usize::MAX or 2^40 used to overflow or abort on the
    /// class table's allocation.
    #[test]
    fn any_label_value_is_a_class_of_its_own() {
        let (clips, labels) = clusters();
        let compact = FeatureDensity::fit(std::slice::from_ref(&clips), &labels).unwrap();
        for (low, high) in [(0, usize::MAX), (1 << 40, usize::MAX - 1), (7, 1 << 40)] {
            let sparse: Vec<usize> = labels
                .iter()
                .map(|&l| if l == 0 { low } else { high })
                .collect();
            let density = FeatureDensity::fit(std::slice::from_ref(&clips), &sparse).unwrap();
            assert_eq!(density, compact, "labels {low} and {high}");
        }
        // The means follow the labels' order: swapped labels swap the rows.
        let swapped: Vec<usize> = labels.iter().map(|&l| 1 - l).collect();
        let density = FeatureDensity::fit(std::slice::from_ref(&clips), &swapped).unwrap();
        let (a, b) = (&density.networks[0].means, &compact.networks[0].means);
        assert_eq!((&a[..2], &a[2..]), (&b[2..], &b[..2]));
    }

    /// A distance beyond f32 (here from a stored scale of 1e-45) is an error, not an infinite
    /// novelty.
    #[test]
    fn a_novelty_beyond_f32_is_an_error() {
        let (clips, labels) = clusters();
        let density = FeatureDensity::fit(&[clips], &labels).unwrap();
        let mut tensors = density.to_tensors(&Device::Cpu).unwrap();
        let tiny = Tensor::from_vec(vec![1e-45f32], 1, &Device::Cpu).unwrap();
        tensors.insert(format!("{DENSITY_PREFIX}scale"), tiny);
        let tiny = FeatureDensity::from_tensors(&tensors).unwrap();
        let far = [vec![5.0e3f32, 3.0e3]];
        assert!(density.novelty(&far).unwrap().is_finite());
        assert!(matches!(
            tiny.novelty(&far),
            Err(ModelError::NonFiniteOutput { what: "novelty" })
        ));
        assert!(matches!(
            density.novelty(&[vec![f32::NAN, 0.0]]),
            Err(ModelError::NonFiniteOutput { .. })
        ));
    }

    #[test]
    fn unfit_inputs_are_errors() {
        assert!(FeatureDensity::fit(&[], &[]).is_err());
        assert!(FeatureDensity::fit(&[vec![]], &[]).is_err());
        let constant = vec![vec![1.0f32, 1.0]; 10];
        assert!(FeatureDensity::fit(&[constant], &[0; 10]).is_err());
        let nan = vec![vec![f32::NAN, 1.0], vec![0.0, 1.0]];
        assert!(FeatureDensity::fit(&[nan], &[0, 1]).is_err());
    }
}
