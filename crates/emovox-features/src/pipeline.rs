use crate::{FeatureError, FeatureSpec};

/// Turns samples into a model input of shape (channels, bins, frames) following a [`FeatureSpec`].
#[derive(Debug)]
pub struct FeaturePipeline {
    spec: FeatureSpec,
}

impl FeaturePipeline {
    /// Builds the pipeline (and the extractor plans it needs) once.
    pub fn new(spec: FeatureSpec) -> Result<Self, FeatureError> {
        Ok(Self { spec })
    }

    /// The specification this pipeline follows.
    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }
}
