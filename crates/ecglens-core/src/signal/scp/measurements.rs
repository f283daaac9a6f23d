//! The device's own results: section 7 (global measurements of the dominant reference beat: P onset/offset,
//! QRS onset/offset, T offset in ms, the three axes; average RR; ventricular rate and QTc), and the
//! interpretation statements of section 8 (full text) or, when it has none, section 11 (universal statements).

use super::patient::text;
use super::sections::{i16_at, u16_at, u8_at};
use crate::signal::source::{measurement, DeviceReport};

/// The standard's "not measured" value.
const UNDEFINED: u16 = 29999;

fn defined(v: Option<u16>) -> Option<u16> {
    v.filter(|&v| v != UNDEFINED)
}

/// Reads section 7 into `report`'s measurements.
pub(super) fn parse_section7(content: &[u8], report: &mut DeviceReport) {
    let (Some(n_ref), Some(n_spikes)) = (u8_at(content, 0), u8_at(content, 1)) else { return };
    let rr_ms = defined(u16_at(content, 2)).filter(|&v| v > 0);
    // The first reference beat type is the dominant one (type 0).
    let m = |k: usize| defined(u16_at(content, 6 + 2 * k));
    let axis = |k: usize| i16_at(content, 6 + 10 + 2 * k).filter(|&v| v != UNDEFINED as i16 && n_ref > 0);
    let (p_on, p_off, qrs_on, qrs_off, t_off) =
        if n_ref > 0 { (m(0), m(1), m(2), m(3), m(4)) } else { (None, None, None, None, None) };
    let duration = |from: Option<u16>, to: Option<u16>| match (from, to) {
        (Some(a), Some(b)) if b > a => Some(f64::from(b - a)),
        _ => None,
    };
    // After the measurements: spikes (4 bytes each) and their details (6 bytes each), the QRS types, then the
    // ventricular rate, atrial rate, QTc and QTc formula.
    let after = 6 + 16 * usize::from(n_ref) + 10 * usize::from(n_spikes);
    let (vent_rate, qtc) = match u16_at(content, after) {
        Some(n_qrs) => {
            let at = after + 2 + usize::from(n_qrs);
            (defined(u16_at(content, at)).filter(|&v| v > 0), defined(u16_at(content, at + 4)).filter(|&v| v > 0))
        }
        None => (None, None),
    };
    let heart_rate = vent_rate.map(f64::from).or(rr_ms.map(|rr| 60000.0 / f64::from(rr)));
    report.measure(measurement::HEART_RATE, heart_rate, "bpm");
    report.measure(measurement::RR, rr_ms.map(f64::from), "ms");
    report.measure(measurement::P_DURATION, duration(p_on, p_off), "ms");
    report.measure(measurement::PR, duration(p_on, qrs_on), "ms");
    report.measure(measurement::QRS, duration(qrs_on, qrs_off), "ms");
    report.measure(measurement::QT, duration(qrs_on, t_off), "ms");
    report.measure(measurement::QTC, qtc.map(f64::from), "ms");
    report.measure(measurement::P_AXIS, axis(0).map(f64::from), "°");
    report.measure(measurement::QRS_AXIS, axis(1).map(f64::from), "°");
    report.measure(measurement::T_AXIS, axis(2).map(f64::from), "°");
}

/// Section 8: confirmed flag, date (4 bytes), time (3), number of statements, then per statement its sequence
/// number, length (2 bytes) and text. A statement may hold several lines.
pub(super) fn parse_section8(content: &[u8]) -> Vec<String> {
    statements(content, 8, false)
}

/// Section 11: the same frame; each statement starts with its type (1 = coded, 2 = full text, 3 = logic).
pub(super) fn parse_section11(content: &[u8]) -> Vec<String> {
    statements(content, 8, true)
}

fn statements(content: &[u8], count_at: usize, typed: bool) -> Vec<String> {
    let Some(n) = u8_at(content, count_at) else { return Vec::new() };
    let mut out = Vec::new();
    let mut at = count_at + 1;
    for _ in 0..n {
        let Some(len) = u16_at(content, at + 1) else { break };
        let start = at + 3;
        let Some(v) = content.get(start..start + usize::from(len)) else { break };
        at = start + usize::from(len);
        let v = if typed {
            match v.split_first() {
                // Coded statements hold the code then its text, NUL-separated: keep the text where there is one.
                Some((1, rest)) => {
                    let parts: Vec<String> = rest.split(|&b| b == 0).map(text).filter(|s| !s.is_empty()).collect();
                    if let Some(last) = parts.last() {
                        out.push(last.clone());
                    }
                    continue;
                }
                Some((2, rest)) => rest,
                _ => continue,
            }
        } else {
            v
        };
        let raw: Vec<u8> = v.iter().map(|&b| if b == 0 { b'\n' } else { b }).collect();
        for line in text(&raw).split(['\n', '\r']).map(str::trim).filter(|l| !l.is_empty()) {
            out.push(line.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_measurements() {
        let mut c = vec![1u8, 0];
        c.extend_from_slice(&800u16.to_le_bytes());
        c.extend_from_slice(&UNDEFINED.to_le_bytes());
        for v in [286u16, 388, 434, 554, 854] {
            c.extend_from_slice(&v.to_le_bytes());
        }
        for v in [44i16, -61, UNDEFINED as i16] {
            c.extend_from_slice(&v.to_le_bytes());
        }
        c.extend_from_slice(&0u16.to_le_bytes()); // no QRS types
        c.extend_from_slice(&0u16.to_le_bytes()); // ventricular rate not given
        c.extend_from_slice(&UNDEFINED.to_le_bytes());
        c.extend_from_slice(&443u16.to_le_bytes());
        let mut r = DeviceReport::default();
        parse_section7(&c, &mut r);
        let got: Vec<(&str, f64)> = r.measurements.iter().map(|m| (m.name.as_str(), m.value)).collect();
        assert_eq!(
            got,
            [
                ("Heart rate", 75.0),
                ("RR", 800.0),
                ("P", 102.0),
                ("PR", 148.0),
                ("QRS", 120.0),
                ("QT", 420.0),
                ("QTc", 443.0),
                ("P axis", 44.0),
                ("QRS axis", -61.0)
            ]
        );
        let mut r = DeviceReport::default();
        parse_section7(&c[..4], &mut r);
        assert_eq!(r.measurements.len(), 2);
        parse_section7(&[], &mut r);
    }

    #[test]
    fn statements_of_sections_8_and_11() {
        let mut c = vec![1, 0xd2, 0x07, 11, 22, 9, 10, 0, 2];
        for (i, s) in [&b"Sinus rhythm\0"[..], b"Left axis deviation\r\nAbnormal ECG\0"].iter().enumerate() {
            c.push(i as u8 + 1);
            c.extend_from_slice(&(s.len() as u16).to_le_bytes());
            c.extend_from_slice(s);
        }
        assert_eq!(parse_section8(&c), ["Sinus rhythm", "Left axis deviation", "Abnormal ECG"]);
        assert_eq!(parse_section8(&c[..20]), Vec::<String>::new());
        let mut c = vec![1, 0xd2, 0x07, 11, 22, 9, 10, 0, 3];
        for s in [&b"\x01SR\0Sinus rhythm\0"[..], b"\x02Borderline ECG\0", b"\x03logic"] {
            c.push(1);
            c.extend_from_slice(&(s.len() as u16).to_le_bytes());
            c.extend_from_slice(s);
        }
        assert_eq!(parse_section11(&c), ["Sinus rhythm", "Borderline ECG"]);
    }
}
