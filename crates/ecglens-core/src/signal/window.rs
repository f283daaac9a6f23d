//! Long recordings (a Holter, an hour of MIT-BIH) are explained a window at a time: the first request reads the
//! file and explains its first window; the page then adds a row for every other window, and each row asks for its
//! own stretch ([`super::ReadOptions::window`]). A window is the model's input length (10 s for the default
//! model), so each explanation stays the size of a resting ECG's whatever the recording's length.

use super::options::TimeWindow;
use super::source::{Opened, WindowInfo};
use super::{Lead, Record};

/// Recordings longer than this are explained a window at a time.
pub const LONG_RECORD_S: f64 = 60.0;

/// The samples of `record` within `window` (clamped to the recording), as a record of their own.
pub fn crop(record: &Record, window: TimeWindow) -> Record {
    let rate = record.sample_rate_hz;
    let n = record.n_samples();
    let start = ((window.start_s.max(0.0) * rate).round() as usize).min(n);
    let end = (((window.start_s.max(0.0) + window.duration_s.max(0.0)) * rate).round() as usize).clamp(start, n);
    Record {
        name: record.name.clone(),
        sample_rate_hz: rate,
        leads: record
            .leads
            .iter()
            .map(|l| Lead { name: l.name.clone(), samples_mv: l.samples_mv[start..end].to_vec() })
            .collect(),
        comments: record.comments.clone(),
    }
}

/// `opened` cut to `window`, with [`WindowInfo`] saying which stretch of how long a recording it is.
pub fn windowed(opened: &Opened, window: TimeWindow) -> Opened {
    let record = crop(&opened.record, window);
    let mut source = opened.source.clone();
    source.window = Some(WindowInfo {
        start_s: window.start_s,
        duration_s: record.duration_s(),
        total_duration_s: opened.record.duration_s(),
    });
    Opened { record, source, patient: opened.patient.clone() }
}

/// The windows of a recording `total_s` long, `window_s` each (the last one may be shorter).
pub fn windows(total_s: f64, window_s: f64) -> Vec<TimeWindow> {
    if !(window_s > 0.0 && total_s.is_finite() && total_s > 0.0) {
        return Vec::new();
    }
    let n = (total_s / window_s - 1e-9).ceil().max(1.0) as usize;
    (0..n)
        .map(|k| TimeWindow { start_s: k as f64 * window_s, duration_s: window_s.min(total_s - k as f64 * window_s) })
        .collect()
}

/// "00:12:30" for a time in a recording, for the rows' names.
pub fn clock(t_s: f64) -> String {
    let s = t_s.max(0.0).round() as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{Format, PatientIdentity, SourceInfo};

    #[test]
    fn windows_cover_the_recording_and_crop_takes_their_samples() {
        let w = windows(25.0, 10.0);
        assert_eq!(w.len(), 3);
        assert_eq!((w[2].start_s, w[2].duration_s), (20.0, 5.0));
        assert_eq!(windows(20.0, 10.0).len(), 2);
        assert!(windows(0.0, 10.0).is_empty());
        let record = Record {
            name: "holter".into(),
            sample_rate_hz: 4.0,
            leads: vec![Lead { name: "I".into(), samples_mv: (0..100).map(|i| i as f32).collect() }],
            comments: vec![],
        };
        let opened = Opened { record, source: SourceInfo::new(Format::Edf, ""), patient: PatientIdentity::default() };
        let cut = windowed(&opened, TimeWindow { start_s: 20.0, duration_s: 10.0 });
        assert_eq!(cut.record.leads[0].samples_mv, (80..100).map(|i| i as f32).collect::<Vec<_>>());
        let info = cut.source.window.unwrap();
        assert_eq!((info.start_s, info.duration_s, info.total_duration_s), (20.0, 5.0, 25.0));
        assert_eq!(clock(3725.4), "01:02:05");
    }
}
