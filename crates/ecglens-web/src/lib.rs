#![cfg(target_arch = "wasm32")]
//! The page (wasm32 only): it draws what the worker (`ecglens-worker`) explains. It depends on `ecglens-core`
//! alone, so it cannot link tract. Its pure logic (the job queue, the batch rows, the texts) is
//! `ecglens_core::session`, tested natively.
//!
//! * [`app`] — the Leptos app (client-side rendered): its state and components, and the job queue's page side.
//! * [`worker_client`] — starting the worker, posting requests with transferable buffers, decoding answers.
//! * [`files`] — the user's files: pickers, dropped folders walked, bytes read when needed.
//! * [`offline`] — the service worker that stores the site for offline use, and the update offer.
//! * [`canvas`] — the calibrated ECG paper on a `<canvas>` (geometry in `ecglens_core::paper`).
//! * [`export`] — PNG, CSV, JSON and manifest, saved through `blob:` URLs.
//! * [`panic`] — panics become a visible error in the page.
//!
//! Messages to and from the worker are `ecglens_core::protocol`.

pub mod app;
pub mod canvas;
pub mod export;
pub mod files;
pub mod offline;
pub mod panic;
pub mod worker_client;

use wasm_bindgen::{JsCast, JsValue};

/// Entry point of the `ecglens-web` binary: mounts the app into `#app`.
pub fn run() {
    panic::install_ui();
    app::mount();
}

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
