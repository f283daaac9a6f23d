//! The Web Worker's wasm entry point (Trunk `data-type="worker"` in index.html).

#[cfg(target_arch = "wasm32")]
fn main() {
    ecglens_worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
compile_error!("ecglens-worker runs inside the browser app: build it for wasm32 with `trunk build --release`");
