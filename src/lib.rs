//! ecglens — what an ECG deep-learning model sees, as time-localized clusters of its activations.
//!
//! The core (`signal`, `card`, `preprocess`, `model`, `clusters`, `surrogate`, `explain`) has no web
//! dependency and is tested natively; `web` is the thin wasm32-only UI layer. See ARCHITECTURE.md.

pub mod batch;
pub mod bundle;
pub mod card;
pub mod clusters;
pub mod explain;
pub mod landmarks;
/// tract inference: behind the default `inference` feature, so the page's wasm (which only draws) does not link tract.
#[cfg(feature = "inference")]
pub mod model;
pub mod paper;
pub mod preprocess;
pub mod signal;
pub mod surrogate;

#[cfg(all(not(target_arch = "wasm32"), feature = "inference"))]
pub mod fit;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use card::ModelCard;
pub use clusters::Atlas;
#[cfg(feature = "inference")]
pub use explain::Engine;
pub use explain::{Explanation, LayerExplanation};
pub use signal::{Lead, Record};

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Signal(#[from] signal::SignalError),
    #[error(transparent)]
    Card(#[from] card::CardError),
    #[cfg(feature = "inference")]
    #[error(transparent)]
    Model(#[from] model::ModelError),
    #[error(transparent)]
    Atlas(#[from] clusters::AtlasError),
    #[error(transparent)]
    Surrogate(#[from] surrogate::SurrogateError),
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
