//! wasm32-only UI: the Leptos app (page), the Web Worker that owns the engine, and their protocol.
//!
//! * [`app`] — the page (Leptos, client-side rendered): gallery, controls, summary, batch, exports.
//! * [`worker`] — the `ecglens-worker` binary's body: fetches the model and examples, runs `Engine::explain`.
//! * [`protocol`] — messages between them.
//! * [`canvas`] — the calibrated ECG paper on a `<canvas>` (geometry in `crate::paper`).
//! * [`panic`] — panics become a visible error in the page.

pub mod app;
pub mod canvas;
pub mod export;
pub mod panic;
pub mod protocol;
/// The worker owns tract: it exists only with the `inference` feature (the page's wasm is built without it).
#[cfg(feature = "inference")]
pub mod worker;

use wasm_bindgen::{JsCast, JsValue};

/// Entry point of the `ecglens-web` binary: mounts the app into `#app`.
pub fn run() {
    panic::install_ui();
    app::mount();
}

/// Entry point of the `ecglens-worker` binary.
#[cfg(feature = "inference")]
pub fn run_worker() {
    worker::run();
}

/// Reads a WFDB record from its header bytes and a lookup of its other files by name.
/// Thin wrapper over `crate::signal::wfdb::read_record` so the web layer has one call site.
pub fn wfdb_read(
    header: &[u8],
    header_name: &str,
    lookup: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Result<crate::Record, String> {
    let _ = header_name;
    crate::signal::wfdb::read_record(header, &|name: &str| lookup(name)).map_err(|e| e.to_string())
}

pub use crate::batch::header_signal_files;

/// The message of a JS exception or error value.
pub fn js_error_text(value: &JsValue) -> String {
    if let Some(s) = value.as_string() {
        return s;
    }
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    format!("{value:?}")
}
