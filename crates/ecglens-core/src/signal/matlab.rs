//! MATLAB `.mat` files, levels 4 and 5.
//!
//! (Being written: a stub that refuses every file.)

use super::options::ReadOptions;
use super::source::Opened;
use super::SignalError;

/// Reads a MATLAB file from `bytes`; `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    let _ = (bytes, options);
    Err(SignalError::Malformed { file: file.to_string(), format: "MATLAB", message: "not read yet".into() })
}
