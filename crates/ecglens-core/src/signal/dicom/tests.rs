//! The reader on small synthetic files (explicit VR little endian, written here), one problem at a time.

use super::*;

/// Writes explicit-VR little-endian elements.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn el(mut self, group: u16, element: u16, vr: &[u8; 2], value: &[u8]) -> Self {
        let mut value = value.to_vec();
        if value.len() % 2 == 1 {
            value.push(if vr == b"UI" || vr == b"OB" { 0 } else { b' ' });
        }
        self.0.extend(group.to_le_bytes());
        self.0.extend(element.to_le_bytes());
        self.0.extend(vr);
        if [b"OB", b"OW", b"SQ", b"UN", b"UT"].contains(&vr) {
            self.0.extend([0, 0]);
            self.0.extend((value.len() as u32).to_le_bytes());
        } else {
            self.0.extend((value.len() as u16).to_le_bytes());
        }
        self.0.extend(value);
        self
    }
    fn seq(self, group: u16, element: u16, items: Vec<Writer>) -> Self {
        let mut body = Vec::new();
        for item in items {
            body.extend([0xFE, 0xFF, 0x00, 0xE0]);
            body.extend((item.0.len() as u32).to_le_bytes());
            body.extend(item.0);
        }
        self.el(group, element, b"SQ", &body)
    }
}

const ECG_12: &str = "1.2.840.10008.5.1.4.1.1.9.1.1";

fn file(sop_class: &str, transfer_syntax: &str, data_set: Writer) -> Vec<u8> {
    let meta = Writer::default().el(0x0002, 0x0002, b"UI", sop_class.as_bytes()).el(
        0x0002,
        0x0010,
        b"UI",
        transfer_syntax.as_bytes(),
    );
    let mut out = vec![0u8; 128];
    out.extend(b"DICM");
    out.extend(Writer::default().el(0x0002, 0x0000, b"UL", &(meta.0.len() as u32).to_le_bytes()).0);
    out.extend(meta.0);
    out.extend(data_set.0);
    out
}

fn channel(code: &str, sensitivity: &str, baseline: &str, unit: &str) -> Writer {
    Writer::default()
        .seq(0x003A, 0x0208, vec![Writer::default().el(0x0008, 0x0100, b"SH", code.as_bytes())])
        .el(0x003A, 0x0210, b"DS", sensitivity.as_bytes())
        .seq(0x003A, 0x0211, vec![Writer::default().el(0x0008, 0x0100, b"SH", unit.as_bytes())])
        .el(0x003A, 0x0212, b"DS", b"1")
        .el(0x003A, 0x0213, b"DS", baseline.as_bytes())
}

/// A group of 2 channels (I, II) × `n` samples: I = 0, 1, 2, ...; II = -(0, 1, 2, ...).
fn group(label: &str, n: u32, interpretation: &str, bits: u16, data: Vec<u8>, channels: Vec<Writer>) -> Writer {
    let n_channels = channels.len() as u16;
    group_of(n_channels, label, n, interpretation, bits, data, channels)
}

fn group_of(
    n_channels: u16,
    label: &str,
    n: u32,
    interpretation: &str,
    bits: u16,
    data: Vec<u8>,
    channels: Vec<Writer>,
) -> Writer {
    Writer::default()
        .el(0x003A, 0x0005, b"US", &n_channels.to_le_bytes())
        .el(0x003A, 0x0010, b"UL", &n.to_le_bytes())
        .el(0x003A, 0x001A, b"DS", b"500")
        .el(0x003A, 0x0020, b"SH", label.as_bytes())
        .seq(0x003A, 0x0200, channels)
        .el(0x5400, 0x1004, b"US", &bits.to_le_bytes())
        .el(0x5400, 0x1006, b"CS", interpretation.as_bytes())
        .el(0x5400, 0x1010, b"OW", &data)
}

fn ss_data(n: i16) -> Vec<u8> {
    (0..n).flat_map(|i| [i, -i]).flat_map(|v| v.to_le_bytes()).collect()
}

fn two_leads() -> Vec<Writer> {
    vec![channel("5.6.3-9-1", "2.5", "0", "uV"), channel("2:2", "1", "0.5", "mV")]
}

fn ecg(groups: Vec<Writer>) -> Vec<u8> {
    let data_set = Writer::default()
        .el(0x0008, 0x0016, b"UI", ECG_12.as_bytes())
        .el(0x0010, 0x0010, b"PN", b"Doe^Jane")
        .el(0x0010, 0x0040, b"CS", b"F")
        .seq(0x5400, 0x0100, groups);
    file(ECG_12, "1.2.840.10008.1.2.1", data_set)
}

fn message(bytes: &[u8]) -> String {
    read("t.dcm", bytes).unwrap_err().to_string()
}

#[test]
fn reads_the_rhythm_group_with_sensitivity_baseline_and_units() {
    let median = group("MEDIAN BEAT", 20, "SS", 16, ss_data(20), two_leads());
    let rhythm = group("RHYTHM", 10, "SS", 16, ss_data(10), two_leads());
    let opened = read("t.dcm", &ecg(vec![median, rhythm])).unwrap();
    let r = &opened.record;
    assert_eq!(r.leads.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["I", "II"]);
    assert_eq!((r.sample_rate_hz, r.n_samples()), (500.0, 10));
    // I: raw × 2.5 µV; II: raw × 1 mV + 0.5 mV baseline (pydicom's order: sensitivity first, then baseline).
    assert_eq!(r.leads[0].samples_mv[4], 0.01);
    assert_eq!(r.leads[1].samples_mv[3], -2.5);
    assert_eq!(opened.patient.name.as_deref(), Some("Doe Jane"));
    assert_eq!(opened.patient.sex.as_deref(), Some("F"));
    assert!(r.comments.iter().any(|c| c.contains("'RHYTHM' (2 of 2)")));
}

#[test]
fn without_a_rhythm_label_the_longest_group_is_read() {
    let a = group("A", 5, "SS", 16, ss_data(5), two_leads());
    let b = group("B", 9, "SS", 16, ss_data(9), two_leads());
    assert_eq!(read("t.dcm", &ecg(vec![a, b])).unwrap().record.n_samples(), 9);
}

#[test]
fn other_sample_sizes() {
    let bytes: Vec<u8> = (0..10i8).flat_map(|i| [i, -i]).map(|v| v as u8).collect();
    let r = read("t.dcm", &ecg(vec![group("RHYTHM", 10, "SB", 8, bytes, two_leads())])).unwrap().record;
    assert_eq!(r.leads[1].samples_mv[9], -8.5);
    let words: Vec<u8> = (0..4i32).flat_map(|i| [i * 1000, 7]).flat_map(|v| v.to_le_bytes()).collect();
    let r = read("t.dcm", &ecg(vec![group("RHYTHM", 4, "SL", 32, words, two_leads())])).unwrap().record;
    assert_eq!(r.leads[0].samples_mv[3], 7.5);
    assert_eq!(r.leads[1].samples_mv[3], 7.5);
}

#[test]
fn errors_name_the_problem() {
    let ct =
        file("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.1", Writer::default().el(0x0010, 0x0010, b"PN", b"X"));
    assert_eq!(
        message(&ct),
        "t.dcm (DICOM): a DICOM without waveform data: it is a CT image (SOP class 1.2.840.10008.5.1.4.1.1.2), not an ECG"
    );
    let e = message(&ecg(vec![group("RHYTHM", 10, "MB", 8, vec![0; 20], two_leads())]));
    assert!(e.contains("µ-law compressed"), "{e}");
    let e = message(&ecg(vec![group("RHYTHM", 10, "SS", 8, ss_data(10), two_leads())]));
    assert!(e.contains("8-bit samples with interpretation 'SS'"), "{e}");
    let e = message(&ecg(vec![group("RHYTHM", 10, "SS", 16, ss_data(9), two_leads())]));
    assert!(e.contains("the waveform data ends after 36 of 40 bytes") && e.contains("truncated"), "{e}");
    let e = message(&ecg(vec![group_of(2, "RHYTHM", 10, "SS", 16, ss_data(10), vec![channel("2:1", "1", "0", "uV")])]));
    assert!(e.contains("2 channels but 1 channel definitions"), "{e}");
    let many = (0..65).map(|_| channel("2:1", "1", "0", "uV")).collect();
    assert!(matches!(
        read("t.dcm", &ecg(vec![group("RHYTHM", 10, "SS", 16, ss_data(10), many)])),
        Err(SignalError::TooLarge { .. })
    ));
    let long = ecg(vec![group("RHYTHM", 30_000_000, "SS", 16, ss_data(10), two_leads())]);
    assert!(message(&long).contains("at most 50000000 samples"), "{}", message(&long));
    let pressure = vec![channel("2:1", "1", "0", "mm[Hg]"), channel("2:2", "1", "0", "mm[Hg]")];
    assert!(message(&ecg(vec![group("RHYTHM", 10, "SS", 16, ss_data(10), pressure)])).contains("not an ECG"));
    let jpeg = file(ECG_12, "1.2.840.10008.1.2.4.50", Writer::default());
    assert!(message(&jpeg).contains("transfer syntax 1.2.840.10008.1.2.4.50"), "{}", message(&jpeg));
}

#[test]
fn hostile_lengths_and_nesting_are_refused_before_parsing() {
    // A 4 GB element in a 200-byte file.
    let mut huge = ecg(vec![]);
    huge.extend([0x10, 0x00, 0x20, 0x00, b'O', b'B', 0, 0, 0xF0, 0xFF, 0xFF, 0xFF]);
    let e = message(&huge);
    assert!(e.contains("declares 4294967280 bytes") && e.contains("truncated or corrupt"), "{e}");
    // 100 sequences of undefined length inside each other.
    let mut deep = file(ECG_12, "1.2.840.10008.1.2.1", Writer::default());
    for _ in 0..100 {
        deep.extend([0x00, 0x54, 0x00, 0x01, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        deep.extend([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
    assert!(message(&deep).contains(&format!("deeper than {MAX_DEPTH}")), "{}", message(&deep));
    // The same in implicit VR, where the dictionary says which tags are sequences.
    let mut implicit = file(ECG_12, "1.2.840.10008.1.2", Writer::default());
    for _ in 0..100 {
        implicit
            .extend([0x00, 0x54, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
    assert!(message(&implicit).contains("deeper than"), "{}", message(&implicit));
}
