//! Signal quality per lead: what a reader of the trace should know before trusting it (or the model).
//!
//! Five checks, each cheap (a few passes over the lead, so a 24 h Holter lead takes milliseconds):
//! * **flat** — the lead holds one value for long stretches (a disconnected electrode, a lead the device did not
//!   record): runs of an identical value longer than 0.2 s cover at least half of it;
//! * **saturated** — the trace sits at its own extreme value in runs of at least 3 samples for at least 0.5 % of
//!   the recording (an amplifier clipping);
//! * **implausible amplitude** — the robust amplitude (99.9th percentile of |x − median|) is above 10 mV or, for a
//!   lead that varies (not flat), below 0.01 mV: a wrong gain or unit, by a factor [`likely_factor`] suggests
//!   (CinC 2020's `S0001.hea` declares a gain 1000× too high: its values look like volts read as millivolts);
//! * **baseline wander** — the 1 s moving mean ranges over more than 1 mV (1st to 99th percentile);
//! * **mains noise** — the power within ±1 Hz of 50 or 60 Hz is more than 10 % of the lead's power (mean removed
//!   per 1 s block; only where the rate reaches 130 Hz; the Goertzel algorithm on at most the first 60 s).
//!
//! Thresholds are conventions of ECG quality indices (e.g. Clifford et al., "Signal quality in cardiorespiratory
//! monitoring", Physiol. Meas. 2012; the PhysioNet/CinC 2011 challenge's flat-line and saturation checks), set
//! loose on purpose: a flag is a prompt to look, not a verdict.

use serde::{Deserialize, Serialize};

use super::Record;

/// One problem found on a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum QualityFlag {
    /// Share of the lead in long runs of one value.
    Flat { share: f32 },
    /// Share of the lead at its extreme value.
    Saturated { share: f32 },
    /// The robust amplitude in mV, and the factor that would bring it to an ECG's (1000: the values look like
    /// volts read as millivolts; 0.001: microvolts read as millivolts), when one does.
    ImplausibleAmplitude { amplitude_mv: f32, likely_factor: Option<f32> },
    /// Range of the 1 s moving mean, in mV.
    BaselineWander { range_mv: f32 },
    /// The mains frequency and its share of the power above 1 Hz.
    MainsNoise { hz: f32, share: f32 },
}

impl QualityFlag {
    /// A short label for the lead's name on the paper and the row: "flat", "saturated", ...
    pub fn short(&self) -> &'static str {
        match self {
            QualityFlag::Flat { .. } => "flat",
            QualityFlag::Saturated { .. } => "saturated",
            QualityFlag::ImplausibleAmplitude { .. } => "implausible amplitude",
            QualityFlag::BaselineWander { .. } => "baseline wander",
            QualityFlag::MainsNoise { .. } => "mains noise",
        }
    }

    /// The flag in a sentence, for the tooltip, the side panel and `ecglens info`.
    pub fn describe(&self) -> String {
        match self {
            QualityFlag::Flat { share } => {
                format!("flat for {:.0} % of the recording (an electrode off, or a lead not recorded)", share * 100.0)
            }
            QualityFlag::Saturated { share } => {
                format!("at its extreme value for {:.1} % of the recording (the amplifier clipped)", share * 100.0)
            }
            QualityFlag::ImplausibleAmplitude { amplitude_mv, likely_factor } => {
                let suggestion = match likely_factor {
                    Some(f) if *f >= 100.0 => format!(
                        "; the values look {f:.0}× too small (volts read as millivolts, or a gain {f:.0}× too high)"
                    ),
                    Some(f) if *f > 0.0 => format!(
                        "; the values look {:.0}× too large (microvolts read as millivolts, or a gain {:.0}× too low)",
                        1.0 / f,
                        1.0 / f
                    ),
                    _ => String::new(),
                };
                format!("amplitude {} mV, outside any ECG's (about 0.1–5 mV){suggestion}", sig(*amplitude_mv))
            }
            QualityFlag::BaselineWander { range_mv } => {
                format!("baseline wanders over {range_mv:.1} mV (movement, breathing or electrode contact)")
            }
            QualityFlag::MainsNoise { hz, share } => {
                format!("{hz:.0} Hz mains interference: {:.0} % of the signal's power", share * 100.0)
            }
        }
    }
}

/// Three significant digits ("0.000323", "2300").
fn sig(v: f32) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

/// The flags of one lead (only leads with at least one flag are listed by [`assess`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadQuality {
    pub lead: String,
    pub flags: Vec<QualityFlag>,
}

/// The flags of every lead that has any, in the record's lead order, under the lead's standard name ("AVF" → "aVF").
pub fn assess(record: &Record) -> Vec<LeadQuality> {
    record
        .leads
        .iter()
        .filter_map(|lead| {
            let flags = lead_flags(&lead.samples_mv, record.sample_rate_hz);
            (!flags.is_empty()).then(|| LeadQuality { lead: super::leads::display_name(&lead.name), flags })
        })
        .collect()
}

/// The factor (a power of 1000) that brings `amplitude_mv` into an ECG's range, if one does.
pub fn likely_factor(amplitude_mv: f32) -> Option<f32> {
    [1000.0f32, 1e6, 1e-3, 1e-6].into_iter().find(|f| (0.05..=10.0).contains(&(amplitude_mv * f)))
}

/// The checks of the module doc on one lead at `rate_hz`.
pub fn lead_flags(x: &[f32], rate_hz: f64) -> Vec<QualityFlag> {
    let mut flags = Vec::new();
    let n = x.len();
    if n < 2 || !(rate_hz.is_finite() && rate_hz > 0.0) {
        return flags;
    }
    let flat = flat_share(x, rate_hz);
    if flat >= 0.5 {
        flags.push(QualityFlag::Flat { share: flat });
        return flags; // the other checks say nothing about a flat lead
    }
    let saturated = saturated_share(x);
    if saturated >= 0.005 {
        flags.push(QualityFlag::Saturated { share: saturated });
    }
    let amplitude = robust_amplitude(x);
    if !(0.01..=10.0).contains(&amplitude) {
        flags.push(QualityFlag::ImplausibleAmplitude {
            amplitude_mv: amplitude,
            likely_factor: likely_factor(amplitude),
        });
        return flags; // wander and noise thresholds are in mV: meaningless at a wrong scale
    }
    let wander = baseline_range(x, rate_hz);
    if wander > 1.0 {
        flags.push(QualityFlag::BaselineWander { range_mv: wander });
    }
    if let Some((hz, share)) = mains_share(x, rate_hz).filter(|(_, s)| *s > 0.1) {
        flags.push(QualityFlag::MainsNoise { hz, share });
    }
    flags
}

/// Share of samples in runs of one identical value lasting more than 0.2 s.
fn flat_share(x: &[f32], rate_hz: f64) -> f32 {
    let min_run = ((0.2 * rate_hz).ceil() as usize).max(3);
    let (mut in_runs, mut run) = (0usize, 1usize);
    for i in 1..=x.len() {
        if i < x.len() && x[i] == x[i - 1] {
            run += 1;
        } else {
            if run >= min_run {
                in_runs += run;
            }
            run = 1;
        }
    }
    in_runs as f32 / x.len() as f32
}

/// Share of samples at the lead's maximum or minimum in runs of at least 3.
fn saturated_share(x: &[f32]) -> f32 {
    let (lo, hi) = x.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return 0.0;
    }
    let mut count = 0usize;
    for extreme in [lo, hi] {
        let mut run = 0usize;
        for i in 0..=x.len() {
            if i < x.len() && x[i] == extreme {
                run += 1;
            } else {
                if run >= 3 {
                    count += run;
                }
                run = 0;
            }
        }
    }
    count as f32 / x.len() as f32
}

/// The value at quantile `q` of `values` (sorted in place).
fn quantile(values: &mut [f32], q: f64) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let k = ((values.len() - 1) as f64 * q).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(k, f32::total_cmp);
    *v
}

/// Every `step`-th sample, at most about 200,000 of them (quantiles of a long lead need not see every sample).
fn thinned(x: &[f32]) -> Vec<f32> {
    let step = (x.len() / 200_000).max(1);
    x.iter().step_by(step).copied().collect()
}

/// 99.9th percentile of |x − median|.
fn robust_amplitude(x: &[f32]) -> f32 {
    let mut v = thinned(x);
    let median = quantile(&mut v, 0.5);
    let mut dev: Vec<f32> = v.iter().map(|s| (s - median).abs()).collect();
    quantile(&mut dev, 0.999)
}

/// 1st-to-99th percentile range of the 1 s moving mean.
fn baseline_range(x: &[f32], rate_hz: f64) -> f32 {
    let w = (rate_hz.round() as usize).max(1);
    if x.len() < 2 * w {
        return 0.0;
    }
    let mut prefix = Vec::with_capacity(x.len() + 1);
    prefix.push(0.0f64);
    for v in x {
        prefix.push(prefix[prefix.len() - 1] + f64::from(*v));
    }
    let step = (x.len() / 100_000).max(1);
    let mut means: Vec<f32> =
        (0..=x.len() - w).step_by(step).map(|i| ((prefix[i + w] - prefix[i]) / w as f64) as f32).collect();
    quantile(&mut means.clone(), 0.99) - quantile(&mut means, 0.01)
}

/// The larger mains share (50 or 60 Hz): over 1 s blocks (1 Hz DFT bins), the power of the bins within ±1 Hz of it
/// over the block's power (mean removed). Three Goertzel passes per frequency: linear in the samples.
fn mains_share(x: &[f32], rate_hz: f64) -> Option<(f32, f32)> {
    if rate_hz < 130.0 {
        return None;
    }
    let block = rate_hz.round() as usize;
    let n = x.len().min(60 * block);
    if n < 2 * block {
        return None;
    }
    let (mut total, mut band) = (0.0f64, [0.0f64; 2]);
    let mut centred = vec![0.0f64; block];
    for chunk in x[..n].chunks_exact(block) {
        let mean = chunk.iter().map(|v| f64::from(*v)).sum::<f64>() / block as f64;
        for (c, v) in centred.iter_mut().zip(chunk) {
            *c = f64::from(*v) - mean;
        }
        total += centred.iter().map(|v| v * v).sum::<f64>();
        for (b, mains) in band.iter_mut().zip([50.0f64, 60.0]) {
            for hz in [mains - 1.0, mains, mains + 1.0] {
                // Goertzel: |X_k|² / N for the bin at `hz` (bins are 1 Hz apart in a 1 s block); one-sided ×2.
                let coeff = 2.0 * (2.0 * std::f64::consts::PI * hz / rate_hz).cos();
                let (mut s1, mut s2) = (0.0f64, 0.0f64);
                for v in &centred {
                    let s0 = v + coeff * s1 - s2;
                    s2 = s1;
                    s1 = s0;
                }
                *b += 2.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / block as f64;
            }
        }
    }
    let total = total.max(f64::MIN_POSITIVE);
    [(50.0f32, band[0]), (60.0, band[1])]
        .into_iter()
        .map(|(hz, b)| (hz, (b / total).clamp(0.0, 1.0) as f32))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Only the amplitude check of [`lead_flags`] (what every reader's plausibility warning needs; cheap).
pub fn implausible_amplitude(x: &[f32], rate_hz: f64) -> Option<QualityFlag> {
    if x.len() < 2 || flat_share(x, rate_hz.max(1.0)) >= 0.5 {
        return None;
    }
    let amplitude = robust_amplitude(x);
    (!(0.01..=10.0).contains(&amplitude))
        .then(|| QualityFlag::ImplausibleAmplitude { amplitude_mv: amplitude, likely_factor: likely_factor(amplitude) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::Lead;

    /// A crude ECG-like lead: a 1 mV spike every second on a small sine, at `rate` for `seconds`.
    fn ecg(rate: f64, seconds: f64) -> Vec<f32> {
        (0..(rate * seconds) as usize)
            .map(|i| {
                let t = i as f64 / rate;
                let beat = ((t % 1.0) - 0.5) / 0.02;
                (0.05 * (2.0 * std::f64::consts::PI * 0.3 * t).sin() + (-beat * beat).exp()) as f32
            })
            .collect()
    }

    #[test]
    fn a_clean_lead_has_no_flag() {
        assert_eq!(lead_flags(&ecg(500.0, 10.0), 500.0), vec![]);
        assert_eq!(lead_flags(&ecg(100.0, 10.0), 100.0), vec![]);
    }

    #[test]
    fn each_problem_is_flagged() {
        // Flat: an electrode off for 8 of 10 s.
        let mut x = ecg(500.0, 10.0);
        x[..4000].fill(0.0);
        assert!(matches!(lead_flags(&x, 500.0)[..], [QualityFlag::Flat { share }] if share > 0.79));
        // Saturated: clipped at 0.8 mV.
        let x: Vec<f32> = ecg(500.0, 10.0).iter().map(|v| v.min(0.8)).collect();
        assert!(lead_flags(&x, 500.0).iter().any(|f| matches!(f, QualityFlag::Saturated { .. })));
        // Volts read as millivolts (S0001's header): 1000× too small.
        let x: Vec<f32> = ecg(500.0, 10.0).iter().map(|v| v / 1000.0).collect();
        let flags = lead_flags(&x, 500.0);
        assert!(
            matches!(flags[..], [QualityFlag::ImplausibleAmplitude { likely_factor: Some(f), .. }] if f == 1000.0),
            "{flags:?}"
        );
        assert!(flags[0].describe().contains("1000× too small"), "{}", flags[0].describe());
        // Microvolts read as millivolts: 1000× too large.
        let x: Vec<f32> = ecg(500.0, 10.0).iter().map(|v| v * 1000.0).collect();
        let d = lead_flags(&x, 500.0)[0].describe();
        assert!(d.contains("1000× too large (microvolts read as millivolts"), "{d}");
        // Baseline wander: a 2 mV swing at 0.1 Hz.
        let x: Vec<f32> = ecg(500.0, 20.0)
            .iter()
            .enumerate()
            .map(|(i, v)| v + (2.0 * std::f64::consts::PI * 0.1 * i as f64 / 500.0).sin() as f32)
            .collect();
        assert!(matches!(lead_flags(&x, 500.0)[..], [QualityFlag::BaselineWander { range_mv }] if range_mv > 1.5));
        // Mains: 0.3 mV of 60 Hz.
        let x: Vec<f32> = ecg(500.0, 10.0)
            .iter()
            .enumerate()
            .map(|(i, v)| v + 0.3 * (2.0 * std::f64::consts::PI * 60.0 * i as f64 / 500.0).sin() as f32)
            .collect();
        let flags = lead_flags(&x, 500.0);
        assert!(matches!(flags[..], [QualityFlag::MainsNoise { hz, .. }] if hz == 60.0), "{flags:?}");
    }

    #[test]
    fn assess_lists_only_flagged_leads() {
        let record = Record {
            name: "r".into(),
            sample_rate_hz: 500.0,
            leads: vec![
                Lead { name: "I".into(), samples_mv: ecg(500.0, 10.0) },
                Lead { name: "ii".into(), samples_mv: vec![0.0; 5000] },
            ],
            comments: vec![],
        };
        let q = assess(&record);
        assert_eq!(q.len(), 1);
        assert_eq!((q[0].lead.as_str(), q[0].flags[0].short()), ("II", "flat"));
        let json = serde_json::to_string(&q).unwrap();
        assert_eq!(json, r#"[{"lead":"II","flags":[{"flag":"flat","share":1.0}]}]"#);
        assert_eq!(likely_factor(0.0003), Some(1000.0));
        assert_eq!(likely_factor(2300.0), Some(0.001));
        assert_eq!(sig(0.000323), "0.000323");
    }
}
