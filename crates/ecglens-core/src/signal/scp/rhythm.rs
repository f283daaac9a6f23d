//! The signal: section 3 (lead definition), section 6 (rhythm data), and, when the rhythm is stored as a
//! residual, section 4 (QRS locations) and section 5 (reference beat) to add the beat back.
//!
//! Rebuilding a lead: decode its values (section 2's coding) → undo first or second differences → × AVM (nV) →
//! mV. With reference-beat subtraction (section 3 flag bit 0), the reference beat (decoded the same way from
//! section 5) is added to every subtraction zone of section 4 whose type is 0, aligned on the fiducial points
//! (the beat's own, section 4's header, and the zone's), linearly resampled when its sample interval differs from
//! the rhythm's. Bimodal compression (section 6 flag) is refused.

use super::huffman::{self, Coding, DecodeError};
use super::sections::{section_name, u16_at, u32_at, u8_at, Frame};
use super::ScpError;
use crate::signal::limits;
use crate::signal::thousands;

/// Section 3's lead codes that have a name (EN 1064 table 10 / ISO 11073-91064 Annex); others keep their number.
pub(super) fn lead_name(code: u8) -> String {
    let name = match code {
        1 => "I",
        2 => "II",
        3 => "V1",
        4 => "V2",
        5 => "V3",
        6 => "V4",
        7 => "V5",
        8 => "V6",
        9 => "V7",
        10 => "V2R",
        11 => "V3R",
        12 => "V4R",
        13 => "V5R",
        14 => "V6R",
        15 => "V7R",
        16 => "X",
        17 => "Y",
        18 => "Z",
        19 => "CC5",
        20 => "CM5",
        21 => "LA",
        22 => "RA",
        23 => "LL",
        61 => "III",
        62 => "aVR",
        63 => "aVL",
        64 => "aVF",
        65 => "-aVR",
        66 => "V8",
        67 => "V9",
        68 => "V8R",
        69 => "V9R",
        _ => return format!("lead code {code}"),
    };
    name.to_string()
}

/// One lead of section 3: its sample range (1-based, inclusive) and code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct LeadDefinition {
    pub start: u32,
    pub end: u32,
    pub code: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Section3 {
    pub leads: Vec<LeadDefinition>,
    pub reference_beat_subtracted: bool,
}

pub(super) fn parse_section3(content: &[u8]) -> Result<Section3, ScpError> {
    let malformed = |m: String| ScpError::Malformed(format!("{}: {m}", section_name(3)));
    let (Some(n_leads), Some(flags)) = (u8_at(content, 0), u8_at(content, 1)) else {
        return Err(malformed("it is empty".into()));
    };
    let n_leads = usize::from(n_leads);
    if n_leads == 0 {
        return Err(malformed("it defines no lead".into()));
    }
    if n_leads > limits::MAX_SIGNALS {
        return Err(ScpError::TooLarge(format!(
            "it has {n_leads} leads; ecglens reads at most {}",
            limits::MAX_SIGNALS
        )));
    }
    let mut leads = Vec::with_capacity(n_leads);
    for k in 0..n_leads {
        let at = 2 + 9 * k;
        let (Some(start), Some(end), Some(code)) =
            (u32_at(content, at), u32_at(content, at + 4), u8_at(content, at + 8))
        else {
            return Err(malformed(format!("it announces {n_leads} leads but ends after {k}: the file is truncated")));
        };
        if start == 0 || end < start {
            return Err(malformed(format!(
                "lead {} ({}) runs from sample {start} to sample {end}, which is not a valid range",
                k + 1,
                lead_name(code)
            )));
        }
        leads.push(LeadDefinition { start, end, code });
    }
    Ok(Section3 { leads, reference_beat_subtracted: flags & 1 == 1 })
}

/// Sections 5 and 6 share this layout: AVM (nV), sample interval (µs), difference order, a flag, byte counts.
#[derive(Debug, Clone, PartialEq)]
struct Encoded<'a> {
    avm_nv: u16,
    interval_us: u16,
    difference: u8,
    flag: u8,
    per_lead: Vec<&'a [u8]>,
}

fn parse_encoded<'a>(content: &'a [u8], id: u16, leads: &[LeadDefinition]) -> Result<Encoded<'a>, ScpError> {
    let malformed = |m: String| ScpError::Malformed(format!("{}: {m}", section_name(id)));
    let (Some(avm_nv), Some(interval_us), Some(difference), Some(flag)) =
        (u16_at(content, 0), u16_at(content, 2), u8_at(content, 4), u8_at(content, 5))
    else {
        return Err(malformed("it is too short for its header: the file is truncated".into()));
    };
    if avm_nv == 0 {
        return Err(malformed("its amplitude value multiplier (AVM) is 0 nV".into()));
    }
    if interval_us == 0 {
        return Err(malformed("its sample time interval is 0 µs".into()));
    }
    if difference > 2 {
        return Err(malformed(format!(
            "it says the data are differences of order {difference}; the standard knows 0, 1 and 2"
        )));
    }
    let mut at = 6 + 2 * leads.len();
    let mut per_lead = Vec::with_capacity(leads.len());
    for (k, lead) in leads.iter().enumerate() {
        let n = u16_at(content, 6 + 2 * k).ok_or_else(|| {
            malformed(format!("it ends before the byte count of lead {}: the file is truncated", k + 1))
        })?;
        let n = usize::from(n);
        let bytes = content.get(at..at.saturating_add(n)).ok_or_else(|| {
            malformed(format!(
                "the data of lead {} need {} bytes, but only {} are left in the section: the file is truncated",
                lead_name(lead.code),
                thousands(n),
                thousands(content.len().saturating_sub(at))
            ))
        })?;
        per_lead.push(bytes);
        at += n;
    }
    Ok(Encoded { avm_nv, interval_us, difference, flag, per_lead })
}

/// Undoes first or second differences in place (the first one or two values are stored as they are).
pub(super) fn undo_differences(values: &mut [i64], order: u8) {
    match order {
        1 => {
            for i in 1..values.len() {
                values[i] = values[i].saturating_add(values[i - 1]);
            }
        }
        2 => {
            for i in 2..values.len() {
                let predicted = values[i - 1].saturating_mul(2).saturating_sub(values[i - 2]);
                values[i] = values[i].saturating_add(predicted);
            }
        }
        _ => {}
    }
}

fn decode_lead(coding: &Coding, data: &[u8], n: usize, order: u8, what: &str) -> Result<Vec<i64>, ScpError> {
    let mut values = huffman::decode(coding, data, n).map_err(|e| {
        ScpError::Malformed(match e {
            DecodeError::Ended { decoded } => format!(
                "the compressed data of {what} end after {} of {} samples: the file is truncated or corrupt",
                thousands(decoded),
                thousands(n)
            ),
            DecodeError::NoCode { bit } => format!(
                "the compressed data of {what} hold, at bit {}, a code that is in no Huffman table: the file is corrupt",
                thousands(bit)
            ),
            DecodeError::NoTable { table } => {
                format!("the compressed data of {what} switch to Huffman table {table}, which section 2 does not have")
            }
        })
    })?;
    undo_differences(&mut values, order);
    Ok(values)
}

/// The rebuilt signal.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Rhythm {
    pub sample_rate_hz: f64,
    /// (name, samples in mV), in section 3's order, all of the same length.
    pub leads: Vec<(String, Vec<f32>)>,
    /// For the detail line: "second differences", "reference beat added back", ...
    pub detail: Vec<String>,
    pub warnings: Vec<String>,
}

fn difference_name(order: u8) -> &'static str {
    match order {
        1 => "first differences",
        2 => "second differences",
        _ => "no differences",
    }
}

/// Section 4: the reference beat's length and fiducial point, and the subtraction zones.
struct Section4 {
    median_length_ms: u16,
    fiducial: u16,
    zones: Vec<(u16, u32, u32, u32)>, // (type, start, fiducial, end), 1-based rhythm samples
}

fn parse_section4(content: &[u8]) -> Result<Section4, ScpError> {
    let malformed = |m: String| ScpError::Malformed(format!("{}: {m}", section_name(4)));
    let (Some(median_length_ms), Some(fiducial), Some(n_qrs)) =
        (u16_at(content, 0), u16_at(content, 2), u16_at(content, 4))
    else {
        return Err(malformed("it is too short for its header: the file is truncated".into()));
    };
    let n_qrs = usize::from(n_qrs);
    if content.len().saturating_sub(6) < n_qrs * 14 {
        return Err(malformed(format!("it announces {n_qrs} QRS complexes but ends before: the file is truncated")));
    }
    let mut zones = Vec::with_capacity(n_qrs);
    for k in 0..n_qrs {
        let at = 6 + 14 * k;
        let (Some(t), Some(s), Some(f), Some(e)) =
            (u16_at(content, at), u32_at(content, at + 2), u32_at(content, at + 6), u32_at(content, at + 10))
        else {
            return Err(malformed(format!("QRS complex {} is cut off", k + 1)));
        };
        zones.push((t, s, f, e));
    }
    Ok(Section4 { median_length_ms, fiducial, zones })
}

/// Reads sections 3 (and 4, 5 when needed) and 6 into leads in mV on one time axis.
pub(super) fn read(frame: &Frame<'_>, coding: &Coding) -> Result<Rhythm, ScpError> {
    let s3 = frame.section(3)?.ok_or_else(|| {
        ScpError::Malformed("the file has no lead definition (section 3): its leads cannot be read".into())
    })?;
    let s3 = parse_section3(s3.content)?;
    let s6 = frame.section(6)?.ok_or_else(|| {
        ScpError::Malformed(
            "the file has no rhythm data (section 6): it may hold only a reference beat or measurements, and ecglens needs the rhythm signal".into(),
        )
    })?;
    let s6 = parse_encoded(s6.content, 6, &s3.leads)?;
    if s6.flag != 0 {
        return Err(ScpError::Unsupported(
            "its rhythm data use bimodal compression (section 6), which ecglens cannot rebuild".into(),
        ));
    }
    let sample_rate_hz = 1e6 / f64::from(s6.interval_us);

    // One time axis from the earliest start to the latest end; check its size before allocating anything.
    let first = s3.leads.iter().map(|l| l.start).min().unwrap_or(1);
    let last = s3.leads.iter().map(|l| l.end).max().unwrap_or(1);
    let n_samples = usize::try_from(last - first).unwrap_or(usize::MAX).saturating_add(1);
    let total = n_samples.saturating_mul(s3.leads.len());
    if total > limits::MAX_TOTAL_SAMPLES {
        return Err(ScpError::TooLarge(format!(
            "it holds {} samples over its {} leads; ecglens reads at most {}",
            thousands(total),
            s3.leads.len(),
            thousands(limits::MAX_TOTAL_SAMPLES)
        )));
    }
    let duration_s = n_samples as f64 / sample_rate_hz;
    if duration_s > limits::MAX_DURATION_S {
        return Err(ScpError::TooLarge(format!(
            "it lasts {:.0} hours; ecglens reads at most {:.0}",
            duration_s / 3600.0,
            limits::MAX_DURATION_S / 3600.0
        )));
    }

    let mut detail = vec![difference_name(s6.difference).to_string()];
    let mut warnings = Vec::new();
    let reference = if s3.reference_beat_subtracted { Some(reference_beat(frame, coding, &s3)?) } else { None };
    if reference.is_some() {
        detail.push("reference beat added back".into());
    }

    let mut leads = Vec::with_capacity(s3.leads.len());
    let mut padded = Vec::new();
    for (k, (lead, data)) in s3.leads.iter().zip(&s6.per_lead).enumerate() {
        let name = lead_name(lead.code);
        let n = usize::try_from(lead.end - lead.start).unwrap_or(usize::MAX).saturating_add(1);
        let values = decode_lead(coding, data, n, s6.difference, &format!("lead {name}"))?;
        let mut nv: Vec<f64> = values.iter().map(|&v| v as f64 * f64::from(s6.avm_nv)).collect();
        if let Some((beat, s4)) = &reference {
            add_reference_beat(&mut nv, lead.start, s6.interval_us, beat, k, s4);
        }
        let offset = usize::try_from(lead.start - first).unwrap_or(usize::MAX);
        if n != n_samples {
            padded.push(name.clone());
        }
        let mut samples_mv = vec![0.0f32; n_samples];
        for (slot, v) in samples_mv.iter_mut().skip(offset).zip(&nv) {
            *slot = (v / 1e6) as f32;
        }
        leads.push((name, samples_mv));
    }
    if !padded.is_empty() {
        warnings.push(format!(
            "ecglens: lead(s) {} were not recorded over the whole {:.2} s; the time they do not cover is shown as 0 mV",
            padded.join(", "),
            duration_s
        ));
    }
    Ok(Rhythm { sample_rate_hz, leads, detail, warnings })
}

/// The decoded reference beat, per lead in nV, with its sample interval and section 4.
struct Beat {
    per_lead_nv: Vec<Vec<f64>>,
    interval_us: u16,
}

fn reference_beat(frame: &Frame<'_>, coding: &Coding, s3: &Section3) -> Result<(Beat, Section4), ScpError> {
    let missing = |id: u16| {
        ScpError::Malformed(format!(
            "its rhythm data are stored with the reference beat subtracted, but {} is missing, so the signal cannot be rebuilt",
            section_name(id)
        ))
    };
    let s4 = parse_section4(frame.section(4)?.ok_or_else(|| missing(4))?.content)?;
    let s5 = parse_encoded(frame.section(5)?.ok_or_else(|| missing(5))?.content, 5, &s3.leads)?;
    // Samples of the reference beat: its length (ms) over its sample interval (µs).
    let n = usize::from(s4.median_length_ms) * 1000 / usize::from(s5.interval_us);
    let mut per_lead_nv = Vec::with_capacity(s3.leads.len());
    for (lead, data) in s3.leads.iter().zip(&s5.per_lead) {
        let what = format!("the reference beat of lead {}", lead_name(lead.code));
        let values = decode_lead(coding, data, n, s5.difference, &what)?;
        per_lead_nv.push(values.iter().map(|&v| v as f64 * f64::from(s5.avm_nv)).collect());
    }
    Ok((Beat { per_lead_nv, interval_us: s5.interval_us }, s4))
}

/// Adds the reference beat of lead `k` to the residual `nv` (whose first sample is rhythm sample `lead_start`)
/// in every subtraction zone of type 0, the beat's fiducial point on the zone's.
fn add_reference_beat(nv: &mut [f64], lead_start: u32, rhythm_interval_us: u16, beat: &Beat, k: usize, s4: &Section4) {
    let Some(median) = beat.per_lead_nv.get(k) else { return };
    if median.is_empty() {
        return;
    }
    let ratio = f64::from(rhythm_interval_us) / f64::from(beat.interval_us);
    let beat_fiducial = f64::from(s4.fiducial) - 1.0; // 0-based, in reference-beat samples
    let last = (median.len() - 1) as f64;
    for &(kind, start, fiducial, end) in &s4.zones {
        if kind != 0 {
            continue;
        }
        for s in start.max(lead_start)..=end {
            let Some(slot) = usize::try_from(s - lead_start).ok().and_then(|i| nv.get_mut(i)) else { break };
            let p = beat_fiducial + (f64::from(s) - f64::from(fiducial)) * ratio;
            if !(0.0..=last).contains(&p) {
                continue;
            }
            let below = p.floor();
            let frac = p - below;
            let i = below as usize;
            let a = median.get(i).copied().unwrap_or(0.0);
            let b = median.get(i + 1).copied().unwrap_or(a);
            *slot += a + (b - a) * frac;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_codes() {
        assert_eq!(lead_name(1), "I");
        assert_eq!(lead_name(8), "V6");
        assert_eq!(lead_name(61), "III");
        assert_eq!(lead_name(64), "aVF");
        assert_eq!(lead_name(200), "lead code 200");
    }

    #[test]
    fn differences() {
        let mut v = vec![5, 1, 1, 1];
        undo_differences(&mut v, 1);
        assert_eq!(v, [5, 6, 7, 8]);
        // x = 1, 3, 6, 10: second differences 1, 3, (6-6+3)=1, (10-12+3)=1.
        let mut v = vec![1, 3, 1, 1];
        undo_differences(&mut v, 2);
        assert_eq!(v, [1, 3, 6, 10]);
        let mut v = vec![i64::MAX, i64::MAX, i64::MAX];
        undo_differences(&mut v, 2);
        assert_eq!(v[2], i64::MAX);
    }

    #[test]
    fn section3_checks() {
        let mut c = vec![2u8, 0b100];
        for (s, e, code) in [(1u32, 5000u32, 1u8), (1, 5000, 2)] {
            c.extend_from_slice(&s.to_le_bytes());
            c.extend_from_slice(&e.to_le_bytes());
            c.push(code);
        }
        let s3 = parse_section3(&c).unwrap();
        assert_eq!(s3.leads.len(), 2);
        assert!(!s3.reference_beat_subtracted);
        assert!(parse_section3(&c[..12]).unwrap_err().message().contains("ends after 1"));
        assert!(parse_section3(&[0, 0]).unwrap_err().message().contains("no lead"));
        assert!(matches!(parse_section3(&[200, 0]), Err(ScpError::TooLarge(_))));
        let mut bad = c.clone();
        bad[2..6].copy_from_slice(&6000u32.to_le_bytes());
        assert!(parse_section3(&bad).unwrap_err().message().contains("not a valid range"));
    }

    #[test]
    fn reference_beat_is_added_on_the_fiducial_point() {
        let beat = Beat { per_lead_nv: vec![vec![10.0, 20.0, 30.0, 40.0, 50.0]], interval_us: 2000 };
        // The beat's fiducial is its 3rd sample; one zone from rhythm sample 4 to 8 with its fiducial at 6.
        let s4 = Section4 { median_length_ms: 10, fiducial: 3, zones: vec![(0, 4, 6, 8), (1, 1, 2, 3)] };
        let mut nv = vec![0.0; 10];
        add_reference_beat(&mut nv, 1, 2000, &beat, 0, &s4);
        assert_eq!(nv, [0.0, 0.0, 0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 0.0, 0.0]);
        // A reference beat at twice the rhythm's rate: every other beat sample.
        let beat = Beat { per_lead_nv: vec![vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]], interval_us: 1000 };
        let s4 = Section4 { median_length_ms: 9, fiducial: 5, zones: vec![(0, 2, 4, 6)] };
        let mut nv = vec![0.0; 8];
        add_reference_beat(&mut nv, 1, 2000, &beat, 0, &s4);
        assert_eq!(nv, [0.0, 0.0, 2.0, 4.0, 6.0, 8.0, 0.0, 0.0]);
    }
}
