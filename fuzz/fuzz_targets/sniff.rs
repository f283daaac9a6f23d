//! Fuzzes the dispatch: sniffing by content and whichever reader it picks (`signal::open`), including the root
//! element scanner and the XML text decoder.
//!
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run sniff -s none -- -runs=1000000`
#![no_main]

use libfuzzer_sys::fuzz_target;

use ecglens_core::signal;

fuzz_target!(|data: &[u8]| {
    signal::sniff::sniff("fuzz", data, data.len() as u64);
    signal::xml::root_element(data);
    if let Ok(opened) = signal::open("fuzz", data, &|_| None) {
        assert!(opened.record.validate().is_ok());
    }
});
