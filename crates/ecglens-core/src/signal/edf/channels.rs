//! Which signals of an EDF file are ECG leads, by their labels, and what to call them.
//!
//! EDF+ labels are "Type Specification" ("ECG II", "EEG Fpz-Cz", "EKG1"); older files use bare lead names ("II",
//! "V1"). A label is an ECG lead when it starts with "ECG" or "EKG", or is itself a standard lead name — except
//! "C1".."C6", which [`canonical_lead_name`] reads as chest leads (British usage) but which in EDF files (mostly
//! polysomnography) are the EEG electrodes C1..C6.

use crate::signal::leads::canonical_lead_name;

/// The lead name ecglens gives an ECG signal labelled `label` ("ECG II" → "II", "AVR" → "aVR", "ECG1-ECG2" stays),
/// or `None` when the label is not an ECG's.
pub fn ecg_name(label: &str) -> Option<String> {
    let t = label.trim();
    let lower = t.to_ascii_lowercase();
    if !lower.starts_with('c') {
        if let Some(c) = canonical_lead_name(t) {
            return Some(c.to_string());
        }
    }
    if lower.starts_with("ecg") || lower.starts_with("ekg") {
        let rest = t.get(3..).unwrap_or("").trim_start_matches([' ', '_', '-', ':', '.']);
        return Some(canonical_lead_name(rest).map_or_else(|| t.to_string(), str::to_string));
    }
    None
}

/// The name for a signal the user chose by label: its ECG name when it has one, else its label.
pub fn chosen_name(label: &str) -> String {
    ecg_name(label).unwrap_or_else(|| label.trim().to_string())
}

/// Whether `wanted` (from the user's `--leads`) names the signal labelled `label`: the same label (case and blanks
/// aside) or the same standard lead ("II" finds "ECG II").
pub fn names_signal(wanted: &str, label: &str) -> bool {
    let w = wanted.trim();
    if w.eq_ignore_ascii_case(label.trim()) {
        return true;
    }
    match (canonical_lead_name(w), ecg_name(label)) {
        (Some(c), Some(name)) => name == c,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        for (label, want) in [
            ("ECG", Some("ECG")),
            ("EKG", Some("EKG")),
            ("ECG II", Some("II")),
            ("ECG-V1", Some("V1")),
            ("EKG1", Some("EKG1")),
            ("ECG1-ECG2", Some("ECG1-ECG2")),
            ("ECG L", Some("ECG L")),
            ("ECG R", Some("ECG R")),
            ("ecg avr", Some("aVR")),
            ("II", Some("II")),
            ("AVF", Some("aVF")),
            ("V6", Some("V6")),
            ("lead I", Some("I")),
            ("C3", None),
            ("C4-A1", None),
            ("EEG Fpz-Cz", None),
            ("EOG horizontal", None),
            ("EMG chin", None),
            ("SpO2", None),
            ("Resp oro-nasal", None),
            ("EDF Annotations", None),
            ("", None),
        ] {
            assert_eq!(ecg_name(label).as_deref(), want, "{label:?}");
        }
    }

    #[test]
    fn users_names() {
        assert!(names_signal("Fp1", "Fp1"));
        assert!(names_signal(" fp1", "FP1 "));
        assert!(names_signal("II", "ECG II"));
        assert!(names_signal("ECG II", "ECG II"));
        assert!(!names_signal("I", "ECG II"));
        assert!(!names_signal("V3", "C3"));
        assert_eq!(chosen_name("Fp1"), "Fp1");
        assert_eq!(chosen_name("EKG II"), "II");
    }
}
