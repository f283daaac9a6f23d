//! HDF5 files: CODE-15%'s `tracings` and MATLAB 7.3.
//!
//! (Being written: a stub that refuses every file.)

use super::options::ReadOptions;
use super::source::Opened;
use super::SignalError;

/// Reads an HDF5 file from `bytes`; `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    let _ = (bytes, options);
    Err(SignalError::Malformed { file: file.to_string(), format: "HDF5", message: "not read yet".into() })
}
