//! The batch table's rows: one per record the user gave (or file that could not be one), with its status and what
//! the table shows of its explanation, and the progress of the batch.

use std::sync::Arc;

use super::summary::{disagreement, prediction};
use crate::explain::Explanation;

/// Where a row's record is (`data-status` is its [`RowStatus::key`]).
#[derive(Debug, Clone, PartialEq)]
pub enum RowStatus {
    Queued,
    Running,
    Done,
    /// It could not be explained, and why.
    Failed(String),
    Cancelled,
    /// Its file does not say what these questions ask: the row shows a form ([`super::ask`]).
    NeedsInput {
        questions: Vec<crate::signal::Question>,
        message: String,
    },
}

impl RowStatus {
    /// The status column: the key, or `error: <why>`.
    pub fn label(&self) -> String {
        match self {
            RowStatus::Failed(message) => format!("error: {message}"),
            RowStatus::NeedsInput { message, .. } => format!("needs your answer: {message}"),
            other => other.key().into(),
        }
    }

    /// `queued` / `running` / `done` / `error` / `cancelled` (`data-status`, and the status sort).
    pub fn key(&self) -> &'static str {
        match self {
            RowStatus::Queued => "queued",
            RowStatus::Running => "running",
            RowStatus::Done => "done",
            RowStatus::Failed(_) => "error",
            RowStatus::Cancelled => "cancelled",
            RowStatus::NeedsInput { .. } => "needs_input",
        }
    }
}

/// The row's notes: quality flags and how many warnings the reader gave.
fn notes(e: &Explanation) -> String {
    let mut parts = vec![super::summary::quality_text(e)];
    let warnings = e.source.as_ref().map_or(0, |s| s.warnings.len());
    if warnings > 0 {
        parts.push(format!("{warnings} warning{}", if warnings == 1 { "" } else { "s" }));
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" · ")
}

/// What the table shows of a finished record. The full explanation (about 0.3 MB for 10 s at 500 Hz) is not kept:
/// opening the row explains it again from its files.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSummary {
    /// [`prediction`].
    pub prediction: String,
    /// Per layer.
    pub mean_entropy: Vec<f32>,
    /// [`disagreement`].
    pub disagreement: Option<f32>,
    /// [`super::summary::quality_text`], then the reader's warnings count ("II flat · 1 warning").
    pub notes: String,
}

impl RowSummary {
    pub fn of(e: &Explanation) -> Self {
        RowSummary {
            prediction: prediction(e),
            mean_entropy: e.layers.iter().map(|l| l.mean_entropy).collect(),
            disagreement: disagreement(e),
            notes: notes(e),
        }
    }

    /// The mean entropy of layer `layer`, or of the deepest one when there are fewer; None without an atlas.
    pub fn entropy(&self, layer: usize) -> Option<f32> {
        self.mean_entropy.get(layer).or(self.mean_entropy.last()).copied()
    }

    /// The mean entropy column (3 decimals, empty without an atlas).
    pub fn entropy_text(&self, layer: usize) -> String {
        self.entropy(layer).map(|e| format!("{e:.3}")).unwrap_or_default()
    }

    /// The disagreement column (2 decimals, empty without a surrogate).
    pub fn disagreement_text(&self) -> String {
        self.disagreement.map(|d| format!("{d:.2}")).unwrap_or_default()
    }
}

/// One row of the batch table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The id of the job that explains it (ids come from [`super::JobQueue::next_id`]).
    pub id: u64,
    /// The record's name (with its folder), or the file's when it is not a record.
    pub name: String,
    /// The file format the record is in (None for a file that is not a record).
    pub format: Option<crate::signal::Format>,
    pub status: RowStatus,
    /// Set once done.
    pub summary: Option<Arc<RowSummary>>,
    pub elapsed_ms: f64,
    /// The answers the record is read with (the user's, a sidecar's), and which record of a multi-record file.
    pub options: crate::signal::ReadOptions,
    /// For a window of a long recording after the first: the row of the recording's first window (which holds
    /// its overview). None for every other row.
    pub recording: Option<u64>,
}

impl Row {
    pub fn queued(id: u64, name: &str) -> Self {
        Row {
            id,
            name: name.to_string(),
            format: None,
            status: RowStatus::Queued,
            summary: None,
            elapsed_ms: 0.0,
            options: Default::default(),
            recording: None,
        }
    }

    pub fn with_format(self, format: crate::signal::Format) -> Self {
        Row { format: Some(format), ..self }
    }

    /// The format column ("" for a file that is not a record).
    pub fn format_label(&self) -> &'static str {
        self.format.map_or("", |f| f.label())
    }

    pub fn failed(id: u64, name: &str, message: String) -> Self {
        Row {
            id,
            name: name.to_string(),
            format: None,
            status: RowStatus::Failed(message),
            summary: None,
            elapsed_ms: 0.0,
            options: Default::default(),
            recording: None,
        }
    }

    /// The rows of the other windows of a long recording, once its first window (this row) says how long it is
    /// (see [`crate::signal::window`]): named `<name> @ hh:mm:ss`, each reading its own stretch.
    pub fn other_windows(&self, info: &crate::signal::WindowInfo, mut ids: impl FnMut() -> u64) -> Vec<Row> {
        use crate::signal::window::{clock, windows};
        if self.options.window.is_some() || info.start_s != 0.0 {
            return Vec::new();
        }
        windows(info.total_duration_s, info.duration_s)
            .into_iter()
            .skip(1)
            .map(|window| Row {
                id: ids(),
                name: format!("{} @ {}", self.name, clock(window.start_s)),
                status: RowStatus::Queued,
                summary: None,
                elapsed_ms: 0.0,
                options: crate::signal::ReadOptions { window: Some(window), ..self.options.clone() },
                recording: Some(self.id),
                ..self.clone()
            })
            .collect()
    }

    /// The rows of the other records of a multi-record file, once its first (this row) says how many there are:
    /// `ids` gives each new row's id. Named `<name> [k/n] <label>` from the file's own labels when known.
    pub fn other_parts(&self, part: &crate::signal::Part, mut ids: impl FnMut() -> u64) -> Vec<Row> {
        if part.index != 0 || self.options.item != 0 {
            return Vec::new();
        }
        (1..part.count)
            .map(|item| Row {
                id: ids(),
                name: format!("{} [{}/{}]", self.name, item + 1, part.count),
                status: RowStatus::Queued,
                summary: None,
                elapsed_ms: 0.0,
                options: crate::signal::ReadOptions { item, ..self.options.clone() },
                ..self.clone()
            })
            .collect()
    }

    /// The prediction column (empty until done).
    pub fn prediction(&self) -> &str {
        self.summary.as_ref().map_or("", |s| s.prediction.as_str())
    }
}

/// The row of the first window of the recording that row `id` is a window of (itself when it is the first or not
/// a window at all).
pub fn recording_of(rows: &[Row], id: u64) -> u64 {
    rows.iter().find(|r| r.id == id).and_then(|r| r.recording).unwrap_or(id)
}

/// The windows of recording `first` (the row of its first window), in time order: `(row id, start s)`.
pub fn windows_of(rows: &[Row], first: u64) -> Vec<(u64, f64)> {
    let mut out: Vec<(u64, f64)> = rows
        .iter()
        .filter(|r| r.id == first || r.recording == Some(first))
        .map(|r| (r.id, r.options.window.map_or(0.0, |w| w.start_s)))
        .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1));
    out
}

/// The row of recording `first` whose window holds time `t_s` (the last window starting at or before it).
pub fn window_at(rows: &[Row], first: u64, t_s: f64) -> Option<u64> {
    let windows = windows_of(rows, first);
    windows.iter().rev().find(|(_, start)| *start <= t_s).or(windows.first()).map(|(id, _)| *id)
}

/// The row `step` windows after (or, negative, before) row `id` in its recording, clamped to the first and last.
pub fn window_step(rows: &[Row], id: u64, step: i64) -> Option<u64> {
    let windows = windows_of(rows, recording_of(rows, id));
    let at = windows.iter().position(|(w, _)| *w == id)? as i64;
    let to = (at + step).clamp(0, windows.len() as i64 - 1) as usize;
    windows.get(to).map(|(w, _)| *w)
}

/// Sets the status of row `id`; false if there is no such row.
pub fn set_status(rows: &mut [Row], id: u64, status: RowStatus) -> bool {
    match rows.iter_mut().find(|r| r.id == id) {
        Some(row) => {
            row.status = status;
            true
        }
        None => false,
    }
}

/// Row `id` is explained; false if there is no such row.
pub fn set_done(rows: &mut [Row], id: u64, summary: Arc<RowSummary>, elapsed_ms: f64) -> bool {
    match rows.iter_mut().find(|r| r.id == id) {
        Some(row) => {
            row.status = RowStatus::Done;
            row.summary = Some(summary);
            row.elapsed_ms = elapsed_ms;
            true
        }
        None => false,
    }
}

/// Marks the rows of the cancelled jobs `ids` cancelled.
pub fn set_cancelled(rows: &mut [Row], ids: &[u64]) {
    for row in rows.iter_mut().filter(|r| ids.contains(&r.id)) {
        row.status = RowStatus::Cancelled;
    }
}

/// The batch's progress line: records finished (done, failed or cancelled) of those given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

impl Progress {
    /// New records arrive: `queued` to explain and `failed` already refused. With nothing `pending` in the queue, or
    /// every record finished, they start a new batch, counted from zero.
    pub fn add(&mut self, pending: usize, queued: usize, failed: usize) {
        if pending == 0 || self.done == self.total {
            *self = Progress::default();
        }
        self.total += queued + failed;
        self.done += failed;
    }

    /// `n` more records finished.
    pub fn finish(&mut self, n: usize) {
        self.done += n;
    }

    /// `<progress max>`: at least 1, so an empty batch is not drawn as indeterminate.
    pub fn max(&self) -> usize {
        self.total.max(1)
    }

    /// `done / total`.
    pub fn text(&self) -> String {
        format!("{} / {}", self.done, self.total)
    }
}

#[cfg(test)]
mod part_tests {
    use super::*;
    use crate::signal::{Format, Part};

    #[test]
    fn a_multi_record_file_gets_a_row_per_record_with_the_same_answers() {
        let mut first = Row::queued(10, "x_test").with_format(Format::Numpy);
        first.options.sample_rate_hz = Some(100.0);
        let part = Part { index: 0, count: 3, label: "x_test[0]".into() };
        let mut next = 10;
        let rows = first.other_parts(&part, || {
            next += 1;
            next
        });
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["x_test [2/3]", "x_test [3/3]"]);
        assert_eq!(rows.iter().map(|r| (r.id, r.options.item)).collect::<Vec<_>>(), [(11, 1), (12, 2)]);
        assert!(rows.iter().all(|r| r.options.sample_rate_hz == Some(100.0) && r.format == Some(Format::Numpy)));
        // Only the first record spawns the others.
        let later = Part { index: 1, ..part };
        assert!(rows[0].other_parts(&later, || 99).is_empty());
    }

    #[test]
    fn a_long_recording_gets_a_row_per_window() {
        let first = Row::queued(1, "mitdb-100").with_format(Format::Wfdb);
        let info = crate::signal::WindowInfo { start_s: 0.0, duration_s: 10.0, total_duration_s: 1805.6 };
        let mut next = 1;
        let rows = first.other_windows(&info, || {
            next += 1;
            next
        });
        assert_eq!(rows.len(), 180, "181 windows of 10 s, the first one is this row");
        assert_eq!(rows[0].name, "mitdb-100 @ 00:00:10");
        assert_eq!(rows[179].name, "mitdb-100 @ 00:30:00");
        let last = rows[179].options.window.unwrap();
        assert!((last.start_s - 1800.0).abs() < 1e-9 && (last.duration_s - 5.6).abs() < 1e-9);
        assert!(rows[0].other_windows(&info, || 0).is_empty(), "a window row spawns nothing");
        // Navigating: which window holds a time, the next and previous windows, from any of them.
        let mut all = vec![first.clone()];
        all.extend(rows.iter().rev().cloned());
        assert!(all[1..].iter().all(|r| r.recording == Some(1)) && first.recording.is_none());
        assert_eq!(recording_of(&all, 181), 1);
        assert_eq!(window_at(&all, 1, 0.0), Some(1));
        assert_eq!(window_at(&all, 1, 9.99), Some(1));
        assert_eq!(window_at(&all, 1, 10.0), Some(2));
        assert_eq!(window_at(&all, 1, 1804.0), Some(181));
        assert_eq!(window_at(&all, 1, 99_999.0), Some(181));
        assert_eq!(window_step(&all, 1, 1), Some(2));
        assert_eq!(window_step(&all, 1, -1), Some(1));
        assert_eq!(window_step(&all, 5, -2), Some(3));
        assert_eq!(window_step(&all, 180, 6), Some(181));
        assert_eq!(window_step(&all, 999, 1), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::fixtures::{with_atlas, without_atlas};

    #[test]
    fn status_keys_and_labels() {
        let all = [
            (RowStatus::Queued, "queued", "queued"),
            (RowStatus::Running, "running", "running"),
            (RowStatus::Done, "done", "done"),
            (RowStatus::Failed("corrupt.hea: not a header".into()), "error", "error: corrupt.hea: not a header"),
            (RowStatus::Cancelled, "cancelled", "cancelled"),
        ];
        for (status, key, label) in all {
            assert_eq!((status.key(), status.label().as_str()), (key, label));
        }
    }

    #[test]
    fn summary_of_an_explanation() {
        let summary = RowSummary::of(&with_atlas("r", [0.9, 0.2]));
        assert_eq!(
            summary,
            RowSummary {
                prediction: "NORM".into(),
                mean_entropy: vec![0.1, 0.2],
                disagreement: Some(0.5),
                notes: String::new(),
            }
        );
        assert_eq!(
            (summary.entropy_text(0), summary.entropy_text(1), summary.entropy_text(9)),
            ("0.100".into(), "0.200".into(), "0.200".into())
        );
        assert_eq!(summary.disagreement_text(), "0.50");
        let bare = RowSummary::of(&without_atlas("r", [0.1, 0.3]));
        assert_eq!((bare.prediction.as_str(), bare.entropy(0), bare.disagreement), ("(MI)", None, None));
        assert_eq!((bare.entropy_text(0), bare.disagreement_text()), (String::new(), String::new()));
    }

    #[test]
    fn rows_change_status_by_id() {
        let mut rows = vec![Row::queued(1, "a"), Row::queued(2, "b"), Row::failed(3, "c.dat", "no header".into())];
        assert!(set_status(&mut rows, 2, RowStatus::Running));
        assert!(!set_status(&mut rows, 9, RowStatus::Running));
        let summary = Arc::new(RowSummary::of(&with_atlas("b", [0.9, 0.2])));
        assert!(set_done(&mut rows, 2, summary, 12.5));
        assert_eq!((rows[1].status.key(), rows[1].prediction(), rows[1].elapsed_ms), ("done", "NORM", 12.5));
        assert_eq!(rows[0].prediction(), "");
        set_cancelled(&mut rows, &[1, 7]);
        let keys: Vec<&str> = rows.iter().map(|r| r.status.key()).collect();
        assert_eq!(keys, ["cancelled", "done", "error"]);
    }

    #[test]
    fn progress_counts_a_batch_and_restarts_after_it() {
        let mut progress = Progress::default();
        assert_eq!((progress.max(), progress.text()), (1, "0 / 0".into()));
        progress.add(0, 3, 1);
        assert_eq!(progress, Progress { done: 1, total: 4 });
        progress.finish(1);
        // More records while the batch runs: the same batch.
        progress.add(2, 2, 0);
        assert_eq!(progress, Progress { done: 2, total: 6 });
        progress.finish(4);
        assert_eq!(progress.text(), "6 / 6");
        // Everything finished (an example may still be pending): a new batch.
        progress.add(1, 1, 0);
        assert_eq!(progress, Progress { done: 0, total: 1 });
        // Nothing pending (say, a batch that was all refused): a new batch too.
        progress.add(0, 0, 2);
        assert_eq!(progress, Progress { done: 2, total: 2 });
    }
}
