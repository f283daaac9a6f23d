//! Fuzzes the numpy reader: any input must give a record that validates, or an `Err`; never a panic, an
//! overflow (debug assertions are on) or a runaway allocation. Both without options (the reader may ask for
//! the rate) and with every option answered.
//!
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run numpy -s none -- -runs=1000000`
#![no_main]

use libfuzzer_sys::fuzz_target;

use ecglens_core::signal::{self, ReadOptions, Units};

fuzz_target!(|data: &[u8]| {
    let answered = ReadOptions {
        sample_rate_hz: Some(500.0),
        leads: None,
        units: Some(Units::Microvolts),
        item: usize::from(data.first().copied().unwrap_or(0) % 4),
        window: None,
    };
    for options in [ReadOptions::default(), answered] {
        if let Ok(opened) = signal::numpy::read("fuzz", data, &options) {
            assert!(opened.record.validate().is_ok());
        }
    }
});
