//! The Web Worker's wasm entry point (`<link data-site rel="worker">` in index.html, built by scripts/build-site.mjs).

#[cfg(target_arch = "wasm32")]
fn main() {
    ecglens_worker::run();
}

/// The worker's wasm memory in bytes: what the long-recording benchmark reads (`tests/e2e/bench.mjs holter`, as
/// `wasm_bindgen.wasm_memory_bytes()` in the worker).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

#[cfg(not(target_arch = "wasm32"))]
compile_error!("ecglens-worker runs inside the browser app: build it for wasm32 with `node scripts/build-site.mjs`");
