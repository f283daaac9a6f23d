//! Exports: PNG of the view, CSV/JSON of the per-sample clusters and entropy, and a manifest.
//! Everything is built in the page and saved through a `blob:` URL: no network.

use serde_json::json;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, Url};

use ecglens_core::paper::{PaperSettings, View};
use ecglens_core::protocol::ReadyInfo;
use ecglens_core::signal::PatientIdentity;
use ecglens_core::Explanation;

/// Everything that decides what the view shows (goes into the manifest).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ViewSettings {
    /// Index into `Explanation::layers` (None: no clusters).
    pub layer: Option<usize>,
    pub paper: PaperSettings,
    pub view: View,
}

/// The app's version (the crate's).
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Saves `bytes` as a file called `name` (an `<a download>` click on a `blob:` URL).
pub fn save(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| format!("{e:?}"))?;
    save_blob(name, &blob)
}

fn save_blob(name: &str, blob: &Blob) -> Result<(), String> {
    let url = Url::create_object_url_with_blob(blob).map_err(|e| format!("{e:?}"))?;
    let result = click_download(name, &url);
    // Revoke after the click has been handled.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        // Harmless if it fails: the URL is freed with the page.
        Url::revoke_object_url(&url).ok();
    });
    if let Some(window) = web_sys::window() {
        // Harmless if it fails: the URL is then freed with the page.
        window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000).ok();
    }
    result
}

fn click_download(name: &str, url: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: HtmlAnchorElement = document.create_element("a").map_err(|e| format!("{e:?}"))?.unchecked_into();
    a.set_href(url);
    a.set_download(name);
    a.set_hidden(true);
    let body = document.body().ok_or("no body")?;
    // Harmless if either fails: a link outside the document downloads as well, and one that is not there is gone.
    body.append_child(&a).ok();
    a.click();
    body.remove_child(&a).ok();
    Ok(())
}

/// PNG of the canvas as drawn.
pub fn save_png(canvas: &HtmlCanvasElement, name: &str) -> Result<(), String> {
    let url = canvas.to_data_url_with_type("image/png").map_err(|e| format!("{e:?}"))?;
    click_download(name, &url)
}

/// Same bytes as `ecglens explain <record>.hea` (the CLI): `record,layer,sample,time_s,cluster,entropy`.
pub fn csv(explanation: &Explanation) -> String {
    explanation.to_csv()
}

/// The explanation without the signal itself (clusters, entropy, probabilities, surrogate, the file's format and
/// the device's measurements). The patient's identity only when the user ticked "include it in the JSON export"
/// (`patient` is then Some).
pub fn json(explanation: &Explanation, patient: Option<&PatientIdentity>) -> Result<String, String> {
    let mut value = serde_json::to_value(explanation).map_err(|e| e.to_string())?;
    if let Some(map) = value.as_object_mut() {
        map.remove("signal_mv");
        if let Some(patient) = patient {
            map.insert("patient".into(), serde_json::to_value(patient).map_err(|e| e.to_string())?);
        }
    }
    serde_json::to_string_pretty(&value).map_err(|e| e.to_string())
}

/// What produced this view: app version, model/card/atlas hashes, settings.
pub fn manifest(explanation: &Explanation, info: &ReadyInfo, settings: &ViewSettings) -> Result<String, String> {
    let layer = settings.layer.and_then(|i| explanation.layers.get(i)).map(|l| l.layer.clone());
    let value = json!({
        "format": "ecglens-export-manifest/1",
        "app": "ecglens",
        "app_version": APP_VERSION,
        "record": explanation.record_name,
        "model": { "name": info.model_name, "version": info.model_version, "sha256": info.model_sha256 },
        "card_sha256": info.card_sha256,
        "atlas_sha256": info.atlas_sha256,
        "settings": {
            "layer": layer,
            "layout": settings.paper.layout.id(),
            "speed_mm_per_s": settings.paper.speed_mm_per_s,
            "gain_mm_per_mv": settings.paper.gain_mm_per_mv,
            "paper": settings.paper,
            "view": settings.view,
        },
        "csv_columns": ecglens_core::explain::CSV_HEADER,
    });
    serde_json::to_string_pretty(&value).map_err(|e| e.to_string())
}

/// A file name from a record name (no path separators or odd characters).
pub fn file_stem(record: &str) -> String {
    let s: String = record
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' })
        .collect();
    if s.is_empty() {
        "record".into()
    } else {
        s
    }
}
