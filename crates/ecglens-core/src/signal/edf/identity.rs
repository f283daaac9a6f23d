//! The header's patient and recording fields: EDF+ gives them subfields ("code sex birthdate name ...",
//! "Startdate dd-MMM-yyyy admincode technician equipment ..."; spaces inside a subfield are written as `_`, an
//! unknown subfield as `X`). Plain EDF's fields are free text.

use super::header::Header;
use crate::signal::source::{DeviceReport, PatientIdentity};

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

fn subfield(raw: &str) -> Option<String> {
    (raw != "X" && !raw.is_empty()).then(|| raw.replace('_', " "))
}

/// "30-JUN-1969" → "1969-06-30"; `None` when it is not such a date.
fn edfplus_date(raw: &str) -> Option<String> {
    let mut parts = raw.split('-');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    let day: u32 = d.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = MONTHS.iter().position(|&name| name.eq_ignore_ascii_case(m))? + 1;
    let year: u32 = y.parse().ok().filter(|_| y.len() == 4)?;
    parts.next().is_none().then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// Who the recording is of: EDF+'s subfields, or plain EDF's whole field as the local patient identification.
pub fn patient(header: &Header) -> PatientIdentity {
    let mut p = PatientIdentity::default();
    if header.plus.is_none() {
        PatientIdentity::set(&mut p.id, &header.patient);
        return p;
    }
    let mut parts = header.patient.split_whitespace();
    if let Some(code) = parts.next().and_then(subfield) {
        PatientIdentity::set(&mut p.id, &code);
    }
    match parts.next() {
        Some("M") => PatientIdentity::set(&mut p.sex, "male"),
        Some("F") => PatientIdentity::set(&mut p.sex, "female"),
        _ => {}
    }
    if let Some(raw) = parts.next().filter(|b| *b != "X") {
        PatientIdentity::set(&mut p.birth_date, &edfplus_date(raw).unwrap_or_else(|| raw.to_string()));
    }
    if let Some(name) = parts.next().and_then(subfield) {
        PatientIdentity::set(&mut p.name, &name);
    }
    p
}

/// "dd.mm.yy" + "hh.mm.ss" (years 85–99 are 19xx, the others 20xx, as the spec says), with EDF+'s 4-digit year
/// when the recording field has one, and `fraction_s` (the first record's sub-second start) when in (0, 1).
fn acquired(header: &Header, edfplus_iso_date: Option<&str>, fraction_s: f64) -> Option<String> {
    let nums = |s: &str| -> Option<[u32; 3]> {
        let mut it = s.split('.').map(|p| p.trim().parse::<u32>().ok());
        let v = [it.next()??, it.next()??, it.next()??];
        it.next().is_none().then_some(v)
    };
    let [hh, mi, ss] = nums(&header.start_time).filter(|[h, m, s]| *h < 24 && *m < 60 && *s < 61)?;
    let date = match edfplus_iso_date {
        Some(d) => d.to_string(),
        None => {
            let [dd, mm, yy] = nums(&header.start_date)
                .filter(|[d, m, y]| (1..=31).contains(d) && (1..=12).contains(m) && *y < 100)?;
            let year = if yy >= 85 { 1900 + yy } else { 2000 + yy };
            format!("{year:04}-{mm:02}-{dd:02}")
        }
    };
    let mut out = format!("{date}T{hh:02}:{mi:02}:{ss:02}");
    if fraction_s > 0.0 && fraction_s < 1.0 {
        let frac = format!("{fraction_s:.7}");
        out.push_str(frac.trim_start_matches('0').trim_end_matches('0'));
    }
    Some(out)
}

/// The device report (equipment, start time) and comments (plain EDF's recording identification).
pub fn device(header: &Header, fraction_s: f64) -> (DeviceReport, Vec<String>) {
    let mut report = DeviceReport::default();
    let mut comments = Vec::new();
    let mut iso_date = None;
    if header.plus.is_some() {
        let parts: Vec<&str> = header.recording.split_whitespace().collect();
        if parts.first() == Some(&"Startdate") {
            iso_date = parts.get(1).and_then(|d| edfplus_date(d));
            report.device = parts.get(4).and_then(|e| subfield(e));
        }
    } else if !header.recording.is_empty() {
        comments.push(format!("EDF recording identification: {}", header.recording));
    }
    report.acquired = acquired(header, iso_date.as_deref(), fraction_s);
    (report, comments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::edf::header::Plus;

    fn header(plus: bool, patient: &str, recording: &str, date: &str, time: &str) -> Header {
        Header {
            bdf: false,
            plus: plus.then_some(Plus::Continuous),
            patient: patient.into(),
            recording: recording.into(),
            start_date: date.into(),
            start_time: time.into(),
            header_bytes: 512,
            n_records_stated: 1,
            record_duration_s: 1.0,
            signals: vec![],
            record_bytes: 2,
        }
    }

    #[test]
    fn edfplus_subfields() {
        let h = header(
            true,
            "MCH-0234567 F 02-MAY-1951 Haagse_Harry",
            "Startdate 02-MAR-2002 PSG-1234/2002 NN Telemetry03",
            "02.03.02",
            "14.35.10",
        );
        let p = patient(&h);
        assert_eq!(p.id.as_deref(), Some("MCH-0234567"));
        assert_eq!(p.sex.as_deref(), Some("female"));
        assert_eq!(p.birth_date.as_deref(), Some("1951-05-02"));
        assert_eq!(p.name.as_deref(), Some("Haagse Harry"));
        let (d, comments) = device(&h, 0.25);
        assert_eq!(d.device.as_deref(), Some("Telemetry03"));
        assert_eq!(d.acquired.as_deref(), Some("2002-03-02T14:35:10.25"));
        assert!(comments.is_empty());
        let unknown = patient(&header(true, "X X X X", "Startdate X X X X", "01.01.85", "00.00.00"));
        assert!(unknown.is_empty());
    }

    #[test]
    fn plain_edf_fields() {
        let h = header(false, "Legacy patient", "Legacy recording", "04.04.11", "12.57.02");
        assert_eq!(patient(&h).id.as_deref(), Some("Legacy patient"));
        let (d, comments) = device(&h, 0.0);
        assert_eq!(d.acquired.as_deref(), Some("2011-04-04T12:57:02"));
        assert_eq!(comments, vec!["EDF recording identification: Legacy recording".to_string()]);
        assert_eq!(
            device(&header(false, "", "", "31.12.99", "23.59.59"), 0.0).0.acquired.as_deref(),
            Some("1999-12-31T23:59:59")
        );
        assert_eq!(device(&header(false, "", "", "xx", "23.59.59"), 0.0).0.acquired, None);
    }
}
