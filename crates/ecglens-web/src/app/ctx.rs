//! The page's state, in one `Copy` handle every component and callback gets: the signals the view tracks, and the
//! non-reactive session beside them (the job queue, the worker, each row's files, timing marks).

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use web_sys::File;

use crate::export::ViewSettings;
use crate::offline::OfflineCopy;
use crate::worker_client::WorkerClient;
use ecglens_core::paper::{PaperSettings, View};
use ecglens_core::protocol::ReadyInfo;
use ecglens_core::session::{JobQueue, Progress, Row, Sort};
use ecglens_core::signal::overview::Overview;
use ecglens_core::signal::PatientIdentity;
use ecglens_core::Explanation;

/// Named file handles (no bytes: they are read when a job is sent).
pub(super) type Files = Vec<(String, File)>;

/// Where what is on screen came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Source {
    Example,
    /// One of the user's records.
    UserFile,
}

/// What is on screen.
#[derive(Debug, Clone)]
pub(super) struct Shown {
    pub explanation: Arc<Explanation>,
    pub source: Source,
    /// The batch row it came from (to explain it again after a model switch).
    pub row: Option<u64>,
    /// A fresh id per record shown: drawing it sets `Ctx::drawn` to it.
    pub version: u64,
    /// Who the file says the patient is: on screen only, behind `Ctx::show_patient`; never exported.
    pub patient: Option<Arc<PatientIdentity>>,
}

#[derive(Clone, Copy)]
pub(super) struct Ctx {
    pub fatal: RwSignal<Option<String>>,
    pub info: RwSignal<Option<ReadyInfo>>,
    pub current: RwSignal<Option<Shown>>,
    /// The example chosen in the gallery (None: one of the user's records).
    pub example: RwSignal<Option<usize>>,
    pub rows: RwSignal<Vec<Row>>,
    /// Jobs waiting or running (`JobQueue::pending`, as a signal).
    pub pending: RwSignal<usize>,
    pub progress: RwSignal<Progress>,
    /// The version of the last record drawn (0: none yet).
    pub drawn: RwSignal<u64>,
    pub layer: RwSignal<usize>,
    pub paper: RwSignal<PaperSettings>,
    pub view: RwSignal<View>,
    pub sort: RwSignal<Sort>,
    pub notice: RwSignal<String>,
    /// The patient identity toggle (starts hidden, for teaching and screenshots).
    pub show_patient: RwSignal<bool>,
    /// The user asked for the identity in the JSON export (only while it is shown).
    pub export_patient: RwSignal<bool>,
    /// Bumped when the window is resized (the canvas redraws).
    pub resize: RwSignal<u32>,
    pub offline: OfflineCopy,
    pub jobs: StoredValue<JobQueue<File>, LocalStorage>,
    pub worker: StoredValue<Option<WorkerClient>, LocalStorage>,
    /// The files of each batch row, to explain it again when it is opened (handles: no bytes are kept).
    pub row_files: StoredValue<HashMap<u64, Files>, LocalStorage>,
    /// The overview of each long recording, by the row of its first window (`Row::recording`).
    pub overviews: StoredValue<HashMap<u64, Arc<Overview>>, LocalStorage>,
    /// performance.now() when the user's last drop arrived, until its first record is drawn.
    pub drop_t0: StoredValue<Option<f64>>,
    /// Show the next record of the user's that finishes (the first of a new drop).
    pub show_next: StoredValue<bool>,
    pub first_drawn: StoredValue<bool>,
    /// A redraw is scheduled for the next animation frame.
    pub draw_scheduled: StoredValue<bool>,
    /// `?ecglens-test-panic=worker`: ask the worker to panic once it is ready.
    pub test_panic_worker: bool,
}

impl Ctx {
    pub fn new(test_panic_worker: bool) -> Self {
        Ctx {
            fatal: RwSignal::new(None),
            info: RwSignal::new(None),
            current: RwSignal::new(None),
            example: RwSignal::new(None),
            rows: RwSignal::new(Vec::new()),
            pending: RwSignal::new(0),
            progress: RwSignal::new(Progress::default()),
            drawn: RwSignal::new(0),
            layer: RwSignal::new(0),
            paper: RwSignal::new(PaperSettings::default()),
            view: RwSignal::new(View::default()),
            sort: RwSignal::new(Sort::default()),
            notice: RwSignal::new(String::new()),
            show_patient: RwSignal::new(false),
            export_patient: RwSignal::new(false),
            resize: RwSignal::new(0),
            offline: OfflineCopy::new(),
            jobs: StoredValue::new_local(JobQueue::new()),
            worker: StoredValue::new_local(None),
            row_files: StoredValue::new_local(HashMap::new()),
            overviews: StoredValue::new_local(HashMap::new()),
            drop_t0: StoredValue::new(None),
            show_next: StoredValue::new(false),
            first_drawn: StoredValue::new(false),
            draw_scheduled: StoredValue::new(false),
            test_panic_worker,
        }
    }

    /// Works on the job queue (keep `f` short: it must not reach the queue again).
    pub fn with_jobs<U>(&self, f: impl FnOnce(&mut JobQueue<File>) -> U) -> U {
        f(&mut self.jobs.write_value())
    }

    /// A fresh id from the queue's sequence (for rows and versions of what is shown too).
    pub fn next_id(&self) -> u64 {
        self.with_jobs(|jobs| jobs.next_id())
    }

    /// Everything that decides what the view shows (tracked).
    pub fn settings(&self) -> ViewSettings {
        let has_layers = self.current.with(|c| c.as_ref().is_some_and(|s| !s.explanation.layers.is_empty()));
        ViewSettings { layer: has_layers.then(|| self.layer.get()), paper: self.paper.get(), view: self.view.get() }
    }

    pub fn settings_untracked(&self) -> ViewSettings {
        untrack(|| self.settings())
    }
}
