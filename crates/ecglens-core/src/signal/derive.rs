//! Leads that follow from others by Einthoven's and Goldberger's laws, for files that store only 8 leads
//! (I, II, V1–V6: GE MUSE, many SCP-ECG and DICOM files).
//!
//! III = II − I, aVR = −(I + II)/2, aVL = I − II/2, aVF = II − I/2.

use super::leads::{canonical_lead_name, lead_index};
use super::{Lead, Record};

/// The note added to a record's comments (and the reader's warnings) when leads were derived.
pub fn derived_note(names: &[&str]) -> String {
    format!(
        "ecglens: lead(s) {} derived from I and II (Einthoven: III = II − I; Goldberger: aVR = −(I + II)/2, aVL = I − II/2, aVF = II − I/2); the file does not store them",
        names.join(", ")
    )
}

/// Adds whichever of III, aVR, aVL, aVF the record lacks, when it has I and II (of equal length), right after
/// the existing limb leads. Returns the names added (empty when nothing was derived) and notes them in
/// `record.comments`.
pub fn derive_limb_leads(record: &mut Record) -> Vec<&'static str> {
    let (Some(i), Some(ii)) = (lead_index(record, "I"), lead_index(record, "II")) else { return Vec::new() };
    let (one, two) = (&record.leads[i].samples_mv, &record.leads[ii].samples_mv);
    if one.len() != two.len() {
        return Vec::new();
    }
    type Formula = fn(f32, f32) -> f32;
    let formulas: [(&'static str, Formula); 4] = [
        ("III", |a, b| b - a),
        ("aVR", |a, b| -(a + b) / 2.0),
        ("aVL", |a, b| a - b / 2.0),
        ("aVF", |a, b| b - a / 2.0),
    ];
    let mut new_leads = Vec::new();
    let mut added = Vec::new();
    for (name, f) in formulas {
        if lead_index(record, name).is_none() {
            let samples_mv = one.iter().zip(two).map(|(&a, &b)| f(a, b)).collect();
            new_leads.push(Lead { name: name.to_string(), samples_mv });
            added.push(name);
        }
    }
    if added.is_empty() {
        return added;
    }
    // After the last limb lead the record has, so that the order reads I, II, III, aVR, aVL, aVF, V1...
    let limb = ["I", "II", "III", "aVR", "aVL", "aVF"];
    let at = record
        .leads
        .iter()
        .rposition(|l| canonical_lead_name(&l.name).is_some_and(|c| limb.contains(&c)))
        .map_or(0, |p| p + 1);
    record.leads.splice(at..at, new_leads);
    record.comments.push(derived_note(&added));
    added
}

/// Would [`complete_limb_leads`] add a lead: two of I, II, III are there and one of the six limb leads is not?
pub fn can_complete(record: &Record) -> bool {
    let has = |name: &str| lead_index(record, name).is_some();
    let two_of_three = [has("I"), has("II"), has("III")].iter().filter(|h| **h).count() >= 2;
    two_of_three && ["I", "II", "III", "aVR", "aVL", "aVF"].iter().any(|l| !has(l))
}

/// Like [`derive_limb_leads`], from any two of I, II and III: a missing I or II is first derived from the other
/// two (Einthoven: I = II − III, II = I + III), then III, aVR, aVL and aVF. Returns every name added.
pub fn complete_limb_leads(record: &mut Record) -> Vec<&'static str> {
    let (i, ii, iii) = (lead_index(record, "I"), lead_index(record, "II"), lead_index(record, "III"));
    let first: Option<(&'static str, Vec<f32>, usize)> = match (i, ii, iii) {
        (None, Some(b), Some(c)) if record.leads[b].samples_mv.len() == record.leads[c].samples_mv.len() => {
            let samples =
                record.leads[b].samples_mv.iter().zip(&record.leads[c].samples_mv).map(|(x, y)| x - y).collect();
            Some(("I", samples, b.min(c)))
        }
        (Some(a), None, Some(c)) if record.leads[a].samples_mv.len() == record.leads[c].samples_mv.len() => {
            let samples =
                record.leads[a].samples_mv.iter().zip(&record.leads[c].samples_mv).map(|(x, y)| x + y).collect();
            Some(("II", samples, a + 1))
        }
        _ => None,
    };
    let mut added = Vec::new();
    if let Some((name, samples_mv, at)) = first {
        record.leads.insert(at, Lead { name: name.to_string(), samples_mv });
        record.comments.push(format!(
            "ecglens: lead {name} derived by Einthoven's law ({}); the file does not store it",
            if name == "I" { "I = II − III" } else { "II = I + III" }
        ));
        added.push(name);
    }
    added.extend(derive_limb_leads(record));
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_from_any_two_of_the_three() {
        let lead = |n: &str, s: Vec<f32>| Lead { name: n.into(), samples_mv: s };
        let mut r = Record {
            name: "r".into(),
            sample_rate_hz: 250.0,
            leads: vec![lead("II", vec![2.0, -0.5]), lead("III", vec![1.0, -1.0])],
            comments: vec![],
        };
        assert_eq!(complete_limb_leads(&mut r), vec!["I", "aVR", "aVL", "aVF"]);
        assert_eq!(r.lead("I").unwrap().samples_mv, vec![1.0, 0.5]);
        assert!(r.comments[0].contains("I = II − III"), "{:?}", r.comments);
        let mut r = Record { leads: vec![lead("I", vec![1.0]), lead("III", vec![1.0])], ..r.clone() };
        assert_eq!(complete_limb_leads(&mut r)[0], "II");
        assert_eq!(r.lead("II").unwrap().samples_mv, vec![2.0]);
        let names: Vec<&str> = r.leads.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["I", "II", "III", "aVR", "aVL", "aVF"]);
        // One limb lead: nothing follows.
        let mut single = Record { leads: vec![lead("II", vec![1.0])], ..r.clone() };
        assert!(complete_limb_leads(&mut single).is_empty());
    }

    #[test]
    fn derives_the_four_limb_leads_in_order() {
        let mut r = Record {
            name: "m".into(),
            sample_rate_hz: 500.0,
            leads: vec![
                Lead { name: "I".into(), samples_mv: vec![1.0, 0.5] },
                Lead { name: "II".into(), samples_mv: vec![2.0, -0.5] },
                Lead { name: "V1".into(), samples_mv: vec![0.0, 0.0] },
            ],
            comments: vec![],
        };
        assert_eq!(derive_limb_leads(&mut r), vec!["III", "aVR", "aVL", "aVF"]);
        let names: Vec<&str> = r.leads.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["I", "II", "III", "aVR", "aVL", "aVF", "V1"]);
        assert_eq!(r.leads[2].samples_mv, vec![1.0, -1.0]);
        assert_eq!(r.leads[3].samples_mv, vec![-1.5, 0.0]);
        assert_eq!(r.leads[4].samples_mv, vec![0.0, 0.75]);
        assert_eq!(r.leads[5].samples_mv, vec![1.5, -0.75]);
        assert!(r.comments[0].contains("III, aVR, aVL, aVF derived"));
        // Einthoven: I + III = II; Goldberger: aVR + aVL + aVF = 0.
        for t in 0..2 {
            let s = |k: usize| r.leads[k].samples_mv[t];
            assert!((s(0) + s(2) - s(1)).abs() < 1e-6);
            assert!((s(3) + s(4) + s(5)).abs() < 1e-6);
        }
        // Nothing more to add the second time; nothing without lead II.
        assert!(derive_limb_leads(&mut r).is_empty());
        let mut no_ii = Record { leads: vec![r.leads[0].clone()], ..r.clone() };
        assert!(derive_limb_leads(&mut no_ii).is_empty());
    }
}
