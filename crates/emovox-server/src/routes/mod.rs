//! The HTTP handlers, one module per concern.

pub mod info;
pub mod predict;
pub mod timeline;
