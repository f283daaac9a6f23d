//! Signals: a [`Record`] of named ECG leads in millivolts, read from WFDB files, resampled and filtered.
//!
//! This module has no web dependency and compiles for native targets and `wasm32-unknown-unknown`.
//! Nothing in it panics on user data: every problem with a file becomes a [`SignalError`] whose message
//! names the file (or record) and says what is wrong in words a clinician can act on.
//!
//! * [`wfdb`] — WFDB header (`.hea`), signal files (`.dat`, formats 8, 16, 24, 32, 61, 80, 160, 212, 310, 311)
//!   and MIT annotation files (LUDB's `.i`, `.ii`, ... files), all from bytes.
//! * [`resample`] — polyphase resampling, compatible with `scipy.signal.resample_poly` (Kaiser window, β = 5).
//! * [`filter`] — zero-phase filtering with second-order sections, compatible with `scipy.signal.sosfiltfilt`.
//! * [`leads`] — lead-name normalisation ("DI", "lead I", "AVR", "V1 ", ...) to the standard 12 names.
//! * [`open`] — any supported file from bytes: [`sniff`] decides the format by content, then one reader:
//!   [`wfdb`], [`dicom`] (DICOM waveforms), [`aecg`] (HL7 aECG), [`muse`] (GE MUSE XML), [`philips`] (Philips
//!   Sierra XML, XLI), [`scp`] (SCP-ECG). Each returns an [`Opened`]: the [`Record`] and its [`SourceInfo`]
//!   (format, the device's measurements and statements, warnings) and, apart, the [`PatientIdentity`].
//!   Research formats too: [`edf`] (EDF/EDF+/BDF), [`delimited`] (CSV/TSV), [`numpy`] (.npy/.npz), [`matlab`]
//!   (v4/v5) and [`hdf5`]; what such a file cannot say (rate, leads, units, which record) comes in
//!   [`ReadOptions`], and a reader that needs it returns [`SignalError::NeedsInput`].

pub mod aecg;
pub mod delimited;
pub mod derive;
pub mod dicom;
pub mod edf;
pub mod filter;
pub mod hdf5;
pub mod leads;
pub mod matlab;
pub mod muse;
pub mod numpy;
pub mod open;
pub mod options;
pub mod overview;
pub mod philips;
pub mod quality;
pub mod resample;
pub mod scp;
pub mod sniff;
pub mod source;
pub mod wfdb;
pub mod window;
pub mod xml;

#[cfg(not(target_arch = "wasm32"))]
pub use open::open_path;
pub use open::{open, open_with};
pub use options::{ByteSource, Question, ReadOptions, TimeWindow, Units};
pub use source::{DeviceReport, Event, Format, Measurement, Opened, Part, PatientIdentity, SourceInfo, WindowInfo};

/// Hard limits that keep a huge or hostile file from freezing a browser tab.
pub mod limits {
    /// At most this many signals (leads) in one record.
    pub const MAX_SIGNALS: usize = 64;
    /// At most this long a recording, in seconds (24 hours).
    pub const MAX_DURATION_S: f64 = 24.0 * 3600.0;
    /// At most this many samples over all leads (200 MB of `f32`).
    pub const MAX_TOTAL_SAMPLES: usize = 50_000_000;
    /// At most this many bytes in one signal file (200 MB).
    pub const MAX_FILE_BYTES: usize = 200 * 1024 * 1024;
    /// At most this many bytes in a header file (1 MB).
    pub const MAX_HEADER_BYTES: usize = 1024 * 1024;
    /// At most this many bytes in an annotation file (64 MB).
    pub const MAX_ANNOTATION_BYTES: usize = 64 * 1024 * 1024;
}

/// `n` with thousands separators ("60,000"), for the readers' messages.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One lead of a recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    /// The lead's name as written in the file (e.g. "I", "AVR", "v1"). See [`leads::canonical_lead_name`].
    pub name: String,
    /// Samples in millivolts, one per sampling instant.
    pub samples_mv: Vec<f32>,
}

/// A multi-lead ECG recording: all leads share one sampling rate and one length.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The record's name (from the header, e.g. "00001_lr").
    pub name: String,
    /// Samples per second per lead.
    pub sample_rate_hz: f64,
    /// The leads, in file order.
    pub leads: Vec<Lead>,
    /// Free-text comments: the header's `#` lines (without the `#`), then any notes the reader added
    /// (these start with `ecglens:`).
    pub comments: Vec<String>,
}

impl Record {
    /// Samples per lead (of the first lead; [`Record::validate`] checks they are all equal). 0 without leads.
    pub fn n_samples(&self) -> usize {
        self.leads.first().map_or(0, |l| l.samples_mv.len())
    }

    /// Duration in seconds (0 if the sampling rate is not positive).
    pub fn duration_s(&self) -> f64 {
        if self.sample_rate_hz > 0.0 && self.sample_rate_hz.is_finite() {
            self.n_samples() as f64 / self.sample_rate_hz
        } else {
            0.0
        }
    }

    /// The first lead whose name normalises to `canonical` (itself normalised, so "AVR" finds "aVR").
    pub fn lead(&self, canonical: &str) -> Option<&Lead> {
        let want = leads::canonical_lead_name(canonical)?;
        self.leads.iter().find(|l| leads::canonical_lead_name(&l.name) == Some(want))
    }

    /// Checks: a finite positive sampling rate, at least one lead, more than zero samples, all leads of
    /// equal length, every sample finite.
    pub fn validate(&self) -> Result<(), SignalError> {
        if !(self.sample_rate_hz.is_finite() && self.sample_rate_hz > 0.0) {
            return Err(SignalError::BadSampleRate {
                record: self.name.clone(),
                rate: self.sample_rate_hz.to_string(),
            });
        }
        let first = self.leads.first().ok_or_else(|| SignalError::NoLeads { record: self.name.clone() })?;
        let n = first.samples_mv.len();
        if n == 0 {
            return Err(SignalError::Empty { record: self.name.clone() });
        }
        for lead in &self.leads {
            if lead.samples_mv.len() != n {
                return Err(SignalError::LengthMismatch {
                    record: self.name.clone(),
                    lead: lead.name.clone(),
                    len: lead.samples_mv.len(),
                    first_lead: first.name.clone(),
                    expected: n,
                });
            }
            if let Some(i) = lead.samples_mv.iter().position(|v| !v.is_finite()) {
                return Err(SignalError::NonFinite {
                    record: self.name.clone(),
                    lead: lead.name.clone(),
                    index: i,
                    time_s: i as f64 / self.sample_rate_hz,
                });
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong reading or processing a recording.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum SignalError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{file} is not a WFDB header: it is not text ({message})")]
    HeaderNotText { file: String, message: String },
    #[error("{file}, line {line}: {message}")]
    HeaderSyntax { file: String, line: usize, message: String },
    #[error("{file}: {message}")]
    Unsupported { file: String, message: String },
    #[error("{file}: signal {signal} (lead {lead}) uses WFDB storage format {format}, which ecglens cannot read (supported: 8, 16, 24, 32, 61, 80, 160, 212, 310, 311)")]
    UnsupportedFormat { file: String, signal: usize, lead: String, format: u32 },
    #[error("the signal file {file} named in {header} was not provided: add it next to the header")]
    MissingSignalFile { header: String, file: String },
    #[error("{file} is truncated or does not match its header: {header} promises {n_samples} samples per lead ({duration_s:.2} s), which needs {expected_bytes} bytes, but the file holds {actual_bytes} bytes")]
    Truncated {
        file: String,
        header: String,
        n_samples: usize,
        duration_s: f64,
        expected_bytes: usize,
        actual_bytes: usize,
    },
    #[error("{file}: lead {lead} has {count} of {n_samples} samples marked invalid (no signal; the first at {first_time_s:.3} s) — too many to fill in")]
    InvalidSamples { file: String, lead: String, count: usize, n_samples: usize, first_time_s: f64 },
    #[error("{file} is too large for ecglens: {message}")]
    TooLarge { file: String, message: String },
    #[error("record {record} has no samples (zero length)")]
    Empty { record: String },
    #[error("record {record} has no leads")]
    NoLeads { record: String },
    #[error("record {record}: lead {lead} has {len} samples but lead {first_lead} has {expected}; all leads must be equally long")]
    LengthMismatch { record: String, lead: String, len: usize, first_lead: String, expected: usize },
    #[error("record {record}: lead {lead} has an invalid value (not a number) at sample {index} ({time_s:.3} s)")]
    NonFinite { record: String, lead: String, index: usize, time_s: f64 },
    #[error("record {record}: the sampling rate {rate} Hz is not a positive number")]
    BadSampleRate { record: String, rate: String },
    #[error("record {record} lacks lead(s) {}: it has {}", .missing.join(", "), if .available.is_empty() { "no leads".to_string() } else { .available.join(", ") })]
    MissingLeads { record: String, missing: Vec<String>, available: Vec<String> },
    /// A file of a known format that is broken: truncated, corrupt, of the wrong document type or version.
    #[error("{file} ({format}): {message}")]
    Malformed { file: String, format: &'static str, message: String },
    /// A file that does not say something ecglens needs (its rate, lead names, units): the app asks.
    #[error("{}", options::needs_input_message(.file, .questions))]
    NeedsInput { file: String, format: &'static str, questions: Vec<options::Question> },
    /// A file that is none of the supported formats.
    #[error("{}", sniff::unrecognised_message(.file, .looks_like))]
    Unrecognised { file: String, looks_like: String },
    #[error("{file} is not a valid annotation file: {message}")]
    Annotation { file: String, message: String },
    #[error("cannot resample: {message}")]
    Resample { message: String },
    #[error("cannot filter: {message}")]
    Filter { message: String },
    #[error("the signal is too short to filter: it has {len} samples, the filter needs more than {needed}")]
    TooShortToFilter { len: usize, needed: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(leads: Vec<(&str, Vec<f32>)>) -> Record {
        Record {
            name: "r".into(),
            sample_rate_hz: 100.0,
            leads: leads.into_iter().map(|(n, s)| Lead { name: n.into(), samples_mv: s }).collect(),
            comments: vec![],
        }
    }

    #[test]
    fn validate_catches_each_problem() {
        assert!(rec(vec![("I", vec![0.0; 10]), ("II", vec![1.0; 10])]).validate().is_ok());
        assert!(matches!(rec(vec![]).validate(), Err(SignalError::NoLeads { .. })));
        assert!(matches!(rec(vec![("I", vec![])]).validate(), Err(SignalError::Empty { .. })));
        assert!(matches!(
            rec(vec![("I", vec![0.0; 10]), ("II", vec![0.0; 9])]).validate(),
            Err(SignalError::LengthMismatch { .. })
        ));
        let e = rec(vec![("I", vec![0.0, f32::NAN])]).validate().unwrap_err();
        assert!(e.to_string().contains("lead I"), "{e}");
        let mut r = rec(vec![("I", vec![0.0])]);
        r.sample_rate_hz = 0.0;
        assert!(matches!(r.validate(), Err(SignalError::BadSampleRate { .. })));
        r.sample_rate_hz = f64::NAN;
        assert!(r.validate().is_err());
        assert_eq!(r.duration_s(), 0.0);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(60000), "60,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn accessors() {
        let r = rec(vec![("DI", vec![0.0; 250]), ("AVR", vec![1.0; 250])]);
        assert_eq!(r.n_samples(), 250);
        assert!((r.duration_s() - 2.5).abs() < 1e-12);
        assert_eq!(r.lead("I").map(|l| l.name.as_str()), Some("DI"));
        assert_eq!(r.lead("aVR").map(|l| l.name.as_str()), Some("AVR"));
        assert!(r.lead("V1").is_none());
        let e = SignalError::MissingLeads { record: "x".into(), missing: vec!["V1".into()], available: vec![] };
        assert_eq!(e.to_string(), "record x lacks lead(s) V1: it has no leads");
    }
}
