//! What a Sierra file says beside the samples: the cart (`dataacquisition/machine`), when it recorded, its
//! global measurements, its interpretation statements, and the patient's identity.
//!
//! Measurements are looked for in the interpretation's `globalmeasurements` (1.04), then its
//! `interpretationmeasurements` (1.03), then `internalmeasurements/crossleadmeasurements` (1.04) and
//! `measurements/globalmeasurements` (1.03). Philips writes durations in ms, rates in bpm, axes in degrees,
//! and "Failed", "Indeterminate" or nothing where the program measured nothing: those are left out.

use crate::signal::source::{measurement, DeviceReport, PatientIdentity};
use crate::signal::xml::tree::Element;

/// (standard name, unit, element names to try in each section, in order).
const MEASUREMENTS: [(&str, &str, &[&str]); 10] = [
    (measurement::HEART_RATE, "bpm", &["heartrate", "meanventrate"]),
    (measurement::RR, "ms", &["rrint", "meanrrint"]),
    (measurement::P_DURATION, "ms", &["pdur"]),
    (measurement::PR, "ms", &["print", "meanprint"]),
    (measurement::QRS, "ms", &["qrsdur", "meanqrsdur"]),
    (measurement::QT, "ms", &["qtint", "meanqtint"]),
    (measurement::QTC, "ms", &["qtcb", "meanqtc"]),
    (measurement::P_AXIS, "°", &["pfrontaxis"]),
    (measurement::QRS_AXIS, "°", &["qrsfrontaxis"]),
    (measurement::T_AXIS, "°", &["tfrontaxis"]),
];

/// A number, or `None` for "Failed", "Indeterminate", empty text and anything else that is not one.
fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The device's report from the document's root element.
pub fn device_report(root: &Element) -> DeviceReport {
    let mut report = DeviceReport::default();
    let acquisition = root.child("dataacquisition");
    if let Some(machine) = acquisition.and_then(|a| a.child("machine")) {
        let name = machine.text();
        let detail = machine.attr("detaildescription").map(str::trim).unwrap_or("");
        report.device = match (name.is_empty(), detail.is_empty()) {
            (false, false) => Some(format!("Philips {name} ({detail})")),
            (false, true) => Some(format!("Philips {name}")),
            (true, false) => Some(detail.to_string()),
            (true, true) => None,
        };
    }
    if let Some(a) = acquisition {
        let date = a.attr("date").map(str::trim).filter(|d| !d.is_empty());
        let time = a.attr("time").map(str::trim).filter(|t| !t.is_empty());
        report.acquired = match (date, time) {
            (Some(d), Some(t)) => Some(format!("{d}T{t}")),
            (Some(d), None) => Some(d.to_string()),
            _ => None,
        };
    }
    let interpretation = root.path(&["interpretations", "interpretation"]);
    let sections: Vec<&Element> = [
        interpretation.and_then(|i| i.child("globalmeasurements")),
        interpretation.and_then(|i| i.child("interpretationmeasurements")),
        root.path(&["internalmeasurements", "crossleadmeasurements"]),
        root.path(&["measurements", "globalmeasurements"]),
    ]
    .into_iter()
    .flatten()
    .collect();
    for (name, unit, tags) in MEASUREMENTS {
        let value = sections.iter().find_map(|s| tags.iter().find_map(|t| s.child_text(t).and_then(number)));
        report.measure(name, value, unit);
    }
    if let Some(interpretation) = interpretation {
        for statement in interpretation.children("statement") {
            let left = statement.child_text("leftstatement").unwrap_or("");
            let right = statement.child_text("rightstatement").unwrap_or("");
            let line = match (left.is_empty(), right.is_empty()) {
                (false, false) => format!("{left} ({right})"),
                (false, true) => left.to_string(),
                (true, false) => right.to_string(),
                (true, true) => continue,
            };
            report.statements.push(line);
        }
        let severity =
            interpretation.child_text("severity").map(|s| s.trim_matches(|c: char| c == '-' || c.is_whitespace()));
        if let Some(severity) = severity.filter(|s| !s.is_empty()) {
            report.statements.push(severity.to_string());
        }
    }
    report
}

/// The patient's identity from `patient/generalpatientdata`.
pub fn patient(root: &Element) -> PatientIdentity {
    let mut identity = PatientIdentity::default();
    let Some(general) = root.path(&["patient", "generalpatientdata"]) else { return identity };
    if let Some(name) = general.child("name") {
        let parts: Vec<&str> =
            ["lastname", "firstname", "middlename"].iter().filter_map(|p| name.child_text(p)).collect();
        let full = match parts.as_slice() {
            [] => String::new(),
            [last] => last.to_string(),
            [last, rest @ ..] => format!("{last}, {}", rest.join(" ")),
        };
        PatientIdentity::set(&mut identity.name, &full);
    }
    PatientIdentity::set(&mut identity.id, general.child_text("patientid").unwrap_or(""));
    if let Some(age) = general.child("age") {
        PatientIdentity::set(&mut identity.birth_date, age.child_text("dateofbirth").unwrap_or(""));
        for (tag, unit) in [("years", "years"), ("months", "months"), ("weeks", "weeks"), ("days", "days")] {
            if let Some(v) = age.child_text(tag) {
                PatientIdentity::set(&mut identity.age, &format!("{v} {unit}"));
            }
        }
    }
    PatientIdentity::set(&mut identity.sex, general.child_text("sex").unwrap_or(""));
    identity
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::xml::tree;

    #[test]
    fn reads_measurements_statements_and_identity_and_skips_failed_values() {
        let doc = r#"<restingecgdata>
          <dataacquisition date="2011-12-01" time="07:27:34"><machine detaildescription="">HeartstartMRx</machine></dataacquisition>
          <patient><generalpatientdata><patientid> 42 </patientid><name><lastname>Doe</lastname><firstname>Jo</firstname></name>
            <age><years>50</years></age><sex>Male</sex></generalpatientdata></patient>
          <measurements><globalmeasurements><meanventrate>41</meanventrate><meanqrsdur>135</meanqrsdur>
            <tfrontaxis>Failed</tfrontaxis><pfrontaxis>-21</pfrontaxis></globalmeasurements></measurements>
          <interpretations><interpretation><interpretationmeasurements><heartrate>40</heartrate><meanqtc></meanqtc>
            </interpretationmeasurements><severity code="AB">- ABNORMAL ECG -</severity>
            <statement><leftstatement>Sinus bradycardia</leftstatement><rightstatement>rate&lt; 50</rightstatement></statement>
            <statement><leftstatement>&gt;&gt;&gt; Acute MI &lt;&lt;&lt;</leftstatement><rightstatement/></statement>
          </interpretation></interpretations></restingecgdata>"#;
        let root = tree::parse(doc).unwrap();
        let r = device_report(&root);
        assert_eq!(r.device.as_deref(), Some("Philips HeartstartMRx"));
        assert_eq!(r.acquired.as_deref(), Some("2011-12-01T07:27:34"));
        let got: Vec<(&str, f64, &str)> =
            r.measurements.iter().map(|m| (m.name.as_str(), m.value, m.unit.as_str())).collect();
        assert_eq!(got, vec![("Heart rate", 40.0, "bpm"), ("QRS", 135.0, "ms"), ("P axis", -21.0, "°")]);
        assert_eq!(r.statements, vec!["Sinus bradycardia (rate< 50)", ">>> Acute MI <<<", "ABNORMAL ECG"]);
        let p = patient(&root);
        assert_eq!(p.name.as_deref(), Some("Doe, Jo"));
        assert_eq!(p.id.as_deref(), Some("42"));
        assert_eq!(p.age.as_deref(), Some("50 years"));
        assert_eq!(p.sex.as_deref(), Some("Male"));
        assert_eq!(p.birth_date, None);
    }
}
