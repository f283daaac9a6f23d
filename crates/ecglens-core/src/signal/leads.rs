//! Lead names: the many spellings found in ECG files mapped to the 12 standard names.

use super::Record;

/// The standard 12 leads, in the usual order.
pub const STANDARD_12: [&str; 12] = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"];

/// Maps a lead name as found in a file to its standard name, or `None` if it is not one of the 12.
///
/// Case, surrounding blanks, a "lead" prefix and separators (space, `_`, `-`, `.`) are ignored:
/// "I", "DI", "D1", "L1", "lead I", "Lead_II", "ii" → "I"/"II"; "AVR", "avr", "a VR", "aVR" → "aVR";
/// "v1", "V1 ", "C1" (chest lead, British usage) → "V1".
/// Refused (→ `None`): inverted leads ("-aVR", "−aVR"), modified/monitoring leads ("MLII", "MLI"),
/// right-sided or posterior leads ("V4R", "V7"), bare digits ("1"), and anything else.
pub fn canonical_lead_name(raw: &str) -> Option<&'static str> {
    let t = raw.trim();
    if t.starts_with('-') || t.starts_with('\u{2212}') {
        return None; // an inverted lead (e.g. Cabrera's -aVR) is not the lead itself
    }
    let mut s: String = t.to_lowercase();
    for prefix in ["lead", "ableitung"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
            break;
        }
    }
    let key: String = s.chars().filter(|c| !matches!(c, ' ' | '\t' | '_' | '-' | '.' | ':')).collect();
    Some(match key.as_str() {
        "i" | "di" | "d1" | "l1" => "I",
        "ii" | "dii" | "d2" | "l2" => "II",
        "iii" | "diii" | "d3" | "l3" => "III",
        "avr" => "aVR",
        "avl" => "aVL",
        "avf" => "aVF",
        "v1" | "c1" => "V1",
        "v2" | "c2" => "V2",
        "v3" | "c3" => "V3",
        "v4" | "c4" => "V4",
        "v5" | "c5" => "V5",
        "v6" | "c6" => "V6",
        _ => return None,
    })
}

/// The standard name of a lead when it has one ("AVR" → "aVR"), else its own name trimmed ("MLII").
pub fn display_name(raw: &str) -> String {
    canonical_lead_name(raw).map_or_else(|| raw.trim().to_string(), str::to_string)
}

/// Index into `record.leads` of lead `wanted` (any accepted spelling), or `None` when the record lacks it. If a
/// record holds the same lead twice, the first is taken.
pub fn lead_index(record: &Record, wanted: &str) -> Option<usize> {
    let wanted = canonical_lead_name(wanted)?;
    record.leads.iter().position(|lead| canonical_lead_name(&lead.name) == Some(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::Lead;

    #[test]
    fn spellings() {
        for (raw, want) in [
            ("I", Some("I")),
            ("DI", Some("I")),
            ("lead I", Some("I")),
            ("Lead_II", Some("II")),
            ("l1", Some("I")),
            ("D3", Some("III")),
            ("iii", Some("III")),
            ("avr", Some("aVR")),
            ("AVR", Some("aVR")),
            ("aVR", Some("aVR")),
            ("a VR", Some("aVR")),
            ("aVF ", Some("aVF")),
            ("AVL", Some("aVL")),
            ("v1", Some("V1")),
            ("V1 ", Some("V1")),
            ("C6", Some("V6")),
            ("-aVR", None),
            ("\u{2212}aVR", None),
            ("MLII", None),
            ("MLI", None),
            ("CH1", None),
            ("V4R", None),
            ("V7", None),
            ("1", None),
            ("", None),
            ("lead", None),
        ] {
            assert_eq!(canonical_lead_name(raw), want, "{raw:?}");
        }
        for s in STANDARD_12 {
            assert_eq!(canonical_lead_name(s), Some(s));
        }
    }

    #[test]
    fn lead_index_finds_any_spelling_first_copy_first() {
        let names = ["v1", "i", "AVR", "ii", "III", "I"];
        let record = Record {
            name: "rec".into(),
            sample_rate_hz: 500.0,
            leads: names.iter().map(|n| Lead { name: n.to_string(), samples_mv: vec![0.0] }).collect(),
            comments: vec![],
        };
        let found: Vec<Option<usize>> =
            ["I", "II", "aVR", "V1", "lead III", "aVL", "bogus"].iter().map(|w| lead_index(&record, w)).collect();
        assert_eq!(found, vec![Some(1), Some(3), Some(2), Some(0), Some(4), None, None]);
    }
}
