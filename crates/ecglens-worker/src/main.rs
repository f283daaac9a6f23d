//! The Web Worker's wasm entry point (`<link data-site rel="worker">` in index.html, built by scripts/build-site.mjs).

#[cfg(target_arch = "wasm32")]
fn main() {
    ecglens_worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
compile_error!("ecglens-worker runs inside the browser app: build it for wasm32 with `node scripts/build-site.mjs`");
