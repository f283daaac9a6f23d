//! What a file cannot say about itself and the user can: its sampling rate, its lead order, its units, and which
//! record of a multi-record file to read. And random access to a file's bytes, for files too large to hold.
//!
//! A CSV or a NumPy array is just numbers: when nothing in the file (or a sidecar JSON beside it) gives the
//! rate, a reader returns [`SignalError::NeedsInput`] naming each [`Question`], and the app asks (the CLI has
//! `--rate`, `--leads`, `--units`). A reader never guesses silently: a default it applies is a warning.

use serde::{Deserialize, Serialize};

use super::SignalError;

/// The sampling rate the app proposes when a file does not give one (most resting ECGs are 500 Hz).
pub const DEFAULT_SAMPLE_RATE_HZ: f64 = 500.0;

/// Answers to the questions a file leaves open (from the user, the CLI's options or a sidecar JSON).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReadOptions {
    /// Samples per second per lead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate_hz: Option<f64>,
    /// The leads' names in the file's order (standard names: "I", "II", ..., "V6").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leads: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Units>,
    /// Which record of a file that holds several ([`super::source::Part`]), 0-based.
    #[serde(default)]
    pub item: usize,
    /// Only this stretch of a long recording (readers of long formats read just its bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<TimeWindow>,
}

/// A stretch of a recording, in seconds from its start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub start_s: f64,
    pub duration_s: f64,
}

impl ReadOptions {
    /// Options from a sidecar JSON (`x.json` beside `x.npy`): `{"sample_rate_hz": 500, "leads": ["I", ...],
    /// "units": "mV"}`; every field optional. `units` is "mV", "uV"/"µV", "V", or `{"raw": ADU_PER_MV}`.
    pub fn from_sidecar(file: &str, bytes: &[u8]) -> Result<Self, SignalError> {
        serde_json::from_slice::<ReadOptions>(bytes).map_err(|e| SignalError::Malformed {
            file: file.to_string(),
            format: "sidecar JSON",
            message: format!("not a valid sidecar ({e}); expected {{\"sample_rate_hz\": 500, \"leads\": [\"I\", \"II\"], \"units\": \"mV\"}}"),
        })
    }

    /// These options where set, else `fallback`'s (the user's answers over a sidecar's).
    pub fn or(&self, fallback: &ReadOptions) -> ReadOptions {
        ReadOptions {
            sample_rate_hz: self.sample_rate_hz.or(fallback.sample_rate_hz),
            leads: self.leads.clone().or_else(|| fallback.leads.clone()),
            units: self.units.or(fallback.units),
            item: self.item,
            window: self.window.or(fallback.window),
        }
    }
}

/// The physical unit of a file's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Units {
    #[serde(rename = "mV")]
    Millivolts,
    #[serde(rename = "uV", alias = "µV", alias = "μV")]
    Microvolts,
    #[serde(rename = "V")]
    Volts,
    /// Raw ADC units, this many per millivolt.
    #[serde(rename = "raw")]
    Raw(f64),
}

impl Units {
    /// Millivolts per unit of the file's numbers.
    pub fn mv_per_unit(self) -> f64 {
        match self {
            Units::Millivolts => 1.0,
            Units::Microvolts => 1e-3,
            Units::Volts => 1e3,
            Units::Raw(adu_per_mv) => 1.0 / adu_per_mv,
        }
    }

    /// "mV", "µV", "V", "raw / 1000 per mV".
    pub fn label(self) -> String {
        match self {
            Units::Millivolts => "mV".into(),
            Units::Microvolts => "µV".into(),
            Units::Volts => "V".into(),
            Units::Raw(g) => format!("raw ADC units, {g} per mV"),
        }
    }

    /// From a unit as files and users write it: "mV", "millivolt", "uV", "µV", "microvolts", "V", "volt".
    /// `None` for anything else.
    pub fn parse(text: &str) -> Option<Units> {
        let t = text.trim().trim_matches(|c| c == '(' || c == ')' || c == '[' || c == ']').to_ascii_lowercase();
        match t.as_str() {
            "mv" | "millivolt" | "millivolts" => Some(Units::Millivolts),
            "uv" | "µv" | "μv" | "microvolt" | "microvolts" => Some(Units::Microvolts),
            "v" | "volt" | "volts" => Some(Units::Volts),
            _ => None,
        }
    }
}

/// Something a file does not say and the user must.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "snake_case")]
pub enum Question {
    /// The sampling rate; the app proposes `suggested_hz`.
    SampleRate { suggested_hz: f64 },
    /// The names of `count` leads, in the file's order; the app proposes `suggested`.
    Leads { count: usize, suggested: Vec<String> },
    /// The unit of the numbers; `suggested` is the likeliest from their size.
    Units { suggested: Units },
}

impl Question {
    /// "its sampling rate", "the names of its 12 leads", "the unit of its numbers", for messages.
    pub fn describe(&self) -> String {
        match self {
            Question::SampleRate { .. } => "its sampling rate".into(),
            Question::Leads { count, .. } => format!("the names of its {count} leads"),
            Question::Units { .. } => "the unit of its numbers".into(),
        }
    }

    /// The CLI option that answers it.
    pub fn cli_option(&self) -> &'static str {
        match self {
            Question::SampleRate { .. } => "--rate HZ",
            Question::Leads { .. } => "--leads I,II,...",
            Question::Units { .. } => "--units mV|uV|V",
        }
    }
}

/// The message of [`SignalError::NeedsInput`].
pub fn needs_input_message(file: &str, questions: &[Question]) -> String {
    let what: Vec<String> = questions.iter().map(Question::describe).collect();
    let options: Vec<&str> = questions.iter().map(Question::cli_option).collect();
    format!(
        "{file} does not say {}: give it in the app, in a sidecar {}.json, or with {} in the CLI",
        what.join(" or "),
        super::open::record_name(file),
        options.join(" ")
    )
}

/// Random access to a file's bytes: a whole file in memory, a file on disk, a browser `File` read synchronously
/// in the worker. Readers of files too large to hold (HDF5, long EDF and WFDB recordings) read through it.
pub trait ByteSource {
    /// The file's length in bytes.
    fn len(&self) -> u64;
    /// Exactly `len` bytes from `offset`, or an error (past the end is an error).
    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SignalError>;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A file held in memory.
pub struct InMemory<'a> {
    pub file: &'a str,
    pub bytes: &'a [u8],
}

impl ByteSource for InMemory<'_> {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SignalError> {
        let start = usize::try_from(offset).ok();
        let range = start.and_then(|s| s.checked_add(len).map(|e| s..e));
        range.and_then(|r| self.bytes.get(r)).map(<[u8]>::to_vec).ok_or_else(|| SignalError::Malformed {
            file: self.file.to_string(),
            format: "file",
            message: format!(
                "the file ends at byte {} but {} bytes are needed from byte {offset}: it is truncated",
                super::thousands(self.bytes.len()),
                super::thousands(len)
            ),
        })
    }
}

/// A file on disk (native only), read as needed.
#[cfg(not(target_arch = "wasm32"))]
pub struct OnDisk {
    pub path: std::path::PathBuf,
    file: std::fs::File,
    len: u64,
}

#[cfg(not(target_arch = "wasm32"))]
impl OnDisk {
    pub fn open(path: &std::path::Path) -> Result<Self, SignalError> {
        let io = |e: std::io::Error| SignalError::Io { path: path.display().to_string(), message: e.to_string() };
        let file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        Ok(OnDisk { path: path.to_path_buf(), file, len })
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl ByteSource for OnDisk {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SignalError> {
        use std::os::unix::fs::FileExt;
        let end = offset.checked_add(len as u64).filter(|&e| e <= self.len);
        if end.is_none() {
            return Err(SignalError::Malformed {
                file: self.path.display().to_string(),
                format: "file",
                message: format!(
                    "the file ends at byte {} but {len} bytes are needed from byte {offset}: it is truncated",
                    self.len
                ),
            });
        }
        let mut buf = vec![0u8; len];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(|e| SignalError::Io { path: self.path.display().to_string(), message: e.to_string() })?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_and_units() {
        let o = ReadOptions::from_sidecar("x.json", br#"{"sample_rate_hz": 400, "leads": ["I","II"], "units": "uV"}"#)
            .unwrap();
        assert_eq!(o.sample_rate_hz, Some(400.0));
        assert_eq!(o.units, Some(Units::Microvolts));
        let raw = ReadOptions::from_sidecar("x.json", br#"{"units": {"raw": 1000}}"#).unwrap();
        assert_eq!(raw.units.map(Units::mv_per_unit), Some(0.001));
        let e = ReadOptions::from_sidecar("x.json", b"{\"sample_rate_hz\": \"fast\"}").unwrap_err().to_string();
        assert!(e.starts_with("x.json (sidecar JSON): not a valid sidecar"), "{e}");
        let user = ReadOptions { sample_rate_hz: Some(250.0), ..Default::default() };
        let merged = user.or(&o);
        assert_eq!((merged.sample_rate_hz, merged.leads.map(|l| l.len())), (Some(250.0), Some(2)));
        assert_eq!(Units::parse(" (µV) "), Some(Units::Microvolts));
        assert_eq!(Units::parse("mmHg"), None);
    }

    #[test]
    fn needs_input_names_each_question() {
        let m = needs_input_message(
            "a/x.csv",
            &[Question::SampleRate { suggested_hz: 500.0 }, Question::Units { suggested: Units::Microvolts }],
        );
        assert_eq!(
            m,
            "a/x.csv does not say its sampling rate or the unit of its numbers: give it in the app, in a sidecar x.json, or with --rate HZ --units mV|uV|V in the CLI"
        );
    }

    #[test]
    fn in_memory_reads_ranges_and_refuses_past_the_end() {
        let src = InMemory { file: "f", bytes: b"0123456789" };
        assert_eq!(src.read_at(2, 3).unwrap(), b"234");
        assert!(src.read_at(8, 3).is_err());
        assert!(src.read_at(u64::MAX, 3).is_err());
        assert_eq!(src.len(), 10);
    }
}
