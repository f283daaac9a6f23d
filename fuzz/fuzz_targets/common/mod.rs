//! What every research reader's fuzz target checks: any input gives a record that validates, or an `Err`; never a
//! panic, an overflow (debug assertions are on) or a runaway allocation. Three ways: without options (the reader may ask
//! for the rate), with every option answered (and a record index taken from the input), and for a window.

use ecglens_core::signal::{Opened, ReadOptions, SignalError, Units};

pub fn check(read: fn(&str, &[u8], &ReadOptions) -> Result<Opened, SignalError>, data: &[u8]) {
    let answered = ReadOptions {
        sample_rate_hz: Some(500.0),
        leads: None,
        units: Some(Units::Microvolts),
        item: usize::from(data.first().copied().unwrap_or(0) % 4),
        window: None,
    };
    // A window (EDF reads only its data records): from 0 to 63 s into the recording, 10 s long.
    let windowed = ReadOptions {
        window: Some(ecglens_core::signal::TimeWindow {
            start_s: f64::from(data.get(1).copied().unwrap_or(0) % 64),
            duration_s: 10.0,
        }),
        ..answered.clone()
    };
    for options in [ReadOptions::default(), answered, windowed] {
        if let Ok(opened) = read("fuzz", data, &options) {
            assert!(opened.record.validate().is_ok());
        }
    }
}
