//! The worker's wasm tests, run in headless Chromium: `cargo test --target wasm32-unknown-unknown -p ecglens-worker`.
//! tract runs the shipped model in the browser exactly as natively.
#![cfg(target_arch = "wasm32")]

use ecglens_core::signal::wfdb;
use ecglens_engine::Engine;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ONNX: &[u8] = include_bytes!("../../../www/models/default.onnx");
const CARD: &[u8] = include_bytes!("../../../www/models/default.card.json");
const ATLAS: &[u8] = include_bytes!("../../../www/models/default.atlas.json");
const HEA: &[u8] = include_bytes!("../../../www/examples/00203_hr.hea");
const DAT: &[u8] = include_bytes!("../../../www/examples/00203_hr.dat");

fn record() -> ecglens_core::Record {
    wfdb::read_record(HEA, &|name: &str| (name == "00203_hr.dat").then(|| DAT.to_vec())).expect("record")
}

/// tract runs the shipped model in wasm; the CSV is the CLI's format.
#[wasm_bindgen_test]
fn engine_explains_an_example_in_wasm() {
    let engine = Engine::new(ONNX, CARD, None).expect("engine");
    let e = engine.explain(&record()).expect("explanation");
    assert_eq!(e.cnn_probabilities.len(), e.classes.len());
    assert!(e.cnn_probabilities.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)));
    assert!(e.to_csv().starts_with("record,layer,sample,time_s,cluster,entropy\n"));
}

/// With the shipped atlas: every layer of clusters and the surrogate, one cluster per original sample.
#[wasm_bindgen_test]
fn engine_with_the_atlas_clusters_every_sample_in_wasm() {
    let engine = Engine::new(ONNX, CARD, Some(ATLAS)).expect("engine with atlas");
    let e = engine.explain(&record()).expect("explanation");
    assert!(!e.layers.is_empty());
    for layer in &e.layers {
        assert_eq!(layer.cluster.len(), e.n_samples);
        assert!(layer.cluster.iter().all(|&c| (c as usize) < layer.k));
        assert!(layer.entropy.iter().all(|h| (0.0..=layer.max_entropy + 1e-5).contains(h)));
    }
    assert!(e.surrogate.is_some());
}
