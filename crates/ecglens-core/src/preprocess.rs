//! A `Record` → the model's input windows, exactly as the card (and the Python training code) says:
//! resample to the model rate (polyphase) → zero-phase band-pass (second-order sections) → z-score per
//! lead (when the card asks for it; the default model normalises inside its graph) → cut into windows of
//! `n_samples` (zero-padded at the end).
//!
//! A record that lacks some of the card's leads is presented as the first lead set of the card it covers
//! ([`ModelCard::lead_set_for`]), every lead outside that set as zeros ([`crate::card::MissingLead::Zeros`]).

use ndarray::Array2;

use crate::card::{MissingLead, ModelCard};
use crate::signal::{filter, leads, resample, Record, SignalError};

/// The model's view of one record.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// `leads × n_samples` windows at the model rate.
    pub windows: Vec<Array2<f32>>,
    /// First model-rate sample of each window.
    pub window_starts: Vec<usize>,
    /// Length of the processed record at the model rate (before padding).
    pub model_samples: usize,
    /// Index in `record.leads` of each of the card's leads (`None` where it was derived, e.g. III = II − I).
    pub lead_sources: Vec<Option<usize>>,
    /// The card's leads in mV at the record's own rate, in the card's order (derived ones included; a lead
    /// presented as missing is zeros).
    pub leads_mv: Vec<Vec<f32>>,
    /// The card's lead set the record was presented as (None: all the card's leads, no lead set needed).
    pub lead_set: Option<String>,
    /// Indices (card order) of the leads presented as missing.
    pub absent: Vec<usize>,
}

/// The card's leads taken from a record, in the card's order.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedLeads {
    /// Samples in mV at the record's own rate.
    pub samples_mv: Vec<Vec<f32>>,
    /// Index of each lead in the record, or None when it was derived from I and II or is absent.
    pub sources: Vec<Option<usize>>,
    /// The card's lead set the record is presented as (None when it has all the card's leads).
    pub lead_set: Option<String>,
    /// Indices (card order) of the leads presented as missing (zeros): leads the record lacks, and leads it
    /// has outside the presented set (the model was validated on the set, not on that mixture).
    pub absent: Vec<usize>,
}

/// Finds the card's leads in the record, deriving the missing limb leads from I and II when possible
/// (Einthoven: III = II − I; Goldberger: aVR = −(I + II)/2, aVL = I − II/2, aVF = II − I/2). When some are
/// still missing, the record is presented as the card's first lead set it covers (the other leads zeros); with
/// no such set it is refused with [`SignalError::MissingLeads`].
pub fn select_leads(record: &Record, card: &ModelCard) -> Result<SelectedLeads, SignalError> {
    let position = |canonical: &str| leads::lead_index(record, canonical);
    let lead_i = position("I");
    let lead_ii = position("II");
    // Per card lead: its samples and where they came from (None: derived), or None when the record lacks it.
    let mut found: Vec<Option<(Vec<f32>, Option<usize>)>> = Vec::with_capacity(card.input.leads.len());
    let mut missing = Vec::new();
    for wanted in &card.input.leads {
        let canonical = leads::canonical_lead_name(wanted).unwrap_or(wanted.as_str());
        if let Some(ix) = position(canonical) {
            found.push(Some((record.leads[ix].samples_mv.clone(), Some(ix))));
            continue;
        }
        let derived = match (lead_i, lead_ii) {
            (Some(i), Some(ii)) => {
                let (a, b) = (&record.leads[i].samples_mv, &record.leads[ii].samples_mv);
                let combine =
                    |f: &dyn Fn(f32, f32) -> f32| a.iter().zip(b).map(|(x, y)| f(*x, *y)).collect::<Vec<f32>>();
                match canonical {
                    "III" => Some(combine(&|x, y| y - x)),
                    "aVR" => Some(combine(&|x, y| -(x + y) / 2.0)),
                    "aVL" => Some(combine(&|x, y| x - y / 2.0)),
                    "aVF" => Some(combine(&|x, y| y - x / 2.0)),
                    _ => None,
                }
            }
            _ => None,
        };
        if derived.is_none() {
            missing.push(canonical.to_string());
        }
        found.push(derived.map(|samples| (samples, None)));
    }
    if missing.is_empty() {
        let (samples_mv, sources) = found.into_iter().flatten().unzip();
        return Ok(SelectedLeads { samples_mv, sources, lead_set: None, absent: Vec::new() });
    }
    let available: Vec<&str> = card
        .input
        .leads
        .iter()
        .zip(&found)
        .filter(|(_, lead)| lead.is_some())
        .map(|(l, _)| leads::canonical_lead_name(l).unwrap_or(l.as_str()))
        .collect();
    let (Some(set), Some(MissingLead::Zeros)) = (card.lead_set_for(&available), card.input.missing_lead) else {
        return Err(SignalError::MissingLeads {
            record: record.name.clone(),
            missing,
            available: record.leads.iter().map(|l| l.name.clone()).collect(),
        });
    };
    let n = record.n_samples();
    let mut selected = SelectedLeads {
        samples_mv: Vec::with_capacity(found.len()),
        sources: Vec::with_capacity(found.len()),
        lead_set: Some(set.name.clone()),
        absent: Vec::new(),
    };
    for (ix, (wanted, lead)) in card.input.leads.iter().zip(found).enumerate() {
        match lead {
            Some((samples, source)) if set.leads.contains(wanted) => {
                selected.samples_mv.push(samples);
                selected.sources.push(source);
            }
            _ => {
                selected.samples_mv.push(vec![0.0; n]);
                selected.sources.push(None);
                selected.absent.push(ix);
            }
        }
    }
    Ok(selected)
}

/// Resample → band-pass → z-score one lead, in f64, at the model rate (no padding).
pub fn preprocess_lead(samples_mv: &[f32], from_hz: f64, card: &ModelCard) -> Result<Vec<f64>, SignalError> {
    let mut x: Vec<f64> = samples_mv.iter().map(|v| f64::from(*v)).collect();
    let to_hz = card.input.sample_rate_hz;
    if (from_hz - to_hz).abs() > 1e-9 {
        let (up, down) = resample::rational_ratio(from_hz, to_hz)?;
        x = resample::resample_poly(&x, up, down);
    }
    if let Some(bandpass) = &card.preprocessing.bandpass {
        x = filter::sosfiltfilt(&bandpass.sos, &x)?;
    }
    if let Some(zscore) = &card.preprocessing.zscore {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - zscore.ddof as f64).max(1.0);
        let std = var.sqrt();
        let scale = if std < zscore.min_std { 1.0 } else { std };
        for v in &mut x {
            *v = (*v - mean) / scale;
        }
    }
    Ok(x)
}

/// First sample of each window: consecutive windows, the last one aligned to the end of the record.
pub fn window_starts(model_samples: usize, window: usize) -> Vec<usize> {
    if model_samples <= window {
        return vec![0];
    }
    let mut starts: Vec<usize> = (0..).map(|w| w * window).take_while(|s| s + window < model_samples).collect();
    starts.push(model_samples - window);
    starts.dedup();
    starts
}

/// The whole preprocessing of a record for a card.
pub fn prepare(record: &Record, card: &ModelCard) -> Result<Prepared, SignalError> {
    record.validate()?;
    let SelectedLeads { samples_mv: leads_mv, sources: lead_sources, lead_set, absent } = select_leads(record, card)?;
    let processed: Vec<Vec<f64>> =
        leads_mv.iter().map(|lead| preprocess_lead(lead, record.sample_rate_hz, card)).collect::<Result<_, _>>()?;
    let model_samples = processed.first().map_or(0, Vec::len);
    let n = card.input.n_samples;
    let starts = window_starts(model_samples, n);
    let windows = starts
        .iter()
        .map(|&start| {
            let mut window = Array2::<f32>::zeros((processed.len(), n));
            for (lead_ix, lead) in processed.iter().enumerate() {
                for (t, value) in lead.iter().skip(start).take(n).enumerate() {
                    window[[lead_ix, t]] = *value as f32;
                }
            }
            window
        })
        .collect();
    Ok(Prepared { windows, window_starts: starts, model_samples, lead_sources, leads_mv, lead_set, absent })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(names: &[&str]) -> Record {
        Record {
            name: "rec".into(),
            sample_rate_hz: 500.0,
            leads: names
                .iter()
                .enumerate()
                .map(|(i, n)| crate::signal::Lead { name: n.to_string(), samples_mv: vec![i as f32 + 1.0; 4] })
                .collect(),
            comments: vec![],
        }
    }

    fn card() -> ModelCard {
        serde_json::from_str(include_str!("../../../www/models/default.card.json")).unwrap()
    }

    #[test]
    fn select_leads_orders_derives_limb_leads_and_names_the_missing() {
        // I = 2, II = 4 (values = position + 1): III, aVR, aVL, aVF follow from them.
        let twelve = ["v1", "i", "V2", "ii", "V3", "V4", "v5", "V6"];
        let selected = select_leads(&record(&twelve), &card()).unwrap();
        assert_eq!(selected.sources[..3], [Some(1), Some(3), None]);
        let first = |lead: usize| selected.samples_mv[lead][0];
        assert_eq!((first(0), first(1)), (2.0, 4.0));
        assert_eq!((first(2), first(3), first(4), first(5)), (2.0, -3.0, 0.0, 3.0));
        assert_eq!(selected.sources[6], Some(0));
        let mut all_or_nothing = card();
        all_or_nothing.input.lead_sets.clear();
        let e = select_leads(&record(&["v1", "i", "AVR", "ii", "III"]), &all_or_nothing).unwrap_err();
        match &e {
            SignalError::MissingLeads { missing, .. } => assert_eq!(missing, &["V2", "V3", "V4", "V5", "V6"]),
            other => panic!("{other:?}"),
        }
        let message = e.to_string();
        assert!(message.contains("rec") && message.contains("V2") && message.contains("AVR"), "{message}");
    }

    #[test]
    fn a_reduced_lead_record_is_presented_as_the_first_lead_set_it_covers() {
        let card = card();
        let names: Vec<&str> = card.input.lead_sets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["12-lead", "limb-6", "I+II", "I", "II"]);
        // Lead II alone: every other lead is zeros.
        let only_ii = select_leads(&record(&["II"]), &card).unwrap();
        assert_eq!(only_ii.lead_set.as_deref(), Some("II"));
        assert_eq!(only_ii.absent, [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert_eq!(only_ii.sources[1], Some(0));
        assert_eq!(only_ii.samples_mv[1], vec![1.0; 4]);
        assert!(only_ii.absent.iter().all(|&ix| only_ii.samples_mv[ix] == vec![0.0; 4]));
        // I, II and V1: the limb leads follow from I and II; V1 lies outside limb-6, so it is not given to the
        // model (the set it was validated on, not that mixture).
        let limb = select_leads(&record(&["I", "II", "V1"]), &card).unwrap();
        assert_eq!(limb.lead_set.as_deref(), Some("limb-6"));
        assert_eq!(limb.absent, [6, 7, 8, 9, 10, 11]);
        assert_eq!(limb.samples_mv[2], vec![1.0; 4]); // III = II − I = 2 − 1
                                                      // V1 alone is no declared set: refused, naming what is missing.
        match select_leads(&record(&["V1"]), &card) {
            Err(SignalError::MissingLeads { missing, .. }) => assert!(missing.contains(&"II".to_string())),
            other => panic!("{other:?}"),
        }
        // A full record needs no set.
        let full = select_leads(&record(&crate::signal::leads::STANDARD_12), &card).unwrap();
        assert_eq!((full.lead_set, full.absent.len()), (None, 0));
    }

    #[test]
    fn windows_cover_the_record_and_the_last_is_aligned_to_the_end() {
        assert_eq!(window_starts(800, 1000), vec![0]);
        assert_eq!(window_starts(1000, 1000), vec![0]);
        assert_eq!(window_starts(2500, 1000), vec![0, 1000, 1500]);
        assert_eq!(window_starts(3000, 1000), vec![0, 1000, 2000]);
    }
}
