//! The WFDB header (`.hea`): the record line, the signal lines and the comments, parsed into a [`Header`].

use super::formats::bits_of;
use crate::signal::limits::{MAX_HEADER_BYTES, MAX_SIGNALS};
use crate::signal::SignalError;

/// A parsed WFDB header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub record_name: String,
    /// `Some(n)` for a multi-segment record (`name/n`), which [`read_record`] refuses.
    pub n_segments: Option<usize>,
    /// A multi-segment record's segments: name (`~` for a stretch without signal) and length in samples.
    pub segments: Vec<(String, usize)>,
    pub n_signals: usize,
    /// Sampling frequency per signal (250 if the header omits it, as in the WFDB spec).
    pub sample_rate_hz: f64,
    pub counter_freq_hz: Option<f64>,
    pub base_counter: Option<f64>,
    /// Samples per signal; `None` if the header omits it (or gives 0): then the signal file's size decides.
    pub n_samples: Option<usize>,
    pub base_time: Option<String>,
    pub base_date: Option<String>,
    pub signals: Vec<SignalSpec>,
    /// Comment lines without the leading `#` (and one following space, if any).
    pub comments: Vec<String>,
}

/// One signal line of a header.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalSpec {
    pub file_name: String,
    pub format: u32,
    pub samples_per_frame: usize,
    pub skew: usize,
    pub byte_offset: usize,
    /// ADC units per physical unit, as written; 200 when missing or zero.
    pub adc_gain: f64,
    /// ADC value of 0 physical units (defaults to `adc_zero`).
    pub baseline: i64,
    /// Physical units as written; "mV" when missing.
    pub units: String,
    /// ADC resolution in bits (the format's own when missing or 0).
    pub adc_resolution: u32,
    pub adc_zero: i64,
    /// First sample value (defaults to `adc_zero`); the start of a format-8 difference stream.
    pub initial_value: i64,
    /// 16-bit checksum of all samples, if given.
    pub checksum: Option<i64>,
    pub block_size: u64,
    /// The description: for ECG, the lead name ("I", "AVR", "v1", ...).
    pub description: String,
}

impl SignalSpec {
    /// Millivolts per physical unit, or `None` if the units are not a voltage.
    pub fn mv_per_unit(&self) -> Option<f64> {
        units_to_mv(&self.units)
    }

    /// ADC units per millivolt, or `None` if the units are not a voltage.
    pub fn gain_adu_per_mv(&self) -> Option<f64> {
        self.mv_per_unit().map(|m| self.adc_gain / m)
    }
}

pub(super) fn units_to_mv(units: &str) -> Option<f64> {
    let u = units.trim();
    match u {
        "" | "mV" | "mv" | "MV" | "millivolt" | "millivolts" => Some(1.0),
        "uV" | "uv" | "µV" | "μV" | "µv" | "μv" | "UV" => Some(1e-3),
        "V" | "v" | "volt" | "volts" => Some(1e3),
        "nV" | "nv" => Some(1e-6),
        _ => None,
    }
}

/// Splits off the first `n` whitespace-separated tokens; returns them and the trimmed rest.
fn tokens(line: &str, n: usize) -> (Vec<&str>, &str) {
    let mut out = Vec::new();
    let mut rest = line.trim_start();
    while out.len() < n && !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        out.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    (out, rest.trim_end())
}

/// Every line of a header with its 1-based number, trimmed (`\r\n` or `\n` endings).
fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').enumerate().map(|(i, raw)| (i + 1, raw.trim()))
}

/// The lines that carry fields, with their numbers: the record line first, then one line per signal. Comments
/// (`#`) and blank lines are not among them. [`parse_header`] and [`signal_file_names`] both read these.
fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    numbered_lines(text).filter(|(_, t)| !t.is_empty() && !t.starts_with('#'))
}

/// The record line of a header (its first line that is not a comment), unparsed.
pub fn record_line(text: &str) -> Option<&str> {
    content_lines(text).next().map(|(_, line)| line)
}

/// The signal-file names of a header's signal lines (the first field of each; segment names in a multi-segment
/// header), in order, without parsing the rest: what the page needs to gather a record's files before reading
/// them. It reads the same lines [`parse_header`] does, so the two agree on every header that parses; on one that
/// does not, reading the record reports why.
pub fn signal_file_names(text: &str) -> impl Iterator<Item = &str> {
    content_lines(text).skip(1).filter_map(|(_, line)| line.split_whitespace().next())
}

pub(super) fn parse_header_named(file: &str, text: &str) -> Result<Header, SignalError> {
    let syntax = |line: usize, message: String| SignalError::HeaderSyntax { file: file.to_string(), line, message };
    let comments: Vec<String> = numbered_lines(text)
        .filter_map(|(_, t)| t.strip_prefix('#'))
        .map(|c| c.strip_prefix(' ').unwrap_or(c).trim_end().to_string())
        .collect();
    let lines: Vec<(usize, &str)> = content_lines(text).collect();
    let Some(&(rec_line_no, rec_line)) = lines.first() else {
        return Err(syntax(1, "the header is empty: it has no record line".into()));
    };
    let (tok, _) = tokens(rec_line, 6);
    let name_tok = tok.first().copied().unwrap_or("");
    let (record_name, n_segments) = match name_tok.split_once('/') {
        Some((n, s)) => {
            let segs = s
                .parse::<usize>()
                .map_err(|_| syntax(rec_line_no, format!("the number of segments {s:?} is not a whole number")))?;
            (n.to_string(), Some(segs))
        }
        None => (name_tok.to_string(), None),
    };
    if record_name.is_empty() {
        return Err(syntax(rec_line_no, "the record line has no record name".into()));
    }
    let n_signals = match tok.get(1) {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| syntax(rec_line_no, format!("the number of signals {t:?} is not a whole number")))?,
        None => 0,
    };
    if n_signals > MAX_SIGNALS {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("it declares {n_signals} signals; at most {MAX_SIGNALS} are accepted"),
        });
    }
    let mut sample_rate_hz = 250.0;
    let mut counter_freq_hz = None;
    let mut base_counter = None;
    if let Some(t) = tok.get(2) {
        let (fs, counter) = match t.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (*t, None),
        };
        sample_rate_hz =
            fs.parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0).ok_or_else(|| {
                syntax(rec_line_no, format!("the sampling frequency {fs:?} is not a positive number"))
            })?;
        if let Some(c) = counter {
            let (cf, base) = match c.split_once('(') {
                Some((a, b)) => (a, Some(b.trim_end_matches(')'))),
                None => (c, None),
            };
            counter_freq_hz = Some(
                cf.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| syntax(rec_line_no, format!("the counter frequency {cf:?} is not a number")))?,
            );
            if let Some(b) = base {
                base_counter = Some(
                    b.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| syntax(rec_line_no, format!("the base counter value {b:?} is not a number")))?,
                );
            }
        }
    }
    let n_samples = match tok.get(3) {
        Some(t) => {
            let n = t
                .parse::<u64>()
                .map_err(|_| syntax(rec_line_no, format!("the number of samples {t:?} is not a whole number")))?;
            if n == 0 {
                None
            } else {
                Some(usize::try_from(n).map_err(|_| SignalError::TooLarge {
                    file: file.to_string(),
                    message: format!("it declares {n} samples per signal"),
                })?)
            }
        }
        None => None,
    };
    let base_time = tok.get(4).map(|s| s.to_string());
    let base_date = tok.get(5).map(|s| s.to_string());

    let mut signals = Vec::with_capacity(n_signals);
    let mut segments = Vec::new();
    if let Some(k) = n_segments {
        let seg_lines = &lines[1..];
        if seg_lines.len() < k {
            return Err(syntax(
                rec_line_no,
                format!("the record line announces {k} segments but only {} segment lines follow", seg_lines.len()),
            ));
        }
        for &(line_no, l) in seg_lines.iter().take(k) {
            let mut t = l.split_whitespace();
            let (Some(name), Some(n)) = (t.next(), t.next()) else {
                return Err(syntax(line_no, "a segment line needs a segment name and its number of samples".into()));
            };
            let n = n
                .parse::<usize>()
                .map_err(|_| syntax(line_no, format!("the segment length {n:?} is not a whole number")))?;
            if name.contains('/') || name.contains("..") {
                return Err(syntax(line_no, format!("the segment name {name:?} may not name a folder")));
            }
            segments.push((name.to_string(), n));
        }
    } else {
        let sig_lines = &lines[1..];
        if sig_lines.len() < n_signals {
            return Err(syntax(
                rec_line_no,
                format!(
                    "the record line announces {n_signals} signals but only {} signal lines follow",
                    sig_lines.len()
                ),
            ));
        }
        for &(line_no, l) in sig_lines.iter().take(n_signals) {
            signals.push(parse_signal_line(&format!("{record_name}.hea"), line_no, l)?);
        }
    }
    Ok(Header {
        record_name,
        n_segments,
        segments,
        n_signals,
        sample_rate_hz,
        counter_freq_hz,
        base_counter,
        n_samples,
        base_time,
        base_date,
        signals,
        comments,
    })
}

fn parse_signal_line(file: &str, line_no: usize, l: &str) -> Result<SignalSpec, SignalError> {
    let syntax = |message: String| SignalError::HeaderSyntax { file: file.to_string(), line: line_no, message };
    let (tok, rest) = tokens(l, 8);
    let file_name = tok.first().copied().unwrap_or("").to_string();
    let Some(fmt_tok) = tok.get(1) else {
        return Err(syntax(format!("the signal line for {file_name:?} has no storage format")));
    };
    // format[xsamples_per_frame][:skew][+byte_offset]
    let digits_end = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let mut s = *fmt_tok;
    let e = digits_end(s);
    let format =
        s[..e].parse::<u32>().map_err(|_| syntax(format!("the storage format {fmt_tok:?} is not a number")))?;
    s = &s[e..];
    let mut samples_per_frame = 1usize;
    let mut skew = 0usize;
    let mut byte_offset = 0usize;
    let bad = || syntax(format!("cannot read the format field {fmt_tok:?} (expected format[xN][:skew][+offset])"));
    if let Some(r) = s.strip_prefix('x') {
        let e = digits_end(r);
        samples_per_frame = r[..e].parse().map_err(|_| bad())?;
        s = &r[e..];
    }
    if let Some(r) = s.strip_prefix(':') {
        let e = digits_end(r);
        skew = r[..e].parse().map_err(|_| bad())?;
        s = &r[e..];
    }
    if let Some(r) = s.strip_prefix('+') {
        let e = digits_end(r);
        byte_offset = r[..e].parse().map_err(|_| bad())?;
        s = &r[e..];
    }
    if !s.is_empty() {
        return Err(bad());
    }
    // Integer fields after the gain.
    let int_field = |i: usize, what: &str| -> Result<Option<i64>, SignalError> {
        match tok.get(i) {
            None => Ok(None),
            Some(t) => {
                t.parse::<i64>().map(Some).map_err(|_| syntax(format!("the {what} {t:?} is not a whole number")))
            }
        }
    };
    let adc_resolution = int_field(3, "ADC resolution")?.unwrap_or(0);
    let adc_resolution = u32::try_from(adc_resolution)
        .ok()
        .filter(|v| *v <= 64)
        .ok_or_else(|| syntax(format!("the ADC resolution {adc_resolution} is out of range")))?;
    let adc_resolution = if adc_resolution == 0 { bits_of(format) } else { adc_resolution };
    let adc_zero = int_field(4, "ADC zero")?.unwrap_or(0);
    let initial_value = int_field(5, "initial value")?.unwrap_or(adc_zero);
    let checksum = int_field(6, "checksum")?;
    let block_size = int_field(7, "block size")?.unwrap_or(0);
    let block_size =
        u64::try_from(block_size).map_err(|_| syntax(format!("the block size {block_size} is negative")))?;
    // gain[(baseline)][/units]
    let mut adc_gain = 200.0;
    let mut baseline = adc_zero;
    let mut units = "mV".to_string();
    if let Some(g) = tok.get(2) {
        let (gb, u) = match g.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (*g, None),
        };
        let (gain_s, base_s) = match gb.split_once('(') {
            Some((a, b)) => {
                let b = b
                    .strip_suffix(')')
                    .ok_or_else(|| syntax(format!("the gain field {g:?} lacks a closing parenthesis")))?;
                (a, Some(b))
            }
            None => (gb, None),
        };
        let gain = gain_s
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| syntax(format!("the gain {gain_s:?} is not a number")))?;
        if gain != 0.0 {
            adc_gain = gain;
        }
        if let Some(b) = base_s {
            baseline = b.parse::<i64>().map_err(|_| syntax(format!("the baseline {b:?} is not a whole number")))?;
        }
        if let Some(u) = u {
            if !u.is_empty() {
                units = u.to_string();
            }
        }
    }
    Ok(SignalSpec {
        file_name,
        format,
        samples_per_frame,
        skew,
        byte_offset,
        adc_gain,
        baseline,
        units,
        adc_resolution,
        adc_zero,
        initial_value,
        checksum,
        block_size,
        description: rest.to_string(),
    })
}

pub(super) fn header_text(header_bytes: &[u8]) -> Result<&str, SignalError> {
    let file = "the header (.hea)";
    if header_bytes.len() > MAX_HEADER_BYTES {
        return Err(SignalError::TooLarge {
            file: file.into(),
            message: format!("{} bytes; a header is at most {MAX_HEADER_BYTES} bytes", header_bytes.len()),
        });
    }
    let text = std::str::from_utf8(header_bytes).map_err(|e| SignalError::HeaderNotText {
        file: file.into(),
        message: format!("byte {} is not UTF-8 text", e.valid_up_to()),
    })?;
    if text.contains('\0') {
        return Err(SignalError::HeaderNotText { file: file.into(), message: "it contains binary data".into() });
    }
    Ok(text)
}

/// Parses the text of a WFDB header (`.hea`).
pub fn parse_header(text: &str) -> Result<Header, SignalError> {
    if text.len() > MAX_HEADER_BYTES {
        return Err(SignalError::TooLarge {
            file: "the header (.hea)".into(),
            message: format!("{} bytes; a header is at most {MAX_HEADER_BYTES} bytes", text.len()),
        });
    }
    parse_header_named("the header (.hea)", text)
}
