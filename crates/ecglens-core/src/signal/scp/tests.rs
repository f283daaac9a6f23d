//! Whole records built here: 8 stored leads, no compression, the reference beat subtracted, broken frames.

use super::huffman::tests::encode_default;
use super::sections::crc_ccitt;
use super::*;

/// A record from (id, content) pairs: section headers, section 0's pointers for ids 0..=11, CRCs.
pub(super) fn build(sections: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let section = |id: u16, content: &[u8]| {
        let mut s = vec![0, 0];
        s.extend_from_slice(&id.to_le_bytes());
        s.extend_from_slice(&((content.len() + 16) as u32).to_le_bytes());
        s.extend_from_slice(&[20, 20, 0, 0, 0, 0, 0, 0]);
        s.extend_from_slice(content);
        let crc = crc_ccitt(&s[2..]);
        s[..2].copy_from_slice(&crc.to_le_bytes());
        s
    };
    let pointer_len = 16 + 12 * 10;
    let mut body = Vec::new();
    let mut pointers = Vec::new();
    let mut at = 6 + pointer_len; // 0-based start of the next section
    pointers.extend_from_slice(&0u16.to_le_bytes());
    pointers.extend_from_slice(&(pointer_len as u32).to_le_bytes());
    pointers.extend_from_slice(&7u32.to_le_bytes());
    for id in 1..12u16 {
        pointers.extend_from_slice(&id.to_le_bytes());
        match sections.iter().find(|(i, _)| *i == id) {
            Some((_, content)) => {
                let s = section(id, content);
                pointers.extend_from_slice(&(s.len() as u32).to_le_bytes());
                pointers.extend_from_slice(&((at + 1) as u32).to_le_bytes());
                at += s.len();
                body.extend(s);
            }
            None => pointers.extend_from_slice(&[0; 8]),
        }
    }
    let mut record = vec![0, 0, 0, 0, 0, 0];
    record.extend(section(0, &pointers));
    record.extend(body);
    let len = record.len() as u32;
    record[2..6].copy_from_slice(&len.to_le_bytes());
    let crc = crc_ccitt(&record[2..]);
    record[..2].copy_from_slice(&crc.to_le_bytes());
    record
}

fn section3(codes: &[u8], n: u32, flags: u8) -> Vec<u8> {
    let mut c = vec![codes.len() as u8, flags];
    for &code in codes {
        c.extend_from_slice(&1u32.to_le_bytes());
        c.extend_from_slice(&n.to_le_bytes());
        c.push(code);
    }
    c
}

fn encoded(avm_nv: u16, interval_us: u16, difference: u8, leads: &[Vec<u8>]) -> Vec<u8> {
    let mut c = avm_nv.to_le_bytes().to_vec();
    c.extend_from_slice(&interval_us.to_le_bytes());
    c.extend_from_slice(&[difference, 0]);
    for l in leads {
        c.extend_from_slice(&(l.len() as u16).to_le_bytes());
    }
    for l in leads {
        c.extend_from_slice(l);
    }
    c
}

fn raw16(values: &[i16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn eight_stored_leads_uncompressed_get_the_four_limb_leads() {
    let codes = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let leads: Vec<Vec<u8>> = (0..8).map(|k| raw16(&[k * 100, 200, -400, 0])).collect();
    let mut s1 = vec![0u8, 4, 0];
    s1.extend_from_slice(b"Doe\0");
    s1.extend_from_slice(&[255, 0, 0]);
    let bytes = build(&[(1, s1), (3, section3(&codes, 4, 0b100)), (6, encoded(5000, 1000, 0, &leads))]);
    let o = read("dir/x.scp", &bytes).unwrap();
    assert_eq!(o.record.name, "x");
    assert_eq!(o.record.sample_rate_hz, 1000.0);
    let names: Vec<&str> = o.record.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]);
    // 200 × 5000 nV = 1 mV; lead II's first value is 100 × 5 µV = 0.5 mV.
    assert_eq!(o.record.leads[0].samples_mv, [0.0, 1.0, -2.0, 0.0]);
    assert_eq!(o.record.leads[1].samples_mv, [0.5, 1.0, -2.0, 0.0]);
    assert_eq!(o.record.leads[2].samples_mv, [0.5, 0.0, 0.0, 0.0]); // III = II - I
    assert_eq!(o.source.detail, "SCP-ECG v2.0, uncompressed, no differences");
    assert_eq!(o.patient.name.as_deref(), Some("Doe"));
    assert!(o.source.warnings.iter().any(|w| w.contains("derived from I and II")), "{:?}", o.source.warnings);
    assert!(o.record.validate().is_ok());
}

#[test]
fn residual_plus_reference_beat() {
    // One lead, 10 samples at 500 Hz, residual 0 except +1; the beat (6 ms = 3 samples, fiducial at its 2nd)
    // sits on a QRS zone from sample 4 to 6 with its fiducial at 5.
    let residual = encode_default(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    let beat = encode_default(&[10, 20, 30]);
    let mut s4 = 6u16.to_le_bytes().to_vec();
    s4.extend_from_slice(&2u16.to_le_bytes());
    s4.extend_from_slice(&1u16.to_le_bytes());
    s4.extend_from_slice(&0u16.to_le_bytes());
    for v in [4u32, 5, 6] {
        s4.extend_from_slice(&v.to_le_bytes());
    }
    s4.extend_from_slice(&[0; 8]);
    let bytes = build(&[
        (2, 19999u16.to_le_bytes().to_vec()),
        (3, section3(&[3], 10, 0b101)),
        (4, s4),
        (5, encoded(1000, 2000, 0, &[beat])),
        (6, encoded(2000, 2000, 0, &[residual])),
    ]);
    let o = read("r.scp", &bytes).unwrap();
    let v1: Vec<f32> = o.record.leads[0].samples_mv.iter().map(|v| (v * 1000.0).round()).collect();
    // µV: the beat (×1 µV) at samples 4..6 (0-based 3..5), the residual (×2 µV) at 0-based 5.
    assert_eq!(v1, [0.0, 0.0, 0.0, 10.0, 20.0, 32.0, 0.0, 0.0, 0.0, 0.0]);
    assert!(o.source.detail.contains("reference beat added back"), "{}", o.source.detail);

    // Without section 5 the residual cannot be rebuilt.
    let bytes = build(&[(3, section3(&[3], 10, 1)), (6, encoded(2000, 2000, 0, &[raw16(&[0; 10])]))]);
    let e = read("r.scp", &bytes).unwrap_err().to_string();
    assert!(e.contains("reference beat subtracted") && e.contains("section 4"), "{e}");
}

#[test]
fn broken_records_say_what_is_wrong() {
    let default = || (2, 19999u16.to_le_bytes().to_vec());
    let ok =
        build(&[default(), (3, section3(&[1], 4, 4)), (6, encoded(1000, 2000, 2, &[encode_default(&[1, 2, 0, 0])]))]);
    assert!(read("a.scp", &ok).is_ok());

    // A wrong record CRC is a warning.
    let mut bad_crc = ok.clone();
    bad_crc[0] ^= 0xff;
    let o = read("a.scp", &bad_crc).unwrap();
    assert!(o.source.warnings.iter().any(|w| w.contains("record's CRC")), "{:?}", o.source.warnings);

    // No rhythm data.
    let e = read("a.scp", &build(&[(3, section3(&[1], 4, 4))])).unwrap_err().to_string();
    assert!(e.contains("a.scp (SCP-ECG): the file has no rhythm data (section 6)"), "{e}");

    // A stream too short for its samples.
    let short =
        build(&[default(), (3, section3(&[1], 4000, 4)), (6, encoded(1000, 2000, 2, &[encode_default(&[1, 2])]))]);
    let e = read("a.scp", &short).unwrap_err().to_string();
    assert!(e.contains("compressed data of lead I end after") && e.contains("of 4,000 samples"), "{e}");

    // An unknown table.
    let mut s2 = 1u16.to_le_bytes().to_vec();
    s2.extend_from_slice(&1u16.to_le_bytes());
    s2.extend_from_slice(&[1, 1, 0, 9, 0, 1, 0, 0, 0]);
    let t = build(&[(2, s2), (3, section3(&[1], 4, 4)), (6, encoded(1000, 2000, 0, &[vec![0xff]]))]);
    let e = read("a.scp", &t).unwrap_err().to_string();
    assert!(e.contains("Huffman table 9"), "{e}");

    // Counts over the limits.
    let huge = build(&[(3, section3(&[1, 2], 40_000_000, 4)), (6, encoded(1000, 2000, 0, &[vec![], vec![]]))]);
    let e = read("a.scp", &huge).unwrap_err();
    assert!(matches!(e, SignalError::TooLarge { .. }), "{e}");

    // Bimodal compression.
    let mut bimodal = encoded(1000, 2000, 0, &[raw16(&[0; 4])]);
    bimodal[5] = 1;
    let e = read("a.scp", &build(&[(3, section3(&[1], 4, 4)), (6, bimodal)])).unwrap_err();
    assert!(matches!(e, SignalError::Unsupported { .. }) && e.to_string().contains("bimodal"), "{e}");

    // Truncated.
    let e = read("a.scp", &ok[..ok.len() - 1]).unwrap_err().to_string();
    assert!(e.contains("the file is truncated"), "{e}");

    // A pointer to a section whose header names another.
    let mut wrong = ok.clone();
    let s3_at = 6 + 136 + 18; // section 1 is absent: section 3 follows sections 0 and 2
    wrong[s3_at + 2] = 9;
    let e = read("a.scp", &wrong).unwrap_err().to_string();
    assert!(e.contains("section 3 (lead definition): its header says it is section 9"), "{e}");
}

#[test]
fn versions() {
    assert_eq!(version_name(10).as_deref(), Some("1.0"));
    assert_eq!(version_name(13).as_deref(), Some("1.3"));
    assert_eq!(version_name(20).as_deref(), Some("2.0"));
    assert_eq!(version_name(29).as_deref(), Some("3.0"));
    assert_eq!(version_name(0), None);
}
