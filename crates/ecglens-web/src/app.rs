//! The page: a Leptos (client-side rendered) app that talks to the worker and draws its answers.
//!
//! Automation contract (kept stable): `body[data-state]` is `loading` / `ready` / `busy` / `error`;
//! `data-testid`s: `file-input` (`<input type=file multiple>`), `summary` (record name, CNN and surrogate
//! probabilities, layer, mean entropy), `batch` (one row per loaded record with its status or error), plus
//! `folder-input`, `notice`, `rows-hidden`, `model-input`, `model-default`, `model-info`,
//! `gallery`, `layer`, `layout`, `speed`, `gain`, `ecg-canvas`, `legend`, `predictions`, `importance`,
//! `progress`, `cancel`, `export-png`, `export-csv`, `export-json`, `export-manifest`, `dropzone`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::Arc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, HtmlCanvasElement, HtmlInputElement, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::canvas;
use crate::export::{self, ViewSettings};
use crate::js_error_text;
use ecglens_core::batch::header_signal_files;
use ecglens_core::batch::{header_size_problem, is_header, PickedFile, Planned};
use ecglens_core::paper::{wheel_factor, Layout, PaperSettings, View, GAINS_MM_PER_MV, SPEEDS_MM_PER_S};
use ecglens_core::protocol::{ReadyInfo, Request, Response};
use ecglens_core::Explanation;

/// Where a finished job goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Example(usize),
    /// A record of the batch: its answer fills the row.
    Row,
    /// A finished row the user opened again: its answer is shown.
    Open(u64),
    /// A model switch.
    Model,
}

struct Job {
    id: u64,
    target: Target,
    request: Request,
    /// Read just before the job is sent, so a folder of thousands of records is never all in memory at once.
    files: Vec<(String, File)>,
}

thread_local! {
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
    static JOBS: RefCell<VecDeque<Job>> = const { RefCell::new(VecDeque::new()) };
    static IN_FLIGHT: Cell<Option<(u64, Target)>> = const { Cell::new(None) };
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
    /// performance.now() when the user's files arrived (for the drop-to-drawn timing).
    static DROP_T0: Cell<Option<(u64, f64)>> = const { Cell::new(None) };
    /// Show the next record of the user's that finishes (the first of a new drop).
    /// `?ecglens-test-panic=worker`: ask the worker to panic once it is ready.
    static TEST_PANIC_WORKER: Cell<bool> = const { Cell::new(false) };
    static FIRST_DRAW: Cell<bool> = const { Cell::new(false) };
    static SHOW_NEXT: Cell<bool> = const { Cell::new(false) };
    /// A redraw is scheduled for the next animation frame.
    static DRAW_SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// The files of each batch row, to explain it again when it is opened (File handles: no bytes are kept).
    static ROW_FILES: RefCell<std::collections::HashMap<u64, Vec<(String, File)>>> = RefCell::new(Default::default());
}

/// The batch table renders at most this many rows (sorted); the rest are counted.
const MAX_ROWS_SHOWN: usize = 500;

fn next_id() -> u64 {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    })
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

#[derive(Debug, Clone, PartialEq)]
enum RowStatus {
    Queued,
    Running,
    Done,
    Failed(String),
    Cancelled,
}

impl RowStatus {
    fn label(&self) -> String {
        match self {
            RowStatus::Queued => "queued".into(),
            RowStatus::Running => "running".into(),
            RowStatus::Done => "done".into(),
            RowStatus::Failed(m) => format!("error: {m}"),
            RowStatus::Cancelled => "cancelled".into(),
        }
    }
    fn key(&self) -> &'static str {
        match self {
            RowStatus::Queued => "queued",
            RowStatus::Running => "running",
            RowStatus::Done => "done",
            RowStatus::Failed(_) => "error",
            RowStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone)]
struct Row {
    id: u64,
    name: String,
    status: RowStatus,
    /// What the table shows of a finished record. The full explanation (about 0.3 MB for 10 s at 500 Hz) is not
    /// kept: opening the row explains it again from its files.
    summary: Option<Arc<RowSummary>>,
    elapsed_ms: f64,
}

impl Row {
    fn prediction(&self) -> &str {
        self.summary.as_ref().map_or("", |s| s.prediction.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
struct RowSummary {
    prediction: String,
    /// Per layer.
    mean_entropy: Vec<f32>,
    disagreement: Option<f32>,
}

impl RowSummary {
    fn of(e: &Explanation) -> Self {
        RowSummary {
            prediction: prediction(e),
            mean_entropy: e.layers.iter().map(|l| l.mean_entropy).collect(),
            disagreement: disagreement(e),
        }
    }
    fn entropy(&self, layer: usize) -> Option<f32> {
        self.mean_entropy.get(layer).or(self.mean_entropy.last()).copied()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SortKey {
    Order,
    Name,
    Prediction,
    Entropy,
    Disagreement,
    Status,
}

/// What is on screen.
#[derive(Debug, Clone)]
struct Shown {
    explanation: Arc<Explanation>,
    source: String,
    /// The batch row it came from (to explain it again after a model switch).
    row: Option<u64>,
    version: u64,
}

#[derive(Clone, Copy)]
struct Ctx {
    fatal: RwSignal<Option<String>>,
    info: RwSignal<Option<ReadyInfo>>,
    current: RwSignal<Option<Shown>>,
    example: RwSignal<Option<usize>>,
    rows: RwSignal<Vec<Row>>,
    pending: RwSignal<usize>,
    batch_total: RwSignal<usize>,
    batch_done: RwSignal<usize>,
    drawn: RwSignal<u64>,
    layer: RwSignal<usize>,
    paper: RwSignal<PaperSettings>,
    view: RwSignal<View>,
    sort: RwSignal<(SortKey, bool)>,
    notice: RwSignal<String>,
    resize: RwSignal<u32>,
    offline: RwSignal<Offline>,
}

impl Ctx {
    fn settings(&self) -> ViewSettings {
        let has_layers = self.current.with(|c| c.as_ref().is_some_and(|s| !s.explanation.layers.is_empty()));
        ViewSettings { layer: has_layers.then(|| self.layer.get()), paper: self.paper.get(), view: self.view.get() }
    }
    fn settings_untracked(&self) -> ViewSettings {
        untrack(|| self.settings())
    }
}

/// Whether the site is stored for offline use (body[data-offline]: `pending` / `ready` / `unavailable`).
#[derive(Debug, Clone, PartialEq)]
enum Offline {
    Pending,
    Ready,
    /// A newer build of the site is stored and waits for this tab (body[data-offline] = `update`).
    UpdateReady,
    Unavailable(String),
}

impl Offline {
    fn key(&self) -> &'static str {
        match self {
            Offline::Pending => "pending",
            Offline::Ready => "ready",
            Offline::UpdateReady => "update",
            Offline::Unavailable(_) => "unavailable",
        }
    }
    fn label(&self) -> String {
        match self {
            Offline::Pending => "storing a copy for offline use…".into(),
            Offline::Ready => "works offline".into(),
            Offline::UpdateReady => "works offline · a new version is ready".into(),
            Offline::Unavailable(why) => format!("not stored for offline use ({why})"),
        }
    }
}

/// Registers `sw.js` (www/sw.js), which stores the site's own files so the app opens without a network.
/// `offline` becomes `Ready` once the browser has installed and activated it, i.e. every file is cached.
fn register_service_worker(offline: RwSignal<Offline>) {
    let Some(window) = web_sys::window() else { return };
    let navigator = window.navigator();
    // Absent on insecure origins (plain http other than localhost) and in some private modes.
    if !Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false) {
        offline.set(Offline::Unavailable("this browser or origin has no service workers".into()));
        return;
    }
    let container = navigator.service_worker();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = JsFuture::from(container.register("./sw.js")).await {
            offline.set(Offline::Unavailable(js_error_text(&e)));
            return;
        }
        match container.ready().map(JsFuture::from) {
            Ok(ready) => match ready.await {
                Ok(registration) => {
                    offline.set(Offline::Ready);
                    watch_for_updates(&container, registration.unchecked_into(), offline);
                }
                Err(e) => offline.set(Offline::Unavailable(js_error_text(&e))),
            },
            Err(e) => offline.set(Offline::Unavailable(js_error_text(&e))),
        }
    });
}

thread_local! {
    static REGISTRATION: RefCell<Option<web_sys::ServiceWorkerRegistration>> = const { RefCell::new(None) };
}

/// Notices a newer build of the site: the browser checks `sw.js` on navigation (or when asked), installs the new
/// one beside this tab's, and it waits. `offline` then becomes `UpdateReady` and the footer offers to switch.
fn watch_for_updates(
    container: &web_sys::ServiceWorkerContainer,
    registration: web_sys::ServiceWorkerRegistration,
    offline: RwSignal<Offline>,
) {
    // A worker waiting while this tab is controlled by another one is an update (on the first visit nothing is).
    let has_controller = {
        let container = container.clone();
        move || container.controller().is_some()
    };
    if registration.waiting().is_some() && has_controller() {
        offline.set(Offline::UpdateReady);
    }
    let reg = registration.clone();
    let on_update_found = Closure::<dyn FnMut()>::new(move || {
        let Some(installing) = reg.installing() else { return };
        let worker = installing.clone();
        let has_controller = has_controller.clone();
        let on_state = Closure::<dyn FnMut()>::new(move || {
            if worker.state() == web_sys::ServiceWorkerState::Installed && has_controller() {
                offline.set(Offline::UpdateReady);
            }
        });
        installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
        on_state.forget();
    });
    registration.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
    on_update_found.forget();
    REGISTRATION.with(|r| *r.borrow_mut() = Some(registration));
}

/// "Use the new version": the waiting service worker takes over, then this tab reloads into the new build.
fn use_new_version() {
    let Some(window) = web_sys::window() else { return };
    let Some(waiting) = REGISTRATION.with(|r| r.borrow().as_ref().and_then(|reg| reg.waiting())) else { return };
    let container = window.navigator().service_worker();
    let reload = Closure::<dyn FnMut()>::new(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
    reload.forget();
    let _ = waiting.post_message(&JsValue::from_str("ecglens-update"));
}

fn test_panic_ui() {
    panic!("test panic requested by the page (?ecglens-test-panic=ui)");
}

/// Mounts the app into `#app` (replacing the boot message).
pub fn mount() {
    let document = web_sys::window().and_then(|w| w.document()).expect("a document");
    let root: web_sys::HtmlElement = document
        .get_element_by_id("app")
        .and_then(|e| e.dyn_into().ok())
        .unwrap_or_else(|| document.body().expect("a body"));
    root.set_inner_html("");
    leptos::mount::mount_to(root, App).forget();
    // The e2e test of panic reporting: `?ecglens-test-panic=ui` or `=worker`.
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    if search.contains("ecglens-test-panic=worker") {
        TEST_PANIC_WORKER.with(|t| t.set(true));
    } else if search.contains("ecglens-test-panic=ui") {
        let panic = Closure::once_into_js(test_panic_ui);
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(panic.unchecked_ref(), 300);
        }
    }
}

fn update_pending(ctx: Ctx) {
    let queued = JOBS.with(|j| j.borrow().len());
    let in_flight = IN_FLIGHT.with(|f| f.get()).is_some() as usize;
    ctx.pending.set(queued + in_flight);
}

/// Sends the next queued job to the worker if it is idle.
fn pump(ctx: Ctx) {
    if IN_FLIGHT.with(|f| f.get()).is_none() {
        if let Some(job) = JOBS.with(|j| j.borrow_mut().pop_front()) {
            IN_FLIGHT.with(|f| f.set(Some((job.id, job.target))));
            if job.target == Target::Row {
                ctx.rows.update(|rows| {
                    if let Some(r) = rows.iter_mut().find(|r| r.id == job.id) {
                        r.status = RowStatus::Running;
                    }
                });
            }
            wasm_bindgen_futures::spawn_local(async move {
                match read_files(&job.files).await {
                    Ok(files) => post_job(&job.request, &files),
                    Err(message) => fail_job(ctx, job.id, message),
                }
            });
        }
    }
    update_pending(ctx);
}

/// Reads a job's files into memory, just before sending them to the worker.
async fn read_files(files: &[(String, File)]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::with_capacity(files.len());
    for (name, file) in files {
        let buffer = JsFuture::from(file.array_buffer())
            .await
            .map_err(|e| format!("{name}: cannot read the file: {}", js_error_text(&e)))?;
        out.push((name.clone(), Uint8Array::new(&buffer).to_vec()));
    }
    Ok(out)
}

fn post_job(request: &Request, job_files: &[(String, Vec<u8>)]) {
    let obj = Object::new();
    let msg = serde_json::to_string(request).unwrap_or_default();
    let _ = Reflect::set(&obj, &"msg".into(), &JsValue::from_str(&msg));
    let files = Array::new();
    let transfer = Array::new();
    for (name, bytes) in job_files {
        let item = Object::new();
        let array = Uint8Array::from(bytes.as_slice());
        let _ = Reflect::set(&item, &"name".into(), &JsValue::from_str(name));
        let _ = Reflect::set(&item, &"bytes".into(), &array);
        transfer.push(&array.buffer());
        files.push(&item);
    }
    let _ = Reflect::set(&obj, &"files".into(), &files);
    WORKER.with(|w| {
        if let Some(worker) = w.borrow().as_ref() {
            let _ = worker.post_message_with_transfer(&obj, &transfer);
        }
    });
}

fn request_example(ctx: Ctx, index: usize) {
    let id = next_id();
    // An example jumps ahead of a running batch.
    JOBS.with(|j| {
        let mut jobs = j.borrow_mut();
        jobs.retain(|job| !matches!(job.target, Target::Example(_)));
        jobs.push_front(Job {
            id,
            target: Target::Example(index),
            request: Request::Example { id, index },
            files: vec![],
        });
    });
    ctx.example.set(Some(index));
    pump(ctx);
}

fn show(ctx: Ctx, explanation: Arc<Explanation>, source: String, row: Option<u64>) {
    let version = next_id();
    ctx.view.set(View::default());
    let n_layers = explanation.layers.len();
    if n_layers > 0 && ctx.layer.get_untracked() >= n_layers {
        ctx.layer.set(n_layers - 1);
    }
    ctx.current.set(Some(Shown { explanation, source, row, version }));
}

fn on_worker_message(ctx: Ctx, event: MessageEvent) {
    let data = event.data();
    let Some(msg) = Reflect::get(&data, &"msg".into()).ok().and_then(|v| v.as_string()) else { return };
    let response: Response = match serde_json::from_str(&msg) {
        Ok(r) => r,
        Err(e) => {
            ctx.fatal.set(Some(format!("unreadable answer from the worker: {e}")));
            return;
        }
    };
    match response {
        Response::Ready(info) => {
            if TEST_PANIC_WORKER.with(|t| t.get()) {
                post_job(&Request::TestPanic, &[]);
                return;
            }
            let has_examples = !info.examples.is_empty();
            // Default layer: the deepest (last) one.
            ctx.layer.set(info.layers.len().saturating_sub(1));
            ctx.info.set(Some(info));
            if has_examples {
                request_example(ctx, 0);
            } else {
                ctx.notice.set("No bundled examples: open your own WFDB files (.hea + .dat).".into());
            }
        }
        Response::Explained { id, explanation, elapsed_ms } => {
            let target = finish(id);
            let explanation = Arc::new(explanation);
            match target {
                Some(Target::Example(index)) => {
                    if ctx.example.get_untracked() == Some(index) {
                        show(ctx, explanation, format!("example #{}", index + 1), None);
                    }
                }
                Some(Target::Open(row)) => {
                    if ctx.example.get_untracked().is_none() {
                        show(ctx, explanation, "your file".into(), Some(row));
                    }
                }
                Some(Target::Model) => {}
                Some(Target::Row) | None => {
                    let summary = Arc::new(RowSummary::of(&explanation));
                    ctx.rows.update(|rows| {
                        if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
                            r.status = RowStatus::Done;
                            r.summary = Some(summary);
                            r.elapsed_ms = elapsed_ms;
                        }
                    });
                    ctx.batch_done.update(|d| *d += 1);
                    if SHOW_NEXT.with(|s| s.replace(false)) || ctx.current.with_untracked(|c| c.is_none()) {
                        ctx.example.set(None);
                        show(ctx, explanation, "your file".into(), Some(id));
                    }
                }
            }
            pump(ctx);
        }
        Response::ModelLoaded { id, info } => {
            finish(id);
            let n_layers = info.layers.len();
            ctx.layer.set(ctx.layer.get_untracked().min(n_layers.saturating_sub(1)));
            let what = if info.is_default_model {
                format!("Back to the default model, {} {}.", info.model_name, info.model_version)
            } else {
                format!(
                    "Now using your model {} {} (sha256 {}…){}. Records already in the batch keep the results of the model that explained them.",
                    info.model_name,
                    info.model_version,
                    &info.model_sha256[..12.min(info.model_sha256.len())],
                    if info.atlas_sha256.is_none() { ", without an atlas: no clusters" } else { "" }
                )
            };
            ctx.info.set(Some(info));
            ctx.notice.set(what);
            // Explain what is on screen again, with the new model.
            let shown_row = ctx.current.with_untracked(|c| c.as_ref().and_then(|s| s.row));
            match (ctx.example.get_untracked(), shown_row) {
                (Some(index), _) => request_example(ctx, index),
                (None, Some(row)) => open_row(ctx, row),
                (None, None) => pump(ctx),
            }
        }
        Response::Failed { id, message } => fail_job(ctx, id, message),
        Response::Fatal { message } => {
            ctx.fatal.set(Some(message));
        }
    }
}

/// Job `id` failed (in the worker, or its files could not be read): its row shows why, the batch goes on.
fn fail_job(ctx: Ctx, id: u64, message: String) {
    match finish(id) {
        Some(Target::Row) | None => {
            ctx.rows.update(|rows| {
                if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
                    r.status = RowStatus::Failed(message.clone());
                }
            });
            ctx.batch_done.update(|d| *d += 1);
        }
        Some(Target::Example(_)) => ctx.notice.set(format!("The example could not be read: {message}")),
        Some(Target::Open(_)) => ctx.notice.set(format!("The record could not be opened again: {message}")),
        Some(Target::Model) => {
            ctx.notice.set(format!("Your model could not be loaded: {message}. The previous model is still in use."))
        }
    }
    pump(ctx);
}

/// The largest model file accepted (tract keeps the whole graph and weights in the worker's memory).
const MAX_MODEL_FILE_BYTES: f64 = 512.0 * 1_048_576.0;

/// Switches to the user's model (`files`: the .onnx, its card, optionally an atlas) or back to the default.
fn switch_model(ctx: Ctx, files: Vec<File>, default: bool) {
    if ctx.pending.get_untracked() > 0 {
        ctx.notice.set("Wait for the batch to finish, or cancel it, before switching models.".into());
        return;
    }
    if let Some(big) = files.iter().find(|f| f.size() > MAX_MODEL_FILE_BYTES) {
        ctx.notice.set(format!(
            "Your model could not be loaded: {} is {:.0} MB, more than the {:.0} MB this app accepts.",
            big.name(),
            big.size() / 1_048_576.0,
            MAX_MODEL_FILE_BYTES / 1_048_576.0
        ));
        return;
    }
    if !default && files.is_empty() {
        return;
    }
    let id = next_id();
    let files = files.into_iter().map(|f| (f.name(), f)).collect();
    JOBS.with(|j| {
        j.borrow_mut().push_front(Job { id, target: Target::Model, request: Request::LoadModel { id, default }, files })
    });
    ctx.notice.set("Loading the model…".into());
    pump(ctx);
}

/// Explains a finished row again and shows it (ahead of a running batch, like an example).
fn open_row(ctx: Ctx, row_id: u64) {
    let Some(files) = ROW_FILES.with(|f| f.borrow().get(&row_id).cloned()) else { return };
    let Some((header, _)) = files.first().cloned() else { return };
    let id = next_id();
    JOBS.with(|j| {
        let mut jobs = j.borrow_mut();
        jobs.retain(|job| !matches!(job.target, Target::Example(_) | Target::Open(_)));
        jobs.push_front(Job { id, target: Target::Open(row_id), request: Request::Record { id, header }, files });
    });
    ctx.example.set(None);
    pump(ctx);
}

/// Marks job `id` finished; returns where its answer goes.
fn finish(id: u64) -> Option<Target> {
    IN_FLIGHT.with(|f| match f.get() {
        Some((in_flight, target)) if in_flight == id => {
            f.set(None);
            Some(target)
        }
        _ => None,
    })
}

fn start_worker(ctx: Ctx) {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Classic);
    options.set_name("ecglens-worker");
    let worker = match Worker::new_with_options("./ecglens-worker_loader.js", &options) {
        Ok(w) => w,
        Err(e) => {
            ctx.fatal.set(Some(format!("cannot start the analysis worker: {}", js_error_text(&e))));
            return;
        }
    };
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| on_worker_message(ctx, event));
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let onerror = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
        event.prevent_default();
        let message = event.message();
        ctx.fatal.update(|f| {
            if f.is_none() {
                *f = Some(format!("the analysis worker failed: {message}"));
            }
        });
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker));
}

/// A file the user chose or dropped, with where it was found.
struct Picked {
    meta: PickedFile,
    file: File,
}

/// From a file list (the picker). Files of a folder picker carry their `webkitRelativePath`.
fn picked_from_list(list: &web_sys::FileList) -> Vec<Picked> {
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|file| {
            let relative = Reflect::get(&file, &"webkitRelativePath".into()).ok().and_then(|v| v.as_string());
            let size = file.size().max(0.0) as u64;
            let meta = match relative.filter(|r| !r.is_empty()) {
                Some(path) => PickedFile::in_folder(&path, size),
                None => PickedFile::loose(&file.name(), size),
            };
            Picked { meta, file }
        })
        .collect()
}

/// Walks dropped folders (File and Directory Entries API) down to their files.
async fn picked_from_entries(entries: Vec<web_sys::FileSystemEntry>, ctx: Ctx) -> Vec<Picked> {
    /// A dropped folder deeper or larger than this is cut short (with a notice), so a stray drop of a home folder
    /// cannot freeze the tab.
    const MAX_FILES: usize = 100_000;
    let mut out = Vec::new();
    let mut stack: Vec<(web_sys::FileSystemEntry, bool)> = entries.into_iter().map(|e| (e, false)).collect();
    while let Some((entry, in_folder)) = stack.pop() {
        if out.len() >= MAX_FILES {
            ctx.notice.set(format!("Only the first {MAX_FILES} files of the dropped folders were read."));
            break;
        }
        if entry.is_directory() {
            let reader = entry.unchecked_ref::<web_sys::FileSystemDirectoryEntry>().create_reader();
            // readEntries returns the folder in batches until an empty one.
            loop {
                let batch = js_sys::Promise::new(&mut |resolve, reject| {
                    let on_error = web_sys::ErrorCallback::new();
                    on_error.set_handle_event(&reject);
                    if let Err(e) = reader.read_entries_with_callback_and_error_callback(&resolve, &on_error) {
                        let _ = reject.call1(&JsValue::NULL, &e);
                    }
                });
                match JsFuture::from(batch).await {
                    Ok(list) => {
                        let list: Array = list.unchecked_into();
                        if list.length() == 0 {
                            break;
                        }
                        stack.extend(list.iter().map(|e| (e.unchecked_into::<web_sys::FileSystemEntry>(), true)));
                    }
                    Err(e) => {
                        ctx.notice.set(format!("Cannot read the folder {}: {}", entry.full_path(), js_error_text(&e)));
                        break;
                    }
                }
            }
        } else if entry.is_file() {
            let file_entry = entry.unchecked_ref::<web_sys::FileSystemFileEntry>().clone();
            let file = js_sys::Promise::new(&mut |resolve, reject| {
                let on_error = web_sys::ErrorCallback::new();
                on_error.set_handle_event(&reject);
                file_entry.file_with_callback_and_error_callback(&resolve, &on_error);
            });
            if let Ok(file) = JsFuture::from(file).await {
                let file: File = file.unchecked_into();
                let size = file.size().max(0.0) as u64;
                let meta = if in_folder {
                    PickedFile::in_folder(&entry.full_path(), size)
                } else {
                    PickedFile::loose(&file.name(), size)
                };
                out.push(Picked { meta, file });
            }
        }
    }
    out
}

fn failed_row(name: &str, message: String) -> Row {
    Row { id: next_id(), name: name.to_string(), status: RowStatus::Failed(message), summary: None, elapsed_ms: 0.0 }
}

/// Reads the headers among the chosen files, groups files into records (`ecglens_core::batch::plan`) and queues them.
/// Signal files are read only when their record's turn comes.
async fn add_files(ctx: Ctx, picked: Vec<Picked>) {
    let t0 = now_ms();
    let metas: Vec<PickedFile> = picked.iter().map(|p| p.meta.clone()).collect();
    let mut header_signals: Vec<Option<Vec<String>>> = vec![None; picked.len()];
    let mut rows = Vec::new();
    for (i, p) in picked.iter().enumerate() {
        if !is_header(&p.meta.name) {
            continue;
        }
        if let Some(message) = header_size_problem(&p.meta) {
            rows.push(failed_row(&p.meta.name, message));
            continue;
        }
        match JsFuture::from(p.file.array_buffer()).await {
            Ok(buffer) => header_signals[i] = Some(header_signal_files(&Uint8Array::new(&buffer).to_vec())),
            Err(e) => rows.push(failed_row(
                &p.meta.name,
                format!("{}: cannot read the file: {}", p.meta.name, js_error_text(&e)),
            )),
        }
    }
    let plan = ecglens_core::batch::plan(&metas, &header_signals);
    let mut jobs = Vec::new();
    for planned in plan.planned {
        match planned {
            Planned::Record { record, header, files } => {
                let id = next_id();
                let name_of = |i: usize| picked[i].meta.name.clone();
                let files: Vec<(String, File)> =
                    std::iter::once(header).chain(files).map(|i| (name_of(i), picked[i].file.clone())).collect();
                ROW_FILES.with(|f| f.borrow_mut().insert(id, files.clone()));
                rows.push(Row { id, name: record, status: RowStatus::Queued, summary: None, elapsed_ms: 0.0 });
                jobs.push(Job {
                    id,
                    target: Target::Row,
                    request: Request::Record { id, header: name_of(header) },
                    files,
                });
            }
            Planned::Rejected { record, message, .. } => rows.push(failed_row(&record, message)),
        }
    }
    if plan.ignored_in_folders > 0 {
        ctx.notice.set(format!(
            "{} file(s) in the folder(s) are not part of a WFDB record (.hea with its .dat) and were left out.",
            plan.ignored_in_folders
        ));
    }
    if let Some(first) = jobs.first() {
        DROP_T0.with(|d| d.set(Some((first.id, t0))));
        SHOW_NEXT.with(|s| s.set(true));
    }
    let n_jobs = jobs.len();
    let failed_now = rows.iter().filter(|r| matches!(r.status, RowStatus::Failed(_))).count();
    // A new batch: progress counts from here.
    if ctx.pending.get_untracked() == 0 || ctx.batch_total.get_untracked() == ctx.batch_done.get_untracked() {
        ctx.batch_total.set(0);
        ctx.batch_done.set(0);
    }
    ctx.batch_total.update(|t| *t += n_jobs + failed_now);
    ctx.batch_done.update(|d| *d += failed_now);
    ctx.rows.update(|r| r.extend(rows));
    JOBS.with(|j| j.borrow_mut().extend(jobs));
    pump(ctx);
}

fn cancel(ctx: Ctx) {
    let cancelled: Vec<u64> = JOBS.with(|j| {
        let mut jobs = j.borrow_mut();
        let ids = jobs.iter().filter(|job| job.target == Target::Row).map(|job| job.id).collect();
        jobs.retain(|job| job.target != Target::Row);
        ids
    });
    ctx.rows.update(|rows| {
        for r in rows.iter_mut() {
            if cancelled.contains(&r.id) {
                r.status = RowStatus::Cancelled;
            }
        }
    });
    ctx.batch_done.update(|d| *d += cancelled.len());
    update_pending(ctx);
}

fn layer_of(e: &Explanation, layer: usize) -> Option<&ecglens_core::LayerExplanation> {
    e.layers.get(layer).or_else(|| e.layers.last())
}

fn prediction(e: &Explanation) -> String {
    let positive: Vec<&str> =
        e.classes.iter().zip(&e.cnn_positive).filter(|(_, p)| **p).map(|(c, _)| c.as_str()).collect();
    if !positive.is_empty() {
        return positive.join("+");
    }
    e.cnn_probabilities
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .and_then(|(i, _)| e.classes.get(i))
        .map(|c| format!("({c})"))
        .unwrap_or_default()
}

fn disagreement(e: &Explanation) -> Option<f32> {
    e.surrogate.as_ref().map(|s| 1.0 - s.agreement)
}

fn fmt_prob(p: f32) -> String {
    format!("{p:.3}")
}

fn summary_text(e: &Explanation, layer: usize) -> String {
    let cnn = e
        .classes
        .iter()
        .zip(&e.cnn_probabilities)
        .map(|(c, p)| format!("{c} {}", fmt_prob(*p)))
        .collect::<Vec<_>>()
        .join(", ");
    let sur = match &e.surrogate {
        Some(s) => e
            .classes
            .iter()
            .zip(&s.probabilities)
            .map(|(c, p)| format!("{c} {}", fmt_prob(*p)))
            .collect::<Vec<_>>()
            .join(", "),
        None => "n/a (no atlas)".into(),
    };
    let (layer_name, entropy) = match layer_of(e, layer) {
        Some(l) => (l.layer.clone(), format!("{:.3} nats (max {:.3})", l.mean_entropy, l.max_entropy)),
        None => ("none".into(), "n/a".into()),
    };
    format!("Record: {} | CNN: {cnn} | Surrogate: {sur} | Layer: {layer_name} | Mean entropy: {entropy}", e.record_name)
}

/// Draws at the next animation frame, unless a draw is already scheduled for it.
fn schedule_draw(ctx: Ctx, canvas_ref: NodeRef<leptos::html::Canvas>) {
    if DRAW_SCHEDULED.with(|d| d.replace(true)) {
        return;
    }
    let draw = Closure::once_into_js(move || {
        DRAW_SCHEDULED.with(|d| d.set(false));
        draw_now(ctx, canvas_ref);
    });
    let scheduled = web_sys::window().map(|w| w.request_animation_frame(draw.unchecked_ref()));
    if !matches!(scheduled, Some(Ok(_))) {
        DRAW_SCHEDULED.with(|d| d.set(false));
        draw_now(ctx, canvas_ref);
    }
}

/// Draws the current record with the current settings (untracked: called from `schedule_draw`).
fn draw_now(ctx: Ctx, canvas_ref: NodeRef<leptos::html::Canvas>) {
    let settings = ctx.settings_untracked();
    let Some(canvas) = canvas_ref.get_untracked() else { return };
    let canvas: HtmlCanvasElement = canvas;
    ctx.current.with_untracked(|shown| {
        if let Some(shown) = shown {
            let t = now_ms();
            if let Err(e) =
                canvas::draw_ecg(&canvas, &shown.explanation, settings.layer, &settings.paper, &settings.view)
            {
                ctx.notice.set(format!("Drawing failed: {}", js_error_text(&e)));
            }
            let draw_ms = now_ms() - t;
            set_body_data("drawMs", &format!("{draw_ms:.2}"));
            if FIRST_DRAW.with(|f| !f.replace(true)) {
                // Navigation start → first drawn ECG (performance.now() is relative to navigation start).
                set_body_data("firstDrawMs", &format!("{:.1}", now_ms()));
            }
            // Drop → drawn timing for the first record of the user's last drop.
            if let Some((_, t0)) = DROP_T0.with(|d| d.get()) {
                if shown.source == "your file" {
                    set_body_data("dropToDrawnMs", &format!("{:.2}", now_ms() - t0));
                    DROP_T0.with(|d| d.set(None));
                }
            }
            let version = shown.version;
            if ctx.drawn.get_untracked() != version {
                ctx.drawn.set(version);
            }
        }
    });
}

/// What the record's cardiologists' annotations hold, for the side panel.
fn annotations_text(e: &Explanation) -> String {
    if e.annotations.is_empty() {
        return String::new();
    }
    let count = |kind: ecglens_core::landmarks::WaveKind| {
        e.annotations.iter().map(|a| a.waves.iter().filter(|w| w.kind == kind).count()).sum::<usize>()
    };
    use ecglens_core::landmarks::WaveKind::{Qrs, P, T};
    format!(
        "Cardiologists' annotations on {} leads (dark blue bars along the bottom of each lead): {} P waves, {} QRS complexes, {} T waves. Compare them with the cluster bands.",
        e.annotations.len(),
        count(P),
        count(Qrs),
        count(T)
    )
}

fn set_body_state(state: &str) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.dataset().set("state", state);
    }
}

fn set_body_data(key: &str, value: &str) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.dataset().set(key, value);
    }
}

#[component]
fn App() -> impl IntoView {
    let ctx = Ctx {
        fatal: RwSignal::new(None),
        info: RwSignal::new(None),
        current: RwSignal::new(None),
        example: RwSignal::new(None),
        rows: RwSignal::new(Vec::new()),
        pending: RwSignal::new(0),
        batch_total: RwSignal::new(0),
        batch_done: RwSignal::new(0),
        drawn: RwSignal::new(0),
        layer: RwSignal::new(0),
        paper: RwSignal::new(PaperSettings::default()),
        view: RwSignal::new(View::default()),
        sort: RwSignal::new((SortKey::Order, false)),
        notice: RwSignal::new(String::new()),
        resize: RwSignal::new(0),
        offline: RwSignal::new(Offline::Pending),
    };
    // The offline copy is made once the first record is drawn, so its downloads do not compete with first paint.
    Effect::new(move |registered: Option<bool>| {
        let drawn = ctx.drawn.get() != 0;
        if drawn && registered != Some(true) {
            register_service_worker(ctx.offline);
        }
        drawn || registered == Some(true)
    });
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();

    // body[data-state]
    Effect::new(move |_| {
        let state = if ctx.fatal.with(|f| f.is_some()) {
            "error"
        } else if ctx.info.with(|i| i.is_none()) {
            "loading"
        } else {
            let pending = ctx.pending.get();
            let drawn = ctx.drawn.get();
            match ctx.current.with(|c| c.as_ref().map(|s| s.version)) {
                None if pending > 0 => "loading",
                Some(v) if v != drawn => "busy",
                _ if pending > 0 => "busy",
                _ => "ready",
            }
        };
        set_body_state(state);
    });
    Effect::new(move |_| set_body_data("offline", ctx.offline.with(Offline::key)));
    // A fatal error is also shown in the static #fatal box (visible even if the UI cannot render).
    Effect::new(move |_| {
        if let Some(message) = ctx.fatal.get() {
            crate::panic::show_fatal(&message);
        }
    });

    // Drawing: the effect tracks what the picture depends on; the drawing itself runs at the next animation
    // frame, once per frame however many inputs came in (a 125 Hz mouse moves two or three times a frame).
    Effect::new(move |_| {
        ctx.settings();
        ctx.resize.track();
        ctx.current.track();
        canvas_ref.track();
        schedule_draw(ctx, canvas_ref);
    });

    start_worker(ctx);
    let on_resize = Closure::<dyn FnMut()>::new(move || ctx.resize.update(|r| *r += 1));
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
    }
    on_resize.forget();

    let on_model_files = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let files: Vec<File> =
            input.files().map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
        input.set_value("");
        switch_model(ctx, files, false);
    };
    // The file and folder pickers. `webkitdirectory` (a folder picker) has no typed attribute in the view macro.
    let folder_input = NodeRef::<leptos::html::Input>::new();
    folder_input.on_load(|input: HtmlInputElement| input.set_webkitdirectory(true));
    let on_files = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let picked = input.files().map(|list| picked_from_list(&list)).unwrap_or_default();
        input.set_value("");
        wasm_bindgen_futures::spawn_local(add_files(ctx, picked));
    };
    // A drop: files and whole folders. The entries must be taken during the event; walking folders is async.
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let Some(transfer) = ev.data_transfer() else { return };
        let items = transfer.items();
        let mut entries = Vec::new();
        let mut loose = Vec::new();
        for i in 0..items.length() {
            let Some(item) = items.get(i) else { continue };
            if item.kind() != "file" {
                continue;
            }
            match item.webkit_get_as_entry() {
                Ok(Some(entry)) => entries.push(entry),
                // No entry (e.g. a DataTransfer built by a script): the plain file.
                _ => {
                    if let Ok(Some(file)) = item.get_as_file() {
                        let size = file.size().max(0.0) as u64;
                        loose.push(Picked { meta: PickedFile::loose(&file.name(), size), file });
                    }
                }
            }
        }
        if entries.is_empty() && loose.is_empty() {
            if let Some(list) = transfer.files() {
                loose = picked_from_list(&list);
            }
        }
        wasm_bindgen_futures::spawn_local(async move {
            let mut picked = picked_from_entries(entries, ctx).await;
            picked.extend(loose);
            add_files(ctx, picked).await;
        });
    };

    // Pan and zoom (geometry from crate::paper: View / Frame).
    let drag: StoredValue<Option<f64>> = StoredValue::new(None);
    let frame = move || {
        let canvas: HtmlCanvasElement = canvas_ref.get_untracked()?;
        ctx.current.with_untracked(|c| {
            c.as_ref().map(|s| canvas::frame_for(&canvas, &s.explanation, &ctx.paper.get_untracked()))
        })
    };
    let canvas_x = move |client_x: f64| {
        canvas_ref
            .get_untracked()
            .map(|c: HtmlCanvasElement| client_x - c.get_bounding_client_rect().left())
            .unwrap_or(client_x)
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        let Some(frame) = frame() else { return };
        ev.prevent_default();
        let mut view = ctx.view.get_untracked();
        if ev.shift_key() || ev.delta_x().abs() > ev.delta_y().abs() {
            let d = if ev.delta_x() != 0.0 { ev.delta_x() } else { ev.delta_y() };
            view.pan_by_px(-d, &frame);
        } else {
            view.zoom_at(canvas_x(ev.client_x() as f64), wheel_factor(ev.delta_y(), ev.delta_mode()), &frame);
        }
        ctx.view.set(view);
    };
    // Pointer events: mouse, pen and touch alike. The paper captures the pointer, so a drag that leaves it goes on.
    let on_down = move |ev: leptos::ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        if let Some(paper) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = paper.set_pointer_capture(ev.pointer_id());
        }
        drag.set_value(Some(ev.client_x() as f64));
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        if let (Some(x0), Some(frame)) = (drag.get_value(), frame()) {
            let x = ev.client_x() as f64;
            let mut view = ctx.view.get_untracked();
            view.pan_by_px(x - x0, &frame);
            drag.set_value(Some(x));
            ctx.view.set(view);
        }
    };
    let on_up = move |_ev: leptos::ev::PointerEvent| drag.set_value(None);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(frame) = frame() else { return };
        let mut view = ctx.view.get_untracked();
        if view.key(&ev.key(), &frame) {
            ev.prevent_default();
            ctx.view.set(view);
        }
    };

    let export = move |kind: &'static str| {
        let Some(shown) = ctx.current.get_untracked() else { return };
        let e = &shown.explanation;
        let stem = export::file_stem(&e.record_name);
        let result = match kind {
            "png" => match canvas_ref.get_untracked() {
                Some(c) => export::save_png(&c, &format!("{stem}.png")),
                None => Err("no canvas".into()),
            },
            "csv" => export::save(&format!("{stem}.csv"), "text/csv", &export::csv(e)),
            "json" => export::save(&format!("{stem}.json"), "application/json", &export::json(e)),
            _ => {
                let info = ctx.info.get_untracked().unwrap_or_default();
                export::save(
                    &format!("{stem}.manifest.json"),
                    "application/json",
                    &export::manifest(e, &info, &ctx.settings_untracked()),
                )
            }
        };
        if let Err(message) = result {
            ctx.notice.set(format!("Export failed: {message}"));
        }
    };

    let sorted_rows = move || {
        let (key, desc) = ctx.sort.get();
        let layer = ctx.layer.get();
        let mut rows = ctx.rows.get();
        let entropy = |r: &Row| r.summary.as_ref().and_then(|s| s.entropy(layer)).unwrap_or(f32::NEG_INFINITY);
        let disagree = |r: &Row| r.summary.as_ref().and_then(|s| s.disagreement).unwrap_or(f32::NEG_INFINITY);
        match key {
            SortKey::Order => rows.sort_by_key(|r| r.id),
            SortKey::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
            SortKey::Prediction => rows.sort_by(|a, b| a.prediction().cmp(b.prediction())),
            SortKey::Entropy => rows.sort_by(|a, b| entropy(a).total_cmp(&entropy(b))),
            SortKey::Disagreement => rows.sort_by(|a, b| disagree(a).total_cmp(&disagree(b))),
            SortKey::Status => rows.sort_by_key(|r| r.status.key()),
        }
        if desc {
            rows.reverse();
        }
        rows.truncate(MAX_ROWS_SHOWN);
        rows
    };
    let sort_button = move |key: SortKey, label: &'static str, testid: &'static str| {
        view! {
            <button class="sort" data-testid=testid
                on:click=move |_| ctx.sort.update(|(k, d)| { if *k == key { *d = !*d } else { *k = key; *d = key == SortKey::Entropy || key == SortKey::Disagreement } })>
                {label}
                {move || { let (k, d) = ctx.sort.get(); if k == key { if d { " ▼" } else { " ▲" } } else { "" } }}
            </button>
        }
    };

    view! {
        <header class="top">
            <h1>"ecglens"</h1>
            <p class="tagline">"What an ECG deep-learning model sees: its activations as time-localised clusters, their uncertainty, and how faithfully they explain its predictions. Everything runs in this tab; nothing leaves it."</p>
            <p class="model" data-testid="model-info">
                {move || ctx.info.with(|i| match i {
                    Some(i) => format!("Model {} {} · sha256 {} · atlas {} · load {:.0} ms", i.model_name, i.model_version, &i.model_sha256[..12.min(i.model_sha256.len())],
                        i.atlas_sha256.as_deref().map(|a| a[..12.min(a.len())].to_string()).unwrap_or_else(|| "none (no clusters)".into()), i.load_ms),
                    None => "Loading the model…".into(),
                })}
            </p>
            <p class="model-pick">
                <label>"Audit your own model: its .onnx, its card (.card.json) and, if you fitted one with ecglens fit, its atlas (.atlas.json) "
                    <input type="file" multiple accept=".onnx,.json" data-testid="model-input" on:change=on_model_files />
                </label>
                <button data-testid="model-default" hidden=move || ctx.info.with(|i| i.as_ref().is_none_or(|i| i.is_default_model))
                    on:click=move |_| switch_model(ctx, Vec::new(), true)>"Back to the default model"</button>
            </p>
        </header>
        <p class="notice" data-testid="notice" hidden=move || ctx.notice.with(|n| n.is_empty())>{move || ctx.notice.get()}</p>

        <section class="gallery" data-testid="gallery" aria-label="Examples">
            {move || ctx.info.with(|info| info.as_ref().map(|i| i.examples.clone()).unwrap_or_default())
                .into_iter().enumerate().map(|(ix, ex)| {
                    let title = if ex.title.is_empty() { ex.name.clone() } else { format!("{} — {}", ex.name, ex.title) };
                    view! {
                        <button class="example" data-testid=format!("example-{ix}") data-record=ex.name.clone()
                            class:active=move || ctx.example.get() == Some(ix)
                            title=title
                            on:click=move |_| request_example(ctx, ix)>
                            <span class="superclass">{if ex.superclass.is_empty() { "—".to_string() } else { ex.superclass.clone() }}</span>
                            <span class="name">{ex.name.clone()}</span>
                        </button>
                    }
                }).collect_view()}
            <span class="attribution" data-testid="attribution">{move || ctx.info.with(|i| i.as_ref().map(|i| i.attribution.clone()).unwrap_or_default())}</span>
        </section>

        <section class="controls" aria-label="View">
            <label>"Layer "
                <select data-testid="layer" on:change=move |ev| { if let Ok(i) = event_target_value(&ev).parse() { ctx.layer.set(i) } }>
                    {move || {
                        let names: Vec<String> = ctx.current.with(|c| c.as_ref().map(|s| s.explanation.layers.iter().map(|l| l.layer.clone()).collect()))
                            .unwrap_or_else(|| ctx.info.with(|i| i.as_ref().map(|i| i.layers.clone()).unwrap_or_default()));
                        if names.is_empty() {
                            return view! { <option value="0">"none (no atlas)"</option> }.into_any();
                        }
                        names.into_iter().enumerate().map(|(i, n)| view! { <option value=i.to_string() prop:selected=move || ctx.layer.get() == i>{n}</option> }).collect_view().into_any()
                    }}
                </select>
            </label>
            <label>"Layout "
                <select data-testid="layout" on:change=move |ev| { if let Some(l) = Layout::from_id(&event_target_value(&ev)) { ctx.paper.update(|p| p.layout = l); ctx.view.set(View::default()) } }>
                    {Layout::ALL.into_iter().map(|l| view! { <option value=l.id() prop:selected=move || ctx.paper.with(|p| p.layout == l)>{l.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Speed "
                <select data-testid="speed" on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { ctx.paper.update(|p| p.speed_mm_per_s = v) } }>
                    {SPEEDS_MM_PER_S.into_iter().map(|v: f64| view! { <option value=v.to_string() prop:selected=move || ctx.paper.with(|p| p.speed_mm_per_s == v)>{format!("{v} mm/s")}</option> }).collect_view()}
                </select>
            </label>
            <label>"Gain "
                <select data-testid="gain" on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { ctx.paper.update(|p| p.gain_mm_per_mv = v) } }>
                    {GAINS_MM_PER_MV.into_iter().map(|v: f64| view! { <option value=v.to_string() prop:selected=move || ctx.paper.with(|p| p.gain_mm_per_mv == v)>{format!("{v} mm/mV")}</option> }).collect_view()}
                </select>
            </label>
            <span class="zoom" data-testid="zoom">{move || ctx.view.with(|v| format!("zoom {:.2}× · from {:.1} s", v.zoom, v.pan_s))}</span>
            <span class="exports">
                <button data-testid="export-png" on:click=move |_| export("png")>"PNG"</button>
                <button data-testid="export-csv" on:click=move |_| export("csv")>"CSV"</button>
                <button data-testid="export-json" on:click=move |_| export("json")>"JSON"</button>
                <button data-testid="export-manifest" on:click=move |_| export("manifest")>"Manifest"</button>
            </span>
        </section>

        <p class="summary" data-testid="summary" aria-live="polite">
            {move || {
                let layer = ctx.layer.get();
                ctx.current.with(|c| match c {
                    Some(s) => summary_text(&s.explanation, layer),
                    None => "No record yet.".into(),
                })
            }}
        </p>

        <section class="view">
            <div class="paper" tabindex="0" data-testid="paper"
                on:wheel=on_wheel on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_up on:keydown=on_key>
                <canvas node_ref=canvas_ref data-testid="ecg-canvas" aria-label="12-lead ECG with cluster bands and entropy tracks"></canvas>
            </div>
            <aside class="side">
                <h2>"Clusters"</h2>
                <table class="legend" data-testid="legend">
                    <thead><tr><th>"#"</th><th>"Cluster"</th><th>"Share"</th></tr></thead>
                    <tbody>
                    {move || {
                        let layer = ctx.layer.get();
                        ctx.current.with(|c| c.as_ref().map(|s| canvas::legend(&s.explanation, Some(layer))))
                            .unwrap_or_default()
                            .into_iter()
                            .map(|entry| view! {
                                <tr data-cluster=entry.cluster.to_string() data-colour=entry.colour data-pattern=entry.pattern.id()>
                                    <td><span class="swatch" style:background=entry.swatch_css.clone()>{entry.tag.clone()}</span></td>
                                    <td>{entry.name.clone()}</td>
                                    <td>{format!("{:.1} %", entry.share * 100.0)}</td>
                                </tr>
                            })
                            .collect_view()
                    }}
                    </tbody>
                </table>
                <p class="hint">"Bands: the cluster of each sample (colour, pattern and number). Grey track under each lead: assignment entropy on a fixed [0, ln K] scale. Wheel: zoom · drag / shift+wheel / arrows: pan · 0: reset."</p>
                <p class="annotations" data-testid="annotations" hidden=move || ctx.current.with(|c| c.as_ref().is_none_or(|s| s.explanation.annotations.is_empty()))>
                    {move || ctx.current.with(|c| c.as_ref().map(|s| annotations_text(&s.explanation)).unwrap_or_default())}
                </p>
                <h2>"Predictions"</h2>
                <table class="predictions" data-testid="predictions">
                    <thead><tr><th>"Class"</th><th>"CNN"</th><th>"Surrogate"</th><th>"Agree"</th></tr></thead>
                    <tbody>
                    {move || ctx.current.with(|c| c.as_ref().map(|s| {
                        let e = s.explanation.clone();
                        e.classes.iter().enumerate().map(|(i, class)| {
                            let cnn = e.cnn_probabilities.get(i).copied().unwrap_or(0.0);
                            let cnn_pos = e.cnn_positive.get(i).copied().unwrap_or(false);
                            let (sur, agree) = match &e.surrogate {
                                Some(s) => {
                                    let p = s.probabilities.get(i).copied().unwrap_or(0.0);
                                    let pos = s.positive.get(i).copied().unwrap_or(false);
                                    (fmt_prob(p), if pos == cnn_pos { "yes" } else { "NO" })
                                }
                                None => ("n/a".to_string(), "–"),
                            };
                            view! {
                                <tr data-class=class.clone() class:positive=cnn_pos>
                                    <td>{class.clone()}</td><td>{fmt_prob(cnn)}{if cnn_pos { " ✓" } else { "" }}</td><td>{sur}</td><td>{agree}</td>
                                </tr>
                            }
                        }).collect_view()
                    }))}
                    </tbody>
                </table>
                <p data-testid="agreement">{move || ctx.current.with(|c| c.as_ref().and_then(|s| s.explanation.surrogate.as_ref().map(|s| format!("CNN–surrogate agreement: {:.0} % of classes", s.agreement * 100.0)))).unwrap_or_default()}</p>
                <h2>"How clusters push each class"</h2>
                <div class="importance-wrap">
                <table class="importance" data-testid="importance">
                    {move || ctx.current.with(|c| c.as_ref().and_then(|s| s.explanation.surrogate.clone().map(|sur| {
                        let classes = s.explanation.classes.clone();
                        view! {
                            <thead><tr><th>"Feature"</th>{classes.iter().map(|c| view! { <th>{c.clone()}</th> }).collect_view()}</tr></thead>
                            <tbody>
                            {sur.features.iter().enumerate().map(|(f, name)| view! {
                                <tr>
                                    <td>{name.clone()}</td>
                                    {(0..classes.len()).map(|ci| {
                                        let v = sur.signed_importance.get(ci).and_then(|row| row.get(f)).copied().unwrap_or(0.0);
                                        view! { <td class:pos=(v > 0.0) class:neg=(v < 0.0)>{format!("{v:+.3}")}</td> }
                                    }).collect_view()}
                                </tr>
                            }).collect_view()}
                            </tbody>
                        }
                    })))}
                </table>
                </div>
            </aside>
        </section>

        <section class="files">
            <h2>"Your records"</h2>
            <div class="dropzone" data-testid="dropzone"
                on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=on_drop>
                <label>"Drop WFDB records or folders of them here (each .hea with its .dat), or choose files: "
                    <input type="file" multiple accept=".hea,.dat" data-testid="file-input" on:change=on_files />
                </label>
                <label>" or a whole folder: "
                    <input type="file" multiple node_ref=folder_input data-testid="folder-input" on:change=on_files />
                </label>
                <p class="hint">"Files are read in this tab only; nothing is uploaded or stored."</p>
            </div>
            <div class="progress-line">
                <progress data-testid="progress" max=move || ctx.batch_total.get().max(1).to_string() value=move || ctx.batch_done.get().to_string()></progress>
                <span data-testid="progress-text">{move || format!("{} / {}", ctx.batch_done.get(), ctx.batch_total.get())}</span>
                <button data-testid="cancel" disabled=move || ctx.pending.get() == 0 on:click=move |_| cancel(ctx)>"Cancel"</button>
            </div>
            <table class="batch-table">
                <thead><tr>
                    <th>{sort_button(SortKey::Name, "Record", "sort-name")}</th>
                    <th>{sort_button(SortKey::Prediction, "Prediction", "sort-prediction")}</th>
                    <th>{sort_button(SortKey::Entropy, "Mean entropy", "sort-entropy")}</th>
                    <th>{sort_button(SortKey::Disagreement, "Disagreement", "sort-disagreement")}</th>
                    <th>{sort_button(SortKey::Status, "Status", "sort-status")}</th>
                </tr></thead>
                <tbody data-testid="batch">
                    <For each=sorted_rows key=|r: &Row| (r.id, r.status.key(), r.name.clone()) children=move |row: Row| {
                        let summary = row.summary.clone();
                        let pred = summary.as_ref().map(|s| s.prediction.clone()).unwrap_or_default();
                        let entropy_summary = summary.clone();
                        let ent = move || {
                            let layer = ctx.layer.get();
                            entropy_summary.as_ref().and_then(|s| s.entropy(layer)).map(|e| format!("{e:.3}")).unwrap_or_default()
                        };
                        let dis = summary.as_ref().and_then(|s| s.disagreement).map(|d| format!("{d:.2}")).unwrap_or_default();
                        let status = row.status.label();
                        let key = row.status.key();
                        let name = row.name.clone();
                        let record_attr = row.name.clone();
                        let done = summary.is_some();
                        let row_id = row.id;
                        view! {
                            <tr data-testid="batch-row" data-record=record_attr data-status=key
                                class:error=key == "error" class:clickable=done
                                on:click=move |_| if done { open_row(ctx, row_id) }>
                                <td>{name}</td><td>{pred}</td><td>{ent}</td><td>{dis}</td><td class="status">{status}</td>
                            </tr>
                        }
                    } />
                </tbody>
            </table>
            <p class="hint" data-testid="rows-hidden">{move || {
                let n = ctx.rows.with(|r| r.len());
                if n > MAX_ROWS_SHOWN { format!("Showing {MAX_ROWS_SHOWN} of {n} records: sort by mean entropy or disagreement to bring the ones to review first to the top.") } else { String::new() }
            }}</p>
        </section>
        <footer>
            <p>
                {format!("ecglens {} · no network request after load · no data leaves this tab · ", export::APP_VERSION)}
                <span data-testid="offline">{move || ctx.offline.with(Offline::label)}</span>
                <button class="update" data-testid="update" hidden=move || ctx.offline.with(|o| *o != Offline::UpdateReady)
                    on:click=move |_| use_new_version()>"Use the new version"</button>
            </p>
        </footer>
    }
}
