//! DICOM waveform objects (PS3.3 A.34: 12-Lead ECG and General ECG IODs; Waveform module C.10.9).
//!
//! A DICOM file is a 128-byte preamble, "DICM", a file meta group and a data set of tagged elements. An ECG
//! object's Waveform Sequence (5400,0100) holds one item per *multiplex group*: a set of channels sampled
//! together. Carts usually write two: the 10 s "RHYTHM" strip and a "MEDIAN BEAT". ecglens reads the group
//! labelled RHYTHM (else the longest one): its Number of Waveform Channels / Samples, Sampling Frequency,
//! Bits Allocated + Sample Interpretation (SB/UB 8, SS/US 16, SL/UL 32 bits; µ-law/A-law are refused) and the
//! interleaved Waveform Data (5400,1010). Per channel (Channel Definition Sequence): the lead from the Channel
//! Source Sequence's code ([`codes::lead_name`]: SCP-ECG "5.6.3-9-N" / MDC "2:N", else the code meaning),
//! and the value in the sensitivity units = stored × Channel Sensitivity × Sensitivity Correction Factor +
//! Channel Baseline ("offset of encoded sample value 0 from actual 0, in the units of the Channel Sensitivity
//! Units Sequence", PS3.3 C.10.9.1.4.3), converted from µV/mV/V to mV. Channels in non-voltage units are left
//! out with a comment.
//!
//! Also read: the patient module (name, ID, birth date, sex, age) into [`PatientIdentity`], Manufacturer +
//! Manufacturer's Model Name, Acquisition DateTime (else Content Date + Time), and the Waveform Annotation
//! Sequence (0040,B020): numeric measurements (PR, QRS, QT, QTc, RR, axes, heart rate; others under their own
//! name) and Unformatted Text Value statements (the device's interpretation), in file order.
//!
//! Parsing: dicom-object 0.10 (`OpenFileOptions::from_reader` after the preamble), preceded by
//! [`guard::check`], a walk over the element headers that refuses lengths beyond the end of the file and deep
//! nesting, because the parser allocates a value's declared length before reading it. Transfer syntaxes:
//! implicit VR little endian, explicit VR little and big endian (waveforms are never compressed).
//! Reference: pydicom 3.0.2 `pydicom/waveforms/numpy_handler.py` (`multiplex_array`), which applies
//! sensitivity × correction + baseline in the same order.

mod codes;
mod guard;
mod samples;
#[cfg(test)]
mod tests;

use crate::signal::thousands;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{InMemDicomObject, OpenFileOptions, Tag};

use super::limits::{MAX_DURATION_S, MAX_FILE_BYTES, MAX_SIGNALS, MAX_TOTAL_SAMPLES};
use super::open::record_name;
use super::source::{measurement, DeviceReport, Format, Measurement, Opened, PatientIdentity, SourceInfo};
use super::{Lead, Record, SignalError};
use samples::{ChannelScale, SampleKind};

pub use guard::MAX_DEPTH;

const FORMAT: &str = "DICOM";

/// Reads a DICOM ECG waveform file from its bytes. See the module documentation.
pub fn read(file: &str, bytes: &[u8]) -> Result<Opened, SignalError> {
    let malformed = |message: String| SignalError::Malformed { file: file.to_string(), format: FORMAT, message };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("{} bytes; a DICOM file is read up to {MAX_FILE_BYTES} bytes", bytes.len()),
        });
    }
    let after_preamble = match bytes.get(128..) {
        Some(rest) if rest.starts_with(b"DICM") => rest,
        _ => return Err(malformed("the 'DICM' marker at byte 128 is missing: this is not a DICOM file".into())),
    };
    let checked = guard::check(after_preamble).map_err(malformed)?;
    let Some((_, syntax_name)) = guard::encoding_of(&checked.transfer_syntax) else {
        return Err(malformed(format!(
            "its transfer syntax {} is a compressed or unusual encoding; ECG waveforms are stored uncompressed \
             (implicit or explicit VR little endian), which ecglens reads",
            checked.transfer_syntax
        )));
    };
    let object = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .from_reader(after_preamble)
        .map_err(|e| malformed(format!("the DICOM structure is corrupt: {e}")))?;
    let sop_class = text(&object, tags::SOP_CLASS_UID)
        .unwrap_or_else(|| object.meta().media_storage_sop_class_uid.trim_end_matches(['\0', ' ']).to_string());
    let sop_name = codes::sop_class_name(&sop_class);
    let groups = items(&object, tags::WAVEFORM_SEQUENCE);
    if groups.is_empty() {
        return Err(malformed(format!(
            "a DICOM without waveform data: it is {} (SOP class {sop_class}), not an ECG",
            sop_name.map_or_else(|| "another kind of object".to_string(), |n| format!("a {n}"))
        )));
    }
    let chosen = choose_group(groups);
    let group = groups.get(chosen).ok_or_else(|| malformed("no multiplex group".into()))?;
    let label = |g: &InMemDicomObject| text(g, tags::MULTIPLEX_GROUP_LABEL).unwrap_or_else(|| "unlabelled".into());
    let mut source = SourceInfo::new(Format::Dicom, "");
    let mut comments = Vec::new();
    let (leads, sample_rate_hz, kind) = read_group(file, group, &mut comments, &mut source.warnings)?;
    let others: Vec<String> = groups.iter().enumerate().filter(|(i, _)| *i != chosen).map(|(_, g)| label(g)).collect();
    comments.push(format!(
        "ecglens: read the multiplex group '{}' ({} of {}){}",
        label(group),
        chosen + 1,
        groups.len(),
        if others.is_empty() { String::new() } else { format!("; not read: '{}'", others.join("', '")) }
    ));
    source.detail = format!(
        "{}, {syntax_name}, {}-bit {kind:?} samples",
        sop_name.map_or_else(|| format!("SOP class {sop_class}"), |n| n.to_string()),
        kind.bytes() * 8
    );
    source.device = device_report(&object, &mut source.warnings);
    Ok(Opened {
        record: Record { name: record_name(file), sample_rate_hz, leads, comments },
        source,
        patient: patient(&object),
    })
}

/// The index of the group labelled RHYTHM, else of the longest one (in seconds).
fn choose_group(groups: &[InMemDicomObject]) -> usize {
    if let Some(i) = groups
        .iter()
        .position(|g| text(g, tags::MULTIPLEX_GROUP_LABEL).is_some_and(|l| l.trim().eq_ignore_ascii_case("RHYTHM")))
    {
        return i;
    }
    let duration = |g: &InMemDicomObject| {
        let n = uint(g, tags::NUMBER_OF_WAVEFORM_SAMPLES).unwrap_or(0) as f64;
        let fs = float(g, tags::SAMPLING_FREQUENCY).filter(|f| *f > 0.0).unwrap_or(f64::INFINITY);
        n / fs
    };
    let mut best = 0;
    for (i, g) in groups.iter().enumerate() {
        if duration(g) > groups.get(best).map_or(0.0, duration) {
            best = i;
        }
    }
    best
}

fn read_group(
    file: &str,
    group: &InMemDicomObject,
    comments: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> Result<(Vec<Lead>, f64, SampleKind), SignalError> {
    let malformed = |message: String| SignalError::Malformed { file: file.to_string(), format: FORMAT, message };
    let too_large = |message: String| SignalError::TooLarge { file: file.to_string(), message };
    let required = |tag: Tag, name: &str| {
        uint(group, tag).ok_or_else(|| malformed(format!("the waveform does not state its {name}")))
    };
    let n_channels =
        usize::try_from(required(tags::NUMBER_OF_WAVEFORM_CHANNELS, "number of channels")?).unwrap_or(usize::MAX);
    let n_samples =
        usize::try_from(required(tags::NUMBER_OF_WAVEFORM_SAMPLES, "number of samples")?).unwrap_or(usize::MAX);
    let bits = u32::try_from(required(tags::WAVEFORM_BITS_ALLOCATED, "bits allocated")?).unwrap_or(u32::MAX);
    let sample_rate_hz = float(group, tags::SAMPLING_FREQUENCY)
        .ok_or_else(|| malformed("the waveform does not state its sampling frequency".into()))?;
    if !(sample_rate_hz.is_finite() && sample_rate_hz > 0.0) {
        return Err(malformed(format!("the sampling frequency {sample_rate_hz} Hz is not a positive number")));
    }
    if n_channels == 0 || n_samples == 0 {
        return Err(malformed(format!("the waveform has {n_channels} channels of {n_samples} samples: it is empty")));
    }
    if n_channels > MAX_SIGNALS {
        return Err(too_large(format!("{n_channels} channels; ecglens reads at most {MAX_SIGNALS}")));
    }
    if n_channels.saturating_mul(n_samples) > MAX_TOTAL_SAMPLES {
        return Err(too_large(format!(
            "{n_channels} channels × {n_samples} samples; ecglens reads at most {MAX_TOTAL_SAMPLES} samples in all"
        )));
    }
    let duration_s = n_samples as f64 / sample_rate_hz;
    if duration_s > MAX_DURATION_S {
        return Err(too_large(format!("{duration_s:.0} s of recording; ecglens reads at most {MAX_DURATION_S:.0} s")));
    }
    let interpretation = text(group, tags::WAVEFORM_SAMPLE_INTERPRETATION)
        .ok_or_else(|| malformed("the waveform does not state its sample interpretation".into()))?;
    let kind = SampleKind::new(bits, &interpretation).map_err(malformed)?;
    let data =
        waveform_bytes(group).ok_or_else(|| malformed("the waveform has no Waveform Data (5400,1010)".into()))?;
    let needed = samples::bytes_needed(n_channels, n_samples, kind).unwrap_or(usize::MAX);
    if data.len() < needed {
        return Err(malformed(format!(
            "the waveform data ends after {} of {} bytes ({n_channels} channels × {n_samples} samples × {} bytes): \
             the file is truncated",
            thousands(data.len()),
            thousands(needed),
            kind.bytes()
        )));
    }
    let definitions = items(group, tags::CHANNEL_DEFINITION_SEQUENCE);
    if definitions.len() != n_channels {
        return Err(malformed(format!(
            "the waveform has {n_channels} channels but {} channel definitions",
            definitions.len()
        )));
    }
    let mut scales = Vec::with_capacity(n_channels);
    let mut names = Vec::with_capacity(n_channels);
    let mut keep = Vec::new();
    for (i, channel) in definitions.iter().enumerate() {
        let source = items(channel, tags::CHANNEL_SOURCE_SEQUENCE).first();
        let name = codes::lead_name(
            source.and_then(|s| text(s, tags::CODE_VALUE)).as_deref(),
            source.and_then(|s| text(s, tags::CODE_MEANING)).as_deref(),
            text(channel, tags::CHANNEL_LABEL).as_deref(),
        )
        .unwrap_or_else(|| format!("channel {}", i + 1));
        let unit =
            items(channel, tags::CHANNEL_SENSITIVITY_UNITS_SEQUENCE).first().and_then(|u| text(u, tags::CODE_VALUE));
        let mv_per_unit = match unit.as_deref() {
            Some(code) => match codes::mv_per_unit(code) {
                Some(f) => f,
                None => {
                    comments.push(format!("ecglens: channel {name} is in '{code}', not a voltage: left out"));
                    scales.push(ChannelScale { scale: 1.0, offset: 0.0, mv_per_unit: 1.0 });
                    names.push(name);
                    continue;
                }
            },
            None => {
                warnings.push(format!("ecglens: channel {name} states no sensitivity units; read as µV"));
                1e-3
            }
        };
        let sensitivity = float(channel, tags::CHANNEL_SENSITIVITY).unwrap_or(1.0);
        let correction = float(channel, tags::CHANNEL_SENSITIVITY_CORRECTION_FACTOR).unwrap_or(1.0);
        let baseline = float(channel, tags::CHANNEL_BASELINE).unwrap_or(0.0);
        if ![sensitivity, correction, baseline].iter().all(|v| v.is_finite()) {
            return Err(malformed(format!(
                "channel {name} has a sensitivity, correction or baseline that is not a number"
            )));
        }
        scales.push(ChannelScale { scale: sensitivity * correction, offset: baseline, mv_per_unit });
        names.push(name);
        keep.push(i);
    }
    if keep.is_empty() {
        return Err(malformed("none of the waveform's channels is a voltage: it is not an ECG".into()));
    }
    let decoded = samples::decode(&data, n_channels, n_samples, kind, &scales, &keep);
    let leads = keep
        .iter()
        .zip(decoded)
        .map(|(&i, samples_mv)| Lead { name: names.get(i).cloned().unwrap_or_default(), samples_mv })
        .collect();
    Ok((leads, sample_rate_hz, kind))
}

/// Waveform Data as little-endian bytes, whatever VR (OB/OW) and byte order it was read with.
fn waveform_bytes(group: &InMemDicomObject) -> Option<Vec<u8>> {
    let element = group.element_opt(tags::WAVEFORM_DATA).ok()??;
    let Value::Primitive(value) = element.value() else { return None };
    Some(match value {
        PrimitiveValue::U8(v) => v.to_vec(),
        PrimitiveValue::U16(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        PrimitiveValue::I16(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        PrimitiveValue::U32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        PrimitiveValue::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        PrimitiveValue::Empty => Vec::new(),
        _ => return None,
    })
}

fn device_report(object: &InMemDicomObject, warnings: &mut Vec<String>) -> DeviceReport {
    let maker: Vec<String> =
        [tags::MANUFACTURER, tags::MANUFACTURER_MODEL_NAME].iter().filter_map(|&t| text(object, t)).collect();
    let acquired = text(object, tags::ACQUISITION_DATE_TIME).or_else(|| {
        let date = text(object, tags::CONTENT_DATE)?;
        Some(format!("{date}{}", text(object, tags::CONTENT_TIME).unwrap_or_default()))
    });
    let mut report = DeviceReport {
        device: (!maker.is_empty()).then(|| maker.join(" ")),
        acquired: acquired.map(|a| codes::iso_date_time(&a)),
        ..DeviceReport::default()
    };
    for annotation in items(object, tags::WAVEFORM_ANNOTATION_SEQUENCE) {
        if let Some(statement) = text(annotation, tags::UNFORMATTED_TEXT_VALUE) {
            report.statements.push(statement);
            continue;
        }
        let Some(value) = float(annotation, tags::NUMERIC_VALUE) else { continue };
        let Some(meaning) =
            items(annotation, tags::CONCEPT_NAME_CODE_SEQUENCE).first().and_then(|c| text(c, tags::CODE_MEANING))
        else {
            continue;
        };
        let unit = items(annotation, tags::MEASUREMENT_UNITS_CODE_SEQUENCE)
            .first()
            .and_then(|u| text(u, tags::CODE_VALUE))
            .unwrap_or_default();
        let (name, value, unit) = match codes::quantity(&meaning) {
            Some(codes::Quantity::Interval(name)) if unit == "s" => {
                (name.to_string(), value * 1000.0, "ms".to_string())
            }
            Some(codes::Quantity::Interval(name)) => (name.to_string(), value, "ms".to_string()),
            Some(codes::Quantity::Axis(name)) => {
                if !matches!(unit.as_str(), "deg" | "°" | "") {
                    warnings.push(format!("ecglens: the file gives the {name} in '{unit}'; read as degrees"));
                }
                (name.to_string(), value, "°".to_string())
            }
            Some(codes::Quantity::Rate) => (measurement::HEART_RATE.to_string(), value, "bpm".to_string()),
            None => (meaning, value, unit),
        };
        if value.is_finite() {
            report.measurements.push(Measurement { name, value, unit });
        }
    }
    report
}

fn patient(object: &InMemDicomObject) -> PatientIdentity {
    let mut p = PatientIdentity::default();
    let name = text(object, tags::PATIENT_NAME)
        .map(|n| n.split('^').filter(|s| !s.trim().is_empty()).collect::<Vec<_>>().join(" "));
    PatientIdentity::set(&mut p.name, name.as_deref().unwrap_or_default());
    for (field, tag) in [
        (&mut p.id, tags::PATIENT_ID),
        (&mut p.birth_date, tags::PATIENT_BIRTH_DATE),
        (&mut p.sex, tags::PATIENT_SEX),
        (&mut p.age, tags::PATIENT_AGE),
    ] {
        PatientIdentity::set(field, &text(object, tag).unwrap_or_default());
    }
    if let Some(birth) = p.birth_date.take() {
        p.birth_date = Some(codes::iso_date_time(&birth));
    }
    p
}

/// The element's text, without padding; `None` when absent or empty.
fn text(object: &InMemDicomObject, tag: Tag) -> Option<String> {
    let element = object.element_opt(tag).ok()??;
    let s = element.to_str().ok()?;
    let t = s.trim_matches(['\0', ' ']);
    (!t.is_empty()).then(|| t.to_string())
}

fn uint(object: &InMemDicomObject, tag: Tag) -> Option<u64> {
    object.element_opt(tag).ok()??.to_int::<u64>().ok()
}

fn float(object: &InMemDicomObject, tag: Tag) -> Option<f64> {
    object.element_opt(tag).ok()??.to_float64().ok()
}

fn items(object: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    object.element_opt(tag).ok().flatten().and_then(|e| e.items()).unwrap_or(&[])
}
