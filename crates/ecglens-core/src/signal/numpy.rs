//! NumPy arrays: `.npy` and `.npz`.
//!
//! (Being written: a stub that refuses every file.)

use super::options::ReadOptions;
use super::source::Opened;
use super::SignalError;

/// Reads a NumPy file from `bytes`; `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    let _ = (bytes, options);
    Err(SignalError::Malformed { file: file.to_string(), format: "NumPy", message: "not read yet".into() })
}
