//! The emovox CNN, its configuration and self-describing safetensors model files.
