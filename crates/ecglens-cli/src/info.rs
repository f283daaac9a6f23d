//! `ecglens info FILE...`: what a file holds, without running the model: its format, leads, sample rate,
//! duration, per-lead minimum/maximum/mean in mV, the reader's warnings, and the device's own measurements and
//! statements. As text for people, or one JSON object per record (`--json`, JSON Lines) for machines. The
//! patient's identity is left out unless asked for (`--show-patient`).

use ecglens_core::signal::Opened;
use serde::Serialize;

/// Per lead: its name and its range and mean in mV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadStats {
    pub name: String,
    pub min_mv: f32,
    pub max_mv: f32,
    pub mean_mv: f32,
}

/// What `info` says about one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Info {
    pub file: String,
    pub record: String,
    pub format: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    pub sample_rate_hz: f64,
    pub n_samples: usize,
    pub duration_s: f64,
    pub leads: Vec<LeadStats>,
    pub comments: Vec<String>,
    pub warnings: Vec<String>,
    pub device: ecglens_core::signal::DeviceReport,
    /// Signal-quality flags of the leads that have any (`ecglens_core::signal::quality`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<ecglens_core::signal::quality::LeadQuality>,
    /// Which record of a multi-record file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<ecglens_core::signal::Part>,
    /// Only with `--show-patient`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<ecglens_core::signal::PatientIdentity>,
}

pub fn lead_stats(name: &str, samples_mv: &[f32]) -> LeadStats {
    let (min, max, sum) = samples_mv
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY, 0.0f64), |(lo, hi, sum), &v| (lo.min(v), hi.max(v), sum + v as f64));
    let mean = if samples_mv.is_empty() { 0.0 } else { (sum / samples_mv.len() as f64) as f32 };
    LeadStats { name: name.to_string(), min_mv: min, max_mv: max, mean_mv: mean }
}

impl Info {
    pub fn of(file: &str, opened: &Opened, show_patient: bool) -> Self {
        let record = &opened.record;
        Info {
            file: file.to_string(),
            record: record.name.clone(),
            format: opened.source.format.label().to_string(),
            detail: opened.source.detail.clone(),
            sample_rate_hz: record.sample_rate_hz,
            n_samples: record.n_samples(),
            duration_s: record.duration_s(),
            leads: record.leads.iter().map(|l| lead_stats(&l.name, &l.samples_mv)).collect(),
            comments: record.comments.clone(),
            warnings: opened.source.warnings.clone(),
            device: opened.source.device.clone(),
            quality: ecglens_core::signal::quality::assess(record),
            part: opened.source.part.clone(),
            patient: (show_patient && !opened.patient.is_empty()).then(|| opened.patient.clone()),
        }
    }

    /// The text `ecglens info` prints for a person.
    pub fn text(&self, patient_in_file: bool) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let format =
            if self.detail.is_empty() { self.format.clone() } else { format!("{} · {}", self.format, self.detail) };
        // Writing to a String cannot fail.
        writeln!(out, "{}", self.file).ok();
        writeln!(out, "  format       {format}").ok();
        if let Some(part) = &self.part {
            writeln!(out, "  record       {} of {}: {}", part.index + 1, part.count, part.label).ok();
        }
        writeln!(
            out,
            "  sampling     {} Hz, {} samples per lead, {:.2} s",
            self.sample_rate_hz, self.n_samples, self.duration_s
        )
        .ok();
        let names: Vec<&str> = self.leads.iter().map(|l| l.name.as_str()).collect();
        writeln!(out, "  leads        {}: {}", self.leads.len(), names.join(" ")).ok();
        writeln!(out, "  {:<6} {:>9} {:>9} {:>9}", "lead", "min mV", "max mV", "mean mV").ok();
        for lead in &self.leads {
            writeln!(out, "  {:<6} {:>9.3} {:>9.3} {:>9.3}", lead.name, lead.min_mv, lead.max_mv, lead.mean_mv).ok();
        }
        for lead in &self.quality {
            for flag in &lead.flags {
                writeln!(out, "  quality      {}: {}", lead.lead, flag.describe()).ok();
            }
        }
        for warning in &self.warnings {
            writeln!(out, "  warning      {warning}").ok();
        }
        for comment in &self.comments {
            writeln!(out, "  comment      {comment}").ok();
        }
        if let Some(device) = &self.device.device {
            writeln!(out, "  device       {device}").ok();
        }
        if let Some(acquired) = &self.device.acquired {
            writeln!(out, "  acquired     {acquired}").ok();
        }
        if !self.device.measurements.is_empty() {
            let list: Vec<String> = self
                .device
                .measurements
                .iter()
                .map(|m| format!("{} {}", m.name, ecglens_core::session::device::measurement_text(m)))
                .collect();
            writeln!(out, "  device's measurements  {}", list.join(" · ")).ok();
        }
        for statement in &self.device.statements {
            writeln!(out, "  device's statement     {statement}").ok();
        }
        match &self.patient {
            Some(patient) => {
                for (label, value) in ecglens_core::session::device::patient_rows(patient) {
                    writeln!(out, "  patient      {label}: {value}").ok();
                }
            }
            None if patient_in_file => {
                writeln!(out, "  patient      identity in the file, not shown (--show-patient to print it)").ok();
            }
            None => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecglens_core::signal::{Format, Lead, PatientIdentity, Record, SourceInfo};

    fn opened() -> Opened {
        Opened {
            record: Record {
                name: "r".into(),
                sample_rate_hz: 500.0,
                leads: vec![Lead { name: "I".into(), samples_mv: vec![-1.0, 0.5, 2.0, 0.5] }],
                comments: vec![],
            },
            source: SourceInfo::new(Format::ScpEcg, "SCP-ECG v2.0"),
            patient: PatientIdentity { name: Some("DOE^JOHN".into()), ..Default::default() },
        }
    }

    #[test]
    fn quality_flags_are_printed_per_lead() {
        let mut o = opened();
        o.record.leads.push(Lead { name: "II".into(), samples_mv: vec![0.0; 4] });
        o.record.leads[0].samples_mv = (0..1000).map(|i| ((i % 50) as f32 - 25.0) / 25.0).collect();
        o.record.leads[1].samples_mv = vec![0.0; 1000];
        let info = Info::of("r.scp", &o, false);
        let text = info.text(false);
        assert!(text.contains("quality      II: flat for 100 % of the recording"), "{text}");
        assert!(serde_json::to_string(&info).unwrap().contains(r#""quality":[{"lead":"II","flags":[{"flag":"flat""#));
    }

    #[test]
    fn stats_text_and_json_leave_the_patient_out_unless_asked() {
        let info = Info::of("r.scp", &opened(), false);
        assert_eq!(info.leads[0], LeadStats { name: "I".into(), min_mv: -1.0, max_mv: 2.0, mean_mv: 0.5 });
        assert!((info.duration_s - 0.008).abs() < 1e-12);
        let text = info.text(true);
        assert!(text.contains("SCP-ECG · SCP-ECG v2.0") && text.contains("500 Hz, 4 samples per lead"), "{text}");
        assert!(text.contains("not shown (--show-patient") && !text.contains("DOE"), "{text}");
        let json = serde_json::to_string(&info).unwrap();
        assert!(!json.contains("DOE") && !json.contains("patient"), "{json}");
        let shown = Info::of("r.scp", &opened(), true);
        assert!(shown.text(true).contains("patient      Name: DOE^JOHN"));
        assert!(serde_json::to_string(&shown).unwrap().contains("\"patient\":{\"name\":\"DOE^JOHN\"}"));
    }
}
