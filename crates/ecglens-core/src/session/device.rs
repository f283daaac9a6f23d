//! The texts of the "From the file" panel: what the file says about itself (format, device, the device's own
//! measurements and interpretation, the reader's warnings), and the patient's identity behind its toggle.

use crate::explain::Explanation;
use crate::signal::{Measurement, PatientIdentity};

/// What the panel shows of the file, when the record came from a file format that carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcePanel {
    /// "Philips XML · Sierra XML 1.04, XLI compressed".
    pub format: String,
    /// "12 leads · 500 Hz · 10.00 s": the recording as the file stores it (before the model's resampling).
    pub recording: String,
    /// "PHILIPS PageWriter Touch · acquired 2008-03-19T13:10:27".
    pub device: String,
    /// (name, value with unit) of the device's measurements.
    pub measurements: Vec<(String, String)>,
    pub statements: Vec<String>,
    pub warnings: Vec<String>,
}

/// A measurement's value as the panel writes it: whole numbers without decimals, units after a space (° none).
pub fn measurement_text(m: &Measurement) -> String {
    let value =
        if (m.value - m.value.round()).abs() < 1e-9 { format!("{:.0}", m.value) } else { format!("{:.1}", m.value) };
    match m.unit.as_str() {
        "°" => format!("{value}°"),
        "" => value,
        unit => format!("{value} {unit}"),
    }
}

/// The panel for `e`, or None for a record that came without any (a WFDB record, a bundled example).
pub fn source_panel(e: &Explanation) -> Option<SourcePanel> {
    let source = e.source.as_ref()?;
    let format = match source.detail.as_str() {
        "" => source.format.label().to_string(),
        detail => format!("{} · {detail}", source.format.label()),
    };
    let device = [source.device.device.clone(), source.device.acquired.as_ref().map(|a| format!("acquired {a}"))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let duration_s = if e.sample_rate_hz > 0.0 { e.n_samples as f64 / e.sample_rate_hz } else { 0.0 };
    let recording = format!("{} leads · {} Hz · {duration_s:.2} s", e.leads.len(), e.sample_rate_hz);
    Some(SourcePanel {
        format,
        recording,
        device,
        measurements: source.device.measurements.iter().map(|m| (m.name.clone(), measurement_text(m))).collect(),
        statements: source.device.statements.clone(),
        warnings: source.warnings.clone(),
    })
}

/// The patient's identity as (label, value) rows, in a fixed order; empty when the file carries none.
pub fn patient_rows(patient: &PatientIdentity) -> Vec<(&'static str, String)> {
    [
        ("Name", &patient.name),
        ("Patient ID", &patient.id),
        ("Birth date", &patient.birth_date),
        ("Sex", &patient.sex),
        ("Age", &patient.age),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.clone().map(|v| (label, v)))
    .collect()
}

/// The toggle's label.
pub fn patient_toggle_label(shown: bool) -> &'static str {
    if shown {
        "Hide patient identity"
    } else {
        "Show patient identity"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::fixtures::without_atlas;
    use crate::signal::{DeviceReport, Format, SourceInfo};

    #[test]
    fn the_panel_names_format_device_measurements_and_statements() {
        let mut e = without_atlas("r", [0.2, 0.9]);
        assert_eq!(source_panel(&e), None);
        let mut device = DeviceReport {
            device: Some("GE MAC 5500".into()),
            acquired: Some("2014-02-01T10:22:00".into()),
            ..DeviceReport::default()
        };
        device.measure("Heart rate", Some(71.0), "bpm");
        device.measure("QTc", Some(412.5), "ms");
        device.measure("QRS axis", Some(-12.0), "°");
        device.measure("PR", None, "ms");
        device.statements = vec!["Sinus rhythm".into(), "Normal ECG".into()];
        e.source = Some(SourceInfo {
            device,
            warnings: vec!["ecglens: III derived".into()],
            ..SourceInfo::new(Format::MuseXml, "")
        });
        let panel = source_panel(&e).unwrap();
        assert_eq!(panel.format, "GE MUSE XML");
        assert_eq!(
            panel.recording,
            format!(
                "{} leads · {} Hz · {:.2} s",
                e.leads.len(),
                e.sample_rate_hz,
                e.n_samples as f64 / e.sample_rate_hz
            )
        );
        assert_eq!(panel.device, "GE MAC 5500 · acquired 2014-02-01T10:22:00");
        assert_eq!(
            panel.measurements,
            [
                ("Heart rate".to_string(), "71 bpm".to_string()),
                ("QTc".into(), "412.5 ms".into()),
                ("QRS axis".into(), "-12°".into())
            ]
        );
        assert_eq!(panel.statements, ["Sinus rhythm", "Normal ECG"]);
        assert_eq!(panel.warnings, ["ecglens: III derived"]);
        e.source.as_mut().unwrap().detail = "1.04".into();
        assert_eq!(source_panel(&e).unwrap().format, "GE MUSE XML · 1.04");
    }

    #[test]
    fn patient_rows_in_order_only_what_the_file_has() {
        assert!(patient_rows(&PatientIdentity::default()).is_empty());
        let p = PatientIdentity {
            name: Some("DOE^JANE".into()),
            birth_date: Some("1950-01-02".into()),
            ..Default::default()
        };
        assert_eq!(patient_rows(&p), [("Name", "DOE^JANE".to_string()), ("Birth date", "1950-01-02".to_string())]);
        assert_eq!(patient_toggle_label(false), "Show patient identity");
    }
}
