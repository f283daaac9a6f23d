//! The coded vocabulary of ECG waveform objects: lead codes (PS3.16 CID 3001: SCP-ECG "5.6.3-9-N" and ISO/IEEE
//! 11073 MDC "2:N", which share the numbering of EN 1064 table 4), channel units, measurement names, SOP
//! classes and DICOM dates.

use crate::signal::leads::canonical_lead_name;
use crate::signal::source::measurement;

/// The standard name of a lead from its code, when it is one of the 12: EN 1064 lead numbers 1 = I, 2 = II,
/// 3..8 = V1..V6, 61 = III, 62..64 = aVR, aVL, aVF.
pub fn lead_from_code(code_value: &str) -> Option<&'static str> {
    let number = code_value.trim().strip_prefix("5.6.3-9-").or_else(|| code_value.trim().strip_prefix("2:"))?;
    Some(match number {
        "1" => "I",
        "2" => "II",
        "61" => "III",
        "62" => "aVR",
        "63" => "aVL",
        "64" => "aVF",
        "3" => "V1",
        "4" => "V2",
        "5" => "V3",
        "6" => "V4",
        "7" => "V5",
        "8" => "V6",
        _ => return None,
    })
}

/// A channel's name from its source's code value and code meaning, or its label: the standard name when the
/// code or the words map to one of the 12 leads, else the meaning without "Lead " and a bracketed remark
/// ("Lead V4R" → "V4R", "Lead I (Einthoven)" → "I").
pub fn lead_name(code_value: Option<&str>, code_meaning: Option<&str>, label: Option<&str>) -> Option<String> {
    if let Some(name) = code_value.and_then(lead_from_code) {
        return Some(name.to_string());
    }
    for words in [code_meaning, label].into_iter().flatten() {
        let bare = words.split('(').next().unwrap_or(words).trim();
        let bare = bare.strip_prefix("Lead ").or_else(|| bare.strip_prefix("lead ")).unwrap_or(bare).trim();
        if bare.is_empty() {
            continue;
        }
        return Some(canonical_lead_name(bare).map_or_else(|| bare.to_string(), str::to_string));
    }
    None
}

/// Millivolts per unit of a channel sensitivity unit code (UCUM, PS3.16 CID 3082), or `None` if not a voltage.
pub fn mv_per_unit(code_value: &str) -> Option<f64> {
    Some(match code_value.trim() {
        "uV" | "µV" | "UV" => 1e-3,
        "mV" | "MV" => 1.0,
        "V" => 1e3,
        "nV" => 1e-6,
        _ => return None,
    })
}

/// What a measurement's concept name says it is: the standard name and unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    Interval(&'static str),
    Axis(&'static str),
    Rate,
}

/// The standard measurement a concept name (its meaning, any case) stands for.
pub fn quantity(code_meaning: &str) -> Option<Quantity> {
    let m = code_meaning.trim().to_ascii_lowercase();
    Some(match m.as_str() {
        "heart rate" | "ventricular rate" | "ventricular heart rate" | "vent rate" => Quantity::Rate,
        "rr interval" => Quantity::Interval(measurement::RR),
        "p duration" | "p wave duration" => Quantity::Interval(measurement::P_DURATION),
        "pr interval" | "pq interval" => Quantity::Interval(measurement::PR),
        "qrs duration" => Quantity::Interval(measurement::QRS),
        "qt interval" => Quantity::Interval(measurement::QT),
        "qtc interval" | "qtc" => Quantity::Interval(measurement::QTC),
        "p axis" => Quantity::Axis(measurement::P_AXIS),
        "qrs axis" => Quantity::Axis(measurement::QRS_AXIS),
        "t axis" => Quantity::Axis(measurement::T_AXIS),
        _ => return None,
    })
}

/// A user's name for a SOP class (PS3.4 B.5), for the message about a DICOM that holds no waveform.
pub fn sop_class_name(uid: &str) -> Option<&'static str> {
    Some(match uid.trim_end_matches(['\0', ' ']) {
        "1.2.840.10008.5.1.4.1.1.9.1.1" => "12-lead ECG waveform",
        "1.2.840.10008.5.1.4.1.1.9.1.2" => "general ECG waveform",
        "1.2.840.10008.5.1.4.1.1.9.1.3" => "ambulatory ECG waveform",
        "1.2.840.10008.5.1.4.1.1.9.2.1" => "hemodynamic waveform",
        "1.2.840.10008.5.1.4.1.1.9.3.1" => "cardiac electrophysiology waveform",
        "1.2.840.10008.5.1.4.1.1.1" => "computed radiography image",
        "1.2.840.10008.5.1.4.1.1.1.1" => "digital X-ray image",
        "1.2.840.10008.5.1.4.1.1.2" => "CT image",
        "1.2.840.10008.5.1.4.1.1.4" => "MR image",
        "1.2.840.10008.5.1.4.1.1.6.1" => "ultrasound image",
        "1.2.840.10008.5.1.4.1.1.3.1" => "ultrasound multi-frame image",
        "1.2.840.10008.5.1.4.1.1.7" => "secondary capture image (a screenshot or scanned page)",
        "1.2.840.10008.5.1.4.1.1.12.1" => "X-ray angiography image",
        "1.2.840.10008.5.1.4.1.1.104.1" => "encapsulated PDF document",
        "1.2.840.10008.5.1.4.1.1.88.11" | "1.2.840.10008.5.1.4.1.1.88.22" | "1.2.840.10008.5.1.4.1.1.88.33" => {
            "structured report"
        }
        "1.2.840.10008.5.1.4.1.1.481.1" => "radiotherapy image",
        _ => return None,
    })
}

/// A DICOM DT (`YYYYMMDDHHMMSS.FFFFFF&ZZXX`) or DA + TM as ISO 8601 (`2002-11-22T09:10:00`), or the text as
/// written when it is not in that form.
pub fn iso_date_time(date_time: &str) -> String {
    let t = date_time.trim();
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let part = |from: usize, to: usize| digits.get(from..to);
    match (part(0, 4), part(4, 6), part(6, 8)) {
        (Some(y), Some(m), Some(d)) => {
            let mut out = format!("{y}-{m}-{d}");
            if let (Some(h), Some(min)) = (part(8, 10), part(10, 12)) {
                out.push_str(&format!("T{h}:{min}"));
                if let Some(s) = part(12, 14) {
                    out.push_str(&format!(":{s}"));
                }
            }
            out
        }
        _ => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_codes_and_words() {
        assert_eq!(lead_from_code("5.6.3-9-1"), Some("I"));
        assert_eq!(lead_from_code("5.6.3-9-61"), Some("III"));
        assert_eq!(lead_from_code("2:64"), Some("aVF"));
        assert_eq!(lead_from_code("2:8"), Some("V6"));
        assert_eq!(lead_from_code("5.6.3-9-65"), None); // -aVR
        assert_eq!(lead_name(Some("5.6.3-9-3"), Some("Lead V1"), None).as_deref(), Some("V1"));
        assert_eq!(lead_name(Some("x"), Some("Lead I (Einthoven)"), None).as_deref(), Some("I"));
        assert_eq!(lead_name(None, Some("Lead V4R"), None).as_deref(), Some("V4R"));
        assert_eq!(lead_name(None, None, Some("AVL")).as_deref(), Some("aVL"));
        assert_eq!(lead_name(None, Some(" "), None), None);
    }

    #[test]
    fn units_quantities_dates() {
        assert_eq!(mv_per_unit("uV"), Some(1e-3));
        assert_eq!(mv_per_unit("mV"), Some(1.0));
        assert_eq!(mv_per_unit("mm[Hg]"), None);
        assert_eq!(quantity("QTc Interval"), Some(Quantity::Interval("QTc")));
        assert_eq!(quantity("QRS Axis"), Some(Quantity::Axis("QRS axis")));
        assert_eq!(quantity("PP Interval"), None);
        assert_eq!(iso_date_time("20021122091000"), "2002-11-22T09:10:00");
        assert_eq!(iso_date_time("20130125105919.000000+0100"), "2013-01-25T10:59:19");
        assert_eq!(iso_date_time("20130125"), "2013-01-25");
        assert_eq!(iso_date_time("yesterday"), "yesterday");
        assert_eq!(sop_class_name("1.2.840.10008.5.1.4.1.1.2\0"), Some("CT image"));
    }
}
