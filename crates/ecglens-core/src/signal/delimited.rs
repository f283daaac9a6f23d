//! Delimited text (CSV, TSV, semicolons, blanks): one column per lead, an optional header row, an optional time
//! column, `#` comment lines.
//!
//! The delimiter is sniffed from the first lines (tab, then `;`, then `,`, then runs of blanks: the first that
//! splits them all into the same number of cells), and with a delimiter other than `,` a decimal comma ("0,123")
//! when the numbers use one. The first row is a header when any of its cells is not a number: its cells name the
//! leads ("I", "Lead II", "ECG_V1", "avr") and may state units ("I (mV)", "II [uV]", "V1_mV"); a column named
//! "time"/"t"/"Time (s)"/"ms" gives the rate from its median step (irregular steps are a warning), one named
//! "sample"/"index" is a counter and is skipped. What the file does not say (no header: the lead names; no time
//! column: the rate; no units: their size decides, with a warning, or the app asks) comes from `options` or
//! becomes a [`SignalError::NeedsInput`]. Up to [`MAX_GAPS`] empty or NaN cells in a column are filled by linear
//! interpolation with a warning naming their rows; more are an error naming the column and the first row.
//!
//! Parsing (quotes, delimiters) is the `csv` crate's; runs of blanks, which it does not split, are split here.
//! Reference for the tests: Python's csv module and pandas.to_csv write the files, pandas.read_csv reads them back
//! (tools/reference/make_delimited.py).

use super::leads::canonical_lead_name;
use super::limits::{MAX_DURATION_S, MAX_FILE_BYTES, MAX_SIGNALS, MAX_TOTAL_SAMPLES};
use super::numpy::{lead_label, suggested_leads, units_from_peak};
use super::options::{Question, ReadOptions, Units, DEFAULT_SAMPLE_RATE_HZ};
use super::source::{Format, Opened, PatientIdentity, SourceInfo};
use super::{open, thousands, Lead, Record, SignalError};

const FORMAT: &str = "CSV/TSV";

/// At most this many empty or NaN cells per column are filled in (linear interpolation); more are an error.
pub const MAX_GAPS: usize = 10;

/// How many lines the delimiter is sniffed from.
const SNIFF_LINES: usize = 50;

fn malformed(file: &str, message: impl Into<String>) -> SignalError {
    SignalError::Malformed { file: file.to_string(), format: FORMAT, message: message.into() }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delimiter {
    Byte(u8),
    Blanks,
}

impl Delimiter {
    fn describe(self) -> &'static str {
        match self {
            Delimiter::Byte(b'\t') => "TSV",
            Delimiter::Byte(b';') => "semicolon-separated",
            Delimiter::Byte(_) => "CSV",
            Delimiter::Blanks => "blank-separated",
        }
    }

    fn split(self, line: &str) -> Vec<&str> {
        match self {
            Delimiter::Byte(b) => line.split(char::from(b)).collect(),
            Delimiter::Blanks => line.split_whitespace().collect(),
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Lead {
        name: String,
        units: Option<Units>,
    },
    /// Time, in seconds per unit of its numbers.
    Time {
        name: String,
        seconds_per_unit: Option<f64>,
    },
    /// A sample counter: skipped.
    Counter,
}

/// Reads a CSV/TSV file from `bytes`; `file` names it in messages and gives the record its name.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("it is larger than the {} MB ecglens reads", MAX_FILE_BYTES / 1_048_576),
        });
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // UTF-8, else ISO-8859-1 (where µ is 0xB5).
    let text: String = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    if text.contains('\0') {
        return Err(malformed(file, "it holds binary data (NUL bytes), not text"));
    }
    let mut comments = Vec::new();
    let mut lines: Vec<(usize, &str)> = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(c) = t.strip_prefix('#') {
            if !c.trim().is_empty() {
                comments.push(c.trim().to_string());
            }
        } else if !t.is_empty() {
            lines.push((k + 1, line));
        }
    }
    let Some(&(_, first)) = lines.first() else {
        return Err(malformed(file, "it holds no rows of numbers"));
    };
    let delimiter = sniff_delimiter(&lines);
    let header_cells: Vec<String> = delimiter.split(first).iter().map(|c| unquote(c)).collect();
    let decimal_comma = delimiter != Delimiter::Byte(b',') && uses_decimal_comma(&lines, delimiter);
    let has_header = header_cells.iter().any(|c| parse_number(c, decimal_comma).is_none() && !is_gap(c));
    let n_columns = header_cells.len();
    if n_columns > MAX_SIGNALS + 2 {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("it has {} columns; ecglens reads at most {MAX_SIGNALS} leads", thousands(n_columns)),
        });
    }
    let columns: Vec<Column> = if has_header {
        header_cells.iter().enumerate().map(|(k, c)| column_of(c, k)).collect()
    } else {
        (0..n_columns).map(|k| Column::Lead { name: format!("{}", k + 1), units: None }).collect()
    };
    let mut time_seen = false;
    let columns: Vec<Column> = columns
        .into_iter()
        .map(|c| match c {
            // Only the first time column is time; another is read as a lead named so.
            Column::Time { name, .. } if time_seen => Column::Lead { name, units: None },
            Column::Time { name, seconds_per_unit } => {
                time_seen = true;
                Column::Time { name, seconds_per_unit }
            }
            other => other,
        })
        .collect();
    let n_leads = columns.iter().filter(|c| matches!(c, Column::Lead { .. })).count();
    if n_leads == 0 {
        return Err(malformed(file, "it has no column of ECG values (only time or sample numbers)"));
    }
    if n_leads > MAX_SIGNALS {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("it has {n_leads} lead columns; ecglens reads at most {MAX_SIGNALS}"),
        });
    }

    // The cells, column by column, as f32 (NaN marks an empty or NaN cell: 4 bytes a cell keeps the largest
    // file within MAX_TOTAL_SAMPLES × 4 bytes); the time column as f64, whose steps need the precision.
    let time = columns.iter().position(|c| matches!(c, Column::Time { .. }));
    let mut values: Vec<Vec<f32>> = vec![Vec::new(); n_columns];
    let mut times: Vec<f64> = Vec::new();
    let mut rows: Vec<usize> = Vec::new();
    let data_lines = if has_header { lines.get(1..).unwrap_or_default() } else { &lines[..] };
    let column_name = |k: usize| match columns.get(k) {
        Some(Column::Lead { name, .. }) | Some(Column::Time { name, .. }) => name.clone(),
        _ => header_cells.get(k).cloned().unwrap_or_default(),
    };
    let mut handle = |line_no: usize, cells: &[String]| -> Result<(), SignalError> {
        if cells.len() > n_columns && cells.iter().skip(n_columns).any(|c| !c.trim().is_empty()) {
            return Err(malformed(
                file,
                format!("row {line_no} has {} cells, but the first row has {n_columns}", cells.len()),
            ));
        }
        if rows.len().saturating_mul(n_columns) >= MAX_TOTAL_SAMPLES {
            return Err(SignalError::TooLarge {
                file: file.to_string(),
                message: format!(
                    "it holds more than {} values; ecglens reads at most that many",
                    thousands(MAX_TOTAL_SAMPLES)
                ),
            });
        }
        for (k, column) in values.iter_mut().enumerate() {
            let cell = cells.get(k).map(String::as_str).unwrap_or("");
            let value = if is_gap(cell) {
                f64::NAN
            } else {
                match parse_number(cell, decimal_comma) {
                    Some(v) => v,
                    None => {
                        return Err(malformed(
                            file,
                            format!(
                                "column '{}' ({}) is not numbers: row {line_no} has '{}'",
                                column_name(k),
                                k + 1,
                                cell.trim()
                            ),
                        ))
                    }
                }
            };
            if Some(k) == time {
                times.push(value);
            }
            column.push(value as f32);
        }
        rows.push(line_no);
        Ok(())
    };
    match delimiter {
        Delimiter::Blanks => {
            for &(line_no, line) in data_lines {
                let cells: Vec<String> = line.split_whitespace().map(unquote).collect();
                handle(line_no, &cells)?;
            }
        }
        Delimiter::Byte(d) => {
            // Row numbers are the file's line numbers from our own list of lines (the csv crate's positions
            // miscount lines ending in CRLF); a quoted cell spanning lines would only shift them.
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .comment(Some(b'#'))
                .from_reader(text.as_bytes());
            let mut index = 0usize;
            for record in reader.records() {
                let record = record.map_err(|e| malformed(file, format!("it cannot be split into cells: {e}")))?;
                let cells: Vec<String> = record.iter().map(str::to_string).collect();
                if cells.iter().all(|c| c.is_empty()) || cells.first().is_some_and(|c| c.starts_with('#')) {
                    continue;
                }
                let line_no = lines.get(index).map_or(index + 1, |l| l.0);
                index += 1;
                if has_header && index == 1 {
                    continue; // the header row
                }
                handle(line_no, &cells)?;
            }
        }
    }
    let n_samples = rows.len();
    if n_samples == 0 {
        return Err(malformed(file, "it has a header row but no rows of numbers"));
    }

    let mut warnings = Vec::new();
    // Fill a few gaps, refuse many.
    let mut filled: Vec<Vec<f32>> = Vec::with_capacity(n_columns);
    for (k, mut column) in values.into_iter().enumerate() {
        if Some(k) == time {
            filled.push(Vec::new()); // read from `times`
            continue;
        }
        let gaps: Vec<usize> = column.iter().enumerate().filter(|(_, v)| !v.is_finite()).map(|(i, _)| i).collect();
        let name = column_name(k);
        if gaps.len() == column.len() {
            return Err(malformed(file, format!("column '{name}' ({}) has no numbers at all", k + 1)));
        }
        if gaps.len() > MAX_GAPS {
            return Err(malformed(
                file,
                format!(
                    "column '{name}' ({}) has {} empty or NaN cells, the first at row {}: too many to fill in",
                    k + 1,
                    thousands(gaps.len()),
                    rows.get(gaps[0]).copied().unwrap_or(0)
                ),
            ));
        }
        if !gaps.is_empty() {
            let at: Vec<String> = gaps.iter().map(|&i| rows.get(i).copied().unwrap_or(0).to_string()).collect();
            warnings.push(format!(
                "ecglens: column '{name}' had {} empty or NaN cell{} (row {}), filled in by linear interpolation",
                gaps.len(),
                if gaps.len() == 1 { "" } else { "s" },
                at.join(", ")
            ));
        }
        interpolate(&mut column);
        filled.push(column);
    }

    // The rate.
    let mut questions = Vec::new();
    let mut detail = vec![delimiter.describe().to_string()];
    if decimal_comma {
        detail.push("decimal comma".into());
    }
    detail.push(if has_header { "header row".into() } else { "no header row".into() });
    let time_column = columns.iter().find_map(|c| match c {
        Column::Time { name, seconds_per_unit } => Some((name, *seconds_per_unit)),
        _ => None,
    });
    let sample_rate_hz = match (time_column, options.sample_rate_hz) {
        (Some((name, seconds_per_unit)), given) => {
            let (rate, mut notes) = rate_from_time(file, name, &times, seconds_per_unit)?;
            warnings.append(&mut notes);
            detail.push(format!("time column '{name}'"));
            if let Some(g) = given.filter(|g| (g - rate).abs() > rate * 0.005) {
                warnings.push(format!("ecglens: the time column gives {rate} Hz; the {g} Hz given was not used"));
            }
            Some(rate)
        }
        (None, Some(given)) => Some(given),
        (None, None) => {
            questions.push(Question::SampleRate { suggested_hz: DEFAULT_SAMPLE_RATE_HZ });
            None
        }
    };
    if let Some(rate) = sample_rate_hz {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(malformed(file, format!("the sampling rate {rate} Hz is not a positive number")));
        }
        if n_samples as f64 / rate > MAX_DURATION_S {
            return Err(SignalError::TooLarge {
                file: file.to_string(),
                message: format!("{} rows at {rate} Hz last more than 24 hours", thousands(n_samples)),
            });
        }
    }

    // The lead names.
    let names: Option<Vec<String>> = if has_header {
        let names: Vec<String> = columns
            .iter()
            .filter_map(|c| if let Column::Lead { name, .. } = c { Some(name.clone()) } else { None })
            .collect();
        if let Some(given) = options.leads.as_ref().filter(|g| **g != names) {
            warnings.push(format!(
                "ecglens: the header row names the leads {}; the names given ({}) were not used",
                names.join(", "),
                given.join(", ")
            ));
        }
        Some(names)
    } else if let Some(given) = &options.leads {
        if given.len() != n_leads {
            return Err(malformed(file, format!("{} lead names are given but it has {n_leads} columns", given.len())));
        }
        Some(given.clone())
    } else {
        questions.push(Question::Leads { count: n_leads, suggested: suggested_leads(n_leads) });
        None
    };

    // The units: each column's own, else the option, else their size.
    let lead_columns: Vec<(usize, Option<Units>)> = columns
        .iter()
        .enumerate()
        .filter_map(|(k, c)| if let Column::Lead { units, .. } = c { Some((k, *units)) } else { None })
        .collect();
    let unstated_peak = lead_columns
        .iter()
        .filter(|(_, u)| u.is_none())
        .flat_map(|(k, _)| filled.get(*k).into_iter().flatten())
        .fold(None, |m: Option<f64>, v| Some(m.unwrap_or(0.0).max(f64::from(v.abs()))));
    let default_units = match (options.units, unstated_peak) {
        (_, None) => None, // every column states its unit
        (Some(u), _) => Some(u),
        (None, Some(peak)) => match units_from_peak(peak) {
            Ok((u, warning)) => {
                warnings.push(warning);
                Some(u)
            }
            Err(q) => {
                questions.push(q);
                None
            }
        },
    };
    if let Some(stated) = lead_columns.iter().find_map(|(_, u)| *u) {
        if let Some(given) = options.units.filter(|g| *g != stated) {
            warnings.push(format!(
                "ecglens: the header row states {}; the unit given ({}) was used only for columns without one",
                stated.label(),
                given.label()
            ));
        }
    }
    if !questions.is_empty() {
        return Err(SignalError::NeedsInput { file: file.to_string(), format: FORMAT, questions });
    }
    let names = names.unwrap_or_default();
    let mut leads = Vec::with_capacity(n_leads);
    for (j, (k, units)) in lead_columns.iter().enumerate() {
        let Some(units) = units.or(default_units) else {
            return Err(malformed(file, "the unit of a column is unknown")); // not reached: asked above
        };
        let mv_per_unit = units.mv_per_unit();
        let column = filled.get_mut(*k).map(std::mem::take).unwrap_or_default();
        let samples_mv = column.into_iter().map(|v| (f64::from(v) * mv_per_unit) as f32).collect();
        let raw = names.get(j).map(String::as_str).unwrap_or("");
        leads.push(Lead { name: lead_label(raw, j), samples_mv });
    }
    let mut source = SourceInfo::new(Format::Csv, detail.join(", "));
    source.warnings = warnings;
    let record =
        Record { name: open::record_name(file), sample_rate_hz: sample_rate_hz.unwrap_or_default(), leads, comments };
    Ok(Opened { record, source, patient: PatientIdentity::default() })
}

/// The delimiter that splits the first lines into the same number (> 1) of cells: tab, `;`, `,`, then blanks.
/// One column when none does.
fn sniff_delimiter(lines: &[(usize, &str)]) -> Delimiter {
    let sample: Vec<&str> = lines.iter().take(SNIFF_LINES).map(|l| l.1).collect();
    for d in [Delimiter::Byte(b'\t'), Delimiter::Byte(b';'), Delimiter::Byte(b','), Delimiter::Blanks] {
        let counts: Vec<usize> = sample.iter().map(|l| d.split(l.trim_end()).len()).collect();
        if counts.first().is_some_and(|&n| n > 1) && counts.iter().all(|&c| c == counts[0]) {
            return d;
        }
    }
    Delimiter::Byte(b',')
}

/// Whether the numbers of the first lines use a decimal comma ("0,123").
fn uses_decimal_comma(lines: &[(usize, &str)], delimiter: Delimiter) -> bool {
    let cells: Vec<&str> = lines.iter().take(SNIFF_LINES).flat_map(|l| delimiter.split(l.1)).collect();
    let comma = cells.iter().filter(|c| {
        let t = c.trim().trim_start_matches(['-', '+']);
        t.split_once(',').is_some_and(|(a, b)| {
            !a.is_empty()
                && a.bytes().all(|x| x.is_ascii_digit())
                && b.bytes().all(|x| x.is_ascii_digit() || x == b'e' || x == b'E' || x == b'-')
        })
    });
    comma.count() > 0 && !cells.iter().any(|c| c.contains('.') && parse_number(c, false).is_some())
}

fn unquote(cell: &str) -> String {
    let t = cell.trim();
    t.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(t).trim().to_string()
}

fn parse_number(cell: &str, decimal_comma: bool) -> Option<f64> {
    let t = cell.trim();
    if t.is_empty() {
        return None;
    }
    if decimal_comma {
        t.replace(',', ".").parse().ok()
    } else {
        t.parse().ok()
    }
}

/// An empty or not-a-number cell.
fn is_gap(cell: &str) -> bool {
    matches!(cell.trim().to_ascii_lowercase().as_str(), "" | "nan" | "na" | "n/a" | "null" | "none" | "-nan")
}

/// What a header cell names: time, a counter, or a lead (with its unit when stated).
fn column_of(cell: &str, index: usize) -> Column {
    let (label, unit_text) = split_unit(cell);
    let lower = label.to_ascii_lowercase();
    let unit_lower = unit_text.map(|u| u.to_ascii_lowercase());
    let time_unit = |u: &str| match u {
        "s" | "sec" | "secs" | "second" | "seconds" => Some(1.0),
        "ms" | "msec" | "millisecond" | "milliseconds" => Some(1e-3),
        _ => None,
    };
    match lower.as_str() {
        "time" | "t" | "times" | "timestamp" | "elapsed time" | "elapsed" => {
            return Column::Time { name: label, seconds_per_unit: unit_lower.as_deref().and_then(time_unit) }
        }
        "s" | "sec" | "seconds" | "time_s" | "time_sec" => {
            return Column::Time { name: label, seconds_per_unit: Some(1.0) }
        }
        "ms" | "time_ms" | "msec" => return Column::Time { name: label, seconds_per_unit: Some(1e-3) },
        "sample" | "samples" | "index" | "idx" | "sample_index" | "sample #" | "n" | "#" | ""
            if index == 0 || !lower.is_empty() =>
        {
            return Column::Counter
        }
        _ => {}
    }
    let units = unit_text.and_then(Units::parse);
    // A unit not of voltage (e.g. "mmHg") stays part of the name.
    let name = if units.is_some() { label } else { cell.trim().to_string() };
    let name = strip_ecg_prefix(&name);
    Column::Lead { name, units }
}

/// "I (mV)" → ("I", "mV"); "II [uV]" → ("II", "uV"); "V1_mV" / "V1 mV" → ("V1", "mV"); "I" → ("I", None).
fn split_unit(cell: &str) -> (String, Option<&str>) {
    let t = cell.trim();
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let Some(inner) = t.strip_suffix(close) {
            if let Some(at) = inner.rfind(open) {
                return (inner[..at].trim().to_string(), Some(inner[at + 1..].trim()));
            }
        }
    }
    if let Some(at) = t.rfind(['_', ' ', '/']) {
        let unit = t[at + 1..].trim();
        if Units::parse(unit).is_some() || matches!(unit.to_ascii_lowercase().as_str(), "s" | "ms") {
            return (t[..at].trim().to_string(), Some(unit));
        }
    }
    (t.to_string(), None)
}

/// "ECG_II", "ECG II", "ecg-V1" → the lead's own name, when what follows is a standard lead.
fn strip_ecg_prefix(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    for prefix in ["ecg_", "ecg ", "ecg-", "ecg."] {
        if lower.starts_with(prefix) {
            if let Some(rest) = name.get(prefix.len()..) {
                if canonical_lead_name(rest).is_some() {
                    return rest.to_string();
                }
            }
        }
    }
    name.to_string()
}

/// Fills the column's non-finite values by linear interpolation (the nearest value at either end).
fn interpolate(column: &mut [f32]) {
    let mut previous: Option<(usize, f32)> = None;
    let mut i = 0;
    while i < column.len() {
        if column[i].is_finite() {
            previous = Some((i, column[i]));
            i += 1;
            continue;
        }
        let end = (i..column.len()).find(|&j| column[j].is_finite());
        let next = end.map(|j| (j, column[j]));
        for k in i..end.unwrap_or(column.len()) {
            column[k] = match (previous, next) {
                (Some((a, va)), Some((b, vb))) => {
                    (f64::from(va) + f64::from(vb - va) * (k - a) as f64 / (b - a) as f64) as f32
                }
                (Some((_, va)), None) => va,
                (None, Some((_, vb))) => vb,
                (None, None) => 0.0,
            };
        }
        i = end.unwrap_or(column.len());
    }
}

/// The rate from a time column's median step, and the notes to add (irregular steps, milliseconds assumed).
fn rate_from_time(
    file: &str,
    name: &str,
    times: &[f64],
    seconds_per_unit: Option<f64>,
) -> Result<(f64, Vec<String>), SignalError> {
    let mut notes = Vec::new();
    let mut steps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.is_empty() {
        return Err(malformed(
            file,
            format!("the time column '{name}' has a single row: no rate can be taken from it"),
        ));
    }
    steps.sort_by(f64::total_cmp);
    let median = steps[steps.len() / 2];
    if !(median.is_finite() && median > 0.0) {
        return Err(malformed(
            file,
            format!("the time column '{name}' does not increase (its median step is {median})"),
        ));
    }
    let seconds_per_unit = match seconds_per_unit {
        Some(s) => s,
        // A unit-less time column stepping by 1 or more is in milliseconds (a step of 1 s would be 1 Hz).
        None if median >= 0.5 => {
            notes.push(format!(
                "ecglens: the time column '{name}' states no unit and steps by {median}: read as milliseconds"
            ));
            1e-3
        }
        None => 1.0,
    };
    let step_s = median * seconds_per_unit;
    let mut rate = 1.0 / step_s;
    if (rate - rate.round()).abs() < 1e-6 * rate {
        rate = rate.round();
    }
    let (low, high) = (steps[0], steps[steps.len() - 1]);
    if (high - low) > median * 0.01 {
        notes.push(format!(
            "ecglens: the time column '{name}' steps irregularly (from {low} to {high}); the rate {rate} Hz is from its median step"
        ));
    }
    Ok((rate, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(rate: Option<f64>, leads: Option<&[&str]>, units: Option<Units>) -> ReadOptions {
        ReadOptions {
            sample_rate_hz: rate,
            leads: leads.map(|l| l.iter().map(|s| s.to_string()).collect()),
            units,
            ..Default::default()
        }
    }

    #[test]
    fn comma_with_time_column_in_seconds() {
        let csv = b"# exported by a test\ntime,I,II\n0,0.1,0.2\n0.002,0.15,0.3\n0.004,0.2,0.4\n";
        let o = read("a.csv", csv, &ReadOptions::default()).unwrap();
        assert_eq!(o.record.sample_rate_hz, 500.0);
        assert_eq!(o.record.leads.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), vec!["I", "II"]);
        assert_eq!(o.record.leads[1].samples_mv, vec![0.2, 0.3, 0.4]);
        assert_eq!(o.record.comments, vec!["exported by a test"]);
        assert_eq!(o.source.detail, "CSV, header row, time column 'time'");
        assert_eq!(o.source.warnings, vec!["ecglens: no units in the file; values up to 0.400 read as mV".to_string()]);
    }

    #[test]
    fn semicolons_decimal_comma_and_units_in_the_header() {
        let csv = "Lead I [µV];ECG_II [µV];V1_uV\n100,5;-200;3\n101;-201,25;4\n".as_bytes();
        let o = read("b.csv", csv, &opts(Some(250.0), None, None)).unwrap();
        assert_eq!(o.source.detail, "semicolon-separated, decimal comma, header row");
        let names: Vec<&str> = o.record.leads.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, vec!["I", "II", "V1"]);
        assert!((o.record.leads[0].samples_mv[0] - 0.1005).abs() < 1e-7);
        assert!((o.record.leads[1].samples_mv[1] + 0.20125).abs() < 1e-7);
        assert!(o.source.warnings.is_empty(), "{:?}", o.source.warnings);
    }

    #[test]
    fn no_header_asks_for_leads_and_rate_and_answers_work() {
        let tsv = b"0.1\t0.2\n0.2\t0.3\n";
        let e = read("c.tsv", tsv, &ReadOptions::default()).unwrap_err();
        let SignalError::NeedsInput { questions, .. } = e else { panic!("{e}") };
        assert_eq!(
            questions,
            vec![
                Question::SampleRate { suggested_hz: 500.0 },
                Question::Leads { count: 2, suggested: vec!["I".into(), "II".into()] }
            ]
        );
        let o = read("c.tsv", tsv, &opts(Some(500.0), Some(&["I", "II"]), Some(Units::Millivolts))).unwrap();
        assert_eq!(o.source.detail, "TSV, no header row");
        assert_eq!(o.record.leads[1].samples_mv, vec![0.2, 0.3]);
        // Blank-separated too.
        let o =
            read("c.txt", b"1  2\n 3   4\n", &opts(Some(1.0), Some(&["I", "II"]), Some(Units::Millivolts))).unwrap();
        assert_eq!(o.record.leads[1].samples_mv, vec![2.0, 4.0]);
    }

    #[test]
    fn counters_milliseconds_and_irregular_steps() {
        let csv = b"sample,ms,I\n0,0,1\n1,4,2\n2,8,3\n3,12.5,4\n";
        let o = read("d.csv", csv, &opts(None, None, Some(Units::Millivolts))).unwrap();
        assert_eq!(o.record.sample_rate_hz, 250.0);
        assert_eq!(o.record.leads.len(), 1);
        assert!(o.source.warnings.iter().any(|w| w.contains("steps irregularly")), "{:?}", o.source.warnings);
        let o = read("d.csv", b"t,I\n0,1\n2,2\n4,3\n", &opts(None, None, Some(Units::Millivolts))).unwrap();
        assert_eq!(o.record.sample_rate_hz, 500.0);
        assert!(o.source.warnings[0].contains("read as milliseconds"), "{:?}", o.source.warnings);
    }

    #[test]
    fn gaps_are_filled_or_refused() {
        let csv = b"I,II\n1,10\n,20\nNaN,30\n4,\n";
        let o = read("e.csv", csv, &opts(Some(1.0), None, Some(Units::Millivolts))).unwrap();
        assert_eq!(o.record.leads[0].samples_mv, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(o.record.leads[1].samples_mv, vec![10.0, 20.0, 30.0, 30.0]);
        assert_eq!(
            o.source.warnings,
            vec![
                "ecglens: column 'I' had 2 empty or NaN cells (row 3, 4), filled in by linear interpolation"
                    .to_string(),
                "ecglens: column 'II' had 1 empty or NaN cell (row 5), filled in by linear interpolation".to_string(),
            ]
        );
        let many: String = std::iter::once("I\n".to_string())
            .chain((0..20).map(|k| if k > 3 { "nan\n".into() } else { "1\n".into() }))
            .collect();
        let e = read("e.csv", many.as_bytes(), &opts(Some(1.0), None, None)).unwrap_err().to_string();
        assert_eq!(
            e,
            "e.csv (CSV/TSV): column 'I' (1) has 16 empty or NaN cells, the first at row 6: too many to fill in"
        );
    }

    #[test]
    fn errors_name_row_and_column() {
        let csv = b"time,I,II,notes\n0,1,2,3\n0.002,1,2,ok\n";
        let e = read("f.csv", csv, &ReadOptions::default()).unwrap_err().to_string();
        assert_eq!(e, "f.csv (CSV/TSV): column 'notes' (4) is not numbers: row 3 has 'ok'");
        let e = read("f.csv", b"I,II\n1,2\n1,2,3\n", &ReadOptions::default()).unwrap_err().to_string();
        assert_eq!(e, "f.csv (CSV/TSV): row 3 has 3 cells, but the first row has 2");
        let e = read("f.csv", b"I,II\n", &ReadOptions::default()).unwrap_err().to_string();
        assert!(e.contains("no rows of numbers"), "{e}");
        let e = read("f.csv", b"time\n0\n1\n", &ReadOptions::default()).unwrap_err().to_string();
        assert!(e.contains("no column of ECG values"), "{e}");
    }

    #[test]
    fn header_cells() {
        assert_eq!(split_unit("I (mV)"), ("I".into(), Some("mV")));
        assert_eq!(split_unit("II [uV]"), ("II".into(), Some("uV")));
        assert_eq!(split_unit("V1_mV"), ("V1".into(), Some("mV")));
        assert_eq!(split_unit("Time (s)"), ("Time".into(), Some("s")));
        assert_eq!(split_unit("aVR"), ("aVR".into(), None));
        assert_eq!(column_of("Time (s)", 0), Column::Time { name: "Time".into(), seconds_per_unit: Some(1.0) });
        assert_eq!(column_of("index", 0), Column::Counter);
        assert_eq!(column_of("ECG_II", 1), Column::Lead { name: "II".into(), units: None });
        assert_eq!(column_of("i", 1), Column::Lead { name: "i".into(), units: None });
        assert_eq!(column_of("BP (mmHg)", 1), Column::Lead { name: "BP (mmHg)".into(), units: None });
        let mut c = [f32::NAN, 1.0, f32::NAN, f32::INFINITY, 4.0, f32::NAN];
        interpolate(&mut c);
        assert_eq!(c, [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]);
    }
}
