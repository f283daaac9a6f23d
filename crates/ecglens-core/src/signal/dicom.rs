//! Placeholder: the reader is being written.

use super::source::Opened;
use super::SignalError;

pub fn read(file: &str, _bytes: &[u8]) -> Result<Opened, SignalError> {
    Err(SignalError::Unsupported { file: file.to_string(), message: "this reader is not written yet".into() })
}
