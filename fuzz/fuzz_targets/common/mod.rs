//! What every research reader's fuzz target checks: any input gives a record that validates, or an `Err`; never a
//! panic, an overflow (debug assertions are on) or a runaway allocation. Both without options (the reader may ask
//! for the rate) and with every option answered (and a record index taken from the input).

use ecglens_core::signal::{Opened, ReadOptions, SignalError, Units};

pub fn check(read: fn(&str, &[u8], &ReadOptions) -> Result<Opened, SignalError>, data: &[u8]) {
    let answered = ReadOptions {
        sample_rate_hz: Some(500.0),
        leads: None,
        units: Some(Units::Microvolts),
        item: usize::from(data.first().copied().unwrap_or(0) % 4),
        window: None,
    };
    for options in [ReadOptions::default(), answered] {
        if let Ok(opened) = read("fuzz", data, &options) {
            assert!(opened.record.validate().is_ok());
        }
    }
}
