//! What a file says about itself beside its samples: which format it is, the device's own measurements and
//! interpretation statements, the patient's identity, and the reader's warnings.
//!
//! Every reader returns an [`Opened`]: the [`Record`] (named leads in mV) and this [`SourceInfo`]. The patient's
//! identity is kept apart on purpose ([`PatientIdentity`]): it travels to the screen only, never into an
//! [`crate::Explanation`] or an export, unless the user asks for it.

use serde::{Deserialize, Serialize};

use super::Record;

/// The file formats ecglens recognises by content ([`super::sniff`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// PhysioNet WFDB: a `.hea` header and the signal files it names.
    Wfdb,
    /// DICOM waveform object (12-Lead ECG, General ECG).
    Dicom,
    /// HL7 annotated ECG (the FDA's aECG XML).
    Hl7Aecg,
    /// GE MUSE XML (`<RestingECG>`).
    MuseXml,
    /// Philips PageWriter / Sierra ECG XML (`<restingecgdata>`).
    PhilipsXml,
    /// SCP-ECG (EN 1064, ISO 11073-91064).
    ScpEcg,
    /// European Data Format: EDF, EDF+ (continuous and discontinuous) and BDF/BDF+ (24-bit).
    Edf,
    /// Delimited text: CSV, TSV, semicolon-separated, with or without a header row.
    Csv,
    /// NumPy `.npy` arrays and `.npz` archives of them.
    Numpy,
    /// MATLAB `.mat`, levels 4 and 5 (7.3 files are HDF5 and go to [`Format::Hdf5`]).
    Matlab,
    /// HDF5 (CODE-15%'s `tracings`, MATLAB 7.3).
    Hdf5,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::Wfdb,
        Format::Dicom,
        Format::Hl7Aecg,
        Format::MuseXml,
        Format::PhilipsXml,
        Format::ScpEcg,
        Format::Edf,
        Format::Csv,
        Format::Numpy,
        Format::Matlab,
        Format::Hdf5,
    ];

    /// The name a user knows it by.
    pub fn label(self) -> &'static str {
        match self {
            Format::Wfdb => "WFDB",
            Format::Dicom => "DICOM",
            Format::Hl7Aecg => "HL7 aECG",
            Format::MuseXml => "GE MUSE XML",
            Format::PhilipsXml => "Philips XML",
            Format::ScpEcg => "SCP-ECG",
            Format::Edf => "EDF/BDF",
            Format::Csv => "CSV/TSV",
            Format::Numpy => "NumPy",
            Format::Matlab => "MATLAB",
            Format::Hdf5 => "HDF5",
        }
    }

    /// Formats of bare numbers, which may need what [`super::ReadOptions`] answers (a rate, lead names, units,
    /// which record): they take a sidecar JSON beside them.
    pub fn takes_options(self) -> bool {
        matches!(self, Format::Edf | Format::Csv | Format::Numpy | Format::Matlab | Format::Hdf5)
    }

    /// The list of supported formats, for messages.
    pub fn supported_list() -> String {
        let mut names: Vec<&str> = Format::ALL.iter().map(|f| f.label()).collect();
        names[0] = "WFDB (.hea + .dat)";
        names.join(", ")
    }
}

/// One measurement the recording device made and wrote into the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// One of the `measurement::*` names when it is one of those, else the file's own name.
    pub name: String,
    pub value: f64,
    /// `bpm`, `ms` or `°` for the standard ones.
    pub unit: String,
}

/// The standard names of [`Measurement::name`], so that the page can line them up across formats.
pub mod measurement {
    pub const HEART_RATE: &str = "Heart rate";
    pub const RR: &str = "RR";
    pub const P_DURATION: &str = "P";
    pub const PR: &str = "PR";
    pub const QRS: &str = "QRS";
    pub const QT: &str = "QT";
    pub const QTC: &str = "QTc";
    pub const P_AXIS: &str = "P axis";
    pub const QRS_AXIS: &str = "QRS axis";
    pub const T_AXIS: &str = "T axis";
}

/// What the recording device (cart, Holter, PACS) wrote about the ECG: its own measurements and interpretation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeviceReport {
    /// Maker and model of the device, as written (e.g. "PHILIPS PageWriter Touch").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// When the ECG was acquired, as written in the file (ISO 8601 where the file allows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquired: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// Interpretation statements, in the file's order ("Sinus rhythm", "Left axis deviation", ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<String>,
}

impl DeviceReport {
    pub fn is_empty(&self) -> bool {
        self.device.is_none() && self.acquired.is_none() && self.measurements.is_empty() && self.statements.is_empty()
    }

    /// Adds a measurement unless the value is missing or not finite.
    pub fn measure(&mut self, name: &str, value: Option<f64>, unit: &str) {
        if let Some(value) = value.filter(|v| v.is_finite()) {
            self.measurements.push(Measurement { name: name.to_string(), value, unit: unit.to_string() });
        }
    }
}

/// Who the ECG belongs to, as the file says. Shown on screen only behind a toggle; never exported by default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PatientIdentity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<String>,
}

impl PatientIdentity {
    pub fn is_empty(&self) -> bool {
        [&self.name, &self.id, &self.birth_date, &self.sex, &self.age].iter().all(|f| f.is_none())
    }

    /// Sets a field from the file's text: trimmed, and only when something is left.
    pub fn set(field: &mut Option<String>, raw: &str) {
        let t = raw.trim();
        if !t.is_empty() && field.is_none() {
            *field = Some(t.to_string());
        }
    }
}

/// Everything about a file besides the samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub format: Format,
    /// The format's variant as the file states it, e.g. "Sierra XML 1.04, XLI compressed", "SCP-ECG v2.0".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    #[serde(default, skip_serializing_if = "DeviceReport::is_empty")]
    pub device: DeviceReport,
    /// What the reader noticed and the user should know (derived leads, implausible amplitudes, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// For a file that holds several records (a NumPy batch, CODE-15%'s HDF5, a MATLAB file with several
    /// arrays): which one this is. `None` for a file of one record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
    /// Time-stamped events the file carries (EDF+ annotations: "Lights off", "Arousal", ...), in time order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// When only a stretch of a long recording was read ([`super::ReadOptions::window`]): which, and how long the
    /// whole recording is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowInfo>,
}

/// One annotation of a recording, in seconds from its start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub onset_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    pub text: String,
}

/// The stretch of a long recording that a [`Record`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WindowInfo {
    /// Where the record starts, in seconds from the recording's start.
    pub start_s: f64,
    pub duration_s: f64,
    /// The whole recording's duration.
    pub total_duration_s: f64,
}

/// Which record of a multi-record file a [`SourceInfo`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// 0-based index, as asked in [`super::ReadOptions::item`].
    pub index: usize,
    /// How many records the file holds.
    pub count: usize,
    /// How the file names this record ("exam 1169160", "array x_test[3]"); the row's name suffix.
    pub label: String,
}

impl SourceInfo {
    pub fn new(format: Format, detail: impl Into<String>) -> Self {
        SourceInfo {
            format,
            detail: detail.into(),
            device: DeviceReport::default(),
            warnings: Vec::new(),
            part: None,
            events: Vec::new(),
            window: None,
        }
    }
}

/// A file read by one of the readers.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub record: Record,
    pub source: SourceInfo,
    /// Kept out of `source` so that nothing exportable ever holds it.
    pub patient: PatientIdentity,
}
