//! Any sampling rate: a real PTB-XL lead at each common ECG rate (125, 250, 257, 300, 360, 400, 500, 1000 Hz)
//! brought to the model's 100 Hz equals SciPy's `resample_poly` (tests/fixtures/rates_reference.json, made by
//! tools/reference/make_rates.py).

use ecglens_core::signal::resample::{rational_ratio, resample_poly};

#[test]
fn every_common_rate_resamples_to_the_model_rate_as_scipy_does() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/rates_reference.json");
    let reference: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let model_hz = reference["model_hz"].as_f64().unwrap();
    let cases = reference["cases"].as_array().unwrap();
    let rates: Vec<u64> = cases.iter().map(|c| c["rate_hz"].as_u64().unwrap()).collect();
    assert_eq!(rates, [125, 250, 257, 300, 360, 400, 500, 1000]);
    for case in cases {
        let rate = case["rate_hz"].as_f64().unwrap();
        let floats =
            |key: &str| -> Vec<f64> { case[key].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect() };
        let (x, y) = (floats("x_mv"), floats("y_mv"));
        let (up, down) = rational_ratio(rate, model_hz).unwrap();
        assert_eq!(
            (up as u64, down as u64),
            (case["up"].as_u64().unwrap(), case["down"].as_u64().unwrap()),
            "{rate} Hz"
        );
        let ours = resample_poly(&x, up, down);
        assert_eq!(ours.len(), y.len(), "{rate} Hz: length");
        let worst = ours.iter().zip(&y).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-9, "{rate} Hz: max |error| {worst} mV against scipy");
        // The 4 s lead is 400 samples at the model rate whatever the original rate.
        assert_eq!(ours.len(), 400, "{rate} Hz");
    }
}
