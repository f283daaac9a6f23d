//! Section 1: the header of tagged fields (tag byte, 2-byte length, value; tag 255 ends it). Read here: the
//! patient (tags 0, 1 last/first name, 2 ID, 4 age, 5 birth date, 8 sex), the acquiring device (tag 14), the
//! acquisition date and time (25, 26), the filters (27, 28) and the free text (30).

use super::sections::{u16_at, u8_at};
use crate::signal::source::PatientIdentity;

/// What section 1 says.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Header {
    pub patient: PatientIdentity,
    pub device: Option<String>,
    pub acquired: Option<String>,
    /// Tag 14's SCP protocol revision (10..13 = v1.x, 20 = v2.0, 29/30 = v3.0).
    pub protocol_version: Option<u8>,
    pub comments: Vec<String>,
}

/// Text of a field: up to the first NUL, UTF-8 when it is, else Latin-1 (the standard's default 8-bit set).
pub(super) fn text(raw: &[u8]) -> String {
    let raw = raw.split(|&b| b == 0).next().unwrap_or_default();
    match std::str::from_utf8(raw) {
        Ok(s) => s.trim().to_string(),
        Err(_) => raw.iter().map(|&b| char::from(b)).collect::<String>().trim().to_string(),
    }
}

/// Manufacturer codes of tag 14 (EN 1064 table 6).
fn manufacturer(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "Burdick",
        2 => "Cambridge Heart",
        3 => "Compumed",
        4 => "Datamed",
        5 => "Fukuda",
        6 => "Hewlett-Packard",
        7 => "Marquette",
        8 => "Mortara",
        9 => "Nihon Kohden",
        10 => "Okin",
        11 => "Quinton",
        12 => "Siemens",
        13 => "Spacelabs",
        14 => "Telemed",
        15 => "Hellige",
        16 => "ESA-OTE",
        17 => "Schiller",
        18 => "Picker-Schwarzer",
        19 => "Elettronica-Trentina",
        20 => "Zwönitz",
        _ => return None,
    })
}

fn date(v: &[u8]) -> Option<String> {
    let (year, month, day) = (u16_at(v, 0)?, u8_at(v, 2)?, u8_at(v, 3)?);
    if year == 0 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

fn time(v: &[u8]) -> Option<String> {
    let (h, m, s) = (u8_at(v, 0)?, u8_at(v, 1)?, u8_at(v, 2)?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(format!("{h:02}:{m:02}:{s:02}"))
}

/// Tag 14: institution, department, device ID, type, manufacturer code, model (6 bytes), protocol revision,
/// compatibility, language, capabilities, mains frequency, 16 reserved bytes, then strings: analysing program
/// revision (with a length byte), serial number, system software, SCP implementation software, manufacturer.
fn device(v: &[u8], header: &mut Header) {
    let model = v.get(8..14).map(text).unwrap_or_default();
    header.protocol_version = u8_at(v, 14).filter(|&p| p != 0);
    let strings: Vec<String> = match u8_at(v, 35) {
        Some(n) => {
            let rest = v.get(36 + usize::from(n)..).unwrap_or_default();
            let revision = v.get(36..36 + usize::from(n)).map(text).unwrap_or_default();
            std::iter::once(revision).chain(rest.split(|&b| b == 0).map(text)).collect()
        }
        None => Vec::new(),
    };
    let known = |s: &&String| !s.is_empty() && !s.eq_ignore_ascii_case("unknown");
    let maker =
        strings.get(4).filter(known).cloned().or_else(|| u8_at(v, 7).and_then(manufacturer).map(str::to_string));
    header.device = match (maker, model.is_empty()) {
        (Some(maker), false) => Some(format!("{maker} {model}")),
        (Some(maker), true) => Some(maker),
        (None, false) => Some(model),
        (None, true) => None,
    };
    if let Some(serial) = strings.get(1).filter(known) {
        header.comments.push(format!("device serial number: {serial}"));
    }
    if let Some(software) = strings.get(2).filter(known) {
        header.comments.push(format!("device software: {software}"));
    }
}

/// Reads section 1's content.
pub(super) fn parse_section1(content: &[u8]) -> Header {
    let mut h = Header::default();
    let (mut last, mut first) = (String::new(), String::new());
    let (mut acq_date, mut acq_time) = (None, None);
    let mut at = 0usize;
    while let (Some(tag), Some(len)) = (u8_at(content, at), u16_at(content, at + 1)) {
        if tag == 255 {
            break;
        }
        let start = at + 3;
        let Some(v) = content.get(start..start + usize::from(len)) else { break };
        at = start + usize::from(len);
        match tag {
            0 if last.is_empty() => last = text(v),
            1 if first.is_empty() => first = text(v),
            2 => PatientIdentity::set(&mut h.patient.id, &text(v)),
            4 => {
                let unit = match u8_at(v, 2) {
                    Some(1) => " years",
                    Some(2) => " months",
                    Some(3) => " weeks",
                    Some(4) => " days",
                    Some(5) => " hours",
                    _ => "",
                };
                if let Some(age) = u16_at(v, 0).filter(|&a| a > 0) {
                    PatientIdentity::set(&mut h.patient.age, &format!("{age}{unit}"));
                }
            }
            5 => {
                if let Some(d) = date(v) {
                    PatientIdentity::set(&mut h.patient.birth_date, &d);
                }
            }
            8 => match u8_at(v, 0) {
                Some(1) => PatientIdentity::set(&mut h.patient.sex, "male"),
                Some(2) => PatientIdentity::set(&mut h.patient.sex, "female"),
                _ => {}
            },
            14 if h.device.is_none() => device(v, &mut h),
            25 => acq_date = date(v),
            26 => acq_time = time(v),
            27 => {
                if let Some(f) = u16_at(v, 0).filter(|&f| f > 0) {
                    h.comments.push(format!("baseline (high-pass) filter: {} Hz", f64::from(f) / 100.0));
                }
            }
            28 => {
                if let Some(f) = u16_at(v, 0).filter(|&f| f > 0) {
                    h.comments.push(format!("low-pass filter: {f} Hz"));
                }
            }
            30 => {
                let t = text(v);
                if !t.is_empty() {
                    h.comments.push(t);
                }
            }
            _ => {}
        }
    }
    let name = match (last.is_empty(), first.is_empty()) {
        (false, false) => format!("{last}, {first}"),
        (false, true) => last,
        (true, false) => first,
        (true, true) => String::new(),
    };
    PatientIdentity::set(&mut h.patient.name, &name);
    h.acquired = match (acq_date, acq_time) {
        (Some(d), Some(t)) => Some(format!("{d}T{t}")),
        (Some(d), None) => Some(d),
        _ => None,
    };
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(t: u8, v: &[u8]) -> Vec<u8> {
        let mut out = vec![t];
        out.extend_from_slice(&(v.len() as u16).to_le_bytes());
        out.extend_from_slice(v);
        out
    }

    #[test]
    fn patient_device_and_time() {
        let mut c = Vec::new();
        c.extend(tag(0, b"Doe\0"));
        c.extend(tag(1, b"Jane\0"));
        c.extend(tag(2, b"ID-9\0"));
        c.extend(tag(4, &[54, 0, 1]));
        c.extend(tag(5, &[0xa1, 0x07, 5, 8]));
        c.extend(tag(8, &[2]));
        let mut t14 = vec![0u8; 36];
        t14[7] = 8;
        t14[8..14].copy_from_slice(b"ELI250");
        t14[14] = 20;
        t14[35] = 2;
        t14.extend_from_slice(b"1\0SN42\0unknown\0impl\0\0");
        c.extend(tag(14, &t14));
        c.extend(tag(25, &[0xd2, 0x07, 11, 22]));
        c.extend(tag(26, &[9, 10, 0]));
        c.extend(tag(27, &[5, 0]));
        c.extend(tag(30, b"routine\0"));
        c.extend(tag(255, &[]));
        c.extend(tag(2, b"after the end"));
        let h = parse_section1(&c);
        assert_eq!(h.patient.name.as_deref(), Some("Doe, Jane"));
        assert_eq!(h.patient.id.as_deref(), Some("ID-9"));
        assert_eq!(h.patient.age.as_deref(), Some("54 years"));
        assert_eq!(h.patient.birth_date.as_deref(), Some("1953-05-08"));
        assert_eq!(h.patient.sex.as_deref(), Some("female"));
        assert_eq!(h.device.as_deref(), Some("Mortara ELI250"));
        assert_eq!(h.protocol_version, Some(20));
        assert_eq!(h.acquired.as_deref(), Some("2002-11-22T09:10:00"));
        assert_eq!(h.comments, ["device serial number: SN42", "baseline (high-pass) filter: 0.05 Hz", "routine"]);
    }

    #[test]
    fn cut_off_tags_and_latin1() {
        let mut c = tag(0, b"M\xfcller\0");
        c.extend_from_slice(&[2, 50, 0, b'x']);
        let h = parse_section1(&c);
        assert_eq!(h.patient.name.as_deref(), Some("Müller"));
        assert_eq!(h.patient.id, None);
        assert_eq!(parse_section1(&[]), Header::default());
    }
}
