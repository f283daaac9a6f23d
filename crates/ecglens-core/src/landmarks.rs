//! Cardiologists' wave annotations (P, QRS, T) that come with a record, as in LUDB: one WFDB annotation file per
//! lead, named `<record>.<lead>` (`1.ii`, `1.avf`, `1.v3`), where each wave is an onset `(`, a peak (`p`, `N`, `t`)
//! and an offset `)`. The app draws them under the trace, next to the clusters, so anyone can see whether the
//! clusters line up with the waves; `fit` uses the same waves to name clusters after landmarks.

use serde::{Deserialize, Serialize};

use crate::signal::wfdb::{read_annotations_named, Annotation};

/// The annotation file extensions of the twelve standard leads, LUDB style, with the lead each one annotates.
pub const LEAD_EXTENSIONS: [(&str, &str); 12] = [
    ("i", "I"),
    ("ii", "II"),
    ("iii", "III"),
    ("avr", "aVR"),
    ("avl", "aVL"),
    ("avf", "aVF"),
    ("v1", "V1"),
    ("v2", "V2"),
    ("v3", "V3"),
    ("v4", "V4"),
    ("v5", "V5"),
    ("v6", "V6"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WaveKind {
    P,
    #[serde(rename = "QRS")]
    Qrs,
    T,
}

impl WaveKind {
    pub fn name(self) -> &'static str {
        match self {
            WaveKind::P => "P",
            WaveKind::Qrs => "QRS",
            WaveKind::T => "T",
        }
    }
}

/// One annotated wave, from its onset to its offset (sample indices at the record's own rate, inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wave {
    pub kind: WaveKind,
    pub start: usize,
    pub end: usize,
}

/// The waves annotated on one lead, and the file they came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadWaves {
    /// Canonical lead name (`II`, `aVF`, `V3`).
    pub lead: String,
    pub file: String,
    pub waves: Vec<Wave>,
}

/// The waves of an annotation sequence: every `(` peak `)` triple whose peak is `p`, `N` or `t`.
pub fn waves(annotations: &[Annotation]) -> Vec<Wave> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut kind: Option<WaveKind> = None;
    for a in annotations {
        match a.symbol {
            '(' => {
                open = Some(a.sample);
                kind = None;
            }
            'p' => kind = Some(WaveKind::P),
            'N' => kind = Some(WaveKind::Qrs),
            't' => kind = Some(WaveKind::T),
            ')' => {
                if let (Some(start), Some(kind)) = (open, kind) {
                    if a.sample >= start {
                        out.push(Wave { kind, start, end: a.sample });
                    }
                }
                open = None;
                kind = None;
            }
            _ => {}
        }
    }
    out
}

/// Whether `name` is an annotation file of a record (`<stem>.<lead extension>`); returns the lead.
pub fn annotated_lead(file_name: &str) -> Option<(&str, &'static str)> {
    let (stem, extension) = file_name.rsplit_once('.')?;
    let lead = LEAD_EXTENSIONS.iter().find(|(e, _)| extension.eq_ignore_ascii_case(e))?.1;
    Some((stem, lead))
}

/// Reads the annotation files of record `stem` that `lookup` can find (one per lead at most). A file that does not
/// parse, or holds no complete wave, is left out: annotations are an optional companion of a record.
pub fn read_lead_waves<'a>(stem: &str, lookup: &dyn Fn(&str) -> Option<&'a [u8]>) -> Vec<LeadWaves> {
    LEAD_EXTENSIONS
        .iter()
        .filter_map(|(extension, lead)| {
            let file = format!("{stem}.{extension}");
            let bytes = lookup(&file)?;
            let waves = waves(&read_annotations_named(&file, bytes).ok()?);
            (!waves.is_empty()).then(|| LeadWaves { lead: lead.to_string(), file, waves })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(sample: usize, symbol: char) -> Annotation {
        Annotation { sample, code: 0, symbol, subtype: 0, chan: 0, num: 0, aux: None }
    }

    #[test]
    fn triples_become_waves() {
        let seq = [
            ann(10, '('),
            ann(15, 'p'),
            ann(20, ')'),
            ann(30, '('),
            ann(35, 'N'),
            ann(40, ')'),
            ann(41, ')'), // a stray offset
            ann(50, '('),
            ann(55, 't'),
        ]; // an unterminated T
        assert_eq!(
            waves(&seq),
            vec![Wave { kind: WaveKind::P, start: 10, end: 20 }, Wave { kind: WaveKind::Qrs, start: 30, end: 40 }]
        );
    }

    #[test]
    fn annotation_file_names() {
        assert_eq!(annotated_lead("1.ii"), Some(("1", "II")));
        assert_eq!(annotated_lead("rec.AVF"), Some(("rec", "aVF")));
        assert_eq!(annotated_lead("rec.dat"), None);
        assert_eq!(annotated_lead("noext"), None);
    }

    #[test]
    fn a_real_ludb_annotation_file() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("www/examples");
        let files: std::collections::HashMap<String, Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter_map(|e| Some((e.file_name().into_string().ok()?, std::fs::read(e.path()).ok()?)))
            .collect();
        let lookup = |name: &str| files.get(name).map(Vec::as_slice);
        let leads = read_lead_waves("ludb001", &lookup);
        assert_eq!(leads.len(), 12, "LUDB annotates all 12 leads");
        let ii = leads.iter().find(|l| l.lead == "II").unwrap();
        // 48 annotations in 1.ii: 16 waves, starting with a QRS at samples 644..682.
        assert_eq!(ii.waves.len(), 16);
        assert_eq!(ii.waves[0], Wave { kind: WaveKind::Qrs, start: 644, end: 682 });
        assert!(leads.iter().all(|l| l.waves.iter().all(|w| w.start <= w.end && w.end < 5000)));
    }
}
