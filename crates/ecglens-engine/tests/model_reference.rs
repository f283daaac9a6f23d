//! The shipped model, run by tract, against references computed by PyTorch and onnxruntime
//! (tests/fixtures/fold10_*, made by training/ecglens_train — see training/README.md).

use ecglens_engine::Engine;
use ndarray::Array2;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn engine() -> Engine {
    let onnx = std::fs::read(root().join("www/models/default.onnx")).unwrap();
    let card = std::fs::read(root().join("www/models/default.card.json")).unwrap();
    Engine::new(&onnx, &card, None).unwrap()
}

#[test]
fn tract_logits_equal_pytorch_and_onnxruntime_on_the_test_fold() {
    let engine = engine();
    let reference: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("tests/fixtures/fold10_reference.json")).unwrap()).unwrap();
    let bytes = std::fs::read(root().join("tests/fixtures/fold10_inputs.f32")).unwrap();
    let values: Vec<f32> = bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let (leads, samples) = (engine.card.input.leads.len(), engine.card.input.n_samples);
    let n = reference["n"].as_u64().unwrap() as usize;
    assert_eq!(values.len(), n * leads * samples);
    assert!(n >= 10, "the fixture should hold the test fold, not a token record");
    let mut worst = 0f32;
    for record in 0..n {
        let window = &values[record * leads * samples..(record + 1) * leads * samples];
        let input = Array2::from_shape_vec((leads, samples), window.to_vec()).unwrap();
        let output = engine.model().run(input.view()).unwrap();
        for runtime in ["torch_logits", "onnxruntime_logits"] {
            let expected = &reference[runtime][record];
            for (class, got) in output.logits.iter().enumerate() {
                let want = expected[class].as_f64().unwrap() as f32;
                worst = worst.max((got - want).abs());
                assert!(
                    (got - want).abs() < 1e-4,
                    "record {record} class {class} ({runtime}): tract {got}, reference {want}"
                );
            }
        }
    }
    eprintln!("{n} records, worst |tract − reference| = {worst:e}");
}

#[test]
fn taps_have_the_shapes_and_strides_the_card_states() {
    let engine = engine();
    let input = Array2::<f32>::zeros((engine.card.input.leads.len(), engine.card.input.n_samples));
    let output = engine.model().run(input.view()).unwrap();
    assert_eq!(output.taps.len(), 3, "the last three residual blocks are tapped");
    for (tap, matrix) in engine.card.taps.iter().zip(&output.taps) {
        assert_eq!(matrix.dim(), (tap.channels, tap.steps), "{}", tap.name);
        let step_ms = 1000.0 * tap.stride as f64 / engine.card.input.sample_rate_hz;
        assert!(tap.steps * tap.stride >= engine.card.input.n_samples - tap.stride, "{} covers the input", tap.name);
        assert!(step_ms <= 80.0 + 1e-9, "{} step {step_ms} ms", tap.name);
    }
    let finest = engine.card.taps.iter().map(|t| t.stride).min().unwrap() as f64 / engine.card.input.sample_rate_hz;
    assert!(finest <= 0.040 + 1e-9, "finest tapped layer steps {finest} s: P, QRS and T must be separable");
}

#[test]
fn a_model_that_does_not_match_its_card_is_refused() {
    let onnx = std::fs::read(root().join("www/models/default.onnx")).unwrap();
    let card_text = std::fs::read_to_string(root().join("www/models/default.card.json")).unwrap();
    let mut card: serde_json::Value = serde_json::from_str(&card_text).unwrap();
    card["taps"][0]["output"] = "no_such_layer".into();
    let err = Engine::new(&onnx, card.to_string().as_bytes(), None).err().expect("unknown tap must be refused");
    assert!(err.to_string().contains("no_such_layer"), "{err}");

    let mut card: serde_json::Value = serde_json::from_str(&card_text).unwrap();
    card["taps"][1]["channels"] = 7.into();
    let err = Engine::new(&onnx, card.to_string().as_bytes(), None).err().expect("wrong channel count must be refused");
    assert!(err.to_string().contains("does not match its card"), "{err}");

    let err = Engine::new(b"not an onnx model", card_text.as_bytes(), None).err().expect("garbage must be refused");
    assert!(err.to_string().contains("not a valid ONNX model"), "{err}");
    let truncated = &onnx[..onnx.len() / 2];
    assert!(Engine::new(truncated, card_text.as_bytes(), None).is_err());
}
