//! GE MUSE XML (the export of GE Healthcare's MUSE cardiology system and MAC carts: root `<RestingECG>`,
//! ISO-8859-1, a `restecg.dtd` DOCTYPE).
//!
//! What is read:
//! * the **rhythm** waveform (`<Waveform>` whose `<WaveformType>` is `Rhythm`; the `Median` beat is not a
//!   lead of the record): sampling rate `<SampleBase>` × 10^`<SampleExponent>`; each `<LeadData>`:
//!   `<LeadID>`, `<LeadAmplitudeUnitsPerBit>` in `<LeadAmplitudeUnits>` (MICROVOLTS ... → mV),
//!   `<FirstSampleBaseline>`, `<LeadSampleCountTotal>`, `<LeadByteCountTotal>`, `<LeadDataCRC32>` and
//!   `<WaveFormData>`: Base64 of little-endian int16. The CRC-32 (IEEE, as zlib's) covers the decoded bytes;
//!   a mismatch is a warning, not a refusal. MUSE stores 8 leads (I, II, V1–V6): III, aVR, aVL, aVF are
//!   derived ([`derive::derive_limb_leads`]) and the derivation is noted in the comments and warnings.
//! * the cart's global measurements (`<RestingECGMeasurements>`, else `<OriginalRestingECGMeasurements>`),
//!   `QRSTimesTypes/GlobalRR`, the statements of `<Diagnosis>` (else `<OriginalDiagnosis>`), the device and
//!   acquisition time of `<TestDemographics>`, the patient of `<PatientDemographics>` ([`report`]).
//!
//! Reference: ECGToolkit's MUSE reader (Refactoring/ECGToolkit,
//! `libs/ECGConversion/MUSEXML/MUSEXML/MUSEXMLFormat.cs`: rhythm waveform, CRC over the decoded data, statements
//! joined until `ENDSLINE`, `MM-dd-yyyy` dates) and BRAVEHEART's loader (BIVectors/BRAVEHEART, `load_musexml.m`:
//! value = (int16 + FirstSampleBaseline) × units per bit). The fixture is checked against an independent reader
//! with Python's standard library (`tools/reference/make_muse.py`: xml.etree, base64, struct, zlib.crc32).
//! Hand-written over the shared element tree ([`super::xml::tree`]): no Rust crate reads MUSE XML.

mod report;
mod waveform;

use super::derive;
use super::limits;
use super::source::{Format, Opened, SourceInfo};
use super::thousands;
use super::xml::tree::{self, Element};
use super::{open, xml, Lead, Record, SignalError};

const FORMAT: &str = "GE MUSE XML";

fn malformed(file: &str, message: impl Into<String>) -> SignalError {
    SignalError::Malformed { file: file.to_string(), format: FORMAT, message: message.into() }
}

fn too_large(file: &str, message: String) -> SignalError {
    SignalError::TooLarge { file: file.to_string(), message }
}

/// Reads a MUSE XML document from its bytes. `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8]) -> Result<Opened, SignalError> {
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(too_large(
            file,
            format!("it is {} bytes, at most {} are read", thousands(bytes.len()), thousands(limits::MAX_FILE_BYTES)),
        ));
    }
    let text = xml::decode(file, bytes).map_err(|e| match e {
        SignalError::Malformed { message, .. } => malformed(file, message),
        other => other,
    })?;
    let root = tree::parse(&text).map_err(|m| malformed(file, m))?;
    if root.name != "RestingECG" {
        return Err(malformed(file, format!("document type is '{}', expected 'RestingECG'", root.name)));
    }
    let rhythm = rhythm_waveform(&root).map_err(|m| malformed(file, m))?;
    let mut source = SourceInfo::new(Format::MuseXml, String::new());
    let (sample_rate_hz, leads) = read_leads(file, rhythm, &mut source.warnings)?;

    let mut record = Record { name: open::record_name(file), sample_rate_hz, leads, comments: Vec::new() };
    source.detail = match root.text_at(&["MuseInfo", "MuseVersion"]) {
        Some(v) => format!("MUSE {v}, rhythm waveform of {} leads (Base64 int16)", record.leads.len()),
        None => format!("GE MUSE XML, rhythm waveform of {} leads (Base64 int16)", record.leads.len()),
    };
    let derived = derive::derive_limb_leads(&mut record);
    if !derived.is_empty() {
        source.warnings.push(derive::derived_note(&derived));
    }
    source.device = report::device_report(&root);
    let patient = report::patient(&root);
    Ok(Opened { record, source, patient })
}

/// The first `<Waveform>` of type `Rhythm`.
fn rhythm_waveform(root: &Element) -> Result<&Element, String> {
    let waveforms: Vec<&Element> = root.children("Waveform").collect();
    let kind = |w: &Element| w.child_text("WaveformType").unwrap_or("(no type)").to_string();
    waveforms.iter().copied().find(|w| kind(w).eq_ignore_ascii_case("Rhythm")).ok_or_else(|| {
        if waveforms.is_empty() {
            "the document holds no <Waveform>: there are no samples to read".to_string()
        } else {
            let kinds: Vec<String> = waveforms.iter().map(|w| kind(w)).collect();
            format!(
                "the document holds no Rhythm waveform, only {}: ecglens reads the rhythm strip, not median beats",
                kinds.join(", ")
            )
        }
    })
}

/// The sampling rate, from `<SampleBase>` × 10^`<SampleExponent>`.
fn sample_rate(waveform: &Element) -> Result<f64, String> {
    let base = waveform
        .child_text("SampleBase")
        .ok_or("the rhythm waveform has no <SampleBase>: the sampling rate is unknown")?;
    let base: f64 = base.parse().map_err(|_| format!("the sampling rate <SampleBase> '{base}' is not a number"))?;
    let exponent = match waveform.child_text("SampleExponent") {
        None => 0,
        Some(t) => t
            .parse::<i32>()
            .ok()
            .filter(|e| e.abs() <= 9)
            .ok_or_else(|| format!("the sampling rate exponent <SampleExponent> '{t}' is not a small integer"))?,
    };
    let rate = base * 10f64.powi(exponent);
    if !(rate.is_finite() && rate > 0.0 && rate <= 1e6) {
        return Err(format!("the sampling rate {base} × 10^{exponent} Hz is not a plausible rate"));
    }
    Ok(rate)
}

/// The sampling rate and leads (in mV, file order) of the rhythm waveform. Sizes are checked before any
/// sample is decoded.
fn read_leads(file: &str, waveform: &Element, warnings: &mut Vec<String>) -> Result<(f64, Vec<Lead>), SignalError> {
    let rate = sample_rate(waveform).map_err(|m| malformed(file, m))?;
    let elements: Vec<&Element> = waveform.children("LeadData").collect();
    if elements.is_empty() {
        return Err(malformed(file, "the rhythm waveform has no <LeadData>: there are no leads"));
    }
    if elements.len() > limits::MAX_SIGNALS {
        return Err(too_large(
            file,
            format!("it has {} leads, at most {} are read", elements.len(), limits::MAX_SIGNALS),
        ));
    }
    if let Some(stated) = waveform.child_text("NumberofLeads").and_then(|t| t.parse::<usize>().ok()) {
        if stated != elements.len() {
            warnings.push(format!(
                "ecglens: the rhythm waveform says it has {stated} leads (<NumberofLeads>) but holds {}",
                elements.len()
            ));
        }
    }
    let headers = elements
        .iter()
        .enumerate()
        .map(|(i, e)| waveform::header(e, i))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| malformed(file, m))?;
    let bound = headers.iter().map(waveform::LeadHeader::max_samples).max().unwrap_or(0);
    let total = bound.saturating_mul(headers.len());
    if total > limits::MAX_TOTAL_SAMPLES || bound as f64 / rate > limits::MAX_DURATION_S {
        return Err(too_large(
            file,
            format!(
                "{} leads × up to {} samples ({:.0} s at {rate} Hz); at most {} samples and {} hours are read",
                headers.len(),
                thousands(bound),
                bound as f64 / rate,
                thousands(limits::MAX_TOTAL_SAMPLES),
                limits::MAX_DURATION_S / 3600.0
            ),
        ));
    }

    let mut leads: Vec<Lead> = Vec::with_capacity(headers.len());
    for h in &headers {
        warnings.extend(h.notes.iter().cloned());
        let bytes = waveform::decode_base64(&h.name, h.data).map_err(|m| malformed(file, m))?;
        let n = h.sample_count.unwrap_or(bytes.len() / 2);
        if let Some(first) = leads.first() {
            let n0 = first.samples_mv.len();
            if n != n0 {
                return Err(malformed(
                    file,
                    format!(
                        "lead {} has {} samples but lead {} has {}: the leads of a waveform must be equally long",
                        h.name,
                        thousands(n),
                        first.name,
                        thousands(n0)
                    ),
                ));
            }
        }
        let samples_mv = waveform::samples(h, &bytes, n, warnings).map_err(|m| malformed(file, m))?;
        leads.push(Lead { name: h.name.clone(), samples_mv });
    }
    if leads.first().is_some_and(|l| l.samples_mv.is_empty()) {
        return Err(malformed(file, "the leads hold no samples"));
    }
    Ok((rate, leads))
}

#[cfg(test)]
mod tests;
