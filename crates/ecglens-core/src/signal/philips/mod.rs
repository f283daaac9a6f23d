//! Philips PageWriter / Sierra ECG XML (`<restingecgdata>`, document versions 1.03, 1.04, 1.04.01, 1.04.02;
//! 1.04 files are UTF-16LE with a byte-order mark, which [`crate::signal::xml::decode`] handles).
//!
//! Read: `documentinfo` (document type SierraECG or PhilipsECG, version), `dataacquisition/signalcharacteristics`
//! (sampling rate, resolution in µV per unit, signal offset, channel count, acquisition type), and
//! `waveforms/parsedwaveforms` — Base64, either XLI-compressed ([`xli`]) or uncompressed int16 LE, one lead
//! after the other — for the rhythm leads; the cart, its global measurements, its interpretation statements and
//! the patient ([`report`]). Not read: representative beats, per-lead measurements, user-defined fields, orders.
//!
//! Reference: the `sierraecg` 0.4.0 Python package (sixlettervariables/sierra-ecg-tools, `pysierraecg/src/
//! sierraecg/lib.py`), cross-checked with the C# (`SierraEcgTools/`) and JavaScript (`sierraecg-js/`) readers of
//! the same repository. One deliberate difference: for uncompressed data, `lib.py` also applies the XLI
//! limb-lead reconstruction, the C# reader does not; ecglens decides from the data (see [`limb_leads_stored_as`]).
//! The XML is parsed with quick-xml; XLI is hand-written because no crate implements it.

mod report;
pub mod xli;

use base64::Engine as _;

use super::leads::canonical_lead_name;
use super::source::{Format, Opened, SourceInfo};
use super::xml::tree::{self, Element};
use super::{limits, open, Lead, Record, SignalError};

const FORMAT: &str = "Philips XML";
const DOCUMENT_TYPES: [&str; 2] = ["SierraECG", "PhilipsECG"];
const VERSIONS: [&str; 4] = ["1.03", "1.04", "1.04.01", "1.04.02"];

fn malformed(file: &str, message: impl Into<String>) -> SignalError {
    SignalError::Malformed { file: file.to_string(), format: FORMAT, message: message.into() }
}

/// How the waveform bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    Xli,
    None,
}

/// Reads a Philips Sierra ECG XML file.
pub fn read(file: &str, bytes: &[u8]) -> Result<Opened, SignalError> {
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("it has {} bytes, at most {} are read", bytes.len(), limits::MAX_FILE_BYTES),
        });
    }
    let text = super::xml::decode(file, bytes).map_err(|e| match e {
        SignalError::Malformed { message, .. } => malformed(file, message),
        other => other,
    })?;
    let root = tree::parse(&text).map_err(|m| malformed(file, m))?;
    if root.name != "restingecgdata" {
        return Err(malformed(file, format!("the root element is <{}>, expected <restingecgdata>", root.name)));
    }
    let (doc_type, version) = document_info(file, &root)?;
    let signal = root.path(&["dataacquisition", "signalcharacteristics"]);
    let waveforms = root
        .path(&["waveforms", "parsedwaveforms"])
        .or_else(|| root.find("parsedwaveforms"))
        .ok_or_else(|| malformed(file, "it has no <parsedwaveforms>: there are no rhythm waveforms"))?;

    let sample_rate_hz = number_at(file, signal, waveforms, "samplingrate", "samplespersecond", "sampling rate")?;
    if !(sample_rate_hz > 0.0 && sample_rate_hz <= 100_000.0) {
        return Err(malformed(file, format!("the sampling rate {sample_rate_hz} Hz is not plausible")));
    }
    let resolution_uv =
        match signal.and_then(|s| s.child_text("resolution").or_else(|| s.child_text("signalresolution"))) {
            Some(t) => parse_number(file, t, "signal resolution")?,
            None => number_at(file, None, waveforms, "", "resolution", "signal resolution (µV per unit)")?,
        };
    if !(resolution_uv > 0.0 && resolution_uv.is_finite()) {
        return Err(malformed(file, format!("the signal resolution {resolution_uv} µV is not a positive number")));
    }
    let offset = match signal.and_then(|s| s.child_text("signaloffset")).or_else(|| waveforms.attr("signaloffset")) {
        Some(t) => parse_number(file, t, "signal offset")?,
        None => 0.0,
    };
    let duration_ms = waveforms
        .attr("durationperchannel")
        .ok_or_else(|| malformed(file, "<parsedwaveforms> lacks durationperchannel: the recording's length is unknown"))
        .and_then(|t| parse_number(file, t, "durationperchannel"))?;
    // parse_number gives finite numbers only.
    if duration_ms <= 0.0 || duration_ms / 1000.0 > limits::MAX_DURATION_S {
        return Err(if duration_ms > 0.0 {
            SignalError::TooLarge {
                file: file.to_string(),
                message: format!(
                    "it lasts {:.0} s, at most {:.0} s are read",
                    duration_ms / 1000.0,
                    limits::MAX_DURATION_S
                ),
            }
        } else {
            malformed(file, format!("durationperchannel is {duration_ms} ms"))
        });
    }
    // As lib.py: int(duration * (rate / 1000)).
    let n_samples = (duration_ms * (sample_rate_hz / 1000.0)).floor() as usize;
    let labels = lead_labels(signal, waveforms);
    if labels.is_empty() {
        return Err(malformed(file, "the file names no leads (no leadlabels, no channel count)"));
    }
    if labels.len() > limits::MAX_SIGNALS || labels.len().saturating_mul(n_samples) > limits::MAX_TOTAL_SAMPLES {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("{} leads of {n_samples} samples exceed ecglens's limits", labels.len()),
        });
    }

    let encoding = waveforms.attr("dataencoding").unwrap_or("").trim();
    if encoding != "Base64" {
        return Err(malformed(file, format!("the waveform encoding is '{encoding}'; ecglens reads Base64")));
    }
    let compression = compression(file, waveforms)?;
    let data = decode_base64(file, &waveforms.text)?;
    let mut comments = Vec::new();
    let mut raw = match compression {
        Compression::Xli => {
            let mut leads = xli::decode(&data, labels.len(), n_samples).map_err(|e| malformed(file, e.to_string()))?;
            if starts_with_limb_leads(&labels) {
                xli::reconstruct_limb_leads(&mut leads);
                comments.push("ecglens: III, aVR, aVL and aVF rebuilt from I, II and the residuals XLI stores".into());
            } else if labels.len() >= 6 {
                return Err(malformed(
                    file,
                    format!(
                        "XLI data with leads {} (not I II III aVR aVL aVF first) cannot be rebuilt",
                        labels.join(" ")
                    ),
                ));
            }
            leads
        }
        Compression::None => {
            let mut leads = uncompressed(file, &data, labels.len(), n_samples)?;
            if starts_with_limb_leads(&labels) && limb_leads_stored_as(&leads) == Stored::Residuals {
                xli::reconstruct_limb_leads(&mut leads);
                comments.push(
                    "ecglens: the stored III, aVR, aVL and aVF are residuals (as in XLI); rebuilt from I and II".into(),
                );
            }
            leads
        }
    };
    let leads: Vec<Lead> = labels
        .iter()
        .zip(raw.iter_mut())
        .map(|(label, samples)| Lead {
            name: canonical_lead_name(label).map_or_else(|| label.clone(), str::to_string),
            samples_mv: samples.iter().map(|&v| ((f64::from(v) - offset) * resolution_uv / 1000.0) as f32).collect(),
        })
        .collect();
    if offset != 0.0 {
        comments.push(format!("ecglens: the signal offset {offset} was subtracted"));
    }
    let record = Record { name: open::record_name(file), sample_rate_hz, leads, comments };
    record.validate()?;
    let detail = format!(
        "{doc_type} XML {version}, {}",
        if compression == Compression::Xli { "XLI compressed" } else { "uncompressed" }
    );
    let mut source = SourceInfo::new(Format::PhilipsXml, detail);
    source.device = report::device_report(&root);
    Ok(Opened { record, source, patient: report::patient(&root) })
}

/// The document type and version, refused unless supported.
fn document_info<'a>(file: &str, root: &'a Element) -> Result<(&'a str, &'a str), SignalError> {
    let info = root.child("documentinfo").ok_or_else(|| malformed(file, "it has no <documentinfo>"))?;
    let doc_type = info.child_text("documenttype").unwrap_or("");
    if !DOCUMENT_TYPES.contains(&doc_type) {
        return Err(malformed(
            file,
            format!("document type is '{doc_type}', expected '{}'", DOCUMENT_TYPES.join("' or '")),
        ));
    }
    let version = info.child_text("documentversion").unwrap_or("");
    if !VERSIONS.contains(&version) {
        return Err(malformed(
            file,
            format!("document version is '{version}'; ecglens reads Sierra ECG XML {}", VERSIONS.join(", ")),
        ));
    }
    Ok((doc_type, version))
}

fn parse_number(file: &str, text: &str, what: &str) -> Result<f64, SignalError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| malformed(file, format!("the {what} '{}' is not a number", text.trim())))
}

/// A number from `signal/<element>`, else from attribute `attribute` of `<parsedwaveforms>`.
fn number_at(
    file: &str,
    signal: Option<&Element>,
    waveforms: &Element,
    element: &str,
    attribute: &str,
    what: &str,
) -> Result<f64, SignalError> {
    let text = signal
        .and_then(|s| s.child_text(element))
        .or_else(|| waveforms.attr(attribute))
        .ok_or_else(|| malformed(file, format!("the file does not state the {what}")))?;
    parse_number(file, text, what)
}

/// Lead names as lib.py finds them: `leadlabels` (cut to `numberofleads`), else `numberchannelsallocated`
/// standard leads for the STD-12 and 10-WIRE acquisition types, else "Channel n".
fn lead_labels(signal: Option<&Element>, waveforms: &Element) -> Vec<String> {
    if let Some(labels) = waveforms.attr("leadlabels").filter(|l| !l.trim().is_empty()) {
        let all: Vec<String> = labels.split_whitespace().map(str::to_string).collect();
        let count = waveforms.attr("numberofleads").and_then(|n| n.trim().parse::<usize>().ok()).unwrap_or(all.len());
        return all.into_iter().take(count).collect();
    }
    let count = signal
        .and_then(|s| s.child_text("numberchannelsallocated").or_else(|| s.child_text("numberchannelsvalid")))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0)
        .min(limits::MAX_SIGNALS + 1);
    let standard = signal
        .and_then(|s| s.child_text("acquisitiontype").or_else(|| s.child_text("leadset")))
        .is_some_and(|t| t == "STD-12" || t == "10-WIRE");
    (0..count)
        .map(|k| match super::leads::STANDARD_12.get(k) {
            Some(name) if standard => name.to_string(),
            _ => format!("Channel {}", k + 1),
        })
        .collect()
}

fn starts_with_limb_leads(labels: &[String]) -> bool {
    let limb = ["I", "II", "III", "aVR", "aVL", "aVF"];
    labels.len() >= 6 && labels.iter().zip(limb).all(|(l, want)| canonical_lead_name(l) == Some(want))
}

/// `compressflag` ("True"/"False") with `compressmethod` (1.03), or `compression` (1.04).
fn compression(file: &str, waveforms: &Element) -> Result<Compression, SignalError> {
    let method = waveforms.attr("compressmethod").or_else(|| waveforms.attr("compression")).map(str::trim);
    let flag = waveforms.attr("compressflag").map(str::trim);
    let compressed = match flag {
        Some(f) if f.eq_ignore_ascii_case("true") => true,
        Some(f) if f.eq_ignore_ascii_case("false") => false,
        Some(f) => return Err(malformed(file, format!("compressflag is '{f}', expected True or False"))),
        None => method.is_some_and(|m| !m.is_empty() && !m.eq_ignore_ascii_case("uncompressed")),
    };
    match (compressed, method) {
        (false, _) => Ok(Compression::None),
        (true, Some("XLI")) => Ok(Compression::Xli),
        (true, Some(m)) => Err(malformed(file, format!("the waveforms use compression '{m}'; ecglens reads XLI"))),
        (true, None) => Err(malformed(file, "the waveforms are compressed but the file does not say how")),
    }
}

/// Base64 with line breaks and blanks ignored; the error names the position among the Base64 characters.
fn decode_base64(file: &str, text: &str) -> Result<Vec<u8>, SignalError> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(&compact).map_err(|e| {
        let message = match e {
            base64::DecodeError::InvalidByte(at, byte) => format!(
                "the Base64 waveform data is corrupt at character {} of {} ({:?} is not Base64)",
                at + 1,
                compact.len(),
                char::from(byte)
            ),
            base64::DecodeError::InvalidLength(n) => {
                format!("the Base64 waveform data has {n} characters, not a whole number of groups: it is truncated")
            }
            other => format!("the Base64 waveform data is corrupt ({other})"),
        };
        malformed(file, message)
    })
}

/// Uncompressed: int16 LE, all samples of the first lead, then the next (lib.py's `split_leads`).
fn uncompressed(file: &str, data: &[u8], n_leads: usize, n_samples: usize) -> Result<Vec<Vec<i16>>, SignalError> {
    let needed = n_leads.saturating_mul(n_samples).saturating_mul(2);
    if data.len() < needed {
        return Err(malformed(
            file,
            format!(
                "the waveform data ends after {} of {} bytes ({n_leads} leads of {n_samples} samples): the file is truncated",
                data.len(),
                needed
            ),
        ));
    }
    Ok(data
        .chunks_exact(n_samples.saturating_mul(2).max(2))
        .take(n_leads)
        .map(|lead| lead.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect())
        .collect())
}

/// Whether the stored III, aVR, aVL, aVF are the leads themselves or XLI-style residuals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    Leads,
    Residuals,
}

/// A real lead III equals II − I (Einthoven), so `II − I − III` is near zero; a residual is near zero itself.
/// Whichever of the two is smaller says how III (and with it aVR, aVL, aVF) was stored.
fn limb_leads_stored_as(leads: &[Vec<i16>]) -> Stored {
    let (Some(one), Some(two), Some(three)) = (leads.first(), leads.get(1), leads.get(2)) else { return Stored::Leads };
    let (mut as_lead, mut as_residual) = (0i64, 0i64);
    for ((&i, &ii), &iii) in one.iter().zip(two).zip(three) {
        as_lead += (i64::from(ii) - i64::from(i) - i64::from(iii)).abs();
        as_residual += i64::from(iii).abs();
    }
    if as_residual < as_lead {
        Stored::Residuals
    } else {
        Stored::Leads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(doc_type: &str, version: &str, waveforms: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<restingecgdata xmlns="http://www3.medical.philips.com">
  <documentinfo><documenttype>{doc_type}</documenttype><documentversion>{version}</documentversion></documentinfo>
  <dataacquisition date="2020-01-02" time="03:04:05"><machine>PageWriter</machine>
    <signalcharacteristics><samplingrate>500</samplingrate><resolution>5</resolution><signaloffset>0</signaloffset>
    <acquisitiontype>STD-12</acquisitiontype><numberchannelsallocated>12</numberchannelsallocated></signalcharacteristics>
  </dataacquisition>
  <waveforms>{waveforms}</waveforms>
</restingecgdata>"#
        )
    }

    fn b64(values: &[i16]) -> String {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// 12 leads × 4 samples (8 ms at 500 Hz), lead k holds k*10 + t, III = II − I so they read as full leads.
    fn uncompressed_leads() -> Vec<i16> {
        let mut v = Vec::new();
        for k in 0..12i16 {
            for t in 0..4i16 {
                v.push(if k == 2 { 10 } else { k * 10 + t });
            }
        }
        v
    }

    #[test]
    fn reads_uncompressed_leads_one_after_the_other() {
        let w = format!(
            r#"<parsedwaveforms dataencoding="Base64" compressflag="False" durationperchannel="8">{}</parsedwaveforms>"#,
            b64(&uncompressed_leads())
        );
        let opened = read("x/rec.xml", doc("SierraECG", "1.03", &w).as_bytes()).unwrap();
        let r = &opened.record;
        assert_eq!(r.name, "rec");
        assert_eq!(r.sample_rate_hz, 500.0);
        let names: Vec<&str> = r.leads.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, crate::signal::leads::STANDARD_12);
        assert_eq!(r.leads[1].samples_mv, vec![0.05, 0.055, 0.06, 0.065]);
        assert_eq!(r.leads[2].samples_mv, vec![0.05; 4], "III kept: it equals II - I");
        assert_eq!(opened.source.detail, "SierraECG XML 1.03, uncompressed");
        assert_eq!(opened.source.device.device.as_deref(), Some("Philips PageWriter"));
    }

    #[test]
    fn refuses_wrong_type_version_encoding_and_short_data() {
        let w = format!(
            r#"<parsedwaveforms dataencoding="Base64" compressflag="False" durationperchannel="8">{}</parsedwaveforms>"#,
            b64(&uncompressed_leads())
        );
        let e = read("f.xml", doc("MortaraECG", "1.03", &w).as_bytes()).unwrap_err().to_string();
        assert!(e.contains("document type is 'MortaraECG', expected 'SierraECG' or 'PhilipsECG'"), "{e}");
        let e = read("f.xml", doc("SierraECG", "1.05", &w).as_bytes()).unwrap_err().to_string();
        assert!(e.contains("document version is '1.05'; ecglens reads Sierra ECG XML 1.03, 1.04, 1.04.01, 1.04.02"));
        let short = w.replace("durationperchannel=\"8\"", "durationperchannel=\"10\"");
        let e = read("f.xml", doc("SierraECG", "1.04", &short).as_bytes()).unwrap_err().to_string();
        assert!(e.contains("ends after 96 of 120 bytes") && e.contains("truncated"), "{e}");
        let plain = w.replace("Base64", "Plain");
        assert!(read("f.xml", doc("SierraECG", "1.04", &plain).as_bytes())
            .unwrap_err()
            .to_string()
            .contains("'Plain'"));
        let other = w.replace("compressflag=\"False\"", "compressflag=\"True\" compressmethod=\"ZIP\"");
        assert!(read("f.xml", doc("SierraECG", "1.04", &other).as_bytes()).unwrap_err().to_string().contains("'ZIP'"));
        let corrupt = w.replacen('A', "*", 1);
        let e = read("f.xml", doc("SierraECG", "1.04", &corrupt).as_bytes()).unwrap_err().to_string();
        assert!(e.contains("Base64 waveform data is corrupt at character"), "{e}");
        assert!(read("f.xml", b"<restingecgdata><documentinfo>").unwrap_err().to_string().contains("truncated"));
    }

    #[test]
    fn uncompressed_residuals_are_rebuilt() {
        // III stored as a residual of 0 with I = 10, II = 30: rebuilt III = 20.
        let mut v = Vec::new();
        for k in 0..12i16 {
            v.extend(
                [match k {
                    0 => 10,
                    1 => 30,
                    _ => 0,
                }; 4],
            );
        }
        let w =
            format!(r#"<parsedwaveforms dataencoding="Base64" durationperchannel="8">{}</parsedwaveforms>"#, b64(&v));
        let opened = read("f.xml", doc("PhilipsECG", "1.04.01", &w).as_bytes()).unwrap();
        assert_eq!(opened.record.leads[2].samples_mv, vec![0.1; 4]);
        assert!(opened.record.comments.iter().any(|c| c.contains("residuals")));
    }
}
