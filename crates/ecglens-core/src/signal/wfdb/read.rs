//! Reading a record's signals from the files its header names, converted to millivolts.

use std::borrow::Cow;

use super::formats::{bytes_for, invalid_code, sample_at, values_in};
use super::header::{header_text, parse_header_named, Header, SignalSpec};
use super::{MAX_INVALID_FRACTION, SUPPORTED_FORMATS};
use crate::signal::limits::{MAX_DURATION_S, MAX_FILE_BYTES, MAX_TOTAL_SAMPLES};
use crate::signal::{Lead, Record, SignalError};

/// Reads a record from its header bytes and a lookup of its signal files by the names the header gives.
///
/// `dat` is called once per distinct file name. See the module documentation for what is accepted.
/// The returned record has passed [`Record::validate`].
pub fn read_record(header_bytes: &[u8], dat: &dyn Fn(&str) -> Option<Vec<u8>>) -> Result<Record, SignalError> {
    read_record_cow(header_bytes, &|name| dat(name).map(Cow::Owned))
}

/// [`read_record`] with borrowed signal files (no copy; for a browser holding dropped files in memory).
pub fn read_record_slices<'a>(
    header_bytes: &[u8],
    dat: &dyn Fn(&str) -> Option<&'a [u8]>,
) -> Result<Record, SignalError> {
    read_record_cow(header_bytes, &|name| dat(name).map(Cow::Borrowed))
}

/// Reads a record from a `.hea` path on disk, its signal files beside it (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_record_file(hea_path: &std::path::Path) -> Result<Record, SignalError> {
    let io = |p: &std::path::Path, e: std::io::Error| SignalError::Io {
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(hea_path).map_err(|e| io(hea_path, e))?;
    use crate::signal::limits::MAX_HEADER_BYTES;
    if meta.len() > MAX_HEADER_BYTES as u64 {
        return Err(SignalError::TooLarge {
            file: hea_path.display().to_string(),
            message: format!("{} bytes; a header is at most {MAX_HEADER_BYTES} bytes", meta.len()),
        });
    }
    let header = std::fs::read(hea_path).map_err(|e| io(hea_path, e))?;
    let dir = hea_path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    read_record(&header, &|name| {
        use std::io::Read;
        // Read at most one byte past the cap, so a huge file is reported as too large without loading it.
        let mut buf = Vec::new();
        std::fs::File::open(dir.join(name)).ok()?.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut buf).ok()?;
        Some(buf)
    })
}

fn read_record_cow<'a>(
    header_bytes: &[u8],
    dat: &dyn Fn(&str) -> Option<Cow<'a, [u8]>>,
) -> Result<Record, SignalError> {
    let text = header_text(header_bytes)?;
    let header = parse_header_named("the header (.hea)", text)?;
    read_record_from_header(&header, dat)
}

/// The start of the warning a checksum mismatch leaves in the record's comments.
pub const CHECKSUM_WARNING: &str = "ecglens: checksum mismatch:";

/// Reads the signals a parsed header describes (see [`read_record`]). A multi-segment header reads each
/// segment's own header (`<segment>.hea`, looked up through `dat` like the signal files) and joins them.
pub fn read_record_from_header<'a>(
    header: &Header,
    dat: &dyn Fn(&str) -> Option<Cow<'a, [u8]>>,
) -> Result<Record, SignalError> {
    if header.n_segments.is_some() {
        return read_multi_segment(header, dat);
    }
    read_single_segment(header, dat)
}

/// A multi-segment record: segments in order, each a single-segment record of its own (`~` = a stretch with no
/// signal). The leads are those of the layout segment (a first segment of length 0, as in MIMIC's variable
/// layout) or else of the first segment; a lead absent from a segment, and a `~` segment, are drawn at 0 mV
/// there, and a warning says where.
fn read_multi_segment<'a>(header: &Header, dat: &dyn Fn(&str) -> Option<Cow<'a, [u8]>>) -> Result<Record, SignalError> {
    let hea = format!("{}.hea", header.record_name);
    let fs = header.sample_rate_hz;
    let mut segments = Vec::with_capacity(header.segments.len());
    let mut names: Vec<String> = Vec::new();
    for (i, (name, n)) in header.segments.iter().enumerate() {
        if name == "~" {
            segments.push((name.clone(), None, *n));
            continue;
        }
        let file = format!("{name}.hea");
        let bytes =
            dat(&file).ok_or_else(|| SignalError::MissingSignalFile { header: hea.clone(), file: file.clone() })?;
        let seg_header = parse_header_named(&file, header_text(&bytes)?)?;
        if seg_header.n_segments.is_some() {
            return Err(SignalError::Unsupported { file, message: "a segment that is itself multi-segment".into() });
        }
        if (seg_header.sample_rate_hz - fs).abs() > 1e-9 {
            return Err(SignalError::Unsupported {
                file,
                message: format!("the segment is sampled at {} Hz, the record at {fs} Hz", seg_header.sample_rate_hz),
            });
        }
        if *n == 0 || (i == 0 && name.ends_with("_layout")) {
            // The layout segment names the signals and holds no samples.
            names = seg_header.signals.iter().enumerate().map(|(k, s)| lead_label(k, s)).collect();
            continue;
        }
        let record = read_single_segment(&seg_header, dat)?;
        if names.is_empty() {
            names = record.leads.iter().map(|l| l.name.clone()).collect();
        }
        segments.push((name.clone(), Some(record), *n));
    }
    let total: usize = segments.iter().map(|(_, _, n)| *n).fold(0usize, usize::saturating_add);
    check_size(&hea, names.len(), total as u64, fs)?;
    let mut leads: Vec<Lead> =
        names.iter().map(|name| Lead { name: name.clone(), samples_mv: Vec::with_capacity(total) }).collect();
    let mut comments = header.comments.clone();
    let mut at = 0usize;
    for (name, record, n) in segments {
        let start_s = at as f64 / fs;
        match &record {
            None => comments.push(format!(
                "ecglens: no signal from {start_s:.1} s for {:.1} s (null segment): drawn at 0 mV",
                n as f64 / fs
            )),
            Some(r) => comments.extend(r.comments.iter().filter(|c| c.starts_with("ecglens:")).cloned()),
        }
        for lead in &mut leads {
            let found = record.as_ref().and_then(|r| r.leads.iter().find(|l| l.name == lead.name));
            match found {
                Some(l) => {
                    lead.samples_mv.extend(l.samples_mv.iter().take(n));
                    let short = n.saturating_sub(l.samples_mv.len());
                    lead.samples_mv.extend(std::iter::repeat_n(0.0, short));
                }
                None => {
                    if record.is_some() {
                        comments.push(format!(
                            "ecglens: lead {} is absent from segment {name} ({start_s:.1} s for {:.1} s): drawn at 0 mV",
                            lead.name,
                            n as f64 / fs
                        ));
                    }
                    lead.samples_mv.extend(std::iter::repeat_n(0.0, n));
                }
            }
        }
        at += n;
    }
    comments.push(format!("ecglens: multi-segment record of {} segments joined", header.segments.len()));
    let record = Record { name: header.record_name.clone(), sample_rate_hz: fs, leads, comments };
    record.validate()?;
    Ok(record)
}

fn read_single_segment<'a>(
    header: &Header,
    dat: &dyn Fn(&str) -> Option<Cow<'a, [u8]>>,
) -> Result<Record, SignalError> {
    let hea = format!("{}.hea", header.record_name);
    let unsupported = |message: String| SignalError::Unsupported { file: hea.clone(), message };
    if header.n_signals == 0 || header.signals.is_empty() {
        return Err(SignalError::NoLeads { record: header.record_name.clone() });
    }
    let fs = header.sample_rate_hz;
    for (i, s) in header.signals.iter().enumerate() {
        let lead = lead_label(i, s);
        if !SUPPORTED_FORMATS.contains(&s.format) {
            return Err(SignalError::UnsupportedFormat { file: hea.clone(), signal: i + 1, lead, format: s.format });
        }
        if s.samples_per_frame != 1 {
            return Err(unsupported(format!(
                "lead {lead} has {} samples per frame (several sampling rates in one record are not supported)",
                s.samples_per_frame
            )));
        }
        if s.skew != 0 {
            return Err(unsupported(format!("lead {lead} is skewed by {} samples, which is not supported", s.skew)));
        }
        if s.file_name == "-" || s.file_name.is_empty() {
            return Err(unsupported(format!("lead {lead} is read from standard input, which is not supported")));
        }
    }
    // Group signals by file, in order of first appearance.
    let mut files: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, s) in header.signals.iter().enumerate() {
        match files.iter_mut().find(|(f, _)| *f == s.file_name) {
            Some((_, v)) => v.push(i),
            None => files.push((&s.file_name, vec![i])),
        }
    }
    let mut n_samples = header.n_samples;
    // Converted samples per signal (None: not a voltage, left out), filled file by file.
    let mut converted: Vec<Option<Vec<f32>>> = vec![None; header.signals.len()];
    let mut comments = header.comments.clone();
    for (fname, idx) in &files {
        let first = &header.signals[idx[0]];
        let format = first.format;
        if let Some(&j) = idx.iter().find(|&&j| header.signals[j].format != format) {
            return Err(unsupported(format!(
                "{fname} holds signals in two formats ({format} and {}); WFDB requires one format per file",
                header.signals[j].format
            )));
        }
        let data = dat(fname)
            .ok_or_else(|| SignalError::MissingSignalFile { header: hea.clone(), file: fname.to_string() })?;
        if data.len() > MAX_FILE_BYTES {
            return Err(SignalError::TooLarge {
                file: fname.to_string(),
                message: format!(
                    "more than {} MB; at most {} MB are accepted",
                    MAX_FILE_BYTES / 1_048_576,
                    MAX_FILE_BYTES / 1_048_576
                ),
            });
        }
        let offset = first.byte_offset;
        let body: &[u8] = data.get(offset..).unwrap_or(&[]);
        let nsig = idx.len() as u64;
        let n = match n_samples {
            Some(n) => n as u64,
            None => {
                let frames = values_in(format, body.len() as u64) / nsig;
                n_samples = Some(frames as usize);
                frames
            }
        };
        check_size(&hea, header.signals.len(), n, fs)?;
        let n_values = n * nsig; // no overflow: n * n_signals <= MAX_TOTAL_SAMPLES after check_size
        let need = bytes_for(format, n_values).unwrap_or(u64::MAX).saturating_add(offset as u64);
        if (data.len() as u64) < need {
            return Err(SignalError::Truncated {
                file: fname.to_string(),
                header: hea.clone(),
                n_samples: n as usize,
                duration_s: n as f64 / fs,
                expected_bytes: usize::try_from(need).unwrap_or(usize::MAX),
                actual_bytes: data.len(),
            });
        }
        let (n, k) = (n as usize, idx.len());
        for (pos, &sig) in idx.iter().enumerate() {
            let spec = &header.signals[sig];
            let lead = lead_label(sig, spec);
            let mv_per_unit = spec.mv_per_unit();
            let invalid = if format == 8 { None } else { invalid_code(format) };
            let scale = mv_per_unit.unwrap_or(1.0) / spec.adc_gain;
            let base = spec.baseline as f64;
            let mut samples: Vec<f32> = Vec::with_capacity(if mv_per_unit.is_some() { n } else { 0 });
            let (mut sum, mut acc, mut bad, mut first_bad) = (0i64, spec.initial_value, 0usize, None);
            for t in 0..n {
                let mut d = sample_at(format, body, t * k + pos);
                if format == 8 {
                    acc = acc.wrapping_add(d);
                    d = acc;
                }
                sum = sum.wrapping_add(d);
                if mv_per_unit.is_some() {
                    if Some(d) == invalid {
                        bad += 1;
                        first_bad.get_or_insert(t);
                        samples.push(f32::NAN);
                    } else {
                        samples.push(((d as f64 - base) * scale) as f32);
                    }
                }
            }
            // An empty signal has nothing to check: it is reported below as an empty record, which says more.
            if let Some(expected) = spec.checksum.filter(|_| n > 0) {
                let sum = sum.rem_euclid(65536);
                if sum != expected.rem_euclid(65536) {
                    // wfdb-python (and WFDB's own tools) read such records: a warning, not a refusal. CinC 2017's
                    // records write 0 as the checksum.
                    comments.push(format!(
                        "{CHECKSUM_WARNING} lead {lead} in {} adds up to {}, the header says {expected}: the file may be corrupt or belong to another recording (read anyway, as wfdb-python does)",
                        spec.file_name,
                        if sum >= 32768 { sum - 65536 } else { sum },
                    ));
                }
            }
            if mv_per_unit.is_none() {
                comments.push(format!(
                    "ecglens: signal {} ({lead}) is in {:?}, not a voltage: left out",
                    sig + 1,
                    spec.units
                ));
                continue;
            }
            if let Some(first) = first_bad {
                if bad == n || bad as f64 > MAX_INVALID_FRACTION * n as f64 {
                    return Err(SignalError::InvalidSamples {
                        file: spec.file_name.clone(),
                        lead,
                        count: bad,
                        n_samples: n,
                        first_time_s: first as f64 / fs,
                    });
                }
                interpolate_gaps(&mut samples);
                comments.push(format!(
                    "ecglens: lead {lead}: {bad} invalid sample(s) (no signal) filled in by linear interpolation, the first at {:.3} s",
                    first as f64 / fs
                ));
            }
            converted[sig] = Some(samples);
        }
    }
    if n_samples.unwrap_or(0) == 0 {
        return Err(SignalError::Empty { record: header.record_name.clone() });
    }
    let leads: Vec<Lead> = header
        .signals
        .iter()
        .zip(converted)
        .enumerate()
        .filter_map(|(i, (spec, s))| s.map(|samples_mv| Lead { name: lead_label(i, spec), samples_mv }))
        .collect();
    if leads.is_empty() {
        return Err(unsupported("no signal is an ECG lead in a voltage unit (mV, uV, V)".into()));
    }
    let record = Record { name: header.record_name.clone(), sample_rate_hz: fs, leads, comments };
    record.validate()?;
    Ok(record)
}

fn lead_label(i: usize, s: &SignalSpec) -> String {
    let d = s.description.trim();
    if d.is_empty() {
        format!("signal {}", i + 1)
    } else {
        d.to_string()
    }
}

fn check_size(hea: &str, n_signals: usize, n: u64, fs: f64) -> Result<(), SignalError> {
    let too_large = |message: String| Err(SignalError::TooLarge { file: hea.to_string(), message });
    let duration = n as f64 / fs;
    if duration > MAX_DURATION_S {
        return too_large(format!("{:.1} hours of signal; at most 24 hours are accepted", duration / 3600.0));
    }
    match n.checked_mul(n_signals as u64) {
        Some(t) if t <= MAX_TOTAL_SAMPLES as u64 => Ok(()),
        _ => too_large(format!(
            "{n} samples × {n_signals} signals; at most {MAX_TOTAL_SAMPLES} samples in all are accepted"
        )),
    }
}

/// Replaces non-finite values by linear interpolation between the nearest finite neighbours
/// (the nearest finite value at either end). Leaves an all-non-finite slice unchanged.
pub(super) fn interpolate_gaps(x: &mut [f32]) {
    let n = x.len();
    let mut prev: Option<usize> = None;
    let mut i = 0;
    while i < n {
        if x[i].is_finite() {
            prev = Some(i);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && !x[j].is_finite() {
            j += 1;
        }
        match (prev, (j < n).then_some(j)) {
            (Some(p), Some(q)) => {
                let (a, b) = (x[p] as f64, x[q] as f64);
                for (k, e) in x.iter_mut().enumerate().take(j).skip(i) {
                    let t = (k - p) as f64 / (q - p) as f64;
                    *e = (a + (b - a) * t) as f32;
                }
            }
            (Some(p), None) => {
                let v = x[p];
                x[i..j].iter_mut().for_each(|e| *e = v);
            }
            (None, Some(q)) => {
                let v = x[q];
                x[i..j].iter_mut().for_each(|e| *e = v);
            }
            (None, None) => {}
        }
        i = j;
    }
}
