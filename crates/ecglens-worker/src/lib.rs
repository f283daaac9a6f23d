#![cfg(target_arch = "wasm32")]
//! The Web Worker: owns the [`Engine`] (tract), so inference never blocks the page.
//!
//! On start it fetches `models/default.onnx`, `models/default.card.json`, `models/default.atlas.json`
//! (optional), `examples/index.json` and every example's files, then posts [`Response::Ready`]. From then on it
//! makes no network request: it answers [`Request`]s one at a time.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Response as FetchResponse};

use ecglens_core::batch::header_signal_files;
use ecglens_core::explain::sha256_hex;
use ecglens_core::protocol::{parse_example_index, sibling, ReadyInfo, Request, Response};
use ecglens_core::signal::overview::{self, Overview};
use ecglens_core::signal::sniff::{self, Sniffed};
use ecglens_core::signal::{
    edf, open, window, ByteSource, Format, PatientIdentity, Question, ReadOptions, SignalError, TimeWindow,
};
use ecglens_engine::Engine;

thread_local! {
    /// The last long recording read (key: file, size and answers), so that its windows are not decoded again.
    static LAST_RECORD: RefCell<Option<(String, Rc<ecglens_core::signal::Opened>)>> = const { RefCell::new(None) };
}

/// A file the page sent: its `File` (a handle: the page reads nothing). The worker reads what a reader needs, with
/// `FileReaderSync` (a worker may block): a window of an EDF recording, one exam of an HDF5 file, one record of a
/// `.npy` batch; any other format whole, once.
struct SentFile {
    name: String,
    blob: web_sys::Blob,
    whole: OnceCell<Result<Vec<u8>, String>>,
}

impl SentFile {
    fn size(&self) -> u64 {
        self.blob.size().max(0.0) as u64
    }

    /// Bytes `start..end` of the file.
    fn read_range(&self, start: u64, end: u64) -> Result<Vec<u8>, String> {
        let unreadable = |e: JsValue| format!("{}: cannot read the file: {}", self.name, js_error_text(&e));
        let part = self.blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(unreadable)?;
        let reader = web_sys::FileReaderSync::new().map_err(unreadable)?;
        let buffer = reader.read_as_array_buffer(&part).map_err(unreadable)?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        if bytes.len() as u64 != end - start {
            return Err(format!(
                "{}: the file changed while it was read (got {} of {} bytes)",
                self.name,
                bytes.len(),
                end - start
            ));
        }
        Ok(bytes)
    }

    /// The whole file, read on first use (at most [`MAX_FILE_BYTES`](ecglens_core::signal::limits::MAX_FILE_BYTES)).
    fn bytes(&self) -> Result<&[u8], String> {
        self.whole
            .get_or_init(|| {
                let limit = ecglens_core::signal::limits::MAX_FILE_BYTES as u64;
                if self.size() > limit {
                    return Err(format!(
                        "{}: it is larger than the {} MB ecglens reads whole (EDF, HDF5 and .npy files of any size are read a piece at a time)",
                        self.name,
                        limit / 1_048_576
                    ));
                }
                self.read_range(0, self.size())
            })
            .as_deref()
            .map_err(String::clone)
    }
}

/// A [`SentFile`] as a [`ByteSource`]: each read is one `FileReaderSync` call on a slice of the `File`.
struct FileSource<'a>(&'a SentFile);

impl ByteSource for FileSource<'_> {
    fn len(&self) -> u64 {
        self.0.size()
    }

    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SignalError> {
        let end = offset.checked_add(len as u64).filter(|&e| e <= self.0.size());
        let end = end.ok_or_else(|| SignalError::Malformed {
            file: self.0.name.clone(),
            format: "file",
            message: format!("{len} bytes at {offset} were asked for, past the end of the {}-byte file", self.0.size()),
        })?;
        self.0.read_range(offset, end).map_err(|message| SignalError::Io { path: self.0.name.clone(), message })
    }
}

/// Files attached to a message.
type Files = Vec<SentFile>;

struct State {
    engine: Engine,
    /// The site's model files, kept so that going back to the default model needs no request.
    default_model: Vec<(String, Vec<u8>)>,
    /// Example files by path relative to `examples/`.
    example_files: HashMap<String, Vec<u8>>,
    info: ReadyInfo,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
    /// Requests that arrived before the engine was ready.
    static QUEUE: RefCell<Vec<(Request, Files)>> = const { RefCell::new(Vec::new()) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn now_ms() -> f64 {
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Posts a response: `{ msg: json }`.
pub fn post(response: &Response) {
    let json = serde_json::to_string(response)
        .unwrap_or_else(|e| format!(r#"{{"kind":"fatal","message":"cannot encode a response: {e}"}}"#));
    let obj = Object::new();
    // Neither can fail for a plain object holding a string, but if one did the page would wait for an answer
    // that never comes: say so in the console, the one place a worker can still report to.
    let posted = Reflect::set(&obj, &"msg".into(), &JsValue::from_str(&json))
        .and_then(|_| scope().post_message(&obj).map(|()| true));
    if let Err(error) = posted {
        web_sys::console::error_2(&"ecglens worker: cannot post a response:".into(), &error);
    }
}

/// A panic in the worker reaches the page as [`Response::Fatal`] (and the console, with its stack): never a
/// silent stop.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&Response::Fatal {
            message: format!("the analysis worker stopped because of an internal error (panic): {info}"),
        });
    }));
}

/// The message of a JS exception or error value.
fn js_error_text(value: &JsValue) -> String {
    match value.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
}

/// Entry point of the `ecglens-worker` binary.
pub fn run() {
    install_panic_hook();
    let onmessage =
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| match decode_request(&event.data()) {
            Ok((Request::TestPanic, _)) => panic!("test panic requested by the page (?ecglens-test-panic=worker)"),
            Ok((request, files)) => {
                let ready = STATE.with(|s| s.borrow().is_some());
                if ready {
                    handle(request, files);
                } else {
                    QUEUE.with(|q| q.borrow_mut().push((request, files)));
                }
            }
            Err(message) => post(&Response::Fatal { message }),
        });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    wasm_bindgen_futures::spawn_local(async {
        match init().await {
            Ok(state) => {
                post(&Response::Ready(state.info.clone()));
                STATE.with(|s| *s.borrow_mut() = Some(state));
                let queued = QUEUE.with(|q| std::mem::take(&mut *q.borrow_mut()));
                for (request, files) in queued {
                    handle(request, files);
                }
            }
            Err(message) => post(&Response::Fatal { message }),
        }
    });
}

fn decode_request(data: &JsValue) -> Result<(Request, Files), String> {
    let msg =
        Reflect::get(data, &"msg".into()).ok().and_then(|v| v.as_string()).ok_or("worker: a message without `msg`")?;
    let request: Request = serde_json::from_str(&msg).map_err(|e| format!("worker: bad request {msg}: {e}"))?;
    let mut files = Vec::new();
    if let Ok(list) = Reflect::get(data, &"files".into()) {
        if let Some(list) = list.dyn_ref::<Array>() {
            for item in list.iter() {
                let name = Reflect::get(&item, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
                let blob = Reflect::get(&item, &"file".into())
                    .ok()
                    .and_then(|b| b.dyn_into::<web_sys::Blob>().ok())
                    .ok_or_else(|| format!("worker: the file {name} came without its File"))?;
                files.push(SentFile { name, blob, whole: OnceCell::new() });
            }
        }
    }
    Ok((request, files))
}

/// A fetch that has been started (the browser downloads while the worker goes on); `bytes` waits for it.
struct Download {
    url: String,
    response: JsFuture,
}

fn start(url: &str) -> Download {
    Download { url: url.to_string(), response: JsFuture::from(scope().fetch_with_str(url)) }
}

impl Download {
    /// The body, or None on HTTP 404.
    async fn bytes(self) -> Result<Option<Vec<u8>>, String> {
        let url = self.url;
        let response: FetchResponse =
            self.response.await.map_err(|e| format!("cannot fetch {url}: {}", js_error_text(&e)))?.unchecked_into();
        if response.status() == 404 {
            return Ok(None);
        }
        if !response.ok() {
            return Err(format!("cannot fetch {url}: HTTP {}", response.status()));
        }
        let buffer = JsFuture::from(response.array_buffer().map_err(|e| js_error_text(&e))?)
            .await
            .map_err(|e| format!("cannot read {url}: {}", js_error_text(&e)))?;
        Ok(Some(Uint8Array::new(&buffer).to_vec()))
    }

    async fn required(self) -> Result<Vec<u8>, String> {
        let url = self.url.clone();
        self.bytes().await?.ok_or_else(|| format!("{url} is missing from the site (HTTP 404)"))
    }
}

async fn init() -> Result<State, String> {
    let t0 = now_ms();
    // Every download starts at once; the model is built while the examples are still arriving.
    let onnx = start("models/default.onnx");
    let card = start("models/default.card.json");
    let atlas = start("models/default.atlas.json");
    let (examples, attribution) = match start("examples/index.json").bytes().await? {
        Some(bytes) => parse_example_index(&bytes)?,
        None => (Vec::new(), String::new()),
    };
    let mut example_downloads = Vec::new();
    for example in &examples {
        for file in &example.files {
            if !example_downloads.iter().any(|(f, _): &(String, Download)| f == file) {
                example_downloads.push((file.clone(), start(&format!("examples/{file}"))));
            }
        }
    }
    let onnx = onnx.required().await?;
    let card = card.required().await?;
    let atlas = atlas.bytes().await?;
    let engine = Engine::new(&onnx, &card, atlas.as_deref()).map_err(|e| format!("cannot load the model: {e}"))?;
    let mut example_files = HashMap::new();
    for (file, download) in example_downloads {
        if let Some(bytes) = download.bytes().await? {
            example_files.insert(file, bytes);
        }
    }
    // A header may name .dat files that the index did not list: fetch those too.
    for example in &examples {
        let Some(header) = example_files.get(&example.header) else { continue };
        for name in header_signal_files(header) {
            let path = sibling(&example.header, &name);
            if let std::collections::hash_map::Entry::Vacant(slot) = example_files.entry(path) {
                if let Some(bytes) = start(&format!("examples/{}", slot.key())).bytes().await? {
                    slot.insert(bytes);
                }
            }
        }
    }
    let info = ReadyInfo {
        examples,
        attribution,
        load_ms: now_ms() - t0,
        ..model_info(&engine, &card, atlas.as_deref(), true)
    };
    let mut default_model = vec![("default.onnx".to_string(), onnx), ("default.card.json".to_string(), card)];
    default_model.extend(atlas.map(|a| ("default.atlas.json".to_string(), a)));
    Ok(State { engine, default_model, example_files, info })
}

/// What the page shows of a model (examples and timing are filled in by the caller).
fn model_info(engine: &Engine, card: &[u8], atlas: Option<&[u8]>, is_default_model: bool) -> ReadyInfo {
    let layers = match engine.atlas() {
        Some(atlas) => atlas.layers.iter().map(|l| l.layer.clone()).collect(),
        None => engine.card.taps.iter().map(|t| t.name.clone()).collect(),
    };
    ReadyInfo {
        model_name: engine.card.name.clone(),
        model_version: engine.card.version.clone(),
        model_sha256: engine.model_sha256.clone(),
        card_sha256: sha256_hex(card),
        atlas_sha256: atlas.map(sha256_hex),
        classes: engine.card.output.classes.clone(),
        layers,
        is_default_model,
        ..ReadyInfo::default()
    }
}

/// Loads another model; on any error the current one stays in use.
fn load_model(state: &mut State, files: &[(String, Vec<u8>)], is_default_model: bool) -> Result<ReadyInfo, String> {
    let t0 = now_ms();
    let bundle = ecglens_core::bundle::ModelBundle::from_files(files).map_err(|e| e.to_string())?;
    let engine = Engine::new(bundle.onnx.1, bundle.card.1, bundle.atlas.map(|a| a.1)).map_err(|e| {
        let atlas = bundle.atlas.map(|a| format!(" and {}", a.0)).unwrap_or_default();
        format!("cannot load {} with {}{atlas}: {e}", bundle.onnx.0, bundle.card.0)
    })?;
    let info = ReadyInfo {
        examples: state.info.examples.clone(),
        attribution: state.info.attribution.clone(),
        load_ms: now_ms() - t0,
        ..model_info(&engine, bundle.card.1, bundle.atlas.map(|a| a.1), is_default_model)
    };
    state.engine = engine;
    state.info = info.clone();
    Ok(info)
}

fn handle(request: Request, files: Files) {
    if let Request::LoadModel { id, default } = request {
        let result = STATE.with(|s| match s.borrow_mut().as_mut() {
            Some(state) if default => {
                // Lent out (not copied: 5.6 MB) while the engine is rebuilt from it.
                let files = std::mem::take(&mut state.default_model);
                let result = load_model(state, &files, true);
                state.default_model = files;
                result
            }
            Some(state) => match files
                .iter()
                .map(|f| f.bytes().map(|b| (f.name.clone(), b.to_vec())))
                .collect::<Result<Vec<_>, String>>()
            {
                Ok(files) => load_model(state, &files, false),
                Err(message) => Err(message),
            },
            None => Err("the engine is not loaded".to_string()),
        });
        post(&match result {
            Ok(info) => Response::ModelLoaded { id, info },
            Err(message) => Response::Failed { id, message },
        });
        return;
    }
    let t0 = now_ms();
    let (id, result) = STATE.with(|s| {
        let state = s.borrow();
        let Some(state) = state.as_ref() else {
            return (request_id(&request), Err(Failure::Message("the engine is not loaded".to_string())));
        };
        match &request {
            Request::Example { id, index } => {
                let result = match state.info.examples.get(*index) {
                    Some(example) => {
                        let header = example.header.clone();
                        explain_files(
                            &state.engine,
                            &header,
                            &|name| state.example_files.get(&sibling(&header, name)).map(Vec::as_slice),
                            None,
                            &ReadOptions::default(),
                        )
                    }
                    None => Err(Failure::Message(format!("there is no example #{index}"))),
                };
                (*id, result)
            }
            Request::Record { id, header, options } => {
                let find = |name: &str| {
                    let base = name.rsplit('/').next().unwrap_or(name);
                    files.iter().find(|f| f.name == name || f.name.rsplit('/').next() == Some(base))
                };
                // A file that cannot be read is "not found" here; the main file's own read error is reported.
                let lookup = |name: &str| find(name).and_then(|f| f.bytes().ok());
                let result = match find(header) {
                    Some(main) => explain_sent(&state.engine, header, main, &lookup, options),
                    None => explain_files(&state.engine, header, &lookup, None, options),
                };
                (*id, result)
            }
            Request::TestPanic | Request::LoadModel { .. } => {
                (0, Err(Failure::Message("not an explanation request".into())))
            }
        }
    });
    post(&match result {
        Ok(Explained { explanation, patient, parse_ms, overview }) => Response::Explained {
            id,
            explanation: Box::new(explanation),
            patient: (!patient.is_empty()).then_some(patient),
            elapsed_ms: now_ms() - t0,
            parse_ms,
            overview: overview.map(Box::new),
        },
        Err(Failure::Message(message)) => Response::Failed { id, message },
        Err(Failure::NeedsInput { questions, message }) => Response::NeedsInput { id, questions, message },
    });
}

/// Why a record was not explained: a message, or questions for the user.
enum Failure {
    Message(String),
    NeedsInput { questions: Vec<Question>, message: String },
}

fn request_id(request: &Request) -> u64 {
    match request {
        Request::Example { id, .. } | Request::Record { id, .. } | Request::LoadModel { id, .. } => *id,
        Request::TestPanic => 0,
    }
}

/// Files up to this size are read whole, once per request, whatever their format: a `FileReaderSync` read has a
/// fixed cost (about 0.3 ms here), so a small EDF or HDF5 file read a piece at a time took 8-30 ms instead of 1-4.
const READ_WHOLE_BYTES: u64 = 32 * 1024 * 1024;

/// Reads and explains the record whose main file is `main`: a large EDF, HDF5 or `.npy` file a piece at a time
/// (through [`FileSource`]), anything else from its bytes.
fn explain_sent<'a>(
    engine: &Engine,
    header: &str,
    main: &'a SentFile,
    lookup: &dyn Fn(&str) -> Option<&'a [u8]>,
    options: &ReadOptions,
) -> Result<Explained, Failure> {
    let small = main.size() <= READ_WHOLE_BYTES || sniff::is_wfdb_header_name(&main.name);
    if small {
        let bytes = main.bytes().map_err(Failure::Message)?;
        return match piecewise_format(&main.name, bytes, main.size()) {
            Some(format) => {
                let source = ecglens_core::signal::options::InMemory { file: &main.name, bytes };
                explain_files(engine, header, lookup, Some((&source, format)), options)
            }
            None => explain_files(engine, header, lookup, None, options),
        };
    }
    let head = main.read_range(0, sniff::SNIFF_BYTES as u64).map_err(Failure::Message)?;
    match piecewise_format(&main.name, &head, main.size()) {
        Some(format) => explain_files(engine, header, lookup, Some((&FileSource(main), format)), options),
        None => {
            main.bytes().map_err(Failure::Message)?;
            explain_files(engine, header, lookup, None, options)
        }
    }
}

/// The format of a file read a piece at a time ([`open::reads_from_source`]: EDF, HDF5, `.npy`), from its first
/// bytes; `None` for a file read whole.
fn piecewise_format(name: &str, head: &[u8], size: u64) -> Option<Format> {
    match sniff::sniff(name, head, size) {
        Sniffed::Known(format) if open::reads_from_source(format, head) => Some(format),
        _ => None,
    }
}

/// What [`explain_files`] returns: the explanation, the patient's identity apart from it, the time spent reading,
/// and, for the first window of a long recording, the whole recording's overview.
struct Explained {
    explanation: ecglens_core::Explanation,
    patient: PatientIdentity,
    parse_ms: f64,
    overview: Option<Overview>,
}

/// Reads and explains one record. `file` is its main file: a WFDB header (its signal files found through
/// `lookup`) or the one file of another format, which `signal::open` recognises by content. `source`: the main
/// file as a [`ByteSource`] when its format is read a piece at a time (only the window or the record asked for is
/// read); otherwise `lookup` has its bytes (borrowed: a dropped `.dat` is not copied). `options`: the user's
/// answers, over a sidecar JSON sent with the file (`<stem>.json`).
///
/// A long recording (over [`window::LONG_RECORD_S`]) is explained a window at a time: without a window asked for,
/// its first window, with the overview of the whole. An EDF recording is read a window at a time from the file
/// (the overview a chunk at a time); a recording read whole is decoded once and kept for its next windows.
fn explain_files<'a>(
    engine: &Engine,
    file: &str,
    lookup: &dyn Fn(&str) -> Option<&'a [u8]>,
    source: Option<(&dyn ByteSource, Format)>,
    options: &ReadOptions,
) -> Result<Explained, Failure> {
    let base_name = file.rsplit('/').next().unwrap_or(file);
    let t0 = now_ms();
    let message = |e: &SignalError| open::message_for(file, e);
    let failure = |e: SignalError| match e {
        SignalError::NeedsInput { ref questions, .. } => {
            Failure::NeedsInput { questions: questions.clone(), message: message(&e) }
        }
        other => Failure::Message(message(&other)),
    };
    let sidecar_name = format!("{}.json", open::record_name(base_name));
    let options = match lookup(&sidecar_name).filter(|_| sidecar_name != base_name) {
        Some(json) => {
            options.or(&ReadOptions::from_sidecar(&sidecar_name, json).map_err(|e| Failure::Message(message(&e)))?)
        }
        None => options.clone(),
    };
    let window_s = engine.card.input.n_samples as f64 / engine.card.input.sample_rate_hz;
    let first_window = TimeWindow { start_s: 0.0, duration_s: window_s };
    let mut overview = None;
    let opened = match source {
        Some((source, format)) => {
            let mut options = options.clone();
            if format == Format::Edf && options.window.is_none() {
                let duration_s = edf::duration_s(file, source).map_err(failure)?;
                if duration_s > window::LONG_RECORD_S {
                    options.window = Some(first_window);
                    let mut read = |w: TimeWindow| {
                        let chunk = ReadOptions { window: Some(w), ..options.clone() };
                        open::open_source(format, file, source, &chunk).map(|o| o.record)
                    };
                    overview = Some(
                        Overview::in_chunks(duration_s, overview::CHUNK_S, overview::BUCKETS, &mut read)
                            .map_err(failure)?,
                    );
                }
            }
            open::open_source(format, file, source, &options).map_err(failure)?
        }
        None => {
            let bytes = lookup(base_name)
                .or_else(|| lookup(file))
                .ok_or_else(|| Failure::Message(format!("{file}: file not found")))?;
            // A long recording is read once and kept while its windows are explained, one request each.
            let key = format!(
                "{file}|{}|{:?}|{:?}|{:?}|{}",
                bytes.len(),
                options.sample_rate_hz,
                options.leads,
                options.units,
                options.item
            );
            let cached =
                LAST_RECORD.with(|c| c.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, o)| Rc::clone(o)));
            let whole = match cached {
                Some(opened) => opened,
                None => {
                    let whole_options = ReadOptions { window: None, ..options.clone() };
                    let opened =
                        Rc::new(ecglens_core::signal::open_with(file, bytes, lookup, &whole_options).map_err(failure)?);
                    let long = opened.record.duration_s() > window::LONG_RECORD_S;
                    LAST_RECORD.with(|c| *c.borrow_mut() = long.then(|| (key, Rc::clone(&opened))));
                    opened
                }
            };
            match options.window {
                Some(w) => window::windowed(&whole, w),
                None if whole.record.duration_s() > window::LONG_RECORD_S => {
                    overview = Some(Overview::of(&whole.record, overview::BUCKETS));
                    window::windowed(&whole, first_window)
                }
                None => Rc::try_unwrap(whole).unwrap_or_else(|shared| (*shared).clone()),
            }
        }
    };
    let parse_ms = now_ms() - t0;
    let mut explanation = engine.explain(&opened.record).map_err(|e| Failure::Message(format!("{file}: {e}")))?;
    // LUDB-style annotation files beside a WFDB header (`<record>.ii`, ...), when they came with it.
    if opened.source.format == Format::Wfdb {
        let stem = base_name.strip_suffix(".hea").or_else(|| base_name.strip_suffix(".HEA")).unwrap_or(base_name);
        explanation.annotations = ecglens_core::landmarks::read_lead_waves(stem, lookup);
    }
    // A WFDB record's source says nothing beyond the format, unless the reader warned or only a window was read.
    let says_more = !opened.source.warnings.is_empty() || opened.source.window.is_some();
    if opened.source.format != Format::Wfdb || says_more {
        explanation.source = Some(opened.source);
    }
    Ok(Explained { explanation, patient: opened.patient, parse_ms, overview })
}
