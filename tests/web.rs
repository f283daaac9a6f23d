//! wasm tests, run in headless Chromium: `cargo test --target wasm32-unknown-unknown --test web`
//! (runner configured in .cargo/config.toml; scripts/test.sh sets CHROMEDRIVER). Natively this file is empty.
#![cfg(target_arch = "wasm32")]

use ecglens::web::header_signal_files;
use ecglens::web::protocol::{parse_example_index, sibling, Request, Response};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ONNX: &[u8] = include_bytes!("../www/models/default.onnx");
const CARD: &[u8] = include_bytes!("../www/models/default.card.json");
const HEA: &[u8] = include_bytes!("../www/examples/00203_hr.hea");
const DAT: &[u8] = include_bytes!("../www/examples/00203_hr.dat");

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
    let (shipped, _) = parse_example_index(include_bytes!("../www/examples/index.json")).unwrap();
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
    let r = Request::Record { id: 7, header: "a.hea".into() };
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<Request>(&json).unwrap(), r);
    let f = Response::Failed { id: 7, message: "bad".into() };
    assert_eq!(serde_json::from_str::<Response>(&serde_json::to_string(&f).unwrap()).unwrap(), f);
}

/// tract runs the shipped model in the browser, and the CSV export is the CLI's format.
#[wasm_bindgen_test]
fn engine_explains_an_example_in_wasm() {
    let engine = ecglens::Engine::new(ONNX, CARD, None).expect("engine");
    let record = ecglens::web::wfdb_read(HEA, "00203_hr.hea", &|name: &str| match name {
        "00203_hr.dat" => Some(DAT.to_vec()),
        _ => None,
    })
    .expect("record");
    let e = engine.explain(&record).expect("explanation");
    assert_eq!(e.cnn_probabilities.len(), e.classes.len());
    assert!(e.cnn_probabilities.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)));
    let csv = ecglens::web::export::csv(&e);
    assert!(csv.starts_with("record,layer,sample,time_s,cluster,entropy\n"));
    assert_eq!(csv, e.to_csv());
    let json = ecglens::web::export::json(&e);
    assert!(!json.contains("signal_mv"));
}

/// A bad file is an error, never a panic.
#[wasm_bindgen_test]
fn corrupt_record_is_an_error() {
    let r = ecglens::web::wfdb_read(b"\x00\xffgarbage", "bad.hea", &|_| None);
    assert!(r.is_err());
    let r = ecglens::web::wfdb_read(HEA, "00203_hr.hea", &|_| Some(vec![1, 2, 3]));
    assert!(r.is_err());
}

/// The paper renderer draws ink on a real canvas.
#[wasm_bindgen_test]
fn canvas_draws_the_trace() {
    let engine = ecglens::Engine::new(ONNX, CARD, None).expect("engine");
    let record = ecglens::web::wfdb_read(HEA, "00203_hr.hea", &|_| Some(DAT.to_vec())).expect("record");
    let e = engine.explain(&record).expect("explanation");
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    div.set_attribute("id", "t").unwrap();
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").unwrap().unchecked_into();
    div.append_child(&canvas).unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    canvas.style().set_property("width", "1000px").unwrap();
    ecglens::web::canvas::draw_ecg(&canvas, &e, None, &Default::default(), &Default::default()).unwrap();
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let data = ctx.get_image_data(0.0, 0.0, canvas.width() as f64, canvas.height() as f64).unwrap().data();
    let dark = data.chunks(4).filter(|p| p[0] < 80 && p[1] < 80 && p[2] < 80 && p[3] > 0).count();
    assert!(dark > 1000, "only {dark} dark pixels");
}
