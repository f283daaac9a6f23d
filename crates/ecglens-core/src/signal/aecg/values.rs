//! The HL7 v3 data types an aECG carries as text: physical quantities (value + unit), the integer `<digits>`
//! of an `SLIST_PQ`, and `TS` timestamps (`YYYYMMDDHHMMSS.fff`).

/// Millivolts per one of `unit` (UCUM spellings as aECG files write them), or `None` for a non-voltage unit.
pub(crate) fn mv_per_unit(unit: &str) -> Option<f64> {
    Some(match unit.trim() {
        "nV" => 1e-6,
        "uV" | "µV" | "μV" => 1e-3,
        "mV" => 1.0,
        "V" => 1e3,
        _ => return None,
    })
}

/// Seconds per one of `unit`, for the sampling increment.
pub(crate) fn s_per_unit(unit: &str) -> Option<f64> {
    Some(match unit.trim() {
        "s" | "" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        _ => return None,
    })
}

/// A decimal number as the file writes it, finite.
pub(crate) fn number(raw: &str) -> Option<f64> {
    raw.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// How many whitespace-separated digits `text` holds (counted before anything is allocated).
pub(crate) fn count_digits(text: &str) -> usize {
    text.split_ascii_whitespace().count()
}

/// The digits as integers; the error names the first that is not one (1-based position and its text).
pub(crate) fn parse_digits(text: &str, capacity: usize) -> Result<Vec<i64>, (usize, String)> {
    let mut out = Vec::with_capacity(capacity);
    for (i, token) in text.split_ascii_whitespace().enumerate() {
        let v = token.parse::<i64>().map_err(|_| (i + 1, token.chars().take(20).collect::<String>()))?;
        out.push(v);
    }
    Ok(out)
}

/// An HL7 `TS` (`YYYYMMDD[HH[MM[SS[.fff]]]][+ZZzz]`) as ISO 8601 (`2002-11-22T09:10:00.000`); the raw text when it
/// does not look like one.
pub(crate) fn timestamp_iso(raw: &str) -> String {
    let t = raw.trim();
    let (main, zone) = match t.find(['+', '-']) {
        Some(p) if p >= 8 => t.split_at(p),
        _ => (t, ""),
    };
    let (whole, fraction) = main.split_once('.').unwrap_or((main, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(digits_only(whole) && digits_only(fraction) && matches!(whole.len(), 4 | 6 | 8 | 10 | 12 | 14)) {
        return t.to_string();
    }
    let part = |a: usize, b: usize| whole.get(a..b).unwrap_or("");
    let mut iso = part(0, 4).to_string();
    for (a, b, sep) in [(4, 6, "-"), (6, 8, "-"), (8, 10, "T"), (10, 12, ":"), (12, 14, ":")] {
        if whole.len() >= b {
            iso.push_str(sep);
            iso.push_str(part(a, b));
        }
    }
    if !fraction.is_empty() && whole.len() == 14 {
        iso.push('.');
        iso.push_str(fraction);
    }
    if zone.len() == 5 && digits_only(&zone[1..]) {
        iso.push_str(&zone[..3]);
        iso.push(':');
        iso.push_str(&zone[3..]);
    }
    iso
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_digits_and_timestamps() {
        assert_eq!(mv_per_unit("uV"), Some(1e-3));
        assert_eq!(mv_per_unit("V"), Some(1e3));
        assert_eq!(mv_per_unit("mmHg"), None);
        assert_eq!(s_per_unit("ms"), Some(1e-3));
        assert_eq!(number(" 2.5 "), Some(2.5));
        assert_eq!(number("NaN"), None);
        assert_eq!(count_digits(" -2 3\n 4\t"), 3);
        assert_eq!(parse_digits(" -2 3\n 4", 3).unwrap(), vec![-2, 3, 4]);
        assert_eq!(parse_digits("1 2 4.5", 3).unwrap_err(), (3, "4.5".to_string()));
        assert_eq!(timestamp_iso("20021122091000"), "2002-11-22T09:10:00");
        assert_eq!(timestamp_iso("20021122091000.000"), "2002-11-22T09:10:00.000");
        assert_eq!(timestamp_iso("19530508"), "1953-05-08");
        assert_eq!(timestamp_iso("200211220737-0500"), "2002-11-22T07:37-05:00");
        assert_eq!(timestamp_iso("yesterday"), "yesterday");
    }
}
