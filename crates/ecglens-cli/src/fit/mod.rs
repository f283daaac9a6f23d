//! Native only: fitting an atlas over a reference set of real ECGs (k-means with linfa), training the
//! surrogate, evaluating fidelity (the paper's table) and naming clusters after ECG landmarks (LUDB).
//!
//! * [`data`] — PTB-XL labels, folds and records; ptbxl-extra's `.npy` windows.
//! * [`infer`] — each record through the model once ([`Inferred`]).
//! * [`kmeans`] — normalisation, row sampling and k-means per layer; assembling an [`Atlas`].
//! * [`calibrate`] — entropy temperature per layer on k-means refits.
//! * [`evaluate`] — cluster-proportion features, surrogates, fidelity, AUROC: the paper's table.
//! * [`landmarks`] — cluster names from LUDB's P/QRS/T/TP.

mod calibrate;
mod data;
mod evaluate;
mod infer;
mod kmeans;
mod landmarks;
#[cfg(test)]
mod tests;

pub use calibrate::*;
pub use data::*;
pub use evaluate::*;
pub use infer::*;
pub use kmeans::*;
pub use landmarks::*;

use std::path::Path;

/// Errors of the fitting tools (reading the datasets).
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    #[error("{path}: {reason}")]
    Data { path: String, reason: String },
    #[error(transparent)]
    Engine(#[from] ecglens_engine::Error),
    #[error("k-means failed: {0}")]
    KMeans(String),
    #[error("the reference set is empty: no record to fit or evaluate on")]
    EmptyReference,
    #[error("no K was fitted (give --k a number, or auto)")]
    NoK,
    #[error("this needs an atlas (--atlas), and none is loaded")]
    NoAtlas,
}

pub(crate) fn data_err(path: &Path, reason: impl ToString) -> FitError {
    FitError::Data { path: path.display().to_string(), reason: reason.to_string() }
}
