//! Fuzzes the delimited reader (the checks: `common::check`).
//!
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run delimited -s none -- -runs=1000000`
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::check(ecglens_core::signal::delimited::read, data));
