//! The page's wasm entry point (Trunk `data-bin="ecglens-web"` in index.html).

#[cfg(target_arch = "wasm32")]
fn main() {
    ecglens_web::run();
}

#[cfg(not(target_arch = "wasm32"))]
compile_error!("ecglens-web is the browser page: build it for wasm32 with `trunk build --release` (README.md)");
