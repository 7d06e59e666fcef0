//! Feature plans (FFT plan, window, filterbank, DCT matrix) kept between calls, so repeated
//! calls with the same settings do not plan again.

use std::sync::{Arc, Mutex};

/// Most plans kept; the oldest is dropped first.
const CAPACITY: usize = 16;

/// A small cache of plans of type `P` keyed by their configuration `C`.
pub struct PlanCache<C, P> {
    plans: Mutex<Vec<(C, Arc<P>)>>,
}

impl<C: PartialEq + Clone, P> PlanCache<C, P> {
    /// An empty cache.
    pub const fn new() -> Self {
        Self {
            plans: Mutex::new(Vec::new()),
        }
    }

    /// The plan for `config`, built by `build` the first time.
    pub fn get<E>(&self, config: &C, build: impl FnOnce(C) -> Result<P, E>) -> Result<Arc<P>, E> {
        let mut plans = self
            .plans
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if let Some((_, plan)) = plans.iter().find(|(c, _)| c == config) {
            return Ok(plan.clone());
        }
        let plan = Arc::new(build(config.clone())?);
        if plans.len() == CAPACITY {
            plans.remove(0);
        }
        plans.push((config.clone(), plan.clone()));
        Ok(plan)
    }
}
