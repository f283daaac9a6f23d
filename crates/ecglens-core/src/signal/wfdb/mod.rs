//! WFDB records from bytes: the header (`.hea`), signal files (`.dat`) and MIT annotation files.
//!
//! Supported: single-segment records; signal formats 8 (first differences), 16, 24, 32, 61 (big-endian 16),
//! 80 (offset binary 8), 160 (offset binary 16), 212, 310 and 311; several signals interleaved in one file
//! and several files; byte offsets (`+N`); the record line's optional segment count, counter frequency
//! (`500/1`, `360/1(0)`), sample count, time and date; the signal line's optional gain, baseline, units,
//! ADC resolution and zero, initial value, checksum, block size and description; `#` comment lines.
//! Multi-segment records (fixed and variable layout, `~` null segments) read each segment's header and join them.
//! Refused with a clear error: several samples per frame, skew, compressed formats (508/516/524) and anything
//! else.
//!
//! Conversion to millivolts: `(adu - baseline) / gain`, scaled by the physical units (`mV` = 1, `uV`/`µV`
//! = 1/1000, `V` = 1000, `nV` = 1/10⁶). A missing or zero gain means 200 ADU per unit; a missing baseline
//! means the ADC zero; missing units mean mV. Signals in other units (e.g. `mmHg`, `NU`) are not ECG
//! leads: they are left out of the [`Record`] and a comment says so.
//!
//! Invalid samples (the format's "no signal" code: -32768 in format 16, -2048 in 212, -128 in 80, ...):
//! if a lead has at most 1 % of them, they are filled in by linear interpolation between the nearest valid
//! samples (the nearest valid value at the ends) and a comment starting with `ecglens:` says how many;
//! more than that, or a lead with no valid sample, is an [`SignalError::InvalidSamples`] error naming the lead.
//!
//! The header's checksums, when present, are verified: a mismatch is a warning in the record's comments
//! (starting [`read::CHECKSUM_WARNING`]), not a refusal, as in wfdb-python (CinC 2017's headers write 0). A signal file longer than the header says is accepted (only
//! the samples the header promises are read); a shorter one is an error. If the header does not give the
//! number of samples, it is taken from the size of the first signal file.

mod annotations;
mod formats;
mod header;
pub mod read;
#[cfg(test)]
mod tests;

pub use annotations::{annotation_symbol, read_annotations, read_annotations_named, Annotation};
pub use header::{parse_header, record_line, signal_file_names, Header, SignalSpec};
#[cfg(not(target_arch = "wasm32"))]
pub use read::read_record_file;
pub use read::{read_record, read_record_from_header, read_record_slices};

/// Share of invalid samples in a lead up to which they are interpolated instead of refused.
pub const MAX_INVALID_FRACTION: f64 = 0.01;

/// Formats this reader decodes.
pub const SUPPORTED_FORMATS: [u32; 10] = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311];
