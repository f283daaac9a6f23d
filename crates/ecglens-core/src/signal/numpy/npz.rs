//! `.npz` archives (`numpy.savez`, `savez_compressed`): a ZIP of `.npy` members, stored or deflated, read with
//! the `zip` crate. Every member's header is read (a few hundred bytes each) to choose the ECG array; the small
//! members that name the rate, the leads or the units are read whole; then only the ECG member is inflated.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::header::{self, Header, Kind};
use super::{malformed, read_array, Array, ArrayName, Facts};
use crate::signal::limits::MAX_FILE_BYTES;
use crate::signal::options::{InMemory, ReadOptions, Units};
use crate::signal::source::Opened;
use crate::signal::{thousands, SignalError};

/// An archive with more members than this is no ECG export.
const MAX_MEMBERS: usize = 4096;
/// Members that give the rate, names or units are tiny; larger ones are not read for that.
const MAX_SMALL_MEMBER: u64 = 64 * 1024;

/// Member names (without `.npy`, any case) that hold the ECG, in order of preference.
const ECG_NAMES: [&str; 14] = [
    "x",
    "data",
    "ecg",
    "ecgs",
    "signal",
    "signals",
    "tracings",
    "waveform",
    "waveforms",
    "x_test",
    "x_train",
    "x_val",
    "x_valid",
    "arr_0",
];
const RATE_NAMES: [&str; 7] =
    ["fs", "sampling_rate", "sample_rate", "sampling_frequency", "fs_hz", "sample_rate_hz", "freq"];
const LEAD_NAMES: [&str; 6] = ["leads", "lead_names", "lead", "channels", "channel_names", "ch_names"];
const UNIT_NAMES: [&str; 3] = ["units", "unit", "units_signal"];

struct Member {
    index: usize,
    key: String,
    size: u64,
    header: Result<Header, String>,
}

/// Reads an `.npz` archive.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Opened, SignalError> {
    let zip_error = |e: zip::result::ZipError| malformed(file, format!("it is not a readable .npz (ZIP) archive: {e}"));
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;
    if archive.len() > MAX_MEMBERS {
        return Err(malformed(
            file,
            format!("the archive has {} members; an .npz of an ECG has a few", thousands(archive.len())),
        ));
    }
    let mut members = Vec::new();
    let mut others = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(zip_error)?;
        let name = entry.name().to_string();
        let Some(key) = name.strip_suffix(".npy") else {
            others.push(name);
            continue;
        };
        let size = entry.size();
        let header = member_header(&mut entry);
        members.push(Member { index, key: key.to_string(), size, header });
    }
    let chosen = choose(&members).ok_or_else(|| {
        let list: Vec<String> = members
            .iter()
            .map(|m| match &m.header {
                Ok(h) => format!("{} {} {}", m.key, h.descr, h.shape_text()),
                Err(_) => format!("{} (unreadable)", m.key),
            })
            .collect();
        malformed(
            file,
            if list.is_empty() {
                "the archive holds no .npy arrays".to_string()
            } else {
                format!("no member of the archive is a numeric array to read as an ECG: it holds {}", list.join(", "))
            },
        )
    })?;

    let mut facts = Facts::default();
    for m in &members {
        let lower = m.key.to_ascii_lowercase();
        let small = m.size <= MAX_SMALL_MEMBER && m.index != chosen.index;
        if !small {
            continue;
        }
        if RATE_NAMES.contains(&lower.as_str()) && facts.sample_rate_hz.is_none() {
            let bytes = inflate(file, &mut archive, m, MAX_SMALL_MEMBER)?;
            let rate =
                scalar(&bytes).map_err(|e| malformed(file, format!("member '{}' (the sampling rate): {e}", m.key)))?;
            facts.sample_rate_hz = Some((rate, m.key.clone()));
        } else if LEAD_NAMES.contains(&lower.as_str()) && facts.leads.is_none() {
            let bytes = inflate(file, &mut archive, m, MAX_SMALL_MEMBER)?;
            let names =
                strings(&bytes).map_err(|e| malformed(file, format!("member '{}' (the lead names): {e}", m.key)))?;
            facts.leads = Some((names, m.key.clone()));
        } else if UNIT_NAMES.contains(&lower.as_str()) && facts.units.is_none() {
            let bytes = inflate(file, &mut archive, m, MAX_SMALL_MEMBER)?;
            let text = strings(&bytes).map_err(|e| malformed(file, format!("member '{}' (the units): {e}", m.key)))?;
            let unit = text.first().and_then(|t| Units::parse(t)).ok_or_else(|| {
                malformed(
                    file,
                    format!("member '{}' says the units are '{}'; ecglens knows mV, µV and V", m.key, text.join(", ")),
                )
            })?;
            facts.units = Some((unit, m.key.clone()));
        }
    }
    let skipped: Vec<&str> = members
        .iter()
        .filter(|m| m.index != chosen.index)
        .map(|m| m.key.as_str())
        .filter(|k| {
            let k = k.to_ascii_lowercase();
            ![&RATE_NAMES[..], &LEAD_NAMES[..], &UNIT_NAMES[..]].iter().any(|names| names.contains(&k.as_str()))
        })
        .chain(others.iter().map(String::as_str))
        .collect();
    if !skipped.is_empty() {
        facts.comments.push(format!("ecglens: the archive also holds {} (not read)", skipped.join(", ")));
    }

    let bytes = inflate(file, &mut archive, chosen, MAX_FILE_BYTES as u64)?;
    let source = InMemory { file, bytes: &bytes };
    let array = Array::open(file, &source).map_err(|e| in_member(e, &chosen.key))?;
    let detail = format!(".npz member {} (v{}.{})", chosen.key, array.version.0, array.version.1);
    let name = ArrayName { label: chosen.key.clone(), what: format!("array '{}'", chosen.key), detail };
    read_array(file, &source, &array, options, &facts, &name)
}

/// The header of a member, from its first bytes.
fn member_header(entry: &mut impl Read) -> Result<Header, String> {
    let mut head = Vec::new();
    entry.take(12).read_to_end(&mut head).map_err(|e| format!("cannot be inflated ({e})"))?;
    let preamble = header::preamble(&head)?;
    let rest = preamble.data_start().saturating_sub(head.len());
    entry.take(rest as u64).read_to_end(&mut head).map_err(|e| format!("cannot be inflated ({e})"))?;
    let (_, header) =
        super::read_header("member", &InMemory { file: "member", bytes: &head }).map_err(|e| e.to_string())?;
    Ok(header)
}

/// The member an ECG is in: the first of the preferred names that is a numeric array, else the largest float
/// array of 2 or more dimensions, else the largest integer one.
fn choose(members: &[Member]) -> Option<&Member> {
    let numeric = |m: &&Member| m.header.as_ref().is_ok_and(|h| h.dtype.is_ok() && !h.shape.is_empty());
    for name in ECG_NAMES {
        if let Some(m) = members.iter().filter(numeric).find(|m| m.key.eq_ignore_ascii_case(name)) {
            return Some(m);
        }
    }
    let size = |m: &&Member| m.header.as_ref().ok().and_then(Header::n_elements).unwrap_or(0);
    let of_kind = |float: bool| {
        members
            .iter()
            .filter(numeric)
            .filter(|m| {
                m.header.as_ref().is_ok_and(|h| {
                    h.shape.len() >= 2 && h.dtype.as_ref().is_ok_and(|d| (d.kind == Kind::Float) == float)
                })
            })
            .max_by_key(size)
    };
    of_kind(true).or_else(|| of_kind(false))
}

/// The member's bytes, inflated, at most `limit` of them.
fn inflate(
    file: &str,
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    member: &Member,
    limit: u64,
) -> Result<Vec<u8>, SignalError> {
    if member.size > limit {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!(
                "its member '{}' is {} MB unpacked; ecglens reads at most {} MB",
                member.key,
                member.size / 1_048_576,
                limit / 1_048_576
            ),
        });
    }
    let entry = archive
        .by_index(member.index)
        .map_err(|e| malformed(file, format!("member '{}' cannot be read: {e}", member.key)))?;
    let mut out = Vec::with_capacity(usize::try_from(member.size).unwrap_or(0));
    entry.take(limit.saturating_add(1)).read_to_end(&mut out).map_err(|e| {
        malformed(file, format!("member '{}' cannot be inflated: {e}; the archive is damaged", member.key))
    })?;
    if out.len() as u64 > limit {
        return Err(SignalError::TooLarge {
            file: file.to_string(),
            message: format!("its member '{}' unpacks to more than {} MB", member.key, limit / 1_048_576),
        });
    }
    Ok(out)
}

/// An error about the chosen member, saying which member.
fn in_member(error: SignalError, key: &str) -> SignalError {
    match error {
        SignalError::Malformed { file, format, message } => {
            SignalError::Malformed { file, format, message: format!("member '{key}': {message}") }
        }
        other => other,
    }
}

/// The single number a small `.npy` holds (shape `()` or `(1,)`).
fn scalar(bytes: &[u8]) -> Result<f64, String> {
    let (preamble, header) =
        super::read_header("member", &InMemory { file: "member", bytes }).map_err(|e| e.to_string())?;
    let dtype = header.dtype.clone()?;
    if header.n_elements() != Some(1) {
        return Err(format!("expected one number, found shape {}", header.shape_text()));
    }
    let start = preamble.data_start();
    let value = bytes.get(start..start + dtype.size).map(|b| dtype.value(b)).ok_or("it is truncated")?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("{value} is not a positive number"));
    }
    Ok(value)
}

/// The strings a small `.npy` of text holds (`<U3`: UTF-32, `|S3`: bytes), trailing NULs removed.
fn strings(bytes: &[u8]) -> Result<Vec<String>, String> {
    let (preamble, header) =
        super::read_header("member", &InMemory { file: "member", bytes }).map_err(|e| e.to_string())?;
    let descr = header.descr.as_str();
    let big_endian = descr.starts_with('>');
    let body = descr.trim_start_matches(['<', '>', '|', '=']);
    let (wide, width) = match (body.get(..1), body.get(1..).and_then(|n| n.parse::<usize>().ok())) {
        (Some("U"), Some(n)) => (true, n.saturating_mul(4)),
        (Some("S" | "a"), Some(n)) => (false, n),
        _ => return Err(format!("expected text (dtype '<U…' or '|S…'), found dtype '{descr}'")),
    };
    let count = header.n_elements().ok_or("its shape is beyond any size")?;
    if header.shape.len() > 1 || width == 0 {
        return Err(format!("expected a list of names, found shape {} of dtype '{descr}'", header.shape_text()));
    }
    let data = bytes.get(preamble.data_start()..).unwrap_or_default();
    if count.checked_mul(width).is_none_or(|n| n > data.len()) {
        return Err("it is truncated".into());
    }
    Ok(data
        .chunks_exact(width)
        .take(count)
        .map(|item| {
            let text: String = if wide {
                item.chunks_exact(4)
                    .map(|c| {
                        let code = if big_endian {
                            u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                        } else {
                            u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                        };
                        char::from_u32(code).unwrap_or('\u{fffd}')
                    })
                    .collect()
            } else {
                item.iter().map(|&b| char::from(b)).collect()
            };
            text.trim_end_matches('\0').to_string()
        })
        .collect())
}
