//! The page's wasm tests, run in headless Chromium: `cargo test --target wasm32-unknown-unknown -p ecglens-web`
//! (runner configured in .cargo/config.toml; scripts/test.sh sets CHROMEDRIVER). The page has no engine, so the
//! explanations drawn here are built from a real record's leads (the engine's own wasm test is in ecglens-worker).
#![cfg(target_arch = "wasm32")]

use ecglens_core::batch::header_signal_files;
use ecglens_core::explain::{Explanation, LayerExplanation};
use ecglens_core::protocol::{parse_example_index, sibling, Request, Response};
use ecglens_core::signal::wfdb;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const HEA: &[u8] = include_bytes!("../../../www/examples/00203_hr.hea");
const DAT: &[u8] = include_bytes!("../../../www/examples/00203_hr.dat");

#[wasm_bindgen_test]
fn example_index_variants() {
    let (a, _) = parse_example_index(br#"["00001_lr", "x.hea"]"#).unwrap();
    assert_eq!(a[0].header, "00001_lr.hea");
    assert_eq!(a[1].name, "x");
    let (b, attribution) = parse_example_index(
        br#"{"attribution":"PTB-XL, CC BY 4.0","examples":[{"record":"r1","hea":"r1.hea","dat":"r1.dat","superclass":["MI","STTC"]}]}"#,
    )
    .unwrap();
    assert_eq!(attribution, "PTB-XL, CC BY 4.0");
    assert_eq!(b[0].files, vec!["r1.hea", "r1.dat"]);
    assert_eq!(b[0].superclass, "MI+STTC");
    // The shipped index (PTB-XL fields: file, superclass, report).
    let (shipped, _) = parse_example_index(include_bytes!("../../../www/examples/index.json")).unwrap();
    assert!(!shipped.is_empty());
    assert!(shipped.iter().all(|e| e.header.ends_with(".hea")));
    assert!(parse_example_index(b"{").is_err());
    assert_eq!(sibling("a/b.hea", "b.dat"), "a/b.dat");
}

#[wasm_bindgen_test]
fn header_names_its_signal_files() {
    assert_eq!(header_signal_files(HEA), vec!["00203_hr.dat".to_string()]);
    assert!(header_signal_files(b"").is_empty());
    assert!(header_signal_files(b"rec 1 500 10\n../etc/passwd 16 200 16 0 0 0 0 I\n").is_empty());
}

#[wasm_bindgen_test]
fn protocol_round_trip() {
    let r = Request::Record { id: 7, header: "a.hea".into(), options: Default::default() };
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<Request>(&json).unwrap(), r);
    let f = Response::Failed { id: 7, message: "bad".into() };
    assert_eq!(serde_json::from_str::<Response>(&serde_json::to_string(&f).unwrap()).unwrap(), f);
}

/// The example record as the page receives it from the worker, with one layer of clusters (every 100th sample
/// starts a new cluster of three) so that the CSV has rows and the canvas has bands.
fn explanation() -> Explanation {
    let record = wfdb::read_record(HEA, &|name: &str| (name == "00203_hr.dat").then(|| DAT.to_vec())).expect("record");
    let n = record.n_samples();
    let cluster: Vec<u8> = (0..n).map(|i| ((i / 100) % 3) as u8).collect();
    Explanation {
        record_name: record.name.clone(),
        sample_rate_hz: record.sample_rate_hz,
        n_samples: n,
        leads: record.leads.iter().map(|l| l.name.clone()).collect(),
        signal_mv: record.leads.iter().map(|l| l.samples_mv.clone()).collect(),
        windows: 1,
        classes: vec!["NORM".into()],
        cnn_probabilities: vec![0.9],
        cnn_positive: vec![true],
        layers: vec![LayerExplanation {
            layer: "block2".into(),
            k: 3,
            cluster_names: vec!["QRS".into(), "T".into(), "TP".into()],
            proportions: ecglens_core::clusters::proportions(&cluster, 3),
            cluster,
            entropy: vec![0.25; n],
            mean_entropy: 0.25,
            max_entropy: 3f32.ln(),
        }],
        surrogate: None,
        annotations: Vec::new(),
        source: None,
        withheld: None,
        lead_set: None,
        quality: Vec::new(),
    }
}

/// The CSV export is the CLI's format, and the JSON export leaves the signal out.
#[wasm_bindgen_test]
fn exports_are_the_cli_formats() {
    let e = explanation();
    let csv = ecglens_web::export::csv(&e);
    assert!(csv.starts_with("record,layer,sample,time_s,cluster,entropy\n"));
    assert_eq!(csv, e.to_csv());
    assert_eq!(csv.lines().count(), 1 + e.n_samples);
    let json = ecglens_web::export::json(&e, None).unwrap();
    assert!(!json.contains("signal_mv"));
    assert!(json.contains("\"cluster_names\""));
    assert!(!json.contains("\"patient\""));
    // Only when the user asks for it.
    let patient = ecglens_core::signal::PatientIdentity { name: Some("DOE^JANE".into()), ..Default::default() };
    let json = ecglens_web::export::json(&e, Some(&patient)).unwrap();
    assert!(json.contains("\"patient\"") && json.contains("DOE^JANE"));
}

/// A bad file is an error, never a panic.
#[wasm_bindgen_test]
fn corrupt_record_is_an_error() {
    assert!(wfdb::read_record(b"\x00\xffgarbage", &|_| None).is_err());
    assert!(wfdb::read_record(HEA, &|_| Some(vec![1, 2, 3])).is_err());
}

/// The paper renderer draws ink on a real canvas.
#[wasm_bindgen_test]
fn canvas_draws_the_trace() {
    let e = explanation();
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    div.set_attribute("id", "t").unwrap();
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").unwrap().unchecked_into();
    div.append_child(&canvas).unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    canvas.style().set_property("width", "1000px").unwrap();
    ecglens_web::canvas::draw_ecg(&canvas, &e, Some(0), &Default::default(), &Default::default()).unwrap();
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let data = ctx.get_image_data(0.0, 0.0, canvas.width() as f64, canvas.height() as f64).unwrap().data();
    let dark = data.chunks(4).filter(|p| p[0] < 80 && p[1] < 80 && p[2] < 80 && p[3] > 0).count();
    assert!(dark > 1000, "only {dark} dark pixels");
}
