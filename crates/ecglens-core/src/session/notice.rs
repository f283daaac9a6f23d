//! The notices (`data-testid=notice`): what just happened that the user should know, in words they can act on.
//! The latest replaces the one before.

use super::queue::Target;
use super::summary::short_sha256;
use crate::protocol::ReadyInfo;

/// While a model loads (also the model line before the first one is ready).
pub const LOADING_MODEL: &str = "Loading the model…";

/// The worker is ready but the site has no bundled examples.
pub const NO_EXAMPLES: &str = "No bundled examples: open your own WFDB files (.hea + .dat).";

/// A model switch asked for while records are waiting or running.
pub const WAIT_FOR_BATCH: &str = "Wait for the batch to finish, or cancel it, before switching models.";

/// The largest model file accepted (tract keeps the whole graph and weights in the worker's memory).
pub const MAX_MODEL_FILE_BYTES: f64 = 512.0 * 1_048_576.0;

const MB: f64 = 1_048_576.0;

/// Why the model file `name` of `size_bytes` is refused before it is read, if it is too large.
pub fn model_too_large(name: &str, size_bytes: f64) -> Option<String> {
    (size_bytes > MAX_MODEL_FILE_BYTES).then(|| {
        format!(
            "Your model could not be loaded: {name} is {:.0} MB, more than the {:.0} MB this app accepts.",
            size_bytes / MB,
            MAX_MODEL_FILE_BYTES / MB
        )
    })
}

/// A model is loaded: which one, and what that means for the batch.
pub fn model_loaded(info: &ReadyInfo) -> String {
    if info.is_default_model {
        format!("Back to the default model, {} {}.", info.model_name, info.model_version)
    } else {
        format!(
            "Now using your model {} {} (sha256 {}…){}. Records already in the batch keep the results of the model that explained them.",
            info.model_name,
            info.model_version,
            short_sha256(&info.model_sha256),
            if info.atlas_sha256.is_none() { ", without an atlas: no clusters" } else { "" }
        )
    }
}

/// A job for `target` failed with `message`. None for a record of the batch: its row says why.
pub fn job_failed(target: Target, message: &str) -> Option<String> {
    match target {
        Target::Row => None,
        Target::Example(_) => Some(format!("The example could not be read: {message}")),
        Target::Open(_) => Some(format!("The record could not be opened again: {message}")),
        Target::Model => {
            Some(format!("Your model could not be loaded: {message}. The previous model is still in use."))
        }
    }
}

/// Record `name` of the batch never reached the worker (its row shows the error too).
pub fn record_not_sent(name: &str, why: &str) -> String {
    format!("{name} could not be sent to the analysis worker: {why}. The other records go on.")
}

/// A file could not be read (a row's error, or part of another notice).
pub fn file_unreadable(name: &str, why: &str) -> String {
    format!("{name}: cannot read the file: {why}")
}

/// Files inside dropped or chosen folders that belong to no record.
pub fn ignored_in_folders(n_files: usize) -> String {
    format!("{n_files} file(s) in the folder(s) are not part of a WFDB record (.hea with its .dat) and were left out.")
}

/// A dropped folder held more files than are read.
pub fn folders_cut_short(max_files: usize) -> String {
    format!("Only the first {max_files} files of the dropped folders were read.")
}

/// A dropped folder could not be listed.
pub fn folder_unreadable(path: &str, why: &str) -> String {
    format!("Cannot read the folder {path}: {why}")
}

pub fn drawing_failed(why: &str) -> String {
    format!("Drawing failed: {why}")
}

pub fn export_failed(why: &str) -> String {
    format!("Export failed: {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_notices() {
        let mut info = ReadyInfo {
            model_name: "ecg-cnn".into(),
            model_version: "2".into(),
            model_sha256: "0123456789abcdef".into(),
            is_default_model: true,
            ..ReadyInfo::default()
        };
        assert_eq!(model_loaded(&info), "Back to the default model, ecg-cnn 2.");
        info.is_default_model = false;
        assert_eq!(
            model_loaded(&info),
            "Now using your model ecg-cnn 2 (sha256 0123456789ab…), without an atlas: no clusters. Records already in the batch keep the results of the model that explained them."
        );
        info.atlas_sha256 = Some("ff".into());
        assert!(model_loaded(&info).starts_with("Now using your model ecg-cnn 2 (sha256 0123456789ab…). Records"));
    }

    #[test]
    fn a_model_file_over_the_limit_is_refused() {
        assert_eq!(model_too_large("m.onnx", MAX_MODEL_FILE_BYTES), None);
        assert_eq!(
            model_too_large("huge.onnx", 600.0 * MB).as_deref(),
            Some("Your model could not be loaded: huge.onnx is 600 MB, more than the 512 MB this app accepts.")
        );
    }

    #[test]
    fn failures_by_target() {
        assert_eq!(job_failed(Target::Row, "bad"), None);
        assert_eq!(job_failed(Target::Example(2), "bad").as_deref(), Some("The example could not be read: bad"));
        assert_eq!(job_failed(Target::Open(9), "bad").as_deref(), Some("The record could not be opened again: bad"));
        assert_eq!(
            job_failed(Target::Model, "cannot load broken.onnx").as_deref(),
            Some("Your model could not be loaded: cannot load broken.onnx. The previous model is still in use.")
        );
        assert_eq!(
            record_not_sent("ward/late", "DataCloneError"),
            "ward/late could not be sent to the analysis worker: DataCloneError. The other records go on."
        );
    }

    #[test]
    fn file_and_folder_notices() {
        assert_eq!(file_unreadable("a.dat", "NotReadableError"), "a.dat: cannot read the file: NotReadableError");
        assert_eq!(
            ignored_in_folders(2),
            "2 file(s) in the folder(s) are not part of a WFDB record (.hea with its .dat) and were left out."
        );
        assert_eq!(folders_cut_short(100_000), "Only the first 100000 files of the dropped folders were read.");
        assert_eq!(folder_unreadable("/ward", "gone"), "Cannot read the folder /ward: gone");
        assert_eq!(drawing_failed("no context"), "Drawing failed: no context");
        assert_eq!(export_failed("no canvas"), "Export failed: no canvas");
    }
}
