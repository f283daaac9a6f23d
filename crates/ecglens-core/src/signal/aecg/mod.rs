//! HL7 annotated ECG (aECG, the FDA's XML for ECGs in clinical trials; HL7 v3 `PORT_MT020001`, root
//! `<AnnotatedECG xmlns="urn:hl7-org:v3">`).
//!
//! What is read:
//! * the **rhythm** series (`component/series` whose `code` is `RHYTHM`): its first `sequenceSet`, where the
//!   sequence coded `TIME_ABSOLUTE` or `TIME_RELATIVE` (a `GLIST_TS`/`GLIST_PQ`) gives the sampling interval
//!   (`<increment value="0.002" unit="s"/>`), and every other sequence (`SLIST_PQ`) is a lead:
//!   physical value = `origin` + `scale` × digit, in the units of `origin`/`scale` (nV, uV, mV, V), here in mV.
//!   Leads coded `MDC_ECG_LEAD_I` ... `MDC_ECG_LEAD_V6` get the standard names, others their code without the
//!   `MDC_ECG_LEAD_` prefix. Derived series (representative/median beats) are not leads of the record.
//! * the device: `series/author/seriesAuthor` (`manufacturedSeriesDevice/manufacturerModelName`, `softwareName`,
//!   `manufacturerOrganization/name`); acquisition time `series/effectiveTime/low` (else the document's).
//! * the device's global measurements and statements: the top-level annotations of the `annotationSet`s of the
//!   rhythm series and of its derived series (`MDC_ECG_HEART_RATE`, `MDC_ECG_TIME_PD_RR/P/PR/QRS/QT/QTc`,
//!   `MDC_ECG_ANGLE_P/QRS/T_FRONT`; rhythm `MDC_ECG_RHY` and `MDC_ECG_INTERPRETATION*` text). Per-beat
//!   annotations (inside `MDC_ECG_BEAT`) and wave boundaries are not read.
//! * the patient: `componentOf/timepointEvent/componentOf/subjectAssignment/subject/trialSubject` (id,
//!   `subjectDemographicPerson` name, `administrativeGenderCode`, `birthTime`) and the reported age
//!   (`controlVariable/relatedObservation`, LOINC 21612-7). Trial subjects are usually pseudonymous.
//!
//! Reference: the HL7 aECG Implementation Guide (2005) and the sample it ships (vendored as
//! `tests/fixtures/formats/files/ecgtoolkit-example.xml`), ECGToolkit's reader
//! (Refactoring/ECGToolkit, `libs/ECGConversion/aECG/aECG/aECGFormat.cs`, `aECGSequence.cs`) and the `aecg` PyPI
//! package (`Sequence.physical_digits`: origin + scale × digits). The fixture is checked against an independent
//! reader with Python's `xml.etree` (`tools/reference/make_aecg.py`). Hand-written over quick-xml: no Rust crate
//! reads aECG.

mod values;

use super::xml::tree::{self, Element};
use crate::signal::thousands;

use super::derive;
use super::leads::canonical_lead_name;
use super::limits;
use super::source::{measurement, DeviceReport, Format, Opened, PatientIdentity, SourceInfo};
use super::{open, xml, Lead, Record, SignalError};

const FORMAT: &str = "HL7 aECG";

fn malformed(file: &str, message: impl Into<String>) -> SignalError {
    SignalError::Malformed { file: file.to_string(), format: FORMAT, message: message.into() }
}

fn code(e: &Element) -> Option<&str> {
    e.child("code").and_then(|c| c.attr("code")).map(str::trim)
}

/// Reads an aECG document from its bytes. `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8]) -> Result<Opened, SignalError> {
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!(
                "it is {} bytes, at most {} are read",
                thousands(bytes.len()),
                thousands(limits::MAX_FILE_BYTES)
            ),
        });
    }
    let text = xml::decode(file, bytes).map_err(|e| match e {
        SignalError::Malformed { message, .. } => malformed(file, message),
        other => other,
    })?;
    let root = tree::parse(&text).map_err(|m| malformed(file, m))?;
    if root.name != "AnnotatedECG" {
        return Err(malformed(file, format!("document type is '{}', expected 'AnnotatedECG'", root.name)));
    }
    let all_series: Vec<&Element> = root.children("component").filter_map(|c| c.child("series")).collect();
    let series = all_series.iter().copied().find(|s| code(s) == Some("RHYTHM")).ok_or_else(|| {
        let codes: Vec<&str> = all_series.iter().map(|s| code(s).unwrap_or("(no code)")).collect();
        malformed(
            file,
            if codes.is_empty() {
                "the document holds no waveform series (component/series)".to_string()
            } else {
                format!(
                    "the document holds no RHYTHM series, only {}: ecglens reads rhythm waveforms",
                    codes.join(", ")
                )
            },
        )
    })?;

    let sets: Vec<&Element> = series.children("component").filter_map(|c| c.child("sequenceSet")).collect();
    let set = sets.first().ok_or_else(|| malformed(file, "the rhythm series has no sequenceSet"))?;
    let (sample_rate_hz, leads) = read_sequences(file, set)?;

    let mut record = Record { name: open::record_name(file), sample_rate_hz, leads, comments: Vec::new() };
    if let Some(t) = root.text_at(&["pertainsTo", "subjectFindingComment", "text"]) {
        record.comments.push(t.to_string());
    }
    let mut source = SourceInfo::new(
        Format::Hl7Aecg,
        format!("HL7 aECG, rhythm series of {} sequences (SLIST_PQ)", record.leads.len()),
    );
    if sets.len() > 1 {
        source
            .warnings
            .push(format!("ecglens: the rhythm series has {} sequence sets; only the first is read", sets.len()));
    }
    let derived = derive::derive_limb_leads(&mut record);
    if !derived.is_empty() {
        source.warnings.push(derive::derived_note(&derived));
    }
    source.device = device_report(&root, series);
    let patient = patient(&root);
    Ok(Opened { record, source, patient })
}

/// The sampling rate and the leads of one sequence set.
fn read_sequences(file: &str, set: &Element) -> Result<(f64, Vec<Lead>), SignalError> {
    let sequences: Vec<&Element> = set.children("component").filter_map(|c| c.child("sequence")).collect();
    let mut increment_s: Option<f64> = None;
    let mut lead_sequences = Vec::new();
    for seq in sequences {
        let c = code(seq).unwrap_or("");
        if c == "TIME_ABSOLUTE" || c == "TIME_RELATIVE" {
            let inc = seq.path(&["value", "increment"]).ok_or_else(|| {
                malformed(file, format!("the time sequence ({c}) has no <increment>: the sampling rate is unknown"))
            })?;
            let unit = inc.attr("unit").unwrap_or("s");
            let per = values::s_per_unit(unit).ok_or_else(|| {
                malformed(file, format!("the sampling increment has unit '{unit}', which is not a time unit (s, ms)"))
            })?;
            let v = inc.attr("value").and_then(values::number).filter(|v| *v > 0.0).ok_or_else(|| {
                malformed(
                    file,
                    format!("the sampling increment '{}' is not a positive number", inc.attr("value").unwrap_or("")),
                )
            })?;
            increment_s = Some(v * per);
        } else if let Some(value) = seq.child("value").filter(|v| v.child("digits").is_some()) {
            lead_sequences.push((c, value));
        }
    }
    let increment_s = increment_s.ok_or_else(|| {
        malformed(
            file,
            "the sequence set has no time sequence (TIME_ABSOLUTE/TIME_RELATIVE): the sampling rate is unknown",
        )
    })?;
    let sample_rate_hz = 1.0 / increment_s;
    if !sample_rate_hz.is_finite() {
        return Err(malformed(file, format!("the sampling increment {increment_s} s gives no usable sampling rate")));
    }
    if lead_sequences.is_empty() {
        return Err(malformed(file, "the rhythm series holds no lead sequences (SLIST_PQ with <digits>)"));
    }
    if lead_sequences.len() > limits::MAX_SIGNALS {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("it has {} leads, at most {} are read", lead_sequences.len(), limits::MAX_SIGNALS),
        });
    }
    // Sizes first, before allocating anything.
    let mut n_first: Option<(usize, String)> = None;
    for (c, value) in &lead_sequences {
        let name = lead_name(c);
        let n = values::count_digits(value.child("digits").map_or("", |d| d.text.as_str()));
        match &n_first {
            None => n_first = Some((n, name)),
            Some((n0, first)) if *n0 != n => {
                return Err(malformed(
                    file,
                    format!(
                    "lead {name} has {} samples but lead {first} has {}: the sequences of a set must be equally long",
                    thousands(n),
                    thousands(*n0)
                ),
                ))
            }
            Some(_) => {}
        }
    }
    let n = n_first.map_or(0, |(n, _)| n);
    if n == 0 {
        return Err(malformed(file, "the leads hold no samples (their <digits> are empty)"));
    }
    let total = n.saturating_mul(lead_sequences.len());
    if total > limits::MAX_TOTAL_SAMPLES || n as f64 / sample_rate_hz > limits::MAX_DURATION_S {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!(
                "{} leads × {} samples ({:.0} s at {sample_rate_hz} Hz); at most {} samples and {} hours are read",
                lead_sequences.len(),
                thousands(n),
                n as f64 / sample_rate_hz,
                thousands(limits::MAX_TOTAL_SAMPLES),
                limits::MAX_DURATION_S / 3600.0
            ),
        });
    }
    let mut leads = Vec::with_capacity(lead_sequences.len());
    for (c, value) in lead_sequences {
        let name = lead_name(c);
        let quantity = |what: &str, default: Option<f64>| -> Result<f64, SignalError> {
            let Some(e) = value.child(what) else {
                return default.ok_or_else(|| malformed(file, format!("lead {name} has no <{what}>")));
            };
            let v = e.attr("value").and_then(values::number).ok_or_else(|| {
                malformed(file, format!("lead {name}: the {what} '{}' is not a number", e.attr("value").unwrap_or("")))
            })?;
            let unit = e.attr("unit").unwrap_or("");
            let per = values::mv_per_unit(unit).ok_or_else(|| {
                malformed(
                    file,
                    format!("lead {name}: the {what} has unit '{unit}', which is not a voltage unit ecglens knows (nV, uV, mV, V)"),
                )
            })?;
            Ok(v * per)
        };
        let origin_mv = quantity("origin", Some(0.0))?;
        let scale_mv = quantity("scale", None)?;
        let digits_text = value.child("digits").map_or("", |d| d.text.as_str());
        let digits = values::parse_digits(digits_text, n).map_err(|(i, token)| {
            malformed(file, format!("lead {name}: digit {} ('{token}') is not an integer", thousands(i)))
        })?;
        let samples_mv: Vec<f32> = digits.iter().map(|&d| (origin_mv + scale_mv * d as f64) as f32).collect();
        if let Some(i) = samples_mv.iter().position(|v| !v.is_finite()) {
            return Err(malformed(
                file,
                format!("lead {name}: digit {} times the scale is beyond any voltage", thousands(i.saturating_add(1))),
            ));
        }
        leads.push(Lead { name, samples_mv });
    }
    Ok((sample_rate_hz, leads))
}

/// The lead's name from its code: the standard name for the 12, else the code without `MDC_ECG_LEAD_`.
fn lead_name(code: &str) -> String {
    let short = code.strip_prefix("MDC_ECG_LEAD_").unwrap_or(code);
    let short = if short.is_empty() { "(no code)" } else { short };
    canonical_lead_name(short).map_or_else(|| short.to_string(), str::to_string)
}

/// The standard measurement a global annotation code stands for, and its unit.
fn measurement_of(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "MDC_ECG_HEART_RATE" => (measurement::HEART_RATE, "bpm"),
        "MDC_ECG_TIME_PD_RR" => (measurement::RR, "ms"),
        "MDC_ECG_TIME_PD_P" => (measurement::P_DURATION, "ms"),
        "MDC_ECG_TIME_PD_PR" => (measurement::PR, "ms"),
        "MDC_ECG_TIME_PD_QRS" => (measurement::QRS, "ms"),
        "MDC_ECG_TIME_PD_QT" => (measurement::QT, "ms"),
        "MDC_ECG_TIME_PD_QTc" => (measurement::QTC, "ms"),
        "MDC_ECG_ANGLE_P_FRONT" => (measurement::P_AXIS, "°"),
        "MDC_ECG_ANGLE_QRS_FRONT" => (measurement::QRS_AXIS, "°"),
        "MDC_ECG_ANGLE_T_FRONT" => (measurement::T_AXIS, "°"),
        _ => return None,
    })
}

/// A measurement's value in the unit of `measurement_of` (seconds become ms), when its unit is one we know.
fn measured_value(value: &Element, unit: &str) -> Option<f64> {
    let v = value.attr("value").and_then(values::number)?;
    let given = value.attr("unit").unwrap_or("").trim();
    match (unit, given) {
        ("ms", "ms") | ("bpm", "bpm" | "/min" | "{beats}/min" | "1/min") | ("°", "deg" | "°") => Some(v),
        ("ms", "s") => Some(v * 1000.0),
        _ => None,
    }
}

fn statements_of(annotation: &Element, out: &mut Vec<String>) {
    let c = code(annotation).unwrap_or("");
    let Some(value) = annotation.child("value") else { return };
    let text = if c == "MDC_ECG_RHY" {
        value.attr("displayName").or(value.attr("code")).map(str::to_string)
    } else if c.starts_with("MDC_ECG_INTERPRETATION") {
        Some(value.all_text()).filter(|t| !t.is_empty()).or(value.attr("displayName").map(str::to_string))
    } else {
        None
    };
    if let Some(t) = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) {
        if !out.contains(&t) {
            out.push(t);
        }
    }
}

fn device_report(root: &Element, series: &Element) -> DeviceReport {
    let mut report = DeviceReport::default();
    let author = series.path(&["author", "seriesAuthor"]);
    let model = author.and_then(|a| a.text_at(&["manufacturedSeriesDevice", "manufacturerModelName"]));
    let software = author.and_then(|a| a.text_at(&["manufacturedSeriesDevice", "softwareName"]));
    let maker = author.and_then(|a| a.text_at(&["manufacturerOrganization", "name"]));
    let mut device: Vec<String> = [maker, model].into_iter().flatten().map(str::to_string).collect();
    if let Some(s) = software {
        device.push(format!("(software {s})"));
    }
    if !device.is_empty() {
        report.device = Some(device.join(" "));
    }
    report.acquired = [
        series.path(&["effectiveTime", "low"]),
        series.path(&["effectiveTime", "center"]),
        root.path(&["effectiveTime", "low"]),
        root.path(&["effectiveTime", "center"]),
    ]
    .into_iter()
    .flatten()
    .find_map(|e| e.attr("value"))
    .map(values::timestamp_iso);

    // The rhythm series' annotation sets, then those of its derived series (median beats carry the globals).
    let mut sets: Vec<&Element> = series.children("subjectOf").filter_map(|s| s.child("annotationSet")).collect();
    for derived in series.children("derivation").filter_map(|d| d.child("derivedSeries")) {
        sets.extend(derived.children("subjectOf").filter_map(|s| s.child("annotationSet")));
    }
    for set in sets {
        for annotation in set.children("component").filter_map(|c| c.child("annotation")) {
            let c = code(annotation).unwrap_or("");
            if let Some((name, unit)) = measurement_of(c) {
                if !report.measurements.iter().any(|m| m.name == name) {
                    report.measure(name, annotation.child("value").and_then(|v| measured_value(v, unit)), unit);
                }
            }
            statements_of(annotation, &mut report.statements);
            if c.starts_with("MDC_ECG_INTERPRETATION") {
                for inner in annotation.children("component").filter_map(|c| c.child("annotation")) {
                    statements_of(inner, &mut report.statements);
                }
            }
        }
    }
    report
}

fn patient(root: &Element) -> PatientIdentity {
    let mut p = PatientIdentity::default();
    let subject =
        root.path(&["componentOf", "timepointEvent", "componentOf", "subjectAssignment", "subject", "trialSubject"]);
    if let Some(subject) = subject {
        if let Some(id) = subject.child("id") {
            PatientIdentity::set(&mut p.id, id.attr("extension").or(id.attr("root")).unwrap_or(""));
        }
        if let Some(person) = subject.child("subjectDemographicPerson") {
            if let Some(name) = person.child("name") {
                PatientIdentity::set(&mut p.name, &name.all_text());
            }
            if let Some(sex) = person.child("administrativeGenderCode").and_then(|g| g.attr("code")) {
                PatientIdentity::set(&mut p.sex, sex);
            }
            if let Some(birth) = person.child("birthTime").and_then(|b| b.attr("value")) {
                PatientIdentity::set(&mut p.birth_date, &values::timestamp_iso(birth));
            }
        }
    }
    let age = root
        .children("controlVariable")
        .filter_map(|c| c.child("relatedObservation"))
        .find(|o| code(o) == Some("21612-7"))
        .and_then(|o| o.child("value"));
    if let Some(v) = age.and_then(|a| a.attr("value")) {
        let unit = match age.and_then(|a| a.attr("unit")).unwrap_or("").trim() {
            "a" => "years".to_string(),
            "mo" => "months".to_string(),
            "wk" => "weeks".to_string(),
            "d" => "days".to_string(),
            other => other.to_string(),
        };
        PatientIdentity::set(&mut p.age, format!("{} {unit}", v.trim()).trim());
    }
    p
}

#[cfg(test)]
mod tests;
