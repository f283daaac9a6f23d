//! Any supported file, from bytes: [`sniff`](super::sniff) picks the reader by content, the reader returns an
//! [`Opened`]. The CLI and the worker both come through here.

use super::options::{ByteSource, ReadOptions};
use super::sniff::{self, Sniffed};
use super::source::{Format, Opened, PatientIdentity, SourceInfo};
use super::{aecg, delimited, dicom, edf, hdf5, matlab, muse, numpy, philips, scp, wfdb, SignalError};

/// The record name of a single-file format: the file name without folders and extension.
pub fn record_name(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => base.to_string(),
    }
}

/// The message of `error` for a user, naming `file` once: most readers' errors start with the file's name already.
pub fn message_for(file: &str, error: &SignalError) -> String {
    let message = error.to_string();
    if message.starts_with(file) {
        message
    } else {
        format!("{file}: {message}")
    }
}

/// Opens `file` (its name, for messages and the record's name) from its `bytes`. A WFDB header finds its signal
/// files through `sibling` (by the names its signal lines give); the other formats are one file each.
pub fn open<'a>(
    file: &str,
    bytes: &'a [u8],
    sibling: &dyn Fn(&str) -> Option<&'a [u8]>,
) -> Result<Opened, SignalError> {
    open_with(file, bytes, sibling, &ReadOptions::default())
}

/// [`open`] with what the file cannot say: the user's answers ([`ReadOptions`]) and which record of a
/// multi-record file.
pub fn open_with<'a>(
    file: &str,
    bytes: &'a [u8],
    sibling: &dyn Fn(&str) -> Option<&'a [u8]>,
    options: &ReadOptions,
) -> Result<Opened, SignalError> {
    let opened = match sniff::sniff(file, bytes, bytes.len() as u64) {
        Sniffed::Known(Format::Wfdb) => wfdb_opened(wfdb::read_record_slices(bytes, sibling)?),
        Sniffed::Known(format) => read_as_with(format, file, bytes, options)?,
        Sniffed::Unknown { looks_like } => {
            return Err(SignalError::Unrecognised { file: file.to_string(), looks_like })
        }
    };
    Ok(in_window(opened, options))
}

/// `opened` cut to `options.window` when the reader did not read only that stretch itself.
pub fn in_window(opened: Opened, options: &ReadOptions) -> Opened {
    match options.window {
        Some(window) if opened.source.window.is_none() => super::window::windowed(&opened, window),
        _ => opened,
    }
}

/// Opens a file on disk (native only): a WFDB header reads its signal files beside it; any other file is read
/// whole (at most [`MAX_FILE_BYTES`](super::limits::MAX_FILE_BYTES)) and sniffed. Also given a WFDB record's
/// `.dat`, it opens the `.hea` beside it.
#[cfg(not(target_arch = "wasm32"))]
pub fn open_path(path: &std::path::Path) -> Result<Opened, SignalError> {
    open_path_with(path, &ReadOptions::default())
}

/// The sidecar JSON of a data file (`x.json` beside `x.npy`, `x.csv`...), if there is one: what the file cannot
/// say ([`ReadOptions::from_sidecar`]). A model card (`*.card.json`) or an atlas is not a sidecar.
#[cfg(not(target_arch = "wasm32"))]
pub fn sidecar_of(path: &std::path::Path) -> Result<Option<ReadOptions>, SignalError> {
    let sidecar = path.with_extension("json");
    if sidecar == path || !sidecar.is_file() {
        return Ok(None);
    }
    let name = sidecar.display().to_string();
    let bytes = std::fs::read(&sidecar).map_err(|e| SignalError::Io { path: name.clone(), message: e.to_string() })?;
    ReadOptions::from_sidecar(&name, &bytes).map(Some)
}

/// [`open_path`] with the user's answers, over the sidecar's (see [`sidecar_of`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn open_path_with(path: &std::path::Path, options: &ReadOptions) -> Result<Opened, SignalError> {
    use std::io::Read;
    let options = match sidecar_of(path)? {
        Some(sidecar) => options.or(&sidecar),
        None => options.clone(),
    };
    let options = &options;
    let name = path.display().to_string();
    if sniff::is_wfdb_header_name(&name) {
        return wfdb::read_record_file(path).map(wfdb_opened);
    }
    if name.to_ascii_lowercase().ends_with(".dat") {
        let header = path.with_extension("hea");
        if header.is_file() {
            return wfdb::read_record_file(&header).map(wfdb_opened);
        }
    }
    // EDF, HDF5 and .npy are read a piece at a time, at any size.
    let disk = super::options::OnDisk::open(path)?;
    let head = disk.read_at(0, usize::try_from(disk.len().min(sniff::SNIFF_BYTES as u64)).unwrap_or(0))?;
    if let Sniffed::Known(format) = sniff::sniff(&name, &head, disk.len()) {
        if reads_from_source(format, &head) {
            return open_source(format, &name, &disk, options);
        }
    }
    let io = |e: std::io::Error| SignalError::Io { path: name.clone(), message: e.to_string() };
    let limit = super::limits::MAX_FILE_BYTES;
    let mut bytes = Vec::new();
    std::fs::File::open(path).map_err(io)?.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() > limit {
        return Err(SignalError::TooLarge {
            file: name,
            message: format!("it is larger than the {} MB ecglens reads", limit / 1_048_576),
        });
    }
    open_with(&name, &bytes, &|_| None, options)
}

/// A WFDB record as an [`Opened`]: the reader's own notes that warn (a checksum mismatch, joined segments, filled-in
/// samples) become warnings, and implausible amplitudes are flagged.
pub fn wfdb_opened(record: super::Record) -> Opened {
    let mut source = SourceInfo::new(Format::Wfdb, "");
    source.warnings = record.comments.iter().filter(|c| c.starts_with("ecglens:")).cloned().collect();
    let mut opened = Opened { record, source, patient: PatientIdentity::default() };
    plausibility(&mut opened);
    opened
}

/// Reads `bytes` with the reader of `format` (a single-file format; WFDB needs [`open`]).
pub fn read_as(format: Format, file: &str, bytes: &[u8]) -> Result<Opened, SignalError> {
    read_as_with(format, file, bytes, &ReadOptions::default())
}

/// [`read_as`] with the user's answers.
pub fn read_as_with(format: Format, file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    let opened = match format {
        Format::Edf => edf::read(file, bytes, options)?,
        Format::Csv => delimited::read(file, bytes, options)?,
        Format::Numpy => numpy::read(file, bytes, options)?,
        Format::Matlab => matlab::read(file, bytes, options)?,
        Format::Hdf5 => hdf5::read(file, bytes, options)?,
        Format::Dicom => dicom::read(file, bytes)?,
        Format::Hl7Aecg => aecg::read(file, bytes)?,
        Format::MuseXml => muse::read(file, bytes)?,
        Format::PhilipsXml => philips::read(file, bytes)?,
        Format::ScpEcg => scp::read(file, bytes)?,
        Format::Wfdb => {
            return Err(SignalError::Unsupported {
                file: file.to_string(),
                message: "a WFDB header needs its signal files: open it with them".into(),
            })
        }
    };
    finish(opened)
}

/// Whether `format` can be read through a [`ByteSource`] by [`open_source`], a piece at a time: EDF/BDF (the data
/// records of a window), `.npy` (one record of a batch) and HDF5 (one exam). `head`: the file's first bytes (an
/// `.npz` archive, also "NumPy", is read whole).
pub fn reads_from_source(format: Format, head: &[u8]) -> bool {
    piecewise(format, head.starts_with(b"PK"))
}

/// EDF/BDF, HDF5 and `.npy` (not an `.npz` archive) are read a piece at a time.
fn piecewise(format: Format, npz: bool) -> bool {
    matches!(format, Format::Edf | Format::Hdf5) || (format == Format::Numpy && !npz)
}

/// [`reads_from_source`] by the file's name, before it is read (an `.npz` is read whole): such a file may be of
/// any size.
pub fn read_piecewise(format: Format, file_name: &str) -> bool {
    piecewise(format, file_name.to_ascii_lowercase().ends_with(".npz"))
}

/// Opens a file of a [`reads_from_source`] format through `source` (a `File` in the worker, a file on disk),
/// reading only what `options` asks for: the window of an EDF recording, the record of a batch. Same checks and
/// warnings as [`read_as_with`].
pub fn open_source(
    format: Format,
    file: &str,
    source: &dyn ByteSource,
    options: &ReadOptions,
) -> Result<Opened, SignalError> {
    let opened = match format {
        Format::Edf => edf::read_source(file, source, options)?,
        Format::Numpy => numpy::read_source(file, source, options)?,
        Format::Hdf5 => hdf5::read_source(file, source, options)?,
        other => {
            return Err(SignalError::Unsupported {
                file: file.to_string(),
                message: format!("{} is read whole, not a piece at a time", other.label()),
            })
        }
    };
    finish(in_window(opened, options))
}

/// The checks every reader's result goes through: a valid record, and amplitudes no ECG has warned of.
fn finish(mut opened: Opened) -> Result<Opened, SignalError> {
    opened.record.validate()?;
    plausibility(&mut opened);
    Ok(opened)
}

/// Warns of amplitudes no ECG has (a wrong unit or gain in the file: [`quality`](super::quality)), without
/// changing them: one warning naming the leads, with the likely factor.
fn plausibility(opened: &mut Opened) {
    use super::quality::{implausible_amplitude, QualityFlag};
    let rate = opened.record.sample_rate_hz;
    // Only the amplitude check: the full per-lead assessment (`quality::assess`) runs once per explanation, not on
    // every read (it made reading 10× slower).
    let mut flagged: Vec<(String, QualityFlag)> = Vec::new();
    for lead in &opened.record.leads {
        if let Some(flag) = implausible_amplitude(&lead.samples_mv, rate) {
            flagged.push((lead.name.clone(), flag));
        }
    }
    if let Some((_, flag)) = flagged.first() {
        let names: Vec<&str> = flagged.iter().map(|(n, _)| n.as_str()).collect();
        let leads = if flagged.len() == opened.record.leads.len() {
            "every lead".to_string()
        } else {
            format!("lead(s) {}", names.join(", "))
        };
        opened.source.warnings.push(format!(
            "ecglens: implausible amplitude in {leads}: {}. The file's gain or units are probably wrong; the trace is shown as the file says",
            flag.describe()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_once() {
        let e = SignalError::Unsupported { file: "a.dcm".into(), message: "no".into() };
        assert_eq!(message_for("a.dcm", &e), "a.dcm: no");
        assert_eq!(message_for("b.dcm", &e), "b.dcm: a.dcm: no");
    }

    #[test]
    fn record_names() {
        assert_eq!(record_name("a/b/129DYPRG.XML"), "129DYPRG");
        assert_eq!(record_name("x.tar.gz"), "x.tar");
        assert_eq!(record_name(".hidden"), ".hidden");
        assert_eq!(record_name("plain"), "plain");
    }

    #[test]
    fn unknown_files_are_refused_with_what_they_look_like() {
        let e = open("report.pdf", b"%PDF-1.5 ...", &|_| None).unwrap_err();
        assert!(matches!(e, SignalError::Unrecognised { .. }));
        assert!(e.to_string().contains("report.pdf: not an ECG format ecglens reads; it looks like a PDF document"));
        let e = open("x.xml", b"<?xml version=\"1.0\"?><svg/>", &|_| None).unwrap_err().to_string();
        assert!(e.contains("XML with root <svg>"), "{e}");
    }
}
