//! The page's wasm entry point (`<link data-site rel="page">` in index.html, built by scripts/build-site.mjs).

#[cfg(target_arch = "wasm32")]
fn main() {
    ecglens_web::run();
}

#[cfg(not(target_arch = "wasm32"))]
compile_error!("ecglens-web is the browser page: build it for wasm32 with `node scripts/build-site.mjs` (README.md)");
