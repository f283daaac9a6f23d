//! Fuzzes the DICOM waveform reader: any input must give a record that validates, or an `Err`; never a panic, an
//! overflow (debug assertions are on) or a runaway allocation.
//!
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run dicom -s none -- -runs=1000000`
#![no_main]

use libfuzzer_sys::fuzz_target;

use ecglens_core::signal;

fuzz_target!(|data: &[u8]| {
    if let Ok(opened) = signal::dicom::read("fuzz", data) {
        assert!(opened.record.validate().is_ok());
    }
});
