//! [`Enclosing`]: what the features of a trimmed clip take from the clip it was trimmed from.

/// The per-frame results (pitch analysis, spectra in dB) of a clip that contains the clip being
/// analysed, which starts `shift` frames (whole hops) into it. A frame depends on its own
/// samples only, so each frame of the analysed clip whose window lies inside it is the
/// source's frame `shift` later, copied instead of computed.
#[derive(Debug)]
pub(crate) struct Enclosing<'a, T: ?Sized> {
    pub source: &'a T,
    pub shift: usize,
}

// Copy for any `T`, as a reference is (a derive would ask `T: Copy`).
impl<T: ?Sized> Clone for Enclosing<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Enclosing<'_, T> {}
