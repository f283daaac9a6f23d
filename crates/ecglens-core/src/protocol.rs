//! Messages between the page (UI) and the Web Worker that owns the [`crate::Engine`].
//!
//! Every message is a JS object `{ msg: <JSON string>, files: [{ name, bytes: Uint8Array }, ...] }`:
//! the JSON carries the small typed part (serde), the byte arrays travel as transferable buffers.

use serde::{Deserialize, Serialize};

/// The page's requests to the worker.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// Explain one of the bundled examples (prefetched by the worker before it reported `Ready`).
    Example { id: u64, index: usize },
    /// Explain a user's record: `header` names its main file among the attached files: a WFDB `.hea`, or the one
    /// file of another format (DICOM, HL7 aECG, MUSE, Philips, SCP-ECG: recognised by content).
    /// `options`: the user's answers to what the file cannot say, and which record of a multi-record file.
    Record {
        id: u64,
        header: String,
        #[serde(default, skip_serializing_if = "is_default")]
        options: crate::signal::ReadOptions,
    },
    /// Switch models: the attached files (an `.onnx`, its card, optionally an atlas; see `crate::bundle`), or the
    /// site's default model again when `default` (kept in memory since start: no request).
    LoadModel { id: u64, default: bool },
    /// Makes the worker panic (the e2e test of panic reporting: `?ecglens-test-panic=worker`).
    TestPanic,
}

/// The worker's answers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    /// Model, card, atlas and every example are loaded: no more network from here on.
    Ready(ReadyInfo),
    /// The explanation of request `id` (boxed: it is large). `patient` is the identity the file carries (shown on screen only, behind a toggle; never in an export).
    Explained {
        id: u64,
        explanation: Box<crate::Explanation>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patient: Option<crate::signal::PatientIdentity>,
        elapsed_ms: f64,
        /// Of `elapsed_ms`, the time spent reading the file(s) into a record (sniffing and parsing).
        #[serde(default)]
        parse_ms: f64,
        /// For the first window of a long recording: the whole recording's envelope, for the overview strip.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overview: Option<Box<crate::signal::overview::Overview>>,
    },
    /// The model of request `id` is loaded and in use from now on.
    ModelLoaded { id: u64, info: ReadyInfo },
    /// The file of request `id` does not say something ecglens needs (its rate, lead names, units): the page asks
    /// the user (`questions`, each with a suggestion) and sends the request again with the answers.
    NeedsInput { id: u64, questions: Vec<crate::signal::Question>, message: String },
    /// Request `id` failed (bad file, unreadable record...): the batch goes on.
    Failed { id: u64, message: String },
    /// The worker cannot go on (model failed to load, or a panic).
    Fatal { message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ReadyInfo {
    pub model_name: String,
    pub model_version: String,
    pub model_sha256: String,
    pub card_sha256: String,
    /// None when `models/default.atlas.json` is missing: the app runs without clusters.
    pub atlas_sha256: Option<String>,
    pub classes: Vec<String>,
    pub layers: Vec<String>,
    pub examples: Vec<ExampleMeta>,
    /// Attribution of the bundled examples (e.g. PTB-XL's licence line).
    pub attribution: String,
    pub load_ms: f64,
    /// The site's default model (false after the user loaded their own).
    #[serde(default = "default_true")]
    pub is_default_model: bool,
}

fn is_default(options: &crate::signal::ReadOptions) -> bool {
    *options == crate::signal::ReadOptions::default()
}

fn default_true() -> bool {
    true
}

/// One bundled example (from `examples/index.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ExampleMeta {
    pub name: String,
    pub header: String,
    pub files: Vec<String>,
    pub superclass: String,
    pub title: String,
}

/// Reads `examples/index.json` leniently: either a list of entries or `{ "examples": [...], "attribution": ... }`;
/// an entry is a record name string or an object with `name`/`record`/`file`, optional `hea`/`header`, `dat`/`files`,
/// `superclass`/`label`/`class`, `title`/`description`.
pub fn parse_example_index(json: &[u8]) -> Result<(Vec<ExampleMeta>, String), String> {
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| format!("examples/index.json is not valid JSON: {e}"))?;
    let (list, attribution) = match &value {
        serde_json::Value::Array(list) => (list.clone(), String::new()),
        serde_json::Value::Object(map) => {
            let list = map
                .get("examples")
                .or_else(|| map.get("records"))
                .and_then(|v| v.as_array())
                .cloned()
                .ok_or("examples/index.json has no \"examples\" list")?;
            let attribution = ["attribution", "license", "licence", "source"]
                .iter()
                .filter_map(|k| map.get(*k))
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" · ");
            (list, attribution)
        }
        _ => return Err("examples/index.json must be a list or an object".into()),
    };
    let mut out = Vec::new();
    for entry in list {
        let str_of = |keys: &[&str]| -> Option<String> {
            keys.iter().find_map(|k| entry.get(*k)).map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join("+"),
                other => other.to_string(),
            })
        };
        let (name, header) = match &entry {
            serde_json::Value::String(s) => {
                let name = s.trim_end_matches(".hea").to_string();
                (name.clone(), format!("{name}.hea"))
            }
            _ => {
                let header = str_of(&["hea", "header", "header_file"]);
                let name = str_of(&["name", "record", "file", "id"])
                    .or_else(|| header.as_ref().map(|h| h.trim_end_matches(".hea").to_string()))
                    .ok_or("an entry of examples/index.json has no name")?;
                let header = header.unwrap_or_else(|| format!("{name}.hea"));
                (name, header)
            }
        };
        let mut files = vec![header.clone()];
        let dat_keys = ["dat", "files", "signals", "data"];
        for key in dat_keys {
            match entry.get(key) {
                Some(serde_json::Value::String(s)) => files.push(s.clone()),
                Some(serde_json::Value::Array(a)) => {
                    files.extend(a.iter().filter_map(|x| x.as_str()).map(str::to_string))
                }
                _ => {}
            }
        }
        files.dedup();
        let superclass = str_of(&["superclass", "superclasses", "label", "labels", "class"]).unwrap_or_default();
        let title = str_of(&["title", "description", "caption", "report"]).unwrap_or_default();
        out.push(ExampleMeta { name, header, files, superclass, title });
    }
    Ok((out, attribution))
}

/// The directory part of a path inside `examples/` (so `a/b.hea` finds `a/b.dat`).
pub fn sibling(path: &str, file: &str) -> String {
    match path.rfind('/') {
        Some(i) => format!("{}/{}", &path[..i], file),
        None => file.to_string(),
    }
}
