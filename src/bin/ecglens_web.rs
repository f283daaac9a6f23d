//! The page's wasm entry point (Trunk `data-bin="ecglens-web"`). A no-op natively, so `cargo build` works.

#[cfg(target_arch = "wasm32")]
fn main() {
    ecglens::web::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("ecglens-web is the browser app: build it with `trunk build --release` (see README.md).");
}
