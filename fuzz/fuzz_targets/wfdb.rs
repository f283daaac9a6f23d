//! Fuzzes the WFDB reader: header + signal-file parsing, and the annotation reader.
//!
//! Input layout: 2 bytes little-endian header length `h`, then `h` header bytes (clamped), then the
//! signal-file bytes (served for every file name the header gives). The whole input is also read as an
//! annotation file. Any panic, overflow (debug assertions are on) or runaway allocation is a bug.
//!
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run wfdb -s none -- -max_total_time=60`
#![no_main]

use libfuzzer_sys::fuzz_target;

use ecglens_core::{landmarks, signal};

fuzz_target!(|data: &[u8]| {
    if data.len() >= 2 {
        let h = usize::from(u16::from_le_bytes([data[0], data[1]])).min(data.len() - 2);
        let (header, dat) = data[2..].split_at(h);
        if let Ok(rec) = signal::wfdb::read_record_slices(header, &|_| Some(dat)) {
            assert!(rec.validate().is_ok());
            assert!(!rec.leads.is_empty());
        }
        if let Ok(text) = std::str::from_utf8(header) {
            // Any result will do here (the record read above checks the values): it must only not panic.
            signal::wfdb::parse_header(text).ok();
        }
    }
    if let Ok(anns) = signal::wfdb::read_annotations(data) {
        let waves = landmarks::waves(&anns);
        assert!(waves.iter().all(|w| w.start <= w.end));
    }
});
