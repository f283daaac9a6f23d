//! The Web Worker's wasm entry point (Trunk `data-type="worker"`). A no-op natively, so `cargo build` works.

#[cfg(target_arch = "wasm32")]
fn main() {
    ecglens::web::run_worker();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("ecglens-worker runs inside the browser app: build it with `trunk build --release` (see README.md).");
}
