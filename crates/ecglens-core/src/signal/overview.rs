//! A long recording at a glance: for the overview strip above the paper, the lowest and the highest sample of each
//! of a fixed number of equal stretches of time ("buckets"), per lead, for at most [`MAX_LEADS`] leads. It is
//! built from the whole record ([`Overview::of`]) or a window at a time ([`Overview::in_chunks`]), so a 24 h
//! Holter never has to be one array: the two give the same overview (a test says so).

use serde::{Deserialize, Serialize};

use super::options::TimeWindow;
use super::{Record, SignalError};

/// Buckets across the strip: more than the pixels of a wide screen's strip, few enough to post in a message
/// (2 leads × 1,600 × 2 values).
pub const BUCKETS: usize = 1600;
/// The strip draws at most this many leads (lead II first when there is one).
pub const MAX_LEADS: usize = 2;
/// [`Overview::in_chunks`] reads this much of the recording at a time.
pub const CHUNK_S: f64 = 600.0;

/// One lead's envelope: `min_mv[b]..=max_mv[b]` is the range of its samples in bucket `b` (NaN where the bucket
/// has no sample).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewLead {
    pub name: String,
    pub min_mv: Vec<f32>,
    pub max_mv: Vec<f32>,
}

/// The envelope of a recording `duration_s` long, in equal buckets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub duration_s: f64,
    pub leads: Vec<OverviewLead>,
}

/// A finite number above zero (NaN is not).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Which of `names` the strip draws: II first when present, then the others in order, at most [`MAX_LEADS`].
pub fn chosen_leads(names: &[&str]) -> Vec<String> {
    let mut order: Vec<&str> = names.iter().copied().filter(|n| n.eq_ignore_ascii_case("II")).take(1).collect();
    order.extend(names.iter().copied().filter(|n| !n.eq_ignore_ascii_case("II")));
    order.into_iter().take(MAX_LEADS).map(str::to_string).collect()
}

impl Overview {
    /// An empty overview of `leads` over `duration_s`, in `buckets` buckets.
    pub fn new(leads: &[String], duration_s: f64, buckets: usize) -> Overview {
        Overview {
            duration_s,
            leads: leads
                .iter()
                .map(|name| OverviewLead {
                    name: name.clone(),
                    min_mv: vec![f32::NAN; buckets],
                    max_mv: vec![f32::NAN; buckets],
                })
                .collect(),
        }
    }

    /// The overview of a whole record.
    pub fn of(record: &Record, buckets: usize) -> Overview {
        let names: Vec<&str> = record.leads.iter().map(|l| l.name.as_str()).collect();
        let mut overview = Overview::new(&chosen_leads(&names), record.duration_s(), buckets);
        overview.add(record, 0.0);
        overview
    }

    /// Built a chunk at a time: `read(window)` returns the record's samples in `window` (the last chunk may be
    /// shorter), so that only one chunk is in memory at once.
    pub fn in_chunks(
        duration_s: f64,
        chunk_s: f64,
        buckets: usize,
        read: &mut dyn FnMut(TimeWindow) -> Result<Record, SignalError>,
    ) -> Result<Overview, SignalError> {
        let mut overview: Option<Overview> = None;
        for window in super::window::windows(duration_s, chunk_s) {
            let chunk = read(window)?;
            let overview = overview.get_or_insert_with(|| {
                let names: Vec<&str> = chunk.leads.iter().map(|l| l.name.as_str()).collect();
                Overview::new(&chosen_leads(&names), duration_s, buckets)
            });
            overview.add(&chunk, window.start_s);
        }
        Ok(overview.unwrap_or_else(|| Overview::new(&[], duration_s, buckets)))
    }

    fn buckets(&self) -> usize {
        self.leads.first().map_or(0, |l| l.min_mv.len())
    }

    /// Adds the samples of `record`, which starts `start_s` into the recording.
    pub fn add(&mut self, record: &Record, start_s: f64) {
        let buckets = self.buckets();
        if buckets == 0 || !positive(self.duration_s) || !positive(record.sample_rate_hz) {
            return;
        }
        // Sample i of the chunk is at time start_s + i / rate: bucket floor(t / duration × buckets). Computed in
        // integer samples from the recording's start, so that a chunk boundary cannot move a sample.
        let rate = record.sample_rate_hz;
        let first = (start_s * rate).round();
        let per_bucket = self.duration_s * rate / buckets as f64;
        for lead in &mut self.leads {
            let Some(samples) = record.leads.iter().find(|l| l.name == lead.name).map(|l| &l.samples_mv) else {
                continue;
            };
            for (i, &v) in samples.iter().enumerate() {
                if !v.is_finite() {
                    continue;
                }
                let b = (((first + i as f64) / per_bucket) as usize).min(buckets - 1);
                let (lo, hi) = (&mut lead.min_mv[b], &mut lead.max_mv[b]);
                if lo.is_nan() || v < *lo {
                    *lo = v;
                }
                if hi.is_nan() || v > *hi {
                    *hi = v;
                }
            }
        }
    }

    /// The bucket a time falls in (clamped to the strip).
    pub fn bucket_at(&self, t_s: f64) -> usize {
        let buckets = self.buckets();
        if buckets == 0 || !positive(self.duration_s) {
            return 0;
        }
        ((t_s / self.duration_s * buckets as f64).max(0.0) as usize).min(buckets - 1)
    }
}

/// What the strip draws, in a `width` × `height` box: one vertical stroke per bucket of lead `lead`, from its
/// lowest to its highest sample, as an SVG path (`M x y V y` per bucket; empty buckets are skipped). The lead's
/// robust range (1st to 99th percentile of the bucket extremes, widened by a quarter) fills the height, so one
/// artefact spike does not flatten the rest.
pub fn envelope_path(overview: &Overview, lead: usize, width: f64, height: f64) -> String {
    let Some(lead) = overview.leads.get(lead) else { return String::new() };
    let n = lead.min_mv.len();
    let mut extremes: Vec<f32> = lead.min_mv.iter().chain(&lead.max_mv).copied().filter(|v| v.is_finite()).collect();
    if n == 0 || extremes.is_empty() {
        return String::new();
    }
    extremes.sort_by(f32::total_cmp);
    let at = |q: f64| f64::from(extremes[((extremes.len() - 1) as f64 * q).round() as usize]);
    let (lo, hi) = (at(0.01), at(0.99));
    let pad = ((hi - lo) * 0.25).max(0.05);
    let (lo, hi) = (lo - pad, hi + pad);
    let y = |v: f32| ((hi - f64::from(v)) / (hi - lo) * height).clamp(0.0, height);
    let mut d = String::with_capacity(n * 24);
    for b in 0..n {
        let (min, max) = (lead.min_mv[b], lead.max_mv[b]);
        if !(min.is_finite() && max.is_finite()) {
            continue;
        }
        let x = (b as f64 + 0.5) / n as f64 * width;
        let (top, bottom) = (y(max), y(min));
        // A stroke at least half a unit tall, so a flat stretch still shows.
        let bottom = if bottom - top < 0.5 { top + 0.5 } else { bottom };
        d.push_str(&format!("M{x:.1} {top:.1}V{bottom:.1}"));
    }
    d
}

/// Time marks for the strip: `(fraction of its width, "hh:mm")`, about `count` of them at a round step (1, 5, 10,
/// 15, 30 min, 1, 2, 3, 6 h...).
pub fn ticks(duration_s: f64, count: usize) -> Vec<(f64, String)> {
    if !positive(duration_s) || count == 0 {
        return Vec::new();
    }
    const STEPS_S: [f64; 11] = [60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0];
    let wanted = duration_s / count as f64;
    let step = STEPS_S.iter().copied().find(|&s| s >= wanted).unwrap_or(86400.0);
    (0..)
        .map(|k| k as f64 * step)
        .take_while(|&t| t <= duration_s)
        .map(|t| {
            let m = (t / 60.0).round() as u64;
            (t / duration_s, format!("{:02}:{:02}", m / 60, m % 60))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{window, Lead};

    fn holter(seconds: usize, rate: f64) -> Record {
        let n = (seconds as f64 * rate) as usize;
        let wave =
            |k: f32| (0..n).map(move |i| ((i as f32) * 0.01 * k).sin() * k + if i % 977 == 0 { 3.0 } else { 0.0 });
        Record {
            name: "holter".into(),
            sample_rate_hz: rate,
            leads: vec![
                Lead { name: "V5".into(), samples_mv: wave(1.0).collect() },
                Lead { name: "II".into(), samples_mv: wave(2.0).collect() },
                Lead { name: "V1".into(), samples_mv: wave(0.5).collect() },
            ],
            comments: vec![],
        }
    }

    #[test]
    fn lead_ii_first_at_most_two() {
        assert_eq!(chosen_leads(&["V5", "II", "V1"]), ["II", "V5"]);
        assert_eq!(chosen_leads(&["MLII"]), ["MLII"]);
        assert!(chosen_leads(&[]).is_empty());
    }

    #[test]
    fn chunks_give_the_overview_of_the_whole() {
        let record = holter(3700, 250.0);
        let whole = Overview::of(&record, 1000);
        let mut reads = 0;
        let chunked = Overview::in_chunks(record.duration_s(), 600.0, 1000, &mut |w| {
            reads += 1;
            Ok(window::crop(&record, w))
        })
        .unwrap();
        assert_eq!(reads, 7);
        assert_eq!(chunked, whole);
        assert_eq!(whole.leads.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["II", "V5"]);
        // Each bucket holds the extremes of its samples: 250 Hz × 3.7 s per bucket.
        let ii = &record.leads[1].samples_mv;
        let per = ii.len() / 1000;
        let (lo, hi) = ii[..per].iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        assert_eq!((whole.leads[0].min_mv[0], whole.leads[0].max_mv[0]), (lo, hi));
        assert!(whole.leads[0].max_mv.iter().all(|v| v.is_finite()));
        assert_eq!(whole.bucket_at(0.0), 0);
        assert_eq!(whole.bucket_at(3700.0), 999);
        assert_eq!(whole.bucket_at(1850.0), 500);
    }

    #[test]
    fn the_strip_draws_a_stroke_per_bucket_and_round_time_marks() {
        let overview = Overview::of(&holter(600, 100.0), 100);
        let d = envelope_path(&overview, 0, 1600.0, 60.0);
        assert_eq!(d.matches('M').count(), 100);
        assert!(d.starts_with("M8.0 "), "{d}");
        assert_eq!(envelope_path(&overview, 5, 1600.0, 60.0), "");
        let marks = ticks(24.0 * 3600.0, 6);
        assert_eq!(marks.first().map(|m| m.1.as_str()), Some("00:00"));
        assert_eq!(
            marks.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(),
            ["00:00", "06:00", "12:00", "18:00", "24:00"]
        );
        let marks = ticks(1805.6, 6);
        assert_eq!(marks.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(), ["00:00", "00:10", "00:20", "00:30"]);
        assert!((marks[3].0 - 1800.0 / 1805.6).abs() < 1e-12);
    }

    #[test]
    fn a_failed_chunk_is_an_error() {
        let failed = Overview::in_chunks(1200.0, 600.0, 10, &mut |_| {
            Err(SignalError::Malformed { file: "x.edf".into(), format: "EDF/BDF", message: "truncated".into() })
        });
        assert!(failed.is_err());
    }
}
