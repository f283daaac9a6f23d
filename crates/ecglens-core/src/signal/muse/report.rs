//! What a MUSE document says beside the waveform: the cart's global measurements
//! (`<RestingECGMeasurements>`), its interpretation (`<Diagnosis>`), the device and time
//! (`<TestDemographics>`) and the patient (`<PatientDemographics>`, kept apart in [`PatientIdentity`]).

use super::super::source::{measurement, DeviceReport, PatientIdentity};
use super::super::xml::tree::Element;

/// `<RestingECGMeasurements>` tags, the name ecglens shows them by and their unit. Unlisted ones are not read.
const MEASUREMENTS: [(&str, &str, &str); 10] = [
    ("VentricularRate", measurement::HEART_RATE, "bpm"),
    ("AtrialRate", "Atrial rate", "bpm"),
    ("PRInterval", measurement::PR, "ms"),
    ("QRSDuration", measurement::QRS, "ms"),
    ("QTInterval", measurement::QT, "ms"),
    ("QTCorrected", measurement::QTC, "ms"),
    ("QTcFrederica", "QTcF (Fridericia)", "ms"),
    ("PAxis", measurement::P_AXIS, "°"),
    ("RAxis", measurement::QRS_AXIS, "°"),
    ("TAxis", measurement::T_AXIS, "°"),
];

/// `MM-DD-YYYY` or `MM/DD/YYYY` (MUSE's date form) as `YYYY-MM-DD`; `None` when it is not that form.
pub(super) fn date_iso(date: &str) -> Option<String> {
    let parts: Vec<&str> = date.trim().split(['-', '/']).collect();
    let [m, d, y] = parts.as_slice() else { return None };
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    let (m, d) = (format!("{m:0>2}"), format!("{d:0>2}"));
    (digits(&m, 2) && digits(&d, 2) && digits(y, 4)).then(|| format!("{y}-{m}-{d}"))
}

/// The device's own lines of interpretation: `<DiagnosisStatement>`s, their `<StmtText>` pieces joined until a
/// statement flagged `ENDSLINE` ends the line (as ECGToolkit reads them); one line per statement when no
/// statement carries that flag.
pub(super) fn statements(diagnosis: &Element) -> Vec<String> {
    let all: Vec<&Element> = diagnosis.children("DiagnosisStatement").collect();
    let ends_line = |s: &Element| s.children("StmtFlag").any(|f| f.text().eq_ignore_ascii_case("ENDSLINE"));
    let flagged = all.iter().any(|s| ends_line(s));
    let mut lines = Vec::new();
    let mut line: Vec<String> = Vec::new();
    for s in all {
        line.extend(s.children("StmtText").map(Element::all_text).filter(|t| !t.is_empty()));
        if !flagged || ends_line(s) {
            if !line.is_empty() {
                lines.push(line.join(" "));
            }
            line.clear();
        }
    }
    if !line.is_empty() {
        lines.push(line.join(" "));
    }
    lines
}

pub(super) fn device_report(root: &Element) -> DeviceReport {
    let mut report = DeviceReport::default();
    let test = root.child("TestDemographics");
    let text = |tag: &str| test.and_then(|t| t.child_text(tag));
    let mut device: Vec<String> = Vec::new();
    if let Some(d) = text("AcquisitionDevice") {
        device.push(d.to_string());
    } else if let Some(cart) = root.text_at(&["PharmaData", "PharmaCartID"]) {
        device.push(format!("cart {cart}"));
    }
    if let Some(v) = text("AcquisitionSoftwareVersion") {
        device.push(format!("(software {v})"));
    }
    if let Some(l) = text("LocationName").or(text("Location")) {
        device.push(format!("at location {l}"));
    }
    if !device.is_empty() {
        report.device = Some(device.join(" "));
    }
    report.acquired = match (text("AcquisitionDate"), text("AcquisitionTime")) {
        (Some(d), t) => Some(match (date_iso(d), t) {
            (Some(iso), Some(t)) => format!("{iso}T{t}"),
            (Some(iso), None) => iso,
            (None, Some(t)) => format!("{d} {t}"),
            (None, None) => d.to_string(),
        }),
        (None, t) => t.map(str::to_string),
    };

    let measured = root.child("RestingECGMeasurements").or(root.child("OriginalRestingECGMeasurements"));
    if let Some(m) = measured {
        for (tag, name, unit) in MEASUREMENTS {
            report.measure(name, m.child_text(tag).and_then(|t| t.parse::<f64>().ok()), unit);
        }
    }
    let rr = root.text_at(&["QRSTimesTypes", "GlobalRR"]).and_then(|t| t.parse::<f64>().ok());
    report.measure(measurement::RR, rr, "ms");

    if let Some(d) = root.child("Diagnosis").or(root.child("OriginalDiagnosis")) {
        report.statements = statements(d);
    }
    report
}

pub(super) fn patient(root: &Element) -> PatientIdentity {
    let mut p = PatientIdentity::default();
    let Some(demo) = root.child("PatientDemographics") else { return p };
    let name: Vec<&str> = ["PatientLastName", "PatientFirstName"].iter().filter_map(|t| demo.child_text(t)).collect();
    PatientIdentity::set(&mut p.name, &name.join(", "));
    PatientIdentity::set(&mut p.id, demo.child_text("PatientID").unwrap_or(""));
    if let Some(b) = demo.child_text("DateofBirth") {
        PatientIdentity::set(&mut p.birth_date, &date_iso(b).unwrap_or_else(|| b.to_string()));
    }
    PatientIdentity::set(&mut p.sex, demo.child_text("Gender").unwrap_or(""));
    if let Some(age) = demo.child_text("PatientAge") {
        let unit = demo.child_text("AgeUnits").unwrap_or("").to_lowercase();
        PatientIdentity::set(&mut p.age, format!("{age} {unit}").trim());
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::xml::tree;

    #[test]
    fn dates_become_iso() {
        assert_eq!(date_iso("03-19-2015").as_deref(), Some("2015-03-19"));
        assert_eq!(date_iso("3/9/2015").as_deref(), Some("2015-03-09"));
        assert_eq!(date_iso("2015-03-19"), None);
        assert_eq!(date_iso("x"), None);
        assert_eq!(date_iso("1-2-3-4"), None);
    }

    #[test]
    fn statements_join_until_endsline() {
        let d = tree::parse(
            "<Diagnosis><Modality>RESTING</Modality>\
             <DiagnosisStatement><StmtFlag>ENDSLINE</StmtFlag><StmtText>Sinus bradycardia</StmtText></DiagnosisStatement>\
             <DiagnosisStatement><StmtText>Left axis</StmtText></DiagnosisStatement>\
             <DiagnosisStatement><StmtFlag>USERINSERT</StmtFlag><StmtFlag>ENDSLINE</StmtFlag><StmtText>deviation</StmtText></DiagnosisStatement>\
             <DiagnosisStatement><StmtText> Abnormal  ECG </StmtText></DiagnosisStatement></Diagnosis>",
        )
        .unwrap();
        assert_eq!(statements(&d), ["Sinus bradycardia", "Left axis deviation", "Abnormal ECG"]);
        let d = tree::parse(
            "<Diagnosis><DiagnosisStatement><StmtText>A</StmtText></DiagnosisStatement>\
             <DiagnosisStatement><StmtText/></DiagnosisStatement><DiagnosisStatement><StmtText>B</StmtText></DiagnosisStatement></Diagnosis>",
        )
        .unwrap();
        assert_eq!(statements(&d), ["A", "B"]);
    }

    #[test]
    fn reads_device_measurements_and_patient() {
        let root = tree::parse(
            "<RestingECG><PatientDemographics><PatientID>X1</PatientID><PatientAge>63</PatientAge>\
             <AgeUnits>YEARS</AgeUnits><DateofBirth>01-02-1950</DateofBirth><Gender>MALE</Gender>\
             <PatientLastName>DOE</PatientLastName><PatientFirstName>JO</PatientFirstName></PatientDemographics>\
             <TestDemographics><AcquisitionDevice>MAC55</AcquisitionDevice><Location>4</Location>\
             <AcquisitionTime>10:22:33</AcquisitionTime><AcquisitionDate>03-19-2015</AcquisitionDate>\
             <AcquisitionSoftwareVersion>010A</AcquisitionSoftwareVersion></TestDemographics>\
             <RestingECGMeasurements><VentricularRate>61</VentricularRate><RAxis>-30</RAxis><PAxis/>\
             <QTCorrected>x</QTCorrected></RestingECGMeasurements>\
             <OriginalDiagnosis><DiagnosisStatement><StmtText>Normal</StmtText></DiagnosisStatement></OriginalDiagnosis>\
             </RestingECG>",
        )
        .unwrap();
        let r = device_report(&root);
        assert_eq!(r.device.as_deref(), Some("MAC55 (software 010A) at location 4"));
        assert_eq!(r.acquired.as_deref(), Some("2015-03-19T10:22:33"));
        let m: Vec<(&str, f64, &str)> =
            r.measurements.iter().map(|m| (m.name.as_str(), m.value, m.unit.as_str())).collect();
        assert_eq!(m, [(measurement::HEART_RATE, 61.0, "bpm"), (measurement::QRS_AXIS, -30.0, "°")]);
        assert_eq!(r.statements, ["Normal"]);
        let p = patient(&root);
        assert_eq!(p.name.as_deref(), Some("DOE, JO"));
        assert_eq!(p.id.as_deref(), Some("X1"));
        assert_eq!(p.birth_date.as_deref(), Some("1950-01-02"));
        assert_eq!(p.sex.as_deref(), Some("MALE"));
        assert_eq!(p.age.as_deref(), Some("63 years"));
        let empty = tree::parse("<RestingECG/>").unwrap();
        assert!(device_report(&empty).is_empty());
        assert!(patient(&empty).is_empty());
    }
}
