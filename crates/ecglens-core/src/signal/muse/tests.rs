use base64::Engine as _;

use super::*;

/// A small MUSE document: a median and a rhythm waveform, leads I, II, V1 of `n` samples (`k` + lead index).
fn document(n: usize) -> String {
    let lead = |id: &str, offset: i16| {
        let bytes: Vec<u8> = (0..n).flat_map(|k| (k as i16 + offset).to_le_bytes()).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        format!(
            "<LeadData><LeadByteCountTotal>{}</LeadByteCountTotal><LeadSampleCountTotal>{n}</LeadSampleCountTotal>\
             <LeadAmplitudeUnitsPerBit>5</LeadAmplitudeUnitsPerBit><LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits>\
             <LeadID>{id}</LeadID><LeadDataCRC32>{}</LeadDataCRC32><WaveFormData>{b64}</WaveFormData></LeadData>",
            bytes.len(),
            waveform::crc32(&bytes)
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<!DOCTYPE RestingECG SYSTEM \"restecg.dtd\">\n<RestingECG>\
         <MuseInfo><MuseVersion>9.0</MuseVersion></MuseInfo>\
         <Waveform><WaveformType>Median</WaveformType><SampleBase>500</SampleBase>{}</Waveform>\
         <Waveform><WaveformType>Rhythm</WaveformType><SampleBase>25</SampleBase><SampleExponent>1</SampleExponent>\
         {}{}{}</Waveform></RestingECG>",
        lead("I", 100),
        lead("I", 0),
        lead("II", 1),
        lead("V1", 2)
    )
}

#[test]
fn reads_the_rhythm_waveform_and_derives_the_limb_leads() {
    let o = read("d/m.xml", document(4).as_bytes()).unwrap();
    assert_eq!(o.record.name, "m");
    assert_eq!(o.record.sample_rate_hz, 250.0);
    let names: Vec<&str> = o.record.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["I", "II", "III", "aVR", "aVL", "aVF", "V1"]);
    assert_eq!(o.record.leads[0].samples_mv, [0.0, 0.005, 0.01, 0.015]);
    assert_eq!(o.record.leads[6].samples_mv, [0.01, 0.015, 0.02, 0.025]);
    assert_eq!(o.record.leads[2].samples_mv, [0.005; 4]);
    assert_eq!(o.source.detail, "MUSE 9.0, rhythm waveform of 3 leads (Base64 int16)");
    assert_eq!(o.source.warnings.len(), 1, "{:?}", o.source.warnings);
    assert!(o.source.warnings[0].contains("III, aVR, aVL, aVF derived"));
    assert!(o.record.comments[0].contains("III, aVR, aVL, aVF derived"));
    assert!(o.record.validate().is_ok());
}

#[test]
fn refusals_say_what_is_wrong() {
    let doc = document(4);
    let msg = |t: &str| read("b.xml", t.as_bytes()).unwrap_err().to_string();
    assert!(msg(&doc.replace("Rhythm", "Median")).contains("no Rhythm waveform, only Median, Median"));
    assert!(msg("<RestingECG/>").contains("holds no <Waveform>"));
    assert!(msg("<RestingEEG/>").contains("document type is 'RestingEEG', expected 'RestingECG'"));
    let e = msg(&doc.replace("<SampleBase>25</SampleBase>", ""));
    assert!(e.contains("no <SampleBase>: the sampling rate is unknown"), "{e}");
    let e = msg(&doc.replace("<SampleExponent>1</SampleExponent>", "<SampleExponent>400</SampleExponent>"));
    assert!(e.contains("'400' is not a small integer"), "{e}");
    let e = msg(&doc.replace("<SampleBase>25</SampleBase>", "<SampleBase>0</SampleBase>"));
    assert!(e.contains("not a plausible rate"), "{e}");
    assert!(msg(&doc.replacen(
        "<WaveformType>Rhythm</WaveformType>",
        "<WaveformType>Rhythm</WaveformType><LeadData/>",
        1
    ))
    .contains("has no <LeadAmplitudeUnitsPerBit>"));
    let e = msg(&doc.replace("<LeadSampleCountTotal>4</LeadSampleCountTotal><LeadAmplitudeUnitsPerBit>5</LeadAmplitudeUnitsPerBit><LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits><LeadID>V1", "<LeadSampleCountTotal>3</LeadSampleCountTotal><LeadAmplitudeUnitsPerBit>5</LeadAmplitudeUnitsPerBit><LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits><LeadID>V1"));
    assert!(e.contains("lead V1 has 3 samples but lead I has 4"), "{e}");
}

#[test]
fn checksum_and_count_mismatches_are_warnings() {
    let doc = document(4);
    let crc = doc.split("<LeadDataCRC32>").nth(2).and_then(|s| s.split('<').next()).unwrap().to_string();
    let bad = doc.replacen(&format!("<LeadDataCRC32>{crc}<"), "<LeadDataCRC32>12345<", 1);
    let o = read("c.xml", bad.as_bytes()).unwrap();
    assert!(
        o.source
            .warnings
            .iter()
            .any(|w| w.contains("checksum (CRC-32) of lead I does not match") && w.contains("the file says 12345")),
        "{:?}",
        o.source.warnings
    );
    let many = doc.replace("<LeadSampleCountTotal>4<", "<LeadSampleCountTotal>3<");
    let o = read("c.xml", many.as_bytes()).unwrap();
    assert_eq!(o.record.n_samples(), 3);
}

#[test]
fn huge_stated_counts_are_refused_before_allocating() {
    let doc = document(4).replace("<LeadSampleCountTotal>4<", "<LeadSampleCountTotal>999999999999<");
    let e = read("h.xml", doc.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("ends after 8 of"), "{e}");
}
