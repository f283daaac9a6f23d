//! The page's side of the Web Worker that owns the engine (`ecglens-worker`): starting it, posting requests with
//! their files, and decoding its answers. The messages are `ecglens_core::protocol`:
//! `{ msg: <JSON>, files: [{ name, file: File }, ...] }`. A `File` is a handle: posting it copies no byte, and the
//! worker reads only what its reader needs (a window of a 24 h recording, one exam of an HDF5 file).

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, File, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::js_error_text;
use ecglens_core::protocol::{Request, Response};

/// Why a request did not reach the worker.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("the request could not be written as JSON: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the message for the analysis worker could not be built: {0}")]
    Build(String),
    #[error("the analysis worker is not running")]
    NoWorker,
    #[error("the analysis worker did not take the request: {0}")]
    Post(String),
}

/// The running worker.
pub struct WorkerClient {
    worker: Worker,
}

impl WorkerClient {
    /// Starts the worker. `on_response` gets each of its answers, or, for an answer that cannot be read, why;
    /// `on_failure` gets the message of an error the worker did not catch. Err: why it could not start.
    pub fn start(
        mut on_response: impl FnMut(Result<Response, String>) + 'static,
        mut on_failure: impl FnMut(String) + 'static,
    ) -> Result<Self, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Classic);
        options.set_name("ecglens-worker");
        let worker = Worker::new_with_options("./ecglens-worker_loader.js", &options)
            .map_err(|e| format!("cannot start the analysis worker: {}", js_error_text(&e)))?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            // Every answer of ours carries `msg`; anything else is not for the page.
            let Some(msg) = Reflect::get(&event.data(), &"msg".into()).ok().and_then(|v| v.as_string()) else {
                return;
            };
            on_response(serde_json::from_str(&msg).map_err(|e| format!("unreadable answer from the worker: {e}")));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            on_failure(format!("the analysis worker failed: {}", event.message()));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        Ok(WorkerClient { worker })
    }

    /// Posts `request` with `files` (name, `File` handle).
    pub fn post(&self, request: &Request, files: &[(String, File)]) -> Result<(), PostError> {
        let message = Object::new();
        set(&message, "msg", &JsValue::from_str(&serde_json::to_string(request)?))?;
        let items = Array::new();
        for (name, file) in files {
            let item = Object::new();
            set(&item, "name", &JsValue::from_str(name))?;
            set(&item, "file", file)?;
            items.push(&item);
        }
        set(&message, "files", &items)?;
        self.worker.post_message(&message).map_err(|e| PostError::Post(js_error_text(&e)))
    }
}

fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), PostError> {
    match Reflect::set(target, &JsValue::from_str(key), value) {
        Ok(true) => Ok(()),
        Ok(false) => Err(PostError::Build(format!("cannot set {key}"))),
        Err(e) => Err(PostError::Build(js_error_text(&e))),
    }
}
