//! SCP-ECG (EN 1064:2005+A1, ISO 11073-91064; "Standard Communications Protocol for computer-assisted
//! electrocardiography"), versions 1.x, 2.x and, as far as they share the layout, 3.0, from bytes.
//!
//! A record is a 6-byte header (CRC-CCITT, length) and numbered sections, each with a 16-byte header of its own
//! (CRC, id, length, versions); section 0 points to the others. ecglens reads:
//! * [`sections`] — the record and section frames and their CRCs (a wrong CRC is a warning, see there);
//! * [`patient`] — section 1: patient identity, acquiring device, acquisition time, filters, free text;
//! * [`huffman`] — section 2: the default Huffman table (19999), tables carried in the file, or none;
//! * [`rhythm`] — sections 3 (leads), 6 (rhythm data) and, for a residual, 4 and 5 (reference beat added back);
//! * [`measurements`] — section 7 (global measurements) and the statements of section 8 or 11.
//!
//! Ignored: section 5 as a median beat of its own (ecglens shows the rhythm), section 9 (manufacturer's
//! interpretation), section 10 (per-lead measurements), manufacturer sections (id ≥ 12). Refused: bimodal
//! compression. Leads III, aVR, aVL and aVF are derived from I and II when a file stores only 8 leads.
//!
//! Hand-written: no Rust crate reads SCP-ECG. It follows the standard's layout as implemented by ECGToolkit's
//! C# decoder (Refactoring/ECGToolkit, `libs/ECGConversion/ECGConversion/SCP/SCPSection{0..7}.cs`,
//! `SCPFormat.cs`: pointer table, Huffman structs stored bit-reversed, default table, the residual + reference
//! beat reconstruction `SCPSection4.AddMedians`), and is checked against BioSig's SCP reader (libbiosig,
//! `sopen_scp_read.c`) by `tools/reference/make_scp.py`.

mod huffman;
mod measurements;
mod patient;
mod rhythm;
mod sections;

use super::source::{Format, Opened, SourceInfo};
use super::{derive, open, Lead, Record, SignalError};

/// The format's label in messages.
const LABEL: &str = "SCP-ECG";

/// What can go wrong inside the reader; [`read`] turns it into a [`SignalError`] naming the file.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ScpError {
    Malformed(String),
    TooLarge(String),
    Unsupported(String),
}

impl ScpError {
    pub fn message(&self) -> &str {
        match self {
            ScpError::Malformed(m) | ScpError::TooLarge(m) | ScpError::Unsupported(m) => m,
        }
    }

    fn into_signal_error(self, file: &str) -> SignalError {
        let file = file.to_string();
        match self {
            ScpError::Malformed(message) => SignalError::Malformed { file, format: LABEL, message },
            ScpError::TooLarge(message) => SignalError::TooLarge { file, message },
            ScpError::Unsupported(message) => SignalError::Unsupported { file, message: format!("{LABEL}: {message}") },
        }
    }
}

/// The version as people write it: protocol byte 20 → "2.0", 13 → "1.3", 29/30 → "3.0".
fn version_name(protocol: u8) -> Option<String> {
    match protocol {
        10..=13 | 20..=28 => Some(format!("{}.{}", protocol / 10, protocol % 10)),
        29 | 30 => Some("3.0".into()),
        _ => None,
    }
}

/// Reads an SCP-ECG record from `bytes`; `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8]) -> Result<Opened, SignalError> {
    read_scp(file, bytes).map_err(|e| e.into_signal_error(file))
}

fn read_scp(file: &str, bytes: &[u8]) -> Result<Opened, ScpError> {
    let mut frame = sections::parse(bytes)?;
    let header = frame.optional(1).map(|s| patient::parse_section1(s.content)).unwrap_or_default();
    let coding = match frame.section(2)? {
        None => huffman::Coding::Uncompressed,
        Some(s) => huffman::parse_section2(s.content)
            .map_err(|m| ScpError::Malformed(format!("{}: {m}", sections::section_name(2))))?,
    };
    let rhythm = rhythm::read(&frame, &coding)?;

    let mut source = SourceInfo::new(Format::ScpEcg, "");
    let version = version_name(frame.protocol_version).or_else(|| header.protocol_version.and_then(version_name));
    let mut detail = vec![match version {
        Some(v) => format!("{LABEL} v{v}"),
        None => LABEL.to_string(),
    }];
    detail.push(coding.describe());
    detail.extend(rhythm.detail.iter().cloned());
    source.detail = detail.join(", ");
    source.device.device = header.device.clone();
    source.device.acquired = header.acquired.clone();
    if let Some(s7) = frame.optional(7) {
        measurements::parse_section7(s7.content, &mut source.device);
    }
    let mut statements = frame.optional(8).map(|s| measurements::parse_section8(s.content)).unwrap_or_default();
    if statements.is_empty() {
        statements = frame.optional(11).map(|s| measurements::parse_section11(s.content)).unwrap_or_default();
    }
    source.device.statements = statements;
    source.warnings.extend(frame.warnings);
    source.warnings.extend(rhythm.warnings);

    let mut record = Record {
        name: open::record_name(file),
        sample_rate_hz: rhythm.sample_rate_hz,
        leads: rhythm.leads.into_iter().map(|(name, samples_mv)| Lead { name, samples_mv }).collect(),
        comments: header.comments,
    };
    let derived = derive::derive_limb_leads(&mut record);
    if !derived.is_empty() {
        source.warnings.push(derive::derived_note(&derived));
    }
    Ok(Opened { record, source, patient: header.patient })
}

#[cfg(test)]
mod tests;
