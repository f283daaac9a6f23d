//! ecglens's pure core: what an ECG deep-learning model sees, as time-localized clusters of its activations,
//! without the model itself (that is `ecglens-engine`, the only crate with tract) and without the web.
//! Everything here runs natively and in wasm32, in the page and in the worker, and is tested natively.
//! See ARCHITECTURE.md.

pub mod batch;
pub mod bundle;
pub mod card;
pub mod clusters;
pub mod explain;
pub mod landmarks;
pub mod paper;
pub mod preprocess;
pub mod protocol;
pub mod session;
pub mod signal;
pub mod surrogate;

pub use card::ModelCard;
pub use clusters::Atlas;
pub use explain::{Explanation, LayerExplanation};
pub use signal::{Lead, Record};

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Signal(#[from] signal::SignalError),
    #[error(transparent)]
    Card(#[from] card::CardError),
    #[error(transparent)]
    Atlas(#[from] clusters::AtlasError),
    #[error(transparent)]
    Surrogate(#[from] surrogate::SurrogateError),
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
